/* SPDX-License-Identifier: BSD-3-Clause */
#include "api_buf.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct api_buf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void api_buf_put(struct api_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void api_buf_puts(struct api_buf *b, const char *s)
{
	api_buf_put(b, s, strlen(s));
}

void api_buf_printf(struct api_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void api_buf_reset(struct api_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->s)
		b->s[0] = '\0';
}

void api_buf_free(struct api_buf *b)
{
	free(b->s);
	*b = (struct api_buf){0};
}

size_t api_utf8_char(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t c, min;

	if (n == 0)
		return 0;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF) { /* C0 and C1 would only start overlong forms */
		len = 2;
		c = u[0] & 0x1F;
		min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		len = 3;
		c = u[0] & 0x0F;
		min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		len = 4;
		c = u[0] & 0x07;
		min = 0x10000;
	} else {
		return 0; /* a continuation byte, or F5..FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

bool api_xml_char(uint32_t cp)
{
	return cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool api_text_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = api_utf8_char(s + i, n - i, &cp);
		if (l == 0 || !api_xml_char(cp))
			return false;
		i += l;
	}
	return true;
}

int api_utf8_prefix(const char *s, size_t max)
{
	if (max > INT_MAX)
		max = INT_MAX;
	/* look up to 3 bytes past max: a character that straddles max is left out */
	size_t n = strnlen(s, max + 3), i = 0;
	while (i < n) {
		uint32_t cp;
		size_t l = api_utf8_char(s + i, n - i, &cp);
		if (l == 0)
			l = 1; /* a stray byte counts as one character */
		if (i + l > max)
			break;
		i += l;
	}
	return (int)i;
}

size_t api_utf8_drop_broken(char *s)
{
	size_t n = strlen(s), o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = api_utf8_char(s + i, n - i, &cp);
		if (l == 0) {
			i++;
			continue;
		}
		memmove(s + o, s + i, l);
		o += l;
		i += l;
	}
	s[o] = '\0';
	return o;
}

static const char *xml_entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&apos;";
	default:
		return NULL;
	}
}

void api_buf_xml_escape(struct api_buf *b, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t l = api_utf8_char(s + i, n - i, &cp);
		const char *ent = l == 1 ? xml_entity(s[i]) : NULL;
		if (l == 0 || !api_xml_char(cp)) {
			/* not well-formed, or a character XML 1.0 cannot carry (even as a
			 * reference): the output must stay parseable */
			api_buf_put(b, "?", 1);
			i += l ? l : 1;
			continue;
		}
		if (ent)
			api_buf_puts(b, ent);
		else
			api_buf_put(b, s + i, l);
		i += l;
	}
}

void api_buf_xml_elem(struct api_buf *b, const char *name, const char *value)
{
	if (!value)
		return;
	api_buf_printf(b, "<%s>", name);
	api_buf_xml_escape(b, value);
	api_buf_printf(b, "</%s>", name);
}

void api_buf_url_encode(struct api_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			api_buf_put(b, (const char *)&c, 1);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			api_buf_put(b, e, 3);
		}
	}
}

void api_buf_form_add(struct api_buf *b, const char *name, const char *value)
{
	if (b->len)
		api_buf_put(b, "&", 1);
	api_buf_url_encode(b, name);
	api_buf_put(b, "=", 1);
	api_buf_url_encode(b, value);
}
