/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * v4text.h - dotted-quad IPv4 text to and from network order, without
 * inet_pton/inet_ntop's overhead (start-up parses and formats every address
 * of the configuration: inet_ntop goes through sprintf, ~1800 instructions).
 *
 * v4text_parse() accepts exactly what glibc's inet_pton(AF_INET) accepts:
 * four decimal parts 0-255 separated by dots, no leading zero in a part of
 * two or more digits, nothing else (tests/model checks it against inet_pton).
 */
#ifndef ENIMAP_V4TEXT_H
#define ENIMAP_V4TEXT_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

/* "a.b.c.d" to *net (network order): 0, or -EINVAL (nothing written). */
static inline int v4text_parse(const char *s, uint32_t *net)
{
	uint8_t b[4] = {0};
	unsigned part = 0, val = 0;
	int digits = 0;

	for (;; s++) {
		unsigned ch = (unsigned char)*s;

		if (ch >= '0' && ch <= '9') {
			if (digits && val == 0)
				return -EINVAL; /* leading zero */
			val = val * 10 + (ch - '0');
			if (val > 255)
				return -EINVAL;
			digits++;
		} else if ((ch == '.' || ch == '\0') && digits) {
			b[part++] = (uint8_t)val;
			if (ch == '\0')
				break;
			if (part == 4)
				return -EINVAL;
			val = 0;
			digits = 0;
		} else {
			return -EINVAL;
		}
	}
	if (part != 4)
		return -EINVAL;
	memcpy(net, b, 4);
	return 0;
}

/* *net (network order) as "a.b.c.d" into out (at least 16 bytes); the length. */
static inline size_t v4text_format(uint32_t net, char *out)
{
	uint8_t b[4];
	char *p = out;

	memcpy(b, &net, 4);
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	return (size_t)(p - out - 1);
}

#endif
