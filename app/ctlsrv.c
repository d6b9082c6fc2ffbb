/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctlsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"

#define CTLSRV_MAX_CLIENTS 8

struct ctlsrv_client {
	int fd; /* -1 = free slot */
	size_t len;
	char buf[CTL_LINE_MAX];
	int overflow; /* the current line is too long: drop it, answer an error */
};

struct ctlsrv {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctlsrv_handler fn;
	void *arg;
	struct ctlsrv_client c[CTLSRV_MAX_CLIENTS];
};

struct ctlsrv *ctlsrv_create(const char *path, ctlsrv_handler fn, void *arg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ctlsrv *s;
	int err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	strcpy(s->path, path);
	strcpy(sa.sun_path, path);
	s->fn = fn;
	s->arg = arg;
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		s->c[i].fd = -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		goto fail;
	unlink(path);
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s->fd, 8) != 0)
		goto fail;
	return s;
fail:
	err = errno;
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	errno = err;
	return NULL;
}

static void ctlsrv_drop(struct ctlsrv_client *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->overflow = 0;
}

static void ctlsrv_accept(struct ctlsrv *s)
{
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++) {
		if (s->c[i].fd < 0) {
			s->c[i].fd = fd;
			return;
		}
	}
	close(fd); /* full: the client sees the connection closed */
}

/* Send all of buf (blocking: replies are small and clients read them). */
static int ctlsrv_send(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int ctlsrv_answer(struct ctlsrv *s, struct ctlsrv_client *c, const char *line)
{
	char *reply = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&reply, &len);
	int rc;

	if (out == NULL)
		return -1;
	if (c->overflow)
		fprintf(out, "ERR InvalidParameterValue: line longer than %d bytes\n",
			CTL_LINE_MAX - 1);
	else
		s->fn(line, out, s->arg);
	fclose(out);
	rc = ctlsrv_send(c->fd, reply, len);
	free(reply);
	return rc;
}

/* Serve every complete line in the client's buffer. */
static void ctlsrv_read(struct ctlsrv *s, struct ctlsrv_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		ctlsrv_drop(c); /* closed by the client (after its last line) */
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
		size_t used = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		if (ctlsrv_answer(s, c, c->buf) != 0) {
			ctlsrv_drop(c);
			return;
		}
		c->overflow = 0;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len == sizeof(c->buf) - 1) {
		/* no newline in a full buffer: forget it, refuse the line at its end */
		c->overflow = 1;
		c->len = 0;
	}
}

int ctlsrv_poll(struct ctlsrv *s, int timeout_ms)
{
	struct pollfd p[1 + CTLSRV_MAX_CLIENTS];
	int idx[1 + CTLSRV_MAX_CLIENTS];
	nfds_t n = 0;
	int rc;

	p[n] = (struct pollfd){.fd = s->fd, .events = POLLIN};
	idx[n++] = -1;
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++) {
		if (s->c[i].fd >= 0) {
			p[n] = (struct pollfd){.fd = s->c[i].fd, .events = POLLIN};
			idx[n++] = i;
		}
	}
	rc = poll(p, n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (nfds_t i = 1; i < n; i++)
		if (p[i].revents != 0)
			ctlsrv_read(s, &s->c[idx[i]]);
	if (p[0].revents & POLLIN)
		ctlsrv_accept(s);
	return 0;
}

void ctlsrv_free(struct ctlsrv *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			close(s->c[i].fd);
	close(s->fd);
	unlink(s->path);
	free(s);
}
