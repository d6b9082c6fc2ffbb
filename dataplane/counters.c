/* SPDX-License-Identifier: BSD-3-Clause */
/* counters.c - per-worker counters, summed on read (see counters.h). */
#include "counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const counters_names[COUNTERS_DROP_MAX] = {
#define COUNTERS_X(e, s) [COUNTERS_DROP_##e] = s,
    COUNTERS_DROPS(COUNTERS_X)
#undef COUNTERS_X
};

struct counters *counters_create(uint32_t n_enis)
{
	struct counters *c = aligned_alloc(64, (sizeof(*c) + 63) / 64 * 64);

	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->n_enis = n_enis;
	c->eni = calloc(n_enis ? n_enis : 1, sizeof(*c->eni));
	c->sg_eni = calloc(n_enis ? n_enis : 1, sizeof(*c->sg_eni));
	if (c->eni == NULL || c->sg_eni == NULL) {
		free(c->eni);
		free(c->sg_eni);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void counters_free(struct counters *c)
{
	if (c == NULL)
		return;
	free(c->eni);
	free(c->sg_eni);
	free(c);
}

void counters_reset(struct counters *c)
{
	struct counters_eni *eni = c->eni;
	struct counters_sg_eni *sg_eni = c->sg_eni;
	uint32_t n = c->n_enis;

	memset(c, 0, sizeof(*c));
	c->eni = eni;
	c->sg_eni = sg_eni;
	c->n_enis = n;
	memset(eni, 0, sizeof(*eni) * n);
	memset(sg_eni, 0, sizeof(*sg_eni) * n);
}

const char *counters_drop_name(unsigned reason)
{
	return reason < COUNTERS_DROP_MAX ? counters_names[reason] : NULL;
}

/* One load of a field another thread writes: relaxed, never torn. */
static inline uint64_t counters_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void counters_sum(const struct counters *const *per_worker, unsigned n, struct counters *out)
{
	counters_reset(out);
	for (unsigned w = 0; w < n; w++) {
		const struct counters *c = per_worker[w];
		uint32_t ne = c->n_enis < out->n_enis ? c->n_enis : out->n_enis;

		for (unsigned r = 0; r < COUNTERS_DROP_MAX; r++)
			out->drop[r] += counters_load(&c->drop[r]);
		out->arp_replies += counters_load(&c->arp_replies);
		out->nd_replies += counters_load(&c->nd_replies);
		out->fragmented += counters_load(&c->fragmented);
		out->fragments += counters_load(&c->fragments);
		out->icmp_too_big += counters_load(&c->icmp_too_big);
		out->icmp_limited += counters_load(&c->icmp_limited);
		out->sg_flows += counters_load(&c->sg_flows);
		out->sg_flows_raced += counters_load(&c->sg_flows_raced);
		out->punted += counters_load(&c->punted);
		for (unsigned p = 0; p < FWD_MAX_PORTS; p++) {
			out->port[p].rx += counters_load(&c->port[p].rx);
			out->port[p].tx += counters_load(&c->port[p].tx);
			out->port[p].drop += counters_load(&c->port[p].drop);
		}
		for (uint32_t e = 0; e < ne; e++) {
			out->eni[e].packets += counters_load(&c->eni[e].packets);
			out->eni[e].bytes += counters_load(&c->eni[e].bytes);
			out->eni[e].sent_packets += counters_load(&c->eni[e].sent_packets);
			out->eni[e].sent_bytes += counters_load(&c->eni[e].sent_bytes);
			out->sg_eni[e].in += counters_load(&c->sg_eni[e].in);
			out->sg_eni[e].out += counters_load(&c->sg_eni[e].out);
		}
	}
}

uint64_t counters_drops_total(const struct counters *c)
{
	uint64_t t = 0;

	for (unsigned r = 0; r < COUNTERS_DROP_MAX; r++)
		t += counters_load(&c->drop[r]);
	return t;
}
