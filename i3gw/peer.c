/*
 * peer.c: the colour codes a peer MUD's text carries.  A Smaug-family MUD
 * writes SMAUG codes (&Y) beside Pinkfish, a ROM one {r, ...: the sending
 * MUD's mudlist entry (base_mudlib, mudlib, driver) or its [peer NAME]
 * colour picks the family, and every text field of every packet it sends
 * has that family's codes turned into Pinkfish before anything reads it
 * (docs/PROTOCOL.md 5.4).  Pinkfish already there is kept as it is.
 */

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i3gw.h"

/* [peer NAME] colour: these names, in this order (config.c's CK_ENUM). */
const char *const peer_colours[] = {
	"auto", "pinkfish", "smaug", "rom", "tba", "circle", NULL
};
static const int peer_profiles[] = {
	-1, I3_COLOUR_PINKFISH, I3_COLOUR_SMAUG, I3_COLOUR_ROM, I3_COLOUR_TBA,
	I3_COLOUR_CIRCLE
};

/*
 * Mudlib and driver names of each family, matched at the start of a word
 * (any case); whole: the word must end there too ("ROM 2.4", not "Romance").
 */
static const struct {
	const char	*word;
	int		 whole;
	int		 profile;
} peer_families[] = {
	{ "smaug", 0, I3_COLOUR_SMAUG },	/* Smaug, SmaugFUSS */
	{ "afkmud", 0, I3_COLOUR_SMAUG },
	{ "swfote", 0, I3_COLOUR_SMAUG },
	{ "swr", 1, I3_COLOUR_SMAUG },
	{ "rom", 1, I3_COLOUR_ROM },
	{ "quickmud", 0, I3_COLOUR_ROM },
	{ "tbamud", 0, I3_COLOUR_TBA },
	{ "circlemud", 0, I3_COLOUR_CIRCLE },
};

/* Header and name fields: identifiers, never text. */
static const char *const peer_names[] = {
	"type", "originator_mud", "originator_user", "target_mud",
	"target_user", "channel", "username", "targ_mud", "targ_user",
	"located_mud", "error_code", "error_packet", "packet", NULL
};

static int	 peer_family(const char *);
static json_t	*peer_value(const json_t *, int, int *);
static char	*peer_text(const char *, size_t, int, size_t *);

/* The family a mudlib or driver name names at the start of a word, or -1. */
static int
peer_family(const char *s)
{
	const char	*p;
	size_t		 j, n;

	for (p = s; *p != '\0'; p++) {
		if ((p > s && isalnum((unsigned char)p[-1])) ||
		    !isalpha((unsigned char)*p))
			continue;
		for (j = 0; j < sizeof peer_families /
		    sizeof peer_families[0]; j++) {
			n = strlen(peer_families[j].word);
			if (strncasecmp(p, peer_families[j].word, n) == 0 &&
			    (!peer_families[j].whole ||
			    !isalpha((unsigned char)p[n])))
				return (peer_families[j].profile);
		}
	}
	return (-1);
}

/* The profile of a MUD's text: I3_COLOUR_PINKFISH when nothing else. */
int
peer_colour(const char *mud)
{
	const struct peer_conf	*pc = config_peer(gw.conf, mud);
	static const char *const fields[] = {
		"base_mudlib", "mudlib", "driver"
	};
	const json_t	*e;
	const char	*s;
	size_t		 i;
	int		 f;

	if (pc != NULL && peer_profiles[pc->colour] != -1)
		return (peer_profiles[pc->colour]);
	if (mud == NULL || (e = json_object_get(svc_mudlist_muds(), mud)) ==
	    NULL)
		return (I3_COLOUR_PINKFISH);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if ((s = json_string_value(json_object_get(e, fields[i]))) !=
		    NULL && (f = peer_family(s)) != -1)
			return (f);
	}
	return (I3_COLOUR_PINKFISH);
}

/*
 * One string: the profile's codes to Pinkfish between the Pinkfish tokens
 * already there (%^NAME%^), which are kept.  NULL when out of memory.
 */
static char *
peer_text(const char *s, size_t len, int profile, size_t *outlen)
{
	i3_buf		 b;
	char		*t;
	size_t		 i = 0, start = 0, k, tl;

	i3_buf_init(&b);
	while (i <= len) {
		k = 0;
		if (i + 1 < len && s[i] == '%' && s[i + 1] == '^') {
			for (k = i + 2; k < len && (isalnum((unsigned char)
			    s[k]) || s[k] == '_'); k++)
				;
			if (k + 1 < len && s[k] == '%' && s[k + 1] == '^')
				k += 2;
			else
				k = 0;
		}
		if (k == 0 && i < len) {
			i++;
			continue;
		}
		if (i > start) {
			t = i3_colour_parse(s + start, i - start, profile, &tl,
			    NULL);
			if (t == NULL || i3_buf_add(&b, t, tl) == -1) {
				free(t);
				i3_buf_free(&b);
				return (NULL);
			}
			free(t);
		}
		if (k == 0)
			break;
		if (i3_buf_add(&b, s + i, k - i) == -1) {
			i3_buf_free(&b);
			return (NULL);
		}
		i = start = k;
	}
	if (i3_buf_add(&b, "", 1) == -1) {
		i3_buf_free(&b);
		return (NULL);
	}
	*outlen = b.len - 1;
	return (b.data);
}

/* v with its text translated (new), or NULL when it stays as it is. */
static json_t *
peer_value(const json_t *v, int profile, int *changed)
{
	const char	*key;
	json_t		*o, *e, *n;
	char		*t;
	size_t		 i, tl;
	int		 c = 0;

	if (json_is_string(v)) {
		t = peer_text(json_string_value(v), json_string_length(v),
		    profile, &tl);
		if (t == NULL)
			return (NULL);
		if (tl != json_string_length(v) ||
		    memcmp(t, json_string_value(v), tl) != 0) {
			*changed = 1;
			n = json_stringn(t, tl);
		} else
			n = NULL;
		free(t);
		return (n);
	}
	if (json_is_array(v)) {
		o = json_array();
		json_array_foreach(v, i, e) {
			n = peer_value(e, profile, &c);
			json_array_append_new(o, n != NULL ? n :
			    json_incref((json_t *)e));
		}
	} else if (json_is_object(v)) {
		o = json_object();
		json_object_foreach((json_t *)v, key, e) {
			n = NULL;
			for (i = 0; peer_names[i] != NULL; i++) {
				if (strcmp(key, peer_names[i]) == 0)
					break;
			}
			if (peer_names[i] == NULL)
				n = peer_value(e, profile, &c);
			json_object_set_new(o, key, n != NULL ? n :
			    json_incref((json_t *)e));
		}
	} else
		return (NULL);
	if (!c) {
		json_decref(o);
		return (NULL);
	}
	*changed = 1;
	return (o);
}

/*
 * A packet from a MUD whose text carries another family's codes: a copy
 * with them turned into Pinkfish (new), or NULL when there is nothing to do.
 */
json_t *
peer_incoming(const json_t *named)
{
	const char	*omud = i3_pkt_str(named, "originator_mud");
	int		 profile, changed = 0;

	if (omud == NULL || *omud == '*' ||
	    strcmp(omud, gw.conf->mud_name) == 0)
		return (NULL);
	profile = peer_colour(omud);
	if (profile == I3_COLOUR_PINKFISH || profile == I3_COLOUR_NONE)
		return (NULL);
	return (peer_value(named, profile, &changed));
}

/*
 * A reply of ours, in place, for the MUD it goes to: Samson's i3.c (the
 * Diku families, told apart by their mudlist entry as above) prints every
 * field of a finger-reply and a who row as it is, so a 0 we left there for
 * privacy reads "Title: 0"; there the fields it prints are "" instead.
 * LP clients (Dead Souls: "Email: Confidential") keep the 0.
 */
void
peer_reply(json_t *raw)
{
	static const size_t	 finger[] = { 7, 9, 10, 13, 14 };
	const char		*type = json_string_value(json_array_get(raw,
				    0));
	json_t			*rows, *row;
	size_t			 i;

	if (type == NULL || peer_colour(json_string_value(json_array_get(raw,
	    4))) == I3_COLOUR_PINKFISH)
		return;
	if (strcmp(type, "finger-reply") == 0) {
		for (i = 0; i < sizeof finger / sizeof finger[0]; i++) {
			if (json_is_integer(json_array_get(raw, finger[i])))
				json_array_set_new(raw, finger[i],
				    json_string(""));
		}
	} else if (strcmp(type, "who-reply") == 0) {
		rows = json_array_get(raw, 6);
		json_array_foreach(rows, i, row) {
			if (json_is_integer(json_array_get(row, 2)))
				json_array_set_new(row, 2, json_string(""));
		}
	}
}
