/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counters.h - per-worker dataplane counters (D8).
 *
 * Each worker owns one struct counters and is its only writer (plain
 * increments, no atomics); readers on other threads sum them with
 * counters_sum(), which loads each 64-bit field once (relaxed atomic loads:
 * a sum may be a few packets behind, never torn).
 *
 * Drop reasons come from ONE list, COUNTERS_DROPS, that makes the enum, the
 * names and the counter array.
 */
#ifndef ENIMAP_COUNTERS_H
#define ENIMAP_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "fwd.h"

/*
 * X(enum suffix, name):
 *   no-route             no route covers the destination
 *   no-eip               igw route, IPv4 source without an EIP (D6)
 *   spoofed-source       source/dest check failed (D4)
 *   unknown-destination  nobody owns the destination
 *   eni-detached         destination ENI not attached (D10)
 *   instance-stopped     destination (or source) instance stopped (D10)
 *   malformed            truncated, bad lengths, bad header
 *   ttl                  TTL / hop limit would reach 0
 *   blackhole            blackhole route (D6)
 *   unknown-source       no ENI with this port + VLAN + source MAC (D4)
 *   not-ip               neither IPv4, IPv6 nor ARP
 *   arp-unanswered       ARP the router does not answer (D1)
 *   nd-unanswered        ICMPv6 ND the router does not answer (D1)
 *   no-uplink            igw route but no uplink port or upstream MAC
 *   multicast            multicast, broadcast or link-local destination
 *   wrong-port           the destination ENI's port is not a host port
 *   tx-full              the output queue of the burst was full (caller did not drain)
 *   not-for-us           unicast to a MAC other than the port's (ports are promiscuous)
 *   frag-needed          bigger than the egress MTU and DF set, or IPv6: an ICMP
 *                        "fragmentation needed" / "packet too big" goes back (D7)
 *   frag-failed          bigger than the egress MTU, DF clear, but no mbufs to fragment it
 *   sg-inbound           no inbound rule of the receiving ENI's groups allows it, and it
 *                        is not part of a tracked flow (D12)
 *   sg-outbound          the same for the outbound rules of the sending ENI's groups
 *   sg-flow-table-full   a new flow the rules allow, but the flow table is full (D12)
 *   punt-overflow        for the router itself (DHCP, its own address), but over the
 *                        worker's punt rate or the exception ring is full (D16, punt.h)
 */
#define COUNTERS_DROPS(X)                                                                          \
	X(NO_ROUTE, "no-route")                                                                    \
	X(NO_EIP, "no-eip")                                                                        \
	X(SPOOFED_SOURCE, "spoofed-source")                                                        \
	X(UNKNOWN_DESTINATION, "unknown-destination")                                              \
	X(ENI_DETACHED, "eni-detached")                                                            \
	X(INSTANCE_STOPPED, "instance-stopped")                                                    \
	X(MALFORMED, "malformed")                                                                  \
	X(TTL, "ttl")                                                                              \
	X(BLACKHOLE, "blackhole")                                                                  \
	X(UNKNOWN_SOURCE, "unknown-source")                                                        \
	X(NOT_IP, "not-ip")                                                                        \
	X(ARP_UNANSWERED, "arp-unanswered")                                                        \
	X(ND_UNANSWERED, "nd-unanswered")                                                          \
	X(NO_UPLINK, "no-uplink")                                                                  \
	X(MULTICAST, "multicast")                                                                  \
	X(WRONG_PORT, "wrong-port")                                                                \
	X(TX_FULL, "tx-full")                                                                      \
	X(NOT_FOR_US, "not-for-us")                                                                \
	X(FRAG_NEEDED, "frag-needed")                                                              \
	X(FRAG_FAILED, "frag-failed")                                                              \
	X(SG_INBOUND, "sg-inbound")                                                                \
	X(SG_OUTBOUND, "sg-outbound")                                                              \
	X(SG_FLOW_TABLE_FULL, "sg-flow-table-full")                                                \
	X(PUNT_OVERFLOW, "punt-overflow")

enum counters_drop {
#define COUNTERS_X(e, s) COUNTERS_DROP_##e,
	COUNTERS_DROPS(COUNTERS_X)
#undef COUNTERS_X
	    COUNTERS_DROP_MAX
};

struct counters_port {
	uint64_t rx;   /* packets the pipeline took from the port */
	uint64_t tx;   /* packets the pipeline queued for the port */
	uint64_t drop; /* packets received on the port and dropped, any reason */
};

struct counters_eni {
	uint64_t packets, bytes; /* delivered to the ENI */
	uint64_t sent_packets,
	    sent_bytes; /* sent by the ENI (known by port, VLAN, MAC), any fate */
};

/* Security groups (D12), per ENI: packets its groups refused (a separate
 * array: the delivery counters above stay 16 bytes, four ENIs a line). */
struct counters_sg_eni {
	uint64_t in, out; /* sg-inbound: to the ENI; sg-outbound: from it */
};

struct counters {
	uint64_t drop[COUNTERS_DROP_MAX];
	uint64_t arp_replies; /* ARP requests answered */
	uint64_t nd_replies;  /* neighbour solicitations answered */
	/* D7, egress MTU: IPv4 datagrams fragmented and the fragments they made;
	 * ICMP too-big errors sent, and those the rate limit held back */
	uint64_t fragmented, fragments;
	uint64_t icmp_too_big, icmp_limited;
	struct counters_port port[FWD_MAX_PORTS];
	uint32_t n_enis;
	struct counters_eni *eni;	/* n_enis, by ENI slot */
	struct counters_sg_eni *sg_eni; /* n_enis, by ENI slot */
	/* security groups: flows created, and new flows the table could not take
	 * because another worker's entry for the same key was being removed */
	uint64_t sg_flows, sg_flows_raced;
	/* D16: packets handed to the guest services (punt.h) */
	uint64_t punted;
};

/* Zeroed counters for n_enis ENI slots. NULL + errno. */
struct counters *counters_create(uint32_t n_enis);
void counters_free(struct counters *c);
/* Zero every field (not thread safe: for the owner or a sum target). */
void counters_reset(struct counters *c);

/* "no-route", ...; NULL when reason >= COUNTERS_DROP_MAX. */
const char *counters_drop_name(unsigned reason);

/*
 * out = sum of the n per-worker counters (out made by counters_create; ENI
 * slots beyond out->n_enis are left out). Any thread, any time.
 */
void counters_sum(const struct counters *const *per_worker, unsigned n, struct counters *out);

/* Total drops, all reasons. */
uint64_t counters_drops_total(const struct counters *c);

#endif
