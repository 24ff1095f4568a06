/*
 * i3-int.h: declarations private to libi3.
 */

#ifndef I3_INT_H
#define I3_INT_H

#include "i3.h"

#if defined(__GNUC__)
#define I3_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define I3_LIKELY(x)	__builtin_expect(!!(x), 1)
#define I3_UNLIKELY(x)	__builtin_expect(!!(x), 0)
#else
#define I3_PRINTF(a, b)
#define I3_LIKELY(x)	(x)
#define I3_UNLIKELY(x)	(x)
#endif

/* error.c */
void	i3__seterr(i3_error *, enum i3_errcode, size_t, const char *, ...)
	    I3_PRINTF(4, 5);
void	i3__limits(i3_limits *, const i3_limits *);

/* lpc.c */
size_t	i3__utf8_valid(const unsigned char *, size_t);
int	i3__cp1252_to_utf8(i3_buf *, const unsigned char *, size_t);

/* The key under which a mapping with non-string keys is written in JSON. */
#define I3_PAIRS_KEY	"$lpc_mapping"

#endif /* I3_INT_H */
