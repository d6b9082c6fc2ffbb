/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frag.h - what a worker needs for packets bigger than their egress MTU
 * (D7): the mempools IPv4 fragments are made from, and the rate limit of
 * the ICMP "fragmentation needed" / "packet too big" errors it sends.
 *
 * The work itself is emit_big() (frag.c), a real call reached from emit()
 * by one compare: packets within the MTU never get there.
 */
#ifndef ENIMAP_FRAG_H
#define ENIMAP_FRAG_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mempool;

/* At most this many fragments per datagram: 65535 bytes over 1280 take 54. */
#define FRAG_MAX_OUT 64

/*
 * ICMP too-big errors a worker sends: a token bucket of FRAG_ICMP_BURST
 * tokens refilled at FRAG_ICMP_PER_SEC (Linux's icmp_msgs_per_sec and
 * icmp_msgs_burst defaults). A packet over the limit is still dropped and
 * counted (frag-needed), with no ICMP (counters.icmp_limited).
 */
#define FRAG_ICMP_PER_SEC 1000
#define FRAG_ICMP_BURST 50

struct frag_icmp_limit {
	uint64_t last; /* tsc of the last refill */
	uint32_t tokens;
	bool started;
};

struct frag_ctx {
	/* fragments: a direct mbuf for each one's headers, an indirect one
	 * pointing at its share of the datagram's data. NULL: not fragmented
	 * (dropped as frag-failed). */
	struct rte_mempool *direct, *indirect;
	struct frag_icmp_limit icmp;
};

/*
 * One token of the bucket at time now (tsc, hz ticks a second): true when
 * an ICMP error may be sent. The first call fills the bucket.
 */
static inline bool frag_icmp_take(struct frag_icmp_limit *l, uint64_t now, uint64_t hz)
{
	uint64_t per_token = hz / FRAG_ICMP_PER_SEC;

	if (!l->started) {
		l->started = true;
		l->tokens = FRAG_ICMP_BURST;
		l->last = now;
	} else if (per_token != 0 && now > l->last) {
		uint64_t add = (now - l->last) / per_token;

		if (add != 0) {
			l->tokens = add >= FRAG_ICMP_BURST - l->tokens ? FRAG_ICMP_BURST
								       : l->tokens + (uint32_t)add;
			l->last += add * per_token;
		}
	}
	if (l->tokens == 0)
		return false;
	l->tokens--;
	return true;
}

#endif
