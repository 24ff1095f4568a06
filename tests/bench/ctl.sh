#!/bin/bash
# ctl.sh: i3ctl one-shot latency (ping, tell) and a cron-style loop of
# 1,000 tells, against a test router and a gateway on a Unix socket.
# Prints figures beside targets; never fails on time.
set -u
TOP=${I3_TOP:-$(pwd)}
I3CTL=${I3CTL:-$TOP/bin/i3ctl}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
BATS_TEST_TMPDIR=$T
I3_TOP=$TOP
export I3_TOP BATS_TEST_TMPDIR
. "$TOP/tests/bats/helpers.bash"
. "$TOP/tests/bats/gw-helpers.bash"
. "$TOP/tests/bats/ctl-helpers.bash"
if ! gwsock_start Bench "[limits]" "rate = 0" >/dev/null 2>&1; then
	echo "ctl: no gateway could be started (bin/i3gw, build/tests/i3router); skipped"
	exit 0
fi
now() { date +%s%N; }
lat() {	# lat N CMD...: one figure per run, in microseconds
	local n=$1 i t0 t1
	shift
	for i in $(seq 1 "$n"); do
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		echo $(( (t1 - t0) / 1000 ))
	done | sort -n > "$T/lat"
	local cnt med p99
	cnt=$(wc -l < "$T/lat")
	med=$(sed -n "$(( (cnt + 1) / 2 ))p" "$T/lat")
	p99=$(sed -n "$(( (cnt * 99 + 99) / 100 ))p" "$T/lat")
	printf '%-22s median %6d us   p99 %6d us   (target: median < 2000 us)\n' \
	    "$LABEL" "$med" "$p99"
}
LABEL="i3ctl ping" lat 300 "$I3CTL" ping
LABEL="i3ctl tell" lat 300 "$I3CTL" tell -a bench bob@Bench hello
t0=$(now)
for i in $(seq 1 1000); do
	"$I3CTL" tell -a cron bob@Bench "tick $i" >/dev/null 2>&1
done
t1=$(now)
ms=$(( (t1 - t0) / 1000000 ))
printf '%-22s total %6d ms  (%d us per call; target: under 2 s)\n' \
    "1,000 tells (cron)" "$ms" "$ms"
echo "(process start to exit, shell fork/exec included; socket: $(
    [ -f "$T/Bench.relay.err" ] && echo 'python relay to i3gw -s' ||
    echo "i3gw's own listener"))"
exit 0
