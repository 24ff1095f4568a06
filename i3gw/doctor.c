/*
 * doctor.c: "i3gw doctor", checks of a gateway's set-up, each finding
 * explained with its fix in plain words: the config file, the state
 * directory, the routers (a real startup, its refusal explained), our name
 * in the mudlist, the clock, pacing against the routers' flood rule, the
 * listeners and TLS files.
 *
 * It contacts only the routers of the config.  When a gateway runs on the
 * state directory it asks that gateway instead of starting up beside it: a
 * second startup under our name would take the name from the live link.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "i3gw.h"

#define DR_HEALTHY	0
#define DR_FINDINGS	1
#define DR_CANNOT	2

enum dr_level { DR_OK, DR_INFO, DR_WARN, DR_FAIL };
static const char *dr_level_names[] = { "ok", "info", "warn", "fail" };

static struct {
	json_t	*checks;
	int	 json;
	int	 worst;
	long	 timeout;	/* ms */
	int	 running;	/* a gateway holds the state directory */
	long	 running_pid;
} D;

static void	dr_usage(FILE *, int) C_DEAD;

static void
dr_usage(FILE *f, int code)
{
	fprintf(f, "usage: %s doctor [--json] [-f file] [--state-dir dir] "
	    "[-t duration]\n"
	    "Check the set-up and explain each problem, with its fix.\n"
	    "  -j, --json             one JSON object\n"
	    "  -f, --config FILE      the configuration\n"
	    "      --state-dir DIR    the state directory\n"
	    "  -t, --timeout DURATION how long a router may take to answer\n"
	    "  -h, --help             this help\n", I3GW_NAME);
	exit(code);
}

/* One finding: its area, its subject, what is so, and what to do. */
static void
dr_add(enum dr_level lv, const char *area, const char *subject,
    const char *fix, const char *fmt, ...) C_PRINTF(5, 6);

static void
dr_add(enum dr_level lv, const char *area, const char *subject,
    const char *fix, const char *fmt, ...)
{
	char	*text;
	va_list	 ap;
	json_t	*o;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		fatal("vasprintf");
	va_end(ap);
	o = json_pack("{ssssssss}", "area", area, "subject", subject ?
	    subject : "", "status", dr_level_names[lv], "text", text);
	if (fix != NULL)
		json_object_set_new(o, "fix", json_string(fix));
	json_array_append_new(D.checks, o);
	if ((int)lv > D.worst)
		D.worst = lv;
	free(text);
}

static void
dr_print(void)
{
	json_t		*o;
	size_t		 i;
	char		*s;

	if (D.json) {
		o = json_pack("{sbsO}", "healthy", D.worst < DR_WARN,
		    "checks", D.checks);
		s = json_dumps(o, JSON_COMPACT);
		printf("%s\n", s);
		free(s);
		json_decref(o);
		return;
	}
	json_array_foreach(D.checks, i, o) {
		const char *st = json_string_value(json_object_get(o, "status"));
		const char *subj = json_string_value(json_object_get(o,
		    "subject"));
		const char *fix = json_string_value(json_object_get(o, "fix"));

		printf("%-4s  %-9s %s%s%s\n", st, json_string_value(
		    json_object_get(o, "area")), subj, *subj ? ": " : "",
		    json_string_value(json_object_get(o, "text")));
		if (fix != NULL)
			printf("      %-9s fix: %s\n", "", fix);
	}
	printf("%s\n", D.worst < DR_WARN ? "healthy" : "findings: see the "
	    "fixes above");
}

/* ------------------------------------------------------------ config */

static const char *
dr_config_fix(const char *cause)
{
	if (strstr(cause, "writable by") != NULL)
		return ("chmod go-w the file: others could change the router "
		    "or the keys");
	if (strstr(cause, "owned by uid") != NULL)
		return ("chown it to the user i3gw runs as (or root)");
	if (strstr(cause, "no config file") != NULL)
		return ("mkdir -p ~/.config/i3gw && cp share/i3gw.conf.example "
		    "~/.config/i3gw/i3gw.conf, then set [mud] name and a "
		    "[router NAME]; or give -f FILE");
	if (strstr(cause, "No such file") != NULL)
		return ("check the path given with -f");
	if (strstr(cause, "Permission denied") != NULL)
		return ("make the file readable by the user i3gw runs as");
	return ("correct the value named above (i3gw.conf(5) lists every "
	    "key and its form), then run i3gw -n");
}

static struct config *
dr_config(const char *path, const char *tried)
{
	struct config	*c;
	char		*why = NULL;
	struct stat	 st;

	if (path == NULL) {
		dr_add(DR_FAIL, "config", NULL, dr_config_fix("no config "
		    "file"), "no config file found: tried %s", tried);
		return (NULL);
	}
	if ((c = config_load(path, &why)) == NULL ||
	    config_env(c, &why) == -1 || config_check(c, &why) == -1) {
		size_t n = strlen(path);

		/* The cause names the file; the subject already does. */
		dr_add(DR_FAIL, "config", path, dr_config_fix(why), "%s",
		    strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) ==
		    0 ? why + n + 2 : why);
		free(why);
		config_free(c);
		return (NULL);
	}
	if (stat(path, &st) == 0 && (st.st_mode & S_IROTH) &&
	    c->api->nkeys > 0)
		dr_add(DR_WARN, "config", path, "chmod o-r the file",
		    "readable by every user on this machine, and it holds "
		    "the API keys' hashes and permissions");
	dr_add(DR_OK, "config", path, NULL, "read; every value valid (MUD "
	    "%s, %zu router%s, %zu key%s)", c->mud_name, c->nrouters,
	    c->nrouters == 1 ? "" : "s", c->api->nkeys, c->api->nkeys == 1 ?
	    "" : "s");
	return (c);
}

/* ------------------------------------------------------------ state */

/*
 * The credentials of other MUD names (never sent for ours), and the
 * clock: a credential written later than now means the clock went back.
 */
static void
dr_creds(void)
{
	json_t		*a = store_creds_list(), *c;
	time_t		 now = time(NULL);
	json_int_t	 upd, ahead = 0;
	size_t		 i;

	json_array_foreach(a, i, c) {
		const char *mud = json_string_value(json_object_get(c, "mud"));
		const char *r = json_string_value(json_object_get(c, "router"));

		upd = json_integer_value(json_object_get(c, "updated"));
		if (upd - (json_int_t)now > ahead)
			ahead = upd - (json_int_t)now;
		if (mud == NULL || strcasecmp(mud, gw.conf->mud_name) == 0 ||
		    !json_is_true(json_object_get(c, "password")))
			continue;
		dr_add(DR_INFO, "state", r, NULL, "also holds the password "
		    "this router issued to %s (an earlier [mud] name?): "
		    "never sent for %s", mud, gw.conf->mud_name);
	}
	if (ahead > 60)
		dr_add(DR_WARN, "clock", NULL, "check the clock (timedatectl; "
		    "is NTP on?): routers and peers see our timestamps",
		    "the state directory was written %lld s later than this "
		    "machine's time now: the clock went back", (long long)ahead);
	else if (a != NULL)
		dr_add(DR_OK, "clock", NULL, NULL, "not behind what the state "
		    "directory recorded");
	json_decref(a);
}

static void
dr_state(const char *dir)
{
	struct stat	 st;
	char		*cause = NULL;
	const char	*p;
	size_t		 i;
	int		 missing;

	missing = stat(dir, &st) == -1;

	if (missing && errno != ENOENT) {
		dr_add(DR_FAIL, "state", dir, "make it reachable by the user "
		    "i3gw runs as", "%s", strerror(errno));
		return;
	}
	if (missing) {
		/* Made now, as the first start would: a password the router
		 * issues to the startup below must be kept. */
		st.st_mode = S_IFDIR | 0700;
		st.st_uid = geteuid();
	}
	if (!S_ISDIR(st.st_mode)) {
		dr_add(DR_FAIL, "state", dir, "give --state-dir a directory",
		    "not a directory");
		return;
	}
	if (st.st_uid != geteuid())
		dr_add(DR_FAIL, "state", dir, "run the doctor as the user "
		    "i3gw runs as (sudo -u i3gw i3gw doctor), or chown -R the "
		    "directory to it", "owned by uid %lu, not this user (uid %lu)",
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
	if (st.st_mode & 077)
		dr_add(DR_WARN, "state", dir, "chmod 700 it", "mode %03o: "
		    "others can read the router password and the tells kept "
		    "for clients", (unsigned int)(st.st_mode & 0777));
	if (store_open(dir, &cause) == -1) {
		if ((p = strstr(cause, "(pid ")) != NULL &&
		    strstr(cause, "in use") != NULL) {
			D.running = 1;
			D.running_pid = strtol(p + 5, NULL, 10);
			dr_add(DR_INFO, "state", dir, NULL, "in use by the "
			    "running i3gw, pid %ld: the routers are checked "
			    "through it", D.running_pid);
		} else
			dr_add(DR_FAIL, "state", dir, "see the message; the "
			    "directory must be writable by i3gw", "%s", cause);
		free(cause);
		return;
	}
	dr_add(DR_OK, "state", dir, NULL, "owned by this user, not in use "
	    "by another gateway");
	dr_creds();
	for (i = 0; i < gw.conf->nrouters; i++) {
		struct store_router	sr;
		const char		*r = gw.conf->routers[i].name;

		if (store_router_get(r, &sr) == 1 && sr.password != 0)
			dr_add(DR_INFO, "state", r, NULL, "holds the password "
			    "the router issued to %s", gw.conf->mud_name);
		else
			dr_add(DR_INFO, "state", r, NULL, "no password yet for "
			    "%s: the router issues one at the first startup",
			    gw.conf->mud_name);
	}
}

/* ------------------------------------------------------------ router */

/* What each startup refusal means, and what to do about it. */
static const struct {
	const char	*code;
	const char	*means;
	const char	*fix;
} dr_refusals[] = {
	{ "not-allowed", "the name is registered to another IP or password "
	  "(or: flood, too many MUDs from this IP)",
	  "if this MUD moved or lost its state directory, restore the state "
	  "directory that holds the router's password, or ask the router's "
	  "admin to release the name; if the text says Flood, lower "
	  "[limits] rate" },
	{ "bad-proto", "a MUD of this name is connected already (another "
	  "gateway of yours, or another MUD using the name)",
	  "stop the other gateway, or choose another [mud] name" },
	{ "bad-mojo", "another connection claims to be this MUD",
	  "make sure only one gateway runs for this MUD" },
	{ "bad-pkt", "the router could not read our startup",
	  "report it, with what i3codec tap shows of the startup" },
	{ "not-imp", "the router does not speak protocol 3",
	  "use a protocol-3 router" },
	{ "unk-type", "the router does not know the startup packet",
	  "check that host and port are an I3 router's, not a MUD's" },
	{ "unk-src", "the router thinks another connection holds this name",
	  "wait a minute and try again; stop other gateways of this MUD" },
};

static void
dr_refusal(const char *rname, const char *code, const char *msg)
{
	size_t	i;

	for (i = 0; i < sizeof dr_refusals / sizeof dr_refusals[0]; i++)
		if (strcmp(dr_refusals[i].code, code) == 0) {
			dr_add(DR_FAIL, "router", rname, dr_refusals[i].fix,
			    "refused the startup: %s \"%s\": %s", code,
			    msg ? msg : "", dr_refusals[i].means);
			return;
		}
	dr_add(DR_FAIL, "router", rname, "see the router's words; i3codec "
	    "tap shows the whole exchange", "refused the startup: %s \"%s\"",
	    code, msg ? msg : "");
}

static int
dr_connect(const struct router_conf *r, char *why, size_t whylen)
{
	struct addrinfo	 hints, *res, *ai;
	char		 port[16];
	int		 fd = -1, rc, err = 0;
	socklen_t	 el = sizeof err;
	struct pollfd	 pfd;

	snprintf(port, sizeof port, "%d", r->port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(r->host, port, &hints, &res)) != 0) {
		snprintf(why, whylen, "cannot resolve %s: %s", r->host,
		    gai_strerror(rc));
		return (-2);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol)) == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (errno == EINPROGRESS) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, (int)D.timeout) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) ==
			    0 && err == 0)
				break;
			if (err == EINPROGRESS)
				err = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		snprintf(why, whylen, "cannot connect to %s port %d: %s",
		    r->host, r->port, strerror(err ? err : ECONNREFUSED));
	return (fd);
}

static int
dr_send(int fd, json_t *pkt)
{
	char	*f;
	size_t	 len, off = 0;
	ssize_t	 n;

	if ((f = i3_frame(pkt, 0, &len, NULL)) == NULL)
		return (-1);
	while (off < len) {
		struct pollfd pfd = { fd, POLLOUT, 0 };

		if ((n = write(fd, f + off, len - off)) > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN) {
			free(f);
			return (-1);
		}
		poll(&pfd, 1, 1000);
	}
	free(f);
	return (0);
}

/* The next packet within ms, named; NULL on timeout or close (*closed). */
static json_t *
dr_recv(int fd, i3_reader *rd, int ms, int *closed)
{
	uint64_t	 end = ev_now() + (uint64_t)ms;
	unsigned char	 buf[16384];
	json_t		*raw, *named;
	ssize_t		 n;

	for (;;) {
		if (i3_reader_next(rd, &raw, NULL) == 1) {
			named = i3_packet_named(raw, I3_PKT_LENIENT, NULL,
			    NULL);
			json_decref(raw);
			if (named != NULL)
				return (named);
			continue;
		}
		if (ev_now() >= end)
			return (NULL);
		{
			struct pollfd pfd = { fd, POLLIN, 0 };

			if (poll(&pfd, 1, (int)(end - ev_now())) <= 0)
				continue;
		}
		if ((n = read(fd, buf, sizeof buf)) <= 0) {
			if (n == -1 && errno == EAGAIN)
				continue;
			*closed = 1;
			return (NULL);
		}
		if (i3_reader_feed(rd, buf, (size_t)n, NULL) == -1) {
			*closed = 1;
			return (NULL);
		}
	}
}

static json_t *
dr_startup_packet(const struct router_conf *r, long long password)
{
	json_t		*f, *pkt;
	i3_error	 e;

	f = json_pack("{sssssIsisssssssssssssO*}", "originator_mud",
	    gw.conf->mud_name, "target_mud", r->name, "password",
	    (json_int_t)password, "player_port", gw.conf->player_port,
	    "mudlib", gw.conf->mudlib, "base_mudlib", gw.conf->base_mudlib,
	    "driver", gw.conf->driver, "mud_type", gw.conf->mud_type,
	    "open_status", gw.conf->open_status, "admin_email",
	    gw.conf->admin_email, "services", gw.conf->services);
	memset(&e, 0, sizeof e);
	pkt = f != NULL ? i3_packet_build("startup-req-3", f, &e) : NULL;
	json_decref(f);
	return (pkt);
}

/* Our own entry in the mudlist packets that follow a startup-reply. */
static void
dr_mudlist(int fd, i3_reader *rd, const char *rname, const char *local)
{
	json_t		*p, *e;
	int		 closed = 0, seen = 0;
	uint64_t	 end = ev_now() + 2000;

	while (!seen && ev_now() < end) {
		if ((p = dr_recv(fd, rd, (int)(end - ev_now()), &closed)) ==
		    NULL)
			break;
		if (strcmp(i3_packet_type(p), "mudlist") == 0 &&
		    (e = json_object_get(json_object_get(p, "info"),
		    gw.conf->mud_name)) != NULL && json_is_object(e)) {
			const char *ip = json_string_value(json_object_get(e,
			    "ip"));

			seen = 1;
			if (ip != NULL && strcmp(ip, local) != 0 &&
			    strcmp(local, "127.0.0.1") != 0)
				dr_add(DR_INFO, "mudlist", rname, NULL, "lists "
				    "%s at %s; this machine connected from %s "
				    "(a NAT or proxy between, or the name "
				    "was last used elsewhere)",
				    gw.conf->mud_name, ip, local);
			else
				dr_add(DR_OK, "mudlist", rname, NULL, "lists "
				    "%s as up at %s", gw.conf->mud_name,
				    ip ? ip : "?");
		}
		json_decref(p);
	}
	if (!seen)
		dr_add(DR_WARN, "mudlist", rname, "the router may list it "
		    "later; if it never does, other MUDs cannot reach yours",
		    "%s not in the mudlist within 2 s of the startup",
		    gw.conf->mud_name);
}

static void
dr_router(const struct router_conf *r)
{
	struct store_router	 sr;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof ss;
	char			 why[256], local[64] = "?";
	i3_reader		*rd;
	json_t			*pkt, *p;
	uint64_t		 t0;
	int			 fd, closed = 0;
	long long		 pw = 0, got;

	if (store_router_get(r->name, &sr) == 1)
		pw = sr.password;
	t0 = ev_now();
	if ((fd = dr_connect(r, why, sizeof why)) < 0) {
		dr_add(DR_FAIL, "router", r->name, fd == -2 ? "check host in "
		    "[router NAME] and this machine's DNS" : "check host and "
		    "port in [router NAME]; is the router up, and does a "
		    "firewall let this machine out to it?", "%s", why);
		return;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	getnameinfo((struct sockaddr *)&ss, sl, local, sizeof local, NULL, 0,
	    NI_NUMERICHOST);
	rd = i3_reader_new(NULL);
	if ((pkt = dr_startup_packet(r, pw)) == NULL || dr_send(fd, pkt) ==
	    -1) {
		dr_add(DR_FAIL, "router", r->name, "try again; the router "
		    "closed at once", "the startup could not be sent");
		goto done;
	}
	for (;;) {
		int left = (int)(D.timeout - (long)(ev_now() - t0));

		if (left <= 0 || (p = dr_recv(fd, rd, left, &closed)) ==
		    NULL) {
			dr_add(DR_FAIL, "router", r->name, closed ? "the "
			    "router hung up without a word: a banned name or "
			    "IP; ask its admin" : "check that host and port "
			    "are an I3 router's; a router stays silent to "
			    "banned names and IPs", closed ? "closed the "
			    "connection without answering the startup" :
			    "no answer to the startup within %ld ms",
			    D.timeout);
			goto done;
		}
		if (strcmp(i3_packet_type(p), "error") == 0) {
			const char *code = i3_pkt_str(p, "error_code");

			if (code != NULL && strcmp(code, "warning") == 0) {
				dr_add(DR_WARN, "router", r->name, "none "
				    "needed now; keep the state directory "
				    "(it holds the new password)", "accepted "
				    "with a warning: \"%s\"", i3_pkt_str(p,
				    "error_message"));
				json_decref(p);
				continue;
			}
			dr_refusal(r->name, code ? code : "?", i3_pkt_str(p,
			    "error_message"));
			json_decref(p);
			goto done;
		}
		if (strcmp(i3_packet_type(p), "startup-reply") == 0)
			break;
		json_decref(p);		/* anything before the reply */
	}
	got = i3_pkt_int(p, "password", 0);
	dr_add(DR_OK, "router", r->name, NULL, "%s port %d answered the "
	    "startup in %llu ms", r->host, r->port, (unsigned long long)
	    (ev_now() - t0));
	if (got != pw && got != 0) {
		(void)store_password_set(r->name, got);
		dr_add(DR_INFO, "router", r->name, NULL, pw == 0 ? "issued "
		    "a password, now kept in the state directory" : "issued "
		    "a new password (the one kept was not accepted), now "
		    "kept");
	}
	{
		json_t		*l = json_array_get(json_object_get(p,
				    "router_list"), 0);
		const char	*first = json_string_value(json_object_get(l,
				    "name"));

		if (first != NULL && strcasecmp(first, r->name) != 0)
			dr_add(DR_INFO, "router", r->name, NULL, "asks MUDs to "
			    "use %s instead: the gateway follows", first);
	}
	json_decref(p);
	dr_mudlist(fd, rd, r->name, local);
	/* Leave as a MUD does, so the router does not wait for us. */
	json_decref(pkt);
	pkt = i3_packet_build("shutdown", p = json_pack("{sssssi}",
	    "originator_mud", gw.conf->mud_name, "target_mud", r->name,
	    "restart_delay", 0), NULL);
	json_decref(p);
	if (pkt != NULL)
		(void)dr_send(fd, pkt);
done:
	json_decref(pkt);
	i3_reader_free(rd);
	close(fd);
}

/*
 * The status of the gateway answering on the configured socket (a new
 * reference), or NULL (*why says why) when none answers.
 */
static json_t *
dr_status(char **pathp, const char **why)
{
	struct sockaddr_un	 sun;
	char			*path, buf[8192];
	const char		*req = "{\"jsonrpc\":\"2.0\",\"id\":1,"
				    "\"method\":\"status\"}\n";
	json_t			*v, *r = NULL;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd;

	*pathp = path = api->socket ? xstrdup(api->socket) : paths_socket();
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	*why = "no socket path";
	if (path == NULL || strlen(path) >= sizeof sun.sun_path ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (NULL);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1 ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		*why = strerror(errno);
		close(fd);
		return (NULL);
	}
	while (len < sizeof buf - 1 && memchr(buf, '\n', len) == NULL) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (poll(&pfd, 1, (int)D.timeout) <= 0 ||
		    (n = read(fd, buf + len, sizeof buf - 1 - len)) <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*why = "no answer to status";
	if ((v = json_loadb(buf, len, JSON_DISABLE_EOF_CHECK, NULL)) != NULL &&
	    (r = json_object_get(v, "result")) != NULL)
		json_incref(r);
	json_decref(v);
	return (r);
}

/*
 * A gateway of this MUD answers on the socket: it holds the router link
 * under our name, whatever its state directory, and a startup of ours
 * would take the name from it.  Ask it instead.  A gateway of another
 * MUD there is none of our business.
 */
static int
dr_router_running(void)
{
	json_t		*r;
	char		*path;
	const char	*why, *mud, *st;

	if ((r = dr_status(&path, &why)) == NULL) {
		if (D.running)
			dr_add(DR_WARN, "router", NULL, "check [api] socket, "
			    "or run i3ctl status", "cannot ask the running "
			    "gateway on %s: %s", path ? path : "?", why);
		free(path);
		return (D.running);
	}
	mud = json_string_value(json_object_get(r, "mud"));
	if (mud == NULL || strcasecmp(mud, gw.conf->mud_name) != 0) {
		json_decref(r);
		free(path);
		return (D.running);
	}
	if (!D.running)
		dr_add(DR_INFO, "router", NULL, NULL, "a gateway of %s answers "
		    "on %s: the routers are checked through it", mud, path);
	st = json_string_value(json_object_get(r, "router_state"));
	if (st != NULL && strcmp(st, "ready") == 0)
		dr_add(DR_OK, "router", json_string_value(json_object_get(r,
		    "router")), NULL, "the running gateway is connected "
		    "(%lld s), %lld MUDs up", (long long)json_integer_value(
		    json_object_get(r, "connected_for")), (long long)
		    json_integer_value(json_object_get(r, "muds_up")));
	else
		dr_add(DR_FAIL, "router", json_string_value(json_object_get(r,
		    "router")), "its log says why (journalctl -u i3gw, or "
		    "[log] file); stop it and run i3gw doctor to try a "
		    "startup", "the running gateway's link is %s",
		    st != NULL ? st : "?");
	json_decref(r);
	free(path);
	return (1);
}

/* ------------------------------------------------------------ the rest */

static void
dr_pacing(void)
{
	if (gw.conf->rate == 0)
		dr_add(DR_WARN, "pacing", "[limits] rate", "set rate = 8 (or "
		    "less)", "0: unpaced; routers graylist a MUD that sends "
		    "more than 10 packets in a second");
	else if (gw.conf->rate > 10)
		dr_add(DR_WARN, "pacing", "[limits] rate", "set rate = 8 (or "
		    "less)", "%d a second: over the routers' flood rule of "
		    "10 a second; the MUD would be graylisted", gw.conf->rate);
	else
		dr_add(DR_OK, "pacing", "[limits] rate", NULL, "%d a second, "
		    "under the routers' flood rule (10)", gw.conf->rate);
}

static void
dr_listen_specs(const char *what, const char *specs)
{
	char	*copy, *s, *item, *cause;

	if (specs == NULL)
		return;
	copy = s = xstrdup(specs);
	while ((item = strsep(&s, ",")) != NULL) {
		item += strspn(item, " \t");
		if (*item == '\0')
			continue;
		cause = NULL;
		if (listen_probe(item, &cause) == -1) {
			dr_add(DR_FAIL, "listen", what, strstr(cause,
			    "in use") ? "another program holds the port: "
			    "stop it (ss -ltnp shows which) or choose another"
			    : "correct the address", "%s", cause);
			free(cause);
		} else
			dr_add(DR_OK, "listen", what, NULL, "%s is free", item);
	}
	free(copy);
}

static void
dr_listeners(void)
{
	char	*cause = NULL;

	if (D.running) {
		dr_add(DR_INFO, "listen", NULL, NULL, "held by the running "
		    "gateway: not probed");
	} else {
		dr_listen_specs("tcp", api->tcp);
		dr_listen_specs("http", api->http);
	}
	if (!api->tls)
		return;
	if (tls_init(&cause) == -1) {
		dr_add(DR_FAIL, "tls", NULL, "tls_cert must be a PEM chain "
		    "and tls_key its private key, both readable by i3gw",
		    "%s", cause);
		free(cause);
	} else
		dr_add(DR_OK, "tls", api->tls_cert, NULL, "readable, and the "
		    "key matches it");
}

int
doctor_main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "config",	required_argument,	NULL, 'f' },
		{ "state-dir",	required_argument,	NULL, 'D' },
		{ "timeout",	required_argument,	NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct config	*c;
	char		*tried = NULL;
	int		 ch, ok;
	size_t		 i;

	D.checks = json_array();
	D.timeout = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "jf:t:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			D.json = 1;
			break;
		case 'f':
			free(gw.conf_path);
			gw.conf_path = xstrdup(optarg);
			break;
		case 'D':
			free(gw.state_dir);
			gw.state_dir = xstrdup(optarg);
			break;
		case 't':
			D.timeout = config_duration(optarg, &ok);
			if (!ok || D.timeout <= 0)
				dr_usage(stderr, DR_CANNOT);
			break;
		case 'h':
			dr_usage(stdout, DR_HEALTHY);
		default:
			dr_usage(stderr, DR_CANNOT);
		}
	}
	if (optind != argc)
		dr_usage(stderr, DR_CANNOT);
	log_init(I3GW_NAME, 0);
	if (gw.conf_path == NULL)
		gw.conf_path = paths_config(&tried);
	if ((c = dr_config(gw.conf_path, tried)) == NULL)
		goto out;
	gw.conf = c;
	api = c->api;
	if (D.timeout == 0)
		D.timeout = c->startup_timeout > 0 ? c->startup_timeout : 10000;
	if (gw.state_dir == NULL && (gw.state_dir = paths_state()) == NULL)
		dr_add(DR_FAIL, "state", NULL, "give --state-dir", "no state "
		    "directory: no $STATE_DIRECTORY, $XDG_STATE_HOME or $HOME");
	else
		dr_state(gw.state_dir);
	dr_pacing();
	if (dr_router_running())
		D.running = 1;
	else if (c->nrouters == 0)
		dr_add(DR_FAIL, "router", NULL, "add a [router NAME] section "
		    "with host and port", "no router configured");
	else
		for (i = 0; i < c->nrouters; i++)
			dr_router(&c->routers[i]);
	dr_listeners();
out:
	dr_print();
	json_decref(D.checks);
	store_close();
	free(tried);
	return (D.worst >= DR_WARN ? DR_FINDINGS : DR_HEALTHY);
}
