/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_test.h - shared by the configuration tests: load a text into a
 * fresh model, address formatting, and running one named cmocka test.
 */
#ifndef ENIMAP_CONFIG_TEST_H
#define ENIMAP_CONFIG_TEST_H

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"

/* Load yaml (named "t.yaml") into a new model; the model is returned in *m. */
static inline int ct_load(const char *yaml, struct model **m, struct enimap_config *cfg,
			  struct config_err *err)
{
	*m = model_create();
	assert_non_null(*m);
	return config_load_string("t.yaml", yaml, strlen(yaml), cfg, *m, NULL, err);
}

static inline const char *ct_v4(uint32_t a, char buf[INET_ADDRSTRLEN])
{
	struct in_addr x = {.s_addr = a};

	return inet_ntop(AF_INET, &x, buf, INET_ADDRSTRLEN);
}

static inline const char *ct_v6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/*
 * Run the tests, or only the one named argv[1] (meson registers each test on
 * its own). A name that matches no test fails rather than passing empty.
 */
static inline int ct_main(int argc, char **argv, const struct CMUnitTest *tests, size_t n)
{
	if (argc > 1) {
		size_t i;

		for (i = 0; i < n; i++)
			if (!strcmp(tests[i].name, argv[1]))
				break;
		if (i == n) {
			fprintf(stderr, "no test named '%s'\n", argv[1]);
			return 1;
		}
		cmocka_set_test_filter(argv[1]);
	}
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}

#endif
