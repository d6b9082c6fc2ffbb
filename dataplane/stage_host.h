/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage_host.h - packets from a machine, both families: the sending ENI
 * (found by {port, VLAN, source MAC} at parse, D4, with its VPC, D13), its
 * state, the destination's class, and for IPv4 the source/dest check in the
 * ENI's VPC (its lookup started at parse, so it is done in this same pass);
 * then stage_host4 and stage_host6.
 */
#ifndef ENIMAP_STAGE_HOST_H
#define ENIMAP_STAGE_HOST_H

#include "emit.h"
#include "stage.h"
#include "stage_host4.h"
#include "stage_host6.h"

/* From a machine: pkts[live[0..n_live)] (IPv4 or IPv6). D4, D5, D6, D11, D13. */
static __rte_always_inline void stage_host(struct counters *c, struct frag_ctx *fr,
					   struct punt_q *pq, const struct fwd_side *s,
					   uint16_t in_port, struct rte_mbuf **pkts,
					   struct pmeta *meta, const uint8_t *live, unsigned n_live,
					   struct pipeline_tx *tx, const bool sg)
{
	struct em16_key k16[PIPELINE_BURST_MAX];
	uint8_t i4[PIPELINE_BURST_MAX], i6[PIPELINE_BURST_MAX];
	uint32_t rt[PIPELINE_BURST_MAX], a4[PIPELINE_BURST_MAX];
	const struct eni_fwd *enis = s->enis;
	const struct em8 *priv4 = s->priv4;
	unsigned n4 = 0, n6 = 0;
	struct emit_ctx ec;

	emit_ctx_init(&ec, c, fr, s, in_port, tx);
	ec.pq = pq;

	/* the sending ENI's state; for IPv4 then the source/dest check (the
	 * source's owner in the ENI's VPC, its line prefetched while parsing)
	 * and the source's EIP; the survivors' route tables and destinations
	 * gathered for the route step */
	for (unsigned j = 0; j < n_live; j++) {
		unsigned i = live[j];
		struct pmeta *pm = &meta[i];
		uint64_t v;

		const struct eni_fwd *eni = &enis[pm->eni_src];
		if (unlikely(eni->state == ENI_FWD_STOPPED)) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_INSTANCE_STOPPED);
			continue;
		}
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)pm->l3;
		if (unlikely(pm->kind == PK_V4 ? v4_multicast(pm->dst4)
					       : v6_not_unicast(ip6->dst_addr))) {
			/* a DHCP client's broadcast or multicast (D14) and
			 * the metadata service (D15) are for the router */
			if (pm->kind == PK_V4
				? (pm->dst4 == 0xffffffffu && v4_to_dhcp_server(pm)) ||
				      v4_to_imds(pm)
				: v6_to_dhcp_server(pm))
				punt(c, pq, pkts[i], in_port);
			else
				drop(c, pkts[i], in_port, COUNTERS_DROP_MULTICAST);
			continue;
		}
		if (pm->kind != PK_V4) {
			if (unlikely(v6_to_imds(pm))) { /* D15: for the router */
				punt(c, pq, pkts[i], in_port);
				continue;
			}
			memcpy(k16[n6].b, ip6->src_addr, 16);
			i6[n6++] = (uint8_t)i;
			continue;
		}
		int found = em8_lookup_home(priv4, fwd_priv_key(pm->vpc, pm->src4), pm->home, &v);
		bool own = found && fwd_v4_slot(v) == pm->eni_src;

		if (unlikely(!own && eni->source_dest_check)) {
			drop(c, pkts[i], in_port, COUNTERS_DROP_SPOOFED_SOURCE);
			continue;
		}
		pm->eip_src = found ? fwd_v4_addr(v) : 0;
		rt[n4] = eni->route_table;
		a4[n4] = pm->dst4;
		i4[n4++] = (uint8_t)i;
	}
	if (n4)
		stage_host4(&ec, s, pkts, meta, i4, rt, a4, n4, sg);
	if (n6)
		stage_host6(&ec, s, pkts, meta, i6, k16, n6, sg);
}

#endif
