/* SPDX-License-Identifier: BSD-3-Clause */
/* api_params.c - reading request parameters and filters, reporting errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/random.h>

#include "api_impl.h"

int api_fail(struct api_ctx *c, const char *code, const char *fmt, ...)
{
	snprintf(c->code, sizeof(c->code), "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	/* Values are valid UTF-8 (api_query_parse), but "%.100s" or the end of msg
	 * may have cut one mid-character: drop what is left of it. */
	api_utf8_drop_broken(c->msg);
	return -1;
}

int api_fail_model(struct api_ctx *c, const struct model_err *e)
{
	return api_fail(c, e->code[0] ? e->code : "InternalError", "%s", e->message);
}

const char *api_opt(struct api_ctx *c, const char *name)
{
	return api_query_get(c->q, name);
}

void api_canon_start(struct api_ctx *c, const char *action)
{
	api_buf_reset(c->canon);
	api_buf_form_add(c->canon, "Action", action);
}

const char *api_internal(struct api_ctx *c, const char *name)
{
	return c->trusted ? api_query_get(c->q, name) : NULL;
}

const char *api_req(struct api_ctx *c, const char *name)
{
	const char *v = api_query_get(c->q, name);
	if (!v || !*v) {
		api_fail(c, "MissingParameter", "The request must contain the parameter %s", name);
		return NULL;
	}
	return v;
}

int api_bool(struct api_ctx *c, const char *name, bool def, bool *out)
{
	const char *v = api_query_get(c->q, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (strcasecmp(v, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(v, "false") == 0) {
		*out = false;
		return 0;
	}
	return api_fail(c, "InvalidParameterValue",
			"Value (%.*s) for parameter %s is invalid. Expected a boolean (true or "
			"false).",
			api_utf8_prefix(v, 100), v, name);
}

int api_uint(struct api_ctx *c, const char *name, unsigned max, unsigned *out, bool *present)
{
	const char *v = api_query_get(c->q, name);
	*present = v != NULL;
	*out = 0;
	if (!v)
		return 0;
	unsigned long x = 0;
	const char *p = v;
	while (*p >= '0' && *p <= '9' && x <= max)
		x = x * 10 + (unsigned long)(*p++ - '0');
	if (p == v || *p || x > max)
		return api_fail(c, "InvalidParameterValue",
				"Value (%.*s) for parameter %s is invalid. Expected an integer "
				"from 0 to %u.",
				api_utf8_prefix(v, 100), v, name, max);
	*out = (unsigned)x;
	return 0;
}

int api_list(struct api_ctx *c, const char *prefix, const char *suffix, const char ***out,
	     size_t *n)
{
	*out = NULL;
	*n = 0;
	unsigned *idx = malloc(API_MAX_LIST * sizeof(*idx));
	if (!idx)
		return api_fail(c, "InternalError", "Out of memory.");
	int k = api_query_indexes(c->q, prefix, idx, API_MAX_LIST);
	if (k < 0) {
		free(idx);
		return api_fail(c, "InvalidParameterValue",
				"The list parameter %s has a malformed or too large index.",
				prefix);
	}
	if (k == 0) {
		free(idx);
		return 0;
	}
	const char **v = calloc((size_t)k, sizeof(*v));
	if (!v) {
		free(idx);
		return api_fail(c, "InternalError", "Out of memory.");
	}
	size_t m = 0;
	for (int i = 0; i < k; i++) {
		char name[256];
		if (suffix)
			snprintf(name, sizeof(name), "%s.%u.%s", prefix, idx[i], suffix);
		else
			snprintf(name, sizeof(name), "%s.%u", prefix, idx[i]);
		const char *val = api_query_get(c->q, name);
		if (val)
			v[m++] = val;
		else if (!suffix) {
			unsigned bad = idx[i];
			free(idx);
			free(v);
			return api_fail(c, "InvalidParameterValue",
					"The list parameter %s.%u is malformed.", prefix, bad);
		}
	}
	free(idx);
	if (m == 0) {
		free(v);
		return 0;
	}
	*out = v;
	*n = m;
	return 0;
}

static bool is_tag_filter(const char *name)
{
	return (strncmp(name, "tag:", 4) == 0 && name[4]) || strcmp(name, "tag-key") == 0 ||
	       strcmp(name, "tag-value") == 0;
}

int api_filters_parse_tags(struct api_ctx *c, const char *const *allowed, bool tags,
			   struct api_filters *out, struct api_filters *tag_out)
{
	struct api_filters none;
	if (!tag_out)
		tag_out = &none;
	out->f = tag_out->f = NULL;
	out->n = tag_out->n = 0;
	unsigned idx[64];
	int k = api_query_indexes(c->q, "Filter", idx, 64);
	if (k < 0)
		return api_fail(c, "InvalidParameterValue",
				"The Filter list is malformed or has more than 64 filters.");
	if (k == 0)
		return 0;
	out->f = calloc((size_t)k, sizeof(*out->f));
	tag_out->f = calloc((size_t)k, sizeof(*tag_out->f));
	if (!out->f || !tag_out->f) {
		api_fail(c, "InternalError", "Out of memory.");
		goto fail;
	}
	for (int i = 0; i < k; i++) {
		char name[64];
		snprintf(name, sizeof(name), "Filter.%u.Name", idx[i]);
		const char *fname = api_req(c, name);
		if (!fname)
			goto fail;
		bool ok = false;
		for (size_t a = 0; allowed[a]; a++)
			if (strcmp(allowed[a], fname) == 0)
				ok = true;
		struct api_filters *into = out;
		if (!ok && tags && is_tag_filter(fname)) {
			ok = true;
			into = tag_out;
		}
		if (!ok) {
			api_fail(c, "InvalidParameterValue", "The filter '%.*s' is invalid",
				 api_utf8_prefix(fname, 100), fname);
			goto fail;
		}
		struct api_filter *f = &into->f[into->n];
		f->name = fname;
		snprintf(name, sizeof(name), "Filter.%u.Value", idx[i]);
		if (api_list(c, name, NULL, &f->values, &f->n))
			goto fail;
		into->n++;
		if (f->n == 0) {
			api_fail(c, "InvalidParameterValue", "The filter '%.*s' has no value",
				 api_utf8_prefix(f->name, 100), f->name);
			goto fail;
		}
	}
	if (tag_out == &none)
		api_filters_free(&none);
	return 0;
fail:
	api_filters_free(out);
	api_filters_free(tag_out);
	return -1;
}

int api_filters_parse(struct api_ctx *c, const char *const *allowed, struct api_filters *out)
{
	return api_filters_parse_tags(c, allowed, false, out, NULL);
}

void api_filters_free(struct api_filters *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->f[i].values);
	free(f->f);
	f->f = NULL;
	f->n = 0;
}

void api_facts_add(struct api_facts *f, const char *name, const char *value)
{
	if (!value || f->oom)
		return;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 32;
		void *v = realloc(f->v, cap * sizeof(*f->v));
		if (!v) {
			f->oom = true;
			return;
		}
		f->v = v;
		f->cap = cap;
	}
	/* a copy of the whole value: a filter compares all of it (a description
	 * can be 255 bytes), and callers reuse their formatting buffers */
	char *copy = strdup(value);
	if (!copy) {
		f->oom = true;
		return;
	}
	f->v[f->n].name = name;
	f->v[f->n].value = copy;
	f->n++;
}

bool api_facts_match(const struct api_facts *f, const struct api_filters *flt)
{
	for (size_t i = 0; i < flt->n; i++) {
		const struct api_filter *x = &flt->f[i];
		bool hit = false;
		for (size_t k = 0; k < f->n && !hit; k++) {
			if (strcmp(f->v[k].name, x->name) != 0)
				continue;
			for (size_t v = 0; v < x->n && !hit; v++)
				hit = fnmatch(x->values[v], f->v[k].value, 0) == 0;
		}
		if (!hit)
			return false;
	}
	return true;
}

void api_facts_reset(struct api_facts *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].value);
	f->n = 0;
}

void api_facts_free(struct api_facts *f)
{
	api_facts_reset(f);
	free(f->v);
	*f = (struct api_facts){0};
}

void api_ip4_str(uint32_t ip, char out[16])
{
	struct in_addr a = {.s_addr = ip};
	inet_ntop(AF_INET, &a, out, 16);
}

void api_ip6_str(const struct in6_addr *ip, char out[46])
{
	inet_ntop(AF_INET6, ip, out, 46);
}

void api_new_id(const char *prefix, char out[MODEL_ID_MAX])
{
	uint8_t r[9];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(r)) { /* no entropy source: fall back to time and address bits */
		uint64_t x = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uintptr_t)out;
		for (size_t i = got; i < sizeof(r); i++, x >>= 7)
			r[i] = (uint8_t)(x ^ (x >> 29));
	}
	snprintf(out, MODEL_ID_MAX, "%s%01x%02x%02x%02x%02x%02x%02x%02x%02x", prefix, r[0] & 15,
		 r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]);
}
