/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sg_acl.c - D12's rule matching: security-group policies compiled
 * into rte_acl (sg_acl.c) give the verdict each rule says, at the edges of
 * ports, ICMP types / codes and prefixes, for IPv4 and IPv6; several
 * policies in one burst; a rebuilt object answers the new rules while the
 * old one still answers the old (the swap is atomic); the linear baseline
 * agrees with rte_acl on random rules and packets.
 */
#include "dp_test.h"

#include <errno.h>

#include "sg_acl.h"

/* ---- rule and packet builders ---- */

static struct sg_rule r4(int proto, int lo, int hi, const char *cidr_addr, unsigned len)
{
	struct sg_rule r = {.proto = (int16_t)proto,
			    .port_lo = (uint16_t)lo,
			    .port_hi = (uint16_t)hi,
			    .icmp_type = (int16_t)lo,
			    .icmp_code = (int16_t)hi,
			    .family = SG_V4,
			    .prefix_len = (uint8_t)len};
	uint32_t a = ip4(cidr_addr);

	memcpy(r.addr, &a, 4);
	return r;
}

static struct sg_rule r6(int proto, int lo, int hi, const char *cidr_addr, unsigned len)
{
	struct sg_rule r = {.proto = (int16_t)proto,
			    .port_lo = (uint16_t)lo,
			    .port_hi = (uint16_t)hi,
			    .icmp_type = (int16_t)lo,
			    .icmp_code = (int16_t)hi,
			    .family = SG_V6,
			    .prefix_len = (uint8_t)len};

	ip6(cidr_addr, r.addr);
	return r;
}

/* The verdict of one IPv4 packet (l4: dport, or type<<8|code); 0 deny. */
static uint32_t v4(const struct sg_acl *a, enum sg_dir dir, uint32_t policy, uint8_t proto,
		   const char *peer, uint32_t l4)
{
	struct sg_acl_in4 in;
	const struct sg_acl_in4 *p = &in;
	uint32_t res = 0xdead;

	sg_acl_in4_set(&in, policy, proto, ip4(peer), l4);
	sg_acl_classify4(a, dir, &p, &res, 1);
	return res;
}

static uint32_t v6(const struct sg_acl *a, enum sg_dir dir, uint32_t policy, uint8_t proto,
		   const char *peer, uint32_t l4)
{
	struct sg_acl_in6 in;
	const struct sg_acl_in6 *p = &in;
	uint8_t addr[16];
	uint32_t res = 0xdead;

	ip6(peer, addr);
	sg_acl_in6_set(&in, policy, proto, addr, l4);
	sg_acl_classify6(a, dir, &p, &res, 1);
	return res;
}

static struct sg_acl *build1(uint32_t id, enum sg_dir dir, const struct sg_rule *rules, unsigned n)
{
	struct sg_policy p = {.id = id, .dir = dir, .n_rules = n, .rules = rules};
	struct sg_acl *a = sg_acl_build(&p, 1, SOCKET_ID_ANY);

	assert_non_null(a);
	return a;
}

#define ICMP(t, c) ((uint32_t)(t) << 8 | (uint32_t)(c))

/* ---- tests ---- */

static void d12_acl_tcp_port_range_edges(void **st)
{
	struct sg_rule r[] = {r4(6, 80, 90, "10.0.0.0", 8)};
	struct sg_acl *a = build1(7, SG_IN, r, 1);

	(void)st;
	assert_int_not_equal(v4(a, SG_IN, 7, 6, "10.1.2.3", 80), 0);
	assert_int_not_equal(v4(a, SG_IN, 7, 6, "10.1.2.3", 85), 0);
	assert_int_not_equal(v4(a, SG_IN, 7, 6, "10.1.2.3", 90), 0);
	assert_int_equal(v4(a, SG_IN, 7, 6, "10.1.2.3", 79), 0);  /* lo - 1 */
	assert_int_equal(v4(a, SG_IN, 7, 6, "10.1.2.3", 91), 0);  /* hi + 1 */
	assert_int_equal(v4(a, SG_IN, 7, 17, "10.1.2.3", 80), 0); /* UDP: another protocol */
	assert_int_equal(v4(a, SG_IN, 7, 6, "11.0.0.1", 80), 0);  /* outside the /8 */
	assert_int_equal(v4(a, SG_IN, 7, 6, "9.255.255.255", 80), 0);
	assert_int_not_equal(v4(a, SG_IN, 7, 6, "10.255.255.255", 80), 0);
	assert_int_equal(v4(a, SG_OUT, 7, 6, "10.1.2.3", 80), 0); /* an inbound rule only */
	assert_int_equal(v4(a, SG_IN, 8, 6, "10.1.2.3", 80), 0);  /* another policy */
	sg_acl_free(a);
}

static void d12_acl_udp_single_port_and_full_range(void **st)
{
	struct sg_rule r[] = {r4(17, 53, 53, "0.0.0.0", 0), r4(6, 0, 65535, "192.0.2.7", 32)};
	struct sg_acl *a = build1(1, SG_OUT, r, 2);

	(void)st;
	assert_int_not_equal(v4(a, SG_OUT, 1, 17, "8.8.8.8", 53), 0);
	assert_int_equal(v4(a, SG_OUT, 1, 17, "8.8.8.8", 52), 0);
	assert_int_equal(v4(a, SG_OUT, 1, 17, "8.8.8.8", 54), 0);
	assert_int_not_equal(v4(a, SG_OUT, 1, 6, "192.0.2.7", 0), 0);
	assert_int_not_equal(v4(a, SG_OUT, 1, 6, "192.0.2.7", 65535), 0);
	assert_int_equal(v4(a, SG_OUT, 1, 6, "192.0.2.6", 443), 0); /* /32: its neighbours */
	assert_int_equal(v4(a, SG_OUT, 1, 6, "192.0.2.8", 443), 0);
	sg_acl_free(a);
}

static void d12_acl_icmp_type_and_code(void **st)
{
	struct sg_rule r[] = {r4(1, 8, SG_ANY, "0.0.0.0", 0), /* echo request, any code */
			      r4(1, 3, 4, "0.0.0.0", 0)};     /* frag needed only */
	struct sg_rule any[] = {r4(1, SG_ANY, SG_ANY, "198.51.100.0", 24)};
	struct sg_acl *a = build1(2, SG_IN, r, 2), *b = build1(2, SG_IN, any, 1);

	(void)st;
	assert_int_not_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(8, 0)), 0);
	assert_int_not_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(8, 255)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(0, 0)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(9, 0)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(7, 255)), 0);
	assert_int_not_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(3, 4)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(3, 3)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 1, "1.2.3.4", ICMP(3, 5)), 0);
	assert_int_equal(v4(a, SG_IN, 2, 6, "1.2.3.4", ICMP(8, 0)), 0); /* TCP port 2048 */
	assert_int_not_equal(v4(b, SG_IN, 2, 1, "198.51.100.9", ICMP(0, 0)), 0);
	assert_int_not_equal(v4(b, SG_IN, 2, 1, "198.51.100.9", ICMP(255, 255)), 0);
	assert_int_equal(v4(b, SG_IN, 2, 1, "198.51.101.9", ICMP(0, 0)), 0);
	sg_acl_free(a);
	sg_acl_free(b);
}

static void d12_acl_all_protocols_rule(void **st)
{
	struct sg_rule r[] = {r4(SG_ANY, 0, 0, "172.16.0.0", 12)};
	struct sg_acl *a = build1(3, SG_IN, r, 1);

	(void)st;
	assert_int_not_equal(v4(a, SG_IN, 3, 6, "172.31.255.255", 22), 0);
	assert_int_not_equal(v4(a, SG_IN, 3, 17, "172.16.0.0", 65535), 0);
	assert_int_not_equal(v4(a, SG_IN, 3, 1, "172.20.1.1", ICMP(8, 0)), 0);
	assert_int_not_equal(v4(a, SG_IN, 3, 47, "172.20.1.1", 0), 0); /* GRE */
	assert_int_not_equal(v4(a, SG_IN, 3, 0, "172.20.1.1", 0), 0);
	assert_int_not_equal(v4(a, SG_IN, 3, 255, "172.20.1.1", 0), 0);
	assert_int_equal(v4(a, SG_IN, 3, 6, "172.32.0.0", 22), 0);
	assert_int_equal(v4(a, SG_IN, 3, 6, "172.15.255.255", 22), 0);
	/* an IPv4 rule says nothing about IPv6 */
	assert_int_equal(v6(a, SG_IN, 3, 6, "::ffff:172.16.0.1", 22), 0);
	sg_acl_free(a);
}

static void d12_acl_other_protocol_number(void **st)
{
	struct sg_rule r[] = {r4(47, 0, 0, "0.0.0.0", 0)};
	struct sg_acl *a = build1(4, SG_OUT, r, 1);

	(void)st;
	assert_int_not_equal(v4(a, SG_OUT, 4, 47, "5.6.7.8", 0), 0);
	assert_int_equal(v4(a, SG_OUT, 4, 46, "5.6.7.8", 0), 0);
	assert_int_equal(v4(a, SG_OUT, 4, 48, "5.6.7.8", 0), 0);
	sg_acl_free(a);
}

static void d12_acl_ipv6_prefixes_ports_icmpv6(void **st)
{
	struct sg_rule r[] = {
	    r6(6, 443, 443, "2001:db8:1::", 48), r6(17, 1000, 2000, "2001:db8::42", 128),
	    r6(58, 128, SG_ANY, "::", 0),
	    r6(6, 22, 22, "2001:db8:ff00::", 40), /* a prefix ending inside a 32-bit word */
	};
	struct sg_acl *a = build1(5, SG_IN, r, 4);

	(void)st;
	assert_int_not_equal(v6(a, SG_IN, 5, 6, "2001:db8:1:ffff::1", 443), 0);
	assert_int_equal(v6(a, SG_IN, 5, 6, "2001:db8:2::1", 443), 0);
	assert_int_equal(v6(a, SG_IN, 5, 6, "2001:db8:1::1", 442), 0);
	assert_int_equal(v6(a, SG_IN, 5, 6, "2001:db8:1::1", 444), 0);
	assert_int_not_equal(v6(a, SG_IN, 5, 17, "2001:db8::42", 1000), 0);
	assert_int_not_equal(v6(a, SG_IN, 5, 17, "2001:db8::42", 2000), 0);
	assert_int_equal(v6(a, SG_IN, 5, 17, "2001:db8::42", 999), 0);
	assert_int_equal(v6(a, SG_IN, 5, 17, "2001:db8::42", 2001), 0);
	assert_int_equal(v6(a, SG_IN, 5, 17, "2001:db8::43", 1500), 0); /* /128 */
	assert_int_equal(v6(a, SG_IN, 5, 17, "2001:db8::41", 1500), 0);
	assert_int_not_equal(v6(a, SG_IN, 5, 58, "fe80::1", ICMP(128, 0)), 0); /* /0 */
	assert_int_equal(v6(a, SG_IN, 5, 58, "fe80::1", ICMP(129, 0)), 0);
	assert_int_equal(v6(a, SG_IN, 5, 1, "fe80::1", ICMP(128, 0)), 0);
	assert_int_not_equal(v6(a, SG_IN, 5, 6, "2001:db8:ffff::1", 22), 0);
	assert_int_not_equal(v6(a, SG_IN, 5, 6, "2001:db8:ff00::1", 22), 0);
	assert_int_equal(v6(a, SG_IN, 5, 6, "2001:db8:feff::1", 22), 0);
	/* IPv6 rules say nothing about IPv4 */
	assert_int_equal(v4(a, SG_IN, 5, 58, "1.1.1.1", ICMP(128, 0)), 0);
	sg_acl_free(a);
}

static void d12_acl_policy_without_rules_denies_all(void **st)
{
	struct sg_policy p[] = {{.id = 1, .dir = SG_IN, .n_rules = 0, .rules = NULL},
				{.id = 1, .dir = SG_OUT, .n_rules = 0, .rules = NULL}};
	struct sg_rule r[] = {r4(SG_ANY, 0, 0, "0.0.0.0", 0), r6(SG_ANY, 0, 0, "::", 0)};
	struct sg_policy q[] = {{.id = 1, .dir = SG_IN, .n_rules = 0, .rules = NULL},
				{.id = 2, .dir = SG_IN, .n_rules = 2, .rules = r}};
	struct sg_acl *a = sg_acl_build(p, 2, SOCKET_ID_ANY),
		      *b = sg_acl_build(q, 2, SOCKET_ID_ANY);

	(void)st;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(v4(a, SG_IN, 1, 6, "10.0.0.1", 80), 0);
	assert_int_equal(v4(a, SG_OUT, 1, 17, "10.0.0.1", 53), 0);
	assert_int_equal(v6(a, SG_IN, 1, 6, "2001:db8::1", 80), 0);
	/* in the same contexts as a policy that allows everything */
	assert_int_equal(v4(b, SG_IN, 1, 6, "10.0.0.1", 80), 0);
	assert_int_equal(v6(b, SG_IN, 1, 58, "::1", ICMP(128, 0)), 0);
	assert_int_not_equal(v4(b, SG_IN, 2, 6, "10.0.0.1", 80), 0);
	assert_int_not_equal(v6(b, SG_IN, 2, 58, "::1", ICMP(128, 0)), 0);
	assert_int_equal(v4(b, SG_IN, 3, 6, "10.0.0.1", 80), 0); /* never built */
	sg_acl_free(a);
	sg_acl_free(b);
}

static void d12_acl_two_policies_in_one_burst(void **st)
{
	struct sg_rule ra[] = {r4(6, 22, 22, "0.0.0.0", 0)};
	struct sg_rule rb[] = {r4(6, 443, 443, "0.0.0.0", 0), r4(17, 53, 53, "10.0.0.0", 8)};
	struct sg_policy p[] = {{.id = 10, .dir = SG_IN, .n_rules = 1, .rules = ra},
				{.id = 20, .dir = SG_IN, .n_rules = 2, .rules = rb}};
	struct sg_acl *a;
	struct sg_acl_in4 in[8];
	const struct sg_acl_in4 *pin[8];
	uint32_t res[8];
	const struct sg_match *m;

	(void)st;
	ra[0].group = 3;
	ra[0].rule = 11;
	rb[1].group = 4;
	rb[1].rule = 12;
	a = sg_acl_build(p, 2, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_int_equal(sg_acl_rules(a), 3);
	sg_acl_in4_set(&in[0], 10, 6, ip4("1.1.1.1"), 22);   /* allow (10) */
	sg_acl_in4_set(&in[1], 20, 6, ip4("1.1.1.1"), 22);   /* deny: 20 has no 22 */
	sg_acl_in4_set(&in[2], 20, 6, ip4("1.1.1.1"), 443);  /* allow (20) */
	sg_acl_in4_set(&in[3], 10, 6, ip4("1.1.1.1"), 443);  /* deny */
	sg_acl_in4_set(&in[4], 20, 17, ip4("10.9.9.9"), 53); /* allow (20, rule 2) */
	sg_acl_in4_set(&in[5], 10, 17, ip4("10.9.9.9"), 53); /* deny */
	sg_acl_in4_set(&in[6], 20, 17, ip4("11.9.9.9"), 53); /* deny */
	sg_acl_in4_set(&in[7], 10, 6, ip4("200.1.1.1"), 22); /* allow (10) */
	for (unsigned i = 0; i < 8; i++)
		pin[i] = &in[i];
	sg_acl_classify4(a, SG_IN, pin, res, 8);
	assert_int_not_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	assert_int_not_equal(res[2], 0);
	assert_int_equal(res[3], 0);
	assert_int_not_equal(res[4], 0);
	assert_int_equal(res[5], 0);
	assert_int_equal(res[6], 0);
	assert_int_not_equal(res[7], 0);
	m = sg_acl_match(a, res[0]);
	assert_non_null(m);
	assert_int_equal(m->policy, 10);
	assert_int_equal(m->group, 3);
	assert_int_equal(m->rule, 11);
	m = sg_acl_match(a, res[4]);
	assert_non_null(m);
	assert_int_equal(m->policy, 20);
	assert_int_equal(m->group, 4);
	assert_int_equal(m->rule, 12);
	assert_int_equal(sg_acl_match(a, res[2])->policy, 20);
	assert_null(sg_acl_match(a, 0));
	sg_acl_free(a);
}

static void d12_acl_rebuild_new_verdicts_old_object_unchanged(void **st)
{
	struct sg_rule old_r[] = {r4(6, 80, 80, "0.0.0.0", 0)};
	struct sg_rule new_r[] = {r4(6, 443, 443, "0.0.0.0", 0)};
	struct sg_acl *old_a = build1(1, SG_IN, old_r, 1);
	struct sg_acl *new_a;

	(void)st;
	assert_int_not_equal(v4(old_a, SG_IN, 1, 6, "1.2.3.4", 80), 0);
	new_a = build1(1, SG_IN, new_r, 1); /* revoke 80, authorize 443 */
	assert_ptr_not_equal(new_a, old_a);
	assert_int_equal(v4(new_a, SG_IN, 1, 6, "1.2.3.4", 80), 0);
	assert_int_not_equal(v4(new_a, SG_IN, 1, 6, "1.2.3.4", 443), 0);
	/* the old object, still held by a worker until the grace period, answers as before */
	assert_int_not_equal(v4(old_a, SG_IN, 1, 6, "1.2.3.4", 80), 0);
	assert_int_equal(v4(old_a, SG_IN, 1, 6, "1.2.3.4", 443), 0);
	sg_acl_free(old_a); /* after the swap: the new one is self-contained */
	assert_int_not_equal(v4(new_a, SG_IN, 1, 6, "1.2.3.4", 443), 0);
	sg_acl_free(new_a);
}

static void d12_acl_bad_rules_refused(void **st)
{
	struct sg_rule bad[] = {
	    r4(6, 90, 80, "0.0.0.0", 0),      /* lo > hi */
	    r4(6, 80, 80, "0.0.0.0", 33),     /* /33 */
	    r6(6, 80, 80, "::", 129),	      /* /129 */
	    r4(256, 0, 0, "0.0.0.0", 0),      /* proto 256 */
	    r4(1, SG_ANY, 3, "0.0.0.0", 0),   /* a code without a type */
	    r4(1, 256, SG_ANY, "0.0.0.0", 0), /* type 256 */
	};
	struct sg_policy dup[] = {{.id = 1, .dir = SG_IN, .n_rules = 0, .rules = NULL},
				  {.id = 1, .dir = SG_IN, .n_rules = 0, .rules = NULL}};

	(void)st;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sg_policy p = {.id = 1, .dir = SG_IN, .n_rules = 1, .rules = &bad[i]};

		errno = 0;
		assert_null(sg_acl_build(&p, 1, SOCKET_ID_ANY));
		assert_int_equal(errno, EINVAL);
		assert_null(sg_lin_build(&p, 1));
	}
	errno = 0;
	assert_null(sg_acl_build(dup, 2, SOCKET_ID_ANY));
	assert_int_equal(errno, EINVAL);
	{
		struct sg_policy big = {.id = SG_POLICY_MAX + 1, .dir = SG_IN};
		struct sg_policy max = {.id = SG_POLICY_MAX, .dir = SG_IN};
		struct sg_acl *a;

		errno = 0;
		assert_null(sg_acl_build(&big, 1, SOCKET_ID_ANY)); /* ids are 16 bits */
		assert_int_equal(errno, EINVAL);
		a = sg_acl_build(&max, 1, SOCKET_ID_ANY);
		assert_non_null(a);
		sg_acl_free(a);
	}
}

/* xorshift: the same pseudo-random run every time */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state >> 16);
}

static struct sg_rule rnd_rule(unsigned fam)
{
	static const int protos[] = {6, 17, 1, 58, SG_ANY, 47};
	struct sg_rule r = {0};
	int proto = protos[rnd() % 6];

	r.proto = (int16_t)proto;
	r.family = (uint8_t)fam;
	if (proto == 1 || proto == 58) {
		r.icmp_type = rnd() % 3 == 0 ? SG_ANY : (int16_t)(rnd() % 4);
		r.icmp_code = r.icmp_type == SG_ANY || rnd() % 2 ? SG_ANY : (int16_t)(rnd() % 3);
	} else {
		r.port_lo = (uint16_t)(rnd() % 64);
		r.port_hi = (uint16_t)(r.port_lo + rnd() % 16);
	}
	if (fam == SG_V4) {
		r.prefix_len = (uint8_t)(rnd() % 33);
		r.addr[0] = 10;
		r.addr[1] = (uint8_t)(rnd() % 4);
		r.addr[2] = (uint8_t)(rnd() % 4);
		r.addr[3] = (uint8_t)(rnd() % 4);
	} else {
		r.prefix_len = (uint8_t)(rnd() % 129);
		r.addr[0] = 0x20;
		r.addr[1] = 0x01;
		for (unsigned i = 2; i < 16; i++)
			r.addr[i] = (uint8_t)(rnd() % 2);
	}
	return r;
}

/* rte_acl and the linear scan say the same allow / deny on random rules and packets. */
static void d12_acl_agrees_with_linear_scan(void **st)
{
	enum { NPOL = 6, NR = 40, NPKT = 4000 };
	static struct sg_rule rules[NPOL][NR];
	struct sg_policy p[NPOL];
	struct sg_acl *a;
	struct sg_lin *l;
	unsigned allowed = 0;

	(void)st;
	for (unsigned i = 0; i < NPOL; i++) {
		for (unsigned k = 0; k < NR; k++)
			rules[i][k] = rnd_rule(rnd() % 2);
		p[i] = (struct sg_policy){
		    .id = i, .dir = i % 2 ? SG_OUT : SG_IN, .n_rules = NR, .rules = rules[i]};
	}
	a = sg_acl_build(p, NPOL, SOCKET_ID_ANY);
	l = sg_lin_build(p, NPOL);
	assert_non_null(a);
	assert_non_null(l);
	for (unsigned n = 0; n < NPKT; n++) {
		static const uint8_t protos[] = {6, 17, 1, 58, 47, 50};
		enum sg_dir dir = rnd() % 2 ? SG_OUT : SG_IN;
		uint32_t pol = rnd() % (NPOL + 1), ra, rl;
		uint8_t proto = protos[rnd() % 6];
		uint32_t l4 = proto == 1 || proto == 58 ? ICMP(rnd() % 5, rnd() % 4) : rnd() % 96;

		if (rnd() % 2) {
			struct sg_acl_in4 in;
			const struct sg_acl_in4 *pi = &in;
			uint8_t ad[4] = {10, (uint8_t)(rnd() % 4), (uint8_t)(rnd() % 4),
					 (uint8_t)(rnd() % 4)};
			uint32_t peer;

			memcpy(&peer, ad, 4);
			sg_acl_in4_set(&in, pol, proto, peer, l4);
			sg_acl_classify4(a, dir, &pi, &ra, 1);
			sg_lin_classify4(l, dir, &pi, &rl, 1);
		} else {
			struct sg_acl_in6 in;
			const struct sg_acl_in6 *pi = &in;
			uint8_t ad[16] = {0x20, 0x01};

			for (unsigned i = 2; i < 16; i++)
				ad[i] = (uint8_t)(rnd() % 2);
			sg_acl_in6_set(&in, pol, proto, ad, l4);
			sg_acl_classify6(a, dir, &pi, &ra, 1);
			sg_lin_classify6(l, dir, &pi, &rl, 1);
		}
		assert_int_equal(ra != 0, rl != 0);
		allowed += ra != 0;
	}
	/* the run exercises both verdicts */
	assert_true(allowed > NPKT / 20);
	assert_true(allowed < NPKT - NPKT / 20);
	sg_acl_free(a);
	sg_lin_free(l);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(d12_acl_tcp_port_range_edges),
	    cmocka_unit_test(d12_acl_udp_single_port_and_full_range),
	    cmocka_unit_test(d12_acl_icmp_type_and_code),
	    cmocka_unit_test(d12_acl_all_protocols_rule),
	    cmocka_unit_test(d12_acl_other_protocol_number),
	    cmocka_unit_test(d12_acl_ipv6_prefixes_ports_icmpv6),
	    cmocka_unit_test(d12_acl_policy_without_rules_denies_all),
	    cmocka_unit_test(d12_acl_two_policies_in_one_burst),
	    cmocka_unit_test(d12_acl_rebuild_new_verdicts_old_object_unchanged),
	    cmocka_unit_test(d12_acl_bad_rules_refused),
	    cmocka_unit_test(d12_acl_agrees_with_linear_scan),
	};
	return DP_RUN("sgacl", tests, argc, argv);
}
