/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - the YAML configuration: the engine's own settings, and the VPC
 * state, which is loaded into the model through the model's own operations
 * (model.h) -- the same path the API uses. A bad file is refused with
 * "file:line:column: reason" and nothing is half-loaded.
 *
 * The schema, with every field, is config/example.yaml.
 */
#ifndef ENIMAP_CONFIG_H
#define ENIMAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CONFIG_MAX_PORTS 16
#define CONFIG_MAX_CREDENTIALS 16
#define CONFIG_MAX_EAL_ARGS 32

enum config_port_role { CONFIG_PORT_UPLINK = 0, CONFIG_PORT_HOST = 1 };

struct config_port {
	char name[32]; /* referenced by instances' `port:` */
	enum config_port_role role;
	char device[256]; /* DPDK vdev args, e.g. "net_af_packet0,iface=veth0" */
	bool has_mac;
	uint8_t mac[6]; /* the engine's MAC on this port; default: the device's */
	/* uplink only: the upstream router, where outbound packets go */
	bool has_upstream_mac;
	uint8_t upstream_mac[6];
	bool has_upstream_ip;
	uint32_t upstream_ip; /* network order; resolved by ARP when no MAC is given */
};

struct config_credential {
	char access_key_id[128];
	char secret_access_key[128];
};

struct config_engine {
	unsigned workers; /* poll-mode worker lcores (default 1) */
	size_t n_eal_args;
	char eal_args[CONFIG_MAX_EAL_ARGS][128]; /* extra EAL arguments, appended */
	size_t n_ports;
	struct config_port ports[CONFIG_MAX_PORTS];
	/* table capacities (model_set_capacity); defaults 1<<20 each */
	size_t max_ipv4, max_ipv6, max_eips;
	unsigned burst; /* rx burst size (default 32) */
};

struct config_api {
	bool enabled;	 /* default true */
	char listen[64]; /* "127.0.0.1:8787" by default */
	char region[32]; /* "us-east-1" by default: SigV4 scope */
	size_t n_credentials;
	struct config_credential credentials[CONFIG_MAX_CREDENTIALS];
	char journal[256]; /* journal file path; "" = no journal */
};

struct enimap_config {
	char path[256]; /* the file it came from */
	struct config_engine engine;
	struct config_api api;
};

struct config_err {
	char message[768]; /* "file:line:column: reason" */
};

/*
 * Parse the file at path: fill *cfg and load the VPC state into m (which
 * should be empty) through the model operations, appending the mapping
 * changes to delta (may be NULL). 0, or -1 with err->message set; on error
 * the caller must discard m (model_free) and start nothing.
 *
 * Details: *cfg is written only on success. The whole file is checked
 * (keys, types, required fields, addresses, port names) before the model is
 * touched, so only a model rule (message "CODE: text", the EC2 error code)
 * can leave m partly loaded. engine.capacity is applied with
 * model_set_capacity() before loading.
 */
int config_load(const char *path, struct enimap_config *cfg, struct model *m, struct delta *delta,
		struct config_err *err);

/* The same from a string in memory (name is used in error messages). */
int config_load_string(const char *name, const char *yaml, size_t len, struct enimap_config *cfg,
		       struct model *m, struct delta *delta, struct config_err *err);

#endif
