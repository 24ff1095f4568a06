#!/usr/bin/env bats
# colour.bats: "i3codec colour" from the outside: profiles both ways, files
# and stdin, stripping, wrapping, errors and exit codes.

bats_require_minimum_version 1.5.0

setup() {
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	C="$I3_TOP/bin/i3codec"
	T="$BATS_TEST_TMPDIR"
}

@test "default: pinkfish to ansi, run-together codes, reset at the end" {
	run -0 bash -c "printf '%%^BOLD%%^RED%%^hi%%^RESET%%^ there\n' | '$C' colour | od -An -c | tr -s ' \n' ' '"
	[ "$output" = " 033 [ 1 ; 3 1 m h i 033 [ 0 m t h e r e \n " ]
}

@test "color is an alias of colour" {
	run -0 bash -c "printf '%%^RED%%^x' | '$C' color --to smaug"
	[ "$output" = '&rx&d' ]
}

@test "every profile from pinkfish" {
	in='%^YELLOW%^a&b{c@d<e>%^RESET%^'
	for pair in 'pinkfish|%^YELLOW%^a&b{c@d<e>%^RESET%^' \
	    'plain|a&b{c@d<e>' \
	    'html|<span class="pf-bold pf-yellow">a&amp;b{c@d&lt;e&gt;</span>' \
	    'smaug|&Ya&&b{c@d<e>&d' \
	    'afkmud|&Ya&&b{c@d<e>&d' \
	    'rom|{Ya&b{{c@d<e>{x' \
	    'lope|{Ya&b{{c@d<e>{x' \
	    'circle|@Ya&b{c@@d<e>@n' \
	    'none|%^YELLOW%^a&b{c@d<e>%^RESET%^'; do
		run -0 --separate-stderr "$C" colour --to "${pair%%|*}" <<<"$in"
		[ "$output" = "${pair#*|}" ]
	done
}

@test "tba uses TAB codes and \\t* for @" {
	run -0 bash -c "printf '%%^RED%%^bob@Alpha' | '$C' colour -t tba | od -An -c | tr -s ' \n' ' '"
	[ "$output" = ' \t r b o b \t * A l p h a \t n ' ]
}

@test "xterm256 uses 208 for ORANGE" {
	run -0 bash -c "printf '%%^ORANGE%%^o' | '$C' colour -t xterm | od -An -c | tr -s ' \n' ' '"
	[ "$output" = ' 033 [ 3 8 ; 5 ; 2 0 8 m o 033 [ 0 m ' ]
}

@test "every MUD set to pinkfish" {
	for pair in 'smaug|&Rhi&d &&|%^BOLD%^%^RED%^hi%^RESET%^ &' \
	    'rom|{Rhi{x {{|%^BOLD%^%^RED%^hi%^RESET%^ {' \
	    'circle|@Rhi@n @@|%^BOLD%^%^RED%^hi%^RESET%^ @' \
	    'html|<span class="pf-red">a&lt;</span>|%^RED%^a<%^RESET%^' \
	    'plain|50%^ off|50%%^^ off'; do
		rest=${pair#*|}
		run -0 --separate-stderr "$C" colour --from "${pair%%|*}" \
		    --to pinkfish <<<"${rest%%|*}"
		[ "$output" = "${rest#*|}" ]
	done
}

@test "ansi SGR to pinkfish, bright backgrounds are 100-107" {
	run -0 bash -c "printf '\033[1;31ma\033[0m \033[103mb\033[41mc' | '$C' colour -f ansi -t pinkfish"
	[ "$output" = '%^BOLD%^%^RED%^a%^RESET%^ %^B_YELLOW%^b%^B_RED%^c%^RESET%^' ]
}

@test "smaug to rom through the model" {
	run -0 --separate-stderr "$C" colour -f smaug -t rom <<<'&Gok&d plain'
	[ "$output" = '{Gok{x plain' ]
}

@test "escape sequences and control bytes from the network are stripped" {
	run -0 bash -c "printf 'a\033[2Jb\rc\007d\033]0;evil\007e' | '$C' colour -t plain"
	[ "$output" = 'abcde' ]
}

@test "colour never bleeds past a line end" {
	run -0 bash -c "printf '%%^RED%%^one\ntwo\n' | '$C' colour -t smaug"
	[ "${lines[0]}" = '&rone&d' ]
	[ "${lines[1]}" = 'two' ]
}

@test "--wrap keeps colour across the breaks" {
	run -0 --separate-stderr "$C" colour -f pinkfish -t smaug -w 10 \
	    <<<'%^RED%^one two three four%^RESET%^ five'
	[ "${lines[0]}" = '&rone two&d' ]
	[ "${lines[1]}" = '&rthree four&d' ]
	[ "${lines[2]}" = 'five' ]
}

@test "files in order, - for stdin" {
	printf '%%^GREEN%%^a' >"$T/one"
	printf '%%^BLUE%%^b' >"$T/two"
	run -0 --separate-stderr "$C" colour -t rom "$T/one" - "$T/two" <<<'c'
	[ "$output" = "{ga{xc
{bb{x" ]
}

@test "--list names every profile" {
	run -0 --separate-stderr "$C" colour --list
	[ "$(echo "$output" | tr '\n' ' ')" = 'pinkfish ansi xterm256 plain html smaug rom tba circle none ' ]
}

@test "unknown profile: usage, exit 2" {
	run -2 --separate-stderr "$C" colour --to mxp </dev/null
	[[ "$stderr" == *"unknown colour profile: mxp"* ]]
	[ -z "$output" ]
}

@test "bad option and bad width: exit 2" {
	run -2 --separate-stderr "$C" colour --bogus </dev/null
	run -2 --separate-stderr "$C" colour -w 0 </dev/null
}

@test "missing file: message, exit 3, the other files still done" {
	printf 'ok' >"$T/ok"
	run -3 --separate-stderr "$C" colour "$T/nope" "$T/ok"
	[[ "$stderr" == *"nope"* ]]
	[ "$output" = 'ok' ]
}

@test "empty input gives empty output" {
	run -0 --separate-stderr "$C" colour -t html </dev/null
	[ -z "$output" ]
}
