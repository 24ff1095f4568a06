/*
 * i3router.h: declarations shared by the test router's files (i3router.c,
 * conn.c, registry.c, route.c, script.c).
 */

#ifndef I3ROUTER_H
#define I3ROUTER_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "i3.h"
#include "common/common.h"

#define ROUTER_IP	"127.0.0.1"
#define OUT_MAX		(4U * 1024 * 1024)	/* queued bytes per conn */
#define READ_CHUNK	65536
#define MAX_FRAME	(2U * 1024 * 1024)
#define MAX_CHANNELS	4096
#define MAX_MUDS	100000
#define MAX_NAME	128
#define CLOSE_GRACE_MS	2000
#define FLOOD_MAX	10
#define GRAYLIST_MS	5000
#define DS_MAX_PER_IP	32
#define ENC_FLAGS	(I3_ENC_FLOATS | I3_ENC_NULOK)
#define STATE_MS	200		/* --state writes at most this often */
#define INBOX_MAX	10000		/* packets a script did not expect yet */

/* One line of a script (-s). */
enum sop {
	S_EXPECT, S_AWAIT, S_SEND, S_FLOOD, S_SLEEP, S_DROP, S_SILENT, S_AUTO,
	S_EXIT
};

struct scmd {
	enum sop	 op;
	long		 ms;
	char		*arg;
	int		 line;
};

struct mud {
	char		*name;
	json_t		*info;		/* 13-element info array */
	long long	 password;
	struct conn	*conn;		/* NULL when down (or fake) */
	int		 fake;
	int		 chansvc;	/* advertises the channel service */
	int64_t		 down_at;	/* ms: broadcast "down" then; 0 none */
	time_t		 flood_sec;
	int		 flood_count;
	int64_t		 gray_until;
};

struct chan {
	char		*name;
	char		*owner;
	int		 type;
	json_t		*listen;	/* mud name -> true */
	json_t		*list;		/* ban (type 0) or admit (1, 2) list */
};

struct conn {
	int		 fd;
	unsigned int	 id;
	i3_reader	*rd;
	i3_buf		 out;
	size_t		 off;		/* bytes of out already written */
	struct mud	*mud;
	unsigned long	 npkts;
	int		 silent;	/* neither read nor answer */
	int		 closing;	/* flush, then close */
	int64_t		 close_by;
	int		 dead;		/* close now */
	const char	*why;		/* log event for the close */
	/* script mode */
	int		 scripted;	/* still under the script's control */
	size_t		 pc;
	int64_t		 sleep_until;
	json_t		*inbox;		/* packets not yet expected */
	json_t		*startup;	/* last startup-req expected */
	int		 sent_reply;	/* script sent a startup-reply */
	char		*lastmud;
};

struct router {
	const char	*name;
	int		 port;
	int		 lfd;
	int		 sigfd[2];
	int64_t		 t0;
	int		 verbose;
	/* options */
	int		 ds_limits;
	int		 discard;
	int		 no_echo;
	long		 down_delay;
	long		 silent_after;
	int		 deaf;		/* SIGUSR2: read nothing */
	long		 max_seconds;
	const char	*state_path;
	FILE		*logf;
	char		*redirect_name;
	int		 redirect_port;
	json_t		*peers;		/* ({name, "ip port"}) entries */
	struct scmd	*script;
	size_t		 nscript;
	/* state */
	struct conn	**conns;
	size_t		 nconns;
	size_t		 cconns;
	unsigned int	 nextid;
	struct mud	**muds;
	size_t		 nmuds;
	size_t		 cmuds;
	json_t		*mudidx;	/* name -> index into muds */
	size_t		 nup;
	size_t		 ndown_pending;
	struct chan	**chans;
	size_t		 nchans;
	long long	 mudlist_id;
	long long	 chanlist_id;
	time_t		 last_accept;
	int64_t		 accept_pause;
	char		*lastmud;
	int		 state_dirty;
	int64_t		 state_saved;
	unsigned long long disc_pkts;
	unsigned long long disc_bytes;
};

extern struct router	R;

/* i3router.c */
int64_t	 now_ms(void);
void	 finish(int) C_DEAD;

/* conn.c */
const char *jstr(const json_t *, size_t);
int	 jint(const json_t *, size_t, json_int_t *);
int	 frame(i3_buf *, const json_t *);
void	 conn_queue(struct conn *, const void *, size_t);
void	 conn_send(struct conn *, const json_t *);
void	 send_error(struct conn *, const char *, const char *,
		    const char *, const json_t *);
void	 broadcast(const json_t *, struct conn *);
void	 mud_down(struct mud *);
void	 conn_close(struct conn *, const char *, int);
struct conn *conn_new(int, int);
void	 conn_free(struct conn *);
void	 conn_read(struct conn *);
void	 conn_flush(struct conn *);
int	 header_ok(const json_t *);

/* registry.c */
void	 add_channels(const char *);
void	 add_fake_muds(long);
void	 state_load(void);
void	 state_save(void);
void	 state_write(void);
struct mud *mud_find(const char *);
struct mud *mud_add(const char *);
struct chan *chan_find(const char *);
struct chan *chan_add(const char *, const char *, int);
void	 chan_remove(struct chan *);
json_t	*mudlist_map(void);
void	 send_mudlist_one(struct mud *, struct conn *);
json_t	*chanlist_map(void);
void	 send_chanlist(struct conn *, const json_t *);
void	 broadcast_chanlist(void);
long long new_password(void);
json_t	*mudlist_pkt(const char *, json_t *);

/* route.c */
void	 handle_packet(struct conn *, json_t *);
void	 handle_startup(struct conn *, json_t *, int);
int	 is_startup(const char *);

/* script.c */
void	 parse_script(const char *);
void	 script_run(struct conn *);

#endif /* I3ROUTER_H */
