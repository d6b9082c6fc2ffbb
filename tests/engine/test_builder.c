/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_builder.c - model deltas become table changes, one generation each:
 * visible in the next lookup, both sides kept equal, moves and ENI changes
 * change delivery, bad deltas change nothing (route tables at capacity
 * included), a table failing after the publish is reported and rebuilt from
 * the full delta, the real model's deltas
 * (incremental and full) give the same forwarding, and a concurrent reader
 * never sees half a change (D9).
 */
#include <pthread.h>

#include "fixture.h"
#include "gen.h"
#include "model.h"

/* The unpublished side (equal to the published one between applies). */
static const struct fwd_side *other_of(struct builder *b)
{
	return gen_writer_side(builder_gen(b));
}

static const struct fwd_side *other(void)
{
	return other_of(B);
}

static struct rte_mbuf *inbound(const char *eip)
{
	static uint8_t b[256];
	struct v4spec s = {.src = ip4("198.18.0.5"), .dst = ip4(eip), .proto = 17, .payload = 8};
	uint16_t n = build_ip4(b, &s);
	return frame(MAC_UPLINK, MAC_INTERNET, 0, 0x0800, b, n);
}

/* Both sides hold the same value (or both miss) for an IPv4 key of a table. */
static void both_sides_agree_v4(size_t table_off, uint32_t key)
{
	const struct fwd_side *pub = builder_side(B);
	const struct fwd_side *other = gen_writer_side(builder_gen(B));
	const struct em4 *a = *(struct em4 *const *)((const char *)pub + table_off);
	const struct em4 *b = *(struct em4 *const *)((const char *)other + table_off);
	uint64_t va = 0, vb = 0;
	int ha = em4_lookup(a, key, &va), hb = em4_lookup(b, key, &vb);

	assert_ptr_not_equal(pub, other);
	assert_int_equal(ha, hb);
	assert_int_equal(va, vb);
}

/* Both sides hold the same value (or both miss) for a private IPv4 of VPC slot 0. */
static void both_sides_agree_priv(uint32_t addr)
{
	const struct fwd_side *pub = builder_side(B);
	const struct fwd_side *other = gen_writer_side(builder_gen(B));
	uint64_t va = 0, vb = 0;
	int ha = em8_lookup(pub->priv4, fwd_priv_key(0, addr), &va);
	int hb = em8_lookup(other->priv4, fwd_priv_key(0, addr), &vb);

	assert_ptr_not_equal(pub, other);
	assert_int_equal(ha, hb);
	assert_int_equal(va, vb);
}

static void delta_applied_visible_in_next_lookup_on_both_sides(void **st)
{
	(void)st;
	struct delta d = {0};
	uint64_t v, g0 = gen_generation(builder_gen(B));

	d_v4(&d, "10.0.1.12", 0, "203.0.113.12");
	d_v6(&d, "2001:db8:0:1::12", 0);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	assert_int_equal(gen_generation(builder_gen(B)), g0 + 1); /* one generation */
	assert_true(em8_lookup(builder_side(B)->priv4, fwd_priv_key(0, ip4("10.0.1.12")), &v));
	assert_int_equal(fwd_v4_slot(v), 0);
	assert_int_equal(fwd_v4_addr(v), ip4("203.0.113.12"));
	assert_true(em4_lookup(builder_side(B)->eip4, ip4("203.0.113.12"), &v));
	assert_int_equal(fwd_v4_addr(v), ip4("10.0.1.12"));
	both_sides_agree_priv(ip4("10.0.1.12"));
	both_sides_agree_v4(offsetof(struct fwd_side, eip4), ip4("203.0.113.12"));

	/* and a packet sees it at once */
	int out;
	struct rte_mbuf *r = run(0, inbound("203.0.113.12"), &out);
	assert_non_null(r);
	assert_int_equal(out, 1);
	rte_pktmbuf_free(r);

	/* deletes too */
	struct delta_entry x = {.kind = DELTA_EIP_DEL};
	x.eip.eip = ip4("203.0.113.12");
	push(&d, &x);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	assert_false(em4_lookup(builder_side(B)->eip4, ip4("203.0.113.12"), &v));
	both_sides_agree_v4(offsetof(struct fwd_side, eip4), ip4("203.0.113.12"));
	expect_drop(0, inbound("203.0.113.12"), COUNTERS_DROP_UNKNOWN_DESTINATION);
}

static void moved_address_moves_its_delivery(void **st)
{
	(void)st;
	for (int round = 0; round < 3; round++) {
		/* 10.0.1.10 and its EIP move to ENI 3, then back to ENI 0 */
		unsigned to = round % 2 == 0 ? 3 : 0;
		struct delta d = {0};
		d_v4(&d, "10.0.1.10", to, "203.0.113.10");
		assert_int_equal(builder_apply(B, &d), 0);
		delta_free(&d);

		struct rte_mbuf *r = expect_out(0, inbound("203.0.113.10"), 1);
		expect_macs(r, MAC_ENI[to], MAC_HOST1);
		rte_pktmbuf_free(r);
		both_sides_agree_priv(ip4("10.0.1.10"));
	}
	/* now on ENI 3 (sdc off) ... the old owner, ENI 0, sending from it is spoofing */
	struct delta d = {0};
	d_v4(&d, "10.0.1.10", 3, "203.0.113.10");
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	static uint8_t b[256];
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.20"), .proto = 17, .payload = 4};
	uint16_t n = build_ip4(b, &s);
	expect_drop(1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, b, n), COUNTERS_DROP_SPOOFED_SOURCE);
}

static void eni_set_changes_port_vlan_state_and_mac_table(void **st)
{
	(void)st;
	struct delta d = {0};
	struct em16_key k;
	uint64_t v;

	/* ENI 0 moves to an instance behind port 2, on VLAN 200 */
	d_eni(&d, 0, 0, 2, 200, ENI_FWD_OK, 1);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	fwd_mac_key(&k, 1, 0, MAC_ENI[0]);
	assert_false(em16_lookup(builder_side(B)->mac, &k, &v)); /* old key gone */
	fwd_mac_key(&k, 2, 200, MAC_ENI[0]);
	assert_true(em16_lookup(builder_side(B)->mac, &k, &v));
	assert_int_equal(v, 0);
	fwd_mac_key(&k, 1, 0, MAC_ENI[0]);
	assert_false(em16_lookup(other()->mac, &k, &v)); /* the other side too */
	fwd_mac_key(&k, 2, 200, MAC_ENI[0]);
	struct rte_mbuf *r = expect_out(0, inbound("203.0.113.10"), 2);
	l3_of(r, 200, 0x0800);
	expect_macs(r, MAC_ENI[0], MAC_HOST2);
	rte_pktmbuf_free(r);

	/* its instance stops */
	d_eni(&d, 0, 0, 2, 200, ENI_FWD_STOPPED, 1);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	expect_drop(0, inbound("203.0.113.10"), COUNTERS_DROP_INSTANCE_STOPPED);

	/* it is detached: drops say so, and its MAC is out of the table */
	d_eni(&d, 0, 0, 0, 0, ENI_FWD_DETACHED, 1);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	expect_drop(0, inbound("203.0.113.10"), COUNTERS_DROP_ENI_DETACHED);
	assert_false(em16_lookup(builder_side(B)->mac, &k, &v));
	assert_false(em16_lookup(other()->mac, &k, &v));

	/* attached again where it was */
	d_eni(&d, 0, 0, 1, 0, ENI_FWD_OK, 1);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	r = expect_out(0, inbound("203.0.113.10"), 1);
	rte_pktmbuf_free(r);

	/* deleted: its slot is empty on both sides */
	struct delta_entry x = {.kind = DELTA_ENI_DEL};
	x.eni.slot = 5;
	push(&d, &x);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	assert_int_equal(builder_side(B)->enis[5].state, FWD_ENI_ABSENT);
	assert_int_equal(((const struct fwd_side *)gen_writer_side(builder_gen(B)))->enis[5].state,
			 FWD_ENI_ABSENT);
	fwd_mac_key(&k, 1, 0, MAC_ENI[5]);
	assert_false(em16_lookup(builder_side(B)->mac, &k, &v));
}

static void route_changes_take_effect(void **st)
{
	(void)st;
	static uint8_t b[256];
	struct v4spec s = {
	    .src = ip4("10.0.1.10"), .dst = ip4("192.0.2.1"), .proto = 17, .payload = 4};
	uint16_t n = build_ip4(b, &s);
	struct delta d = {0};

	expect_drop(1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, b, n), COUNTERS_DROP_BLACKHOLE);
	/* the blackhole route removed: the default route (igw) takes it */
	struct delta_entry x = {.kind = DELTA_ROUTE_DEL};
	x.route.route_table = 0;
	x.route.family = 4;
	x.route.depth = 24;
	uint32_t p = ip4("192.0.2.0");
	memcpy(x.route.prefix, &p, 4);
	push(&d, &x);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	struct rte_mbuf *r = expect_out(1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, b, n), 0);
	rte_pktmbuf_free(r);
	/* and re-added as a route to the appliance */
	d_route(&d, 0, "192.0.2.0", 24, ROUTE_ENI, 3);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	r = expect_out(1, frame(MAC_HOST1, MAC_ENI[0], 0, 0x0800, b, n), 1);
	expect_macs(r, MAC_ENI[3], MAC_HOST1);
	rte_pktmbuf_free(r);
}

static void bad_delta_refused_and_nothing_changes(void **st)
{
	(void)st;
	struct delta d = {0};
	uint64_t v, g0 = gen_generation(builder_gen(B));

	d_v4(&d, "10.0.1.13", 0, NULL);
	struct delta_entry x = {.kind = DELTA_ENI_SET};
	x.eni.slot = 64; /* max_enis is 64 */
	push(&d, &x);
	assert_int_equal(builder_apply(B, &d), -EINVAL);
	delta_reset(&d);
	d_route(&d, 0, "10.9.0.0", 16, ROUTE_ENI, 1000); /* no such ENI slot */
	assert_int_equal(builder_apply(B, &d), -EINVAL);
	delta_reset(&d);
	d_v4(&d, "10.0.1.13", 0, NULL);
	x = (struct delta_entry){.kind = DELTA_ROUTE_SET};
	x.route.family = 4;
	x.route.depth = 33;
	push(&d, &x);
	assert_int_equal(builder_apply(B, &d), -EINVAL);
	delta_reset(&d);
	d_eni(&d, 1, 0, 7, 0, ENI_FWD_OK, 1); /* port 7 does not exist */
	assert_int_equal(builder_apply(B, &d), -EINVAL);
	delta_free(&d);

	assert_int_equal(gen_generation(builder_gen(B)), g0);
	assert_false(em8_lookup(builder_side(B)->priv4, fwd_priv_key(0, ip4("10.0.1.13")), &v));
	assert_false(em8_lookup(other()->priv4, fwd_priv_key(0, ip4("10.0.1.13")), &v));
	assert_int_equal(builder_side(B)->enis[1].port, 2);
}

static void table_overflow_refused_and_nothing_changes(void **st)
{
	(void)st;
	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_v4 = 3;
	p.max_v6 = 3;
	p.max_eips = 3;
	p.max_enis = 4;
	p.n_ports = 1;
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	struct delta d = {0};
	uint64_t v;

	d_v4(&d, "10.0.0.1", 0, NULL);
	d_v4(&d, "10.0.0.2", 0, NULL);
	d_v4(&d, "10.0.0.3", 0, NULL);
	d_v4(&d, "10.0.0.4", 0, NULL);
	assert_int_equal(builder_apply(b, &d), -ENOSPC);
	assert_false(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.0.0.1")), &v));
	delta_reset(&d);
	d_v4(&d, "10.0.0.1", 0, NULL);
	d_v4(&d, "10.0.0.2", 0, NULL);
	d_v4(&d, "10.0.0.3", 0, NULL);
	assert_int_equal(builder_apply(b, &d), 0);
	/* replacing held keys needs no room */
	delta_reset(&d);
	d_v4(&d, "10.0.0.3", 1, NULL);
	assert_int_equal(builder_apply(b, &d), 0);
	assert_true(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.0.0.3")), &v));
	assert_int_equal(fwd_v4_slot(v), 1);
	delta_free(&d);
	builder_free(b);
	/* bad parameters */
	p.n_ports = FWD_MAX_PORTS + 1;
	assert_null(builder_create(&p));
}

/* Both sides of b hold exactly these IPv4 keys in priv4, each to ENI slot 0. */
static void both_sides_hold_exactly(struct builder *b, const char *const *addrs, size_t n)
{
	const struct fwd_side *sides[2] = {builder_side(b), gen_writer_side(builder_gen(b))};
	uint64_t v;

	for (int s = 0; s < 2; s++) {
		assert_int_equal(em8_count(sides[s]->priv4), n);
		for (size_t i = 0; i < n; i++) {
			assert_true(
			    em8_lookup(sides[s]->priv4, fwd_priv_key(0, ip4(addrs[i])), &v));
			assert_int_equal(fwd_v4_slot(v), 0);
		}
	}
}

/*
 * The backstop (SPEC 6): a table refusing a write on the second side, after
 * the publish, is reported (-EIO), and builder_rebuild() from the model's
 * full delta makes both sides equal to the model again.
 */
static void second_side_failure_is_reported_and_rebuilt(void **st)
{
	(void)st;
	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_v4 = 3;
	p.max_enis = 4;
	p.n_ports = 1;
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	struct delta d = {0}, full = {0};
	uint64_t v;

	d_v4(&d, "10.0.0.1", 0, NULL);
	d_v4(&d, "10.0.0.2", 0, NULL);
	assert_int_equal(builder_apply(b, &d), 0);
	/* the published side (the second one of the next apply) at capacity, alone */
	struct fwd_side *pub = (struct fwd_side *)builder_side(b);
	assert_int_equal(em8_add(pub->priv4, fwd_priv_key(0, ip4("10.0.0.99")), fwd_v4_value(1, 0)),
			 0);
	delta_reset(&d);
	d_v4(&d, "10.0.0.3", 0, NULL);
	assert_int_equal(builder_apply(b, &d), -EIO);
	/* what was published is the change; the other side could not follow */
	assert_true(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.0.0.3")), &v));
	/* the model's state: the three addresses */
	d_v4(&full, "10.0.0.1", 0, NULL);
	d_v4(&full, "10.0.0.2", 0, NULL);
	d_v4(&full, "10.0.0.3", 0, NULL);
	uint64_t g0 = gen_generation(builder_gen(b));
	assert_int_equal(builder_rebuild(b, &full), 0);
	assert_int_equal(gen_generation(builder_gen(b)), g0 + 1);
	const char *const want[] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
	both_sides_hold_exactly(b, want, 3);
	/* and the builder goes on: a move applies to both sides */
	delta_reset(&d);
	d_v4(&d, "10.0.0.3", 2, NULL);
	assert_int_equal(builder_apply(b, &d), 0);
	assert_true(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.0.0.3")), &v));
	assert_int_equal(fwd_v4_slot(v), 2);
	assert_true(em8_lookup(other_of(b)->priv4, fwd_priv_key(0, ip4("10.0.0.3")), &v));
	assert_int_equal(fwd_v4_slot(v), 2);
	delta_free(&d);
	delta_free(&full);
	builder_free(b);
}

/*
 * A route table's capacity is checked before anything changes: a delta that
 * would put one route too many in a table is refused whole, on both sides,
 * and a replacement of a held route needs no room.
 */
static void route_table_overflow_refused_before_anything_changes(void **st)
{
	(void)st;
	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_routes = 2;
	p.max_enis = 4;
	p.n_ports = 1;
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	struct delta d = {0};
	uint64_t v;

	d_route(&d, 0, "10.1.0.0", 16, ROUTE_LOCAL, 0);
	d_route(&d, 0, "10.2.0.0", 16, ROUTE_IGW, 0);
	assert_int_equal(builder_apply(b, &d), 0);
	uint64_t g0 = gen_generation(builder_gen(b));
	delta_reset(&d);
	d_v4(&d, "10.1.0.5", 0, NULL);
	d_route(&d, 0, "10.3.0.0", 16, ROUTE_IGW, 0);
	assert_int_equal(builder_apply(b, &d), -ENOSPC);
	assert_int_equal(gen_generation(builder_gen(b)), g0);
	assert_false(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.1.0.5")), &v));
	assert_false(em8_lookup(other_of(b)->priv4, fwd_priv_key(0, ip4("10.1.0.5")), &v));
	/* two new routes for a table with room for one more: refused too */
	delta_reset(&d);
	d_route(&d, 1, "10.1.0.0", 16, ROUTE_LOCAL, 0);
	d_route(&d, 1, "10.2.0.0", 16, ROUTE_IGW, 0);
	d_route(&d, 1, "10.3.0.0", 16, ROUTE_IGW, 0);
	assert_int_equal(builder_apply(b, &d), -ENOSPC);
	/* replacing held routes (and another family) needs no room */
	delta_reset(&d);
	d_v4(&d, "10.1.0.5", 0, NULL);
	d_route(&d, 0, "10.2.0.0", 16, ROUTE_BLACKHOLE, 0);
	d_route(&d, 0, "2001:db8::", 56, ROUTE_LOCAL, 0);
	assert_int_equal(builder_apply(b, &d), 0);
	assert_true(em8_lookup(builder_side(b)->priv4, fwd_priv_key(0, ip4("10.1.0.5")), &v));
	assert_true(em8_lookup(other_of(b)->priv4, fwd_priv_key(0, ip4("10.1.0.5")), &v));
	delta_free(&d);
	builder_free(b);
}

/* ---- the real model's deltas ---- */

struct mctx {
	struct model *m;
	struct builder *b;
	struct model_err err;
};

/* Apply what one model operation produced; the operation must have succeeded. */
static void mapply(struct mctx *x, int rc, struct delta *d)
{
	if (rc != 0)
		fail_msg("model: %s: %s", x->err.code, x->err.message);
	assert_int_equal(builder_apply(x->b, d), 0);
	delta_reset(d);
}

static struct rte_mbuf *via(struct builder *b, uint16_t port, struct rte_mbuf *m, int *out)
{
	struct pipeline_tx tx;
	memset(tx.n, 0, sizeof(tx.n));
	pipeline_burst(W, builder_side(b), port, &m, 1, &tx);
	*out = -1;
	for (int p = 0; p < FWD_MAX_PORTS; p++)
		if (tx.n[p]) {
			*out = p;
			return tx.pkts[p][0];
		}
	return NULL;
}

/* The destination MAC and port a packet reaches through builder b (or -1). */
static int reach(struct builder *b, uint16_t port, struct rte_mbuf *m, uint8_t mac[6])
{
	int out;
	struct rte_mbuf *r = via(b, port, m, &out);
	if (r == NULL)
		return -1;
	memcpy(mac, l2(r), 6);
	rte_pktmbuf_free(r);
	return out;
}

static void real_model_incremental_and_full_delta_forward_alike(void **st)
{
	(void)st;
	struct mctx x = {.m = model_create()};
	struct delta d = {0};
	char vpc[MODEL_ID_MAX], subnet[MODEL_ID_MAX], inst[MODEL_ID_MAX], inst2[MODEL_ID_MAX];
	char eni_a[MODEL_ID_MAX], eni_b[MODEL_ID_MAX], att[MODEL_ID_MAX], att2[MODEL_ID_MAX];
	char alloc[MODEL_ID_MAX], pub[INET_ADDRSTRLEN], assoc[MODEL_ID_MAX];
	struct model_vpc_view vv;

	assert_non_null(x.m);
	x.b = fixture_builder(1);
	assert_non_null(x.b);

	const char *c4[] = {"10.1.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req vr = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	mapply(&x, model_create_vpc(x.m, &vr, vpc, &d, &x.err), &d);
	assert_int_equal(model_get_vpc(x.m, vpc, &vv), 0);
	mapply(&x, model_create_route(x.m, vv.main_route_table_id, "0.0.0.0/0", "igw", &d, &x.err),
	       &d);
	struct model_subnet_req sr = {.vpc_id = vpc,
				      .az = "us-east-1a",
				      .cidr4 = "10.1.1.0/24",
				      .cidr6 = "2600:1f18:1:100::/64"};
	mapply(&x, model_create_subnet(x.m, &sr, subnet, &d, &x.err), &d);
	struct model_instance_req ir = {.type = "m5.large", .az = "us-east-1a", .host_port = 1};
	assert_int_equal(model_create_instance(x.m, &ir, inst, &x.err), 0);
	ir.host_port = 2;
	assert_int_equal(model_create_instance(x.m, &ir, inst2, &x.err), 0);
	const char *sec[] = {"10.1.1.11"};
	struct model_eni_req er = {.subnet_id = subnet,
				   .mac = "02:00:00:00:01:0a",
				   .primary_ip = "10.1.1.10",
				   .secondary_ips = sec,
				   .n_secondary_ips = 1,
				   .source_dest_check = true};
	mapply(&x, model_create_eni(x.m, &er, eni_a, &d, &x.err), &d);
	struct model_eni_req er2 = {.subnet_id = subnet,
				    .mac = "02:00:00:00:01:0b",
				    .primary_ip = "10.1.1.20",
				    .source_dest_check = true};
	mapply(&x, model_create_eni(x.m, &er2, eni_b, &d, &x.err), &d);
	struct model_attach_req ar = {.eni_id = eni_a, .instance_id = inst, .device_index = 0};
	mapply(&x, model_attach_eni(x.m, &ar, att, &d, &x.err), &d);
	struct model_attach_req ar2 = {.eni_id = eni_b, .instance_id = inst2, .device_index = 0};
	mapply(&x, model_attach_eni(x.m, &ar2, att2, &d, &x.err), &d);
	/* R32: a given address comes from a public pool */
	assert_int_equal(model_add_public_pool(x.m, "203.0.113.0/24", &x.err), 0);
	assert_int_equal(model_allocate_address(x.m, NULL, "203.0.113.77", alloc, pub, &x.err), 0);
	struct model_associate_req asr = {.allocation_id = alloc,
					  .eni_id = eni_a,
					  .private_ip = "10.1.1.11",
					  .allow_reassociation = true};
	mapply(&x, model_associate_address(x.m, &asr, assoc, &d, &x.err), &d);

	static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0x01, 0x0a};
	static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0x01, 0x0b};
	uint8_t mac[6];

	/* the same state from scratch: model_full_delta into fresh tables */
	struct builder *full = fixture_builder(1);
	assert_non_null(full);
	assert_int_equal(model_full_delta(x.m, &d), 0);
	assert_true(d.n > 0);
	assert_int_equal(builder_apply(full, &d), 0);
	delta_reset(&d);

	struct builder *both[2] = {x.b, full};
	for (int i = 0; i < 2; i++) {
		/* EIP -> secondary of ENI a, behind port 1 */
		assert_int_equal(reach(both[i], 0, inbound("203.0.113.77"), mac), 1);
		assert_memory_equal(mac, mac_a, 6);
		/* ENI a's secondary to the internet: SNAT, out of the uplink */
		static uint8_t b[256];
		struct v4spec s = {
		    .src = ip4("10.1.1.11"), .dst = ip4("9.9.9.9"), .proto = 17, .payload = 4};
		uint16_t n = build_ip4(b, &s);
		int out;
		struct rte_mbuf *r =
		    via(both[i], 1, frame(MAC_HOST1, mac_a, 0, 0x0800, b, n), &out);
		assert_non_null(r);
		assert_int_equal(out, 0);
		assert_int_equal(addr_at(l2(r) + 14 + 12), ip4("203.0.113.77"));
		rte_pktmbuf_free(r);
		/* ENI a to ENI b, local */
		s.dst = ip4("10.1.1.20");
		n = build_ip4(b, &s);
		r = via(both[i], 1, frame(MAC_HOST1, mac_a, 0, 0x0800, b, n), &out);
		assert_non_null(r);
		assert_int_equal(out, 2);
		assert_memory_equal(l2(r), mac_b, 6);
		rte_pktmbuf_free(r);
	}
	builder_free(full);

	/* R4 through the model: 10.1.1.11 reassigned to ENI b, its EIP goes with it */
	const char *mv[] = {"10.1.1.11"};
	struct model_assign_req as = {
	    .eni_id = eni_b, .addrs = mv, .n_addrs = 1, .allow_reassignment = true};
	struct model_addr_list got = {0};
	mapply(&x, model_assign_private_ips(x.m, &as, &got, &d, &x.err), &d);
	model_addr_list_free(&got);
	assert_int_equal(reach(x.b, 0, inbound("203.0.113.77"), mac), 2);
	assert_memory_equal(mac, mac_b, 6);

	/* ENI b's instance stopped: nothing reaches it */
	mapply(&x, model_stop_instance(x.m, inst2, &d, &x.err), &d);
	uint64_t before = C()->drop[COUNTERS_DROP_INSTANCE_STOPPED];
	assert_int_equal(reach(x.b, 0, inbound("203.0.113.77"), mac), -1);
	assert_int_equal(C()->drop[COUNTERS_DROP_INSTANCE_STOPPED], before + 1);
	mapply(&x, model_start_instance(x.m, inst2, &d, &x.err), &d);
	assert_int_equal(reach(x.b, 0, inbound("203.0.113.77"), mac), 2);

	delta_free(&d);
	builder_free(x.b);
	model_free(x.m);
}

/* ---- D9: a concurrent reader never sees half a change ---- */

static volatile int reader_stop;
static uint64_t version; /* written by the control thread after each apply returns */
static uint64_t violations, reader_loops;

/* ENI owning EIP 203.0.113.10 in version v: 0 when v is even, 3 when odd. */
static uint32_t owner(uint64_t v)
{
	return v % 2 == 0 ? 0 : 3;
}

static void *reader_main(void *arg)
{
	struct gen *g = arg;

	gen_reader_online(g, 0);
	while (!reader_stop) {
		uint64_t v = __atomic_load_n(&version, __ATOMIC_ACQUIRE);
		const struct fwd_side *s = gen_reader_side(g);
		uint64_t ve, vp;
		int he = em4_lookup(s->eip4, ip4("203.0.113.10"), &ve);
		int hp = em8_lookup(s->priv4, fwd_priv_key(0, ip4("10.0.1.10")), &vp);

		/* one generation: the EIP and its private address agree on the owner */
		if (!he || !hp || fwd_v4_slot(ve) != fwd_v4_slot(vp))
			violations++;
		/* what was returned before this burst began is visible */
		else if (fwd_v4_slot(ve) != owner(v) && fwd_v4_slot(ve) != owner(v + 1))
			violations++;
		gen_reader_quiescent(g, 0);
		reader_loops++;
	}
	gen_reader_offline(g, 0);
	return NULL;
}

static void concurrent_reader_sees_whole_generations_only(void **st)
{
	(void)st;
	pthread_t t;
	struct gen *g = builder_gen(B);

	reader_stop = 0;
	version = 0;
	violations = reader_loops = 0;
	assert_int_equal(gen_reader_register(g, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, reader_main, g), 0);
	/* the EAL pinned this thread (and so its children) to lcore 0: free the reader */
	cpu_set_t all;
	CPU_ZERO(&all);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	pthread_setaffinity_np(t, sizeof(all), &all);
	for (uint64_t v = 1; v <= 1000; v++) {
		struct delta d = {0};
		d_v4(&d, "10.0.1.10", owner(v), "203.0.113.10");
		assert_int_equal(builder_apply(B, &d), 0);
		delta_free(&d);
		__atomic_store_n(&version, v, __ATOMIC_RELEASE);
	}
	reader_stop = 1;
	pthread_join(t, NULL);
	gen_reader_unregister(g, 0);
	assert_int_equal(violations, 0);
	assert_true(reader_loops >= 1000); /* a grace period per apply: it ran between them */
}

#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    T(delta_applied_visible_in_next_lookup_on_both_sides),
	    T(moved_address_moves_its_delivery),
	    T(eni_set_changes_port_vlan_state_and_mac_table),
	    T(route_changes_take_effect),
	    T(bad_delta_refused_and_nothing_changes),
	    T(table_overflow_refused_and_nothing_changes),
	    T(second_side_failure_is_reported_and_rebuilt),
	    T(route_table_overflow_refused_before_anything_changes),
	    T(real_model_incremental_and_full_delta_forward_alike),
	    T(concurrent_reader_sees_whole_generations_only),
	};
	return DP_RUN("builder", tests, argc, argv);
}
