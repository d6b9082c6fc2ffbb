/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tables_cmd.h - the published tables on the control socket, as the workers
 * see them (the side they read now, not the model), for `enimapctl`:
 *
 *   nat [--json]       EIP -> private IPv4 and its ENI (the eip table)
 *   enis [--json]      each ENI slot: MAC, port, VLAN, state, its IPv4
 *                      (with EIPs) and IPv6 addresses (the eni, ipv4, ipv6
 *                      tables)
 *   routes [--json]    each route of each route table
 *   flows [--json]     the security groups' flow table (when enforced)
 *   counters [--json]  the `stats` counters ("name value"; JSON: one object)
 *   check              the published tables against the model: one line per
 *                      difference (tabview.h: missing / extra / different),
 *                      then "OK" when there is none, else "DIFF N"
 *
 * Names (eni-..., rtb-...) are the model's, looked up by slot, "-" / null
 * when the model has no object in that slot. --json: one JSON array (an
 * object for counters) on one line, then the status line. The caller holds
 * the model lock.
 */
#ifndef ENIMAP_TABLES_CMD_H
#define ENIMAP_TABLES_CMD_H

#include <stdio.h>

#include "engine.h"
#include "model.h"

/* 0 with the reply written (ending "OK", "DIFF N" or "ERR ..."), -1: not such a command. */
int tables_cmd(const struct engine *e, const struct model *m, const char *line, FILE *out);

#endif
