/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - load a configuration: parse the whole YAML text into a tree
 * (config_node.h), check it all, then create the VPC state through the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static const char *const root_keys[] = {
    "engine",  "api",	    "instance_types", "public_pools", "vpcs", "route_tables",
    "subnets", "instances", "enis",	      "eips",	      NULL};

/* n, but no more than limit (0: no limit) nor than RESERVE_MAX */
#define RESERVE_MAX ((size_t)1 << 24)
static size_t at_most(size_t n, size_t limit)
{
	if (limit != 0 && n > limit)
		n = limit;
	return n < RESERVE_MAX ? n : RESERVE_MAX;
}

/* config_load_string; file, when not NULL, is the text's buffer, freed once parsed. */
static int load(const char *name, const char *yaml, size_t len, char *file,
		struct enimap_config *cfg, struct model *m, struct delta *delta,
		struct config_err *err)
{
	struct enimap_config *tmp;
	struct cnode_tree tree;
	struct cnode_ctx c = {.name = name, .tree = &tree, .err = err};
	struct config_counts counts = {0};
	const struct cnode *root;
	int rc = -1;

	err->message[0] = '\0';
	if (memchr(yaml, '\0', len) != NULL) {
		const char *z = memchr(yaml, '\0', len);
		size_t line = 1, col = 1;

		for (const char *p = yaml; p < z; p++, col++)
			if (*p == '\n') {
				line++;
				col = 0;
			}
		snprintf(err->message, sizeof(err->message), "%s:%zu:%zu: NUL byte in the file",
			 name, line, col);
		free(file);
		return -1;
	}
	tmp = calloc(1, sizeof(*tmp));
	if (tmp == NULL) {
		snprintf(err->message, sizeof(err->message), "%s: out of memory", name);
		free(file);
		return -1;
	}
	rc = cnode_tree_parse(name, yaml, len, &tree, err);
	free(file); /* the tree holds its own copy of every scalar: a big file's memory back */
	if (rc) {
		free(tmp);
		return -1;
	}
	rc = -1;
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	config_engine_defaults(&tmp->engine);
	config_api_defaults(&tmp->api);
	root = cnode_root(&c);
	if (root != NULL && !cnode_is_null(&c, root)) {
		/* check everything first: a typo must not leave a half-loaded model */
		if (cnode_map_check(&c, root, "configuration", root_keys) ||
		    config_engine_parse(&c, cnode_map_find(&c, root, "engine"), &tmp->engine) ||
		    config_api_parse(&c, cnode_map_find(&c, root, "api"), &tmp->api) ||
		    config_vpc_load(&c, root, &tmp->engine, NULL, NULL, &counts))
			goto out;
	}
	model_set_capacity(m, tmp->engine.max_ipv4, tmp->engine.max_ipv6, tmp->engine.max_eips);
	/*
	 * Size the indexes and the delta once (a million EIPs would otherwise
	 * rehash each index ~20 times). Counts beyond the capacities would be
	 * refused anyway, so they do not size anything. A failure here changes
	 * nothing the caller sees: the operations below report ENOMEM themselves.
	 */
	counts.v4 = at_most(counts.v4, tmp->engine.max_ipv4);
	counts.v6 = at_most(counts.v6, tmp->engine.max_ipv6);
	counts.eips = at_most(counts.eips, tmp->engine.max_eips);
	(void)model_reserve(m, counts.v4, counts.v6, counts.eips);
	/* an entry per address, two per EIP (EIP_SET, V4_SET), one per ENI, a few more */
	if (delta != NULL)
		(void)delta_reserve(delta, counts.v4 + counts.v6 + 2 * counts.eips +
					       at_most(counts.enis, counts.v4) + 1024);
	if (root != NULL && !cnode_is_null(&c, root) &&
	    config_vpc_load(&c, root, &tmp->engine, m, delta, NULL))
		goto out;
	*cfg = *tmp;
	rc = 0;
out:
	cnode_tree_free(&tree);
	free(tmp);
	return rc;
}

int config_load_string(const char *name, const char *yaml, size_t len, struct enimap_config *cfg,
		       struct model *m, struct delta *delta, struct config_err *err)
{
	return load(name, yaml, len, NULL, cfg, m, delta, err);
}

int config_load(const char *path, struct enimap_config *cfg, struct model *m, struct delta *delta,
		struct config_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		snprintf(err->message, sizeof(err->message), "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (cap - len < 65536) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 1 << 20);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				snprintf(err->message, sizeof(err->message), "%s: out of memory",
					 path);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) { /* e.g. a directory: EISDIR */
		snprintf(err->message, sizeof(err->message), "%s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	return load(path, buf, len, buf, cfg, m, delta, err); /* frees buf */
}
