/* SPDX-License-Identifier: BSD-3-Clause */
/* metrics.c - the Prometheus endpoint: what a scrape shows, and its HTTP server (metrics.h). */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "guestsvc.h"

#define METRICS_MAX_CONNECTIONS 16
#define METRICS_CONNECTION_TIMEOUT 10 /* seconds idle before a connection is closed */

/* ---- what a scrape shows ---- */

static void render_ports(const struct metrics_source *src, struct mt *t)
{
	unsigned n = engine_n_ports(src->e);
	struct engine_port_stats ps[ENGINE_MAX_PORTS];
	struct engine_port_dev_stats ds[ENGINE_MAX_PORTS];
	static const struct {
		const char *name, *unit, *help;
	} fam[] = {
	    {"enimap_port_rx_packets", NULL, "Packets the workers received from the port."},
	    {"enimap_port_tx_packets", NULL, "Packets the workers queued for the port."},
	    {"enimap_port_rx_bytes", "bytes", "Bytes the device received (its own counter)."},
	    {"enimap_port_tx_bytes", "bytes", "Bytes the device sent (its own counter)."},
	    {"enimap_port_dropped_packets", NULL,
	     "Packets received on the port that the pipeline dropped, any reason."},
	    {"enimap_port_tx_dropped_packets", NULL,
	     "Packets for the port refused by its full tx ring."},
	    {"enimap_port_rx_missed_packets", NULL,
	     "Packets the device dropped because its rx ring was full."},
	};

	for (unsigned p = 0; p < n; p++) {
		engine_port_stats(src->e, p, &ps[p]);
		(void)engine_port_dev_stats(src->e, p, &ds[p]); /* zeros on failure */
	}
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		mt_family(t, fam[f].name, MT_COUNTER, fam[f].unit, fam[f].help);
		for (unsigned p = 0; p < n; p++) {
			const uint64_t v[] = {ps[p].rx_packets, ps[p].tx_packets, ds[p].rx_bytes,
					      ds[p].tx_bytes,	ps[p].dropped,	  ps[p].tx_dropped,
					      ds[p].rx_missed};
			struct mt_label l = {"port", src->port_names[p]};

			mt_u64(t, &l, 1, v[f]);
		}
	}
}

static void render_workers(const struct metrics_source *src, struct mt *t)
{
	unsigned n = engine_n_workers(src->e);
	double hz = (double)engine_tsc_hz();
	struct engine_worker_stats *ws = calloc(n ? n : 1, sizeof(*ws));
	char(*id)[16] = calloc(n ? n : 1, sizeof(*id));

	if (ws == NULL || id == NULL) {
		t->oom = true;
		goto out;
	}
	for (unsigned w = 0; w < n; w++) {
		engine_worker_stats(src->e, w, &ws[w]);
		snprintf(id[w], sizeof(id[w]), "%u", w);
	}
#define EACH_WORKER(expr)                                                                          \
	for (unsigned w = 0; w < n; w++) {                                                         \
		struct mt_label l = {"worker", id[w]};                                             \
		expr;                                                                              \
	}
	mt_family(t, "enimap_worker_packets", MT_COUNTER, NULL,
		  "Packets the worker received, all ports.");
	EACH_WORKER(mt_u64(t, &l, 1, ws[w].packets));
	mt_family(t, "enimap_worker_bursts", MT_COUNTER, NULL,
		  "Rx bursts of the worker that brought packets.");
	EACH_WORKER(mt_u64(t, &l, 1, ws[w].bursts));
	mt_family(t, "enimap_worker_busy_seconds", MT_COUNTER, "seconds",
		  "Time of the worker's loops that received packets (TSC).");
	EACH_WORKER(mt_f64(t, &l, 1, hz > 0 ? (double)ws[w].busy_cycles / hz : 0));
	mt_family(t, "enimap_worker_idle_seconds", MT_COUNTER, "seconds",
		  "Time of the worker's loops that received nothing, naps included (TSC).");
	EACH_WORKER(mt_f64(t, &l, 1, hz > 0 ? (double)ws[w].idle_cycles / hz : 0));
	mt_family(t, "enimap_worker_busy_cycles", MT_COUNTER, NULL,
		  "TSC cycles of the worker's loops that received packets.");
	EACH_WORKER(mt_u64(t, &l, 1, ws[w].busy_cycles));
	mt_family(t, "enimap_worker_cycles_per_packet", MT_GAUGE, NULL,
		  "Busy cycles per packet since start (the whole loop: rx, pipeline, tx); "
		  "0 before the first packet.");
	EACH_WORKER(mt_f64(t, &l, 1,
			   ws[w].packets ? (double)ws[w].busy_cycles / (double)ws[w].packets : 0));
#undef EACH_WORKER
	mt_family(t, "enimap_tsc_hertz", MT_GAUGE, "hertz",
		  "The TSC's rate: cycles per second of the worker counters.");
	mt_u64(t, NULL, 0, engine_tsc_hz());
out:
	free(ws);
	free(id);
}

static void render_drops(const struct metrics_source *src, struct mt *t)
{
	mt_family(t, "enimap_dropped_packets", MT_COUNTER, NULL,
		  "Packets the pipeline dropped, by reason (dataplane/counters.h).");
	for (size_t r = 0; r < engine_drop_reasons(); r++) {
		struct mt_label l = {"reason", engine_drop_name(r)};

		mt_u64(t, &l, 1, engine_drops(src->e, r));
	}
}

/* The ENIs of the model, their counters read once. */
struct eni_row {
	char id[MODEL_ID_MAX], instance[MODEL_ID_MAX];
	struct engine_eni_stats s;
	struct guestsvc_eni_stats g;
};
struct eni_rows {
	const struct engine *e;
	const struct guestsvc *guest;
	struct eni_row *r;
	size_t n, cap;
};

static int add_eni(const struct model_eni_view *v, void *arg)
{
	struct eni_rows *rows = arg;

	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? 2 * rows->cap : 64;
		struct eni_row *r = realloc(rows->r, cap * sizeof(*r));

		if (r == NULL)
			return -ENOMEM;
		rows->r = r;
		rows->cap = cap;
	}
	struct eni_row *row = &rows->r[rows->n++];
	snprintf(row->id, sizeof(row->id), "%s", v->id);
	snprintf(row->instance, sizeof(row->instance), "%s", v->instance_id ? v->instance_id : "");
	engine_eni_stats(rows->e, v->slot, &row->s);
	memset(&row->g, 0, sizeof(row->g));
	if (rows->guest != NULL)
		guestsvc_get_eni_stats(rows->guest, v->slot, &row->g);
	return 0;
}

static void render_enis(const struct metrics_source *src, struct mt *t)
{
	struct eni_rows rows = {.e = src->e, .guest = src->guest};
	static const struct {
		const char *name, *unit, *help;
	} fam[] = {
	    {"enimap_eni_delivered_packets", NULL, "Packets delivered to the ENI."},
	    {"enimap_eni_delivered_bytes", "bytes", "Bytes delivered to the ENI."},
	    {"enimap_eni_sent_packets", NULL,
	     "Packets sent by the ENI (known by port, VLAN and MAC), whatever their fate."},
	    {"enimap_eni_sent_bytes", "bytes", "Bytes sent by the ENI, whatever their fate."},
	    {"enimap_eni_dhcp_answers", NULL, "DHCP answers sent to the ENI (D14)."},
	    {"enimap_eni_metadata_answers", NULL,
	     "Instance metadata answers (200) to the ENI's instance through it (D15)."},
	};
	/* the guest families only when the guest services run */
	size_t n_fam = sizeof(fam) / sizeof(fam[0]) - (src->guest == NULL ? 2 : 0);

	if (model_foreach_eni(src->m, add_eni, &rows) != 0) {
		t->oom = true;
		free(rows.r);
		return;
	}
	for (size_t f = 0; f < n_fam; f++) {
		mt_family(t, fam[f].name, MT_COUNTER, fam[f].unit, fam[f].help);
		for (size_t i = 0; i < rows.n; i++) {
			const struct engine_eni_stats *s = &rows.r[i].s;
			const uint64_t v[] = {s->packets,
					      s->bytes,
					      s->sent_packets,
					      s->sent_bytes,
					      rows.r[i].g.dhcp_answers,
					      rows.r[i].g.imds_answers};
			/* a detached ENI has instance="" (no label, to Prometheus) */
			struct mt_label l[] = {{"eni", rows.r[i].id},
					       {"instance", rows.r[i].instance}};

			mt_u64(t, l, 2, v[f]);
		}
	}
	free(rows.r);
}

/* A group's drops: its members' (an ENI's drop counts for each of its groups, as ctl `sg`). */
struct sg_sum {
	const struct engine *e;
	uint64_t in, out;
};

static int add_member(const struct model_eni_view *v, void *arg)
{
	struct sg_sum *g = arg;
	struct engine_eni_stats es;

	engine_eni_stats(g->e, v->slot, &es);
	g->in += es.sg_in_drops;
	g->out += es.sg_out_drops;
	return 0;
}

struct sg_ctx {
	const struct metrics_source *src;
	struct mt *t;
};

static int render_group(const struct model_sg_view *v, void *arg)
{
	struct sg_ctx *c = arg;
	struct sg_sum g = {.e = c->src->e};

	(void)model_foreach_sg_member(c->src->m, v->id, add_member, &g);
	struct mt_label in[] = {{"group", v->id}, {"direction", "inbound"}};
	struct mt_label out[] = {{"group", v->id}, {"direction", "outbound"}};
	mt_u64(c->t, in, 2, g.in);
	mt_u64(c->t, out, 2, g.out);
	return 0;
}

static void render_sg(const struct metrics_source *src, struct mt *t)
{
	struct engine_sg_stats ss;
	struct sg_ctx c = {src, t};

	mt_family(t, "enimap_security_group_dropped_packets", MT_COUNTER, NULL,
		  "Packets refused by the group's rules (sg-inbound: to a member, sg-outbound: "
		  "from one), summed over its members.");
	(void)model_foreach_sg(src->m, render_group, &c);
	engine_sg_stats(src->e, &ss);
	if (!ss.enforced)
		return;
	mt_family(t, "enimap_sg_flows_created", MT_COUNTER, NULL,
		  "Flows the security groups' flow table tracked.");
	mt_u64(t, NULL, 0, ss.flows_inserted);
	mt_family(t, "enimap_sg_flows_expired", MT_COUNTER, NULL,
		  "Flows removed from the flow table by its sweep.");
	mt_u64(t, NULL, 0, ss.flows_expired);
}

static void render_tables(const struct metrics_source *src, struct mt *t)
{
	struct engine_table_stats ts[ENGINE_TABLES_MAX];
	size_t n = engine_table_stats(src->e, ts, ENGINE_TABLES_MAX);

	mt_family(t, "enimap_table_entries", MT_GAUGE, NULL,
		  "Entries in a dataplane table (the published generation).");
	for (size_t i = 0; i < n; i++) {
		struct mt_label l = {"table", ts[i].name};

		mt_u64(t, &l, 1, ts[i].entries);
	}
	mt_family(t, "enimap_table_capacity", MT_GAUGE, NULL,
		  "Entries a dataplane table can hold.");
	for (size_t i = 0; i < n; i++) {
		struct mt_label l = {"table", ts[i].name};

		mt_u64(t, &l, 1, ts[i].capacity);
	}
	mt_family(t, "enimap_table_generation", MT_GAUGE, NULL,
		  "Number of the table generation the workers read (+1 per publish).");
	mt_u64(t, NULL, 0, engine_generation(src->e));
	mt_family(t, "enimap_table_publish_seconds", MT_HISTOGRAM, "seconds",
		  "Time to apply a change to the tables and publish it, until every worker "
		  "sees it.");
	mt_latency(t, NULL, 0, engine_publish_latency(src->e));
}

static void render_api(const struct metrics_source *src, struct mt *t)
{
	const struct api_request_count *rc;
	const struct latency_hist *fs;
	size_t n;

	if (src->api == NULL)
		return;
	rc = api_request_counts(src->api, &n);
	mt_family(t, "enimap_api_requests", MT_COUNTER, NULL,
		  "EC2 API requests answered, by action (other: none valid, or refused before "
		  "it was read) and HTTP status.");
	for (size_t i = 0; i < n; i++) {
		char code[16];

		snprintf(code, sizeof(code), "%d", rc[i].status);
		struct mt_label l[] = {{"action", rc[i].action}, {"code", code}};
		mt_u64(t, l, 2, rc[i].n);
	}
	mt_family(t, "enimap_api_request_seconds", MT_HISTOGRAM, "seconds",
		  "Time to answer an EC2 API request (journal and publish included).");
	mt_latency(t, NULL, 0, api_request_latency(src->api));
	fs = api_fsync_latency(src->api);
	if (fs == NULL)
		return; /* no journal */
	mt_family(t, "enimap_journal_size_bytes", MT_GAUGE, "bytes", "Size of the API's journal.");
	mt_u64(t, NULL, 0, api_journal_size(src->api));
	mt_family(t, "enimap_journal_fsync_seconds", MT_HISTOGRAM, "seconds",
		  "Time of the fdatasync of each journal append.");
	mt_latency(t, NULL, 0, fs);
}

/* The guest services (D14-D16): DHCP messages by type, metadata requests by outcome. */
static void render_guest(const struct metrics_source *src, struct mt *t)
{
	struct guestsvc_stats g;

	if (src->guest == NULL)
		return;
	guestsvc_get_stats(src->guest, &g);
	const struct {
		const char *type;
		uint64_t v;
	} dhcp[] = {{"offer", g.offers},       {"ack", g.acks},
		    {"nak", g.naks},	       {"release", g.releases},
		    {"decline", g.declines},   {"advertise", g.dhcp6_advertises},
		    {"reply", g.dhcp6_replies}};
	mt_family(
	    t, "enimap_dhcp_messages", MT_COUNTER, NULL,
	    "DHCP messages: DHCPv4 answers sent (offer, ack, nak) and client messages answered by "
	    "none (release, decline); DHCPv6 answers sent (advertise, reply).");
	for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]); i++) {
		struct mt_label l[] = {{"type", dhcp[i].type}};
		mt_u64(t, l, 1, dhcp[i].v);
	}
	const struct {
		const char *outcome;
		uint64_t v;
	} md[] = {{"ok", g.imds_ok},
		  {"token", g.imds_tokens},
		  {"not_found", g.imds_not_found},
		  {"unauthorized", g.imds_unauthorized},
		  {"refused", g.imds_refused},
		  {"unknown_asker", g.imds_unknown}};
	mt_family(t, "enimap_metadata_responses", MT_COUNTER, NULL,
		  "Instance metadata service responses by outcome (D15).");
	for (size_t i = 0; i < sizeof(md) / sizeof(md[0]); i++) {
		struct mt_label l[] = {{"outcome", md[i].outcome}};
		mt_u64(t, l, 1, md[i].v);
	}
	mt_family(
	    t, "enimap_router_advertisements", MT_COUNTER, NULL,
	    "IPv6 router advertisements sent: answers to solicitations, and the periodic ones.");
	struct mt_label sol[] = {{"kind", "solicited"}}, unsol[] = {{"kind", "unsolicited"}};
	mt_u64(t, sol, 1, g.ra_solicited);
	mt_u64(t, unsol, 1, g.ra_unsolicited);
	mt_family(t, "enimap_metadata_dropped_segments", MT_COUNTER, NULL,
		  "Segments to or from the metadata service dropped: to [fd00:ec2::254] from an "
		  "instance whose HttpProtocolIpv6 is disabled, or while the service has no IPv6 "
		  "(ipv6_disabled); with no identity address free, or from the service to none "
		  "(no_identity).");
	struct mt_label v6off[] = {{"reason", "ipv6_disabled"}},
			noid[] = {{"reason", "no_identity"}};
	mt_u64(t, v6off, 1, g.imds_v6_disabled);
	mt_u64(t, noid, 1, g.imds_dropped);
	mt_family(t, "enimap_guest_unknown_packets", MT_COUNTER, NULL,
		  "Punted packets from no ENI known by port, VLAN and MAC, given nothing.");
	mt_u64(t, NULL, 0, g.unknown);
}

int metrics_render(const struct metrics_source *src, struct mt *t)
{
	render_ports(src, t);
	render_workers(src, t);
	render_drops(src, t);
	render_enis(src, t);
	render_sg(src, t);
	render_guest(src, t);
	render_tables(src, t);
	render_api(src, t);
	mt_finish(t);
	return t->oom ? -ENOMEM : 0;
}

/* ---- the HTTP server ---- */

struct metrics {
	struct metrics_source src;
	struct MHD_Daemon *d;
	unsigned port;
};

static enum MHD_Result answer(struct MHD_Connection *con, unsigned status, const char *type,
			      char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (r == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ret = MHD_queue_response(con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *con, unsigned status, const char *msg)
{
	return answer(con, status, "text/plain; charset=utf-8", (char *)msg, strlen(msg),
		      MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct metrics *s = cls;
	struct mt t;
	bool om;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	/* answered on the first call: a body, if any, is not read (the connection then closes) */
	*upload_data_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return answer_text(con, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return answer_text(con, MHD_HTTP_NOT_FOUND,
				   "not found: the metrics are at /metrics\n");
	om = mt_accepts_openmetrics(
	    MHD_lookup_connection_value(con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	mt_init(&t, om);
	/* the model lock: see metrics.h. Formatted under it, sent after it. */
	s->src.lock(s->src.arg);
	int rc = metrics_render(&s->src, &t);
	s->src.unlock(s->src.arg);
	if (rc != 0) {
		mt_free(&t);
		return answer_text(con, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	/* the response takes the buffer (free()d by libmicrohttpd) */
	return answer(con, MHD_HTTP_OK, mt_content_type(om), t.s, t.len, MHD_RESPMEM_MUST_FREE);
}

/* "ip:port" or "[ip6]:port", numeric (the loader checked it). */
static int parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[64], *end;
	const char *colon = strrchr(s, ':');
	size_t hl;
	long port;

	if (colon == NULL || colon == s || (hl = (size_t)(colon - s)) >= sizeof(host))
		return -EINVAL;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host + 1, &in6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -EINVAL;
}

struct metrics *metrics_start(const char *listen, const struct metrics_source *src, char *err,
			      size_t errlen)
{
	struct metrics *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	const union MHD_DaemonInfo *info;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (parse_listen(listen, &ss) != 0) {
		snprintf(err, errlen, "metrics.listen '%s' is not ip:port or [ip6]:port", listen);
		free(s);
		return NULL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	s->src = *src;
	errno = 0;
	/* one thread: a scrape a second or so; the lock serializes them anyway */
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
				(const struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)METRICS_MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)METRICS_CONNECTION_TIMEOUT, MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errlen, "cannot serve the metrics on %s: %s", listen,
			 strerror(errno ? errno : EADDRINUSE));
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	return s;
}

unsigned metrics_port(const struct metrics *s)
{
	return s->port;
}

void metrics_stop(struct metrics *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
