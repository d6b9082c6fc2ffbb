/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_http.c - the HTTP glue: libmicrohttpd with its own polling thread,
 * bounded connections, per-connection memory, idle timeout and body size.
 * It collects one request (method, path, headers, raw body) and hands it to
 * api_handle(); nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_impl.h"

struct conn {
	char *body;
	size_t len, cap;
	bool too_big;
};

/*
 * Every header of the request, however many: a fixed table would lose the
 * ones after it (an Authorization header among them, answered AuthFailure as
 * if unsigned). Their number is bounded by the connection's memory limit.
 */
struct hdrs {
	struct api_header *h;
	size_t n, cap;
};

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	(void)kind;
	struct hdrs *h = cls;
	if (h->n < h->cap && key) {
		h->h[h->n].name = key;
		h->h[h->n].value = value ? value : "";
		h->n++;
	}
	return MHD_YES;
}

static enum MHD_Result reply(struct MHD_Connection *con, int status, const char *body, size_t len)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/xml;charset=UTF-8");
	enum MHD_Result ret = MHD_queue_response(con, (unsigned)status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_error(struct api *a, struct MHD_Connection *con, int status,
				   const char *code, const char *msg)
{
	(void)a;
	char body[512];
	int n = snprintf(body, sizeof(body),
			 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
			 "<Code>%s</Code><Message>%s</Message></Error></Errors>"
			 "<RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>\n",
			 code, msg);
	return reply(con, status, body, (size_t)n);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)version;
	struct api *a = cls;
	struct conn *c = *con_cls;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return MHD_NO;
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;
		*upload_data_size = 0;
		if (c->too_big || c->len + n > API_MAX_BODY) {
			c->too_big = true; /* keep reading (and dropping) so we can answer */
			return MHD_YES;
		}
		if (c->len + n + 1 > c->cap) {
			size_t cap = c->cap ? c->cap : 4096;
			while (cap < c->len + n + 1)
				cap *= 2;
			char *b = realloc(c->body, cap);
			if (!b)
				return MHD_NO;
			c->body = b;
			c->cap = cap;
		}
		memcpy(c->body + c->len, upload_data, n);
		c->len += n;
		c->body[c->len] = '\0';
		return MHD_YES;
	}
	if (c->too_big)
		return reply_error(a, con, 413, "RequestEntityTooLarge",
				   "The request body is larger than the limit.");
	if (strcmp(method, "POST") != 0)
		return reply_error(a, con, 400, "InvalidAction",
				   "Send the request as POST with a form-encoded body.");
	if (strcmp(url, "/") != 0)
		return reply_error(a, con, 400, "InvalidAction", "The request path must be /.");
	/* query parameters in the URL are not part of the canonical request we verify */
	if (MHD_get_connection_values(con, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
		return reply_error(a, con, 400, "InvalidAction",
				   "Parameters go in the body, not in the URL.");
	int nh = MHD_get_connection_values(con, MHD_HEADER_KIND, NULL, NULL);
	struct hdrs h = {.cap = nh > 0 ? (size_t)nh : 0};
	h.h = calloc(h.cap ? h.cap : 1, sizeof(*h.h));
	if (!h.h)
		return reply_error(a, con, 500, "InternalError", "Out of memory.");
	MHD_get_connection_values(con, MHD_HEADER_KIND, collect_header, &h);
	struct api_request req = {.method = method,
				  .path = url,
				  .query = "",
				  .headers = h.h,
				  .n_headers = h.n,
				  .body = c->body ? c->body : "",
				  .body_len = c->len};
	struct api_response resp;
	api_handle(a, &req, &resp);
	free(h.h);
	enum MHD_Result ret;
	if (resp.body)
		ret = reply(con, resp.status, resp.body, resp.len);
	else
		ret = reply_error(a, con, 500, "InternalError", "Out of memory.");
	api_response_free(&resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)con;
	(void)toe;
	struct conn *c = *con_cls;
	if (c) {
		free(c->body);
		free(c);
		*con_cls = NULL;
	}
}

/* "ip:port" or "[ip6]:port". */
static int parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		size_t n = strlen(host);
		if (n < 3 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = '\0';
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*in6);
		return 0;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
		return -EINVAL;
	*len = sizeof(*in);
	return 0;
}

int api_start(struct api *a, struct api_err *err)
{
	if (a->d)
		return 0;
	if (!a->replayed) {
		int rc = api_replay(a, err);
		if (rc)
			return rc;
	}
	struct sockaddr_storage ss;
	socklen_t sl;
	if (parse_listen(a->cfg.listen, &ss, &sl)) {
		snprintf(err->message, sizeof(err->message),
			 "api.listen '%s' is not ip:port or [ip6]:port", a->cfg.listen);
		return -EINVAL;
	}
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)API_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)API_CONNECTION_TIMEOUT,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, a, MHD_OPTION_END);
	if (!a->d) {
		int e = errno ? errno : EADDRINUSE;
		snprintf(err->message, sizeof(err->message), "cannot serve the API on %s: %s",
			 a->cfg.listen, strerror(e));
		return -e;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT);
	a->port = info ? info->port : 0;
	return 0;
}

unsigned api_port(const struct api *a)
{
	return a->port;
}

void api_stop(struct api *a)
{
	if (a->d) {
		MHD_stop_daemon(a->d);
		a->d = NULL;
	}
}
