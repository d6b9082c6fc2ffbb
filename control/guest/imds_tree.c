/* SPDX-License-Identifier: BSD-3-Clause */
/* imds_tree.c - the metadata tree, from the model (see imds_tree.h). */
#include "imds_tree.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "dhcp4.h"
#include "model.h"

/* The versions EC2 lists at /; each serves the tree below. */
static const char *const versions[] = {
    "1.0",	  "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
    "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01", "2012-01-12",
    "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-19", "2016-06-30", "2016-09-02",
    "2018-03-28", "2018-08-17", "2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03",
    "2021-03-23", "2021-07-15", "2022-09-24", "latest",
};

/* The asking instance, its ENIs in device order, and the first one (device 0). */
struct who {
	const struct model *m;
	const char *owner;
	struct model_instance_view iv;
	size_t n;
	struct model_eni_view eni[16];
	const struct model_eni_view *primary; /* NULL: no ENI */
	char region[64];
};

/* A listing or a multi-valued leaf: lines joined by '\n', none at the end. */
static void line(FILE *f, bool *first, const char *s)
{
	fprintf(f, "%s%s", *first ? "" : "\n", s);
	*first = false;
}

static void line_ip(FILE *f, bool *first, uint32_t a)
{
	char buf[INET_ADDRSTRLEN];

	line(f, first, inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

static void mac_text(const uint8_t *mac, char *buf, size_t cap)
{
	snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* "ip-10-0-1-5.us-east-1.compute.internal", EC2's private DNS name. */
static void host_name(const struct who *w, uint32_t addr, char *buf, size_t cap)
{
	char h[64];

	dhcp4_host_name(addr, h, sizeof(h));
	snprintf(buf, cap, "%.40s.%.60s.compute.internal", h, w->region);
}

static const struct model_eni_view *eni_by_mac(const struct who *w, const char *mac)
{
	char t[18];

	for (size_t i = 0; i < w->n; i++) {
		mac_text(w->eni[i].mac, t, sizeof(t));
		if (strcmp(t, mac) == 0)
			return &w->eni[i];
	}
	return NULL;
}

/* The public IPv4 of one of e's private addresses: 0 = none. */
static uint32_t eip_of(const struct who *w, const struct model_eni_view *e, uint32_t priv)
{
	struct model_eip_view pv;

	if (model_get_eip_by_private(w->m, e->vpc_id, priv, &pv) != 0 || pv.eni_id == NULL ||
	    strcmp(pv.eni_id, e->id) != 0)
		return 0;
	return pv.public_ip;
}

/* e's addresses, primary first: n of them into out (at most cap). */
static size_t addrs_of(const struct model_eni_view *e, uint32_t *out, size_t cap)
{
	size_t n = 0;

	if (e->primary_ip && n < cap)
		out[n++] = e->primary_ip;
	for (size_t i = 0; i < e->n_secondary && n < cap; i++)
		out[n++] = e->secondary_ips[i];
	return n;
}

static bool has_eip(const struct who *w, const struct model_eni_view *e)
{
	uint32_t a[64];
	size_t n = addrs_of(e, a, 64);

	for (size_t i = 0; i < n; i++)
		if (eip_of(w, e, a[i]))
			return true;
	return false;
}

static void groups(FILE *f, const struct who *w, const struct model_eni_view *e, bool names)
{
	bool first = true;

	for (size_t i = 0; i < e->n_groups; i++) {
		struct model_sg_view sv;

		if (!names)
			line(f, &first, e->groups[i]);
		else if (model_get_sg(w->m, e->groups[i], &sv) == 0)
			line(f, &first, sv.name);
	}
}

/* network/interfaces/macs/<mac>/<rest>: true when rest names something. */
static bool per_mac(FILE *f, const struct who *w, const struct model_eni_view *e, const char *rest)
{
	struct model_subnet_view sv;
	struct model_vpc_view vv;
	bool first = true, eip = has_eip(w, e), subnet6, vpc6;
	uint32_t a[64];
	size_t n = addrs_of(e, a, 64);
	char buf[128];

	if (model_get_subnet(w->m, e->subnet_id, &sv) != 0 ||
	    model_get_vpc(w->m, e->vpc_id, &vv) != 0)
		return false;
	subnet6 = sv.cidr6 != NULL;
	vpc6 = vv.n_cidr6 > 0;
	if (*rest == '\0') {
		line(f, &first, "device-number");
		line(f, &first, "interface-id");
		if (eip)
			line(f, &first, "ipv4-associations/");
		if (e->n_ipv6)
			line(f, &first, "ipv6s");
		line(f, &first, "local-hostname");
		line(f, &first, "local-ipv4s");
		line(f, &first, "mac");
		line(f, &first, "owner-id");
		if (eip)
			line(f, &first, "public-ipv4s");
		line(f, &first, "security-group-ids");
		line(f, &first, "security-groups");
		line(f, &first, "subnet-id");
		line(f, &first, "subnet-ipv4-cidr-block");
		if (subnet6)
			line(f, &first, "subnet-ipv6-cidr-blocks");
		line(f, &first, "vpc-id");
		line(f, &first, "vpc-ipv4-cidr-block");
		line(f, &first, "vpc-ipv4-cidr-blocks");
		if (vpc6)
			line(f, &first, "vpc-ipv6-cidr-blocks");
		return true;
	}
	if (strcmp(rest, "device-number") == 0) {
		fprintf(f, "%d", e->device_index);
	} else if (strcmp(rest, "interface-id") == 0) {
		fputs(e->id, f);
	} else if (strcmp(rest, "mac") == 0) {
		mac_text(e->mac, buf, sizeof(buf));
		fputs(buf, f);
	} else if (strcmp(rest, "owner-id") == 0) {
		fputs(w->owner, f);
	} else if (strcmp(rest, "local-hostname") == 0 && e->primary_ip) {
		host_name(w, e->primary_ip, buf, sizeof(buf));
		fputs(buf, f);
	} else if (strcmp(rest, "local-ipv4s") == 0) {
		for (size_t i = 0; i < n; i++)
			line_ip(f, &first, a[i]);
	} else if (strcmp(rest, "ipv6s") == 0 && e->n_ipv6) {
		for (size_t i = 0; i < e->n_ipv6; i++)
			line(f, &first, inet_ntop(AF_INET6, &e->ipv6[i], buf, sizeof(buf)));
	} else if ((strcmp(rest, "public-ipv4s") == 0 || strcmp(rest, "ipv4-associations") == 0) &&
		   eip) {
		/* the same list: the EIPs, as addresses and as the directory's names */
		for (size_t i = 0; i < n; i++)
			if (eip_of(w, e, a[i]))
				line_ip(f, &first, eip_of(w, e, a[i]));
	} else if (strncmp(rest, "ipv4-associations/", 18) == 0 && eip) {
		/* ipv4-associations/<public ip>: the private address it maps to */
		for (size_t i = 0; i < n; i++) {
			uint32_t pub = eip_of(w, e, a[i]);

			if (pub &&
			    strcmp(inet_ntop(AF_INET, &pub, buf, sizeof(buf)), rest + 18) == 0) {
				line_ip(f, &first, a[i]);
				return true;
			}
		}
		return false;
	} else if (strcmp(rest, "security-group-ids") == 0) {
		groups(f, w, e, false);
	} else if (strcmp(rest, "security-groups") == 0) {
		groups(f, w, e, true);
	} else if (strcmp(rest, "subnet-id") == 0) {
		fputs(e->subnet_id, f);
	} else if (strcmp(rest, "subnet-ipv4-cidr-block") == 0) {
		fputs(sv.cidr4, f);
	} else if (strcmp(rest, "subnet-ipv6-cidr-blocks") == 0 && subnet6) {
		fputs(sv.cidr6, f);
	} else if (strcmp(rest, "vpc-id") == 0) {
		fputs(e->vpc_id, f);
	} else if (strcmp(rest, "vpc-ipv4-cidr-block") == 0 && vv.n_cidr4) {
		fputs(vv.cidr4[0], f);
	} else if (strcmp(rest, "vpc-ipv4-cidr-blocks") == 0) {
		for (size_t i = 0; i < vv.n_cidr4; i++)
			line(f, &first, vv.cidr4[i]);
	} else if (strcmp(rest, "vpc-ipv6-cidr-blocks") == 0 && vpc6) {
		for (size_t i = 0; i < vv.n_cidr6; i++)
			line(f, &first, vv.cidr6[i]);
	} else {
		return false;
	}
	return true;
}

static bool network(FILE *f, const struct who *w, const char *rest)
{
	bool first = true;
	char mac[18];

	if (*rest == '\0') {
		fputs("interfaces/", f);
		return true;
	}
	if (strcmp(rest, "interfaces") == 0) {
		fputs("macs/", f);
		return true;
	}
	if (strcmp(rest, "interfaces/macs") == 0) {
		for (size_t i = 0; i < w->n; i++) {
			char d[20];

			mac_text(w->eni[i].mac, mac, sizeof(mac));
			snprintf(d, sizeof(d), "%s/", mac);
			line(f, &first, d);
		}
		return true;
	}
	if (strncmp(rest, "interfaces/macs/", 16) == 0 && strlen(rest + 16) >= 17) {
		const struct model_eni_view *e;
		const char *sub = rest + 16 + 17;

		snprintf(mac, sizeof(mac), "%.17s", rest + 16);
		e = eni_by_mac(w, mac);
		if (e == NULL || (*sub != '\0' && *sub != '/'))
			return false;
		return per_mac(f, w, e, *sub == '/' ? sub + 1 : sub);
	}
	return false;
}

static bool meta_data(FILE *f, const struct who *w, const char *rest)
{
	const struct model_eni_view *p = w->primary;
	uint32_t pub = p && p->primary_ip ? eip_of(w, p, p->primary_ip) : 0;
	bool first = true;
	char buf[128];

	if (*rest == '\0') {
		if (w->iv.image_id)
			line(f, &first, "ami-id");
		line(f, &first, "hostname");
		line(f, &first, "instance-id");
		line(f, &first, "instance-type");
		if (p && p->n_ipv6)
			line(f, &first, "ipv6");
		if (p && p->primary_ip) {
			line(f, &first, "local-hostname");
			line(f, &first, "local-ipv4");
		}
		if (p)
			line(f, &first, "mac");
		line(f, &first, "network/");
		line(f, &first, "placement/");
		if (pub)
			line(f, &first, "public-ipv4");
		if (p)
			line(f, &first, "security-groups");
		return true;
	}
	if (strcmp(rest, "ami-id") == 0 && w->iv.image_id)
		fputs(w->iv.image_id, f);
	else if (strcmp(rest, "instance-id") == 0)
		fputs(w->iv.id, f);
	else if (strcmp(rest, "instance-type") == 0)
		fputs(w->iv.type, f);
	else if ((strcmp(rest, "hostname") == 0 || strcmp(rest, "local-hostname") == 0) && p &&
		 p->primary_ip) {
		host_name(w, p->primary_ip, buf, sizeof(buf));
		fputs(buf, f);
	} else if (strcmp(rest, "local-ipv4") == 0 && p && p->primary_ip)
		line_ip(f, &first, p->primary_ip);
	else if (strcmp(rest, "ipv6") == 0 && p && p->n_ipv6)
		fputs(inet_ntop(AF_INET6, &p->ipv6[0], buf, sizeof(buf)), f);
	else if (strcmp(rest, "mac") == 0 && p) {
		mac_text(p->mac, buf, sizeof(buf));
		fputs(buf, f);
	} else if (strcmp(rest, "public-ipv4") == 0 && pub)
		line_ip(f, &first, pub);
	else if (strcmp(rest, "security-groups") == 0 && p)
		groups(f, w, p, true);
	else if (strcmp(rest, "placement") == 0)
		fputs("availability-zone\nregion", f);
	else if (strcmp(rest, "placement/availability-zone") == 0)
		fputs(w->iv.az, f);
	else if (strcmp(rest, "placement/region") == 0)
		fputs(w->region, f);
	else if (strncmp(rest, "network", 7) == 0 && (rest[7] == '\0' || rest[7] == '/'))
		return network(f, w, rest[7] == '/' ? rest + 8 : rest + 7);
	else
		return false;
	return true;
}

/* dynamic/instance-identity/document: EC2's JSON (every value an id, an address or a name). */
static void identity_document(FILE *f, const struct who *w)
{
	const struct model_eni_view *p = w->primary;
	char ip[INET_ADDRSTRLEN] = "";

	if (p && p->primary_ip)
		inet_ntop(AF_INET, &p->primary_ip, ip, sizeof(ip));
	fprintf(f,
		"{\n"
		"  \"accountId\" : \"%s\",\n"
		"  \"architecture\" : \"x86_64\",\n"
		"  \"availabilityZone\" : \"%s\",\n"
		"  \"billingProducts\" : null,\n"
		"  \"devpayProductCodes\" : null,\n"
		"  \"marketplaceProductCodes\" : null,\n"
		"  \"imageId\" : %s%s%s,\n"
		"  \"instanceId\" : \"%s\",\n"
		"  \"instanceType\" : \"%s\",\n"
		"  \"kernelId\" : null,\n"
		"  \"privateIp\" : %s%s%s,\n"
		"  \"ramdiskId\" : null,\n"
		"  \"region\" : \"%s\",\n"
		"  \"version\" : \"2017-09-30\"\n"
		"}",
		w->owner, w->iv.az, w->iv.image_id ? "\"" : "",
		w->iv.image_id ? w->iv.image_id : "null", w->iv.image_id ? "\"" : "", w->iv.id,
		w->iv.type, *ip ? "\"" : "", *ip ? ip : "null", *ip ? "\"" : "", w->region);
}

/* Everything under a version: true when path names something. */
static bool under_version(FILE *f, const struct who *w, const char *rest, bool *json)
{
	if (*rest == '\0') {
		fputs("dynamic\nmeta-data", f);
		return true;
	}
	if (strncmp(rest, "meta-data", 9) == 0 && (rest[9] == '\0' || rest[9] == '/'))
		return meta_data(f, w, rest[9] == '/' ? rest + 10 : rest + 9);
	if (strcmp(rest, "dynamic") == 0) {
		fputs("instance-identity/", f);
		return true;
	}
	if (strcmp(rest, "dynamic/instance-identity") == 0) {
		fputs("document", f);
		return true;
	}
	if (strcmp(rest, "dynamic/instance-identity/document") == 0) {
		identity_document(f, w);
		*json = true;
		return true;
	}
	return false;
}

static bool load(struct who *w, const struct model *m, const char *instance_id)
{
	memset(w, 0, sizeof(*w));
	w->m = m;
	if (model_get_instance(m, instance_id, &w->iv) != 0)
		return false;
	for (size_t i = 0; i < w->iv.n_enis && w->n < 16; i++)
		if (model_get_eni(m, w->iv.eni_ids[i], &w->eni[w->n]) == 0)
			w->n++;
	for (size_t i = 0; i < w->n; i++)
		if (w->eni[i].device_index == 0)
			w->primary = &w->eni[i];
	dhcp4_region_of(w->iv.az, w->region, sizeof(w->region));
	return true;
}

int imds_tree_error_page(int status, struct imds_body *out)
{
	const char *what = status == 400   ? "Bad Request"
			   : status == 401 ? "Unauthorized"
			   : status == 403 ? "Forbidden"
			   : status == 405 ? "Method Not Allowed"
					   : "Not Found";
	int n =
	    asprintf(&out->text,
		     "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
		     "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
		     "\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
		     "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
		     " <head>\n  <title>%d - %s</title>\n </head>\n"
		     " <body>\n  <h1>%d - %s</h1>\n </body>\n</html>\n",
		     status, what, status, what);

	if (n < 0)
		return -1;
	out->len = (size_t)n;
	out->content_type = "text/html";
	return 0;
}

int imds_tree_answer(const struct model *m, const char *instance_id, const char *owner_id,
		     const char *path, struct imds_body *out)
{
	struct who w;
	char clean[512], *rest;
	bool found = false, json = false;
	size_t len;
	FILE *f;

	memset(out, 0, sizeof(*out));
	/* "/latest/meta-data/" -> "latest/meta-data": a directory with or without its '/' */
	while (*path == '/')
		path++;
	len = strlen(path);
	if (len >= sizeof(clean))
		return imds_tree_error_page(404, out) == 0 ? 404 : -1;
	memcpy(clean, path, len + 1);
	while (len > 0 && clean[len - 1] == '/')
		clean[--len] = '\0';
	f = open_memstream(&out->text, &out->len);
	if (f == NULL)
		return -1;
	if (len == 0) {
		bool first = true;

		for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
			line(f, &first, versions[i]);
		found = true;
	} else if (load(&w, m, instance_id)) {
		w.owner = owner_id;
		rest = strchr(clean, '/');
		if (rest != NULL)
			*rest++ = '\0';
		for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]) && !found; i++)
			if (strcmp(clean, versions[i]) == 0)
				found = under_version(f, &w, rest ? rest : "", &json);
	}
	if (fclose(f) != 0)
		return -1;
	if (!found) {
		free(out->text);
		return imds_tree_error_page(404, out) == 0 ? 404 : -1;
	}
	out->content_type = json ? "application/json" : "text/plain";
	return 200;
}
