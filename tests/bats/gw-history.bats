#!/usr/bin/env bats
# gw-history.bats: channel history through the real i3gw and the test
# router: stored, paged by id, searched by word, kept across restarts,
# trimmed by count and by age.

bats_require_minimum_version 1.5.0

load helpers
load chan-helpers

teardown() {
	stop_all
}

# Alpha hears chat (the config's channels), no flood limit; LINES are
# more config.
alpha() {
	chan_alpha "[moderation]" "flood_count = 0" "$@"
}

# alpha_up_twice: Beta has been told twice that Alpha is up.
alpha_up_twice() {
	[ "$(gw_count Beta '"mud_online","params":\{"mud":"Alpha"')" -eq 2 ]
}

@test "history: stored, oldest first, paged by id: every message exactly once; kept across a restart" {
	chan_router
	alpha
	chan_beta
	for i in $(seq 1 23); do
		chan_say "$((100 + i))" bob "message number $i"
	done
	gw_wait Alpha '"message":"message number 23"' 10
	# Pages of 5, going back with before_id until "more" is false.
	ids=""
	before=""
	for page in $(seq 1 10); do
		if [ -n "$before" ]; then
			p="{\"channel\":\"chat\",\"limit\":5,\"before_id\":$before}"
		else
			p='{"channel":"chat","limit":5}'
		fi
		r=$(chan_result Alpha "$((200 + page))" channel_history "$p")
		# Oldest first within a page.
		printf '%s\n' "$r" | jq -e '[.messages[].id] == ([.messages[].id] | sort)'
		ids="$(printf '%s\n' "$r" | jq -r '.messages[].id') $ids"
		[ "$(printf '%s\n' "$r" | jq -r .more)" = true ] || break
		before=$(printf '%s\n' "$r" | jq -r .first_id)
	done
	[ "$page" -eq 5 ]
	[ "$(echo $ids | wc -w)" -eq 23 ]
	[ "$(echo $ids | tr ' ' '\n' | sort -u | wc -l)" -eq 23 ]
	r=$(chan_result Alpha 300 channel_history '{"channel":"chat","limit":3}')
	printf '%s\n' "$r" | jq -e '.count == 3 and .messages[2].message == "message number 23" and .messages[2].user == "bob" and .messages[2].mud == "Beta" and .messages[2].from_mud == "Beta" and .messages[2].type == "message" and .messages[2].text == "[chat] bob@Beta: message number 23"'
	# The sender keeps what its own clients said (the router's echo is
	# not delivered, so it is stored at send time).
	rb=$(chan_result Beta 400 channel_history '{"channel":"chat","limit":100}')
	printf '%s\n' "$rb" | jq -e '.count == 23 and .messages[22].message == "message number 23" and .messages[22].mud == "Beta"'
	# After a restart the same rows, same ids.
	gw_stop Alpha
	gw_start Alpha
	r2=$(chan_result Alpha 301 channel_history '{"channel":"chat","limit":3}')
	[ "$(printf '%s\n' "$r" | jq -c '[.messages[] | [.id, .message]]')" = \
	    "$(printf '%s\n' "$r2" | jq -c '[.messages[] | [.id, .message]]')" ]
	# after_id pages forward, as -f does.
	first=$(printf '%s\n' "$r" | jq -r .first_id)
	r=$(chan_result Alpha 302 channel_history "{\"channel\":\"chat\",\"after_id\":$first}")
	printf '%s\n' "$r" | jq -e '.count == 2 and .messages[1].message == "message number 23"'
}

@test "history: search finds words, not parts of other words; user and mud filters" {
	chan_router
	alpha
	chan_beta
	chan_say 1 bob "the lag is bad tonight"
	chan_say 2 ann "flagging this for later"
	chan_say 3 bob "%^RED%^red%^RESET%^ alert: LAG again"
	chan_say 4 ann "nothing here"
	gw_wait Alpha '"message":"nothing here"' 10
	r=$(chan_result Alpha 10 channel_history '{"channel":"chat","search":"lag"}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["the lag is bad tonight", "%^RED%^red%^RESET%^ alert: LAG again"]'
	# A colour code is no word: "reset" is found nowhere.
	r=$(chan_result Alpha 11 channel_history '{"channel":"chat","search":"reset"}')
	printf '%s\n' "$r" | jq -e '.count == 0'
	# Every word must be there; a trailing * is a prefix.
	r=$(chan_result Alpha 12 channel_history '{"channel":"chat","search":"lag tonight"}')
	printf '%s\n' "$r" | jq -e '.count == 1'
	r=$(chan_result Alpha 13 history_search '{"search":"flag*"}')
	printf '%s\n' "$r" | jq -e '.count == 1 and .messages[0].user == "ann" and .messages[0].channel == "chat"'
	# Operators and quotes are words too, never a syntax error.
	r=$(chan_result Alpha 14 history_search '{"search":"\"lag OR NEAR( bad"}')
	printf '%s\n' "$r" | jq -e '.count == 0'
	# As the Python and JavaScript gateways' clients ask: a string id,
	# channel and limit; they read messages[].from_mud/from_user/message.
	r=$(chan_result Alpha '"Alpha-1-0a1b2c3d"' channel_history '{"channel":"chat","limit":100}')
	printf '%s\n' "$r" | jq -e '.count == 4 and .messages[1].from_user == "ann" and .messages[1].from_mud == "Beta" and .messages[1].message == "flagging this for later" and .messages[1].type == "message" and (.messages[1].timestamp | test("^[0-9-]+T[0-9:.]+Z$"))'
	r=$(chan_result Alpha 15 channel_history '{"channel":"chat","user":"ann@Beta"}')
	printf '%s\n' "$r" | jq -e '.count == 2 and ([.messages[].user] | unique) == ["ann"]'
	r=$(chan_result Alpha 16 channel_history '{"channel":"chat","mud":"Nowhere"}')
	printf '%s\n' "$r" | jq -e '.count == 0'
	# Rendered for the profile asked for.
	r=$(chan_result Alpha 17 channel_history '{"channel":"chat","search":"alert","colour":"ansi"}')
	printf '%s\n' "$r" | jq -e '.messages[0].text | test("\u001b\\[")'
	r=$(chan_result Alpha 18 channel_history '{"channel":"chat","search":"alert","colour":"plain"}')
	printf '%s\n' "$r" | jq -e '.messages[0].text == "[chat] bob@Beta: red alert: LAG again"'
}

@test "history: since and until; bad parameters refused" {
	chan_router
	alpha
	chan_beta
	chan_say 1 bob "early"
	gw_wait Alpha '"message":"early"' 10
	sleep 1.2
	chan_say 2 bob "late"
	gw_wait Alpha '"message":"late"' 10
	r=$(chan_result Alpha 10 channel_history '{"channel":"chat","since":"1s"}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["late"]'
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	r=$(chan_result Alpha 11 channel_history "{\"channel\":\"chat\",\"until\":\"2000-01-01T00:00:00Z\"}")
	printf '%s\n' "$r" | jq -e '.count == 0'
	r=$(chan_result Alpha 12 channel_history "{\"channel\":\"chat\",\"since\":$(($(date +%s) - 3600))}")
	printf '%s\n' "$r" | jq -e '.count == 2'
	r=$(chan_result Alpha 13 channel_history '{"channel":"chat","since":"yesterday"}')
	printf '%s\n' "$r" | jq -e '.code == -32602'
	r=$(chan_result Alpha 14 channel_history '{"channel":"chat","limit":0}')
	printf '%s\n' "$r" | jq -e '.code == -32602'
	r=$(chan_result Alpha 15 channel_history '{}')
	printf '%s\n' "$r" | jq -e '.code == -32602'
	r=$(chan_result Alpha 16 history_search '{"channel":"chat"}')
	printf '%s\n' "$r" | jq -e '.code == -32602'
}

@test "history: retention keeps the newest max_per_channel; max_age drops the old at start" {
	chan_router
	alpha "[history]" "max_per_channel = 5"
	chan_beta
	for i in $(seq 1 12); do
		chan_say "$i" bob "m$i"
	done
	gw_wait Alpha '"message":"m12"' 10
	r=$(chan_result Alpha 20 channel_history '{"channel":"chat","limit":100}')
	printf '%s\n' "$r" | jq -e '[.messages[].message] == ["m8","m9","m10","m11","m12"]'
	gw_call Alpha 21 stats > /dev/null
	printf '%s\n' "$REPLY" | jq -e '.result.history.stored == 12 and .result.history.expired == 7'
	gw_stop Alpha
	sleep 1.1
	gw_conf Alpha "[mud]" "channels = chat" "[history]" "max_age = 1s" \
	    "[moderation]" "flood_count = 0"
	gw_start Alpha
	r=$(chan_result Alpha 22 channel_history '{"channel":"chat"}')
	printf '%s\n' "$r" | jq -e '.count == 0'
}

@test "history: off with [history] store = no: the methods say so" {
	chan_router
	alpha "[history]" "store = no"
	r=$(chan_result Alpha 1 channel_history '{"channel":"chat"}')
	printf '%s\n' "$r" | jq -e '.code == -32000 and (.message | test("history is off"))'
	[ ! -e "$(T Alpha.state/history.db)" ]
}

@test "i3ctl channel history: filters, --json, -f follows what comes next" {
	chan_router
	load ctl-helpers
	gw_conf Alpha "[mud]" "channels = chat" "[api]" \
	    "socket = $BATS_TEST_TMPDIR/Alpha.sock"
	gw_start Alpha
	export I3_SOCKET="$BATS_TEST_TMPDIR/Alpha.sock"
	chan_beta
	chan_say 1 bob "the lag is bad"
	chan_say 2 ann "lag here too"
	chan_say 3 bob "no problem"
	gw_wait Alpha '"message":"no problem"' 10
	run -0 "$I3CTL" channel history chat --since 2h --grep lag --user bob@Beta -n 50
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \[chat\]\ bob@Beta:\ the\ lag\ is\ bad$ ]]
	run -0 "$I3CTL" --json channel history chat -n 2
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[0]}" | jq -e '.message == "lag here too" and .user == "ann" and (.id | type) == "number"'
	echo "${lines[1]}" | jq -e '.message == "no problem"'
	run -2 "$I3CTL" channel history chat -n 5000
	# -f: the last one, then what comes next, as it comes.
	"$I3CTL" channel history -f -n 1 chat > "$(T follow.out)" 2>&1 &
	fpid=$!
	wait_for_line "$(T follow.out)" 'no problem' 5
	chan_say 4 ann "something new"
	chan_say 5 bob "and more"
	wait_for_line "$(T follow.out)" 'and more' 5
	kill -INT "$fpid"
	reap "$fpid" 0
	[ "$(wc -l < "$(T follow.out)")" -eq 3 ]
	grep -q 'ann@Beta: something new' "$(T follow.out)"
}

@test "history: tells stored only with [history] tells = yes, found by history_search tells" {
	chan_router
	alpha "[history]" "tells = yes"
	chan_beta
	gw_call Beta 1 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"psst the lag"}' > /dev/null
	chan_say 2 bob "lag on chat"
	gw_wait Alpha '"message":"lag on chat"' 10
	gw_wait Alpha '"message":"psst the lag"' 10
	r=$(chan_result Alpha 10 history_search '{"search":"lag","tells":true}')
	printf '%s\n' "$r" | jq -e '.count == 1 and .messages[0].type == "tell" and .messages[0].channel == null and .messages[0].target_user == "ann" and .messages[0].text == "bob@Beta: psst the lag"'
	r=$(chan_result Alpha 11 history_search '{"search":"lag"}')
	printf '%s\n' "$r" | jq -e '.count == 1 and .messages[0].channel == "chat"'
	gw_stop Alpha
	# Without the key, a tell leaves nothing.
	gw_conf Alpha "[mud]" "channels = chat"
	gw_start Alpha
	wait_until 10 "Beta to see Alpha up again" alpha_up_twice
	gw_call Beta 3 tell '{"target_mud":"Alpha","target_user":"ann","from_user":"bob","message":"second lag"}' > /dev/null
	gw_wait Alpha '"message":"second lag"' 10
	r=$(chan_result Alpha 12 history_search '{"search":"second","tells":true}')
	printf '%s\n' "$r" | jq -e '.count == 0'
}
