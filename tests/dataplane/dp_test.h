/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_test.h - helpers for the dataplane packet tests: EAL with --no-huge,
 * a mempool of synthetic mbufs, packet builders with checksums computed
 * from scratch, and checksum verifiers (also from scratch).
 *
 * Header-only on purpose: each test program includes it once.
 */
#ifndef ENIMAP_DP_TEST_H
#define ENIMAP_DP_TEST_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

static struct rte_mempool *dp_pool;
static char dp_prefix[64];

/* EAL up with --no-huge and a unique file prefix; a pool of mbufs. */
static inline int dp_eal_up(const char *name)
{
	char pfx[96];
	char *argv[] = {(char *)"dptest",
			(char *)"--no-huge",
			(char *)"-m",
			(char *)"512",
			(char *)"--no-pci",
			pfx,
			(char *)"--log-level=error",
			(char *)"-l",
			(char *)"0"};

	snprintf(dp_prefix, sizeof(dp_prefix), "dp-%s-%d", name, (int)getpid());
	snprintf(pfx, sizeof(pfx), "--file-prefix=%s", dp_prefix);
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		return -1;
	}
	dp_pool = rte_pktmbuf_pool_create("dp_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return dp_pool != NULL ? 0 : -1;
}

static inline void dp_eal_down(void)
{
	char cmd[160];

	rte_mempool_free(dp_pool);
	rte_eal_cleanup();
	snprintf(cmd, sizeof(cmd), "rm -rf /var/run/dpdk/%s", dp_prefix);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove /var/run/dpdk/%s\n", dp_prefix);
}

/* Run the cmocka tests whose name matches argv[1] (a cmocka filter), or all. */
#define DP_RUN(name, tests, argc, argv)                                                            \
	({                                                                                         \
		int rc_;                                                                           \
		if ((argc) > 1)                                                                    \
			cmocka_set_test_filter((argv)[1]);                                         \
		if (dp_eal_up(name) != 0)                                                          \
			return 1;                                                                  \
		rc_ = cmocka_run_group_tests(tests, NULL, NULL);                                   \
		dp_eal_down();                                                                     \
		rc_;                                                                               \
	})

static inline uint32_t ip4(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a.s_addr;
}

static inline void ip6(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET6, s, out) != 1)
		abort();
}

static inline void put16(uint8_t *p, uint16_t host)
{
	p[0] = (uint8_t)(host >> 8);
	p[1] = (uint8_t)host;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- from-scratch checksums ---- */

/* One's complement sum of the bytes (folded), as in RFC 1071. */
static inline uint16_t dp_sum(const void *p, size_t len, uint32_t s)
{
	const uint8_t *b = p;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Pseudo-header sum, IPv4 (addresses network order). */
static inline uint32_t dp_phdr4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint8_t ph[12];
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, len);
	return dp_sum(ph, 12, 0);
}

/* The checksum a field should hold over [p, p+len) with a pseudo-header sum. */
static inline uint16_t dp_csum(const void *p, size_t len, uint32_t phsum)
{
	return (uint16_t)~dp_sum(p, len, phsum);
}

/* True when the IPv4 header at ip has a correct checksum. */
static inline int dp_ip4_ok(const uint8_t *ip)
{
	return dp_sum(ip, (ip[0] & 0xf) * 4u, 0) == 0xffff;
}

/* True when the L4 (TCP/UDP) of a whole IPv4 packet at ip verifies. */
static inline int dp_l4_ok(const uint8_t *ip)
{
	unsigned ihl = (ip[0] & 0xf) * 4u, tot = get16(ip + 2);
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	return dp_sum(ip + ihl, tot - ihl, dp_phdr4(src, dst, ip[9], (uint16_t)(tot - ihl))) ==
	       0xffff;
}

/* True when the ICMP message of a whole IPv4 packet verifies. */
static inline int dp_icmp_ok(const uint8_t *ip)
{
	unsigned ihl = (ip[0] & 0xf) * 4u, tot = get16(ip + 2);
	return dp_sum(ip + ihl, tot - ihl, 0) == 0xffff;
}

/* True when the ICMPv6 message of a whole IPv6 packet verifies. */
static inline int dp_icmp6_ok(const uint8_t *ip)
{
	uint16_t plen = get16(ip + 4);
	uint8_t ph[40];
	memcpy(ph, ip + 8, 32);
	memset(ph + 32, 0, 8);
	put16(ph + 34, plen);
	ph[39] = 58;
	return dp_sum(ip + 40, plen, dp_sum(ph, 40, 0)) == 0xffff;
}

/* True when the L4 (UDP/TCP/ICMPv6, no extension headers) of an IPv6 packet verifies. */
static inline int dp_l4_6_ok(const uint8_t *ip)
{
	uint16_t plen = get16(ip + 4);
	uint8_t ph[40];
	memcpy(ph, ip + 8, 32);
	memset(ph + 32, 0, 8);
	put16(ph + 34, plen);
	ph[39] = ip[6];
	return dp_sum(ip + 40, plen, dp_sum(ph, 40, 0)) == 0xffff;
}

/* ---- builders (no Ethernet): return the L3 length ---- */

struct v4spec {
	uint32_t src, dst;
	uint8_t proto; /* 6, 17, 1 or anything */
	uint8_t ttl;   /* 0 -> 64 */
	uint16_t frag; /* flags + offset field, host order */
	uint16_t sport, dport;
	uint16_t payload;  /* payload bytes after the L4 header (pattern filled) */
	int udp_nocsum;	   /* UDP checksum left 0 */
	uint8_t icmp_type; /* ICMP: type (8 echo if 0) */
	uint8_t icmp_code;
	const uint8_t *quote; /* ICMP error: the quoted packet */
	uint16_t quote_len;
	uint8_t options; /* IPv4 option bytes (multiple of 4), NOPs */
};

static inline uint16_t build_ip4(uint8_t *out, const struct v4spec *s)
{
	unsigned ihl = 20u + s->options, l4len;
	uint8_t *l4 = out + ihl;

	switch (s->proto) {
	case 17:
		l4len = 8;
		break;
	case 6:
		l4len = 20;
		break;
	case 1:
		l4len = 8;
		break;
	default:
		l4len = 0;
		break;
	}
	unsigned data = s->quote ? s->quote_len : s->payload;
	unsigned tot = ihl + l4len + data;
	memset(out, 0, tot);
	out[0] = (uint8_t)(0x40 | (ihl / 4));
	put16(out + 2, (uint16_t)tot);
	put16(out + 4, 0x1234);
	put16(out + 6, s->frag);
	out[8] = s->ttl ? s->ttl : 64;
	out[9] = s->proto;
	memcpy(out + 12, &s->src, 4);
	memcpy(out + 16, &s->dst, 4);
	for (unsigned i = 0; i < s->options; i++)
		out[20 + i] = 1; /* NOP */
	if (s->quote)
		memcpy(l4 + l4len, s->quote, s->quote_len);
	else
		for (unsigned i = 0; i < data; i++)
			l4[l4len + i] = (uint8_t)(i * 7 + 3);
	if (s->proto == 17) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)(8 + data));
		if (!s->udp_nocsum) {
			uint16_t c = dp_csum(l4, 8 + data,
					     dp_phdr4(s->src, s->dst, 17, (uint16_t)(8 + data)));
			put16(l4 + 6, c ? c : 0xffff);
		}
	} else if (s->proto == 6) {
		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, 0x1111);
		l4[12] = 5 << 4;
		l4[13] = 0x18;
		put16(l4 + 14, 1024);
		put16(l4 + 16,
		      dp_csum(l4, 20 + data, dp_phdr4(s->src, s->dst, 6, (uint16_t)(20 + data))));
	} else if (s->proto == 1) {
		l4[0] = s->icmp_type ? s->icmp_type : 8;
		l4[1] = s->icmp_code;
		put16(l4 + 4, 0x4242);
		put16(l4 + 6, 1);
		put16(l4 + 2, dp_csum(l4, 8 + data, 0));
	}
	put16(out + 10, dp_csum(out, ihl, 0));
	return (uint16_t)tot;
}

/* IPv6 packet with a UDP payload (or ICMPv6 when icmp6 != NULL: that message). */
static inline uint16_t build_ip6(uint8_t *out, const char *src, const char *dst, uint8_t hlim,
				 const uint8_t *icmp6, uint16_t icmp6_len, uint16_t udp_payload)
{
	uint16_t plen = icmp6 ? icmp6_len : (uint16_t)(8 + udp_payload);
	memset(out, 0, 40u + plen);
	out[0] = 0x60;
	put16(out + 4, plen);
	out[6] = icmp6 ? 58 : 17;
	out[7] = hlim;
	ip6(src, out + 8);
	ip6(dst, out + 24);
	if (icmp6) {
		uint8_t ph[40];
		memcpy(out + 40, icmp6, icmp6_len);
		out[42] = out[43] = 0;
		memcpy(ph, out + 8, 32);
		memset(ph + 32, 0, 8);
		put16(ph + 34, plen);
		ph[39] = 58;
		put16(out + 42, dp_csum(out + 40, plen, dp_sum(ph, 40, 0)));
	} else {
		uint8_t *u = out + 40;
		put16(u, 4000);
		put16(u + 2, 5000);
		put16(u + 4, plen);
		for (unsigned i = 0; i < udp_payload; i++)
			u[8 + i] = (uint8_t)i;
		uint8_t ph[40];
		memcpy(ph, out + 8, 32);
		memset(ph + 32, 0, 8);
		put16(ph + 34, plen);
		ph[39] = 17;
		put16(u + 6, dp_csum(u, plen, dp_sum(ph, 40, 0)));
	}
	return (uint16_t)(40 + plen);
}

/* gcc 12 sees the mbuf's data as a zero-sized object after constant propagation */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Warray-bounds"
#ifndef __clang__ /* a gcc-only warning */
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
/* A frame: Ethernet (with an 802.1Q tag when vlan != 0) + l3 bytes, in an mbuf. */
static inline struct rte_mbuf *frame(const uint8_t dst[6], const uint8_t src[6], uint16_t vlan,
				     uint16_t ethertype, const uint8_t *l3, uint16_t l3len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_pool);
	uint16_t l2 = vlan ? 18 : 14;
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + l3len));
	assert_non_null(p);
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	if (vlan) {
		put16(p + 12, 0x8100);
		put16(p + 14, vlan);
		put16(p + 16, ethertype);
	} else {
		put16(p + 12, ethertype);
	}
	memcpy(p + l2, l3, l3len);
	return m;
}

#pragma GCC diagnostic pop

/* An mbuf holding exactly these bytes. */
static inline struct rte_mbuf *raw_mbuf(const uint8_t *b, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp_pool);
	assert_non_null(m);
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (len) {
		assert_non_null(p);
		memcpy(p, b, len);
	}
	return m;
}

/* ARP request body (28 bytes). */
static inline uint16_t build_arp(uint8_t *out, uint16_t op, const uint8_t sha[6], uint32_t spa,
				 uint32_t tpa)
{
	memset(out, 0, 28);
	put16(out, 1);
	put16(out + 2, 0x0800);
	out[4] = 6;
	out[5] = 4;
	put16(out + 6, op);
	memcpy(out + 8, sha, 6);
	memcpy(out + 14, &spa, 4);
	memcpy(out + 24, &tpa, 4);
	return 28;
}

/* ICMPv6 neighbour solicitation message for target (with a source LL option). */
static inline uint16_t build_ns(uint8_t *out, const char *target, const uint8_t sll[6])
{
	memset(out, 0, 32);
	out[0] = 135;
	ip6(target, out + 8);
	out[24] = 1;
	out[25] = 1;
	memcpy(out + 26, sll, 6);
	return 32;
}

#endif
