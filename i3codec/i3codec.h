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

#endif /* I3CODEC_H */
