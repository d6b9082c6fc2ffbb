/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * D15: the metadata tree (imds_tree.c) over a real model - EC2's listings,
 * formats and 404s, each instance answered about itself, a reassigned
 * address in the new owner's answer at once - and the packet rewriting
 * that carries a guest's TCP to the server and back (frame.c): checksums
 * that stay right, and a wrong one that stays wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "frame.h"
#include "imds_tree.h"
#include "model.h"

#define OKM(call)                                                                                  \
	do {                                                                                       \
		struct model_err err_ = {0};                                                       \
		if ((call) != 0)                                                                   \
			fail_msg("%s: %s %s", #call, err_.code, err_.message);                     \
	} while (0)

/*
 * vpc-1 10.0.0.0/16 (+ 10.9.0.0/16), 2600:1f18:1:100::/56; subnet-a
 * 10.0.1.0/24 + 2600:1f18:1:101::/64 (us-east-1a), subnet-b 10.0.2.0/24.
 * i-web (ami-0abc): eni-web 02:00:00:00:10:01 at 0 (10.0.1.10, 10.0.1.100;
 * ::10), eni-web2 02:00:00:00:10:02 at 1 in subnet-b (10.0.2.10); i-stby:
 * eni-stby at 0 (10.0.1.20). EIP 198.51.100.10 on 10.0.1.100.
 */
static struct model *world(void)
{
	struct model *m = model_create();
	char id[MODEL_ID_MAX], pub[INET_ADDRSTRLEN];
	const char *c4[] = {"10.0.0.0/16", "10.9.0.0/16"}, *c6[] = {"2600:1f18:1:100::/56"};
	const char *sec[] = {"10.0.1.100"}, *v6[] = {"2600:1f18:1:101::10"};
	struct model_vpc_req v = {.id = "vpc-1",
				  .cidr4 = c4,
				  .n_cidr4 = 2,
				  .cidr6 = c6,
				  .n_cidr6 = 1,
				  .default_group_id = "sg-0default"};
	struct model_subnet_req sa = {.id = "subnet-a",
				      .vpc_id = "vpc-1",
				      .az = "us-east-1a",
				      .cidr4 = "10.0.1.0/24",
				      .cidr6 = "2600:1f18:1:101::/64"};
	struct model_subnet_req sb = {
	    .id = "subnet-b", .vpc_id = "vpc-1", .az = "us-east-1a", .cidr4 = "10.0.2.0/24"};
	struct model_sg_req g = {.id = "sg-web", .vpc_id = "vpc-1", .name = "web-servers"};
	const char *groups[] = {"sg-web", "sg-0default"};
	struct model_instance_req iw = {
	    .id = "i-web", .type = "m5.large", .az = "us-east-1a", .image_id = "ami-0abc"};
	struct model_instance_req is = {.id = "i-stby", .type = "m5.large", .az = "us-east-1a"};
	struct model_eni_req ew = {.id = "eni-web",
				   .subnet_id = "subnet-a",
				   .mac = "02:00:00:00:10:01",
				   .primary_ip = "10.0.1.10",
				   .secondary_ips = sec,
				   .n_secondary_ips = 1,
				   .ipv6 = v6,
				   .n_ipv6 = 1,
				   .source_dest_check = true,
				   .groups = groups,
				   .n_groups = 2};
	struct model_eni_req ew2 = {.id = "eni-web2",
				    .subnet_id = "subnet-b",
				    .mac = "02:00:00:00:10:02",
				    .primary_ip = "10.0.2.10",
				    .source_dest_check = true};
	struct model_eni_req es = {.id = "eni-stby",
				   .subnet_id = "subnet-a",
				   .mac = "02:00:00:00:20:01",
				   .primary_ip = "10.0.1.20",
				   .source_dest_check = true};
	struct model_attach_req a1 = {.eni_id = "eni-web", .instance_id = "i-web"};
	struct model_attach_req a2 = {
	    .eni_id = "eni-web2", .instance_id = "i-web", .device_index = 1};
	struct model_attach_req a3 = {.eni_id = "eni-stby", .instance_id = "i-stby"};
	struct model_associate_req as = {
	    .allocation_id = "eipalloc-1", .eni_id = "eni-web", .private_ip = "10.0.1.100"};

	assert_non_null(m);
	OKM(model_create_vpc(m, &v, id, NULL, &err_));
	OKM(model_create_subnet(m, &sa, id, NULL, &err_));
	OKM(model_create_subnet(m, &sb, id, NULL, &err_));
	OKM(model_create_security_group(m, &g, id, &err_));
	OKM(model_create_instance(m, &iw, id, &err_));
	OKM(model_create_instance(m, &is, id, &err_));
	OKM(model_create_eni(m, &ew, id, NULL, &err_));
	OKM(model_create_eni(m, &ew2, id, NULL, &err_));
	OKM(model_create_eni(m, &es, id, NULL, &err_));
	OKM(model_attach_eni(m, &a1, id, NULL, &err_));
	OKM(model_attach_eni(m, &a2, id, NULL, &err_));
	OKM(model_attach_eni(m, &a3, id, NULL, &err_));
	OKM(model_add_public_pool(m, "198.51.100.0/28", &err_));
	OKM(model_allocate_address(m, "eipalloc-1", "198.51.100.10", id, pub, &err_));
	OKM(model_associate_address(m, &as, id, NULL, &err_));
	return m;
}

static int setup(void **state)
{
	*state = world();
	return 0;
}

static int teardown(void **state)
{
	model_free(*state);
	return 0;
}

/* GET path as instance: its status, and its body into *out (free it). */
static int get(const struct model *m, const char *instance, const char *path, char **out)
{
	struct imds_body b;
	int st = imds_tree_answer(m, instance, "000000000000", path, &b);

	assert_true(st == 200 || st == 404);
	assert_non_null(b.text);
	assert_int_equal(strlen(b.text), b.len);
	assert_string_equal(b.content_type, st == 404		       ? "text/html"
					    : strstr(path, "document") ? "application/json"
								       : "text/plain");
	*out = b.text;
	return st;
}

static void expect(const struct model *m, const char *instance, const char *path, const char *want)
{
	char *got;

	if (get(m, instance, path, &got) != 200)
		fail_msg("%s: %s is a 404", instance, path);
	assert_string_equal(got, want);
	free(got);
}

static void expect_404(const struct model *m, const char *instance, const char *path)
{
	char *got;

	if (get(m, instance, path, &got) != 404)
		fail_msg("%s: %s is '%s', not a 404", instance, path, got);
	assert_non_null(strstr(got, "<title>404 - Not Found</title>"));
	free(got);
}

#define MAC1 "/latest/meta-data/network/interfaces/macs/02:00:00:00:10:01/"

static void versions_and_the_top_listings(void **state)
{
	const struct model *m = *state;
	char *root;

	assert_int_equal(get(m, "i-web", "/", &root), 200);
	assert_non_null(strstr(root, "1.0\n2007-01-19\n"));
	assert_non_null(strstr(root, "\n2021-03-23\n"));
	assert_int_equal(strcmp(root + strlen(root) - 7, "\nlatest"), 0);
	free(root);
	expect(m, "i-web", "/latest", "dynamic\nmeta-data");
	expect(m, "i-web", "/latest/", "dynamic\nmeta-data");
	/* a dated version serves the same tree */
	expect(m, "i-web", "/2009-04-04/meta-data/instance-id", "i-web");
	expect_404(m, "i-web", "/2099-01-01/meta-data/instance-id");
	expect_404(m, "i-web", "/latest/user-data"); /* none given */
	expect(m, "i-web", "/latest/meta-data/",
	       "ami-id\nhostname\ninstance-id\ninstance-type\nipv6\nlocal-hostname\nlocal-ipv4\n"
	       "mac\nnetwork/\nplacement/\nsecurity-groups");
	/* i-stby: no image, no IPv6, no EIP on its primary */
	expect(m, "i-stby", "/latest/meta-data",
	       "hostname\ninstance-id\ninstance-type\nlocal-hostname\nlocal-ipv4\nmac\nnetwork/\n"
	       "placement/\nsecurity-groups");
	expect(m, "i-web", "/latest/dynamic/", "instance-identity/");
	expect(m, "i-web", "/latest/dynamic/instance-identity/", "document");
}

static void instance_leaves(void **state)
{
	const struct model *m = *state;

	expect(m, "i-web", "/latest/meta-data/instance-id", "i-web");
	expect(m, "i-stby", "/latest/meta-data/instance-id", "i-stby");
	expect(m, "i-web", "/latest/meta-data/ami-id", "ami-0abc");
	expect_404(m, "i-stby", "/latest/meta-data/ami-id");
	expect(m, "i-web", "/latest/meta-data/instance-type", "m5.large");
	expect(m, "i-web", "/latest/meta-data/local-ipv4", "10.0.1.10");
	expect(m, "i-web", "/latest/meta-data/mac", "02:00:00:00:10:01");
	expect(m, "i-web", "/latest/meta-data/ipv6", "2600:1f18:1:101::10");
	expect(m, "i-web", "/latest/meta-data/hostname", "ip-10-0-1-10.us-east-1.compute.internal");
	expect(m, "i-web", "/latest/meta-data/local-hostname",
	       "ip-10-0-1-10.us-east-1.compute.internal");
	expect(m, "i-web", "/latest/meta-data/security-groups", "web-servers\ndefault");
	expect(m, "i-web", "/latest/meta-data/placement/", "availability-zone\nregion");
	expect(m, "i-web", "/latest/meta-data/placement/availability-zone", "us-east-1a");
	expect(m, "i-web", "/latest/meta-data/placement/region", "us-east-1");
	/* the EIP is on the secondary address, not the primary one */
	expect_404(m, "i-web", "/latest/meta-data/public-ipv4");
	expect_404(m, "i-web", "/latest/meta-data/no-such-leaf");
	expect_404(m, "i-web", "/latest/meta-data/instance-id/more");
	expect_404(m, "i-nobody", "/latest/meta-data/instance-id");
}

static void interfaces_by_mac(void **state)
{
	const struct model *m = *state;

	expect(m, "i-web", "/latest/meta-data/network/", "interfaces/");
	expect(m, "i-web", "/latest/meta-data/network/interfaces/", "macs/");
	/* device order */
	expect(m, "i-web", "/latest/meta-data/network/interfaces/macs/",
	       "02:00:00:00:10:01/\n02:00:00:00:10:02/");
	expect(m, "i-web", MAC1,
	       "device-number\ninterface-id\nipv4-associations/\nipv6s\nlocal-hostname\n"
	       "local-ipv4s\nmac\nowner-id\npublic-ipv4s\nsecurity-group-ids\nsecurity-groups\n"
	       "subnet-id\nsubnet-ipv4-cidr-block\nsubnet-ipv6-cidr-blocks\nvpc-id\n"
	       "vpc-ipv4-cidr-block\nvpc-ipv4-cidr-blocks\nvpc-ipv6-cidr-blocks");
	expect(m, "i-web", MAC1 "device-number", "0");
	expect(m, "i-web", MAC1 "interface-id", "eni-web");
	expect(m, "i-web", MAC1 "local-ipv4s", "10.0.1.10\n10.0.1.100");
	expect(m, "i-web", MAC1 "ipv6s", "2600:1f18:1:101::10");
	expect(m, "i-web", MAC1 "public-ipv4s", "198.51.100.10");
	expect(m, "i-web", MAC1 "ipv4-associations/", "198.51.100.10");
	expect(m, "i-web", MAC1 "ipv4-associations/198.51.100.10", "10.0.1.100");
	expect_404(m, "i-web", MAC1 "ipv4-associations/198.51.100.11");
	expect(m, "i-web", MAC1 "mac", "02:00:00:00:10:01");
	expect(m, "i-web", MAC1 "owner-id", "000000000000");
	expect(m, "i-web", MAC1 "security-group-ids", "sg-web\nsg-0default");
	expect(m, "i-web", MAC1 "security-groups", "web-servers\ndefault");
	expect(m, "i-web", MAC1 "subnet-id", "subnet-a");
	expect(m, "i-web", MAC1 "subnet-ipv4-cidr-block", "10.0.1.0/24");
	expect(m, "i-web", MAC1 "subnet-ipv6-cidr-blocks", "2600:1f18:1:101::/64");
	expect(m, "i-web", MAC1 "vpc-id", "vpc-1");
	expect(m, "i-web", MAC1 "vpc-ipv4-cidr-block", "10.0.0.0/16");
	expect(m, "i-web", MAC1 "vpc-ipv4-cidr-blocks", "10.0.0.0/16\n10.9.0.0/16");
	expect(m, "i-web", MAC1 "vpc-ipv6-cidr-blocks", "2600:1f18:1:100::/56");
	/* the second interface: no IPv6 subnet, no EIP */
#define MAC2 "/latest/meta-data/network/interfaces/macs/02:00:00:00:10:02/"
	expect(m, "i-web", MAC2 "device-number", "1");
	expect(m, "i-web", MAC2 "local-ipv4s", "10.0.2.10");
	expect_404(m, "i-web", MAC2 "ipv6s");
	expect_404(m, "i-web", MAC2 "public-ipv4s");
	expect_404(m, "i-web", MAC2 "subnet-ipv6-cidr-blocks");
	/* another instance's MAC is nobody's here */
	expect_404(m, "i-web", "/latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/");
	expect_404(m, "i-stby", MAC1 "interface-id");
	expect_404(m, "i-web", "/latest/meta-data/network/interfaces/macs/02:00:00:00:10:01x");
}

/* R4 through the tree: once the model has moved the address, both answers show it. */
static void a_reassigned_address_moves_between_answers(void **state)
{
	struct model *m = *state;
	const char *addr[] = {"10.0.1.100"};
	struct model_assign_req r = {
	    .eni_id = "eni-stby", .addrs = addr, .n_addrs = 1, .allow_reassignment = true};
	struct model_addr_list got = {0};
	struct model_err err;

	assert_int_equal(model_assign_private_ips(m, &r, &got, NULL, &err), 0);
	model_addr_list_free(&got);
	expect(m, "i-stby",
	       "/latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/local-ipv4s",
	       "10.0.1.20\n10.0.1.100");
	expect(m, "i-stby",
	       "/latest/meta-data/network/interfaces/macs/02:00:00:00:20:01/"
	       "ipv4-associations/198.51.100.10",
	       "10.0.1.100");
	expect(m, "i-web", MAC1 "local-ipv4s", "10.0.1.10");
	expect_404(m, "i-web", MAC1 "public-ipv4s");
}

static void identity_document(void **state)
{
	const struct model *m = *state;
	char *doc;

	assert_int_equal(get(m, "i-web", "/latest/dynamic/instance-identity/document", &doc), 200);
	assert_non_null(strstr(doc, "\"instanceId\" : \"i-web\""));
	assert_non_null(strstr(doc, "\"privateIp\" : \"10.0.1.10\""));
	assert_non_null(strstr(doc, "\"imageId\" : \"ami-0abc\""));
	assert_non_null(strstr(doc, "\"region\" : \"us-east-1\""));
	assert_non_null(strstr(doc, "\"accountId\" : \"000000000000\""));
	assert_int_equal(doc[0], '{');
	assert_int_equal(doc[strlen(doc) - 1], '}');
	free(doc);
	assert_int_equal(get(m, "i-stby", "/latest/dynamic/instance-identity/document", &doc), 200);
	assert_non_null(strstr(doc, "\"imageId\" : null"));
	free(doc);
}

static void error_pages(void **state)
{
	struct imds_body b;

	(void)state;
	assert_int_equal(imds_tree_error_page(401, &b), 0);
	assert_non_null(strstr(b.text, "<h1>401 - Unauthorized</h1>"));
	assert_string_equal(b.content_type, "text/html");
	free(b.text);
	assert_int_equal(imds_tree_error_page(400, &b), 0);
	assert_non_null(strstr(b.text, "<title>400 - Bad Request</title>"));
	free(b.text);
}

/* ---- frames ---- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The TCP checksum of ip's segment, verified: 0 when right. */
static uint16_t l4_check(const uint8_t *ip, size_t len)
{
	uint32_t pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + ip[9] +
			  (uint32_t)(len - 20);

	return csum(ip + 20, len - 20, pseudo);
}

/* An IPv4 TCP segment (SYN, 4 payload bytes) 10.0.1.10:40000 -> 169.254.169.254:80. */
static size_t tcp_packet(uint8_t *ip)
{
	const size_t len = 20 + 20 + 4;
	uint32_t pseudo;
	uint16_t c;

	memset(ip, 0, len);
	ip[0] = 0x45;
	ip[3] = (uint8_t)len;
	ip[8] = 64;
	ip[9] = 6;
	inet_pton(AF_INET, "10.0.1.10", ip + 12);
	inet_pton(AF_INET, "169.254.169.254", ip + 16);
	c = csum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	ip[20] = 0x9c, ip[21] = 0x40; /* 40000 */
	ip[23] = 80;
	ip[32] = 0x50; /* data offset 5 */
	ip[33] = 0x02; /* SYN */
	memcpy(ip + 40, "GET ", 4);
	pseudo = be16(ip + 12) + be16(ip + 14) + be16(ip + 16) + be16(ip + 18) + 6 + 24;
	c = csum(ip + 20, 24, pseudo);
	ip[36] = (uint8_t)(c >> 8);
	ip[37] = (uint8_t)c;
	return len;
}

static void rewriting_keeps_checksums_right_and_wrong_ones_wrong(void **state)
{
	uint8_t ip[64];
	size_t len = tcp_packet(ip);
	uint32_t ident;

	(void)state;
	assert_int_equal(csum(ip, 20, 0), 0);
	assert_int_equal(l4_check(ip, len), 0);
	inet_pton(AF_INET, "100.64.0.7", &ident);
	assert_int_equal(frame_ip4_rewrite(ip, len, false, ident), 0);
	assert_int_equal(memcmp(ip + 12, &ident, 4), 0);
	assert_int_equal(csum(ip, 20, 0), 0);
	assert_int_equal(l4_check(ip, len), 0);
	/* and back, as the answer's destination */
	uint32_t guest;
	inet_pton(AF_INET, "10.0.1.10", &guest);
	assert_int_equal(frame_ip4_rewrite(ip, len, true, guest), 0);
	assert_int_equal(memcmp(ip + 16, &guest, 4), 0);
	assert_int_equal(csum(ip, 20, 0), 0);
	assert_int_equal(l4_check(ip, len), 0);
	/* a segment with a wrong checksum keeps it wrong: the stack drops it, as it would */
	len = tcp_packet(ip);
	ip[37] ^= 0x01;
	assert_int_equal(frame_ip4_rewrite(ip, len, false, ident), 0);
	assert_int_not_equal(l4_check(ip, len), 0);
	/* too short for a header */
	assert_int_equal(frame_ip4_rewrite(ip, 19, false, ident), -1);
}

static void ip4_frames_parsed_and_built(void **state)
{
	uint8_t ip[64], f[128];
	const uint8_t dst[6] = {2, 0, 0, 0, 0x10, 1}, src[6] = {2, 0, 0, 0, 0, 2};
	struct frame_ip4 p;
	size_t len = tcp_packet(ip), n;

	(void)state;
	n = frame_eth_build(f, sizeof(f), dst, src, 42, ip, len);
	assert_int_equal(n, 18 + len);
	assert_int_equal(frame_ip4_parse(f, n, &p), 0);
	assert_int_equal(p.vlan, 42);
	assert_int_equal(p.proto, 6);
	assert_int_equal(p.ip_len, len);
	assert_int_equal(p.ihl, 20);
	assert_memory_equal(p.dst_mac, dst, 6);
	assert_memory_equal(p.src_mac, src, 6);
	assert_memory_equal(&p.src_ip, ip + 12, 4);
	assert_int_equal(frame_eth_build(f, 18 + len - 1, dst, src, 42, ip, len), 0);
	n = frame_eth_build(f, sizeof(f), dst, src, 0, ip, len);
	assert_int_equal(n, 14 + len);
	assert_int_equal(frame_ip4_parse(f, n, &p), 0);
	assert_int_equal(p.vlan, 0);
	/* refused: truncated, a bad header checksum, not version 4 */
	assert_int_equal(frame_ip4_parse(f, n - 1, &p), -1);
	f[14 + 10] ^= 0xff;
	assert_int_equal(frame_ip4_parse(f, n, &p), -1);
	f[14 + 10] ^= 0xff;
	f[14] = 0x65;
	assert_int_equal(frame_ip4_parse(f, n, &p), -1);
	assert_int_equal(frame_ip4_parse(f, 10, &p), -1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(versions_and_the_top_listings),
	    T(instance_leaves),
	    T(interfaces_by_mac),
	    T(a_reassigned_address_moves_between_answers),
	    T(identity_document),
	    cmocka_unit_test(error_pages),
	    cmocka_unit_test(rewriting_keeps_checksums_right_and_wrong_ones_wrong),
	    cmocka_unit_test(ip4_frames_parsed_and_built),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
