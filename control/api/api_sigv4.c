/* SPDX-License-Identifier: BSD-3-Clause */
#include "api_sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "api_buf.h"

static void hexify(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * SHA-256 fetched from the provider once. EVP_sha256() makes OpenSSL 3 fetch
 * the algorithm again at every digest, and the one-shot HMAC() fetches the
 * MAC too: that lookup was most of a signature's cost (2 us per HMAC, 0.6 us
 * per digest, against 0.12 us for a digest with the algorithm fetched).
 */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* SHA-256 of a then b (either may be empty) into out. */
static void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[32])
{
	pthread_once(&sha256_once, sha256_fetch);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = 0;
	if (!c || !EVP_DigestInit_ex(c, sha256_md ? sha256_md : EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, a, an) || !EVP_DigestUpdate(c, b, bn) ||
	    !EVP_DigestFinal_ex(c, out, &len))
		memset(out, 0, 32); /* no digest: a signature that matches nothing */
	EVP_MD_CTX_free(c);
}

static void sha256_hex(const void *d, size_t n, char out[65])
{
	unsigned char md[32];
	sha256_2(d, n, "", 0, md);
	hexify(md, 32, out);
}

/* HMAC-SHA256 (RFC 2104, block of 64 bytes) of msg under key. */
static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
	unsigned char k[64] = {0}, pad[64], inner[32];
	if (klen > sizeof(k))
		sha256_2(key, klen, "", 0, k);
	else
		memcpy(k, key, klen);
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x36;
	sha256_2(pad, sizeof(pad), msg, strlen(msg), inner);
	for (size_t i = 0; i < sizeof(k); i++)
		pad[i] = k[i] ^ 0x5c;
	sha256_2(pad, sizeof(pad), inner, sizeof(inner), out);
}

static const char *header_get(const struct api_sigv4_req *r, const char *name, size_t nlen)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strlen(r->headers[i].name) == nlen &&
		    strncasecmp(r->headers[i].name, name, nlen) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Header value with outer spaces trimmed and inner runs of spaces folded to one. */
static void put_trimmed(struct api_buf *b, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	bool space = false;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = true;
			continue;
		}
		if (space)
			api_buf_put(b, " ", 1);
		space = false;
		api_buf_put(b, v, 1);
	}
}

/*
 * The signature (hex) of a request, given the signed header list. -EINVAL
 * when a signed header is missing.
 */
static int signature(const struct api_sigv4_req *r, const char *secret, const char *date8,
		     const char *region, const char *service, const char *amz_date,
		     const char *signed_headers, char sig[65])
{
	struct api_buf cr = {0};
	api_buf_printf(&cr, "%s\n%s\n%s\n", r->method, r->path, r->query);
	const char *h = signed_headers;
	while (*h) {
		const char *end = strchr(h, ';');
		size_t n = end ? (size_t)(end - h) : strlen(h);
		const char *v = header_get(r, h, n);
		if (!v || n == 0) {
			api_buf_free(&cr);
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++) {
			char c = (char)tolower((unsigned char)h[i]);
			api_buf_put(&cr, &c, 1);
		}
		api_buf_put(&cr, ":", 1);
		put_trimmed(&cr, v);
		api_buf_put(&cr, "\n", 1);
		h += n + (end != NULL);
	}
	char body_hash[65];
	sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
	api_buf_printf(&cr, "\n%s\n%s", signed_headers, body_hash);
	if (cr.oom) {
		api_buf_free(&cr);
		return -ENOMEM;
	}
	char cr_hash[65];
	sha256_hex(cr.s, cr.len, cr_hash);
	api_buf_free(&cr);

	char sts[512];
	snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date,
		 date8, region, service, cr_hash);
	char k0[160];
	snprintf(k0, sizeof(k0), "AWS4%s", secret);
	unsigned char k1[32], k2[32], k3[32], k4[32], s[32];
	hmac(k0, strlen(k0), date8, k1);
	hmac(k1, 32, region, k2);
	hmac(k2, 32, service, k3);
	hmac(k3, 32, "aws4_request", k4);
	hmac(k4, 32, sts, s);
	OPENSSL_cleanse(k0, sizeof(k0));
	hexify(s, 32, sig);
	return 0;
}

/* "YYYYMMDDTHHMMSSZ" -> time_t (UTC); -1 when malformed. */
static time_t parse_amz_date(const char *d)
{
	if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return -1;
	for (int i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)d[i]))
			return -1;
	struct tm tm = {0};
	if (sscanf(d, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* Copy the value of "key=" from a comma-separated Authorization header. */
static int auth_field(const char *auth, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = auth;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			size_t n = strcspn(p, ", ");
			if (n == 0 || n >= size)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p += strcspn(p, ",");
	}
	return -1;
}

int api_sigv4_verify(const struct api_sigv4_req *r, const struct api_credential *creds,
		     size_t n_creds, const char *region, char service[8], char why[256])
{
	const char *auth = header_get(r, "authorization", 13);
	const char *amz_date = header_get(r, "x-amz-date", 10);
	static const char alg[] = "AWS4-HMAC-SHA256 ";
	if (!auth) {
		snprintf(why, 256, "The request is not signed (no Authorization header).");
		return -EACCES;
	}
	if (strncmp(auth, alg, sizeof(alg) - 1) != 0) {
		snprintf(why, 256, "Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is accepted.");
		return -EACCES;
	}
	if (!amz_date) {
		snprintf(why, 256, "The request has no X-Amz-Date header.");
		return -EACCES;
	}
	time_t t = parse_amz_date(amz_date);
	if (t == (time_t)-1) {
		snprintf(why, 256, "X-Amz-Date is malformed.");
		return -EACCES;
	}
	if (t > r->now + API_SIGV4_MAX_SKEW || t < r->now - API_SIGV4_MAX_SKEW) {
		snprintf(why, 256,
			 "Signature expired: X-Amz-Date is more than %d seconds from now.",
			 API_SIGV4_MAX_SKEW);
		return -EACCES;
	}
	char cred[256], signed_headers[512], sig[128];
	const char *fields = auth + sizeof(alg) - 1;
	if (auth_field(fields, "Credential", cred, sizeof(cred)) ||
	    auth_field(fields, "SignedHeaders", signed_headers, sizeof(signed_headers)) ||
	    auth_field(fields, "Signature", sig, sizeof(sig))) {
		snprintf(why, 256, "The Authorization header is malformed.");
		return -EACCES;
	}
	/* Credential=AKID/YYYYMMDD/region/ec2/aws4_request */
	char *parts[5];
	char *save = NULL;
	int np = 0;
	for (char *tok = strtok_r(cred, "/", &save); tok && np < 5;
	     tok = strtok_r(NULL, "/", &save))
		parts[np++] = tok;
	if (np != 5 || strtok_r(NULL, "/", &save) ||
	    (strcmp(parts[3], "ec2") != 0 && strcmp(parts[3], "sts") != 0) ||
	    strcmp(parts[4], "aws4_request") != 0 || strncmp(parts[1], amz_date, 8) != 0 ||
	    strlen(parts[1]) != 8) {
		snprintf(why, 256, "The credential scope is malformed.");
		return -EACCES;
	}
	if (strcmp(parts[2], region) != 0) {
		snprintf(why, 256,
			 "The credential scope names another region than this endpoint's.");
		return -EACCES;
	}
	/* host must be signed so a signature cannot be replayed to another endpoint */
	char sh[sizeof(signed_headers) + 2];
	snprintf(sh, sizeof(sh), ";%s;", signed_headers);
	if (!strstr(sh, ";host;")) {
		snprintf(why, 256, "The Host header must be signed.");
		return -EACCES;
	}
	const struct api_credential *c = NULL;
	for (size_t i = 0; i < n_creds; i++)
		if (strcmp(creds[i].access_key_id, parts[0]) == 0)
			c = &creds[i];
	if (!c) {
		snprintf(why, 256, "AWS was not able to validate the provided access credentials");
		return -EACCES;
	}
	char want[65];
	if (signature(r, c->secret_access_key, parts[1], region, parts[3], amz_date, signed_headers,
		      want)) {
		snprintf(why, 256, "A signed header is missing from the request.");
		return -EACCES;
	}
	if (strlen(sig) != 64 || CRYPTO_memcmp(want, sig, 64) != 0) {
		snprintf(why, 256,
			 "The request signature we calculated does not match the signature "
			 "you provided.");
		return -EACCES;
	}
	if (service)
		snprintf(service, 8, "%s", parts[3]);
	return 0;
}

int api_sigv4_sign(const struct api_sigv4_req *r, const char *access_key, const char *secret,
		   const char *region, const char *amz_date, const char *signed_headers, char *out,
		   size_t out_size)
{
	char date8[9];
	if (strlen(amz_date) != 16)
		return -EINVAL;
	memcpy(date8, amz_date, 8);
	date8[8] = '\0';
	char sig[65];
	int rc = signature(r, secret, date8, region, "ec2", amz_date, signed_headers, sig);
	if (rc)
		return rc;
	int n = snprintf(out, out_size,
			 "AWS4-HMAC-SHA256 Credential=%s/%s/%s/ec2/aws4_request, SignedHeaders=%s, "
			 "Signature=%s",
			 access_key, date8, region, signed_headers, sig);
	return n < 0 || (size_t)n >= out_size ? -EINVAL : 0;
}
