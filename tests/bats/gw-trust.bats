#!/usr/bin/env bats
# gw-trust.bats: i3gw's trust boundary (issue 13): hostile routers and
# hostile clients against the real gateway; each test failed before its fix.

load helpers
load gw-helpers
load daemon-helpers

teardown() {
	trap "" PIPE
	gwd_stop_all
	gw_stop_all
	router_stop_all
}

T() {
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "SIGHUP after a failover to the 2nd router, to a config of one router: no crash, reconnects" {
	router_start -n '*solo'
	solo=$ROUTER_PORT
	router_start -n '*two'
	gw_conf Alpha "[router *two]" "host = 127.0.0.1" "port = $ROUTER_PORT"
	# The first router is down: the gateway fails over to *two.
	sed -i '0,/^port = .*/s//port = 1/' "$(T Alpha.conf)"
	gw_start Alpha
	gw_wait Alpha '"router_connected","params":\{"router":"\*two"\}' 10
	# Now only one router, under another name.
	ROUTER_PORT=$solo gw_conf Alpha
	sed -i 's/^\[router \*test\]/[router *solo]/' "$(T Alpha.conf)"
	kill -HUP "$GW_PID_Alpha"
	gw_wait Alpha '"router_connected","params":\{"router":"\*solo"\}' 10
	gw_call Alpha 1 ping
	[[ "$REPLY" == *'"result"'* ]]
	kill -0 "$GW_PID_Alpha"
}
