/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h - the entry point every harness in tests/fuzz defines.
 *
 * Built two ways (tests/fuzz/meson.build):
 *   - with clang's libFuzzer (meson option fuzz=true, `make fuzz`): libFuzzer
 *     provides main() and calls fuzz_one() through LLVMFuzzerTestOneInput;
 *   - in the ordinary build, linked with smoke.c, whose main() replays the
 *     corpus and a bounded number of deterministic mutations of it: the short
 *     run that `make test` does.
 * A harness returns normally for every input; a crash, a sanitizer report or
 * a failed check (fuzz_check) is the finding.
 */
#ifndef ENIMAP_FUZZ_H
#define ENIMAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: abort (the fuzzer's finding) when false. */
#define fuzz_check(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
