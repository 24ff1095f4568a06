#!/usr/bin/env bats
# gw-http.bats: i3gw's HTTP endpoints: /health, /health/ready, /metrics,
# POST /rpc with a key (header or authenticate first), batches, deferred
# answers; max_inflight.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# hcurl ARGS...: curl with a bound wait, "STATUS BODY" on one line.
hcurl() {
	: > "$(T body)"
	curl -s -m 5 -o "$(T body)" -w '%{http_code}' "$@" > "$(T code)" ||
	    true
	printf '%s %s\n' "$(cat "$(T code)")" "$(tr -d '\n' < "$(T body)")"
}

# wait_ready NAME: until the router link is up (5 s).
wait_ready() {
	local i
	for i in $(seq 1 100); do
		[[ "$(hcurl "http://127.0.0.1:$HPORT/health/ready")" == 200* ]] &&
		    return 0
		sleep 0.05
	done
	return 1
}

start_http() {
	router_start
	newkey bot
	gwd_conf Alpha "http = 127.0.0.1:0" "auth_delay = 50ms" "$@" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	[ -n "$HPORT" ]
}

# tells_out N: the metrics (saved in $T/m) count N tells sent.
tells_out() {
	curl -s -m 2 -o "$(T m)" "http://127.0.0.1:$HPORT/metrics" &&
	    grep -qx 'i3gw_router_packets_total{direction="out",type="tell"} '"$1" "$(T m)"
}

# beta_listed: Alpha's mudlist, asked over HTTP, has Beta.
beta_listed() {
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" \
	    -d "$(rq 1 mudlist)" "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == *'"Beta"'* ]]
}

@test "http: off by default" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	run -1 grep -q "listening on http" "$(T Alpha.err)"
}

@test "http: /health is 200 with the router's state; /health/ready 503 then 200" {
	router_start
	ROUTER1=$ROUTER_PID
	newkey bot
	gwd_conf Alpha "http = 127.0.0.1:0" "$(cat "$(T bot.key)")"
	# No router yet: a port nobody listens on.
	sed -i "s/^port = .*/port = 1/" "$(T Alpha.conf)"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	grep -q "listening on http 127.0.0.1:$HPORT" "$(T Alpha.err)"
	run -0 hcurl "http://127.0.0.1:$HPORT/health"
	[[ "$output" == 200* ]]
	[[ "$output" == *'"status":"ok"'* ]]
	[[ "$output" == *'"router":{"ready":false'* ]]
	run -0 hcurl "http://127.0.0.1:$HPORT/health/ready"
	[[ "$output" == 503* ]]
	[[ "$output" == *'"ready":false'* ]]
	gwd_stop Alpha
	# With a router: ready.
	sed -i "s/^port = .*/port = $ROUTER_PORT/" "$(T Alpha.conf)"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	wait_ready
	run -0 hcurl "http://127.0.0.1:$HPORT/health"
	[[ "$output" == 200*'"router":{"ready":true,"state":"ready","name":"*test"}'* ]]
	run -0 hcurl "http://127.0.0.1:$HPORT/health/ready"
	[[ "$output" == '200 {"ready":true,"router_state":"ready"}' ]]
	run -0 hcurl "http://127.0.0.1:$HPORT/nothing"
	[[ "$output" == 404* ]]
	run -0 hcurl -X POST "http://127.0.0.1:$HPORT/health"
	[[ "$output" == 405* ]]
}

@test "http: /metrics in the Prometheus text format" {
	start_http
	wait_ready
	hcurl -H "Authorization: Bearer $KEY_bot" -d "$(rq 1 ping)" \
	    "http://127.0.0.1:$HPORT/rpc" > /dev/null
	curl -s -m 5 -D "$(T hdr)" -o "$(T m)" \
	    "http://127.0.0.1:$HPORT/metrics"
	grep -qi '^content-type: text/plain; version=0.0.4' "$(T hdr)"
	m="$(T m)"
	grep -qx 'i3gw_up 1' "$m"
	grep -qx 'i3gw_router_ready 1' "$m"
	grep -qx 'i3gw_router_state{state="ready"} 1' "$m"
	grep -qx 'i3gw_router_state{state="backoff"} 0' "$m"
	grep -qx '# TYPE i3gw_router_packets_total counter' "$m"
	grep -qE '^i3gw_router_packets_total\{direction="out",type="startup-req-3"\} 1$' "$m"
	grep -qE '^i3gw_router_packets_total\{direction="in",type="startup-reply"\} 1$' "$m"
	grep -qE '^i3gw_router_bytes_total\{direction="in",type="startup-reply"\} [1-9][0-9]*$' "$m"
	grep -qE '^i3gw_router_reconnects_total 0$' "$m"
	grep -qE '^i3gw_router_queue_length 0$' "$m"
	grep -qE '^i3gw_clients\{transport="unix"\} 0$' "$m"
	grep -qE '^i3gw_rpc_requests_total [1-9]' "$m"
	grep -qE '^i3gw_rpc_errors_total [0-9]+$' "$m"
	grep -qE '^i3gw_pending_requests 0$' "$m"
	grep -qx '# TYPE i3gw_rpc_duration_seconds histogram' "$m"
	grep -qE '^i3gw_rpc_duration_seconds_bucket\{le="\+Inf"\} [1-9]' "$m"
	grep -qE '^i3gw_rpc_duration_seconds_count [1-9]' "$m"
	grep -qE '^i3gw_http_requests_total\{path="/rpc"\} 1$' "$m"
	# Every sample line is NAME[{labels}] NUMBER.
	run -1 grep -vE '^(# (HELP|TYPE) .*|i3gw_[a-z_]+(\{[^}]*\})? [-+0-9.e]+)$' "$m"
}

@test "http: /rpc needs a key: none, a wrong one, the header, authenticate first" {
	start_http
	run -0 hcurl -d "$(rq 1 ping)" "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == '401 {"jsonrpc":"2.0","id":null,"error":{"code":-32007,'* ]]
	run -0 hcurl -H "Authorization: Bearer i3k_wrong" -d "$(rq 1 ping)" \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == *'401 {"jsonrpc":"2.0","id":null,"error":{"code":-32007,"message":"authentication failed"}}'* ]]
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" -d "$(rq 7 ping)" \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == '200 {"jsonrpc":"2.0","id":7,"result":{"pong":true'* ]]
	# A method the key may not call.
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" \
	    -d "$(rq 2 presence_set '{"user":"x"}')" "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == *'"id":2,"error":{"code":-32008'* ]]
	# A notification only: 204.
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" \
	    -d '{"jsonrpc":"2.0","method":"ping"}' "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == '204 ' ]]
	# GET /rpc, bad JSON.
	run -0 hcurl "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == 405* ]]
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" -d '{"jsonrpc":' \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == *'"code":-32700'* ]]
	grep -q "bad key" "$(T Alpha.err)"
}

@test "http: a batch, authenticate first in it, a deferred answer held and sent" {
	start_http
	wait_ready
	run -0 hcurl -d "[$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}"),$(rq 2 ping),$(rq 3 reconnect),{\"jsonrpc\":\"2.0\",\"method\":\"ping\"},$(rq 4 nosuch)]" \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == '200 ['* ]]
	body=${output#200 }
	[ "$(jq length <<< "$body")" -eq 4 ]
	[ "$(jq -r '.[] | select(.id == 1) | .result.key' <<< "$body")" = bot ]
	[ "$(jq -r '.[] | select(.id == 2) | .result.pong' <<< "$body")" = true ]
	# reconnect needs the admin permission, which the key has not.
	[ "$(jq -r '.[] | select(.id == 3) | .error.code' <<< "$body")" = -32008 ]
	[ "$(jq -r '.[] | select(.id == 4) | .error.code' <<< "$body")" = -32601 ]
	# Without a key in the batch: the batch is refused.
	run -0 hcurl -d "[$(rq 2 ping)]" "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == 401* ]]
	# A wrong key through authenticate is answered later (auth_delay): the
	# request is held, then answered with everything else.
	start=$(date +%s%N)
	run -0 hcurl -d "[$(rq 1 authenticate '{"key":"i3k_bad"}'),$(rq 2 ping)]" \
	    "http://127.0.0.1:$HPORT/rpc"
	end=$(date +%s%N)
	[[ "$output" == '200 ['* ]]
	body=${output#200 }
	[ "$(jq -r '.[] | select(.id == 1) | .error.code' <<< "$body")" = -32007 ]
	[ "$(jq -r '.[] | select(.id == 2) | .error.code' <<< "$body")" = -32007 ]
	[ $(( (end - start) / 1000000 )) -ge 40 ]
	# Sessions need a connection that stays.
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" \
	    -d "$(rq 5 subscribe '{"events":["tell"]}')" \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == *'"id":5,"error":{"code":-32601'*'not available over HTTP'* ]]
	# The HTTP clients are gone once answered.
	run -0 hcurl "http://127.0.0.1:$HPORT/metrics"
	[[ "$output" == *'i3gw_clients{transport="http"} 0'* ]]
}

@test "http: who over /rpc waits for the remote answer (suspend, resume)" {
	start_http
	wait_ready
	# A second gateway to answer the who-req.
	gw_conf Beta
	gw_start Beta
	gw_call Beta 1 presence_set '{"users":[{"name":"bob","visname":"Bob"}]}' > /dev/null
	[[ "$REPLY" == *'"result":{"count":1}'* ]]
	wait_until 5 "Beta in Alpha's mudlist" beta_listed
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" \
	    -d "$(rq 9 who '{"target_mud":"Beta","timeout":3}')" \
	    "http://127.0.0.1:$HPORT/rpc"
	gw_stop Beta
	[[ "$output" == '200 {"jsonrpc":"2.0","id":9,"result":{"mud":"Beta","count":1,"users":[{"visname":"Bob",'* ]]
}

@test "http: allow/deny lists apply to HTTP clients" {
	start_http "deny = 127.0.0.0/8"
	run -0 hcurl "http://127.0.0.1:$HPORT/health"
	[[ "$output" == 000* ]]
}

@test "max_inflight: requests past the limit fail with -32012" {
	router_start
	gwd_conf Alpha "tcp = 127.0.0.1:0" "auth_delay = 1s" \
	    "auth_delay_max = 1s" "max_inflight = 2"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	# Failed authentications are answered after a second: in flight.
	run -0 gwc "tcp:127.0.0.1:$port" \
	    "$(rq 1 authenticate '{"key":"i3k_a"}')" \
	    "$(rq 2 authenticate '{"key":"i3k_b"}')" \
	    "$(rq 3 authenticate '{"key":"i3k_c"}')"
	[[ "${lines[0]}" == *'"id":3,"error":{"code":-32012,"message":"busy: 2 requests in flight already (max_inflight)"'* ]]
	[[ "${lines[1]}" == *'"id":1,"error":{"code":-32007'* ]]
	[[ "${lines[2]}" == *'"id":2,"error":{"code":-32007'* ]]
	# Once answered, there is room again.
	run -0 gwc "tcp:127.0.0.1:$port" \
	    "$(rq 1 authenticate '{"key":"i3k_a"}')" \
	    "$(rq 2 authenticate '{"key":"i3k_b"}')" "sleep:1.5" \
	    "$(rq 3 authenticate '{"key":"i3k_c"}')"
	[[ "$output" != *'-32012'* ]]
}

@test "http: /metrics counts frames to the router by type, those that waited in the send queue too" {
	router_start
	newkey bot
	gwd_conf Alpha "http = 127.0.0.1:0" "$(cat "$(T bot.key)")"
	# One packet a second, the startup counting 6: for 6 s after it
	# nothing more goes, and a burst waits in the queue, all of it.
	sed -i 's/^\[limits\]/[limits]\nrate = 1/' "$(T Alpha.conf)"
	gwd_start Alpha
	HPORT=$(gwd_tcp_port Alpha http)
	wait_ready
	batch=""
	for i in 1 2 3 4 5; do
		batch="$batch${batch:+,}$(rq $i tell '{"target_mud":"Beta","target_user":"ann","from_user":"bob","message":"hi '$i'"}')"
	done
	run -0 hcurl -H "Authorization: Bearer $KEY_bot" -d "[$batch]" \
	    "http://127.0.0.1:$HPORT/rpc"
	[[ "$output" == '200 ['* ]]
	body=${output#200 }
	[ "$(jq -c '[.[].result.queued]' <<< "$body")" = '[true,true,true,true,true]' ]
	# then out of the queue, one at a time
	wait_until 20 "the five tells out of the queue" tells_out 5
	# The queue empties: nothing of the gateway's own (the keepalive's
	# reply to itself) keeps it busy after the tells.
	grep -qx 'i3gw_router_queue_length 0' "$(T m)"
	grep -qx 'i3gw_router_packets_total{direction="out",type="tell"} 5' "$(T m)"
	grep -qx 'i3gw_router_packets_total{direction="out",type="startup-req-3"} 1' "$(T m)"
	run -1 grep -q 'type="other"' "$(T m)"
}
