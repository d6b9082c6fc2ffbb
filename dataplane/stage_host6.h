/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage_host6.h - IPv6 from a machine: the source/dest check (the source's
 * owner), the route (D6), then local -> the destination's owner (D5), igw
 * -> out of the uplink unchanged.
 */
#ifndef ENIMAP_STAGE_HOST6_H
#define ENIMAP_STAGE_HOST6_H

#include "emit.h"
#include "route_filter.h"
#include "sg_stage.h"
#include "stage.h"

/* Host IPv6 after the sending ENI is known: pkts[i6[0..n6)], sources k16[]. */
static __rte_always_inline void stage_host6(const struct emit_ctx *ec, const struct fwd_side *s,
					    struct rte_mbuf **pkts, struct pmeta *meta, uint8_t *i6,
					    struct em16_key *k16, unsigned n6, const bool sg)
{
	uint64_t vals[PIPELINE_BURST_MAX], hit;
	uint32_t rt[PIPELINE_BURST_MAX], nh[PIPELINE_BURST_MAX];
	uint8_t a6[PIPELINE_BURST_MAX][16];
	unsigned n = 0, nl = 0;
	uint8_t pend[PIPELINE_BURST_MAX]; /* security groups: decided, to be checked */
	unsigned np = 0;

	/* the source check: k16[] holds the sources */
	hit = em16_lookup_bulk(s->ip6, k16, n6, vals);
	for (unsigned j = 0; j < n6; j++) {
		struct pmeta *pm = &meta[i6[j]];
		const struct eni_fwd *eni = &ec->enis[pm->eni_src];
		bool own = (hit >> j & 1) && vals[j] == pm->eni_src;

		if (unlikely(!own && eni->source_dest_check)) {
			drop(ec->c, pkts[i6[j]], ec->in_port, COUNTERS_DROP_SPOOFED_SOURCE);
			continue;
		}
		rt[n] = eni->route_table;
		memcpy(a6[n], ((const struct rte_ipv6_hdr *)pm->l3)->dst_addr, 16);
		i6[n++] = i6[j];
	}
	n6 = n;
	if (n6 == 0)
		return;
	host_routes(s, rt, NULL, (const uint8_t(*)[16])a6, n6, true, nh);
	n6 = host_route_filter(ec->c, s, ec->in_port, pkts, meta, i6, nh, n6, true);

	/* the local destinations' owners, in one bulk lookup */
	for (unsigned j = 0; j < n6; j++) {
		const struct pmeta *pm = &meta[i6[j]];
		if (pm->act == VERDICT_PENDING && fwd_nh_kind(pm->nh) == ROUTE_LOCAL)
			memcpy(k16[nl++].b, ((const struct rte_ipv6_hdr *)pm->l3)->dst_addr, 16);
	}
	hit = nl ? em16_lookup_bulk(s->ip6, k16, nl, vals) : 0;
	nl = 0;
	for (unsigned j = 0; j < n6; j++) {
		unsigned i = i6[j];
		struct pmeta *pm = &meta[i];

		if (pm->act == VERDICT_TO_ENI) {
			/* route to an ENI: as is */
		} else if (fwd_nh_kind(pm->nh) == ROUTE_LOCAL) {
			unsigned q = nl++;
			if (!(hit >> q & 1)) {
				drop(ec->c, pkts[i], ec->in_port,
				     COUNTERS_DROP_UNKNOWN_DESTINATION);
				continue;
			}
			pm->act = VERDICT_TO_ENI;
			pm->to = (uint32_t)vals[q];
		} else {
			pm->act = VERDICT_TO_UPLINK;
		}
		if (unlikely(sg)) {
			pend[np++] = (uint8_t)i;
			continue;
		}
		emit(ec, pkts[i], pm); /* nat_src, nat_dst: 0 since parse (unused for IPv6) */
	}
	if (np == 0)
		return;
	np = sg_stage(ec->c, s, ec->in_port, pkts, meta, pend, np, true);
	for (unsigned j = 0; j < np; j++)
		emit(ec, pkts[pend[j]], &meta[pend[j]]);
}

#endif
