/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_world.c - the default world of the command harnesses (fuzz_world.h).
 */
#include <stdlib.h>
#include <string.h>

#include "config_default.h"
#include "fuzz.h"
#include "fuzz_world.h"

char *fuzz_dump(const struct model *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fuzz_check(f != NULL);
	fuzz_check(model_dump(m, f) == 0);
	fuzz_check(fclose(f) == 0);
	return buf;
}

void fuzz_dump_to(const struct model *m, struct fuzz_dump *d)
{
	for (;;) {
		if (d->cap == 0) {
			d->cap = 64 * 1024;
			d->s = malloc(d->cap);
			fuzz_check(d->s != NULL);
		}
		FILE *f = fmemopen(d->s, d->cap, "w");
		fuzz_check(f != NULL);
		int rc = model_dump(m, f);
		long pos = ftell(f);
		rc |= fclose(f);
		if (rc == 0 && pos >= 0 && (size_t)pos + 1 < d->cap) {
			d->len = (size_t)pos;
			return;
		}
		/* did not fit (or might not have): a bigger buffer, and again */
		d->cap *= 2;
		free(d->s);
		d->s = malloc(d->cap);
		fuzz_check(d->s != NULL);
	}
}

void fuzz_world_load(struct fuzz_world *w)
{
	if (!w->pristine_m) {
		struct config_err err;
		w->pristine_m = model_create();
		fuzz_check(w->pristine_m != NULL);
		fuzz_check(config_load_string("default.yaml", config_default_yaml,
					      config_default_yaml_len, &w->cfg, w->pristine_m, NULL,
					      &err) == 0);
		w->pristine = fuzz_dump(w->pristine_m, &w->pristine_len);
	}
	w->m = model_clone(w->pristine_m);
	fuzz_check(w->m != NULL);
	size_t len;
	char *d = fuzz_dump(w->m, &len);
	fuzz_check(fuzz_world_is_pristine(w, d, len)); /* the clone is the world */
	free(d);
}

bool fuzz_world_is_pristine(const struct fuzz_world *w, const char *dump, size_t len)
{
	return len == w->pristine_len && memcmp(dump, w->pristine, len) == 0;
}

void fuzz_world_free(struct fuzz_world *w)
{
	model_free(w->m);
	w->m = NULL;
}
