#!/usr/bin/env bats
# gw-moderation.bats: ignore rules and the flood limit through the real
# i3gw and the test router: globs match what they should and nothing
# else, rules persist and reload, a flood is folded into one notice.

bats_require_minimum_version 1.5.0

load helpers
load chan-helpers

teardown() {
	stop_all
}

# ignored N: Alpha's moderation stats count N messages ignored (dropped by
# a gateway rule): they came and were dropped.
ignored() {
	STAT_ID=$((${STAT_ID:-1000} + 1))
	gw_call Alpha "$STAT_ID" stats > /dev/null &&
	    [ "$(jq .result.moderation.ignored <<< "$REPLY")" = "$1" ]
}

# The messages Alpha's client was shown on chat, in order.
shown() {
	grep '"method":"channel_message"' "$(T Alpha.out)" |
	    jq -r '.params.message' | tr '\n' ' '
}

@test "ignore: globs match exactly what they should; per-user rules mark, gateway rules drop and keep nothing" {
	chan_router
	chan_alpha "[moderation]" "flood_count = 0"
	chan_result Alpha 1 ignore_add '{"pattern":"bot*@*"}' | jq -e '.added == true and .pattern == "bot*@*" and .user == null'
	chan_result Alpha 2 ignore_add '{"pattern":"*@Bet"}' | jq -e '.added'
	chan_result Alpha 3 ignore_add '{"pattern":"*@Beta?"}' | jq -e '.added'
	chan_result Alpha 4 ignore_add '{"pattern":"ann@beta","user":"Carl"}' | jq -e '.added and .user == "carl"'
	chan_result Alpha 5 ignore_add '{"pattern":"dave@Beta","channel":"other"}' | jq -e '.added'
	chan_result Alpha 6 ignore_add '{"pattern":"bot*@*"}' | jq -e '.added == false'
	chan_result Alpha 7 ignore_add '{"pattern":"@"}' | jq -e '.code == -32602'
	chan_beta
	chan_say 11 bot1 "b1"
	chan_say 12 abot "ab"
	chan_say 13 botty "bt"
	chan_say 14 ann "an"
	chan_say 15 dave "dv"
	chan_say 16 bob "bb"
	chan_say 17 BOT9 "B9"
	gw_wait Alpha '"message":"bb"' 10
	# b1, bt and B9 (after bb) came and went
	wait_until 10 "Alpha to drop three messages" ignored 3
	[ "$(shown)" = "ab an dv bb " ]
	grep '"message":"an"' "$(T Alpha.out)" | jq -e '.params.ignored_by == ["carl"]'
	grep '"message":"dv"' "$(T Alpha.out)" | jq -e '.params | has("ignored_by") | not'
	r=$(chan_result Alpha 20 channel_history '{"channel":"chat"}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["ab","an","dv","bb"]'
	# As carl sees it: without what carl ignores; paging still exact.
	r=$(chan_result Alpha 19 channel_history '{"channel":"chat","as_user":"CARL"}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["ab","dv","bb"]'
	r=$(chan_result Alpha 18 channel_history '{"channel":"chat","as_user":"carl","limit":2}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["dv","bb"] and .more == true'
	gw_call Alpha 21 stats > /dev/null
	printf '%s\n' "$REPLY" | jq -e '.result.moderation.ignored == 3 and .result.moderation.ignored_user == 1 and .result.moderation.rules == 5'
	# A MUD name alone is every user of it.
	chan_result Alpha 22 ignore_add '{"pattern":"beta"}' | jq -e '.pattern == "*@beta"'
	chan_say 23 zed "zz"
	wait_until 10 "Alpha to drop zz" ignored 4
	[ "$(gw_count Alpha '"message":"zz"')" -eq 0 ]
	chan_result Alpha 24 ignore_remove '{"pattern":"Beta"}' | jq -e '.removed == true'
	chan_result Alpha 25 ignore_remove '{"pattern":"Beta"}' | jq -e '.removed == false'
	chan_say 26 zed "z2"
	gw_wait Alpha '"message":"z2"' 10
}

@test "ignore: rules persist across a restart; [moderation] ignore is read again on SIGHUP" {
	chan_router
	chan_alpha "[moderation]" "ignore = *@Nowhere"
	chan_result Alpha 1 ignore_add '{"pattern":"bob@Beta","user":"carl","channel":"chat"}' | jq -e '.added'
	chan_result Alpha 2 ignore_list | jq -e '.count == 2 and .rules[0] == {"pattern":"*@nowhere","channel":null,"user":null,"source":"config"} and .rules[1] == {"pattern":"bob@beta","channel":"chat","user":"carl","source":"api"}'
	gw_stop Alpha
	chan_alpha "[moderation]" "ignore = bob@*, *@Elsewhere"
	chan_result Alpha 3 ignore_list | jq -e '.count == 3 and ([.rules[].pattern] == ["bob@*","*@elsewhere","bob@beta"])'
	chan_result Alpha 4 ignore_list '{"user":"carl"}' | jq -e '.count == 1'
	chan_beta
	chan_say 5 bob "from bob"
	chan_say 6 ann "from ann"
	gw_wait Alpha '"message":"from ann"' 10
	[ "$(gw_count Alpha '"message":"from bob"')" -eq 0 ]
	# SIGHUP: the config's rules as the file now says.
	gw_conf Alpha "[mud]" "channels = chat"
	kill -HUP "$GW_PID_Alpha"
	wait_for_line "$(T Alpha.err)" 'SIGHUP: .* reloaded'
	chan_result Alpha 7 ignore_list | jq -e '.count == 1 and .rules[0].source == "api"'
	chan_say 8 bob "bob again"
	gw_wait Alpha '"message":"bob again"' 10
}

@test "ignore: a tell to a user who ignores its sender is dropped; others arrive" {
	chan_router
	chan_alpha
	chan_result Alpha 1 ignore_add '{"pattern":"ann@Beta","user":"carl"}' | jq -e '.added'
	chan_beta
	gw_call Beta 2 tell '{"target_mud":"Alpha","target_user":"carl","from_user":"ann","message":"to carl"}' > /dev/null
	gw_call Beta 3 tell '{"target_mud":"Alpha","target_user":"dave","from_user":"ann","message":"to dave"}' > /dev/null
	gw_wait Alpha '"tell_received".*"message":"to dave"' 10
	[ "$(gw_count Alpha '"message":"to carl"')" -eq 0 ]
}

@test "flood: past flood_count in a window, one notice says how many were suppressed" {
	chan_router
	chan_alpha "[moderation]" "flood_count = 3" "flood_window = 1s"
	chan_beta
	for i in $(seq 1 10); do
		chan_say "$i" bob "f$i"
	done
	chan_say 20 ann "calm"
	gw_wait Alpha '"message":"calm"' 10
	gw_wait Alpha '"channel_suppressed"' 5
	[ "$(shown)" = "f1 f2 f3 calm " ]
	grep '"channel_suppressed"' "$(T Alpha.out)" | jq -e '.params.count == 7 and .params.user == "bob" and .params.mud == "Beta" and .params.channel == "chat" and .params.text == "[chat] 7 messages from bob@Beta suppressed (flood)"'
	[ "$(gw_count Alpha '"channel_suppressed"')" -eq 1 ]
	# Stored all the same: history is the record.
	r=$(chan_result Alpha 30 channel_history '{"channel":"chat","user":"bob"}')
	printf '%s\n' "$r" | jq -e '.count == 10'
	gw_call Alpha 31 stats > /dev/null
	printf '%s\n' "$REPLY" | jq -e '.result.moderation.suppressed == 7 and .result.moderation.notices == 1'
	# A new window: bob is heard again.
	chan_say 40 bob "later"
	gw_wait Alpha '"message":"later"' 10
}

@test "i3ctl ignore add, list, remove" {
	chan_router
	load ctl-helpers
	gw_conf Alpha "[api]" "socket = $BATS_TEST_TMPDIR/Alpha.sock"
	gw_start Alpha
	export I3_SOCKET="$BATS_TEST_TMPDIR/Alpha.sock"
	wait_until 5 "Alpha's socket" test -S "$I3_SOCKET"
	run -0 "$I3CTL" ignore add '*@SpamMud'
	run -0 "$I3CTL" ignore add -u carl -c chat 'bob@Beta'
	run -0 "$I3CTL" ignore add '*@SpamMud'
	[ "$output" = "already ignored" ]
	run -0 "$I3CTL" ignore list
	[ "${lines[0]}" = "*@spammud gateway-wide" ]
	[ "${lines[1]}" = "bob@beta on chat for carl" ]
	run -0 "$I3CTL" --json ignore list -u carl
	echo "$output" | jq -e '.count == 1'
	run -0 "$I3CTL" ignore rm '*@SpamMud'
	run -1 "$I3CTL" ignore rm '*@SpamMud'
	run -0 "$I3CTL" ignore list
	[ "${#lines[@]}" -eq 1 ]
}

@test "i3ctl channel admin: a ban list for a channel we own, sent to the router and shown" {
	router_start
	load ctl-helpers
	gw_conf Alpha "[api]" "socket = $BATS_TEST_TMPDIR/Alpha.sock"
	gw_start Alpha
	gw_wait Alpha '"router_connected"' 10
	export I3_SOCKET="$BATS_TEST_TMPDIR/Alpha.sock"
	run -0 "$I3CTL" channel add -t ban ours
	run -0 "$I3CTL" channel admin -a SpamMud -a Other ours
	run -0 "$I3CTL" channel admin ours
	[ "${lines[0]}" = "SpamMud" ]
	[ "${lines[1]}" = "Other" ]
	[ "${#lines[@]}" -eq 2 ]
	run -0 "$I3CTL" channel admin -d Other ours
	run -0 "$I3CTL" --json channel admin ours
	echo "$output" | jq -e '.list == ["SpamMud"]'
}

@test "history and moderation counts in /metrics" {
	chan_router
	chan_alpha "[moderation]" "flood_count = 2" "ignore = *@Nowhere" \
	    "[api]" "http = 127.0.0.1:0"
	chan_beta
	chan_say 1 bob "one"
	chan_say 2 bob "two"
	chan_say 3 bob "three"
	chan_say 4 ann "four"
	gw_wait Alpha '"message":"four"' 10
	chan_result Alpha 5 channel_history '{"channel":"chat"}' | jq -e '.count == 4'
	port=$(gwd_tcp_port Alpha http)
	curl -s -m 5 -o "$(T m)" "http://127.0.0.1:$port/metrics"
	grep -qx 'i3gw_history_stored_total 4' "$(T m)"
	grep -qx '# TYPE i3gw_history_stored_total counter' "$(T m)"
	grep -qx 'i3gw_history_queries_total 1' "$(T m)"
	grep -qx 'i3gw_history_dropped_total 0' "$(T m)"
	grep -qx 'i3gw_moderation_suppressed_total 1' "$(T m)"
	grep -qx 'i3gw_moderation_ignored_total 0' "$(T m)"
	grep -qx 'i3gw_moderation_rules 1' "$(T m)"
}

@test "ignore: a key without admin may make a user's rules, not the gateway's" {
	router_start
	out=$("$I3GW" genkey bot)
	key=$(sed -n 's/^key: //p' <<< "$out")
	gwd_conf Alpha "tcp = 127.0.0.1:0" "$(sed -n '/^\[key/,$p' <<< "$out")"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 authenticate "{\"key\":\"$key\"}")" \
	    "$(rq 2 ignore_add '{"pattern":"*@SpamMud"}')" \
	    "$(rq 3 ignore_add '{"pattern":"*@SpamMud","user":"ann"}')" \
	    "$(rq 4 ignore_list)"
	[[ "$output" == *'"id":2,"error":{"code":-32008,"message":"forbidden: gateway-wide rules need the admin permission'* ]]
	[[ "$output" == *'"id":3,"result":{"pattern":"*@spammud","channel":null,"user":"ann","source":"api","added":true}'* ]]
	[[ "$output" == *'"id":4,"result":{"count":1,'* ]]
}
