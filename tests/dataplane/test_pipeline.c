/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_pipeline.c - packets through the real pipeline and the real tables
 * (SPEC section 3). Test names start with the D-row they check.
 */
#include <rte_ring.h>

#include "fixture.h"

#define UPLINK 0
#define HOST1 1
#define HOST2 2

static uint8_t buf[2048];

/* An IPv4 frame from the internet (uplink). */
static struct rte_mbuf *from_internet(const struct v4spec *s)
{
	uint16_t n = build_ip4(buf, s);
	return frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n);
}

/* An IPv4 frame from ENI `eni`'s MAC (VLAN vlan) to the router. */
static struct rte_mbuf *from_eni(unsigned eni, uint16_t vlan, const uint8_t *router,
				 const struct v4spec *s)
{
	uint16_t n = build_ip4(buf, s);
	return frame(router, MAC_ENI[eni], vlan, 0x0800, buf, n);
}

static struct rte_mbuf *v6_from(const uint8_t *dmac, const uint8_t *smac, uint16_t vlan,
				const char *src, const char *dst, uint8_t hlim)
{
	uint16_t n = build_ip6(buf, src, dst, hlim, NULL, 0, 20);
	return frame(dmac, smac, vlan, 0x86dd, buf, n);
}

/* ---------------- D1: ARP and ND answers ---------------- */

static void arp_check_reply(struct rte_mbuf *r, uint16_t vlan, const uint8_t *port_mac,
			    const uint8_t *asker_mac, uint32_t asker_ip, uint32_t target)
{
	uint8_t *a = l3_of(r, vlan, 0x0806);

	expect_macs(r, asker_mac, port_mac);
	assert_int_equal(get16(a + 6), 2);
	assert_memory_equal(a + 8, port_mac, 6);
	assert_int_equal(addr_at(a + 14), target);
	assert_memory_equal(a + 18, asker_mac, 6);
	assert_int_equal(addr_at(a + 24), asker_ip);
}

static struct rte_mbuf *arp_req(const uint8_t *smac, uint16_t vlan, const char *spa,
				const char *tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint16_t n = build_arp(buf, 1, smac, ip4(spa), ip4(tpa));
	return frame(bcast, smac, vlan, 0x0806, buf, n);
}

static void d1_arp_from_machine_for_gateway_answered_with_port_mac(void **st)
{
	(void)st;
	uint64_t replies = C()->arp_replies;
	struct rte_mbuf *r =
	    expect_out(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.1.1"), HOST1);
	arp_check_reply(r, 0, MAC_HOST1, MAC_ENI[0], ip4("10.0.1.10"), ip4("10.0.1.1"));
	assert_int_equal(C()->arp_replies, replies + 1);
	rte_pktmbuf_free(r);
}

static void d1_arp_for_other_eni_and_free_address_of_subnet_answered(void **st)
{
	(void)st;
	struct rte_mbuf *r =
	    expect_out(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.1.20"), HOST1);
	arp_check_reply(r, 0, MAC_HOST1, MAC_ENI[0], ip4("10.0.1.10"), ip4("10.0.1.20"));
	rte_pktmbuf_free(r);
	r = expect_out(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.1.200"), HOST1);
	arp_check_reply(r, 0, MAC_HOST1, MAC_ENI[0], ip4("10.0.1.10"), ip4("10.0.1.200"));
	rte_pktmbuf_free(r);
}

static void d1_arp_with_vlan_answered_with_tag_kept(void **st)
{
	(void)st;
	struct rte_mbuf *r =
	    expect_out(HOST2, arp_req(MAC_ENI[1], 100, "10.0.1.20", "10.0.1.1"), HOST2);
	arp_check_reply(r, 100, MAC_HOST2, MAC_ENI[1], ip4("10.0.1.20"), ip4("10.0.1.1"));
	rte_pktmbuf_free(r);
}

static void d1_arp_for_own_address_not_answered(void **st)
{
	(void)st;
	/* its own secondary address, and gratuitous ARP for its primary */
	expect_drop(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.1.11"),
		    COUNTERS_DROP_ARP_UNANSWERED);
	expect_drop(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.1.10"),
		    COUNTERS_DROP_ARP_UNANSWERED);
}

static void d1_arp_outside_subnet_not_answered(void **st)
{
	(void)st;
	expect_drop(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "10.0.2.30"),
		    COUNTERS_DROP_ARP_UNANSWERED);
	expect_drop(HOST1, arp_req(MAC_ENI[0], 0, "10.0.1.10", "8.8.8.8"),
		    COUNTERS_DROP_ARP_UNANSWERED);
}

static void d1_arp_from_unknown_mac_dropped(void **st)
{
	(void)st;
	expect_drop(HOST1, arp_req(MAC_STRANGER, 0, "10.0.1.99", "10.0.1.1"),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
	/* right MAC, wrong VLAN */
	expect_drop(HOST2, arp_req(MAC_ENI[1], 0, "10.0.1.20", "10.0.1.1"),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
}

static void d1_arp_on_uplink_for_associated_eip_answered(void **st)
{
	(void)st;
	struct rte_mbuf *r =
	    expect_out(UPLINK, arp_req(MAC_UPSTREAM, 0, "203.0.113.1", "203.0.113.20"), UPLINK);
	arp_check_reply(r, 0, MAC_UPLINK, MAC_UPSTREAM, ip4("203.0.113.1"), ip4("203.0.113.20"));
	rte_pktmbuf_free(r);
	expect_drop(UPLINK, arp_req(MAC_UPSTREAM, 0, "203.0.113.1", "203.0.113.99"),
		    COUNTERS_DROP_ARP_UNANSWERED);
}

static void d1_arp_reply_not_answered(void **st)
{
	(void)st;
	uint16_t n = build_arp(buf, 2, MAC_ENI[0], ip4("10.0.1.10"), ip4("10.0.1.1"));
	expect_drop(HOST1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0806, buf, n),
		    COUNTERS_DROP_ARP_UNANSWERED);
}

static struct rte_mbuf *ns_req(const uint8_t *smac, uint16_t vlan, const char *src,
			       const char *target)
{
	uint8_t msg[32], l3[128];
	build_ns(msg, target, smac);
	uint16_t n = build_ip6(l3, src, "ff02::1:ff00:1", 255, msg, 32, 0);
	static const uint8_t mcast[6] = {0x33, 0x33, 0xff, 0, 0, 1};
	return frame(mcast, smac, vlan, 0x86dd, l3, n);
}

static void na_check(struct rte_mbuf *r, uint16_t vlan, const uint8_t *port_mac,
		     const uint8_t *asker_mac, const char *asker, const char *target)
{
	uint8_t *ip = l3_of(r, vlan, 0x86dd), a[16], t[16];

	expect_macs(r, asker_mac, port_mac);
	ip6(asker, a);
	ip6(target, t);
	assert_int_equal(ip[6], 58);
	assert_int_equal(ip[7], 255);
	assert_int_equal(get16(ip + 4), 32);
	assert_memory_equal(ip + 8, t, 16);
	assert_memory_equal(ip + 24, a, 16);
	assert_int_equal(ip[40], 136);
	assert_int_equal(ip[44] & 0x60, 0x60); /* solicited + override */
	assert_memory_equal(ip + 48, t, 16);
	assert_int_equal(ip[64], 2);
	assert_memory_equal(ip + 66, port_mac, 6);
	assert_true(dp_icmp6_ok(ip));
	assert_int_equal(rte_pktmbuf_pkt_len(r), (vlan ? 18u : 14u) + 72u);
}

static void d1_ns_from_machine_answered_with_port_mac(void **st)
{
	(void)st;
	uint64_t replies = C()->nd_replies;
	struct rte_mbuf *r =
	    expect_out(HOST1, ns_req(MAC_ENI[0], 0, "fe80::10", "2001:db8:0:1::1"), HOST1);
	na_check(r, 0, MAC_HOST1, MAC_ENI[0], "fe80::10", "2001:db8:0:1::1");
	assert_int_equal(C()->nd_replies, replies + 1);
	rte_pktmbuf_free(r);
	r = expect_out(HOST2, ns_req(MAC_ENI[1], 100, "2001:db8:0:1::20", "2001:db8:0:1::10"),
		       HOST2);
	na_check(r, 100, MAC_HOST2, MAC_ENI[1], "2001:db8:0:1::20", "2001:db8:0:1::10");
	rte_pktmbuf_free(r);
}

/* The router's link-local address (fe80:: + the modified EUI-64 of the port's
 * MAC 02:aa:00:00:00:01): the next hop a guest learns from a router
 * advertisement, answered like the subnet's addresses. */
static void d1_ns_for_router_link_local_answered(void **st)
{
	(void)st;
	uint64_t replies = C()->nd_replies;
	struct rte_mbuf *r =
	    expect_out(HOST1, ns_req(MAC_ENI[0], 0, "fe80::10", "fe80::aa:ff:fe00:1"), HOST1);
	na_check(r, 0, MAC_HOST1, MAC_ENI[0], "fe80::10", "fe80::aa:ff:fe00:1");
	assert_int_equal(C()->nd_replies, replies + 1);
	rte_pktmbuf_free(r);
	/* another link-local address is nobody's */
	expect_drop(HOST1, ns_req(MAC_ENI[0], 0, "fe80::10", "fe80::aa:ff:fe00:2"),
		    COUNTERS_DROP_ND_UNANSWERED);
	/* a subnet without IPv6 has no IPv6 router */
	expect_drop(HOST1, ns_req(MAC_ENI[5], 0, "fe80::15", "fe80::aa:ff:fe00:1"),
		    COUNTERS_DROP_ND_UNANSWERED);
	/* an unknown sender is not answered */
	static const uint8_t stranger[6] = {0x02, 0x77, 0, 0, 0, 0x77};
	expect_drop(HOST1, ns_req(stranger, 0, "fe80::77", "fe80::aa:ff:fe00:1"),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
}

static void d1_ns_for_own_or_outside_address_not_answered(void **st)
{
	(void)st;
	expect_drop(HOST1, ns_req(MAC_ENI[0], 0, "fe80::10", "2001:db8:0:1::10"),
		    COUNTERS_DROP_ND_UNANSWERED);
	expect_drop(HOST1, ns_req(MAC_ENI[0], 0, "fe80::10", "2001:db8:0:2::1"),
		    COUNTERS_DROP_ND_UNANSWERED);
	/* a subnet without IPv6 */
	expect_drop(HOST1, ns_req(MAC_ENI[5], 0, "fe80::15", "2001:db8:0:1::1"),
		    COUNTERS_DROP_ND_UNANSWERED);
	/* duplicate address detection probe (source ::) */
	expect_drop(HOST1, ns_req(MAC_ENI[0], 0, "::", "2001:db8:0:1::77"),
		    COUNTERS_DROP_ND_UNANSWERED);
}

static void d1_ns_on_uplink_for_assigned_ipv6_answered(void **st)
{
	(void)st;
	struct rte_mbuf *r = expect_out(
	    UPLINK, ns_req(MAC_UPSTREAM, 0, "2001:db8:ffff::1", "2001:db8:0:1::20"), UPLINK);
	na_check(r, 0, MAC_UPLINK, MAC_UPSTREAM, "2001:db8:ffff::1", "2001:db8:0:1::20");
	rte_pktmbuf_free(r);
	expect_drop(UPLINK, ns_req(MAC_UPSTREAM, 0, "2001:db8:ffff::1", "2001:db8:0:1::99"),
		    COUNTERS_DROP_ND_UNANSWERED);
}

static void d1_ns_with_bad_checksum_or_hop_limit_dropped(void **st)
{
	(void)st;
	struct rte_mbuf *m = ns_req(MAC_ENI[0], 0, "fe80::10", "2001:db8:0:1::1");
	l2(m)[14 + 40 + 2] ^= 0x55;
	expect_drop(HOST1, m, COUNTERS_DROP_MALFORMED);

	uint8_t msg[32], l3[128];
	build_ns(msg, "2001:db8:0:1::1", MAC_ENI[0]);
	uint16_t n = build_ip6(l3, "fe80::10", "ff02::1:ff00:1", 64, msg, 32, 0);
	expect_drop(HOST1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x86dd, l3, n),
		    COUNTERS_DROP_ND_UNANSWERED);
}

static void d1_upstream_mac_learned_from_arp_on_uplink(void **st)
{
	(void)st;
	/* a second engine whose uplink knows only the upstream IPv4 */
	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_enis = 8;
	p.max_v4 = p.max_v6 = p.max_eips = 16;
	p.n_ports = 2;
	p.ports[0].role = FWD_PORT_UPLINK;
	memcpy(p.ports[0].mac, MAC_UPLINK, 6);
	p.ports[0].has_upstream_ip = true;
	p.ports[0].upstream_ip = ip4("203.0.113.1");
	p.ports[1].role = FWD_PORT_HOST;
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	const struct fwd_side *s = builder_side(b);
	uint8_t mac[6];
	assert_false(fwd_upstream_mac(s, 0, mac));

	/* the request the engine sends to resolve it */
	struct rte_mbuf *q = rte_pktmbuf_alloc(dp_pool);
	assert_int_equal(pipeline_arp_request(s, 0, ip4("203.0.113.10"), q), 0);
	uint8_t *a = l2(q) + 14;
	assert_int_equal(get16(l2(q) + 12), 0x0806);
	assert_int_equal(get16(a + 6), 1);
	assert_memory_equal(a + 8, MAC_UPLINK, 6);
	assert_int_equal(addr_at(a + 24), ip4("203.0.113.1"));
	rte_pktmbuf_free(q);
	q = rte_pktmbuf_alloc(dp_pool);
	assert_int_equal(pipeline_arp_request(s, 1, ip4("203.0.113.10"), q), -EINVAL);
	rte_pktmbuf_free(q);

	/* its reply: learned */
	uint16_t n = build_arp(buf, 2, MAC_UPSTREAM, ip4("203.0.113.1"), ip4("203.0.113.10"));
	struct rte_mbuf *m = frame(MAC_UPLINK, MAC_UPSTREAM, 0, 0x0806, buf, n);
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	pipeline_burst(W, s, 0, &m, 1, &tx);
	assert_int_equal(tx.n[0], 0);
	assert_true(fwd_upstream_mac(s, 0, mac));
	assert_memory_equal(mac, MAC_UPSTREAM, 6);
	builder_free(b);
}

/* ---------------- D2: inbound DNAT ---------------- */

static void d2_inbound_udp_to_eip_translated_and_delivered(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 17,
			   .sport = 5353,
			   .dport = 80,
			   .payload = 33,
			   .ttl = 50};
	uint64_t pk = C()->eni[0].packets;
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);

	expect_macs(r, MAC_ENI[0], MAC_HOST1);
	assert_int_equal(addr_at(ip + 12), ip4("198.18.0.5"));
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_int_equal(ip[8], 49);
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	assert_int_equal(C()->eni[0].packets, pk + 1);
	rte_pktmbuf_free(r);
}

static void d2_inbound_tcp_with_options_translated(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 6,
			   .sport = 40000,
			   .dport = 22,
			   .payload = 100,
			   .options = 8};
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);

	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d2_inbound_udp_zero_checksum_left_zero(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 17,
			   .sport = 1,
			   .dport = 2,
			   .payload = 10,
			   .udp_nocsum = 1};
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);

	assert_int_equal(get16(ip + 20 + 6), 0);
	assert_true(dp_ip4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d2_inbound_icmp_echo_translated(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.20"), .proto = 1, .payload = 56};
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST2);
	uint8_t *ip = l3_of(r, 100, 0x0800); /* ENI 1 is on VLAN 100: tag added */

	expect_macs(r, MAC_ENI[1], MAC_HOST2);
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.20"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_icmp_ok(ip));
	rte_pktmbuf_free(r);
}

static void d2_inbound_to_unassociated_address_dropped(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.99"), .proto = 17, .payload = 4};
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_UNKNOWN_DESTINATION);
	/* private addresses are not reachable from the internet */
	s.dst = ip4("10.0.1.10");
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_UNKNOWN_DESTINATION);
}

static void d2_inbound_from_tagged_uplink_frame_delivered_untagged(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 4};
	uint16_t n = build_ip4(buf, &s);
	struct rte_mbuf *r =
	    expect_out(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 7, 0x0800, buf, n), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

/* ---------------- D3: inbound IPv6 ---------------- */

static void d3_inbound_ipv6_delivered_untranslated(void **st)
{
	(void)st;
	struct rte_mbuf *r = expect_out(
	    UPLINK,
	    v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::20", 64),
	    HOST2);
	uint8_t *ip = l3_of(r, 100, 0x86dd), a[16];

	expect_macs(r, MAC_ENI[1], MAC_HOST2);
	ip6("2001:db8:0:1::20", a);
	assert_memory_equal(ip + 24, a, 16);
	ip6("2001:db8:ffff::5", a);
	assert_memory_equal(ip + 8, a, 16);
	assert_int_equal(ip[7], 63);
	assert_true(dp_l4_6_ok(ip));
	rte_pktmbuf_free(r);
}

static void d3_ipv6_burst_after_ipv4_bursts_untranslated(void **st)
{
	(void)st;
	/* IPv4 bursts leave NAT decisions in the per-packet state; IPv6 must not use them */
	for (int round = 0; round < 3; round++) {
		struct rte_mbuf *p[2];
		struct v4spec s = {.src = ip4("198.18.0.5"),
				   .dst = ip4("203.0.113.10"),
				   .proto = 17,
				   .payload = 4};
		p[0] = from_internet(&s);
		p[1] = from_internet(&s);
		struct pipeline_tx tx;
		memset(tx.n, 0, sizeof(tx.n));
		pipeline_burst(W, builder_side(B), UPLINK, p, 2, &tx);
		assert_int_equal(tx.n[HOST1], 2);
		rte_pktmbuf_free_bulk(tx.pkts[HOST1], 2);

		p[0] = v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::10",
			       64);
		p[1] = v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::10",
			       64);
		memset(tx.n, 0, sizeof(tx.n));
		pipeline_burst(W, builder_side(B), UPLINK, p, 2, &tx);
		assert_int_equal(tx.n[HOST1], 2);
		for (int i = 0; i < 2; i++) {
			uint8_t *ip = l3_of(tx.pkts[HOST1][i], 0, 0x86dd), a[16];
			ip6("2001:db8:ffff::5", a);
			assert_memory_equal(ip + 8, a, 16);
			ip6("2001:db8:0:1::10", a);
			assert_memory_equal(ip + 24, a, 16);
			assert_true(dp_l4_6_ok(ip)); /* UDP checksum, from scratch */
		}
		rte_pktmbuf_free_bulk(tx.pkts[HOST1], 2);
	}
}

static void d3_inbound_ipv6_unassigned_or_multicast_dropped(void **st)
{
	(void)st;
	expect_drop(
	    UPLINK,
	    v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::99", 64),
	    COUNTERS_DROP_UNKNOWN_DESTINATION);
	expect_drop(UPLINK, v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "ff02::1", 64),
		    COUNTERS_DROP_MULTICAST);
}

/* ---------------- D4: source ENI and anti-spoofing ---------------- */

static void d4_spoofed_ipv4_source_dropped(void **st)
{
	(void)st;
	/* ENI 0 sends from ENI 1's address, and from an address nobody has */
	struct v4spec s = {
	    .src = ip4("10.0.1.20"), .dst = ip4("10.0.1.40"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_SPOOFED_SOURCE);
	s.src = ip4("10.0.1.99");
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_SPOOFED_SOURCE);
}

static void d4_spoofed_ipv6_source_dropped(void **st)
{
	(void)st;
	expect_drop(HOST1,
		    v6_from(MAC_HOST1, MAC_ENI[0], 0, "2001:db8:0:1::20", "2001:db8:0:1::10", 64),
		    COUNTERS_DROP_SPOOFED_SOURCE);
}

static void d4_unknown_source_mac_port_or_vlan_dropped(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.20"), .proto = 17, .payload = 4};
	uint16_t n = build_ip4(buf, &s);
	expect_drop(HOST1, frame(MAC_HOST1, MAC_STRANGER, 0, 0x0800, buf, n),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
	/* ENI 0's MAC on the other host port */
	expect_drop(HOST2, frame(MAC_HOST2, MAC_ENI[0], 0, 0x0800, buf, n),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
	/* ENI 1's MAC without its VLAN */
	s.src = ip4("10.0.1.20");
	s.dst = ip4("10.0.1.10");
	n = build_ip4(buf, &s);
	expect_drop(HOST2, frame(MAC_HOST2, MAC_ENI[1], 0, 0x0800, buf, n),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
}

static void d4_source_dest_check_off_forwards_foreign_source(void **st)
{
	(void)st;
	/* ENI 3 is an appliance: it forwards packets that are not its own */
	struct v4spec s = {
	    .src = ip4("172.16.9.9"), .dst = ip4("10.0.1.10"), .proto = 17, .payload = 4};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(3, 0, MAC_HOST1, &s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 12), ip4("172.16.9.9"));
	expect_macs(r, MAC_ENI[0], MAC_HOST1);
	rte_pktmbuf_free(r);
}

/* ---------------- D5: local delivery ---------------- */

static void d5_local_ipv4_delivered_untranslated(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("10.0.1.11"),
			   .dst = ip4("10.0.1.20"),
			   .proto = 6,
			   .sport = 1000,
			   .dport = 2000,
			   .payload = 12};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), HOST2);
	uint8_t *ip = l3_of(r, 100, 0x0800);

	expect_macs(r, MAC_ENI[1], MAC_HOST2);
	assert_int_equal(addr_at(ip + 12), ip4("10.0.1.11"));
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.20"));
	assert_int_equal(ip[8], 63);
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d5_local_from_vlan_to_untagged_strips_tag(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.20"), .dst = ip4("10.0.1.10"), .proto = 17, .payload = 9};
	struct rte_mbuf *r = expect_out(HOST2, from_eni(1, 100, MAC_HOST2, &s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	expect_macs(r, MAC_ENI[0], MAC_HOST1);
	assert_int_equal(rte_pktmbuf_pkt_len(r), 14u + get16(ip + 2));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d5_local_ipv6_delivered(void **st)
{
	(void)st;
	struct rte_mbuf *r = expect_out(
	    HOST1, v6_from(MAC_HOST1, MAC_ENI[0], 0, "2001:db8:0:1::10", "2001:db8:0:1::20", 64),
	    HOST2);
	uint8_t *ip = l3_of(r, 100, 0x86dd), a[16];
	ip6("2001:db8:0:1::20", a);
	assert_memory_equal(ip + 24, a, 16);
	rte_pktmbuf_free(r);
}

static void d5_local_unowned_destination_dropped(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.77"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_UNKNOWN_DESTINATION);
	expect_drop(HOST1,
		    v6_from(MAC_HOST1, MAC_ENI[0], 0, "2001:db8:0:1::10", "2001:db8:0:1::77", 64),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	s.dst = ip4("255.255.255.255");
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_MULTICAST);
}

/* ---------------- D14, D16: the exception path ---------------- */

static const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* A ring the worker punts into; the caller frees it (punt_drain first). */
static struct rte_ring *punt_ring(unsigned size, uint32_t rate, uint32_t burst)
{
	static unsigned n;
	char name[32];
	struct rte_ring *r;

	snprintf(name, sizeof(name), "test_punt%u", n++);
	r = rte_ring_create(name, size, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(r);
	pipeline_worker_set_punt(W, r, rate, burst);
	return r;
}

/* Empty the ring: how many it held; the first one's port in *port. */
static unsigned punt_drain(struct rte_ring *r, uint16_t *port)
{
	void *m;
	unsigned n = 0;

	while (rte_ring_sc_dequeue(r, &m) == 0) {
		if (n++ == 0 && port != NULL)
			*port = ((struct rte_mbuf *)m)->port;
		rte_pktmbuf_free(m);
	}
	return n;
}

/* A DHCP client's datagram from ENI 0 (dst MAC dmac): 68 -> dport. */
static struct rte_mbuf *dhcp_from_eni0(const uint8_t *dmac, const char *src, const char *dst,
				       uint16_t dport)
{
	struct v4spec s = {.src = ip4(src),
			   .dst = ip4(dst),
			   .proto = 17,
			   .sport = 68,
			   .dport = dport,
			   .payload = 300};
	return from_eni(0, 0, dmac, &s);
}

static void d16_dhcp_to_the_router_punted(void **st)
{
	(void)st;
	struct rte_ring *r = punt_ring(64, 1000, 64);
	uint64_t punted = C()->punted, mc = C()->drop[COUNTERS_DROP_MULTICAST];
	uint16_t port = 99;
	int out;

	/* DISCOVER: broadcast, from 0.0.0.0 (before the source check) */
	assert_null(run(HOST1, dhcp_from_eni0(MAC_BCAST, "0.0.0.0", "255.255.255.255", 67), &out));
	assert_int_equal(punt_drain(r, &port), 1);
	assert_int_equal(port, HOST1); /* the engine port it came in on, for the identity */
	/* a renewal: unicast to the subnet's router address 10.0.1.1 */
	assert_null(run(HOST1, dhcp_from_eni0(MAC_HOST1, "10.0.1.10", "10.0.1.1", 67), &out));
	assert_int_equal(punt_drain(r, NULL), 1);
	assert_int_equal(C()->punted, punted + 2);
	/* not for the DHCP server: as before */
	expect_drop(HOST1, dhcp_from_eni0(MAC_BCAST, "0.0.0.0", "255.255.255.255", 68),
		    COUNTERS_DROP_MULTICAST);
	expect_drop(HOST1, dhcp_from_eni0(MAC_HOST1, "10.0.1.10", "10.0.1.1", 68),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	/* to another subnet's router address: not the sender's router */
	expect_drop(HOST1, dhcp_from_eni0(MAC_HOST1, "10.0.1.10", "10.0.2.1", 67),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	/* from an unknown MAC: nothing reaches the services */
	struct v4spec s = {.src = 0,
			   .dst = ip4("255.255.255.255"),
			   .proto = 17,
			   .sport = 68,
			   .dport = 67,
			   .payload = 300};
	uint16_t n = build_ip4(buf, &s);
	expect_drop(HOST1, frame(MAC_BCAST, MAC_STRANGER, 0, 0x0800, buf, n),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
	/* from the uplink: never punted */
	expect_drop(UPLINK, frame(MAC_BCAST, MAC_INTERNET, 0, 0x0800, buf, n),
		    COUNTERS_DROP_MULTICAST);
	assert_int_equal(punt_drain(r, NULL), 0);
	assert_int_equal(C()->punted, punted + 2);
	assert_true(C()->drop[COUNTERS_DROP_MULTICAST] >= mc + 2);
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
}

/* A router solicitation (ICMPv6 133, hop limit hlim) from smac. */
static struct rte_mbuf *rs_from(const uint8_t *smac, const char *src, uint8_t hlim)
{
	static const uint8_t all_routers[6] = {0x33, 0x33, 0, 0, 0, 2};
	uint8_t msg[8] = {133}, l3[64];
	uint16_t n = build_ip6(l3, src, "ff02::2", hlim, msg, sizeof(msg), 0);

	return frame(all_routers, smac, 0, 0x86dd, l3, n);
}

/* A DHCPv6 client's datagram from ENI 0 to dst, 546 -> dport (the guest services check its
 * checksum). */
static struct rte_mbuf *dhcp6_from_eni0(const char *dst, uint16_t dport)
{
	static const uint8_t all_servers[6] = {0x33, 0x33, 0, 1, 0, 2};
	uint8_t l3[128];
	uint16_t n = build_ip6(l3, "fe80::10", dst, 1, NULL, 0, 40);

	put16(l3 + 40, 546);
	put16(l3 + 42, dport);
	return frame(all_servers, MAC_ENI[0], 0, 0x86dd, l3, n);
}

/* D14: a guest's router solicitation and its DHCPv6 messages go to the guest services. */
static void d16_router_solicitation_and_dhcp6_punted(void **st)
{
	(void)st;
	struct rte_ring *r = punt_ring(64, 1000, 64);
	uint64_t punted = C()->punted;
	uint16_t port = 99;
	int out;

	assert_null(run(HOST1, rs_from(MAC_ENI[0], "fe80::10", 255), &out));
	assert_int_equal(punt_drain(r, &port), 1);
	assert_int_equal(port, HOST1);
	/* from :: too (a guest before its link-local address is up) */
	assert_null(run(HOST1, rs_from(MAC_ENI[0], "::", 255), &out));
	assert_null(run(HOST1, dhcp6_from_eni0("ff02::1:2", 547), &out));
	assert_int_equal(punt_drain(r, NULL), 2);
	assert_int_equal(C()->punted, punted + 3);
	/* not from a neighbour (hop limit below 255), a subnet without IPv6, the uplink */
	expect_drop(HOST1, rs_from(MAC_ENI[0], "fe80::10", 64), COUNTERS_DROP_ND_UNANSWERED);
	expect_drop(HOST1, rs_from(MAC_ENI[5], "fe80::15", 255), COUNTERS_DROP_ND_UNANSWERED);
	expect_drop(UPLINK, rs_from(MAC_UPSTREAM, "fe80::1", 255), COUNTERS_DROP_ND_UNANSWERED);
	/* from nobody the engine knows */
	expect_drop(HOST1, rs_from(MAC_STRANGER, "fe80::99", 255), COUNTERS_DROP_UNKNOWN_SOURCE);
	/* another port of the servers' group, or another group: multicast as before */
	expect_drop(HOST1, dhcp6_from_eni0("ff02::1:2", 5000), COUNTERS_DROP_MULTICAST);
	expect_drop(HOST1, dhcp6_from_eni0("ff02::1", 547), COUNTERS_DROP_MULTICAST);
	assert_int_equal(punt_drain(r, NULL), 0);
	assert_int_equal(C()->punted, punted + 3);
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
}

/* A TCP segment (20 bytes of header, no data) src -> [dst]:dport from smac on VLAN 0. */
static struct rte_mbuf *tcp6_from(const uint8_t *dmac, const uint8_t *smac, const char *src,
				  const char *dst, uint16_t dport)
{
	uint8_t l3[128];
	uint16_t n = build_ip6(l3, src, dst, 64, NULL, 0, 12);

	l3[6] = 6; /* TCP: its checksum is the guest services' kernel's to check */
	put16(l3 + 40, 40000);
	put16(l3 + 42, dport);
	l3[40 + 12] = 5 << 4;
	return frame(dmac, smac, 0, 0x86dd, l3, n);
}

/* D15: TCP to [fd00:ec2::254]:80 from a known ENI goes to the guest services, whatever its
 * source address; nothing else to that address, and nothing from the uplink. */
static void d16_metadata_over_ipv6_punted(void **st)
{
	(void)st;
	struct rte_ring *r = punt_ring(64, 1000, 64);
	uint64_t punted = C()->punted;
	uint16_t port = 99;
	int out;

	assert_null(run(HOST1,
			tcp6_from(MAC_HOST1, MAC_ENI[0], "2001:db8:0:1::10", "fd00:ec2::254", 80),
			&out));
	assert_int_equal(punt_drain(r, &port), 1);
	assert_int_equal(port, HOST1);
	/* a source it does not own (the source check would drop it): still the router's */
	assert_null(run(HOST1,
			tcp6_from(MAC_HOST1, MAC_ENI[0], "2001:db8:0:1::99", "fd00:ec2::254", 80),
			&out));
	assert_null(
	    run(HOST1, tcp6_from(MAC_HOST1, MAC_ENI[0], "fe80::10", "fd00:ec2::254", 80), &out));
	assert_int_equal(punt_drain(r, NULL), 2);
	assert_int_equal(C()->punted, punted + 3);
	/* another port, a neighbouring address, from nobody known, from the uplink: not punted */
	struct rte_mbuf *m = run(
	    HOST1, tcp6_from(MAC_HOST1, MAC_ENI[0], "2001:db8:0:1::10", "fd00:ec2::254", 81), &out);
	rte_pktmbuf_free(m);
	m = run(HOST1, tcp6_from(MAC_HOST1, MAC_ENI[0], "2001:db8:0:1::10", "fd00:ec2::255", 80),
		&out);
	rte_pktmbuf_free(m);
	expect_drop(HOST1,
		    tcp6_from(MAC_HOST1, MAC_STRANGER, "2001:db8:0:1::10", "fd00:ec2::254", 80),
		    COUNTERS_DROP_UNKNOWN_SOURCE);
	m = run(UPLINK, tcp6_from(MAC_UPLINK, MAC_INTERNET, "2001:db8:99::1", "fd00:ec2::254", 80),
		&out);
	rte_pktmbuf_free(m);
	assert_int_equal(punt_drain(r, NULL), 0);
	assert_int_equal(C()->punted, punted + 3);
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
}

static void d16_punt_over_rate_or_ring_full_is_punt_overflow(void **st)
{
	(void)st;
	/* a bucket of 2, refilled once a second: 2 of 5 pass */
	struct rte_ring *r = punt_ring(64, 1, 2);
	uint64_t over = C()->drop[COUNTERS_DROP_PUNT_OVERFLOW];
	int out;

	for (int i = 0; i < 5; i++)
		assert_null(
		    run(HOST1, dhcp_from_eni0(MAC_BCAST, "0.0.0.0", "255.255.255.255", 67), &out));
	assert_int_equal(punt_drain(r, NULL), 2);
	assert_int_equal(C()->drop[COUNTERS_DROP_PUNT_OVERFLOW], over + 3);
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
	/* a ring of 3 places, no rate limit in the way: the 4th and 5th overflow */
	r = punt_ring(4, 1000000, 1000);
	for (int i = 0; i < 5; i++)
		assert_null(
		    run(HOST1, dhcp_from_eni0(MAC_BCAST, "0.0.0.0", "255.255.255.255", 67), &out));
	assert_int_equal(punt_drain(r, NULL), 3);
	assert_int_equal(C()->drop[COUNTERS_DROP_PUNT_OVERFLOW], over + 5);
	/* no services at all (no ring): every one overflows, traced with its reason */
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
	expect_drop(HOST1, dhcp_from_eni0(MAC_BCAST, "0.0.0.0", "255.255.255.255", 67),
		    COUNTERS_DROP_PUNT_OVERFLOW);
}

/* D15: TCP to 169.254.169.254:80 from a known ENI goes to the metadata
 * service; the rest of 169.254/16 is never routed (RFC 3927). */
static void d16_metadata_punted_other_link_local_dropped_as_multicast(void **st)
{
	(void)st;
	struct rte_ring *r = punt_ring(64, 1000, 64);
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("169.254.169.254"),
			   .proto = 6,
			   .sport = 40000,
			   .dport = 80};
	uint64_t punted = C()->punted;
	uint16_t port = 99;
	int out;

	assert_null(run(HOST1, from_eni(0, 0, MAC_HOST1, &s), &out));
	assert_int_equal(punt_drain(r, &port), 1);
	assert_int_equal(port, HOST1);
	/* any source address: the server knows the asker by port and MAC */
	s.src = ip4("10.0.1.77");
	assert_null(run(HOST1, from_eni(0, 0, MAC_HOST1, &s), &out));
	assert_int_equal(punt_drain(r, NULL), 1);
	assert_int_equal(C()->punted, punted + 2);
	s.src = ip4("10.0.1.10");
	/* 10.0.1.10 has an EIP: without the link-local rule these would leave SNATed */
	s.dport = 81;
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_MULTICAST);
	s.dport = 80;
	s.proto = 17;
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_MULTICAST);
	s.dst = ip4("169.254.0.1");
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_MULTICAST);
	s.proto = 6;
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_MULTICAST);
	assert_int_equal(punt_drain(r, NULL), 0);
	/* from the internet: never the metadata service */
	s.src = ip4("203.0.113.9");
	s.dst = ip4("169.254.169.254");
	struct v4spec up = s;
	uint16_t n = build_ip4(buf, &up);
	expect_drop(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n),
		    COUNTERS_DROP_MULTICAST);
	assert_int_equal(punt_drain(r, NULL), 0);
	pipeline_worker_set_punt(W, NULL, 0, 0);
	rte_ring_free(r);
	s.src = ip4("10.0.1.10");
	s.dst = ip4("169.255.0.1"); /* outside 169.254/16: routed as any address */
	struct rte_mbuf *m = run(HOST1, from_eni(0, 0, MAC_HOST1, &s), &out);
	assert_non_null(m);
	assert_int_equal(out, UPLINK);
	rte_pktmbuf_free(m);
}

/* ---------------- D6: routes ---------------- */

static void d6_igw_snat_to_eip_out_of_uplink(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("8.8.8.8"),
			   .proto = 17,
			   .sport = 33000,
			   .dport = 53,
			   .payload = 40};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), UPLINK);
	uint8_t *ip = l3_of(r, 0, 0x0800);

	expect_macs(r, MAC_UPSTREAM, MAC_UPLINK);
	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.10"));
	assert_int_equal(addr_at(ip + 16), ip4("8.8.8.8"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);

	/* TCP from the VLAN ENI: tag removed on the uplink */
	s = (struct v4spec){.src = ip4("10.0.1.20"),
			    .dst = ip4("1.1.1.1"),
			    .proto = 6,
			    .sport = 1,
			    .dport = 443,
			    .payload = 7};
	r = expect_out(HOST2, from_eni(1, 100, MAC_HOST2, &s), UPLINK);
	ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.20"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d6_igw_without_eip_dropped(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.11"), .dst = ip4("8.8.8.8"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_NO_EIP);
}

static void d6_igw_ipv6_out_unchanged(void **st)
{
	(void)st;
	struct rte_mbuf *r = expect_out(
	    HOST1, v6_from(MAC_HOST1, MAC_ENI[0], 0, "2001:db8:0:1::10", "2606:4700::1111", 64),
	    UPLINK);
	uint8_t *ip = l3_of(r, 0, 0x86dd), a[16];
	expect_macs(r, MAC_UPSTREAM, MAC_UPLINK);
	ip6("2001:db8:0:1::10", a);
	assert_memory_equal(ip + 8, a, 16);
	assert_int_equal(ip[7], 63);
	rte_pktmbuf_free(r);
}

static void d6_route_to_eni_delivers_unchanged_to_appliance(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("198.51.100.7"), .proto = 17, .payload = 4};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	expect_macs(r, MAC_ENI[3], MAC_HOST1);
	assert_int_equal(addr_at(ip + 12), ip4("10.0.1.10"));
	assert_int_equal(addr_at(ip + 16), ip4("198.51.100.7"));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d6_blackhole_and_longest_prefix(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("192.0.2.1"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_BLACKHOLE);
	/* 198.51.100.200 is in the /24 to ENI 3 and in the /25 blackhole: /25 wins */
	s.dst = ip4("198.51.100.200");
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &s), COUNTERS_DROP_BLACKHOLE);
}

static void d6_no_route_dropped(void **st)
{
	(void)st;
	/* ENI 5's subnet has only the local route */
	struct v4spec s = {
	    .src = ip4("10.0.2.60"), .dst = ip4("8.8.8.8"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(5, 0, MAC_HOST1, &s), COUNTERS_DROP_NO_ROUTE);
}

static void d6_igw_without_upstream_mac_dropped_no_uplink(void **st)
{
	(void)st;
	/* an engine whose uplink has neither a configured nor a learned upstream MAC */
	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_enis = 8;
	p.max_v4 = p.max_v6 = p.max_eips = 16;
	p.n_ports = 2;
	p.ports[0].role = FWD_PORT_UPLINK;
	memcpy(p.ports[0].mac, MAC_UPLINK, 6); /* the frames below are addressed to them */
	p.ports[0].has_upstream_ip = true;
	p.ports[0].upstream_ip = ip4("203.0.113.1");
	p.ports[1].role = FWD_PORT_HOST;
	memcpy(p.ports[1].mac, MAC_HOST1, 6);
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	struct delta d = {0};
	d_subnet(&d, 0, "10.0.1.0", 24, NULL);
	d_route(&d, 0, "0.0.0.0", 0, ROUTE_IGW, 0);
	d_eni(&d, 0, 0, 1, 0, ENI_FWD_OK, 1);
	d_v4(&d, "10.0.1.10", 0, "203.0.113.10");
	assert_int_equal(builder_apply(b, &d), 0);
	delta_free(&d);

	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("8.8.8.8"), .proto = 17, .payload = 4};
	struct rte_mbuf *m = from_eni(0, 0, MAC_HOST1, &s);
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	uint64_t before = C()->drop[COUNTERS_DROP_NO_UPLINK];
	pipeline_burst(W, builder_side(b), 1, &m, 1, &tx);
	assert_int_equal(tx.n[0] + tx.n[1], 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_NO_UPLINK], before + 1);
	/* the trace of the same packet names the reason */
	struct obs_record r;
	obs_one(W, builder_side(b), 1, from_eni(0, 0, MAC_HOST1, &s), &tx, &r);
	assert_int_equal(r.drop, COUNTERS_DROP_NO_UPLINK);
	assert_int_equal(r.n_out, 0);

	/* once learned from the upstream's ARP, the same packet goes out to it */
	uint16_t n = build_arp(buf, 1, MAC_UPSTREAM, ip4("203.0.113.1"), ip4("203.0.113.10"));
	m = frame(MAC_UPLINK, MAC_UPSTREAM, 0, 0x0806, buf, n);
	pipeline_burst(W, builder_side(b), 0, &m, 1, &tx);
	assert_int_equal(tx.n[0], 1); /* answered: 203.0.113.10 is an associated EIP */
	rte_pktmbuf_free(tx.pkts[0][0]);
	tx.n[0] = 0;
	m = from_eni(0, 0, MAC_HOST1, &s);
	pipeline_burst(W, builder_side(b), 1, &m, 1, &tx);
	assert_int_equal(tx.n[0], 1);
	expect_macs(tx.pkts[0][0], MAC_UPSTREAM, p.ports[0].mac);
	assert_int_equal(addr_at(l2(tx.pkts[0][0]) + 14 + 12), ip4("203.0.113.10"));
	rte_pktmbuf_free(tx.pkts[0][0]);
	builder_free(b);
}

static void d2_eni_behind_a_non_host_port_dropped_wrong_port(void **st)
{
	(void)st;
	/* a (mis)configured instance port: the uplink */
	struct delta d = {0};
	d_eni(&d, 0, 0, 0, 0, ENI_FWD_OK, 1);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 4};
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_WRONG_PORT);
}

static void d8_full_output_queue_dropped_tx_full(void **st)
{
	(void)st;
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	tx.n[HOST1] = PIPELINE_TX_MAX; /* a caller that did not drain */
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 4};
	struct rte_mbuf *m = from_internet(&s);
	unsigned avail = rte_mempool_avail_count(dp_pool);
	pipeline_burst(W, builder_side(B), UPLINK, &m, 1, &tx);
	assert_int_equal(tx.n[HOST1], PIPELINE_TX_MAX);
	assert_int_equal(C()->drop[COUNTERS_DROP_TX_FULL], 1);
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail + 1); /* freed */
	/* traced, the same packet on the same full queue names the reason */
	struct obs_record r;
	obs_one(W, builder_side(B), UPLINK, from_internet(&s), &tx, &r);
	assert_int_equal(r.drop, COUNTERS_DROP_TX_FULL);
	assert_int_equal(C()->drop[COUNTERS_DROP_TX_FULL], 2);
	assert_int_equal(rte_mempool_avail_count(dp_pool), avail + 1);
}

/* ---------------- D7: checksums, ICMP errors, fragments, TTL ---------------- */

static void d7_inbound_icmp_error_inner_header_translated(void **st)
{
	(void)st;
	/* ENI 0 (as 203.0.113.10) sent UDP to 198.18.0.9; a router answers time exceeded */
	uint8_t quote[256];
	struct v4spec q = {.src = ip4("203.0.113.10"),
			   .dst = ip4("198.18.0.9"),
			   .proto = 17,
			   .sport = 44444,
			   .dport = 33434,
			   .payload = 24,
			   .ttl = 1};
	uint16_t ql = build_ip4(quote, &q);
	struct v4spec s = {.src = ip4("198.18.0.1"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 1,
			   .icmp_type = 11,
			   .quote = quote,
			   .quote_len = ql};
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800), *in = ip + 20 + 8;

	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_int_equal(addr_at(in + 12), ip4("10.0.1.10")); /* quoted source */
	assert_int_equal(addr_at(in + 16), ip4("198.18.0.9"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_ip4_ok(in));
	assert_true(dp_l4_ok(in)); /* quoted UDP checksum, from scratch */
	assert_true(dp_icmp_ok(ip));
	rte_pktmbuf_free(r);
}

static void d7_outbound_icmp_error_inner_header_translated(void **st)
{
	(void)st;
	/* 198.18.0.9 sent TCP to 203.0.113.10 (DNAT to 10.0.1.10); ENI 0 answers port
	 * unreachable quoting what it received: inner destination 10.0.1.10 */
	uint8_t quote[256];
	struct v4spec q = {.src = ip4("198.18.0.9"),
			   .dst = ip4("10.0.1.10"),
			   .proto = 6,
			   .sport = 5555,
			   .dport = 81,
			   .payload = 0};
	uint16_t ql = build_ip4(quote, &q);
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("198.18.0.9"),
			   .proto = 1,
			   .icmp_type = 3,
			   .icmp_code = 3,
			   .quote = quote,
			   .quote_len = ql};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), UPLINK);
	uint8_t *ip = l3_of(r, 0, 0x0800), *in = ip + 20 + 8;

	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.10"));
	assert_int_equal(addr_at(in + 16), ip4("203.0.113.10")); /* quoted destination */
	assert_int_equal(addr_at(in + 12), ip4("198.18.0.9"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_ip4_ok(in));
	assert_true(dp_l4_ok(in));
	assert_true(dp_icmp_ok(ip));
	rte_pktmbuf_free(r);
}

static void d7_icmp_error_with_short_quote_translated(void **st)
{
	(void)st;
	/* the classic 8-byte quote: inner UDP header only */
	uint8_t quote[256];
	struct v4spec q = {.src = ip4("203.0.113.10"),
			   .dst = ip4("198.18.0.9"),
			   .proto = 17,
			   .sport = 1,
			   .dport = 2,
			   .payload = 30};
	build_ip4(quote, &q);
	struct v4spec s = {.src = ip4("198.18.0.1"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 1,
			   .icmp_type = 3,
			   .icmp_code = 4,
			   .quote = quote,
			   .quote_len = 28};
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800), *in = ip + 28;
	assert_int_equal(addr_at(in + 12), ip4("10.0.1.10"));
	assert_true(dp_ip4_ok(in));
	assert_true(dp_icmp_ok(ip));
	/* the quoted UDP checksum moved by the same difference as a full recompute */
	uint8_t full[256];
	q.src = ip4("10.0.1.10");
	build_ip4(full, &q);
	assert_true(get16(in + 26) == get16(full + 26) ||
		    (get16(in + 26) ^ get16(full + 26)) == 0xffff);
	rte_pktmbuf_free(r);
}

static void d7_fragments_translated_only_first_updates_l4(void **st)
{
	(void)st;
	/* a 64-byte UDP datagram to the EIP, in two fragments: 8+24 bytes, then 40 */
	uint8_t whole[256], f1[256], f2[256];
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 17,
			   .sport = 7,
			   .dport = 9,
			   .payload = 64};
	uint16_t wl = build_ip4(whole, &s);
	(void)wl;
	/* first: header + 32 bytes of UDP (header + 24 data), MF */
	memcpy(f1, whole, 20 + 32);
	put16(f1 + 2, 52);
	put16(f1 + 6, 0x2000);
	put16(f1 + 10, 0);
	put16(f1 + 10, dp_csum(f1, 20, 0));
	/* second: offset 32 bytes (4 units), the rest (40 bytes) */
	memcpy(f2, whole, 20);
	memcpy(f2 + 20, whole + 20 + 32, 40);
	put16(f2 + 2, 60);
	put16(f2 + 6, 4);
	put16(f2 + 10, 0);
	put16(f2 + 10, dp_csum(f2, 20, 0));

	struct rte_mbuf *r =
	    expect_out(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, f1, 52), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_true(dp_ip4_ok(ip));
	/* the UDP checksum is the one of the whole datagram sent to 10.0.1.10 */
	uint8_t expect[256];
	s.dst = ip4("10.0.1.10");
	build_ip4(expect, &s);
	assert_true(get16(ip + 26) == get16(expect + 26) ||
		    (get16(ip + 26) ^ get16(expect + 26)) == 0xffff);
	rte_pktmbuf_free(r);

	r = expect_out(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, f2, 60), HOST1);
	ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_true(dp_ip4_ok(ip));
	assert_memory_equal(ip + 20, whole + 20 + 32, 40); /* payload untouched */
	rte_pktmbuf_free(r);
}

/* A sent frame whole, linear in out (the caller's buffer): its IPv4 packet checked. */
static const uint8_t *whole_ip4_delivered(struct rte_mbuf *r, uint16_t vlan, uint16_t frame_len,
					  uint8_t *out, const char *to)
{
	const uint8_t *f = rte_pktmbuf_read(r, 0, frame_len, out);
	const uint8_t *ip = f + (vlan ? 18 : 14);

	assert_non_null(f);
	assert_int_equal(rte_pktmbuf_pkt_len(r), frame_len);
	assert_int_equal(get16(f + 12), vlan ? 0x8100 : 0x0800);
	assert_int_equal(addr_at(ip + 16), ip4(to));
	assert_int_equal(ip[8], 63);
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip)); /* the UDP checksum, over the whole datagram */
	return ip;
}

/*
 * A datagram bigger than the MTU, as net_af_packet hands it over once the
 * kernel has reassembled it: one 3000-byte IPv4 packet, in one mbuf of a
 * pool with a big enough data room, or over two chained mbufs (a
 * multi-segment PMD): translated whole, the L4 checksum updated for all of
 * it, the payload untouched.
 */
static void d7_datagram_bigger_than_mtu_translated_whole(void **st)
{
	(void)st;
	static uint8_t f[3200], out[3200];
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 17,
			   .sport = 53,
			   .dport = 4000,
			   .payload = 2972};
	uint16_t n = build_ip4(f + 14, &s), len = (uint16_t)(14 + n);
	struct rte_mempool *big =
	    rte_pktmbuf_pool_create("dp_big", 7, 0, 0, RTE_PKTMBUF_HEADROOM + 4096, 0);
	assert_non_null(big);
	assert_int_equal(n, 3000);
	memcpy(f, MAC_UPLINK, 6);
	memcpy(f + 6, MAC_INTERNET, 6);
	put16(f + 12, 0x0800);

	/* one mbuf */
	struct rte_mbuf *m = rte_pktmbuf_alloc(big);
	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), f, len);
	struct rte_mbuf *r = expect_out(UPLINK, m, HOST1);
	const uint8_t *ip = whole_ip4_delivered(r, 0, len, out, "10.0.1.10");
	assert_memory_equal(ip + 28, f + 14 + 28, 2972);
	rte_pktmbuf_free(r);

	/* two segments, the second starting inside the payload; to a tagged ENI */
	s.dst = ip4("203.0.113.20");
	build_ip4(f + 14, &s);
	m = raw_mbuf(f, 1514);
	assert_int_equal(rte_pktmbuf_chain(m, raw_mbuf(f + 1514, (uint16_t)(len - 1514))), 0);
	r = expect_out(UPLINK, m, HOST2);
	ip = whole_ip4_delivered(r, 100, (uint16_t)(len + 4), out, "10.0.1.20");
	assert_memory_equal(ip + 28, f + 14 + 28, 2972);
	rte_pktmbuf_free(r);
	rte_mempool_free(big);
}

static void d7_outbound_fragment_snat(void **st)
{
	(void)st;
	uint8_t f[256];
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("8.8.8.8"), .proto = 17, .payload = 40};
	build_ip4(f, &s);
	put16(f + 6, 10); /* a later fragment: its bytes are not a UDP header */
	put16(f + 10, 0);
	put16(f + 10, dp_csum(f, 20, 0));
	uint8_t before[48];
	memcpy(before, f + 20, 48);
	struct rte_mbuf *r =
	    expect_out(HOST1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, f, 68), UPLINK);
	uint8_t *ip = l3_of(r, 0, 0x0800);
	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.10"));
	assert_true(dp_ip4_ok(ip));
	assert_memory_equal(ip + 20, before, 48);
	rte_pktmbuf_free(r);
}

static void d7_ttl_expired_dropped(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("198.18.0.5"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 17,
			   .payload = 4,
			   .ttl = 1};
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_TTL);
	struct v4spec o = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.20"), .proto = 17, .payload = 4, .ttl = 1};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &o), COUNTERS_DROP_TTL);
	expect_drop(UPLINK,
		    v6_from(MAC_UPLINK, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::20", 1),
		    COUNTERS_DROP_TTL);
	/* TTL 2 still passes, leaving with 1 */
	s.ttl = 2;
	struct rte_mbuf *r = expect_out(UPLINK, from_internet(&s), HOST1);
	assert_int_equal(l3_of(r, 0, 0x0800)[8], 1);
	assert_true(dp_ip4_ok(l3_of(r, 0, 0x0800)));
	rte_pktmbuf_free(r);
}

/* ---------------- D8: counters ---------------- */

static void d8_drops_counted_by_reason_and_port_deliveries_by_eni(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 10};
	int out;
	struct rte_mbuf *r = run(UPLINK, from_internet(&s), &out);
	assert_non_null(r);
	uint32_t len = rte_pktmbuf_pkt_len(r);
	rte_pktmbuf_free(r);
	s.dst = ip4("203.0.113.99");
	assert_null(run(UPLINK, from_internet(&s), &out));
	assert_null(run(UPLINK, from_internet(&s), &out));

	const struct counters *c = C();
	assert_int_equal(c->port[UPLINK].rx, 3);
	assert_int_equal(c->port[UPLINK].drop, 2);
	assert_int_equal(c->port[HOST1].tx, 1);
	assert_int_equal(c->drop[COUNTERS_DROP_UNKNOWN_DESTINATION], 2);
	assert_int_equal(c->eni[0].packets, 1);
	assert_int_equal(c->eni[0].bytes, len);
	assert_int_equal(counters_drops_total(c), 2);

	/* summed over workers: a second worker's counters add up */
	struct pipeline_worker *w2 = pipeline_worker_create(1, builder_max_enis(B));
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	struct rte_mbuf *m = from_internet(&s);
	pipeline_burst(w2, builder_side(B), UPLINK, &m, 1, &tx);
	const struct counters *per[2] = {C(), pipeline_worker_counters(w2)};
	struct counters *sum = counters_create(builder_max_enis(B));
	counters_sum(per, 2, sum);
	assert_int_equal(sum->drop[COUNTERS_DROP_UNKNOWN_DESTINATION], 3);
	assert_int_equal(sum->port[UPLINK].rx, 4);
	assert_int_equal(sum->eni[0].packets, 1);
	counters_free(sum);
	pipeline_worker_free(w2);

	/* every reason has a distinct name */
	for (unsigned i = 0; i < COUNTERS_DROP_MAX; i++) {
		assert_non_null(counters_drop_name(i));
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(counters_drop_name(i), counters_drop_name(j));
	}
	assert_null(counters_drop_name(COUNTERS_DROP_MAX));
	assert_string_equal(counters_drop_name(COUNTERS_DROP_SPOOFED_SOURCE), "spoofed-source");
}

static void d8_burst_of_mixed_packets_each_goes_its_way(void **st)
{
	(void)st;
	/* one burst, packets to three ENIs and two drops: stages keep them apart */
	struct rte_mbuf *pkts[6];
	const char *dst[6] = {"203.0.113.10", "203.0.113.20", "203.0.113.99",
			      "203.0.113.10", "203.0.113.30", "203.0.113.20"};
	for (int i = 0; i < 6; i++) {
		struct v4spec s = {.src = ip4("198.18.0.5"),
				   .dst = ip4(dst[i]),
				   .proto = 17,
				   .sport = (uint16_t)i,
				   .payload = 4};
		pkts[i] = from_internet(&s);
	}
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	pipeline_burst(W, builder_side(B), UPLINK, pkts, 6, &tx);
	assert_int_equal(tx.n[HOST1], 2);
	assert_int_equal(tx.n[HOST2], 2);
	assert_int_equal(C()->drop[COUNTERS_DROP_UNKNOWN_DESTINATION], 1);
	assert_int_equal(C()->drop[COUNTERS_DROP_INSTANCE_STOPPED], 1);
	for (int i = 0; i < 2; i++) {
		uint8_t *ip = l3_of(tx.pkts[HOST1][i], 0, 0x0800);
		assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
		assert_int_equal(get16(ip + 20), i == 0 ? 0 : 3); /* order kept */
		ip = l3_of(tx.pkts[HOST2][i], 100, 0x0800);
		assert_int_equal(addr_at(ip + 16), ip4("10.0.1.20"));
	}
	rte_pktmbuf_free_bulk(tx.pkts[HOST1], 2);
	rte_pktmbuf_free_bulk(tx.pkts[HOST2], 2);
}

/* Ports are promiscuous: a unicast frame for another MAC is not the router's. */
static void d8_unicast_to_another_mac_dropped_not_for_us(void **st)
{
	(void)st;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 0x01};
	struct v4spec in = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.10"), .proto = 17, .payload = 4};
	struct v4spec out = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.20"), .proto = 17, .payload = 4};
	uint16_t n;

	/* uplink: IPv4 (the inline parse path), tagged (the general one), IPv6, ARP */
	n = build_ip4(buf, &in);
	expect_drop(UPLINK, frame(MAC_STRANGER, MAC_INTERNET, 0, 0x0800, buf, n),
		    COUNTERS_DROP_NOT_FOR_US);
	expect_drop(UPLINK, frame(MAC_HOST1, MAC_INTERNET, 0, 0x0800, buf, n),
		    COUNTERS_DROP_NOT_FOR_US); /* another port's MAC is not this one's */
	expect_drop(UPLINK, frame(MAC_STRANGER, MAC_INTERNET, 7, 0x0800, buf, n),
		    COUNTERS_DROP_NOT_FOR_US);
	expect_drop(
	    UPLINK,
	    v6_from(MAC_STRANGER, MAC_INTERNET, 0, "2001:db8:ffff::5", "2001:db8:0:1::20", 64),
	    COUNTERS_DROP_NOT_FOR_US);
	n = build_arp(buf, 1, MAC_UPSTREAM, ip4("203.0.113.1"), ip4("203.0.113.20"));
	expect_drop(UPLINK, frame(MAC_STRANGER, MAC_UPSTREAM, 0, 0x0806, buf, n),
		    COUNTERS_DROP_NOT_FOR_US);
	/* ... not even looked at: nothing else was counted (a not-ip frame too) */
	uint8_t junk[46] = {0};
	expect_drop(UPLINK, frame(MAC_STRANGER, MAC_INTERNET, 0, 0x88cc, junk, sizeof(junk)),
		    COUNTERS_DROP_NOT_FOR_US);
	assert_int_equal(C()->drop[COUNTERS_DROP_NOT_FOR_US], 6);
	assert_int_equal(C()->port[UPLINK].drop, 6);
	assert_int_equal(counters_drops_total(C()), 6);

	/* broadcast and multicast MACs are taken as before: the ARP broadcast is
	 * answered, an IPv4 packet in a group-addressed frame is delivered */
	struct rte_mbuf *r =
	    expect_out(UPLINK, frame(bcast, MAC_UPSTREAM, 0, 0x0806, buf, n), UPLINK);
	rte_pktmbuf_free(r);
	n = build_ip4(buf, &in);
	r = expect_out(UPLINK, frame(mcast, MAC_INTERNET, 0, 0x0800, buf, n), HOST1);
	rte_pktmbuf_free(r);
	r = expect_out(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n), HOST1);
	rte_pktmbuf_free(r);

	/* host ports alike: machines send to the port's MAC, the router's */
	expect_drop(HOST1, from_eni(0, 0, MAC_STRANGER, &out), COUNTERS_DROP_NOT_FOR_US);
	expect_drop(HOST1, from_eni(0, 0, MAC_ENI[1], &out), COUNTERS_DROP_NOT_FOR_US);
	expect_drop(HOST2, from_eni(1, 100, MAC_HOST1, &out), COUNTERS_DROP_NOT_FOR_US);
	r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &out), HOST2);
	rte_pktmbuf_free(r);
	assert_int_equal(C()->drop[COUNTERS_DROP_NOT_FOR_US], 9);
}

/* ---------------- D10: stopped instance, detached ENI ---------------- */

static void d10_stopped_instance_receives_nothing(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.30"), .proto = 17, .payload = 4};
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_INSTANCE_STOPPED);
	struct v4spec l = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.2.30"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &l), COUNTERS_DROP_INSTANCE_STOPPED);
	assert_int_equal(C()->eni[2].packets, 0);
}

static void d10_detached_eni_receives_nothing(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("198.18.0.5"), .dst = ip4("203.0.113.50"), .proto = 17, .payload = 4};
	expect_drop(UPLINK, from_internet(&s), COUNTERS_DROP_ENI_DETACHED);
	struct v4spec l = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.50"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(0, 0, MAC_HOST1, &l), COUNTERS_DROP_ENI_DETACHED);
	/* and it cannot send: its MAC is not in the table */
	struct v4spec o = {
	    .src = ip4("10.0.1.50"), .dst = ip4("10.0.1.10"), .proto = 17, .payload = 4};
	expect_drop(HOST1, from_eni(4, 0, MAC_HOST1, &o), COUNTERS_DROP_UNKNOWN_SOURCE);
}

/* ---------------- D11: hairpin ---------------- */

static void d11_hairpin_translated_both_ways(void **st)
{
	(void)st;
	struct v4spec s = {.src = ip4("10.0.1.10"),
			   .dst = ip4("203.0.113.20"),
			   .proto = 17,
			   .sport = 1234,
			   .dport = 80,
			   .payload = 20};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), HOST2);
	uint8_t *ip = l3_of(r, 100, 0x0800);

	expect_macs(r, MAC_ENI[1], MAC_HOST2);
	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.10"));
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.20"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d11_hairpin_without_own_eip_keeps_private_source(void **st)
{
	(void)st;
	struct v4spec s = {
	    .src = ip4("10.0.1.11"), .dst = ip4("203.0.113.20"), .proto = 6, .payload = 3};
	struct rte_mbuf *r = expect_out(HOST1, from_eni(0, 0, MAC_HOST1, &s), HOST2);
	uint8_t *ip = l3_of(r, 100, 0x0800);
	assert_int_equal(addr_at(ip + 12), ip4("10.0.1.11"));
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.20"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d11_hairpin_icmp_error_translated_both_ways(void **st)
{
	(void)st;
	/* ENI 1 got UDP from 203.0.113.10 (ENI 0's EIP, hairpinned) and answers port
	 * unreachable to 203.0.113.10: outer src 10.0.1.20 -> 203.0.113.20, outer dst
	 * 203.0.113.10 -> 10.0.1.10; quoted src 203.0.113.10 -> 10.0.1.10, quoted dst
	 * 10.0.1.20 -> 203.0.113.20 */
	uint8_t quote[256];
	struct v4spec q = {.src = ip4("203.0.113.10"),
			   .dst = ip4("10.0.1.20"),
			   .proto = 17,
			   .sport = 9,
			   .dport = 10,
			   .payload = 12};
	uint16_t ql = build_ip4(quote, &q);
	struct v4spec s = {.src = ip4("10.0.1.20"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 1,
			   .icmp_type = 3,
			   .icmp_code = 3,
			   .quote = quote,
			   .quote_len = ql};
	struct rte_mbuf *r = expect_out(HOST2, from_eni(1, 100, MAC_HOST2, &s), HOST1);
	uint8_t *ip = l3_of(r, 0, 0x0800), *in = ip + 28;
	assert_int_equal(addr_at(ip + 12), ip4("203.0.113.20"));
	assert_int_equal(addr_at(ip + 16), ip4("10.0.1.10"));
	assert_int_equal(addr_at(in + 12), ip4("10.0.1.10"));
	assert_int_equal(addr_at(in + 16), ip4("203.0.113.20"));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_ip4_ok(in));
	assert_true(dp_l4_ok(in));
	assert_true(dp_icmp_ok(ip));
	rte_pktmbuf_free(r);
}

/* ---------------- non-IP ---------------- */

static void not_ip_frames_dropped(void **st)
{
	(void)st;
	uint8_t junk[46] = {0};
	expect_drop(HOST1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x88cc, junk, 46), COUNTERS_DROP_NOT_IP);
	expect_drop(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x8863, junk, 46),
		    COUNTERS_DROP_NOT_IP);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(d1_arp_from_machine_for_gateway_answered_with_port_mac),
	    T(d1_arp_for_other_eni_and_free_address_of_subnet_answered),
	    T(d1_arp_with_vlan_answered_with_tag_kept),
	    T(d1_arp_for_own_address_not_answered),
	    T(d1_arp_outside_subnet_not_answered),
	    T(d1_arp_from_unknown_mac_dropped),
	    T(d1_arp_on_uplink_for_associated_eip_answered),
	    T(d1_arp_reply_not_answered),
	    T(d1_ns_from_machine_answered_with_port_mac),
	    T(d1_ns_for_router_link_local_answered),
	    T(d1_ns_for_own_or_outside_address_not_answered),
	    T(d1_ns_on_uplink_for_assigned_ipv6_answered),
	    T(d1_ns_with_bad_checksum_or_hop_limit_dropped),
	    T(d1_upstream_mac_learned_from_arp_on_uplink),
	    T(d2_inbound_udp_to_eip_translated_and_delivered),
	    T(d2_inbound_tcp_with_options_translated),
	    T(d2_inbound_udp_zero_checksum_left_zero),
	    T(d2_inbound_icmp_echo_translated),
	    T(d2_inbound_to_unassociated_address_dropped),
	    T(d2_inbound_from_tagged_uplink_frame_delivered_untagged),
	    T(d3_inbound_ipv6_delivered_untranslated),
	    T(d3_ipv6_burst_after_ipv4_bursts_untranslated),
	    T(d3_inbound_ipv6_unassigned_or_multicast_dropped),
	    T(d16_dhcp_to_the_router_punted),
	    T(d16_router_solicitation_and_dhcp6_punted),
	    T(d16_punt_over_rate_or_ring_full_is_punt_overflow),
	    T(d16_metadata_punted_other_link_local_dropped_as_multicast),
	    T(d16_metadata_over_ipv6_punted),
	    T(d4_spoofed_ipv4_source_dropped),
	    T(d4_spoofed_ipv6_source_dropped),
	    T(d4_unknown_source_mac_port_or_vlan_dropped),
	    T(d4_source_dest_check_off_forwards_foreign_source),
	    T(d5_local_ipv4_delivered_untranslated),
	    T(d5_local_from_vlan_to_untagged_strips_tag),
	    T(d5_local_ipv6_delivered),
	    T(d5_local_unowned_destination_dropped),
	    T(d6_igw_snat_to_eip_out_of_uplink),
	    T(d6_igw_without_eip_dropped),
	    T(d6_igw_ipv6_out_unchanged),
	    T(d6_route_to_eni_delivers_unchanged_to_appliance),
	    T(d6_blackhole_and_longest_prefix),
	    T(d6_no_route_dropped),
	    T(d6_igw_without_upstream_mac_dropped_no_uplink),
	    T(d2_eni_behind_a_non_host_port_dropped_wrong_port),
	    T(d8_full_output_queue_dropped_tx_full),
	    T(d7_inbound_icmp_error_inner_header_translated),
	    T(d7_outbound_icmp_error_inner_header_translated),
	    T(d7_icmp_error_with_short_quote_translated),
	    T(d7_fragments_translated_only_first_updates_l4),
	    T(d7_datagram_bigger_than_mtu_translated_whole),
	    T(d7_outbound_fragment_snat),
	    T(d7_ttl_expired_dropped),
	    T(d8_drops_counted_by_reason_and_port_deliveries_by_eni),
	    T(d8_burst_of_mixed_packets_each_goes_its_way),
	    T(d8_unicast_to_another_mac_dropped_not_for_us),
	    T(d10_stopped_instance_receives_nothing),
	    T(d10_detached_eni_receives_nothing),
	    T(d11_hairpin_translated_both_ways),
	    T(d11_hairpin_without_own_eip_keeps_private_source),
	    T(d11_hairpin_icmp_error_translated_both_ways),
	    T(not_ip_frames_dropped),
	};
	return DP_RUN("pipeline", tests, argc, argv);
}
