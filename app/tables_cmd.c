/* SPDX-License-Identifier: BSD-3-Clause */
/* tables_cmd.c - listings of the published tables and their check (see tables_cmd.h). */
#include "tables_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"
#include "jsonw.h"
#include "stats.h"
#include "tabview.h"

#define TC_MAX_WORDS 8

/* The model's ids by slot: ENIs and route tables (the tables know slots only). */
struct names {
	const char **eni, **rt;
	uint32_t n_eni, n_rt;
};

static int names_put(const char ***v, uint32_t *n, uint32_t slot, const char *id)
{
	if (slot >= *n) {
		uint32_t cap = slot + 1 > 2 * *n ? slot + 1 : 2 * *n;
		const char **p = realloc(*v, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		for (uint32_t i = *n; i < cap; i++)
			p[i] = NULL;
		*v = p;
		*n = cap;
	}
	(*v)[slot] = id;
	return 0;
}

static int names_eni(const struct model_eni_view *v, void *arg)
{
	struct names *nm = arg;

	return names_put(&nm->eni, &nm->n_eni, v->slot, v->id);
}

static int names_rt(const struct model_route_table_view *v, void *arg)
{
	struct names *nm = arg;

	return names_put(&nm->rt, &nm->n_rt, v->slot, v->id);
}

/* NULL when the model has no ENI in that slot. */
static const char *eni_name(const struct names *nm, uint32_t slot)
{
	return slot < nm->n_eni ? nm->eni[slot] : NULL;
}

static const char *rt_name(const struct names *nm, uint32_t slot)
{
	return slot < nm->n_rt ? nm->rt[slot] : NULL;
}

static void names_free(struct names *nm)
{
	free(nm->eni);
	free(nm->rt);
}

static const char *or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

static const char *ip4(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static const char *ip6(const uint8_t *a, char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void mac_text(const uint8_t *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A listing: the published side's records and the model's names. */
struct listing {
	const struct engine *e;
	const struct model *m;
	struct tv_list t;
	struct names nm;
	bool json;
	FILE *out;
};

static int listing_open(struct listing *l, FILE *out)
{
	int rc = engine_tables_read(l->e, &l->t);

	if (rc == 0)
		rc = model_foreach_eni(l->m, names_eni, &l->nm);
	if (rc == 0)
		rc = model_foreach_route_table(l->m, names_rt, &l->nm);
	if (rc != 0)
		fprintf(out, "ERR InternalError: reading the tables: %s\n", strerror(-rc));
	return rc;
}

static void listing_close(struct listing *l)
{
	tv_list_free(&l->t);
	names_free(&l->nm);
}

/* [first, end) of table t in the sorted list. */
static size_t table_start(const struct tv_list *t, enum tv_table which, size_t *end)
{
	size_t i = 0;

	while (i < t->n && t->r[i].table < which)
		i++;
	*end = i;
	while (*end < t->n && t->r[*end].table == which)
		++*end;
	return i;
}

/* ---- nat ---- */

static void list_nat(struct listing *l)
{
	size_t end, i = table_start(&l->t, TV_EIP, &end);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	bool first = true;

	if (l->json)
		fputc('[', l->out);
	for (; i < end; i++) {
		const struct tv_rec *r = &l->t.r[i];
		const char *eni = eni_name(&l->nm, r->eip.eni);

		if (!l->json) {
			fprintf(l->out, "%s -> %s eni=%s slot=%u\n", ip4(r->eip.eip, a),
				ip4(r->eip.priv, b), or_dash(eni), r->eip.eni);
			continue;
		}
		fprintf(l->out,
			"%s{\"public_ip\":\"%s\",\"private_ip\":\"%s\",\"eni\":", first ? "" : ",",
			ip4(r->eip.eip, a), ip4(r->eip.priv, b));
		jsonw_str(l->out, eni);
		fprintf(l->out, ",\"eni_slot\":%u}", r->eip.eni);
		first = false;
	}
	if (l->json)
		fputs("]\n", l->out);
}

/* ---- enis ---- */

/* Address records by ENI slot, then as the list had them (by address). */
static int by_eni_cmp(const void *a, const void *b)
{
	const struct tv_rec *const *x = a, *const *y = b;
	uint32_t ex = (*x)->table == TV_V4 ? (*x)->v4.eni : (*x)->v6.eni;
	uint32_t ey = (*y)->table == TV_V4 ? (*y)->v4.eni : (*y)->v6.eni;

	if (ex != ey)
		return ex < ey ? -1 : 1;
	return *x < *y ? -1 : *x > *y; /* the list's order: table, then address */
}

static void print_eni_addrs(struct listing *l, const struct tv_rec *const *addr, size_t n)
{
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	bool first = true;

	/* IPv4 first: the list sorts ipv4 before ipv6 */
	fputs(l->json ? ",\"ipv4\":[" : " ipv4=", l->out);
	for (size_t i = 0; i < n && addr[i]->table == TV_V4; i++) {
		const struct tv_rec *r = addr[i];

		if (l->json) {
			fprintf(l->out, "%s{\"address\":\"%s\",\"eip\":", first ? "" : ",",
				ip4(r->v4.addr, a));
			if (r->v4.eip == DELTA_NO_EIP)
				fputs("null}", l->out);
			else
				fprintf(l->out, "\"%s\"}", ip4(r->v4.eip, b));
		} else {
			fprintf(l->out, "%s%s", first ? "" : ",", ip4(r->v4.addr, a));
			if (r->v4.eip != DELTA_NO_EIP)
				fprintf(l->out, "(%s)", ip4(r->v4.eip, b));
		}
		first = false;
	}
	if (!l->json && first)
		fputc('-', l->out);
	fputs(l->json ? "],\"ipv6\":[" : " ipv6=", l->out);
	first = true;
	for (size_t i = 0; i < n; i++) {
		if (addr[i]->table != TV_V6)
			continue;
		if (l->json)
			fprintf(l->out, "%s\"%s\"", first ? "" : ",", ip6(addr[i]->v6.addr, a));
		else
			fprintf(l->out, "%s%s", first ? "" : ",", ip6(addr[i]->v6.addr, a));
		first = false;
	}
	if (!l->json && first)
		fputc('-', l->out);
	if (l->json)
		fputc(']', l->out);
}

static void print_eni(struct listing *l, const struct eni_fwd *f, bool first)
{
	const char *id = eni_name(&l->nm, f->slot);
	char mac[18];

	mac_text(f->mac, mac);
	if (!l->json) {
		fprintf(l->out,
			"%s slot=%u mac=%s port=%u vlan=%u state=%s sdc=%u vpc=%u subnet=%u "
			"rt=%u",
			or_dash(id), f->slot, mac, f->port, f->vlan, tv_eni_state_name(f->state),
			f->source_dest_check, f->vpc, f->subnet, f->route_table);
		return;
	}
	fprintf(l->out, "%s{\"eni\":", first ? "" : ",");
	jsonw_str(l->out, id);
	fprintf(
	    l->out,
	    ",\"slot\":%u,\"mac\":\"%s\",\"port\":%u,\"vlan\":%u,\"state\":\"%s\","
	    "\"source_dest_check\":%s,\"vpc_slot\":%u,\"subnet_slot\":%u,\"route_table_slot\":%u",
	    f->slot, mac, f->port, f->vlan, tv_eni_state_name(f->state),
	    f->source_dest_check ? "true" : "false", f->vpc, f->subnet, f->route_table);
}

static int list_enis(struct listing *l)
{
	size_t e_end, e = table_start(&l->t, TV_ENI, &e_end);
	size_t v4_end, v4 = table_start(&l->t, TV_V4, &v4_end);
	size_t v6_end, v6 = table_start(&l->t, TV_V6, &v6_end);
	size_t n = (v4_end - v4) + (v6_end - v6), k = 0;
	const struct tv_rec **addr = malloc((n ? n : 1) * sizeof(*addr));

	if (addr == NULL) {
		fputs("ERR InternalError: out of memory\n", l->out);
		return -ENOMEM;
	}
	for (size_t i = v4; i < v4_end; i++)
		addr[k++] = &l->t.r[i];
	for (size_t i = v6; i < v6_end; i++)
		addr[k++] = &l->t.r[i];
	qsort(addr, n, sizeof(*addr), by_eni_cmp);
	if (l->json)
		fputc('[', l->out);
	k = 0;
	for (size_t i = e; i < e_end; i++) {
		const struct eni_fwd *f = &l->t.r[i].eni;
		size_t from;

		/* addresses of slots without an ENI are skipped (`check` names them) */
		while (k < n &&
		       (addr[k]->table == TV_V4 ? addr[k]->v4.eni : addr[k]->v6.eni) < f->slot)
			k++;
		from = k;
		while (k < n &&
		       (addr[k]->table == TV_V4 ? addr[k]->v4.eni : addr[k]->v6.eni) == f->slot)
			k++;
		print_eni(l, f, i == e);
		print_eni_addrs(l, addr + from, k - from);
		fputs(l->json ? "}" : "\n", l->out);
	}
	if (l->json)
		fputs("]\n", l->out);
	free(addr);
	return 0;
}

/* ---- routes ---- */

static void list_routes(struct listing *l)
{
	size_t end, i = table_start(&l->t, TV_ROUTE, &end);
	char a[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN + 4];
	bool first = true;

	if (l->json)
		fputc('[', l->out);
	for (; i < end; i++) {
		const struct tv_rec *r = &l->t.r[i];
		const char *rt = rt_name(&l->nm, r->route.route_table);
		bool to_eni = r->route.target == ROUTE_ENI;
		uint32_t p4;

		memcpy(&p4, r->route.prefix, 4);
		snprintf(dst, sizeof(dst), "%s/%u",
			 r->route.family == 4 ? ip4(p4, a) : ip6(r->route.prefix, a),
			 r->route.depth);
		if (!l->json) {
			fprintf(l->out, "%s slot=%u %s %s", or_dash(rt), r->route.route_table, dst,
				tv_target_name(r->route.target));
			if (to_eni)
				fprintf(l->out, " %s slot=%u",
					or_dash(eni_name(&l->nm, r->route.eni)), r->route.eni);
			fputc('\n', l->out);
			continue;
		}
		fprintf(l->out, "%s{\"route_table\":", first ? "" : ",");
		jsonw_str(l->out, rt);
		fprintf(l->out,
			",\"route_table_slot\":%u,\"family\":%u,\"destination\":\"%s\","
			"\"target\":\"%s\",\"eni\":",
			r->route.route_table, r->route.family, dst,
			tv_target_name(r->route.target));
		jsonw_str(l->out, to_eni ? eni_name(&l->nm, r->route.eni) : NULL);
		if (to_eni)
			fprintf(l->out, ",\"eni_slot\":%u}", r->route.eni);
		else
			fputs(",\"eni_slot\":null}", l->out);
		first = false;
	}
	if (l->json)
		fputs("]\n", l->out);
}

/* ---- flows ---- */

struct flow_walk {
	struct listing *l;
	bool first;
};

static const char *proto_name(uint8_t p, char buf[8])
{
	switch (p) {
	case 1:
		return "icmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, 8, "%u", p);
		return buf;
	}
}

static int print_flow(const struct ct_flow *f, void *arg)
{
	struct flow_walk *w = arg;
	struct listing *l = w->l;
	const struct ct_key *k = &f->key;
	char ea[INET6_ADDRSTRLEN], pa[INET6_ADDRSTRLEN], pb[8];
	const char *id = eni_name(&l->nm, k->eni);
	bool both = (f->word & CT_F_SEEN_ENI) && (f->word & CT_F_SEEN_PEER);

	if (k->family == 4) {
		uint32_t a, b;

		memcpy(&a, k->eni_addr, 4);
		memcpy(&b, k->peer_addr, 4);
		ip4(a, ea);
		ip4(b, pa);
	} else {
		ip6(k->eni_addr, ea);
		ip6(k->peer_addr, pa);
	}
	if (!l->json) {
		fprintf(
		    l->out, "%s slot=%u vpc=%u %s %s:%u %s:%u from=%s %s%s idle-ms=%" PRIu64 "\n",
		    or_dash(id), k->eni, k->vpc, proto_name(k->proto, pb), ea, ntohs(k->eni_port),
		    pa, ntohs(k->peer_port), f->word & CT_F_INIT_PEER ? "peer" : "eni",
		    both ? "both-ways" : "one-way", f->word & CT_F_RST ? " rst" : "", f->idle);
		return 0;
	}
	fprintf(l->out, "%s{\"eni\":", w->first ? "" : ",");
	jsonw_str(l->out, id);
	fprintf(l->out,
		",\"eni_slot\":%u,\"vpc_slot\":%u,\"family\":%u,\"protocol\":%u,"
		"\"eni_address\":\"%s\",\"eni_port\":%u,\"peer_address\":\"%s\",\"peer_port\":%u,"
		"\"initiator\":\"%s\",\"both_ways\":%s,\"fin_eni\":%s,\"fin_peer\":%s,\"rst\":%s,"
		"\"idle_ms\":%" PRIu64 "}",
		k->eni, k->vpc, k->family, k->proto, ea, ntohs(k->eni_port), pa,
		ntohs(k->peer_port), f->word & CT_F_INIT_PEER ? "peer" : "eni",
		both ? "true" : "false", f->word & CT_F_FIN_ENI ? "true" : "false",
		f->word & CT_F_FIN_PEER ? "true" : "false", f->word & CT_F_RST ? "true" : "false",
		f->idle);
	w->first = false;
	return 0;
}

/* ---- counters ---- */

/* The `stats` lines ("name value") as one JSON object. */
static int counters_json(const char *text, FILE *out)
{
	const char *p = text;
	bool first = true;

	fputc('{', out);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[256], name[128];
		unsigned long long v;

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%127s %llu", name, &v) == 2) {
				if (!first)
					fputc(',', out);
				jsonw_key(out, name);
				fprintf(out, "%llu", v);
				first = false;
			}
		}
		p += n + (nl != NULL);
	}
	fputs("}\n", out);
	return 0;
}

static int cmd_counters(const struct engine *e, const struct model *m, bool json, FILE *out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char *last;

	if (mem == NULL) {
		fputs("ERR InternalError: out of memory\n", out);
		return 0;
	}
	(void)stats_print(e, m, "stats", mem);
	fclose(mem);
	/* stats_print ends with its own status line: keep the counters only */
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	last = strrchr(buf, '\n');
	if (last != NULL)
		last[1] = '\0';
	else
		buf[0] = '\0';
	if (json)
		counters_json(buf, out);
	else
		fputs(buf, out);
	fputs("OK\n", out);
	free(buf);
	return 0;
}

/* ---- check ---- */

static int cmd_check(const struct engine *e, FILE *out)
{
	struct tv_list want = {0}, got = {0};
	int rc = engine_tables_expected(e, &want);
	size_t n;

	if (rc == 0)
		rc = engine_tables_read(e, &got);
	if (rc != 0) {
		fprintf(out, "ERR InternalError: reading the tables: %s\n", strerror(-rc));
	} else {
		n = tv_diff(&want, &got, out);
		if (n == 0)
			fputs("OK\n", out);
		else
			fprintf(out, "DIFF %zu\n", n);
	}
	tv_list_free(&want);
	tv_list_free(&got);
	return 0;
}

/* ---- dispatch ---- */

static int run_listing(const struct engine *e, const struct model *m, const char *cmd, bool json,
		       FILE *out)
{
	struct listing l = {.e = e, .m = m, .json = json, .out = out};
	int rc = listing_open(&l, out);

	if (rc != 0) {
		listing_close(&l);
		return 0;
	}
	if (strcmp(cmd, "nat") == 0) {
		list_nat(&l);
	} else if (strcmp(cmd, "enis") == 0) {
		rc = list_enis(&l);
	} else if (strcmp(cmd, "routes") == 0) {
		list_routes(&l);
	} else {
		char *buf = NULL;
		size_t len = 0;
		FILE *body = open_memstream(&buf, &len);
		struct flow_walk w = {.l = &l, .first = true};

		if (body == NULL) {
			fputs("ERR InternalError: out of memory\n", out);
			listing_close(&l);
			return 0;
		}
		/* into a buffer first: a refusal must not follow half a listing */
		l.out = body;
		rc = engine_flows(e, print_flow, &w);
		fclose(body);
		if (rc == -ENOTSUP)
			fputs("ERR IncorrectState: security groups are not enforced: no flow "
			      "table\n",
			      out);
		else if (rc != 0)
			fprintf(out, "ERR InternalError: %s\n", strerror(-rc));
		else
			fprintf(out, json ? "[%s]\nOK\n" : "%sOK\n", buf);
		free(buf);
		listing_close(&l);
		return 0;
	}
	listing_close(&l);
	if (rc == 0)
		fputs("OK\n", out);
	return 0;
}

int tables_cmd(const struct engine *e, const struct model *m, const char *line, FILE *out)
{
	char buf[256], *save = NULL, *w[TC_MAX_WORDS];
	size_t n = 0;
	bool json = false;

	if (strlen(line) >= sizeof(buf))
		return -1;
	strcpy(buf, line);
	for (char *t = strtok_r(buf, " \t\r\n", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (strcmp(t, "--json") == 0)
			json = true;
		else if (n < TC_MAX_WORDS)
			w[n++] = t;
		else
			return -1;
	}
	if (n == 0)
		return -1;
	if (strcmp(w[0], "nat") != 0 && strcmp(w[0], "enis") != 0 && strcmp(w[0], "routes") != 0 &&
	    strcmp(w[0], "flows") != 0 && strcmp(w[0], "counters") != 0 &&
	    strcmp(w[0], "check") != 0)
		return -1;
	if (n != 1 || (json && strcmp(w[0], "check") == 0)) {
		fprintf(out, "ERR InvalidParameterValue: usage: %s%s\n", w[0],
			strcmp(w[0], "check") == 0 ? "" : " [--json]");
		return 0;
	}
	if (strcmp(w[0], "counters") == 0)
		return cmd_counters(e, m, json, out);
	if (strcmp(w[0], "check") == 0)
		return cmd_check(e, out);
	return run_listing(e, m, w[0], json, out);
}
