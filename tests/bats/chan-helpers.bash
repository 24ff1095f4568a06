# chan-helpers.bash: bats helpers for channel tests: Alpha hears chat, Beta
# talks on it, both stdio gateways on the test router.
#
# Load after helpers: `load helpers; load chan-helpers`.
#
#   chan_router [ARGS...]
#	router_start with channel chat, its packet log in r.log, and ARGS.
#   chan_alpha [LINES...]
#	gw_conf Alpha with [mud] channels = chat and LINES, then gw_start.
#   chan_beta
#	Start Beta (unpaced, no socket) and wait until it sees Alpha up and
#	the router has Alpha's channel-listen for chat (chan_router's log).
#   chan_say ID USER MESSAGE
#	Beta's USER says MESSAGE on chat (no wait for the answer).
#   chan_result NAME ID METHOD [PARAMS]
#	gw_call, printing the result (or the error) alone, compact.

chan_router() {
	router_start -c chat -l "$BATS_TEST_TMPDIR/r.log" "$@"
}

chan_alpha() {
	gw_conf Alpha "[mud]" "channels = chat" "$@"
	gw_start Alpha
}

chan_beta() {
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	# The router logs a packet as it takes it, before it reads another:
	# a message from Beta after this goes to Alpha.
	wait_for_line "$BATS_TEST_TMPDIR/r.log" \
	    '"channel-listen",5,"Alpha",0,"\*test",0,"chat",1' 10
}

chan_say() {
	gw_send Beta "{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"channel_send\",\"params\":{\"channel\":\"chat\",\"from_user\":\"$2\",\"message\":\"$3\"}}"
}

chan_result() {
	gw_call "$@" > /dev/null || return 1
	printf '%s\n' "$REPLY" | jq -c '.result // .error'
}
