/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ctl_bench.c - SPEC section 5, control figures, at the mappings of a YAML
 * configuration (1M in `make bench`):
 *
 *   rate      address moves (AssignPrivateIpAddresses with reassignment:
 *             model op + builder_apply), one generation per change, and in
 *             batches of 1000 changes per generation; a reader busy
 *             looking up on the other core all along;
 *   latency   from builder_apply() to the moment the busy reader on the
 *             other core first sees the new owner (p50, p99, max), and to
 *             the return of builder_apply();
 *   churn     the real worker_main draining a ring of inbound packets
 *             (net_ring) while this thread moves addresses at 0, 10k and
 *             100k changes/s (interleaved runs, median): cycles per packet
 *             and the slowdown; and the consistency check: every delivered
 *             packet carries its sequence number, and its ENI must be the
 *             owner of its destination in a generation it could have seen
 *             (the state before or after any change whose publication
 *             overlapped its dequeue, give or take two bursts; otherwise
 *             exactly the one owner). Misdelivered packets must be 0.
 *
 * The moved addresses are CHURN (or, in a small VPC, fewer) secondaries, each moving between its
 * own ENI and the next ENI; a quarter of the packets go to their EIPs, the rest uniformly over all
 * EIPs.
 *
 * Usage: enimap-bench-ctl CONFIG.yaml LABEL [runs]
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench_util.h"
#include "gen.h"
#include "pipeline.h"
#include "worker.h"

#define CHURN 4096u	  /* addresses that move */
#define BATCH 262144u	  /* packets per churn run */
#define RING_SIZE 524288u /* > BATCH */
#define WORKER_LCORE 1u
#define MARGIN 64u /* packets: two bursts either side of a change */
#define LAT_SAMPLES 2000u

struct churn_addr {
	uint32_t v4;	  /* index in bench_vpc.v4 */
	uint32_t slot[2]; /* its own ENI, the next one */
	char text[INET_ADDRSTRLEN];
	unsigned at; /* 0 or 1: where it is now */
};

static struct bench_vpc world; /* the loaded VPC, its model and tables */
static char **eni_id;	       /* by slot */
static struct churn_addr churn[CHURN];
static unsigned n_churn; /* picked: CHURN, fewer when the end of the address list is reached */
static struct bench_ports bp;
static uint16_t uplink, host;
static uint64_t seed = 0x2545f4914f6cdd1dull;

static int collect_id(const struct model_eni_view *e, void *arg)
{
	(void)arg;
	eni_id[e->slot] = strdup(e->id);
	return eni_id[e->slot] == NULL;
}

static bool same_subnet(uint32_t a, uint32_t b)
{
	struct model_eni_view x, y;

	return model_get_eni(world.m, eni_id[a], &x) == 0 &&
	       model_get_eni(world.m, eni_id[b], &y) == 0 && strcmp(x.subnet_id, y.subnet_id) == 0;
}

/*
 * Secondaries spread over the ENIs, each with an EIP and a neighbour ENI of
 * the same subnet (R1) to move to.
 */
static int churn_pick(void)
{
	uint32_t step = world.n_v4 / CHURN;

	uint32_t i = 0;

	for (unsigned c = 0; c < CHURN; c++) {
		uint32_t j, k;

		if (c * step > i)
			i = c * step;
		for (;; i = j) {
			/* a secondary (not the ENI's first address, its primary: R5) with an EIP */
			while (i + 1 < world.n_v4 &&
			       (i == 0 || world.v4_slot[i - 1] != world.v4_slot[i] ||
				!world.v4_eip[i]))
				i++;
			if (i + 1 >= world.n_v4) {
				n_churn = c;
				return c > 0 ? 0 : -1;
			}
			for (j = i; j < world.n_v4 && world.v4_slot[j] == world.v4_slot[i]; j++)
				;
			for (k = i; k > 0 && world.v4_slot[k] == world.v4_slot[i]; k--)
				;
			if (j < world.n_v4 && same_subnet(world.v4_slot[i], world.v4_slot[j])) {
				churn[c].slot[1] = world.v4_slot[j];
				break;
			}
			if (world.v4_slot[k] != world.v4_slot[i] &&
			    same_subnet(world.v4_slot[i], world.v4_slot[k])) {
				churn[c].slot[1] = world.v4_slot[k];
				break;
			}
			/* an ENI alone in its subnet: try the next ENI */
		}
		churn[c].v4 = i++;
		churn[c].slot[0] = world.v4_slot[churn[c].v4];
		churn[c].at = 0;
		inet_ntop(AF_INET, &world.v4[churn[c].v4], churn[c].text, sizeof(churn[c].text));
	}
	n_churn = CHURN;
	return 0;
}

/* Move churn address c to its other ENI through the model, appending to d. */
static int churn_move(unsigned c, struct delta *d)
{
	struct churn_addr *a = &churn[c];
	const char *addr = a->text;
	struct model_assign_req req = {.eni_id = eni_id[a->slot[!a->at]],
				       .addrs = &addr,
				       .n_addrs = 1,
				       .allow_reassignment = true};
	struct model_addr_list l = {0};
	struct model_err err;

	if (model_assign_private_ips(world.m, &req, &l, d, &err) != 0) {
		fprintf(stderr, "move %s: %s: %s\n", addr, err.code, err.message);
		return -1;
	}
	model_addr_list_free(&l);
	a->at = !a->at;
	return 0;
}

/* ---- a reader busy on the other core (what a worker does to the tables) ---- */

struct reader {
	struct gen *g;
	uint32_t probe; /* private IPv4 watched */
	uint32_t keys[4096];
	bool stop;
	uint64_t seen_tsc; /* when the probe's owner last changed */
	uint64_t seen;	   /* how many times it changed (release) */
};

static int reader_main(void *arg)
{
	struct reader *r = arg;
	uint64_t vals[32], val, last = UINT64_MAX;
	unsigned k = 0;

	gen_reader_online(r->g, 0);
	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		const struct fwd_side *s = gen_reader_side(r->g);

		em4_lookup_bulk(s->eip4, &r->keys[k], 32, vals);
		k = (k + 32) % 4096;
		/* the bench world has one VPC, slot 0 */
		if (em8_lookup(s->priv4, fwd_priv_key(0, r->probe), &val) == 1 && val != last) {
			if (last != UINT64_MAX) {
				r->seen_tsc = rte_rdtsc();
				__atomic_store_n(&r->seen, r->seen + 1, __ATOMIC_RELEASE);
			}
			last = val;
		}
		gen_reader_quiescent(r->g, 0);
	}
	gen_reader_offline(r->g, 0);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void fig(const char *label, const char *what, double value, const char *unit,
		double baseline)
{
	char name[128];

	snprintf(name, sizeof(name), "control.%s.%s", label, what);
	bench_figure(name, value, unit, baseline);
}

/* Changes per second, single (batch 1) or batched; the reader running. */
static int bench_rate(const char *label, unsigned batch, unsigned changes)
{
	struct delta d = {0};
	unsigned c = 0;
	double t0 = bench_now();

	for (unsigned done = 0; done < changes; done += batch) {
		for (unsigned i = 0; i < batch; i++)
			if (churn_move(c++ % n_churn, &d) != 0)
				return -1;
		if (builder_apply(world.b, &d) != 0)
			return -1;
		delta_reset(&d);
	}
	double rate = changes / (bench_now() - t0);
	delta_free(&d);
	fprintf(stderr, "changes applied, batches of %u: %.0f/s\n", batch, rate);
	fig(label, batch == 1 ? "changes_per_s.single" : "changes_per_s.batch1000", rate,
	    "changes/s", 1e6);
	return 0;
}

static int bench_latency(const char *label, struct reader *r)
{
	static double vis[LAT_SAMPLES], ret[LAT_SAMPLES];
	struct delta d = {0};
	double hz = (double)rte_get_tsc_hz() / 1e6;

	for (unsigned i = 0; i < LAT_SAMPLES; i++) {
		uint64_t seen = __atomic_load_n(&r->seen, __ATOMIC_ACQUIRE), t0, t1;

		if (churn_move(0, &d) != 0)
			return -1;
		t0 = rte_rdtsc();
		if (builder_apply(world.b, &d) != 0)
			return -1;
		t1 = rte_rdtsc();
		delta_reset(&d);
		while (__atomic_load_n(&r->seen, __ATOMIC_ACQUIRE) == seen)
			rte_pause();
		vis[i] = (double)(r->seen_tsc - t0) / hz;
		ret[i] = (double)(t1 - t0) / hz;
		rte_delay_us_block(20 + bench_rand(&seed) % 50); /* no phase lock with the reader */
	}
	delta_free(&d);
	qsort(vis, LAT_SAMPLES, sizeof(double), cmp_double);
	qsort(ret, LAT_SAMPLES, sizeof(double), cmp_double);
	fprintf(stderr, "visible after us: p50 %.1f p99 %.1f max %.1f; apply returns p99 %.1f\n",
		vis[LAT_SAMPLES / 2], vis[LAT_SAMPLES * 99 / 100], vis[LAT_SAMPLES - 1],
		ret[LAT_SAMPLES * 99 / 100]);
	fig(label, "visible_us.p50", vis[LAT_SAMPLES / 2], "us", 50);
	fig(label, "visible_us.p99", vis[LAT_SAMPLES * 99 / 100], "us", 50);
	fig(label, "visible_us.max", vis[LAT_SAMPLES - 1], "us", 50);
	fig(label, "apply_return_us.p50", ret[LAT_SAMPLES / 2], "us", 50);
	fig(label, "apply_return_us.p99", ret[LAT_SAMPLES * 99 / 100], "us", 50);
	return 0;
}

/* ---- churn under traffic ---- */

struct change_log {
	uint32_t c;		/* churn address */
	uint32_t before, after; /* packets dequeued when the change started / returned */
};

static struct rte_mbuf *pkts[BATCH];
static uint32_t target[BATCH]; /* v4 index each packet is for */
static struct change_log *clog;
static uint32_t *churn_index; /* v4 index -> churn address + 1, 0 = static */

static int fill(void)
{
	const uint8_t up_mac[6] = {0x02, 0xfe, 0, 0, 0, 1};
	const uint8_t port_mac[6] = {0x02, 0xbe, 0, 0, 0, (uint8_t)uplink};

	if (rte_pktmbuf_alloc_bulk(bp.pool, pkts, BATCH) != 0)
		return -1;
	for (unsigned s = 0; s < BATCH; s++) {
		uint8_t *f = (uint8_t *)rte_pktmbuf_append(pkts[s], BENCH_FRAME);
		uint32_t x;

		if (bench_rand(&seed) % 4 == 0)
			x = churn[bench_rand(&seed) % n_churn].v4;
		else
			do
				x = bench_rand(&seed) % world.n_v4;
			while (!world.v4_eip[x]);
		target[s] = x;
		bench_fill_v4(f, port_mac, up_mac, rte_cpu_to_be_32(0xc6120005u), world.v4_eip[x],
			      s);
	}
	return 0;
}

/* The owner slots packet s may see for churn address c, from the change log. */
static bool allowed(uint32_t c, uint32_t s, uint32_t slot, const unsigned *first_of, unsigned n_log,
		    unsigned start_at)
{
	/* states of c: 0 = before its first change in the run, then one per change */
	unsigned at = start_at, i;
	uint32_t lo = 0;

	for (i = first_of[c]; i < n_log; i++) {
		if (clog[i].c != c)
			continue;
		/* state `at` held from lo until this change returned */
		if (s + MARGIN >= lo && s <= clog[i].after + MARGIN && churn[c].slot[at] == slot)
			return true;
		lo = clog[i].before;
		at = !at;
	}
	return s + MARGIN >= lo && churn[c].slot[at] == slot;
}

static struct worker wk;

/* One run at rate changes/s: cycles per packet, achieved rate, misdelivered packets. */
static int churn_run(double rate, double *cycles, double *achieved, uint64_t *misdelivered)
{
	static unsigned first_of[CHURN], start_at[CHURN];
	struct delta d = {0};
	double hz = (double)rte_get_tsc_hz();
	uint64_t period = rate > 0 ? (uint64_t)(hz / rate) : 0, t0, t1, next;
	unsigned n_log = 0, first, cap = 1u << 20;

	if (fill() != 0)
		return -1;
	for (unsigned c = 0; c < n_churn; c++) {
		first_of[c] = UINT32_MAX;
		start_at[c] = churn[c].at;
	}
	wk.stop = false;
	rte_eal_remote_launch(worker_main, &wk, WORKER_LCORE);
	if (rte_ring_enqueue_bulk(bp.rx[uplink], (void **)pkts, BATCH, NULL) != BATCH)
		return -1;
	while ((first = BATCH - rte_ring_count(bp.rx[uplink])) == 0)
		rte_pause();
	t0 = next = rte_rdtsc();
	for (unsigned k = 0;; k++) {
		unsigned left = rte_ring_count(bp.rx[uplink]);

		if (left == 0)
			break;
		if (period == 0 || rte_rdtsc() < next) {
			rte_pause();
			continue;
		}
		next += period;
		uint32_t c = (uint32_t)(k % n_churn);
		if (n_log == cap || churn_move(c, &d) != 0)
			return -1;
		clog[n_log].c = c;
		clog[n_log].before = BATCH - left;
		if (builder_apply(world.b, &d) != 0)
			return -1;
		clog[n_log].after = BATCH - rte_ring_count(bp.rx[uplink]);
		if (first_of[c] == UINT32_MAX)
			first_of[c] = n_log;
		n_log++;
		delta_reset(&d);
	}
	t1 = rte_rdtsc();
	delta_free(&d);
	rte_delay_us_block(200);
	worker_stop(&wk);
	rte_eal_wait_lcore(WORKER_LCORE);
	if (first > BATCH / 2) /* preempted at the start: not a fair figure */
		*cycles = 0;
	else
		*cycles = (double)(t1 - t0) / (double)(BATCH - first);
	*achieved = (double)n_log / ((double)(t1 - t0) / hz);

	/* every packet delivered, each to an owner of its destination in a generation it saw */
	struct rte_mbuf *m[256];
	unsigned got, delivered = 0;
	*misdelivered = 0;
	while ((got = rte_ring_dequeue_burst(bp.tx[host], (void **)m, 256, NULL)) > 0) {
		for (unsigned i = 0; i < got; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(m[i], const uint8_t *);
			uint32_t s = bench_seq_v4(f), dst, x, slot, c;
			bool ok;

			memcpy(&dst, f + 30, 4);
			if (s >= BATCH || dst != world.v4[(x = target[s])]) {
				(*misdelivered)++;
				continue;
			}
			c = churn_index[x];
			if (c == 0) {
				ok = memcmp(f, world.enis[world.v4_slot[x]].mac, 6) == 0;
			} else {
				c--;
				slot = memcmp(f, world.enis[churn[c].slot[0]].mac, 6) == 0
					   ? churn[c].slot[0]
				       : memcmp(f, world.enis[churn[c].slot[1]].mac, 6) == 0
					   ? churn[c].slot[1]
					   : UINT32_MAX;
				ok = slot != UINT32_MAX &&
				     allowed(c, s, slot, first_of, n_log, start_at[c]);
			}
			*misdelivered += !ok;
		}
		delivered += got;
		rte_pktmbuf_free_bulk(m, got);
	}
	for (unsigned p = 0; p < BENCH_N_PORTS; p++) {
		while ((got = rte_ring_dequeue_burst(bp.tx[p], (void **)m, 256, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, got);
		while ((got = rte_ring_dequeue_burst(bp.rx[p], (void **)m, 256, NULL)) > 0)
			rte_pktmbuf_free_bulk(m, got);
	}
	if (delivered != BATCH) {
		fprintf(stderr, "churn at %.0f/s: %u of %u packets delivered\n", rate, delivered,
			BATCH);
		*misdelivered += BATCH - delivered;
	}
	return 0;
}

static int bench_churn(const char *label, unsigned runs)
{
	static const double rates[3] = {0, 10000, 100000};
	static const char *const names[3] = {"0", "10k", "100k"};
	double cyc[3][64], ach[3][64], c0 = 0;
	uint64_t mis[3] = {0, 0, 0};

	if (runs > 64)
		runs = 64;
	for (unsigned r = 0; r <= runs; r++) { /* run 0: warm-up */
		for (int i = 0; i < 3; i++) {
			double c = 0, a = 0;
			uint64_t bad = 0;

			for (int tries = 0; c == 0 && tries < 50; tries++) {
				if (churn_run(rates[i], &c, &a, &bad) != 0)
					return -1;
				mis[i] += bad;
			}
			if (c == 0)
				return -1;
			if (r > 0) {
				cyc[i][r - 1] = c;
				ach[i][r - 1] = a;
			}
		}
	}
	for (int i = 0; i < 3; i++) {
		char what[64];

		qsort(cyc[i], runs, sizeof(double), cmp_double);
		qsort(ach[i], runs, sizeof(double), cmp_double);
		double c = cyc[i][runs / 2];
		if (i == 0)
			c0 = c;
		fprintf(
		    stderr,
		    "churn %s/s (achieved %.0f/s): %.1f cycles/pkt, %+.1f%%, %lu misdelivered\n",
		    names[i], ach[i][runs / 2], c, (c / c0 - 1) * 100, (unsigned long)mis[i]);
		snprintf(what, sizeof(what), "churn_%s.cycles_per_pkt", names[i]);
		fig(label, what, c, "cycles", c0);
		if (i > 0) {
			snprintf(what, sizeof(what), "churn_%s.achieved_changes_per_s", names[i]);
			fig(label, what, ach[i][runs / 2], "changes/s", rates[i]);
			snprintf(what, sizeof(what), "churn_%s.slowdown_pct", names[i]);
			fig(label, what, (c / c0 - 1) * 100, "%", 5);
		}
		snprintf(what, sizeof(what), "churn_%s.misdelivered", names[i]);
		fig(label, what, (double)mis[i], "packets", 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct reader *r = NULL;
	struct model_err err;
	unsigned runs;
	int rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s CONFIG.yaml LABEL [runs]\n", argv[0]);
		return 2;
	}
	runs = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 0) : 5;
	if (runs == 0)
		runs = 1;
	if (bench_eal_init(argv[0], "bench-ctl", 8192) != 0)
		return 1;
	if (bench_vpc_load(argv[1], 1, &world) != 0)
		goto out;
	eni_id = calloc(world.n_enis, sizeof(char *));
	churn_index = calloc(world.n_v4, sizeof(uint32_t));
	clog = calloc(1u << 20, sizeof(*clog));
	r = calloc(1, sizeof(*r));
	if (!eni_id || !churn_index || !clog || !r ||
	    model_foreach_eni(world.m, collect_id, NULL) != 0)
		goto out;
	if (world.n_eips == 0 || churn_pick() != 0) {
		fprintf(stderr, "need EIPs and at least two ENIs\n");
		goto out;
	}
	for (unsigned c = 0; c < n_churn; c++)
		churn_index[churn[c].v4] = c + 1;
	/* room on every ENI for the addresses moving in (the generated type is exactly full) */
	if (model_set_instance_type(world.m, "x.enimap-big", 128, 4096, 4096, &err) != 0) {
		fprintf(stderr, "instance type: %s\n", err.message);
		goto out;
	}

	/* rate and latency, with a reader busy on the other core */
	r->g = builder_gen(world.b);
	r->probe = world.v4[churn[0].v4];
	for (unsigned i = 0; i < 4096; i++)
		r->keys[i] = world.eip[bench_rand(&seed) % world.n_eips];
	if (gen_reader_register(r->g, 0) != 0)
		goto out;
	rte_eal_remote_launch(reader_main, r, WORKER_LCORE);
	rc = bench_rate(argv[2], 1, 20000) || bench_rate(argv[2], 1000, 200000) ||
	     bench_latency(argv[2], r);
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	rte_eal_wait_lcore(WORKER_LCORE);
	if (rc != 0)
		goto out;

	/* churn under traffic: the real worker on net_ring ports */
	rc = 1;
	if (world.cfg.engine.n_ports != BENCH_N_PORTS ||
	    bench_ports_create(BATCH, RING_SIZE, &bp) != 0)
		goto out;
	uplink = world.cfg.engine.ports[0].role == ENGINE_PORT_UPLINK ? 0 : 1;
	host = (uint16_t)(1 - uplink);
	wk.id = 0;
	wk.gen = builder_gen(world.b);
	wk.pw = pipeline_worker_create(0, builder_max_enis(world.b));
	wk.n_ports = BENCH_N_PORTS;
	for (unsigned p = 0; p < BENCH_N_PORTS; p++) {
		wk.port_id[p] = bp.port_id[p];
		wk.poll_rx[p] = true;
	}
	wk.burst = 32;
	wk.uplink = uplink;
	wk.pool = bp.pool;
	if (wk.pw == NULL)
		goto out;
	rc = bench_churn(argv[2], runs) != 0;
out:
	if (rc != 0)
		fprintf(stderr, "control bench failed\n");
	if (wk.pw)
		pipeline_worker_free(wk.pw);
	bench_ports_free(&bp);
	if (eni_id)
		for (uint32_t s = 0; s < world.n_enis; s++)
			free(eni_id[s]);
	free(eni_id);
	free(churn_index);
	free(clog);
	free(r);
	bench_vpc_free(&world);
	bench_eal_cleanup();
	return rc;
}
