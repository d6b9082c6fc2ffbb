/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_frag.c - packets bigger than their egress port's MTU (D7), through
 * the real pipeline and tables: IPv4 with DF clear is translated and
 * fragmented (the fragments reassemble to the translated datagram), DF set
 * is dropped as frag-needed and answered with ICMP 3/4, IPv6 with ICMPv6
 * packet too big; the answers are rate-limited.
 *
 * Fixture ports: uplink MTU 1500, hosts 9001, unless a test reloads them.
 */
#include <rte_cycles.h>

#include "fixture.h"
#include "frag.h"

#define UPLINK 0
#define HOST1 1
#define HOST2 2

static struct rte_mempool *frag_direct, *frag_indirect;
static uint8_t f[9400], out[9400], fb[9400];

static int setup(void **st)
{
	fixture_setup(st);
	frag_direct = rte_pktmbuf_pool_create("dp_fragd", 511, 0, 0, RTE_PKTMBUF_HEADROOM + 64, 0);
	frag_indirect = rte_pktmbuf_pool_create("dp_fragi", 511, 0, 0, 0, 0);
	assert_non_null(frag_direct);
	assert_non_null(frag_indirect);
	pipeline_worker_set_frag_pools(W, frag_direct, frag_indirect);
	return 0;
}

static int teardown(void **st)
{
	/* every mbuf back: nothing leaked by fragmenting or answering */
	unsigned direct = rte_mempool_avail_count(frag_direct);
	unsigned indirect = rte_mempool_avail_count(frag_indirect);
	unsigned pool = rte_mempool_avail_count(dp_pool);

	rte_mempool_free(frag_direct); /* first: a failed test leaves the next one its names */
	rte_mempool_free(frag_indirect);
	fixture_teardown(st);
	assert_int_equal(direct, 511);
	assert_int_equal(indirect, 511);
	assert_int_equal(pool, 4095);
	return 0;
}

/* A frame of l3len bytes (from f + 14 or f + 18) in mbufs of at most 2000 bytes, chained. */
static struct rte_mbuf *big_frame(const uint8_t *dst, const uint8_t *src, uint16_t vlan,
				  uint16_t ethertype, uint16_t l3len)
{
	unsigned l2 = vlan ? 18 : 14, len = l2 + l3len;
	struct rte_mbuf *m = NULL;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, vlan);
		put16(f + 16, ethertype);
	} else {
		put16(f + 12, ethertype);
	}
	for (unsigned off = 0; off < len; off += 2000) {
		unsigned k = len - off < 2000 ? len - off : 2000;
		struct rte_mbuf *s = raw_mbuf(f + off, (uint16_t)k);

		if (m == NULL)
			m = s;
		else
			assert_int_equal(rte_pktmbuf_chain(m, s), 0);
	}
	return m;
}

/* An IPv4 datagram built at f + l2 (s), in a frame. */
static struct rte_mbuf *v4_frame(const uint8_t *dst, const uint8_t *src, uint16_t vlan,
				 const struct v4spec *s)
{
	uint16_t n = build_ip4(f + (vlan ? 18 : 14), s);
	return big_frame(dst, src, vlan, 0x0800, n);
}

static void run_tx(uint16_t in_port, struct rte_mbuf *m, struct pipeline_tx *tx)
{
	memset(tx->n, 0, sizeof(tx->n));
	pipeline_burst(W, builder_side(B), in_port, &m, 1, tx);
}

/*
 * The nfrag fragments queued on port: each checked (Ethernet for the next
 * hop, its own header checksum, at most mtu bytes, offsets following each
 * other in 8-byte units, MF on all but the last, one IP id) and freed; their
 * data reassembled in out behind the first one's header. Returns the
 * reassembled datagram's length.
 */
static unsigned reassemble(struct pipeline_tx *tx, int port, unsigned nfrag, uint16_t vlan,
			   const uint8_t *dmac, const uint8_t *smac, uint16_t mtu)
{
	unsigned l2 = vlan ? 18 : 14, next = 0, ihl0 = 0;
	uint16_t id = 0;

	assert_int_equal(tx->n[port], nfrag);
	for (unsigned k = 0; k < nfrag; k++) {
		struct rte_mbuf *m = tx->pkts[port][k];
		const uint8_t *e = rte_pktmbuf_read(m, 0, m->pkt_len, fb);

		assert_non_null(e);
		assert_memory_equal(e, dmac, 6);
		assert_memory_equal(e + 6, smac, 6);
		if (vlan) {
			assert_int_equal(get16(e + 12), 0x8100);
			assert_int_equal(get16(e + 14) & 0xfff, vlan);
			assert_int_equal(get16(e + 16), 0x0800);
		} else {
			assert_int_equal(get16(e + 12), 0x0800);
		}
		const uint8_t *ip = e + l2;
		unsigned ihl = (ip[0] & 0xfu) * 4, tot = get16(ip + 2), fo = get16(ip + 6);

		assert_int_equal(tot, m->pkt_len - l2);
		assert_true(tot <= mtu);
		assert_true(dp_ip4_ok(ip));
		assert_int_equal((fo & 0x1fff) * 8u, next);
		assert_int_equal((fo & 0x2000) != 0, k + 1 < nfrag); /* MF */
		assert_int_equal(fo & 0x4000, 0);		     /* DF */
		if (k + 1 < nfrag)
			assert_int_equal((tot - ihl) % 8, 0);
		if (k == 0) {
			memcpy(out, ip, ihl);
			ihl0 = ihl;
			id = get16(ip + 4);
		} else {
			assert_int_equal(get16(ip + 4), id);
			assert_memory_equal(ip + 8, out + 8, 2);   /* TTL, protocol */
			assert_memory_equal(ip + 12, out + 12, 8); /* addresses */
		}
		memcpy(out + ihl0 + next, ip + ihl, tot - ihl);
		next += tot - ihl;
		rte_pktmbuf_free(m);
	}
	tx->n[port] = 0;
	put16(out + 2, (uint16_t)(ihl0 + next));
	put16(out + 6, 0);
	put16(out + 10, 0);
	put16(out + 10, dp_csum(out, ihl0, 0));
	return ihl0 + next;
}

static void d7_over_mtu_df_clear_fragmented_outbound_snat(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("8.8.8.8"),
			   .proto = 17,
			   .sport = 4000,
			   .dport = 53,
			   .payload = 2972};
	uint64_t drops = counters_drops_total(C());

	/* 3000 bytes over two mbufs, uplink MTU 1500: 1480 + 1480 + 20 data bytes */
	run_tx(HOST1, v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s), &tx);
	assert_int_equal(reassemble(&tx, UPLINK, 3, 0, MAC_UPSTREAM, MAC_UPLINK, 1500), 3000);
	assert_int_equal(addr_at(out + 12), ip4("203.0.113.10")); /* SNAT */
	assert_int_equal(addr_at(out + 16), ip4("8.8.8.8"));
	assert_int_equal(out[8], 63);
	assert_true(dp_l4_ok(out)); /* the UDP checksum, updated, over the reassembly */
	assert_memory_equal(out + 28, f + 14 + 28, 2972);
	assert_int_equal(C()->fragmented, 1);
	assert_int_equal(C()->fragments, 3);
	assert_int_equal(counters_drops_total(C()), drops);

	/* exactly the MTU: whole; one byte more: two fragments */
	s.payload = 1472;
	run_tx(HOST1, v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s), &tx);
	assert_int_equal(tx.n[UPLINK], 1);
	assert_int_equal(rte_pktmbuf_pkt_len(tx.pkts[UPLINK][0]), 1514);
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	s.payload = 1473;
	run_tx(HOST1, v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s), &tx);
	assert_int_equal(reassemble(&tx, UPLINK, 2, 0, MAC_UPSTREAM, MAC_UPLINK, 1500), 1501);
	assert_true(dp_l4_ok(out));
	assert_int_equal(C()->fragmented, 2);

	/* a 1500-byte datagram in a longer frame (trailing bytes): within the MTU, whole */
	s.payload = 1472;
	uint16_t n = build_ip4(f + 14, &s);
	memset(f + 14 + n, 0xee, 40);
	run_tx(HOST1, big_frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, (uint16_t)(n + 40)), &tx);
	assert_int_equal(tx.n[UPLINK], 1);
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	assert_int_equal(C()->fragmented, 2);

	/* a tagged frame from ENI 1 carrying exactly 1500 bytes (1518 in all): whole */
	s.src = ip4("10.0.1.20");
	run_tx(HOST2, v4_frame(MAC_HOST2, MAC_ENI[1], 100, &s), &tx);
	assert_int_equal(tx.n[UPLINK], 1);
	assert_int_equal(rte_pktmbuf_pkt_len(tx.pkts[UPLINK][0]), 1514); /* untagged out */
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	assert_int_equal(C()->fragmented, 2);
	assert_int_equal(counters_drops_total(C()), drops);
}

static void d7_over_mtu_df_clear_fragmented_inbound_dnat_to_vlan(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.20"),
			   .proto = 17,
			   .sport = 53,
			   .dport = 4000,
			   .payload = 2972};

	/* ENI 1 (VLAN 100) behind host port 2, MTU 1280: 1256 data bytes a fragment */
	fixture_reload_mtu(1500, 9001, 1280);
	uint64_t pk = C()->eni[1].packets;
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &s), &tx);
	assert_int_equal(reassemble(&tx, HOST2, 3, 100, MAC_ENI[1], MAC_HOST2, 1280), 3000);
	assert_int_equal(addr_at(out + 12), ip4("198.18.0.5"));
	assert_int_equal(addr_at(out + 16), ip4("10.0.1.20")); /* DNAT */
	assert_int_equal(out[8], 63);
	assert_true(dp_l4_ok(out));
	assert_memory_equal(out + 28, f + 14 + 28, 2972);
	assert_int_equal(C()->eni[1].packets, pk + 3);

	/* with IPv4 options: DPDK copies only the options flagged "copied" (NOP is not) */
	s.options = 8;
	s.payload = 2964;
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &s), &tx);
	unsigned len = reassemble(&tx, HOST2, 3, 100, MAC_ENI[1], MAC_HOST2, 1280);
	assert_int_equal(len, 3000);
	assert_int_equal(out[0], 0x47);
	assert_true(dp_l4_ok(out));
	assert_memory_equal(out + 36, f + 14 + 36, 2964);
}

/* An ICMP fragmentation-needed answer at r: its headers, MTU and quote (the packet as sent). */
static void expect_frag_needed(struct rte_mbuf *r, uint16_t vlan, const uint8_t *dmac,
			       const uint8_t *smac, const char *from, const char *to, uint16_t mtu,
			       const uint8_t *orig, unsigned orig_len)
{
	unsigned q = orig_len < 548 ? orig_len : 548;
	const uint8_t *ip = l3_of(r, vlan, 0x0800);

	expect_macs(r, dmac, smac);
	assert_int_equal(rte_pktmbuf_pkt_len(r), (vlan ? 18u : 14u) + 28 + q);
	assert_int_equal(r->nb_segs, 1);
	assert_int_equal(ip[0], 0x45);
	assert_true(dp_ip4_ok(ip));
	assert_int_equal(get16(ip + 2), 28 + q);
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], 1);
	assert_int_equal(addr_at(ip + 12), ip4(from));
	assert_int_equal(addr_at(ip + 16), ip4(to));
	assert_int_equal(ip[20], 3); /* destination unreachable */
	assert_int_equal(ip[21], 4); /* fragmentation needed and DF set */
	assert_int_equal(get16(ip + 24), 0);
	assert_int_equal(get16(ip + 26), mtu); /* next-hop MTU */
	assert_true(dp_icmp_ok(ip));
	assert_memory_equal(ip + 28, orig, q); /* untranslated, TTL untouched */
}

static void d7_over_mtu_df_set_dropped_frag_needed_answered(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("8.8.8.8"),
			   .proto = 17,
			   .frag = 0x4000, /* DF */
			   .sport = 4000,
			   .dport = 53,
			   .payload = 1572};
	static uint8_t sent[2000];

	/* from ENI 0 to the internet, 1600 bytes, uplink MTU 1500: from the subnet's router */
	struct rte_mbuf *m = v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s);
	expect_traced_drop(HOST1, m, COUNTERS_DROP_FRAG_NEEDED);
	run_tx(HOST1, m, &tx);
	memcpy(sent, f + 14, 1600);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 1);
	assert_int_equal(C()->port[HOST1].drop, 1);
	assert_int_equal(tx.n[UPLINK], 0);
	assert_int_equal(tx.n[HOST1], 1);
	expect_frag_needed(tx.pkts[HOST1][0], 0, MAC_ENI[0], MAC_HOST1, "10.0.1.1", "10.0.1.10",
			   1500, sent, 1600);
	rte_pktmbuf_free(tx.pkts[HOST1][0]);
	assert_int_equal(C()->icmp_too_big, 1);

	/* from ENI 1 on VLAN 100: the answer goes back in the VLAN */
	s.src = ip4("10.0.1.20");
	run_tx(HOST2, v4_frame(MAC_HOST2, MAC_ENI[1], 100, &s), &tx);
	memcpy(sent, f + 18, 1600);
	assert_int_equal(tx.n[HOST2], 1);
	expect_frag_needed(tx.pkts[HOST2][0], 100, MAC_ENI[1], MAC_HOST2, "10.0.1.1", "10.0.1.20",
			   1500, sent, 1600);
	rte_pktmbuf_free(tx.pkts[HOST2][0]);

	/* from the internet to an EIP whose ENI's port has MTU 1500, over two mbufs:
	 * the answer leaves by the uplink, from the EIP, quoting the EIP */
	fixture_reload_mtu(1500, 1500, 9001);
	s.src = ip4("198.18.0.5");
	s.dst = ip4("203.0.113.10");
	s.payload = 2972;
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &s), &tx);
	assert_int_equal(tx.n[HOST1], 0);
	assert_int_equal(tx.n[UPLINK], 1);
	expect_frag_needed(tx.pkts[UPLINK][0], 0, MAC_INTERNET, MAC_UPLINK, "203.0.113.10",
			   "198.18.0.5", 1500, f + 14, 3000);
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 3);
	assert_int_equal(C()->port[UPLINK].drop, 1);
	assert_int_equal(C()->icmp_too_big, 3);
	assert_int_equal(C()->fragmented, 0);

	/* never an ICMP error about an ICMP error, or from a group source: dropped, no answer */
	struct v4spec err = {.src = ip4("198.18.0.5"),
			     .dst = ip4("203.0.113.10"),
			     .proto = 1,
			     .frag = 0x4000,
			     .icmp_type = 11,
			     .payload = 1572};
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &err), &tx);
	assert_int_equal(tx.n[UPLINK] + tx.n[HOST1], 0);
	err.icmp_type = 8; /* an echo request is answered */
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &err), &tx);
	assert_int_equal(tx.n[UPLINK], 1);
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	s.src = ip4("255.255.255.255");
	run_tx(UPLINK, v4_frame(MAC_UPLINK, MAC_INTERNET, 0, &s), &tx);
	assert_int_equal(tx.n[UPLINK] + tx.n[HOST1], 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 6);
	assert_int_equal(C()->icmp_too_big, 4);
	assert_int_equal(C()->icmp_limited, 0);
}

/* An ICMPv6 packet-too-big answer at r. */
static void expect_packet_too_big(struct rte_mbuf *r, const uint8_t *dmac, const uint8_t *smac,
				  const char *from, const char *to, uint32_t mtu,
				  const uint8_t *orig, unsigned orig_len)
{
	unsigned q = orig_len < 1232 ? orig_len : 1232;
	const uint8_t *ip = l3_of(r, 0, 0x86dd);
	uint8_t a[16];

	expect_macs(r, dmac, smac);
	assert_int_equal(rte_pktmbuf_pkt_len(r), 14u + 48 + q);
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(get16(ip + 4), 8 + q);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 64);
	ip6(from, a);
	assert_memory_equal(ip + 8, a, 16);
	ip6(to, a);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(ip[40], 2); /* packet too big */
	assert_int_equal(ip[41], 0);
	assert_int_equal(((uint32_t)get16(ip + 44) << 16) | get16(ip + 46), mtu);
	assert_true(dp_icmp6_ok(ip));
	assert_memory_equal(ip + 48, orig, q);
}

static void d7_ipv6_over_mtu_dropped_packet_too_big_answered(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	static uint8_t sent[2000];

	/* from ENI 0 to the internet, 1648 bytes: from the port's link-local address */
	uint16_t n = build_ip6(f + 14, "2001:db8:0:1::10", "2001:4860::8888", 64, NULL, 0, 1600);
	memcpy(sent, f + 14, n);
	run_tx(HOST1, big_frame(MAC_HOST1, MAC_ENI[0], 0, 0x86dd, n), &tx);
	assert_int_equal(tx.n[UPLINK], 0);
	assert_int_equal(tx.n[HOST1], 1);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 1);
	expect_packet_too_big(tx.pkts[HOST1][0], MAC_ENI[0], MAC_HOST1, "fe80::aa:ff:fe00:1",
			      "2001:db8:0:1::10", 1500, sent, n);
	rte_pktmbuf_free(tx.pkts[HOST1][0]);

	/* from the internet to ENI 0 behind a 1280 port: from the address it was sent to */
	fixture_reload_mtu(1500, 1280, 9001);
	n = build_ip6(f + 14, "2001:4860::8888", "2001:db8:0:1::10", 64, NULL, 0, 1300);
	memcpy(sent, f + 14, n);
	run_tx(UPLINK, big_frame(MAC_UPLINK, MAC_INTERNET, 0, 0x86dd, n), &tx);
	assert_int_equal(tx.n[HOST1], 0);
	assert_int_equal(tx.n[UPLINK], 1);
	expect_packet_too_big(tx.pkts[UPLINK][0], MAC_INTERNET, MAC_UPLINK, "2001:db8:0:1::10",
			      "2001:4860::8888", 1280, sent, n);
	rte_pktmbuf_free(tx.pkts[UPLINK][0]);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 2);
	assert_int_equal(C()->icmp_too_big, 2);

	/* an ICMPv6 error (time exceeded, type 3) too big: dropped, not answered */
	uint8_t te[1300] = {3, 0};
	n = build_ip6(f + 14, "2001:4860::8888", "2001:db8:0:1::10", 64, te, sizeof(te), 0);
	run_tx(UPLINK, big_frame(MAC_UPLINK, MAC_INTERNET, 0, 0x86dd, n), &tx);
	assert_int_equal(tx.n[UPLINK] + tx.n[HOST1], 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 3);
	assert_int_equal(C()->icmp_too_big, 2);

	/* exactly the MTU goes whole */
	n = build_ip6(f + 14, "2001:4860::8888", "2001:db8:0:1::10", 64, NULL, 0, 1232);
	assert_int_equal(n, 1280);
	run_tx(UPLINK, big_frame(MAC_UPLINK, MAC_INTERNET, 0, 0x86dd, n), &tx);
	assert_int_equal(tx.n[HOST1], 1);
	rte_pktmbuf_free(tx.pkts[HOST1][0]);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 3);
}

static void d7_over_mtu_no_fragment_buffers_frag_failed_or_tx_full(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("8.8.8.8"), .proto = 17, .payload = 2972};

	pipeline_worker_set_frag_pools(W, NULL, NULL);
	struct rte_mbuf *m = v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s);
	expect_traced_drop(HOST1, m, COUNTERS_DROP_FRAG_FAILED); /* its worker has no pools */
	run_tx(HOST1, m, &tx);
	assert_int_equal(tx.n[UPLINK], 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_FAILED], 1);
	assert_int_equal(C()->port[HOST1].drop, 1);

	/* the pools drained: fragmenting fails, nothing leaks */
	pipeline_worker_set_frag_pools(W, frag_direct, frag_indirect);
	struct rte_mbuf *hold[511];
	assert_int_equal(rte_pktmbuf_alloc_bulk(frag_direct, hold, 511), 0);
	run_tx(HOST1, v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s), &tx);
	assert_int_equal(tx.n[UPLINK], 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_FAILED], 2);
	rte_pktmbuf_free_bulk(hold, 511);

	/* three fragments, room for two in the output queue: all dropped as tx-full */
	memset(tx.n, 0, sizeof(tx.n));
	tx.n[UPLINK] = PIPELINE_TX_MAX - 2; /* a caller that did not drain */
	m = v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s);
	pipeline_burst(W, builder_side(B), HOST1, &m, 1, &tx);
	assert_int_equal(tx.n[UPLINK], PIPELINE_TX_MAX - 2);
	assert_int_equal(C()->drop[COUNTERS_DROP_TX_FULL], 1);
	assert_int_equal(C()->fragmented, 0);
}

static void d7_too_big_answers_rate_limited(void **st)
{
	(void)st;
	struct frag_icmp_limit l = {0};
	const uint64_t hz = 1000000; /* 1000 ticks a token */
	uint64_t now = 77;
	unsigned ok = 0;

	/* the bucket: a burst of FRAG_ICMP_BURST, then one a 1/FRAG_ICMP_PER_SEC second */
	for (int i = 0; i < 60; i++)
		ok += frag_icmp_take(&l, now, hz);
	assert_int_equal(ok, FRAG_ICMP_BURST);
	now += 999;
	assert_false(frag_icmp_take(&l, now, hz));
	now += 1;
	assert_true(frag_icmp_take(&l, now, hz));
	assert_false(frag_icmp_take(&l, now, hz));
	now += 2500; /* 2.5 tokens: 2, the half kept for later */
	assert_true(frag_icmp_take(&l, now, hz));
	assert_true(frag_icmp_take(&l, now, hz));
	assert_false(frag_icmp_take(&l, now, hz));
	now += 500;
	assert_true(frag_icmp_take(&l, now, hz));
	now += 10 * hz; /* refilled, never past the burst */
	ok = 0;
	for (int i = 0; i < 60; i++)
		ok += frag_icmp_take(&l, now, hz);
	assert_int_equal(ok, FRAG_ICMP_BURST);

	/* through the pipeline: 200 DF packets too big, as fast as they come */
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("8.8.8.8"),
			   .proto = 17,
			   .frag = 0x4000,
			   .payload = 1572};
	struct pipeline_tx tx;
	uint64_t t0 = rte_get_tsc_cycles();
	for (int i = 0; i < 200; i++) {
		run_tx(HOST1, v4_frame(MAC_HOST1, MAC_ENI[0], 0, &s), &tx);
		for (unsigned k = 0; k < tx.n[HOST1]; k++)
			rte_pktmbuf_free(tx.pkts[HOST1][k]);
	}
	uint64_t ms = (rte_get_tsc_cycles() - t0) * 1000 / rte_get_tsc_hz();
	assert_int_equal(C()->drop[COUNTERS_DROP_FRAG_NEEDED], 200);
	assert_int_equal(C()->icmp_too_big + C()->icmp_limited, 200);
	assert_true(C()->icmp_too_big >= FRAG_ICMP_BURST);
	assert_true(C()->icmp_too_big <= FRAG_ICMP_BURST + ms * FRAG_ICMP_PER_SEC / 1000 + 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(d7_over_mtu_df_clear_fragmented_outbound_snat),
	    T(d7_over_mtu_df_clear_fragmented_inbound_dnat_to_vlan),
	    T(d7_over_mtu_df_set_dropped_frag_needed_answered),
	    T(d7_ipv6_over_mtu_dropped_packet_too_big_answered),
	    T(d7_over_mtu_no_fragment_buffers_frag_failed_or_tx_full),
	    T(d7_too_big_answers_rate_limited),
	};
	return DP_RUN("frag", tests, argc, argv);
}
