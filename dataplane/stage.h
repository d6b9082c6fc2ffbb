/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stage.h - what the pipeline stages share: the per-packet metadata stage 1
 * fills (struct pmeta), the drop helpers, the uplink's gathered keys. The
 * stages, one file each:
 *
 *   parse.[ch]          stage 1: parse and validate one packet
 *   stage_uplink.h      from the internet: EIP DNAT (D2), IPv6 owner (D3)
 *   stage_host.h        from a machine: the sending ENI (D4), then by family
 *   stage_host4.h       host IPv4: route, local, SNAT, hairpin
 *   stage_host6.h       host IPv6: anti-spoofing, route, local, out unchanged
 *   route_filter.h      route lookups and the route-kind filter (D6)
 *   emit.[ch]           TTL, NAT, L2 rewrite, enqueue, delivery counters
 *
 * One translation unit: the stages are always-inline functions in headers
 * that only pipeline.c includes, so they are inlined into pipeline_burst()
 * as they were when they all lived in pipeline.c (a real call per stage
 * costs ~20 instructions per burst: saved registers, arguments), and the
 * per-packet steps (parse, emit, the route filter) into the stages' loops.
 * Only the rare paths are real calls: parse_any() (parse.c),
 * l2_write_vlan() (emit.c), neigh_arp() / neigh_nd() (neigh.c).
 */
#ifndef ENIMAP_STAGE_H
#define ENIMAP_STAGE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "counters.h"
#include "fwd.h"
#include "pipeline.h"
#include "pkt.h"
#include "verdict.h"

/* What stage 1 found in a packet. */
enum pk_kind {
	PK_NONE = 0,
	PK_V4,
	PK_V6,
	PK_ARP,
	PK_ND,
};

struct pmeta {
	uint8_t *l3;
	uint32_t src4, dst4; /* network order (IPv4) */
	uint32_t eni_src;    /* host: the sending ENI's slot */
	uint32_t vpc;	     /* host: the sending ENI's VPC slot (D13: the packet's VPC) */
	uint32_t eip_src;    /* host IPv4: the source's EIP, 0 = none */
	uint32_t nh;	     /* host: route next hop */
	uint32_t to;	     /* VERDICT_TO_ENI: destination ENI slot */
	uint32_t nat_src;    /* new IPv4 source, 0 = unchanged */
	uint32_t nat_dst;    /* new IPv4 destination, 0 = unchanged */
	uint32_t home;	     /* host IPv4: home bucket of {vpc, src4} in priv4, then of dst4 */
	uint16_t l2_len;     /* 14, or 18 with an 802.1Q tag */
	uint16_t vlan;	     /* VLAN id, 0 = untagged */
	uint16_t l3_len;     /* IPv4 total length / IPv6 40 + payload */
	uint16_t seg_l3;     /* bytes of the L3 packet in the first segment */
	uint8_t kind;	     /* enum pk_kind */
	uint8_t act;	     /* enum verdict_kind: PENDING, TO_ENI or TO_UPLINK */
	uint8_t ihl;	     /* IPv4 header bytes */
	uint8_t proto;	     /* IPv4 protocol */
	uint8_t l4;	     /* IPv4: the L4 header is here (not a later fragment) */
};

/* Multicast (224/4), the limited broadcast, or link-local (169.254/16: never routed, RFC 3927). */
static inline bool v4_multicast(uint32_t a)
{
	const uint8_t *b = (const uint8_t *)&a;
	return (b[0] & 0xf0) == 0xe0 || a == 0xffffffffu || (b[0] == 169 && b[1] == 254);
}

#define DHCP4_SERVER_PORT 67

/*
 * The destination port of an IPv4 packet's L4 header when its protocol is
 * proto (pm->l4: it is in the first segment), else -1. From the header, not
 * pm->proto / pm->ihl: parse()'s fast path for UDP does not fill those.
 */
static inline int v4_dst_port(const struct pmeta *pm, uint8_t proto)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)pm->l3;
	const struct rte_udp_hdr *l4 =
	    (const struct rte_udp_hdr *)(pm->l3 + (ip->version_ihl & 0x0f) * 4u);

	return pm->l4 && ip->next_proto_id == proto ? pkt_ntoh16(l4->dst_port) : -1;
}

/* A UDP datagram to the DHCPv4 server port (a client's DISCOVER, REQUEST, ...). */
static inline bool v4_to_dhcp_server(const struct pmeta *pm)
{
	return v4_dst_port(pm, IPPROTO_UDP) == DHCP4_SERVER_PORT;
}

/* The instance metadata service's address, 169.254.169.254 (network order), and its port. */
#define IMDS4_ADDR RTE_BE32(0xa9fea9feu)
#define IMDS_PORT 80

/* A TCP segment to the instance metadata service (D15): for the router. */
static inline bool v4_to_imds(const struct pmeta *pm)
{
	return pm->dst4 == IMDS4_ADDR && v4_dst_port(pm, IPPROTO_TCP) == IMDS_PORT;
}

/* The VPC router's address in a subnet: its base + 1 (EC2 reserves it), network order. */
static inline uint32_t subnet_router4(const struct fwd_subnet *sn)
{
	return rte_cpu_to_be_32(rte_be_to_cpu_32(sn->cidr4) + 1);
}

/*
 * A DHCPv6 client's message (D14): UDP to port 547 of
 * All_DHCP_Relay_Agents_and_Servers (ff02::1:2), right after the IPv6
 * header. For the router.
 */
static inline bool v6_to_dhcp_server(const struct pmeta *pm)
{
	static const uint8_t all_servers[16] = {0xff, 0x02, [13] = 0x01, [15] = 0x02};
	const uint8_t *ip = pm->l3;

	return pm->seg_l3 >= 40 + 8 && ip[6] == IPPROTO_UDP &&
	       memcmp(ip + 24, all_servers, 16) == 0 && ip[42] == 547 >> 8 &&
	       ip[43] == (547 & 0xff);
}

/*
 * A TCP segment to the metadata service's IPv6 address, [fd00:ec2::254]:80
 * (D15), right after the IPv6 header. For the router. A unique local
 * address, so it is unicast and is caught before the source check.
 */
static inline bool v6_to_imds(const struct pmeta *pm)
{
	static const uint8_t imds6[16] = {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54};
	const uint8_t *ip = pm->l3;

	return ip[24] == 0xfd && pm->seg_l3 >= 40 + 4 && ip[6] == IPPROTO_TCP &&
	       memcmp(ip + 24, imds6, 16) == 0 && ip[42] == IMDS_PORT >> 8 &&
	       ip[43] == (IMDS_PORT & 0xff);
}

static inline bool v6_not_unicast(const uint8_t *a)
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

static inline void count_drop(struct counters *c, uint16_t in_port, unsigned reason)
{
	c->drop[reason]++;
	c->port[in_port].drop++;
}

static inline void drop(struct counters *c, struct rte_mbuf *m, uint16_t in_port, unsigned reason)
{
	rte_pktmbuf_free(m);
	count_drop(c, in_port, reason);
}

/* The uplink's lookup keys, gathered (hashed, prefetched) while parsing. */
struct uplink_keys {
	uint32_t k4[PIPELINE_BURST_MAX];
	uint32_t h4[PIPELINE_BURST_MAX]; /* em4 home buckets of k4 in eip4 */
	struct em16_key k6[PIPELINE_BURST_MAX];
	uint8_t i4[PIPELINE_BURST_MAX], i6[PIPELINE_BURST_MAX];
	unsigned n4, n6;
};

#endif
