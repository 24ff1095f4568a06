# helpers.bash: shared bats helpers: the test router, the raw probe client.
#
# Load with `load helpers` from a .bats file in tests/bats/.  I3_TOP is the
# source tree (exported by tests/run.sh; defaults to two levels above the
# .bats file).  Every file a helper writes goes to $BATS_TEST_TMPDIR.
#
#   router_start [ARGS...]
#	Start build/tests/i3router on 127.0.0.1, port 0, with --max-seconds 60
#	and ARGS (e.g. -l "$BATS_TEST_TMPDIR/r.log" --ds-limits), wait for the
#	port line and export ROUTER_PORT and ROUTER_PID (of the last router
#	started).  Its stderr goes to $ROUTER_ERR.  Several routers may run at
#	once: save ROUTER_PORT/ROUTER_PID before starting the next one.
#	Fails if no port line comes within 5 s.
#   router_stop [PID]
#	SIGTERM the router (default $ROUTER_PID), wait for it (SIGKILL after
#	3 s) and return its exit status.
#   router_stop_all
#	Stop every router started by this test; call it from teardown.
#   probe [ARGS...]
#	Run build/tests/i3probe -p $ROUTER_PORT ARGS (stdin: packet lines,
#	see tests/helpers/i3probe.c; stdout: one JSON line per packet).
#	Give --expect N or --wait MS, or it exits as soon as stdin is sent.
#	Exit 3 (and "i3probe: connection closed by peer" on stderr, which
#	bats' run mixes into $output) when the router hangs up.
#   probe_bg NAME [ARGS...]
#	The same in the background.  Its stdin (use a redirection) is read
#	to the end first (into $BATS_TEST_TMPDIR/NAME.in); stdout goes to
#	$BATS_TEST_TMPDIR/NAME.out, stderr to NAME.err.
#   probe_wait NAME
#	Wait for a background probe and return its exit status.
#   startup_pkt NAME [PASSWORD [ROUTER [SERVICES]]]
#	Print a startup-req-3 JSON line for MUD NAME (password 0, router
#	*test, services {"tell":1,"channel":1} by default).
#   wait_for_line FILE REGEX [SECONDS]
#	Wait (default 5 s) until a line of FILE matches the extended REGEX.
#   count_lines FILE REGEX
#	Print how many lines of FILE match the extended REGEX.
#   T NAME
#	Print $BATS_TEST_TMPDIR/NAME: where a test keeps its files.

: "${I3_TOP:=${BATS_TEST_DIRNAME}/../..}"
export I3_TOP
I3ROUTER="$I3_TOP/build/tests/i3router"
I3PROBE="$I3_TOP/build/tests/i3probe"
ROUTER_PIDS=""

router_start() {
	local n out
	n=$(( ${ROUTER_COUNT:-0} + 1 ))
	ROUTER_COUNT=$n
	out="$BATS_TEST_TMPDIR/router$n.out"
	ROUTER_ERR="$BATS_TEST_TMPDIR/router$n.err"
	export ROUTER_ERR
	: > "$out"
	"$I3ROUTER" --max-seconds 60 "$@" > "$out" 2> "$ROUTER_ERR" 3>&- &
	ROUTER_PID=$!
	ROUTER_PIDS="$ROUTER_PIDS $ROUTER_PID"
	export ROUTER_PID
	local i
	for i in $(seq 1 100); do
		if [ -s "$out" ] && head -1 "$out" | grep -qE '^[0-9]+$'; then
			ROUTER_PORT=$(head -1 "$out")
			export ROUTER_PORT
			return 0
		fi
		if ! kill -0 "$ROUTER_PID" 2>/dev/null; then
			echo "router exited early:" >&2
			cat "$ROUTER_ERR" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "router printed no port" >&2
	return 1
}

# True while PID runs (a zombie does not count).
_i3_alive() {
	local st
	st=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) ||
	    return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

router_stop() {
	local pid=${1:-$ROUTER_PID} i rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 60); do
		_i3_alive "$pid" || break
		sleep 0.05
	done
	_i3_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	ROUTER_PIDS=$(echo "$ROUTER_PIDS" | tr ' ' '\n' | grep -vx "$pid" |
	    tr '\n' ' ')
	return $rc
}

router_stop_all() {
	local pid
	for pid in $ROUTER_PIDS; do
		router_stop "$pid" || true
	done
	ROUTER_PIDS=""
}

probe() {
	"$I3PROBE" -p "$ROUTER_PORT" "$@"
}

probe_bg() {
	local name=$1
	shift
	# An asynchronous command's stdin is /dev/null: go through a file.
	cat > "$BATS_TEST_TMPDIR/$name.in"
	"$I3PROBE" -p "$ROUTER_PORT" "$@" < "$BATS_TEST_TMPDIR/$name.in" \
	    > "$BATS_TEST_TMPDIR/$name.out" 2> "$BATS_TEST_TMPDIR/$name.err" \
	    3>&- &
	eval "PROBE_PID_$name=$!"
}

probe_wait() {
	local pid
	eval "pid=\$PROBE_PID_$1"
	wait "$pid"
}

startup_pkt() {
	local name=$1 pw=${2:-0} router=${3:-*test}
	local svc=${4:-'{"tell":1,"channel":1}'}
	printf '["startup-req-3",5,"%s",0,"%s",0,%s,0,0,4000,0,0,"TestLib","TestLib","i3probe","LP","mudlib development","admin@example.org",%s,0]\n' \
	    "$name" "$router" "$pw" "$svc"
}

wait_for_line() {
	local file=$1 re=$2 secs=${3:-5} i
	for i in $(seq 1 $((secs * 20))); do
		grep -qE -- "$re" "$file" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no line matching '$re' in $file" >&2
	return 1
}

count_lines() {
	grep -cE -- "$2" "$1" 2>/dev/null || true
}

T() {
	printf '%s\n' "$BATS_TEST_TMPDIR/$1"
}
