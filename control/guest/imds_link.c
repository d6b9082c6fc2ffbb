/* SPDX-License-Identifier: BSD-3-Clause */
/* imds_link.c - the metadata service's namespace, TUN device and identities (see imds_link.h). */
#include "imds_link.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "frame.h"

#define IDENTITY_BASE 0x64400001u /* 100.64.0.1: the first identity (host order) */
#define IDENTITY_NET 0x64400000u  /* 100.64.0.0/10 */
#define IDENTITY_MASK 0xffc00000u
#define IMDS4 0xa9fea9feu /* 169.254.169.254 */

struct identity {
	struct imds_peer peer;
	int64_t last_used; /* CLOCK_MONOTONIC seconds; 0 = free */
};

struct imds_link {
	int tun;
	pthread_mutex_t lock; /* the table: written by the services' thread, read by the server's */
	struct identity id[IMDS_LINK_PEERS];
};

static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec + 1; /* never 0: 0 marks a free identity */
}

static void set_sin(struct sockaddr *sa, uint32_t host_order)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(host_order)};

	memcpy(sa, &sin, sizeof(sin));
}

/* imds0 up with 169.254.169.254/32 and the identities' /10 routed to it. */
static int configure(const char *ifname, char *err, size_t cap)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	struct rtentry rt;
	const char *step = "socket";

	if (s < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	set_sin(&ifr.ifr_addr, IMDS4);
	step = "SIOCSIFADDR";
	if (ioctl(s, SIOCSIFADDR, &ifr) != 0)
		goto fail;
	set_sin(&ifr.ifr_netmask, 0xffffffffu);
	step = "SIOCSIFNETMASK";
	if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0)
		goto fail;
	step = "SIOCGIFFLAGS";
	if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		goto fail;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	step = "SIOCSIFFLAGS";
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		goto fail;
	memset(&rt, 0, sizeof(rt));
	set_sin(&rt.rt_dst, IDENTITY_NET);
	set_sin(&rt.rt_genmask, IDENTITY_MASK);
	rt.rt_flags = RTF_UP;
	rt.rt_dev = ifr.ifr_name;
	step = "SIOCADDRT";
	if (ioctl(s, SIOCADDRT, &rt) != 0)
		goto fail;
	close(s);
	return 0;
fail:
	snprintf(err, cap, "%s %s: %s", ifname, step, strerror(errno));
	if (s >= 0)
		close(s);
	return -1;
}

struct imds_link *imds_link_open(char *err, size_t cap)
{
	struct imds_link *l;
	struct ifreq ifr;

	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(err, cap, "a network namespace for the metadata service: %s",
			 strerror(errno));
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, cap, "%s", strerror(ENOMEM));
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (l->tun < 0) {
		snprintf(err, cap, "/dev/net/tun: %s", strerror(errno));
		goto fail;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI; /* IPv4 packets, whole: no ARP, no checksum offload */
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", IMDS_LINK_IFNAME);
	if (ioctl(l->tun, TUNSETIFF, &ifr) != 0) {
		snprintf(err, cap, "TUNSETIFF %s: %s", IMDS_LINK_IFNAME, strerror(errno));
		goto fail;
	}
	if (configure(ifr.ifr_name, err, cap) != 0)
		goto fail;
	return l;
fail:
	imds_link_close(l);
	return NULL;
}

void imds_link_close(struct imds_link *l)
{
	if (l == NULL)
		return;
	if (l->tun >= 0)
		close(l->tun);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

static bool same_peer(const struct imds_peer *a, const struct imds_peer *b)
{
	return memcmp(a->mac, b->mac, 6) == 0 && a->port == b->port && a->vlan == b->vlan &&
	       a->guest_ip == b->guest_ip;
}

/* who's identity (its index), given one if it has none: -1 when all are in use. Under lock. */
static int identity_of(struct imds_link *l, const struct imds_peer *who, int64_t now)
{
	int reuse = -1;

	for (int i = 0; i < IMDS_LINK_PEERS; i++) {
		struct identity *d = &l->id[i];

		if (d->last_used != 0 && same_peer(&d->peer, who)) {
			d->last_used = now;
			return i;
		}
		if (reuse < 0 && (d->last_used == 0 || now - d->last_used > IMDS_LINK_IDLE_S))
			reuse = i;
	}
	if (reuse >= 0) {
		l->id[reuse].peer = *who;
		l->id[reuse].last_used = now;
	}
	return reuse;
}

int imds_link_to_service(struct imds_link *l, const struct imds_peer *who, uint8_t *ip, size_t len)
{
	int i;

	pthread_mutex_lock(&l->lock);
	i = identity_of(l, who, now_s());
	pthread_mutex_unlock(&l->lock);
	if (i < 0 || frame_ip4_rewrite(ip, len, false, htonl(IDENTITY_BASE + (uint32_t)i)) != 0)
		return -1;
	return write(l->tun, ip, len) == (ssize_t)len ? 0 : -1;
}

/* The identity index of a network-order address, or -1. */
static int index_of(uint32_t identity)
{
	uint32_t h = ntohl(identity);

	if (h < IDENTITY_BASE || h - IDENTITY_BASE >= IMDS_LINK_PEERS)
		return -1;
	return (int)(h - IDENTITY_BASE);
}

int imds_link_peer(struct imds_link *l, uint32_t identity, struct imds_peer *out)
{
	int i = index_of(identity), rc = -1;

	if (i < 0)
		return -1;
	pthread_mutex_lock(&l->lock);
	if (l->id[i].last_used != 0) {
		*out = l->id[i].peer;
		rc = 0;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

ssize_t imds_link_from_service(struct imds_link *l, uint8_t *ip, size_t cap, struct imds_peer *to)
{
	ssize_t n;
	uint32_t dst;

	/* the kernel's own IPv6 on imds0 (router solicitations) is nobody's: skipped */
	do
		n = read(l->tun, ip, cap);
	while (n > 0 && (ip[0] >> 4) == 6);
	if (n <= 0)
		return 0; /* EAGAIN: nothing waiting */
	if (n < 20 || (ip[0] >> 4) != 4)
		return -1;
	memcpy(&dst, ip + 16, 4);
	if (imds_link_peer(l, dst, to) != 0 ||
	    frame_ip4_rewrite(ip, (size_t)n, true, to->guest_ip) != 0)
		return -1;
	return n;
}
