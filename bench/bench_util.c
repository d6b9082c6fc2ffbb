/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "engine.h"
#include "port.h"

static char eal_prefix[64];

int bench_eal_init_params(const char *prog, const char *prefix, const struct bench_eal_params *p)
{
	bool huge = !p->no_huge && engine_hugepages_free();
	char mem[16], pfx[96];
	char *argv[16];
	int argc = 0;

	snprintf(eal_prefix, sizeof(eal_prefix), "%s-%d", prefix, (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", eal_prefix);
	snprintf(mem, sizeof(mem), "%u", p->mem_mb);
	argv[argc++] = (char *)prog;
	argv[argc++] = "-l";
	argv[argc++] = (char *)p->lcores;
	argv[argc++] = "--no-pci";
	argv[argc++] = "--log-level=error";
	argv[argc++] = pfx;
	if (!huge) {
		argv[argc++] = "--no-huge";
		argv[argc++] = "-m";
		argv[argc++] = mem;
	}
	argv[argc] = NULL;
	fprintf(stderr, "EAL: %s\n", huge ? "hugepages" : "--no-huge");
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -EINVAL;
	}
	return 0;
}

int bench_eal_init(const char *prog, const char *prefix, unsigned mem_mb)
{
	const struct bench_eal_params p = {.lcores = "0-1", .mem_mb = mem_mb};

	return bench_eal_init_params(prog, prefix, &p);
}

void bench_eal_cleanup(void)
{
	char cmd[160];

	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/%s", eal_prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/%s\n", eal_prefix);
}

void bench_figure(const char *figure, double value, const char *unit, double baseline)
{
	printf("{\"figure\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"baseline\": %.6g}\n",
	       figure, value, unit, baseline);
	fflush(stdout);
}

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_ports_create(unsigned n_mbufs, unsigned ring_size, struct bench_ports *bp)
{
	char name[32];

	bp->pool = rte_pktmbuf_pool_create("bench_pool", 2 * n_mbufs + 4096, 256, 0,
					   RTE_PKTMBUF_HEADROOM + 128, 0);
	if (bp->pool == NULL)
		return -1;
	for (unsigned p = 0; p < BENCH_N_PORTS; p++) {
		struct port_conf pc = {.n_workers = 1,
				       .rx_desc = 1024,
				       .tx_desc = 1024,
				       .pool = bp->pool,
				       .promiscuous = true};
		struct port_info pi;
		int id;

		snprintf(name, sizeof(name), "rx%u", p);
		bp->rx[p] = rte_ring_create(name, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "tx%u", p);
		bp->tx[p] = rte_ring_create(name, ring_size, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (!bp->rx[p] || !bp->tx[p])
			return -1;
		snprintf(name, sizeof(name), "bench_ring%u", p);
		id = rte_eth_from_rings(name, &bp->rx[p], 1, &bp->tx[p], 1, 0);
		if (id < 0)
			return -1;
		bp->port_id[p] = (uint16_t)id;
		pc.port_id = bp->port_id[p];
		if (port_start(&pc, &pi) != 0)
			return -1;
	}
	return 0;
}

void bench_ports_free(struct bench_ports *bp)
{
	for (unsigned p = 0; p < BENCH_N_PORTS; p++) {
		if (bp->rx[p])
			port_stop(bp->port_id[p]);
		rte_ring_free(bp->rx[p]);
		rte_ring_free(bp->tx[p]);
	}
	rte_mempool_free(bp->pool);
	memset(bp, 0, sizeof(*bp));
}

static int collect_eni(const struct model_eni_view *e, void *arg)
{
	struct bench_vpc *v = arg;
	struct model_instance_view iv;

	if (e->slot >= v->n_enis)
		return -1;
	memcpy(v->enis[e->slot].mac, e->mac, 6);
	v->enis[e->slot].port = 0xffff;
	if (e->instance_id != NULL && model_get_instance(v->m, e->instance_id, &iv) == 0)
		v->enis[e->slot].port = iv.host_port;
	for (size_t i = 0; i <= e->n_secondary; i++) {
		struct model_eip_view ev;

		if (v->n_v4 >= v->cfg.engine.max_ipv4)
			return -1;
		v->v4[v->n_v4] = i == 0 ? e->primary_ip : e->secondary_ips[i - 1];
		/* the EIP of each private address (in the ENI's VPC: R31) */
		v->v4_eip[v->n_v4] =
		    model_get_eip_by_private(v->m, e->vpc_id, v->v4[v->n_v4], &ev) == 0
			? ev.public_ip
			: 0;
		v->v4_slot[v->n_v4++] = e->slot;
	}
	for (size_t i = 0; i < e->n_ipv6; i++) {
		if (v->n_v6 >= v->cfg.engine.max_ipv6)
			return -1;
		memcpy(v->v6[v->n_v6], &e->ipv6[i], 16);
		v->v6_slot[v->n_v6++] = e->slot;
	}
	return 0;
}

static int collect_eip(const struct model_eip_view *e, void *arg)
{
	struct bench_vpc *v = arg;
	struct model_eni_view ev;

	if (e->association_id == NULL)
		return 0;
	if (v->n_eips >= v->cfg.engine.max_eips || model_get_eni(v->m, e->eni_id, &ev) != 0)
		return -1;
	v->eip[v->n_eips] = e->public_ip;
	v->eip_priv[v->n_eips] = e->private_ip;
	v->eip_slot[v->n_eips++] = ev.slot;
	return 0;
}

int bench_vpc_load(const char *path, unsigned max_readers, struct bench_vpc *v)
{
	struct config_err err;
	struct builder_params bp;
	struct delta d = {0};
	double t0;
	int rc;

	memset(v, 0, sizeof(*v));
	v->m = model_create();
	if (v->m == NULL)
		return -ENOMEM;
	t0 = bench_now();
	if (config_load(path, &v->cfg, v->m, NULL, &err) != 0) {
		fprintf(stderr, "%s\n", err.message);
		return -EINVAL;
	}
	v->load_s = bench_now() - t0;

	memset(&bp, 0, sizeof(bp));
	bp.max_v4 = v->cfg.engine.max_ipv4;
	bp.max_v6 = v->cfg.engine.max_ipv6;
	bp.max_eips = v->cfg.engine.max_eips;
	bp.max_readers = max_readers;
	bp.n_ports = (unsigned)v->cfg.engine.n_ports;
	for (unsigned i = 0; i < bp.n_ports; i++) {
		const struct engine_port_params *cp = &v->cfg.engine.ports[i];
		uint8_t mac[6] = {0x02, 0xbe, 0, 0, 0, (uint8_t)i};
		uint8_t up[6] = {0x02, 0xfe, 0, 0, 0, 1};

		bp.ports[i].role = cp->role == ENGINE_PORT_HOST ? FWD_PORT_HOST : FWD_PORT_UPLINK;
		memcpy(bp.ports[i].mac, mac, 6);
		if (cp->role == ENGINE_PORT_UPLINK) {
			bp.ports[i].has_upstream_mac = true;
			memcpy(bp.ports[i].upstream_mac, up, 6);
		}
	}
	v->b = builder_create(&bp);
	if (v->b == NULL) {
		fprintf(stderr, "builder_create: %s\n", strerror(errno));
		return -errno;
	}
	t0 = bench_now();
	rc = model_full_delta(v->m, &d);
	if (rc == 0)
		rc = builder_apply(v->b, &d);
	v->build_s = bench_now() - t0;
	delta_free(&d);
	if (rc != 0) {
		fprintf(stderr, "loading the tables: %s\n", strerror(-rc));
		return rc;
	}

	v->n_enis = builder_max_enis(v->b);
	v->enis = calloc(v->n_enis, sizeof(*v->enis));
	v->v4 = calloc(v->cfg.engine.max_ipv4, sizeof(uint32_t));
	v->v4_slot = calloc(v->cfg.engine.max_ipv4, sizeof(uint32_t));
	v->v4_eip = calloc(v->cfg.engine.max_ipv4, sizeof(uint32_t));
	v->v6 = calloc(v->cfg.engine.max_ipv6, 16);
	v->v6_slot = calloc(v->cfg.engine.max_ipv6, sizeof(uint32_t));
	v->eip = calloc(v->cfg.engine.max_eips, sizeof(uint32_t));
	v->eip_priv = calloc(v->cfg.engine.max_eips, sizeof(uint32_t));
	v->eip_slot = calloc(v->cfg.engine.max_eips, sizeof(uint32_t));
	if (!v->enis || !v->v4 || !v->v4_slot || !v->v4_eip || !v->v6 || !v->v6_slot || !v->eip ||
	    !v->eip_priv || !v->eip_slot)
		return -ENOMEM;
	if (model_foreach_eni(v->m, collect_eni, v) != 0 ||
	    model_foreach_eip(v->m, collect_eip, v) != 0) {
		fprintf(stderr, "collecting the mappings: over capacity\n");
		return -ENOSPC;
	}
	return 0;
}

void bench_vpc_free(struct bench_vpc *v)
{
	if (v->b)
		builder_free(v->b);
	if (v->m)
		model_free(v->m);
	free(v->enis);
	free(v->v4);
	free(v->v4_slot);
	free(v->v4_eip);
	free(v->v6);
	free(v->v6_slot);
	free(v->eip);
	free(v->eip_priv);
	free(v->eip_slot);
	memset(v, 0, sizeof(*v));
}
