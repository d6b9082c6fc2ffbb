/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ctl.c - the control-socket command parser on arbitrary lines, against
 * the embedded default world: every line is answered with OK, ERR or
 * "unknown", and a refused line leaves the model as it was (model_dump
 * byte-identical).
 */
#include <string.h>

#include "config.h"
#include "config_default.h"
#include "ctl.h"
#include "delta.h"
#include "fuzz.h"
#include "model.h"

#define MAX_LINES 32

static char *dump(const struct model *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fuzz_check(f != NULL);
	model_dump(m, f);
	fclose(f);
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enimap_config cfg;
	struct config_err err;
	struct model *m = model_create();
	fuzz_check(m != NULL);
	fuzz_check(config_load_string("default.yaml", config_default_yaml, config_default_yaml_len,
				      &cfg, m, NULL, &err) == 0);

	size_t at = 0;
	for (unsigned n = 0; n < MAX_LINES && at < size; n++) {
		char line[CTL_LINE_MAX];
		size_t len = 0;
		while (at < size && data[at] != '\n' && len < sizeof(line) - 1)
			line[len++] = (char)data[at++];
		line[len] = '\0';
		while (at < size && data[at] != '\n')
			at++; /* the rest of an over-long line */
		at++;

		size_t before_len, after_len;
		char *before = dump(m, &before_len);
		struct delta d = {0};
		FILE *out = fopen("/dev/null", "w");
		fuzz_check(out != NULL);
		int rc = ctl_exec(m, line, &d, out);
		fclose(out);
		fuzz_check(rc == CTL_OK || rc == CTL_ERROR || rc == CTL_UNKNOWN);
		char *after = dump(m, &after_len);
		if (rc != CTL_OK)
			fuzz_check(before_len == after_len && !memcmp(before, after, before_len));
		free(before);
		free(after);
		delta_free(&d);
	}
	model_free(m);
	return 0;
}
