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
/* fd00:ec2::254, and the identities' /64: fd00:ec2:0:1::<index + 1> */
static const uint8_t IMDS6[16] = {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54};
static const uint8_t IDENTITY6_NET[8] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 1};

/* linux/ipv6.h's struct in6_ifreq (SIOCSIFADDR on an AF_INET6 socket); glibc has none, and
 * linux/ipv6.h does not mix with netinet/in.h */
struct in6_ifreq_linux {
	struct in6_addr ifr6_addr;
	uint32_t ifr6_prefixlen;
	int ifr6_ifindex;
};

struct identity {
	struct imds_peer peer;
	int64_t last_used; /* CLOCK_MONOTONIC seconds; 0 = free */
};

struct imds_link {
	int tun;
	char v6_err[128];     /* "" = the IPv6 side is up */
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

/* Write value into the sysctl file path (of this thread's namespace). 0, or -1. */
static int sysctl_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/*
 * imds0's IPv6 side: fd00:ec2::254/128 and the identities' /64 routed to
 * it. Duplicate address detection off first: nothing else is on this link,
 * and a tentative address would drop the guests' first segments.
 */
static int configure6(const char *ifname, char *err, size_t cap)
{
	char path[128];
	int s = -1;
	struct in6_ifreq_linux ifr6 = {.ifr6_prefixlen = 128};
	struct in6_rtmsg rt = {.rtmsg_dst_len = 64, .rtmsg_flags = RTF_UP, .rtmsg_metric = 1};
	const char *step = "accept_dad";

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
	if (sysctl_write(path, "0") != 0)
		goto fail;
	step = "socket";
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	ifr6.ifr6_ifindex = (int)if_nametoindex(ifname);
	memcpy(&ifr6.ifr6_addr, IMDS6, 16);
	step = "SIOCSIFADDR fd00:ec2::254";
	if (ifr6.ifr6_ifindex == 0 || ioctl(s, SIOCSIFADDR, &ifr6) != 0)
		goto fail;
	memcpy(&rt.rtmsg_dst, IDENTITY6_NET, 8);
	rt.rtmsg_ifindex = ifr6.ifr6_ifindex;
	step = "SIOCADDRT fd00:ec2:0:1::/64";
	if (ioctl(s, SIOCADDRT, &rt) != 0)
		goto fail;
	close(s);
	return 0;
fail:
	snprintf(err, cap, "%s IPv6 %s: %s", ifname, step, strerror(errno));
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
	/* without IPv6 the service still answers at 169.254.169.254 */
	configure6(ifr.ifr_name, l->v6_err, sizeof(l->v6_err));
	return l;
fail:
	imds_link_close(l);
	return NULL;
}

const char *imds_link_ipv6_error(const struct imds_link *l)
{
	return l->v6_err[0] != '\0' ? l->v6_err : NULL;
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
	       a->v6 == b->v6 &&
	       (a->v6 ? memcmp(a->guest_ip6, b->guest_ip6, 16) == 0 : a->guest_ip == b->guest_ip);
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

/* The IPv6 identity address of index i. */
static void identity6(int i, uint8_t out[16])
{
	uint32_t h = (uint32_t)i + 1;

	memset(out, 0, 16);
	memcpy(out, IDENTITY6_NET, 8);
	out[12] = (uint8_t)(h >> 24);
	out[13] = (uint8_t)(h >> 16);
	out[14] = (uint8_t)(h >> 8);
	out[15] = (uint8_t)h;
}

int imds_link_to_service(struct imds_link *l, const struct imds_peer *who, uint8_t *ip, size_t len)
{
	uint8_t id6[16];
	int i, rc;

	if (who->v6 && l->v6_err[0] != '\0')
		return -1;
	pthread_mutex_lock(&l->lock);
	i = identity_of(l, who, now_s());
	pthread_mutex_unlock(&l->lock);
	if (i < 0)
		return -1;
	if (who->v6) {
		identity6(i, id6);
		rc = frame_ip6_rewrite(ip, len, false, id6);
	} else {
		rc = frame_ip4_rewrite(ip, len, false, htonl(IDENTITY_BASE + (uint32_t)i));
	}
	if (rc != 0)
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

/* The identity index of an IPv6 address, or -1. */
static int index_of6(const uint8_t a[16])
{
	uint32_t h = (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];

	if (memcmp(a, IDENTITY6_NET, 8) != 0 || a[8] | a[9] | a[10] | a[11] || h == 0 ||
	    h > IMDS_LINK_PEERS)
		return -1;
	return (int)(h - 1);
}

/* The peer of identity i when it is in use and asked over IPv6 (v6) or IPv4. 0, or -1. */
static int peer_at(struct imds_link *l, int i, bool v6, struct imds_peer *out)
{
	int rc = -1;

	if (i < 0)
		return -1;
	pthread_mutex_lock(&l->lock);
	if (l->id[i].last_used != 0 && l->id[i].peer.v6 == v6) {
		*out = l->id[i].peer;
		rc = 0;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int imds_link_peer(struct imds_link *l, uint32_t identity, struct imds_peer *out)
{
	return peer_at(l, index_of(identity), false, out);
}

int imds_link_peer6(struct imds_link *l, const uint8_t identity[16], struct imds_peer *out)
{
	return peer_at(l, index_of6(identity), true, out);
}

ssize_t imds_link_from_service(struct imds_link *l, uint8_t *ip, size_t cap, struct imds_peer *to)
{
	ssize_t n;
	uint32_t dst;

	/* the kernel's own IPv6 on imds0 (router solicitations, MLD) is to no identity: skipped */
	for (;;) {
		n = read(l->tun, ip, cap);
		if (n <= 0)
			return 0; /* EAGAIN: nothing waiting */
		if (n >= 40 && (ip[0] >> 4) == 6) {
			if (index_of6(ip + 24) < 0)
				continue;
			if (imds_link_peer6(l, ip + 24, to) != 0 ||
			    frame_ip6_rewrite(ip, (size_t)n, true, to->guest_ip6) != 0)
				return -1;
			return n;
		}
		break;
	}
	if (n < 20 || (ip[0] >> 4) != 4)
		return -1;
	memcpy(&dst, ip + 16, 4);
	if (imds_link_peer(l, dst, to) != 0 ||
	    frame_ip4_rewrite(ip, (size_t)n, true, to->guest_ip) != 0)
		return -1;
	return n;
}
