/*
 * fakemud.c: just enough of a CircleMUD to run i3_glue.c for the tests:
 * two players, a select() game loop, commands read from stdin as
 * "<player> <command>", and a copyover that exec()s itself.
 *
 *	fakemud I3GW CONFIG		commands: "Ann i3 tell bob@Beta hi",
 *					"Ann quit", "Ann login", "copyover",
 *					"shutdown"
 *
 * Build it with -DI3_COLOUR=I3_COLOUR_PLAIN: its send_to_char() prints
 * as it is, where a real one would turn colour codes into ANSI.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/select.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mud.h"
#include "i3_glue.h"

static struct char_data		ann = { "Ann", "the Adventurer", 1 };
static struct char_data		cid = { "Cid", "the Wizard", 34 };
static struct descriptor_data	d_cid = { CON_PLAYING, &cid, NULL };
static struct descriptor_data	d_ann = { CON_PLAYING, &ann, &d_cid };
struct descriptor_data		*descriptor_list = &d_ann;

size_t
send_to_char(struct char_data *ch, const char *messg, ...)
{
	char	buf[4096];
	va_list	ap;
	size_t	n;

	va_start(ap, messg);
	vsnprintf(buf, sizeof buf, messg, ap);
	va_end(ap);
	n = strcspn(buf, "\r");		/* one line a message, for the test */
	buf[n] = '\0';
	printf("[%s] %s\n", GET_NAME(ch), buf);
	fflush(stdout);
	return (n);
}

void
basic_mud_log(const char *format, ...)
{
	va_list	ap;

	printf("log: ");
	va_start(ap, format);
	vprintf(format, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static struct descriptor_data *
find_d(const char *name)
{
	struct descriptor_data	*d;

	for (d = descriptor_list; d != NULL; d = d->next) {
		if (strcasecmp(GET_NAME(d->character), name) == 0)
			return (d);
	}
	return (NULL);
}

/* One command line; 1 to stop. */
static int
command(char *line, char *argv[])
{
	struct descriptor_data	*d;
	char			*sp;

	if (strcmp(line, "shutdown") == 0)
		return (1);
	if (strcmp(line, "copyover") == 0) {
		/* tbaMUD's do_copyover saves descriptors, then execl()s. */
		i3_copyover();
		execl(argv[0], argv[0], argv[1], argv[2], "--copyover",
		    (char *)NULL);
		perror("exec");
		return (1);
	}
	if ((sp = strchr(line, ' ')) == NULL)
		return (0);
	*sp++ = '\0';
	if ((d = find_d(line)) == NULL)
		return (0);
	if (strcmp(sp, "quit") == 0) {
		i3_logout(d->character);
		d->connected = -1;
	} else if (strcmp(sp, "login") == 0) {
		d->connected = CON_PLAYING;
		i3_login(d->character);
	} else if (strncmp(sp, "i3 ", 3) == 0)
		do_i3(d->character, sp + 3, 0, 0);
	return (0);
}

int
main(int argc, char *argv[])
{
	struct descriptor_data	*d;
	struct timeval		 tv;
	fd_set			 rd, wr;
	char			 in[4096], *nl;
	size_t			 len = 0;
	ssize_t			 n;
	int			 maxfd, fd, stop = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: fakemud i3gw config\n");
		return (2);
	}
	i3_boot(argv[1], argv[2]);
	if (argc > 3)
		log("copyover: back");
	else {
		for (d = descriptor_list; d != NULL; d = d->next)
			i3_login(d->character);
	}
	while (!stop) {
		/* game_loop(): the players' sockets and the gateway's fd. */
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		FD_SET(0, &rd);
		maxfd = 0;
		if ((fd = i3_fd()) != -1) {
			FD_SET(fd, &rd);
			maxfd = fd > maxfd ? fd : maxfd;
		}
		if (i3_want_write() && (fd = i3_wfd()) != -1) {
			FD_SET(fd, &wr);
			maxfd = fd > maxfd ? fd : maxfd;
		}
		tv.tv_sec = 0;
		tv.tv_usec = 100000;	/* a pulse: 1/10 s */
		if (select(maxfd + 1, &rd, &wr, NULL, &tv) > 0 &&
		    FD_ISSET(0, &rd)) {
			n = read(0, in + len, sizeof in - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
			in[len] = '\0';
			while (!stop && (nl = strchr(in, '\n')) != NULL) {
				*nl = '\0';
				stop = command(in, argv);
				len -= (size_t)(nl + 1 - in);
				memmove(in, nl + 1, len + 1);
			}
		}
		i3_pulse();		/* heartbeat(): I3 events to players */
	}
	i3_shutdown();
	log("shutdown");
	return (0);
}
