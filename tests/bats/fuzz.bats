#!/usr/bin/env bats
# fuzz.bats: every libFuzzer target (tests/fuzz/fuzz-*.c) built and run
# for a short smoke on its committed corpus (tests/fuzz/corpus/NAME), so
# that a crash found once stays found.  Long runs: make fuzz.

bats_require_minimum_version 1.5.0

FUZZ_SMOKE_SECONDS=${FUZZ_SMOKE_SECONDS:-3}

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	make --no-print-directory fuzz-build > "$BATS_FILE_TMPDIR/build.log" 2>&1 ||
	    { tail -20 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

smoke() {
	local n=$1 top="$BATS_TEST_DIRNAME/../.."
	[ -x "$top/build/fuzz/$n" ]
	[ -d "$top/tests/fuzz/corpus/$n" ]
	[ -n "$(ls "$top/tests/fuzz/corpus/$n")" ]
	mkdir -p "$BATS_TEST_TMPDIR/corpus"
	run "$top/build/fuzz/$n" -max_total_time="$FUZZ_SMOKE_SECONDS" \
	    -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$BATS_TEST_TMPDIR/" \
	    "$BATS_TEST_TMPDIR/corpus" "$top/tests/fuzz/corpus/$n"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" | tail -40; false; }
	[[ "$output" == *"Done "*" runs in "* ]]
}

@test "fuzz-lpc: the LPC decoder" { smoke fuzz-lpc; }
@test "fuzz-reader: the frame reader" { smoke fuzz-reader; }
@test "fuzz-schema: packet schema validation, raw and named" { smoke fuzz-schema; }
@test "fuzz-colour: Pinkfish and colour parse and render" { smoke fuzz-colour; }
@test "fuzz-client: the client library's line parser" { smoke fuzz-client; }
@test "fuzz-gw-rpc: a JSON-RPC line through dispatch" { smoke fuzz-gw-rpc; }
@test "fuzz-gw-http: an HTTP request to the handler" { smoke fuzz-gw-http; }
@test "fuzz-gw-config: the config reader, [api] and [key] included" { smoke fuzz-gw-config; }
@test "fuzz-gw-filter: subscription filters" { smoke fuzz-gw-filter; }
@test "fuzz-tap: the frame analysis of i3codec tap" { smoke fuzz-tap; }
@test "fuzz-gw-ws: WebSocket frames through ws.c" { smoke fuzz-gw-ws; }
