/* SPDX-License-Identifier: BSD-3-Clause */
/* etcd_cluster.c - see etcd_cluster.h. */
#include "etcd_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"

/* A loopback port nobody listens on now (bound, read, closed). */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int etcd_cluster_start_member(struct etcd_cluster *k, int i)
{
	char name[16], data[96], log[96], client[64], peer[64], initial[512] = "";
	pid_t pid;

	for (int j = 0; j < k->n; j++) {
		size_t at = strlen(initial);

		snprintf(initial + at, sizeof(initial) - at, "%sm%d=http://127.0.0.1:%d",
			 j ? "," : "", j, k->peer_port[j]);
	}
	snprintf(name, sizeof(name), "m%d", i);
	snprintf(data, sizeof(data), "%s/m%d.data", k->dir, i);
	snprintf(log, sizeof(log), "%s/m%d.log", k->dir, i);
	snprintf(client, sizeof(client), "http://127.0.0.1:%d", k->client_port[i]);
	snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", k->peer_port[i]);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* the initial-cluster flags are ignored on a restart (the data
		 * directory has the membership) */
		execlp("etcd", "etcd", "--name", name, "--data-dir", data, "--listen-client-urls",
		       client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
		       "--initial-advertise-peer-urls", peer, "--initial-cluster", initial,
		       "--initial-cluster-state", "new", "--initial-cluster-token", k->token,
		       "--heartbeat-interval", "50", "--election-timeout", "500", (char *)NULL);
		_exit(127);
	}
	k->pid[i] = pid;
	return 0;
}

int etcd_cluster_wait_leader(struct etcd_cluster *k)
{
	for (int tries = 0; tries < 200; tries++) {
		int ready = 0, running = 0;

		for (int i = 0; i < k->n; i++) {
			struct etcd_err err;
			struct etcd_status st = {0};
			struct etcd *c;

			if (k->pid[i] == 0)
				continue;
			running++;
			c = etcd_open(&k->urls[i], 1, 500, &err);
			if (c != NULL && etcd_status(c, &st, &err) == 0 && st.leader != 0)
				ready++;
			etcd_close(c);
		}
		if (ready == running)
			return 0;
		sleep_ms(100);
	}
	fprintf(stderr, "etcd cluster in %s: no leader after 20 s (logs there)\n", k->dir);
	return -1;
}

int etcd_cluster_start(struct etcd_cluster *k, int n)
{
	memset(k, 0, sizeof(*k));
	if (n < 1 || n > ETCD_CLUSTER_MAX)
		return -1;
	snprintf(k->dir, sizeof(k->dir), "/tmp/enimap-etcd-XXXXXX");
	if (mkdtemp(k->dir) == NULL)
		return -1;
	snprintf(k->token, sizeof(k->token), "enimap-test-%d", (int)getpid());
	k->n = n;
	for (int i = 0; i < n; i++) {
		k->client_port[i] = free_port();
		k->peer_port[i] = free_port();
		snprintf(k->url[i], sizeof(k->url[i]), "http://127.0.0.1:%d", k->client_port[i]);
		k->urls[i] = k->url[i];
		if (k->client_port[i] < 0 || k->peer_port[i] < 0)
			return -1;
	}
	for (int i = 0; i < n; i++)
		if (etcd_cluster_start_member(k, i) != 0)
			return -1;
	return etcd_cluster_wait_leader(k);
}

void etcd_cluster_stop_member(struct etcd_cluster *k, int i)
{
	if (k->pid[i] == 0)
		return;
	kill(k->pid[i], SIGCONT); /* a paused member too */
	kill(k->pid[i], SIGTERM);
	waitpid(k->pid[i], NULL, 0);
	k->pid[i] = 0;
}

void etcd_cluster_endpoints_from(const struct etcd_cluster *k, int first, const char **eps)
{
	for (int i = 0; i < k->n; i++)
		eps[i] = k->urls[(first + i) % k->n];
}

void etcd_cluster_pause_member(struct etcd_cluster *k, int i)
{
	if (k->pid[i] != 0)
		kill(k->pid[i], SIGSTOP);
}

void etcd_cluster_resume_member(struct etcd_cluster *k, int i)
{
	if (k->pid[i] != 0)
		kill(k->pid[i], SIGCONT);
}

void etcd_cluster_destroy(struct etcd_cluster *k)
{
	char cmd[96];

	for (int i = 0; i < k->n; i++)
		etcd_cluster_stop_member(k, i);
	if (k->dir[0] != '\0' && getenv("ENIMAP_KEEP_ETCD") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", k->dir);
	}
}
