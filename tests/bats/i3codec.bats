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
	run --separate-stderr "$C" decode --raw <<<"$startup_lpc"
	[ "$status" -eq 0 ]
	[ "$output" = "$startup_raw" ]
}

@test "decode --raw of a framed stream from a file, with offsets" {
	{ frame "$startup_lpc"; frame '({"who-req",5,"A","ann","B",0,})'; } >"$T/s.bin"
	run --separate-stderr "$C" decode --raw -o "$T/s.bin"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"offset":0,"length":'* ]]
	[[ "${lines[1]}" == *'"value":["who-req",5,"A","ann","B",0]}' ]]
	# the second frame starts after the first: 4 + payload + NUL
	n=$(( 4 + ${#startup_lpc} + 1 ))
	[[ "${lines[1]}" == "{\"offset\":$n,"* ]]
}

@test "decode --hex of a pasted capture" {
	hex=$(frame '({"who-req",5,"A","ann","B",0,})' | od -An -tx1)
	run --separate-stderr "$C" decode --raw --hex <<<"$hex"
	[ "$status" -eq 0 ]
	[ "$output" = '["who-req",5,"A","ann","B",0]' ]
}

@test "encode gives back the canonical bytes" {
	run --separate-stderr "$C" encode <<<"$startup_raw"
	[ "$status" -eq 0 ]
	[ "$output" = "$startup_lpc" ]
}

@test "encode --frame writes length + text + counted NUL" {
	"$C" encode --frame <<<'["who-req",5,"A","ann","B",0]' >"$T/f.bin"
	frame '({"who-req",5,"A","ann","B",0,})' >"$T/want.bin"
	cmp "$T/f.bin" "$T/want.bin"
}

@test "encode --frame --hex" {
	run --separate-stderr "$C" encode --frame --hex <<<'[1]'
	[ "$status" -eq 0 ]
	[ "$output" = "00 00 00 07 28 7b 31 2c 7d 29 00" ]
}

@test "decode then encode is byte-exact over several frames" {
	{ frame "$startup_lpc"; frame '({"tell",5,"A","bob","B","ann","Bob","x\"y",})'; } >"$T/in.bin"
	"$C" decode --raw "$T/in.bin" | "$C" encode --frame >"$T/out.bin"
	cmp "$T/in.bin" "$T/out.bin"
}

@test "lenient input decodes: whitespace, no trailing comma, Latin-1" {
	printf '({ "Caf\xe9" , 1 })' >"$T/l.lpc"
	run --separate-stderr "$C" decode --raw --lpc "$T/l.lpc"
	[ "$status" -eq 0 ]
	[ "$output" = '["Café",1]' ]
}

@test "check accepts good input and prints positions" {
	frame "$startup_lpc" >"$T/ok.bin"
	run --separate-stderr "$C" check "$T/ok.bin"
	[ "$status" -eq 0 ]
	[[ "$output" == "ok offset 0 length "* ]]
}

@test "check names the offset and reason of the first fault, exit 1" {
	run --separate-stderr "$C" check --lpc <<<'({1,2,"x})'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"offset 6"*"unterminated string"*"I3_ESYNTAX"* ]]
}

@test "check --strict refuses what lenient mode accepts" {
	run --separate-stderr "$C" check -q --lpc <<<'({1,2})'
	[ "$status" -eq 0 ]
	run --separate-stderr "$C" check --strict --lpc <<<'({1,2})'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"missing trailing comma"* ]]
}

@test "a zero-length frame is a framing error" {
	printf '\0\0\0\0' >"$T/z.bin"
	run --separate-stderr "$C" decode "$T/z.bin"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"zero frame length"*"I3_EFRAME"* ]]
}

@test "an over-limit frame is refused from its length" {
	printf '\0\1\0\0({})' >"$T/big.bin"
	run --separate-stderr "$C" decode --max-frame 1024 "$T/big.bin"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"I3_ETOOBIG"* ]]
}

@test "a truncated frame is reported" {
	frame "$startup_lpc" | head -c 20 >"$T/t.bin"
	run --separate-stderr "$C" decode "$T/t.bin"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"truncated frame"* ]]
}

@test "depth bombs are refused" {
	python3 -c 'print("({" * 200 + "})" * 200)' >"$T/deep.lpc"
	run --separate-stderr "$C" decode "$T/deep.lpc"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"I3_EDEPTH"* ]]
}

@test "encode refuses floats and bad JSON with the line number" {
	run --separate-stderr "$C" encode <<<'[1.5]'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"-:1:"*"I3_ETYPE"* ]]
	printf '[1]\n[2,\n' >"$T/bad.json"
	run --separate-stderr "$C" encode "$T/bad.json"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"bad.json:2:"* ]]
}

@test "pretty prints indented LPC and JSON" {
	run --separate-stderr "$C" pretty --lpc <<<'({"a",(["k":1,]),})'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "({" ]
	[ "${lines[1]}" = '  "a",' ]
	run --separate-stderr "$C" pretty --json --lpc <<<'({"a",1,})'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "[" ]
}

@test "a missing file is exit 3, usage errors exit 2" {
	run --separate-stderr "$C" decode "$T/nope"
	[ "$status" -eq 3 ]
	run --separate-stderr "$C" frobnicate
	[ "$status" -eq 2 ]
	run --separate-stderr "$C" decode --bogus
	[ "$status" -eq 2 ]
	run --separate-stderr "$C"
	[ "$status" -eq 2 ]
}

@test "data on stdout, diagnostics on stderr" {
	run --separate-stderr "$C" decode --lpc <<<'({1,}) ({'
	[ "$status" -eq 1 ]
	[ "$output" = "[1]" ]
	[ -n "$stderr" ]
}

@test "-V prints the version" {
	run "$C" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "i3codec "* ]]
}

@test "valgrind: decode, encode and check leak nothing and touch nothing wrong" {
	[ -z "${I3_SANITIZE:-}" ] || skip "sanitizer build"
	{ frame "$startup_lpc"; frame '({"tell",5,"A","bob","B","ann","Bob","x",})'; \
	    printf '\0\0\0\3({'; } >"$T/v.bin"
	vg="valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=all"
	run --separate-stderr $vg "$C" decode --raw "$T/v.bin"
	[ "$status" -eq 1 ]		# the last frame is bad, on purpose
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr $vg "$C" encode --frame <<<"$startup_raw"
	[ "$status" -eq 0 ]
	run --separate-stderr $vg "$C" check --lpc <<<'({1,({2,"x",}),(["a":1,]),})'
	[ "$status" -eq 0 ]
}

@test "decode of plain text says it is not frames, and what to use" {
	run --separate-stderr "$C" decode <<<"hello"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[1]}" = "i3codec: -: this looks like text, not MudMode frames: give LPC text with --lpc (-l), hex with --hex (-H)" ]
}

@test "help: every command's --help on stdout, exit 0; options and i3codec(1) agree both ways" {
	run python3 "$I3_TOP/tests/helpers/optcheck.py" "$C" "$I3_TOP/docs/i3codec.1"
	[ "$output" = "" ]
	[ "$status" -eq 0 ]
	run --separate-stderr "$C" help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: i3codec COMMAND [options] [file ...]" ]
	run --separate-stderr "$C" decode --help
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${lines[0]}" = "usage: i3codec decode [options] [file ...]" ]
}

@test "an option of another command, or an unknown command, is a usage error" {
	run --separate-stderr "$C" encode --json
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "i3codec: encode: -j is not an option of encode" ]
	run --separate-stderr "$C" decodee
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "i3codec: unknown command: decodee" ]
	[ "$output" = "" ]
}
