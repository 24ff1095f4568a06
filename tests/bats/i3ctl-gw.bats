#!/usr/bin/env bats
# i3ctl-gw.bats: i3ctl end to end between two gateways: the test router,
# i3gw Alpha and Beta on Unix sockets, i3ctl on each.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	stop_all
}

# two: gateways Alpha and Beta (sockets $ALPHA and $BETA), once each has
# both in its mudlist.
two() {
	local s i
	gwsock_start Alpha
	ALPHA=$I3_SOCKET
	gwsock_start Beta
	BETA=$I3_SOCKET
	for s in "$ALPHA" "$BETA"; do
		for i in $(seq 1 100); do
			[ "$(I3_SOCKET=$s "$I3CTL" mudlist -r | sort | tr '\n' ,)" = \
			    "Alpha,Beta," ] && break
			sleep 0.05
		done
	done
}

@test "gw: ping, status and stats, human and --json" {
	gwsock_start Alpha
	run -0 "$I3CTL" ping
	[[ $output == "pong from the gateway in "* ]]
	run -0 "$I3CTL" --json ping
	echo "$output" | jq -e '.pong == true'
	run -0 "$I3CTL" status
	[[ $output == *"mud: Alpha"* ]]
	[[ $output == *"router_state: ready"* ]]
	run -0 "$I3CTL" --json status
	echo "$output" | jq -e '.mud == "Alpha" and .router == "*test"'
	run -0 "$I3CTL" -q .router_state -r status
	[ "$output" = ready ]
	run -0 "$I3CTL" stats
	[[ $output == *"packets_in: "* ]]
	run -0 "$I3CTL" --json stats
	echo "$output" | jq -e '.requests > 0'
}

@test "gw: mudlist and mudinfo (tables, -r, filters, case)" {
	two
	export I3_SOCKET=$BETA
	run -0 "$I3CTL" mudlist
	[[ ${lines[0]} == "NAME"*"UP"* ]]
	[[ $output == *"Alpha"*"yes"* ]]
	run -0 "$I3CTL" mudlist -r
	[ "$(echo "$output" | sort | tr '\n' ,)" = "Alpha,Beta," ]
	run -0 "$I3CTL" mudlist --up -r 'a*'
	[ "$output" = Alpha ]
	run -0 "$I3CTL" --json mudlist --service tell
	echo "$output" | jq -e '.count == 2'
	run -0 "$I3CTL" mudlist --mudlib nosuchlib -r
	[ -z "$output" ]
	run -0 "$I3CTL" mudinfo alpha
	[[ $output == *"name: Alpha"* ]]
	run -0 "$I3CTL" --json mudinfo ALPHA
	echo "$output" | jq -e '.name == "Alpha" and .up == true'
	run -1 --separate-stderr "$I3CTL" mudinfo Nowhere
	[ "$stderr" = "i3ctl: mudinfo: Nowhere is not in the mudlist (-32005 MUD not in the mudlist)" ]
}

@test "gw: a tell from one gateway arrives at the other (listen -n 1)" {
	two
	I3_SOCKET=$BETA listen_bg l1 --timeout 10 --json listen -n 1 -e tell_received
	I3_SOCKET=$ALPHA run -0 "$I3CTL" tell -a ann bob@beta 'hello %^RED%^Bob%^RESET%^'
	[ -z "$output" ]
	reap $LISTEN_PID 0
	jq -e '.event == "tell_received" and .params.originator_mud == "Alpha" and
	    .params.target_mud == "Beta" and .params.message == "hello %^RED%^Bob%^RESET%^"' \
	    "$(T l1.out)"
	# and the same in human form, colour stripped
	I3_SOCKET=$BETA listen_bg l2 --timeout 10 listen -n 1
	echo 'from stdin' | I3_SOCKET=$ALPHA "$I3CTL" tell -a ann bob@Beta
	reap $LISTEN_PID 0
	[ "$(cat "$(T l2.out)")" = "ann@Alpha tells you: from stdin" ]
}

@test "gw: emote, tell, beep with --no-wait: the answer at once" {
	gwsock_start Alpha "rate = 0"
	run -0 "$I3CTL" emote --no-wait -a ann bob@Alpha waves
	[ -z "$output" ]
	run -0 --separate-stderr "$I3CTL" --json tell -N -a ann bob@Alpha hi
	[ "$output" = '{"sent":true,"queued":false}' ]
	run -0 "$I3CTL" --json beep -N -a ann bob@Alpha
	[ "$output" = '{"sent":true,"queued":false}' ]
}

@test "gw: a tell to a MUD the router does not know exits 1 with the router's words; --json, --no-wait" {
	gwsock_start Alpha
	# (a wait longer than the default 1 s: the machine may be loaded)
	run -1 --separate-stderr "$I3CTL" tell -w 5 -a ann bob@Nowhere hi
	[[ $stderr == *"tell: refused by *"*": unk-dst: destination unknown"* ]]
	run -1 --separate-stderr "$I3CTL" --json emote -w 5 -a ann bob@Nowhere waves
	echo "$output" | jq -e '.failed.code == "unk-dst" and
	    .failed.target == "bob@Nowhere" and .failed.id == 1'
	run -0 --separate-stderr "$I3CTL" beep --no-wait -a ann bob@Nowhere
	[ -z "$stderr" ]
	run -2 --separate-stderr "$I3CTL" tell -w soon -a ann bob@Nowhere hi
	# a send the router takes waits the window, then exits 0
	SECONDS=0
	run -0 "$I3CTL" channel join imud_gossip
	run -0 "$I3CTL" channel send -w 0.3 -a ann imud_gossip hi
	[ "$SECONDS" -le 2 ]
}

@test "gw: channels: list, join, send, listen, leave" {
	gwsock_start Alpha
	run -0 "$I3CTL" channel list
	[[ ${lines[0]} == "NAME"* ]]
	run -0 "$I3CTL" channel list -r
	[[ $output == *imud_gossip* ]]
	run -0 "$I3CTL" channel join imud_gossip
	[ -z "$output" ]
	run -0 "$I3CTL" --json channel join imud_gossip
	echo "$output" | jq -e '.joined == true'
	run -0 "$I3CTL" channel send -a ann imud_gossip hello all
	run -0 "$I3CTL" channel emote -a ann imud_gossip waves
	run -0 "$I3CTL" --json channel leave imud_gossip
	echo "$output" | jq -e '.channel == "imud_gossip"'
}

@test "gw: who, locate and channel who of a MUD with nobody on answer empty lists" {
	gwsock_start Alpha
	run -0 "$I3CTL" --timeout 5 --json who Alpha
	echo "$output" | jq -e '. == {"mud":"Alpha","count":0,"users":[],"text":""}'
	run -0 "$I3CTL" --timeout 5 --json locate bob
	echo "$output" | jq -e '. == {"user":"bob","count":0,"found":[],"locations":[]}'
	run -0 "$I3CTL" --timeout 5 channel who imud_gossip Alpha -q .text -r
	[ "$output" = "[imud_gossip] on Alpha: nobody" ]
}

@test "gw: finger of a user not online is the remote unk-user error, exit 1" {
	gwsock_start Alpha
	run -1 --separate-stderr "$I3CTL" --timeout 5 finger bob@Alpha
	[ "$stderr" = "i3ctl: finger: unk-user: Alpha: unk-user: bob is not online on Alpha (-32003 remote I3 error)" ]
}

@test "gw: a method the gateway lacks is exit 4, said so" {
	gwsock_start Alpha
	run -4 --separate-stderr "$I3CTL" call no_such_method '{}'
	[ "$stderr" = "i3ctl: no_such_method: the gateway does not support method 'no_such_method' (-32601 method not found)" ]
	run -0 "$I3CTL" call ping
	[[ $output == *"pong: yes"* ]]
}

@test "gw: listen shows each event's text once: the sender is not repeated" {
	gwsock_start Alpha
	run -0 "$I3CTL" channel join imud_gossip
	listen_bg l --timeout 10 listen -n 2 -c imud_gossip -e tell_received \
	    -e channel_message
	run -0 "$I3CTL" tell -a ann bob@Alpha 'hi there'
	wait_for_line "$(T l.out)" 'tells you'
	run -0 "$I3CTL" channel send -a ann imud_gossip 'hello all'
	reap $LISTEN_PID 0
	diff - "$(T l.out)" <<-'EOF'
	ann@Alpha tells you: hi there
	[imud_gossip] ann@Alpha: hello all
	EOF
}

@test "gw: --timeout, a stopped gateway" {
	gwsock_start Alpha
	run -0 "$I3CTL" --timeout 2 ping
	gwsock_stop_all
	run -4 "$I3CTL" ping
}

@test "gw: shell through a pipe" {
	gwsock_start Alpha
	run -0 --separate-stderr bash -c "printf 'ping\nstatus --json\nmudlist -r\nquit\n' | '$I3CTL' shell"
	[[ ${lines[0]} == "pong from the gateway"* ]]
	echo "${lines[1]}" | jq -e '.mud == "Alpha"'
	[ "${lines[2]}" = Alpha ]
}

@test "gw: human output: who without its text line or an empty list, -r names, words for codes" {
	gwsock_start Alpha
	run -0 "$I3CTL" --timeout 5 who Alpha
	[ "$output" = "nobody is on Alpha" ]
	run -0 "$I3CTL" call presence_set \
	    '{"users":[{"name":"bob","visname":"Bob","idle":3,"title":"the Brave"}]}'
	run -0 "$I3CTL" --timeout 5 who Alpha
	[ "${lines[0]}" = "mud: Alpha" ]
	[[ "${lines[1]}" == "VISNAME"*"IDLE"*"EXTRA" ]]
	[[ "${lines[2]}" == "Bob"*"3"*"the Brave" ]]
	[ "${#lines[@]}" -eq 3 ]
	run -0 "$I3CTL" --timeout 5 who Alpha -r
	[ "$output" = "Bob" ]
	# finger shows what it knows, not empty fields
	run -0 "$I3CTL" --timeout 5 finger bob@Alpha
	[[ "$output" == *"visname: Bob"* ]]
	run -1 grep -qE '^[a-z_]+: *$' <<< "$output"
	run -0 "$I3CTL" channel list
	[[ "${lines[1]}" == "dchat"*"*test"*"public"*"no"*"no" ]]
	run -0 "$I3CTL" mudinfo Alpha
	[ "${lines[0]}" = "state: up" ]
	# the man page's example: options after the parameters
	run -0 "$I3CTL" call mudinfo '{"mud":"Alpha"}' --json
	echo "$output" | jq -e '.name == "Alpha" and .state == -1'
}

@test "gw: channel send --lines: one message a line of stdin, in order, empty lines skipped" {
	router_start -l "$BATS_TEST_TMPDIR/r.log"
	gwsock_start Alpha
	run -0 "$I3CTL" channel join imud_gossip
	printf 'one\ntwo\n\nthree\n' | "$I3CTL" channel send --lines -a ann imud_gossip
	wait_for_line "$BATS_TEST_TMPDIR/r.log" '"channel-m".*"three"'
	run -0 jq -r 'select(.packet[0] == "channel-m") | .packet[8]' "$BATS_TEST_TMPDIR/r.log"
	[ "$output" = $'one\ntwo\nthree' ]
	run --separate-stderr -2 "$I3CTL" channel send --lines imud_gossip words
	[ "$stderr" = "i3ctl: send: --lines reads stdin: no message words" ]
}

@test "gw: the README's jq example prints the names of who is on" {
	gwsock_start Alpha
	run -0 "$I3CTL" call presence_set '{"users":[{"name":"bob","visname":"Bob"}]}'
	line=$(grep -F "i3ctl who SomeMUD --json | jq" "$I3_TOP/README.md" | sed 's/^\$ //')
	[ -n "$line" ]
	run -0 sh -c "PATH='$I3_TOP/bin':\$PATH; ${line/SomeMUD/Alpha}"
	[ "$output" = "Bob" ]
}
