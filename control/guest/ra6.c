/* SPDX-License-Identifier: BSD-3-Clause */
/* ra6.c - router solicitations and advertisements (see ra6.h). */
#include "ra6.h"

#include "bytes.h"

#include <string.h>

#define ND_ROUTER_SOLICIT 133
#define ND_ROUTER_ADVERT 134
#define OPT_SOURCE_LINKADDR 1
#define OPT_PREFIX_INFORMATION 3
#define OPT_MTU 5
#define RS_LEN 8
#define RA_LEN 16
#define FLAG_MANAGED 0x80
#define FLAG_OTHER 0x40
#define PREFIX_ON_LINK 0x80 /* L; A (0x40) stays off */

bool ra6_is_solicitation(const uint8_t *icmp, size_t len, uint8_t hop, bool src_unspecified)
{
	size_t off = RS_LEN;

	if (len < RS_LEN || icmp[0] != ND_ROUTER_SOLICIT || icmp[1] != 0 || hop != 255)
		return false;
	while (off < len) {
		size_t olen = off + 2 <= len ? icmp[off + 1] * 8u : 0;

		if (olen == 0 || off + olen > len)
			return false;
		if (icmp[off] == OPT_SOURCE_LINKADDR && src_unspecified)
			return false;
		off += olen;
	}
	return true;
}

size_t ra6_build(uint8_t *buf, size_t cap, const struct ra6_params *p)
{
	size_t n = RA_LEN + 8 /* source link-layer */ + 32 /* prefix */ + (p->mtu ? 8 : 0);
	uint8_t *o;

	if (cap < n || cap < RA6_MAX_LEN)
		return 0;
	memset(buf, 0, n);
	buf[0] = ND_ROUTER_ADVERT;
	buf[4] = 64; /* the guest's hop limit */
	buf[5] = FLAG_MANAGED | FLAG_OTHER;
	put16(buf + 6, RA6_ROUTER_LIFETIME);
	/* reachable time and retransmission timer 0: the guest's own */
	o = buf + RA_LEN;
	o[0] = OPT_SOURCE_LINKADDR;
	o[1] = 1;
	memcpy(o + 2, p->router_mac, 6);
	o += 8;
	o[0] = OPT_PREFIX_INFORMATION;
	o[1] = 4;
	o[2] = p->prefix_len;
	o[3] = PREFIX_ON_LINK;
	put32(o + 4, RA6_PREFIX_VALID);
	put32(o + 8, RA6_PREFIX_PREFERRED);
	memcpy(o + 16, p->prefix, 16);
	o += 32;
	if (p->mtu) {
		o[0] = OPT_MTU;
		o[1] = 1;
		put32(o + 4, p->mtu);
	}
	return n;
}
