#!/usr/bin/env bats
# examples.bats: every example in share/examples built and run end to end
# against the test router, with a second gateway (Beta) as the other MUD.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

EX="$I3_TOP/share/examples"
CFLAGS_EX="-std=c11 -Wall -Wextra -Wno-unused-parameter -Werror"
# Under `make check SANITIZE=...` libi3.a is built with the sanitizers: so
# are the examples, and run without valgrind (which cannot run them).
if [ -n "${I3_SANITIZE:-}" ]; then
	CFLAGS_EX="$CFLAGS_EX -fsanitize=$I3_SANITIZE"
fi

setup() {
	router_start -c chat
	gw_conf Beta
	gw_start Beta
	gw_wait Beta '"router_connected"'
	gw_call Beta 1 channel_join '{"channel":"chat"}' >/dev/null
	gw_conf Alpha
	export STATE_DIRECTORY="$BATS_TEST_TMPDIR/Alpha.state"
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	local p
	for p in ${EX_PIDS:-}; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
	stop_all
}

# bg NAME CMD...: run in the background, output in NAME.out, stdin from
# $BG_STDIN (an asynchronous command's stdin is /dev/null otherwise).
bg() {
	local name=$1
	shift
	"$@" < "${BG_STDIN:-/dev/null}" > "$BATS_TEST_TMPDIR/$name.out" \
	    2> "$BATS_TEST_TMPDIR/$name.err" 3>&- &
	EX_PIDS="${EX_PIDS:-} $!"
	LAST_PID=$!
}

# waitpid_for PID SECONDS: its exit status, or 124 when it runs on.
waitpid_for() {
	local i
	for i in $(seq 1 $(($2 * 20))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$1" 2>/dev/null && return 124
	wait "$1"
}

# ann_gone: Beta's who of Alpha lists no Ann (the answer in $REPLY).
ann_gone() {
	WHO_ID=$((${WHO_ID:-100} + 1))
	gw_call Beta "$WHO_ID" who '{"target_mud":"Alpha"}' > /dev/null &&
	    [[ "$REPLY" == *'"result":'* && "$REPLY" != *'"visname":"Ann"'* ]]
}

build_minimal() {
	cc $CFLAGS_EX -I"$I3_TOP/lib" -o "$BATS_TEST_TMPDIR/minimal" \
	    "$EX/c-minimal/minimal.c" "$I3_TOP/lib/libi3.a" -ljansson
}

@test "c-minimal: builds with -Werror, joins, tells, hears the channel" {
	build_minimal
	I3GW="$I3_TOP/bin/i3gw" bg minimal ./minimal Alpha.conf chat bob@Beta 4
	local pid=$LAST_PID
	gw_wait Beta 'tell_received.*Hello from the minimal example' 5
	gw_wait Beta 'channel_message.*Guest@Alpha: Hello, channel' 5
	gw_call Beta 2 channel_send \
	    '{"channel":"chat","from_user":"bob","visname":"Bob","message":"hi alpha"}'
	wait_for_line minimal.out '\[chat\] Bob@Beta: hi alpha' 5
	grep -q '^tell: ok' minimal.out
	grep -q '^channel_join: ok' minimal.out
	local rc=0
	waitpid_for "$pid" 5 || rc=$?
	[ "$rc" -eq 0 ]
	# The gateway saw end of input and left the router cleanly.
	grep -q 'end of input' i3gw.log
}

@test "c-minimal: a second run, its mudlist cached, tells again" {
	build_minimal
	I3GW="$I3_TOP/bin/i3gw" bg minimal ./minimal Alpha.conf chat bob@Beta 3
	local pid=$LAST_PID
	gw_wait Beta 'tell_received.*Hello from the minimal example' 5
	waitpid_for "$pid" 5
	# The same state directory: Beta is up in the cached mudlist, and the
	# router sends no mud_online for it.
	I3GW="$I3_TOP/bin/i3gw" bg minimal2 ./minimal Alpha.conf chat bob@Beta 3
	pid=$LAST_PID
	wait_for_line minimal2.out '^tell: ok' 5
	local i
	for i in $(seq 1 50); do
		[ "$(gw_count Beta 'tell_received.*Hello from the minimal')" -ge 2 ] &&
		    break
		sleep 0.1
	done
	[ "$(gw_count Beta 'tell_received.*Hello from the minimal')" -eq 2 ]
	waitpid_for "$pid" 5
}

@test "c-minimal: valgrind-clean" {
	local vg="valgrind -q --error-exitcode=9 --leak-check=full"
	vg="$vg --errors-for-leak-kinds=definite,indirect"
	# Built with the sanitizers in a sanitizer build: they check it.
	[ -z "${I3_SANITIZE:-}" ] || vg=
	build_minimal
	I3GW="$I3_TOP/bin/i3gw" bg minimal $vg ./minimal Alpha.conf chat bob@Beta 5
	local pid=$LAST_PID
	gw_wait Beta 'tell_received.*Hello from the minimal example' 8
	gw_call Beta 2 channel_send \
	    '{"channel":"chat","from_user":"bob","visname":"Bob","message":"under valgrind"}'
	wait_for_line minimal.out 'Bob@Beta: under valgrind' 5
	local rc=0
	waitpid_for "$pid" 10 || rc=$?
	cat minimal.err
	[ "$rc" -eq 0 ]
}

@test "diku: the glue builds with -Werror; i3 commands, events to players, presence, copyover" {
	# fakemud prints what a real MUD would colour: plain text.
	cc $CFLAGS_EX -DI3_COLOUR=I3_COLOUR_PLAIN -I"$I3_TOP/lib" -o fakemud \
	    "$EX/diku/fakemud.c" "$EX/diku/i3_glue.c" "$I3_TOP/lib/libi3.a" \
	    -ljansson
	mkfifo mud.in
	exec {mudfd}<> mud.in	# read-write: opening it never blocks
	I3_STDERR="$BATS_TEST_TMPDIR/i3gw.log" BG_STDIN=mud.in bg mud \
	    ./fakemud "$I3_TOP/bin/i3gw" Alpha.conf
	local pid=$LAST_PID
	wait_for_line mud.out 'log: I3: router_connected' 5
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 5

	# A player's i3 tell, and the answer delivered to that player.
	echo 'Ann i3 tell bob@Beta Hello from Diku' >&$mudfd
	gw_wait Beta 'tell_received.*"Ann@Alpha tells you: Hello from Diku"' 5
	wait_for_line mud.out '^\[Ann\] Ok' 5
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","visname":"Bob","message":"hi Ann"}'
	wait_for_line mud.out '^\[Ann\] Bob@Beta tells you: hi Ann' 5

	# The channel: to every player; from a player.
	gw_call Beta 3 channel_send '{"channel":"chat","from_user":"bob","visname":"Bob","message":"hello Alpha"}'
	wait_for_line mud.out '^\[Cid\] \[chat\] Bob@Beta: hello Alpha' 5
	grep -q '^\[Ann\] \[chat\] Bob@Beta: hello Alpha' mud.out
	echo 'Cid i3 chat greetings from Cid' >&$mudfd
	gw_wait Beta 'channel_message.*Cid@Alpha: greetings from Cid' 5
	echo 'Ann i3 bogus' >&$mudfd
	wait_for_line mud.out '^\[Ann\] Usage: i3 tell' 5

	# Copyover: the MUD exec()s itself, the same gateway carries on.
	local gwpid
	gwpid=$(pgrep -P "$pid" i3gw)
	echo copyover >&$mudfd
	wait_for_line mud.out 'log: copyover: back' 5
	grep -q 're-attached after copyover' mud.out
	[ "$(pgrep -P "$pid" i3gw)" = "$gwpid" ]
	gw_call Beta 4 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","visname":"Bob","message":"still there?"}'
	wait_for_line mud.out '^\[Ann\] Bob@Beta tells you: still there\?' 5
	[ "$(gw_count Beta '"mud_offline","params":\{"mud":"Alpha"')" -eq 0 ]

	# Presence, where the gateway has it: who lists the players online.
	gw_call Beta 5 who '{"target_mud":"Alpha"}'
	[[ "$REPLY" == *'"visname":"Ann"'* ]]
	echo 'Ann quit' >&$mudfd
	wait_until 5 "Ann gone from Alpha's who" ann_gone
	[[ "$REPLY" == *'"visname":"Cid"'* ]]

	echo shutdown >&$mudfd
	local rc=0
	waitpid_for "$pid" 5 || rc=$?
	[ "$rc" -eq 0 ]
	exec {mudfd}>&-
	run -1 pgrep -P "$pid" i3gw
}

@test "python: the bot answers tells and !ping on the channel" {
	python3 -m py_compile "$EX/python/i3bot.py"
	bg bot python3 "$EX/python/i3bot.py" -f Alpha.conf \
	    -g "$I3_TOP/bin/i3gw" -c chat -n bot -s 20
	local pid=$LAST_PID
	wait_for_line bot.out '^joined chat' 5
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 5
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"bot","from_user":"bob","visname":"Bob","message":"hello bot"}'
	gw_wait Beta 'tell_received.*"Bot@Alpha tells you: You said: hello bot"' 5
	gw_call Beta 3 channel_send '{"channel":"chat","from_user":"bob","visname":"Bob","message":"!ping"}'
	gw_wait Beta 'channel_message.*Bot@Alpha: pong' 5
	grep -q 'Bob@Beta tells you: hello bot' bot.out
	kill -TERM "$pid"
	local rc=0
	waitpid_for "$pid" 5 || rc=$?
	[ "$rc" -eq 0 ]
}

# The i3ctl examples talk to gateway Gamma on its Unix socket.
need_ctl() {
	gwsock_start Gamma
}

@test "shell: daily.sh posts on the channel, who.sh reports who is on" {
	need_ctl
	PATH="$I3_TOP/bin:$PATH" run -0 sh "$EX/shell/daily.sh" "Daily news"
	gw_wait Beta 'channel_message.*cron@Gamma: Daily news' 5
	run -0 sh -c "PATH='$I3_TOP/bin':\$PATH '$EX/shell/who.sh' -n Beta"
	[[ "$output" == "On Beta: "* ]]
	# no answer: i3ctl's exit status, and nothing said
	run -1 sh -c "PATH='$I3_TOP/bin':\$PATH '$EX/shell/who.sh' -n NoSuchMud"
	[[ "$output" != *"On NoSuchMud"* ]]
}

@test "relay: channel to a local webhook, rate-limited, mentions defused" {
	need_ctl
	bg sink python3 "$I3_TOP/tests/helpers/webhook-sink.py" posts.log
	wait_for_line sink.out '^[0-9]+$' 5
	local port
	port=$(head -1 sink.out)
	# i3ctl --verbose says when its listen is subscribed (in relay.err)
	printf '#!/bin/sh\nexec "%s" --verbose "$@"\n' "$I3CTL" > ctl-verbose
	chmod +x ctl-verbose
	WEBHOOK_URL="http://127.0.0.1:$port/hook" RELAY_RATE=3 \
	    RELAY_WINDOW=60 RELAY_ONCE=1 I3CTL="$BATS_TEST_TMPDIR/ctl-verbose" \
	    bg relay sh "$EX/relay/relay.sh" chat
	wait_for_line relay.err '^i3ctl: <- subscribe: result$' 5
	gw_call Beta 2 channel_send '{"channel":"chat","from_user":"bob","visname":"Bob","message":"hey @everyone look <@12345>"}'
	wait_for_line posts.log 'Bob@Beta' 5
	gw_call Beta 3 channel_emote '{"channel":"chat","from_user":"bob","visname":"Bob","message":"$N waves."}'
	wait_for_line posts.log 'waves' 5
	gw_call Beta 4 channel_send '{"channel":"chat","from_user":"bob","visname":"Bob","message":"line one\nline two"}'
	wait_for_line posts.log 'line two' 5
	gw_call Beta 5 channel_send '{"channel":"chat","from_user":"bob","visname":"Bob","message":"fourth, over the rate"}'
	wait_for_line relay.err 'dropped' 5
	[ "$(wc -l < posts.log)" -eq 3 ]
	# a message of two lines is posted as two lines, not with a literal \n
	sed -n 3p posts.log | jq -e '.content == "line one\nline two"'
	head -1 posts.log | jq -e '.username == "Bob@Beta" and
	    (.content | test("@everyone") | not) and
	    (.content | test("<@") | not) and
	    .allowed_mentions.parse == []'
	sed -n 2p posts.log | jq -e '.content == "Bob@Beta waves."'
}
