/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_port_mac.c - a port's configured MAC (engine/port.c, port_start).
 * A PMD that takes it (net_null) reports it back; a PMD that cannot
 * (net_memif: "Operation not supported") no longer stops the start: the
 * port starts with the configured MAC in software (port_info.mac, which the
 * engine gives the pipeline as the frames' source and its not-for-us
 * filter) and receives every frame, so that frames sent to that MAC arrive.
 * The two ends of one memif link (server and client) live in this process.
 * Then the pipeline on such a port (tables built as the engine builds them,
 * with port_info.mac as the port's MAC): an ARP request that came over the
 * memif link is answered with the configured MAC, the answer crosses back,
 * and a unicast frame to any other MAC (the device's own included) is
 * dropped as not-for-us.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fixture.h" /* tests/dataplane: the VPC, the pipeline runner */
#include "port.h"

#define NULL_DEV "net_null7"
#define SRV_DEV "net_memif70"
#define CLI_DEV "net_memif71"
/* a second link for the pipeline test (a closed port cannot start again) */
#define SRV2_DEV "net_memif72"
#define CLI2_DEV "net_memif73"

static char sock_path[96], sock2_path[96];
static struct rte_mempool *pool;
static uint8_t buf[64];

static const uint8_t want_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x07, 0x01};

static struct port_conf conf(const char *dev, bool has_mac)
{
	struct port_conf c = {.n_workers = 1, .rx_desc = 64, .tx_desc = 64, .pool = pool};
	c.has_mac = has_mac;
	memcpy(c.mac, want_mac, 6);
	assert_int_equal(port_find_id(dev, &c.port_id), 0);
	return c;
}

static void mac_taken_by_the_device_is_read_back(void **st)
{
	(void)st;
	struct port_conf c = conf(NULL_DEV, true);
	struct port_info pi;
	assert_int_equal(port_start(&c, &pi), 0);
	assert_false(pi.mac_in_software);
	assert_memory_equal(pi.mac, want_mac, 6);
	struct rte_ether_addr dev_mac;
	assert_int_equal(rte_eth_macaddr_get(c.port_id, &dev_mac), 0);
	assert_memory_equal(dev_mac.addr_bytes, want_mac, 6); /* in the device itself */
	port_stop(c.port_id);
}

/* A frame to dst from the client end, received on the server end (~3 s at most). */
static struct rte_mbuf *send_and_receive(uint16_t cli, uint16_t srv, const uint8_t *dst)
{
	for (int tries = 0; tries < 3000; tries++) {
		struct rte_eth_link link;
		if (rte_eth_link_get_nowait(cli, &link) != 0 || !link.link_status) {
			usleep(1000); /* memif connects from the interrupt thread */
			continue;
		}
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		assert_non_null(m);
		uint8_t frame[60] = {[6] = 0x02, [11] = 0x99, [12] = 0x08}; /* IPv4, no payload */
		memcpy(frame, dst, 6);
		char *f = rte_pktmbuf_append(m, sizeof(frame));
		assert_non_null(f);
		rte_memcpy(f, frame, sizeof(frame));
		if (rte_eth_tx_burst(cli, 0, &m, 1) != 1)
			rte_pktmbuf_free(m);
		for (int k = 0; k < 10; k++) {
			struct rte_mbuf *got;
			if (rte_eth_rx_burst(srv, 0, &got, 1) == 1)
				return got;
			usleep(100);
		}
	}
	return NULL;
}

static void mac_the_device_cannot_take_is_used_in_software(void **st)
{
	(void)st;
	struct port_conf s = conf(SRV_DEV, true), c = conf(CLI_DEV, false);
	struct port_info spi, cpi;
	struct rte_ether_addr dev_mac;

	/* the premise: net_memif refuses a MAC */
	assert_int_equal(rte_eth_macaddr_get(s.port_id, &dev_mac), 0);
	assert_int_equal(rte_eth_dev_default_mac_addr_set(s.port_id, &dev_mac), -ENOTSUP);

	assert_int_equal(port_start(&s, &spi), 0);
	assert_true(spi.mac_in_software);
	assert_memory_equal(spi.mac, want_mac, 6);
	assert_int_equal(port_start(&c, &cpi), 0);
	assert_false(cpi.mac_in_software); /* no MAC configured: the device's */

	struct rte_mbuf *m = send_and_receive(c.port_id, s.port_id, want_mac);
	assert_non_null(m);
	assert_memory_equal(rte_pktmbuf_mtod(m, const uint8_t *), want_mac, 6);
	rte_pktmbuf_free(m);
	port_stop(c.port_id);
	port_stop(s.port_id);
}

/*
 * Both ends of a memif link up (~3 s at most): memif connects from the
 * interrupt thread. Then one empty receive on each end: a memif receiver
 * hands the sender its ring's buffers when it polls, and the server end
 * cannot send before its client has polled once.
 */
static bool link_up(uint16_t a, uint16_t b)
{
	for (int tries = 0; tries < 3000; tries++) {
		struct rte_eth_link la, lb;
		if (rte_eth_link_get_nowait(a, &la) == 0 && la.link_status &&
		    rte_eth_link_get_nowait(b, &lb) == 0 && lb.link_status) {
			struct rte_mbuf *m;
			assert_int_equal(rte_eth_rx_burst(a, 0, &m, 1), 0);
			assert_int_equal(rte_eth_rx_burst(b, 0, &m, 1), 0);
			return true;
		}
		usleep(1000);
	}
	return false;
}

/* m sent once on from's queue 0 and received on to's (~2 s at most), or NULL. */
static struct rte_mbuf *carry(uint16_t from, uint16_t to, struct rte_mbuf *m)
{
	uint16_t sent = 0;

	for (int tries = 0; tries < 100 && sent == 0; tries++) {
		sent = rte_eth_tx_burst(from, 0, &m, 1);
		if (sent == 0)
			usleep(1000);
	}
	if (sent == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (int tries = 0; tries < 20000; tries++) {
		struct rte_mbuf *got;
		if (rte_eth_rx_burst(to, 0, &got, 1) == 1)
			return got;
		usleep(100);
	}
	return NULL;
}

/* The fixture's tables (tests/dataplane/fixture.h) with port HOST1's MAC this one. */
static struct builder *builder_with_host1_mac(const uint8_t mac[6])
{
	struct builder_params p;

	memset(&p, 0, sizeof(p));
	p.max_v4 = p.max_v6 = p.max_eips = 1024;
	p.max_enis = 64;
	p.max_subnets = p.max_route_tables = 16;
	p.max_readers = 1;
	p.n_ports = 3;
	p.ports[0].role = FWD_PORT_UPLINK;
	memcpy(p.ports[0].mac, MAC_UPLINK, 6);
	p.ports[0].has_upstream_mac = true;
	memcpy(p.ports[0].upstream_mac, MAC_UPSTREAM, 6);
	p.ports[1].role = FWD_PORT_HOST;
	memcpy(p.ports[1].mac, mac, 6);
	p.ports[2].role = FWD_PORT_HOST;
	memcpy(p.ports[2].mac, MAC_HOST2, 6);
	for (int i = 0; i < 3; i++)
		p.ports[i].mtu = 1500;
	return builder_create(&p);
}

#define HOST1 1 /* the memif server end is the engine's port 1 (host) */

static void software_mac_answers_arp_and_filters_not_for_us(void **st)
{
	(void)st;
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct port_conf s = conf(SRV2_DEV, true), c = conf(CLI2_DEV, false);
	struct port_info spi, cpi;
	struct rte_ether_addr dev_mac;
	struct delta d = {0};
	struct rte_mbuf *m, *r;
	uint16_t n;

	assert_int_equal(port_start(&s, &spi), 0);
	assert_true(spi.mac_in_software);
	assert_memory_equal(spi.mac, want_mac, 6);
	assert_int_equal(port_start(&c, &cpi), 0);
	/* the device keeps a MAC of its own, which is not the configured one */
	assert_int_equal(rte_eth_macaddr_get(s.port_id, &dev_mac), 0);
	assert_memory_not_equal(dev_mac.addr_bytes, want_mac, 6);
	assert_true(link_up(s.port_id, c.port_id));

	/* the tables as engine.c builds them: the port's MAC is port_info.mac */
	B = builder_with_host1_mac(spi.mac);
	assert_non_null(B);
	W = pipeline_worker_create(0, builder_max_enis(B));
	assert_non_null(W);
	fixture_delta(&d);
	assert_int_equal(builder_apply(B, &d), 0);
	delta_free(&d);

	/* ENI 0 (port 1, 10.0.1.10) asks for a free address of its subnet and for
	 * the gateway; each request crosses the memif link, the pipeline answers
	 * with the configured MAC, the answer crosses back */
	const char *targets[] = {"10.0.1.200", "10.0.1.1"};
	for (unsigned i = 0; i < 2; i++) {
		uint64_t replies = C()->arp_replies;
		n = build_arp(buf, 1, MAC_ENI[0], ip4("10.0.1.10"), ip4(targets[i]));
		m = carry(c.port_id, s.port_id, frame(bcast, MAC_ENI[0], 0, 0x0806, buf, n));
		assert_non_null(m);
		r = expect_out(HOST1, m, HOST1);
		assert_int_equal(C()->arp_replies, replies + 1);
		r = carry(s.port_id, c.port_id, r);
		assert_non_null(r);
		uint8_t *a = l3_of(r, 0, 0x0806);
		expect_macs(r, MAC_ENI[0], want_mac);	 /* from the configured MAC */
		assert_int_equal(get16(a + 6), 2);	 /* a reply */
		assert_memory_equal(a + 8, want_mac, 6); /* sender MAC: the configured one */
		assert_int_equal(addr_at(a + 14), ip4(targets[i]));
		assert_memory_equal(a + 18, MAC_ENI[0], 6);
		assert_int_equal(addr_at(a + 24), ip4("10.0.1.10"));
		rte_pktmbuf_free(r);
	}

	/* unicast to the configured MAC is taken (ENI 0 to ENI 1: delivered on
	 * port 2); to the device's own MAC or a stranger's it is not-for-us */
	struct v4spec east = {
	    .src = ip4("10.0.1.10"), .dst = ip4("10.0.1.20"), .proto = 17, .payload = 4};
	n = build_ip4(buf, &east);
	m = carry(c.port_id, s.port_id, frame(want_mac, MAC_ENI[0], 0, 0x0800, buf, n));
	assert_non_null(m);
	rte_pktmbuf_free(expect_out(HOST1, m, 2));
	const uint8_t *others[] = {dev_mac.addr_bytes, MAC_STRANGER};
	for (unsigned i = 0; i < 2; i++) {
		m = carry(c.port_id, s.port_id, frame(others[i], MAC_ENI[0], 0, 0x0800, buf, n));
		assert_non_null(m);
		expect_drop(HOST1, m, COUNTERS_DROP_NOT_FOR_US);
	}
	assert_int_equal(C()->drop[COUNTERS_DROP_NOT_FOR_US], 2);

	fixture_teardown(NULL);
	port_stop(c.port_id);
	port_stop(s.port_id);
}

int main(void)
{
	char pfx[64], srv[192], cli[192];
	snprintf(pfx, sizeof(pfx), "--file-prefix=test-port-mac-%d", (int)getpid());
	snprintf(sock_path, sizeof(sock_path), "/tmp/enimap-test-memif-%d.sock", (int)getpid());
	snprintf(srv, sizeof(srv),
		 "--vdev=" SRV_DEV ",role=server,id=0,socket=%s,socket-abstract=no", sock_path);
	snprintf(cli, sizeof(cli),
		 "--vdev=" CLI_DEV ",role=client,id=0,socket=%s,socket-abstract=no", sock_path);
	char srv2[192], cli2[192];
	snprintf(sock2_path, sizeof(sock2_path), "/tmp/enimap-test-memif2-%d.sock", (int)getpid());
	snprintf(srv2, sizeof(srv2),
		 "--vdev=" SRV2_DEV ",role=server,id=0,socket=%s,socket-abstract=no", sock2_path);
	snprintf(cli2, sizeof(cli2),
		 "--vdev=" CLI2_DEV ",role=client,id=0,socket=%s,socket-abstract=no", sock2_path);
	char *eal[] = {(char *)"test_port_mac",
		       (char *)"--no-huge",
		       (char *)"-m",
		       (char *)"512",
		       (char *)"--no-pci",
		       pfx,
		       (char *)"--log-level=error",
		       (char *)"-l",
		       (char *)"0",
		       (char *)"--vdev=" NULL_DEV,
		       srv,
		       cli,
		       srv2,
		       cli2};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("port_mac", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL) {
		fprintf(stderr, "no mempool\n");
		return 1;
	}
	dp_pool = pool; /* fixture.h's frames */
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mac_taken_by_the_device_is_read_back),
	    cmocka_unit_test(mac_the_device_cannot_take_is_used_in_software),
	    cmocka_unit_test(software_mac_answers_arp_and_filters_not_for_us),
	};
	int rc = cmocka_run_group_tests_name("port_mac", tests, NULL, NULL);
	for (uint16_t id = 0; id < RTE_MAX_ETHPORTS; id++)
		if (rte_eth_dev_is_valid_port(id))
			rte_eth_dev_close(id);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	unlink(sock_path);
	unlink(sock2_path);
	char run_dir[128];
	snprintf(run_dir, sizeof(run_dir), "rm -rf /var/run/dpdk/test-port-mac-%d", (int)getpid());
	if (system(run_dir) != 0)
		fprintf(stderr, "could not remove the EAL runtime directory\n");
	return rc;
}
