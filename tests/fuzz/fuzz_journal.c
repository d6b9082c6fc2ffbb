/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_journal.c - the journal reader on arbitrary file contents (journal.h's
 * rule): replay either succeeds, having called back once per record with a
 * payload inside the file, and, when it cut a torn tail, left exactly the
 * good records in the file; or refuses with -EBADMSG at an offset inside the
 * file and leaves the file byte for byte as it was.
 *
 * The file is one memfd (in memory), emptied and rewritten per input and
 * read through /proc/self/fd as a path, as the program reads its journal.
 * The reader's report of a damaged or torn journal (a paragraph on stderr,
 * per input) goes to /dev/null during the replay; this harness's checks and
 * the sanitizers still report on the real stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "journal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define FUZZ_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_SANITIZED 1
#endif
#ifdef FUZZ_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

struct seen {
	size_t records, bytes;
};

static int count(void *arg, const char *payload, size_t len)
{
	struct seen *s = arg;
	fuzz_check(payload != NULL && len > 0 && len <= JOURNAL_MAX_RECORD);
	s->records++;
	s->bytes += 8 + len;
	return 0;
}

static int fd = -1, stderr_fd, null_fd;
static char path[64];
static uint8_t *back; /* the file read back */
static size_t back_cap;

static void setup(void)
{
	fd = memfd_create("fuzz-journal", 0);
	fuzz_check(fd >= 0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	stderr_fd = dup(STDERR_FILENO);
	null_fd = open("/dev/null", O_WRONLY);
	fuzz_check(stderr_fd >= 0 && null_fd >= 0);
#ifdef FUZZ_SANITIZED
	__sanitizer_set_report_fd((void *)(intptr_t)stderr_fd); /* reports: never to /dev/null */
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0)
		setup();
	fuzz_check(ftruncate(fd, 0) == 0);
	fuzz_check(pwrite(fd, data, size, 0) == (ssize_t)size);

	struct seen s = {0};
	struct journal_replay_info info;
	memset(&info, 0, sizeof(info));
	fuzz_check(dup2(null_fd, STDERR_FILENO) == STDERR_FILENO);
	int rc = journal_replay(path, count, &s, &info);
	fuzz_check(dup2(stderr_fd, STDERR_FILENO) == STDERR_FILENO);
	off_t now = lseek(fd, 0, SEEK_END);

	if (rc == 0) {
		fuzz_check(info.records == s.records);
		fuzz_check(info.good_end == s.bytes);
		fuzz_check(info.good_end <= size);
		/* cut exactly at the end of the good records, or not at all */
		fuzz_check((off_t)(info.torn ? info.good_end : size) == now);
		fuzz_check(info.torn || info.good_end == size);
	} else {
		fuzz_check(rc == -EBADMSG);
		fuzz_check(info.damaged_at < size);
		fuzz_check((size_t)now == size);
		if (size > back_cap) {
			free(back);
			back_cap = size;
			back = malloc(back_cap);
			fuzz_check(back != NULL);
		}
		fuzz_check(pread(fd, back, size, 0) == (ssize_t)size);
		fuzz_check(size == 0 || memcmp(back, data, size) == 0);
	}
	return 0;
}
