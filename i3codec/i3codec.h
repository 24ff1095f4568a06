/*
 * i3codec.h: the subcommands of i3codec that live in their own files.
 */

#ifndef I3CODEC_H
#define I3CODEC_H

/*
 * Weak until each file lands, so that main.c links before them;
 * main() checks the pointer.
 */
int	cmd_colour(int, char **) __attribute__((weak));
int	cmd_schema(int, char **) __attribute__((weak));

/* tap.c: the logging MudMode proxy */
int	cmd_tap(int, char **);

/* taplog.c: tap logs read back */
int	cmd_stats(int, char **);
int	taplog_is(const unsigned char *, size_t);
int	taplog_each(const char *, const unsigned char *, size_t,
	    int (*)(json_t *, size_t, void *), void *);

#endif /* I3CODEC_H */
