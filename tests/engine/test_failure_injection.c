/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_failure_injection.c - every allocation an API operation makes (in the
 * dispatcher, its rehearsal on the shadow model (and the shadow's copy, made
 * at the first change), the model, the journal and the builder
 * behind the commit callback) is made to fail in turn. After each: the answer
 * is a success or an error, the journal replayed into a fresh model dumps
 * byte-identical to the live model, both builder sides hold exactly the
 * model's full delta, and a refused operation changed nothing.
 *
 * Linked with -Wl,--wrap for malloc, calloc, realloc, strdup, asprintf,
 * aligned_alloc and posix_memalign (every allocator the model, the API, the
 * journal, the builder and the tables call). The wrappers count only while
 * armed, around the one call under test: never inside cmocka. Their state is
 * in a MAP_SHARED page (from the days the rehearsal ran in a forked child;
 * a child would count and fail in the same sequence as its parent).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "builder.h"
#include "em16.h"
#include "em4.h"
#include "fwd.h"
#include "gen.h"
#include "model.h"
#include "route.h"

/* ---- the allocation wrappers ---- */

struct inject {
	long armed;   /* count (and maybe fail) allocations */
	long count;   /* allocations seen while armed */
	long fail_at; /* 1-based allocation to fail, 0 = none */
	long failed;  /* allocations failed */
};
static struct inject *S;

static bool alloc_fails(void)
{
	if (!S || !__atomic_load_n(&S->armed, __ATOMIC_SEQ_CST))
		return false;
	long n = __atomic_add_fetch(&S->count, 1, __ATOMIC_SEQ_CST);
	if (n != S->fail_at)
		return false;
	__atomic_add_fetch(&S->failed, 1, __ATOMIC_SEQ_CST);
	return true;
}

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t sz);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t sz);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
void *__wrap_aligned_alloc(size_t align, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);
int __wrap_asprintf(char **s, const char *fmt, ...);

void *__wrap_malloc(size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t sz)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, sz);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_aligned_alloc(align, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
	if (alloc_fails())
		return ENOMEM;
	return __real_posix_memalign(p, align, n);
}

/* asprintf allocates inside libc, out of the wrappers' sight: count it here */
int __wrap_asprintf(char **s, const char *fmt, ...)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return -1;
	}
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(s, fmt, ap);
	va_end(ap);
	return rc;
}

/* Count from 0 and fail allocation fail_at (0: none) until disarm(). */
static void arm(long fail_at)
{
	S->count = S->failed = 0;
	S->fail_at = fail_at;
	__atomic_store_n(&S->armed, 1, __ATOMIC_SEQ_CST);
}

static void disarm(void)
{
	__atomic_store_n(&S->armed, 0, __ATOMIC_SEQ_CST);
}

static int group_setup(void **state)
{
	(void)state;
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(S != MAP_FAILED);
	memset(S, 0, sizeof(*S));
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	munmap(S, sizeof(*S));
	S = NULL;
	return 0;
}

/* ---- the world: a model, its tables in a builder, an API with a journal ---- */

static void subnet(struct model *m, const char *id, const char *c4, const char *c6)
{
	struct model_err e;
	char out[MODEL_ID_MAX];
	struct model_subnet_req s = {
	    .id = id, .vpc_id = "vpc-1", .az = "us-east-1a", .cidr4 = c4, .cidr6 = c6};
	if (model_create_subnet(m, &s, out, NULL, &e))
		fail_msg("subnet %s: %s", id, e.message);
}

static void instance(struct model *m, const char *id, const char *eni, const char *sub,
		     const char *ip, const char *att, int dev)
{
	struct model_err e;
	char out[MODEL_ID_MAX];
	struct model_instance_req i = {.id = id, .type = "m5.large", .az = "us-east-1a"};
	struct model_eni_req r = {
	    .id = eni, .subnet_id = sub, .primary_ip = ip, .source_dest_check = true};
	struct model_attach_req a = {.eni_id = eni,
				     .instance_id = id,
				     .device_index = dev,
				     .attachment_id = att,
				     .delete_on_termination = dev == 0};
	if (model_create_instance(m, &i, out, &e) || model_create_eni(m, &r, out, NULL, &e) ||
	    model_attach_eni(m, &a, out, NULL, &e))
		fail_msg("instance %s: %s", id, e.message);
}

/*
 * vpc-1 10.0.0.0/16 + 2600:1f18:1:100::/56; subnet-a 10.0.1.0/24 +
 * 2600:1f18:1:101::/64, subnet-b 10.0.2.0/24; i-1: eni-0 (10.0.1.10) at 0;
 * i-2: eni-c (10.0.2.10) at 1; a route 192.0.2.0/24 -> eni-c; pool
 * 198.51.100.0/28, eipalloc-c = 198.51.100.9 (not associated); security group
 * sg-1 (with EC2's outbound rule), the default group sg-0default.
 */
static struct model *world(void)
{
	struct model *m = model_create();
	assert_non_null(m);
	struct model_err e;
	char id[MODEL_ID_MAX];
	const char *c4[] = {"10.0.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	struct model_vpc_req v = {.id = "vpc-1",
				  .cidr4 = c4,
				  .n_cidr4 = 1,
				  .cidr6 = c6,
				  .n_cidr6 = 1,
				  .default_group_id = "sg-0default"};
	assert_int_equal(model_create_vpc(m, &v, id, NULL, &e), 0);
	subnet(m, "subnet-a", "10.0.1.0/24", "2600:1f18:1:101::/64");
	subnet(m, "subnet-b", "10.0.2.0/24", NULL);
	struct model_sg_req g = {.id = "sg-1", .vpc_id = "vpc-1", .name = "web"};
	assert_int_equal(model_create_security_group(m, &g, id, &e), 0);
	instance(m, "i-1", "eni-0", "subnet-a", "10.0.1.10", "eni-attach-0", 0);
	instance(m, "i-2", "eni-c", "subnet-b", "10.0.2.10", "eni-attach-c", 1);
	/* i-x1..i-x17, one ENI each: starting them all needs more than a delta's
	 * first 16 entries, so the model can run out of memory half-way */
	for (int k = 1; k <= 17; k++) {
		char iid[16], eni[16], ip[16], att[24];
		snprintf(iid, sizeof(iid), "i-x%d", k);
		snprintf(eni, sizeof(eni), "eni-x%d", k);
		snprintf(ip, sizeof(ip), "10.0.2.%d", 100 + k);
		snprintf(att, sizeof(att), "eni-attach-x%d", k);
		instance(m, iid, eni, "subnet-b", ip, att, 0);
	}
	struct model_vpc_view vv;
	assert_int_equal(model_get_vpc(m, "vpc-1", &vv), 0);
	char rtb[MODEL_ID_MAX];
	snprintf(rtb, sizeof(rtb), "%s", vv.main_route_table_id);
	assert_int_equal(model_create_route(m, rtb, "192.0.2.0/24", "eni-c", NULL, &e), 0);
	assert_int_equal(model_add_public_pool(m, "198.51.100.0/28", &e), 0);
	assert_int_equal(model_add_ipv6_pool(m, "2600:1f18:4000::/56", &e), 0);
	char pub[INET_ADDRSTRLEN];
	assert_int_equal(model_allocate_address(m, "eipalloc-c", "198.51.100.9", id, pub, &e), 0);
	const uint16_t ports[] = {0};
	assert_int_equal(model_set_placement(m, ports, 1, 0, &e), 0);
	return m;
}

/* The dump without its first line (the id counter, which replay does not advance). */
static char *dump(const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(model_dump(m, f), 0);
	fclose(f);
	char *nl = strchr(buf, '\n');
	assert_non_null(nl);
	memmove(buf, nl + 1, strlen(nl + 1) + 1);
	return buf;
}

static struct api_settings settings(const char *journal)
{
	struct api_settings c = {.enabled = true, .n_credentials = 1};
	snprintf(c.listen, sizeof(c.listen), "127.0.0.1:0");
	snprintf(c.region, sizeof(c.region), "us-east-1");
	snprintf(c.credentials[0].access_key_id, 128, "AKIDTEST");
	snprintf(c.credentials[0].secret_access_key, 128, "secret/test+key");
	snprintf(c.journal, sizeof(c.journal), "%s", journal);
	return c;
}

/* Small tables: a fresh builder per injected allocation must be cheap. */
static struct builder *new_builder(void)
{
	struct builder_params p = {.max_v4 = 256,
				   .max_v6 = 256,
				   .max_eips = 64,
				   .max_enis = 64,
				   .max_subnets = 16,
				   .max_route_tables = 8,
				   .max_routes = 32,
				   .n_ports = 2};
	p.ports[0].role = FWD_PORT_HOST;
	p.ports[1].role = FWD_PORT_UPLINK;
	struct builder *b = builder_create(&p);
	assert_non_null(b);
	return b;
}

struct world {
	struct model *m;
	struct builder *b;
	struct api *a;
	size_t commits, rebuilds;
	char journal[128];
};

/* What engine_apply does: apply; when that fails, rebuild from the model. */
static int commit_to_builder(void *arg, const struct delta *d)
{
	struct world *w = arg;
	w->commits++;
	int rc = builder_apply(w->b, d);
	if (rc == 0)
		return 0;
	w->rebuilds++;
	struct delta full = {0};
	rc = model_full_delta(w->m, &full);
	if (rc == 0)
		rc = builder_rebuild(w->b, &full);
	delta_free(&full);
	return rc;
}

static void world_tables_from_model(struct world *w)
{
	struct delta full = {0};
	assert_int_equal(model_full_delta(w->m, &full), 0);
	assert_int_equal(builder_rebuild(w->b, &full), 0);
	delta_free(&full);
}

/* A new world with an empty journal; open_api: also api_create + api_replay. */
static struct world *world_new(bool open_api)
{
	struct world *w = calloc(1, sizeof(*w));
	assert_non_null(w);
	snprintf(w->journal, sizeof(w->journal), "/tmp/enimap-test-inject-%d", (int)getpid());
	unlink(w->journal);
	w->m = world();
	w->b = new_builder();
	world_tables_from_model(w);
	if (open_api) {
		struct api_settings c = settings(w->journal);
		struct api_err err;
		w->a = api_create(w->m, &c, commit_to_builder, w, &err);
		assert_non_null(w->a);
		assert_int_equal(api_replay(w->a, &err), 0);
	}
	return w;
}

static void world_free(struct world *w)
{
	api_free(w->a);
	builder_free(w->b);
	model_free(w->m);
	unlink(w->journal);
	free(w);
}

/* ---- requests ---- */

struct signed_req {
	struct api_header h[4];
	char date[20], auth[512];
	struct api_request req;
};

/* Sign body (which must outlive r) as the AWS CLI would: done before arming. */
static void sign(struct signed_req *r, const char *body)
{
	time_t now = time(NULL);
	strftime(r->date, sizeof(r->date), "%Y%m%dT%H%M%SZ", gmtime(&now));
	r->h[0] = (struct api_header){"Host", "127.0.0.1:8787"};
	r->h[1] = (struct api_header){"Content-Type", "application/x-www-form-urlencoded"};
	r->h[2] = (struct api_header){"X-Amz-Date", r->date};
	struct api_sigv4_req s = {.method = "POST",
				  .path = "/",
				  .query = "",
				  .headers = r->h,
				  .n_headers = 3,
				  .body = body,
				  .body_len = strlen(body),
				  .now = now};
	assert_int_equal(api_sigv4_sign(&s, "AKIDTEST", "secret/test+key", "us-east-1", r->date,
					"content-type;host;x-amz-date", r->auth, sizeof(r->auth)),
			 0);
	r->h[3] = (struct api_header){"Authorization", r->auth};
	r->req = (struct api_request){.method = "POST",
				      .path = "/",
				      .query = "",
				      .headers = r->h,
				      .n_headers = 4,
				      .body = body,
				      .body_len = strlen(body),
				      .now = now};
}

/* Un-armed, expected to succeed: the body of the answer (free it). */
static char *ok(struct world *w, const char *body)
{
	struct signed_req r;
	struct api_response out;
	sign(&r, body);
	if (api_handle(w->a, &r.req, &out) != 0)
		fail_msg("%s -> %d %s", body, out.status, out.body ? out.body : "");
	return out.body;
}

/* The text of <tag>...</tag> in xml into out. */
static void xml_value(const char *xml, const char *tag, char *out, size_t n)
{
	char open[64];
	snprintf(open, sizeof(open), "<%s>", tag);
	const char *p = strstr(xml, open);
	if (!p)
		fail_msg("no <%s> in %s", tag, xml);
	p += strlen(open);
	const char *end = strchr(p, '<');
	assert_non_null(end);
	assert_true((size_t)(end - p) < n);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

/* ---- the checks ---- */

static void check_enis(const struct fwd_side *s, const struct delta *want)
{
	bool seen[64] = {0};
	assert_true(s->max_enis <= 64);
	for (size_t i = 0; i < want->n; i++) {
		const struct delta_entry *e = &want->e[i];
		if (e->kind != DELTA_ENI_SET)
			continue;
		assert_true(e->eni.slot < s->max_enis);
		assert_memory_equal(&s->enis[e->eni.slot], &e->eni, sizeof(e->eni));
		seen[e->eni.slot] = true;
	}
	for (uint32_t i = 0; i < s->max_enis; i++)
		if (!seen[i] && s->enis[i].state != FWD_ENI_ABSENT)
			fail_msg("ENI slot %u is in the tables, not in the model", i);
}

static void check_mac(const struct fwd_side *s, const struct delta *want)
{
	uint32_t macs = 0;
	for (size_t i = 0; i < want->n; i++) {
		const struct delta_entry *e = &want->e[i];
		if (e->kind != DELTA_ENI_SET || e->eni.state == ENI_FWD_DETACHED)
			continue;
		struct em16_key k;
		uint64_t v;
		fwd_mac_key(&k, e->eni.port, e->eni.vlan, e->eni.mac);
		assert_true(em16_lookup(s->mac, &k, &v));
		assert_int_equal(v, e->eni.slot);
		macs++;
	}
	assert_int_equal(em16_count(s->mac), macs);
}

static void check_addresses(const struct fwd_side *s, const struct delta *want)
{
	uint32_t v4 = 0, v6 = 0, eip = 0;
	uint64_t v;
	for (size_t i = 0; i < want->n; i++) {
		const struct delta_entry *e = &want->e[i];
		if (e->kind == DELTA_V4_SET) {
			if (!em8_lookup(s->priv4, fwd_priv_key(e->v4.vpc, e->v4.addr), &v))
				fail_msg("private %08x missing from the tables", e->v4.addr);
			assert_int_equal(v, fwd_v4_value(e->v4.eni, e->v4.eip));
			v4++;
		} else if (e->kind == DELTA_EIP_SET) {
			if (!em4_lookup(s->eip4, e->eip.eip, &v))
				fail_msg("EIP %08x missing from the tables", e->eip.eip);
			assert_int_equal(v, fwd_v4_value(e->eip.eni, e->eip.priv));
			eip++;
		} else if (e->kind == DELTA_V6_SET) {
			struct em16_key k;
			memcpy(k.b, e->v6.addr, 16);
			assert_true(em16_lookup(s->ip6, &k, &v));
			assert_int_equal(v, e->v6.eni);
			v6++;
		}
	}
	assert_int_equal(em8_count(s->priv4), v4);
	assert_int_equal(em4_count(s->eip4), eip);
	assert_int_equal(em16_count(s->ip6), v6);
}

static void check_subnets_and_routes(const struct fwd_side *s, const struct delta *want)
{
	uint32_t n4[8] = {0}, n6[8] = {0};
	bool present[16] = {0};
	assert_true(s->max_rtables <= 8 && s->max_subnets <= 16);
	for (size_t i = 0; i < want->n; i++) {
		const struct delta_entry *e = &want->e[i];
		if (e->kind == DELTA_SUBNET_SET) {
			const struct fwd_subnet *sn = &s->subnets[e->subnet.slot];
			assert_true(sn->present);
			assert_int_equal(sn->route_table, e->subnet.route_table);
			assert_int_equal(sn->depth4, e->subnet.depth4);
			present[e->subnet.slot] = true;
		} else if (e->kind == DELTA_ROUTE_SET) {
			const struct fwd_rtable *t = &s->rtables[e->route.route_table];
			uint32_t p4;
			memcpy(&p4, e->route.prefix, 4);
			if (e->route.family == 4) {
				assert_non_null(t->r4);
				assert_true(route4_holds(t->r4, p4, e->route.depth));
				n4[e->route.route_table]++;
			} else {
				assert_non_null(t->r6);
				assert_true(route6_holds(t->r6, e->route.prefix, e->route.depth));
				n6[e->route.route_table]++;
			}
		}
	}
	for (uint32_t i = 0; i < s->max_subnets; i++)
		if (!present[i])
			assert_false(s->subnets[i].present);
	for (uint32_t rt = 0; rt < s->max_rtables; rt++) {
		assert_int_equal(s->rtables[rt].r4 ? route4_count(s->rtables[rt].r4) : 0, n4[rt]);
		assert_int_equal(s->rtables[rt].r6 ? route6_count(s->rtables[rt].r6) : 0, n6[rt]);
	}
}

/* One side holds exactly want's mappings. */
static void check_side(const struct fwd_side *s, const struct delta *want)
{
	check_enis(s, want);
	check_mac(s, want);
	check_addresses(s, want);
	check_subnets_and_routes(s, want);
}

/* Both sides of b hold exactly want (the published one and the writer's). */
static void check_builder_holds(const struct builder *b, const struct delta *want)
{
	check_side(builder_side(b), want);
	check_side(gen_writer_side(builder_gen(b)), want);
}

static void check_tables_equal_model(const struct world *w)
{
	struct delta full = {0};
	assert_int_equal(model_full_delta(w->m, &full), 0);
	check_builder_holds(w->b, &full);
	delta_free(&full);
}

/* The journal replayed into a fresh world dumps exactly as the live model. */
static void check_replay_equals_live(const struct world *w)
{
	struct model *m2 = world();
	struct api_settings c = settings(w->journal);
	struct api_err err;
	struct api *a2 = api_create(m2, &c, NULL, NULL, &err);
	assert_non_null(a2);
	if (api_replay(a2, &err) != 0)
		fail_msg("replay: %s", err.message);
	char *live = dump(w->m), *replayed = dump(m2);
	if (strcmp(live, replayed) != 0)
		fail_msg("replay differs from the live model:\n--- live\n%s\n--- replayed\n%s",
			 live, replayed);
	free(live);
	free(replayed);
	api_free(a2);
	model_free(m2);
}

/* ---- the operations ---- */

/*
 * An operation: prelude (un-armed requests setting it up, which may need
 * ids an earlier answer gave), then the request under test.
 */
struct op {
	const char *name;
	void (*prelude)(struct world *w, char *body, size_t n); /* writes the request */
	/* a call on several instances that fails half-way keeps (journals, publishes)
	 * the instances it changed, and says InternalError (api.h) */
	bool may_fail_half_way;
};

static void create_eni(struct world *w, char *eni, size_t n)
{
	char *b = ok(w, "Action=CreateNetworkInterface&SubnetId=subnet-a&"
			"PrivateIpAddress=10.0.1.30&SecondaryPrivateIpAddressCount=1");
	xml_value(b, "networkInterfaceId", eni, n);
	free(b);
}

static void op_create(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(
	    body, n,
	    "Action=CreateNetworkInterface&SubnetId=subnet-a&"
	    "PrivateIpAddresses.1.PrivateIpAddress=10.0.1.50&PrivateIpAddresses.1.Primary=true&"
	    "PrivateIpAddresses.2.PrivateIpAddress=10.0.1.51&"
	    "Ipv6AddressCount=2&Description=injected");
}

static void op_assign_count(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		 "SecondaryPrivateIpAddressCount=3");
}

/* 10.0.1.20 moves from another ENI, with the EIP associated to it */
static void op_assign_reassign(struct world *w, char *body, size_t n)
{
	char eni[64], req[256];
	create_eni(w, eni, sizeof(eni));
	snprintf(req, sizeof(req),
		 "Action=AssignPrivateIpAddresses&NetworkInterfaceId=%s&PrivateIpAddress.1=10.0.1."
		 "20",
		 eni);
	free(ok(w, req));
	snprintf(req, sizeof(req),
		 "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=%s&"
		 "PrivateIpAddress=10.0.1.20",
		 eni);
	free(ok(w, req));
	snprintf(
	    body, n,
	    "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
	    "PrivateIpAddress.1=10.0.1.20&PrivateIpAddress.2=10.0.1.21&AllowReassignment=true");
}

static void op_unassign(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		   "PrivateIpAddress.1=10.0.1.20&PrivateIpAddress.2=10.0.1.21"));
	free(ok(w, "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=eni-0&"
		   "PrivateIpAddress=10.0.1.21"));
	snprintf(body, n,
		 "Action=UnassignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		 "PrivateIpAddress.1=10.0.1.20&PrivateIpAddress.2=10.0.1.21");
}

static void op_allocate(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n, "Action=AllocateAddress&Domain=vpc");
}

static void op_associate_move(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=eni-0"));
	snprintf(body, n,
		 "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=eni-c&"
		 "AllowReassociation=true");
}

static void op_attach(struct world *w, char *body, size_t n)
{
	char eni[64];
	create_eni(w, eni, sizeof(eni));
	snprintf(body, n,
		 "Action=AttachNetworkInterface&NetworkInterfaceId=%s&InstanceId=i-1&DeviceIndex=1",
		 eni);
}

static void op_detach(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n, "Action=DetachNetworkInterface&AttachmentId=eni-attach-c");
}

static void op_delete(struct world *w, char *body, size_t n)
{
	char eni[64], req[256];
	create_eni(w, eni, sizeof(eni));
	snprintf(req, sizeof(req),
		 "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=%s", eni);
	free(ok(w, req));
	snprintf(body, n, "Action=DeleteNetworkInterface&NetworkInterfaceId=%s", eni);
}

/* eni-c is the target of 192.0.2.0/24: its route changes too (the builder allocates) */
static void op_delete_route_target(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=DetachNetworkInterface&AttachmentId=eni-attach-c"));
	snprintf(body, n, "Action=DeleteNetworkInterface&NetworkInterfaceId=eni-c");
}

/* 17 instances in one call: the model may take some and run out of memory */
static void op_start_many(struct world *w, char *body, size_t n)
{
	char ids[400] = "";
	size_t len = 0;
	for (int k = 1; k <= 17; k++)
		len += (size_t)snprintf(ids + len, sizeof(ids) - len, "&InstanceId.%d=i-x%d", k, k);
	char req[512];
	snprintf(req, sizeof(req), "Action=StopInstances%s", ids);
	free(ok(w, req));
	snprintf(body, n, "Action=StartInstances%s", ids);
}

static void op_create_tags(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Key=old&Tag.1.Value=1"));
	snprintf(body, n,
		 "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=i-1&ResourceId.3=eipalloc-c&"
		 "Tag.1.Key=Name&Tag.1.Value=web&Tag.2.Key=old&Tag.2.Value=2&Tag.3.Key=env");
}

static void op_delete_tags(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=i-1&Tag.1.Key=a&"
		   "Tag.2.Key=b&Tag.2.Value=x"));
	snprintf(body, n, "Action=DeleteTags&ResourceId.1=eni-0&ResourceId.2=i-1&Tag.1.Key=a");
}

static void op_create_tagged(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1.ResourceType="
		 "network-interface&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1."
		 "Value=web&TagSpecification.1.Tag.2.Key=k");
}

static void op_allocate_tagged(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=AllocateAddress&TagSpecification.1.ResourceType=elastic-ip&"
		 "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=eip");
}

/* ---- the world's operations (R28) ---- */

static void op_create_vpc(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=CreateVpc&CidrBlock=10.50.0.0/16&AmazonProvidedIpv6CidrBlock=true");
}

static void op_delete_vpc(struct world *w, char *body, size_t n)
{
	char *b = ok(w, "Action=CreateVpc&CidrBlock=10.50.0.0/16");
	char vpc[64];
	xml_value(b, "vpcId", vpc, sizeof(vpc));
	free(b);
	snprintf(body, n, "Action=DeleteVpc&VpcId=%s", vpc);
}

static void op_associate_vpc_cidr(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n, "Action=AssociateVpcCidrBlock&VpcId=vpc-1&CidrBlock=10.1.0.0/16");
}

static void op_create_subnet(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=CreateSubnet&VpcId=vpc-1&CidrBlock=10.0.9.0/24&"
		 "Ipv6CidrBlock=2600:1f18:1:109::/64");
}

/* A new route table of vpc-1: its id into rt. */
static void new_route_table(struct world *w, char *rt, size_t n)
{
	char *b = ok(w, "Action=CreateRouteTable&VpcId=vpc-1");
	xml_value(b, "routeTableId", rt, n);
	free(b);
}

static void op_create_route(struct world *w, char *body, size_t n)
{
	char rt[64];
	new_route_table(w, rt, sizeof(rt));
	snprintf(body, n,
		 "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=0.0.0.0/0&"
		 "NetworkInterfaceId=eni-c",
		 rt);
}

static void op_delete_route_table(struct world *w, char *body, size_t n)
{
	char rt[64], req[256];
	new_route_table(w, rt, sizeof(rt));
	snprintf(req, sizeof(req),
		 "Action=CreateRoute&RouteTableId=%s&DestinationCidrBlock=0.0.0.0/0&"
		 "NetworkInterfaceId=eni-c",
		 rt);
	free(ok(w, req));
	snprintf(body, n, "Action=DeleteRouteTable&RouteTableId=%s", rt);
}

/* subnet-b holds 19 ENIs: each is re-published with the subnet's new table */
static void op_associate_route_table(struct world *w, char *body, size_t n)
{
	char rt[64];
	new_route_table(w, rt, sizeof(rt));
	snprintf(body, n, "Action=AssociateRouteTable&RouteTableId=%s&SubnetId=subnet-b", rt);
}

static void op_replace_main_association(struct world *w, char *body, size_t n)
{
	char rt[64], assoc[64];
	new_route_table(w, rt, sizeof(rt));
	char *b = ok(w, "Action=DescribeRouteTables&Filter.1.Name=association.main&"
			"Filter.1.Value.1=true");
	xml_value(b, "routeTableAssociationId", assoc, sizeof(assoc));
	free(b);
	snprintf(body, n, "Action=ReplaceRouteTableAssociation&AssociationId=%s&RouteTableId=%s",
		 assoc, rt);
}

/* RunInstances: two instances, two interfaces each, addresses by count */
static void op_run_two(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=RunInstances&ImageId=ami-1&InstanceType=m5.large&MinCount=2&MaxCount=2&"
		 "NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-a&"
		 "NetworkInterface.1.SecondaryPrivateIpAddressCount=2&"
		 "NetworkInterface.1.Ipv6AddressCount=1&NetworkInterface.1.SecurityGroupId.1=sg-1&"
		 "NetworkInterface.2.DeviceIndex=1&NetworkInterface.2.SubnetId=subnet-b");
}

/* RunInstances with given addresses and an existing ENI at device index 1 */
static void op_run_existing(struct world *w, char *body, size_t n)
{
	char eni[64];
	create_eni(w, eni, sizeof(eni));
	snprintf(body, n,
		 "Action=RunInstances&ImageId=ami-1&InstanceType=m5.large&MinCount=1&MaxCount=1&"
		 "NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.SubnetId=subnet-a&"
		 "NetworkInterface.1.PrivateIpAddress=10.0.1.60&"
		 "NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=2600:1f18:1:101::60&"
		 "NetworkInterface.2.DeviceIndex=1&NetworkInterface.2.NetworkInterfaceId=%s",
		 eni);
}

/* ---- security groups ---- */

static void op_create_sg(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=db&GroupDescription=d&"
		 "TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=k&"
		 "TagSpecification.1.Tag.1.Value=v");
}

/* three permissions, one of them with two ranges and a group reference: four rules */
static void op_authorize(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=AuthorizeSecurityGroupIngress&GroupId=sg-1&"
		 "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&"
		 "IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&"
		 "IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0/8&"
		 "IpPermissions.1.Ipv6Ranges.1.CidrIpv6=::/0&"
		 "IpPermissions.2.IpProtocol=-1&IpPermissions.2.Groups.1.GroupId=sg-1");
}

static void op_revoke(struct world *w, char *body, size_t n)
{
	op_authorize(w, body, n);
	free(ok(w, body));
	snprintf(body, n,
		 "Action=RevokeSecurityGroupIngress&GroupId=sg-1&"
		 "IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=80&"
		 "IpPermissions.1.ToPort=80&IpPermissions.1.IpRanges.1.CidrIp=0.0.0.0/0&"
		 "IpPermissions.1.IpRanges.2.CidrIp=10.0.0.0/8");
}

static void op_eni_groups(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n,
		 "Action=ModifyNetworkInterfaceAttribute&NetworkInterfaceId=eni-c&"
		 "SecurityGroupId.1=sg-1&SecurityGroupId.2=sg-0default");
}

static void op_delete_sg(struct world *w, char *body, size_t n)
{
	free(ok(w, "Action=CreateSecurityGroup&VpcId=vpc-1&GroupName=tmp&GroupDescription=t"));
	char *b = ok(w, "Action=DescribeSecurityGroups&GroupName.1=tmp");
	char gid[64];
	xml_value(b, "groupId", gid, sizeof(gid));
	free(b);
	snprintf(body, n, "Action=DeleteSecurityGroup&GroupId=%s", gid);
}

/* TerminateInstances of i-1 (its eni-0 deleted on termination) and i-2 (eni-c, a route
 * target, detached) */
static void op_terminate(struct world *w, char *body, size_t n)
{
	(void)w;
	snprintf(body, n, "Action=TerminateInstances&InstanceId.1=i-1&InstanceId.2=i-2");
}

static const struct op OPS[] = {
    {"CreateTags", op_create_tags},
    {"DeleteTags", op_delete_tags},
    {"CreateNetworkInterface(tagged)", op_create_tagged},
    {"AllocateAddress(tagged)", op_allocate_tagged},
    {"CreateNetworkInterface", op_create},
    {"AssignPrivateIpAddresses(count)", op_assign_count},
    {"AssignPrivateIpAddresses(reassign)", op_assign_reassign},
    {"UnassignPrivateIpAddresses", op_unassign},
    {"AllocateAddress", op_allocate},
    {"AssociateAddress(move)", op_associate_move},
    {"AttachNetworkInterface", op_attach},
    {"DetachNetworkInterface", op_detach},
    {"DeleteNetworkInterface", op_delete},
    {"DeleteNetworkInterface(route target)", op_delete_route_target},
    {"StartInstances(17)", op_start_many, true},
    {"CreateVpc(IPv6 from the pool)", op_create_vpc},
    {"DeleteVpc", op_delete_vpc},
    {"AssociateVpcCidrBlock", op_associate_vpc_cidr},
    {"CreateSubnet", op_create_subnet},
    {"CreateRoute(ENI)", op_create_route},
    {"DeleteRouteTable", op_delete_route_table},
    {"AssociateRouteTable(19 ENIs)", op_associate_route_table},
    {"ReplaceRouteTableAssociation(main)", op_replace_main_association},
    {"RunInstances(2 x 2 interfaces)", op_run_two},
    {"RunInstances(existing ENI)", op_run_existing},
    {"TerminateInstances(2)", op_terminate, true},
    {"CreateSecurityGroup(tagged)", op_create_sg},
    {"AuthorizeSecurityGroupIngress(4 rules)", op_authorize},
    {"RevokeSecurityGroupIngress(2 rules)", op_revoke},
    {"ModifyNetworkInterfaceAttribute(groups)", op_eni_groups},
    {"DeleteSecurityGroup", op_delete_sg},
};

struct run_result {
	int rc;
	long count, failed;
	size_t rebuilds; /* commits whose builder_apply failed, rebuilt from the model */
};

/* A fresh world, the prelude, then the request with allocation fail_at failing. */
static struct run_result run_op(const struct op *op, long fail_at)
{
	struct world *w = world_new(true);
	char body[512];
	op->prelude(w, body, sizeof(body));
	check_tables_equal_model(w);
	char *before = dump(w->m);

	struct signed_req r;
	struct api_response out;
	sign(&r, body);
	arm(fail_at);
	int rc = api_handle(w->a, &r.req, &out);
	disarm();
	struct run_result res = {rc, S->count, S->failed, w->rebuilds};

	/* an answer: a success, or an error the client can read (or a bare 500) */
	if (rc == 0)
		assert_int_equal(out.status, 200);
	else if (out.status != 400 && out.status != 500)
		fail_msg("%s, allocation %ld failing: status %d", op->name, fail_at, out.status);
	if (fail_at == 0 && rc != 0)
		fail_msg("%s: %d %s", op->name, out.status, out.body ? out.body : "");
	char answer[600];
	snprintf(answer, sizeof(answer), "%d %s", out.status, out.body ? out.body : "(no body)");
	api_response_free(&out);

	check_replay_equals_live(w);
	check_tables_equal_model(w);
	if (rc != 0 && !op->may_fail_half_way) {
		char *after = dump(w->m);
		if (strcmp(before, after) != 0)
			fail_msg("%s refused (allocation %ld failing: %s) but the model changed",
				 op->name, fail_at, answer);
		free(after);
	}
	free(before);
	/* and the API still works: an un-armed change is journaled and published */
	free(ok(w, "Action=AllocateAddress&Domain=vpc"));
	check_replay_equals_live(w);
	check_tables_equal_model(w);
	world_free(w);
	return res;
}

static void every_allocation_of_each_operation_fails_in_turn(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(OPS) / sizeof(OPS[0]); i++) {
		const struct op *op = &OPS[i];
		struct run_result base = run_op(op, 0);
		long k = base.count, refused = 0, rebuilt = 0;
		assert_true(k > 0);
		for (long n = 1; n <= k; n++) {
			struct run_result r = run_op(op, n);
			assert_int_equal(r.failed, 1); /* every allocation is reached */
			refused += r.rc != 0;
			rebuilt += r.rebuilds != 0;
		}
		print_message("%-36s K=%ld: %ld refused, %ld succeeded (%ld after a table "
			      "rebuild); all checks passed\n",
			      op->name, k, refused, k - refused, rebuilt);
	}
}

/* ---- the journal's own allocations ---- */

static void journal_open_allocations_fail_in_turn(void **state)
{
	(void)state;
	long k = 0;
	for (long n = 0; n == 0 || n <= k; n++) {
		struct world *w = world_new(false);
		struct api_settings c = settings(w->journal);
		struct api_err err;
		w->a = api_create(w->m, &c, commit_to_builder, w, &err);
		assert_non_null(w->a);
		arm(n);
		int rc = api_replay(w->a, &err);
		disarm();
		if (n == 0) {
			assert_int_equal(rc, 0);
			k = S->count;
		} else {
			assert_int_equal(S->failed, 1);
			assert_true(rc == 0 || rc == -ENOMEM);
		}
		if (rc == 0) {
			free(ok(w, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
				   "SecondaryPrivateIpAddressCount=2"));
			check_replay_equals_live(w);
			check_tables_equal_model(w);
		}
		world_free(w);
	}
	print_message("api_replay (empty journal, journal_open): K=%ld, all checks passed\n", k);
}

/* A journal with a few records, for replay and compaction. */
static void journal_some_changes(struct world *w)
{
	free(ok(w, "Action=AssignPrivateIpAddresses&NetworkInterfaceId=eni-0&"
		   "SecondaryPrivateIpAddressCount=2"));
	free(ok(w, "Action=AssociateAddress&AllocationId=eipalloc-c&NetworkInterfaceId=eni-0"));
	free(ok(w, "Action=CreateNetworkInterface&SubnetId=subnet-b&Ipv6AddressCount=0"));
	free(ok(w, "Action=AllocateAddress&Domain=vpc"));
	free(ok(w, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=i-1&Tag.1.Key=Name&"
		   "Tag.1.Value=web"));
}

static void journal_replay_allocations_fail_in_turn(void **state)
{
	(void)state;
	struct world *w = world_new(true);
	journal_some_changes(w);
	char *live = dump(w->m);
	long k = 0;
	for (long n = 0; n == 0 || n <= k; n++) {
		struct model *m2 = world();
		struct api_settings c = settings(w->journal);
		struct api_err err;
		struct api *a2 = api_create(m2, &c, NULL, NULL, &err);
		assert_non_null(a2);
		arm(n);
		int rc = api_replay(a2, &err);
		disarm();
		if (n == 0)
			k = S->count;
		else
			assert_int_equal(S->failed, 1);
		/* a replay that fails stops the start-up; one that succeeds is exact */
		if (rc == 0) {
			char *replayed = dump(m2);
			assert_string_equal(live, replayed);
			free(replayed);
		} else {
			assert_true(n > 0);
		}
		api_free(a2);
		model_free(m2);
	}
	free(live);
	world_free(w);
	print_message("api_replay (4 records): K=%ld, all checks passed\n", k);
}

static void journal_compact_allocations_fail_in_turn(void **state)
{
	(void)state;
	long k = 0;
	for (long n = 0; n == 0 || n <= k; n++) {
		struct world *w = world_new(true);
		journal_some_changes(w);
		arm(n);
		int rc = api_compact(w->a);
		disarm();
		if (n == 0) {
			assert_int_equal(rc, 0);
			k = S->count;
		} else {
			assert_int_equal(S->failed, 1);
		}
		/* compacted or not, the journal replays to the live model, and takes more */
		check_replay_equals_live(w);
		free(ok(w, "Action=AllocateAddress&Domain=vpc"));
		check_replay_equals_live(w);
		check_tables_equal_model(w);
		world_free(w);
	}
	print_message("api_compact: K=%ld, all checks passed\n", k);
}

/* ---- the builder's own allocations, outside the API ---- */

static void builder_allocations_fail_in_turn(void **state)
{
	(void)state;
	struct world *w = world_new(false);
	struct delta full = {0}, none = {0};
	assert_int_equal(model_full_delta(w->m, &full), 0);
	long k_apply = 0, k_rebuild = 0;
	for (int rebuild = 0; rebuild < 2; rebuild++) {
		long *k = rebuild ? &k_rebuild : &k_apply;
		for (long n = 0; n == 0 || n <= *k; n++) {
			struct builder *b = new_builder();
			arm(n);
			int rc = rebuild ? builder_rebuild(b, &full) : builder_apply(b, &full);
			disarm();
			if (n == 0) {
				assert_int_equal(rc, 0);
				*k = S->count;
			} else {
				assert_int_equal(S->failed, 1);
			}
			if (rc == 0) {
				check_builder_holds(b, &full);
			} else if (!rebuild) {
				/* refused in the prepare step: nothing changed */
				assert_int_equal(rc, -ENOMEM);
				check_builder_holds(b, &none);
			} else {
				/* rebuild: published side old or new; a rebuild then repairs both
				 */
				assert_int_equal(rc, -ENOMEM);
				assert_int_equal(builder_rebuild(b, &full), 0);
				check_builder_holds(b, &full);
			}
			builder_free(b);
		}
	}
	delta_free(&full);
	world_free(w);
	print_message("builder_apply (full delta into empty tables): K=%ld; builder_rebuild: "
		      "K=%ld, all checks passed\n",
		      k_apply, k_rebuild);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_allocation_of_each_operation_fails_in_turn),
	    cmocka_unit_test(journal_open_allocations_fail_in_turn),
	    cmocka_unit_test(journal_replay_allocations_fail_in_turn),
	    cmocka_unit_test(journal_compact_allocations_fail_in_turn),
	    cmocka_unit_test(builder_allocations_fail_in_turn),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
