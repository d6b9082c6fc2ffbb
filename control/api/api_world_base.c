/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_world_base.c - what the configuration built, remembered before the
 * journal is replayed: the VPCs (with their main table and association), the
 * route tables, the subnets and the security groups. A snapshot (api_snapshot.c) replays on top
 * of the configuration, so it deletes those of them that are gone and moves
 * the main associations that moved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

static void *grow(void *p, size_t n, size_t size)
{
	return realloc(p, (n + 1) * size);
}

static int base_vpc(const struct model_vpc_view *v, void *arg)
{
	struct api_world_base *b = arg;
	struct api_world_vpc *p = grow(b->vpc, b->n_vpc, sizeof(*b->vpc));

	if (!p)
		return -ENOMEM;
	b->vpc = p;
	p = &b->vpc[b->n_vpc++];
	snprintf(p->id, sizeof(p->id), "%s", v->id);
	snprintf(p->main_rt, sizeof(p->main_rt), "%s", v->main_route_table_id);
	snprintf(p->main_assoc, sizeof(p->main_assoc), "%s", v->main_association_id);
	p->n4 = v->n_cidr4;
	p->n6 = v->n_cidr6;
	return 0;
}

static int base_rt(const struct model_route_table_view *v, void *arg)
{
	struct api_world_base *b = arg;
	struct api_world_rt *p = grow(b->rt, b->n_rt, sizeof(*b->rt));

	if (!p)
		return -ENOMEM;
	b->rt = p;
	p = &b->rt[b->n_rt++];
	snprintf(p->id, sizeof(p->id), "%s", v->id);
	snprintf(p->vpc, sizeof(p->vpc), "%s", v->vpc_id);
	return 0;
}

static int base_subnet(const struct model_subnet_view *v, void *arg)
{
	struct api_world_base *b = arg;
	char(*p)[MODEL_ID_MAX] = grow(b->subnet, b->n_subnet, sizeof(*b->subnet));

	if (!p)
		return -ENOMEM;
	b->subnet = p;
	snprintf(b->subnet[b->n_subnet++], MODEL_ID_MAX, "%s", v->id);
	return 0;
}

static int base_sg(const struct model_sg_view *v, void *arg)
{
	struct api_world_base *b = arg;
	char(*p)[MODEL_ID_MAX];

	if (v->is_default)
		return 0;
	if (!(p = grow(b->sg, b->n_sg, sizeof(*b->sg))))
		return -ENOMEM;
	b->sg = p;
	snprintf(b->sg[b->n_sg++], MODEL_ID_MAX, "%s", v->id);
	return 0;
}

int api_world_base_remember(struct api *a)
{
	struct api_world_base *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	api_world_base_free(a);
	a->world_base = b;
	if (model_foreach_vpc(a->m, base_vpc, b) || model_foreach_route_table(a->m, base_rt, b) ||
	    model_foreach_subnet(a->m, base_subnet, b) || model_foreach_sg(a->m, base_sg, b)) {
		api_world_base_free(a);
		return -ENOMEM;
	}
	return 0;
}

void api_world_base_free(struct api *a)
{
	if (!a->world_base)
		return;
	free(a->world_base->vpc);
	free(a->world_base->rt);
	free(a->world_base->subnet);
	free(a->world_base->sg);
	free(a->world_base);
	a->world_base = NULL;
}
