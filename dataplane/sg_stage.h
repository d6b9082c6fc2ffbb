/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_stage.h - the security groups in the pipeline (D12): the step between
 * a packet's forwarding decision and its emit, when the side's sg is set.
 *
 * Each packet gets one check per ENI it concerns:
 *   - inbound, for a packet delivered to an ENI (act TO_ENI: from the
 *     internet through an EIP or to its IPv6, east-west, hairpin, to an
 *     appliance): the receiving ENI's inbound rules, the packet seen as the
 *     ENI sees it (after the DNAT and hairpin SNAT of emit);
 *   - outbound, for a packet a machine sent (host ports): the sending ENI's
 *     outbound rules, the packet as it sent it (before any NAT).
 * An east-west packet has both. It passes only if every check passes.
 *
 * A check passes when the packet belongs to a tracked flow of that ENI
 * (conntrack.h: one entry serves both directions, keyed by the ENI's view
 * of the flow, so the return of a connection passes with no rule), or an
 * ICMP error quotes a packet of one, or the ENI's policy allows it:
 * the CIDR rules through one rte_acl classify call per direction and family
 * (sg_acl.h), then, for what those refused, the rules naming a group
 * (sg_tables.h: the owner of the peer's private address, looked up in the
 * ENI's VPC, must be a member). A new flow a rule allowed is inserted in
 * the flow table (its first packet's direction tells who started it).
 *
 * Order: the sender's outbound rules first; a packet they refuse is
 * sg-outbound and never asks the receiver's rules (nor makes it a flow).
 * Then the receiver's: sg-inbound. Each drop is counted against the ENI
 * whose groups refused it (counters.sg_eni); a new flow the full table
 * cannot take is sg-flow-table-full (never a wait).
 *
 * Not tracked: a later IPv4 fragment has no ports; it is checked against the
 * rules with port 0 (so only rules for all ports or all protocols let it
 * through). IPv6 packets whose first header after the fixed one is an
 * extension header are checked by that header's number (no ports).
 *
 * Clock: the flow table's ticks are milliseconds of the TSC, read once per
 * call.
 */
#ifndef ENIMAP_SG_STAGE_H
#define ENIMAP_SG_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "stage.h"

/*
 * The packets pkts[idx[0..n)] of one burst (n <= PIPELINE_BURST_MAX), their
 * forwarding decided (meta[].act TO_ENI or TO_UPLINK); host: they came from
 * a machine (meta[].eni_src sent them, meta[].vpc its VPC). Keeps in
 * idx[0..returned) the ones that pass, in order; drops and counts the others.
 * s->sg and s->ct are set.
 */
unsigned sg_stage(struct counters *c, const struct fwd_side *s, uint16_t in_port,
		  struct rte_mbuf **pkts, struct pmeta *meta, uint8_t *idx, unsigned n, bool host);

#endif
