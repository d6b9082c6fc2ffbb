/* SPDX-License-Identifier: BSD-3-Clause */
/* The journal: records come back in order, a torn last record is dropped,
 * damage elsewhere is refused (with its offset, the file untouched),
 * compaction replaces the file atomically, and every create, cut or rename is
 * made durable (fsync of the file and of its directory, seen through
 * -Wl,--wrap=fsync). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "journal.h"

static char path[256];

/* ---- fsync calls, seen through the linker's --wrap=fsync ---- */

int __real_fsync(int fd);
int __wrap_fsync(int fd);

static struct {
	int dirs;      /* fsyncs of a directory */
	int files;     /* fsyncs of a regular file */
	ino_t dir_ino; /* the directory of the last one */
} fsyncs;

int __wrap_fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			fsyncs.dirs++;
			fsyncs.dir_ino = st.st_ino;
		} else {
			fsyncs.files++;
		}
	}
	return __real_fsync(fd);
}

static ino_t tmp_dir_ino(void)
{
	struct stat st;
	assert_int_equal(stat("/tmp", &st), 0);
	return st.st_ino;
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/enimap-test-journal-%d", getpid());
	unlink(path);
	memset(&fsyncs, 0, sizeof(fsyncs));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	return 0;
}

struct seen {
	char rec[16][64];
	size_t n;
};

static int collect(void *arg, const char *p, size_t len)
{
	struct seen *s = arg;
	if (s->n < 16)
		snprintf(s->rec[s->n], 64, "%.*s", (int)len, p);
	s->n++;
	return 0;
}

static void append3(void)
{
	struct journal *j = journal_open(path);
	assert_non_null(j);
	assert_int_equal(journal_append(j, "one", 3), 0);
	assert_int_equal(journal_append(j, "two", 3), 0);
	assert_int_equal(journal_append(j, "three", 5), 0);
	assert_int_equal(journal_size(j), 3 * 8 + 11);
	journal_close(j);
}

static off_t file_size(void)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Overwrite n bytes of the file at off. */
static void poke(off_t off, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

static void poke_le32(off_t off, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	poke(off, b, 4);
}

/* append3's records start at 0, 11 ("two") and 22 ("three"); the file is 35 bytes */
#define REC2 11
#define REC3 22
#define ALL3 35

/* Replay must refuse with -EBADMSG, name the offset, and leave the file as it is. */
static void assert_refused_at(uint64_t off)
{
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), -EBADMSG);
	assert_int_equal(info.damaged_at, off);
	assert_false(info.torn);
	assert_int_equal(file_size(), ALL3); /* nothing cut */
}

static void journal_replays_records_in_order(void **state)
{
	(void)state;
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), 0); /* missing = empty */
	assert_int_equal(s.n, 0);
	append3();
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.rec[0], "one");
	assert_string_equal(s.rec[2], "three");
	assert_false(info.torn);
}

static void journal_drops_torn_last_record(void **state)
{
	(void)state;
	append3();
	/* cut the last record in the middle of its payload */
	assert_int_equal(truncate(path, file_size() - 2), 0);
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 2);
	assert_true(info.torn);
	assert_int_equal(file_size(), 2 * 8 + 6); /* cut back to the last good record */
	/* appending afterwards gives a valid journal */
	struct journal *j = journal_open(path);
	assert_int_equal(journal_append(j, "four", 4), 0);
	journal_close(j);
	memset(&s, 0, sizeof(s));
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.rec[2], "four");
}

static void journal_drops_last_record_with_bad_crc(void **state)
{
	(void)state;
	append3();
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, file_size() - 1), 1);
	close(fd);
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 2);
	assert_true(info.torn);
}

static void journal_refuses_damage_before_the_end(void **state)
{
	(void)state;
	append3();
	int fd = open(path, O_WRONLY);
	assert_int_equal(pwrite(fd, "X", 1, 8), 1); /* first payload byte */
	close(fd);
	struct seen s = {0};
	assert_int_equal(journal_replay(path, collect, &s, NULL), -EBADMSG);
	assert_int_equal(file_size(), 3 * 8 + 11); /* nothing cut */
}

static void journal_refuses_middle_length_past_the_end(void **state)
{
	(void)state;
	append3();
	/* the second record's length now points past the end of the file: the old
	 * reader took it for a torn append and cut "two" and "three" away */
	poke_le32(REC2, 4096);
	assert_refused_at(REC2);
}

static void journal_refuses_middle_length_swallowing_the_rest(void **state)
{
	(void)state;
	append3();
	/* a length that makes the second record end exactly at EOF (bad CRC there):
	 * a valid record ("three") inside it shows it is damage, not a torn append */
	poke_le32(REC2, ALL3 - REC2 - 8);
	assert_refused_at(REC2);
}

static void journal_refuses_bad_crc_in_the_middle(void **state)
{
	(void)state;
	append3();
	poke(REC2 + 8, "X", 1); /* "two" -> "Xwo" */
	assert_refused_at(REC2);
}

static void journal_refuses_garbage_in_the_middle(void **state)
{
	(void)state;
	append3();
	poke(REC2, "\xff\xff\xff\xff\x01\x02\x03\x04", 8);
	assert_refused_at(REC2);
}

static void journal_refuses_damage_before_a_torn_tail(void **state)
{
	(void)state;
	append3();
	/* a bad CRC in "two" then a torn "three": a crash tears only the last append,
	 * so "two" was acknowledged and is not dropped as part of the tail */
	poke(REC2 + 8, "X", 1);
	assert_int_equal(truncate(path, ALL3 - 2), 0);
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), -EBADMSG);
	assert_int_equal(info.damaged_at, REC2);
	assert_int_equal(file_size(), ALL3 - 2);
}

static void journal_cuts_a_torn_header(void **state)
{
	(void)state;
	append3();
	assert_int_equal(truncate(path, REC3 + 5), 0); /* 5 of the 8 header bytes */
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.rec[1], "two");
	assert_true(info.torn);
	assert_int_equal(info.good_end, REC3);
	assert_int_equal(file_size(), REC3);
}

static void journal_cuts_a_zeroed_tail(void **state)
{
	(void)state;
	append3();
	/* the size of the last append reached the disk, its data did not */
	poke(REC3, "\0\0\0\0\0\0\0\0\0\0\0\0\0", ALL3 - REC3);
	struct seen s = {0};
	struct journal_replay_info info;
	assert_int_equal(journal_replay(path, collect, &s, &info), 0);
	assert_int_equal(s.n, 2);
	assert_true(info.torn);
	assert_int_equal(file_size(), REC3);
}

static void journal_cut_is_fsynced(void **state)
{
	(void)state;
	append3();
	assert_int_equal(truncate(path, ALL3 - 2), 0);
	memset(&fsyncs, 0, sizeof(fsyncs));
	assert_int_equal(journal_replay(path, collect, &(struct seen){0}, NULL), 0);
	/* without it, a power loss after later appends brings the torn bytes back in
	 * the middle of the file, where they are damage */
	assert_true(fsyncs.files >= 1);
}

static void journal_creation_fsyncs_the_directory(void **state)
{
	(void)state;
	struct journal *j = journal_open(path); /* creates it */
	assert_non_null(j);
	assert_true(fsyncs.dirs >= 1);
	assert_true(fsyncs.dir_ino == tmp_dir_ino());
	journal_close(j);
	/* opening an existing journal creates no directory entry */
	memset(&fsyncs, 0, sizeof(fsyncs));
	j = journal_open(path);
	assert_non_null(j);
	assert_int_equal(fsyncs.dirs, 0);
	journal_close(j);
}

static void journal_compaction_fsyncs_file_and_directory(void **state)
{
	(void)state;
	append3();
	struct journal *j = journal_open(path);
	memset(&fsyncs, 0, sizeof(fsyncs));
	const char *recs[] = {"snap"};
	size_t lens[] = {4};
	assert_int_equal(journal_compact(j, recs, lens, 1), 0);
	assert_true(fsyncs.files >= 1); /* the new content before the rename */
	assert_true(fsyncs.dirs >= 1);	/* the rename itself */
	assert_true(fsyncs.dir_ino == tmp_dir_ino());
	journal_close(j);
}

static void journal_compaction_replaces_content(void **state)
{
	(void)state;
	append3();
	struct journal *j = journal_open(path);
	const char *recs[] = {"snap-a", "snap-b"};
	size_t lens[] = {6, 6};
	assert_int_equal(journal_compact(j, recs, lens, 2), 0);
	assert_int_equal(journal_size(j), 2 * 8 + 12);
	assert_int_equal(journal_append(j, "after", 5), 0);
	journal_close(j);
	struct seen s = {0};
	assert_int_equal(journal_replay(path, collect, &s, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.rec[0], "snap-a");
	assert_string_equal(s.rec[2], "after");
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);
}

static void journal_crc32c_matches_known_value(void **state)
{
	(void)state;
	/* the standard check value of CRC-32C */
	assert_int_equal(journal_crc32c("123456789", 9), 0xE3069283u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(journal_replays_records_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_drops_torn_last_record, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_drops_last_record_with_bad_crc, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_damage_before_the_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_compaction_replaces_content, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_middle_length_past_the_end, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_middle_length_swallowing_the_rest,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_bad_crc_in_the_middle, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_garbage_in_the_middle, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_refuses_damage_before_a_torn_tail, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(journal_cuts_a_torn_header, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_cuts_a_zeroed_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_cut_is_fsynced, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_creation_fsyncs_the_directory, setup, teardown),
	    cmocka_unit_test_setup_teardown(journal_compaction_fsyncs_file_and_directory, setup,
					    teardown),
	    cmocka_unit_test(journal_crc32c_matches_known_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
