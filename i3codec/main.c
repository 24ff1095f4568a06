/*
 * main.c: i3codec, the MudMode protocol debugger: decode, encode, pretty,
 * check (and colour, schema from their own files).
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3.h"
#include "common.h"
#include "i3codec.h"

/* Exit codes, documented in i3codec(1). */
#define EX_OK		0
#define EX_DATA		1	/* malformed input */
#define EX_USAGE	2
#define EX_IO		3	/* a file could not be read or written */

enum inmode { IN_AUTO, IN_FRAMES, IN_LPC };

struct opts {
	enum inmode	 in;
	int		 hex;		/* input (decode) or output (encode) in hex */
	int		 named;		/* decode: named packets where possible */
	int		 offsets;	/* decode: wrap values with their position */
	int		 strict;	/* decode/check: canonical form only */
	int		 frame;		/* encode: framed output */
	int		 json;		/* pretty: JSON rather than LPC */
	int		 quiet;		/* check: no "ok" lines */
	i3_limits	 lim;
};

static int	 decode_stream(const char *, int, struct opts *, int);
static int	 decode_buffer(const char *, const unsigned char *, size_t,
		    struct opts *, int);
static int	 emit(json_t *, uint64_t, size_t, struct opts *, int);
static json_t	*out_transform(json_t *, struct opts *);
static json_t	*in_transform(json_t *, struct opts *, i3_error *);
static int	 read_all(int, unsigned char **, size_t *);
static int	 unhex(unsigned char *, size_t *);
static void	 fault(const char *, uint64_t, const i3_error *);
static void	 usage(void) C_DEAD;
static int	 cmd_codec(int, char **);

enum cmdkind { CMD_DECODE, CMD_PRETTY, CMD_CHECK };

static const char *progname = "i3codec";

/*
 * The options of decode, encode, pretty and check: which commands take
 * each (d e p c), its flags and what it does.  Help comes from here.
 */
static const struct {
	const char	*cmds;
	const char	*flags;
	const char	*doc;
} codec_opts[] = {
	{ "dpc", "-F, --frames", "the input is a MudMode byte stream" },
	{ "dpc", "-l, --lpc", "the input is LPC text, values separated by "
	  "white space" },
	{ "dpc", "-H, --hex", "the input is hex text (as pasted from a "
	  "capture)" },
	{ "e", "-H, --hex", "write hex text instead of bytes" },
	{ "e", "-f, --frame", "write MudMode frames, not lines of LPC text" },
	{ "d", "-n, --named", "named packet objects (the default)" },
	{ "d", "-r, --raw", "the raw LPC array, not the named form" },
	{ "d", "-o, --offsets", "each value as {offset, length, value}" },
	{ "p", "-j, --json", "indented JSON instead of LPC" },
	{ "c", "-q, --quiet", "print nothing for good values" },
	{ "dc", "-S, --strict", "only the canonical form: no white space, "
	  "every trailing comma" },
	{ "dpc", "-M, --max-frame BYTES", "refuse longer frames (default "
	  "2097152)" },
	{ "dpc", "-D, --max-depth N", "refuse deeper nesting (default 100)" },
	{ "dpec", "-h, --help", "this help" },
};

/* decode, encode, pretty, check -> d e p c */
static char
codec_letter(const char *cmd)
{
	return (cmd[0] == 'c' ? 'c' : cmd[0] == 'p' ? 'p' : cmd[0] == 'e' ?
	    'e' : 'd');
}

static void
codec_usage(FILE *f, const char *cmd)
{
	static const struct {
		const char	*name;
		const char	*what;
	} what[] = {
		{ "decode", "Decode frames, LPC text or a tap log to JSON lines." },
		{ "encode", "Encode JSON lines (raw or named packets) as LPC "
		  "text or frames." },
		{ "pretty", "Print each value indented, as LPC or JSON." },
		{ "check", "Validate frames or LPC text; the first fault ends "
		  "the run." },
	};
	size_t	i;
	char	c = codec_letter(cmd);

	fprintf(f, "usage: %s %s [options] [file ...]\n", progname, cmd);
	for (i = 0; i < sizeof what / sizeof what[0]; i++)
		if (strcmp(what[i].name, cmd) == 0)
			fprintf(f, "%s\n", what[i].what);
	for (i = 0; i < sizeof codec_opts / sizeof codec_opts[0]; i++)
		if (strchr(codec_opts[i].cmds, c) != NULL)
			fprintf(f, "  %-22s %s\n", codec_opts[i].flags,
			    codec_opts[i].doc);
}

/* Whether short option ch belongs to cmd (by codec_opts). */
static int
codec_opt_for(int ch, const char *cmd)
{
	char	c = codec_letter(cmd);
	size_t	i;

	for (i = 0; i < sizeof codec_opts / sizeof codec_opts[0]; i++)
		if (codec_opts[i].flags[1] == ch &&
		    strchr(codec_opts[i].cmds, c) != NULL)
			return (1);
	return (0);
}

/* The commands: name, alias, what runs it, its help, one line. */
static const struct codec_cmd {
	const char	*name;
	const char	*alias;
	int		(*fn)(int, char **);
	void		(*usage)(FILE *, const char *);
	const char	*summary;
} cmds[] = {
	{ "decode", NULL, cmd_codec, codec_usage,
	  "frames, LPC text or a tap log to JSON lines" },
	{ "encode", NULL, cmd_codec, codec_usage,
	  "JSON lines to LPC text or frames" },
	{ "pretty", NULL, cmd_codec, codec_usage,
	  "each value indented, as LPC or JSON" },
	{ "check", NULL, cmd_codec, codec_usage,
	  "validate frames or LPC text" },
	{ "colour", "color", cmd_colour, colour_usage,
	  "colour codes from one profile to another" },
	{ "schema", NULL, cmd_schema, schema_usage,
	  "the table of I3 packet types" },
	{ "tap", NULL, cmd_tap, tap_usage,
	  "a MudMode proxy that logs every frame, with findings" },
	{ "stats", NULL, cmd_stats, stats_usage,
	  "packets, rates and findings of a tap log" },
};

static const struct codec_cmd *
find_cmd(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(cmds[i].name, name) == 0 || (cmds[i].alias !=
		    NULL && strcmp(cmds[i].alias, name) == 0))
			return (&cmds[i]);
	return (NULL);
}

/* The list of commands: on stdout for help (0), on stderr for errors. */
static void
usage_to(FILE *f)
{
	size_t	i;

	fprintf(f, "usage: %s COMMAND [options] [file ...]\n", progname);
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "  %-8s %s\n", "help", "help of a command: i3codec help "
	    "COMMAND (or i3codec COMMAND --help)");
	fprintf(f, "  %-8s %s\n", "-V", "the version");
}

static void
usage(void)
{
	usage_to(stderr);
	exit(EX_USAGE);
}

/* Report the first fault of an input: where and why. */
static void
fault(const char *name, uint64_t base, const i3_error *e)
{
	fprintf(stderr, "%s: %s: offset %llu: %s (%s)\n", progname, name,
	    (unsigned long long)(base + e->offset), e->text,
	    i3_errname(e->code));
}

static int
read_all(int fd, unsigned char **bufp, size_t *lenp)
{
	unsigned char	*buf = NULL;
	size_t		 len = 0, size = 0;
	ssize_t		 n;

	for (;;) {
		if (size - len < 65536) {
			size = size ? size * 2 : 131072;
			buf = xrealloc(buf, size);
		}
		n = read(fd, buf + len, size - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			free(buf);
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	*lenp = len;
	return (0);
}

/* Hex text (as pasted from a capture) to bytes, in place. */
static int
unhex(unsigned char *buf, size_t *lenp)
{
	size_t	i, o = 0;
	int	hi = -1;

	for (i = 0; i < *lenp; i++) {
		int c = buf[i], v;

		if (c == '0' && i + 1 < *lenp && (buf[i + 1] == 'x' ||
		    buf[i + 1] == 'X') && hi == -1) {
			i++;
			continue;
		}
		if (isspace(c) || c == ':' || c == ',' || c == '-')
			continue;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			return (-1);
		if (hi == -1)
			hi = v;
		else {
			buf[o++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi != -1)
		return (-1);
	*lenp = o;
	return (0);
}

/* The packet layer's view of a decoded value (schema: lib/packet.c). */
/* I3CODEC: packet hooks */
static json_t *
out_transform(json_t *v, struct opts *o)
{
	json_t	*named, *w, *x;
	size_t	 i;

	/* Named where it is a packet; anything else is shown as it is. */
	if (!o->named || !json_is_array(v))
		return (v);
	if ((named = i3_packet_named(v, I3_PKT_LENIENT, &w, NULL)) == NULL)
		return (v);
	json_array_foreach(w, i, x)
		fprintf(stderr, "%s: warning: %s\n", progname,
		    json_string_value(x));
	json_decref(w);
	json_decref(v);
	return (named);
}

/* The packet layer's view of a value to encode (named -> raw). */
static json_t *
in_transform(json_t *v, struct opts *o, i3_error *e)
{
	json_t	*raw;

	/* An object with a "type" string is a named packet. */
	(void)o;
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "type")))
		return (v);
	raw = i3_packet_raw(v, I3_PKT_LENIENT, e);
	json_decref(v);
	return (raw);
}

static int
emit(json_t *v, uint64_t off, size_t len, struct opts *o, int kind)
{
	char	*s;
	json_t	*out;

	if (kind == CMD_CHECK) {
		if (!o->quiet)
			printf("ok offset %llu length %zu\n",
			    (unsigned long long)off, len);
		json_decref(v);
		return (0);
	}
	if (kind == CMD_PRETTY && !o->json) {
		if ((s = i3_lpc_encode(v, I3_ENC_PRETTY | I3_ENC_FLOATS |
		    I3_ENC_NULOK, NULL, NULL)) == NULL)
			fatalx("cannot re-encode value");
		printf("%s\n", s);
		free(s);
		json_decref(v);
		return (0);
	}
	out = out_transform(v, o);
	if (o->offsets && kind == CMD_DECODE)
		out = json_pack("{sIsIso}", "offset", (json_int_t)off,
		    "length", (json_int_t)len, "value", out);
	s = json_dumps(out, JSON_ENCODE_ANY | (kind == CMD_PRETTY ?
	    JSON_INDENT(2) : JSON_COMPACT));
	if (s == NULL)
		fatalx("cannot print value");
	printf("%s\n", s);
	free(s);
	json_decref(out);
	return (0);
}

/* LPC text: one or more values, separated by whitespace. */
static int
decode_lpc(const char *name, const unsigned char *buf, size_t len,
    struct opts *o, int kind)
{
	size_t		 off = 0, end;
	i3_error	 e;
	json_t		*v;
	unsigned int	 fl = I3_DEC_PARTIAL | (o->strict ? I3_DEC_STRICT : 0);

	for (;;) {
		while (off < len && (isspace(buf[off]) || buf[off] == '\0'))
			off++;
		if (off >= len)
			return (EX_OK);
		memset(&e, 0, sizeof e);
		v = i3_lpc_decode_ex((const char *)buf + off, len - off, fl,
		    &o->lim, &end, &e);
		if (v == NULL) {
			fault(name, off, &e);
			return (EX_DATA);
		}
		emit(v, off, end, o, kind);
		off += end;
	}
}

/* Framed MudMode bytes already in memory. */
static int
decode_frames(const char *name, const unsigned char *buf, size_t len,
    struct opts *o, int kind)
{
	i3_reader	*r;
	i3_error	 e;
	const char	*p;
	size_t		 n;
	int		 rc, ret = EX_OK;
	json_t		*v;

	if ((r = i3_reader_new(&o->lim)) == NULL)
		fatalx("out of memory");
	memset(&e, 0, sizeof e);
	if (i3_reader_feed(r, buf, len, &e) == -1) {
		fault(name, 0, &e);
		if (e.code == I3_ETOOBIG && len >= 4 && isprint(buf[0]) &&
		    isprint(buf[1]) && isprint(buf[2]) && isprint(buf[3]))
			fprintf(stderr, "%s: %s: this looks like text, not "
			    "MudMode frames: give LPC text with --lpc (-l), "
			    "hex with --hex (-H)\n", progname, name);
		i3_reader_free(r);
		return (EX_DATA);
	}
	while ((rc = i3_reader_next_frame(r, &p, &n, &e)) == 1) {
		uint64_t at = i3_reader_frame_offset(r);

		v = i3_lpc_decode(p, n, o->strict ? I3_DEC_STRICT : 0,
		    &o->lim, &e);
		if (v == NULL) {
			fault(name, at + 4, &e);
			ret = EX_DATA;
			break;
		}
		emit(v, at, n, o, kind);
	}
	if (rc == -1) {
		fault(name, 0, &e);
		ret = EX_DATA;
	} else if (ret == EX_OK && i3_reader_pending(r) != 0) {
		fprintf(stderr, "%s: %s: offset %llu: truncated frame "
		    "(%zu bytes left)\n", progname, name,
		    (unsigned long long)(len - i3_reader_pending(r)),
		    i3_reader_pending(r));
		ret = EX_DATA;
	}
	i3_reader_free(r);
	return (ret);
}

struct taplog_ctx {
	struct opts	*o;
	int		 kind;
};

static int
taplog_emit(json_t *raw, size_t line, void *arg)
{
	struct taplog_ctx *t = arg;

	return (emit(json_incref(raw), line, 0, t->o, t->kind));
}

static int
decode_buffer(const char *name, const unsigned char *buf, size_t len,
    struct opts *o, int kind)
{
	enum inmode	m = o->in;
	size_t		i;

	if (m == IN_AUTO && taplog_is(buf, len)) {
		struct taplog_ctx t = { o, kind };

		/* The packets an "i3codec tap" log holds. */
		return (taplog_each(name, buf, len, taplog_emit, &t) == 0 ?
		    EX_OK : EX_DATA);
	}
	if (m == IN_AUTO) {
		/* LPC text starts with '(', '"', '-', a digit or space. */
		for (i = 0; i < len && isspace(buf[i]); i++)
			;
		m = IN_FRAMES;
		if (i < len && (buf[i] == '(' || buf[i] == '"' ||
		    buf[i] == '-' || (i > 0 && isdigit(buf[i]))))
			m = IN_LPC;
		if (i == 0 && len > 0 && isdigit(buf[0]))
			m = IN_LPC;
		if (len >= 4 && buf[0] == 0)	/* a length's high byte */
			m = IN_FRAMES;
	}
	if (m == IN_LPC)
		return (decode_lpc(name, buf, len, o, kind));
	return (decode_frames(name, buf, len, o, kind));
}

static int
decode_stream(const char *name, int fd, struct opts *o, int kind)
{
	unsigned char	*buf;
	size_t		 len;
	int		 rc;

	if (read_all(fd, &buf, &len) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, name,
		    strerror(errno));
		return (EX_IO);
	}
	if (o->hex && unhex(buf, &len) == -1) {
		fprintf(stderr, "%s: %s: not hex\n", progname, name);
		free(buf);
		return (EX_DATA);
	}
	rc = decode_buffer(name, buf, len, o, kind);
	free(buf);
	return (rc);
}

static int
each_input(int argc, char **argv, struct opts *o,
    int (*fn)(const char *, int, struct opts *, int), int kind)
{
	int	i, fd, rc, worst = EX_OK;

	if (argc == 0)
		return (fn("-", STDIN_FILENO, o, kind));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			fd = STDIN_FILENO;
		else if ((fd = open(argv[i], O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "%s: %s: %s\n", progname, argv[i],
			    strerror(errno));
			if (worst == EX_OK)
				worst = EX_IO;
			continue;
		}
		rc = fn(argv[i], fd, o, kind);
		if (fd != STDIN_FILENO)
			close(fd);
		if (rc != EX_OK && worst == EX_OK)
			worst = rc;
		if (rc != EX_OK && kind == CMD_CHECK)
			break;
	}
	return (worst);
}

/* encode: JSON values, one per line, to LPC text or frames. */
static int
encode_stream(const char *name, int fd, struct opts *o, int kind)
{
	unsigned char	*buf;
	size_t		 len, off = 0, line = 0;
	json_error_t	 je;
	json_t		*v, *raw;
	i3_error	 e;
	i3_buf		 out;
	int		 ret = EX_OK;

	(void)kind;
	if (read_all(fd, &buf, &len) == -1) {
		fprintf(stderr, "%s: %s: %s\n", progname, name,
		    strerror(errno));
		return (EX_IO);
	}
	i3_buf_init(&out);
	while (off < len) {
		unsigned char	*nl = memchr(buf + off, '\n', len - off);
		size_t		 n = nl ? (size_t)(nl - (buf + off)) : len - off;
		size_t		 k;

		line++;
		for (k = 0; k < n && isspace(buf[off + k]); k++)
			;
		if (k == n) {
			off += n + 1;
			continue;
		}
		v = json_loadb((const char *)buf + off, n,
		    JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
		if (v == NULL) {
			fprintf(stderr, "%s: %s:%zu: column %d: %s\n",
			    progname, name, line, je.column, je.text);
			ret = EX_DATA;
			break;
		}
		memset(&e, 0, sizeof e);
		if ((raw = in_transform(v, o, &e)) == NULL) {
			fprintf(stderr, "%s: %s:%zu: %s (%s)\n", progname,
			    name, line, e.text, i3_errname(e.code));
			ret = EX_DATA;
			break;
		}
		out.len = 0;
		if ((o->frame ? i3_frame_buf(&out, raw, 0, &e) :
		    i3_lpc_encode_buf(&out, raw, 0, &e)) == -1) {
			fprintf(stderr, "%s: %s:%zu: %s (%s)\n", progname,
			    name, line, e.text, i3_errname(e.code));
			json_decref(raw);
			ret = EX_DATA;
			break;
		}
		json_decref(raw);
		if (o->hex) {
			size_t i;

			for (i = 0; i < out.len; i++)
				printf("%02x%s", (unsigned char)out.data[i],
				    i + 1 == out.len ? "\n" :
				    (i % 16 == 15 ? "\n" : " "));
		} else {
			fwrite(out.data, 1, out.len, stdout);
			if (!o->frame)
				putchar('\n');
		}
		off += n + 1;
	}
	i3_buf_free(&out);
	free(buf);
	if (fflush(stdout) == EOF)
		return (EX_IO);
	return (ret);
}

static int
cmd_codec(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "hex",	no_argument,	NULL, 'H' },
		{ "lpc",	no_argument,	NULL, 'l' },
		{ "frames",	no_argument,	NULL, 'F' },
		{ "raw",	no_argument,	NULL, 'r' },
		{ "named",	no_argument,	NULL, 'n' },
		{ "offsets",	no_argument,	NULL, 'o' },
		{ "strict",	no_argument,	NULL, 'S' },
		{ "frame",	no_argument,	NULL, 'f' },
		{ "json",	no_argument,	NULL, 'j' },
		{ "quiet",	no_argument,	NULL, 'q' },
		{ "max-frame",	required_argument, NULL, 'M' },
		{ "max-depth",	required_argument, NULL, 'D' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts	 o;
	const char	*cmd = argv[0];
	int		 ch, kind;
	char		*ep;

	memset(&o, 0, sizeof o);
	o.named = 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "HlFrnoSfjqM:D:h", lopts,
	    NULL)) != -1) {
		if (ch == 'h') {
			codec_usage(stdout, cmd);
			return (EX_OK);
		}
		if (ch == '?' || !codec_opt_for(ch, cmd)) {
			if (ch != '?')
				fprintf(stderr, "%s: %s: -%c is not an option "
				    "of %s\n", progname, cmd, ch, cmd);
			codec_usage(stderr, cmd);
			return (EX_USAGE);
		}
		switch (ch) {
		case 'H': o.hex = 1; break;
		case 'l': o.in = IN_LPC; break;
		case 'F': o.in = IN_FRAMES; break;
		case 'r': o.named = 0; break;
		case 'n': o.named = 1; break;
		case 'o': o.offsets = 1; break;
		case 'S': o.strict = 1; break;
		case 'f': o.frame = 1; break;
		case 'j': o.json = 1; break;
		case 'q': o.quiet = 1; break;
		case 'M':
			o.lim.max_frame = strtoul(optarg, &ep, 10);
			if (*ep != '\0' || o.lim.max_frame == 0) {
				codec_usage(stderr, cmd);
				return (EX_USAGE);
			}
			break;
		case 'D':
			o.lim.max_depth = (unsigned int)strtoul(optarg, &ep,
			    10);
			if (*ep != '\0' || o.lim.max_depth == 0) {
				codec_usage(stderr, cmd);
				return (EX_USAGE);
			}
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (strcmp(cmd, "encode") == 0)
		return (each_input(argc, argv, &o, encode_stream, 0));
	if (strcmp(cmd, "decode") == 0)
		kind = CMD_DECODE;
	else if (strcmp(cmd, "pretty") == 0)
		kind = CMD_PRETTY;
	else
		kind = CMD_CHECK;
	return (each_input(argc, argv, &o, decode_stream, kind));
}

int
main(int argc, char **argv)
{
	const struct codec_cmd	*c;
	const char		*cmd;

	log_init(progname, 0);
	if (argc < 2)
		usage();
	cmd = argv[1];
	if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
		printf("i3codec %s\n", I3_VERSION);
		return (EX_OK);
	}
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "help") == 0) {
		if (argc > 2) {
			if ((c = find_cmd(argv[2])) == NULL) {
				fprintf(stderr, "%s: no command %s\n",
				    progname, argv[2]);
				usage();
			}
			c->usage(stdout, c->name);
		} else
			usage_to(stdout);
		return (EX_OK);
	}
	if ((c = find_cmd(cmd)) == NULL) {
		fprintf(stderr, "%s: unknown command: %s\n", progname, cmd);
		usage();
	}
	return (c->fn(argc - 1, argv + 1));
}
