/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_clone.c - model_clone(): a deep copy of a model, slot for slot.
 *
 * The copy has the same objects in the same slots, the same index layouts
 * and the same capacities as the original, so that every later operation
 * takes the same path on both (the fuzz harnesses restore a pristine world
 * this way instead of loading the configuration again per input).
 *
 * Built in steps that each leave the copy valid for model_free: the tables
 * are copied byte for byte, then every owned pointer and count of every live
 * object is cleared, then filled from the original one field at a time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static void *dup_mem(const void *src, size_t bytes)
{
	if (!src)
		return NULL;
	void *p = malloc(bytes ? bytes : 1);
	if (p)
		memcpy(p, src, bytes);
	return p;
}

/* *dst = strdup(src) (NULL stays NULL): 0, or -1 when out of memory. */
static int dup_str(char **dst, const char *src)
{
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

/* a copy of n strings: *dst and *dst_n (the strings copied so far) stay freeable */
static int dup_strv(char ***dst, size_t *dst_n, char *const *src, size_t n)
{
	*dst_n = 0;
	*dst = src ? calloc(n ? n : 1, sizeof(char *)) : NULL;
	if (src && !*dst)
		return -1;
	for (size_t i = 0; src && i < n; i++) {
		if (dup_str(&(*dst)[i], src[i]))
			return -1;
		*dst_n = i + 1;
	}
	return 0;
}

#define ARR(dst, src, n) ((dst) = dup_mem((src), (n) * sizeof(*(src))), (src) && !(dst))

static int clone_vpc(struct vpc *d, const struct vpc *s)
{
	return dup_str(&d->id, s->id) || dup_str(&d->main_assoc, s->main_assoc) ||
	       ARR(d->c4base, s->c4base, s->n4) || ARR(d->c4depth, s->c4depth, s->n4) ||
	       ARR(d->c6, s->c6, s->n6) || dup_strv(&d->c4text, &d->n4, s->c4text, s->n4) ||
	       dup_strv(&d->c6text, &d->n6, s->c6text, s->n6);
}

static int clone_rtable(struct rtable *d, const struct rtable *s)
{
	if (dup_str(&d->id, s->id) || ARR(d->r, s->r, s->cap))
		return -1;
	d->views = s->views ? calloc(s->cap ? s->cap : 1, sizeof(*d->views)) : NULL;
	if (s->views && !d->views)
		return -1;
	d->cap = s->cap;
	for (size_t k = 0; k < s->n; k++) {
		char *dest, *target;
		if (dup_str(&dest, s->views[k].dest_cidr))
			return -1;
		if (dup_str(&target, s->views[k].target)) {
			free(dest);
			return -1;
		}
		d->views[k] = s->views[k];
		d->views[k].dest_cidr = dest;
		d->views[k].target = target;
		d->n = k + 1;
	}
	return 0;
}

static int clone_subnet(struct subnet *d, const struct subnet *s)
{
	return dup_str(&d->id, s->id) || dup_str(&d->az, s->az) || dup_str(&d->assoc, s->assoc) ||
	       dup_str(&d->cidr4text, s->cidr4text) || dup_str(&d->cidr6text, s->cidr6text) ||
	       addrpool_clone(&d->pool, &s->pool);
}

static int clone_eni(struct eni *d, const struct eni *s)
{
	return dup_str(&d->id, s->id) || dup_str(&d->desc, s->desc) ||
	       dup_str(&d->attach_id, s->attach_id) || ARR(d->sec, s->sec, s->capsec) ||
	       ARR(d->v6, s->v6, s->cap6) ||
	       dup_strv(&d->groups, &d->ngroups, s->groups, s->ngroups);
}

/* after the ENIs: the view's id pointers point at the copy's ENIs */
static int clone_instance(const struct model *m, struct instance *d, const struct instance *s)
{
	if (dup_str(&d->id, s->id) || dup_str(&d->az, s->az) || dup_str(&d->image, s->image) ||
	    ARR(d->enis, s->enis, s->n_enis))
		return -1;
	if (s->eni_ids) {
		d->eni_ids = malloc((s->n_enis ? s->n_enis : 1) * sizeof(*d->eni_ids));
		if (!d->eni_ids)
			return -1;
		for (size_t k = 0; k < s->n_enis; k++)
			d->eni_ids[k] = ENI(m, s->enis[k])->id;
	}
	d->n_enis = s->n_enis;
	return 0;
}

/* a tag set: its keys and values owned, its type static text */
static int clone_tagset(struct tagset *d, const struct tagset *s)
{
	if (dup_str(&d->rid, s->rid) || ARR(d->order, s->order, s->cap))
		return -1;
	d->t = s->t ? calloc(s->cap ? s->cap : 1, sizeof(*d->t)) : NULL;
	if (s->t && !d->t)
		return -1;
	d->cap = s->cap;
	for (size_t k = 0; k < s->n; k++) {
		char *key, *value;
		if (dup_str(&key, s->t[k].key))
			return -1;
		if (dup_str(&value, s->t[k].value)) {
			free(key);
			return -1;
		}
		d->t[k].key = key;
		d->t[k].value = value;
		d->n = k + 1;
	}
	return 0;
}

static int clone_eip(struct eip *d, const struct eip *s)
{
	return dup_str(&d->alloc_id, s->alloc_id) || dup_str(&d->assoc_id, s->assoc_id);
}

/* Clear what every live object of dst owns (a byte copy of src's pointers). */
static void clear_owned(struct model *m)
{
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i]) {
		struct vpc *v = VPC(m, i);
		v->id = NULL;
		v->c4base = NULL;
		v->c4depth = NULL;
		v->c4text = v->c6text = NULL;
		v->c6 = NULL;
		v->main_assoc = NULL;
		v->n4 = v->n6 = 0;
	}
	for (uint32_t i = m->rts.head; i != NIL; i = m->rts.next[i]) {
		struct rtable *t = RT(m, i);
		t->id = NULL;
		t->views = NULL;
		t->r = NULL;
		t->n = t->cap = 0;
	}
	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i]) {
		struct subnet *s = SUBNET(m, i);
		s->id = s->az = s->assoc = s->cidr4text = s->cidr6text = NULL;
		s->pool.bits = s->pool.full = NULL;
	}
	for (uint32_t i = m->types.head; i != NIL; i = m->types.next[i])
		TYPE(m, i)->name = NULL;
	for (uint32_t i = m->insts.head; i != NIL; i = m->insts.next[i]) {
		struct instance *in = INST(m, i);
		in->id = in->az = in->image = NULL;
		in->enis = NULL;
		in->eni_ids = NULL;
		in->n_enis = 0;
	}
	for (uint32_t i = m->enis.head; i != NIL; i = m->enis.next[i]) {
		struct eni *e = ENI(m, i);
		e->id = e->desc = e->attach_id = NULL;
		e->sec = NULL;
		e->v6 = NULL;
		e->groups = NULL;
		e->ngroups = 0;
	}
	for (uint32_t i = m->tagsets.head; i != NIL; i = m->tagsets.next[i]) {
		struct tagset *t = TAGSET(m, i);
		t->rid = NULL;
		t->t = NULL;
		t->order = NULL;
		t->n = t->cap = 0;
	}
	for (uint32_t i = m->eips.head; i != NIL; i = m->eips.next[i])
		EIP(m, i)->alloc_id = EIP(m, i)->assoc_id = NULL;
}

static int clone_objects(struct model *d, const struct model *s)
{
	for (uint32_t i = s->vpcs.head; i != NIL; i = s->vpcs.next[i])
		if (clone_vpc(VPC(d, i), VPC(s, i)))
			return -1;
	for (uint32_t i = s->rts.head; i != NIL; i = s->rts.next[i])
		if (clone_rtable(RT(d, i), RT(s, i)))
			return -1;
	for (uint32_t i = s->subnets.head; i != NIL; i = s->subnets.next[i])
		if (clone_subnet(SUBNET(d, i), SUBNET(s, i)))
			return -1;
	for (uint32_t i = s->types.head; i != NIL; i = s->types.next[i])
		if (dup_str(&TYPE(d, i)->name, TYPE(s, i)->name))
			return -1;
	for (uint32_t i = s->enis.head; i != NIL; i = s->enis.next[i])
		if (clone_eni(ENI(d, i), ENI(s, i)))
			return -1;
	for (uint32_t i = s->insts.head; i != NIL; i = s->insts.next[i])
		if (clone_instance(d, INST(d, i), INST(s, i)))
			return -1;
	for (uint32_t i = s->eips.head; i != NIL; i = s->eips.next[i])
		if (clone_eip(EIP(d, i), EIP(s, i)))
			return -1;
	for (uint32_t i = s->tagsets.head; i != NIL; i = s->tagsets.next[i])
		if (clone_tagset(TAGSET(d, i), TAGSET(s, i)))
			return -1;
	if (s->nv6pools) {
		d->v6pools = calloc(s->nv6pools, sizeof(*d->v6pools));
		if (!d->v6pools)
			return -1;
		for (size_t p = 0; p < s->nv6pools; p++) {
			d->v6pools[p] = s->v6pools[p];
			d->v6pools[p].text = NULL;
			d->nv6pools = p + 1;
			if (dup_str(&d->v6pools[p].text, s->v6pools[p].text))
				return -1;
		}
	}
	if (s->dead && ARR(d->dead, s->dead, s->capdead))
		return -1;
	d->ndead = s->ndead;
	d->capdead = s->capdead;
	d->dead0 = s->dead0;
	if (s->npools) {
		d->pools = calloc(s->npools, sizeof(*d->pools));
		if (!d->pools)
			return -1;
		for (size_t p = 0; p < s->npools; p++) {
			if (dup_str(&d->pools[p].text, s->pools[p].text))
				return -1;
			d->npools = p + 1; /* freeable now: a pool without bits frees as none */
			if (addrpool_clone(&d->pools[p].pool, &s->pools[p].pool))
				return -1;
		}
	}
	return 0;
}

struct model *model_clone(const struct model *src)
{
	struct model *d = model_create();
	if (!d)
		return NULL;
	/* model_create's empty tables and built-in types: replaced by src's */
	struct objtab *dt[] = {&d->vpcs,  &d->rts,  &d->subnets, &d->types,
			       &d->insts, &d->enis, &d->eips,	 &d->tagsets};
	const struct objtab *st[] = {&src->vpcs,  &src->rts,  &src->subnets, &src->types,
				     &src->insts, &src->enis, &src->eips,    &src->tagsets};
	struct mhash *dh[] = {&d->by_vpc,   &d->by_rt,	 &d->by_subnet,	 &d->by_type,
			      &d->by_inst,  &d->by_eni,	 &d->by_attach,	 &d->by_alloc,
			      &d->by_assoc, &d->v4own,	 &d->v6own,	 &d->mac,
			      &d->eippub,   &d->eippriv, &d->by_rtassoc, &d->by_tags};
	const struct mhash *sh[] = {&src->by_vpc,   &src->by_rt,   &src->by_subnet,  &src->by_type,
				    &src->by_inst,  &src->by_eni,  &src->by_attach,  &src->by_alloc,
				    &src->by_assoc, &src->v4own,   &src->v6own,	     &src->mac,
				    &src->eippub,   &src->eippriv, &src->by_rtassoc, &src->by_tags};
	for (uint32_t i = d->types.head; i != NIL; i = d->types.next[i])
		free(TYPE(d, i)->name);
	for (size_t t = 0; t < sizeof(dt) / sizeof(dt[0]); t++)
		objtab_fini(dt[t]);
	for (size_t h = 0; h < sizeof(dh) / sizeof(dh[0]); h++)
		mhash_fini(dh[h]);
	/* from here on d is valid for model_free at every step */
	int rc = 0;
	for (size_t t = 0; t < sizeof(dt) / sizeof(dt[0]); t++)
		if (!rc)
			rc = objtab_clone(dt[t], st[t]);
	clear_owned(d); /* the tables copied so far hold src's pointers: not d's to free */
	for (size_t h = 0; h < sizeof(dh) / sizeof(dh[0]); h++)
		if (!rc)
			rc = mhash_clone(dh[h], sh[h], sh[h]->ctx ? d : NULL);
	/* every other field of struct model (a new one must be copied here too) */
	d->nv4 = src->nv4;
	d->nv6 = src->nv6;
	d->nassoc = src->nassoc;
	d->cap_v4 = src->cap_v4;
	d->cap_v6 = src->cap_v6;
	d->cap_eips = src->cap_eips;
	d->seq = src->seq;
	d->last_alloc = src->last_alloc;
	d->tag_clock = src->tag_clock;
	d->tags_pending = src->tags_pending;
	memcpy(d->place, src->place, sizeof(d->place));
	d->nplace = src->nplace;
	d->place_max = src->place_max;
	memcpy(d->port_load, src->port_load, sizeof(d->port_load));
	d->clock = src->clock;
	d->retention = src->retention;
	if (rc || clone_objects(d, src) || model_sg_clone(d, src)) {
		model_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}
