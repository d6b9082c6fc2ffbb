/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * neigh.h - the VPC router's ARP and IPv6 neighbour discovery answers (D1),
 * built in place in the request's mbuf.
 *
 * From a machine (host port): an ARP request or neighbour solicitation for
 * any address of the asking ENI's subnet that is not the ENI's own (the
 * gateway .1 included) is answered with the port's MAC, and so is a
 * solicitation for the router's link-local address on the port
 * (neigh_router_link_local), which a guest that learned its default route
 * from a router advertisement asks for. The asking ENI is
 * found by {port, VLAN, source MAC}. On the uplink: ARP for every associated
 * EIP and NS for every assigned IPv6 address; the upstream router's MAC is
 * learned from its ARP when it is not configured.
 *
 * A router solicitation from a known ENI of a subnet with IPv6 is for the
 * guest services (VERDICT_PUNT: the router advertisement is built on the
 * control side, control/guest/ra6.h).
 *
 * Not answered (choices, SPEC is silent): gratuitous ARP, duplicate address
 * detection probes (source ::), other ND messages.
 */
#ifndef ENIMAP_NEIGH_H
#define ENIMAP_NEIGH_H

#include <stdint.h>

#include "counters.h"
#include "fwd.h"
#include "verdict.h"

struct rte_mbuf;

/*
 * m: an ARP frame received on in_port, Ethernet header l2_len bytes, VLAN
 * id vlan. Returns VERDICT_ANSWERED (m is the reply, to send back out of
 * in_port) or VERDICT_DROP with its reason (m untouched).
 */
struct verdict neigh_arp(const struct fwd_side *s, uint16_t in_port, struct rte_mbuf *m,
			 uint16_t l2_len, uint16_t vlan);

/*
 * m: an ICMPv6 ND frame (IPv6 next header 58, type 133-137) whose IPv6
 * header and total length l3_len (40 + payload) were validated. Same
 * returns as neigh_arp, and VERDICT_PUNT for a router solicitation.
 */
struct verdict neigh_nd(const struct fwd_side *s, uint16_t in_port, struct rte_mbuf *m,
			uint16_t l2_len, uint16_t vlan, uint16_t l3_len);

/* The router's IPv6 link-local address on a port of MAC mac: fe80::/64 + modified EUI-64. */
void neigh_router_link_local(const uint8_t mac[6], uint8_t out[16]);

/* Build in m (reset) an ARP request from port for its upstream IPv4. 0, -EINVAL, -ENOSPC. */
int neigh_arp_request(const struct fwd_side *s, uint16_t port, uint32_t sender_ip,
		      struct rte_mbuf *m);

#endif
