/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_sg.c - security groups (SPEC R22, R24-R26): groups with their
 * inbound and outbound rules, each VPC's `default` group, the groups of
 * each ENI and the members of each group.
 *
 * A rule is kept parsed (struct sgrule: what rules are compared by) and as
 * its view (ids, canonical CIDR text, description). Two rules are the same
 * rule when direction, protocol, ports and peer are equal: descriptions and
 * ids do not count, as in EC2 (Authorize of an equal rule is
 * InvalidPermission.Duplicate, Revoke by permission matches it).
 *
 * Members: each group lists the ENIs that have it, and each ENI remembers
 * its place in each of its groups' lists, so joining and leaving cost
 * O(groups of the ENI) however many ENIs a group has (a VPC's default group
 * may have every ENI of the VPC). A rule naming a group matches that group's
 * members' private addresses (SPEC D12; the dataplane reads them with
 * model_foreach_sg_member).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- life ---- */

static int eq_sg(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const struct model *m = ctx;
	const char *id = SG(m, v)->id;

	return strlen(id) == len && memcmp(id, key, len) == 0;
}

/* by_sgr holds rule id -> group: the id is found among that group's rules */
static int eq_sgr(const void *ctx, uint32_t v, const void *key, size_t len)
{
	const struct model *m = ctx;
	const struct sgroup *g = SG(m, v);

	for (size_t k = 0; k < g->n; k++)
		if (strlen(g->views[k].id) == len && memcmp(g->views[k].id, key, len) == 0)
			return 1;
	return 0;
}

void model_sg_init(struct model *m)
{
	objtab_init(&m->sgs, sizeof(struct sgroup));
	mhash_init(&m->by_sg, 0, eq_sg, m);
	mhash_init(&m->by_sgr, 0, eq_sgr, m);
}

static void rule_view_release(struct model_sg_rule_view *v)
{
	free((char *)v->id);
	free((char *)v->group_id);
	free((char *)v->cidr4);
	free((char *)v->cidr6);
	free((char *)v->peer_group_id);
	free((char *)v->description);
	memset(v, 0, sizeof(*v));
}

void model_sg_release(struct sgroup *g)
{
	for (size_t k = 0; k < g->n; k++)
		rule_view_release(&g->views[k]);
	free(g->views);
	free(g->r);
	free(g->members);
	free(g->id);
	free(g->name);
	free(g->desc);
	memset(g, 0, sizeof(*g));
}

void model_sg_fini(struct model *m)
{
	for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i])
		model_sg_release(SG(m, i));
	objtab_fini(&m->sgs);
	mhash_fini(&m->by_sg);
	mhash_fini(&m->by_sgr);
}

size_t model_sg_bytes(const struct model *m)
{
	size_t b = objtab_bytes(&m->sgs) + mhash_bytes(&m->by_sg) + mhash_bytes(&m->by_sgr);

	for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i]) {
		const struct sgroup *g = SG(m, i);
		b += g->cap * (sizeof(*g->r) + sizeof(*g->views) + 96) + g->capmem * 4 +
		     strlen(g->id) + strlen(g->name) + strlen(g->desc) + 3;
	}
	return b;
}

/* ---- checks ---- */

static int fail_no_group(struct model_err *err, const char *id)
{
	return model_fail(err, "InvalidGroup.NotFound", "The security group '%s' does not exist",
			  id ? id : "");
}

/* A group id, well formed and held: its index, or NIL after the error. */
static uint32_t find_group(const struct model *m, const char *id, struct model_err *err)
{
	uint32_t gi;

	if (!id || strncmp(id, "sg-", 3) != 0 || !model_id_ok(id)) {
		model_fail(err, "InvalidGroupId.Malformed", "Invalid id: '%s' (expecting 'sg-...')",
			   id ? id : "");
		return NIL;
	}
	if ((gi = model_find(&m->by_sg, id)) == NIL)
		fail_no_group(err, id);
	return gi;
}

/*
 * EC2's characters for a VPC security group's name and description:
 * a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*
 */
static int check_text(const char *what, const char *s, bool empty_ok, struct model_err *err)
{
	static const char extra[] = " ._-:/()#,@[]+=&;{}!$*";
	size_t n = strlen(s);

	if ((!n && !empty_ok) || n > MODEL_SG_NAME_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid %s '%s': %s characters are needed", what, s,
				  empty_ok ? "0 to 255" : "1 to 255");
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr(extra, *p)))
			return model_fail(err, "InvalidParameterValue",
					  "Invalid %s '%s': character '%c' is not allowed (a-z, "
					  "A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*)",
					  what, s, *p);
	return 0;
}

/* ---- groups ---- */

static int group_alloc(struct sgroup *g, const char *id, const char *name, const char *desc,
		       struct model_err *err)
{
	g->id = strdup(id);
	g->name = strdup(name);
	g->desc = strdup(desc);
	if (!g->id || !g->name || !g->desc)
		return model_fail_nomem(err);
	return 0;
}

/* Room for `more` rules in g (its arrays only). */
static int group_grow(struct sgroup *g, size_t more)
{
	size_t cap = g->cap;

	if (g->n + more <= cap)
		return 0;
	while (cap < g->n + more)
		cap = cap ? 2 * cap : 4;
	struct sgrule *r = realloc(g->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	g->r = r;
	struct model_sg_rule_view *v = realloc(g->views, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	g->views = v;
	g->cap = cap;
	return 0;
}

/* Put a built group into the model (the tables were reserved). */
static uint32_t group_link(struct model *m, struct sgroup *g)
{
	uint32_t gi = objtab_alloc(&m->sgs);

	m->sg_version++;
	*SG(m, gi) = *g;
	memset(g, 0, sizeof(*g));
	g = SG(m, gi);
	mhash_put(&m->by_sg, g->id, strlen(g->id), gi);
	for (size_t k = 0; k < g->n; k++)
		mhash_put(&m->by_sgr, g->views[k].id, strlen(g->views[k].id), gi);
	return gi;
}

static void rule_insert(struct model *m, uint32_t gi, struct sgroup *g, const struct sgrule *r,
			const struct model_sg_rule_view *v);
static int rule_view_make(const struct model *m, const struct sgroup *g, const struct sgrule *r,
			  const char *rid, char *cidr_text, const char *desc,
			  struct model_sg_rule_view *v);

/*
 * One outbound rule, all to cidr (0.0.0.0/0 or ::/0), into a group not yet
 * in the model: the rule's id given or generated, room in by_sgr reserved.
 */
static int group_add_egress_all(struct model *m, struct sgroup *g, const char *cidr,
				const char *rule_id, uint64_t *seq, struct model_err *err)
{
	struct sgrule r = {.egress = 1, .proto = -1, .from = -1, .to = -1};
	struct model_sg_rule_view v;
	char rid[MODEL_ID_MAX], *text;
	uint32_t base;

	if (rule_id && strncmp(rule_id, "sgr-", 4) != 0)
		return model_fail(err, "InvalidParameterValue",
				  "The rule id '%s' is malformed (expecting 'sgr-...')", rule_id);
	if (model_pick_id(&m->by_sgr, rule_id, "sgr-", seq, rid, err) < 0)
		return -1;
	for (size_t j = 0; j < g->n; j++)
		if (strcmp(g->views[j].id, rid) == 0)
			return model_fail(err, "InvalidParameterValue",
					  "The rule id '%s' is given twice", rid);
	r.peer = strchr(cidr, ':') ? SG_PEER_V6 : SG_PEER_V4;
	if (r.peer == SG_PEER_V4) {
		model_parse_cidr4(cidr, &base, &r.depth);
		base = htonl(base);
		memcpy(r.addr, &base, 4);
	} else {
		model_parse_cidr6(cidr, r.addr, &r.depth);
	}
	if (group_grow(g, 1) || mhash_reserve(&m->by_sgr, g->n + 1) || !(text = strdup(cidr)))
		return model_fail_nomem(err);
	if (rule_view_make(m, g, &r, rid, text, NULL, &v) < 0) /* text is freed */
		return model_fail_nomem(err);
	rule_insert(m, NIL, g, &r, &v);
	return 0;
}

int model_create_security_group(struct model *m, const struct model_sg_req *req,
				char out_id[MODEL_ID_MAX], struct model_err *err)
{
	char gid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	struct sgroup g = {0};
	uint32_t vi = model_find(&m->by_vpc, req->vpc_id);
	const char *desc = req->description ? req->description : "";

	if (vi == NIL)
		return model_fail(err, "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist",
				  req->vpc_id ? req->vpc_id : "");
	if (!req->name)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter GroupName");
	if (check_text("group name", req->name, false, err) < 0 ||
	    check_text("group description", desc, true, err) < 0)
		return -1;
	if (strcmp(req->name, "default") == 0)
		return model_fail(err, "InvalidGroup.Reserved",
				  "The security group 'default' is reserved");
	if (strncmp(req->name, "sg-", 3) == 0)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid group name '%s': names may not be in the format sg-*",
				  req->name);
	for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i])
		if (SG(m, i)->vpc == vi && strcmp(SG(m, i)->name, req->name) == 0)
			return model_fail(err, "InvalidGroup.Duplicate",
					  "The security group '%s' already exists for VPC '%s'",
					  req->name, req->vpc_id);
	if (req->id && strncmp(req->id, "sg-", 3) != 0)
		return model_fail(err, "InvalidGroupId.Malformed",
				  "Invalid id: '%s' (expecting 'sg-...')", req->id);
	if (model_pick_id(&m->by_sg, req->id, "sg-", &seq, gid, err) < 0)
		return -1;
	if (group_alloc(&g, gid, req->name, desc, err) < 0 || objtab_reserve(&m->sgs, 1) ||
	    mhash_reserve(&m->by_sg, 1)) {
		model_sg_release(&g);
		return model_fail_nomem(err);
	}
	if (!req->bare &&
	    group_add_egress_all(m, &g, "0.0.0.0/0", req->egress_rule_id, &seq, err)) {
		model_sg_release(&g);
		return -1;
	}
	g.vpc = vi;
	group_link(m, &g);
	m->seq = seq;
	if (out_id)
		model_id_copy(out_id, gid);
	return 0;
}

void model_sg_destroy(struct model *m, uint32_t gi)
{
	struct sgroup *g = SG(m, gi);

	m->sg_version++;
	for (size_t k = 0; k < g->n; k++) {
		if (g->r[k].peer == SG_PEER_GROUP && g->r[k].group != gi)
			SG(m, g->r[k].group)->refs--;
		mhash_del(&m->by_sgr, g->views[k].id, strlen(g->views[k].id));
	}
	tags_forget(m, g->id);
	mhash_del(&m->by_sg, g->id, strlen(g->id));
	model_sg_release(g);
	objtab_release(&m->sgs, gi);
}

int model_delete_security_group(struct model *m, const char *group_id, struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	struct sgroup *g;

	if (gi == NIL)
		return -1;
	g = SG(m, gi);
	if (g->is_default)
		return model_fail(err, "CannotDelete",
				  "the specified group: \"%s\" name: \"default\" cannot be deleted "
				  "by a user",
				  group_id);
	if (g->nmem)
		return model_fail(err, "DependencyViolation",
				  "resource %s has a dependent object (network interface %s)",
				  group_id, ENI(m, g->members[0])->id);
	if (g->refs)
		for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i])
			for (size_t k = 0; i != gi && k < SG(m, i)->n; k++)
				if (SG(m, i)->r[k].peer == SG_PEER_GROUP &&
				    SG(m, i)->r[k].group == gi)
					return model_fail(err, "DependencyViolation",
							  "resource %s has a dependent object "
							  "(a rule of security group %s)",
							  group_id, SG(m, i)->id);
	model_sg_destroy(m, gi);
	return 0;
}

uint32_t model_sg_other_in_vpc(const struct model *m, uint32_t vi)
{
	for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i])
		if (SG(m, i)->vpc == vi && !SG(m, i)->is_default)
			return i;
	return NIL;
}

/* ---- rules: parsing ---- */

/* "-1" or a decimal in [-1, 65535]: 0, or -1 when it is not one. */
static int parse_port(const char *s, int32_t *out)
{
	char *end;
	long v;

	/* strtol would take leading blanks and a '+' */
	if (!s || !(*s == '-' || (*s >= '0' && *s <= '9')))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < -1 || v > 65535)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static int parse_protocol(const char *s, int16_t *out)
{
	static const struct {
		const char *name;
		int16_t num;
	} names[] = {{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"all", -1}, {"-1", -1}};
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].num;
			return 0;
		}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 255)
		return -1;
	*out = (int16_t)v;
	return 0;
}

static int parse_ports(const struct model_sg_perm *p, struct sgrule *r, struct model_err *err)
{
	bool tcpudp = r->proto == 6 || r->proto == 17, icmp = r->proto == 1 || r->proto == 58;

	r->from = r->to = -1;
	if (!tcpudp && !icmp)
		return 0; /* EC2 ignores ports for every other protocol: all of it */
	if ((p->from_port && parse_port(p->from_port, &r->from) < 0) ||
	    (p->to_port && parse_port(p->to_port, &r->to) < 0))
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value for portRange: from '%s', to '%s'",
				  p->from_port ? p->from_port : "", p->to_port ? p->to_port : "");
	if (tcpudp) {
		if (!p->from_port || !p->to_port)
			return model_fail(err, "InvalidParameterValue",
					  "Invalid value 'Must specify both from and to ports "
					  "with TCP/UDP.' for portRange.");
		if (r->from < 0 || r->to < 0 || r->from > r->to)
			return model_fail(
			    err, "InvalidParameterValue",
			    "Invalid TCP/UDP port range %d-%d (0 to 65535, from <= to)", r->from,
			    r->to);
		return 0;
	}
	if (r->from > 255 || r->to > 255)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid ICMP type %d or code %d (-1 or 0 to 255)", r->from,
				  r->to);
	if (r->from == -1 && r->to != -1)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid ICMP code %d: the code must be -1 when the type is -1",
				  r->to);
	return 0;
}

/*
 * The peer of a permission: exactly one of cidr4, cidr6, group_id. The text
 * of a CIDR into *cidr_text (malloc'd, canonical).
 */
static int parse_peer(const struct model *m, uint32_t gi, const struct model_sg_perm *p,
		      struct sgrule *r, char **cidr_text, struct model_err *err)
{
	int given = !!p->cidr4 + !!p->cidr6 + !!p->group_id;
	uint32_t base;

	*cidr_text = NULL;
	if (given != 1)
		return model_fail(err, "InvalidParameterValue",
				  "A rule has exactly one of an IPv4 CIDR, an IPv6 CIDR and a "
				  "security group (%d given)",
				  given);
	if (p->cidr4) {
		r->peer = SG_PEER_V4;
		if (model_parse_cidr4(p->cidr4, &base, &r->depth) < 0)
			return model_fail(err, "InvalidParameterValue",
					  "CIDR block %s is malformed (an IPv4 CIDR without host "
					  "bits)",
					  p->cidr4);
		base = htonl(base);
		memcpy(r->addr, &base, 4);
		*cidr_text = model_fmt_cidr4(ntohl(base), r->depth);
	} else if (p->cidr6) {
		r->peer = SG_PEER_V6;
		if (model_parse_cidr6(p->cidr6, r->addr, &r->depth) < 0)
			return model_fail(err, "InvalidParameterValue",
					  "CIDR block %s is malformed (an IPv6 CIDR without host "
					  "bits)",
					  p->cidr6);
		*cidr_text = model_fmt_cidr6(r->addr, r->depth);
	} else {
		r->peer = SG_PEER_GROUP;
		if ((r->group = find_group(m, p->group_id, err)) == NIL)
			return -1;
		if (SG(m, r->group)->vpc != SG(m, gi)->vpc)
			return model_fail(err, "InvalidParameterValue",
					  "The security group '%s' is not in the VPC of '%s'",
					  p->group_id, SG(m, gi)->id);
		return 0;
	}
	return *cidr_text ? 0 : model_fail_nomem(err);
}

/* A permission parsed into *r (and its CIDR text), checked: 0 or -1. */
static int parse_perm(const struct model *m, uint32_t gi, bool egress,
		      const struct model_sg_perm *p, struct sgrule *r, char **cidr_text,
		      struct model_err *err)
{
	memset(r, 0, sizeof(*r));
	*cidr_text = NULL;
	r->egress = egress;
	if (parse_protocol(p->protocol, &r->proto) < 0)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%s' for IP protocol. Unknown protocol.",
				  p->protocol ? p->protocol : "");
	if (parse_ports(p, r, err) < 0)
		return -1;
	if (p->description && check_text("rule description", p->description, true, err) < 0)
		return -1;
	return parse_peer(m, gi, p, r, cidr_text, err);
}

static bool rule_eq(const struct sgrule *a, const struct sgrule *b)
{
	if (a->egress != b->egress || a->proto != b->proto || a->from != b->from ||
	    a->to != b->to || a->peer != b->peer)
		return false;
	if (a->peer == SG_PEER_GROUP)
		return a->group == b->group;
	return a->depth == b->depth &&
	       memcmp(a->addr, b->addr, a->peer == SG_PEER_V4 ? 4 : 16) == 0;
}

/* The index of the group's rule equal to r, or -1. */
static ssize_t rule_find(const struct sgroup *g, const struct sgrule *r)
{
	size_t lo = r->egress ? g->n_in : 0, hi = r->egress ? g->n : g->n_in;

	for (size_t k = lo; k < hi; k++)
		if (rule_eq(&g->r[k], r))
			return (ssize_t)k;
	return -1;
}

/* EC2's text of a rule in its Duplicate / NotFound messages. */
static void rule_text(const struct model *m, const struct sgrule *r, const char *cidr, char *out,
		      size_t n)
{
	snprintf(out, n, "peer: %s, protocol: %d, from port: %d, to port: %d, ALLOW",
		 r->peer == SG_PEER_GROUP ? SG(m, r->group)->id
		 : cidr			  ? cidr
					  : "",
		 r->proto, r->from, r->to);
}

/* ---- rules: the view ---- */

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	if (!(d = strdup(s)))
		*oom = true;
	return d;
}

/* The view of rule r of group g (id given), owning its strings; cidr_text is taken (freed on
 * failure). */
static int rule_view_make(const struct model *m, const struct sgroup *g, const struct sgrule *r,
			  const char *rid, char *cidr_text, const char *desc,
			  struct model_sg_rule_view *v)
{
	bool oom = false;

	memset(v, 0, sizeof(*v));
	v->egress = r->egress;
	v->protocol = r->proto;
	v->from_port = r->from;
	v->to_port = r->to;
	v->id = dup_or_null(rid, &oom);
	v->group_id = dup_or_null(g->id, &oom);
	v->description = dup_or_null(desc, &oom);
	if (r->peer == SG_PEER_V4)
		v->cidr4 = cidr_text;
	else if (r->peer == SG_PEER_V6)
		v->cidr6 = cidr_text;
	else
		v->peer_group_id = dup_or_null(r->group == NIL ? g->id : SG(m, r->group)->id, &oom);
	if (oom) {
		rule_view_release(v);
		return -ENOMEM;
	}
	return 0;
}

/* Insert a rule (room reserved): inbound rules before the outbound ones. */
static void rule_insert(struct model *m, uint32_t gi, struct sgroup *g, const struct sgrule *r,
			const struct model_sg_rule_view *v)
{
	size_t at = r->egress ? g->n : g->n_in;

	m->sg_version++;
	memmove(&g->r[at + 1], &g->r[at], (g->n - at) * sizeof(*g->r));
	memmove(&g->views[at + 1], &g->views[at], (g->n - at) * sizeof(*g->views));
	g->r[at] = *r;
	g->views[at] = *v;
	g->n++;
	if (!r->egress)
		g->n_in++;
	if (r->peer == SG_PEER_GROUP && r->group != gi && r->group != NIL)
		SG(m, r->group)->refs++;
	if (gi != NIL)
		mhash_put(&m->by_sgr, v->id, strlen(v->id), gi);
}

static void rule_remove(struct model *m, uint32_t gi, size_t k)
{
	struct sgroup *g = SG(m, gi);

	m->sg_version++;
	if (g->r[k].peer == SG_PEER_GROUP && g->r[k].group != gi)
		SG(m, g->r[k].group)->refs--;
	mhash_del(&m->by_sgr, g->views[k].id, strlen(g->views[k].id));
	rule_view_release(&g->views[k]);
	if (!g->r[k].egress)
		g->n_in--;
	memmove(&g->r[k], &g->r[k + 1], (g->n - k - 1) * sizeof(*g->r));
	memmove(&g->views[k], &g->views[k + 1], (g->n - k - 1) * sizeof(*g->views));
	g->n--;
}

/* ---- authorize / revoke ---- */

struct perm_plan {
	struct sgrule *r;
	struct model_sg_rule_view *v;
	char (*rid)[MODEL_ID_MAX];
	size_t n, nviews;
};

static void perm_plan_free(struct perm_plan *p)
{
	for (size_t k = 0; k < p->nviews; k++)
		rule_view_release(&p->v[k]);
	free(p->r);
	free(p->v);
	free(p->rid);
}

/* Parse every permission and check it against the group and the others given. */
static int authorize_check(struct model *m, uint32_t gi, bool egress,
			   const struct model_sg_perm *perms, size_t n, struct perm_plan *p,
			   char **cidr, struct model_err *err)
{
	const struct sgroup *g = SG(m, gi);
	size_t have = egress ? g->n - g->n_in : g->n_in;
	char text[160];

	for (size_t k = 0; k < n; k++) {
		if (parse_perm(m, gi, egress, &perms[k], &p->r[k], &cidr[k], err) < 0)
			return -1;
		bool again = false;
		for (size_t j = 0; j < k; j++)
			again = again || rule_eq(&p->r[j], &p->r[k]);
		if (again || rule_find(g, &p->r[k]) >= 0) {
			rule_text(m, &p->r[k], cidr[k], text, sizeof(text));
			return model_fail(err, "InvalidPermission.Duplicate",
					  "the specified rule \"%s\" already exists%s", text,
					  again ? " in this request" : "");
		}
	}
	if (have + n > MODEL_SG_RULES_MAX)
		return model_fail(err, "RulesPerSecurityGroupLimitExceeded",
				  "The maximum number of rules per security group has been reached "
				  "(%d %s rules; %zu there, %zu more given).",
				  MODEL_SG_RULES_MAX, egress ? "outbound" : "inbound", have, n);
	return 0;
}

/* The new rules' ids: given (not held, not given twice) or generated. */
static int authorize_pick_ids(struct model *m, const struct model_sg_perm *perms, size_t n,
			      struct perm_plan *p, uint64_t *seq, struct model_err *err)
{
	for (size_t k = 0; k < n; k++) {
		if (perms[k].rule_id && (strncmp(perms[k].rule_id, "sgr-", 4) != 0 ||
					 model_find(&m->by_sgr, perms[k].rule_id) != NIL))
			return model_fail(err, "InvalidParameterValue",
					  "The rule id '%s' is malformed or already exists",
					  perms[k].rule_id);
		if (model_pick_id(&m->by_sgr, perms[k].rule_id, "sgr-", seq, p->rid[k], err) < 0)
			return -1;
		for (size_t j = 0; j < k; j++)
			if (strcmp(p->rid[j], p->rid[k]) == 0)
				return model_fail(err, "InvalidParameterValue",
						  "The rule id '%s' is given twice", p->rid[k]);
	}
	return 0;
}

int model_authorize_sg(struct model *m, const char *group_id, bool egress,
		       const struct model_sg_perm *perms, size_t n,
		       char (*out_rule_ids)[MODEL_ID_MAX], struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	struct perm_plan p = {0};
	uint64_t seq = m->seq;
	char **cidr = NULL;
	int rc = -1;

	if (gi == NIL)
		return -1;
	if (n == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter IpPermissions");
	p.n = n;
	p.r = calloc(n, sizeof(*p.r));
	p.v = calloc(n, sizeof(*p.v));
	p.rid = calloc(n, sizeof(*p.rid));
	cidr = calloc(n, sizeof(*cidr));
	if (!p.r || !p.v || !p.rid || !cidr) {
		model_fail_nomem(err);
		goto out;
	}
	if (authorize_check(m, gi, egress, perms, n, &p, cidr, err) < 0 ||
	    authorize_pick_ids(m, perms, n, &p, &seq, err) < 0)
		goto out;
	for (; p.nviews < n; p.nviews++) {
		size_t k = p.nviews;
		int made = rule_view_make(m, SG(m, gi), &p.r[k], p.rid[k], cidr[k],
					  perms[k].description, &p.v[k]);
		cidr[k] = NULL; /* the view owns it, or freed it */
		if (made < 0) {
			model_fail_nomem(err);
			goto out;
		}
	}
	if (group_grow(SG(m, gi), n) || mhash_reserve(&m->by_sgr, n)) {
		model_fail_nomem(err);
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		rule_insert(m, gi, SG(m, gi), &p.r[k], &p.v[k]);
		if (out_rule_ids)
			model_id_copy(out_rule_ids[k], p.rid[k]);
	}
	p.nviews = 0; /* the group owns them */
	m->seq = seq;
	rc = 0;
out:
	for (size_t k = 0; cidr && k < n; k++)
		free(cidr[k]);
	free(cidr);
	perm_plan_free(&p);
	return rc;
}

/* Remove the rules at idx[0..n) (distinct) of group gi: highest first, so indexes stay valid. */
static void remove_rules(struct model *m, uint32_t gi, size_t *idx, size_t n)
{
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (idx[b] > idx[a]) {
				size_t t = idx[a];
				idx[a] = idx[b];
				idx[b] = t;
			}
	for (size_t k = 0; k < n; k++)
		rule_remove(m, gi, idx[k]);
}

/* Whether idx[0..k) already holds idx[k]. */
static bool seen_before(const size_t *idx, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (idx[j] == idx[k])
			return true;
	return false;
}

int model_revoke_sg(struct model *m, const char *group_id, bool egress,
		    const struct model_sg_perm *perms, size_t n, struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	size_t *idx;
	char *cidr, text[160];
	struct sgrule r;
	ssize_t k;

	if (gi == NIL)
		return -1;
	if (n == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter IpPermissions");
	if (!(idx = calloc(n, sizeof(*idx))))
		return model_fail_nomem(err);
	for (size_t i = 0; i < n; i++) {
		if (parse_perm(m, gi, egress, &perms[i], &r, &cidr, err) < 0) {
			free(cidr);
			free(idx);
			return -1;
		}
		if ((k = rule_find(SG(m, gi), &r)) < 0) {
			rule_text(m, &r, cidr, text, sizeof(text));
			free(cidr);
			free(idx);
			return model_fail(
			    err, "InvalidPermission.NotFound",
			    "The specified rule \"%s\" does not exist in this security "
			    "group.",
			    text);
		}
		free(cidr);
		idx[i] = (size_t)k;
	}
	/* a permission given twice counts once (the rule goes once) */
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!seen_before(idx, i))
			idx[u++] = idx[i];
	remove_rules(m, gi, idx, u);
	free(idx);
	return 0;
}

int model_find_sg_rule_by_perm(const struct model *m, const char *group_id, bool egress,
			       const struct model_sg_perm *perm, char out[MODEL_ID_MAX],
			       struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	char *cidr, text[160];
	struct sgrule r;
	ssize_t k;

	if (gi == NIL)
		return -1;
	if (parse_perm(m, gi, egress, perm, &r, &cidr, err) < 0) {
		free(cidr);
		return -1;
	}
	if ((k = rule_find(SG(m, gi), &r)) < 0) {
		rule_text(m, &r, cidr, text, sizeof(text));
		free(cidr);
		return model_fail(
		    err, "InvalidPermission.NotFound",
		    "The specified rule \"%s\" does not exist in this security group.", text);
	}
	free(cidr);
	model_id_copy(out, SG(m, gi)->views[k].id);
	return 0;
}

/* The index of rule id in group gi (in the direction asked), or -1. */
static ssize_t rule_by_id(const struct sgroup *g, const char *id, bool egress)
{
	for (size_t k = 0; k < g->n; k++)
		if (g->r[k].egress == egress && strcmp(g->views[k].id, id) == 0)
			return (ssize_t)k;
	return -1;
}

int model_revoke_sg_rules(struct model *m, const char *group_id, bool egress,
			  const char *const *rule_ids, size_t n, struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	size_t *idx, u = 0;
	ssize_t k;

	if (gi == NIL)
		return -1;
	if (n == 0)
		return model_fail(err, "MissingParameter",
				  "The request must contain the parameter SecurityGroupRuleId");
	if (!(idx = calloc(n, sizeof(*idx))))
		return model_fail_nomem(err);
	for (size_t i = 0; i < n; i++) {
		if (!rule_ids[i] || (k = rule_by_id(SG(m, gi), rule_ids[i], egress)) < 0) {
			free(idx);
			return model_fail(
			    err, "InvalidSecurityGroupRuleId.NotFound",
			    "The security group rule ID '%s' does not exist in the %s "
			    "rules of %s",
			    rule_ids[i] ? rule_ids[i] : "", egress ? "outbound" : "inbound",
			    group_id);
		}
		idx[i] = (size_t)k;
		if (!seen_before(idx, i))
			idx[u++] = (size_t)k;
	}
	remove_rules(m, gi, idx, u);
	free(idx);
	return 0;
}

int model_set_sg_rule_description(struct model *m, const char *group_id, const char *rule_id,
				  const char *description, struct model_err *err)
{
	uint32_t gi = find_group(m, group_id, err);
	struct sgroup *g;
	char *d = NULL;
	ssize_t k = -1;

	if (gi == NIL)
		return -1;
	g = SG(m, gi);
	for (size_t i = 0; rule_id && i < g->n && k < 0; i++)
		if (strcmp(g->views[i].id, rule_id) == 0)
			k = (ssize_t)i;
	if (k < 0)
		return model_fail(err, "InvalidSecurityGroupRuleId.NotFound",
				  "The security group rule ID '%s' does not exist in %s",
				  rule_id ? rule_id : "", group_id);
	if (description && check_text("rule description", description, true, err) < 0)
		return -1;
	if (description && !(d = strdup(description)))
		return model_fail_nomem(err);
	free((char *)g->views[k].description);
	g->views[k].description = d;
	return 0;
}

/* ---- the default group of a VPC ---- */

int model_sg_default_make(struct model *m, const struct model_vpc_req *req, uint64_t *seq,
			  struct sgroup *g, struct model_err *err)
{
	char gid[MODEL_ID_MAX], rid[MODEL_ID_MAX];
	static const char *const cidrs[3] = {NULL, "0.0.0.0/0", "::/0"};

	memset(g, 0, sizeof(*g));
	if (req->default_group_id && strncmp(req->default_group_id, "sg-", 3) != 0)
		return model_fail(err, "InvalidGroupId.Malformed",
				  "Invalid id: '%s' (expecting 'sg-...')", req->default_group_id);
	for (int k = 0; k < 3; k++)
		if (req->default_rule_ids[k] && strncmp(req->default_rule_ids[k], "sgr-", 4) != 0)
			return model_fail(err, "InvalidParameterValue",
					  "The rule id '%s' is malformed (expecting 'sgr-...')",
					  req->default_rule_ids[k]);
	if (model_pick_id(&m->by_sg, req->default_group_id, "sg-", seq, gid, err) < 0)
		return -1;
	if (group_alloc(g, gid, "default", "default VPC security group", err) < 0)
		goto fail;
	g->is_default = true;
	if (req->default_group_bare)
		goto reserve;
	if (group_grow(g, 3))
		goto nomem;
	/* inbound: all from its own members (the group is itself: NIL until linked) */
	struct sgrule self = {
	    .proto = -1, .from = -1, .to = -1, .peer = SG_PEER_GROUP, .group = NIL};
	struct model_sg_rule_view v;
	if (model_pick_id(&m->by_sgr, req->default_rule_ids[0], "sgr-", seq, rid, err) < 0)
		goto fail;
	if (rule_view_make(m, g, &self, rid, NULL, NULL, &v) < 0)
		goto nomem;
	rule_insert(m, NIL, g, &self, &v);
	/* outbound: all to anywhere, IPv4 and IPv6 */
	for (int k = 1; k < 3; k++)
		if (group_add_egress_all(m, g, cidrs[k], req->default_rule_ids[k], seq, err) < 0)
			goto fail;
reserve:
	if (objtab_reserve(&m->sgs, 1) || mhash_reserve(&m->by_sg, 1) ||
	    mhash_reserve(&m->by_sgr, g->n))
		goto nomem;
	return 0;
nomem:
	model_fail_nomem(err);
fail:
	model_sg_release(g);
	return -1;
}

uint32_t model_sg_default_link(struct model *m, struct sgroup *g, uint32_t vi)
{
	uint32_t gi;

	g->vpc = vi;
	gi = group_link(m, g);
	for (size_t k = 0; k < SG(m, gi)->n; k++)
		if (SG(m, gi)->r[k].peer == SG_PEER_GROUP && SG(m, gi)->r[k].group == NIL)
			SG(m, gi)->r[k].group = gi;
	return gi;
}

/* ---- members ---- */

int model_sg_resolve(const struct model *m, uint32_t vi, const char *const *ids, size_t n_ids,
		     uint32_t idx[MODEL_GROUPS_MAX], size_t *n, struct model_err *err)
{
	uint32_t gi;

	*n = 0;
	if (n_ids == 0) {
		idx[(*n)++] = VPC(m, vi)->default_sg;
		return 0;
	}
	for (size_t k = 0; k < n_ids; k++) {
		if ((gi = find_group(m, ids[k], err)) == NIL)
			return -1;
		if (SG(m, gi)->vpc != vi)
			return model_fail(err, "InvalidParameterValue",
					  "security group %s and the network interface's subnet "
					  "belong to different networks (VPC %s)",
					  ids[k], VPC(m, vi)->id);
		bool again = false;
		for (size_t j = 0; j < *n; j++)
			again = again || idx[j] == gi;
		if (again)
			continue;
		if (*n == MODEL_GROUPS_MAX)
			return model_fail(err, "SecurityGroupsPerInterfaceLimitExceeded",
					  "%zu security groups given; an interface has at most %d",
					  n_ids, MODEL_GROUPS_MAX);
		idx[(*n)++] = gi;
	}
	return 0;
}

int model_sg_reserve_members(struct model *m, const uint32_t *idx, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct sgroup *g = SG(m, idx[k]);
		if (g->nmem < g->capmem)
			continue;
		size_t cap = g->capmem ? 2 * g->capmem : 8;
		uint32_t *a = realloc(g->members, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		g->members = a;
		g->capmem = cap;
	}
	return 0;
}

void model_sg_join(struct model *m, uint32_t ei)
{
	struct eni *e = ENI(m, ei);

	m->sg_version++;
	for (size_t k = 0; k < e->ngroups; k++) {
		struct sgroup *g = SG(m, e->sg[k]);
		e->sgpos[k] = (uint32_t)g->nmem;
		g->members[g->nmem++] = ei;
	}
}

void model_sg_leave(struct model *m, uint32_t ei)
{
	struct eni *e = ENI(m, ei);

	m->sg_version++;
	for (size_t k = 0; k < e->ngroups; k++) {
		uint32_t gi = e->sg[k], pos = e->sgpos[k];
		struct sgroup *g = SG(m, gi);
		uint32_t last = g->members[--g->nmem];

		/* the last member takes the leaver's place: tell it where it now is */
		g->members[pos] = last;
		if (last != ei) {
			struct eni *le = ENI(m, last);
			for (size_t j = 0; j < le->ngroups; j++)
				if (le->sg[j] == gi)
					le->sgpos[j] = pos;
		}
	}
}

/* ---- views ---- */

static void sg_view(const struct model *m, uint32_t i, struct model_sg_view *o)
{
	const struct sgroup *g = SG(m, i);

	o->id = g->id;
	o->name = g->name;
	o->description = g->desc;
	o->vpc_id = VPC(m, g->vpc)->id;
	o->is_default = g->is_default;
	o->n_rules = g->n;
	o->rules = g->views;
	o->n_members = g->nmem;
	o->slot = i;
}

int model_get_sg(const struct model *m, const char *group_id, struct model_sg_view *out)
{
	uint32_t i = model_find(&m->by_sg, group_id);

	if (i == NIL)
		return -1;
	if (out)
		sg_view(m, i, out);
	return 0;
}

int model_find_sg_by_name(const struct model *m, const char *vpc_id, const char *name,
			  struct model_sg_view *out)
{
	uint32_t vi = model_find(&m->by_vpc, vpc_id);

	for (uint32_t i = m->sgs.head; vi != NIL && name && i != NIL; i = m->sgs.next[i])
		if (SG(m, i)->vpc == vi && strcmp(SG(m, i)->name, name) == 0) {
			if (out)
				sg_view(m, i, out);
			return 0;
		}
	return -1;
}

int model_get_default_sg(const struct model *m, const char *vpc_id, struct model_sg_view *out)
{
	uint32_t vi = model_find(&m->by_vpc, vpc_id);

	if (vi == NIL)
		return -1;
	if (out)
		sg_view(m, VPC(m, vi)->default_sg, out);
	return 0;
}

int model_find_sg_rule(const struct model *m, const char *rule_id, struct model_sg_view *out,
		       size_t *index)
{
	uint32_t gi = model_find(&m->by_sgr, rule_id);

	if (gi == NIL)
		return -1;
	for (size_t k = 0; k < SG(m, gi)->n; k++)
		if (strcmp(SG(m, gi)->views[k].id, rule_id) == 0) {
			if (out)
				sg_view(m, gi, out);
			if (index)
				*index = k;
			return 0;
		}
	return -1;
}

int model_foreach_sg_from(const struct model *m, const struct model_cursor *after, model_sg_cb cb,
			  void *arg)
{
	struct model_sg_view v;
	uint32_t i = m->sgs.head;
	int rc;

	if (after && after->id) {
		uint32_t at = model_find(&m->by_sg, after->id);
		if (at != NIL && m->sgs.order[at] == after->order)
			i = m->sgs.next[at];
		else
			while (i != NIL && m->sgs.order[i] <= after->order)
				i = m->sgs.next[i];
	}
	for (; i != NIL; i = m->sgs.next[i]) {
		sg_view(m, i, &v);
		if ((rc = cb(&v, arg)) != 0)
			return rc;
	}
	return 0;
}

int model_foreach_sg(const struct model *m, model_sg_cb cb, void *arg)
{
	return model_foreach_sg_from(m, NULL, cb, arg);
}

int model_foreach_sg_member(const struct model *m, const char *group_id, model_eni_cb cb, void *arg)
{
	uint32_t gi = model_find(&m->by_sg, group_id);
	struct model_eni_view v;
	int rc;

	if (gi == NIL)
		return -1;
	for (size_t k = 0; k < SG(m, gi)->nmem; k++) {
		if (model_get_eni(m, ENI(m, SG(m, gi)->members[k])->id, &v) < 0)
			continue;
		if ((rc = cb(&v, arg)) != 0)
			return rc;
	}
	return 0;
}

void model_sg_dump(const struct model *m, FILE *out)
{
	for (uint32_t i = m->sgs.head; i != NIL; i = m->sgs.next[i]) {
		const struct sgroup *g = SG(m, i);
		fprintf(out, "sg %s vpc=%s name=%s%s desc=%s members=%zu\n", g->id,
			VPC(m, g->vpc)->id, g->name, g->is_default ? " default" : "", g->desc,
			g->nmem);
		for (size_t k = 0; k < g->n; k++) {
			const struct model_sg_rule_view *v = &g->views[k];
			fprintf(out, "  rule %s %s proto=%d ports=%d..%d peer=%s desc=%s\n", v->id,
				v->egress ? "out" : "in", v->protocol, v->from_port, v->to_port,
				v->cidr4   ? v->cidr4
				: v->cidr6 ? v->cidr6
					   : v->peer_group_id,
				v->description ? v->description : "-");
		}
	}
}

/* ---- clone ---- */

static int clone_group(struct sgroup *d, const struct sgroup *s)
{
	bool oom = false;

	*d = *s;
	d->id = d->name = d->desc = NULL;
	d->r = NULL;
	d->views = NULL;
	d->members = NULL;
	d->n = d->cap = 0;
	d->id = dup_or_null(s->id, &oom);
	d->name = dup_or_null(s->name, &oom);
	d->desc = dup_or_null(s->desc, &oom);
	if (s->capmem && (d->members = malloc(s->capmem * sizeof(*d->members))))
		memcpy(d->members, s->members, s->nmem * sizeof(*d->members));
	if (oom || (s->capmem && !d->members) || group_grow(d, s->cap))
		return -ENOMEM;
	if (s->n)
		memcpy(d->r, s->r, s->n * sizeof(*s->r));
	for (; d->n < s->n; d->n++) {
		const struct model_sg_rule_view *v = &s->views[d->n];
		struct model_sg_rule_view *w = &d->views[d->n];
		*w = *v;
		w->id = dup_or_null(v->id, &oom);
		w->group_id = dup_or_null(v->group_id, &oom);
		w->cidr4 = dup_or_null(v->cidr4, &oom);
		w->cidr6 = dup_or_null(v->cidr6, &oom);
		w->peer_group_id = dup_or_null(v->peer_group_id, &oom);
		w->description = dup_or_null(v->description, &oom);
		if (oom) {
			d->n++;
			return -ENOMEM;
		}
	}
	return 0;
}

int model_sg_clone(struct model *d, const struct model *s)
{
	objtab_fini(&d->sgs); /* model_create's empty ones, replaced by s's */
	mhash_fini(&d->by_sg);
	mhash_fini(&d->by_sgr);
	if (objtab_clone(&d->sgs, &s->sgs))
		return -ENOMEM;
	/* the copied elements still point at s's memory: give each its own, or none */
	for (uint32_t i = d->sgs.head; i != NIL; i = d->sgs.next[i])
		memset(SG(d, i), 0, sizeof(struct sgroup));
	if (mhash_clone(&d->by_sg, &s->by_sg, d) || mhash_clone(&d->by_sgr, &s->by_sgr, d))
		return -ENOMEM;
	for (uint32_t i = s->sgs.head; i != NIL; i = s->sgs.next[i])
		if (clone_group(SG(d, i), SG(s, i)) < 0)
			return -ENOMEM;
	return 0;
}

uint64_t model_sg_version(const struct model *m)
{
	return m->sg_version;
}
