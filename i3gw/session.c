/*
 * session.c: client sessions: ids, resume tokens, subscriptions, events
 * kept for a client that went away, session_resume.
 */

#include <stdlib.h>
#include <string.h>

#include "i3gw.h"

static int	session_rpc_subscribe(struct client *, const json_t *,
		    json_t **, struct rpc_error *);
static int	session_rpc_unsubscribe(struct client *, const json_t *,
		    json_t **, struct rpc_error *);
static int	session_rpc_resume(struct client *, const json_t *,
		    json_t **, struct rpc_error *);

const struct svc svc_session = {
	.name = "session",
	.packets = { NULL },
	.on_packet = NULL,
	.methods = {
		{ "authenticate", auth_authenticate },
		{ "subscribe", session_rpc_subscribe },
		{ "unsubscribe", session_rpc_unsubscribe },
		{ "session_resume", session_rpc_resume },
		{ NULL, NULL }
	}
};

void
session_init(void)
{
}

void
session_new(struct client *cl)
{
}

int
session_client_gone(struct client *cl)
{
	return (0);
}

int
session_deliver(struct client *cl, const char *method, json_t *params)
{
	return (0);
}

size_t
session_broadcast(const char *method, json_t *params)
{
	struct client	*cl, *next;
	size_t		 n = 0;

	for (cl = TAILQ_FIRST(&clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		rpc_notify(cl, method, json_incref(params));
		n++;
	}
	return (n);
}

json_t *
session_info(struct client *cl)
{
	return (json_pack("{s:i}", "id", cl->id));
}

size_t
session_detached(void)
{
	return (0);
}

size_t
session_queued(void)
{
	return (0);
}

void
session_stats(json_t *o)
{
}

static int
session_rpc_subscribe(struct client *cl, const json_t *params,
    json_t **result, struct rpc_error *re)
{
	*result = json_pack("{s:b, s:o}", "subscribed", 1, "session",
	    session_info(cl));
	return (0);
}

static int
session_rpc_unsubscribe(struct client *cl, const json_t *params,
    json_t **result, struct rpc_error *re)
{
	*result = json_pack("{s:b}", "unsubscribed", 1);
	return (0);
}

static int
session_rpc_resume(struct client *cl, const json_t *params,
    json_t **result, struct rpc_error *re)
{
	return (rpc_fail(re, RPC_NOSESSION, "unknown session"));
}
