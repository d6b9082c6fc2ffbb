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
#include "dhcp6.h"
#include "engine.h"
#include "frame.h"
#include "imds.h"
#include "imds_link.h"
#include "model.h"
#include "neigh.h"
#include "ra6.h"

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
	/* the unsolicited router advertisements' round: the MACs of the ENIs
	 * to advertise to, taken every RA6_PERIOD, sent BURST a loop */
	struct {
		uint8_t (*macs)[6];
		size_t n, cap, next;
		struct timespec due;
	} ra;
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

/* The ENI with that MAC, attached: 0, *ev and its instance's port, or -1. Under the model lock. */
static int find_placed(const struct model *m, const uint8_t mac[6], struct model_eni_view *ev,
		       uint16_t *port)
{
	struct model_instance_view iv;

	if (model_find_eni_by_mac(m, mac, ev) != 0 || ev->instance_id == NULL ||
	    model_get_instance(m, ev->instance_id, &iv) != 0)
		return -1;
	*port = iv.host_port;
	return 0;
}

/*
 * The ENI with that MAC, when it is known on {port, vlan}: attached, its
 * instance placed on port, its VLAN vlan. 0 and *ev, or -1. Under the model lock.
 */
static int find_known(const struct model *m, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		      struct model_eni_view *ev)
{
	uint16_t placed;

	return find_placed(m, mac, ev, &placed) == 0 && ev->vlan == vlan && placed == port ? 0 : -1;
}

/* "2600:1f18::/64" -> the block and its length. 0 or -1. */
static int cidr6(const char *s, uint8_t addr[16], uint8_t *len)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	int n;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	n = atoi(slash + 1);
	if (inet_pton(AF_INET6, buf, addr) != 1 || n < 0 || n > 128)
		return -1;
	*len = (uint8_t)n;
	return 0;
}

/* The resolver EC2 gives IPv6 guests (the Amazon-provided DNS server's IPv6 address). */
static const uint8_t VPC_DNS6[16] = {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x53};

/*
 * The IPv6 side of ENI ev on port: the router advertisement for its
 * subnet (ra->prefix_len 0: the subnet has no IPv6 block) and, when l is
 * not NULL, its DHCPv6 lease (its first IPv6 address). Under the model lock.
 */
static void v6_of(const struct guestsvc *g, const struct model_eni_view *ev, uint16_t port,
		  struct ra6_params *ra, struct dhcp6_lease *l)
{
	const struct model *m = g->p.m;
	struct model_subnet_view sv;
	struct model_vpc_view vv;
	char region[64];

	memset(ra, 0, sizeof(*ra));
	if (engine_port_mac(g->p.e, port, ra->router_mac) != 0 ||
	    model_get_subnet(m, ev->subnet_id, &sv) != 0 || sv.cidr6 == NULL ||
	    cidr6(sv.cidr6, ra->prefix, &ra->prefix_len) != 0)
		ra->prefix_len = 0;
	ra->mtu = port < g->p.n_ports ? g->p.mtu[port] : 0;
	if (l == NULL)
		return;
	memset(l, 0, sizeof(*l));
	l->has_addr = ev->n_ipv6 > 0 && ra->prefix_len != 0;
	if (l->has_addr)
		memcpy(l->addr, &ev->ipv6[0], 16);
	memcpy(l->server_mac, ra->router_mac, 6);
	l->has_dns = model_get_vpc(m, ev->vpc_id, &vv) == 0 && vv.dns_support;
	memcpy(l->dns, VPC_DNS6, 16);
	l->lease_s = g->p.lease_s ? g->p.lease_s : GUESTSVC_LEASE_DEFAULT;
	dhcp4_region_of(ev->az, region, sizeof(region));
	snprintf(l->domain, sizeof(l->domain), "%s.compute.internal", region);
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

/*
 * Whether the ENI with that MAC is known on {port, vlan} (find_known): 0,
 * and in *v6 whether its instance has the metadata service's IPv6 endpoint
 * (HttpProtocolIpv6=enabled); or -1.
 */
static int known_eni(const struct guestsvc *g, const uint8_t mac[6], uint16_t port, uint16_t vlan,
		     bool *v6)
{
	struct model_eni_view ev;
	struct model_instance_view iv;
	int rc;

	g->p.lock(g->p.arg);
	rc = find_known(g->p.m, mac, port, vlan, &ev);
	*v6 = rc == 0 && model_get_instance(g->p.m, ev.instance_id, &iv) == 0 &&
	      iv.metadata_ipv6_enabled;
	g->p.unlock(g->p.arg);
	return rc;
}

/* A guest's TCP segment for the metadata service (ip, len: IPv4, or IPv6 when who->v6): into
 * its namespace (imds_link.h). The mbuf's bytes are ours: rewritten in place. */
static void to_imds(struct guestsvc *g, struct imds_peer *who, const uint8_t src_mac[6],
		    uint8_t *ip, size_t len)
{
	bool v6_enabled;

	memcpy(who->mac, src_mac, 6);
	if (known_eni(g, src_mac, who->port, who->vlan, &v6_enabled) != 0) {
		inc(&g->st.unknown);
		return;
	}
	/* EC2 serves [fd00:ec2::254] only to the instances that ask for it: the others' segments
	 * go nowhere, as if the address did not exist */
	if (who->v6 && (!v6_enabled || imds_link_ipv6_error(g->link) != NULL)) {
		inc(&g->st.imds_v6_disabled);
		return;
	}
	if (imds_link_to_service(g->link, who, ip, len) != 0) {
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

/*
 * An IPv6 packet from the router's link-local address on port (that of its
 * MAC: neigh_router_link_local) to dst_ip at dst_mac. 0, or -1 (counted).
 */
static int send_ip6(struct guestsvc *g, uint16_t port, uint16_t vlan, const uint8_t dst_mac[6],
		    const uint8_t dst_ip[16], uint8_t next, const uint8_t *payload, size_t len)
{
	struct frame_ip6 out = {
	    .vlan = vlan, .next = next, .hop_limit = 255, .payload = payload, .payload_len = len};
	struct rte_mbuf *mb = engine_punt_alloc(g->p.e);
	size_t n;

	memcpy(out.dst_mac, dst_mac, 6);
	memcpy(out.dst_ip, dst_ip, 16);
	if (mb == NULL || engine_port_mac(g->p.e, port, out.src_mac) != 0) {
		rte_pktmbuf_free(mb);
		inc(&g->st.tx_failed);
		return -1;
	}
	neigh_router_link_local(out.src_mac, out.src_ip);
	n = frame_ip6_build(rte_pktmbuf_mtod(mb, uint8_t *), rte_pktmbuf_tailroom(mb), &out);
	if (n == 0) {
		rte_pktmbuf_free(mb);
		inc(&g->st.tx_failed);
		return -1;
	}
	mb->data_len = (uint16_t)n;
	mb->pkt_len = (uint32_t)n;
	if (engine_punt_send(g->p.e, mb, port) != 0) {
		inc(&g->st.tx_failed);
		return -1;
	}
	return 0;
}

/* All nodes (ff02::1): where unsolicited advertisements go (each to one ENI's MAC). */
static const uint8_t ALL_NODES[16] = {0xff, 0x02, [15] = 0x01};

/* A router advertisement for ra to dst_ip at dst_mac on {port, vlan}. 0, or -1 (counted). */
static int send_ra(struct guestsvc *g, uint16_t port, uint16_t vlan, const uint8_t dst_mac[6],
		   const uint8_t dst_ip[16], const struct ra6_params *ra)
{
	uint8_t msg[RA6_MAX_LEN];
	size_t n = ra6_build(msg, sizeof(msg), ra);

	if (n == 0) {
		inc(&g->st.tx_failed);
		return -1;
	}
	return send_ip6(g, port, vlan, dst_mac, dst_ip, FRAME_IP6_ICMP6, msg, n);
}

/* A guest's router solicitation (D14): the advertisement of its subnet, to it. */
static void serve_rs(struct guestsvc *g, const struct frame_ip6 *fr, uint16_t port)
{
	static const uint8_t unspecified[16];
	bool from_unspecified = memcmp(fr->src_ip, unspecified, 16) == 0;
	struct model_eni_view ev;
	struct ra6_params ra;
	int known;

	if (!ra6_is_solicitation(fr->payload, fr->payload_len, fr->hop_limit, from_unspecified)) {
		inc(&g->st.malformed);
		return;
	}
	g->p.lock(g->p.arg);
	known = find_known(g->p.m, fr->src_mac, port, fr->vlan, &ev);
	if (known == 0)
		v6_of(g, &ev, port, &ra, NULL);
	g->p.unlock(g->p.arg);
	if (known != 0) {
		inc(&g->st.unknown);
		return;
	}
	if (ra.prefix_len == 0) {
		inc(&g->st.ignored); /* a subnet without IPv6: nothing to advertise */
		return;
	}
	/* to the asker's address, or to all nodes when it has none yet (RFC 4861 6.2.6) */
	if (send_ra(g, port, fr->vlan, fr->src_mac, from_unspecified ? ALL_NODES : fr->src_ip,
		    &ra) == 0)
		inc(&g->st.ra_solicited);
}

/* A DHCPv6 client's message (D14): the answer of its ENI's lease, to its link-local address. */
static void serve_dhcp6(struct guestsvc *g, const struct frame_ip6 *fr, uint16_t port)
{
	uint8_t udp[8 + DHCP6_MAX_LEN];
	const uint8_t *u = fr->payload;
	struct model_eni_view ev;
	struct dhcp6_lease l;
	struct ra6_params ra;
	struct dhcp6_msg msg;
	enum dhcp6_type type;
	uint32_t slot = 0;
	size_t n;
	int known;

	if (fr->payload_len < 8 || ((size_t)u[4] << 8 | u[5]) != fr->payload_len) {
		inc(&g->st.malformed);
		return;
	}
	if (((unsigned)u[0] << 8 | u[1]) != DHCP6_CLIENT_PORT ||
	    ((unsigned)u[2] << 8 | u[3]) != DHCP6_SERVER_PORT) {
		inc(&g->st.ignored);
		return;
	}
	if (dhcp6_parse(u + 8, fr->payload_len - 8, &msg) != 0) {
		inc(&g->st.malformed);
		return;
	}
	g->p.lock(g->p.arg);
	known = find_known(g->p.m, fr->src_mac, port, fr->vlan, &ev);
	if (known == 0) {
		v6_of(g, &ev, port, &ra, &l);
		slot = ev.slot;
	}
	g->p.unlock(g->p.arg);
	if (known != 0) {
		inc(&g->st.unknown);
		return;
	}
	type = dhcp6_decide(&msg, &l);
	n = type == DHCP6_NONE ? 0 : dhcp6_build(udp + 8, sizeof(udp) - 8, &msg, &l, type);
	if (n == 0) {
		inc(&g->st.ignored);
		return;
	}
	udp[0] = DHCP6_SERVER_PORT >> 8;
	udp[1] = DHCP6_SERVER_PORT & 0xff;
	udp[2] = DHCP6_CLIENT_PORT >> 8;
	udp[3] = DHCP6_CLIENT_PORT & 0xff;
	udp[4] = (uint8_t)((n + 8) >> 8);
	udp[5] = (uint8_t)(n + 8);
	if (send_ip6(g, port, fr->vlan, fr->src_mac, fr->src_ip, FRAME_IP6_UDP, udp, n + 8) != 0)
		return;
	inc(type == DHCP6_ADVERTISE ? &g->st.dhcp6_advertises : &g->st.dhcp6_replies);
	if (slot < g->max_enis)
		inc(&g->eni[slot].dhcp_answers);
}

/* A punted IPv6 packet: a router solicitation or a DHCPv6 client's message. */
static void serve_v6(struct guestsvc *g, const struct frame_ip6 *fr, uint16_t port)
{
	if (fr->next == 6 /* TCP: to [fd00:ec2::254]:80, the only TCP the workers punt */) {
		struct imds_peer who = {.port = port, .vlan = fr->vlan, .v6 = true};

		memcpy(who.guest_ip6, fr->src_ip, 16);
		if (g->link != NULL) /* the packet's bytes are the mbuf's: ours */
			to_imds(g, &who, fr->src_mac, (uint8_t *)fr->payload - 40,
				40 + fr->payload_len);
		else
			inc(&g->st.ignored);
		return;
	}
	if (!g->p.dhcp)
		inc(&g->st.ignored);
	else if (fr->next == FRAME_IP6_ICMP6 && fr->payload_len > 0 && fr->payload[0] == 133)
		serve_rs(g, fr, port);
	else if (fr->next == FRAME_IP6_UDP)
		serve_dhcp6(g, fr, port);
	else
		inc(&g->st.ignored);
}

/* Collect the MACs of the attached ENIs: the next round of unsolicited advertisements. */
static int ra_collect(const struct model_eni_view *ev, void *arg)
{
	struct guestsvc *g = arg;

	if (ev->instance_id == NULL)
		return 0;
	if (g->ra.n == g->ra.cap) {
		size_t cap = g->ra.cap ? 2 * g->ra.cap : 64;
		uint8_t(*macs)[6] = realloc(g->ra.macs, cap * sizeof(*macs));

		if (macs == NULL)
			return 0; /* this round is short; the next one tries again */
		g->ra.macs = macs;
		g->ra.cap = cap;
	}
	memcpy(g->ra.macs[g->ra.n++], ev->mac, 6);
	return 0;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/*
 * The unsolicited router advertisements (RFC 4861 6.2.4): every RA6_PERIOD
 * (and at start, for guests whose solicitations came before the engine),
 * one to each attached ENI of a subnet with IPv6: Ethernet to its MAC, IP
 * to all nodes, so no other machine on the port hears another subnet's
 * prefix. BURST a loop, each ENI looked up again when its turn comes.
 * Returns how many went.
 */
static unsigned ra_tick(struct guestsvc *g)
{
	struct timespec now;
	unsigned sent = 0;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (g->ra.next == g->ra.n) {
		if (ts_before(&now, &g->ra.due))
			return 0;
		g->ra.n = g->ra.next = 0;
		g->p.lock(g->p.arg);
		model_foreach_eni(g->p.m, ra_collect, g);
		g->p.unlock(g->p.arg);
		g->ra.due = now;
		g->ra.due.tv_sec += RA6_PERIOD;
	}
	while (g->ra.next < g->ra.n && sent < BURST) {
		const uint8_t *mac = g->ra.macs[g->ra.next++];
		struct model_eni_view ev;
		struct ra6_params ra;
		uint16_t port;
		int placed;

		g->p.lock(g->p.arg);
		placed = find_placed(g->p.m, mac, &ev, &port);
		if (placed == 0)
			v6_of(g, &ev, port, &ra, NULL);
		g->p.unlock(g->p.arg);
		if (placed != 0 || ra.prefix_len == 0)
			continue;
		if (send_ra(g, port, ev.vlan, mac, ALL_NODES, &ra) == 0)
			inc(&g->st.ra_unsolicited);
		sent++;
	}
	return sent;
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
	struct frame_ip6 ip6;
	struct frame_ip4 ip;
	struct frame_udp4 fr;
	struct dhcp4_msg msg;
	struct dhcp4_lease l;
	enum dhcp4_type type;
	uint32_t slot = 0;
	int known;

	inc(&g->st.received);
	if (mb->nb_segs == 1 &&
	    frame_ip6_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, &ip6) == 0) {
		serve_v6(g, &ip6, port);
		goto out;
	}
	if (mb->nb_segs != 1 ||
	    frame_ip4_parse(rte_pktmbuf_mtod(mb, const uint8_t *), mb->data_len, &ip) != 0) {
		inc(&g->st.malformed);
		goto out;
	}
	if (ip.proto == 6 /* TCP */) {
		struct imds_peer who = {.port = port, .vlan = ip.vlan, .guest_ip = ip.src_ip};

		if (g->link != NULL)
			to_imds(g, &who, ip.src_mac, (uint8_t *)ip.ip, ip.ip_len);
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
	ip.ipv6 = imds_link_ipv6_error(g->link) == NULL;
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
		if (g->p.dhcp)
			n += ra_tick(g);
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
	free(g->ra.macs);
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

const char *guestsvc_imds_ipv6_error(const struct guestsvc *g)
{
	return g->link != NULL && g->imds != NULL ? imds_link_ipv6_error(g->link) : NULL;
}

void guestsvc_get_eni_stats(const struct guestsvc *g, uint32_t slot, struct guestsvc_eni_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (slot >= g->max_enis)
		return;
	out->dhcp_answers = ld(&g->eni[slot].dhcp_answers);
	out->imds_answers = ld(&g->eni[slot].imds_answers);
}
