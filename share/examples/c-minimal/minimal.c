/*
 * minimal.c: the smallest C MUD loop on I3: join a channel, send a tell,
 * print what arrives.
 *
 * Build (from the i3 source tree, after `make`):
 *	cc -std=c11 -Wall -Ilib -o minimal share/examples/c-minimal/minimal.c \
 *	    lib/libi3.a -ljansson
 * Run:
 *	I3GW=bin/i3gw ./minimal i3gw.conf chat bob@Beta 30
 *
 * The gateway runs as a child (i3gw --stdio -f CONFIG); everything goes
 * through one fd that a MUD's select() loop watches beside its players'.
 */

#define _POSIX_C_SOURCE 200809L	/* select(), strcasecmp() */

#include <sys/select.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <i3.h>

static const char	*channel;	/* the channel to join */
static char		 target_user[64], target_mud[64];
static int		 told;		/* the tell went out */

/* Every event the gateway sends: print its ready-made text. */
static void
on_event(i3_client *c, const char *event, const json_t *params, void *arg)
{
	const char	*text;

	text = json_string_value(json_object_get(params, "text"));
	printf("event %s: %s\n", event, text != NULL ? text : "");
	fflush(stdout);
}

/* The answer to one of our calls. */
static void
on_result(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	const char	*what = arg;

	if (error != NULL)
		printf("%s failed: %s\n", what, json_string_value(
		    json_object_get(error, "message")));
	else
		printf("%s: ok\n", what);
	fflush(stdout);
}

/* The target MUD is up: a tell can reach it (once). */
static void
say_hello(i3_client *c)
{
	if (told)
		return;
	told = 1;
	i3_client_tell(c, "guest", "Guest", target_user, target_mud,
	    "Hello from the minimal example!", on_result, "tell");
	i3_client_channel_send(c, channel, "guest", "Guest",
	    "Hello, channel!", on_result, "channel_send");
}

/* The first time, the mudlist brings the target in: mud_online. */
static void
on_mud_online(i3_client *c, const char *event, const json_t *params,
    void *arg)
{
	const char	*mud;

	mud = json_string_value(json_object_get(params, "mud"));
	if (mud != NULL && strcasecmp(mud, target_mud) == 0)
		say_hello(c);
}

/* The answer to mudinfo: up already (a mudlist the gateway had cached). */
static void
on_mudinfo(i3_client *c, int64_t id, const json_t *result,
    const json_t *error, void *arg)
{
	if (result != NULL && json_is_true(json_object_get(result, "up")))
		say_hello(c);
}

/*
 * Linked to the router: a mudlist kept from an earlier run sends no
 * mud_online for a MUD that was up already, so ask.
 */
static void
on_router_connected(i3_client *c, const char *event, const json_t *params,
    void *arg)
{
	i3_client_call_new(c, "mudinfo", json_pack("{s:s}", "mud",
	    target_mud), on_mudinfo, NULL);
}

/* The link to the gateway: lost, back, warnings. */
static void
on_status(i3_client *c, enum i3_client_status st, const char *text,
    void *arg)
{
	printf("gateway: %s\n", text);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	i3_client	*c;
	i3_client_opts	 opts;
	i3_error	 err;
	const char	*i3gw;
	char		*gwargv[5];
	fd_set		 rd, wr;
	struct timeval	 tv;
	time_t		 stop;
	int		 fd, wfd, maxfd;

	if (argc < 4 || sscanf(argv[3], "%63[^@]@%63s", target_user,
	    target_mud) != 2) {
		fprintf(stderr, "usage: minimal config channel user@mud "
		    "[seconds]\n");
		return (2);
	}
	channel = argv[2];
	stop = argc > 4 ? time(NULL) + atoi(argv[4]) : 0;
	if ((i3gw = getenv("I3GW")) == NULL)
		i3gw = "i3gw";

	/* Start the gateway: no shell, its logs to a file. */
	gwargv[0] = "i3gw";
	gwargv[1] = "--stdio";
	gwargv[2] = "-f";
	gwargv[3] = argv[1];
	gwargv[4] = NULL;
	memset(&opts, 0, sizeof opts);
	opts.stderr_path = "i3gw.log";
	opts.on_status = on_status;
	if ((c = i3_client_spawn(i3gw, gwargv, &opts, &err)) == NULL) {
		fprintf(stderr, "minimal: %s\n", err.text);
		return (1);
	}
	i3_client_on(c, "mud_online", on_mud_online, NULL);
	i3_client_on(c, "router_connected", on_router_connected, NULL);
	i3_client_on(c, NULL, on_event, NULL);	/* all the others */
	i3_client_channel_join(c, channel, on_result, "channel_join");

	/* The game loop: one pulse every 100 ms, like a Diku's. */
	while (stop == 0 || time(NULL) < stop) {
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		maxfd = -1;
		/* ... the players' descriptors go in the sets here ... */
		if ((fd = i3_client_fd(c)) != -1) {
			FD_SET(fd, &rd);
			maxfd = fd;
		}
		if (i3_client_want_write(c) && (wfd = i3_client_wfd(c)) != -1) {
			FD_SET(wfd, &wr);
			if (wfd > maxfd)
				maxfd = wfd;
		}
		tv.tv_sec = 0;
		tv.tv_usec = 100000;
		select(maxfd + 1, &rd, &wr, NULL, &tv);

		/* Never blocks: reads, dispatches, reconnects when due. */
		if (i3_client_poll(c, 0) == -1)
			break;
		/* ... the rest of the pulse: players, mobiles, combat ... */
	}
	i3_client_free(c);	/* the gateway sees EOF and exits cleanly */
	return (0);
}
