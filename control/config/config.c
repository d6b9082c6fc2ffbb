/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - load a configuration: parse the whole YAML text into a tree
 * (config_node.h), check it all, then create the VPC state through the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_internal.h"

static const char *const root_keys[] = {
    "engine",	  "api",  "metrics",	  "guest",   "instance_types",	"public_pools",
    "ipv6_pools", "vpcs", "route_tables", "subnets", "security_groups", "instances",
    "enis",	  "eips", "launch",	  NULL};

/* n, but no more than limit (0: no limit) nor than RESERVE_MAX */
#define RESERVE_MAX ((size_t)1 << 24)
static size_t at_most(size_t n, size_t limit)
{
	if (limit != 0 && n > limit)
		n = limit;
	return n < RESERVE_MAX ? n : RESERVE_MAX;
}

/* Fill the three limits from capacities (given: the file's own; else the largest allowed). */
static void set_list_limits(struct cnode_list_limit *lists, size_t *max_items,
			    const struct engine_params *e, bool given)
{
	size_t v4 = given ? e->max_ipv4 : CONFIG_CAPACITY_MAX;
	size_t v6 = given ? e->max_ipv6 : CONFIG_CAPACITY_MAX;
	size_t most = v4 > v6 ? v4 : v6;
	const char *is = given ? "is" : "is at most";

	if (given && e->max_eips > most)
		most = e->max_eips;
	lists[0] = (struct cnode_list_limit){
	    .key = "secondary_ips", .max = v4 - 1, .what = "eni secondary_ips"};
	snprintf(lists[0].why, sizeof(lists[0].why),
		 "(engine.capacity.ipv4 %s %zu, the primary address included)", is, v4);
	lists[1] = (struct cnode_list_limit){.key = "ipv6", .max = v6, .what = "eni ipv6"};
	snprintf(lists[1].why, sizeof(lists[1].why), "(engine.capacity.ipv6 %s %zu)", is, v6);
	lists[2] = (struct cnode_list_limit){.key = "enis", .max = v4, .what = "enis"};
	snprintf(lists[2].why, sizeof(lists[2].why),
		 "(engine.capacity.ipv4 %s %zu: each ENI has a primary address)", is, v4);
	*max_items = most > CONFIG_MIN_LIST_LIMIT ? most : CONFIG_MIN_LIST_LIMIT;
}

/* The engine section is complete: read it now, and bound the lists by its capacities. */
static int engine_section_done(void *arg, const struct cnode_tree *t, uint32_t key, uint32_t value)
{
	struct config_tree_limits *l = arg;
	const struct cnode *k = &t->node[key];

	if (k->type != CNODE_SCALAR || strcmp(t->text + k->child, "engine") != 0)
		return 0;
	l->ctx.tree = t;
	config_engine_defaults(&l->engine);
	if (config_engine_parse(&l->ctx, &t->node[value], &l->engine))
		return -1; /* the same error the checking walk would report */
	set_list_limits(l->lists, &l->cnode.max_items, &l->engine, true);
	return 0;
}

void config_tree_limits_init(struct config_tree_limits *l, const char *name, struct config_err *err)
{
	memset(l, 0, sizeof(*l));
	l->ctx = (struct cnode_ctx){.name = name, .err = err};
	l->cnode.lists = l->lists;
	l->cnode.n_lists = 3;
	l->cnode.root_value = engine_section_done;
	l->cnode.arg = l;
	set_list_limits(l->lists, &l->cnode.max_items, &l->engine, false);
}

int config_list_check(const struct cnode_ctx *c, const struct cnode *list, const char *key,
		      const struct engine_params *engine)
{
	struct cnode_list_limit lists[3];
	const struct cnode *item;
	size_t most;

	if (list == NULL || list->type != CNODE_SEQUENCE)
		return 0;
	set_list_limits(lists, &most, engine, true);
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(lists[i].key, key) != 0 || list->len <= lists[i].max)
			continue;
		item = cnode_child(c, list);
		for (size_t k = 0; k < lists[i].max; k++)
			item = cnode_next(c, item);
		return cnode_fail(c, item, "%s: more than %zu items %s", lists[i].what,
				  lists[i].max, lists[i].why);
	}
	return 0;
}

/* config_load_string; file, when not NULL, is the text's buffer, freed once parsed. */
static int load(const char *name, const char *yaml, size_t len, char *file,
		struct enimap_config *cfg, struct model *m, struct delta *delta,
		struct config_err *err)
{
	struct enimap_config *tmp;
	struct config_tree_limits *limits;
	struct cnode_tree tree;
	struct cnode_ctx c = {.name = name, .tree = &tree, .err = err};
	struct config_counts counts = {0};
	const struct cnode *root;
	int rc = -1;

	err->message[0] = '\0';
	if (len > CONFIG_MAX_FILE_BYTES) {
		snprintf(err->message, sizeof(err->message),
			 "%s: %zu bytes, larger than the limit of %zu (CONFIG_MAX_FILE_BYTES)",
			 name, len, CONFIG_MAX_FILE_BYTES);
		free(file);
		return -1;
	}
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
	limits = malloc(sizeof(*limits));
	if (tmp == NULL || limits == NULL) {
		snprintf(err->message, sizeof(err->message), "%s: out of memory", name);
		free(tmp);
		free(limits);
		free(file);
		return -1;
	}
	config_tree_limits_init(limits, name, err);
	rc = cnode_tree_parse(name, yaml, len, &tree, &limits->cnode, err);
	free(limits);
	free(file); /* the tree holds its own copy of every scalar: a big file's memory back */
	if (rc) {
		free(tmp);
		return -1;
	}
	rc = -1;
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	config_engine_defaults(&tmp->engine);
	config_api_defaults(&tmp->api);
	config_metrics_defaults(&tmp->metrics);
	config_guest_defaults(&tmp->guest);
	root = cnode_root(&c);
	if (root != NULL && !cnode_is_null(&c, root)) {
		/* check everything first: a typo must not leave a half-loaded model */
		if (cnode_map_check(&c, root, "configuration", root_keys) ||
		    config_engine_parse(&c, cnode_map_find(&c, root, "engine"), &tmp->engine) ||
		    config_api_parse(&c, cnode_map_find(&c, root, "api"), &tmp->api) ||
		    config_metrics_parse(&c, cnode_map_find(&c, root, "metrics"), &tmp->metrics) ||
		    config_guest_parse(&c, cnode_map_find(&c, root, "guest"), &tmp->guest) ||
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
	struct stat st;

	if (f == NULL) {
		snprintf(err->message, sizeof(err->message), "%s: %s", path, strerror(errno));
		return -1;
	}
	/* refused before reading; a regular file's buffer sized once */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > CONFIG_MAX_FILE_BYTES) {
			snprintf(err->message, sizeof(err->message),
				 "%s: %llu bytes, larger than the limit of %zu "
				 "(CONFIG_MAX_FILE_BYTES)",
				 path, (unsigned long long)st.st_size, CONFIG_MAX_FILE_BYTES);
			fclose(f);
			return -1;
		}
		cap = (size_t)st.st_size + 65536;
		buf = malloc(cap);
		if (buf == NULL)
			cap = 0;
	}
	for (;;) {
		size_t got;

		if (len > CONFIG_MAX_FILE_BYTES) /* a pipe or a file that grows */
			break;
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
