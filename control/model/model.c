/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model.c - the model's life, errors, ids, parsing, instance types, VPCs,
 * route tables and routes, subnets, public pools and instances.
 */
#include "model_internal.h"

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

static bool id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= MODEL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	return true;
}

int model_pick_id(const struct mhash *h, const char *given, const char *prefix, uint64_t *seq,
		  char out[MODEL_ID_MAX], struct model_err *err)
{
	if (given) {
		if (!id_ok(given))
			return model_fail(err, "InvalidParameterValue",
					  "Invalid id '%s': 1 to %d printable characters", given,
					  MODEL_ID_MAX - 1);
		if (model_find(h, given) != NIL)
			return model_fail(err, "InvalidParameterValue",
					  "The id '%s' already exists", given);
		snprintf(out, MODEL_ID_MAX, "%s", given);
		return 0;
	}
	/* a counter through a fixed mix: deterministic, skips ids already taken */
	size_t plen = strlen(prefix);
	for (;;) {
		uint64_t x = splitmix64(MODEL_ID_SEED ^ (*seq)++), y = splitmix64(x);

		/* prefix + 17 lowercase hex digits (hand-formatted: ids are made by the million) */
		memcpy(out, prefix, plen);
		out[plen] = "0123456789abcdef"[(x >> 60) ^ 0x5];
		for (int i = 0; i < 16; i++)
			out[plen + 1 + i] = "0123456789abcdef"[(y >> (60 - 4 * i)) & 0xf];
		out[plen + 17] = 0;
		if (model_find(h, out) == NIL)
			return 0;
	}
}

/* ---- parsing ---- */

int model_parse_v4(const char *s, uint32_t *net)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*net = a.s_addr;
	return 0;
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
	inet_ntop(AF_INET, &net, out, INET_ADDRSTRLEN);
}

void model_fmt_v6(const void *a, char out[INET6_ADDRSTRLEN])
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

static char *fmt_cidr4(uint32_t base_host, uint8_t depth)
{
	char a[INET_ADDRSTRLEN], *s;

	model_fmt_v4(htonl(base_host), a);
	if (asprintf(&s, "%s/%u", a, depth) < 0)
		return NULL;
	return s;
}

static char *fmt_cidr6(const uint8_t base[16], uint8_t depth)
{
	char a[INET6_ADDRSTRLEN], *s;

	model_fmt_v6(base, a);
	if (asprintf(&s, "%s/%u", a, depth) < 0)
		return NULL;
	return s;
}

static bool v4_overlap(uint32_t a, uint8_t da, uint32_t b, uint8_t db)
{
	uint8_t d = da < db ? da : db;
	uint32_t mask = d ? ~0u << (32 - d) : 0;

	return (a & mask) == (b & mask);
}

static bool v6_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned depth)
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
	mhash_init(&m->v4own, 4, NULL, NULL);
	mhash_init(&m->v6own, 16, NULL, NULL);
	mhash_init(&m->mac, 6, NULL, NULL);
	mhash_init(&m->eippub, 4, NULL, NULL);
	mhash_init(&m->eippriv, 4, NULL, NULL);
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

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void model_free(struct model *m)
{
	uint32_t i;

	if (!m)
		return;
	for (i = 0; i < m->vpcs.hw; i++) {
		struct vpc *v = VPC(m, i);
		if (!m->vpcs.live[i])
			continue;
		free(v->id);
		free(v->c4base);
		free(v->c4depth);
		free(v->c6);
		free_strv(v->c4text, v->n4);
		free_strv(v->c6text, v->n6);
	}
	for (i = 0; i < m->rts.hw; i++) {
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
	for (i = 0; i < m->subnets.hw; i++) {
		struct subnet *s = SUBNET(m, i);
		if (!m->subnets.live[i])
			continue;
		free(s->id);
		free(s->az);
		free(s->cidr4text);
		free(s->cidr6text);
		addrpool_fini(&s->pool);
	}
	for (i = 0; i < m->types.hw; i++)
		if (m->types.live[i])
			free(TYPE(m, i)->name);
	for (i = 0; i < m->insts.hw; i++) {
		struct instance *in = INST(m, i);
		if (!m->insts.live[i])
			continue;
		free(in->id);
		free(in->az);
		free(in->enis);
		free(in->eni_ids);
	}
	for (i = 0; i < m->enis.hw; i++) {
		struct eni *e = ENI(m, i);
		if (!m->enis.live[i])
			continue;
		free(e->id);
		free(e->desc);
		free(e->attach_id);
		free(e->sec);
		free(e->v6);
	}
	for (i = 0; i < m->eips.hw; i++) {
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
	struct objtab *tabs[] = {&m->vpcs,  &m->rts,  &m->subnets, &m->types,
				 &m->insts, &m->enis, &m->eips};
	for (size_t t = 0; t < sizeof(tabs) / sizeof(tabs[0]); t++)
		objtab_fini(tabs[t]);
	struct mhash *maps[] = {&m->by_vpc, &m->by_rt,	   &m->by_subnet, &m->by_type,	&m->by_inst,
				&m->by_eni, &m->by_attach, &m->by_alloc,  &m->by_assoc, &m->v4own,
				&m->v6own,  &m->mac,	   &m->eippub,	  &m->eippriv};
	for (size_t h = 0; h < sizeof(maps) / sizeof(maps[0]); h++)
		mhash_fini(maps[h]);
	free(m);
}

void model_set_capacity(struct model *m, size_t max_v4, size_t max_v6, size_t max_eips)
{
	m->cap_v4 = max_v4;
	m->cap_v6 = max_v6;
	m->cap_eips = max_eips;
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

void model_put_v4(const struct model *m, struct delta *d, uint32_t addr)
{
	struct delta_entry x = {.kind = DELTA_V4_SET};
	uint32_t owner, p;

	if (mhash_get(&m->v4own, &addr, 4, &owner) < 0)
		return;
	x.v4.addr = addr;
	x.v4.eni = owner;
	x.v4.eip = mhash_get(&m->eippriv, &addr, 4, &p) == 0 ? EIP(m, p)->pub : DELTA_NO_EIP;
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

/* ---- instance types ---- */

int model_set_instance_type(struct model *m, const char *name, unsigned max_enis,
			    unsigned max_ipv4_per_eni, unsigned max_ipv6_per_eni,
			    struct model_err *err)
{
	uint32_t i;
	char *dup;

	if (!name || !id_ok(name))
		return model_fail(err, "InvalidParameterValue", "Invalid instance type name '%s'",
				  name ? name : "");
	if (max_enis < 1 || max_ipv4_per_eni < 1)
		return model_fail(err, "InvalidParameterValue",
				  "Instance type '%s' needs at least 1 ENI and 1 IPv4 per ENI",
				  name);
	i = model_find(&m->by_type, name);
	if (i == NIL) {
		if (!(dup = strdup(name)))
			return model_fail_nomem(err);
		if (objtab_reserve(&m->types, 1) || mhash_reserve(&m->by_type, 1)) {
			free(dup);
			return model_fail_nomem(err);
		}
		i = objtab_alloc(&m->types);
		TYPE(m, i)->name = dup;
		mhash_put(&m->by_type, name, strlen(name), i);
	}
	/* an override applies to running instances too; limits are checked on change */
	TYPE(m, i)->max_enis = max_enis;
	TYPE(m, i)->max4 = max_ipv4_per_eni;
	TYPE(m, i)->max6 = max_ipv6_per_eni;
	return 0;
}

/* ---- route tables ---- */

static int rt_grow(struct rtable *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4;
	void *p;

	if (t->n + more <= t->cap)
		return 0;
	while (cap < t->n + more)
		cap *= 2;
	if (!(p = realloc(t->views, cap * sizeof(*t->views))))
		return -ENOMEM;
	t->views = p;
	if (!(p = realloc(t->r, cap * sizeof(*t->r))))
		return -ENOMEM;
	t->r = p;
	t->cap = cap;
	return 0;
}

/* Append a route whose strings are already allocated (room reserved). */
static size_t rt_append(struct rtable *t, const struct route *r, char *dest, char *target)
{
	size_t k = t->n++;

	t->r[k] = *r;
	t->views[k].dest_cidr = dest;
	t->views[k].target = target;
	t->views[k].blackholed = false;
	return k;
}

/* The implicit local routes of a VPC, appended to a table (room reserved). */
static int rt_add_locals(struct model *m, uint32_t ti, const struct vpc *v)
{
	struct rtable *t = RT(m, ti);

	if (rt_grow(t, v->n4 + v->n6))
		return -ENOMEM;
	for (size_t k = 0; k < v->n4 + v->n6; k++) {
		struct route r = {.kind = ROUTE_LOCAL, .implicit = true, .eni = NIL};
		char *dest = strdup(k < v->n4 ? v->c4text[k] : v->c6text[k - v->n4]);
		char *tg = strdup("local");

		if (!dest || !tg) {
			free(dest);
			free(tg);
			return -ENOMEM;
		}
		if (k < v->n4) {
			uint32_t net = htonl(v->c4base[k]);
			r.family = 4;
			r.depth = v->c4depth[k];
			memcpy(r.prefix, &net, 4);
		} else {
			r.family = 6;
			r.depth = 56;
			memcpy(r.prefix, v->c6[k - v->n4], 16);
		}
		rt_append(t, &r, dest, tg);
	}
	return 0;
}

static void rt_destroy(struct model *m, uint32_t ti)
{
	struct rtable *t = RT(m, ti);

	for (size_t r = 0; r < t->n; r++) {
		free((char *)t->views[r].dest_cidr);
		free((char *)t->views[r].target);
	}
	free(t->views);
	free(t->r);
	free(t->id);
	objtab_release(&m->rts, ti);
}

/*
 * Create a route table for VPC vi (which must be live). Returns its index or
 * NIL on ENOMEM (nothing left behind). The id was validated by the caller.
 */
static uint32_t rt_new(struct model *m, uint32_t vi, const char *id, bool main)
{
	uint32_t ti;
	char *dup = strdup(id);

	if (!dup || objtab_reserve(&m->rts, 1) || mhash_reserve(&m->by_rt, 1)) {
		free(dup);
		return NIL;
	}
	ti = objtab_alloc(&m->rts);
	RT(m, ti)->id = dup;
	RT(m, ti)->vpc = vi;
	RT(m, ti)->main = main;
	if (rt_add_locals(m, ti, VPC(m, vi)) < 0) {
		rt_destroy(m, ti);
		return NIL;
	}
	mhash_put(&m->by_rt, id, strlen(id), ti);
	return ti;
}

static void rt_put_all(const struct model *m, struct delta *d, uint32_t ti)
{
	for (size_t r = 0; r < RT(m, ti)->n; r++)
		model_put_route(m, d, ti, r, false);
}

int model_create_route_table(struct model *m, const char *id, const char *vpc_id,
			     char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err)
{
	char rid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t vi = model_find(&m->by_vpc, vpc_id), ti;

	if (!vpc_id)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter VpcId");
	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  vpc_id);
	if (model_pick_id(&m->by_rt, id, "rtb-", &seq, rid, err) < 0)
		return -1;
	if (model_reserve_delta(delta, VPC(m, vi)->n4 + VPC(m, vi)->n6))
		return model_fail_nomem(err);
	ti = rt_new(m, vi, rid, false);
	if (ti == NIL)
		return model_fail_nomem(err);
	m->seq = seq;
	rt_put_all(m, delta, ti);
	if (out_id)
		snprintf(out_id, MODEL_ID_MAX, "%s", rid);
	return 0;
}

static ssize_t rt_find(const struct rtable *t, uint8_t family, const uint8_t *prefix, uint8_t depth)
{
	for (size_t r = 0; r < t->n; r++)
		if (t->r[r].family == family && t->r[r].depth == depth &&
		    memcmp(t->r[r].prefix, prefix, 16) == 0)
			return (ssize_t)r;
	return -1;
}

/* Parse a route destination (IPv4 or IPv6 CIDR). */
static int parse_dest(const char *s, uint8_t *family, uint8_t prefix[16], uint8_t *depth)
{
	uint32_t h;

	memset(prefix, 0, 16);
	if (s && strchr(s, ':')) {
		*family = 6;
		return model_parse_cidr6(s, prefix, depth);
	}
	if (model_parse_cidr4(s, &h, depth) < 0)
		return -EINVAL;
	*family = 4;
	h = htonl(h);
	memcpy(prefix, &h, 4);
	return 0;
}

/* Is the destination inside one of the VPC's blocks? */
static bool in_vpc(const struct vpc *v, uint8_t family, const uint8_t *prefix, uint8_t depth)
{
	if (family == 4) {
		uint32_t net, h;
		memcpy(&net, prefix, 4);
		h = ntohl(net);
		for (size_t k = 0; k < v->n4; k++)
			if (depth >= v->c4depth[k] &&
			    v4_overlap(h, depth, v->c4base[k], v->c4depth[k]))
				return true;
		return false;
	}
	for (size_t k = 0; k < v->n6; k++)
		if (depth >= 56 && v6_prefix_eq(prefix, v->c6[k], 56))
			return true;
	return false;
}

int model_create_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       const char *target, struct delta *delta, struct model_err *err)
{
	uint32_t ti = model_find(&m->by_rt, route_table_id), ei = NIL;
	struct route r = {.eni = NIL};
	struct rtable *t;
	char *dest, *tg;
	size_t k;

	if (ti == NIL)
		return model_fail(err, "InvalidRouteTableID.NotFound",
				  "The routeTable ID '%s' does not exist",
				  route_table_id ? route_table_id : "");
	t = RT(m, ti);
	if (parse_dest(dest_cidr, &r.family, r.prefix, &r.depth) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter destinationCidrBlock is invalid. This is "
		    "not a valid CIDR block.",
		    dest_cidr ? dest_cidr : "");
	if (!target)
		return model_fail(err, "MissingParameter",
				  "The request must contain a route target");
	if (!strcmp(target, "local")) {
		/* a more specific local route: allowed only inside the VPC */
		if (!in_vpc(VPC(m, t->vpc), r.family, r.prefix, r.depth))
			return model_fail(err, "InvalidParameterValue",
					  "The destination CIDR block %s is not within the VPC, so "
					  "target 'local' is not allowed",
					  dest_cidr);
		r.kind = ROUTE_LOCAL;
	} else if (!strcmp(target, "igw")) {
		r.kind = ROUTE_IGW;
	} else if (!strcmp(target, "blackhole")) {
		r.kind = ROUTE_BLACKHOLE;
	} else if ((ei = model_find(&m->by_eni, target)) != NIL) {
		if (SUBNET(m, ENI(m, ei)->subnet)->vpc != t->vpc)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Network interface '%s' is not in the VPC of route table '%s'", target,
			    route_table_id);
		r.kind = ROUTE_ENI;
		r.eni = ei;
	} else if (!strncmp(target, "eni-", 4)) {
		return model_fail(err, "InvalidNetworkInterfaceID.NotFound",
				  "The networkInterface ID '%s' does not exist", target);
	} else {
		return model_fail(err, "InvalidParameterValue",
				  "Invalid route target '%s': local, igw, blackhole or an ENI id",
				  target);
	}
	if (rt_find(t, r.family, r.prefix, r.depth) >= 0)
		return model_fail(err, "RouteAlreadyExists",
				  "The route identified by %s already exists.", dest_cidr);
	dest = strdup(dest_cidr);
	tg = strdup(target);
	if (!dest || !tg || rt_grow(t, 1) || model_reserve_delta(delta, 1)) {
		free(dest);
		free(tg);
		return model_fail_nomem(err);
	}
	k = rt_append(t, &r, dest, tg);
	if (ei != NIL)
		ENI(m, ei)->routes_to++;
	model_put_route(m, delta, ti, k, false);
	return 0;
}

int model_delete_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       struct delta *delta, struct model_err *err)
{
	uint32_t ti = model_find(&m->by_rt, route_table_id);
	uint8_t fam, depth, prefix[16];
	struct rtable *t;
	ssize_t k;

	if (ti == NIL)
		return model_fail(err, "InvalidRouteTableID.NotFound",
				  "The routeTable ID '%s' does not exist",
				  route_table_id ? route_table_id : "");
	t = RT(m, ti);
	if (parse_dest(dest_cidr, &fam, prefix, &depth) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter destinationCidrBlock is invalid. This is "
		    "not a valid CIDR block.",
		    dest_cidr ? dest_cidr : "");
	k = rt_find(t, fam, prefix, depth);
	if (k < 0)
		return model_fail(err, "InvalidRoute.NotFound",
				  "no route with destination-cidr-block %s in route table %s",
				  dest_cidr, route_table_id);
	if (t->r[k].implicit)
		return model_fail(err, "InvalidParameterValue",
				  "cannot remove local route %s in route table %s", dest_cidr,
				  route_table_id);
	if (model_reserve_delta(delta, 1))
		return model_fail_nomem(err);
	model_put_route(m, delta, ti, (size_t)k, true);
	if (t->r[k].kind == ROUTE_ENI && t->r[k].eni != NIL)
		ENI(m, t->r[k].eni)->routes_to--;
	free((char *)t->views[k].dest_cidr);
	free((char *)t->views[k].target);
	/* keep the order of the others */
	memmove(&t->r[k], &t->r[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->r));
	memmove(&t->views[k], &t->views[k + 1], (t->n - (size_t)k - 1) * sizeof(*t->views));
	t->n--;
	return 0;
}

/* ---- VPCs ---- */

static void vpc_release(struct vpc *v)
{
	free(v->id);
	free(v->c4base);
	free(v->c4depth);
	free(v->c6);
	free_strv(v->c4text, v->n4);
	free_strv(v->c6text, v->n6);
	memset(v, 0, sizeof(*v));
}

/* Does an IPv4 block overlap any block of any VPC? (enimap has one address space) */
static const char *v4_block_taken(const struct model *m, uint32_t base, uint8_t depth)
{
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		for (size_t k = 0; k < VPC(m, i)->n4; k++)
			if (v4_overlap(base, depth, VPC(m, i)->c4base[k], VPC(m, i)->c4depth[k]))
				return VPC(m, i)->id;
	return NULL;
}

static const char *v6_block_taken(const struct model *m, const uint8_t *c6)
{
	for (uint32_t i = m->vpcs.head; i != NIL; i = m->vpcs.next[i])
		for (size_t k = 0; k < VPC(m, i)->n6; k++)
			if (v6_prefix_eq(c6, VPC(m, i)->c6[k], 56))
				return VPC(m, i)->id;
	return NULL;
}

int model_create_vpc(struct model *m, const struct model_vpc_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err)
{
	char vid[MODEL_ID_MAX], rid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct vpc v = {0};
	uint32_t vi, ti;
	const char *who;

	if (!req || req->n_cidr4 == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter CidrBlock");
	if (model_pick_id(&m->by_vpc, req->id, "vpc-", &seq, vid, err) < 0)
		return -1;
	/* the main route table id: given, or generated after the VPC's */
	if (req->main_route_table_id && model_find(&m->by_rt, req->main_route_table_id) != NIL)
		return model_fail(err, "InvalidParameterValue", "The id '%s' already exists",
				  req->main_route_table_id);
	if (model_pick_id(&m->by_rt, req->main_route_table_id, "rtb-", &seq, rid, err) < 0)
		return -1;
	v.n4 = req->n_cidr4;
	v.n6 = req->n_cidr6;
	v.c4base = calloc(v.n4, sizeof(*v.c4base));
	v.c4depth = calloc(v.n4, 1);
	v.c4text = calloc(v.n4, sizeof(char *));
	v.c6 = calloc(v.n6 + 1, 16);
	v.c6text = calloc(v.n6 + 1, sizeof(char *));
	v.id = strdup(vid);
	if (!v.c4base || !v.c4depth || !v.c4text || !v.c6 || !v.c6text || !v.id) {
		vpc_release(&v);
		return model_fail_nomem(err);
	}
	for (size_t k = 0; k < v.n4; k++) {
		if (model_parse_cidr4(req->cidr4[k], &v.c4base[k], &v.c4depth[k]) < 0 ||
		    v.c4depth[k] < 1 || v.c4depth[k] > 28) {
			model_fail(err, "InvalidParameterValue",
				   "Value (%s) for parameter cidrBlock is invalid. This is not a "
				   "valid CIDR block (a /1 to /28 without host bits).",
				   req->cidr4[k] ? req->cidr4[k] : "");
			goto fail;
		}
		if ((who = v4_block_taken(m, v.c4base[k], v.c4depth[k]))) {
			model_fail(err, "InvalidParameterValue",
				   "The CIDR '%s' overlaps a block of %s (enimap keeps one IPv4 "
				   "address space)",
				   req->cidr4[k], who);
			goto fail;
		}
		for (size_t j = 0; j < k; j++)
			if (v4_overlap(v.c4base[k], v.c4depth[k], v.c4base[j], v.c4depth[j])) {
				model_fail(err, "InvalidParameterValue",
					   "The CIDR '%s' overlaps '%s'", req->cidr4[k],
					   req->cidr4[j]);
				goto fail;
			}
		if (!(v.c4text[k] = fmt_cidr4(v.c4base[k], v.c4depth[k]))) {
			model_fail_nomem(err);
			goto fail;
		}
	}
	for (size_t k = 0; k < v.n6; k++) {
		uint8_t d;
		if (model_parse_cidr6(req->cidr6[k], v.c6[k], &d) < 0 || d != 56) {
			model_fail(err, "InvalidParameterValue",
				   "Value (%s) for parameter ipv6CidrBlock is invalid: a /56 is "
				   "required.",
				   req->cidr6[k] ? req->cidr6[k] : "");
			goto fail;
		}
		if ((who = v6_block_taken(m, v.c6[k]))) {
			model_fail(err, "InvalidParameterValue", "The CIDR '%s' is used by %s",
				   req->cidr6[k], who);
			goto fail;
		}
		for (size_t j = 0; j < k; j++)
			if (v6_prefix_eq(v.c6[k], v.c6[j], 56)) {
				model_fail(err, "InvalidParameterValue",
					   "The CIDR '%s' is given twice", req->cidr6[k]);
				goto fail;
			}
		if (!(v.c6text[k] = fmt_cidr6(v.c6[k], 56))) {
			model_fail_nomem(err);
			goto fail;
		}
	}
	if (objtab_reserve(&m->vpcs, 1) || mhash_reserve(&m->by_vpc, 1) ||
	    model_reserve_delta(delta, v.n4 + v.n6)) {
		model_fail_nomem(err);
		goto fail;
	}
	vi = objtab_alloc(&m->vpcs);
	*VPC(m, vi) = v;
	ti = rt_new(m, vi, rid, true);
	if (ti == NIL) {
		objtab_release(&m->vpcs, vi);
		model_fail_nomem(err);
		goto fail;
	}
	VPC(m, vi)->main_rt = ti;
	mhash_put(&m->by_vpc, vid, strlen(vid), vi);
	m->seq = seq;
	rt_put_all(m, delta, ti);
	if (out_id)
		snprintf(out_id, MODEL_ID_MAX, "%s", vid);
	return 0;
fail:
	vpc_release(&v);
	return -1;
}

/* ---- subnets ---- */

int model_create_subnet(struct model *m, const struct model_subnet_req *req,
			char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err)
{
	char sid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct subnet s = {0};
	const struct vpc *v;
	uint32_t vi, ti, si;
	bool inside = false;

	if (!req || !req->vpc_id || !req->cidr4 || !req->az || !*req->az)
		return model_fail(err, "MissingParameter",
				  "A subnet needs VpcId, CidrBlock and AvailabilityZone");
	vi = model_find(&m->by_vpc, req->vpc_id);
	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  req->vpc_id);
	v = VPC(m, vi);
	if (model_parse_cidr4(req->cidr4, &s.base4, &s.depth4) < 0)
		return model_fail(
		    err, "InvalidParameterValue",
		    "Value (%s) for parameter cidrBlock is invalid. This is not a valid "
		    "CIDR block.",
		    req->cidr4);
	for (size_t k = 0; k < v->n4; k++)
		if (s.depth4 >= v->c4depth[k] &&
		    v4_overlap(s.base4, s.depth4, v->c4base[k], v->c4depth[k]))
			inside = true;
	if (!inside || s.depth4 > 28 || s.depth4 < 8) /* a subnet is /8 to /28 */
		return model_fail(err, "InvalidSubnet.Range", "The CIDR '%s' is invalid.",
				  req->cidr4);
	if (req->cidr6) {
		uint8_t d;
		inside = false;
		if (model_parse_cidr6(req->cidr6, s.c6, &d) < 0 || d != 64)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Value (%s) for parameter ipv6CidrBlock is invalid: a /64 "
			    "is required.",
			    req->cidr6);
		for (size_t k = 0; k < v->n6; k++)
			if (v6_prefix_eq(s.c6, v->c6[k], 56))
				inside = true;
		if (!inside)
			return model_fail(err, "InvalidSubnet.Range",
					  "The IPv6 CIDR '%s' is not inside a block of %s",
					  req->cidr6, req->vpc_id);
		s.has6 = true;
	}
	for (uint32_t i = m->subnets.head; i != NIL; i = m->subnets.next[i]) {
		const struct subnet *o = SUBNET(m, i);
		if (o->vpc != vi)
			continue;
		if (v4_overlap(s.base4, s.depth4, o->base4, o->depth4))
			return model_fail(err, "InvalidSubnet.Conflict",
					  "The CIDR '%s' conflicts with another subnet",
					  req->cidr4);
		if (s.has6 && o->has6 && v6_prefix_eq(s.c6, o->c6, 64))
			return model_fail(err, "InvalidSubnet.Conflict",
					  "The IPv6 CIDR '%s' conflicts with another subnet",
					  req->cidr6);
	}
	ti = v->main_rt;
	if (req->route_table_id) {
		ti = model_find(&m->by_rt, req->route_table_id);
		if (ti == NIL)
			return model_fail(err, "InvalidRouteTableID.NotFound",
					  "The routeTable ID '%s' does not exist",
					  req->route_table_id);
		if (RT(m, ti)->vpc != vi)
			return model_fail(err, "InvalidParameterValue",
					  "Route table %s and subnet are in different VPCs",
					  req->route_table_id);
	}
	if (model_pick_id(&m->by_subnet, req->id, "subnet-", &seq, sid, err) < 0)
		return -1;
	s.vpc = vi;
	s.rt = ti;
	s.v6cursor = 4;
	s.id = strdup(sid);
	s.az = strdup(req->az);
	s.cidr4text = fmt_cidr4(s.base4, s.depth4);
	s.cidr6text = s.has6 ? fmt_cidr6(s.c6, 64) : NULL;
	if (!s.id || !s.az || !s.cidr4text || (s.has6 && !s.cidr6text) ||
	    addrpool_init(&s.pool, s.base4, s.depth4, true) < 0 || objtab_reserve(&m->subnets, 1) ||
	    mhash_reserve(&m->by_subnet, 1) || model_reserve_delta(delta, 1)) {
		free(s.id);
		free(s.az);
		free(s.cidr4text);
		free(s.cidr6text);
		addrpool_fini(&s.pool);
		return model_fail_nomem(err);
	}
	si = objtab_alloc(&m->subnets);
	*SUBNET(m, si) = s;
	mhash_put(&m->by_subnet, sid, strlen(sid), si);
	m->seq = seq;
	model_put_subnet(m, delta, si);
	if (out_id)
		snprintf(out_id, MODEL_ID_MAX, "%s", sid);
	return 0;
}

/* ---- public pools ---- */

int model_add_public_pool(struct model *m, const char *cidr, struct model_err *err)
{
	struct pubpool p = {0}, *np;
	uint32_t base;
	uint8_t depth;
	size_t at = 0;

	if (model_parse_cidr4(cidr, &base, &depth) < 0 || depth < 8)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid public pool '%s': an IPv4 CIDR of /8 to /32",
				  cidr ? cidr : "");
	for (size_t k = 0; k < m->npools; k++) {
		if (v4_overlap(base, depth, m->pools[k].pool.base, m->pools[k].pool.depth))
			return model_fail(err, "InvalidParameterValue",
					  "Public pool '%s' overlaps pool '%s'", cidr,
					  m->pools[k].text);
		if (m->pools[k].pool.base < base)
			at = k + 1;
	}
	p.text = fmt_cidr4(base, depth);
	np = realloc(m->pools, (m->npools + 1) * sizeof(*np));
	if (np)
		m->pools = np;
	if (!p.text || !np || addrpool_init(&p.pool, base, depth, false) < 0) {
		free(p.text);
		return model_fail_nomem(err);
	}
	/* already allocated given addresses inside the new pool are taken */
	for (uint32_t i = m->eips.head; i != NIL; i = m->eips.next[i]) {
		uint32_t h = ntohl(EIP(m, i)->pub);
		if (addrpool_contains(&p.pool, h))
			addrpool_take(&p.pool, h);
	}
	memmove(&m->pools[at + 1], &m->pools[at], (m->npools - at) * sizeof(*np));
	m->pools[at] = p;
	m->npools++;
	return 0;
}

/* ---- instances ---- */

int model_create_instance(struct model *m, const struct model_instance_req *req,
			  char out_id[MODEL_ID_MAX], struct model_err *err)
{
	char iid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t ty, ii;
	char *id, *az;

	if (!req || !req->type || !req->az || !*req->az)
		return model_fail(err, "MissingParameter",
				  "An instance needs InstanceType and AvailabilityZone");
	ty = model_find(&m->by_type, req->type);
	if (ty == NIL)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%s' for InstanceType.", req->type);
	if (req->state != MODEL_RUNNING && req->state != MODEL_STOPPED)
		return model_fail(err, "InvalidParameterValue", "Invalid instance state %d",
				  (int)req->state);
	if (model_pick_id(&m->by_inst, req->id, "i-", &seq, iid, err) < 0)
		return -1;
	id = strdup(iid);
	az = strdup(req->az);
	if (!id || !az || objtab_reserve(&m->insts, 1) || mhash_reserve(&m->by_inst, 1)) {
		free(id);
		free(az);
		return model_fail_nomem(err);
	}
	ii = objtab_alloc(&m->insts);
	INST(m, ii)->id = id;
	INST(m, ii)->az = az;
	INST(m, ii)->type = ty;
	INST(m, ii)->state = req->state;
	INST(m, ii)->port = req->host_port;
	mhash_put(&m->by_inst, iid, strlen(iid), ii);
	m->seq = seq;
	if (out_id)
		snprintf(out_id, MODEL_ID_MAX, "%s", iid);
	return 0;
}

static int set_state(struct model *m, const char *instance_id, enum model_instance_state st,
		     struct delta *delta, struct model_err *err)
{
	uint32_t ii = model_find(&m->by_inst, instance_id);
	struct instance *in;

	if (ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist",
				  instance_id ? instance_id : "");
	in = INST(m, ii);
	if (in->state == st)
		return 0; /* EC2 answers success and changes nothing */
	if (model_reserve_delta(delta, in->n_enis))
		return model_fail_nomem(err);
	in->state = st;
	for (size_t k = 0; k < in->n_enis; k++)
		model_put_eni(m, delta, in->enis[k]);
	return 0;
}

int model_start_instance(struct model *m, const char *instance_id, struct delta *delta,
			 struct model_err *err)
{
	return set_state(m, instance_id, MODEL_RUNNING, delta, err);
}

int model_stop_instance(struct model *m, const char *instance_id, struct delta *delta,
			struct model_err *err)
{
	return set_state(m, instance_id, MODEL_STOPPED, delta, err);
}

int model_terminate_instance(struct model *m, const char *instance_id, struct delta *delta,
			     struct model_err *err)
{
	uint32_t ii = model_find(&m->by_inst, instance_id);
	struct instance *in;
	size_t cost = 0;

	if (ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist",
				  instance_id ? instance_id : "");
	in = INST(m, ii);
	for (size_t k = 0; k < in->n_enis; k++)
		cost += ENI(m, in->enis[k])->dot ? model_eni_destroy_cost(m, in->enis[k]) : 1;
	if (model_reserve_delta(delta, cost))
		return model_fail_nomem(err);
	for (size_t k = 0; k < in->n_enis; k++) {
		uint32_t ei = in->enis[k];
		struct eni *e = ENI(m, ei);

		mhash_del(&m->by_attach, e->attach_id, strlen(e->attach_id));
		free(e->attach_id);
		e->attach_id = NULL;
		e->inst = NIL;
		e->dev = 0;
		if (e->dot)
			model_eni_destroy(m, ei, delta);
		else
			model_put_eni(m, delta, ei);
	}
	mhash_del(&m->by_inst, in->id, strlen(in->id));
	free(in->id);
	free(in->az);
	free(in->enis);
	free(in->eni_ids);
	objtab_release(&m->insts, ii);
	return 0;
}
