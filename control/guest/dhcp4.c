/* SPDX-License-Identifier: BSD-3-Clause */
/* dhcp4.c - DHCPv4 messages read, decided and written (see dhcp4.h). */
#include "dhcp4.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>

#define BOOTREQUEST 1
#define BOOTREPLY 2
#define HTYPE_ETHER 1
#define FLAG_BROADCAST 0x8000

/* RFC 2132 option codes */
enum {
	OPT_PAD = 0,
	OPT_MASK = 1,
	OPT_ROUTER = 3,
	OPT_DNS = 6,
	OPT_HOST_NAME = 12,
	OPT_DOMAIN = 15,
	OPT_MTU = 26,
	OPT_REQUESTED = 50,
	OPT_LEASE = 51,
	OPT_MSG_TYPE = 53,
	OPT_SERVER_ID = 54,
	OPT_T1 = 58,
	OPT_T2 = 59,
	OPT_END = 255,
};

static const uint8_t magic[4] = {99, 130, 83, 99};

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

int dhcp4_parse(const uint8_t *p, size_t len, struct dhcp4_msg *out)
{
	size_t i = DHCP4_FIXED_LEN + sizeof(magic);

	if (len < i || p[0] != BOOTREQUEST || p[1] != HTYPE_ETHER || p[2] != 6 ||
	    memcmp(p + DHCP4_FIXED_LEN, magic, sizeof(magic)) != 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->xid = ld32(p + 4);
	out->flags = (uint16_t)(p[10] << 8 | p[11]);
	out->ciaddr = ld32(p + 12);
	out->giaddr = ld32(p + 24);
	memcpy(out->chaddr, p + 28, 6);
	while (i < len) {
		uint8_t code = p[i], olen;

		if (code == OPT_END)
			break;
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (olen = p[i + 1]) > len)
			return -1; /* an option past the end */
		const uint8_t *v = p + i + 2;
		if (code == OPT_MSG_TYPE && olen == 1)
			out->type = v[0];
		else if (code == OPT_REQUESTED && olen == 4)
			out->requested = ld32(v);
		else if (code == OPT_SERVER_ID && olen == 4)
			out->server_id = ld32(v);
		i += 2u + olen;
	}
	return out->type == DHCP4_NONE ? -1 : 0;
}

enum dhcp4_type dhcp4_decide(const struct dhcp4_msg *msg, const struct dhcp4_lease *l)
{
	if (msg->giaddr != 0)
		return DHCP4_NONE; /* relayed: no relay stands between a VPC router and its ENIs */
	switch (msg->type) {
	case DHCP4_DISCOVER:
		return DHCP4_OFFER;
	case DHCP4_INFORM:
		return DHCP4_ACK;
	case DHCP4_REQUEST:
		if (msg->server_id != 0) {
			/* SELECTING: the client answers an OFFER (ours, or another server's) */
			if (msg->server_id != l->router)
				return DHCP4_NONE;
			return msg->requested == l->addr ? DHCP4_ACK : DHCP4_NAK;
		}
		if (msg->requested != 0) /* INIT-REBOOT: it remembers an address */
			return msg->requested == l->addr && msg->ciaddr == 0 ? DHCP4_ACK
									     : DHCP4_NAK;
		/* RENEWING / REBINDING: the address it uses is in ciaddr */
		return msg->ciaddr == l->addr ? DHCP4_ACK : DHCP4_NAK;
	default:
		return DHCP4_NONE; /* RELEASE, DECLINE (counted by the caller), or a server's type
				    */
	}
}

struct opts {
	uint8_t *p;
	size_t n, cap;
	bool overflow;
};

static void opt(struct opts *o, uint8_t code, const void *v, size_t len)
{
	if (o->n + 2 + len + 1 > o->cap || len > 255) {
		o->overflow = true;
		return;
	}
	o->p[o->n++] = code;
	o->p[o->n++] = (uint8_t)len;
	memcpy(o->p + o->n, v, len);
	o->n += len;
}

static void opt32(struct opts *o, uint8_t code, uint32_t v_net)
{
	opt(o, code, &v_net, 4);
}

size_t dhcp4_build(uint8_t *buf, size_t cap, const struct dhcp4_msg *msg,
		   const struct dhcp4_lease *l, enum dhcp4_type type)
{
	bool inform = msg->type == DHCP4_INFORM, nak = type == DHCP4_NAK;
	uint8_t t = (uint8_t)type;
	struct opts o;

	if (cap < DHCP4_MAX_LEN || (type != DHCP4_OFFER && type != DHCP4_ACK && !nak))
		return 0; /* too small, or not an answer (DHCP4_NONE) */
	memset(buf, 0, DHCP4_MAX_LEN);
	buf[0] = BOOTREPLY;
	buf[1] = HTYPE_ETHER;
	buf[2] = 6;
	memcpy(buf + 4, &msg->xid, 4);
	buf[10] = (uint8_t)(msg->flags >> 8);
	buf[11] = (uint8_t)msg->flags;
	if (type == DHCP4_ACK) /* RFC 2131 table 3: ciaddr from the request in an ACK */
		memcpy(buf + 12, &msg->ciaddr, 4);
	if (!inform && !nak)
		memcpy(buf + 16, &l->addr, 4); /* yiaddr */
	memcpy(buf + 24, &msg->giaddr, 4);
	memcpy(buf + 28, msg->chaddr, 6);
	memcpy(buf + DHCP4_FIXED_LEN, magic, sizeof(magic));
	o = (struct opts){.p = buf, .n = DHCP4_FIXED_LEN + sizeof(magic), .cap = DHCP4_MAX_LEN};
	opt(&o, OPT_MSG_TYPE, &t, 1);
	opt32(&o, OPT_SERVER_ID, l->router);
	if (!nak) {
		if (!inform) {
			opt32(&o, OPT_LEASE, htonl(l->lease_s));
			opt32(&o, OPT_T1, htonl(l->lease_s / 2));
			opt32(&o, OPT_T2, htonl((uint32_t)((uint64_t)l->lease_s * 7 / 8)));
		}
		opt32(&o, OPT_MASK, l->mask);
		opt32(&o, OPT_ROUTER, l->router);
		if (l->dns != 0)
			opt32(&o, OPT_DNS, l->dns);
		if (l->domain[0])
			opt(&o, OPT_DOMAIN, l->domain, strlen(l->domain));
		if (l->host_name[0])
			opt(&o, OPT_HOST_NAME, l->host_name, strlen(l->host_name));
		if (l->mtu != 0) {
			uint16_t mtu = htons(l->mtu);
			opt(&o, OPT_MTU, &mtu, 2);
		}
	}
	if (o.overflow)
		return 0;
	buf[o.n++] = OPT_END;
	/* padded to the classic BOOTP size: some clients drop shorter replies */
	return o.n < 300 ? 300 : o.n;
}

uint32_t dhcp4_answer_dst(const struct dhcp4_msg *msg, const struct dhcp4_lease *l,
			  enum dhcp4_type type)
{
	if (type == DHCP4_NAK)
		return 0xffffffffu;
	if (msg->ciaddr != 0)
		return msg->ciaddr;
	if (msg->flags & FLAG_BROADCAST)
		return 0xffffffffu;
	return l->addr;
}

void dhcp4_host_name(uint32_t addr, char *buf, size_t cap)
{
	const uint8_t *b = (const uint8_t *)&addr;

	snprintf(buf, cap, "ip-%u-%u-%u-%u", b[0], b[1], b[2], b[3]);
}

void dhcp4_region_of(const char *az, char *buf, size_t cap)
{
	size_t n = strlen(az);

	while (n > 0 && isalpha((unsigned char)az[n - 1]))
		n--;
	snprintf(buf, cap, "%.*s", (int)n, az);
}
