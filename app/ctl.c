/* SPDX-License-Identifier: BSD-3-Clause */
#include "ctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CTL_MAX_ARGS 64

/* A command line split into words, with its --options taken out. */
struct ctl_args {
	char buf[CTL_LINE_MAX];
	const char *w[CTL_MAX_ARGS]; /* positional words, w[0] = the command */
	size_t n;
	bool allow_reassignment, no_reassociation, force;
	bool has_count;
	unsigned count;
};

static int ctl_err(FILE *out, const char *code, const char *fmt, const char *arg)
{
	fprintf(out, "ERR %s: ", code);
	fprintf(out, fmt, arg);
	fputc('\n', out);
	return CTL_ERROR;
}

static int ctl_model_err(FILE *out, const struct model_err *e)
{
	fprintf(out, "ERR %s: %s\n", e->code, e->message);
	return CTL_ERROR;
}

static int ctl_parse_count(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* 0, or CTL_ERROR with the reply written. */
static int ctl_split(const char *line, struct ctl_args *a, FILE *out)
{
	char *save = NULL, *tok;

	memset(a, 0, sizeof(*a));
	if (strlen(line) >= sizeof(a->buf))
		return ctl_err(out, "InvalidParameterValue", "%s", "line too long");
	strcpy(a->buf, line);
	for (tok = strtok_r(a->buf, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (strcmp(tok, "--allow-reassignment") == 0) {
			a->allow_reassignment = true;
		} else if (strcmp(tok, "--no-reassociation") == 0) {
			a->no_reassociation = true;
		} else if (strcmp(tok, "--force") == 0) {
			a->force = true;
		} else if (strcmp(tok, "--count") == 0) {
			tok = strtok_r(NULL, " \t\r\n", &save);
			if (ctl_parse_count(tok, &a->count) != 0)
				return ctl_err(out, "InvalidParameterValue", "bad --count '%s'",
					       tok ? tok : "");
			a->has_count = true;
		} else if (strncmp(tok, "--", 2) == 0) {
			return ctl_err(out, "InvalidParameterValue", "unknown option '%s'", tok);
		} else if (a->n == CTL_MAX_ARGS) {
			return ctl_err(out, "InvalidParameterValue", "%s", "too many arguments");
		} else {
			a->w[a->n++] = tok;
		}
	}
	return 0;
}

static int ctl_need(const struct ctl_args *a, size_t min, size_t max, const char *usage, FILE *out)
{
	if (a->n < min || a->n > max)
		return ctl_err(out, "MissingParameter", "usage: %s", usage);
	return 0;
}

static void ctl_print_list(FILE *out, const struct model_addr_list *l)
{
	fputs("OK", out);
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, " %s", l->addr[i]);
	fputc('\n', out);
}

static int ctl_assign(struct model *m, const struct ctl_args *a, bool v6, struct delta *d,
		      FILE *out)
{
	struct model_assign_req req = {
	    .eni_id = a->w[1],
	    .addrs = &a->w[2],
	    .n_addrs = a->n - 2,
	    .count = a->has_count ? a->count : 0,
	    .allow_reassignment = a->allow_reassignment,
	};
	struct model_addr_list got = {0};
	struct model_err e;
	int rc;

	if (ctl_need(a, 2, CTL_MAX_ARGS, "assign[6] ENI [ADDR...] [--count N]", out) != 0)
		return CTL_ERROR;
	if (req.n_addrs == 0)
		req.addrs = NULL;
	rc = v6 ? model_assign_ipv6(m, &req, &got, d, &e)
		: model_assign_private_ips(m, &req, &got, d, &e);
	if (rc != 0) {
		model_addr_list_free(&got);
		return ctl_model_err(out, &e);
	}
	ctl_print_list(out, &got);
	model_addr_list_free(&got);
	return CTL_OK;
}

static int ctl_unassign(struct model *m, const struct ctl_args *a, bool v6, struct delta *d,
			FILE *out)
{
	struct model_err e;
	int rc;

	if (ctl_need(a, 3, CTL_MAX_ARGS, "unassign[6] ENI ADDR...", out) != 0)
		return CTL_ERROR;
	rc = v6 ? model_unassign_ipv6(m, a->w[1], &a->w[2], a->n - 2, d, &e)
		: model_unassign_private_ips(m, a->w[1], &a->w[2], a->n - 2, d, &e);
	if (rc != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_allocate(struct model *m, const struct ctl_args *a, FILE *out)
{
	char id[MODEL_ID_MAX], ip[INET_ADDRSTRLEN];
	struct model_err e;

	if (ctl_need(a, 1, 2, "allocate [PUBLIC_IP]", out) != 0)
		return CTL_ERROR;
	if (model_allocate_address(m, NULL, a->n == 2 ? a->w[1] : NULL, id, ip, &e) != 0)
		return ctl_model_err(out, &e);
	fprintf(out, "OK %s %s\n", id, ip);
	return CTL_OK;
}

static int ctl_release(struct model *m, const struct ctl_args *a, FILE *out)
{
	struct model_err e;

	if (ctl_need(a, 2, 2, "release ALLOC_ID", out) != 0)
		return CTL_ERROR;
	if (model_release_address(m, a->w[1], &e) != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_associate(struct model *m, const struct ctl_args *a, struct delta *d, FILE *out)
{
	struct model_associate_req req = {.allow_reassociation = !a->no_reassociation};
	char id[MODEL_ID_MAX];
	struct model_err e;

	if (ctl_need(a, 3, 4, "associate ALLOC_ID ENI|INSTANCE [PRIVATE_IP]", out) != 0)
		return CTL_ERROR;
	req.allocation_id = a->w[1];
	if (strncmp(a->w[2], "i-", 2) == 0)
		req.instance_id = a->w[2];
	else
		req.eni_id = a->w[2];
	req.private_ip = a->n == 4 ? a->w[3] : NULL;
	if (model_associate_address(m, &req, id, d, &e) != 0)
		return ctl_model_err(out, &e);
	fprintf(out, "OK %s\n", id);
	return CTL_OK;
}

static int ctl_disassociate(struct model *m, const struct ctl_args *a, struct delta *d, FILE *out)
{
	const char *assoc;
	struct model_eip_view eip;
	struct model_err e;

	if (ctl_need(a, 2, 2, "disassociate ASSOC_ID|ALLOC_ID", out) != 0)
		return CTL_ERROR;
	assoc = a->w[1];
	/* an allocation id stands for its current association (a convenience) */
	if (model_get_eip(m, assoc, &eip) == 0) {
		if (eip.association_id == NULL)
			return ctl_err(out, "InvalidAssociationID.NotFound",
				       "'%s' is not associated", assoc);
		assoc = eip.association_id;
	}
	if (model_disassociate_address(m, assoc, d, &e) != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_attach(struct model *m, const struct ctl_args *a, struct delta *d, FILE *out)
{
	struct model_attach_req req = {0};
	char id[MODEL_ID_MAX];
	struct model_err e;
	unsigned idx;

	if (ctl_need(a, 4, 4, "attach ENI INSTANCE DEVICE_INDEX", out) != 0)
		return CTL_ERROR;
	if (ctl_parse_count(a->w[3], &idx) != 0)
		return ctl_err(out, "InvalidParameterValue", "bad device index '%s'", a->w[3]);
	req.eni_id = a->w[1];
	req.instance_id = a->w[2];
	req.device_index = (int)idx;
	if (model_attach_eni(m, &req, id, d, &e) != 0)
		return ctl_model_err(out, &e);
	fprintf(out, "OK %s\n", id);
	return CTL_OK;
}

static int ctl_detach(struct model *m, const struct ctl_args *a, struct delta *d, FILE *out)
{
	const char *att;
	struct model_eni_view eni;
	struct model_err e;

	if (ctl_need(a, 2, 2, "detach ATTACHMENT_ID|ENI [--force]", out) != 0)
		return CTL_ERROR;
	att = a->w[1];
	/* an ENI id stands for its current attachment (a convenience) */
	if (model_get_eni(m, att, &eni) == 0) {
		if (eni.attachment_id == NULL)
			return ctl_err(out, "InvalidAttachmentID.NotFound",
				       "network interface '%s' is not attached", att);
		att = eni.attachment_id;
	}
	if (model_detach_eni(m, att, a->force, d, &e) != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_instance(struct model *m, const struct ctl_args *a, bool start, struct delta *d,
			FILE *out)
{
	struct model_err e;
	int rc;

	if (ctl_need(a, 2, 2, "start|stop INSTANCE", out) != 0)
		return CTL_ERROR;
	rc = start ? model_start_instance(m, a->w[1], d, &e)
		   : model_stop_instance(m, a->w[1], d, &e);
	if (rc != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_sdcheck(struct model *m, const struct ctl_args *a, struct delta *d, FILE *out)
{
	struct model_err e;
	bool on;

	if (ctl_need(a, 3, 3, "sdcheck ENI on|off", out) != 0)
		return CTL_ERROR;
	if (strcmp(a->w[2], "on") == 0)
		on = true;
	else if (strcmp(a->w[2], "off") == 0)
		on = false;
	else
		return ctl_err(out, "InvalidParameterValue", "'%s' is not on or off", a->w[2]);
	if (model_set_source_dest_check(m, a->w[1], on, d, &e) != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static int ctl_route(struct model *m, const struct ctl_args *a, bool add, struct delta *d,
		     FILE *out)
{
	struct model_err e;
	int rc;

	if (add && ctl_need(a, 4, 4, "route-add RTB CIDR TARGET", out) != 0)
		return CTL_ERROR;
	if (!add && ctl_need(a, 3, 3, "route-del RTB CIDR", out) != 0)
		return CTL_ERROR;
	rc = add ? model_create_route(m, a->w[1], a->w[2], a->w[3], d, &e)
		 : model_delete_route(m, a->w[1], a->w[2], d, &e);
	if (rc != 0)
		return ctl_model_err(out, &e);
	fputs("OK\n", out);
	return CTL_OK;
}

static const char ctl_help[] =
    "assign ENI [ADDR...] [--count N] [--allow-reassignment]\n"
    "unassign ENI ADDR...\n"
    "assign6 ENI [ADDR...] [--count N]\n"
    "unassign6 ENI ADDR...\n"
    "allocate [PUBLIC_IP] | release ALLOC_ID\n"
    "associate ALLOC_ID ENI|INSTANCE [PRIVATE_IP] [--no-reassociation]\n"
    "disassociate ASSOC_ID|ALLOC_ID\n"
    "attach ENI INSTANCE DEVICE_INDEX | detach ATTACHMENT_ID|ENI [--force]\n"
    "start INSTANCE | stop INSTANCE\n"
    "sdcheck ENI on|off\n"
    "route-add RTB CIDR TARGET | route-del RTB CIDR\n"
    "dump\n"
    "stats | drops | eni ENI | sg GROUP (counters; sg: drops at the group's members)\n"
    "nat | enis | routes | flows | counters [--json] (the published tables, as workers see them)\n"
    "check (the published tables against the model: one line per difference)\n";

int ctl_exec(struct model *m, const char *line, struct delta *d, FILE *out)
{
	struct ctl_args a;
	const char *c;

	if (ctl_split(line, &a, out) != 0)
		return CTL_ERROR;
	if (a.n == 0)
		return ctl_err(out, "MissingParameter", "%s", "empty command");
	c = a.w[0];
	if (strcmp(c, "assign") == 0)
		return ctl_assign(m, &a, false, d, out);
	if (strcmp(c, "assign6") == 0)
		return ctl_assign(m, &a, true, d, out);
	if (strcmp(c, "unassign") == 0)
		return ctl_unassign(m, &a, false, d, out);
	if (strcmp(c, "unassign6") == 0)
		return ctl_unassign(m, &a, true, d, out);
	if (strcmp(c, "allocate") == 0)
		return ctl_allocate(m, &a, out);
	if (strcmp(c, "release") == 0)
		return ctl_release(m, &a, out);
	if (strcmp(c, "associate") == 0)
		return ctl_associate(m, &a, d, out);
	if (strcmp(c, "disassociate") == 0)
		return ctl_disassociate(m, &a, d, out);
	if (strcmp(c, "attach") == 0)
		return ctl_attach(m, &a, d, out);
	if (strcmp(c, "detach") == 0)
		return ctl_detach(m, &a, d, out);
	if (strcmp(c, "start") == 0 || strcmp(c, "stop") == 0)
		return ctl_instance(m, &a, c[2] == 'a', d, out);
	if (strcmp(c, "sdcheck") == 0)
		return ctl_sdcheck(m, &a, d, out);
	if (strcmp(c, "route-add") == 0 || strcmp(c, "route-del") == 0)
		return ctl_route(m, &a, c[6] == 'a', d, out);
	if (strcmp(c, "dump") == 0) {
		if (model_dump(m, out) != 0)
			return ctl_err(out, "InternalError", "%s", "dump failed");
		fputs("OK\n", out);
		return CTL_OK;
	}
	if (strcmp(c, "help") == 0) {
		fputs(ctl_help, out);
		fputs("OK\n", out);
		return CTL_OK;
	}
	return CTL_UNKNOWN;
}
