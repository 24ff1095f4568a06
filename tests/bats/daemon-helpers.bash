# daemon-helpers.bash: bats helpers for i3gw as a daemon: gateways started
# with -d and their listeners, and a small line client (Unix, TCP, TLS).
#
# Load after helpers and gw-helpers: `load helpers; load gw-helpers;
# load daemon-helpers`.
#
#   gwd_conf NAME [LINES...]
#	gw_conf NAME, then an [api] section with socket = $T/NAME.sock and
#	LINES (more [api] keys, or other sections).
#   gwd_start NAME [ARGS...]
#	Start bin/i3gw -d -f NAME.conf --state-dir NAME.state ARGS in the
#	background (stderr to NAME.err) and wait (10 s) for its "listening"
#	lines.  GWD_PID_NAME holds the pid.
#   gwd_tcp_port NAME [tcp|http]
#	The port the gateway printed for its TCP (or HTTP) listener.
#   gwd_stop NAME
#	SIGTERM, wait up to 5 s (then SIGKILL); the exit status.
#   gwc ADDR [OPTIONS] [LINES...]
#	A line client: ADDR is unix:PATH or tcp:HOST:PORT.  Sends LINES (a
#	line "sleep:S" waits S seconds instead), then prints every line
#	received until every request it sent with an id is answered and
#	--events N notifications came (default 0), or --timeout (5 s).
#	--tls CAFILE (TLS, verifying the server), --cert FILE --key FILE
#	(a client certificate), --noread SECONDS (read nothing for that long
#	after sending), --hold SECONDS (stay connected that long after).
#	Exit status 0, or 2 on a timeout, 3 when the connection failed.
#   newkey NAME
#	A new API key: KEY_NAME holds it, NAME.key the config lines.
#   gwc_bg NAME ADDR [OPTIONS] [LINES...]
#	The same in the background, output in $T/NAME.out; GWC_PID_NAME.
#   certs
#	A CA, a server certificate (CN localhost) and a client certificate
#	(CN bot) it signed: $T/ca.pem, srv.pem/srv.key, cli.pem/cli.key.
#   newkey NAME
#	A new API key from `i3gw genkey NAME`: $KEY_NAME holds the key,
#	$BATS_TEST_TMPDIR/NAME.key its [key NAME] section (permissions
#	tell, channel, info; edit it before gwd_conf to change them).

# Kept when the file is loaded again (ctl-helpers loads it too).
GWD_NAMES=${GWD_NAMES:-}
GWC_PIDS=${GWC_PIDS:-}

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
	eval "GWD_PID_$name=$!"
	GWD_NAMES="$GWD_NAMES $name"
	wait_for_line "$t/$name.err" "listening on|fatal" 10 || return 1
	sleep 0.1
	if grep -qE "fatal" "$t/$name.err"; then
		cat "$t/$name.err" >&2
		return 1
	fi
	return 0
}

gwd_tcp_port() {
	local kind=${2:-tcp}
	sed -nE "s/.*listening on $kind [^ ]*:([0-9]+).*/\\1/p" \
	    "$BATS_TEST_TMPDIR/$1.err" | head -1
}

gwd_stop() {
	local name=$1 pid i rc
	eval "pid=\${GWD_PID_$name:-}"
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
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
opts = {"timeout": 5.0, "events": 0, "tls": None, "cert": None,
    "key": None, "noread": 0.0, "hold": 0.0}
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
	s.sendall(l.encode() + b"\n")
if opts["noread"]:
	time.sleep(opts["noread"])
deadline = time.time() + opts["timeout"]
answers = 0
events = 0
rc = 0
while answers < want or events < opts["events"]:
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
		except ValueError:
			pass
if opts["hold"]:
	time.sleep(opts["hold"])
sys.exit(rc)
'

# newkey NAME: a new API key: KEY_NAME holds it, $BATS_TEST_TMPDIR/NAME.key
# the config lines.
newkey() {
	local out
	out=$("$I3GW" genkey "$1")
	eval "KEY_$1=$(sed -n 's/^key: //p' <<< "$out")"
	sed -n '/^\[key/,$p' <<< "$out" > "$BATS_TEST_TMPDIR/$1.key"
}

# A JSON-RPC request line.
rq() {
	if [ -n "${3:-}" ]; then
		printf '{"jsonrpc":"2.0","id":%s,"method":"%s","params":%s}' \
		    "$1" "$2" "$3"
	else
		printf '{"jsonrpc":"2.0","id":%s,"method":"%s"}' "$1" "$2"
	fi
}

# certs: a CA, a server certificate and a client certificate it signed.
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
