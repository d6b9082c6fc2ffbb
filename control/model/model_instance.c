/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_instance.c - instance types and instances (create, start, stop,
 * terminate).
 */
#include "model_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- instance types ---- */

int model_set_instance_type(struct model *m, const char *name, unsigned max_enis,
			    unsigned max_ipv4_per_eni, unsigned max_ipv6_per_eni,
			    struct model_err *err)
{
	uint32_t i;
	char *dup;

	if (!name || !model_id_ok(name))
		return model_fail(err, "InvalidParameterValue", "Invalid instance type name '%s'",
				  name ? name : "");
	if (max_enis < 1 || max_ipv4_per_eni < 1)
		return model_fail(err, "InvalidParameterValue",
				  "Instance type '%s' needs at least 1 ENI and 1 IPv4 per ENI",
				  name);
	i = model_find(&m->by_type, name);
	if (i == NIL) {
		if (!(dup = strdup(name)))
			return model_fail_nomem(err);
		if (objtab_reserve(&m->types, 1) || mhash_reserve(&m->by_type, 1)) {
			free(dup);
			return model_fail_nomem(err);
		}
		i = objtab_alloc(&m->types);
		TYPE(m, i)->name = dup;
		mhash_put(&m->by_type, name, strlen(name), i);
	}
	/* an override applies to running instances too; limits are checked on change */
	TYPE(m, i)->max_enis = max_enis;
	TYPE(m, i)->max4 = max_ipv4_per_eni;
	TYPE(m, i)->max6 = max_ipv6_per_eni;
	return 0;
}

/* ---- instances ---- */

static void load_add(struct model *m, uint16_t port, int by)
{
	if (port < MODEL_PORTS_MAX)
		m->port_load[port] = (uint32_t)((int64_t)m->port_load[port] + by);
}

int model_create_instance(struct model *m, const struct model_instance_req *req,
			  char out_id[MODEL_ID_MAX], struct model_err *err)
{
	char iid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t ty, ii;
	char *id, *az, *image;

	if (!req || !req->type || !req->az || !*req->az)
		return model_fail(err, "MissingParameter",
				  "An instance needs InstanceType and AvailabilityZone");
	ty = model_find(&m->by_type, req->type);
	if (ty == NIL)
		return model_fail(err, "InvalidParameterValue",
				  "Invalid value '%s' for InstanceType.", req->type);
	if (req->state != MODEL_RUNNING && req->state != MODEL_STOPPED)
		return model_fail(err, "InvalidParameterValue", "Invalid instance state %d",
				  (int)req->state);
	if (model_pick_id(&m->by_inst, req->id, "i-", &seq, iid, err) < 0)
		return -1;
	id = strdup(iid);
	az = strdup(req->az);
	image = req->image_id ? strdup(req->image_id) : NULL;
	if (!id || !az || (req->image_id && !image) || objtab_reserve(&m->insts, 1) ||
	    mhash_reserve(&m->by_inst, 1)) {
		free(id);
		free(az);
		free(image);
		return model_fail_nomem(err);
	}
	ii = objtab_alloc(&m->insts);
	INST(m, ii)->id = id;
	INST(m, ii)->az = az;
	INST(m, ii)->image = image;
	INST(m, ii)->type = ty;
	INST(m, ii)->state = req->state;
	INST(m, ii)->port = req->host_port;
	INST(m, ii)->terminated_at = 0;
	INST(m, ii)->md_tokens_required = false;
	INST(m, ii)->md_endpoint_disabled = false;
	INST(m, ii)->md_ipv6_enabled = false;
	INST(m, ii)->md_hop_limit = 1; /* EC2's default */
	mhash_put(&m->by_inst, iid, strlen(iid), ii);
	load_add(m, req->host_port, 1);
	m->seq = seq;
	if (out_id)
		model_id_copy(out_id, iid);
	return 0;
}

void model_instance_destroy(struct model *m, uint32_t ii)
{
	struct instance *in = INST(m, ii);

	if (in->state != MODEL_TERMINATED)
		load_add(m, in->port, -1);
	tags_forget(m, in->id); /* kept while it is shown terminated, as EC2 does */
	mhash_del(&m->by_inst, in->id, strlen(in->id));
	free(in->id);
	free(in->az);
	free(in->image);
	free(in->enis);
	free(in->eni_ids);
	objtab_release(&m->insts, ii);
}

void model_eni_unlink_instance(struct model *m, uint32_t ei)
{
	struct eni *e = ENI(m, ei);
	struct instance *in = INST(m, e->inst);
	size_t k;

	for (k = 0; in->enis[k] != ei; k++)
		;
	memmove(&in->enis[k], &in->enis[k + 1], (in->n_enis - k - 1) * sizeof(*in->enis));
	memmove(&in->eni_ids[k], &in->eni_ids[k + 1], (in->n_enis - k - 1) * sizeof(*in->eni_ids));
	in->n_enis--;
	mhash_del(&m->by_attach, e->attach_id, strlen(e->attach_id));
	free(e->attach_id);
	e->attach_id = NULL;
	e->inst = NIL;
	e->dev = 0;
}

static int find_live(const struct model *m, const char *instance_id, uint32_t *ii,
		     struct model_err *err)
{
	*ii = model_find(&m->by_inst, instance_id);
	if (*ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist",
				  instance_id ? instance_id : "");
	return 0;
}

/* A known instance that is not terminated (which cannot change: it would be
 * `done`, e.g. "started"). Its index, or -1 and the error. */
static int find_changeable(struct model *m, const char *instance_id, const char *done, uint32_t *ii,
			   struct model_err *err)
{
	if (find_live(m, instance_id, ii, err) < 0)
		return -1;
	if (INST(m, *ii)->state == MODEL_TERMINATED)
		return model_fail(err, "IncorrectInstanceState",
				  "The instance '%s' is not in a state from which it can be %s.",
				  instance_id, done);
	return 0;
}

static int set_state(struct model *m, const char *instance_id, enum model_instance_state st,
		     struct delta *delta, struct model_err *err)
{
	struct instance *in;
	uint32_t ii;

	if (find_changeable(m, instance_id, st == MODEL_RUNNING ? "started" : "stopped", &ii, err) <
	    0)
		return -1;
	in = INST(m, ii);
	if (in->state == st)
		return 0; /* EC2 answers success and changes nothing */
	if (model_reserve_delta(delta, in->n_enis))
		return model_fail_nomem(err);
	in->state = st;
	for (size_t k = 0; k < in->n_enis; k++)
		model_put_eni(m, delta, in->enis[k]);
	return 0;
}

int model_start_instance(struct model *m, const char *instance_id, struct delta *delta,
			 struct model_err *err)
{
	return set_state(m, instance_id, MODEL_RUNNING, delta, err);
}

int model_stop_instance(struct model *m, const char *instance_id, struct delta *delta,
			struct model_err *err)
{
	return set_state(m, instance_id, MODEL_STOPPED, delta, err);
}

int model_metadata_options_check(const struct model_metadata_options *o, struct model_err *err)
{
	if (o->hop_limit >= 0 && (o->hop_limit < 1 || o->hop_limit > 64))
		return model_fail(err, "InvalidParameterValue",
				  "The HttpPutResponseHopLimit value %d is not valid; it must be "
				  "between 1 and 64.",
				  o->hop_limit);
	return 0;
}

int model_set_metadata_options(struct model *m, const char *instance_id,
			       const struct model_metadata_options *o, struct model_err *err)
{
	struct instance *in;
	uint32_t ii;

	if (find_changeable(m, instance_id, "modified", &ii, err) < 0)
		return -1;
	in = INST(m, ii);
	if (model_metadata_options_check(o, err) < 0)
		return -1;
	/* the dataplane does not see these: no delta */
	if (o->tokens_required >= 0)
		in->md_tokens_required = o->tokens_required != 0;
	if (o->endpoint_enabled >= 0)
		in->md_endpoint_disabled = o->endpoint_enabled == 0;
	if (o->hop_limit >= 0)
		in->md_hop_limit = (uint8_t)o->hop_limit;
	if (o->protocol_ipv6 >= 0)
		in->md_ipv6_enabled = o->protocol_ipv6 != 0;
	return 0;
}

void model_set_clock(struct model *m, int64_t now)
{
	m->clock = now;
}

void model_set_terminated_retention(struct model *m, int64_t seconds)
{
	m->retention = seconds;
}

int64_t model_terminated_retention(const struct model *m)
{
	return m->retention;
}

/* Room for one more entry in the termination queue (compacted when it is half empty). */
static int dead_reserve(struct model *m)
{
	if (m->dead0 && m->dead0 * 2 >= m->ndead) {
		memmove(m->dead, m->dead + m->dead0, (m->ndead - m->dead0) * sizeof(*m->dead));
		m->ndead -= m->dead0;
		m->dead0 = 0;
	}
	if (m->ndead < m->capdead)
		return 0;
	size_t cap = m->capdead ? m->capdead * 2 : 16;
	uint32_t *p = realloc(m->dead, cap * sizeof(*p));
	if (!p)
		return -1;
	m->dead = p;
	m->capdead = cap;
	return 0;
}

int model_terminate_instance(struct model *m, const char *instance_id, struct delta *delta,
			     struct model_err *err)
{
	struct instance *in;
	size_t cost = 0;
	uint32_t ii;

	if (find_live(m, instance_id, &ii, err) < 0)
		return -1;
	in = INST(m, ii);
	if (in->state == MODEL_TERMINATED)
		return 0; /* EC2: terminating a terminated instance succeeds */
	for (size_t k = 0; k < in->n_enis; k++)
		cost += ENI(m, in->enis[k])->dot ? model_eni_destroy_cost(m, in->enis[k]) : 1;
	if (model_reserve_delta(delta, cost) || dead_reserve(m))
		return model_fail_nomem(err);
	while (in->n_enis) {
		uint32_t ei = in->enis[0];

		model_eni_unlink_instance(m, ei);
		if (ENI(m, ei)->dot)
			model_eni_destroy(m, ei, delta);
		else
			model_put_eni(m, delta, ei);
	}
	load_add(m, in->port, -1);
	in->state = MODEL_TERMINATED;
	in->terminated_at = m->clock;
	m->dead[m->ndead++] = ii;
	return 0;
}

size_t model_forget_terminated(struct model *m, int64_t before)
{
	size_t n = 0;

	while (m->dead0 < m->ndead) {
		uint32_t ii = m->dead[m->dead0];

		if (INST(m, ii)->terminated_at > before)
			break;
		model_instance_destroy(m, ii);
		m->dead0++;
		n++;
	}
	if (m->dead0 == m->ndead)
		m->dead0 = m->ndead = 0;
	return n;
}
