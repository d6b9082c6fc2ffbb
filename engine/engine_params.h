/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * engine_params.h - what the engine is started with (engine_eal_build,
 * engine_eal_init, engine_create): its ports, worker lcores, burst, extra EAL
 * arguments and table capacities.
 *
 * A plain header (no DPDK, no other enimap header), so that whoever fills
 * these settings -- the YAML loader (control/config), a test, a benchmark --
 * does not depend on the engine's code, and the engine does not depend on it.
 */
#ifndef ENIMAP_ENGINE_PARAMS_H
#define ENIMAP_ENGINE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The dataplane's port arrays have this size: engine.c asserts it equals FWD_MAX_PORTS. */
#define ENGINE_MAX_PORTS 16
#define ENGINE_MAX_EXTRA_EAL_ARGS 32 /* engine_params.eal_args */

enum engine_port_role { ENGINE_PORT_UPLINK = 0, ENGINE_PORT_HOST = 1 };

struct engine_port_params {
	char name[32]; /* for log lines (the configuration's instances refer to it) */
	enum engine_port_role role;
	char device[256]; /* DPDK vdev args, e.g. "net_af_packet0,iface=veth0" */
	bool has_mac;
	uint8_t mac[6]; /* the engine's MAC on this port; default: the device's */
	/* uplink only: the upstream router, where outbound packets go */
	bool has_upstream_mac;
	uint8_t upstream_mac[6];
	bool has_upstream_ip;
	uint32_t upstream_ip; /* network order; resolved by ARP when no MAC is given */
	uint16_t mtu;	      /* egress MTU in IP bytes, 1280..9216; 0 = 1500 */
};

/*
 * Security groups (D12), engine.security_groups in the configuration.
 * Zeros take the defaults: flows ENGINE_SG_DEFAULT_FLOWS, timeouts EC2's
 * (conntrack.h: TCP established 432000 s, SYN 120, closing 10; UDP 30,
 * 180 once a stream; ICMP 30).
 */
#define ENGINE_SG_DEFAULT_FLOWS 262144u
struct engine_sg_params {
	bool enforce;	    /* false: groups are kept and described, never enforced */
	uint32_t max_flows; /* tracked flows at most */
	uint32_t tcp_established_s, tcp_syn_s, tcp_closing_s, udp_s, udp_stream_s, icmp_s;
};

struct engine_params {
	unsigned workers; /* poll-mode worker lcores (0 = 1) */
	size_t n_eal_args;
	char eal_args[ENGINE_MAX_EXTRA_EAL_ARGS][128]; /* extra EAL arguments, appended */
	size_t n_ports;
	struct engine_port_params ports[ENGINE_MAX_PORTS];
	/* table capacities (0 = the builder's default, 1<<20); the model must be
	 * given the same ones (model_set_capacity), or it accepts what the tables refuse */
	size_t max_ipv4, max_ipv6, max_eips;
	unsigned burst; /* rx burst size (0 = 32) */
	struct engine_sg_params sg;
	/* the exception path (D16): packets a second each worker hands to the
	 * guest services at most (0 = PUNT_RATE_DEFAULT, 2000), more are
	 * dropped as punt-overflow */
	uint32_t punt_rate;
};

#endif
