/*
 * common.h: helpers shared by the i3 programs (never part of libi3).
 */

#ifndef COMMON_H
#define COMMON_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define C_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define C_DEAD		__attribute__((noreturn))
#else
#define C_PRINTF(a, b)
#define C_DEAD
#endif

/* xmalloc.c: allocation that cannot fail (out of memory is fatal). */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...) C_PRINTF(2, 3);

/* log.c: OpenBSD-style logging to stderr (never stdout). */
#define LOG_TO_STDERR	0	/* timestamped lines */
#define LOG_TO_JOURNAL	1	/* stderr, "<priority>", no timestamp */
#define LOG_TO_SYSLOG	2

void	 log_init(const char *progname, int verbose);
void	 log_target(int);
void	 log_reopen(const char *path);
int	 log_verbose(void);
void	 log_warn(const char *, ...) C_PRINTF(1, 2);
void	 log_warnx(const char *, ...) C_PRINTF(1, 2);
void	 log_info(const char *, ...) C_PRINTF(1, 2);
void	 log_debug(const char *, ...) C_PRINTF(1, 2);
void	 fatal(const char *, ...) C_PRINTF(1, 2) C_DEAD;
void	 fatalx(const char *, ...) C_PRINTF(1, 2) C_DEAD;

/* paths.c: the config file, socket and state directory; the INI reader. */
char	*paths_config(char **tried);
char	*paths_socket(void);
char	*paths_state(void);
int	 paths_ini(const char *,
	    int (*)(void *, const char *, const char *, const char *),
	    void *, char **, char **);

#endif /* COMMON_H */
