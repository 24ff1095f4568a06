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
. "$TOP/tests/bats/ctl-helpers.bash"
if ! gwsock_start Bench "[limits]" "rate = 0" >/dev/null 2>&1; then
	echo "ctl: no gateway could be started (bin/i3gw, build/tests/i3router)" >&2
	exit 1
fi
# A client attached to take the tells (else each is refused: unk-user).
listen_bg sink --timeout 0 listen -e tell_received || exit 1
B=${B:-build}
CTL="$TOP/$B/bench/ctl"
echo "target: median under 2000 us; 1,000 cron-style tells under 2 s"
"$CTL" "true (reference)" 300 /bin/true
"$CTL" "i3ctl -V" 300 "$I3CTL" -V
"$CTL" "i3ctl ping" 300 "$I3CTL" ping
"$CTL" "i3ctl tell" 300 "$I3CTL" tell -N -a bench bob@Bench hello
"$CTL" "1,000 tells (cron loop)" 1000 "$I3CTL" tell -N -a cron bob@Bench tick
echo "(posix_spawn to exit; i3gw's own Unix socket)"
exit 0
