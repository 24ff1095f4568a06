# ctl-helpers.bash: bats helpers for i3ctl: its path and a clean
# environment, and a scripted fake gateway on a Unix socket for the few
# answers a real i3gw cannot be made to give (helpers.bash's gwsock_start
# starts a real one).
#
# Load after helpers: `load helpers; load ctl-helpers`.
#
#   I3CTL		bin/i3ctl
#   fakegw_start SCRIPT
#	Serve $BATS_TEST_TMPDIR/fake.sock with python3; SCRIPT is a JSON
#	object: method -> {"result": R} | {"error": E} | {"delay": SECONDS}
#	| {"garbage": TEXT} | {"close": true}, each optionally with
#	"events": [NOTIFICATIONS...] sent after the answer; "*" is the
#	default (otherwise -32601).  Every request is logged, one JSON line
#	each, to $BATS_TEST_TMPDIR/fake.log.  Exports I3_SOCKET.
#   fakegw_stop
#   fake_request METHOD
#	Print the last logged request for METHOD.
#   listen_bg NAME ARGS...
#	i3ctl --verbose ARGS (global options, then listen and its own) in
#	the background, stdout in NAME.out, stderr in NAME.err, its pid in
#	LISTEN_PID; returns once the gateway answered its subscribe.

I3CTL=${I3CTL:-"$I3_TOP/bin/i3ctl"}
export NO_COLOR=1
unset I3_API_KEY I3GW_CONFIG

fakegw_start() {
	local script=$1 t=$BATS_TEST_TMPDIR
	printf '%s\n' "$script" > "$t/fake.json"
	cat > "$t/fakegw.py" <<'EOF'
import json, os, socket, sys, threading, time
path, script_file, log_file = sys.argv[1:4]
script = json.load(open(script_file))
log = open(log_file, "a", buffering=1)
lock = threading.Lock()
def serve(conn):
    buf = b""
    f = conn
    while True:
        try:
            data = f.recv(65536)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            try:
                req = json.loads(line)
            except ValueError:
                continue
            with lock:
                log.write(json.dumps(req) + "\n")
            spec = script.get(req.get("method"), script.get("*"))
            if spec is None:
                spec = {"error": {"code": -32601, "message":
                        "method not found: %s" % req.get("method")}}
            if "delay" in spec:
                time.sleep(spec["delay"])
            if spec.get("close"):
                conn.close()
                return
            if "garbage" in spec:
                out = spec["garbage"].encode() + b"\n"
            else:
                resp = {"jsonrpc": "2.0", "id": req.get("id")}
                if "error" in spec:
                    resp["error"] = spec["error"]
                else:
                    resp["result"] = spec.get("result", {})
                out = json.dumps(resp).encode() + b"\n"
            for ev in spec.get("events", []):
                out += json.dumps({"jsonrpc": "2.0", "method": ev[0],
                                   "params": ev[1]}).encode() + b"\n"
            try:
                conn.sendall(out)
            except OSError:
                return
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
	rm -f "$t/fake.sock"
	: > "$t/fake.log"
	python3 "$t/fakegw.py" "$t/fake.sock" "$t/fake.json" "$t/fake.log" \
	    > "$t/fake.out" 2> "$t/fake.err" 3>&- &
	FAKEGW_PID=$!
	wait_for_line "$t/fake.out" '^ready' 5
	export I3_SOCKET="$t/fake.sock"
}

fakegw_stop() {
	[ -n "${FAKEGW_PID:-}" ] || return 0
	kill "$FAKEGW_PID" 2>/dev/null
	wait "$FAKEGW_PID" 2>/dev/null
	FAKEGW_PID=
	return 0
}

fake_request() {
	grep -F "\"method\": \"$1\"" "$BATS_TEST_TMPDIR/fake.log" | tail -1
}

listen_bg() {
	local name=$1
	shift
	"$I3CTL" --verbose "$@" > "$(T "$name.out")" 2> "$(T "$name.err")" &
	LISTEN_PID=$!
	wait_for_line "$(T "$name.err")" '^i3ctl: <- subscribe: result$'
}
