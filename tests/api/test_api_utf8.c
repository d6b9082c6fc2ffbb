/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SPEC 6, "every byte of input is checked": the query parser refuses names and
 * values that are not UTF-8 text XML 1.0 can carry; a truncated value never
 * ends mid-character; the XML escaper never emits bytes that are not
 * well-formed, whatever it is given.
 */
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

/* Bodies whose decoded text is refused, each for one reason. */
static const char *const refused_bodies[] = {
    "Action=X&Description=%FF",		 /* a byte that never occurs in UTF-8 */
    "Action=X&Description=%C0%AF",	 /* overlong '/' */
    "Action=X&Description=%E0%80%AF",	 /* overlong, 3 bytes */
    "Action=X&Description=%F0%80%80%AF", /* overlong, 4 bytes */
    "Action=X&Description=%ED%A0%80",	 /* surrogate U+D800 */
    "Action=X&Description=%ED%BF%BF",	 /* surrogate U+DFFF */
    "Action=X&Description=%F4%90%80%80", /* U+110000 */
    "Action=X&Description=%F5%80%80%80", /* lead byte beyond U+10FFFF */
    "Action=X&Description=ab%C3",	 /* truncated at the end */
    "Action=X&Description=%E2%82x",	 /* truncated, then ASCII */
    "Action=X&Description=%80",		 /* a stray continuation byte */
    "Action=X&Description=a%01b",	 /* U+0001: XML 1.0 cannot carry it */
    "Action=X&Description=%08",		 /* U+0008 */
    "Action=X&Description=%1F",		 /* U+001F */
    "Action=X&Description=%EF%BF%BE",	 /* U+FFFE, not an XML character */
    "Action=X&Desc%FFription=x",	 /* in a name, too */
    "Action=X%FF",			 /* in the action */
};

static void parser_refuses_text_that_is_not_utf8_or_not_xml(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(refused_bodies) / sizeof(refused_bodies[0]); i++) {
		struct api_query q;
		const char *b = refused_bodies[i];
		int rc = api_query_parse(&q, b, strlen(b));
		if (rc != -EILSEQ)
			fail_msg("%s: got %d, expected -EILSEQ", b, rc);
		assert_int_equal(q.n, 0);
		assert_null(q.p);
	}
	/* a raw (unescaped) invalid byte in the body is refused the same way */
	struct api_query q;
	assert_int_equal(api_query_parse(&q, "Action=X&D=\xff", 12), -EILSEQ);
}

static void parser_accepts_every_kind_of_character(void **state)
{
	(void)state;
	struct api_query q;
	/* tab, LF, CR, é (2 bytes), € (3), U+FFFD, the last of the BMP before the
	 * surrogates, 😀 (4), U+10FFFF */
	const char *b = "Action=X&Description=%09%0A%0D%C3%A9%E2%82%AC%EF%BF%BD%ED%9F%BF"
			"%F0%9F%98%80%F4%8F%BF%BF&N%C3%A4me=v";
	assert_int_equal(api_query_parse(&q, b, strlen(b)), 0);
	assert_string_equal(api_query_get(&q, "Description"),
			    "\t\n\r\xc3\xa9\xe2\x82\xac\xef\xbf\xbd\xed\x9f\xbf\xf0\x9f\x98\x80"
			    "\xf4\x8f\xbf\xbf");
	assert_string_equal(api_query_get(&q, "N\xc3\xa4me"), "v");
	api_query_free(&q);
}

static void decoder_reads_only_well_formed_characters(void **state)
{
	(void)state;
	uint32_t cp = 0;
	assert_int_equal(api_utf8_char("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(api_utf8_char("\xc2\x80", 2, &cp), 2);
	assert_int_equal(cp, 0x80);
	assert_int_equal(api_utf8_char("\xef\xbf\xbf", 3, &cp), 3);
	assert_int_equal(cp, 0xFFFF);
	assert_int_equal(api_utf8_char("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10FFFF);
	/* a complete character not given in full (n too short) is not read past n */
	assert_int_equal(api_utf8_char("\xe2\x82\xac", 2, &cp), 0);
	assert_int_equal(api_utf8_char("\xc1\xbf", 2, &cp), 0);
	assert_int_equal(api_utf8_char("\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(api_utf8_char("", 0, &cp), 0);
	assert_false(api_xml_char(0));
	assert_false(api_xml_char(0xFFFF));
	assert_true(api_xml_char('\t'));
	assert_true(api_xml_char(0x10FFFF));
}

static void prefix_never_splits_a_character(void **state)
{
	(void)state;
	/* "aé€😀": bytes a(1) é(2) €(3) 😀(4), 10 in all */
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	const int want[] = {0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10, 10, 10};
	for (size_t max = 0; max < sizeof(want) / sizeof(want[0]); max++) {
		int got = api_utf8_prefix(s, max);
		if (got != want[max])
			fail_msg("max %zu: got %d, expected %d", max, got, want[max]);
	}
	/* the use it is made for: a message truncating a user value */
	char msg[64];
	char v[201];
	for (size_t i = 0; i < 100; i++)
		memcpy(v + 2 * i, "\xc3\xa9", 2);
	v[200] = '\0';
	snprintf(msg, sizeof(msg), "'%.*s'", api_utf8_prefix(v, 9), v);
	assert_string_equal(msg, "'\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9'"); /* 4 whole é, not 4.5 */
	assert_true(api_text_valid(msg, strlen(msg)));
}

static void broken_remains_are_dropped_from_messages(void **state)
{
	(void)state;
	/* what "%.3s" of "é€" and the end of a full buffer leave behind */
	char m[] = "x'\xc3\xa9\xe2' and '\xf0\x9f\x98";
	assert_int_equal(api_utf8_drop_broken(m), strlen("x'\xc3\xa9' and '"));
	assert_string_equal(m, "x'\xc3\xa9' and '");
	char ok[] = "\xe2\x82\xac fine";
	assert_int_equal(api_utf8_drop_broken(ok), strlen("\xe2\x82\xac fine"));
	assert_string_equal(ok, "\xe2\x82\xac fine");
}

static void xml_escaper_output_is_always_well_formed(void **state)
{
	(void)state;
	struct api_buf b = {0};
	api_buf_xml_escape(&b, "\xff"
			       "a\xc3\xa9<\xed\xa0\x80\xe2\x82"
			       "\x01\xf0\x9f\x98\x80\xef\xbf\xbe");
	/* every ill-formed byte, and every character XML cannot carry, is '?' */
	assert_string_equal(b.s, "?a\xc3\xa9&lt;??????\xf0\x9f\x98\x80?");
	assert_true(api_text_valid(b.s, b.len));
	api_buf_reset(&b);
	/* every single byte and every pair: the output is valid XML text */
	for (unsigned x = 1; x < 256; x++)
		for (unsigned y = 0; y < 256; y++) {
			char in[3] = {(char)x, (char)y, 0};
			api_buf_reset(&b);
			api_buf_xml_escape(&b, in);
			if (!api_text_valid(b.s, b.len))
				fail_msg("%02x %02x", x, y);
		}
	api_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parser_refuses_text_that_is_not_utf8_or_not_xml),
	    cmocka_unit_test(parser_accepts_every_kind_of_character),
	    cmocka_unit_test(decoder_reads_only_well_formed_characters),
	    cmocka_unit_test(prefix_never_splits_a_character),
	    cmocka_unit_test(broken_remains_are_dropped_from_messages),
	    cmocka_unit_test(xml_escaper_output_is_always_well_formed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
