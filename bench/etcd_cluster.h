/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * etcd_cluster.h - a real etcd cluster for tests and benchmarks: N members of Debian's
 * etcd-server on loopback ports picked free, data in a temporary directory,
 * started, stopped and paused by the test, removed at the end.
 */
#ifndef ENIMAP_TEST_ETCD_CLUSTER_H
#define ENIMAP_TEST_ETCD_CLUSTER_H

#include <stdbool.h>
#include <sys/types.h>

#define ETCD_CLUSTER_MAX 5

struct etcd_cluster {
	int n;
	char dir[64];
	char token[32];
	pid_t pid[ETCD_CLUSTER_MAX]; /* 0: not running */
	int client_port[ETCD_CLUSTER_MAX], peer_port[ETCD_CLUSTER_MAX];
	char url[ETCD_CLUSTER_MAX][40];
	const char *urls[ETCD_CLUSTER_MAX]; /* url[i], for etcd_open */
};

/* The members' URLs from member `first` on, round the list (eps has room for
 * k->n): a client opened with them calls member `first` first. */
void etcd_cluster_endpoints_from(const struct etcd_cluster *k, int first, const char **eps);
/* Starts n members and waits (20 s at most) until they have a leader. */
int etcd_cluster_start(struct etcd_cluster *k, int n);
/* SIGTERM and wait; the member's data stays for a restart. */
void etcd_cluster_stop_member(struct etcd_cluster *k, int i);
/* SIGSTOP / SIGCONT: a member that holds its connections and answers nothing. */
void etcd_cluster_pause_member(struct etcd_cluster *k, int i);
void etcd_cluster_resume_member(struct etcd_cluster *k, int i);
/* Starts a stopped member again on its data. */
int etcd_cluster_start_member(struct etcd_cluster *k, int i);
/* Waits (20 s at most) until every running member knows a leader. */
int etcd_cluster_wait_leader(struct etcd_cluster *k);
/* Stops every member and removes the data. */
void etcd_cluster_destroy(struct etcd_cluster *k);

#endif
