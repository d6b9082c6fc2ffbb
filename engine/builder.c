/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * builder.c - model deltas -> table changes, one generation per delta
 * (see builder.h).
 *
 * Both sides are always equal between two builder_apply() calls, so the
 * writer side is also the mirror of the published state: an ENI_SET finds
 * the ENI's previous MAC key in the side's own eni array.
 */
#include "builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

#define BUILDER_DEF_ADDRS (1u << 20)
#define BUILDER_DEF_ENIS (1u << 16)
#define BUILDER_DEF_SUBNETS 4096u
#define BUILDER_DEF_RTABLES 1024u
#define BUILDER_DEF_ROUTES 1024u

struct builder {
	struct builder_params p; /* with defaults filled in */
	struct fwd_side side[2];
	struct fwd_neigh *neigh;
	struct gen *gen;
};

/* ---- one side ---- */

static void side_fini(struct fwd_side *s)
{
	em4_free(s->eip4);
	em8_free(s->priv4);
	em16_free(s->ip6);
	em16_free(s->mac);
	if (s->rtables != NULL)
		for (uint32_t i = 0; i < s->max_rtables; i++) {
			route4_free(s->rtables[i].r4);
			route6_free(s->rtables[i].r6);
		}
	free(s->rtables);
	free(s->subnets);
	free(s->enis);
	memset(s, 0, sizeof(*s));
}

static int side_init(struct fwd_side *s, const struct builder_params *p, struct fwd_neigh *neigh,
		     unsigned idx, uint32_t mac_keys)
{
	char name[32];

	memset(s, 0, sizeof(*s));
	snprintf(name, sizeof(name), "eip4-%u", idx);
	s->eip4 = em4_create(name, (uint32_t)p->max_eips, p->socket_id);
	snprintf(name, sizeof(name), "priv4-%u", idx);
	s->priv4 = em8_create(name, (uint32_t)p->max_v4, p->socket_id);
	snprintf(name, sizeof(name), "ip6-%u", idx);
	s->ip6 = em16_create(name, (uint32_t)p->max_v6, p->socket_id);
	snprintf(name, sizeof(name), "mac-%u", idx);
	s->mac = em16_create(name, mac_keys, p->socket_id);
	s->enis = aligned_alloc(64, ((size_t)p->max_enis * sizeof(*s->enis) + 63) / 64 * 64);
	s->subnets = calloc(p->max_subnets, sizeof(*s->subnets));
	s->rtables = calloc(p->max_route_tables, sizeof(*s->rtables));
	s->max_enis = p->max_enis;
	s->max_subnets = p->max_subnets;
	s->max_rtables = p->max_route_tables;
	if (!s->eip4 || !s->priv4 || !s->ip6 || !s->mac || !s->enis || !s->subnets || !s->rtables) {
		side_fini(s);
		return -ENOMEM;
	}
	memset(s->enis, 0, (size_t)p->max_enis * sizeof(*s->enis));
	for (uint32_t i = 0; i < p->max_enis; i++) {
		s->enis[i].slot = i;
		s->enis[i].state = FWD_ENI_ABSENT;
	}
	s->n_ports = (uint16_t)p->n_ports;
	s->uplink = -1;
	for (unsigned i = 0; i < p->n_ports; i++) {
		const struct builder_port *bp = &p->ports[i];
		struct fwd_port *fp = &s->ports[i];

		fp->role = (uint8_t)bp->role;
		memcpy(fp->mac, bp->mac, 6);
		fp->has_upstream_mac = bp->has_upstream_mac;
		memcpy(fp->upstream_mac, bp->upstream_mac, 6);
		fp->has_upstream_ip = bp->has_upstream_ip;
		fp->upstream_ip = bp->upstream_ip;
		fp->mtu = bp->mtu ? bp->mtu : FWD_MTU_DEFAULT;
		fp->max_frame = fp->mtu + 14u; /* RTE_ETHER_HDR_LEN */
		if (bp->role == FWD_PORT_UPLINK && s->uplink < 0)
			s->uplink = (int16_t)i;
	}
	s->neigh = neigh;
	return 0;
}

/* Route table rt of side s, created empty on first use. */
static int side_rtable(struct fwd_side *s, uint32_t rt, const struct builder_params *p)
{
	struct fwd_rtable *t = &s->rtables[rt];
	char name[32];

	if (t->r4 == NULL) {
		snprintf(name, sizeof(name), "rt%u", rt);
		struct route4 *r4 = route4_create(name, p->max_routes, p->socket_id);
		if (r4 == NULL)
			return -ENOMEM;
		/* readers of the published side may load it: publish it whole */
		__atomic_store_n(&t->r4, r4, __ATOMIC_RELEASE);
	}
	if (t->r6 == NULL) {
		snprintf(name, sizeof(name), "rt%u", rt);
		struct route6 *r6 = route6_create(name, p->max_routes, p->socket_id);
		if (r6 == NULL)
			return -ENOMEM;
		__atomic_store_n(&t->r6, r6, __ATOMIC_RELEASE);
	}
	return 0;
}

static void side_mac_del(struct fwd_side *s, const struct eni_fwd *old)
{
	struct em16_key k;
	uint64_t v;

	if (old->state == FWD_ENI_ABSENT || old->state == ENI_FWD_DETACHED)
		return;
	fwd_mac_key(&k, old->port, old->vlan, old->mac);
	/* only the key's owner removes it */
	if (em16_lookup(s->mac, &k, &v) && fwd_mac_slot(v) == old->slot)
		em16_delete(s->mac, &k);
}

static int side_apply_one(struct fwd_side *s, const struct delta_entry *e)
{
	struct em16_key k;
	int rc = 0;

	switch (e->kind) {
	case DELTA_ENI_SET: {
		struct eni_fwd *cur = &s->enis[e->eni.slot];

		side_mac_del(s, cur);
		*cur = e->eni;
		if (cur->state != ENI_FWD_DETACHED) {
			fwd_mac_key(&k, cur->port, cur->vlan, cur->mac);
			rc = em16_add(s->mac, &k, fwd_mac_value(cur->slot, cur->vpc));
		}
		break;
	}
	case DELTA_ENI_DEL:
		side_mac_del(s, &s->enis[e->eni.slot]);
		s->enis[e->eni.slot].state = FWD_ENI_ABSENT;
		break;
	case DELTA_V4_SET:
		rc = em8_add(s->priv4, fwd_priv_key(e->v4.vpc, e->v4.addr),
			     fwd_v4_value(e->v4.eni, e->v4.eip));
		break;
	case DELTA_V4_DEL:
		(void)em8_delete(s->priv4, fwd_priv_key(e->v4.vpc, e->v4.addr));
		break;
	case DELTA_V6_SET:
		memcpy(k.b, e->v6.addr, 16);
		rc = em16_add(s->ip6, &k, e->v6.eni);
		break;
	case DELTA_V6_DEL:
		memcpy(k.b, e->v6.addr, 16);
		(void)em16_delete(s->ip6, &k);
		break;
	case DELTA_EIP_SET:
		rc = em4_add(s->eip4, e->eip.eip, fwd_v4_value(e->eip.eni, e->eip.priv));
		break;
	case DELTA_EIP_DEL:
		(void)em4_delete(s->eip4, e->eip.eip);
		break;
	case DELTA_ROUTE_SET: {
		const struct fwd_rtable *t = &s->rtables[e->route.route_table];
		uint32_t nh =
		    fwd_nh(e->route.target, e->route.target == ROUTE_ENI ? e->route.eni : 0);
		uint32_t p4;

		if (e->route.family == 4) {
			memcpy(&p4, e->route.prefix, 4);
			rc = route4_add(t->r4, p4, e->route.depth, nh);
		} else {
			rc = route6_add(t->r6, e->route.prefix, e->route.depth, nh);
		}
		break;
	}
	case DELTA_ROUTE_DEL: {
		const struct fwd_rtable *t = &s->rtables[e->route.route_table];
		uint32_t p4;

		if (e->route.family == 4) {
			memcpy(&p4, e->route.prefix, 4);
			(void)route4_delete(t->r4, p4, e->route.depth);
		} else {
			(void)route6_delete(t->r6, e->route.prefix, e->route.depth);
		}
		break;
	}
	case DELTA_SUBNET_SET: {
		struct fwd_subnet *sn = &s->subnets[e->subnet.slot];
		uint32_t mask = e->subnet.depth4 ? ~0u << (32 - e->subnet.depth4) : 0;

		sn->mask4 = __builtin_bswap32(mask);
		sn->cidr4 = e->subnet.cidr4 & sn->mask4;
		sn->depth4 = e->subnet.depth4;
		sn->route_table = e->subnet.route_table;
		sn->has_v6 = e->subnet.has_v6;
		sn->depth6 = e->subnet.depth6;
		memcpy(sn->cidr6, e->subnet.cidr6, 16);
		sn->present = 1;
		break;
	}
	case DELTA_SUBNET_DEL:
		s->subnets[e->subnet.slot].present = 0;
		break;
	}
	return rc;
}

static int side_apply(struct fwd_side *s, const struct delta *d)
{
	for (size_t i = 0; i < d->n; i++) {
		int rc = side_apply_one(s, &d->e[i]);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- checks made before anything changes ---- */

static int builder_check_entry(const struct builder *b, const struct delta_entry *e)
{
	const struct builder_params *p = &b->p;

	switch (e->kind) {
	case DELTA_ENI_SET:
		if (e->eni.subnet >= p->max_subnets || e->eni.route_table >= p->max_route_tables ||
		    e->eni.state > ENI_FWD_STOPPED)
			return -EINVAL;
		if (e->eni.state != ENI_FWD_DETACHED && e->eni.port >= p->n_ports)
			return -EINVAL;
		/* fall through */
	case DELTA_ENI_DEL:
		return e->eni.slot < p->max_enis ? 0 : -EINVAL;
	case DELTA_V4_SET:
		return e->v4.eni < p->max_enis ? 0 : -EINVAL;
	case DELTA_V6_SET:
		return e->v6.eni < p->max_enis ? 0 : -EINVAL;
	case DELTA_EIP_SET:
		return e->eip.eni < p->max_enis ? 0 : -EINVAL;
	case DELTA_V4_DEL:
	case DELTA_V6_DEL:
	case DELTA_EIP_DEL:
		return 0;
	case DELTA_ROUTE_SET:
		if (e->route.target > ROUTE_BLACKHOLE ||
		    (e->route.target == ROUTE_ENI &&
		     (e->route.eni >= p->max_enis || e->route.eni >= FWD_NH_ENI_MAX)))
			return -EINVAL;
		/* fall through */
	case DELTA_ROUTE_DEL:
		if (e->route.route_table >= p->max_route_tables)
			return -EINVAL;
		if (e->route.family == 4)
			return e->route.depth <= 32 ? 0 : -EINVAL;
		if (e->route.family == 6)
			return e->route.depth <= 128 ? 0 : -EINVAL;
		return -EINVAL;
	case DELTA_SUBNET_SET:
		if (e->subnet.route_table >= p->max_route_tables || e->subnet.depth4 > 32 ||
		    e->subnet.depth6 > 128)
			return -EINVAL;
		/* fall through */
	case DELTA_SUBNET_DEL:
		return e->subnet.slot < p->max_subnets ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * Refuse a delta that could overflow a table: existing keys plus the SETs of
 * keys not held yet (a key set twice counts twice: conservative). One side
 * is checked: between two builder_apply() calls both sides hold the same keys.
 */
static int builder_check_room(const struct builder *b, const struct fwd_side *s,
			      const struct delta *d, size_t *n_routes)
{
	uint64_t v4 = em8_count(s->priv4), v6 = em16_count(s->ip6), eip = em4_count(s->eip4);
	uint64_t mac = em16_count(s->mac);
	struct em16_key k;
	uint64_t val;

	*n_routes = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct delta_entry *e = &d->e[i];

		if (e->kind == DELTA_V4_SET &&
		    !em8_lookup(s->priv4, fwd_priv_key(e->v4.vpc, e->v4.addr), &val))
			v4++;
		else if (e->kind == DELTA_EIP_SET && !em4_lookup(s->eip4, e->eip.eip, &val))
			eip++;
		else if (e->kind == DELTA_V6_SET) {
			memcpy(k.b, e->v6.addr, 16);
			if (!em16_lookup(s->ip6, &k, &val))
				v6++;
		} else if (e->kind == DELTA_ENI_SET && e->eni.state != ENI_FWD_DETACHED)
			mac++; /* its old key may stay while another ENI owns it */
		else if (e->kind == DELTA_ROUTE_SET)
			++*n_routes;
	}
	if (v4 > b->p.max_v4 || v6 > b->p.max_v6 || eip > b->p.max_eips ||
	    mac > 2 * (uint64_t)b->p.max_enis)
		return -ENOSPC;
	return 0;
}

/*
 * Refuse a delta that would put more than max_routes routes in a route table
 * (per family): the routes held plus the SETs of routes not held yet. Only
 * for deltas with route SETs (n_routes of them); their tables exist by now.
 */
static int builder_check_routes(const struct builder *b, const struct fwd_side *s,
				const struct delta *d, size_t n_routes)
{
	uint32_t *more;
	int rc = 0;

	if (n_routes == 0)
		return 0;
	more = calloc(2 * (size_t)b->p.max_route_tables, sizeof(*more));
	if (more == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->n && rc == 0; i++) {
		const struct delta_entry *e = &d->e[i];
		const struct fwd_rtable *t;
		uint32_t p4, held, *n;
		bool has;

		if (e->kind != DELTA_ROUTE_SET)
			continue;
		t = &s->rtables[e->route.route_table];
		n = &more[2 * e->route.route_table + (e->route.family == 6)];
		if (e->route.family == 4) {
			memcpy(&p4, e->route.prefix, 4);
			has = route4_holds(t->r4, p4, e->route.depth);
			held = route4_count(t->r4);
		} else {
			has = route6_holds(t->r6, e->route.prefix, e->route.depth);
			held = route6_count(t->r6);
		}
		if (!has && (uint64_t)held + ++*n > b->p.max_routes)
			rc = -ENOSPC;
	}
	free(more);
	return rc;
}

/* Create, on both sides, the route tables d refers to (before any change). */
static int builder_make_rtables(struct builder *b, const struct delta *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct delta_entry *e = &d->e[i];
		uint32_t rt;

		if (e->kind == DELTA_ROUTE_SET || e->kind == DELTA_ROUTE_DEL)
			rt = e->route.route_table;
		else if (e->kind == DELTA_SUBNET_SET)
			rt = e->subnet.route_table;
		else if (e->kind == DELTA_ENI_SET)
			rt = e->eni.route_table;
		else
			continue;
		for (int s = 0; s < 2; s++) {
			int rc = side_rtable(&b->side[s], rt, &b->p);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* ---- public ---- */

struct builder *builder_create(const struct builder_params *params)
{
	struct builder *b;

	if (params == NULL || params->n_ports > FWD_MAX_PORTS) {
		errno = EINVAL;
		return NULL;
	}
	for (size_t i = 0; i < params->n_ports; i++)
		if (params->ports[i].mtu != 0 &&
		    (params->ports[i].mtu < FWD_MTU_MIN || params->ports[i].mtu > FWD_MTU_MAX)) {
			errno = EINVAL;
			return NULL;
		}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	b->p = *params;
	if (!b->p.max_v4)
		b->p.max_v4 = BUILDER_DEF_ADDRS;
	if (!b->p.max_v6)
		b->p.max_v6 = BUILDER_DEF_ADDRS;
	if (!b->p.max_eips)
		b->p.max_eips = BUILDER_DEF_ADDRS;
	if (!b->p.max_enis)
		b->p.max_enis = BUILDER_DEF_ENIS;
	if (!b->p.max_subnets)
		b->p.max_subnets = BUILDER_DEF_SUBNETS;
	if (!b->p.max_route_tables)
		b->p.max_route_tables = BUILDER_DEF_RTABLES;
	if (!b->p.max_routes)
		b->p.max_routes = BUILDER_DEF_ROUTES;
	if (!b->p.max_readers)
		b->p.max_readers = 1;
	if (b->p.max_v4 > UINT32_MAX || b->p.max_v6 > UINT32_MAX || b->p.max_eips > UINT32_MAX ||
	    b->p.max_enis > FWD_NH_ENI_MAX) {
		free(b);
		errno = EINVAL;
		return NULL;
	}
	b->neigh = aligned_alloc(64, sizeof(*b->neigh));
	if (b->neigh == NULL)
		goto nomem;
	memset(b->neigh, 0, sizeof(*b->neigh));
	/* twice the ENIs: two ENIs may briefly claim one key (model bugs aside) */
	if (side_init(&b->side[0], &b->p, b->neigh, 0, 2 * b->p.max_enis) != 0)
		goto nomem;
	if (side_init(&b->side[1], &b->p, b->neigh, 1, 2 * b->p.max_enis) != 0)
		goto nomem;
	b->gen = gen_create(b->p.max_readers, &b->side[0], &b->side[1]);
	if (b->gen == NULL)
		goto nomem;
	return b;
nomem:
	builder_free(b);
	errno = ENOMEM;
	return NULL;
}

void builder_free(struct builder *b)
{
	if (b == NULL)
		return;
	gen_free(b->gen);
	side_fini(&b->side[0]);
	side_fini(&b->side[1]);
	free(b->neigh);
	free(b);
}

struct gen *builder_gen(const struct builder *b)
{
	return b->gen;
}

uint32_t builder_max_enis(const struct builder *b)
{
	return b->p.max_enis;
}

const struct fwd_side *builder_side(const struct builder *b)
{
	return gen_reader_side(b->gen);
}

void builder_table_stats(const struct builder *b, struct builder_table_stats out[BUILDER_TABLES])
{
	const struct fwd_side *s = gen_reader_side(b->gen);
	uint64_t n_enis = 0, n_subnets = 0, n_rt = 0, r4 = 0, r6 = 0;

	for (uint32_t i = 0; i < s->max_enis; i++)
		n_enis += s->enis[i].state != FWD_ENI_ABSENT;
	for (uint32_t i = 0; i < s->max_subnets; i++)
		n_subnets += s->subnets[i].present != 0;
	for (uint32_t i = 0; i < s->max_rtables; i++) {
		if (s->rtables[i].r4 == NULL)
			continue;
		n_rt++;
		r4 += route4_count(s->rtables[i].r4);
		if (s->rtables[i].r6 != NULL)
			r6 += route6_count(s->rtables[i].r6);
	}
	out[BUILDER_TABLE_EIP] =
	    (struct builder_table_stats){"eip", em4_count(s->eip4), em4_cem(s->eip4)->max_keys};
	out[BUILDER_TABLE_PRIVATE_V4] = (struct builder_table_stats){
	    "private_ipv4", em8_count(s->priv4), em8_cem(s->priv4)->max_keys};
	out[BUILDER_TABLE_IPV6] =
	    (struct builder_table_stats){"ipv6", em16_count(s->ip6), em16_cem(s->ip6)->max_keys};
	out[BUILDER_TABLE_MAC] =
	    (struct builder_table_stats){"mac", em16_count(s->mac), em16_cem(s->mac)->max_keys};
	out[BUILDER_TABLE_ENI] = (struct builder_table_stats){"eni", n_enis, s->max_enis};
	out[BUILDER_TABLE_SUBNET] =
	    (struct builder_table_stats){"subnet", n_subnets, s->max_subnets};
	out[BUILDER_TABLE_ROUTE_TABLE] =
	    (struct builder_table_stats){"route_table", n_rt, s->max_rtables};
	out[BUILDER_TABLE_ROUTE_V4] = (struct builder_table_stats){
	    "route_ipv4", r4, (uint64_t)s->max_rtables * b->p.max_routes};
	out[BUILDER_TABLE_ROUTE_V6] = (struct builder_table_stats){
	    "route_ipv6", r6, (uint64_t)s->max_rtables * b->p.max_routes};
}

/*
 * Everything that can refuse d, before anything changes: each entry in
 * range, room in every table, route tables created on both sides. After it,
 * applying d to either side cannot fail.
 */
static int builder_prepare(struct builder *b, const struct delta *d)
{
	const struct fwd_side *w = gen_writer_side(b->gen);
	size_t n_routes;
	int rc;

	for (size_t i = 0; i < d->n; i++) {
		rc = builder_check_entry(b, &d->e[i]);
		if (rc != 0)
			return rc;
	}
	rc = builder_check_room(b, w, d, &n_routes);
	if (rc == 0)
		rc = builder_make_rtables(b, d);
	if (rc == 0)
		rc = builder_check_routes(b, w, d, n_routes);
	return rc;
}

/* d and sg as one generation (sg_set false: both sides keep theirs). */
static int builder_publish(struct builder *b, const struct delta *d, bool sg_set,
			   const struct sg_tables *sg)
{
	struct fwd_side *w;
	int rc;

	if (d->n == 0 && !sg_set)
		return 0;
	rc = builder_prepare(b, d);
	if (rc != 0)
		return rc; /* nothing changed */
	w = gen_writer_side(b->gen);
	if (side_apply(w, d) != 0)
		return -EIO; /* unpublished: workers never see it; the sides differ */
	if (sg_set)
		w->sg = sg;
	gen_writer_publish(b->gen);
	/* the old side is unread now (its sg too): make it equal to the published one */
	w = gen_writer_side(b->gen);
	if (sg_set)
		w->sg = sg;
	if (side_apply(w, d) != 0)
		return -EIO; /* the published side is right, the other is not */
	return 0;
}

int builder_apply(struct builder *b, const struct delta *d)
{
	return builder_publish(b, d, false, NULL);
}

int builder_apply_sg(struct builder *b, const struct delta *d, const struct sg_tables *sg)
{
	return builder_publish(b, d, true, sg);
}

void builder_set_ct(struct builder *b, struct ct *ct)
{
	b->side[0].ct = b->side[1].ct = ct;
}

struct rte_rcu_qsbr *builder_qsbr(const struct builder *b)
{
	return gen_qsbr(b->gen);
}

/* A new side holding exactly full (every table built empty first). */
static int side_build(const struct builder *b, const struct builder_params *p, unsigned idx,
		      uint32_t mac_keys, const struct delta *full, struct fwd_side *out)
{
	int rc = side_init(out, p, b->neigh, idx, mac_keys);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < full->n && rc == 0; i++) {
		const struct delta_entry *e = &full->e[i];
		uint32_t rt = UINT32_MAX;

		if (e->kind == DELTA_ROUTE_SET || e->kind == DELTA_ROUTE_DEL)
			rt = e->route.route_table;
		else if (e->kind == DELTA_SUBNET_SET)
			rt = e->subnet.route_table;
		else if (e->kind == DELTA_ENI_SET)
			rt = e->eni.route_table;
		if (rt != UINT32_MAX)
			rc = side_rtable(out, rt, p);
	}
	if (rc == 0)
		rc = side_apply(out, full);
	if (rc != 0)
		side_fini(out);
	return rc;
}

/* Replace the unpublished side with a fresh one holding full. */
static int builder_replace_writer(struct builder *b, const struct delta *full)
{
	struct fwd_side *w = gen_writer_side(b->gen);
	struct fwd_side fresh;
	int rc = side_build(b, &b->p, (unsigned)(w - b->side), 2 * b->p.max_enis, full, &fresh);

	if (rc != 0)
		return rc;
	/* the security groups are not in full: the new side keeps the old one's */
	fresh.sg = w->sg;
	fresh.ct = w->ct;
	side_fini(w); /* no worker reads it: it is not published */
	*w = fresh;
	return 0;
}

int builder_rebuild(struct builder *b, const struct delta *full)
{
	for (size_t i = 0; i < full->n; i++) {
		int rc = builder_check_entry(b, &full->e[i]);
		if (rc != 0)
			return rc;
	}
	int rc = builder_replace_writer(b, full);
	if (rc != 0)
		return rc;
	gen_writer_publish(b->gen);
	return builder_replace_writer(b, full);
}

struct fwd_side *builder_side_build(const struct builder *b, const struct delta *full)
{
	struct builder_params p = b->p; /* same slots and ports, tables sized for full */
	uint32_t n_v4 = 1, n_v6 = 1, n_eip = 1, n_eni = 1, n_routes = 1;
	struct fwd_side *s;
	int rc;

	for (size_t i = 0; i < full->n; i++) {
		int rc_entry = builder_check_entry(b, &full->e[i]);

		if (rc_entry != 0) {
			errno = -rc_entry;
			return NULL;
		}
		switch (full->e[i].kind) {
		case DELTA_V4_SET:
			n_v4++;
			break;
		case DELTA_V6_SET:
			n_v6++;
			break;
		case DELTA_EIP_SET:
			n_eip++;
			break;
		case DELTA_ENI_SET:
			n_eni++;
			break;
		case DELTA_ROUTE_SET:
			n_routes++;
			break;
		default:
			break;
		}
	}
	p.max_v4 = n_v4;
	p.max_v6 = n_v6;
	p.max_eips = n_eip;
	p.max_routes = n_routes;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	/* idx 2: named apart from the two published sides */
	rc = side_build(b, &p, 2, 2 * n_eni, full, s);
	if (rc != 0) {
		free(s);
		errno = -rc;
		return NULL;
	}
	s->sg = NULL; /* not built from full: the groups are the published side's */
	return s;
}

void builder_side_free(struct fwd_side *s)
{
	if (s == NULL)
		return;
	side_fini(s);
	free(s);
}
