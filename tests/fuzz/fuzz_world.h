/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_world.h - the embedded default world, loaded once and reused by the
 * harnesses that run commands against it (fuzz_ctl, fuzz_api).
 *
 * Loading the world per input cost more than the command under test (and
 * libFuzzer's bookkeeping of the loader's coverage on every run), so a
 * harness loads it once (config_load_string, as before) into a pristine
 * model that no input touches, and works on a model_clone of it. After each
 * input the working model is kept only if its model_dump is byte-identical
 * to the pristine one; otherwise it is freed and cloned again (and the clone
 * checked against the pristine dump). model_dump holds every object, every
 * address, the free counts of the pools and the id generator's counter, so
 * every input starts from a world whose observable state is the default
 * world's. What can persist from one input to the next is what the dump does
 * not show: the layout of the model's hash tables and object tables (slots
 * taken and freed again, grown capacity) after an input that changed the
 * world and changed it back.
 */
#ifndef ENIMAP_FUZZ_WORLD_H
#define ENIMAP_FUZZ_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "model.h"

struct fuzz_world {
	struct model *m;	  /* the one the input works on */
	struct model *pristine_m; /* as loaded; never touched by an input */
	struct enimap_config cfg; /* large: keep the struct static */
	char *pristine;		  /* model_dump of the world as loaded */
	size_t pristine_len;
};

/* model_dump of m, malloc'd, into *len. */
char *fuzz_dump(const struct model *m, size_t *len);

/* A dump buffer reused from one dump to the next (no allocation per dump). */
struct fuzz_dump {
	char *s;
	size_t len, cap;
};
/* model_dump of m into d (grown when it does not fit). */
void fuzz_dump_to(const struct model *m, struct fuzz_dump *d);

/* Make w->m the default world: loaded the first time, then a clone of the pristine one. */
void fuzz_world_load(struct fuzz_world *w);

/* dump (of w->m, length len) is the pristine world's. */
bool fuzz_world_is_pristine(const struct fuzz_world *w, const char *dump, size_t len);

/* Free the working model (not the pristine one, nor its dump). */
void fuzz_world_free(struct fuzz_world *w);

#endif
