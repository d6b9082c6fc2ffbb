/* SPDX-License-Identifier: BSD-3-Clause */
/* config_engine.c - the `engine:`, `api:`, `metrics:` and `guest:` sections. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

#define DEFAULT_CAPACITY (1u << 20)

void config_engine_defaults(struct engine_params *out)
{
	memset(out, 0, sizeof(*out));
	out->workers = 1;
	out->burst = 32;
	out->max_ipv4 = DEFAULT_CAPACITY;
	out->max_ipv6 = DEFAULT_CAPACITY;
	out->max_eips = DEFAULT_CAPACITY;
}

static int parse_capacity(const struct cnode_ctx *c, const struct cnode *n,
			  struct engine_params *out)
{
	static const char *const keys[] = {"ipv4", "ipv6", "eips", NULL};
	static const char *const what[] = {"engine.capacity.ipv4", "engine.capacity.ipv6",
					   "engine.capacity.eips"};
	size_t *dst[] = {&out->max_ipv4, &out->max_ipv6, &out->max_eips};

	if (cnode_map_check(c, n, "engine.capacity", keys))
		return -1;
	for (int i = 0; i < 3; i++) {
		const struct cnode *v = cnode_map_find(c, n, keys[i]);
		uint64_t x;

		if (v == NULL)
			continue;
		/* the tables are sized from these: at least one entry, at most 64M */
		if (cnode_uint(c, v, what[i], 1, 1u << 26, &x))
			return -1;
		*dst[i] = (size_t)x;
	}
	return 0;
}

static int parse_port(const struct cnode_ctx *c, const struct cnode *n, struct engine_params *e)
{
	static const char *const keys[] = {"!name",	   "!role",	  "!device", "mac",
					   "upstream_mac", "upstream_ip", "mtu",     NULL};
	static const char *const roles[] = {"uplink", "host", NULL};
	struct engine_port_params *p = &e->ports[e->n_ports];
	const struct cnode *v;
	const char *s;
	uint64_t x;
	int role;

	if (cnode_map_check(c, n, "port", keys))
		return -1;
	v = cnode_map_find(c, n, "name");
	if (cnode_str_copy(c, v, "port name", p->name, sizeof(p->name)))
		return -1;
	if (p->name[0] == '\0')
		return cnode_fail(c, v, "port name: must not be empty");
	for (size_t i = 0; i < e->n_ports; i++)
		if (!strcmp(e->ports[i].name, p->name))
			return cnode_fail(c, v, "port name: '%s' is already used by port %zu",
					  p->name, i);
	v = cnode_map_find(c, n, "role");
	if (cnode_enum(c, v, "port role", roles, &role))
		return -1;
	p->role = role == 0 ? ENGINE_PORT_UPLINK : ENGINE_PORT_HOST;
	if (p->role == ENGINE_PORT_UPLINK)
		for (size_t i = 0; i < e->n_ports; i++)
			if (e->ports[i].role == ENGINE_PORT_UPLINK)
				return cnode_fail(c, v,
						  "port role: port '%s' is already the uplink",
						  e->ports[i].name);
	v = cnode_map_find(c, n, "device");
	if (cnode_str_copy(c, v, "port device", p->device, sizeof(p->device)) ||
	    config_device_check(c, v, p->device))
		return -1;
	if ((v = cnode_map_find(c, n, "mac")) != NULL) {
		if (cnode_mac(c, v, "port mac", &s, p->mac))
			return -1;
		p->has_mac = true;
	}
	if ((v = cnode_map_find(c, n, "upstream_mac")) != NULL) {
		if (p->role != ENGINE_PORT_UPLINK)
			return cnode_fail(c, v,
					  "upstream_mac: only an uplink port has an upstream");
		if (cnode_mac(c, v, "port upstream_mac", &s, p->upstream_mac))
			return -1;
		p->has_upstream_mac = true;
	}
	if ((v = cnode_map_find(c, n, "upstream_ip")) != NULL) {
		if (p->role != ENGINE_PORT_UPLINK)
			return cnode_fail(c, v, "upstream_ip: only an uplink port has an upstream");
		if (cnode_ipv4(c, v, "port upstream_ip", &s, &p->upstream_ip))
			return -1;
		p->has_upstream_ip = true;
	}
	/* the egress MTU (D7): IPv6 needs 1280; 9216 is the usual jumbo ceiling */
	p->mtu = 1500;
	if ((v = cnode_map_find(c, n, "mtu")) != NULL) {
		if (cnode_uint(c, v, "port mtu", 1280, 9216, &x))
			return -1;
		p->mtu = (uint16_t)x;
	}
	e->n_ports++;
	return 0;
}

static int parse_ports(const struct cnode_ctx *c, const struct cnode *n, struct engine_params *e)
{
	const struct cnode *items;
	size_t k;

	if (cnode_seq(c, n, "engine.ports", &items, &k))
		return -1;
	for (size_t i = 0; i < k; i++) {
		const struct cnode *item = cnode_take(c, &items);

		if (e->n_ports == ENGINE_MAX_PORTS)
			return cnode_fail(c, item, "engine.ports: at most %d ports",
					  ENGINE_MAX_PORTS);
		if (parse_port(c, item, e))
			return -1;
	}
	return 0;
}

static int parse_eal(const struct cnode_ctx *c, const struct cnode *n, struct engine_params *e)
{
	const struct cnode *items;
	size_t k;

	if (cnode_seq(c, n, "engine.eal", &items, &k))
		return -1;
	for (size_t i = 0; i < k; i++) {
		const struct cnode *item = cnode_take(c, &items);

		if (e->n_eal_args == ENGINE_MAX_EXTRA_EAL_ARGS)
			return cnode_fail(c, item, "engine.eal: at most %d arguments",
					  ENGINE_MAX_EXTRA_EAL_ARGS);
		if (cnode_str_copy(c, item, "engine.eal argument", e->eal_args[e->n_eal_args],
				   sizeof(e->eal_args[0])) ||
		    config_eal_arg_check(c, item, e->eal_args[e->n_eal_args]))
			return -1;
		e->n_eal_args++;
	}
	return 0;
}

/* engine.security_groups: enforce, max_flows, timeouts (seconds). */
static int parse_security_groups(const struct cnode_ctx *c, const struct cnode *n,
				 struct engine_sg_params *out)
{
	static const char *const keys[] = {"enforce", "max_flows", "timeouts", NULL};
	static const char *const tkeys[] = {"tcp_established", "tcp_syn", "tcp_closing", "udp",
					    "udp_stream",      "icmp",	  NULL};
	uint32_t *tdst[] = {&out->tcp_established_s, &out->tcp_syn_s,
			    &out->tcp_closing_s,     &out->udp_s,
			    &out->udp_stream_s,	     &out->icmp_s};
	const struct cnode *v, *t;
	uint64_t x;

	if (cnode_map_check(c, n, "engine.security_groups", keys))
		return -1;
	if ((v = cnode_map_find(c, n, "enforce")) != NULL &&
	    cnode_bool(c, v, "engine.security_groups.enforce", &out->enforce))
		return -1;
	if ((v = cnode_map_find(c, n, "max_flows")) != NULL) {
		/* the flow table (dataplane/conntrack.h): at least 8 flows, at most 64M */
		if (cnode_uint(c, v, "engine.security_groups.max_flows", 8, 1u << 26, &x))
			return -1;
		out->max_flows = (uint32_t)x;
	}
	if ((t = cnode_map_find(c, n, "timeouts")) == NULL)
		return 0;
	if (cnode_map_check(c, t, "engine.security_groups.timeouts", tkeys))
		return -1;
	for (int i = 0; tkeys[i] != NULL; i++) {
		char what[64];

		if ((v = cnode_map_find(c, t, tkeys[i])) == NULL)
			continue;
		snprintf(what, sizeof(what), "engine.security_groups.timeouts.%s", tkeys[i]);
		/* seconds; 1 s to 30 days (EC2 allows TCP established up to 5 days) */
		if (cnode_uint(c, v, what, 1, 30u * 86400u, &x))
			return -1;
		*tdst[i] = (uint32_t)x;
	}
	return 0;
}

int config_engine_parse(const struct cnode_ctx *c, const struct cnode *n, struct engine_params *out)
{
	static const char *const keys[] = {"workers", "burst",		 "eal", "capacity",
					   "ports",   "security_groups", NULL};
	const struct cnode *v;
	uint64_t x;

	if (n == NULL)
		return 0;
	if (cnode_map_check(c, n, "engine", keys))
		return -1;
	if ((v = cnode_map_find(c, n, "workers")) != NULL) {
		if (cnode_uint(c, v, "engine.workers", 1, 64, &x))
			return -1;
		out->workers = (unsigned)x;
	}
	if ((v = cnode_map_find(c, n, "burst")) != NULL) {
		if (cnode_uint(c, v, "engine.burst", 1, 512, &x))
			return -1;
		out->burst = (unsigned)x;
	}
	if ((v = cnode_map_find(c, n, "eal")) != NULL && parse_eal(c, v, out))
		return -1;
	if ((v = cnode_map_find(c, n, "capacity")) != NULL && parse_capacity(c, v, out))
		return -1;
	if ((v = cnode_map_find(c, n, "ports")) != NULL && parse_ports(c, v, out))
		return -1;
	if ((v = cnode_map_find(c, n, "security_groups")) != NULL &&
	    parse_security_groups(c, v, &out->sg))
		return -1;
	return 0;
}

void config_api_defaults(struct api_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = true;
	strcpy(out->listen, "127.0.0.1:8787");
	strcpy(out->region, "us-east-1");
}

/* "host:port" or "[v6]:port", port 1..65535. */
static int check_listen(const struct cnode_ctx *c, const struct cnode *n, const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s || colon[1] == '\0')
		goto bad;
	if (s[0] == '[' && colon[-1] != ']')
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	return cnode_fail(c, n, "api.listen: '%s' is not host:port", s);
}

static int parse_credentials(const struct cnode_ctx *c, const struct cnode *n,
			     struct api_settings *a)
{
	static const char *const keys[] = {"!access_key_id", "!secret_access_key", NULL};
	const struct cnode *items;
	size_t k;

	if (cnode_seq(c, n, "api.credentials", &items, &k))
		return -1;
	for (size_t i = 0; i < k; i++) {
		const struct cnode *item = cnode_take(c, &items);
		struct api_credential *cr = &a->credentials[a->n_credentials];

		if (a->n_credentials == API_MAX_CREDENTIALS)
			return cnode_fail(c, item, "api.credentials: at most %d",
					  API_MAX_CREDENTIALS);
		if (cnode_map_check(c, item, "credential", keys) ||
		    cnode_str_copy(c, cnode_map_find(c, item, "access_key_id"), "access_key_id",
				   cr->access_key_id, sizeof(cr->access_key_id)) ||
		    cnode_str_copy(c, cnode_map_find(c, item, "secret_access_key"),
				   "secret_access_key", cr->secret_access_key,
				   sizeof(cr->secret_access_key)))
			return -1;
		if (cr->access_key_id[0] == '\0' || cr->secret_access_key[0] == '\0')
			return cnode_fail(c, item,
					  "credential: key id and secret must not be empty");
		a->n_credentials++;
	}
	return 0;
}

/* api.limits: the connection limits and per-phase timeouts (absent = API defaults). */
static int parse_api_limits(const struct cnode_ctx *c, const struct cnode *n,
			    struct api_settings *a)
{
	static const struct {
		const char *key;
		uint64_t max;
		size_t off;
	} limits[] = {
	    {"max_connections", 1000000, offsetof(struct api_settings, max_connections)},
	    {"per_address_connections", 1000000,
	     offsetof(struct api_settings, per_address_connections)},
	    {"request_timeout", 3600, offsetof(struct api_settings, request_timeout)},
	    {"answer_timeout", 3600, offsetof(struct api_settings, answer_timeout)},
	    {"idle_timeout", 3600, offsetof(struct api_settings, idle_timeout)},
	    {"threads", 64, offsetof(struct api_settings, threads)},
	};
	static const char *const keys[] = {"max_connections",
					   "per_address_connections",
					   "request_timeout",
					   "answer_timeout",
					   "idle_timeout",
					   "threads",
					   NULL};
	char what[64];
	uint64_t x;

	if (cnode_map_check(c, n, "api.limits", keys))
		return -1;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const struct cnode *v = cnode_map_find(c, n, limits[i].key);

		if (v == NULL)
			continue;
		snprintf(what, sizeof(what), "api.limits.%s", limits[i].key);
		if (cnode_uint(c, v, what, 1, limits[i].max, &x))
			return -1;
		*(unsigned *)((char *)a + limits[i].off) = (unsigned)x;
	}
	return 0;
}

int config_api_parse(const struct cnode_ctx *c, const struct cnode *n, struct api_settings *out)
{
	static const char *const keys[] = {"enabled",	  "listen", "region", "journal",
					   "credentials", "limits", NULL};
	const struct cnode *v;

	if (n == NULL)
		return 0;
	if (cnode_map_check(c, n, "api", keys))
		return -1;
	if ((v = cnode_map_find(c, n, "enabled")) != NULL &&
	    cnode_bool(c, v, "api.enabled", &out->enabled))
		return -1;
	if ((v = cnode_map_find(c, n, "listen")) != NULL &&
	    (cnode_str_copy(c, v, "api.listen", out->listen, sizeof(out->listen)) ||
	     check_listen(c, v, out->listen)))
		return -1;
	if ((v = cnode_map_find(c, n, "region")) != NULL) {
		if (cnode_str_copy(c, v, "api.region", out->region, sizeof(out->region)))
			return -1;
		if (out->region[0] == '\0')
			return cnode_fail(c, v, "api.region: must not be empty");
	}
	if ((v = cnode_map_find(c, n, "journal")) != NULL &&
	    cnode_str_copy(c, v, "api.journal", out->journal, sizeof(out->journal)))
		return -1;
	if ((v = cnode_map_find(c, n, "credentials")) != NULL && parse_credentials(c, v, out))
		return -1;
	if ((v = cnode_map_find(c, n, "limits")) != NULL && parse_api_limits(c, v, out))
		return -1;
	return 0;
}

void config_metrics_defaults(struct metrics_settings *out)
{
	memset(out, 0, sizeof(*out));
	out->enabled = true;
	strcpy(out->listen, CONFIG_METRICS_DEFAULT_LISTEN);
}

/* A numeric "a.b.c.d:port" or "[v6]:port", port 1..65535: what the metrics server binds. */
static int check_numeric_listen(const struct cnode_ctx *c, const struct cnode *n, const char *what,
				const char *s)
{
	const char *colon = strrchr(s, ':');
	char host[64], *end;
	unsigned char addr[16];
	size_t hl;
	long port;

	if (colon == NULL || colon == s || colon[1] == '\0')
		goto bad;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		goto bad;
	memcpy(host, s, hl);
	host[hl] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535)
		goto bad;
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			goto bad;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, addr) == 1)
			return 0;
	} else if (inet_pton(AF_INET, host, addr) == 1) {
		return 0;
	}
bad:
	return cnode_fail(c, n, "%s: '%s' is not ipv4:port or [ipv6]:port (numeric, port 1-65535)",
			  what, s);
}

int config_metrics_parse(const struct cnode_ctx *c, const struct cnode *n,
			 struct metrics_settings *out)
{
	static const char *const keys[] = {"enabled", "listen", NULL};
	const struct cnode *v;

	if (n == NULL)
		return 0;
	if (cnode_map_check(c, n, "metrics", keys))
		return -1;
	if ((v = cnode_map_find(c, n, "enabled")) != NULL &&
	    cnode_bool(c, v, "metrics.enabled", &out->enabled))
		return -1;
	if ((v = cnode_map_find(c, n, "listen")) != NULL &&
	    (cnode_str_copy(c, v, "metrics.listen", out->listen, sizeof(out->listen)) ||
	     check_numeric_listen(c, v, "metrics.listen", out->listen)))
		return -1;
	return 0;
}

void config_guest_defaults(struct guest_settings *out)
{
	out->dhcp = true;
	out->imds = true;
	out->lease_seconds = 3600;
	out->punt_rate = 2000;
}

int config_guest_parse(const struct cnode_ctx *c, const struct cnode *n, struct guest_settings *out)
{
	static const char *const keys[] = {"dhcp", "imds", "lease_seconds", "punt_rate", NULL};
	const struct cnode *v;
	uint64_t x;

	if (n == NULL)
		return 0;
	if (cnode_map_check(c, n, "guest", keys))
		return -1;
	if ((v = cnode_map_find(c, n, "dhcp")) != NULL &&
	    cnode_bool(c, v, "guest.dhcp", &out->dhcp))
		return -1;
	if ((v = cnode_map_find(c, n, "imds")) != NULL &&
	    cnode_bool(c, v, "guest.imds", &out->imds))
		return -1;
	if ((v = cnode_map_find(c, n, "lease_seconds")) != NULL) {
		if (cnode_uint(c, v, "guest.lease_seconds", 10, 86400, &x))
			return -1;
		out->lease_seconds = (uint32_t)x;
	}
	if ((v = cnode_map_find(c, n, "punt_rate")) != NULL) {
		if (cnode_uint(c, v, "guest.punt_rate", 1, 1000000, &x))
			return -1;
		out->punt_rate = (uint32_t)x;
	}
	return 0;
}
