/* SPDX-License-Identifier: BSD-3-Clause */
/* dhcp6.c - the DHCPv6 server logic (see dhcp6.h). */
#include "dhcp6.h"

#include "bytes.h"

#include <string.h>

/* Option codes and status codes (RFC 8415 21, RFC 3646). */
enum {
	OPT_CLIENTID = 1,
	OPT_SERVERID = 2,
	OPT_IA_NA = 3,
	OPT_IA_TA = 4,
	OPT_IAADDR = 5,
	OPT_ORO = 6,
	OPT_PREFERENCE = 7,
	OPT_STATUS_CODE = 13,
	OPT_RAPID_COMMIT = 14,
	OPT_DNS_SERVERS = 23,
	OPT_DOMAIN_LIST = 24,
	OPT_IA_PD = 25,
};
enum { ST_SUCCESS = 0, ST_NO_ADDRS_AVAIL = 2, ST_NOT_ON_LINK = 4 };

#define HDR_LEN 4	/* msg-type, transaction-id */
#define IA_NA_FIXED 12	/* IAID, T1, T2 */
#define IAADDR_FIXED 24 /* address, preferred and valid lifetimes */
#define DUID_LL_LEN 10	/* type 3, hardware type 1, the MAC */

/* The addresses of an IA_NA's options (o, len bytes) into out. 0, or -1 when malformed. */
static int parse_ia_na(const uint8_t *o, size_t len, struct dhcp6_msg *out)
{
	size_t off = IA_NA_FIXED;

	out->iaid = be32(o);
	while (off + 4 <= len) {
		uint16_t code = be16(o + off), olen = be16(o + off + 2);

		if (off + 4 + olen > len)
			return -1;
		if (code == OPT_IAADDR) {
			if (olen < IAADDR_FIXED)
				return -1;
			if (out->n_addrs < DHCP6_MAX_CLIENT_ADDRS)
				memcpy(out->addrs[out->n_addrs++], o + off + 4, 16);
		}
		off += 4 + (size_t)olen;
	}
	return off == len ? 0 : -1;
}

int dhcp6_parse(const uint8_t *p, size_t len, struct dhcp6_msg *out)
{
	size_t off = HDR_LEN;

	memset(out, 0, sizeof(*out));
	if (len < HDR_LEN)
		return -1;
	out->type = p[0];
	out->xid = (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	while (off + 4 <= len) {
		uint16_t code = be16(p + off), olen = be16(p + off + 2);
		const uint8_t *o = p + off + 4;

		if (off + 4 + olen > len)
			return -1;
		switch (code) {
		case OPT_CLIENTID:
		case OPT_SERVERID:
			if (olen < 2 || olen > DHCP6_DUID_MAX)
				return -1;
			memcpy(code == OPT_CLIENTID ? out->client_id : out->server_id, o, olen);
			*(code == OPT_CLIENTID ? &out->client_id_len : &out->server_id_len) = olen;
			break;
		case OPT_IA_NA:
			if (olen < IA_NA_FIXED)
				return -1;
			if (!out->has_ia_na) {
				out->has_ia_na = true;
				if (parse_ia_na(o, olen, out) != 0)
					return -1;
			}
			break;
		case OPT_IA_TA:
		case OPT_IA_PD:
			out->has_ia_other = true;
			break;
		case OPT_ORO:
			if (olen & 1)
				return -1;
			for (size_t i = 0; i < olen; i += 2) {
				out->want_dns |= be16(o + i) == OPT_DNS_SERVERS;
				out->want_domains |= be16(o + i) == OPT_DOMAIN_LIST;
			}
			break;
		case OPT_RAPID_COMMIT:
			out->rapid_commit = true;
			break;
		default:
			break; /* elapsed time, vendor class, FQDN, ...: nothing we answer */
		}
		off += 4 + (size_t)olen;
	}
	return off == len ? 0 : -1;
}

/* Our Server Identifier: a DUID-LL (RFC 8415 11.4) of the port's MAC. */
static void server_duid(const struct dhcp6_lease *l, uint8_t out[DUID_LL_LEN])
{
	out[0] = 0;
	out[1] = 3; /* DUID-LL */
	out[2] = 0;
	out[3] = 1; /* Ethernet */
	memcpy(out + 4, l->server_mac, 6);
}

static bool for_us(const struct dhcp6_msg *msg, const struct dhcp6_lease *l)
{
	uint8_t duid[DUID_LL_LEN];

	server_duid(l, duid);
	return msg->server_id_len == DUID_LL_LEN && memcmp(msg->server_id, duid, DUID_LL_LEN) == 0;
}

enum dhcp6_type dhcp6_decide(const struct dhcp6_msg *msg, const struct dhcp6_lease *l)
{
	bool client = msg->client_id_len != 0, server = msg->server_id_len != 0;

	switch (msg->type) {
	case DHCP6_SOLICIT:
		if (!client || server || !msg->has_ia_na)
			return DHCP6_NONE;
		return msg->rapid_commit && l->has_addr ? DHCP6_REPLY : DHCP6_ADVERTISE;
	case DHCP6_REQUEST:
	case DHCP6_RENEW:
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
		return client && for_us(msg, l) ? DHCP6_REPLY : DHCP6_NONE;
	case DHCP6_REBIND:
		return client && !server ? DHCP6_REPLY : DHCP6_NONE;
	case DHCP6_CONFIRM:
		/* a CONFIRM listing no address gets no answer (RFC 8415 18.3.3) */
		return client && !server && msg->n_addrs != 0 ? DHCP6_REPLY : DHCP6_NONE;
	case DHCP6_INFORMATION_REQUEST:
		if (msg->has_ia_na || msg->has_ia_other || (server && !for_us(msg, l)))
			return DHCP6_NONE;
		return DHCP6_REPLY;
	default:
		return DHCP6_NONE; /* a server's or a relay's message */
	}
}

/* Writing options into a bounded buffer: full says it did not fit. */
struct out {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

static uint8_t *reserve(struct out *o, size_t n)
{
	uint8_t *at;

	if (o->full || o->len + n > o->cap) {
		o->full = true;
		return NULL;
	}
	at = o->p + o->len;
	o->len += n;
	return at;
}

/* An option's header; its body (n bytes) is returned to be written. */
static uint8_t *opt(struct out *o, uint16_t code, size_t n)
{
	uint8_t *at = reserve(o, 4 + n);

	if (at == NULL)
		return NULL;
	put16(at, code);
	put16(at + 2, (uint16_t)n);
	return at + 4;
}

static void opt_status(struct out *o, uint16_t status)
{
	uint8_t *b = opt(o, OPT_STATUS_CODE, 2);

	if (b != NULL)
		put16(b, status);
}

static void opt_iaaddr(struct out *o, const uint8_t addr[16], uint32_t lifetime)
{
	uint8_t *b = opt(o, OPT_IAADDR, IAADDR_FIXED);

	if (b == NULL)
		return;
	memcpy(b, addr, 16);
	put32(b + 16, lifetime); /* preferred */
	put32(b + 20, lifetime); /* valid */
}

/* The IA_NA of the answer: the ENI's address, the client's others with lifetimes 0. */
static void opt_ia_na(struct out *o, const struct dhcp6_msg *msg, const struct dhcp6_lease *l)
{
	size_t start = o->len;
	uint8_t *b = opt(o, OPT_IA_NA, IA_NA_FIXED);

	if (b == NULL)
		return;
	put32(b, msg->iaid);
	put32(b + 4, l->has_addr ? l->lease_s / 2 : 0);
	put32(b + 8, l->has_addr ? (uint32_t)((uint64_t)l->lease_s * 4 / 5) : 0);
	if (l->has_addr) {
		opt_iaaddr(o, l->addr, l->lease_s);
		if (msg->type != DHCP6_SOLICIT)
			for (size_t i = 0; i < msg->n_addrs; i++)
				if (memcmp(msg->addrs[i], l->addr, 16) != 0)
					opt_iaaddr(o, msg->addrs[i], 0);
	} else {
		opt_status(o, ST_NO_ADDRS_AVAIL);
	}
	if (!o->full)
		put16(o->p + start + 2, (uint16_t)(o->len - start - 4)); /* its sub-options */
}

/* "a.b.c" as DNS labels (RFC 1035 3.1), for the domain search list. */
static void opt_domain(struct out *o, const char *domain)
{
	size_t n = strlen(domain);
	uint8_t *b = opt(o, OPT_DOMAIN_LIST, n + 2);
	const char *s = domain;

	if (b == NULL)
		return;
	memset(b, 0, n + 2); /* empty labels ("a..b") would leave bytes unwritten */
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t label = dot ? (size_t)(dot - s) : strlen(s);

		*b++ = (uint8_t)label;
		memcpy(b, s, label);
		b += label;
		s += label + (dot ? 1 : 0);
	}
	*b = 0;
}

size_t dhcp6_build(uint8_t *buf, size_t cap, const struct dhcp6_msg *msg,
		   const struct dhcp6_lease *l, enum dhcp6_type type)
{
	struct out o = {.p = buf, .cap = cap};
	uint8_t *h = reserve(&o, HDR_LEN), *b;
	bool ia = false, info = false;

	if (h == NULL || (type != DHCP6_ADVERTISE && type != DHCP6_REPLY))
		return 0;
	h[0] = (uint8_t)type;
	h[1] = (uint8_t)(msg->xid >> 16);
	h[2] = (uint8_t)(msg->xid >> 8);
	h[3] = (uint8_t)msg->xid;
	b = opt(&o, OPT_SERVERID, DUID_LL_LEN);
	if (b != NULL)
		server_duid(l, b);
	if (msg->client_id_len != 0) {
		b = opt(&o, OPT_CLIENTID, msg->client_id_len);
		if (b != NULL)
			memcpy(b, msg->client_id, msg->client_id_len);
	}
	switch (msg->type) {
	case DHCP6_SOLICIT:
		if (type == DHCP6_ADVERTISE) {
			b = opt(&o, OPT_PREFERENCE, 1);
			if (b != NULL)
				*b = 255; /* the only server: take it without waiting for others */
		} else {
			opt(&o, OPT_RAPID_COMMIT, 0);
		}
		ia = info = true;
		break;
	case DHCP6_REQUEST:
	case DHCP6_RENEW:
	case DHCP6_REBIND:
		ia = info = true;
		break;
	case DHCP6_CONFIRM: {
		bool on_link = l->has_addr;

		for (size_t i = 0; i < msg->n_addrs; i++)
			on_link &= memcmp(msg->addrs[i], l->addr, 16) == 0;
		opt_status(&o, on_link ? ST_SUCCESS : ST_NOT_ON_LINK);
		break;
	}
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
		opt_status(&o, ST_SUCCESS);
		break;
	default: /* INFORMATION-REQUEST */
		info = true;
		break;
	}
	if (ia && msg->has_ia_na)
		opt_ia_na(&o, msg, l);
	if (info && msg->want_dns && l->has_dns) {
		b = opt(&o, OPT_DNS_SERVERS, 16);
		if (b != NULL)
			memcpy(b, l->dns, 16);
	}
	if (info && msg->want_domains && l->domain[0] != '\0')
		opt_domain(&o, l->domain);
	return o.full ? 0 : o.len;
}
