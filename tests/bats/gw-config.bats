#!/usr/bin/env bats
# gw-config.bats: the configuration key table: comments, -n against what
# start-up refuses, -n -v, environment overrides, SIGHUP key by key, the
# table against i3gw.conf(5), and the one path search i3gw and i3ctl share.

bats_require_minimum_version 1.5.0

load helpers

teardown() {
	stop_all
}

# A fixed config (no router needed for -n).
conf() {
	{
		printf '[mud]\nname = Alpha\n[router *test]\n'
		printf 'host = 127.0.0.1\nport = 4000\n'
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} > "$(T c.conf)"
}

@test "inline comments after whitespace, with # or ;, are not part of values" {
	conf '[limits]' 'rate = 50  # fifty' 'queue = 99 ; ninety-nine' \
	    '[api]' 'tcp = 127.0.0.1:0  # loopback'
	run -0 "$I3GW" -n -v -f "$(T c.conf)"
	[[ "$output" == *$'\nrate = 50\n'* ]]
	[[ "$output" == *$'\nqueue = 99\n'* ]]
	[[ "$output" == *$'\ntcp = 127.0.0.1:0\n'* ]]
}

@test "a tcp address -n accepts is one start-up accepts" {
	router_start
	gwd_conf Alpha 'tcp = 127.0.0.1:0  # loopback, any port'
	run -0 "$I3GW" -n -f "$(T Alpha.conf)"
	gwd_start Alpha
	port=$(gwd_tcp_port Alpha)
	[ -n "$port" ]
	run -0 gwc "tcp:127.0.0.1:$port" "$(rq 1 ping)"
	[[ "$output" == *'"id":1,'* ]]
}

@test "-n refuses what start-up would: bad ports, hosts, several http, tls files" {
	conf '[api]' 'tcp = 127.0.0.1:70000'
	run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"c.conf:7: '127.0.0.1:70000': the port must be 0-65535"* ]]
	conf '[api]' 'tcp = no.such.host.invalid:4040'
	run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"c.conf:7: 'no.such.host.invalid:4040'"* ]]
	conf '[api]' 'http = 127.0.0.1:1, 127.0.0.1:2'
	run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"one address only"* ]]
	conf '[api]' 'tls = yes' "tls_cert = $(T none.pem)" \
	    "tls_key = $(T none.key)" 'tcp = 0'
	run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"tls_cert $(T none.pem)"* ]]
}

@test "the example config and its [api] lines, uncommented, pass -n" {
	cp "$I3_TOP/share/i3gw.conf.example" "$(T ex.conf)"
	run -0 "$I3GW" -n -f "$(T ex.conf)"
	# Every commented [api] line but the TLS and group ones, switched on.
	sed -E -e '/^#\[api\]/,/^# \[key/s/^#(\[api\]|socket |max_|tcp |http |allow |deny |rate |burst |method_|auth_|session_|pause_)/\1/' \
	    "$I3_TOP/share/i3gw.conf.example" > "$(T ex2.conf)"
	grep -q '^tcp = 127.0.0.1:4040' "$(T ex2.conf)"
	run -0 "$I3GW" -n -v -f "$(T ex2.conf)"
	[[ "$output" == *$'\ntcp = 127.0.0.1:4040\n'* ]]
	[[ "$output" == *$'\nallow = 127.0.0.1/32, 10.0.0.0/8\n'* ]]
}

@test "-n -v: every key of the table, secrets masked, the file and the environment named" {
	newkey_out=$("$I3GW" genkey bot)
	hash=$(sed -n 's/^hash = //p' <<< "$newkey_out")
	conf '[key bot]' "hash = $hash" 'permissions = tell'
	I3GW_LIMITS_RATE=3 I3GW_API_MAX_CLIENTS=9 \
	    run -0 "$I3GW" -n -v -f "$(T c.conf)"
	[[ "$output" == *"; read: $(T c.conf)"* ]]
	[[ "$output" == *$'\nrate = 3\t; from I3GW_LIMITS_RATE\n'* ]]
	[[ "$output" == *$'\nmax_clients = 9\t; from I3GW_API_MAX_CLIENTS\n'* ]]
	[[ "$output" == *'hash = sha256:(secret)'* ]]
	[[ "$output" != *"${hash#sha256:}"* ]]
	# Each key of the table appears (set, or "; key (not set)").
	while IFS=$'\t' read -r section key _; do
		case $section in router|key|peer) continue ;; esac
		grep -qE "^(; )?$key( = | \(not set\))" <<< "$output" ||
		    { echo "missing $section.$key"; return 1; }
	done < <("$I3GW" --list-keys)
}

@test "the environment reaches every unnamed section; unknown keys are refused" {
	conf
	I3GW_PRESENCE_SEND_EMAIL=yes I3GW_LOG_TELLS=yes I3GW_API_TCP=0 \
	    run -0 "$I3GW" -n -v -f "$(T c.conf)"
	[[ "$output" == *$'\nsend_email = yes\t; from I3GW_PRESENCE_SEND_EMAIL\n'* ]]
	[[ "$output" == *$'\ntells = yes\t; from I3GW_LOG_TELLS\n'* ]]
	[[ "$output" == *$'\ntcp = 0\t; from I3GW_API_TCP\n'* ]]
	I3GW_LIMITS_NOPE=1 run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"I3GW_LIMITS_NOPE: no such key in [limits]"* ]]
	I3GW_API_RATE=fast run -1 "$I3GW" -n -f "$(T c.conf)"
	[[ "$output" == *"I3GW_API_RATE: bad value for rate: 'fast'"* ]]
}

@test "no config file: the error says which paths were tried" {
	mkdir -p "$(T home)"
	HOME="$(T home)" XDG_CONFIG_HOME= I3GW_CONFIG= \
	    run -1 "$I3GW" -n
	[[ "$output" == *"no config file: tried \$I3GW_CONFIG (not set), $(T home)/.config/i3gw/i3gw.conf, /etc/i3gw.conf"* ]]
}

@test "the key table and i3gw.conf(5) list the same keys in the same sections" {
	"$I3GW" --list-keys | cut -f1,2 | sort > "$(T table)"
	awk '
		/^\.Ss \[/ { s = $2; sub(/^\[/, "", s); sub(/\]$/, "", s);
		    next }
		/^\.Sh / { s = "" }
		s != "" && /^\.It Cm / {
			sub(/^\.It Cm /, "");
			n = split($0, k, / , /);
			for (i = 1; i <= n; i++) {
				w = k[i]; sub(/ .*/, "", w);
				if (w != "") print s "\t" w
			}
		}' "$I3_TOP/docs/i3gw.conf.5" | sort > "$(T doc)"
	run diff "$(T table)" "$(T doc)"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "SIGHUP: each changed key applied, reconnected or named as needing a restart" {
	router_start -l "$(T r.log)"
	gwd_conf Alpha
	newkey_out=$("$I3GW" genkey bot)
	key=$(sed -n 's/^key: //p' <<< "$newkey_out")
	gwd_start Alpha
	wait_for_line "$(T r.log)" '"startup-req-3"'
	# New services, a rate, a TCP listener and a key.
	sed -i 's/^\[limits\]/[limits]\nrate = 3/' "$(T Alpha.conf)"
	sed -i 's/^\[mud\]/[mud]\nservices = tell, channel/' "$(T Alpha.conf)"
	printf 'tcp = 127.0.0.1:0\n' >> "$(T Alpha.conf)"
	sed -n '/^\[key/,$p' <<< "$newkey_out" >> "$(T Alpha.conf)"
	kill -HUP "$GWD_PID_Alpha"
	wait_for_line "$(T Alpha.err)" 'SIGHUP: .*reloaded'
	grep 'SIGHUP' "$(T Alpha.err)"
	grep -q 'changed: mud.services, limits.rate, keys (reconnecting to apply); need a restart, left as they were: api.tcp' "$(T Alpha.err)"
	# The new services reach the router with the next startup.
	wait_for_line "$(T r.log)" '"startup-req-3".*\{"tell":1,"channel":1\}'
	# The key works at once over the Unix socket.
	run -0 gwc "unix:$(T Alpha.sock)" "$(rq 1 authenticate "{\"key\":\"$key\"}")"
	[[ "$output" == *'"authenticated":true,"key":"bot"'* ]]
	# An unchanged file changes nothing.
	kill -HUP "$GWD_PID_Alpha"
	wait_for_line "$(T Alpha.err)" 'changed: nothing; need a restart, left as they were: api.tcp'
}

@test "i3ctl finds the socket where i3gw puts it: XDG_CONFIG_HOME, inline comment" {
	router_start
	mkdir -p "$(T cfg/i3gw)"
	gw_conf Alpha '[api]' "socket = $(T a.sock)   # the socket"
	cp "$(T Alpha.conf)" "$(T cfg/i3gw/i3gw.conf)"
	chmod 600 "$(T cfg/i3gw/i3gw.conf)"
	XDG_CONFIG_HOME="$(T cfg)" "$I3GW" -d --state-dir "$(T st)" \
	    2> "$(T Alpha.err)" &
	GWD_PID_Alpha=$!
	GWD_NAMES="Alpha"
	wait_for_line "$(T Alpha.err)" "listening on .*a.sock"
	XDG_CONFIG_HOME="$(T cfg)" I3_SOCKET= HOME="$(T nohome)" \
	    run "$I3_TOP/bin/i3ctl" ping
	echo "$output"
	[ "$status" -eq 0 ]
}
