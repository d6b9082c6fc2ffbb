/* SPDX-License-Identifier: BSD-3-Clause */
#include "jsonw.h"

void jsonw_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out); /* UTF-8 bytes pass as they are */
		}
	}
	fputc('"', out);
}

void jsonw_key(FILE *out, const char *name)
{
	jsonw_str(out, name);
	fputc(':', out);
}
