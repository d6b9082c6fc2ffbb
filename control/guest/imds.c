/* SPDX-License-Identifier: BSD-3-Clause */
/* imds.c - the metadata service's HTTP server (see imds.h). */
#include "imds.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "imds_link.h"
#include "imds_tree.h"
#include "model.h"

#define TOKEN_LEN 56 /* as long as EC2's */
#define TOKEN_TTL_HEADER "X-aws-ec2-metadata-token-ttl-seconds"
#define TOKEN_HEADER "X-aws-ec2-metadata-token"

struct token {
	char text[TOKEN_LEN + 1];
	char instance[MODEL_ID_MAX];
	int64_t expires; /* CLOCK_MONOTONIC milliseconds; 0 = free */
};

struct imds {
	struct imds_params p;
	struct MHD_Daemon *d;
	struct imds_stats st;
	struct token tok[IMDS_TOKENS]; /* only the server's one thread uses them */
};

static void inc(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

/* Milliseconds: whole seconds would let a 1-second token live anywhere from 0 to 1 s. */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1; /* never 0 (free) */
}

/* What the asker is, found under the model lock. */
struct asker {
	char instance[MODEL_ID_MAX];
	uint32_t slot;
	bool tokens_required;
	unsigned hop_limit;
};

/* The instance behind the connection (imds.h): 0, or -1 for none. */
static int find_asker(struct imds *s, struct MHD_Connection *c, struct asker *a)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct model_instance_view iv;
	struct model_eni_view ev;
	struct imds_peer peer;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	uint32_t v4;
	int rc = -1;

	if (ci == NULL || ci->client_addr == NULL)
		return -1;
	if (ci->client_addr->sa_family == AF_INET) {
		memcpy(&sin, ci->client_addr, sizeof(sin));
		rc = imds_link_peer(s->p.link, sin.sin_addr.s_addr, &peer);
	} else if (ci->client_addr->sa_family == AF_INET6) {
		/* the dual-stack socket shows an IPv4 client as ::ffff:a.b.c.d */
		memcpy(&sin6, ci->client_addr, sizeof(sin6));
		memcpy(&v4, sin6.sin6_addr.s6_addr + 12, 4);
		rc = IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)
			 ? imds_link_peer(s->p.link, v4, &peer)
			 : imds_link_peer6(s->p.link, sin6.sin6_addr.s6_addr, &peer);
	}
	if (rc != 0)
		return -1;
	rc = -1;
	s->p.lock(s->p.arg);
	if (model_find_eni_by_mac(s->p.m, peer.mac, &ev) == 0 && ev.instance_id != NULL &&
	    ev.vlan == peer.vlan && model_get_instance(s->p.m, ev.instance_id, &iv) == 0 &&
	    iv.host_port == peer.port && iv.metadata_endpoint_enabled &&
	    (!peer.v6 || iv.metadata_ipv6_enabled)) {
		snprintf(a->instance, sizeof(a->instance), "%s", iv.id);
		a->slot = ev.slot;
		a->tokens_required = iv.metadata_tokens_required;
		a->hop_limit = iv.metadata_hop_limit;
		rc = 0;
	}
	s->p.unlock(s->p.arg);
	return rc;
}

static enum MHD_Result send_body(struct MHD_Connection *c, int status, struct imds_body *b,
				 const char *header, const char *value)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(b->len, b->text, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (r == NULL) {
		free(b->text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", b->content_type);
	MHD_add_response_header(r, "Server", "EC2ws");
	if (header != NULL)
		MHD_add_response_header(r, header, value);
	ret = MHD_queue_response(c, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status)
{
	struct imds_body b;

	if (imds_tree_error_page(status, &b) != 0)
		return MHD_NO;
	return send_body(c, status, &b, NULL, NULL);
}

/* A fresh token's text: random, in the base64url alphabet. 0 or -1. */
static int new_token_text(char out[TOKEN_LEN + 1])
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	uint8_t r[TOKEN_LEN];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -1;
	for (size_t i = 0; i < TOKEN_LEN; i++)
		out[i] = abc[r[i] & 63];
	out[TOKEN_LEN] = '\0';
	return 0;
}

/* Room for a token: a free or dead one, else the one nearest its end. */
static struct token *token_slot(struct imds *s, int64_t now)
{
	struct token *best = &s->tok[0];

	for (size_t i = 0; i < IMDS_TOKENS; i++) {
		struct token *t = &s->tok[i];

		if (t->expires <= now)
			return t;
		if (t->expires < best->expires)
			best = t;
	}
	return best;
}

static bool token_valid(struct imds *s, const char *text, const char *instance, int64_t now)
{
	for (size_t i = 0; i < IMDS_TOKENS; i++) {
		const struct token *t = &s->tok[i];

		if (t->expires > now && strcmp(t->text, text) == 0)
			return strcmp(t->instance, instance) == 0;
	}
	return false;
}

/* PUT /latest/api/token. */
static enum MHD_Result issue_token(struct imds *s, struct MHD_Connection *c, const struct asker *a)
{
	const char *ttl_s = MHD_lookup_connection_value(c, MHD_HEADER_KIND, TOKEN_TTL_HEADER);
	const union MHD_ConnectionInfo *ci;
	int64_t now = now_ms();
	struct imds_body b;
	struct token *t;
	char *end;
	long ttl;

	if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For") != NULL) {
		inc(&s->st.refused); /* a proxy's request: EC2 refuses those */
		return send_error(c, 403);
	}
	ttl = ttl_s ? strtol(ttl_s, &end, 10) : 0;
	if (ttl_s == NULL || *ttl_s == '\0' || *end != '\0' || ttl < 1 ||
	    ttl > IMDS_TOKEN_TTL_MAX) {
		inc(&s->st.refused);
		return send_error(c, 400);
	}
	t = token_slot(s, now);
	if (new_token_text(t->text) != 0)
		return send_error(c, 500);
	snprintf(t->instance, sizeof(t->instance), "%s", a->instance);
	t->expires = now + ttl * 1000;
	/* the answer carrying the token goes no further than the hop limit */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci != NULL) {
		int hops = (int)(a->hop_limit ? a->hop_limit : 1);

		/* an IPv4 client of the dual-stack socket is held to IP_TTL, an IPv6 one
		 * to IPV6_UNICAST_HOPS: both set, each applies to its own */
		setsockopt(ci->connect_fd, IPPROTO_IP, IP_TTL, &hops, sizeof(hops));
		setsockopt(ci->connect_fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops));
	}
	b.text = strdup(t->text);
	if (b.text == NULL)
		return MHD_NO;
	b.len = TOKEN_LEN;
	b.content_type = "text/plain";
	inc(&s->st.tokens);
	return send_body(c, 200, &b, TOKEN_TTL_HEADER, ttl_s);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	static int started;
	struct imds *s = cls;
	struct asker a;
	struct imds_body b;
	const char *token;
	int status;

	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {
		*con_cls = &started; /* headers only: the body (if any) follows */
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a token request's body means nothing */
		return MHD_YES;
	}
	inc(&s->st.requests);
	if (find_asker(s, c, &a) != 0) {
		inc(&s->st.unknown);
		return send_error(c, 404);
	}
	if (strcmp(method, "PUT") == 0) {
		if (strcmp(url, "/latest/api/token") != 0) {
			inc(&s->st.refused);
			return send_error(c, 405);
		}
		return issue_token(s, c, &a);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		inc(&s->st.refused);
		return send_error(c, 405);
	}
	token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, TOKEN_HEADER);
	if ((token == NULL && a.tokens_required) ||
	    (token != NULL && !token_valid(s, token, a.instance, now_ms()))) {
		inc(&s->st.unauthorized);
		return send_error(c, 401);
	}
	s->p.lock(s->p.arg);
	status = imds_tree_answer(s->p.m, a.instance, MODEL_ACCOUNT_ID, url, &b);
	s->p.unlock(s->p.arg);
	if (status < 0)
		return MHD_NO;
	inc(status == 200 ? &s->st.ok : &s->st.not_found);
	if (status == 200 && s->p.answered != NULL)
		s->p.answered(s->p.arg, a.slot);
	return send_body(c, status, &b, NULL, NULL);
}

struct imds *imds_start(const struct imds_params *p, char *err, size_t cap)
{
	struct imds *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, cap, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->p = *p;
	/* one internal thread: the tokens need no lock; answers take microseconds. One
	 * dual-stack socket serves both addresses; where the namespace has no IPv6, IPv4 alone */
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				    (p->ipv6 ? MHD_USE_DUAL_STACK : 0),
				p->port ? p->port : 80, NULL, NULL, on_request, s,
				MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT,
				512u, MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, cap, "the metadata server on port %u: %s", p->port ? p->port : 80u,
			 strerror(errno));
		free(s);
		return NULL;
	}
	return s;
}

void imds_stop(struct imds *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}

void imds_get_stats(const struct imds *s, struct imds_stats *out)
{
	const uint64_t *src = (const uint64_t *)&s->st;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
