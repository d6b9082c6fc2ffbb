/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - load a configuration: parse the whole YAML text into a libyaml
 * document, check it all, then create the VPC state through the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

static const char *const root_keys[] = {
    "engine",  "api",	    "instance_types", "public_pools", "vpcs", "route_tables",
    "subnets", "instances", "enis",	      "eips",	      NULL};

static int syntax_error(const char *name, const yaml_parser_t *p, struct config_err *err)
{
	const char *problem = p->problem != NULL ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR)
		problem = "out of memory";
	if (p->context != NULL)
		snprintf(err->message, sizeof(err->message), "%s:%zu:%zu: YAML syntax error: %s %s",
			 name, p->problem_mark.line + 1, p->problem_mark.column + 1, problem,
			 p->context);
	else
		snprintf(err->message, sizeof(err->message), "%s:%zu:%zu: YAML syntax error: %s",
			 name, p->problem_mark.line + 1, p->problem_mark.column + 1, problem);
	return -1;
}

/* The single document of the text into *doc (root NULL when the text is empty). */
static int parse_document(const char *name, const char *yaml, size_t len, yaml_document_t *doc,
			  struct config_err *err)
{
	yaml_parser_t p;
	yaml_document_t extra;
	int rc = 0;

	if (!yaml_parser_initialize(&p)) {
		snprintf(err->message, sizeof(err->message), "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&p, doc)) {
		rc = syntax_error(name, &p, err);
		yaml_parser_delete(&p);
		return rc;
	}
	if (yaml_document_get_root_node(doc) != NULL) {
		/* a second document would be silently ignored: refuse it */
		if (!yaml_parser_load(&p, &extra)) {
			rc = syntax_error(name, &p, err);
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r != NULL) {
				snprintf(err->message, sizeof(err->message),
					 "%s:%zu:%zu: only one YAML document is allowed", name,
					 r->start_mark.line + 1, r->start_mark.column + 1);
				rc = -1;
			}
			yaml_document_delete(&extra);
		}
		if (rc)
			yaml_document_delete(doc);
	}
	yaml_parser_delete(&p);
	return rc;
}

int config_load_string(const char *name, const char *yaml, size_t len, struct enimap_config *cfg,
		       struct model *m, struct delta *delta, struct config_err *err)
{
	struct enimap_config *tmp;
	yaml_document_t doc;
	struct cnode_ctx c = {.name = name, .doc = &doc, .err = err};
	const yaml_node_t *root;
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
		return -1;
	}
	tmp = calloc(1, sizeof(*tmp));
	if (tmp == NULL) {
		snprintf(err->message, sizeof(err->message), "%s: out of memory", name);
		return -1;
	}
	if (parse_document(name, yaml, len, &doc, err)) {
		free(tmp);
		return -1;
	}
	snprintf(tmp->path, sizeof(tmp->path), "%s", name);
	config_engine_defaults(&tmp->engine);
	config_api_defaults(&tmp->api);
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && !cnode_is_null(root)) {
		/* check everything first: a typo must not leave a half-loaded model */
		if (cnode_map_check(&c, root, "configuration", root_keys) ||
		    config_engine_parse(&c, cnode_map_find(&c, root, "engine"), &tmp->engine) ||
		    config_api_parse(&c, cnode_map_find(&c, root, "api"), &tmp->api) ||
		    config_vpc_load(&c, root, &tmp->engine, NULL, NULL))
			goto out;
	}
	model_set_capacity(m, tmp->engine.max_ipv4, tmp->engine.max_ipv6, tmp->engine.max_eips);
	if (root != NULL && !cnode_is_null(root) &&
	    config_vpc_load(&c, root, &tmp->engine, m, delta))
		goto out;
	*cfg = *tmp;
	rc = 0;
out:
	yaml_document_delete(&doc);
	free(tmp);
	return rc;
}

int config_load(const char *path, struct enimap_config *cfg, struct model *m, struct delta *delta,
		struct config_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

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
	if (ferror(f)) {
		snprintf(err->message, sizeof(err->message), "%s: read error", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = config_load_string(path, buf, len, cfg, m, delta, err);
	free(buf);
	return rc;
}
