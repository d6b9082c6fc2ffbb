/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_util.h - what the benchmarks share: the EAL, the figure lines, and a
 * VPC loaded from a generated YAML file (scripts/gen-config.py) through the
 * one real path: config_load -> model -> model_full_delta -> builder_apply.
 *
 * Figures are printed on stdout, one JSON line each:
 *   {"figure": "...", "value": N, "unit": "...", "baseline": N}
 * where baseline is the figure it is compared with (a measured baseline, or
 * the SPEC section 5 target when there is none; see docs/performance.md).
 * Everything else goes to stderr.
 */
#ifndef ENIMAP_BENCH_UTIL_H
#define ENIMAP_BENCH_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench_frame.h"
#include "builder.h"
#include "config.h"
#include "model.h"

/* The EAL of a bench: file prefix PREFIX-<pid>, no PCI, errors only in the log. */
struct bench_eal_params {
	const char *lcores; /* the -l list */
	unsigned mem_mb;    /* the -m of --no-huge */
	bool no_huge;	    /* --no-huge even when hugepages are free */
};
int bench_eal_init_params(const char *prog, const char *prefix, const struct bench_eal_params *p);
/* EAL on lcores 0 (control) and 1 (worker); hugepages when free, else --no-huge -m mem_mb. */
int bench_eal_init(const char *prog, const char *prefix, unsigned mem_mb);
void bench_eal_cleanup(void);

void bench_figure(const char *figure, double value, const char *unit, double baseline);

/* Seconds since an arbitrary origin (CLOCK_MONOTONIC). */
double bench_now(void);

/* One ENI as the packets see it. */
struct bench_eni {
	uint8_t mac[6];
	uint16_t port;
};

/* A loaded VPC: the model, the tables, and every mapping as arrays. */
struct bench_vpc {
	struct enimap_config cfg;
	struct model *m;
	struct builder *b;
	double load_s;	/* config_load (YAML -> model) */
	double build_s; /* model_full_delta + builder_apply (both sides) */
	uint32_t n_enis;
	struct bench_eni *enis; /* by slot */
	uint32_t n_v4;
	uint32_t *v4, *v4_slot; /* private IPv4 (network order) and owner slot */
	uint32_t *v4_eip;	/* its EIP or 0 */
	uint32_t n_v6;
	uint8_t (*v6)[16];
	uint32_t *v6_slot;
	uint32_t n_eips;
	uint32_t *eip, *eip_priv, *eip_slot;
};

/*
 * Load path into a new model and tables for max_readers workers. host ports
 * get MACs 02:be:00:00:00:<port>; the uplink an upstream MAC. 0 or -errno
 * (the reason on stderr).
 */
int bench_vpc_load(const char *path, unsigned max_readers, struct bench_vpc *v);
void bench_vpc_free(struct bench_vpc *v);

/* ---- ports (the frames: bench_frame.h) ---- */

#define BENCH_N_PORTS 2u

struct rte_mempool;
struct rte_ring;

/* BENCH_N_PORTS net_ring ports, each on an rx and a tx ring the bench fills and drains. */
struct bench_ports {
	struct rte_mempool *pool;
	struct rte_ring *rx[BENCH_N_PORTS], *tx[BENCH_N_PORTS];
	uint16_t port_id[BENCH_N_PORTS];
};
/* Pool of 2 x n_mbufs + slack, rings of ring_size, ports started. 0 or -1. */
int bench_ports_create(unsigned n_mbufs, unsigned ring_size, struct bench_ports *bp);
void bench_ports_free(struct bench_ports *bp);

#endif
