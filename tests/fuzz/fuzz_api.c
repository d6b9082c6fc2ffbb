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
 * One request per input, against a world loaded once and loaded again (with
 * a new API) after a request that changed it (fuzz_world.h says what
 * persists; the API's request counter does too).
 */
#include <string.h>
#include <time.h>

#include "api.h"
#include "api_buf.h"
#include "api_sigv4.h"
#include "fuzz.h"
#include "fuzz_world.h"

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

/* The world and an API over it, made once and made again after an input that changed it. */
static struct fuzz_world w;
static struct api *a;

static void setup(void)
{
	fuzz_world_load(&w);
	fuzz_check(w.cfg.api.n_credentials > 0);
	w.cfg.api.journal[0] = '\0'; /* no journal: nothing on disk */
	struct api_err err;
	a = api_create(w.m, &w.cfg.api, NULL, NULL, &err);
	fuzz_check(a != NULL);
	fuzz_check(api_replay(a, &err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!a)
		setup();
	struct api_response r = {0};
	int rc = handle_signed(a, &w.cfg.api.credentials[0], data, size, &r);
	fuzz_check(rc == 0 || rc == -1);
	fuzz_check(r.body != NULL && r.len > 0);
	fuzz_check(api_text_valid(r.body, r.len));
	fuzz_check(r.status == 200 || r.status == 400 || r.status == 412 || r.status == 500 ||
		   r.status == 503);
	static struct fuzz_dump after;
	fuzz_dump_to(w.m, &after);
	bool pristine = fuzz_world_is_pristine(&w, after.s, after.len);
	if (rc != 0)
		fuzz_check(pristine); /* the world before this input was the pristine one */
	api_response_free(&r);
	if (!pristine) {
		api_free(a);
		fuzz_world_free(&w);
		setup();
	}
	return 0;
}
