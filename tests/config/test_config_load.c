/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Good files: config/example.yaml (every field) and config/default.yaml (the
 * demo topology) load, and the model holds exactly what they say; the
 * embedded default is the file, byte for byte.
 */
#include "config_test.h"
#include "config_default.h"

#ifndef CONFIG_DIR
#error "CONFIG_DIR: the repository's config/ folder"
#endif

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct model *load_file(const char *name, struct enimap_config *cfg, struct delta *d)
{
	struct model *m = model_create();
	struct config_err err;
	char path[512];

	assert_non_null(m);
	snprintf(path, sizeof(path), "%s/%s", CONFIG_DIR, name);
	if (config_load(path, cfg, m, d, &err) != 0)
		fail_msg("%s", err.message);
	return m;
}

static void assert_mac(const uint8_t *mac, const char *text)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	assert_string_equal(buf, text);
}

static void assert_route(const struct model_route_table_view *t, const char *dest,
			 const char *target)
{
	for (size_t i = 0; i < t->n_routes; i++)
		if (!strcmp(t->routes[i].dest_cidr, dest)) {
			assert_string_equal(t->routes[i].target, target);
			return;
		}
	fail_msg("route table %s has no route to %s", t->id, dest);
}

static void example_engine_and_api_sections_parsed(void **state)
{
	struct enimap_config cfg;
	struct model *m = load_file("example.yaml", &cfg, NULL);
	char b[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(cfg.engine.workers, 1);
	assert_int_equal(cfg.engine.burst, 32);
	assert_int_equal(cfg.engine.n_eal_args, 1);
	assert_string_equal(cfg.engine.eal_args[0], "--log-level=error");
	assert_int_equal(cfg.engine.max_ipv4, 1048576);
	assert_int_equal(cfg.engine.max_ipv6, 1048576);
	assert_int_equal(cfg.engine.max_eips, 1048576);
	assert_int_equal(cfg.engine.n_ports, 3);
	assert_string_equal(cfg.engine.ports[0].name, "uplink");
	assert_int_equal(cfg.engine.ports[0].role, ENGINE_PORT_UPLINK);
	assert_string_equal(cfg.engine.ports[0].device, "net_af_packet0,iface=veth-up,qpairs=1");
	assert_true(cfg.engine.ports[0].has_mac);
	assert_mac(cfg.engine.ports[0].mac, "02:00:00:00:00:01");
	assert_true(cfg.engine.ports[0].has_upstream_ip);
	assert_string_equal(ct_v4(cfg.engine.ports[0].upstream_ip, b), "203.0.113.1");
	assert_true(cfg.engine.ports[0].has_upstream_mac);
	assert_mac(cfg.engine.ports[0].upstream_mac, "02:00:00:00:01:01");
	assert_string_equal(cfg.engine.ports[1].name, "host-a");
	assert_int_equal(cfg.engine.ports[1].role, ENGINE_PORT_HOST);
	assert_false(cfg.engine.ports[1].has_upstream_ip);
	assert_false(cfg.engine.ports[2].has_mac); /* default: the device's */
	assert_int_equal(cfg.engine.ports[0].mtu, 1500);
	assert_int_equal(cfg.engine.ports[1].mtu, 9001);
	assert_int_equal(cfg.engine.ports[2].mtu, 1500); /* the default */
	assert_true(cfg.engine.sg.enforce);
	assert_int_equal(cfg.engine.sg.max_flows, 262144);
	assert_int_equal(cfg.engine.sg.tcp_established_s, 432000);
	assert_int_equal(cfg.engine.sg.tcp_syn_s, 120);
	assert_int_equal(cfg.engine.sg.tcp_closing_s, 10);
	assert_int_equal(cfg.engine.sg.udp_s, 30);
	assert_int_equal(cfg.engine.sg.udp_stream_s, 180);
	assert_int_equal(cfg.engine.sg.icmp_s, 30);
	assert_true(cfg.api.enabled);
	assert_string_equal(cfg.api.listen, "127.0.0.1:8787");
	assert_string_equal(cfg.api.region, "us-east-1");
	assert_string_equal(cfg.api.journal, "/var/lib/enimap/journal");
	assert_true(cfg.metrics.enabled);
	assert_string_equal(cfg.metrics.listen, "127.0.0.1:9464");
	assert_int_equal(cfg.api.n_credentials, 1);
	assert_string_equal(cfg.api.credentials[0].access_key_id, "AKIAEXAMPLE0000000000");
	assert_string_equal(cfg.api.credentials[0].secret_access_key,
			    "exampleSecretKey000000000000");
	assert_true(strstr(cfg.path, "example.yaml") != NULL);
	model_free(m);
}

static void example_vpc_routes_and_subnets_created(void **state)
{
	struct enimap_config cfg;
	struct model *m = load_file("example.yaml", &cfg, NULL);
	struct model_instance_type_view t;
	struct model_vpc_view v;
	struct model_route_table_view rt;
	struct model_subnet_view s;

	(void)state;
	assert_int_equal(model_get_instance_type(m, "c5.metal", &t), 0);
	assert_int_equal(t.max_enis, 15);
	assert_int_equal(t.max_ipv4_per_eni, 50);
	assert_int_equal(t.max_ipv6_per_eni, 50);

	assert_int_equal(model_get_vpc(m, "vpc-example", &v), 0);
	assert_int_equal(v.n_cidr4, 2);
	assert_string_equal(v.cidr4[0], "10.0.0.0/16");
	assert_string_equal(v.cidr4[1], "10.1.0.0/16");
	assert_int_equal(v.n_cidr6, 1);
	assert_string_equal(v.cidr6[0], "2600:1f18:aaaa:bb00::/56");
	assert_string_equal(v.main_route_table_id, "rtb-main");

	assert_int_equal(model_get_route_table(m, "rtb-main", &rt), 0);
	assert_true(rt.main);
	assert_route(&rt, "0.0.0.0/0", "igw");
	assert_route(&rt, "::/0", "igw");
	assert_route(&rt, "192.0.2.128/25", "blackhole");
	assert_route(&rt, "10.0.0.0/16", "local");
	assert_int_equal(model_get_route_table(m, "rtb-via-appliance", &rt), 0);
	assert_false(rt.main);
	assert_string_equal(rt.vpc_id, "vpc-example");
	assert_route(&rt, "0.0.0.0/0", "eni-appliance");

	assert_int_equal(model_get_subnet(m, "subnet-a", &s), 0);
	assert_string_equal(s.vpc_id, "vpc-example");
	assert_string_equal(s.az, "us-east-1a");
	assert_string_equal(s.cidr4, "10.0.1.0/24");
	assert_string_equal(s.cidr6, "2600:1f18:aaaa:bb01::/64");
	assert_string_equal(s.route_table_id, "rtb-main");
	assert_int_equal(model_get_subnet(m, "subnet-b", &s), 0);
	assert_null(s.cidr6);
	assert_string_equal(s.route_table_id, "rtb-via-appliance");
	model_free(m);
}

/* security_groups: the groups, their rules (a group peer, EC2's outbound rule or the listed
 * ones), the VPC's default group by its given id, the ENI's groups */
static void example_security_groups_created(void **state)
{
	struct enimap_config cfg;
	struct model *m = load_file("example.yaml", &cfg, NULL);
	struct model_sg_view g;
	struct model_eni_view e;

	(void)state;
	assert_int_equal(model_get_sg(m, "sg-default", &g), 0);
	assert_true(g.is_default);
	assert_int_equal(g.n_rules, 3);
	assert_int_equal(model_get_sg(m, "sg-web", &g), 0);
	assert_string_equal(g.name, "web");
	assert_string_equal(g.description, "web tier");
	assert_string_equal(g.vpc_id, "vpc-example");
	assert_int_equal(g.n_rules, 5); /* 4 inbound, EC2's outbound */
	assert_false(g.rules[0].egress);
	assert_int_equal(g.rules[0].protocol, 6);
	assert_int_equal(g.rules[0].from_port, 443);
	assert_string_equal(g.rules[0].cidr4, "0.0.0.0/0");
	assert_string_equal(g.rules[0].description, "https");
	assert_string_equal(g.rules[1].cidr6, "::/0");
	assert_int_equal(g.rules[2].protocol, 1);
	assert_int_equal(g.rules[2].from_port, 8);
	assert_int_equal(g.rules[2].to_port, -1);
	assert_int_equal(g.rules[3].protocol, -1);
	assert_string_equal(g.rules[3].peer_group_id, "sg-admin");
	assert_true(g.rules[4].egress);
	assert_string_equal(g.rules[4].cidr4, "0.0.0.0/0");
	assert_int_equal(g.n_members, 1);
	struct model_tags_view t;
	assert_int_equal(model_get_tags(m, "sg-web", &t), 0);
	assert_string_equal(t.tags[0].key, "tier");
	assert_int_equal(model_get_sg(m, "sg-admin", &g), 0);
	assert_int_equal(g.n_rules, 1); /* egress: given, so only it */
	assert_true(g.rules[0].egress);
	assert_string_equal(g.rules[0].peer_group_id, "sg-web");
	assert_int_equal(model_get_eni(m, "eni-appliance", &e), 0);
	assert_int_equal(e.n_groups, 2);
	assert_string_equal(e.groups[0], "sg-web");
	assert_string_equal(e.groups[1], "sg-admin");
	assert_int_equal(model_get_eni(m, "eni-spare", &e), 0);
	assert_int_equal(e.n_groups, 1);
	assert_string_equal(e.groups[0], "sg-default");
	model_free(m);
}

static void example_instances_enis_and_addresses_created(void **state)
{
	struct enimap_config cfg;
	struct model *m = load_file("example.yaml", &cfg, NULL);
	struct model_instance_view i;
	struct model_eni_view e;
	char b[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(model_get_instance(m, "i-app", &i), 0);
	assert_string_equal(i.type, "c5.metal");
	assert_string_equal(i.az, "us-east-1a");
	assert_int_equal(i.state, MODEL_RUNNING);
	assert_int_equal(i.host_port, 1); /* host-a is engine.ports[1] */
	assert_int_equal(i.n_enis, 1);
	assert_string_equal(i.eni_ids[0], "eni-appliance");
	assert_true(i.metadata_tokens_required);
	assert_true(i.metadata_endpoint_enabled);
	assert_int_equal(i.metadata_hop_limit, 2);
	assert_true(i.metadata_ipv6_enabled);
	assert_int_equal(model_get_instance(m, "i-client", &i), 0);
	assert_int_equal(i.state, MODEL_STOPPED);
	assert_false(i.metadata_tokens_required); /* no metadata_options: EC2's defaults */
	assert_int_equal(i.metadata_hop_limit, 1);
	assert_false(i.metadata_ipv6_enabled);
	assert_int_equal(i.host_port, 2);

	assert_int_equal(model_get_eni(m, "eni-appliance", &e), 0);
	assert_string_equal(e.subnet_id, "subnet-a");
	assert_mac(e.mac, "02:00:00:00:10:01");
	assert_string_equal(e.description, "firewall appliance");
	assert_int_equal(e.vlan, 0);
	assert_false(e.source_dest_check);
	assert_string_equal(ct_v4(e.primary_ip, b), "10.0.1.10");
	assert_int_equal(e.n_secondary, 2);
	assert_string_equal(ct_v4(e.secondary_ips[0], b), "10.0.1.11");
	assert_string_equal(ct_v4(e.secondary_ips[1], b), "10.0.1.12");
	assert_int_equal(e.n_ipv6, 1);
	assert_string_equal(ct_v6(&e.ipv6[0], b), "2600:1f18:aaaa:bb01::10");
	assert_string_equal(e.instance_id, "i-app");
	assert_string_equal(e.attachment_id, "eni-attach-appliance");
	assert_int_equal(e.device_index, 0);
	assert_true(e.delete_on_termination);

	assert_int_equal(model_get_eni(m, "eni-client", &e), 0);
	assert_true(e.source_dest_check);   /* the default */
	assert_int_equal(e.n_secondary, 2); /* secondary_count */
	assert_string_equal(e.instance_id, "i-client");
	assert_false(e.delete_on_termination);
	assert_string_equal(ct_v4(e.primary_ip, b), "10.1.2.4"); /* lowest free: .1-.3 reserved */

	assert_int_equal(model_get_eni(m, "eni-spare", &e), 0);
	assert_null(e.instance_id);
	assert_string_equal(ct_v4(e.primary_ip, b), "10.0.1.50");
	model_free(m);
}

static void example_eips_allocated_and_associated(void **state)
{
	struct enimap_config cfg;
	struct model *m = load_file("example.yaml", &cfg, NULL);
	struct model_eip_view p;
	struct model_eni_view e;
	char b[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(model_get_eip(m, "eipalloc-app", &p), 0);
	assert_string_equal(ct_v4(p.public_ip, b), "198.51.100.10");
	assert_string_equal(p.association_id, "eipassoc-app");
	assert_string_equal(p.eni_id, "eni-appliance");
	assert_string_equal(p.instance_id, "i-app");
	assert_string_equal(ct_v4(p.private_ip, b), "10.0.1.11");

	/* by instance: onto its device-0 ENI's primary; public from the pools */
	assert_int_equal(model_get_eip(m, "eipalloc-client", &p), 0);
	assert_string_equal(p.eni_id, "eni-client");
	assert_int_equal(model_get_eni(m, "eni-client", &e), 0);
	assert_int_equal(p.private_ip, e.primary_ip);
	assert_string_equal(ct_v4(p.public_ip, b), "192.0.2.0"); /* the lowest free of the pools */

	assert_int_equal(model_get_eip(m, "eipalloc-spare", &p), 0);
	assert_string_equal(ct_v4(p.public_ip, b), "192.0.2.5");
	assert_null(p.association_id);
	model_free(m);
}

/* The demo topology other parts (make run, scripts/demo.sh) rely on. */
static void default_yaml_is_the_demo_topology(void **state)
{
	struct enimap_config cfg;
	struct delta d = {0};
	struct model *m = load_file("default.yaml", &cfg, &d);
	struct model_stats st;
	struct model_eni_view e;
	struct model_eip_view p;
	struct model_instance_view i;
	struct model_route_table_view rt;
	struct model_vpc_view v;
	char b[INET6_ADDRSTRLEN];

	(void)state;
	assert_true(d.n > 0); /* the mapping changes were appended */
	assert_int_equal(cfg.engine.workers, 1);
	assert_int_equal(cfg.engine.n_ports, 3);
	assert_string_equal(cfg.engine.ports[0].name, "uplink");
	assert_int_equal(cfg.engine.ports[0].role, ENGINE_PORT_UPLINK);
	assert_string_equal(cfg.engine.ports[0].device, "net_af_packet0,iface=enimap-up,qpairs=1");
	assert_mac(cfg.engine.ports[0].mac, "02:00:00:00:00:01");
	assert_string_equal(ct_v4(cfg.engine.ports[0].upstream_ip, b), "203.0.113.1");
	assert_mac(cfg.engine.ports[0].upstream_mac, "02:00:00:00:01:01");
	assert_string_equal(cfg.engine.ports[1].name, "host-web");
	assert_int_equal(cfg.engine.ports[1].role, ENGINE_PORT_HOST);
	assert_string_equal(cfg.engine.ports[1].device, "net_af_packet1,iface=enimap-web,qpairs=1");
	assert_mac(cfg.engine.ports[1].mac, "02:00:00:00:00:02");
	assert_string_equal(cfg.engine.ports[2].name, "host-standby");
	assert_string_equal(cfg.engine.ports[2].device,
			    "net_af_packet2,iface=enimap-stby,qpairs=1");
	assert_mac(cfg.engine.ports[2].mac, "02:00:00:00:00:03");
	assert_true(cfg.api.enabled);
	assert_string_equal(cfg.api.listen, "127.0.0.1:8787");
	assert_string_equal(cfg.api.region, "us-east-1");
	assert_string_equal(cfg.api.journal, "");
	assert_true(cfg.metrics.enabled); /* no metrics: section: the defaults */
	assert_string_equal(cfg.metrics.listen, CONFIG_METRICS_DEFAULT_LISTEN);
	assert_int_equal(cfg.api.n_credentials, 1);
	assert_string_equal(cfg.api.credentials[0].access_key_id, "AKIAENIMAPDEMO00000");
	assert_string_equal(cfg.api.credentials[0].secret_access_key,
			    "enimapDemoSecretKey0000000000000000000000");

	model_get_stats(m, &st);
	assert_int_equal(st.vpcs, 1);
	assert_int_equal(st.subnets, 1);
	assert_int_equal(st.instances, 2);
	assert_int_equal(st.enis, 2);
	assert_int_equal(st.v4, 3);
	assert_int_equal(st.v6, 2);
	assert_int_equal(st.eips, 2);
	assert_int_equal(st.associations, 2);
	assert_int_equal(model_get_vpc(m, "vpc-demo", &v), 0);
	assert_string_equal(v.cidr4[0], "10.0.0.0/16");
	assert_string_equal(v.cidr6[0], "2600:1f18:aaaa:bb00::/56");
	assert_int_equal(model_get_route_table(m, v.main_route_table_id, &rt), 0);
	assert_route(&rt, "0.0.0.0/0", "igw");
	assert_route(&rt, "::/0", "igw");
	assert_int_equal(model_get_instance(m, "i-web", &i), 0);
	assert_int_equal(i.host_port, 1);
	assert_int_equal(model_get_instance(m, "i-standby", &i), 0);
	assert_int_equal(i.host_port, 2);

	assert_int_equal(model_get_eni(m, "eni-web", &e), 0);
	assert_mac(e.mac, "02:00:00:00:10:01");
	assert_string_equal(ct_v4(e.primary_ip, b), "10.0.1.10");
	assert_string_equal(ct_v4(e.secondary_ips[0], b), "10.0.1.100");
	assert_string_equal(ct_v6(&e.ipv6[0], b), "2600:1f18:aaaa:bb01::10");
	assert_string_equal(e.instance_id, "i-web");
	assert_int_equal(e.device_index, 0);
	assert_int_equal(model_get_eni(m, "eni-standby", &e), 0);
	assert_mac(e.mac, "02:00:00:00:20:01");
	assert_string_equal(ct_v4(e.primary_ip, b), "10.0.1.20");
	assert_string_equal(ct_v6(&e.ipv6[0], b), "2600:1f18:aaaa:bb01::20");
	assert_string_equal(e.instance_id, "i-standby");

	assert_int_equal(model_get_eip(m, "eipalloc-web", &p), 0);
	assert_string_equal(ct_v4(p.public_ip, b), "198.51.100.10");
	assert_string_equal(p.eni_id, "eni-web");
	assert_string_equal(ct_v4(p.private_ip, b), "10.0.1.100");
	assert_int_equal(model_get_eip(m, "eipalloc-standby", &p), 0);
	assert_string_equal(ct_v4(p.public_ip, b), "198.51.100.20");
	assert_string_equal(p.eni_id, "eni-standby");
	assert_string_equal(ct_v4(p.private_ip, b), "10.0.1.20");
	delta_free(&d);
	model_free(m);
}

static void embedded_default_equals_file(void **state)
{
	size_t len;
	char *file = read_all(CONFIG_DIR "/default.yaml", &len);

	(void)state;
	assert_int_equal(config_default_yaml_len, len);
	assert_memory_equal(config_default_yaml, file, len);
	assert_int_equal(config_default_yaml[len], '\0');
	free(file);
}

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

/* Loading the embedded bytes gives the same model as loading the file. */
static void embedded_default_loads_like_the_file(void **state)
{
	struct enimap_config a, b;
	struct config_err err;
	struct model *mf = load_file("default.yaml", &a, NULL);
	struct model *me = model_create();
	char *df, *de;

	(void)state;
	assert_non_null(me);
	if (config_load_string("<embedded default.yaml>", config_default_yaml,
			       config_default_yaml_len, &b, me, NULL, &err))
		fail_msg("%s", err.message);
	df = dump(mf);
	de = dump(me);
	assert_string_equal(df, de);
	assert_memory_equal(&a.engine, &b.engine, sizeof(a.engine));
	assert_memory_equal(&a.api, &b.api, sizeof(a.api));
	free(df);
	free(de);
	model_free(mf);
	model_free(me);
}

static void defaults_apply_to_an_empty_file(void **state)
{
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;
	struct model_stats st;

	(void)state;
	assert_int_equal(ct_load("# nothing\n", &m, &cfg, &err), 0);
	assert_int_equal(cfg.engine.workers, 1);
	assert_int_equal(cfg.engine.burst, 32);
	assert_int_equal(cfg.engine.n_ports, 0);
	assert_int_equal(cfg.engine.max_ipv4, 1u << 20);
	assert_true(cfg.api.enabled);
	assert_string_equal(cfg.api.listen, "127.0.0.1:8787");
	assert_string_equal(cfg.api.region, "us-east-1");
	assert_string_equal(cfg.api.journal, "");
	model_get_stats(m, &st);
	assert_int_equal(st.vpcs + st.enis + st.eips, 0);
	model_free(m);
}

/* engine.capacity reaches the model: one address past it is refused. */
static void capacity_limits_the_model(void **state)
{
	static const char yaml[] = "engine:\n"
				   "  capacity: {ipv4: 2}\n"
				   "  ports: [{name: h, role: host, device: net_null0}]\n"
				   "vpcs: [{id: vpc-1, cidr4: [10.0.0.0/16]}]\n"
				   "subnets: [{id: s-1, vpc: vpc-1, az: a, cidr4: 10.0.1.0/24}]\n"
				   "enis:\n"
				   "  - {id: eni-1, subnet: s-1, secondary_count: 1}\n"
				   "  - {id: eni-2, subnet: s-1}\n";
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	assert_int_equal(ct_load(yaml, &m, &cfg, &err), -1);
	assert_non_null(strstr(err.message, "t.yaml:8:5: InsufficientAddressCapacity"));
	model_free(m);
}

/* Launch into the world m one instance in s-1; its host port. */
static int launched_port(struct model *m, const char *id)
{
	struct model_launch_eni l = {.device_index = 0};
	struct model_launch_req r = {
	    .id = id, .type = "t3.medium", .host_port = -1, .enis = &l, .n_enis = 1};
	struct model_instance_view v;
	struct model_err e;
	size_t got;

	l.create.subnet_id = "s-1";
	l.create.source_dest_check = true;
	if (model_launch_instances(m, &r, 1, 1, &got, NULL, &e))
		return -1;
	assert_int_equal(model_get_instance(m, id, &v), 0);
	return v.host_port;
}

/* launch: the placement rule and the retention reach the model; without it, every host port. */
static void launch_section_sets_placement_and_retention(void **state)
{
	static const char world[] =
	    "engine:\n"
	    "  ports: [{name: up, role: uplink, device: net_null0}, {name: a, role: host, device: "
	    "net_null1}, {name: b, role: host, device: net_null2}]\n"
	    "vpcs: [{id: vpc-1, cidr4: [10.0.0.0/16]}]\n"
	    "subnets: [{id: s-1, vpc: vpc-1, az: a, cidr4: 10.0.1.0/24}]\n";
	char yaml[1024];
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	snprintf(yaml, sizeof(yaml),
		 "%slaunch: {host_ports: [b], max_instances_per_port: 1, "
		 "terminated_retention: 60}\n",
		 world);
	if (ct_load(yaml, &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(launched_port(m, "i-00000000000000001"), 2);
	assert_int_equal(launched_port(m, "i-00000000000000002"), -1); /* b is full */
	assert_int_equal(model_terminated_retention(m), 60);
	model_free(m);
	if (ct_load(world, &m, &cfg, &err))
		fail_msg("%s", err.message);
	assert_int_equal(launched_port(m, "i-00000000000000001"), 1); /* a, then b */
	assert_int_equal(launched_port(m, "i-00000000000000002"), 2);
	assert_int_equal(launched_port(m, "i-00000000000000003"), 1);
	assert_int_equal(model_terminated_retention(m), 3600);
	model_free(m);
}

/* R31: two VPCs with the same 10.0.0.0/16 and 10.0.1.0/24, each with 10.0.1.10 and its EIP. */
static void two_vpcs_with_the_same_range_load(void **state)
{
	static const char yaml[] =
	    "engine:\n"
	    "  ports: [{name: h, role: host, device: net_null0}]\n"
	    "public_pools: [198.51.100.0/24]\n"
	    "vpcs:\n"
	    "  - {id: vpc-a, cidr4: [10.0.0.0/16]}\n"
	    "  - {id: vpc-b, cidr4: [10.0.0.0/16]}\n"
	    "subnets:\n"
	    "  - {id: subnet-a, vpc: vpc-a, az: a, cidr4: 10.0.1.0/24}\n"
	    "  - {id: subnet-b, vpc: vpc-b, az: a, cidr4: 10.0.1.0/24}\n"
	    "enis:\n"
	    "  - {id: eni-a, subnet: subnet-a, primary_ip: 10.0.1.10, secondary_ips: [10.0.1.20]}\n"
	    "  - {id: eni-b, subnet: subnet-b, primary_ip: 10.0.1.10, secondary_ips: [10.0.1.20]}\n"
	    "eips:\n"
	    "  - {allocation_id: eipalloc-a, public_ip: 198.51.100.10, association: {eni: eni-a}}\n"
	    "  - {allocation_id: eipalloc-b, public_ip: 198.51.100.11, association: {eni: "
	    "eni-b}}\n";
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;
	struct model_eni_view a, b;
	struct model_eip_view e;
	struct model_stats st;
	char t[INET_ADDRSTRLEN];

	(void)state;
	if (ct_load(yaml, &m, &cfg, &err) != 0)
		fail_msg("%s", err.message);
	model_get_stats(m, &st);
	assert_int_equal(st.vpcs, 2);
	assert_int_equal(st.v4, 4);
	assert_int_equal(st.associations, 2);
	assert_int_equal(model_get_eni(m, "eni-a", &a), 0);
	assert_int_equal(model_get_eni(m, "eni-b", &b), 0);
	assert_string_equal(ct_v4(a.primary_ip, t), "10.0.1.10");
	assert_string_equal(ct_v4(b.primary_ip, t), "10.0.1.10");
	assert_string_equal(b.vpc_id, "vpc-b");
	assert_int_equal(model_get_eip_by_private(m, "vpc-a", a.primary_ip, &e), 0);
	assert_string_equal(e.allocation_id, "eipalloc-a");
	assert_int_equal(model_get_eip_by_private(m, "vpc-b", b.primary_ip, &e), 0);
	assert_string_equal(e.allocation_id, "eipalloc-b");
	model_free(m);
}

/* Inside one VPC an address is still unique: the loader reports the model's refusal. */
static void one_vpc_refuses_the_same_address_twice(void **state)
{
	static const char yaml[] = "vpcs:\n"
				   "  - {id: vpc-a, cidr4: [10.0.0.0/16]}\n"
				   "  - {id: vpc-b, cidr4: [10.0.0.0/16]}\n"
				   "subnets:\n"
				   "  - {id: subnet-a, vpc: vpc-a, az: a, cidr4: 10.0.1.0/24}\n"
				   "  - {id: subnet-b, vpc: vpc-b, az: a, cidr4: 10.0.1.0/24}\n"
				   "enis:\n"
				   "  - {id: eni-a, subnet: subnet-a, primary_ip: 10.0.1.10}\n"
				   "  - {id: eni-b, subnet: subnet-b, primary_ip: 10.0.1.10}\n"
				   "  - {id: eni-c, subnet: subnet-b, primary_ip: 10.0.1.10}\n";
	struct enimap_config cfg;
	struct config_err err;
	struct model *m;

	(void)state;
	assert_int_equal(ct_load(yaml, &m, &cfg, &err), -1);
	assert_non_null(strstr(err.message, "t.yaml:10:"));
	assert_non_null(strstr(err.message, "InvalidIPAddress.InUse"));
	assert_non_null(strstr(err.message, "eni-b"));
	model_free(m);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(example_engine_and_api_sections_parsed),
	    cmocka_unit_test(example_vpc_routes_and_subnets_created),
	    cmocka_unit_test(example_instances_enis_and_addresses_created),
	    cmocka_unit_test(example_security_groups_created),
	    cmocka_unit_test(example_eips_allocated_and_associated),
	    cmocka_unit_test(default_yaml_is_the_demo_topology),
	    cmocka_unit_test(embedded_default_equals_file),
	    cmocka_unit_test(embedded_default_loads_like_the_file),
	    cmocka_unit_test(defaults_apply_to_an_empty_file),
	    cmocka_unit_test(capacity_limits_the_model),
	    cmocka_unit_test(launch_section_sets_placement_and_retention),
	    cmocka_unit_test(two_vpcs_with_the_same_range_load),
	    cmocka_unit_test(one_vpc_refuses_the_same_address_twice),
	};

	return ct_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}
