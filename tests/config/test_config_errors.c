/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bad files: every kind of error is refused with "file:line:column: reason"
 * pointing at the offending node; the configuration out-parameter is left
 * as it was, and an error found by the checking walk (anything but a model
 * rule) leaves the model untouched.
 */
#include <unistd.h>

#include "config_test.h"

/* Lines 1-5 (BASE0) or 1-6 (BASE) of most texts below: a valid world to refer to. */
#define BASE0                                                                                      \
	"engine:\n"                                                                                \
	"  ports: [{name: up, role: uplink, device: net_null0}, {name: h, role: host, device: "    \
	"net_null1}]\n"                                                                            \
	"public_pools: [198.51.100.0/24]\n"                                                        \
	"vpcs: [{id: vpc-1, cidr4: [10.0.0.0/16]}]\n"                                              \
	"subnets: [{id: s-1, vpc: vpc-1, az: a, cidr4: 10.0.1.0/24}]\n"
#define BASE BASE0 "instances: [{id: i-1, type: t3.medium, az: a, port: h}]\n"

static char *dump(const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(model_dump(m, f), 0);
	fclose(f);
	return buf;
}

enum model_expect { MODEL_UNTOUCHED, MODEL_DISCARDED };

/*
 * yaml is refused with a message starting "t.yaml:<where>: " and containing
 * reason; cfg is unchanged; with MODEL_UNTOUCHED the model is still empty.
 */
static void expect_refused(const char *yaml, const char *where, const char *reason,
			   enum model_expect me)
{
	struct enimap_config *cfg = malloc(sizeof(*cfg)), *before = malloc(sizeof(*cfg));
	struct model *m, *empty = model_create();
	struct config_err err;
	char prefix[64];

	assert_non_null(cfg);
	assert_non_null(before);
	assert_non_null(empty);
	memset(cfg, 0xa5, sizeof(*cfg));
	memcpy(before, cfg, sizeof(*cfg));
	assert_int_equal(ct_load(yaml, &m, cfg, &err), -1);
	snprintf(prefix, sizeof(prefix), "t.yaml:%s: ", where);
	if (strncmp(err.message, prefix, strlen(prefix)) != 0 || !strstr(err.message, reason))
		fail_msg("expected '%s...%s', got '%s'", prefix, reason, err.message);
	assert_memory_equal(cfg, before, sizeof(*cfg));
	if (me == MODEL_UNTOUCHED) {
		char *a = dump(m), *b = dump(empty);

		assert_string_equal(a, b);
		free(a);
		free(b);
	}
	model_free(m);
	model_free(empty);
	free(cfg);
	free(before);
}

static void base_world_loads(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	if (ct_load(BASE, &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(model_get_instance(m, "i-1", NULL), 0);
	model_free(m);
}

/* R27: `tags:` on every object, through model_create_tags; bad tags refused at the node. */
static void tags_load_and_bad_tags_are_refused(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;
	struct model_tags_view v;

	(void)state;
	if (ct_load(BASE0
		    "instances: [{id: i-1, type: t3.medium, az: a, port: h, tags: {Name: web, "
		    "env: }}]\n"
		    "enis: [{id: eni-1, subnet: s-1, tags: {team: blue}}]\n"
		    "eips: [{allocation_id: eipalloc-1, tags: {k: v}}]\n",
		    &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(model_get_tags(m, "i-1", &v), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.tags[0].key, "Name");
	assert_string_equal(v.tags[0].value, "web");
	assert_string_equal(v.tags[1].value, "");
	assert_string_equal(v.resource_type, "instance");
	assert_int_equal(model_get_tags(m, "eni-1", &v), 0);
	assert_string_equal(v.resource_type, "network-interface");
	assert_int_equal(model_get_tags(m, "eipalloc-1", &v), 0);
	model_free(m);
	if (ct_load("engine:\n  ports: [{name: h, role: host, device: net_null1}]\n"
		    "vpcs: [{id: vpc-1, cidr4: [10.0.0.0/16], tags: {a: b}}]\n"
		    "route_tables: [{id: rtb-1, vpc: vpc-1, tags: {a: c}}]\n"
		    "subnets: [{id: s-1, vpc: vpc-1, az: a, cidr4: 10.0.1.0/24, tags: {a: d}}]\n",
		    &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(model_get_tags(m, "vpc-1", &v), 0);
	assert_string_equal(v.resource_type, "vpc");
	assert_int_equal(model_get_tags(m, "rtb-1", &v), 0);
	assert_string_equal(v.resource_type, "route-table");
	assert_int_equal(model_get_tags(m, "s-1", &v), 0);
	assert_string_equal(v.resource_type, "subnet");
	model_free(m);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, tags: {aws:x: v}}]\n", "7:39",
		       "InvalidParameterValue: Tag key 'aws:x'", MODEL_UNTOUCHED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, tags: [a]}]\n", "7:39",
		       "tags: expected a mapping", MODEL_UNTOUCHED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, tags: {a: 1, a: 2}}]\n", "7:39",
		       "Duplicate tag key 'a'", MODEL_UNTOUCHED);
}

static void syntax_error_reported_at_line_and_column(void **state)
{
	(void)state;
	expect_refused(BASE "enis:\n"
			    "  - id: eni-1\n"
			    "     subnet: s-1\n",
		       "9:12", "YAML syntax error: mapping values are not allowed",
		       MODEL_UNTOUCHED);
	expect_refused("vpcs: [{id: vpc-1, cidr4: [10.0.0.0/16]}\n", "2:1",
		       "YAML syntax error: did not find expected ',' or ']'", MODEL_UNTOUCHED);
}

static void unknown_key_reported_at_the_key(void **state)
{
	(void)state;
	expect_refused(BASE "enis:\n"
			    "  - id: eni-1\n"
			    "    subnet: s-1\n"
			    "    primary_ipp: 10.0.1.5\n",
		       "10:5", "eni: unknown key 'primary_ipp'", MODEL_UNTOUCHED);
	expect_refused("engine:\n  worker: 2\n", "2:3", "engine: unknown key 'worker'",
		       MODEL_UNTOUCHED);
	expect_refused(BASE "vpc: []\n", "7:1", "configuration: unknown key 'vpc'",
		       MODEL_UNTOUCHED);
}

static void repeated_key_refused(void **state)
{
	(void)state;
	expect_refused("api:\n  region: a\n  region: b\n", "3:3", "key 'region' given twice",
		       MODEL_UNTOUCHED);
}

static void wrong_type_reported_at_the_value(void **state)
{
	(void)state;
	expect_refused("engine:\n  workers: two\n", "2:12", "engine.workers: expected a number",
		       MODEL_UNTOUCHED);
	expect_refused("engine:\n  workers: 0\n", "2:12", "out of range [1, 64]", MODEL_UNTOUCHED);
	/* engine.security_groups (D12) */
	expect_refused("engine: {security_groups: {enforce: on}}\n", "1:37",
		       "engine.security_groups.enforce: 'on' is not one of false, true",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {security_groups: {max_flows: 4}}\n", "1:39",
		       "engine.security_groups.max_flows: 4 is out of range [8, 67108864]",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {security_groups: {timeouts: {udp: 0}}}\n", "1:44",
		       "engine.security_groups.timeouts.udp: 0 is out of range [1, 2592000]",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {security_groups: {timeouts: {tcp: 5}}}\n", "1:39", "tcp",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {security_groups: {enforced: true}}\n", "1:28", "enforced",
		       MODEL_UNTOUCHED);
	expect_refused("vpcs:\n  - id: vpc-1\n    cidr4: 10.0.0.0/16\n", "3:12",
		       "vpc cidr4: expected a list, found a scalar", MODEL_UNTOUCHED);
	expect_refused("api: {enabled: yes}\n", "1:16", "'yes' is not one of false, true",
		       MODEL_UNTOUCHED);
	expect_refused(BASE "eips: {allocation_id: e}\n", "7:7", "eips: expected a list",
		       MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: h, state: on}]\n",
		       "6:63", "'on' is not one of running, stopped", MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: h,\n"
			     "  metadata_options: {http_tokens: always}}]\n",
		       "7:35", "http_tokens: 'always' is not one of optional, required",
		       MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: h,\n"
			     "  metadata_options: {http_put_response_hop_limit: 65}}]\n",
		       "7:51", "http_put_response_hop_limit: 65 is out of range [1, 64]",
		       MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: h,\n"
			     "  metadata_options: {http_protocol_ipv6: yes}}]\n",
		       "7:42", "http_protocol_ipv6: 'yes' is not one of disabled, enabled",
		       MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: h,\n"
			     "  metadata_options: {http_token: required}}]\n",
		       "7:22", "unknown key", MODEL_UNTOUCHED);
}

static void missing_field_reported_at_its_mapping(void **state)
{
	(void)state;
	expect_refused("engine:\n  ports:\n    - name: up\n      device: net_null0\n", "3:7",
		       "port: missing required field 'role'", MODEL_UNTOUCHED);
	expect_refused(BASE "subnets_: []\n", "7:1", "unknown key", MODEL_UNTOUCHED);
	expect_refused(BASE "eips:\n  - public_ip: 198.51.100.1\n", "8:5",
		       "eip: missing required field 'allocation_id'", MODEL_UNTOUCHED);
	expect_refused(BASE "enis:\n  - id: eni-1\n    subnet:\n", "9:12",
		       "eni: field 'subnet' has no value", MODEL_UNTOUCHED);
}

static void bad_address_reported_at_the_address(void **state)
{
	(void)state;
	expect_refused(BASE "enis:\n"
			    "  - id: eni-1\n"
			    "    subnet: s-1\n"
			    "    secondary_ips: [10.0.1.5, 10.0.1.300]\n",
		       "10:31", "'10.0.1.300' is not an IPv4 address", MODEL_UNTOUCHED);
	expect_refused("vpcs: [{id: v, cidr4: [10.0.0.0/33]}]\n", "1:24",
		       "'10.0.0.0/33' is not an IPv4 CIDR block", MODEL_UNTOUCHED);
	expect_refused(BASE "enis: [{id: e, subnet: s-1, ipv6: [\"2600::zz\"]}]\n", "7:36",
		       "'2600::zz' is not an IPv6 address", MODEL_UNTOUCHED);
	expect_refused(
	    "engine:\n  ports: [{name: u, role: uplink, device: net_null0, mac: 02:00:00:00:00}]\n",
	    "2:59", "'02:00:00:00:00' is not a MAC address", MODEL_UNTOUCHED);
	expect_refused("api: {listen: localhost}\n", "1:15", "'localhost' is not host:port",
		       MODEL_UNTOUCHED);
	/* the metrics server binds a numeric address: no name, no port out of range */
	expect_refused("metrics: {listen: \"localhost:9464\"}\n", "1:19",
		       "metrics.listen: 'localhost:9464' is not ipv4:port or [ipv6]:port",
		       MODEL_UNTOUCHED);
	expect_refused("metrics: {listen: \"127.0.0.1:0\"}\n", "1:19",
		       "'127.0.0.1:0' is not ipv4:port", MODEL_UNTOUCHED);
	expect_refused("metrics: {listen: \"[::1:9464\"}\n", "1:19", "'[::1:9464' is not ipv4:port",
		       MODEL_UNTOUCHED);
	expect_refused("metrics: {enabled: maybe}\n", "1:20", "metrics.enabled", MODEL_UNTOUCHED);
	expect_refused("metrics: {port: 9464}\n", "1:11", "port", MODEL_UNTOUCHED);
	/* the guest services: lease and punt rate in range, known keys only */
	expect_refused("guest: {lease_seconds: 5}\n", "1:24", "guest.lease_seconds",
		       MODEL_UNTOUCHED);
	expect_refused("guest: {punt_rate: 0}\n", "1:20", "guest.punt_rate", MODEL_UNTOUCHED);
	expect_refused("guest: {dhcp: sometimes}\n", "1:15", "guest.dhcp", MODEL_UNTOUCHED);
	expect_refused("guest: {imds: maybe}\n", "1:15", "guest.imds", MODEL_UNTOUCHED);
	expect_refused("guest: {dhcpv6: true}\n", "1:9", "dhcpv6", MODEL_UNTOUCHED);
}

static void unknown_reference_reported_at_the_reference(void **state)
{
	(void)state;
	/* a host port is resolved by the loader */
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: nope}]\n", "6:53",
		       "no port named 'nope' in engine.ports", MODEL_UNTOUCHED);
	expect_refused(BASE0 "instances: [{id: i-2, type: t3.medium, az: a, port: up}]\n", "6:53",
		       "port 'up' is not a host port", MODEL_UNTOUCHED);
	/* the others by the model, with its EC2 code */
	expect_refused(BASE "route_tables: [{id: rtb-1, vpc: vpc-9}]\n", "7:33",
		       "InvalidVpcID.NotFound: The vpc ID 'vpc-9' does not exist", MODEL_DISCARDED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-9}]\n", "7:28",
		       "InvalidSubnetID.NotFound", MODEL_DISCARDED);
	expect_refused(BASE "route_tables:\n"
			    "  - id: rtb-1\n"
			    "    vpc: vpc-1\n"
			    "    routes: [{destination: 0.0.0.0/0, target: eni-9}]\n",
		       "10:47", "InvalidNetworkInterfaceID.NotFound", MODEL_DISCARDED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, attachment: {instance: i-9, "
			    "device_index: 0}}]\n",
		       "7:56", "InvalidInstanceID.NotFound", MODEL_DISCARDED);
}

static void duplicate_id_reported_at_the_second(void **state)
{
	(void)state;
	expect_refused(BASE "enis:\n"
			    "  - {id: eni-1, subnet: s-1}\n"
			    "  - {id: eni-1, subnet: s-1}\n",
		       "9:10", "The id 'eni-1' already exists", MODEL_DISCARDED);
	expect_refused(
	    "engine:\n  ports: [{name: h, role: host, device: net_null0}, {name: h, role: "
	    "host, device: net_null1}]\n",
	    "2:60", "port name: 'h' is already used by port 0", MODEL_UNTOUCHED);
}

static void model_rule_violation_reported_with_its_ec2_code(void **state)
{
	(void)state;
	/* R1: one owner per private address */
	expect_refused(BASE "enis:\n"
			    "  - {id: eni-1, subnet: s-1, primary_ip: 10.0.1.5}\n"
			    "  - {id: eni-2, subnet: s-1, primary_ip: 10.0.1.5}\n",
		       "9:42", "InvalidIPAddress.InUse", MODEL_DISCARDED);
	/* an address outside the subnet */
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, secondary_ips: [10.0.2.5]}]\n", "7:49",
		       "10.0.2.5", MODEL_DISCARDED);
	/* R7: a list and a count together */
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, secondary_ips: [10.0.1.7], "
			    "secondary_count: 1}]\n",
		       "7:8", "InvalidParameterCombination", MODEL_DISCARDED);
	/* a device index already used on the instance */
	expect_refused(BASE
		       "enis:\n"
		       "  - {id: eni-1, subnet: s-1, attachment: {instance: i-1, device_index: "
		       "0}}\n"
		       "  - {id: eni-2, subnet: s-1, attachment: {instance: i-1, device_index: "
		       "0}}\n",
		       "9:53",
		       "InvalidParameterValue: Instance 'i-1' already has an interface attached at "
		       "device index",
		       MODEL_DISCARDED);
	/* IPv6 pools: /56 or shorter, not overlapping; an IPv4 block is refused by the loader */
	expect_refused(BASE "ipv6_pools: [\"2600:1f18::/57\"]\n", "7:14",
		       "InvalidParameterValue: Invalid IPv6 pool", MODEL_DISCARDED);
	expect_refused(BASE "ipv6_pools: [\"2600:1f18::/40\", \"2600:1f18:0:100::/56\"]\n", "7:32",
		       "overlaps pool", MODEL_DISCARDED);
	expect_refused(BASE "ipv6_pools: [10.0.0.0/8]\n", "7:14", "ipv6 pool", MODEL_UNTOUCHED);
	/* R16: a public address allocated twice */
	expect_refused(BASE "eips:\n"
			    "  - {allocation_id: eipalloc-1, public_ip: 198.51.100.7}\n"
			    "  - {allocation_id: eipalloc-2, public_ip: 198.51.100.7}\n",
		       "9:44", "InvalidIPAddress.InUse", MODEL_DISCARDED);
}

/* security_groups: a bad rule, an unknown group, a name twice, too many groups on an ENI */
static void security_group_errors_reported_at_the_node(void **state)
{
	(void)state;
	expect_refused(BASE "security_groups: [{id: sg-1, vpc: vpc-1, name: a, ingress: "
			    "[{protocol: tcp, port: 80, cidr4: 0.0.0.0/0}]}]\n",
		       "7:77", "unknown key", MODEL_UNTOUCHED);
	expect_refused(BASE "security_groups: [{id: sg-1, vpc: vpc-1, name: a, ingress: "
			    "[{protocol: gre, cidr4: 0.0.0.0/0}]}]\n",
		       "7:72", "InvalidParameterValue", MODEL_DISCARDED);
	expect_refused(BASE "security_groups: [{id: sg-1, vpc: vpc-1, name: a, ingress: "
			    "[{protocol: -1, group: sg-9}]}]\n",
		       "7:83", "InvalidGroup.NotFound", MODEL_DISCARDED);
	expect_refused(
	    BASE
	    "security_groups: [{id: sg-1, vpc: vpc-1, name: a}, {id: sg-2, vpc: vpc-1, name: a}]\n",
	    "7:68", "InvalidGroup.Duplicate", MODEL_DISCARDED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, security_groups: [sg-9]}]\n", "7:51",
		       "InvalidGroup.NotFound", MODEL_DISCARDED);
	expect_refused(BASE
		       "enis: [{id: eni-1, subnet: s-1, security_groups: [a, b, c, d, e, f]}]\n",
		       "7:50", "SecurityGroupsPerInterfaceLimitExceeded", MODEL_UNTOUCHED);
	expect_refused(BASE "security_groups: [{id: sg-1, vpc: vpc-1, name: a, egress: [{protocol: "
			    "tcp, from_port: 9, to_port: 1, cidr4: 0.0.0.0/0}]}]\n",
		       "7:60", "InvalidParameterValue", MODEL_DISCARDED);
}

static void loader_rules_reported_at_the_node(void **state)
{
	(void)state;
	expect_refused(BASE "eips: [{allocation_id: e-1, association: {eni: x, instance: i-1}}]\n",
		       "7:42", "association: give either eni or instance", MODEL_UNTOUCHED);
	expect_refused(
	    "engine:\n  ports: [{name: h, role: host, device: net_null0, upstream_ip: 1.2.3.4}]\n",
	    "2:65", "only an uplink port has an upstream", MODEL_UNTOUCHED);
	/* the egress MTU: 1280 (IPv6's minimum) to 9216, at the value */
	expect_refused("engine:\n  ports: [{name: h, role: host, device: net_null0, mtu: 1279}]\n",
		       "2:57", "port mtu", MODEL_UNTOUCHED);
	expect_refused("engine:\n  ports: [{name: h, role: host, device: net_null0, mtu: 9217}]\n",
		       "2:57", "port mtu", MODEL_UNTOUCHED);
	expect_refused("engine:\n  ports: [{name: h, role: host, device: net_null0, mtu: big}]\n",
		       "2:57", "port mtu: expected a number", MODEL_UNTOUCHED);
	expect_refused("engine:\n  ports: [{name: a, role: uplink, device: net_null0}, {name: b, "
		       "role: uplink, device: net_null1}]\n",
		       "2:71", "port 'a' is already the uplink", MODEL_UNTOUCHED);
	char eal[640] = "engine: {eal: [";

	for (int i = 0; i < 33; i++) /* 33 valid arguments: the 33rd is at 1:(16 + 32 * 13) */
		strcat(eal, i ? ", --in-memory" : "--in-memory");
	strcat(eal, "]}\n");
	expect_refused(eal, "1:432", "engine.eal: at most 32 arguments", MODEL_UNTOUCHED);
}

/* launch: (R29 placement) is checked at the node, before the model is touched. */
static void launch_section_checked_at_the_node(void **state)
{
	(void)state;
	expect_refused(BASE0 "launch: {host_ports: [up]}\n", "6:23",
		       "launch host_ports: port 'up' is not a host port", MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {host_ports: [h, nope]}\n", "6:26",
		       "launch host_ports: no port named 'nope' in engine.ports", MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {policy: round-robin}\n", "6:18", "launch policy",
		       MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {max_instances_per_port: -1}\n", "6:34",
		       "launch max_instances_per_port", MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {terminated_retention: x}\n", "6:32",
		       "launch terminated_retention", MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {hosts: [h]}\n", "6:10", "hosts", MODEL_UNTOUCHED);
	expect_refused(BASE0 "launch: {host_ports: [h, h]}\n", "6:9", "InvalidParameterValue",
		       MODEL_DISCARDED);
}

/* One port whose device string is dev: the value is at 2:41. */
#define PORT(dev) "engine:\n  ports: [{name: h, role: host, device: " dev "}]\n"

/*
 * A device string becomes one EAL argument (--vdev=<device>): a known
 * virtual device, then key=value pairs of safe characters; nothing else
 * (SPEC 6: no EAL option smuggled through). Refused at the value.
 */
static void device_strings_checked(void **state)
{
	(void)state;
	expect_refused(PORT("\"\""), "2:41", "port device: must not be empty", MODEL_UNTOUCHED);
	expect_refused(
	    PORT("\"net_null0 --vdev=net_null9\""), "2:41",
	    "port device: 'net_null0 --vdev=net_null9': character ' ' at 10 is not allowed",
	    MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_null0\\n\""), "2:41", "character '\\n' at 10 is not allowed",
		       MODEL_UNTOUCHED);
	expect_refused(PORT("\"--vdev=net_null0\""), "2:41",
		       "'--vdev=net_null0' is not a DPDK virtual device", MODEL_UNTOUCHED);
	expect_refused(PORT("net_bogus0"), "2:41", "'net_bogus0' is not a DPDK virtual device",
		       MODEL_UNTOUCHED);
	expect_refused(PORT("net_nullx"), "2:41", "'net_nullx' is not a DPDK virtual device",
		       MODEL_UNTOUCHED);
	expect_refused(PORT("u"), "2:41", "'u' is not a DPDK virtual device", MODEL_UNTOUCHED);
	expect_refused(PORT("\"0000:03:00.0\""), "2:41", "'0000:03:00.0' is a PCI address",
		       MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_null0,\""), "2:41", "argument 1 is empty", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_null0,=x\""), "2:41", "argument 1 has no key", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_null0,iface\""), "2:41", "argument 1 ('iface') has no value",
		       MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_af_packet0,iface=-x\""), "2:41",
		       "the value of 'iface' must not start with '-'", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_af_packet0,iface=a=b\""), "2:41",
		       "character '=' at 23 is not allowed", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_af_packet0,-iface=a\""), "2:41",
		       "character '-' at 16 is not allowed", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_memif0,socket-abstract=-no\""), "2:41",
		       "the value of 'socket-abstract' must not start with '-'", MODEL_UNTOUCHED);
	expect_refused(PORT("\"net_af_packet0,iface=veth\\x01\""), "2:41",
		       "port device: contains a character XML cannot carry (U+0001)",
		       MODEL_UNTOUCHED);
}

/* The device strings of every documented use (README, config/example.yaml) load as written. */
static void documented_device_strings_load(void **state)
{
	static const char *const devices[] = {
	    "net_af_packet0,iface=veth-up,qpairs=1",
	    "net_af_packet12,iface=enimap-stby,qpairs=2,blocksz=4096,framesz=2048,framecnt=512",
	    "net_null0",
	    "net_null",
	    "net_ring0",
	    "net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap",
	    "net_pcap1,iface=eth0",
	    "net_af_xdp0,iface=ens5,start_queue=0,queue_count=1",
	    "net_tap0,iface=tap0,mac=02:00:00:00:00:01",
	    "net_memif0,role=server,socket=/run/memif.sock",
	    "net_memif1,role=client,id=0,socket=/tmp/m.sock,socket-abstract=no,zero-copy=no",
	    "net_vhost1,iface=/tmp/vhost1.sock,iommu-support=1,postcopy-support=0",
	    "net_vhost0,iface=/tmp/vhost.sock,queues=1",
	    "virtio_user0,path=/dev/vhost-net,queues=1,queue_size=1024,iface=tap1",
	};
	char yaml[4096];
	size_t off = 0;
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	off += (size_t)snprintf(yaml + off, sizeof(yaml) - off, "engine:\n  ports:\n");
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		off += (size_t)snprintf(yaml + off, sizeof(yaml) - off,
					"    - {name: p%zu, role: host, device: \"%s\"}\n", i,
					devices[i]);
	assert_true(off < sizeof(yaml));
	if (ct_load(yaml, &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(cfg.engine.n_ports, sizeof(devices) / sizeof(devices[0]));
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		assert_string_equal(cfg.engine.ports[i].device, devices[i]);
	model_free(m);
}

/* engine.eal: one option per item, of the shapes enimap lets through. */
static void eal_arguments_checked(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	/* the options enimap sets itself, which a second copy would contradict */
	expect_refused("engine: {eal: [\"--file-prefix=other\"]}\n", "1:16",
		       "engine.eal: '--file-prefix=other': enimap sets --file-prefix itself",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--vdev=net_null9\"]}\n", "1:16",
		       "enimap sets --vdev itself (one per engine.ports item)", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [-a, \"0000:03:00.0\"]}\n", "1:16", "enimap sets -a itself",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--lcores=0@0,1@1\"]}\n", "1:16",
		       "enimap sets --lcores itself (from engine.workers)", MODEL_UNTOUCHED);
	/* code loaded into the process */
	expect_refused("engine: {eal: [-d, /tmp/evil.so]}\n", "1:16",
		       "engine.eal: '-d': loads a shared object into enimap", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"-d/tmp/evil.so\"]}\n", "1:16",
		       "loads a shared object into enimap", MODEL_UNTOUCHED);
	/* two options in one item, an option's value as its own item, an unknown option */
	expect_refused("engine: {eal: [\"--log-level=error --vdev=net_null9\"]}\n", "1:16",
		       "character ' ' at 18 is not allowed", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--in-memory\\n\"]}\n", "1:16",
		       "character '\\n' at 12 is not allowed", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [--log-level, error]}\n", "1:16",
		       "'--log-level' needs a value: write --log-level=<value>", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--log-level=\"]}\n", "1:16",
		       "'--log-level' needs a value: write --log-level=<value>", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--log-level=-x\"]}\n", "1:16",
		       "the value of '--log-level' must not start with '-'", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--in-memory=yes\"]}\n", "1:16",
		       "'--in-memory' takes no value", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [\"--bogus\"]}\n", "1:16",
		       "'--bogus' is not an EAL option enimap passes on", MODEL_UNTOUCHED);
	expect_refused("engine: {eal: [error]}\n", "1:16",
		       "'error' is not an EAL option enimap passes on", MODEL_UNTOUCHED);
	/* what the documentation shows, and its like, loads */
	if (ct_load(
		"engine: {eal: [\"--log-level=error\", \"--log-level=pmd.net.af_packet:debug\", "
		"--in-memory, \"--iova-mode=va\", \"--huge-dir=/mnt/huge-1G\"]}\n",
		&m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(cfg.engine.n_eal_args, 5);
	assert_string_equal(cfg.engine.eal_args[1], "--log-level=pmd.net.af_packet:debug");
	model_free(m);
}

/* A byte that is not UTF-8 is reported where it is, not at 1:1. */
static void non_utf8_byte_reported_where_it_is(void **state)
{
	char yaml[512] = "";

	(void)state;
	for (int i = 0; i < 19; i++)
		strcat(yaml, "# a comment line\n");
	strcat(yaml, "api: {region: \"ab\xff\"}\n"); /* the 0xff byte: line 20, column 18 */
	expect_refused(yaml, "20:18", "not valid UTF-8", MODEL_UNTOUCHED);
	/*
	 * After two 2-byte characters (columns count characters, as editors do),
	 * a lead byte (column 18) that the quote (column 19) fails to continue:
	 * the quote is the byte at fault.
	 */
	expect_refused("api: {region: \"\xc3\xa9\xc3\xa9\xc3\"}\n", "1:19",
		       "not valid UTF-8 (invalid trailing UTF-8 octet: byte 0x22)",
		       MODEL_UNTOUCHED);
}

/*
 * A list longer than the tables could hold is refused at its first item
 * over the limit, while the file is being read: the syntax error further
 * down is never reached, and a huge list costs no memory beyond the limit.
 */
static void list_over_capacity_refused_at_the_first_item_over(void **state)
{
	char yaml[2048] = "engine: {capacity: {ipv4: 4, ipv6: 2, eips: 8}}\n"
			  "enis:\n"
			  "  - id: eni-1\n"
			  "    subnet: s-1\n"
			  "    secondary_ips:\n";

	(void)state;
	for (int i = 0; i < 6; i++) /* lines 6-11: the 4th is over 4 - 1 (the primary's) */
		snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml), "      - 10.0.1.%d\n",
			 10 + i);
	strcat(yaml, "  - {id: : :}\n"); /* a syntax error, never reached */
	expect_refused(yaml, "9:9",
		       "eni secondary_ips: more than 3 items (engine.capacity.ipv4 is 4, the "
		       "primary address included)",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {capacity: {ipv4: 4, ipv6: 2, eips: 8}}\n"
		       "enis: [{id: e, subnet: s, ipv6: [\"::1\", \"::2\", \"::3\"]}]\n",
		       "2:48", "eni ipv6: more than 2 items (engine.capacity.ipv6 is 2)",
		       MODEL_UNTOUCHED);
	expect_refused("engine: {capacity: {ipv4: 2}}\n"
		       "enis: [{id: a}, {id: b}, {id: c}, {id: d}]\n",
		       "2:26",
		       "enis: more than 2 items (engine.capacity.ipv4 is 2: each ENI has a "
		       "primary address)",
		       MODEL_UNTOUCHED);
	/* with the engine section last, the limits are applied by the checking walk */
	expect_refused("enis: [{id: a}, {id: b}, {id: c}, {id: d}]\n"
		       "engine: {capacity: {ipv4: 2}}\n",
		       "1:26",
		       "enis: more than 2 items (engine.capacity.ipv4 is 2: each ENI has a "
		       "primary address)",
		       MODEL_UNTOUCHED);
}

/* Any other list: at most the largest capacity or 65536 items, whichever is larger. */
static void any_list_bounded(void **state)
{
	size_t n = 65537, len = 128 + n * 3;
	char *yaml = malloc(len);
	size_t off;

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(
	    yaml, len, "engine: {capacity: {ipv4: 16, ipv6: 16, eips: 16}}\npublic_pools: [");
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(yaml + off, len - off, "%sx", i ? ", " : "");
	snprintf(yaml + off, len - off, "]\n");
	/* item 65537 is at column 16 + 65536 * 3 */
	expect_refused(yaml, "2:196624", "public_pools: more than 65536 items", MODEL_UNTOUCHED);
	free(yaml);
}

/* The file size is checked before the file is read. */
static void file_over_the_size_limit_refused_before_reading(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m = model_create();
	char path[] = "/tmp/enimap-cfgcheck-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_non_null(m);
	assert_true(fd >= 0);
	/* sparse: no disk used, and no read would finish quickly */
	assert_int_equal(ftruncate(fd, (off_t)CONFIG_MAX_FILE_BYTES + 1), 0);
	close(fd);
	assert_int_equal(config_load(path, &cfg, m, NULL, &err), -1);
	unlink(path);
	if (strstr(err.message, "larger than the limit") == NULL ||
	    strncmp(err.message, path, strlen(path)) != 0)
		fail_msg("got '%s'", err.message);
	model_free(m);
}

/* A typo in the last section still leaves the model untouched (checked before loading). */
static void error_in_last_section_leaves_model_untouched(void **state)
{
	(void)state;
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, primary_ip: 10.0.1.5}]\n"
			    "eips: [{allocation_id: e-1, association: {eni: eni-1, privat_ip: "
			    "10.0.1.5}}]\n",
		       "8:55", "association: unknown key 'privat_ip'", MODEL_UNTOUCHED);
}

static void second_document_refused(void **state)
{
	(void)state;
	expect_refused("api: {enabled: false}\n---\napi: {enabled: true}\n", "3:1",
		       "only one YAML document is allowed", MODEL_UNTOUCHED);
}

static void alias_refused(void **state)
{
	(void)state;
	expect_refused(BASE "enis: [{id: &x eni-1, subnet: s-1, description: *x}]\n", "7:49",
		       "aliases (*name) are not supported", MODEL_UNTOUCHED);
}

static void deep_nesting_refused(void **state)
{
	char yaml[256] = "eips: ";

	(void)state;
	memset(yaml + 6, '[', 100);
	memset(yaml + 106, ']', 100);
	expect_refused(yaml, "1:70", "nested too deep", MODEL_UNTOUCHED);
}

static void nul_byte_refused(void **state)
{
	static const char yaml[] = "api:\n  region: a\0b\n";
	struct enimap_config cfg;
	struct config_err err;
	struct model *m = model_create();

	(void)state;
	assert_non_null(m);
	assert_int_equal(config_load_string("t.yaml", yaml, sizeof(yaml) - 1, &cfg, m, NULL, &err),
			 -1);
	assert_string_equal(err.message, "t.yaml:2:12: NUL byte in the file");
	model_free(m);
}

/* SPEC section 6: text the API would echo must be text XML can carry. */
static void control_characters_in_strings_refused(void **state)
{
	(void)state;
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, description: \"from\\x01conf\"}]\n",
		       "7:46", "eni description: contains a character XML cannot carry (U+0001)",
		       MODEL_UNTOUCHED);
	expect_refused(BASE "enis: [{id: eni-1, subnet: s-1, description: \"a\\uFFFEb\"}]\n",
		       "7:46", "contains a character XML cannot carry (U+FFFE)", MODEL_UNTOUCHED);
}

static void missing_file_reported(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m = model_create();

	(void)state;
	assert_non_null(m);
	assert_int_equal(config_load("/nonexistent/enimap.yaml", &cfg, m, NULL, &err), -1);
	assert_string_equal(err.message, "/nonexistent/enimap.yaml: No such file or directory");
	assert_int_equal(config_load("/tmp", &cfg, m, NULL, &err), -1);
	assert_string_equal(err.message, "/tmp: Is a directory");
	model_free(m);
}

/*
 * Every prefix of a valid file either loads or is refused with a located
 * message: never a crash, never an error without file:line:column.
 */
static void truncated_files_refused_cleanly(void **state)
{
	static const char yaml[] =
	    BASE "route_tables: [{id: rtb-1, vpc: vpc-1, routes: [{destination: 0.0.0.0/0, "
		 "target: eni-1}]}]\n"
		 "enis:\n"
		 "  - id: eni-1\n"
		 "    subnet: s-1\n"
		 "    mac: \"02:00:00:00:10:01\"\n"
		 "    primary_ip: 10.0.1.10\n"
		 "    secondary_ips: [10.0.1.11, 10.0.1.12]\n"
		 "    attachment: {instance: i-1, device_index: 0, delete_on_termination: true}\n"
		 "eips:\n"
		 "  - allocation_id: eipalloc-1\n"
		 "    public_ip: 198.51.100.10\n"
		 "    association: {eni: eni-1, private_ip: 10.0.1.11}\n";
	size_t loaded = 0, refused = 0;

	(void)state;
	for (size_t len = 0; len <= sizeof(yaml) - 1; len++) {
		struct enimap_config cfg;
		struct config_err err;
		struct model *m = model_create();

		assert_non_null(m);
		if (config_load_string("t.yaml", yaml, len, &cfg, m, NULL, &err) == 0) {
			loaded++;
		} else {
			refused++;
			if (strncmp(err.message, "t.yaml:", 7) != 0 ||
			    strspn(err.message + 7, "0123456789") == 0)
				fail_msg("prefix %zu: unlocated error '%s'", len, err.message);
		}
		model_free(m);
	}
	assert_true(loaded > 0);  /* e.g. the whole file, and cuts at line ends */
	assert_true(refused > 0); /* e.g. a cut inside a flow list */
}

/*
 * Random byte changes to a valid file (fixed seed, bounded): each result
 * loads or is refused with a located message; nothing crashes.
 */
static void mutated_files_refused_cleanly(void **state)
{
	static const char base[] = BASE "enis:\n"
					"  - id: eni-1\n"
					"    subnet: s-1\n"
					"    primary_ip: 10.0.1.10\n"
					"    secondary_ips: [10.0.1.11, 10.0.1.12]\n"
					"    ipv6_count: 0\n"
					"    attachment: {instance: i-1, device_index: 0}\n"
					"eips:\n"
					"  - {allocation_id: e-1, public_ip: 198.51.100.10,\n"
					"     association: {eni: eni-1, private_ip: 10.0.1.11}}\n";
	static const char alphabet[] = " :-[]{},\n\"'#&*!|>%@`\t0123456789abcdefxyz.";
	unsigned seed = 12345;
	size_t refused = 0;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		char yaml[sizeof(base)];
		struct enimap_config cfg;
		struct config_err err;
		struct model *m = model_create();

		assert_non_null(m);
		memcpy(yaml, base, sizeof(base));
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % (sizeof(base) - 1);

			seed = seed * 1103515245u + 12345u;
			yaml[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		if (config_load_string("t.yaml", yaml, sizeof(base) - 1, &cfg, m, NULL, &err)) {
			refused++;
			if (strncmp(err.message, "t.yaml:", 7) != 0 ||
			    strspn(err.message + 7, "0123456789") == 0)
				fail_msg("round %d: unlocated error '%s'", round, err.message);
		}
		model_free(m);
	}
	assert_true(refused > 1000); /* most changes break something */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(base_world_loads),
	    cmocka_unit_test(tags_load_and_bad_tags_are_refused),
	    cmocka_unit_test(syntax_error_reported_at_line_and_column),
	    cmocka_unit_test(unknown_key_reported_at_the_key),
	    cmocka_unit_test(repeated_key_refused),
	    cmocka_unit_test(wrong_type_reported_at_the_value),
	    cmocka_unit_test(missing_field_reported_at_its_mapping),
	    cmocka_unit_test(bad_address_reported_at_the_address),
	    cmocka_unit_test(unknown_reference_reported_at_the_reference),
	    cmocka_unit_test(duplicate_id_reported_at_the_second),
	    cmocka_unit_test(model_rule_violation_reported_with_its_ec2_code),
	    cmocka_unit_test(security_group_errors_reported_at_the_node),
	    cmocka_unit_test(loader_rules_reported_at_the_node),
	    cmocka_unit_test(launch_section_checked_at_the_node),
	    cmocka_unit_test(error_in_last_section_leaves_model_untouched),
	    cmocka_unit_test(second_document_refused),
	    cmocka_unit_test(alias_refused),
	    cmocka_unit_test(deep_nesting_refused),
	    cmocka_unit_test(nul_byte_refused),
	    cmocka_unit_test(control_characters_in_strings_refused),
	    cmocka_unit_test(missing_file_reported),
	    cmocka_unit_test(truncated_files_refused_cleanly),
	    cmocka_unit_test(mutated_files_refused_cleanly),
	    cmocka_unit_test(device_strings_checked),
	    cmocka_unit_test(documented_device_strings_load),
	    cmocka_unit_test(eal_arguments_checked),
	    cmocka_unit_test(non_utf8_byte_reported_where_it_is),
	    cmocka_unit_test(list_over_capacity_refused_at_the_first_item_over),
	    cmocka_unit_test(any_list_bounded),
	    cmocka_unit_test(file_over_the_size_limit_refused_before_reading),
	};

	return ct_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
