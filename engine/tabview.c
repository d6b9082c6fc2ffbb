/* SPDX-License-Identifier: BSD-3-Clause */
/* tabview.c - a side of the forwarding tables as sorted records (see tabview.h). */
#include "tabview.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fwd.h"

static int tv_push(struct tv_list *l, const struct tv_rec *r)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		struct tv_rec *p = realloc(l->r, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		l->r = p;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
	return 0;
}

void tv_list_free(struct tv_list *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

/* Records are zeroed before they are filled: padding compares equal. */
static void tv_zero(struct tv_rec *r, enum tv_table t)
{
	memset(r, 0, sizeof(*r));
	r->table = (uint8_t)t;
}

static int tv_read_enis(const struct fwd_side *s, struct tv_list *out)
{
	struct tv_rec r;
	int rc = 0;

	for (uint32_t i = 0; i < s->max_enis && rc == 0; i++) {
		if (s->enis[i].state == FWD_ENI_ABSENT)
			continue;
		tv_zero(&r, TV_ENI);
		r.eni = s->enis[i];
		rc = tv_push(out, &r);
	}
	for (uint32_t i = 0; i < s->max_subnets && rc == 0; i++) {
		const struct fwd_subnet *sn = &s->subnets[i];

		if (!sn->present)
			continue;
		tv_zero(&r, TV_SUBNET);
		r.subnet.slot = i;
		r.subnet.route_table = sn->route_table;
		r.subnet.cidr4 = sn->cidr4;
		r.subnet.depth4 = sn->depth4;
		r.subnet.has_v6 = sn->has_v6;
		r.subnet.depth6 = sn->depth6;
		memcpy(r.subnet.cidr6, sn->cidr6, 16);
		rc = tv_push(out, &r);
	}
	return rc;
}

static int tv_read_route(struct tv_list *out, uint32_t rt, uint8_t family, const uint8_t *prefix,
			 uint8_t depth, uint32_t nh)
{
	struct tv_rec r;

	tv_zero(&r, TV_ROUTE);
	r.route.route_table = rt;
	r.route.family = family;
	r.route.depth = depth;
	memcpy(r.route.prefix, prefix, family == 4 ? 4 : 16);
	r.route.target = (uint8_t)fwd_nh_kind(nh);
	r.route.eni = r.route.target == ROUTE_ENI ? fwd_nh_eni(nh) : 0;
	return tv_push(out, &r);
}

static int tv_read_routes(const struct fwd_side *s, struct tv_list *out)
{
	int rc = 0;

	for (uint32_t rt = 0; rt < s->max_rtables && rc == 0; rt++) {
		const struct fwd_rtable *t = &s->rtables[rt];
		uint8_t p6[16], depth;
		uint32_t p4, nh;

		/* created on first use and loaded with acquire by readers (builder.c) */
		const struct route4 *r4 = __atomic_load_n(&t->r4, __ATOMIC_ACQUIRE);
		const struct route6 *r6 = __atomic_load_n(&t->r6, __ATOMIC_ACQUIRE);

		for (uint32_t i = 0;
		     r4 != NULL && rc == 0 && route4_get(r4, i, &p4, &depth, &nh) == 0; i++)
			rc = tv_read_route(out, rt, 4, (const uint8_t *)&p4, depth, nh);
		for (uint32_t i = 0;
		     r6 != NULL && rc == 0 && route6_get(r6, i, p6, &depth, &nh) == 0; i++)
			rc = tv_read_route(out, rt, 6, p6, depth, nh);
	}
	return rc;
}

static int tv_read_addrs(const struct fwd_side *s, struct tv_list *out)
{
	struct em16_key k16;
	struct tv_rec r;
	uint64_t k8, v;
	uint32_t k4, c;
	int rc = 0;

	for (c = 0; rc == 0 && em16_iterate(s->mac, &c, &k16, &v);) {
		uint64_t w0;

		tv_zero(&r, TV_MAC);
		/* fwd_mac_key's layout: the word of port and VLAN, then the MAC's bytes */
		memcpy(&w0, k16.b, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		r.mac.port = (uint16_t)w0;
		r.mac.vlan = (uint16_t)(w0 >> 16);
#else
		r.mac.port = (uint16_t)(w0 >> 48);
		r.mac.vlan = (uint16_t)(w0 >> 32);
#endif
		memcpy(r.mac.mac, k16.b + 4, 4);
		memcpy(r.mac.mac + 4, k16.b + 8, 2);
		r.mac.eni = fwd_mac_slot(v);
		r.mac.vpc = fwd_mac_vpc(v);
		rc = tv_push(out, &r);
	}
	for (c = 0; rc == 0 && em8_iterate(s->priv4, &c, &k8, &v);) {
		tv_zero(&r, TV_V4);
		r.v4.vpc = (uint32_t)(k8 >> 32);
		r.v4.addr = (uint32_t)k8;
		r.v4.eni = fwd_v4_slot(v);
		r.v4.eip = fwd_v4_addr(v);
		rc = tv_push(out, &r);
	}
	for (c = 0; rc == 0 && em16_iterate(s->ip6, &c, &k16, &v);) {
		tv_zero(&r, TV_V6);
		memcpy(r.v6.addr, k16.b, 16);
		r.v6.eni = (uint32_t)v;
		rc = tv_push(out, &r);
	}
	for (c = 0; rc == 0 && em4_iterate(s->eip4, &c, &k4, &v);) {
		tv_zero(&r, TV_EIP);
		r.eip.eip = k4;
		r.eip.eni = fwd_v4_slot(v);
		r.eip.priv = fwd_v4_addr(v);
		rc = tv_push(out, &r);
	}
	return rc;
}

static int u32cmp(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* Network-order IPv4 compared as numbers. */
static int ip4cmp(uint32_t a, uint32_t b)
{
	return u32cmp(ntohl(a), ntohl(b));
}

/* Table, then key. */
static int tv_cmp_key(const struct tv_rec *a, const struct tv_rec *b)
{
	int c = (a->table > b->table) - (a->table < b->table);

	if (c != 0)
		return c;
	switch (a->table) {
	case TV_ENI:
		return u32cmp(a->eni.slot, b->eni.slot);
	case TV_SUBNET:
		return u32cmp(a->subnet.slot, b->subnet.slot);
	case TV_ROUTE:
		if ((c = u32cmp(a->route.route_table, b->route.route_table)) != 0)
			return c;
		if ((c = (a->route.family > b->route.family) - (a->route.family < b->route.family)))
			return c;
		if ((c = memcmp(a->route.prefix, b->route.prefix, 16)) != 0)
			return c;
		return (a->route.depth > b->route.depth) - (a->route.depth < b->route.depth);
	case TV_MAC:
		if ((c = u32cmp(a->mac.port, b->mac.port)) != 0)
			return c;
		if ((c = u32cmp(a->mac.vlan, b->mac.vlan)) != 0)
			return c;
		return memcmp(a->mac.mac, b->mac.mac, 6);
	case TV_V4:
		if ((c = u32cmp(a->v4.vpc, b->v4.vpc)) != 0)
			return c;
		return ip4cmp(a->v4.addr, b->v4.addr);
	case TV_V6:
		return memcmp(a->v6.addr, b->v6.addr, 16);
	case TV_EIP:
		return ip4cmp(a->eip.eip, b->eip.eip);
	default:
		return 0;
	}
}

static int tv_qsort_cmp(const void *a, const void *b)
{
	return tv_cmp_key(a, b);
}

int tv_read_side(const struct fwd_side *s, struct tv_list *out)
{
	int rc = tv_read_enis(s, out);

	if (rc == 0)
		rc = tv_read_routes(s, out);
	if (rc == 0)
		rc = tv_read_addrs(s, out);
	if (rc == 0 && out->n > 1)
		qsort(out->r, out->n, sizeof(*out->r), tv_qsort_cmp);
	return rc;
}

const char *tv_table_name(enum tv_table t)
{
	static const char *const names[TV_TABLES] = {"eni",  "subnet", "route", "mac",
						     "ipv4", "ipv6",   "eip"};

	return (unsigned)t < TV_TABLES ? names[t] : "?";
}

const char *tv_target_name(unsigned target)
{
	static const char *const names[] = {"local", "igw", "eni", "blackhole"};

	return target < 4 ? names[target] : "?";
}

const char *tv_eni_state_name(unsigned state)
{
	static const char *const names[] = {"ok", "detached", "stopped"};

	return state < 3 ? names[state] : "?";
}

static const char *ip4(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *ip6(const uint8_t *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

void tv_format_key(const struct tv_rec *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (r->table) {
	case TV_ENI:
		snprintf(buf, len, "slot=%u", r->eni.slot);
		break;
	case TV_SUBNET:
		snprintf(buf, len, "slot=%u", r->subnet.slot);
		break;
	case TV_ROUTE: {
		uint32_t p4;

		memcpy(&p4, r->route.prefix, 4);
		snprintf(buf, len, "rt=%u %s/%u", r->route.route_table,
			 r->route.family == 4 ? ip4(p4, a) : ip6(r->route.prefix, a),
			 r->route.depth);
		break;
	}
	case TV_MAC:
		snprintf(buf, len, "port=%u vlan=%u %02x:%02x:%02x:%02x:%02x:%02x", r->mac.port,
			 r->mac.vlan, r->mac.mac[0], r->mac.mac[1], r->mac.mac[2], r->mac.mac[3],
			 r->mac.mac[4], r->mac.mac[5]);
		break;
	case TV_V4:
		snprintf(buf, len, "vpc=%u %s", r->v4.vpc, ip4(r->v4.addr, a));
		break;
	case TV_V6:
		snprintf(buf, len, "%s", ip6(r->v6.addr, a));
		break;
	case TV_EIP:
		snprintf(buf, len, "%s", ip4(r->eip.eip, a));
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void tv_format_val(const struct tv_rec *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const uint8_t *m = r->eni.mac;

	switch (r->table) {
	case TV_ENI:
		snprintf(buf, len,
			 "vpc=%u subnet=%u rt=%u port=%u vlan=%u mac=%02x:%02x:%02x:%02x:%02x:%02x "
			 "state=%s sdc=%u",
			 r->eni.vpc, r->eni.subnet, r->eni.route_table, r->eni.port, r->eni.vlan,
			 m[0], m[1], m[2], m[3], m[4], m[5], tv_eni_state_name(r->eni.state),
			 r->eni.source_dest_check);
		break;
	case TV_SUBNET:
		if (r->subnet.has_v6)
			snprintf(buf, len, "rt=%u %s/%u %s/%u", r->subnet.route_table,
				 ip4(r->subnet.cidr4, a), r->subnet.depth4, ip6(r->subnet.cidr6, b),
				 r->subnet.depth6);
		else
			snprintf(buf, len, "rt=%u %s/%u", r->subnet.route_table,
				 ip4(r->subnet.cidr4, a), r->subnet.depth4);
		break;
	case TV_ROUTE:
		if (r->route.target == ROUTE_ENI)
			snprintf(buf, len, "eni=%u", r->route.eni);
		else
			snprintf(buf, len, "%s", tv_target_name(r->route.target));
		break;
	case TV_MAC:
		snprintf(buf, len, "eni=%u vpc=%u", r->mac.eni, r->mac.vpc);
		break;
	case TV_V4:
		snprintf(buf, len, "eni=%u eip=%s", r->v4.eni,
			 r->v4.eip == DELTA_NO_EIP ? "-" : ip4(r->v4.eip, a));
		break;
	case TV_V6:
		snprintf(buf, len, "eni=%u", r->v6.eni);
		break;
	case TV_EIP:
		snprintf(buf, len, "private=%s eni=%u", ip4(r->eip.priv, a), r->eip.eni);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static void tv_line(FILE *out, const char *what, const struct tv_rec *r)
{
	char k[128], v[256];

	tv_format_key(r, k, sizeof(k));
	tv_format_val(r, v, sizeof(v));
	fprintf(out, "%s %s %s: %s\n", what, tv_table_name(r->table), k, v);
}

static void tv_line_diff(FILE *out, const struct tv_rec *want, const struct tv_rec *got)
{
	char k[128], vg[256], vw[256];

	tv_format_key(got, k, sizeof(k));
	tv_format_val(got, vg, sizeof(vg));
	tv_format_val(want, vw, sizeof(vw));
	fprintf(out, "different %s %s: tables %s, model %s\n", tv_table_name(got->table), k, vg,
		vw);
}

size_t tv_diff(const struct tv_list *want, const struct tv_list *got, FILE *out)
{
	size_t i = 0, j = 0, n = 0;

	while (i < want->n || j < got->n) {
		int c = i == want->n ? 1 : j == got->n ? -1 : tv_cmp_key(&want->r[i], &got->r[j]);

		if (c < 0) {
			tv_line(out, "missing", &want->r[i++]);
			n++;
		} else if (c > 0) {
			tv_line(out, "extra", &got->r[j++]);
			n++;
		} else {
			/* records are zeroed before being filled: memcmp compares values */
			if (memcmp(&want->r[i], &got->r[j], sizeof(want->r[i])) != 0) {
				tv_line_diff(out, &want->r[i], &got->r[j]);
				n++;
			}
			i++;
			j++;
		}
	}
	return n;
}
