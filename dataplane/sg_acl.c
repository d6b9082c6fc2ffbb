/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_acl.c - security-group policies compiled into rte_acl contexts (one per
 * family and direction, the policy id a field), and the linear-scan
 * baseline over the same rules. See sg_acl.h.
 */
#include "sg_acl.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_acl.h>
#include <rte_errno.h>
#include <rte_malloc.h>

/* ---- field layout: sg_acl.h explains it ---- */
enum { F4_PROTO, F4_POLICY, F4_L4, F4_PEER, F4_NUM };
enum { F6_PROTO, F6_POLICY, F6_L4, F6_PEER0, F6_PEER1, F6_PEER2, F6_PEER3, F6_NUM };

RTE_ACL_RULE_DEF(sg_rule4, F4_NUM);
RTE_ACL_RULE_DEF(sg_rule6, F6_NUM);

static const struct rte_acl_field_def defs4[F4_NUM] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 1,
     .field_index = F4_PROTO,
     .input_index = 0,
     .offset = offsetof(struct sg_acl_in4, proto)},
    /* policy and l4: two 16-bit fields of one input word */
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F4_POLICY,
     .input_index = 1,
     .offset = offsetof(struct sg_acl_in4, policy)},
    {.type = RTE_ACL_FIELD_TYPE_RANGE,
     .size = 2,
     .field_index = F4_L4,
     .input_index = 1,
     .offset = offsetof(struct sg_acl_in4, l4)},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F4_PEER,
     .input_index = 2,
     .offset = offsetof(struct sg_acl_in4, peer)},
};

static const struct rte_acl_field_def defs6[F6_NUM] = {
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 1,
     .field_index = F6_PROTO,
     .input_index = 0,
     .offset = offsetof(struct sg_acl_in6, proto)},
    {.type = RTE_ACL_FIELD_TYPE_BITMASK,
     .size = 2,
     .field_index = F6_POLICY,
     .input_index = 1,
     .offset = offsetof(struct sg_acl_in6, policy)},
    {.type = RTE_ACL_FIELD_TYPE_RANGE,
     .size = 2,
     .field_index = F6_L4,
     .input_index = 1,
     .offset = offsetof(struct sg_acl_in6, l4)},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F6_PEER0,
     .input_index = 2,
     .offset = offsetof(struct sg_acl_in6, peer)},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F6_PEER1,
     .input_index = 3,
     .offset = offsetof(struct sg_acl_in6, peer) + 4},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F6_PEER2,
     .input_index = 4,
     .offset = offsetof(struct sg_acl_in6, peer) + 8},
    {.type = RTE_ACL_FIELD_TYPE_MASK,
     .size = 4,
     .field_index = F6_PEER3,
     .input_index = 5,
     .offset = offsetof(struct sg_acl_in6, peer) + 12},
};

struct sg_acl {
	struct rte_acl_ctx *ctx[2][2]; /* [family][dir]; NULL: no rule, everything denied */
	uint32_t n_match;
	struct sg_match *match; /* result r names match[r - 1] */
};

/* ---- rules: checked, and turned into the l4 range both classifiers use ---- */

static int rule_ok(const struct sg_rule *r)
{
	unsigned max_len = r->family == SG_V4 ? 32 : 128;

	if (r->family != SG_V4 && r->family != SG_V6)
		return 0;
	if (r->prefix_len > max_len)
		return 0;
	if (r->proto < SG_ANY || r->proto > 255)
		return 0;
	if ((r->proto == 6 || r->proto == 17) && r->port_lo > r->port_hi)
		return 0;
	if (r->proto == 1 || r->proto == 58) {
		if (r->icmp_type < SG_ANY || r->icmp_type > 255 || r->icmp_code < SG_ANY ||
		    r->icmp_code > 255)
			return 0;
		if (r->icmp_type == SG_ANY && r->icmp_code != SG_ANY)
			return 0; /* a code needs its type */
	}
	return 1;
}

static void rule_l4_range(const struct sg_rule *r, uint32_t *lo, uint32_t *hi)
{
	switch (r->proto) {
	case 6:
	case 17:
		*lo = r->port_lo;
		*hi = r->port_hi;
		return;
	case 1:
	case 58:
		if (r->icmp_type == SG_ANY) {
			*lo = 0;
			*hi = 0xffff;
		} else if (r->icmp_code == SG_ANY) {
			*lo = (uint32_t)r->icmp_type << 8;
			*hi = *lo | 0xff;
		} else {
			*lo = *hi = (uint32_t)r->icmp_type << 8 | (uint32_t)r->icmp_code;
		}
		return;
	default: /* all protocols, or one without ports: any l4 value */
		*lo = 0;
		*hi = 0xffff;
		return;
	}
}

/* Prefix length of 32-bit word w (0-3) of an IPv6 prefix of len bits. */
static uint32_t word_len(unsigned len, unsigned w)
{
	int l = (int)len - 32 * (int)w;

	return l <= 0 ? 0 : l >= 32 ? 32 : (uint32_t)l;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t mask32(uint32_t len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static int policies_ok(const struct sg_policy *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (p[i].dir != SG_IN && p[i].dir != SG_OUT)
			return 0;
		if (p[i].id > SG_POLICY_MAX)
			return 0;
		if (p[i].n_rules > 0 && p[i].rules == NULL)
			return 0;
		for (unsigned j = 0; j < i; j++)
			if (p[j].id == p[i].id && p[j].dir == p[i].dir)
				return 0;
		for (uint32_t k = 0; k < p[i].n_rules; k++)
			if (!rule_ok(&p[i].rules[k]))
				return 0;
	}
	return 1;
}

/* ---- rte_acl ---- */

/* rte_acl_create() returns an existing context of the same name: every
 * context gets a name of its own, or a rebuild would reuse the old one. */
static atomic_uint acl_serial;

static struct rte_acl_ctx *ctx_build(const struct sg_policy *p, unsigned n, enum sg_family fam,
				     enum sg_dir dir, int socket_id, struct sg_match *match,
				     uint32_t *n_match, int *err)
{
	unsigned nf = fam == SG_V4 ? F4_NUM : F6_NUM;
	uint32_t count = 0;
	struct rte_acl_param prm;
	struct rte_acl_config cfg;
	struct rte_acl_ctx *ctx;
	char name[RTE_ACL_NAMESIZE];
	int rc;

	for (unsigned i = 0; i < n; i++)
		if (p[i].dir == dir)
			for (uint32_t k = 0; k < p[i].n_rules; k++)
				count += p[i].rules[k].family == fam;
	if (count == 0)
		return NULL; /* no context: sg_acl_classify* deny all */

	snprintf(name, sizeof(name), "sg%u-%u%u", atomic_fetch_add(&acl_serial, 1), (unsigned)fam,
		 (unsigned)dir);
	prm = (struct rte_acl_param){.name = name,
				     .socket_id = socket_id,
				     .rule_size = (uint32_t)RTE_ACL_RULE_SZ(nf),
				     .max_rule_num = count};
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		*err = rte_errno != 0 ? rte_errno : ENOMEM;
		return NULL;
	}

	for (unsigned i = 0; i < n; i++) {
		if (p[i].dir != dir)
			continue;
		for (uint32_t k = 0; k < p[i].n_rules; k++) {
			const struct sg_rule *r = &p[i].rules[k];
			struct sg_rule6 ar; /* the larger; an IPv4 rule uses its first fields */
			struct rte_acl_field *f = ar.field;
			uint32_t lo, hi;

			if (r->family != fam)
				continue;
			memset(&ar, 0, sizeof(ar));
			match[*n_match] = (struct sg_match){
			    .policy = p[i].id, .group = r->group, .rule = r->rule};
			ar.data.userdata = ++*n_match; /* 0 is "no match" */
			ar.data.category_mask = 1;
			/* one policy's rules all allow: the first one listed is reported */
			ar.data.priority = (int32_t)(RTE_ACL_MAX_PRIORITY - k);
			f[0].value.u8 = r->proto == SG_ANY ? 0 : (uint8_t)r->proto;
			f[0].mask_range.u8 = r->proto == SG_ANY ? 0 : 0xff;
			/* F4_POLICY == F6_POLICY, F4_L4 == F6_L4 */
			f[F4_POLICY].value.u16 = (uint16_t)p[i].id;
			f[F4_POLICY].mask_range.u16 = 0xffff;
			rule_l4_range(r, &lo, &hi);
			f[F4_L4].value.u16 = (uint16_t)lo;
			f[F4_L4].mask_range.u16 = (uint16_t)hi;
			if (fam == SG_V4) {
				f[F4_PEER].value.u32 = be32_at(r->addr) & mask32(r->prefix_len);
				f[F4_PEER].mask_range.u32 = r->prefix_len;
			} else {
				for (unsigned w = 0; w < 4; w++) {
					uint32_t wl = word_len(r->prefix_len, w);

					f[F6_PEER0 + w].value.u32 =
					    be32_at(r->addr + 4 * w) & mask32(wl);
					f[F6_PEER0 + w].mask_range.u32 = wl;
				}
			}
			rc = rte_acl_add_rules(ctx, (const struct rte_acl_rule *)(const void *)&ar,
					       1);
			if (rc != 0) {
				*err = -rc;
				rte_acl_free(ctx);
				return NULL;
			}
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = 1;
	cfg.num_fields = nf;
	memcpy(cfg.defs, fam == SG_V4 ? defs4 : defs6, nf * sizeof(cfg.defs[0]));
	rc = rte_acl_build(ctx, &cfg);
	if (rc != 0) {
		*err = -rc;
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

struct sg_acl *sg_acl_build(const struct sg_policy *p, unsigned n, int socket_id)
{
	struct sg_acl *a;
	uint32_t total = 0;
	int err = 0;

	if ((n > 0 && p == NULL) || !policies_ok(p, n)) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		total += p[i].n_rules;
	a = rte_zmalloc_socket("sg_acl", sizeof(*a), 0, socket_id);
	if (a == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	a->match =
	    rte_zmalloc_socket("sg_acl_match", sizeof(*a->match) * (total + 1), 0, socket_id);
	if (a->match == NULL) {
		rte_free(a);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned fam = 0; fam < 2 && err == 0; fam++)
		for (unsigned dir = 0; dir < 2 && err == 0; dir++)
			a->ctx[fam][dir] = ctx_build(p, n, (enum sg_family)fam, (enum sg_dir)dir,
						     socket_id, a->match, &a->n_match, &err);
	if (err != 0) {
		sg_acl_free(a);
		errno = err;
		return NULL;
	}
	return a;
}

void sg_acl_free(struct sg_acl *a)
{
	if (a == NULL)
		return;
	for (unsigned fam = 0; fam < 2; fam++)
		for (unsigned dir = 0; dir < 2; dir++)
			rte_acl_free(a->ctx[fam][dir]);
	rte_free(a->match);
	rte_free(a);
}

static void classify(const struct rte_acl_ctx *ctx, const void *const in[], uint32_t res[],
		     unsigned n)
{
	if (ctx == NULL) {
		memset(res, 0, n * sizeof(res[0]));
		return;
	}
	/* rte_acl_classify takes a non-const context but only reads it once built */
	rte_acl_classify((struct rte_acl_ctx *)(uintptr_t)ctx, (const uint8_t **)(uintptr_t)in, res,
			 n, 1);
}

void sg_acl_classify4(const struct sg_acl *a, enum sg_dir dir, const struct sg_acl_in4 *const in[],
		      uint32_t res[], unsigned n)
{
	classify(a->ctx[SG_V4][dir], (const void *const *)in, res, n);
}

void sg_acl_classify6(const struct sg_acl *a, enum sg_dir dir, const struct sg_acl_in6 *const in[],
		      uint32_t res[], unsigned n)
{
	classify(a->ctx[SG_V6][dir], (const void *const *)in, res, n);
}

const struct sg_match *sg_acl_match(const struct sg_acl *a, uint32_t res)
{
	return res == 0 || res > a->n_match ? NULL : &a->match[res - 1];
}

uint32_t sg_acl_rules(const struct sg_acl *a)
{
	return a->n_match;
}

/* ---- the linear baseline ---- */

struct lin_rule4 {
	int16_t proto;
	uint32_t lo, hi;
	uint32_t addr, mask; /* host order */
};

struct lin_rule6 {
	int16_t proto;
	uint32_t lo, hi;
	uint64_t addr[2], mask[2]; /* host order, high word first */
};

struct lin_policy {
	uint32_t n4, n6;
	struct lin_rule4 *r4;
	struct lin_rule6 *r6;
};

struct sg_lin {
	uint32_t n_ids;		   /* ids 0..n_ids-1 index pol[dir] */
	struct lin_policy *pol[2]; /* [dir][id]; an id without a policy has no rules */
};

static uint64_t be64_at(const uint8_t *p)
{
	return (uint64_t)be32_at(p) << 32 | be32_at(p + 4);
}

static uint64_t mask64(unsigned len)
{
	return len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
}

struct sg_lin *sg_lin_build(const struct sg_policy *p, unsigned n)
{
	struct sg_lin *l;
	uint32_t max_id = 0;

	if ((n > 0 && p == NULL) || !policies_ok(p, n)) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		max_id = p[i].id > max_id ? p[i].id : max_id;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->n_ids = n > 0 ? max_id + 1 : 0;
	for (unsigned d = 0; d < 2; d++) {
		l->pol[d] = calloc(l->n_ids + 1, sizeof(*l->pol[d]));
		if (l->pol[d] == NULL)
			goto nomem;
	}
	for (unsigned i = 0; i < n; i++) {
		struct lin_policy *lp = &l->pol[p[i].dir][p[i].id];

		lp->r4 = calloc(p[i].n_rules + 1, sizeof(*lp->r4));
		lp->r6 = calloc(p[i].n_rules + 1, sizeof(*lp->r6));
		if (lp->r4 == NULL || lp->r6 == NULL)
			goto nomem;
		for (uint32_t k = 0; k < p[i].n_rules; k++) {
			const struct sg_rule *r = &p[i].rules[k];
			uint32_t lo, hi;

			rule_l4_range(r, &lo, &hi);
			if (r->family == SG_V4) {
				struct lin_rule4 *x = &lp->r4[lp->n4++];

				x->proto = r->proto;
				x->lo = lo;
				x->hi = hi;
				x->mask = mask32(r->prefix_len);
				x->addr = be32_at(r->addr) & x->mask;
			} else {
				struct lin_rule6 *x = &lp->r6[lp->n6++];
				unsigned len = r->prefix_len;

				x->proto = r->proto;
				x->lo = lo;
				x->hi = hi;
				x->mask[0] = mask64(len);
				x->mask[1] = mask64(len > 64 ? len - 64 : 0);
				x->addr[0] = be64_at(r->addr) & x->mask[0];
				x->addr[1] = be64_at(r->addr + 8) & x->mask[1];
			}
		}
	}
	return l;
nomem:
	sg_lin_free(l);
	errno = ENOMEM;
	return NULL;
}

void sg_lin_free(struct sg_lin *l)
{
	if (l == NULL)
		return;
	for (unsigned d = 0; d < 2; d++) {
		if (l->pol[d] == NULL)
			continue;
		for (uint32_t i = 0; i < l->n_ids; i++) {
			free(l->pol[d][i].r4);
			free(l->pol[d][i].r6);
		}
		free(l->pol[d]);
	}
	free(l);
}

static const struct lin_policy *lin_policy(const struct sg_lin *l, enum sg_dir dir, uint32_t id)
{
	return id < l->n_ids ? &l->pol[dir][id] : NULL;
}

void sg_lin_classify4(const struct sg_lin *l, enum sg_dir dir, const struct sg_acl_in4 *const in[],
		      uint32_t res[], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct lin_policy *lp = lin_policy(l, dir, rte_be_to_cpu_16(in[i]->policy));
		uint32_t peer = rte_be_to_cpu_32(in[i]->peer);
		uint32_t l4 = rte_be_to_cpu_16(in[i]->l4);
		int16_t proto = in[i]->proto;

		res[i] = 0;
		if (lp == NULL)
			continue;
		for (uint32_t k = 0; k < lp->n4; k++) {
			const struct lin_rule4 *r = &lp->r4[k];

			if ((r->proto == SG_ANY || r->proto == proto) && l4 >= r->lo &&
			    l4 <= r->hi && (peer & r->mask) == r->addr) {
				res[i] = k + 1;
				break;
			}
		}
	}
}

void sg_lin_classify6(const struct sg_lin *l, enum sg_dir dir, const struct sg_acl_in6 *const in[],
		      uint32_t res[], unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct lin_policy *lp = lin_policy(l, dir, rte_be_to_cpu_16(in[i]->policy));
		uint64_t hi64 = be64_at(in[i]->peer), lo64 = be64_at(in[i]->peer + 8);
		uint32_t l4 = rte_be_to_cpu_16(in[i]->l4);
		int16_t proto = in[i]->proto;

		res[i] = 0;
		if (lp == NULL)
			continue;
		for (uint32_t k = 0; k < lp->n6; k++) {
			const struct lin_rule6 *r = &lp->r6[k];

			if ((r->proto == SG_ANY || r->proto == proto) && l4 >= r->lo &&
			    l4 <= r->hi && (hi64 & r->mask[0]) == r->addr[0] &&
			    (lo64 & r->mask[1]) == r->addr[1]) {
				res[i] = k + 1;
				break;
			}
		}
	}
}
