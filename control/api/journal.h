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
 * Torn tail or damage. journal_append writes a record with one write() and
 * fdatasync()s it before it returns, and appends never overlap, so a crash can
 * only tear the LAST append: everything before it was acknowledged. Replay
 * reads records from the start; at the first record that is not valid
 * (8-byte header, 0 < length <= JOURNAL_MAX_RECORD, payload inside the file,
 * CRC matching), at offset OFF, it decides:
 *
 *   - torn last append, cut at OFF with a warning (info->torn), iff both
 *     (a) the bytes from OFF have a shape an interrupted append leaves: fewer
 *         than 8 bytes (a short header); or a length whose record runs past
 *         EOF (payload short); or a record ending exactly at EOF with a bad
 *         CRC (size reached the disk, some data did not); or zeros from OFF to
 *         EOF (blocks allocated, never written); and
 *     (b) no valid record (header + CRC as above) starts at any byte offset
 *         after OFF. A damaged length makes the bad record look long and so
 *         "last"; the records written after it are still there, whole, and
 *         this scan finds them. (The API's payloads are form-encoded text,
 *         whose bytes can never make an in-range length, so a torn payload
 *         does not contain a record by accident.)
 *   - anything else is damage (a damaged length or CRC followed by more data,
 *     garbage, a bad record before a torn one): -EBADMSG, info->damaged_at =
 *     OFF, a message on stderr naming the file, the offset and the manual
 *     recovery (docs/journal.md), and the file is not touched.
 *
 * The cut is fsync'd before replay returns, so that later appends cannot end
 * up behind torn bytes that a power loss would bring back. A writer that puts
 * several records under one fsync (group commit) must keep the rule sound:
 * a crash may then tear the whole unsynced batch in any pattern, so such a
 * batch must be framed as one record (or the rule revised). The API's group
 * commit does that: a batch's operations, one per line, in one record (api.h).
 *
 * Durability of names: creating the journal fsyncs its directory. Compaction
 * replaces the whole file atomically: the new records are written to
 * "<path>.tmp", fsync'd, renamed over <path>, and the directory fsync'd.
 */
#ifndef ENIMAP_JOURNAL_H
#define ENIMAP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "latency.h"

#define JOURNAL_MAX_RECORD (1u << 20)

struct journal;

/* The CRC-32C (Castagnoli) of n bytes. */
uint32_t journal_crc32c(const void *data, size_t n);

/* Called for every good record, in order; non-zero stops the replay and is returned. */
typedef int (*journal_record_fn)(void *arg, const char *payload, size_t len);

struct journal_replay_info {
	size_t records;	     /* good records replayed */
	bool torn;	     /* a torn last record was dropped */
	uint64_t good_end;   /* file offset after the last good record */
	uint64_t damaged_at; /* -EBADMSG: file offset of the damaged record */
};

/*
 * Read the journal at path (a missing file is an empty journal), calling fn
 * per record; a torn last record is dropped (warning on stderr) and cut off the
 * file, by the rule above. 0, the callback's non-zero value, or -errno
 * (-EBADMSG: damaged at info->damaged_at, explained on stderr, file untouched).
 */
int journal_replay(const char *path, journal_record_fn fn, void *arg,
		   struct journal_replay_info *info);

/* Open (create, then fsync the directory) for appending. NULL + errno. */
struct journal *journal_open(const char *path);
void journal_close(struct journal *j);

/* Append one record and fsync it. 0 or -errno (then the file is as before). */
int journal_append(struct journal *j, const char *payload, size_t len);

/*
 * Cut the journal back to size bytes (a journal_size() taken between appends),
 * dropping the records appended since, and fsync: for a record that was
 * journaled but whose change could not be made. 0 or -errno.
 */
int journal_truncate(struct journal *j, uint64_t size);

/* Bytes in the file now. */
uint64_t journal_size(const struct journal *j);
/* The time each append's fdatasync took (the caller's lock guards it, as every call). */
const struct latency_hist *journal_fsync_latency(const struct journal *j);

/*
 * Replace the journal's content by these records (atomically, see above) and
 * keep appending after them. 0 or -errno (then the old journal stays).
 */
int journal_compact(struct journal *j, const char *const *payloads, const size_t *lens, size_t n);

#endif
