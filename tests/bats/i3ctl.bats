#!/usr/bin/env bats
# i3ctl.bats: i3ctl without a real gateway: usage, exit codes, the command
# table, the man page, completions, and client-side paths against a
# scripted fake gateway (timeouts, garbage, remote errors, filters, stdin).

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	fakegw_stop
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
	fakegw_start '{"mudlist":{"result":{"count":3,"muds":[{"name":"Alpha"},{"name":"Dead Souls"},{"name":"Beta"}]}},
	    "channel_list":{"result":{"count":2,"channels":[{"name":"imud_gossip"},{"name":"dchat"}]}}}'
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
	fakegw_start '{"ping":{"result":{"pong":true,"timestamp":"T"}}}'
	run -0 "$I3CTL" ping
	[[ $output == "pong from the gateway in "*" ms" ]]
	run -0 "$I3CTL" --json ping
	[ "$output" = '{"pong":true,"timestamp":"T"}' ]
	run -0 "$I3CTL" ping --json
	[ "$output" = '{"pong":true,"timestamp":"T"}' ]
}

@test "tell sends the right parameters and prints nothing" {
	fakegw_start '{"tell":{"result":{"sent":true}}}'
	I3_USER=cron run -0 "$I3CTL" tell bob@Alpha hello   there
	[ -z "$output" ]
	fake_request tell | jq -e '.params == {"target_mud":"Alpha","target_user":"bob","from_user":"cron","message":"hello there"}'
	run -0 "$I3CTL" --json tell -a ann -v Ann "bob@Dead Souls" hi
	[ "$output" = '{"sent":true}' ]
	fake_request tell | jq -e '.params == {"target_mud":"Dead Souls","target_user":"bob","from_user":"ann","visname":"Ann","message":"hi"}'
	# options after the address are message text
	run -0 "$I3CTL" tell bob@Alpha -r is text
	fake_request tell | jq -e '.params.message == "-r is text"'
}

@test "messages from stdin: '-' and a pipe; empty is refused" {
	fakegw_start '{"*":{"result":{}}}'
	run -0 bash -c "printf 'line one\nline two\n\n' | '$I3CTL' tell bob@Alpha -"
	fake_request tell | jq -e '.params.message == "line one\nline two"'
	run -0 bash -c "echo piped | '$I3CTL' emote bob@Alpha"
	fake_request emoteto | jq -e '.params.message == "piped"'
	run -0 bash -c "echo chat | '$I3CTL' channel send dchat"
	fake_request channel_send | jq -e '.params.message == "chat" and .params.channel == "dchat"'
	run -2 --separate-stderr bash -c "printf '' | '$I3CTL' tell bob@Alpha"
	[[ $stderr == *"empty message"* ]]
}

@test "every command sends its method and parameters" {
	fakegw_start '{"*":{"result":{"ok":1}}}'
	local s=$BATS_TEST_TMPDIR
	"$I3CTL" beep bob@Alpha
	fake_request beep | jq -e '.params.target_user == "bob" and (.params | has("message") | not)'
	"$I3CTL" who -w 3 Alpha >/dev/null
	fake_request who | jq -e '.params == {"target_mud":"Alpha","timeout":3}'
	"$I3CTL" finger bob@Alpha >/dev/null
	fake_request finger | jq -e '.params == {"target_mud":"Alpha","user":"bob"}'
	"$I3CTL" locate bob >/dev/null
	fake_request locate | jq -e '.params == {"user":"bob"}'
	"$I3CTL" chanuser bob@Alpha >/dev/null
	fake_request chan_user | jq -e '.params.target_mud == "Alpha"'
	"$I3CTL" mudlist --up --driver FluffOS --mudlib 'Dead Souls' --service tell 'A*' >/dev/null
	fake_request mudlist | jq -e '.params == {"status":"up","driver":"FluffOS","mudlib":"Dead Souls","service":"tell","name":"A*"}'
	"$I3CTL" mudinfo Alpha >/dev/null
	fake_request mudinfo | jq -e '.params == {"mud":"Alpha"}'
	"$I3CTL" channel list >/dev/null
	fake_request channel_list
	"$I3CTL" channel join dchat
	fake_request channel_join | jq -e '.params == {"channel":"dchat"}'
	"$I3CTL" channel leave dchat
	fake_request channel_leave | jq -e '.params == {"channel":"dchat"}'
	"$I3CTL" channel emote -a ann dchat waves
	fake_request channel_emote | jq -e '.params == {"channel":"dchat","message":"waves","from_user":"ann"}'
	"$I3CTL" channel target -a ann -T 'pokes you' dchat bob@Beta pokes '$O'
	fake_request channel_target | jq -e '.params == {"channel":"dchat","target_mud":"Beta","target_user":"bob","message_others":"pokes $O","message_target":"pokes you","from_user":"ann"}'
	"$I3CTL" channel who dchat Beta >/dev/null
	fake_request channel_who | jq -e '.params == {"channel":"dchat","target_mud":"Beta"}'
	"$I3CTL" channel history -n 5 dchat >/dev/null
	fake_request channel_history | jq -e '.params == {"channel":"dchat","limit":5,"colour":"pinkfish"}'
	"$I3CTL" channel history --since 2h --until 1700000000 --grep lag --user bob@Some -m Some -b 7 -n 50 dchat >/dev/null
	fake_request channel_history | jq -e '.params == {"channel":"dchat","limit":50,"colour":"pinkfish","since":"2h","until":1700000000,"search":"lag","user":"bob@Some","mud":"Some","before_id":7}'
	"$I3CTL" channel add -t allow mychan
	fake_request channel_add | jq -e '.params == {"channel":"mychan","type":1}'
	"$I3CTL" channel remove mychan
	fake_request channel_remove | jq -e '.params == {"channel":"mychan"}'
	"$I3CTL" channel admin mychan
	fake_request channel_adminlist | jq -e '.params == {"channel":"mychan"}'
	"$I3CTL" channel admin -a Beta -a Gamma -d Delta mychan
	fake_request channel_admin | jq -e '.params == {"channel":"mychan","add":["Beta","Gamma"],"remove":["Delta"]}'
	echo '{"users":[{"name":"bob"}]}' | "$I3CTL" presence set
	fake_request presence_set | jq -e '.params == {"users":[{"name":"bob"}]}'
	"$I3CTL" presence update '{"users":[]}'
	fake_request presence_update | jq -e '.params == {"users":[]}'
	for m in status stats reconnect shutdown; do
		"$I3CTL" $m >/dev/null
		fake_request $m
	done
	"$I3CTL" call session_resume '{"token":"x"}' >/dev/null
	fake_request session_resume | jq -e '.params == {"token":"x"}'
	echo '{"a":[1]}' | "$I3CTL" call anything - >/dev/null
	fake_request anything | jq -e '.params == {"a":[1]}'
}

@test "bad JSON for call and presence is a usage error" {
	fakegw_start '{"*":{"result":{}}}'
	run -2 --separate-stderr "$I3CTL" call foo '{bad'
	[[ $stderr == *"bad JSON"* ]]
	run -2 --separate-stderr "$I3CTL" presence set '[1]'
	[[ $stderr == *"expected a JSON object"* ]]
	run -2 "$I3CTL" channel add -t weird x
	run -2 "$I3CTL" channel history -n 0 x
}

@test "human output: tables and key: value" {
	fakegw_start '{"mudlist":{"result":{"count":2,"muds":[{"name":"Alpha","up":true,"mudlib":"Lima","driver":"FluffOS","services":{"tell":1}},{"name":"Dead Souls","up":false,"mudlib":"DS","driver":"FluffOS"}]}},
	    "status":{"result":{"mud":"Alpha","router_state":"ready"}},
	    "who":{"result":{"mud":"Alpha","users":[{"name":"bob","idle":5,"extra":"%^RED%^the red%^RESET%^"}]}}}'
	run -0 "$I3CTL" mudlist
	[[ ${lines[0]} == "NAME"*"UP"*"MUDLIB"*"DRIVER"* ]]
	[[ ${lines[2]} == "Dead Souls"*"no"*"DS"* ]]
	[[ $output != *services* ]]
	run -0 "$I3CTL" mudlist -r
	[ "$output" = "$(printf 'Alpha\nDead Souls')" ]
	run -0 "$I3CTL" --json mudlist
	echo "$output" | jq -e '.muds[0].services.tell == 1'
	run -0 "$I3CTL" status
	[ "$output" = "$(printf 'mud: Alpha\nrouter_state: ready')" ]
	run -0 "$I3CTL" who Alpha
	[[ $output == *"NAME"*"IDLE"*"EXTRA"* ]]
	[[ $output == *"bob"*"5"*"the red"* ]]
	[[ $output != *"%^"* ]]
	run -0 "$I3CTL" who -r Alpha
	[ "$output" = bob ]
}

@test "filters: good, failing at run time, raw" {
	fakegw_start '{"mudlist":{"result":{"count":2,"muds":[{"name":"Alpha","up":true},{"name":"Beta","up":false}]}}}'
	run -0 "$I3CTL" -q '.muds[] | select(.up) | .name' mudlist
	[ "$output" = '"Alpha"' ]
	run -0 "$I3CTL" mudlist -r --filter '.muds[].name'
	[ "$output" = "$(printf 'Alpha\nBeta')" ]
	run -3 --separate-stderr "$I3CTL" -q '.muds | error("boom")' mudlist
	[[ $stderr == *"boom"* ]]
	run -3 "$I3CTL" -q '.count + "x"' mudlist
}

@test "remote I3 errors exit 1 with the I3 code" {
	fakegw_start '{"tell":{"error":{"code":-32003,"message":"no such user","data":{"error_code":"unk-user","error_message":"no such user"}}},
	    "beep":{"error":{"code":-32004,"message":"Beta is down (mudlist)"}},
	    "finger":{"error":{"code":-32005,"message":"Gamma is not in the mudlist"}}}'
	run -1 --separate-stderr "$I3CTL" tell bob@Alpha hi
	[[ $stderr == *"unk-user"* ]]
	run -1 --separate-stderr "$I3CTL" --json tell bob@Alpha hi
	echo "$output" | jq -e '.error.code == -32003 and .error.data.error_code == "unk-user"'
	run -1 --separate-stderr "$I3CTL" beep bob@Beta
	[[ $stderr == *"target MUD down"* ]]
	run -1 "$I3CTL" finger bob@Gamma
}

@test "MUD names match case-insensitively against the mudlist" {
	fakegw_start '{"mudinfo":{"error":{"code":-32005,"message":"not in the mudlist"}},
	    "mudlist":{"result":{"count":1,"muds":[{"name":"Dead Souls"}]}}}'
	run -1 "$I3CTL" mudinfo 'dead souls'
	# the retry used the mudlist's spelling
	fake_request mudinfo | jq -e '.params.mud == "Dead Souls"'
}

@test "gateway errors: timeout 5, refused 4, bad params 2, unknown method 4" {
	fakegw_start '{"who":{"error":{"code":-32002,"message":"no answer from Alpha"}},
	    "status":{"error":{"code":-32000,"message":"router unavailable"}},
	    "tell":{"error":{"code":-32602,"message":"missing parameter: from_user"}},
	    "ping":{"error":{"code":-32006,"message":"shutting down"}}}'
	run -5 "$I3CTL" who Alpha
	run -4 "$I3CTL" status
	run -2 "$I3CTL" tell bob@Alpha x
	run -4 "$I3CTL" ping
	run -4 --separate-stderr "$I3CTL" locate bob
	[[ $stderr == *"does not support method 'locate'"* ]]
	run -4 --separate-stderr "$I3CTL" call no_such_method
	[[ $stderr == *"no_such_method"* ]]
}

@test "--timeout bounds a silent gateway (exit 5, promptly)" {
	fakegw_start '{"ping":{"delay":10}}'
	local t0=$SECONDS
	run -5 --separate-stderr "$I3CTL" --timeout 0.5 ping
	[[ $stderr == *"no answer"* ]]
	[ $((SECONDS - t0)) -le 3 ]
}

@test "garbage and a closed connection exit 4" {
	fakegw_start '{"ping":{"garbage":"this is not json"},"status":{"close":true}}'
	run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"garbage"* ]]
	run -4 --separate-stderr "$I3CTL" status
	[[ $stderr == *"closed"* ]]
}

@test "the API key: authenticate first, from a file or I3_API_KEY" {
	fakegw_start '{"*":{"result":{}}}'
	printf 'sekrit\n' > "$BATS_TEST_TMPDIR/key"
	chmod 600 "$BATS_TEST_TMPDIR/key"
	run -0 "$I3CTL" --key-file "$BATS_TEST_TMPDIR/key" ping
	[ "$(jq -r .method "$BATS_TEST_TMPDIR/fake.log" | head -1)" = authenticate ]
	fake_request authenticate | jq -e '.params == {"key":"sekrit"}'
	: > "$BATS_TEST_TMPDIR/fake.log"
	I3_API_KEY=envkey run -0 "$I3CTL" ping
	fake_request authenticate | jq -e '.params == {"key":"envkey"}'
	run -2 "$I3CTL" --key-file "$BATS_TEST_TMPDIR/nokey" ping
}

@test "a refused key exits 4" {
	fakegw_start '{"authenticate":{"error":{"code":-32010,"message":"bad key"}},"*":{"result":{}}}'
	I3_API_KEY=wrong run -4 --separate-stderr "$I3CTL" ping
	[[ $stderr == *"bad key"* ]]
}

@test "listen: -n events as NDJSON, then exit 0" {
	fakegw_start '{"subscribe":{"result":{"subscribed":true},"events":[
	    ["tell_received",{"originator_mud":"Beta","originator_user":"bob","orig_visname":"Bob","message":"hi %^RED%^there%^RESET%^","text":"Bob@Beta tells you: hi %^RED%^there%^RESET%^"}],
	    ["channel_message",{"channel":"dchat","originator_mud":"Beta","visname":"Bob","message":"yo","text":"[dchat] Bob@Beta: yo"}],
	    ["mud_online",{"mud":"Gamma","text":"Gamma is up"}]]}}'
	run -0 "$I3CTL" --json listen -n 2
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[0]}" | jq -e '.event == "tell_received" and .params.orig_visname == "Bob"'
	echo "${lines[1]}" | jq -e '.event == "channel_message"'
	run -0 "$I3CTL" listen -n 3
	[ "${lines[0]}" = "Bob@Beta tells you: hi there" ]
	[ "${lines[1]}" = "[dchat] Bob@Beta: yo" ]
	[ "${lines[2]}" = "Gamma is up" ]
	run -0 "$I3CTL" --color=always listen -n 1
	[[ ${lines[0]} == *$'\e[31mthere'* ]]
	run -0 "$I3CTL" listen -n 1 -e mud_online -c dchat -q .params.mud -r
	[ "$output" = Gamma ]
	fake_request subscribe | jq -e '.params == {"events":["mud_online"],"channels":["dchat"]}'
}

@test "listen: --timeout ends it (0 without -n, 5 short of -n)" {
	fakegw_start '{"subscribe":{"result":{},"events":[["mud_online",{"mud":"Gamma","text":"Gamma is up"}]]}}'
	run -0 "$I3CTL" --timeout 0.3 listen
	[ "$output" = "Gamma is up" ]
	run -5 --separate-stderr "$I3CTL" --timeout 0.3 listen -n 2
	[[ $stderr == *"1 of 2 events"* ]]
	run -2 "$I3CTL" listen -n x
}

@test "shell: commands typed in a pseudo-terminal, events between prompts" {
	fakegw_start '{"ping":{"result":{"pong":true},"events":[["tell_received",{"originator_mud":"Beta","orig_visname":"Bob","message":"psst","text":"Bob@Beta tells you: psst"}]]},
	    "subscribe":{"result":{}},"mudlist":{"result":{"count":1,"muds":[{"name":"Alpha"}]}}}'
	cat > "$BATS_TEST_TMPDIR/shellpty.py" <<'EOF'
import os, pty, sys, time, select
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return
drain(0.5)
for keys in [b"pi\t\r", b"mudinfo Al\t", b"\x03", b"lscm\r", b"quit\r"]:
    os.write(fd, keys)
    drain(0.7)
os.waitpid(pid, 0)
import re
out = re.sub(rb"\r\x1b\[[0-9]+G", b"", out)
out = re.sub(rb"\x1b\[[0-9;]*[A-Za-z]", b"", out)
sys.stdout.write(out.decode("utf-8", "replace"))
EOF
	HOME=$BATS_TEST_TMPDIR TERM=xterm run timeout 15 python3 "$BATS_TEST_TMPDIR/shellpty.py" "$I3CTL" shell
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"i3> "* ]]
	[[ $output == *"i3> ping "*"pong from the gateway"* ]]
	[[ $output == *"Bob@Beta tells you: psst"* ]]
	[[ $output == *"mudinfo Alpha"* ]]
	[[ $output == *"tell (t)"* ]]
	grep -q '^lscm' "$BATS_TEST_TMPDIR/.local/state/i3ctl/history"
}

@test "shell: lines from a pipe, failures do not end it" {
	fakegw_start '{"ping":{"result":{"pong":true}},"subscribe":{"result":{}}}'
	run -0 --separate-stderr bash -c "printf 'ping\nnosuch\nping --json\nquit\n' | '$I3CTL' shell"
	[[ ${lines[0]} == "pong from the gateway"* ]]
	[ "${lines[1]}" = '{"pong":true}' ]
	[[ $stderr == *"unknown command: nosuch"* ]]
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
