/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * smoke.c - main() of a harness outside libFuzzer: `make test`'s short run.
 *
 *   fuzz_X [--runs N] CORPUS_DIR_OR_FILE...
 *
 * Feeds every corpus file as it is, then N inputs (default 2000) made from
 * the corpus by the mutations a fuzzer starts with (bit flips, byte
 * overwrites with boundary values, truncation, duplication of a slice,
 * insertion of random bytes), from a fixed seed: the same run every time.
 * Exit 0 when every input returned; a crash or abort is the failure.
 */
#include <dirent.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define MAX_INPUTS 512
#define MAX_INPUT_SIZE (1u << 20)

struct input {
	uint8_t *data;
	size_t size;
};

static struct input inputs[MAX_INPUTS];
static size_t n_inputs;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "fuzz: cannot open %s\n", path);
		exit(2);
	}
	uint8_t *buf = malloc(MAX_INPUT_SIZE);
	size_t n = buf ? fread(buf, 1, MAX_INPUT_SIZE, f) : 0;
	fclose(f);
	if (!buf || n_inputs == MAX_INPUTS) {
		fprintf(stderr, "fuzz: too many or too large inputs at %s\n", path);
		exit(2);
	}
	inputs[n_inputs].data = buf;
	inputs[n_inputs].size = n;
	n_inputs++;
}

static void add_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz: no such corpus: %s\n", path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort); /* sorted: the same order every run */
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char p[4096];
			snprintf(p, sizeof(p), "%s/%s", path, names[i]->d_name);
			add_file(p);
		}
		free(names[i]);
	}
	free(names);
}

/* One mutated copy of a corpus input into out (capacity cap); its length. */
static size_t mutate(const struct input *in, uint8_t *out, size_t cap)
{
	static const uint8_t boundary[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '%', '\n', ':', '.', '-'};
	size_t n = in->size < cap ? in->size : cap;
	memcpy(out, in->data, n);
	unsigned steps = 1 + (unsigned)(rng_next() % 4);
	for (unsigned s = 0; s < steps; s++) {
		size_t at = n ? (size_t)(rng_next() % n) : 0;
		switch (rng_next() % 5) {
		case 0: /* flip one bit */
			if (n)
				out[at] ^= (uint8_t)(1u << (rng_next() % 8));
			break;
		case 1: /* a boundary byte */
			if (n)
				out[at] = boundary[rng_next() % sizeof(boundary)];
			break;
		case 2: /* truncate */
			n = at;
			break;
		case 3: { /* duplicate a slice at its end */
			size_t len = n - at < 64 ? n - at : 64;
			if (n + len <= cap) {
				memmove(out + at + len, out + at, n - at);
				n += len;
			}
			break;
		}
		default: { /* insert random bytes */
			size_t len = 1 + (size_t)(rng_next() % 8);
			if (n + len <= cap) {
				memmove(out + at + len, out + at, n - at);
				for (size_t i = 0; i < len; i++)
					out[at + i] = (uint8_t)rng_next();
				n += len;
			}
			break;
		}
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long runs = 2000;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--runs")) {
		runs = strtoul(argv[i + 1], NULL, 10);
		i += 2;
	}
	for (; i < argc; i++)
		add_path(argv[i]);
	if (n_inputs == 0) {
		fprintf(stderr, "usage: %s [--runs N] CORPUS...\n", argv[0]);
		return 2;
	}
	for (size_t k = 0; k < n_inputs; k++)
		LLVMFuzzerTestOneInput(inputs[k].data, inputs[k].size);

	size_t cap = MAX_INPUT_SIZE + 1024;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return 2;
	for (unsigned long r = 0; r < runs; r++) {
		size_t n = mutate(&inputs[r % n_inputs], buf, cap);
		/* an exact-size copy, so that a read past the end is caught by ASan */
		uint8_t *exact = malloc(n ? n : 1);
		memcpy(exact, buf, n);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	free(buf);
	for (size_t k = 0; k < n_inputs; k++)
		free(inputs[k].data);
	printf("fuzz: %zu corpus inputs and %lu mutations, every one returned\n", n_inputs, runs);
	return 0;
}
