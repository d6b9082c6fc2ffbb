/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_node.h - typed, checked reads of a libyaml document (internal to
 * the configuration loader). Every failing read writes
 * "file:line:column: reason" into the error, pointing at the offending node
 * (1-based line and column, as editors count), and returns -1.
 */
#ifndef ENIMAP_CONFIG_NODE_H
#define ENIMAP_CONFIG_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "config.h"

struct cnode_ctx {
	const char *name; /* file name, for messages */
	yaml_document_t *doc;
	struct config_err *err;
};

/* Format an error at node n (NULL: at the start of the file); returns -1. */
int cnode_fail(const struct cnode_ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

yaml_node_t *cnode_at(const struct cnode_ctx *c, int index);

/* A plain empty, "~" or "null" scalar: the field has no value. */
bool cnode_is_null(const yaml_node_t *n);

/*
 * Check mapping n (what names it in messages): every key is one of keys
 * (NULL-terminated; a leading '!' marks a required key), none is repeated,
 * and every required key is present.
 */
int cnode_map_check(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
		    const char *const *keys);
/* The value of key in mapping n, or NULL when absent. */
yaml_node_t *cnode_map_find(const struct cnode_ctx *c, const yaml_node_t *n, const char *key);

/* A sequence: its items (node indexes) in *items, *n_items. */
int cnode_seq(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
	      const yaml_node_item_t **items, size_t *n_items);

/* A scalar string (quoted "" allowed, null not) of at most max-1 bytes (0: no limit). */
int cnode_str(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, size_t max,
	      const char **out);
/* The same, copied into buf of size max. */
int cnode_str_copy(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, char *buf,
		   size_t max);
/* A decimal integer in [min, max]. */
int cnode_uint(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out);
/* true or false. */
int cnode_bool(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, bool *out);
/* One of words (NULL-terminated): its index in *out. */
int cnode_enum(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
	       const char *const *words, int *out);

/* Address syntax (the model parses again; these point a typo at its node). */
int cnode_ipv4(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out,
	       uint32_t *addr /* network order; may be NULL */);
int cnode_ipv6(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out);
/* "a.b.c.d/len" (family 4) or "x::/len" (family 6). */
int cnode_cidr(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, int family,
	       const char **out);
/* "aa:bb:cc:dd:ee:ff". */
int cnode_mac(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out,
	      uint8_t mac[6]);

#endif
