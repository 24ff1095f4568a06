/*
 * i3gw.h: the gateway's one internal header, in sections per file.
 */

#ifndef I3GW_H
#define I3GW_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "i3.h"
#include "common/common.h"

#define I3GW_NAME	"i3gw"

/* --------------------------------------------------------------- ev.c */

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_NOMORE	(-1)

typedef void	(*ev_io_fn)(int fd, int what, void *arg);
typedef int	(*ev_timer_fn)(void *arg);	/* next interval ms or EV_NOMORE */
typedef void	(*ev_signal_fn)(int sig);

void		 ev_init(void);
void		 ev_io_set(int fd, int what, ev_io_fn, void *arg);
void		 ev_io_del(int fd);
uint64_t	 ev_timer_add(long ms, ev_timer_fn, void *arg);
void		 ev_timer_del(uint64_t id);
void		 ev_signal(int sig, ev_signal_fn);
void		 ev_run(void);
void		 ev_set_prepoll(void (*)(void));
void		 ev_break(void);
uint64_t	 ev_now(void);		/* monotonic milliseconds */
uint64_t	 ev_now_us(void);	/* monotonic microseconds */
int		 ev_set_nonblock(int fd);

/* ------------------------------------------------------------- conn.c */

#define CONN_LINES	0	/* dispatch() per line, without the newline */
#define CONN_RAW	1	/* dispatch() per chunk of bytes read */

#define CONN_TOOLONG	0x1	/* flag: the line was over the limit, cut */

struct conn;
/* msg NULL: the peer is gone (EOF, error, output overflow). */
typedef void	(*conn_dispatch_fn)(struct conn *, const char *msg, size_t len,
		    int flags);

struct conn {
	int		 rfd;
	int		 wfd;
	int		 mode;
	conn_dispatch_fn dispatch;
	void		*arg;

	char		*in;
	size_t		 inlen;
	size_t		 insize;
	size_t		 maxline;
	int		 skipping;	/* discarding the rest of a long line */

	char		*out;
	size_t		 outoff;
	size_t		 outlen;
	size_t		 outsize;
	size_t		 highwater;	/* stop reading past this */
	size_t		 maxout;	/* drop the peer past this */

	int		 paused;
	int		 eof;
	int		 gone;
	int		 queued;	/* in the list conn_flush_all() writes */
	int		 hold;		/* conn_hold(): output buffered, not written */
	int		 wsock;		/* wfd is a socket: send(2) */		/* dispatch(NULL) done or pending */
	int		 busy;
	int		 freed;
	uint64_t	 gone_timer;
	uint64_t	 bytes_in;
	uint64_t	 bytes_out;

	/* A transport other than read(2)/write(2) (TLS): -1 with errno. */
	ssize_t		(*io_read)(struct conn *, void *, size_t);
	ssize_t		(*io_write)(struct conn *, const void *, size_t);
	void		*io_arg;
	int		 io_want;	/* EV_WRITE: the transport needs it */
};

struct conn	*conn_new(int rfd, int wfd, int mode, conn_dispatch_fn, void *);
void		 conn_set_limits(struct conn *, size_t maxline, size_t highwater,
		    size_t maxout);
int		 conn_write(struct conn *, const void *, size_t);
void		 conn_flush_all(void);
int		 conn_printf(struct conn *, const char *, ...) C_PRINTF(2, 3);
void		 conn_hold(struct conn *, int);
size_t		 conn_pending(const struct conn *);
int		 conn_flush(struct conn *, int timeout_ms);
void		 conn_free(struct conn *);

/* ----------------------------------------------------------- config.c */

struct router_conf {
	char		*name;
	char		*host;
	int		 port;
	int		 learned;	/* from a startup-reply, not the file */
};

/* [peer NAME]: what we know better than the mudlist about a MUD. */
struct peer_conf {
	char		*name;
	int		 colour;	/* index in peer_colours (peer.c) */
};

struct api_conf;

struct config {
	char		*path;
	struct api_conf	*api;		/* [api] and [key NAME] */
	json_t		*origin;	/* I3GW_* variable -> value used */

	/* [mud] */
	char		*mud_name;
	int		 player_port;
	char		*mudlib;
	char		*base_mudlib;
	char		*driver;
	char		*mud_type;
	char		*open_status;
	char		*admin_email;
	char		*url;
	json_t		*services;	/* name -> int */
	json_t		*channels;	/* array of channel names always heard */

	/* [router NAME] in order */
	struct router_conf *routers;
	size_t		 nrouters;

	/* [peer NAME] */
	struct peer_conf *peers;
	size_t		 npeers;

	/* [limits] (durations in ms) */
	int		 rate;		/* packets per second, 0 = unpaced */
	size_t		 queue_max;
	size_t		 reply_queue;	/* answers waiting, past it dropped */
	long		 queue_deadline;	/* ms a queued frame may wait */
	long		 startup_timeout;
	long		 idle_ping;
	long		 dead_after;
	long		 backoff_min;
	long		 backoff_max;
	int		 connect_spacing;	/* never two connects in a second */
	int		 learn_routers;	/* follow a startup-reply's list */
	size_t		 max_line;
	size_t		 client_highwater;
	size_t		 client_maxout;
	size_t		 max_frame;

	/* [log] */
	char		*log_file;
	int		 log_tells;

	/* [presence], and the information services' limits (ms) */
	int		 send_email;
	int		 send_ip;
	int		 take_all_tells;
	long		 info_timeout;
	long		 locate_window;
	long		 answer_timeout;

	/* [history] (history.c) and [moderation] (moderation.c) */
	int		 history;
	int		 history_tells;
	long		 history_max_age;	/* ms, 0 = forever */
	long		 history_max_count;	/* per channel, 0 = no limit */
	size_t		 history_queue;
	long		 flood_count;		/* per user and channel, 0 = off */
	long		 flood_window;		/* ms */
	json_t		*mod_ignore;		/* gateway-wide ignore globs */
};

struct config	*config_load(const char *path, char **cause);
int		 config_env(struct config *, char **cause);
int		 config_check(const struct config *, char **cause);
void		 config_free(struct config *);
void		 config_dump(const struct config *, FILE *);
const struct peer_conf *config_peer(const struct config *, const char *);
int		 config_add_router(struct config *, const char *name,
		    const char *host, int port, int learned);
long		 config_duration(const char *, int *ok);
int		 config_bool(const char *, int *);
int		 config_int(const char *, long, long, long *);
void		 config_list_keys(FILE *);
char		*config_hostport(const char *, const char **, const char **);
int		 config_reload(struct config *, struct config *, char **,
		    char **);

/* ------------------------------------------------------------ store.c */

struct store_router {
	long long	 password;
	long long	 mudlist_id;
	long long	 chanlist_id;
};

int		 store_open(const char *dir, char **cause);
void		 store_close(void);
void		 store_lock_pid(void);
int		 store_router_get(const char *router, struct store_router *);
json_t		*store_creds_list(void);
int		 store_password_set(const char *router, long long password);
int		 store_mudlist_id_set(const char *router, long long id);
int		 store_chanlist_id_set(const char *router, long long id);
int		 store_mudstate_set(const char *name, const json_t *);
json_t		*store_mudstate_get(const char *name);
int		 store_listen_set(const char *chan, int on);
json_t		*store_listen_load(void);
int		 store_routers_set(const json_t *list);	/* [[name, host, port]] */
json_t		*store_routers_get(void);
int		 store_begin(void);
int		 store_commit(void);
int		 store_mud_put(const char *router, const char *mud,
		    const json_t *info);	/* info NULL deletes */
json_t		*store_mudlist_load(const char *router);
int		 store_chan_put(const char *router, const char *chan,
		    const json_t *info);
int		 store_chan_clear(const char *router);
json_t		*store_chanlist_load(const char *router);
int		 store_ucache_put(const char *mud, const char *user,
		    const char *visname, long long gender);
json_t		*store_ucache_load(long long max_age);
/* One change to the stored send queue: frame NULL deletes seq. */
struct store_sendq_op {
	long long	 seq;
	int		 prio;
	const char	*frame;
	size_t		 len;
	long long	 deadline;	/* wall-clock ms */
	const char	*target;
};
int		 store_sendq_sync(const struct store_sendq_op *, size_t);
int		 store_sendq_load(void (*)(const struct store_sendq_op *,
		    void *), void *);
int		 store_ignore_put(const char *pattern, const char *channel,
		    const char *owner, int on);
json_t		*store_ignore_load(void);

/* ----------------------------------------------------------- router.c */

enum router_state {
	RS_IDLE = 0,
	RS_CONNECTING,
	RS_STARTUP_SENT,
	RS_READY,
	RS_BACKOFF,
};

struct rpc_error;
struct event;

void		 router_init(void);
void		 router_start(void);
void		 router_stop(int restart_delay);
void		 router_reconnect(void);
void		 router_reconfigure(void);
enum router_state router_state(void);
const char	*router_state_name(enum router_state);
const char	*router_name(void);
int		 router_ready(void);
/* Send (or queue) a raw packet; the reference is stolen.  *queued is 1 when held. */
int		 router_send(json_t *raw, int *queued, struct rpc_error *);
/* Answers to remote requests, errors: queued below the MUD's own, capped. */
void		 router_send_reply(json_t *raw);
/* Link control (channel-listen, keepalive): past the queues, this link only. */
void		 router_send_control(json_t *raw);
void		 router_note_tx(void);
void		 router_link_failed(const char *why);
size_t		 router_queue_len(void);
int		 router_from_router(const json_t *named);
void		 router_stats(json_t *);
uint64_t	 router_connected_since(void);

/* ------------------------------------------------------------ sendq.c */

#define SQ_CTL		0	/* link control: never queued */
#define SQ_MUD		1	/* the MUD's own sends */
#define SQ_REPLY	2	/* answers and errors: after SQ_MUD, capped */

void		 sendq_init(void);
int		 sendq_put(json_t *raw, int prio, int *queued,
		    struct rpc_error *);
void		 sendq_control(json_t *raw, int cost);
void		 sendq_link_up(int fd);
void		 sendq_link_down(int suspect);
void		 sendq_ready(void);
void		 sendq_mudlist(void);
void		 sendq_target_down(const char *mud);
void		 sendq_probe(void);
void		 sendq_probe_back(void);
void		 sendq_last_drain(void);
void		 sendq_flush(void);
void		 sendq_flush_pending(void);
int		 sendq_flush_wait(int ms);
size_t		 sendq_len(void);
int		 sendq_refusal(const json_t *named, const json_t *raw);
struct client;
void		 sendq_notify_failed(struct client *, const json_t *id,
		    const char *type, const char *target, const char *code,
		    const char *reason, const char *from);
void		 sendq_stats(json_t *);

/* -------------------------------------------------------------- rpc.c */

/* Error codes: I3_RPC_* in i3.h. */
struct rpc_error {
	int		 code;
	char		 message[256];
	json_t		*data;
};

struct client;
struct method;

/*
 * A request being served: what a method's handler gets.  It fills result,
 * or err and returns -1, or returns RPC_DEFER and answers later with
 * rpc_respond() (keeping a reference to id).
 */
struct request {
	struct client		*cl;
	json_t			*id;		/* NULL: a notification */
	const struct method	*method;
	const json_t		*params;	/* always an object */
	json_t			*result;
	struct rpc_error	 err;
	uint64_t		 t0;		/* when it came, us */
	int			 answered;	/* by rpc_respond() in the call */
};
typedef int	(*rpc_fn)(struct request *);

void		 rpc_line(struct client *, const char *, size_t, int flags);
int		 rpc_fail(struct rpc_error *, int code, const char *, ...)
		    C_PRINTF(3, 4);
int		 rpc_str(const json_t *params, const char *key, int required,
		    const char **out, struct rpc_error *);
int		 rpc_user(const json_t *params, const char **out,
		    struct rpc_error *);
int		 rpc_int(const json_t *params, const char *key, int required,
		    json_int_t *out, struct rpc_error *);
void		 rpc_respond(struct client *, json_t *id, json_t *result,
		    struct rpc_error *);
char		*rpc_timestamp(void);

/* ----------------------------------------------------------- client.c */

struct client {
	int		 id;
	struct conn	*conn;
	json_t		*channels;	/* name -> true, channels joined */
	int		 stdio;
	uint64_t	 requests;
	uint64_t	 notifications;
	int		 transport;	/* CLIENT_* */
	int		 trusted;	/* every method, no key needed */
	int		 perms;		/* API_P_*, once authenticated */
	struct api_key	*key;
	uid_t		 uid;
	char		 addr[64];	/* peer, for logs and limits */
	struct sockaddr_storage sa;	/* TCP peer */
	struct session	*session;
	void		*tls;
	void		*http;
	void		*ws;		/* ws.c: a WebSocket peer */
	json_t		*inflight;	/* deferred: id -> [start us, method] */
	int		 render;	/* colour profile of events' text */
	uint64_t	 since;		/* ev_now() of its connection */
	TAILQ_ENTRY(client) entry;
	struct client	*id_next;	/* client_find()'s chain */
};
TAILQ_HEAD(clients, client);
extern struct clients clients;

struct client	*client_stdio(void);
struct client	*client_new(int rfd, int wfd, int transport);
void		 client_free(struct client *);
void		 client_send(struct client *, const json_t *);
void		 client_send_line(struct client *, const char *, size_t);
void		 client_send_result(struct client *, json_int_t,
		    const json_t *);
size_t		 client_count(void);
struct client	*client_find(int);
int		 client_profile(const struct client *);
void		 client_drop(struct client *, const char *why);
struct client	*client_by_user(const char *user);
void		 client_note_user(struct client *, const char *user);

/* -------------------------------------------------------------- svc.c */

/* A row of the method table (methods.c): its services' rows collected. */
#define METHOD_NOKEY	0x1	/* may be called before authenticate */
#define METHOD_STREAM	0x2	/* needs a lasting connection: not HTTP */

struct method {
	const char	*name;
	rpc_fn		 fn;
	int		 perm;		/* API_P_* it needs, 0: any */
	int		 flags;		/* METHOD_* */
	const char	*params;	/* "a b [c]": [c] is optional */
	const char	*doc;		/* one line */
};

struct svc {
	const char	*name;
	const char	*packets[8];		/* router -> gateway */
	void		(*on_packet)(const json_t *named, const json_t *raw);
	struct method	 methods[16];	/* ends with a NULL name */
};

extern const struct svc svc_tell;
extern const struct svc svc_channel;
extern const struct svc svc_mudlist;
extern const struct svc svc_admin;
extern const struct svc svc_error;
extern const struct svc svc_info;
extern const struct svc svc_presence;
extern const struct svc svc_ucache;
extern const struct svc svc_auth;
extern const struct svc svc_chanadmin;

int		 svc_packet(const json_t *named, const json_t *raw);
json_t		*svc_event(const json_t *named, const char *text);
char		*svc_who(const char *visname, const char *user,
		    const char *mud);
char		*svc_expand(const char *text, const char *n, const char *o);
char		*svc_emote(const char *text, const char *n);
json_t		*svc_sent_result(int queued);

/* methods.c */
const struct method *method_find(const char *);
const char	*method_perm_name(int);
void		 method_list(FILE *, int json);
void		 method_dump(FILE *, json_t *);
/* events.c */
/*
 * EVENT_TELL: for a user here, its sender told when nobody takes it;
 * EVENT_CHANNEL: reaches the clients that joined its channel;
 * EVENT_SENDER: reaches the client that sent for its user;
 * EVENT_REQUEST: a request to the one client that answers it.
 */
#define EVENT_TELL	0x1
#define EVENT_CHANNEL	0x2
#define EVENT_SENDER	0x4
#define EVENT_REQUEST	0x8

struct event {
	const char	*name;
	int		 perm;		/* API_P_* group, 0: any */
	int		 flags;		/* EVENT_* */
	const char	*fields;	/* besides timestamp and text */
	const char	*doc;		/* one line */
};

const struct event *event_find(const char *);
const struct event *event_next(const struct event *);
uint32_t	 event_bit(const struct event *);
int		 event_allowed(const struct client *, const struct event *);
void		 event_list(FILE *, int json);
/*
 * One event on its way to its clients: its params serialised once per
 * render profile, the first time a client of that profile takes it (the
 * cache is the event's own, gone with it: nothing else can match it).
 */
#define EVOUT_RAW	I3_COLOUR_NPROFILES	/* as built: the store's */
/* Added to a profile: the Python gateway's field names too (ws.c). */
#define EVOUT_PY	(EVOUT_RAW + 1)
struct evout {
	const struct event *ev;
	json_t		*params;
	char		*line[2 * EVOUT_PY];	/* no seq */
	size_t		 len[2 * EVOUT_PY];
	size_t		 head;		/* up to params' first member */
	const char	*chan;		/* params' channel, or NULL */
};
size_t		 event_deliver(const char *name, json_t *params,
		    struct client *to, struct client *except);
const char	*evout_params(struct evout *, size_t *);
const char	*evout_line(struct evout *, int profile, uint64_t seq,
		    size_t *);
void		 evout_clear(struct evout *);
const char	*event_replay_line(const char *name, json_t *params,
		    int profile, uint64_t seq, size_t *, struct evout *);
/* svc-tell.c */
/* svc-channel.c */
void		 svc_channel_relisten(void);
void		 svc_channel_client_gone(struct client *);
void		 svc_channel_init(void);
size_t		 svc_channel_listening(void);
int		 svc_channel_refused(const json_t *, const char *);
/* svc-mudlist.c: the mudlist and chanlist caches (their one owner) */
void		 svc_mudlist_load(const char *router, long long mudlist_id,
		    long long chanlist_id);
const char	*svc_mudlist_router(void);
void		 svc_mudlist_startup(void);
long long	 svc_mudlist_id(void);
const json_t	*svc_mudlist_muds(void);
const json_t	*svc_mudlist_chans(void);
/* -1 unknown, 0 not up, 1 up; *canon gets the canonical spelling. */
int		 svc_mudlist_up(const char *name, const char **canon);
void		 svc_mudlist_chanlist_apply(const json_t *named);
void		 svc_mudlist_stats(json_t *);
/* svc-admin.c */
/* svc-error.c */
/* svc-info.c: asking other MUDs (who, finger, locate, channel_who...) */
int		 svc_info_timeout(const json_t *params, long dflt, long *ms,
		    struct rpc_error *);
int		 svc_info_profile(const json_t *params, int *profile,
		    struct rpc_error *);
char		*svc_info_render(const char *text, int profile);
/* svc-presence.c: who is online here (the presence model) */
void		 svc_presence_init(void);
int		 svc_presence_tell_ok(const json_t *named, const json_t *raw);
void		 svc_presence_chan_join(struct client *, const char *chan,
		    const char *user, const char *visname);
void		 svc_presence_chan_leave(struct client *, const char *chan,
		    const char *user);
json_t		*svc_presence_chan_listeners(const char *chan);
struct client	*svc_presence_answerer(const char *kind);
void		 svc_presence_answer_kinds(struct client *, const json_t *,
		    int on);
const json_t	*svc_presence_users(void);
int		 svc_presence_enforced(void);
json_t		*svc_presence_get(const char *user);
int		 svc_presence_visible(const json_t *user);
json_t		*svc_presence_field(const json_t *user, const char *field);
json_int_t	 svc_presence_idle(const json_t *user);
char		*svc_presence_lower(const char *);
const json_t	*svc_presence_ucache_sent(const char *lower);
/* presence-reply.c: answering who/finger/locate/chan-who/chan-user */
void		 svc_presence_packet(const json_t *named, const json_t *raw);
void		 svc_presence_reply_error(const json_t *named,
		    const json_t *raw, const char *code, const char *msg);
/* svc-ucache.c: (mud, user) -> (visname, gender) */
void		 svc_ucache_init(void);
void		 svc_ucache_put(const char *mud, const char *user,
		    const char *visname, json_int_t gender);
const char	*svc_ucache_visname(const char *mud, const char *user,
		    const char *dflt);
/* svc-chanadmin.c */
void		 svc_chanadmin_changed(const json_t *added,
		    const json_t *removed);
void		 svc_chanadmin_chanlist(const json_t *named);

/* ---------------------------------------------------------- history.c */

extern const struct svc svc_history;
int		 history_open(const char *dir, char **cause);
void		 history_close(void);
void		 history_reconf(void);
int		 history_enabled(void);
void		 history_packet(const json_t *named);
char		*history_fts_query(const char *);
void		 history_stats(json_t *);
char		*svc_channel_text(const json_t *named, const char **method);
void		 svc_channel_notice(const char *chan, const char *method,
		    json_t *ev);

/* ------------------------------------------------------- moderation.c */

extern const struct svc svc_moderation;
void		 moderation_init(void);
int		 moderation_pattern_ok(const char *);
int		 moderation_channel(const json_t *named, json_t **ignored_by);
int		 moderation_tell(const json_t *named);
int		 moderation_flood(const json_t *named);
json_t		*moderation_user_rules(const char *owner);
void		 moderation_stats(json_t *);

/* ---------------------------------------------------------- pending.c */

/* A client's request waiting for a remote answer (who, finger, ...). */
enum pend_kind {
	PEND_WHO = 1,
	PEND_FINGER,
	PEND_LOCATE,
	PEND_CHANWHO,
	PEND_CHANUSER,
	PEND_AUTH,
	PEND_CHANADD,
	PEND_CHANREMOVE,
	PEND_ADMINLIST,
};

struct pending {
	uint64_t	 seq;
	enum pend_kind	 kind;
	int		 client;	/* client id: it may be gone by then */
	json_t		*rpc_id;
	char		*mud;		/* target MUD, or NULL (locate) */
	char		*user;		/* requesting user, lower-case */
	char		*key;		/* finger/locate user, channel... */
	int		 profile;	/* colour profile for "text" */
	json_t		*acc;		/* locate: the replies so far */
	uint64_t	 timer;
	uint64_t	 started;	/* ev_now() */
	TAILQ_ENTRY(pending) entry;
};

/* A gateway -> client request's outcome: result, or NULL (error, timeout). */
typedef void	(*call_fn)(json_t *ctx, const json_t *result);

#define RPC_DEFER	1	/* an rpc_fn's return: the answer comes later */

const struct request *rpc_current(void);
struct pending	*pending_new(const struct request *, enum pend_kind,
		    const char *mud, const char *user, const char *key,
		    long timeout_ms, int profile);
struct pending	*pending_find(enum pend_kind, const char *mud,
		    const char *user, const char *key);
void		 pending_answer(struct pending *, json_t *result);
void		 pending_drop(struct pending *);
struct pending	*pending_next(struct pending *, enum pend_kind);
void		 pending_fail(struct pending *, int code, json_t *data,
		    const char *fmt, ...) C_PRINTF(4, 5);
int		 pending_error(const json_t *named);
char		*pending_user(const char *given);
size_t		 pending_count(void);
int		 call_client(struct client *, const char *method,
		    json_t *params, long timeout_ms, call_fn, json_t *ctx);
int		 call_response(struct client *, const json_t *msg);

/* ---------------------------------------------------------- apiconf.c */

#define API_P_TELL	0x01
#define API_P_CHANNEL	0x02
#define API_P_INFO	0x04
#define API_P_PRESENCE	0x08
#define API_P_ADMIN	0x10
#define API_P_ANSWER	0x20	/* answer other MUDs' requests */
#define API_P_ALL	0x3f

struct api_net {
	int		 family;
	int		 bits;
	unsigned char	 addr[16];
};

struct api_bucket {
	double		 tokens;
	uint64_t	 when;		/* ev_now_us() of the last refill */
};

struct api_key {
	char		*name;
	unsigned char	 hash[32];	/* SHA-256 of the key */
	int		 has_hash;
	int		 perms;		/* API_P_* */
	double		 rate;		/* -1: the [api] default */
	double		 burst;
	double		 method_rate;
	double		 method_burst;
	struct api_net	*allow;
	size_t		 nallow;
	struct api_bucket bucket;
	json_t		*mbuckets;	/* method -> [tokens, when] */
};

struct api_conf {
	int		 unix_on;
	char		*socket;	/* NULL: the default path */
	char		*socket_group;
	long		 max_per_uid;
	long		 max_clients;
	long		 max_inflight;
	long		 reserve_local;	/* of max_clients, for trusted ones */
	long		 max_per_ip;
	long		 handshake_timeout;	/* ms */
	long		 auth_timeout;		/* ms */
	char		*tcp;		/* [host:]port, ... */
	char		*http;
	int		 tls;
	char		*tls_cert;
	char		*tls_key;
	char		*tls_ca;
	int		 tls_verify;	/* 0 none, 1 optional, 2 require */
	const char	*tls_min;
	struct api_net	*allow;
	size_t		 nallow;
	struct api_net	*deny;
	size_t		 ndeny;
	double		 rate;
	double		 burst;
	double		 method_rate;
	double		 method_burst;
	long		 auth_delay;	/* ms, doubled per failure */
	long		 auth_delay_max;
	long		 session_queue;
	long		 resume_events;	/* written events kept to replay */
	size_t		 resume_bytes;
	long		 session_age;	/* ms */
	long		 session_expire;
	long		 sessions_per_key;	/* detached sessions kept */
	long		 sessions_max;
	long		 pause_grace;
	int		 tell_queue;
	long		 ws_ping;	/* ms: ping a quiet WebSocket peer */
	long		 ws_timeout;	/* ms: drop it when no answer */
	long		 ws_max_message;	/* bytes in one message */
	char		*default_user;	/* from_user when a client gives none */
	char		*web_root;	/* the chat page's files */
	int		 http_tls;	/* https and wss on the HTTP listener */
	int		 welcome;	/* a welcome notification on connect */
	struct api_key	*keys;
	size_t		 nkeys;
};
extern struct api_conf *api;

int		 apiconf_net_match(const struct api_net *, size_t,
		    const struct sockaddr *);
const char	*apiconf_group_name(int);
void		 apiconf_key_rates(const struct api_key *, double *, double *,
		    double *, double *);

/* ----------------------------------------------------------- listen.c */

#define CLIENT_STDIO	0
#define CLIENT_UNIX	1
#define CLIENT_TCP	2
#define CLIENT_TLS	3
#define CLIENT_HTTP	4
#define CLIENT_WS	5
#define CLIENT_NTRANSPORTS 6

int		 listen_probe(const char *, char **);

extern uint64_t	 listen_accepted;
extern uint64_t	 listen_refused;
extern uint64_t	 listen_timeouts;
int		 listen_http_fd(void);

const char	*listen_socket_path(void);
int		 listen_init(char **cause);
void		 listen_close(void);
void		 listen_client_gone(struct client *);
int		 listen_check_dir(const char *dir, int created, char **cause);
/* notify.c: sd_notify without libsystemd */
void		 notify_init(void);
void		 notify_send(const char *);
/* tls.c */
int		 tls_init(char **cause);

/* doctor.c: i3gw doctor */
int		 doctor_main(int, char **);
int		 tls_attach(struct client *);
void		 tls_detach(struct client *);
int		 tls_ready(struct client *);
/* auth.c */
int		 auth_gate(struct client *, const struct method *,
		    struct rpc_error *);
int		 auth_key_find(const char *key, const struct sockaddr *,
		    struct api_key **);
int		 auth_genkey(const char *name);
int		 auth_addr_allowed(const struct sockaddr *);
void		 auth_client_gone(struct client *);
extern uint64_t	 auth_failures;
extern uint64_t	 auth_rate_limited;
extern uint64_t	 auth_forbidden;
extern uint64_t	 auth_successes;
int		 auth_authenticate(struct request *);
extern const struct svc svc_session;

/* ----------------------------------------------------------- render.c */

extern int	 render_default;
extern const struct svc svc_render;
int		 render_set(struct client *, const json_t *,
		    struct rpc_error *);
json_t		*render_event(int profile, json_t *);
int		 render_params(struct client *, json_t *, struct rpc_error *);
/* session.c */
void		 session_init(void);
void		 session_new(struct client *);
int		 session_client_gone(struct client *);
int		 session_offer(struct client *, struct evout *);
void		 session_refuse_tell(const json_t *, const char *);
json_t		*session_info(struct client *);
int		 session_adopt(struct client *, const char *token,
		    json_t **result, struct rpc_error *);
int		 session_subscribe(struct client *, const json_t *params,
		    int on, struct rpc_error *);
void		 session_stats(json_t *);
size_t		 session_detached(void);
size_t		 session_queued(void);
/* filter.c: declarative subscription filters */
struct filter;
struct filter	*filter_new(const json_t *spec, char *err, size_t errlen);
json_t		*filter_json(const struct filter *);
int		 filter_match(const struct filter *, const char *method,
		    const json_t *params);
void		 filter_free(struct filter *);
/* http.c */
int		 http_init(char **cause);
void		 http_stop(void);
void		 http_capture(struct client *, const char *, size_t);
void		 http_kick(void);
/* ws.c */
struct MHD_Connection;
struct MHD_UpgradeResponseHandle;
int		 ws_wanted(struct MHD_Connection *);
struct client	*ws_attach(int, struct MHD_UpgradeResponseHandle *,
		    struct api_key *, const struct sockaddr *);
void		 ws_input(struct client *, const char *, size_t);
int		 ws_handshake(struct MHD_Connection *, const char *,
		    const char *);
void		 ws_send(struct client *, const char *, size_t);
int		 ws_python(const struct client *);
json_t		*ws_python_params(const char *, json_t *);
void		 ws_detach(struct client *);
void		 ws_stop(void);
size_t		 ws_count(void);
extern uint64_t	 ws_accepted;
extern uint64_t	 ws_refused;
/* metrics.c */
#define METRICS_HTTP_RPC	0
#define METRICS_HTTP_HEALTH	1
#define METRICS_HTTP_METRICS	2
#define METRICS_HTTP_OTHER	3
#define METRICS_HTTP_WS		4
extern uint64_t	 metrics_http[5];
void		 metrics_rpc(const char *method, uint64_t us, int failed);
void		 metrics_rpc_busy(void);
void		 metrics_pkt_in(const char *type, size_t bytes);
void		 metrics_pkt_out(const char *type, size_t bytes);
void		 metrics_text(char **, size_t *);

/* ------------------------------------------------------------- main.c */

struct gw {
	struct config	*conf;
	char		*conf_path;
	char		*conf_tried;	/* the paths looked at, when none found */
	char		*socket_arg;	/* -S */
	char		*state_dir;
	int		 verbose;
	int		 stdio;
	long		 linger;	/* ms: --linger, keep going after EOF */
	int		 stopping;
	time_t		 started;
	uint64_t	 started_ms;

	uint64_t	 pkts_in;
	uint64_t	 pkts_out;
	uint64_t	 pkts_bad;
	uint64_t	 rpc_requests;
	uint64_t	 rpc_errors;
	uint64_t	 events;
	uint64_t	 echoes_dropped;
};
extern struct gw gw;

void		 gw_shutdown(const char *why);

/* peer.c */
extern const char *const peer_colours[];
int		 peer_colour(const char *);
json_t		*peer_incoming(const json_t *);
void		 peer_reply(json_t *);

#endif /* I3GW_H */
