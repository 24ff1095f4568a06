# gw-helpers.bash: bats helpers for i3gw: gateways in stdio mode, driven
# through a FIFO each, their output in files.
#
# Load after helpers (the router helpers): `load helpers; load gw-helpers`.
#
#   gw_conf NAME [LINES...]
#	Write $BATS_TEST_TMPDIR/NAME.conf: [mud] name = NAME, one router
#	*test at $ROUTER_PORT, fast test limits; LINES are appended as they
#	are (e.g. "[limits]" "rate = 0").
#   gw_start NAME [ARGS...]
#	Start bin/i3gw -s -f NAME.conf --state-dir NAME.state ARGS, stdin a
#	FIFO held open by the test, stdout NAME.out, stderr NAME.err.
#   gw_send NAME LINE
#	Write one line to the gateway's stdin.
#   gw_call NAME ID METHOD [PARAMS]
#	Send a request and wait (5 s) for its answer; the answer line is
#	printed and kept in $REPLY.
#   gw_wait NAME REGEX [SECONDS]
#	Wait (default 5 s) for an output line matching REGEX.
#   gw_count NAME REGEX
#	How many output lines match.
#   gw_stop NAME [eof]
#	Ask for a shutdown (with "eof": only close its stdin; a process
#	started later, a router, may hold the FIFO open), wait up to 5 s
#	(then SIGKILL), return its exit status.
#   gw_stop_all
#	For teardown.

I3GW="$I3_TOP/bin/i3gw"
GW_NAMES=""

gw_conf() {
	local name=$1
	shift
	{
		printf '[mud]\nname = %s\nadmin_email = test@localhost\n' "$name"
		printf '\n[router *test]\nhost = 127.0.0.1\nport = %s\n' \
		    "$ROUTER_PORT"
		printf '\n[limits]\nbackoff_min = 100ms\nbackoff_max = 1s\n'
		printf 'startup_timeout = 3s\nconnect_spacing = no\n'
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} > "$BATS_TEST_TMPDIR/$name.conf"
}

gw_start() {
	local name=$1 fd
	shift
	local t="$BATS_TEST_TMPDIR"
	local closers="" n f
	# The FIFO ends the tests hold must not leak into this process.
	for n in $GW_NAMES; do
		eval "f=\${GW_FD_$n:-}"
		[ -n "$f" ] && closers="$closers $f>&-"
	done
	rm -f "$t/$name.in"
	mkfifo "$t/$name.in"
	: > "$t/$name.out"
	# Its default Unix socket in the test's own directory, never the
	# user's ($XDG_RUNTIME_DIR/i3gw/i3gw.sock).
	mkdir -p -m 700 "$t/xdg-$name"
	eval 'XDG_RUNTIME_DIR="$t/xdg-$name" \
	    "$I3GW" -s -f "$t/$name.conf" --state-dir "$t/$name.state" "$@" \
	    < "$t/$name.in" > "$t/$name.out" 2>> "$t/$name.err" 3>&- '"$closers"' &'
	eval "GW_PID_$name=$!"
	exec {fd}> "$t/$name.in"
	eval "GW_FD_$name=$fd"
	GW_NAMES="$GW_NAMES $name"
}

gw_send() {
	local fd
	eval "fd=\$GW_FD_$1"
	printf '%s\n' "$2" >&"$fd"
}

gw_call() {
	local name=$1 id=$2 method=$3 params=${4:-}
	if [ -n "$params" ]; then
		gw_send "$name" "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"$method\",\"params\":$params}"
	else
		gw_send "$name" "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"$method\"}"
	fi
	gw_wait "$name" "\"id\":$id,\"(result|error)\"" 5 || return 1
	REPLY=$(grep -E "\"id\":$id,\"(result|error)\"" \
	    "$BATS_TEST_TMPDIR/$name.out" | tail -1)
	printf '%s\n' "$REPLY"
}

gw_wait() {
	wait_for_line "$BATS_TEST_TMPDIR/$1.out" "$2" "${3:-5}"
}

gw_count() {
	count_lines "$BATS_TEST_TMPDIR/$1.out" "$2"
}

gw_stop() {
	local name=$1 pid fd i rc
	eval "pid=\${GW_PID_$name:-}"
	eval "fd=\${GW_FD_$name:-}"
	[ -n "$pid" ] || return 0
	if [ -n "$fd" ]; then
		[ "${2:-}" = eof ] ||
		    printf '{"jsonrpc":"2.0","id":"stop","method":"shutdown"}\n' \
		    >&"$fd" 2>/dev/null
		exec {fd}>&-
	fi
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	eval "GW_PID_$name="
	eval "GW_FD_$name="
	return $rc
}

gw_stop_all() {
	local n
	for n in $GW_NAMES; do
		gw_stop "$n" || true
	done
	GW_NAMES=""
}
