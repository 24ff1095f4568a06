/*
 * sendq.c: the router send queue: two priorities under one pacing limit,
 * bounded bytes in flight, frames kept until the router's TCP stack has
 * acknowledged them (put back at the head of the queue when the link dies
 * first), waiting frames kept in the store, deadlines, and the router's
 * refusals matched to the request that caused them.
 *
 * A frame goes through three places.  The queues: the MUD's own sends
 * (SQ_MUD, capped by [limits] queue; a full queue is an error to the
 * caller; kept in the store, so a restart or a crash loses none) and
 * answers to remote requests (SQ_REPLY: who-reply, errors..., capped by
 * [limits] reply_queue, the excess dropped and counted).  The link
 * buffer: frames committed to the current link, in order, with the link
 * offset of their last byte; bytes not yet written are bounded
 * (SENDQ_UNWRITTEN), the kernel's share by SO_SNDBUF.  Handed over: once
 * the socket's unacknowledged bytes (SIOCOUTQ) no longer reach into a
 * frame, the router's stack has it; it is kept until a probe shows the
 * router handled it (sendq_keep_from()).  The fast path (queues empty, link ready,
 * pacing allows, little unwritten) goes straight to the link buffer, is
 * written once per turn of the event loop and never touches the disk.
 *
 * After a startup, queued frames for a MUD wait for the new mudlist (or
 * SENDQ_MUDLIST_MS), and then for their target to be up: a router drops
 * tells to a MUD it knows is down without a word.  For the same reason,
 * when the mudlist says a MUD went down, the frames sent to it that no
 * probe has shown handled before that news came are queued again, to wait
 * for it (it may see some twice, never none); a probe follows the last
 * frame of a burst once the link has been quiet SENDQ_TRAIL_MS, so that
 * those are few.  A frame still waiting
 * at its deadline ([limits] queue_deadline) is dropped and its sender
 * told (send_failed).
 */

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <linux/sockios.h>
#include <linux/tcp.h>		/* tcp_info with tcpi_snd_wnd */
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "i3gw.h"

#define SENDQ_SNDBUF		(64 * 1024)	/* the kernel doubles it */
#define SENDQ_LOWAT		(16 * 1024)
#define SENDQ_UNWRITTEN		(64 * 1024)
#define SENDQ_ACK_MS		20
#define SENDQ_KEEP_MAX		(8 * 1024 * 1024)	/* acked, kept at most */
#define SENDQ_UNREAD_MARGIN	(16 * 1024)
#define SENDQ_PROBES		8	/* outstanding at most */
#define SENDQ_PROBE_MS		1000	/* a probe at least this often, */
#define SENDQ_PROBE_BYTES	(16 * 1024)	/* or after this much */
#define SENDQ_PROBE_DEAD_MS	10000	/* none back: the router drops them */
#define SENDQ_TCP_CLOSE		7	/* tcpi_state after a reset */
#define SENDQ_TICK_MS		500
#define SENDQ_MUDLIST_MS	3000
#define SENDQ_SENT_RING		4096
#define SENDQ_REFUSAL_MS	30000	/* a refusal quoting its packet */
#define SENDQ_GUESS_MS		5000	/* one that does not: by user */
#define SENDQ_TYPELEN		24	/* a longer packet type is kept as "" */
#define SENDQ_RESEND_MS		3000	/* sent again when their MUD goes down */
#define SENDQ_TRAIL_MS		50	/* a probe when the link goes quiet */
#define SENDQ_RECENT		1024	/* ... at most so many, */
#define SENDQ_RECENT_BYTES	(1024 * 1024)	/* ... and bytes */

/* Who sent a frame, until when it may wait, where it is stored. */
struct fmeta {
	int		 client;	/* client id, 0 none (or gone) */
	json_t		*id;		/* its request id, or NULL */
	long long	 deadline;	/* wall-clock ms, 0 none */
	long long	 seq;		/* in the store, 0 not */
};

/* A frame waiting in a queue, with its packet type (for the metrics). */
struct sframe {
	char			*data;
	size_t			 len;
	int			 prio;
	char			 type[SENDQ_TYPELEN];
	char			*target;	/* target MUD, or NULL */
	struct fmeta		 m;
	TAILQ_ENTRY(sframe)	 entry;
};
TAILQ_HEAD(sframes, sframe);

/* A frame committed to the link: its bytes are in the link buffer. */
struct lrec {
	uint64_t	 end;		/* link offset after its last byte */
	uint32_t	 len;
	int		 prio;
	char		 type[SENDQ_TYPELEN];
	struct fmeta	 m;
};

/* A frame sent for a client, kept a while to match a refusal to it. */
struct sent {
	uint64_t	 hfull;		/* the packet, ttl and origin aside */
	uint64_t	 huser;		/* its originator_user */
	uint64_t	 hmud;		/* its target_mud */
	uint64_t	 at;		/* ev_now() */
	int		 client;
	json_t		*id;
	char		 type[24];
	char		 target[128];
};

/* A frame of the MUD's handed to the link lately, and for which MUD. */
struct recent {
	uint64_t	 at;		/* ev_now() */
	uint64_t	 link;		/* the link it went on (sq.link) */
	uint64_t	 end;		/* its link offset after its last byte */
	char		*data;
	size_t		 len;
	char		 type[SENDQ_TYPELEN];
	char		 target[64];
	int		 client;
	json_t		*id;
};

static struct {
	struct sframes	 q[3];		/* by SQ_*; SQ_CTL stays empty */
	size_t		 qlen[3];
	size_t		 qpeak;
	uint64_t	 pace_next;	/* ev_now_us() the next may go at */
	uint64_t	 t_pace;
	uint64_t	 t_tick;
	uint64_t	 t_gate;
	int		 gated;		/* ready, no mudlist yet */

	int		 fd;		/* dup of the link's socket, or -1 */
	int		 wanting;	/* EV_WRITE registered */
	char		*lb;		/* link buffer */
	size_t		 lbsize;
	size_t		 lbstart;	/* first kept byte */
	size_t		 lblen;		/* kept bytes from lbstart */
	uint64_t	 lboff;		/* link offset of lb[lbstart] */
	uint64_t	 written;	/* link offsets */
	uint64_t	 acked;
	uint32_t	 wnd;		/* the router's window, last seen */
	uint32_t	 max_wnd;	/* and the largest on this link */
	uint64_t	 data_end;	/* after the last frame not SQ_CTL */
	uint64_t	 confirmed;	/* the router read up to here */
	uint64_t	 probe_off[SENDQ_PROBES];	/* auth-mud-req to us */
	uint64_t	 probe_at[SENDQ_PROBES];
	size_t		 nprobes;
	uint64_t	 last_probe;	/* ev_now() */
	int		 probes_dead;	/* none came back on this link */
	struct lrec	*recs;		/* ring: kept acknowledged, then not */
	size_t		 nrecs;
	size_t		 nacked;	/* acknowledged, at the head */
	size_t		 recsize;
	size_t		 rechead;
	uint64_t	 t_ack;
	uint64_t	 t_lost;
	int		 flushq;	/* something for the pre-poll flush */

	struct store_sendq_op *ops;	/* store changes of this turn */
	size_t		 nops;
	size_t		 opsize;
	long long	 seq_lo;	/* next seq at the head, at the tail */
	long long	 seq_hi;

	struct sent	*sent;		/* ring */
	size_t		 sent_next;

	struct recent	 recent[SENDQ_RECENT];	/* ring */
	uint64_t	 link;		/* links so far */
	uint64_t	 t_trail;
	uint64_t	 last_commit;	/* ev_now() of the last MUD frame */
	size_t		 recent_first;
	size_t		 recent_n;
	size_t		 recent_bytes;
	uint64_t	 resent;

	uint64_t	 queued_total;
	uint64_t	 handed_over;
	uint64_t	 requeued;
	uint64_t	 restored;
	uint64_t	 expired;
	uint64_t	 replies_dropped;
	uint64_t	 refusals;
	uint64_t	 refusals_matched;
} sq;

static void	 sendq_commit(const char *, size_t, int, const char *,
		    const char *, struct fmeta *);
static void	 sendq_recent_add(const char *, size_t, const char *,
		    const char *, const struct fmeta *, uint64_t);
static int	 sendq_trail_timer(void *);
static void	 sendq_drain(void);
static int	 sendq_pace_ok(int);
static void	 sendq_pace_take(int);
static int	 sendq_pace_timer(void *);
static int	 sendq_ack_timer(void *);
static int	 sendq_lost_timer(void *);
static int	 sendq_tick(void *);
static int	 sendq_gate_timer(void *);
static void	 sendq_writable(int, int, void *);
static void	 sendq_measure(void);
static void	 sendq_want_write(int);
static struct sframe *sendq_frame(const char *, size_t, int, const char *,
		    const char *, struct fmeta *);
static void	 sendq_type_set(char *, const char *);
static void	 sendq_frame_type(const char *, size_t, char *);
static void	 sendq_frame_free(struct sframe *);
static void	 sendq_meta_clear(struct fmeta *);
static void	 sendq_store_put(struct sframe *, int);
static void	 sendq_store_del(long long);
static void	 sendq_store_sync(void);
static void	 sendq_restore(const struct store_sendq_op *, void *);
static void	 sendq_failed(struct fmeta *, const char *, const char *,
		    const char *);
static char	*sendq_frame_target(const char *, size_t);
static uint64_t	 sendq_hash(const json_t *, int);
static uint64_t	 sendq_hash_str(const char *);
static void	 sendq_remember(const json_t *, const struct request *);

static long long
sendq_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* The queues, with what the store kept from before a restart. */
void
sendq_init(void)
{
	int	i;

	for (i = 0; i < 3; i++)
		TAILQ_INIT(&sq.q[i]);
	sq.fd = -1;
	sq.sent = xcalloc(SENDQ_SENT_RING, sizeof *sq.sent);
	sq.seq_lo = -1;
	sq.seq_hi = 1;
	store_sendq_load(sendq_restore, NULL);
	if (sq.restored > 0) {
		log_info("router: %llu packets kept from before, queued",
		    (unsigned long long)sq.restored);
		sq.t_tick = ev_timer_add(SENDQ_TICK_MS, sendq_tick, NULL);
	}
}

static void
sendq_restore(const struct store_sendq_op *op, void *arg)
{
	struct sframe	*f;
	struct fmeta	 m;

	memset(&m, 0, sizeof m);
	m.deadline = op->deadline;
	m.seq = op->seq;
	if (op->seq <= sq.seq_lo)
		sq.seq_lo = op->seq - 1;
	if (op->seq >= sq.seq_hi)
		sq.seq_hi = op->seq + 1;
	f = sendq_frame(op->frame, op->len, op->prio == SQ_REPLY ? SQ_REPLY :
	    SQ_MUD, NULL, op->target, &m);
	sendq_frame_type(op->frame, op->len, f->type);
	TAILQ_INSERT_TAIL(&sq.q[f->prio], f, entry);
	sq.qlen[f->prio]++;
	sq.restored++;
}

size_t
sendq_len(void)
{
	return (sq.qlen[SQ_MUD] + sq.qlen[SQ_REPLY]);
}

/* ------------------------------------------------------------- pacing */

/*
 * The DS router graylists a MUD that sends more than 10 packets in one of
 * its wall-clock seconds (a startup counting 6).  Counting per second here
 * is not enough: a burst at the end of our second and one at the start of
 * the next can land in the same second there.  So packets are spaced
 * evenly, 1/rate s apart (a startup taking 6 such steps): no window of one
 * second, wherever it falls, holds more than rate of them.
 */
static void
sendq_pace_take(int cost)
{
	uint64_t	now = ev_now_us();

	if (gw.conf->rate == 0)
		return;
	if (sq.pace_next < now)
		sq.pace_next = now;
	sq.pace_next += (uint64_t)cost * 1000000 / (uint64_t)gw.conf->rate;
}

/* May a packet of this cost go now?  Takes its time when it may. */
static int
sendq_pace_ok(int cost)
{
	if (gw.conf->rate == 0)
		return (1);
	if (sq.pace_next > ev_now_us())
		return (0);
	sendq_pace_take(cost);
	return (1);
}

static int
sendq_pace_timer(void *arg)
{
	sq.t_pace = 0;
	sendq_drain();
	return (EV_NOMORE);
}

/* -------------------------------------------------------- link buffer */

static size_t
sendq_unwritten(void)
{
	return ((size_t)(sq.lboff + sq.lblen - sq.written));
}

static struct lrec *
sendq_rec(size_t i)
{
	return (&sq.recs[(sq.rechead + i) % sq.recsize]);
}

/* A new link: what is committed from now on is written to fd. */
void
sendq_link_up(int fd)
{
	int	v;

	v = SENDQ_SNDBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	v = SENDQ_LOWAT;
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof v);
	if ((sq.fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1)
		fatal("dup");
	sq.link++;
	ev_set_nonblock(sq.fd);
	sq.lbstart = sq.lblen = 0;
	sq.lboff = sq.written = sq.acked = 0;
	sq.nrecs = sq.nacked = sq.rechead = 0;
	sq.wnd = sq.max_wnd = 0;
	sq.data_end = sq.confirmed = 0;
	sq.nprobes = 0;
	sq.probes_dead = 0;
	sq.last_probe = ev_now();
}

/*
 * Acknowledged is not read: a router that stops reading still acknowledges
 * into its socket's buffer, and what it read it may not have passed on
 * yet; when it then resets the link (or is killed), or the link is declared
 * dead, or closes, those frames are lost.  Routers handle a link's packets
 * in order, so a probe, an auth-mud-req to ourselves (the keepalive), that
 * comes back proves that every frame before it was handled: frames after
 * the last probe back are kept and, when the link fails, sent again.  A
 * probe goes after SENDQ_PROBE_BYTES or SENDQ_PROBE_MS of traffic.  A
 * router that never sends them back is judged by its window instead: what
 * it has not read is about the largest window it offered less the one it
 * offers now.  The link offset up to which frames need not be kept:
 */
static uint64_t
sendq_keep_from(void)
{
	uint64_t	u;

	if (!sq.probes_dead)
		return (sq.confirmed);
	if (sq.max_wnd == 0)
		return (0);
	u = (sq.max_wnd > sq.wnd ? sq.max_wnd - sq.wnd : 0) +
	    SENDQ_UNREAD_MARGIN;
	return (sq.acked > u ? sq.acked - u : 0);
}

/* A probe: an auth-mud-req to ourselves, its link offset remembered. */
void
sendq_probe(void)
{
	uint64_t	now = ev_now();

	if (sq.fd == -1)
		return;
	if (sq.nprobes == SENDQ_PROBES) {
		if (!sq.probes_dead && now - sq.probe_at[0] >
		    SENDQ_PROBE_DEAD_MS) {
			log_info("router %s: no auth-mud-req of ours came back"
			    " in %ds: judged by its window", router_name(),
			    SENDQ_PROBE_DEAD_MS / 1000);
			sq.probes_dead = 1;
		}
		return;
	}
	sendq_control(i3_packet_header("auth-mud-req", I3_TTL,
	    gw.conf->mud_name, NULL, gw.conf->mud_name, NULL), 1);
	sq.probe_off[sq.nprobes] = sq.lboff + sq.lblen;
	sq.probe_at[sq.nprobes] = now;
	sq.nprobes++;
	sq.last_probe = now;
}

/*
 * An auth-mud-req of ours came back: the frames before the oldest probe
 * were handled.  (A probe the router dropped makes a later one confirm
 * less than it could: never more.)
 */
void
sendq_probe_back(void)
{
	size_t	i;

	if (sq.nprobes == 0)
		return;
	if (sq.probe_off[0] > sq.confirmed)
		sq.confirmed = sq.probe_off[0];
	for (i = 1; i < sq.nprobes; i++) {
		sq.probe_off[i - 1] = sq.probe_off[i];
		sq.probe_at[i - 1] = sq.probe_at[i];
	}
	sq.nprobes--;
	sq.probes_dead = 0;
}

/* Traffic since the last probe: time for one? */
static void
sendq_probe_due(void)
{
	uint64_t	last;

	if (!router_ready() || sq.data_end <= sq.confirmed)
		return;
	last = sq.nprobes > 0 ? sq.probe_off[sq.nprobes - 1] : sq.confirmed;
	if (sq.data_end <= last)
		return;
	if (sq.data_end - last >= SENDQ_PROBE_BYTES ||
	    ev_now() - sq.last_probe >= SENDQ_PROBE_MS)
		sendq_probe();
}

/* The router's window now; the TCP state when state is not NULL. */
static void
sendq_window(int *state)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (sq.fd == -1 || getsockopt(sq.fd, IPPROTO_TCP, TCP_INFO, &ti,
	    &len) == -1)
		return;
	if (state != NULL)
		*state = ti.tcpi_state;
	if (len < offsetof(struct tcp_info, tcpi_snd_wnd) +
	    sizeof ti.tcpi_snd_wnd)
		return;		/* an old kernel: no window, all kept */
	sq.wnd = ti.tcpi_snd_wnd;
	if (sq.wnd > sq.max_wnd && ti.tcpi_state != SENDQ_TCP_CLOSE)
		sq.max_wnd = sq.wnd;
}

/*
 * The link is gone: what its router acknowledged was handed over; every
 * other frame of the MUD or a reply goes back to the head of its queue,
 * in order, for the next link (and into the store).  Link control frames
 * (startup, keepalive, channel-listen) are made again by the next startup.
 * Unless we closed it in good order (suspect 0: shutdown, reconnect,
 * redirect), the acknowledged frames the router may not have handled
 * (sendq_keep_from()) go back too: the next router may see a frame twice,
 * never none.
 */
void
sendq_link_down(int suspect)
{
	struct lrec	*r;
	struct sframe	*f;
	size_t		 i, n = 0, from;
	uint64_t	 start, keep_from;
	int		 state = -1;
	char		*p, *target;

	if (sq.fd == -1)
		return;
	sendq_measure();
	sendq_window(&state);
	if (state == SENDQ_TCP_CLOSE)
		suspect = 1;		/* reset */
	from = sq.nacked;
	if (suspect) {
		keep_from = sendq_keep_from();
		while (from > 0 && sendq_rec(from - 1)->end > keep_from)
			from--;
	}
	for (i = sq.nrecs; i > 0; i--) {
		r = sendq_rec(i - 1);
		if (r->prio == SQ_CTL || i - 1 < from) {
			sendq_meta_clear(&r->m);
			continue;
		}
		start = r->end - r->len;
		p = sq.lb + sq.lbstart + (start - sq.lboff);
		target = sendq_frame_target(p, r->len);
		f = sendq_frame(p, r->len, r->prio, r->type, target, &r->m);
		free(target);
		TAILQ_INSERT_HEAD(&sq.q[r->prio], f, entry);
		sq.qlen[r->prio]++;
		if (f->prio == SQ_MUD && f->m.seq == 0)
			sendq_store_put(f, 1);
		n++;
	}
	if (n > 0) {
		sq.requeued += n;
		log_info("router: %zu frames queued again (%s)", n, suspect ?
		    "the link was reset or dead: those it may not have read "
		    "too" : "not acknowledged by the router");
		if (sq.t_tick == 0)
			sq.t_tick = ev_timer_add(SENDQ_TICK_MS, sendq_tick,
			    NULL);
	}
	sq.nrecs = sq.nacked = sq.rechead = 0;
	sq.lbstart = sq.lblen = 0;
	sq.lboff = sq.written = sq.acked = 0;
	sq.wnd = sq.max_wnd = 0;
	sq.data_end = sq.confirmed = 0;
	sq.nprobes = 0;
	sq.probes_dead = 0;
	if (sq.t_ack != 0)
		ev_timer_del(sq.t_ack);
	if (sq.t_lost != 0)
		ev_timer_del(sq.t_lost);
	if (sq.t_pace != 0)
		ev_timer_del(sq.t_pace);
	if (sq.t_gate != 0)
		ev_timer_del(sq.t_gate);
	sq.t_ack = sq.t_lost = sq.t_pace = sq.t_gate = 0;
	sq.gated = 0;
	if (sq.wanting)
		ev_io_del(sq.fd);
	sq.wanting = 0;
	close(sq.fd);
	sq.fd = -1;
	sendq_store_sync();
}

/*
 * How far the router's stack has acknowledged: the link offset written
 * less the bytes the socket still holds (SIOCOUTQ: not sent or not
 * acknowledged; still right after a reset).  Frames wholly below it are
 * handed over (and leave the store); they are kept until the router is
 * known to have handled them (sendq_keep_from(); at most SENDQ_KEEP_MAX
 * bytes), then let go.
 */
static void
sendq_measure(void)
{
	struct lrec	*r;
	uint64_t	 keep;
	int		 outq;

	if (sq.fd == -1 || sq.nrecs == 0)
		return;
	if (ioctl(sq.fd, SIOCOUTQ, &outq) == -1 || outq < 0 ||
	    (uint64_t)outq > sq.written)
		return;
	if (sq.written - (uint64_t)outq > sq.acked)
		sq.acked = sq.written - (uint64_t)outq;
	/* After the acknowledgements: a window at least as late. */
	sendq_window(NULL);
	while (sq.nacked < sq.nrecs) {
		r = sendq_rec(sq.nacked);
		if (r->end > sq.acked)
			break;
		if (r->prio != SQ_CTL)
			sq.handed_over++;
		if (r->m.seq != 0) {
			sendq_store_del(r->m.seq);
			r->m.seq = 0;
		}
		sq.nacked++;
	}
	keep = sendq_keep_from();
	if (sq.acked > SENDQ_KEEP_MAX && keep < sq.acked - SENDQ_KEEP_MAX)
		keep = sq.acked - SENDQ_KEEP_MAX;
	/*
	 * Link control first in line (a probe, the keepalive's reply to
	 * ourselves, a channel-listen) is never sent again: it goes once the
	 * router's stack has it, or a link gone quiet would keep the last one
	 * (and the ack timer) until the next probe.
	 */
	while (sq.nacked > 0 && (sendq_rec(0)->end <= keep ||
	    sendq_rec(0)->prio == SQ_CTL)) {
		r = sendq_rec(0);
		sendq_meta_clear(&r->m);
		sq.lbstart += r->len;
		sq.lblen -= r->len;
		sq.lboff += r->len;
		sq.rechead = (sq.rechead + 1) % sq.recsize;
		sq.nrecs--;
		sq.nacked--;
	}
	if (sq.lblen == 0)
		sq.lbstart = 0;
}

static int
sendq_ack_timer(void *arg)
{
	size_t	before = sq.nacked;

	sendq_measure();
	if (sq.nacked != before)
		sendq_drain();
	if (sq.flushq)
		sendq_flush();
	else
		sendq_probe_due();
	if (sq.fd == -1 || (sq.nacked == sq.nrecs &&
	    sq.data_end <= sq.confirmed)) {
		sq.t_ack = 0;
		return (EV_NOMORE);
	}
	return (SENDQ_ACK_MS);
}

/*
 * Append one frame of this packet type to the link buffer; written before
 * the next poll.  The meta's request id reference is taken over.
 */
static void
sendq_commit(const char *data, size_t len, int prio, const char *type,
    const char *target, struct fmeta *m)
{
	struct lrec	*r, *nr;
	size_t		 need, i;

	/*
	 * No room at the end: move the kept bytes down when the room freed at
	 * the head is at least as much as they (each byte moved once for as
	 * many appended), else grow.
	 */
	if (sq.lbstart + sq.lblen + len > sq.lbsize &&
	    sq.lbstart >= sq.lblen + len) {
		memmove(sq.lb, sq.lb + sq.lbstart, sq.lblen);
		sq.lbstart = 0;
	}
	need = sq.lbstart + sq.lblen + len;
	if (need > sq.lbsize) {
		sq.lbsize = need < 65536 ? 65536 : need + need / 2;
		sq.lb = xrealloc(sq.lb, sq.lbsize);
	}
	memcpy(sq.lb + sq.lbstart + sq.lblen, data, len);
	sq.lblen += len;
	if (sq.nrecs == sq.recsize) {
		nr = xcalloc(sq.recsize ? sq.recsize * 2 : 256, sizeof *nr);
		for (i = 0; i < sq.nrecs; i++)
			nr[i] = *sendq_rec(i);
		free(sq.recs);
		sq.recs = nr;
		sq.recsize = sq.recsize ? sq.recsize * 2 : 256;
		sq.rechead = 0;
	}
	r = sendq_rec(sq.nrecs);
	r->end = sq.lboff + sq.lblen;
	r->len = (uint32_t)len;
	r->prio = prio;
	sendq_type_set(r->type, type);
	if (prio != SQ_CTL)
		sq.data_end = r->end;
	if (prio == SQ_MUD && target != NULL) {
		sendq_recent_add(data, len, type, target, m, r->end);
		sq.last_commit = ev_now();
		if (sq.t_trail == 0)
			sq.t_trail = ev_timer_add(SENDQ_TRAIL_MS,
			    sendq_trail_timer, NULL);
	}
	if (m != NULL)
		r->m = *m;
	else
		memset(&r->m, 0, sizeof r->m);
	sq.nrecs++;
	gw.pkts_out++;
	metrics_pkt_out(r->type, len);
	router_note_tx();
	sq.flushq = 1;
}

/* The oldest frame handed over lately forgotten. */
static void
sendq_recent_pop(void)
{
	struct recent	*e = &sq.recent[sq.recent_first];

	free(e->data);
	json_decref(e->id);
	sq.recent_bytes -= e->len;
	memset(e, 0, sizeof *e);
	sq.recent_first = (sq.recent_first + 1) % SENDQ_RECENT;
	sq.recent_n--;
}

/*
 * A frame of the MUD's for a MUD, handed to the link (its last byte at
 * link offset end): kept SENDQ_RESEND_MS (at most SENDQ_RECENT of them,
 * SENDQ_RECENT_BYTES), with its sender.
 */
static void
sendq_recent_add(const char *data, size_t len, const char *type,
    const char *target, const struct fmeta *m, uint64_t end)
{
	struct recent	*e;
	uint64_t	 now = ev_now();

	if (strlen(target) >= sizeof e->target || len > SENDQ_RECENT_BYTES)
		return;
	while (sq.recent_n > 0 && (sq.recent_n == SENDQ_RECENT ||
	    sq.recent_bytes + len > SENDQ_RECENT_BYTES ||
	    now - sq.recent[sq.recent_first].at > SENDQ_RESEND_MS))
		sendq_recent_pop();
	e = &sq.recent[(sq.recent_first + sq.recent_n) % SENDQ_RECENT];
	e->at = now;
	e->link = sq.link;
	e->end = end;
	e->data = xmalloc(len);
	memcpy(e->data, data, len);
	e->len = len;
	sendq_type_set(e->type, type);
	memcpy(e->target, target, strlen(target) + 1);
	e->client = m != NULL ? m->client : 0;
	e->id = m != NULL ? json_incref(m->id) : NULL;
	sq.recent_bytes += len;
	sq.recent_n++;
}

/*
 * The MUD's frames to other MUDs stopped (none for SENDQ_TRAIL_MS, none
 * queued): a probe shows soon which the router handled.  (While frames
 * keep coming, the usual probes every SENDQ_PROBE_MS or SENDQ_PROBE_BYTES
 * do.)
 */
static int
sendq_trail_timer(void *arg)
{
	uint64_t	last, quiet = ev_now() - sq.last_commit;

	if (quiet < SENDQ_TRAIL_MS)
		return ((int)(SENDQ_TRAIL_MS - quiet));
	sq.t_trail = 0;
	/* More to come: the commit of the last one starts this again. */
	if (!TAILQ_EMPTY(&sq.q[SQ_MUD]))
		return (EV_NOMORE);
	last = sq.nprobes > 0 ? sq.probe_off[sq.nprobes - 1] : sq.confirmed;
	if (router_ready() && sq.fd != -1 && sq.data_end > last)
		sendq_probe();
	return (EV_NOMORE);
}

/*
 * The mudlist says mud went down: a router drops without a word what it
 * gets for a MUD it knows is down.  The router handles a link's packets in
 * order and says a MUD went down when it does: what it handled before is
 * on its way to the MUD, and a probe that came back before this news
 * proves a frame was.  The frames sent to the MUD on this link that no
 * probe has shown handled (at most SENDQ_RESEND_MS old) go back to the
 * head of the queue, in order, to wait for it to be up again (or their
 * deadline: send_failed).  It may get some twice; it loses none.  (A
 * router that announces a MUD down late drops, meanwhile, frames a probe
 * shows handled: those are lost.)
 */
void
sendq_target_down(const char *mud)
{
	struct recent	*e;
	struct sframe	*f;
	struct fmeta	 m;
	uint64_t	 now = ev_now();
	size_t		 i, n = 0;

	for (i = sq.recent_n; i > 0; i--) {
		e = &sq.recent[(sq.recent_first + i - 1) % SENDQ_RECENT];
		if (e->data == NULL || now - e->at > SENDQ_RESEND_MS ||
		    e->link != sq.link || e->end <= sendq_keep_from() ||
		    strcasecmp(e->target, mud) != 0)
			continue;
		memset(&m, 0, sizeof m);
		m.client = e->client;
		m.id = e->id;		/* the reference goes with it */
		e->id = NULL;
		if (gw.conf->queue_deadline > 0)
			m.deadline = sendq_wall_ms() + gw.conf->queue_deadline;
		f = sendq_frame(e->data, e->len, SQ_MUD, e->type, e->target,
		    &m);
		TAILQ_INSERT_HEAD(&sq.q[SQ_MUD], f, entry);
		sq.qlen[SQ_MUD]++;
		sendq_store_put(f, 1);
		/* Not sent again a second time. */
		e->target[0] = '\0';
		n++;
	}
	if (n == 0)
		return;
	sq.resent += n;
	log_info("router: %zu frames to %s not known handled queued again: "
	    "it went down", n, mud);
	if (sq.t_tick == 0)
		sq.t_tick = ev_timer_add(SENDQ_TICK_MS, sendq_tick, NULL);
}

/* Write what the link buffer holds; before each poll and when writable. */
void
sendq_flush(void)
{
	ssize_t	n;
	size_t	left;

	sq.flushq = 0;
	sendq_store_sync();
	if (sq.fd == -1 || sq.t_lost != 0)
		return;
	sendq_probe_due();
	while ((left = sendq_unwritten()) > 0) {
		n = write(sq.fd, sq.lb + sq.lbstart + (sq.written - sq.lboff),
		    left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			log_warn("router %s: write", router_name());
			sq.t_lost = ev_timer_add(0, sendq_lost_timer, NULL);
			sendq_want_write(0);
			return;
		}
		sq.written += (uint64_t)n;
	}
	sendq_want_write(sendq_unwritten() > 0);
	sendq_measure();
	if ((sq.nacked < sq.nrecs || sq.data_end > sq.confirmed) &&
	    sq.t_ack == 0)
		sq.t_ack = ev_timer_add(SENDQ_ACK_MS, sendq_ack_timer, NULL);
}

/* The pre-poll hook: only when something happened this turn. */
void
sendq_flush_pending(void)
{
	if (sq.flushq || sq.nops > 0)
		sendq_flush();
}

static void
sendq_want_write(int on)
{
	if (sq.fd == -1 || on == sq.wanting)
		return;
	if (on)
		ev_io_set(sq.fd, EV_WRITE, sendq_writable, NULL);
	else
		ev_io_del(sq.fd);
	sq.wanting = on;
}

static void
sendq_writable(int fd, int what, void *arg)
{
	sendq_flush();
	sendq_drain();
}

static int
sendq_lost_timer(void *arg)
{
	sq.t_lost = 0;
	router_link_failed("write failed");
	return (EV_NOMORE);
}

/* Write out the link buffer, waiting at most ms (shutdown). */
int
sendq_flush_wait(int ms)
{
	uint64_t	deadline = ev_now_us() + (uint64_t)ms * 1000;

	sendq_flush();
	while (sq.fd != -1 && (sendq_unwritten() > 0 ||
	    sq.nacked < sq.nrecs) && ev_now_us() < deadline) {
		usleep(1000);
		sendq_flush();
	}
	return (sq.fd != -1 && sendq_unwritten() == 0 ? 0 : -1);
}

/* -------------------------------------------------------------- store */

static void
sendq_store_op(long long seq, const struct sframe *f)
{
	struct store_sendq_op	*op;

	if (sq.nops == sq.opsize) {
		sq.opsize = sq.opsize ? sq.opsize * 2 : 64;
		sq.ops = xrealloc(sq.ops, sq.opsize * sizeof *sq.ops);
	}
	op = &sq.ops[sq.nops++];
	memset(op, 0, sizeof *op);
	op->seq = seq;
	if (f != NULL) {
		op->prio = f->prio;
		op->frame = xmalloc(f->len);
		memcpy((char *)op->frame, f->data, f->len);
		op->len = f->len;
		op->deadline = f->m.deadline;
		op->target = f->target != NULL ? xstrdup(f->target) : NULL;
	}
	sq.flushq = 1;
}

/* Keep a waiting frame in the store: at the tail, or the head (again). */
static void
sendq_store_put(struct sframe *f, int head)
{
	f->m.seq = head ? sq.seq_lo-- : sq.seq_hi++;
	sendq_store_op(f->m.seq, f);
}

static void
sendq_store_del(long long seq)
{
	sendq_store_op(seq, NULL);
}

/* This turn's changes, in one transaction. */
static void
sendq_store_sync(void)
{
	size_t	i;

	if (sq.nops == 0)
		return;
	store_sendq_sync(sq.ops, sq.nops);
	for (i = 0; i < sq.nops; i++) {
		free((char *)sq.ops[i].frame);
		free((char *)sq.ops[i].target);
	}
	sq.nops = 0;
}

/* ------------------------------------------------------------- queues */

static struct sframe *
sendq_frame(const char *data, size_t len, int prio, const char *type,
    const char *target, struct fmeta *m)
{
	struct sframe	*f;

	f = xcalloc(1, sizeof *f);
	f->data = xmalloc(len);
	memcpy(f->data, data, len);
	f->len = len;
	f->prio = prio;
	sendq_type_set(f->type, type);
	f->target = target != NULL ? xstrdup(target) : NULL;
	if (m != NULL)
		f->m = *m;
	return (f);
}

static void
sendq_frame_free(struct sframe *f)
{
	free(f->data);
	free(f->target);
	free(f);
}

static void
sendq_meta_clear(struct fmeta *m)
{
	json_decref(m->id);
	m->id = NULL;
}

/* A packet type as a frame keeps it: "" when none or too long. */
static void
sendq_type_set(char *dst, const char *type)
{
	size_t	len = type != NULL ? strlen(type) : 0;

	if (len >= SENDQ_TYPELEN)
		len = 0;
	if (len > 0)
		memcpy(dst, type, len);
	dst[len] = '\0';
}

/*
 * The type of a framed packet kept in the store from before a restart
 * (the store keeps no type): read once, when it is restored.
 */
static void
sendq_frame_type(const char *data, size_t len, char *type)
{
	json_t	*raw = NULL;

	if (len >= 6)
		raw = i3_lpc_decode(data + 4, len - 5, 0, NULL, NULL);
	sendq_type_set(type, i3_packet_type(raw));
	json_decref(raw);
}

/* The target MUD of a framed packet (its fifth element), or NULL. */
static char *
sendq_frame_target(const char *data, size_t len)
{
	json_t		*raw;
	const char	*s;
	char		*t = NULL;

	if (len < 6)
		return (NULL);
	raw = i3_lpc_decode(data + 4, len - 5, 0, NULL, NULL);
	if ((s = json_string_value(json_array_get(raw, 4))) != NULL)
		t = xstrdup(s);
	json_decref(raw);
	return (t);
}

/* Room on the link for one more frame now? */
static int
sendq_link_room(void)
{
	return (router_ready() && sq.fd != -1 && sq.t_lost == 0 &&
	    sendq_unwritten() <= SENDQ_UNWRITTEN);
}

/* A frame for a MUD the mudlist does not say is up waits. */
static int
sendq_held(const struct sframe *f)
{
	const char	*canon;

	if (f->prio != SQ_MUD || f->target == NULL)
		return (0);
	if (sq.gated)
		return (1);
	return (svc_mudlist_up(f->target, &canon) == 0);
}

/* Past its deadline: dropped, its sender told. */
static void
sendq_expire(struct sframe *f)
{
	const char	*canon;
	char		 why[160];

	TAILQ_REMOVE(&sq.q[f->prio], f, entry);
	sq.qlen[f->prio]--;
	sq.expired++;
	if (f->m.seq != 0)
		sendq_store_del(f->m.seq);
	if (!router_ready())
		snprintf(why, sizeof why, "not handed to a router within %lds "
		    "(router %s)", gw.conf->queue_deadline / 1000,
		    router_state_name(router_state()));
	else if (f->target != NULL && svc_mudlist_up(f->target, &canon) == 0)
		snprintf(why, sizeof why, "%s stayed down for %lds", canon,
		    gw.conf->queue_deadline / 1000);
	else
		snprintf(why, sizeof why, "not sent within %lds (the pacing "
		    "limit)", gw.conf->queue_deadline / 1000);
	sendq_failed(&f->m, f->data, "expired", why);
	sendq_meta_clear(&f->m);
	sendq_frame_free(f);
}

/* Move what the queues hold to the link, the MUD's own sends first. */
static void
sendq_drain(void)
{
	struct sframe	*f, *next;
	long long	 now = sendq_wall_ms();
	long		 ms;
	int		 prio;

	for (prio = SQ_MUD; prio <= SQ_REPLY; prio++) {
		for (f = TAILQ_FIRST(&sq.q[prio]); f != NULL; f = next) {
			next = TAILQ_NEXT(f, entry);
			if (f->m.deadline != 0 && now >= f->m.deadline) {
				sendq_expire(f);
				continue;
			}
			if (sendq_held(f))
				continue;
			if (!sendq_link_room())
				return;	/* writable or acked: again */
			if (!sendq_pace_ok(1)) {
				ms = (long)((sq.pace_next - ev_now_us()) /
				    1000) + 1;
				if (sq.t_pace == 0)
					sq.t_pace = ev_timer_add(ms,
					    sendq_pace_timer, NULL);
				return;
			}
			TAILQ_REMOVE(&sq.q[prio], f, entry);
			sq.qlen[prio]--;
			sendq_commit(f->data, f->len, prio, f->type,
			    f->target, &f->m);
			sendq_frame_free(f);
		}
	}
}

/* Deadlines pass and held frames wait while anything is queued. */
static int
sendq_tick(void *arg)
{
	sendq_drain();
	if (sendq_len() == 0) {
		sq.t_tick = 0;
		return (EV_NOMORE);
	}
	return (SENDQ_TICK_MS);
}

static int
sendq_gate_timer(void *arg)
{
	sq.t_gate = 0;
	sendq_mudlist();
	return (EV_NOMORE);
}

/* The link is ready (startup done): wait for the mudlist, then send. */
void
sendq_ready(void)
{
	if (sq.fd != -1 && sq.t_gate == 0 && !sq.gated) {
		sq.gated = 1;
		sq.t_gate = ev_timer_add(SENDQ_MUDLIST_MS, sendq_gate_timer,
		    NULL);
	}
	sendq_drain();
}

/* A mudlist came (or the wait for one ended): targets up may go. */
void
sendq_mudlist(void)
{
	if (sq.t_gate != 0) {
		ev_timer_del(sq.t_gate);
		sq.t_gate = 0;
	}
	sq.gated = 0;
	sendq_drain();
}

/* Shutdown: what may go now goes, whatever the mudlist. */
void
sendq_last_drain(void)
{
	sq.gated = 0;
	sendq_drain();
}

/*
 * Send or queue a packet (the reference is stolen).  SQ_MUD: queued when
 * the link is not ready, pacing or the socket hold it back, or others
 * wait already (order is kept); a full queue is an error, never a silent
 * drop.  SQ_REPLY: the same below the MUD's own sends, and past its cap
 * dropped and counted (an unanswered who-req harms no one).
 */
int
sendq_put(json_t *raw, int prio, int *queued, struct rpc_error *re)
{
	static i3_buf	 fb;
	i3_error	 err;
	struct sframe	*f;
	struct fmeta	 m;
	const struct request *rq;
	size_t		 cap;

	*queued = 0;
	if (raw == NULL)
		return (rpc_fail(re, I3_RPC_INTERNAL, "cannot build the "
		    "packet"));
	if (gw.stopping) {
		json_decref(raw);
		return (rpc_fail(re, I3_RPC_SHUTDOWN, "gateway shutting down"));
	}
	cap = prio == SQ_MUD ? gw.conf->queue_max : gw.conf->reply_queue;
	if (TAILQ_EMPTY(&sq.q[SQ_MUD]) && (prio == SQ_MUD ||
	    TAILQ_EMPTY(&sq.q[SQ_REPLY])) && !sq.gated && sendq_link_room() &&
	    sendq_pace_ok(1))
		;	/* the fast path */
	else if (sq.qlen[prio] >= cap) {
		json_decref(raw);
		if (prio == SQ_REPLY) {
			sq.replies_dropped++;
			return (rpc_fail(re, I3_RPC_QUEUEFULL, "reply queue "
			    "full"));
		}
		if (!router_ready())
			return (rpc_fail(re, I3_RPC_UNAVAILABLE, "router "
			    "unavailable (%s) and the send queue is full "
			    "(%zu packets)", router_state_name(router_state()),
			    sq.qlen[prio]));
		if (gw.conf->rate > 0)
			return (rpc_fail(re, I3_RPC_QUEUEFULL, "send queue "
			    "full (%zu packets waiting for the pacing limit of "
			    "%d a second or for the router to take them)",
			    sq.qlen[prio], gw.conf->rate));
		return (rpc_fail(re, I3_RPC_QUEUEFULL, "send queue full (%zu "
		    "packets waiting for the router to take them)",
		    sq.qlen[prio]));
	} else
		*queued = 1;
	fb.len = 0;
	if (i3_frame_buf(&fb, raw, 0, &err) == -1) {
		json_decref(raw);
		*queued = 0;
		return (rpc_fail(re, I3_RPC_PARAMS, "cannot encode: %s",
		    err.text));
	}
	if (log_verbose() > 1)
		log_debug("router <- %.*s", (int)(fb.len - 5), fb.data + 4);
	memset(&m, 0, sizeof m);
	/* Sent by a client's request: refusals and failures go back to it. */
	if (prio == SQ_MUD && (rq = rpc_current()) != NULL) {
		sendq_remember(raw, rq);
		m.client = rq->cl->id;
		m.id = json_incref(rq->id);
	}
	if (prio == SQ_MUD && gw.conf->queue_deadline > 0)
		m.deadline = sendq_wall_ms() + gw.conf->queue_deadline;
	if (!*queued) {
		sendq_commit(fb.data, fb.len, prio, i3_packet_type(raw),
		    json_string_value(json_array_get(raw, 4)), &m);
		json_decref(raw);
		return (0);
	}
	f = sendq_frame(fb.data, fb.len, prio, i3_packet_type(raw),
	    json_string_value(json_array_get(raw, 4)), &m);
	json_decref(raw);
	TAILQ_INSERT_TAIL(&sq.q[prio], f, entry);
	sq.qlen[prio]++;
	sq.queued_total++;
	if (prio == SQ_MUD)
		sendq_store_put(f, 0);
	if (sendq_len() > sq.qpeak)
		sq.qpeak = sendq_len();
	if (sq.t_tick == 0)
		sq.t_tick = ev_timer_add(SENDQ_TICK_MS, sendq_tick, NULL);
	sendq_drain();
	return (0);
}

/*
 * Link control (startup, keepalive, channel-listen): past the queues, on
 * the link in hand or not at all.  cost: its share of the pacing.
 */
void
sendq_control(json_t *raw, int cost)
{
	static i3_buf	fb;

	if (raw == NULL)
		return;
	fb.len = 0;
	if (sq.fd != -1 && i3_frame_buf(&fb, raw, 0, NULL) == 0) {
		sendq_pace_take(cost);
		sendq_commit(fb.data, fb.len, SQ_CTL, i3_packet_type(raw), NULL,
		    NULL);
	}
	json_decref(raw);
}

/* ------------------------------------------------------- send_failed */

/* The send_failed event, built in this one place for every cause. */
void
sendq_notify_failed(struct client *cl, const json_t *id, const char *type,
    const char *target, const char *code, const char *reason,
    const char *from)
{
	event_deliver("send_failed", json_pack("{s:O?, s:s, s:s, s:s, s:s,"
	    " s:s}", "id", id, "type", type, "target", target, "code", code,
	    "reason", reason, "from", from), cl, NULL);
}

/*
 * Tell the sender of a frame that it was not delivered, when it is still
 * there; else log it.  frame: the framed packet, for the target.
 */
static void
sendq_failed(struct fmeta *m, const char *frame, const char *code,
    const char *why)
{
	struct client	*cl;
	json_t		*raw = NULL;
	const char	*type, *tmud, *tuser;
	char		 target[160];

	if (frame != NULL)
		raw = i3_lpc_decode(frame + 4, strlen(frame + 4), 0, NULL,
		    NULL);
	type = json_string_value(json_array_get(raw, 0));
	tmud = json_string_value(json_array_get(raw, 4));
	tuser = json_string_value(json_array_get(raw, 5));
	if (tmud == NULL)
		tmud = json_string_value(json_array_get(raw, 6));
	if (tuser != NULL)
		snprintf(target, sizeof target, "%s@%s", tuser,
		    tmud != NULL ? tmud : "?");
	else
		snprintf(target, sizeof target, "%s", tmud != NULL ? tmud :
		    "?");
	if (m->client != 0 && (cl = client_find(m->client)) != NULL)
		sendq_notify_failed(cl, m->id, type != NULL ? type : "?",
		    target, code, why, gw.conf->mud_name);
	else
		log_warnx("a %s to %s was not delivered: %s", type != NULL ?
		    type : "packet", target, why);
	json_decref(raw);
}

/* -------------------------------------------------------- refusals */

static uint64_t
sendq_fnv(uint64_t h, const char *s, int fold)
{
	unsigned char	c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (fold && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ c) * 0x100000001b3ULL;
	}
	return ((h ^ 0xff) * 0x100000001b3ULL);
}

static uint64_t
sendq_hash_str(const char *s)
{
	return (sendq_fnv(0xcbf29ce484222325ULL, s != NULL ? s : "", 1));
}

/* A packet's identity, ttl and originator_mud aside; or its user's. */
static uint64_t
sendq_hash(const json_t *raw, int user_only)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const json_t	*v;
	size_t		 i;
	char		 n[32];

	if (user_only)
		return (sendq_hash_str(json_string_value(json_array_get(raw,
		    3))));
	json_array_foreach(raw, i, v) {
		if (i == 1 || i == 2)
			continue;
		if (json_is_string(v))
			h = sendq_fnv(h, json_string_value(v), 1);
		else if (json_is_integer(v)) {
			snprintf(n, sizeof n, "%lld",
			    (long long)json_integer_value(v));
			h = sendq_fnv(h, n, 0);
		} else
			h = sendq_fnv(h, "?", 0);
	}
	return (h);
}

/* "a@b" (or "b" when a is NULL) into buf, cut to fit: on the fast path. */
static void
sendq_cat(char *buf, size_t size, const char *a, const char *b)
{
	size_t	n = 0, l;

	if (a != NULL) {
		l = strlen(a);
		if (l > (b != NULL ? size / 2 : size - 1))
			l = b != NULL ? size / 2 : size - 1;
		memcpy(buf, a, l);
		n = l;
		if (b != NULL)
			buf[n++] = '@';
	}
	if (b != NULL) {
		l = strlen(b);
		if (l > size - n - 1)
			l = size - n - 1;
		memcpy(buf + n, b, l);
		n += l;
	}
	buf[n] = '\0';
}

static void
sendq_remember(const json_t *raw, const struct request *rq)
{
	struct sent	*s = &sq.sent[sq.sent_next];
	const char	*type, *tmud, *tuser;

	sq.sent_next = (sq.sent_next + 1) % SENDQ_SENT_RING;
	json_decref(s->id);
	s->hfull = sendq_hash(raw, 0);
	s->huser = sendq_hash(raw, 1);
	s->hmud = sendq_hash_str(json_string_value(json_array_get(raw, 4)));
	s->at = ev_now();
	s->client = rq->cl->id;
	s->id = json_incref(rq->id);
	type = json_string_value(json_array_get(raw, 0));
	tmud = json_string_value(json_array_get(raw, 4));
	tuser = json_string_value(json_array_get(raw, 5));
	sendq_cat(s->type, sizeof s->type, type != NULL ? type : "?", NULL);
	if (tmud == NULL)
		tmud = json_string_value(json_array_get(raw, 6)); /* channel */
	sendq_cat(s->target, sizeof s->target, tuser, tmud != NULL ? tmud :
	    "");
}

/*
 * An I3 error: is it the refusal of a packet a client sent?  Matched by
 * the packet it quotes, else (a peer that quotes none) by the user it is
 * for and the MUD it comes from within a few seconds.  The client hears
 * of it as send_failed; 1 when it was matched (and reported).
 */
int
sendq_refusal(const json_t *named, const json_t *raw)
{
	const json_t	*ep = json_array_get(raw, 8);
	const char	*code = i3_pkt_str(named, "error_code");
	const char	*msg = i3_pkt_str(named, "error_message");
	const char	*from = i3_pkt_str(named, "originator_mud");
	const char	*tuser = i3_pkt_str(named, "target_user");
	struct sent	*s, *found = NULL;
	struct client	*cl;
	uint64_t	 h, hfrom, now = ev_now(), window;
	size_t		 i;
	int		 quoted, router;

	if (code == NULL || strcmp(code, "warning") == 0)
		return (0);
	sq.refusals++;
	quoted = json_is_array(ep) && i3_packet_type(ep) != NULL;
	if (quoted)
		h = sendq_hash(ep, 0);
	else if (tuser != NULL)
		h = sendq_hash_str(tuser);
	else
		return (0);
	hfrom = sendq_hash_str(from);
	router = from == NULL || from[0] == '*';
	window = quoted ? SENDQ_REFUSAL_MS : SENDQ_GUESS_MS;
	for (i = 1; i <= SENDQ_SENT_RING; i++) {
		s = &sq.sent[(sq.sent_next + SENDQ_SENT_RING - i) %
		    SENDQ_SENT_RING];
		if (s->client == 0 || now - s->at > window)
			break;
		if (quoted ? s->hfull == h : (s->huser == h &&
		    (router || s->hmud == hfrom))) {
			found = s;
			break;
		}
	}
	if (found == NULL || (cl = client_find(found->client)) == NULL)
		return (0);
	sq.refusals_matched++;
	sendq_notify_failed(cl, found->id, found->type, found->target, code,
	    msg != NULL ? msg : code, from != NULL ? from : "?");
	/* Reported once: a second error for it is not this request's. */
	found->hfull = found->huser = 0;
	return (1);
}

void
sendq_stats(json_t *o)
{
	json_object_set_new(o, "queue", json_integer(sendq_len()));
	json_object_set_new(o, "queue_max", json_integer(gw.conf->queue_max));
	json_object_set_new(o, "queue_peak", json_integer(sq.qpeak));
	json_object_set_new(o, "queued_total", json_integer(sq.queued_total));
	json_object_set_new(o, "reply_queue",
	    json_integer(sq.qlen[SQ_REPLY]));
	json_object_set_new(o, "replies_dropped",
	    json_integer(sq.replies_dropped));
	json_object_set_new(o, "link_unacked",
	    json_integer(sq.nrecs - sq.nacked));
	json_object_set_new(o, "link_kept", json_integer(sq.nacked));
	json_object_set_new(o, "handed_over", json_integer(sq.handed_over));
	json_object_set_new(o, "requeued", json_integer(sq.requeued));
	json_object_set_new(o, "resent_target_down",
	    json_integer(sq.resent));
	json_object_set_new(o, "restored", json_integer(sq.restored));
	json_object_set_new(o, "expired", json_integer(sq.expired));
	json_object_set_new(o, "refusals", json_integer(sq.refusals));
	json_object_set_new(o, "refusals_matched",
	    json_integer(sq.refusals_matched));
}
