/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl.h - the line-oriented control commands: one text line in, one model
 * operation out. The control socket, the tests and the demo use it; it calls
 * the SAME model functions as the YAML loader and the EC2 API, so that there
 * is one path for every change. The caller applies the delta (builder).
 *
 * Commands (ids and addresses as in EC2):
 *   assign ENI [ADDR...] [--count N] [--allow-reassignment]   private IPv4
 *   unassign ENI ADDR...
 *   assign6 ENI [ADDR...] [--count N]                         IPv6
 *   unassign6 ENI ADDR...
 *   allocate [PUBLIC_IP]
 *   release ALLOC_ID
 *   associate ALLOC_ID (ENI|INSTANCE) [PRIVATE_IP] [--no-reassociation]
 *   disassociate ASSOC_ID|ALLOC_ID
 *   attach ENI INSTANCE DEVICE_INDEX
 *   detach ATTACHMENT_ID|ENI [--force]
 *   stop INSTANCE | start INSTANCE
 *   sdcheck ENI on|off                                        source/dest check
 *   route-add RTB CIDR TARGET | route-del RTB CIDR
 *   dump                                                      model_dump
 *   help
 *
 * Reply: any output lines, then one status line, always the last:
 *   "OK[ detail]"          done
 *   "DIFF N"               answered: the N lines above are differences
 *                          (check, tables_cmd.h)
 *   "ERR Code: message"    refused (the EC2 error code and message of the
 *                          model); nothing changed
 * Only the last line is the status: output lines may begin with anything.
 * enimapctl (ctlclient.h) sends one line, half-closes and reads until the
 * engine closes, then maps the status to its exit code.
 */
#ifndef ENIMAP_CTL_H
#define ENIMAP_CTL_H

#include <stdio.h>

#include "delta.h"
#include "model.h"

#define CTL_LINE_MAX 1024

enum ctl_result {
	CTL_OK = 0,	  /* done; the delta holds the changes (maybe none) */
	CTL_ERROR = -1,	  /* refused: nothing changed, the reply says why */
	CTL_UNKNOWN = -2, /* not a model command: the caller may handle it */
};

/*
 * Run one command line against m. Appends the mapping changes to d and
 * writes the reply to out. Returns an enum ctl_result; on CTL_UNKNOWN
 * nothing is written.
 */
int ctl_exec(struct model *m, const char *line, struct delta *d, FILE *out);

#endif
