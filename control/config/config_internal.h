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
