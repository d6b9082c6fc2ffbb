/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixture.h - one VPC in the tables, through the real builder, and a way to
 * push one packet through the real pipeline.
 *
 * Ports: 0 uplink (MTU 1500), 1 host, 2 host (MTU 9001, EC2's inside a VPC:
 * datagrams of a few thousand bytes reach machines whole; fixture_reload_mtu
 * sets others).
 * Subnet 0: 10.0.1.0/24 + 2001:db8:0:1::/64, route table 0:
 *   10.0.0.0/16 local, 2001:db8::/56 local, 0.0.0.0/0 igw, ::/0 igw,
 *   192.0.2.0/24 blackhole, 198.51.100.0/24 -> ENI 3, 198.51.100.128/25 blackhole
 * Subnet 1: 10.0.2.0/24, route table 1: 10.0.0.0/16 local only.
 * ENI 0: port 1, MAC ..:10, subnet 0: 10.0.1.10 (EIP 203.0.113.10), 10.0.1.11,
 *        2001:db8:0:1::10
 * ENI 1: port 2, VLAN 100, MAC ..:11, subnet 0: 10.0.1.20 (EIP 203.0.113.20),
 *        2001:db8:0:1::20
 * ENI 2: port 2, MAC ..:12, subnet 1, instance STOPPED: 10.0.2.30 (EIP 203.0.113.30)
 * ENI 3: port 1, MAC ..:13, subnet 0, source/dest check OFF: 10.0.1.40
 * ENI 4: DETACHED, MAC ..:14, subnet 0: 10.0.1.50 (EIP 203.0.113.50)
 * ENI 5: port 1, MAC ..:15, subnet 1: 10.0.2.60
 */
#ifndef ENIMAP_DP_FIXTURE_H
#define ENIMAP_DP_FIXTURE_H

#include "builder.h"
#include "dp_test.h"
#include "observe.h"
#include "pipeline.h"

static const uint8_t MAC_UPLINK[6] = {0x02, 0xaa, 0, 0, 0, 0x00};
static const uint8_t MAC_HOST1[6] = {0x02, 0xaa, 0, 0, 0, 0x01};
static const uint8_t MAC_HOST2[6] = {0x02, 0xaa, 0, 0, 0, 0x02};
static const uint8_t MAC_UPSTREAM[6] = {0x02, 0xee, 0, 0, 0, 0x01};
static const uint8_t MAC_INTERNET[6] = {0x02, 0xee, 0, 0, 0, 0x01};
static const uint8_t MAC_ENI[6][6] = {
    {0x02, 0, 0, 0, 0, 0x10}, {0x02, 0, 0, 0, 0, 0x11}, {0x02, 0, 0, 0, 0, 0x12},
    {0x02, 0, 0, 0, 0, 0x13}, {0x02, 0, 0, 0, 0, 0x14}, {0x02, 0, 0, 0, 0, 0x15},
};
static const uint8_t MAC_STRANGER[6] = {0x02, 0x99, 0, 0, 0, 0x99};

static struct builder *B;
static struct pipeline_worker *W;

static inline void push(struct delta *d, const struct delta_entry *e)
{
	assert_int_equal(delta_push(d, e), 0);
}

static inline void d_eni(struct delta *d, uint32_t slot, uint32_t subnet, uint16_t port,
			 uint16_t vlan, uint8_t state, uint8_t sdc)
{
	struct delta_entry e = {.kind = DELTA_ENI_SET};
	e.eni.slot = slot;
	e.eni.subnet = subnet;
	e.eni.route_table = subnet; /* subnet i uses route table i here */
	e.eni.port = port;
	e.eni.vlan = vlan;
	memcpy(e.eni.mac, MAC_ENI[slot], 6);
	e.eni.state = state;
	e.eni.source_dest_check = sdc;
	push(d, &e);
}

static inline void d_v4(struct delta *d, const char *addr, uint32_t eni, const char *eip)
{
	struct delta_entry e = {.kind = DELTA_V4_SET};
	e.v4.addr = ip4(addr);
	e.v4.eni = eni;
	e.v4.eip = eip ? ip4(eip) : DELTA_NO_EIP;
	push(d, &e);
	if (eip) {
		struct delta_entry x = {.kind = DELTA_EIP_SET};
		x.eip.eip = ip4(eip);
		x.eip.priv = ip4(addr);
		x.eip.eni = eni;
		push(d, &x);
	}
}

static inline void d_v6(struct delta *d, const char *addr, uint32_t eni)
{
	struct delta_entry e = {.kind = DELTA_V6_SET};
	ip6(addr, e.v6.addr);
	e.v6.eni = eni;
	push(d, &e);
}

static inline void d_route(struct delta *d, uint32_t rt, const char *prefix, uint8_t depth,
			   uint8_t target, uint32_t eni)
{
	struct delta_entry e = {.kind = DELTA_ROUTE_SET};
	e.route.route_table = rt;
	e.route.depth = depth;
	e.route.target = target;
	e.route.eni = eni;
	if (strchr(prefix, ':')) {
		e.route.family = 6;
		ip6(prefix, e.route.prefix);
	} else {
		uint32_t a = ip4(prefix);
		e.route.family = 4;
		memcpy(e.route.prefix, &a, 4);
	}
	push(d, &e);
}

static inline void d_subnet(struct delta *d, uint32_t slot, const char *cidr4, uint8_t depth4,
			    const char *cidr6)
{
	struct delta_entry e = {.kind = DELTA_SUBNET_SET};
	e.subnet.slot = slot;
	e.subnet.route_table = slot;
	e.subnet.cidr4 = ip4(cidr4);
	e.subnet.depth4 = depth4;
	if (cidr6) {
		e.subnet.has_v6 = 1;
		e.subnet.depth6 = 64;
		ip6(cidr6, e.subnet.cidr6);
	}
	push(d, &e);
}

/* Port MTUs of the next fixture_builder(): uplink, host 1, host 2. */
static uint16_t fixture_mtu[3] = {1500, 9001, 9001};

static inline struct builder *fixture_builder(unsigned max_readers)
{
	struct builder_params p;

	memset(&p, 0, sizeof(p));
	p.max_v4 = 1024;
	p.max_v6 = 1024;
	p.max_eips = 1024;
	p.max_enis = 64;
	p.max_subnets = 16;
	p.max_route_tables = 16;
	p.max_readers = max_readers;
	p.n_ports = 3;
	p.ports[0].role = FWD_PORT_UPLINK;
	memcpy(p.ports[0].mac, MAC_UPLINK, 6);
	p.ports[0].has_upstream_mac = true;
	memcpy(p.ports[0].upstream_mac, MAC_UPSTREAM, 6);
	p.ports[1].role = FWD_PORT_HOST;
	memcpy(p.ports[1].mac, MAC_HOST1, 6);
	p.ports[2].role = FWD_PORT_HOST;
	memcpy(p.ports[2].mac, MAC_HOST2, 6);
	for (int i = 0; i < 3; i++)
		p.ports[i].mtu = fixture_mtu[i];
	return builder_create(&p);
}

/* The VPC described at the top, as one delta. */
static inline void fixture_delta(struct delta *d)
{
	d_subnet(d, 0, "10.0.1.0", 24, "2001:db8:0:1::");
	d_subnet(d, 1, "10.0.2.0", 24, NULL);
	d_route(d, 0, "10.0.0.0", 16, ROUTE_LOCAL, 0);
	d_route(d, 0, "2001:db8::", 56, ROUTE_LOCAL, 0);
	d_route(d, 0, "0.0.0.0", 0, ROUTE_IGW, 0);
	d_route(d, 0, "::", 0, ROUTE_IGW, 0);
	d_route(d, 0, "192.0.2.0", 24, ROUTE_BLACKHOLE, 0);
	d_route(d, 0, "198.51.100.0", 24, ROUTE_ENI, 3);
	d_route(d, 0, "198.51.100.128", 25, ROUTE_BLACKHOLE, 0);
	d_route(d, 1, "10.0.0.0", 16, ROUTE_LOCAL, 0);
	d_eni(d, 0, 0, 1, 0, ENI_FWD_OK, 1);
	d_eni(d, 1, 0, 2, 100, ENI_FWD_OK, 1);
	d_eni(d, 2, 1, 2, 0, ENI_FWD_STOPPED, 1);
	d_eni(d, 3, 0, 1, 0, ENI_FWD_OK, 0);
	d_eni(d, 4, 0, 0, 0, ENI_FWD_DETACHED, 1);
	d_eni(d, 5, 1, 1, 0, ENI_FWD_OK, 1);
	d_v4(d, "10.0.1.10", 0, "203.0.113.10");
	d_v4(d, "10.0.1.11", 0, NULL);
	d_v6(d, "2001:db8:0:1::10", 0);
	d_v4(d, "10.0.1.20", 1, "203.0.113.20");
	d_v6(d, "2001:db8:0:1::20", 1);
	d_v4(d, "10.0.2.30", 2, "203.0.113.30");
	d_v4(d, "10.0.1.40", 3, NULL);
	d_v4(d, "10.0.1.50", 4, "203.0.113.50");
	d_v4(d, "10.0.2.60", 5, NULL);
}

static inline int fixture_setup(void **state)
{
	struct delta d = {0};

	(void)state;
	B = fixture_builder(1);
	assert_non_null(B);
	W = pipeline_worker_create(0, builder_max_enis(B));
	assert_non_null(W);
	fixture_delta(&d);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
	return 0;
}

/* The same VPC in new tables whose ports have these MTUs (the worker stays). */
static inline void fixture_reload_mtu(uint16_t uplink, uint16_t host1, uint16_t host2)
{
	struct delta d = {0};

	builder_free(B);
	fixture_mtu[0] = uplink;
	fixture_mtu[1] = host1;
	fixture_mtu[2] = host2;
	B = fixture_builder(1);
	assert_non_null(B);
	fixture_delta(&d);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);
}

static inline int fixture_teardown(void **state)
{
	(void)state;
	fixture_mtu[0] = 1500;
	fixture_mtu[1] = fixture_mtu[2] = 9001;
	pipeline_worker_free(W);
	builder_free(B);
	W = NULL;
	B = NULL;
	return 0;
}

static inline const struct counters *C(void)
{
	return pipeline_worker_counters(W);
}

/*
 * Push m through the pipeline on in_port. Returns the mbuf sent (and its
 * port in *out), or NULL when it was dropped.
 */
static inline struct rte_mbuf *run(uint16_t in_port, struct rte_mbuf *m, int *out)
{
	struct pipeline_tx tx;
	struct rte_mbuf *res = NULL;
	unsigned total = 0;

	memset(tx.n, 0, sizeof(tx.n));
	pipeline_burst(W, builder_side(B), in_port, &m, 1, &tx);
	*out = -1;
	for (int p = 0; p < FWD_MAX_PORTS; p++) {
		total += tx.n[p];
		if (tx.n[p]) {
			res = tx.pkts[p][0];
			*out = p;
		}
	}
	assert_true(total <= 1);
	return res;
}

/*
 * The packet trace (observe.h) of m on in_port: the record of its passage.
 * m is consumed like run() consumes it; what it became is freed.
 */
static inline void trace_one_by(struct pipeline_worker *w, uint16_t in_port, struct rte_mbuf *m,
				struct obs_record *r)
{
	struct pipeline_tx tx;

	memset(tx.n, 0, sizeof(tx.n));
	obs_one(w, builder_side(B), in_port, m, &tx, r);
	for (int p = 0; p < FWD_MAX_PORTS; p++)
		rte_pktmbuf_free_bulk(tx.pkts[p], tx.n[p]);
}

static inline void trace_one(uint16_t in_port, struct rte_mbuf *m, struct obs_record *r)
{
	trace_one_by(W, in_port, m, r);
}

/* m copied segment by segment (rte_pktmbuf_copy would join them), metadata too. */
static inline struct rte_mbuf *copy_segment(const struct rte_mbuf *s)
{
	struct rte_mbuf *c = rte_pktmbuf_alloc(dp_pool);
	char *d;

	assert_non_null(c);
	d = rte_pktmbuf_append(c, s->data_len);
	assert_non_null(d);
	memcpy(d, rte_pktmbuf_mtod(s, const char *), s->data_len);
	return c;
}

static inline struct rte_mbuf *copy_segments(const struct rte_mbuf *m)
{
	struct rte_mbuf *head = copy_segment(m), *tail = head;

	for (const struct rte_mbuf *s = m->next; s != NULL; s = s->next) {
		tail->next = copy_segment(s);
		tail = tail->next;
		head->nb_segs++;
		head->pkt_len += tail->data_len;
	}
	head->port = m->port;
	head->vlan_tci = m->vlan_tci;
	head->ol_flags = m->ol_flags;
	head->packet_type = m->packet_type;
	return head;
}

/*
 * The trace of a copy of m must name this drop reason (m is left as it is).
 * The copy goes through a worker of its own, so that the counters the test
 * checks see m alone.
 */
static inline void expect_traced_drop(uint16_t in_port, const struct rte_mbuf *m, unsigned reason)
{
	static struct pipeline_worker *wt;
	static uint32_t wt_enis;
	struct rte_mbuf *copy = copy_segments(m);
	struct obs_record r;

	if (wt == NULL || wt_enis != builder_max_enis(B)) {
		pipeline_worker_free(wt);
		wt_enis = builder_max_enis(B);
		wt = pipeline_worker_create(0, wt_enis);
		assert_non_null(wt);
	}
	trace_one_by(wt, in_port, copy, &r);
	if (r.drop != reason)
		fail_msg("the trace says '%s', expected drop '%s'",
			 r.drop < COUNTERS_DROP_MAX ? counters_drop_name(r.drop) : "not dropped",
			 counters_drop_name(reason));
	assert_int_equal(r.in_port, in_port);
}

/*
 * m must be dropped with this reason, counted once, for the port too; and
 * the trace of the same packet (a copy, first) names that reason.
 */
static inline void expect_drop(uint16_t in_port, struct rte_mbuf *m, unsigned reason)
{
	expect_traced_drop(in_port, m, reason);
	uint64_t before = C()->drop[reason], pbefore = C()->port[in_port].drop;
	uint64_t total = counters_drops_total(C());
	int out;

	struct rte_mbuf *r = run(in_port, m, &out);
	if (r != NULL)
		rte_pktmbuf_free(r);
	assert_null(r);
	if (C()->drop[reason] != before + 1)
		fail_msg("expected drop '%s'", counters_drop_name(reason));
	assert_int_equal(C()->port[in_port].drop, pbefore + 1);
	assert_int_equal(counters_drops_total(C()), total + 1);
}

/* m must be sent out of port want; returns it (the caller frees it). */
static inline struct rte_mbuf *expect_out(uint16_t in_port, struct rte_mbuf *m, int want)
{
	uint64_t total = counters_drops_total(C());
	int out;
	struct rte_mbuf *r = run(in_port, m, &out);

	if (r == NULL) {
		for (unsigned i = 0; i < COUNTERS_DROP_MAX; i++)
			if (C()->drop[i])
				fprintf(stderr, "  drop %s: %lu\n", counters_drop_name(i),
					(unsigned long)C()->drop[i]);
		fail_msg("packet dropped (total drops %lu -> %lu)", (unsigned long)total,
			 (unsigned long)counters_drops_total(C()));
	}
	assert_int_equal(out, want);
	assert_int_equal(counters_drops_total(C()), total);
	return r;
}

static inline uint8_t *l2(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, uint8_t *);
}

/* The L3 header of a sent frame, checking its VLAN tag is `vlan` (0 = none). */
static inline uint8_t *l3_of(struct rte_mbuf *m, uint16_t vlan, uint16_t ethertype)
{
	uint8_t *e = l2(m);
	if (vlan) {
		assert_int_equal(get16(e + 12), 0x8100);
		assert_int_equal(get16(e + 14) & 0xfff, vlan);
		assert_int_equal(get16(e + 16), ethertype);
		return e + 18;
	}
	assert_int_equal(get16(e + 12), ethertype);
	return e + 14;
}

static inline void expect_macs(struct rte_mbuf *m, const uint8_t dst[6], const uint8_t src[6])
{
	assert_memory_equal(l2(m), dst, 6);
	assert_memory_equal(l2(m) + 6, src, 6);
}

static inline uint32_t addr_at(const uint8_t *p)
{
	uint32_t a;
	memcpy(&a, p, 4);
	return a;
}

#endif
