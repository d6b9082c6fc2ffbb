/* SPDX-License-Identifier: BSD-3-Clause */
/* The journal: records come back in order, a torn last record is dropped,
 * damage elsewhere is refused, compaction replaces the file atomically. */
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

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/enimap-test-journal-%d", getpid());
	unlink(path);
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
	    cmocka_unit_test(journal_crc32c_matches_known_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
