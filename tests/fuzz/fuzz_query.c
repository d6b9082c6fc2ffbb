/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_query.c - the EC2 Query body parser on arbitrary bytes: a parse either
 * fails leaving the query empty, or gives names and values that are
 * NUL-free strings of UTF-8 text XML can carry (SPEC 6: -EILSEQ otherwise),
 * each name once; list indexes come back ascending.
 */
#include <errno.h>
#include <string.h>

#include "api_buf.h"
#include "api_query.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_query q = {0};
	int rc = api_query_parse(&q, (const char *)data, size);
	if (rc != 0) {
		fuzz_check(rc == -EINVAL || rc == -EILSEQ || rc == -ENOMEM);
		fuzz_check(q.n == 0);
		return 0;
	}
	for (size_t i = 0; i < q.n; i++) {
		fuzz_check(q.p[i].name[0] != '\0');
		fuzz_check(api_text_valid(q.p[i].name, strlen(q.p[i].name)));
		fuzz_check(api_text_valid(q.p[i].value, strlen(q.p[i].value)));
		fuzz_check(api_query_get(&q, q.p[i].name) == q.p[i].value);
	}
	static const char *const lists[] = {"PrivateIpAddress", "Filter", "Filter.1.Value",
					    "Ipv6Addresses", "NetworkInterfaceId"};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		unsigned idx[64];
		int k = api_query_indexes(&q, lists[l], idx, 64);
		fuzz_check(k >= 0 || k == -EINVAL || k == -E2BIG);
		for (int i = 1; i < k; i++)
			fuzz_check(idx[i - 1] < idx[i]);
	}
	api_query_free(&q);
	return 0;
}
