#!/bin/sh
# relay.sh: relay an I3 channel to a webhook (a Discord webhook, say):
# one POST per message, at most RELAY_RATE per RELAY_WINDOW seconds,
# mentions defused, Pinkfish colour codes stripped.
#
#   WEBHOOK_URL=https://discord.com/api/webhooks/ID/TOKEN relay.sh chat
#
# Needs i3ctl (the gateway's socket in I3_SOCKET or its config), jq, curl.
set -u
I3CTL=${I3CTL:-i3ctl}
CHANNEL=${1:-chat}
: "${WEBHOOK_URL:?relay: set WEBHOOK_URL}"
RATE=${RELAY_RATE:-20}		# posts per window, at most; the rest dropped
WINDOW=${RELAY_WINDOW:-60}	# seconds
ZWSP=$(printf '\342\200\213')	# zero-width space: "@<ZWSP>everyone"

post() {	# post NAME TEXT
	now=$(date +%s)
	if [ $((now - wstart)) -ge "$WINDOW" ]; then
		wstart=$now
		sent=0
	fi
	if [ "$sent" -ge "$RATE" ]; then
		echo "relay: over $RATE posts in ${WINDOW}s: dropped" >&2
		return
	fi
	sent=$((sent + 1))
	# allowed_mentions: Discord pings nobody, whatever the text says.
	jq -nc --arg u "$1" --arg c "$2" \
	    '{username: $u, content: $c, allowed_mentions: {parse: []}}' |
	    curl -sS -m 10 -o /dev/null -H 'Content-Type: application/json' \
	    --data-binary @- "$WEBHOOK_URL" || echo "relay: POST failed" >&2
}

# Follow the channel; when the gateway goes away, wait and follow again.
# The MUD joins it first (the gateway keeps what its MUD joined; listen -c
# only picks which of the channels it hears reach us).
while :; do
	"$I3CTL" channel join "$CHANNEL" > /dev/null
	"$I3CTL" --json listen -c "$CHANNEL" -e channel_message \
	    -e channel_emote |
	jq -r --unbuffered 'select(.params.channel == $ch) |
	    [(.params.visname // .params.originator_user) + "@" +
	     .params.originator_mud,
	     (if .event == "channel_message" then .params.message
	      else (.params.text | sub("^\\[[^]]*\\] "; "")) end)] | @tsv' \
	    --arg ch "$CHANNEL" |
	{
		wstart=0
		sent=0
		while IFS='	' read -r who text; do
			# @tsv wrote newlines and tabs as \n and \t: back.
			text=$(printf '%b' "$text" |
			    sed -e 's/%^[A-Z_]*%^//g' \
				-e "s/@\(everyone\|here\)/@$ZWSP\1/g" \
				-e 's/<@[!&]\{0,1\}[0-9]*>/@user/g' \
				-e 's/<#[0-9]*>/#channel/g')
			[ -n "$text" ] && post "$who" "$text"
		done
	}
	[ -n "${RELAY_ONCE:-}" ] && exit 0
	sleep 5
done
