/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * api_settings.h - what the API is created with (api_create): where it
 * listens, its region, the credentials it accepts and its journal.
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
};

#endif
