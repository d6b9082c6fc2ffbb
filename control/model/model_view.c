/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_view.c - reading the model: views by id, iteration in creation
 * order, the full delta, the text dump and the totals.
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

static void vpc_view(const struct model *m, uint32_t i, struct model_vpc_view *o)
{
	const struct vpc *v = VPC(m, i);

	o->id = v->id;
	o->n_cidr4 = v->n4;
	o->cidr4 = (const char *const *)v->c4text;
	o->n_cidr6 = v->n6;
	o->cidr6 = (const char *const *)v->c6text;
	o->main_route_table_id = RT(m, v->main_rt)->id;
	o->main_association_id = v->main_assoc;
	o->dns_support = v->dns_support;
	o->dns_hostnames = v->dns_hostnames;
}

static void subnet_view(const struct model *m, uint32_t i, struct model_subnet_view *o)
{
	const struct subnet *s = SUBNET(m, i);

	o->id = s->id;
	o->vpc_id = VPC(m, s->vpc)->id;
	o->az = s->az;
	o->cidr4 = s->cidr4text;
	o->cidr6 = s->has6 ? s->cidr6text : NULL;
	o->route_table_id = RT(m, s->rt)->id;
	o->association_id = s->assoc;
	o->available_ipv4 = s->pool.nfree;
	o->slot = i;
}

static void rt_view(const struct model *m, uint32_t i, struct model_route_table_view *o)
{
	const struct rtable *t = RT(m, i);

	o->id = t->id;
	o->vpc_id = VPC(m, t->vpc)->id;
	o->main = t->main;
	o->n_routes = t->n;
	o->routes = t->views;
	o->slot = i;
}

static void type_view(const struct model *m, uint32_t i, struct model_instance_type_view *o)
{
	const struct itype *t = TYPE(m, i);

	o->name = t->name;
	o->max_enis = t->max_enis;
	o->max_ipv4_per_eni = t->max4;
	o->max_ipv6_per_eni = t->max6;
}

static void inst_view(const struct model *m, uint32_t i, struct model_instance_view *o)
{
	const struct instance *in = INST(m, i);

	o->id = in->id;
	o->type = TYPE(m, in->type)->name;
	o->az = in->az;
	o->state = in->state;
	o->host_port = in->port;
	o->n_enis = in->n_enis;
	o->eni_ids = in->eni_ids;
	o->terminated_at = in->terminated_at;
	o->image_id = in->image;
	o->metadata_tokens_required = in->md_tokens_required;
	o->metadata_endpoint_enabled = !in->md_endpoint_disabled;
	o->metadata_hop_limit = in->md_hop_limit;
	o->metadata_ipv6_enabled = in->md_ipv6_enabled;
}

static void eni_view(const struct model *m, uint32_t i, struct model_eni_view *o)
{
	const struct eni *e = ENI(m, i);
	const struct subnet *s = SUBNET(m, e->subnet);

	o->id = e->id;
	o->subnet_id = s->id;
	o->vpc_id = VPC(m, s->vpc)->id;
	o->az = s->az;
	o->description = e->desc;
	memcpy(o->mac, e->mac, 6);
	o->vlan = e->vlan;
	o->source_dest_check = e->sdc;
	o->instance_id = e->inst == NIL ? NULL : INST(m, e->inst)->id;
	o->attachment_id = e->attach_id;
	o->device_index = e->inst == NIL ? -1 : e->dev;
	o->delete_on_termination = e->dot;
	o->primary_ip = e->primary;
	o->n_secondary = e->nsec;
	o->secondary_ips = e->sec;
	o->n_ipv6 = e->n6;
	o->ipv6 = e->v6;
	o->slot = i;
	o->n_groups = e->ngroups;
	o->groups = (const char *const *)e->groups;
}

static void eip_view(const struct model *m, uint32_t i, struct model_eip_view *o)
{
	const struct eip *p = EIP(m, i);

	o->allocation_id = p->alloc_id;
	o->public_ip = p->pub;
	o->association_id = p->assoc_id;
	o->eni_id = p->assoc_id ? ENI(m, p->eni)->id : NULL;
	o->instance_id =
	    p->assoc_id && ENI(m, p->eni)->inst != NIL ? INST(m, ENI(m, p->eni)->inst)->id : NULL;
	o->private_ip = p->assoc_id ? p->priv : 0;
}

#define GETTER(fn, map, view_t, viewfn)                                                            \
	int fn(const struct model *m, const char *id, view_t *out)                                 \
	{                                                                                          \
		uint32_t i = model_find(&m->map, id);                                              \
		if (i == NIL)                                                                      \
			return -1;                                                                 \
		if (out)                                                                           \
			viewfn(m, i, out);                                                         \
		return 0;                                                                          \
	}
GETTER(model_get_vpc, by_vpc, struct model_vpc_view, vpc_view)
GETTER(model_get_subnet, by_subnet, struct model_subnet_view, subnet_view)
GETTER(model_get_route_table, by_rt, struct model_route_table_view, rt_view)
GETTER(model_get_instance_type, by_type, struct model_instance_type_view, type_view)
GETTER(model_get_instance, by_inst, struct model_instance_view, inst_view)
GETTER(model_get_eni, by_eni, struct model_eni_view, eni_view)
GETTER(model_get_eip, by_alloc, struct model_eip_view, eip_view)

int model_find_eni_by_mac(const struct model *m, const uint8_t mac[6], struct model_eni_view *out)
{
	uint32_t i;

	if (mhash_get(&m->mac, mac, 6, &i) != 0)
		return -1;
	if (out)
		eni_view(m, i, out);
	return 0;
}

int model_get_eip_by_private(const struct model *m, const char *vpc_id, uint32_t private_ip,
			     struct model_eip_view *out)
{
	uint32_t i, vpc = model_find(&m->by_vpc, vpc_id);

	if (vpc == NIL || (i = model_eip_on(m, vpc, private_ip)) == NIL)
		return -1;
	eip_view(m, i, out);
	return 0;
}

/*
 * Where a walk resumes after a cursor (model.h): right after the cursor's
 * object when it is still the one the cursor saw (same creation number),
 * else at the first object created after it.
 */
static uint32_t resume_at(const struct objtab *t, const struct mhash *h,
			  const struct model_cursor *after)
{
	uint32_t i;

	if (!after)
		return t->head;
	i = model_find(h, after->id);
	if (i != NIL && t->order[i] == after->order)
		return t->next[i];
	for (i = t->head; i != NIL && t->order[i] <= after->order; i = t->next[i])
		;
	return i;
}

#define FOREACH(fn, tab, map, view_t, cb_t, viewfn)                                                \
	int fn##_from(const struct model *m, const struct model_cursor *after, cb_t cb, void *arg) \
	{                                                                                          \
		for (uint32_t i = resume_at(&m->tab, &m->map, after); i != NIL;                    \
		     i = m->tab.next[i]) {                                                         \
			view_t v;                                                                  \
			int rc;                                                                    \
			viewfn(m, i, &v);                                                          \
			if ((rc = cb(&v, arg)))                                                    \
				return rc;                                                         \
		}                                                                                  \
		return 0;                                                                          \
	}                                                                                          \
	int fn(const struct model *m, cb_t cb, void *arg)                                          \
	{                                                                                          \
		return fn##_from(m, NULL, cb, arg);                                                \
	}
FOREACH(model_foreach_vpc, vpcs, by_vpc, struct model_vpc_view, model_vpc_cb, vpc_view)
FOREACH(model_foreach_subnet, subnets, by_subnet, struct model_subnet_view, model_subnet_cb,
	subnet_view)
FOREACH(model_foreach_route_table, rts, by_rt, struct model_route_table_view, model_route_table_cb,
	rt_view)
FOREACH(model_foreach_instance_type, types, by_type, struct model_instance_type_view,
	model_instance_type_cb, type_view)
FOREACH(model_foreach_instance, insts, by_inst, struct model_instance_view, model_instance_cb,
	inst_view)
FOREACH(model_foreach_eni, enis, by_eni, struct model_eni_view, model_eni_cb, eni_view)
FOREACH(model_foreach_eip, eips, by_alloc, struct model_eip_view, model_eip_cb, eip_view)

uint64_t model_order_of(const struct model *m, enum model_kind kind, const char *id)
{
	static const struct {
		size_t tab, map;
	} k[] = {
	    [MODEL_KIND_VPC] = {offsetof(struct model, vpcs), offsetof(struct model, by_vpc)},
	    [MODEL_KIND_SUBNET] = {offsetof(struct model, subnets),
				   offsetof(struct model, by_subnet)},
	    [MODEL_KIND_ROUTE_TABLE] = {offsetof(struct model, rts), offsetof(struct model, by_rt)},
	    [MODEL_KIND_INSTANCE_TYPE] = {offsetof(struct model, types),
					  offsetof(struct model, by_type)},
	    [MODEL_KIND_INSTANCE] = {offsetof(struct model, insts),
				     offsetof(struct model, by_inst)},
	    [MODEL_KIND_ENI] = {offsetof(struct model, enis), offsetof(struct model, by_eni)},
	    [MODEL_KIND_EIP] = {offsetof(struct model, eips), offsetof(struct model, by_alloc)},
	    [MODEL_KIND_TAGS] = {offsetof(struct model, tagsets), offsetof(struct model, by_tags)},
	    [MODEL_KIND_SG] = {offsetof(struct model, sgs), offsetof(struct model, by_sg)},
	};
	const struct objtab *t;
	uint32_t i;

	if ((size_t)kind >= sizeof(k) / sizeof(k[0]) || !id)
		return 0;
	t = (const struct objtab *)((const char *)m + k[kind].tab);
	i = model_find((const struct mhash *)((const char *)m + k[kind].map), id);
	return i == NIL ? 0 : t->order[i];
}

int model_full_delta(const struct model *m, struct delta *d)
{
	size_t need = m->subnets.nlive + m->enis.nlive + m->nv4 + m->nv6 + m->nassoc;
	uint32_t i;

	for (i = m->rts.head; i != NIL; i = m->rts.next[i])
		need += RT(m, i)->n;
	if (delta_reserve(d, need) < 0)
		return -ENOMEM;
	/* objects before what refers to them: subnets, ENIs, routes (to ENIs), addresses */
	for (i = m->subnets.head; i != NIL; i = m->subnets.next[i])
		model_put_subnet(m, d, i);
	for (i = m->enis.head; i != NIL; i = m->enis.next[i])
		model_put_eni(m, d, i);
	for (i = m->rts.head; i != NIL; i = m->rts.next[i])
		for (size_t r = 0; r < RT(m, i)->n; r++)
			model_put_route(m, d, i, r, false);
	for (i = m->enis.head; i != NIL; i = m->enis.next[i]) {
		const struct eni *e = ENI(m, i);
		uint32_t vpc = model_eni_vpc(m, i);
		model_put_v4(m, d, vpc, e->primary);
		for (size_t k = 0; k < e->nsec; k++)
			model_put_v4(m, d, vpc, e->sec[k]);
		for (size_t k = 0; k < e->n6; k++) {
			struct delta_entry x = {.kind = DELTA_V6_SET};
			memcpy(x.v6.addr, e->v6[k].s6_addr, 16);
			x.v6.eni = i;
			model_dput(d, &x);
		}
	}
	for (i = m->eips.head; i != NIL; i = m->eips.next[i]) {
		const struct eip *p = EIP(m, i);
		struct delta_entry x = {.kind = DELTA_EIP_SET};
		if (!p->assoc_id)
			continue;
		x.eip.eip = p->pub;
		x.eip.priv = p->priv;
		x.eip.vpc = model_eni_vpc(m, p->eni);
		x.eip.eni = p->eni;
		model_dput(d, &x);
	}
	return 0;
}

/* ---- dump ---- */

static const char *state_name(enum model_instance_state s)
{
	return s == MODEL_RUNNING ? "running" : s == MODEL_STOPPED ? "stopped" : "terminated";
}

int model_dump(const struct model *m, FILE *out)
{
	char a[INET6_ADDRSTRLEN];
	uint32_t i;

	fprintf(out, "model id-seq=%llu capacity v4=%zu v6=%zu eips=%zu\n",
		(unsigned long long)m->seq, m->cap_v4, m->cap_v6, m->cap_eips);
	for (i = m->types.head; i != NIL; i = m->types.next[i])
		fprintf(out, "instance-type %s enis=%u ipv4=%u ipv6=%u\n", TYPE(m, i)->name,
			TYPE(m, i)->max_enis, TYPE(m, i)->max4, TYPE(m, i)->max6);
	for (size_t k = 0; k < m->npools; k++)
		fprintf(out, "public-pool %s free=%llu\n", m->pools[k].text,
			(unsigned long long)m->pools[k].pool.nfree);
	for (size_t k = 0; k < m->nv6pools; k++)
		fprintf(out, "ipv6-pool %s\n", m->v6pools[k].text);
	for (i = m->vpcs.head; i != NIL; i = m->vpcs.next[i]) {
		const struct vpc *v = VPC(m, i);
		fprintf(out,
			"vpc %s main-route-table=%s main-association=%s dns-support=%d "
			"dns-hostnames=%d\n",
			v->id, RT(m, v->main_rt)->id, v->main_assoc, v->dns_support,
			v->dns_hostnames);
		for (size_t k = 0; k < v->n4; k++)
			fprintf(out, "  cidr4 %s\n", v->c4text[k]);
		for (size_t k = 0; k < v->n6; k++)
			fprintf(out, "  cidr6 %s\n", v->c6text[k]);
	}
	for (i = m->rts.head; i != NIL; i = m->rts.next[i]) {
		const struct rtable *t = RT(m, i);
		fprintf(out, "route-table %s vpc=%s main=%d\n", t->id, VPC(m, t->vpc)->id, t->main);
		for (size_t r = 0; r < t->n; r++)
			fprintf(out, "  route %s -> %s%s\n", t->views[r].dest_cidr,
				t->views[r].target, t->views[r].blackholed ? " (blackhole)" : "");
	}
	for (i = m->subnets.head; i != NIL; i = m->subnets.next[i]) {
		const struct subnet *s = SUBNET(m, i);
		fprintf(out,
			"subnet %s vpc=%s az=%s cidr4=%s cidr6=%s route-table=%s association=%s "
			"free=%llu\n",
			s->id, VPC(m, s->vpc)->id, s->az, s->cidr4text,
			s->has6 ? s->cidr6text : "-", RT(m, s->rt)->id, s->assoc ? s->assoc : "-",
			(unsigned long long)s->pool.nfree);
	}
	for (i = m->insts.head; i != NIL; i = m->insts.next[i]) {
		const struct instance *in = INST(m, i);
		fprintf(out, "instance %s type=%s az=%s state=%s port=%u enis=", in->id,
			TYPE(m, in->type)->name, in->az, state_name(in->state), in->port);
		for (size_t k = 0; k < in->n_enis; k++)
			fprintf(out, "%s%s", k ? "," : "", in->eni_ids[k]);
		if (in->state == MODEL_TERMINATED)
			fprintf(out, " terminated-at=%lld", (long long)in->terminated_at);
		if (in->image)
			fprintf(out, " image=%s", in->image);
		if (in->md_tokens_required || in->md_endpoint_disabled || in->md_hop_limit != 1 ||
		    in->md_ipv6_enabled)
			fprintf(out, " metadata=%s,%s,%u%s",
				in->md_tokens_required ? "required" : "optional",
				in->md_endpoint_disabled ? "disabled" : "enabled", in->md_hop_limit,
				in->md_ipv6_enabled ? ",ipv6" : "");
		fprintf(out, "\n");
	}
	for (i = m->enis.head; i != NIL; i = m->enis.next[i]) {
		const struct eni *e = ENI(m, i);
		fprintf(out,
			"eni %s subnet=%s mac=%02x:%02x:%02x:%02x:%02x:%02x vlan=%u sdc=%d "
			"desc=\"%s\"",
			e->id, SUBNET(m, e->subnet)->id, e->mac[0], e->mac[1], e->mac[2], e->mac[3],
			e->mac[4], e->mac[5], e->vlan, e->sdc, e->desc);
		if (e->inst != NIL)
			fprintf(out, " attached=%s device=%d attachment=%s dot=%d",
				INST(m, e->inst)->id, e->dev, e->attach_id, e->dot);
		else
			fprintf(out, " available dot=%d", e->dot);
		for (size_t k = 0; k < e->ngroups; k++)
			fprintf(out, "%s%s", k ? "," : " groups=", e->groups[k]);
		model_fmt_v4(e->primary, a);
		fprintf(out, "\n  primary %s\n", a);
		for (size_t k = 0; k < e->nsec; k++) {
			model_fmt_v4(e->sec[k], a);
			fprintf(out, "  secondary %s\n", a);
		}
		for (size_t k = 0; k < e->n6; k++) {
			model_fmt_v6(&e->v6[k], a);
			fprintf(out, "  ipv6 %s\n", a);
		}
	}
	for (i = m->eips.head; i != NIL; i = m->eips.next[i]) {
		const struct eip *p = EIP(m, i);
		model_fmt_v4(p->pub, a);
		fprintf(out, "eip %s public=%s", p->alloc_id, a);
		if (p->assoc_id) {
			model_fmt_v4(p->priv, a);
			fprintf(out, " association=%s eni=%s private=%s", p->assoc_id,
				ENI(m, p->eni)->id, a);
		}
		fprintf(out, "\n");
	}
	model_sg_dump(m, out);
	model_tags_dump(m, out);
	return ferror(out) ? -EIO : 0;
}

void model_get_stats(const struct model *m, struct model_stats *o)
{
	const struct mhash *maps[] = {&m->by_vpc,   &m->by_rt,	    &m->by_subnet, &m->by_type,
				      &m->by_inst,  &m->by_eni,	    &m->by_attach, &m->by_alloc,
				      &m->by_assoc, &m->by_rtassoc, &m->v4own,	   &m->v6own,
				      &m->mac,	    &m->eippub,	    &m->eippriv};
	const struct objtab *tabs[] = {&m->vpcs,  &m->rts,  &m->subnets, &m->types,
				       &m->insts, &m->enis, &m->eips};
	size_t b = sizeof(*m);
	uint32_t i;

	memset(o, 0, sizeof(*o));
	o->vpcs = m->vpcs.nlive;
	o->subnets = m->subnets.nlive;
	o->instances = m->insts.nlive;
	o->enis = m->enis.nlive;
	o->v4 = m->nv4;
	o->v6 = m->nv6;
	o->eips = m->eips.nlive;
	o->associations = m->nassoc;
	for (size_t k = 0; k < sizeof(maps) / sizeof(maps[0]); k++)
		b += mhash_bytes(maps[k]);
	for (size_t k = 0; k < sizeof(tabs) / sizeof(tabs[0]); k++)
		b += objtab_bytes(tabs[k]);
	for (i = m->subnets.head; i != NIL; i = m->subnets.next[i])
		b += addrpool_bytes(&SUBNET(m, i)->pool);
	for (size_t k = 0; k < m->npools; k++)
		b += addrpool_bytes(&m->pools[k].pool);
	/* per-object arrays and strings (ids, descriptions), approximately */
	for (i = m->enis.head; i != NIL; i = m->enis.next[i]) {
		const struct eni *e = ENI(m, i);
		b += e->capsec * sizeof(*e->sec) + e->cap6 * sizeof(*e->v6) + strlen(e->id) + 1 +
		     strlen(e->desc) + 1 + (e->attach_id ? strlen(e->attach_id) + 1 : 0);
	}
	for (i = m->eips.head; i != NIL; i = m->eips.next[i]) {
		const struct eip *p = EIP(m, i);
		b += strlen(p->alloc_id) + 1 + (p->assoc_id ? strlen(p->assoc_id) + 1 : 0);
	}
	o->security_groups = m->sgs.nlive;
	for (i = m->sgs.head; i != NIL; i = m->sgs.next[i])
		o->sg_rules += SG(m, i)->n;
	o->bytes = b + model_tags_bytes(m) + model_sg_bytes(m);
}
