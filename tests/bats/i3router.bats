#!/usr/bin/env bats
# i3router.bats: the test router (tests/helpers/i3router.c) driven by i3probe.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

@test "startup: reply, mudlist, chanlist in order; 9-digit password" {
	router_start
	run -0 probe --expect 3 <<< "$(startup_pkt Alpha)"
	re='^\["startup-reply",5,"\*test",0,"Alpha",0,\[\["\*test","127\.0\.0\.1 '"$ROUTER_PORT"'"\]\],([1-9][0-9]{8})\]$'
	[[ "${lines[0]}" =~ $re ]]
	pw=${BASH_REMATCH[1]}
	[[ "${lines[1]}" == '["mudlist",5,"*test",0,"Alpha",0,'*'"Alpha":[-1,"127.0.0.1",4000,0,0,"TestLib","TestLib","i3probe","LP","mudlib development","admin@example.org",{"tell":1,"channel":1},0]'* ]]
	[[ "${lines[2]}" == '["chanlist-reply",5,"*test",0,"Alpha",0,'*'"dchat":["*test",0]'* ]]
	[[ "${lines[2]}" == *'"imud_code":["*test",0]'* ]]
	[[ "${lines[2]}" == *'"imud_gossip":["*test",0]'* ]]

	# The right password is kept.
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha "$pw")"
	[[ "${lines[0]}" == *",$pw]" ]]

	# A wrong one: a warning, then a new password.
	run -0 probe --expect 2 <<< "$(startup_pkt Alpha 123)"
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"warning","wrong password, but I'"'"'ll allow you since it'"'"'s the same IP as last time",'* ]]
	[[ "${lines[1]}" =~ ^\[\"startup-reply\".*,([0-9]{9})\]$ ]]
	[ "${BASH_REMATCH[1]}" != "$pw" ]
}

@test "startup: no chanlist-reply without the channel service" {
	router_start
	run -0 probe --wait 300 <<< "$(startup_pkt Alpha 0 '*test' '{"tell":1}')"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == '["mudlist",'* ]]
}

@test "startup: the router name is case-insensitive; another name closes silently" {
	router_start
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha 0 '*TEST')"
	[[ "${lines[0]}" == '["startup-reply",'* ]]
	run -3 probe --wait 2000 <<< "$(startup_pkt Alpha 0 '*other')"
	[ "$output" = "i3probe: connection closed by peer" ]
}

@test "startup: bad shapes get bad-pkt" {
	router_start
	run -0 probe --expect 2 <<'EOF'
["startup-req-3",5,"Alpha",0,"*test",0,0,0,0,4000,0,0,"L","L","d","LP","open","a@b",{"tell":1}]
["startup-req-3",5,"Alpha",0,"*test",0,"pw",0,0,4000,0,0,"L","L","d","LP","open","a@b",{"tell":1},0]
EOF
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"bad-pkt","Bad startup_req packet",'* ]]
	[[ "${lines[1]}" == '["error",5,"*test",0,"Alpha",0,"bad-pkt","Bad startup_req packet",'* ]]
}

@test "startup-req-1 and -2 (18 elements) are accepted" {
	router_start
	run -0 probe --expect 2 <<'EOF'
["startup-req-2",5,"Old",0,"*test",0,0,0,0,4000,0,0,"L","L","d","LP","open",{"tell":1}]
EOF
	[[ "${lines[0]}" == '["startup-reply",5,"*test",0,"Old",0,'* ]]
	[[ "${lines[1]}" == *'"Old":[-1,"127.0.0.1",4000,0,0,"L","L","d","LP","open","",{"tell":1},0]'* ]]
}

@test "tell is routed between two MUDs, unchanged" {
	router_start
	probe_bg b --expect 5 -t 5000 <<< "$(startup_pkt Beta)"
	wait_for_line "$(T b.out)" startup-reply
	run -0 probe --wait 300 <<EOF
$(startup_pkt Alpha)
wait startup-reply
["tell",5,"Alpha","bob","Beta","ann","Bob","hi there"]
EOF
	probe_wait b
	grep -qxF '["tell",5,"Alpha","bob","Beta","ann","Bob","hi there"]' "$(T b.out)"
	# Beta also heard of Alpha coming up.
	grep -q '^\["mudlist",5,"\*test",0,0,0,[0-9]*,{"Alpha":\[-1,' "$(T b.out)"
}

@test "unknown target gets unk-dst with the packet; a down one is dropped" {
	router_start
	probe --expect 3 <<< "$(startup_pkt Gone)" >/dev/null
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["tell",5,"Alpha","bob","Nowhere","ann","Bob","hi"]
["tell",5,"Alpha","bob","Gone","ann","Bob","hi"]
EOF
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = '["error",5,"*test",0,"Alpha","bob","unk-dst","destination unknown",["tell",5,"Alpha","bob","Nowhere","ann","Bob","hi"]]' ]
}

@test "channel: warning and auto-listen, echo to the sender, delivery to listeners" {
	router_start -l "$(T r.log)"
	probe_bg b --expect 6 -t 5000 <<EOF
$(startup_pkt Beta)
["channel-listen",5,"Beta",0,"*test",0,"dchat",1]
EOF
	# the router has taken Beta's channel-listen
	wait_for_line "$(T r.log)" '"channel-listen",5,"Beta",0,"\*test",0,"dchat",1'
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello all"]
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","again"]
EOF
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
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"nochan","Bob","hi"]
["channel-m",5,"Alpha","bob","Beta",0,"dchat","Bob","hi"]
["channel-listen",5,"Alpha",0,"*test",0,"dchat",1]
["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","waves"]
["channel-e",5,"Alpha","bob",0,0,"dchat","Bob","\$N waves"]
EOF
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
	run -0 probe --expect 4 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["locate-req",5,"Alpha","bob",0,0,"ann"]
EOF
	[ "${lines[3]}" = '["locate-req",5,"Alpha","bob",0,0,"ann"]' ]
	probe_wait b
	grep -qxF '["locate-req",5,"Alpha","bob",0,0,"ann"]' "$(T b.out)"
}

@test "chanlist-req gets the whole chanlist; -c sets the channels" {
	router_start -c one,two
	run -0 probe --expect 4 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	[[ "${lines[3]}" =~ ^\[\"chanlist-reply\",5,\"\*test\",0,\"Alpha\",0,[0-9]+,\{\"one\":\[\"\*test\",0\],\"two\":\[\"\*test\",0\]\}\]$ ]]
}

@test "router commands: not-imp, unk-src, forbidden types" {
	router_start
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["who-req",5,"Alpha","bob","*test",0]
["tell",5,"Mallory","bob","Alpha","ann","Bob","hi"]
["mudlist",5,"Alpha",0,0,0,1,{}]
EOF
	[[ "${lines[3]}" == '["error",5,"*test",0,"Alpha","bob","not-imp","Unknown command sent to router",'* ]]
	[[ "${lines[4]}" == '["error",5,"*test",0,"Alpha","bob","unk-src",'* ]]
	[[ "${lines[5]}" == '["error",5,"*test",0,"Alpha",0,"not-allowed",'* ]]
}

@test "packets before startup are dropped" {
	router_start
	run -0 probe --wait 400 <<EOF
["tell",5,"Alpha","bob","Beta","ann","Bob","hi"]
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
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
	run -3 probe --wait 2000 <<< 'hex 00 00 00 00'
	run -3 probe --wait 2000 <<< 'hex 7f ff ff ff 28 7b'
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
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha 7)"
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"bad-proto","MUD already connected",'* ]]
	wait_for_line "$(T a.out)" bad-mojo
	grep -qF '"bad-mojo","Another mud is trying to be you."' "$(T a.out)"
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha "$pw")"
	[[ "${lines[0]}" == *",$pw]" ]]
	rc=0
	probe_wait a || rc=$?
	[ "$rc" -eq 3 ]
}

@test "-l logs connects, packets (mud null before startup) and disconnects" {
	router_start -l "$(T r.log)"
	probe --expect 3 <<< "$(startup_pkt Alpha)" >/dev/null
	probe --wait 200 <<< '["tell",5,"X",0,"Y",0,"v","m"]' >/dev/null
	wait_for_line "$(T r.log)" '"conn":2,"event":"disconnect"'
	run -0 cat "$(T r.log)"
	[[ "${lines[0]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"event\":\"connect\"\}$ ]]
	[[ "${lines[1]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"mud\":null,\"packet\":\[\"startup-req-3\",5,\"Alpha\", ]]
	[[ "${lines[2]}" =~ ^\{\"t\":[0-9]+,\"conn\":1,\"event\":\"disconnect\"\}$ ]]
	[[ "${lines[4]}" =~ ^\{\"t\":[0-9]+,\"conn\":2,\"mud\":null,\"packet\":\[\"tell\",5,\"X\",0,\"Y\",0,\"v\",\"m\"\]\}$ ]]
}

@test "SIGTERM ends the router with status 0" {
	router_start
	rc=0
	router_stop || rc=$?
	[ "$rc" -eq 0 ]
}

@test "--max-seconds ends the router by itself" {
	router_start --max-seconds 1
	wait_until 5 "the router to exit" gone "$ROUTER_PID"
	rc=0
	router_stop || rc=$?
	[ "$rc" -eq 0 ]
}

@test "--ds-limits: a second connect in the same second is closed at once" {
	router_start --ds-limits -l "$(T r.log)"
	# Both in one wall-clock second: started early in one (it was tried
	# up to 3 times, for the two could fall on either side of one).
	until [ "${EPOCHREALTIME#*.}" -lt 200000 ]; do
		sleep 0.01
	done
	probe_bg x --wait 700 < /dev/null
	probe_bg y --wait 700 < /dev/null
	rx=0; probe_wait x || rx=$?
	ry=0; probe_wait y || ry=$?
	# one stays its 700 ms (0), the other is closed at once (3)
	echo "x $rx, y $ry"
	[ "$((rx * ry))" -eq 0 ]
	[ "$((rx + ry))" -eq 3 ]
	[ "$(count_lines "$(T r.log)" '"event":"drop"')" -eq 1 ]
}

@test "--ds-limits: flood gets not-allowed and the MUD is graylisted" {
	router_start --ds-limits
	{
		startup_pkt Alpha
		echo "wait chanlist-reply"
		for i in $(seq 1 25); do
			echo "[\"tell\",5,\"Alpha\",\"bob\",\"Alpha\",\"bob\",\"Bob\",\"$i\"]"
		done
		echo "sleep 1200"
		echo '["tell",5,"Alpha","bob","Alpha","bob","Bob","late"]'
	} > "$(T in)"
	run -0 probe --wait 500 < "$(T in)"
	[[ "$output" == *'"not-allowed","Flood detected!'* ]]
	n=$(echo "$output" | grep -c '^\["tell"')
	[ "$n" -ge 4 ]
	[ "$n" -le 10 ]
	[[ "$output" != *'"late"'* ]]
}

@test "script: expect, send with %MUD and %PORT, drop" {
	cat > "$(T s.txt)" <<'EOF'
# answer a startup by hand, then one tell, then hang up
expect startup-req-3
send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]

expect tell
send ["error",5,"*test",0,"%MUD","bob","unk-user","nobody here",0]
drop
EOF
	router_start -s "$(T s.txt)"
	run -3 probe --wait 2000 <<EOF
$(startup_pkt Alpha)
wait startup-reply
["tell",5,"Alpha","bob","Beta","ann","Bob","hi"]
EOF
	[ "${lines[0]}" = '["startup-reply",5,"*test",0,"Alpha",0,[["*test","127.0.0.1 '"$ROUTER_PORT"'"]],42]' ]
	[ "${lines[1]}" = '["error",5,"*test",0,"Alpha","bob","unk-user","nobody here",0]' ]
	[ "${lines[2]}" = "i3probe: connection closed by peer" ]
}

@test "script: a wrong packet makes the router exit 3" {
	printf 'expect startup-req-3\nexpect tell\n' > "$(T s.txt)"
	router_start -s "$(T s.txt)"
	run -3 probe --wait 300 <<EOF
$(startup_pkt Alpha)
["who-req",5,"Alpha","bob","Beta",0]
EOF
	rc=0
	router_stop || rc=$?
	[ "$rc" -eq 3 ]
	grep -q 'script: expected tell got who-req' "$ROUTER_ERR"
}

@test "script: sleep then auto answers the startup normally" {
	printf 'expect startup-req-3\nsleep 300\nauto\n' > "$(T s.txt)"
	router_start -s "$(T s.txt)"
	run -0 probe --expect 4 <<EOF
$(startup_pkt Alpha)
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	[[ "${lines[0]}" == '["startup-reply",'* ]]
	[[ "${lines[1]}" == '["mudlist",'* ]]
	[[ "${lines[2]}" == '["chanlist-reply",'* ]]
	[[ "${lines[3]}" == '["chanlist-reply",'* ]]
}

@test "script: own startup-reply then auto registers without a second reply" {
	cat > "$(T s.txt)" <<'EOF'
expect startup-req-3
send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],7]
auto
EOF
	router_start -s "$(T s.txt)"
	run -0 probe --expect 2 <<EOF
$(startup_pkt Alpha)
wait startup-reply
["tell",5,"Alpha","bob","Alpha","bob","Bob","loop"]
EOF
	[[ "${lines[0]}" == *',7]' ]]
	[ "${lines[1]}" = '["tell",5,"Alpha","bob","Alpha","bob","Bob","loop"]' ]
}

@test "script: silent keeps the socket open; exit ends the router" {
	printf 'expect startup-req-3\nsilent\n' > "$(T s.txt)"
	router_start -s "$(T s.txt)"
	run -0 probe --wait 500 <<< "$(startup_pkt Alpha)"
	[ -z "$output" ]
	router_stop
	printf 'send ["error",5,"*test",0,0,0,"bye","going",0]\nexit\n' > "$(T s2.txt)"
	router_start -s "$(T s2.txt)"
	run -3 probe --wait 1000 < /dev/null
	[[ "${lines[0]}" == '["error",5,"*test",0,0,0,"bye","going",0]' ]]
	rc=0
	router_stop || rc=$?
	[ "$rc" -eq 0 ]
}

@test "--redirect lists the other router first, --peer after itself" {
	router_start --redirect '*other:4444' --peer '*peer:5555'
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha)"
	[[ "${lines[0]}" == '["startup-reply",5,"*test",0,"Alpha",0,[["*other","127.0.0.1 4444"],["*test","127.0.0.1 '"$ROUTER_PORT"'"],["*peer","127.0.0.1 5555"]],'* ]]
}

@test "--state keeps passwords across a restart" {
	router_start --state "$(T st.json)"
	run -0 probe --expect 3 <<< "$(startup_pkt Alpha)"
	pw=$(echo "${lines[0]}" | sed -E 's/.*,([0-9]+)\]$/\1/')
	router_stop
	[ -s "$(T st.json)" ]
	router_start --state "$(T st.json)"
	run -0 probe --expect 2 <<< "$(startup_pkt Beta)"
	# Alpha is known (down) after the restart.
	[[ "${lines[1]}" == *'"Alpha":[0,'* ]]
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha "$pw")"
	[[ "${lines[0]}" == '["startup-reply",'*",$pw]" ]]
}

@test "--fake-muds: listed up in the mudlist; packets to them vanish" {
	router_start --fake-muds 200
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["tell",5,"Alpha","bob","FakeMud007","ann","Bob","hi"]
["tell",5,"Alpha","bob","FakeMud777","ann","Bob","hi"]
EOF
	[ "$(echo "${lines[1]}" | grep -oE '"FakeMud[0-9]{3}":\[-1,' | wc -l)" -eq 200 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[3]}" == *'"unk-dst"'*'"FakeMud777"'* ]]
}

@test "--silent-after: no more reading or answering, the socket stays open" {
	router_start --silent-after 2
	run -0 probe --wait 600 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["chanlist-req",5,"Alpha",0,"*test",0]
sleep 100
["chanlist-req",5,"Alpha",0,"*test",0]
EOF
	[ "${#lines[@]}" -eq 4 ]
}

@test "SIGHUP drops every MUD and keeps listening" {
	router_start
	probe_bg a --wait 3000 <<< "$(startup_pkt Alpha)"
	wait_for_line "$(T a.out)" chanlist-reply
	kill -HUP "$ROUTER_PID"
	rc=0
	probe_wait a || rc=$?
	[ "$rc" -eq 3 ]
	run -0 probe --expect 1 <<< "$(startup_pkt Alpha)"
}

@test "--discard counts packets after startup; SIGUSR1 prints the counts" {
	router_start --discard
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["tell",5,"Alpha","bob","Alpha","bob","Bob","1"]
["tell",5,"Alpha","bob","Alpha","bob","Bob","2"]
["locate-req",5,"Alpha","bob",0,0,"ann"]
EOF
	[ "${#lines[@]}" -eq 3 ]
	kill -USR1 "$ROUTER_PID"
	wait_for_line "$ROUTER_ERR" 'discard: 3 packets'
}

@test "--no-echo: no copy of your own channel message" {
	router_start --no-echo
	run -0 probe --wait 400 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","hello"]
EOF
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[3]}" == *'"warning"'* ]]
}

@test "--down-delay: down is broadcast late, and not at all after a quick return" {
	router_start --down-delay 1200
	probe_bg b --wait 3500 <<< "$(startup_pkt Beta)"
	wait_for_line "$(T b.out)" chanlist-reply
	run -0 probe --expect 3 <<< "$(startup_pkt Alpha)"
	pw=$(echo "${lines[0]}" | sed -E 's/.*,([0-9]+)\]$/\1/')
	run -0 probe --expect 3 <<< "$(startup_pkt Alpha "$pw")"
	sleep 0.5
	[ "$(count_lines "$(T b.out)" '"Alpha":\[0,')" -eq 0 ]
	wait_for_line "$(T b.out)" '"Alpha":\[0,' 3
	probe_wait b
	[ "$(count_lines "$(T b.out)" '"Alpha":\[0,')" -eq 1 ]
}

@test "channel-add, channel-admin ban, chan-adminlist, channel-remove" {
	router_start
	probe_bg b --wait 2500 <<EOF
$(startup_pkt Beta)
wait chanlist-reply
wait chanlist-reply
sleep 300
["channel-m",5,"Beta","ann",0,0,"priv","Ann","let me in"]
["channel-remove",5,"Beta","ann","*test",0,"priv"]
EOF
	wait_for_line "$(T b.out)" chanlist-reply
	run -0 probe --wait 1500 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-add",5,"Alpha","bob","*test",0,"priv",0]
["channel-admin",5,"Alpha","bob","*test",0,"priv",["Beta","Gamma"],["Gamma"]]
["chan-adminlist",5,"Alpha","bob","*test",0,"priv"]
sleep 800
["channel-remove",5,"Alpha","bob","*test",0,"priv"]
EOF
	[[ "${lines[3]}" == '["chanlist-reply",5,"*test",0,"Alpha",0,'*'"priv":["Alpha",0]'* ]]
	[ "${lines[4]}" = '["chan-adminlist-reply",5,"*test",0,"Alpha","bob","priv",["Beta"]]' ]
	[[ "${lines[5]}" == '["chanlist-reply",'* ]]
	[[ "${lines[5]}" != *'"priv"'* ]]
	probe_wait b
	grep -q '"not-allowed","You are not allowed on channel priv"' "$(T b.out)"
	grep -q '"not-allowed","You are not the owner of that channel."' "$(T b.out)"
}

@test "filtered channel: the host gets chan-filter-req, its reply is delivered" {
	router_start
	probe_bg a --wait 2500 <<EOF
$(startup_pkt Host)
wait chanlist-reply
["channel-add",5,"Host",0,"*test",0,"filt",2]
["channel-admin",5,"Host",0,"*test",0,"filt",["Beta"],[]]
["channel-listen",5,"Host",0,"*test",0,"filt",1]
wait chan-filter-req
["chan-filter-reply",5,"Host",0,"*test",0,"filt",["channel-m",5,"Beta","ann",0,0,"filt","Ann","b*d word"]]
EOF
	wait_for_line "$(T a.out)" '"filt":\["Host",2\]'
	run -0 probe --wait 800 <<EOF
$(startup_pkt Beta)
wait chanlist-reply
["channel-m",5,"Beta","ann",0,0,"filt","Ann","bad word"]
EOF
	[[ "$output" == *'["channel-m",5,"Beta","ann",0,0,"filt","Ann","b*d word"]'* ]]
	[ "$(echo "$output" | grep -c '^\["channel-m".*"bad word"')" -eq 0 ]
	probe_wait a
	grep -qF '["chan-filter-req",5,"*test",0,"Host",0,"filt",["channel-m",5,"Beta","ann",0,0,"filt","Ann","bad word"]]' "$(T a.out)"
	grep -qF '"b*d word"' "$(T a.out)"
}

@test "many MUDs at once: 200 connections all get their startup answer" {
	router_start
	for i in $(seq 1 200); do
		probe_bg m$i --expect 3 -t 15000 <<< "$(startup_pkt "Many$i")"
	done
	for i in $(seq 1 200); do
		probe_wait m$i
	done
	run -0 probe --expect 2 <<< "$(startup_pkt Last)"
	[ "$(echo "${lines[1]}" | grep -oE '"Many[0-9]+":\[' | wc -l)" -eq 200 ]
}

@test "shutdown: the router closes, the MUD is broadcast down; listen 0 stops delivery" {
	router_start
	probe_bg b --wait 2000 <<EOF
$(startup_pkt Beta)
["channel-listen",5,"Beta",0,"*test",0,"dchat",1]
wait channel-m
["channel-listen",5,"Beta",0,"*test",0,"dchat",0]
EOF
	wait_for_line "$(T b.out)" chanlist-reply
	run -3 probe --wait 1500 <<EOF
$(startup_pkt Alpha)
wait chanlist-reply
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","one"]
sleep 400
["channel-m",5,"Alpha","bob",0,0,"dchat","Bob","two"]
["shutdown",5,"Alpha",0,"*test",0,0]
EOF
	probe_wait b
	grep -q '"Alpha":\[0,' "$(T b.out)"
	grep -qF '"Bob","one"]' "$(T b.out)"
	run -1 grep -qF '"Bob","two"]' "$(T b.out)"
}
