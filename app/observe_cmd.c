/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * observe_cmd.c - the control socket's trace and capture commands
 * (observe_cmd.h): parsing, and the trace printed for people.
 */
#include "observe_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "delta.h"
#include "fwd.h"
#include "observe.h"
#include "verdict.h"

#define WORDS_MAX 16

/* An ENI's slot -> its id and instance, for printing. */
struct eni_names {
	uint32_t slot;
	const char *id, *instance;
	int found;
};

static int find_slot(const struct model_eni_view *v, void *arg)
{
	struct eni_names *n = arg;

	if (v->slot != n->slot)
		return 0;
	n->id = v->id;
	n->instance = v->instance_id;
	n->found = 1;
	return 1; /* stop */
}

static void print_eni(const struct model *m, uint32_t slot, FILE *out)
{
	struct eni_names n = {.slot = slot};

	(void)model_foreach_eni(m, find_slot, &n);
	if (!n.found)
		fprintf(out, "ENI slot %" PRIu32, slot);
	else
		fprintf(out, "%s (%s)", n.id, n.instance ? n.instance : "detached");
}

static int eni_slot(const struct model *m, const char *id, uint32_t *slot)
{
	struct model_eni_view v;

	if (model_get_eni(m, id, &v) != 0)
		return -1;
	*slot = v.slot;
	return 0;
}

static const char *ip4s(const uint8_t *a, char *buf)
{
	return inet_ntop(AF_INET, a, buf, INET_ADDRSTRLEN);
}

/* The L4 part of a summary: protocol, ports or ICMP type. */
static void l4_summary(FILE *out, uint8_t proto, const uint8_t *l4, long len)
{
	switch (proto) {
	case 6:
	case 17:
		fprintf(out, " %s", proto == 6 ? "TCP" : "UDP");
		if (len >= 4)
			fprintf(out, " %u > %u", (unsigned)(l4[0] << 8 | l4[1]),
				(unsigned)(l4[2] << 8 | l4[3]));
		if (proto == 6 && len >= 14)
			fprintf(out, " flags 0x%02x", l4[13]);
		break;
	case 1:
	case 58:
		fprintf(out, " %s", proto == 1 ? "ICMP" : "ICMPv6");
		if (len >= 2)
			fprintf(out, " type %u code %u", l4[0], l4[1]);
		break;
	default:
		fprintf(out, " proto %u", proto);
	}
}

/* The L3 part of a summary: rest bytes of the header at ip, of this ethertype. */
static void l3_summary(FILE *out, uint16_t type, const uint8_t *ip, unsigned rest)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (type == 0x0800 && rest >= 20) {
		unsigned ihl = (ip[0] & 0xfu) * 4u;

		fprintf(out, " IPv4 %s > %s ttl %u", ip4s(ip + 12, a), ip4s(ip + 16, b), ip[8]);
		if ((ip[6] & 0x1f) != 0 || ip[7] != 0)
			fprintf(out, " fragment offset %u",
				(unsigned)((ip[6] & 0x1f) << 8 | ip[7]) * 8u);
		else
			l4_summary(out, ip[9], ip + ihl, (long)rest - (long)ihl);
	} else if (type == 0x86dd && rest >= 40) {
		fprintf(out, " IPv6 %s > %s hlim %u", inet_ntop(AF_INET6, ip + 8, a, sizeof(a)),
			inet_ntop(AF_INET6, ip + 24, b, sizeof(b)), ip[7]);
		l4_summary(out, ip[6], ip + 40, (long)rest - 40);
	} else if (type == 0x0806 && rest >= 28) {
		fprintf(out, " ARP %s %s for %s", ip[7] == 1 ? "request" : "reply",
			ip4s(ip + 14, a), ip4s(ip + 24, b));
	} else {
		fprintf(out, " ethertype 0x%04x", type);
	}
}

/* One line of what a frame's first bytes say (at most OBS_HDR_BYTES of them). */
static void frame_summary(FILE *out, const uint8_t *f, unsigned len, unsigned frame_len)
{
	unsigned l2 = 14;
	uint16_t type;

	if (len > OBS_HDR_BYTES)
		len = OBS_HDR_BYTES;
	if (len < 14) {
		fprintf(out, "%u bytes (runt)", frame_len);
		return;
	}
	fprintf(out, "%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x", f[6], f[7],
		f[8], f[9], f[10], f[11], f[0], f[1], f[2], f[3], f[4], f[5]);
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == 0x8100 && len >= 18) {
		fprintf(out, " vlan %u", (unsigned)(f[14] << 8 | f[15]) & 0xfffu);
		type = (uint16_t)(f[16] << 8 | f[17]);
		l2 = 18;
	}
	l3_summary(out, type, f + l2, len - l2); /* len >= l2: checked above */
	fprintf(out, ", %u bytes", frame_len);
}

static void print_record(const struct model *m, uint32_t i, const struct obs_record *r, FILE *out)
{
	static const char *const kinds[] = {"unparsed", "IPv4", "IPv6", "ARP", "ND"};
	char a[INET_ADDRSTRLEN];

	fprintf(out, "#%" PRIu32 " worker %u port %u: ", i + 1, r->worker, r->in_port);
	frame_summary(out, r->before, r->len_before, r->len_before);
	fprintf(out, "\n  parsed: %s", r->d.kind < 5 ? kinds[r->d.kind] : "?");
	if (r->d.vlan != 0)
		fprintf(out, " vlan %u", r->d.vlan);
	if (r->d.eni_src != PIPELINE_NONE) {
		fputs(", from ", out);
		print_eni(m, r->d.eni_src, out);
	}
	if (r->d.nh != PIPELINE_NONE) {
		static const char *const targets[] = {"local", "igw", "ENI", "blackhole"};

		fprintf(out, ", route %s", targets[fwd_nh_kind(r->d.nh)]);
		if (fwd_nh_kind(r->d.nh) == ROUTE_ENI) {
			fputc(' ', out);
			print_eni(m, fwd_nh_eni(r->d.nh), out);
		}
	}
	if (r->d.eip_src != 0)
		fprintf(out, ", source EIP %s", ip4s((const uint8_t *)&r->d.eip_src, a));
	fputc('\n', out);
	fputs("  decided:", out);
	if (r->d.act == VERDICT_TO_ENI && r->d.to != PIPELINE_NONE) {
		fputs(" to ", out);
		print_eni(m, r->d.to, out);
	} else if (r->d.act == VERDICT_TO_UPLINK) {
		fputs(" to the uplink", out);
	} else if (r->d.act == VERDICT_PUNT) {
		fputs(" to the router's own services (DHCP)", out);
	} else if (r->d.act == VERDICT_PENDING) {
		fputs(" nothing (stopped before a destination)", out);
	}
	if (r->d.nat_dst != 0)
		fprintf(out, ", DNAT to %s", ip4s((const uint8_t *)&r->d.nat_dst, a));
	if (r->d.nat_src != 0)
		fprintf(out, ", SNAT to %s", ip4s((const uint8_t *)&r->d.nat_src, a));
	fputc('\n', out);
	if (r->drop < COUNTERS_DROP_MAX)
		fprintf(out, "  verdict: drop %s\n", counters_drop_name(r->drop));
	if (r->n_out != 0) {
		if (r->drop >= COUNTERS_DROP_MAX)
			fprintf(out, "  verdict: sent, %u packet(s)\n", r->n_out);
		fprintf(out, "  out port %u: ", r->out_port);
		frame_summary(out, r->after, r->len_after, r->len_after);
		fputc('\n', out);
	}
}

/* "port N" | "eni ID" | "all" at w[*i]: the filter. 0, or -1 with the reply written. */
static int parse_filter(const struct engine *e, const struct model *m, char **w, int n, int *i,
			struct engine_observe_params *p, FILE *out)
{
	char *end;

	p->port = p->eni_slot = UINT32_MAX;
	if (*i < n && strcmp(w[*i], "all") == 0) {
		(*i)++;
		return 0;
	}
	if (*i + 1 < n && strcmp(w[*i], "port") == 0) {
		unsigned long v = strtoul(w[*i + 1], &end, 10);

		if (*end != '\0' || end == w[*i + 1] || v >= engine_n_ports(e)) {
			fprintf(out, "ERR InvalidParameterValue: no port '%s' (%u ports)\n",
				w[*i + 1], engine_n_ports(e));
			return -1;
		}
		p->port = (uint32_t)v;
		*i += 2;
		return 0;
	}
	if (*i + 1 < n && strcmp(w[*i], "eni") == 0) {
		if (eni_slot(m, w[*i + 1], &p->eni_slot) != 0) {
			fprintf(out,
				"ERR InvalidNetworkInterfaceID.NotFound: The networkInterface ID "
				"'%s' does not exist\n",
				w[*i + 1]);
			return -1;
		}
		*i += 2;
		return 0;
	}
	return 0; /* none: all */
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s == '-' || *s == '\0')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static void start_error(int rc, FILE *out)
{
	if (rc == -EBUSY)
		fputs("ERR IncorrectState: a trace or capture is running (stop it first)\n", out);
	else if (rc == -EINVAL)
		fputs("ERR InvalidParameterValue: bad trace or capture parameters\n", out);
	else
		fprintf(out, "ERR InternalError: %s\n", strerror(-rc));
}

static void print_status(const struct engine *e, FILE *out)
{
	struct engine_observe_status st;

	if (!engine_observe_status(e, &st)) {
		fputs("running no\nOK\n", out);
		return;
	}
	fprintf(out, "running %s\n", st.armed ? "yes" : "no");
	if (st.trace_n != 0)
		fprintf(out, "traced %" PRIu32 "\ntrace-size %" PRIu32 "\n", st.traced, st.trace_n);
	if (st.capture)
		fprintf(out,
			"file %s\nwritten %" PRIu64 "\nbytes %" PRIu64 "\nlost %" PRIu64
			"\nover-limit %" PRIu64 "\n",
			st.path, st.written, st.bytes, st.lost, st.dropped);
	fprintf(out, "ms %" PRIu64 "\n", st.ms);
	if (!st.armed)
		fprintf(out, "ended-by %s\n", st.ended_by);
	fputs("OK\n", out);
}

/* capture start [port N|eni ID|all] FILE [count N] [bytes N] [seconds N] [snaplen N] */
static void capture_start(struct engine *e, const struct model *m, char **w, int n, FILE *out)
{
	struct engine_observe_params p = {0};
	int i = 2, rc;

	if (parse_filter(e, m, w, n, &i, &p, out) != 0)
		return;
	if (i >= n) {
		fputs("ERR MissingParameter: capture start [port N|eni ID|all] FILE "
		      "[count N] [bytes N] [seconds N] [snaplen N]\n",
		      out);
		return;
	}
	p.capture_path = w[i++];
	for (; i < n; i += 2) {
		uint64_t v;

		if (i + 1 >= n || parse_u64(w[i + 1], &v) != 0 || v == 0) {
			fprintf(out, "ERR InvalidParameterValue: '%s' needs a positive number\n",
				w[i]);
			return;
		}
		if (strcmp(w[i], "count") == 0)
			p.max_packets = v;
		else if (strcmp(w[i], "bytes") == 0)
			p.max_bytes = v;
		else if (strcmp(w[i], "seconds") == 0 && v <= 86400 * 365)
			p.max_ms = v * 1000;
		else if (strcmp(w[i], "snaplen") == 0 && v >= 64 && v <= 65535)
			p.snaplen = (uint32_t)v;
		else {
			fprintf(out, "ERR InvalidParameterValue: '%s %s'\n", w[i], w[i + 1]);
			return;
		}
	}
	rc = engine_observe_start(e, &p);
	if (rc != 0) {
		start_error(rc, out);
		return;
	}
	fprintf(out, "OK capturing to %s\n", p.capture_path);
}

/* trace start N [port N|eni ID|all] */
static void trace_start(struct engine *e, const struct model *m, char **w, int n, FILE *out)
{
	struct engine_observe_params p = {0};
	uint64_t count;
	int i = 3, rc;

	if (n < 3 || parse_u64(w[2], &count) != 0 || count == 0 || count > ENGINE_TRACE_MAX) {
		fprintf(out,
			"ERR InvalidParameterValue: trace start N [port N|eni ID|all], N from 1 "
			"to %u\n",
			ENGINE_TRACE_MAX);
		return;
	}
	if (parse_filter(e, m, w, n, &i, &p, out) != 0)
		return;
	if (i != n) {
		fprintf(out, "ERR InvalidParameterValue: unexpected '%s'\n", w[i]);
		return;
	}
	p.trace_n = (uint32_t)count;
	rc = engine_observe_start(e, &p);
	if (rc != 0) {
		start_error(rc, out);
		return;
	}
	fprintf(out, "OK tracing the next %" PRIu64 " packets\n", count);
}

static void trace_show(const struct engine *e, const struct model *m, FILE *out)
{
	struct engine_observe_status st;
	struct obs_record r;

	if (!engine_observe_status(e, &st) || st.trace_n == 0) {
		fputs("ERR IncorrectState: no trace (trace start N first)\n", out);
		return;
	}
	for (uint32_t i = 0; i < st.traced; i++)
		if (engine_trace_record(e, i, &r))
			print_record(m, i, &r, out);
	fprintf(out, "OK %" PRIu32 " of %" PRIu32 " packets traced%s\n", st.traced, st.trace_n,
		st.armed ? ", still tracing" : "");
}

static void stop(struct engine *e, FILE *out)
{
	if (engine_observe_stop(e) != 0)
		fputs("ERR IncorrectState: no trace or capture is running\n", out);
	else
		print_status(e, out);
}

int observe_cmd(struct engine *e, const struct model *m, const char *line, FILE *out)
{
	char buf[1024], *w[WORDS_MAX], *save = NULL;
	int n = 0;

	if (strlen(line) >= sizeof(buf))
		return -1;
	strcpy(buf, line);
	for (char *t = strtok_r(buf, " \t", &save); t != NULL && n < WORDS_MAX;
	     t = strtok_r(NULL, " \t", &save))
		w[n++] = t;
	if (n == 0 || (strcmp(w[0], "capture") != 0 && strcmp(w[0], "trace") != 0))
		return -1;
	bool capture = strcmp(w[0], "capture") == 0;

	if (n >= 2 && strcmp(w[1], "start") == 0) {
		if (capture)
			capture_start(e, m, w, n, out);
		else
			trace_start(e, m, w, n, out);
	} else if (n == 2 && strcmp(w[1], "stop") == 0) {
		stop(e, out);
	} else if (n == 2 && strcmp(w[1], "status") == 0) {
		print_status(e, out);
	} else if (n == 2 && !capture && strcmp(w[1], "show") == 0) {
		trace_show(e, m, out);
	} else {
		fprintf(out, "ERR InvalidAction: %s start|stop|status%s\n", w[0],
			capture ? "" : "|show");
	}
	return 0;
}
