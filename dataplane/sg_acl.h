/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sg_acl.h - security-group rules (D12) compiled into DPDK rte_acl
 * classifiers: built on the control side, read by the workers a burst at a
 * time (sg_stage.c).
 *
 * A *policy* is the union of the rules of an ENI's groups for one direction
 * (inbound or outbound); ENIs with the same group set share one policy id.
 * sg_acl_build() compiles every policy into one object holding four rte_acl
 * contexts, one per {IPv4, IPv6} x {inbound, outbound}; the policy id is a
 * field of the rules and of the packet's input, so one classify call per
 * burst serves the packets of any number of ENIs.
 *
 * A rule matches a packet on: protocol (-1 = all), destination port range
 * (TCP, UDP) or ICMP type / code (ICMP, ICMPv6; -1 = any), and the peer's
 * address (the source of an inbound packet, the destination of an outbound
 * one) within the rule's prefix. Rules naming a group never reach the
 * classifier: they are the second stage's (sg_tables.h). A policy allows
 * what any of its rules allows; nothing else (a policy without rules, or a
 * policy id that was never built, denies everything).
 *
 * Input layout (rte_acl wants the first field one byte and the others in
 * 4-byte input words; fields in network byte order, rules in host order):
 *   IPv4: proto | 3 pad | policy (be16) l4 (be16) | peer (be32)      12 bytes
 *   IPv6: proto | 3 pad | policy (be16) l4 (be16) | peer (16 bytes)  24 bytes
 * The policy id and l4 share one input word: one 4-byte step of the trie
 * fewer than a word each (policy ids are 16 bits: SG_POLICY_MAX).
 * "l4" is one number for both kinds of rule: the destination port for TCP
 * and UDP, type << 8 | code for ICMP / ICMPv6, 0 otherwise; a rule is a
 * range over it (ports lo..hi, type t with any code t<<8..t<<8|0xff, any
 * type 0..0xffff), so one range field serves ports and ICMP alike.
 *
 * Lifetime: a built object is immutable; rebuilding gives a new object and
 * the old one keeps answering the old verdicts until it is freed. The
 * control side publishes the new pointer with the tables' generation
 * (gen.h) and frees the old one after the grace period (when no worker can
 * still hold it): the object owns all its memory (contexts, match table).
 * Needs the EAL (rte_acl allocates with rte_malloc).
 *
 * Also here: sg_lin, a hand-written linear scan over the same rules with
 * the same input, the baseline of bench/sg_bench.c.
 */
#ifndef ENIMAP_SG_ACL_H
#define ENIMAP_SG_ACL_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#define SG_ANY (-1)
#define SG_GROUPS_MAX 5	      /* groups per ENI (R24) */
#define SG_RULES_PER_GROUP 60 /* per direction (R25) */
#define SG_BURST_MAX 64

enum sg_dir { SG_IN = 0, SG_OUT = 1 };
enum sg_family { SG_V4 = 0, SG_V6 = 1 };

struct sg_rule {
	int16_t proto;	  /* 0-255, or SG_ANY */
	uint16_t port_lo; /* TCP / UDP: destination port range, inclusive */
	uint16_t port_hi;
	int16_t icmp_type;  /* ICMP / ICMPv6: SG_ANY or 0-255 */
	int16_t icmp_code;  /* SG_ANY or 0-255 (with a type) */
	uint8_t family;	    /* enum sg_family of the peer prefix */
	uint8_t prefix_len; /* 0-32 / 0-128 */
	uint8_t addr[16];   /* peer prefix, network order (IPv4: the first 4 bytes) */
	uint16_t group;	    /* the caller's tags, reported with a match */
	uint16_t rule;
};

struct sg_policy {
	uint32_t id;
	enum sg_dir dir;
	uint32_t n_rules;
	const struct sg_rule *rules;
};

/* What matched: the policy and the rule's tags. */
struct sg_match {
	uint32_t policy;
	uint16_t group;
	uint16_t rule;
};

#define SG_POLICY_MAX 0xffffu /* largest policy id */

struct sg_acl_in4 {
	uint8_t proto;
	uint8_t pad[3];
	uint16_t policy; /* big endian */
	uint16_t l4;	 /* big endian */
	uint32_t peer;	 /* big endian */
};

struct sg_acl_in6 {
	uint8_t proto;
	uint8_t pad[3];
	uint16_t policy; /* big endian */
	uint16_t l4;	 /* big endian */
	uint8_t peer[16];
};

_Static_assert(sizeof(struct sg_acl_in4) == 12, "sg_acl_in4 layout");
_Static_assert(sizeof(struct sg_acl_in6) == 24, "sg_acl_in6 layout");

/* The l4 number of a packet: dport (host order) for TCP / UDP, type<<8|code for ICMP(v6). */
static inline uint32_t sg_l4_value(uint8_t proto, uint16_t dport, uint8_t icmp_type,
				   uint8_t icmp_code)
{
	switch (proto) {
	case 6:
	case 17:
		return dport;
	case 1:
	case 58:
		return (uint32_t)icmp_type << 8 | icmp_code;
	default:
		return 0;
	}
}

/* policy <= SG_POLICY_MAX, l4 from sg_l4_value; peer_be: the peer's address
 * as it is in the packet. */
static inline void sg_acl_in4_set(struct sg_acl_in4 *in, uint32_t policy, uint8_t proto,
				  uint32_t peer_be, uint32_t l4)
{
	in->proto = proto;
	in->pad[0] = in->pad[1] = in->pad[2] = 0;
	in->policy = rte_cpu_to_be_16((uint16_t)policy);
	in->l4 = rte_cpu_to_be_16((uint16_t)l4);
	in->peer = peer_be;
}

static inline void sg_acl_in6_set(struct sg_acl_in6 *in, uint32_t policy, uint8_t proto,
				  const uint8_t peer[16], uint32_t l4)
{
	in->proto = proto;
	in->pad[0] = in->pad[1] = in->pad[2] = 0;
	in->policy = rte_cpu_to_be_16((uint16_t)policy);
	in->l4 = rte_cpu_to_be_16((uint16_t)l4);
	memcpy(in->peer, peer, 16);
}

struct sg_acl;

/*
 * Compile n policies (ids need not be dense; each {id, dir} at most once).
 * NULL with errno set: EINVAL (a bad rule or policy: an id over
 * SG_POLICY_MAX, family, prefix length,
 * port range lo > hi, proto, ICMP type / code, a repeated {id, dir}), ENOMEM,
 * or what rte_acl_build said.
 */
struct sg_acl *sg_acl_build(const struct sg_policy *p, unsigned n, int socket_id);
void sg_acl_free(struct sg_acl *a);

/*
 * Classify n (<= SG_BURST_MAX) inputs of one family and direction:
 * res[i] = 0 when denied, else the match's handle for sg_acl_match().
 * Worker side: reads the object only.
 */
void sg_acl_classify4(const struct sg_acl *a, enum sg_dir dir, const struct sg_acl_in4 *const in[],
		      uint32_t res[], unsigned n);
void sg_acl_classify6(const struct sg_acl *a, enum sg_dir dir, const struct sg_acl_in6 *const in[],
		      uint32_t res[], unsigned n);
/* The rule a non-zero result names. */
const struct sg_match *sg_acl_match(const struct sg_acl *a, uint32_t res);
/* Rules compiled, all four contexts together. */
uint32_t sg_acl_rules(const struct sg_acl *a);

/* ---- the baseline: a linear scan of the policy's rules, first match ---- */
struct sg_lin;

/* Same input and errors as sg_acl_build; plain malloc, no EAL needed. */
struct sg_lin *sg_lin_build(const struct sg_policy *p, unsigned n);
void sg_lin_free(struct sg_lin *l);
/* res[i]: 0 denied, else 1 + the index of the matching rule among the policy's rules of that
 * family. */
void sg_lin_classify4(const struct sg_lin *l, enum sg_dir dir, const struct sg_acl_in4 *const in[],
		      uint32_t res[], unsigned n);
void sg_lin_classify6(const struct sg_lin *l, enum sg_dir dir, const struct sg_acl_in6 *const in[],
		      uint32_t res[], unsigned n);

#endif
