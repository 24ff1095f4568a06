/*
 * i3ctl.h: the internal header of i3ctl, the scriptable i3gw client.
 */

#ifndef I3CTL_H
#define I3CTL_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "i3.h"
#include "common.h"

#define I3CTL_NAME	"i3ctl"
#define I3CTL_VERSION	"0.1.0"

/* Exit codes (docs/i3ctl.1, EXIT STATUS). */
#define CTL_OK		0	/* success */
#define CTL_EI3		1	/* the I3 side answered with an error */
#define CTL_EUSAGE	2	/* usage */
#define CTL_EFILTER	3	/* filter compile or run error */
#define CTL_EGATEWAY	4	/* gateway unreachable or refused */
#define CTL_ETIMEOUT	5	/* timeout */

/* Colour choice. */
#define COLOR_AUTO	0
#define COLOR_ALWAYS	1
#define COLOR_NEVER	2

/* Default bound, in seconds, of one command (--timeout overrides). */
#define CTL_DEFAULT_TIMEOUT	30.0
/* The bound of a connect, whatever --timeout says. */
#define CTL_CONNECT_TIMEOUT	5.0

struct client;
struct filter;

/* Everything a command sees: the global options and the connection. */
struct ctl {
	int		 json;		/* --json */
	int		 raw;		/* -r */
	int		 color_mode;	/* --color */
	int		 color;		/* decided: ANSI colour on stdout */
	const char	*filter_src;	/* -q FILTER */
	struct filter	*filter;
	const char	*connect;	/* --connect HOST:PORT */
	int		 tls;
	int		 insecure;
	const char	*cafile;	/* --cafile */
	const char	*url;		/* --url */
	const char	*socket;	/* --socket */
	const char	*key_file;	/* --key-file */
	double		 timeout;	/* --timeout, seconds; < 0 unset */
	int		 verbose;
	int		 in_shell;	/* running inside `shell` */
	int		 interrupted;	/* SIGINT/SIGTERM seen */

	int64_t		 deadline;	/* ms on the monotonic clock; 0 none */
	struct client	*client;
	json_t		*mudnames;	/* cached mudlist names, or NULL */
};

/* Parsed arguments of one command: options by character, then words. */
#define ARGS_MAXOPTS	64
struct cmd_args {
	int		 argc;
	char		**argv;
	int		 nopts;
	struct {
		int	 ch;
		char	*val;
	}		 opts[ARGS_MAXOPTS];
};

struct cmd_entry;
typedef int	(*cmd_exec_fn)(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

/* Command flags. */
#define CMD_NOCONNECT	0x01	/* needs no gateway */
#define CMD_STOPOPTS	0x02	/* options only before the first word */
#define CMD_STREAM	0x04	/* prints a stream (NDJSON with --json) */
#define CMD_NODEADLINE	0x08	/* no default --timeout */

/*
 * One command.  args: short options, then the number of words.  complete:
 * what each word is, for completions: "mud", "user@mud", "channel",
 * "user", "command", "method", "event", "shell", "file" or "-" (free
 * text); the last kind repeats when upper is -1.
 */
struct cmd_entry {
	const char		 *name;
	const char		 *alias;
	struct {
		const char	 *template;
		int		  lower;
		int		  upper;	/* -1: no limit */
	}			  args;
	const struct option	 *longopts;	/* .val is the short option */
	const char		 *usage;
	const char		 *summary;
	const char		 *method;	/* JSON-RPC method, or NULL */
	const char		 *complete;
	int			  flags;
	const struct cmd_entry	 *const *children;
	cmd_exec_fn		  exec;
};

/* cmd.c */
extern const struct cmd_entry *const cmd_table[];
const struct cmd_entry *cmd_find(const struct cmd_entry *const *,
		    const char *, char **);
int		 cmd_run(struct ctl *, const struct cmd_entry *const *,
		    int, char **);
int		 cmd_usage(const struct cmd_entry *, const char *);
const char	*args_get(struct cmd_args *, int);
int		 args_has(struct cmd_args *, int);
int		 args_count(struct cmd_args *, int);
const char	*args_nth(struct cmd_args *, int, int);
char		*args_join(struct cmd_args *, int);
int		 ctl_global_option(struct ctl *, int, const char *);
extern const struct option ctl_global_longopts[];
extern const char ctl_global_shortopts[];
void		 cmd_full_name(const struct cmd_entry *,
		    const struct cmd_entry *, char *, size_t);

/* cmd-*.c: the entries. */
extern const struct cmd_entry cmd_tell_entry;
extern const struct cmd_entry cmd_emote_entry;
extern const struct cmd_entry cmd_beep_entry;
extern const struct cmd_entry cmd_who_entry;
extern const struct cmd_entry cmd_finger_entry;
extern const struct cmd_entry cmd_locate_entry;
extern const struct cmd_entry cmd_chanuser_entry;
extern const struct cmd_entry cmd_mudlist_entry;
extern const struct cmd_entry cmd_mudinfo_entry;
extern const struct cmd_entry cmd_channel_entry;
extern const struct cmd_entry cmd_listen_entry;
extern const struct cmd_entry cmd_ignore_entry;
extern const struct cmd_entry cmd_presence_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_reconnect_entry;
extern const struct cmd_entry cmd_shutdown_entry;
extern const struct cmd_entry cmd_call_entry;
extern const struct cmd_entry cmd_shell_entry;
extern const struct cmd_entry cmd_list_commands_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_help_entry;

/* cmd-history.c */
int		 cmd_channel_history_exec(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *);

/* cmd-list.c */
json_t		*cmd_table_json(void);
int		 cmd_print_help(FILE *, const struct cmd_entry *,
		    const struct cmd_entry *);

/* main.c */
int64_t		 ctl_now(void);
void		 ctl_set_deadline(struct ctl *, double);
char		*ctl_socket_path(void);
extern volatile int ctl_sigint;
void		 ctl_warn(const char *, ...) C_PRINTF(1, 2);
void		 ctl_warnx(const char *, ...) C_PRINTF(1, 2);
void		 ctl_debug(const char *, ...) C_PRINTF(1, 2);

/* client.c */
/* client_next_event(): interrupted by a signal. */
#define CLIENT_INTR	(-2)
typedef void	(*client_event_fn)(struct ctl *, json_t *);
int		 ctl_connect(struct ctl *);
void		 ctl_disconnect(struct ctl *);
int		 client_call(struct ctl *, const char *, json_t *, json_t **,
		    json_t **);
int		 client_next_event(struct ctl *, int64_t, json_t **);
int		 client_fd(struct client *);
int		 client_streams(struct client *);
json_int_t	 client_last_id(struct client *);
void		 client_set_event_cb(struct client *, client_event_fn);
int		 client_poll_events(struct ctl *);

/* rpc.c: calls with the error handling every command shares. */
int		 ctl_call(struct ctl *, const char *, json_t *, json_t **);
int		 ctl_call_quiet(struct ctl *, const char *, json_t *, json_t **,
		    json_t **);
int		 ctl_call_mud(struct ctl *, const char *, json_t *,
		    const char *, json_t **);
int		 ctl_error_exit(const json_t *);
void		 ctl_report_error(struct ctl *, const char *, const json_t *);
int		 ctl_split_address(struct ctl *, const char *, char **,
		    char **);
json_t		*ctl_mud_names(struct ctl *);
json_t		*ctl_channel_names(struct ctl *);
char		*ctl_read_stdin(size_t, char **);
int		 ctl_message(struct ctl *, struct cmd_args *, int, char **);
int		 ctl_simple(struct ctl *, const struct cmd_entry *, json_t *);
const char	*ctl_from_user(struct cmd_args *);
int		 ctl_send(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *, json_t *, const char *);
int		 ctl_send_lines(struct ctl *, const struct cmd_entry *,
		    struct cmd_args *, json_t *, const char *);
/* How long a send waits for the router's refusal (-w, --no-wait). */
#define CTL_DEFAULT_WAIT	1.0

/* filter.c */
struct filter	*filter_new(const char *, char **);
void		 filter_free(struct filter *);
/* Run on one value; each output is passed to the callback.  0 or -1. */
int		 filter_run(struct filter *, const json_t *,
		    int (*)(void *, json_t *), void *, char **);

/* output.c */
#define OUT_NONE	0	/* nothing in human mode */
#define OUT_GENERIC	1
#define OUT_TABLE	2
void		 output_init(struct ctl *);
int		 output_result(struct ctl *, const char *, const json_t *);
int		 output_event(struct ctl *, const json_t *);
int		 output_value(struct ctl *, const json_t *);
char		*output_colour(struct ctl *, const char *);
void		 output_table(struct ctl *, const json_t *, const char *const *);
void		 output_flush(void);

/* shell.c */
int		 shell_run(struct ctl *);

/* ws.c: WebSocket framing for --url ws:// and wss:// */
struct wsc;
struct wsc	*wsc_new(size_t);
void		 wsc_free(struct wsc *);
void		 wsc_key(char [25], char [29]);
int		 wsc_send(struct wsc *, const char *, size_t, const char **,
		    size_t *);
int		 wsc_feed(struct wsc *, const char *, size_t, char **, size_t *,
		    size_t *, const char **, size_t *);

#endif /* I3CTL_H */
