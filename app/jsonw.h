/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * jsonw.h - just enough JSON writing for the control socket's --json
 * answers: a string with every character JSON requires escaped, written
 * straight to a FILE.
 */
#ifndef ENIMAP_JSONW_H
#define ENIMAP_JSONW_H

#include <stdio.h>

/* s as a JSON string, quotes included; NULL is written as null. */
void jsonw_str(FILE *out, const char *s);
/* "name": (the member's name, escaped, then a colon). */
void jsonw_key(FILE *out, const char *name);

#endif
