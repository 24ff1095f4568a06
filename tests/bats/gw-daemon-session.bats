#!/usr/bin/env bats
# gw-daemon-session.bats: sessions that survive: subscribe, resume after a
# disconnect and after a gateway restart, drop counts, --linger, filters,
# a client that never reads.

load helpers
bats_require_minimum_version 1.5.0

teardown() {
	stop_all
}

# Beta: a stdio gateway that sends; it waits until Alpha is up.
beta() {
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
}

tell() {
	gw_call Beta "$1" tell "{\"target_mud\":\"Alpha\",\"target_user\":\"ann\",\"from_user\":\"bob\",\"message\":\"$2\"}" > /dev/null
}

chan() {
	gw_call Beta "$1" channel_send "{\"channel\":\"chat\",\"from_user\":\"bob\",\"message\":\"$2\"}" > /dev/null
}

# alpha_stat FIELD VALUE: Alpha's stats (over its socket) have FIELD VALUE:
# sessions_queued (events kept for its sessions), events_dropped...
alpha_stat() {
	[ "$("$I3_TOP/bin/i3ctl" -S "$(T Alpha.sock)" -r -q ".$1" stats)" = "$2" ]
}

# queued N: wait (10 s) until Alpha keeps N events for its sessions.
queued() {
	wait_until 10 "$1 events kept for Alpha's sessions" \
	    alpha_stat sessions_queued "$1"
}

# probed_after TEXT: Beta's probe (auth-mud-req to itself) after its tell
# TEXT came back to it: the router's log (r.log) has Beta's auth-mud-reply
# to it after the tell.  The router handles a link's packets in order, so
# Beta knows then that the tell was handled.
probed_after() {
	awk -v t="\"$1\"]" '
	    index($0, "\"mud\":\"Beta\"") && index($0, "\"tell\"") &&
	        index($0, t) { seen = 1 }
	    seen && index($0, "\"auth-mud-reply\",5,\"Beta\",0,\"Beta\"") {
	        found = 1 }
	    END { exit !found }' "$(T r.log)"
}

# subscribe_token PARAMS: subscribe over the socket, asking for the session
# to be kept (keep), then go away; print the resume token.
subscribe_token() {
	gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe "${1%\}},\"keep\":true}")" \
	    > "$(T sub.out)"
	sed -nE 's/.*"resume_token":"([0-9a-f]+)".*/\1/p' "$(T sub.out)"
}

@test "resume after a disconnect: events replayed in order, none dropped" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	token=$(subscribe_token '{"events":["tell_received"]}')
	[ "${#token}" -eq 64 ]
	grep -q '"id":"[0-9a-f]\{32\}"' "$(T sub.out)"
	beta
	tell 1 one
	tell 2 two
	tell 3 three
	queued 3
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\"}")" \
	    --events 3
	[[ "${lines[0]}" == *'"id":9,"result":{"session":'*'"replayed":3,"dropped_age":0,"dropped_count":0}'* ]]
	[[ "${lines[1]}" == *'"tell_received"'*'"message":"one"'*'"replayed":true'* ]]
	[[ "${lines[2]}" == *'"message":"two"'* ]]
	[[ "${lines[3]}" == *'"message":"three"'* ]]
	# The token was used: the session is attached elsewhere or replaced.
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 session_resume '{"token":"00"}')"
	[[ "$output" == *'"code":-32011'* ]]
}

@test "resume: drop counts for count and age are exact; a full queue refuses tells with an I3 error" {
	router_start -c chat
	gwd_conf Alpha "session_queue = 2"
	gwd_start Alpha
	# The MUD listens to chat; the session's filter takes its events.
	gwc "unix:$(T Alpha.sock)" "$(rq 1 channel_join '{"channel":"chat"}')"
	token=$(subscribe_token '{"channels":["chat"],"events":["tell_received"]}')
	beta
	gw_call Beta 1 channel_join '{"channel":"chat"}' > /dev/null
	chan 2 c1
	chan 3 c2
	chan 4 c3
	# c1 dropped for c3
	wait_until 10 "Alpha to drop c1" alpha_stat events_dropped 1
	queued 2
	tell 5 t1
	gw_wait Beta '"send_failed".*"id":5,.*queue is full' 5
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\"}")" \
	    --events 2
	[[ "${lines[0]}" == *'"replayed":2,"dropped_age":0,"dropped_count":1}'* ]]
	[[ "${lines[1]}" == *'"message":"c2"'* ]]
	[[ "${lines[2]}" == *'"message":"c3"'* ]]
}

@test "resume: events older than session_max_age are dropped and counted" {
	router_start
	# Wide margins: under load a tell can take a second to come through.
	gwd_conf Alpha "session_max_age = 3s"
	gwd_start Alpha
	token=$(subscribe_token '{"events":["tell_received"]}')
	beta
	tell 1 old
	queued 1
	# old grows older than session_max_age
	sleep 3.5
	tell 2 new
	queued 2
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\"}")" \
	    --events 1
	[[ "${lines[0]}" == *'"replayed":1,"dropped_age":1,"dropped_count":0}'* ]]
	[[ "${lines[1]}" == *'"message":"new"'* ]]
}

@test "resume after a gateway restart: the store keeps session and events" {
	router_start -l "$(T r.log)"
	gwd_conf Alpha
	gwd_start Alpha
	token=$(subscribe_token '{"events":["tell_received"]}')
	beta
	tell 2 before
	tell 3 hello
	queued 2
	# Until a probe shows Beta the router handled them, Beta keeps its
	# tells, and sends them again when Alpha goes down (some twice,
	# never none): Alpha would keep 2 more.
	wait_until 10 "Beta to know its tells handled" probed_after hello
	gwd_stop Alpha
	gwd_start Alpha
	grep -q "kept from before the restart, 2 events" "$(T Alpha.err)"
	gwd_ready Alpha
	tell 4 after
	queued 3
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\"}")" \
	    --events 3
	[[ "${lines[0]}" == *'"replayed":3,"dropped_age":0,"dropped_count":0}'* ]]
	[[ "${lines[1]}" == *'"message":"before"'* ]]
	[[ "${lines[2]}" == *'"message":"hello"'* ]]
	[[ "${lines[3]}" == *'"message":"after"'* ]]
	[ "${#lines[@]}" -eq 4 ]
}

@test "--stdio --linger: the MUD goes, tells wait, it comes back over the socket" {
	router_start
	gwd_conf Alpha
	gw_start Alpha --linger 10
	gw_wait Alpha router_connected
	gw_call Alpha 1 subscribe '{}'
	token=$(sed -nE 's/.*"resume_token":"([0-9a-f]+)".*/\1/p' <<< "$REPLY")
	[ -n "$token" ]
	beta
	fd=$GW_FD_Alpha
	exec {fd}>&-
	GW_FD_Alpha=
	wait_for_line "$(T Alpha.err)" "lingering" 5
	tell 2 "while away"
	queued 1
	kill -0 "$GW_PID_Alpha"
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 9 session_resume "{\"token\":\"$token\"}")" \
	    --events 1
	[[ "${lines[0]}" == *'"replayed":1,'* ]]
	[[ "${lines[1]}" == *'"message":"while away"'* ]]
}

@test "--linger: nobody comes back, the gateway exits when the time is over" {
	router_start
	gwd_conf Alpha
	gw_start Alpha --linger 1
	gw_wait Alpha router_connected
	fd=$GW_FD_Alpha
	exec {fd}>&-
	GW_FD_Alpha=
	wait_until 5 "Alpha to exit after --linger 1" gone "$GW_PID_Alpha"
	reap "$GW_PID_Alpha" 0
	GW_PID_Alpha=
	grep -q "no client came back" "$(T Alpha.err)"
}

@test "subscribe: events by name, a declarative filter, a bad filter is -32602" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 subscribe '{"filter":{"kinds":"tell_*","bogus":1}}')"
	[[ "$output" == *'"id":1,"error":{"code":-32602,"message":"parameter filter: unknown key bogus'* ]]
	gwc_bg sub "unix:$(T Alpha.sock)" \
	    "$(rq 1 subscribe '{"events":["tell_received"],"filter":{"users":["b?b"],"text":"KEEP"}}')" \
	    --events 1 --timeout 10
	wait_for_line "$(T sub.out)" '"id":1,"result"' 5
	grep -q '"filter":{"users":\["b?b"\],"text":"keep"}' "$(T sub.out)"
	beta
	tell 1 "drop this"
	tell 2 "keep this"
	wait_for_line "$(T sub.out)" 'keep this' 5
	run -1 grep -q 'drop this' "$(T sub.out)"
}

@test "a client that never reads is paused, then dropped, its session kept" {
	router_start
	gwd_conf Alpha "pause_grace = 500ms" "[limits]" "client_highwater = 8k" \
	    "client_maxout = 1M"
	gwd_start Alpha
	gwc_bg slow "unix:$(T Alpha.sock)" \
	    "$(rq 1 subscribe '{"events":["tell_received"],"keep":true}')" \
	    --noread 20
	beta
	big=$(head -c 3000 /dev/zero | tr '\0' x)
	# Tells until the gateway gives up on the reader: those sent before
	# its subscription is in are refused, and how much the kernel's
	# socket buffer absorbs varies, so no fixed count is right.
	i=0
	while ! grep -q "not reading its output; session .* kept" \
	    "$(T Alpha.err)"; do
		i=$((i + 1))
		[ "$i" -le 400 ] || { cat "$(T Alpha.err)"; false; }
		gw_send Beta "{\"jsonrpc\":\"2.0\",\"id\":$((i + 10)),\"method\":\"tell\",\"params\":{\"target_mud\":\"Alpha\",\"target_user\":\"ann\",\"from_user\":\"bob\",\"message\":\"$i $big\"}}"
		[ $((i % 20)) -ne 0 ] || sleep 0.2
	done
	kill -0 "$GWD_PID_Alpha"
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
}
