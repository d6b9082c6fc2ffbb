/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp4.h - the VPC router's DHCPv4 server logic (D14, RFC 2131/2132): read
 * a client's message, decide the answer, write it. Bytes in, bytes out: no
 * sockets, no DPDK, no model (guestsvc.c gives it the lease the model
 * holds for the asking ENI).
 *
 * Written by hand, not taken from a library: a server here hands each MAC
 * the one address the model gives its ENI, knows the asker by the port and
 * MAC its frame came with, and answers from the model as it is at that
 * moment. dnsmasq or Kea would need their host tables regenerated on every
 * change and cannot know the ingress port; OVN's ovn-controller answers
 * DHCP in its datapath the same way, for the same reasons.
 *
 * The server is stateless: every answer is computed from the request and
 * the ENI's lease, so a reassigned primary address (a new ENI) shows at the
 * client's next renewal, and a client holding an address that is no longer
 * its ENI's is sent a NAK.
 */
#ifndef ENIMAP_DHCP4_H
#define ENIMAP_DHCP4_H

#include <stddef.h>
#include <stdint.h>

#define DHCP4_CLIENT_PORT 68
#define DHCP4_SERVER_PORT 67
#define DHCP4_FIXED_LEN 236 /* op .. file, before the magic cookie */
#define DHCP4_MAX_LEN 576   /* the least a client must accept (RFC 2131): our answers fit it */

enum dhcp4_type {
	DHCP4_NONE = 0,
	DHCP4_DISCOVER = 1,
	DHCP4_OFFER = 2,
	DHCP4_REQUEST = 3,
	DHCP4_DECLINE = 4,
	DHCP4_ACK = 5,
	DHCP4_NAK = 6,
	DHCP4_RELEASE = 7,
	DHCP4_INFORM = 8,
};

/* A client's message, as read. Addresses in network order. */
struct dhcp4_msg {
	uint8_t type; /* enum dhcp4_type (option 53) */
	uint32_t xid;
	uint16_t flags; /* host order; bit 15: the client wants a broadcast answer */
	uint32_t ciaddr, giaddr;
	uint8_t chaddr[6];
	uint32_t requested; /* option 50, 0 = absent */
	uint32_t server_id; /* option 54, 0 = absent */
};

/* What the ENI gets (from the model). Addresses in network order. */
struct dhcp4_lease {
	uint32_t addr;	    /* the ENI's primary private IPv4 */
	uint32_t mask;	    /* the subnet's */
	uint32_t router;    /* the subnet's .1, also the server identifier */
	uint32_t dns;	    /* the VPC's resolver (its base + 2), 0 = none */
	uint32_t lease_s;   /* lease time; T1 = 1/2, T2 = 7/8 of it */
	uint16_t mtu;	    /* interface MTU, 0 = not sent */
	char host_name[64]; /* "ip-10-0-1-5" */
	char domain[96];    /* "<region>.compute.internal" */
};

/*
 * Read a BOOTREQUEST (the UDP payload, len bytes). 0, or -1 when it is not a
 * well-formed DHCP request over Ethernet (short, wrong op / htype / hlen, no
 * magic cookie, an option running past the end, no message type).
 */
int dhcp4_parse(const uint8_t *p, size_t len, struct dhcp4_msg *out);

/*
 * The answer to msg for an ENI with lease l: DHCP4_OFFER, DHCP4_ACK,
 * DHCP4_NAK, or DHCP4_NONE (no answer: RELEASE, DECLINE, a REQUEST for
 * another server, a relayed message, a type a server never receives).
 */
enum dhcp4_type dhcp4_decide(const struct dhcp4_msg *msg, const struct dhcp4_lease *l);

/*
 * Write the answer of type `type` (from dhcp4_decide) to msg into buf (cap
 * >= DHCP4_MAX_LEN). For an INFORM the ACK carries no address and no lease
 * time (RFC 2131 4.3.5). Returns its length, or 0 when cap is too small or
 * type is not an answer.
 */
size_t dhcp4_build(uint8_t *buf, size_t cap, const struct dhcp4_msg *msg,
		   const struct dhcp4_lease *l, enum dhcp4_type type);

/*
 * Where the answer goes (RFC 2131 4.1), network order: the client's ciaddr
 * when it has one, else the limited broadcast when it asked for it or for a
 * NAK, else the offered address (sent to the client's MAC: it accepts
 * unicast before it has configured the address, as every Linux client does).
 */
uint32_t dhcp4_answer_dst(const struct dhcp4_msg *msg, const struct dhcp4_lease *l,
			  enum dhcp4_type type);

/* "ip-10-0-1-5" for 10.0.1.5 (network order), EC2's host name. */
void dhcp4_host_name(uint32_t addr, char *buf, size_t cap);
/* "us-east-1" for "us-east-1a": the region of an availability zone (the DHCP
 * domain's and the metadata's). */
void dhcp4_region_of(const char *az, char *buf, size_t cap);

#endif
