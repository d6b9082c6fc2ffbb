/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * oplog_bench.c - enimap-bench-oplog [SECONDS]: the shared operation log
 * (control/cluster/oplog.h) through a real 3-member etcd cluster on loopback
 * (Debian's etcd-server, started here), three engines in this process, each
 * with its follower (applies every entry; oplog_follow publishes the
 * position under the engine's lease after each batch) and its keeper. Entries of 64 bytes; the
 * followers apply nothing to a model, so these are the log's own costs, what the engine's cluster
 * mode adds to each batch.
 *
 *   put alone   one etcd write through the gateway, 400 times: an append's floor
 *   sequential  one appender: append, then wait until all three engines have
 *               applied it (the acknowledgement); latency p50 / p99 / max
 *               (SPEC target p99 <= 50 ms) and acknowledged entries/s
 *   contended   three appenders, one per engine, at once: each appends at
 *               the head it has applied, learns the new head when it loses,
 *               and waits for all three; acknowledged entries/s (SPEC
 *               target 5,000 operations/s) and the races lost
 *
 * SECONDS (default 5) per phase.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "etcd_cluster.h"
#include "oplog.h"

#define ENGINES 3

struct engine {
	struct oplog *log;
	pthread_t follower, keeper;
	bool stop;
	uint64_t applied; /* atomic */
	int rc;
};

static struct etcd_cluster cluster;
static struct engine engines[ENGINES];
static double seconds = 5;

static struct oplog *open_log(const char *id, int first)
{
	const char *eps[ETCD_CLUSTER_MAX];
	struct etcd_err err;
	struct oplog *l;

	etcd_cluster_endpoints_from(&cluster, first, eps); /* member `first` first */
	struct oplog_params p = {.endpoints = eps,
				 .n_endpoints = (size_t)cluster.n,
				 .cluster = "bench",
				 .engine_id = id,
				 .lease_ttl_s = 5,
				 .timeout_ms = 2000};
	if ((l = oplog_open(&p, &err)) == NULL)
		fprintf(stderr, "oplog_open: %s\n", err.message);
	return l;
}

static int apply(void *arg, uint64_t seq, const void *rec, size_t len)
{
	struct engine *e = arg;

	(void)rec, (void)len;
	__atomic_store_n(&e->applied, seq, __ATOMIC_RELEASE);
	return 0; /* oplog_follow publishes the position after the batch */
}

static void *follower_main(void *arg)
{
	struct engine *e = arg;
	struct etcd_err err;

	e->rc = oplog_follow(e->log, 1, apply, e, &e->stop, &err);
	if (e->rc != 0)
		fprintf(stderr, "follow: %s\n", err.message);
	return NULL;
}

static void *keeper_main(void *arg)
{
	struct engine *e = arg;
	struct etcd_err err;

	while (!__atomic_load_n(&e->stop, __ATOMIC_ACQUIRE)) {
		usleep(200000);
		if (oplog_keepalive(e->log, &err) != 0)
			fprintf(stderr, "keepalive: %s\n", err.message);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static const char record[65] = "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0000001";

/* Appends at the head engine e has applied until it wins; the entry's seq. */
static int append_acked(int e, uint64_t *won_seq, unsigned *lost)
{
	struct etcd_err err;
	uint64_t head = 0;

	for (;;) {
		uint64_t seq = __atomic_load_n(&engines[e].applied, __ATOMIC_ACQUIRE) + 1;
		int rc = oplog_append(engines[e].log, seq, record, 64, &head, &err);

		if (rc == -EAGAIN) {
			(*lost)++;
			/* wait for the follower to reach the head that won */
			while (__atomic_load_n(&engines[e].applied, __ATOMIC_ACQUIRE) < head)
				usleep(50);
			continue;
		}
		if (rc != 0 ||
		    oplog_wait_applied(engines[e].log, seq, 5000, NULL, NULL, &err) != 0) {
			fprintf(stderr, "append/wait: %s\n", err.message);
			return -1;
		}
		*won_seq = seq;
		return 0;
	}
}

/* The floor of an append: one etcd write (a put through Raft), alone. */
static int put_alone(void)
{
	const char *eps[1] = {cluster.urls[0]};
	struct etcd_err err;
	struct etcd *c = etcd_open(eps, 1, 2000, &err);
	double lat[400];
	size_t n = 0;

	if (c == NULL)
		return -1;
	for (; n < sizeof(lat) / sizeof(lat[0]); n++) {
		double t0 = bench_now();

		if (etcd_put(c, "bench/put", 9, record, 64, 0, NULL, &err) != 0) {
			fprintf(stderr, "put: %s\n", err.message);
			etcd_close(c);
			return -1;
		}
		lat[n] = (bench_now() - t0) * 1e3;
	}
	etcd_close(c);
	qsort(lat, n, sizeof(*lat), cmp_double);
	fprintf(stderr, "one etcd put alone: p50 %.2f ms, p99 %.2f ms\n", lat[n / 2],
		lat[n * 99 / 100]);
	bench_figure("cluster.etcd_put_ms.p50", lat[n / 2], "ms", 50);
	bench_figure("cluster.etcd_put_ms.p99", lat[n * 99 / 100], "ms", 50);
	return 0;
}

static int sequential(void)
{
	size_t cap = 1 << 20, n = 0;
	double *lat = malloc(cap * sizeof(*lat)), t_end, t_start = bench_now();
	unsigned lost = 0;
	uint64_t seq;

	if (lat == NULL)
		return -1;
	t_end = t_start + seconds;
	while (bench_now() < t_end && n < cap) {
		double t0 = bench_now();

		if (append_acked(0, &seq, &lost) != 0) {
			free(lat);
			return -1;
		}
		lat[n++] = (bench_now() - t0) * 1e3;
	}
	double rate = (double)n / (bench_now() - t_start);
	qsort(lat, n, sizeof(*lat), cmp_double);
	fprintf(stderr,
		"sequential: %zu entries, %.0f/s acknowledged; applied on 3 engines p50 "
		"%.2f ms, p99 %.2f ms, max %.2f ms\n",
		n, rate, lat[n / 2], lat[n * 99 / 100], lat[n - 1]);
	bench_figure("cluster.apply_all_ms.p50", lat[n / 2], "ms", 50);
	bench_figure("cluster.apply_all_ms.p99", lat[n * 99 / 100], "ms", 50);
	bench_figure("cluster.apply_all_ms.max", lat[n - 1], "ms", 50);
	bench_figure("cluster.entries_per_s.sequential", rate, "entries/s", 5000);
	free(lat);
	return 0;
}

struct appender {
	int e;
	double until;
	unsigned won, lost;
	int rc;
};

static void *appender_main(void *arg)
{
	struct appender *a = arg;
	uint64_t seq;

	while (bench_now() < a->until) {
		if ((a->rc = append_acked(a->e, &seq, &a->lost)) != 0)
			return NULL;
		a->won++;
	}
	return NULL;
}

static int contended(void)
{
	struct appender a[ENGINES];
	pthread_t t[ENGINES];
	double t0 = bench_now();
	unsigned won = 0, lost = 0;

	for (int i = 0; i < ENGINES; i++) {
		a[i] = (struct appender){.e = i, .until = t0 + seconds};
		if (pthread_create(&t[i], NULL, appender_main, &a[i]) != 0)
			return -1;
	}
	for (int i = 0; i < ENGINES; i++) {
		pthread_join(t[i], NULL);
		if (a[i].rc != 0)
			return -1;
		won += a[i].won;
		lost += a[i].lost;
	}
	double rate = won / (bench_now() - t0);
	fprintf(stderr, "contended, 3 appenders: %u entries, %.0f/s acknowledged, %u races lost\n",
		won, rate, lost);
	bench_figure("cluster.entries_per_s.contended", rate, "entries/s", 5000);
	bench_figure("cluster.races_lost_per_entry", won ? (double)lost / won : 0, "races", 0);
	return 0;
}

int main(int argc, char **argv)
{
	struct etcd_err err;
	int rc = 1;

	if (argc > 1 && (seconds = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s [SECONDS]\n", argv[0]);
		return 2;
	}
	if (etcd_cluster_start(&cluster, 3) != 0) {
		etcd_cluster_destroy(&cluster);
		return 1;
	}
	for (int i = 0; i < ENGINES; i++) {
		char id[16];

		snprintf(id, sizeof(id), "engine-%d", i);
		if ((engines[i].log = open_log(id, i)) == NULL ||
		    oplog_join(engines[i].log, 0, &err) != 0 ||
		    pthread_create(&engines[i].follower, NULL, follower_main, &engines[i]) != 0 ||
		    pthread_create(&engines[i].keeper, NULL, keeper_main, &engines[i]) != 0) {
			fprintf(stderr, "engine %d did not start\n", i);
			goto out;
		}
	}
	rc = put_alone() != 0 || sequential() != 0 || contended() != 0;
out:
	for (int i = 0; i < ENGINES; i++) {
		__atomic_store_n(&engines[i].stop, true, __ATOMIC_RELEASE);
		if (engines[i].follower)
			pthread_join(engines[i].follower, NULL);
		if (engines[i].keeper)
			pthread_join(engines[i].keeper, NULL);
		oplog_close(engines[i].log);
	}
	etcd_cluster_destroy(&cluster);
	return rc;
}
