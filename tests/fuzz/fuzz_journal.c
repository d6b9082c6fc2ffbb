/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_journal.c - the journal reader on arbitrary file contents (journal.h's
 * rule): replay either succeeds, having called back once per record with a
 * payload inside the file, and, when it cut a torn tail, left exactly the
 * good records in the file; or refuses with -EBADMSG at an offset inside the
 * file and leaves the file byte for byte as it was.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "journal.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-journal", 0);
	fuzz_check(fd >= 0);
	fuzz_check(write(fd, data, size) == (ssize_t)size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	struct seen s = {0};
	struct journal_replay_info info;
	memset(&info, 0, sizeof(info));
	int rc = journal_replay(path, count, &s, &info);
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
		uint8_t *back = mmap(NULL, size ? size : 1, PROT_READ, MAP_SHARED, fd, 0);
		fuzz_check(back != MAP_FAILED);
		fuzz_check(memcmp(back, data, size) == 0);
		munmap(back, size ? size : 1);
	}
	close(fd);
	return 0;
}
