#!/usr/bin/env bats
# gw-web.bats: the chat page (share/web) served at / and used in headless
# Chromium through Selenium: log in, join a channel, receive a message sent
# by another gateway through the test router, send a tell that arrives.
# The screenshot is build/ws-page.png.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

@test "web: the page's files at /, with a policy that fetches nothing from another host" {
	router_start
	gwd_conf Alpha "http = 127.0.0.1:0"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	curl -s -m 5 -D "$(T hdr)" -o "$(T index)" "http://127.0.0.1:$hport/"
	grep -qi '^content-type: text/html' "$(T hdr)"
	grep -qi "^content-security-policy: default-src 'self'" "$(T hdr)"
	cmp "$(T index)" "$I3_TOP/share/web/index.html"
	run -0 curl -s -m 5 -o /dev/null -w '%{http_code} %{content_type}' \
	    "http://127.0.0.1:$hport/i3gw.js"
	[ "$output" = "200 text/javascript; charset=utf-8" ]
	run -0 curl -s -m 5 -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$hport/../Makefile"
	[ "$output" = 404 ]
	# A request's head: 2 kB is fine, 6 kB is over the 4 kB a connection
	# holds (what keeps an idle WebSocket client small).
	run -0 curl -s -m 5 -o /dev/null -w '%{http_code}' \
	    -H "X-Big: $(head -c 2000 /dev/zero | tr '\0' a)" \
	    "http://127.0.0.1:$hport/health"
	[ "$output" = 200 ]
	run -0 curl -s -m 5 -o /dev/null -w '%{http_code}' \
	    -H "X-Big: $(head -c 6000 /dev/zero | tr '\0' a)" \
	    "http://127.0.0.1:$hport/health"
	[ "$output" = 431 ]
	# Nothing the page loads names another host.
	run -1 grep -nE '(src|href)="(https?:)?//' "$I3_TOP"/share/web/*
	# web_root elsewhere, missing: 404 and a log line.
	gwd_stop Alpha
	printf 'web_root = %s\n' "$(T nowhere)" >> "$(T Alpha.conf)"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	run -0 curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$hport/"
	[ "$output" = 404 ]
}

@test "web: in headless Chromium: log in, join a channel, a message from another MUD, a tell that arrives, the mudlist, who" {
	local out key keylines
	out=$("$I3GW" genkey web)
	key=$(sed -n 's/^key: //p' <<< "$out")
	keylines=$(sed -n '/^\[key/,$p' <<< "$out")
	router_start
	gw_conf Beta "rate = 0" "[api]" "socket = none"
	gw_start Beta
	gwd_conf Alpha "http = 127.0.0.1:0" "$keylines"
	gwd_start Alpha
	hport=$(gwd_tcp_port Alpha http)
	gw_wait Beta '"mud_online","params":\{"mud":"Alpha"' 10
	gw_call Beta 1 channel_join '{"channel":"dchat"}'
	mkdir -p "$I3_TOP/build"
	rm -f "$I3_TOP/build/ws-page.png"
	/usr/bin/python3 "$I3_TOP/tests/helpers/webpage.py" \
	    "http://127.0.0.1:$hport/" "$key" dchat "hello from Beta" \
	    "bob@Beta" "hi bob, from the web" "$I3_TOP/build/ws-page.png" \
	    > "$(T page.out)" 2>&1 &
	local ppid=$!
	wait_for_line "$(T page.out)" '^joined|^failed' 60
	gw_call Beta 2 channel_send '{"channel":"dchat","from_user":"bob","message":"hello from Beta, %^RED%^in red%^RESET%^"}'
	wait "$ppid" || { cat "$(T page.out)" >&2; false; }
	[ "$(cat "$(T page.out)")" = "$(printf 'loaded\nlogged in\njoined\nreceived\ntold\nfound\nwho')" ]
	gw_wait Beta '"tell_received","params":\{[^}]*"originator_user":"webann"[^}]*"target_user":"bob"[^}]*"message":"hi bob, from the web"' 5
	[ -s "$I3_TOP/build/ws-page.png" ]
}
