/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * v4text.h against glibc: v4text_parse accepts exactly the strings
 * inet_pton(AF_INET) accepts, with the same result, and v4text_format writes
 * what inet_ntop writes.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "v4text.h"

static void check_same(const char *s)
{
	struct in_addr ref;
	uint32_t got = 0xdeadbeef;
	int want = inet_pton(AF_INET, s, &ref) == 1;
	int rc = v4text_parse(s, &got);

	if (want != (rc == 0))
		fail_msg("'%s': inet_pton %s, v4text_parse %s", s, want ? "accepts" : "refuses",
			 rc == 0 ? "accepts" : "refuses");
	if (want)
		assert_int_equal(got, ref.s_addr);
	else
		assert_int_equal(got, 0xdeadbeef); /* nothing written */
}

static void parse_accepts_what_inet_pton_accepts(void **state)
{
	static const char *const cases[] = {
	    "0.0.0.0",
	    "255.255.255.255",
	    "10.0.0.4",
	    "1.2.3.4",
	    "01.2.3.4",
	    "1.2.3.04",
	    "1.2.3.0",
	    "1.2.3.00",
	    "256.1.1.1",
	    "1.2.3.256",
	    "1.2.3",
	    "1.2.3.4.5",
	    "1.2.3.4.",
	    ".1.2.3.4",
	    "1..2.3",
	    "",
	    "1",
	    "a.b.c.d",
	    "1.2.3.4 ",
	    " 1.2.3.4",
	    "1.2.3.-4",
	    "1.2.3.+4",
	    "1.2.3.4/32",
	    "999.1.1.1",
	    "1000.1.1.1",
	    "1.2.3.0x4",
	    "100.64.0.1",
	    "192.168.001.1",
	    "::1",
	    "1.2.3.4\n",
	    "4294967295",
	    "1.2.3.25a",
	    "0.0.0.00",
	    "00.0.0.0",
	    "255.255.255.2555",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_same(cases[i]);
	/* random strings over the characters that matter */
	srand(7);
	for (int i = 0; i < 200000; i++) {
		static const char alphabet[] = "0123456789....x ";
		char s[20];
		int n = rand() % 19;

		for (int k = 0; k < n; k++)
			s[k] = alphabet[rand() % (sizeof(alphabet) - 1)];
		s[n] = '\0';
		check_same(s);
	}
}

static void format_writes_what_inet_ntop_writes(void **state)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	(void)state;
	srand(11);
	for (int i = 0; i < 200000; i++) {
		uint32_t x = (uint32_t)rand() ^ ((uint32_t)rand() << 16);

		if (i < 256) /* every byte value in every position */
			x = (uint32_t)i * 0x01010101u;
		inet_ntop(AF_INET, &x, a, sizeof(a));
		assert_int_equal(v4text_format(x, b), strlen(a));
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_accepts_what_inet_pton_accepts),
	    cmocka_unit_test(format_writes_what_inet_ntop_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
