/*
 * client-int.h: the client API's state, shared by client.c (calls, lines,
 * reconnection), client-conn.c (transports) and client-handoff.c (detach,
 * attach).  Not installed.
 */

#ifndef I3_CLIENT_INT_H
#define I3_CLIENT_INT_H

#include "i3-int.h"

#define I3C_MAX_LINE		(1024 * 1024)
#define I3C_MAX_QUEUE		(256 * 1024)
#define I3C_MAX_PENDING		256
#define I3C_MAX_DISPATCH	64
#define I3C_BACKOFF_MIN		250
#define I3C_BACKOFF_MAX		30000
#define I3C_READ_CHUNK		65536
#define I3C_CONNECT_WAIT	5000	/* first TCP connect, ms */
#define I3C_DETACH_WAIT		2000	/* detach: flush and drain, ms */
#define I3C_FREE_WAIT		3000	/* free: the child's clean exit, ms */
#define I3C_HANDOFF_TAG		"i3c1"

enum i3c_kind {
	I3C_SPAWN = 0,
	I3C_UNIX,
	I3C_TCP,
	I3C_NONE		/* attached with nowhere to go back to */
};

enum i3c_state {
	I3C_UP,
	I3C_CONNECTING,		/* TCP connect in progress */
	I3C_DOWN,		/* waiting for the next attempt */
	I3C_DEAD		/* down for good */
};

struct i3c_pending {
	int64_t			 id;
	i3_client_result_cb	 cb;
	void			*arg;
	uint64_t		 end;		/* stream offset after its line */
	int64_t			 deadline;	/* ms, 0 for none */
	char			 method[32];
};

struct i3c_handler {
	char			*event;		/* NULL: catch-all */
	i3_client_event_cb	 cb;
	void			*arg;
};

struct i3_client {
	enum i3c_kind		 kind;
	enum i3c_state		 state;
	i3_client_opts		 o;
	i3_error		 err;

	/* Where the gateway is. */
	char			*where;		/* i3gw, socket path, host */
	char			*port;
	char		       **argv;
	long			 pid;		/* our child, -1 */
	long			 oldpid;	/* a child not reaped yet */

	int			 rfd;
	int			 wfd;
	int			 broken;	/* lost: tear down in poll */
	char			 why[128];

	/* Output: whole lines; obase is the stream offset of obuf[0]. */
	char			*obuf;
	size_t			 olen;
	size_t			 ooff;
	size_t			 osize;
	uint64_t		 obase;

	/* Input: up to max_line bytes of the current lines. */
	char			*ibuf;
	size_t			 ilen;
	size_t			 isize;
	int			 skipping;	/* in an over-long line */

	struct i3c_pending	*pend;
	unsigned int		 npend;
	int64_t			 next_id;

	struct i3c_handler	*hand;
	size_t			 nhand;

	json_t			*channels;	/* joined: replayed */
	char			 token[80];	/* socket: session resume token */
	json_int_t		 last_seq;	/* the last event handled */

	unsigned int		 backoff;	/* ms, current delay */
	int64_t			 next_try;	/* ms */
	uint64_t		 rnd;
	int			 busy;		/* inside poll */
	int			 freeing;	/* freed from a callback */
};

int64_t	 i3__c_now(void);
i3_client	*i3__c_new(enum i3c_kind, const i3_client_opts *);
void	 i3__c_destroy(i3_client *);
int	 i3__c_nonblock(int);
int	 i3__c_cloexec(int, int);
int	 i3__c_open(i3_client *, int);
int	 i3__c_tcp_done(i3_client *);
void	 i3__c_up(i3_client *);
void	 i3__c_teardown(i3_client *);
void	 i3__c_reap(i3_client *, int);
int	 i3__c_flush(i3_client *);
void	 i3__c_drain(i3_client *, int);
int	 i3__c_read(i3_client *);
int	 i3__c_dispatch(i3_client *, unsigned int);
void	 i3__c_fail_all(i3_client *, int, const char *, uint64_t);
int	 i3__c_target(i3_client *, const char *, char *const []);

#endif /* I3_CLIENT_INT_H */
