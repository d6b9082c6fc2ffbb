/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixture.h - a small VPC world for the model tests, and helpers.
 *
 * vpc 10.0.0.0/16 + 2600:1f18:1:100::/56 (main route table)
 *   subnet a: 10.0.1.0/24, 2600:1f18:1:101::/64, az-a
 *   subnet b: 10.0.2.0/24, no IPv6, az-a
 *   subnet t: 10.0.3.0/28 (11 usable addresses), az-a
 *   subnet z: 10.0.4.0/24, az-b
 * instance i1 (m5.large, az-a, running, port 1) with eni0 (subnet a,
 * primary 10.0.1.10) at device index 0
 * public pool 198.51.100.0/30
 */
#ifndef ENIMAP_TEST_MODEL_FIXTURE_H
#define ENIMAP_TEST_MODEL_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "model.h"

struct world {
	struct model *m;
	struct delta d;
	struct model_err err;
	char vpc[MODEL_ID_MAX], rtb[MODEL_ID_MAX];
	char sa[MODEL_ID_MAX], sb[MODEL_ID_MAX], st[MODEL_ID_MAX], sz[MODEL_ID_MAX];
	char i1[MODEL_ID_MAX], eni0[MODEL_ID_MAX], att0[MODEL_ID_MAX];
};

/* Fail the test with the model's error when an operation fails. */
#define OK(w, call)                                                                                \
	do {                                                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s failed: %s: %s", #call, (w)->err.code, (w)->err.message);     \
	} while (0)

/* Expect an operation to fail with an EC2 code. */
#define FAILS(w, call, ec2code)                                                                    \
	do {                                                                                       \
		memset(&(w)->err, 0, sizeof((w)->err));                                            \
		assert_int_equal((call), -1);                                                      \
		assert_string_equal((w)->err.code, (ec2code));                                     \
		assert_true((w)->err.message[0] != 0);                                             \
	} while (0)

static inline uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static inline char *dump_str(const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(model_dump(m, f), 0);
	fclose(f);
	return buf;
}

/* Run a failing call; check code, unchanged dump, empty delta. */
#define ATOMIC_FAILS(w, call, ec2code)                                                             \
	do {                                                                                       \
		char *before_ = dump_str((w)->m), *after_;                                         \
		delta_reset(&(w)->d);                                                              \
		FAILS(w, call, ec2code);                                                           \
		after_ = dump_str((w)->m);                                                         \
		assert_string_equal(before_, after_);                                              \
		assert_int_equal((w)->d.n, 0);                                                     \
		free(before_);                                                                     \
		free(after_);                                                                      \
	} while (0)

static inline void world_add_subnet(struct world *w, const char *cidr4, const char *cidr6,
				    const char *az, char *out)
{
	struct model_subnet_req s = {.vpc_id = w->vpc, .az = az, .cidr4 = cidr4, .cidr6 = cidr6};

	OK(w, model_create_subnet(w->m, &s, out, &w->d, &w->err));
}

static inline void world_eni(struct world *w, const char *subnet, const char *primary, char *out)
{
	struct model_eni_req r = {
	    .subnet_id = subnet, .primary_ip = primary, .source_dest_check = true};

	OK(w, model_create_eni(w->m, &r, out, &w->d, &w->err));
}

static inline void world_attach(struct world *w, const char *eni, const char *inst, int dev,
				char *att)
{
	struct model_attach_req a = {.eni_id = eni, .instance_id = inst, .device_index = dev};

	OK(w, model_attach_eni(w->m, &a, att, &w->d, &w->err));
}

static inline void world_instance(struct world *w, const char *type, const char *az, char *out)
{
	struct model_instance_req r = {
	    .type = type, .az = az, .state = MODEL_RUNNING, .host_port = 1};

	OK(w, model_create_instance(w->m, &r, out, &w->err));
}

static inline void world_assign(struct world *w, const char *eni, const char *const *addrs,
				size_t n)
{
	struct model_assign_req r = {.eni_id = eni, .addrs = addrs, .n_addrs = n};

	OK(w, model_assign_private_ips(w->m, &r, NULL, &w->d, &w->err));
}

static inline void world_eip(struct world *w, char *alloc)
{
	OK(w, model_allocate_address(w->m, NULL, NULL, alloc, NULL, &w->err));
}

static inline void world_associate(struct world *w, const char *alloc, const char *eni,
				   const char *priv, char *assoc)
{
	struct model_associate_req r = {
	    .allocation_id = alloc, .eni_id = eni, .private_ip = priv, .allow_reassociation = true};

	OK(w, model_associate_address(w->m, &r, assoc, &w->d, &w->err));
}

static inline int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req v = {.cidr4 = c4, .n_cidr4 = 1, .cidr6 = c6, .n_cidr6 = 1};
	struct model_vpc_view vv;

	assert_non_null(w);
	w->m = model_create();
	assert_non_null(w->m);
	OK(w, model_create_vpc(w->m, &v, w->vpc, &w->d, &w->err));
	assert_int_equal(model_get_vpc(w->m, w->vpc, &vv), 0);
	snprintf(w->rtb, sizeof(w->rtb), "%s", vv.main_route_table_id);
	world_add_subnet(w, "10.0.1.0/24", "2600:1f18:1:101::/64", "az-a", w->sa);
	world_add_subnet(w, "10.0.2.0/24", NULL, "az-a", w->sb);
	world_add_subnet(w, "10.0.3.0/28", NULL, "az-a", w->st);
	world_add_subnet(w, "10.0.4.0/24", NULL, "az-b", w->sz);
	world_instance(w, "m5.large", "az-a", w->i1);
	world_eni(w, w->sa, "10.0.1.10", w->eni0);
	world_attach(w, w->eni0, w->i1, 0, w->att0);
	OK(w, model_add_public_pool(w->m, "198.51.100.0/30", &w->err));
	delta_reset(&w->d);
	*state = w;
	return 0;
}

static inline int world_teardown(void **state)
{
	struct world *w = *state;

	model_free(w->m);
	delta_free(&w->d);
	free(w);
	return 0;
}

/* Count delta entries of one kind. */
static inline size_t delta_count(const struct delta *d, enum delta_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->e[i].kind == k;
	return n;
}

#endif
