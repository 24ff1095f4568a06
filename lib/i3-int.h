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
#define I3_PREFETCH(p)	__builtin_prefetch((p), 1)
#else
#define I3_PRINTF(a, b)
#define I3_LIKELY(x)	(x)
#define I3_UNLIKELY(x)	(x)
#define I3_PREFETCH(p)	((void)(p))
#endif

/* error.c */
void	i3__seterr(i3_error *, enum i3_errcode, size_t, const char *, ...)
	    I3_PRINTF(4, 5);
void	i3__limits(i3_limits *, const i3_limits *);

/* buf.c */
size_t	i3__utf8_valid(const unsigned char *, size_t);
int	i3__cp1252_to_utf8(i3_buf *, const unsigned char *, size_t);

/* The key under which a mapping with non-string keys is written in JSON. */
#define I3_PAIRS_KEY	"$lpc_mapping"

/* packet.c, schema.c: the packet schema table (see docs/PROTOCOL.md) */

/* The kind of value a field holds. */
enum i3__ftype {
	I3F_STR,	/* string (0 tolerated, with a warning, when lenient) */
	I3F_STR0,	/* string or 0 */
	I3F_INT,	/* int */
	I3F_MAP,	/* mapping (0 tolerated when lenient) */
	I3F_MAP0,	/* mapping or 0 */
	I3F_ARR,	/* array of anything */
	I3F_STRARR,	/* array of strings */
	I3F_ANY,	/* any value */
	I3F_ROUTERS,	/* startup-reply router list: [{name, host, port}] */
	I3F_MUDLIST,	/* mudlist info: name -> entry | 0 */
	I3F_CHANLIST,	/* chanlist channels: name -> {owner, type} | 0 */
	I3F_WHO,	/* who-reply who_data: [{visname, idle, extra}] */
	I3F_PACKET,	/* a nested packet (named where it parses) */
	I3F_PACKET0	/* a nested packet, or 0, or anything (error_packet) */
};

#define I3F_USER	0x01	/* a user name: lower-cased by i3_packet_build() */
#define I3F_OPT		0x02	/* may be absent without a warning */

struct i3__field {
	const char	*name;
	enum i3__ftype	 type;
	unsigned int	 flags;
	const char	*doc;
	size_t		 namelen;	/* strlen(name) */
};

#define I3T_NOHDR	0x01	/* no 6-element header (OOB link packets) */

struct i3__ptype {
	const char		*name;
	/*
	 * Header elements [3] [4] [5] (originator_user, target_mud,
	 * target_user): 's' a string, '0' must be 0, '.' either.
	 */
	const char		*hdr;
	unsigned int		 flags;
	const struct i3__field	*fields;
	size_t			 nfields;
	size_t			 oldform;	/* element count of an older form */
	const struct i3__ptype	*alt;		/* body used at alt's count */
	const char		*summary;
	const char		*example;	/* canonical LPC text */
	size_t			 namelen;	/* strlen(name) */
};

extern const struct i3__ptype	 i3__ptypes[];
extern const size_t		 i3__nptypes;
extern const struct i3__field	 i3__hdr_fields[6];
extern const struct i3__field	 i3__mud_fields[13];
extern const struct i3__field	 i3__chan_fields[2];
extern const struct i3__field	 i3__who_fields[3];
extern const struct i3__field	 i3__router_fields[4];

const struct i3__ptype	*i3__ptype_find(const char *, size_t);
const char		*i3__ftype_name(enum i3__ftype);

#endif /* I3_INT_H */
