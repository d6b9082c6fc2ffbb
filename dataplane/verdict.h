/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * verdict.h - what a pipeline stage decided about one packet, one type for
 * every stage (parse, ARP/ND, lookups, emit).
 *
 * A verdict is two bytes returned by value (in a register): its kind, and
 * for VERDICT_DROP the enum counters_drop reason.
 */
#ifndef ENIMAP_VERDICT_H
#define ENIMAP_VERDICT_H

#include <stdint.h>

#include "counters.h"

enum verdict_kind {
	VERDICT_PENDING = 0, /* not decided yet: a later stage decides */
	VERDICT_TO_ENI,	     /* forward to an ENI slot */
	VERDICT_TO_UPLINK,   /* forward out of the uplink, to the upstream router */
	VERDICT_ANSWERED,    /* ARP / ND: the mbuf is now the reply, sent back out */
	VERDICT_DROP,	     /* free the packet, count it as `reason` */
	VERDICT_PUNT,	     /* for the router itself: to the guest services (punt.h, D16) */
};

struct verdict {
	uint8_t kind;	/* enum verdict_kind */
	uint8_t reason; /* enum counters_drop, for VERDICT_DROP */
};

_Static_assert(COUNTERS_DROP_MAX <= UINT8_MAX, "a drop reason fits in a verdict");

static inline struct verdict verdict_of(enum verdict_kind kind)
{
	return (struct verdict){.kind = (uint8_t)kind, .reason = 0};
}

static inline struct verdict verdict_drop(enum counters_drop reason)
{
	return (struct verdict){.kind = VERDICT_DROP, .reason = (uint8_t)reason};
}

#endif
