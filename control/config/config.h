/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - the YAML configuration: the engine's settings (struct
 * engine_params, engine_params.h) and the API's (struct api_settings,
 * api_settings.h), and the VPC state, which is loaded into the model through
 * the model's own operations (model.h) -- the same path the API uses. A bad
 * file is refused with "file:line:column: reason" and nothing is half-loaded.
 *
 * The dependency is one way: the loader fills the engine's and the API's own
 * structs; neither the engine nor the API includes this header.
 *
 * The schema, with every field, is config/example.yaml.
 */
#ifndef ENIMAP_CONFIG_H
#define ENIMAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api_settings.h"
#include "engine_params.h"
#include "model.h"

/* `metrics:`, the Prometheus endpoint (app/metrics.h): OpenMetrics text at /metrics. */
#define CONFIG_METRICS_DEFAULT_LISTEN "127.0.0.1:9464"
struct metrics_settings {
	bool enabled;	 /* default true */
	char listen[64]; /* "ip:port" or "[ip6]:port", numeric; default loopback :9464 */
};

/* `guest:`, the router's own services for its machines (D14, D16; control/guest). */
struct guest_settings {
	bool dhcp;		/* answer DHCPv4 (default true) */
	bool imds;		/* serve instance metadata at 169.254.169.254 (default true) */
	uint32_t lease_seconds; /* 10-86400, default 3600 */
	uint32_t punt_rate; /* packets a second each worker hands over, 1-1000000, default 2000 */
};

struct enimap_config {
	char path[256];			 /* the file it came from */
	struct engine_params engine;	 /* `engine:`, defaults filled in */
	struct api_settings api;	 /* `api:`, defaults filled in */
	struct metrics_settings metrics; /* `metrics:`, defaults filled in */
	struct guest_settings guest;	 /* `guest:`, defaults filled in */
};

/*
 * The largest file config_load reads (checked before reading): 2 GiB, above
 * the 10M private addresses + 10M associated EIPs that SPEC section 5 loads
 * (scripts/gen-config.py --v4 10000000 --eips 10000000 --per-eni 250: 1.39 GB).
 */
#define CONFIG_MAX_FILE_BYTES ((size_t)1 << 31)

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
