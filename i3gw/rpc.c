/*
 * rpc.c: JSON-RPC 2.0 over lines: parsing, errors, dispatch, answers (events
 * go out through events.c's event_deliver()).
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i3gw.h"

static void	rpc_error_reply(struct client *, json_t *, int, const char *,
		    json_t *);

/* The request whose handler is running, or NULL: sends it makes are its. */
static struct request	*rpc_cur;

static char	*rpc_inflight_key(const json_t *);
static void	 rpc_inflight_done(struct client *, const json_t *, int);
static void	 rpc_reply(struct client *, json_t *, json_t *,
		    struct rpc_error *);
static int	 rpc_refused(struct request *);
static int	 rpc_refuse(struct request *, int, const char *, ...)
		    C_PRINTF(3, 4);
static int	 rpc_parse(struct request *, const char *, size_t, int,
		    json_t **);
static int	 rpc_gate(struct request *);
static void	 rpc_call(struct request *);

/*
 * The request being served, for what its handler calls without it (the
 * send queue remembers who sent a packet); NULL outside a handler.
 */
const struct request *
rpc_current(void)
{
	return (rpc_cur);
}

int
rpc_fail(struct rpc_error *re, int code, const char *fmt, ...)
{
	va_list	ap;

	re->code = code;
	va_start(ap, fmt);
	vsnprintf(re->message, sizeof re->message, fmt, ap);
	va_end(ap);
	return (-1);
}

/* A string parameter; -1 with -32602 naming it when missing or not a string. */
int
rpc_str(const json_t *params, const char *key, int required,
    const char **out, struct rpc_error *re)
{
	json_t	*v = json_object_get(params, key);

	*out = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return (rpc_fail(re, I3_RPC_PARAMS, "missing "
			    "parameter: %s", key));
		return (0);
	}
	if (!json_is_string(v))
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: a string is "
		    "expected", key));
	if (required && json_string_length(v) == 0)
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: "
		    "empty", key));
	*out = json_string_value(v);
	return (0);
}

/*
 * from_user: given, or [api] default_user (the Python gateway's clients
 * leave it out); -32602 when neither.
 */
int
rpc_user(const json_t *params, const char **out, struct rpc_error *re)
{
	if (rpc_str(params, "from_user", 0, out, re) == -1)
		return (-1);
	if (*out != NULL && **out != '\0')
		return (0);
	if (api != NULL && api->default_user != NULL) {
		*out = api->default_user;
		return (0);
	}
	return (rpc_fail(re, I3_RPC_PARAMS, "missing parameter: from_user (and "
	    "no default_user in [api])"));
}

int
rpc_int(const json_t *params, const char *key, int required, json_int_t *out,
    struct rpc_error *re)
{
	json_t	*v = json_object_get(params, key);

	if (v == NULL || json_is_null(v)) {
		if (required)
			return (rpc_fail(re, I3_RPC_PARAMS, "missing "
			    "parameter: %s", key));
		return (0);
	}
	if (!json_is_integer(v))
		return (rpc_fail(re, I3_RPC_PARAMS, "parameter %s: an integer "
		    "is expected", key));
	*out = json_integer_value(v);
	return (0);
}

/* ISO 8601 UTC with milliseconds. */
char *
rpc_timestamp(void)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 buf[32], *s;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	xasprintf(&s, "%s.%03ldZ", buf, ts.tv_nsec / 1000000);
	return (s);
}

static void
rpc_error_reply(struct client *cl, json_t *id, int code, const char *msg,
    json_t *data)
{
	json_t	*err, *resp;

	gw.rpc_errors++;
	err = json_pack("{s:i, s:s}", "code", code, "message", msg);
	if (data != NULL)
		json_object_set(err, "data", data);
	resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id",
	    id != NULL ? id : json_null(), "error", err);
	client_send(cl, resp);
	json_decref(resp);
}

/* The key of a deferred request in cl->inflight: its id, as JSON. */
static char *
rpc_inflight_key(const json_t *id)
{
	return (json_dumps(id != NULL ? id : json_null(),
	    JSON_COMPACT | JSON_ENCODE_ANY));
}

/* A deferred request is answered: no longer in flight, and timed. */
static void
rpc_inflight_done(struct client *cl, const json_t *id, int failed)
{
	json_t	*v;
	char	*key;

	/* The handler answered its own request while it ran. */
	if (rpc_cur != NULL && rpc_cur->cl == cl && rpc_cur->id != NULL &&
	    id != NULL && json_equal(rpc_cur->id, id)) {
		rpc_cur->answered = 1;
		return;
	}
	if (cl->inflight == NULL || (key = rpc_inflight_key(id)) == NULL)
		return;
	if ((v = json_object_get(cl->inflight, key)) != NULL) {
		metrics_rpc(json_string_value(json_array_get(v, 1)),
		    ev_now_us() - (uint64_t)json_integer_value(
		    json_array_get(v, 0)), failed);
		json_object_del(cl->inflight, key);
	}
	free(key);
}

/* Answer a request: result (stolen) or re. */
void
rpc_respond(struct client *cl, json_t *id, json_t *result,
    struct rpc_error *re)
{
	rpc_inflight_done(cl, id, result == NULL);
	rpc_reply(cl, id, result, re);
}

/* An answer on the wire: result (stolen) or re. */
static void
rpc_reply(struct client *cl, json_t *id, json_t *result, struct rpc_error *re)
{
	json_t	*resp;

	if (result == NULL) {
		rpc_error_reply(cl, id, re->code, re->message, re->data);
		return;
	}
	/* The common case, an integer id, without a third object. */
	if (json_is_integer(id)) {
		client_send_result(cl, json_integer_value(id), result);
		json_decref(result);
		return;
	}
	resp = json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id,
	    "result", result);
	client_send(cl, resp);
	json_decref(resp);
}

/*
 * One line from a client: parse, gate, call, answer.  Each step that fails
 * answers with its error (or logs it, for a notification) and stops.
 */
void
rpc_line(struct client *cl, const char *line, size_t len, int flags)
{
	struct request	 rq;
	json_t		*req = NULL;

	memset(&rq, 0, sizeof rq);
	rq.cl = cl;
	rq.t0 = ev_now_us();
	gw.rpc_requests++;
	cl->requests++;
	if (rpc_parse(&rq, line, len, flags, &req) == 0 &&
	    rpc_gate(&rq) == 0)
		rpc_call(&rq);
	json_decref(rq.err.data);
	json_decref(req);
}

/* A step failed: rq->err to the client, or the log for a notification. */
static int
rpc_refused(struct request *rq)
{
	if (rq->id == NULL && rq->method != NULL)
		log_warnx("client %d: notification %s: %s", rq->cl->id,
		    rq->method->name, rq->err.message);
	else
		rpc_error_reply(rq->cl, rq->id, rq->err.code, rq->err.message,
		    rq->err.data);
	return (-1);
}

static int
rpc_refuse(struct request *rq, int code, const char *fmt, ...)
{
	va_list	ap;

	rq->err.code = code;
	va_start(ap, fmt);
	vsnprintf(rq->err.message, sizeof rq->err.message, fmt, ap);
	va_end(ap);
	return (rpc_refused(rq));
}

/*
 * The line as a JSON-RPC request: rq's id, method and params, the
 * parsed document in *req (it owns them).  -1 when answered already.
 */
static int
rpc_parse(struct request *rq, const char *line, size_t len, int flags,
    json_t **req)
{
	struct client	*cl = rq->cl;
	json_error_t	 jerr;
	json_t		*m, *id, *params;

	if (flags & CONN_TOOLONG)
		return (rpc_refuse(rq, I3_RPC_INVALID, "request line too long "
		    "(the limit is %zu bytes)", gw.conf->max_line));
	*req = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    &jerr);
	if (*req == NULL)
		return (rpc_refuse(rq, I3_RPC_PARSE, "parse error: %s (column "
		    "%d)", jerr.text, jerr.column));
	if (!json_is_object(*req))
		return (rpc_refuse(rq, I3_RPC_INVALID, "%s",
		    json_is_array(*req) ?
		    "invalid request: batches are not supported" :
		    "invalid request: not an object"));
	id = json_object_get(*req, "id");
	if (id != NULL && !json_is_string(id) && !json_is_integer(id) &&
	    !json_is_real(id) && !json_is_null(id))
		return (rpc_refuse(rq, I3_RPC_INVALID, "invalid request: id "
		    "must be a string or a number"));
	rq->id = id;
	m = json_object_get(*req, "jsonrpc");
	if (!json_is_string(m) || strcmp(json_string_value(m), "2.0") != 0)
		return (rpc_refuse(rq, I3_RPC_INVALID, "invalid request: "
		    "\"jsonrpc\" must be \"2.0\""));
	m = json_object_get(*req, "method");
	/* A response to a request of the gateway's own (call_client()). */
	if (m == NULL && id != NULL && (json_object_get(*req, "result") !=
	    NULL || json_object_get(*req, "error") != NULL)) {
		gw.rpc_requests--;
		cl->requests--;
		if (!call_response(cl, *req))
			log_warnx("client %d: a response to no request",
			    cl->id);
		return (-1);
	}
	if (!json_is_string(m))
		return (rpc_refuse(rq, I3_RPC_INVALID, "invalid request: "
		    "\"method\" must be a string"));
	if ((rq->method = method_find(json_string_value(m))) == NULL) {
		if (id == NULL) {
			log_warnx("client %d: notification: method not found: "
			    "%.200s", cl->id, json_string_value(m));
			return (-1);
		}
		return (rpc_refuse(rq, I3_RPC_NOMETHOD, "method not found: "
		    "%.200s", json_string_value(m)));
	}
	params = json_object_get(*req, "params");
	if (params != NULL && !json_is_object(params))
		return (rpc_refuse(rq, I3_RPC_PARAMS,
		    "params must be an object (named parameters)"));
	if (params == NULL) {
		params = json_object();
		json_object_set_new(*req, "params", params);
	}
	rq->params = params;
	return (0);
}

/* Keys, permissions, rate limits, requests in flight.  -1: refused. */
static int
rpc_gate(struct request *rq)
{
	struct client	*cl = rq->cl;

	/* auth.c */
	if (auth_gate(cl, rq->method, &rq->err) == -1)
		return (rpc_refused(rq));
	/* Requests waiting for a remote answer: at most max_inflight. */
	if (rq->id != NULL && api != NULL && api->max_inflight > 0 &&
	    cl->inflight != NULL &&
	    (long)json_object_size(cl->inflight) >= api->max_inflight) {
		metrics_rpc_busy();
		return (rpc_refuse(rq, I3_RPC_BUSY, "busy: %ld requests in "
		    "flight already (max_inflight)", api->max_inflight));
	}
	/* Text in the client's colour codes becomes Pinkfish (render.c). */
	if (render_params(cl, (json_t *)rq->params, &rq->err) == -1) {
		if (rq->id != NULL)
			rpc_refused(rq);
		return (-1);
	}
	return (0);
}

/* The handler, then its answer (now, or later by the handler itself). */
static void
rpc_call(struct request *rq)
{
	struct client	*cl = rq->cl;
	const char	*method = rq->method->name;
	char		*key;
	int		 rc;

	rpc_cur = rq;
	rc = rq->method->fn(rq);
	rpc_cur = NULL;
	if (rc == RPC_DEFER) {
		/* The method answers later (rpc_respond()), itself. */
		if (rq->id != NULL && !rq->answered &&
		    (key = rpc_inflight_key(rq->id)) != NULL) {
			if (cl->inflight == NULL)
				cl->inflight = json_object();
			json_object_set_new(cl->inflight, key,
			    json_pack("[I, s]", (json_int_t)rq->t0, method));
			free(key);
		} else if (rq->answered)
			metrics_rpc(method, ev_now_us() - rq->t0, 0);
		return;
	}
	/*
	 * A request without an id is a notification: JSON-RPC forbids an
	 * answer, so a failure is only logged.
	 */
	if (rq->id == NULL) {
		if (rc == -1)
			log_warnx("client %d: notification %s failed: %s",
			    cl->id, method, rq->err.message);
		json_decref(rq->result);
		return;
	}
	metrics_rpc(method, ev_now_us() - rq->t0, rc == -1);
	if (rc == -1) {
		json_decref(rq->result);
		rpc_reply(cl, rq->id, NULL, &rq->err);
	} else
		rpc_reply(cl, rq->id, rq->result != NULL ? rq->result :
		    json_object(), NULL);
	rq->result = NULL;
}
