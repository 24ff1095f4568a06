#!/usr/bin/env bats
# gw-trust.bats: i3gw's trust boundary (issue 13): hostile routers and
# hostile clients against the real gateway; each test failed before its fix.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	trap "" PIPE
	stop_all
}

@test "SIGHUP after a failover to the 2nd router, to a config of one router: no crash, reconnects" {
	router_start -n '*solo'
	solo=$ROUTER_PORT
	router_start -n '*two'
	gw_conf Alpha "[router *two]" "host = 127.0.0.1" "port = $ROUTER_PORT"
	# The first router is down: the gateway fails over to *two.
	sed -i '0,/^port = .*/s//port = 1/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*two",' 10
	# Now only one router, under another name.
	ROUTER_PORT=$solo gw_conf Alpha
	sed -i 's/^\[router \*test\]/[router *solo]/' "$(T Alpha.conf)"
	kill -HUP "$GW_PID_Alpha"
	gw_wait Alpha '"router_connected","params":\{"router":"\*solo",' 10
	gw_call Alpha 1 ping
	[[ "$REPLY" == *'"result"'* ]]
	kill -0 "$GW_PID_Alpha"
}

@test "/metrics: a remote packet type forges no line; unknown types counted under one label" {
	{
		echo 'expect startup-req-3'
		echo 'send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]'
		echo 'send ["x\"}1\nforged_metric 7\n#",5,"Evil",0,"%MUD",0]'
		for i in $(seq 1 100); do
			echo "send [\"kind$i\",5,\"Evil\",0,\"%MUD\",0]"
		done
		echo 'send ["tell",5,"Evil","eve","%MUD","bob","Eve","hi"]'
		echo 'silent'
	} > "$(T s.txt)"
	router_start -s "$(T s.txt)"
	gwd_conf Alpha "http = 127.0.0.1:0"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	for i in $(seq 1 100); do
		curl -s -m 2 "http://127.0.0.1:$hport/metrics" > "$(T m)"
		grep -q 'type="tell"' "$(T m)" && break
		sleep 0.05
	done
	grep -q 'i3gw_router_packets_total{direction="in",type="tell"} 1' "$(T m)"
	run -1 grep -q '^forged_metric' "$(T m)"
	run -1 grep -q 'kind' "$(T m)"
	grep -qx 'i3gw_router_packets_total{direction="in",type="other"} 101' "$(T m)"
	# Every sample line is NAME{labels} VALUE or NAME VALUE.
	run -1 grep -vE '^(#.*|[a-z0-9_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? [0-9.e+-]+)$' "$(T m)"
}

# A scripted router: the startup answered, then LINES sent, then silence.
script_router() {
	{
		echo 'expect startup-req-3'
		echo 'send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]'
		local l
		for l in "$@"; do
			echo "send $l"
		done
		echo 'silent'
	} > "$(T script.txt)"
	router_start -s "$(T script.txt)"
}

@test "sessions.db and its -wal and -shm are 0600, an older 0644 one tightened" {
	router_start
	gw_conf Alpha
	mkdir -m 700 "$(T Alpha.state)"
	: > "$(T Alpha.state/sessions.db)"
	chmod 644 "$(T Alpha.state/sessions.db)"
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_call Alpha 1 ping
	[ "$(stat -c %a "$(T Alpha.state/sessions.db)")" = 600 ]
	[ -e "$(T Alpha.state/sessions.db-wal)" ]
	[ "$(stat -c %a "$(T Alpha.state/sessions.db-wal)")" = 600 ]
	[ "$(stat -c %a "$(T Alpha.state/sessions.db-shm)")" = 600 ]
}

@test "render none: a remote ESC or C1 byte never reaches the client's text" {
	script_router '["tell",5,"Evil","eve","%MUD","bob","Eve","\u001b]0;pwned\u0007\u001b[2Jhi\u009b31mX"]'
	gw_conf Alpha
	gw_start Alpha --render none
	gw_wait Alpha '"tell_received"'
	line=$(grep '"tell_received"' "$(T Alpha.out)")
	text=$(jq -r .params.text <<< "$line")
	[[ "$text" == *hi* ]]
	LC_ALL=C run -1 grep -q $'[\x01-\x09\x0b-\x1f\x7f]' <<< "$text"
	run -1 grep -q $'\xc2\x9b' <<< "$text"
}

@test "duplicate JSON keys are refused, not resolved to the last one" {
	router_start
	gw_conf Alpha
	gw_start Alpha
	gw_send Alpha '{"jsonrpc":"2.0","id":1,"method":"shutdown","method":"ping"}'
	gw_wait Alpha '"id":null,"error"'
	grep -q '"code":-32700' "$(T Alpha.out)"
	grep -q 'duplicate' "$(T Alpha.out)"
	# not shut down: it answers what comes next, and runs on
	gw_call Alpha 2 ping
	[[ "$REPLY" == *'"result"'* ]]
	kill -0 "$GW_PID_Alpha"
}

@test "a config writable by its group, or owned by another user, is refused" {
	ROUTER_PORT=4000 gw_conf Alpha
	chmod 664 "$(T Alpha.conf)"
	run -1 "$I3GW" -n -f "$(T Alpha.conf)"
	[[ "$output" == *"Alpha.conf: writable by its group (mode 664), refused"* ]]
	chmod 644 "$(T Alpha.conf)"
	run -0 "$I3GW" -n -f "$(T Alpha.conf)"
	if [ "$(id -u)" = 0 ]; then
		chown 65534 "$(T Alpha.conf)"
		run -1 "$I3GW" -n -f "$(T Alpha.conf)"
		[[ "$output" == *"owned by uid 65534, neither root nor this user"* ]]
	fi
}

# rtt SOCKET: the milliseconds a ping takes on an open connection.
RTT_PY='
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
worst = 0.0
for i in range(int(sys.argv[2])):
	t0 = time.monotonic()
	s.sendall(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n")
	buf = b""
	while b"\n" not in buf:
		d = s.recv(65536)
		if not d:
			sys.exit(3)
		buf += d
	worst = max(worst, (time.monotonic() - t0) * 1000)
	time.sleep(0.02)
print(int(worst))
'

@test "filters: a jq program is refused at once; worst-case filters under a flood leave ping within 100 ms" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe '{"filter":"def f: f; f"}')"
	[[ "$output" == *'"code":-32602,"message":"parameter filter: the gateway runs no filter programs'* ]]
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe '{"filter":"last(range(1e13))"}')"
	[[ "$output" == *'"code":-32602'* ]]
	# No libjq in the gateway at all (it leaked on rejected programs).
	run -1 grep -q libjq <<< "$(ldd "$I3GW")"
	# The most a filter may hold: 16 patterns of 64 bytes in every field.
	p=$(python3 -c 'import json; print(json.dumps({k: ["*" + "a*" * 31 + "b"] * 16 for k in ("kinds", "channels", "muds", "users")} | {"text": "z" * 128}))')
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe "{\"filter\":{\"kinds\":[\"$(printf 'a*%.0s' $(seq 1 33))\"]}}")"
	[[ "$output" == *'"code":-32602,"message":"parameter filter: kinds: patterns are strings of 1 to 64 bytes"'* ]]
	for i in $(seq 1 10); do
		gwc_bg "s$i" "unix:$(T Alpha.sock)" "$(rq 1 subscribe "{\"filter\":$p}")" --hold 30 --timeout 30
	done
	for i in $(seq 1 10); do
		wait_for_line "$(T s$i.out)" '"id":1,"result"' 5
	done
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	long=$(printf 'aaaaaaaa%.0s' $(seq 1 30))
	for i in $(seq 1 300); do
		printf '{"jsonrpc":"2.0","id":%d,"method":"tell","params":{"target_mud":"Alpha","target_user":"%s","from_user":"%s","message":"%s"}}\n' \
		    "$((i + 10))" "$long" "$long" "$long$long$long$long"
	done > "$(T flood)"
	gw_send Beta "$(cat "$(T flood)")"
	worst=$(python3 -c "$RTT_PY" "$(T Alpha.sock)" 40)
	echo "worst ping: $worst ms"
	[ "$worst" -lt 100 ]
}

@test "filters: a jq program stored by an older version is never run after a restart" {
	router_start
	gwd_conf Alpha
	mkdir -m 700 "$(T Alpha.state)"
	python3 - "$(T Alpha.state/sessions.db)" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.executescript("""CREATE TABLE session (id TEXT PRIMARY KEY,
 token_hash BLOB NOT NULL, sub TEXT NOT NULL, key TEXT,
 dropped INTEGER NOT NULL DEFAULT 0, detached INTEGER);
CREATE TABLE event (seq INTEGER PRIMARY KEY AUTOINCREMENT,
 session TEXT NOT NULL, ts INTEGER NOT NULL, method TEXT NOT NULL,
 params TEXT NOT NULL);""")
db.execute("INSERT INTO session VALUES (?, ?, ?, NULL, 0, ?)",
    ("0" * 32, b"x" * 32, '{"all":true,"events":[],"channels":[],"filter":"def f: f; f"}',
    int(time.time() * 1000)))
db.commit()
PY
	chmod 600 "$(T Alpha.state/sessions.db)"
	gwd_start Alpha
	wait_for_line "$(T Alpha.err)" "stored filter is dropped" 5
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"hi"}'
	worst=$(python3 -c "$RTT_PY" "$(T Alpha.sock)" 10)
	[ "$worst" -lt 100 ]
}

@test "a startup-reply's router list of 60,000 entries: read in bounded time, not followed, not kept" {
	python3 - "$(T script.txt)" <<'PY'
import json, sys
routers = [["*evil", "127.0.0.1 1"]] + [["*r%d" % i, "10.%d.%d.%d %d" % (i >> 16 & 255, i >> 8 & 255, i & 255, 1000 + i % 50000)] for i in range(60000)]
with open(sys.argv[1], "w") as f:
	f.write("expect startup-req-3\n")
	f.write("send " + json.dumps(["startup-reply", 5, "*test", 0, "%MUD", 0, routers, 42]) + "\n")
	f.write("silent\n")
PY
	router_start -s "$(T script.txt)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected 5
	t0=$(date +%s%N)
	gw_call Alpha 1 ping
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 500 ]
	grep -q "a router list of 60001 entries, only the first 16 read" "$(T Alpha.err)"
	grep -q "redirect to \*evil not followed" "$(T Alpha.err)"
	# Nothing learned: after a restart the list is not read again.
	gw_stop Alpha
	[ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM learned").fetchone()[0])' "$(T Alpha.state/i3gw.db)")" = 0 ]
}

@test "learn_routers = yes: at most 16 routers learned, the config's addresses kept" {
	python3 - "$(T script.txt)" <<'PY'
import json, sys
routers = [["*test", "10.9.9.9 9"]] + [["*r%d" % i, "127.0.0.1 %d" % (2000 + i)] for i in range(40)]
with open(sys.argv[1], "w") as f:
	f.write("expect startup-req-3\n")
	f.write("send " + json.dumps(["startup-reply", 5, "*test", 0, "%MUD", 0, routers, 42]) + "\n")
	f.write("silent\n")
PY
	router_start -s "$(T script.txt)"
	gw_conf Alpha "learn_routers = yes"
	gw_start Alpha
	gw_wait Alpha router_connected 5
	gw_call Alpha 1 ping
	gw_stop Alpha
	n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM learned").fetchone()[0])' "$(T Alpha.state/i3gw.db)")
	[ "$n" = 15 ]
	run -1 python3 -c 'import sqlite3,sys; sys.exit(0 if sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM learned WHERE host = ?", ("10.9.9.9",)).fetchone()[0] else 1)' "$(T Alpha.state/i3gw.db)"
}

# hold NAME COUNT HOST PORT [PARTIAL]: COUNT idle TCP connections held in
# the background (each sends PARTIAL bytes of a line, twice, if given);
# $T/NAME.ready says how many connected.  SIGTERM closes them.
HOLD_PY='
import resource, signal, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (10000, 10000))
n, host, port = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
partial = int(sys.argv[5]) if len(sys.argv) > 5 else 0
socks = []
for i in range(n):
	try:
		s = socket.create_connection((host, port), timeout=5)
	except OSError:
		break
	socks.append(s)
for r in range(2 if partial else 0):
	for s in socks:
		try:
			s.send(b"x" * partial)
		except OSError:
			pass
	time.sleep(0.3)
open(sys.argv[1], "w").write("%d\n" % len(socks))
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
time.sleep(120)
'

hold() {
	python3 -c "$HOLD_PY" "$(T "$1.ready")" "$2" "$3" "$4" ${5:-} 3>&- &
	eval "HOLD_$1=$!"
	GWC_PIDS="$GWC_PIDS $!"
	wait_until 60 "$2 connections of $1 made" test -s "$(T "$1.ready")"
}

# clients N: gateway Alpha counts N clients (the one asking included).
clients() {
	[ "$("$I3_TOP/bin/i3ctl" -S "$(T Alpha.sock)" -r -q .clients stats)" = "$1" ]
}

# stat_is FIELD VALUE: gateway Alpha's stats FIELD is VALUE.
stat_is() {
	[ "$("$I3_TOP/bin/i3ctl" -S "$(T Alpha.sock)" -r -q ".$1" stats)" = "$2" ]
}

# rss PID: resident set size in kB.
rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

@test "network clients never lock the MUD's own Unix client out (reserve_local), nor hold more than max_per_ip" {
	router_start
	gwd_conf Alpha "tcp = 127.0.0.1:0" "max_clients = 60" \
	    "max_per_ip = 1000"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	hold idle 100 127.0.0.1 "$port"
	wait_for_line "$(T Alpha.err)" "refused 127.0.0.1: the rest is reserved \(reserve_local\)"
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
	kill "$HOLD_idle"
	gwd_stop Alpha
	gwd_conf Alpha "tcp = 127.0.0.1:0" "max_per_ip = 5"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	hold five 5 127.0.0.1 "$port"
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"code":-32010,"message":"too many connections from this address"'* ]]
	grep -q "refused 127.0.0.1: 5 connections from it already (max_per_ip)" "$(T Alpha.err)"
}

@test "deadlines: a TLS handshake and an authentication not done in time are dropped; an authenticated client stays" {
	router_start
	certs
	out=$("$I3GW" genkey bot)
	key=$(sed -n 's/^key: //p' <<< "$out")
	gwd_conf Alpha "tcp = 127.0.0.1:0" "handshake_timeout = 300ms" \
	    "auth_timeout = 600ms" "$(sed -n '/^\[key/,$p' <<< "$out")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -3 gwc "tcp:127.0.0.1:$port" "sleep:1.5" "$(rq 1 ping)"
	grep -q "dropped: not authenticated within 600 ms (auth_timeout)" "$(T Alpha.err)"
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$key\"}")" "sleep:1.5" "$(rq 2 ping)"
	[[ "$output" == *'"pong":true'* ]]
	gwd_stop Alpha
	gwd_conf Alpha "tcp = 127.0.0.1:0" "tls = yes" \
	    "tls_cert = $(T srv.pem)" "tls_key = $(T srv.key)" \
	    "handshake_timeout = 300ms" "auth_timeout = 10s"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	# A plain TCP connection to the TLS port: no handshake ever.
	run -3 gwc "tcp:127.0.0.1:$port" "sleep:1" "$(rq 1 ping)"
	grep -q "dropped: no TLS handshake within 300 ms (handshake_timeout)" "$(T Alpha.err)"
}

@test "3,000 idle unauthenticated connections with partial lines: RSS under 40 MB, given back when they go" {
	router_start
	gwd_conf Alpha "tcp = 127.0.0.1:0" "max_clients = 5000" \
	    "max_per_ip = 5000" "auth_timeout = 5m"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	idle=$(rss "$GWD_PID_Alpha")
	hold many 3000 127.0.0.1 "$port" 700
	[ "$(cat "$(T many.ready)")" -eq 3000 ]
	# all 3000 taken by the gateway (and the one asking)
	wait_until 20 "Alpha to count 3000 clients" clients 3001
	full=$(rss "$GWD_PID_Alpha")
	echo "idle $idle kB, with 3000: $full kB"
	# Under 40 MB; the sanitizers' own shadow memory allowed for.
	[ "$((full - idle))" -lt 32768 ]
	[ -n "${I3_SANITIZE:-}" ] || [ "$full" -lt 40960 ]
	kill "$HOLD_many"
	reap "$HOLD_many" 0
	wait_until 5 "Alpha to see them gone" clients 1
	sleep 0.6
	after=$(rss "$GWD_PID_Alpha")
	echo "after: $after kB"
	# (ASan keeps freed memory in its quarantine: measured without it.)
	[ -n "${I3_SANITIZE:-}" ] || [ "$after" -lt $((idle + 8192)) ]
}

@test "sessions kept for clients gone are bounded per key and in all" {
	router_start
	out=$("$I3GW" genkey bot)
	key=$(sed -n 's/^key: //p' <<< "$out")
	gwd_conf Alpha "sessions_per_key = 3" "sessions_max = 5" \
	    "$(sed -n '/^\[key/,$p' <<< "$out")"
	gwd_start Alpha
	for i in $(seq 1 10); do
		gwc "unix:$(T Alpha.sock)" "$(rq 1 authenticate "{\"key\":\"$key\"}")" \
		    "$(rq 2 subscribe '{"events":["tell_received"],"keep":true}')" > /dev/null
	done
	wait_until 5 "7 sessions evicted" stat_is sessions_evicted 7
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 stats)"
	[[ "$output" == *'"sessions_detached":3'* ]]
	[[ "$output" == *'"sessions_evicted":7'* ]]
	grep -q "dropped: 3 sessions kept per key at most (sessions_per_key)" "$(T Alpha.err)"
	# Trusted clients (no key) count as one key; all together at most 5.
	for i in $(seq 1 4); do
		gwc "unix:$(T Alpha.sock)" "$(rq 2 subscribe '{"events":["tell_received"],"keep":true}')" > /dev/null
	done
	wait_until 5 "5 sessions detached" stat_is sessions_detached 5
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 stats)"
	[[ "$output" == *'"sessions_detached":5'* ]]
}

@test "events need their group's permission: a key without it receives nothing, and subscribe names what it refused" {
	router_start
	none=$("$I3GW" genkey nobody)
	talk=$("$I3GW" genkey talker)
	knone=$(sed -n 's/^key: //p' <<< "$none")
	ktalk=$(sed -n 's/^key: //p' <<< "$talk")
	gwd_conf Alpha "tcp = 127.0.0.1:0" \
	    "$(sed -n '/^\[key/,$p' <<< "$none" | grep -v '^permissions')" \
	    "$(sed -n '/^\[key/,$p' <<< "$talk" | sed 's/^permissions = .*/permissions = tell/')"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	# (a reads on, for an event that must never come: with --hold it
	# read nothing after its answers, and the check below saw nothing)
	gwc_bg a "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$knone\"}")" \
	    "$(rq 2 subscribe '{}')" "$(rq 3 subscribe '{"events":["tell_received","who_request"],"channels":["dchat"]}')" \
	    --events 1 --timeout 30
	gwc_bg b "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$ktalk\"}")" \
	    "$(rq 2 subscribe '{"events":["tell_received","who_request"]}')" \
	    --events 1 --timeout 10
	wait_for_line "$(T a.out)" '"id":3,"result"' 5
	wait_for_line "$(T b.out)" '"id":2,"result"' 5
	grep '"id":2,"result"' "$(T a.out)" | grep -q '{"event":"tell_received","needs":"tell"}'
	grep '"id":2,"result"' "$(T a.out)" | grep -q '{"event":"channel_message","needs":"channel"}'
	grep '"id":2,"result"' "$(T a.out)" | grep -q '{"event":"who_request","needs":"answer"}'
	grep '"id":3,"result"' "$(T a.out)" | grep -q '{"channel":"dchat","needs":"channel"}'
	grep '"id":2,"result"' "$(T b.out)" | grep -q '"refused":\[{"event":"who_request","needs":"answer"}\]'
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	gw_call Beta 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"secret"}'
	gw_call Beta 2 channel_send '{"channel":"dchat","from_user":"bob","message":"hello chan"}'
	# who: answered from presence at once (no client may answer it).
	t0=$(date +%s%N)
	gw_call Beta 3 who '{"target_mud":"Alpha","from_user":"bob"}'
	[[ "$REPLY" == *'"result"'* ]]
	[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1500 ]
	wait_for_line "$(T b.out)" '"tell_received".*secret' 5
	# b has it; a, reading, would have it as soon
	sleep 0.5
	grep -q '"id":3,"result"' "$(T a.out)"
	[ "$(wc -l < "$(T a.out)")" -eq 3 ]
	run -1 grep -qE '"method":"(tell_received|channel_message|who_request)"|secret|hello chan' "$(T a.out)"
	run -1 grep -q '"method":"who_request"' "$(T b.out)"
	# still waiting for its event
	kill -0 "$GWC_PID_a"
}
