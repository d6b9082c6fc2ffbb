/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctlclient.h - the client side of the control socket (ctlsrv.h), for
 * enimapctl: find the socket, send one command line, read the whole reply,
 * tell its output from its status line.
 *
 * Protocol (ctl.h): the client sends one line; the engine answers with any
 * number of output lines, then ONE status line, always the last:
 *   OK[ detail]          done (detail: what was made, e.g. an allocation id)
 *   DIFF N               answered, and the tables differ from the model in the
 *                        N lines above (check)
 *   ERR Code: message    refused: nothing changed (the EC2 error code)
 * Output lines may begin with anything, "OK" or "ERR" included: only the last
 * line is the status. The client half-closes after its line and reads until
 * the engine closes, so the last line is known to be the last.
 */
#ifndef ENIMAP_CTLCLIENT_H
#define ENIMAP_CTLCLIENT_H

#include <stddef.h>

/* The longest line the engine takes, newline included (ctl.h's CTL_LINE_MAX: ctlsrv.c checks). */
#define CTLC_LINE_MAX 1024

enum ctlc_status {
	CTLC_OK,   /* "OK[ detail]" */
	CTLC_DIFF, /* "DIFF N" */
	CTLC_ERR,  /* "ERR ..." */
	CTLC_NONE, /* no status line: the engine closed without answering, or a truncated reply */
};

/*
 * The socket to use: path if not NULL, else $ENIMAP_SOCKET, else
 * $ENIMAP_CONTROL (the engine's own variable), else the one file matching
 * pattern (NULL: "/run/enimap-*.sock"). 0 with out filled; -ENOENT (none),
 * -EEXIST (several: err names them), -ENAMETOOLONG. err gets a sentence.
 */
int ctlc_find_socket(const char *path, const char *pattern, char *out, size_t out_len, char *err,
		     size_t err_len);

/*
 * Send line (no newline) to the socket at path and read the whole reply
 * (malloc'ed, NUL terminated, into *reply, length *len), waiting at most
 * timeout_ms for each read. 0, or -errno (connect, send, receive, timeout:
 * -ETIMEDOUT).
 */
int ctlc_request(const char *path, const char *line, int timeout_ms, char **reply, size_t *len);

/*
 * Split a reply: *body_len = the bytes before the status line (every line
 * ending in '\n'), *status = the status line (NUL terminated, its newline
 * removed, pointing into reply). Returns what the status says.
 */
enum ctlc_status ctlc_split(char *reply, size_t len, size_t *body_len, const char **status);

#endif
