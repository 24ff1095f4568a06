/*
 * i3.h: the public interface of libi3, the Intermud-3 codec.
 *
 * libi3 turns LPC "MudMode" text into jansson values and back, frames and
 * unframes MudMode packets, names every I3 packet's fields, and translates
 * Pinkfish colour.  It links jansson only.  It never prints, exits or aborts:
 * every failure is returned, with details in a caller-owned struct i3_error.
 *
 * Conventions, in jansson's terms:
 *  - a returned json_t * is a new reference the caller must json_decref();
 *  - a const json_t * argument is borrowed;
 *  - a returned char * is the caller's, released with free();
 *  - functions returning a pointer return NULL on error, functions returning
 *    int return 0 (or a count) on success and -1 on error;
 *  - an i3_error * argument may be NULL.
 */

#ifndef I3_H
#define I3_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define I3_API __attribute__((visibility("default")))
#else
#define I3_API
#endif

#define I3_VERSION		"0.1.0"
#define I3_VERSION_NUM		0x000100

/* ---------------------------------------------------------------- error.c */

/* What went wrong.  Stable numbers: they appear in i3codec's output. */
enum i3_errcode {
	I3_EOK = 0,
	I3_ESYNTAX,	/* malformed LPC text */
	I3_EDEPTH,	/* nesting deeper than the limit */
	I3_ETOOBIG,	/* frame length over the limit */
	I3_ELIMIT,	/* more container elements than the limit */
	I3_ERANGE,	/* integer beyond 64 bits */
	I3_ENUL,	/* NUL byte inside a value */
	I3_ETYPE,	/* a JSON value LPC cannot carry (or a float, unless allowed) */
	I3_EFRAME,	/* zero frame length, or bytes after the value */
	I3_ENOMEM,	/* out of memory */
	I3_EPACKET,	/* packet does not match its schema */
	I3_EINVAL,	/* bad argument from the caller */
	I3_ECOLOUR,	/* unknown colour profile */
	I3_ECLIENT,	/* client API: gateway gone, queue full, ... */
	I3_NERRCODES
};

/* Filled on failure.  offset is a byte offset into the input given. */
typedef struct i3_error {
	enum i3_errcode	code;
	size_t		offset;
	char		text[160];
} i3_error;

/* A short constant name for a code: "syntax", "depth", ...; never NULL. */
I3_API const char	*i3_strerror(enum i3_errcode);
/* The symbolic name of a code: "I3_ESYNTAX", ...; never NULL. */
I3_API const char	*i3_errname(enum i3_errcode);

/* ------------------------------------------------------------------ lpc.c */

/*
 * Limits for everything parsed.  A zero field means the default.  These bound
 * memory before it grows: a frame longer than max_frame is refused from its
 * length alone; a container is refused at its (max_elements + 1)th element.
 */
typedef struct i3_limits {
	size_t		max_frame;	/* payload bytes (NUL counted) */
	unsigned int	max_depth;	/* nested arrays/mappings */
	size_t		max_elements;	/* elements or pairs in one container */
} i3_limits;

#define I3_DEFAULT_MAX_FRAME	(2U * 1024 * 1024)	/* i3-protocol.md 7 */
#define I3_DEFAULT_MAX_DEPTH	100			/* FluffOS's own */
#define I3_DEFAULT_MAX_ELEMENTS	65536

/* Decoder flags. */
#define I3_DEC_STRICT	0x01	/* accept only the canonical form */
#define I3_DEC_PARTIAL	0x02	/* allow bytes after the value (see endp) */

/*
 * Decode LPC text (one value) to JSON.  Lenient by default: whitespace between
 * tokens, missing trailing commas, empty elements as 0, \X as X, raw CR as
 * LF, (/ ... /) classes as arrays, floats, one trailing NUL or CR.  Strings
 * that are not valid UTF-8 are re-coded from CP1252/Latin-1.  Mappings whose
 * keys are all strings become objects; any other mapping becomes
 * {"$lpc_mapping": [[key, value], ...]} (docs/PROTOCOL.md).  lim may be NULL.
 */
I3_API json_t	*i3_lpc_decode(const char *buf, size_t len, unsigned int flags,
		    const i3_limits *lim, i3_error *err);
/* As i3_lpc_decode(); with I3_DEC_PARTIAL, *endp gets the offset after the value. */
I3_API json_t	*i3_lpc_decode_ex(const char *buf, size_t len, unsigned int flags,
		    const i3_limits *lim, size_t *endp, i3_error *err);

/* Encoder flags. */
#define I3_ENC_FLOATS	0x01	/* write reals as %f instead of failing I3_ETYPE */
#define I3_ENC_PRETTY	0x02	/* indented, for reading (not for the wire) */
#define I3_ENC_NULOK	0x04	/* drop NULs in strings instead of failing I3_ENUL */

/*
 * Encode JSON as canonical FluffOS LPC text: no whitespace, a comma after
 * every element and pair, LF written as a raw CR byte, CR as backslash-CR,
 * only " and \ escaped otherwise, null and false as 0, true as 1.  The result
 * is NUL-terminated; *lenp (if not NULL) gets its length without the NUL.
 */
I3_API char	*i3_lpc_encode(const json_t *, unsigned int flags, size_t *lenp,
		    i3_error *err);

/* A growable byte buffer the encoder can append to (no copy when framing). */
typedef struct i3_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
} i3_buf;

I3_API void	 i3_buf_init(i3_buf *);
I3_API void	 i3_buf_free(i3_buf *);
I3_API int	 i3_buf_reserve(i3_buf *, size_t more);
I3_API int	 i3_buf_add(i3_buf *, const void *, size_t);
/* Append the encoding of a value; 0 or -1 (the buffer is left as it was). */
I3_API int	 i3_lpc_encode_buf(i3_buf *, const json_t *, unsigned int flags,
		    i3_error *err);

/* ------------------------------------------------------------- mudmode.c */

/*
 * One MudMode frame: a 4-byte big-endian length, the canonical text, a NUL;
 * the length counts the NUL.  *lenp gets the whole frame's size.
 */
I3_API char	*i3_frame(const json_t *, unsigned int flags, size_t *lenp,
		    i3_error *err);
/* Append one frame to a buffer; 0 or -1 (the buffer is left as it was). */
I3_API int	 i3_frame_buf(i3_buf *, const json_t *, unsigned int flags,
		    i3_error *err);

/*
 * The streaming reader: feed it bytes as they come, in chunks of any size,
 * and pull whole values out.  A framing error (zero or over-limit length) is
 * final: the stream cannot be resynchronised and the caller should close the
 * connection.  A value error inside a well-framed packet is not: the frame
 * is skipped and the next call goes on with the following frame.
 */
typedef struct i3_reader i3_reader;

I3_API i3_reader	*i3_reader_new(const i3_limits *lim);
I3_API void		 i3_reader_free(i3_reader *);
/* Buffer more bytes; 0, or -1 with I3_ENOMEM or a framing error. */
I3_API int		 i3_reader_feed(i3_reader *, const void *, size_t,
			    i3_error *err);
/*
 * Take the next whole value: 1 and *out set (a new reference), 0 when more
 * bytes are needed, -1 on error (err->offset is the offset in the stream).
 */
I3_API int		 i3_reader_next(i3_reader *, json_t **out, i3_error *err);
/*
 * Framing alone: 1 and the payload of the next frame (without its trailing
 * NUL or CR), valid until the next call on the reader; 0 or -1 as above.
 */
I3_API int		 i3_reader_next_frame(i3_reader *, const char **payload,
			    size_t *len, i3_error *err);
/* Stream offset of the start of the frame last returned. */
I3_API uint64_t		 i3_reader_frame_offset(const i3_reader *);
/* Bytes fed but not yet returned. */
I3_API size_t		 i3_reader_pending(const i3_reader *);
/* 1 once a framing error has happened; every later call fails. */
I3_API int		 i3_reader_failed(const i3_reader *);

/* -------------------------------------------------------------- packet.c */
/*
 * The packet schema: every I3 packet type's fields by name, and the two-way
 * mapping between the positional LPC array ("raw") and a named JSON object
 * ("named"), e.g. {"type":"tell","ttl":5,"originator_mud":"A",
 * "originator_user":"bob","target_mud":"B","target_user":"ann",
 * "orig_visname":"Bob","message":"hi"}.  docs/PROTOCOL.md lists every field.
 */

#define I3_PKT_LENIENT	0x00	/* what we receive: deviations are warnings */
#define I3_PKT_STRICT	0x01	/* what we send: exact counts and types */

/*
 * raw array -> named object.  Unknown types and extra trailing elements are
 * kept (see docs/PROTOCOL.md) so that i3_packet_raw() gives back the same
 * array.  *warnings (if not NULL) gets a new array of strings, one per
 * deviation tolerated in lenient mode, or NULL when there were none.
 */
I3_API json_t	*i3_packet_named(const json_t *raw, unsigned int flags,
		    json_t **warnings, i3_error *err);
/* named object -> raw array, the exact inverse of i3_packet_named(). */
I3_API json_t	*i3_packet_raw(const json_t *named, unsigned int flags,
		    i3_error *err);
/* Check a raw packet against its schema; 0 or -1, warnings as above. */
I3_API int	 i3_packet_validate(const json_t *raw, unsigned int flags,
		    json_t **warnings, i3_error *err);
/*
 * Build a raw packet ready to send from the named fields given (borrowed):
 * ttl 5, absent fields 0, user-name fields lower-cased, strictly validated.
 */
I3_API json_t	*i3_packet_build(const char *type, const json_t *fields,
		    i3_error *err);
/* The type of a raw array or named object (borrowed), or NULL. */
I3_API const char *i3_packet_type(const json_t *);
/* A named field that is a string (borrowed), or NULL when 0 or absent. */
I3_API const char *i3_pkt_str(const json_t *named, const char *field);
/* A named field that is an int, or dflt. */
I3_API json_int_t i3_pkt_int(const json_t *named, const char *field,
		    json_int_t dflt);
/* The schema of one type (or of all, for NULL) as JSON, or NULL. */
I3_API json_t	*i3_schema_json(const char *type);

/* -------------------------------------------------------------- colour.c */
/*
 * Pinkfish colour (%^RED%^...%^RESET%^) to and from every MUD's codes.
 */

enum i3_colour_profile {
	I3_COLOUR_PINKFISH = 0,	/* Pinkfish itself, normalised */
	I3_COLOUR_ANSI,		/* ANSI SGR, 16 colours */
	I3_COLOUR_XTERM256,	/* ANSI SGR, xterm 256 colours */
	I3_COLOUR_PLAIN,	/* codes stripped */
	I3_COLOUR_HTML,		/* escaped HTML with spans */
	I3_COLOUR_SMAUG,	/* SMAUG/AFKMud & ^ } */
	I3_COLOUR_ROM,		/* ROM/Lope { */
	I3_COLOUR_TBA,		/* tbaMUD \t */
	I3_COLOUR_CIRCLE,	/* CircleMUD @ */
	I3_COLOUR_NONE,		/* untouched: no translation at all */
	I3_COLOUR_NPROFILES
};

/* A profile by name ("ansi", "xterm256", ...); -1 when unknown. */
I3_API int	 i3_colour_profile(const char *name);
/* The name of a profile; never NULL. */
I3_API const char *i3_colour_profile_name(int profile);
/*
 * Pinkfish text -> the profile's codes.  Remote control bytes are stripped
 * first; every line ends with a reset where colour is open.
 */
I3_API char	*i3_colour_render(const char *text, size_t len, int profile,
		    size_t *outlen, i3_error *err);
/* The profile's codes -> Pinkfish, for text going to the network. */
I3_API char	*i3_colour_parse(const char *text, size_t len, int profile,
		    size_t *outlen, i3_error *err);
/*
 * Replace $N and $O in an emote by the given names (e.g. "Bob@Alpha");
 * NULL leaves that token as it is.
 */
I3_API char	*i3_emote_expand(const char *text, const char *n,
		    const char *o);
/*
 * Any profile -> any other (through the Pinkfish model).  Control bytes and
 * escape sequences are stripped; when from is I3_COLOUR_PINKFISH colour ends
 * at each newline, otherwise it carries on to the next line (and is closed
 * and reopened around the newline).  I3_COLOUR_NONE on either side copies
 * the text unchanged.  See docs/COLOUR.md.
 */
I3_API char	*i3_colour_convert(const char *text, size_t len, int from,
		    int to, size_t *outlen, i3_error *err);

/* Sanitiser flags. */
#define I3_SAN_ONELINE	0x01	/* newlines become spaces too */

/*
 * Strip what must never reach a terminal or the router: ESC/CSI/OSC
 * sequences (7- and 8-bit), CR, DEL and every other control byte except
 * newline; a TAB becomes a space.  Codes of any colour set are left alone.
 */
I3_API char	*i3_text_sanitize(const char *text, size_t len,
		    unsigned int flags, size_t *outlen, i3_error *err);
/*
 * The width in terminal columns of the widest line of text in the given
 * profile, codes excluded, UTF-8 aware (combining marks 0, East Asian wide
 * and emoji 2); (size_t)-1 for an unknown profile.
 */
I3_API size_t	 i3_text_width(const char *text, size_t len, int profile);
/*
 * Wrap text (in the given profile) at spaces to lines of at most width
 * columns; colour open at a break is closed at the end of the line and
 * reopened on the next.  A word longer than width is left whole.
 */
I3_API char	*i3_text_wrap(const char *text, size_t len, int profile,
		    size_t width, size_t *outlen, i3_error *err);

/* -------------------------------------------------------------- client.c */
/* (the client API for MUDs that talk to i3gw) */

#ifdef __cplusplus
}
#endif

#endif /* I3_H */
