/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dhcp6.h - the VPC router's DHCPv6 server logic (D14, RFC 8415): the ENI's
 * first IPv6 address in an IA_NA, as EC2 gives it. Bytes in, bytes out, like
 * dhcp4.h and for the same reasons (one address per ENI from the model, the
 * asker known by port and MAC, stateless answers).
 *
 * What a client gets: SOLICIT -> ADVERTISE (preference 255, so a client
 * takes it at once) or, with Rapid Commit, REPLY; REQUEST, RENEW and REBIND
 * -> REPLY with the address and T1 = 1/2, T2 = 4/5 of the lease; an
 * address the client lists that is no longer its ENI's comes back with
 * lifetimes 0 (RFC 8415 18.3.4), so a change shows at the next renewal;
 * CONFIRM -> Success or NotOnLink; RELEASE and DECLINE -> Success;
 * INFORMATION-REQUEST -> the options alone. An ENI with no IPv6 address gets
 * NoAddrsAvail in its IA. Messages for another server (a Server Identifier
 * not ours) get nothing. Our Server Identifier is a DUID-LL of the port's MAC.
 */
#ifndef ENIMAP_DHCP6_H
#define ENIMAP_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547
#define DHCP6_MAX_LEN 512	 /* our answers fit it */
#define DHCP6_DUID_MAX 130	 /* RFC 8415 11.1: at most 128 bytes of DUID, and its type */
#define DHCP6_MAX_CLIENT_ADDRS 4 /* IAADDRs of the IA_NA read, more are ignored */

enum dhcp6_type {
	DHCP6_NONE = 0,
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5,
	DHCP6_REBIND = 6,
	DHCP6_REPLY = 7,
	DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9,
	DHCP6_INFORMATION_REQUEST = 11,
};

/* A client's message, as read. */
struct dhcp6_msg {
	uint8_t type; /* enum dhcp6_type */
	uint32_t xid; /* 24 bits */
	uint8_t client_id[DHCP6_DUID_MAX], server_id[DHCP6_DUID_MAX];
	size_t client_id_len, server_id_len; /* 0 = absent */
	bool has_ia_na;			     /* the first IA_NA (the others are not answered) */
	uint32_t iaid;
	size_t n_addrs; /* the addresses it lists */
	uint8_t addrs[DHCP6_MAX_CLIENT_ADDRS][16];
	bool has_ia_other; /* an IA_TA or IA_PD (never served) */
	bool rapid_commit;
	bool want_dns, want_domains; /* its Option Request lists 23 / 24 */
};

/* What the ENI gets (from the model). */
struct dhcp6_lease {
	bool has_addr;	  /* false: NoAddrsAvail */
	uint8_t addr[16]; /* the ENI's first IPv6 address */
	uint8_t server_mac[6];
	bool has_dns;
	uint8_t dns[16];  /* the VPC's resolver, when it has DNS support */
	uint32_t lease_s; /* the address's lifetimes */
	char domain[96];  /* "<region>.compute.internal": the domain search list, "" = none */
};

/*
 * Read a client's message (the UDP payload, len bytes). 0, or -1 when it
 * is malformed (short, an option running past the end, a DUID longer than
 * 128 bytes, an IA_NA or IAADDR shorter than its fixed part). Any type is
 * read; dhcp6_decide answers only a client's.
 */
int dhcp6_parse(const uint8_t *p, size_t len, struct dhcp6_msg *out);

/*
 * The answer to msg: DHCP6_ADVERTISE, DHCP6_REPLY, or DHCP6_NONE (for
 * another server, or without what its type requires, RFC 8415 16).
 */
enum dhcp6_type dhcp6_decide(const struct dhcp6_msg *msg, const struct dhcp6_lease *l);

/* Write the answer of type `type` (dhcp6_decide's) into buf. Its length, 0 when cap is too small.
 */
size_t dhcp6_build(uint8_t *buf, size_t cap, const struct dhcp6_msg *msg,
		   const struct dhcp6_lease *l, enum dhcp6_type type);

#endif
