/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_stage.c - the security groups between a packet's forwarding decision
 * and its emit (see sg_stage.h). A real call, once per burst and only when
 * groups are enforced: the stages stay as they were when they are not.
 */
#include "sg_stage.h"

#include <errno.h>
#include <string.h>

#include <rte_ip.h>

#include "conntrack.h"
#include "sg_acl.h"
#include "sg_tables.h"

#define SG_CHECKS_MAX (2 * PIPELINE_BURST_MAX)
#define CT_BULK 64

/* One check: one packet against one ENI's groups, in one direction. */
struct check {
	/* ct_hash and key_eq read the key 8 and 16 bytes at a time: keep it aligned */
	struct ct_key key __attribute__((aligned(16)));
	uint32_t eni, vpc;
	const uint8_t *l4; /* the packet's L4 header (NULL: a later fragment), for the rules */
	uint32_t l4_len;
	uint8_t
	    peer[16]; /* the other end's address, network order (IPv4: the first 4 bytes only) */
	uint8_t pkt;  /* its packet: index into idx[] */
	uint8_t dir;  /* enum ct_dir */
	uint8_t v6;
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t icmp_error; /* key is the quoted packet's flow */
	uint8_t ok;
};

/* The headers a check reads, for either family. */
struct pkt_view {
	uint8_t v6, proto;
	const uint8_t *l4; /* NULL: a later IPv4 fragment */
	size_t l4_len;
	uint32_t src, dst;   /* IPv4 as sent */
	uint32_t rsrc, rdst; /* IPv4 as received: after emit's NAT */
	const uint8_t *src6, *dst6;
};

static void view_of(const struct pmeta *pm, struct pkt_view *v)
{
	if (pm->kind == PK_V6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)pm->l3;

		v->v6 = 1;
		v->proto = ip6->proto;
		v->l4 = pm->l3 + sizeof(*ip6);
		v->l4_len = pm->seg_l3 > sizeof(*ip6) ? pm->seg_l3 - sizeof(*ip6) : 0;
		v->src6 = ip6->src_addr;
		v->dst6 = ip6->dst_addr;
		v->src = v->dst = v->rsrc = v->rdst = 0;
		return;
	}
	/* from the header, not pm->proto / pm->ihl: parse()'s fast path for UDP sets neither */
	unsigned ihl = (pm->l3[0] & 0xfu) * 4u;

	v->v6 = 0;
	v->proto = pm->l3[9];
	v->l4 = pm->l4 ? pm->l3 + ihl : NULL;
	v->l4_len = pm->l4 && pm->seg_l3 > ihl ? (size_t)(pm->seg_l3 - ihl) : 0;
	v->src = pm->src4;
	v->dst = pm->dst4;
	v->rsrc = pm->nat_src ? pm->nat_src : pm->src4;
	v->rdst = pm->nat_dst ? pm->nat_dst : pm->dst4;
	v->src6 = v->dst6 = NULL;
}

/* What a rule's port range is compared with: the destination port, or ICMP type << 8 | code. */
static uint32_t l4_value(uint8_t proto, const uint8_t *l4, size_t len)
{
	if (l4 == NULL)
		return 0;
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return len >= 4 ? sg_l4_value(proto, (uint16_t)(l4[2] << 8 | l4[3]), 0, 0) : 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return len >= 2 ? sg_l4_value(proto, 0, l4[0], l4[1]) : 0;
	default:
		return 0;
	}
}

/*
 * The check of one packet for one ENI: its flow key (conntrack.h) and what
 * the rules need if the flow table does not pass it. TCP and UDP with their
 * ports present (nearly every packet) take the short way: the key from the
 * ports directly; the rest through ct_key*_pkt.
 */
static __rte_always_inline void make_check(struct check *c, const struct pkt_view *v,
					   enum ct_dir dir, uint32_t eni, uint32_t vpc)
{
	bool in = dir == CT_TO_ENI;
	const uint8_t *l4 = v->l4;

	c->dir = (uint8_t)dir;
	c->eni = eni;
	c->vpc = vpc;
	c->v6 = v->v6;
	c->proto = v->proto;
	c->l4 = l4;
	c->l4_len = (uint32_t)v->l4_len;
	c->tcp_flags = v->proto == IPPROTO_TCP && l4 != NULL && v->l4_len >= 14 ? l4[13] : 0;
	c->icmp_error = 0;
	c->ok = 0;
	if ((v->proto == IPPROTO_TCP || v->proto == IPPROTO_UDP) && l4 != NULL && v->l4_len >= 4) {
		uint16_t sp, dp;

		memcpy(&sp, l4, 2);
		memcpy(&dp, l4 + 2, 2);
		if (!v->v6) {
			uint32_t s = in ? v->rsrc : v->src, d = in ? v->rdst : v->dst;
			uint32_t self = in ? d : s, peer = in ? s : d;

			memcpy(c->peer, &peer, 4);
			ct_key4(&c->key, vpc, eni, v->proto, self, in ? dp : sp, peer,
				in ? sp : dp);
		} else {
			const uint8_t *self6 = in ? v->dst6 : v->src6,
				      *peer6 = in ? v->src6 : v->dst6;

			memcpy(c->peer, peer6, 16);
			ct_key6(&c->key, vpc, eni, v->proto, self6, in ? dp : sp, peer6,
				in ? sp : dp);
		}
		return;
	}
	if (!v->v6) {
		uint32_t s = in ? v->rsrc : v->src, d = in ? v->rdst : v->dst;
		uint32_t self = in ? d : s, peer = in ? s : d;

		memcpy(c->peer, &peer, 4);
		if (v->proto == IPPROTO_ICMP && v->l4_len >= 8 && ct_icmp4_is_error(v->l4[0]) &&
		    ct_key_icmp_error4(&c->key, vpc, eni, dir, v->l4 + 8, v->l4_len - 8) == 0) {
			/* the quote is as it went on the wire (through the EIP): the
			 * ENI's side of the flow is its own address */
			memcpy(c->key.eni_addr, &self, 4);
			c->icmp_error = 1;
		} else if (v->l4 == NULL || ct_key4_pkt(&c->key, vpc, eni, dir, v->proto, s, d,
							v->l4, v->l4_len) != 0) {
			ct_key4(&c->key, vpc, eni, v->proto, self, 0, peer, 0);
		}
		return;
	}
	const uint8_t *self6 = in ? v->dst6 : v->src6, *peer6 = in ? v->src6 : v->dst6;

	memcpy(c->peer, peer6, 16);
	if (v->proto == IPPROTO_ICMPV6 && v->l4_len >= 8 && ct_icmp6_is_error(v->l4[0]) &&
	    ct_key_icmp_error6(&c->key, vpc, eni, dir, v->l4 + 8, v->l4_len - 8) == 0) {
		memcpy(c->key.eni_addr, self6, 16);
		c->icmp_error = 1;
	} else if (ct_key6_pkt(&c->key, vpc, eni, dir, v->proto, v->src6, v->dst6, v->l4,
			       v->l4_len) != 0) {
		ct_key6(&c->key, vpc, eni, v->proto, self6, 0, peer6, 0);
	}
}

/* The ENI that owns the check's peer address in the check's VPC, or SG_NO_PEER. */
static uint32_t peer_slot(const struct fwd_side *s, const struct check *c)
{
	uint64_t v;

	if (!c->v6) {
		uint32_t a;

		memcpy(&a, c->peer, 4);
		return em8_lookup(s->priv4, fwd_priv_key(c->vpc, a), &v) ? fwd_v4_slot(v)
									 : SG_NO_PEER;
	}
	struct em16_key k;

	memcpy(k.b, c->peer, 16);
	if (!em16_lookup(s->ip6, &k, &v) || (uint32_t)v >= s->max_enis ||
	    s->enis[(uint32_t)v].vpc != c->vpc)
		return SG_NO_PEER;
	return (uint32_t)v;
}

/* The flow table: what it knows of each check. Returns the checks it passed. */
static unsigned lookup_flows(struct ct *ct, struct check *ck, unsigned nc, uint64_t now)
{
	const struct ct_key *keys[CT_BULK];
	int32_t pos[CT_BULK];
	unsigned passed = 0;

	for (unsigned base = 0, m; base < nc; base += m) {
		uint64_t hit;

		m = nc - base;
		if (m > CT_BULK)
			m = CT_BULK;

		for (unsigned k = 0; k < m; k++)
			keys[k] = &ck[base + k].key;
		hit = ct_lookup_bulk(ct, keys, m, pos);
		for (unsigned k = 0; k < m; k++) {
			struct check *c = &ck[base + k];

			if (!(hit >> k & 1))
				continue;
			if (c->icmp_error) {
				/* an error about the flow changes nothing in it */
				uint64_t w = ct_word(ct, pos[k]);
				c->ok = (w & CT_F_VALID) && !(w & CT_F_DEAD);
			} else {
				c->ok = ct_update(ct, pos[k], (enum ct_dir)c->dir, c->tcp_flags,
						  now) == 0;
			}
			passed += c->ok;
		}
	}
	return passed;
}

/* The rules, for the checks of one family and direction the flow table did not pass. */
static void classify(struct counters *cnt, const struct fwd_side *s, struct check *ck, unsigned nc,
		     uint8_t v6, enum ct_dir dir, uint64_t now, uint8_t *full, const uint8_t *skip)
{
	const struct sg_tables *t = s->sg;
	enum sg_dir sd = dir == CT_TO_ENI ? SG_IN : SG_OUT;
	union {
		struct sg_acl_in4 v4[PIPELINE_BURST_MAX];
		struct sg_acl_in6 v6[PIPELINE_BURST_MAX];
	} in;
	const void *inp[PIPELINE_BURST_MAX];
	uint32_t res[PIPELINE_BURST_MAX], pol[PIPELINE_BURST_MAX], l4v[PIPELINE_BURST_MAX];
	uint8_t which[PIPELINE_BURST_MAX];
	unsigned n = 0;

	for (unsigned k = 0; k < nc; k++) {
		struct check *c = &ck[k];

		if (c->ok || c->v6 != v6 || c->dir != dir || skip[c->pkt])
			continue;
		pol[n] = sg_tables_policy(t, c->eni, sd);
		l4v[n] = l4_value(c->proto, c->l4, c->l4_len);
		if (v6) {
			sg_acl_in6_set(&in.v6[n], pol[n], c->proto, c->peer, l4v[n]);
			inp[n] = &in.v6[n];
		} else {
			uint32_t a;

			memcpy(&a, c->peer, 4);
			sg_acl_in4_set(&in.v4[n], pol[n], c->proto, a, l4v[n]);
			inp[n] = &in.v4[n];
		}
		which[n++] = (uint8_t)k; /* one check per packet and direction: n <= burst */
	}
	if (n == 0)
		return;
	if (v6)
		sg_acl_classify6(t->acl, sd, (const struct sg_acl_in6 *const *)inp, res, n);
	else
		sg_acl_classify4(t->acl, sd, (const struct sg_acl_in4 *const *)inp, res, n);
	for (unsigned j = 0; j < n; j++) {
		struct check *c = &ck[which[j]];
		int rc;

		if (res[j] == 0 &&
		    (pol[j] == SG_NO_POLICY || pol[j] > t->n_policies ||
		     t->peers[pol[j]][sd].n == 0 ||
		     sg_peer_allows(t, pol[j], sd, c->proto, l4v[j], peer_slot(s, c)) == NULL))
			continue; /* refused */
		if (c->icmp_error) {
			c->ok = 1; /* an error the rules allow on its own: nothing to track */
			continue;
		}
		rc = ct_insert(s->ct, &c->key, dir, c->tcp_flags, now, NULL);
		if (rc == 0) {
			cnt->sg_flows++;
		} else if (rc == -EBUSY) {
			cnt->sg_flows_raced++; /* passes by its rule; the next packet tracks it */
		} else {
			full[which[j]] = 1; /* -ENOSPC */
			continue;
		}
		c->ok = 1;
	}
}

/* The failed checks of one direction: their packets' drop reasons, the ENIs' counters. */
static void verdicts(struct counters *c, const struct check *ck, unsigned nc, enum ct_dir dir,
		     const uint8_t *full, uint8_t *reason, uint8_t *refused)
{
	for (unsigned k = 0; k < nc; k++) {
		const struct check *x = &ck[k];

		if (x->ok || x->dir != dir || refused[x->pkt])
			continue;
		refused[x->pkt] = 1;
		if (full[k]) {
			reason[x->pkt] = COUNTERS_DROP_SG_FLOW_TABLE_FULL;
			continue;
		}
		reason[x->pkt] =
		    dir == CT_TO_ENI ? COUNTERS_DROP_SG_INBOUND : COUNTERS_DROP_SG_OUTBOUND;
		if (x->eni < c->n_enis) {
			if (dir == CT_TO_ENI)
				c->sg_eni[x->eni].in++;
			else
				c->sg_eni[x->eni].out++;
		}
	}
}

unsigned sg_stage(struct counters *c, const struct fwd_side *s, uint16_t in_port,
		  struct rte_mbuf **pkts, struct pmeta *meta, uint8_t *idx, unsigned n, bool host)
{
	struct check ck[SG_CHECKS_MAX];
	uint8_t reason[PIPELINE_BURST_MAX]; /* COUNTERS_DROP_MAX: passes */
	uint8_t full[SG_CHECKS_MAX];
	/* refused by the sender's rules: the receiver's are not asked */
	uint8_t refused[PIPELINE_BURST_MAX];
	uint64_t now = ct_now_ms();
	unsigned nc = 0, out = 0;

	if (n > PIPELINE_BURST_MAX)
		n = PIPELINE_BURST_MAX;
	for (unsigned j = 0; j < n; j++) {
		const struct pmeta *pm = &meta[idx[j]];
		struct pkt_view v;

		reason[j] = COUNTERS_DROP_MAX;
		view_of(pm, &v);
		if (host) {
			ck[nc].pkt = (uint8_t)j;
			make_check(&ck[nc++], &v, CT_FROM_ENI, pm->eni_src, pm->vpc);
		}
		/* an ENI that cannot receive is emit's to drop, with its reason */
		if (pm->act == VERDICT_TO_ENI && pm->to < s->max_enis &&
		    s->enis[pm->to].state == ENI_FWD_OK) {
			ck[nc].pkt = (uint8_t)j;
			make_check(&ck[nc++], &v, CT_TO_ENI, pm->to, s->enis[pm->to].vpc);
		}
	}
	/* every check a tracked flow (an established burst): all pass, no rules asked */
	if (lookup_flows(s->ct, ck, nc, now) == nc)
		return n;
	memset(full, 0, nc);
	memset(refused, 0, n);
	/* the sender's rules first: a packet they refuse never reaches the
	 * receiver's, which then neither counts it nor tracks a flow for it */
	for (uint8_t v6 = 0; v6 < 2; v6++)
		classify(c, s, ck, nc, v6, CT_FROM_ENI, now, full, refused);
	verdicts(c, ck, nc, CT_FROM_ENI, full, reason, refused);
	for (uint8_t v6 = 0; v6 < 2; v6++)
		classify(c, s, ck, nc, v6, CT_TO_ENI, now, full, refused);
	verdicts(c, ck, nc, CT_TO_ENI, full, reason, refused);
	for (unsigned j = 0; j < n; j++) {
		if (reason[j] == COUNTERS_DROP_MAX)
			idx[out++] = idx[j];
		else
			drop(c, pkts[idx[j]], in_port, reason[j]);
	}
	return out;
}
