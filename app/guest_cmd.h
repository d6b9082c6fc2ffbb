/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guest_cmd.h - the control socket's "guest" command: what the router's own
 * services did (control/guest), one "name value" line each:
 *
 *   guest          punted, received, malformed, unknown-mac, dhcp-offers,
 *                  dhcp-acks, dhcp-naks, dhcp-releases, dhcp-declines,
 *                  dhcp6-advertises, dhcp6-replies, ra-solicited, ra-unsolicited,
 *                  ignored, tx-failed, imds-segments-in, imds-segments-out,
 *                  imds-dropped, imds-ipv6-disabled, imds-requests, imds-ok, imds-tokens,
 *                  imds-not-found, imds-unauthorized, imds-refused,
 *                  imds-unknown
 *   guest ENI      dhcp-answers and imds-answers of that ENI
 *
 * 0 when the line was a guest command (its reply written), -1 otherwise.
 * Under the model lock.
 */
#ifndef ENIMAP_GUEST_CMD_H
#define ENIMAP_GUEST_CMD_H

#include <stdio.h>

struct engine;
struct guestsvc;
struct model;

int guest_cmd(const struct engine *e, const struct guestsvc *g, const struct model *m,
	      const char *line, FILE *out);

#endif
