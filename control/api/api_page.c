/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_page.c - the NextToken of Describe pages (SPEC R30).
 *
 * A token says where the next page starts: the kind of object, the id of the
 * last object returned with its creation number (model.h, model_cursor), and
 * a sub-position inside it (DescribeTags: the last tag). It is opaque to the
 * client (hex of those fields) and sealed with a keyed hash (SipHash-2-4)
 * over the fields and the request's other parameters, under a key drawn at
 * random when the process first needs one. So a token from another request
 * (another action, other filters or ids), one that was altered, or one an
 * earlier run of the engine issued (its creation numbers mean nothing here)
 * fails the seal and is refused as InvalidNextToken.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api_impl.h"

static uint8_t page_key[16];
static pthread_once_t page_key_once = PTHREAD_ONCE_INIT;

static void page_key_init(void)
{
	size_t got = 0;
	while (got < sizeof(page_key)) {
		ssize_t n = getrandom(page_key + got, sizeof(page_key) - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (n < 0 && errno != EINTR)
			break;
	}
	if (got < sizeof(page_key)) { /* no entropy source: time and address bits */
		uint64_t x = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uintptr_t)&got;
		for (size_t i = got; i < sizeof(page_key); i++, x = x * 6364136223846793005ull + 1)
			page_key[i] = (uint8_t)(x >> 56);
	}
}

/* ---- SipHash-2-4 ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;
	for (int i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

static uint64_t siphash(const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = le64(page_key), k1 = le64(page_key + 8);
	uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; i + k < len; k++)
		b |= (uint64_t)in[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t api_page_request_hash(const struct api_query *q)
{
	pthread_once(&page_key_once, page_key_init);
	/* a sum of one hash per parameter: independent of the order they came in */
	uint64_t h = 0x5061676573ull; /* "Pages" */
	for (size_t i = 0; i < q->n; i++) {
		const char *name = q->p[i].name;
		if (strcmp(name, "NextToken") == 0 || strcmp(name, "MaxResults") == 0)
			continue; /* what may differ from page to page */
		size_t nl = strlen(name), vl = strlen(q->p[i].value);
		char *buf = malloc(nl + vl + 2);
		if (!buf)
			return 0; /* out of memory: the token will not match; refused, no harm */
		memcpy(buf, name, nl + 1);
		memcpy(buf + nl + 1, q->p[i].value, vl + 1);
		h += siphash(buf, nl + vl + 2);
		free(buf);
	}
	return h;
}

/* The token's fields, in order: kind, order, sub (8 bytes each), then the id. */
#define FIXED 24

static uint64_t seal(const uint8_t *payload, size_t len, uint64_t req)
{
	uint8_t buf[FIXED + MODEL_ID_MAX + 8];
	memcpy(buf, payload, len);
	for (int i = 0; i < 8; i++)
		buf[len + (size_t)i] = (uint8_t)(req >> (8 * i));
	return siphash(buf, len + 8);
}

static void put64(uint8_t *p, uint64_t x)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(x >> (8 * i));
}

void api_page_token_make(const struct api_page_pos *pos, uint64_t req, char out[API_PAGE_TOKEN_MAX])
{
	uint8_t b[FIXED + MODEL_ID_MAX + 8];
	size_t idl = strnlen(pos->id, MODEL_ID_MAX - 1);

	pthread_once(&page_key_once, page_key_init);
	put64(b, (uint64_t)pos->kind);
	put64(b + 8, pos->order);
	put64(b + 16, pos->sub);
	memcpy(b + FIXED, pos->id, idl);
	put64(b + FIXED + idl, seal(b, FIXED + idl, req));
	for (size_t i = 0; i < FIXED + idl + 8; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int api_page_token_read(const char *token, uint64_t req, struct api_page_pos *pos)
{
	uint8_t b[FIXED + MODEL_ID_MAX + 8];
	size_t tl = strlen(token), n = tl / 2;

	pthread_once(&page_key_once, page_key_init);
	if (tl % 2 || n < FIXED + 1 + 8 || n > FIXED + MODEL_ID_MAX - 1 + 8)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(token[2 * i]), lo = hexval(token[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	size_t idl = n - FIXED - 8;
	if (le64(b + FIXED + idl) != seal(b, FIXED + idl, req))
		return -1;
	pos->kind = (int)le64(b);
	pos->order = le64(b + 8);
	pos->sub = le64(b + 16);
	memcpy(pos->id, b + FIXED, idl);
	pos->id[idl] = '\0';
	if (strlen(pos->id) != idl) /* a NUL inside: never made here */
		return -1;
	return 0;
}
