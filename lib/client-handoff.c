/*
 * client-handoff.c: the client API across an exec (a MUD's copyover): the
 * connection written to a string, and taken up again from it.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client-int.h"

/*
 * The handoff string: "i3c1:KIND:RFD:WFD:PID:NEXTID:SKIP", fds -1 when
 * there was no connection, SKIP 1 when a line was cut (the new client
 * drops input up to the next newline).
 */
int
i3_client_detach(i3_client *c, char *buf, size_t len, i3_error *err)
{
	struct pollfd	pfd;
	int64_t		end;
	int		n, skip = 0;

	if (c == NULL || buf == NULL) {
		i3__seterr(err, I3_EINVAL, 0, "bad arguments");
		return (-1);
	}
	if (c->busy) {
		i3__seterr(err, I3_ECLIENT, 0, "cannot detach from a callback");
		return (-1);
	}
	if (len < I3_CLIENT_HANDOFF_MAX) {
		i3__seterr(err, I3_EINVAL, 0, "buffer too small (%zu < %d)",
		    len, I3_CLIENT_HANDOFF_MAX);
		return (-1);
	}
	c->busy++;
	end = i3__c_now() + I3C_DETACH_WAIT;
	/* Send everything queued. */
	i3__c_drain(c, I3C_DETACH_WAIT);
	/* Dispatch what was read, reading on to the end of a cut line. */
	for (;;) {
		i3__c_dispatch(c, UINT32_MAX);
		if (c->ilen == 0 || c->broken || c->state != I3C_UP ||
		    i3__c_now() >= end)
			break;
		pfd.fd = c->rfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 50) > 0 && i3__c_read(c) == -1)
			break;
	}
	c->busy--;
	if (c->ilen > 0 || c->skipping)
		skip = 1;
	if (c->broken)
		i3__c_teardown(c);
	if (c->state == I3C_UP) {
		i3__c_cloexec(c->rfd, 0);
		i3__c_cloexec(c->wfd, 0);
		n = snprintf(buf, len, "%s:%d:%d:%d:%ld:%" PRId64 ":%d",
		    I3C_HANDOFF_TAG, (int)c->kind, c->rfd, c->wfd, c->pid,
		    c->next_id, skip);
	} else
		n = snprintf(buf, len, "%s:%d:-1:-1:-1:%" PRId64 ":0",
		    I3C_HANDOFF_TAG, (int)c->kind, c->next_id);
	if (n < 0 || (size_t)n >= len) {
		i3__seterr(err, I3_EINVAL, 0, "buffer too small");
		return (-1);
	}
	c->busy++;
	i3__c_fail_all(c, I3_CLIENT_ECLOSED, "client detached", UINT64_MAX);
	c->busy--;
	/* An old child not reaped yet would be lost track of. */
	i3__c_reap(c, 1);
	i3__c_destroy(c);
	return (0);
}

i3_client *
i3_client_attach(const char *handoff, const char *where,
    char *const argv[], const i3_client_opts *opts, i3_error *err)
{
	i3_client	*c;
	long long	 v[6];
	const char	*s;
	char		*end, *colon;
	int		 i;

	if (handoff == NULL || strncmp(handoff, I3C_HANDOFF_TAG ":",
	    sizeof I3C_HANDOFF_TAG) != 0) {
		i3__seterr(err, I3_EINVAL, 0, "not a client handoff string");
		return (NULL);
	}
	s = handoff + sizeof I3C_HANDOFF_TAG;
	for (i = 0; i < 6; i++) {
		errno = 0;
		v[i] = strtoll(s, &end, 10);
		if (errno != 0 || end == s || *end != (i < 5 ? ':' : '\0')) {
			i3__seterr(err, I3_EINVAL, (size_t)(s - handoff),
			    "bad client handoff string");
			return (NULL);
		}
		s = end + 1;
	}
	if (v[0] < I3C_SPAWN || v[0] > I3C_NONE || v[1] < -1 ||
	    v[1] > INT32_MAX || v[2] < -1 || v[2] > INT32_MAX || v[4] < 1 ||
	    (v[1] == -1) != (v[2] == -1)) {
		i3__seterr(err, I3_EINVAL, 0, "bad client handoff string");
		return (NULL);
	}
	if (v[1] != -1 && (fcntl((int)v[1], F_GETFD) == -1 ||
	    fcntl((int)v[2], F_GETFD) == -1)) {
		i3__seterr(err, I3_ECLIENT, 0, "handoff: fd %lld: %s", v[1],
		    strerror(errno));
		return (NULL);
	}

	if ((c = i3__c_new(where == NULL ? I3C_NONE : (enum i3c_kind)v[0],
	    opts)) == NULL || (where != NULL &&
	    i3__c_target(c, where, argv) == -1)) {
		if (c != NULL)
			i3__c_destroy(c);
		i3__seterr(err, I3_ENOMEM, 0, "out of memory");
		return (NULL);
	}
	if (c->kind == I3C_TCP && (colon = strrchr(c->where, ':')) != NULL) {
		*colon = '\0';
		free(c->port);
		if ((c->port = strdup(colon + 1)) == NULL) {
			i3__c_destroy(c);
			i3__seterr(err, I3_ENOMEM, 0, "out of memory");
			return (NULL);
		}
	}
	c->next_id = v[4];
	if (v[1] == -1) {
		c->next_try = i3__c_now();	/* get it back at the first poll */
		return (c);
	}
	c->rfd = (int)v[1];
	c->wfd = (int)v[2];
	c->pid = (long)v[3];
	c->skipping = v[5] != 0;
	i3__c_cloexec(c->rfd, 1);
	i3__c_cloexec(c->wfd, 1);
	i3__c_nonblock(c->rfd);
	i3__c_nonblock(c->wfd);
	c->state = I3C_UP;
	return (c);
}
