/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_malformed.c - bad packets are dropped and counted as 'malformed',
 * never read past, never crash, never leak an mbuf, and change nothing:
 * every packet truncated at every length, wrong header fields of many
 * shapes, split mbufs, and seeded random frames.
 */
#include "fixture.h"

static uint8_t l3[2048], fr[2048];

/* A valid frame of each kind, in fr; returns its length. */
static uint16_t valid_frame(int kind, uint16_t *in_port)
{
	struct rte_mbuf *m;
	uint16_t n;

	switch (kind) {
	case 0: { /* IPv4 UDP from the internet */
		struct v4spec s = {.src = ip4("198.18.0.5"),
				   .dst = ip4("203.0.113.10"),
				   .proto = 17,
				   .payload = 20};
		n = build_ip4(l3, &s);
		m = frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, l3, n);
		*in_port = 0;
		break;
	}
	case 1: { /* IPv4 TCP with options, from a machine, VLAN tagged */
		struct v4spec s = {.src = ip4("10.0.1.20"),
				   .dst = ip4("8.8.8.8"),
				   .proto = 6,
				   .payload = 10,
				   .options = 4};
		n = build_ip4(l3, &s);
		m = frame(MAC_HOST2, MAC_ENI[1], 100, 0x0800, l3, n);
		*in_port = 2;
		break;
	}
	case 2: { /* ICMP error quoting a UDP packet */
		uint8_t q[128];
		struct v4spec qs = {.src = ip4("203.0.113.10"),
				    .dst = ip4("198.18.0.9"),
				    .proto = 17,
				    .payload = 8};
		uint16_t ql = build_ip4(q, &qs);
		struct v4spec s = {.src = ip4("198.18.0.1"),
				   .dst = ip4("203.0.113.10"),
				   .proto = 1,
				   .icmp_type = 11,
				   .quote = q,
				   .quote_len = ql};
		n = build_ip4(l3, &s);
		m = frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, l3, n);
		*in_port = 0;
		break;
	}
	case 3: /* IPv6 UDP from a machine */
		n = build_ip6(l3, "2001:db8:0:1::10", "2001:db8:0:1::20", 64, NULL, 0, 16);
		m = frame(MAC_HOST1, MAC_ENI[0], 0, 0x86dd, l3, n);
		*in_port = 1;
		break;
	case 4: { /* ARP request from a machine */
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		n = build_arp(l3, 1, MAC_ENI[0], ip4("10.0.1.10"), ip4("10.0.1.1"));
		m = frame(bcast, MAC_ENI[0], 0, 0x0806, l3, n);
		*in_port = 1;
		break;
	}
	default: { /* neighbour solicitation from a machine */
		uint8_t msg[32];
		build_ns(msg, "2001:db8:0:1::1", MAC_ENI[0]);
		n = build_ip6(l3, "fe80::10", "ff02::1:ff00:1", 255, msg, 32, 0);
		m = frame(MAC_HOST1, MAC_ENI[0], 0, 0x86dd, l3, n);
		*in_port = 1;
		break;
	}
	}
	n = (uint16_t)rte_pktmbuf_pkt_len(m);
	memcpy(fr, l2(m), n);
	rte_pktmbuf_free(m);
	return n;
}

static void every_kind_whole_is_forwarded_or_answered(void **st)
{
	(void)st;
	for (int k = 0; k < 6; k++) {
		uint16_t port, n = valid_frame(k, &port);
		int out;
		struct rte_mbuf *r = run(port, raw_mbuf(fr, n), &out);
		if (r == NULL)
			fail_msg("valid frame of kind %d dropped", k);
		rte_pktmbuf_free(r);
	}
	assert_int_equal(counters_drops_total(C()), 0);
}

static void truncated_at_every_length_dropped_as_malformed(void **st)
{
	(void)st;
	unsigned avail = rte_mempool_avail_count(dp_pool);

	for (int k = 0; k < 6; k++) {
		uint16_t port, n = valid_frame(k, &port);
		for (uint16_t len = 0; len < n; len++) {
			uint64_t before = C()->drop[COUNTERS_DROP_MALFORMED];
			int out;
			struct rte_mbuf *r = run(port, raw_mbuf(fr, len), &out);
			if (r != NULL)
				fail_msg("kind %d truncated to %u bytes was sent", k, len);
			if (C()->drop[COUNTERS_DROP_MALFORMED] != before + 1)
				fail_msg("kind %d truncated to %u bytes: not counted malformed", k,
					 len);
		}
	}
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail);
}

/* Apply f to a copy of valid frame kind, expect a malformed drop. */
#define BAD(kind, stmt)                                                                            \
	do {                                                                                       \
		uint16_t port_, n_ = valid_frame(kind, &port_);                                    \
		uint8_t *p = fr;                                                                   \
		(void)p;                                                                           \
		stmt;                                                                              \
		expect_drop(port_, raw_mbuf(fr, n_), COUNTERS_DROP_MALFORMED);                     \
	} while (0)

/* Fix the IPv4 header checksum of the frame's header at off. */
static void fix_ip4(uint8_t *ip)
{
	put16(ip + 10, 0);
	put16(ip + 10, dp_csum(ip, (ip[0] & 0xf) * 4u, 0));
}

static void bad_ipv4_headers_dropped_as_malformed(void **st)
{
	(void)st;
	unsigned avail = rte_mempool_avail_count(dp_pool);

	BAD(0, {
		p[14] = 0x55;
		fix_ip4(p + 14);
	}); /* version 5 */
	BAD(0, {
		p[14] = 0x44;
		fix_ip4(p + 14);
	});			   /* IHL 4 */
	BAD(0, { p[14] = 0x4f; }); /* IHL 60 > packet */
	BAD(0, {
		put16(p + 16, 19);
		fix_ip4(p + 14);
	}); /* total < header */
	BAD(0, {
		put16(p + 16, (uint16_t)(n_ - 14 + 1));
		fix_ip4(p + 14);
	});				      /* > frame */
	BAD(0, { p[14 + 10] ^= 0x01; });      /* header checksum */
	BAD(0, { put16(p + 14 + 24, 7); });   /* UDP length < 8 */
	BAD(0, { put16(p + 14 + 24, 200); }); /* UDP length > packet */
	BAD(1, { p[18 + 24 + 12] = 0x40; });  /* TCP data offset 4 */
	BAD(1, { p[18 + 24 + 12] = 0xf0; });  /* TCP data offset > packet */
	/* a first fragment too short to hold the UDP header */
	BAD(0, {
		put16(p + 14 + 2, 24);
		put16(p + 14 + 6, 0x2000);
		fix_ip4(p + 14);
		n_ = 14 + 24;
	});
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail);
}

static void bad_ipv6_arp_vlan_and_nd_dropped_as_malformed(void **st)
{
	(void)st;
	BAD(3, { p[14] = 0x40; });				 /* version 4 in an IPv6 frame */
	BAD(3, { put16(p + 14 + 4, (uint16_t)(n_ - 54 + 1)); }); /* payload > frame */
	BAD(4, { p[14 + 4] = 8; });				 /* ARP hardware length 8 */
	BAD(4, { put16(p + 14 + 2, 0x86dd); });			 /* ARP for IPv6 */
	BAD(4, { put16(p + 14, 6); });				 /* ARP hardware type */
	BAD(5, { p[14 + 40 + 3] ^= 0x10; });			 /* NS checksum */
	BAD(5, {						 /* NS shorter than 24 bytes */
		 put16(p + 14 + 4, 20);
		 n_ = 14 + 40 + 20;
	});
	/* an 802.1Q tag cut in the middle */
	BAD(1, { n_ = 16; });
}

static void headers_split_across_segments_dropped_not_read(void **st)
{
	(void)st;
	uint16_t port, n = valid_frame(0, &port);
	unsigned avail = rte_mempool_avail_count(dp_pool);
	/* the first segment ends inside the IPv4 header */
	struct rte_mbuf *a = raw_mbuf(fr, 20), *b = raw_mbuf(fr + 20, (uint16_t)(n - 20));
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	expect_drop(port, a, COUNTERS_DROP_MALFORMED);
	/* ... inside the UDP header */
	a = raw_mbuf(fr, 14 + 22);
	b = raw_mbuf(fr + 36, (uint16_t)(n - 36));
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	expect_drop(port, a, COUNTERS_DROP_MALFORMED);
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail);
}

static void ethernet_padding_is_not_malformed(void **st)
{
	(void)st;
	/* a short IPv4 packet padded to the 60-byte Ethernet minimum */
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 2};
	uint16_t n = build_ip4(l3, &s);
	memset(l3 + n, 0xee, 60 - 14 - n);
	struct rte_mbuf *r =
	    expect_out(0, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, l3, 60 - 14), 1);
	assert_true(dp_l4_ok(l2(r) + 14));
	rte_pktmbuf_free(r);
}

/* xorshift: a fixed seed, so a failure can be replayed */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void random_and_mutated_frames_never_crash_or_leak(void **st)
{
	(void)st;
	unsigned avail = rte_mempool_avail_count(dp_pool);
	uint64_t rx = 0;

	for (int round = 0; round < 4000; round++) {
		struct rte_mbuf *pkts[8];
		uint16_t port = (uint16_t)(rnd() % 3), n;

		for (int i = 0; i < 8; i++) {
			if (rnd() & 1) {
				/* a valid frame with a few bytes changed */
				uint16_t p2;
				n = valid_frame((int)(rnd() % 6), &p2);
				for (int f = 0; f < 3; f++)
					fr[rnd() % n] = (uint8_t)rnd();
				if (rnd() % 4 == 0)
					n = (uint16_t)(rnd() % n);
			} else {
				/* random bytes behind a plausible Ethernet type */
				static const uint16_t et[] = {0x0800, 0x86dd, 0x0806, 0x8100};
				n = (uint16_t)(rnd() % 200);
				for (unsigned b = 0; b < n; b++)
					fr[b] = (uint8_t)rnd();
				if (n >= 14)
					put16(fr + 12, et[rnd() % 4]);
				if (n >= 15 && (rnd() & 1))
					fr[14] = (uint8_t)(rnd() & 1 ? 0x45 : 0x60);
			}
			pkts[i] = raw_mbuf(fr, n);
		}
		struct pipeline_tx tx;
		memset(tx.n, 0, sizeof(tx.n));
		pipeline_burst(W, builder_side(B), port, pkts, 8, &tx);
		rx += 8;
		for (int p = 0; p < FWD_MAX_PORTS; p++)
			rte_pktmbuf_free_bulk(tx.pkts[p], tx.n[p]);
	}
	/* every packet was either sent or dropped with a reason */
	uint64_t tx_total = 0, rx_total = 0;
	for (int p = 0; p < 3; p++) {
		tx_total += C()->port[p].tx;
		rx_total += C()->port[p].rx;
	}
	assert_int_equal(rx_total, rx);
	assert_int_equal(tx_total + counters_drops_total(C()), rx);
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail);
	/* the tables are as they were: a valid packet still goes where it went */
	uint16_t port, n = valid_frame(0, &port);
	struct rte_mbuf *r = expect_out(port, raw_mbuf(fr, n), 1);
	rte_pktmbuf_free(r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(every_kind_whole_is_forwarded_or_answered),
	    T(truncated_at_every_length_dropped_as_malformed),
	    T(bad_ipv4_headers_dropped_as_malformed),
	    T(bad_ipv6_arp_vlan_and_nd_dropped_as_malformed),
	    T(headers_split_across_segments_dropped_not_read),
	    T(ethernet_padding_is_not_malformed),
	    T(random_and_mutated_frames_never_crash_or_leak),
	};
	return DP_RUN("malformed", tests, argc, argv);
}
