/*
 * listen.c: the API listeners: the Unix socket (checked as tmux does), TCP
 * (plain or TLS), socket activation (LISTEN_FDS), accepting without spinning.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <malloc.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

struct listener {
	int		 fd;
	int		 transport;	/* CLIENT_UNIX, CLIENT_TCP, CLIENT_TLS */
	char		*where;
	char		*path;		/* a Unix socket of ours to unlink */
};

struct uid_count {
	uid_t		 uid;
	long		 n;
};

/* Each listener on its own: the event loop holds pointers to them. */
static struct listener	**listeners;
static size_t		 nlisteners;
static char		*listen_path;
static struct uid_count	*uid_counts;
static size_t		 nuid_counts;
static uint64_t		 listen_resume_timer;
static int		 listen_http_activated = -1;
static gid_t		 listen_gid = (gid_t)-1;
static json_t		*ip_counts;	/* address -> TCP/TLS connections */
static uint64_t		 listen_sweep_timer;

#define LISTEN_SWEEP_MS		250

/*
 * A refused connection is read (and what it sent dropped) until it closes,
 * for LISTEN_LINGER_MS at most: closed with its request unread, the peer
 * would get a reset instead of the line that says why.  At most
 * LISTEN_LINGER_MAX linger at once; past that, closed at once.
 */
#define LISTEN_LINGER_MS	1000
#define LISTEN_LINGER_MAX	32
static struct linger_slot {
	int		 used;
	int		 fd;
	uint64_t	 timer;
} listen_lingering[LISTEN_LINGER_MAX];

uint64_t		 listen_accepted;
uint64_t		 listen_refused;
uint64_t		 listen_timeouts;

static void	listen_add(int, int, const char *, const char *);
static int	listen_unix(const char *, char **);
static int	listen_tcp(const char *, int, char **);
static void	listen_accept(int, int, void *);
static int	listen_resume(void *);
static void	listen_pause(void);
static int	listen_activation(void);
static long	*listen_uid_slot(uid_t);
static int	listen_peer_in_group(uid_t, gid_t);
static void	listen_refuse(int, const char *);
static void	listen_linger_read(int, int, void *);
static int	listen_linger_timeout(void *);
static void	listen_linger_end(struct linger_slot *);
static int	listen_sweep(void *);
static long	listen_ip_count(const char *, int);
static long	listen_live(void);

/* [api] socket, else the default path (paths_socket()). */
const char *
listen_socket_path(void)
{
	if (listen_path == NULL) {
		if (api != NULL && api->socket != NULL)
			listen_path = xstrdup(api->socket);
		else
			listen_path = paths_socket();
	}
	return (listen_path);
}

static void
listen_add(int fd, int transport, const char *where, const char *path)
{
	struct listener	*l;

	listeners = xrealloc(listeners, (nlisteners + 1) * sizeof *listeners);
	l = listeners[nlisteners++] = xcalloc(1, sizeof *l);
	l->fd = fd;
	l->transport = transport;
	l->where = xstrdup(where);
	l->path = path != NULL ? xstrdup(path) : NULL;
	ev_set_nonblock(fd);
	ev_io_set(fd, EV_READ, listen_accept, l);
	log_info("listening on %s%s", where, transport == CLIENT_TLS ?
	    " (TLS)" : "");
}

/*
 * The socket's directory: ours, a directory, and no access for others (as
 * tmux checks its socket directory).  A group of clients gets r-x on it.
 */
int
listen_check_dir(const char *dir, int created, char **cause)
{
	struct stat	sb;
	mode_t		allowed;

	if (lstat(dir, &sb) == -1) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		xasprintf(cause, "%s: not a directory", dir);
		return (-1);
	}
	if (sb.st_uid != getuid() && (created || sb.st_uid != 0)) {
		xasprintf(cause, "%s: owned by uid %ld, not %ld: refused", dir,
		    (long)sb.st_uid, (long)getuid());
		return (-1);
	}
	/* Our own directory: nothing for others; a given one: not writable. */
	if (created)
		allowed = (listen_gid != (gid_t)-1) ? (S_IRGRP | S_IXGRP) : 0;
	else
		allowed = S_IRGRP | S_IXGRP | S_IROTH | S_IXOTH;
	if ((sb.st_mode & 077 & ~allowed) != 0) {
		xasprintf(cause, "%s: unsafe permissions %04o (others may "
		    "reach it): refused", dir, (unsigned)(sb.st_mode & 07777));
		return (-1);
	}
	return (0);
}

static int
listen_unix(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	struct group		*gr;
	char			*copy, *dir;
	int			 fd, created, rc;
	mode_t			 old;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "%s: socket path too long", path);
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (api->socket_group != NULL) {
		if ((gr = getgrnam(api->socket_group)) == NULL) {
			xasprintf(cause, "socket_group %s: no such group",
			    api->socket_group);
			return (-1);
		}
		listen_gid = gr->gr_gid;
	}

	copy = xstrdup(path);
	dir = dirname(copy);
	/* The default directory is ours to make; a configured one may be. */
	created = (api->socket == NULL);
	if (mkdir(dir, listen_gid != (gid_t)-1 ? 0750 : 0700) == 0)
		created = 1;
	else if (errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(copy);
		return (-1);
	}
	rc = listen_check_dir(dir, created, cause);
	free(copy);
	if (rc == -1)
		return (-1);

	/* A socket left over: in use, or stale (then removed). */
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "%s: exists and is not a socket",
			    path);
			return (-1);
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd != -1 && connect(fd, (struct sockaddr *)&sun,
		    sizeof sun) == 0) {
			close(fd);
			xasprintf(cause, "%s: another gateway is serving it",
			    path);
			errno = EADDRINUSE;
			return (-1);
		}
		if (fd != -1)
			close(fd);
		unlink(path);
	}

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	old = umask(listen_gid != (gid_t)-1 ? 0117 : 0177);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc == -1) {
		xasprintf(cause, "%s: bind: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (listen_gid != (gid_t)-1) {
		if (chown(path, (uid_t)-1, listen_gid) == -1 ||
		    chmod(path, 0660) == -1) {
			xasprintf(cause, "%s: %s", path, strerror(errno));
			close(fd);
			unlink(path);
			return (-1);
		}
	} else if (chmod(path, 0600) == -1) {
		xasprintf(cause, "%s: chmod: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	if (listen(fd, SOMAXCONN) == -1) {
		xasprintf(cause, "%s: listen: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	listen_add(fd, CLIENT_UNIX, path, path);
	return (0);
}

/* "port", "host:port", "[v6]:port"; the host defaults to 127.0.0.1. */
static int
listen_resolve(const char *spec, struct addrinfo **res, char **cause)
{
	struct addrinfo	 hints;
	const char	*host, *port;
	char		*copy;
	int		 error;

	copy = config_hostport(spec, &host, &port);
	if (*host == '\0' || strcmp(host, "*") == 0)
		host = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	error = getaddrinfo(host, port, &hints, res);
	free(copy);
	if (error != 0) {
		xasprintf(cause, "tcp %s: %s", spec, gai_strerror(error));
		return (-1);
	}
	return (0);
}

/* Whether spec could be listened on now (i3gw doctor): 0, or -1. */
int
listen_probe(const char *spec, char **cause)
{
	struct addrinfo	*res, *ai;
	int		 fd, on = 1, rc = 0;

	if (listen_resolve(spec, &res, cause) == -1)
		return (-1);
	for (ai = res; ai != NULL && rc == 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			xasprintf(cause, "tcp %s: %s", spec, strerror(errno));
			rc = -1;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return (rc);
}

static int
listen_tcp(const char *spec, int transport, char **cause)
{
	struct addrinfo		*res, *ai;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 where[128], hbuf[64], pbuf[16];
	int			 fd, on = 1, n = 0;

	if (listen_resolve(spec, &res, cause) == -1)
		return (-1);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
			    sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
		    listen(fd, SOMAXCONN) == -1) {
			xasprintf(cause, "tcp %s: %s", spec, strerror(errno));
			close(fd);
			freeaddrinfo(res);
			return (-1);
		}
		sslen = sizeof ss;
		getsockname(fd, (struct sockaddr *)&ss, &sslen);
		getnameinfo((struct sockaddr *)&ss, sslen, hbuf, sizeof hbuf,
		    pbuf, sizeof pbuf, NI_NUMERICHOST | NI_NUMERICSERV);
		snprintf(where, sizeof where, ai->ai_family == AF_INET6 ?
		    "tcp [%s]:%s" : "tcp %s:%s", hbuf, pbuf);
		listen_add(fd, transport, where, NULL);
		n++;
	}
	freeaddrinfo(res);
	if (n == 0) {
		xasprintf(cause, "tcp %s: no address to listen on", spec);
		return (-1);
	}
	return (0);
}

/*
 * systemd socket activation: LISTEN_PID is us, LISTEN_FDS sockets from fd
 * 3, LISTEN_FDNAMES optionally naming them ("unix", "tcp", "tls",
 * "http"); without names the family decides (Unix or TCP).  Returns the
 * number of Unix sockets taken.
 */
static int
listen_activation(void)
{
	const char		*s, *names;
	char			*copy = NULL, *name, *save = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	long			 pid, nfds, i;
	int			 fd, transport, nunix = 0;
	char			 where[64];

	if ((s = getenv("LISTEN_PID")) == NULL ||
	    (pid = strtol(s, NULL, 10)) != (long)getpid())
		return (0);
	if ((s = getenv("LISTEN_FDS")) == NULL ||
	    (nfds = strtol(s, NULL, 10)) <= 0 || nfds > 64)
		return (0);
	if ((names = getenv("LISTEN_FDNAMES")) != NULL) {
		copy = xstrdup(names);
		name = strtok_r(copy, ":", &save);
	} else
		name = NULL;
	for (i = 0; i < nfds; i++) {
		fd = 3 + (int)i;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		sslen = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
			log_warn("LISTEN_FDS: fd %d", fd);
			goto next;
		}
		if (name != NULL && strcmp(name, "http") == 0) {
			listen_http_activated = fd;
			log_info("socket activation: fd %d for HTTP", fd);
			goto next;
		}
		if (ss.ss_family == AF_UNIX)
			transport = CLIENT_UNIX;
		else if (name != NULL && strcmp(name, "tcp") == 0)
			transport = CLIENT_TCP;
		else if (api->tls || (name != NULL &&
		    strcmp(name, "tls") == 0))
			transport = CLIENT_TLS;
		else
			transport = CLIENT_TCP;
		if (transport == CLIENT_UNIX)
			nunix++;
		snprintf(where, sizeof where, "activated fd %d (%s)", fd,
		    transport == CLIENT_UNIX ? "unix" : "tcp");
		listen_add(fd, transport, where, NULL);
	next:
		if (name != NULL)
			name = strtok_r(NULL, ":", &save);
	}
	free(copy);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (nunix > 0 ? nunix : -1);
}

/* An activated socket for HTTP, or -1. */
int
listen_http_fd(void)
{
	return (listen_http_activated);
}

int
listen_init(char **cause)
{
	json_t		*list;
	const char	*p, *q;
	char		*spec, *why = NULL;
	int		 activated;

	activated = listen_activation();
	if (api->unix_on && activated <= 0) {
		if (listen_unix(listen_socket_path(), &why) == -1) {
			/* A child of a MUD still serves stdio. */
			if (!gw.stdio) {
				*cause = why;
				return (-1);
			}
			log_warnx("no Unix socket: %s", why);
			free(why);
		}
	}
	if (api->tcp != NULL) {
		list = json_array();
		for (p = api->tcp;;) {
			while (*p == ',' || *p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				break;
			q = p;
			while (*q != '\0' && *q != ',' && *q != ' ' &&
			    *q != '\t')
				q++;
			spec = xstrndup(p, q - p);
			p = q;
			if (listen_tcp(spec, api->tls ? CLIENT_TLS :
			    CLIENT_TCP, cause) == -1) {
				free(spec);
				json_decref(list);
				return (-1);
			}
			free(spec);
		}
		json_decref(list);
	}
	listen_sweep_timer = ev_timer_add(LISTEN_SWEEP_MS, listen_sweep, NULL);
	return (0);
}

/*
 * Deadlines, every LISTEN_SWEEP_MS: a TLS handshake not done within
 * handshake_timeout, a client not trusted and not authenticated within
 * auth_timeout, are dropped.  When many clients have gone, the memory
 * they held is given back to the system.
 */
static int
listen_sweep(void *arg)
{
	static size_t	 peak;
	struct client	*cl, *next;
	uint64_t	 now = ev_now(), age;
	size_t		 n;
	char		 why[96];

	for (cl = TAILQ_FIRST(&clients); cl != NULL; cl = next) {
		next = TAILQ_NEXT(cl, entry);
		if (cl->trusted || cl->key != NULL || cl->stdio ||
		    cl->http != NULL || (cl->transport != CLIENT_TCP &&
		    cl->transport != CLIENT_TLS && cl->transport != CLIENT_UNIX))
			continue;
		age = now - cl->since;
		if (cl->transport == CLIENT_TLS && !tls_ready(cl) &&
		    age > (uint64_t)api->handshake_timeout) {
			snprintf(why, sizeof why, "no TLS handshake within "
			    "%ld ms (handshake_timeout)",
			    api->handshake_timeout);
			listen_timeouts++;
			client_drop(cl, why);
		} else if (age > (uint64_t)api->auth_timeout) {
			snprintf(why, sizeof why, "not authenticated within "
			    "%ld ms (auth_timeout)", api->auth_timeout);
			listen_timeouts++;
			client_drop(cl, why);
		}
	}
	n = client_count();
	if (n > peak)
		peak = n;
	else if (peak >= 256 && n < peak / 2) {
		malloc_trim(0);
		peak = n;
	}
	return (LISTEN_SWEEP_MS);
}

/*
 * Connections from one address (TCP, TLS), by its numeric form: add
 * (+1, -1, or 0 to ask) and get the count; an address at 0 is forgotten.
 */
static long
listen_ip_count(const char *addr, int add)
{
	json_t		*v;
	json_int_t	 n;

	if (ip_counts == NULL)
		ip_counts = json_object();
	v = json_object_get(ip_counts, addr);
	n = (v != NULL ? json_integer_value(v) : 0) + add;
	if (n <= 0)
		json_object_del(ip_counts, addr);
	else if (add != 0)
		json_object_set_new(ip_counts, addr, json_integer(n));
	return (n < 0 ? 0 : (long)n);
}

void
listen_close(void)
{
	size_t	i;

	for (i = 0; i < nlisteners; i++) {
		ev_io_del(listeners[i]->fd);
		close(listeners[i]->fd);
		if (listeners[i]->path != NULL)
			unlink(listeners[i]->path);
		free(listeners[i]->where);
		free(listeners[i]->path);
		free(listeners[i]);
	}
	free(listeners);
	listeners = NULL;
	nlisteners = 0;
	if (listen_resume_timer != 0) {
		ev_timer_del(listen_resume_timer);
		listen_resume_timer = 0;
	}
}

static long *
listen_uid_slot(uid_t uid)
{
	size_t	i;

	for (i = 0; i < nuid_counts; i++) {
		if (uid_counts[i].uid == uid)
			return (&uid_counts[i].n);
	}
	uid_counts = xrealloc(uid_counts, (nuid_counts + 1) *
	    sizeof *uid_counts);
	uid_counts[nuid_counts].uid = uid;
	uid_counts[nuid_counts].n = 0;
	return (&uid_counts[nuid_counts++].n);
}

void
listen_client_gone(struct client *cl)
{
	long	*n;

	if (cl->transport == CLIENT_TCP || cl->transport == CLIENT_TLS) {
		listen_ip_count(cl->addr, -1);
		cl->transport = -1;
		return;
	}
	if (cl->transport != CLIENT_UNIX)
		return;
	n = listen_uid_slot(cl->uid);
	if (*n > 0)
		(*n)--;
	cl->transport = -1;
}

/* Clients connected now (detached sessions hold no connection). */
static long
listen_live(void)
{
	return ((long)client_count() - (long)session_detached());
}

/* Is the peer (uid) a member of the group, primary or supplementary? */
static int
listen_peer_in_group(uid_t uid, gid_t gid)
{
	struct passwd	*pw;
	gid_t		 groups[256];
	int		 ngroups = 256, i;

	if ((pw = getpwuid(uid)) == NULL)
		return (0);
	if (pw->pw_gid == gid)
		return (1);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &ngroups) == -1)
		return (0);
	for (i = 0; i < ngroups; i++) {
		if (groups[i] == gid)
			return (1);
	}
	return (0);
}

/* Say why, best effort, then close once the peer has (listen_lingering). */
static void
listen_refuse(int fd, const char *why)
{
	struct linger_slot	*ls;
	char			 buf[256];
	int			 n;
	size_t			 i;

	listen_refused++;
	n = snprintf(buf, sizeof buf, "{\"jsonrpc\":\"2.0\",\"id\":null,"
	    "\"error\":{\"code\":%d,\"message\":\"%s\"}}\n", I3_RPC_REFUSED,
	    why);
	(void)!write(fd, buf, n);
	shutdown(fd, SHUT_WR);
	for (i = 0; i < LISTEN_LINGER_MAX; i++) {
		ls = &listen_lingering[i];
		if (!ls->used) {
			ls->used = 1;
			ls->fd = fd;
			ls->timer = ev_timer_add(LISTEN_LINGER_MS,
			    listen_linger_timeout, ls);
			ev_io_set(fd, EV_READ, listen_linger_read, ls);
			return;
		}
	}
	/* No room: drop what came already, then close. */
	while (read(fd, buf, sizeof buf) > 0)
		;
	close(fd);
}

/* Drop what a refused peer sends; done at its EOF (or an error). */
static void
listen_linger_read(int fd, int what, void *arg)
{
	char	buf[4096];
	ssize_t	n;

	while ((n = read(fd, buf, sizeof buf)) > 0)
		;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	listen_linger_end(arg);
}

static int
listen_linger_timeout(void *arg)
{
	struct linger_slot	*ls = arg;

	ls->timer = 0;
	listen_linger_end(ls);
	return (EV_NOMORE);
}

static void
listen_linger_end(struct linger_slot *ls)
{
	ev_io_del(ls->fd);
	if (ls->timer != 0)
		ev_timer_del(ls->timer);
	close(ls->fd);
	ls->used = 0;
	ls->timer = 0;
}

/* Out of descriptors: stop accepting for a while instead of spinning. */
static void
listen_pause(void)
{
	size_t	i;

	if (listen_resume_timer != 0)
		return;
	for (i = 0; i < nlisteners; i++)
		ev_io_del(listeners[i]->fd);
	listen_resume_timer = ev_timer_add(250, listen_resume, NULL);
}

static int
listen_resume(void *arg)
{
	size_t	i;

	listen_resume_timer = 0;
	for (i = 0; i < nlisteners; i++)
		ev_io_set(listeners[i]->fd, EV_READ, listen_accept,
		    listeners[i]);
	return (EV_NOMORE);
}

static void
listen_accept(int fd, int what, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	struct ucred		 cred;
	socklen_t		 credlen;
	struct client		*cl;
	long			*count;
	int			 cfd, i, trusted, on = 1;
	char			 host[64];

	for (i = 0; i < 64; i++) {
		sslen = sizeof ss;
		cfd = accept4(fd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd == -1) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warnx("%s: accept: %s: pausing",
				    l->where, strerror(errno));
				listen_pause();
				return;
			}
			log_warn("%s: accept", l->where);
			return;
		}
		/* (detached sessions counted only when it can matter) */
		if ((long)client_count() >= api->max_clients &&
		    (long)client_count() - (long)session_detached() >=
		    api->max_clients) {
			log_warnx("%s: refused: %ld clients already",
			    l->where, api->max_clients);
			listen_refuse(cfd, "too many clients");
			continue;
		}
		if (l->transport == CLIENT_UNIX) {
			credlen = sizeof cred;
			if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred,
			    &credlen) == -1) {
				log_warn("%s: SO_PEERCRED", l->where);
				close(cfd);
				listen_refused++;
				continue;
			}
			trusted = (cred.uid == getuid());
			if (!trusted && (listen_gid == (gid_t)-1 ||
			    (cred.gid != listen_gid &&
			    !listen_peer_in_group(cred.uid, listen_gid)))) {
				log_warnx("%s: refused uid %ld", l->where,
				    (long)cred.uid);
				listen_refuse(cfd, "permission denied");
				continue;
			}
			count = listen_uid_slot(cred.uid);
			if (*count >= api->max_per_uid) {
				log_warnx("%s: refused uid %ld: %ld "
				    "connections already", l->where,
				    (long)cred.uid, *count);
				listen_refuse(cfd, "too many connections "
				    "for this uid");
				continue;
			}
			/* Others leave reserve_local for the MUD's own. */
			if (!trusted && listen_live() >= api->max_clients -
			    api->reserve_local) {
				log_warnx("%s: refused uid %ld: the rest is "
				    "reserved (reserve_local)", l->where,
				    (long)cred.uid);
				listen_refuse(cfd, "too many clients");
				continue;
			}
			(*count)++;
			cl = client_new(cfd, cfd, CLIENT_UNIX);
			cl->uid = cred.uid;
			cl->trusted = trusted;
			if (trusted)
				cl->perms = API_P_ALL;
			snprintf(cl->addr, sizeof cl->addr, "unix:uid=%ld",
			    (long)cred.uid);
		} else {
			if (!auth_addr_allowed((struct sockaddr *)&ss)) {
				getnameinfo((struct sockaddr *)&ss, sslen,
				    host, sizeof host, NULL, 0,
				    NI_NUMERICHOST);
				log_warnx("%s: refused %s (allow/deny)",
				    l->where, host);
				listen_refuse(cfd, "address not allowed");
				continue;
			}
			getnameinfo((struct sockaddr *)&ss, sslen, host,
			    sizeof host, NULL, 0, NI_NUMERICHOST);
			if (listen_live() >= api->max_clients -
			    api->reserve_local) {
				log_warnx("%s: refused %s: the rest is "
				    "reserved (reserve_local)", l->where, host);
				listen_refuse(cfd, "too many clients");
				continue;
			}
			if (listen_ip_count(host, 0) >= api->max_per_ip) {
				log_warnx("%s: refused %s: %ld connections "
				    "from it already (max_per_ip)", l->where,
				    host, api->max_per_ip);
				listen_refuse(cfd, "too many connections from "
				    "this address");
				continue;
			}
			setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &on,
			    sizeof on);
			cl = client_new(cfd, cfd, l->transport);
			snprintf(cl->addr, sizeof cl->addr, "%s", host);
			listen_ip_count(host, 1);
			memcpy(&cl->sa, &ss, sizeof cl->sa);
			if (l->transport == CLIENT_TLS &&
			    tls_attach(cl) == -1) {
				client_free(cl);
				continue;
			}
		}
		listen_accepted++;
		session_new(cl);
		/* What the Python gateway's TCP clients wait for first. */
		if (api->welcome && cl->transport != CLIENT_UNIX)
			conn_printf(cl->conn, "{\"jsonrpc\":\"2.0\",\"method\":"
			    "\"welcome\",\"params\":{\"service\":\"i3gw\","
			    "\"version\":\"%s\",\"protocol\":\"JSON-RPC 2.0\","
			    "\"authentication\":\"required\",\"mud_name\":"
			    "\"%s\"}}\n", I3_VERSION, gw.conf->mud_name);
		log_debug("client %d: connected from %s (%s)", cl->id,
		    cl->addr, l->where);
	}
}
