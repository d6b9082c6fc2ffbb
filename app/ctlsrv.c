/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctlsrv.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "ctlclient.h"

_Static_assert(CTLC_LINE_MAX == CTL_LINE_MAX, "enimapctl and the engine agree on the line length");

#define CTLSRV_MAX_CLIENTS 8
/*
 * Reply bytes a client may leave unread on top of what the kernel's socket
 * buffer holds. Past it the client is dropped: the control thread never waits
 * for a reader. A single reply bigger than this (a `dump` of a big model) is
 * still taken whole when nothing else is pending.
 */
#define CTLSRV_OUT_MAX (64 * 1024)

struct ctlsrv_client {
	int fd; /* -1 = free slot */
	size_t len;
	char buf[CTL_LINE_MAX];
	int overflow; /* the current line is too long: drop it, answer an error */
	bool eof;     /* the client shut its side: send what is pending, then close */
	char *out;    /* replies not yet sent: out[out_sent, out_len) */
	size_t out_len, out_sent, out_cap;
};

struct ctlsrv {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	ctlsrv_handler fn;
	void *arg;
	uid_t uid; /* besides root, the only uid allowed to connect */
	struct ctlsrv_stats stats;
	struct ctlsrv_client c[CTLSRV_MAX_CLIENTS];
};

/*
 * Bind with mode 0600 whatever the caller's umask: the socket file is created
 * by bind with 0777 & ~umask, so set a restrictive umask around it (never a
 * window where another user could connect), then chmod to say it explicitly.
 * umask is per process; nothing else here creates files whose mode depends on it
 * (the journal is opened with an explicit 0600).
 */
static int bind_private(int fd, const struct sockaddr_un *sa, const char *path)
{
	mode_t old = umask(0177);
	int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));

	umask(old);
	if (rc != 0)
		return -1;
	return chmod(path, 0600);
}

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
	s->uid = geteuid();
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		s->c[i].fd = -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		goto fail;
	unlink(path);
	if (bind_private(s->fd, &sa, path) != 0 || listen(s->fd, 8) != 0)
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
	free(c->out);
	*c = (struct ctlsrv_client){.fd = -1};
}

static size_t ctlsrv_pending(const struct ctlsrv_client *c)
{
	return c->out_len - c->out_sent;
}

/* Root and the engine's own uid may drive it; anyone else is refused and logged. */
static bool ctlsrv_peer_allowed(struct ctlsrv *s, int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		fprintf(stderr, "control socket: peer credentials unknown (%s): refused\n",
			strerror(errno));
		return false;
	}
	if (cred.uid == 0 || cred.uid == s->uid)
		return true;
	fprintf(stderr,
		"control socket: connection from uid %u (pid %ld) refused: only root or uid "
		"%u\n",
		(unsigned)cred.uid, (long)cred.pid, (unsigned)s->uid);
	return false;
}

static void ctlsrv_accept(struct ctlsrv *s)
{
	int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!ctlsrv_peer_allowed(s, fd)) {
		s->stats.refused_peers++;
		close(fd); /* the client sees the connection closed, without an answer */
		return;
	}
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++) {
		if (s->c[i].fd < 0) {
			s->c[i].fd = fd;
			return;
		}
	}
	close(fd); /* full: the client sees the connection closed */
}

/* Send what the socket takes now, never waiting. 0, or -1: the client is gone. */
static int ctlsrv_flush(struct ctlsrv_client *c)
{
	while (ctlsrv_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->out_sent, ctlsrv_pending(c),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->out_sent += (size_t)n;
	}
	c->out_len = c->out_sent = 0;
	return 0;
}

/* Queue a reply. -1 if the client already leaves CTLSRV_OUT_MAX bytes unread. */
static int ctlsrv_queue(struct ctlsrv *s, struct ctlsrv_client *c, const char *p, size_t n)
{
	size_t pending = ctlsrv_pending(c);

	if (pending > 0 && pending + n > CTLSRV_OUT_MAX) {
		s->stats.dropped_slow++;
		fprintf(stderr,
			"control socket: client dropped: it leaves %zu reply bytes unread (limit "
			"%d)\n",
			pending, CTLSRV_OUT_MAX);
		return -1;
	}
	if (pending > 0 && c->out_sent > 0)
		memmove(c->out, c->out + c->out_sent, pending);
	c->out_len = pending;
	c->out_sent = 0;
	if (pending + n > c->out_cap) {
		char *out = realloc(c->out, pending + n);

		if (out == NULL)
			return -1;
		c->out = out;
		c->out_cap = pending + n;
	}
	memcpy(c->out + pending, p, n);
	c->out_len += n;
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
	rc = ctlsrv_queue(s, c, reply, len);
	free(reply);
	return rc == 0 ? ctlsrv_flush(c) : rc;
}

/* Serve every complete line in the client's buffer. */
static void ctlsrv_read(struct ctlsrv *s, struct ctlsrv_client *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n < 0 || ctlsrv_pending(c) == 0) {
			ctlsrv_drop(c); /* closed by the client (after its last line) */
			return;
		}
		c->eof = true; /* half-closed (nc -N): the replies still go out */
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

/* One client's events: pending replies first, then new lines. */
static void ctlsrv_serve(struct ctlsrv *s, struct ctlsrv_client *c, short revents)
{
	if (ctlsrv_pending(c) > 0 && (revents & (POLLOUT | POLLERR | POLLHUP)) &&
	    ctlsrv_flush(c) != 0) {
		ctlsrv_drop(c);
		return;
	}
	if (!c->eof && (revents & (POLLIN | POLLERR | POLLHUP)))
		ctlsrv_read(s, c);
	if (c->fd >= 0 && c->eof && ctlsrv_pending(c) == 0)
		ctlsrv_drop(c);
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
		struct ctlsrv_client *c = &s->c[i];

		if (c->fd >= 0) {
			short ev =
			    (short)((c->eof ? 0 : POLLIN) | (ctlsrv_pending(c) > 0 ? POLLOUT : 0));

			p[n] = (struct pollfd){.fd = c->fd, .events = ev};
			idx[n++] = i;
		}
	}
	rc = poll(p, n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	for (nfds_t i = 1; i < n; i++)
		if (p[i].revents != 0)
			ctlsrv_serve(s, &s->c[idx[i]], p[i].revents);
	if (p[0].revents & POLLIN)
		ctlsrv_accept(s);
	return 0;
}

void ctlsrv_get_stats(const struct ctlsrv *s, struct ctlsrv_stats *st)
{
	*st = s->stats;
}

void ctlsrv_free(struct ctlsrv *s)
{
	if (s == NULL)
		return;
	for (int i = 0; i < CTLSRV_MAX_CLIENTS; i++)
		if (s->c[i].fd >= 0)
			ctlsrv_drop(&s->c[i]);
	close(s->fd);
	unlink(s->path);
	free(s);
}
