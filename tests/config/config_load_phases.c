/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_load_phases FILE - where config_load's CPU time goes, phase by
 * phase, on one file: libyaml alone (its scanner only, then its event
 * parser), the node tree (libyaml's events included), the checking walk,
 * sizing the model, and the walk through the model operations. A
 * measurement tool for control/config/README.md, not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

#include "config_internal.h"

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* libyaml over the text: tokens only (scan) or events (parse); -1 on a YAML error. */
static int libyaml_only(const char *text, size_t len, int events, size_t *count)
{
	yaml_parser_t p;
	int end = 0;

	*count = 0;
	if (!yaml_parser_initialize(&p))
		return -1;
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!end) {
		if (events) {
			yaml_event_t e;

			if (!yaml_parser_parse(&p, &e))
				break;
			end = e.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&e);
		} else {
			yaml_token_t t;

			if (!yaml_parser_scan(&p, &t))
				break;
			end = t.type == YAML_STREAM_END_TOKEN;
			yaml_token_delete(&t);
		}
		++*count;
	}
	yaml_parser_delete(&p);
	return end ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct config_counts counts = {0};
	struct engine_params engine;
	struct cnode_tree tree;
	static struct config_tree_limits limits; /* as config_load builds the tree */
	struct config_err err;
	struct cnode_ctx c = {.tree = &tree, .err = &err};
	struct delta d = {0};
	const struct cnode *root;
	struct model *m;
	size_t len, tokens, events;
	double t[7];
	char *text;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	c.name = argv[1];
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) || (long)(len = (size_t)ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || (text = malloc(len + 1)) == NULL ||
	    fread(text, 1, len, f) != len) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	t[0] = cpu_s();
	if (libyaml_only(text, len, 0, &tokens))
		return fprintf(stderr, "%s: YAML error\n", argv[1]), 1;
	t[1] = cpu_s();
	if (libyaml_only(text, len, 1, &events))
		return fprintf(stderr, "%s: YAML error\n", argv[1]), 1;
	t[2] = cpu_s();
	config_tree_limits_init(&limits, argv[1], &err);
	if (cnode_tree_parse(argv[1], text, len, &tree, &limits.cnode, &err))
		return fprintf(stderr, "%s\n", err.message), 1;
	t[3] = cpu_s();
	config_engine_defaults(&engine);
	root = cnode_root(&c);
	if (root == NULL ||
	    cnode_map_check(&c, root, "configuration",
			    (const char *const[]){"engine", "api", "instance_types", "public_pools",
						  "vpcs", "route_tables", "subnets", "instances",
						  "enis", "eips", NULL}) ||
	    config_engine_parse(&c, cnode_map_find(&c, root, "engine"), &engine) ||
	    config_vpc_load(&c, root, &engine, NULL, NULL, &counts))
		return fprintf(stderr, "%s\n", root ? err.message : "empty file"), 1;
	t[4] = cpu_s();
	m = model_create();
	if (m == NULL)
		return 2;
	model_set_capacity(m, engine.max_ipv4, engine.max_ipv6, engine.max_eips);
	if (model_reserve(m, counts.v4, counts.v6, counts.eips) ||
	    delta_reserve(&d, counts.v4 + counts.v6 + 2 * counts.eips + counts.enis + 1024))
		return fprintf(stderr, "out of memory\n"), 2;
	t[5] = cpu_s();
	if (config_vpc_load(&c, root, &engine, m, &d, NULL))
		return fprintf(stderr, "%s\n", err.message), 1;
	t[6] = cpu_s();
	printf("%s: %zu bytes, %zu tokens, %zu events, %zu nodes, %zu bytes of scalars\n"
	       "CPU s: libyaml scanner alone %.3f, libyaml parser alone %.3f | tree (parser "
	       "included) %.3f, checking walk %.3f, sizing %.3f, model walk %.3f, sum %.3f\n",
	       argv[1], len, tokens, events, tree.n - 1, tree.tlen, t[1] - t[0], t[2] - t[1],
	       t[3] - t[2], t[4] - t[3], t[5] - t[4], t[6] - t[5], t[6] - t[2]);
	cnode_tree_free(&tree);
	delta_free(&d);
	model_free(m);
	free(text);
	return 0;
}
