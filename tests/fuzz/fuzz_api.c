/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_api.c - the EC2 Query API, request parser and dispatcher, on arbitrary
 * bodies, against the embedded default world.
 *
 * Each input is the body of a POST that the harness signs with the API's
 * own SigV4 signer, so it passes authentication and reaches the dispatcher
 * the way a real client's request does (no bypass of the check exists, in
 * this harness or in the program). Properties:
 *   - every answer is text XML can carry (well-formed UTF-8, no control
 *     characters) with a status the API documents;
 *   - a refused request leaves the model exactly as it was (model_dump).
 */
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_buf.h"
#include "api_sigv4.h"
#include "config.h"
#include "config_default.h"
#include "fuzz.h"
#include "model.h"

static char *dump(const struct model *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	fuzz_check(f != NULL);
	model_dump(m, f);
	fclose(f);
	return buf;
}

static int handle_signed(struct api *a, const struct api_credential *cred, const uint8_t *body,
			 size_t len, struct api_response *r)
{
	static const char date[] = "20261201T120000Z";
	struct api_header h[4] = {{"Host", "127.0.0.1:8787"},
				  {"Content-Type", "application/x-www-form-urlencoded"},
				  {"X-Amz-Date", date}};
	struct api_request req = {.method = "POST",
				  .path = "/",
				  .query = "",
				  .headers = h,
				  .n_headers = 3,
				  .body = (const char *)body,
				  .body_len = len,
				  .now = 1796126400}; /* the date above */
	struct api_sigv4_req s = {.method = req.method,
				  .path = req.path,
				  .query = req.query,
				  .headers = h,
				  .n_headers = 3,
				  .body = req.body,
				  .body_len = len,
				  .now = req.now};
	static char auth[1024];
	fuzz_check(api_sigv4_sign(&s, cred->access_key_id, cred->secret_access_key, "us-east-1",
				  date, "content-type;host;x-amz-date", auth, sizeof(auth)) == 0);
	h[3] = (struct api_header){"Authorization", auth};
	req.n_headers = 4;
	return api_handle(a, &req, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enimap_config cfg;
	struct config_err cerr;
	struct model *m = model_create();
	fuzz_check(m != NULL);
	fuzz_check(config_load_string("default.yaml", config_default_yaml, config_default_yaml_len,
				      &cfg, m, NULL, &cerr) == 0);
	fuzz_check(cfg.api.n_credentials > 0);
	cfg.api.journal[0] = '\0'; /* no journal: nothing on disk */

	struct api_err err;
	struct api *a = api_create(m, &cfg.api, NULL, NULL, &err);
	fuzz_check(a != NULL);
	fuzz_check(api_replay(a, &err) == 0);

	size_t before_len, after_len;
	char *before = dump(m, &before_len);
	struct api_response r = {0};
	int rc = handle_signed(a, &cfg.api.credentials[0], data, size, &r);
	fuzz_check(rc == 0 || rc == -1);
	fuzz_check(r.body != NULL && r.len > 0);
	fuzz_check(api_text_valid(r.body, r.len));
	fuzz_check(r.status == 200 || r.status == 400 || r.status == 412 || r.status == 500 ||
		   r.status == 503);
	char *after = dump(m, &after_len);
	if (rc != 0)
		fuzz_check(before_len == after_len && !memcmp(before, after, before_len));
	free(before);
	free(after);
	api_response_free(&r);
	api_free(a);
	model_free(m);
	return 0;
}
