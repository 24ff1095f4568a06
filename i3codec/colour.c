/* colour.c: "i3codec colour", colour codes from one profile to another. */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i3.h"
#include "i3codec.h"

#define CX_OK		0
#define CX_DATA		1	/* conversion failed */
#define CX_USAGE	2
#define CX_IO		3	/* a file could not be read or written */

static int	 colour_read(FILE *, char **, size_t *);
static int	 colour_one(const char *, FILE *, int, int, size_t);

void
colour_usage(FILE *f, const char *cmd)
{
	(void)cmd;
	fprintf(f,
"usage: i3codec colour [-f PROFILE] [-t PROFILE] [-w WIDTH] [file ...]\n"
"       i3codec colour -l\n"
"Convert text between colour profiles (alias: color).\n"
"  -f, --from PROFILE   what the input is (default pinkfish)\n"
"  -t, --to PROFILE     what to write (default ansi)\n"
"  -w, --wrap WIDTH     wrap lines to WIDTH columns, keeping colour\n"
"  -l, --list           list the profiles\n"
"  -h, --help           this help\n"
"profiles: pinkfish ansi xterm256 plain html smaug rom tba circle none\n");
}

static int
colour_read(FILE *f, char **bufp, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, size = 0, n;

	for (;;) {
		if (size - len < 4096) {
			size = size ? size * 2 : 65536;
			if ((nbuf = realloc(buf, size)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return (-1);
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, size - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				free(buf);
				return (-1);
			}
			break;
		}
	}
	*bufp = buf;
	*lenp = len;
	return (0);
}

static int
colour_one(const char *name, FILE *f, int from, int to, size_t width)
{
	char		*in, *out, *tmp;
	size_t		 inlen, outlen;
	i3_error	 err;

	if (colour_read(f, &in, &inlen) == -1) {
		fprintf(stderr, "i3codec: %s: %s\n", name, strerror(errno));
		return (CX_IO);
	}
	if (width != 0) {
		tmp = i3_text_wrap(in, inlen, from, width, &inlen, &err);
		free(in);
		if ((in = tmp) == NULL) {
			fprintf(stderr, "i3codec: %s: %s\n", name, err.text);
			return (CX_DATA);
		}
	}
	out = i3_colour_convert(in, inlen, from, to, &outlen, &err);
	free(in);
	if (out == NULL) {
		fprintf(stderr, "i3codec: %s: %s\n", name, err.text);
		return (CX_DATA);
	}
	if (fwrite(out, 1, outlen, stdout) != outlen) {
		free(out);
		fprintf(stderr, "i3codec: stdout: %s\n", strerror(errno));
		return (CX_IO);
	}
	free(out);
	return (CX_OK);
}

int
cmd_colour(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "wrap", required_argument, NULL, 'w' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	FILE		*f;
	char		*end;
	unsigned long	 w;
	size_t		 width = 0;
	int		 ch, from = I3_COLOUR_PINKFISH, to = I3_COLOUR_ANSI;
	int		 i, rc = CX_OK, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:t:w:lh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
		case 't':
			if ((r = i3_colour_profile(optarg)) == -1) {
				fprintf(stderr, "i3codec: unknown colour "
				    "profile: %s\n", optarg);
				colour_usage(stderr, "colour");
				return (CX_USAGE);
			}
			if (ch == 'f')
				from = r;
			else
				to = r;
			break;
		case 'w':
			errno = 0;
			w = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || end == optarg ||
			    w == 0 || w > INT_MAX) {
				fprintf(stderr, "i3codec: bad width: %s\n",
				    optarg);
				return (CX_USAGE);
			}
			width = w;
			break;
		case 'l':
			for (i = 0; i < I3_COLOUR_NPROFILES; i++)
				printf("%s\n", i3_colour_profile_name(i));
			return (CX_OK);
		case 'h':
			colour_usage(stdout, "colour");
			return (CX_OK);
		default:
			colour_usage(stderr, "colour");
			return (CX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0)
		return (colour_one("stdin", stdin, from, to, width));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-") == 0)
			r = colour_one("stdin", stdin, from, to, width);
		else if ((f = fopen(argv[i], "rb")) == NULL) {
			fprintf(stderr, "i3codec: %s: %s\n", argv[i],
			    strerror(errno));
			r = CX_IO;
		} else {
			r = colour_one(argv[i], f, from, to, width);
			fclose(f);
		}
		if (r > rc)
			rc = r;
	}
	if (fflush(stdout) == EOF && rc == CX_OK)
		rc = CX_IO;
	return (rc);
}
