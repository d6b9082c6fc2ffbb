/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_node.h - the parsed YAML text as a compact tree, and typed, checked
 * reads of its nodes (internal to the configuration loader). Every failing
 * read writes "file:line:column: reason" into the error, pointing at the
 * offending node (1-based line and column, as editors count), and returns -1.
 *
 * The tree is built from libyaml's events rather than with its document API:
 * one array of small nodes and one text arena take a fraction of the memory
 * and time of a libyaml document (1.2 s and 2 GB less for 1M EIPs).
 */
#ifndef ENIMAP_CONFIG_NODE_H
#define ENIMAP_CONFIG_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum cnode_type { CNODE_SCALAR = 1, CNODE_MAPPING = 2, CNODE_SEQUENCE = 3 };

/* Nodes are numbered from 1 (0 = none); a mapping's children alternate key, value. */
struct cnode {
	uint8_t type;	 /* enum cnode_type */
	bool plain;	 /* a plain (unquoted) scalar: may mean null */
	uint32_t line;	 /* 1-based */
	uint32_t column; /* 1-based */
	uint32_t next;	 /* next sibling, 0 = last */
	uint32_t child;	 /* collections: first child (0 = empty); scalars: text offset */
	uint32_t len;	 /* scalars: text length; collections: number of children */
};

struct cnode_tree {
	struct cnode *node; /* node[0] unused */
	size_t n, cap;
	char *text; /* every scalar's text, each NUL-terminated */
	size_t tlen, tcap;
	uint32_t root; /* 0: an empty file */
};

/*
 * Bounds checked while the tree is built, so that a list longer than the
 * tables could hold is refused at its first item over the limit, before the
 * rest of the file is read or stored. A list that is the value of a key in
 * lists[] has that limit; any other list has max_items.
 */
struct cnode_list_limit {
	const char *key;  /* the key whose value the list is (at any depth) */
	size_t max;	  /* items */
	const char *what; /* names the list in the message */
	char why[128];	  /* ends the message: "(engine.capacity.ipv4 is 4)" */
};

struct cnode_limits {
	size_t max_items; /* any other list */
	struct cnode_list_limit *lists;
	size_t n_lists;
	/*
	 * Called (when not NULL) as soon as each value of the root mapping is
	 * complete, with the tree so far: it may change the limits (from the
	 * engine section's capacities). Nonzero refuses the file (err set).
	 */
	int (*root_value)(void *arg, const struct cnode_tree *t, uint32_t key, uint32_t value);
	void *arg;
};

/*
 * Parse the text (one YAML document; no aliases) into *t within the limits
 * (NULL: none); cnode_tree_free() after.
 */
int cnode_tree_parse(const char *name, const char *yaml, size_t len, struct cnode_tree *t,
		     struct cnode_limits *limits, struct config_err *err);
void cnode_tree_free(struct cnode_tree *t);

struct cnode_ctx {
	const char *name; /* file name, for messages */
	const struct cnode_tree *tree;
	struct config_err *err;
};

/* Format an error at node n (NULL: at the start of the file); returns -1. */
int cnode_fail(const struct cnode_ctx *c, const struct cnode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The root, a collection's first child, the next sibling: NULL when none. */
const struct cnode *cnode_root(const struct cnode_ctx *c);
/* (inline: the walks call these tens of millions of times for a large file) */
static inline const struct cnode *cnode_child(const struct cnode_ctx *c, const struct cnode *n)
{
	return n->type != CNODE_SCALAR && n->child ? &c->tree->node[n->child] : NULL;
}
static inline const struct cnode *cnode_next(const struct cnode_ctx *c, const struct cnode *n)
{
	return n->next ? &c->tree->node[n->next] : NULL;
}
/* *it, moving *it to the next sibling: walks a list from cnode_seq's first. */
static inline const struct cnode *cnode_take(const struct cnode_ctx *c, const struct cnode **it)
{
	const struct cnode *n = *it;

	*it = cnode_next(c, n);
	return n;
}
/* A scalar's text (NUL-terminated). */
static inline const char *cnode_text(const struct cnode_ctx *c, const struct cnode *n)
{
	return c->tree->text + n->child;
}

/* A plain empty, "~" or "null" scalar: the field has no value. */
bool cnode_is_null(const struct cnode_ctx *c, const struct cnode *n);

/*
 * Check mapping n (what names it in messages): every key is one of keys
 * (NULL-terminated; a leading '!' marks a required key), none is repeated,
 * and every required key is present.
 */
int cnode_map_check(const struct cnode_ctx *c, const struct cnode *n, const char *what,
		    const char *const *keys);
/* The value of key in mapping n, or NULL when absent. */
const struct cnode *cnode_map_find(const struct cnode_ctx *c, const struct cnode *n,
				   const char *key);

/* A sequence (or null: empty): its first item (then cnode_next) and count. */
int cnode_seq(const struct cnode_ctx *c, const struct cnode *n, const char *what,
	      const struct cnode **first, size_t *n_items);

/* A scalar string (quoted "" allowed, null not) of at most max-1 bytes (0: no limit). */
int cnode_str(const struct cnode_ctx *c, const struct cnode *n, const char *what, size_t max,
	      const char **out);
/* The same, copied into buf of size max. */
int cnode_str_copy(const struct cnode_ctx *c, const struct cnode *n, const char *what, char *buf,
		   size_t max);
/* A decimal integer in [min, max]. */
int cnode_uint(const struct cnode_ctx *c, const struct cnode *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out);
/* true or false. */
int cnode_bool(const struct cnode_ctx *c, const struct cnode *n, const char *what, bool *out);
/* One of words (NULL-terminated): its index in *out. */
int cnode_enum(const struct cnode_ctx *c, const struct cnode *n, const char *what,
	       const char *const *words, int *out);

/* Address syntax (the model parses again; these point a typo at its node). */
int cnode_ipv4(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char **out,
	       uint32_t *addr /* network order; may be NULL */);
int cnode_ipv6(const struct cnode_ctx *c, const struct cnode *n, const char *what,
	       const char **out);
/* "a.b.c.d/len" (family 4) or "x::/len" (family 6). */
int cnode_cidr(const struct cnode_ctx *c, const struct cnode *n, const char *what, int family,
	       const char **out);
/* "aa:bb:cc:dd:ee:ff". */
int cnode_mac(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char **out,
	      uint8_t mac[6]);

#endif
