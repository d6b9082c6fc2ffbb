/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * imds_link.h - how a guest's TCP to the metadata service (D15) reaches a
 * real network stack, and how the server learns who is asking.
 *
 * The guest services' thread moves itself into a network namespace of its
 * own (unshare(CLONE_NEWNET): nothing else of the host is in it) and opens
 * a TUN device there, imds0, holding 169.254.169.254 and, where the kernel
 * has IPv6, fd00:ec2::254. The HTTP server
 * (imds.h) listens in that namespace; Linux's TCP serves the connections.
 *
 * Identity: the workers punt a guest's segment with the engine port it came
 * in on; the thread finds the ENI by {port, VLAN, source MAC} (guestsvc.h),
 * never by the address the packet claims. Each such asker - {port, VLAN,
 * MAC, and the guest's source address, so that two addresses of one ENI are
 * two TCP peers} - is given an identity address of its own in 100.64.0.0/10
 * (fd00:ec2:0:1::/64 for a guest asking over IPv6), and the packet enters
 * imds0 with that source. The server reads its
 * client's address and asks this table who it is (imds_link_peer), and what
 * leaves imds0 for an identity address goes back, with the guest's address
 * as destination, to that MAC on that port and VLAN. A guest cannot become
 * another by claiming its address: the address only picks among the
 * identities of its own MAC.
 */
#ifndef ENIMAP_IMDS_LINK_H
#define ENIMAP_IMDS_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IMDS_LINK_PEERS 4096 /* identities at once */
#define IMDS_LINK_IDLE_S 300 /* an identity unused this long may be given to another asker */
#define IMDS_LINK_IFNAME "imds0"

/* Who is asking: where its frames came from, and the address it used. */
struct imds_peer {
	uint8_t mac[6];
	uint16_t port, vlan;
	bool v6;	   /* it asked over IPv6: guest_ip6, else guest_ip */
	uint32_t guest_ip; /* network order */
	uint8_t guest_ip6[16];
};

struct imds_link;

/*
 * Move the calling thread into a new network namespace and open imds0 in
 * it (the caller's threads created afterwards are in it too). NULL and a
 * reason in err when the system does not allow it (no CAP_SYS_ADMIN, no
 * /dev/net/tun).
 */
struct imds_link *imds_link_open(char *err, size_t cap);
void imds_link_close(struct imds_link *l);

/* Why imds0 has no IPv6 side (the kernel's IPv6 off in the namespace, ...), or NULL when it has. */
const char *imds_link_ipv6_error(const struct imds_link *l);

/*
 * A guest's packet (ip, len; rewritten in place; IPv6 when who->v6, else
 * IPv4) into imds0 with who's identity address as its source. 0, or -1 when
 * every identity is in use, the IPv6 side is not up, or the write fails.
 */
int imds_link_to_service(struct imds_link *l, const struct imds_peer *who, uint8_t *ip, size_t len);

/*
 * The next packet imds0 sends, read into ip (cap bytes) with the guest's
 * address as its destination and *to its asker: its length, 0 when none is
 * waiting, -1 for a packet to no identity (read and dropped). The kernel's
 * own IPv6 packets on imds0 (router solicitations, MLD: to no identity) are
 * read and skipped.
 */
ssize_t imds_link_from_service(struct imds_link *l, uint8_t *ip, size_t cap, struct imds_peer *to);

/* The asker behind an identity address (network order): 0, or -1. Any thread. */
int imds_link_peer(struct imds_link *l, uint32_t identity, struct imds_peer *out);
/* The same for an IPv6 identity address. */
int imds_link_peer6(struct imds_link *l, const uint8_t identity[16], struct imds_peer *out);

#endif
