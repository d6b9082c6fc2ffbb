/* SPDX-License-Identifier: BSD-3-Clause */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct journal {
	int fd;
	uint64_t size;
	struct latency_hist fsync; /* each append's fdatasync */
	char path[4096];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t journal_crc32c(const void *data, size_t n)
{
	static uint32_t table[256];
	static int ready;
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
			table[i] = c;
		}
		/* racing initialisers write identical values; release publishes them */
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	const uint8_t *p = data;
	uint32_t crc = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
	return crc ^ 0xFFFFFFFFu;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;
			free(buf);
			close(fd);
			return -e;
		}
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

/* A whole record (header, in-range length, payload, matching CRC) starts at off. */
static bool valid_record_at(const uint8_t *buf, size_t len, size_t off)
{
	if (len - off < 8)
		return false;
	uint32_t n = get_le32(buf + off);
	if (n == 0 || n > JOURNAL_MAX_RECORD || n > len - off - 8)
		return false;
	return journal_crc32c(buf + off + 8, n) == get_le32(buf + off + 4);
}

/* The first byte offset after off where a valid record starts, or 0 if none. */
static size_t valid_record_after(const uint8_t *buf, size_t len, size_t off)
{
	for (size_t p = off + 1; p + 8 <= len; p++)
		if (valid_record_at(buf, len, p))
			return p;
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * The bad record at off has a shape one interrupted append can leave (see
 * journal.h): a short header, a record that runs to or past EOF, or zeros to
 * EOF. why gets a description of the damage either way.
 */
static bool shaped_like_torn_append(const uint8_t *buf, size_t len, size_t off, char *why,
				    size_t why_size)
{
	size_t rest = len - off;
	if (rest < 8) {
		snprintf(why, why_size, "a header of %zu of 8 bytes", rest);
		return true;
	}
	uint32_t n = get_le32(buf + off);
	if (n == 0 || n > JOURNAL_MAX_RECORD) {
		bool zeros = all_zero(buf + off, rest);
		snprintf(why, why_size, "length %u out of range%s", n,
			 zeros ? ", zeros to EOF" : "");
		return zeros;
	}
	if (n > rest - 8) {
		snprintf(why, why_size, "length %u runs past the end of the file (%zu bytes left)",
			 n, rest - 8);
		return true;
	}
	snprintf(why, why_size, "CRC mismatch over its %u bytes", n);
	return n == rest - 8; /* a bad CRC on the very last record only */
}

/* Cut the file at off and make the cut durable before anything is appended. */
static int cut_torn_tail(const char *path, size_t off)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = 0;
	if (ftruncate(fd, (off_t)off) < 0 || fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static void report_damage(const char *path, size_t off, const char *why, size_t next_valid)
{
	char follows[64] = "";
	if (next_valid)
		snprintf(follows, sizeof(follows), "; a valid record follows at offset %zu",
			 next_valid);
	fprintf(stderr,
		"journal %s: damaged record at byte offset %zu (%s%s). The records after it "
		"were acknowledged, so the journal is refused instead of cut: the engine does "
		"not start. To recover by hand (losing that record and every later one), see "
		"docs/journal.md: keep a copy of the file, then `truncate -s %zu %s`.\n",
		path, off, why, follows, off, path);
}

/*
 * The bad record at off: a torn last append is cut (0, info->torn), anything
 * else is refused (-EBADMSG, info->damaged_at) with the file left as it is.
 */
static int handle_bad_record(const char *path, const uint8_t *buf, size_t len, size_t off,
			     struct journal_replay_info *info)
{
	char why[128];
	bool torn_shape = shaped_like_torn_append(buf, len, off, why, sizeof(why));
	size_t next_valid = valid_record_after(buf, len, off);
	if (!torn_shape || next_valid) {
		report_damage(path, off, why, next_valid);
		info->damaged_at = off;
		return -EBADMSG;
	}
	fprintf(stderr,
		"journal %s: warning: torn last record at offset %zu (%zu bytes, %s) cut off\n",
		path, off, len - off, why);
	info->torn = true;
	return cut_torn_tail(path, off);
}

int journal_replay(const char *path, journal_record_fn fn, void *arg,
		   struct journal_replay_info *info)
{
	struct journal_replay_info dummy;
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	uint8_t *buf;
	size_t len;
	int rc = read_file(path, &buf, &len);
	if (rc)
		return rc;
	size_t off = 0;
	while (off < len) {
		if (!valid_record_at(buf, len, off)) {
			rc = handle_bad_record(path, buf, len, off, info);
			break;
		}
		uint32_t n = get_le32(buf + off);
		rc = fn(arg, (const char *)buf + off + 8, n);
		if (rc)
			break;
		off += 8 + (size_t)n;
		info->records++;
		info->good_end = off;
	}
	free(buf);
	return rc;
}

int journal_truncate(struct journal *j, uint64_t size)
{
	if (size > j->size)
		return -EINVAL;
	if (ftruncate(j->fd, (off_t)size) < 0 || fdatasync(j->fd) < 0)
		return -errno;
	j->size = size;
	return 0;
}

static int fsync_dir(const char *path);

/*
 * Open path for appending; if this creates it, fsync the directory too, or a
 * power loss could lose the new file together with the records fsync'd into it.
 */
static int open_or_create(const char *path, int *fdp)
{
	for (;;) {
		int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd >= 0) {
			*fdp = fd;
			return 0;
		}
		if (errno != ENOENT)
			return -errno;
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST)
			continue; /* created meanwhile by someone else: open it */
		if (fd < 0)
			return -errno;
		int rc = fsync_dir(path);
		if (rc) {
			close(fd);
			return rc;
		}
		*fdp = fd;
		return 0;
	}
}

struct journal *journal_open(const char *path)
{
	struct journal *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	if (strlen(path) >= sizeof(j->path)) {
		free(j);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(j->path, path);
	int rc = open_or_create(path, &j->fd);
	if (rc) {
		free(j);
		errno = -rc;
		return NULL;
	}
	struct stat st;
	if (fstat(j->fd, &st) < 0) {
		int e = errno;
		close(j->fd);
		free(j);
		errno = e;
		return NULL;
	}
	j->size = (uint64_t)st.st_size;
	return j;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j);
}

uint64_t journal_size(const struct journal *j)
{
	return j->size;
}

const struct latency_hist *journal_fsync_latency(const struct journal *j)
{
	return &j->fsync;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_record(int fd, const char *payload, size_t len)
{
	if (len == 0 || len > JOURNAL_MAX_RECORD)
		return -EINVAL;
	uint8_t *rec = malloc(len + 8);
	if (!rec)
		return -ENOMEM;
	put_le32(rec, (uint32_t)len);
	put_le32(rec + 4, journal_crc32c(payload, len));
	memcpy(rec + 8, payload, len);
	/* one write per record: a crash tears at most this record */
	int rc = write_all(fd, rec, len + 8);
	free(rec);
	return rc;
}

int journal_append(struct journal *j, const char *payload, size_t len)
{
	int rc = write_record(j->fd, payload, len);
	if (rc == 0) {
		uint64_t t0 = mono_ns();
		if (fdatasync(j->fd) < 0)
			rc = -errno;
		latency_record(&j->fsync, mono_ns() - t0);
	}
	if (rc) {
		/* leave no partial record behind */
		if (ftruncate(j->fd, (off_t)j->size) == 0)
			(void)fdatasync(j->fd);
		return rc;
	}
	j->size += len + 8;
	return 0;
}

static int fsync_dir(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	int fd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int journal_compact(struct journal *j, const char *const *payloads, const size_t *lens, size_t n)
{
	char tmp[4096 + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", j->path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = 0;
	uint64_t size = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = write_record(fd, payloads[i], lens[i]);
		size += lens[i] + 8;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, j->path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	rc = fsync_dir(j->path);
	int nfd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (nfd < 0)
		return -errno; /* the new file is in place; appends would fail loudly */
	close(j->fd);
	j->fd = nfd;
	j->size = size;
	return rc;
}
