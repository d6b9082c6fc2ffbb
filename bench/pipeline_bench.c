/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pipeline_bench.c - cycles per packet of pipeline_burst() on one core
 * (SPEC section 5), with the tables built by the real builder:
 *
 *   inbound   64-byte UDP from the uplink to EIPs uniformly random over N
 *             associated EIPs: DNAT + delivery;
 *   baseline  rte_hash_lookup_bulk (lock-free) of the same keys, same run;
 *   outbound  64-byte UDP from machines, sources random over N private
 *             addresses (with EIPs): source check + route + SNAT;
 *   ipv6      from the uplink to N assigned IPv6 addresses: delivery.
 *   punt      the outbound pass again with one packet of every burst a TCP
 *             segment to the metadata service (169.254.169.254:80), a flood
 *             far over the exception path's rate (D16): the punt ring takes
 *             what the token bucket lets through, the rest is dropped as
 *             punt-overflow; its baseline is the outbound figure.
 *
 * Then the security groups (D12; SPEC section 5: 5 groups of 60 rules on
 * every ENI, established flows at most 25 cycles per packet over the figures
 * without groups, a new flow at most 400, at most 128 bytes per tracked
 * flow), in the same tables: for each of the three paths, with keys taken in
 * order (each packet a distinct flow, no key repeated in a pass), the same
 * pass without groups, then with them: every packet a new flow (empty flow
 * table: classify + insert), then the same keys again (every packet a
 * tracked flow). The rules are built by hand (sg_tables.h), none of them
 * matching the traffic but the last one of its direction and family.
 *
 * Only the pipeline_burst() call is timed (rdtsc around it); refilling the
 * mbufs with fresh packets between bursts is not.
 *
 * Usage: enimap-pipeline-bench [N (default 1048576)] [bursts (default 20000)]
 *                              [in|out|v6|punt|sg-in|sg-out|sg-v6]
 * (the third argument runs that path only, without (in|out|v6) or only with
 * (sg-*) the security groups: for profiling one path with callgrind, e.g.
 * --toggle-collect=sg_pass_established)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bench_util.h"
#include "builder.h"
#include "conntrack.h"
#include "counters.h"
#include "gen.h"
#include "pipeline.h"
#include "punt.h"
#include "sg_acl.h"
#include "sg_tables.h"

#define BURST 32
#define N_ENIS 64

static struct rte_mempool *pool;
static uint64_t rng = 88172645463325252ull;

static uint32_t eip_of(uint32_t i)
{
	return rte_cpu_to_be_32(0x64000000u + i); /* 100.0.0.0/8 */
}
static uint32_t priv_of(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000000u + 16 + i); /* 10.0.0.16 + i */
}
static void v6_of(uint32_t i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

struct run {
	uint64_t cycles, packets, delivered;
	double median; /* cycles per packet of the median burst: robust to preemption */
};

static uint64_t *burst_cycles;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

enum kind { K_IN, K_OUT, K_V6 };

/*
 * bursts bursts of path k, the median burst in r. x, the mapping a packet
 * goes to, is random over n; or, with seq, x = (start + it * BURST + i) % n:
 * with bursts * BURST <= n no flow repeats within the pass.
 */
/* f (a BENCH_FRAME UDP frame) made a TCP segment to 169.254.169.254:80: for the router (D16). */
static void make_metadata_segment(uint8_t *f)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + RTE_ETHER_HDR_LEN);
	uint8_t *tcp = (uint8_t *)(ip + 1);

	ip->next_proto_id = IPPROTO_TCP;
	ip->dst_addr = rte_cpu_to_be_32(0xa9fea9feu);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(tcp, 0, 20);
	tcp[0] = 0x9c, tcp[1] = 0x40; /* 40000 -> 80 */
	tcp[3] = 80;
	tcp[12] = 0x50; /* 20-byte header */
	tcp[13] = 0x02; /* SYN; the checksum is the service's business */
}

static struct rte_ring *punt_ring; /* K_OUT with punt_every: what reached the services */

static void bench_keys(struct pipeline_worker *w, struct builder *b, enum kind k, uint32_t n,
		       unsigned bursts, struct run *r, uint32_t *keys_out, bool seq, uint32_t start,
		       unsigned punt_every)
{
	struct rte_mbuf *m[BURST], *in[BURST];
	struct pipeline_tx tx;
	const struct fwd_side *side = builder_side(b);
	const uint8_t port_mac[6] = {0x02, 0, 0, 0, 0, 0};
	uint8_t a6[16], mac[6] = {0x02, 0, 0, 0, 0, 0};

	memset(r, 0, sizeof(*r));
	memset(tx.n, 0, sizeof(tx.n));
	if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
		abort();
	for (unsigned it = 0; it < bursts; it++) {
		for (unsigned i = 0; i < BURST; i++) {
			uint32_t x = seq ? (uint32_t)((start + (uint64_t)it * BURST + i) % n)
					 : bench_rand(&rng) % n;
			uint8_t *f;

			rte_pktmbuf_reset(m[i]);
			f = (uint8_t *)rte_pktmbuf_append(m[i], BENCH_FRAME);
			if (f == NULL)
				abort();
			/* UDP without checksum, as in the figures of docs/performance.md */
			if (k == K_V6) {
				v6_of(x, a6);
				bench_fill_v6(f, port_mac, a6);
			} else if (k == K_IN) {
				bench_fill_udp4(f, BENCH_FRAME, port_mac, mac,
						rte_cpu_to_be_32(0xc6120005u), eip_of(x), 0,
						BENCH_UDP_NO_CSUM);
				if (keys_out)
					keys_out[it * BURST + i] = eip_of(x);
			} else {
				mac[5] = (uint8_t)(x % N_ENIS);
				bench_fill_udp4(f, BENCH_FRAME, port_mac, mac, priv_of(x),
						rte_cpu_to_be_32(0x08080808u), 0,
						BENCH_UDP_NO_CSUM);
			}
			in[i] = m[i];
			/* the pipeline keeps a punted packet, or frees it as punt-overflow:
			 * a fresh mbuf of its own, a copy of this frame made a metadata segment */
			if (punt_every && i % punt_every == 0) {
				in[i] = rte_pktmbuf_alloc(pool);
				if (in[i] == NULL)
					abort();
				uint8_t *g = (uint8_t *)rte_pktmbuf_append(in[i], BENCH_FRAME);
				memcpy(g, f, BENCH_FRAME);
				make_metadata_segment(g);
			}
		}
		uint64_t t0 = rte_rdtsc_precise();
		pipeline_burst(w, side, k == K_OUT ? 1 : 0, in, BURST, &tx);
		uint64_t dt = rte_rdtsc_precise() - t0;
		r->cycles += dt;
		burst_cycles[it] = dt;
		r->packets += BURST;
		for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
			r->delivered += tx.n[p];
			tx.n[p] = 0; /* the mbufs are reused: they are in m[] too */
		}
		/* the services' side, untimed: take what was punted and drop it */
		void *q;
		while (punt_every && rte_ring_sc_dequeue(punt_ring, &q) == 0)
			rte_pktmbuf_free(q);
	}
	rte_pktmbuf_free_bulk(m, BURST);
	qsort(burst_cycles, bursts, sizeof(*burst_cycles), cmp_u64);
	r->median = (double)burst_cycles[bursts / 2] / BURST;
}

static void bench(struct pipeline_worker *w, struct builder *b, enum kind k, uint32_t n,
		  unsigned bursts, struct run *r, uint32_t *keys_out)
{
	bench_keys(w, b, k, n, bursts, r, keys_out, false, 0, 0);
}

/* ---- the security groups (D12) ---- */

#define SG_PASS_BURSTS 4096u /* bursts of a pass (at most N / BURST): 131072 flows a path */
#define SG_POLICY 1u	     /* the one policy of every ENI slot, both directions */
#define SG_RULES (SG_GROUPS_MAX * SG_RULES_PER_GROUP) /* per direction */

/* A packet of the bench as a rule sees it: family, protocol, peer, l4 (sg_l4_value). */
struct sg_probe {
	uint8_t family, proto;
	uint8_t peer[16];
	uint32_t l4;
};

/* What bench_keys sends: inbound 198.18.0.5 -> EIP UDP 5001 and 2001:db8::1 -> IPv6 UDP 53
 * (bench_fill_v6); outbound to 8.8.8.8 UDP 5001. */
static const struct sg_probe sg_probes_in[] = {
    {SG_V4, 17, {198, 18, 0, 5}, 5001},
    {SG_V6, 17, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 53},
};
static const struct sg_probe sg_probes_out[] = {{SG_V4, 17, {8, 8, 8, 8}, 5001}};

static uint64_t sg_rng = 0x9e3779b97f4a7c15ull; /* the rules' own: bench()'s sequence unchanged */

static uint32_t sg_rand(void)
{
	return bench_rand(&sg_rng);
}

/* Whether rule r allows probe p (sg_acl's semantics, sg_acl.h). */
static bool sg_rule_hits(const struct sg_rule *r, const struct sg_probe *p)
{
	uint32_t lo = 0, hi = 0xffff;

	if (r->family != p->family || (r->proto != SG_ANY && r->proto != p->proto))
		return false;
	if (r->proto == 6 || r->proto == 17) {
		lo = r->port_lo;
		hi = r->port_hi;
	} else if ((r->proto == 1 || r->proto == 58) && r->icmp_type != SG_ANY) {
		lo = (uint32_t)r->icmp_type << 8;
		hi = lo | 0xff;
		if (r->icmp_code != SG_ANY)
			lo = hi = lo | (uint32_t)r->icmp_code;
	}
	if (p->l4 < lo || p->l4 > hi)
		return false;
	for (unsigned bit = 0; bit < r->prefix_len; bit++)
		if ((r->addr[bit / 8] ^ p->peer[bit / 8]) & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/* The peer of a rule: anywhere, inside the VPC, one host, a public prefix. */
enum sg_peer_kind { PK_ANY, PK_INTERNAL, PK_HOST, PK_PUBLIC };

static void sg_rule_peer(struct sg_rule *r, bool v6, enum sg_peer_kind pk, unsigned g)
{
	uint32_t x = sg_rand(), y = sg_rand();
	unsigned len = 0;

	memset(r->addr, 0, sizeof(r->addr));
	if (!v6) {
		uint32_t h = 0;

		r->family = SG_V4;
		switch (pk) {
		case PK_ANY:
			break;
		case PK_INTERNAL: /* 10.g.x.y/16-32 */
			h = 0x0a000000u | (g + 1) << 16 | (x & 0xffff);
			len = 16 + y % 17;
			break;
		case PK_HOST: /* 203.0.113.x/32, 198.51.100.x/32 */
			h = (y % 2 ? 0xcb007100u : 0xc6336400u) | (x & 0xff);
			len = 32;
			break;
		case PK_PUBLIC: /* anything /8-/32 */
			h = x;
			len = 8 + y % 25;
			break;
		}
		if (len < 32)
			h &= len ? ~0u << (32 - len) : 0;
		r->addr[0] = (uint8_t)(h >> 24);
		r->addr[1] = (uint8_t)(h >> 16);
		r->addr[2] = (uint8_t)(h >> 8);
		r->addr[3] = (uint8_t)h;
		r->prefix_len = (uint8_t)len;
		return;
	}
	r->family = SG_V6;
	switch (pk) {
	case PK_ANY:
		break;
	case PK_INTERNAL: /* fd00:g:xxxx:xxxx::/32-64 */
		r->addr[0] = 0xfd;
		r->addr[3] = (uint8_t)(g + 1);
		memcpy(r->addr + 4, &x, 4);
		len = 32 + y % 33;
		break;
	case PK_HOST: /* 2001:db8:ff00:x::1/128 */
		r->addr[0] = 0x20;
		r->addr[1] = 0x01;
		r->addr[2] = 0x0d;
		r->addr[3] = 0xb8;
		r->addr[4] = 0xff;
		memcpy(r->addr + 6, &x, 2);
		r->addr[15] = 1;
		len = 128;
		break;
	case PK_PUBLIC: /* 2xxx:..., /16-/64 */
		memcpy(r->addr, &x, 4);
		memcpy(r->addr + 4, &y, 4);
		r->addr[0] = (uint8_t)(0x20 | (r->addr[0] & 0x0f));
		len = 16 + y % 49;
		break;
	}
	for (unsigned bit = len; bit < 128; bit++)
		r->addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
	r->prefix_len = (uint8_t)len;
}

static void sg_rule_ports(struct sg_rule *r, int proto, uint16_t lo, uint16_t hi)
{
	r->proto = (int16_t)proto;
	r->port_lo = lo;
	r->port_hi = hi;
}

static void sg_rule_icmp(struct sg_rule *r, bool v6, int type, int code)
{
	r->proto = v6 ? 58 : 1;
	r->icmp_type = (int16_t)type;
	r->icmp_code = (int16_t)code;
}

/* One rule of group g as groups look (a quarter IPv6): SSH and databases
 * from the VPC, HTTP(S) from anywhere, port ranges from public prefixes,
 * partners' hosts, DNS, NTP, IPsec, ICMP, everything from a subnet. */
static void sg_random_rule(struct sg_rule *r, unsigned g)
{
	static const uint16_t db[] = {3306, 5432, 6379, 9200, 11211, 27017};
	bool v6 = sg_rand() % 4 == 0;
	uint32_t x = sg_rand();
	uint16_t lo = (uint16_t)(1024 + x % 60000);
	enum sg_peer_kind pk = PK_PUBLIC;

	memset(r, 0, sizeof(*r));
	switch (sg_rand() % 16) {
	case 0:
		sg_rule_ports(r, 6, 22, 22);
		pk = PK_INTERNAL;
		break;
	case 1:
		sg_rule_ports(r, 6, 443, 443);
		pk = PK_ANY;
		break;
	case 2:
		sg_rule_ports(r, 6, 80, 80);
		pk = PK_ANY;
		break;
	case 3:
		sg_rule_ports(r, 6, db[x % 6], db[x % 6]);
		pk = PK_INTERNAL;
		break;
	case 4:
		sg_rule_ports(r, 6, lo, (uint16_t)(lo + (x >> 16) % 1000));
		break;
	case 5:
		sg_rule_ports(r, 6, lo, lo);
		pk = PK_HOST;
		break;
	case 6:
		sg_rule_ports(r, 17, 53, 53);
		pk = PK_INTERNAL;
		break;
	case 7:
		sg_rule_ports(r, 17, 123, 123);
		pk = PK_ANY;
		break;
	case 8:
		sg_rule_ports(r, 17, x % 2 ? 500 : 4500, x % 2 ? 500 : 4500);
		pk = PK_HOST;
		break;
	case 9:
		sg_rule_ports(r, 17, lo, (uint16_t)(lo + (x >> 16) % 100));
		break;
	case 10:
		sg_rule_icmp(r, v6, v6 ? 128 : 8, SG_ANY); /* echo request */
		pk = PK_ANY;
		break;
	case 11:
		sg_rule_icmp(r, v6, v6 ? 2 : 3, v6 ? 0 : 4); /* too big / frag needed */
		pk = PK_ANY;
		break;
	case 12:
		sg_rule_icmp(r, v6, SG_ANY, SG_ANY);
		pk = PK_INTERNAL;
		break;
	case 13:
		r->proto = SG_ANY;
		pk = PK_INTERNAL;
		break;
	case 14:
		sg_rule_ports(r, 6, 1024, 65535);
		break;
	default:
		sg_rule_ports(r, 17, lo, lo);
		break;
	}
	sg_rule_peer(r, v6, pk, g);
}

/*
 * One direction's 5 x 60 rules: random ones none of which allows the
 * bench's packets (probes), then the nm rules that do (the last ones, so a
 * classifier has every other rule to get past).
 */
static void sg_make_rules(struct sg_rule *rules, const struct sg_probe *probes, unsigned np,
			  const struct sg_rule *match, unsigned nm)
{
	for (unsigned i = 0; i < SG_RULES; i++) {
		struct sg_rule *r = &rules[i];
		unsigned g = i / SG_RULES_PER_GROUP;
		bool hit;

		if (i >= SG_RULES - nm) {
			*r = match[i - (SG_RULES - nm)];
		} else {
			do {
				sg_random_rule(r, g);
				hit = false;
				for (unsigned p = 0; p < np; p++)
					hit = hit || sg_rule_hits(r, &probes[p]);
			} while (hit);
		}
		r->group = (uint16_t)g;
		r->rule = (uint16_t)(i % SG_RULES_PER_GROUP);
	}
}

/* Bytes allocated from the DPDK heaps, all sockets. */
static size_t heap_allocated(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;

	for (unsigned i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

struct sg_bench {
	struct sg_rule rules[2][SG_RULES]; /* [SG_IN], [SG_OUT] */
	struct sg_slot slots[N_ENIS];
	struct sg_peer_span peers[SG_POLICY + 1][2]; /* no group rules */
	struct sg_tables t;
	struct ct_config cc;
	struct ct *ct;
	size_t ct_bytes; /* the DPDK heap's growth in ct_create */
	uint32_t ct_npos;
};

/* The rules compiled, every ENI slot given them; 0 or -1. */
static int sg_build(struct sg_bench *sb)
{
	struct sg_rule in_match[2], out_match;
	struct sg_policy pol[2];
	struct sg_acl *acl;

	memset(in_match, 0, sizeof(in_match));
	memset(&out_match, 0, sizeof(out_match));
	sg_rule_ports(&in_match[0], 17, 5001, 5001); /* from 198.18.0.5/32 */
	in_match[0].family = SG_V4;
	in_match[0].prefix_len = 32;
	memcpy(in_match[0].addr, sg_probes_in[0].peer, 4);
	sg_rule_ports(&in_match[1], 17, 53, 53); /* from 2001:db8::1/128 */
	in_match[1].family = SG_V6;
	in_match[1].prefix_len = 128;
	memcpy(in_match[1].addr, sg_probes_in[1].peer, 16);
	sg_rule_ports(&out_match, 17, 5001, 5001); /* to 8.8.8.8/32 */
	out_match.family = SG_V4;
	out_match.prefix_len = 32;
	memcpy(out_match.addr, sg_probes_out[0].peer, 4);
	sg_make_rules(sb->rules[SG_IN], sg_probes_in, 2, in_match, 2);
	sg_make_rules(sb->rules[SG_OUT], sg_probes_out, 1, &out_match, 1);

	pol[0] = (struct sg_policy){SG_POLICY, SG_IN, SG_RULES, sb->rules[SG_IN]};
	pol[1] = (struct sg_policy){SG_POLICY, SG_OUT, SG_RULES, sb->rules[SG_OUT]};
	acl = sg_acl_build(pol, 2, SOCKET_ID_ANY);
	if (acl == NULL) {
		fprintf(stderr, "sg_acl_build: %s\n", strerror(errno));
		return -1;
	}
	/* the classifier agrees: the bench's packets match their direction's last rules */
	for (unsigned d = 0; d < 2; d++) {
		const struct sg_probe *pr = d == SG_IN ? sg_probes_in : sg_probes_out;

		for (unsigned p = 0; p < (d == SG_IN ? 2u : 1u); p++) {
			struct sg_acl_in4 i4;
			struct sg_acl_in6 i6;
			const struct sg_acl_in4 *p4 = &i4;
			const struct sg_acl_in6 *p6 = &i6;
			uint32_t res = 0, a;
			const struct sg_match *m;

			if (pr[p].family == SG_V4) {
				memcpy(&a, pr[p].peer, 4);
				sg_acl_in4_set(&i4, SG_POLICY, pr[p].proto, a, pr[p].l4);
				sg_acl_classify4(acl, (enum sg_dir)d, &p4, &res, 1);
			} else {
				sg_acl_in6_set(&i6, SG_POLICY, pr[p].proto, pr[p].peer, pr[p].l4);
				sg_acl_classify6(acl, (enum sg_dir)d, &p6, &res, 1);
			}
			m = res ? sg_acl_match(acl, res) : NULL;
			if (m == NULL || m->group != SG_GROUPS_MAX - 1 ||
			    m->rule < SG_RULES_PER_GROUP - 2) {
				fprintf(stderr,
					"sg: the bench's packets do not match the last rules\n");
				sg_acl_free(acl);
				return -1;
			}
		}
	}
	for (unsigned i = 0; i < N_ENIS; i++) {
		sb->slots[i].policy[SG_IN] = sb->slots[i].policy[SG_OUT] = SG_POLICY;
		sb->slots[i].n_groups = SG_GROUPS_MAX;
		for (uint16_t g = 0; g < SG_GROUPS_MAX; g++)
			sb->slots[i].groups[g] = g;
	}
	memset(sb->peers, 0, sizeof(sb->peers));
	sb->t = (struct sg_tables){.acl = acl,
				   .n_slots = N_ENIS,
				   .slots = sb->slots,
				   .n_policies = SG_POLICY,
				   .peers = (const struct sg_peer_span(*)[2])sb->peers,
				   .peer_rules = NULL};
	ct_config_default(&sb->cc);
	sb->cc.max_flows = SG_PASS_BURSTS * BURST; /* one path's pass: fixed, so the bytes are */
	return 0;
}

/* A new empty flow table, groups enforced with it; 0 or -1. */
static int sg_enable(struct sg_bench *sb, struct builder *b)
{
	const struct delta empty = {0};
	size_t before = heap_allocated();

	sb->ct = ct_create("bench_flows", &sb->cc);
	if (sb->ct == NULL) {
		fprintf(stderr, "ct_create: %s\n", strerror(errno));
		return -1;
	}
	/* the entries (64-byte lines), the tags, the sweeper's queue and the
	 * stripe locks: all of ct_create's allocations (ct_memsize, plus the
	 * heap's own overhead) */
	sb->ct_bytes = heap_allocated() - before;
	sb->ct_npos = ct_positions(sb->ct);
	builder_set_ct(b, sb->ct);
	return builder_apply_sg(b, &empty, &sb->t) == 0 ? 0 : -1;
}

/* Groups off again, the flow table freed. */
static void sg_disable(struct sg_bench *sb, struct builder *b)
{
	const struct delta empty = {0};

	builder_apply_sg(b, &empty, NULL);
	builder_set_ct(b, NULL);
	ct_free(sb->ct);
	sb->ct = NULL;
}

/* The passes, each its own function for callgrind's --toggle-collect (kept
 * apart: the phase they store differs). Keys in order from 0, the same in
 * each pass. */
static volatile int sg_phase;

static __attribute__((noinline)) void sg_pass_no_groups(struct pipeline_worker *w,
							struct builder *b, enum kind k, uint32_t n,
							unsigned bursts, struct run *r)
{
	sg_phase = 0;
	bench_keys(w, b, k, n, bursts, r, NULL, true, 0, 0);
}

static __attribute__((noinline)) void sg_pass_new(struct pipeline_worker *w, struct builder *b,
						  enum kind k, uint32_t n, unsigned bursts,
						  struct run *r)
{
	sg_phase = 1;
	bench_keys(w, b, k, n, bursts, r, NULL, true, 0, 0);
}

static __attribute__((noinline)) void sg_pass_established(struct pipeline_worker *w,
							  struct builder *b, enum kind k,
							  uint32_t n, unsigned bursts,
							  struct run *r)
{
	sg_phase = 2;
	bench_keys(w, b, k, n, bursts, r, NULL, true, 0, 0);
}

/* The flow key sg_stage gives packet x of path k (VPC slot 0; ports as bench_fill_* set them). */
static void sg_key_of(struct ct_key *key, enum kind k, uint32_t x)
{
	static const uint8_t peer6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	uint8_t a6[16];

	if (k == K_IN) {
		ct_key4(key, 0, x % N_ENIS, 17, priv_of(x), rte_cpu_to_be_16(5001),
			rte_cpu_to_be_32(0xc6120005u), rte_cpu_to_be_16(12345));
	} else if (k == K_OUT) {
		ct_key4(key, 0, x % N_ENIS, 17, priv_of(x), rte_cpu_to_be_16(12345),
			rte_cpu_to_be_32(0x08080808u), rte_cpu_to_be_16(5001));
	} else {
		v6_of(x, a6);
		ct_key6(key, 0, x % N_ENIS, 17, a6, rte_cpu_to_be_16(53), peer6,
			rte_cpu_to_be_16(53));
	}
}

/*
 * A diagnostic of the established figure: the flow table alone on the same
 * keys (tracked by then), timed apart: ct_lookup_bulk of a burst, then
 * ct_update of each packet found (with a later millisecond than the
 * previous pass's, so each stores its last seen, as in that pass). Medians of the
 * bursts, per packet; *found: keys the lookup found (all, or the keys are
 * not sg_stage's).
 */
static void sg_ct_alone(struct ct *ct, enum kind k, uint32_t n, unsigned bursts, double *lookup,
			double *update, uint64_t *found)
{
	struct ct_key keys[BURST];
	const struct ct_key *kp[BURST];
	int32_t pos[BURST];
	uint64_t *ub = malloc(sizeof(*ub) * bursts), per_ms = rte_get_tsc_hz() / 1000;
	enum ct_dir dir = k == K_IN || k == K_V6 ? CT_TO_ENI : CT_FROM_ENI;

	*found = 0;
	*lookup = *update = 0;
	if (ub == NULL)
		return;
	for (unsigned it = 0; it < bursts; it++) {
		uint64_t hit, t0, t1, t2, now = rte_rdtsc() / (per_ms ? per_ms : 1);

		for (unsigned i = 0; i < BURST; i++) {
			sg_key_of(&keys[i], k, (uint32_t)(((uint64_t)it * BURST + i) % n));
			kp[i] = &keys[i];
		}
		t0 = rte_rdtsc_precise();
		hit = ct_lookup_bulk(ct, kp, BURST, pos);
		t1 = rte_rdtsc_precise();
		for (unsigned i = 0; i < BURST; i++)
			if (hit >> i & 1)
				ct_update(ct, pos[i], dir, 0, now);
		t2 = rte_rdtsc_precise();
		burst_cycles[it] = t1 - t0;
		ub[it] = t2 - t1;
		*found += (uint64_t)__builtin_popcountll(hit);
	}
	qsort(burst_cycles, bursts, sizeof(*burst_cycles), cmp_u64);
	qsort(ub, bursts, sizeof(*ub), cmp_u64);
	*lookup = (double)burst_cycles[bursts / 2] / BURST;
	*update = (double)ub[bursts / 2] / BURST;
	free(ub);
}

struct sg_result {
	struct run none, fresh, est;
	uint64_t flows;		     /* counted by the pipeline (counters.sg_flows) */
	double ct_lookup, ct_update; /* sg_ct_alone */
	uint64_t ct_found;
};

/* 0, or -1 when the groups could not be set up. */
static int sg_phase_run(struct pipeline_worker *w, struct builder *b, uint32_t n, unsigned bursts,
			const bool on[3], struct sg_result res[3], struct sg_bench *sb)
{
	const struct counters *cn = pipeline_worker_counters(w);

	/* without groups first, the same keys (warm-up, then measured) */
	for (unsigned k = 0; k < 3; k++) {
		if (!on[k])
			continue;
		sg_pass_no_groups(w, b, (enum kind)k, n, bursts, &res[k].none);
		sg_pass_no_groups(w, b, (enum kind)k, n, bursts, &res[k].none);
	}
	if (sg_build(sb) != 0)
		return -1;
	for (unsigned k = 0; k < 3; k++) {
		uint64_t f0;

		if (!on[k])
			continue;
		/* a warm-up pass of new flows (the classifier, the code), on a table
		 * thrown away: the measured one starts empty */
		if (sg_enable(sb, b) != 0) {
			sg_acl_free((struct sg_acl *)sb->t.acl);
			return -1;
		}
		sg_pass_new(w, b, (enum kind)k, n, bursts, &res[k].fresh);
		sg_disable(sb, b);
		if (sg_enable(sb, b) != 0) {
			sg_acl_free((struct sg_acl *)sb->t.acl);
			return -1;
		}
		f0 = cn->sg_flows;
		sg_pass_new(w, b, (enum kind)k, n, bursts, &res[k].fresh);
		sg_pass_established(w, b, (enum kind)k, n, bursts, &res[k].est);
		res[k].flows = cn->sg_flows - f0;
		sg_ct_alone(sb->ct, (enum kind)k, n, bursts, &res[k].ct_lookup, &res[k].ct_update,
			    &res[k].ct_found);
		sg_disable(sb, b);
	}
	sg_acl_free((struct sg_acl *)sb->t.acl);
	return 0;
}

static void sg_report(uint32_t n, unsigned bursts, const bool on[3], const struct sg_result res[3],
		      const struct sg_bench *sb)
{
	static const char *const label[3] = {"inbound ", "outbound", "IPv6    "};
	static const char *const name[3] = {"inbound", "outbound", "ipv6"};
	double per_flow = (double)sb->ct_bytes / sb->cc.max_flows;

	printf("security groups: policy of %u groups x %u rules per direction on all %u ENIs, "
	       "passes of %u bursts (%u flows, keys in order)\n",
	       (unsigned)SG_GROUPS_MAX, (unsigned)SG_RULES_PER_GROUP, (unsigned)N_ENIS, bursts,
	       bursts * BURST);
	printf("TSC cycles per packet, median burst: no groups / established (+) / new flow (+)\n");
	for (unsigned k = 0; k < 3; k++) {
		const struct sg_result *r = &res[k];

		if (!on[k])
			continue;
		printf("%s: %6.1f / %6.1f (%+6.1f) / %6.1f (%+6.1f)  (%" PRIu64 "/%" PRIu64
		       "/%" PRIu64 " passed of %" PRIu64 " each, %" PRIu64 " flows created)\n",
		       label[k], r->none.median, r->est.median, r->est.median - r->none.median,
		       r->fresh.median, r->fresh.median - r->none.median, r->none.delivered,
		       r->est.delivered, r->fresh.delivered, r->none.packets, r->flows);
		printf(
		    "          flow table alone, same keys: ct_lookup_bulk %.1f + ct_update %.1f "
		    "(%" PRIu64 " found)\n",
		    r->ct_lookup, r->ct_update, r->ct_found);
		if (r->fresh.delivered != r->fresh.packets || r->est.delivered != r->est.packets ||
		    r->flows != r->fresh.packets)
			fprintf(stderr,
				"sg %s: not every packet passed, or not every flow was "
				"tracked: the figures are not what they say\n",
				name[k]);
	}
	printf("flow table: %zu bytes allocated for %u flows (%u positions): %.1f bytes per flow\n",
	       sb->ct_bytes, sb->cc.max_flows, sb->ct_npos, per_flow);
	for (unsigned k = 0; k < 3; k++) {
		if (!on[k])
			continue;
		printf("{\"figure\": \"pipeline.sg.%s.established.%u.cycles_per_pkt\", \"value\": "
		       "%.1f, \"unit\": \"cycles\", \"baseline\": %.1f}\n",
		       name[k], n, res[k].est.median, res[k].none.median + 25);
		printf("{\"figure\": \"pipeline.sg.%s.new_flow.%u.cycles_per_pkt\", \"value\": "
		       "%.1f, \"unit\": \"cycles\", \"baseline\": %.1f}\n",
		       name[k], n, res[k].fresh.median, res[k].none.median + 400);
	}
	printf("{\"figure\": \"sg.flow_entry.bytes\", \"value\": %.1f, \"unit\": \"bytes\", "
	       "\"baseline\": 128}\n",
	       per_flow);
}

int main(int argc, char **argv)
{
	/* one lcore (the caller pins it with taskset), never hugepages: the
	 * conditions of the figures in docs/performance.md */
	const struct bench_eal_params eal = {.lcores = "0", .mem_mb = 4096, .no_huge = true};
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1u << 20;
	unsigned bursts = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 20000;
	const char *only = argc > 3 ? argv[3] : "";
	bool run_in = !*only || !strcmp(only, "in"), run_out = !*only || !strcmp(only, "out"),
	     run_v6 = !*only || !strcmp(only, "v6"), run_punt = !*only || !strcmp(only, "punt");
	/* the security groups' phase: every path, or the one of sg-in|sg-out|sg-v6 */
	const bool sg_on[3] = {!*only || !strcmp(only, "sg-in"), !*only || !strcmp(only, "sg-out"),
			       !*only || !strcmp(only, "sg-v6")};
	unsigned sg_bursts = n / BURST < SG_PASS_BURSTS ? n / BURST : SG_PASS_BURSTS;

	if (bench_eal_init_params(argv[0], "dp-bench", &eal) != 0)
		return 1;
	pool = rte_pktmbuf_pool_create("bench", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);

	struct builder_params p;
	memset(&p, 0, sizeof(p));
	p.max_v4 = p.max_v6 = p.max_eips = n + 16;
	p.max_enis = N_ENIS;
	p.n_ports = 3;
	p.ports[0].role = FWD_PORT_UPLINK;
	p.ports[0].has_upstream_mac = true;
	p.ports[1].role = FWD_PORT_HOST;
	p.ports[2].role = FWD_PORT_HOST;
	/* the ports' MAC is bench()'s port_mac, 02:00:00:00:00:00, the frames' destination */
	for (int i = 0; i < 3; i++)
		p.ports[i].mac[0] = 0x02;
	struct builder *b = builder_create(&p);
	struct pipeline_worker *w = pipeline_worker_create(0, N_ENIS);
	if (!pool || !b || !w)
		return 1;

	/* the VPC: 10.0.0.0/8 local, default igw; N_ENIS ENIs on ports 1-2 */
	struct delta d = {0};
	struct delta_entry e = {.kind = DELTA_SUBNET_SET};
	e.subnet.cidr4 = rte_cpu_to_be_32(0x0a000000u);
	e.subnet.depth4 = 8;
	delta_push(&d, &e);
	uint32_t pfx[2] = {rte_cpu_to_be_32(0x0a000000u), 0};
	for (int r = 0; r < 2; r++) {
		e = (struct delta_entry){.kind = DELTA_ROUTE_SET};
		e.route.family = 4;
		e.route.depth = r == 0 ? 8 : 0;
		e.route.target = r == 0 ? ROUTE_LOCAL : ROUTE_IGW;
		memcpy(e.route.prefix, &pfx[r], 4);
		delta_push(&d, &e);
	}
	for (uint32_t i = 0; i < N_ENIS; i++) {
		e = (struct delta_entry){.kind = DELTA_ENI_SET};
		e.eni.slot = i;
		e.eni.port = 1;
		e.eni.mac[0] = 0x02;
		e.eni.mac[5] = (uint8_t)i;
		e.eni.source_dest_check = 1;
		delta_push(&d, &e);
	}
	for (uint32_t i = 0; i < n; i++) {
		e = (struct delta_entry){.kind = DELTA_V4_SET};
		e.v4.addr = priv_of(i);
		e.v4.eni = i % N_ENIS;
		e.v4.eip = eip_of(i);
		delta_push(&d, &e);
		e = (struct delta_entry){.kind = DELTA_EIP_SET};
		e.eip.eip = eip_of(i);
		e.eip.priv = priv_of(i);
		e.eip.eni = i % N_ENIS;
		delta_push(&d, &e);
		e = (struct delta_entry){.kind = DELTA_V6_SET};
		v6_of(i, e.v6.addr);
		e.v6.eni = i % N_ENIS;
		delta_push(&d, &e);
	}
	uint64_t t0 = rte_rdtsc();
	if (builder_apply(b, &d) != 0)
		return 1;
	double load_s = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	printf("tables: %u EIPs, %u private IPv4, %u IPv6, %u ENIs; delta of %zu entries applied "
	       "(both sides) in %.2f s\n",
	       n, n, n, (unsigned)N_ENIS, d.n, load_s);
	delta_free(&d);

	/* baseline: rte_hash of the same EIPs, looked up in bulk with the same keys */
	struct rte_hash_parameters hp = {.name = "bench_eips",
					 .entries = n + 16,
					 .key_len = 4,
					 .hash_func = rte_jhash,
					 .extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF};
	struct rte_hash *h = rte_hash_create(&hp);
	if (h == NULL)
		return 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = eip_of(i);
		rte_hash_add_key_data(h, &k, (void *)(uintptr_t)(priv_of(i) | 1));
	}

	uint32_t *keys = malloc(sizeof(uint32_t) * BURST * bursts);
	burst_cycles =
	    malloc(sizeof(*burst_cycles) * (bursts > SG_PASS_BURSTS ? bursts : SG_PASS_BURSTS));
	if (keys == NULL || burst_cycles == NULL)
		return 1;
	struct run rin = {0}, rout = {0}, r6 = {0};
	if (run_in) {
		bench(w, b, K_IN, n, bursts / 4, &rin, keys); /* warm-up */
		bench(w, b, K_IN, n, bursts, &rin, keys);
	}

	uint64_t hc = 0;
	uint64_t *hb = malloc(sizeof(*hb) * bursts);
	if (hb == NULL)
		return 1;
	for (unsigned it = 0; run_in && it < bursts; it++) {
		const void *kp[BURST];
		void *data[BURST];
		for (unsigned i = 0; i < BURST; i++)
			kp[i] = &keys[it * BURST + i];
		uint64_t t = rte_rdtsc_precise();
		uint64_t hits;
		rte_hash_lookup_bulk_data(h, kp, BURST, &hits, data);
		hb[it] = rte_rdtsc_precise() - t;
		hc += hb[it];
	}
	qsort(hb, bursts, sizeof(*hb), cmp_u64);
	double hmed = run_in ? (double)hb[bursts / 2] / BURST : 0;
	free(hb);
	if (run_out)
		bench(w, b, K_OUT, n, bursts, &rout, NULL);
	if (run_v6)
		bench(w, b, K_V6, n, bursts, &r6, NULL);
	/* the flood: one metadata segment in every burst, the default rate and burst */
	struct run rp = {0};
	uint64_t punted = 0, overflow = 0;
	if (run_punt) {
		const struct counters *c = pipeline_worker_counters(w);

		punt_ring =
		    rte_ring_create("bench_punt", PUNT_RING_SIZE, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (punt_ring == NULL)
			return 1;
		pipeline_worker_set_punt(w, punt_ring, PUNT_RATE_DEFAULT, PUNT_BURST_DEFAULT);
		punted = c->punted;
		overflow = c->drop[COUNTERS_DROP_PUNT_OVERFLOW];
		bench_keys(w, b, K_OUT, n, bursts, &rp, NULL, false, 0, BURST);
		punted = c->punted - punted;
		overflow = c->drop[COUNTERS_DROP_PUNT_OVERFLOW] - overflow;
		pipeline_worker_set_punt(w, NULL, 0, 0);
		rte_ring_free(punt_ring);
	}

	printf("TSC cycles per packet: median burst / mean over all bursts\n");
	if (run_in) { /* with its baseline, rte_hash over the same keys, beside it */
		printf("inbound DNAT + delivery   : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64
		       " delivered)\n",
		       rin.median, (double)rin.cycles / (double)rin.packets, rin.delivered,
		       rin.packets);
		printf("rte_hash bulk lookup      : %6.1f / %6.1f (lookup only, same keys)\n", hmed,
		       (double)hc / (double)(bursts * BURST));
	}
	if (run_out)
		printf("outbound check+route+SNAT : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64 " sent)\n",
		       rout.median, (double)rout.cycles / (double)rout.packets, rout.delivered,
		       rout.packets);
	if (run_v6)
		printf("IPv6 delivery             : %6.1f / %6.1f (%" PRIu64 "/%" PRIu64
		       " delivered)\n",
		       r6.median, (double)r6.cycles / (double)r6.packets, r6.delivered, r6.packets);
	/* The same figures as JSON lines for bench/run.sh; baselines: the rte_hash
	 * lookup for inbound (SPEC: at least 2x cheaper), the SPEC targets otherwise. */
	if (run_in) {
		printf("{\"figure\": \"pipeline.inbound_dnat.%u.cycles_per_pkt\", \"value\": %.1f, "
		       "\"unit\": \"cycles\", \"baseline\": %.1f}\n",
		       n, rin.median, hmed);
		printf("{\"figure\": \"pipeline.inbound_vs_rte_hash.%u\", \"value\": %.2f, "
		       "\"unit\": \"x\", \"baseline\": 2}\n",
		       n, rin.median > 0 ? hmed / rin.median : 0);
	}
	if (run_out)
		printf(
		    "{\"figure\": \"pipeline.outbound_snat.%u.cycles_per_pkt\", \"value\": %.1f, "
		    "\"unit\": \"cycles\", \"baseline\": 80}\n",
		    n, rout.median);
	if (run_v6)
		printf("{\"figure\": \"pipeline.ipv6.%u.cycles_per_pkt\", \"value\": %.1f, "
		       "\"unit\": \"cycles\", \"baseline\": 90}\n",
		       n, r6.median);
	if (run_punt) {
		printf("outbound under a punt flood: %6.1f / %6.1f (%" PRIu64 "/%" PRIu64
		       " sent; 1 metadata segment a burst: %" PRIu64 " punted, %" PRIu64
		       " punt-overflow)\n",
		       rp.median, (double)rp.cycles / (double)rp.packets, rp.delivered, rp.packets,
		       punted, overflow);
		printf("{\"figure\": \"pipeline.outbound_under_punt_flood.%u.cycles_per_pkt\", "
		       "\"value\": %.1f, \"unit\": \"cycles\", \"baseline\": %.1f}\n",
		       n, rp.median, run_out ? rout.median : 80.0);
	}
	printf("table memory: eip4 %zu + priv4 %zu + ip6 %zu bytes per side\n",
	       em4_memory(builder_side(b)->eip4), em8_memory(builder_side(b)->priv4),
	       em16_memory(builder_side(b)->ip6));

	/* after the figures above, in the same tables: the security groups */
	if ((sg_on[0] || sg_on[1] || sg_on[2]) && sg_bursts > 0) {
		static struct sg_bench sb;
		struct sg_result sr[3];

		memset(sr, 0, sizeof(sr));
		if (sg_phase_run(w, b, n, sg_bursts, sg_on, sr, &sb) != 0)
			return 1;
		sg_report(n, sg_bursts, sg_on, sr, &sb);
	}

	free(keys);
	free(burst_cycles);
	rte_hash_free(h);
	pipeline_worker_free(w);
	builder_free(b);
	rte_mempool_free(pool);
	bench_eal_cleanup();
	return 0;
}
