/*
 * cmd-history.c: channel history: the gateway's stored messages of a
 * channel, filtered, searched, and followed as they come (-f).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3ctl.h"

/* How often -f asks for what is new when no event wakes it (ms). */
#define HISTORY_POLL_MS	1000

/* One message: "time text" (text in the terminal's colours), or JSON. */
static int
cmd_history_print(struct ctl *ctl, const json_t *m)
{
	const char	*ts = json_string_value(json_object_get(m, "timestamp"));
	const char	*text = json_string_value(json_object_get(m, "text"));
	char		*s, stamp[20];

	if (ctl->json || ctl->filter != NULL)
		return (output_value(ctl, m));
	/* 2026-12-02T06:55:01.123Z -> 2026-12-02 06:55:01 */
	snprintf(stamp, sizeof stamp, "%s", ts != NULL ? ts : "");
	if (strlen(stamp) > 10)
		stamp[10] = ' ';
	s = output_colour(ctl, text != NULL ? text : "");
	printf("%s %s\n", stamp, s);
	free(s);
	return (CTL_OK);
}

/* Print a page of messages; *last gets the newest id seen. */
static int
cmd_history_page(struct ctl *ctl, const json_t *result, json_int_t *last)
{
	const json_t	*m;
	size_t		 i;
	int		 rc;

	json_array_foreach(json_object_get(result, "messages"), i, m) {
		if ((rc = cmd_history_print(ctl, m)) != CTL_OK)
			return (rc);
		*last = json_integer_value(json_object_get(m, "id"));
	}
	fflush(stdout);
	return (CTL_OK);
}

int
cmd_channel_history_exec(struct ctl *ctl, const struct cmd_entry *entry,
    struct cmd_args *a)
{
	json_t		*params, *result, *note, *p;
	const char	*s, *chan = a->argv[0];
	char		*end;
	json_int_t	 last = -1;
	long		 n;
	int		 rc, follow = args_has(a, 'f');

	if (!follow && ctl->timeout < 0)
		ctl_set_deadline(ctl, CTL_DEFAULT_TIMEOUT);
	params = json_pack("{s:s, s:s}", "channel", chan, "colour",
	    "pinkfish");
	if ((s = args_get(a, 'n')) != NULL) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0' || n <= 0 ||
		    n > 1000) {
			ctl_warnx("-n: bad limit: '%s' (1 to 1000)", s);
			json_decref(params);
			return (CTL_EUSAGE);
		}
		json_object_set_new(params, "limit", json_integer(n));
	}
	/* Times: seconds since the epoch, ISO 8601, or a duration ago. */
	if ((s = args_get(a, 's')) != NULL) {
		n = strtol(s, &end, 10);
		json_object_set_new(params, "since", *end == '\0' && end != s ?
		    json_integer(n) : json_string(s));
	}
	if ((s = args_get(a, 'u')) != NULL) {
		n = strtol(s, &end, 10);
		json_object_set_new(params, "until", *end == '\0' && end != s ?
		    json_integer(n) : json_string(s));
	}
	if ((s = args_get(a, 'g')) != NULL)
		json_object_set_new(params, "search", json_string(s));
	if ((s = args_get(a, 'U')) != NULL)
		json_object_set_new(params, "user", json_string(s));
	if ((s = args_get(a, 'm')) != NULL)
		json_object_set_new(params, "mud", json_string(s));
	if ((s = args_get(a, 'b')) != NULL) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || end == s || *end != '\0' || n < 0) {
			ctl_warnx("--before: bad id: '%s'", s);
			json_decref(params);
			return (CTL_EUSAGE);
		}
		json_object_set_new(params, "before_id", json_integer(n));
	}

	rc = ctl_call(ctl, entry->method, json_incref(params), &result);
	if (rc != CTL_OK) {
		json_decref(params);
		return (rc);
	}
	rc = cmd_history_page(ctl, result, &last);
	json_decref(result);
	if (rc != CTL_OK || !follow) {
		json_decref(params);
		return (rc);
	}

	/*
	 * -f: what comes next, as tail -f: every second, or at once when an
	 * event of the channel arrives, ask for the messages after the last.
	 */
	json_object_del(params, "before_id");
	json_object_del(params, "until");
	json_object_set_new(params, "limit", json_integer(1000));
	for (;;) {
		rc = client_next_event(ctl, ctl_now() + HISTORY_POLL_MS,
		    &note);
		if (rc == CLIENT_INTR)
			break;
		if (rc == CTL_OK)
			json_decref(note);
		else if (rc != CTL_ETIMEOUT)
			break;
		p = json_deep_copy(params);
		if (last >= 0)
			json_object_set_new(p, "after_id", json_integer(last));
		rc = ctl_call(ctl, entry->method, p, &result);
		if (rc != CTL_OK)
			break;
		rc = cmd_history_page(ctl, result, &last);
		json_decref(result);
		if (rc != CTL_OK)
			break;
	}
	json_decref(params);
	return (rc == CLIENT_INTR ? CTL_OK : rc);
}
