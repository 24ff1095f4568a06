#!/usr/bin/env bats
# gw-daemon-scale.bats: i3gw with many clients at once (1,000 over the Unix
# socket), and socket activation (LISTEN_FDS) for the Unix and HTTP
# listeners.

bats_require_minimum_version 1.5.0

load helpers

MANY="$I3_TOP/build/tests/manyclients"

teardown() {
	[ -n "${ACT_PID:-}" ] && { kill -TERM "$ACT_PID" 2>/dev/null; wait "$ACT_PID" 2>/dev/null; }
	stop_all
}

@test "1,000 clients at once over the Unix socket: each pinged" {
	router_start
	gwd_conf Alpha "max_per_uid = 2000" "http = 127.0.0.1:0"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	"$MANY" -a "unix:$(T Alpha.sock)" -n 1000 -t 20 -H 2 > "$(T many.out)" &
	mpid=$!
	# While they are all connected, the gateway counts them.
	ok=0
	for i in $(seq 1 100); do
		if curl -s -m 2 "http://127.0.0.1:$hport/metrics" |
		    grep -qx 'i3gw_clients{transport="unix"} 1000'; then
			ok=1
			break
		fi
		sleep 0.05
	done
	wait "$mpid"
	cat "$(T many.out)"
	[ "$(cat "$(T many.out)")" = "connected 1000 answered 1000 pong 1000 errors 0" ]
	[ "$ok" -eq 1 ]
	# And all of them are gone after.
	for i in $(seq 1 50); do
		curl -s -m 2 "http://127.0.0.1:$hport/metrics" |
		    grep -qx 'i3gw_clients{transport="unix"} 0' && break
		sleep 0.1
	done
	curl -s -m 2 "http://127.0.0.1:$hport/metrics" |
	    grep -qx 'i3gw_clients{transport="unix"} 0'
}

@test "1,000 clients: authenticated and subscribed to a channel, each pinged" {
	router_start
	newkey bot
	gwd_conf Alpha "max_per_uid = 2000" "rate = 0" "method_rate = 0" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	run -0 "$MANY" -a "unix:$(T Alpha.sock)" -n 1000 -k "$KEY_bot" \
	    -c chat -t 20
	[ "$output" = "connected 1000 answered 3000 pong 1000 errors 0" ]
}

@test "max_per_uid: connections past it are refused" {
	router_start
	gwd_conf Alpha "max_per_uid = 10"
	gwd_start Alpha
	run -1 "$MANY" -a "unix:$(T Alpha.sock)" -n 12 -t 5
	[[ "$output" == *"connected 12 answered 12 pong 10 errors 2"* ]]
	[[ "$output" == *"too many connections for this uid"* ]]
}

@test "socket activation: LISTEN_FDS with a Unix socket and an HTTP socket" {
	router_start
	gw_conf Alpha
	ACT_ERR=$(T act.err)
	python3 -c '
import os, socket, sys
path, port = sys.argv[1], sys.argv[2]
u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
u.bind(path)
os.chmod(path, 0o600)
u.listen(64)
h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
h.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
h.bind(("127.0.0.1", 0))
h.listen(64)
with open(port, "w") as f:
	f.write("%d\n" % h.getsockname()[1])
a, b = os.dup(u.fileno()), os.dup(h.fileno())
u.close()
h.close()
os.dup2(a, 3)
os.dup2(b, 4)
os.close(a)
os.close(b)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="2",
    LISTEN_FDNAMES="unix:http")
os.execve(sys.argv[3], sys.argv[3:], env)
' "$(T act.sock)" "$(T act.port)" "$I3GW" -d -f "$(T Alpha.conf)" \
	    --state-dir "$(T Alpha.state)" < /dev/null 2> "$ACT_ERR" 3>&- &
	ACT_PID=$!
	wait_for_line "$ACT_ERR" "listening on http" 5
	grep -q "listening on activated fd 3 (unix)" "$ACT_ERR"
	grep -q "listening on http (activated fd 4)" "$ACT_ERR"
	# Its own socket is not made: the activated one serves.
	[ ! -e "$(T Alpha.sock)" ]
	run -0 gwc "unix:$(T act.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"id":1,"result":{"pong":true'* ]]
	run -0 "$MANY" -a "unix:$(T act.sock)" -n 50 -t 5
	[ "$output" = "connected 50 answered 50 pong 50 errors 0" ]
	hport=$(cat "$(T act.port)")
	run -0 curl -s -m 5 "http://127.0.0.1:$hport/health"
	[[ "$output" == *'"status":"ok"'* ]]
	kill -TERM "$ACT_PID"
	wait "$ACT_PID"
	ACT_PID=
	# The activated socket's file belongs to whoever made it.
	[ -S "$(T act.sock)" ]
}
