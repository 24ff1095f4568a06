#!/usr/bin/env bats
# gw-delivery.bats: what "sent" means: the send queue's priorities and caps,
# frames the router never took sent again on the next link, refusals back
# to the request that caused them; events' sequence numbers, and a resume
# that replays what a connection that died never handed over.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# A router that answers the startup, then sends N who-req for the MUD.
who_flood_script() {
	cat > "$(T s.txt)" <<EOF
expect startup-req-3
send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]
send ["mudlist",5,"*test",0,"%MUD",0,7,{}]
flood $1 ["who-req",5,"Other",0,"%MUD",0]
$2
EOF
}

# stat_is NAME FIELD VALUE: the gateway's stats FIELD is VALUE now.
stat_is() {
	STAT_ID=$((${STAT_ID:-1000} + 1))
	[ "$(stat_of "$1" "$STAT_ID" "$2")" = "$3" ]
}

stat_of() {
	gw_call "$1" "$2" stats > /dev/null
	printf '%s\n' "$REPLY" | jq -r ".result.$3"
}

@test "replies to 800 who-req wait below the MUD's own tell; past reply_queue they are dropped and counted" {
	who_flood_script 800 auto
	router_start -s "$(T s.txt)" -l "$(T r.log)"
	gw_conf Alpha "rate = 8" "reply_queue = 100"
	gw_start Alpha
	gw_wait Alpha router_connected 15
	# the flood is in; the first replies are out or queued
	wait_for_line "$(T r.log)" '"who-reply"' 5
	gw_call Alpha 1 tell '{"target_mud":"Other","target_user":"x","from_user":"ann","message":"mine"}'
	[[ "$REPLY" == *'"result":{"sent":false,"queued":true}}' ]]
	wait_for_line "$(T r.log)" '"message"|"mine"' 3
	# the tell went at the next pacing step: at most a few replies before it
	before=$(grep -n '"mine"' "$(T r.log)" | head -1 | cut -d: -f1)
	n=$(head -n "$before" "$(T r.log)" | grep -c '"who-reply"')
	[ "$n" -le 12 ]
	dropped=$(stat_of Alpha 2 replies_dropped)
	[ "$dropped" -ge 690 ]
	[ "$dropped" -le 700 ]
}

@test "a router that floods who-req and never reads: replies capped, memory bounded, the link buffer does not grow" {
	who_flood_script 100000 silent
	router_start -s "$(T s.txt)"
	gw_conf Alpha "rate = 0" "idle_ping = 30s" "dead_after = 60s"
	gw_start Alpha
	gw_wait Alpha router_connected 15
	# every who-req read (and the startup-reply and mudlist) and
	# answered or dropped: most dropped, the link being full
	wait_until 30 "Alpha to read the 100000 who-req" \
	    stat_is Alpha packets_in 100002
	d=$(stat_of Alpha 199 replies_dropped)
	echo "dropped $d" >&2
	[ "$d" -ge 90000 ]
	gw_call Alpha 200 stats
	# at most reply_queue replies were ever held
	[[ "$REPLY" == *'"queue_peak":500,'* ]]
	eval "pid=\$GW_PID_Alpha"
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
	echo "rss $rss kB" >&2
	# (a sanitizer build's shadow memory and quarantine are not the gateway's)
	[ -n "${I3_SANITIZE:-}" ] || [ "$rss" -lt 40000 ]
	# the MUD's own sends are still taken, not refused.  (Sent at once
	# or queued ahead of the held replies: which depends on whether the
	# router's kernel opened its window again meanwhile, which it does
	# at times of its own; seen both ways with the same stats before.)
	gw_call Alpha 201 tell '{"target_mud":"Other","target_user":"x","from_user":"ann","message":"mine"}'
	[[ "$REPLY" == '{"jsonrpc":"2.0","id":201,"result":{'* ]]
}

@test "a router that stops reading, then resets the link: nothing it did not read is lost" {
	router_start -l "$(T r.log)"
	gw_conf Alpha "rate = 0"
	gw_conf Beta "rate = 0"
	gw_start Beta
	gw_wait Beta router_connected 15
	gw_start Alpha
	gw_wait Alpha '"mud_online","params":\{"mud":"Beta"' 15
	kill -USR2 "$ROUTER_PID"
	wait_for_line "$ROUTER_ERR" 'SIGUSR2: deaf'
	for i in $(seq 1 300); do
		gw_send Alpha '{"jsonrpc":"2.0","id":'$i',"method":"tell","params":{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"m'$i'"}}'
	done
	gw_wait Alpha '"id":300,"result"' 15
	[ "$(gw_count Alpha '"error"')" -eq 0 ]
	# Every tell handed over to the router's stack, which reads none.
	wait_until 10 "300 frames handed over" stat_is Alpha handed_over 300
	kill -HUP "$ROUTER_PID"
	kill -USR2 "$ROUTER_PID"
	gw_wait Alpha 'router_disconnected' 15
	gw_wait Alpha '"router_connected"' 15
	for i in $(seq 1 100); do
		n=$(grep -o '"message":"m[0-9]*"' "$(T Beta.out)" | sort -u | wc -l)
		[ "$n" -ge 300 ] && break
		sleep 0.1
	done
	echo "delivered $n of 300" >&2
	[ "$n" -eq 300 ]
	grep -q 'router: 300 frames queued again (the link was reset or dead' \
	    "$(T Alpha.err)"
}

@test "the fault matrix, 300 tells a row: every accepted tell delivered or reported" {
	run --separate-stderr "$I3_TOP/build/tests/faults" -n 300
	printf '%s\n' "$output" >&2
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "8 passed, 0 failed" ]]
	# the two rows where Beta's client goes and resumes are in it
	[[ "$output" == *"gateway B restarted, client resumes"* ]]
	[[ "$output" == *"B's client disconnects, resumes"* ]]
}

@test "-32001 with pacing off names the router, not the pacing limit" {
	router_start
	gw_conf Alpha "rate = 0" "queue = 2"
	gw_start Alpha
	gw_wait Alpha router_connected 15
	kill -USR2 "$ROUTER_PID"
	big=$(head -c 4000 /dev/zero | tr '\0' x)
	for i in $(seq 1 4000); do
		gw_send Alpha '{"jsonrpc":"2.0","id":'$i',"method":"tell","params":{"target_mud":"Alpha","target_user":"x","from_user":"ann","message":"'$i$big'"}}'
		grep -q '"code":-32001' "$(T Alpha.out)" && break
	done
	gw_wait Alpha '"code":-32001' 15
	line=$(grep -m1 '"code":-32001' "$(T Alpha.out)")
	[[ "$line" == *'send queue full (2 packets waiting for the router to take them)'* ]]
	[[ "$line" != *pacing* ]]
	kill -USR2 "$ROUTER_PID"
}

@test "a tell queued past queue_deadline is dropped and its sender gets send_failed (expired); kept in the store meanwhile" {
	router_start
	gw_conf Alpha "rate = 0" "queue_deadline = 1s"
	gw_start Alpha
	gw_wait Alpha router_connected 15
	router_stop
	gw_wait Alpha router_disconnected 15
	gw_call Alpha 7 tell '{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"late"}'
	[[ "$REPLY" == *'"result":{"sent":false,"queued":true}}' ]]
	n=$(python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM sendq").fetchone()[0])' "$(T Alpha.state)/i3gw.db")
	[ "$n" -eq 1 ]
	gw_wait Alpha '"send_failed".*"id":7,' 10
	line=$(grep send_failed "$(T Alpha.out)")
	[[ "$line" == *'"code":"expired"'* ]]
	[[ "$line" == *'"target":"bob@Beta"'* ]]
	[[ "$line" == *'not handed to a router within 1s'* ]]
	gw_call Alpha 8 stats
	[[ "$REPLY" == *'"expired":1,'* ]]
	[[ "$REPLY" == *'"queue":0,'* ]]
}

# A client of Alpha's socket that subscribes to tells (kept), handles the
# first $2 (printing "seq message"), then reads nothing for 2 s and drops
# the connection with what came meanwhile unread.  Token in $1.
handle_then_drop() {
	python3 - "$(T Alpha.sock)" "$1" "$2" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"events":["tell_received"],"keep":true}}\n')
f = s.makefile("rb")
r = json.loads(f.readline())
open(sys.argv[2], "w").write(r["result"]["session"]["resume_token"])
for _ in range(int(sys.argv[3])):
    p = json.loads(f.readline())["params"]
    print(p["seq"], p["message"], flush=True)
time.sleep(2)
s.close()
PY
}

two_gateways() {
	router_start
	gwd_conf Alpha "$@"
	gwd_start Alpha
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
}

# subscribed_then_dropped PID [MESSAGES...]: once handle_then_drop (PID)
# has its subscribe answered (the token written), Beta tells ann MESSAGES
# (default one to five); then the client exits 0 and Alpha keeps its
# session.
subscribed_then_dropped() {
	local pid=$1
	shift
	wait_until 5 "the client's subscribe answered" test -s "$(T token)"
	if [ $# -gt 0 ]; then
		tells_to_ann "$@"
	else
		tells_to_ann one two three four five
	fi
	reap "$pid" 0
	wait_for_line "$(T Alpha.err)" "session [0-9a-f]+ kept"
}

tells_to_ann() {
	local i=1 m
	for m in "$@"; do
		gw_call Beta "$i" tell "{\"target_mud\":\"Alpha\",\"target_user\":\"ann\",\"from_user\":\"bob\",\"message\":\"$m\"}" > /dev/null
		i=$((i + 1))
	done
}

@test "every event a client gets carries its session's seq: 1, 2, 3... with no gap, whatever the event" {
	router_start
	gw_conf Beta "rate = 0"
	gw_start Beta
	gw_wait Beta '"router_connected"' 10
	gw_call Beta 1 channel_join '{"channel":"chat"}' > /dev/null
	gw_call Beta 2 channel_send '{"channel":"chat","from_user":"bob","message":"hi"}' > /dev/null
	gw_call Beta 3 tell '{"target_mud":"Beta","target_user":"bob","from_user":"bob","message":"me"}' > /dev/null
	gw_wait Beta '"tell_received"' 5
	grep '"method"' "$(T Beta.out)" | grep -v '"seq":[0-9]*}}$' && false
	seqs=$(grep '"method"' "$(T Beta.out)" | sed -E 's/.*"seq":([0-9]+)}}$/\1/' | tr '\n' ' ')
	# the router has no channel chat: the join and the message come back
	# refused (send_failed), in the order the link carried them
	[ "$(sed -nE 's/.*"method":"([a-z_]+)".*/\1/p' "$(T Beta.out)" | tr '\n' ' ')" = \
	    "router_connected mud_online chanlist_changed send_failed send_failed tell_received " ]
	[ "$seqs" = "1 2 3 4 5 6 " ]
}

@test "resume with last_seq: the tells written to a connection that died unread come again, from the first after it" {
	two_gateways
	handle_then_drop "$(T token)" 2 > "$(T h.out)" &
	local hpid=$!
	subscribed_then_dropped "$hpid"
	[ "$(cat "$(T h.out)")" = "$(printf '1 one\n2 two')" ]
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$(cat "$(T token)")\",\"last_seq\":2}")" --events 3
	[[ "${lines[0]}" == *'"last_seq":5,"first_seq":3,"gap":false,"missed":0,"replayed":3,'* ]]
	[[ "${lines[1]}" == *'"message":"three"'*'"replayed":true,"seq":3}}' ]]
	[[ "${lines[2]}" == *'"message":"four"'*'"seq":4}}' ]]
	[[ "${lines[3]}" == *'"message":"five"'*'"seq":5}}' ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "resume: past resume_events the gap is said (gap, missed, first_seq), never silent; last_seq past the last is -32602" {
	two_gateways "resume_events = 1"
	handle_then_drop "$(T token)" 1 > "$(T h.out)" &
	local hpid=$!
	subscribed_then_dropped "$hpid" one two three four
	token=$(cat "$(T token)")
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 8 session_resume "{\"token\":\"$token\",\"last_seq\":7}")"
	[ "$output" = '{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"parameter last_seq: 7 is past the session'"'"'s last event (4)"}}' ]
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\",\"last_seq\":1}")" --events 1
	[[ "${lines[0]}" == *'"last_seq":4,"first_seq":4,"gap":true,"missed":2,"replayed":1,'* ]]
	[[ "${lines[1]}" == *'"message":"four"'*'"seq":4}}' ]]
	[ "${#lines[@]}" -eq 2 ]
	grep -q 'resumed session [0-9a-f]* after #1: 1 to replay, .*, 2 missing' "$(T Alpha.err)"
}
