/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * guestsvc.h - the VPC router's own services for its machines (D14, D16):
 * a thread that takes what the workers punted (engine_punt_recv) and
 * answers it: DHCPv4 (dhcp4.h), router solicitations (ra6.h, and
 * unsolicited advertisements every RA6_PERIOD), DHCPv6 (dhcp6.h), and the
 * instance metadata service
 * (D15): TCP to 169.254.169.254:80 goes, whole, to a real network stack
 * in a namespace of its own (imds_link.h), where an HTTP server (imds.h)
 * answers.
 *
 * Identity: the asker is the ENI whose MAC is the frame's source MAC
 * (model_find_eni_by_mac), and only when that ENI is attached to an
 * instance placed on the port the frame came in on and the frame carries
 * the ENI's VLAN: the same {port, VLAN, MAC} the workers know ENIs by
 * (D4). Addresses a packet claims are never used to find anyone. Anything
 * else is counted and gets nothing.
 *
 * Answers are computed under the model lock from the model, which equals
 * the published tables under that lock: a DHCP answer reflects every
 * change whose API call has returned.
 */
#ifndef ENIMAP_GUESTSVC_H
#define ENIMAP_GUESTSVC_H

#include <stdbool.h>
#include <stdint.h>

#include "engine_params.h"

struct engine;
struct model;

#define GUESTSVC_LEASE_DEFAULT 3600 /* seconds, as EC2 gives */

struct guestsvc_params {
	struct engine *e;
	const struct model *m;
	void (*lock)(void *arg), (*unlock)(void *arg); /* the model lock */
	void *arg;
	bool dhcp, imds;  /* which services answer (dhcp: DHCPv4, router advertisements, DHCPv6) */
	uint32_t lease_s; /* DHCP lease time (0 = GUESTSVC_LEASE_DEFAULT) */
	unsigned n_ports;
	uint16_t mtu[ENGINE_MAX_PORTS]; /* each engine port's MTU: the DHCP interface-mtu option */
};

/* What the services did, since start. */
struct guestsvc_stats {
	uint64_t received;  /* packets taken from the workers */
	uint64_t malformed; /* not a well-formed DHCP request */
	uint64_t unknown;   /* from no ENI known by port, VLAN and MAC */
	uint64_t offers, acks, naks;
	uint64_t releases, declines; /* received, no answer */
	uint64_t dhcp6_advertises, dhcp6_replies;
	uint64_t ra_solicited, ra_unsolicited; /* router advertisements sent */
	uint64_t ignored;		       /* for another server, relayed, or not DHCP */
	uint64_t tx_failed;		       /* no mbuf, or the reply ring full */
	/* the metadata service's segments, each way (imds_link.h) */
	uint64_t imds_in, imds_out;
	uint64_t imds_dropped; /* no identity free, or one for nobody */
	uint64_t
	    imds_v6_disabled; /* to [fd00:ec2::254] from an instance without HttpProtocolIpv6 */
	/* its HTTP answers (imds.h) */
	uint64_t imds_requests, imds_ok, imds_tokens, imds_not_found, imds_unauthorized;
	uint64_t imds_refused, imds_unknown;
};

/* Per ENI slot (model_eni_view.slot): the DHCP answers it was sent. */
struct guestsvc_eni_stats {
	uint64_t dhcp_answers; /* DHCPv4 and DHCPv6 */
	uint64_t imds_answers; /* 200s of the metadata service */
};

struct guestsvc;

/*
 * Start the thread; it has set up the metadata service when this returns.
 * NULL + errno. When the metadata service cannot run (no CAP_SYS_ADMIN, no
 * /dev/net/tun), DHCP still does and guestsvc_imds_error says why.
 */
struct guestsvc *guestsvc_start(const struct guestsvc_params *p, uint32_t max_enis);
/* Why the metadata service is not running, or NULL when it is (or was not asked for). */
const char *guestsvc_imds_error(const struct guestsvc *g);
/* Why it has no IPv6 endpoint [fd00:ec2::254] while it runs, or NULL. */
const char *guestsvc_imds_ipv6_error(const struct guestsvc *g);
/* Stop and free it (before the engine). NULL is a no-op. */
void guestsvc_stop(struct guestsvc *g);
/* Any thread, any time (relaxed loads). */
void guestsvc_get_stats(const struct guestsvc *g, struct guestsvc_stats *out);
void guestsvc_get_eni_stats(const struct guestsvc *g, uint32_t slot,
			    struct guestsvc_eni_stats *out);

#endif
