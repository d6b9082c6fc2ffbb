/* SPDX-License-Identifier: BSD-3-Clause */
/* metrics_text.c - metric families as OpenMetrics or Prometheus 0.0.4 text (metrics_text.h). */
#include "metrics_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mt_init(struct mt *t, bool openmetrics)
{
	memset(t, 0, sizeof(*t));
	t->openmetrics = openmetrics;
}

void mt_free(struct mt *t)
{
	free(t->s);
	t->s = NULL;
	t->len = t->cap = 0;
}

static bool mt_reserve(struct mt *t, size_t more)
{
	size_t cap;
	char *s;

	if (t->oom)
		return false;
	if (t->len + more + 1 <= t->cap)
		return true;
	cap = t->cap ? t->cap : 16384;
	while (cap < t->len + more + 1)
		cap *= 2;
	s = realloc(t->s, cap);
	if (s == NULL) {
		t->oom = true;
		return false;
	}
	t->s = s;
	t->cap = cap;
	return true;
}

static void mt_put(struct mt *t, const char *p, size_t n)
{
	if (!mt_reserve(t, n))
		return;
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void mt_puts(struct mt *t, const char *p)
{
	mt_put(t, p, strlen(p));
}

__attribute__((format(printf, 2, 3))) static void mt_printf(struct mt *t, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		t->oom = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		mt_put(t, small, (size_t)n);
		return;
	}
	if (!mt_reserve(t, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

/* A label value or HELP text, escaped: backslash and newline always, '"' when quote. */
static void mt_escaped(struct mt *t, const char *v, bool quote)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			mt_puts(t, "\\\\");
		else if (*v == '\n')
			mt_puts(t, "\\n");
		else if (*v == '"' && quote)
			mt_puts(t, "\\\"");
		else
			mt_put(t, v, 1);
	}
}

static const char *const type_names[] = {"counter", "gauge", "histogram"};

void mt_family(struct mt *t, const char *name, enum mt_type type, const char *unit,
	       const char *help)
{
	/* 0.0.4 names a counter by its sample: x_total */
	const char *suffix = (type == MT_COUNTER && !t->openmetrics) ? "_total" : "";

	snprintf(t->family, sizeof(t->family), "%s", name);
	t->type = type;
	mt_printf(t, "# HELP %s%s ", name, suffix);
	mt_escaped(t, help, t->openmetrics);
	mt_printf(t, "\n# TYPE %s%s %s\n", name, suffix, type_names[type]);
	if (t->openmetrics && unit != NULL)
		mt_printf(t, "# UNIT %s %s\n", name, unit);
}

/* name{labels[,extra="v"]} */
static void mt_series(struct mt *t, const char *suffix, const struct mt_label *labels, size_t n,
		      const char *extra_name, const char *extra_value)
{
	mt_puts(t, t->family);
	mt_puts(t, suffix);
	if (n == 0 && extra_name == NULL)
		return;
	mt_put(t, "{", 1);
	for (size_t i = 0; i < n; i++) {
		mt_printf(t, "%s%s=\"", i ? "," : "", labels[i].name);
		mt_escaped(t, labels[i].value, true);
		mt_put(t, "\"", 1);
	}
	if (extra_name != NULL)
		mt_printf(t, "%s%s=\"%s\"", n ? "," : "", extra_name, extra_value);
	mt_put(t, "}", 1);
}

void mt_u64(struct mt *t, const struct mt_label *labels, size_t n, uint64_t v)
{
	mt_series(t, t->type == MT_COUNTER ? "_total" : "", labels, n, NULL, NULL);
	mt_printf(t, " %" PRIu64 "\n", v);
}

void mt_f64(struct mt *t, const struct mt_label *labels, size_t n, double v)
{
	mt_series(t, t->type == MT_COUNTER ? "_total" : "", labels, n, NULL, NULL);
	mt_printf(t, " %.15g\n", v);
}

void mt_latency(struct mt *t, const struct mt_label *labels, size_t n, const struct latency_hist *h)
{
	uint64_t cum = 0;
	char le[32];

	for (unsigned i = 0; i < LATENCY_BUCKETS; i++) {
		cum += h->bucket[i];
		snprintf(le, sizeof(le), "%.9g", (double)latency_bound_ns(i) / 1e9);
		mt_series(t, "_bucket", labels, n, "le", le);
		mt_printf(t, " %" PRIu64 "\n", cum);
	}
	mt_series(t, "_bucket", labels, n, "le", "+Inf");
	mt_printf(t, " %" PRIu64 "\n", h->count);
	mt_series(t, "_count", labels, n, NULL, NULL);
	mt_printf(t, " %" PRIu64 "\n", h->count);
	mt_series(t, "_sum", labels, n, NULL, NULL);
	mt_printf(t, " %.15g\n", (double)h->sum_ns / 1e9);
}

void mt_finish(struct mt *t)
{
	if (t->openmetrics)
		mt_puts(t, "# EOF\n");
}

const char *mt_content_type(bool openmetrics)
{
	return openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
			   : "text/plain; version=0.0.4; charset=utf-8";
}

/*
 * A Prometheus server asks "application/openmetrics-text;version=1.0.0,...,
 * text/plain;version=0.0.4;q=0.5,*\/\*;q=0.1": OpenMetrics when the header
 * names it (q values are not weighed: a client that names it wants it).
 */
bool mt_accepts_openmetrics(const char *accept)
{
	return accept != NULL && strcasestr(accept, "application/openmetrics-text") != NULL;
}
