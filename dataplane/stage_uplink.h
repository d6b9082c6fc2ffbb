/* SPDX-License-Identifier: BSD-3-Clause */
/* stage_uplink.h - packets from the internet: EIP DNAT (D2), IPv6 delivery (D3). */
#ifndef ENIMAP_STAGE_UPLINK_H
#define ENIMAP_STAGE_UPLINK_H

#include "emit.h"
#include "sg_stage.h"
#include "stage.h"

/* The uplink's packets, their keys gathered at parse (uk): looked up, emitted. */
static __rte_always_inline void stage_uplink(struct counters *c, struct frag_ctx *fr,
					     const struct fwd_side *s, uint16_t in_port,
					     struct rte_mbuf **pkts, struct pmeta *meta,
					     const struct uplink_keys *uk, struct pipeline_tx *tx,
					     const bool sg)
{
	uint64_t vals6[PIPELINE_BURST_MAX], hit6;
	const struct em4 *eip4 = s->eip4;
	unsigned n4 = uk->n4, n6 = uk->n6;
	struct emit_ctx ec;

	uint8_t pend[PIPELINE_BURST_MAX]; /* security groups: decided, to be checked */
	unsigned np = 0;

	emit_ctx_init(&ec, c, fr, s, in_port, tx);
	hit6 = n6 ? em16_lookup_bulk(s->ip6, uk->k6, n6, vals6) : 0;
	/* each EIP looked up just before its packet is emitted: the lines
	 * prefetched while parsing have had the emits before it to arrive */
	for (unsigned j = 0; j < n4; j++) {
		unsigned i = uk->i4[j];
		struct pmeta *pm = &meta[i];
		uint64_t v;

		if (unlikely(!em4_lookup_home(eip4, uk->k4[j], uk->h4[j], &v))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
			continue;
		}
		pm->act = VERDICT_TO_ENI;
		pm->to = fwd_v4_slot(v);
		pm->nat_dst = fwd_v4_addr(v);
		if (unlikely(sg)) {
			pend[np++] = (uint8_t)i;
			continue;
		}
		emit(&ec, pkts[i], pm);
	}
	for (unsigned j = 0; j < n6; j++) {
		unsigned i = uk->i6[j];
		struct pmeta *pm = &meta[i];

		if (unlikely(!(hit6 >> j & 1))) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_UNKNOWN_DESTINATION);
			continue;
		}
		pm->act = VERDICT_TO_ENI;
		pm->to = (uint32_t)vals6[j];
		if (unlikely(sg)) {
			pend[np++] = (uint8_t)i;
			continue;
		}
		emit(&ec, pkts[i], pm); /* nat_src, nat_dst: 0 since parse */
	}
	if (np == 0)
		return;
	np = sg_stage(c, s, in_port, pkts, meta, pend, np, false);
	for (unsigned j = 0; j < np; j++)
		emit(&ec, pkts[pend[j]], &meta[pend[j]]);
}

#endif
