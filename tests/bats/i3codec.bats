#!/usr/bin/env bats
# i3codec.bats: the protocol debugger from the outside: files, stdin, hex,
# frames, errors and exit codes.

bats_require_minimum_version 1.5.0

setup() {
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	C="$I3_TOP/bin/i3codec"
	T="$BATS_TEST_TMPDIR"
}

# The DS router's startup answer, as a probe received it (i3-protocol.md 9.1).
startup_lpc='({"startup-reply",5,"*dsr",0,"ProbeMud",0,({({"*dsr","127.0.0.1 23002",}),}),967966668,})'
startup_raw='["startup-reply",5,"*dsr",0,"ProbeMud",0,[["*dsr","127.0.0.1 23002"]],967966668]'

frame() {	# LPC text -> a canonical frame on stdout
	printf '%s' "$1" | python3 -c '
import sys, struct
p = sys.stdin.buffer.read()
sys.stdout.buffer.write(struct.pack(">I", len(p) + 1) + p + b"\0")'
}

@test "decode --raw of LPC text from stdin" {
	run -0 --separate-stderr "$C" decode --raw <<<"$startup_lpc"
	[ "$output" = "$startup_raw" ]
}

@test "decode --raw of a framed stream from a file, with offsets" {
	{ frame "$startup_lpc"; frame '({"who-req",5,"A","ann","B",0,})'; } >"$T/s.bin"
	run -0 --separate-stderr "$C" decode --raw -o "$T/s.bin"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"offset":0,"length":'* ]]
	[[ "${lines[1]}" == *'"value":["who-req",5,"A","ann","B",0]}' ]]
	# the second frame starts after the first: 4 + payload + NUL
	n=$(( 4 + ${#startup_lpc} + 1 ))
	[[ "${lines[1]}" == "{\"offset\":$n,"* ]]
}

@test "decode --hex of a pasted capture" {
	hex=$(frame '({"who-req",5,"A","ann","B",0,})' | od -An -tx1)
	run -0 --separate-stderr "$C" decode --raw --hex <<<"$hex"
	[ "$output" = '["who-req",5,"A","ann","B",0]' ]
}

@test "encode gives back the canonical bytes" {
	run -0 --separate-stderr "$C" encode <<<"$startup_raw"
	[ "$output" = "$startup_lpc" ]
}

@test "encode --frame writes length + text + counted NUL" {
	"$C" encode --frame <<<'["who-req",5,"A","ann","B",0]' >"$T/f.bin"
	frame '({"who-req",5,"A","ann","B",0,})' >"$T/want.bin"
	cmp "$T/f.bin" "$T/want.bin"
}

@test "encode --frame --hex" {
	run -0 --separate-stderr "$C" encode --frame --hex <<<'[1]'
	[ "$output" = "00 00 00 07 28 7b 31 2c 7d 29 00" ]
}

@test "decode then encode is byte-exact over several frames" {
	{ frame "$startup_lpc"; frame '({"tell",5,"A","bob","B","ann","Bob","x\"y",})'; } >"$T/in.bin"
	"$C" decode --raw "$T/in.bin" | "$C" encode --frame >"$T/out.bin"
	cmp "$T/in.bin" "$T/out.bin"
}

@test "lenient input decodes: whitespace, no trailing comma, Latin-1" {
	printf '({ "Caf\xe9" , 1 })' >"$T/l.lpc"
	run -0 --separate-stderr "$C" decode --raw --lpc "$T/l.lpc"
	[ "$output" = '["Café",1]' ]
}

@test "check accepts good input and prints positions" {
	frame "$startup_lpc" >"$T/ok.bin"
	run -0 --separate-stderr "$C" check "$T/ok.bin"
	[[ "$output" == "ok offset 0 length "* ]]
}

@test "check names the offset and reason of the first fault, exit 1" {
	run -1 --separate-stderr "$C" check --lpc <<<'({1,2,"x})'
	[[ "$stderr" == *"offset 6"*"unterminated string"*"I3_ESYNTAX"* ]]
}

@test "check --strict refuses what lenient mode accepts" {
	run -0 --separate-stderr "$C" check -q --lpc <<<'({1,2})'
	run -1 --separate-stderr "$C" check --strict --lpc <<<'({1,2})'
	[[ "$stderr" == *"missing trailing comma"* ]]
}

@test "a zero-length frame is a framing error" {
	printf '\0\0\0\0' >"$T/z.bin"
	run -1 --separate-stderr "$C" decode "$T/z.bin"
	[[ "$stderr" == *"zero frame length"*"I3_EFRAME"* ]]
}

@test "an over-limit frame is refused from its length" {
	printf '\0\1\0\0({})' >"$T/big.bin"
	run -1 --separate-stderr "$C" decode --max-frame 1024 "$T/big.bin"
	[[ "$stderr" == *"I3_ETOOBIG"* ]]
}

@test "a truncated frame is reported" {
	frame "$startup_lpc" | head -c 20 >"$T/t.bin"
	run -1 --separate-stderr "$C" decode "$T/t.bin"
	[[ "$stderr" == *"truncated frame"* ]]
}

@test "depth bombs are refused" {
	python3 -c 'print("({" * 200 + "})" * 200)' >"$T/deep.lpc"
	run -1 --separate-stderr "$C" decode "$T/deep.lpc"
	[[ "$stderr" == *"I3_EDEPTH"* ]]
}

@test "encode refuses floats and bad JSON with the line number" {
	run -1 --separate-stderr "$C" encode <<<'[1.5]'
	[[ "$stderr" == *"-:1:"*"I3_ETYPE"* ]]
	printf '[1]\n[2,\n' >"$T/bad.json"
	run -1 --separate-stderr "$C" encode "$T/bad.json"
	[[ "$stderr" == *"bad.json:2:"* ]]
}

@test "pretty prints indented LPC and JSON" {
	run -0 --separate-stderr "$C" pretty --lpc <<<'({"a",(["k":1,]),})'
	[ "${lines[0]}" = "({" ]
	[ "${lines[1]}" = '  "a",' ]
	run -0 --separate-stderr "$C" pretty --json --lpc <<<'({"a",1,})'
	[ "${lines[0]}" = "[" ]
}

@test "a missing file is exit 3, usage errors exit 2" {
	run -3 --separate-stderr "$C" decode "$T/nope"
	run -2 --separate-stderr "$C" frobnicate
	run -2 --separate-stderr "$C" decode --bogus
	run -2 --separate-stderr "$C"
}

@test "data on stdout, diagnostics on stderr" {
	run -1 --separate-stderr "$C" decode --lpc <<<'({1,}) ({'
	[ "$output" = "[1]" ]
	[ -n "$stderr" ]
}

@test "-V prints the version" {
	run -0 "$C" -V
	[[ "$output" == "i3codec "* ]]
}

@test "valgrind: decode, encode and check leak nothing and touch nothing wrong" {
	{ frame "$startup_lpc"; frame '({"tell",5,"A","bob","B","ann","Bob","x",})'; \
	    printf '\0\0\0\3({'; } >"$T/v.bin"
	vg="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=all"
	# A sanitizer build cannot run under valgrind: its sanitizers check.
	[ -z "${I3_SANITIZE:-}" ] || vg=
	run -1 --separate-stderr $vg "$C" decode --raw "$T/v.bin"		# the last frame is bad, on purpose
	[ "${#lines[@]}" -eq 2 ]
	run -0 --separate-stderr $vg "$C" encode --frame <<<"$startup_raw"
	run -0 --separate-stderr $vg "$C" check --lpc <<<'({1,({2,"x",}),(["a":1,]),})'
}

@test "decode of plain text says it is not frames, and what to use" {
	run -1 --separate-stderr "$C" decode <<<"hello"
	[ "${stderr_lines[1]}" = "i3codec: -: this looks like text, not MudMode frames: give LPC text with --lpc (-l), hex with --hex (-H)" ]
}

@test "help: every command's --help on stdout, exit 0; options and i3codec(1) agree both ways" {
	run python3 "$I3_TOP/tests/helpers/optcheck.py" "$C" "$I3_TOP/docs/i3codec.1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run -0 --separate-stderr "$C" help
	[ "${lines[0]}" = "usage: i3codec COMMAND [options] [file ...]" ]
	run -0 --separate-stderr "$C" decode --help
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "usage: i3codec decode [options] [file ...]" ]
}

@test "an option of another command, or an unknown command, is a usage error" {
	run -2 --separate-stderr "$C" encode --json
	[ "${stderr_lines[0]}" = "i3codec: encode: -j is not an option of encode" ]
	run -2 --separate-stderr "$C" decodee
	[ "${stderr_lines[0]}" = "i3codec: unknown command: decodee" ]
	[ "$output" = "" ]
}
