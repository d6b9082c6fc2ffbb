/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_compile.c - the model's security groups -> sg_acl policies (see
 * sg_compile.h).
 *
 * Three passes over the model, all read-only, none of them reading an
 * address: the groups (their views and a slot -> index map), the ENIs
 * (their sorted group sets, sorted and numbered into policies, and the slot
 * map), then the rules of every policy: counted first, so that the CIDR
 * rules go into one array and the group rules into another, then written,
 * then the CIDR rules built into the ACL.
 */
#include "sg_compile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_memory.h>

#define GROUPS_LIMIT 65536u		    /* sg_rule.group is 16 bits */
#define RULES_LIMIT (UINT32_MAX / 16u - 1u) /* sg_acl counts and sizes rules in 32 bits */
#define PEER_RULES_LIMIT (UINT32_MAX - 1u)  /* sg_peer_span is 32 bits */

/* One ENI: its group set (sorted indexes) and its slot. */
struct eni_key {
	uint16_t g[SG_GROUPS_MAX];
	uint32_t n;
	uint32_t slot;
};

struct ctx {
	const struct model *m;
	int err; /* first error of a callback, a positive errno */
	/* groups */
	uint32_t n_groups, cap_groups;
	struct model_sg_view *groups; /* valid while the model is not changed: during sg_compile */
	uint32_t n_gslots;
	uint32_t *gslot_idx; /* group slot -> index, UINT32_MAX none */
	/* ENIs */
	size_t n_enis, cap_enis;
	struct eni_key *enis;
	uint32_t max_slot;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ---- pass 1: the groups ---- */

static int take_group(const struct model_sg_view *v, void *arg)
{
	struct ctx *x = arg;
	size_t cap = x->cap_groups;

	if (x->n_groups >= GROUPS_LIMIT) {
		x->err = E2BIG;
		return 1;
	}
	if (grow((void **)&x->groups, &cap, (size_t)x->n_groups + 1, sizeof(*x->groups)) < 0) {
		x->err = ENOMEM;
		return 1;
	}
	x->cap_groups = (uint32_t)cap;
	x->groups[x->n_groups++] = *v;
	if (v->slot >= x->n_gslots)
		x->n_gslots = v->slot + 1;
	return 0;
}

/* The index of a group by id, or -1. */
static int group_index(const struct ctx *x, const char *id)
{
	struct model_sg_view v;

	if (model_get_sg(x->m, id, &v) < 0 || v.slot >= x->n_gslots ||
	    x->gslot_idx[v.slot] == UINT32_MAX)
		return -1;
	return (int)x->gslot_idx[v.slot];
}

/* ---- pass 2: the ENIs' group sets ---- */

static int take_eni(const struct model_eni_view *v, void *arg)
{
	struct ctx *x = arg;
	struct eni_key k = {.slot = v->slot};

	if (v->n_groups > SG_GROUPS_MAX) {
		x->err = EINVAL;
		return 1;
	}
	for (size_t i = 0; i < v->n_groups; i++) {
		int gi = group_index(x, v->groups[i]);
		uint32_t j;

		if (gi < 0) {
			x->err = EINVAL;
			return 1;
		}
		/* insertion into the sorted set; a repeated group counts once */
		for (j = 0; j < k.n && k.g[j] < gi; j++)
			;
		if (j < k.n && k.g[j] == gi)
			continue;
		memmove(&k.g[j + 1], &k.g[j], (k.n - j) * sizeof(k.g[0]));
		k.g[j] = (uint16_t)gi;
		k.n++;
	}
	if (grow((void **)&x->enis, &x->cap_enis, x->n_enis + 1, sizeof(*x->enis)) < 0) {
		x->err = ENOMEM;
		return 1;
	}
	x->enis[x->n_enis++] = k;
	if (v->slot > x->max_slot)
		x->max_slot = v->slot;
	return 0;
}

static int key_cmp(const struct eni_key *a, const struct eni_key *b)
{
	for (uint32_t i = 0; i < a->n && i < b->n; i++)
		if (a->g[i] != b->g[i])
			return a->g[i] < b->g[i] ? -1 : 1;
	return a->n < b->n ? -1 : a->n > b->n;
}

static int eni_cmp(const void *pa, const void *pb)
{
	const struct eni_key *a = pa, *b = pb;
	int c = key_cmp(a, b);

	return c != 0 ? c : a->slot < b->slot ? -1 : a->slot > b->slot;
}

/* ---- pass 3: the rules ---- */

/* "a.b.c.d/len" or "x::/len" into r's family, prefix and address: 0 or -1. */
static int parse_cidr(const char *s, enum sg_family fam, struct sg_rule *r)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned max = fam == SG_V4 ? 32 : 128;
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t alen;

	if (slash == NULL)
		return -1;
	alen = (size_t)(slash - s);
	if (alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || end == slash + 1 || *end != '\0' || len > max)
		return -1;
	memset(r->addr, 0, sizeof(r->addr));
	if (inet_pton(fam == SG_V4 ? AF_INET : AF_INET6, buf, r->addr) != 1)
		return -1;
	r->family = (uint8_t)fam;
	r->prefix_len = (uint8_t)len;
	return 0;
}

/* The protocol and l4 part of a model rule; the peer is filled by the caller. */
static struct sg_rule rule_base(const struct model_sg_rule_view *v, uint16_t group, uint16_t rule)
{
	struct sg_rule r = {.proto = (int16_t)v->protocol,
			    .icmp_type = SG_ANY,
			    .icmp_code = SG_ANY,
			    .group = group,
			    .rule = rule};

	switch (v->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		r.port_lo = v->from_port < 0 ? 0 : (uint16_t)v->from_port;
		r.port_hi = v->to_port < 0 ? 0xffff : (uint16_t)v->to_port;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		r.icmp_type = (int16_t)(v->from_port < 0 ? SG_ANY : v->from_port);
		r.icmp_code = (int16_t)(v->from_port < 0 || v->to_port < 0 ? SG_ANY : v->to_port);
		break;
	default: /* all protocols, or one without ports: the ports are absent */
		break;
	}
	return r;
}

/*
 * A group rule from r (its protocol and l4 part, as rule_base made it): the
 * l4 range as sg_acl's rule_l4_range() computes it over sg_l4_value(). 0,
 * or -1 for what sg_acl's rule_ok() would refuse.
 */
static int peer_rule(const struct sg_rule *r, uint16_t peer, struct sg_peer_rule *out)
{
	uint32_t lo = 0, hi = 0xffff;

	if (r->proto < SG_ANY || r->proto > 255)
		return -1;
	switch (r->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (r->port_lo > r->port_hi)
			return -1;
		lo = r->port_lo;
		hi = r->port_hi;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (r->icmp_type < SG_ANY || r->icmp_type > 255 || r->icmp_code < SG_ANY ||
		    r->icmp_code > 255 || (r->icmp_type == SG_ANY && r->icmp_code != SG_ANY))
			return -1;
		if (r->icmp_type == SG_ANY)
			break; /* any type: 0..0xffff */
		if (r->icmp_code == SG_ANY) {
			lo = (uint32_t)r->icmp_type << 8;
			hi = lo | 0xff;
		} else {
			lo = hi = (uint32_t)r->icmp_type << 8 | (uint32_t)r->icmp_code;
		}
		break;
	default: /* all protocols, or one without ports: any l4 value */
		break;
	}
	*out = (struct sg_peer_rule){.proto = r->proto,
				     .l4_lo = (uint16_t)lo,
				     .l4_hi = (uint16_t)hi,
				     .peer = peer,
				     .group = r->group,
				     .rule = r->rule};
	return 0;
}

/* One direction of one policy's rules: written only when write is set, counted either way. */
struct rules_out {
	struct sg_rule *acl;	   /* CIDR peers */
	struct sg_peer_rule *peer; /* group peers */
	uint64_t n_acl, n_peer;	   /* written (or counted) so far */
};

/* One model rule: a CIDR peer into o->acl, a group peer into o->peer. 0, or a positive errno. */
static int convert(const struct ctx *x, const struct model_sg_rule_view *v, uint16_t group,
		   uint16_t rule, struct rules_out *o, bool write)
{
	struct sg_rule r = rule_base(v, group, rule);
	int pi;

	if (v->cidr4 != NULL || v->cidr6 != NULL) {
		if (write) {
			if (parse_cidr(v->cidr4 != NULL ? v->cidr4 : v->cidr6,
				       v->cidr4 != NULL ? SG_V4 : SG_V6, &r) < 0)
				return EINVAL;
			o->acl[o->n_acl] = r;
		}
		o->n_acl++;
		return 0;
	}
	if (v->peer_group_id == NULL || (pi = group_index(x, v->peer_group_id)) < 0)
		return EINVAL;
	if (write && peer_rule(&r, (uint16_t)pi, &o->peer[o->n_peer]) < 0)
		return EINVAL;
	o->n_peer++;
	return 0;
}

/* The rules of a group set in one direction, appended to o. */
static int policy_rules(const struct ctx *x, const struct sg_compiled_policy *p, enum sg_dir dir,
			struct rules_out *o, bool write)
{
	for (uint32_t i = 0; i < p->n_groups; i++) {
		const struct model_sg_view *g = &x->groups[p->groups[i]];

		for (size_t k = 0; k < g->n_rules; k++) {
			int rc;

			if (g->rules[k].egress != (dir == SG_OUT))
				continue;
			rc = convert(x, &g->rules[k], p->groups[i], (uint16_t)k, o, write);
			if (rc != 0)
				return rc;
			if (o->n_acl > RULES_LIMIT || o->n_peer > PEER_RULES_LIMIT)
				return E2BIG;
		}
	}
	return 0;
}

/* ---- the whole ---- */

void sg_compiled_free(struct sg_compiled *c)
{
	if (c == NULL)
		return;
	sg_acl_free(c->acl);
	/* t's arrays are this object's: const for the readers only */
	free((void *)c->t.slots);
	free((void *)c->t.peers);
	free((void *)c->t.peer_rules);
	free(c->policies);
	free(c->group_ids);
	free(c);
}

static void ctx_fini(struct ctx *x)
{
	free(x->gslot_idx);
	free(x->groups);
	free(x->enis);
}

/* Passes 1 and 2: x filled, c's group table, policies and slots. 0 or a positive errno. */
static int collect(struct ctx *x, struct sg_compiled *c)
{
	struct sg_slot *slots;

	if (model_foreach_sg(x->m, take_group, x) != 0)
		return x->err ? x->err : EINVAL;
	x->gslot_idx = malloc(((size_t)x->n_gslots + 1) * sizeof(*x->gslot_idx));
	c->group_ids = calloc((size_t)x->n_groups + 1, sizeof(*c->group_ids));
	if (x->gslot_idx == NULL || c->group_ids == NULL)
		return ENOMEM;
	memset(x->gslot_idx, 0xff, ((size_t)x->n_gslots + 1) * sizeof(*x->gslot_idx));
	c->n_groups = x->n_groups;
	for (uint32_t i = 0; i < x->n_groups; i++) {
		x->gslot_idx[x->groups[i].slot] = i;
		snprintf(c->group_ids[i], MODEL_ID_MAX, "%s", x->groups[i].id);
	}

	if (model_foreach_eni(x->m, take_eni, x) != 0)
		return x->err ? x->err : EINVAL;
	if (x->n_enis) /* qsort(NULL, 0, ...) is undefined: a model without ENIs has no array */
		qsort(x->enis, x->n_enis, sizeof(*x->enis), eni_cmp);
	for (size_t i = 0; i < x->n_enis; i++)
		if (i == 0 || key_cmp(&x->enis[i - 1], &x->enis[i]) != 0)
			c->n_policies++;
	if (c->n_policies > SG_POLICY_MAX)
		return E2BIG;
	c->t.n_policies = c->n_policies;
	c->t.n_slots = x->n_enis > 0 ? x->max_slot + 1 : 0;
	c->policies = calloc((size_t)c->n_policies + 1, sizeof(*c->policies));
	/* zeroed: a slot without an ENI has SG_NO_POLICY and no groups */
	slots = calloc((size_t)c->t.n_slots + 1, sizeof(*slots));
	c->t.slots = slots;
	if (c->policies == NULL || slots == NULL)
		return ENOMEM;
	for (size_t i = 0, p = 0; i < x->n_enis; i++) {
		const struct eni_key *k = &x->enis[i];
		struct sg_compiled_policy *pol;
		struct sg_slot *s = &slots[k->slot];

		if (i > 0 && key_cmp(&x->enis[i - 1], k) != 0)
			p++;
		pol = &c->policies[p];
		if (pol->n_enis++ == 0) {
			pol->id = (uint32_t)p + 1;
			pol->n_groups = k->n;
			memcpy(pol->groups, k->g, sizeof(pol->groups));
		}
		s->policy[SG_IN] = s->policy[SG_OUT] = (uint16_t)pol->id;
		s->n_groups = (uint16_t)k->n;
		memcpy(s->groups, k->g, sizeof(s->groups));
	}
	return 0;
}

/*
 * Pass 3: every policy's CIDR rules in one array, built into the ACL, and
 * its group rules in t.peer_rules. 0 or a positive errno.
 */
static int build(struct ctx *x, struct sg_compiled *c)
{
	unsigned n_pol = 2 * c->n_policies;
	struct sg_policy *pol = calloc((size_t)n_pol + 1, sizeof(*pol));
	struct sg_peer_span(*spans)[2] = calloc((size_t)c->n_policies + 1, sizeof(*spans));
	struct rules_out all = {0};
	struct sg_peer_rule *peer = NULL;
	int rc = 0;

	c->t.peers = spans;
	if (pol == NULL || spans == NULL) {
		free(pol);
		return ENOMEM;
	}
	for (uint32_t i = 0; i < c->n_policies && rc == 0; i++)
		for (int d = SG_IN; d <= SG_OUT && rc == 0; d++) {
			struct rules_out o = {0};

			rc = policy_rules(x, &c->policies[i], (enum sg_dir)d, &o, false);
			c->policies[i].n_rules[d] = (uint32_t)o.n_acl;
			c->policies[i].n_peer_rules[d] = (uint32_t)o.n_peer;
			all.n_acl += o.n_acl;
			all.n_peer += o.n_peer;
			if (all.n_acl > RULES_LIMIT || all.n_peer > PEER_RULES_LIMIT)
				rc = E2BIG;
		}
	if (rc == 0) {
		all.acl = malloc(((size_t)all.n_acl + 1) * sizeof(*all.acl));
		peer = calloc((size_t)all.n_peer + 1, sizeof(*peer));
		all.peer = peer;
		c->t.peer_rules = peer;
		if (all.acl == NULL || peer == NULL)
			rc = ENOMEM;
	}
	c->n_rules = all.n_acl;
	c->n_peer_rules = all.n_peer;
	for (uint32_t i = 0, at = 0, pat = 0; i < c->n_policies && rc == 0; i++)
		for (int d = SG_IN; d <= SG_OUT && rc == 0; d++) {
			struct rules_out o = {.acl = all.acl + at, .peer = peer + pat};

			rc = policy_rules(x, &c->policies[i], (enum sg_dir)d, &o, true);
			pol[2 * i + (uint32_t)d] = (struct sg_policy){.id = c->policies[i].id,
								      .dir = (enum sg_dir)d,
								      .n_rules = (uint32_t)o.n_acl,
								      .rules = o.acl};
			spans[c->policies[i].id][d] =
			    (struct sg_peer_span){.off = pat, .n = (uint32_t)o.n_peer};
			at += (uint32_t)o.n_acl;
			pat += (uint32_t)o.n_peer;
		}
	if (rc == 0) {
		errno = 0;
		c->acl = sg_acl_build(pol, n_pol, SOCKET_ID_ANY);
		if (c->acl == NULL)
			rc = errno != 0 ? errno : ENOMEM;
		c->t.acl = c->acl;
	}
	free(all.acl);
	free(pol);
	return rc;
}

int sg_compile(const struct model *m, struct sg_compiled **out)
{
	struct ctx x = {.m = m};
	struct sg_compiled *c;
	int rc;

	if (m == NULL || out == NULL) {
		errno = EINVAL;
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return -ENOMEM;
	}
	rc = collect(&x, c);
	if (rc == 0)
		rc = build(&x, c);
	ctx_fini(&x);
	if (rc != 0) {
		sg_compiled_free(c);
		errno = rc;
		return -rc;
	}
	*out = c;
	return 0;
}
