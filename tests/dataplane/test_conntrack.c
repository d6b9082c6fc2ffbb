/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_conntrack.c - D12's flow table (dataplane/conntrack.c): both
 * directions of a flow find one entry, two worker threads inserting and
 * looking up the same flows at once, expiry per protocol on a fake clock,
 * TCP close, UDP stream promotion, a full table (a counted drop, existing
 * flows still pass), positions reclaimed only after the readers' grace
 * period, ICMP errors keyed by the flow they quote, and churn: two workers
 * inserting and looking up the same flows while they expire and the sweeper
 * reclaims their slots (one entry per flow, none leaked).
 */
#include "dp_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "conntrack.h"

/* hz 1: the fake clock counts seconds */
static struct ct *mk(const char *name, uint32_t max_flows, struct rte_rcu_qsbr *qs)
{
	struct ct_config c;
	struct ct *ct;

	ct_config_default(&c);
	c.max_flows = max_flows;
	c.hz = 1;
	c.qs = qs;
	ct = ct_create(name, &c);
	assert_non_null(ct);
	return ct;
}

/* The flow of an ENI 10.0.1.5 talking with a peer 203.0.113.9. */
#define ENI_A "10.0.1.5"
#define PEER_A "203.0.113.9"

static uint8_t l4buf[8];

static const uint8_t *ports(uint16_t sport, uint16_t dport)
{
	put16(l4buf, sport);
	put16(l4buf + 2, dport);
	memset(l4buf + 4, 0, 4);
	return l4buf;
}

/* key of a packet going dir, from src:sport to dst:dport */
static struct ct_key pkt4(enum ct_dir dir, uint8_t proto, const char *src, uint16_t sport,
			  const char *dst, uint16_t dport)
{
	struct ct_key k;

	assert_int_equal(
	    ct_key4_pkt(&k, 1, 7, dir, proto, ip4(src), ip4(dst), ports(sport, dport), 8), 0);
	return k;
}

/* 1 when the key is a live flow, its position in *pos */
static int find(const struct ct *ct, const struct ct_key *k, int32_t *pos)
{
	const struct ct_key *keys[1] = {k};
	int32_t p[1];
	uint64_t hit = ct_lookup_bulk(ct, keys, 1, p);

	if (pos != NULL)
		*pos = p[0];
	return (int)(hit & 1);
}

static void d12_ct_entry_at_most_128_bytes(void **st)
{
	(void)st;
	assert_true(sizeof(struct ct_entry) <= 128);
	assert_int_equal(sizeof(struct ct_key), 48);
	/* the whole table (entries, tags, sweeper queue, locks) per flow */
	assert_true(ct_memsize(1u << 20) <= 128ull << 20);
	assert_true(ct_memsize(131072) <= 128ull * 131072);
}

static void d12_ct_both_directions_find_one_entry(void **st)
{
	struct ct *ct = mk("ct_both", 64, NULL);
	struct ct_key out = pkt4(CT_FROM_ENI, 6, ENI_A, 40000, PEER_A, 443);
	struct ct_key back = pkt4(CT_TO_ENI, 6, PEER_A, 443, ENI_A, 40000);
	struct ct_key other = pkt4(CT_TO_ENI, 6, PEER_A, 443, ENI_A, 40001);
	struct ct_key in6, back6;
	uint8_t e6[16], p6[16];
	int32_t p1, p2;

	(void)st;
	assert_memory_equal(&out, &back, sizeof(out));
	assert_false(find(ct, &out, NULL));
	assert_int_equal(ct_insert(ct, &out, CT_FROM_ENI, CT_TCP_SYN, 100, &p1), 0);
	assert_true(find(ct, &back, &p2));
	assert_int_equal(p1, p2);
	assert_false(find(ct, &other, NULL));
	assert_int_equal(ct_update(ct, p2, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 100), 0);
	/* the ENI started it: outbound-initiated; both directions seen */
	assert_int_equal(ct_word(ct, p1) & CT_F_INIT_PEER, 0);
	assert_true(ct_word(ct, p1) & CT_F_SEEN_ENI);
	assert_true(ct_word(ct, p1) & CT_F_SEEN_PEER);

	/* IPv6, started by the peer: inbound-initiated */
	ip6("2001:db8::5", e6);
	ip6("2001:db8:ffff::9", p6);
	assert_int_equal(ct_key6_pkt(&in6, 1, 7, CT_TO_ENI, 17, p6, e6, ports(5353, 53), 8), 0);
	assert_int_equal(ct_key6_pkt(&back6, 1, 7, CT_FROM_ENI, 17, e6, p6, ports(53, 5353), 8), 0);
	assert_memory_equal(&in6, &back6, sizeof(in6));
	assert_int_equal(ct_insert(ct, &in6, CT_TO_ENI, 0, 100, &p1), 0);
	assert_true(find(ct, &back6, &p2));
	assert_int_equal(p1, p2);
	assert_true(ct_word(ct, p1) & CT_F_INIT_PEER);
	/* the same addresses for another ENI, or another VPC, is another flow */
	back6.eni = 8;
	assert_false(find(ct, &back6, NULL));
	back6.eni = 7;
	back6.vpc = 2;
	assert_false(find(ct, &back6, NULL));
	ct_free(ct);
}

/* Runs one protocol's flow until it expires: alive at t0 + alive_for, gone
 * one tick later (ct_update says so at once; the sweep removes it). */
static void expect_expiry(struct ct *ct, const struct ct_key *k, int32_t pos, uint64_t last,
			  uint64_t timeout)
{
	assert_int_equal(ct_sweep(ct, last + timeout, ct_positions(ct)), 0);
	assert_true(find(ct, k, NULL));
	assert_int_equal(ct_sweep(ct, last + timeout + 1, ct_positions(ct)), 1);
	assert_false(find(ct, k, NULL));
	(void)pos;
}

static void d12_ct_expiry_per_protocol(void **st)
{
	struct ct *ct = mk("ct_expiry", 64, NULL);
	struct ct_key u = pkt4(CT_FROM_ENI, 17, ENI_A, 1000, PEER_A, 53);
	struct ct_key ic, t = pkt4(CT_FROM_ENI, 6, ENI_A, 2000, PEER_A, 80);
	struct ct_key tw = pkt4(CT_FROM_ENI, 6, ENI_A, 2001, PEER_A, 80);
	uint8_t echo[8] = {8, 0, 0, 0, 0x12, 0x34, 0, 1};
	int32_t pu, pi, pt, pw;

	(void)st;
	/* UDP one way: 30 s */
	assert_int_equal(ct_insert(ct, &u, CT_FROM_ENI, 0, 1000, &pu), 0);
	assert_int_equal(ct_update(ct, pu, CT_FROM_ENI, 0, 1010), 0);
	assert_int_equal(ct_update(ct, pu, CT_FROM_ENI, 0, 1040), 0);	    /* 30 s after 1010 */
	assert_int_equal(ct_update(ct, pu, CT_FROM_ENI, 0, 1071), -ENOENT); /* 31 s */
	expect_expiry(ct, &u, pu, 1040, 30);

	/* ICMP echo: 30 s, keyed by the identifier both ways */
	assert_int_equal(ct_key4_pkt(&ic, 1, 7, CT_FROM_ENI, 1, ip4(ENI_A), ip4(PEER_A), echo, 8),
			 0);
	assert_int_equal(ct_insert(ct, &ic, CT_FROM_ENI, 0, 2000, &pi), 0);
	{
		uint8_t reply[8] = {0, 0, 0, 0, 0x12, 0x34, 0, 1};
		struct ct_key r;
		int32_t p;

		assert_int_equal(
		    ct_key4_pkt(&r, 1, 7, CT_TO_ENI, 1, ip4(PEER_A), ip4(ENI_A), reply, 8), 0);
		assert_true(find(ct, &r, &p));
		assert_int_equal(p, pi);
		reply[4] = 0x13; /* another identifier: another flow */
		assert_int_equal(
		    ct_key4_pkt(&r, 1, 7, CT_TO_ENI, 1, ip4(PEER_A), ip4(ENI_A), reply, 8), 0);
		assert_false(find(ct, &r, NULL));
	}
	assert_int_equal(ct_update(ct, pi, CT_TO_ENI, 0, 2000), 0);
	expect_expiry(ct, &ic, pi, 2000, 30); /* both ways: still 30 */

	/* TCP, one direction only (SYN unanswered): 120 s */
	assert_int_equal(ct_insert(ct, &t, CT_FROM_ENI, CT_TCP_SYN, 3000, &pt), 0);
	expect_expiry(ct, &t, pt, 3000, 120);

	/* TCP established (both ways): 432000 s */
	assert_int_equal(ct_insert(ct, &tw, CT_FROM_ENI, CT_TCP_SYN, 5000, &pw), 0);
	assert_int_equal(ct_update(ct, pw, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 5001), 0);
	assert_int_equal(ct_update(ct, pw, CT_FROM_ENI, CT_TCP_ACK, 5002), 0);
	assert_int_equal(ct_sweep(ct, 5002 + 121, ct_positions(ct)), 0);
	assert_int_equal(ct_update(ct, pw, CT_FROM_ENI, CT_TCP_ACK, 5002 + 432000), 0);
	expect_expiry(ct, &tw, pw, 5002 + 432000, 432000);
	ct_free(ct);
}

/* The configuration allows timeouts of up to 30 days: at a 1 kHz clock that
 * is more than 2^31 ticks, past a 32-bit last seen's range; the table counts
 * it in 2-tick units then, and the flow still lives its 30 days. */
static void d12_ct_timeout_of_30_days_at_1khz(void **st)
{
	const uint64_t month = 30ull * 86400 * 1000;
	struct ct_config c;
	struct ct *ct;
	struct ct_key k = pkt4(CT_FROM_ENI, 6, ENI_A, 40000, PEER_A, 443);
	int32_t p;

	(void)st;
	ct_config_default(&c);
	c.max_flows = 16;
	c.tcp_established_s = 30 * 86400;
	ct = ct_create("ct_month", &c);
	assert_non_null(ct);
	assert_int_equal(ct_insert(ct, &k, CT_FROM_ENI, CT_TCP_SYN, 5000, &p), 0);
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 5000), 0);
	assert_int_equal(ct_sweep(ct, 5000 + month - 1000, ct_positions(ct)), 0);
	assert_int_equal(ct_update(ct, p, CT_FROM_ENI, CT_TCP_ACK, 5000 + month - 1000), 0);
	/* idle from there: alive a month later, gone a few ms after that */
	assert_int_equal(ct_sweep(ct, 5000 + 2 * month - 1000, ct_positions(ct)), 0);
	assert_true(find(ct, &k, NULL));
	assert_int_equal(ct_sweep(ct, 5000 + 2 * month - 1000 + 4, ct_positions(ct)), 1);
	assert_false(find(ct, &k, NULL));
	ct_free(ct);
}

static void d12_ct_udp_stream_promotion(void **st)
{
	struct ct *ct = mk("ct_stream", 64, NULL);
	struct ct_key u = pkt4(CT_TO_ENI, 17, PEER_A, 5000, ENI_A, 5001);
	int32_t p;

	(void)st;
	assert_int_equal(ct_insert(ct, &u, CT_TO_ENI, 0, 100, &p), 0);
	assert_true(ct_word(ct, p) & CT_F_INIT_PEER);
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, 0, 110), 0);
	/* one way for now: 30 s from 110 */
	assert_int_equal(ct_update(ct, p, CT_FROM_ENI, 0, 120), 0);    /* the answer: a stream */
	assert_int_equal(ct_sweep(ct, 120 + 31, ct_positions(ct)), 0); /* 30 s no longer applies */
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, 0, 120 + 179), 0);
	expect_expiry(ct, &u, p, 120 + 179, 180);
	ct_free(ct);
}

static void d12_ct_tcp_close_short_timeout(void **st)
{
	struct ct *ct = mk("ct_close", 64, NULL);
	struct ct_key f = pkt4(CT_FROM_ENI, 6, ENI_A, 3000, PEER_A, 80);
	struct ct_key r = pkt4(CT_FROM_ENI, 6, ENI_A, 3001, PEER_A, 80);
	struct ct_key h = pkt4(CT_FROM_ENI, 6, ENI_A, 3002, PEER_A, 80);
	int32_t pf, pr, ph;

	(void)st;
	/* FIN both ways: 10 s */
	assert_int_equal(ct_insert(ct, &f, CT_FROM_ENI, CT_TCP_SYN, 100, &pf), 0);
	assert_int_equal(ct_update(ct, pf, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 100), 0);
	assert_int_equal(ct_update(ct, pf, CT_FROM_ENI, CT_TCP_FIN | CT_TCP_ACK, 200), 0);
	assert_int_equal(ct_update(ct, pf, CT_TO_ENI, CT_TCP_FIN | CT_TCP_ACK, 201), 0);
	/* RST: 10 s */
	assert_int_equal(ct_insert(ct, &r, CT_FROM_ENI, CT_TCP_SYN, 100, &pr), 0);
	assert_int_equal(ct_update(ct, pr, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 100), 0);
	assert_int_equal(ct_update(ct, pr, CT_TO_ENI, CT_TCP_RST, 201), 0);
	/* one FIN only (half closed): still established */
	assert_int_equal(ct_insert(ct, &h, CT_FROM_ENI, CT_TCP_SYN, 100, &ph), 0);
	assert_int_equal(ct_update(ct, ph, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 100), 0);
	assert_int_equal(ct_update(ct, ph, CT_FROM_ENI, CT_TCP_FIN, 201), 0);

	assert_int_equal(ct_sweep(ct, 211, ct_positions(ct)), 0);
	assert_true(find(ct, &f, NULL));
	assert_true(find(ct, &r, NULL));
	assert_int_equal(ct_sweep(ct, 212, ct_positions(ct)), 2);
	assert_false(find(ct, &f, NULL));
	assert_false(find(ct, &r, NULL));
	assert_true(find(ct, &h, NULL));
	assert_int_equal(ct_update(ct, ph, CT_TO_ENI, CT_TCP_ACK, 212 + 100000), 0);
	ct_free(ct);
}

/* A SYN after a close opens a new connection on the same ports: it is a new
 * flow (the rules decide again) and starts with a clean state. */
static void d12_ct_tcp_syn_after_close_is_a_new_flow(void **st)
{
	struct ct *ct = mk("ct_reopen", 64, NULL);
	struct ct_key f = pkt4(CT_FROM_ENI, 6, ENI_A, 3100, PEER_A, 80);
	int32_t p, p2;
	uint64_t w;

	(void)st;
	assert_int_equal(ct_insert(ct, &f, CT_FROM_ENI, CT_TCP_SYN, 100, &p), 0);
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 100), 0);
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, CT_TCP_RST, 101), 0);
	/* the closing flow still passes its last packets ... */
	assert_int_equal(ct_update(ct, p, CT_FROM_ENI, CT_TCP_ACK, 102), 0);
	/* ... but a new SYN from the peer is not one of them */
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, CT_TCP_SYN, 103), -ENOENT);
	assert_int_equal(ct_insert(ct, &f, CT_TO_ENI, CT_TCP_SYN, 103, &p2), 0);
	assert_int_equal(p2, p);
	w = ct_word(ct, p);
	assert_true(w & CT_F_INIT_PEER); /* started by the peer this time */
	assert_int_equal(w & (CT_F_RST | CT_F_SEEN_ENI), 0);
	assert_int_equal(ct_update(ct, p, CT_FROM_ENI, CT_TCP_SYN | CT_TCP_ACK, 104), 0);
	/* established again: the 10 s of a closed flow no longer apply */
	assert_int_equal(ct_sweep(ct, 104 + 11, ct_positions(ct)), 0);
	assert_int_equal(ct_update(ct, p, CT_TO_ENI, CT_TCP_ACK, 104 + 1000), 0);
	ct_free(ct);
}

static void d12_ct_full_table_counted_drop_existing_flows_pass(void **st)
{
	enum { MAX = 16 };
	struct ct *ct = mk("ct_full", MAX, NULL);
	struct ct_key k[MAX + 1];
	int32_t pos[MAX + 1];
	struct ct_stats s;

	(void)st;
	for (unsigned i = 0; i <= MAX; i++)
		k[i] = pkt4(CT_FROM_ENI, 17, ENI_A, (uint16_t)(10000 + i), PEER_A, 53);
	for (unsigned i = 0; i < MAX; i++)
		assert_int_equal(ct_insert(ct, &k[i], CT_FROM_ENI, 0, 100, &pos[i]), 0);
	assert_int_equal(ct_insert(ct, &k[MAX], CT_FROM_ENI, 0, 100, NULL), -ENOSPC);
	assert_int_equal(ct_insert(ct, &k[MAX], CT_FROM_ENI, 0, 101, NULL), -ENOSPC);
	ct_get_stats(ct, &s);
	assert_int_equal(s.full, 2);
	assert_int_equal(s.inserted, MAX);
	assert_int_equal(s.live, MAX);
	assert_false(find(ct, &k[MAX], NULL));
	for (unsigned i = 0; i < MAX; i++) { /* every tracked flow still passes, both ways */
		struct ct_key back = pkt4(CT_TO_ENI, 17, PEER_A, 53, ENI_A, (uint16_t)(10000 + i));
		int32_t p;

		assert_true(find(ct, &back, &p));
		assert_int_equal(p, pos[i]);
		assert_int_equal(ct_update(ct, p, CT_TO_ENI, 0, 102), 0);
	}
	/* one expires (the others are refreshed): room for the new flow again */
	for (unsigned i = 1; i < MAX; i++)
		assert_int_equal(ct_update(ct, pos[i], CT_FROM_ENI, 0, 130), 0);
	assert_int_equal(ct_update(ct, pos[0], CT_FROM_ENI, 0, 102), 0);
	assert_int_equal(ct_sweep(ct, 102 + 181, ct_positions(ct)), 1);
	assert_int_equal(ct_sweep(ct, 102 + 181, 0), 0); /* reclaims (no reader threads) */
	ct_get_stats(ct, &s);
	assert_int_equal(s.live, MAX - 1);
	assert_int_equal(ct_insert(ct, &k[MAX], CT_FROM_ENI, 0, 283, NULL), 0);
	assert_true(find(ct, &k[MAX], NULL));
	ct_free(ct);
}

/* A deleted flow's position is given back only once every reader has passed
 * a quiescent point: a reader holding it never sees it reused. */
static void d12_ct_position_reclaimed_after_grace_period(void **st)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *qs = rte_zmalloc("ct_qs", sz, RTE_CACHE_LINE_SIZE);
	struct ct *ct;
	struct ct_key a = pkt4(CT_FROM_ENI, 17, ENI_A, 7000, PEER_A, 53);
	struct ct_key b = pkt4(CT_FROM_ENI, 17, ENI_A, 7001, PEER_A, 53);
	struct ct_stats s;
	int32_t pa, held, pb;

	(void)st;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 2), 0);
	ct = mk("ct_grace", 1, qs);
	assert_int_equal(ct_insert(ct, &a, CT_FROM_ENI, 0, 100, &pa), 0);
	/* reader 0 (this thread) goes online and looks the flow up */
	assert_int_equal(rte_rcu_qsbr_thread_register(qs, 0), 0);
	rte_rcu_qsbr_thread_online(qs, 0);
	assert_true(find(ct, &a, &held));
	/* the flow expires: the key goes at once ... */
	assert_int_equal(ct_sweep(ct, 200, ct_positions(ct)), 1);
	assert_false(find(ct, &a, NULL));
	assert_int_equal(ct_update(ct, held, CT_FROM_ENI, 0, 200), -ENOENT); /* DEAD */
	/* ... the position does not: still counted, so the one-flow table is full */
	assert_int_equal(ct_sweep(ct, 200, 0), 0);
	ct_get_stats(ct, &s);
	assert_int_equal(s.live, 1);
	assert_int_equal(ct_insert(ct, &b, CT_FROM_ENI, 0, 200, NULL), -ENOSPC);
	/* the reader passes a quiescent point: the next sweep gives it back */
	rte_rcu_qsbr_quiescent(qs, 0);
	assert_int_equal(ct_sweep(ct, 200, 0), 0);
	ct_get_stats(ct, &s);
	assert_int_equal(s.live, 0);
	assert_int_equal(ct_insert(ct, &b, CT_FROM_ENI, 0, 200, &pb), 0);
	assert_int_equal(ct_word(ct, pb) & CT_F_DEAD, 0);
	rte_rcu_qsbr_thread_offline(qs, 0);
	rte_rcu_qsbr_thread_unregister(qs, 0);
	ct_free(ct);
	rte_free(qs);
}

/* ct_iterate: every live flow once, its key, flags and idle time; an expired one not. */
static void d12_ct_iterate_lists_live_flows_once(void **st)
{
	struct ct *ct = mk("ct_iter", 64, NULL);
	struct ct_key u = pkt4(CT_FROM_ENI, 17, ENI_A, 1000, PEER_A, 53);
	struct ct_key t = pkt4(CT_TO_ENI, 6, PEER_A, 40000, ENI_A, 80);
	struct ct_key v = pkt4(CT_FROM_ENI, 17, ENI_A, 1001, PEER_A, 53);
	struct ct_flow f;
	bool seen_u = false, seen_t = false, seen_v = false;
	uint32_t next = 0;
	int32_t pu, pt, pv;
	unsigned n = 0;

	(void)st;
	assert_int_equal(ct_insert(ct, &u, CT_FROM_ENI, 0, 100, &pu), 0);
	assert_int_equal(ct_insert(ct, &t, CT_TO_ENI, CT_TCP_SYN, 100, &pt), 0);
	assert_int_equal(ct_update(ct, pt, CT_FROM_ENI, CT_TCP_SYN | CT_TCP_ACK, 104), 0);
	assert_int_equal(ct_insert(ct, &v, CT_FROM_ENI, 0, 90, &pv), 0);
	while (ct_iterate(ct, &next, 110, &f)) {
		n++;
		if (memcmp(&f.key, &u, sizeof(u)) == 0) {
			assert_false(seen_u);
			seen_u = true;
			assert_int_equal(f.pos, pu);
			assert_int_equal(f.idle, 10);
			assert_int_equal(f.word & CT_F_INIT_PEER, 0);
		} else if (memcmp(&f.key, &t, sizeof(t)) == 0) {
			assert_false(seen_t);
			seen_t = true;
			assert_int_equal(f.pos, pt);
			assert_int_equal(f.idle, 6);
			assert_true(f.word & CT_F_INIT_PEER);
			assert_true((f.word & CT_F_SEEN_ENI) && (f.word & CT_F_SEEN_PEER));
		} else if (memcmp(&f.key, &v, sizeof(v)) == 0) {
			seen_v = true;
		} else {
			fail_msg("a flow that was never inserted");
		}
	}
	assert_int_equal(n, 3);
	assert_true(seen_u && seen_t && seen_v);
	/* v (UDP one way, 30 s) expires at 121; the walk then skips it */
	assert_int_equal(ct_sweep(ct, 121, ct_positions(ct)), 1);
	next = 0;
	n = 0;
	while (ct_iterate(ct, &next, 121, &f)) {
		assert_true(memcmp(&f.key, &v, sizeof(v)) != 0);
		n++;
	}
	assert_int_equal(n, 2);
	ct_free(ct);
}

/* An ICMP error quoting a packet of a tracked flow gives that flow's key. */
static void d12_ct_icmp_error_key_matches_its_flow(void **st)
{
	struct ct *ct = mk("ct_icmperr", 64, NULL);
	struct ct_key u = pkt4(CT_FROM_ENI, 17, ENI_A, 33434, PEER_A, 53);
	struct ct_key e, ping;
	uint8_t q[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17}; /* IPv4 + UDP, as the ENI sent it */
	uint8_t q6[48] = {0x60};
	uint8_t e6[16], p6[16];
	int32_t pu, p;

	(void)st;
	memcpy(q + 12, (uint32_t[]){ip4(ENI_A)}, 4);
	memcpy(q + 16, (uint32_t[]){ip4(PEER_A)}, 4);
	put16(q + 20, 33434);
	put16(q + 22, 53);
	assert_int_equal(ct_insert(ct, &u, CT_FROM_ENI, 0, 100, &pu), 0);
	/* port unreachable from the peer (or a router on the way) to the ENI */
	assert_int_equal(ct_key_icmp_error4(&e, 1, 7, CT_TO_ENI, q, sizeof(q)), 0);
	assert_memory_equal(&e, &u, sizeof(e));
	assert_true(find(ct, &e, &p));
	assert_int_equal(p, pu);
	/* quoting another port: no flow */
	put16(q + 20, 33435);
	assert_int_equal(ct_key_icmp_error4(&e, 1, 7, CT_TO_ENI, q, sizeof(q)), 0);
	assert_false(find(ct, &e, NULL));
	/* truncated quote, or not IPv4 */
	assert_int_equal(ct_key_icmp_error4(&e, 1, 7, CT_TO_ENI, q, 27), -EINVAL);
	q[0] = 0x65;
	assert_int_equal(ct_key_icmp_error4(&e, 1, 7, CT_TO_ENI, q, sizeof(q)), -EINVAL);

	/* an error the ENI sends about a peer's ping it received (time exceeded) */
	{
		uint8_t echo[8] = {8, 0, 0, 0, 0xab, 0xcd, 0, 1};
		uint8_t qe[28] = {0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1};

		assert_int_equal(
		    ct_key4_pkt(&ping, 1, 7, CT_TO_ENI, 1, ip4(PEER_A), ip4(ENI_A), echo, 8), 0);
		assert_int_equal(ct_insert(ct, &ping, CT_TO_ENI, 0, 100, NULL), 0);
		memcpy(qe + 12, (uint32_t[]){ip4(PEER_A)}, 4);
		memcpy(qe + 16, (uint32_t[]){ip4(ENI_A)}, 4);
		memcpy(qe + 20, echo, 8);
		assert_int_equal(ct_key_icmp_error4(&e, 1, 7, CT_FROM_ENI, qe, sizeof(qe)), 0);
		assert_memory_equal(&e, &ping, sizeof(e));
	}

	/* IPv6: packet too big quoting the ENI's TCP segment */
	ip6("2001:db8::5", e6);
	ip6("2001:db8:ffff::9", p6);
	assert_int_equal(ct_key6_pkt(&u, 1, 7, CT_FROM_ENI, 6, e6, p6, ports(50000, 443), 8), 0);
	assert_int_equal(ct_insert(ct, &u, CT_FROM_ENI, CT_TCP_SYN, 100, &pu), 0);
	q6[6] = 6;
	memcpy(q6 + 8, e6, 16);
	memcpy(q6 + 24, p6, 16);
	put16(q6 + 40, 50000);
	put16(q6 + 42, 443);
	assert_int_equal(ct_key_icmp_error6(&e, 1, 7, CT_TO_ENI, q6, sizeof(q6)), 0);
	assert_true(find(ct, &e, &p));
	assert_int_equal(p, pu);
	q6[6] = 44; /* a fragment header first: not followed */
	assert_int_equal(ct_key_icmp_error6(&e, 1, 7, CT_TO_ENI, q6, sizeof(q6)), -EINVAL);

	assert_true(ct_icmp4_is_error(3) && ct_icmp4_is_error(11) && ct_icmp4_is_error(12));
	assert_false(ct_icmp4_is_error(0) || ct_icmp4_is_error(8) || ct_icmp4_is_error(4));
	assert_true(ct_icmp6_is_error(1) && ct_icmp6_is_error(4));
	assert_false(ct_icmp6_is_error(0) || ct_icmp6_is_error(128) || ct_icmp6_is_error(5));
	ct_free(ct);
}

/* ---- two workers on one table ---- */

enum { NFLOWS = 20000, ROUNDS = 3, WBURST = 32 };
_Static_assert(NFLOWS % WBURST == 0, "whole bursts");

struct worker_arg {
	struct ct *ct;
	struct rte_rcu_qsbr *qs;
	unsigned id;
	enum ct_dir dir;
	atomic_int *go;
	unsigned created; /* inserts that returned 0 */
	unsigned failed;  /* anything else */
};

static struct ct_key flow_key(unsigned i, enum ct_dir dir)
{
	uint32_t eni = rte_cpu_to_be_32(0x0a000000u + (i & 0xff));
	uint32_t peer = rte_cpu_to_be_32(0xcb007100u + (i >> 8));
	uint16_t ep = rte_cpu_to_be_16((uint16_t)(1024 + i));
	uint16_t pp = rte_cpu_to_be_16(443);
	uint8_t l4[4];
	struct ct_key k;

	/* built from the packet each direction sends, as a worker would */
	if (dir == CT_FROM_ENI) {
		memcpy(l4, &ep, 2);
		memcpy(l4 + 2, &pp, 2);
		ct_key4_pkt(&k, 1, i % 50, dir, 6, eni, peer, l4, 4);
	} else {
		memcpy(l4, &pp, 2);
		memcpy(l4 + 2, &ep, 2);
		ct_key4_pkt(&k, 1, i % 50, dir, 6, peer, eni, l4, 4);
	}
	return k;
}

/* Bursts of 32: look up, update the hits, insert the misses. One worker
 * sends the ENI's packets, the other the peer's, of the same flows, at once. */
static void *worker(void *p)
{
	struct worker_arg *a = p;

	if (rte_thread_register() != 0)
		return NULL;
	rte_rcu_qsbr_thread_register(a->qs, a->id);
	rte_rcu_qsbr_thread_online(a->qs, a->id);
	while (!atomic_load(a->go))
		;
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned base = 0; base < NFLOWS; base += WBURST) {
			struct ct_key k[WBURST];
			const struct ct_key *kp[WBURST];
			int32_t pos[WBURST];
			uint64_t hit;

			for (unsigned i = 0; i < WBURST; i++) {
				k[i] = flow_key(base + i, a->dir);
				kp[i] = &k[i];
			}
			hit = ct_lookup_bulk(a->ct, kp, WBURST, pos);
			for (unsigned i = 0; i < WBURST; i++) {
				if ((hit >> i & 1) &&
				    ct_update(a->ct, pos[i], a->dir, CT_TCP_ACK, 100 + r) == 0)
					continue;
				if (ct_insert(a->ct, &k[i], a->dir, CT_TCP_SYN, 100 + r, NULL) == 0)
					a->created++;
				else
					a->failed++;
			}
			rte_rcu_qsbr_quiescent(a->qs, a->id);
		}
	}
	rte_rcu_qsbr_thread_offline(a->qs, a->id);
	rte_rcu_qsbr_thread_unregister(a->qs, a->id);
	rte_thread_unregister();
	return NULL;
}

static void d12_ct_two_workers_concurrent_one_entry_per_flow(void **st)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *qs = rte_zmalloc("ct_qs2", sz, RTE_CACHE_LINE_SIZE);
	struct ct *ct;
	atomic_int go = 0;
	struct worker_arg wa[2];
	pthread_t th[2];
	struct ct_stats s;
	unsigned both = 0;

	(void)st;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 2), 0);
	ct = mk("ct_mt", NFLOWS + 1000, qs);
	for (unsigned i = 0; i < 2; i++) {
		wa[i] = (struct worker_arg){.ct = ct,
					    .qs = qs,
					    .id = i,
					    .dir = i == 0 ? CT_FROM_ENI : CT_TO_ENI,
					    .go = &go};
		assert_int_equal(pthread_create(&th[i], NULL, worker, &wa[i]), 0);
	}
	atomic_store(&go, 1);
	/* the control thread sweeps meanwhile: nothing has expired, nothing goes */
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(ct_sweep(ct, 100, 256), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(wa[0].failed + wa[1].failed, 0);
	ct_get_stats(ct, &s);
	/* one entry per flow, whichever worker saw it first */
	assert_int_equal(s.inserted, NFLOWS);
	assert_int_equal(s.live, NFLOWS);
	for (unsigned i = 0; i < NFLOWS; i++) {
		struct ct_key a = flow_key(i, CT_FROM_ENI), b = flow_key(i, CT_TO_ENI);
		int32_t pa, pb;
		uint64_t w;

		assert_true(find(ct, &a, &pa));
		assert_true(find(ct, &b, &pb));
		assert_int_equal(pa, pb);
		w = ct_word(ct, pa);
		both += (w & (CT_F_SEEN_ENI | CT_F_SEEN_PEER)) == (CT_F_SEEN_ENI | CT_F_SEEN_PEER);
	}
	assert_int_equal(both, NFLOWS); /* every packet of both workers reached the one entry */
	printf("inserts that returned 0 (created or joined): ENI-side worker %u, peer-side worker "
	       "%u\n",
	       wa[0].created, wa[1].created);
	ct_free(ct);
	rte_free(qs);
}

/* ---- the sweeper against two workers ---- */

enum { SW_FLOWS = 4096, SW_TICKS = 80 };

struct sweep_arg {
	struct ct *ct;
	struct rte_rcu_qsbr *qs;
	unsigned id;
	pthread_barrier_t *bar;
	unsigned lost; /* a refreshed flow found gone */
};

static struct ct_key sw_key(unsigned i)
{
	uint32_t eni = rte_cpu_to_be_32(0x0a000100u + (i & 0xff));
	uint32_t peer = rte_cpu_to_be_32(0xc6336400u + (i >> 8));
	struct ct_key k;

	ct_key4(&k, 1, 3, 17, eni, rte_cpu_to_be_16(4000), peer, rte_cpu_to_be_16(53));
	return k;
}

/* Each tick: refresh the even flows (a packet each, now = tick) and look up
 * the odd ones without refreshing them, while the control thread sweeps. */
static void *sweep_worker(void *p)
{
	struct sweep_arg *a = p;

	if (rte_thread_register() != 0)
		return NULL;
	rte_rcu_qsbr_thread_register(a->qs, a->id);
	rte_rcu_qsbr_thread_online(a->qs, a->id);
	for (unsigned t = 1; t <= SW_TICKS; t++) {
		pthread_barrier_wait(a->bar);
		for (unsigned base = 0; base < SW_FLOWS; base += WBURST) {
			struct ct_key k[WBURST];
			const struct ct_key *kp[WBURST];
			int32_t pos[WBURST];
			uint64_t hit;

			for (unsigned i = 0; i < WBURST; i++) {
				k[i] = sw_key(base + i);
				kp[i] = &k[i];
			}
			hit = ct_lookup_bulk(a->ct, kp, WBURST, pos);
			for (unsigned i = 0; i < WBURST; i += 2) /* the even ones */
				if (!(hit >> i & 1) ||
				    ct_update(a->ct, pos[i], a->id ? CT_TO_ENI : CT_FROM_ENI, 0,
					      t) != 0)
					a->lost++;
			rte_rcu_qsbr_quiescent(a->qs, a->id);
		}
		pthread_barrier_wait(a->bar);
	}
	rte_rcu_qsbr_thread_offline(a->qs, a->id);
	rte_rcu_qsbr_thread_unregister(a->qs, a->id);
	rte_thread_unregister();
	return NULL;
}

/* Expiry while workers read and refresh: the idle flows go (after 30 ticks),
 * the refreshed ones never do, and their positions are reused only after the
 * workers' grace period. */
static void d12_ct_sweep_while_two_workers_refresh(void **st)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *qs = rte_zmalloc("ct_qs3", sz, RTE_CACHE_LINE_SIZE);
	struct sweep_arg wa[2];
	pthread_barrier_t bar;
	pthread_t th[2];
	struct ct_stats s;
	unsigned removed = 0;
	struct ct *ct;

	(void)st;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 2), 0);
	ct = mk("ct_sweep_mt", SW_FLOWS, qs);
	for (unsigned i = 0; i < SW_FLOWS; i++) {
		struct ct_key k = sw_key(i);

		assert_int_equal(ct_insert(ct, &k, CT_FROM_ENI, 0, 0, NULL), 0);
	}
	assert_int_equal(pthread_barrier_init(&bar, NULL, 3), 0);
	for (unsigned i = 0; i < 2; i++) {
		wa[i] = (struct sweep_arg){.ct = ct, .qs = qs, .id = i, .bar = &bar};
		assert_int_equal(pthread_create(&th[i], NULL, sweep_worker, &wa[i]), 0);
	}
	for (unsigned t = 1; t <= SW_TICKS; t++) {
		pthread_barrier_wait(&bar);
		/* a small budget, many calls: the sweep runs through the workers' pass */
		for (unsigned j = 0; j < ct_positions(ct) / 64 + 1; j++)
			removed += ct_sweep(ct, t, 64);
		pthread_barrier_wait(&bar);
	}
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(wa[0].lost + wa[1].lost, 0);
	assert_int_equal(removed, SW_FLOWS / 2); /* the odd ones, gone after tick 30 */
	for (unsigned i = 0; i < SW_FLOWS; i++) {
		struct ct_key k = sw_key(i);

		assert_int_equal(find(ct, &k, NULL), i % 2 == 0);
	}
	/* the workers are offline: the next sweep reclaims every position */
	ct_sweep(ct, SW_TICKS, 0);
	ct_get_stats(ct, &s);
	assert_int_equal(s.live, SW_FLOWS / 2);
	assert_int_equal(s.expired, SW_FLOWS / 2);
	/* and they are reused cleanly by new flows */
	for (unsigned i = 1; i < SW_FLOWS; i += 2) {
		struct ct_key k = sw_key(i);
		int32_t p;

		assert_int_equal(ct_insert(ct, &k, CT_TO_ENI, 0, SW_TICKS, &p), 0);
		assert_true(ct_word(ct, p) & CT_F_INIT_PEER);
	}
	ct_get_stats(ct, &s);
	assert_int_equal(s.live, SW_FLOWS);
	pthread_barrier_destroy(&bar);
	ct_free(ct);
	rte_free(qs);
}

/* ---- churn: inserts, lookups, expiry and reclaim all at once ---- */

enum { CH_FLOWS = 4096, CH_TICKS = 150 };

struct churn_arg {
	struct ct *ct;
	struct rte_rcu_qsbr *qs;
	unsigned id;
	_Atomic uint64_t *tick;
	atomic_int *stop;
	unsigned created, raced, other; /* ct_insert results */
	unsigned moved;			/* a flow found at another slot than its insert gave */
	_Atomic unsigned passes;	/* full passes over the flows */
};

static struct ct_key ch_key(unsigned i)
{
	uint32_t eni = rte_cpu_to_be_32(0x0a000200u + (i & 0xff));
	uint32_t peer = rte_cpu_to_be_32(0xc6336500u + (i >> 8));
	struct ct_key k;

	ct_key4(&k, 2, i % 7, 17, eni, rte_cpu_to_be_16((uint16_t)(5000 + (i & 7))), peer,
		rte_cpu_to_be_16(53));
	return k;
}

/* Bursts over every flow, again and again: a flow is sent only 2 ticks of
 * every 5, so it expires (2 ticks) and comes back each cycle. The two
 * workers send opposite directions of the same flows. */
static void *churn_worker(void *p)
{
	struct churn_arg *a = p;
	enum ct_dir dir = a->id ? CT_TO_ENI : CT_FROM_ENI;

	if (rte_thread_register() != 0)
		return NULL;
	rte_rcu_qsbr_thread_register(a->qs, a->id);
	rte_rcu_qsbr_thread_online(a->qs, a->id);
	while (!atomic_load(a->stop)) {
		for (unsigned base = 0; base < CH_FLOWS; base += WBURST) {
			uint64_t now = atomic_load(a->tick);
			struct ct_key k[WBURST];
			const struct ct_key *kp[WBURST];
			int32_t pos[WBURST];
			unsigned n = 0;
			uint64_t hit;

			if ((base / WBURST + now) % 5 >= 2)
				continue;
			for (unsigned i = 0; i < WBURST; i++) {
				k[n] = ch_key(base + i);
				kp[n] = &k[n];
				n++;
			}
			hit = ct_lookup_bulk(a->ct, kp, n, pos);
			for (unsigned i = 0; i < n; i++) {
				int32_t p2 = -1;
				int rc;

				if ((hit >> i & 1) && ct_update(a->ct, pos[i], dir, 0, now) == 0)
					continue;
				rc = ct_insert(a->ct, &k[i], dir, 0, now, &p2);
				if (rc == 0) {
					a->created++;
					/* the same thread looks it up: the same slot */
					if (find(a->ct, &k[i], &pos[i]) && pos[i] != p2)
						a->moved++;
				} else if (rc == -EBUSY) {
					a->raced++;
				} else {
					a->other++;
				}
			}
			rte_rcu_qsbr_quiescent(a->qs, a->id);
		}
		atomic_fetch_add(&a->passes, 1);
	}
	rte_rcu_qsbr_thread_offline(a->qs, a->id);
	rte_rcu_qsbr_thread_unregister(a->qs, a->id);
	rte_thread_unregister();
	return NULL;
}

/* Churn: flows expire and come back while two workers insert and look them
 * up (both directions) and the control thread sweeps and reclaims. After:
 * never a table-full (each flow has one entry at most, max_flows is the
 * flow count), and the table holds exactly one entry per live flow. */
static void d12_ct_churn_two_workers_one_sweeper(void **st)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *qs = rte_zmalloc("ct_qs4", sz, RTE_CACHE_LINE_SIZE);
	_Atomic uint64_t tick = 1;
	atomic_int stop = 0;
	struct churn_arg wa[2];
	struct ct_config c;
	pthread_t th[2];
	struct ct_stats s;
	unsigned found = 0, removed = 0;
	struct ct *ct;

	(void)st;
	assert_non_null(qs);
	assert_int_equal(rte_rcu_qsbr_init(qs, 2), 0);
	ct_config_default(&c);
	c.max_flows = CH_FLOWS;
	c.hz = 1;
	c.udp_s = 2;
	c.udp_stream_s = 2;
	c.qs = qs;
	ct = ct_create("ct_churn", &c);
	assert_non_null(ct);
	for (unsigned i = 0; i < 2; i++) {
		wa[i] =
		    (struct churn_arg){.ct = ct, .qs = qs, .id = i, .tick = &tick, .stop = &stop};
		assert_int_equal(pthread_create(&th[i], NULL, churn_worker, &wa[i]), 0);
	}
	for (unsigned t = 1; t <= CH_TICKS; t++) {
		unsigned p0 = atomic_load(&wa[0].passes), p1 = atomic_load(&wa[1].passes);

		atomic_store(&tick, t);
		/* sweep (small calls, a whole round) until both workers have made
		 * two passes at this tick */
		while (atomic_load(&wa[0].passes) < p0 + 2 || atomic_load(&wa[1].passes) < p1 + 2)
			for (unsigned j = 0; j < ct_positions(ct) / 128 + 1; j++)
				removed += ct_sweep(ct, t, 128);
	}
	atomic_store(&stop, 1);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	/* the workers are offline: kill what has expired at the last tick, then
	 * reclaim it; what is left is live */
	removed += ct_sweep(ct, CH_TICKS, ct_positions(ct));
	ct_sweep(ct, CH_TICKS, 0);
	for (unsigned i = 0; i < CH_FLOWS; i++) {
		struct ct_key k = ch_key(i);

		found += (unsigned)find(ct, &k, NULL);
	}
	ct_get_stats(ct, &s);
	printf("churn: created %u + %u, raced %u + %u, expired %u, live %u\n", wa[0].created,
	       wa[1].created, wa[0].raced, wa[1].raced, removed, (unsigned)s.live);
	assert_int_equal(wa[0].other + wa[1].other, 0);
	assert_int_equal(s.full, 0);
	assert_int_equal(wa[0].moved + wa[1].moved, 0);
	assert_true(removed > CH_FLOWS); /* the flows did come and go */
	assert_int_equal(s.expired, removed);
	assert_int_equal(s.live, found); /* one entry per live flow, none leaked */
	ct_free(ct);
	rte_free(qs);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(d12_ct_entry_at_most_128_bytes),
	    cmocka_unit_test(d12_ct_both_directions_find_one_entry),
	    cmocka_unit_test(d12_ct_expiry_per_protocol),
	    cmocka_unit_test(d12_ct_timeout_of_30_days_at_1khz),
	    cmocka_unit_test(d12_ct_udp_stream_promotion),
	    cmocka_unit_test(d12_ct_tcp_close_short_timeout),
	    cmocka_unit_test(d12_ct_tcp_syn_after_close_is_a_new_flow),
	    cmocka_unit_test(d12_ct_full_table_counted_drop_existing_flows_pass),
	    cmocka_unit_test(d12_ct_position_reclaimed_after_grace_period),
	    cmocka_unit_test(d12_ct_iterate_lists_live_flows_once),
	    cmocka_unit_test(d12_ct_icmp_error_key_matches_its_flow),
	    cmocka_unit_test(d12_ct_two_workers_concurrent_one_entry_per_flow),
	    cmocka_unit_test(d12_ct_sweep_while_two_workers_refresh),
	    cmocka_unit_test(d12_ct_churn_two_workers_one_sweeper),
	};
	return DP_RUN("conntrack", tests, argc, argv);
}
