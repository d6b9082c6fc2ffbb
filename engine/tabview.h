/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tabview.h - one side of the forwarding tables (fwd.h) read back as a
 * sorted list of records, one per entry a worker can find: an ENI slot, a
 * subnet slot, a route, a MAC key, a private IPv4, an IPv6 address, an EIP.
 * The records are the tables' own keys and values (slots, addresses in
 * network order), decoded from the encodings fwd.h gives; two lists compare
 * entry by entry (tv_diff), which is what `enimapctl check` prints.
 *
 * Read a side no writer changes meanwhile: the published side from the
 * control thread under the model lock (every table write is made there,
 * under that lock), or a side no worker knows (builder_side_build).
 */
#ifndef ENIMAP_TABVIEW_H
#define ENIMAP_TABVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "delta.h"

struct fwd_side;

/* In the order the lists are sorted. */
enum tv_table { TV_ENI, TV_SUBNET, TV_ROUTE, TV_MAC, TV_V4, TV_V6, TV_EIP, TV_TABLES };

struct tv_rec {
	uint8_t table; /* enum tv_table */
	union {
		struct eni_fwd eni; /* key: slot */
		struct {
			uint32_t slot; /* key */
			uint32_t route_table, cidr4;
			uint8_t depth4, has_v6, depth6, cidr6[16];
		} subnet;
		struct {
			uint32_t route_table; /* key: route_table, family, depth, prefix */
			uint8_t family, depth, prefix[16];
			uint8_t target; /* enum route_target_kind */
			uint32_t eni;	/* ROUTE_ENI: the ENI slot */
		} route;
		struct {
			uint16_t port, vlan; /* key: port, vlan, mac */
			uint8_t mac[6];
			uint32_t eni, vpc;
		} mac;
		struct {
			uint32_t vpc, addr; /* key */
			uint32_t eni, eip;  /* eip: DELTA_NO_EIP when none */
		} v4;
		struct {
			uint8_t addr[16]; /* key */
			uint32_t eni;
		} v6;
		struct {
			uint32_t eip; /* key */
			uint32_t priv, eni;
		} eip;
	};
};

struct tv_list {
	struct tv_rec *r;
	size_t n, cap;
};

/* Every entry of s, sorted by table then key. 0 or -ENOMEM (out may hold part). */
int tv_read_side(const struct fwd_side *s, struct tv_list *out);
void tv_list_free(struct tv_list *l);

/* "eni", "subnet", "route", "mac", "ipv4", "ipv6", "eip". */
const char *tv_table_name(enum tv_table t);
/* "local", "igw", "eni", "blackhole". */
const char *tv_target_name(unsigned target);
/* "ok", "detached", "stopped". */
const char *tv_eni_state_name(unsigned state);

/* The record's key and value as text ("vpc=0 10.0.1.10", "eni=3 eip=-"). */
void tv_format_key(const struct tv_rec *r, char *buf, size_t len);
void tv_format_val(const struct tv_rec *r, char *buf, size_t len);

/*
 * want (what the model gives) against got (what the tables hold), both
 * sorted: one line per difference on out,
 *   missing TABLE KEY: VAL      in want only
 *   extra TABLE KEY: VAL        in got only
 *   different TABLE KEY: tables VAL, model VAL
 * Returns the number of lines.
 */
size_t tv_diff(const struct tv_list *want, const struct tv_list *got, FILE *out);

#endif
