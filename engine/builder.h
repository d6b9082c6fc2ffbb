/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builder.h - turns model deltas (delta.h) into forwarding-table changes and
 * publishes them to the workers as ONE generation (gen.h).
 *
 * builder_apply(d): prepare d (check it, reserve room and route tables on
 * both sides: nothing changes when it is refused), apply it to the writer
 * side, gen_writer_publish() (waits for the grace period), then apply it to
 * the other side, so both sides are equal again. When it
 * returns 0, every burst any worker starts sees the new state (D9).
 *
 * The writer side itself is the builder's mirror: the old MAC key of an ENI
 * is read from its old struct eni_fwd before ENI_SET replaces it.
 *
 * Control thread only (one writer). Workers use builder_gen() with the
 * gen_reader_* calls.
 */
#ifndef ENIMAP_BUILDER_H
#define ENIMAP_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta.h"
#include "fwd.h"

struct gen;
struct rte_rcu_qsbr;

struct builder_port {
	enum fwd_port_role role;
	uint8_t mac[6]; /* the engine's MAC on the port */
	bool has_upstream_mac;
	uint8_t upstream_mac[6];
	bool has_upstream_ip; /* uplink: learn the upstream MAC from its ARP */
	uint32_t upstream_ip; /* network order */
	uint16_t mtu;	      /* egress MTU, FWD_MTU_MIN..FWD_MTU_MAX; 0 = FWD_MTU_DEFAULT */
};

/* Capacities left 0 take the defaults in brackets. */
struct builder_params {
	size_t max_v4;		   /* private IPv4 addresses [1<<20] */
	size_t max_v6;		   /* IPv6 addresses [1<<20] */
	size_t max_eips;	   /* associated EIPs [1<<20] */
	uint32_t max_enis;	   /* ENI slots [1<<16] */
	uint32_t max_subnets;	   /* subnet slots [4096] */
	uint32_t max_route_tables; /* route table slots [1024] */
	uint32_t max_routes;	   /* routes per route table and family [1024] */
	unsigned max_readers;	   /* workers (RCU readers) [1] */
	int socket_id;		   /* NUMA socket of the tables */
	unsigned n_ports;
	struct builder_port ports[FWD_MAX_PORTS];
};

struct builder;

/* Both sides built empty and equal, side 0 published. NULL + errno (EINVAL, ENOMEM). */
struct builder *builder_create(const struct builder_params *p);
void builder_free(struct builder *b);

/* The generations workers read (struct fwd_side sides). */
struct gen *builder_gen(const struct builder *b);

/* The ENI slot capacity (size of per-ENI counters). */
uint32_t builder_max_enis(const struct builder *b);

/*
 * Apply d as one generation; returns once every worker sees it.
 * First a prepare step that can refuse d with nothing changed and nothing
 * published: -EINVAL (a slot, port, family or depth out of range), -ENOSPC
 * (a table would overflow: addresses, EIPs, MAC keys, routes per route table
 * and family), -ENOMEM (a route table could not be created; route tables are
 * created on both sides here). After it, applying d to either side cannot
 * fail, so 0.
 * -EIO is the backstop for a table refusing a write despite those checks:
 * the two sides (or the published side and d) then differ, and the caller
 * must rebuild them from the model with builder_rebuild() (engine_apply does,
 * and logs it).
 */
int builder_apply(struct builder *b, const struct delta *d);

/*
 * builder_apply() with the security groups of the same generation: both
 * sides' sg becomes sg (NULL: not enforced) as d is applied, so a packet
 * sees the rules that go with the tables it reads (an ENI's slot and its
 * policy appear together). d may be empty: the new rules alone are then
 * published. When it returns 0 no worker can hold the sides' previous sg:
 * the caller may free it. On an error the sides keep their old sg.
 */
int builder_apply_sg(struct builder *b, const struct delta *d, const struct sg_tables *sg);

/*
 * The flow table of the security groups, on both sides. Before any worker
 * reads the sides (at start: the engine creates the table once it knows
 * the builder's RCU variable, builder_qsbr).
 */
void builder_set_ct(struct builder *b, struct ct *ct);
/* The workers' RCU variable (gen.h): the flow table's grace periods use it. */
struct rte_rcu_qsbr *builder_qsbr(const struct builder *b);

/*
 * Make both sides hold exactly full (the model's full delta), each built
 * fresh: the unpublished one, publish, then the other. 0, or -EINVAL /
 * -ENOSPC / -ENOMEM (full does not fit or memory ran out; the published
 * side is then either the old one or one equal to full).
 */
int builder_rebuild(struct builder *b, const struct delta *full);

/*
 * Every table's fill and capacity, read from the published side: on the
 * control thread, or on another one that holds the lock every
 * builder_apply is made under (then no apply runs, and both sides are
 * equal). The ENI and subnet slots are counted by a scan (a few MB at the
 * most: for a metrics scrape, not per packet).
 */
enum builder_table {
	BUILDER_TABLE_EIP,	   /* EIP -> ENI and private address (the 1:1 NAT) */
	BUILDER_TABLE_PRIVATE_V4,  /* private IPv4 -> ENI */
	BUILDER_TABLE_IPV6,	   /* IPv6 -> ENI */
	BUILDER_TABLE_MAC,	   /* port + VLAN + MAC -> ENI */
	BUILDER_TABLE_ENI,	   /* ENI slots in use */
	BUILDER_TABLE_SUBNET,	   /* subnet slots in use */
	BUILDER_TABLE_ROUTE_TABLE, /* route tables created */
	BUILDER_TABLE_ROUTE_V4,	   /* IPv4 routes, all route tables (capacity: all tables full) */
	BUILDER_TABLE_ROUTE_V6,	   /* IPv6 routes, the same */
	BUILDER_TABLES
};
struct builder_table_stats {
	const char *name; /* "eip", "private_ipv4", ... */
	uint64_t entries, capacity;
};
void builder_table_stats(const struct builder *b, struct builder_table_stats out[BUILDER_TABLES]);

/*
 * A side made from scratch out of full (the model's full delta) by the code
 * that applies deltas to the published sides, with the same slots and
 * ports and its tables sized for full: what the published side should
 * hold. Never published: the tables check (engine_tables_check) compares
 * the two. Control thread. NULL + errno (EINVAL: an entry out of range,
 * ENOMEM, ENOSPC). Its sg and ct are NULL.
 */
struct fwd_side *builder_side_build(const struct builder *b, const struct delta *full);
void builder_side_free(struct fwd_side *s);

/* The published side, for tests and tools on the control thread. */
const struct fwd_side *builder_side(const struct builder *b);

#endif
