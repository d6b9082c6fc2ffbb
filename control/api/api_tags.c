/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_tags.c - tags on every resource (SPEC R27). Placeholder until the tag
 * store lands: no resource has tags yet.
 */
#include "api_impl.h"

void api_xml_tags(struct api_ctx *c, const char *resource_id)
{
	(void)resource_id;
	api_buf_puts(c->xml, "<tagSet/>");
}

int api_tag_specs_apply(struct api_ctx *c, const char *resource_type, const char *resource_id)
{
	(void)c;
	(void)resource_type;
	(void)resource_id;
	return 0;
}
