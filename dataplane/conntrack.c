/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack.c - the shared flow table of the security groups: rte_hash
 * (lock-free lookups, several writers) + one atomic state word per flow,
 * expiry by a bounded sweep, positions reclaimed after an RCU grace period.
 * conntrack.h explains the design and the life of an entry.
 */
#include "conntrack.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

/* One position waiting for its grace period. */
struct ct_deferred {
	int32_t pos;
	uint64_t token;
};

/* Counters the workers bump on rare paths (new flows): relaxed atomics. */
struct ct_counters {
	_Atomic uint64_t inserted;
	_Atomic uint64_t full;
	_Atomic uint64_t raced;
	_Atomic uint64_t live;
} __rte_cache_aligned;

struct ct {
	struct rte_hash *h;
	struct ct_entry *e; /* npos entries, indexed by the hash's positions */
	uint32_t npos;
	uint32_t max_flows;
	uint64_t timeout[CT_CLASS_ICMP + 1]
			[3]; /* ticks, per class: [one way, both ways, closing] */
	struct rte_rcu_qsbr *qs;
	/* the sweeper's own (one sweeping thread at a time) */
	uint32_t cursor;
	uint32_t dq_head, dq_tail; /* dq[head % npos .. tail % npos) waits */
	struct ct_deferred *dq;	   /* npos: a position is queued at most once */
	uint64_t expired;
	struct ct_counters c;
};

void ct_config_default(struct ct_config *c)
{
	*c = (struct ct_config){.max_flows = 1u << 20,
				.hz = 1000,
				.tcp_syn_s = 120,
				.tcp_established_s = 432000,
				.tcp_closing_s = 10,
				.udp_s = 30,
				.udp_stream_s = 180,
				.icmp_s = 30,
				.qs = NULL,
				.socket_id = SOCKET_ID_ANY};
}

struct ct *ct_create(const char *name, const struct ct_config *c)
{
	struct rte_hash_parameters hp;
	struct ct *ct;
	int32_t maxid;

	if (name == NULL || c == NULL || c->max_flows == 0 || c->hz == 0) {
		errno = EINVAL;
		return NULL;
	}
	ct = rte_zmalloc_socket("ct", sizeof(*ct), RTE_CACHE_LINE_SIZE, c->socket_id);
	if (ct == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* The hash gets room beyond max_flows so that max_flows (our own count)
	 * is what says "full", not a bucket the cuckoo moves could not free. */
	hp = (struct rte_hash_parameters){
	    .name = name,
	    .entries = c->max_flows + c->max_flows / 4 + 64,
	    .key_len = sizeof(struct ct_key),
	    .hash_func = rte_hash_crc,
	    .hash_func_init_val = 0,
	    .socket_id = c->socket_id,
	    .extra_flag =
		RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};
	ct->h = rte_hash_create(&hp);
	if (ct->h == NULL) {
		errno = rte_errno == EEXIST ? EEXIST : ENOMEM;
		rte_free(ct);
		return NULL;
	}
	/* positions run 0 .. max_key_id - 1 (the lcores' free-slot caches add
	 * slots beyond `entries`); one more for safety */
	maxid = rte_hash_max_key_id(ct->h);
	ct->npos = (uint32_t)maxid + 1;
	ct->e = rte_zmalloc_socket("ct_entries", sizeof(*ct->e) * ct->npos, RTE_CACHE_LINE_SIZE,
				   c->socket_id);
	ct->dq = rte_zmalloc_socket("ct_dq", sizeof(*ct->dq) * ct->npos, 0, c->socket_id);
	if (ct->e == NULL || ct->dq == NULL) {
		ct_free(ct);
		errno = ENOMEM;
		return NULL;
	}
	ct->max_flows = c->max_flows;
	ct->qs = c->qs;
	for (unsigned cl = 0; cl <= CT_CLASS_ICMP; cl++) {
		uint64_t one = (uint64_t)c->udp_s * c->hz, both = (uint64_t)c->udp_stream_s * c->hz;

		if (cl == CT_CLASS_TCP) {
			one = (uint64_t)c->tcp_syn_s * c->hz;
			both = (uint64_t)c->tcp_established_s * c->hz;
		} else if (cl == CT_CLASS_ICMP) {
			one = both = (uint64_t)c->icmp_s * c->hz;
		}
		ct->timeout[cl][0] = one;
		ct->timeout[cl][1] = both;
		ct->timeout[cl][2] = (uint64_t)c->tcp_closing_s * c->hz; /* TCP only reaches it */
	}
	return ct;
}

void ct_free(struct ct *ct)
{
	if (ct == NULL)
		return;
	rte_hash_free(ct->h);
	rte_free(ct->e);
	rte_free(ct->dq);
	rte_free(ct);
}

uint32_t ct_positions(const struct ct *ct)
{
	return ct->npos;
}

/* ---- keys ---- */

void ct_key4(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto, uint32_t eni_addr,
	     uint16_t eni_port, uint32_t peer_addr, uint16_t peer_port)
{
	memset(k, 0, sizeof(*k));
	k->vpc = vpc;
	k->eni = eni;
	k->family = 4;
	k->proto = proto;
	k->eni_port = eni_port;
	k->peer_port = peer_port;
	memcpy(k->eni_addr, &eni_addr, 4);
	memcpy(k->peer_addr, &peer_addr, 4);
}

void ct_key6(struct ct_key *k, uint32_t vpc, uint32_t eni, uint8_t proto,
	     const uint8_t eni_addr[16], uint16_t eni_port, const uint8_t peer_addr[16],
	     uint16_t peer_port)
{
	memset(k, 0, sizeof(*k));
	k->vpc = vpc;
	k->eni = eni;
	k->family = 6;
	k->proto = proto;
	k->eni_port = eni_port;
	k->peer_port = peer_port;
	memcpy(k->eni_addr, eni_addr, 16);
	memcpy(k->peer_addr, peer_addr, 16);
}

/* The ports of a packet as {source, destination}, network order; 0 when the
 * protocol has none. ICMP echo: the identifier as the source, 0 as the
 * destination (see the swap in ports_of below). */
static int l4_ports(uint8_t proto, const uint8_t *l4, size_t len, uint16_t *sp, uint16_t *dp,
		    int *echo)
{
	*sp = *dp = 0;
	*echo = 0;
	switch (proto) {
	case 6:
	case 17:
	case 132: /* SCTP */
	case 136: /* UDP-lite */
		if (len < 4)
			return -EINVAL;
		memcpy(sp, l4, 2);
		memcpy(dp, l4 + 2, 2);
		return 0;
	case 1:
	case 58:
		if (len < 8)
			return len < 1 ? -EINVAL : 0;
		if ((proto == 1 && (l4[0] == 8 || l4[0] == 0)) ||
		    (proto == 58 && (l4[0] == 128 || l4[0] == 129))) {
			memcpy(sp, l4 + 4, 2);
			*echo = 1;
		}
		return 0;
	default:
		return 0;
	}
}

static int ports_of(uint8_t proto, enum ct_dir dir, const void *l4, size_t len, uint16_t *eni_port,
		    uint16_t *peer_port)
{
	uint16_t sp, dp;
	int echo, rc = l4_ports(proto, l4, len, &sp, &dp, &echo);

	if (rc != 0)
		return rc;
	if (echo) { /* request or reply, either way: the identifier is the ENI-side port */
		*eni_port = sp;
		*peer_port = 0;
	} else if (dir == CT_FROM_ENI) {
		*eni_port = sp;
		*peer_port = dp;
	} else {
		*eni_port = dp;
		*peer_port = sp;
	}
	return 0;
}

int ct_key4_pkt(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir, uint8_t proto,
		uint32_t src, uint32_t dst, const void *l4, size_t l4_len)
{
	uint16_t ep, pp;
	int rc = ports_of(proto, dir, l4, l4_len, &ep, &pp);

	if (rc != 0)
		return rc;
	if (dir == CT_FROM_ENI)
		ct_key4(k, vpc, eni, proto, src, ep, dst, pp);
	else
		ct_key4(k, vpc, eni, proto, dst, ep, src, pp);
	return 0;
}

int ct_key6_pkt(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir, uint8_t proto,
		const uint8_t src[16], const uint8_t dst[16], const void *l4, size_t l4_len)
{
	uint16_t ep, pp;
	int rc = ports_of(proto, dir, l4, l4_len, &ep, &pp);

	if (rc != 0)
		return rc;
	if (dir == CT_FROM_ENI)
		ct_key6(k, vpc, eni, proto, src, ep, dst, pp);
	else
		ct_key6(k, vpc, eni, proto, dst, ep, src, pp);
	return 0;
}

int ct_icmp4_is_error(uint8_t type)
{
	return type == 3 || type == 11 || type == 12;
}

int ct_icmp6_is_error(uint8_t type)
{
	return type >= 1 && type <= 4;
}

/* The quoted packet went the other way. */
static enum ct_dir reverse(enum ct_dir d)
{
	return d == CT_FROM_ENI ? CT_TO_ENI : CT_FROM_ENI;
}

int ct_key_icmp_error4(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir,
		       const void *inner, size_t len)
{
	const uint8_t *ip = inner;
	size_t ihl;
	uint32_t src, dst;

	if (len < 20 || (ip[0] >> 4) != 4)
		return -EINVAL;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	if (ihl < 20 || len < ihl + 8)
		return -EINVAL;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	return ct_key4_pkt(k, vpc, eni, reverse(dir), ip[9], src, dst, ip + ihl, len - ihl);
}

int ct_key_icmp_error6(struct ct_key *k, uint32_t vpc, uint32_t eni, enum ct_dir dir,
		       const void *inner, size_t len)
{
	const uint8_t *ip = inner;
	uint8_t nh;

	if (len < 40 + 8 || (ip[0] >> 4) != 6)
		return -EINVAL;
	nh = ip[6];
	switch (nh) {
	case 0:	 /* hop-by-hop */
	case 43: /* routing */
	case 44: /* fragment */
	case 50: /* ESP */
	case 51: /* AH */
	case 60: /* destination options */
		return -EINVAL;
	default:
		break;
	}
	return ct_key6_pkt(k, vpc, eni, reverse(dir), nh, ip + 8, ip + 24, ip + 40, len - 40);
}

/* ---- the state word ---- */

static enum ct_class class_of(uint8_t proto)
{
	switch (proto) {
	case 6:
		return CT_CLASS_TCP;
	case 17:
		return CT_CLASS_UDP;
	case 1:
	case 58:
		return CT_CLASS_ICMP;
	default:
		return CT_CLASS_OTHER;
	}
}

static uint64_t ts_of(uint64_t w)
{
	return w >> CT_TS_SHIFT;
}

/* TCP: RST seen, or FIN from both sides. */
static int closing(uint64_t w)
{
	return ((w >> CT_CLASS_SHIFT) & 3) == CT_CLASS_TCP &&
	       ((w & CT_F_RST) ||
		(w & (CT_F_FIN_ENI | CT_F_FIN_PEER)) == (CT_F_FIN_ENI | CT_F_FIN_PEER));
}

static uint64_t timeout_of(const struct ct *ct, uint64_t w)
{
	unsigned cl = (unsigned)(w >> CT_CLASS_SHIFT) & 3;
	unsigned both = (w & (CT_F_SEEN_ENI | CT_F_SEEN_PEER)) == (CT_F_SEEN_ENI | CT_F_SEEN_PEER);

	if (cl == CT_CLASS_TCP && ((w & CT_F_RST) || (w & (CT_F_FIN_ENI | CT_F_FIN_PEER)) ==
							 (CT_F_FIN_ENI | CT_F_FIN_PEER)))
		return ct->timeout[cl][2];
	return ct->timeout[cl][both];
}

static int expired(const struct ct *ct, uint64_t w, uint64_t now)
{
	uint64_t ts = ts_of(w);

	now &= CT_TS_MASK;
	return now > ts && now - ts > timeout_of(ct, w);
}

/* A SYN (no ACK) on a closed TCP flow opens a new connection on the same
 * ports: a new flow, which the rules must allow again (a revoked rule stops
 * a tracked flow when it closes). */
static int reopens(uint64_t w, uint8_t tcp_flags)
{
	return (tcp_flags & (CT_TCP_SYN | CT_TCP_ACK)) == CT_TCP_SYN && closing(w);
}

/* w with the packet recorded: direction seen, FIN / RST (TCP), last seen. */
static uint64_t record(uint64_t w, enum ct_dir dir, uint8_t tcp_flags, uint64_t now)
{
	uint64_t f = w & ((1u << CT_TS_SHIFT) - 1);
	uint64_t ts = ts_of(w);

	now &= CT_TS_MASK;
	f |= dir == CT_FROM_ENI ? CT_F_SEEN_ENI : CT_F_SEEN_PEER;
	if (((f >> CT_CLASS_SHIFT) & 3) == CT_CLASS_TCP) {
		if (tcp_flags & CT_TCP_FIN)
			f |= dir == CT_FROM_ENI ? CT_F_FIN_ENI : CT_F_FIN_PEER;
		if (tcp_flags & CT_TCP_RST)
			f |= CT_F_RST;
	}
	/* workers' per-burst clocks differ a little: last seen never goes back */
	return f | (now > ts ? now : ts) << CT_TS_SHIFT;
}

uint64_t ct_word(const struct ct *ct, int32_t pos)
{
	return __atomic_load_n(&ct->e[pos].word, __ATOMIC_RELAXED);
}

/* ---- worker side ---- */

uint64_t ct_lookup_bulk(const struct ct *ct, const struct ct_key *const keys[], unsigned n,
			int32_t pos[])
{
	uint64_t hits = 0;

	if (n == 0)
		return 0;
	if (n > RTE_HASH_LOOKUP_BULK_MAX) /* 64: the hit mask's width too */
		n = RTE_HASH_LOOKUP_BULK_MAX;
	rte_hash_lookup_bulk(ct->h, (const void **)(uintptr_t)keys, n, pos);
	for (unsigned i = 0; i < n; i++) {
		uint64_t w;

		if (pos[i] < 0 || (uint32_t)pos[i] >= ct->npos)
			continue;
		/* relaxed: the word is the whole state, no other data hangs on it */
		w = __atomic_load_n(&ct->e[pos[i]].word, __ATOMIC_RELAXED);
		if ((w & (CT_F_VALID | CT_F_DEAD)) == CT_F_VALID)
			hits |= 1ull << i;
	}
	return hits;
}

int ct_update(struct ct *ct, int32_t pos, enum ct_dir dir, uint8_t tcp_flags, uint64_t now)
{
	uint64_t *wp = &ct->e[pos].word;
	uint64_t old = __atomic_load_n(wp, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t nw;

		if ((old & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID || expired(ct, old, now) ||
		    reopens(old, tcp_flags))
			return -ENOENT;
		nw = record(old, dir, tcp_flags, now);
		if (nw == old)
			return 0; /* nothing new: no write, the line stays shared */
		/* relaxed: the CAS orders nothing else. Against the sweeper, the CAS
		 * is what matters: if it marked the word DEAD first, this fails and
		 * the loop sees DEAD; if this lands first, the sweeper's CAS fails. */
		if (__atomic_compare_exchange_n(wp, &old, nw, 1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return 0;
	}
}

int ct_insert(struct ct *ct, const struct ct_key *k, enum ct_dir dir, uint8_t tcp_flags,
	      uint64_t now, int32_t *pos_out)
{
	uint64_t fresh, old, *wp;
	int32_t pos;

	if (atomic_load_explicit(&ct->c.live, memory_order_relaxed) >= ct->max_flows) {
		atomic_fetch_add_explicit(&ct->c.full, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	pos = rte_hash_add_key(ct->h, k);
	if (pos < 0 || (uint32_t)pos >= ct->npos) {
		if (pos == -ENOSPC || pos >= 0)
			atomic_fetch_add_explicit(&ct->c.full, 1, memory_order_relaxed);
		return pos == -EINVAL ? -EINVAL : -ENOSPC;
	}
	fresh = record(CT_F_VALID | (uint64_t)class_of(k->proto) << CT_CLASS_SHIFT |
			   (dir == CT_TO_ENI ? CT_F_INIT_PEER : 0),
		       dir, tcp_flags, now);
	wp = &ct->e[pos].word;
	old = __atomic_load_n(wp, __ATOMIC_RELAXED);
	for (;;) {
		if (old == 0) {
			/* a new entry: whoever swaps 0 out created the flow */
			if (__atomic_compare_exchange_n(wp, &old, fresh, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				__atomic_store_n(&ct->e[pos].created, now, __ATOMIC_RELAXED);
				atomic_fetch_add_explicit(&ct->c.live, 1, memory_order_relaxed);
				atomic_fetch_add_explicit(&ct->c.inserted, 1, memory_order_relaxed);
				break;
			}
			continue; /* old now holds what the winner wrote */
		}
		if (old & CT_F_DEAD) {
			/* expired, being removed: the key goes soon, the position
			 * later; this packet cannot own it */
			atomic_fetch_add_explicit(&ct->c.raced, 1, memory_order_relaxed);
			return -EBUSY;
		}
		if (expired(ct, old, now) || reopens(old, tcp_flags)) {
			/* expired, not swept yet, or a closed TCP flow reopened by a
			 * SYN: the flow starts again, this packet its initiator (if
			 * the sweeper marks it first, the CAS fails and the loop sees
			 * DEAD) */
			if (__atomic_compare_exchange_n(wp, &old, fresh, 0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED)) {
				__atomic_store_n(&ct->e[pos].created, now, __ATOMIC_RELAXED);
				atomic_fetch_add_explicit(&ct->c.inserted, 1, memory_order_relaxed);
				break;
			}
			continue;
		}
		/* created by another worker meanwhile: a packet of a known flow */
		if (ct_update(ct, pos, dir, tcp_flags, now) == 0)
			break;
		old = __atomic_load_n(wp, __ATOMIC_RELAXED);
	}
	if (pos_out != NULL)
		*pos_out = pos;
	return 0;
}

/* ---- the sweeper ---- */

static void reclaim(struct ct *ct)
{
	while (ct->dq_head != ct->dq_tail) {
		const struct ct_deferred *d = &ct->dq[ct->dq_head % ct->npos];

		/* tokens grow with the queue: the first not yet safe stops it */
		if (ct->qs != NULL && rte_rcu_qsbr_check(ct->qs, d->token, false) != 1)
			break;
		/* No reader holds d->pos any more. Reset the word before the slot
		 * goes back: the free list's ring is a release, the next add's
		 * dequeue an acquire, so its creator sees 0. */
		__atomic_store_n(&ct->e[d->pos].word, 0, __ATOMIC_RELEASE);
		rte_hash_free_key_with_position(ct->h, d->pos);
		atomic_fetch_sub_explicit(&ct->c.live, 1, memory_order_relaxed);
		ct->dq_head++;
	}
}

unsigned ct_sweep(struct ct *ct, uint64_t now, unsigned budget)
{
	unsigned removed = 0;

	reclaim(ct);
	for (unsigned i = 0; i < budget && i < ct->npos; i++) {
		int32_t pos = (int32_t)ct->cursor;
		uint64_t w = __atomic_load_n(&ct->e[pos].word, __ATOMIC_ACQUIRE);
		struct ct_key key;
		void *kp;

		ct->cursor = ct->cursor + 1 == ct->npos ? 0 : ct->cursor + 1;
		if ((w & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID || !expired(ct, w, now))
			continue;
		/* fails when a worker refreshed the flow since the load: it lives on */
		if (!__atomic_compare_exchange_n(&ct->e[pos].word, &w, (uint64_t)CT_F_DEAD, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		if (rte_hash_get_key_with_position(ct->h, pos, &kp) != 0)
			continue; /* cannot happen: a valid word has a key */
		memcpy(&key, kp, sizeof(key));
		rte_hash_del_key(ct->h, &key);
		/* The position stays allocated (RW_CONCURRENCY_LF implies
		 * NO_FREE_ON_DEL) until reclaim() sees the grace period over. */
		ct->dq[ct->dq_tail % ct->npos] = (struct ct_deferred){
		    .pos = pos, .token = ct->qs != NULL ? rte_rcu_qsbr_start(ct->qs) : 0};
		ct->dq_tail++;
		ct->expired++;
		removed++;
	}
	return removed;
}

void ct_get_stats(const struct ct *ct, struct ct_stats *s)
{
	s->inserted = atomic_load_explicit(&ct->c.inserted, memory_order_relaxed);
	s->full = atomic_load_explicit(&ct->c.full, memory_order_relaxed);
	s->raced = atomic_load_explicit(&ct->c.raced, memory_order_relaxed);
	s->live = atomic_load_explicit(&ct->c.live, memory_order_relaxed);
	s->expired = ct->expired;
}

int ct_iterate(const struct ct *ct, uint32_t *next, struct ct_flow *out)
{
	const void *key;
	void *data;
	int32_t pos;

	while ((pos = rte_hash_iterate(ct->h, &key, &data, next)) >= 0) {
		uint64_t w;

		if ((uint32_t)pos >= ct->npos)
			continue;
		w = __atomic_load_n(&ct->e[pos].word, __ATOMIC_ACQUIRE);
		if (!(w & CT_F_VALID))
			continue;
		out->pos = pos;
		memcpy(&out->key, key, sizeof(out->key));
		out->word = w;
		out->created = __atomic_load_n(&ct->e[pos].created, __ATOMIC_RELAXED);
		return 1;
	}
	return 0;
}
