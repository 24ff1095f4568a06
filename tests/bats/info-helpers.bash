# info-helpers.bash: bats helpers for the information services of i3gw.
#
# Load after helpers: `load helpers; load info-helpers`.
#
#   info_conf NAME [LINES...]
#	gw_conf with rate 0 and short timeouts (info 2 s, locate 700 ms,
#	client answers 500 ms), LINES after them.
#   info_start NAME...
#	info_conf and gw_start each NAME (not yet configured), wait until
#	every one is connected and sees the others in its mudlist.
#   info_req_id NAME METHOD [N]
#	The id ("i3gw-K") of the Nth (default: last) request METHOD the
#	gateway sent to its client, waiting for it (5 s).
#   info_respond NAME ID RESULT
#	Answer that request with RESULT (JSON).
#   rlog_wait REGEX [SECONDS]
#	Wait for a line of the router's packet log ($BATS_TEST_TMPDIR/r.log).
#   rlog_count REGEX

info_start() {
	local n m
	for n in "$@"; do
		[ -f "$BATS_TEST_TMPDIR/$n.conf" ] || info_conf "$n"
		gw_start "$n"
	done
	for n in "$@"; do
		gw_wait "$n" router_connected
		for m in "$@"; do
			gw_wait "$n" "\"mud_online\",\"params\":\\{\"mud\":\"$m\""
		done
	done
}

info_conf() {
	local n=$1
	shift
	gw_conf "$n" "rate = 0" "info_timeout = 2s" "locate_window = 700ms" \
	    "answer_timeout = 500ms" "$@"
}

info_req_id() {
	local name=$1 method=$2 nth=${3:-} re
	re="\"id\":\"i3gw-[0-9]+\",\"method\":\"$method\""
	if [ -n "$nth" ]; then
		local i
		for i in $(seq 1 100); do
			[ "$(gw_count "$name" "$re")" -ge "$nth" ] && break
			sleep 0.05
		done
		grep -oE "$re" "$BATS_TEST_TMPDIR/$name.out" | sed -n "${nth}p" |
		    grep -oE 'i3gw-[0-9]+'
	else
		gw_wait "$name" "$re" || return 1
		grep -oE "$re" "$BATS_TEST_TMPDIR/$name.out" | tail -1 |
		    grep -oE 'i3gw-[0-9]+'
	fi
}

info_respond() {
	gw_send "$1" "{\"jsonrpc\":\"2.0\",\"id\":\"$2\",\"result\":$3}"
}

rlog_wait() {
	wait_for_line "$BATS_TEST_TMPDIR/r.log" "$1" "${2:-5}"
}

rlog_count() {
	count_lines "$BATS_TEST_TMPDIR/r.log" "$1"
}
