#!/usr/bin/env bats
# gw-peers.bats: what real peers send (issue 16): each quirk of the Dead
# Souls and CoffeeMud routers, Samson's i3.c and the Python gateway, in
# their own bytes from the test router's script mode, and what i3gw's
# client sees of it.  docs/PROTOCOL.md section 5 lists the forms.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# The scripted router's start: a startup answered by hand, a mudlist with
# Zeta (SmaugFUSS, Samson's i3.c) and Pyg (the Python gateway), the
# whole chanlist; then LINES (script commands).  Packets after the script
# are read, logged and ignored.
ZETA='"Zeta":[-1,"127.0.0.1",4000,0,0,"SmaugFUSS 1.9","SmaugFUSS","SmaugFUSS 1.9","Diku","open","admin@zeta",{"tell":1,"emoteto":1,"who":1,"finger":1,"locate":1,"channel":1},0]'
PYG='"Pyg":[-1,"127.0.0.1",4001,0,0,"pyi3","pyi3","python","LP","open","admin@pyg",{"tell":1,"emoteto":1,"channel":1},0]'

peer_script() {
	{
		echo 'expect startup-req-3'
		echo 'send ["startup-reply",5,"*test",0,"%MUD",0,[["*test","127.0.0.1 %PORT"]],42]'
		echo "send [\"mudlist\",5,\"*test\",0,\"%MUD\",0,3,{$ZETA,$PYG}]"
		echo 'send ["chanlist-reply",5,"*test",0,"%MUD",0,8,{"dchat":["*test",0]}]'
		printf '%s\n' "$@"
	} > "$(T s.txt)"
}

# Start the scripted router and gateway Alpha; wait until it sees Zeta.
peer_start() {
	[ -n "${ROUTER_PID:-}" ] ||
	    router_start -s "$(T s.txt)" -l "$(T r.log)"
	gw_conf Alpha "rate = 0" "info_timeout = 2s" "locate_window = 500ms" \
	    "$@"
	gw_start Alpha
	gw_wait Alpha router_connected
	gw_wait Alpha '"mud_online","params":\{"mud":"Zeta"'
}

@test "DS router: a chanlist entry whose type is an empty array is a channel of type 0" {
	peer_script 'sleep 300' \
	    'send ["chanlist-reply",5,"*test",0,"%MUD",0,9,{"chan":["OwnerMud",[]]}]'
	peer_start
	gw_wait Alpha '"method":"chanlist_changed","params":\{"added":\["chan"\]'
	gw_call Alpha 1 channel_list
	[[ "$REPLY" == *'{"name":"chan","owner":"OwnerMud","type":0,'* ]]
	[ "$(grep -c 'chanlist entry "chan"' "$(T Alpha.err)")" -eq 1 ]
}

@test "Samson: a finger reply with idle -1 and loginout \"-1\" is a player logged on" {
	peer_script 'await finger-req' \
	    'send ["finger-reply",5,"Zeta",0,"%MUD","bob","Kim",0,0,0,"-1",-1,0,0,0]' \
	    'await finger-req' \
	    'send ["finger-reply",5,"Zeta",0,"%MUD","bob","Lee",0,0,0,"Mon Jan  1 10:00:00 2024",-1,0,0,0]' \
	    'await finger-req' \
	    'send ["finger-reply",5,"Zeta",0,"%MUD","bob","Max",0,0,0,0,-1,0,0,0]'
	peer_start
	gw_call Alpha 1 finger '{"target_mud":"Zeta","user":"kim","from_user":"bob"}'
	[[ "$REPLY" == *'"loginout_time":null,"idle":-1,'*'"online":true,"text":"Kim@Zeta\nLogged on."}'* ]]
	# LIMA and Dead Souls: idle -1 with a time is "not logged on".
	gw_call Alpha 2 finger '{"target_mud":"Zeta","user":"lee","from_user":"bob"}'
	[[ "$REPLY" == *'"online":false,"text":"Lee@Zeta\nLast on: Mon Jan  1 10:00:00 2024\nNot logged on."}'* ]]
	# idle -1 and no time: the reply does not say.
	gw_call Alpha 3 finger '{"target_mud":"Zeta","user":"max","from_user":"bob"}'
	[[ "$REPLY" == *'"online":null,"text":"Max@Zeta\nOnline: not said."}'* ]]
}

@test "Samson: user@OurMud in finger, locate and chan-user requests is our user; locate status a string" {
	peer_script 'await who-req' \
	    'send ["who-reply",5,"Zeta",0,"%MUD","bob",[]]' \
	    'send ["finger-req",5,"Zeta","kim","%MUD",0,"ann@ALPHA"]' \
	    'send ["locate-req",5,"Zeta","kim",0,0,"ann@alpha"]' \
	    'send ["chan-user-req",5,"Zeta",0,"%MUD",0,"Ann@Alpha"]' \
	    'send ["finger-req",5,"Zeta","kim","%MUD",0,"ann@Beta"]'
	peer_start
	gw_call Alpha 1 presence_set '{"users":[{"name":"Ann","visname":"Ann","idle":5,"gender":"female"}]}'
	gw_call Alpha 2 who '{"target_mud":"Zeta","from_user":"bob"}'
	wait_for_line "$(T r.log)" '"packet":\["finger-reply",5,"Alpha",0,"Zeta","kim","Ann",'
	wait_for_line "$(T r.log)" '"packet":\["locate-reply",5,"Alpha",0,"Zeta","kim","Alpha","Ann",[0-9]+,"online"\]'
	wait_for_line "$(T r.log)" '"packet":\["chan-user-reply",5,"Alpha",0,"Zeta",0,"ann","Ann",1\]'
	# Another MUD's name is no alias of ours.
	wait_for_line "$(T r.log)" '"packet":\["error",5,"Alpha",0,"Zeta","kim","unk-user",'
}

@test "Python gateway: an emote without \$N gets its sender in front" {
	peer_script 'await channel-listen' \
	    'send ["emoteto",5,"Pyg","bob","%MUD","ann","Bob","waves at you."]' \
	    'send ["channel-e",5,"Pyg","bob",0,0,"dchat","Bob","waves."]' \
	    'send ["channel-e",5,"Pyg","bob",0,0,"dchat","Bob","bows, $N does."]'
	peer_start
	gw_call Alpha 1 channel_join '{"channel":"dchat"}'
	gw_wait Alpha '"method":"emoteto_received",.*"text":"Bob@Pyg waves at you."'
	gw_wait Alpha '"method":"channel_emote",.*"text":"\[dchat\] Bob@Pyg waves."'
	gw_wait Alpha '"method":"channel_emote",.*"text":"\[dchat\] bows, Bob@Pyg does."'
}

@test "Python gateway: a channel-listen flag \"1\" is read as 1; i3gw sends only ints" {
	# In the gateway's reader: no bad packet, the link goes on.
	peer_script 'await channel-listen' \
	    'send ["channel-listen",5,"Pyg",0,"*test",0,"dchat","1"]' \
	    'send ["channel-m",5,"Pyg","bob",0,0,"dchat","Bob","after"]'
	peer_start
	gw_call Alpha 1 channel_join '{"channel":"dchat"}'
	gw_wait Alpha '"method":"channel_message",.*"message":"after"'
	gw_call Alpha 2 stats
	[[ "$REPLY" == *'"packets_bad":0,'* ]]
	wait_for_line "$(T r.log)" '"packet":\["channel-listen",5,"Alpha",0,"\*test",0,"dchat",1\]'
	gw_stop Alpha
	router_stop_all
	# The test router reads "1" as 1 too: Pyg hears i3gw's message.
	router_start -l "$(T r2.log)"
	{
		startup_pkt Pyg
		echo 'wait startup-reply'
		echo '["channel-listen",5,"Pyg",0,"*test",0,"dchat","1"]'
		echo 'wait channel-m'
	} > "$(T pyg.txt)"
	probe_bg pyg -t 8000 < "$(T pyg.txt)"
	wait_for_line "$(T r2.log)" '"packet":\["channel-listen",5,"Pyg",0,"\*test",0,"dchat","1"\]'
	gw_conf Beta "rate = 0"
	gw_start Beta
	gw_wait Beta router_connected
	gw_call Beta 1 channel_send '{"channel":"dchat","from_user":"ann","message":"to pyg"}'
	probe_wait pyg
	grep -q '^\["channel-m",5,"Beta","ann",0,0,"dchat","ann","to pyg"\]$' "$(T pyg.out)"
}

@test "router: unk-channel for our channel-listen reaches the client that joined" {
	peer_script 'await channel-listen' \
	    'send ["error",5,"*test",0,"%MUD",0,"unk-channel","Unknown channel: nosuch",["channel-listen",5,"%MUD",0,"*test",0,"nosuch",1]]'
	peer_start
	gw_call Alpha 1 channel_join '{"channel":"nosuch"}'
	[[ "$REPLY" == *'"known":false'* ]]
	gw_wait Alpha '"method":"send_failed","params":\{"id":1,"type":"channel-listen","target":"nosuch","code":"unk-channel","reason":"Unknown channel: nosuch","from":"\*test"[,}]'
}

@test "CoffeeMud router: channel_add never announced is sent, not yet confirmed; a later chanlist confirms it" {
	peer_script 'await channel-add' 'sleep 1000' \
	    'send ["chanlist-reply",5,"*test",0,"%MUD",0,10,{"dchat":["*test",0],"mine":["%MUD",0]}]'
	peer_start
	gw_call Alpha 1 channel_add '{"channel":"mine","timeout":0.5}'
	[[ "$REPLY" == *'"result":{"channel":"mine","added":false,"sent":true,"text":"sent, not yet confirmed by the router"}'* ]]
	wait_for_line "$(T r.log)" '"packet":\["channel-add",5,"Alpha","admin","\*test",0,"mine",0\]'
	gw_wait Alpha '"method":"chanlist_changed","params":\{"added":\["mine"\]'
}

@test "Smaug-family MUD: its &Y codes become Pinkfish in every text field; [peer NAME] colour overrides the mudlist" {
	peer_script 'await who-req' \
	    'send ["who-reply",5,"Zeta",0,"%MUD","bob",[["&YKim&D the %^RED%^Quiet%^RESET%^",5,"&Gwizard"]]]' \
	    'send ["tell",5,"Zeta","kim","%MUD","ann","&YKim","&Rhi"]' \
	    'send ["tell",5,"Pyg","bob","%MUD","ann","Bob","{rhi &Y"]'
	# SmaugFUSS in Zeta's mudlist entry: its codes are SMAUG's.
	peer_start
	gw_call Alpha 1 who '{"target_mud":"Zeta","from_user":"bob"}'
	[[ "$REPLY" == *'"users":[{"visname":"%^YELLOW%^Kim%^RESET%^ the %^RED%^Quiet%^RESET%^","idle":5,"extra":"%^BOLD%^%^GREEN%^wizard%^RESET%^"}],"text":"Kim the Quiet  (idle 5s)  wizard"'* ]]
	gw_wait Alpha '"method":"tell_received","params":\{.*"orig_visname":"%\^YELLOW%\^Kim%\^RESET%\^","message":"%\^BOLD%\^%\^RED%\^hi%\^RESET%\^"'
	# Pyg (pyi3) is no family: its text as it came.
	gw_wait Alpha '"method":"tell_received","params":\{.*"message":"\{rhi &Y"'
	gw_stop Alpha
	rm -rf "$(T Alpha.state)"
	# [peer NAME] colour: Zeta's text taken as Pinkfish, Pyg's as ROM's.
	peer_start "[peer zeta]" "colour = pinkfish" "[peer Pyg]" "colour = rom"
	gw_call Alpha 1 who '{"target_mud":"Zeta","from_user":"bob"}'
	[[ "$REPLY" == *'"visname":"&YKim&D the %^RED%^Quiet%^RESET%^"'* ]]
	gw_wait Alpha '"method":"tell_received","params":\{.*"message":"%\^RED%\^hi &Y%\^RESET%\^"'
	run -0 "$I3GW" -n -v -f "$(T Alpha.conf)"
	[[ "$output" == *$'[peer zeta]\ncolour = pinkfish'* ]]
	gw_conf Bad "[peer Zeta]" "colour = blue"
	run -1 "$I3GW" -n -f "$(T Bad.conf)"
}

@test "our replies as Samson and Dead Souls print them: \"\" for what Samson would print as 0, 0 for LP MUDs" {
	peer_script 'await who-req' \
	    'send ["who-reply",5,"Zeta",0,"%MUD","bob",[]]' \
	    'send ["who-req",5,"Zeta","kim","%MUD",0]' \
	    'send ["finger-req",5,"Zeta","kim","%MUD",0,"ann"]' \
	    'send ["who-req",5,"Pyg","bob","%MUD",0]' \
	    'send ["finger-req",5,"Pyg","bob","%MUD",0,"ann"]' \
	    'send ["locate-req",5,"Pyg","bob",0,0,"ann"]'
	peer_start
	gw_call Alpha 1 presence_set '{"users":[{"name":"Ann","visname":"Ann","idle":5,"login_time":"Mon Jan  1 10:00:00 2024"}]}'
	gw_call Alpha 2 who '{"target_mud":"Zeta","from_user":"bob"}'
	# Zeta runs Samson's i3.c, which prints "Title: 0": strings there.
	wait_for_line "$(T r.log)" '"packet":\["who-reply",5,"Alpha",0,"Zeta","kim",\[\["Ann",[0-9]+,""\]\]\]'
	wait_for_line "$(T r.log)" '"packet":\["finger-reply",5,"Alpha",0,"Zeta","kim","Ann","",0,"","Mon Jan  1 10:00:00 2024",[0-9]+,0,"",""\]'
	# Pyg is no Diku: 0 stays the protocol's "withheld" (DS prints it
	# as "Confidential").
	wait_for_line "$(T r.log)" '"packet":\["who-reply",5,"Alpha",0,"Pyg","bob",\[\["Ann",[0-9]+,0\]\]\]'
	wait_for_line "$(T r.log)" '"packet":\["finger-reply",5,"Alpha",0,"Pyg","bob","Ann",0,0,0,"Mon Jan  1 10:00:00 2024",[0-9]+,0,0,0\]'
	wait_for_line "$(T r.log)" '"packet":\["locate-reply",5,"Alpha",0,"Pyg","bob","Alpha","Ann",[0-9]+,"online"\]'
}
