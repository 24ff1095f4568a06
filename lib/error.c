/*
 * error.c: error codes, their names, and filling struct i3_error.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "i3-int.h"

static const struct {
	const char	*name;
	const char	*text;
} i3_errtab[I3_NERRCODES] = {
	[I3_EOK] =	{ "I3_EOK",	"no error" },
	[I3_ESYNTAX] =	{ "I3_ESYNTAX",	"syntax" },
	[I3_EDEPTH] =	{ "I3_EDEPTH",	"too deep" },
	[I3_ETOOBIG] =	{ "I3_ETOOBIG",	"frame too big" },
	[I3_ELIMIT] =	{ "I3_ELIMIT",	"too many elements" },
	[I3_ERANGE] =	{ "I3_ERANGE",	"integer out of range" },
	[I3_ENUL] =	{ "I3_ENUL",	"NUL byte" },
	[I3_ETYPE] =	{ "I3_ETYPE",	"type not representable" },
	[I3_EFRAME] =	{ "I3_EFRAME",	"bad frame" },
	[I3_ENOMEM] =	{ "I3_ENOMEM",	"out of memory" },
	[I3_EPACKET] =	{ "I3_EPACKET",	"bad packet" },
	[I3_EINVAL] =	{ "I3_EINVAL",	"invalid argument" },
	[I3_ECOLOUR] =	{ "I3_ECOLOUR",	"unknown colour profile" },
	[I3_ECLIENT] =	{ "I3_ECLIENT",	"client error" },
};

/* One row per I3_RPC_* code of i3.h, in its order. */
static const struct {
	int		 code;
	const char	*text;
} i3_rpctab[] = {
	{ I3_RPC_PARSE,		"parse error" },
	{ I3_RPC_INVALID,	"invalid request" },
	{ I3_RPC_NOMETHOD,	"method not found" },
	{ I3_RPC_PARAMS,	"invalid params" },
	{ I3_RPC_INTERNAL,	"internal error" },
	{ I3_RPC_UNAVAILABLE,	"router unavailable" },
	{ I3_RPC_QUEUEFULL,	"queue full" },
	{ I3_RPC_TIMEOUT,	"timeout" },
	{ I3_RPC_REMOTE,	"remote I3 error" },
	{ I3_RPC_MUDDOWN,	"target MUD down" },
	{ I3_RPC_NOMUD,		"MUD not in the mudlist" },
	{ I3_RPC_SHUTDOWN,	"gateway shutting down" },
	{ I3_RPC_NOAUTH,	"not authenticated" },
	{ I3_RPC_FORBIDDEN,	"forbidden" },
	{ I3_RPC_RATELIMIT,	"rate limited" },
	{ I3_RPC_REFUSED,	"connection refused" },
	{ I3_RPC_NOSESSION,	"no such session" },
	{ I3_RPC_BUSY,		"busy" },
	{ I3_RPC_LOST,		"connection lost" },
	{ I3_RPC_CLIENT_TIMEOUT, "no answer in time" },
	{ I3_RPC_CLOSED,	"client closed" },
};

const char *
i3_rpc_strerror(int code)
{
	size_t	i;

	for (i = 0; i < sizeof i3_rpctab / sizeof i3_rpctab[0]; i++) {
		if (i3_rpctab[i].code == code)
			return (i3_rpctab[i].text);
	}
	return (NULL);
}

const char *
i3_strerror(enum i3_errcode code)
{
	if ((unsigned int)code >= I3_NERRCODES)
		return ("unknown error");
	return (i3_errtab[code].text);
}

const char *
i3_errname(enum i3_errcode code)
{
	if ((unsigned int)code >= I3_NERRCODES)
		return ("I3_E?");
	return (i3_errtab[code].name);
}

void
i3__seterr(i3_error *err, enum i3_errcode code, size_t offset,
    const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	err->code = code;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof err->text, fmt, ap);
	va_end(ap);
}

void
i3__limits(i3_limits *out, const i3_limits *in)
{
	out->max_frame = I3_DEFAULT_MAX_FRAME;
	out->max_depth = I3_DEFAULT_MAX_DEPTH;
	out->max_elements = I3_DEFAULT_MAX_ELEMENTS;
	if (in == NULL)
		return;
	if (in->max_frame != 0)
		out->max_frame = in->max_frame;
	if (in->max_depth != 0)
		out->max_depth = in->max_depth;
	if (in->max_elements != 0)
		out->max_elements = in->max_elements;
	/* Frames are length-prefixed with 32 bits; recursion is bounded. */
	if (out->max_frame > 0xffffffffU)
		out->max_frame = 0xffffffffU;
	if (out->max_depth > 1000)
		out->max_depth = 1000;
}
