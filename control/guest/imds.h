/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * imds.h - the instance metadata service's HTTP server (D15), libmicrohttpd
 * on port 80 in the metadata namespace (imds_link.h), answering from the
 * model (imds_tree.h).
 *
 * The asker: the client address of a connection is an identity address,
 * which imds_link_peer turns into {port, VLAN, MAC}; the ENI with that MAC,
 * attached to an instance placed on that port with that VLAN, names the
 * instance answered about. Nobody else gets an answer (404, counted).
 *
 * IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
 * (1-21600) gives a token bound to the instance; its answer leaves with the
 * instance's hop limit as IP TTL (1 by default), so that it dies one router
 * past the guest. A GET with X-aws-ec2-metadata-token needs a live token of
 * the same instance (401 otherwise); a GET without one is IMDSv1, refused
 * (401) where the instance's metadata options say HttpTokens=required. A
 * PUT with X-Forwarded-For is refused (403), as EC2 does.
 */
#ifndef ENIMAP_IMDS_H
#define ENIMAP_IMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct model;
struct imds_link;

#define IMDS_TOKENS 1024	 /* live tokens at once; the one nearest its end makes room */
#define IMDS_TOKEN_TTL_MAX 21600 /* seconds */

struct imds_params {
	const struct model *m;
	void (*lock)(void *arg), (*unlock)(void *arg); /* the model lock */
	void *arg;
	struct imds_link *link;
	uint16_t port; /* 80; another only in tests */
	bool ipv6;     /* listen on IPv6 too (dual stack): imds0 has fd00:ec2::254 */
	/* called (on the server's thread) for each answer to a known ENI's slot */
	void (*answered)(void *arg, uint32_t eni_slot);
};

struct imds_stats {
	uint64_t requests;
	uint64_t ok;	       /* 200 with metadata */
	uint64_t tokens;       /* tokens issued */
	uint64_t not_found;    /* 404 for a path that names nothing */
	uint64_t unauthorized; /* 401: no, a dead or another instance's token */
	uint64_t refused;      /* 400, 403, 405: a bad token request or method */
	uint64_t unknown;      /* from no known ENI (404) */
};

struct imds;

/* Start the server in the calling thread's network namespace. NULL and a reason in err. */
struct imds *imds_start(const struct imds_params *p, char *err, size_t cap);
void imds_stop(struct imds *s);
void imds_get_stats(const struct imds *s, struct imds_stats *out);

#endif
