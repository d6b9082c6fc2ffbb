/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_internal.h - the sections of the configuration file, each read by
 * its own file (internal to the loader, config.c).
 */
#ifndef ENIMAP_CONFIG_INTERNAL_H
#define ENIMAP_CONFIG_INTERNAL_H

#include "config_node.h"

/* config_engine.c: `engine:` (n may be NULL: defaults) into *out. */
void config_engine_defaults(struct engine_params *out);
int config_engine_parse(const struct cnode_ctx *c, const struct cnode *n,
			struct engine_params *out);

/* config_engine.c: `api:` (n may be NULL: defaults) into *out. */
void config_api_defaults(struct api_settings *out);
int config_api_parse(const struct cnode_ctx *c, const struct cnode *n, struct api_settings *out);
/* config_engine.c: `metrics:` (n may be NULL: defaults) into *out. */
void config_metrics_defaults(struct metrics_settings *out);
/* config_engine.c: `guest:` (n may be NULL: defaults) into *out. */
void config_guest_defaults(struct guest_settings *out);
int config_guest_parse(const struct cnode_ctx *c, const struct cnode *n,
		       struct guest_settings *out);
int config_metrics_parse(const struct cnode_ctx *c, const struct cnode *n,
			 struct metrics_settings *out);

/* The largest table capacity engine.capacity accepts (each of ipv4, ipv6, eips; config_engine.c).
 */
#define CONFIG_CAPACITY_MAX ((size_t)1 << 26)
/* Any list not limited by a capacity may hold this many items, or the largest capacity. */
#define CONFIG_MIN_LIST_LIMIT ((size_t)1 << 16)

/*
 * config.c: the limits the tree is built within (cnode_limits): an ENI's
 * secondary_ips and ipv6 lists and the enis list are bounded by
 * engine.capacity, any other list by the largest capacity (at least
 * CONFIG_MIN_LIST_LIMIT). Until the engine section has been read, the
 * largest capacities allowed apply; once it has (as soon as its value is
 * complete, usually first), its own. config_tree_limits_init() fills *l;
 * pass &l->cnode to cnode_tree_parse.
 */
struct config_tree_limits {
	struct cnode_limits cnode;
	struct cnode_list_limit lists[3];
	struct engine_params engine; /* the engine section, parsed as soon as it is complete */
	struct cnode_ctx ctx;
};
void config_tree_limits_init(struct config_tree_limits *l, const char *name,
			     struct config_err *err);
/* The same bounds on list (a sequence, the value of key) with the file's capacities: 0 or -1. */
int config_list_check(const struct cnode_ctx *c, const struct cnode *list, const char *key,
		      const struct engine_params *engine);

/*
 * config_device.c: what may reach the EAL. A port's device string: a known
 * virtual device (net_af_packet0, net_null, ...) then ",key=value" pairs of
 * safe characters; an engine.eal item: one option of an allowed shape, none
 * that enimap sets itself. The _ok forms say why not in why (n bytes); the
 * _check forms report it at node n (file:line:column) and return -1.
 */
bool config_device_ok(const char *s, char *why, size_t n);
bool config_eal_arg_ok(const char *s, char *why, size_t n);
int config_device_check(const struct cnode_ctx *c, const struct cnode *n, const char *s);
int config_eal_arg_check(const struct cnode_ctx *c, const struct cnode *n, const char *s);

/*
 * config_vpc.c: the VPC sections of root, in the order that resolves
 * references. With m NULL, only checks the file (keys, types, required
 * fields, address syntax, port names), touches nothing and, when counts is
 * not NULL, counts the addresses and EIPs the file lists (to size the model
 * beforehand); with m, also creates every object through the model
 * operations.
 */
struct config_counts {
	size_t v4, v6, eips, enis; /* at most this many addresses, EIPs, ENIs */
};
int config_vpc_load(const struct cnode_ctx *c, const struct cnode *root,
		    const struct engine_params *engine, struct model *m, struct delta *delta,
		    struct config_counts *counts);

#endif
