/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_tags.c - tags on every resource (SPEC R27): one tag set per resource
 * that has tags, found by the resource's id, in the order its first tag was
 * set; inside a set, tags in the order they were first set. Every operation
 * validates everything, then reserves every byte it needs, then mutates with
 * steps that cannot fail (model_internal.h).
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int eq_tags(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const struct model *m = ctx;
	const char *id = TAGSET(m, v)->rid;

	return strlen(id) == len && memcmp(id, key, len) == 0;
}

void model_tags_init(struct model *m)
{
	objtab_init(&m->tagsets, sizeof(struct tagset));
	mhash_init(&m->by_tags, 0, eq_tags, m);
}

static void set_free(struct tagset *s)
{
	for (size_t k = 0; k < s->n; k++) {
		free((char *)s->t[k].key);
		free((char *)s->t[k].value);
	}
	free(s->t);
	free(s->order);
	free(s->rid);
}

void model_tags_fini(struct model *m)
{
	for (uint32_t i = m->tagsets.head; i != NIL; i = m->tagsets.next[i])
		set_free(TAGSET(m, i));
	objtab_fini(&m->tagsets);
	mhash_fini(&m->by_tags);
}

size_t model_tags_bytes(const struct model *m)
{
	size_t b = objtab_bytes(&m->tagsets) + mhash_bytes(&m->by_tags);

	for (uint32_t i = m->tagsets.head; i != NIL; i = m->tagsets.next[i])
		b += TAGSET(m, i)->cap * (sizeof(struct model_tag) + sizeof(uint64_t));
	return b;
}

/* ---- resources: which ids can carry tags ---- */

static const struct rtype {
	const char *prefix, *type, *not_found;
	size_t map; /* offsetof the id index in struct model; 0 = none yet */
} rtypes[] = {
    {"vpc-", "vpc", "InvalidVpcID.NotFound", offsetof(struct model, by_vpc)},
    {"subnet-", "subnet", "InvalidSubnetID.NotFound", offsetof(struct model, by_subnet)},
    {"rtb-", "route-table", "InvalidRouteTableID.NotFound", offsetof(struct model, by_rt)},
    {"i-", "instance", "InvalidInstanceID.NotFound", offsetof(struct model, by_inst)},
    {"eni-", "network-interface", "InvalidNetworkInterfaceID.NotFound",
     offsetof(struct model, by_eni)},
    {"eipalloc-", "elastic-ip", "InvalidAllocationID.NotFound", offsetof(struct model, by_alloc)},
    {"sg-", "security-group", "InvalidGroup.NotFound", offsetof(struct model, by_sg)},
};
#define N_RTYPES (sizeof(rtypes) / sizeof(rtypes[0]))

const char *model_resource_type(const struct model *m, const char *id, struct model_err *err)
{
	/* by the indexes first: the configuration may name objects without EC2's prefixes */
	for (size_t k = 0; k < N_RTYPES; k++)
		if (rtypes[k].map &&
		    model_find((const struct mhash *)((const char *)m + rtypes[k].map), id) != NIL)
			return rtypes[k].type;
	for (size_t k = 0; k < N_RTYPES; k++) {
		size_t pl = strlen(rtypes[k].prefix);
		const char *rest = id + pl;
		if (strncmp(id, rtypes[k].prefix, pl) != 0 || !*rest ||
		    strspn(rest, "0123456789abcdef") != strlen(rest))
			continue;
		model_fail(err, rtypes[k].not_found, "The %s ID '%.100s' does not exist",
			   rtypes[k].type, id);
		return NULL;
	}
	model_fail(err, "InvalidID", "The ID '%.100s' is not valid", id);
	return NULL;
}

/* ---- checks ---- */

/* UTF-8 characters in s (the API has checked it is well-formed). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int check_key(const char *key, struct model_err *err)
{
	size_t n = key ? utf8_chars(key) : 0;

	if (n < 1 || n > MODEL_TAG_KEY_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Tag key '%.140s' must be 1 to %d characters long",
				  key ? key : "", MODEL_TAG_KEY_MAX);
	if (strncasecmp(key, "aws:", 4) == 0)
		return model_fail(err, "InvalidParameterValue",
				  "Tag key '%.140s': keys beginning with 'aws:' are reserved", key);
	return 0;
}

int model_tags_check(const struct model *m, const struct model_tag *tags, size_t n_tags,
		     struct model_err *err)
{
	(void)m;
	if (n_tags > MODEL_TAGS_MAX)
		return model_fail(err, "TagLimitExceeded",
				  "%zu tags given: a resource has at most %d tags", n_tags,
				  MODEL_TAGS_MAX);
	for (size_t i = 0; i < n_tags; i++) {
		if (check_key(tags[i].key, err))
			return -1;
		if (tags[i].value && utf8_chars(tags[i].value) > MODEL_TAG_VALUE_MAX)
			return model_fail(err, "InvalidParameterValue",
					  "The value of tag '%.140s' is longer than %d characters",
					  tags[i].key, MODEL_TAG_VALUE_MAX);
		for (size_t k = 0; k < i; k++)
			if (strcmp(tags[k].key, tags[i].key) == 0)
				return model_fail(err, "InvalidParameterValue",
						  "Duplicate tag key '%.140s' in one request",
						  tags[i].key);
	}
	return 0;
}

/* The index of key in set s, or -1. */
static long find_key(const struct tagset *s, const char *key)
{
	for (size_t k = 0; k < s->n; k++)
		if (strcmp(s->t[k].key, key) == 0)
			return (long)k;
	return -1;
}

/* Has an earlier id of the list the same text? (a resource named twice is tagged once) */
static bool seen_before(const char *const *ids, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(ids[k], ids[i]) == 0)
			return true;
	return false;
}

/* Check every id (known resource) and return each one's set index (NIL: none yet). */
static int resolve_ids(const struct model *m, const char *const *ids, size_t n_ids, uint32_t *set,
		       const char **type, struct model_err *err)
{
	if (n_ids == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter ResourceId");
	for (size_t i = 0; i < n_ids; i++) {
		if (!(type[i] = model_resource_type(m, ids[i], err)))
			return -1;
		set[i] = model_find(&m->by_tags, ids[i]);
	}
	return 0;
}

/* ---- create ---- */

/* What one resource of a CreateTags needs, made before anything changes. */
struct prep {
	uint32_t set; /* NIL: a new set */
	bool dup;     /* the same id earlier in the list: tagged once */
	size_t add;   /* keys it does not have yet */
	char **kv;    /* n_tags keys then n_tags values, copies */
	/* a new set: its id and arrays */
	char *rid;
	struct model_tag *t;
	uint64_t *order;
};

static void prep_free(struct prep *p, size_t n, size_t n_tags)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; p[i].kv && k < 2 * n_tags; k++)
			free(p[i].kv[k]);
		free(p[i].kv);
		free(p[i].rid);
		free(p[i].t);
		free(p[i].order);
	}
	free(p);
}

/* Grow a set's arrays to hold n tags (its state unchanged). 0 or -1. */
static int set_grow(struct tagset *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	struct model_tag *t = realloc(s->t, n * sizeof(*t));
	if (!t)
		return -1;
	s->t = t;
	uint64_t *o = realloc(s->order, n * sizeof(*o));
	if (!o)
		return -1;
	s->order = o;
	s->cap = n;
	return 0;
}

/* Copies of the tags, and room in (or for) the resource's set. 0 or -1 (out of memory). */
static int prep_one(struct model *m, const char *id, struct prep *p, const struct model_tag *tags,
		    size_t n_tags)
{
	p->kv = calloc(2 * n_tags, sizeof(char *));
	if (!p->kv)
		return -1;
	for (size_t k = 0; k < n_tags; k++) {
		p->kv[k] = strdup(tags[k].key);
		p->kv[n_tags + k] = strdup(tags[k].value ? tags[k].value : "");
		if (!p->kv[k] || !p->kv[n_tags + k])
			return -1;
	}
	if (p->set != NIL)
		return set_grow(TAGSET(m, p->set), TAGSET(m, p->set)->n + p->add);
	p->rid = strdup(id);
	p->t = malloc(n_tags * sizeof(*p->t));
	p->order = malloc(n_tags * sizeof(*p->order));
	return p->rid && p->t && p->order ? 0 : -1;
}

/* Cannot fail: everything was reserved. */
static void commit_one(struct model *m, const char *type, struct prep *p, size_t n_tags)
{
	struct tagset *s;

	if (p->set == NIL) {
		p->set = objtab_alloc(&m->tagsets);
		s = TAGSET(m, p->set);
		s->rid = p->rid;
		s->type = type;
		s->t = p->t;
		s->order = p->order;
		s->cap = n_tags;
		p->rid = NULL;
		p->t = NULL;
		p->order = NULL;
		mhash_put(&m->by_tags, s->rid, strlen(s->rid), p->set);
	}
	s = TAGSET(m, p->set);
	for (size_t k = 0; k < n_tags; k++) {
		long at = find_key(s, p->kv[k]);
		if (at >= 0) {
			free(p->kv[k]);
			free((char *)s->t[at].value);
			s->t[at].value = p->kv[n_tags + k];
		} else {
			s->t[s->n].key = p->kv[k];
			s->t[s->n].value = p->kv[n_tags + k];
			s->order[s->n++] = ++m->tag_clock;
		}
		p->kv[k] = p->kv[n_tags + k] = NULL;
	}
}

int model_create_tags(struct model *m, const char *const *ids, size_t n_ids,
		      const struct model_tag *tags, size_t n_tags, struct model_err *err)
{
	uint32_t *set = calloc(n_ids ? n_ids : 1, sizeof(*set));
	const char **type = calloc(n_ids ? n_ids : 1, sizeof(*type));
	struct prep *p = calloc(n_ids ? n_ids : 1, sizeof(*p));
	size_t fresh = 0;
	int rc = -1;

	if (!set || !type || !p) {
		model_fail_nomem(err);
		goto out;
	}
	if (n_tags == 0) {
		model_fail(err, "MissingParameter", "The request must contain the parameter Tag");
		goto out;
	}
	if (model_tags_check(m, tags, n_tags, err) || resolve_ids(m, ids, n_ids, set, type, err))
		goto out;
	/* the limit, per resource: the keys it has plus those it does not have yet */
	for (size_t i = 0; i < n_ids; i++) {
		const struct tagset *s = set[i] == NIL ? NULL : TAGSET(m, set[i]);
		p[i].set = set[i];
		p[i].dup = seen_before(ids, i);
		for (size_t k = 0; k < n_tags; k++)
			p[i].add += !s || find_key(s, tags[k].key) < 0;
		if ((s ? s->n : 0) + p[i].add > MODEL_TAGS_MAX) {
			model_fail(err, "TagLimitExceeded",
				   "The maximum number of tags (%d) for resource '%.100s' would be "
				   "exceeded",
				   MODEL_TAGS_MAX, ids[i]);
			goto out;
		}
		fresh += !s && !p[i].dup;
	}
	/* every byte the change needs (and the room prepared tags hold) */
	if (objtab_reserve(&m->tagsets, fresh + m->tags_pending) ||
	    mhash_reserve(&m->by_tags, fresh + m->tags_pending)) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n_ids; i++)
		if (!p[i].dup && prep_one(m, ids[i], &p[i], tags, n_tags)) {
			model_fail_nomem(err);
			goto out;
		}
	for (size_t i = 0; i < n_ids; i++)
		if (!p[i].dup)
			commit_one(m, type[i], &p[i], n_tags);
	rc = 0;
out:
	if (p)
		prep_free(p, n_ids, n_tags);
	free(set);
	free(type);
	return rc;
}

/* ---- tags for a resource about to be created ---- */

struct model_tags_prep {
	struct prep p;
	size_t n_tags;
};

struct model_tags_prep *model_tags_prepare(struct model *m, const struct model_tag *tags,
					   size_t n_tags, struct model_err *err)
{
	struct model_tags_prep *x;

	if (n_tags == 0) {
		model_fail(err, "MissingParameter", "A tag specification has no Tag");
		return NULL;
	}
	if (model_tags_check(m, tags, n_tags, err))
		return NULL;
	x = calloc(1, sizeof(*x));
	if (!x) {
		model_fail_nomem(err);
		return NULL;
	}
	x->p.set = NIL;
	x->p.add = n_tags;
	x->n_tags = n_tags;
	/* the room of every prepared set stays reserved until it is committed or freed */
	char *rid = NULL;
	if (objtab_reserve(&m->tagsets, m->tags_pending + 1) ||
	    mhash_reserve(&m->by_tags, m->tags_pending + 1) ||
	    prep_one(m, "", &x->p, tags, n_tags) || !(rid = realloc(x->p.rid, MODEL_ID_MAX))) {
		prep_free(&x->p, 1, n_tags);
		model_fail_nomem(err);
		return NULL;
	}
	x->p.rid = rid; /* room for any id */
	m->tags_pending++;
	return x;
}

void model_tags_prep_free(struct model *m, struct model_tags_prep *x)
{
	if (!x)
		return;
	m->tags_pending--;
	prep_free(&x->p, 1, x->n_tags);
}

int model_tags_commit(struct model *m, struct model_tags_prep *x, const char *id,
		      struct model_err *err)
{
	const char *type = model_resource_type(m, id, err);

	if (!type)
		goto refused;
	if (model_find(&m->by_tags, id) != NIL) {
		model_fail(err, "InternalError", "The new resource '%.100s' has tags already", id);
		goto refused;
	}
	model_id_copy(x->p.rid, id);
	m->tags_pending--;
	commit_one(m, type, &x->p, x->n_tags);
	prep_free(&x->p, 1, x->n_tags);
	return 0;
refused:
	model_tags_prep_free(m, x);
	return -1;
}

/* ---- delete ---- */

static void set_release(struct model *m, uint32_t si)
{
	struct tagset *s = TAGSET(m, si);

	mhash_del(&m->by_tags, s->rid, strlen(s->rid));
	set_free(s);
	objtab_release(&m->tagsets, si);
}

/* Remove tag k of set s, keeping the order of the others. */
static void set_remove(struct tagset *s, size_t k)
{
	free((char *)s->t[k].key);
	free((char *)s->t[k].value);
	memmove(&s->t[k], &s->t[k + 1], (s->n - k - 1) * sizeof(s->t[0]));
	memmove(&s->order[k], &s->order[k + 1], (s->n - k - 1) * sizeof(s->order[0]));
	s->n--;
}

int model_delete_tags(struct model *m, const char *const *ids, size_t n_ids,
		      const struct model_tag *tags, size_t n_tags, struct model_err *err)
{
	uint32_t *set = calloc(n_ids ? n_ids : 1, sizeof(*set));
	const char **type = calloc(n_ids ? n_ids : 1, sizeof(*type));
	int rc = -1;

	if (!set || !type) {
		model_fail_nomem(err);
		goto out;
	}
	if (resolve_ids(m, ids, n_ids, set, type, err))
		goto out;
	for (size_t k = 0; k < n_tags; k++)
		if (check_key(tags[k].key, err))
			goto out;
	/* nothing can fail from here on (removal allocates nothing) */
	for (size_t i = 0; i < n_ids; i++) {
		uint32_t si =
		    model_find(&m->by_tags, ids[i]); /* an earlier id may have emptied it */
		if (si == NIL)
			continue;
		struct tagset *s = TAGSET(m, si);
		for (size_t k = 0; k < n_tags; k++) {
			long at = find_key(s, tags[k].key);
			if (at >= 0 &&
			    (!tags[k].value || strcmp(tags[k].value, s->t[at].value) == 0))
				set_remove(s, (size_t)at);
		}
		if (n_tags == 0 || s->n == 0)
			set_release(m, si);
	}
	rc = 0;
out:
	free(set);
	free(type);
	return rc;
}

void tags_forget(struct model *m, const char *resource_id)
{
	uint32_t si = model_find(&m->by_tags, resource_id);

	if (si != NIL)
		set_release(m, si);
}

/* ---- reading ---- */

static void tags_view(const struct model *m, uint32_t si, struct model_tags_view *o)
{
	const struct tagset *s = TAGSET(m, si);

	o->resource_id = s->rid;
	o->resource_type = s->type;
	o->n = s->n;
	o->tags = s->t;
	o->order = s->order;
}

int model_get_tags(const struct model *m, const char *resource_id, struct model_tags_view *out)
{
	uint32_t si;

	if (m->by_tags.n == 0 || (si = model_find(&m->by_tags, resource_id)) == NIL)
		return -1;
	if (out)
		tags_view(m, si, out);
	return 0;
}

int model_foreach_tags_from(const struct model *m, const struct model_cursor *after,
			    model_tags_cb cb, void *arg)
{
	const struct objtab *t = &m->tagsets;
	uint32_t i = t->head;
	uint64_t sub = 0; /* inside the first set: tags created after this one */
	int rc;

	if (after) {
		uint32_t at = model_find(&m->by_tags, after->id);
		if (at != NIL && t->order[at] == after->order) {
			i = at;
			sub = after->sub;
		} else {
			/* the set is gone (or made anew): the first set created after it */
			while (i != NIL && t->order[i] <= after->order)
				i = t->next[i];
		}
	}
	for (; i != NIL; i = t->next[i], sub = 0) {
		struct model_tags_view v;
		size_t skip = 0;
		tags_view(m, i, &v);
		while (skip < v.n && v.order[skip] <= sub)
			skip++;
		if (skip == v.n)
			continue;
		v.n -= skip;
		v.tags += skip;
		v.order += skip;
		if ((rc = cb(&v, arg)))
			return rc;
	}
	return 0;
}

void model_tags_dump(const struct model *m, FILE *out)
{
	for (uint32_t i = m->tagsets.head; i != NIL; i = m->tagsets.next[i]) {
		const struct tagset *s = TAGSET(m, i);
		fprintf(out, "tags %s type=%s\n", s->rid, s->type);
		for (size_t k = 0; k < s->n; k++)
			fprintf(out, "  tag %s=%s\n", s->t[k].key, s->t[k].value);
	}
}
