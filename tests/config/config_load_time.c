/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_load_time FILE [V4 V6 EIPS] - load a configuration through
 * config_load into a fresh model and print how long it took, wall clock and
 * CPU (SPEC section 5: 1M addresses in <= 3 s; on a busy machine the CPU
 * time is the figure that does not depend on the neighbours). With the counts, exit 1 unless the
 * model holds exactly that many IPv4, IPv6 addresses and associated EIPs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "config.h"

static double now_s(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct enimap_config cfg;
	struct config_err err;
	struct model_stats st;
	struct delta d = {0};
	struct model *m;
	double t0, t1, c0, c1;

	if (argc != 2 && argc != 5) {
		fprintf(stderr, "usage: %s FILE [V4 V6 EIPS]\n", argv[0]);
		return 2;
	}
	m = model_create();
	if (m == NULL)
		return 2;
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	if (config_load(argv[1], &cfg, m, &d, &err)) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	t1 = now_s(CLOCK_MONOTONIC);
	c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	model_get_stats(m, &st);
	printf("%s: %zu IPv4, %zu IPv6, %zu EIPs (%zu associated), %zu ENIs, %zu delta entries "
	       "loaded in %.3f s (%.3f s of CPU); model %.1f MB\n",
	       argv[1], st.v4, st.v6, st.eips, st.associations, st.enis, d.n, t1 - t0, c1 - c0,
	       (double)st.bytes / 1e6);
	if (argc == 5 &&
	    (st.v4 != strtoull(argv[2], NULL, 10) || st.v6 != strtoull(argv[3], NULL, 10) ||
	     st.associations != strtoull(argv[4], NULL, 10))) {
		fprintf(stderr, "expected %s IPv4, %s IPv6, %s associated EIPs\n", argv[2], argv[3],
			argv[4]);
		return 1;
	}
	delta_free(&d);
	model_free(m);
	return 0;
}
