/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model_launch.c - RunInstances' launch (R29): an instance created running
 * with its interfaces, each made by the same operations a later call uses
 * (model_create_instance, model_create_eni, model_attach_eni), so the type's
 * limits (R9) hold at launch as they do later. Several operations make one
 * launch: a failure undoes those done (the undo cannot fail: it only frees)
 * and cuts the delta back to where it was, so a launch is all-or-nothing like
 * every other operation. Placement picks the host port.
 */
#include "model_internal.h"

#include <stdlib.h>
#include <string.h>

int model_set_placement(struct model *m, const uint16_t *ports, size_t n_ports,
			unsigned max_per_port, struct model_err *err)
{
	if (n_ports > MODEL_PORTS_MAX)
		return model_fail(err, "InvalidParameterValue",
				  "Placement lists %zu host ports; at most %d", n_ports,
				  MODEL_PORTS_MAX);
	for (size_t i = 0; i < n_ports; i++) {
		if (ports[i] >= MODEL_PORTS_MAX)
			return model_fail(err, "InvalidParameterValue",
					  "Placement host port %u is not below %d", ports[i],
					  MODEL_PORTS_MAX);
		for (size_t k = 0; k < i; k++)
			if (ports[k] == ports[i])
				return model_fail(err, "InvalidParameterValue",
						  "Placement lists host port %u twice", ports[i]);
	}
	if (n_ports) /* ports may be NULL then: memcpy wants a pointer all the same */
		memcpy(m->place, ports, n_ports * sizeof(*ports));
	m->nplace = n_ports;
	m->place_max = max_per_port;
	return 0;
}

/* The host port of a new instance: the given one (replay), or the least-loaded. */
static int pick_port(const struct model *m, int want, uint16_t *port, struct model_err *err)
{
	size_t best = 0;

	if (want >= 0) {
		if (want > UINT16_MAX)
			return model_fail(err, "InvalidParameterValue", "Invalid host port %d",
					  want);
		*port = (uint16_t)want;
		return 0;
	}
	if (m->nplace == 0)
		return model_fail(err, "InstanceLimitExceeded",
				  "No host port is configured for new instances (placement).");
	for (size_t k = 1; k < m->nplace; k++)
		if (m->port_load[m->place[k]] < m->port_load[m->place[best]])
			best = k;
	if (m->place_max && m->port_load[m->place[best]] >= m->place_max)
		return model_fail(err, "InstanceLimitExceeded",
				  "Your quota allows for 0 more running instance(s): each of the "
				  "%zu host ports holds %u.",
				  m->nplace, m->place_max);
	*port = m->place[best];
	return 0;
}

/* The AZ of the launch: the subnet's of the interface at device index 0. */
static int launch_az(const struct model *m, const struct model_launch_req *req, const char **az,
		     struct model_err *err)
{
	const struct model_launch_eni *p = NULL;

	if (!req->enis || req->n_enis == 0)
		return model_fail(err, "MissingParameter", "An instance needs a network interface");
	for (size_t i = 0; i < req->n_enis; i++) {
		if (req->enis[i].device_index != 0)
			continue;
		if (p)
			return model_fail(err, "InvalidParameterValue",
					  "Each network interface requires a unique device index "
					  "(0 twice).");
		p = &req->enis[i];
	}
	if (!p)
		return model_fail(err, "InvalidParameterValue",
				  "The primary network interface (device index 0) is missing.");
	if (p->eni_id) {
		uint32_t ei = model_find(&m->by_eni, p->eni_id);
		if (ei == NIL)
			return model_fail_no_eni(err, p->eni_id);
		*az = SUBNET(m, ENI(m, ei)->subnet)->az;
		return 0;
	}
	uint32_t s = model_find(&m->by_subnet, p->create.subnet_id);
	if (s == NIL)
		return model_fail(err, "InvalidSubnetID.NotFound",
				  "The subnet ID '%s' does not exist",
				  p->create.subnet_id ? p->create.subnet_id : "");
	*az = SUBNET(m, s)->az;
	return 0;
}

/* Undo a partial launch: n interfaces of ei[] were handled; made[] marks the created ones. */
static void unlaunch(struct model *m, uint32_t ii, const uint32_t *ei, const bool *made, size_t n)
{
	while (n--) {
		if (ei[n] == NIL)
			continue;
		if (ENI(m, ei[n])->inst == ii)
			model_eni_unlink_instance(m, ei[n]);
		if (made[n])
			model_eni_destroy(m, ei[n], NULL);
	}
	model_instance_destroy(m, ii);
}

static int launch_enis(struct model *m, const struct model_launch_req *req, const char *iid,
		       uint32_t *ei, bool *made, size_t *done, struct delta *delta,
		       struct model_err *err)
{
	for (*done = 0; *done < req->n_enis; (*done)++) {
		const struct model_launch_eni *p = &req->enis[*done];
		struct model_attach_req a = {.instance_id = iid,
					     .device_index = p->device_index,
					     .attachment_id = p->attachment_id,
					     .delete_on_termination = p->delete_on_termination};
		char eid[MODEL_ID_MAX];

		ei[*done] = NIL;
		made[*done] = false;
		if (p->eni_id) {
			a.eni_id = p->eni_id;
		} else {
			if (model_create_eni(m, &p->create, eid, delta, err) < 0)
				return -1;
			a.eni_id = eid;
			made[*done] = true;
		}
		ei[*done] = model_find(&m->by_eni, a.eni_id);
		if (ei[*done] == NIL)
			return model_fail_no_eni(err, a.eni_id);
		if (model_attach_eni(m, &a, NULL, delta, err) < 0) {
			(*done)++; /* a created ENI is undone too */
			return -1;
		}
	}
	return 0;
}

static int launch_one(struct model *m, const struct model_launch_req *req, struct delta *delta,
		      struct model_err *err)
{
	struct model_instance_req ir = {
	    .id = req->id, .type = req->type, .state = MODEL_RUNNING, .image_id = req->image_id};
	char iid[MODEL_ID_MAX];
	uint32_t *ei;
	bool *made;
	size_t done = 0;
	int rc;

	if (launch_az(m, req, &ir.az, err) < 0 || pick_port(m, req->host_port, &ir.host_port, err))
		return -1;
	ei = calloc(req->n_enis, sizeof(*ei));
	made = calloc(req->n_enis, sizeof(*made));
	if (!ei || !made) {
		free(ei);
		free(made);
		return model_fail_nomem(err);
	}
	rc = model_create_instance(m, &ir, iid, err);
	if (rc == 0) {
		/* the options were checked by launch_check: this cannot fail */
		if (req->metadata != NULL)
			rc = model_set_metadata_options(m, iid, req->metadata, err);
		if (rc == 0)
			rc = launch_enis(m, req, iid, ei, made, &done, delta, err);
		if (rc)
			unlaunch(m, model_find(&m->by_inst, iid), ei, made, done);
	}
	free(ei);
	free(made);
	return rc;
}

/* A launch refused for capacity ends a MinCount..MaxCount launch; others fail it. */
static bool capacity_error(const struct model_err *err)
{
	return err && (!strcmp(err->code, "InsufficientFreeAddressesInSubnet") ||
		       !strcmp(err->code, "InstanceLimitExceeded") ||
		       !strcmp(err->code, "InsufficientAddressCapacity"));
}

/* Remove a launched instance with all its interfaces (all created by the launch). */
static void unlaunch_whole(struct model *m, const char *id)
{
	uint32_t ii = model_find(&m->by_inst, id);

	while (ii != NIL && INST(m, ii)->n_enis) {
		uint32_t ei = INST(m, ii)->enis[0];
		model_eni_unlink_instance(m, ei);
		model_eni_destroy(m, ei, NULL);
	}
	if (ii != NIL)
		model_instance_destroy(m, ii);
}

static int launch_check(const struct model_launch_req *reqs, size_t n, size_t min_count,
			struct model_err *err)
{
	if (n == 0 || min_count == 0 || min_count > n)
		return model_fail(err, "InvalidParameterValue",
				  "MinCount (%zu) must be between 1 and MaxCount (%zu)", min_count,
				  n);
	for (size_t k = 0; k < n; k++)
		/* refused before anything is made */
		if (reqs[k].metadata != NULL && model_metadata_options_check(reqs[k].metadata, err))
			return -1;
	for (size_t k = 0; n > 1 && k < n; k++) {
		/* several instances are undone by id, and each makes its own interfaces */
		if (!reqs[k].id)
			return model_fail(err, "InvalidParameterValue",
					  "Several instances need their ids given");
		for (size_t i = 0; i < reqs[k].n_enis; i++)
			if (reqs[k].enis[i].eni_id)
				return model_fail(err, "InvalidParameterCombination",
						  "An existing network interface (%s) can only "
						  "be used when launching one instance.",
						  reqs[k].enis[i].eni_id);
	}
	return 0;
}

int model_launch_instances(struct model *m, const struct model_launch_req *reqs, size_t n,
			   size_t min_count, size_t *launched, struct delta *delta,
			   struct model_err *err)
{
	size_t mark = delta ? delta->n : 0, last = mark, k;
	uint64_t seq = m->seq;
	struct model_err e = {0};

	*launched = 0;
	if (launch_check(reqs, n, min_count, err) < 0)
		return -1;
	uint64_t last_seq = seq;
	for (k = 0; k < n; k++) {
		last = delta ? delta->n : 0;
		last_seq = m->seq;
		if (launch_one(m, &reqs[k], delta, &e) < 0)
			break;
	}
	if (k < n) {
		/* what the refused launch appended and counted before undoing itself */
		if (delta)
			delta->n = last;
		m->seq = last_seq;
	}
	if (k == n || (k >= min_count && capacity_error(&e))) {
		*launched = k;
		return 0;
	}
	/* fewer than MinCount, or a refusal: undo the instances launched before */
	while (k--)
		unlaunch_whole(m, reqs[k].id);
	if (delta)
		delta->n = mark;
	m->seq = seq;
	if (err)
		*err = e;
	return -1;
}
