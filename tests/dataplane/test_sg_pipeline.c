/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sg_pipeline.c - D12 in the pipeline: security groups enforced on
 * packets, through the real model, the real compiler (sg_compile), the real
 * builder (the rules published with the tables, builder_apply_sg), the
 * shared flow table (conntrack) and the real pipeline.
 *
 * Ports: 0 uplink, 1 host (instance i-a). One VPC 10.0.0.0/16 (+ an IPv6
 * /56), subnet 10.0.1.0/24 (2600:1f18:0:1::/64), routes local + igw.
 *   eni-web (MAC 0) 10.0.1.10 + secondary 10.0.1.11, 2600:1f18:0:1::10, EIP 203.0.113.10;
 *                   group sg-web: in tcp 80 from 0.0.0.0/0, udp 5000 from ::/0
 *   eni-db  (MAC 1) 10.0.1.20: group sg-db: in tcp 5432 from sg-web (a group peer)
 *   eni-cli (MAC 2) 10.0.1.30: group sg-cli: egress only tcp 443 to 0.0.0.0/0
 *                   (bare: EC2's default egress rule not there)
 *   eni-other (MAC 3) 10.0.1.40: the VPC's default group (in: from its members; out: all)
 * Every group but sg-cli has EC2's default egress, all to 0.0.0.0/0.
 */
#include "fixture.h"
#include "conntrack.h"
#include "model.h"
#include "sg_compile.h"

#define UPLINK 0
#define HOST1 1

enum { WEB, DB, CLI, OTHER }; /* index into MAC_ENI */

static struct model *M;
static struct model_err E;
static struct sg_compiled *SG;
static struct ct *CT;
static uint8_t buf[2048];

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s failed: %s: %s", #call, E.code, E.message);                   \
	} while (0)

/* Compile the model's groups and publish them with d (may be empty), as engine_apply does. */
static void publish(struct delta *d)
{
	struct sg_compiled *c = NULL;

	assert_int_equal(sg_compile(M, &c), 0);
	assert_int_equal(builder_apply_sg(B, d, &c->t), 0);
	sg_compiled_free(SG); /* no reader can hold it any more */
	SG = c;
	delta_reset(d);
}

static void perm(const char *gid, bool egress, const char *proto, const char *from, const char *to,
		 const char *cidr4, const char *cidr6, const char *group)
{
	struct model_sg_perm p = {.protocol = proto,
				  .from_port = from,
				  .to_port = to,
				  .cidr4 = cidr4,
				  .cidr6 = cidr6,
				  .group_id = group};

	OK(model_authorize_sg(M, gid, egress, &p, 1, NULL, &E));
}

static void unperm(const char *gid, bool egress, const char *proto, const char *from,
		   const char *to, const char *cidr4)
{
	struct model_sg_perm p = {
	    .protocol = proto, .from_port = from, .to_port = to, .cidr4 = cidr4};

	OK(model_revoke_sg(M, gid, egress, &p, 1, &E));
}

static void group(const char *id, const char *name, bool bare)
{
	struct model_sg_req r = {.id = id, .vpc_id = "vpc-a", .name = name, .bare = bare};

	OK(model_create_security_group(M, &r, NULL, &E));
}

static void eni(const char *id, const char *ip, const char *ip6, unsigned mac, int dev,
		const char *gid, struct delta *d)
{
	char m[18];
	const char *groups[] = {gid};
	const char *v6[] = {ip6};
	struct model_eni_req r = {.id = id,
				  .subnet_id = "subnet-a",
				  .mac = m,
				  .primary_ip = ip,
				  .source_dest_check = true,
				  .groups = gid ? groups : NULL,
				  .n_groups = gid ? 1 : 0,
				  .ipv6 = ip6 ? v6 : NULL,
				  .n_ipv6 = ip6 ? 1 : 0};
	struct model_attach_req a = {.eni_id = id, .instance_id = "i-a", .device_index = dev};
	const uint8_t *b = MAC_ENI[mac];

	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	OK(model_create_eni(M, &r, NULL, d, &E));
	OK(model_attach_eni(M, &a, NULL, d, &E));
}

static int sg_setup(void **state)
{
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18::/56"};
	struct model_vpc_req v = {.id = "vpc-a",
				  .cidr4 = c4,
				  .n_cidr4 = 1,
				  .cidr6 = c6,
				  .n_cidr6 = 1,
				  .main_route_table_id = "rtb-a",
				  .default_group_id = "sg-default"};
	struct model_subnet_req s = {.id = "subnet-a",
				     .vpc_id = "vpc-a",
				     .az = "az-a",
				     .cidr4 = "10.0.1.0/24",
				     .cidr6 = "2600:1f18:0:1::/64"};
	struct model_instance_req in = {.id = "i-a",
					.type = "m5.xlarge",
					.az = "az-a",
					.state = MODEL_RUNNING,
					.host_port = HOST1};
	struct ct_config cc;
	char alloc[MODEL_ID_MAX];
	struct model_associate_req ar = {
	    .allocation_id = alloc, .eni_id = "eni-web", .allow_reassociation = true};
	const char *sec[] = {"10.0.1.11"};
	struct model_assign_req as = {.eni_id = "eni-web", .addrs = sec, .n_addrs = 1};
	struct delta d = {0};

	(void)state;
	M = model_create();
	assert_non_null(M);
	B = fixture_builder(1);
	assert_non_null(B);
	W = pipeline_worker_create(0, builder_max_enis(B));
	assert_non_null(W);
	ct_config_default(&cc);
	cc.max_flows = 64; /* small: the full-table test fills it */
	CT = ct_create("test_sg_flows", &cc);
	assert_non_null(CT);
	builder_set_ct(B, CT);
	OK(model_add_public_pool(M, "203.0.113.0/24", &E));
	OK(model_create_vpc(M, &v, NULL, &d, &E));
	OK(model_create_subnet(M, &s, NULL, &d, &E));
	OK(model_create_route(M, "rtb-a", "0.0.0.0/0", "igw", &d, &E));
	OK(model_create_route(M, "rtb-a", "::/0", "igw", &d, &E));
	OK(model_create_instance(M, &in, NULL, &E));
	group("sg-web", "web", false);
	group("sg-db", "db", false);
	group("sg-cli", "cli", true);
	perm("sg-web", false, "tcp", "80", "80", "0.0.0.0/0", NULL, NULL);
	perm("sg-web", false, "udp", "5000", "5000", NULL, "::/0", NULL);
	perm("sg-db", false, "tcp", "5432", "5432", NULL, NULL, "sg-web");
	perm("sg-cli", true, "tcp", "443", "443", "0.0.0.0/0", NULL, NULL);
	eni("eni-web", "10.0.1.10", "2600:1f18:0:1::10", WEB, 0, "sg-web", &d);
	eni("eni-db", "10.0.1.20", NULL, DB, 1, "sg-db", &d);
	eni("eni-cli", "10.0.1.30", NULL, CLI, 2, "sg-cli", &d);
	eni("eni-other", "10.0.1.40", NULL, OTHER, 3, NULL, &d);
	OK(model_assign_private_ips(M, &as, NULL, &d, &E));
	OK(model_allocate_address(M, NULL, "203.0.113.10", alloc, NULL, &E));
	OK(model_associate_address(M, &ar, NULL, &d, &E));
	delta_free(&d);
	assert_int_equal(model_full_delta(M, &d), 0);
	publish(&d);
	delta_free(&d);
	return 0;
}

static int sg_teardown(void **state)
{
	fixture_teardown(state);
	sg_compiled_free(SG);
	SG = NULL;
	ct_free(CT);
	CT = NULL;
	model_free(M);
	M = NULL;
	return 0;
}

/* TCP with these flags (the header's byte 13), its checksum right. */
static uint16_t tcp4(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		     uint8_t flags)
{
	struct v4spec s = {
	    .src = ip4(src), .dst = ip4(dst), .proto = 6, .sport = sport, .dport = dport};
	uint16_t n = build_ip4(buf, &s);
	uint8_t *l4 = buf + 20;

	l4[13] = flags;
	put16(l4 + 16, 0);
	put16(l4 + 16, dp_csum(l4, (size_t)n - 20, dp_phdr4(s.src, s.dst, 6, (uint16_t)(n - 20))));
	return n;
}

#define SYN 0x02
#define ACK 0x10
#define SYNACK 0x12
#define FIN_ACK 0x11

static struct rte_mbuf *inet_tcp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
				 uint8_t flags)
{
	uint16_t n = tcp4(src, sport, dst, dport, flags);

	return frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n);
}

static struct rte_mbuf *eni_tcp(unsigned mac, const char *src, uint16_t sport, const char *dst,
				uint16_t dport, uint8_t flags)
{
	uint16_t n = tcp4(src, sport, dst, dport, flags);

	return frame(MAC_HOST1, MAC_ENI[mac], 0, 0x0800, buf, n);
}

static struct rte_mbuf *eni_udp(unsigned mac, const char *src, uint16_t sport, const char *dst,
				uint16_t dport)
{
	struct v4spec s = {.src = ip4(src),
			   .dst = ip4(dst),
			   .proto = 17,
			   .sport = sport,
			   .dport = dport,
			   .payload = 8};
	uint16_t n = build_ip4(buf, &s);

	return frame(MAC_HOST1, MAC_ENI[mac], 0, 0x0800, buf, n);
}

static struct rte_mbuf *inet_ping(const char *src, const char *dst)
{
	struct v4spec s = {.src = ip4(src), .dst = ip4(dst), .proto = 1, .payload = 8};
	uint16_t n = build_ip4(buf, &s);

	return frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n);
}

static void pass(uint16_t in_port, struct rte_mbuf *m, int want)
{
	rte_pktmbuf_free(expect_out(in_port, m, want));
}

static uint64_t sg_in(unsigned slot_of_mac)
{
	struct model_eni_view v;
	static const char *ids[] = {"eni-web", "eni-db", "eni-cli", "eni-other"};

	assert_int_equal(model_get_eni(M, ids[slot_of_mac], &v), 0);
	return C()->sg_eni[v.slot].in;
}

static uint64_t sg_out(unsigned slot_of_mac)
{
	struct model_eni_view v;
	static const char *ids[] = {"eni-web", "eni-db", "eni-cli", "eni-other"};

	assert_int_equal(model_get_eni(M, ids[slot_of_mac], &v), 0);
	return C()->sg_eni[v.slot].out;
}

/* Inbound through the EIP: only the allowed port; counted against the ENI. */
static void d12_inbound_through_eip_only_on_the_allowed_port(void **st)
{
	uint64_t before = sg_in(WEB);

	(void)st;
	pass(UPLINK, inet_tcp("198.18.0.5", 40000, "203.0.113.10", 80, SYN), HOST1);
	expect_drop(UPLINK, inet_tcp("198.18.0.5", 40001, "203.0.113.10", 81, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	expect_drop(UPLINK, inet_ping("198.18.0.5", "203.0.113.10"), COUNTERS_DROP_SG_INBOUND);
	assert_int_equal(sg_in(WEB), before + 2);
	/* the ENI's answer on the allowed flow goes out with no outbound rule needed */
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 80, "198.18.0.5", 40000, SYNACK), UPLINK);
}

/* The return traffic of a flow the ENI started passes with no inbound rule; nothing else. */
static void d12_return_traffic_passes_without_inbound_rule(void **st)
{
	(void)st;
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 33000, "192.0.2.7", 443, SYN), UPLINK);
	pass(UPLINK, inet_tcp("192.0.2.7", 443, "203.0.113.10", 33000, SYNACK), HOST1);
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 33000, "192.0.2.7", 443, ACK), UPLINK);
	pass(UPLINK, inet_tcp("192.0.2.7", 443, "203.0.113.10", 33000, ACK), HOST1);
	/* the same peer to another port of the ENI: no flow, no rule */
	expect_drop(UPLINK, inet_tcp("192.0.2.7", 443, "203.0.113.10", 33001, SYNACK),
		    COUNTERS_DROP_SG_INBOUND);
	/* another peer port: another flow */
	expect_drop(UPLINK, inet_tcp("192.0.2.7", 444, "203.0.113.10", 33000, SYNACK),
		    COUNTERS_DROP_SG_INBOUND);
}

/* Outbound rules: sg-cli allows tcp 443 out only. */
static void d12_outbound_rules_and_sg_outbound(void **st)
{
	uint64_t before = sg_out(CLI);

	(void)st;
	/* eni-cli has no EIP: its internet traffic would be no-eip, so east-west */
	expect_drop(HOST1, eni_tcp(CLI, "10.0.1.30", 34000, "10.0.1.10", 80, SYN),
		    COUNTERS_DROP_SG_OUTBOUND);
	expect_drop(HOST1, eni_udp(CLI, "10.0.1.30", 34000, "10.0.1.10", 53),
		    COUNTERS_DROP_SG_OUTBOUND);
	assert_int_equal(sg_out(CLI), before + 2);
	/* 443 out is allowed; eni-web's inbound has no 443 though: sg-inbound, at eni-web */
	uint64_t web_in = sg_in(WEB);
	expect_drop(HOST1, eni_tcp(CLI, "10.0.1.30", 34001, "10.0.1.10", 443, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	assert_int_equal(sg_in(WEB), web_in + 1);
	assert_int_equal(sg_out(CLI), before + 2);
}

/* Every address of the ENI: primary, secondary, IPv6, reached through the EIP (above). */
static void d12_rules_apply_to_every_address_of_the_eni(void **st)
{
	uint8_t l3[256];
	uint16_t n;

	(void)st;
	/* east-west from eni-other (default group: all out) to the secondary and the primary */
	pass(HOST1, eni_tcp(OTHER, "10.0.1.40", 35000, "10.0.1.11", 80, SYN), HOST1);
	pass(HOST1, eni_tcp(OTHER, "10.0.1.40", 35001, "10.0.1.10", 80, SYN), HOST1);
	expect_drop(HOST1, eni_tcp(OTHER, "10.0.1.40", 35002, "10.0.1.11", 22, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	/* IPv6 from the internet: udp 5000 from ::/0 allowed (build_ip6: ports 4000 -> 5000) */
	n = build_ip6(l3, "2001:db8::5", "2600:1f18:0:1::10", 64, NULL, 0, 16);
	pass(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x86dd, l3, n), HOST1);
	/* the same to 2600:1f18:0:1::10 port 5001: refused */
	n = build_ip6(l3, "2001:db8::5", "2600:1f18:0:1::10", 64, NULL, 0, 16);
	put16(l3 + 42, 5001);
	expect_drop(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x86dd, l3, n),
		    COUNTERS_DROP_SG_INBOUND);
	/* the answer goes out through the tracked flow (egress all has no ::/0: tracked) */
	n = build_ip6(l3, "2600:1f18:0:1::10", "2001:db8::5", 64, NULL, 0, 16);
	put16(l3 + 40, 5000);
	put16(l3 + 42, 4000);
	pass(HOST1, frame(MAC_HOST1, MAC_ENI[WEB], 0, 0x86dd, l3, n), UPLINK);
	/* a new IPv6 flow out: EC2's default egress is IPv4 only */
	n = build_ip6(l3, "2600:1f18:0:1::10", "2001:db8::5", 64, NULL, 0, 16);
	put16(l3 + 40, 6000);
	expect_drop(HOST1, frame(MAC_HOST1, MAC_ENI[WEB], 0, 0x86dd, l3, n),
		    COUNTERS_DROP_SG_OUTBOUND);
}

/* A rule naming a group follows its membership; addresses need no recompilation. */
static void d12_group_rule_follows_membership(void **st)
{
	const char *web[] = {"sg-web"}, *def[] = {"sg-default"};
	struct delta d = {0};

	(void)st;
	/* eni-web is in sg-web: reaches eni-db:5432 */
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 36000, "10.0.1.20", 5432, SYN), HOST1);
	/* and from its secondary address (a member's every private address) */
	pass(HOST1, eni_tcp(WEB, "10.0.1.11", 36001, "10.0.1.20", 5432, SYN), HOST1);
	/* eni-other is not a member */
	expect_drop(HOST1, eni_tcp(OTHER, "10.0.1.40", 36002, "10.0.1.20", 5432, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	/* nor is the internet, even to the right port (no EIP on eni-db anyway: east-west only) */
	/* eni-other joins sg-web: now it is */
	OK(model_set_eni_groups(M, "eni-other", web, 1, &d, &E));
	publish(&d);
	pass(HOST1, eni_tcp(OTHER, "10.0.1.40", 36003, "10.0.1.20", 5432, SYN), HOST1);
	/* a new address of a member: matches at once, with nothing recompiled */
	const char *x[] = {"10.0.1.41"};
	struct model_assign_req ra = {.eni_id = "eni-other", .addrs = x, .n_addrs = 1};
	uint64_t v = model_sg_version(M);
	OK(model_assign_private_ips(M, &ra, NULL, &d, &E));
	assert_int_equal(model_sg_version(M), v);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_reset(&d);
	pass(HOST1, eni_tcp(OTHER, "10.0.1.41", 36004, "10.0.1.20", 5432, SYN), HOST1);
	/* it leaves the group: new connections refused */
	OK(model_set_eni_groups(M, "eni-other", def, 1, &d, &E));
	assert_int_not_equal(model_sg_version(M), v);
	publish(&d);
	expect_drop(HOST1, eni_tcp(OTHER, "10.0.1.40", 36005, "10.0.1.20", 5432, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	delta_free(&d);
}

/* Revoke: new flows refused at once, an established one goes on until it closes. */
static void d12_revoke_stops_new_flows_keeps_established(void **st)
{
	struct delta d = {0};

	(void)st;
	pass(UPLINK, inet_tcp("198.18.0.9", 41000, "203.0.113.10", 80, SYN), HOST1);
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 80, "198.18.0.9", 41000, SYNACK), UPLINK);
	pass(UPLINK, inet_tcp("198.18.0.9", 41000, "203.0.113.10", 80, ACK), HOST1);
	unperm("sg-web", false, "tcp", "80", "80", "0.0.0.0/0");
	publish(&d);
	expect_drop(UPLINK, inet_tcp("198.18.0.9", 41001, "203.0.113.10", 80, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	pass(UPLINK, inet_tcp("198.18.0.9", 41000, "203.0.113.10", 80, ACK), HOST1);
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 80, "198.18.0.9", 41000, ACK), UPLINK);
	/* close from both sides: the flow is closing; a new SYN on the same ports is a
	 * new connection, which the rules now refuse */
	pass(UPLINK, inet_tcp("198.18.0.9", 41000, "203.0.113.10", 80, FIN_ACK), HOST1);
	pass(HOST1, eni_tcp(WEB, "10.0.1.10", 80, "198.18.0.9", 41000, FIN_ACK), UPLINK);
	expect_drop(UPLINK, inet_tcp("198.18.0.9", 41000, "203.0.113.10", 80, SYN),
		    COUNTERS_DROP_SG_INBOUND);
	/* authorized again: the next packet sees it */
	perm("sg-web", false, "tcp", "80", "80", "0.0.0.0/0", NULL, NULL);
	publish(&d);
	pass(UPLINK, inet_tcp("198.18.0.9", 41002, "203.0.113.10", 80, SYN), HOST1);
	delta_free(&d);
}

/* An ICMP error about a tracked flow passes with it; about nothing, it is a new packet. */
static void d12_icmp_error_of_a_tracked_flow_passes(void **st)
{
	uint8_t quote[28];
	struct v4spec q = {.src = ip4("203.0.113.10"),
			   .dst = ip4("192.0.2.53"),
			   .proto = 17,
			   .sport = 37000,
			   .dport = 53};
	struct v4spec e = {.src = ip4("192.0.2.53"),
			   .dst = ip4("203.0.113.10"),
			   .proto = 1,
			   .icmp_type = 3,
			   .icmp_code = 3,
			   .quote = quote,
			   .quote_len = sizeof(quote)};
	uint8_t l3[128];
	uint16_t n;

	(void)st;
	/* eni-web sends UDP to 192.0.2.53:53 (all out), as it leaves: from the EIP */
	pass(HOST1, eni_udp(WEB, "10.0.1.10", 37000, "192.0.2.53", 53), UPLINK);
	build_ip4(l3, &q);
	memcpy(quote, l3, sizeof(quote));
	n = build_ip4(l3, &e);
	pass(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, l3, n), HOST1);
	/* the same error about a port eni-web never used: no flow, and no ICMP rule */
	q.sport = 37001;
	build_ip4(l3, &q);
	memcpy(quote, l3, sizeof(quote));
	n = build_ip4(l3, &e);
	expect_drop(UPLINK, frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, l3, n),
		    COUNTERS_DROP_SG_INBOUND);
}

/* A full flow table refuses new flows (counted), never stalls; known flows go on. */
static void d12_full_flow_table_refuses_new_flows(void **st)
{
	struct ct_stats cs;
	uint64_t full = C()->drop[COUNTERS_DROP_SG_FLOW_TABLE_FULL];
	unsigned passed = 0, refused = 0;

	(void)st;
	/* 64 flows at most (setup): more new ones than that */
	for (uint16_t p = 0; p < 100; p++) {
		int out;
		struct rte_mbuf *r = run(
		    UPLINK, inet_tcp("198.18.1.1", (uint16_t)(50000 + p), "203.0.113.10", 80, SYN),
		    &out);

		if (r != NULL) {
			passed++;
			rte_pktmbuf_free(r);
		} else {
			refused++;
		}
	}
	ct_get_stats(CT, &cs);
	assert_true(refused > 0);
	assert_true(cs.full > 0);
	assert_int_equal(C()->drop[COUNTERS_DROP_SG_FLOW_TABLE_FULL], full + refused);
	assert_true(passed + refused == 100);
	/* the trace of one more new flow names the reason */
	struct rte_mbuf *m = inet_tcp("198.18.1.1", 50100, "203.0.113.10", 80, SYN);
	expect_traced_drop(UPLINK, m, COUNTERS_DROP_SG_FLOW_TABLE_FULL);
	rte_pktmbuf_free(m);
	/* a flow that made it in still passes */
	pass(UPLINK, inet_tcp("198.18.1.1", 50000, "203.0.113.10", 80, ACK), HOST1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sg_setup, sg_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(d12_inbound_through_eip_only_on_the_allowed_port),
	    T(d12_return_traffic_passes_without_inbound_rule),
	    T(d12_outbound_rules_and_sg_outbound),
	    T(d12_rules_apply_to_every_address_of_the_eni),
	    T(d12_group_rule_follows_membership),
	    T(d12_revoke_stops_new_flows_keeps_established),
	    T(d12_icmp_error_of_a_tracked_flow_passes),
	    T(d12_full_flow_table_refuses_new_flows),
	};
	return DP_RUN("sg_pipeline", tests, argc, argv);
}
