/*
 * taplog.c: reading what "i3codec tap" wrote: the packets of a tap log (for
 * decode and pretty) and "i3codec stats", its totals by type, direction,
 * rate and finding.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i3.h"
#include "common.h"
#include "i3codec.h"

#define SX_OK		0
#define SX_DATA		1
#define SX_USAGE	2
#define SX_IO		3

/* A tap log is JSON lines whose objects carry "dir" or "event". */
int
taplog_is(const unsigned char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < len && isspace(buf[i]); i++)
		;
	if (i >= len || buf[i] != '{')
		return (0);
	return (memmem(buf + i, len - i < 4096 ? len - i : 4096, "\"conn\"",
	    6) != NULL);
}

/*
 * Call fn for each logged packet (its raw value, borrowed) with its line
 * number; lines without a packet are skipped.  -1 at the first line that
 * is not JSON (after a message), else the first non-zero fn result or 0.
 */
int
taplog_each(const char *name, const unsigned char *buf, size_t len,
    int (*fn)(json_t *, size_t, void *), void *arg)
{
	size_t		 off = 0, line = 0;
	json_error_t	 je;
	json_t		*v, *raw;
	int		 rc = 0;

	while (off < len && rc == 0) {
		const unsigned char *nl = memchr(buf + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

		line++;
		if (n == 0) {
			off++;
			continue;
		}
		if ((v = json_loadb((const char *)buf + off, n, 0, &je)) ==
		    NULL) {
			fprintf(stderr, "i3codec: %s:%zu: not a tap log line: "
			    "%s\n", name, line, je.text);
			return (-1);
		}
		if ((raw = json_object_get(v, "raw")) != NULL)
			rc = fn(raw, line, arg);
		json_decref(v);
		off += n + 1;
	}
	return (rc);
}

/* ------------------------------------------------------------ stats */

struct st_dir {
	uint64_t	 frames, bytes, findings;
	double		 first, last;		/* epoch seconds */
	long long	 sec;			/* the second being counted */
	unsigned int	 insec, peak;
	long long	 peak_at;
};

struct stats {
	struct st_dir	 d[2];
	json_t		*types;		/* type -> [mud>router, router>mud] */
	json_t		*codes;		/* code -> {count, first} */
	unsigned int	 conns, lines;
};

static double
parse_time(const char *s)
{
	struct tm	tm;
	int		ms = 0;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &ms) < 6)
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return ((double)timegm(&tm) + ms / 1000.0);
}

static void
stats_line(struct stats *st, json_t *v)
{
	const char	*dir = json_string_value(json_object_get(v, "dir"));
	const char	*ev = json_string_value(json_object_get(v, "event"));
	const char	*type = json_string_value(json_object_get(v, "type"));
	json_t		*f = json_object_get(v, "findings"), *x, *row;
	double		 t = parse_time(json_string_value(json_object_get(v,
			    "time")));
	struct st_dir	*d;
	size_t		 i;
	int		 k;

	st->lines++;
	if (ev != NULL && strcmp(ev, "open") == 0)
		st->conns++;
	if (dir == NULL)
		return;
	k = strcmp(dir, "router>mud") == 0;
	d = &st->d[k];
	json_array_foreach(f, i, x) {
		const char *code = json_string_value(json_object_get(x,
		    "code"));

		if (code == NULL)
			continue;
		d->findings++;
		if ((row = json_object_get(st->codes, code)) == NULL) {
			row = json_pack("{sIs{sssIsIss}}", "count",
			    (json_int_t)0, "first", "dir", dir, "conn",
			    json_integer_value(json_object_get(v, "conn")),
			    "offset", json_integer_value(json_object_get(v,
			    "offset")), "text", json_string_value(
			    json_object_get(x, "text")));
			json_object_set_new(st->codes, code, row);
		}
		json_object_set_new(row, "count", json_integer(
		    json_integer_value(json_object_get(row, "count")) + 1));
	}
	if (json_object_get(v, "length") == NULL)
		return;		/* a finding outside any frame */
	d->frames++;
	d->bytes += (uint64_t)json_integer_value(json_object_get(v,
	    "length")) + 4;
	if ((row = json_object_get(st->types, type ? type : "?")) == NULL) {
		row = json_pack("[ii]", 0, 0);
		json_object_set_new(st->types, type ? type : "?", row);
	}
	json_array_set_new(row, k, json_integer(json_integer_value(
	    json_array_get(row, k)) + 1));
	if (t < 0)
		return;
	if (d->frames == 1)
		d->first = t;
	d->last = t;
	if ((long long)t != d->sec) {
		d->sec = (long long)t;
		d->insec = 0;
	}
	if (++d->insec > d->peak) {
		d->peak = d->insec;
		d->peak_at = d->sec;
	}
}

static json_t *
stats_json(struct stats *st)
{
	json_t		*o = json_object(), *dirs = json_object();
	static const char *names[2] = { "mud>router", "router>mud" };
	int		 k;

	for (k = 0; k < 2; k++) {
		struct st_dir	*d = &st->d[k];
		double		 span = d->last - d->first;

		json_object_set_new(dirs, names[k], json_pack(
		    "{sIsIsIsfsisf}", "frames", (json_int_t)d->frames,
		    "bytes", (json_int_t)d->bytes, "findings",
		    (json_int_t)d->findings, "seconds", span, "peak_per_second",
		    (int)d->peak, "mean_per_second", span > 0 ?
		    (double)d->frames / span : (double)d->frames));
	}
	json_object_set_new(o, "connections", json_integer(st->conns));
	json_object_set_new(o, "directions", dirs);
	json_object_set(o, "types", st->types);
	json_object_set(o, "findings", st->codes);
	return (o);
}

static void
stats_print(struct stats *st)
{
	static const char *names[2] = { "mud>router", "router>mud" };
	const char	*key;
	json_t		*v;
	int		 k;

	printf("connections: %u\n\n", st->conns);
	printf("%-12s %8s %10s %8s %9s %9s\n", "DIRECTION", "FRAMES", "BYTES",
	    "FINDINGS", "PEAK/S", "MEAN/S");
	for (k = 0; k < 2; k++) {
		struct st_dir	*d = &st->d[k];
		double		 span = d->last - d->first;

		printf("%-12s %8llu %10llu %8llu %9u %9.1f\n", names[k],
		    (unsigned long long)d->frames,
		    (unsigned long long)d->bytes,
		    (unsigned long long)d->findings, d->peak, span > 0 ?
		    (double)d->frames / span : (double)d->frames);
	}
	printf("\n%-24s %10s %10s\n", "TYPE", "MUD>ROUTER", "ROUTER>MUD");
	json_object_foreach(st->types, key, v)
		printf("%-24s %10lld %10lld\n", key,
		    (long long)json_integer_value(json_array_get(v, 0)),
		    (long long)json_integer_value(json_array_get(v, 1)));
	if (json_object_size(st->codes) == 0) {
		printf("\nno findings\n");
		return;
	}
	printf("\n%-14s %6s  %s\n", "FINDING", "COUNT", "FIRST");
	json_object_foreach(st->codes, key, v) {
		json_t *f = json_object_get(v, "first");

		printf("%-14s %6lld  #%lld %s @%lld: %s\n", key,
		    (long long)json_integer_value(json_object_get(v, "count")),
		    (long long)json_integer_value(json_object_get(f, "conn")),
		    json_string_value(json_object_get(f, "dir")),
		    (long long)json_integer_value(json_object_get(f,
		    "offset")), json_string_value(json_object_get(f, "text")));
	}
}

void
stats_usage(FILE *f, const char *cmd)
{
	(void)cmd;
	fprintf(f,
"usage: i3codec stats [-j] [LOG ...]\n"
"Packets by type and direction, rates and findings of i3codec tap logs.\n"
"  -j, --json           the totals as one JSON object\n"
"  -h, --help           this help\n");
}

int
cmd_stats(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "help",	no_argument,	NULL, 'h' },
		{ NULL,		0,		NULL, 0 }
	};
	struct stats	 st;
	FILE		*fp;
	char		*line = NULL, *s;
	size_t		 cap = 0, lineno;
	ssize_t		 n;
	json_error_t	 je;
	json_t		*v;
	int		 ch, json = 0, i, ret = SX_OK;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jh", lopts, NULL)) != -1) {
		if (ch == 'j')
			json = 1;
		else {
			stats_usage(ch == 'h' ? stdout : stderr, "stats");
			return (ch == 'h' ? SX_OK : SX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	memset(&st, 0, sizeof st);
	st.d[0].sec = st.d[1].sec = -1;
	st.types = json_object();
	st.codes = json_object();
	for (i = 0; i < (argc ? argc : 1) && ret == SX_OK; i++) {
		const char *name = argc ? argv[i] : "-";

		if (strcmp(name, "-") == 0)
			fp = stdin;
		else if ((fp = fopen(name, "r")) == NULL) {
			fprintf(stderr, "i3codec: %s: %s\n", name,
			    strerror(errno));
			ret = SX_IO;
			break;
		}
		lineno = 0;
		while ((n = getline(&line, &cap, fp)) != -1) {
			lineno++;
			if (n <= 1)
				continue;
			if ((v = json_loadb(line, (size_t)n, 0, &je)) == NULL ||
			    !json_is_object(v)) {
				fprintf(stderr, "i3codec: %s:%zu: not a tap "
				    "log line\n", name, lineno);
				json_decref(v);
				ret = SX_DATA;
				break;
			}
			stats_line(&st, v);
			json_decref(v);
		}
		if (fp != stdin)
			fclose(fp);
	}
	free(line);
	if (ret == SX_OK) {
		if (json) {
			v = stats_json(&st);
			s = json_dumps(v, JSON_COMPACT);
			printf("%s\n", s);
			free(s);
			json_decref(v);
		} else
			stats_print(&st);
	}
	json_decref(st.types);
	json_decref(st.codes);
	return (ret);
}
