#!/usr/bin/env bats
# i3gw.bats: the gateway: flags, config, stdio JSON-RPC, the router link
# and two MUDs talking through the test router.

load helpers
bats_require_minimum_version 1.5.0

teardown() {
	stop_all
}

TELL='{"target_mud":"Beta","target_user":"bob","from_user":"ann","visname":"Ann","message":"hello"}'

@test "-V prints the version; -n checks a config" {
	run -0 "$I3GW" -V
	[[ "$output" == "i3gw "* ]]
	ROUTER_PORT=4000 gw_conf Alpha
	run -0 "$I3GW" -n -f "$(T Alpha.conf)"
	[[ "$output" == *"configuration OK"* ]]
	run -0 "$I3GW" -n -v -f "$(T Alpha.conf)"
	[[ "$output" == *"name = Alpha"* ]]
	[[ "$output" == *"[router *test]"* ]]
}

@test "-n: errors name the file and line; environment overrides" {
	printf '[mud]\nname = Alpha\n[limits]\nrate = fast\n' > "$(T bad.conf)"
	run -1 "$I3GW" -n -f "$(T bad.conf)"
	[[ "$output" == *"bad.conf:4: bad value for rate: 'fast'"* ]]
	printf '[mud]\nname = Alpha\nbogus = 1\n' > "$(T bad2.conf)"
	run -1 "$I3GW" -n -f "$(T bad2.conf)"
	[[ "$output" == *"bad2.conf:3: unknown key 'bogus' in [mud]"* ]]
	printf '[mud]\nname = Alpha\n' > "$(T norouter.conf)"
	run -1 "$I3GW" -n -f "$(T norouter.conf)"
	[[ "$output" == *"no router"* ]]
	I3GW_ROUTER='*x:127.0.0.1:4000' I3GW_MUD_NAME=Gamma run -0 "$I3GW" -n -v \
	    -f "$(T norouter.conf)"
	[[ "$output" == *"name = Gamma"* ]]
	[[ "$output" == *"[router *x]"* ]]
	I3GW_MUD_NAME='*bad' run -1 "$I3GW" -n -f "$(T norouter.conf)"
}

@test "stdio: bad input gets JSON-RPC errors and the session goes on" {
	router_start
	gw_conf Alpha "max_line = 1k"
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_send Alpha 'this is not json'
	gw_wait Alpha '"code":-32700'
	gw_send Alpha '[1,2]'
	gw_send Alpha '42'
	gw_wait Alpha 'batches are not supported'
	gw_wait Alpha 'not an object'
	gw_call Alpha 1 nosuch
	[[ "$REPLY" == *'"code":-32601'* ]]
	gw_send Alpha '{"id":2,"method":"ping"}'
	gw_wait Alpha '"id":2,"error":\{"code":-32600'
	gw_send Alpha '{"jsonrpc":"2.0","id":3,"method":7}'
	gw_wait Alpha '"id":3,"error":\{"code":-32600'
	gw_send Alpha '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}'
	gw_wait Alpha '"id":null,"error":\{"code":-32600,"message":"invalid request: id'
	gw_call Alpha 4 tell '{"target_mud":"Beta","from_user":"ann","message":"x"}'
	[[ "$REPLY" == *'"code":-32602,"message":"missing parameter: target_user"'* ]]
	gw_call Alpha 5 tell '{"target_mud":"Beta","target_user":7,"from_user":"ann","message":"x"}'
	[[ "$REPLY" == *'"code":-32602,"message":"parameter target_user: a string is expected"'* ]]
	gw_call Alpha 6 tell '[1]'
	[[ "$REPLY" == *'"code":-32602'* ]]
	gw_call Alpha 7 mudlist '{"status":"sideways"}'
	[[ "$REPLY" == *'"code":-32602,"message":"parameter status'* ]]
	long=$(head -c 3000 /dev/zero | tr '\0' x)
	gw_send Alpha "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\",\"params\":{\"x\":\"$long\"}}"
	gw_wait Alpha 'request line too long'
	# A notification (no id) gets no answer, even when it fails.
	gw_send Alpha '{"jsonrpc":"2.0","method":"ping"}'
	gw_send Alpha '{"jsonrpc":"2.0","method":"nosuch"}'
	gw_call Alpha 9 ping
	[[ "$REPLY" == *'"result":{"pong":true'* ]]
	[ "$(gw_count Alpha '"pong"')" -eq 1 ]
	[ "$(gw_count Alpha 'nosuch')" -eq 1 ]
	# Every line answered: 12 error lines for 12 bad requests.
	[ "$(gw_count Alpha '"error":')" -eq 12 ]
	gw_stop Alpha
}

@test "EOF on stdin: shutdown sent to the router, exit 0, nothing on stdout but JSON" {
	router_start -l "$(T r.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_stop Alpha eof
	wait_for_line "$(T r.log)" '"packet":\["shutdown",5,"Alpha",0,"\*test",0,0\]'
	run -1 grep -vc '^{"jsonrpc":"2.0",' "$(T Alpha.out)"
	[ "$output" -eq 0 ]
	grep -q 'shutting down' "$(T Alpha.err)"
}

@test "SIGTERM: shutdown to the router, exit 0" {
	router_start -l "$(T r.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	kill -TERM "$GW_PID_Alpha"
	wait_for_line "$(T r.log)" '"packet":\["shutdown"'
	gw_stop Alpha eof
}

@test "the password of the first startup-reply is sent in the next startup-req-3" {
	router_start --state "$(T rs.json)" -l "$(T r1.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_stop Alpha
	router_stop
	pw=$(grep -A1 '"Alpha"' "$(T rs.json)" | grep -oE '"password": [0-9]+' |
	    grep -oE '[0-9]+$')
	[ -n "$pw" ]
	[ "$pw" -gt 0 ]
	grep -q '"packet":\["startup-req-3",5,"Alpha",0,"\*test",0,0,' "$(T r1.log)"
	# A new router process on a new port, the same state: the gateway
	# restarts and must present the password it was given.
	router_start --state "$(T rs.json)" -l "$(T r2.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	grep -q "\"packet\":\[\"startup-req-3\",5,\"Alpha\",0,\"\*test\",0,$pw," "$(T r2.log)"
	run -1 grep -q '"warning"' "$(T Alpha.err)"
	# The state directory and the database are owner-only.
	[ "$(stat -c %a "$(T Alpha.state)")" = 700 ]
	[ "$(stat -c %a "$(T Alpha.state)/i3gw.db")" = 600 ]
}

@test "two MUDs exchange tells, emotes, beeps and channel messages" {
	router_start -c chat
	gw_conf Alpha "rate = 0"
	gw_conf Beta "rate = 0"
	gw_start Alpha
	gw_start Beta
	gw_wait Alpha router_connected
	gw_wait Beta router_connected
	gw_wait Alpha '"mud_online","params":\{"mud":"Beta"'
	gw_call Alpha 1 channel_join '{"channel":"chat"}'
	[[ "$REPLY" == *'"joined":true,"known":true'* ]]
	gw_call Beta 1 channel_join '{"channel":"chat"}'

	gw_call Alpha 2 tell "$TELL"
	[[ "$REPLY" == *'"result":{"sent":true,"queued":false}'* ]]
	gw_wait Beta '"tell_received".*"originator_mud":"Alpha","originator_user":"ann","target_mud":"Beta","target_user":"bob","orig_visname":"Ann","message":"hello".*"text":"Ann@Alpha tells you: hello"'

	gw_call Beta 2 emoteto '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","visname":"Bob","message":"smiles at you."}'
	gw_wait Alpha '"emoteto_received".*"message":"\$N smiles at you.".*"text":"Bob@Beta smiles at you."'

	gw_call Alpha 3 beep '{"target_mud":"beta","target_user":"bob","from_user":"ann","visname":"Ann"}'
	gw_wait Beta '"beep_received".*"text":"Ann@Alpha beeps you."'

	gw_call Alpha 4 channel_send '{"channel":"chat","from_user":"ann","visname":"Ann","message":"hi all"}'
	gw_wait Beta '"channel_message".*"channel":"chat".*"text":"\[chat\] Ann@Alpha: hi all"'

	gw_call Beta 3 channel_emote '{"channel":"chat","from_user":"bob","visname":"Bob","message":"$N dances."}'
	gw_wait Alpha '"channel_emote".*"text":"\[chat\] Bob@Beta dances."'

	gw_call Alpha 5 channel_target '{"channel":"chat","from_user":"ann","visname":"Ann","target_mud":"Beta","target_user":"bob","target_visname":"Bob","message_others":"$N pokes $O.","message_target":"$N pokes you."}'
	gw_wait Beta '"channel_targeted".*"text":"\[chat\] Ann@Alpha pokes Bob@Beta.","text_target":"Ann@Alpha pokes you."'

	# Our own channel messages come back from the router: not delivered.
	gw_call Alpha 6 stats
	[[ "$REPLY" == *'"echoes_dropped":2'* ]]
	[ "$(gw_count Alpha '"channel_message"')" -eq 0 ]

	# Leaving: nothing more arrives.
	gw_call Beta 4 channel_leave '{"channel":"chat"}'
	[[ "$REPLY" == *'"was_joined":true'* ]]
	gw_call Alpha 7 channel_send '{"channel":"chat","from_user":"ann","message":"anyone?"}'
	gw_call Alpha 8 tell "$TELL"
	# The tell came after the message the router did not send Beta: in
	# order on one link, so the message would be here by now.
	gw_wait Beta '"tell_received".*"message":"hello"'
	[ "$(gw_count Beta '"channel_message"')" -eq 1 ]
}

@test "channel-listen 1 on join, re-sent after a reconnect, 0 when nobody listens" {
	router_start -c chat -l "$(T r.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_call Alpha 1 channel_join '{"channel":"chat"}'
	wait_for_line "$(T r.log)" '"channel-listen",5,"Alpha",0,"\*test",0,"chat",1\]'
	gw_call Alpha 2 reconnect
	[[ "$REPLY" == *'"reconnecting":true'* ]]
	wait_for_line "$(T r.log)" '"startup-req-3",5,"Alpha",0,"\*test",0,[1-9]'
	for i in $(seq 1 40); do
		[ "$(count_lines "$(T r.log)" '"chat",1\]')" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(count_lines "$(T r.log)" '"chat",1\]')" -eq 2 ]
	gw_call Alpha 3 channel_leave '{"channel":"chat"}'
	wait_for_line "$(T r.log)" '"channel-listen",5,"Alpha",0,"\*test",0,"chat",0\]'
}

@test "mudlist, mudinfo and channel_list from the caches; status" {
	router_start -c chat,gossip --fake-muds 20
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha '"chanlist_changed"'
	gw_call Alpha 1 mudlist
	[[ "$REPLY" == *'"count":21,'* ]]
	gw_call Alpha 2 mudlist '{"name":"fakemud01*"}'
	[[ "$REPLY" == *'"count":10,'* ]]
	gw_call Alpha 3 mudlist '{"status":"down"}'
	[[ "$REPLY" == *'"count":0,'* ]]
	gw_call Alpha 4 mudlist '{"service":"nosuch"}'
	[[ "$REPLY" == *'"count":0,'* ]]
	gw_call Alpha 5 mudinfo '{"mud":"alpha"}'
	[[ "$REPLY" == *'"name":"Alpha","up":true'* ]]
	gw_call Alpha 6 mudinfo '{"mud":"Nowhere"}'
	[[ "$REPLY" == *'"code":-32005'* ]]
	gw_call Alpha 7 channel_list
	[[ "$REPLY" == *'"count":2,'* ]]
	gw_call Alpha 8 status
	[[ "$REPLY" == *'"router_state":"ready","connected":true,"router":"*test"'* ]]
	[[ "$REPLY" == *'"muds":21,"muds_up":21,"channels":2'* ]]
	# The caches survive a restart (they are in the store).
	gw_stop Alpha
	router_stop
	ROUTER_PORT=1 gw_conf Alpha
	gw_start Alpha
	gw_call Alpha 9 mudlist
	[[ "$REPLY" == *'"count":21,'* ]]
}

@test "a tell to a MUD the mudlist shows down fails at once; unk-dst comes back to the request as send_failed" {
	router_start
	gw_conf Alpha
	gw_conf Beta
	gw_start Beta
	gw_wait Beta router_connected
	gw_start Alpha
	gw_wait Alpha '"mud_online","params":\{"mud":"Beta"'
	gw_stop Beta
	gw_wait Alpha '"mud_offline","params":\{"mud":"Beta"'
	gw_call Alpha 1 tell "$TELL"
	[[ "$REPLY" == *'"code":-32004,"message":"Beta is down'* ]]
	gw_call Alpha 2 tell '{"target_mud":"Nowhere","target_user":"x","from_user":"ann","message":"hi"}'
	# sent, or queued by the pacing right after the startup
	[[ "$REPLY" == *'"result":{"sent":'* ]]
	gw_wait Alpha '"send_failed".*"id":2,'
	REPLY=$(grep send_failed "$(T Alpha.out)")
	[[ "$REPLY" == *'"target":"x@Nowhere"'* ]]
	[[ "$REPLY" == *'"code":"unk-dst"'* ]]
	[[ "$REPLY" == *'"reason":"destination unknown"'* ]]
	run -1 grep -q error_received "$(T Alpha.out)"
}

@test "router killed and restarted: queued while down, delivered after the reconnect" {
	router_start -l "$(T r1.log)"
	port=$ROUTER_PORT
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	router_stop
	gw_wait Alpha router_disconnected
	gw_call Alpha 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"ann","message":"while down"}'
	[[ "$REPLY" == *'"result":{"sent":false,"queued":true}'* ]]
	gw_call Alpha 2 status
	[[ "$REPLY" == *'"queue":1'* ]]
	router_start -p "$port" -l "$(T r2.log)"
	gw_wait Alpha '"tell_received".*"message":"while down"' 10
	[ "$(gw_count Alpha router_connected)" -eq 2 ]
}

@test "queue full while the router is down: -32000, nothing silently dropped" {
	router_start
	gw_conf Alpha "queue = 3"
	gw_start Alpha
	gw_wait Alpha router_connected
	router_stop
	gw_wait Alpha router_disconnected
	for i in 1 2 3; do
		gw_call Alpha $i tell '{"target_mud":"Alpha","target_user":"x","from_user":"ann","message":"q"}'
		[[ "$REPLY" == *'"queued":true'* ]]
	done
	gw_call Alpha 4 tell '{"target_mud":"Alpha","target_user":"x","from_user":"ann","message":"q"}'
	[[ "$REPLY" == *'"code":-32000,"message":"router unavailable'* ]]
	[[ "$REPLY" == *'queue is full'* ]]
}

@test "a silent router (half-open link) is detected and the gateway reconnects" {
	router_start --silent-after 2 -l "$(T r.log)"
	gw_conf Alpha "idle_ping = 200ms" "dead_after = 800ms"
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_wait Alpha router_disconnected 5
	grep -q 'link dead' "$(T Alpha.err)"
	wait_for_line "$(T r.log)" '"auth-mud-req",5,"Alpha",0,"Alpha",0' 1 ||
	    [ "$(count_lines "$(T r.log)" '"event":"connect"')" -ge 2 ]
	wait_for_line "$(T r.log)" '"event":"connect"' 1
	for i in $(seq 1 60); do
		[ "$(count_lines "$(T r.log)" '"event":"connect"')" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(count_lines "$(T r.log)" '"event":"connect"')" -ge 2 ]
}

# keepalives N: the router has N of Alpha's auth-mud-req to itself.
keepalives() {
	[ "$(count_lines "$(T r.log)" '"auth-mud-req",5,"Alpha",0,"Alpha",0')" -ge "$1" ]
}

@test "keepalive: an idle link sends auth-mud-req to its own MUD and stays up" {
	router_start -l "$(T r.log)"
	gw_conf Alpha "idle_ping = 200ms" "dead_after = 2s"
	gw_start Alpha
	gw_wait Alpha router_connected
	# 15 of them: 3 s, past dead_after, with the link up all along
	wait_until 10 "15 keepalives" keepalives 15
	[ "$(gw_count Alpha router_disconnected)" -eq 0 ]
	[ "$(count_lines "$(T r.log)" '"event":"(connect|disconnect|drop)"')" -eq 1 ]
}

@test "after tells the link goes quiet: the probe that follows a burst is answered once, not for ever" {
	router_start -l "$(T r.log)"
	gwd_conf Alpha
	gwd_start Alpha
	gwd_ready Alpha
	# Tells to ourselves, through the router and back (nobody here
	# takes them: refused, exit 1; the first refusal, paced behind the
	# startup, can take more than tell's default 1 s wait under load).
	for i in 1 2 3; do
		run -1 "$I3_TOP/bin/i3ctl" -S "$(T Alpha.sock)" tell -w 5 \
		    -a bob ann@Alpha "hi $i"
		[[ "$output" == *'refused by Alpha: unk-user'* ]]
	done
	wait_for_line "$(T r.log)" '"auth-mud-reply",5,"Alpha",0,"Alpha",0' 5
	sleep 1.5
	n=$(grep -c '"auth-mud-req"' "$(T r.log)")
	# Its own auth-mud-reply used to count as traffic a probe must
	# confirm: a probe every second, answered, probed again...
	sleep 3
	echo "auth-mud-req: $n, then $(grep -c '"auth-mud-req"' "$(T r.log)")"
	[ "$(grep -c '"auth-mud-req"' "$(T r.log)")" -eq "$n" ]
}

@test "redirect: a startup-reply naming another router first is followed" {
	router_start -n '*b' -l "$(T b.log)"
	bport=$ROUTER_PORT
	router_start --redirect "*b:$bport" -l "$(T a.log)"
	# *b is not in the config: followed only when the config allows it.
	gw_conf Alpha "learn_routers = yes"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*b",'
	grep -q '"startup-req-3",5,"Alpha",0,"\*test"' "$(T a.log)"
	grep -q '"startup-req-3",5,"Alpha",0,"\*b"' "$(T b.log)"
	gw_call Alpha 1 status
	[[ "$REPLY" == *'"router":"*b"'* ]]
	# The learned router is remembered for the next start.
	gw_stop Alpha
	router_stop_all
	router_start -n '*b' -p "$bport"
	gw_conf Alpha "learn_routers = yes"
	sed -i 's/^port = .*/port = 1/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*b",' 10
}

@test "failover: the first router is down, the second is used" {
	router_start -n '*two' -l "$(T two.log)"
	gw_conf Alpha "[router *two]" "host = 127.0.0.1" "port = $ROUTER_PORT"
	sed -i '0,/^port = .*/s//port = 1/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*two",' 5
	grep -q '"startup-req-3",5,"Alpha",0,"\*two"' "$(T two.log)"
}

@test "pacing: a burst of 1000 tells, none lost, at most rate a second" {
	router_start --discard -l "$(T r.log)"
	gw_conf Alpha "rate = 250" "queue = 2000"
	gw_start Alpha
	gw_wait Alpha router_connected
	for i in $(seq 1 1000); do
		printf '{"jsonrpc":"2.0","id":%d,"method":"tell","params":{"target_mud":"Alpha","target_user":"bob","from_user":"ann","message":"m%d"}}\n' "$i" "$i"
	done > "$(T burst)"
	gw_send Alpha "$(cat "$(T burst)")"
	gw_wait Alpha '"id":1000,"result"' 10
	[ "$(gw_count Alpha '"result":\{"sent"')" -eq 1000 ]
	for i in $(seq 1 200); do
		[ "$(count_lines "$(T r.log)" '"packet":\["tell"')" -ge 1000 ] && break
		sleep 0.05
	done
	[ "$(count_lines "$(T r.log)" '"packet":\["tell"')" -eq 1000 ]
	grep -q '"m1000"' "$(T r.log)"
}

@test "pacing: the DS flood limit is never hit at the default rate" {
	router_start --ds-limits -l "$(T r.log)"
	gw_conf Alpha
	sed -i 's/^connect_spacing = no/connect_spacing = yes/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha router_connected
	for i in $(seq 1 25); do
		gw_send Alpha "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tell\",\"params\":{\"target_mud\":\"Alpha\",\"target_user\":\"bob\",\"from_user\":\"ann\",\"message\":\"n$i\"}}"
	done
	gw_wait Alpha '"tell_received".*"message":"n25"' 20
	[ "$(gw_count Alpha '"tell_received"')" -eq 25 ]
	run -1 grep -q 'Flood' "$(T Alpha.err)"
}

@test "SIGHUP rereads the config" {
	router_start
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	kill -HUP "$GW_PID_Alpha"
	wait_for_line "$(T Alpha.err)" 'SIGHUP: .*reloaded'
	gw_call Alpha 1 ping
	[[ "$REPLY" == *'"pong":true'* ]]
}

@test "i3gw --help: stdout, exit 0, every option described, and i3gw(8) agrees both ways" {
	run python3 "$I3_TOP/tests/helpers/optcheck.py" --flat "$I3GW" "$I3_TOP/docs/i3gw.8"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run -0 --separate-stderr "$I3GW" doctor --help
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "usage: i3gw doctor [--json] [-f file] [--state-dir dir] [-t duration]" ]
	run -1 --separate-stderr "$I3GW" --bogus
	[ "$output" = "" ]
}
