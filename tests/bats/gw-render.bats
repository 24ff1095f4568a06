#!/usr/bin/env bats
# gw-render.bats: colour profiles per client.  One event reaches two
# clients of one gateway, each with its text in its own codes; what a client
# sends in its own codes goes to the router as Pinkfish, and no control
# bytes reach the router whatever the profile.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# Beta: a stdio gateway; it waits until Alpha is up.
beta() {
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta "$@"
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
}

@test "one event, two clients, each its own profile; raw fields untouched" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	gwc_bg A "unix:$(T Alpha.sock)" --events 1 --timeout 10 \
	    "$(rq 1 subscribe '{"events":["tell_received"],"render":"ansi"}')"
	gwc_bg B "unix:$(T Alpha.sock)" --events 1 --timeout 10 \
	    "$(rq 1 subscribe '{"events":["tell_received"],"render":"smaug"}')"
	wait_for_line "$(T A.out)" '"subscribed":true' 5
	wait_for_line "$(T B.out)" '"subscribed":true' 5
	beta
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"%^RED%^red%^RESET%^ plain"}'
	[[ "$REPLY" == *'"sent":true'* ]]
	wait_for_line "$(T A.out)" '"method":"tell_received"' 5
	wait_for_line "$(T B.out)" '"method":"tell_received"' 5
	a=$(grep '"method":"tell_received"' "$(T A.out)")
	b=$(grep '"method":"tell_received"' "$(T B.out)")
	# The raw message keeps its Pinkfish for both.
	[[ "$a" == *'"message":"%^RED%^red%^RESET%^ plain"'* ]]
	[[ "$b" == *'"message":"%^RED%^red%^RESET%^ plain"'* ]]
	# The text is in each client's codes.
	ta=$(printf '%s' "$a" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["text"])')
	tb=$(printf '%s' "$b" | python3 -c 'import json,sys; print(json.load(sys.stdin)["params"]["text"])')
	[[ "$ta" == *$'\e[31mred\e['*'m plain'* ]]
	[[ "$ta" != *'%^'* ]]
	[[ "$tb" == *'&rred&d plain'* ]]
	[[ "$tb" != *'%^'* ]]
}

@test "a client's own codes go to the router as Pinkfish; no control bytes" {
	router_start -l "$(T r.log)"
	gwd_conf Alpha "[limits]" "rate = 0"
	gwd_start Alpha
	beta
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 render '{"render":"smaug"}')" \
	    "$(rq 2 tell '{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"&Rhot&d news\u001b[2J\r!"}')"
	[[ "${lines[0]}" == *'"result":{"render":"smaug"}'* ]]
	[[ "${lines[1]}" == *'"sent":true'* ]]
	wait_for_line "$(T r.log)" '"packet":\["tell",5,"Alpha","ann","Beta","bob"' 5
	m=$(grep '"packet":\["tell",5,"Alpha"' "$(T r.log)" | tail -1)
	[[ "$m" == *'%^RED%^hot%^RESET%^ news!'* ]]
	[[ "$m" != *'\u001b'* ]]
	[[ "$m" != *'\r'* ]]
	[[ "$m" != *'&R'* ]]
	# With no profile the text is Pinkfish already; it is only cleaned.
	run -0 gwc "unix:$(T Alpha.sock)" \
	    "$(rq 3 tell '{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"%^GREEN%^ok\u0007\ttab"}')"
	wait_for_line "$(T r.log)" 'ok tab' 5
	m=$(grep 'ok tab' "$(T r.log)" | tail -1)
	[[ "$m" == *'"%^GREEN%^ok tab"'* ]]
}

@test "stdio --render plain; a bad profile is -32602" {
	router_start
	gwd_conf Alpha "[limits]" "rate = 0"
	gwd_start Alpha
	beta --render plain
	run -0 gwc "unix:$(T Alpha.sock)" \
	    "$(rq 1 tell '{"target_mud":"Beta","target_user":"bob","from_user":"ann","message":"%^BOLD%^%^YELLOW%^sun%^RESET%^ny"}')"
	gw_wait Beta '"tell_received"' 5
	line=$(grep tell_received "$(T Beta.out)")
	[[ "$line" == *'"text":"ann@Alpha tells you: sunny"'* ]]
	[[ "$line" == *'"message":"%^BOLD%^%^YELLOW%^sun%^RESET%^ny"'* ]]
	gw_call Beta 5 render '{"render":"klingon"}'
	[[ "$REPLY" == *'"code":-32602'*'unknown profile klingon'* ]]
	run -1 "$I3GW" --render klingon -n
	[[ "$output" == *"unknown colour profile klingon"* ]]
}
