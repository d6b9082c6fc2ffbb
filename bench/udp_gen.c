/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udp_gen.c - the traffic generator of bench/vs_nftables.sh: 64-byte UDP
 * frames to destinations uniformly random over N consecutive IPv4
 * addresses (the EIPs), sent as fast as one core can on a raw AF_PACKET
 * socket with sendmmsg(), for a fixed time.
 *
 * Usage: enimap-udp-gen IFACE DST_MAC SRC_IP FIRST_DST N SECONDS
 * Prints the number of frames sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_frame.h"

#define FRAMES 8192 /* distinct frames, cycled */
#define BATCH 64
#define LEN 60 /* 64 on the wire with the FCS */

static uint8_t frame[FRAMES][LEN];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	uint8_t dmac[6];
	struct in_addr src, first;
	uint64_t rng = 0x853c49e6748fea9bull, sent = 0;
	struct sockaddr_ll sll = {0};
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];

	if (argc != 7 ||
	    sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3],
		   &dmac[4], &dmac[5]) != 6 ||
	    inet_pton(AF_INET, argv[3], &src) != 1 || inet_pton(AF_INET, argv[4], &first) != 1) {
		fprintf(stderr, "usage: %s IFACE DST_MAC SRC_IP FIRST_DST N SECONDS\n", argv[0]);
		return 2;
	}
	uint32_t n = (uint32_t)strtoul(argv[5], NULL, 0);
	double seconds = atof(argv[6]);
	if (n == 0 || seconds <= 0 || seconds > 600) {
		fprintf(stderr, "N > 0 and 0 < SECONDS <= 600\n");
		return 2;
	}
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		perror(argv[1]);
		return 1;
	}
	for (unsigned i = 0; i < FRAMES; i++) {
		static const uint8_t smac[6] = {0x02, 0x99, 0x00, 0x00, 0x00, 0x01};
		uint32_t dst;

		dst = htonl(ntohl(first.s_addr) + bench_rand(&rng) % n);
		/* UDP 12345 -> 5001, no checksum */
		bench_fill_udp4(frame[i], LEN, dmac, smac, src.s_addr, dst, 0, BENCH_UDP_NO_CSUM);
	}
	memset(msg, 0, sizeof(msg));
	double end = now() + seconds;
	unsigned k = 0;
	while (now() < end) {
		for (unsigned i = 0; i < BATCH; i++) {
			iov[i].iov_base = frame[k];
			iov[i].iov_len = LEN;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			k = (k + 1) % FRAMES;
		}
		int r = sendmmsg(fd, msg, BATCH, 0);
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("sendmmsg");
			return 1;
		}
		if (r > 0)
			sent += (uint64_t)r;
	}
	printf("%llu\n", (unsigned long long)sent);
	close(fd);
	return 0;
}
