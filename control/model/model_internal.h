/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_internal.h - the model's objects and indexes, shared by the model's
 * own .c files only (model.c: life, errors, ids, parsing, delta helpers;
 * model_vpc.c: VPCs, route tables, subnets, pools; model_instance.c: types and
 * instances; model_launch.c: RunInstances' launch and placement;
 * model_eni.c: ENIs; model_addr.c: addresses; model_eip.c:
 * Elastic IPs; model_tags.c: tags; model_view.c: views, iteration, dump,
 * full delta, stats).
 *
 * Every operation follows one pattern: validate everything (no change),
 * reserve every piece of memory the change needs (objtab_reserve,
 * mhash_reserve, delta_reserve, array growth), then mutate with calls that
 * cannot fail. So a failure, even ENOMEM, leaves model and delta untouched.
 */
#ifndef ENIMAP_MODEL_INTERNAL_H
#define ENIMAP_MODEL_INTERNAL_H

#include <string.h>

#include "model.h"
#include "addrpool.h"
#include "mhash.h"
#include "objtab.h"

#define NIL OBJTAB_NIL

struct vpc {
	char *id;
	uint32_t default_sg; /* its `default` security group (R24) */
	size_t n4, n6;
	uint32_t *c4base; /* host order */
	uint8_t *c4depth;
	char **c4text;
	uint8_t (*c6)[16]; /* /56 each */
	char **c6text;
	uint32_t main_rt;
	char *main_assoc;		 /* the main route table association's id */
	bool dns_support, dns_hostnames; /* EC2's VPC attributes (DescribeVpcAttribute) */
};

struct route {
	uint8_t family, depth, kind; /* kind: enum route_target_kind as configured */
	uint8_t prefix[16];
	uint32_t eni;  /* ENI index for ROUTE_ENI, NIL once the ENI is gone */
	bool implicit; /* a VPC CIDR's local route */
};

struct rtable {
	char *id;
	uint32_t vpc;
	bool main;
	size_t n, cap;
	struct model_route_view *views; /* dest_cidr and target strings owned */
	struct route *r;
};

struct subnet {
	char *id, *az, *cidr4text, *cidr6text;
	uint32_t vpc, rt;
	char *assoc;	/* explicit route table association id; NULL = the VPC's main table */
	uint32_t base4; /* host order */
	uint8_t depth4;
	bool has6;
	uint8_t c6[16];	   /* /64 */
	uint64_t v6cursor; /* every interface id in [4, cursor) is taken */
	struct addrpool pool;
};

struct itype {
	char *name;
	unsigned max_enis, max4, max6;
};

struct instance {
	char *id, *az;
	char *image; /* the ImageId it was launched with; NULL = none given */
	uint32_t type;
	enum model_instance_state state;
	uint16_t port;
	size_t n_enis;
	uint32_t *enis;	      /* ENI indexes sorted by device index */
	const char **eni_ids; /* same order, for the view */
	int64_t terminated_at;
	/* its metadata options (D15, ModifyInstanceMetadataOptions) */
	bool md_tokens_required, md_endpoint_disabled;
	bool md_ipv6_enabled; /* EC2's default: disabled */
	uint8_t md_hop_limit; /* 1-64 */
};

struct eni {
	char *id, *desc, *attach_id;
	uint32_t subnet;
	uint8_t mac[6];
	uint16_t vlan;
	bool sdc, dot;
	uint32_t inst; /* NIL = available */
	int dev;
	uint32_t primary; /* network order */
	uint32_t *sec;	  /* network order, assignment order */
	size_t nsec, capsec;
	struct in6_addr *v6;
	size_t n6, cap6;
	uint32_t routes_to;		  /* routes targeting this ENI */
	char **groups;			  /* security group ids (their view) */
	size_t ngroups;			  /* 1 to MODEL_GROUPS_MAX once created */
	uint32_t sg[MODEL_GROUPS_MAX];	  /* the same groups' indexes */
	uint32_t sgpos[MODEL_GROUPS_MAX]; /* its place in each group's member list */
};

/* A rule, parsed: what two rules are compared by (their ids and descriptions aside). */
enum sg_peer { SG_PEER_V4, SG_PEER_V6, SG_PEER_GROUP };
struct sgrule {
	uint8_t egress, peer, depth;
	int16_t proto;	  /* -1 = all */
	int32_t from, to; /* -1 = absent / any */
	uint8_t addr[16]; /* the CIDR's base (IPv4: network order in the first 4 bytes) */
	uint32_t group;	  /* SG_PEER_GROUP: the peer group's index */
};

struct sgroup {
	char *id, *name, *desc;
	uint32_t vpc;
	bool is_default;
	/* rules: inbound [0, n_in), then outbound [n_in, n) */
	size_t n, n_in, cap;
	struct sgrule *r;
	struct model_sg_rule_view *views; /* parallel to r; strings owned */
	uint32_t *members;		  /* ENI indexes (eni.sgpos says where each is) */
	size_t nmem, capmem;
	size_t refs; /* rules of other groups that name this one */
};

struct eip {
	char *alloc_id, *assoc_id; /* assoc_id NULL = not associated */
	uint32_t pub;		   /* network order */
	uint32_t eni, priv;	   /* association */
};

struct tagset {
	char *rid;	  /* the resource's id */
	const char *type; /* its EC2 resource type (static text) */
	size_t n, cap;
	struct model_tag *t; /* key and value strings owned */
	uint64_t *order;     /* per tag: increasing (m->tag_clock) */
};

struct pubpool {
	char *text;
	struct addrpool pool;
};

/* A pool of IPv6 blocks that AmazonProvidedIpv6CidrBlock draws /56s from. */
struct v6pool {
	char *text;
	uint8_t base[16];
	uint8_t depth; /* <= 56 */
};

/* by_rtassoc values: a subnet index, or a VPC index with this bit (its main association) */
#define MODEL_ASSOC_MAIN 0x80000000u

struct model {
	struct objtab vpcs, rts, subnets, types, insts, enis, eips;
	struct objtab sgs;     /* security groups */
	struct mhash by_sg;    /* group id -> group */
	struct mhash by_sgr;   /* rule id -> its group */
	struct objtab tagsets; /* one per resource that has tags */
	struct mhash by_tags;  /* resource id -> tagset */
	uint64_t tag_clock;    /* the last tag creation number */
	size_t tags_pending;   /* model_tags_prepare'd sets not yet committed */
	struct pubpool *pools; /* sorted by base */
	size_t npools;
	struct v6pool *v6pools; /* in configuration order */
	size_t nv6pools;
	/* id -> index (external keys: the ids live in the objects) */
	struct mhash by_vpc, by_rt, by_subnet, by_type, by_inst, by_eni, by_attach, by_alloc,
	    by_assoc;
	struct mhash
	    by_rtassoc; /* route table association id -> MODEL_ASSOC_MAIN | vpc, or subnet */
	/* address -> index */
	struct mhash v4own;   /* {VPC, private IPv4 (net order)} -> ENI (struct model_v4key) */
	struct mhash v6own;   /* IPv6 -> ENI */
	struct mhash mac;     /* MAC -> ENI */
	struct mhash eippub;  /* public IPv4 (net order) -> EIP */
	struct mhash eippriv; /* {VPC, private IPv4} -> associated EIP (struct model_v4key) */
	size_t nv4, nv6, nassoc;
	size_t cap_v4, cap_v6, cap_eips; /* 0 = unlimited */
	uint64_t seq;			 /* id generator counter: advances only on success */
	uint64_t sg_version; /* bumped by every change sg_compile sees (model_sg_version) */
	uint32_t last_alloc; /* the EIP allocated last (a loader associates it next), or NIL */
	/* launch (model_launch.c) and termination */
	uint16_t place[MODEL_PORTS_MAX]; /* the placement rule's ports, in order */
	size_t nplace;
	unsigned place_max;		     /* instances per port, 0 = no limit */
	uint32_t port_load[MODEL_PORTS_MAX]; /* instances not terminated, per host port */
	int64_t clock;			     /* model_set_clock */
	int64_t retention;		     /* model_set_terminated_retention */
	uint32_t *dead;			     /* terminated instances, in termination order */
	size_t ndead, capdead, dead0;	     /* dead[dead0..ndead) are live entries */
};

#define VPC(m, i) ((struct vpc *)objtab_at(&(m)->vpcs, (i)))
#define RT(m, i) ((struct rtable *)objtab_at(&(m)->rts, (i)))
#define SUBNET(m, i) ((struct subnet *)objtab_at(&(m)->subnets, (i)))
#define TYPE(m, i) ((struct itype *)objtab_at(&(m)->types, (i)))
#define INST(m, i) ((struct instance *)objtab_at(&(m)->insts, (i)))
#define ENI(m, i) ((struct eni *)objtab_at(&(m)->enis, (i)))
#define EIP(m, i) ((struct eip *)objtab_at(&(m)->eips, (i)))
#define SG(m, i) ((struct sgroup *)objtab_at(&(m)->sgs, (i)))
#define TAGSET(m, i) ((struct tagset *)objtab_at(&(m)->tagsets, (i)))

/*
 * The key of v4own and eippriv: a private IPv4 is unique inside its VPC only
 * (R31), so the VPC's index is part of it. EIPs, IPv6 and MACs stay
 * engine-wide (eippub, v6own, mac are keyed by the address alone).
 */
struct model_v4key {
	uint32_t vpc;  /* VPC index (its delta slot) */
	uint32_t addr; /* network order */
};

static inline struct model_v4key model_v4key(uint32_t vpc, uint32_t net)
{
	struct model_v4key k = {.vpc = vpc, .addr = net};
	return k;
}

/* The VPC index of ENI ei (through its subnet). */
static inline uint32_t model_eni_vpc(const struct model *m, uint32_t ei)
{
	return SUBNET(m, ENI(m, ei)->subnet)->vpc;
}

/* The ENI owning private IPv4 net in VPC vpc: 0 and *owner, or -ENOENT. */
static inline int model_v4_owner(const struct model *m, uint32_t vpc, uint32_t net, uint32_t *owner)
{
	struct model_v4key k = model_v4key(vpc, net);
	return mhash_get(&m->v4own, &k, sizeof(k), owner);
}

/* errors: fill *err (may be NULL) and return -1 */
int model_fail(struct model_err *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int model_fail_nomem(struct model_err *err);

/* Copy an id into out, as snprintf("%s") would (ids are made by the million: no printf). */
static inline void model_id_copy(char out[MODEL_ID_MAX], const char *id)
{
	size_t n = strnlen(id, MODEL_ID_MAX - 1);

	memcpy(out, id, n);
	out[n] = '\0';
}

/* id -> index, NIL when unknown (id may be NULL) */
uint32_t model_find(const struct mhash *h, const char *id);
/* Check a given id (syntax, not taken) or generate one into out (advancing *seq). */
int model_pick_id(const struct mhash *h, const char *given, const char *prefix, uint64_t *seq,
		  char out[MODEL_ID_MAX], struct model_err *err);

/* Start loading the index slot of the id model_pick_id would generate from seq (a hint). */
void model_prefetch_id(const struct mhash *h, const char *prefix, uint64_t seq);

/* parsing; the text is quoted in errors by the callers */
int model_parse_v4(const char *s, uint32_t *net);
int model_parse_v6(const char *s, struct in6_addr *a);
int model_parse_cidr4(const char *s, uint32_t *base_host, uint8_t *depth);
int model_parse_cidr6(const char *s, uint8_t base[16], uint8_t *depth);
void model_fmt_v4(uint32_t net, char out[INET_ADDRSTRLEN]);
void model_fmt_v6(const void *a, char out[INET6_ADDRSTRLEN]);

/* limits */
unsigned model_max4_any(const struct model *m);
unsigned model_max6_any(const struct model *m);
unsigned model_eni_max4(const struct model *m, const struct eni *e);
unsigned model_eni_max6(const struct model *m, const struct eni *e);

/* delta helpers: the caller reserved room (d may be NULL) */
void model_dput(struct delta *d, const struct delta_entry *e);
void model_put_eni(const struct model *m, struct delta *d, uint32_t eni);
void model_put_v4(const struct model *m, struct delta *d, uint32_t vpc, uint32_t addr);
void model_put_route(const struct model *m, struct delta *d, uint32_t rt, size_t r, bool del);
void model_put_subnet(const struct model *m, struct delta *d, uint32_t s);
int model_reserve_delta(struct delta *d, size_t more);

/* shared helpers (model.c) */
char *model_fmt_cidr4(uint32_t base_host, uint8_t depth);
char *model_fmt_cidr6(const uint8_t base[16], uint8_t depth);
bool model_v4_overlap(uint32_t a, uint8_t da, uint32_t b, uint8_t db);
bool model_v6_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned depth);
bool model_id_ok(const char *s);
void model_free_strv(char **v, size_t n);

/* address helpers (model_addr.c), shared with model_eni.c */
int model_fail_no_eni(struct model_err *err, const char *id);
/* Parse an IPv4 for a subnet: R1 (inside) and R2 (not reserved). */
int model_check_v4(const struct subnet *s, const char *text, uint32_t *net, struct model_err *err);
/* R3: the subnet has an IPv6 CIDR, the address is inside and not reserved. */
int model_check_v6(const struct subnet *s, const char *text, struct in6_addr *a,
		   struct model_err *err);
/* n free IPv6 addresses of the subnet, lowest first, without changing anything */
void model_pick_v6(const struct model *m, const struct subnet *s, size_t n, struct in6_addr *out);
/* dup[k] = 1 when an earlier key of the list is equal (keysize <= 16). 0 or -ENOMEM. */
int model_mark_dups(const void *keys, size_t keysize, size_t n, uint8_t *dup);
/* ownership bookkeeping: owner index (in the ENI's VPC), subnet pool, totals */
void model_v4_link(struct model *m, uint32_t ei, uint32_t net);
void model_v4_unlink(struct model *m, uint32_t ei, uint32_t net);
/* appends to the ENI's IPv6 list (room reserved) */
void model_v6_link(struct model *m, uint32_t ei, const struct in6_addr *a);
void model_v6_unlink(struct model *m, uint32_t ei, const struct in6_addr *a);
void model_put_v6(struct delta *d, const struct in6_addr *a, uint32_t ei, bool del);
void model_put_v4_del(struct delta *d, uint32_t vpc, uint32_t net);
/* the EIP associated with a private IPv4 of VPC vpc, or NIL */
uint32_t model_eip_on(const struct model *m, uint32_t vpc, uint32_t net);

/* VPCs and route tables (model_vpc.c), shared with model_world.c */
void model_vpc_release(struct vpc *v);
void model_rt_destroy(struct model *m, uint32_t ti);
void model_rt_put_all(const struct model *m, struct delta *d, uint32_t ti);
/* model.c's index of route table associations compares ids with this (model_world.c) */
int model_eq_rtassoc(const void *ctx, uint32_t v, const void *key, size_t len);

/* shared mutations (cannot fail; reservations done by the caller) */
/* Disassociate EIP i; emits EIP_DEL and V4_SET(priv, NO_EIP) unless quiet_v4. */
void model_eip_unlink(struct model *m, uint32_t i, struct delta *d, bool quiet_v4);
/* Delete a detached ENI: its EIPs disassociated, addresses freed, routes blackholed. */
void model_eni_destroy(struct model *m, uint32_t i, struct delta *d);
/*
 * The tags of a resource that is being deleted go with it (cannot fail).
 * Every path that deletes a taggable object calls it with the object's id
 * before freeing it: ENI destroy, EIP release, instance terminate (and
 * DeleteVpc, DeleteSubnet, DeleteRouteTable, DeleteSecurityGroup).
 */
void tags_forget(struct model *m, const char *resource_id);
/* The tag store's life (model_create / model_free). */
void model_tags_init(struct model *m);
void model_tags_fini(struct model *m);
size_t model_tags_bytes(const struct model *m);
/* The tags in model_dump's text. */
void model_tags_dump(const struct model *m, FILE *out);

/* security groups (model_sg.c), shared with model_vpc.c, model_world.c, model_eni.c */
void model_sg_init(struct model *m);
void model_sg_fini(struct model *m);
size_t model_sg_bytes(const struct model *m);
/*
 * A VPC's default group, made before the VPC is in the model: *g owns every
 * allocation (model_sg_release frees them); model_sg_default_link() puts it
 * in the model once the VPC has index vi (cannot fail: the reservations are
 * made here). Advances *seq for the ids it generates.
 */
int model_sg_default_make(struct model *m, const struct model_vpc_req *req, uint64_t *seq,
			  struct sgroup *g, struct model_err *err);
uint32_t model_sg_default_link(struct model *m, struct sgroup *g, uint32_t vi);
void model_sg_release(struct sgroup *g);
/* Remove the VPC's default group (no member; DeleteVpc checked it) and every other check. */
void model_sg_destroy(struct model *m, uint32_t gi);
/* The first group of VPC vi other than its default one, or NIL. */
uint32_t model_sg_other_in_vpc(const struct model *m, uint32_t vi);
/*
 * The groups an ENI of VPC vi is to have: ids checked (R24), repeats
 * dropped, the VPC's default when none is given; into idx[], *n. 0 or -1.
 */
int model_sg_resolve(const struct model *m, uint32_t vi, const char *const *ids, size_t n_ids,
		     uint32_t idx[MODEL_GROUPS_MAX], size_t *n, struct model_err *err);
/* Make room in each group's member list for one more ENI. 0 or -ENOMEM. */
int model_sg_reserve_members(struct model *m, const uint32_t *idx, size_t n);
/* ENI ei joins / leaves the groups it lists in e->sg (room reserved; cannot fail). */
void model_sg_join(struct model *m, uint32_t ei);
void model_sg_leave(struct model *m, uint32_t ei);
void model_sg_dump(const struct model *m, FILE *out);
int model_sg_clone(struct model *d, const struct model *s);

/* Unlink ENI ei from its instance (any device index; cannot fail). */
void model_eni_unlink_instance(struct model *m, uint32_t ei);
/* Remove instance ii and its record (no ENI attached; cannot fail). */
void model_instance_destroy(struct model *m, uint32_t ii);
/* Delta entries model_eni_destroy may emit. */
size_t model_eni_destroy_cost(const struct model *m, uint32_t i);

/* The metadata options' values (model_set_metadata_options' rule): 0, or -1 with err. */
int model_metadata_options_check(const struct model_metadata_options *o, struct model_err *err);

#endif
