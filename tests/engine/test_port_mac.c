/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_port_mac.c - a port's configured MAC (engine/port.c, port_start).
 * A PMD that takes it (net_null) reports it back; a PMD that cannot
 * (net_memif: "Operation not supported") no longer stops the start: the
 * port starts with the configured MAC in software (port_info.mac, which the
 * engine gives the pipeline as the frames' source and its not-for-us
 * filter) and receives every frame, so that frames sent to that MAC arrive.
 * The two ends of one memif link (server and client) live in this process.
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

#include "port.h"

#define NULL_DEV "net_null7"
#define SRV_DEV "net_memif70"
#define CLI_DEV "net_memif71"

static char sock_path[96];
static struct rte_mempool *pool;

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

int main(void)
{
	char pfx[64], srv[192], cli[192];
	snprintf(pfx, sizeof(pfx), "--file-prefix=test-port-mac-%d", (int)getpid());
	snprintf(sock_path, sizeof(sock_path), "/tmp/enimap-test-memif-%d.sock", (int)getpid());
	snprintf(srv, sizeof(srv),
		 "--vdev=" SRV_DEV ",role=server,id=0,socket=%s,socket-abstract=no", sock_path);
	snprintf(cli, sizeof(cli),
		 "--vdev=" CLI_DEV ",role=client,id=0,socket=%s,socket-abstract=no", sock_path);
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
		       cli};
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("port_mac", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (pool == NULL) {
		fprintf(stderr, "no mempool\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(mac_taken_by_the_device_is_read_back),
	    cmocka_unit_test(mac_the_device_cannot_take_is_used_in_software),
	};
	int rc = cmocka_run_group_tests_name("port_mac", tests, NULL, NULL);
	for (uint16_t id = 0; id < RTE_MAX_ETHPORTS; id++)
		if (rte_eth_dev_is_valid_port(id))
			rte_eth_dev_close(id);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	unlink(sock_path);
	char run_dir[128];
	snprintf(run_dir, sizeof(run_dir), "rm -rf /var/run/dpdk/test-port-mac-%d", (int)getpid());
	if (system(run_dir) != 0)
		fprintf(stderr, "could not remove the EAL runtime directory\n");
	return rc;
}
