/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_snapshot.c - journal compaction. A snapshot is a short journal that
 * turns the state the configuration loads into the current state:
 *
 *   EnimapReset                      undo what the API changed in place:
 *                                    detach (index > 0), disassociate and
 *                                    release every EIP, unassign every
 *                                    secondary and IPv6
 *   TerminateInstances Now=          per configured instance terminated (at
 *                                    its time) or gone (Forget=true)
 *   DeleteNetworkInterface Merge=1   per configured ENI that is gone (unless
 *                                    its instance's termination deleted it)
 *   RunInstances Bare=1              per instance the API launched (not one
 *                                    terminated over the retention ago), with
 *                                    its id, type, AZ and host port; then
 *                                    TerminateInstances if it is terminated
 *   CreateNetworkInterface Merge=1   per ENI, with its id, MAC, addresses
 *                                    (an ENI that exists, i.e. a configured
 *                                    one, gets its addresses and attributes
 *                                    back: routes naming it stay linked)
 *   AttachNetworkInterface Merge=1   per attachment, with its id
 *   StartInstances / StopInstances   per instance not terminated
 *   AllocateAddress, AssociateAddress per EIP, with their ids
 *
 * Replayed on top of the configuration through the same dispatcher, it gives
 * back the state it was taken from. EnimapReset and Merge are internal:
 * accepted only from the journal, never over HTTP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_impl.h"

struct idlist {
	char (*id)[MODEL_ID_MAX];
	size_t n, cap;
	bool oom;
};

static void idlist_add(struct idlist *l, const char *id)
{
	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->id, cap * sizeof(*l->id));
		if (!p) {
			l->oom = true;
			return;
		}
		l->id = p;
		l->cap = cap;
	}
	snprintf(l->id[l->n++], MODEL_ID_MAX, "%s", id);
}

static int collect_eni(const struct model_eni_view *v, void *arg)
{
	idlist_add(arg, v->id);
	return 0;
}

static int collect_eip(const struct model_eip_view *v, void *arg)
{
	idlist_add(arg, v->allocation_id);
	return 0;
}

/* Model failures here mean the state is not what the snapshot expects: report them. */
#define CHECK(call)                                                                                \
	do {                                                                                       \
		if (call) {                                                                        \
			rc = api_fail_model(c, &err);                                              \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

int api_reset(struct api_ctx *c)
{
	struct idlist enis = {0}, eips = {0};
	struct model_err err = {0};
	int rc = 0;
	model_foreach_eni(c->m, collect_eni, &enis);
	model_foreach_eip(c->m, collect_eip, &eips);
	if (enis.oom || eips.oom) {
		rc = api_fail(c, "InternalError", "Out of memory.");
		goto out;
	}
	for (size_t i = 0; i < enis.n; i++) {
		struct model_eni_view v;
		if (model_get_eni(c->m, enis.id[i], &v) == 0 && v.instance_id &&
		    v.device_index != 0) {
			char att[MODEL_ID_MAX];
			snprintf(att, sizeof(att), "%s", v.attachment_id);
			CHECK(model_detach_eni(c->m, att, true, c->delta, &err));
		}
	}
	for (size_t i = 0; i < eips.n; i++) {
		struct model_eip_view v;
		if (model_get_eip(c->m, eips.id[i], &v) == 0 && v.association_id) {
			char assoc[MODEL_ID_MAX];
			snprintf(assoc, sizeof(assoc), "%s", v.association_id);
			CHECK(model_disassociate_address(c->m, assoc, c->delta, &err));
		}
		CHECK(model_release_address(c->m, eips.id[i], &err));
	}
	for (size_t i = 0; i < enis.n; i++) {
		struct model_eni_view v;
		if (model_get_eni(c->m, enis.id[i], &v))
			continue;
		char(*txt)[INET6_ADDRSTRLEN] = NULL;
		size_t n = v.n_secondary > v.n_ipv6 ? v.n_secondary : v.n_ipv6;
		const char **p = NULL;
		if (n) {
			txt = calloc(n, sizeof(*txt));
			p = calloc(n, sizeof(*p));
			if (!txt || !p) {
				free(txt);
				free(p);
				rc = api_fail(c, "InternalError", "Out of memory.");
				goto out;
			}
		}
		size_t n4 = v.n_secondary, n6 = v.n_ipv6;
		const struct in6_addr *v6 = v.ipv6;
		for (size_t k = 0; k < n4; k++) {
			api_ip4_str(v.secondary_ips[k], txt[k]);
			p[k] = txt[k];
		}
		int r =
		    n4 ? model_unassign_private_ips(c->m, enis.id[i], p, n4, c->delta, &err) : 0;
		if (r == 0 && n6) {
			/* the view may have moved: look again */
			if (model_get_eni(c->m, enis.id[i], &v) == 0)
				v6 = v.ipv6;
			for (size_t k = 0; k < n6; k++) {
				api_ip6_str(&v6[k], txt[k]);
				p[k] = txt[k];
			}
			r = model_unassign_ipv6(c->m, enis.id[i], p, n6, c->delta, &err);
		}
		free(txt);
		free(p);
		CHECK(r);
	}
	api_buf_puts(c->xml, "<return>true</return>");
out:
	free(enis.id);
	free(eips.id);
	return rc;
}

/* ---- taking a snapshot ---- */

struct snap {
	struct api *a;
	struct model *m;
	int64_t now;
	char **recs;
	size_t *lens;
	size_t n, cap;
	bool oom;
};

static void snap_add(struct snap *s, struct api_buf *b)
{
	if (b->oom || s->oom) {
		s->oom = true;
		api_buf_free(b);
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		char **r = realloc(s->recs, cap * sizeof(*r));
		if (r)
			s->recs = r;
		size_t *l = realloc(s->lens, cap * sizeof(*l));
		if (l)
			s->lens = l;
		if (!r || !l) {
			s->oom = true;
			api_buf_free(b);
			return;
		}
		s->cap = cap;
	}
	s->recs[s->n] = b->s;
	s->lens[s->n] = b->len;
	s->n++;
	*b = (struct api_buf){0};
}

static int snap_eni(const struct model_eni_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	api_canon_create_eni(&b, v);
	api_buf_form_add(&b, "Merge", "true");
	snap_add(s, &b);
	return 0;
}

static int snap_attach(const struct model_eni_view *v, void *arg)
{
	struct snap *s = arg;
	if (!v->instance_id)
		return 0;
	struct api_buf b = {0};
	char d[16];
	snprintf(d, sizeof(d), "%d", v->device_index);
	api_buf_form_add(&b, "Action", "AttachNetworkInterface");
	api_buf_form_add(&b, "NetworkInterfaceId", v->id);
	api_buf_form_add(&b, "InstanceId", v->instance_id);
	api_buf_form_add(&b, "DeviceIndex", d);
	api_buf_form_add(&b, "AttachmentId", v->attachment_id);
	api_buf_form_add(&b, "DeleteOnTermination", v->delete_on_termination ? "true" : "false");
	api_buf_form_add(&b, "Merge", "true");
	snap_add(s, &b);
	return 0;
}

static int snap_instance(const struct model_instance_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	if (v->state == MODEL_TERMINATED)
		return 0; /* terminated where it was launched (snap_launch, snap_base_terminated) */
	api_buf_form_add(&b, "Action",
			 v->state == MODEL_RUNNING ? "StartInstances" : "StopInstances");
	api_buf_form_add(&b, "InstanceId.1", v->id);
	snap_add(s, &b);
	return 0;
}

static int snap_eip(const struct model_eip_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	char ip[16];
	api_ip4_str(v->public_ip, ip);
	api_buf_form_add(&b, "Action", "AllocateAddress");
	api_buf_form_add(&b, "AllocationId", v->allocation_id);
	api_buf_form_add(&b, "Address", ip);
	snap_add(s, &b);
	if (v->association_id) {
		api_ip4_str(v->private_ip, ip);
		api_buf_form_add(&b, "Action", "AssociateAddress");
		api_buf_form_add(&b, "AllocationId", v->allocation_id);
		api_buf_form_add(&b, "NetworkInterfaceId", v->eni_id);
		api_buf_form_add(&b, "PrivateIpAddress", ip);
		api_buf_form_add(&b, "AssociationId", v->association_id);
		snap_add(s, &b);
	}
	return 0;
}

static void snap_terminate(struct snap *s, const char *id, int64_t at, bool forget)
{
	struct api_buf b = {0};
	char t[32];
	snprintf(t, sizeof(t), "%lld", (long long)at);
	api_buf_form_add(&b, "Action", "TerminateInstances");
	api_buf_form_add(&b, "InstanceId.1", id);
	api_buf_form_add(&b, "Now", t);
	if (forget)
		api_buf_form_add(&b, "Forget", "true");
	snap_add(s, &b);
}

static int cmp_id(const void *x, const void *y)
{
	return strcmp(x, y);
}

static bool snap_is_base(const struct snap *s, const char *id)
{
	return bsearch(id, s->a->base_inst, s->a->n_base_inst, sizeof(*s->a->base_inst), cmp_id);
}

/* A terminated instance older than the retention is left out (Describe forgets it). */
static bool snap_expired(const struct snap *s, const struct model_instance_view *v)
{
	return v->state == MODEL_TERMINATED &&
	       v->terminated_at + model_terminated_retention(s->m) <= s->now;
}

/* Configured instances: terminated ones terminated again, gone ones terminated and forgotten. */
static void snap_base_terminated(struct snap *s)
{
	for (size_t i = 0; i < s->a->n_base_inst; i++) {
		struct model_instance_view v;
		const char *id = s->a->base_inst[i];
		if (model_get_instance(s->m, id, &v))
			snap_terminate(s, id, 0, true);
		else if (v.state == MODEL_TERMINATED)
			snap_terminate(s, id, v.terminated_at, false);
	}
}

/* An instance the API launched: created bare (its ENIs are attached later), with its port. */
static int snap_launch(const struct model_instance_view *v, void *arg)
{
	struct snap *s = arg;
	struct api_buf b = {0};
	char port[16];
	if (snap_is_base(s, v->id) || snap_expired(s, v))
		return 0;
	snprintf(port, sizeof(port), "%u", v->host_port);
	api_buf_form_add(&b, "Action", "RunInstances");
	api_buf_form_add(&b, "Bare", "true");
	api_buf_form_add(&b, "InstanceId", v->id);
	api_buf_form_add(&b, "InstanceType", v->type);
	api_buf_form_add(&b, "AvailabilityZone", v->az);
	api_buf_form_add(&b, "HostPort", port);
	snap_add(s, &b);
	if (v->state == MODEL_TERMINATED)
		snap_terminate(s, v->id, v->terminated_at, false);
	return 0;
}

int api_snapshot(struct api *a, char ***records, size_t **lens, size_t *n)
{
	struct snap s = {.a = a, .m = a->m, .now = (int64_t)time(NULL)};
	struct api_buf b = {0};
	qsort(a->base_inst, a->n_base_inst, sizeof(*a->base_inst), cmp_id);
	api_buf_form_add(&b, "Action", "EnimapReset");
	snap_add(&s, &b);
	snap_base_terminated(&s);
	for (size_t i = 0; i < a->n_base; i++) {
		struct model_eni_view v;
		if (model_get_eni(a->m, a->base[i], &v) == 0)
			continue;
		api_buf_form_add(&b, "Action", "DeleteNetworkInterface");
		api_buf_form_add(&b, "NetworkInterfaceId", a->base[i]);
		api_buf_form_add(&b, "Merge", "true");
		snap_add(&s, &b);
	}
	model_foreach_instance(a->m, snap_launch, &s);
	model_foreach_eni(a->m, snap_eni, &s);
	model_foreach_eni(a->m, snap_attach, &s);
	model_foreach_instance(a->m, snap_instance, &s);
	model_foreach_eip(a->m, snap_eip, &s);
	if (s.oom) {
		for (size_t i = 0; i < s.n; i++)
			free(s.recs[i]);
		free(s.recs);
		free(s.lens);
		return -ENOMEM;
	}
	*records = s.recs;
	*lens = s.lens;
	*n = s.n;
	return 0;
}
