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
#include <stdint.h>

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

/*
 * UTF-8. api_utf8_char: the length (1-4) of the well-formed character at
 * s[0..n) and its code point in *cp, or 0 when the bytes there are not one
 * (overlong form, surrogate, above U+10FFFF, truncated, stray byte).
 */
size_t api_utf8_char(const char *s, size_t n, uint32_t *cp);
/* Whether XML 1.0 can carry the code point (tab, LF, CR, not other controls,
 * not U+FFFE/U+FFFF). */
bool api_xml_char(uint32_t cp);
/* Whether s[0..n) is well-formed UTF-8 made only of characters XML 1.0 can carry. */
bool api_text_valid(const char *s, size_t n);
/*
 * The longest prefix of s of at most max bytes that ends on a character
 * boundary: for "%.*s" of user values, so a cut never splits a character.
 */
int api_utf8_prefix(const char *s, size_t max);
/* Drop, in place, every byte that does not begin a well-formed character (the
 * remains of a character cut by a truncation); returns the new length. */
size_t api_utf8_drop_broken(char *s);

/* Text with & < > " ' escaped as XML entities; any byte that is not part of a
 * character XML can carry becomes '?', so the output is always well-formed. */
void api_buf_xml_escape(struct api_buf *b, const char *s);
/* <name>escaped value</name>; nothing when value is NULL. */
void api_buf_xml_elem(struct api_buf *b, const char *name, const char *value);
/* Form encoding (RFC 3986 unreserved kept, everything else %XX). */
void api_buf_url_encode(struct api_buf *b, const char *s);
/* "&name=value" (no '&' when b is empty), both form-encoded. */
void api_buf_form_add(struct api_buf *b, const char *name, const char *value);

#endif
