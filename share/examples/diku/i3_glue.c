/*
 * i3_glue.c: Intermud-3 for a Diku/Circle/tbaMUD, through i3gw and libi3:
 * the i3 command, events shown to players, presence, copyover.
 *
 * Drop it into src/, add it to the Makefile with -li3 -ljansson, and make
 * the few calls PATCH.md shows.  Everything here runs in the game loop's
 * thread; nothing blocks.
 */

#define _POSIX_C_SOURCE 200809L	/* setenv(), strdup(), strcasecmp() */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <i3.h>

/* In a real MUD: #include "conf.h", "sysdep.h", "structs.h", "utils.h",
 * "comm.h", "interpreter.h" instead. */
#include "mud.h"
#include "i3_glue.h"

#define I3_CHANNEL	"chat"	/* the channel "i3 chat" talks on */
#ifndef I3_COLOUR
#define I3_COLOUR	I3_COLOUR_TBA	/* Pinkfish -> tbaMUD \t codes */
#endif

static i3_client	*i3;

static struct char_data	*i3_find_player(const char *);
static void		 i3_show(struct char_data *, const json_t *);
static void		 i3_on_tell(i3_client *, const char *, const json_t *,
			    void *);
static void		 i3_on_channel(i3_client *, const char *,
			    const json_t *, void *);
static void		 i3_on_other(i3_client *, const char *,
			    const json_t *, void *);
static void		 i3_on_status(i3_client *, enum i3_client_status,
			    const char *, void *);
static void		 i3_on_answer(i3_client *, int64_t, const json_t *,
			    const json_t *, void *);
static void		 i3_on_who(i3_client *, int64_t, const json_t *,
			    const json_t *, void *);

/* A playing character by name; never keep the pointer across pulses. */
static struct char_data *
i3_find_player(const char *name)
{
	struct descriptor_data	*d;

	if (name == NULL)
		return (NULL);
	for (d = descriptor_list; d != NULL; d = d->next) {
		if (STATE(d) == CON_PLAYING && d->character != NULL &&
		    strcasecmp(GET_NAME(d->character), name) == 0)
			return (d->character);
	}
	return (NULL);
}

/* The event's ready-made "text", in the MUD's colour codes. */
static void
i3_show(struct char_data *ch, const json_t *params)
{
	const char	*text;
	char		*out;

	text = json_string_value(json_object_get(params, "text"));
	if (ch == NULL || text == NULL)
		return;
	/* Remote text: control bytes stripped, Pinkfish translated. */
	out = i3_colour_render(text, strlen(text), I3_COLOUR, NULL, NULL);
	send_to_char(ch, "%s\r\n", out != NULL ? out : "");
	free(out);
}

/* tell_received, emoteto_received, beep_received, error_received. */
static void
i3_on_tell(i3_client *c, const char *event, const json_t *params, void *arg)
{
	i3_show(i3_find_player(json_string_value(json_object_get(params,
	    "target_user"))), params);
}

/* channel_message, channel_emote, channel_targeted: to everyone playing. */
static void
i3_on_channel(i3_client *c, const char *event, const json_t *params,
    void *arg)
{
	struct descriptor_data	*d;

	for (d = descriptor_list; d != NULL; d = d->next) {
		/* A real MUD checks the player's channel flags here. */
		if (STATE(d) == CON_PLAYING && d->character != NULL)
			i3_show(d->character, params);
	}
}

/* Anything else (MUDs coming and going, the router link): the log. */
static void
i3_on_other(i3_client *c, const char *event, const json_t *params,
    void *arg)
{
	if (strcmp(event, "router_connected") == 0 ||
	    strcmp(event, "router_disconnected") == 0)
		log("I3: %s %s", event, json_string_value(
		    json_object_get(params, "router")));
}

static void
i3_on_status(i3_client *c, enum i3_client_status st, const char *text,
    void *arg)
{
	log("I3: gateway: %s", text);
}

/*
 * An answer for a player: arg is a copy of their name, looked up again
 * now (they may have quit meanwhile: never pass a char_data pointer).
 */
static void
i3_on_answer(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	struct char_data	*ch = i3_find_player(arg);

	if (ch != NULL && error != NULL)
		send_to_char(ch, "I3: %s\r\n", json_string_value(
		    json_object_get(error, "message")));
	else if (ch != NULL && json_is_true(json_object_get(result, "queued")))
		/* The router is away, or the gateway paces what it sends. */
		send_to_char(ch, "Ok (queued: it goes out shortly).\r\n");
	else if (ch != NULL)
		send_to_char(ch, "Ok.\r\n");
	free(arg);
}

static void
i3_on_who(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	struct char_data	*ch = i3_find_player(arg);
	const json_t		*users, *u;
	size_t			 i;

	if (ch != NULL && error != NULL)
		send_to_char(ch, "I3: %s\r\n", json_string_value(
		    json_object_get(error, "message")));
	else if (ch != NULL) {
		users = json_object_get(result, "users");
		send_to_char(ch, "%zu on %s:\r\n", json_array_size(users),
		    json_string_value(json_object_get(result, "mud")));
		json_array_foreach(users, i, u)
			send_to_char(ch, "  %s\r\n", json_string_value(
			    json_object_get(u, "visname")));
	}
	free(arg);
}

void
i3_boot(const char *i3gw_path, const char *config)
{
	i3_client_opts	 opts;
	i3_error	 err;
	const char	*handoff;
	char		*argv[] = { "i3gw", "--stdio", "-f", (char *)config,
			    NULL };

	memset(&opts, 0, sizeof opts);
	opts.stderr_path = "../log/i3gw.log";	/* beside syslog */
	opts.on_status = i3_on_status;
	opts.call_timeout_ms = 30000;
	if (getenv("I3_STDERR") != NULL)
		opts.stderr_path = getenv("I3_STDERR");

	/* After a copyover the gateway is still running: take it back. */
	if ((handoff = getenv("I3_HANDOFF")) != NULL) {
		i3 = i3_client_attach(handoff, i3gw_path, argv, &opts, &err);
		unsetenv("I3_HANDOFF");
		if (i3 != NULL)
			log("I3: gateway re-attached after copyover");
	}
	if (i3 == NULL &&
	    (i3 = i3_client_spawn(i3gw_path, argv, &opts, &err)) == NULL) {
		log("I3: cannot start the gateway: %s", err.text);
		return;
	}
	i3_client_on(i3, "tell_received", i3_on_tell, NULL);
	i3_client_on(i3, "emoteto_received", i3_on_tell, NULL);
	i3_client_on(i3, "beep_received", i3_on_tell, NULL);
	i3_client_on(i3, "error_received", i3_on_tell, NULL);
	i3_client_on(i3, "channel_message", i3_on_channel, NULL);
	i3_client_on(i3, "channel_emote", i3_on_channel, NULL);
	i3_client_on(i3, "channel_targeted", i3_on_channel, NULL);
	i3_client_on(i3, NULL, i3_on_other, NULL);
	/* Joined again by the library after every respawn; harmless twice. */
	i3_client_channel_join(i3, I3_CHANNEL, NULL, NULL);
}

int
i3_fd(void)
{
	return (i3 != NULL ? i3_client_fd(i3) : -1);
}

int
i3_want_write(void)
{
	return (i3 != NULL && i3_client_want_write(i3));
}

int
i3_wfd(void)
{
	return (i3 != NULL ? i3_client_wfd(i3) : -1);
}

void
i3_pulse(void)
{
	if (i3 != NULL)
		i3_client_poll(i3, 0);
}

void
i3_copyover(void)
{
	char		buf[I3_CLIENT_HANDOFF_MAX];
	i3_error	err;

	if (i3 == NULL)
		return;
	if (i3_client_detach(i3, buf, sizeof buf, &err) == -1) {
		log("I3: copyover: %s; the gateway restarts", err.text);
		i3_client_free(i3);
	} else
		setenv("I3_HANDOFF", buf, 1);
	i3 = NULL;
}

void
i3_shutdown(void)
{
	i3_client_free(i3);
	i3 = NULL;
}

void
i3_login(struct char_data *ch)
{
	json_t	*p;
	char	 level[16];

	if (i3 == NULL)
		return;
	snprintf(level, sizeof level, "%d", GET_LEVEL(ch));
	p = json_pack("{s:s, s:s, s:s, s:b}", "name", GET_NAME(ch),
	    "title", GET_TITLE(ch) != NULL ? GET_TITLE(ch) : "",
	    "level", level, "online", 1);
	i3_client_presence_update(i3, p, NULL, NULL);
	json_decref(p);
}

void
i3_logout(struct char_data *ch)
{
	json_t	*p;

	if (i3 == NULL)
		return;
	p = json_pack("{s:s, s:b}", "name", GET_NAME(ch), "online", 0);
	i3_client_presence_update(i3, p, NULL, NULL);
	json_decref(p);
}

/*
 * i3 tell <user>@<mud> <message>	i3 chat <message>
 * i3 emote <action>			i3 who <mud>
 */
void
do_i3(struct char_data *ch, char *argument, int cmd, int subcmd)
{
	char	 verb[32], target[128], user[64], mud[64];
	char	*rest, *me;
	int64_t	 id;
	int	 n = 0;

	if (i3 == NULL) {
		send_to_char(ch, "I3 is not running.\r\n");
		return;
	}
	verb[0] = '\0';
	sscanf(argument, " %31s %n", verb, &n);
	rest = argument + n;
	/* The answer's callback gets the name, not ch (see i3_on_answer). */
	if ((me = strdup(GET_NAME(ch))) == NULL)
		return;
	if (strcmp(verb, "tell") == 0 &&
	    sscanf(rest, "%127s %n", target, &n) == 1 && rest[n] != '\0' &&
	    sscanf(target, "%63[^@]@%63s", user, mud) == 2)
		id = i3_client_tell(i3, GET_NAME(ch), NULL, user, mud,
		    rest + n, i3_on_answer, me);
	else if (strcmp(verb, "chat") == 0 && *rest != '\0')
		id = i3_client_channel_send(i3, I3_CHANNEL, GET_NAME(ch),
		    NULL, rest, i3_on_answer, me);
	else if (strcmp(verb, "emote") == 0 && *rest != '\0')
		id = i3_client_channel_emote(i3, I3_CHANNEL, GET_NAME(ch),
		    NULL, rest, i3_on_answer, me);
	else if (strcmp(verb, "who") == 0 && *rest != '\0')
		id = i3_client_who(i3, rest, i3_on_who, me);
	else {
		send_to_char(ch, "Usage: i3 tell <user>@<mud> <message> | "
		    "i3 chat <message> | i3 emote <action> | i3 who <mud>\r\n");
		free(me);
		return;
	}
	/* -1: the queue is full or the gateway is down for good. */
	if (id == -1) {
		send_to_char(ch, "I3: %s\r\n", i3_client_error(i3)->text);
		free(me);
	}
}
