/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pipeline.c - the packet pipeline on arbitrary frames, with real tables
 * built by the real builder (tests/dataplane/fixture.h's VPC: an uplink, two
 * host ports, ENIs in every state, routes of every kind).
 *
 * Input: byte 0 picks the ingress port (mod 3), byte 1 the number of frames
 * in the burst (1..8); the rest is cut into that many frames of equal length.
 * Properties, for every burst:
 *   - each frame is either sent (forwarded or answered) or dropped with one
 *     counted reason: sent + counted drops == frames;
 *   - no mbuf is lost or freed twice: once the sent ones are freed, the pool
 *     holds exactly what it held before.
 */
#include "fixture.h"
#include "fuzz.h"

#define MAX_FRAMES 8

static void eal_down_at_exit(void)
{
	fixture_teardown(NULL);
	dp_eal_down();
}

static void setup_once(void)
{
	static int done;
	if (done)
		return;
	done = 1;
	fuzz_check(dp_eal_up("fuzz") == 0);
	fixture_setup(NULL);
	atexit(eal_down_at_exit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	if (size < 2)
		return 0;
	uint16_t in_port = data[0] % 3;
	unsigned n = 1 + data[1] % MAX_FRAMES;
	size_t len = (size - 2) / n;
	const uint16_t room = (uint16_t)(RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM);
	if (len > room)
		len = room;

	unsigned avail = rte_mempool_avail_count(dp_pool);
	uint64_t drops = counters_drops_total(C());
	struct rte_mbuf *m[MAX_FRAMES];
	for (unsigned i = 0; i < n; i++) {
		m[i] = rte_pktmbuf_alloc(dp_pool);
		fuzz_check(m[i] != NULL);
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i], (uint16_t)len);
		fuzz_check(p != NULL || len == 0);
		if (len)
			memcpy(p, data + 2 + i * len, len);
		m[i]->port = in_port;
	}

	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	pipeline_burst(W, builder_side(B), in_port, m, (uint16_t)n, &tx);

	unsigned sent = 0;
	for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
		for (unsigned i = 0; i < tx.n[p]; i++)
			rte_pktmbuf_free(tx.pkts[p][i]);
		sent += tx.n[p];
	}
	fuzz_check(sent + (counters_drops_total(C()) - drops) == n);
	fuzz_check(rte_mempool_avail_count(dp_pool) == avail);
	return 0;
}
