#!/usr/bin/env bats
# i3ctl.bats: i3ctl: usage, exit codes, the command table, the man page,
# completions; and every command against the real i3gw on the test router
# (what reaches the router, what comes back, the errors a gateway gives).
# A scripted fake gateway (ctl-helpers.bash) only for the two answers a
# real one cannot be made to give; each such test says why.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	fakegw_stop
	stop_all
}

# world [LINES...]: the test router (its packet log r.log; channels dchat and
# imud_gossip), two MUDs that only log on and stay (Beta and Dead Souls,
# i3probe), and i3gw Alpha (unpaced; LINES go to its [limits]) on a Unix
# socket ($I3_SOCKET), once its mudlist holds all three.
world() {
	router_start -l "$(T r.log)" -c dchat,imud_gossip
	# (given on stdin by redirection: a probe_bg at the end of a pipe
	# runs in a subshell, where stop_all never sees it)
	probe_bg beta -t 60000 --wait 60000 <<< "$(startup_pkt Beta)"
	probe_bg ds -t 60000 --wait 60000 <<< "$(startup_pkt "Dead Souls")"
	gwsock_start Alpha "rate = 0" "$@"
	local i
	for i in $(seq 1 100); do
		[ "$("$I3CTL" mudlist -r | wc -l)" -eq 3 ] && return 0
		sleep 0.05
	done
	echo "Alpha's mudlist: $("$I3CTL" mudlist -r)" >&2
	return 1
}

# mud_down NAME: MUD NAME logs on and leaves; wait until Alpha's mudlist
# has it down.
mud_down() {
	local i
	startup_pkt "$1" | probe --wait 200 > /dev/null
	for i in $(seq 1 100); do
		[ "$("$I3CTL" -r -q ".muds[] | select(.name == \"$1\") | .up" \
		    mudlist)" = false ] && return 0
		sleep 0.05
	done
	echo "$1 never went down in Alpha's mudlist" >&2
	return 1
}

# not_ready: Alpha's router link is not ready (asked through i3ctl status).
not_ready() {
	[ "$("$I3CTL" -r -q .router_state status)" != ready ]
}

# sent TYPE [N]: the Nth (default first) packet of TYPE the router got from
# Alpha, as compact JSON, waiting for it (5 s).
sent() {
	local n=${2:-1} i p
	for i in $(seq 1 100); do
		p=$(jq -c --arg t "$1" \
		    'select(.mud == "Alpha" and .packet[0] == $t) | .packet' \
		    "$(T r.log)" 2>/dev/null | sed -n "${n}p")
		[ -n "$p" ] && { printf '%s\n' "$p"; return 0; }
		sleep 0.05
	done
	echo "the router got no $1 #$n from Alpha" >&2
	return 1
}

commands() {
	"$I3CTL" list-commands --json |
	    jq -r '.[] | if .subcommands then .subcommands[].command else .command end'
}

@test "no command is a usage error" {
	run -2 --separate-stderr "$I3CTL"
	[[ $stderr == *"no command given"* ]]
}

@test "unknown and ambiguous commands are usage errors" {
	run -2 --separate-stderr "$I3CTL" frobnicate
	[[ $stderr == *"unknown command: frobnicate"* ]]
	run -2 --separate-stderr "$I3CTL" c
	[[ $stderr == *"ambiguous command: c, could be: call, channel, chanuser, completion"* ]]
	run -2 --separate-stderr "$I3CTL" channel x
	[[ $stderr == *"unknown command: x"* ]]
}

@test "exact name, alias, then unique prefix" {
	run -0 "$I3CTL" lscm
	[[ $output == *"tell (t)"* ]]
	run -0 "$I3CTL" list-c
	[[ $output == *"mudlist (muds)"* ]]
	run -0 "$I3CTL" help t
	[[ $output == *"usage: i3ctl tell"* ]]
}

@test "bad options and arguments exit 2" {
	run -2 --separate-stderr "$I3CTL" mudlist --bogus
	[[ $stderr == *"unknown option"* ]]
	run -2 --separate-stderr "$I3CTL" tell bob
	[[ $stderr == *"expected USER@MUD"* ]]
	run -2 "$I3CTL" who
	run -2 "$I3CTL" ping extra
	run -2 "$I3CTL" --color=sometimes ping
	run -2 "$I3CTL" --timeout abc ping
	run -2 "$I3CTL" channel
	run -2 "$I3CTL" completion tcsh
}

@test "a key on the command line is refused" {
	run -2 --separate-stderr "$I3CTL" --key secret ping
	[[ $stderr == *"refused"* ]]
}

@test "an unreachable gateway exits 4" {
	I3_SOCKET=$BATS_TEST_TMPDIR/none.sock run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"cannot reach the gateway"* ]]
	run -4 "$I3CTL" --connect 127.0.0.1:1 ping
	run -4 "$I3CTL" --url http://127.0.0.1:1/rpc ping
}

@test "the socket path: I3_SOCKET, config, XDG_RUNTIME_DIR, /tmp" {
	unset I3_SOCKET
	printf '[mud]\nname = x\n[api]\nsocket = %s/conf.sock ; comment\n' \
	    "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/gw.conf"
	I3GW_CONFIG=$BATS_TEST_TMPDIR/gw.conf run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"$BATS_TEST_TMPDIR/conf.sock:"* ]]
	HOME=$BATS_TEST_TMPDIR XDG_RUNTIME_DIR=/run/x run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"/run/x/i3gw/i3gw.sock:"* ]]
	# (a gateway someone runs may really be there)
	if [ ! -S "/tmp/i3gw-$(id -u)/i3gw.sock" ]; then
		HOME=$BATS_TEST_TMPDIR XDG_RUNTIME_DIR= run -4 --separate-stderr "$I3CTL" ping
		[[ $stderr == *"/tmp/i3gw-$(id -u)/i3gw.sock:"* ]]
	fi
}

@test "a filter compile error exits 3 with jq's message" {
	run -3 --separate-stderr "$I3CTL" -q '.[' ping
	[[ $stderr == *"syntax error"* ]]
	run -3 "$I3CTL" list-commands -q 'nosuchfn(1)'
}

@test "list-commands --json describes every command" {
	run -0 "$I3CTL" list-commands --json
	echo "$output" | jq -e 'length > 15'
	echo "$output" | jq -e '.[] | select(.name == "channel") | .subcommands | length == 11'
	echo "$output" | jq -e '.[] | select(.name == "tell") | .alias == "t" and .method == "tell"'
	echo "$output" | jq -e '.[] | select(.name == "mudlist") | [.options[].long] == ["up","driver","mudlib","service"]'
}

@test "the man page covers every command in the table" {
	local c missing=
	while read -r c; do
		grep -qE "^\.It (Xo )?Ic ${c}( |\$)" "$I3_TOP/docs/i3ctl.1" ||
		    missing="$missing [$c]"
	done < <(commands)
	[ -z "$missing" ] || { echo "missing:$missing"; false; }
	grep -q '^\.Sh EXIT STATUS' "$I3_TOP/docs/i3ctl.1"
}

@test "the committed completions match the table" {
	diff <("$I3CTL" completion bash) "$I3_TOP/completions/i3ctl.bash"
	diff <("$I3CTL" completion zsh) "$I3_TOP/completions/_i3ctl"
	diff <("$I3CTL" completion fish) "$I3_TOP/completions/i3ctl.fish"
	bash -n "$I3_TOP/completions/i3ctl.bash"
}

comp() {
	# comp WORDS...: the bash completions of the last word (i3ctl in PATH).
	mkdir -p "$BATS_TEST_TMPDIR/path"
	ln -sf "$I3CTL" "$BATS_TEST_TMPDIR/path/i3ctl"
	PATH="$BATS_TEST_TMPDIR/path:$PATH" bash -c 'source "$1"; shift; i3ctl() { "$I3CTL" "$@"; }
	    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _i3ctl
	    printf "%s\n" "${COMPREPLY[@]}"' x \
	    "$I3_TOP/completions/i3ctl.bash" "$@"
}

@test "bash completion: commands, subcommands, options" {
	export I3CTL
	run -0 comp i3ctl mudl
	[ "$output" = mudlist ]
	run -0 comp i3ctl channel s
	[ "$output" = send ]
	run -0 comp i3ctl chan j
	[ "$output" = join ]
	run -0 comp i3ctl mudlist --dr
	[ "$output" = --driver ]
	run -0 comp i3ctl completion f
	[ "$output" = fish ]
	run -0 comp i3ctl --timeout 3 --js
	[ "$output" = --json ]
	# every top-level command is offered
	run -0 comp i3ctl ''
	[ "$(echo "$output" | sort)" = "$("$I3CTL" list-commands --json | jq -r '.[].name' | sort)" ]
	# and the table's own compgen check
	run -0 bash -c "source '$I3_TOP/completions/i3ctl.bash'; complete -p i3ctl"
	[[ $output == *"-F _i3ctl i3ctl"* ]]
}

@test "bash completion: MUD and channel names from a gateway" {
	export I3CTL
	world
	run -0 comp i3ctl who ''
	[ "$(echo "$output" | sort | tr '\n' ,)" = "Alpha,Beta,Dead Souls," ]
	run -0 comp i3ctl who D
	[ "$output" = "Dead Souls" ]
	run -0 comp i3ctl tell bob@A
	[ "$output" = "bob@Alpha" ]
	run -0 comp i3ctl channel send im
	[ "$output" = imud_gossip ]
	# no gateway: no names, quickly, no noise
	I3_SOCKET=$BATS_TEST_TMPDIR/none.sock run -0 comp i3ctl who ''
	[ -z "$output" ]
}

@test "ping: human and --json" {
	gwsock_start Alpha
	run -0 "$I3CTL" ping
	[[ $output =~ ^pong\ from\ the\ gateway\ in\ [0-9]+\.[0-9]{3}\ ms$ ]]
	run -0 "$I3CTL" --json ping
	echo "$output" | jq -e 'keys == ["pong", "timestamp"] and .pong == true and
	    (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{3}Z$"))'
	run -0 "$I3CTL" ping --json
	echo "$output" | jq -e 'keys == ["pong", "timestamp"]'
}

@test "tell and beep: the packets the router gets; tell prints nothing" {
	world
	I3_USER=cron run -0 "$I3CTL" tell bob@Beta hello   there
	[ -z "$output" ]
	[ "$(sent tell)" = '["tell",5,"Alpha","cron","Beta","bob","cron","hello there"]' ]
	run -0 "$I3CTL" --json tell -a ann -v Ann "bob@Dead Souls" hi
	[ "$output" = '{"sent":true,"queued":false}' ]
	[ "$(sent tell 2)" = '["tell",5,"Alpha","ann","Dead Souls","bob","Ann","hi"]' ]
	# options after the address are message text
	run -0 "$I3CTL" tell -N bob@Beta -r is text
	[ "$(sent tell 3)" = '["tell",5,"Alpha","i3ctl","Beta","bob","i3ctl","-r is text"]' ]
	run -0 "$I3CTL" beep -N -a ann bob@Beta
	[ "$(sent beep)" = '["beep",5,"Alpha","ann","Beta","bob","ann"]' ]
}

@test "messages from stdin: '-' and a pipe; empty is refused" {
	world
	run -0 bash -c "printf 'line one\nline two\n\n' | '$I3CTL' tell -N -a ann bob@Beta -"
	[ "$(sent tell)" = '["tell",5,"Alpha","ann","Beta","bob","ann","line one\nline two"]' ]
	run -0 bash -c "echo piped | '$I3CTL' emote -N -a ann bob@Beta"
	[ "$(sent emoteto)" = '["emoteto",5,"Alpha","ann","Beta","bob","ann","$N piped"]' ]
	run -0 "$I3CTL" channel join dchat
	run -0 bash -c "echo chat | '$I3CTL' channel send -N -a ann dchat"
	[ "$(sent channel-m)" = '["channel-m",5,"Alpha","ann",0,0,"dchat","ann","chat"]' ]
	run -2 --separate-stderr bash -c "printf '' | '$I3CTL' tell bob@Beta"
	[ "$stderr" = "i3ctl: empty message: nothing sent" ]
}

@test "who, finger, locate, chanuser: the requests and their answers" {
	world
	run -0 "$I3CTL" --json who -w 3 Alpha
	[ "$output" = '{"mud":"Alpha","count":0,"users":[],"text":""}' ]
	[ "$(sent who-req)" = '["who-req",5,"Alpha","gwqa","Alpha",0]' ]
	run -1 --separate-stderr "$I3CTL" finger bob@Alpha
	[ "$stderr" = "i3ctl: finger: unk-user: Alpha: unk-user: bob is not online on Alpha (-32003 remote I3 error)" ]
	[ "$(sent finger-req)" = '["finger-req",5,"Alpha","gwqb","Alpha",0,"bob"]' ]
	run -0 "$I3CTL" --json locate -w 1 bob
	[ "$output" = '{"user":"bob","count":0,"found":[],"locations":[]}' ]
	[ "$(sent locate-req)" = '["locate-req",5,"Alpha","gwqc",0,0,"bob"]' ]
	run -1 --separate-stderr "$I3CTL" chanuser bob@Alpha
	[ "$stderr" = "i3ctl: chan_user: unk-user: Alpha: unk-user: bob is not known on Alpha (-32003 remote I3 error)" ]
	[ "$(sent chan-user-req)" = '["chan-user-req",5,"Alpha",0,"Alpha",0,"bob"]' ]
}

@test "mudlist's filters and mudinfo reach the gateway" {
	world
	run -0 "$I3CTL" mudlist --up --driver i3probe --mudlib TestLib --service tell -r 'D*'
	[ "$output" = "Dead Souls" ]
	run -0 "$I3CTL" mudlist --driver i3probe -r
	[ "$(echo "$output" | sort | tr '\n' ,)" = "Beta,Dead Souls," ]
	run -0 "$I3CTL" mudlist --service nosuch -r
	[ -z "$output" ]
	run -0 "$I3CTL" -r -q .driver mudinfo Beta
	[ "$output" = i3probe ]
}

@test "channel commands: the packets the router gets" {
	world
	run -0 "$I3CTL" channel join dchat
	[ -z "$output" ]
	[ "$(sent channel-listen)" = '["channel-listen",5,"Alpha",0,"*test",0,"dchat",1]' ]
	run -0 "$I3CTL" channel emote -N -a ann dchat waves
	[ "$(sent channel-e)" = '["channel-e",5,"Alpha","ann",0,0,"dchat","ann","$N waves"]' ]
	run -0 "$I3CTL" channel target -N -a ann -T 'pokes you' dchat bob@Beta pokes '$O'
	[ "$(sent channel-t)" = '["channel-t",5,"Alpha","ann",0,0,"dchat","Beta","bob","pokes $O","pokes you","ann","bob"]' ]
	run -0 "$I3CTL" channel who -q .text -r dchat Alpha
	[ "$output" = "[dchat] on Alpha: nobody" ]
	[ "$(sent chan-who-req)" = '["chan-who-req",5,"Alpha","gwqa","Alpha",0,"dchat"]' ]
	run -0 "$I3CTL" channel leave dchat
	[ "$(sent channel-listen 2)" = '["channel-listen",5,"Alpha",0,"*test",0,"dchat",0]' ]
	run -0 "$I3CTL" channel add -t allow mychan
	[ "$(sent channel-add)" = '["channel-add",5,"Alpha","admin","*test",0,"mychan",1]' ]
	run -0 "$I3CTL" channel admin mychan
	[ "$(sent chan-adminlist)" = '["chan-adminlist",5,"Alpha","admin","*test",0,"mychan"]' ]
	run -0 "$I3CTL" channel admin -a Beta -a Gamma -d Delta mychan
	[ "$(sent channel-admin)" = '["channel-admin",5,"Alpha","admin","*test",0,"mychan",["Beta","Gamma"],["Delta"]]' ]
	run -0 "$I3CTL" channel remove mychan
	[ "$(sent channel-remove)" = '["channel-remove",5,"Alpha","admin","*test",0,"mychan"]' ]
}

@test "channel history: what the gateway kept, its filters" {
	world
	run -0 "$I3CTL" channel join dchat
	run -0 "$I3CTL" channel emote -N -a ann dchat waves
	run -0 "$I3CTL" channel send -N -a bob dchat lag again
	# kept once the router's echo of the second came back
	for i in $(seq 1 100); do
		[ "$("$I3CTL" --json channel history dchat | jq -s length)" = 2 ] && break
		sleep 0.05
	done
	run -0 "$I3CTL" channel history -n 5 dchat
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \[dchat\]\ ann@Alpha\ waves$ ]]
	[[ ${lines[1]} =~ ^[0-9-]{10}\ [0-9:]{8}\ \[dchat\]\ bob@Alpha:\ lag\ again$ ]]
	run -0 "$I3CTL" --json channel history --grep lag dchat
	echo "$output" | jq -e '[.id, .type, .user, .message] == [2, "message", "bob", "lag again"]'
	run -0 "$I3CTL" --json channel history --user ann@Alpha -m Alpha -n 50 --since 2h dchat
	echo "$output" | jq -e '[.id, .type, .user, .message] == [1, "emote", "ann", "$N waves"]'
	run -0 "$I3CTL" --json channel history -b 2 dchat
	echo "$output" | jq -e '.id == 1'
	run -0 "$I3CTL" channel history --until 1700000000 dchat
	[ -z "$output" ]
}

@test "presence set and update change who is on" {
	gwsock_start Alpha
	run -0 bash -c "echo '{\"users\":[{\"name\":\"bob\",\"visname\":\"Bob\"}]}' | '$I3CTL' presence set"
	[ "$output" = "count: 1" ]
	run -0 "$I3CTL" presence update '{"name":"cid","visname":"Cid"}'
	run -0 "$I3CTL" who -r Alpha
	[ "$(echo "$output" | sort | tr '\n' ,)" = "Bob,Cid," ]
	run -0 "$I3CTL" presence update '{"name":"bob","online":false}'
	run -0 "$I3CTL" who -r Alpha
	[ "$output" = Cid ]
	# one user, not a list
	run -2 --separate-stderr "$I3CTL" presence update '{"users":[]}'
	[ "$stderr" = "i3ctl: presence_update: missing parameter: name (-32602 invalid params)" ]
}

@test "status, stats, reconnect, shutdown" {
	router_start -l "$(T r.log)"
	gwsock_start Alpha
	run -0 "$I3CTL" status
	[ "${lines[0]}" = "mud: Alpha" ]
	[ "${lines[1]}" = "router_state: ready" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^router: ')" = "router: *test" ]
	run -0 "$I3CTL" --json stats
	echo "$output" | jq -e '.connects == 1 and .clients == 1'
	run -0 "$I3CTL" reconnect
	wait_for_line "$(T r.log)" '"disconnect"'
	gwd_ready Alpha
	run -0 "$I3CTL" --json stats
	echo "$output" | jq -e '.connects == 2'
	[ "$(count_lines "$(T r.log)" '"startup-req-3"')" -eq 2 ]
	run -0 "$I3CTL" shutdown
	[ "$output" = "shutting_down: yes" ]
	# It goes by itself (a TERM now could race its exit), status 0.
	gwd_wait_exit Alpha
	[ ! -e "$I3_SOCKET" ]
}

@test "call: any method with raw parameters, from an argument or stdin" {
	gwsock_start Alpha
	run -0 "$I3CTL" call ping
	[[ ${lines[0]} == "pong: yes" ]]
	run -4 --separate-stderr "$I3CTL" call session_resume '{"token":"x"}'
	[ "$stderr" = "i3ctl: session_resume: unknown or expired session (-32011 no such session)" ]
	run -0 bash -c "echo '{\"mud\":\"Alpha\"}' | '$I3CTL' call mudinfo - -q .name -r"
	[ "$output" = Alpha ]
	run -4 --separate-stderr bash -c "echo '{\"a\":[1]}' | '$I3CTL' call anything -"
	[ "$stderr" = "i3ctl: anything: the gateway does not support method 'anything' (-32601 method not found)" ]
}

@test "bad JSON for call and presence is a usage error, before any connection" {
	export I3_SOCKET=$BATS_TEST_TMPDIR/none.sock
	run -2 --separate-stderr "$I3CTL" call foo '{bad'
	[ "$stderr" = "i3ctl: bad JSON: string or '}' expected near 'bad' (line 1, column 4)" ]
	run -2 --separate-stderr "$I3CTL" presence set '[1]'
	[ "$stderr" = "i3ctl: presence set: expected a JSON object" ]
	run -2 --separate-stderr "$I3CTL" channel add -t weird x
	[ "$stderr" = "i3ctl: -t: expected public, private or filtered, not 'weird'" ]
	run -2 --separate-stderr "$I3CTL" channel history -n 0 x
	[ "$stderr" = "i3ctl: -n: bad limit: '0' (1 to 1000)" ]
}

@test "human output: tables and key: value" {
	world
	mud_down Gamma
	run -0 "$I3CTL" mudlist
	[ "${lines[0]}" = "NAME        UP   MUDLIB   DRIVER      MUD_TYPE  OPEN_STATUS         IP         PLAYER_PORT" ]
	[ "$(printf '%s\n' "${lines[@]}" | grep '^Gamma ')" = "Gamma       no   TestLib  i3probe     LP        mudlib development  127.0.0.1  4000" ]
	[ "${#lines[@]}" -eq 5 ]
	[[ $output != *services* ]]
	run -0 "$I3CTL" mudlist -r
	[ "$(echo "$output" | sort | tr '\n' ,)" = "Alpha,Beta,Dead Souls,Gamma," ]
	run -0 "$I3CTL" --json mudlist 'Dead*'
	echo "$output" | jq -e '.count == 1 and .muds[0].services.tell == 1'
	run -0 "$I3CTL" status
	[ "${lines[0]}" = "mud: Alpha" ]
	[ "${lines[1]}" = "router_state: ready" ]
	[ -z "$(printf '%s\n' "${lines[@]}" | grep -vE '^[a-z_]+: [^ ]')" ]
	run -0 "$I3CTL" presence set '{"users":[{"name":"bob","visname":"Bob","idle":5,"title":"%^RED%^the red%^RESET%^"}]}'
	run -0 "$I3CTL" who Alpha
	[ "$output" = "$(printf 'mud: Alpha\nVISNAME  IDLE  EXTRA\nBob      5     the red')" ]
	run -0 "$I3CTL" who -r Alpha
	[ "$output" = Bob ]
}

@test "filters: good, failing at run time, raw" {
	world
	mud_down Gamma
	run -0 "$I3CTL" -q '[.muds[] | select(.up | not) | .name]' mudlist
	[ "$output" = '["Gamma"]' ]
	run -0 "$I3CTL" mudlist -r --filter '.muds[].name' 'D*'
	[ "$output" = "Dead Souls" ]
	run -3 --separate-stderr "$I3CTL" -q '.muds | error("boom")' mudlist
	[[ $stderr == *"boom"* ]]
	run -3 "$I3CTL" -q '.count + "x"' mudlist
}

@test "remote I3 errors exit 1 with the I3 code" {
	world
	mud_down Gamma
	run -0 "$I3CTL" presence set '{"users":[{"name":"bob"}]}'
	run -1 --separate-stderr "$I3CTL" tell -a ann dan@Alpha hi
	[ "$stderr" = "i3ctl: tell: refused by Alpha: unk-user: dan is not online on Alpha" ]
	run -1 --separate-stderr "$I3CTL" --json finger dan@Alpha
	echo "$output" | jq -e '.error.code == -32003 and .error.data.error_code == "unk-user"'
	run -1 --separate-stderr "$I3CTL" beep bob@Gamma
	[[ $stderr == *"target MUD down"* ]]
	run -1 --separate-stderr "$I3CTL" mudinfo Nowhere
	[ "$stderr" = "i3ctl: mudinfo: Nowhere is not in the mudlist (-32005 MUD not in the mudlist)" ]
}

@test "MUD names match case-insensitively against the mudlist" {
	world
	run -0 "$I3CTL" -r -q .name mudinfo 'dead souls'
	[ "$output" = "Dead Souls" ]
	run -0 "$I3CTL" tell -N -a ann 'bob@DEAD SOULS' hi
	[ "$(sent tell)" = '["tell",5,"Alpha","ann","Dead Souls","bob","ann","hi"]' ]
}

@test "gateway errors: no answer 5, router down (who; tell with the queue full) 4, bad params 2, unknown method 4" {
	world "queue = 1"
	# Beta (i3probe) never answers a who-req
	run -5 --separate-stderr "$I3CTL" who -w 1 Beta
	# (the time it waited, a few ms past the second on a busy machine)
	[[ $stderr =~ ^i3ctl:\ who:\ no\ answer\ from\ Beta\ within\ 10[0-9]{2}\ ms\ \(-32002\ timeout\)$ ]]
	run -2 --separate-stderr "$I3CTL" call tell '{"target_mud":"Beta"}'
	[ "$stderr" = "i3ctl: tell: missing parameter: target_user (-32602 invalid params)" ]
	run -4 --separate-stderr "$I3CTL" call no_such_method
	[ "$stderr" = "i3ctl: no_such_method: the gateway does not support method 'no_such_method' (-32601 method not found)" ]
	router_stop
	wait_until 5 "the gateway to see its router gone" not_ready
	# Nobody to ask a who through: router unavailable, exit 4.
	run -4 --separate-stderr "$I3CTL" who Beta
	[ "$stderr" = "i3ctl: who: router unavailable: no link to a router to ask through (-32000 router unavailable)" ]
	run -0 "$I3CTL" tell -N bob@Beta queued
	run -4 --separate-stderr "$I3CTL" tell -N bob@Beta refused
	[[ $stderr =~ ^i3ctl:\ tell:\ router\ unavailable\ \([a-z]+\)\ and\ the\ send\ queue\ is\ full\ \(1\ packets\)\ \(-32000\ router\ unavailable\)$ ]]
}

@test "the gateway shutting down: a request it no longer takes exits 4" {
	# i3gw answers -32006 only to a send it took after its shutdown
	# began, a window no client can aim at: the fake gives it.
	fakegw_start '{"ping":{"error":{"code":-32006,"message":"gateway shutting down"}}}'
	run -4 --separate-stderr "$I3CTL" ping
	[ "$stderr" = "i3ctl: ping: gateway shutting down (-32006 gateway shutting down)" ]
}

@test "--timeout bounds a silent gateway (exit 5, promptly)" {
	gwsock_start Alpha
	# stopped, the gateway takes the connection (the kernel's backlog)
	# and answers nothing
	kill -STOP "$GWD_PID_Alpha"
	SECONDS=0
	run -5 --separate-stderr "$I3CTL" --timeout 0.5 ping
	kill -CONT "$GWD_PID_Alpha"
	[ "$stderr" = "i3ctl: ping: no answer from the gateway in time (--timeout)" ]
	[ "$SECONDS" -le 3 ]
}

@test "a gateway that stops while a request waits: exit 4, said so" {
	world
	"$I3CTL" who -w 10 Beta > "$(T who.out)" 2>&1 &
	local p=$!
	wait_for_line "$(T r.log)" '"who-req"'
	run -0 "$I3CTL" shutdown
	reap $p 4
	[ "$(cat "$(T who.out)")" = "i3ctl: $I3_SOCKET: the gateway closed the connection" ]
}

@test "garbage from the gateway exits 4" {
	# i3gw writes only JSON it built: the fake sends the garbage.
	fakegw_start '{"ping":{"garbage":"this is not json"}}'
	run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"garbage"* ]]
}

@test "the API key: authenticate first, from a file or I3_API_KEY; refused keys exit 4" {
	router_start
	newkey bot
	gwd_conf Alpha "tcp = 127.0.0.1:0" "$(cat "$(T bot.key)")"
	gwd_start Alpha
	local c="--connect 127.0.0.1:$(gwd_tcp_port Alpha)"
	printf '%s\n' "$KEY_bot" > "$(T key)"
	chmod 600 "$(T key)"
	run -4 --separate-stderr "$I3CTL" $c ping
	[ "$stderr" = "i3ctl: ping: not authenticated: call authenticate {key} first (-32007 not authenticated)" ]
	run -0 --separate-stderr "$I3CTL" --verbose $c --key-file "$(T key)" ping
	[ "${stderr_lines[0]}" = "i3ctl: -> authenticate" ]
	[ "${stderr_lines[1]}" = "i3ctl: <- authenticate: result" ]
	[ "${stderr_lines[2]}" = "i3ctl: -> ping" ]
	I3_API_KEY=$KEY_bot run -0 "$I3CTL" $c -r -q .pong ping
	[ "$output" = true ]
	# the key's permissions hold
	run -4 --separate-stderr "$I3CTL" $c --key-file "$(T key)" reconnect
	[ "$stderr" = "i3ctl: reconnect: forbidden: key bot has no admin permission (-32008 forbidden)" ]
	I3_API_KEY=wrong run -4 --separate-stderr "$I3CTL" $c ping
	[ "$stderr" = "i3ctl: authenticate: authentication failed (-32007 not authenticated)" ]
	run -2 "$I3CTL" $c --key-file "$BATS_TEST_TMPDIR/nokey" ping
}

@test "listen: -n events as NDJSON or text, then exit 0" {
	world
	run -0 "$I3CTL" channel join dchat
	listen_bg j --json listen -n 2
	run -0 "$I3CTL" tell -N -a ann -v Ann bob@Alpha 'hi %^RED%^there%^RESET%^'
	wait_for_line "$(T j.out)" tell_received
	run -0 "$I3CTL" channel send -N -a ann dchat yo
	reap $LISTEN_PID 0
	run -0 jq -s '.[1].params.seq > .[0].params.seq' "$(T j.out)"
	[ "$output" = true ]
	run -0 jq -c '.params | del(.timestamp, .seq)' "$(T j.out)"
	[ "${lines[0]}" = '{"type":"tell","ttl":5,"originator_mud":"Alpha","originator_user":"ann","target_mud":"Alpha","target_user":"bob","orig_visname":"Ann","message":"hi %^RED%^there%^RESET%^","text":"Ann@Alpha tells you: hi %^RED%^there%^RESET%^"}' ]
	[ "${lines[1]}" = '{"type":"channel-m","ttl":5,"originator_mud":"Alpha","originator_user":"ann","target_mud":0,"target_user":0,"channel":"dchat","visname":"ann","message":"yo","text":"[dchat] ann@Alpha: yo"}' ]
	run -0 jq -r .event "$(T j.out)"
	[ "$output" = $'tell_received\nchannel_message' ]
	# text, colour stripped
	listen_bg t listen -n 2
	run -0 "$I3CTL" tell -N -a ann -v Ann bob@Alpha 'hi %^RED%^there%^RESET%^'
	wait_for_line "$(T t.out)" tells
	run -0 "$I3CTL" channel send -N -a ann dchat yo
	reap $LISTEN_PID 0
	[ "$(cat "$(T t.out)")" = $'Ann@Alpha tells you: hi there\n[dchat] ann@Alpha: yo' ]
	# colour
	listen_bg c --color=always listen -n 1
	run -0 "$I3CTL" tell -N -a ann bob@Alpha '%^RED%^there'
	reap $LISTEN_PID 0
	[[ $(cat "$(T c.out)") == *$'\e[31mthere'* ]]
}

@test "listen: -e and -c choose the events, -q and -r shape them" {
	world
	run -0 "$I3CTL" channel join dchat
	run -0 "$I3CTL" channel join imud_gossip
	listen_bg m listen -n 1 -e channel_message -c dchat -q .params.message -r
	run -0 "$I3CTL" channel send -N -a ann imud_gossip not this
	run -0 "$I3CTL" tell -N -a ann bob@Alpha nor this
	run -0 "$I3CTL" channel send -N -a ann dchat this
	reap $LISTEN_PID 0
	[ "$(cat "$(T m.out)")" = this ]
	listen_bg u listen -n 1 -e mud_online -q .params.mud -r
	probe_bg gamma --wait 300 <<< "$(startup_pkt Gamma)"
	reap $LISTEN_PID 0
	[ "$(cat "$(T u.out)")" = Gamma ]
}

@test "listen: --timeout ends it (0 without -n, 5 short of -n)" {
	gwsock_start Alpha "rate = 0"
	run -0 "$I3CTL" --timeout 0.3 listen
	[ -z "$output" ]
	listen_bg n --timeout 2 listen -n 2 -e tell_received
	run -0 "$I3CTL" tell -N -a ann bob@Alpha hi
	reap $LISTEN_PID 5
	[ "$(cat "$(T n.out)")" = "ann@Alpha tells you: hi" ]
	grep -qx "i3ctl: listen: timed out after 1 of 2 events" "$(T n.err)"
	run -2 "$I3CTL" listen -n x
}

@test "shell: commands typed in a pseudo-terminal, events between prompts" {
	gwsock_start Alpha "rate = 0"
	cat > "$BATS_TEST_TMPDIR/shellpty.py" <<'EOF'
import os, pty, re, select, subprocess, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
def clean(b):
    b = re.sub(rb"\r\x1b\[[0-9]+G", b"", b)
    return re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", b)
def expect(what, t=10):
    # read until the screen holds WHAT (after what was there before)
    global out
    start = len(out)
    end = time.time() + t
    while time.time() < end:
        if what in clean(out[start:]):
            return
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    sys.stdout.write(out.decode("utf-8", "replace"))
    sys.exit("no %r on the screen" % what)
expect(b"> ")
os.write(fd, b"pi\t\r")
expect(b"pong from the gateway")
subprocess.run([sys.argv[1], "tell", "-N", "-a", "ann", "bob@Alpha", "psst"],
    check=True)
expect(b"ann@Alpha tells you: psst")
os.write(fd, b"mudinfo Al\t")
expect(b"mudinfo Alpha")
os.write(fd, b"\x03")
expect(b"> ")
os.write(fd, b"lscm\r")
expect(b"tell (t)")
os.write(fd, b"quit\r")
os.waitpid(pid, 0)
sys.stdout.write(clean(out).decode("utf-8", "replace"))
EOF
	HOME=$BATS_TEST_TMPDIR TERM=xterm run timeout 20 python3 "$BATS_TEST_TMPDIR/shellpty.py" "$I3CTL" shell
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ping "*"pong from the gateway"* ]]
	[[ $output == *"ann@Alpha tells you: psst"* ]]
	[[ $output == *"mudinfo Alpha"* ]]
	[[ $output == *"tell (t)"* ]]
	# (libedit's file: each line as typed, its newline as \012)
	grep -qx 'lscm\\012' "$BATS_TEST_TMPDIR/.local/state/i3ctl/history"
}

@test "shell: lines from a pipe, failures do not end it" {
	gwsock_start Alpha
	run -0 --separate-stderr bash -c "printf 'ping\nnosuch\nping --json\nfinger bob@Alpha\nstatus -q .mud\nquit\n' | '$I3CTL' shell"
	[[ ${lines[0]} =~ ^pong\ from\ the\ gateway\ in\ [0-9.]+\ ms$ ]]
	echo "${lines[1]}" | jq -e 'keys == ["pong", "timestamp"]'
	[ "${lines[2]}" = '"Alpha"' ]
	[ "${#lines[@]}" -eq 3 ]
	[[ $stderr == *"unknown command: nosuch"* ]]
	[[ $stderr == *"finger: unk-user"* ]]
}

@test "an unknown command names the near ones; an unknown subcommand lists its siblings" {
	run --separate-stderr -2 "$I3CTL" tlel hi
	[ "${stderr_lines[0]}" = "i3ctl: unknown command: tlel" ]
	[ "${stderr_lines[1]}" = "did you mean tell?" ]
	run --separate-stderr -2 "$I3CTL" channel lst
	[ "${stderr_lines[0]}" = "i3ctl: channel: unknown command: lst" ]
	[ "${stderr_lines[1]}" = "did you mean channel list?" ]
	[[ "${stderr_lines[2]}" == "channel commands: add admin emote "*" send target who" ]]
	run --separate-stderr -2 "$I3CTL" xyzzy
	[ "${stderr_lines[1]}" = "'i3ctl help' lists the commands" ]
}

@test "help of every command and subcommand: stdout, exit 0, its full name, every option described" {
	local c n=0
	while IFS= read -r c; do
		run --separate-stderr "$I3CTL" help $c
		[ "$status" -eq 0 ] || { echo "help $c: exit $status"; false; }
		[ -z "$stderr" ]
		[[ "${lines[0]}" == "usage: i3ctl $c"* ]] || { echo "help $c: ${lines[0]}"; false; }
		! echo "$output" | grep -F '(no description)' || { echo "help $c"; false; }
		n=$((n + 1))
	done < <("$I3CTL" list-commands --json | jq -r '.[] | if .subcommands then
	    (.name as $p | .subcommands[] | "\($p) \(.name)") else .name end')
	[ "$n" -ge 30 ]
	# each option of a command is in its help, with its own line
	run -0 "$I3CTL" channel history --help
	[[ "$output" == *"  -g, --grep WORDS "*"full-text"* ]]
	run -0 "$I3CTL" help
	[[ "$output" == *"--verbose"* && "$output" == *"--no-color"* ]]
}

@test "every global option is in i3ctl(1)" {
	local o missing=""
	while IFS= read -r o; do
		grep -qE "^\.(It|Fl).*Fl \\\\-${o}( |$)|Fl \\\\-${o}( |$)" "$I3_TOP/docs/i3ctl.1" ||
		    missing="$missing $o"
	done < <("$I3CTL" help | sed -nE 's/^  (-[a-zA-Z], )?--([a-z-]+).*/\2/p')
	[ -z "$missing" ] || { echo "missing:$missing"; false; }
}
