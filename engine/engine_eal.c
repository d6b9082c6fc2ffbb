/* SPDX-License-Identifier: BSD-3-Clause */
/* engine_eal.c - the EAL command line and the EAL's life (see engine.h). */
#include "engine.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#define RTE_LOGTYPE_ENIMAP RTE_LOGTYPE_USER1

struct eal_writer {
	struct engine_eal *eal;
	size_t used;
	int err;
};

static void eal_add(struct eal_writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void eal_add(struct eal_writer *w, const char *fmt, ...)
{
	struct engine_eal *eal = w->eal;
	size_t room = sizeof(eal->buf) - w->used;
	va_list ap;
	int n;

	if (w->err)
		return;
	if (eal->argc == ENGINE_EAL_MAX_ARGS) {
		w->err = -E2BIG;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(eal->buf + w->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		w->err = -E2BIG;
		return;
	}
	eal->argv[eal->argc++] = eal->buf + w->used;
	eal->argv[eal->argc] = NULL;
	w->used += (size_t)n + 1;
}

/*
 * Lcore i runs on CPU i when the machine has enough CPUs ("-l 0-N");
 * otherwise the extra worker lcores share CPUs round robin ("--lcores
 * 0@0,1@1,2@1,...": correct, only slower).
 */
static void eal_add_lcores(struct eal_writer *w, unsigned workers, unsigned n_cpus)
{
	char list[1024];
	size_t len = 0;

	if (n_cpus == 0)
		n_cpus = 1;
	if (workers + 1 <= n_cpus) {
		eal_add(w, "-l");
		eal_add(w, "0-%u", workers);
		return;
	}
	for (unsigned i = 0; i <= workers && len < sizeof(list); i++) {
		unsigned cpu = i == 0 ? 0 : 1 + (i - 1) % (n_cpus > 1 ? n_cpus - 1 : 1);

		if (n_cpus == 1)
			cpu = 0;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u@%u", i ? "," : "", i,
					cpu);
	}
	if (len >= sizeof(list)) {
		w->err = -E2BIG;
		return;
	}
	eal_add(w, "--lcores=%s", list);
}

int engine_eal_build(const struct engine_params *params, const char *prog, const char *prefix,
		     bool use_hugepages, unsigned n_cpus, struct engine_eal *eal)
{
	struct eal_writer w = {.eal = eal};
	unsigned workers = params->workers ? params->workers : 1;

	memset(eal, 0, sizeof(*eal));
	if (snprintf(eal->prefix, sizeof(eal->prefix), "%s", prefix) >= (int)sizeof(eal->prefix))
		return -E2BIG;
	eal_add(&w, "%s", prog);
	eal_add_lcores(&w, workers, n_cpus);
	eal_add(&w, "--no-pci");
	eal_add(&w, "--file-prefix=%s", prefix);
	if (!use_hugepages) {
		eal->no_huge = true;
		eal_add(&w, "--no-huge");
		eal_add(&w, "-m");
		eal_add(&w, "512");
	}
	for (size_t i = 0; i < params->n_ports; i++)
		eal_add(&w, "--vdev=%s", params->ports[i].device);
	for (size_t i = 0; i < params->n_eal_args; i++)
		eal_add(&w, "%s", params->eal_args[i]);
	return w.err;
}

static unsigned long read_ulong(const char *path)
{
	unsigned long v = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

bool engine_hugepages_free(void)
{
	const char *base = "/sys/kernel/mm/hugepages";
	char path[512];
	struct dirent *de;
	unsigned long free_pages = 0;
	DIR *d;
	FILE *mounts;
	char line[512];
	bool mounted = false;

	mounts = fopen("/proc/mounts", "r");
	if (mounts == NULL)
		return false;
	while (fgets(line, sizeof(line), mounts) != NULL)
		if (strstr(line, " hugetlbfs ") != NULL)
			mounted = true;
	fclose(mounts);
	if (!mounted)
		return false;
	d = opendir(base);
	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "hugepages-", 10) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", base, de->d_name);
		free_pages += read_ulong(path);
	}
	closedir(d);
	return free_pages > 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove the EAL's runtime directory /var/run/dpdk/<prefix>. */
static void eal_remove_dir(const char *prefix)
{
	char dir[256];

	if (prefix[0] == '\0')
		return;
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int engine_eal_init(const struct engine_params *params, const char *prog, struct engine_eal *eal)
{
	char prefix[64];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char *argv[ENGINE_EAL_MAX_ARGS + 1];
	int rc;

	snprintf(prefix, sizeof(prefix), "enimap-%ld", (long)getpid());
	rc = engine_eal_build(params, prog, prefix, engine_hugepages_free(),
			      cpus > 0 ? (unsigned)cpus : 1, eal);
	if (rc != 0)
		return rc;
	/* rte_eal_init may permute argv: hand it a copy, keep ours for the log */
	memcpy(argv, eal->argv, sizeof(argv));
	rc = rte_eal_init(eal->argc, argv);
	if (rc < 0) {
		rc = -rte_errno;
		eal_remove_dir(eal->prefix); /* what a half-done init created */
		return rc;
	}
	if (eal->no_huge)
		RTE_LOG(NOTICE, ENIMAP,
			"no free hugepages: running with --no-huge -m 512 (slower memory)\n");
	return 0;
}

void engine_eal_cleanup(const struct engine_eal *eal)
{
	rte_eal_cleanup();
	eal_remove_dir(eal->prefix);
}
