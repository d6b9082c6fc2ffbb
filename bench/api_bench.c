/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_bench.c - the EC2 API's acknowledged operations per second (SPEC.md
 * section 5: journal on, 64 concurrent clients, >= 10,000 ops/s, p99 <= 10 ms).
 *
 * usage: enimap-bench-api PORT CLIENTS SECONDS ENI_PREFIX LABEL
 *
 * CLIENTS threads, each with one keep-alive HTTP/1.1 connection to
 * 127.0.0.1:PORT, each signing its requests (SigV4, the API's own signer) and
 * sending the next only once the previous one is answered, as an SDK client
 * does. Client i alternates AssignPrivateIpAddresses and
 * UnassignPrivateIpAddresses of one address on its own ENI (ENI_PREFIX + i, in
 * a subnet with room for 10.0.200.0/21's addresses), so every operation is a
 * change: journaled, applied, published to the workers, then answered. Any
 * answer but 200 counts as an error (the first is printed). Prints the rate
 * and the latency percentiles of the answered operations, and JSON lines
 * {"figure", "value", "unit", "baseline"} (bench/run.sh's form).
 *
 * A plain socket client, not libcurl: one request in flight per connection
 * and a Content-Length answer are all it needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api_sigv4.h"

#define ACCESS_KEY "AKIDBENCHAPI"
#define SECRET_KEY "bench/Secret+Key"
#define MAX_CLIENTS 256
#define MAX_SAMPLES (1u << 22)

static unsigned g_port;
static const char *g_prefix;
static uint64_t g_deadline_ns;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *g_lat; /* every answered operation's latency, ns */
static size_t g_n_lat;
static uint64_t g_errors;
static char g_first_error[512];

struct client {
	unsigned id;
	int fd;
	char buf[65536];
	size_t have;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int connect_api(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One answer: its status, its body into body[] (cut to body_size - 1). 0 or -1. */
static int read_answer(struct client *c, int *status, char *body, size_t body_size)
{
	for (;;) {
		c->buf[c->have] = '\0';
		char *end = strstr(c->buf, "\r\n\r\n");
		if (end) {
			const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
			if (!cl || cl > end || sscanf(c->buf, "HTTP/1.1 %d", status) != 1)
				return -1;
			size_t len = strtoul(cl + 17, NULL, 10);
			size_t head = (size_t)(end + 4 - c->buf);
			if (head + len >= sizeof(c->buf))
				return -1;
			if (c->have >= head + len) {
				size_t n = len < body_size - 1 ? len : body_size - 1;
				memcpy(body, c->buf + head, n);
				body[n] = '\0';
				memmove(c->buf, c->buf + head + len, c->have - head - len);
				c->have -= head + len;
				return 0;
			}
		}
		if (c->have + 1 >= sizeof(c->buf))
			return -1;
		ssize_t r = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c->have += (size_t)r;
	}
}

/* One signed POST of body; its status and the start of its answer. 0 or -1. */
static int call(struct client *c, const char *body, int *status, char *answer, size_t size)
{
	char date[20], host[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
	snprintf(host, sizeof(host), "127.0.0.1:%u", g_port);
	struct api_header h[3] = {{"Host", host},
				  {"Content-Type", "application/x-www-form-urlencoded"},
				  {"X-Amz-Date", date}};
	struct api_sigv4_req s = {.method = "POST",
				  .path = "/",
				  .query = "",
				  .headers = h,
				  .n_headers = 3,
				  .body = body,
				  .body_len = strlen(body),
				  .now = now};
	char auth[512];
	if (api_sigv4_sign(&s, ACCESS_KEY, SECRET_KEY, "us-east-1", date,
			   "content-type;host;x-amz-date", auth, sizeof(auth)))
		return -1;
	char req[2048];
	int n = snprintf(req, sizeof(req),
			 "POST / HTTP/1.1\r\nHost: %s\r\n"
			 "Content-Type: application/x-www-form-urlencoded\r\n"
			 "X-Amz-Date: %s\r\nAuthorization: %s\r\nContent-Length: %zu\r\n\r\n%s",
			 host, date, auth, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -1;
	if (send_all(c->fd, req, (size_t)n))
		return -1;
	return read_answer(c, status, answer, size);
}

static void record(uint64_t lat_ns, int status, const char *answer)
{
	pthread_mutex_lock(&g_mu);
	if (status == 200) {
		if (g_n_lat < MAX_SAMPLES)
			g_lat[g_n_lat++] = lat_ns;
	} else if (g_errors++ == 0) {
		snprintf(g_first_error, sizeof(g_first_error), "%d %.480s", status, answer);
	}
	pthread_mutex_unlock(&g_mu);
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	c->fd = connect_api();
	if (c->fd < 0) {
		record(0, -1, "cannot connect");
		return NULL;
	}
	/* 10.0.200.0/21: room for 2048 clients' addresses */
	char addr[32];
	snprintf(addr, sizeof(addr), "10.0.%u.%u", 200 + c->id / 250, 1 + c->id % 250);
	for (uint64_t k = 0; mono_ns() < g_deadline_ns; k++) {
		char body[256], answer[512];
		snprintf(
		    body, sizeof(body),
		    "Action=%s&Version=2016-11-15&NetworkInterfaceId=%s%u&PrivateIpAddress.1=%s",
		    k % 2 ? "UnassignPrivateIpAddresses" : "AssignPrivateIpAddresses", g_prefix,
		    c->id, addr);
		int status = 0;
		uint64_t t0 = mono_ns();
		if (call(c, body, &status, answer, sizeof(answer))) {
			record(0, -1, "connection lost");
			break;
		}
		record(mono_ns() - t0, status, answer);
	}
	close(c->fd);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double pct_ms(double p)
{
	if (!g_n_lat)
		return 0;
	size_t i = (size_t)(p * (double)(g_n_lat - 1));
	return (double)g_lat[i] / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: %s PORT CLIENTS SECONDS ENI_PREFIX LABEL\n", argv[0]);
		return 2;
	}
	g_port = (unsigned)atoi(argv[1]);
	unsigned clients = (unsigned)atoi(argv[2]);
	double seconds = atof(argv[3]);
	g_prefix = argv[4];
	const char *label = argv[5];
	if (!g_port || !clients || clients > MAX_CLIENTS || seconds <= 0) {
		fprintf(stderr, "bad arguments (at most %d clients)\n", MAX_CLIENTS);
		return 2;
	}
	g_lat = malloc(MAX_SAMPLES * sizeof(*g_lat));
	static struct client c[MAX_CLIENTS];
	pthread_t t[MAX_CLIENTS];
	uint64_t start = mono_ns();
	g_deadline_ns = start + (uint64_t)(seconds * 1e9);
	for (unsigned i = 0; i < clients; i++) {
		c[i].id = i;
		if (pthread_create(&t[i], NULL, client_main, &c[i])) {
			fprintf(stderr, "cannot start client %u\n", i);
			return 1;
		}
	}
	for (unsigned i = 0; i < clients; i++)
		pthread_join(t[i], NULL);
	double elapsed = (double)(mono_ns() - start) / 1e9;
	qsort(g_lat, g_n_lat, sizeof(*g_lat), cmp_u64);
	double rate = (double)g_n_lat / elapsed;
	printf("api %s: %u clients, %.1f s: %zu operations acknowledged (%.0f/s), %lu errors; "
	       "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
	       label, clients, elapsed, g_n_lat, rate, (unsigned long)g_errors, pct_ms(0.5),
	       pct_ms(0.99), pct_ms(1.0));
	if (g_errors)
		printf("first error: %.400s\n", g_first_error);
	printf("{\"figure\": \"api.%s.ops_per_s\", \"value\": %.0f, \"unit\": \"ops/s\", "
	       "\"baseline\": 10000}\n",
	       label, rate);
	printf("{\"figure\": \"api.%s.p99_ms\", \"value\": %.2f, \"unit\": \"ms\", "
	       "\"baseline\": 10}\n",
	       label, pct_ms(0.99));
	free(g_lat);
	return g_errors ? 1 : 0;
}
