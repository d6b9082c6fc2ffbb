/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack.h - the security groups' flow table (D12), one table shared by
 * every worker (sg_stage.c uses it).
 *
 * Why shared: with RSS the two directions of a NATed flow do not hash
 * alike, so they land on different workers; both must find one entry. The
 * table is an rte_hash with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF (lookups
 * take no lock) and MULTI_WRITER_ADD (any worker inserts the flows it sees
 * first; writers serialise on the hash's own short lock, held for one add
 * or delete, never across a burst). The hash's position of a key indexes a
 * flat array of entries beside it.
 *
 * Key: the flow as the ENI sees it (private addresses: after the inbound
 * DNAT, before the outbound SNAT): {VPC slot, ENI slot, family, proto,
 * ENI-side port, peer port, ENI-side address, peer address}. The packet's
 * direction says which side is which (to the ENI: the destination is the
 * ENI's; from the ENI: the source), so both directions give the same key
 * without sorting. ICMP echo: the identifier is the ENI-side port, the peer
 * port is 0. An ICMP error is looked up by the key of the packet it quotes
 * (ct_key_icmp_error4/6).
 *
 * Entry: one 64-bit atomic word, the flow's whole mutable state, so that
 * every change is one compare-and-swap:
 *   bits 0-15: flags (valid, dead, initiator, seen from each side, FIN from
 *              each side, RST) and the protocol class (which timeouts apply);
 *   bits 16-63: last seen, in ticks of the caller's clock (ct_config.hz,
 *              e.g. a millisecond clock read once per burst; 48 bits of ms
 *              last 8900 years).
 * A packet of a known flow writes the word only when it changes something
 * (a new flag, or a later tick): with a ms clock, a busy flow costs one CAS
 * per ms, not one per packet, and its cache line stays shared between the
 * workers that read it.
 *
 * Life of an entry (positions are rte_hash's; word W of position p):
 *   - insert: rte_hash_add_key -> p (new, or the existing key's); the worker
 *     claims the entry by CAS(W: 0 -> valid + state). Losing the CAS means
 *     another worker created the same flow at the same time: the packet
 *     then updates that flow as a known one. A full table (max_flows) is a
 *     counted drop of the new flow (ct_stats.full) and returns at once.
 *   - expiry (ct_sweep, one thread at a time, bounded work per call): a
 *     valid W older than its state's timeout is CASed to DEAD (fails, and
 *     the flow lives on, if a worker refreshed it meanwhile); then the key
 *     is deleted from the hash and p queued with an RCU QSBR token. Readers
 *     that still hold p see DEAD and treat it as a miss.
 *   - reclaim (ct_sweep, later calls): once every worker has passed a
 *     quiescent point since the delete (rte_rcu_qsbr_check on the caller's
 *     QSBR variable, ct_config.qs), W is reset to 0 and p given back with
 *     rte_hash_free_key_with_position. No reader can hold p then, so none
 *     reads a freed or reused key, and a new owner of p finds W = 0.
 *   - a packet for a key whose entry is DEAD but not yet deleted (the flow
 *     expired and came back in that window, microseconds) cannot insert:
 *     ct_insert returns -EBUSY, counted (ct_stats.raced); the packet goes on
 *     by its rule verdict, and the next one creates the flow.
 *
 * Threads: every thread that inserts or sweeps must be an EAL lcore or a
 * thread registered with rte_thread_register() (rte_hash's multi-writer
 * mode keeps free slots per lcore). Workers report quiescent points on the
 * QSBR variable given in ct_config.qs (integration: the same as gen.h's, or
 * one more rte_rcu_qsbr_quiescent per loop).
 *
 * Timeouts (ct_config, seconds; EC2's where EC2 says):
 *   TCP: both directions seen ("established") 432000 (5 days); one direction
 *   only (SYN sent, or a mid-stream packet) 120 (tcp_syn, Linux's SYN_SENT);
 *   closing (FIN from both sides, or an RST) 10 (tcp_closing, our choice:
 *   long enough for the last ACK and a retransmitted FIN). One FIN only
 *   keeps the established timeout. A SYN without ACK on a closing flow is a
 *   new connection on the same ports: ct_update says -ENOENT, so it goes
 *   through the rules again, and ct_insert starts the flow afresh. UDP and every protocol other
 * than TCP and ICMP: 30, 180 once both directions have been seen (a stream). ICMP / ICMPv6: 30.
 */
#ifndef ENIMAP_CONNTRACK_H
#define ENIMAP_CONNTRACK_H

#include <stdint.h>
#include <stddef.h>

#include <rte_cycles.h>

struct rte_rcu_qsbr;

/* Which way a packet goes, seen from the ENI. */
enum ct_dir { CT_FROM_ENI = 0, CT_TO_ENI = 1 };

struct ct_key {
	uint32_t vpc;
	uint32_t eni;
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	uint16_t eni_port; /* network order, as in the packet */
	uint16_t peer_port;
	uint16_t pad;	      /* 0 */
	uint8_t eni_addr[16]; /* network order; IPv4 in the first 4 bytes, the rest 0 */
	uint8_t peer_addr[16];
};
_Static_assert(sizeof(struct ct_key) == 48, "ct_key: 48 bytes, no hidden padding");

/* The flow table's entry: the hash's key store holds the key. */
struct ct_entry {
	uint64_t word;	  /* atomic: flags | last seen << 16 */
	uint64_t created; /* tick of the first packet; written by the creator only */
};
_Static_assert(sizeof(struct ct_entry) <= 128, "a flow entry is at most 128 bytes");

/* Flags of the word (bits 0-15). */
#define CT_F_VALID (1u << 0)
#define CT_F_DEAD (1u << 1)
#define CT_F_INIT_PEER (1u << 2) /* started by the peer (inbound); else by the ENI */
#define CT_F_SEEN_ENI (1u << 3)	 /* a packet from the ENI */
#define CT_F_SEEN_PEER (1u << 4) /* a packet to the ENI */
#define CT_F_FIN_ENI (1u << 5)
#define CT_F_FIN_PEER (1u << 6)
#define CT_F_RST (1u << 7)
#define CT_CLASS_SHIFT 8 /* 2 bits: enum ct_class */
#define CT_TS_SHIFT 16
#define CT_TS_MASK ((1ull << 48) - 1)

enum ct_class { CT_CLASS_OTHER = 0, CT_CLASS_TCP = 1, CT_CLASS_UDP = 2, CT_CLASS_ICMP = 3 };

/* TCP header flag bits, as in the header's byte 13. */
#define CT_TCP_FIN 0x01
#define CT_TCP_SYN 0x02
#define CT_TCP_RST 0x04
#define CT_TCP_ACK 0x10

struct ct_config {
	uint32_t max_flows; /* live flows at most (a race can pass it by workers - 1) */
	uint64_t hz;	    /* ticks per second of the `now` given to every call */
	uint32_t tcp_syn_s;
	uint32_t tcp_established_s;
	uint32_t tcp_closing_s;
	uint32_t udp_s;
	uint32_t udp_stream_s;
	uint32_t icmp_s;
	struct rte_rcu_qsbr *qs; /* the workers' QSBR variable; NULL: no reader threads */
	int socket_id;
};

struct ct_stats {
	uint64_t inserted; /* flows created */
	uint64_t full;	   /* new flows dropped: table full (sg-flow-table-full) */
	uint64_t raced;	   /* new flows not tracked: their old entry was being removed */
	uint64_t expired;  /* flows removed by ct_sweep */
	uint64_t live;	   /* flows in the table (expired ones not yet reclaimed included) */
};

/*
 * The clock the engine gives the table (hz 1000): milliseconds of the TSC,
 * the same on every lcore, read by the workers once per burst and by the
 * sweep.
 */
static inline uint64_t ct_now_ms(void)
{
	uint64_t per_ms = rte_get_tsc_hz() / 1000;

	return rte_rdtsc() / (per_ms ? per_ms : 1);
}

/* The defaults above; max_flows 1M, hz 1000 (a millisecond clock), qs NULL. */
void ct_config_default(struct ct_config *c);

struct ct;

/* NULL + errno (EINVAL, ENOMEM, EEXIST: name taken). Needs the EAL. */
struct ct *ct_create(const char *name, const struct ct_config *c);
/* No worker may use the table any more. */
void ct_free(struct ct *ct);

/* ---- keys ---- */

/* Addresses and ports in network order, as they are in the packet. */
void ct_key4(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto, uint32_t eni_addr,
	     uint16_t eni_port, uint32_t peer_addr, uint16_t peer_port);
void ct_key6(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto,
	     const uint8_t eni_addr[16], uint16_t eni_port, const uint8_t peer_addr[16],
	     uint16_t peer_port);
/*
 * A packet's key from its IP header's addresses and its L4 header: ports
 * for TCP / UDP / SCTP / UDP-lite, the identifier for an ICMP(v6) echo
 * request or reply, none otherwise. l4 points at the L4 header, l4_len
 * bytes of it present. -EINVAL when the ports do not fit in l4_len.
 */
int ct_key4_pkt(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir, uint8_t proto,
		uint32_t src, uint32_t dst, const void *l4, size_t l4_len);
int ct_key6_pkt(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir, uint8_t proto,
		const uint8_t src[16], const uint8_t dst[16], const void *l4, size_t l4_len);
/* ICMP errors: IPv4 types 3, 11, 12; ICMPv6 types 1-4. */
int ct_icmp4_is_error(uint8_t type);
int ct_icmp6_is_error(uint8_t type);
/*
 * The key of the flow an ICMP error is about, from the packet it quotes
 * (inner: the quoted IP header, len bytes of it present; at least the IP
 * header and the first 8 bytes of its L4). dir is the error's own direction;
 * the quoted packet went the other way (an error to the ENI quotes a packet
 * the ENI sent). Call it on the error as the ENI sees it (its quote already
 * translated by the NAT). 0, or -EINVAL (truncated, not IPv4 / IPv6, an
 * IPv6 quote with extension headers before its L4).
 */
int ct_key_icmp_error4(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir,
		       const void *inner, size_t len);
int ct_key_icmp_error6(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir,
		       const void *inner, size_t len);

/* ---- worker side ---- */

/*
 * Look up n (<= 64; only the first 64 of more) keys. pos[i] is the entry's position when bit i of
 * the result is set (a live flow); a flow that expired but was not swept yet is a hit too, and
 * ct_update tells it apart.
 */
uint64_t ct_lookup_bulk(const struct ct *ct, const struct ct_key *const keys[], unsigned n,
			int32_t pos[]);
/*
 * A packet of the flow at pos (from ct_lookup_bulk in this burst): records
 * it (direction seen, TCP FIN / RST, last seen = now). 0: the flow is
 * tracked, the packet passes; -ENOENT: the flow is gone or has expired, or
 * the packet is a SYN reopening a closed TCP flow (then the packet is a new
 * flow: rules, then ct_insert).
 */
int ct_update(struct ct *ct, int32_t pos, enum ct_dir dir, uint8_t tcp_flags, uint64_t now);
/*
 * A new flow whose first packet (going dir) the rules allowed: dir gives
 * the initiator. 0 (created; or joined, if another worker created it at the
 * same time; or started afresh, if it had expired or this SYN reopens it
 * after a close), -ENOSPC (table full, counted
 * in full), -EBUSY (counted in raced). *pos_out, if not NULL, gets the
 * position on 0.
 */
int ct_insert(struct ct *ct, const struct ct_key *k, enum ct_dir dir, uint8_t tcp_flags,
	      uint64_t now, int32_t *pos_out);
/* The entry's state word (relaxed load): tests and telemetry. */
uint64_t ct_word(const struct ct *ct, int32_t pos);

/* ---- control side (or a worker's idle time; one thread at a time) ---- */

/*
 * Reclaims the entries whose grace period is over, then looks at up to
 * budget positions (round robin over the table) and removes the flows that
 * have expired at now. Returns the number removed by this call.
 */
unsigned ct_sweep(struct ct *ct, uint64_t now, unsigned budget);
/* A flow as the table holds it (ct_iterate). */
struct ct_flow {
	int32_t pos;	   /* its position */
	struct ct_key key; /* copied */
	uint64_t word;	   /* its state word (flags | last seen << CT_TS_SHIFT) */
	uint64_t created;  /* tick of its first packet */
};

/*
 * Walk the flows, one per call: *next = 0 first; 1 with *out filled, or 0
 * at the end. Positions whose entry is not (or no longer) claimed, word
 * without CT_F_VALID, are skipped. For the control thread while the workers
 * run: rte_hash_iterate takes no lock and is safe for a reader of a table
 * made with RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF (it loads each bucket's
 * key index with acquire, and a key is complete before its index is
 * published). A key's storage is given back only by ct_sweep, so call this
 * from the sweeping thread (then the key read cannot be freed meanwhile). A
 * worker's insert may move a key to its other bucket during the walk
 * (cuckoo): the walk may then see that flow twice or miss it; callers that
 * need each flow once sort by pos and drop repeats. A snapshot for people,
 * not a consistent cut.
 */
int ct_iterate(const struct ct *ct, uint32_t *next, struct ct_flow *out);
/* Positions in the table (what a full round of ct_sweep looks at). */
uint32_t ct_positions(const struct ct *ct);
void ct_get_stats(const struct ct *ct, struct ct_stats *s);

#endif
