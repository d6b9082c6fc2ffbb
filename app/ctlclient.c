/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctlclient.h"

#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTLC_DEFAULT_PATTERN "/run/enimap-*.sock"

static int ctlc_copy(const char *src, char *out, size_t out_len, char *err, size_t err_len)
{
	if (strlen(src) >= out_len || strlen(src) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, err_len, "socket path too long: %s", src);
		return -ENAMETOOLONG;
	}
	strcpy(out, src);
	return 0;
}

int ctlc_find_socket(const char *path, const char *pattern, char *out, size_t out_len, char *err,
		     size_t err_len)
{
	const char *env = getenv("ENIMAP_SOCKET");
	glob_t g;
	int rc;

	if (path == NULL && env != NULL && *env != '\0')
		path = env;
	env = getenv("ENIMAP_CONTROL");
	if (path == NULL && env != NULL && *env != '\0')
		path = env;
	if (path != NULL)
		return ctlc_copy(path, out, out_len, err, err_len);
	if (pattern == NULL)
		pattern = CTLC_DEFAULT_PATTERN;
	rc = glob(pattern, 0, NULL, &g);
	if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
		if (rc == 0)
			globfree(&g);
		snprintf(err, err_len,
			 "no engine control socket matches %s (is enimap running? -s PATH)",
			 pattern);
		return -ENOENT;
	}
	if (rc != 0) {
		snprintf(err, err_len, "cannot list %s", pattern);
		return -ENOENT;
	}
	if (g.gl_pathc > 1) {
		size_t n = (size_t)snprintf(
		    err, err_len, "%zu engine control sockets, pick one with -s:", g.gl_pathc);

		for (size_t i = 0; i < g.gl_pathc && n < err_len; i++)
			n += (size_t)snprintf(err + n, err_len - n, " %s", g.gl_pathv[i]);
		globfree(&g);
		return -EEXIST;
	}
	rc = ctlc_copy(g.gl_pathv[0], out, out_len, err, err_len);
	globfree(&g);
	return rc;
}

static int ctlc_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int ctlc_read_all(int fd, int timeout_ms, char **reply, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return -ENOMEM;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, timeout_ms);
		ssize_t r;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			free(buf);
			return pr == 0 ? -ETIMEDOUT : -errno;
		}
		if (n + 1 == cap) {
			char *b = realloc(buf, 2 * cap);

			if (b == NULL) {
				free(buf);
				return -ENOMEM;
			}
			buf = b;
			cap *= 2;
		}
		r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*reply = buf;
	*len = n;
	return 0;
}

int ctlc_request(const char *path, const char *line, int timeout_ms, char **reply, size_t *len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = ctlc_send_all(fd, line, strlen(line));
	if (rc == 0)
		rc = ctlc_send_all(fd, "\n", 1);
	/* half-close: the engine answers, then closes once the reply is out */
	if (rc == 0 && shutdown(fd, SHUT_WR) != 0)
		rc = -errno;
	if (rc == 0)
		rc = ctlc_read_all(fd, timeout_ms, reply, len);
	close(fd);
	return rc;
}

enum ctlc_status ctlc_split(char *reply, size_t len, size_t *body_len, const char **status)
{
	size_t end, start;

	*body_len = 0;
	*status = "";
	/* the reply ends with the status line's newline; a reply without one was cut */
	if (len == 0 || reply[len - 1] != '\n')
		return CTLC_NONE;
	end = len - 1;
	reply[end] = '\0';
	start = end;
	while (start > 0 && reply[start - 1] != '\n')
		start--;
	*body_len = start;
	*status = reply + start;
	if (strcmp(*status, "OK") == 0 || strncmp(*status, "OK ", 3) == 0)
		return CTLC_OK;
	if (strncmp(*status, "DIFF ", 5) == 0)
		return CTLC_DIFF;
	if (strncmp(*status, "ERR ", 4) == 0)
		return CTLC_ERR;
	return CTLC_NONE;
}
