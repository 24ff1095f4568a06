#!/bin/sh
# demo.sh: two gateways (MUDs "Alpha" and "Beta") talk through the test
# router on 127.0.0.1: a tell, an emote and a channel message, with the
# events each side receives.  Run by `make demo`; stops all it started.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
GW="$TOP/bin/i3gw"
ROUTER="$TOP/build/tests/i3router"
for p in "$GW" "$ROUTER"; do
	[ -x "$p" ] || { echo "demo: $p missing (run make demo)" >&2; exit 1; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/i3demo.XXXXXX") || exit 1
PIDS=""
cleanup() {
	exec 3>&- 4>&-			# EOF: the gateways shut down cleanly
	sleep 0.3
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wait_for FILE REGEX: at most 10 s for a matching line.
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "demo: timed out waiting for $2 in $(basename "$1")" >&2
			echo "--- its stderr:" >&2
			cat "${1%.out}.err" >&2 2>/dev/null
			exit 1
		fi
		sleep 0.05
	done
}

# show NAME FILE METHOD: print the last METHOD notification readably.
show() {
	line=$(grep -- "\"method\":\"$3\"" "$2" | tail -1)
	text=$(printf '%s\n' "$line" |
	    sed -n 's/.*"text":"\(\([^"\\]\|\\.\)*\)".*/\1/p' | sed 's/\\"/"/g')
	printf '  %-5s <- %-17s %s\n' "$1" "$3" "$text"
	printf '%s\n' "$line" | sed -e 's/^{"jsonrpc":"2.0",//' -e 's/}$//' \
	    -e 's/^/           /' | cut -c1-150
}

# send FD NAME JSON: a request to a gateway, echoed.
send() {
	printf '  %-5s -> %s\n' "$2" "$3" | cut -c1-150
	printf '%s\n' "$3" >&"$1"
}

echo "== i3 demo: a test router and two gateways on 127.0.0.1"
"$ROUTER" -n '*demo' -c chat --max-seconds 55 >"$T/router.out" \
    2>"$T/router.err" &
PIDS="$PIDS $!"
wait_for "$T/router.out" '^[0-9]'
PORT=$(head -1 "$T/router.out")
echo "   router *demo on port $PORT, channel 'chat'"

for m in Alpha Beta; do
	cat >"$T/$m.conf" <<EOF
[mud]
name = $m
mudlib = demo
admin_email = admin@localhost
[router *demo]
host = 127.0.0.1
port = $PORT
[limits]
backoff_min = 200ms
connect_spacing = no
EOF
	mkfifo "$T/$m.in"
	"$GW" -s -f "$T/$m.conf" --state-dir "$T/$m.state" <"$T/$m.in" \
	    >"$T/$m.out" 2>"$T/$m.err" &
	PIDS="$PIDS $!"
done
exec 3>"$T/Alpha.in" 4>"$T/Beta.in"
wait_for "$T/Alpha.out" '"router_connected"'
wait_for "$T/Beta.out" '"router_connected"'
echo "   gateways Alpha and Beta: i3gw --stdio, each with its own state dir"
echo

echo "== both join the channel"
send 3 Alpha '{"jsonrpc":"2.0","id":1,"method":"channel_join","params":{"channel":"chat"}}'
send 4 Beta '{"jsonrpc":"2.0","id":1,"method":"channel_join","params":{"channel":"chat"}}'
wait_for "$T/Alpha.out" '"id":1,"result"'
wait_for "$T/Beta.out" '"id":1,"result"'
wait_for "$T/Beta.out" '"mud_online","params":{"mud":"Alpha"'
echo

echo "== a tell from ann@Alpha to bob@Beta"
send 3 Alpha '{"jsonrpc":"2.0","id":2,"method":"tell","params":{"target_mud":"Beta","target_user":"bob","from_user":"ann","visname":"Ann","message":"Hello from Alpha!"}}'
wait_for "$T/Alpha.out" '"id":2,"result"'
wait_for "$T/Beta.out" '"tell_received"'
show Beta "$T/Beta.out" tell_received
echo

echo "== an emote back, from bob@Beta to ann@Alpha"
send 4 Beta '{"jsonrpc":"2.0","id":3,"method":"emoteto","params":{"target_mud":"Alpha","target_user":"ann","from_user":"bob","visname":"Bob","message":"$N waves back."}}'
wait_for "$T/Alpha.out" '"emoteto_received"'
show Alpha "$T/Alpha.out" emoteto_received
echo

echo "== bob@Beta on channel chat"
send 4 Beta '{"jsonrpc":"2.0","id":4,"method":"channel_send","params":{"channel":"chat","from_user":"bob","visname":"Bob","message":"Hi all, Bob here."}}'
wait_for "$T/Alpha.out" '"channel_message"'
show Alpha "$T/Alpha.out" channel_message
echo

echo "== gateway status (Alpha)"
send 3 Alpha '{"jsonrpc":"2.0","id":5,"method":"status"}'
wait_for "$T/Alpha.out" '"id":5,"result"'
grep '"id":5,' "$T/Alpha.out" | sed 's/^/   /' | cut -c1-150
echo

echo "== everything each gateway wrote (one JSON-RPC message a line)"
for m in Alpha Beta; do
	echo "-- $m"
	sed -e 's/^{"jsonrpc":"2.0",//' -e 's/}$//' -e 's/^/   /' \
	    "$T/$m.out" | cut -c1-150
done
echo
echo "== done: everything stopped"
exit 0
