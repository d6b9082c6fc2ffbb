/* SPDX-License-Identifier: BSD-3-Clause */
/* guest_cmd.c - the control socket's "guest" command (see guest_cmd.h). */
#include "guest_cmd.h"

#include <inttypes.h>
#include <string.h>

#include "engine.h"
#include "guestsvc.h"
#include "model.h"

int guest_cmd(const struct engine *e, const struct guestsvc *g, const struct model *m,
	      const char *line, FILE *out)
{
	char cmd[16], arg[MODEL_ID_MAX + 1], extra[2];
	int n = sscanf(line, "%15s %64s %1s", cmd, arg, extra);
	struct guestsvc_stats st = {0};
	struct model_eni_view ev;
	struct guestsvc_eni_stats es;

	if (n < 1 || n > 2 || strcmp(cmd, "guest") != 0)
		return -1;
	if (g == NULL) {
		fputs("ERR InvalidAction: the guest services are off (guest.dhcp and guest.imds: "
		      "false)\n",
		      out);
		return 0;
	}
	if (n == 2) {
		if (model_get_eni(m, arg, &ev) != 0) {
			fprintf(out, "ERR InvalidNetworkInterfaceID.NotFound: %s\n", arg);
			return 0;
		}
		guestsvc_get_eni_stats(g, ev.slot, &es);
		fprintf(out, "dhcp-answers %" PRIu64 "\nimds-answers %" PRIu64 "\nOK\n",
			es.dhcp_answers, es.imds_answers);
		return 0;
	}
	guestsvc_get_stats(g, &st);
	fprintf(
	    out,
	    "punted %" PRIu64 "\nreceived %" PRIu64 "\nmalformed %" PRIu64 "\nunknown-mac %" PRIu64
	    "\ndhcp-offers %" PRIu64 "\ndhcp-acks %" PRIu64 "\ndhcp-naks %" PRIu64
	    "\ndhcp-releases %" PRIu64 "\ndhcp-declines %" PRIu64 "\ndhcp6-advertises %" PRIu64
	    "\ndhcp6-replies %" PRIu64 "\nra-solicited %" PRIu64 "\nra-unsolicited %" PRIu64
	    "\nignored %" PRIu64 "\ntx-failed %" PRIu64 "\nimds-segments-in %" PRIu64
	    "\nimds-segments-out %" PRIu64 "\nimds-dropped %" PRIu64 "\nimds-ipv6-disabled %" PRIu64
	    "\nimds-requests %" PRIu64 "\nimds-ok %" PRIu64 "\nimds-tokens %" PRIu64
	    "\nimds-not-found %" PRIu64 "\nimds-unauthorized %" PRIu64 "\nimds-refused %" PRIu64
	    "\nimds-unknown %" PRIu64 "\nOK\n",
	    engine_punted(e), st.received, st.malformed, st.unknown, st.offers, st.acks, st.naks,
	    st.releases, st.declines, st.dhcp6_advertises, st.dhcp6_replies, st.ra_solicited,
	    st.ra_unsolicited, st.ignored, st.tx_failed, st.imds_in, st.imds_out, st.imds_dropped,
	    st.imds_v6_disabled, st.imds_requests, st.imds_ok, st.imds_tokens, st.imds_not_found,
	    st.imds_unauthorized, st.imds_refused, st.imds_unknown);
	return 0;
}
