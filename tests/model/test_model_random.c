/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * 100,000 random operations (valid and invalid, fixed seed) on two small
 * VPCs with the same 10.0.0.0/16 and overlapping subnets (R31), checking
 * after each one:
 * - an address is owned by at most one ENI of its VPC, and every delta entry
 *   naming a private IPv4 carries the VPC slot of the ENI owning it;
 * - EIP <-> private address is 1:1, and the private address is the ENI's;
 * - per-ENI counts are within the instance type's limits (largest type's
 *   when detached);
 * - every address lies in its subnet and outside the reserved ones;
 * - primaries never move;
 * - a failed operation leaves the delta empty (and, sampled, the dump identical);
 * - the deltas, applied in order to a plain reference map, reproduce the
 *   model's own address map (compared through model_foreach_eni/eip);
 * - security groups (R24-R26): every ENI has 1 to 5 distinct groups of its
 *   own VPC; every group's member count is the number of ENIs that have it,
 *   and model_foreach_sg_member lists exactly those; at most 60 rules per
 *   direction; a rule's peer group exists, in the same VPC; every VPC has
 *   its default group.
 */
#include "fixture.h"

#define OPS 100000
#define MAX_IDS 4096
#define MAX_SLOTS 4096
#define V6_IIDS 4096
#define NS 6 /* subnets: 4 in the first VPC, 2 in the second */
#define NVPC 2

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* ids ever seen (some go stale: their use tests the NotFound paths) */
struct idlist {
	char id[MAX_IDS][MODEL_ID_MAX];
	size_t n;
};

static void idl_add(struct idlist *l, const char *id)
{
	if (l->n < MAX_IDS)
		snprintf(l->id[l->n++], MODEL_ID_MAX, "%s", id);
	else
		snprintf(l->id[pick(MAX_IDS)], MODEL_ID_MAX, "%s", id);
}

static const char *idl_pick(const struct idlist *l)
{
	return l->n ? l->id[pick((unsigned)l->n)] : "none-1";
}

static struct world W;
static struct idlist sgs; /* security groups ever seen */

static bool eni_live(const char *id)
{
	return model_get_eni(W.m, id, NULL) == 0;
}

static bool inst_live(const char *id)
{
	return model_get_instance(W.m, id, NULL) == 0;
}

static bool alloc_live(const char *id)
{
	return model_get_eip(W.m, id, NULL) == 0;
}

/* Mostly a live id (a few tries), sometimes any id ever seen. */
static const char *idl_pick_live(const struct idlist *l, bool (*live)(const char *))
{
	if (pick(10) == 0)
		return idl_pick(l);
	for (int t = 0; t < 8; t++) {
		const char *id = idl_pick(l);
		if (live(id))
			return id;
	}
	return idl_pick(l);
}

static bool sg_live(const char *id)
{
	return model_get_sg(W.m, id, NULL) == 0;
}

/* A group: mostly one that exists. */
static const char *sg_pick(void)
{
	return idl_pick_live(&sgs, sg_live);
}

/* the reference map, fed only by deltas */
struct ref {
	struct {
		uint8_t on;
		uint32_t eni, eip;
	} v4[NVPC][65536]; /* per VPC slot: 10.0.x.y */
	size_t n4;
	struct {
		uint8_t on;
		uint32_t eni;
	} v6[4][V6_IIDS]; /* subnets 2600:1f18:1:10{0..3}::/64 */
	size_t n6;
	struct {
		uint8_t on;
		uint32_t priv, vpc, eni;
	} eip[256]; /* 198.51.100.x */
	size_t neip;
	struct {
		uint8_t on;
		uint32_t refs;
		struct eni_fwd f;
	} eni[MAX_SLOTS];
};

static struct ref R;

static uint32_t v4_idx(uint32_t net)
{
	uint32_t h = ntohl(net);

	assert_int_equal(h >> 16, 0x0a00);
	return h & 0xffff;
}

static void v6_idx(const uint8_t a[16], unsigned *s, unsigned *iid)
{
	static const uint8_t pfx[7] = {0x26, 0x00, 0x1f, 0x18, 0x00, 0x01, 0x01};

	assert_memory_equal(a, pfx, 7);
	*s = a[7];
	assert_true(*s < 4);
	for (int i = 8; i < 14; i++)
		assert_int_equal(a[i], 0);
	*iid = (unsigned)a[14] << 8 | a[15];
	assert_true(*iid < V6_IIDS);
}

static void ref_apply(const struct delta *d)
{
	for (size_t k = 0; k < d->n; k++) {
		const struct delta_entry *e = &d->e[k];
		unsigned s, iid;
		uint32_t i;

		switch (e->kind) {
		case DELTA_ENI_SET:
			assert_true(e->eni.slot < MAX_SLOTS);
			R.eni[e->eni.slot].on = 1;
			R.eni[e->eni.slot].f = e->eni;
			break;
		case DELTA_ENI_DEL:
			assert_true(R.eni[e->eni.slot].on);
			assert_int_equal(R.eni[e->eni.slot].refs, 0); /* addresses went first */
			R.eni[e->eni.slot].on = 0;
			break;
		case DELTA_V4_SET:
			i = v4_idx(e->v4.addr);
			assert_true(R.eni[e->v4.eni].on); /* the ENI came first */
			/* the address is keyed by its owner's VPC (R31) */
			assert_int_equal(e->v4.vpc, R.eni[e->v4.eni].f.vpc);
			assert_true(e->v4.vpc < NVPC);
			if (R.v4[e->v4.vpc][i].on)
				R.eni[R.v4[e->v4.vpc][i].eni].refs--;
			else
				R.n4++;
			R.v4[e->v4.vpc][i].on = 1;
			R.v4[e->v4.vpc][i].eni = e->v4.eni;
			R.v4[e->v4.vpc][i].eip = e->v4.eip;
			R.eni[e->v4.eni].refs++;
			break;
		case DELTA_V4_DEL:
			i = v4_idx(e->v4.addr);
			assert_true(e->v4.vpc < NVPC);
			assert_true(R.v4[e->v4.vpc][i].on);
			R.eni[R.v4[e->v4.vpc][i].eni].refs--;
			R.v4[e->v4.vpc][i].on = 0;
			R.n4--;
			break;
		case DELTA_V6_SET:
			v6_idx(e->v6.addr, &s, &iid);
			assert_true(R.eni[e->v6.eni].on);
			if (R.v6[s][iid].on)
				R.eni[R.v6[s][iid].eni].refs--;
			else
				R.n6++;
			R.v6[s][iid].on = 1;
			R.v6[s][iid].eni = e->v6.eni;
			R.eni[e->v6.eni].refs++;
			break;
		case DELTA_V6_DEL:
			v6_idx(e->v6.addr, &s, &iid);
			assert_true(R.v6[s][iid].on);
			R.eni[R.v6[s][iid].eni].refs--;
			R.v6[s][iid].on = 0;
			R.n6--;
			break;
		case DELTA_EIP_SET:
			i = ntohl(e->eip.eip) & 0xff;
			if (!R.eip[i].on)
				R.neip++;
			R.eip[i].on = 1;
			R.eip[i].priv = e->eip.priv;
			R.eip[i].eni = e->eip.eni;
			R.eip[i].vpc = e->eip.vpc;
			assert_int_equal(e->eip.vpc, R.eni[e->eip.eni].f.vpc);
			break;
		case DELTA_EIP_DEL:
			i = ntohl(e->eip.eip) & 0xff;
			assert_true(R.eip[i].on);
			R.eip[i].on = 0;
			R.neip--;
			break;
		default:
			break; /* routes and subnets: not part of the address map */
		}
	}
}

/* ---- the world ---- */

struct subnet_info {
	char id[MODEL_ID_MAX];
	uint32_t base; /* host order */
	uint32_t size;
	int v6;	      /* index of its /64, -1 none */
	uint32_t vpc; /* 0: the first VPC, 1: the second (their slots, by creation order) */
};

static struct subnet_info S[NS];
static struct idlist enis, atts, insts, allocs, assocs;
static char vpc_ids[NVPC][MODEL_ID_MAX];
static char primary_of[MAX_SLOTS][MODEL_ID_MAX]; /* slot -> ENI id (for primaries) */
static uint32_t primary_ip[MAX_SLOTS];
static unsigned max4_any = 50, max6_any = 50;

static void make_v4(const struct subnet_info *s, char *out)
{
	uint32_t a;

	switch (pick(20)) {
	case 0: /* outside every subnet */
		a = htonl(0x0a00c000 | pick(256));
		break;
	case 1: /* malformed */
		snprintf(out, INET6_ADDRSTRLEN, "10.0.%u.%u0", pick(300), pick(300));
		return;
	default: /* anywhere in the subnet, reserved ones included */
		a = htonl(s->base + pick(s->size));
	}
	inet_ntop(AF_INET, &a, out, INET6_ADDRSTRLEN);
}

static void make_v6(const struct subnet_info *s, char *out)
{
	unsigned sub = s->v6 >= 0 ? (unsigned)s->v6 : 0;

	if (pick(20) == 0)
		sub = pick(4); /* maybe another subnet's */
	snprintf(out, INET6_ADDRSTRLEN, "2600:1f18:1:10%u::%x", sub, pick(64));
}

static const struct subnet_info *subnet_of(const char *eni)
{
	struct model_eni_view v;

	if (model_get_eni(W.m, eni, &v) == 0)
		for (int k = 0; k < NS; k++)
			if (!strcmp(S[k].id, v.subnet_id))
				return &S[k];
	return &S[pick(NS)];
}

static void setup_world(void)
{
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	/* the second VPC's subnets overlap the first's 0 and 3 (R31) */
	static const char *sc4[NS] = {"10.0.0.0/26", "10.0.0.64/27", "10.0.0.128/28",
				      "10.0.1.0/26", "10.0.0.0/26",  "10.0.1.0/27"};
	static const char *sc6[NS] = {"2600:1f18:1:100::/64", "2600:1f18:1:101::/64", NULL,
				      "2600:1f18:1:103::/64"};
	const char *c4b[] = {"10.0.0.0/16"};
	struct model_vpc_req vb = {.cidr4 = c4b, .n_cidr4 = 1};
	char vpc2[MODEL_ID_MAX];
	static const char *types[] = {"t1.micro", "t2.micro",  "t3.medium",
				      "m5.large", "m5.xlarge", "t3.large"};
	struct model_vpc_view vv;

	W.m = model_create();
	assert_non_null(W.m);
	OK(&W, model_create_vpc(W.m, &v, W.vpc, &W.d, &W.err));
	assert_int_equal(model_get_vpc(W.m, W.vpc, &vv), 0);
	snprintf(W.rtb, sizeof(W.rtb), "%s", vv.main_route_table_id);
	OK(&W, model_create_vpc(W.m, &vb, vpc2, &W.d, &W.err));
	snprintf(vpc_ids[0], MODEL_ID_MAX, "%s", W.vpc);
	snprintf(vpc_ids[1], MODEL_ID_MAX, "%s", vpc2);
	for (int k = 0; k < NVPC; k++) {
		struct model_sg_view g;
		assert_int_equal(model_get_default_sg(W.m, vpc_ids[k], &g), 0);
		idl_add(&sgs, g.id);
	}
	for (int k = 0; k < NS; k++) {
		struct model_subnet_req s = {.vpc_id = k < 4 ? W.vpc : vpc2,
					     .az = k == 3 || k == 5 ? "az-b" : "az-a",
					     .cidr4 = sc4[k],
					     .cidr6 = sc6[k]};
		uint32_t base;
		OK(&W, model_create_subnet(W.m, &s, S[k].id, &W.d, &W.err));
		inet_pton(AF_INET, sc4[k], &base);
		base = 0;
		/* parse base/len by hand */
		unsigned a, b, c, d, len;
		sscanf(sc4[k], "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len);
		S[k].base = a << 24 | b << 16 | c << 8 | d;
		S[k].size = 1u << (32 - len);
		S[k].v6 = sc6[k] ? k : -1;
		S[k].vpc = k < 4 ? 0 : 1;
	}
	for (int k = 0; k < 8; k++) {
		char id[MODEL_ID_MAX];
		struct model_instance_req r = {.type = types[k % 6],
					       .az = k == 7 ? "az-b" : "az-a",
					       .state = k == 5 ? MODEL_STOPPED : MODEL_RUNNING,
					       .host_port = (uint16_t)k};
		OK(&W, model_create_instance(W.m, &r, id, &W.err));
		idl_add(&insts, id);
	}
	OK(&W, model_add_public_pool(W.m, "198.51.100.0/26", &W.err));
	OK(&W, model_create_route(W.m, W.rtb, "0.0.0.0/0", "igw", &W.d, &W.err));
	ref_apply(&W.d);
	delta_reset(&W.d);
}

/* ---- invariants ---- */

struct check {
	size_t n4, n6, neni;
	size_t both; /* checks that found one address owned in both VPCs (summed) */
	uint32_t round;
	uint32_t seen4[NVPC][65536]; /* == round: seen in this check */
};

static struct check C;

static int check_eni(const struct model_eni_view *v, void *arg)
{
	const struct subnet_info *s = NULL;
	unsigned max4 = max4_any, max6 = max6_any;
	(void)arg;

	for (int k = 0; k < NS; k++)
		if (!strcmp(S[k].id, v->subnet_id))
			s = &S[k];
	assert_non_null(s);
	assert_true(v->slot < MAX_SLOTS);
	C.neni++;
	/* delivery info as the reference map has it */
	assert_true(R.eni[v->slot].on);
	assert_memory_equal(R.eni[v->slot].f.mac, v->mac, 6);
	assert_int_equal(R.eni[v->slot].f.source_dest_check, v->source_dest_check);
	assert_int_equal(R.eni[v->slot].f.vpc, s->vpc); /* its subnet's VPC */
	if (v->instance_id) {
		struct model_instance_view iv;
		struct model_instance_type_view tv;
		assert_int_equal(model_get_instance(W.m, v->instance_id, &iv), 0);
		assert_int_equal(model_get_instance_type(W.m, iv.type, &tv), 0);
		max4 = tv.max_ipv4_per_eni;
		max6 = tv.max_ipv6_per_eni;
		assert_int_equal(R.eni[v->slot].f.state,
				 iv.state == MODEL_RUNNING ? ENI_FWD_OK : ENI_FWD_STOPPED);
		assert_int_equal(R.eni[v->slot].f.port, iv.host_port);
	} else {
		assert_int_equal(R.eni[v->slot].f.state, ENI_FWD_DETACHED);
	}
	assert_true(1 + v->n_secondary <= max4);
	assert_true(v->n_ipv6 <= max6);
	/* primaries never move */
	assert_string_equal(primary_of[v->slot], v->id);
	assert_int_equal(primary_ip[v->slot], v->primary_ip);
	for (size_t k = 0; k <= v->n_secondary; k++) {
		uint32_t a = k ? v->secondary_ips[k - 1] : v->primary_ip, h = ntohl(a);
		uint32_t i = v4_idx(a);
		struct model_eip_view pv;
		assert_true(h >= s->base + 4 &&
			    h < s->base + s->size - 1);	    /* inside, not reserved */
		assert_true(C.seen4[s->vpc][i] != C.round); /* one owner in its VPC */
		C.seen4[s->vpc][i] = C.round;
		C.both += C.seen4[1 - s->vpc][i] == C.round;
		C.n4++;
		assert_true(R.v4[s->vpc][i].on);
		assert_int_equal(R.v4[s->vpc][i].eni, v->slot);
		if (model_get_eip_by_private(W.m, v->vpc_id, a, &pv) == 0) {
			assert_int_equal(R.v4[s->vpc][i].eip, pv.public_ip);
			assert_string_equal(pv.eni_id, v->id);
		} else {
			assert_int_equal(R.v4[s->vpc][i].eip, DELTA_NO_EIP);
		}
	}
	for (size_t k = 0; k < v->n_ipv6; k++) {
		unsigned sub, iid;
		v6_idx(v->ipv6[k].s6_addr, &sub, &iid);
		assert_int_equal((int)sub, s->v6);
		assert_true(iid >= 4);
		assert_true(R.v6[sub][iid].on);
		assert_int_equal(R.v6[sub][iid].eni, v->slot);
		C.n6++;
	}
	return 0;
}

static int check_eip(const struct model_eip_view *v, void *arg)
{
	uint32_t i = ntohl(v->public_ip) & 0xff;
	size_t *nassoc = arg;

	if (!v->association_id) {
		assert_false(R.eip[i].on);
		return 0;
	}
	(*nassoc)++;
	assert_true(R.eip[i].on);
	assert_int_equal(R.eip[i].priv, v->private_ip);
	/* the private address is its ENI's, and carries this EIP back */
	assert_true(R.eip[i].vpc < NVPC);
	assert_true(R.v4[R.eip[i].vpc][v4_idx(v->private_ip)].on);
	assert_int_equal(R.eip[i].eni, R.v4[R.eip[i].vpc][v4_idx(v->private_ip)].eni);
	assert_int_equal(R.v4[R.eip[i].vpc][v4_idx(v->private_ip)].eip, v->public_ip);
	return 0;
}

/* ---- security group invariants ---- */

#define MAX_SG 512
struct sg_tally {
	char id[MAX_SG][MODEL_ID_MAX];
	size_t members[MAX_SG], listed[MAX_SG], n;
};
static struct sg_tally T;

static size_t tally_slot(const char *id)
{
	for (size_t k = 0; k < T.n; k++)
		if (strcmp(T.id[k], id) == 0)
			return k;
	assert_true(T.n < MAX_SG);
	snprintf(T.id[T.n], MODEL_ID_MAX, "%s", id);
	T.members[T.n] = T.listed[T.n] = 0;
	return T.n++;
}

static int check_eni_groups(const struct model_eni_view *v, void *arg)
{
	(void)arg;
	assert_true(v->n_groups >= 1 && v->n_groups <= MODEL_GROUPS_MAX);
	for (size_t k = 0; k < v->n_groups; k++) {
		struct model_sg_view g;
		assert_int_equal(model_get_sg(W.m, v->groups[k], &g), 0);
		assert_string_equal(g.vpc_id, v->vpc_id);
		for (size_t j = 0; j < k; j++)
			assert_string_not_equal(v->groups[j], v->groups[k]);
		T.members[tally_slot(v->groups[k])]++;
	}
	return 0;
}

static int count_listed(const struct model_eni_view *v, void *arg)
{
	size_t *n = arg;
	bool has = false;
	for (size_t k = 0; k < v->n_groups; k++)
		has = has || strcmp(v->groups[k], T.id[*n]) == 0;
	assert_true(has); /* a listed member has the group */
	T.listed[*n]++;
	return 0;
}

static int check_group(const struct model_sg_view *g, void *arg)
{
	size_t in = 0, out = 0, k = tally_slot(g->id);
	(void)arg;
	for (size_t r = 0; r < g->n_rules; r++) {
		const struct model_sg_rule_view *x = &g->rules[r];
		*(x->egress ? &out : &in) += 1;
		assert_int_equal(!!x->cidr4 + !!x->cidr6 + !!x->peer_group_id, 1);
		if (x->peer_group_id) {
			struct model_sg_view p;
			assert_int_equal(model_get_sg(W.m, x->peer_group_id, &p), 0);
			assert_string_equal(p.vpc_id, g->vpc_id);
		}
	}
	assert_true(in <= MODEL_SG_RULES_MAX && out <= MODEL_SG_RULES_MAX);
	assert_int_equal(g->n_members, T.members[k]);
	assert_int_equal(model_foreach_sg_member(W.m, g->id, count_listed, &k), 0);
	assert_int_equal(T.listed[k], g->n_members);
	return 0;
}

static void check_groups(void)
{
	T.n = 0;
	model_foreach_eni(W.m, check_eni_groups, NULL);
	model_foreach_sg(W.m, check_group, NULL);
	for (int v = 0; v < NVPC; v++)
		assert_int_equal(model_get_default_sg(W.m, vpc_ids[v], NULL), 0);
}

static void check_all(void)
{
	size_t nassoc = 0, neni_ref = 0;

	C.n4 = C.n6 = C.neni = 0;
	C.round++;
	model_foreach_eni(W.m, check_eni, NULL);
	/* same sizes + every model entry found in the reference = same maps */
	assert_int_equal(C.n4, R.n4);
	assert_int_equal(C.n6, R.n6);
	model_foreach_eip(W.m, check_eip, &nassoc);
	assert_int_equal(nassoc, R.neip);
	for (size_t s = 0; s < MAX_SLOTS; s++)
		neni_ref += R.eni[s].on;
	assert_int_equal(neni_ref, C.neni);
	check_groups();
}

/* ---- operations ---- */

static int op_create_eni(void)
{
	const struct subnet_info *s = &S[pick(NS)];
	char prim[INET6_ADDRSTRLEN], sec[3][INET6_ADDRSTRLEN], v6[2][INET6_ADDRSTRLEN],
	    id[MODEL_ID_MAX];
	const char *secp[3] = {sec[0], sec[1], sec[2]}, *v6p[2] = {v6[0], v6[1]};
	struct model_eni_req r = {.subnet_id = pick(30) ? s->id : "subnet-nope",
				  .source_dest_check = pick(4) != 0,
				  .delete_on_termination = pick(2)};
	struct model_eni_view v;

	if (pick(2)) {
		make_v4(s, prim);
		r.primary_ip = prim;
	}
	if (pick(2)) {
		r.n_secondary_ips = pick(4);
		for (size_t k = 0; k < r.n_secondary_ips; k++)
			make_v4(s, sec[k]);
		r.secondary_ips = secp;
	}
	if (pick(2))
		r.secondary_count = pick(4);
	if (pick(3) == 0) {
		r.n_ipv6 = 1 + pick(2);
		for (size_t k = 0; k < r.n_ipv6; k++)
			make_v6(s, v6[k]);
		r.ipv6 = v6p;
	} else if (pick(3) == 0) {
		r.ipv6_count = pick(3);
	}
	const char *groups[3] = {sg_pick(), sg_pick(), sg_pick()};
	if (pick(6) == 0) {
		r.groups = groups;
		r.n_groups = 1 + pick(3);
	}
	if (model_create_eni(W.m, &r, id, &W.d, &W.err) < 0)
		return -1;
	idl_add(&enis, id);
	assert_int_equal(model_get_eni(W.m, id, &v), 0);
	snprintf(primary_of[v.slot], MODEL_ID_MAX, "%s", id);
	primary_ip[v.slot] = v.primary_ip;
	return 0;
}

static int op_assign(bool v6)
{
	const char *eni = idl_pick_live(&enis, eni_live);
	const struct subnet_info *s = subnet_of(eni);
	char a[4][INET6_ADDRSTRLEN];
	const char *ap[4] = {a[0], a[1], a[2], a[3]};
	struct model_assign_req r = {.eni_id = eni, .allow_reassignment = pick(2)};
	struct model_addr_list got = {0};
	int rc;

	if (pick(2)) {
		r.n_addrs = pick(5);
		for (size_t k = 0; k < r.n_addrs; k++) {
			if (v6)
				make_v6(s, a[k]);
			else
				make_v4(s, a[k]);
		}
		r.addrs = ap;
	}
	if (pick(3) == 0 || !r.n_addrs)
		r.count = pick(4);
	rc = v6 ? model_assign_ipv6(W.m, &r, &got, &W.d, &W.err)
		: model_assign_private_ips(W.m, &r, &got, &W.d, &W.err);
	model_addr_list_free(&got);
	return rc;
}

static int op_unassign(bool v6)
{
	const char *eni = idl_pick_live(&enis, eni_live);
	struct model_eni_view v;
	char a[3][INET6_ADDRSTRLEN];
	const char *ap[3] = {a[0], a[1], a[2]};
	size_t n = 1 + pick(3);

	if (model_get_eni(W.m, eni, &v) < 0)
		return v6 ? model_unassign_ipv6(W.m, eni, ap, 0, &W.d, &W.err)
			  : model_unassign_private_ips(W.m, eni, ap, 0, &W.d, &W.err);
	for (size_t k = 0; k < n; k++) {
		if (v6 && v.n_ipv6 && pick(8))
			inet_ntop(AF_INET6, &v.ipv6[pick((unsigned)v.n_ipv6)], a[k], sizeof(a[k]));
		else if (!v6 && v.n_secondary && pick(8))
			inet_ntop(AF_INET, &v.secondary_ips[pick((unsigned)v.n_secondary)], a[k],
				  sizeof(a[k]));
		else if (v6)
			make_v6(subnet_of(eni), a[k]);
		else if (pick(4) == 0)
			inet_ntop(AF_INET, &v.primary_ip, a[k], sizeof(a[k]));
		else
			make_v4(subnet_of(eni), a[k]);
	}
	return v6 ? model_unassign_ipv6(W.m, eni, ap, n, &W.d, &W.err)
		  : model_unassign_private_ips(W.m, eni, ap, n, &W.d, &W.err);
}

static int op_attach(void)
{
	char att[MODEL_ID_MAX];
	struct model_attach_req r = {.eni_id = idl_pick_live(&enis, eni_live),
				     .instance_id = idl_pick_live(&insts, inst_live),
				     .device_index = (int)pick(5) - (pick(50) == 0),
				     .delete_on_termination = pick(2)};

	if (model_attach_eni(W.m, &r, att, &W.d, &W.err) < 0)
		return -1;
	idl_add(&atts, att);
	return 0;
}

static int op_associate(void)
{
	char a[INET6_ADDRSTRLEN], id[MODEL_ID_MAX];
	const char *eni = idl_pick_live(&enis, eni_live);
	struct model_associate_req r = {.allocation_id = idl_pick_live(&allocs, alloc_live),
					.allow_reassociation = pick(4) != 0};
	struct model_eni_view v;

	if (pick(10) == 0)
		r.instance_id = idl_pick_live(&insts, inst_live);
	else
		r.eni_id = eni;
	if (pick(2) && model_get_eni(W.m, eni, &v) == 0) {
		if (v.n_secondary && pick(3))
			inet_ntop(AF_INET, &v.secondary_ips[pick((unsigned)v.n_secondary)], a,
				  sizeof(a));
		else
			make_v4(subnet_of(eni), a);
		r.private_ip = a;
	}
	if (model_associate_address(W.m, &r, id, &W.d, &W.err) < 0)
		return -1;
	idl_add(&assocs, id);
	return 0;
}

static int op_allocate(void)
{
	char id[MODEL_ID_MAX], given[INET_ADDRSTRLEN];

	snprintf(given, sizeof(given), "198.51.100.%u", pick(256));
	if (model_allocate_address(W.m, NULL, pick(4) ? NULL : given, id, NULL, &W.err) < 0)
		return -1;
	idl_add(&allocs, id);
	return 0;
}

static int op_create_instance(void)
{
	static const char *types[] = {"t1.micro", "t2.micro", "t3.medium", "m5.large", "bogus"};
	char id[MODEL_ID_MAX];
	struct model_instance_req r = {.type = types[pick(5)],
				       .az = pick(5) ? "az-a" : "az-b",
				       .state = pick(4) ? MODEL_RUNNING : MODEL_STOPPED,
				       .host_port = (uint16_t)pick(4)};

	if (model_create_instance(W.m, &r, id, &W.err) < 0)
		return -1;
	idl_add(&insts, id);
	return 0;
}

/* ---- security group operations ---- */

static int op_create_sg(void)
{
	static const char *names[] = {"a", "b", "c", "d", "e", "default", "sg-x"};
	char id[MODEL_ID_MAX];
	struct model_sg_req r = {.vpc_id = pick(20) ? vpc_ids[pick(NVPC)] : "vpc-nope",
				 .name = names[pick(7)],
				 .bare = pick(2)};
	if (model_create_security_group(W.m, &r, id, &W.err) < 0)
		return -1;
	idl_add(&sgs, id);
	return 0;
}

/* A permission of few values, so that duplicates and matches for revoke are common. */
static struct model_sg_perm random_perm(char *port)
{
	static const char *protos[] = {"tcp", "udp", "icmp", "-1", "6", "xyz", "47"};
	static const char *cidrs[] = {"0.0.0.0/0", "10.0.0.0/8", "10.0.1.0/24", "10.0.0.1/8"};
	struct model_sg_perm p = {.protocol = protos[pick(7)]};
	snprintf(port, 8, "%d", (int)pick(4) * 20 - 1);
	p.from_port = port;
	p.to_port = pick(4) ? port : "80";
	switch (pick(4)) {
	case 0:
	case 1:
		p.cidr4 = cidrs[pick(4)];
		break;
	case 2:
		p.cidr6 = pick(2) ? "::/0" : "2600:1f18::/32";
		break;
	default:
		p.group_id = sg_pick();
	}
	return p;
}

static int op_sg_rules(bool authorize)
{
	char ports[3][8];
	struct model_sg_perm p[3] = {random_perm(ports[0]), random_perm(ports[1]),
				     random_perm(ports[2])};
	size_t n = 1 + pick(3);
	const char *g = sg_pick();
	bool egress = pick(2);
	return authorize ? model_authorize_sg(W.m, g, egress, p, n, NULL, &W.err)
			 : model_revoke_sg(W.m, g, egress, p, n, &W.err);
}

static int op_revoke_rule_id(void)
{
	struct model_sg_view g;
	const char *gid = sg_pick(), *rid = "sgr-00000000000000bad";
	char id[MODEL_ID_MAX];
	bool egress = pick(2);
	if (model_get_sg(W.m, gid, &g) == 0 && g.n_rules) {
		const struct model_sg_rule_view *r = &g.rules[pick((unsigned)g.n_rules)];
		snprintf(id, sizeof(id), "%s", r->id);
		rid = id;
		egress = pick(4) ? r->egress : !r->egress;
	}
	return model_revoke_sg_rules(W.m, gid, egress, &rid, 1, &W.err);
}

static int op_eni_groups(void)
{
	const char *groups[6];
	size_t n = pick(7);
	for (size_t k = 0; k < n; k++)
		groups[k] = sg_pick();
	return model_set_eni_groups(W.m, idl_pick_live(&enis, eni_live), groups, n, &W.d, &W.err);
}

static int do_op(unsigned op)
{
	switch (op) {
	case 0:
	case 1:
	case 2:
		return op_create_eni();
	case 3:
		return model_delete_eni(W.m, idl_pick_live(&enis, eni_live), &W.d, &W.err);
	case 4:
	case 5:
	case 6:
		return op_attach();
	case 7:
	case 8:
		return model_detach_eni(W.m, idl_pick(&atts), pick(2), &W.d, &W.err);
	case 9:
	case 10:
	case 11:
	case 12:
		return op_assign(false);
	case 13:
	case 14:
	case 15:
		return op_unassign(false);
	case 16:
	case 17:
		return op_assign(true);
	case 18:
		return op_unassign(true);
	case 19:
	case 20:
		return op_allocate();
	case 21:
		return model_release_address(W.m, idl_pick_live(&allocs, alloc_live), &W.err);
	case 22:
	case 23:
	case 24:
		return op_associate();
	case 25:
		return model_disassociate_address(W.m, idl_pick(&assocs), &W.d, &W.err);
	case 26:
		return model_stop_instance(W.m, idl_pick_live(&insts, inst_live), &W.d, &W.err);
	case 27:
		return model_start_instance(W.m, idl_pick_live(&insts, inst_live), &W.d, &W.err);
	case 28:
		return model_set_source_dest_check(W.m, idl_pick_live(&enis, eni_live), pick(2),
						   &W.d, &W.err);
	case 29:
		return pick(4) ? op_create_instance()
			       : model_terminate_instance(W.m, idl_pick_live(&insts, inst_live),
							  &W.d, &W.err);
	case 30:
		return op_create_sg();
	case 31:
		return pick(3) ? op_create_sg()
			       : model_delete_security_group(W.m, sg_pick(), &W.err);
	case 32:
	case 33:
		return op_sg_rules(true);
	case 34:
		return op_sg_rules(false);
	case 35:
		return op_revoke_rule_id();
	case 36:
		return op_eni_groups();
	}
	return -1;
}

static void random_operations_keep_every_invariant(void **state)
{
	size_t ok = 0, failed = 0;
	(void)state;

	setup_world();
	check_all();
	for (unsigned i = 0; i < OPS; i++) {
		char *before = NULL;
		bool sample = i % 16 == 0;
		int rc;

		if (sample)
			before = dump_str(W.m);
		W.err.code[0] = 0;
		rc = do_op(pick(37));
		if (rc == 0) {
			ok++;
		} else {
			failed++;
			assert_int_equal(rc, -1);
			assert_true(W.err.code[0] != 0);
			assert_int_equal(W.d.n, 0); /* nothing happened */
			if (getenv("MODEL_RANDOM_VERBOSE"))
				fprintf(stderr, "%s\n", W.err.code);
			if (sample) {
				char *after = dump_str(W.m);
				assert_string_equal(before, after);
				free(after);
			}
		}
		free(before);
		ref_apply(&W.d);
		delta_reset(&W.d);
		check_all();
	}
	/* both kinds happened in numbers */
	print_message("%zu operations succeeded, %zu failed; %zu times an address was owned in "
		      "both VPCs\n",
		      ok, failed, C.both);
	assert_true(ok > OPS / 5);
	assert_true(C.both > OPS / 10); /* the overlap (R31) was exercised */
	assert_true(failed > OPS / 5);
	/* and the full delta, applied to an empty map, gives the same map again */
	struct delta full = {0};
	memset(&R, 0, sizeof(R));
	assert_int_equal(model_full_delta(W.m, &full), 0);
	ref_apply(&full);
	check_all();
	delta_free(&full);
	model_free(W.m);
	delta_free(&W.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(random_operations_keep_every_invariant),
	};
	return cmocka_run_group_tests_name("model_random", tests, NULL, NULL);
}
