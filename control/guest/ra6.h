/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ra6.h - the VPC router's router advertisements (D14, RFC 4861): read a
 * guest's router solicitation, write the advertisement. Bytes only, like
 * dhcp4.h; guestsvc.c sends them from the router's link-local address (the
 * modified EUI-64 of the port's MAC, neigh_router_link_local), which the
 * workers answer neighbour solicitations for.
 *
 * As EC2's: the managed (M) and other-configuration (O) flags set, so the
 * guest asks DHCPv6 for its address; the subnet's /64 on-link (L) with
 * autonomous (A) off, so no address is made up from it; the port's MTU;
 * the router's link-layer address. The guest's default route is the
 * router's link-local address.
 */
#ifndef ENIMAP_RA6_H
#define ENIMAP_RA6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RA6_ROUTER_LIFETIME 1800 /* seconds: 3 x the period (RFC 4861's default) */
#define RA6_PERIOD 600		 /* seconds between unsolicited advertisements */
#define RA6_PREFIX_VALID 2592000 /* the on-link prefix's lifetimes (RFC 4861's defaults) */
#define RA6_PREFIX_PREFERRED 604800
#define RA6_MAX_LEN 64 /* an advertisement with our three options */

struct ra6_params {
	uint8_t router_mac[6];
	uint8_t prefix[16]; /* the subnet's IPv6 block */
	uint8_t prefix_len;
	uint16_t mtu; /* 0 = no MTU option */
};

/*
 * Whether the ICMPv6 message icmp (len bytes, its IPv6 hop limit hop) is a
 * valid router solicitation (RFC 4861 6.1.1): type 133, code 0, hop limit
 * 255, at least 8 bytes, every option of a non-zero length within it, and no
 * source link-layer address option when the source is unspecified.
 */
bool ra6_is_solicitation(const uint8_t *icmp, size_t len, uint8_t hop, bool src_unspecified);

/* Write the router advertisement (an ICMPv6 message, its checksum 0: frame_ip6_build fills it). Its
 * length, 0 when cap is too small. */
size_t ra6_build(uint8_t *buf, size_t cap, const struct ra6_params *p);

#endif
