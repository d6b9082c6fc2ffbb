/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_buf.h - a growable text buffer, and XML / URL escaping into it.
 *
 * Allocation failure is sticky: once a write fails, b->oom is set and later
 * writes do nothing, so a writer checks once, at the end.
 */
#ifndef ENIMAP_API_BUF_H
#define ENIMAP_API_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct api_buf {
	char *s; /* NUL-terminated when len > 0 */
	size_t len;
	size_t cap;
	bool oom;
};

void api_buf_put(struct api_buf *b, const char *s, size_t n);
void api_buf_puts(struct api_buf *b, const char *s);
void api_buf_printf(struct api_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void api_buf_reset(struct api_buf *b);
void api_buf_free(struct api_buf *b);

/* Text with & < > " ' escaped as XML entities. */
void api_buf_xml_escape(struct api_buf *b, const char *s);
/* <name>escaped value</name>; nothing when value is NULL. */
void api_buf_xml_elem(struct api_buf *b, const char *name, const char *value);
/* Form encoding (RFC 3986 unreserved kept, everything else %XX). */
void api_buf_url_encode(struct api_buf *b, const char *s);
/* "&name=value" (no '&' when b is empty), both form-encoded. */
void api_buf_form_add(struct api_buf *b, const char *name, const char *value);

#endif
