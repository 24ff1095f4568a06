/*
 * fuzz-gw-filter.c: libFuzzer target for subscription filters: the first
 * line is the filter's JSON (as subscribe takes it), each further line an
 * event's params matched against it under every event name; what a filter
 * accepts must survive its JSON round trip (as a stored session's does)
 * and match the same.
 */

#include "fuzz-gw.h"

static const char *const fuzz_events[] = {
	"tell_received", "channel_message", "mud_online", "who_request", ""
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	struct filter	*f, *g;
	json_t		*spec, *back, *ev;
	char		 err[256];
	size_t		 i;

	if ((nl = memchr(p, '\n', size)) == NULL)
		nl = end;
	spec = json_loadb(p, nl - p, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    NULL);
	if (spec == NULL)
		return (0);
	f = filter_new(spec, err, sizeof err);
	json_decref(spec);
	if (f == NULL)
		return (0);
	back = filter_json(f);
	if ((g = filter_new(back, err, sizeof err)) == NULL)
		abort();
	json_decref(back);
	for (p = nl + 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		ev = json_loadb(p, nl - p, 0, NULL);
		if (ev == NULL)
			continue;
		for (i = 0; i < sizeof fuzz_events / sizeof *fuzz_events; i++) {
			if (filter_match(f, fuzz_events[i], ev) !=
			    filter_match(g, fuzz_events[i], ev))
				abort();
		}
		json_decref(ev);
	}
	filter_free(f);
	filter_free(g);
	return (0);
}
