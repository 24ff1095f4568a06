/*
 * i3codec.h: the subcommands of i3codec that live in their own files.
 */

#ifndef I3CODEC_H
#define I3CODEC_H

#include <stdio.h>

/*
 * Each command: cmd_NAME(argc, argv) from the command's name on, and
 * NAME_usage(f, name), its help (on stdout for --help, exit 0; on stderr
 * for a usage error, exit 2).
 */

/* colour.c */
int	cmd_colour(int, char **);
void	colour_usage(FILE *, const char *);

/* schema.c */
int	cmd_schema(int, char **);
void	schema_usage(FILE *, const char *);

/* tap.c: the logging MudMode proxy */
int	cmd_tap(int, char **);
void	tap_usage(FILE *, const char *);

/* taplog.c: tap logs read back */
int	cmd_stats(int, char **);
void	stats_usage(FILE *, const char *);
int	taplog_is(const unsigned char *, size_t);
int	taplog_each(const char *, const unsigned char *, size_t,
	    int (*)(json_t *, size_t, void *), void *);

#endif /* I3CODEC_H */
