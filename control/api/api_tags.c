/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_tags.c - tags on every resource (SPEC R27): CreateTags, DeleteTags,
 * DescribeTags, the <tagSet> of every Describe, and TagSpecification.N on
 * the actions that create resources. The rules live in the model
 * (model_tags.c); this reads the request and writes EC2's XML and the
 * journal record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

void api_xml_tags(struct api_ctx *c, const char *resource_id)
{
	struct model_tags_view v;
	if (model_get_tags(c->m, resource_id, &v)) {
		api_buf_puts(c->xml, "<tagSet/>");
		return;
	}
	api_buf_puts(c->xml, "<tagSet>");
	for (size_t k = 0; k < v.n; k++) {
		api_buf_puts(c->xml, "<item>");
		api_buf_xml_elem(c->xml, "key", v.tags[k].key);
		api_buf_xml_elem(c->xml, "value", v.tags[k].value);
		api_buf_puts(c->xml, "</item>");
	}
	api_buf_puts(c->xml, "</tagSet>");
}

/* ---- reading tags from a request ---- */

/*
 * prefix.N.Key / prefix.N.Value into a malloc'd array (NULL when none).
 * need_value: an absent Value is "" (CreateTags); else NULL (DeleteTags: any
 * value). 0 or -1.
 */
static int read_tags(struct api_ctx *c, const char *prefix, bool need_value, struct model_tag **out,
		     size_t *n)
{
	unsigned *idx = malloc(API_MAX_LIST * sizeof(*idx));
	*out = NULL;
	*n = 0;
	if (!idx)
		return api_fail(c, "InternalError", "Out of memory.");
	int k = api_query_indexes(c->q, prefix, idx, API_MAX_LIST);
	if (k < 0) {
		free(idx);
		return api_fail(c, "InvalidParameterValue",
				"The list parameter %s has a malformed or too large index.",
				prefix);
	}
	struct model_tag *t = k ? calloc((size_t)k, sizeof(*t)) : NULL;
	if (k && !t) {
		free(idx);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	for (int i = 0; i < k; i++) {
		char name[160];
		snprintf(name, sizeof(name), "%s.%u.Key", prefix, idx[i]);
		t[i].key = api_query_get(c->q, name);
		if (!t[i].key) {
			api_fail(c, "MissingParameter", "The request must contain the parameter %s",
				 name);
			free(idx);
			free(t);
			return -1;
		}
		snprintf(name, sizeof(name), "%s.%u.Value", prefix, idx[i]);
		t[i].value = api_query_get(c->q, name);
		if (!t[i].value && need_value)
			t[i].value = "";
	}
	free(idx);
	*out = t;
	*n = (size_t)k;
	return 0;
}

static void canon_tags(struct api_ctx *c, const char *prefix, const struct model_tag *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[160];
		snprintf(name, sizeof(name), "%s.%zu.Key", prefix, i + 1);
		api_buf_form_add(c->canon, name, t[i].key);
		if (t[i].value) {
			snprintf(name, sizeof(name), "%s.%zu.Value", prefix, i + 1);
			api_buf_form_add(c->canon, name, t[i].value);
		}
	}
}

/* ---- CreateTags / DeleteTags ---- */

static int change_tags(struct api_ctx *c, bool create)
{
	const char **ids;
	size_t n_ids;
	struct model_tag *tags;
	size_t n_tags;
	struct model_err err = {0};
	if (api_list(c, "ResourceId", NULL, &ids, &n_ids))
		return -1;
	if (n_ids == 0)
		return api_fail(c, "MissingParameter",
				"The request must contain the parameter ResourceId");
	if (read_tags(c, "Tag", create, &tags, &n_tags)) {
		free(ids);
		return -1;
	}
	int rc = create ? model_create_tags(c->m, ids, n_ids, tags, n_tags, &err)
			: model_delete_tags(c->m, ids, n_ids, tags, n_tags, &err);
	if (rc) {
		api_fail_model(c, &err);
	} else {
		api_buf_puts(c->xml, "<return>true</return>");
		api_buf_reset(c->canon);
		api_buf_form_add(c->canon, "Action", create ? "CreateTags" : "DeleteTags");
		for (size_t i = 0; i < n_ids; i++) {
			char name[32];
			snprintf(name, sizeof(name), "ResourceId.%zu", i + 1);
			api_buf_form_add(c->canon, name, ids[i]);
		}
		canon_tags(c, "Tag", tags, n_tags);
	}
	free(ids);
	free(tags);
	return rc ? -1 : 0;
}

int api_create_tags(struct api_ctx *c)
{
	return change_tags(c, true);
}

int api_delete_tags(struct api_ctx *c)
{
	return change_tags(c, false);
}

/* ---- TagSpecification.N on creating actions ---- */

/*
 * The tags of the specifications whose ResourceType is type (every one when
 * type is NULL, for the checks), each specification checked against types.
 */
static int read_specs(struct api_ctx *c, const char *const *types, const char *type,
		      struct model_tag **out, size_t *n)
{
	unsigned idx[64];
	*out = NULL;
	*n = 0;
	int k = api_query_indexes(c->q, "TagSpecification", idx, 64);
	if (k < 0)
		return api_fail(c, "InvalidParameterValue",
				"The TagSpecification list is malformed or too long.");
	for (int i = 0; i < k; i++) {
		char name[96];
		snprintf(name, sizeof(name), "TagSpecification.%u.ResourceType", idx[i]);
		const char *rt = api_req(c, name);
		if (!rt)
			goto fail;
		bool ok = false;
		for (size_t t = 0; types && types[t] && !ok; t++)
			ok = strcmp(types[t], rt) == 0;
		if (types && !ok) {
			api_fail(c, "InvalidParameterValue",
				 "'%.*s' is not a valid taggable resource type for this operation.",
				 api_utf8_prefix(rt, 60), rt);
			goto fail;
		}
		if (type && strcmp(type, rt) != 0)
			continue;
		struct model_tag *t;
		size_t nt;
		snprintf(name, sizeof(name), "TagSpecification.%u.Tag", idx[i]);
		if (read_tags(c, name, true, &t, &nt))
			goto fail;
		struct model_tag *all = realloc(*out, (*n + nt + 1) * sizeof(*all));
		if (!all) {
			free(t);
			api_fail(c, "InternalError", "Out of memory.");
			goto fail;
		}
		/* a specification without tags: t is NULL, which memcpy may not take */
		if (nt)
			memcpy(all + *n, t, nt * sizeof(*t));
		*out = all;
		*n += nt;
		free(t);
	}
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

int api_tag_specs_check(struct api_ctx *c, const char *const *types)
{
	/* per type: the tags one new resource of it would take, made ready */
	for (size_t t = 0; types[t]; t++) {
		struct model_tag *tags;
		size_t n;
		struct model_err err = {0};
		if (read_specs(c, types, types[t], &tags, &n))
			return -1;
		if (n == 0) {
			free(tags);
			continue;
		}
		if (c->n_tag_preps == sizeof(c->tag_preps) / sizeof(c->tag_preps[0])) {
			free(tags);
			return api_fail(c, "InvalidParameterValue", "Too many resource types.");
		}
		struct model_tags_prep *p = model_tags_prepare(c->m, tags, n, &err);
		free(tags);
		if (!p)
			return api_fail_model(c, &err);
		c->tag_preps[c->n_tag_preps++] = (struct api_tag_prep){types[t], p};
	}
	return 0;
}

void api_tag_specs_done(struct api_ctx *c)
{
	for (size_t i = 0; i < c->n_tag_preps; i++)
		model_tags_prep_free(c->m, c->tag_preps[i].p);
	c->n_tag_preps = 0;
}

/* Take the preparation made for type, if any (NULL: none, or taken already). */
static struct model_tags_prep *take_prep(struct api_ctx *c, const char *type)
{
	for (size_t i = 0; i < c->n_tag_preps; i++)
		if (strcmp(c->tag_preps[i].type, type) == 0) {
			struct model_tags_prep *p = c->tag_preps[i].p;
			c->tag_preps[i] = c->tag_preps[--c->n_tag_preps];
			return p;
		}
	return NULL;
}

int api_tag_specs_apply(struct api_ctx *c, const char *resource_type, const char *resource_id)
{
	struct model_err err = {0};
	/* prepared by api_tag_specs_check: nothing here can run out of memory (the
	 * record's buffer may, which refuses the call in the rehearsal) */
	struct model_tags_prep *prep = take_prep(c, resource_type);
	if (prep) {
		if (model_tags_commit(c->m, prep, resource_id, &err))
			return api_fail_model(c, &err);
	} else {
		struct model_tag *tags;
		size_t n;
		if (read_specs(c, NULL, resource_type, &tags, &n))
			return -1;
		int rc = n ? model_create_tags(c->m, &resource_id, 1, tags, n, &err) : 0;
		free(tags);
		if (rc)
			return api_fail_model(c, &err);
		if (n == 0)
			return 0;
	}
	/* the record of the creation carries its tags (as the model holds them):
	 * replay tags it again. The specification number is the type's place among
	 * those already written. Once per type: every resource of a type that one
	 * call creates (RunInstances with MaxCount 2) takes the same tags from the
	 * same specifications, and a second specification of the type in the record
	 * would be a duplicate key on replay. */
	struct model_tags_view v;
	if (model_get_tags(c->m, resource_id, &v))
		return 0;
	unsigned spec = 1;
	for (; spec < 64; spec++) {
		char name[96];
		snprintf(name, sizeof(name), "TagSpecification.%u.ResourceType", spec);
		const char *at = c->canon->s ? strstr(c->canon->s, name) : NULL;
		if (!at)
			break;
		size_t len = strlen(name), tlen = strlen(resource_type);
		if (at[len] == '=' && strncmp(at + len + 1, resource_type, tlen) == 0 &&
		    (at[len + 1 + tlen] == '&' || at[len + 1 + tlen] == '\0'))
			return 0; /* recorded for an earlier resource of this call */
	}
	char name[64];
	snprintf(name, sizeof(name), "TagSpecification.%u.ResourceType", spec);
	api_buf_form_add(c->canon, name, resource_type);
	snprintf(name, sizeof(name), "TagSpecification.%u.Tag", spec);
	canon_tags(c, name, v.tags, v.n);
	return 0;
}

/* ---- DescribeTags ---- */

static int tags_cb(const struct model_tags_view *v, void *arg)
{
	struct api_describe *d = arg;
	struct api_buf *x = d->c->xml;
	for (size_t k = 0; k < v->n; k++) {
		api_facts_reset(&d->facts);
		api_facts_add(&d->facts, "key", v->tags[k].key);
		api_facts_add(&d->facts, "value", v->tags[k].value);
		api_facts_add(&d->facts, "resource-id", v->resource_id);
		api_facts_add(&d->facts, "resource-type", v->resource_type);
		if (!api_describe_wants_sub(d, v->resource_id, v->order[k])) {
			if (d->full)
				return 1;
			continue;
		}
		api_buf_puts(x, "<item>");
		api_buf_xml_elem(x, "resourceId", v->resource_id);
		api_buf_xml_elem(x, "resourceType", v->resource_type);
		api_buf_xml_elem(x, "key", v->tags[k].key);
		api_buf_xml_elem(x, "value", v->tags[k].value);
		api_buf_puts(x, "</item>");
	}
	return 0;
}

int api_describe_tags(struct api_ctx *c)
{
	static const char *const allowed[] = {"key", "value", "resource-id", "resource-type", NULL};
	struct api_describe d;
	/* no id list (id_param NULL): exists and the not-found code are never used */
	if (api_describe_open(&d, c, NULL, allowed, NULL, "InvalidParameterValue", "resource"))
		return -1;
	api_buf_puts(c->xml, "<tagSet>");
	model_foreach_tags_from(c->m, api_describe_after(&d), tags_cb, &d);
	api_buf_puts(c->xml, "</tagSet>");
	return api_describe_close(&d);
}
