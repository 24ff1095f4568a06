#!/usr/bin/env bats
# suite.bats: the bats suite itself: every test can fail.  No skip, no
# `! CMD`, `[ A ] && [ B ]` or `gw_wait X && Y` statement (a failing first
# part never fails a test), no helper that starts a process in a pipe,
# every `run` pinned to the one exit status it expects
# (tests/helpers/batscheck.py says how); and the check finds each of those
# in a file written to have them.

bats_require_minimum_version 1.5.0

CHECK="${BATS_TEST_DIRNAME}/../helpers/batscheck.py"

@test "every .bats file and helper: no skip, no \`! CMD\`, every run pinned to one exit status" {
	run python3 "$CHECK" "$BATS_TEST_DIRNAME"/*.bats "$BATS_TEST_DIRNAME"/*.bash
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "the check finds each kind of test that cannot fail, and passes the forms that can" {
	local f="$BATS_TEST_TMPDIR/bad.bats"
	cat > "$f" <<'EOF'
load helpers

t() {
	[ -n "$y" ] || skip "no y"
	! grep -q x file
	run grep -q x file
	[[ "$output" == "" ]]
	run ! grep -q x file
	run --separate-stderr grep -q x file \
	    other
	echo "$output"
	run -1 grep -q x file
	run --separate-stderr -2 grep -q x file
	run -"$st" grep -q x file
	X="a b" run grep x <<EOT
run inside a here-document is text
skip
EOT
	printf '%s\n' "$output" >&2
	[ "$status" -eq 0 ]
	! grep -q x file || { echo found; false; }
	if ! grep -q x file; then skip; fi
	! grep -q x file
	[ -n "$a" ] && [ "$a" -gt 0 ]
	[ -n "$a" ] && [ "$a" -gt 0 ] || false
	[ -n "$a" ] && break
	gw_wait Beta x && sleep 1
	startup_pkt Beta | probe_bg b --wait 100
	probe_bg b --wait 100 <<< "$(startup_pkt Beta)"
	[ -n "$a" ] && [ "$a" -gt 0 ]
}
EOF
	run -1 python3 "$CHECK" "$f"
	[ "${lines[0]}" = "$f:1: no bats_require_minimum_version 1.5.0" ]
	[ "${lines[1]}" = "$f:4: skip: a missing thing must fail" ]
	[ "${lines[2]}" = "$f:5: \`! CMD\` never fails a test: run -N CMD" ]
	[ "${lines[3]}" = "$f:6: bare run with no [ \"\$status\" -eq N ] after it: run -N" ]
	[ "${lines[4]}" = "$f:8: \`run !\` takes any failure: run -N" ]
	[ "${lines[5]}" = "$f:9: bare run with no [ \"\$status\" -eq N ] after it: run -N" ]
	[ "${lines[6]}" = "$f:22: skip: a missing thing must fail" ]
	[ "${lines[7]}" = "$f:23: \`! CMD\` never fails a test: run -N CMD" ]
	[ "${lines[8]}" = "$f:24: two tests joined by && pass when the first is false: one a line" ]
	[ "${lines[9]}" = "$f:27: a wait before && fails nothing: one statement a line" ]
	[ "${lines[10]}" = "$f:28: a helper that starts a process, at the end of a pipe, runs in a subshell: its pid is lost (give stdin by redirection)" ]
	[ "${#lines[@]}" -eq 11 ]
}
