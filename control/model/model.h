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
/* the one account every object belongs to (ownerId in the API, owner-id in the metadata) */
#define MODEL_ACCOUNT_ID "000000000000"
/*
 * What the dataplane's tables hold (engine/builder.c's defaults): more is
 * refused here, with EC2's limit codes, rather than by the builder after the
 * model took it.
 */
#define MODEL_MAX_SUBNETS 4096u	     /* SubnetLimitExceeded */
#define MODEL_MAX_ROUTE_TABLES 1024u /* RouteTableLimitExceeded (a VPC's main one included) */
#define MODEL_MAX_ROUTES 1024u	     /* per table and family: RouteLimitExceeded */

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
	const char *main_association_id; /* NULL = generate (added field) */
	/*
	 * Its `default` security group (R24): id NULL = generate; the ids of
	 * its three rules (inbound all from itself, outbound all to 0.0.0.0/0,
	 * outbound all to ::/0), each NULL = generate; bare: created without
	 * them (a snapshot authorizes the rules the group has now) (added fields)
	 */
	const char *default_group_id;
	const char *default_rule_ids[3];
	bool default_group_bare;
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
	const char *association_id; /* with route_table_id: NULL = generate (added field) */
};
int model_create_subnet(struct model *m, const struct model_subnet_req *req,
			char out_id[MODEL_ID_MAX], struct delta *delta, struct model_err *err);

/* ---- building the world (R28; model_world.c unless noted) ---- */

/*
 * A pool of IPv6 blocks (an IPv6 CIDR of /56 or shorter) that
 * AmazonProvidedIpv6CidrBlock draws /56s from; pools may not overlap.
 */
int model_add_ipv6_pool(struct model *m, const char *cidr, struct model_err *err);
/*
 * The lowest /56 of the IPv6 pools (in configuration order) that no VPC uses,
 * as text into out; changes nothing (the caller passes it to
 * model_create_vpc or model_associate_vpc_cidr). InsufficientCidrBlocks when
 * none is left or no pool is configured. Cost: O(VPC blocks) per candidate.
 */
int model_pick_ipv6_block(const struct model *m, char out[INET6_ADDRSTRLEN], struct model_err *err);
/*
 * Add one block to a VPC: cidr4 (a /1 to /28, InvalidVpc.Range otherwise)
 * xor cidr6 (a /56); every route table of the VPC gets its local route
 * (model_vpc.c).
 */
int model_associate_vpc_cidr(struct model *m, const char *vpc_id, const char *cidr4,
			     const char *cidr6, struct delta *delta, struct model_err *err);

/*
 * A VPC's DNS attribute (ModifyVpcAttribute): enableDnsSupport when
 * dns_support, else enableDnsHostnames. EC2 refuses hostnames on while DNS
 * support is off, and DNS support off while hostnames are on
 * (InvalidParameterValue); InvalidVpcID.NotFound. Changes no mapping.
 */
int model_set_vpc_dns(struct model *m, const char *vpc_id, bool dns_support, bool on,
		      struct model_err *err);
/* Refused with DependencyViolation while it has subnets or route tables other than the main. */
int model_delete_vpc(struct model *m, const char *vpc_id, struct delta *delta,
		     struct model_err *err);
/* Refused with DependencyViolation while an ENI is in it. */
int model_delete_subnet(struct model *m, const char *subnet_id, struct delta *delta,
			struct model_err *err);
/* Not the main table; not while a subnet is explicitly associated (DependencyViolation). */
int model_delete_route_table(struct model *m, const char *route_table_id, struct delta *delta,
			     struct model_err *err);
/* Change the target of an existing route (not a local one): InvalidRoute.NotFound (model_vpc.c). */
int model_replace_route(struct model *m, const char *route_table_id, const char *dest_cidr,
			const char *target, struct delta *delta, struct model_err *err);
/*
 * A route to an ENI that no longer exists, blackholed from the start: what a
 * snapshot writes for a route whose ENI was deleted (model_vpc.c).
 */
int model_create_blackholed_route(struct model *m, const char *route_table_id,
				  const char *dest_cidr, const char *eni_id, struct delta *delta,
				  struct model_err *err);
/*
 * Explicitly associate a subnet with a table of its VPC (Resource.AlreadyAssociated
 * when it already has an explicit association). association_id NULL = generate.
 * The subnet's ENIs are re-published (their route table changed).
 */
int model_associate_route_table(struct model *m, const char *route_table_id, const char *subnet_id,
				const char *association_id, char out_association_id[MODEL_ID_MAX],
				struct delta *delta, struct model_err *err);
/* Remove a subnet's explicit association: it falls back to the main table. */
int model_disassociate_route_table(struct model *m, const char *association_id, struct delta *delta,
				   struct model_err *err);
/*
 * Point an association at another table of the same VPC, under a new id
 * (new_association_id NULL = generate). The main association makes that
 * table the main one; the subnets without an explicit association follow it.
 */
int model_replace_route_table_association(struct model *m, const char *association_id,
					  const char *route_table_id,
					  const char *new_association_id,
					  char out_association_id[MODEL_ID_MAX],
					  struct delta *delta, struct model_err *err);

/* A pool of public IPv4 addresses AllocateAddress draws from. */
int model_add_public_pool(struct model *m, const char *cidr, struct model_err *err);

/* A terminated instance has no ENI and cannot change; it is forgotten later (R29). */
enum model_instance_state { MODEL_RUNNING = 0, MODEL_STOPPED = 1, MODEL_TERMINATED = 2 };

struct model_instance_req {
	const char *id; /* NULL = generate */
	const char *type;
	const char *az;
	enum model_instance_state state;
	uint16_t host_port;   /* index of the host port the instance sits behind */
	const char *image_id; /* the ImageId; NULL = none (added field) */
};
int model_create_instance(struct model *m, const struct model_instance_req *req,
			  char out_id[MODEL_ID_MAX], struct model_err *err);

/* ---- instances ---- */

int model_start_instance(struct model *m, const char *instance_id, struct delta *delta,
			 struct model_err *err);
int model_stop_instance(struct model *m, const char *instance_id, struct delta *delta,
			struct model_err *err);
/*
 * Deletes its delete-on-termination ENIs (their EIPs disassociated, still
 * allocated), detaches the others; the instance stays, `terminated`, stamped
 * with the model's clock (model_set_clock), until model_forget_terminated.
 * Terminating a terminated instance succeeds and changes nothing. Starting or
 * stopping one, or attaching to it, is IncorrectInstanceState.
 */
int model_terminate_instance(struct model *m, const char *instance_id, struct delta *delta,
			     struct model_err *err);
/*
 * ModifyInstanceMetadataOptions (D15): what the metadata service asks of
 * the instance. A negative field is left as it is. hop_limit 1-64
 * (InvalidParameterValue otherwise); a terminated instance is
 * IncorrectInstanceState; an unknown one InvalidInstanceID.NotFound.
 */
struct model_metadata_options {
	int tokens_required;  /* 1 required, 0 optional */
	int endpoint_enabled; /* 1 enabled, 0 disabled */
	int hop_limit;
	int protocol_ipv6; /* HttpProtocolIpv6: 1 enabled ([fd00:ec2::254] answers), 0 disabled */
};
int model_set_metadata_options(struct model *m, const char *instance_id,
			       const struct model_metadata_options *o, struct model_err *err);
/* The time (seconds, any epoch) the next terminations are stamped with. Default 0. */
void model_set_clock(struct model *m, int64_t now);
/* How long a terminated instance stays visible before it is forgotten: seconds, default 3600. */
void model_set_terminated_retention(struct model *m, int64_t seconds);
int64_t model_terminated_retention(const struct model *m);
/*
 * Forget the instances terminated at or before `before` (their ids become
 * unknown). Costs the number forgotten: terminated instances are kept in
 * termination order. Returns how many were forgotten.
 */
size_t model_forget_terminated(struct model *m, int64_t before);

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
	/* its security group ids (R24): 1 to MODEL_GROUPS_MAX of its VPC; none
	 * given = the VPC's `default` group; a repeated id counts once */
	const char *const *groups;
	size_t n_groups;
};
#define MODEL_GROUPS_MAX 5
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
/* ModifyNetworkInterfaceAttribute Groups: replace the ENI's groups (R24's checks; n >= 1). */
int model_set_eni_groups(struct model *m, const char *eni_id, const char *const *groups,
			 size_t n_groups, struct delta *delta, struct model_err *err);

/* ---- security groups (model_sg.c; SPEC R24-R26) ---- */

#define MODEL_SG_RULES_MAX 60 /* per group and direction (RulesPerSecurityGroupLimitExceeded) */
#define MODEL_SG_NAME_MAX 255 /* characters of a name or a description */

struct model_sg_req {
	const char *id; /* NULL = generate */
	const char *vpc_id;
	const char *name; /* 1-255 characters, unique in the VPC, not "default", not "sg-*" */
	const char *description; /* 0-255 characters; NULL = "" */
	/*
	 * EC2 gives a new group one outbound rule, all to 0.0.0.0/0: its id
	 * (NULL = generate), or bare: no rule (a snapshot, a configuration
	 * listing its own egress rules)
	 */
	const char *egress_rule_id;
	bool bare;
};
int model_create_security_group(struct model *m, const struct model_sg_req *req,
				char out_id[MODEL_ID_MAX], struct model_err *err);
/*
 * CannotDelete for a VPC's default group (it goes with its VPC);
 * DependencyViolation while an ENI has it or a rule of another group names it.
 */
int model_delete_security_group(struct model *m, const char *group_id, struct model_err *err);

/*
 * One permission of Authorize/Revoke: a protocol, its ports and exactly one
 * peer. Text as the user gave it, parsed by the model:
 * - protocol: "tcp", "udp", "icmp", "icmpv6", "-1" or "all", or a number
 *   0-255 (6, 17, 1 and 58 are tcp, udp, icmp, icmpv6);
 * - tcp and udp: from_port..to_port, 0-65535 each, both required, from <=
 *   to; icmp and icmpv6: from_port = type, to_port = code, -1 = any (absent
 *   = -1; a code with type -1 must be -1); any other protocol: no ports (they
 *   are ignored, as EC2 does, and shown as absent);
 * - the peer: cidr4 (an IPv4 CIDR without host bits) xor cidr6 xor group_id
 *   (a group of the same VPC, the group itself included);
 * - rule_id: the new rule's id, NULL = generate (Authorize only).
 */
struct model_sg_perm {
	const char *protocol;
	const char *from_port, *to_port; /* NULL = absent */
	const char *cidr4, *cidr6, *group_id;
	const char *description; /* NULL = none; at most 255 characters */
	const char *rule_id;
};
/*
 * Add every permission to the group's inbound (egress false) or outbound
 * rules, all or nothing: InvalidPermission.Duplicate for a rule it has (or
 * one given twice), RulesPerSecurityGroupLimitExceeded past
 * MODEL_SG_RULES_MAX, InvalidGroup.NotFound, InvalidParameterValue.
 * out_rule_ids (may be NULL) gets each new rule's id in order.
 */
int model_authorize_sg(struct model *m, const char *group_id, bool egress,
		       const struct model_sg_perm *perms, size_t n,
		       char (*out_rule_ids)[MODEL_ID_MAX], struct model_err *err);
/* Remove the rules equal to these permissions (their descriptions and ids aside), all or nothing:
 * InvalidPermission.NotFound for one the group does not have. */
int model_revoke_sg(struct model *m, const char *group_id, bool egress,
		    const struct model_sg_perm *perms, size_t n, struct model_err *err);
/* The same by rule id (SecurityGroupRuleId.N): InvalidSecurityGroupRuleId.NotFound. */
int model_revoke_sg_rules(struct model *m, const char *group_id, bool egress,
			  const char *const *rule_ids, size_t n, struct model_err *err);
/* The id of the group's rule equal to a permission, into out: 0, or -1
 * (InvalidPermission.NotFound). */
int model_find_sg_rule_by_perm(const struct model *m, const char *group_id, bool egress,
			       const struct model_sg_perm *perm, char out[MODEL_ID_MAX],
			       struct model_err *err);
/* A rule's description (UpdateSecurityGroupRuleDescriptions*), by rule id: NULL = none. */
int model_set_sg_rule_description(struct model *m, const char *group_id, const char *rule_id,
				  const char *description, struct model_err *err);

/* ---- launch (RunInstances, R29) ---- */

#define MODEL_PORTS_MAX 32 /* host port indexes placement can use: 0 to this - 1 */

/*
 * The placement rule for launched instances: the least-loaded of these host
 * ports (fewest instances not terminated), the first listed on a tie; at most
 * max_per_port instances on each (0 = no limit; beyond it a launch is
 * InstanceLimitExceeded). Deterministic: the same state places the same way.
 */
int model_set_placement(struct model *m, const uint16_t *ports, size_t n_ports,
			unsigned max_per_port, struct model_err *err);

/* One interface of a launch: an existing, available ENI, or a new one. */
struct model_launch_eni {
	const char *eni_id;	     /* an existing ENI, or NULL: create `create` */
	struct model_eni_req create; /* the new ENI (its subnet, addresses, ...) */
	int device_index;
	bool delete_on_termination;
	const char *attachment_id; /* NULL = generate */
};

struct model_launch_req {
	const char *id; /* NULL = generate */
	const char *type;
	int host_port;	      /* -1 = by the placement rule */
	const char *image_id; /* NULL = none */
	/* the metadata options (model_set_metadata_options' fields); NULL = EC2's defaults */
	const struct model_metadata_options *metadata;
	const struct model_launch_eni *enis;
	size_t n_enis; /* >= 1; exactly one at device index 0 */
};

/*
 * Launch instances: reqs[0..n) in order, each created running with its ENIs
 * (created or attached, checked against its type's limits as a later
 * assign or attach is: R9). When one cannot be launched for capacity
 * (InsufficientFreeAddressesInSubnet, InstanceLimitExceeded,
 * InsufficientAddressCapacity) the launch stops there; if fewer than
 * min_count were launched, or any other error occurs, nothing changed and
 * the error is returned. *launched = how many (the first ones of reqs).
 * The AZ is the subnet's of the ENI at device index 0.
 */
int model_launch_instances(struct model *m, const struct model_launch_req *reqs, size_t n,
			   size_t min_count, size_t *launched, struct delta *delta,
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
	const char *main_association_id; /* (added field) */
	bool dns_support, dns_hostnames; /* enableDnsSupport, enableDnsHostnames (added) */
};

struct model_subnet_view {
	const char *id, *vpc_id, *az, *cidr4, *cidr6 /* NULL = none */, *route_table_id;
	const char *association_id; /* explicit association; NULL = the main table (added) */
	uint64_t available_ipv4;    /* free, non-reserved IPv4 addresses */
	uint32_t slot;		    /* the subnet's delta slot (added field) */
};

struct model_route_view {
	const char *dest_cidr;
	const char *target; /* "local", "igw", "blackhole" or the ENI id */
	bool blackholed;    /* its target ENI was deleted */
	bool implicit;	    /* the local route of a VPC block (added field) */
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
	int64_t terminated_at;	    /* the model clock when terminated (added field) */
	const char *image_id;	    /* NULL = none given (added field) */
	/* metadata options (D15; added fields): HttpTokens=required,
	 * HttpEndpoint=enabled, HttpPutResponseHopLimit, HttpProtocolIpv6=enabled */
	bool metadata_tokens_required, metadata_endpoint_enabled;
	unsigned metadata_hop_limit;
	bool metadata_ipv6_enabled;
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
	uint32_t slot;	 /* the ENI's delta slot (added field) */
	size_t n_groups; /* its security group ids (added field) */
	const char *const *groups;
};

struct model_eip_view {
	const char *allocation_id;
	uint32_t public_ip; /* network order */
	/* association: association_id NULL = not associated */
	const char *association_id, *eni_id, *instance_id /* NULL if ENI detached */;
	uint32_t private_ip; /* network order */
};

/* A rule as Describe shows it. protocol -1 = all; ports -1 = absent or any. */
struct model_sg_rule_view {
	const char *id, *group_id;
	bool egress;
	int protocol;
	int from_port, to_port;
	const char *cidr4, *cidr6, *peer_group_id; /* exactly one is set */
	const char *description;		   /* NULL = none */
};

struct model_sg_view {
	const char *id, *name, *description, *vpc_id;
	bool is_default;
	size_t n_rules; /* inbound first, then outbound, each in the order authorized */
	const struct model_sg_rule_view *rules;
	size_t n_members; /* ENIs that have it */
	uint32_t slot;	  /* the group's slot */
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
int model_get_sg(const struct model *m, const char *group_id, struct model_sg_view *out);
/* The group of that name in the VPC: 0, or -1 when none. */
int model_find_sg_by_name(const struct model *m, const char *vpc_id, const char *name,
			  struct model_sg_view *out);
/* The VPC's default group: 0, or -1 when the VPC is unknown. */
int model_get_default_sg(const struct model *m, const char *vpc_id, struct model_sg_view *out);
/* The group holding a rule id: 0 and its view and the rule's index in it, or -1. */
int model_find_sg_rule(const struct model *m, const char *rule_id, struct model_sg_view *out,
		       size_t *index);
/*
 * The ENI whose MAC is mac (MACs are unique across the engine): 0, or -1.
 * The guest services (DHCP) find the asking ENI this way, from the frame's
 * source MAC, never from the address a packet claims.
 */
int model_find_eni_by_mac(const struct model *m, const uint8_t mac[6], struct model_eni_view *out);

/*
 * The EIP associated with a private IPv4 (network order) of VPC vpc_id (a
 * private address is unique inside its VPC only, R31): 0, or -1 when none
 * (or the VPC is unknown).
 */
int model_get_eip_by_private(const struct model *m, const char *vpc_id, uint32_t private_ip,
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
typedef int (*model_sg_cb)(const struct model_sg_view *v, void *arg);
int model_foreach_vpc(const struct model *m, model_vpc_cb cb, void *arg);
int model_foreach_subnet(const struct model *m, model_subnet_cb cb, void *arg);
int model_foreach_route_table(const struct model *m, model_route_table_cb cb, void *arg);
int model_foreach_instance_type(const struct model *m, model_instance_type_cb cb, void *arg);
int model_foreach_instance(const struct model *m, model_instance_cb cb, void *arg);
int model_foreach_eni(const struct model *m, model_eni_cb cb, void *arg);
int model_foreach_eip(const struct model *m, model_eip_cb cb, void *arg);
int model_foreach_sg(const struct model *m, model_sg_cb cb, void *arg);
/* The ENIs that have that group, in no set order (-1 when the group is unknown). */
int model_foreach_sg_member(const struct model *m, const char *group_id, model_eni_cb cb,
			    void *arg);
/*
 * A number that changes with every change of what the security groups
 * compile to (engine/sg_compile.h): a group created or deleted, a rule
 * authorized or revoked, an ENI joining or leaving a group (its groups
 * replaced, the ENI created or deleted). Addresses do not change it.
 */
uint64_t model_sg_version(const struct model *m);

/*
 * Resuming an iteration (Describe pages, SPEC R30): model_foreach_*_from
 * starts after the object a cursor names, in the same creation order as
 * model_foreach_*. The cursor holds the object's id and its creation number
 * (model_order_of); when that object still exists the walk resumes right
 * after it (the cost of the page only), and when it is gone, at the first
 * object created after it (a walk from the start), so objects created or
 * deleted between pages never make a page repeat or skip one that existed
 * throughout. after NULL = from the start. sub: inside one object (the tag
 * store: the creation number of the last tag returned), 0 otherwise.
 */
struct model_cursor {
	const char *id;
	uint64_t order, sub;
};
enum model_kind {
	MODEL_KIND_VPC,
	MODEL_KIND_SUBNET,
	MODEL_KIND_ROUTE_TABLE,
	MODEL_KIND_INSTANCE_TYPE,
	MODEL_KIND_INSTANCE,
	MODEL_KIND_ENI,
	MODEL_KIND_EIP,
	MODEL_KIND_TAGS, /* a resource's tag set (by resource id) */
	MODEL_KIND_SG,
};
/* The creation number of the object of that kind and id (a type by name): >= 1, 0 when unknown. */
uint64_t model_order_of(const struct model *m, enum model_kind kind, const char *id);
int model_foreach_vpc_from(const struct model *m, const struct model_cursor *after, model_vpc_cb cb,
			   void *arg);
int model_foreach_subnet_from(const struct model *m, const struct model_cursor *after,
			      model_subnet_cb cb, void *arg);
int model_foreach_route_table_from(const struct model *m, const struct model_cursor *after,
				   model_route_table_cb cb, void *arg);
int model_foreach_instance_type_from(const struct model *m, const struct model_cursor *after,
				     model_instance_type_cb cb, void *arg);
int model_foreach_instance_from(const struct model *m, const struct model_cursor *after,
				model_instance_cb cb, void *arg);
int model_foreach_eni_from(const struct model *m, const struct model_cursor *after, model_eni_cb cb,
			   void *arg);
int model_foreach_eip_from(const struct model *m, const struct model_cursor *after, model_eip_cb cb,
			   void *arg);
int model_foreach_sg_from(const struct model *m, const struct model_cursor *after, model_sg_cb cb,
			  void *arg);

/* ---- tags (model_tags.c; SPEC R27) ---- */

/*
 * Tags are key -> value pairs on any resource the model knows (VPC, subnet,
 * route table, instance, ENI, EIP; security groups when they exist), keyed by
 * the resource's id. At most MODEL_TAGS_MAX per resource; a key has 1 to 128
 * characters (UTF-8 characters, not bytes), a value 0 to 256; keys beginning
 * with "aws:" (any case) are reserved. A resource's tags disappear with it.
 * Errors: InvalidParameterValue (key, value, duplicate key in one request),
 * TagLimitExceeded, the resource's NotFound code (InvalidNetworkInterfaceID.
 * NotFound, ...) for an id of a known form that the model does not hold,
 * InvalidID for an id of no known form.
 */
#define MODEL_TAGS_MAX 50
#define MODEL_TAG_KEY_MAX 128	/* characters */
#define MODEL_TAG_VALUE_MAX 256 /* characters */

struct model_tag {
	const char *key;
	const char *value; /* NULL: "" when creating; any value when deleting */
};

/* Check tags as a new resource would take them (keys, values, duplicates, count). 0 or -1. */
int model_tags_check(const struct model *m, const struct model_tag *tags, size_t n_tags,
		     struct model_err *err);
/* Add tags to every resource, or overwrite the value of a key it has: all or nothing. */
int model_create_tags(struct model *m, const char *const *ids, size_t n_ids,
		      const struct model_tag *tags, size_t n_tags, struct model_err *err);
/*
 * EC2's DeleteTags: a tag with a value is deleted only when the resource has
 * that value, a tag with value NULL whatever its value; n_tags 0 deletes
 * every tag of the resources. Absent tags are no error. All or nothing.
 */
int model_delete_tags(struct model *m, const char *const *ids, size_t n_ids,
		      const struct model_tag *tags, size_t n_tags, struct model_err *err);
/*
 * Tags for a resource an operation is about to create: model_tags_prepare()
 * checks them (as model_tags_check) and makes every allocation
 * model_tags_commit() needs, before the resource exists; the commit, once it
 * does, cannot run out of memory. So creating a resource with its tags is
 * all-or-nothing. Commit fails (and changes nothing) only for an id the
 * model does not hold or that has tags already. Both consume the
 * preparation; model_tags_prep_free() drops one that is not committed.
 */
struct model_tags_prep;
struct model_tags_prep *model_tags_prepare(struct model *m, const struct model_tag *tags,
					   size_t n_tags, struct model_err *err);
int model_tags_commit(struct model *m, struct model_tags_prep *p, const char *resource_id,
		      struct model_err *err);
void model_tags_prep_free(struct model *m, struct model_tags_prep *p);

/* The EC2 resource type of an id the model holds ("network-interface", ...), or NULL + err. */
const char *model_resource_type(const struct model *m, const char *id, struct model_err *err);

struct model_tags_view {
	const char *resource_id, *resource_type;
	size_t n;
	const struct model_tag *tags; /* in the order they were first set */
	const uint64_t *order;	      /* each tag's creation number (a cursor's sub) */
};
/* A resource's tags: 0 (out may be NULL), or -1 when it has none. */
int model_get_tags(const struct model *m, const char *resource_id, struct model_tags_view *out);
/* Every resource that has tags, in the order its first tag was set (from: see above). */
typedef int (*model_tags_cb)(const struct model_tags_view *v, void *arg);
int model_foreach_tags_from(const struct model *m, const struct model_cursor *after,
			    model_tags_cb cb, void *arg);

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
	size_t security_groups, sg_rules;
	size_t bytes; /* heap bytes the model holds */
};
void model_get_stats(const struct model *m, struct model_stats *out);

#endif
