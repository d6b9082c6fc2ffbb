/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_mempool.h>
#include <rte_telemetry.h>

/* engine.c's mbuf pool, found by name: struct engine does not show it */

/* What the telemetry callbacks read (they take no argument in DPDK 22.11). */
static struct {
	const struct engine *e;
	const struct model *m;
	void (*lock)(void *);
	void (*unlock)(void *);
	void *arg;
} tel;

static void print_drops(const struct engine *e, FILE *out)
{
	for (size_t r = 0; r < engine_drop_reasons(); r++)
		fprintf(out, "%s %" PRIu64 "\n", engine_drop_name(r), engine_drops(e, r));
}

static void print_ports(const struct engine *e, FILE *out)
{
	for (unsigned p = 0; p < engine_n_ports(e); p++) {
		struct engine_port_stats ps;

		engine_port_stats(e, p, &ps);
		fprintf(out,
			"port%u.rx %" PRIu64 "\nport%u.tx %" PRIu64 "\nport%u.tx-dropped %" PRIu64
			"\nport%u.dropped %" PRIu64 "\n",
			p, ps.rx_packets, p, ps.tx_packets, p, ps.tx_dropped, p, ps.dropped);
	}
}

static void print_mtu(const struct engine *e, FILE *out)
{
	struct engine_mtu_stats ms;

	engine_mtu_stats(e, &ms);
	fprintf(out,
		"fragmented %" PRIu64 "\nfragments %" PRIu64 "\nicmp-too-big %" PRIu64
		"\nicmp-too-big-limited %" PRIu64 "\n",
		ms.fragmented, ms.fragments, ms.icmp_too_big, ms.icmp_limited);
}

/*
 * Each worker's loop: packets, bursts, busy and idle TSC cycles, and what they give: the
 * cycles a packet costs in the whole loop (busy / packets), the load (busy share of the
 * time) and the packets per second the worker could take fully busy at that cost.
 */
struct worker_view {
	struct engine_worker_stats ws;
	uint64_t cycles_per_pkt; /* 0 until it has received */
	uint64_t busy_pct;	 /* 0..100 */
	uint64_t capacity_pps;	 /* tsc_hz / cycles_per_pkt, 0 until it has received */
};

static void worker_view(const struct engine *e, unsigned w, struct worker_view *v)
{
	uint64_t all;

	engine_worker_stats(e, w, &v->ws);
	all = v->ws.busy_cycles + v->ws.idle_cycles;
	v->cycles_per_pkt = v->ws.packets ? v->ws.busy_cycles / v->ws.packets : 0;
	v->busy_pct = all ? v->ws.busy_cycles * 100 / all : 0;
	v->capacity_pps = v->ws.busy_cycles
			      ? (uint64_t)((double)engine_tsc_hz() * (double)v->ws.packets /
					   (double)v->ws.busy_cycles)
			      : 0;
}

static void print_workers(const struct engine *e, FILE *out)
{
	for (unsigned w = 0; w < engine_n_workers(e); w++) {
		struct worker_view v;

		worker_view(e, w, &v);
		fprintf(out,
			"worker%u.packets %" PRIu64 "\nworker%u.bursts %" PRIu64
			"\nworker%u.busy-cycles %" PRIu64 "\nworker%u.idle-cycles %" PRIu64
			"\nworker%u.cycles-per-packet %" PRIu64 "\nworker%u.busy-percent %" PRIu64
			"\nworker%u.capacity-pps %" PRIu64 "\n",
			w, v.ws.packets, w, v.ws.bursts, w, v.ws.busy_cycles, w, v.ws.idle_cycles,
			w, v.cycles_per_pkt, w, v.busy_pct, w, v.capacity_pps);
	}
}

/* Security groups: the flow table and the published rules (nothing when not enforced). */
static void print_sg(const struct engine *e, FILE *out)
{
	struct engine_sg_stats ss;

	engine_sg_stats(e, &ss);
	if (!ss.enforced)
		return;
	fprintf(out,
		"sg-flows %" PRIu64 "\nsg-flows-max %" PRIu64 "\nsg-flows-created %" PRIu64
		"\nsg-flows-expired %" PRIu64 "\nsg-flows-untracked %" PRIu64
		"\nsg-policies %" PRIu64 "\nsg-rules %" PRIu64 "\nsg-compiles %" PRIu64
		"\nsg-compile-failures %" PRIu64 "\nsg-compile-us %" PRIu64 "\n",
		ss.flows_live, ss.max_flows, ss.flows_inserted, ss.flows_expired, ss.flows_raced,
		ss.policies, ss.rules, ss.compiles, ss.compile_failures, ss.compile_ns / 1000);
}

struct group_sum {
	const struct engine *e;
	uint64_t members, in, out;
};

static int add_member(const struct model_eni_view *v, void *arg)
{
	struct group_sum *g = arg;
	struct engine_eni_stats es;

	engine_eni_stats(g->e, v->slot, &es);
	g->members++;
	g->in += es.sg_in_drops;
	g->out += es.sg_out_drops;
	return 0;
}

/* A group's drops: those of its members' (an ENI's drop counts for each of its groups). */
static int print_group(const struct engine *e, const struct model *m, const char *id, FILE *out)
{
	struct group_sum g = {.e = e};

	if (model_foreach_sg_member(m, id, add_member, &g) < 0) {
		fprintf(out, "ERR InvalidGroup.NotFound: The security group '%s' does not exist\n",
			id);
		return 0;
	}
	fprintf(out, "members %" PRIu64 "\nsg-inbound %" PRIu64 "\nsg-outbound %" PRIu64 "\nOK\n",
		g.members, g.in, g.out);
	return 0;
}

static int print_eni(const struct engine *e, const struct model *m, const char *id, FILE *out)
{
	struct model_eni_view v;
	struct engine_eni_stats es;

	if (model_get_eni(m, id, &v) != 0) {
		fprintf(out,
			"ERR InvalidNetworkInterfaceID.NotFound: The networkInterface ID '%s' "
			"does not exist\n",
			id);
		return 0;
	}
	engine_eni_stats(e, v.slot, &es);
	fprintf(out,
		"delivered %" PRIu64 "\nbytes %" PRIu64 "\nsent %" PRIu64 "\nsent-bytes %" PRIu64
		"\nsg-inbound %" PRIu64 "\nsg-outbound %" PRIu64 "\nOK\n",
		es.packets, es.bytes, es.sent_packets, es.sent_bytes, es.sg_in_drops,
		es.sg_out_drops);
	return 0;
}

int stats_print(const struct engine *e, const struct model *m, const char *line, FILE *out)
{
	char cmd[16], arg[MODEL_ID_MAX + 1], extra[2];
	int n = sscanf(line, "%15s %64s %1s", cmd, arg, extra);

	if (n == 1 && strcmp(cmd, "stats") == 0) {
		print_drops(e, out);
		print_ports(e, out);
		print_mtu(e, out);
		print_workers(e, out);
		print_sg(e, out);
		fputs("OK\n", out);
		return 0;
	}
	if (n == 1 && strcmp(cmd, "drops") == 0) {
		print_drops(e, out);
		fputs("OK\n", out);
		return 0;
	}
	if (n == 2 && strcmp(cmd, "eni") == 0)
		return print_eni(e, m, arg, out);
	if (n == 2 && strcmp(cmd, "sg") == 0)
		return print_group(e, m, arg, out);
	return -1;
}

/*
 * Telemetry keys allow letters, digits and '_' only: "no-route" becomes
 * "no_route", "port0.rx" "port0_rx".
 */
static void tel_add(struct rte_tel_data *d, const char *name, uint64_t v)
{
	char k[RTE_TEL_MAX_STRING_LEN];
	size_t i;

	for (i = 0; i < sizeof(k) - 1 && name[i] != '\0'; i++)
		k[i] = (name[i] == '-' || name[i] == '.') ? '_' : name[i];
	k[i] = '\0';
	rte_tel_data_add_dict_u64(d, k, v);
}

static int tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	tel.lock(tel.arg);
	if (tel.e != NULL)
		for (size_t r = 0; r < engine_drop_reasons(); r++)
			tel_add(d, engine_drop_name(r), engine_drops(tel.e, r));
	tel.unlock(tel.arg);
	return 0;
}

/*
 * The mbufs out of the pool (DPDK 22.11's /mempool/info gives no counts):
 * the free count includes every lcore's cache, so at rest this is exact.
 */
static void tel_add_mbufs(struct rte_tel_data *d)
{
	const struct rte_mempool *mp = rte_mempool_lookup(ENGINE_MBUF_POOL);

	if (mp == NULL)
		return;
	rte_tel_data_add_dict_u64(d, "mbufs", mp->size);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", rte_mempool_in_use_count(mp));
}

static int tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t dropped = 0;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	tel.lock(tel.arg);
	if (tel.e != NULL) {
		for (unsigned p = 0; p < engine_n_ports(tel.e); p++) {
			struct engine_port_stats ps;
			char k[32];

			engine_port_stats(tel.e, p, &ps);
			snprintf(k, sizeof(k), "port%u.rx", p);
			tel_add(d, k, ps.rx_packets);
			snprintf(k, sizeof(k), "port%u.tx", p);
			tel_add(d, k, ps.tx_packets);
			snprintf(k, sizeof(k), "port%u.tx-dropped", p);
			tel_add(d, k, ps.tx_dropped);
			snprintf(k, sizeof(k), "port%u.dropped", p);
			tel_add(d, k, ps.dropped);
		}
		for (size_t r = 0; r < engine_drop_reasons(); r++)
			dropped += engine_drops(tel.e, r);
		rte_tel_data_add_dict_u64(d, "dropped", dropped);
		struct engine_mtu_stats ms;
		engine_mtu_stats(tel.e, &ms);
		tel_add(d, "fragmented", ms.fragmented);
		tel_add(d, "fragments", ms.fragments);
		tel_add(d, "icmp-too-big", ms.icmp_too_big);
		tel_add(d, "icmp-too-big-limited", ms.icmp_limited);
		struct engine_sg_stats ss;
		engine_sg_stats(tel.e, &ss);
		if (ss.enforced) {
			tel_add(d, "sg-flows", ss.flows_live);
			tel_add(d, "sg-flows-max", ss.max_flows);
			tel_add(d, "sg-flows-created", ss.flows_inserted);
			tel_add(d, "sg-flows-expired", ss.flows_expired);
			tel_add(d, "sg-rules", ss.rules);
		}
		rte_tel_data_add_dict_u64(d, "workers", engine_n_workers(tel.e));
		tel_add_mbufs(d);
	}
	tel.unlock(tel.arg);
	return 0;
}

/* /enimap/workers: one dict per worker, keyed "0", "1", ... */
static int tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	tel.lock(tel.arg);
	for (unsigned w = 0; tel.e != NULL && w < engine_n_workers(tel.e); w++) {
		struct rte_tel_data *x = rte_tel_data_alloc();
		struct worker_view v;
		char k[16];

		if (x == NULL)
			break;
		worker_view(tel.e, w, &v);
		rte_tel_data_start_dict(x);
		rte_tel_data_add_dict_u64(x, "packets", v.ws.packets);
		rte_tel_data_add_dict_u64(x, "bursts", v.ws.bursts);
		rte_tel_data_add_dict_u64(x, "busy_cycles", v.ws.busy_cycles);
		rte_tel_data_add_dict_u64(x, "idle_cycles", v.ws.idle_cycles);
		rte_tel_data_add_dict_u64(x, "cycles_per_packet", v.cycles_per_pkt);
		rte_tel_data_add_dict_u64(x, "busy_percent", v.busy_pct);
		rte_tel_data_add_dict_u64(x, "capacity_pps", v.capacity_pps);
		snprintf(k, sizeof(k), "%u", w);
		if (rte_tel_data_add_dict_container(d, k, x, 0) != 0)
			rte_tel_data_free(x);
	}
	tel.unlock(tel.arg);
	return 0;
}

static int tel_eni(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct model_eni_view v;
	struct engine_eni_stats es;
	int rc = -EINVAL;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL; /* telemetry answers null: usage is /enimap/eni,<eni-id> */
	tel.lock(tel.arg);
	if (tel.e != NULL && model_get_eni(tel.m, params, &v) == 0) {
		engine_eni_stats(tel.e, v.slot, &es);
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "id", v.id);
		rte_tel_data_add_dict_u64(d, "delivered", es.packets);
		rte_tel_data_add_dict_u64(d, "bytes", es.bytes);
		rte_tel_data_add_dict_u64(d, "sent", es.sent_packets);
		rte_tel_data_add_dict_u64(d, "sent_bytes", es.sent_bytes);
		tel_add(d, "sg-inbound", es.sg_in_drops);
		tel_add(d, "sg-outbound", es.sg_out_drops);
		rc = 0;
	}
	tel.unlock(tel.arg);
	return rc;
}

int stats_register(const struct engine *e, const struct model *m, void (*lock)(void *),
		   void (*unlock)(void *), void *arg)
{
	int rc;

	tel.lock = lock;
	tel.unlock = unlock;
	tel.arg = arg;
	lock(arg);
	tel.e = e;
	tel.m = m;
	unlock(arg);
	rc = rte_telemetry_register_cmd("/enimap/stats", tel_stats,
					"Port and total counters. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/enimap/drops", tel_drops,
						"Dropped packets by reason. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd(
		    "/enimap/workers", tel_workers,
		    "Each worker's packets, busy and idle cycles, cycles per packet, load and "
		    "capacity. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/enimap/eni", tel_eni,
						"Packets delivered to one ENI. Parameters: ENI id");
	return rc;
}

void stats_detach(void)
{
	if (tel.lock == NULL)
		return;
	tel.lock(tel.arg);
	tel.e = NULL;
	tel.m = NULL;
	tel.unlock(tel.arg);
}
