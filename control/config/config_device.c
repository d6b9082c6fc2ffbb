/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config_device.c - what the configuration may hand to the EAL: port device
 * strings (each becomes "--vdev=<device>", engine/engine_eal.c) and the extra
 * EAL arguments (engine.eal, appended last). Each must be one argument of a
 * known shape, so that no other EAL option rides along (SPEC section 6).
 */
#include <stdio.h>
#include <string.h>

#include "config_internal.h"

/* The virtual devices (DPDK 22.11 PMDs) a port may name; an instance number may follow. */
static const char *const vdev_drivers[] = {
    "net_af_packet", "net_af_xdp",   "net_memif",    "net_ring",  "net_null",
    "net_tap",	     "net_tun",	     "net_pcap",     "net_vhost", "virtio_user",
    "net_bonding",   "net_failsafe", "net_ixgbe_vf", "net_kni",	  NULL};

/* Characters of a key and of a value (paths, MACs, lists). */
static bool word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* DPDK's keys are words with '-' inside (net_memif's socket-abstract and
 * zero-copy, net_vhost's iommu-support): '-' anywhere but first. */
static bool key_char(char ch, size_t i)
{
	return word_char(ch) || (ch == '-' && i > 0);
}

static bool value_char(char ch)
{
	return word_char(ch) || strchr("./:@+-[]*", ch) != NULL;
}

/* Describe the character at s[i] as "character 'c' at i+1" (or its code when invisible). */
static void bad_char(const char *s, size_t i, char *why, size_t n)
{
	unsigned char ch = (unsigned char)s[i];

	if (ch == '\n')
		snprintf(why, n, "character '\\n' at %zu is not allowed", i + 1);
	else if (ch == '\t')
		snprintf(why, n, "character '\\t' at %zu is not allowed", i + 1);
	else if (ch > ' ' && ch < 0x7f)
		snprintf(why, n, "character '%c' at %zu is not allowed", ch, i + 1);
	else if (ch == ' ')
		snprintf(why, n, "character ' ' at %zu is not allowed", i + 1);
	else
		snprintf(why, n, "character 0x%02x at %zu is not allowed", ch, i + 1);
}

/* The first character of s not in the whole string's set, or -1. */
static long first_bad_char(const char *s, const char *extra)
{
	for (size_t i = 0; s[i] != '\0'; i++)
		if (!value_char(s[i]) && strchr(extra, s[i]) == NULL)
			return (long)i;
	return -1;
}

/* "0000:03:00.0" or "03:00.0": a PCI address (domain:bus:device.function). */
static bool is_pci_address(const char *s, size_t len)
{
	unsigned dom, bus, dev, fn;
	int used = 0;
	char buf[32];

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (sscanf(buf, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &used) == 4 && (size_t)used == len)
		return true;
	return sscanf(buf, "%x:%x.%x%n", &bus, &dev, &fn, &used) == 3 && (size_t)used == len;
}

/* A driver of vdev_drivers, then only digits (its instance number). */
static bool is_vdev_name(const char *s, size_t len)
{
	for (const char *const *d = vdev_drivers; *d != NULL; d++) {
		size_t dl = strlen(*d);

		if (len < dl || memcmp(s, *d, dl) != 0)
			continue;
		if (strspn(s + dl, "0123456789") >= len - dl)
			return true;
	}
	return false;
}

/* Argument k (1-based) of a device string, [s + at, s + at + len): "key=value". */
static bool device_arg_ok(const char *s, size_t at, size_t len, int k, char *why, size_t n)
{
	const char *a = s + at, *eq = memchr(a, '=', len);
	size_t klen = eq != NULL ? (size_t)(eq - a) : len;

	if (len == 0) {
		snprintf(why, n, "argument %d is empty (',' twice or at the end)", k);
		return false;
	}
	if (klen == 0) {
		snprintf(why, n, "argument %d has no key", k);
		return false;
	}
	for (size_t i = 0; i < klen; i++)
		if (!key_char(a[i], i)) {
			bad_char(s, at + i, why, n);
			return false;
		}
	if (eq == NULL || klen + 1 == len) {
		snprintf(why, n, "argument %d ('%.*s') has no value (key=value)", k, (int)klen, a);
		return false;
	}
	if (a[klen + 1] == '-') {
		snprintf(why, n, "the value of '%.*s' must not start with '-'", (int)klen, a);
		return false;
	}
	for (size_t i = klen + 1; i < len; i++)
		if (!value_char(a[i])) {
			bad_char(s, at + i, why, n);
			return false;
		}
	return true;
}

bool config_device_ok(const char *s, char *why, size_t n)
{
	size_t name_len = strcspn(s, ","), at;
	long bad;
	int k = 1;

	if (s[0] == '\0') {
		snprintf(why, n, "must not be empty");
		return false;
	}
	if ((bad = first_bad_char(s, ",=")) >= 0) {
		bad_char(s, (size_t)bad, why, n);
		return false;
	}
	if (is_pci_address(s, name_len)) {
		snprintf(why, n,
			 "'%.*s' is a PCI address: the EAL runs with --no-pci and each port is "
			 "a virtual device (--vdev); drive a NIC through its kernel interface "
			 "(net_af_xdp0,iface=... or net_af_packet0,iface=...)",
			 (int)name_len, s);
		return false;
	}
	if (!is_vdev_name(s, name_len)) {
		snprintf(
		    why, n,
		    "'%.*s' is not a DPDK virtual device (a driver among net_af_packet, "
		    "net_af_xdp, net_memif, net_ring, net_null, net_tap, net_tun, net_pcap, "
		    "net_vhost, virtio_user, net_bonding, net_failsafe, net_ixgbe_vf, net_kni, "
		    "then an optional instance number)",
		    (int)name_len, s);
		return false;
	}
	for (at = name_len; s[at] == ','; k++) {
		size_t len = strcspn(s + at + 1, ",");

		if (!device_arg_ok(s, at + 1, len, k, why, n))
			return false;
		at += 1 + len;
	}
	return true;
}

/*
 * The EAL options enimap sets itself (engine_eal_build): a second copy would
 * contradict it (its own file prefix, removed on exit; one vdev per port;
 * lcores from engine.workers; no PCI bus; memory from the free hugepages).
 * Short options match with or without an attached value ("-l0-3").
 */
static const struct {
	const char *opt, *why;
} eal_reserved[] = {
    {"--file-prefix", "its own, removed on exit"},
    {"--vdev", "one per engine.ports item"},
    {"--no-pci", "ports are virtual devices"},
    {"--allow", "ports are virtual devices; the EAL runs with --no-pci"},
    {"--block", "ports are virtual devices; the EAL runs with --no-pci"},
    {"-a", "ports are virtual devices; the EAL runs with --no-pci"},
    {"-b", "ports are virtual devices; the EAL runs with --no-pci"},
    {"--lcores", "from engine.workers"},
    {"--main-lcore", "from engine.workers"},
    {"-l", "from engine.workers"},
    {"-c", "from engine.workers"},
    {"--no-huge", "from the free hugepages"},
    {"-m", "from the free hugepages"},
    {"--proc-type", "a primary process"},
};

/* The EAL options passed on: what they are called, whether they take "=value". */
static const struct {
	const char *opt;
	bool value;
} eal_allowed[] = {
    {"--log-level", true},	    {"--in-memory", false},   {"--iova-mode", true},
    {"--huge-dir", true},	    {"--huge-unlink", false}, {"--socket-mem", true},
    {"--socket-limit", true},	    {"--legacy-mem", false},  {"--single-file-segments", false},
    {"--match-allocations", false}, {"--no-shconf", false},   {"--no-hpet", false},
    {"--telemetry", false},	    {"--trace", true},	      {"--trace-dir", true},
    {"--trace-bufsz", true},	    {"--trace-mode", true},   {"--mbuf-pool-ops-name", true},
    {"--base-virtaddr", true},	    {"--syslog", true},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* s names option opt: exactly, with "=value", or (a short option) with a value attached. */
static bool names_option(const char *s, const char *opt)
{
	size_t len = strlen(opt);

	if (strncmp(s, opt, len) != 0)
		return false;
	return s[len] == '\0' || s[len] == '=' || opt[1] != '-';
}

bool config_eal_arg_ok(const char *s, char *why, size_t n)
{
	size_t name_len;
	long bad;

	if ((bad = first_bad_char(s, ",=")) >= 0) {
		bad_char(s, (size_t)bad, why, n);
		return false;
	}
	if (names_option(s, "-d") || names_option(s, "--driver-path")) {
		snprintf(why, n, "loads a shared object into enimap: not allowed");
		return false;
	}
	for (size_t i = 0; i < N_OF(eal_reserved); i++)
		if (names_option(s, eal_reserved[i].opt)) {
			snprintf(why, n, "enimap sets %s itself (%s)", eal_reserved[i].opt,
				 eal_reserved[i].why);
			return false;
		}
	name_len = strcspn(s, "=");
	for (size_t i = 0; i < N_OF(eal_allowed); i++) {
		const char *opt = eal_allowed[i].opt;

		if (strlen(opt) != name_len || strncmp(s, opt, name_len) != 0)
			continue;
		if (!eal_allowed[i].value && s[name_len] == '=') {
			snprintf(why, n, "'%s' takes no value", opt);
			return false;
		}
		if (eal_allowed[i].value && (s[name_len] != '=' || s[name_len + 1] == '\0')) {
			snprintf(why, n, "'%s' needs a value: write %s=<value> as one item", opt,
				 opt);
			return false;
		}
		if (eal_allowed[i].value && s[name_len + 1] == '-') {
			snprintf(why, n, "the value of '%s' must not start with '-'", opt);
			return false;
		}
		return true;
	}
	snprintf(why, n,
		 "'%.*s' is not an EAL option enimap passes on (one of --log-level=, "
		 "--in-memory, --iova-mode=, --huge-dir=, --huge-unlink, --socket-mem=, "
		 "--socket-limit=, --legacy-mem, --single-file-segments, --match-allocations, "
		 "--no-shconf, --no-hpet, --telemetry, --trace=, --trace-dir=, --trace-bufsz=, "
		 "--trace-mode=, --mbuf-pool-ops-name=, --base-virtaddr=, --syslog=)",
		 (int)name_len, s);
	return false;
}

/* s for a message: at most 64 characters, the invisible ones escaped. */
static void echo(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; s[i] != '\0' && o + 8 < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == 64) {
			o += (size_t)snprintf(out + o, n - o, "...");
			break;
		}
		if (ch == '\n')
			o += (size_t)snprintf(out + o, n - o, "\\n");
		else if (ch < ' ' || ch >= 0x7f)
			o += (size_t)snprintf(out + o, n - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
}

static int refuse(const struct cnode_ctx *c, const struct cnode *n, const char *what, const char *s,
		  const char *why)
{
	char shown[300];

	if (s[0] == '\0')
		return cnode_fail(c, n, "%s: %s", what, why);
	echo(s, shown, sizeof(shown));
	return cnode_fail(c, n, "%s: '%s': %s", what, shown, why);
}

int config_device_check(const struct cnode_ctx *c, const struct cnode *n, const char *s)
{
	char why[400];

	return config_device_ok(s, why, sizeof(why)) ? 0 : refuse(c, n, "port device", s, why);
}

int config_eal_arg_check(const struct cnode_ctx *c, const struct cnode *n, const char *s)
{
	char why[400];

	return config_eal_arg_ok(s, why, sizeof(why)) ? 0 : refuse(c, n, "engine.eal", s, why);
}
