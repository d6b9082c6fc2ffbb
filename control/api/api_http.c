/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_http.c - the HTTP glue: libmicrohttpd with its own epoll threads,
 * bounded connections (in all and per client address), per-connection memory,
 * per-phase deadlines and body size. It collects one request (method, path,
 * headers, raw body) and hands it to api_handle(); nothing else.
 *
 * No client can stall another (SPEC.md section 6): libmicrohttpd bounds the
 * connections and closes idle ones, but its timeout restarts at every byte, so
 * a client trickling a header byte a second would hold its connection for
 * ever. A deadline per phase closes those: a whole request must arrive within
 * request_timeout (from the accept, or from the end of the previous answer),
 * and its answer must be taken within answer_timeout. A watchdog thread
 * enforces them by shutting the socket down, which libmicrohttpd then sees as
 * a closed connection and cleans up in its own thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "api_impl.h"

#define API_CONNECTION_MEMORY (64 * 1024) /* libmicrohttpd's pool per connection */
#define API_FD_RESERVE 256		  /* descriptors kept for the rest of the engine */
#define WATCHDOG_PERIOD_MS 100

/* One open connection (libmicrohttpd's socket context) and its deadline. */
struct tracked {
	struct tracked *prev, *next;
	MHD_socket fd;
	uint64_t deadline_ms; /* CLOCK_MONOTONIC */
	bool shut;	      /* the watchdog has shut it down */
};

struct api_http {
	pthread_mutex_t mu; /* the list and every deadline in it */
	pthread_cond_t wake;
	struct tracked *head;
	bool stopping;
	pthread_t watchdog;
	bool watchdog_started;
	unsigned request_timeout_ms, answer_timeout_ms;
};

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

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned or_default(unsigned v, unsigned def)
{
	return v ? v : def;
}

/* The connection's next deadline: timeout_ms from now. */
static void set_deadline(struct api_http *h, struct MHD_Connection *con, unsigned timeout_ms)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct tracked *t = ci ? ci->socket_context : NULL;
	if (!t)
		return;
	pthread_mutex_lock(&h->mu);
	t->deadline_ms = now_ms() + timeout_ms;
	pthread_mutex_unlock(&h->mu);
}

/* Accepted: the first request is due within request_timeout. Closed: forget it. */
static void on_connection(void *cls, struct MHD_Connection *con, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct api_http *h = cls;
	struct tracked *t = *socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
		    MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
		t = calloc(1, sizeof(*t));
		if (!t || !ci) {
			free(t); /* untracked: only libmicrohttpd's idle timeout applies */
			return;
		}
		t->fd = ci->connect_fd;
		t->deadline_ms = now_ms() + h->request_timeout_ms;
		pthread_mutex_lock(&h->mu);
		t->next = h->head;
		if (h->head)
			h->head->prev = t;
		h->head = t;
		pthread_mutex_unlock(&h->mu);
		*socket_context = t;
		return;
	}
	if (!t)
		return;
	/* libmicrohttpd closes the socket only after this: the watchdog, which holds
	 * the mutex while it shuts sockets down, never touches a reused descriptor */
	pthread_mutex_lock(&h->mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		h->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&h->mu);
	free(t);
	*socket_context = NULL;
}

/* Shut down every connection past its deadline (h->mu held). */
static void shut_overdue(struct api_http *h)
{
	uint64_t now = now_ms();
	for (struct tracked *t = h->head; t; t = t->next) {
		if (!t->shut && now >= t->deadline_ms) {
			shutdown(t->fd, SHUT_RDWR);
			t->shut = true;
		}
	}
}

static void *watchdog_main(void *arg)
{
	struct api_http *h = arg;
	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		shut_overdue(h);
		struct timespec until;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += WATCHDOG_PERIOD_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&h->wake, &h->mu, &until);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static struct api_http *http_new(const struct api_settings *cfg)
{
	struct api_http *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	pthread_mutex_init(&h->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->wake, &ca);
	pthread_condattr_destroy(&ca);
	h->request_timeout_ms =
	    1000 * or_default(cfg->request_timeout, API_DEFAULT_REQUEST_TIMEOUT);
	h->answer_timeout_ms = 1000 * or_default(cfg->answer_timeout, API_DEFAULT_ANSWER_TIMEOUT);
	return h;
}

static void http_stop_watchdog(struct api_http *h)
{
	if (!h->watchdog_started)
		return;
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->watchdog, NULL);
	h->watchdog_started = false;
}

/* After MHD_stop_daemon (which has reported every connection closed). */
static void http_free(struct api_http *h)
{
	if (!h)
		return;
	http_stop_watchdog(h);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->mu);
	free(h);
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
	/* the whole request is in: from now on its answer is what is due */
	set_deadline(a->http, con, a->http->answer_timeout_ms);
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
	(void)toe;
	struct api *a = cls;
	/* answered (or given up): the next request on this connection is due */
	set_deadline(a->http, con, a->http->request_timeout_ms);
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

/*
 * The connection limit the process can honour: libmicrohttpd needs one
 * descriptor per connection, so raise the soft RLIMIT_NOFILE of the engine's
 * process towards its hard limit, keeping a reserve for everything else.
 */
static unsigned connections_within_fd_limit(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	rlim_t need = (rlim_t)want + API_FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit raised = rl;
		raised.rlim_cur =
		    (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need) ? need : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl = raised;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		unsigned fit = rl.rlim_cur > 2 * API_FD_RESERVE
				   ? (unsigned)(rl.rlim_cur - API_FD_RESERVE)
				   : (unsigned)(rl.rlim_cur / 2);
		fprintf(stderr, "api: RLIMIT_NOFILE %llu: serving at most %u connections, not %u\n",
			(unsigned long long)rl.rlim_cur, fit, want);
		return fit;
	}
	return want;
}

/* epoll where libmicrohttpd has it (no FD_SETSIZE bound on descriptors), else its best. */
static unsigned daemon_flags(int family)
{
	unsigned flags = MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES
			     ? MHD_USE_EPOLL_INTERNAL_THREAD
			     : MHD_USE_AUTO_INTERNAL_THREAD;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return flags;
}

static struct MHD_Daemon *start_daemon(struct api *a, const struct sockaddr_storage *ss)
{
	const struct api_settings *cfg = &a->cfg;
	unsigned conns = connections_within_fd_limit(
	    or_default(cfg->max_connections, API_DEFAULT_MAX_CONNECTIONS));
	unsigned per_address =
	    or_default(cfg->per_address_connections, API_DEFAULT_PER_ADDRESS_CONNECTIONS);
	unsigned idle = or_default(cfg->idle_timeout, API_DEFAULT_IDLE_TIMEOUT);
	unsigned threads = or_default(cfg->threads, API_DEFAULT_THREADS);
	return MHD_start_daemon(
	    daemon_flags(ss->ss_family), 0, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR,
	    (const struct sockaddr *)ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, conns, MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT, idle, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)API_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_CONNECTION, on_connection, a->http,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, a, MHD_OPTION_END);
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
	a->http = http_new(&a->cfg);
	if (!a->http) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -ENOMEM;
	}
	errno = 0;
	a->d = start_daemon(a, &ss);
	if (!a->d) {
		int e = errno ? errno : EADDRINUSE;
		snprintf(err->message, sizeof(err->message), "cannot serve the API on %s: %s",
			 a->cfg.listen, strerror(e));
		http_free(a->http);
		a->http = NULL;
		return -e;
	}
	int rc = pthread_create(&a->http->watchdog, NULL, watchdog_main, a->http);
	if (rc) {
		api_stop(a);
		snprintf(err->message, sizeof(err->message), "cannot start the API's watchdog: %s",
			 strerror(rc));
		return -rc;
	}
	a->http->watchdog_started = true;
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
	if (a->http)
		http_stop_watchdog(a->http);
	if (a->d) {
		MHD_stop_daemon(a->d);
		a->d = NULL;
	}
	http_free(a->http); /* every connection is closed: nothing refers to it now */
	a->http = NULL;
}
