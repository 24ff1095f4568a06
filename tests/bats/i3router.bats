#!/usr/bin/env bats
# i3router.bats: the test router (tests/helpers/i3router.c) driven by i3probe.

load helpers

teardown() {
	router_stop_all
}

T() {
	echo "$BATS_TEST_TMPDIR/$1"
}

@test "startup: reply, mudlist, chanlist in order; 9-digit password" {
	router_start
	run probe --expect 3 <<< "$(startup_pkt Alpha)"
	[ "$status" -eq 0 ]
	re='^\["startup-reply",5,"\*test",0,"Alpha",0,\[\["\*test","127\.0\.0\.1 '"$ROUTER_PORT"'"\]\],([1-9][0-9]{8})\]$'
	[[ "${lines[0]}" =~ $re ]]
	pw=${BASH_REMATCH[1]}
	[[ "${lines[1]}" == '["mudlist",5,"*test",0,"Alpha",0,'*'"Alpha":[-1,"127.0.0.1",4000,0,0,"TestLib","TestLib","i3probe","LP","mudlib development","admin@example.org",{"tell":1,"channel":1},0]'* ]]
	[[ "${lines[2]}" == '["chanlist-reply",5,"*test",0,"Alpha",0,'*'"dchat":["*test",0]'* ]]
	[[ "${lines[2]}" == *'"imud_code":["*test",0]'* ]]
	[[ "${lines[2]}" == *'"imud_gossip":["*test",0]'* ]]

	# The right password is kept.
	run probe --expect 1 <<< "$(startup_pkt Alpha "$pw")"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *",$pw]" ]]

	# A wrong one: a warning, then a new password.
	run probe --expect 2 <<< "$(startup_pkt Alpha 123)"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"warning","wrong password, but I'"'"'ll allow you since it'"'"'s the same IP as last time",'* ]]
	[[ "${lines[1]}" =~ ^\[\"startup-reply\".*,([0-9]{9})\]$ ]]
	[ "${BASH_REMATCH[1]}" != "$pw" ]
}

@test "startup: no chanlist-reply without the channel service" {
	router_start
	run probe --wait 300 <<< "$(startup_pkt Alpha 0 '*test' '{"tell":1}')"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == '["mudlist",'* ]]
}

@test "startup: the router name is case-insensitive; another name closes silently" {
	router_start
	run probe --expect 1 <<< "$(startup_pkt Alpha 0 '*TEST')"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["startup-reply",'* ]]
	run probe --wait 2000 <<< "$(startup_pkt Alpha 0 '*other')"
	[ "$status" -eq 3 ]
	[ "$output" = "i3probe: connection closed by peer" ]
}

@test "startup: bad shapes get bad-pkt" {
	router_start
	run probe --expect 2 <<'EOF'
["startup-req-3",5,"Alpha",0,"*test",0,0,0,0,4000,0,0,"L","L","d","LP","open","a@b",{"tell":1}]
["startup-req-3",5,"Alpha",0,"*test",0,"pw",0,0,4000,0,0,"L","L","d","LP","open","a@b",{"tell":1},0]
EOF
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"bad-pkt","Bad startup_req packet",'* ]]
	[[ "${lines[1]}" == '["error",5,"*test",0,"Alpha",0,"bad-pkt","Bad startup_req packet",'* ]]
}

@test "startup-req-1 and -2 (18 elements) are accepted" {
	router_start
	run probe --expect 2 <<'EOF'
["startup-req-2",5,"Old",0,"*test",0,0,0,0,4000,0,0,"L","L","d","LP","open",{"tell":1}]
EOF
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["startup-reply",5,"*test",0,"Old",0,'* ]]
	[[ "${lines[1]}" == *'"Old":[-1,"127.0.0.1",4000,0,0,"L","L","d","LP","open","",{"tell":1},0]'* ]]
}

@test "tell is routed between two MUDs, unchanged" {
	router_start
	probe_bg b --expect 5 -t 5000 <<< "$(startup_pkt Beta)"
	wait_for_line "$(T b.out)" startup-reply
	run probe --wait 300 <<EOF
$(startup_pkt Alpha)
wait startup-reply
["tell",5,"Alpha","bob","Beta","ann","Bob","hi there"]
EOF
	[ "$status" -eq 0 ]
	probe_wait b
	grep -qxF '["tell",5,"Alpha","bob","Beta","ann","Bob","hi there"]' "$(T b.out)"
	# Beta also heard of Alpha coming up.
	grep -q '^\["mudlist",5,"\*test",0,0,0,[0-9]*,{"Alpha":\[-1,' "$(T b.out)"
}

@test "unknown target gets unk-dst with the packet; a down one is dropped" {
	router_start
	probe --expect 3 <<< "$(startup_pkt Gone)" >/dev/null
	run probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["tell",5,"Alpha","bob","Nowhere","ann","Bob","hi"]
["tell",5,"Alpha","bob","Gone","ann","Bob","hi"]
EOF
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = '["error",5,"*test",0,"Alpha","bob","unk-dst","destination unknown",["tell",5,"Alpha","bob","Nowhere","ann","Bob","hi"]]' ]
}

@test "channel: warning and auto-listen, echo to the sender, delivery to listeners" {
	router_start
	probe_bg b --expect 6 -t 5000 <<EOF
$(startup_pkt Beta)
["channel-listen",5,"Beta",0,"*test",0,"dchat",1]
EOF
	wait_for_line "$(T b.out)" chanlist-reply
	sleep 0.2
	run probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello all"]
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","again"]
EOF
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -ge 6 ]
	[[ "${lines[3]}" == '["error",5,"*test",0,"Alpha","bob","warning",'*'["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello all"]]' ]]
	[ "${lines[4]}" = '["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello all"]' ]
	[ "${lines[5]}" = '["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","again"]' ]
	probe_wait b
	grep -qxF '["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello all"]' "$(T b.out)"
	grep -qxF '["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","again"]' "$(T b.out)"
}

@test "channel: unknown channel, bad target, emote without \$N" {
	router_start
	run probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"nochan","Bob","hi"]
["channel-m",5,"Alpha","bob","Beta",0,"dchat","Bob","hi"]
["channel-listen",5,"Alpha",0,"*test",0,"dchat",1]
["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","waves"]
["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","\$N waves"]
EOF
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == '["error",5,"*test",0,"Alpha","bob","unk-channel","Unknown channel: nochan",'* ]]
	[[ "${lines[4]}" == '["error",5,"*test",0,"Alpha","bob","bad-pkt","Bad packet format.",'* ]]
	[ "${lines[5]}" = '["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","waves (from Bob@Alpha)"]' ]
	[ "${lines[6]}" = '["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","$N waves"]' ]
	[ "${#lines[@]}" -eq 7 ]
}

@test "broadcast locate-req reaches every MUD, the sender too" {
	router_start
	probe_bg b --expect 5 -t 5000 <<< "$(startup_pkt Beta)"
	wait_for_line "$(T b.out)" chanlist-reply
	run probe --expect 4 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["locate-req",5,"Alpha","bob",0,0,"ann"]
EOF
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = '["locate-req",5,"Alpha","bob",0,0,"ann"]' ]
	probe_wait b
	grep -qxF '["locate-req",5,"Alpha","bob",0,0,"ann"]' "$(T b.out)"
}

@test "chanlist-req gets the whole chanlist; -c sets the channels" {
	router_start -c one,two
	run probe --expect 4 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" =~ ^\[\"chanlist-reply\",5,\"\*test\",0,\"Alpha\",0,[0-9]+,\{\"one\":\[\"\*test\",0\],\"two\":\[\"\*test\",0\]\}\]$ ]]
}

@test "router commands: not-imp, unk-src, forbidden types" {
	router_start
	run probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["who-req",5,"Alpha","bob","*test",0]
["tell",5,"Mallory","bob","Alpha","ann","Bob","hi"]
["mudlist",5,"Alpha",0,0,0,1,{}]
EOF
	[ "$status" -eq 0 ]
	[[ "${lines[3]}" == '["error",5,"*test",0,"Alpha","bob","not-imp","Unknown command sent to router",'* ]]
	[[ "${lines[4]}" == '["error",5,"*test",0,"Alpha","bob","unk-src",'* ]]
	[[ "${lines[5]}" == '["error",5,"*test",0,"Alpha",0,"not-allowed",'* ]]
}

@test "packets before startup are dropped" {
	router_start
	run probe --wait 400 <<EOF
["tell",5,"Alpha","bob","Beta","ann","Bob","hi"]
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a garbage frame closes only that connection; bad LPC gets bad-pkt" {
	router_start
	probe_bg a --expect 6 -t 5000 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
sleep 600
["tell",5,"Alpha","bob","Alpha","bob","Bob","to myself"]
lpc ({"tell",5,"Alpha"
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	wait_for_line "$(T a.out)" chanlist-reply
	run probe --wait 2000 <<< 'hex 00 00 00 00'
	[ "$status" -eq 3 ]
	run probe --wait 2000 <<< 'hex 7f ff ff ff 28 7b'
	[ "$status" -eq 3 ]
	probe_wait a
	grep -qxF '["tell",5,"Alpha","bob","Alpha","bob","Bob","to myself"]' "$(T a.out)"
	grep -qF '"bad-pkt"' "$(T a.out)"
	grep -q '^\["chanlist-reply"' "$(T a.out)"
	[ "$(count_lines "$(T a.out)" '^\["chanlist-reply"')" -eq 2 ]
}

@test "duplicate startup: other password -> bad-proto and bad-mojo; same -> old dropped" {
	router_start
	probe_bg a --wait 3000 <<< "$(startup_pkt Alpha)"
	wait_for_line "$(T a.out)" chanlist-reply
	pw=$(sed -nE 's/^\["startup-reply".*,([0-9]+)\]$/\1/p' "$(T a.out)")
	run probe --expect 1 <<< "$(startup_pkt Alpha 7)"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"bad-proto","MUD already connected",'* ]]
	wait_for_line "$(T a.out)" bad-mojo
	grep -qF '"bad-mojo","Another mud is trying to be you."' "$(T a.out)"
	run probe --expect 1 <<< "$(startup_pkt Alpha "$pw")"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *",$pw]" ]]
	run probe_wait a
	[ "$status" -eq 3 ]
}

@test "-l logs connects, packets (mud null before startup) and disconnects" {
	router_start -l "$(T r.log)"
	probe --expect 3 <<< "$(startup_pkt Alpha)" >/dev/null
	probe --wait 200 <<< '["tell",5,"X",0,"Y",0,"v","m"]' >/dev/null
	wait_for_line "$(T r.log)" '"conn":2,"event":"disconnect"'
	run cat "$(T r.log)"
	[[ "${lines[0]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"event\":\"connect\"\}$ ]]
	[[ "${lines[1]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"mud\":null,\"packet\":\[\"startup-req-3\",5,\"Alpha\", ]]
	[[ "${lines[2]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"event\":\"disconnect\"\}$ ]]
	[[ "${lines[4]}" =~ ^\{\"t\":[0-9]+,\"conn\":2,\"mud\":null,\"packet\":\[\"tell\",5,\"X\",0,\"Y\",0,\"v\",\"m\"\]\}$ ]]
}
