/*
 * svc-error.c: I3 error packets: warnings logged, refusals to the request
 * that caused them, the rest routed to the client whose user caused them,
 * or logged.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static void	error_packet(const json_t *, const json_t *);

const struct svc svc_error = {
	.name = "error",
	.packets = { "error", NULL },
	.on_packet = error_packet,
	.methods = { { NULL, NULL, 0, 0, NULL, NULL } },
};

static void
error_packet(const json_t *named, const json_t *raw)
{
	const char	*code = i3_pkt_str(named, "error_code");
	const char	*msg = i3_pkt_str(named, "error_message");
	const char	*from = i3_pkt_str(named, "originator_mud");
	const char	*user = i3_pkt_str(named, "target_user");
	struct client	*cl;
	char		*text;

	/* The answer to a request still waiting (who, finger...). */
	if (pending_error(named))
		return;
	/* The refusal of a tell or message a client sent: send_failed. */
	if (sendq_refusal(named, raw))
		return;
	if (code == NULL)
		code = "?";
	if (strcmp(code, "warning") == 0) {
		log_info("warning from %s: %s", from ? from : "?",
		    msg ? msg : "");
		return;
	}
	xasprintf(&text, "error from %s: %s: %s", from ? from : "?", code,
	    msg ? msg : "");
	/* A refused channel-listen of ours: to the clients on that channel. */
	if (svc_channel_refused(named, text)) {
		free(text);
		return;
	}
	if ((cl = client_by_user(user)) != NULL)
		event_deliver("error_received", svc_event(named, text), cl,
		    NULL);
	else
		log_warnx("%s (for %s)", text, user ? user : "the MUD");
	free(text);
}
