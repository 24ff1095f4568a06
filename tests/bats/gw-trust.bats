#!/usr/bin/env bats
# gw-trust.bats: i3gw's trust boundary (issue 13): hostile routers and
# hostile clients against the real gateway; each test failed before its fix.

load helpers
load gw-helpers
load daemon-helpers

teardown() {
	trap "" PIPE
	gwd_stop_all
	gw_stop_all
	router_stop_all
}

T() {
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "SIGHUP after a failover to the 2nd router, to a config of one router: no crash, reconnects" {
	router_start -n '*solo'
	solo=$ROUTER_PORT
	router_start -n '*two'
	gw_conf Alpha "[router *two]" "host = 127.0.0.1" "port = $ROUTER_PORT"
	# The first router is down: the gateway fails over to *two.
	sed -i '0,/^port = .*/s//port = 1/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*two"\}' 10
	# Now only one router, under another name.
	ROUTER_PORT=$solo gw_conf Alpha
	sed -i 's/^\[router \*test\]/[router *solo]/' "$(T Alpha.conf)"
	kill -HUP "$GW_PID_Alpha"
	gw_wait Alpha '"router_connected","params":\{"router":"\*solo"\}' 10
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
	! grep -q '^forged_metric' "$(T m)"
	! grep -q 'kind' "$(T m)"
	grep -qx 'i3gw_router_packets_total{direction="in",type="other"} 101' "$(T m)"
	# Every sample line is NAME{labels} VALUE or NAME VALUE.
	! grep -vE '^(#.*|[a-z0-9_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? [0-9.e+-]+)$' "$(T m)"
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
	! printf '%s' "$text" | LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]'
	! printf '%s' "$text" | grep -q $'\xc2\x9b'
}

@test "duplicate JSON keys are refused, not resolved to the last one" {
	router_start
	gw_conf Alpha
	gw_start Alpha
	gw_send Alpha '{"jsonrpc":"2.0","id":1,"method":"shutdown","method":"ping"}'
	gw_wait Alpha '"id":null,"error"'
	grep -q '"code":-32700' "$(T Alpha.out)"
	grep -q 'duplicate' "$(T Alpha.out)"
	sleep 0.2
	kill -0 "$GW_PID_Alpha"
	gw_call Alpha 2 ping
	[[ "$REPLY" == *'"result"'* ]]
}

@test "a config writable by its group, or owned by another user, is refused" {
	ROUTER_PORT=4000 gw_conf Alpha
	chmod 664 "$(T Alpha.conf)"
	run "$I3GW" -n -f "$(T Alpha.conf)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Alpha.conf: writable by its group (mode 664), refused"* ]]
	chmod 644 "$(T Alpha.conf)"
	run "$I3GW" -n -f "$(T Alpha.conf)"
	[ "$status" -eq 0 ]
	if [ "$(id -u)" = 0 ]; then
		chown 65534 "$(T Alpha.conf)"
		run "$I3GW" -n -f "$(T Alpha.conf)"
		[ "$status" -eq 1 ]
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
	run gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe '{"filter":"def f: f; f"}')"
	[[ "$output" == *'"code":-32602,"message":"parameter filter: the gateway runs no filter programs'* ]]
	run gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe '{"filter":"last(range(1e13))"}')"
	[[ "$output" == *'"code":-32602'* ]]
	# The most a filter may hold: 16 patterns of 64 bytes in every field.
	p=$(python3 -c 'import json; print(json.dumps({k: ["*" + "a*" * 31 + "b"] * 16 for k in ("kinds", "channels", "muds", "users")} | {"text": "z" * 128}))')
	run gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe "{\"filter\":{\"kinds\":[\"$(printf 'a*%.0s' $(seq 1 33))\"]}}")"
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
