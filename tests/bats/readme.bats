#!/usr/bin/env bats
# readme.bats: what the README tells a newcomer to type works: its first two
# commands need nothing but sh and apt before them, its libi3 example
# compiles under the project's own warning flags and reads frames, its
# config steps work on a fresh home; and the tests only call commands of
# packages the project installs (tests/pkgpath.sh).

bats_require_minimum_version 1.5.0

setup() {
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	README="$I3_TOP/README.md"
}

# block LANG N: the Nth fenced block of that language in the README.
block() {
	awk -v lang="$1" -v want="$2" '
		$0 == "```" lang { n++; if (n == want) { inb = 1; next } }
		inb && /^```/ { exit }
		inb' "$README"
}

@test "README: the first two commands need only sh and apt before them" {
	cmds=$(block sh 1 | sed -e 's/[[:space:]]\{1,\}#.*$//' -e '/^$/d')
	[ "$(echo "$cmds" | wc -l)" -eq 2 ]
	first=$(echo "$cmds" | head -1)
	[ "$first" = "sh tests/deps.sh && make demo" ]
	[ "$(echo "$cmds" | tail -1)" = "make check" ]
	# make comes from build-essential, which deps.sh installs.
	pkgs=" $(sh "$I3_TOP/tests/deps.sh" --list | tr -s ' \t\n' '   ') "
	[[ "$pkgs" == *" build-essential "* ]]
	[[ "$pkgs" == *" procps "* ]]
	# deps.sh is POSIX sh: dash parses it.
	dash -n "$I3_TOP/tests/deps.sh"
}

@test "README: the libi3 example compiles under the project's warning flags and reads frames" {
	block c 1 >"$BATS_TEST_TMPDIR/frames.c"
	grep -q 'i3_reader_next' "$BATS_TEST_TMPDIR/frames.c"
	warn=$(echo 'print-warn: ; @echo $(WARN)' |
	    make -s --no-print-directory -C "$I3_TOP" -f Makefile -f - print-warn)
	[[ "$warn" == *-Wextra*-Werror* ]]
	# shellcheck disable=SC2086
	# (lib/libi3.a holds sanitizer calls under make check SANITIZE=...)
	cc -std=c11 $warn ${I3_SANITIZE:+-fsanitize=$I3_SANITIZE} \
	    -I"$I3_TOP/lib" $(pkg-config --cflags jansson) \
	    -o "$BATS_TEST_TMPDIR/frames" "$BATS_TEST_TMPDIR/frames.c" \
	    "$I3_TOP/lib/libi3.a" $(pkg-config --libs jansson) -lm
	run -0 sh -c "{ echo '[\"who-req\",5,\"Alpha\",\"ann\",\"Beta\",0]'; \
	    echo '[\"tell\",5,\"Alpha\",\"ann\",\"Beta\",\"bob\",\"Ann\",\"hi\"]'; } |
	    '$I3_TOP/bin/i3codec' encode --frame | '$BATS_TEST_TMPDIR/frames'"
	[ "${lines[0]}" = '["who-req",5,"Alpha","ann","Beta",0]' ]
	[ "${lines[1]}" = '["tell",5,"Alpha","ann","Beta","bob","Ann","hi"]' ]
	[ "${#lines[@]}" -eq 2 ]
	run -1 sh -c "echo hello | '$BATS_TEST_TMPDIR/frames'"
	[[ "$output" == "frames: frame length "*"over the limit"* ]]
}

@test "README: the config steps work on a fresh home" {
	h="$BATS_TEST_TMPDIR/home"
	mkdir "$h"
	steps=$(sed -n 's/^\$ \(mkdir -p ~\/.config\/i3gw\)$/\1/p; s/^\$ \(cp share\/i3gw.conf.example [^ ]*\).*/\1/p' "$README")
	[ "$(echo "$steps" | wc -l)" -eq 2 ]
	cd "$I3_TOP"
	run -0 env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$h" sh -ec "$steps
	    bin/i3gw -n"
	[[ "$output" == *"configuration OK ($h/.config/i3gw/i3gw.conf)"* ]]
}

@test "pkgpath: only the commands of the project's packages, pgrep in, git out" {
	d="$BATS_TEST_TMPDIR/path"
	run -0 sh "$I3_TOP/tests/pkgpath.sh" "$d"
	[[ "$output" == "pkgpath: "*" commands from "*" packages" ]]
	for c in sh make cc awk pgrep bats jq curl openssl python3 valgrind \
	    mandoc pkg-config readelf; do
		[ -x "$d/$c" ] || { echo "missing $c"; false; }
	done
	# git clones the repository but no test may need it; ss (iproute2)
	# and sudo are not on a minimal system.
	for c in git ss sudo; do
		[ ! -e "$d/$c" ] || { echo "$c should not be there"; false; }
	done
	run -0 sh "$I3_TOP/tests/pkgpath.sh" -w pgrep
	[ "$output" = procps ]
}

@test "README: the first steps (i3router, i3gw -d, listen, tell) work as written" {
	# The sh block that starts the router, its "$ " lines, comments off.
	steps=$(awk '/^```sh$/ { inb = 1; b = ""; next }
	    inb && /^```/ { inb = 0; if (b ~ /i3router/) { printf "%s", b; exit } next }
	    inb { b = b $0 "\n" }' "$README" |
	    sed -n 's/^\$ //p' | sed 's/[[:space:]]\{1,\}#.*$//')
	[ "$(echo "$steps" | grep -c .)" -eq 7 ]
	# Tests never take a fixed port: the router's port is chosen here, and
	# the gateway told it by I3GW_ROUTER (replacing the [router] sections).
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	[[ "$steps" == *"bin/i3router -p 4000 &"* ]]
	steps=${steps//-p 4000/-p $port}
	# After each "&", its pid is noted; the gateway's socket is waited for,
	# and the listener given a moment to subscribe.
	script=$(echo "$steps" | awk '
	    { print }
	    /&$/ { print "echo $! >>\"$PIDS\"" }
	    /i3gw -d &$/ { print "i=0; while [ ! -S \"$XDG_RUNTIME_DIR/i3gw/i3gw.sock\" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done" }
	    /listen .*&$/ { print "sleep 1" }')
	h="$BATS_TEST_TMPDIR/home"
	mkdir -p "$h/run" && chmod 700 "$h/run"
	cd "$I3_TOP"
	PIDS="$BATS_TEST_TMPDIR/pids"
	out="$BATS_TEST_TMPDIR/out"
	# Into a file: the router and the gateway keep it open until killed.
	env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$h" \
	    XDG_RUNTIME_DIR="$h/run" PIDS="$PIDS" \
	    I3GW_ROUTER="*test:127.0.0.1:$port" sh -c "$script
	    wait \$(sed -n 3p \"\$PIDS\")	# the listener: one event, then exit
	    echo listen: \$?" >"$out" 2>&1 &
	sh=$!
	i=0
	while kill -0 "$sh" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
	kill "$sh" 2>/dev/null && echo "the steps did not end in 15 s"
	kill $(cat "$PIDS") 2>/dev/null || true
	wait "$sh"
	status=$?
	output=$(cat "$out")
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"i3gw: configuration OK ($h/.config/i3gw/i3gw.conf)"* ]]
	# The listener printed the tell that went through the router, and
	# exited 0 after its one event.
	echo "$output" | grep -qx 'i3ctl@ExampleMud tells you: hello'
	echo "$output" | grep -qx 'listen: 0'
}
