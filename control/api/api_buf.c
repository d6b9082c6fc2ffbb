/* SPDX-License-Identifier: BSD-3-Clause */
#include "api_buf.h"

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

void api_buf_xml_escape(struct api_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			api_buf_puts(b, "&amp;");
			break;
		case '<':
			api_buf_puts(b, "&lt;");
			break;
		case '>':
			api_buf_puts(b, "&gt;");
			break;
		case '"':
			api_buf_puts(b, "&quot;");
			break;
		case '\'':
			api_buf_puts(b, "&apos;");
			break;
		default:
			/* Control characters are not allowed in XML 1.0: replace them. */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
				api_buf_put(b, "?", 1);
			else
				api_buf_put(b, s, 1);
		}
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
