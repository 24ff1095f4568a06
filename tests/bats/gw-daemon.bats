#!/usr/bin/env bats
# gw-daemon.bats: i3gw as a daemon: the Unix socket listener (directory and
# socket modes, peer checks), stdio beside it, genkey.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

@test "unix socket: mode 0600, ping and status over it, removed on exit" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	[ -S "$(T Alpha.sock)" ]
	[ "$(stat -c %a "$(T Alpha.sock)")" = 600 ]
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)" "$(rq 2 status)"
	[[ "${lines[0]}" == *'"id":1,"result":{"pong":true'* ]]
	[[ "${lines[1]}" == *'"id":2,"result":{'*'"mud":"Alpha"'* ]]
	gwd_stop Alpha
	[ ! -e "$(T Alpha.sock)" ]
}

@test "unix socket: the default directory is made 0700; a loose one is refused" {
	router_start
	gw_conf Alpha
	mkdir -m 0700 "$(T run)"
	XDG_RUNTIME_DIR="$(T run)" gwd_start Alpha
	[ "$(stat -c %a "$(T run/i3gw)")" = 700 ]
	[ -S "$(T run/i3gw/i3gw.sock)" ]
	run -0 gwc "unix:$(T run/i3gw/i3gw.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
	gwd_stop Alpha
	chmod 0755 "$(T run/i3gw)"
	XDG_RUNTIME_DIR="$(T run)" run -1 "$I3GW" -d -f "$(T Alpha.conf)" \
	    --state-dir "$(T Alpha.state)"
	[[ "$output" == *"unsafe permissions 0755"* ]]
	# A configured socket in a directory others may write: refused.
	mkdir -m 0777 "$(T open)"
	chmod 0777 "$(T open)"
	run -1 "$I3GW" -d -f "$(T Alpha.conf)" --state-dir "$(T Alpha.state)" \
	    -S "$(T open/gw.sock)"
	[[ "$output" == *"unsafe permissions 0777"* ]]
	[ ! -e "$(T open/gw.sock)" ]
}

@test "unix socket: a second gateway on the same socket is refused; a stale one is replaced" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	run -1 "$I3GW" -d -f "$(T Alpha.conf)" --state-dir "$(T other.state)"
	[[ "$output" == *"another gateway is serving it"* ]]
	kill -KILL "$GWD_PID_Alpha"
	reap "$GWD_PID_Alpha" 137
	GWD_PID_Alpha=
	[ -S "$(T Alpha.sock)" ]
	gwd_start Alpha
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
}

@test "unix socket: a cap on connections per uid" {
	router_start
	gwd_conf Alpha "max_per_uid = 2"
	gwd_start Alpha
	gwc_bg c1 "unix:$(T Alpha.sock)" "$(rq 1 ping)" --hold 3
	gwc_bg c2 "unix:$(T Alpha.sock)" "$(rq 1 ping)" --hold 3
	wait_for_line "$(T c1.out)" pong 5
	wait_for_line "$(T c2.out)" pong 5
	# The third is told why, and its request, sent after the refusal,
	# does not turn the gateway's close into a reset (it lingers to read).
	run -0 gwc "unix:$(T Alpha.sock)" sleep:0.3 "$(rq 1 ping)" --timeout 2
	[ "$output" = '{"jsonrpc":"2.0","id":null,"error":{"code":-32010,"message":"too many connections for this uid"}}' ]
	grep -q "refused uid" "$(T Alpha.err)"
}

@test "stdio and the unix socket serve one gateway at once" {
	router_start
	gwd_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	wait_for_line "$(T Alpha.err)" "listening on" 5
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 7 status)"
	[[ "$output" == *'"id":7,"result":{'*'"router_state":"ready"'* ]]
	gw_call Alpha 1 ping
	[[ "$REPLY" == *'"pong":true'* ]]
	gw_stop Alpha
}

@test "genkey prints a key once and the config lines; the hash matches" {
	run -0 "$I3GW" genkey bot
	key=$(sed -n 's/^key: //p' <<< "$output")
	hash=$(sed -n 's/^hash = sha256://p' <<< "$output")
	[[ "$key" == i3k_* ]]
	[ "${#hash}" -eq 64 ]
	[ "$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)" = "$hash" ]
	[[ "$output" == *"[key bot]"* ]]
	run -1 "$I3GW" genkey
}
