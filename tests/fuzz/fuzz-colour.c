/*
 * fuzz-colour.c: libFuzzer target for Pinkfish and colour codes: text in
 * any profile parsed to Pinkfish, rendered to every profile, sanitised,
 * measured; no rendered text may hold a control byte but newline, the ESC
 * of the ANSI profiles and the TAB of TBA's.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_clean(const char *s, size_t n, int profile)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c >= 0x20 || (c == 0x1b &&
		    (profile == I3_COLOUR_ANSI || profile == I3_COLOUR_XTERM256)))
			continue;
		/* TBA's codes are a TAB and a letter. */
		if (c == '\t' && profile == I3_COLOUR_TBA)
			continue;
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*text;
	char		*pf, *out, *s;
	size_t		 len, pflen, outlen, n;
	int		 from, to;

	if (size < 1)
		return (0);
	from = data[0] % I3_COLOUR_NPROFILES;
	text = (const char *)data + 1;
	len = size - 1;

	pf = i3_colour_parse(text, len, from, &pflen, NULL);
	for (to = 0; to < I3_COLOUR_NPROFILES; to++) {
		out = i3_colour_render(text, len, to, &outlen, NULL);
		if (out != NULL) {
			if (to != I3_COLOUR_NONE)
				check_clean(out, outlen, to);
			free(out);
		}
		out = i3_colour_convert(text, len, from, to, &outlen, NULL);
		free(out);
		(void)i3_text_width(text, len, to);
	}
	if (pf != NULL) {
		/* Pinkfish out of a parse renders and parses back the same. */
		out = i3_colour_render(pf, pflen, I3_COLOUR_PINKFISH, &outlen,
		    NULL);
		if (out != NULL) {
			check_clean(out, outlen, I3_COLOUR_PINKFISH);
			s = i3_colour_parse(out, outlen, I3_COLOUR_PINKFISH, &n,
			    NULL);
			free(s);
			free(out);
		}
		free(pf);
	}
	s = i3_text_sanitize(text, len, I3_SAN_ONELINE, &n, NULL);
	if (s != NULL) {
		check_clean(s, n, I3_COLOUR_PLAIN);
		if (memchr(s, '\n', n) != NULL)
			abort();
		free(s);
	}
	/* A C string for the emote tokens. */
	if ((out = malloc(len + 1)) != NULL) {
		memcpy(out, text, len);
		out[len] = '\0';
		s = i3_emote_expand(out, "Bob@Alpha", NULL);
		free(s);
		free(out);
	}
	return (0);
}
