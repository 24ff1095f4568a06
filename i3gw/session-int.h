/*
 * session-int.h: a client session as session.c (sessions in memory, their
 * events, resume) and session-store.c (the sessions and their kept events
 * in SQLite) share it.  i3gw's own; see i3gw.h for the rest.
 */

#ifndef I3GW_SESSION_INT_H
#define I3GW_SESSION_INT_H

/* An event written to a kept session's client: replayed after a resume. */
struct sent {
	uint64_t	 seq;
	const struct event *ev;
	json_t		*params;	/* as built (shared, never changed) */
	size_t		 bytes;		/* its line */
	uint64_t	 ts;		/* wall-clock ms */
};

struct session {
	char		 id[33];
	char		 token[65];
	unsigned char	 token_hash[32];
	int		 all;		/* every event */
	uint32_t	 events;	/* event_bit()s asked for */
	struct filter	*filter;	/* declarative (filter.c) */
	char		*key;		/* the key that made it, or NULL */
	int		 kept;		/* worth keeping when the client goes */
	int		 detached;
	int		 spooling;	/* events go to the store, not out */
	int		 replaying;
	uint64_t	 detached_at;
	uint64_t	 paused_at;
	long		 queued;	/* events in the store */
	long		 dropped_count;
	int		 saved;		/* a row in the store */
	uint64_t	 seq;		/* the last event's sequence number */
	struct sent	*sent;		/* ring: written lately (kept ones) */
	size_t		 sent_cap;
	size_t		 sent_first;
	size_t		 sent_n;
	size_t		 sent_bytes;
};

extern uint64_t	 session_dropped_total;		/* events dropped from the store */
extern uint64_t	 session_replayed_total;	/* events replayed from it */

/* session.c */
json_t		*session_event_names(const struct session *);
void		 session_set_detached(struct session *, int);
uint64_t	 session_wall_ms(void);
void		 session_sent_add(struct session *, const struct event *,
		    json_t *, uint64_t, size_t);
void		 session_sent_drop(struct session *);

/* session-store.c */
void		 session_store_open(void);
long		 session_count(const char *, const char *, long long);
int		 session_keep(struct client *, struct evout *);
void		 session_save(struct client *);
void		 session_forget(struct session *);
void		 session_sent_store(struct client *);
void		 session_replay(struct client *);
void		 session_resume_from(struct session *, uint64_t, uint64_t *,
		    uint64_t *);
long		 session_store_drop_aged(struct session *, uint64_t);
void		 session_store_drop_written(struct session *);

#endif /* I3GW_SESSION_INT_H */
