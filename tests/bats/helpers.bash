# helpers.bash: the one set of bats helpers that starts and stops what the
# tests drive: the test router, i3gw on stdio (-s) or as a daemon (-d), a
# gateway on a Unix socket for i3ctl; the raw probe client and a JSON line
# client.
#
# Load with `load helpers` from a .bats file in tests/bats/ (i3ctl's tests
# add `load ctl-helpers`; channel and information tests chan-helpers and
# info-helpers, which build on these).  I3_TOP is the source tree
# (exported by tests/run.sh; defaults to two levels above the .bats file).
# Every file a helper writes goes to $BATS_TEST_TMPDIR.  Every process a
# helper starts is stopped by stop_all (or the *_stop_all of its kind);
# call it from teardown.
#
# The test router
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
#
# Gateways in stdio mode, driven through a FIFO each
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
#
# Gateways as daemons (-d) and their listeners
#   gwd_conf NAME [LINES...]
#	gw_conf NAME, then an [api] section with socket = $T/NAME.sock and
#	LINES (more [api] keys, or other sections).
#   gwd_start NAME [ARGS...]
#	Start bin/i3gw -d -f NAME.conf --state-dir NAME.state ARGS in the
#	background (stderr to NAME.err) and wait (10 s) for its start-up
#	line ("MUD NAME, state in", after its listeners); fail, its log on
#	stderr, if it exits or never says it (so not with a [log] file: its
#	lines go there).  GWD_PID_NAME holds the pid.
#   gwd_ready NAME
#	Wait (5 s) until daemon NAME's router link is ready, asking it over
#	its Unix socket $BATS_TEST_TMPDIR/NAME.sock; fail (its log on
#	stderr) if it never is.
#   gwd_tcp_port NAME [tcp|http]
#	The port the gateway printed for its TCP (or HTTP) listener.
#   gwd_stop NAME
#	SIGTERM, wait up to 5 s (then SIGKILL); the exit status.
#   gwd_stop_all
#	Also kills the line clients gwc_bg started.
#   gwsock_start NAME [LINES...]
#	Start a test router (unless ROUTER_PORT is set) and, with gwd_start,
#	`i3gw -d` NAME on it: gw_conf NAME LINES, listening on the Unix
#	socket $BATS_TEST_TMPDIR/NAME.sock.  Waits until the router link is
#	ready (fails if the gateway does not listen or never gets ready).
#	Exports I3_SOCKET.
#   gwsock_stop_all
#	The same as gwd_stop_all.
#
# Clients
#   gwc ADDR [OPTIONS] [LINES...]
#	A line client: ADDR is unix:PATH or tcp:HOST:PORT.  Sends LINES (a
#	line "sleep:S" waits S seconds instead), then prints every line
#	received until every request it sent with an id is answered and
#	--events N notifications came (default 0) and --requests N requests
#	from the gateway (who_request...; default 0), or --timeout (5 s).
#	--tls CAFILE (TLS, verifying the server), --cert FILE --key FILE
#	(a client certificate), --noread SECONDS (read nothing for that long
#	after sending), --hold SECONDS (stay connected that long after).
#	Exit status 0, or 2 on a timeout, 3 when the connection failed
#	(connecting, writing or reading).
#   gwc_bg NAME ADDR [OPTIONS] [LINES...]
#	The same in the background, output in $T/NAME.out; GWC_PID_NAME.
#   rq ID METHOD [PARAMS]
#	Print a JSON-RPC request line.
#   newkey NAME
#	A new API key from `i3gw genkey NAME`: $KEY_NAME holds the key,
#	$BATS_TEST_TMPDIR/NAME.key its [key NAME] section (permissions
#	tell, channel, info; edit it before gwd_conf to change them).
#   certs
#	A CA, a server certificate (CN localhost) and a client certificate
#	(CN bot) it signed: $T/ca.pem, srv.pem/srv.key, cli.pem/cli.key.
#
# Everything
#   stop_all
#	Background probes, line clients, daemon and stdio gateways, then
#	routers: for teardown.
#   wait_for_line FILE REGEX [SECONDS]
#	Wait (default 5 s) until a line of FILE matches the extended REGEX.
#   count_lines FILE REGEX
#	Print how many lines of FILE match the extended REGEX.
#   wait_until SECONDS WHAT COMMAND [ARGS...]
#	Run COMMAND every 50 ms until it succeeds; fail, saying "timed out
#	after SECONDS s waiting for WHAT" on stderr, if it never does.
#   gone PID
#	True once PID has exited (a zombie counts as gone): for wait_until.
#   reap PID STATUS
#	Wait for a background PID (a child of the test); fail unless it
#	exited STATUS.
#   T NAME
#	Print $BATS_TEST_TMPDIR/NAME: where a test keeps its files.

: "${I3_TOP:=${BATS_TEST_DIRNAME}/../..}"
export I3_TOP
I3ROUTER="$I3_TOP/build/tests/i3router"
I3PROBE="$I3_TOP/build/tests/i3probe"
I3GW="$I3_TOP/bin/i3gw"
ROUTER_PIDS=""
GW_NAMES=""
GWD_NAMES=""
GWC_PIDS=""
PROBE_PIDS=""

# True while PID runs (a zombie does not count).
_i3_alive() {
	local st
	st=$(sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null) ||
	    return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# _i3_reap PID SECONDS: wait that long for PID (asked to stop already) to
# exit, SIGKILL it then, and return its exit status.
_i3_reap() {
	local pid=$1 i
	for i in $(seq 1 $(($2 * 20))); do
		_i3_alive "$pid" || break
		sleep 0.05
	done
	_i3_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

stop_all() {
	local p
	for p in $PROBE_PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PROBE_PIDS=""
	gwd_stop_all
	gw_stop_all
	router_stop_all
}

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

router_stop() {
	local pid=${1:-$ROUTER_PID} rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	_i3_reap "$pid" 3
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
	PROBE_PIDS="$PROBE_PIDS $!"
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
	local name=$1 pid fd rc
	eval "pid=\${GW_PID_$name:-}"
	eval "fd=\${GW_FD_$name:-}"
	[ -n "$pid" ] || return 0
	if [ -n "$fd" ]; then
		[ "${2:-}" = eof ] ||
		    printf '{"jsonrpc":"2.0","id":"stop","method":"shutdown"}\n' \
		    >&"$fd" 2>/dev/null
		exec {fd}>&-
	fi
	_i3_reap "$pid" 5
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

gwd_conf() {
	local name=$1
	shift
	gw_conf "$name"
	{
		printf '\n[api]\nsocket = %s\n' "$BATS_TEST_TMPDIR/$name.sock"
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} >> "$BATS_TEST_TMPDIR/$name.conf"
}

gwd_start() {
	local name=$1
	shift
	local t="$BATS_TEST_TMPDIR"
	: > "$t/$name.err"
	"$I3GW" -d -f "$t/$name.conf" --state-dir "$t/$name.state" "$@" \
	    < /dev/null > "$t/$name.stdout" 2>> "$t/$name.err" 3>&- &
	local pid=$! i
	eval "GWD_PID_$name=$pid"
	GWD_NAMES="$GWD_NAMES $name"
	# Its last start-up line comes after every listener is up.
	for i in $(seq 1 200); do
		grep -qE 'i3gw [^ ]+: MUD .*, state in ' "$t/$name.err" &&
		    return 0
		_i3_alive "$pid" || break
		sleep 0.05
	done
	echo "gateway $name did not start:" >&2
	cat "$t/$name.err" >&2
	return 1
}

gwd_ready() {
	local i
	for i in $(seq 1 100); do
		"${I3CTL:-$I3_TOP/bin/i3ctl}" -S "$BATS_TEST_TMPDIR/$1.sock" \
		    --timeout 1 -r -q .router_state status 2>/dev/null |
		    grep -qx ready && return 0
		sleep 0.05
	done
	echo "gateway $1 never got ready" >&2
	cat "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

gwd_tcp_port() {
	local kind=${2:-tcp}
	sed -nE "s/.*listening on $kind [^ ]*:([0-9]+).*/\\1/p" \
	    "$BATS_TEST_TMPDIR/$1.err" | head -1
}

# A daemon gateway that is to exit by itself (shutdown, --linger):
# waited for up to SECS, its exit status returned; killed after that.
gwd_wait_exit() {
	local name=$1 pid
	eval "pid=\${GWD_PID_$name:-}"
	[ -n "$pid" ] || return 0
	_i3_reap "$pid" "${2:-15}"
	local rc=$?
	eval "GWD_PID_$name="
	return $rc
}

gwd_stop() {
	local name=$1 pid rc
	eval "pid=\${GWD_PID_$name:-}"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	_i3_reap "$pid" 5
	rc=$?
	eval "GWD_PID_$name="
	return $rc
}

gwd_stop_all() {
	local n p
	for p in $GWC_PIDS; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	GWC_PIDS=""
	for n in $GWD_NAMES; do
		gwd_stop "$n" || true
	done
	GWD_NAMES=""
}

gwsock_start() {
	local name=$1 t=$BATS_TEST_TMPDIR
	shift
	[ -n "${ROUTER_PORT:-}" ] || router_start
	gw_conf "$name" "$@"
	printf '\n[api]\nsocket = %s\n' "$t/$name.sock" >> "$t/$name.conf"
	gwd_start "$name" || return 1
	export I3_SOCKET="$t/$name.sock"
	gwd_ready "$name"
}

gwsock_stop_all() {
	gwd_stop_all
}

gwc() {
	python3 -c "$GWC_PY" "$@"
}

gwc_bg() {
	local name=$1
	shift
	python3 -u -c "$GWC_PY" "$@" > "$BATS_TEST_TMPDIR/$name.out" \
	    2> "$BATS_TEST_TMPDIR/$name.cerr" 3>&- &
	eval "GWC_PID_$name=$!"
	GWC_PIDS="$GWC_PIDS $!"
}

GWC_PY='
import json, socket, ssl, sys, time
args = sys.argv[1:]
addr = args.pop(0)
opts = {"timeout": 5.0, "events": 0, "requests": 0, "tls": None,
    "cert": None, "key": None, "noread": 0.0, "hold": 0.0}
lines = []
while args:
	a = args.pop(0)
	if a.startswith("--") and a[2:] in opts:
		v = args.pop(0)
		k = a[2:]
		opts[k] = v if k in ("tls", "cert", "key") else float(v)
	else:
		lines.append(a)
try:
	if addr.startswith("unix:"):
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.connect(addr[5:])
	else:
		h, p = addr[4:].rsplit(":", 1)
		s = socket.create_connection((h, int(p)), timeout=5)
	if opts["tls"]:
		ctx = ssl.create_default_context(cafile=opts["tls"])
		ctx.check_hostname = False
		if opts["cert"]:
			ctx.load_cert_chain(opts["cert"], opts["key"])
		s = ctx.wrap_socket(s, server_hostname="localhost")
except Exception as e:
	print("connect failed: %s" % e, file=sys.stderr)
	sys.exit(3)
want = 0
buf = b""
out = sys.stdout
for l in lines:
	if l.startswith("sleep:"):
		time.sleep(float(l[6:]))
		continue
	try:
		o = json.loads(l)
		if isinstance(o, dict) and "id" in o:
			want += 1
		elif isinstance(o, list):
			want += sum(1 for x in o if isinstance(x, dict) and "id" in x)
	except ValueError:
		want += 1
	try:
		s.sendall(l.encode() + b"\n")
	except (ssl.SSLError, OSError) as e:
		print("write failed: %s" % e, file=sys.stderr)
		sys.exit(3)
if opts["noread"]:
	time.sleep(opts["noread"])
deadline = time.time() + opts["timeout"]
answers = 0
events = 0
requests = 0
rc = 0
while (answers < want or events < opts["events"] or
    requests < opts["requests"]):
	left = deadline - time.time()
	if left <= 0:
		rc = 2
		break
	s.settimeout(left)
	try:
		d = s.recv(65536)
	except socket.timeout:
		rc = 2
		break
	except (ssl.SSLError, OSError) as e:
		print("read failed: %s" % e, file=sys.stderr)
		rc = 3
		break
	if not d:
		print("connection closed", file=sys.stderr)
		rc = 3
		break
	buf += d
	while b"\n" in buf:
		line, buf = buf.split(b"\n", 1)
		out.write(line.decode(errors="replace") + "\n")
		out.flush()
		try:
			o = json.loads(line)
			if "method" in o and "id" not in o:
				events += 1
			else:
				answers += 1
				if "method" in o:
					requests += 1
		except ValueError:
			pass
if opts["hold"]:
	time.sleep(opts["hold"])
sys.exit(rc)
'

rq() {
	if [ -n "${3:-}" ]; then
		printf '{"jsonrpc":"2.0","id":%s,"method":"%s","params":%s}' \
		    "$1" "$2" "$3"
	else
		printf '{"jsonrpc":"2.0","id":%s,"method":"%s"}' "$1" "$2"
	fi
}

newkey() {
	local out
	out=$("$I3GW" genkey "$1")
	eval "KEY_$1=$(sed -n 's/^key: //p' <<< "$out")"
	sed -n '/^\[key/,$p' <<< "$out" > "$BATS_TEST_TMPDIR/$1.key"
}

certs() {
	local t="$BATS_TEST_TMPDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=test-ca -days 1 -keyout "$t/ca.key" \
	    -out "$t/ca.pem" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=localhost -keyout "$t/srv.key" -out "$t/srv.csr" \
	    2>/dev/null
	openssl x509 -req -in "$t/srv.csr" -CA "$t/ca.pem" \
	    -CAkey "$t/ca.key" -CAcreateserial -days 1 -out "$t/srv.pem" \
	    2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -subj /CN=bot -keyout "$t/cli.key" -out "$t/cli.csr" 2>/dev/null
	openssl x509 -req -in "$t/cli.csr" -CA "$t/ca.pem" \
	    -CAkey "$t/ca.key" -CAcreateserial -days 1 -out "$t/cli.pem" \
	    2>/dev/null
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

wait_until() {
	local secs=$1 what=$2 i
	shift 2
	for i in $(seq 1 $((secs * 20))); do
		"$@" && return 0
		sleep 0.05
	done
	echo "timed out after $secs s waiting for $what" >&2
	return 1
}

count_lines() {
	grep -cE -- "$2" "$1" 2>/dev/null || true
}

gone() {
	! _i3_alive "$1"
}

reap() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" -eq "$2" ] || { echo "pid $1 exited $rc, not $2" >&2; return 1; }
}

T() {
	printf '%s\n' "$BATS_TEST_TMPDIR/$1"
}
