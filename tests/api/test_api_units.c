/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the API's pieces that need no model: query parsing, XML
 * escaping, SigV4. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api_buf.h"
#include "api_query.h"
#include "api_sigv4.h"

static void query_decodes_form_encoding(void **state)
{
	(void)state;
	struct api_query q;
	const char *body =
	    "Action=Assign&Description=a+b%26c%3D&Empty=&PrivateIpAddress.1=10.0.0.5";
	assert_int_equal(api_query_parse(&q, body, strlen(body)), 0);
	assert_int_equal(q.n, 4);
	assert_string_equal(api_query_get(&q, "Action"), "Assign");
	assert_string_equal(api_query_get(&q, "Description"), "a b&c=");
	assert_string_equal(api_query_get(&q, "Empty"), "");
	assert_null(api_query_get(&q, "Missing"));
	api_query_free(&q);
}

static void query_refuses_malformed_input(void **state)
{
	(void)state;
	struct api_query q;
	const char *bad[] = {"A=%zz", "A=%4", "=x", "A=1&A=2", "A=%00"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(api_query_parse(&q, bad[i], strlen(bad[i])), -EINVAL);
		assert_int_equal(q.n, 0);
	}
	/* an embedded NUL byte in the raw body */
	assert_int_equal(api_query_parse(&q, "A=1\0B=2", 7), -EINVAL);
}

static void query_lists_indexes_in_numeric_order(void **state)
{
	(void)state;
	struct api_query q;
	const char *body =
	    "Filter.10.Name=a&Filter.2.Name=b&Filter.2.Value.1=x&FilterX=1&Filter.1.Name=c";
	assert_int_equal(api_query_parse(&q, body, strlen(body)), 0);
	unsigned idx[8];
	assert_int_equal(api_query_indexes(&q, "Filter", idx, 8), 3);
	assert_int_equal(idx[0], 1);
	assert_int_equal(idx[1], 2);
	assert_int_equal(idx[2], 10);
	assert_int_equal(api_query_indexes(&q, "Filter", idx, 2), -E2BIG);
	assert_int_equal(api_query_indexes(&q, "Filter.2.Value", idx, 8), 1);
	api_query_free(&q);
	const char *bad = "PrivateIpAddress.0=1&PrivateIpAddress.x=2";
	assert_int_equal(api_query_parse(&q, bad, strlen(bad)), 0);
	assert_int_equal(api_query_indexes(&q, "PrivateIpAddress", idx, 8), -EINVAL);
	api_query_free(&q);
	bad = "PrivateIpAddress.99999999=1";
	assert_int_equal(api_query_parse(&q, bad, strlen(bad)), 0);
	assert_int_equal(api_query_indexes(&q, "PrivateIpAddress", idx, 8), -EINVAL);
	api_query_free(&q);
}

static void xml_escapes_every_special_character(void **state)
{
	(void)state;
	struct api_buf b = {0};
	api_buf_xml_elem(&b, "description", "<a href=\"x\">&'</a>\x01");
	assert_string_equal(b.s, "<description>&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;?"
				 "</description>");
	api_buf_reset(&b);
	api_buf_xml_elem(&b, "x", NULL);
	assert_int_equal(b.len, 0);
	api_buf_form_add(&b, "A b", "c&d=é");
	assert_string_equal(b.s, "A%20b=c%26d%3D%C3%A9");
	api_buf_free(&b);
}

/* ---- SigV4 ---- */

static const struct api_credential creds[] = {
    {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};
static const char body[] = "Action=DescribeVpcs&Version=2016-11-15";
#define NOW 1700000000 /* 2023-11-14T22:13:20Z */

struct signed_req {
	struct api_header h[4];
	char auth[512];
	struct api_sigv4_req r;
};

static void make_signed(struct signed_req *s, const char *secret, const char *date, time_t now)
{
	s->h[0] = (struct api_header){"Host", "127.0.0.1:8787"};
	s->h[1] =
	    (struct api_header){"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"};
	s->h[2] = (struct api_header){"X-Amz-Date", date};
	s->r = (struct api_sigv4_req){.method = "POST",
				      .path = "/",
				      .query = "",
				      .headers = s->h,
				      .n_headers = 3,
				      .body = body,
				      .body_len = strlen(body),
				      .now = now};
	assert_int_equal(api_sigv4_sign(&s->r, "AKIDEXAMPLE", secret, "us-east-1", date,
					"content-type;host;x-amz-date", s->auth, sizeof(s->auth)),
			 0);
	s->h[3] = (struct api_header){"Authorization", s->auth};
	s->r.n_headers = 4;
}

static void sigv4_accepts_a_good_signature(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z", NOW);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), 0);
}

static void sigv4_refuses_unsigned_request(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z", NOW);
	s.r.n_headers = 3; /* drop Authorization */
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), -EACCES);
	assert_non_null(strstr(why, "not signed"));
}

static void sigv4_refuses_wrong_secret(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, "not-the-secret", "20231114T221320Z", NOW);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), -EACCES);
	assert_non_null(strstr(why, "does not match"));
}

static void sigv4_refuses_tampered_body(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z", NOW);
	s.r.body = "Action=DescribeVpcs&Version=2016-11-16";
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), -EACCES);
}

static void sigv4_refuses_stale_and_future_dates(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z",
		    NOW + API_SIGV4_MAX_SKEW + 1);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), -EACCES);
	assert_non_null(strstr(why, "expired"));
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z",
		    NOW - API_SIGV4_MAX_SKEW - 1);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "us-east-1", NULL, why), -EACCES);
}

static void sigv4_refuses_unknown_key_and_other_region(void **state)
{
	(void)state;
	struct signed_req s;
	char why[256];
	make_signed(&s, creds[0].secret_access_key, "20231114T221320Z", NOW);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 1, "eu-west-1", NULL, why), -EACCES);
	struct api_credential other = {"AKIDOTHER", "x"};
	assert_int_equal(api_sigv4_verify(&s.r, &other, 1, "us-east-1", NULL, why), -EACCES);
	assert_int_equal(api_sigv4_verify(&s.r, creds, 0, "us-east-1", NULL, why), -EACCES);
}

static void sigv4_survives_garbage_headers(void **state)
{
	(void)state;
	const char *auths[] = {
	    "",
	    "AWS4-HMAC-SHA256",
	    "AWS4-HMAC-SHA256 Credential=",
	    "AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f/g, SignedHeaders=host, Signature=00",
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/ec2/aws4_request, "
	    "SignedHeaders=;;;, Signature=zz",
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-east-1/ec2/aws4_request, "
	    "SignedHeaders=host;x-missing, Signature=00",
	    "Basic abc"};
	for (size_t i = 0; i < sizeof(auths) / sizeof(auths[0]); i++) {
		struct api_header h[] = {
		    {"Host", "h"}, {"X-Amz-Date", "20231114T221320Z"}, {"Authorization", auths[i]}};
		struct api_sigv4_req r = {.method = "POST",
					  .path = "/",
					  .query = "",
					  .headers = h,
					  .n_headers = 3,
					  .body = "",
					  .body_len = 0,
					  .now = NOW};
		char why[256];
		assert_int_equal(api_sigv4_verify(&r, creds, 1, "us-east-1", NULL, why), -EACCES);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(query_decodes_form_encoding),
	    cmocka_unit_test(query_refuses_malformed_input),
	    cmocka_unit_test(query_lists_indexes_in_numeric_order),
	    cmocka_unit_test(xml_escapes_every_special_character),
	    cmocka_unit_test(sigv4_accepts_a_good_signature),
	    cmocka_unit_test(sigv4_refuses_unsigned_request),
	    cmocka_unit_test(sigv4_refuses_wrong_secret),
	    cmocka_unit_test(sigv4_refuses_tampered_body),
	    cmocka_unit_test(sigv4_refuses_stale_and_future_dates),
	    cmocka_unit_test(sigv4_refuses_unknown_key_and_other_region),
	    cmocka_unit_test(sigv4_survives_garbage_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
