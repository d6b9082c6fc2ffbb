/* SPDX-License-Identifier: BSD-3-Clause */
#include "api_query.h"

#include "api_buf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode s[0..n) ('+' is a space, %XX a byte) into a new string; NULL + errno. */
static char *decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	if (!out) {
		errno = ENOMEM;
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int h = i + 2 < n ? hexval(s[i + 1]) : -1;
			int l = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				free(out);
				errno = EINVAL;
				return NULL;
			}
			c = (char)(h * 16 + l);
			i += 2;
		} else if (c == '\0') {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

void api_query_free(struct api_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		free(q->p[i].name);
		free(q->p[i].value);
	}
	free(q->p);
	q->p = NULL;
	q->n = 0;
}

int api_query_parse(struct api_query *q, const char *body, size_t len)
{
	q->p = NULL;
	q->n = 0;
	size_t cap = 0;
	size_t i = 0;
	while (i < len) {
		size_t end = i;
		while (end < len && body[end] != '&')
			end++;
		if (end > i) { /* empty pairs ("a=1&&b=2") are skipped */
			if (q->n == API_QUERY_MAX_PARAMS)
				goto invalid;
			size_t eq = i;
			while (eq < end && body[eq] != '=')
				eq++;
			if (eq == i)
				goto invalid;
			if (q->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct api_param *p = realloc(q->p, ncap * sizeof(*p));
				if (!p)
					goto nomem;
				q->p = p;
				cap = ncap;
			}
			char *name = decode(body + i, eq - i);
			if (!name)
				goto fail;
			char *value = decode(body + eq + (eq < end), end - eq - (eq < end));
			if (!value) {
				free(name);
				goto fail;
			}
			/* SPEC 6: every name and value is text XML can carry, checked once
			 * here for every action (and for the journal records replayed) */
			if (!api_text_valid(name, strlen(name)) ||
			    !api_text_valid(value, strlen(value))) {
				free(name);
				free(value);
				errno = EILSEQ;
				goto fail;
			}
			if (api_query_get(q, name)) {
				free(name);
				free(value);
				goto invalid;
			}
			q->p[q->n].name = name;
			q->p[q->n].value = value;
			q->n++;
		}
		i = end + 1;
	}
	return 0;
invalid:
	errno = EINVAL;
	goto fail;
nomem:
	errno = ENOMEM;
fail:;
	int e = errno;
	api_query_free(q);
	return -e;
}

const char *api_query_get(const struct api_query *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->p[i].name, name) == 0)
			return q->p[i].value;
	return NULL;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	return x < y ? -1 : x > y;
}

int api_query_indexes(const struct api_query *q, const char *prefix, unsigned *idx, size_t max)
{
	size_t plen = strlen(prefix);
	size_t n = 0;
	for (size_t i = 0; i < q->n; i++) {
		const char *name = q->p[i].name;
		if (strncmp(name, prefix, plen) != 0 || name[plen] != '.')
			continue;
		const char *d = name + plen + 1;
		unsigned long v = 0;
		const char *e = d;
		while (*e >= '0' && *e <= '9' && e - d < 7)
			v = v * 10 + (unsigned long)(*e++ - '0');
		if (e == d || (*e != '\0' && *e != '.')) {
			/* "prefix.Foo": another parameter sharing the prefix text, unless it
			 * starts with a digit */
			if (*d >= '0' && *d <= '9')
				return -EINVAL;
			continue;
		}
		if (v < 1 || v > API_QUERY_MAX_INDEX || *d == '0')
			return -EINVAL;
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			if (idx[k] == v)
				seen = true;
		if (seen)
			continue;
		if (n == max)
			return -E2BIG;
		idx[n++] = (unsigned)v;
	}
	qsort(idx, n, sizeof(*idx), cmp_unsigned);
	return (int)n;
}
