/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_yaml.c - the YAML configuration loader on arbitrary bytes: every input
 * is either loaded or refused with a "file:line:column: reason" message.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enimap_config cfg; /* large: not on the stack */
	struct config_err err = {{0}};
	struct model *m = model_create();
	fuzz_check(m != NULL);

	int rc = config_load_string("fuzz.yaml", (const char *)data, size, &cfg, m, NULL, &err);
	fuzz_check(rc == 0 || rc == -1);
	if (rc != 0)
		fuzz_check(strncmp(err.message, "fuzz.yaml:", 10) == 0);
	model_free(m);
	return 0;
}
