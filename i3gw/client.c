/*
 * client.c: API clients: a connection plus session state.  Only the stdio
 * client exists so far; a listener makes more with client_new().
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "i3gw.h"

struct clients		 clients = TAILQ_HEAD_INITIALIZER(clients);
static int		 client_next_id = 1;
static json_t		*client_users;	/* lower-case user -> client id */
static char		*client_buf;
static size_t		 client_bufsize;

#define CLIENT_MAX_USERS	10000

static void		 client_dispatch(struct conn *, const char *, size_t,
			    int);
static void		 client_write(struct client *, const char *, size_t);

static size_t		 client_n;	/* in the clients list */
static struct client	**client_byid;	/* id -> client, chained by id_next */
static size_t		 client_byid_size;	/* a power of 2 */

static void
client_byid_add(struct client *cl)
{
	struct client	**t, *c, *next;
	size_t		  i, size;

	if (client_n >= client_byid_size / 2) {
		size = client_byid_size != 0 ? client_byid_size * 2 : 64;
		t = xcalloc(size, sizeof *t);
		for (i = 0; i < client_byid_size; i++) {
			for (c = client_byid[i]; c != NULL; c = next) {
				next = c->id_next;
				c->id_next = t[c->id & (size - 1)];
				t[c->id & (size - 1)] = c;
			}
		}
		free(client_byid);
		client_byid = t;
		client_byid_size = size;
	}
	i = cl->id & (client_byid_size - 1);
	cl->id_next = client_byid[i];
	client_byid[i] = cl;
}

static void
client_byid_remove(struct client *cl)
{
	struct client	**p;

	p = &client_byid[cl->id & (client_byid_size - 1)];
	while (*p != NULL && *p != cl)
		p = &(*p)->id_next;
	if (*p != NULL)
		*p = cl->id_next;
}

/* The client with this id, if it is still here. */
struct client *
client_find(int id)
{
	struct client	*cl;

	if (client_byid_size == 0 || id <= 0)
		return (NULL);
	for (cl = client_byid[id & (client_byid_size - 1)]; cl != NULL;
	    cl = cl->id_next) {
		if (cl->id == id)
			return (cl);
	}
	return (NULL);
}

struct client *
client_new(int rfd, int wfd, int transport)
{
	struct client	*cl;

	cl = xcalloc(1, sizeof *cl);
	cl->id = client_next_id++;
	cl->channels = json_object();
	cl->transport = transport;
	cl->trusted = (transport == CLIENT_STDIO);
	cl->render = render_default;
	cl->since = ev_now();
	cl->conn = conn_new(rfd, wfd, CONN_LINES, client_dispatch, cl);
	conn_set_limits(cl->conn, gw.conf->max_line,
	    gw.conf->client_highwater, gw.conf->client_maxout);
	TAILQ_INSERT_TAIL(&clients, cl, entry);
	client_byid_add(cl);
	client_n++;
	log_debug("client %d: attached (fds %d/%d)", cl->id, rfd, wfd);
	return (cl);
}

struct client *
client_stdio(void)
{
	struct client	*cl;

	cl = client_new(STDIN_FILENO, STDOUT_FILENO, CLIENT_STDIO);
	cl->stdio = 1;
	return (cl);
}

size_t
client_count(void)
{
	return (client_n);
}

/* Close a client as if it had gone (limits, deadlines): said in the log. */
void
client_drop(struct client *cl, const char *why)
{
	log_info("client %d (%s): dropped: %s", cl->id, cl->addr, why);
	if (!session_client_gone(cl))
		client_free(cl);
}

static void
client_dispatch(struct conn *c, const char *msg, size_t len, int flags)
{
	struct client	*cl = c->arg;

	if (msg == NULL) {
		/* A session kept for session_resume (sessions, --linger). */
		if (session_client_gone(cl))
			return;
		if (cl->stdio) {
			log_info("client %d: end of input", cl->id);
			gw_shutdown("end of input on stdin");
			return;
		}
		log_debug("client %d: gone", cl->id);
		client_free(cl);
		return;
	}
	rpc_line(cl, msg, len, flags);
}

void
client_free(struct client *cl)
{
	const char	*key;
	json_t		*v;
	void		*tmp;

	svc_channel_client_gone(cl);
	auth_client_gone(cl);
	listen_client_gone(cl);
	json_object_foreach_safe(client_users, tmp, key, v) {
		if (json_integer_value(v) == cl->id)
			json_object_del(client_users, key);
	}
	TAILQ_REMOVE(&clients, cl, entry);
	client_byid_remove(cl);
	client_n--;
	conn_flush(cl->conn, 500);
	conn_free(cl->conn);
	tls_detach(cl);	/* after the last write */
	ws_detach(cl);
	json_decref(cl->channels);
	json_decref(cl->inflight);
	free(cl);
}

/* The profile its events are made in (evout_line()). */
int
client_profile(const struct client *cl)
{
	return (cl->render + (ws_python(cl) ? EVOUT_PY : 0));
}

/* One line out: to the connection, or to an HTTP answer being built. */
static void
client_write(struct client *cl, const char *buf, size_t len)
{
	if (cl->http != NULL)
		http_capture(cl, buf, len);
	else if (cl->ws != NULL)
		ws_send(cl, buf, len);
	else
		conn_write(cl->conn, buf, len);
}

/* A line already made (with its newline). */
void
client_send_line(struct client *cl, const char *buf, size_t len)
{
	client_write(cl, buf, len);
}

/* One JSON value, one line. */
void
client_send(struct client *cl, const json_t *v)
{
	size_t	n;

	for (;;) {
		n = json_dumpb(v, client_buf, client_bufsize,
		    JSON_COMPACT | JSON_ENCODE_ANY);
		if (n == 0) {
			log_warnx("client %d: cannot encode a reply", cl->id);
			return;
		}
		if (n < client_bufsize)
			break;
		client_bufsize = n + 4096;
		client_buf = xrealloc(client_buf, client_bufsize);
	}
	client_buf[n++] = '\n';
	client_write(cl, client_buf, n);
}

/* {"jsonrpc":"2.0","id":ID,"result":RESULT} without building it. */
void
client_send_result(struct client *cl, json_int_t id, const json_t *result)
{
	size_t	n, head;
	char	pre[64];

	head = snprintf(pre, sizeof pre, "{\"jsonrpc\":\"2.0\",\"id\":%"
	    JSON_INTEGER_FORMAT ",\"result\":", id);
	for (;;) {
		if (client_bufsize > head + 2) {
			n = json_dumpb(result, client_buf + head,
			    client_bufsize - head - 2, JSON_COMPACT);
			if (n == 0) {
				log_warnx("client %d: cannot encode a reply",
				    cl->id);
				return;
			}
			if (head + n + 2 <= client_bufsize)
				break;
		} else
			n = 4096;
		client_bufsize = head + n + 4096;
		client_buf = xrealloc(client_buf, client_bufsize);
	}
	memcpy(client_buf, pre, head);
	n += head;
	client_buf[n++] = '}';
	client_buf[n++] = '\n';
	client_write(cl, client_buf, n);
}

/* Remember which client spoke for a user, so errors find their way back. */
void
client_note_user(struct client *cl, const char *user)
{
	char	*lower, *p;
	json_t	*v;

	if (user == NULL)
		return;
	if (client_users == NULL)
		client_users = json_object();
	if (json_object_size(client_users) >= CLIENT_MAX_USERS)
		json_object_clear(client_users);
	lower = xstrdup(user);
	for (p = lower; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	v = json_object_get(client_users, lower);
	if (v == NULL || json_integer_value(v) != cl->id)
		json_object_set_new(client_users, lower, json_integer(cl->id));
	free(lower);
}

struct client *
client_by_user(const char *user)
{
	struct client	*cl;
	const char	*key;
	json_t		*v;
	json_int_t	 id = -1;

	if (user == NULL || client_users == NULL)
		return (NULL);
	json_object_foreach(client_users, key, v) {
		if (strcasecmp(key, user) == 0) {
			id = json_integer_value(v);
			break;
		}
	}
	TAILQ_FOREACH(cl, &clients, entry) {
		if (cl->id == id)
			return (cl);
	}
	return (NULL);
}
