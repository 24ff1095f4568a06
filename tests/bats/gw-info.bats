#!/usr/bin/env bats
# gw-info.bats: i3gw's information services both ways: who, finger,
# locate, chan-who, chan-user from presence or a client, privacy on the
# wire, timeouts, tells to absent users, the user cache, auth.

bats_require_minimum_version 1.5.0

load helpers
load info-helpers

teardown() {
	stop_all
}

ANN='{"name":"Ann","visname":"%^RED%^Ann%^RESET%^","idle":30,"title":"the Wise","level":"wizard","real_name":"Ann Smith","email":"ann@example.org","ip":"10.0.0.1","login_time":"Mon Jan  1 10:00:00 2024","extra":"plan","gender":"female","private":["real_name","level"]}'
CID='{"name":"Cid","idle":5,"invisible":true}'

@test "who both ways: rows from presence, invisible left out, colour rendered" {
	router_start -l "$(T r.log)"
	info_start Alpha Beta
	gw_call Beta 1 presence_set "{\"users\":[$ANN,$CID,{\"name\":\"dan\"}]}"
	[[ "$REPLY" == *'"result":{"count":3}'* ]]
	gw_call Alpha 1 who '{"target_mud":"beta","from_user":"Bob"}'
	[[ "$REPLY" == *'"result":{"mud":"Beta","count":2,'* ]]
	[[ "$REPLY" == *'{"visname":"%^RED%^Ann%^RESET%^","idle":30,"extra":"the Wise"}'* ]]
	[[ "$REPLY" == *'{"visname":"dan","idle":0,"extra":null}'* ]]
	# (the users in presence's order: the lines sorted)
	[ "$(jq -r .result.text <<< "$REPLY" | sort)" = $'Ann  (idle 30s)  the Wise\ndan' ]
	[[ "$REPLY" != *Cid* ]]
	rlog_wait '"packet":\["who-req",5,"Alpha","bob","Beta",0\]'
	rlog_wait '"packet":\["who-reply",5,"Beta",0,"Alpha","bob",\[.*\["%\^RED%\^Ann%\^RESET%\^",30,"the Wise"\]'
	run -1 grep -q '"Cid"' "$(T r.log)"
	gw_call Alpha 2 who '{"target_mud":"Beta","colour":"ansi"}'
	[[ "$REPLY" == *'"text":"\u001B[31mAnn\u001B[0m  (idle 30s)  the Wise'* ]]
	gw_call Alpha 3 who '{"target_mud":"Beta","colour":"nosuch"}'
	[[ "$REPLY" == *'"code":-32602'* ]]
	# And the other way round, Beta asking Alpha (no presence: empty).
	gw_call Beta 2 who '{"target_mud":"Alpha"}'
	[[ "$REPLY" == *'"result":{"mud":"Alpha","count":0,"users":[],"text":""}'* ]]
}

@test "finger: private fields, email and IP are 0 on the wire unless the config says so" {
	router_start -l "$(T r.log)"
	info_conf Gamma "[presence]" "send_email = yes" "send_ip = yes"
	info_start Alpha Beta Gamma
	gw_call Beta 1 presence_set "{\"users\":[$ANN,$CID]}"
	gw_call Gamma 1 presence_set "{\"users\":[$ANN]}"
	gw_call Alpha 1 finger '{"target_mud":"Beta","user":"ANN","from_user":"bob"}'
	[[ "$REPLY" == *'"visname":"%^RED%^Ann%^RESET%^","title":"the Wise","real_name":null,"email":null,"loginout_time":"Mon Jan  1 10:00:00 2024","idle":30,"ip_name":null,"level":null,"extra":"plan","online":true'* ]]
	[[ "$REPLY" == *'"text":"Ann@Beta\nTitle: the Wise\nOn since: Mon Jan  1 10:00:00 2024\nIdle: 30s\nplan"'* ]]
	# The packet bytes: real_name and level private, email and ip withheld.
	rlog_wait '"packet":\["finger-reply",5,"Beta",0,"Alpha","bob","%\^RED%\^Ann%\^RESET%\^","the Wise",0,0,"Mon Jan  1 10:00:00 2024",3[0-9],0,0,"plan"\]'
	gw_call Alpha 2 finger '{"target_mud":"Gamma","user":"ann","from_user":"bob"}'
	[[ "$REPLY" == *'"email":"ann@example.org"'* ]]
	rlog_wait '"packet":\["finger-reply",5,"Gamma",0,"Alpha","bob","%\^RED%\^Ann%\^RESET%\^","the Wise",0,"ann@example.org","Mon Jan  1 10:00:00 2024",3[0-9],"10.0.0.1",0,"plan"\]'
	run -1 grep -q 'Ann Smith' "$(T r.log)"
	run -1 grep -q '"wizard"' "$(T r.log)"
	# Invisible or absent: unk-user, as -32003 with the I3 code.
	gw_call Alpha 3 finger '{"target_mud":"Beta","user":"cid"}'
	[[ "$REPLY" == *'"code":-32003'*'"data":{"error_code":"unk-user"'* ]]
	gw_call Alpha 4 finger '{"target_mud":"Beta","user":"nobody"}'
	[[ "$REPLY" == *'"code":-32003'* ]]
	gw_call Alpha 5 finger '{"target_mud":"Beta"}'
	[[ "$REPLY" == *'"code":-32602,"message":"missing parameter: user"'* ]]
	# presence_update: merged; online false takes the user away.
	gw_call Beta 2 presence_update '{"name":"ann","private":[],"idle":7}'
	[[ "$REPLY" == *'"online":true,"count":2'* ]]
	gw_call Alpha 6 finger '{"target_mud":"Beta","user":"ann"}'
	[[ "$REPLY" == *'"real_name":"Ann Smith"'*'"idle":7,'*'"level":"wizard"'* ]]
	gw_call Beta 3 presence_update '{"name":"Ann","online":false}'
	[[ "$REPLY" == *'"online":false,"count":1'* ]]
	gw_call Alpha 7 finger '{"target_mud":"Beta","user":"ann"}'
	[[ "$REPLY" == *'"code":-32003'* ]]
	gw_call Beta 4 presence_update '{"name":"x","gender":7}'
	[[ "$REPLY" == *'"code":-32602'* ]]
	gw_call Beta 5 presence_set '{"users":[{"name":"x","private":["shoe"]}]}'
	[[ "$REPLY" == *'"code":-32602'* ]]
}

@test "locate: answered by two MUDs, by none; only where visible" {
	router_start -l "$(T r.log)"
	info_start Alpha Beta Gamma
	gw_call Beta 1 presence_set "{\"users\":[$ANN,$CID]}"
	gw_call Gamma 1 presence_set '{"users":[{"name":"ann","visname":"Annie","idle":120}]}'
	gw_call Gamma 2 presence_update '{"name":"ann","status":"editing"}'
	gw_call Alpha 1 locate '{"user":"ann","from_user":"bob"}'
	[[ "$REPLY" == *'"result":{"user":"ann","count":2,'* ]]
	[[ "$REPLY" == *'{"mud":"Beta","visname":"%^RED%^Ann%^RESET%^","idle":30,"status":"online","text":"Ann was found on Beta (idle 30s, online)"}'* ]]
	[[ "$REPLY" == *'"mud":"Gamma","visname":"Annie","idle":120,"status":"editing","text":"Annie was found on Gamma (idle 2m, editing)"'* ]]
	rlog_wait '"packet":\["locate-req",5,"Alpha","bob",0,0,"ann"\]'
	[ "$(rlog_count '"packet":\["locate-reply"')" -eq 2 ]
	gw_call Alpha 2 locate '{"user":"cid","timeout":0.4}'
	[[ "$REPLY" == *'"result":{"user":"cid","count":0,"found":[],"locations":[]}'* ]]
	gw_call Alpha 3 locate '{"user":"nobody","timeout":0.3}'
	[[ "$REPLY" == *'"count":0,"found":[]'* ]]
	[ "$(rlog_count '"packet":\["locate-reply"')" -eq 2 ]
}

@test "concurrent who: three clients' requests told apart, each its own reply" {
	router_start -l "$(T r.log)"
	# Time enough for the test to answer five requests by hand.
	info_conf Beta "answer_timeout = 4s"
	info_start Alpha Beta Gamma Delta
	gw_call Beta 1 answer '{"kinds":["who_request"]}'
	[[ "$REPLY" == *'"result":{"kinds":["who_request"],"all_tells":false}'* ]]
	# Three users of Alpha at once, and Gamma and Delta.
	for u in x1 x2 x3; do
		gw_send Alpha "{\"jsonrpc\":\"2.0\",\"id\":\"$u\",\"method\":\"who\",\"params\":{\"target_mud\":\"Beta\",\"from_user\":\"$u\"}}"
	done
	gw_send Gamma '{"jsonrpc":"2.0","id":9,"method":"who","params":{"target_mud":"Beta"}}'
	gw_send Delta '{"jsonrpc":"2.0","id":9,"method":"who","params":{"target_mud":"Beta"}}'
	# Beta's client answers each with a row naming who asked, last first.
	for n in 5 4 3 2 1; do
		id=$(info_req_id Beta who_request $n)
		line=$(grep "\"id\":\"$id\"" "$(T Beta.out)")
		omud=$(echo "$line" | grep -oE '"originator_mud":"[A-Za-z]+"' | cut -d'"' -f4)
		ouser=$(echo "$line" | grep -oE '"originator_user":"[a-z0-9]+"' | cut -d'"' -f4)
		info_respond Beta "$id" "{\"users\":[{\"visname\":\"for-$ouser@$omud\",\"idle\":$n,\"extra\":0}]}"
	done
	for u in x1 x2 x3; do
		gw_wait Alpha "\"id\":\"$u\",\"result\""
		grep -q "\"id\":\"$u\",\"result\":{\"mud\":\"Beta\",\"count\":1,\"users\":\\[{\"visname\":\"for-$u@Alpha\"" "$(T Alpha.out)"
	done
	gw_wait Gamma '"id":9,"result":\{"mud":"Beta","count":1,"users":\[\{"visname":"for-gwq[a-z]+@Gamma"'
	gw_wait Delta '"id":9,"result":\{"mud":"Beta","count":1,"users":\[\{"visname":"for-gwq[a-z]+@Delta"'
	[ "$(rlog_count '"packet":\["who-reply",5,"Beta"')" -eq 5 ]
}

@test "timeouts, MUDs down, and a client that does not answer in time" {
	router_start -l "$(T r.log)" --fake-muds 2
	info_start Alpha Beta
	gw_call Beta 1 presence_set '{"users":[{"name":"ann"}]}'
	# The router drops what goes to a fake MUD: nothing comes back.
	gw_call Alpha 1 who '{"target_mud":"fakemud001","timeout":0.3}'
	[[ "$REPLY" == *'"error":{"code":-32002,"message":"no answer from FakeMud001 within'* ]]
	gw_call Alpha 2 finger '{"target_mud":"FakeMud002","user":"x","timeout":0.2}'
	[[ "$REPLY" == *'"code":-32002'* ]]
	gw_call Alpha 3 who '{"target_mud":"Beta","timeout":-1}'
	[[ "$REPLY" == *'"code":-32602'* ]]
	# Beta's client registers, then never answers: presence does.
	gw_call Beta 2 answer '{"kinds":["who_request","finger_request","locate_request"]}'
	gw_call Alpha 4 who '{"target_mud":"Beta"}'
	[[ "$REPLY" == *'"result":{"mud":"Beta","count":1,"users":[{"visname":"ann"'* ]]
	gw_wait Beta '"method":"who_request"'
	# An error response from the client: presence answers too.
	gw_send Alpha '{"jsonrpc":"2.0","id":5,"method":"finger","params":{"target_mud":"Beta","user":"ann"}}'
	id=$(info_req_id Beta finger_request)
	gw_send Beta "{\"jsonrpc\":\"2.0\",\"id\":\"$id\",\"error\":{\"code\":1,\"message\":\"no\"}}"
	gw_wait Alpha '"id":5,"result":\{"mud":"Beta","user":"ann","visname":"ann"'
	# A MUD the mudlist shows down: at once, no packet.
	gw_stop Beta
	gw_wait Alpha '"mud_offline","params":\{"mud":"Beta"'
	gw_call Alpha 6 who '{"target_mud":"Beta"}'
	[[ "$REPLY" == *'"code":-32004,"message":"Beta is down'* ]]
	gw_call Alpha 7 finger '{"target_mud":"Beta","user":"ann"}'
	[[ "$REPLY" == *'"code":-32004'* ]]
	gw_call Alpha 8 channel_who '{"target_mud":"Beta","channel":"dchat"}'
	[[ "$REPLY" == *'"code":-32004'* ]]
	# An unknown MUD: the router's unk-dst is the answer.
	gw_call Alpha 9 who '{"target_mud":"Nowhere"}'
	[[ "$REPLY" == *'"code":-32003,"message":"*test: unk-dst'* ]]
}

@test "client-answered who, finger and locate; answer registration" {
	router_start -l "$(T r.log)"
	info_conf Beta "answer_timeout = 3s"
	info_start Alpha Beta
	gw_call Beta 1 answer '{"kinds":["who_request","finger_request","locate_request"]}'
	[[ "$REPLY" == *'"kinds":["who_request","finger_request","locate_request"]'* ]]
	gw_call Beta 2 answer '{"kinds":["bogus"]}'
	[[ "$REPLY" == *'"code":-32602'* ]]
	gw_send Alpha '{"jsonrpc":"2.0","id":1,"method":"who","params":{"target_mud":"Beta","from_user":"bob"}}'
	id=$(info_req_id Beta who_request)
	grep -q "\"id\":\"$id\",\"method\":\"who_request\",\"params\":{\"type\":\"who-req\",\"ttl\":5,\"originator_mud\":\"Alpha\",\"originator_user\":\"bob\"" "$(T Beta.out)"
	info_respond Beta "$id" '[{"visname":"Zed","idle":3,"extra":"the Bold"}]'
	gw_wait Alpha '"id":1,"result":\{"mud":"Beta","count":1,"users":\[\{"visname":"Zed","idle":3,"extra":"the Bold"\}\]'
	rlog_wait '"packet":\["who-reply",5,"Beta",0,"Alpha","bob",\[\["Zed",3,"the Bold"\]\]\]'
	# finger: the client's fields; its email is withheld all the same.
	gw_send Alpha '{"jsonrpc":"2.0","id":2,"method":"finger","params":{"target_mud":"Beta","user":"zed","from_user":"bob"}}'
	id=$(info_req_id Beta finger_request)
	info_respond Beta "$id" '{"visname":"Zed","title":"the Bold","email":"z@x","idle":3,"level":"hero"}'
	gw_wait Alpha '"id":2,"result":\{"mud":"Beta","user":"zed","visname":"Zed","title":"the Bold","real_name":null,"email":null'
	rlog_wait '"packet":\["finger-reply",5,"Beta",0,"Alpha","bob","Zed","the Bold",0,0,0,3,0,"hero",0\]'
	gw_send Alpha '{"jsonrpc":"2.0","id":3,"method":"finger","params":{"target_mud":"Beta","user":"nope"}}'
	id=$(info_req_id Beta finger_request 2)
	info_respond Beta "$id" '{"found":false}'
	gw_wait Alpha '"id":3,"error":\{"code":-32003'
	# locate: found here, and not found (no reply at all).
	gw_send Alpha '{"jsonrpc":"2.0","id":4,"method":"locate","params":{"user":"zed"}}'
	id=$(info_req_id Beta locate_request)
	info_respond Beta "$id" '{"found":true,"visname":"Zed","idle":0,"status":"inactive"}'
	gw_wait Alpha '"id":4,"result":\{"user":"zed","count":1,"found":\[\{"mud":"Beta","visname":"Zed","idle":0,"status":"inactive"'
	# Unregistered: presence again (none set: an empty who).
	gw_call Beta 3 answer '{"kinds":[]}'
	[[ "$REPLY" == *'"kinds":[]'* ]]
	gw_call Alpha 5 who '{"target_mud":"Beta"}'
	[[ "$REPLY" == *'"count":0'* ]]
}

@test "tells to users not here: delivered before presence, unk-user after, all_tells takes them" {
	router_start -l "$(T r.log)"
	info_start Alpha Beta
	tell='{"target_mud":"Beta","target_user":"bob","from_user":"ann","visname":"Ann","message":"one"}'
	gw_call Alpha 1 tell "$tell"
	gw_wait Beta '"tell_received".*"message":"one"'
	gw_call Beta 1 presence_set "{\"users\":[$CID,{\"name\":\"eve\"}]}"
	gw_call Alpha 2 tell "${tell/one/two}"
	gw_wait Alpha '"send_failed".*"id":2,"type":"tell","target":"bob@Beta","code":"unk-user","reason":"bob is not online on Beta","from":"Beta"'
	rlog_wait '"packet":\["error",5,"Beta",0,"Alpha","ann","unk-user","bob is not online on Beta",\["tell",5,"Alpha","ann","Beta","bob","Ann","two"\]\]'
	# Invisible is not here either; emoteto too; a visible user gets it.
	gw_call Alpha 3 emoteto '{"target_mud":"Beta","target_user":"cid","from_user":"ann","message":"waves"}'
	rlog_wait '"unk-user","cid is not online on Beta"'
	gw_call Alpha 4 tell '{"target_mud":"Beta","target_user":"eve","from_user":"ann","message":"three"}'
	gw_wait Beta '"tell_received".*"message":"three"'
	[ "$(gw_count Beta '"message":"two"')" -eq 0 ]
	# A client that takes every tell.
	gw_call Beta 2 answer '{"all_tells":true}'
	[[ "$REPLY" == *'"all_tells":true'* ]]
	gw_call Alpha 5 tell "${tell/one/four}"
	gw_wait Beta '"tell_received".*"message":"four"'
	[ "$(rlog_count '"unk-user"')" -eq 2 ]
}

@test "chan-who and chan-user both ways; the user cache renders channel-t and survives a restart" {
	router_start -l "$(T r.log)"
	info_start Alpha Beta Gamma
	gw_call Beta 1 channel_join '{"channel":"dchat","user":"Ann","visname":"Ann"}'
	gw_call Beta 2 channel_join '{"channel":"dchat","user":"cid"}'
	gw_call Beta 3 channel_join '{"channel":"dchat","user":"dan","visname":"Dan"}'
	gw_call Beta 4 channel_leave '{"channel":"dchat","user":"dan"}'
	[[ "$REPLY" == *'"user":"dan","left":true,"was_joined":true'* ]]
	gw_call Alpha 1 channel_who '{"target_mud":"Beta","channel":"dchat","from_user":"bob"}'
	[[ "$REPLY" == *'"result":{"mud":"Beta","channel":"dchat","count":2,"users":["Ann","cid"],"text":"[dchat] on Beta: Ann, cid"}'* ]]
	rlog_wait '"packet":\["chan-who-reply",5,"Beta",0,"Alpha","bob","dchat",\["Ann","cid"\]\]'
	# Once presence is set, only the visible ones, by their visnames.
	gw_call Beta 5 presence_set "{\"users\":[$ANN,$CID]}"
	gw_call Alpha 2 channel_who '{"target_mud":"Beta","channel":"dchat"}'
	[[ "$REPLY" == *'"count":1,"users":["%^RED%^Ann%^RESET%^"]'* ]]
	gw_call Alpha 3 chan_user '{"target_mud":"Beta","user":"ann"}'
	[[ "$REPLY" == *'"result":{"mud":"Beta","user":"ann","visname":"%^RED%^Ann%^RESET%^","gender":1,"gender_name":"female"}'* ]]
	rlog_wait '"packet":\["chan-user-reply",5,"Beta",0,"Alpha",0,"ann","%\^RED%\^Ann%\^RESET%\^",1\]'
	gw_call Alpha 4 chan_user '{"target_mud":"Beta","user":"nobody"}'
	[[ "$REPLY" == *'"code":-32003'* ]]
	gw_call Alpha 5 ucache_get '{"mud":"Beta","user":"ANN"}'
	[[ "$REPLY" == *'"count":1,"users":[{"mud":"Beta","user":"ann","visname":"%^RED%^Ann%^RESET%^","gender":1'* ]]
	# A new visname: Beta broadcasts ucache-update, Alpha's cache follows.
	gw_call Beta 6 presence_update '{"name":"ann","visname":"Annabel"}'
	rlog_wait '"packet":\["ucache-update",5,"Beta",0,0,0,"ann","Annabel",1\]'
	for i in $(seq 1 40); do
		gw_call Alpha "1$i" ucache_get '{"mud":"Beta","user":"ann"}' >/dev/null
		[[ "$REPLY" == *Annabel* ]] && break
		sleep 0.05
	done
	[[ "$REPLY" == *'"visname":"Annabel"'* ]]
	# channel-t from Gamma at ann@Beta: Alpha renders the cached name.
	gw_call Alpha 6 channel_join '{"channel":"dchat"}'
	gw_call Gamma 1 channel_target '{"channel":"dchat","from_user":"gil","visname":"Gil","target_mud":"Beta","target_user":"ann","target_visname":"ann","message_others":"$N hugs $O.","message_target":"$N hugs you."}'
	gw_wait Alpha '"channel_targeted".*"text":"\[dchat\] Gil@Gamma hugs Annabel@Beta."'
	# The cache is in the store.
	gw_stop Alpha
	gw_start Alpha
	gw_call Alpha 7 ucache_get '{"mud":"Beta"}'
	[[ "$REPLY" == *'"count":1,"users":[{"mud":"Beta","user":"ann","visname":"Annabel"'* ]]
}

@test "auth: a fresh one-use key each time; the keepalive's own round trip" {
	router_start -l "$(T r.log)"
	info_conf Alpha "idle_ping = 200ms" "dead_after = 3s"
	info_start Alpha Beta
	gw_call Alpha 1 auth_request '{"target_mud":"Beta"}'
	[[ "$REPLY" =~ \"session_key\":([0-9]+) ]]
	k1=${BASH_REMATCH[1]}
	gw_call Alpha 2 auth_request '{"target_mud":"Beta"}'
	[[ "$REPLY" =~ \"session_key\":([0-9]+) ]]
	k2=${BASH_REMATCH[1]}
	[ "$k1" != "$k2" ]
	rlog_wait "\"packet\":\\[\"auth-mud-reply\",5,\"Beta\",0,\"Alpha\",0,$k1\\]"
	gw_call Beta 1 auth_verify "{\"mud\":\"Alpha\",\"key\":$k1}"
	[[ "$REPLY" == *'"valid":true'* ]]
	gw_call Beta 2 auth_verify "{\"mud\":\"Alpha\",\"key\":$k1}"
	[[ "$REPLY" == *'"valid":false'* ]]
	gw_call Beta 3 auth_verify "{\"mud\":\"Gamma\",\"key\":$k2}"
	[[ "$REPLY" == *'"valid":false'* ]]
	# Beta asks Alpha too.
	gw_call Beta 4 auth_request '{"target_mud":"Alpha"}'
	[[ "$REPLY" == *'"result":{"mud":"Alpha","session_key":'* ]]
	# Alpha's idle keepalive to itself is answered by itself.
	rlog_wait '"packet":\["auth-mud-req",5,"Alpha",0,"Alpha",0\]' 3
	rlog_wait '"packet":\["auth-mud-reply",5,"Alpha",0,"Alpha",0,[0-9]+\]' 3
	[ "$(gw_count Alpha router_disconnected)" -eq 0 ]
}

@test "channel administration and a filtered channel vetted by a client" {
	router_start -l "$(T r.log)"
	info_conf Alpha "answer_timeout = 1500ms"
	info_start Alpha Beta Gamma
	gw_call Alpha 1 channel_add '{"channel":"filt","type":"filtered","from_user":"ann"}'
	[[ "$REPLY" == *'"result":{"channel":"filt","owner":"Alpha","type":2,"added":true}'* ]]
	gw_call Alpha 2 channel_add '{"channel":"filt","type":0}'
	[[ "$REPLY" == *'"code":-32003'*'"error_code":"not-allowed"'* ]]
	gw_call Alpha 3 channel_add '{"channel":"x","type":9}'
	[[ "$REPLY" == *'"code":-32602'* ]]
	gw_call Alpha 4 channel_admin '{"channel":"filt","add":["Beta","Gamma"]}'
	[[ "$REPLY" == *'"sent":true'* ]]
	gw_call Alpha 5 channel_adminlist '{"channel":"filt"}'
	[[ "$REPLY" == *'"result":{"channel":"filt","list":["Beta","Gamma"]}'* ]]
	gw_call Alpha 6 channel_admin '{"channel":"filt","remove":["Gamma"]}'
	gw_call Alpha 7 channel_adminlist '{"channel":"filt"}'
	[[ "$REPLY" == *'"list":["Beta"]'* ]]
	gw_call Beta 1 channel_admin '{"channel":"filt","add":["Beta"]}'
	gw_wait Beta '"send_failed".*"id":1,"type":"channel-admin".*"code":"not-allowed"'
	gw_call Alpha 8 chanlist_refresh
	[[ "$REPLY" == *'"sent":true'* ]]
	rlog_wait '"packet":\["chanlist-req",5,"Alpha",0,"\*test",0\]'

	gw_call Alpha 9 answer '{"kinds":["channel_filter_request"]}'
	gw_call Alpha 10 channel_join '{"channel":"filt"}'
	gw_call Beta 2 channel_join '{"channel":"filt"}'
	# 1: the client rewrites the message.
	gw_call Beta 3 channel_send '{"channel":"filt","from_user":"bob","visname":"Bob","message":"darn it"}'
	id=$(info_req_id Alpha channel_filter_request)
	grep -q "\"id\":\"$id\",\"method\":\"channel_filter_request\",\"params\":{\"channel\":\"filt\",\"packet\":{\"type\":\"channel-m\"" "$(T Alpha.out)"
	info_respond Alpha "$id" '{"packet":{"type":"channel-m","ttl":5,"originator_mud":"Beta","originator_user":"bob","target_mud":0,"target_user":0,"channel":"filt","visname":"Bob","message":"d*rn it"}}'
	gw_wait Alpha '"channel_message".*"message":"d\*rn it"'
	rlog_wait '"packet":\["chan-filter-reply",5,"Alpha",0,"\*test",0,"filt",\["channel-m",5,"Beta","bob",0,0,"filt","Bob","d\*rn it"\]\]'
	# 2: dropped.
	gw_call Beta 4 channel_send '{"channel":"filt","from_user":"bob","message":"spam"}'
	id=$(info_req_id Alpha channel_filter_request 2)
	info_respond Alpha "$id" '{"drop":true}'
	# 3: no answer in time: passed through unchanged.
	gw_call Beta 5 channel_send '{"channel":"filt","from_user":"bob","message":"hello"}'
	gw_wait Alpha '"channel_message".*"message":"hello"' 5
	[ "$(gw_count Alpha '"channel_message".*"message":"spam"')" -eq 0 ]
	[ "$(gw_count Alpha '"channel_message".*"message":"darn it"')" -eq 0 ]
	gw_call Alpha 11 channel_remove '{"channel":"filt"}'
	[[ "$REPLY" == *'"result":{"channel":"filt","removed":true}'* ]]
	gw_call Beta 6 channel_remove '{"channel":"dchat"}'
	[[ "$REPLY" == *'"error_code":"not-allowed"'* ]]
}

@test "socket clients of one gateway: concurrent who and finger, each its own answer" {
	router_start -l "$(T r.log)"
	info_conf Beta "answer_timeout = 4s"
	info_start Beta
	gwd_conf Alpha "[limits]" "answer_timeout = 300ms"
	gwd_start Alpha
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"'
	gw_call Beta 1 answer '{"kinds":["who_request"]}'
	gw_call Beta 2 presence_set "{\"users\":[$ANN]}"
	for u in sam tom uma; do
		gwc_bg "c$u" "unix:$(T Alpha.sock)" --timeout 8 \
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"who\",\"params\":{\"target_mud\":\"Beta\",\"from_user\":\"$u\"}}" \
		    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"finger\",\"params\":{\"target_mud\":\"Beta\",\"user\":\"ann\",\"from_user\":\"$u\"}}"
	done
	for n in 3 2 1; do
		id=$(info_req_id Beta who_request $n)
		ouser=$(grep "\"id\":\"$id\"" "$(T Beta.out)" |
		    grep -oE '"originator_user":"[a-z]+"' | cut -d'"' -f4)
		info_respond Beta "$id" "{\"users\":[{\"visname\":\"for-$ouser\",\"idle\":$n}]}"
	done
	for u in sam tom uma; do
		wait_for_line "$(T c$u.out)" '"id":1,"result"'
		wait_for_line "$(T c$u.out)" '"id":2,"result"'
		grep -q "\"id\":1,\"result\":{\"mud\":\"Beta\",\"count\":1,\"users\":\\[{\"visname\":\"for-$u\"" "$(T c$u.out)"
		grep -q '"id":2,"result":{"mud":"Beta","user":"ann","visname":"%^RED%^Ann%^RESET%^"' "$(T c$u.out)"
	done
	# subscribe takes the request kinds too; this one never answers.
	gwc_bg sub "unix:$(T Alpha.sock)" \
	    '{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"events":["finger_request"]}}' \
	    --requests 1 --timeout 10
	wait_for_line "$(T sub.out)" '"id":1,"result":.*"subscribed":true'
	gw_call Beta 3 finger '{"target_mud":"Alpha","user":"zed"}'
	[[ "$REPLY" == *'"code":-32003'*'unk-user'* ]]
	# it had the request
	reap "$GWC_PID_sub" 0
	grep -q '"method":"finger_request","params":{"type":"finger-req"' "$(T sub.out)"
}

@test "interop with a raw MUD: Samson who banners, finger idle -1, an error without its packet" {
	router_start -l "$(T r.log)"
	info_start Alpha
	{
		startup_pkt Zeta 0 '*test' '{"tell":1,"who":1,"finger":1}'
		echo 'wait who-req'
		echo '["who-reply",5,"Zeta",0,"Alpha","bob",[["%^GREEN%^-=[ Zeta ]=-%^RESET%^",9999,0],["Kim",-1,"the Quiet"],["Lee",125,0]]]'
		echo 'wait finger-req'
		echo '["finger-reply",5,"Zeta",0,"Alpha","bob","Kim",0,0,0,"-1",-1,0,0,0]'
		echo 'wait finger-req'
		echo '["error",5,"Zeta",0,"Alpha","bob","unk-user","no such player",0]'
		echo 'wait locate-req'
		echo '["locate-reply",5,"Zeta",0,"Alpha","bob","Zeta","Kim",-1,"Offline"]'
	} > "$(T zeta.script)"
	probe_bg zeta -t 8000 --wait 500 < "$(T zeta.script)"
	gw_wait Alpha '"mud_online","params":\{"mud":"Zeta"'
	gw_call Alpha 1 who '{"target_mud":"Zeta","from_user":"bob"}'
	[[ "$REPLY" == *'"count":3,'* ]]
	[[ "$REPLY" == *'"text":"-=[ Zeta ]=-\nKim  the Quiet\nLee  (idle 2m)"'* ]]
	gw_call Alpha 2 finger '{"target_mud":"Zeta","user":"kim","from_user":"bob"}'
	[[ "$REPLY" == *'"visname":"Kim","title":null'*'"idle":-1,'*'"online":true,"text":"Kim@Zeta\nLogged on."'* ]]
	gw_call Alpha 3 finger '{"target_mud":"Zeta","user":"nobody","from_user":"bob"}'
	[[ "$REPLY" == *'"code":-32003,"message":"Zeta: unk-user: no such player"'* ]]
	gw_call Alpha 4 locate '{"user":"kim","from_user":"bob","timeout":0.5}'
	[[ "$REPLY" == *'"found":[{"mud":"Zeta","visname":"Kim","idle":-1,"status":"Offline","text":"Kim was found on Zeta (Offline)"}]'* ]]
	# its script done, it stayed its 500 ms: exit 0
	probe_wait zeta
}
