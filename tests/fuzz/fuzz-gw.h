/*
 * fuzz-gw.h: the gateway in process for the fuzz-gw-* targets: a config
 * in a temporary directory (tmpfs when there is one), its state directory
 * and services, and no router: the link stays idle, what would go out
 * waits in the bounded send queue.  Built with every i3gw source, main()
 * renamed (see the Makefile).
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i3gw.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	fuzz_dir[64];

/* Write NAME in the fuzz directory, mode 0600; its path (static). */
static const char *
fuzz_file(const char *name, const char *text, size_t len)
{
	static char	 path[128];
	FILE		*f;

	snprintf(path, sizeof path, "%s/%s", fuzz_dir, name);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(text, 1, len, f);
	fclose(f);
	chmod(path, 0600);
	return (path);
}

/* Once: the gateway's state, as main() makes it, from conf. */
static void
fuzz_gw_init(const char *conf, int http)
{
	static int	 done;
	const char	*path;
	char		*cause = NULL;

	if (done)
		return;
	done = 1;
	snprintf(fuzz_dir, sizeof fuzz_dir, "%s/i3gw-fuzz.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL)
		abort();
	path = fuzz_file("i3gw.conf", conf, strlen(conf));
	log_init("i3gw-fuzz", 0);
	memset(&gw, 0, sizeof gw);
	gw.conf_path = xstrdup(path);
	if ((gw.conf = config_load(gw.conf_path, &cause)) == NULL ||
	    config_env(gw.conf, &cause) == -1 ||
	    config_check(gw.conf, &cause) == -1) {
		fprintf(stderr, "fuzz: %s\n", cause);
		abort();
	}
	api = gw.conf->api;
	xasprintf(&gw.state_dir, "%s/state", fuzz_dir);
	if (store_open(gw.state_dir, &cause) == -1) {
		fprintf(stderr, "fuzz: %s\n", cause);
		abort();
	}
	gw.started = time(NULL);
	ev_init();
	ev_set_prepoll(conn_flush_all);
	gw.started_ms = ev_now();
	router_init();
	svc_channel_init();
	session_init();
	if (http && http_init(&cause) == -1) {
		fprintf(stderr, "fuzz: %s\n", cause);
		abort();
	}
}

/* What one input left behind that only the loop's timers would end. */
static void
fuzz_gw_settle(void)
{
	struct pending	*p;
	int		 k;

	for (k = PEND_WHO; k <= PEND_ADMINLIST; k++) {
		while ((p = pending_next(NULL, (enum pend_kind)k)) != NULL)
			pending_drop(p);
	}
	gw.stopping = 0;
}
