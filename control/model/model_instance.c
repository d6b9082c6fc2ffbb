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

int model_create_instance(struct model *m, const struct model_instance_req *req,
			  char out_id[MODEL_ID_MAX], struct model_err *err)
{
	char iid[MODEL_ID_MAX];
	uint64_t seq = m->seq;
	uint32_t ty, ii;
	char *id, *az;

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
	if (!id || !az || objtab_reserve(&m->insts, 1) || mhash_reserve(&m->by_inst, 1)) {
		free(id);
		free(az);
		return model_fail_nomem(err);
	}
	ii = objtab_alloc(&m->insts);
	INST(m, ii)->id = id;
	INST(m, ii)->az = az;
	INST(m, ii)->type = ty;
	INST(m, ii)->state = req->state;
	INST(m, ii)->port = req->host_port;
	mhash_put(&m->by_inst, iid, strlen(iid), ii);
	m->seq = seq;
	if (out_id)
		model_id_copy(out_id, iid);
	return 0;
}

static int set_state(struct model *m, const char *instance_id, enum model_instance_state st,
		     struct delta *delta, struct model_err *err)
{
	uint32_t ii = model_find(&m->by_inst, instance_id);
	struct instance *in;

	if (ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist",
				  instance_id ? instance_id : "");
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

int model_terminate_instance(struct model *m, const char *instance_id, struct delta *delta,
			     struct model_err *err)
{
	uint32_t ii = model_find(&m->by_inst, instance_id);
	struct instance *in;
	size_t cost = 0;

	if (ii == NIL)
		return model_fail(err, "InvalidInstanceID.NotFound",
				  "The instance ID '%s' does not exist",
				  instance_id ? instance_id : "");
	in = INST(m, ii);
	for (size_t k = 0; k < in->n_enis; k++)
		cost += ENI(m, in->enis[k])->dot ? model_eni_destroy_cost(m, in->enis[k]) : 1;
	if (model_reserve_delta(delta, cost))
		return model_fail_nomem(err);
	for (size_t k = 0; k < in->n_enis; k++) {
		uint32_t ei = in->enis[k];
		struct eni *e = ENI(m, ei);

		mhash_del(&m->by_attach, e->attach_id, strlen(e->attach_id));
		free(e->attach_id);
		e->attach_id = NULL;
		e->inst = NIL;
		e->dev = 0;
		if (e->dot)
			model_eni_destroy(m, ei, delta);
		else
			model_put_eni(m, delta, ei);
	}
	mhash_del(&m->by_inst, in->id, strlen(in->id));
	tags_forget(m, in->id);
	free(in->id);
	free(in->az);
	free(in->enis);
	free(in->eni_ids);
	objtab_release(&m->insts, ii);
	return 0;
}
