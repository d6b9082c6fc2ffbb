/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * enimapctl.c - the command-line client of the engine's control socket:
 *
 *   enimapctl [-s PATH] [--json] [-t SECONDS] COMMAND [ARGS...]
 *
 * COMMAND ARGS... is sent as one line (`enimapctl help` lists them); the
 * reply's output goes to stdout, its status line (ctlclient.h) decides:
 *   0  OK (its detail, if any, printed as a last line: an id made)
 *   1  DIFF: `check` found the tables differ from the model (the lines printed)
 *   2  usage error, or the engine refused the command (its ERR line on stderr)
 *   3  the socket cannot be found or reached, or it closed without an answer
 * --json asks for JSON (nat, enis, routes, flows, counters).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlclient.h"

enum { EXIT_DIFF = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

static void usage(FILE *out)
{
	fputs("usage: enimapctl [-s PATH] [--json] [-t SECONDS] COMMAND [ARGS...]\n"
	      "  -s, --socket PATH   the engine's control socket (default $ENIMAP_SOCKET,\n"
	      "                      $ENIMAP_CONTROL, else the only /run/enimap-*.sock)\n"
	      "  -j, --json          JSON output (nat, enis, routes, flows, counters)\n"
	      "  -t, --timeout SEC   wait at most SEC seconds for the answer (default 60)\n"
	      "Commands: `enimapctl help`. Exit: 0 ok, 1 check found differences,\n"
	      "2 usage error or command refused, 3 socket not reachable.\n",
	      out);
}

/* The command words as one line; -1 when it would not fit a control line. */
static int join_words(int argc, char **argv, bool json, char *line, size_t len)
{
	size_t n = 0;

	line[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (strchr(argv[i], '\n') != NULL)
			return -1;
		int w = snprintf(line + n, len - n, "%s%s", i ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= len - n)
			return -1;
		n += (size_t)w;
	}
	if (json && snprintf(line + n, len - n, " --json") >= (int)(len - n))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *sock = NULL, *status;
	char path[108], err[1024], line[CTLC_LINE_MAX], *reply = NULL, *end;
	bool json = false;
	long timeout_s = 60;
	size_t len = 0, body;
	int c, rc;

	/* "+": options stop at the command, whose own --options pass through */
	while ((c = getopt_long(argc, argv, "+s:jt:h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 't':
			errno = 0;
			timeout_s = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || timeout_s <= 0 || timeout_s > 86400) {
				fprintf(stderr, "enimapctl: bad timeout '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (join_words(argc - optind, argv + optind, json, line, sizeof(line)) != 0) {
		fprintf(stderr, "enimapctl: the command is longer than %d bytes\n",
			CTLC_LINE_MAX - 1);
		return EXIT_USAGE;
	}
	if (ctlc_find_socket(sock, NULL, path, sizeof(path), err, sizeof(err)) != 0) {
		fprintf(stderr, "enimapctl: %s\n", err);
		return EXIT_UNREACHABLE;
	}
	rc = ctlc_request(path, line, (int)(timeout_s * 1000), &reply, &len);
	if (rc != 0) {
		fprintf(stderr, "enimapctl: %s: %s\n", path, strerror(-rc));
		return EXIT_UNREACHABLE;
	}
	switch (ctlc_split(reply, len, &body, &status)) {
	case CTLC_OK:
		fwrite(reply, 1, body, stdout);
		if (status[2] == ' ')
			printf("%s\n", status + 3);
		rc = 0;
		break;
	case CTLC_DIFF:
		fwrite(reply, 1, body, stdout);
		rc = EXIT_DIFF;
		break;
	case CTLC_ERR:
		fwrite(reply, 1, body, stdout);
		fprintf(stderr, "%s\n", status);
		rc = EXIT_USAGE;
		break;
	default:
		fwrite(reply, 1, len, stdout);
		fprintf(stderr,
			"enimapctl: %s: the engine closed the connection without an answer\n",
			path);
		rc = EXIT_UNREACHABLE;
	}
	free(reply);
	return rc;
}
