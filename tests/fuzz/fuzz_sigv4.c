/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_sigv4.c - SigV4 verification and canonicalisation on arbitrary requests.
 *
 * The input is read as: a method line, a path line, a query line, header
 * lines "name: value" up to an empty line, then the body. Two properties:
 *   1. verifying the request as given answers 0 or -EACCES with a reason;
 *   2. the same request, signed by api_sigv4_sign with the test credential
 *      (host and x-amz-date added), verifies: signing and verifying
 *      canonicalise alike whatever the path, query, headers and body are.
 */
#include <errno.h>
#include <string.h>

#include "api_sigv4.h"
#include "fuzz.h"

#define MAX_HEADERS 40
#define FIELD_MAX 2048

static const struct api_credential cred = {"AKIAFUZZ000000000000",
					   "fuzzSecret0000000000000000000000000000000"};
static const char region[] = "us-east-1";
static const char amz_date[] = "20261201T120000Z";
static const time_t amz_now = 1796126400; /* 2026-12-01T12:00:00Z */

/* The next line of [*at, end) into out (NUL-free, cut at FIELD_MAX - 1). */
static void next_line(const uint8_t *d, size_t size, size_t *at, char *out)
{
	size_t n = 0;
	while (*at < size && d[*at] != '\n') {
		if (d[*at] != '\0' && n < FIELD_MAX - 1)
			out[n++] = (char)d[*at];
		(*at)++;
	}
	if (*at < size)
		(*at)++;
	out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char method[FIELD_MAX], path[FIELD_MAX], query[FIELD_MAX];
	static char lines[MAX_HEADERS][FIELD_MAX];
	struct api_header h[MAX_HEADERS + 3];
	size_t at = 0, n = 0;

	next_line(data, size, &at, method);
	next_line(data, size, &at, path);
	next_line(data, size, &at, query);
	while (n < MAX_HEADERS && at < size) {
		next_line(data, size, &at, lines[n]);
		if (lines[n][0] == '\0')
			break;
		char *colon = strchr(lines[n], ':');
		if (!colon)
			continue;
		*colon = '\0';
		h[n].name = lines[n];
		h[n].value = colon + 1 + (colon[1] == ' ');
		n++;
	}
	struct api_sigv4_req r = {
	    .method = method,
	    .path = path,
	    .query = query,
	    .headers = h,
	    .n_headers = n,
	    .body = (const char *)data + at,
	    .body_len = size - at,
	    .now = amz_now,
	};
	char why[256];
	int rc = api_sigv4_verify(&r, &cred, 1, region, NULL, why);
	fuzz_check(rc == 0 || rc == -EACCES);
	if (rc != 0)
		fuzz_check(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');

	/* 2. sign what the fuzzer gave (its own Authorization and date left out), then verify */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(h[i].name, "authorization") && strcasecmp(h[i].name, "x-amz-date") &&
		    strcasecmp(h[i].name, "host"))
			h[k++] = h[i];
	h[k++] = (struct api_header){"host", "127.0.0.1:8787"};
	h[k++] = (struct api_header){"x-amz-date", amz_date};
	r.n_headers = k;
	static char auth[4096];
	if (api_sigv4_sign(&r, cred.access_key_id, cred.secret_access_key, region, amz_date,
			   "host;x-amz-date", auth, sizeof(auth)) != 0)
		return 0;
	h[k++] = (struct api_header){"Authorization", auth};
	r.n_headers = k;
	rc = api_sigv4_verify(&r, &cred, 1, region, NULL, why);
	if (rc != 0)
		fprintf(stderr, "signed request refused: %s\n", why);
	fuzz_check(rc == 0);
	return 0;
}
