/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * journal.h - an append-only file of records, each fsync'd before the append
 * returns: what makes an acknowledged API operation survive a crash.
 *
 * Format: a sequence of records, each
 *     u32 length (little endian) | u32 CRC-32C of the payload (little endian) | payload
 * with 0 < length <= JOURNAL_MAX_RECORD. No file header: an empty file is an
 * empty journal.
 *
 * A crash can leave the last record torn (short, or with a bad CRC). Replay
 * ignores such a last record with a warning and truncates it away, so the next
 * append starts on a record boundary. A bad record that is NOT the last one
 * means the file was damaged otherwise: replay refuses it (-EBADMSG).
 *
 * Compaction replaces the whole file atomically: the new records are written
 * to "<path>.tmp", fsync'd, renamed over <path>, and the directory fsync'd.
 */
#ifndef ENIMAP_JOURNAL_H
#define ENIMAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_MAX_RECORD (1u << 20)

struct journal;

/* The CRC-32C (Castagnoli) of n bytes. */
uint32_t journal_crc32c(const void *data, size_t n);

/* Called for every good record, in order; non-zero stops the replay and is returned. */
typedef int (*journal_record_fn)(void *arg, const char *payload, size_t len);

struct journal_replay_info {
	size_t records;	   /* good records replayed */
	bool torn;	   /* a torn last record was dropped */
	uint64_t good_end; /* file offset after the last good record */
};

/*
 * Read the journal at path (a missing file is an empty journal), calling fn
 * per record; a torn last record is dropped (warning on stderr) and cut off the
 * file. 0, the callback's non-zero value, or -errno (-EBADMSG: damaged).
 */
int journal_replay(const char *path, journal_record_fn fn, void *arg,
		   struct journal_replay_info *info);

/* Open (create) for appending. NULL + errno. */
struct journal *journal_open(const char *path);
void journal_close(struct journal *j);

/* Append one record and fsync it. 0 or -errno (then the file is as before). */
int journal_append(struct journal *j, const char *payload, size_t len);

/* Bytes in the file now. */
uint64_t journal_size(const struct journal *j);

/*
 * Replace the journal's content by these records (atomically, see above) and
 * keep appending after them. 0 or -errno (then the old journal stays).
 */
int journal_compact(struct journal *j, const char *const *payloads, const size_t *lens, size_t n);

#endif
