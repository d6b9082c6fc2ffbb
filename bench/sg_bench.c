/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_bench - cycles per packet of the security groups' building blocks
 * (D12, SPEC section 5's security-group row), not yet in the pipeline:
 *
 *   classify: sg_acl (rte_acl) against sg_lin (a linear scan of the
 *             policy's rules), IPv4 and IPv6, bursts of 32 packets of
 *             random policies; each policy 5 groups x 60 rules = 300 rules;
 *             half the packets allowed by a random rule of their policy,
 *             half by none (the scan's worst case);
 *   conntrack: a burst of 32 packets of established flows (ct_lookup_bulk +
 *             ct_update each), and new flows (ct_insert each), at F flows.
 *
 * Usage: enimap-sg-bench [policies] [flows] [bursts]   (default 16 262144 20000)
 * Every figure is the median over bursts of rdtsc around the call(s), per
 * packet; each also as a JSON line (bench_util.h). Verdicts of sg_acl and
 * sg_lin are compared on every packet measured (a mismatch fails the run).
 * Built with everything, never run by `make test`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "bench_util.h"
#include "conntrack.h"
#include "sg_acl.h"

#define BURST 32u
#define RULES_PER_POLICY ((unsigned)(SG_GROUPS_MAX * SG_RULES_PER_GROUP))

static uint64_t rng_state = 0x243F6A8885A308D3ull;
static uint32_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_per_pkt(uint64_t *c, unsigned n)
{
	qsort(c, n, sizeof(*c), cmp_u64);
	return (double)c[n / 2] / BURST;
}

/*
 * A group's 60 rules, as groups look: TCP / UDP ports or ranges from CIDRs
 * of every length (and members of another group: /32s), some ICMP. Peers in
 * 10.g.0.0/16 (IPv4) or 2001:db8:g::/48 (IPv6) so groups do not overlap.
 */
static void make_rules(struct sg_rule *r, unsigned policy, unsigned fam)
{
	for (unsigned g = 0; g < SG_GROUPS_MAX; g++) {
		for (unsigned k = 0; k < SG_RULES_PER_GROUP; k++) {
			struct sg_rule *x = &r[g * SG_RULES_PER_GROUP + k];
			unsigned kind = rnd() % 10;
			unsigned gid = (policy * SG_GROUPS_MAX + g) & 0xff;

			memset(x, 0, sizeof(*x));
			x->group = (uint16_t)g;
			x->rule = (uint16_t)k;
			x->family = (uint8_t)fam;
			if (kind < 5) {
				x->proto = 6;
				x->port_lo = (uint16_t)(1 + rnd() % 60000);
				x->port_hi =
				    (uint16_t)(x->port_lo + (kind == 0 ? rnd() % 1000 : 0));
			} else if (kind < 8) {
				x->proto = 17;
				x->port_lo = (uint16_t)(1 + rnd() % 60000);
				x->port_hi = (uint16_t)(x->port_lo + rnd() % 10);
			} else if (kind < 9) {
				x->proto = fam == SG_V4 ? 1 : 58;
				x->icmp_type = (int16_t)(rnd() % 20);
				x->icmp_code = rnd() % 2 ? SG_ANY : (int16_t)(rnd() % 16);
			} else {
				x->proto = SG_ANY;
			}
			if (fam == SG_V4) {
				x->prefix_len = (uint8_t)(rnd() % 3 == 0 ? 32 : 16 + rnd() % 17);
				x->addr[0] = 10;
				x->addr[1] = (uint8_t)gid;
				x->addr[2] = (uint8_t)rnd();
				x->addr[3] = (uint8_t)rnd();
			} else {
				x->prefix_len = (uint8_t)(rnd() % 3 == 0 ? 128 : 48 + rnd() % 81);
				x->addr[0] = 0x20;
				x->addr[1] = 0x01;
				x->addr[2] = 0x0d;
				x->addr[3] = 0xb8;
				x->addr[5] = (uint8_t)gid;
				for (unsigned i = 6; i < 16; i++)
					x->addr[i] = (uint8_t)rnd();
			}
		}
	}
}

/* A packet allowed by rule r (of its policy), or one that no rule allows. */
static void packet_for(const struct sg_rule *r, int allowed, uint8_t *proto, uint8_t addr[16],
		       uint32_t *l4, unsigned fam)
{
	memcpy(addr, r->addr, 16);
	/* inside the prefix: randomise the host bits */
	for (unsigned b = r->prefix_len; b < (fam == SG_V4 ? 32u : 128u); b++)
		if (rnd() & 1)
			addr[b / 8] ^= (uint8_t)(0x80 >> (b % 8));
	switch (r->proto) {
	case 6:
	case 17:
		*proto = (uint8_t)r->proto;
		*l4 = r->port_lo + rnd() % (r->port_hi - r->port_lo + 1u);
		break;
	case 1:
	case 58:
		*proto = (uint8_t)r->proto;
		*l4 = (uint32_t)r->icmp_type << 8 |
		      (r->icmp_code == SG_ANY ? rnd() % 16 : (uint32_t)r->icmp_code);
		break;
	default:
		*proto = 6;
		*l4 = rnd() % 65536;
		break;
	}
	if (!allowed)
		addr[fam == SG_V4 ? 0 : 2] = 0x7f; /* outside every rule's peers */
}

struct classify_fig {
	double acl, lin;
	unsigned allowed, total;
};

static int bench_classify(unsigned fam, unsigned n_pol, unsigned bursts, struct classify_fig *f)
{
	struct sg_rule(*rules)[RULES_PER_POLICY] = calloc(n_pol, sizeof(*rules));
	struct sg_policy *p = calloc(n_pol, sizeof(*p));
	uint64_t *ca = calloc(bursts, sizeof(uint64_t)), *cl = calloc(bursts, sizeof(uint64_t));
	struct sg_acl_in4 *in4 = calloc((size_t)bursts * BURST, sizeof(*in4));
	struct sg_acl_in6 *in6 = calloc((size_t)bursts * BURST, sizeof(*in6));
	struct sg_acl *a = NULL;
	struct sg_lin *l = NULL;
	double t0;
	int rc = 0;

	if (rules == NULL || p == NULL || ca == NULL || cl == NULL || in4 == NULL || in6 == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < n_pol; i++) {
		make_rules(rules[i], i, fam);
		p[i] = (struct sg_policy){
		    .id = i, .dir = SG_IN, .n_rules = RULES_PER_POLICY, .rules = rules[i]};
	}
	t0 = bench_now();
	a = sg_acl_build(p, n_pol, SOCKET_ID_ANY);
	if (a == NULL) {
		fprintf(stderr, "sg_acl_build: %s\n", strerror(errno));
		rc = -errno;
		goto out;
	}
	fprintf(stderr, "%s: %u policies x %u rules compiled in %.1f ms\n",
		fam == SG_V4 ? "IPv4" : "IPv6", n_pol, RULES_PER_POLICY, 1e3 * (bench_now() - t0));
	bench_figure(fam == SG_V4 ? "sg_acl_build_ms_v4" : "sg_acl_build_ms_v6",
		     1e3 * (bench_now() - t0), "ms", 0);
	l = sg_lin_build(p, n_pol);
	if (l == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < (size_t)bursts * BURST; i++) {
		unsigned pol = rnd() % n_pol;
		int allowed = rnd() % 2;
		const struct sg_rule *r = &rules[pol][rnd() % RULES_PER_POLICY];
		uint8_t proto, addr[16];
		uint32_t l4, peer;

		packet_for(r, allowed, &proto, addr, &l4, fam);
		memcpy(&peer, addr, 4);
		sg_acl_in4_set(&in4[i], pol, proto, peer, l4);
		sg_acl_in6_set(&in6[i], pol, proto, addr, l4);
	}
	f->allowed = f->total = 0;
	for (unsigned pass = 0; pass < 2; pass++) { /* the first pass warms up */
		for (unsigned b = 0; b < bursts; b++) {
			const void *pin[BURST];
			uint32_t ra[BURST], rl[BURST];
			uint64_t t;

			for (unsigned i = 0; i < BURST; i++)
				pin[i] = fam == SG_V4 ? (const void *)&in4[(size_t)b * BURST + i]
						      : (const void *)&in6[(size_t)b * BURST + i];
			t = rte_rdtsc_precise();
			if (fam == SG_V4)
				sg_acl_classify4(a, SG_IN, (const struct sg_acl_in4 *const *)pin,
						 ra, BURST);
			else
				sg_acl_classify6(a, SG_IN, (const struct sg_acl_in6 *const *)pin,
						 ra, BURST);
			ca[b] = rte_rdtsc_precise() - t;
			t = rte_rdtsc_precise();
			if (fam == SG_V4)
				sg_lin_classify4(l, SG_IN, (const struct sg_acl_in4 *const *)pin,
						 rl, BURST);
			else
				sg_lin_classify6(l, SG_IN, (const struct sg_acl_in6 *const *)pin,
						 rl, BURST);
			cl[b] = rte_rdtsc_precise() - t;
			for (unsigned i = 0; pass == 1 && i < BURST; i++) {
				if ((ra[i] != 0) != (rl[i] != 0))
					rc = -EPROTO;
				f->allowed += ra[i] != 0;
				f->total++;
			}
		}
	}
	f->acl = median_per_pkt(ca, bursts);
	f->lin = median_per_pkt(cl, bursts);
out:
	sg_acl_free(a);
	sg_lin_free(l);
	free(rules);
	free(p);
	free(ca);
	free(cl);
	free(in4);
	free(in6);
	return rc;
}

/* ct: F established flows looked up and updated a burst at a time, then F new ones inserted. */
static int bench_ct(unsigned flows, unsigned bursts, double *est, double *look, double *ins)
{
	struct ct_config c;
	struct ct_key *k = calloc((size_t)flows * 2, sizeof(*k));
	uint64_t *ce = calloc(bursts, sizeof(uint64_t)), *cl = calloc(bursts, sizeof(uint64_t));
	uint64_t *ci = calloc((flows + BURST - 1) / BURST, sizeof(uint64_t));
	unsigned nb_ins = 0;
	struct ct *ct = NULL;
	int rc = 0;

	if (k == NULL || ce == NULL || cl == NULL || ci == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	ct_config_default(&c);
	c.max_flows = flows * 2;
	ct = ct_create("sg_bench_ct", &c);
	if (ct == NULL) {
		fprintf(stderr, "ct_create: %s\n", strerror(errno));
		rc = -errno;
		goto out;
	}
	for (unsigned i = 0; i < flows * 2; i++) {
		uint32_t eni = rte_cpu_to_be_32(0x0a000000u | (i & 0xffff));
		uint32_t peer = rte_cpu_to_be_32(0xc6336400u ^ (i >> 16) ^ (i * 2654435761u));
		uint16_t ep = rte_cpu_to_be_16((uint16_t)(1024 + (i >> 16)));
		uint16_t pp = rte_cpu_to_be_16(443);

		ct_key4(&k[i], 1, i % 64, 6, eni, ep, peer, pp);
	}
	for (unsigned i = 0; i < flows; i++) /* the established ones */
		if (ct_insert(ct, &k[i], CT_FROM_ENI, CT_TCP_SYN, 1, NULL) != 0 ||
		    ct_insert(ct, &k[i], CT_TO_ENI, CT_TCP_SYN | CT_TCP_ACK, 1, NULL) != 0) {
			rc = -ENOSPC;
			goto out;
		}
	for (unsigned b = 0; b < bursts; b++) {
		const struct ct_key *kp[BURST];
		int32_t pos[BURST];
		uint64_t t, hit;

		for (unsigned i = 0; i < BURST; i++)
			kp[i] = &k[rnd() % flows];
		/* a per-burst clock that advances now and then, as a ms clock would */
		t = rte_rdtsc_precise();
		hit = ct_lookup_bulk(ct, kp, BURST, pos);
		for (unsigned i = 0; i < BURST; i++)
			if (hit >> i & 1)
				ct_update(ct, pos[i], i & 1 ? CT_TO_ENI : CT_FROM_ENI, CT_TCP_ACK,
					  2 + b / 64);
		ce[b] = rte_rdtsc_precise() - t;
		if (hit != (1ull << BURST) - 1) {
			rc = -EPROTO;
			goto out;
		}
	}
	for (unsigned b = 0; b < bursts; b++) { /* the lookup alone */
		const struct ct_key *kp[BURST];
		int32_t pos[BURST];
		uint64_t t;

		for (unsigned i = 0; i < BURST; i++)
			kp[i] = &k[rnd() % flows];
		t = rte_rdtsc_precise();
		ct_lookup_bulk(ct, kp, BURST, pos);
		cl[b] = rte_rdtsc_precise() - t;
	}
	for (unsigned base = flows; base + BURST <= flows * 2; base += BURST) {
		uint64_t t = rte_rdtsc_precise();

		for (unsigned i = 0; i < BURST; i++)
			ct_insert(ct, &k[base + i], CT_FROM_ENI, CT_TCP_SYN, 3, NULL);
		ci[nb_ins++] = rte_rdtsc_precise() - t;
	}
	*est = median_per_pkt(ce, bursts);
	*look = median_per_pkt(cl, bursts);
	*ins = median_per_pkt(ci, nb_ins);
out:
	ct_free(ct);
	free(k);
	free(ce);
	free(cl);
	free(ci);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned n_pol = argc > 1 ? (unsigned)atoi(argv[1]) : 16;
	unsigned flows = argc > 2 ? (unsigned)atoi(argv[2]) : 262144;
	unsigned bursts = argc > 3 ? (unsigned)atoi(argv[3]) : 20000;
	const struct bench_eal_params eal = {.lcores = "0", .mem_mb = 2048};
	struct classify_fig f4 = {0}, f6 = {0};
	double est = 0, look = 0, ins = 0;
	int rc;

	if (n_pol == 0 || flows < BURST || bursts == 0) {
		fprintf(stderr, "usage: %s [policies] [flows] [bursts]\n", argv[0]);
		return 2;
	}
	if (bench_eal_init_params(argv[0], "sg-bench", &eal) != 0)
		return 1;
	rc = bench_classify(SG_V4, n_pol, bursts, &f4);
	if (rc == 0)
		rc = bench_classify(SG_V6, n_pol, bursts, &f6);
	if (rc == 0)
		rc = bench_ct(flows, bursts, &est, &look, &ins);
	if (rc != 0) {
		fprintf(stderr, "sg_bench failed: %s\n", strerror(-rc));
		bench_eal_cleanup();
		return 1;
	}
	printf("security groups, %u policies x %u rules, bursts of %u, %u bursts; TSC cycles per "
	       "packet (median burst)\n",
	       n_pol, RULES_PER_POLICY, BURST, bursts);
	printf("  classify IPv4  rte_acl %7.1f   linear %7.1f   (%u of %u allowed)\n", f4.acl,
	       f4.lin, f4.allowed, f4.total);
	printf("  classify IPv6  rte_acl %7.1f   linear %7.1f   (%u of %u allowed)\n", f6.acl,
	       f6.lin, f6.allowed, f6.total);
	printf(
	    "  conntrack, %u flows: established lookup+update %.1f (lookup alone %.1f), new flow "
	    "insert %.1f\n",
	    flows, est, look, ins);
	bench_figure("sg_classify_acl_v4", f4.acl, "cycles/packet", f4.lin);
	bench_figure("sg_classify_acl_v6", f6.acl, "cycles/packet", f6.lin);
	bench_figure("ct_established_lookup_update", est, "cycles/packet", 25);
	bench_figure("ct_established_lookup_only", look, "cycles/packet", 25);
	bench_figure("ct_new_flow_insert", ins, "cycles/packet", 400);
	bench_figure("sg_new_flow_classify_v4_plus_insert", f4.acl + ins, "cycles/packet", 400);
	bench_eal_cleanup();
	return 0;
}
