/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack.h - the security groups' flow table (D12), one table shared by
 * every worker (sg_stage.c uses it).
 *
 * Why shared, and how both directions find one entry: with RSS the two
 * directions of a NATed flow do not hash alike, so they land on different
 * workers. Each builds the flow's key as the ENI sees it (below), which is
 * the same from both sides, hashes it with the same function to the same
 * home slot, and probes the one array every worker reads without a lock:
 * whichever worker a packet lands on, it finds the one entry, and whichever
 * worker sees the flow first creates it (the other, racing, joins it).
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
 * The table: open addressing with linear probing over npos entries of one
 * 64-byte cache line each (struct ct_entry: state word, the key's 32-bit
 * hash, last seen, the key). cap = 1.5 x max_flows home slots (rounded up to
 * CT_PROBE); npos = cap + CT_PROBE, so that a key's window, the CT_PROBE
 * slots from its home, never wraps. ct_hash: CRC32-C of the 48 bytes and a
 * multiply-xorshift finaliser; the home is the high 32 bits of hash x cap.
 * Beside the entries, one tag byte per slot (1.5 bytes a flow: it stays in
 * L2): 0 EMPTY, 1 not live (BUSY, DEAD, TOMB), 2..255 a live entry's, from
 * its hash's low byte. Tags are hints, the word is the truth.
 *
 * Lookup (ct_lookup_bulk, no lock, no retry): hash every key of the burst
 * and prefetch its home's tags; then compare 16 tags at once (SSE), prefetch
 * the entry of the first match (on a miss, the first EMPTY slot, for the
 * insert that is likely to follow); then read that entry's word (acquire),
 * hash and key. A hit reads one entry line. A tag's false match (1 in 254 a
 * slot) or a key placed more than 16 slots from home reads the window on,
 * to its first EMPTY tag.
 *
 * The word: 64-bit atomic flags (valid, dead, initiator, seen from each
 * side, FIN from each side, RST, the protocol class; tomb and busy alone for
 * free and claimed slots); every change of them is one compare-and-swap.
 * Last seen is a separate 32-bit atomic (ticks of the caller's clock,
 * ct_config.hz, e.g. a millisecond clock read once per burst; wrapping, so
 * every timeout must stay under 2^30 of its units: ct_create counts it in
 * 2^k-tick units when a timeout is longer, 2 ms for 30 days at 1 kHz). A
 * packet of a known flow CASes the word only when it changes a flag (the
 * first packet from each side, a FIN, an RST) and stores last seen (a plain
 * store) only when the tick moved: a busy flow costs one store per ms, and
 * its line stays shared between the workers that read it.
 *
 * A slot's states (the word): EMPTY (0: never used, or cleared; ends every
 * window), BUSY (claimed, key being written), live (VALID), DEAD (expired,
 * key kept, waiting for the readers' grace period), TOMB (free again; does
 * not end a window, so the keys placed beyond it stay found).
 *   - insert (any worker): under the lock of the key's stripe (a CAS
 *     spinlock for the CT_PROBE home slots the home is in; held for one
 *     window scan, never across a burst; waited for a bounded time, then
 *     -EBUSY), scan the window's slots whose tag is the key's, not live or
 *     EMPTY: the key live there is a known flow (updated, or started afresh
 *     if it expired or a SYN reopens it); DEAD there is -EBUSY (below); else
 *     claim the first EMPTY or TOMB slot by CAS (-> BUSY), write hash, last
 *     seen and key, publish the word with a release store, then the tag. Two
 *     workers creating one flow at once serialise on its one stripe lock
 *     (the same key, the same home): the second finds the first's entry and
 *     updates it, so a flow never has two entries. Keys of other stripes
 *     racing for a slot lose the CAS and scan again. An insert tags "not
 *     EMPTY" any claimed slot before its own that is still untagged, so a
 *     lookup never stops short of a published key. A full table (max_flows
 *     live, or no free slot in the window) is a counted drop of the new
 *     flow (ct_stats.full) and returns at once.
 *   - expiry (ct_sweep, one thread at a time, bounded work per call): a
 *     valid word whose last seen is older than its state's timeout is CASed
 *     to DEAD (fails, and the flow lives on, if a worker changed its flags
 *     meanwhile; a worker that only refreshed last seen at that very moment
 *     loses the flow, which had reached its timeout), and tagged not live:
 *     lookups miss it from then on. The slot is queued with one RCU QSBR
 *     token per sweep call. Readers that still hold the position see DEAD: a
 *     miss.
 *   - reclaim (ct_sweep, later calls): once every worker has passed a
 *     quiescent point since the kill (rte_rcu_qsbr_check on the caller's
 *     QSBR variable, ct_config.qs), the word becomes TOMB: free for any new
 *     key. No reader can hold the slot then, so none reads a key being
 *     rewritten. A TOMB followed by an EMPTY becomes EMPTY again (word, then
 *     tag; so windows stay short under churn), under the locks of the
 *     stripes of every home whose window holds it (two at most): no insert
 *     can meanwhile put a key beyond it.
 *   - a packet for a key whose entry is DEAD but not yet reclaimed (the
 *     flow expired and came back in that window, a sweep period at most)
 *     cannot insert: ct_insert returns -EBUSY, counted (ct_stats.raced); the
 *     packet goes on by its rule verdict, and a packet after the reclaim
 *     creates the flow.
 *
 * Memory (ct_memsize): npos x (64 bytes of entry + 1 of tag + 4 of the
 * sweeper's queue) + npos / CT_PROBE x 4 bytes of locks: about 104 bytes
 * per max_flows.
 *
 * Threads: any thread may insert (no per-lcore state); one sweeps at a
 * time. Workers report quiescent points on the QSBR variable given in
 * ct_config.qs (integration: the same as gen.h's, or one more
 * rte_rcu_qsbr_quiescent per loop), and hold a position from
 * ct_lookup_bulk only until their next one.
 *
 * Timeouts (ct_config, seconds; EC2's where EC2 says):
 *   TCP: both directions seen ("established") 432000 (5 days); one direction
 *   only (SYN sent, or a mid-stream packet) 120 (tcp_syn, Linux's SYN_SENT);
 *   closing (FIN from both sides, or an RST) 10 (tcp_closing, our choice:
 *   long enough for the last ACK and a retransmitted FIN). One FIN only
 *   keeps the established timeout. A SYN without ACK on a closing flow is a
 *   new connection on the same ports: ct_update says -ENOENT, so it goes
 *   through the rules again, and ct_insert starts the flow afresh. UDP and
 *   every protocol other than TCP and ICMP: 30, 180 once both directions
 *   have been seen (a stream). ICMP / ICMPv6: 30.
 */
#ifndef ENIMAP_CONNTRACK_H
#define ENIMAP_CONNTRACK_H

#include <stdint.h>
#include <stddef.h>

#include <string.h>

#include <rte_cycles.h>
#include <rte_hash_crc.h>
#ifdef __SSE4_2__
#include <nmmintrin.h>
#endif

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

/* The flow table's entry: one cache line. */
struct ct_entry {
	uint64_t word; /* atomic: the flags, bits 0-15 (conntrack.h's states) */
	uint32_t hash; /* ct_hash(key); written by the claimer before the word is VALID */
	uint32_t seen; /* atomic: last seen, 32 bits of ticks (wrapping; see ct_create) */
	struct ct_key key;
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct ct_entry) == 64, "a flow entry is one cache line");

#define CT_PROBE 256	 /* slots of a key's window, and of a lock's stripe */
#define CT_LOOKUP_MAX 64 /* keys of one ct_lookup_bulk call */
/* A slot's tag (the lookups' hint, conntrack.h): */
#define CT_TAG_EMPTY 0	  /* the word is EMPTY: windows end here */
#define CT_TAG_NOT_LIVE 1 /* BUSY, DEAD or TOMB */
#define CT_TAG_LIVE 2	  /* 2..255: a live entry's, from its hash */

/* Flags of the word (bits 0-15). */
#define CT_F_VALID (1u << 0)
#define CT_F_DEAD (1u << 1)
#define CT_F_INIT_PEER (1u << 2) /* started by the peer (inbound); else by the ENI */
#define CT_F_SEEN_ENI (1u << 3)	 /* a packet from the ENI */
#define CT_F_SEEN_PEER (1u << 4) /* a packet to the ENI */
#define CT_F_FIN_ENI (1u << 5)
#define CT_F_FIN_PEER (1u << 6)
#define CT_F_RST (1u << 7)
#define CT_CLASS_SHIFT 8     /* 2 bits: enum ct_class */
#define CT_F_TOMB (1u << 10) /* the whole word of a free slot that does not end windows */
#define CT_F_BUSY (1u << 11) /* the whole word of a slot being claimed */
#define CT_TS_SHIFT 16	     /* ct_word: last seen (32 bits) from here */

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

/* NULL + errno (EINVAL, ENOMEM). name names the allocations. Needs the EAL. */
struct ct *ct_create(const char *name, const struct ct_config *c);
/* No worker may use the table any more. */
void ct_free(struct ct *ct);

/* The slots of the table for max_flows (ct_positions), and its bytes; 0: too many. */
uint32_t ct_capacity(uint32_t max_flows);
size_t ct_memsize(uint32_t max_flows);

/* ---- keys ---- */

/* Addresses and ports in network order, as they are in the packet. Every
 * byte written (no memset: stores of the fields and the zero tails). */
static inline void ct_key4(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto,
			   uint32_t eni_addr, uint16_t eni_port, uint32_t peer_addr,
			   uint16_t peer_port)
{
	static const uint8_t zero[12];

	k->vpc = vpc;
	k->eni = eni;
	k->family = 4;
	k->proto = proto;
	k->eni_port = eni_port;
	k->peer_port = peer_port;
	k->pad = 0;
	memcpy(k->eni_addr, &eni_addr, 4);
	memcpy(k->eni_addr + 4, zero, 12);
	memcpy(k->peer_addr, &peer_addr, 4);
	memcpy(k->peer_addr + 4, zero, 12);
}

static inline void ct_key6(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto,
			   const uint8_t eni_addr[16], uint16_t eni_port,
			   const uint8_t peer_addr[16], uint16_t peer_port)
{
	k->vpc = vpc;
	k->eni = eni;
	k->family = 6;
	k->proto = proto;
	k->eni_port = eni_port;
	k->peer_port = peer_port;
	k->pad = 0;
	memcpy(k->eni_addr, eni_addr, 16);
	memcpy(k->peer_addr, peer_addr, 16);
}

/* The key's hash: CRC32-C in six 8-byte steps, then a multiply-xorshift
 * finaliser (CRC is linear: keys that differ in a few fields would land in
 * a few clusters of home slots without it). Its home slot and quick compare. */
static inline uint32_t ct_hash(const struct ct_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 0;

	for (unsigned i = 0; i < 6; i++) {
		uint64_t q;

		memcpy(&q, p + 8 * i, 8);
#ifdef __SSE4_2__
		h = (uint32_t)_mm_crc32_u64(h, q); /* no run-time choice of algorithm */
#else
		h = rte_hash_crc_8byte(q, h);
#endif
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	return h ^ (h >> 16);
}
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
 * Look up n (<= CT_LOOKUP_MAX; only the first 64 of more) keys: all hashed
 * and their home lines prefetched, then probed. pos[i] is the entry's
 * position when bit i of the result is set (a live flow), -ENOENT when not;
 * a flow that expired but was not swept yet is a hit too, and ct_update
 * tells it apart.
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
/* The entry's flags | last seen << CT_TS_SHIFT (relaxed loads): tests and telemetry. */
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
	int32_t pos;	   /* its slot */
	struct ct_key key; /* copied */
	uint64_t word;	   /* its flags (CT_F_*, the class; no last seen) */
	uint64_t idle;	   /* ticks since its last packet (0: one in this tick) */
};

/*
 * Walk the live flows, one per call: *next = 0 first; 1 with *out filled,
 * or 0 at the end; idle counted at now. For the control thread while the
 * workers run, lock-free: a slot's word is loaded (acquire) VALID, the key
 * copied, then the word loaded again; a slot whose word changed between
 * (a worker's flag update, or the flow dying) is read again, so the key
 * is the one the VALID word published. A key is rewritten only once its
 * slot was reclaimed, which ct_sweep does: call this from the sweeping
 * thread, and no slot is reused during one call. A flow created during the
 * walk may be missed; each slot is visited once, so no flow shows twice.
 * A snapshot for people, not a consistent cut.
 */
int ct_iterate(const struct ct *ct, uint32_t *next, uint64_t now, struct ct_flow *out);
/* Positions in the table (what a full round of ct_sweep looks at). */
uint32_t ct_positions(const struct ct *ct);
void ct_get_stats(const struct ct *ct, struct ct_stats *s);

#endif
