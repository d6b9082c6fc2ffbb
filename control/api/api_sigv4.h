/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_sigv4.h - AWS Signature Version 4 verification (header form:
 * "Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=..." with an X-Amz-Date header), HMAC-SHA256 from libcrypto.
 */
#ifndef ENIMAP_API_SIGV4_H
#define ENIMAP_API_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "api_settings.h"

#define API_SIGV4_MAX_SKEW 300 /* seconds between X-Amz-Date and now (AWS allows 5 min) */

struct api_header {
	const char *name; /* any case */
	const char *value;
};

struct api_sigv4_req {
	const char *method; /* "POST" */
	const char *path;   /* "/" */
	const char *query;  /* raw query string, "" when none */
	const struct api_header *headers;
	size_t n_headers;
	const char *body;
	size_t body_len;
	time_t now;
};

/*
 * 0 when the request carries a valid signature by one of the credentials, for
 * the region and the service "ec2" or "sts" (into service, may be NULL),
 * dated within API_SIGV4_MAX_SKEW of now; otherwise -EACCES with why[] saying
 * what was wrong (no secret in it). STS is there for one call: clients such
 * as Ansible's ec2_security_group ask GetCallerIdentity for the account id
 * at the same endpoint (api.c answers it; every other STS action is refused).
 */
int api_sigv4_verify(const struct api_sigv4_req *r, const struct api_credential *creds,
		     size_t n_creds, const char *region, char service[8], char why[256]);

/*
 * Sign: the Authorization header value for a request (tests and tools).
 * amz_date is "YYYYMMDDTHHMMSSZ"; signed_headers ';'-separated, lowercase,
 * sorted, each present in r->headers. 0 or -EINVAL / -ENOMEM.
 */
int api_sigv4_sign(const struct api_sigv4_req *r, const char *access_key, const char *secret,
		   const char *region, const char *amz_date, const char *signed_headers, char *out,
		   size_t out_size);

#endif
