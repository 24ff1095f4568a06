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

/*
 * JSON-RPC error codes: the one table of them, shared by i3gw (what it
 * answers), i3ctl (its exit status) and the client library (what it puts
 * in an answer itself).  docs/API.md's error tables are checked against
 * this list by a test.  i3_rpc_strerror() gives the short meaning.
 */
#define I3_RPC_PARSE		(-32700)	/* parse error: not JSON */
#define I3_RPC_INVALID		(-32600)	/* invalid request */
#define I3_RPC_NOMETHOD		(-32601)	/* method not found */
#define I3_RPC_PARAMS		(-32602)	/* invalid params */
#define I3_RPC_INTERNAL		(-32603)	/* internal error */
#define I3_RPC_UNAVAILABLE	(-32000)	/* router unavailable */
#define I3_RPC_QUEUEFULL	(-32001)	/* send queue full */
#define I3_RPC_TIMEOUT		(-32002)	/* remote timed out */
#define I3_RPC_REMOTE		(-32003)	/* remote I3 error */
#define I3_RPC_MUDDOWN		(-32004)	/* target MUD down */
#define I3_RPC_NOMUD		(-32005)	/* MUD not in the mudlist */
#define I3_RPC_SHUTDOWN		(-32006)	/* shutting down */
#define I3_RPC_NOAUTH		(-32007)	/* not authenticated */
#define I3_RPC_FORBIDDEN	(-32008)	/* key lacks permission */
#define I3_RPC_RATELIMIT	(-32009)	/* rate limited */
#define I3_RPC_REFUSED		(-32010)	/* connection refused */
#define I3_RPC_NOSESSION	(-32011)	/* unknown or expired session */
#define I3_RPC_BUSY		(-32012)	/* too many in flight */
#define I3_RPC_LOST		(-32100)	/* client: connection lost */
#define I3_RPC_CLIENT_TIMEOUT	(-32101)	/* client: timed out */
#define I3_RPC_CLOSED		(-32102)	/* client: closed */

/* The meaning of a JSON-RPC error code ("method not found"), or NULL. */
I3_API const char	*i3_rpc_strerror(int);

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

/* ------------------------------------------------------------------ buf.c */

/* A growable byte buffer (the encoder appends to one: no copy to frame). */
typedef struct i3_buf {
	char	*data;
	size_t	 len;
	size_t	 size;
} i3_buf;

I3_API void	 i3_buf_init(i3_buf *);
I3_API void	 i3_buf_free(i3_buf *);
I3_API int	 i3_buf_reserve(i3_buf *, size_t more);
I3_API int	 i3_buf_add(i3_buf *, const void *, size_t);

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
/* The ttl every packet starts with. */
#define I3_TTL		5

/*
 * The six-element header of a raw packet, [type, ttl, originator_mud,
 * originator_user, target_mud, target_user], for the caller to append the
 * body to: a NULL name is written as 0.  Cheap, for the busy paths: names
 * are taken as given (neither lower-cased nor checked against a schema).
 * NULL when type is NULL, a string is not UTF-8, or out of memory.
 */
I3_API json_t	*i3_packet_header(const char *type, int ttl, const char *omud,
		    const char *ouser, const char *tmud, const char *tuser);
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
 * Any profile -> any other (through the Pinkfish model).  Control bytes and
 * escape sequences are stripped; when from is I3_COLOUR_PINKFISH colour ends
 * at each newline, otherwise it carries on to the next line (and is closed
 * and reopened around the newline).  I3_COLOUR_NONE on either side copies
 * the text unchanged.  See docs/COLOUR.md.
 */
I3_API char	*i3_colour_convert(const char *text, size_t len, int from,
		    int to, size_t *outlen, i3_error *err);

/* ----------------------------------------------------------------- text.c */
/*
 * Text layout over the colour model: sanitising, width, wrapping, emotes.
 */

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

/*
 * Replace $N and $O in an emote by the given names (e.g. "Bob@Alpha");
 * NULL leaves that token as it is.
 */
I3_API char	*i3_emote_expand(const char *text, const char *n,
		    const char *o);

/* -------------------------------------------------------------- client.c */
/*
 * The client API for MUDs that talk to i3gw(8): JSON-RPC 2.0, one object a
 * line, over the stdio of a child gateway, a Unix socket or a TCP port (no
 * TLS: use it on loopback only).  One thread; nothing blocks except where
 * noted: i3_client_poll() does all the I/O, dispatches whole lines and
 * drives reconnection with backoff.  Callbacks run from i3_client_poll()
 * only; they may make calls and free the client (the free is deferred).
 * See libi3(3) and docs/INTEGRATION.md.
 */
typedef struct i3_client i3_client;

/* What the status callback is told. */
enum i3_client_status {
	I3_CLIENT_CONNECTED = 1,	/* connected, spawned, attached */
	I3_CLIENT_LOST,		/* the gateway went away; text says why */
	I3_CLIENT_RETRY,	/* an attempt to get it back failed */
	I3_CLIENT_WARNING	/* bad line, error answer nobody took, ... */
};

/*
 * Error codes the library itself puts in an answer's "error" (the gateway's
 * own are the I3_RPC_* codes above): the connection was lost before the
 * answer (the call may or may not have been carried out), no answer within
 * call_timeout_ms, the client was freed or detached.
 */
#define I3_CLIENT_ELOST		I3_RPC_LOST
#define I3_CLIENT_ETIMEDOUT	I3_RPC_CLIENT_TIMEOUT
#define I3_CLIENT_ECLOSED	I3_RPC_CLOSED

/*
 * The answer to a call: exactly one of result and error (an object with
 * "code" and "message") is not NULL; both are borrowed.
 */
typedef void	(*i3_client_result_cb)(i3_client *, int64_t id,
		    const json_t *result, const json_t *error, void *arg);
/* A notification from the gateway; params is borrowed. */
typedef void	(*i3_client_event_cb)(i3_client *, const char *event,
		    const json_t *params, void *arg);
/* A change of state or a warning; text is borrowed. */
typedef void	(*i3_client_status_cb)(i3_client *, enum i3_client_status,
		    const char *text, void *arg);

/* Options; a zero field means the default.  The struct may be NULL. */
typedef struct i3_client_opts {
	size_t		 max_line;	/* longest line read (1 MiB) */
	size_t		 max_queue;	/* bytes waiting to be sent (256 KiB) */
	unsigned int	 max_pending;	/* calls awaiting an answer (256) */
	unsigned int	 max_dispatch;	/* messages handled per poll (64) */
	unsigned int	 backoff_min_ms; /* first retry delay (250) */
	unsigned int	 backoff_max_ms; /* doubling up to this (30000) */
	unsigned int	 call_timeout_ms; /* 0: calls never time out */
	int		 no_reconnect;	/* 1: report a loss and stay down */
	const char	*stderr_path;	/* spawn: append the gateway's logs */
	i3_client_status_cb on_status;
	void		*status_arg;
} i3_client_opts;

/*
 * Run a gateway as a child: fork and exec (no shell) i3gw_path (searched in
 * PATH when it has no '/') with argv (argv[0] included, NULL-terminated;
 * NULL means { i3gw_path, "--stdio", NULL }), its stdin and stdout one end
 * of a socketpair (so writing to a dead gateway is EPIPE, never SIGPIPE),
 * every fd of ours close-on-exec.  When the child dies it is respawned
 * with backoff.  NULL on failure (exec failing included).
 */
I3_API i3_client *i3_client_spawn(const char *i3gw_path, char *const argv[],
		    const i3_client_opts *, i3_error *err);
/*
 * Connect to a running gateway's Unix socket ([api] socket).  Over a socket
 * the client subscribes to every event, and after a reconnect resumes its
 * session so that the events of the gap are replayed.
 */
I3_API i3_client *i3_client_connect_unix(const char *path,
		    const i3_client_opts *, i3_error *err);
/*
 * Connect to a gateway's TCP port, no TLS.  The first connect waits up to
 * 5 s (and the name lookup may block: give an address); reconnects do not.
 */
I3_API i3_client *i3_client_connect_tcp(const char *host, const char *port,
		    const i3_client_opts *, i3_error *err);
/*
 * Close the connection (a child gateway then sees end of input and shuts
 * down cleanly; it is waited for up to 3 s, then killed).  Pending calls
 * get I3_CLIENT_ECLOSED.  From a callback the free happens when
 * i3_client_poll() returns.
 */
I3_API void	 i3_client_free(i3_client *);

/*
 * The fd to watch for reading, -1 while disconnected.  i3_client_want_write()
 * says whether output is queued (watch the write fd for writing too);
 * i3_client_wfd() is that fd (the same one except after i3_client_attach()
 * with two).  Call i3_client_poll(c, 0) whenever either is ready, and at
 * least once a second or so anyway: reconnection runs from it.
 */
I3_API int	 i3_client_fd(const i3_client *);
I3_API int	 i3_client_wfd(const i3_client *);
I3_API int	 i3_client_want_write(const i3_client *);
/* 1 when connected. */
I3_API int	 i3_client_connected(const i3_client *);
/* The child gateway's process id, -1 for none. */
I3_API long	 i3_client_pid(const i3_client *);
/* The last error of a call that returned -1; never NULL. */
I3_API const i3_error *i3_client_error(const i3_client *);

/*
 * Wait at most timeout_ms (0: not at all, -1: until something happens) for
 * the gateway, send what is queued, read what is there, and dispatch at most
 * max_dispatch whole lines to the callbacks.  Returns the number of messages
 * dispatched, or -1 when the client is down for good (no_reconnect).
 */
I3_API int	 i3_client_poll(i3_client *, int timeout_ms);

/*
 * Send a request; the answer goes to cb (which may be NULL: an error answer
 * then goes to the status callback as a warning).  params (an object, or
 * NULL) is borrowed by i3_client_call() and stolen by i3_client_call_new(),
 * even on failure.  Returns the request id (> 0), or -1 with
 * i3_client_error() set: the send queue or the pending table is full, or
 * the client is down for good.  While the gateway is away requests are kept
 * (bounded) and sent once it is back.
 */
I3_API int64_t	 i3_client_call(i3_client *, const char *method,
		    const json_t *params, i3_client_result_cb cb, void *arg);
I3_API int64_t	 i3_client_call_new(i3_client *, const char *method,
		    json_t *params, i3_client_result_cb cb, void *arg);
/* A JSON-RPC notification (no id, never answered); params borrowed; 0/-1. */
I3_API int	 i3_client_notify(i3_client *, const char *method,
		    const json_t *params);

/*
 * One call per method (docs/API.md); strings are borrowed, visname may be
 * NULL (the gateway uses from_user).  Channels joined with
 * i3_client_channel_join() are joined again after every reconnect.
 */
I3_API int64_t	 i3_client_tell(i3_client *, const char *from_user,
		    const char *visname, const char *target_user,
		    const char *target_mud, const char *message,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_emoteto(i3_client *, const char *from_user,
		    const char *visname, const char *target_user,
		    const char *target_mud, const char *message,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_channel_send(i3_client *, const char *channel,
		    const char *from_user, const char *visname,
		    const char *message, i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_channel_emote(i3_client *, const char *channel,
		    const char *from_user, const char *visname,
		    const char *message, i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_channel_join(i3_client *, const char *channel,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_channel_leave(i3_client *, const char *channel,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_who(i3_client *, const char *mud,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_finger(i3_client *, const char *user,
		    const char *mud, i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_locate(i3_client *, const char *user,
		    i3_client_result_cb, void *arg);
/* status is "up", "down", "all" or NULL (all). */
I3_API int64_t	 i3_client_mudlist(i3_client *, const char *status,
		    i3_client_result_cb, void *arg);
I3_API int64_t	 i3_client_ping(i3_client *, i3_client_result_cb, void *arg);
/* presence_update; params (borrowed) as docs/API.md gives them. */
I3_API int64_t	 i3_client_presence_update(i3_client *, const json_t *params,
		    i3_client_result_cb, void *arg);

/*
 * Call cb for each notification named event; event NULL or "*" is the
 * catch-all, called for events no named handler took.  Several handlers
 * may share a name; all are called, in the order added.  0 or -1.
 */
I3_API int	 i3_client_on(i3_client *, const char *event,
		    i3_client_event_cb cb, void *arg);
/* The status callback (replaces the one in the options). */
I3_API void	 i3_client_on_status(i3_client *, i3_client_status_cb,
		    void *arg);

/*
 * Copyover: hand the gateway connection across exec().  i3_client_detach()
 * sends what is queued and dispatches what was read up to a line boundary
 * (waiting at most 2 s in all), gives pending calls I3_CLIENT_ECLOSED,
 * clears close-on-exec on its fds, writes a short string into buf for the
 * new program (through argv or the environment) and frees the client
 * without closing them.  0, or -1 (buf too small; the client is intact).
 * After exec, i3_client_attach() takes the string back; where and argv say
 * how to get the gateway back should it go later: as for i3_client_spawn()
 * for a child, the socket path, or "host:port" (NULL: no reconnection).
 */
#define I3_CLIENT_HANDOFF_MAX	64
I3_API int	 i3_client_detach(i3_client *, char *buf, size_t len,
		    i3_error *err);
I3_API i3_client *i3_client_attach(const char *handoff, const char *where,
		    char *const argv[], const i3_client_opts *, i3_error *err);

#ifdef __cplusplus
}
#endif

#endif /* I3_H */
