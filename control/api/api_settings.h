/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_settings.h - what the API is created with (api_create): where it
 * listens, its region, the credentials it accepts, its journal and the limits
 * that keep one client from stalling the others (SPEC.md section 6).
 *
 * A plain header (no other enimap header), so that whoever fills these
 * settings -- the YAML loader (control/config), a test -- does not depend on
 * the API's code, and the API does not depend on it.
 */
#ifndef ENIMAP_API_SETTINGS_H
#define ENIMAP_API_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#define API_MAX_CREDENTIALS 16

/*
 * The defaults of the connection limits (a setting of 0 means its default).
 * Enough connections for 1,000 slow ones and the legitimate clients besides;
 * enough per address for 64 concurrent clients of one orchestrator (SPEC.md
 * section 5) with room to spare.
 */
#define API_DEFAULT_MAX_CONNECTIONS 4096
#define API_DEFAULT_PER_ADDRESS_CONNECTIONS 128
#define API_DEFAULT_REQUEST_TIMEOUT 10 /* s to receive one whole request */
#define API_DEFAULT_ANSWER_TIMEOUT 30  /* s to compute and send its answer */
#define API_DEFAULT_IDLE_TIMEOUT 10    /* s without a byte either way */
/*
 * HTTP threads. A change waits in its thread for its batch (group commit), so
 * this bounds the changes in one batch: api.limits.threads 16 gives 1.7x the
 * changes/s of 2 at 64 clients (bench/api_bench.sh), but at 32 and 64 the
 * slow-client test's request timeouts came late under load on the 2-core
 * machine (hundreds of connections open 5 s past their deadline; cause not
 * found), and 16 passed it too few times to be the default.
 */
#define API_DEFAULT_THREADS 2

struct api_credential {
	char access_key_id[128];
	char secret_access_key[128];
};

struct api_settings {
	bool enabled;	 /* whether the program starts the API at all */
	char listen[64]; /* "ip:port" or "[ip6]:port" */
	char region[32]; /* the SigV4 scope, e.g. "us-east-1" */
	size_t n_credentials;
	struct api_credential credentials[API_MAX_CREDENTIALS];
	char journal[256]; /* journal file path; "" = no journal */

	/* Connection limits; 0 = the API_DEFAULT_ of each. */
	unsigned max_connections;	  /* open at once, all addresses together */
	unsigned per_address_connections; /* open at once from one client address */
	/*
	 * Per phase deadlines, in seconds. A connection that has not delivered a
	 * whole request (headers and body) request_timeout after it was accepted,
	 * or after the previous answer went out, is closed, however steadily it
	 * trickles bytes; so is one whose answer is not taken within
	 * answer_timeout; and one that moves no byte for idle_timeout.
	 */
	unsigned request_timeout;
	unsigned answer_timeout;
	unsigned idle_timeout;
	unsigned threads; /* HTTP server threads (requests still take the model's mutex) */
};

#endif
