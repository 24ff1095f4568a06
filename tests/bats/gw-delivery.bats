#!/usr/bin/env bats
# gw-delivery.bats: what "sent" means: the send queue's priorities and caps,
# frames the router never took sent again on the next link, refusals back
# to the request that caused them.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	gw_stop_all
	router_stop_all
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
	[[ "$REPLY" == *'"queued":true'* ]]
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
	# every who-req read and answered or dropped
	for i in $(seq 1 100); do
		d=$(stat_of Alpha "$i" replies_dropped)
		[ "$d" -ge 90000 ] && break
		sleep 0.1
	done
	[ "$d" -ge 90000 ]
	gw_call Alpha 200 stats
	# at most reply_queue replies were ever held
	[[ "$REPLY" == *'"queue_peak":500,'* ]]
	eval "pid=\$GW_PID_Alpha"
	rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
	echo "rss $rss kB" >&2
	# (a sanitizer build's shadow memory and quarantine are not the gateway's)
	[ -n "${I3_SANITIZE:-}" ] || [ "$rss" -lt 40000 ]
	# the MUD's own sends are still taken (sent when the socket has room)
	gw_call Alpha 201 tell '{"target_mud":"Other","target_user":"x","from_user":"ann","message":"mine"}'
	[[ "$REPLY" == *'"result":{"sent":'* ]]
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
	sleep 0.2
	for i in $(seq 1 300); do
		gw_send Alpha '{"jsonrpc":"2.0","id":'$i',"method":"tell","params":{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"m'$i'"}}'
	done
	gw_wait Alpha '"id":300,"result"' 15
	[ "$(gw_count Alpha '"error"')" -eq 0 ]
	sleep 0.3
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
	grep -q 'frames queued again' "$(T Alpha.err)"
}

@test "the fault matrix, 300 tells a row: every accepted tell delivered or reported" {
	run --separate-stderr "$I3_TOP/build/tests/faults" -n 300
	printf '%s\n' "$output" >&2
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "6 passed, 0 failed" ]]
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
	[[ "$REPLY" == *'"queued":true'* ]]
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
