/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_dhcp6.c - the DHCPv6 server logic, the router advertisements and the
 * IPv6 frames of the guest services (control/guest): bytes in, bytes out,
 * RFC 8415's and RFC 4861's answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "dhcp6.h"
#include "frame.h"
#include "ra6.h"

static const uint8_t SERVER_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};
/* our Server Identifier: DUID-LL (type 3), Ethernet (1), the port's MAC */
static const uint8_t SERVER_DUID[10] = {0, 3, 0, 1, 0x02, 0, 0, 0, 0, 0x02};
static const uint8_t CLIENT_DUID[14] = {0,    1,    0, 1, 0x2a, 0x2b, 0x2c,
					0x2d, 0x02, 0, 0, 0,	0x10, 0x01};

static void a6(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static struct dhcp6_lease lease(void)
{
	struct dhcp6_lease l = {.has_addr = true, .has_dns = true, .lease_s = 3600};

	a6("2600:1f18:0:1::10", l.addr);
	a6("fd00:ec2::253", l.dns);
	memcpy(l.server_mac, SERVER_MAC, 6);
	strcpy(l.domain, "us-east-1.compute.internal");
	return l;
}

/* A client's message being written: header, then options appended. */
struct msg {
	uint8_t b[600];
	size_t n;
	size_t ends[16], n_ends; /* where each option ends */
};

static void start(struct msg *m, uint8_t type)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = type;
	m->b[1] = 0xab;
	m->b[2] = 0xcd;
	m->b[3] = 0xef;
	m->n = 4;
}

static void put_opt(struct msg *m, uint16_t code, const void *body, size_t len)
{
	m->b[m->n++] = (uint8_t)(code >> 8);
	m->b[m->n++] = (uint8_t)code;
	m->b[m->n++] = (uint8_t)(len >> 8);
	m->b[m->n++] = (uint8_t)len;
	if (len != 0) /* body may be NULL then */
		memcpy(m->b + m->n, body, len);
	m->n += len;
	m->ends[m->n_ends++] = m->n;
}

/* An IA_NA of IAID 7 listing the n addresses of addrs. */
static void put_ia_na(struct msg *m, const char *const *addrs, size_t n)
{
	uint8_t ia[12 + 4 * (4 + 24)] = {0, 0, 0, 7};
	size_t len = 12;

	for (size_t i = 0; i < n; i++) {
		uint8_t *a = ia + len;
		a[1] = 5; /* IAADDR */
		a[3] = 24;
		a6(addrs[i], a + 4);
		len += 4 + 24;
	}
	put_opt(m, 3, ia, len);
}

/* The usual client message: Client Identifier, an Option Request for 23 and 24. */
static void client(struct msg *m, uint8_t type)
{
	static const uint8_t oro[] = {0, 23, 0, 24};

	start(m, type);
	put_opt(m, 1, CLIENT_DUID, sizeof(CLIENT_DUID));
	put_opt(m, 6, oro, sizeof(oro));
	put_opt(m, 8, "\0\0", 2); /* elapsed time, read past */
}

static struct dhcp6_msg parsed(const struct msg *m)
{
	struct dhcp6_msg r;

	assert_int_equal(dhcp6_parse(m->b, m->n, &r), 0);
	return r;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* The first option `code` of the options in p (len bytes): its body and length, or NULL. */
static const uint8_t *find(const uint8_t *p, size_t len, uint16_t code, size_t *olen)
{
	size_t off = 0;

	while (off + 4 <= len) {
		size_t n = be16(p + off + 2);

		assert_true(off + 4 + n <= len); /* every option within the message */
		if (be16(p + off) == code) {
			*olen = n;
			return p + off + 4;
		}
		off += 4 + n;
	}
	assert_int_equal(off, len);
	return NULL;
}

/* The answer's option `code` (from offset 4 of a message, or within an IA_NA's options). */
static const uint8_t *answer_opt(const uint8_t *out, size_t n, uint16_t code, size_t *olen)
{
	return find(out + 4, n - 4, code, olen);
}

static uint16_t status_of(const uint8_t *opts, size_t len)
{
	size_t sl;
	const uint8_t *s = find(opts, len, 13, &sl);

	assert_non_null(s);
	assert_true(sl >= 2);
	return be16(s);
}

static void dhcp6_solicit_gets_an_advertise_or_a_rapid_reply(void **st)
{
	(void)st;
	struct dhcp6_lease l = lease();
	struct msg m;
	uint8_t out[DHCP6_MAX_LEN], want[16];
	size_t n, ol, il;
	const uint8_t *o, *ia, *addr;

	client(&m, DHCP6_SOLICIT);
	put_ia_na(&m, NULL, 0);
	struct dhcp6_msg r = parsed(&m);
	assert_int_equal(r.type, DHCP6_SOLICIT);
	assert_int_equal(r.xid, 0xabcdef);
	assert_int_equal(r.client_id_len, sizeof(CLIENT_DUID));
	assert_true(r.has_ia_na && r.want_dns && r.want_domains && !r.rapid_commit);
	assert_int_equal(r.iaid, 7);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_ADVERTISE);
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_ADVERTISE);
	assert_true(n > 4);
	assert_int_equal(out[0], DHCP6_ADVERTISE);
	assert_memory_equal(out + 1, "\xab\xcd\xef", 3); /* the client's transaction */
	o = answer_opt(out, n, 2, &ol);
	assert_non_null(o);
	assert_int_equal(ol, sizeof(SERVER_DUID));
	assert_memory_equal(o, SERVER_DUID, ol);
	o = answer_opt(out, n, 1, &ol);
	assert_non_null(o);
	assert_int_equal(ol, sizeof(CLIENT_DUID));
	assert_memory_equal(o, CLIENT_DUID, ol);
	o = answer_opt(out, n, 7, &ol); /* preference 255: taken at once */
	assert_non_null(o);
	assert_int_equal(ol, 1);
	assert_int_equal(o[0], 255);
	assert_null(answer_opt(out, n, 14, &ol)); /* no rapid commit without the client's */
	ia = answer_opt(out, n, 3, &il);
	assert_non_null(ia);
	assert_int_equal(il, 12 + 4 + 24); /* one address, nothing stale offered */
	assert_int_equal(be32(ia), 7);	   /* the client's IAID */
	assert_int_equal(be32(ia + 4), 1800);
	assert_int_equal(be32(ia + 8), 2880);
	addr = find(ia + 12, il - 12, 5, &ol);
	assert_non_null(addr);
	assert_int_equal(ol, 24);
	a6("2600:1f18:0:1::10", want);
	assert_memory_equal(addr, want, 16);
	assert_int_equal(be32(addr + 16), 3600);
	assert_int_equal(be32(addr + 20), 3600);
	o = answer_opt(out, n, 23, &ol); /* the resolver */
	assert_non_null(o);
	assert_int_equal(ol, 16);
	assert_memory_equal(o, l.dns, 16);
	o = answer_opt(out, n, 24, &ol); /* the domain, as DNS labels */
	assert_non_null(o);
	static const char labels[] = "\x09us-east-1\x07"
				     "compute\x08internal";
	assert_int_equal(ol, sizeof(labels));
	assert_memory_equal(o, labels, sizeof(labels));
	/* too small a buffer: nothing, not a cut message */
	assert_int_equal(dhcp6_build(out, n - 1, &r, &l, DHCP6_ADVERTISE), 0);

	/* with Rapid Commit: a REPLY carrying Rapid Commit and the address */
	client(&m, DHCP6_SOLICIT);
	put_opt(&m, 14, NULL, 0);
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	assert_true(r.rapid_commit);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_REPLY);
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
	assert_int_equal(out[0], DHCP6_REPLY);
	assert_non_null(answer_opt(out, n, 14, &ol));
	assert_int_equal(ol, 0);
	assert_null(answer_opt(out, n, 7, &ol));
	ia = answer_opt(out, n, 3, &il);
	assert_non_null(ia);
	assert_non_null(find(ia + 12, il - 12, 5, &ol));

	/* an ENI without IPv6: Rapid Commit or not, an ADVERTISE saying NoAddrsAvail */
	l.has_addr = false;
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_ADVERTISE);
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_ADVERTISE);
	ia = answer_opt(out, n, 3, &il);
	assert_non_null(ia);
	assert_int_equal(be32(ia + 4), 0);
	assert_int_equal(be32(ia + 8), 0);
	assert_null(find(ia + 12, il - 12, 5, &ol));
	assert_int_equal(status_of(ia + 12, il - 12), 2); /* NoAddrsAvail */

	/* what a SOLICIT must have and must not (RFC 8415 16.2): else no answer */
	l = lease();
	start(&m, DHCP6_SOLICIT); /* no Client Identifier */
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	client(&m, DHCP6_SOLICIT); /* no IA_NA */
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	client(&m, DHCP6_SOLICIT); /* a Server Identifier */
	put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	/* without an Option Request: no resolver, no domain */
	start(&m, DHCP6_SOLICIT);
	put_opt(&m, 1, CLIENT_DUID, sizeof(CLIENT_DUID));
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	n = dhcp6_build(out, sizeof(out), &r, &l, dhcp6_decide(&r, &l));
	assert_true(n > 4);
	assert_null(answer_opt(out, n, 23, &ol));
	assert_null(answer_opt(out, n, 24, &ol));
}

static void dhcp6_request_renew_rebind_reply_with_stale_addresses_at_zero(void **st)
{
	(void)st;
	struct dhcp6_lease l = lease();
	static const char *const listed[] = {"2600:1f18:0:1::99", "2600:1f18:0:1::10"};
	uint8_t out[DHCP6_MAX_LEN], stale[16];
	static const uint8_t types[] = {DHCP6_REQUEST, DHCP6_RENEW, DHCP6_REBIND};
	struct msg m;
	size_t n, ol, il;

	a6(listed[0], stale);
	for (size_t t = 0; t < sizeof(types); t++) {
		client(&m, types[t]);
		if (types[t] != DHCP6_REBIND) /* REBIND goes to any server: no identifier */
			put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
		put_ia_na(&m, listed, 2);
		struct dhcp6_msg r = parsed(&m);
		assert_int_equal(r.n_addrs, 2);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_REPLY);
		n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
		assert_int_equal(out[0], DHCP6_REPLY);
		const uint8_t *ia = answer_opt(out, n, 3, &il);
		assert_non_null(ia);
		/* the ENI's address at its lifetime, then the stale one at 0 (RFC 8415 18.3.4) */
		const uint8_t *a = ia + 12;
		assert_int_equal(il, 12 + 2 * (4 + 24));
		assert_int_equal(be16(a), 5);
		assert_memory_equal(a + 4, l.addr, 16);
		assert_int_equal(be32(a + 20), 3600);
		a += 4 + 24;
		assert_int_equal(be16(a), 5);
		assert_memory_equal(a + 4, stale, 16);
		assert_int_equal(be32(a + 20), 0);
		assert_int_equal(be32(a + 24), 0);
		assert_non_null(answer_opt(out, n, 23, &ol));

		/* for another server (REQUEST, RENEW) or naming a server (REBIND): nothing */
		uint8_t other[sizeof(SERVER_DUID)];
		memcpy(other, SERVER_DUID, sizeof(other));
		other[9] ^= 1;
		client(&m, types[t]);
		put_opt(&m, 2, other, sizeof(other));
		put_ia_na(&m, listed, 2);
		r = parsed(&m);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
		/* and without a Client Identifier: nothing */
		start(&m, types[t]);
		if (types[t] != DHCP6_REBIND)
			put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
		put_ia_na(&m, listed, 2);
		r = parsed(&m);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	}
	/* a REQUEST without a Server Identifier is for nobody */
	client(&m, DHCP6_REQUEST);
	put_ia_na(&m, listed, 2);
	struct dhcp6_msg r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
}

static void dhcp6_confirm_release_decline_information_request(void **st)
{
	(void)st;
	struct dhcp6_lease l = lease();
	static const char *const ours[] = {"2600:1f18:0:1::10"};
	static const char *const moved[] = {"2600:1f18:0:1::10", "2600:1f18:0:2::10"};
	uint8_t out[DHCP6_MAX_LEN];
	struct msg m;
	struct dhcp6_msg r;
	size_t n, ol;

	/* CONFIRM: Success when every address is the ENI's, else NotOnLink; no IA back */
	client(&m, DHCP6_CONFIRM);
	put_ia_na(&m, ours, 1);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_REPLY);
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
	assert_int_equal(status_of(out + 4, n - 4), 0);
	assert_null(answer_opt(out, n, 3, &ol));
	client(&m, DHCP6_CONFIRM);
	put_ia_na(&m, moved, 2);
	r = parsed(&m);
	n = dhcp6_build(out, sizeof(out), &r, &l, dhcp6_decide(&r, &l));
	assert_int_equal(status_of(out + 4, n - 4), 4); /* NotOnLink */
	l.has_addr = false;				/* the ENI lost its IPv6 address */
	n = dhcp6_build(out, sizeof(out), &r, &l, dhcp6_decide(&r, &l));
	assert_int_equal(status_of(out + 4, n - 4), 4);
	l = lease();
	client(&m, DHCP6_CONFIRM); /* no address to confirm: no answer (RFC 8415 18.3.3) */
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);

	/* RELEASE and DECLINE to us: Success */
	for (uint8_t t = DHCP6_RELEASE; t <= DHCP6_DECLINE; t++) {
		client(&m, t);
		put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
		put_ia_na(&m, ours, 1);
		r = parsed(&m);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_REPLY);
		n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
		assert_int_equal(status_of(out + 4, n - 4), 0);
		assert_null(answer_opt(out, n, 3, &ol));
		client(&m, t); /* for nobody */
		put_ia_na(&m, ours, 1);
		r = parsed(&m);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	}

	/* INFORMATION-REQUEST: the options alone, no identifier needed */
	start(&m, DHCP6_INFORMATION_REQUEST);
	put_opt(&m, 6, "\0\x17\0\x18", 4);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_REPLY);
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
	assert_null(answer_opt(out, n, 1, &ol)); /* it sent no Client Identifier */
	assert_non_null(answer_opt(out, n, 2, &ol));
	assert_non_null(answer_opt(out, n, 23, &ol));
	assert_non_null(answer_opt(out, n, 24, &ol));
	assert_null(answer_opt(out, n, 3, &ol));
	l.has_dns = false; /* a VPC without DNS support: no resolver */
	l.domain[0] = '\0';
	n = dhcp6_build(out, sizeof(out), &r, &l, DHCP6_REPLY);
	assert_null(answer_opt(out, n, 23, &ol));
	assert_null(answer_opt(out, n, 24, &ol));
	l = lease();
	/* with an IA (RFC 8415 16.12) or for another server: nothing */
	start(&m, DHCP6_INFORMATION_REQUEST);
	put_ia_na(&m, NULL, 0);
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	start(&m, DHCP6_INFORMATION_REQUEST);
	put_opt(&m, 25, "\0\0\0\1\0\0\0\0\0\0\0\0", 12); /* an IA_PD */
	r = parsed(&m);
	assert_true(r.has_ia_other);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	start(&m, DHCP6_INFORMATION_REQUEST);
	put_opt(&m, 2, CLIENT_DUID, sizeof(CLIENT_DUID));
	r = parsed(&m);
	assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
	/* a server's or a relay's message is never answered */
	static const uint8_t not_clients[] = {DHCP6_ADVERTISE, DHCP6_REPLY, 10, 12, 13, 99};
	for (size_t i = 0; i < sizeof(not_clients); i++) {
		client(&m, not_clients[i]);
		put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
		put_ia_na(&m, ours, 1);
		r = parsed(&m);
		assert_int_equal(dhcp6_decide(&r, &l), DHCP6_NONE);
		assert_int_equal(dhcp6_build(out, sizeof(out), &r, &l, DHCP6_NONE), 0);
	}
}

static void dhcp6_malformed_messages_refused(void **st)
{
	(void)st;
	static const char *const listed[] = {"2600:1f18:0:1::10"};
	struct msg m, bad;
	struct dhcp6_msg r;
	uint8_t big[DHCP6_DUID_MAX + 1] = {0, 4};

	client(&m, DHCP6_REQUEST);
	put_opt(&m, 2, SERVER_DUID, sizeof(SERVER_DUID));
	put_ia_na(&m, listed, 1);
	/* every truncation read within its bytes (ASan watches): a cut between
	 * options is a shorter message, a cut anywhere else refused */
	for (size_t len = 0; len < m.n; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		bool between = len == 4;

		for (size_t i = 0; i < m.n_ends; i++)
			between |= len == m.ends[i];
		memcpy(copy, m.b, len);
		assert_int_equal(dhcp6_parse(copy, len, &r), between ? 0 : -1);
		free(copy);
	}
	assert_int_equal(dhcp6_parse(m.b, 3, &r), -1); /* no whole header */
	assert_int_equal(dhcp6_parse(m.b, m.n, &r), 0);
	/* three stray bytes after the last option */
	bad = m;
	bad.n += 3;
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* an option's length past the end */
	bad = m;
	bad.b[4 + 3] = 200;
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* a DUID longer than 128 bytes and its type, and one of 1 byte */
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 1, big, sizeof(big));
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 2, big, 1);
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	start(&bad, DHCP6_SOLICIT); /* exactly the longest: read */
	put_opt(&bad, 1, big, DHCP6_DUID_MAX);
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), 0);
	assert_int_equal(r.client_id_len, DHCP6_DUID_MAX);
	/* an IA_NA shorter than IAID, T1, T2 */
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 3, "\0\0\0\1\0\0\0\0\0\0\0", 11);
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* an IAADDR shorter than its address and lifetimes */
	uint8_t ia[12 + 4 + 20] = {0, 0, 0, 7};
	ia[13] = 5;
	ia[15] = 20;
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 3, ia, sizeof(ia));
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* an IA_NA's sub-option running past the IA_NA */
	ia[15] = 24;
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 3, ia, sizeof(ia));
	put_opt(&bad, 8, "\0\0\0\0", 4); /* bytes after it, so only the IA_NA is wrong */
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* an Option Request of an odd length */
	start(&bad, DHCP6_SOLICIT);
	put_opt(&bad, 6, "\0\x17\0", 3);
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), -1);
	/* more addresses than are read: the first ones kept, the message read */
	static const char *const many[] = {"::1", "::2", "::3", "::4"};
	start(&bad, DHCP6_REQUEST);
	uint8_t ia6[12 + 6 * 28] = {0, 0, 0, 7};
	for (size_t i = 0; i < 6; i++) {
		ia6[12 + i * 28 + 1] = 5;
		ia6[12 + i * 28 + 3] = 24;
		a6(many[i % 4], ia6 + 12 + i * 28 + 4);
	}
	put_opt(&bad, 3, ia6, sizeof(ia6));
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), 0);
	assert_int_equal(r.n_addrs, DHCP6_MAX_CLIENT_ADDRS);
	/* a second IA_NA is not read, even when it is wrong inside */
	start(&bad, DHCP6_SOLICIT);
	put_ia_na(&bad, listed, 1);
	ia[15] = 20;
	put_opt(&bad, 3, ia, sizeof(ia));
	assert_int_equal(dhcp6_parse(bad.b, bad.n, &r), 0);
	assert_int_equal(r.n_addrs, 1);
}

static void ra6_solicitations_read_and_advertisement_written(void **st)
{
	(void)st;
	uint8_t rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 0, 0, 0x10, 1};
	uint8_t ra[RA6_MAX_LEN];
	struct ra6_params p = {.prefix_len = 64, .mtu = 9001};

	assert_true(ra6_is_solicitation(rs, 8, 255, true));    /* no option */
	assert_true(ra6_is_solicitation(rs, 16, 255, false));  /* its link-layer address */
	assert_false(ra6_is_solicitation(rs, 16, 255, true));  /* ... from :: (RFC 4861 6.1.1) */
	assert_false(ra6_is_solicitation(rs, 16, 254, false)); /* routed: not on the link */
	assert_false(ra6_is_solicitation(rs, 7, 255, false));  /* short */
	assert_false(ra6_is_solicitation(rs, 15, 255, false)); /* an option past the end */
	assert_false(ra6_is_solicitation(rs, 9, 255, false));  /* half an option header */
	rs[9] = 0;					       /* an option of length 0 */
	assert_false(ra6_is_solicitation(rs, 16, 255, false));
	rs[9] = 1;
	rs[1] = 1; /* code 1 */
	assert_false(ra6_is_solicitation(rs, 16, 255, false));
	rs[1] = 0;
	rs[0] = 134; /* an advertisement */
	assert_false(ra6_is_solicitation(rs, 16, 255, false));

	memcpy(p.router_mac, SERVER_MAC, 6);
	a6("2600:1f18:0:1::", p.prefix);
	size_t n = ra6_build(ra, sizeof(ra), &p);
	assert_int_equal(n, 16 + 8 + 32 + 8);
	assert_int_equal(ra[0], 134);
	assert_int_equal(ra[1], 0);
	assert_int_equal(be16(ra + 2), 0); /* frame_ip6_build fills it */
	assert_int_equal(ra[4], 64);
	assert_int_equal(ra[5], 0xc0); /* M and O: addresses and options from DHCPv6 */
	assert_int_equal(be16(ra + 6), RA6_ROUTER_LIFETIME);
	assert_int_equal(be32(ra + 8), 0);
	assert_int_equal(be32(ra + 12), 0);
	const uint8_t *o = ra + 16; /* source link-layer address */
	assert_int_equal(o[0], 1);
	assert_int_equal(o[1], 1);
	assert_memory_equal(o + 2, SERVER_MAC, 6);
	o += 8; /* the prefix: on-link, not autonomous */
	assert_int_equal(o[0], 3);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0x80);
	assert_int_equal(be32(o + 4), RA6_PREFIX_VALID);
	assert_int_equal(be32(o + 8), RA6_PREFIX_PREFERRED);
	assert_int_equal(be32(o + 12), 0);
	assert_memory_equal(o + 16, p.prefix, 16);
	o += 32; /* the MTU */
	assert_int_equal(o[0], 5);
	assert_int_equal(o[1], 1);
	assert_int_equal(be32(o + 4), 9001);
	p.mtu = 0; /* no MTU option */
	assert_int_equal(ra6_build(ra, sizeof(ra), &p), 16 + 8 + 32);
	assert_int_equal(ra6_build(ra, RA6_MAX_LEN - 1, &p), 0);
}

/* The ones' complement sum of an IPv6 upper-layer packet with its pseudo-header: 0xffff when right.
 */
static uint32_t sum6(const uint8_t *ip)
{
	size_t plen = be16(ip + 4);
	uint32_t sum = ip[6] + (uint32_t)plen;

	for (int i = 8; i < 40; i += 2)
		sum += be16(ip + i);
	for (size_t i = 0; i < plen; i += 2)
		sum += i + 1 < plen ? be16(ip + 40 + i) : (uint32_t)ip[40 + i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void frame_ip6_written_and_read_back(void **st)
{
	(void)st;
	uint8_t f[1600], udp[8 + 101] = {0x02, 0x23, 0x02, 0x22, 0, sizeof(udp)};
	struct frame_ip6 w = {.dst_mac = {0x33, 0x33, 0, 0, 0, 1},
			      .src_mac = {2, 0, 0, 0, 0, 2},
			      .vlan = 100,
			      .next = FRAME_IP6_UDP,
			      .hop_limit = 255,
			      .payload = udp,
			      .payload_len = sizeof(udp)};
	struct frame_ip6 r;

	a6("fe80::ff:fe00:2", w.src_ip);
	a6("fe80::ff:fe00:1001", w.dst_ip);
	for (size_t i = 8; i < sizeof(udp); i++)
		udp[i] = (uint8_t)i; /* an odd length: the last byte padded in the sum */
	size_t n = frame_ip6_build(f, sizeof(f), &w);
	assert_int_equal(n, 18 + 40 + sizeof(udp));
	assert_int_equal(be16(f + 12), 0x8100);
	assert_int_equal(be16(f + 16), 0x86dd);
	assert_int_equal(sum6(f + 18), 0xffff);
	assert_int_equal(frame_ip6_parse(f, n, &r), 0);
	assert_int_equal(r.vlan, 100);
	assert_int_equal(r.next, FRAME_IP6_UDP);
	assert_int_equal(r.hop_limit, 255);
	assert_memory_equal(r.src_ip, w.src_ip, 16);
	assert_memory_equal(r.dst_ip, w.dst_ip, 16);
	assert_memory_equal(r.dst_mac, w.dst_mac, 6);
	assert_int_equal(r.payload_len, sizeof(udp));
	assert_memory_equal(r.payload + 8, udp + 8, sizeof(udp) - 8);
	/* bad input: truncated, a payload length past the frame, a bad or a zero UDP checksum */
	for (size_t len = 0; len < n; len++)
		assert_int_equal(frame_ip6_parse(f, len, &r), -1);
	f[18 + 40 + 20] ^= 1;
	assert_int_equal(frame_ip6_parse(f, n, &r), -1);
	f[18 + 40 + 20] ^= 1;
	uint8_t c0 = f[18 + 40 + 6], c1 = f[18 + 40 + 7];
	f[18 + 40 + 6] = f[18 + 40 + 7] = 0;
	assert_int_equal(frame_ip6_parse(f, n, &r), -1);
	f[18 + 40 + 6] = c0;
	f[18 + 40 + 7] = c1;
	f[18] = 0x40; /* version 4 under the IPv6 ethertype */
	assert_int_equal(frame_ip6_parse(f, n, &r), -1);
	f[18] = 0x60;
	assert_int_equal(frame_ip6_parse(f, n, &r), 0);

	/* ICMPv6, untagged, its payload in place in the buffer (as guestsvc builds an RA) */
	struct ra6_params p = {.prefix_len = 64, .mtu = 1500};
	memcpy(p.router_mac, SERVER_MAC, 6);
	a6("2600:1f18:0:1::", p.prefix);
	size_t plen = ra6_build(f + 14 + 40, sizeof(f) - 54, &p);
	w.vlan = 0;
	w.next = FRAME_IP6_ICMP6;
	w.payload = f + 14 + 40;
	w.payload_len = plen;
	n = frame_ip6_build(f, sizeof(f), &w);
	assert_int_equal(n, 14 + 40 + plen);
	assert_int_equal(be16(f + 12), 0x86dd);
	assert_int_equal(sum6(f + 14), 0xffff);
	assert_int_equal(frame_ip6_parse(f, n, &r), 0);
	assert_int_equal(r.vlan, 0);
	assert_int_equal(r.next, FRAME_IP6_ICMP6);
	assert_int_equal(r.payload[0], 134);
	f[14 + 40 + 5] ^= 0x40; /* a flag flipped: the checksum no longer holds */
	assert_int_equal(frame_ip6_parse(f, n, &r), -1);
	/* too small a buffer, and an upper layer too short for its checksum */
	assert_int_equal(frame_ip6_build(f, 14 + 40 + plen - 1, &w), 0);
	w.next = FRAME_IP6_UDP;
	w.payload_len = 7;
	assert_int_equal(frame_ip6_build(f, sizeof(f), &w), 0);
	/* another ethertype is not an IPv6 frame */
	w.payload_len = plen;
	w.next = FRAME_IP6_ICMP6;
	n = frame_ip6_build(f, sizeof(f), &w);
	f[12] = 0x08;
	f[13] = 0x00;
	assert_int_equal(frame_ip6_parse(f, n, &r), -1);
}

/* A TCP segment src -> dst over IPv6 (20 bytes of header and 5 of data, its checksum right)
 * into ip. */
static size_t tcp6_packet(uint8_t *ip, const char *src, const char *dst)
{
	memset(ip, 0, 65);
	ip[0] = 0x60;
	ip[5] = 25;
	ip[6] = 6;
	ip[7] = 64;
	a6(src, ip + 8);
	a6(dst, ip + 24);
	ip[40] = 0x9c; /* 40000 -> 80 */
	ip[41] = 0x40;
	ip[43] = 80;
	ip[52] = 5 << 4;
	memcpy(ip + 60, "GET /", 5);
	uint32_t s = sum6(ip); /* with the field at 0: its complement is the checksum */
	ip[56] = (uint8_t)(~s >> 8);
	ip[57] = (uint8_t)~s;
	return 65;
}

/* The metadata path's rewrite (imds_link.c): the addresses changed, the TCP checksum kept
 * right incrementally, a wrong one kept wrong. */
static void frame_ip6_rewrite_keeps_the_checksums(void **st)
{
	(void)st;
	uint8_t ip[65], ident[16], guest[16], f[128];
	size_t len = tcp6_packet(ip, "2600:1f18:0:1::10", "fd00:ec2::254");
	struct frame_ip6 r;

	assert_int_equal(sum6(ip), 0xffff);
	a6("fd00:ec2:0:1::7", ident);
	assert_int_equal(frame_ip6_rewrite(ip, len, false, ident), 0);
	assert_memory_equal(ip + 8, ident, 16);
	assert_int_equal(sum6(ip), 0xffff);
	/* the answer, to the identity: back to the guest's address */
	a6("2600:1f18:0:1::10", guest);
	len = tcp6_packet(ip, "fd00:ec2::254", "fd00:ec2:0:1::7");
	assert_int_equal(frame_ip6_rewrite(ip, len, true, guest), 0);
	assert_memory_equal(ip + 24, guest, 16);
	assert_int_equal(sum6(ip), 0xffff);
	/* framed (ethertype by version) and read back */
	size_t n = frame_eth_build(f, sizeof(f), SERVER_MAC, SERVER_MAC, 0, ip, len);
	assert_int_equal(n, 14 + len);
	assert_int_equal(be16(f + 12), 0x86dd);
	assert_int_equal(frame_ip6_parse(f, n, &r), 0);
	assert_int_equal(r.next, 6);
	assert_int_equal(r.payload_len, 25);
	/* a wrong checksum stays wrong: the stack drops the segment, as it would have */
	len = tcp6_packet(ip, "2600:1f18:0:1::10", "fd00:ec2::254");
	ip[62] ^= 1;
	assert_int_equal(frame_ip6_rewrite(ip, len, false, ident), 0);
	assert_int_not_equal(sum6(ip), 0xffff);
	/* an ICMPv6 message's checksum is kept right too */
	struct ra6_params p = {.prefix_len = 64};
	struct frame_ip6 w = {.next = FRAME_IP6_ICMP6, .hop_limit = 255, .payload = f + 54};
	a6("fe80::ff:fe00:2", w.src_ip);
	a6("ff02::1", w.dst_ip);
	w.payload_len = ra6_build(f + 54, sizeof(f) - 54, &p);
	n = frame_ip6_build(f, sizeof(f), &w);
	assert_int_equal(frame_ip6_rewrite(f + 14, n - 14, true, guest), 0);
	assert_int_equal(sum6(f + 14), 0xffff);
	/* too short for the IPv6 header, or not IPv6 */
	assert_int_equal(frame_ip6_rewrite(ip, 39, false, ident), -1);
	ip[0] = 0x45;
	assert_int_equal(frame_ip6_rewrite(ip, len, false, ident), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dhcp6_solicit_gets_an_advertise_or_a_rapid_reply),
	    cmocka_unit_test(dhcp6_request_renew_rebind_reply_with_stale_addresses_at_zero),
	    cmocka_unit_test(dhcp6_confirm_release_decline_information_request),
	    cmocka_unit_test(dhcp6_malformed_messages_refused),
	    cmocka_unit_test(ra6_solicitations_read_and_advertisement_written),
	    cmocka_unit_test(frame_ip6_written_and_read_back),
	    cmocka_unit_test(frame_ip6_rewrite_keeps_the_checksums),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
