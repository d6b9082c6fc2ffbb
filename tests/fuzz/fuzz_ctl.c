/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_ctl.c - the control-socket command parser on arbitrary lines, against
 * the embedded default world: every line is answered with OK, ERR or
 * "unknown", and a refused line leaves the model as it was (model_dump
 * byte-identical).
 *
 * The input is up to MAX_LINES lines, run in order on the same model (a
 * line sees what the lines before it did). Every input starts from the
 * default world, restored only after an input that left it changed
 * (fuzz_world.h: how, and what persists).
 */
#include <string.h>

#include "ctl.h"
#include "delta.h"
#include "fuzz.h"
#include "fuzz_world.h"

#define MAX_LINES 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_world w;
	static FILE *out;
	if (!w.m)
		fuzz_world_load(&w);
	if (!out) {
		out = fopen("/dev/null", "w"); /* the replies: formatted, then dropped */
		fuzz_check(out != NULL);
	}

	/* the dump before the current line: the pristine one, then the last line's */
	static struct fuzz_dump dumps[2];
	const char *before = w.pristine;
	size_t before_len = w.pristine_len;
	unsigned cur = 0;
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

		struct delta d = {0};
		int rc = ctl_exec(w.m, line, &d, out);
		fuzz_check(rc == CTL_OK || rc == CTL_ERROR || rc == CTL_UNKNOWN);
		struct fuzz_dump *after = &dumps[cur];
		fuzz_dump_to(w.m, after);
		if (rc != CTL_OK)
			fuzz_check(before_len == after->len &&
				   !memcmp(before, after->s, before_len));
		before = after->s;
		before_len = after->len;
		cur ^= 1; /* the next line dumps into the other buffer */
		delta_free(&d);
	}
	if (!fuzz_world_is_pristine(&w, before, before_len)) {
		fuzz_world_free(&w);
		fuzz_world_load(&w);
	}
	return 0;
}
