/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * conntrack.c - the shared flow table of the security groups: open
 * addressing over 64-byte entries (state word, hash, last seen and key in
 * one cache line) with a tag byte per slot, lock-free lookups, inserts
 * serialised per stripe of home slots, expiry by a bounded sweep, slots
 * reclaimed after an RCU grace period. conntrack.h explains the design and
 * the life of an entry.
 */
#include "conntrack.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_vect.h>

/* A sweep call's kills, reclaimed together after one grace period. */
struct ct_batch {
	uint32_t end; /* dq index one past the batch's last position */
	uint64_t token;
};

/* The word's bits that choose its timeout: SEEN_ENI (3) .. the class (8-9). */
#define CT_TMO_SHIFT 3
#define CT_TMO_BITS 7
_Static_assert(CT_F_SEEN_ENI == 1u << CT_TMO_SHIFT && CT_F_SEEN_PEER == 1u << 4 &&
		   CT_F_FIN_ENI == 1u << 5 && CT_F_FIN_PEER == 1u << 6 && CT_F_RST == 1u << 7 &&
		   CT_CLASS_SHIFT == 8 && CT_TMO_SHIFT + CT_TMO_BITS == CT_CLASS_SHIFT + 2,
	       "the timeout's bits are contiguous");

#define CT_BATCHES 256 /* sweep calls with kills waiting for their grace period */
/* Pauses an insert waits for its stripe's lock, then -EBUSY: the holder works for
 * a few hundred cycles; only a preempted holder (threads that are not pinned
 * lcores) makes anyone wait that long. */
#define CT_SPIN (1u << 24)

/* Counters the workers bump on rare paths (new flows): relaxed atomics. */
struct ct_counters {
	_Atomic uint64_t inserted;
	_Atomic uint64_t full;
	_Atomic uint64_t raced;
	_Atomic uint64_t live;
} __rte_cache_aligned;

struct ct {
	struct ct_entry *e; /* npos entries, 64-byte aligned */
	uint8_t *tag;	    /* npos + 16 tags (conntrack.h), the hint lookups scan */
	uint32_t cap;	    /* home slots, a multiple of CT_PROBE */
	uint32_t npos;	    /* cap + CT_PROBE: a window never wraps */
	uint32_t max_flows;
	uint32_t *lock; /* cap / CT_PROBE stripe locks (0 free, 1 held) */
	uint64_t timeout[CT_CLASS_ICMP + 1]
			[3]; /* ticks, per class: [one way, both ways, closing] */
	/* the same by the word's bits 3-9 (seen, FIN, RST, class): one load;
	 * in units of last seen (2^ts_shift ticks) */
	uint64_t tmo[1u << CT_TMO_BITS];
	unsigned ts_shift; /* 0 unless a timeout is 2^30 ticks or more */
	struct rte_rcu_qsbr *qs;
	/* the sweeper's own (one sweeping thread at a time) */
	uint32_t cursor;
	uint32_t dq_head, dq_tail; /* dq[head % npos .. tail % npos) wait for reclaim */
	uint32_t *dq;		   /* npos: a slot is queued at most once */
	uint32_t bq_head, bq_tail; /* bq[head % CT_BATCHES .. tail % CT_BATCHES) */
	struct ct_batch bq[CT_BATCHES];
	uint64_t expired; /* atomic: the sweeper adds, ct_get_stats reads from any thread */
	struct ct_counters c;
};

static uint64_t timeout_slow(const struct ct *ct, uint64_t w);

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

/* Home slots for max_flows: 1.5 x, rounded up to whole stripes; 0: too many. */
static uint32_t homes_for(uint32_t max_flows)
{
	uint64_t cap = (uint64_t)max_flows + max_flows / 2;

	cap = (cap + CT_PROBE - 1) / CT_PROBE * CT_PROBE;
	return cap > (1u << 30) ? 0 : (uint32_t)cap;
}

uint32_t ct_capacity(uint32_t max_flows)
{
	uint32_t cap = homes_for(max_flows);

	return cap == 0 ? 0 : cap + CT_PROBE;
}

size_t ct_memsize(uint32_t max_flows)
{
	uint64_t npos = ct_capacity(max_flows);

	return sizeof(struct ct) + npos * sizeof(struct ct_entry) + (npos + 16) +
	       npos * sizeof(uint32_t) + (npos / CT_PROBE) * sizeof(uint32_t);
}

struct ct *ct_create(const char *name, const struct ct_config *c)
{
	struct ct *ct;
	uint32_t cap;

	if (name == NULL || c == NULL || c->max_flows == 0 || c->hz == 0 ||
	    (cap = homes_for(c->max_flows)) == 0) {
		errno = EINVAL;
		return NULL;
	}
	ct = rte_zmalloc_socket(name, sizeof(*ct), RTE_CACHE_LINE_SIZE, c->socket_id);
	if (ct == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ct->cap = cap;
	ct->npos = cap + CT_PROBE;
	/* zeroed: every entry EMPTY (word 0, tag 0), every lock free */
	ct->e =
	    rte_zmalloc_socket(name, sizeof(*ct->e) * ct->npos, RTE_CACHE_LINE_SIZE, c->socket_id);
	ct->tag = rte_zmalloc_socket(name, ct->npos + 16, RTE_CACHE_LINE_SIZE, c->socket_id);
	ct->dq = rte_malloc_socket(name, sizeof(*ct->dq) * ct->npos, 0, c->socket_id);
	ct->lock = rte_zmalloc_socket(name, sizeof(*ct->lock) * (ct->npos / CT_PROBE),
				      RTE_CACHE_LINE_SIZE, c->socket_id);
	if (ct->e == NULL || ct->tag == NULL || ct->dq == NULL || ct->lock == NULL) {
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
	/* Last seen is 32 bits, compared wrapping: every timeout must stay below
	 * 2^30 of its units. Ticks, unless a timeout is that long (30 days at
	 * 1 kHz): then 2^ts_shift ticks, timeouts rounded up. */
	for (uint64_t i = 0; i < (1u << CT_TMO_BITS); i++)
		while ((timeout_slow(ct, i << CT_TMO_SHIFT) >> ct->ts_shift) >= (1u << 30))
			ct->ts_shift++;
	for (uint64_t i = 0; i < (1u << CT_TMO_BITS); i++)
		ct->tmo[i] = (timeout_slow(ct, i << CT_TMO_SHIFT) + (1ull << ct->ts_shift) - 1) >>
			     ct->ts_shift;
	return ct;
}

void ct_free(struct ct *ct)
{
	if (ct == NULL)
		return;
	rte_free(ct->e);
	rte_free(ct->tag);
	rte_free(ct->dq);
	rte_free(ct->lock);
	rte_free(ct);
}

uint32_t ct_positions(const struct ct *ct)
{
	return ct->npos;
}

/* ---- keys ---- */

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

/* TCP: RST seen, or FIN from both sides. */
static int closing(uint64_t w)
{
	return ((w >> CT_CLASS_SHIFT) & 3) == CT_CLASS_TCP &&
	       ((w & CT_F_RST) ||
		(w & (CT_F_FIN_ENI | CT_F_FIN_PEER)) == (CT_F_FIN_ENI | CT_F_FIN_PEER));
}

static uint64_t timeout_slow(const struct ct *ct, uint64_t w)
{
	unsigned cl = (unsigned)(w >> CT_CLASS_SHIFT) & 3;
	unsigned both = (w & (CT_F_SEEN_ENI | CT_F_SEEN_PEER)) == (CT_F_SEEN_ENI | CT_F_SEEN_PEER);

	if (cl == CT_CLASS_TCP && ((w & CT_F_RST) || (w & (CT_F_FIN_ENI | CT_F_FIN_PEER)) ==
							 (CT_F_FIN_ENI | CT_F_FIN_PEER)))
		return ct->timeout[cl][2];
	return ct->timeout[cl][both];
}

static inline uint64_t timeout_of(const struct ct *ct, uint64_t w)
{
	return ct->tmo[(w >> CT_TMO_SHIFT) & ((1u << CT_TMO_BITS) - 1)];
}

/* Expired at now, last seen at seen (32 bits of 2^ts_shift ticks, wrapping:
 * every timeout is below 2^30 of those, ct_create sees to it). A later seen
 * (another worker's clock a little ahead) is not expired. */
static inline uint32_t seen_of(const struct ct *ct, uint64_t now)
{
	return (uint32_t)(now >> ct->ts_shift);
}

static inline int expired(const struct ct *ct, uint64_t w, uint32_t seen, uint64_t now)
{
	uint32_t d = seen_of(ct, now) - seen;

	return (int32_t)d > 0 && d > timeout_of(ct, w);
}

/* A SYN (no ACK) on a closed TCP flow opens a new connection on the same
 * ports: a new flow, which the rules must allow again (a revoked rule stops
 * a tracked flow when it closes). */
static int reopens(uint64_t w, uint8_t tcp_flags)
{
	return (tcp_flags & (CT_TCP_SYN | CT_TCP_ACK)) == CT_TCP_SYN && closing(w);
}

/* w with the packet recorded: direction seen, FIN / RST (TCP). */
static inline uint64_t record(uint64_t w, enum ct_dir dir, uint8_t tcp_flags)
{
	uint64_t f = w | (dir == CT_FROM_ENI ? CT_F_SEEN_ENI : CT_F_SEEN_PEER);

	if (((f >> CT_CLASS_SHIFT) & 3) == CT_CLASS_TCP) {
		if (tcp_flags & CT_TCP_FIN)
			f |= dir == CT_FROM_ENI ? CT_F_FIN_ENI : CT_F_FIN_PEER;
		if (tcp_flags & CT_TCP_RST)
			f |= CT_F_RST;
	}
	return f;
}

uint64_t ct_word(const struct ct *ct, int32_t pos)
{
	return __atomic_load_n(&ct->e[pos].word, __ATOMIC_RELAXED) |
	       (uint64_t)__atomic_load_n(&ct->e[pos].seen, __ATOMIC_RELAXED) << CT_TS_SHIFT;
}

/* ---- the table ---- */

/* The slot a hash starts its probe at: the high 32 bits of h * cap (cap need
 * not be a power of 2). */
static inline uint32_t home_of(const struct ct *ct, uint32_t h)
{
	return (uint32_t)(((uint64_t)h * ct->cap) >> 32);
}

/* A live entry's tag: 2..255 from the hash's low byte (0 EMPTY, 1 not live).
 * Not the top bits: those choose the home, so neighbours share them. */
static inline uint8_t tag_of(uint32_t h)
{
	uint8_t t = (uint8_t)h;

	return t < CT_TAG_LIVE ? (uint8_t)(t + CT_TAG_LIVE) : t;
}

static inline int key_eq(const struct ct_key *a, const struct ct_key *b)
{
	const __m128i *x = (const __m128i *)(const void *)a, *y = (const __m128i *)(const void *)b;
	__m128i d = _mm_or_si128(
	    _mm_or_si128(_mm_xor_si128(_mm_loadu_si128(x), _mm_loadu_si128(y)),
			 _mm_xor_si128(_mm_loadu_si128(x + 1), _mm_loadu_si128(y + 1))),
	    _mm_xor_si128(_mm_loadu_si128(x + 2), _mm_loadu_si128(y + 2)));

	return _mm_testz_si128(d, d);
}

/* Of 16 tags from s: bits of those equal to t, before the first EMPTY; *end: an EMPTY is among
 * them. */
static inline uint32_t tag_matches(const struct ct *ct, uint32_t s, uint8_t t, int *end)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)&ct->tag[s]);
	uint32_t m = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)t)));
	uint32_t z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));

	*end = z != 0;
	return z != 0 ? m & ((z & -z) - 1) : m;
}

/* The live entry of k (hash h) in its window, or -1: the tags, then one line per tag match. */
static inline int32_t find_live(const struct ct *ct, const struct ct_key *k, uint32_t h)
{
	uint32_t home = home_of(ct, h);
	uint8_t t = tag_of(h);

	for (uint32_t c = 0; c < CT_PROBE; c += 16) {
		int end;
		uint32_t m = tag_matches(ct, home + c, t, &end);

		for (; m != 0; m &= m - 1) {
			uint32_t s = home + c + (uint32_t)__builtin_ctz(m);
			const struct ct_entry *e = &ct->e[s];
			/* acquire: pairs with the creator's release, so the key
			 * and hash of a VALID word are the ones written before it */
			uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

			if ((w & (CT_F_VALID | CT_F_DEAD)) == CT_F_VALID && e->hash == h &&
			    key_eq(&e->key, k))
				return (int32_t)s;
		}
		if (end)
			return -1; /* EMPTY ends every window that reaches it */
	}
	return -1;
}

uint64_t ct_lookup_bulk(const struct ct *ct, const struct ct_key *const keys[], unsigned n,
			int32_t pos[])
{
	uint32_t h[CT_LOOKUP_MAX], home[CT_LOOKUP_MAX];
	int32_t cand[CT_LOOKUP_MAX];
	uint64_t hits = 0;

	if (n > CT_LOOKUP_MAX) /* 64: the hit mask's width */
		n = CT_LOOKUP_MAX;
	/* The burst in three passes, so that the lines arrive while the other
	 * keys are worked on: hash each key, prefetch its home's tags; then
	 * prefetch the entry of its first tag match; then compare. */
	for (unsigned i = 0; i < n; i++) {
		h[i] = ct_hash(keys[i]);
		home[i] = home_of(ct, h[i]);
		rte_prefetch0(&ct->tag[home[i]]);
	}
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *tp = &ct->tag[home[i]];
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)tp);
		uint32_t z = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
		uint32_t m = (uint32_t)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8((char)tag_of(h[i]))));

		if (z != 0)
			m &= (z & -z) - 1; /* matches before the first EMPTY only */
		/* -1: no match before an EMPTY (a miss); -2: look further */
		cand[i] = m != 0 ? (int32_t)(home[i] + (uint32_t)__builtin_ctz(m)) : z ? -1 : -2;
		if (m != 0)
			rte_prefetch0(&ct->e[cand[i]]);
		else if (z != 0) /* a new flow, most likely: its insert claims about here */
			__builtin_prefetch(&ct->e[home[i] + (uint32_t)__builtin_ctz(z)], 1, 3);
	}
	for (unsigned i = 0; i < n; i++) {
		int32_t p = cand[i];

		if (p >= 0) {
			const struct ct_entry *e = &ct->e[p];
			uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

			if (!((w & (CT_F_VALID | CT_F_DEAD)) == CT_F_VALID && e->hash == h[i] &&
			      key_eq(&e->key, keys[i])))
				p = -2; /* a tag's false match, or it changed: the whole window */
		}
		if (p == -2)
			p = find_live(ct, keys[i], h[i]);
		if (p >= 0) {
			hits |= 1ull << i;
			pos[i] = p;
		} else {
			pos[i] = -ENOENT;
		}
	}
	return hits;
}

int ct_update(struct ct *ct, int32_t pos, enum ct_dir dir, uint8_t tcp_flags, uint64_t now)
{
	struct ct_entry *e = &ct->e[pos];
	uint64_t old = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
	uint32_t seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);

	for (;;) {
		uint64_t nw;

		if ((old & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID || expired(ct, old, seen, now) ||
		    reopens(old, tcp_flags))
			return -ENOENT;
		nw = record(old, dir, tcp_flags);
		if (nw == old)
			break; /* nothing new in the state: no CAS */
		/* relaxed: the CAS orders nothing else. Against the sweeper, the CAS
		 * is what matters: if it marked the word DEAD first, this fails and
		 * the loop sees DEAD; if this lands first, the sweeper's CAS fails. */
		if (__atomic_compare_exchange_n(&e->word, &old, nw, 1, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			break;
	}
	/* Last seen: a plain store, only when the tick moved (a busy flow's line
	 * stays shared, written once a tick). Racing workers may store ticks a
	 * little out of order: the clocks of one burst differ by that much. */
	if ((int32_t)(seen_of(ct, now) - seen) > 0)
		__atomic_store_n(&e->seen, seen_of(ct, now), __ATOMIC_RELAXED);
	return 0;
}

static inline uint32_t stripe_of(uint32_t s)
{
	return s / CT_PROBE;
}

/* A stripe's lock, waited for at most spin_max pauses (0: for ever): 0, or -EBUSY. */
static int stripe_lock(struct ct *ct, uint32_t stripe, unsigned spin_max)
{
	uint32_t *l = &ct->lock[stripe];

	for (unsigned i = 0;; i++) {
		uint32_t z = 0;

		if (__atomic_load_n(l, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(l, &z, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return 0;
		if (spin_max != 0 && i >= spin_max)
			return -EBUSY;
		rte_pause();
	}
}

static void stripe_unlock(struct ct *ct, uint32_t stripe)
{
	__atomic_store_n(&ct->lock[stripe], 0, __ATOMIC_RELEASE);
}

/* Tag s "not EMPTY" if it still says EMPTY (a claimer between its CAS and its tag store). */
static inline void tag_not_empty(struct ct *ct, uint32_t s)
{
	uint8_t z = CT_TAG_EMPTY;

	if (__atomic_load_n(&ct->tag[s], __ATOMIC_RELAXED) == CT_TAG_EMPTY)
		__atomic_compare_exchange_n(&ct->tag[s], &z, CT_TAG_NOT_LIVE, 0, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
}

/* A known flow's packet in ct_insert (old: its word, VALID): 0, or -EAGAIN (look again). */
static int insert_known(struct ct *ct, uint32_t s, uint64_t old, uint64_t fresh, enum ct_dir dir,
			uint8_t tcp_flags, uint64_t now)
{
	struct ct_entry *e = &ct->e[s];

	if (expired(ct, old, __atomic_load_n(&e->seen, __ATOMIC_RELAXED), now) ||
	    reopens(old, tcp_flags)) {
		/* expired, not swept yet, or a closed TCP flow reopened by a SYN:
		 * the flow starts again, this packet its initiator (if the sweeper
		 * marks it first, the CAS fails and the caller looks again). The
		 * state first, then last seen: a sweep between the two may still
		 * find it expired and remove it (the next packets are "raced",
		 * passed by their rules, until a later one creates it again). */
		if (!__atomic_compare_exchange_n(&e->word, &old, fresh, 0, __ATOMIC_RELAXED,
						 __ATOMIC_RELAXED))
			return -EAGAIN;
		__atomic_store_n(&e->seen, seen_of(ct, now), __ATOMIC_RELAXED);
		atomic_fetch_add_explicit(&ct->c.inserted, 1, memory_order_relaxed);
		return 0;
	}
	/* created by another worker meanwhile: a packet of a known flow */
	return ct_update(ct, (int32_t)s, dir, tcp_flags, now) == 0 ? 0 : -EAGAIN;
}

/*
 * ct_insert with k's stripe lock held: no other insert of k runs, and no
 * slot of k's window goes from TOMB to EMPTY (the sweeper takes this lock
 * for that). Scans the words (the truth; tags are hints). 0, -ENOSPC (no
 * free slot in the window), -EBUSY (k's entry is DEAD), -EAGAIN (a slot
 * changed under us: look again).
 */
static int insert_locked(struct ct *ct, const struct ct_key *k, uint32_t h, uint64_t fresh,
			 enum ct_dir dir, uint8_t tcp_flags, uint64_t now, int32_t *pos)
{
	uint32_t home = home_of(ct, h), free_s = UINT32_MAX;
	const __m128i tv = _mm_set1_epi8((char)tag_of(h)),
		      nl = _mm_set1_epi8((char)CT_TAG_NOT_LIVE), zero = _mm_setzero_si128();
	uint64_t free_w = 0;
	struct ct_entry *e;

	/* The slots that can matter, found by their tags: k's tag (k live, or
	 * another key's false match), NOT_LIVE (free, DEAD: maybe k's, BUSY) and
	 * EMPTY (the end; or a claimer's slot not tagged yet). Live entries of
	 * other tags are skipped without reading their line. */
	for (uint32_t c = home; c < home + CT_PROBE; c += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)&ct->tag[c]);
		uint32_t m = (uint32_t)_mm_movemask_epi8(
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, tv), _mm_cmpeq_epi8(v, nl)),
				 _mm_cmpeq_epi8(v, zero)));

		for (; m != 0; m &= m - 1) {
			uint32_t s = c + (uint32_t)__builtin_ctz(m);
			uint64_t w;

			e = &ct->e[s];
			w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
			if (w == 0 || (w & CT_F_TOMB)) {
				if (free_s == UINT32_MAX) {
					free_s = s;
					free_w = w;
				}
				if (w == 0)
					goto scanned; /* the window ends: k is not beyond */
				continue;
			}
			if (free_s == UINT32_MAX)
				tag_not_empty(ct, s); /* lookups of our key must get past s */
			if (w & CT_F_BUSY)
				continue; /* another key's claim (k's would need our lock) */
			if (e->hash != h || !key_eq(&e->key, k))
				continue;
			if (w & CT_F_DEAD) {
				/* A DEAD entry may be reclaimed and claimed again
				 * while we read its key: k's only if still DEAD after. */
				if (__atomic_load_n(&e->word, __ATOMIC_ACQUIRE) != w)
					return -EAGAIN;
				/* expired, being removed: the slot is reusable only
				 * after the grace period, and k may not live twice */
				return -EBUSY;
			}
			/* VALID: cannot be reclaimed while we run (not quiescent) */
			*pos = (int32_t)s;
			return insert_known(ct, s, w, fresh, dir, tcp_flags, now);
		}
	}
scanned:
	if (free_s == UINT32_MAX)
		return -ENOSPC;
	e = &ct->e[free_s];
	/* claim: fails when another key's insert took the slot */
	if (!__atomic_compare_exchange_n(&e->word, &free_w, (uint64_t)CT_F_BUSY, 0,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EAGAIN;
	tag_not_empty(ct, free_s);
	e->hash = h;
	e->seen = seen_of(ct, now);
	memcpy(&e->key, k, sizeof(*k));
	/* release: readers that see VALID see the key and last seen */
	__atomic_store_n(&e->word, fresh, __ATOMIC_RELEASE);
	__atomic_store_n(&ct->tag[free_s], tag_of(h), __ATOMIC_RELEASE);
	atomic_fetch_add_explicit(&ct->c.live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ct->c.inserted, 1, memory_order_relaxed);
	*pos = (int32_t)free_s;
	return 0;
}

int ct_insert(struct ct *ct, const struct ct_key *k, enum ct_dir dir, uint8_t tcp_flags,
	      uint64_t now, int32_t *pos_out)
{
	uint32_t h = ct_hash(k), stripe;
	uint64_t fresh;
	int32_t pos = -1;
	int rc = -EAGAIN;

	if (atomic_load_explicit(&ct->c.live, memory_order_relaxed) >= ct->max_flows) {
		atomic_fetch_add_explicit(&ct->c.full, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	fresh = record(CT_F_VALID | (uint64_t)class_of(k->proto) << CT_CLASS_SHIFT |
			   (dir == CT_TO_ENI ? CT_F_INIT_PEER : 0),
		       dir, tcp_flags);
	stripe = stripe_of(home_of(ct, h));
	if (stripe_lock(ct, stripe, CT_SPIN) != 0) {
		atomic_fetch_add_explicit(&ct->c.raced, 1, memory_order_relaxed);
		return -EBUSY;
	}
	for (unsigned tries = 0; rc == -EAGAIN && tries < 64; tries++)
		rc = insert_locked(ct, k, h, fresh, dir, tcp_flags, now, &pos);
	stripe_unlock(ct, stripe);
	if (rc == -ENOSPC)
		atomic_fetch_add_explicit(&ct->c.full, 1, memory_order_relaxed);
	if (rc == -EBUSY || rc == -EAGAIN) {
		atomic_fetch_add_explicit(&ct->c.raced, 1, memory_order_relaxed);
		return -EBUSY;
	}
	if (rc == 0 && pos_out != NULL)
		*pos_out = pos;
	return rc;
}

/* ---- the sweeper ---- */

/*
 * Slot e is EMPTY: the TOMBs just before it become EMPTY too, so that
 * windows end early again. Slot t may go EMPTY only while t + 1 is EMPTY,
 * under the locks of every home whose window holds t (homes t - CT_PROBE + 1
 * .. t: two stripes at most): no insert can then claim t (or t + 1) for a
 * key whose window crosses t, nor has one put a key beyond it. Only the
 * sweeper takes two locks, so there is no lock order to get wrong.
 */
static void clear_before(struct ct *ct, uint32_t e)
{
	for (uint32_t t = e; t > 0 && e - t < CT_PROBE - 1;) {
		uint32_t lo, hi;
		uint64_t w = CT_F_TOMB;
		int ok;

		t--;
		if (__atomic_load_n(&ct->e[t].word, __ATOMIC_RELAXED) != CT_F_TOMB)
			return;
		lo = stripe_of(t >= CT_PROBE - 1 ? t - (CT_PROBE - 1) : 0);
		hi = stripe_of(t < ct->cap ? t : ct->cap - 1);
		stripe_lock(ct, lo, 0);
		if (hi != lo)
			stripe_lock(ct, hi, 0);
		ok = __atomic_load_n(&ct->e[t + 1].word, __ATOMIC_ACQUIRE) == 0 &&
		     __atomic_compare_exchange_n(&ct->e[t].word, &w, 0, 0, __ATOMIC_RELEASE,
						 __ATOMIC_RELAXED);
		if (ok) /* after the word: a lookup that stops here finds the word EMPTY too */
			__atomic_store_n(&ct->tag[t], CT_TAG_EMPTY, __ATOMIC_RELEASE);
		if (hi != lo)
			stripe_unlock(ct, hi);
		stripe_unlock(ct, lo);
		if (!ok)
			return;
	}
}

static void reclaim(struct ct *ct)
{
	while (ct->bq_head != ct->bq_tail) {
		const struct ct_batch *b = &ct->bq[ct->bq_head % CT_BATCHES];

		/* tokens grow with the queue: the first not yet safe stops it */
		if (ct->qs != NULL && rte_rcu_qsbr_check(ct->qs, b->token, false) != 1)
			break;
		for (; ct->dq_head != b->end; ct->dq_head++) {
			uint32_t pos = ct->dq[ct->dq_head % ct->npos];

			/* No reader holds pos any more: it may be claimed again
			 * (release: the claimer's acquire CAS sees the TOMB). */
			__atomic_store_n(&ct->e[pos].word, (uint64_t)CT_F_TOMB, __ATOMIC_RELEASE);
			atomic_fetch_sub_explicit(&ct->c.live, 1, memory_order_relaxed);
			if (pos + 1 < ct->npos &&
			    __atomic_load_n(&ct->e[pos + 1].word, __ATOMIC_RELAXED) == 0)
				clear_before(ct, pos + 1);
		}
		ct->bq_head++;
	}
}

unsigned ct_sweep(struct ct *ct, uint64_t now, unsigned budget)
{
	unsigned removed = 0;
	uint32_t tail0;

	reclaim(ct);
	if (ct->bq_tail - ct->bq_head == CT_BATCHES)
		return 0; /* every batch waits for its grace period: kill nothing more yet */
	tail0 = ct->dq_tail;
	for (unsigned i = 0; i < budget && i < ct->npos; i++) {
		uint32_t pos = ct->cursor;
		uint64_t w = __atomic_load_n(&ct->e[pos].word, __ATOMIC_ACQUIRE);

		ct->cursor = pos + 1 == ct->npos ? 0 : pos + 1;
		if (w == 0) {
			/* tombstones left before an EMPTY by an earlier reclaim */
			if (pos > 0 &&
			    __atomic_load_n(&ct->e[pos - 1].word, __ATOMIC_RELAXED) == CT_F_TOMB)
				clear_before(ct, pos);
			continue;
		}
		if ((w & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID ||
		    !expired(ct, w, __atomic_load_n(&ct->e[pos].seen, __ATOMIC_RELAXED), now))
			continue;
		/* fails when a worker refreshed the flow since the load: it lives on */
		if (!__atomic_compare_exchange_n(&ct->e[pos].word, &w, (uint64_t)CT_F_DEAD, 0,
						 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			continue;
		/* Lookups miss it from now on; the slot (its key kept, so that an
		 * insert of the same key sees it DEAD) waits for a grace period. */
		__atomic_store_n(&ct->tag[pos], CT_TAG_NOT_LIVE, __ATOMIC_RELAXED);
		ct->dq[ct->dq_tail % ct->npos] = pos;
		ct->dq_tail++;
		__atomic_fetch_add(&ct->expired, 1, __ATOMIC_RELAXED);
		removed++;
	}
	if (ct->dq_tail != tail0) {
		/* one token for the call's kills, taken after them */
		ct->bq[ct->bq_tail % CT_BATCHES] = (struct ct_batch){
		    .end = ct->dq_tail, .token = ct->qs != NULL ? rte_rcu_qsbr_start(ct->qs) : 0};
		ct->bq_tail++;
	}
	return removed;
}

void ct_get_stats(const struct ct *ct, struct ct_stats *s)
{
	s->inserted = atomic_load_explicit(&ct->c.inserted, memory_order_relaxed);
	s->full = atomic_load_explicit(&ct->c.full, memory_order_relaxed);
	s->raced = atomic_load_explicit(&ct->c.raced, memory_order_relaxed);
	s->live = atomic_load_explicit(&ct->c.live, memory_order_relaxed);
	s->expired = __atomic_load_n(&ct->expired, __ATOMIC_RELAXED);
}

int ct_iterate(const struct ct *ct, uint32_t *next, uint64_t now, struct ct_flow *out)
{
	for (uint32_t pos = *next; pos < ct->npos; pos++) {
		const struct ct_entry *e = &ct->e[pos];
		uint64_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE), again;
		uint32_t seen, d;

		do {
			if ((w & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID)
				break;
			memcpy(&out->key, &e->key, sizeof(out->key));
			seen = __atomic_load_n(&e->seen, __ATOMIC_RELAXED);
			/* the copy's loads before the second load of the word */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			again = w;
			w = __atomic_load_n(&e->word, __ATOMIC_RELAXED);
		} while (w != again);
		if ((w & (CT_F_VALID | CT_F_DEAD)) != CT_F_VALID)
			continue;
		d = seen_of(ct, now) - seen;
		out->pos = (int32_t)pos;
		out->word = w;
		out->idle = (int32_t)d > 0 ? (uint64_t)d << ct->ts_shift : 0;
		*next = pos + 1;
		return 1;
	}
	*next = ct->npos;
	return 0;
}
