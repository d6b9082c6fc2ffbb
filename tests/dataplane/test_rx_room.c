/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_rx_room.c - a datagram bigger than the MTU arrives whole (D7): the
 * engine's mbufs are as big as the biggest frame a port hands over
 * (port_rx_data_room, engine/port.c). net_af_packet copies each frame of
 * its kernel ring into one mbuf and refuses a pool whose data room is
 * smaller than its ring frame; with framesz=4096 and a pool of that room, a
 * 3000-byte datagram comes through whole, in one segment.
 *
 * The second test opens a real net_af_packet port on the loopback interface
 * (needs root: without it exit 77, a meson skip; as root a port that cannot be created fails).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rte_ethdev.h>

#include "dp_test.h"
#include "port.h"

#define LO_DEV "net_af_packet_rxroom"
#define LO_DEV_ARGS LO_DEV ",iface=lo,framesz=4096,blocksz=4096,framecnt=64"

static void rx_room_fits_af_packet_framesz(void **st)
{
	(void)st;
	/* tpacket2_hdr (32 bytes, aligned) is not copied; the headroom is kept */
	assert_int_equal(port_rx_data_room("net_ring0"), RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up"), RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,framesz=2048"),
			 RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,framesz=4096,blocksz=4096"),
			 RTE_PKTMBUF_HEADROOM + 4096 - 32);
	assert_int_equal(port_rx_data_room("eth_af_packet1,framesz=16384,iface=up"),
			 RTE_PKTMBUF_HEADROOM + 16384 - 32);
	/* framesz only as a whole argument name */
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,xframesz=9000"),
			 RTE_MBUF_DEFAULT_BUF_SIZE);
	/* not a number, or too big for a mempool's 16-bit data room: refused */
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,framesz=4k"), 0);
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,framesz="), 0);
	assert_int_equal(port_rx_data_room("net_af_packet0,iface=up,framesz=65536"), 0);
}

/* Send a 3000-byte IPv4 datagram (2972 bytes of UDP payload) to 127.0.0.1:port. */
static void send_big_datagram(uint16_t port, uint8_t *payload, size_t len)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(s >= 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (size_t i = 0; i < len; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(sendto(s, payload, len, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)len);
	close(s);
}

/* The first frame on port_id carrying a UDP datagram to dport (waits up to ~2 s). */
static struct rte_mbuf *rx_udp_to(uint16_t port_id, uint16_t dport)
{
	for (int tries = 0; tries < 2000; tries++) {
		struct rte_mbuf *pkts[32];
		uint16_t n = rte_eth_rx_burst(port_id, 0, pkts, 32);
		struct rte_mbuf *found = NULL;

		for (uint16_t i = 0; i < n; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

			if (found == NULL && pkts[i]->data_len >= 14 + 20 + 8 &&
			    get16(f + 12) == 0x0800 && f[14 + 9] == 17 &&
			    get16(f + 14 + 20 + 2) == dport)
				found = pkts[i];
			else
				rte_pktmbuf_free(pkts[i]);
		}
		if (found != NULL)
			return found;
		usleep(1000);
	}
	return NULL;
}

static void af_packet_framesz_4096_receives_3000_byte_datagram_whole(void **st)
{
	(void)st;
	static uint8_t payload[2972];
	const uint16_t dport = 47101;
	struct port_info pi;
	struct port_conf pc = {.n_workers = 1, .rx_desc = 64, .tx_desc = 64};
	struct rte_mempool *small, *big;
	unsigned room = port_rx_data_room(LO_DEV_ARGS);

	assert_int_equal(port_find_id(LO_DEV_ARGS, &pc.port_id), 0);
	assert_int_equal(room, RTE_PKTMBUF_HEADROOM + 4096 - 32);
	/* the default room is what af_packet refuses for framesz=4096 */
	small = rte_pktmbuf_pool_create("rx_small", 255, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	assert_non_null(small);
	pc.pool = small;
	assert_int_not_equal(port_start(&pc, &pi), 0);
	/* the room port_rx_data_room asks for: started, the datagram whole */
	big = rte_pktmbuf_pool_create("rx_big", 255, 0, 0, (uint16_t)room, 0);
	assert_non_null(big);
	pc.pool = big;
	assert_int_equal(port_start(&pc, &pi), 0);

	send_big_datagram(dport, payload, sizeof(payload));
	struct rte_mbuf *m = rx_udp_to(pc.port_id, dport);
	assert_non_null(m);
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, 14);
	assert_int_equal(m->nb_segs, 1);
	assert_int_equal(m->pkt_len, 14 + 3000);
	assert_int_equal(get16(ip + 2), 3000);
	assert_int_equal(get16(ip + 6) & 0x3fff, 0); /* not a fragment */
	assert_memory_equal(ip + 28, payload, sizeof(payload));
	assert_true(dp_ip4_ok(ip));
	rte_pktmbuf_free(m);

	port_stop(pc.port_id);
	rte_mempool_free(big);
	rte_mempool_free(small);
}

int main(int argc, char **argv)
{
	char pfx[96];
	char *eal[] = {(char *)"rxroom",
		       (char *)"--no-huge",
		       (char *)"-m",
		       (char *)"512",
		       (char *)"--no-pci",
		       pfx,
		       (char *)"--log-level=error",
		       (char *)"-l",
		       (char *)"0",
		       (char *)"--vdev=" LO_DEV_ARGS};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rx_room_fits_af_packet_framesz),
	    cmocka_unit_test(af_packet_framesz_4096_receives_3000_byte_datagram_whole),
	};
	uint16_t id;
	int rc;

	snprintf(dp_prefix, sizeof(dp_prefix), "dp-rxroom-%d", (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", dp_prefix);
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])), eal) < 0 ||
	    rte_eth_dev_get_port_by_name(LO_DEV, &id) != 0) {
		if (geteuid() != 0) {
			fprintf(stderr, "no net_af_packet port on lo without root: skipped\n");
			return 77;
		}
		fprintf(stderr, "no net_af_packet port on lo, as root: failed\n");
		return 1; /* as root the port must come up: not a skip */
	}
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	rc = cmocka_run_group_tests_name("rx_room", tests, NULL, NULL);
	dp_pool = NULL;
	dp_eal_down();
	return rc;
}
