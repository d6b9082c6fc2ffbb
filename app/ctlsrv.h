/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctlsrv.h - a Unix stream socket that takes text lines and answers each.
 *
 * Polled by the control thread (ctlsrv_poll), so the handler runs on that
 * thread, one line at a time, and may touch the model without a lock of its
 * own. The reply to a line is sent only once the handler has returned: for a
 * change, once the new table generation is visible to every worker.
 * Clients: enimapctl (ctlclient.h), or `nc -U -N PATH`, one command per line;
 * the reply to each ends with its status line (ctl.h).
 *
 * Access: the socket file has mode 0600 whatever the umask, and a peer whose
 * uid (SO_PEERCRED) is neither 0 nor the engine's own is closed at once, with
 * a line on stderr. Replies are sent without ever blocking the control thread:
 * a client that leaves more than a bounded amount of replies unread is
 * dropped (counted in ctlsrv_stats), so a stuck client cannot stall SIGTERM
 * or the other clients.
 */
#ifndef ENIMAP_CTLSRV_H
#define ENIMAP_CTLSRV_H

#include <stdint.h>
#include <stdio.h>

struct ctlsrv;

struct ctlsrv_stats {
	uint64_t refused_peers; /* connections from another uid, closed */
	uint64_t dropped_slow;	/* clients dropped for leaving replies unread */
};

/* Handle one line (without its newline); write the reply to out. */
typedef void (*ctlsrv_handler)(const char *line, FILE *out, void *arg);

/* Listen on path (an existing socket file there is replaced). NULL + errno. */
struct ctlsrv *ctlsrv_create(const char *path, ctlsrv_handler fn, void *arg);
/* Wait up to timeout_ms for work, then serve what arrived. 0 or -errno. */
int ctlsrv_poll(struct ctlsrv *s, int timeout_ms);
/* Counters since ctlsrv_create. */
void ctlsrv_get_stats(const struct ctlsrv *s, struct ctlsrv_stats *st);
/* Close every connection and remove the socket file. */
void ctlsrv_free(struct ctlsrv *s);

#endif
