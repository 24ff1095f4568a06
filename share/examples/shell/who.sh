#!/bin/sh
# who.sh: report who is on a MUD, on a channel (or on stdout with -n).
#
#   who.sh [-n] MUD		e.g. from cron: 0 * * * * who.sh Dead_Souls
#
# Exit status: i3ctl's (0 ok, 3/5 no answer in time, 4 no gateway, ...).
set -eu
I3CTL=${I3CTL:-i3ctl}
CHANNEL=${I3_CHANNEL:-chat}
BOT=${I3_BOT:-cron}
dry=
[ "${1:-}" = -n ] && { dry=1; shift; }
mud=${1:?usage: who.sh [-n] MUD}

# The names only, comma-separated: --json and jq, no screen scraping.
# i3ctl first, on its own: its exit status is the script's when it fails.
answer=$("$I3CTL" --json who -w 10 "$mud")
names=$(printf '%s\n' "$answer" |
    jq -r '[.users[].visname] | if length == 0 then "nobody" else join(", ") end')
line="On $mud: $names"
if [ -n "$dry" ]; then
	printf '%s\n' "$line"
else
	"$I3CTL" channel send -a "$BOT" "$CHANNEL" "$line"
fi
