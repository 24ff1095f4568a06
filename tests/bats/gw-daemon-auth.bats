#!/usr/bin/env bats
# gw-daemon-auth.bats: TCP and TLS listeners, API keys, permissions, rate
# limits, address lists.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

@test "tcp: authenticate first; a wrong key and a missing key are refused" {
	router_start
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "auth_delay = 50ms" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	[ -n "$port" ]
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"id":1,"error":{"code":-32007'*'not authenticated'* ]]
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate '{"key":"i3k_wrong"}')" \
	    "$(rq 2 ping)"
	# The failure is answered after auth_delay: the ping's answer first.
	[[ "${lines[0]}" == *'"id":2,"error":{"code":-32007'* ]]
	[[ "${lines[1]}" == *'"id":1,"error":{"code":-32007,"message":"authentication failed"'* ]]
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}")" \
	    "$(rq 2 ping)" "$(rq 3 tell '{"target_mud":"Alpha","target_user":"x","from_user":"y","message":"z"}')"
	[[ "${lines[0]}" == *'"id":1,"result":{"authenticated":true,"key":"bot","permissions":["tell","channel","info"]'* ]]
	[[ "${lines[1]}" == *'"id":2,"result":{"pong":true'* ]]
	[[ "${lines[2]}" == *'"id":3,"result":'* ]]
	grep -q "authentication failed" "$(T Alpha.err)"
}

@test "tcp: failed authentications are slowed down, doubling" {
	router_start
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "auth_delay = 200ms" \
	    "auth_delay_max = 2s" "$(cat "$(T bot.key)")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	bad=$(rq 1 authenticate '{"key":"nope"}')
	start=$(date +%s%N)
	run -0 gwc "tcp:127.0.0.1:$port" "$bad" "$(rq 2 authenticate '{"key":"nope2"}')" \
	    "$(rq 3 authenticate '{"key":"nope3"}')"
	end=$(date +%s%N)
	[ "$(grep -c '"code":-32007' <<< "$output")" -eq 3 ]
	# 200 + 400 + 800 ms, run at once: at least the longest.
	[ $(( (end - start) / 1000000 )) -ge 700 ]
}

@test "tcp: a key without the permission gets -32008; admin is its own group" {
	router_start
	newkey bot
	sed -i 's/^permissions = .*/permissions = info/' "$(T bot.key)"
	gwd_conf Alpha "tcp = 127.0.0.1:0" "$(cat "$(T bot.key)")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}")" \
	    "$(rq 2 tell '{"target_mud":"Alpha","target_user":"x","from_user":"y","message":"z"}')" \
	    "$(rq 3 shutdown)" "$(rq 4 mudlist)" "$(rq 5 channel_join '{"channel":"chat"}')"
	[[ "${lines[1]}" == *'"id":2,"error":{"code":-32008,"message":"forbidden: key bot has no tell permission"'* ]]
	[[ "${lines[2]}" == *'"id":3,"error":{"code":-32008,"message":"forbidden: key bot has no admin permission"'* ]]
	[[ "${lines[3]}" == *'"id":4,"result":'* ]]
	[[ "${lines[4]}" == *'"id":5,"error":{"code":-32008'* ]]
	kill -0 "$GWD_PID_Alpha"
}

@test "tcp: rate limits per key and per method" {
	router_start
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "$(cat "$(T bot.key)")" \
	    "rate = 1" "burst = 3" "method_rate = 1" "method_burst = 2"
	sed -i 's/^permissions = .*/permissions = all/' "$(T Alpha.conf)"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}")" \
	    "$(rq 2 ping)" "$(rq 3 ping)" "$(rq 4 ping)" "$(rq 5 status)" \
	    "$(rq 6 status)"
	[[ "${lines[1]}" == *'"id":2,"result"'* ]]
	[[ "${lines[2]}" == *'"id":3,"result"'* ]]
	[[ "${lines[3]}" == *'"id":4,"error":{"code":-32009,"message":"rate limited: ping for key bot'* ]]
	[[ "${lines[4]}" == *'"id":5,"result"'* ]]
	[[ "${lines[5]}" == *'"id":6,"error":{"code":-32009,"message":"rate limited: key bot'* ]]
}

@test "tcp: deny and allow lists" {
	router_start
	gwd_conf Alpha "tcp = 127.0.0.1:0" "deny = 127.0.0.0/8"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"code":-32010,"message":"address not allowed"'* ]]
	gwd_stop Alpha
	gwd_conf Alpha "tcp = 127.0.0.1:0" "allow = 10.0.0.0/8, ::1"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"code":-32010'* ]]
	gwd_stop Alpha
	gwd_conf Alpha "tcp = 127.0.0.1:0" "allow = 127.0.0.1/32"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"code":-32007'* ]]
}

@test "tls: a test certificate, TLS 1.2 at least, a key over TLS" {
	router_start
	certs
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "tls = yes" \
	    "tls_cert = $(T srv.pem)" "tls_key = $(T srv.key)" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" --tls "$(T ca.pem)" \
	    "$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}")" "$(rq 2 ping)"
	[[ "${lines[1]}" == *'"id":2,"result":{"pong":true'* ]]
	run -1 openssl s_client -connect "127.0.0.1:$port" -tls1_1 < /dev/null
	run -3 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)" --timeout 2
	kill -0 "$GWD_PID_Alpha"
}

@test "tls: client certificates required" {
	router_start
	certs
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "tls = yes" \
	    "tls_cert = $(T srv.pem)" "tls_key = $(T srv.key)" \
	    "tls_client_ca = $(T ca.pem)" "tls_client_cert = require" \
	    "$(cat "$(T bot.key)")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -3 gwc "tcp:127.0.0.1:$port" --tls "$(T ca.pem)" "$(rq 1 ping)" \
	    --timeout 2
	run -0 gwc "tcp:127.0.0.1:$port" --tls "$(T ca.pem)" \
	    --cert "$(T cli.pem)" --key "$(T cli.key)" \
	    "$(rq 1 authenticate "{\"key\":\"$KEY_bot\"}")" "$(rq 2 ping)"
	[[ "${lines[1]}" == *'"pong":true'* ]]
}

@test "-n refuses a key without a hash and a TLS listener without a certificate" {
	ROUTER_PORT=4000 gw_conf Alpha
	printf '[key bot]\npermissions = all\n' >> "$(T Alpha.conf)"
	run -1 "$I3GW" -n -f "$(T Alpha.conf)"
	[[ "$output" == *"[key bot]: no hash"* ]]
	ROUTER_PORT=4000 gw_conf Beta "[api]" "tls = yes"
	run -1 "$I3GW" -n -f "$(T Beta.conf)"
	[[ "$output" == *"tls needs tls_cert and tls_key"* ]]
	ROUTER_PORT=4000 gw_conf Gamma "[api]" "permissions = all"
	run -1 "$I3GW" -n -f "$(T Gamma.conf)"
	[[ "$output" == *"unknown key 'permissions' in [api]"* ]]
}
