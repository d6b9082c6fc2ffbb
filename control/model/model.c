/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model.c - the model's life, errors, id generation, parsing, limits and
 * delta helpers.
 */
#include "model_internal.h"
#include "v4text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ---- */

int model_fail(struct model_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int model_fail_nomem(struct model_err *err)
{
	return model_fail(err, "InternalError", "Out of memory; nothing was changed.");
}

/* ---- ids ---- */

/* external-key comparisons: the id string lives in the object */
#define ID_EQ(fn, tab, type, field)                                                                \
	static int fn(const void *ctx, uint32_t v, const void *key, size_t len)                    \
	{                                                                                          \
		const struct model *m = ctx;                                                       \
		const char *id = ((const type *)objtab_at(&m->tab, v))->field;                     \
		return strlen(id) == len && memcmp(id, key, len) == 0;                             \
	}
ID_EQ(eq_vpc, vpcs, struct vpc, id)
ID_EQ(eq_rt, rts, struct rtable, id)
ID_EQ(eq_subnet, subnets, struct subnet, id)
ID_EQ(eq_type, types, struct itype, name)
ID_EQ(eq_inst, insts, struct instance, id)
ID_EQ(eq_eni, enis, struct eni, id)
ID_EQ(eq_attach, enis, struct eni, attach_id)
ID_EQ(eq_alloc, eips, struct eip, alloc_id)
ID_EQ(eq_assoc, eips, struct eip, assoc_id)

uint32_t model_find(const struct mhash *h, const char *id)
{
	uint32_t v;

	if (!id || mhash_get(h, id, strlen(id), &v) < 0)
		return NIL;
	return v;
}

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#define MODEL_ID_SEED 0x656e696d61702131ULL /* "enimap!1": fixed, so replays match */

bool model_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MODEL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	return true;
}

/* The id generated from counter value seq: prefix + 17 lowercase hex digits; its length. */
static size_t make_id(const char *prefix, uint64_t seq, char out[MODEL_ID_MAX])
{
	uint64_t x = splitmix64(MODEL_ID_SEED ^ seq), y = splitmix64(x);
	size_t plen = strlen(prefix);

	/* hand-formatted: ids are made by the million */
	memcpy(out, prefix, plen);
	out[plen] = "0123456789abcdef"[(x >> 60) ^ 0x5];
	for (int i = 0; i < 16; i++)
		out[plen + 1 + i] = "0123456789abcdef"[(y >> (60 - 4 * i)) & 0xf];
	out[plen + 17] = 0;
	return plen + 17;
}

int model_pick_id(const struct mhash *h, const char *given, const char *prefix, uint64_t *seq,
		  char out[MODEL_ID_MAX], struct model_err *err)
{
	if (given) {
		if (!model_id_ok(given))
			return model_fail(err, "InvalidParameterValue",
					  "Invalid id '%s': 1 to %d printable characters", given,
					  MODEL_ID_MAX - 1);
		if (model_find(h, given) != NIL)
			return model_fail(err, "InvalidParameterValue",
					  "The id '%s' already exists", given);
		model_id_copy(out, given);
		return 0;
	}
	/* a counter through a fixed mix: deterministic, skips ids already taken */
	for (;;) {
		make_id(prefix, (*seq)++, out);
		if (model_find(h, out) == NIL)
			return 0;
	}
}

void model_prefetch_id(const struct mhash *h, const char *prefix, uint64_t seq)
{
	char id[MODEL_ID_MAX];

	mhash_prefetch(h, id, make_id(prefix, seq, id));
}

/* ---- parsing ---- */

int model_parse_v4(const char *s, uint32_t *net)
{
	if (!s)
		return -EINVAL;
	return v4text_parse(s, net);
}

int model_parse_v6(const char *s, struct in6_addr *a)
{
	if (!s || inet_pton(AF_INET6, s, a) != 1)
		return -EINVAL;
	return 0;
}

static int split_cidr(const char *s, char *addr, size_t addrsz, unsigned maxlen, uint8_t *depth)
{
	const char *slash;
	char *end;
	unsigned long d;

	if (!s || !(slash = strchr(s, '/')) || (size_t)(slash - s) >= addrsz)
		return -EINVAL;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = 0;
	if (!isdigit((unsigned char)slash[1]))
		return -EINVAL;
	errno = 0;
	d = strtoul(slash + 1, &end, 10);
	if (errno || *end || d > maxlen)
		return -EINVAL;
	*depth = (uint8_t)d;
	return 0;
}

int model_parse_cidr4(const char *s, uint32_t *base_host, uint8_t *depth)
{
	char a[INET_ADDRSTRLEN];
	uint32_t net, host, mask;

	if (split_cidr(s, a, sizeof(a), 32, depth) < 0 || model_parse_v4(a, &net) < 0)
		return -EINVAL;
	host = ntohl(net);
	mask = *depth ? ~0u << (32 - *depth) : 0;
	if (host & ~mask)
		return -EINVAL; /* host bits set */
	*base_host = host;
	return 0;
}

int model_parse_cidr6(const char *s, uint8_t base[16], uint8_t *depth)
{
	char a[INET6_ADDRSTRLEN];
	struct in6_addr v;

	if (split_cidr(s, a, sizeof(a), 128, depth) < 0 || model_parse_v6(a, &v) < 0)
		return -EINVAL;
	for (unsigned b = *depth; b < 128; b++)
		if (v.s6_addr[b / 8] & (0x80 >> (b % 8)))
			return -EINVAL;
	memcpy(base, v.s6_addr, 16);
	return 0;
}

void model_fmt_v4(uint32_t net, char out[INET_ADDRSTRLEN])
{
	v4text_format(net, out);
}

void model_fmt_v6(const void *a, char out[INET6_ADDRSTRLEN])
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

char *model_fmt_cidr4(uint32_t base_host, uint8_t depth)
{
	char a[INET_ADDRSTRLEN], *s;

	model_fmt_v4(htonl(base_host), a);
	if (asprintf(&s, "%s/%u", a, depth) < 0)
		return NULL;
	return s;
}

char *model_fmt_cidr6(const uint8_t base[16], uint8_t depth)
{
	char a[INET6_ADDRSTRLEN], *s;

	model_fmt_v6(base, a);
	if (asprintf(&s, "%s/%u", a, depth) < 0)
		return NULL;
	return s;
}

bool model_v4_overlap(uint32_t a, uint8_t da, uint32_t b, uint8_t db)
{
	uint8_t d = da < db ? da : db;
	uint32_t mask = d ? ~0u << (32 - d) : 0;

	return (a & mask) == (b & mask);
}

bool model_v6_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned depth)
{
	unsigned full = depth / 8, rest = depth % 8;

	if (memcmp(a, b, full))
		return false;
	return !rest || ((a[full] ^ b[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* ---- life ---- */

static const struct {
	const char *name;
	unsigned e, v4, v6;
} builtin_types[] = {
    {"t1.micro", 2, 2, 0},     {"t2.micro", 2, 2, 2},	    {"t3.medium", 3, 6, 6},
    {"t3.large", 3, 12, 12},   {"m5.large", 3, 10, 10},	    {"m5.xlarge", 4, 15, 15},
    {"m5.4xlarge", 8, 30, 30}, {"m5.24xlarge", 15, 50, 50}, {"c5n.18xlarge", 15, 50, 50},
};

struct model *model_create(void)
{
	struct model *m = calloc(1, sizeof(*m));

	if (!m) {
		errno = ENOMEM;
		return NULL;
	}
	m->retention = 3600; /* R29: a terminated instance stays visible for an hour */
	objtab_init(&m->vpcs, sizeof(struct vpc));
	objtab_init(&m->rts, sizeof(struct rtable));
	objtab_init(&m->subnets, sizeof(struct subnet));
	objtab_init(&m->types, sizeof(struct itype));
	objtab_init(&m->insts, sizeof(struct instance));
	objtab_init(&m->enis, sizeof(struct eni));
	objtab_init(&m->eips, sizeof(struct eip));
	mhash_init(&m->by_vpc, 0, eq_vpc, m);
	mhash_init(&m->by_rt, 0, eq_rt, m);
	mhash_init(&m->by_subnet, 0, eq_subnet, m);
	mhash_init(&m->by_type, 0, eq_type, m);
	mhash_init(&m->by_inst, 0, eq_inst, m);
	mhash_init(&m->by_eni, 0, eq_eni, m);
	mhash_init(&m->by_attach, 0, eq_attach, m);
	mhash_init(&m->by_alloc, 0, eq_alloc, m);
	mhash_init(&m->by_assoc, 0, eq_assoc, m);
	mhash_init(&m->by_rtassoc, 0, model_eq_rtassoc, m);
	mhash_init(&m->v4own, sizeof(struct model_v4key), NULL, NULL);
	mhash_init(&m->v6own, 16, NULL, NULL);
	mhash_init(&m->mac, 6, NULL, NULL);
	mhash_init(&m->eippub, 4, NULL, NULL);
	mhash_init(&m->eippriv, sizeof(struct model_v4key), NULL, NULL);
	model_tags_init(m);
	model_sg_init(m);
	m->last_alloc = NIL;
	for (size_t i = 0; i < sizeof(builtin_types) / sizeof(builtin_types[0]); i++) {
		if (model_set_instance_type(m, builtin_types[i].name, builtin_types[i].e,
					    builtin_types[i].v4, builtin_types[i].v6, NULL) < 0) {
			model_free(m);
			errno = ENOMEM;
			return NULL;
		}
	}
	return m;
}

void model_free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- model_free: each table's records, then the tables and the indexes ---- */

static void free_vpcs(struct model *m)
{
	for (uint32_t i = 0; i < m->vpcs.hw; i++) {
		struct vpc *v = VPC(m, i);
		if (!m->vpcs.live[i])
			continue;
		free(v->id);
		free(v->main_assoc);
		free(v->c4base);
		free(v->c4depth);
		free(v->c6);
		model_free_strv(v->c4text, v->n4);
		model_free_strv(v->c6text, v->n6);
	}
}

static void free_route_tables(struct model *m)
{
	for (uint32_t i = 0; i < m->rts.hw; i++) {
		struct rtable *t = RT(m, i);
		if (!m->rts.live[i])
			continue;
		free(t->id);
		for (size_t r = 0; r < t->n; r++) {
			free((char *)t->views[r].dest_cidr);
			free((char *)t->views[r].target);
		}
		free(t->views);
		free(t->r);
	}
}

static void free_subnets(struct model *m)
{
	for (uint32_t i = 0; i < m->subnets.hw; i++) {
		struct subnet *s = SUBNET(m, i);
		if (!m->subnets.live[i])
			continue;
		free(s->id);
		free(s->assoc);
		free(s->az);
		free(s->cidr4text);
		free(s->cidr6text);
		addrpool_fini(&s->pool);
	}
}

static void free_types_and_instances(struct model *m)
{
	for (uint32_t i = 0; i < m->types.hw; i++)
		if (m->types.live[i])
			free(TYPE(m, i)->name);
	for (uint32_t i = 0; i < m->insts.hw; i++) {
		struct instance *in = INST(m, i);
		if (!m->insts.live[i])
			continue;
		free(in->id);
		free(in->az);
		free(in->image);
		free(in->enis);
		free(in->eni_ids);
	}
	free(m->dead);
}

static void free_enis(struct model *m)
{
	for (uint32_t i = 0; i < m->enis.hw; i++) {
		struct eni *e = ENI(m, i);
		if (!m->enis.live[i])
			continue;
		free(e->id);
		free(e->desc);
		free(e->attach_id);
		free(e->sec);
		free(e->v6);
		model_free_strv(e->groups, e->ngroups);
	}
}

static void free_eips_and_pools(struct model *m)
{
	for (uint32_t i = 0; i < m->eips.hw; i++) {
		struct eip *p = EIP(m, i);
		if (!m->eips.live[i])
			continue;
		free(p->alloc_id);
		free(p->assoc_id);
	}
	for (size_t p = 0; p < m->npools; p++) {
		free(m->pools[p].text);
		addrpool_fini(&m->pools[p].pool);
	}
	free(m->pools);
	for (size_t p = 0; p < m->nv6pools; p++)
		free(m->v6pools[p].text);
	free(m->v6pools);
}

static void free_tables_and_indexes(struct model *m)
{
	struct objtab *tabs[] = {&m->vpcs,  &m->rts,  &m->subnets, &m->types,
				 &m->insts, &m->enis, &m->eips};
	struct mhash *maps[] = {&m->by_vpc,   &m->by_rt,      &m->by_subnet, &m->by_type,
				&m->by_inst,  &m->by_eni,     &m->by_attach, &m->by_alloc,
				&m->by_assoc, &m->by_rtassoc, &m->v4own,     &m->v6own,
				&m->mac,      &m->eippub,     &m->eippriv};

	for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
		objtab_fini(tabs[t]);
	for (size_t h = 0; h < sizeof(maps) / sizeof(maps[0]); h++)
		mhash_fini(maps[h]);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free_vpcs(m);
	free_route_tables(m);
	free_subnets(m);
	free_types_and_instances(m);
	free_enis(m);
	free_eips_and_pools(m);
	model_sg_fini(m);
	model_tags_fini(m);
	free_tables_and_indexes(m);
	free(m);
}

void model_set_capacity(struct model *m, size_t max_v4, size_t max_v6, size_t max_eips)
{
	m->cap_v4 = max_v4;
	m->cap_v6 = max_v6;
	m->cap_eips = max_eips;
}

int model_reserve(struct model *m, size_t v4, size_t v6, size_t eips)
{
	if (mhash_reserve(&m->v4own, v4) || mhash_reserve(&m->v6own, v6) ||
	    objtab_reserve(&m->eips, eips) || mhash_reserve(&m->by_alloc, eips) ||
	    mhash_reserve(&m->eippub, eips) || mhash_reserve(&m->by_assoc, eips) ||
	    mhash_reserve(&m->eippriv, eips))
		return -ENOMEM;
	return 0;
}

/* ---- limits ---- */

unsigned model_max4_any(const struct model *m)
{
	unsigned v = 0;

	for (uint32_t i = m->types.head; i != NIL; i = m->types.next[i])
		if (TYPE(m, i)->max4 > v)
			v = TYPE(m, i)->max4;
	return v;
}

unsigned model_max6_any(const struct model *m)
{
	unsigned v = 0;

	for (uint32_t i = m->types.head; i != NIL; i = m->types.next[i])
		if (TYPE(m, i)->max6 > v)
			v = TYPE(m, i)->max6;
	return v;
}

unsigned model_eni_max4(const struct model *m, const struct eni *e)
{
	if (e->inst == NIL)
		return model_max4_any(m);
	return TYPE(m, INST(m, e->inst)->type)->max4;
}

unsigned model_eni_max6(const struct model *m, const struct eni *e)
{
	if (e->inst == NIL)
		return model_max6_any(m);
	return TYPE(m, INST(m, e->inst)->type)->max6;
}

/* ---- deltas ---- */

int model_reserve_delta(struct delta *d, size_t more)
{
	return d ? delta_reserve(d, more) : 0;
}

void model_dput(struct delta *d, const struct delta_entry *e)
{
	if (d)
		d->e[d->n++] = *e; /* room was reserved */
}

void model_put_eni(const struct model *m, struct delta *d, uint32_t i)
{
	const struct eni *e = ENI(m, i);
	const struct subnet *s = SUBNET(m, e->subnet);
	struct delta_entry x = {.kind = DELTA_ENI_SET};

	x.eni.slot = i;
	x.eni.subnet = e->subnet;
	x.eni.route_table = s->rt;
	x.eni.vpc = s->vpc;
	x.eni.vlan = e->vlan;
	memcpy(x.eni.mac, e->mac, 6);
	x.eni.source_dest_check = e->sdc;
	if (e->inst == NIL) {
		x.eni.state = ENI_FWD_DETACHED;
	} else {
		const struct instance *in = INST(m, e->inst);
		x.eni.port = in->port;
		x.eni.state = in->state == MODEL_RUNNING ? ENI_FWD_OK : ENI_FWD_STOPPED;
	}
	model_dput(d, &x);
}

void model_put_v4(const struct model *m, struct delta *d, uint32_t vpc, uint32_t addr)
{
	struct delta_entry x = {.kind = DELTA_V4_SET};
	struct model_v4key k = model_v4key(vpc, addr);
	uint32_t owner, p;

	if (mhash_get(&m->v4own, &k, sizeof(k), &owner) < 0)
		return;
	x.v4.addr = addr;
	x.v4.vpc = vpc;
	x.v4.eni = owner;
	x.v4.eip = mhash_get(&m->eippriv, &k, sizeof(k), &p) == 0 ? EIP(m, p)->pub : DELTA_NO_EIP;
	model_dput(d, &x);
}

void model_put_route(const struct model *m, struct delta *d, uint32_t t, size_t r, bool del)
{
	const struct route *ro = &RT(m, t)->r[r];
	struct delta_entry x = {.kind = del ? DELTA_ROUTE_DEL : DELTA_ROUTE_SET};

	x.route.route_table = t;
	x.route.family = ro->family;
	x.route.depth = ro->depth;
	memcpy(x.route.prefix, ro->prefix, 16);
	x.route.target = ro->kind;
	if (ro->kind == ROUTE_ENI) {
		if (ro->eni == NIL)
			x.route.target = ROUTE_BLACKHOLE;
		else
			x.route.eni = ro->eni;
	}
	model_dput(d, &x);
}

void model_put_subnet(const struct model *m, struct delta *d, uint32_t i)
{
	const struct subnet *s = SUBNET(m, i);
	struct delta_entry x = {.kind = DELTA_SUBNET_SET};

	x.subnet.slot = i;
	x.subnet.route_table = s->rt;
	x.subnet.cidr4 = htonl(s->base4);
	x.subnet.depth4 = s->depth4;
	x.subnet.has_v6 = s->has6;
	if (s->has6) {
		x.subnet.depth6 = 64;
		memcpy(x.subnet.cidr6, s->c6, 16);
	}
	model_dput(d, &x);
}
