/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * delta.h - what one successful model operation changed, as mapping changes.
 *
 * The model (model.h) never touches a table or a packet. Every operation that
 * succeeds appends to a struct delta the mapping changes it made, in order;
 * the builder (engine/builder.h) applies one delta to the forwarding
 * tables as ONE generation, so workers see all of it or none of it.
 *
 * Entries carry the NEW state only (a SET replaces whatever the key had).
 * Applying the entries in order to a plain map reproduces the model's own
 * address map; the randomized model test checks exactly that.
 *
 * Byte order: every IPv4 address in a delta is in network byte order (as in
 * a packet, like struct in_addr.s_addr), so workers never swap bytes.
 *
 * Slots: VPCs, ENIs, subnets and route tables are named in a delta by a
 * small integer slot, stable for the object's life and reused after
 * deletion. Slots index plain arrays in the dataplane.
 *
 * VPCs (SPEC R31, D13): a private IPv4 is unique inside its VPC only, so
 * every entry that names one carries its VPC slot too (V4_SET/DEL, EIP_SET's
 * private side, ENI_SET: the VPC a frame from that ENI belongs to). EIPs,
 * IPv6 addresses and MACs are unique across the engine.
 */
#ifndef ENIMAP_DELTA_H
#define ENIMAP_DELTA_H

#include <stddef.h>
#include <stdint.h>

#define DELTA_NO_EIP 0u /* eip field of a V4 entry: the address has no EIP */

/* Why an ENI cannot receive packets (D10), or ENI_FWD_OK when it can. */
enum eni_fwd_state {
	ENI_FWD_OK = 0,	      /* attached to a running instance */
	ENI_FWD_DETACHED = 1, /* not attached to any instance */
	ENI_FWD_STOPPED = 2,  /* attached to a stopped instance */
};

/* Everything the dataplane needs to deliver to, or accept from, an ENI. */
struct eni_fwd {
	uint32_t slot;		   /* ENI slot */
	uint32_t subnet;	   /* subnet slot */
	uint32_t route_table;	   /* route table slot of the ENI's subnet */
	uint32_t vpc;		   /* VPC slot of the ENI's subnet (D13: its frames belong to it) */
	uint16_t port;		   /* host port index of the instance (valid when attached) */
	uint16_t vlan;		   /* 802.1Q VLAN id, 0 = untagged */
	uint8_t mac[6];		   /* the ENI's MAC address */
	uint8_t state;		   /* enum eni_fwd_state */
	uint8_t source_dest_check; /* 1 = on (default), 0 = off (appliance) */
};

enum route_target_kind {
	ROUTE_LOCAL = 0,     /* inside the VPC: deliver to the owner of the destination */
	ROUTE_IGW = 1,	     /* internet gateway: SNAT to the EIP, out of the uplink */
	ROUTE_ENI = 2,	     /* an ENI (appliance insertion): unchanged, to that ENI */
	ROUTE_BLACKHOLE = 3, /* drop */
};

enum delta_kind {
	DELTA_ENI_SET, /* .eni: ENI slot created, or its delivery info changed */
	DELTA_ENI_DEL, /* .eni.slot: ENI slot removed (all its addresses were removed before) */
	DELTA_V4_SET, /* .v4: {VPC, private IPv4} -> owning ENI slot, and its EIP or DELTA_NO_EIP */
	DELTA_V4_DEL, /* .v4.vpc, .v4.addr: private IPv4 of that VPC no longer owned */
	DELTA_V6_SET, /* .v6: IPv6 -> owning ENI slot */
	DELTA_V6_DEL, /* .v6.addr: IPv6 no longer owned */
	DELTA_EIP_SET,	  /* .eip: EIP -> private IPv4, its VPC and ENI slot (association) */
	DELTA_EIP_DEL,	  /* .eip.eip: EIP no longer associated */
	DELTA_ROUTE_SET,  /* .route: a route added or its target changed */
	DELTA_ROUTE_DEL,  /* .route: a route removed (target fields ignored) */
	DELTA_SUBNET_SET, /* .subnet: a subnet created (ARP/ND answers need its CIDRs) */
	DELTA_SUBNET_DEL, /* .subnet.slot: a subnet removed */
};

struct delta_entry {
	uint8_t kind; /* enum delta_kind */
	union {
		struct eni_fwd eni;
		struct {
			uint32_t addr; /* private IPv4, network order */
			uint32_t vpc;  /* VPC slot: addr is unique inside it only */
			uint32_t eni;  /* owning ENI slot */
			uint32_t eip;  /* its EIP, network order, or DELTA_NO_EIP */
		} v4;
		struct {
			uint8_t addr[16];
			uint32_t eni;
		} v6;
		struct {
			uint32_t eip;  /* public IPv4, network order */
			uint32_t priv; /* private IPv4, network order */
			uint32_t vpc;  /* VPC slot of priv (the ENI's) */
			uint32_t eni;  /* ENI slot owning priv */
		} eip;
		struct {
			uint32_t route_table; /* route table slot */
			uint8_t family;	      /* 4 or 6 */
			uint8_t depth;	      /* prefix length */
			uint8_t target;	      /* enum route_target_kind */
			uint8_t prefix[16];   /* IPv4 in the first 4 bytes, network order */
			uint32_t eni;	      /* ENI slot when target == ROUTE_ENI */
		} route;
		struct {
			uint32_t slot;	      /* subnet slot */
			uint32_t route_table; /* its route table slot */
			uint32_t cidr4;	      /* network order */
			uint8_t depth4;
			uint8_t has_v6; /* 1 when cidr6 is set */
			uint8_t depth6;
			uint8_t cidr6[16];
		} subnet;
	};
};

/* A growable list of entries. Zero-initialise, then delta_push(); delta_free() at the end. */
struct delta {
	struct delta_entry *e;
	size_t n;
	size_t cap;
};

/* Append one entry. Returns 0 or -ENOMEM (the delta is unchanged then). */
int delta_push(struct delta *d, const struct delta_entry *entry);
/* Make room for `more` further entries, so that pushing them cannot fail. 0 or -ENOMEM. */
int delta_reserve(struct delta *d, size_t more);
/* Forget all entries, keep the memory. */
void delta_reset(struct delta *d);
/* Release the memory; the delta is empty and reusable afterwards. */
void delta_free(struct delta *d);

#endif
