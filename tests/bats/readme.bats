#!/usr/bin/env bats
# readme.bats: what the README tells a newcomer to type works: its first two
# commands need nothing but sh and apt before them, its libi3 example
# compiles under the project's own warning flags and reads frames, its
# config steps work on a fresh home; and the tests only call commands of
# packages the project installs (tests/pkgpath.sh).

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
	cc -std=c11 $warn -I"$I3_TOP/lib" $(pkg-config --cflags jansson) \
	    -o "$BATS_TEST_TMPDIR/frames" "$BATS_TEST_TMPDIR/frames.c" \
	    "$I3_TOP/lib/libi3.a" $(pkg-config --libs jansson) -lm
	run sh -c "{ echo '[\"who-req\",5,\"Alpha\",\"ann\",\"Beta\",0]'; \
	    echo '[\"tell\",5,\"Alpha\",\"ann\",\"Beta\",\"bob\",\"Ann\",\"hi\"]'; } |
	    '$I3_TOP/bin/i3codec' encode --frame | '$BATS_TEST_TMPDIR/frames'"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '["who-req",5,"Alpha","ann","Beta",0]' ]
	[ "${lines[1]}" = '["tell",5,"Alpha","ann","Beta","bob","Ann","hi"]' ]
	[ "${#lines[@]}" -eq 2 ]
	run sh -c "echo hello | '$BATS_TEST_TMPDIR/frames'"
	[ "$status" -eq 1 ]
	[[ "$output" == "frames: frame length "*"over the limit"* ]]
}

@test "README: the config steps work on a fresh home" {
	h="$BATS_TEST_TMPDIR/home"
	mkdir "$h"
	steps=$(sed -n 's/^\$ \(mkdir -p ~\/.config\/i3gw\)$/\1/p; s/^\$ \(cp share\/i3gw.conf.example [^ ]*\).*/\1/p' "$README")
	[ "$(echo "$steps" | wc -l)" -eq 2 ]
	cd "$I3_TOP"
	run env -u XDG_CONFIG_HOME -u XDG_STATE_HOME HOME="$h" sh -ec "$steps
	    bin/i3gw -n"
	[ "$status" -eq 0 ]
	[[ "$output" == *"configuration OK ($h/.config/i3gw/i3gw.conf)"* ]]
}

@test "pkgpath: only the commands of the project's packages, pgrep in, git out" {
	d="$BATS_TEST_TMPDIR/path"
	run sh "$I3_TOP/tests/pkgpath.sh" "$d"
	[ "$status" -eq 0 ]
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
	run sh "$I3_TOP/tests/pkgpath.sh" -w pgrep
	[ "$output" = procps ]
}
