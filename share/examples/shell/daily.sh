#!/bin/sh
# daily.sh: a cron bot: post the day's message on an I3 channel.
#
#   0 9 * * *  I3_SOCKET=/run/user/1000/i3gw/i3gw.sock /path/to/daily.sh
#
# i3ctl finds the gateway through I3_SOCKET (or the [api] socket of its
# config); cron's PATH is short, so give i3ctl's full path if needed.
set -eu
I3CTL=${I3CTL:-i3ctl}
CHANNEL=${I3_CHANNEL:-chat}
BOT=${I3_BOT:-cron}

# The message: the first argument, else a fortune, else the date.
msg=${1:-$(fortune -s 2>/dev/null || date '+Good morning: it is %A, %d %B.')}
exec "$I3CTL" channel send -a "$BOT" "$CHANNEL" "$msg"
