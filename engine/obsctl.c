/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * obsctl.c - the control side of the packet trace and capture (obsctl.h).
 */
/* rte_pcapng is experimental in DPDK 22.11 (see dataplane/observe.c) */
#define ALLOW_EXPERIMENTAL_API
#include "obsctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "observe.h"
#include "worker.h"

#define CAP_RING 16384	   /* copies waiting for the control thread */
#define CAP_POOL 8191	   /* copies in flight at most */
#define CAP_WRITE_BURST 64 /* copies written by one rte_pcapng_write_packets() */

struct obsctl {
	struct worker *workers;
	unsigned n_workers, n_ports;
	uint16_t port_id[FWD_MAX_PORTS];
	struct rte_rcu_qsbr *qs;
	unsigned seq; /* names the sessions' rings and pools apart */
	/* the session armed, or the last one (its trace stays readable) */
	struct obs_session *s;
	bool armed;
	struct engine_observe_params p;
	rte_pcapng_t *pcap;
	uint64_t start_ms, end_ms;
	uint64_t written, bytes, dropped;
	char path[256];
	char ended_by[32];
};

static uint64_t now_ms(void)
{
	return rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000);
}

struct obsctl *obsctl_create(struct worker *workers, unsigned n_workers, const uint16_t *port_id,
			     unsigned n_ports, struct rte_rcu_qsbr *qs)
{
	struct obsctl *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	o->workers = workers;
	o->n_workers = n_workers;
	o->n_ports = n_ports < FWD_MAX_PORTS ? n_ports : FWD_MAX_PORTS;
	memcpy(o->port_id, port_id, o->n_ports * sizeof(*port_id));
	o->qs = qs;
	return o;
}

static void session_free(struct obs_session *s)
{
	if (s == NULL)
		return;
	rte_ring_free(s->cap_ring);
	rte_mempool_free(s->cap_pool);
	free(s->trace);
	free(s->trace_ready);
	free(s);
}

/* Write the queued copies, as far as the limits allow; the rest is dropped. */
static void drain(struct obsctl *o)
{
	struct rte_mbuf *m[CAP_WRITE_BURST];
	unsigned n;

	if (o->s == NULL || o->s->cap_ring == NULL)
		return;
	while ((n = rte_ring_sc_dequeue_burst(o->s->cap_ring, (void **)m, CAP_WRITE_BURST, NULL)) >
	       0) {
		unsigned ok = 0;

		/* a copy is one pcapng block: its length is what it adds to the file */
		while (ok < n && o->pcap != NULL &&
		       (o->p.max_packets == 0 || o->written + ok < o->p.max_packets) &&
		       (o->p.max_bytes == 0 || o->bytes + m[ok]->pkt_len <= o->p.max_bytes)) {
			o->bytes += m[ok]->pkt_len;
			ok++;
		}
		if (ok > 0 && rte_pcapng_write_packets(o->pcap, m, (uint16_t)ok) < 0) {
			snprintf(o->ended_by, sizeof(o->ended_by), "error");
		}
		o->written += ok;
		o->dropped += n - ok;
		rte_pktmbuf_free_bulk(m, n);
	}
}

static int session_arm(struct obsctl *o, struct obs_session *s)
{
	for (unsigned i = 0; i < o->n_workers; i++)
		__atomic_store_n(&o->workers[i].obs, s, __ATOMIC_RELEASE);
	return 0;
}

int obsctl_stop(struct obsctl *o)
{
	if (!o->armed)
		return -ENOENT;
	session_arm(o, NULL);
	/* after this no worker holds the session: each has passed a quiescent
	 * point (its loop's end) since the pointer was cleared, or is offline */
	if (o->qs != NULL)
		rte_rcu_qsbr_synchronize(o->qs, RTE_QSBR_THRID_INVALID);
	drain(o);
	if (o->pcap != NULL) {
		rte_pcapng_close(o->pcap); /* closes the file */
		o->pcap = NULL;
	}
	/* the copies are all back: the pool and ring can go; the trace stays */
	rte_ring_free(o->s->cap_ring);
	rte_mempool_free(o->s->cap_pool);
	o->s->cap_ring = NULL;
	o->s->cap_pool = NULL;
	o->armed = false;
	o->end_ms = now_ms();
	if (o->ended_by[0] == '\0')
		snprintf(o->ended_by, sizeof(o->ended_by), "stop");
	return 0;
}

static int open_capture(struct obsctl *o, struct obs_session *s, const char *path)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int fd;

	s->snaplen = o->p.snaplen ? o->p.snaplen : ENGINE_CAPTURE_SNAPLEN;
	memcpy(s->port_id, o->port_id, sizeof(s->port_id));
	snprintf(name, sizeof(name), "obs_pool_%u", o->seq);
	s->cap_pool = rte_pktmbuf_pool_create(
	    name, CAP_POOL, 128, 0, (uint16_t)rte_pcapng_mbuf_size(s->snaplen), SOCKET_ID_ANY);
	snprintf(name, sizeof(name), "obs_ring_%u", o->seq);
	s->cap_ring = rte_ring_create(name, CAP_RING, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (s->cap_pool == NULL || s->cap_ring == NULL)
		return -ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	o->pcap = rte_pcapng_fdopen(fd, NULL, NULL, "enimap", NULL);
	if (o->pcap == NULL) {
		close(fd);
		return -EIO;
	}
	return 0;
}

int obsctl_start(struct obsctl *o, const struct engine_observe_params *p)
{
	struct obs_session *s;
	int rc;

	if (o->armed)
		return -EBUSY;
	if (p->trace_n > ENGINE_TRACE_MAX || (p->port != UINT32_MAX && p->port >= o->n_ports) ||
	    (p->trace_n == 0 && p->capture_path == NULL) ||
	    (p->snaplen != 0 && (p->snaplen < 64 || p->snaplen > 65535)) ||
	    (p->capture_path != NULL && strlen(p->capture_path) >= sizeof(o->path)))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->filter = (struct obs_filter){.port = p->port, .eni = p->eni_slot};
	s->trace_n = p->trace_n;
	if (p->trace_n != 0) {
		s->trace = calloc(p->trace_n, sizeof(*s->trace));
		s->trace_ready = calloc(p->trace_n, 1);
		if (s->trace == NULL || s->trace_ready == NULL) {
			session_free(s);
			return -ENOMEM;
		}
	}
	o->p = *p;
	o->seq++;
	o->path[0] = '\0';
	if (p->capture_path != NULL) {
		snprintf(o->path, sizeof(o->path), "%s", p->capture_path);
		rc = open_capture(o, s, p->capture_path);
		if (rc != 0) {
			session_free(s);
			return rc;
		}
	}
	o->p.capture_path = NULL; /* the caller's string: o->path is the copy */
	session_free(o->s);	  /* the last session: disarmed, quiesced */
	o->s = s;
	o->written = o->bytes = o->dropped = 0;
	o->ended_by[0] = '\0';
	o->start_ms = now_ms();
	o->end_ms = 0;
	o->armed = true;
	return session_arm(o, s);
}

void obsctl_poll(struct obsctl *o)
{
	const char *why = NULL;

	if (!o->armed)
		return;
	drain(o);
	if (o->ended_by[0] != '\0')
		why = o->ended_by; /* a write error */
	else if (o->p.max_packets != 0 && o->written >= o->p.max_packets)
		why = "packets";
	else if (o->p.max_bytes != 0 && o->dropped != 0)
		why = "bytes"; /* the next copy did not fit */
	else if (o->p.max_ms != 0 && now_ms() - o->start_ms >= o->p.max_ms)
		why = "time";
	else if (o->s->cap_ring == NULL && o->s->trace_n != 0 &&
		 obs_trace_taken(o->s) >= o->s->trace_n)
		why = "trace full";
	if (why == NULL)
		return;
	if (why != o->ended_by)
		snprintf(o->ended_by, sizeof(o->ended_by), "%s", why);
	obsctl_stop(o);
}

bool obsctl_status(const struct obsctl *o, struct engine_observe_status *st)
{
	memset(st, 0, sizeof(*st));
	if (o->s == NULL)
		return false;
	st->armed = o->armed;
	st->capture = o->path[0] != '\0';
	st->trace_n = o->s->trace_n;
	st->traced = obs_trace_taken(o->s);
	st->written = o->written;
	st->bytes = o->bytes;
	st->lost = __atomic_load_n(&o->s->cap_lost, __ATOMIC_RELAXED);
	st->dropped = o->dropped;
	st->ms = (o->armed ? now_ms() : o->end_ms) - o->start_ms;
	snprintf(st->path, sizeof(st->path), "%s", o->path);
	snprintf(st->ended_by, sizeof(st->ended_by), "%s", o->ended_by);
	return true;
}

int obsctl_trace_record(const struct obsctl *o, uint32_t i, struct obs_record *out)
{
	return o->s != NULL ? obs_trace_get(o->s, i, out) : 0;
}

bool obsctl_capturing(const struct obsctl *o)
{
	return o->armed && o->s->cap_ring != NULL;
}

void obsctl_free(struct obsctl *o)
{
	if (o == NULL)
		return;
	(void)obsctl_stop(o);
	session_free(o->s);
	free(o);
}
