/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage_host4.h - IPv4 from a machine whose source passed the check: the
 * route (D6), then by its kind the destination: local -> its owner (D5),
 * igw -> an EIP's owner (hairpin, D11) or out with SNAT (D6).
 */
#ifndef ENIMAP_STAGE_HOST4_H
#define ENIMAP_STAGE_HOST4_H

#include "emit.h"
#include "route_filter.h"
#include "sg_stage.h"
#include "stage.h"

/*
 * After the route filter: local or igw decides the destination (or drops it).
 * local: the owner of the destination in the sender's VPC (D13). igw to an
 * EIP: its owner, in any VPC; to another VPC only as through the internet
 * gateway, so the source needs an EIP (D13), as for the internet (D6).
 */
static __rte_always_inline struct verdict host4_destination(const struct fwd_side *s,
							    const struct em8 *priv4,
							    const struct em4 *eip4,
							    struct pmeta *pm)
{
	uint64_t v;

	if (pm->act == VERDICT_TO_ENI)
		return verdict_of(VERDICT_TO_ENI); /* route to an ENI: as is */
	if (fwd_nh_kind(pm->nh) == ROUTE_LOCAL) {
		if (!em8_lookup_home(priv4, fwd_priv_key(pm->vpc, pm->dst4), pm->home, &v)) {
			/* a DHCP renewal, unicast to the server identifier (the
			 * subnet's router address): for the router (D14) */
			if (pm->dst4 == subnet_router4(&s->subnets[s->enis[pm->eni_src].subnet]) &&
			    v4_to_dhcp_server(pm))
				return verdict_of(VERDICT_PUNT);
			return verdict_drop(COUNTERS_DROP_UNKNOWN_DESTINATION);
		}
		pm->to = fwd_v4_slot(v);
		return verdict_of(VERDICT_TO_ENI);
	}
	if (em4_lookup_home(eip4, pm->dst4, pm->home, &v)) {
		/* hairpin: translated both ways */
		pm->to = fwd_v4_slot(v);
		if (unlikely(pm->eip_src == 0 && s->enis[pm->to].vpc != pm->vpc))
			return verdict_drop(COUNTERS_DROP_NO_EIP);
		pm->nat_dst = fwd_v4_addr(v);
		pm->nat_src = pm->eip_src;
		return verdict_of(VERDICT_TO_ENI);
	}
	if (pm->eip_src == 0)
		return verdict_drop(COUNTERS_DROP_NO_EIP);
	pm->nat_src = pm->eip_src;
	return verdict_of(VERDICT_TO_UPLINK);
}

/*
 * Host IPv4 after the sending ENI is known: pkts[i4[0..n4)] passed the
 * source check; their route tables are rt[], destinations a4[].
 */
static __rte_always_inline void stage_host4(const struct emit_ctx *ec, const struct fwd_side *s,
					    struct rte_mbuf **pkts, struct pmeta *meta, uint8_t *i4,
					    uint32_t *rt, uint32_t *a4, unsigned n4, const bool sg)
{
	const struct em8 *priv4 = s->priv4;
	const struct em4 *eip4 = s->eip4;
	uint32_t nh[PIPELINE_BURST_MAX];
	uint8_t pend[PIPELINE_BURST_MAX]; /* security groups: decided, to be checked */
	unsigned np = 0;

	host_routes(s, rt, a4, NULL, n4, false, nh);
	n4 = host_route_filter(ec->c, s, ec->in_port, pkts, meta, i4, nh, n4, false);
	for (unsigned j = 0; j < n4; j++) {
		unsigned i = i4[j];
		struct pmeta *pm = &meta[i];
		struct verdict vd = host4_destination(s, priv4, eip4, pm);

		if (unlikely(vd.kind == VERDICT_DROP)) {
			drop(ec->c, pkts[i], ec->in_port, vd.reason);
			continue;
		}
		if (unlikely(vd.kind == VERDICT_PUNT)) {
			pm->act = vd.kind;
			punt(ec->c, ec->pq, pkts[i], ec->in_port);
			continue;
		}
		pm->act = vd.kind;
		if (unlikely(sg)) {
			pend[np++] = (uint8_t)i;
			continue;
		}
		emit(ec, pkts[i], pm);
	}
	if (np == 0)
		return;
	np = sg_stage(ec->c, s, ec->in_port, pkts, meta, pend, np, true);
	for (unsigned j = 0; j < np; j++)
		emit(ec, pkts[pend[j]], &meta[pend[j]]);
}

#endif
