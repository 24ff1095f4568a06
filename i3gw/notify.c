/*
 * notify.c: sd_notify(3) without libsystemd: READY=1, STOPPING=1 and
 * WATCHDOG=1 as datagrams to $NOTIFY_SOCKET.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

static struct sockaddr_un	notify_sun;
static socklen_t		notify_len;
static int			notify_fd = -1;

static int	notify_watchdog(void *);

static int
notify_watchdog(void *arg)
{
	notify_send("WATCHDOG=1");
	return ((int)(intptr_t)arg);
}

void
notify_init(void)
{
	const char	*path, *s;
	size_t		 len;
	long		 usec;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL ||
	    (path[0] != '/' && path[0] != '@') ||
	    (len = strlen(path)) >= sizeof notify_sun.sun_path)
		return;
	memset(&notify_sun, 0, sizeof notify_sun);
	notify_sun.sun_family = AF_UNIX;
	memcpy(notify_sun.sun_path, path, len);
	if (path[0] == '@')
		notify_sun.sun_path[0] = '\0';	/* abstract namespace */
	notify_len = offsetof(struct sockaddr_un, sun_path) + len;
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if ((s = getenv("WATCHDOG_USEC")) != NULL &&
	    (usec = strtol(s, NULL, 10)) > 0)
		ev_timer_add(usec / 2000, notify_watchdog,
		    (void *)(intptr_t)(usec / 2000));
}

void
notify_send(const char *msg)
{
	if (notify_fd == -1)
		return;
	if (sendto(notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notify_sun, notify_len) == -1)
		log_debug("sd_notify %s: failed", msg);
}
