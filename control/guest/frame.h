/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frame.h - the frames the guest services read and write: Ethernet (with
 * or without an 802.1Q tag), IPv4, UDP. Bytes only (no DPDK), so the unit
 * tests read exactly what goes on the wire.
 */
#ifndef ENIMAP_GUEST_FRAME_H
#define ENIMAP_GUEST_FRAME_H

#include <stddef.h>
#include <stdint.h>

/* A UDP-over-IPv4 frame, as read. Addresses in network order, ports in host order. */
struct frame_udp4 {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t vlan; /* 0 = untagged */
	uint32_t src_ip, dst_ip;
	uint16_t src_port, dst_port;
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Read a frame of len bytes. 0, or -1 when it is not a whole, well-formed
 * UDP-over-IPv4 frame (truncated, bad IP header or checksum, a fragment,
 * UDP lengths that disagree with the IP packet).
 */
int frame_udp4_parse(const uint8_t *f, size_t len, struct frame_udp4 *out);

/*
 * Write a frame with fr's addresses, ports and payload into buf (cap bytes):
 * TTL 64, the IP and UDP checksums computed. Returns its length, 0 when cap
 * is too small.
 */
size_t frame_udp4_build(uint8_t *buf, size_t cap, const struct frame_udp4 *fr);

#endif
