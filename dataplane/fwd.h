/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fwd.h - the forwarding state workers read: one "side" of the tables.
 *
 * The builder (builder.h) keeps TWO struct fwd_side, published through gen.h:
 * a worker takes side = gen_reader_side() once per burst and reads only that
 * side for the whole burst, so it sees one generation (D9). Nothing in a
 * side is written while a worker may read it; only the learned upstream MACs
 * (struct fwd_neigh, shared by both sides) are written by workers, with
 * atomic stores.
 *
 * Values and keys (all IPv4 addresses in network byte order, as in packets):
 *   eip4:  EIP         -> fwd_v4_value(owner ENI slot, private IPv4)
 *   priv4: fwd_priv_key(VPC slot, private IPv4) -> fwd_v4_value(owner ENI slot, its EIP or 0)
 *   ip6:   IPv6 address -> owner ENI slot
 *   mac:   fwd_mac_key(host port, VLAN id, ENI MAC) -> fwd_mac_value(ENI slot, VPC slot)
 *          (attached ENIs only)
 *
 * VPCs (SPEC R31, D13): a private IPv4 is unique inside its VPC only, so
 * priv4 is keyed by {VPC, address} in one 8-byte key (em8.h: one table for
 * every VPC, one line per lookup, as with 4-byte keys). A frame from a
 * machine belongs to the VPC of the ENI that sent it: the MAC lookup gives
 * the ENI and its VPC at once, and the source check, the local destination
 * and ARP answers look up (that VPC, address). EIPs and IPv6 addresses are
 * unique across the engine (eip4, ip6 keyed by the address alone); an EIP's
 * value names the owner ENI, whose VPC is the private address's.
 * Routes are per route table, and a route table belongs to one VPC.
 *   rtables[rt].r4 / .r6: prefix -> fwd_nh(route_target_kind, ENI slot)
 */
#ifndef ENIMAP_FWD_H
#define ENIMAP_FWD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "delta.h"
#include "em16.h"
#include "em4.h"
#include "em8.h"
#include "route.h"

struct sg_tables;
struct ct;

#define FWD_MAX_PORTS 16    /* the engine's ENGINE_MAX_PORTS is asserted equal (engine.c) */
#define FWD_ENI_ABSENT 0xff /* eni_fwd.state of an unused ENI slot */

/* A port's egress MTU (IP bytes): IPv6 needs 1280; 9216 is the usual jumbo ceiling. */
#define FWD_MTU_DEFAULT 1500
#define FWD_MTU_MIN 1280
#define FWD_MTU_MAX 9216

enum fwd_port_role { FWD_PORT_UPLINK = 0, FWD_PORT_HOST = 1 };

/* One engine port, as the pipeline sees it. */
struct fwd_port {
	uint8_t role; /* enum fwd_port_role */
	uint8_t has_upstream_mac;
	uint8_t has_upstream_ip;
	uint8_t mac[6];		 /* the engine's MAC on this port (ARP/ND answers, source MAC) */
	uint8_t upstream_mac[6]; /* uplink: the upstream router (configured) */
	uint32_t upstream_ip;	 /* uplink: the upstream router's IPv4, network order */
	uint16_t mtu;		 /* egress MTU: bigger IP packets are fragmented or refused (D7) */
	uint32_t max_frame;	 /* mtu + an untagged Ethernet header: longer frames are checked */
};

/* A subnet: what ARP/ND answers need (D1). */
struct fwd_subnet {
	uint32_t cidr4;	      /* network order */
	uint32_t mask4;	      /* network order */
	uint32_t route_table; /* route table slot */
	uint8_t present;
	uint8_t depth4;
	uint8_t has_v6;
	uint8_t depth6;
	uint8_t cidr6[16];
};

/* One VPC route table (created on first use). */
struct fwd_rtable {
	struct route4 *r4;
	struct route6 *r6;
};

/*
 * Upstream MACs learned from ARP on the uplink (sender IP == upstream_ip),
 * shared by both sides: value = FWD_NEIGH_VALID | MAC in the low 48 bits,
 * written and read with relaxed atomics (any worker may learn it).
 */
#define FWD_NEIGH_VALID (1ull << 63)
struct fwd_neigh {
	uint64_t upstream[FWD_MAX_PORTS];
} __attribute__((aligned(64)));

struct fwd_side {
	struct em4 *eip4;
	struct em8 *priv4;
	struct em16 *ip6;
	struct em16 *mac;
	struct eni_fwd *enis; /* max_enis, state FWD_ENI_ABSENT when unused */
	struct fwd_subnet *subnets;
	struct fwd_rtable *rtables;
	uint32_t max_enis, max_subnets, max_rtables;
	uint16_t n_ports;
	int16_t uplink; /* index of the (first) uplink port, -1 when none */
	struct fwd_port ports[FWD_MAX_PORTS];
	struct fwd_neigh *neigh;
	/* security groups (D12): the compiled rules of this generation, NULL when
	 * groups are not enforced; the flow table, one for both sides (shared by
	 * every worker, conntrack.h), NULL with them */
	const struct sg_tables *sg;
	struct ct *ct;
};

/* ---- encodings shared by the builder and the pipeline ---- */

static inline uint64_t fwd_v4_value(uint32_t slot, uint32_t addr)
{
	return ((uint64_t)slot << 32) | addr;
}
static inline uint32_t fwd_v4_slot(uint64_t v)
{
	return (uint32_t)(v >> 32);
}
static inline uint32_t fwd_v4_addr(uint64_t v)
{
	return (uint32_t)v;
}

/* The key of priv4: a private IPv4 (network order) inside VPC slot vpc. */
static inline uint64_t fwd_priv_key(uint32_t vpc, uint32_t addr)
{
	return ((uint64_t)vpc << 32) | addr;
}

/* The value of the MAC table: the ENI slot, and the VPC its frames belong to (D13). */
static inline uint64_t fwd_mac_value(uint32_t slot, uint32_t vpc)
{
	return ((uint64_t)vpc << 32) | slot;
}
static inline uint32_t fwd_mac_slot(uint64_t v)
{
	return (uint32_t)v;
}
static inline uint32_t fwd_mac_vpc(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

/* Route next hop: the target kind in the low 2 bits, the ENI slot above (< 2^22). */
#define FWD_NH_ENI_MAX (1u << 22)
static inline uint32_t fwd_nh(unsigned kind, uint32_t eni)
{
	return (eni << 2) | (kind & 3u);
}
static inline unsigned fwd_nh_kind(uint32_t nh)
{
	return nh & 3u;
}
static inline uint32_t fwd_nh_eni(uint32_t nh)
{
	return nh >> 2;
}

/* Key of the MAC table: {port, VLAN id (host order), MAC}, zero padded. */
static inline void fwd_mac_key(struct em16_key *k, uint16_t port, uint16_t vlan,
			       const uint8_t mac[6])
{
	/* built in registers and stored as two 8-byte words, the size the
	 * table reads them with: narrower stores read back as one wider load
	 * would stall store forwarding (per packet) */
	uint32_t m4;
	uint16_t m2;

	memcpy(&m4, mac, 4);
	memcpy(&m2, mac + 4, 2);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w0 = (uint64_t)port | (uint64_t)vlan << 16 | (uint64_t)m4 << 32;
	uint64_t w1 = m2;
#else
	uint64_t w0 = (uint64_t)port << 48 | (uint64_t)vlan << 32 | m4;
	uint64_t w1 = (uint64_t)m2 << 48;
#endif
	memcpy(k->b, &w0, 8);
	memcpy(k->b + 8, &w1, 8);
}

/* The upstream MAC of port p (configured or learned); false when unknown. */
static inline bool fwd_upstream_mac(const struct fwd_side *s, uint16_t p, uint8_t mac[6])
{
	uint64_t v;

	if (s->ports[p].has_upstream_mac) {
		memcpy(mac, s->ports[p].upstream_mac, 6);
		return true;
	}
	v = __atomic_load_n(&s->neigh->upstream[p], __ATOMIC_RELAXED);
	if (!(v & FWD_NEIGH_VALID))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(v >> (8 * (5 - i)));
	return true;
}

#endif
