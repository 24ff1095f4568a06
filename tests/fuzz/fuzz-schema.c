/*
 * fuzz-schema.c: libFuzzer target for packet schema validation, both
 * ways: an LPC value (raw) validated leniently and strictly, turned into
 * the named form and back, which must give the same array; a JSON object
 * (named) turned raw strictly must read back named.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
raw_way(const char *s, size_t n)
{
	i3_limits	 lim = { 0, 32, 4096 };
	json_t		*raw, *named, *back, *warn = NULL;

	if ((raw = i3_lpc_decode(s, n, 0, &lim, NULL)) == NULL)
		return;
	(void)i3_packet_validate(raw, I3_PKT_STRICT, NULL, NULL);
	(void)i3_packet_validate(raw, I3_PKT_LENIENT, &warn, NULL);
	json_decref(warn);
	warn = NULL;
	(void)i3_packet_type(raw);
	named = i3_packet_named(raw, I3_PKT_LENIENT, &warn, NULL);
	json_decref(warn);
	if (named != NULL) {
		(void)i3_pkt_str(named, "originator_mud");
		(void)i3_pkt_int(named, "ttl", 0);
		back = i3_packet_raw(named, I3_PKT_LENIENT, NULL);
		if (back == NULL || !json_equal(back, raw))
			abort();
		json_decref(back);
		json_decref(named);
	}
	json_decref(raw);
}

static void
named_way(const char *s, size_t n)
{
	json_t	*named, *raw, *again, *built;

	if ((named = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return;
	/* Lenient: anything, no promise (a 5 where a mudlist entry goes). */
	raw = i3_packet_raw(named, I3_PKT_LENIENT, NULL);
	if (raw != NULL) {
		again = i3_packet_named(raw, I3_PKT_LENIENT, NULL, NULL);
		json_decref(again);
		json_decref(raw);
	}
	/* Strict: what comes out must read back. */
	raw = i3_packet_raw(named, I3_PKT_STRICT, NULL);
	if (raw != NULL) {
		again = i3_packet_named(raw, I3_PKT_STRICT, NULL, NULL);
		if (again == NULL)
			abort();
		json_decref(again);
		json_decref(raw);
	}
	if (json_is_string(json_object_get(named, "type"))) {
		built = i3_packet_build(json_string_value(json_object_get(named,
		    "type")), named, NULL);
		if (built != NULL &&
		    i3_packet_validate(built, I3_PKT_STRICT, NULL, NULL) != 0)
			abort();
		json_decref(built);
	}
	json_decref(named);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return (0);
	if (data[0] & 1)
		named_way((const char *)data + 1, size - 1);
	else
		raw_way((const char *)data + 1, size - 1);
	return (0);
}
