/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route_filter.h - the host side's route step (D6), for both families:
 * route lookups in runs sharing a route table, then the filter by route
 * kind. Static inline: inlined into stage_host4 / stage_host6, where `v6`
 * is a constant.
 */
#ifndef ENIMAP_ROUTE_FILTER_H
#define ENIMAP_ROUTE_FILTER_H

#include <stdbool.h>

#include "stage.h"

/* Route lookups of a4[0..n) (or a6) in route tables rt[0..n) into nh[], in runs sharing a table. */
static __rte_always_inline void host_routes(const struct fwd_side *s, const uint32_t *rt,
					    const uint32_t *a4, const uint8_t (*a6)[16], unsigned n,
					    bool v6, uint32_t *nh)
{
	unsigned start = 0;

	while (start < n) {
		unsigned end = start + 1;

		while (end < n && rt[end] == rt[start])
			end++;
		const struct fwd_rtable *t = &s->rtables[rt[start]];
		if (v6 ? t->r6 == NULL : t->r4 == NULL) {
			for (unsigned k = start; k < end; k++)
				nh[k] = ROUTE_MISS;
		} else if (v6) {
			route6_lookup_bulk(t->r6, &a6[start], end - start, &nh[start]);
		} else {
			route4_lookup_bulk(t->r4, &a4[start], end - start, &nh[start]);
		}
		start = end;
	}
}

/*
 * By route kind: no route or blackhole -> dropped; an ENI (appliance
 * insertion) -> VERDICT_TO_ENI unchanged; local or igw -> kept pending, the
 * destination lookup decides. The kept packets stay (in place) in
 * idx[0..return). pm->nh is set for each; pm->act is VERDICT_PENDING on
 * entry (since parse) and nat_src / nat_dst 0.
 *
 * IPv4 (v6 false): the destination's em4 lookup of a pending packet is
 * started here (pm->home): local -> its owner in priv4 (in the sender's VPC,
 * D13), igw -> an EIP's owner in eip4 (hairpin).
 */
static __rte_always_inline unsigned host_route_filter(struct counters *c, const struct fwd_side *s,
						      uint16_t in_port, struct rte_mbuf **pkts,
						      struct pmeta *meta, uint8_t *idx,
						      const uint32_t *nh, unsigned n, bool v6)
{
	const struct em8 *priv4 = s->priv4; /* (read once) */
	const struct em4 *eip4 = s->eip4;
	unsigned k = 0;

	for (unsigned j = 0; j < n; j++) {
		struct pmeta *pm = &meta[idx[j]];
		uint32_t h = nh[j];

		if (unlikely(h == ROUTE_MISS || fwd_nh_kind(h) == ROUTE_BLACKHOLE)) {
			drop(c, pkts[idx[j]], in_port,
			     h == ROUTE_MISS ? COUNTERS_DROP_NO_ROUTE : COUNTERS_DROP_BLACKHOLE);
			continue;
		}
		pm->nh = h;
		if (unlikely(fwd_nh_kind(h) == ROUTE_ENI)) {
			pm->act = VERDICT_TO_ENI;
			pm->to = fwd_nh_eni(h);
		} else if (!v6) {
			pm->home = fwd_nh_kind(h) == ROUTE_LOCAL
				       ? em8_prefetch_home(priv4, fwd_priv_key(pm->vpc, pm->dst4))
				       : em4_prefetch_home(eip4, pm->dst4);
		}
		idx[k++] = idx[j];
	}
	return k;
}

#endif
