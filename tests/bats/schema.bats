#!/usr/bin/env bats
# schema.bats: i3codec's packet options: schema, --named/--raw, named encode.

bats_require_minimum_version 1.5.0

setup() {
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	C="$I3_TOP/bin/i3codec"
}

tell_lpc='({"tell",5,"Alpha","bob","Beta","ann","Bob","hi",})'
tell_named='{"type":"tell","ttl":5,"originator_mud":"Alpha","originator_user":"bob","target_mud":"Beta","target_user":"ann","orig_visname":"Bob","message":"hi"}'

@test "decode prints the named form by default" {
	run -0 sh -c "printf '%s\n' '$tell_lpc' | '$C' decode -l"
	[ "$output" = "$tell_named" ]
}

@test "decode --named and --raw" {
	run -0 sh -c "printf '%s\n' '$tell_lpc' | '$C' decode -l --named"
	[ "$output" = "$tell_named" ]
	run -0 sh -c "printf '%s\n' '$tell_lpc' | '$C' decode -l --raw"
	[ "$output" = '["tell",5,"Alpha","bob","Beta","ann","Bob","hi"]' ]
}

@test "encode takes the named form and gives the same bytes back" {
	run -0 sh -c "printf '%s\n' '$tell_named' | '$C' encode"
	[ "$output" = "$tell_lpc" ]
}

@test "decode | encode round trip of a mudlist is byte-exact" {
	lpc='({"mudlist",5,"*dsr",0,"ProbeMud",0,3,(["ProbeMud":({-1,"127.0.0.1",4000,0,0,"ProbeLib","ProbeLib","python-probe","LP","mudlib development","admin@localhost",(["channel":1,"tell":1,]),0,}),"Old":({0,"10.0.0.1",23,0,0,"L","L","D","LP","open",([]),}),]),})'
	run -0 sh -c "printf '%s\n' '$lpc' | '$C' decode -l 2>/dev/null | '$C' encode"
	[ "$output" = "$lpc" ]
}

@test "lenient deviations are warnings on stderr, output still named" {
	run -0 sh -c "printf '%s\n' '({\"tell\",5,\"A\",\"bob\",\"B\",\"ann\",\"Bob\",})' | '$C' decode -l 2>&1 >/dev/null"
	[[ "$output" == *"warning: tell: message missing"* ]]
}

@test "encode refuses a named packet with an unknown field" {
	run -1 sh -c "printf '%s\n' '{\"type\":\"tell\",\"ttl\":5,\"originator_mud\":\"A\",\"originator_user\":0,\"target_mud\":\"B\",\"target_user\":0,\"orig_visname\":\"x\",\"mesage\":\"hi\"}' | '$C' encode"
	[[ "$output" == *'unknown field "mesage"'* ]]
}

@test "schema lists every type of i3-protocol.md section 3" {
	run -0 "$C" schema
	for t in startup-req-1 startup-req-2 startup-req-3 startup-reply mudlist \
	    chanlist-reply error shutdown tell emoteto beep who-req who-reply \
	    finger-req finger-reply locate-req locate-reply channel-m channel-e \
	    channel-t channel-add channel-remove channel-admin channel-listen \
	    chan-who-req chan-who-reply chan-user-req chan-user-reply \
	    chan-filter-req chan-filter-reply chan-adminlist chan-adminlist-reply \
	    chanlist-req auth-mud-req auth-mud-reply ucache-update oob-req \
	    router-shutdown ping-req ping-reply chan-ack; do
		[[ "$output" == *"$t ("* ]] || { echo "missing $t"; false; }
	done
}

@test "schema TYPE prints fields and an example" {
	run -0 "$C" schema locate-reply
	[[ "$output" == *"located_visname"* ]]
	[[ "$output" == *"older form: 8 elements"* ]]
	[[ "$output" == *"example: ({\"locate-reply\""* ]]
}

@test "schema --json is JSON with every type" {
	run -0 sh -c "'$C' schema --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(len(s[\"packets\"]))'"
	[ "$output" -ge 41 ]
	run -0 sh -c "'$C' schema --json tell | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"elements\"], s[\"fields\"][1][\"name\"])'"
	[ "$output" = "8 message" ]
}

@test "schema of an unknown type fails" {
	run -1 "$C" schema no-such-packet
	[[ "$output" == *"unknown packet type"* ]]
}
