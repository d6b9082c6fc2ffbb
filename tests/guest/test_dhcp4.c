/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dhcp4.c - the DHCPv4 server logic and the frames of the guest
 * services (control/guest): bytes in, bytes out, RFC 2131's answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dhcp4.h"
#include "frame.h"

static const uint8_t CLIENT_MAC[6] = {0x02, 0, 0, 0, 0x10, 0x01};

static uint32_t a4(const char *s)
{
	uint32_t v;
	assert_int_equal(inet_pton(AF_INET, s, &v), 1);
	return v;
}

static struct dhcp4_lease lease(void)
{
	struct dhcp4_lease l = {.addr = a4("10.0.1.10"),
				.mask = a4("255.255.255.0"),
				.router = a4("10.0.1.1"),
				.dns = a4("10.0.0.2"),
				.lease_s = 3600,
				.mtu = 1500};
	dhcp4_host_name(l.addr, l.host_name, sizeof(l.host_name));
	strcpy(l.domain, "us-east-1.compute.internal");
	return l;
}

/* A client's message of `type` into p: options 53, then 50 / 54 when non-zero. */
static size_t request(uint8_t *p, uint8_t type, uint32_t ciaddr, uint32_t requested,
		      uint32_t server_id)
{
	size_t n = DHCP4_FIXED_LEN;

	memset(p, 0, 600);
	p[0] = 1;
	p[1] = 1;
	p[2] = 6;
	memcpy(p + 4, "\x12\x34\x56\x78", 4);
	p[10] = 0x80; /* broadcast flag */
	memcpy(p + 12, &ciaddr, 4);
	memcpy(p + 28, CLIENT_MAC, 6);
	memcpy(p + n, "\x63\x82\x53\x63", 4);
	n += 4;
	p[n++] = 53;
	p[n++] = 1;
	p[n++] = type;
	if (requested) {
		p[n++] = 50;
		p[n++] = 4;
		memcpy(p + n, &requested, 4);
		n += 4;
	}
	if (server_id) {
		p[n++] = 54;
		p[n++] = 4;
		memcpy(p + n, &server_id, 4);
		n += 4;
	}
	p[n++] = 55; /* a parameter request list, skipped */
	p[n++] = 3;
	p[n++] = 1;
	p[n++] = 3;
	p[n++] = 6;
	p[n++] = 255;
	return n;
}

/* The value of option code in an answer of len bytes, or NULL; its length in *olen. */
static const uint8_t *option(const uint8_t *p, size_t len, uint8_t code, uint8_t *olen)
{
	for (size_t i = DHCP4_FIXED_LEN + 4; i + 1 < len && p[i] != 255;) {
		if (p[i] == 0) {
			i++;
			continue;
		}
		if (p[i] == code) {
			*olen = p[i + 1];
			return p + i + 2;
		}
		i += 2u + p[i + 1];
	}
	return NULL;
}

static uint32_t opt32(const uint8_t *p, size_t len, uint8_t code)
{
	uint8_t ol = 0;
	const uint8_t *v = option(p, len, code, &ol);
	uint32_t x;

	assert_non_null(v);
	assert_int_equal(ol, 4);
	memcpy(&x, v, 4);
	return x;
}

static void dhcp4_discover_gets_an_offer_with_every_option(void **st)
{
	(void)st;
	uint8_t in[600], out[DHCP4_MAX_LEN];
	struct dhcp4_lease l = lease();
	struct dhcp4_msg m;
	size_t n = request(in, DHCP4_DISCOVER, 0, 0, 0), len;
	uint8_t ol;
	const uint8_t *v;

	assert_int_equal(dhcp4_parse(in, n, &m), 0);
	assert_int_equal(m.type, DHCP4_DISCOVER);
	assert_memory_equal(m.chaddr, CLIENT_MAC, 6);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_OFFER);
	len = dhcp4_build(out, sizeof(out), &m, &l, DHCP4_OFFER);
	assert_true(len >= 300 && len <= DHCP4_MAX_LEN);
	assert_int_equal(out[0], 2);		      /* BOOTREPLY */
	assert_memory_equal(out + 4, in + 4, 4);      /* xid */
	assert_memory_equal(out + 16, &l.addr, 4);    /* yiaddr */
	assert_memory_equal(out + 28, CLIENT_MAC, 6); /* chaddr */
	v = option(out, len, 53, &ol);
	assert_non_null(v);
	assert_int_equal(v[0], DHCP4_OFFER);
	assert_int_equal(opt32(out, len, 54), a4("10.0.1.1"));
	assert_int_equal(opt32(out, len, 1), a4("255.255.255.0"));
	assert_int_equal(opt32(out, len, 3), a4("10.0.1.1"));
	assert_int_equal(opt32(out, len, 6), a4("10.0.0.2"));
	assert_int_equal(ntohl(opt32(out, len, 51)), 3600);
	assert_int_equal(ntohl(opt32(out, len, 58)), 1800);
	assert_int_equal(ntohl(opt32(out, len, 59)), 3150);
	v = option(out, len, 12, &ol);
	assert_non_null(v);
	assert_int_equal(ol, strlen("ip-10-0-1-10"));
	assert_memory_equal(v, "ip-10-0-1-10", ol);
	v = option(out, len, 15, &ol);
	assert_non_null(v);
	assert_memory_equal(v, "us-east-1.compute.internal", ol);
	v = option(out, len, 26, &ol);
	assert_non_null(v);
	assert_int_equal(v[0] << 8 | v[1], 1500);
	/* the broadcast flag: to 255.255.255.255 */
	assert_int_equal(dhcp4_answer_dst(&m, &l, DHCP4_OFFER), 0xffffffffu);
	m.flags = 0;
	assert_int_equal(dhcp4_answer_dst(&m, &l, DHCP4_OFFER), l.addr);
}

static void dhcp4_request_states_acked_or_naked(void **st)
{
	(void)st;
	uint8_t in[600];
	struct dhcp4_lease l = lease();
	struct dhcp4_msg m;
	const uint32_t ours = a4("10.0.1.10"), other = a4("10.0.1.99"), srv = a4("10.0.1.1");

	/* SELECTING: our OFFER taken; another server's; our server id with a wrong address */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, 0, ours, srv), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_ACK);
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, 0, ours, a4("10.0.1.2")), &m),
			 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NONE);
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, 0, other, srv), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NAK);
	/* INIT-REBOOT: a remembered address */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, 0, ours, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_ACK);
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, 0, other, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NAK);
	/* RENEWING: ciaddr; the answer goes to it */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, ours, 0, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_ACK);
	assert_int_equal(dhcp4_answer_dst(&m, &l, DHCP4_ACK), ours);
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_REQUEST, other, 0, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NAK);
	/* a NAK goes to the broadcast address, with no address and no lease */
	uint8_t out[DHCP4_MAX_LEN], ol;
	size_t len = dhcp4_build(out, sizeof(out), &m, &l, DHCP4_NAK);
	assert_true(len > 0);
	assert_int_equal(dhcp4_answer_dst(&m, &l, DHCP4_NAK), 0xffffffffu);
	assert_memory_equal(out + 16, "\0\0\0\0", 4);
	assert_null(option(out, len, 51, &ol));
	assert_null(option(out, len, 1, &ol));
	assert_int_equal(opt32(out, len, 54), srv);
}

static void dhcp4_inform_release_decline_relayed(void **st)
{
	(void)st;
	uint8_t in[600], out[DHCP4_MAX_LEN], ol;
	struct dhcp4_lease l = lease();
	struct dhcp4_msg m;
	size_t len;

	/* INFORM: an ACK with options only (no yiaddr, no lease time), to ciaddr */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_INFORM, l.addr, 0, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_ACK);
	len = dhcp4_build(out, sizeof(out), &m, &l, DHCP4_ACK);
	assert_true(len > 0);
	assert_memory_equal(out + 16, "\0\0\0\0", 4);
	assert_memory_equal(out + 12, &l.addr, 4);
	assert_null(option(out, len, 51, &ol));
	assert_int_equal(opt32(out, len, 3), l.router);
	assert_int_equal(dhcp4_answer_dst(&m, &l, DHCP4_ACK), l.addr);
	/* RELEASE and DECLINE: no answer */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_RELEASE, l.addr, 0, l.router), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NONE);
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_DECLINE, 0, l.addr, l.router), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NONE);
	/* a server's own types, and a relayed DISCOVER: no answer */
	assert_int_equal(dhcp4_parse(in, request(in, DHCP4_OFFER, 0, 0, 0), &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NONE);
	request(in, DHCP4_DISCOVER, 0, 0, 0);
	memcpy(in + 24, "\x0a\x00\x09\x01", 4);
	assert_int_equal(dhcp4_parse(in, 300, &m), 0);
	assert_int_equal(dhcp4_decide(&m, &l), DHCP4_NONE);
	/* no answer is written for "no answer", nor for a client's type */
	assert_int_equal(dhcp4_build(out, sizeof(out), &m, &l, DHCP4_NONE), 0);
	assert_int_equal(dhcp4_build(out, sizeof(out), &m, &l, DHCP4_REQUEST), 0);
}

static void dhcp4_malformed_requests_refused(void **st)
{
	(void)st;
	uint8_t in[600];
	struct dhcp4_msg m;
	size_t n = request(in, DHCP4_DISCOVER, 0, 0, 0);

	/* every truncation: refused or read within its bytes (ASan watches) */
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, in, len);
		int rc = dhcp4_parse(copy, len, &m);
		assert_true(rc == -1 || len > DHCP4_FIXED_LEN + 4 + 2);
		free(copy);
	}
	assert_int_equal(dhcp4_parse(in, DHCP4_FIXED_LEN + 3, &m), -1); /* no full cookie */
	in[0] = 2;							/* a BOOTREPLY */
	assert_int_equal(dhcp4_parse(in, n, &m), -1);
	in[0] = 1;
	in[2] = 16; /* not a 6-byte hardware address */
	assert_int_equal(dhcp4_parse(in, n, &m), -1);
	in[2] = 6;
	in[DHCP4_FIXED_LEN] = 0; /* no magic cookie */
	assert_int_equal(dhcp4_parse(in, n, &m), -1);
	request(in, DHCP4_DISCOVER, 0, 0, 0);
	in[DHCP4_FIXED_LEN + 4 + 1] = 200; /* option 53's length runs past the end */
	assert_int_equal(dhcp4_parse(in, n, &m), -1);
	/* no message type */
	request(in, DHCP4_DISCOVER, 0, 0, 0);
	in[DHCP4_FIXED_LEN + 4] = 255;
	assert_int_equal(dhcp4_parse(in, n, &m), -1);
}

static void frame_udp4_written_and_read_back(void **st)
{
	(void)st;
	uint8_t f[1600], payload[300];
	struct frame_udp4 w = {.dst_mac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			       .src_mac = {2, 0, 0, 0, 0, 3},
			       .vlan = 100,
			       .src_ip = a4("10.0.1.1"),
			       .dst_ip = a4("255.255.255.255"),
			       .src_port = 67,
			       .dst_port = 68,
			       .payload = payload,
			       .payload_len = sizeof(payload)};
	struct frame_udp4 r;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	size_t n = frame_udp4_build(f, sizeof(f), &w);
	assert_int_equal(n, 18 + 20 + 8 + sizeof(payload));
	assert_int_equal(frame_udp4_parse(f, n, &r), 0);
	assert_int_equal(r.vlan, 100);
	assert_int_equal(r.src_ip, w.src_ip);
	assert_int_equal(r.dst_ip, w.dst_ip);
	assert_int_equal(r.src_port, 67);
	assert_int_equal(r.dst_port, 68);
	assert_int_equal(r.payload_len, sizeof(payload));
	assert_memory_equal(r.payload, payload, sizeof(payload));
	/* the UDP checksum over the pseudo-header verifies to 0 */
	uint32_t sum = 17 + 8 + sizeof(payload);
	const uint8_t *ip = f + 18;
	for (int i = 12; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (size_t i = 0; i < 8 + sizeof(payload); i += 2)
		sum += (uint32_t)(ip[20 + i] << 8 | ip[20 + i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(ip[8], 64); /* TTL */
	/* untagged */
	w.vlan = 0;
	n = frame_udp4_build(f, sizeof(f), &w);
	assert_int_equal(frame_udp4_parse(f, n, &r), 0);
	assert_int_equal(r.vlan, 0);
	/* too small a buffer */
	assert_int_equal(frame_udp4_build(f, 100, &w), 0);
	/* bad input: truncated, a bad IP checksum, a fragment */
	for (size_t len = 0; len < n; len++)
		assert_int_equal(frame_udp4_parse(f, len, &r), -1);
	f[14 + 10] ^= 1;
	assert_int_equal(frame_udp4_parse(f, n, &r), -1);
	f[14 + 10] ^= 1;
	f[14 + 6] = 0x20; /* MF set, the header checksum made right again: a fragment */
	ip = f + 14;
	f[14 + 10] = f[14 + 11] = 0;
	sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[14 + 10] = (uint8_t)(~sum >> 8);
	f[14 + 11] = (uint8_t)~sum;
	assert_int_equal(frame_udp4_parse(f, n, &r), -1);
	f[14 + 6] = 0; /* the same frame whole, with that checksum: wrong, refused */
	assert_int_equal(frame_udp4_parse(f, n, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dhcp4_discover_gets_an_offer_with_every_option),
	    cmocka_unit_test(dhcp4_request_states_acked_or_naked),
	    cmocka_unit_test(dhcp4_inform_release_decline_relayed),
	    cmocka_unit_test(dhcp4_malformed_requests_refused),
	    cmocka_unit_test(frame_udp4_written_and_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
