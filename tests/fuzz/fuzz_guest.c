/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_guest.c - what a guest sends the VPC router's own services (D14):
 * its frames, its DHCPv4 and DHCPv6 messages, its router solicitations.
 *
 * The input is read twice: as a frame (as guestsvc.c reads a punted one:
 * UDP over IPv4 or IPv6, ICMPv6) and as a bare DHCP message, so that
 * mutations reach the DHCP readers without failing the frame checksums.
 * Properties:
 *   1. a frame that reads, written again from what was read, reads back the same;
 *      an IPv6 one whose address the metadata path rewrites (frame_ip6_rewrite)
 *      still reads: its checksum kept right;
 *   2. a DHCP message that reads and gets an answer gets a whole one within
 *      its size (DHCP4_MAX_LEN, DHCP6_MAX_LEN), and a DHCPv6 answer reads
 *      back as a message of the decided type and the client's transaction.
 */
#include <string.h>

#include "dhcp4.h"
#include "dhcp6.h"
#include "frame.h"
#include "fuzz.h"
#include "ra6.h"

static const uint8_t ROUTER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};

static void answer_dhcp4(const uint8_t *p, size_t len)
{
	static uint8_t out[DHCP4_MAX_LEN];
	struct dhcp4_lease l = {.addr = 0x0a01000a,
				.mask = 0x00ffffff,
				.router = 0x0101000a,
				.dns = 0x0200000a,
				.lease_s = 3600,
				.mtu = 9001};
	struct dhcp4_msg m;
	enum dhcp4_type t;
	size_t n;

	strcpy(l.host_name, "ip-10-0-1-10");
	strcpy(l.domain, "us-east-1.compute.internal");
	if (dhcp4_parse(p, len, &m) != 0)
		return;
	t = dhcp4_decide(&m, &l);
	n = dhcp4_build(out, sizeof(out), &m, &l, t);
	fuzz_check(t == DHCP4_NONE ? n == 0 : n > DHCP4_FIXED_LEN && n <= sizeof(out));
	(void)dhcp4_answer_dst(&m, &l, t);
}

static void answer_dhcp6(const uint8_t *p, size_t len)
{
	static uint8_t out[DHCP6_MAX_LEN];
	struct dhcp6_lease l = {.has_addr = len % 2 == 0,
				.has_dns = true,
				.lease_s = 3600,
				.addr = {0x26, 0, 0x1f, 0x18, 0, 0, 0, 1, [15] = 0x10},
				.dns = {0xfd, 0, 0x0e, 0xc2, [14] = 0x02, [15] = 0x53}};
	struct dhcp6_msg m, back;
	enum dhcp6_type t;
	size_t n;

	memcpy(l.server_mac, ROUTER_MAC, 6);
	strcpy(l.domain, "us-east-1.compute.internal");
	if (dhcp6_parse(p, len, &m) != 0)
		return;
	t = dhcp6_decide(&m, &l);
	n = dhcp6_build(out, sizeof(out), &m, &l, t);
	if (t == DHCP6_NONE) {
		fuzz_check(n == 0);
		return;
	}
	fuzz_check(n > 4 && n <= sizeof(out)); /* the largest answer fits */
	fuzz_check(dhcp6_parse(out, n, &back) == 0);
	fuzz_check(back.type == t && back.xid == m.xid);
	fuzz_check(back.server_id_len == 10 && back.client_id_len == m.client_id_len);
}

static void frame_ip6(const uint8_t *data, size_t size)
{
	static uint8_t again[2048];
	struct frame_ip6 f, g;
	size_t n;

	if (frame_ip6_parse(data, size, &f) != 0)
		return;
	fuzz_check(f.payload >= data && f.payload + f.payload_len <= data + size);
	n = frame_ip6_build(again, sizeof(again), &f);
	if (n == 0)
		return; /* larger than the buffer */
	fuzz_check(frame_ip6_parse(again, n, &g) == 0);
	fuzz_check(g.payload_len == f.payload_len && g.next == f.next && g.vlan == f.vlan);
	/* the checksum field is written again: the rest is the same */
	fuzz_check(f.next != FRAME_IP6_UDP || f.payload_len < 8 ||
		   memcmp(g.payload + 8, f.payload + 8, f.payload_len - 8) == 0);
	/* the metadata path's rewrite keeps a checksum that was right right */
	static const uint8_t other[16] = {0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 1, [15] = 7};
	size_t l2 = (size_t)(f.payload - 40 - data);
	memcpy(again, data, size < sizeof(again) ? size : sizeof(again));
	if (size <= sizeof(again)) {
		fuzz_check(frame_ip6_rewrite(again + l2, size - l2, size % 2 == 0, other) == 0);
		fuzz_check(frame_ip6_parse(again, size, &g) == 0);
	}
	if (f.next == FRAME_IP6_UDP && f.payload_len >= 8)
		answer_dhcp6(f.payload + 8, f.payload_len - 8);
	if (f.next == FRAME_IP6_ICMP6)
		(void)ra6_is_solicitation(f.payload, f.payload_len, f.hop_limit,
					  f.src_ip[0] == 0 && f.src_ip[15] == 0);
}

static void frame_udp4(const uint8_t *data, size_t size)
{
	static uint8_t again[2048];
	struct frame_udp4 f, g;
	size_t n;

	if (frame_udp4_parse(data, size, &f) != 0)
		return;
	fuzz_check(f.payload >= data && f.payload + f.payload_len <= data + size);
	n = frame_udp4_build(again, sizeof(again), &f);
	if (n == 0)
		return;
	fuzz_check(frame_udp4_parse(again, n, &g) == 0);
	fuzz_check(g.src_ip == f.src_ip && g.dst_ip == f.dst_ip && g.src_port == f.src_port &&
		   g.dst_port == f.dst_port && g.payload_len == f.payload_len);
	fuzz_check(memcmp(g.payload, f.payload, f.payload_len) == 0);
	answer_dhcp4(f.payload, f.payload_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_ip4 ip;

	frame_udp4(data, size);
	frame_ip6(data, size);
	(void)frame_ip4_parse(data, size, &ip);
	answer_dhcp4(data, size);
	answer_dhcp6(data, size);
	(void)ra6_is_solicitation(data, size, 255, size % 2 == 0);
	return 0;
}
