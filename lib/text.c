/*
 * text.c: text layout on top of the colour model: sanitising remote text,
 * its width in columns, word wrapping with colour carried over, and emote
 * expansion.
 */

#include <stdlib.h>
#include <string.h>

#include "i3-int.h"
#include "colour-int.h"

static size_t	 cp_width(unsigned int);

/* Columns of one code point (a short wcwidth() without the locale). */
static size_t
cp_width(unsigned int c)
{
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || c == 0xad)
		return (0);
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return (2);
	return (1);
}

/* Columns of UTF-8 text without control bytes; a stray byte counts 1. */
size_t
i3__utf8_width(const unsigned char *s, size_t n)
{
	size_t		 i = 0, w = 0, k, len;
	unsigned int	 c;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			w++;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			c &= 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			c &= 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			c &= 0x07;
		} else {
			w++;
			i++;
			continue;
		}
		if (i + len > n) {
			w++;
			i++;
			continue;
		}
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				break;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (k < len) {
			w++;
			i++;
			continue;
		}
		w += cp_width(c);
		i += len;
	}
	return (w);
}

char *
i3_text_sanitize(const char *text, size_t len, unsigned int flags,
    size_t *outlen, i3_error *err)
{
	struct writer	 w;
	struct conv	 cv;

	if (text == NULL && len != 0) {
		i3__seterr(err, I3_EINVAL, 0, "no text");
		return (NULL);
	}
	i3__w_init(&w, I3_COLOUR_PLAIN, 0);
	w.oneline = (flags & I3_SAN_ONELINE) != 0;
	memset(&cv, 0, sizeof cv);
	cv.w = &w;
	cv.from = I3_COLOUR_PLAIN;
	i3__convert(&cv, (const unsigned char *)text, len);
	return (i3__w_result(&w, outlen, err));
}

size_t
i3_text_width(const char *text, size_t len, int profile)
{
	struct writer	 w;
	struct conv	 cv;

	if (profile < 0 || profile >= I3_COLOUR_NPROFILES)
		return ((size_t)-1);
	if (text == NULL)
		return (0);
	if (profile == I3_COLOUR_NONE)
		profile = I3_COLOUR_PLAIN;
	i3__w_init(&w, I3_COLOUR_PLAIN, 1);
	w.measure = 1;
	memset(&cv, 0, sizeof cv);
	cv.w = &w;
	cv.from = profile;
	i3__convert(&cv, (const unsigned char *)text, len);
	return (w.maxcol);
}

char *
i3_text_wrap(const char *text, size_t len, int profile, size_t width,
    size_t *outlen, i3_error *err)
{
	struct writer		 q;
	const struct pf_code	*c;
	i3_buf			 word;
	struct cstate		 cur = i3__cs_default, wstart = i3__cs_default;
	const unsigned char	*s;
	char			*pf, *out;
	size_t			 n, i, e, col = 0, sp = 0, ww = 0, k;
	int			 src;

	if (!i3__profile_ok(profile, err))
		return (NULL);
	src = profile == I3_COLOUR_NONE ? I3_COLOUR_PLAIN : profile;
	if ((pf = i3_colour_convert(text, len, src, I3_COLOUR_PINKFISH, &n,
	    err)) == NULL)
		return (NULL);
	i3__w_init(&q, I3_COLOUR_PINKFISH, 1);
	i3_buf_init(&word);
	s = (const unsigned char *)pf;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != ' ' && s[i] != '\n') {
			if (word.len == 0)
				wstart = cur;
			if (s[i] == '%' && i + 3 < n && s[i + 1] == '%' &&
			    s[i + 2] == '^' && s[i + 3] == '^') {
				if (i3_buf_add(&word, s + i, 4) == -1)
					q.nomem = 1;
				ww += 2;
				i += 3;
				continue;
			}
			if (s[i] == '%' && i + 1 < n && s[i + 1] == '^') {
				/* normalised: every token is %^NAME%^ */
				for (e = i + 2; e + 1 < n && !(s[e] == '%' &&
				    s[e + 1] == '^'); e++)
					;
				if (e + 1 < n) {
					if ((c = i3__pf_lookup(s + i + 2,
					    e - i - 2)) != NULL)
						i3__cs_apply(&cur, c, 0);
					if (i3_buf_add(&word, s + i,
					    e + 2 - i) == -1)
						q.nomem = 1;
					i = e + 1;
					continue;
				}
			}
			for (k = i; k < n && s[k] != ' ' && s[k] != '\n' &&
			    s[k] != '%'; k++)
				;
			if (k == i)
				k++;
			if (i3_buf_add(&word, s + i, k - i) == -1)
				q.nomem = 1;
			ww += i3__utf8_width(s + i, k - i);
			i = k - 1;
			continue;
		}
		/* a space, a newline or the end: place the word */
		if (word.len != 0) {
			if (col > 0 && col + sp + ww > width) {
				i3__w_put(&q, "\n", 1);
				i3__t_pinkfish(&q, &i3__cs_default, &wstart);
				col = 0;
			} else {
				col += sp;
				for (; sp > 0; sp--)
					i3__w_put(&q, " ", 1);
			}
			i3__w_put(&q, word.data, word.len);
			col += ww;
			word.len = 0;
			ww = sp = 0;
		}
		if (i < n && s[i] == ' ')
			sp++;
		else if (i < n) {
			i3__w_put(&q, "\n", 1);
			col = sp = 0;
			cur = i3__cs_default;
		}
	}
	i3_buf_free(&word);
	free(pf);
	if ((pf = i3__w_result(&q, &n, err)) == NULL)
		return (NULL);
	out = i3_colour_convert(pf, n, I3_COLOUR_PINKFISH,
	    profile == I3_COLOUR_NONE ? I3_COLOUR_PLAIN : profile, outlen, err);
	free(pf);
	return (out);
}

char *
i3_emote_expand(const char *text, const char *n, const char *o)
{
	i3_buf		 b;
	const char	*p, *r;

	if (text == NULL)
		return (NULL);
	i3_buf_init(&b);
	if (i3_buf_add(&b, "", 0) == -1)
		return (NULL);
	for (p = text; *p != '\0'; p++) {
		r = NULL;
		if (p[0] == '$' && p[1] == 'N')
			r = n;
		else if (p[0] == '$' && p[1] == 'O')
			r = o;
		if (r != NULL) {
			if (i3_buf_add(&b, r, strlen(r)) == -1)
				goto fail;
			p++;
		} else if (i3_buf_add(&b, p, 1) == -1)
			goto fail;
	}
	return (b.data);
fail:
	i3_buf_free(&b);
	return (NULL);
}
