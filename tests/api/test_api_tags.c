/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tags (SPEC R27) and pages (R30) through the dispatcher over a real model:
 * CreateTags / DeleteTags / DescribeTags, the tag filters and <tagSet> of
 * every Describe, TagSpecification at creation, MaxResults and NextToken on
 * every Describe with each error code, and tags surviving journal replay and
 * compaction. (The fixture is test_api_dispatch.c's world.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api.h"
#include "api_impl.h" /* the Describe frame, for an action it has no rule for */

#include "api_fixture.h"

static int setup(void **state)
{
	return setup_with(state, world);
}

/* How many times needle occurs in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The text of the first <name>...</name> into out ("" when absent). */
static void elem(const char *xml, const char *name, char *out, size_t size)
{
	char open[64], close[64];
	snprintf(open, sizeof(open), "<%s>", name);
	snprintf(close, sizeof(close), "</%s>", name);
	const char *p = strstr(xml, open), *q;
	out[0] = 0;
	if (!p || !(q = strstr(p, close)))
		return;
	p += strlen(open);
	snprintf(out, size, "%.*s", (int)(q - p), p);
}

static void create_describe_and_delete_tags(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=vpc-1&Tag.1.Key=Name&"
		   "Tag.1.Value=web&Tag.2.Key=env"));
	char *b = ok(f, "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=eni-0");
	assert_non_null(strstr(b, "<tagSet><item><key>Name</key><value>web</value></item>"
				  "<item><key>env</key><value></value></item></tagSet>"));
	free(b);
	b = ok(f, "Action=DescribeVpcs");
	assert_non_null(strstr(b, "<key>Name</key><value>web</value>"));
	free(b);
	b = ok(f, "Action=DescribeTags");
	assert_non_null(strstr(b, "<tagSet><item><resourceId>eni-0</resourceId><resourceType>"
				  "network-interface</resourceType><key>Name</key><value>web"
				  "</value></item>"));
	assert_int_equal(count(b, "<item>"), 4);
	free(b);
	/* DescribeTags' own filters */
	b = ok(f, "Action=DescribeTags&Filter.1.Name=resource-type&Filter.1.Value.1=vpc");
	assert_int_equal(count(b, "<item>"), 2);
	assert_int_equal(count(b, "<resourceId>vpc-1</resourceId>"), 2);
	free(b);
	b = ok(f, "Action=DescribeTags&Filter.1.Name=key&Filter.1.Value.1=env&Filter.2.Name="
		  "resource-id&Filter.2.Value.1=eni-0");
	assert_int_equal(count(b, "<item>"), 1);
	free(b);
	b = ok(f, "Action=DescribeTags&Filter.1.Name=value&Filter.1.Value.1=w*");
	assert_int_equal(count(b, "<key>Name</key>"), 2);
	assert_int_equal(count(b, "<item>"), 2);
	free(b);
	fails(f, "Action=DescribeTags&Filter.1.Name=bogus&Filter.1.Value.1=x", 400,
	      "InvalidParameterValue");
	/* DeleteTags: a wrong value keeps the tag, no value deletes it */
	free(ok(f, "Action=DeleteTags&ResourceId.1=eni-0&Tag.1.Key=Name&Tag.1.Value=db"));
	b = ok(f, "Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1=eni-0");
	assert_int_equal(count(b, "<item>"), 2);
	free(b);
	free(ok(f, "Action=DeleteTags&ResourceId.1=eni-0&Tag.1.Key=Name"));
	b = ok(f, "Action=DescribeTags&Filter.1.Name=resource-id&Filter.1.Value.1=eni-0");
	assert_int_equal(count(b, "<item>"), 1);
	free(b);
	/* no Tag: every tag of the resource */
	free(ok(f, "Action=DeleteTags&ResourceId.1=vpc-1"));
	b = ok(f, "Action=DescribeVpcs");
	assert_non_null(strstr(b, "<tagSet/>"));
	free(b);
}

static void tag_errors_have_ec2_codes_and_change_nothing(void **state)
{
	struct fx *f = *state;
	char *before = dump(f->m);
	fails(f, "Action=CreateTags&Tag.1.Key=a", 400, "MissingParameter");
	fails(f, "Action=CreateTags&ResourceId.1=eni-0", 400, "MissingParameter");
	fails(f, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Value=x", 400, "MissingParameter");
	fails(f, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=bogus&Tag.1.Key=a", 400,
	      "InvalidID");
	fails(f,
	      "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=eni-0123456789abcdef0&Tag.1.Key=a",
	      400, "InvalidNetworkInterfaceID.NotFound");
	fails(f, "Action=CreateTags&ResourceId.1=i-0123456789abcdef0&Tag.1.Key=a", 400,
	      "InvalidInstanceID.NotFound");
	fails(f, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Key=aws%3Aname&Tag.1.Value=x", 400,
	      "InvalidParameterValue");
	fails(f, "Action=CreateTags&ResourceId.1=eni-0&Tag.1.Key=", 400, "InvalidParameterValue");
	fails(f, "Action=DeleteTags&ResourceId.1=eni-0&Tag.1.Key=aws%3Aname", 400,
	      "InvalidParameterValue");
	fails(f, "Action=DeleteTags&Tag.1.Key=a", 400, "MissingParameter");
	fails(f, "Action=DeleteTags&ResourceId.1=subnet-0123456789abcdef0", 400,
	      "InvalidSubnetID.NotFound");
	/* 51 tags */
	char req[4096] = "Action=CreateTags&ResourceId.1=eni-0";
	for (int i = 1; i <= 51; i++) {
		char t[40];
		snprintf(t, sizeof(t), "&Tag.%d.Key=k%d", i, i);
		strcat(req, t);
	}
	fails(f, req, 400, "TagLimitExceeded");
	char *after = dump(f->m);
	assert_string_equal(before, after);
	assert_int_equal(api_journal_size(f->a), 0);
	free(before);
	free(after);
}

static void tag_filters_work_on_every_describe(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=vpc-1&ResourceId.3=subnet-a&"
		   "ResourceId.4=i-1&ResourceId.5=eipalloc-c&Tag.1.Key=team&Tag.1.Value=blue"));
	static const struct {
		const char *action, *id_elem, *want;
		size_t all;
	} d[] = {
	    {"DescribeNetworkInterfaces", "<networkInterfaceId>eni-0<", NULL, 3},
	    {"DescribeVpcs", "<vpcId>vpc-1<", NULL, 1},
	    {"DescribeSubnets", "<subnetId>subnet-a<", NULL, 5},
	    {"DescribeInstances", "<instanceId>i-1<", NULL, 3},
	    {"DescribeAddresses", "<allocationId>eipalloc-c<", NULL, 1},
	};
	static const char *const filters[] = {
	    "Filter.1.Name=tag%3Ateam&Filter.1.Value.1=blue",
	    "Filter.1.Name=tag%3Ateam&Filter.1.Value.1=bl*",
	    "Filter.1.Name=tag-key&Filter.1.Value.1=team",
	    "Filter.1.Name=tag-value&Filter.1.Value.1=blue",
	};
	static const char *const misses[] = {
	    "Filter.1.Name=tag%3Ateam&Filter.1.Value.1=red",
	    "Filter.1.Name=tag%3ATeam&Filter.1.Value.1=blue", /* keys are case-sensitive */
	    "Filter.1.Name=tag-key&Filter.1.Value.1=owner",
	    "Filter.1.Name=tag-value&Filter.1.Value.1=green",
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char req[512];
		for (size_t k = 0; k < 4; k++) {
			snprintf(req, sizeof(req), "Action=%s&%s", d[i].action, filters[k]);
			char *b = ok(f, req);
			if (!strstr(b, d[i].id_elem) || count(b, "<tagSet>") < 1)
				fail_msg("%s: %s", req, b);
			/* only the tagged one (instances: its ENI's tagSet is in it too) */
			if (strcmp(d[i].action, "DescribeSubnets") == 0)
				assert_int_equal(count(b, "<subnetId>"), 1);
			free(b);
			snprintf(req, sizeof(req), "Action=%s&%s", d[i].action, misses[k]);
			b = ok(f, req);
			if (strstr(b, d[i].id_elem))
				fail_msg("%s matched: %s", req, b);
			free(b);
		}
	}
	/* instance types carry no tags: EC2 has no such filter there */
	fails(f, "Action=DescribeInstanceTypes&Filter.1.Name=tag-key&Filter.1.Value.1=x", 400,
	      "InvalidParameterValue");
	fails(f, "Action=DescribeVpcs&Filter.1.Name=tag%3A&Filter.1.Value.1=x", 400,
	      "InvalidParameterValue");
}

/* The number of ENIs in the model. */
static size_t n_enis(struct fx *f)
{
	struct model_stats st;
	model_get_stats(f->m, &st);
	return st.enis;
}

static void tag_specifications_tag_at_creation_or_refuse_it(void **state)
{
	struct fx *f = *state;
	char *b = ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1."
			"ResourceType=network-interface&TagSpecification.1.Tag.1.Key=Name&"
			"TagSpecification.1.Tag.1.Value=spec&TagSpecification.1.Tag.2.Key=x");
	char eni[64];
	elem(b, "networkInterfaceId", eni, sizeof(eni));
	assert_non_null(strstr(b, "<tagSet><item><key>Name</key><value>spec</value></item><item>"
				  "<key>x</key><value></value></item></tagSet>"));
	free(b);
	struct model_tags_view v;
	assert_int_equal(model_get_tags(f->m, eni, &v), 0);
	assert_int_equal(v.n, 2);
	b = ok(f, "Action=AllocateAddress&Domain=vpc&TagSpecification.1.ResourceType=elastic-ip&"
		  "TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=eip");
	char alloc[64];
	elem(b, "allocationId", alloc, sizeof(alloc));
	free(b);
	assert_int_equal(model_get_tags(f->m, alloc, &v), 0);
	assert_string_equal(v.tags[0].value, "eip");
	/* a bad tag or a type the action does not create: nothing is created */
	size_t enis = n_enis(f);
	char *before = dump(f->m);
	fails(f,
	      "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1.ResourceType="
	      "network-interface&TagSpecification.1.Tag.1.Key=aws%3Ax",
	      400, "InvalidParameterValue");
	fails(f,
	      "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1.ResourceType="
	      "instance&TagSpecification.1.Tag.1.Key=a",
	      400, "InvalidParameterValue");
	fails(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1.Tag.1.Key=a",
	      400, "MissingParameter");
	fails(f,
	      "Action=AllocateAddress&TagSpecification.1.ResourceType=elastic-ip&"
	      "TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.2.Key=a",
	      400, "InvalidParameterValue");
	char req[4096] = "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1."
			 "ResourceType=network-interface";
	for (int i = 1; i <= 51; i++) {
		char t[64];
		snprintf(t, sizeof(t), "&TagSpecification.1.Tag.%d.Key=k%d", i, i);
		strcat(req, t);
	}
	fails(f, req, 400, "TagLimitExceeded");
	assert_int_equal(n_enis(f), enis);
	char *after = dump(f->m);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* Page through action (with extra parameters) MaxResults=max; the ids of
 * id_elem in order into ids (one string, space-separated). Returns the pages. */
static size_t page_all(struct fx *f, const char *action, const char *extra, unsigned max,
		       const char *id_elem, char *ids, size_t size)
{
	char token[512] = "", req[1024];
	size_t pages = 0;
	ids[0] = 0;
	do {
		snprintf(req, sizeof(req), "Action=%s%s&MaxResults=%u%s%s", action, extra, max,
			 token[0] ? "&NextToken=" : "", token);
		char *b = ok(f, req);
		char open[64], close[64];
		snprintf(open, sizeof(open), "<%s>", id_elem);
		snprintf(close, sizeof(close), "</%s>", id_elem);
		size_t n = 0;
		for (const char *p = b; (p = strstr(p, open)); n++) {
			p += strlen(open);
			const char *q = strstr(p, close);
			size_t len = strlen(ids);
			snprintf(ids + len, size - len, "%.*s ", (int)(q - p), p);
		}
		if (n > max)
			fail_msg("%s: %zu on one page", req, n);
		elem(b, "nextToken", token, sizeof(token));
		if (token[0])
			assert_int_equal(n, max);
		free(b);
		pages++;
		/* a page may change the model in between: see the caller */
	} while (token[0]);
	return pages;
}

static void create_enis(struct fx *f, int n)
{
	for (int i = 0; i < n; i++)
		free(ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-big"));
}

static void pages_return_each_object_exactly_once(void **state)
{
	struct fx *f = *state;
	create_enis(f, 17); /* 20 in all */
	static char all[8192], paged[8192];
	char *b = ok(f, "Action=DescribeNetworkInterfaces");
	assert_null(strstr(b, "<nextToken>"));
	free(b);
	size_t pages = page_all(f, "DescribeNetworkInterfaces", "", 1000, "networkInterfaceId", all,
				sizeof(all));
	assert_int_equal(pages, 1);
	pages = page_all(f, "DescribeNetworkInterfaces", "", 5, "networkInterfaceId", paged,
			 sizeof(paged));
	assert_int_equal(pages, 4); /* 20 objects: 4 full pages, no empty fifth one */
	assert_string_equal(all, paged);
	assert_int_equal(count(all, " "), 20);
	pages = page_all(f, "DescribeNetworkInterfaces", "", 6, "networkInterfaceId", paged,
			 sizeof(paged));
	assert_int_equal(pages, 4); /* 6 + 6 + 6 + 2 */
	assert_string_equal(all, paged);
}

static void pages_survive_changes_between_pages(void **state)
{
	struct fx *f = *state;
	create_enis(f, 12); /* eni-0, eni-c, eni-z, then 12 */
	char req[1024], token[512], first[8192] = "";
	char *b = ok(f, "Action=DescribeNetworkInterfaces&MaxResults=5");
	elem(b, "nextToken", token, sizeof(token));
	assert_true(token[0]);
	/* the last ENI of page 1 */
	const char *p = b, *last = NULL;
	while ((p = strstr(p, "<networkInterfaceId>")))
		last = p += strlen("<networkInterfaceId>");
	assert_non_null(last);
	char last_id[64];
	snprintf(last_id, sizeof(last_id), "%.*s", (int)(strchr(last, '<') - last), last);
	snprintf(first, sizeof(first), "%s", b);
	free(b);
	/* that ENI is deleted and new ones are created before the next page */
	snprintf(req, sizeof(req), "Action=DeleteNetworkInterface&NetworkInterfaceId=%s", last_id);
	free(ok(f, req));
	create_enis(f, 2);
	static char rest[8192];
	rest[0] = 0;
	size_t n = 0;
	while (token[0]) {
		snprintf(req, sizeof(req),
			 "Action=DescribeNetworkInterfaces&MaxResults=5&NextToken=%s", token);
		b = ok(f, req);
		for (const char *q = b; (q = strstr(q, "<networkInterfaceId>")); n++) {
			q += strlen("<networkInterfaceId>");
			char id[64];
			snprintf(id, sizeof(id), "%.*s", (int)(strchr(q, '<') - q), q);
			/* nothing of page 1 again */
			char pat[128];
			snprintf(pat, sizeof(pat), "<networkInterfaceId>%s<", id);
			if (strstr(first, pat))
				fail_msg("%s repeated", id);
			strcat(rest, id);
			strcat(rest, " ");
		}
		elem(b, "nextToken", token, sizeof(token));
		free(b);
	}
	/* 15 - 5 on page one, + 2 new ones */
	assert_int_equal(n, 12);
}

static void describe_tags_pages_inside_resources(void **state)
{
	struct fx *f = *state;
	/* 3 resources x 4 tags = 12 tags */
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=i-1&ResourceId.3=vpc-1&"
		   "Tag.1.Key=a&Tag.2.Key=b&Tag.3.Key=c&Tag.4.Key=d"));
	static char all[4096], paged[4096];
	page_all(f, "DescribeTags", "", 1000, "key", all, sizeof(all));
	assert_int_equal(count(all, " "), 12);
	size_t pages = page_all(f, "DescribeTags", "", 5, "key", paged, sizeof(paged));
	assert_int_equal(pages, 3);
	assert_string_equal(all, paged);
	/* with a filter, the token carries on with the same filter */
	pages = page_all(f, "DescribeTags", "&Filter.1.Name=key&Filter.1.Value.1=a", 5, "key",
			 paged, sizeof(paged));
	assert_int_equal(pages, 1);
	assert_string_equal(paged, "a a a ");
}

static void every_describe_pages(void **state)
{
	struct fx *f = *state;
	static char all[8192], paged[8192];
	static const struct {
		const char *action, *id;
	} d[] = {
	    {"DescribeSubnets", "subnetId"},	       {"DescribeInstances", "reservationId"},
	    {"DescribeInstanceTypes", "instanceType"}, {"DescribeVpcs", "vpcId"},
	    {"DescribeAddresses", "allocationId"},
	};
	for (int i = 0; i < 6; i++)
		free(ok(f, "Action=AllocateAddress"));
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		page_all(f, d[i].action, "", 100, d[i].id, all, sizeof(all));
		page_all(f, d[i].action, "", 5, d[i].id, paged, sizeof(paged));
		assert_string_equal(all, paged);
	}
	/* more than one page where there are more than 5 */
	assert_int_equal(
	    page_all(f, "DescribeInstanceTypes", "", 5, "instanceType", paged, sizeof(paged)), 2);
	assert_int_equal(
	    page_all(f, "DescribeAddresses", "", 5, "allocationId", paged, sizeof(paged)), 2);
}

static void page_errors_have_ec2_codes(void **state)
{
	struct fx *f = *state;
	fails(f, "Action=DescribeNetworkInterfaces&MaxResults=4", 400, "InvalidParameterValue");
	fails(f, "Action=DescribeNetworkInterfaces&MaxResults=1001", 400, "InvalidParameterValue");
	fails(f, "Action=DescribeNetworkInterfaces&MaxResults=x", 400, "InvalidParameterValue");
	fails(f, "Action=DescribeInstanceTypes&MaxResults=101", 400, "InvalidParameterValue");
	fails(f, "Action=DescribeTags&MaxResults=0", 400, "InvalidParameterValue");
	free(ok(f, "Action=DescribeInstanceTypes&MaxResults=100"));
	fails(f, "Action=DescribeNetworkInterfaces&MaxResults=5&NetworkInterfaceId.1=eni-0", 400,
	      "InvalidParameterCombination");
	fails(f, "Action=DescribeInstances&MaxResults=5&InstanceId.1=i-1", 400,
	      "InvalidParameterCombination");
	/* EC2 takes an id list with MaxResults on DescribeSubnets */
	free(ok(f, "Action=DescribeSubnets&MaxResults=5&SubnetId.1=subnet-a"));
	char token[512], req[1024];
	char *b = ok(f, "Action=DescribeInstanceTypes&MaxResults=5");
	elem(b, "nextToken", token, sizeof(token));
	free(b);
	assert_true(token[0]);
	/* the same request goes on */
	snprintf(req, sizeof(req), "Action=DescribeInstanceTypes&MaxResults=5&NextToken=%s", token);
	free(ok(f, req));
	/* and a page size may change from page to page */
	snprintf(req, sizeof(req), "Action=DescribeInstanceTypes&MaxResults=6&NextToken=%s", token);
	free(ok(f, req));
	/* another action, other filters, an altered or made-up token: refused */
	snprintf(req, sizeof(req), "Action=DescribeVpcs&MaxResults=5&NextToken=%s", token);
	fails(f, req, 400, "InvalidNextToken");
	snprintf(req, sizeof(req),
		 "Action=DescribeInstanceTypes&MaxResults=5&Filter.1.Name=instance-type&Filter.1."
		 "Value.1=*&"
		 "NextToken=%s",
		 token);
	fails(f, req, 400, "InvalidNextToken");
	token[10] = token[10] == '0' ? '1' : '0';
	snprintf(req, sizeof(req), "Action=DescribeInstanceTypes&MaxResults=5&NextToken=%s", token);
	fails(f, req, 400, "InvalidNextToken");
	fails(f, "Action=DescribeInstanceTypes&NextToken=zz", 400, "InvalidNextToken");
	fails(f, "Action=DescribeTags&NextToken=00", 400, "InvalidNextToken");
}

/* ---- the frame for a Describe it has no rule for (no cursor: it skips to the id) ---- */

struct frame_run {
	struct api_describe d;
	char ids[2048];
};

static int frame_eni_cb(const struct model_eni_view *v, void *arg)
{
	struct frame_run *r = arg;
	api_facts_reset(&r->d.facts);
	if (!api_describe_wants(&r->d, v->id))
		return r->d.full;
	strcat(r->ids, v->id);
	strcat(r->ids, " ");
	return 0;
}

/* One page of a made-up DescribeThings over the ENIs; the body's nextToken into token. */
static int frame_page(struct fx *f, const char *body, char *ids, char *token, size_t tsize,
		      char *code)
{
	struct api_query q;
	struct api_buf xml = {0};
	assert_int_equal(api_query_parse(&q, body, strlen(body)), 0);
	struct api_ctx c = {.a = NULL, .m = f->m, .q = &q, .xml = &xml};
	static const char *const allowed[] = {NULL};
	struct frame_run r = {.ids = ""};
	int rc = api_describe_open(&r.d, &c, NULL, allowed, NULL, "InvalidParameterValue", "thing");
	if (rc == 0) {
		assert_null(api_describe_after(&r.d)); /* no cursor: from the start */
		model_foreach_eni(f->m, frame_eni_cb, &r);
		rc = api_describe_close(&r.d);
	}
	snprintf(code, 64, "%s", rc ? c.code : "");
	strcpy(ids, r.ids);
	elem(xml.s ? xml.s : "", "nextToken", token, tsize);
	api_buf_free(&xml);
	api_query_free(&q);
	return rc;
}

static void an_action_without_a_rule_pages_by_skipping(void **state)
{
	struct fx *f = *state;
	create_enis(f, 9); /* 12 ENIs */
	char ids[2048], all[4096] = "", token[512] = "", body[1024], code[64];
	int pages = 0;
	do {
		snprintf(body, sizeof(body), "Action=DescribeThings&MaxResults=5%s%s",
			 token[0] ? "&NextToken=" : "", token);
		assert_int_equal(frame_page(f, body, ids, token, sizeof(token), code), 0);
		strcat(all, ids);
		pages++;
	} while (token[0]);
	assert_int_equal(pages, 3);
	assert_int_equal(count(all, " "), 12);
	/* the object a token names is gone: refused, the walk cannot know where to go on */
	assert_int_equal(
	    frame_page(f, "Action=DescribeThings&MaxResults=5", ids, token, sizeof(token), code),
	    0);
	const char *last = strrchr(ids, ' ');
	*(char *)last = 0;
	last = strrchr(ids, ' ') + 1;
	snprintf(body, sizeof(body), "Action=DeleteNetworkInterface&NetworkInterfaceId=%s", last);
	free(ok(f, body));
	snprintf(body, sizeof(body), "Action=DescribeThings&MaxResults=5&NextToken=%s", token);
	assert_int_equal(frame_page(f, body, ids, token, sizeof(token), code), -1);
	assert_string_equal(code, "InvalidNextToken");
}

static void tags_survive_replay_and_compaction(void **state)
{
	struct fx *f = *state;
	free(ok(f, "Action=CreateTags&ResourceId.1=eni-0&ResourceId.2=vpc-1&Tag.1.Key=Name&"
		   "Tag.1.Value=web&Tag.2.Key=env&Tag.2.Value=prod"));
	free(ok(f, "Action=CreateNetworkInterface&SubnetId=subnet-a&TagSpecification.1."
		   "ResourceType=network-interface&TagSpecification.1.Tag.1.Key=Name&"
		   "TagSpecification.1.Tag.1.Value=spec"));
	free(ok(f, "Action=AllocateAddress&TagSpecification.1.ResourceType=elastic-ip&"
		   "TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v"));
	free(ok(f, "Action=DeleteTags&ResourceId.1=vpc-1&Tag.1.Key=env"));
	free(ok(f, "Action=CreateTags&ResourceId.1=eipalloc-c&Tag.1.Key=z"));
	char *want = dump(f->m);
	assert_non_null(strstr(want, "tags eni-0 type=network-interface\n  tag Name=web\n"));
	/* a restart: configuration, then the journal */
	struct api_settings c = cfg(f->journal);
	struct api_err err;
	struct model *m2 = world();
	struct api *a2 = api_create(m2, &c, NULL, NULL, &err);
	assert_int_equal(api_replay(a2, &err), 0);
	char *got = dump(m2);
	assert_string_equal(want, got);
	free(got);
	api_free(a2);
	model_free(m2);
	/* compaction: the snapshot re-creates the tags */
	assert_int_equal(api_compact(f->a), 0);
	m2 = world();
	a2 = api_create(m2, &c, NULL, NULL, &err);
	if (api_replay(a2, &err) != 0)
		fail_msg("replay of the snapshot: %s", err.message);
	got = dump(m2);
	assert_string_equal(want, got);
	free(got);
	api_free(a2);
	model_free(m2);
	/* a tag deleted after the snapshot stays deleted */
	free(ok(f, "Action=DeleteTags&ResourceId.1=eni-0"));
	free(want);
	want = dump(f->m);
	m2 = world();
	a2 = api_create(m2, &c, NULL, NULL, &err);
	assert_int_equal(api_replay(a2, &err), 0);
	got = dump(m2);
	assert_string_equal(want, got);
	free(got);
	free(want);
	api_free(a2);
	model_free(m2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(create_describe_and_delete_tags, setup, teardown),
	    cmocka_unit_test_setup_teardown(tag_errors_have_ec2_codes_and_change_nothing, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(tag_filters_work_on_every_describe, setup, teardown),
	    cmocka_unit_test_setup_teardown(tag_specifications_tag_at_creation_or_refuse_it, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(pages_return_each_object_exactly_once, setup, teardown),
	    cmocka_unit_test_setup_teardown(pages_survive_changes_between_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(describe_tags_pages_inside_resources, setup, teardown),
	    cmocka_unit_test_setup_teardown(every_describe_pages, setup, teardown),
	    cmocka_unit_test_setup_teardown(page_errors_have_ec2_codes, setup, teardown),
	    cmocka_unit_test_setup_teardown(an_action_without_a_rule_pages_by_skipping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(tags_survive_replay_and_compaction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
