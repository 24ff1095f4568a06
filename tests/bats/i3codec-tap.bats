#!/usr/bin/env bats
# i3codec-tap.bats: "i3codec tap" between MUD clients and a router: bytes
# pass unchanged, each finding is reported once at its frame, several
# clients at once, a router that hangs up mid-frame; "stats" and "decode"
# read its logs back.
#
# The router is the project's i3router where the test is about what a
# router answers (passwords, several clients); tests/helpers/rawpeer.py
# stands in for it only where the test needs the raw bytes a router
# received, or a router that closes in the middle of a frame, which
# i3router cannot be made to do.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	C="$I3_TOP/bin/i3codec"
	T="$BATS_TEST_TMPDIR"
	RAWPEER="$I3_TOP/tests/helpers/rawpeer.py"
	TAP_PID=""
}

teardown() {
	[ -n "$TAP_PID" ] && kill "$TAP_PID" 2>/dev/null
	stop_all
	true
}

# tap_start UPSTREAM_PORT [ARGS...]: the tap on port 0; sets TAP_PORT.
tap_start() {
	local up=$1 i
	shift
	# Made here: the background job may open them after the first look.
	: > "$T/tap.log"
	: > "$T/tap.err"
	"$C" tap -l 127.0.0.1:0 "$@" "127.0.0.1:$up" > "$T/tap.log" \
	    2> "$T/tap.err" &
	TAP_PID=$!
	for i in $(seq 1 100); do
		TAP_PORT=$(sed -nE 's/.*listening on 127\.0\.0\.1:([0-9]+),.*/\1/p' \
		    "$T/tap.err")
		[ -n "$TAP_PORT" ] && return 0
		sleep 0.05
	done
	cat "$T/tap.err" >&2
	return 1
}

# tap_stop: once the raw router (if any) has seen its connection end, which
# the tap does only after it logged all of it, SIGINT the tap.
tap_stop() {
	local i
	if [ -n "${RAW_PID:-}" ]; then
		for i in $(seq 1 200); do
			kill -0 "$RAW_PID" 2>/dev/null || break
			sleep 0.05
		done
		RAW_PID=""
	fi
	kill -INT "$TAP_PID"
	wait "$TAP_PID"
	TAP_PID=""
}

# frame LPC [TAIL]: a frame of LPC text; TAIL (default NUL) is counted in
# the length unless it is "short" (the length leaves the NUL out) or
# "none" (no NUL at all) or "cr" (a CR where the NUL goes).
frame() {
	python3 - "$1" "${2:-nul}" <<'PY'
import struct, sys
p = sys.argv[1].encode("utf-8", "surrogateescape")
t = sys.argv[2]
out = sys.stdout.buffer
if t == "nul":
    out.write(struct.pack(">I", len(p) + 1) + p + b"\0")
elif t == "cr":
    out.write(struct.pack(">I", len(p) + 1) + p + b"\r")
elif t == "short":
    out.write(struct.pack(">I", len(p)) + p + b"\0")
else:
    out.write(struct.pack(">I", len(p)) + p)
PY
}

# rawrouter [--reply FILE] [--close]: rawpeer as the router; sets RAW_PORT.
rawrouter() {
	mkdir -p "$T/rr"
	python3 "$RAWPEER" serve "$T/rr" "$@" &
	RAW_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -s "$T/rr/port" ] && { RAW_PORT=$(cat "$T/rr/port"); return 0; }
		sleep 0.05
	done
	return 1
}

tell='({"tell",5,"Alpha","bob","Beta","ann","Bob","hi",})'

@test "tap: every byte passes unchanged both ways, broken frames too" {
	{ frame "$tell"; frame "$tell" short; frame "$tell" cr
	  frame '({ "tell" , 5 })'; frame "$tell" none; } > "$T/in"
	{ frame '({"mudlist",5,"*r",0,"Alpha",0,3,([]),})'
	  printf 'junk without a length'; } > "$T/reply"
	rawrouter --reply "$T/reply"
	tap_start "$RAW_PORT"
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.7
	tap_stop
	cmp "$T/in" "$T/rr/recv"
	cmp "$T/reply" "$T/got"
	# the reply's junk is not a frame: framing lost, reported once
	[ "$(grep -c '"too-big"' "$T/tap.log")" -eq 1 ]
}

@test "tap: each quirk is reported once, at its frame's offset" {
	# frame offsets: tell 0 (56 bytes), short 56 (55 bytes, then the NUL
	# at 111), cr 112, latin1 168, whitespace, no trailing comma, fields
	{ frame "$tell"                                     # 0: clean
	  frame "$tell" short                               # 56: stray NUL
	  frame "$tell" cr                                  # 112
	  frame '({"tell",5,"Alpha","bob","Beta","ann","Bob","caf'$'\xe9'' au lait",})'
	  frame '({ "tell",5,"Alpha","bob","Beta","ann","Bob","hi" })'
	  frame '({"tell",5,"Alpha","bob","Beta",})'
	  frame "$tell" none; } > "$T/in"
	rawrouter
	tap_start "$RAW_PORT"
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.4
	tap_stop
	L="$T/tap.log"
	# one line per frame, and nothing reported of the clean one
	[ "$(grep -c '"dir":"mud>router","offset"' "$L")" -eq 8 ]
	run -0 jq -c 'select(.offset==0 and .dir=="mud>router") | .findings' "$L"
	[ "$output" = "null" ]
	run -0 jq -r 'select(.findings) | .findings[] as $f | "\(.offset) \($f.code)"' "$L"
	[ "${lines[0]}" = "56 no-nul" ]
	[ "${lines[1]}" = "111 stray-nul" ]
	[ "${lines[2]}" = "112 cr-end" ]
	[ "${lines[3]}" = "168 latin1" ]
	[ "$(echo "$output" | grep -c latin1)" -eq 1 ]
	echo "$output" | grep -qE '^[0-9]+ non-canonical$'
	[ "$(echo "$output" | grep -c ' non-canonical$')" -eq 1 ]
	[ "$(echo "$output" | grep -c ' schema$')" -eq 1 ]
	# the last frame has no NUL, and the stream ends with it
	[ "$(echo "$output" | grep -c ' no-nul$')" -eq 2 ]
	[ "$(echo "$output" | grep -c ' stray-nul$')" -eq 1 ]
	[ "${#lines[@]}" -eq 7 ]
}

@test "tap: a burst of 30 packets in a second is one flood finding" {
	for i in $(seq 1 30); do frame "$tell"; done > "$T/in"
	rawrouter
	tap_start "$RAW_PORT"
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.3
	tap_stop
	[ "$(grep -c '"dir":"mud>router","offset"' "$T/tap.log")" -eq 30 ]
	run -0 jq -r 'select(.findings) | "\(.offset) \(.findings[0].code)"' "$T/tap.log"
	[ "$output" = "$((56 * 10)) flood" ]
}

@test "tap: a startup with another password than the router issued" {
	router_start
	tap_start "$ROUTER_PORT"
	probe_p() { "$I3PROBE" -p "$TAP_PORT" "$@"; }
	startup_pkt Alpha 0 | probe_p --expect 2 > "$T/first"
	pw=$(jq -r 'select(.[0]=="startup-reply") | .[7]' "$T/first")
	[ -n "$pw" ]
	[ "$pw" != 0 ]
	# the same password again: nothing to say
	startup_pkt Alpha "$pw" | probe_p --expect 2 > /dev/null
	# then another one: reported; the router warns and lets it in, from
	# the same address, as the Dead Souls router does
	run -0 probe_p --wait 300 <<< "$(startup_pkt Alpha 12345)"
	[[ "${lines[0]}" == '["error",5,"*test",0,"Alpha",0,"warning","wrong password, but I'"'"'ll allow you since it'"'"'s the same IP as last time",'* ]]
	[[ "${lines[1]}" == '["startup-reply",'* ]]
	tap_stop
	run -0 jq -r 'select(.findings) | "\(.conn) \(.findings[].code)"' "$T/tap.log"
	[ "$output" = "3 password" ]
	grep -q "issued $pw last time" "$T/tap.log"
}

@test "tap: two clients at once, each its own connection" {
	router_start
	tap_start "$ROUTER_PORT"
	{ startup_pkt Alpha; echo "sleep 300"; } | "$I3PROBE" -p "$TAP_PORT" \
	    --wait 400 > "$T/a" &
	a=$!
	{ startup_pkt Beta; echo "sleep 300"; } | "$I3PROBE" -p "$TAP_PORT" \
	    --wait 400 > "$T/b" &
	b=$!
	reap "$a" 0
	reap "$b" 0
	tap_stop
	grep -q '"startup-reply"' "$T/a"
	grep -q '"startup-reply"' "$T/b"
	[ "$(jq -r 'select(.event=="open") | .conn' "$T/tap.log" | sort | tr '\n' ' ')" = "1 2 " ]
	[ "$(jq -r 'select(.type=="startup-req-3") | .named.originator_mud' "$T/tap.log" | sort | tr '\n' ' ')" = "Alpha Beta " ]
	[ "$(jq -r 'select(.event=="close") | .conn' "$T/tap.log" | sort | tr '\n' ' ')" = "1 2 " ]
	run -0 jq -c 'select(.event=="stop") | .totals["mud>router"].frames' "$T/tap.log"
	[ "$output" = 2 ]
}

@test "tap: a router that hangs up mid-frame" {
	{ frame "$tell"; frame "$tell" | head -c 20; } > "$T/reply"
	rawrouter --reply "$T/reply" --close
	tap_start "$RAW_PORT"
	frame '({"startup-req-3",5,"Alpha",0,"*r",0,0,0,0,4000,0,0,"L","L","D","LP","open","a@b",([]),0,})' > "$T/in"
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 1
	tap_stop
	cmp "$T/reply" "$T/got"		# what came, came through
	run -0 jq -r 'select(.findings) | "\(.dir) \(.offset) \(.findings[0].code): \(.findings[0].text)"' "$T/tap.log"
	[ "$output" = "router>mud 56 truncated: closed mid-frame: 16 of 52 bytes came" ]
	run -0 jq -r 'select(.event=="close") | .reason' "$T/tap.log"
	[ "$output" = "the router closed" ]
}

@test "tap --quiet logs only findings; --pretty is one line a frame" {
	{ frame "$tell"; frame "$tell" cr; } > "$T/in"
	rawrouter
	tap_start "$RAW_PORT" --quiet
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.3
	tap_stop
	run -0 jq -r 'select(.dir) | .findings[0].code' "$T/tap.log"
	[ "$output" = "cr-end" ]
	rm -rf "$T/rr"
	rawrouter
	tap_start "$RAW_PORT" --pretty
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.3
	tap_stop
	grep -qE '#1 mud>router @0 52B tell \(\{"tell",5,"Alpha"' "$T/tap.log"
	grep -qE '^    ! cr-end: frame ends in CR' "$T/tap.log"
	run -1 grep -q $'\033' "$T/tap.log"
}

@test "stats and decode read a tap log" {
	{ frame "$tell"; frame "$tell"; frame "$tell" cr
	  frame '({"who-req",5,"Alpha","bob","Beta",0,})'; } > "$T/in"
	rawrouter
	tap_start "$RAW_PORT"
	python3 "$RAWPEER" send "$TAP_PORT" "$T/in" "$T/got" --wait 0.3
	tap_stop
	run -0 "$C" stats --json "$T/tap.log"
	[ "$(echo "$output" | jq -c .types)" = '{"tell":[3,0],"who-req":[1,0]}' ]
	[ "$(echo "$output" | jq -c '.findings["cr-end"].count')" = 1 ]
	[ "$(echo "$output" | jq -c '.directions["mud>router"].frames')" = 4 ]
	run -0 "$C" stats "$T/tap.log"
	echo "$output" | grep -qE '^tell +3 +0$'
	echo "$output" | grep -qE '^cr-end +1  #1 mud>router @112: '
	run -0 --separate-stderr "$C" decode --raw "$T/tap.log"
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = '["who-req",5,"Alpha","bob","Beta",0]' ]
	run -0 --separate-stderr "$C" pretty "$T/tap.log"
	echo "$output" | grep -q '"who-req"'
}

@test "tap: usage errors" {
	run -2 "$C" tap
	run -2 "$C" tap -r x 127.0.0.1:1
	run -2 "$C" tap -l 127.0.0.1:1 nohostport
}
