#!/usr/bin/env bats
# i3ctl-resume.bats: i3ctl listen --resume FILE against the real i3gw on
# the test router: a kept session resumed across runs, across a gateway
# restart and across a connection that breaks mid-listen; every tell
# printed exactly once, in order.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	[ -z "${LISTEN_PID:-}" ] || kill -KILL "$LISTEN_PID" 2>/dev/null
	stop_all
}

# alpha: the test router and i3gw Alpha on a Unix socket ($I3_SOCKET),
# once Alpha's mudlist has Alpha up (a tell to bob@Alpha goes round).
alpha() {
	router_start
	gwsock_start Alpha "rate = 0" "$@"
	alpha_up
}

alpha_up() {
	local i
	for i in $(seq 1 100); do
		[ "$("$I3CTL" -r -q '.muds[] | select(.name == "Alpha") | .up' \
		    mudlist 2>/dev/null)" = true ] && return 0
		sleep 0.05
	done
	echo "Alpha never came up in its mudlist" >&2
	return 1
}

# tells N...: ann@Alpha tells bob@Alpha N, for each N.
tells() {
	local n
	for n in "$@"; do
		run -0 "$I3CTL" tell -N -a ann bob@Alpha "$n"
	done
}

# queued N: wait until the gateway's kept sessions hold N events.
queued() {
	local i q
	for i in $(seq 1 100); do
		q=$("$I3CTL" -r -q .sessions_queued stats)
		[ "$q" = "$1" ] && return 0
		sleep 0.05
	done
	echo "sessions_queued is $q, not $1" >&2
	return 1
}

# resume_bg NAME ARGS...: i3ctl -r -q .params.message --verbose listen
# --resume $(T state) -e tell_received ARGS in the background (stdout
# NAME.out, stderr NAME.err, pid LISTEN_PID), once its subscribe or
# session_resume is answered.
resume_bg() {
	local name=$1
	shift
	"$I3CTL" --verbose -r -q .params.message listen --resume "$(T state)" \
	    -e tell_received "$@" > "$(T "$name.out")" 2> "$(T "$name.err")" &
	LISTEN_PID=$!
	wait_for_line "$(T "$name.err")" \
	    '^i3ctl: <- (subscribe|session_resume): result$'
}

# finish NAME "N..." EXPECTED: tells N..., then the listener NAME exits 0
# having printed EXPECTED.
finish() {
	tells $2
	reap "$LISTEN_PID" 0
	LISTEN_PID=
	[ "$(cat "$(T "$1.out")")" = "$3" ]
}

# first_run: a listen --resume -n 1 that gets tell 1 and exits 0 (the
# session kept, its token and last seq in $(T state)).
first_run() {
	resume_bg a -n 1
	finish a 1 1
}

# resume_fg ARGS...: the same in the foreground, under run.
resume_fg() {
	run -0 --separate-stderr "$I3CTL" --timeout 10 -r -q .params.message \
	    listen --resume "$(T state)" -e tell_received "$@"
}

@test "listen --resume: the tells sent while no listener ran come next, each once" {
	alpha
	first_run
	[ "$(stat -c %a "$(T state)")" = 600 ]
	run -0 jq -r .last_seq "$(T state)"
	[ "$output" = 1 ]
	run -0 "$I3CTL" -r -q .sessions_detached stats
	[ "$output" = 1 ]
	tells 2 3 4
	resume_fg -n 3
	[ "$output" = $'2\n3\n4' ]
	run -0 jq -r .last_seq "$(T state)"
	[ "$output" = 4 ]
}

@test "listen --resume: the gateway restarted between runs keeps the session" {
	alpha
	first_run
	tells 2 3 4
	queued 3
	gwd_stop Alpha
	gwd_start Alpha
	gwd_ready Alpha
	resume_fg -n 3
	[ "$output" = $'2\n3\n4' ]
}

@test "listen --resume: a gateway restarted mid-listen: it reconnects, every tell once" {
	alpha
	resume_bg a -n 4
	tells 1 2
	wait_for_line "$(T a.out)" '^2$'
	gwd_stop Alpha
	gwd_start Alpha
	gwd_ready Alpha
	alpha_up
	wait_for_line "$(T a.err)" '^i3ctl: listen: resumed after seq' 20
	finish a "3 4" $'1\n2\n3\n4'
	grep -qx 'i3ctl: listen: reconnecting in 0.1 s (attempt 1)' "$(T a.err)"
}

@test "listen --resume: events the gateway could not keep: how many, on stderr" {
	alpha "[api]" "session_queue = 2"
	first_run
	tells 2 3 4 5
	queued 2
	resume_fg -n 2
	# a full queue refuses tells 4 and 5 (their sender gets unk-user):
	# they took their numbers, and the resume says they are missing
	[ "$output" = $'2\n3' ]
	[ "$stderr" = "i3ctl: listen: 2 events after seq 1 missed: the gateway could not keep them" ]
}

@test "listen --resume: SIGTERM ends it with the last seq handled saved" {
	alpha
	resume_bg a
	tells 1 2
	wait_for_line "$(T a.out)" '^2$'
	kill -TERM "$LISTEN_PID"
	reap "$LISTEN_PID" 0
	LISTEN_PID=
	run -0 jq -r .last_seq "$(T state)"
	[ "$output" = 2 ]
	run -0 find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'state.*'
	[ "$output" = "" ]
}

@test "listen --resume: a token the gateway does not know: said, and a fresh session" {
	alpha
	printf '{"token":"no-such-token","last_seq":7}\n' > "$(T state)"
	first_run
	grep -qx "i3ctl: listen: --resume $(T state): the gateway does not know the session (unknown or expired session): subscribing afresh, events since seq 7 are lost" "$(T a.err)"
	run -0 jq -r '.token != "no-such-token" and .last_seq == 1' "$(T state)"
	[ "$output" = true ]
}

@test "listen without --resume subscribes without keep and leaves nothing" {
	alpha
	listen_bg a listen -n 1 -e tell_received
	tells 1
	reap "$LISTEN_PID" 0
	LISTEN_PID=
	run -0 "$I3CTL" -r -q .sessions_detached stats
	[ "$output" = 0 ]
}

@test "listen without --resume: a gateway that goes ends it with exit 4" {
	alpha
	listen_bg a listen -e tell_received
	gwd_stop Alpha
	reap "$LISTEN_PID" 4
	LISTEN_PID=
	grep -qx "i3ctl: $I3_SOCKET: the gateway closed the connection" "$(T a.err)"
	run -1 grep -c reconnecting "$(T a.err)"
}

# kill_restart: SIGKILL Alpha (it stores nothing more), start it again.
kill_restart() {
	kill -KILL "$GWD_PID_Alpha"
	reap "$GWD_PID_Alpha" 137
	GWD_PID_Alpha=
	gwd_start Alpha
	gwd_ready Alpha
	alpha_up
}

@test "listen --resume: a gateway killed (SIGKILL) that forgot the session: said, a new one" {
	alpha
	resume_bg a -n 3
	tells 1 2
	wait_for_line "$(T a.out)" '^2$'
	kill_restart
	wait_for_line "$(T a.err)" '^i3ctl: listen: reconnected, a new session$' 20
	grep -q 'the gateway does not know the session' "$(T a.err)"
	finish a "3" $'1\n2\n3'
}

@test "listen --resume: a gateway killed (SIGKILL) whose stored session is behind us: said, it goes on" {
	alpha
	first_run
	resume_bg b -n 2
	tells 2
	wait_for_line "$(T b.out)" '^2$'
	kill_restart
	wait_for_line "$(T b.err)" '^i3ctl: listen: resumed after seq' 20
	grep -q "^i3ctl: listen: the gateway's session is behind seq 2" "$(T b.err)"
	finish b "3" $'2\n3'
}
