/* SPDX-License-Identifier: BSD-3-Clause */
/* The EAL command line enimap builds from the engine's parameters (engine.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"

static struct engine_params params;
static struct engine_eal eal;

static void two_ports(void)
{
	memset(&params, 0, sizeof(params));
	params.workers = 1;
	params.n_ports = 2;
	strcpy(params.ports[0].device, "net_af_packet0,iface=up,qpairs=1");
	strcpy(params.ports[1].device, "net_af_packet1,iface=web");
}

static int find(const char *arg)
{
	for (int i = 0; i < eal.argc; i++)
		if (strcmp(eal.argv[i], arg) == 0)
			return i;
	return -1;
}

static void eal_args_run_anywhere_without_hugepages(void **state)
{
	(void)state;
	two_ports();
	assert_int_equal(engine_eal_build(&params, "enimap", "enimap-42", false, 2, &eal), 0);
	assert_string_equal(eal.argv[0], "enimap");
	assert_true(find("--no-pci") > 0);
	assert_true(find("--file-prefix=enimap-42") > 0);
	assert_true(find("--no-huge") > 0);
	int m = find("-m");
	assert_true(m > 0);
	assert_string_equal(eal.argv[m + 1], "512");
	assert_true(eal.no_huge);
	assert_string_equal(eal.prefix, "enimap-42");
	assert_null(eal.argv[eal.argc]);
}

static void eal_args_use_free_hugepages(void **state)
{
	(void)state;
	two_ports();
	assert_int_equal(engine_eal_build(&params, "enimap", "p", true, 2, &eal), 0);
	assert_int_equal(find("--no-huge"), -1);
	assert_int_equal(find("-m"), -1);
	assert_false(eal.no_huge);
}

static void eal_args_one_vdev_per_port_in_order(void **state)
{
	(void)state;
	two_ports();
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 2, &eal), 0);
	int a = find("--vdev=net_af_packet0,iface=up,qpairs=1");
	int b = find("--vdev=net_af_packet1,iface=web");
	assert_true(a > 0);
	assert_true(b > a);
}

static void eal_args_main_lcore_plus_one_per_worker(void **state)
{
	(void)state;
	two_ports();
	params.workers = 1;
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 2, &eal), 0);
	int l = find("-l");
	assert_true(l > 0);
	assert_string_equal(eal.argv[l + 1], "0-1");
	params.workers = 3;
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 8, &eal), 0);
	l = find("-l");
	assert_string_equal(eal.argv[l + 1], "0-3");
}

static void eal_args_more_workers_than_cpus_share_cpus(void **state)
{
	(void)state;
	two_ports();
	params.workers = 3;
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 2, &eal), 0);
	assert_int_equal(find("-l"), -1);
	assert_true(find("--lcores=0@0,1@1,2@1,3@1") > 0);
}

static void eal_args_config_extras_appended_last(void **state)
{
	(void)state;
	two_ports();
	params.n_eal_args = 2;
	strcpy(params.eal_args[0], "--log-level=debug");
	strcpy(params.eal_args[1], "--in-memory");
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 2, &eal), 0);
	assert_string_equal(eal.argv[eal.argc - 2], "--log-level=debug");
	assert_string_equal(eal.argv[eal.argc - 1], "--in-memory");
}

static void eal_args_too_many_refused(void **state)
{
	(void)state;
	two_ports();
	params.n_ports = ENGINE_MAX_PORTS;
	for (int i = 0; i < ENGINE_MAX_PORTS; i++)
		memset(params.ports[i].device, 'x', sizeof(params.ports[i].device) - 1);
	params.n_eal_args = ENGINE_MAX_EXTRA_EAL_ARGS;
	for (int i = 0; i < ENGINE_MAX_EXTRA_EAL_ARGS; i++)
		memset(params.eal_args[i], 'y', sizeof(params.eal_args[i]) - 1);
	assert_int_equal(engine_eal_build(&params, "enimap", "p", false, 2, &eal), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(eal_args_run_anywhere_without_hugepages),
	    cmocka_unit_test(eal_args_use_free_hugepages),
	    cmocka_unit_test(eal_args_one_vdev_per_port_in_order),
	    cmocka_unit_test(eal_args_main_lcore_plus_one_per_worker),
	    cmocka_unit_test(eal_args_more_workers_than_cpus_share_cpus),
	    cmocka_unit_test(eal_args_config_extras_appended_last),
	    cmocka_unit_test(eal_args_too_many_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
