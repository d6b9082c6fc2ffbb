/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_vpcs.c - D13 (SPEC R31): two VPCs with the same 10.0.0.0/16 on one
 * engine, built through the real model, the real builder and the real
 * pipeline. A frame from a machine belongs to the VPC of the ENI that sent
 * it; nothing crosses between VPCs except through EIPs.
 *
 * Ports: 0 uplink, 1 host (instance i-a), 2 host (instance i-b).
 * vpc-a 10.0.0.0/16, subnet-a 10.0.1.0/24, routes local + 0.0.0.0/0 igw:
 *   eni-a1 MAC ..:10 10.0.1.10 (EIP 203.0.113.10), eni-a2 ..:11 10.0.1.20,
 *   eni-a3 ..:12 10.0.1.30; all on i-a (port 1)
 * vpc-b 10.0.0.0/16, subnet-b 10.0.1.0/24, routes local + 0.0.0.0/0 igw:
 *   eni-b1 MAC ..:13 10.0.1.10 (EIP 203.0.113.11), eni-b2 ..:14 10.0.1.20;
 *   both on i-b (port 2)
 */
#include "fixture.h"
#include "model.h"

#define UPLINK 0
#define HOST1 1
#define HOST2 2

enum { A1, A2, A3, B1, B2 }; /* index into MAC_ENI */

static struct model *M;
static struct model_err E;
static uint8_t buf[2048];

#define OK(call)                                                                                   \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s failed: %s: %s", #call, E.code, E.message);                   \
	} while (0)

static void apply(struct delta *d)
{
	assert_int_equal(builder_apply(B, d), 0);
	delta_reset(d);
}

static void vpc(const char *id, const char *rtb, const char *subnet, struct delta *d)
{
	const char *c4[] = {"10.0.0.0/16"};
	struct model_vpc_req v = {.id = id, .cidr4 = c4, .n_cidr4 = 1, .main_route_table_id = rtb};
	struct model_subnet_req s = {
	    .id = subnet, .vpc_id = id, .az = "az-a", .cidr4 = "10.0.1.0/24"};

	OK(model_create_vpc(M, &v, NULL, d, &E));
	OK(model_create_subnet(M, &s, NULL, d, &E));
	OK(model_create_route(M, rtb, "0.0.0.0/0", "igw", d, &E));
}

static void instance(const char *id, uint16_t port)
{
	struct model_instance_req r = {
	    .id = id, .type = "m5.large", .az = "az-a", .state = MODEL_RUNNING, .host_port = port};

	OK(model_create_instance(M, &r, NULL, &E));
}

static void eni(const char *id, const char *subnet, const char *ip, unsigned mac, const char *inst,
		int dev, struct delta *d)
{
	char m[18];
	struct model_eni_req r = {
	    .id = id, .subnet_id = subnet, .mac = m, .primary_ip = ip, .source_dest_check = true};
	struct model_attach_req a = {.eni_id = id, .instance_id = inst, .device_index = dev};
	const uint8_t *b = MAC_ENI[mac];

	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	OK(model_create_eni(M, &r, NULL, d, &E));
	OK(model_attach_eni(M, &a, NULL, d, &E));
}

static void eip(const char *pub, const char *eni_id, struct delta *d)
{
	char alloc[MODEL_ID_MAX];
	struct model_associate_req r = {
	    .allocation_id = alloc, .eni_id = eni_id, .allow_reassociation = true};

	OK(model_allocate_address(M, NULL, pub, alloc, NULL, &E));
	OK(model_associate_address(M, &r, NULL, d, &E));
}

static int vpcs_setup(void **state)
{
	struct delta d = {0};

	(void)state;
	M = model_create();
	assert_non_null(M);
	B = fixture_builder(1);
	assert_non_null(B);
	W = pipeline_worker_create(0, builder_max_enis(B));
	assert_non_null(W);
	OK(model_add_public_pool(M, "203.0.113.0/24", &E));
	vpc("vpc-a", "rtb-a", "subnet-a", &d);
	vpc("vpc-b", "rtb-b", "subnet-b", &d);
	instance("i-a", HOST1);
	instance("i-b", HOST2);
	eni("eni-a1", "subnet-a", "10.0.1.10", A1, "i-a", 0, &d);
	eni("eni-a2", "subnet-a", "10.0.1.20", A2, "i-a", 1, &d);
	eni("eni-a3", "subnet-a", "10.0.1.30", A3, "i-a", 2, &d);
	eni("eni-b1", "subnet-b", "10.0.1.10", B1, "i-b", 0, &d);
	eni("eni-b2", "subnet-b", "10.0.1.20", B2, "i-b", 1, &d);
	eip("203.0.113.10", "eni-a1", &d);
	eip("203.0.113.11", "eni-b1", &d);
	delta_free(&d);
	/* the whole state at once, as the engine builds it at start */
	assert_int_equal(model_full_delta(M, &d), 0);
	apply(&d);
	delta_free(&d);
	return 0;
}

static int vpcs_teardown(void **state)
{
	fixture_teardown(state);
	model_free(M);
	M = NULL;
	return 0;
}

/* A UDP packet from ENI mac (on port) from src to dst. */
static struct rte_mbuf *udp_from(unsigned mac, uint16_t port, const char *src, const char *dst)
{
	struct v4spec s = {.src = ip4(src), .dst = ip4(dst), .proto = 17, .payload = 8};
	uint16_t n = build_ip4(buf, &s);

	return frame(port == HOST1 ? MAC_HOST1 : MAC_HOST2, MAC_ENI[mac], 0, 0x0800, buf, n);
}

static struct rte_mbuf *udp_from_internet(const char *dst)
{
	struct v4spec s = {.src = ip4("198.18.0.5"), .dst = ip4(dst), .proto = 17, .payload = 8};
	uint16_t n = build_ip4(buf, &s);

	return frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, buf, n);
}

/* r went to ENI mac behind port, with this source and destination; freed. */
static void expect_at(struct rte_mbuf *r, unsigned mac, uint16_t port, const char *src,
		      const char *dst)
{
	uint8_t *ip = l3_of(r, 0, 0x0800);

	expect_macs(r, MAC_ENI[mac], port == HOST1 ? MAC_HOST1 : MAC_HOST2);
	assert_int_equal(addr_at(ip + 12), ip4(src));
	assert_int_equal(addr_at(ip + 16), ip4(dst));
	assert_true(dp_ip4_ok(ip));
	assert_true(dp_l4_ok(ip));
	rte_pktmbuf_free(r);
}

static void d13_local_delivery_stays_in_the_senders_vpc(void **st)
{
	(void)st;
	/* the same 10.0.1.10 -> 10.0.1.20 in each VPC reaches that VPC's owner */
	expect_at(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "10.0.1.20"), HOST1), A2,
		  HOST1, "10.0.1.10", "10.0.1.20");
	expect_at(expect_out(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.20"), HOST2), B2,
		  HOST2, "10.0.1.10", "10.0.1.20");
	expect_at(expect_out(HOST2, udp_from(B2, HOST2, "10.0.1.20", "10.0.1.10"), HOST2), B1,
		  HOST2, "10.0.1.20", "10.0.1.10");
}

static void d13_address_only_in_another_vpc_is_an_unknown_destination(void **st)
{
	(void)st;
	/* 10.0.1.30 is eni-a3's in vpc-a; in vpc-b nobody has it */
	expect_drop(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.30"),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	expect_at(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "10.0.1.30"), HOST1), A3,
		  HOST1, "10.0.1.10", "10.0.1.30");
}

static void d13_source_check_uses_the_senders_vpc(void **st)
{
	(void)st;
	/* eni-a1 and eni-b1 each own 10.0.1.10 in their VPC: both pass */
	rte_pktmbuf_free(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "10.0.1.30"), HOST1));
	rte_pktmbuf_free(expect_out(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.20"), HOST2));
	/* eni-b2 claiming vpc-a's 10.0.1.30: not its own in its VPC */
	expect_drop(HOST2, udp_from(B2, HOST2, "10.0.1.30", "10.0.1.10"),
		    COUNTERS_DROP_SPOOFED_SOURCE);
	/* eni-b1 claiming 10.0.1.20, eni-b2's in its own VPC */
	expect_drop(HOST2, udp_from(B1, HOST2, "10.0.1.20", "10.0.1.10"),
		    COUNTERS_DROP_SPOOFED_SOURCE);
}

static void d13_eip_reaches_its_owner_in_its_vpc(void **st)
{
	(void)st;
	expect_at(expect_out(UPLINK, udp_from_internet("203.0.113.10"), HOST1), A1, HOST1,
		  "198.18.0.5", "10.0.1.10");
	expect_at(expect_out(UPLINK, udp_from_internet("203.0.113.11"), HOST2), B1, HOST2,
		  "198.18.0.5", "10.0.1.10");
}

static void d13_snat_uses_the_senders_own_eip(void **st)
{
	(void)st;
	struct rte_mbuf *r = expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "8.8.8.8"), UPLINK);
	assert_int_equal(addr_at(l3_of(r, 0, 0x0800) + 12), ip4("203.0.113.10"));
	rte_pktmbuf_free(r);
	r = expect_out(HOST2, udp_from(B1, HOST2, "10.0.1.10", "8.8.8.8"), UPLINK);
	assert_int_equal(addr_at(l3_of(r, 0, 0x0800) + 12), ip4("203.0.113.11"));
	rte_pktmbuf_free(r);
	/* eni-b2 has no EIP (vpc-a's 10.0.1.20 has none either) */
	expect_drop(HOST2, udp_from(B2, HOST2, "10.0.1.20", "8.8.8.8"), COUNTERS_DROP_NO_EIP);
}

static void d13_between_vpcs_only_through_eips(void **st)
{
	(void)st;
	/* eni-a1 (with an EIP) to eni-b1's EIP: as through the internet gateway */
	expect_at(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "203.0.113.11"), HOST2), B1,
		  HOST2, "203.0.113.10", "10.0.1.10");
	/* and back */
	expect_at(expect_out(HOST2, udp_from(B1, HOST2, "10.0.1.10", "203.0.113.10"), HOST1), A1,
		  HOST1, "203.0.113.11", "10.0.1.10");
	/* eni-a2 has no EIP: no internet path, so no way into vpc-b */
	expect_drop(HOST1, udp_from(A2, HOST1, "10.0.1.20", "203.0.113.11"), COUNTERS_DROP_NO_EIP);
	/* inside its own VPC an EIP hairpin without an EIP of its own still works (D11) */
	expect_at(expect_out(HOST1, udp_from(A2, HOST1, "10.0.1.20", "203.0.113.10"), HOST1), A1,
		  HOST1, "10.0.1.20", "10.0.1.10");
}

static struct rte_mbuf *arp_req(unsigned mac, const char *spa, const char *tpa)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint16_t n = build_arp(buf, 1, MAC_ENI[mac], ip4(spa), ip4(tpa));

	return frame(bcast, MAC_ENI[mac], 0, 0x0806, buf, n);
}

static void d13_arp_answers_use_the_askers_vpc(void **st)
{
	(void)st;
	/* its own address is never answered, in either VPC */
	expect_drop(HOST1, arp_req(A1, "10.0.1.10", "10.0.1.10"), COUNTERS_DROP_ARP_UNANSWERED);
	expect_drop(HOST2, arp_req(B1, "10.0.1.10", "10.0.1.10"), COUNTERS_DROP_ARP_UNANSWERED);
	/* eni-b2's 10.0.1.20 asked by eni-b1: another ENI's, answered */
	struct rte_mbuf *r = expect_out(HOST2, arp_req(B1, "10.0.1.10", "10.0.1.20"), HOST2);
	rte_pktmbuf_free(r);
	/* 10.0.1.40 given to eni-a2, then to eni-b2: each its own in its VPC, so
	 * neither's ARP for it (from its primary) is answered */
	const char *x[] = {"10.0.1.40"};
	struct model_assign_req ra = {.eni_id = "eni-a2", .addrs = x, .n_addrs = 1};
	struct model_assign_req rb = {.eni_id = "eni-b2", .addrs = x, .n_addrs = 1};
	struct delta d = {0};

	OK(model_assign_private_ips(M, &ra, NULL, &d, &E));
	OK(model_assign_private_ips(M, &rb, NULL, &d, &E));
	apply(&d);
	delta_free(&d);
	expect_drop(HOST1, arp_req(A2, "10.0.1.20", "10.0.1.40"), COUNTERS_DROP_ARP_UNANSWERED);
	expect_drop(HOST2, arp_req(B2, "10.0.1.20", "10.0.1.40"), COUNTERS_DROP_ARP_UNANSWERED);
	/* and another ENI of either VPC is answered for it */
	rte_pktmbuf_free(expect_out(HOST1, arp_req(A1, "10.0.1.10", "10.0.1.40"), HOST1));
	rte_pktmbuf_free(expect_out(HOST2, arp_req(B1, "10.0.1.10", "10.0.1.40"), HOST2));
}

static void d13_a_change_in_one_vpc_leaves_the_other(void **st)
{
	(void)st;
	const char *a[] = {"10.0.1.40"};
	struct model_assign_req ra = {.eni_id = "eni-a2", .addrs = a, .n_addrs = 1};
	struct model_assign_req rb = {.eni_id = "eni-b2", .addrs = a, .n_addrs = 1};
	struct delta d = {0};

	OK(model_assign_private_ips(M, &ra, NULL, &d, &E));
	OK(model_assign_private_ips(M, &rb, NULL, &d, &E));
	apply(&d);
	expect_at(expect_out(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.40"), HOST2), B2,
		  HOST2, "10.0.1.10", "10.0.1.40");
	/* gone from vpc-b only */
	OK(model_unassign_private_ips(M, "eni-b2", a, 1, &d, &E));
	apply(&d);
	expect_drop(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.40"),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	expect_at(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "10.0.1.40"), HOST1), A2,
		  HOST1, "10.0.1.10", "10.0.1.40");
	/* eni-b2 deleted (detached first): vpc-a's eni-a2 keeps the same 10.0.1.20 */
	struct model_eni_view ev;
	assert_int_equal(model_get_eni(M, "eni-b2", &ev), 0);
	OK(model_detach_eni(M, ev.attachment_id, false, &d, &E));
	OK(model_delete_eni(M, "eni-b2", &d, &E));
	apply(&d);
	delta_free(&d);
	expect_drop(HOST2, udp_from(B1, HOST2, "10.0.1.10", "10.0.1.20"),
		    COUNTERS_DROP_UNKNOWN_DESTINATION);
	expect_at(expect_out(HOST1, udp_from(A1, HOST1, "10.0.1.10", "10.0.1.20"), HOST1), A2,
		  HOST1, "10.0.1.10", "10.0.1.20");
}

#define T(f) cmocka_unit_test_setup_teardown(f, vpcs_setup, vpcs_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(d13_local_delivery_stays_in_the_senders_vpc),
	    T(d13_address_only_in_another_vpc_is_an_unknown_destination),
	    T(d13_source_check_uses_the_senders_vpc),
	    T(d13_eip_reaches_its_owner_in_its_vpc),
	    T(d13_snat_uses_the_senders_own_eip),
	    T(d13_between_vpcs_only_through_eips),
	    T(d13_arp_answers_use_the_askers_vpc),
	    T(d13_a_change_in_one_vpc_leaves_the_other),
	};
	return DP_RUN("vpcs", tests, argc, argv);
}
