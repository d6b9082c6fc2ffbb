/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics' text formats (app/metrics_text.h): what OpenMetrics and the
 * Prometheus 0.0.4 text each want of a counter, a gauge and a histogram,
 * label values escaped, the EOF, and the Accept negotiation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "metrics_text.h"

static void expect_text(struct mt *t, const char *want)
{
	assert_false(t->oom);
	assert_non_null(t->s);
	assert_int_equal(strlen(t->s), t->len);
	if (strcmp(t->s, want) != 0)
		fail_msg("got:\n%s\nwanted:\n%s", t->s, want);
}

static void one_counter(struct mt *t)
{
	struct mt_label l[] = {{"port", "uplink"}, {"worker", "0"}};

	mt_family(t, "enimap_port_rx_bytes", MT_COUNTER, "bytes", "Bytes received.");
	mt_u64(t, l, 2, 1234);
	mt_u64(t, l, 1, UINT64_MAX);
	mt_finish(t);
}

static void openmetrics_counter_family_without_total_with_unit_and_eof(void **state)
{
	struct mt t;

	(void)state;
	mt_init(&t, true);
	one_counter(&t);
	expect_text(&t, "# HELP enimap_port_rx_bytes Bytes received.\n"
			"# TYPE enimap_port_rx_bytes counter\n"
			"# UNIT enimap_port_rx_bytes bytes\n"
			"enimap_port_rx_bytes_total{port=\"uplink\",worker=\"0\"} 1234\n"
			"enimap_port_rx_bytes_total{port=\"uplink\"} 18446744073709551615\n"
			"# EOF\n");
	mt_free(&t);
}

static void prometheus_004_counter_named_by_its_sample_no_unit_no_eof(void **state)
{
	struct mt t;

	(void)state;
	mt_init(&t, false);
	one_counter(&t);
	expect_text(&t, "# HELP enimap_port_rx_bytes_total Bytes received.\n"
			"# TYPE enimap_port_rx_bytes_total counter\n"
			"enimap_port_rx_bytes_total{port=\"uplink\",worker=\"0\"} 1234\n"
			"enimap_port_rx_bytes_total{port=\"uplink\"} 18446744073709551615\n");
	mt_free(&t);
}

static void gauge_without_labels_and_float_values(void **state)
{
	struct mt t;
	struct mt_label l = {"worker", "1"};

	(void)state;
	mt_init(&t, true);
	mt_family(&t, "enimap_table_generation", MT_GAUGE, NULL, "Generation.");
	mt_u64(&t, NULL, 0, 7);
	mt_family(&t, "enimap_worker_cycles_per_packet", MT_GAUGE, NULL, "Cycles.");
	mt_f64(&t, &l, 1, 61.25);
	mt_f64(&t, &l, 1, 0);
	expect_text(&t, "# HELP enimap_table_generation Generation.\n"
			"# TYPE enimap_table_generation gauge\n"
			"enimap_table_generation 7\n"
			"# HELP enimap_worker_cycles_per_packet Cycles.\n"
			"# TYPE enimap_worker_cycles_per_packet gauge\n"
			"enimap_worker_cycles_per_packet{worker=\"1\"} 61.25\n"
			"enimap_worker_cycles_per_packet{worker=\"1\"} 0\n");
	mt_free(&t);
}

static void label_values_and_help_escaped(void **state)
{
	struct mt t;
	struct mt_label l = {"eni", "a\"b\\c\nd"};

	(void)state;
	mt_init(&t, true);
	mt_family(&t, "x", MT_GAUGE, NULL, "say \"hi\"\\\nbye");
	mt_u64(&t, &l, 1, 1);
	expect_text(&t, "# HELP x say \\\"hi\\\"\\\\\\nbye\n"
			"# TYPE x gauge\n"
			"x{eni=\"a\\\"b\\\\c\\nd\"} 1\n");
	mt_free(&t);
	/* 0.0.4 escapes only backslash and newline in HELP */
	mt_init(&t, false);
	mt_family(&t, "x", MT_GAUGE, NULL, "say \"hi\"\\\nbye");
	expect_text(&t, "# HELP x say \"hi\"\\\\\\nbye\n"
			"# TYPE x gauge\n");
	mt_free(&t);
}

/* The histogram: cumulative buckets le 1e-06 .. 0.524288, +Inf, count, sum. */
static void histogram_buckets_cumulative_with_inf_count_and_sum(void **state)
{
	struct latency_hist h = {0};
	struct mt t;
	struct mt_label l = {"action", "X"};

	(void)state;
	latency_record(&h, 500);	/* 0.5 us: bucket le=1e-06 */
	latency_record(&h, 1000);	/* exactly 1 us: le=1e-06 too */
	latency_record(&h, 3000);	/* le=4e-06 */
	latency_record(&h, 2000000000); /* 2 s: beyond every bound, +Inf only */
	assert_int_equal(h.count, 4);
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[2], 1);
	assert_int_equal(h.bucket[LATENCY_BUCKETS], 1);
	mt_init(&t, true);
	mt_family(&t, "enimap_api_request_seconds", MT_HISTOGRAM, "seconds", "Latency.");
	mt_latency(&t, &l, 1, &h);
	mt_finish(&t);
	assert_false(t.oom);
	assert_non_null(strstr(t.s,
			       "# TYPE enimap_api_request_seconds histogram\n"
			       "# UNIT enimap_api_request_seconds seconds\n"
			       "enimap_api_request_seconds_bucket{action=\"X\",le=\"1e-06\"} 2\n"
			       "enimap_api_request_seconds_bucket{action=\"X\",le=\"2e-06\"} 2\n"
			       "enimap_api_request_seconds_bucket{action=\"X\",le=\"4e-06\"} 3\n"));
	assert_non_null(
	    strstr(t.s, "enimap_api_request_seconds_bucket{action=\"X\",le=\"0.524288\"} 3\n"));
	assert_non_null(strstr(t.s,
			       "enimap_api_request_seconds_bucket{action=\"X\",le=\"+Inf\"} 4\n"
			       "enimap_api_request_seconds_count{action=\"X\"} 4\n"
			       "enimap_api_request_seconds_sum{action=\"X\"} 2.0000045\n"
			       "# EOF\n"));
	/* 20 finite buckets and +Inf */
	size_t n = 0;
	for (const char *p = t.s; (p = strstr(p, "_bucket{")) != NULL; p++)
		n++;
	assert_int_equal(n, LATENCY_BUCKETS + 1);
	mt_free(&t);
}

static void a_big_text_grows(void **state)
{
	struct mt t;
	char v[32];

	(void)state;
	mt_init(&t, false);
	mt_family(&t, "enimap_eni_delivered_packets", MT_COUNTER, NULL, "Delivered.");
	for (unsigned i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "eni-%u", i);
		struct mt_label l = {"eni", v};
		mt_u64(&t, &l, 1, i);
	}
	assert_false(t.oom);
	assert_non_null(
	    strstr(t.s, "enimap_eni_delivered_packets_total{eni=\"eni-19999\"} 19999\n"));
	assert_int_equal(strlen(t.s), t.len);
	mt_free(&t);
}

static void accept_negotiation(void **state)
{
	(void)state;
	/* what Prometheus 2.x sends */
	assert_true(mt_accepts_openmetrics(
	    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
	    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
	assert_true(mt_accepts_openmetrics("Application/OpenMetrics-Text"));
	assert_false(mt_accepts_openmetrics(NULL));
	assert_false(mt_accepts_openmetrics("*/*"));
	assert_false(mt_accepts_openmetrics("text/plain;version=0.0.4"));
	assert_string_equal(mt_content_type(true),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_string_equal(mt_content_type(false), "text/plain; version=0.0.4; charset=utf-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(openmetrics_counter_family_without_total_with_unit_and_eof),
	    cmocka_unit_test(prometheus_004_counter_named_by_its_sample_no_unit_no_eof),
	    cmocka_unit_test(gauge_without_labels_and_float_values),
	    cmocka_unit_test(label_values_and_help_escaped),
	    cmocka_unit_test(histogram_buckets_cumulative_with_inf_count_and_sum),
	    cmocka_unit_test(a_big_text_grows),
	    cmocka_unit_test(accept_negotiation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
