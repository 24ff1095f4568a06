#!/usr/bin/env bats
# gw-state.bats: state with one owner (issue 15): the state directory's lock
# and credentials per MUD name, daemon start-up, sessions and answerers
# that end with their client, channel membership, presence kept.

load helpers
load gw-helpers
load daemon-helpers

teardown() {
	gwd_stop_all
	gw_stop_all
	router_stop_all
}

T() {
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "two gateways on one state directory: the second refuses, naming the first's pid" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	gwd_conf Beta
	run timeout 10 "$I3GW" -d -f "$(T Beta.conf)" --state-dir "$(T Alpha.state)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"i3gw: state: $(T Alpha.state) is in use by another i3gw (pid $GWD_PID_Alpha)"* ]]
	# Alpha was not disturbed.
	run gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
}

@test "credentials are kept per MUD name: another MUD on the state never sends Alpha's password" {
	router_start --state "$(T rs.json)" -l "$(T r.log)"
	gw_conf Alpha
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_stop Alpha
	pw=$(grep -A1 '"Alpha"' "$(T rs.json)" | grep -oE '"password": [0-9]+' |
	    grep -oE '[0-9]+$')
	[ -n "$pw" ] && [ "$pw" -gt 0 ]
	# Beta, on Alpha's state directory, starts with no password.
	gw_conf Beta
	gw_start Beta --state-dir "$(T Alpha.state)"
	gw_wait Beta router_connected
	gw_stop Beta
	grep -q '"packet":\["startup-req-3",5,"Beta",0,"\*test",0,0,' "$(T r.log)"
	! grep -q "\"packet\":\[\"startup-req-3\",5,\"Beta\",0,\"\*test\",0,$pw," "$(T r.log)"
	# Alpha, back, still has its own.
	gw_start Alpha
	gw_wait Alpha router_connected
	[ "$(grep -c "\"packet\":\[\"startup-req-3\",5,\"Alpha\",0,\"\*test\",0,$pw," "$(T r.log)")" -eq 1 ]
}

@test "daemon: a socket already served is reported on stderr, exit 1, no process left" {
	router_start
	gwd_conf Alpha
	gwd_start Alpha
	gw_conf Beta
	run timeout 10 "$I3GW" -f "$(T Beta.conf)" --state-dir "$(T Beta.state)" \
	    -S "$(T Alpha.sock)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$(T Alpha.sock): another gateway is serving it"* ]]
	sleep 0.2
	! pgrep -f -- "--state-dir $(T Beta.state)"
}

@test "daemon: listening before the parent exits, --pidfile, the log after detaching" {
	router_start
	gwd_conf Alpha '[log]' "file = $(T Alpha.log)"
	timeout 10 "$I3GW" -f "$(T Alpha.conf)" --state-dir "$(T Alpha.state)" \
	    --pidfile "$(T Alpha.pid)" 2> "$(T Alpha.err)"
	# The parent is gone; the socket is there already.
	[ -S "$(T Alpha.sock)" ]
	pid=$(cat "$(T Alpha.pid)")
	GWD_PID_Alpha=$pid
	kill -0 "$pid"
	[ "$(cat "$(T Alpha.state)/i3gw.pid")" = "$pid" ]
	grep -q 'listening on' "$(T Alpha.err)"
	wait_for_line "$(T Alpha.log)" 'MUD Alpha, state in'
	! grep -q 'MUD Alpha, state in' "$(T Alpha.err)"
	run gwc "unix:$(T Alpha.sock)" "$(rq 1 ping)"
	[[ "$output" == *'"pong":true'* ]]
	kill -TERM "$pid"
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$pid" 2>/dev/null
	[ ! -e "$(T Alpha.pid)" ]
}

@test "journal: lines carry a priority and no timestamp of their own" {
	router_start
	gwd_conf Alpha
	JOURNAL_STREAM=8:1234 gwd_start Alpha
	wait_for_line "$(T Alpha.err)" '^<6>i3gw: i3gw .*: MUD Alpha'
	gwd_stop Alpha
	grep -q '^<6>i3gw: stopped' "$(T Alpha.err)"
}
