/* SPDX-License-Identifier: BSD-3-Clause */
/* config_node.c - typed, checked reads of a libyaml document. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_node.h"
#include "v4text.h"

#define MAX_DEPTH 64 /* the schema nests 5 deep; deeper is a mistake or an attack */

static int fail_at(const char *name, struct config_err *err, size_t line, size_t column,
		   const char *reason, const char *context)
{
	snprintf(err->message, sizeof(err->message), "%s:%zu:%zu: %s%s%s", name, line, column,
		 reason, context ? " " : "", context ? context : "");
	return -1;
}

/* Append a node for an event at mark; its index, or 0 when out of memory. */
static uint32_t add_node(struct cnode_tree *t, uint8_t type, const yaml_mark_t *mark)
{
	struct cnode *n;

	if (t->n >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct cnode *a = cap <= UINT32_MAX ? realloc(t->node, cap * sizeof(*a)) : NULL;

		if (a == NULL)
			return 0;
		t->node = a;
		t->cap = cap;
	}
	n = &t->node[t->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = (uint32_t)mark->line + 1;
	n->column = (uint32_t)mark->column + 1;
	return (uint32_t)t->n++;
}

static int add_text(struct cnode_tree *t, struct cnode *n, const unsigned char *s, size_t len)
{
	if (t->tcap - t->tlen < len + 1) {
		size_t cap = t->tcap ? t->tcap : 1 << 16;
		char *a;

		while (cap - t->tlen < len + 1)
			cap *= 2;
		a = cap <= UINT32_MAX ? realloc(t->text, cap) : NULL;
		if (a == NULL)
			return -1;
		t->text = a;
		t->tcap = cap;
	}
	memcpy(t->text + t->tlen, s, len);
	t->text[t->tlen + len] = '\0';
	n->child = (uint32_t)t->tlen;
	n->len = (uint32_t)len;
	t->tlen += len + 1;
	return 0;
}

struct frame {
	uint32_t node, last; /* the open collection and its last child so far */
	uint32_t key;	     /* the key whose value it is (0: none) */
	int limit;	     /* sequences: index in cnode_limits.lists, -1: max_items */
	size_t max;	     /* sequences: the most items allowed */
};

/* The state of one tree being built from the parser's events. */
struct builder {
	const char *name;
	struct cnode_tree *t;
	struct cnode_limits *lim; /* may be NULL */
	struct config_err *err;
	struct frame stack[MAX_DEPTH];
	int depth;
	uint32_t root_key; /* the root mapping's last key */
};

/* Link node i under the innermost open collection, or make it the root. */
static int link_node(struct cnode_tree *t, struct frame *stack, int depth, uint32_t i)
{
	if (depth == 0) {
		if (t->root != 0)
			return -1; /* a second document */
		t->root = i;
		return 0;
	}
	struct frame *f = &stack[depth - 1];

	if (f->last == 0)
		t->node[f->node].child = i;
	else
		t->node[f->last].next = i;
	f->last = i;
	t->node[f->node].len++;
	return 0;
}

/* The key node a collection opened now would be the value of, or 0. */
static uint32_t pending_key(const struct builder *b)
{
	const struct frame *f;

	if (b->depth == 0)
		return 0;
	f = &b->stack[b->depth - 1];
	return b->t->node[f->node].type == CNODE_MAPPING && (b->t->node[f->node].len & 1) ? f->last
											  : 0;
}

/* A new sequence's limit: its key's in lists[], else max_items. */
static void sequence_limit(const struct builder *b, struct frame *f)
{
	const struct cnode *k = f->key ? &b->t->node[f->key] : NULL;

	f->limit = -1;
	f->max = b->lim != NULL && b->lim->max_items ? b->lim->max_items : SIZE_MAX;
	if (b->lim == NULL || k == NULL || k->type != CNODE_SCALAR)
		return;
	for (size_t i = 0; i < b->lim->n_lists; i++)
		if (!strcmp(b->t->text + k->child, b->lim->lists[i].key)) {
			f->limit = (int)i;
			f->max = b->lim->lists[i].max;
			return;
		}
}

/* An item at mark would make the innermost sequence longer than its limit. */
static int check_list_room(const struct builder *b, const yaml_mark_t *mark)
{
	const struct frame *f;
	const struct cnode *k;
	const char *what = "list", *why = "";

	if (b->depth == 0)
		return 0;
	f = &b->stack[b->depth - 1];
	if (b->t->node[f->node].type != CNODE_SEQUENCE || b->t->node[f->node].len < f->max)
		return 0;
	k = f->key ? &b->t->node[f->key] : NULL;
	if (f->limit >= 0) {
		what = b->lim->lists[f->limit].what;
		why = b->lim->lists[f->limit].why;
	} else if (k != NULL && k->type == CNODE_SCALAR) {
		what = b->t->text + k->child;
	}
	snprintf(b->err->message, sizeof(b->err->message),
		 "%s:%zu:%zu: %s: more than %zu items%s%s", b->name, mark->line + 1,
		 mark->column + 1, what, f->max, why[0] ? " " : "", why);
	return -1;
}

/* A value of the root mapping is complete: tell the caller (it may set limits). */
static int root_value_done(struct builder *b, uint32_t value)
{
	if (b->lim == NULL || b->lim->root_value == NULL || b->root_key == 0)
		return 0;
	return b->lim->root_value(b->lim->arg, b->t, b->root_key, value);
}

/* Node i was just linked: remember the root's keys, report its finished scalar values. */
static int after_link(struct builder *b, uint32_t i)
{
	const struct cnode *root = &b->t->node[b->t->root];

	if (b->depth != 1 || root->type != CNODE_MAPPING)
		return 0;
	if (root->len & 1) {
		b->root_key = i;
		return 0;
	}
	return b->t->node[i].type == CNODE_SCALAR ? root_value_done(b, i) : 0;
}

/* A node for event e (a scalar or a collection's start), linked and, for a collection, opened. */
static int add_event_node(struct builder *b, const yaml_event_t *e, uint8_t type)
{
	struct cnode_tree *t = b->t;
	uint32_t key = pending_key(b), i;

	if (check_list_room(b, &e->start_mark))
		return -1;
	i = add_node(t, type, &e->start_mark);
	if (i == 0 || (type == CNODE_SCALAR &&
		       add_text(t, &t->node[i], e->data.scalar.value, e->data.scalar.length))) {
		snprintf(b->err->message, sizeof(b->err->message), "%s: out of memory", b->name);
		return -1;
	}
	if (type == CNODE_SCALAR)
		t->node[i].plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (link_node(t, b->stack, b->depth, i))
		return fail_at(b->name, b->err, e->start_mark.line + 1, e->start_mark.column + 1,
			       "only one YAML document is allowed", NULL);
	if (after_link(b, i))
		return -1;
	if (type == CNODE_SCALAR)
		return 0;
	if (b->depth == MAX_DEPTH)
		return fail_at(b->name, b->err, e->start_mark.line + 1, e->start_mark.column + 1,
			       "nested too deep", NULL);
	b->stack[b->depth] = (struct frame){.node = i, .key = key};
	if (type == CNODE_SEQUENCE)
		sequence_limit(b, &b->stack[b->depth]);
	b->depth++;
	return 0;
}

/* A collection ends: close it; a finished value of the root is reported. */
static int close_collection(struct builder *b)
{
	b->depth--;
	if (b->depth == 1 && b->t->node[b->t->root].type == CNODE_MAPPING)
		return root_value_done(b, b->stack[1].node);
	return 0;
}

/*
 * Where byte offset at of the text is, as line:column (1-based; columns count
 * characters, as libyaml's marks and editors do: UTF-8 continuation bytes
 * are not counted).
 */
static void offset_to_mark(const char *yaml, size_t len, size_t at, size_t *line, size_t *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < at && i < len; i++) {
		unsigned char ch = (unsigned char)yaml[i];

		if (ch == '\n') {
			(*line)++;
			*column = 1;
		} else if ((ch & 0xc0) != 0x80) {
			(*column)++;
		}
	}
}

/*
 * The reader refuses bytes that are not UTF-8. Its problem_mark is left at
 * 0:0, so the place is computed from the offset of the bad byte.
 */
static void reader_error(const char *name, const char *yaml, size_t len, const yaml_parser_t *p,
			 struct config_err *err)
{
	size_t line, column;
	char what[160];

	offset_to_mark(yaml, len, p->problem_offset, &line, &column);
	if (p->problem_value >= 0 && p->problem_value <= 0xff)
		snprintf(what, sizeof(what), "(%s: byte 0x%02x)", p->problem ? p->problem : "",
			 (unsigned)p->problem_value);
	else
		snprintf(what, sizeof(what), "(%s)", p->problem ? p->problem : "");
	fail_at(name, err, line, column, "not valid UTF-8", what);
}

int cnode_tree_parse(const char *name, const char *yaml, size_t len, struct cnode_tree *t,
		     struct cnode_limits *limits, struct config_err *err)
{
	struct builder b = {.name = name, .t = t, .lim = limits, .err = err};
	yaml_parser_t p;
	yaml_event_t e;
	int rc = -1;
	bool done = false;

	memset(t, 0, sizeof(*t));
	t->n = 1; /* node 0 is "none" */
	if (!yaml_parser_initialize(&p)) {
		snprintf(err->message, sizeof(err->message), "%s: out of memory", name);
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
	while (!done) {
		int step = 0;

		if (!yaml_parser_parse(&p, &e)) {
			if (p.error == YAML_READER_ERROR) {
				reader_error(name, yaml, len, &p, err);
				goto out;
			}
			fail_at(name, err, p.problem_mark.line + 1, p.problem_mark.column + 1,
				p.error == YAML_MEMORY_ERROR ? "out of memory"
				: p.problem		     ? "YAML syntax error:"
							     : "YAML syntax error",
				p.problem != NULL ? p.problem : NULL);
			if (p.problem != NULL && p.context != NULL) {
				size_t at = strlen(err->message);

				snprintf(err->message + at, sizeof(err->message) - at, " %s",
					 p.context);
			}
			goto out;
		}
		switch (e.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			step = fail_at(name, err, e.start_mark.line + 1, e.start_mark.column + 1,
				       "aliases (*name) are not supported", NULL);
			break;
		case YAML_SCALAR_EVENT:
			step = add_event_node(&b, &e, CNODE_SCALAR);
			break;
		case YAML_MAPPING_START_EVENT:
			step = add_event_node(&b, &e, CNODE_MAPPING);
			break;
		case YAML_SEQUENCE_START_EVENT:
			step = add_event_node(&b, &e, CNODE_SEQUENCE);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			step = close_collection(&b);
			break;
		default:
			break;
		}
		yaml_event_delete(&e);
		if (step)
			goto out;
	}
	rc = 0;
out:
	yaml_parser_delete(&p);
	if (rc)
		cnode_tree_free(t);
	return rc;
}

void cnode_tree_free(struct cnode_tree *t)
{
	free(t->node);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

int cnode_fail(const struct cnode_ctx *c, const struct cnode *n, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return fail_at(c->name, c->err, n != NULL ? n->line : 1, n != NULL ? n->column : 1, reason,
		       NULL);
}

const struct cnode *cnode_root(const struct cnode_ctx *c)
{
	return c->tree->root ? &c->tree->node[c->tree->root] : NULL;
}

static const char *scalar_text(const struct cnode_ctx *c, const struct cnode *n)
{
	return cnode_text(c, n);
}

bool cnode_is_null(const struct cnode_ctx *c, const struct cnode *n)
{
	const char *s;

	if (n->type != CNODE_SCALAR || !n->plain)
		return false;
	if (n->len != 0 && n->len != 1 && n->len != 4) /* most scalars: no compare */
		return false;
	s = cnode_text(c, n);
	return s[0] == '\0' || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static const char *kind(const struct cnode_ctx *c, const struct cnode *n)
{
	switch (n->type) {
	case CNODE_MAPPING:
		return "a mapping";
	case CNODE_SEQUENCE:
		return "a list";
	default:
		return cnode_is_null(c, n) ? "nothing" : "a scalar";
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

int cnode_map_check(const struct cnode_ctx *c, const struct cnode *n, const char *what,
		    const char *const *keys)
{
	bool req;

	if (n->type != CNODE_MAPPING)
		return cnode_fail(c, n, "%s: expected a mapping, found %s", what, kind(c, n));
	for (const struct cnode *k = cnode_child(c, n); k != NULL;
	     k = cnode_next(c, cnode_next(c, k))) {
		if (k->type != CNODE_SCALAR)
			return cnode_fail(c, k, "%s: a key must be a plain word", what);
		if (!key_allowed(keys, scalar_text(c, k), &req))
			return cnode_fail(c, k, "%s: unknown key '%s'", what, scalar_text(c, k));
		for (const struct cnode *q = cnode_child(c, n); q != k;
		     q = cnode_next(c, cnode_next(c, q)))
			if (q->len == k->len && !strcmp(scalar_text(c, q), scalar_text(c, k)))
				return cnode_fail(c, k, "%s: key '%s' given twice", what,
						  scalar_text(c, k));
	}
	for (; *keys != NULL; keys++) {
		const struct cnode *v;

		if ((*keys)[0] != '!')
			continue;
		v = cnode_map_find(c, n, *keys + 1);
		if (v == NULL)
			return cnode_fail(c, n, "%s: missing required field '%s'", what, *keys + 1);
		if (cnode_is_null(c, v))
			return cnode_fail(c, v, "%s: field '%s' has no value", what, *keys + 1);
	}
	return 0;
}

const struct cnode *cnode_map_find(const struct cnode_ctx *c, const struct cnode *n,
				   const char *key)
{
	if (n == NULL || n->type != CNODE_MAPPING)
		return NULL;
	size_t len = strlen(key);

	for (const struct cnode *k = cnode_child(c, n); k != NULL;
	     k = cnode_next(c, cnode_next(c, k)))
		if (k->type == CNODE_SCALAR && k->len == len &&
		    !memcmp(scalar_text(c, k), key, len))
			return cnode_next(c, k);
	return NULL;
}

int cnode_seq(const struct cnode_ctx *c, const struct cnode *n, const char *what,
	      const struct cnode **first, size_t *n_items)
{
	if (cnode_is_null(c, n)) { /* "key:" with nothing: an empty list */
		*first = NULL;
		*n_items = 0;
		return 0;
	}
	if (n->type != CNODE_SEQUENCE)
		return cnode_fail(c, n, "%s: expected a list, found %s", what, kind(c, n));
	*first = cnode_child(c, n);
	*n_items = n->len;
	return 0;
}

/*
 * libyaml has checked that the text is UTF-8, but a double-quoted scalar can
 * still spell C0 controls ("\x01") or U+FFFE/U+FFFF, which XML 1.0 cannot
 * carry: stored, they would come back in the API's answers (SPEC section 6).
 * The first such character, or NULL.
 */
static const char *xml_unsafe(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r')
			return s + i;
		if (b == 0xef && i + 2 < n && (unsigned char)s[i + 1] == 0xbf &&
		    ((unsigned char)s[i + 2] & 0xfe) == 0xbe)
			return s + i;
	}
	return NULL;
}

static unsigned xml_unsafe_code(const char *p)
{
	unsigned char b = (unsigned char)p[0];
	return b < 0x20 ? b : 0xfffeu + ((unsigned char)p[2] & 1u);
}

int cnode_str(const struct cnode_ctx *c, const struct cnode *n, const char *what, size_t max,
	      const char **out)
{
	if (n->type != CNODE_SCALAR || cnode_is_null(c, n))
		return cnode_fail(c, n, "%s: expected a string, found %s", what, kind(c, n));
	if (max != 0 && n->len >= max)
		return cnode_fail(c, n, "%s: '%s' is too long (at most %zu characters)", what,
				  scalar_text(c, n), max - 1);
	if (strlen(scalar_text(c, n)) != n->len)
		return cnode_fail(c, n, "%s: contains a NUL character", what);
	const char *bad = xml_unsafe(scalar_text(c, n), n->len);
	if (bad)
		return cnode_fail(c, n, "%s: contains a character XML cannot carry (U+%04X)", what,
				  xml_unsafe_code(bad));
	*out = scalar_text(c, n);
	return 0;
}

int cnode_str_copy(const struct cnode_ctx *c, const struct cnode *n, const char *what, char *buf,
		   size_t max)
{
	const char *s;

	if (cnode_str(c, n, what, max, &s))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

int cnode_uint(const struct cnode_ctx *c, const struct cnode *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;

	if (n->type != CNODE_SCALAR || cnode_is_null(c, n))
		return cnode_fail(c, n, "%s: expected a number, found %s", what, kind(c, n));
	s = scalar_text(c, n);
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

int cnode_bool(const struct cnode_ctx *c, const struct cnode *n, const char *what, bool *out)
{
	static const char *const words[] = {"false", "true", NULL};
	int i;

	if (cnode_enum(c, n, what, words, &i))
		return -1;
	*out = i == 1;
	return 0;
}

int cnode_enum(const struct cnode_ctx *c, const struct cnode *n, const char *what,
	       const char *const *words, int *out)
{
	char list[256] = "";
	size_t off = 0;

	if (n->type == CNODE_SCALAR && !cnode_is_null(c, n))
		for (int i = 0; words[i] != NULL; i++)
			if (!strcmp(scalar_text(c, n), words[i])) {
				*out = i;
				return 0;
			}
	for (int i = 0; words[i] != NULL && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "",
					words[i]);
	if (n->type != CNODE_SCALAR || cnode_is_null(c, n))
		return cnode_fail(c, n, "%s: expected one of %s, found %s", what, list, kind(c, n));
	return cnode_fail(c, n, "%s: '%s' is not one of %s", what, scalar_text(c, n), list);
}

int cnode_ipv4(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char **out,
	       uint32_t *addr)
{
	uint32_t a;

	if (cnode_str(c, n, what, INET_ADDRSTRLEN, out))
		return -1;
	if (v4text_parse(*out, &a) != 0) /* what inet_pton accepts, faster */
		return cnode_fail(c, n, "%s: '%s' is not an IPv4 address", what, *out);
	if (addr != NULL)
		*addr = a;
	return 0;
}

int cnode_ipv6(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char **out)
{
	struct in6_addr a;

	if (cnode_str(c, n, what, INET6_ADDRSTRLEN, out))
		return -1;
	if (inet_pton(AF_INET6, *out, &a) != 1)
		return cnode_fail(c, n, "%s: '%s' is not an IPv6 address", what, *out);
	return 0;
}

int cnode_cidr(const struct cnode_ctx *c, const struct cnode *n, const char *what, int family,
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

int cnode_mac(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char **out,
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
