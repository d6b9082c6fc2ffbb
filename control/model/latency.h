/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * latency.h - a fixed latency histogram, for the Prometheus metrics
 * (app/metrics.c): the engine's publishes, the API's requests and the
 * journal's fsyncs each keep one. Header only, no dependency: it sits with
 * the model because the engine and the API both build on the model.
 *
 * Buckets are powers of two from 1 us (le = 1 us, 2 us, 4 us ... 2^19 us,
 * about 0.52 s) and +Inf. bucket[] is NOT cumulative (the writer adds one to
 * one bucket); the reader makes the cumulative counts Prometheus wants.
 *
 * Not thread safe by itself: the writer and the reader hold the same lock
 * (the model lock, see app/main.c), as every user of it does.
 */
#ifndef ENIMAP_LATENCY_H
#define ENIMAP_LATENCY_H

#include <stdint.h>

#define LATENCY_BUCKETS 20 /* finite buckets; bucket[LATENCY_BUCKETS] is +Inf */

struct latency_hist {
	uint64_t count;
	uint64_t sum_ns;
	uint64_t bucket[LATENCY_BUCKETS + 1];
};

/* The upper bound of finite bucket i, in nanoseconds: 1000 << i. */
static inline uint64_t latency_bound_ns(unsigned i)
{
	return (uint64_t)1000 << i;
}

static inline void latency_record(struct latency_hist *h, uint64_t ns)
{
	unsigned i = 0;

	while (i < LATENCY_BUCKETS && ns > latency_bound_ns(i))
		i++;
	h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

#endif
