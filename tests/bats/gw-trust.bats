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

@test "/metrics: a remote packet type forges no line; unknown types counted under one label" {
	{
		echo 'expect startup-req-3'
		echo 'send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]'
		echo 'send ["x\"}1\nforged_metric 7\n#",5,"Evil",0,"%MUD",0]'
		for i in $(seq 1 100); do
			echo "send [\"kind$i\",5,\"Evil\",0,\"%MUD\",0]"
		done
		echo 'send ["tell",5,"Evil","eve","%MUD","bob","Eve","hi"]'
		echo 'silent'
	} > "$(T s.txt)"
	router_start -s "$(T s.txt)"
	gwd_conf Alpha "http = 127.0.0.1:0"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	for i in $(seq 1 100); do
		curl -s -m 2 "http://127.0.0.1:$hport/metrics" > "$(T m)"
		grep -q 'type="tell"' "$(T m)" && break
		sleep 0.05
	done
	grep -q 'i3gw_router_packets_total{direction="in",type="tell"} 1' "$(T m)"
	! grep -q '^forged_metric' "$(T m)"
	! grep -q 'kind' "$(T m)"
	grep -qx 'i3gw_router_packets_total{direction="in",type="other"} 101' "$(T m)"
	# Every sample line is NAME{labels} VALUE or NAME VALUE.
	! grep -vE '^(#.*|[a-z0-9_]+(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? [0-9.e+-]+)$' "$(T m)"
}
