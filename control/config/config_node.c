/* SPDX-License-Identifier: BSD-3-Clause */
/* config_node.c - typed, checked reads of a libyaml document. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_node.h"

int cnode_fail(const struct cnode_ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(c->err->message, sizeof(c->err->message), "%s:%zu:%zu: %s", c->name,
			 n->start_mark.line + 1, n->start_mark.column + 1, reason);
	else
		snprintf(c->err->message, sizeof(c->err->message), "%s:1:1: %s", c->name, reason);
	return -1;
}

yaml_node_t *cnode_at(const struct cnode_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

bool cnode_is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	s = scalar(n);
	return s[0] == '\0' || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return cnode_is_null(n) ? "nothing" : "a scalar";
	}
}

static bool key_allowed(const char *const *keys, const char *k, bool *required)
{
	for (; *keys != NULL; keys++) {
		const char *name = (*keys)[0] == '!' ? *keys + 1 : *keys;

		if (!strcmp(name, k)) {
			*required = (*keys)[0] == '!';
			return true;
		}
	}
	return false;
}

int cnode_map_check(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
		    const char *const *keys)
{
	const yaml_node_pair_t *p, *q;
	bool req;

	if (n->type != YAML_MAPPING_NODE)
		return cnode_fail(c, n, "%s: expected a mapping, found %s", what, kind(n));
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cnode_at(c, p->key);

		if (k->type != YAML_SCALAR_NODE)
			return cnode_fail(c, k, "%s: a key must be a plain word", what);
		if (!key_allowed(keys, scalar(k), &req))
			return cnode_fail(c, k, "%s: unknown key '%s'", what, scalar(k));
		for (q = n->data.mapping.pairs.start; q < p; q++)
			if (!strcmp(scalar(cnode_at(c, q->key)), scalar(k)))
				return cnode_fail(c, k, "%s: key '%s' given twice", what,
						  scalar(k));
	}
	for (; *keys != NULL; keys++) {
		yaml_node_t *v;

		if ((*keys)[0] != '!')
			continue;
		v = cnode_map_find(c, n, *keys + 1);
		if (v == NULL)
			return cnode_fail(c, n, "%s: missing required field '%s'", what, *keys + 1);
		if (cnode_is_null(v))
			return cnode_fail(c, v, "%s: field '%s' has no value", what, *keys + 1);
	}
	return 0;
}

yaml_node_t *cnode_map_find(const struct cnode_ctx *c, const yaml_node_t *n, const char *key)
{
	const yaml_node_pair_t *p;

	if (n == NULL || n->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = cnode_at(c, p->key);

		if (k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return cnode_at(c, p->value);
	}
	return NULL;
}

int cnode_seq(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
	      const yaml_node_item_t **items, size_t *n_items)
{
	if (cnode_is_null(n)) { /* "key:" with nothing: an empty list */
		*items = NULL;
		*n_items = 0;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return cnode_fail(c, n, "%s: expected a list, found %s", what, kind(n));
	*items = n->data.sequence.items.start;
	*n_items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 0;
}

int cnode_str(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, size_t max,
	      const char **out)
{
	if (n->type != YAML_SCALAR_NODE || cnode_is_null(n))
		return cnode_fail(c, n, "%s: expected a string, found %s", what, kind(n));
	if (max != 0 && n->data.scalar.length >= max)
		return cnode_fail(c, n, "%s: '%s' is too long (at most %zu characters)", what,
				  scalar(n), max - 1);
	if (strlen(scalar(n)) != n->data.scalar.length)
		return cnode_fail(c, n, "%s: contains a NUL character", what);
	*out = scalar(n);
	return 0;
}

int cnode_str_copy(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, char *buf,
		   size_t max)
{
	const char *s;

	if (cnode_str(c, n, what, max, &s))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

int cnode_uint(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;

	if (n->type != YAML_SCALAR_NODE || cnode_is_null(n))
		return cnode_fail(c, n, "%s: expected a number, found %s", what, kind(n));
	s = scalar(n);
	if (*s == '\0')
		return cnode_fail(c, n, "%s: expected a number, found ''", what);
	for (const char *p = s; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return cnode_fail(c, n, "%s: expected a number, found '%s'", what, s);
		if (v > (UINT64_MAX - 9) / 10)
			return cnode_fail(c, n, "%s: %s is out of range [%llu, %llu]", what, s,
					  (unsigned long long)min, (unsigned long long)max);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return cnode_fail(c, n, "%s: %s is out of range [%llu, %llu]", what, s,
				  (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

int cnode_bool(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, bool *out)
{
	static const char *const words[] = {"false", "true", NULL};
	int i;

	if (cnode_enum(c, n, what, words, &i))
		return -1;
	*out = i == 1;
	return 0;
}

int cnode_enum(const struct cnode_ctx *c, const yaml_node_t *n, const char *what,
	       const char *const *words, int *out)
{
	char list[256] = "";
	size_t off = 0;

	if (n->type == YAML_SCALAR_NODE && !cnode_is_null(n))
		for (int i = 0; words[i] != NULL; i++)
			if (!strcmp(scalar(n), words[i])) {
				*out = i;
				return 0;
			}
	for (int i = 0; words[i] != NULL && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					words[i]);
	if (n->type != YAML_SCALAR_NODE || cnode_is_null(n))
		return cnode_fail(c, n, "%s: expected one of %s, found %s", what, list, kind(n));
	return cnode_fail(c, n, "%s: '%s' is not one of %s", what, scalar(n), list);
}

int cnode_ipv4(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out,
	       uint32_t *addr)
{
	struct in_addr a;

	if (cnode_str(c, n, what, INET_ADDRSTRLEN, out))
		return -1;
	if (inet_pton(AF_INET, *out, &a) != 1)
		return cnode_fail(c, n, "%s: '%s' is not an IPv4 address", what, *out);
	if (addr != NULL)
		*addr = a.s_addr;
	return 0;
}

int cnode_ipv6(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out)
{
	struct in6_addr a;

	if (cnode_str(c, n, what, INET6_ADDRSTRLEN, out))
		return -1;
	if (inet_pton(AF_INET6, *out, &a) != 1)
		return cnode_fail(c, n, "%s: '%s' is not an IPv6 address", what, *out);
	return 0;
}

int cnode_cidr(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, int family,
	       const char **out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	const char *slash;
	char *end;
	long len;
	int maxlen = family == 4 ? 32 : 128;

	if (cnode_str(c, n, what, sizeof(buf), out))
		return -1;
	slash = strchr(*out, '/');
	if (slash == NULL || slash == *out)
		goto bad;
	memcpy(buf, *out, (size_t)(slash - *out));
	buf[slash - *out] = '\0';
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, a) != 1)
		goto bad;
	if (!isdigit((unsigned char)slash[1]))
		goto bad;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > maxlen)
		goto bad;
	return 0;
bad:
	return cnode_fail(c, n, "%s: '%s' is not an IPv%d CIDR block (address/length)", what, *out,
			  family);
}

int cnode_mac(const struct cnode_ctx *c, const yaml_node_t *n, const char *what, const char **out,
	      uint8_t mac[6])
{
	const char *s;

	if (cnode_str(c, n, what, 18, out))
		return -1;
	s = *out;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    s[2] != (i < 5 ? ':' : '\0'))
			return cnode_fail(c, n, "%s: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)",
					  what, *out);
		if (mac != NULL)
			mac[i] = (uint8_t)strtoul((char[]){s[0], s[1], '\0'}, NULL, 16);
		s += 3;
	}
	return 0;
}
