/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_query.h - an EC2 Query request: form-encoded name=value pairs, and
 * EC2's flattened lists (PrivateIpAddress.1, Filter.2.Value.3, ...).
 */
#ifndef ENIMAP_API_QUERY_H
#define ENIMAP_API_QUERY_H

#include <stddef.h>

#define API_QUERY_MAX_PARAMS 4096  /* more is refused as malformed */
#define API_QUERY_MAX_INDEX 100000 /* largest N accepted in "Name.N" */

struct api_param {
	char *name;
	char *value;
};

struct api_query {
	struct api_param *p;
	size_t n;
};

/*
 * Decode a form-encoded body. 0, -EINVAL (bad %-escape, NUL byte, empty or
 * duplicate name, too many parameters), -EILSEQ (a decoded name or value is
 * not well-formed UTF-8, or holds a character XML 1.0 cannot carry, e.g.
 * U+0001) or -ENOMEM; on error q is empty.
 */
int api_query_parse(struct api_query *q, const char *body, size_t len);
void api_query_free(struct api_query *q);

/* The value of an exact name, or NULL. */
const char *api_query_get(const struct api_query *q, const char *name);

/*
 * The distinct indexes N of parameters named "prefix.N" or "prefix.N.<rest>",
 * ascending, into idx (at most max). Returns how many, or -EINVAL when an N is
 * not a decimal number in 1..API_QUERY_MAX_INDEX, or -E2BIG when there are more
 * than max.
 */
int api_query_indexes(const struct api_query *q, const char *prefix, unsigned *idx, size_t max);

#endif
