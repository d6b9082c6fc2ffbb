/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_fixture.h - the world and helpers the API's C tests share: a model in
 * the state of tests/api/world.yaml (fixed ids), an API on it with a journal
 * file, calls that expect an answer or an EC2 error code. Header-only, each
 * test includes it once.
 */
#ifndef ENIMAP_TEST_API_FIXTURE_H
#define ENIMAP_TEST_API_FIXTURE_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"

#define OKM(call)                                                                                  \
	do {                                                                                       \
		struct model_err err_ = {0};                                                       \
		(void)err_;                                                                        \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s %s", #call, err_.code, err_.message);                     \
	} while (0)

/*
 * The "configuration" state, with fixed ids so that two models start equal
 * (the same world as tests/api/world.yaml):
 *   vpc-1 10.0.0.0/16 + 10.8.0.0/16, 2600:1f18:1:100::/56
 *   subnet-a 10.0.1.0/24 + 2600:1f18:1:101::/64, subnet-b 10.0.2.0/24,
 *   subnet-t 10.0.3.0/28, subnet-big 10.8.0.0/16 (us-east-1a);
 *   subnet-z 10.0.4.0/24 (us-east-1b)
 *   i-1 m5.large: eni-0 (10.0.1.10) at 0; i-2 t3.medium: eni-c (10.0.2.10) at 1;
 *   i-3 t2.micro (us-east-1b): eni-z (10.0.4.10) at 0
 *   security groups sg-1 .. sg-6 (names g1 .. g6), the default one sg-0default
 *   pool 198.51.100.0/28; eipalloc-c = 198.51.100.9, not associated
 *   main route table: 192.0.2.0/24 -> eni-c
 */
static inline void subnet(struct model *m, const char *id, const char *az, const char *c4,
			  const char *c6)
{
	struct model_err e;
	char out[MODEL_ID_MAX];
	struct model_subnet_req s = {
	    .id = id, .vpc_id = "vpc-1", .az = az, .cidr4 = c4, .cidr6 = c6};
	if (model_create_subnet(m, &s, out, NULL, &e))
		fail_msg("subnet %s: %s", id, e.message);
}

static inline void instance(struct model *m, const char *id, const char *type, const char *az,
			    const char *eni, const char *sub, const char *ip, const char *att,
			    int dev)
{
	struct model_err e;
	char out[MODEL_ID_MAX];
	struct model_instance_req i = {.id = id, .type = type, .az = az};
	struct model_eni_req r = {.id = eni,
				  .subnet_id = sub,
				  .primary_ip = ip,
				  .source_dest_check = true,
				  .description = dev ? "from config" : NULL};
	struct model_attach_req a = {.eni_id = eni,
				     .instance_id = id,
				     .device_index = dev,
				     .attachment_id = att,
				     .delete_on_termination = dev == 0};
	if (model_create_instance(m, &i, out, &e) || model_create_eni(m, &r, out, NULL, &e) ||
	    model_attach_eni(m, &a, out, NULL, &e))
		fail_msg("instance %s: %s", id, e.message);
}

static inline struct model *world(void)
{
	struct model *m = model_create();
	assert_non_null(m);
	struct model_err e;
	char id[MODEL_ID_MAX];
	const char *c4[] = {"10.0.0.0/16", "10.8.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req v = {.id = "vpc-1",
				  .cidr4 = c4,
				  .n_cidr4 = 2,
				  .cidr6 = c6,
				  .n_cidr6 = 1,
				  .default_group_id = "sg-0default"};
	assert_int_equal(model_create_vpc(m, &v, id, NULL, &e), 0);
	subnet(m, "subnet-a", "us-east-1a", "10.0.1.0/24", "2600:1f18:1:101::/64");
	subnet(m, "subnet-b", "us-east-1a", "10.0.2.0/24", NULL);
	subnet(m, "subnet-t", "us-east-1a", "10.0.3.0/28", NULL);
	subnet(m, "subnet-z", "us-east-1b", "10.0.4.0/24", NULL);
	subnet(m, "subnet-big", "us-east-1a", "10.8.0.0/16", NULL);
	for (int k = 1; k <= 6; k++) {
		char gid[16], gname[8];
		snprintf(gid, sizeof(gid), "sg-%d", k);
		snprintf(gname, sizeof(gname), "g%d", k);
		struct model_sg_req g = {.id = gid,
					 .vpc_id = "vpc-1",
					 .name = gname,
					 .description = k == 1 ? "group one" : NULL};
		if (model_create_security_group(m, &g, id, &e))
			fail_msg("group %s: %s", gid, e.message);
	}
	instance(m, "i-1", "m5.large", "us-east-1a", "eni-0", "subnet-a", "10.0.1.10",
		 "eni-attach-0", 0);
	instance(m, "i-2", "t3.medium", "us-east-1a", "eni-c", "subnet-b", "10.0.2.10",
		 "eni-attach-c", 1);
	instance(m, "i-3", "t2.micro", "us-east-1b", "eni-z", "subnet-z", "10.0.4.10",
		 "eni-attach-z", 0);
	/* an appliance route through eni-c: a snapshot must keep it linked */
	struct model_vpc_view vv;
	assert_int_equal(model_get_vpc(m, "vpc-1", &vv), 0);
	char rtb[MODEL_ID_MAX];
	snprintf(rtb, sizeof(rtb), "%s", vv.main_route_table_id);
	assert_int_equal(model_create_route(m, rtb, "192.0.2.0/24", "eni-c", NULL, &e), 0);
	assert_int_equal(model_add_public_pool(m, "198.51.100.0/28", &e), 0);
	char pub[INET_ADDRSTRLEN];
	assert_int_equal(model_allocate_address(m, "eipalloc-c", "198.51.100.9", id, pub, &e), 0);
	return m;
}

/* The dump without its first line (the id generator's counter, which replay with
 * explicit ids does not advance). */
static inline char *dump(const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(model_dump(m, f), 0);
	fclose(f);
	char *nl = strchr(buf, '\n');
	memmove(buf, nl + 1, strlen(nl + 1) + 1);
	return buf;
}

static inline struct api_settings cfg(const char *journal)
{
	struct api_settings c = {.enabled = true, .n_credentials = 1};
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1:0");
	snprintf(c.region, sizeof(c.region), "us-east-1");
	snprintf(c.credentials[0].access_key_id, 128, "AKIDTEST");
	snprintf(c.credentials[0].secret_access_key, 128, "secret/test+key");
	snprintf(c.journal, sizeof(c.journal), "%s", journal ? journal : "");
	return c;
}

struct commits {
	size_t calls, entries;
};

static inline int count_commit(void *arg, const struct delta *d)
{
	struct commits *c = arg;
	c->calls++;
	c->entries += d->n;
	return 0;
}

struct fx {
	struct model *m;
	struct api *a;
	struct commits commits;
	char journal[256];
};

static inline int teardown(void **state)
{
	struct fx *f = *state;
	api_free(f->a);
	model_free(f->m);
	unlink(f->journal);
	free(f);
	return 0;
}

/* A signed request through api_handle (what HTTP does). */
static inline int call(struct fx *f, const char *body, struct api_response *r)
{
	char date[20];
	time_t now = time(NULL);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", gmtime(&now));
	struct api_header h[4] = {{"Host", "127.0.0.1:8787"},
				  {"Content-Type", "application/x-www-form-urlencoded"},
				  {"X-Amz-Date", date}};
	struct api_request req = {.method = "POST",
				  .path = "/",
				  .query = "",
				  .headers = h,
				  .n_headers = 3,
				  .body = body,
				  .body_len = strlen(body),
				  .now = now};
	/* the same request, as the signer sees it */
	struct api_sigv4_req s = {.method = req.method,
				  .path = req.path,
				  .query = req.query,
				  .headers = h,
				  .n_headers = req.n_headers,
				  .body = req.body,
				  .body_len = req.body_len,
				  .now = req.now};
	char auth[512];
	assert_int_equal(api_sigv4_sign(&s, "AKIDTEST", "secret/test+key", "us-east-1", date,
					"content-type;host;x-amz-date", auth, sizeof(auth)),
			 0);
	h[3] = (struct api_header){"Authorization", auth};
	req.n_headers = 4;
	return api_handle(f->a, &req, r);
}

/* Call and expect success; returns the body (free it). */
static inline char *ok(struct fx *f, const char *body)
{
	struct api_response r;
	if (call(f, body, &r) != 0)
		fail_msg("%s -> %d %s", body, r.status, r.body);
	assert_int_equal(r.status, 200);
	return r.body;
}

/* Call and expect an EC2 error code. */
static inline void fails(struct fx *f, const char *body, int status, const char *code)
{
	struct api_response r;
	assert_int_equal(call(f, body, &r), -1);
	char want[128];
	snprintf(want, sizeof(want), "<Code>%s</Code>", code);
	if (r.status != status || !strstr(r.body, want))
		fail_msg("%s -> %d %s (wanted %d %s)", body, r.status, r.body, status, code);
	assert_non_null(strstr(r.body, "<RequestID>"));
	api_response_free(&r);
}

/* ---- fixtures and checks shared by the API's C tests ---- */

/* A model made by make(), an API with a journal on it, replayed. */
static inline int setup_with(void **state, struct model *(*make)(void))
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->journal, sizeof(f->journal), "/tmp/enimap-test-%s-%d",
		 program_invocation_short_name, getpid());
	unlink(f->journal);
	f->m = make();
	struct api_settings c = cfg(f->journal);
	struct api_err err;
	f->a = api_create(f->m, &c, count_commit, &f->commits, &err);
	assert_non_null(f->a);
	assert_int_equal(api_replay(f->a, &err), 0);
	*state = f;
	return 0;
}

/* The text of the first <tag>...</tag> of an answer (freed with the answer). */
static inline void member(const char *body, const char *tag, char out[64])
{
	char open[64];
	snprintf(open, sizeof(open), "<%s>", tag);
	const char *p = strstr(body, open);
	if (!p)
		fail_msg("no <%s> in %s", tag, body);
	assert_int_equal(sscanf(p + strlen(open), "%63[^<]", out), 1);
}

/* ok() then one member of the answer. */
static inline void ok_member(struct fx *f, const char *body, const char *tag, char out[64])
{
	char *b = ok(f, body);
	member(b, tag, out);
	free(b);
}

static inline void okf(struct fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void okf(struct fx *f, const char *fmt, ...)
{
	char body[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	free(ok(f, body));
}

static inline int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The dump with its objects (a line and the indented lines under it) sorted:
 * a snapshot recreates the objects of each kind in creation order, but the
 * main tables of VPCs made through the API come before the other route
 * tables, whenever these were made.
 */
static inline char *sorted_objects(char *d)
{
	char *rec[4096] = {0}, *out = calloc(1, strlen(d) + 2);
	size_t n = 0, len = 0;
	for (char *p = d; *p && n < 4096;) {
		char *e = p;
		do
			e = strchr(e, '\n') ? strchr(e, '\n') + 1 : e + strlen(e);
		while (*e == ' ');
		rec[n] = strndup(p, (size_t)(e - p));
		n++;
		p = e;
	}
	qsort(rec, n, sizeof(rec[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		memcpy(out + len, rec[i], strlen(rec[i]));
		len += strlen(rec[i]);
		free(rec[i]);
	}
	free(d);
	return out;
}

/*
 * A restart on make()'s configuration replays the journal into the state of
 * f->m: exactly, or (after a compaction) with objects in another order.
 */
static inline void restart_gives_same_state(struct fx *f, struct model *(*make)(void), bool exact)
{
	char *want = dump(f->m);
	struct model *m2 = make();
	struct api_settings c = cfg(f->journal);
	struct api_err err;
	struct api *a2 = api_create(m2, &c, NULL, NULL, &err);
	assert_non_null(a2);
	if (api_replay(a2, &err) != 0)
		fail_msg("replay: %s", err.message);
	char *got = dump(m2);
	if (!exact) {
		want = sorted_objects(want);
		got = sorted_objects(got);
	}
	if (strcmp(want, got) != 0) {
		/* cmocka cuts long strings: leave both whole for a diff */
		FILE *w = fopen("/tmp/enimap-test-api-world.want", "w");
		FILE *g = fopen("/tmp/enimap-test-api-world.got", "w");
		if (w && g) {
			fputs(want, w);
			fputs(got, g);
		}
		if (w)
			fclose(w);
		if (g)
			fclose(g);
		fail_msg("the replayed model differs: diff /tmp/enimap-test-api-world.want "
			 "/tmp/enimap-test-api-world.got");
	}
	free(got);
	free(want);
	api_free(a2);
	model_free(m2);
}

/* Both: as journaled, then compacted (and a change journaled after the snapshot). */
static inline void journal_and_snapshot_give_same_state(struct fx *f, struct model *(*make)(void),
							const char *after)
{
	restart_gives_same_state(f, make, true);
	assert_int_equal(api_compact(f->a), 0);
	restart_gives_same_state(f, make, false);
	free(ok(f, after));
	restart_gives_same_state(f, make, false);
}

#endif
