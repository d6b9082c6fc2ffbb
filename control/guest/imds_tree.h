/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * imds_tree.h - what the instance metadata service (D15) answers for a
 * path: EC2's tree, listings and formats, built from the model (under the
 * model lock, so an answer reflects every change whose API call has
 * returned). No HTTP here: the server is imds.c.
 *
 * Formats as EC2 serves them: a leaf is its value with no newline; a
 * listing is one name a line, directories with a trailing '/', no final
 * newline; a multi-valued leaf (local-ipv4s, ipv6s, ...) one value a line,
 * the primary address first. Every version EC2 lists at / is served with
 * the same tree (clients such as cloud-init probe dated versions).
 */
#ifndef ENIMAP_IMDS_TREE_H
#define ENIMAP_IMDS_TREE_H

#include <stddef.h>

struct model;

struct imds_body {
	char *text; /* malloc'd, NUL-terminated; free() it */
	size_t len;
	const char *content_type;
};

/*
 * The answer to GET path (e.g. "/latest/meta-data/local-ipv4") for
 * instance_id: 200 or 404 (with EC2's HTML page), the body in *out. -1 when
 * out of memory. owner_id is the account (the identity document's).
 */
int imds_tree_answer(const struct model *m, const char *instance_id, const char *owner_id,
		     const char *path, struct imds_body *out);

/* EC2's HTML page for an HTTP error ("404 - Not Found"), into *out. 0 or -1. */
int imds_tree_error_page(int status, struct imds_body *out);

#endif
