/*
 * buf.c: libi3's growable byte buffer (i3_buf) and its text checks:
 * UTF-8 validation and CP1252 -> UTF-8 re-coding.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "i3-int.h"

/* ------------------------------------------------------------ i3_buf */

void
i3_buf_init(i3_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->size = 0;
}

void
i3_buf_free(i3_buf *b)
{
	free(b->data);
	i3_buf_init(b);
}

int
i3_buf_reserve(i3_buf *b, size_t more)
{
	size_t	 need, size;
	char	*p;

	if (more > SIZE_MAX - b->len - 1)
		return (-1);
	need = b->len + more + 1;	/* room for a terminating NUL */
	if (need <= b->size)
		return (0);
	size = b->size ? b->size : 256;
	while (size < need) {
		if (size > SIZE_MAX / 2) {
			size = need;
			break;
		}
		size *= 2;
	}
	if ((p = realloc(b->data, size)) == NULL)
		return (-1);
	b->data = p;
	b->size = size;
	return (0);
}

int
i3_buf_add(i3_buf *b, const void *p, size_t n)
{
	if (i3_buf_reserve(b, n) == -1)
		return (-1);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (0);
}

/* ------------------------------------------------------ UTF-8, CP1252 */

/*
 * Length of the valid UTF-8 prefix of s (so == n when all of it is valid).
 * Overlong forms, surrogates and code points past U+10FFFF are invalid.
 */
size_t
i3__utf8_valid(const unsigned char *s, size_t n)
{
	size_t	i = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return (i);
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
			if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return (i);
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
			if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return (i);
			i += 4;
		} else
			return (i);
	}
	return (i);
}

/* CP1252's 0x80-0x9f; the five holes keep their Latin-1 (C1) value. */
static const unsigned short cp1252_hi[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

int
i3__cp1252_to_utf8(i3_buf *out, const unsigned char *s, size_t n)
{
	size_t	i;
	char	*p;

	if (i3_buf_reserve(out, n * 3) == -1)
		return (-1);
	p = out->data + out->len;
	for (i = 0; i < n; i++) {
		unsigned int c = s[i];

		if (c >= 0x80 && c < 0xa0)
			c = cp1252_hi[c - 0x80];
		if (c < 0x80)
			*p++ = (char)c;
		else if (c < 0x800) {
			*p++ = (char)(0xc0 | (c >> 6));
			*p++ = (char)(0x80 | (c & 0x3f));
		} else {
			*p++ = (char)(0xe0 | (c >> 12));
			*p++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*p++ = (char)(0x80 | (c & 0x3f));
		}
	}
	out->len = (size_t)(p - out->data);
	out->data[out->len] = '\0';
	return (0);
}
