/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * model.h - the VPC model: every object of SPEC.md section 1 and every rule
 * of section 2. The one path for every state change: the YAML loader, the
 * EC2 Query API (and its journal replay) and the tests all call these
 * functions.
 *
 * Conventions
 * - Every operation returns 0 on success, or -1 with *err filled with the EC2
 *   error code and a message naming the offending value. On failure NOTHING
 *   changed: not the model, not the delta (nothing is appended).
 * - On success the operation appends its mapping changes to *delta (which may
 *   be NULL when the caller has no dataplane, e.g. a pure model test).
 * - Addresses are passed as text exactly as the user gave them; the model
 *   parses them, so that an error can quote the value as given.
 * - Ids: a NULL id in a request means "generate one" (prefix + 17 hex
 *   digits). A given id is kept as given (configuration, journal replay).
 * - Cost: every operation costs in proportion to the addresses it touches,
 *   never to the size of the model (hash indexes by id, by address, by MAC;
 *   free-address search per subnet that does not rescan the subnet).
 * - Views (model_*_view) point into model memory: valid until the next
 *   mutating call.
 * - Not thread-safe: one control thread owns the model.
 */
#ifndef ENIMAP_MODEL_H
#define ENIMAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "delta.h"

struct model;

struct model_err {
	char code[64];	   /* EC2 error code, e.g. "InvalidIPAddress.InUse" */
	char message[512]; /* names the offending value */
};

#define MODEL_ID_MAX 64		   /* room for any id, with its NUL */
#define MODEL_DEVICE_INDEX_MAX 127 /* an attachment's device index: 0 to this */
#define MODEL_VLAN_MAX 4094	   /* an ENI's VLAN id: 0 (untagged) to this */

/* ---- life ---- */

struct model *model_create(void); /* NULL + errno on failure */
void model_free(struct model *m);
/*
 * A deep copy of m: the same objects in the same slots, the same index
 * layouts and capacities, so every later operation on the copy does what it
 * would do on m (model_dump identical). NULL + errno (ENOMEM) on failure.
 * For the fuzz harnesses, which restore a pristine world per input.
 */
struct model *model_clone(const struct model *m);

/*
 * Capacity of the forwarding tables (set by the engine before loading).
 * An operation that would exceed one fails with
 * "InsufficientAddressCapacity" and changes nothing. 0 = unlimited (default).
 */
void model_set_capacity(struct model *m, size_t max_v4, size_t max_v6, size_t max_eips);

/*
 * A hint before allocating and associating an EIP (any argument may be NULL):
 * start loading the index entries model_allocate_address and
 * model_associate_address will touch for these ids and addresses. A loader
 * walking a million EIPs calls it a few items ahead, so the cache misses of
 * the next EIPs overlap the work on the current one. Changes nothing.
 */
void model_prefetch_eip(const struct model *m, const char *allocation_id, const char *public_ip,
			const char *private_ip);

/*
 * Make room beforehand for that many more private IPv4 and IPv6 addresses and
 * EIPs (their indexes and the EIP table), so that loading a large
 * configuration does not grow and rehash them step by step. A size hint only:
 * the model's state does not change. 0, or -ENOMEM (some rooms may have grown).
 */
int model_reserve(struct model *m, size_t v4, size_t v6, size_t eips);

/* ---- configuration-level objects (YAML; not in the EC2 API) ---- */

/* Instance type: add, or override a built-in one. max_ipv6 0 = no IPv6. */
int model_set_instance_type(struct model *m, const char *name, unsigned max_enis,
			    unsigned max_ipv4_per_eni, unsigned max_ipv6_per_eni,
			    struct model_err *err);

struct model_vpc_req {
	const char *id; /* NULL = generate */
	const char *const *cidr4;
	size_t n_cidr4; /* >= 1 */
	const char *const *cidr6;
	size_t n_cidr6;			 /* /56 each */
	const char *main_route_table_id; /* NULL = generate (added field) */
};
int model_create_vpc(struct model *m, const struct model_vpc_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err);

/*
 * A VPC gets a main route table when created; more can be added. Every route
 * table holds the implicit "local" routes of its VPC's CIDRs (emitted in the
 * delta as ROUTE_SET local).
 */
int model_create_route_table(struct model *m, const char *id, const char *vpc_id,
			     char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err);
/* target: "local", "igw", "blackhole" or an ENI id (which must exist). */
int model_create_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       const char *target, struct delta *delta, struct model_err *err);
int model_delete_route(struct model *m, const char *route_table_id, const char *dest_cidr,
		       struct delta *delta, struct model_err *err);

struct model_subnet_req {
	const char *id; /* NULL = generate */
	const char *vpc_id;
	const char *az;
	const char *cidr4;
	const char *cidr6;	    /* NULL = no IPv6; else a /64 inside a VPC block */
	const char *route_table_id; /* NULL = the VPC's main route table */
};
int model_create_subnet(struct model *m, const struct model_subnet_req *req,
			char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err);

/* A pool of public IPv4 addresses AllocateAddress draws from. */
int model_add_public_pool(struct model *m, const char *cidr, struct model_err *err);

enum model_instance_state { MODEL_RUNNING = 0, MODEL_STOPPED = 1 };

struct model_instance_req {
	const char *id; /* NULL = generate */
	const char *type;
	const char *az;
	enum model_instance_state state;
	uint16_t host_port; /* index of the host port the instance sits behind */
};
int model_create_instance(struct model *m, const struct model_instance_req *req,
			  char out_id[MODEL_ID_MAX], struct model_err *err);

/* ---- instances ---- */

int model_start_instance(struct model *m, const char *instance_id, struct delta *delta,
			 struct model_err *err);
int model_stop_instance(struct model *m, const char *instance_id, struct delta *delta,
			struct model_err *err);
/* Deletes its delete-on-termination ENIs, detaches the others; the instance is gone. */
int model_terminate_instance(struct model *m, const char *instance_id, struct delta *delta,
			     struct model_err *err);

/* ---- ENIs ---- */

struct model_eni_req {
	const char *id; /* NULL = generate */
	const char *subnet_id;
	const char *description;	  /* NULL = "" */
	const char *mac;		  /* "02:xx:..", NULL = generate (locally administered) */
	const char *primary_ip;		  /* NULL = lowest free address of the subnet */
	const char *const *secondary_ips; /* list ... */
	size_t n_secondary_ips;
	unsigned secondary_count; /* ... or count (R7: not both) */
	const char *const *ipv6;  /* list ... */
	size_t n_ipv6;
	unsigned ipv6_count;	/* ... or count */
	bool source_dest_check; /* callers pass true unless told otherwise */
	bool delete_on_termination;
	uint16_t vlan; /* 0 = untagged */
};
int model_create_eni(struct model *m, const struct model_eni_req *req, char out_id[MODEL_ID_MAX],
		     struct delta *delta, struct model_err *err);
int model_delete_eni(struct model *m, const char *eni_id, struct delta *delta,
		     struct model_err *err);

struct model_attach_req {
	const char *eni_id;
	const char *instance_id;
	int device_index;
	const char *attachment_id; /* NULL = generate */
	bool delete_on_termination;
};
int model_attach_eni(struct model *m, const struct model_attach_req *req,
		     char out_attachment_id[MODEL_ID_MAX], struct delta *delta,
		     struct model_err *err);
int model_detach_eni(struct model *m, const char *attachment_id, bool force, struct delta *delta,
		     struct model_err *err);
int model_set_source_dest_check(struct model *m, const char *eni_id, bool on, struct delta *delta,
				struct model_err *err);
int model_set_eni_description(struct model *m, const char *eni_id, const char *description,
			      struct model_err *err);

/* ---- addresses ---- */

/*
 * The addresses an assign call actually assigned (R10: those the ENI already
 * had are not listed), as text. Zero-initialise; model_addr_list_free().
 */
struct model_addr_list {
	char (*addr)[INET6_ADDRSTRLEN];
	size_t n;
	size_t cap;
};
void model_addr_list_free(struct model_addr_list *l);

struct model_assign_req {
	const char *eni_id;
	const char *const *addrs; /* list ... */
	size_t n_addrs;
	unsigned count;		 /* ... or count (R7) */
	bool allow_reassignment; /* IPv4 only (R4); ignored for IPv6 (R6) */
};
int model_assign_private_ips(struct model *m, const struct model_assign_req *req,
			     struct model_addr_list *assigned, struct delta *delta,
			     struct model_err *err);
int model_unassign_private_ips(struct model *m, const char *eni_id, const char *const *addrs,
			       size_t n_addrs, struct delta *delta, struct model_err *err);
int model_assign_ipv6(struct model *m, const struct model_assign_req *req,
		      struct model_addr_list *assigned, struct delta *delta, struct model_err *err);
int model_unassign_ipv6(struct model *m, const char *eni_id, const char *const *addrs,
			size_t n_addrs, struct delta *delta, struct model_err *err);

/* ---- Elastic IPs ---- */

/* public_ip NULL = lowest free address of the public pools (R16). */
int model_allocate_address(struct model *m, const char *allocation_id, const char *public_ip,
			   char out_allocation_id[MODEL_ID_MAX],
			   char out_public_ip[INET_ADDRSTRLEN], struct model_err *err);
int model_release_address(struct model *m, const char *allocation_id, struct model_err *err);

struct model_associate_req {
	const char *allocation_id;  /* required */
	const char *instance_id;    /* xor ... */
	const char *eni_id;	    /* ... this */
	const char *private_ip;	    /* NULL = the ENI's primary */
	bool allow_reassociation;   /* EC2 default: true */
	const char *association_id; /* NULL = generate */
};
int model_associate_address(struct model *m, const struct model_associate_req *req,
			    char out_association_id[MODEL_ID_MAX], struct delta *delta,
			    struct model_err *err);
int model_disassociate_address(struct model *m, const char *association_id, struct delta *delta,
			       struct model_err *err);

/* ---- reading (Describe*, dumps, tests) ---- */

struct model_vpc_view {
	const char *id;
	size_t n_cidr4;
	const char *const *cidr4; /* canonical text, e.g. "10.0.0.0/16" */
	size_t n_cidr6;
	const char *const *cidr6;
	const char *main_route_table_id;
};

struct model_subnet_view {
	const char *id, *vpc_id, *az, *cidr4, *cidr6 /* NULL = none */, *route_table_id;
	uint64_t available_ipv4; /* free, non-reserved IPv4 addresses */
	uint32_t slot;		 /* the subnet's delta slot (added field) */
};

struct model_route_view {
	const char *dest_cidr;
	const char *target; /* "local", "igw", "blackhole" or the ENI id */
	bool blackholed;    /* its target ENI was deleted */
};

struct model_route_table_view {
	const char *id, *vpc_id;
	bool main;
	size_t n_routes;
	const struct model_route_view *routes;
	uint32_t slot; /* the route table's delta slot (added field) */
};

struct model_instance_type_view {
	const char *name;
	unsigned max_enis, max_ipv4_per_eni, max_ipv6_per_eni;
};

struct model_instance_view {
	const char *id, *type, *az;
	enum model_instance_state state;
	uint16_t host_port;
	size_t n_enis;
	const char *const *eni_ids; /* sorted by device index */
};

struct model_eni_view {
	const char *id, *subnet_id, *vpc_id, *az, *description;
	uint8_t mac[6];
	uint16_t vlan;
	bool source_dest_check;
	/* attachment: instance_id NULL = available */
	const char *instance_id, *attachment_id;
	int device_index;
	bool delete_on_termination;
	uint32_t primary_ip; /* network order */
	size_t n_secondary;
	const uint32_t *secondary_ips; /* network order, in assignment order */
	size_t n_ipv6;
	const struct in6_addr *ipv6;
	uint32_t slot; /* the ENI's delta slot (added field) */
};

struct model_eip_view {
	const char *allocation_id;
	uint32_t public_ip; /* network order */
	/* association: association_id NULL = not associated */
	const char *association_id, *eni_id, *instance_id /* NULL if ENI detached */;
	uint32_t private_ip; /* network order */
};

/* Lookups by id: 0 and *out filled (out may be NULL: existence check), or -1 when unknown. */
int model_get_vpc(const struct model *m, const char *id, struct model_vpc_view *out);
int model_get_subnet(const struct model *m, const char *id, struct model_subnet_view *out);
int model_get_route_table(const struct model *m, const char *id,
			  struct model_route_table_view *out);
int model_get_instance_type(const struct model *m, const char *name,
			    struct model_instance_type_view *out);
int model_get_instance(const struct model *m, const char *id, struct model_instance_view *out);
int model_get_eni(const struct model *m, const char *id, struct model_eni_view *out);
int model_get_eip(const struct model *m, const char *allocation_id, struct model_eip_view *out);
/* The EIP associated with a private IPv4 (network order): 0, or -1 when none. */
int model_get_eip_by_private(const struct model *m, uint32_t private_ip,
			     struct model_eip_view *out);

/*
 * Iteration in a stable order (creation order); the callback returns 0 to go
 * on, non-zero to stop (that value is returned).
 */
typedef int (*model_vpc_cb)(const struct model_vpc_view *v, void *arg);
typedef int (*model_subnet_cb)(const struct model_subnet_view *v, void *arg);
typedef int (*model_route_table_cb)(const struct model_route_table_view *v, void *arg);
typedef int (*model_instance_type_cb)(const struct model_instance_type_view *v, void *arg);
typedef int (*model_instance_cb)(const struct model_instance_view *v, void *arg);
typedef int (*model_eni_cb)(const struct model_eni_view *v, void *arg);
typedef int (*model_eip_cb)(const struct model_eip_view *v, void *arg);
int model_foreach_vpc(const struct model *m, model_vpc_cb cb, void *arg);
int model_foreach_subnet(const struct model *m, model_subnet_cb cb, void *arg);
int model_foreach_route_table(const struct model *m, model_route_table_cb cb, void *arg);
int model_foreach_instance_type(const struct model *m, model_instance_type_cb cb, void *arg);
int model_foreach_instance(const struct model *m, model_instance_cb cb, void *arg);
int model_foreach_eni(const struct model *m, model_eni_cb cb, void *arg);
int model_foreach_eip(const struct model *m, model_eip_cb cb, void *arg);

/*
 * The whole forwarding state as one delta of SETs (every ENI, route, address
 * and association): what the builder applies to empty tables at start.
 */
int model_full_delta(const struct model *m, struct delta *delta);

/* A complete, deterministic text dump of the model (byte-identical for equal states). */
int model_dump(const struct model *m, FILE *out);

/* Totals, for start-up reports and capacity checks. */
struct model_stats {
	size_t vpcs, subnets, instances, enis, v4, v6, eips, associations;
	size_t bytes; /* heap bytes the model holds */
};
void model_get_stats(const struct model *m, struct model_stats *out);

#endif
