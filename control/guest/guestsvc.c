/* SPDX-License-Identifier: BSD-3-Clause */
/* guestsvc.c - the guest services' thread (see guestsvc.h). */
#include "guestsvc.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <rte_mbuf.h>

#include "dhcp4.h"
#include "engine.h"
#include "frame.h"
#include "imds.h"
#include "imds_link.h"
#include "model.h"

#define BURST 32
#define IDLE_SLEEP_NS 1000000 /* 1 ms between empty polls: DHCP waits seconds */

struct guestsvc {
	struct guestsvc_params p;
	pthread_t thread;
	bool stop; /* atomic */
	struct guestsvc_stats st;
	uint32_t max_enis;
	struct guestsvc_eni_stats *eni;
	struct imds_link *link; /* NULL: no metadata service */
	struct imds *imds;
	sem_t ready; /* posted once the thread has set up (or failed to set up) the service */
	char imds_err[160];
};

static void inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED); /* one writer: this thread */
}

/* "10.0.0.0/16" -> base and mask (network order). 0 or -1. */
static int cidr4(const char *s, uint32_t *base, uint32_t *mask)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	int len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	len = atoi(slash + 1);
	if (inet_pton(AF_INET, buf, base) != 1 || len < 0 || len > 32)
		return -1;
	*mask = len == 0 ? 0 : htonl(~0u << (32 - len));
	return 0;
}

/*
 * The ENI with that MAC, when it is known on {port, vlan}: attached, its
 * instance placed on port, its VLAN vlan. 0 and *ev, or -1. Under the model lock.
 */
static int find_known(const struct model *m, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		      struct model_eni_view *ev)
{
	struct model_instance_view iv;

	return model_find_eni_by_mac(m, mac, ev) == 0 && ev->instance_id != NULL &&
		       ev->vlan == vlan && model_get_instance(m, ev->instance_id, &iv) == 0 &&
		       iv.host_port == port
		   ? 0
		   : -1;
}

/*
 * The lease of the ENI with that MAC known on {port, vlan} (find_known),
 * with a primary IPv4. 0 and *slot, or -1. Under the model lock.
 */
static int lease_for(const struct guestsvc *g, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		     struct dhcp4_lease *l, uint32_t *slot)
{
	const struct model *m = g->p.m;
	struct model_eni_view ev;
	struct model_subnet_view sv;
	struct model_vpc_view vv;
	uint32_t base, mask;
	char region[64];

	if (find_known(m, mac, port, vlan, &ev) != 0 || ev.primary_ip == 0 ||
	    model_get_subnet(m, ev.subnet_id, &sv) != 0 || cidr4(sv.cidr4, &base, &mask) != 0)
		return -1;
	memset(l, 0, sizeof(*l));
	l->addr = ev.primary_ip;
	l->mask = mask;
	l->router = htonl(ntohl(base) + 1);
	if (model_get_vpc(m, ev.vpc_id, &vv) == 0 && vv.dns_support && vv.n_cidr4 > 0 &&
	    cidr4(vv.cidr4[0], &base, &mask) == 0)
		l->dns = htonl(ntohl(base) + 2); /* the Amazon-provided resolver's address */
	l->lease_s = g->p.lease_s ? g->p.lease_s : GUESTSVC_LEASE_DEFAULT;
	l->mtu = port < g->p.n_ports ? g->p.mtu[port] : 0;
	dhcp4_host_name(ev.primary_ip, l->host_name, sizeof(l->host_name));
	dhcp4_region_of(ev.az, region, sizeof(region));
	snprintf(l->domain, sizeof(l->domain), "%s.compute.internal", region);
	*slot = ev.slot;
	return 0;
}

/* The slot of the ENI with that MAC known on {port, vlan} (find_known). 0, or -1. */
static int known_eni(const struct guestsvc *g, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		     uint32_t *slot)
{
	struct model_eni_view ev;
	int rc;

	g->p.lock(g->p.arg);
	rc = find_known(g->p.m, mac, port, vlan, &ev);
	if (rc == 0)
		*slot = ev.slot;
	g->p.unlock(g->p.arg);
	return rc;
}

/* A guest's TCP segment for the metadata service: into its namespace (imds_link.h). */
static void to_imds(struct guestsvc *g, const struct frame_ip4 *fr, uint16_t port)
{
	struct imds_peer who = {.port = port, .vlan = fr->vlan, .guest_ip = fr->src_ip};
	uint32_t slot;

	memcpy(who.mac, fr->src_mac, 6);
	if (known_eni(g, fr->src_mac, port, fr->vlan, &slot) != 0) {
		inc(&g->st.unknown);
		return;
	}
	/* the mbuf's bytes are ours: rewritten in place */
	if (imds_link_to_service(g->link, &who, (uint8_t *)fr->ip, fr->ip_len) != 0) {
		inc(&g->st.imds_dropped);
		return;
	}
	inc(&g->st.imds_in);
}

/* What the metadata service's stack sends: framed to the asker's MAC on its port. */
static unsigned from_imds(struct guestsvc *g)
{
	uint8_t ip[2048], mac[6];
	struct imds_peer to;
	unsigned done = 0;

	for (; done < BURST; done++) {
		ssize_t n = imds_link_from_service(g->link, ip, sizeof(ip), &to);
		struct rte_mbuf *mb;
		size_t len;

		if (n == 0)
			break;
		if (n < 0) {
			inc(&g->st.imds_dropped);
			continue;
		}
		mb = engine_punt_alloc(g->p.e);
		if (mb == NULL || engine_port_mac(g->p.e, to.port, mac) != 0) {
			rte_pktmbuf_free(mb);
			inc(&g->st.tx_failed);
			continue;
		}
		len = frame_eth_build(rte_pktmbuf_mtod(mb, uint8_t *), rte_pktmbuf_tailroom(mb),
				      to.mac, mac, to.vlan, ip, (size_t)n);
		if (len == 0) {
			rte_pktmbuf_free(mb);
			inc(&g->st.tx_failed);
			continue;
		}
		mb->data_len = (uint16_t)len;
		mb->pkt_len = (uint32_t)len;
		if (engine_punt_send(g->p.e, mb, to.port) != 0) {
			inc(&g->st.tx_failed);
			continue;
		}
		inc(&g->st.imds_out);
	}
	return done;
}

/* Send the answer `type` to msg, which came in fr on port. */
static void send_dhcp(struct guestsvc *g, const struct frame_udp4 *in, uint16_t port,
		      const struct dhcp4_msg *msg, const struct dhcp4_lease *l,
		      enum dhcp4_type type)
{
	uint8_t payload[DHCP4_MAX_LEN];
	struct frame_udp4 out = {.vlan = in->vlan,
				 .src_ip = l->router,
				 .src_port = DHCP4_SERVER_PORT,
				 .dst_port = DHCP4_CLIENT_PORT,
				 .payload = payload};
	struct rte_mbuf *mb;
	size_t n;

	out.payload_len = dhcp4_build(payload, sizeof(payload), msg, l, type);
	out.dst_ip = dhcp4_answer_dst(msg, l, type);
	/* to the client's MAC (broadcast when the IP destination is) */
	if (out.dst_ip == 0xffffffffu)
		memset(out.dst_mac, 0xff, 6);
	else
		memcpy(out.dst_mac, in->src_mac, 6);
	mb = engine_punt_alloc(g->p.e);
	if (out.payload_len == 0 || mb == NULL || engine_port_mac(g->p.e, port, out.src_mac) != 0) {
		rte_pktmbuf_free(mb);
		inc(&g->st.tx_failed);
		return;
	}
	n = frame_udp4_build(rte_pktmbuf_mtod(mb, uint8_t *), rte_pktmbuf_tailroom(mb), &out);
	if (n == 0) {
		rte_pktmbuf_free(mb);
		inc(&g->st.tx_failed);
		return;
	}
	mb->data_len = (uint16_t)n;
	mb->pkt_len = (uint32_t)n;
	if (engine_punt_send(g->p.e, mb, port) != 0) {
		inc(&g->st.tx_failed);
		return;
	}
	inc(type == DHCP4_OFFER ? &g->st.offers : type == DHCP4_ACK ? &g->st.acks : &g->st.naks);
}

/* One punted packet: answered, or counted and dropped. Frees it. */
static void serve_one(struct guestsvc *g, struct rte_mbuf *mb)
{
	uint16_t port = mb->port; /* the engine port it came in on (punt.h) */
	struct frame_ip4 ip;
	struct frame_udp4 fr;
	struct dhcp4_msg msg;
	struct dhcp4_lease l;
	enum dhcp4_type type;
	uint32_t slot = 0;
	int known;

	inc(&g->st.received);
	if (mb->nb_segs != 1 ||
	    frame_ip4_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, &ip) != 0) {
		inc(&g->st.malformed);
		goto out;
	}
	if (ip.proto == 6 /* TCP */) {
		if (g->link != NULL)
			to_imds(g, &ip, port);
		else
			inc(&g->st.ignored);
		goto out;
	}
	if (!g->p.dhcp) {
		inc(&g->st.ignored);
		goto out;
	}
	if (frame_udp4_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, &fr) != 0) {
		inc(&g->st.malformed);
		goto out;
	}
	if (fr.dst_port != DHCP4_SERVER_PORT || fr.src_port != DHCP4_CLIENT_PORT) {
		inc(&g->st.ignored);
		goto out;
	}
	if (dhcp4_parse(fr.payload, fr.payload_len, &msg) != 0 ||
	    memcmp(msg.chaddr, fr.src_mac, 6) != 0) {
		inc(&g->st.malformed); /* a client hardware address other than the frame's */
		goto out;
	}
	g->p.lock(g->p.arg);
	known = lease_for(g, fr.src_mac, port, fr.vlan, &l, &slot);
	g->p.unlock(g->p.arg);
	if (known != 0) {
		inc(&g->st.unknown);
		goto out;
	}
	if (msg.type == DHCP4_RELEASE || msg.type == DHCP4_DECLINE) {
		inc(msg.type == DHCP4_RELEASE ? &g->st.releases : &g->st.declines);
		goto out;
	}
	type = dhcp4_decide(&msg, &l);
	if (type == DHCP4_NONE) {
		inc(&g->st.ignored);
		goto out;
	}
	send_dhcp(g, &fr, port, &msg, &l, type);
	if (slot < g->max_enis)
		inc(&g->eni[slot].dhcp_answers);
out:
	rte_pktmbuf_free(mb);
}

/* The metadata server counts an answer to an ENI (its thread is the only writer). */
static void imds_answered(void *arg, uint32_t slot)
{
	struct guestsvc *g = arg;

	if (slot < g->max_enis)
		inc(&g->eni[slot].imds_answers);
}

static void lock_model(void *arg)
{
	struct guestsvc *g = arg;

	g->p.lock(g->p.arg);
}

static void unlock_model(void *arg)
{
	struct guestsvc *g = arg;

	g->p.unlock(g->p.arg);
}

/* In this thread: its own network namespace, imds0 and the HTTP server (imds_link.h). */
static void start_imds(struct guestsvc *g)
{
	struct imds_params ip = {.m = g->p.m,
				 .lock = lock_model,
				 .unlock = unlock_model,
				 .arg = g,
				 .answered = imds_answered};

	g->link = imds_link_open(g->imds_err, sizeof(g->imds_err));
	if (g->link == NULL)
		return;
	ip.link = g->link;
	g->imds = imds_start(&ip, g->imds_err, sizeof(g->imds_err));
	if (g->imds == NULL) {
		imds_link_close(g->link);
		g->link = NULL;
	}
}

static void *run(void *arg)
{
	struct guestsvc *g = arg;
	struct rte_mbuf *pkts[BURST];

	if (g->p.imds)
		start_imds(g);
	sem_post(&g->ready);
	while (!__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
		unsigned n = engine_punt_recv(g->p.e, pkts, BURST);

		for (unsigned i = 0; i < n; i++)
			serve_one(g, pkts[i]);
		if (g->link != NULL)
			n += from_imds(g);
		if (n == 0) {
			struct timespec ts = {0, IDLE_SLEEP_NS};
			nanosleep(&ts, NULL);
		}
	}
	imds_stop(g->imds); /* before the identities it reads */
	imds_link_close(g->link);
	return NULL;
}

struct guestsvc *guestsvc_start(const struct guestsvc_params *p, uint32_t max_enis)
{
	struct guestsvc *g = calloc(1, sizeof(*g));
	int rc;

	if (g == NULL)
		return NULL;
	g->p = *p;
	g->max_enis = max_enis;
	g->eni = calloc(max_enis ? max_enis : 1, sizeof(*g->eni));
	if (g->eni == NULL) {
		free(g);
		errno = ENOMEM;
		return NULL;
	}
	sem_init(&g->ready, 0, 0);
	rc = pthread_create(&g->thread, NULL, run, g);
	if (rc != 0) {
		sem_destroy(&g->ready);
		free(g->eni);
		free(g);
		errno = rc;
		return NULL;
	}
	pthread_setname_np(g->thread, "enimap-guest");
	while (sem_wait(&g->ready) != 0 && errno == EINTR)
		;
	return g;
}

void guestsvc_stop(struct guestsvc *g)
{
	if (g == NULL)
		return;
	__atomic_store_n(&g->stop, true, __ATOMIC_RELAXED);
	pthread_join(g->thread, NULL);
	sem_destroy(&g->ready);
	free(g->eni);
	free(g);
}

static uint64_t ld(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void guestsvc_get_stats(const struct guestsvc *g, struct guestsvc_stats *out)
{
	const uint64_t *src = (const uint64_t *)&g->st;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = ld(&src[i]);
	if (g->imds != NULL) {
		struct imds_stats is;

		imds_get_stats(g->imds, &is);
		out->imds_requests = is.requests;
		out->imds_ok = is.ok;
		out->imds_tokens = is.tokens;
		out->imds_not_found = is.not_found;
		out->imds_unauthorized = is.unauthorized;
		out->imds_refused = is.refused;
		out->imds_unknown = is.unknown;
	}
}

const char *guestsvc_imds_error(const struct guestsvc *g)
{
	return g->p.imds && g->imds == NULL ? g->imds_err : NULL;
}

void guestsvc_get_eni_stats(const struct guestsvc *g, uint32_t slot, struct guestsvc_eni_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (slot >= g->max_enis)
		return;
	out->dhcp_answers = ld(&g->eni[slot].dhcp_answers);
	out->imds_answers = ld(&g->eni[slot].imds_answers);
}
