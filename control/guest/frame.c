/* SPDX-License-Identifier: BSD-3-Clause */
/* frame.c - Ethernet / IPv4 / UDP frames of the guest services (see frame.h). */
#include "frame.h"

#include "bytes.h"

#include <stdbool.h>
#include <string.h>

#define ETH_LEN 14
#define VLAN_LEN 4
#define IP_LEN 20
#define UDP_LEN 8
#define IP6_LEN 40
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100

/* One's complement sum of len bytes as big-endian words, folded into sum. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The Ethernet (and 802.1Q) header of the frame f (len bytes): the MACs and
 * VLAN into the out arguments; the L3 offset, or 0 when the frame is not of
 * ethertype want.
 */
static size_t get_l2(const uint8_t *f, size_t len, uint16_t want, uint8_t dst[6], uint8_t src[6],
		     uint16_t *vlan)
{
	size_t off = ETH_LEN;
	uint16_t et;

	if (len < ETH_LEN)
		return 0;
	memcpy(dst, f, 6);
	memcpy(src, f + 6, 6);
	et = be16(f + 12);
	*vlan = 0;
	if (et == ETHERTYPE_VLAN) {
		if (len < ETH_LEN + VLAN_LEN)
			return 0;
		*vlan = be16(f + 14) & 0x0fff;
		et = be16(f + 16);
		off += VLAN_LEN;
	}
	return et == want ? off : 0;
}

int frame_ip4_parse(const uint8_t *f, size_t len, struct frame_ip4 *out)
{
	size_t off, ihl, tot;
	const uint8_t *ip;

	memset(out, 0, sizeof(*out));
	off = get_l2(f, len, ETHERTYPE_IPV4, out->dst_mac, out->src_mac, &out->vlan);
	if (off == 0 || len < off + IP_LEN)
		return -1;
	ip = f + off;
	ihl = (ip[0] & 0x0f) * 4u;
	tot = be16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < IP_LEN || tot < ihl || off + tot > len ||
	    fold(sum16(ip, ihl, 0)) != 0)
		return -1;
	out->ip = ip;
	out->ip_len = tot;
	out->ihl = ihl;
	out->proto = ip[9];
	memcpy(&out->src_ip, ip + 12, 4);
	memcpy(&out->dst_ip, ip + 16, 4);
	return 0;
}

int frame_udp4_parse(const uint8_t *f, size_t len, struct frame_udp4 *out)
{
	struct frame_ip4 p;
	const uint8_t *udp;
	size_t ulen;

	memset(out, 0, sizeof(*out));
	if (frame_ip4_parse(f, len, &p) != 0 || p.proto != 17 /* UDP */ ||
	    p.ip_len < p.ihl + UDP_LEN || (be16(p.ip + 6) & 0x3fff) != 0 /* a fragment */)
		return -1;
	udp = p.ip + p.ihl;
	ulen = be16(udp + 4);
	if (ulen < UDP_LEN || ulen > p.ip_len - p.ihl)
		return -1;
	memcpy(out->dst_mac, p.dst_mac, 6);
	memcpy(out->src_mac, p.src_mac, 6);
	out->vlan = p.vlan;
	out->src_ip = p.src_ip;
	out->dst_ip = p.dst_ip;
	out->src_port = be16(udp);
	out->dst_port = be16(udp + 2);
	out->payload = udp + UDP_LEN;
	out->payload_len = ulen - UDP_LEN;
	return 0;
}

/* Ethernet (and 802.1Q) header for a packet of ethertype et at buf; its length. */
static size_t put_l2(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t vlan,
		     uint16_t et)
{
	size_t l2 = vlan ? ETH_LEN + VLAN_LEN : ETH_LEN;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	if (vlan) {
		put16(buf + 12, ETHERTYPE_VLAN);
		put16(buf + 14, vlan & 0x0fff);
	}
	put16(buf + l2 - 2, et);
	return l2;
}

size_t frame_eth_build(uint8_t *buf, size_t cap, const uint8_t dst_mac[6], const uint8_t src_mac[6],
		       uint16_t vlan, const uint8_t *ip, size_t ip_len)
{
	size_t l2 = vlan ? ETH_LEN + VLAN_LEN : ETH_LEN;
	bool v6 = ip_len > 0 && ip[0] >> 4 == 6;

	if (l2 + ip_len > cap)
		return 0;
	put_l2(buf, dst_mac, src_mac, vlan, v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	memcpy(buf + l2, ip, ip_len);
	return l2 + ip_len;
}

/* RFC 1624 eqn. 3: checksum c (as stored) after a 32-bit word changes from old to new. */
static uint16_t csum_replace4(uint16_t c, uint32_t old_be, uint32_t new_be)
{
	const uint8_t *o = (const uint8_t *)&old_be, *n = (const uint8_t *)&new_be;
	uint32_t sum = (uint16_t)~c;

	sum += (uint16_t)~be16(o) + (uint32_t)(uint16_t)~be16(o + 2);
	sum += (uint32_t)be16(n) + be16(n + 2);
	return fold(sum);
}

int frame_ip4_rewrite(uint8_t *ip, size_t len, bool dst, uint32_t addr)
{
	size_t ihl, off = dst ? 16 : 12, l4c;
	uint32_t old;

	if (len < IP_LEN)
		return -1;
	ihl = (ip[0] & 0x0f) * 4u;
	if (ihl < IP_LEN || len < ihl)
		return -1;
	memcpy(&old, ip + off, 4);
	memcpy(ip + off, &addr, 4);
	put16(ip + 10, csum_replace4(be16(ip + 10), old, addr));
	/* the TCP / UDP checksum covers the addresses (its pseudo-header) */
	l4c = ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : 0;
	if (l4c == 0 || (be16(ip + 6) & 0x1fff) != 0 /* a later fragment: no L4 header */ ||
	    len < ihl + l4c + 2)
		return 0;
	if (ip[9] == 17 && be16(ip + ihl + l4c) == 0)
		return 0; /* UDP without a checksum */
	put16(ip + ihl + l4c, csum_replace4(be16(ip + ihl + l4c), old, addr));
	return 0;
}

size_t frame_udp4_build(uint8_t *buf, size_t cap, const struct frame_udp4 *fr)
{
	size_t l2 = fr->vlan ? ETH_LEN + VLAN_LEN : ETH_LEN;
	size_t ulen = UDP_LEN + fr->payload_len, tot = IP_LEN + ulen;
	uint8_t *ip = buf + l2, *udp = ip + IP_LEN;
	uint32_t sum;
	uint16_t c;

	if (l2 + tot > cap || tot > 0xffff)
		return 0;
	put_l2(buf, fr->dst_mac, fr->src_mac, fr->vlan, ETHERTYPE_IPV4);
	memset(ip, 0, IP_LEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)tot);
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	memcpy(ip + 12, &fr->src_ip, 4);
	memcpy(ip + 16, &fr->dst_ip, 4);
	put16(ip + 10, fold(sum16(ip, IP_LEN, 0)));
	put16(udp, fr->src_port);
	put16(udp + 2, fr->dst_port);
	put16(udp + 4, (uint16_t)ulen);
	put16(udp + 6, 0);
	memmove(udp + UDP_LEN, fr->payload, fr->payload_len);
	/* the pseudo-header: addresses, protocol, UDP length */
	sum = sum16(ip + 12, 8, 17 + (uint32_t)ulen);
	c = fold(sum16(udp, ulen, sum));
	put16(udp + 6, c == 0 ? 0xffff : c); /* 0 would mean "no checksum" */
	return l2 + tot;
}

/* The sum of IPv6's pseudo-header (RFC 8200 8.1) for an upper-layer packet of len bytes. */
static uint32_t pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t next, size_t len)
{
	uint32_t sum = sum16(src, 16, 0);

	sum = sum16(dst, 16, sum);
	return sum + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + next;
}

/* Where the checksum of an upper-layer protocol lies in its header, or 0 (not one we carry). */
static size_t csum_at6(uint8_t next)
{
	return next == FRAME_IP6_UDP ? 6 : next == FRAME_IP6_ICMP6 ? 2 : 0;
}

int frame_ip6_parse(const uint8_t *f, size_t len, struct frame_ip6 *out)
{
	size_t off, plen, at;
	const uint8_t *ip;

	memset(out, 0, sizeof(*out));
	off = get_l2(f, len, ETHERTYPE_IPV6, out->dst_mac, out->src_mac, &out->vlan);
	if (off == 0 || len < off + IP6_LEN)
		return -1;
	ip = f + off;
	plen = be16(ip + 4);
	if ((ip[0] >> 4) != 6 || off + IP6_LEN + plen > len)
		return -1;
	out->next = ip[6];
	out->hop_limit = ip[7];
	memcpy(out->src_ip, ip + 8, 16);
	memcpy(out->dst_ip, ip + 24, 16);
	out->payload = ip + IP6_LEN;
	out->payload_len = plen;
	at = csum_at6(out->next);
	if (at != 0) {
		/* both checksums are mandatory over IPv6: a zero UDP one is wrong too */
		if (plen < at + 2 || (out->next == FRAME_IP6_UDP && be16(out->payload + 6) == 0) ||
		    fold(sum16(out->payload, plen,
			       pseudo6(out->src_ip, out->dst_ip, out->next, plen))) != 0)
			return -1;
	}
	return 0;
}

int frame_ip6_rewrite(uint8_t *ip, size_t len, bool dst, const uint8_t addr[16])
{
	uint8_t *a = ip + (dst ? 24 : 8);
	uint32_t sum;
	size_t at;

	if (len < IP6_LEN || (ip[0] >> 4) != 6)
		return -1;
	at = ip[6] == 6 /* TCP */ ? 16 : csum_at6(ip[6]);
	if (at != 0 && len >= IP6_LEN + at + 2 &&
	    !(ip[6] == FRAME_IP6_UDP && be16(ip + IP6_LEN + at) == 0)) {
		/* RFC 1624 eqn. 3 over the address's eight 16-bit words */
		sum = (uint16_t)~be16(ip + IP6_LEN + at);
		for (int i = 0; i < 16; i += 2)
			sum += (uint32_t)(uint16_t)~be16(a + i) + be16(addr + i);
		sum = fold(sum);
		/* UDP's 0 means "no checksum": its ones' complement twin instead */
		put16(ip + IP6_LEN + at,
		      sum == 0 && ip[6] == FRAME_IP6_UDP ? 0xffff : (uint16_t)sum);
	}
	memcpy(a, addr, 16);
	return 0;
}

size_t frame_ip6_build(uint8_t *buf, size_t cap, const struct frame_ip6 *fr)
{
	size_t l2 = fr->vlan ? ETH_LEN + VLAN_LEN : ETH_LEN, at = csum_at6(fr->next);
	uint8_t *ip = buf + l2, *pl = ip + IP6_LEN;
	uint16_t c;

	if (l2 + IP6_LEN + fr->payload_len > cap || fr->payload_len > 0xffff ||
	    (at != 0 && fr->payload_len < at + 2))
		return 0;
	put_l2(buf, fr->dst_mac, fr->src_mac, fr->vlan, ETHERTYPE_IPV6);
	memset(ip, 0, IP6_LEN);
	ip[0] = 0x60; /* version 6, traffic class and flow label 0 */
	put16(ip + 4, (uint16_t)fr->payload_len);
	ip[6] = fr->next;
	ip[7] = fr->hop_limit;
	memcpy(ip + 8, fr->src_ip, 16);
	memcpy(ip + 24, fr->dst_ip, 16);
	memmove(pl, fr->payload, fr->payload_len);
	if (at != 0) {
		put16(pl + at, 0);
		c = fold(sum16(pl, fr->payload_len,
			       pseudo6(fr->src_ip, fr->dst_ip, fr->next, fr->payload_len)));
		put16(pl + at, c == 0 && fr->next == FRAME_IP6_UDP ? 0xffff : c);
	}
	return l2 + IP6_LEN + fr->payload_len;
}
