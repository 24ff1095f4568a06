#!/usr/bin/env bats
# gw-ws.bats: WebSocket clients on i3gw's HTTP listener, driven by clients
# nobody here wrote: Python's websockets (tests/helpers/wsc.py), Node's ws
# (tests/helpers/wsnode.js), aiohttp as the Python gateway's client library
# uses it (tests/helpers/wsaio.py), and a rule-breaking peer on a plain
# socket (tests/helpers/wsraw.py): keys, methods, events, fragments,
# limits, pings, close codes.

bats_require_minimum_version 1.5.0

load helpers

WSC=/usr/bin/python3
NODE_PATH=/usr/share/nodejs
export NODE_PATH

teardown() {
	gwd_stop_all
	gw_stop_all
	router_stop_all
}

wsc() {
	"$WSC" "$I3_TOP/tests/helpers/wsc.py" "$@"
}

wsnode() {
	node "$I3_TOP/tests/helpers/wsnode.js" "$@"
}

wsaio() {
	"$WSC" "$I3_TOP/tests/helpers/wsaio.py" "$@"
}

wsraw() {
	"$WSC" "$I3_TOP/tests/helpers/wsraw.py" "$@"
}

# ws_clients_wait N: until the gateway counts N WebSocket clients (15 s,
# a loaded machine; then a failure).
ws_clients_wait() {
	local i
	for i in $(seq 1 150); do
		curl -s "http://127.0.0.1:$HPORT/metrics" |
		    grep -qx "i3gw_clients{transport=\"ws\"} $1" && return 0
		sleep 0.1
	done
	echo "never $1 WebSocket clients" >&2
	return 1
}

# start_ws [API LINES...]: a router, gateway Alpha with http and key "bot".
start_ws() {
	router_start
	newkey bot
	gwd_conf Alpha "http = 127.0.0.1:0" "auth_delay = 50ms" "$@" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	[ -n "$HPORT" ]
	URL="ws://127.0.0.1:$HPORT/ws"
}

# beta_listed: Alpha's mudlist has Beta (asked over its Unix socket).
beta_listed() {
	"$I3_TOP/bin/i3ctl" -S "$(T Alpha.sock)" mudlist -r 2>/dev/null |
	    grep -qx Beta
}

# start_pair [API LINES...]: a router, Beta (the MUD's stdio gateway) and
# Alpha (a daemon with http and key "bot"), each seeing the other.
start_pair() {
	router_start
	newkey bot
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gwd_conf Alpha "http = 127.0.0.1:0" "$@" "$(cat "$(T bot.key)")"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	wait_until 10 "Beta in Alpha's mudlist" beta_listed
}

@test "ws: a key in X-API-Key on the upgrade; requests with string ids, as the Python client sends them" {
	start_ws
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --header \
	    "X-MUD-Name: Alpha" --count 2 \
	    '{"jsonrpc": "2.0", "id": "Alpha-1-0a1b2c3d", "method": "ping", "params": {}}' \
	    '{"jsonrpc": "2.0", "id": "Alpha-2-0a1b2c3e", "method": "mudlist", "params": {"refresh": false}}'
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"Alpha-1-0a1b2c3d","result":{"pong":true,'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":"Alpha-2-0a1b2c3e","result":{"count":'*'"muds":'* ]]
	# Bearer works too, and on / as well as /ws.
	run -0 wsc "ws://127.0.0.1:$HPORT/" --header "Authorization: Bearer $KEY_bot" \
	    --count 1 "$(rq 1 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":1,"result":{"pong":true,'* ]]
	grep -q 'i3gw_http_requests_total{path="/ws"} 2' <(curl -s "http://127.0.0.1:$HPORT/metrics")
	# libmicrohttpd's own logger never speaks: ours is its first option.
	run -1 grep -q "EXTERNAL_LOGGER" "$(T Alpha.err)"
}

@test "ws: no key: only authenticate first; a wrong key on the upgrade is 401" {
	start_ws
	run -0 wsc "$URL" --count 3 "$(rq 1 ping)" \
	    "$(rq 2 authenticate "{\"key\":\"$KEY_bot\"}")" "$(rq 3 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":1,"error":{"code":-32007,'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":2,"result":{"authenticated":true,'* ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":3,"result":{"pong":true,'* ]]
	run -0 wsc "$URL" --header "X-API-Key: i3k_wrong" --count 1 "$(rq 1 ping)"
	[ "$output" = "status 401" ]
	run -0 wsnode "$URL" --header "X-API-Key: i3k_wrong"
	[ "$output" = "status 401" ]
	grep -q 'websocket: bad key on the upgrade' "$(T Alpha.err)"
}

@test "ws: bad handshakes are refused with a status" {
	start_ws
	local h=(-s -m 5 -o /dev/null -w '%{http_code}')
	# No key, a short key, version 8, POST, no Connection: Upgrade.
	run -0 curl "${h[@]}" -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	    -H 'Sec-WebSocket-Version: 13' "http://127.0.0.1:$HPORT/ws"
	[ "$output" = 400 ]
	run -0 curl "${h[@]}" -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	    -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: c2hvcnQ=' \
	    "http://127.0.0.1:$HPORT/ws"
	[ "$output" = 400 ]
	run -0 curl "${h[@]}" -H 'Upgrade: websocket' -H 'Connection: Upgrade' \
	    -H 'Sec-WebSocket-Version: 8' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	    "http://127.0.0.1:$HPORT/ws"
	[ "$output" = 426 ]
	run -0 curl "${h[@]}" -X POST -d x "http://127.0.0.1:$HPORT/ws"
	[ "$output" = 405 ]
	run -0 curl "${h[@]}" -H 'Sec-WebSocket-Version: 13' \
	    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
	    "http://127.0.0.1:$HPORT/ws"
	[ "$output" = 400 ]
	curl -s "http://127.0.0.1:$HPORT/metrics" | grep -qx 'i3gw_websocket_refused_total 5'
	# The gateway still serves after all that.
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --count 1 "$(rq 9 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":9,"result":{"pong":true,'* ]]
}

@test "ws: a fragmented message is one request; oversized 1009, binary 1003, unmasked 1002, bad UTF-8 1007" {
	start_ws "ws_max_message = 4096"
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --fragment --count 1 \
	    '{"jsonrpc":"2.0","id":"frag","method":"ping","params":{}}'
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"frag","result":{"pong":true,'* ]]
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --big 5000 --count 1
	[ "${lines[0]}" = "close 1009 " ]
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --binary --count 1 "$(rq 1 ping)"
	[ "${lines[0]}" = "close 1003 binary frames are not accepted: send JSON-RPC as text" ]
	run -0 wsraw 127.0.0.1 "$HPORT" unmasked
	[ "$output" = "close 1002" ]
	run -0 wsraw 127.0.0.1 "$HPORT" badutf8
	[ "$output" = "close 1007" ]
	# Not JSON: a JSON-RPC parse error, the connection stays.
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --count 2 'nonsense' "$(rq 2 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":2,"result":{"pong":true,'* ]]
	curl -s "http://127.0.0.1:$HPORT/metrics" | grep -qx 'i3gw_clients{transport="ws"} 0'
}

@test "ws: an idle peer is pinged; one that answers stays, one that does not is dropped" {
	start_ws "ws_ping = 300ms" "ws_timeout = 400ms"
	run -0 wsraw 127.0.0.1 "$HPORT" nopong
	[ "${lines[0]}" = "ping" ]
	[[ "${lines[-1]}" == "eof after "* ]]
	grep -q 'no answer to a ping in 400 ms: dropped' "$(T Alpha.err)"
	# websockets answers pings by itself: still there after 2 s.
	run -0 wsc "$URL" --header "X-API-Key: $KEY_bot" --count 1 sleep:2 "$(rq 5 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":5,"result":{"pong":true,'* ]]
}

@test "ws: events from another gateway through the router: a tell, a channel message" {
	start_pair
	wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
	    --count 3 --timeout 10 \
	    '{"jsonrpc":"2.0","id":"j","method":"channel_join","params":{"channel":"dchat","listen_only":false}}' \
	    > "$(T ws.out)" &
	local wpid=$!
	wait_for_line "$(T ws.out)" '"id":"j","result"' 5
	gw_call Beta 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"hello over ws"}'
	[[ "$REPLY" == *'"result":{"sent":true,"queued":false}}' ]]
	gw_call Beta 2 channel_join '{"channel":"dchat"}'
	gw_call Beta 3 channel_send '{"channel":"dchat","from_user":"bob","message":"to the channel"}'
	wait "$wpid" || { cat "$(T ws.out)" >&2; false; }
	grep -q '"method":"tell_received","params":{.*"message":"hello over ws"' "$(T ws.out)"
	grep -q '"method":"channel_message","params":{.*"channel":"dchat".*"message":"to the channel"' "$(T ws.out)"
}

@test "ws: Node's ws: methods (status and stats with a key without admin, as the Python gateway allows), then the gateway's shutdown closes with 1001" {
	start_ws
	# The key has tell, channel and info: status and the plain stats are
	# any key's; detailed stats and the gateway's own counters are admin's.
	run -0 wsnode "$URL" --header "X-API-Key: $KEY_bot" --header "X-MUD-Name: Alpha" \
	    --count 4 \
	    '{"jsonrpc":"2.0","id":"Alpha-1-k2j3h4g5","method":"status","params":{}}' \
	    '{"jsonrpc":"2.0","id":"Alpha-2-k2j3h4g6","method":"channel_list","params":{}}' \
	    '{"jsonrpc":"2.0","id":"Alpha-3-k2j3h4g7","method":"stats","params":{}}' \
	    '{"jsonrpc":"2.0","id":"Alpha-4-k2j3h4g8","method":"stats","params":{"detailed":true}}'
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"Alpha-1-k2j3h4g5","result":{"mud":"Alpha","router_state":"ready","connected":true,'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":"Alpha-2-k2j3h4g6","result":{'*'"channels":'* ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":"Alpha-3-k2j3h4g7","result":{"connected":true,"uptime":'*'"client":{"requests":'* ]]
	[[ "${lines[2]}" != *'"sessions'* && "${lines[2]}" != *'"rss_kb"'* ]]
	[ "${lines[3]}" = '{"jsonrpc":"2.0","id":"Alpha-4-k2j3h4g8","error":{"code":-32008,"message":"forbidden: detailed stats need the admin permission"}}' ]
	# With admin, every counter.
	sed -i 's/^permissions = .*/permissions = tell, channel, info, admin/' \
	    "$(T Alpha.conf)"
	gwd_stop Alpha
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	URL="ws://127.0.0.1:$HPORT/ws"
	run -0 wsnode "$URL" --header "X-API-Key: $KEY_bot" --count 1 \
	    '{"jsonrpc":"2.0","id":"s","method":"stats","params":{"detailed":true}}'
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"s","result":{'*'"frames_out":'*'"rss_kb":'* ]]
	wsnode "$URL" --header "X-API-Key: $KEY_bot" --count 5 --timeout 10 \
	    > "$(T node.out)" &
	local npid=$!
	ws_clients_wait 1
	gwd_stop Alpha
	wait "$npid"
	# router_disconnected (every event, unasked), then the close.
	grep -q '"method":"router_disconnected"' "$(T node.out)"
	[ "$(tail -1 "$(T node.out)")" = "close 1001" ]
}

@test "compat: authenticate {api_key} answers status and mud_name; welcome first on TCP with welcome = yes" {
	start_ws "tcp = 127.0.0.1:0" "welcome = yes"
	run -0 wsc "$URL" --count 1 \
	    "{\"jsonrpc\":\"2.0\",\"id\":\"a1\",\"method\":\"authenticate\",\"params\":{\"api_key\":\"$KEY_bot\"}}"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"a1","result":{"authenticated":true,'*'"status":"authenticated","mud_name":"Alpha"}}' ]]
	tport=$(gwd_tcp_port Alpha tcp)
	run -0 gwc "tcp:127.0.0.1:$tport" --events 1 \
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"authenticate\",\"params\":{\"api_key\":\"$KEY_bot\"}}"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","method":"welcome","params":{"service":"i3gw",'*'"authentication":"required","mud_name":"Alpha"}}' ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":1,"result":{"authenticated":true,'*'"status":"authenticated","mud_name":"Alpha"}}' ]]
	# No welcome on the Unix socket, nor on TCP without welcome = yes.
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":1,"result":{"pong":true,'* ]]
}

@test "compat: tell and channel_send without from_user come from default_user; mudlist {refresh, filter}" {
	# Alpha unpaced: its sends go out at once, whenever they come.
	start_pair "default_user = gatekeeper" "[limits]" "rate = 0"
	gw_call Beta 1 channel_join '{"channel":"dchat"}'
	run -0 wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" --count 5 \
	    '{"jsonrpc":"2.0","id":"t","method":"tell","params":{"target_mud":"Beta","target_user":"bob","message":"no sender given"}}' \
	    '{"jsonrpc":"2.0","id":"j","method":"channel_join","params":{"channel":"dchat","listen_only":false}}' \
	    '{"jsonrpc":"2.0","id":"c","method":"channel_send","params":{"channel":"dchat","message":"nor here"}}' \
	    '{"jsonrpc":"2.0","id":"m","method":"mudlist","params":{"refresh":true,"filter":{"status":"up","has_service":"tell"}}}' \
	    '{"jsonrpc":"2.0","id":"n","method":"mudlist","params":{"refresh":false,"filter":{"driver":"no such driver"}}}'
	[ "${lines[0]}" = '{"jsonrpc":"2.0","id":"t","result":{"sent":true,"queued":false}}' ]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":"j","result":{'*'"joined":true'* ]]
	[ "${lines[2]}" = '{"jsonrpc":"2.0","id":"c","result":{"sent":true,"queued":false}}' ]
	[[ "${lines[3]}" == '{"jsonrpc":"2.0","id":"m","result":{"count":2,'*'"name":"Beta"'* ]]
	[ "${lines[4]}" = '{"jsonrpc":"2.0","id":"n","result":{"count":0,"muds":[]}}' ]
	gw_wait Beta '"tell_received","params":\{[^}]*"originator_user":"gatekeeper"[^}]*"message":"no sender given"' 5
	gw_wait Beta '"channel_message","params":\{[^}]*"originator_user":"gatekeeper"[^}]*"message":"nor here"' 5
}

@test "compat: a client that came with X-API-Key also hears error_occurred and gateway_reconnected; one with Bearer only our names" {
	# The router answers the startup, waits for a tell, then another MUD
	# (not the tell's target: no refusal of it) sends its user an error.
	cat > "$(T s.txt)" <<'EOF'
expect startup-req-3
send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]
send ["mudlist",5,"*test",0,"%MUD",0,7,{"Beta":[-1,"127.0.0.1",0,0,0,"x","x","x","LP","open","a@b",{"tell":1},0]}]
await tell
send ["error",5,"Gamma",0,"%MUD","ann","unk-user","ann is not here",0]
EOF
	router_start -s "$(T s.txt)"
	newkey bot
	sed -i 's/^permissions = .*/&, admin/' "$(T bot.key)"
	# Unpaced, and with the mudlist in (sends wait for one after the
	# startup): the tell goes out at once.
	gwd_conf Alpha "http = 127.0.0.1:0" "$(cat "$(T bot.key)")" \
	    "[limits]" "rate = 0"
	gwd_start Alpha
	wait_until 10 "Beta in Alpha's mudlist" beta_listed
	HPORT=$(gwd_tcp_port Alpha http)
	run -0 wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
	    --header "X-MUD-Name: Alpha" --count 3 --timeout 10 \
	    '{"jsonrpc": "2.0", "id": "Alpha-1-0a1b2c3d", "method": "tell", "params": {"target_mud": "Beta", "target_user": "bob", "message": "hi", "from_user": "ann"}}'
	[ "${lines[0]}" = '{"jsonrpc":"2.0","id":"Alpha-1-0a1b2c3d","result":{"sent":true,"queued":false}}' ]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","method":"error_received","params":{'*'"error_code":"unk-user"'* ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","method":"error_occurred","params":{"error_code":"unk-user","error_message":"ann is not here","from_mud":"Gamma","to_mud":"Alpha","to_user":"ann","context":"i3_packet_error","timestamp":"'* ]]
	# A reconnect (the scripted router answers the new startup too): both
	# names for a client of the Python kind, ours alone for a Bearer one.
	# The Bearer client waits for more than it gets, to hear all there is.
	wsc "ws://127.0.0.1:$HPORT/ws" --header "Authorization: Bearer $KEY_bot" \
	    --count 9 --timeout 6 "$(rq 1 ping)" > "$(T ours.out)" &
	local opid=$!
	wait_for_line "$(T ours.out)" '"id":1,"result":\{"pong":true'
	run -0 wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
	    --count 4 --timeout 10 \
	    '{"jsonrpc": "2.0", "id": "Alpha-2-0a1b2c3e", "method": "reconnect", "params": {}}'
	# router_reconnect() drops the link (the event) before the answer.
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","method":"router_disconnected","params":{'* ]]
	[ "${lines[1]}" = '{"jsonrpc":"2.0","id":"Alpha-2-0a1b2c3e","result":{"reconnecting":true}}' ]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","method":"router_connected","params":{'* ]]
	[[ "${lines[3]}" == '{"jsonrpc":"2.0","method":"gateway_reconnected","params":{"message":"Gateway reconnected to I3 router","status":"connected","router":"*test","timestamp":"'* ]]
	reap "$opid" 2
	run -0 cat "$(T ours.out)"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","method":"router_disconnected","params":{'* ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","method":"router_connected","params":{'* ]]
}

@test "compat: aiohttp, the Python client library's stack, connects as it does: tell, channel_join, channel_send, who, mudlist, status; events from Beta" {
	# Alpha unpaced: its tell and channel_send go out at once.
	start_pair "[limits]" "rate = 0"
	wsaio "ws://127.0.0.1:$HPORT/ws" --key "$KEY_bot" --mud Alpha \
	    --count 8 --timeout 15 \
	    'channel_join={"channel": "dchat", "listen_only": false}' \
	    'tell={"target_mud": "Beta", "target_user": "bob", "message": "hi from aiohttp", "from_user": "ann"}' \
	    'channel_send={"channel": "dchat", "message": "aiohttp on dchat", "from_user": "ann"}' \
	    'who={"target_mud": "Beta"}' \
	    'mudlist={"refresh": false}' \
	    'status={}' > "$(T aio.out)" &
	local apid=$!
	wait_for_line "$(T aio.out)" '"id":"Alpha-6-[0-9a-f]*","result"' 15
	gw_wait Beta '"tell_received","params":\{[^}]*"originator_user":"ann"[^}]*"message":"hi from aiohttp"' 5
	gw_call Beta 1 channel_join '{"channel":"dchat"}'
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"back to aiohttp"}'
	gw_call Beta 3 channel_send '{"channel":"dchat","from_user":"bob","message":"to aiohttp on dchat"}'
	wait "$apid" || { cat "$(T aio.out)" >&2; false; }
	run -0 cat "$(T aio.out)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":"Alpha-1-'????????'","result":{'*'"joined":true'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":"Alpha-2-'????????'","result":{"sent":true,"queued":false}}' ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":"Alpha-3-'????????'","result":{"sent":true,"queued":false}}' ]]
	[[ "$output" == *'"id":"Alpha-4-'????????'","result":{'*'"users":['* ]]
	[[ "$output" == *'"id":"Alpha-5-'????????'","result":{"count":'*'"name":"Beta"'* ]]
	[[ "$output" == *'"id":"Alpha-6-'????????'","result":{"mud":"Alpha","router_state":"ready","connected":true,'* ]]
	[[ "$output" == *'"method":"tell_received","params":{'*'"message":"back to aiohttp"'* ]]
	[[ "$output" == *'"method":"channel_message","params":{'*'"originator_user":"bob"'*'"message":"to aiohttp on dchat"'* ]]
}

# Found by running the Python gateway's client libraries themselves,
# unchanged, against i3gw (docs/API.md, "The Python gateway's clients"):
# their finger and locate name the user target_user, their channel_who
# names no MUD, and their event handlers read their field names.
@test "compat: their Python library's calls: finger and locate {target_user}, channel_who {channel}, status mud_name, mudlist status" {
	start_pair
	gw_call Beta 1 presence_set '{"users":[{"name":"bob","title":"the tester"}]}'
	run wsaio "ws://127.0.0.1:$HPORT/ws" --key "$KEY_bot" --mud Alpha \
	    --count 5 --timeout 15 \
	    'finger={"target_mud": "Beta", "target_user": "bob"}' \
	    'locate={"target_user": "bob"}' \
	    'channel_who={"channel": "dchat"}' \
	    'status={}' \
	    'mudlist={"refresh": false, "filter": {"status": "online"}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"id":"Alpha-1-'????????'","result":{"mud":"Beta","user":"bob","visname":"bob","title":"the tester",'* ]]
	[[ "$output" == *'"id":"Alpha-2-'????????'","result":{"user":"bob","count":1,"found":[{"mud":"Beta","visname":"bob",'*'"locations":[{"mud":"Beta","visname":"bob",'* ]]
	[[ "$output" == *'"id":"Alpha-3-'????????'","result":{"mud":"Alpha","channel":"dchat","count":0,"users":[],'* ]]
	[[ "$output" == *'"id":"Alpha-4-'????????'","result":{"mud":"Alpha",'*',"mud_name":"Alpha"}}'* ]]
	[[ "$output" == *'"id":"Alpha-5-'????????'","result":{"count":2,"muds":[{'*'"name":"'*'","up":true,"status":"up"},{'*'"up":true,"status":"up"}]}}'* ]]
}

@test "compat: their JavaScript library's events: their field names beside ours to an X-API-Key client, seq last; a Bearer client gets ours only" {
	start_pair
	wsnode "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
	    --header "X-MUD-Name: Alpha" --count 5 --timeout 15 \
	    '{"jsonrpc":"2.0","id":"Alpha-1-k2j3h4g5","method":"channel_join","params":{"channel":"dchat","listen_only":false}}' \
	    > "$(T theirs.out)" &
	local tpid=$!
	wsnode "ws://127.0.0.1:$HPORT/ws" --header "Authorization: Bearer $KEY_bot" \
	    --count 4 --timeout 15 > "$(T ours.out)" &
	local opid=$!
	wait_for_line "$(T theirs.out)" '"id":"Alpha-1-k2j3h4g5","result"' 10
	ws_clients_wait 2
	gw_call Beta 1 channel_join '{"channel":"dchat"}'
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"to their handler"}'
	gw_call Beta 3 channel_send '{"channel":"dchat","from_user":"bob","message":"their channel handler"}'
	gw_call Beta 4 reconnect
	wait "$tpid" || { cat "$(T theirs.out)" >&2; false; }
	wait "$opid" || { cat "$(T ours.out)" >&2; false; }
	run -0 cat "$(T theirs.out)"
	[[ "$output" =~ '{"jsonrpc":"2.0","method":"tell_received","params":{"type":"tell","ttl":5,"originator_mud":"Beta","originator_user":"bob","target_mud":"Alpha","target_user":"ann","orig_visname":"bob","message":"to their handler",'[^$'\n']*',"from_mud":"Beta","from_user":"bob","to_mud":"Alpha","to_user":"ann","visname":"bob","seq":1}}' ]]
	[[ "$output" =~ '{"jsonrpc":"2.0","method":"channel_message","params":{"type":"channel-m",'[^$'\n']*'"message":"their channel handler",'[^$'\n']*',"from_mud":"Beta","from_user":"bob","seq":2}}' ]]
	[[ "$output" =~ '{"jsonrpc":"2.0","method":"mud_offline","params":{"mud":"Beta",'[^$'\n']*',"mud_name":"Beta","status":"offline","seq":3}}' ]]
	[[ "$output" =~ '{"jsonrpc":"2.0","method":"mud_online","params":{"mud":"Beta",'[^$'\n']*',"mud_name":"Beta","status":"online","seq":4}}' ]]
	# Ours: the same events without their names.
	run -0 cat "$(T ours.out)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","method":"tell_received","params":{'*'"seq":1}}' ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","method":"channel_message","params":{'*'"seq":2}}' ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","method":"mud_offline","params":{'*'"seq":3}}' ]]
	[[ "$output" != *'"from_mud"'* && "$output" != *'"mud_name"'* ]]
}

@test "compat: their CircleMUD client over TCP, its exact lines (json-c's spacing): welcome, authenticate {api_key}, tell, channel_send, heartbeat" {
	start_pair "tcp = 127.0.0.1:0" "welcome = yes"
	local tport
	tport=$(gwd_tcp_port Alpha tcp)
	run gwc "tcp:127.0.0.1:$tport" --events 1 \
	    "{ \"jsonrpc\": \"2.0\", \"method\": \"authenticate\", \"id\": 1, \"params\": { \"api_key\": \"$KEY_bot\" } }" \
	    '{ "jsonrpc": "2.0", "method": "tell", "id": 4, "params": { "from_user": "ann", "target_mud": "Beta", "target_user": "bob", "message": "from their circlemud client" } }' \
	    '{ "jsonrpc": "2.0", "method": "channel_send", "id": 5, "params": { "channel": "dchat", "from_user": "ann", "message": "their circlemud client on dchat" } }' \
	    '{ "jsonrpc": "2.0", "method": "heartbeat", "id": 6 }'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","method":"welcome","params":{"service":"i3gw","version":"'* ]]
	[[ "${lines[1]}" == '{"jsonrpc":"2.0","id":1,"result":{"authenticated":true,'*'"status":"authenticated","mud_name":"Alpha"}}' ]]
	[[ "${lines[2]}" == '{"jsonrpc":"2.0","id":4,"result":{"sent":'* ]]
	[[ "${lines[3]}" == '{"jsonrpc":"2.0","id":5,"result":{"sent":'* ]]
	[[ "${lines[4]}" =~ ^'{"jsonrpc":"2.0","id":6,"result":{"status":"ok","timestamp":"'[0-9T:.-]+'Z"}}'$ ]]
	gw_wait Beta '"tell_received","params":\{[^}]*"originator_user":"ann"[^}]*"message":"from their circlemud client"' 5
}

@test "ws: the flood limit holds a sender's 4th message back and says so (the bench's stall after 10: flood_count's default)" {
	# The WebSocket bench stopped at its 11th message from one user: the
	# gateway's flood limit (flood_count 10 a window), not a lost message:
	# past the limit messages are counted and reported as one
	# channel_suppressed when the window ends.
	start_pair "[moderation]" "flood_count = 3" "flood_window = 2s"
	wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
	    --count 5 --timeout 15 \
	    '{"jsonrpc":"2.0","id":"j","method":"channel_join","params":{"channel":"dchat"}}' \
	    > "$(T ws.out)" &
	local wpid=$! i
	wait_for_line "$(T ws.out)" '"id":"j","result"' 10
	gw_call Beta 1 channel_join '{"channel":"dchat"}'
	for i in 1 2 3 4 5; do
		gw_call Beta $((i + 1)) channel_send "{\"channel\":\"dchat\",\"from_user\":\"bob\",\"message\":\"m$i\"}"
		[[ "$REPLY" == *'"result":{"sent":true,"queued":false}}' ]]
	done
	wait "$wpid" || { cat "$(T ws.out)" >&2; false; }
	run -0 cat "$(T ws.out)"
	[[ "${lines[1]}" == *'"method":"channel_message"'*'"message":"m1"'* ]]
	[[ "${lines[2]}" == *'"method":"channel_message"'*'"message":"m2"'* ]]
	[[ "${lines[3]}" == *'"method":"channel_message"'*'"message":"m3"'* ]]
	[[ "${lines[4]}" == '{"jsonrpc":"2.0","method":"channel_suppressed","params":{"channel":"dchat","user":"bob","mud":"Beta","count":2,'* ]]
}

@test "ws: a peer that reads slowly: writes that went part way go on from the buffer, every frame whole and in order" {
	router_start
	newkey bot
	printf 'rate = 0\nmethod_rate = 0\n' >> "$(T bot.key)"
	# The router link paced at 1 a second: every send is queued.
	gwd_conf Alpha "http = 127.0.0.1:0" "rate = 0" "method_rate = 0" \
	    "$(cat "$(T bot.key)")" "[limits]" "rate = 1"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	# 200 messages of 16 kB: 3.2 MB to a peer with a 4 kB receive buffer
	# that reads nothing for 3 s, so most of it waits in the gateway.
	wsraw 127.0.0.1 "$HPORT" slowread "$KEY_bot" 200 3 > "$(T slow.out)" &
	local spid=$! i k pad msgs
	wait_for_line "$(T slow.out)" ready 5
	pad=$(printf '%016000d' 0)
	for k in 0 1 2 3; do
		msgs=()
		for i in $(seq $((k * 50 + 1)) $((k * 50 + 50))); do
			msgs+=("{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"channel_send\",\"params\":{\"channel\":\"dchat\",\"from_user\":\"ann\",\"message\":\"m$i $pad\"}}")
		done
		run -0 wsc "ws://127.0.0.1:$HPORT/ws" --header "X-API-Key: $KEY_bot" \
		    --count 50 --timeout 15 "${msgs[@]}"
		[ "${lines[49]}" = '{"jsonrpc":"2.0","id":'$((k * 50 + 50))',"result":{"sent":false,"queued":true}}' ]
	done
	wait "$spid" || { cat "$(T slow.out)" >&2; false; }
	[ "$(tail -1 "$(T slow.out)")" = "200 in order" ]
}

@test "i3ctl --url ws://: commands, and listen for events through the WebSocket" {
	start_pair
	local ctl="$I3_TOP/bin/i3ctl"
	export I3_API_KEY="$KEY_bot"
	run -0 "$ctl" --url "ws://127.0.0.1:$HPORT" --json ping
	[[ "$output" == *'"pong":true'* ]]
	run -0 "$ctl" --url "ws://127.0.0.1:$HPORT/ws" --json mudlist
	[[ "$output" == *'"name":"Beta"'* ]]
	"$ctl" --url "ws://127.0.0.1:$HPORT/ws" --json listen -e tell_received \
	    -n 1 --timeout 15 > "$(T listen.out)" 2>&1 &
	local lpid=$!
	ws_clients_wait 1
	gw_call Beta 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"to i3ctl over ws"}'
	wait "$lpid" || { cat "$(T listen.out)" >&2; false; }
	grep -q '"message":"to i3ctl over ws"' "$(T listen.out)"
	# A tell through the WebSocket reaches Beta.
	run -0 "$ctl" --url "ws://127.0.0.1:$HPORT" tell bob@Beta "back over ws"
	gw_wait Beta '"tell_received","params":\{[^}]*"target_user":"bob"[^}]*"message":"back over ws"' 5
	# A wrong key; a path that is not a WebSocket.
	I3_API_KEY=i3k_wrong run -4 "$ctl" --url "ws://127.0.0.1:$HPORT" ping
	[[ "$output" == *"authentication failed"* ]]
	run -4 "$ctl" --url "ws://127.0.0.1:$HPORT/nothing" ping
	[[ "$output" == *"no WebSocket: HTTP/1.1 404"* ]]
}

@test "wss: TLS on the HTTP listener (http_tls): websockets, Node's ws, i3ctl, https" {
	local t="$BATS_TEST_TMPDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=localhost -addext subjectAltName=DNS:localhost \
	    -days 1 -keyout "$t/srv.key" -out "$t/srv.pem" 2>/dev/null
	start_ws "http_tls = yes" "tls_cert = $t/srv.pem" "tls_key = $t/srv.key"
	grep -q "listening on http 127.0.0.1:$HPORT (TLS)" "$(T Alpha.err)"
	run -0 wsc "wss://127.0.0.1:$HPORT/ws" --cafile "$t/srv.pem" \
	    --header "X-API-Key: $KEY_bot" --count 1 "$(rq 1 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":1,"result":{"pong":true,'* ]]
	run -0 wsnode "wss://127.0.0.1:$HPORT/ws" --cafile "$t/srv.pem" \
	    --header "X-API-Key: $KEY_bot" --count 1 "$(rq 2 ping)"
	[[ "${lines[0]}" == '{"jsonrpc":"2.0","id":2,"result":{"pong":true,'* ]]
	run -0 curl -s -m 5 --cacert "$t/srv.pem" \
	    --resolve "localhost:$HPORT:127.0.0.1" "https://localhost:$HPORT/health"
	[[ "$output" == '{"status":"ok",'* ]]
	I3_API_KEY="$KEY_bot" run -0 "$I3_TOP/bin/i3ctl" --cafile "$t/srv.pem" \
	    --url "wss://localhost:$HPORT/ws" --json ping
	[[ "$output" == *'"pong":true'* ]]
	# Plain ws:// to a TLS listener gets no WebSocket.
	run -3 wsc "ws://127.0.0.1:$HPORT/ws" --count 1 "$(rq 3 ping)"
	[ "$output" = "no handshake: did not receive a valid HTTP response" ]
}
