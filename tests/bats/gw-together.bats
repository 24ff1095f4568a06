#!/usr/bin/env bats
# gw-together.bats: one gateway, every kind of client at once: the MUD as
# its stdio child, i3ctl over the Unix socket, a bot over TCP with TLS and
# an API key, and a script over HTTP; each key's permissions hold.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

@test "a MUD child, i3ctl on the socket, TLS and HTTP clients use one gateway at once" {
	local t="$BATS_TEST_TMPDIR"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -subj /CN=localhost -days 1 -keyout "$t/srv.key" \
	    -out "$t/srv.pem" 2>/dev/null
	out=$("$I3GW" genkey bot)
	key=$(sed -n 's/^key: //p' <<< "$out")
	keylines=$(sed -n '/^\[key/,$p' <<< "$out")
	[ -n "$key" ]
	router_start
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_conf Alpha "rate = 0" "[api]" "socket = $t/Alpha.sock" \
	    "tcp = 127.0.0.1:0" "tls = yes" "tls_cert = $t/srv.pem" \
	    "tls_key = $t/srv.key" "http = 127.0.0.1:0" "$keylines"
	gw_start Alpha
	gw_wait Alpha '"mud_online","params":\{"mud":"Beta"' 10
	wait_for_line "$t/Alpha.err" 'listening on http' 5
	tport=$(gwd_tcp_port Alpha tcp)
	hport=$(gwd_tcp_port Alpha http)
	[ -n "$tport" ]
	[ -n "$hport" ]

	# i3ctl on the Unix socket waits for a tell.
	I3_SOCKET="$t/Alpha.sock" "$I3_TOP/bin/i3ctl" --verbose --json listen \
	    -e tell_received -n 1 --timeout 15 > "$t/listen.out" \
	    2> "$t/listen.err" &
	local lpid=$!
	wait_for_line "$t/listen.err" '^i3ctl: <- subscribe: result$'

	# The MUD (stdio), the TLS bot and the HTTP script each send a tell.
	gw_call Alpha 1 tell '{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"from the mud"}'
	[[ "$REPLY" == *'"result":{"sent":true,"queued":false}}' ]]
	run -0 gwc "tcp:127.0.0.1:$tport" --tls "$t/srv.pem" \
	    "$(rq 1 authenticate "{\"key\":\"$key\"}")" \
	    "$(rq 2 tell '{"target_mud":"Beta","target_user":"bob","from_user":"tlsbot","message":"from tls"}')"
	[[ "${lines[0]}" == *'"authenticated":true'* ]]
	[[ "${lines[1]}" == *'"id":2,"result":{"sent":true,"queued":false}}' ]]
	run -0 curl -s -m 5 -H "Authorization: Bearer $key" \
	    -d "$(rq 3 tell '{"target_mud":"Beta","target_user":"bob","from_user":"script","message":"from http"}')" \
	    "http://127.0.0.1:$hport/rpc"
	[[ "$output" == *'"id":3,"result":{"sent":true,"queued":false}}' ]]
	# The key has no admin permission: shutdown is forbidden over HTTP.
	run -0 curl -s -m 5 -H "Authorization: Bearer $key" \
	    -d "$(rq 4 shutdown)" "http://127.0.0.1:$hport/rpc"
	[[ "$output" == *'"id":4,"error":{"code":-32008'* ]]

	gw_wait Beta '"tell_received".*"message":"from the mud"' 5
	gw_wait Beta '"tell_received".*"message":"from tls"' 5
	gw_wait Beta '"tell_received".*"message":"from http"' 5

	# A tell back reaches the MUD child and the i3ctl listener alike.
	gw_call Beta 5 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"to everyone"}'
	gw_wait Alpha '"tell_received".*"message":"to everyone"' 5
	reap "$lpid" 0
	grep -q '"message":"to everyone"' "$t/listen.out"
	# The gateway is still one process serving them all.
	kill -0 "$GW_PID_Alpha"
}
