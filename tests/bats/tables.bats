#!/usr/bin/env bats
# tables.bats: the method, event and error-code tables are the one place
# each is declared: docs/API.md, i3ctl, libi3's client and the gateway's
# authorisation all agree with them, or a test here fails.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# section FILE MARKER: the lines between "<!-- MARKER -->" and "<!-- end -->".
section() {
	sed -n "/^<!-- $2 -->\$/,/^<!-- end -->\$/p" "$1" | sed '1d;$d'
}

# methods: the names in the gateway's method table, one a line.
methods() {
	"$I3_TOP/bin/i3gw" --list-methods --json | jq -r '.[].name'
}

@test "docs/API.md's method table is i3gw --list-methods" {
	diff <("$I3_TOP/bin/i3gw" --list-methods) \
	    <(section "$I3_TOP/docs/API.md" "i3gw --list-methods")
}

@test "docs/API.md's event table is i3gw --list-events" {
	diff <("$I3_TOP/bin/i3gw" --list-events) \
	    <(section "$I3_TOP/docs/API.md" "i3gw --list-events")
}

@test "--list-methods --json: each method once, with a permission, params and a doc line" {
	run -0 "$I3_TOP/bin/i3gw" --list-methods --json
	jq -e 'length > 30 and (map(.name) | unique | length) == length and
	    all(.[]; (.permission == null or (.permission |
	    IN("tell","channel","info","presence","admin","answer"))) and
	    (.doc | length) > 0 and (.params | type) == "string")' <<< "$output"
}

@test "every method i3ctl calls is in the method table" {
	local m
	{
		"$I3_TOP/bin/i3ctl" list-commands --json |
		    jq -r '.. | objects | .method? // empty'
		# Calls made by name outside the command table.
		grep -ohE 'ctl_call[a-z_]*\(ctl, "[a-z_]+"' "$I3_TOP"/i3ctl/*.c |
		    sed -E 's/.*"([a-z_]+)"/\1/'
		# What "i3ctl call" completes.
		sed -nE 's/.*method\) COMPREPLY=\(\$\(compgen -W "([^"]*)".*/\1/p' \
		    "$I3_TOP/completions/i3ctl.bash" | tr ' ' '\n'
	} | sort -u > "$BATS_TEST_TMPDIR/ctl"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/ctl")" -gt 20 ]
	methods | sort -u > "$BATS_TEST_TMPDIR/gw"
	run -0 comm -23 "$BATS_TEST_TMPDIR/ctl" "$BATS_TEST_TMPDIR/gw"
	[ "$output" = "" ]
}

@test "every method libi3's client calls is in the method table" {
	grep -ohE '(i3c_msg|i3c_request|i3_client_call|i3_client_notify)\(c, "[a-z_]+"' \
	    "$I3_TOP/lib/client.c" | sed -E 's/.*"([a-z_]+)"/\1/' |
	    sort -u > "$BATS_TEST_TMPDIR/lib"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/lib")" -gt 10 ]
	methods | sort -u > "$BATS_TEST_TMPDIR/gw"
	run -0 comm -23 "$BATS_TEST_TMPDIR/lib" "$BATS_TEST_TMPDIR/gw"
	[ "$output" = "" ]
}

@test "docs/API.md's error codes are lib/i3.h's I3_RPC_* codes" {
	diff <(sed -nE 's/^#define I3_RPC_[A-Z_]+[[:space:]]+\((-[0-9]+)\).*/\1/p' \
	    "$I3_TOP/lib/i3.h" | sort) \
	    <(grep -oE '^\| -[0-9]+ \|' "$I3_TOP/docs/API.md" |
	    grep -oE -- '-[0-9]+' | sort)
}

@test "no error code is defined outside lib/i3.h" {
	run -1 grep -nE '(#define|case|==|code",?) *\(?-32[0-9]{3}\b' \
	    "$I3_TOP"/i3gw/*.[ch] "$I3_TOP"/i3ctl/*.[ch] "$I3_TOP"/lib/client.c
	[ "$output" = "" ]
}

@test "a method not in the table is -32601" {
	router_start
	gw_conf Alpha
	gw_start Alpha
	run -0 gw_call Alpha 1 channel_histroy '{"channel":"chat"}'
	[ "$output" = '{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found: channel_histroy"}}' ]
}

@test "each method needs the permission its row names (ucache_get: info, not admin)" {
	local key
	router_start
	key=$("$I3GW" genkey bot)
	gwd_conf Alpha "tcp = 127.0.0.1:0" \
	    "$(sed -n '/^\[key/,$p' <<< "$key" |
	    sed 's/^permissions = .*/permissions = info/')"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" \
	    "$(rq 1 authenticate "{\"key\":\"$(sed -n 's/^key: //p' <<< "$key")\"}")" \
	    "$(rq 2 ucache_get)"
	[ "${lines[1]}" = '{"jsonrpc":"2.0","id":2,"result":{"count":0,"users":[]}}' ]
}

@test "subscribe refuses an event not in the table" {
	router_start
	gw_conf Alpha
	gw_start Alpha
	run -0 gw_call Alpha 1 subscribe '{"events":["tell_recieved"]}'
	[ "$output" = '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"parameter events: no event tell_recieved (i3gw --list-events)"}}' ]
}
