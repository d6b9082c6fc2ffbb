/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * frame.h - the frames the guest services read and write: Ethernet (with
 * or without an 802.1Q tag), IPv4, UDP, IPv6. Bytes only (no DPDK), so the unit
 * tests read exactly what goes on the wire.
 */
#ifndef ENIMAP_GUEST_FRAME_H
#define ENIMAP_GUEST_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IPv4 frame, as read: ip points into the frame. Addresses in network order. */
struct frame_ip4 {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t vlan; /* 0 = untagged */
	const uint8_t *ip;
	size_t ip_len; /* the IP total length */
	size_t ihl;
	uint8_t proto;
	uint32_t src_ip, dst_ip;
};

/*
 * Read a frame of len bytes: 0, or -1 when it is not an IPv4 frame with a
 * well-formed header (version, lengths within the frame, checksum).
 */
int frame_ip4_parse(const uint8_t *f, size_t len, struct frame_ip4 *out);

/* Write an Ethernet frame (802.1Q-tagged when vlan) around an IPv4 or IPv6 packet (its version
 * gives the ethertype). Its length, 0 when cap is too small. */
size_t frame_eth_build(uint8_t *buf, size_t cap, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		       uint16_t vlan, const uint8_t *ip, size_t ip_len);

/*
 * Replace an IPv4 packet's source (dst false) or destination address with
 * addr (network order), updating the IP and TCP/UDP checksums
 * incrementally (RFC 1624), so that a checksum the sender got wrong stays
 * wrong. 0, or -1 when len cannot hold the header.
 */
int frame_ip4_rewrite(uint8_t *ip, size_t len, bool dst, uint32_t addr);

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

#define FRAME_IP6_UDP 17
#define FRAME_IP6_ICMP6 58

/*
 * An IPv6 frame with no extension header: payload is the upper-layer
 * packet (a UDP header and its data, or an ICMPv6 message).
 */
struct frame_ip6 {
	uint8_t dst_mac[6], src_mac[6];
	uint16_t vlan; /* 0 = untagged */
	uint8_t src_ip[16], dst_ip[16];
	uint8_t next; /* the upper layer: FRAME_IP6_UDP, FRAME_IP6_ICMP6, ... */
	uint8_t hop_limit;
	const uint8_t *payload;
	size_t payload_len;
};

/*
 * Read a frame of len bytes. 0, or -1 when it is not an IPv6 frame whose
 * payload lies within the frame, or when its next header is UDP or ICMPv6
 * and the checksum is wrong (mandatory for both over IPv6).
 */
int frame_ip6_parse(const uint8_t *f, size_t len, struct frame_ip6 *out);

/*
 * Write a frame with fr's addresses, hop limit and payload into buf (cap
 * bytes); for UDP and ICMPv6 the payload's checksum field is computed.
 * payload may point into buf. Its length, 0 when cap is too small.
 */
size_t frame_ip6_build(uint8_t *buf, size_t cap, const struct frame_ip6 *fr);

/*
 * Replace an IPv6 packet's source (dst false) or destination address with
 * addr, updating the checksum of a TCP, UDP or ICMPv6 header that follows the
 * IPv6 header (they cover the addresses) incrementally, as frame_ip4_rewrite.
 * 0, or -1 when len cannot hold the IPv6 header.
 */
int frame_ip6_rewrite(uint8_t *ip, size_t len, bool dst, const uint8_t addr[16]);

#endif
