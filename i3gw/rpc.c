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

static json_t	*rpc_cur_id;	/* the id of the request being served */
static struct client *rpc_cur_client;	/* and its client */
static int	 rpc_in_fn;	/* a method is running */
static int	 rpc_answered;	/* ... and answered its own request */
static int	 rpc_direct;	/* rpc_line() answering, not a deferred answer */

static char	*rpc_inflight_key(const json_t *);
static void	 rpc_inflight_done(struct client *, const json_t *, int);

/* The id of the request being served (borrowed), for a deferred answer. */
json_t *
rpc_request_id(void)
{
	return (rpc_cur_id);
}

/* The client whose request is being served, or NULL. */
struct client *
rpc_request_client(void)
{
	return (rpc_in_fn ? rpc_cur_client : NULL);
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

	if (rpc_in_fn) {
		rpc_answered = 1;
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
	json_t	*resp;

	if (!rpc_direct)
		rpc_inflight_done(cl, id, result == NULL);
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

void
rpc_line(struct client *cl, const char *line, size_t len, int flags)
{
	json_t		*req, *id, *params, *result = NULL, *m;
	json_error_t	 jerr;
	struct rpc_error re;
	const char	*method;
	const struct method *mt;
	char		 msg[300], *key;
	int		 rc;
	uint64_t	 t0 = ev_now_us();

	gw.rpc_requests++;
	cl->requests++;
	if (flags & CONN_TOOLONG) {
		snprintf(msg, sizeof msg, "request line too long (the limit "
		    "is %zu bytes)", gw.conf->max_line);
		rpc_error_reply(cl, NULL, I3_RPC_INVALID, msg, NULL);
		return;
	}
	req = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof msg, "parse error: %s (column %d)",
		    jerr.text, jerr.column);
		rpc_error_reply(cl, NULL, I3_RPC_PARSE, msg, NULL);
		return;
	}
	if (!json_is_object(req)) {
		rpc_error_reply(cl, NULL, I3_RPC_INVALID, json_is_array(req) ?
		    "invalid request: batches are not supported" :
		    "invalid request: not an object", NULL);
		json_decref(req);
		return;
	}
	id = json_object_get(req, "id");
	if (id != NULL && !json_is_string(id) && !json_is_integer(id) &&
	    !json_is_real(id) && !json_is_null(id)) {
		rpc_error_reply(cl, NULL, I3_RPC_INVALID, "invalid request: id "
		    "must be a string or a number", NULL);
		json_decref(req);
		return;
	}
	m = json_object_get(req, "jsonrpc");
	if (!json_is_string(m) || strcmp(json_string_value(m), "2.0") != 0) {
		rpc_error_reply(cl, id, I3_RPC_INVALID, "invalid request: "
		    "\"jsonrpc\" must be \"2.0\"", NULL);
		json_decref(req);
		return;
	}
	m = json_object_get(req, "method");
	/* A response to a request of the gateway's own (call_client()). */
	if (m == NULL && id != NULL && (json_object_get(req, "result") !=
	    NULL || json_object_get(req, "error") != NULL)) {
		gw.rpc_requests--;
		cl->requests--;
		if (!call_response(cl, req))
			log_warnx("client %d: a response to no request",
			    cl->id);
		json_decref(req);
		return;
	}
	if (!json_is_string(m)) {
		rpc_error_reply(cl, id, I3_RPC_INVALID, "invalid request: "
		    "\"method\" must be a string", NULL);
		json_decref(req);
		return;
	}
	method = json_string_value(m);
	if ((mt = method_find(method)) == NULL) {
		snprintf(msg, sizeof msg, "method not found: %.200s", method);
		if (id == NULL)
			log_warnx("client %d: notification: %s", cl->id, msg);
		else
			rpc_error_reply(cl, id, I3_RPC_NOMETHOD, msg, NULL);
		json_decref(req);
		return;
	}
	/* Keys, permissions and rate limits (auth.c). */
	memset(&re, 0, sizeof re);
	if (auth_gate(cl, mt, &re) == -1) {
		if (id == NULL)
			log_warnx("client %d: notification %s: %s", cl->id,
			    method, re.message);
		else
			rpc_error_reply(cl, id, re.code, re.message, re.data);
		json_decref(re.data);
		json_decref(req);
		return;
	}
	params = json_object_get(req, "params");
	if (params != NULL && !json_is_object(params)) {
		if (id == NULL)
			log_warnx("client %d: notification %s: params must be "
			    "an object", cl->id, method);
		else
			rpc_error_reply(cl, id, I3_RPC_PARAMS, "params must be "
			    "an object (named parameters)", NULL);
		json_decref(req);
		return;
	}
	/* Requests waiting for a remote answer: at most max_inflight. */
	if (id != NULL && api != NULL && api->max_inflight > 0 &&
	    cl->inflight != NULL &&
	    (long)json_object_size(cl->inflight) >= api->max_inflight) {
		metrics_rpc_busy();
		snprintf(msg, sizeof msg, "busy: %ld requests in flight "
		    "already (max_inflight)", api->max_inflight);
		rpc_error_reply(cl, id, I3_RPC_BUSY, msg, NULL);
		json_decref(req);
		return;
	}
	if (params == NULL)
		params = json_object();
	else
		json_incref(params);

	/* Text in the client's colour codes becomes Pinkfish (render.c). */
	memset(&re, 0, sizeof re);
	if (render_params(cl, params, &re) == -1) {
		if (id != NULL)
			rpc_error_reply(cl, id, re.code, re.message, re.data);
		json_decref(re.data);
		json_decref(params);
		json_decref(req);
		return;
	}
	memset(&re, 0, sizeof re);
	rpc_cur_id = id;
	rpc_cur_client = cl;
	rpc_in_fn = 1;
	rpc_answered = 0;
	rc = mt->fn(cl, params, &result, &re);
	rpc_in_fn = 0;
	rpc_cur_id = NULL;
	rpc_cur_client = NULL;
	json_decref(params);
	if (rc == RPC_DEFER) {
		/* The method answers later (rpc_respond()), itself. */
		if (id != NULL && !rpc_answered &&
		    (key = rpc_inflight_key(id)) != NULL) {
			if (cl->inflight == NULL)
				cl->inflight = json_object();
			json_object_set_new(cl->inflight, key,
			    json_pack("[I, s]", (json_int_t)t0, method));
			free(key);
		} else if (rpc_answered)
			metrics_rpc(method, ev_now_us() - t0, 0);
		json_decref(req);
		return;
	}
	/*
	 * A request without an id is a notification: JSON-RPC forbids an
	 * answer, so a failure is only logged.
	 */
	if (id == NULL) {
		if (rc == -1)
			log_warnx("client %d: notification %s failed: %s",
			    cl->id, method, re.message);
		json_decref(result);
		json_decref(re.data);
		json_decref(req);
		return;
	}
	metrics_rpc(method, ev_now_us() - t0, rc == -1);
	if (rc == -1) {
		json_decref(result);
		rpc_error_reply(cl, id, re.code, re.message, re.data);
	} else {
		rpc_direct = 1;
		rpc_respond(cl, id, result != NULL ? result :
		    json_object(), NULL);
		rpc_direct = 0;
	}
	json_decref(re.data);
	json_decref(req);
}
