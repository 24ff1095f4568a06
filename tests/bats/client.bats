#!/usr/bin/env bats
# client.bats: libi3's client API end to end: the unit test's spawn,
# respawn, queue-full and copyover paths under valgrind, and a C client on
# a running gateway's Unix socket that outlives a gateway restart.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	stop_all
}

# alpha_online N: Beta has been told N times that Alpha is up.
alpha_online() {
	[ "$(gw_count Beta '"mud_online","params":\{"mud":"Alpha"')" -eq "$1" ]
}

@test "client: the unit test is valgrind-clean (spawn, respawn, queues, copyover)" {
	cd "$I3_TOP"
	local vg="valgrind -q --error-exitcode=9 --leak-check=full"
	# A sanitizer build cannot run under valgrind; its sanitizers (and
	# ASan's leak check at exit) check it instead.
	[ -z "${I3_SANITIZE:-}" ] || vg=
	run $vg build/tests/test-client
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" passed, 0 failed"* ]]
}

@test "client: connect_unix to a gateway, reconnect after it restarts" {
	cat > "$BATS_TEST_TMPDIR/sock.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <i3.h>
static int pongs, ups;
static void pong(i3_client *c, int64_t id, const json_t *r, const json_t *e,
    void *a) { if (r != NULL) pongs++; }
static void st(i3_client *c, enum i3_client_status s, const char *t, void *a)
{ printf("status %d %s\n", s, t); fflush(stdout);
  if (s == I3_CLIENT_CONNECTED) ups++; }
int main(int argc, char **argv) {
	i3_client_opts o = { .backoff_min_ms = 50, .backoff_max_ms = 200,
	    .on_status = st };
	i3_error e;
	i3_client *c = i3_client_connect_unix(argv[1], &o, &e);
	int i;
	if (c == NULL) { printf("connect: %s\n", e.text); return 1; }
	i3_client_ping(c, pong, NULL);
	for (i = 0; i < 100 && pongs < 1; i++) i3_client_poll(c, 50);
	printf("pong %d\n", pongs); fflush(stdout);
	for (i = 0; i < 300 && ups < 1; i++) i3_client_poll(c, 50);
	i3_client_ping(c, pong, NULL);
	for (i = 0; i < 100 && pongs < 2; i++) i3_client_poll(c, 50);
	printf("pong %d\n", pongs);
	i3_client_free(c);
	return pongs == 2 ? 0 : 1;
}
C
	cc -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror \
	    ${I3_SANITIZE:+-fsanitize=$I3_SANITIZE} \
	    -I"$I3_TOP/lib" -o "$BATS_TEST_TMPDIR/sock" \
	    "$BATS_TEST_TMPDIR/sock.c" "$I3_TOP/lib/libi3.a" -ljansson
	gwsock_start Alpha
	"$BATS_TEST_TMPDIR/sock" "$I3_SOCKET" > "$BATS_TEST_TMPDIR/sock.out" &
	local cpid=$!
	wait_for_line "$BATS_TEST_TMPDIR/sock.out" '^pong 1' 5
	gwsock_stop_all
	wait_for_line "$BATS_TEST_TMPDIR/sock.out" '^status 2 ' 5
	gwsock_start Alpha
	wait "$cpid"
	grep -q '^pong 2' "$BATS_TEST_TMPDIR/sock.out"
}

@test "client: over a socket it subscribes, and resumes its session after a gateway restart: the tell that came meanwhile is replayed" {
	cat > "$BATS_TEST_TMPDIR/resume.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <i3.h>
static int ups, tells, meanwhile, pongs;
static void pong(i3_client *c, int64_t id, const json_t *r, const json_t *e,
    void *a) { if (r != NULL) pongs++; }
static void st(i3_client *c, enum i3_client_status s, const char *t, void *a)
{ printf("status %d %s\n", s, t); fflush(stdout);
  if (s == I3_CLIENT_CONNECTED) ups++; }
static void tell(i3_client *c, const char *ev, const json_t *p, void *a)
{ printf("tell %s%s\n", json_string_value(json_object_get(p, "message")),
      json_is_true(json_object_get(p, "replayed")) ? " (replayed)" : "");
  fflush(stdout); tells++;
  if (strcmp(json_string_value(json_object_get(p, "message")), "meanwhile") == 0)
    meanwhile++; }
int main(int argc, char **argv) {
	/* A slow reconnect: the tell comes while the client is away. */
	i3_client_opts o = { .backoff_min_ms = 4000, .backoff_max_ms = 4000,
	    .on_status = st };
	i3_error e;
	i3_client *c = i3_client_connect_unix(argv[1], &o, &e);
	int i;
	if (c == NULL) { printf("connect: %s\n", e.text); return 1; }
	i3_client_on(c, "tell_received", tell, NULL);
	/* Answered in order: a pong means its subscribe is in. */
	i3_client_ping(c, pong, NULL);
	for (i = 0; i < 100 && pongs < 1; i++) i3_client_poll(c, 50);
	printf("subscribed %d\n", pongs); fflush(stdout);
	for (i = 0; i < 300 && tells < 1; i++) i3_client_poll(c, 50);
	/* (the tell before the restart may come again: sent, never lost) */
	for (i = 0; i < 400 && meanwhile < 1; i++) i3_client_poll(c, 50);
	i3_client_free(c);
	return meanwhile == 1 ? 0 : 1;
}
C
	cc -std=c11 -Wall -Wextra -Wno-unused-parameter -Werror \
	    ${I3_SANITIZE:+-fsanitize=$I3_SANITIZE} \
	    -I"$I3_TOP/lib" -o "$BATS_TEST_TMPDIR/resume" \
	    "$BATS_TEST_TMPDIR/resume.c" "$I3_TOP/lib/libi3.a" -ljansson
	router_start
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gwsock_start Alpha "rate = 0"
	"$BATS_TEST_TMPDIR/resume" "$I3_SOCKET" > "$BATS_TEST_TMPDIR/r.out" &
	local cpid=$!
	wait_for_line "$BATS_TEST_TMPDIR/r.out" '^subscribed 1$' 5
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 5
	gw_call Beta 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"first"}'
	wait_for_line "$BATS_TEST_TMPDIR/r.out" '^tell first$' 5
	# The gateway restarts; the client is away for 4 s.
	gwsock_stop_all
	wait_for_line "$BATS_TEST_TMPDIR/r.out" '^status 2 ' 5
	gw_wait Beta '"mud_offline","params":\{"mud":"Alpha"' 5
	gwsock_start Alpha "rate = 0"
	# Beta knows Alpha is up again (else its tell would be refused)
	wait_until 5 "Beta to see Alpha up again" alpha_online 2
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"meanwhile"}'
	wait "$cpid"
	cat "$BATS_TEST_TMPDIR/r.out"
	grep -q '^tell meanwhile (replayed)$' "$BATS_TEST_TMPDIR/r.out"
	# it resumed from the last event it handled, nothing missing
	grep -qE 'resumed session [0-9a-f]+ after #[1-9][0-9]*: [0-9]+ to replay, .* 0 missing$' "$BATS_TEST_TMPDIR/Alpha.err"
}
