/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe_cmd.h - the packet trace and capture on the control socket:
 *
 *   trace start N [port P | eni ENI | all]   record the next N packets (<= 4096)
 *   trace show                               each one: as received, what the
 *                                            pipeline decided, its verdict or
 *                                            drop reason, as sent
 *   trace stop | trace status
 *   capture start [port P | eni ENI | all] FILE [count N] [bytes N] [seconds N]
 *                 [snaplen N]                pcapng, received and sent copies
 *   capture stop | capture status
 *
 * One session at a time (a trace or a capture); a trace stops by itself once
 * full, a capture at its first limit. The caller holds the model lock.
 */
#ifndef ENIMAP_OBSERVE_CMD_H
#define ENIMAP_OBSERVE_CMD_H

#include <stdio.h>

#include "engine.h"
#include "model.h"

/* 0 with the reply written (ending "OK..." or "ERR ..."), -1: not such a command. */
int observe_cmd(struct engine *e, const struct model *m, const char *line, FILE *out);

#endif
