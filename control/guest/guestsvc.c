/* SPDX-License-Identifier: BSD-3-Clause */
/* guestsvc.c - the guest services' thread (see guestsvc.h). */
#include "guestsvc.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <rte_mbuf.h>

#include "dhcp4.h"
#include "engine.h"
#include "frame.h"
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
};

static void inc(uint64_t *c)
{
	__atomic_store_n(c, *c + 1, __ATOMIC_RELAXED); /* one writer: this thread */
}

/* "us-east-1" from "us-east-1a": the availability zone without its letter. */
static void region_of(const char *az, char *out, size_t cap)
{
	size_t n = strlen(az);

	while (n > 0 && isalpha((unsigned char)az[n - 1]))
		n--;
	snprintf(out, cap, "%.*s", (int)n, az);
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
 * The lease of the ENI with that MAC, when it is known on {port, vlan}:
 * attached, its instance placed on port, its VLAN vlan, with a primary
 * IPv4. 0 and *slot, or -1. Under the model lock.
 */
static int lease_for(const struct guestsvc *g, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		     struct dhcp4_lease *l, uint32_t *slot)
{
	const struct model *m = g->p.m;
	struct model_eni_view ev;
	struct model_instance_view iv;
	struct model_subnet_view sv;
	struct model_vpc_view vv;
	uint32_t base, mask;
	char region[64];

	if (model_find_eni_by_mac(m, mac, &ev) != 0 || ev.instance_id == NULL || ev.vlan != vlan ||
	    model_get_instance(m, ev.instance_id, &iv) != 0 || iv.host_port != port ||
	    ev.primary_ip == 0 || model_get_subnet(m, ev.subnet_id, &sv) != 0 ||
	    cidr4(sv.cidr4, &base, &mask) != 0)
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
	region_of(ev.az, region, sizeof(region));
	snprintf(l->domain, sizeof(l->domain), "%s.compute.internal", region);
	*slot = ev.slot;
	return 0;
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
	struct frame_udp4 fr;
	struct dhcp4_msg msg;
	struct dhcp4_lease l;
	enum dhcp4_type type;
	uint32_t slot = 0;
	int known;

	inc(&g->st.received);
	if (mb->nb_segs != 1 ||
	    frame_udp4_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, &fr) != 0) {
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

static void *run(void *arg)
{
	struct guestsvc *g = arg;
	struct rte_mbuf *pkts[BURST];

	while (!__atomic_load_n(&g->stop, __ATOMIC_RELAXED)) {
		unsigned n = engine_punt_recv(g->p.e, pkts, BURST);

		for (unsigned i = 0; i < n; i++)
			serve_one(g, pkts[i]);
		if (n == 0) {
			struct timespec ts = {0, IDLE_SLEEP_NS};
			nanosleep(&ts, NULL);
		}
	}
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
	rc = pthread_create(&g->thread, NULL, run, g);
	if (rc != 0) {
		free(g->eni);
		free(g);
		errno = rc;
		return NULL;
	}
	pthread_setname_np(g->thread, "enimap-guest");
	return g;
}

void guestsvc_stop(struct guestsvc *g)
{
	if (g == NULL)
		return;
	__atomic_store_n(&g->stop, true, __ATOMIC_RELAXED);
	pthread_join(g->thread, NULL);
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
}

uint64_t guestsvc_eni_dhcp_answers(const struct guestsvc *g, uint32_t slot)
{
	return slot < g->max_enis ? ld(&g->eni[slot].dhcp_answers) : 0;
}
