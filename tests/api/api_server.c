/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_server - the EC2 API alone, for the conformance and crash tests:
 * loads a YAML configuration (config_load) into a model, replays the
 * journal, and serves the API. Its commit callback applies every delta to a
 * reference map of the forwarding state ({VPC slot, private IPv4} -> ENI
 * slot + EIP, IPv6 -> ENI slot, EIP -> private IPv4 + its VPC); on SIGTERM it checks that map
 * against the model's own full delta and exits 3 when they differ, 0 when they agree.
 *
 *   api_server CONFIG.yaml      prints "listening PORT" once serving
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"

/* One map: a key of up to 16 bytes -> a value of up to 12 bytes; linear, small tests. */
struct ent {
	uint8_t kind;
	uint8_t key[16];
	uint32_t val[3];
};
struct ref {
	struct ent *e;
	size_t n, cap;
};

static int ref_set(struct ref *r, const struct ent *x)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].kind == x->kind && memcmp(r->e[i].key, x->key, 16) == 0) {
			r->e[i] = *x;
			return 0;
		}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct ent *e = realloc(r->e, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		r->e = e;
		r->cap = cap;
	}
	r->e[r->n++] = *x;
	return 0;
}

static int ref_del(struct ref *r, uint8_t kind, const uint8_t key[16])
{
	for (size_t i = 0; i < r->n; i++)
		if (r->e[i].kind == kind && memcmp(r->e[i].key, key, 16) == 0) {
			r->e[i] = r->e[--r->n];
			return 0;
		}
	return -ENOENT; /* deleting what is not there: the delta is wrong */
}

/* Apply the address part of a delta (ENIs, routes and subnets are the builder's). */
static int ref_apply(struct ref *r, const struct delta *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct delta_entry *e = &d->e[i];
		struct ent x = {.kind = e->kind};
		int rc = 0;
		switch (e->kind) {
		case DELTA_V4_SET: /* a private IPv4 is unique inside its VPC only (R31) */
			memcpy(x.key, &e->v4.addr, 4);
			memcpy(x.key + 4, &e->v4.vpc, 4);
			x.val[0] = e->v4.eni;
			x.val[1] = e->v4.eip;
			rc = ref_set(r, &x);
			break;
		case DELTA_V4_DEL:
			memcpy(x.key, &e->v4.addr, 4);
			memcpy(x.key + 4, &e->v4.vpc, 4);
			rc = ref_del(r, DELTA_V4_SET, x.key);
			break;
		case DELTA_V6_SET:
			memcpy(x.key, e->v6.addr, 16);
			x.val[0] = e->v6.eni;
			rc = ref_set(r, &x);
			break;
		case DELTA_V6_DEL:
			memcpy(x.key, e->v6.addr, 16);
			rc = ref_del(r, DELTA_V6_SET, x.key);
			break;
		case DELTA_EIP_SET:
			memcpy(x.key, &e->eip.eip, 4);
			x.val[0] = e->eip.priv;
			x.val[1] = e->eip.eni;
			x.val[2] = e->eip.vpc;
			rc = ref_set(r, &x);
			break;
		case DELTA_EIP_DEL:
			memcpy(x.key, &e->eip.eip, 4);
			rc = ref_del(r, DELTA_EIP_SET, x.key);
			break;
		default:
			break;
		}
		if (rc) {
			fprintf(stderr,
				"api_server: delta entry %zu (kind %u) does not apply: %s\n", i,
				e->kind, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ent));
}

static bool ref_equal(struct ref *a, struct ref *b)
{
	if (a->n != b->n)
		return false;
	qsort(a->e, a->n, sizeof(*a->e), cmp_ent);
	qsort(b->e, b->n, sizeof(*b->e), cmp_ent);
	return a->n == 0 || memcmp(a->e, b->e, a->n * sizeof(*a->e)) == 0;
}

struct server {
	struct ref ref;
	size_t commits;
	bool bad;
};

static int commit(void *arg, const struct delta *d)
{
	struct server *s = arg;
	s->commits++;
	if (ref_apply(&s->ref, d)) {
		s->bad = true;
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: api_server CONFIG.yaml\n");
		return 2;
	}
	struct model *m = model_create();
	static struct enimap_config cfg;
	struct config_err cerr;
	if (!m || config_load(argv[1], &cfg, m, NULL, &cerr)) {
		fprintf(stderr, "api_server: %s\n", m ? cerr.message : "out of memory");
		return 1;
	}
	struct server s = {0};
	struct api_err err = {0};
	struct api *a = api_create(m, &cfg.api, commit, &s, &err);
	if (!a || api_replay(a, &err)) {
		fprintf(stderr, "api_server: %s\n", err.message);
		return 1;
	}
	/* the tables start from the full state, as the engine's do */
	struct delta full = {0};
	if (model_full_delta(m, &full) || ref_apply(&s.ref, &full)) {
		fprintf(stderr, "api_server: the full delta does not apply\n");
		return 1;
	}
	delta_free(&full);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before MHD's thread starts: it inherits it */
	if (api_start(a, &err)) {
		fprintf(stderr, "api_server: %s\n", err.message);
		return 1;
	}
	printf("listening %u\n", api_port(a));
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	api_stop(a);

	/* the reference map built from deltas must equal the model's own state */
	struct ref want = {0};
	if (model_full_delta(m, &full) || ref_apply(&want, &full)) {
		fprintf(stderr, "api_server: the final full delta does not apply\n");
		return 3;
	}
	int rc = 0;
	if (s.bad || !ref_equal(&s.ref, &want)) {
		fprintf(stderr,
			"api_server: the deltas committed (%zu) do not add up to the model's state "
			"(%zu vs %zu entries)\n",
			s.commits, s.ref.n, want.n);
		rc = 3;
	} else {
		fprintf(stderr, "api_server: %zu commits, reference map agrees (%zu entries)\n",
			s.commits, want.n);
	}
	delta_free(&full);
	free(want.e);
	free(s.ref.e);
	api_free(a);
	model_free(m);
	return rc;
}
