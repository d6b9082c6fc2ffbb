/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * metrics_text.h - writing metric families as text, in either of the two
 * formats a Prometheus server reads:
 *
 *   OpenMetrics 1.0.0 (application/openmetrics-text; version=1.0.0): a
 *   counter family is named without its "_total" (`# TYPE x counter`, sample
 *   `x_total`), a family with a unit has `# UNIT` (its name ends in _<unit>),
 *   `"` is escaped in HELP too, and the text ends with `# EOF`;
 *
 *   the Prometheus text format 0.0.4 (text/plain; version=0.0.4): the
 *   counter's TYPE and HELP name the sample itself (`x_total`), no UNIT, no
 *   EOF.
 *
 * A family's samples follow its header, one family after the other (neither
 * format allows a family's samples to be split). Label values are escaped
 * (backslash, double quote, newline). Memory: the text grows on the heap;
 * an allocation failure is remembered (oom) and the text is then unusable.
 *
 * No DPDK, no engine: unit-tested alone (tests/app/test_metrics_text.c).
 */
#ifndef ENIMAP_METRICS_TEXT_H
#define ENIMAP_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency.h"

enum mt_type { MT_COUNTER, MT_GAUGE, MT_HISTOGRAM };

struct mt_label {
	const char *name, *value;
};

struct mt {
	char *s; /* NUL-terminated text, len bytes */
	size_t len, cap;
	bool oom;
	bool openmetrics;
	char family[128]; /* the current family's name (without _total) */
	enum mt_type type;
};

void mt_init(struct mt *t, bool openmetrics);
void mt_free(struct mt *t);

/*
 * Start a family. name: the metric's name without "_total" for a counter
 * (enimap_port_rx_packets); unit: NULL, or the base unit its name ends with
 * ("bytes", "seconds"); help: one line.
 */
void mt_family(struct mt *t, const char *name, enum mt_type type, const char *unit,
	       const char *help);

/* A sample of the current counter or gauge family, with n labels. */
void mt_u64(struct mt *t, const struct mt_label *labels, size_t n, uint64_t v);
void mt_f64(struct mt *t, const struct mt_label *labels, size_t n, double v);

/* The samples of a histogram family (seconds) from h: cumulative buckets, +Inf, count, sum. */
void mt_latency(struct mt *t, const struct mt_label *labels, size_t n,
		const struct latency_hist *h);

/* The end: `# EOF` in OpenMetrics, nothing in 0.0.4. */
void mt_finish(struct mt *t);

/* The Content-Type header value of the format. */
const char *mt_content_type(bool openmetrics);

/* Whether an Accept header value asks for OpenMetrics (NULL: no header). */
bool mt_accepts_openmetrics(const char *accept);

#endif
