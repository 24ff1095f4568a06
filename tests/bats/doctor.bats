#!/usr/bin/env bats
# doctor.bats: "i3gw doctor" names the cause of each broken set-up: a
# healthy one, a config others may write, a state directory a running
# gateway holds, a router that refuses the startup with each error, one
# that says nothing, one that is not there, a port in use, pacing over the
# flood rule, a TLS key that does not match its certificate.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	T="$BATS_TEST_TMPDIR"
	# the default socket of this test's own, never another gateway's
	mkdir -p -m 700 "$T/run"
	export XDG_RUNTIME_DIR="$T/run"
}

teardown() {
	stop_all
}

# conf [LINES...]: $T/a.conf for MUD Alpha on the test router, mode 0600.
conf() {
	{
		printf '[mud]\nname = Alpha\nadmin_email = a@localhost\n'
		printf '\n[router *test]\nhost = 127.0.0.1\nport = %s\n' \
		    "${ROUTER_PORT:-1}"
		printf '\n[limits]\nstartup_timeout = 5s\n'
		local l
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} > "$T/a.conf"
	chmod 600 "$T/a.conf"
}

# doctor STATUS [ARGS...]: i3gw doctor on a.conf, which must exit STATUS.
doctor() {
	local st=$1
	shift
	run -"$st" --separate-stderr "$I3GW" doctor -f "$T/a.conf" \
	    --state-dir "$T/a.state" "$@"
}

# refusing CODE TEXT: a router that answers the startup with that error.
refusing() {
	{
		echo 'expect startup-req-3'
		echo "send [\"error\",5,\"*test\",0,\"%MUD\",0,\"$1\",\"$2\",0]"
		echo 'drop'
	} > "$T/script.txt"
	router_start -s "$T/script.txt"
}

@test "doctor: a healthy set-up, and the password it was issued kept" {
	router_start
	conf
	doctor 0
	[ "${lines[-1]}" = "healthy" ]
	echo "$output" | grep -qE '^ok +router +\*test: 127\.0\.0\.1 port [0-9]+ answered the startup in [0-9]+ ms$'
	echo "$output" | grep -qE '^info +router +\*test: issued a password, now kept'
	echo "$output" | grep -qE '^ok +mudlist +\*test: lists Alpha as up at 127\.0\.0\.1$'
	# the second run starts up with it: nothing issued, no warning
	doctor 0 --json
	[ "$(echo "$output" | jq -c .healthy)" = true ]
	[ "$(echo "$output" | jq -r '.checks[] | select(.area=="state" and .subject=="*test") | .text')" = \
	    "holds the password the router issued to Alpha" ]
	[ "$(echo "$output" | jq '[.checks[] | select(.status != "ok" and .status != "info")] | length')" = 0 ]
}

@test "doctor: a config its group may write is named, with the fix" {
	router_start
	conf
	chmod 664 "$T/a.conf"
	doctor 1
	[ "${lines[0]}" = "fail  config    $T/a.conf: writable by its group (mode 664), refused: chmod go-w it" ]
	[ "${lines[1]}" = "                fix: chmod go-w the file: others could change the router or the keys" ]
	# nothing else is tried on a config start would refuse
	[ "${#lines[@]}" -eq 3 ]
}

@test "doctor: no config at all says which paths it tried" {
	HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" run -1 --separate-stderr \
	    "$I3GW" doctor --state-dir "$T/a.state"
	echo "${lines[0]}" | grep -qE "^fail  config    no config file found: tried .*$T/home/.config/i3gw/i3gw.conf"
	echo "${lines[1]}" | grep -q 'fix: mkdir -p ~/.config/i3gw && cp share/i3gw.conf.example'
}

@test "doctor: each startup refusal explained" {
	for c in "not-allowed|wrong password, and from a new IP|the name is registered to another IP or password" \
	    "bad-proto|MUD already connected|a MUD of this name is connected already" \
	    "bad-pkt|Bad startup_req packet|the router could not read our startup" \
	    "not-imp|unknown protocol|the router does not speak protocol 3" \
	    "unk-type|unknown packet|the router does not know the startup packet"; do
		IFS='|' read -r code text means <<< "$c"
		refusing "$code" "$text"
		conf
		doctor 1
		echo "$output" | grep -qF "fail  router    *test: refused the startup: $code \"$text\": $means"
		router_stop
	done
}

@test "doctor: a router that stays silent, one that hangs up, one not there" {
	printf 'expect startup-req-3\nsilent\n' > "$T/script.txt"
	router_start -s "$T/script.txt"
	conf
	doctor 1 -t 500ms
	echo "$output" | grep -qF 'fail  router    *test: no answer to the startup within 500 ms'
	router_stop
	printf 'expect startup-req-3\ndrop\n' > "$T/script.txt"
	router_start -s "$T/script.txt"
	conf
	doctor 1
	echo "$output" | grep -qF 'fail  router    *test: closed the connection without answering the startup'
	port=$ROUTER_PORT
	router_stop
	ROUTER_PORT=$port conf
	doctor 1
	echo "$output" | grep -qF "fail  router    *test: cannot connect to 127.0.0.1 port $port: Connection refused"
	echo "$output" | grep -qF 'fix: check host and port in [router NAME]'
}

@test "doctor: a listener port in use, pacing over the flood rule" {
	router_start
	conf "rate = 20" "" "[api]" "tcp = 127.0.0.1:$ROUTER_PORT"
	doctor 1
	echo "$output" | grep -qF "warn  pacing    [limits] rate: 20 a second: over the routers' flood rule of 10 a second"
	echo "$output" | grep -qF "fail  listen    tcp: tcp 127.0.0.1:$ROUTER_PORT: Address already in use"
}

@test "doctor: a TLS key that is not its certificate's" {
	router_start
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=a -days 1 \
	    -keyout "$T/a.key" -out "$T/a.crt" 2>/dev/null
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$T/b.key" 2>/dev/null
	conf "" "[api]" "tcp = 127.0.0.1:0" "tls = yes" "tls_cert = $T/a.crt" \
	    "tls_key = $T/b.key"
	doctor 1
	# (OpenSSL 3's words, as Debian 12 has it)
	echo "$output" | grep -qx "fail  tls       tls_key $T/b.key: error:05800074:x509 certificate routines::key values mismatch"
}

@test "doctor: a state directory a running gateway holds: asked, not bypassed" {
	router_start -l "$T/r.log"
	conf "" "[api]" "socket = $T/a.sock"
	gwd_start a
	gwd_ready a
	doctor 0
	echo "$output" | grep -qF "info  state     $T/a.state: in use by the running i3gw, pid $GWD_PID_a: the routers are checked through it"
	echo "$output" | grep -qE '^ok +router +\*test: the running gateway is connected \([0-9]+ s\), [0-9]+ MUDs up$'
	echo "$output" | grep -qF "info  listen    held by the running gateway: not probed"
	# the doctor did not start up beside it
	[ "$(grep -c '"startup-req-3"' "$T/r.log")" -eq 1 ]
}

@test "doctor: a gateway of another MUD on the socket is not ours: a startup is tried" {
	router_start -l "$T/r.log"
	conf
	sed 's/^name = Alpha$/name = Beta/' "$T/a.conf" > "$T/b.conf"
	chmod 600 "$T/b.conf"
	gwd_start b
	[ -S "$T/run/i3gw/i3gw.sock" ]
	doctor 0
	echo "$output" | grep -qE '^ok +router +\*test: 127\.0\.0\.1 port [0-9]+ answered the startup'
	[ "$(grep -c '"startup-req-3".*"Alpha"' "$T/r.log")" -eq 1 ]
}

@test "doctor: the state's passwords of another MUD name, and a clock gone back" {
	router_start
	conf
	doctor 0
	echo "$output" | grep -qE '^ok +clock +not behind what the state directory recorded$'
	# the same state directory under another name: Alpha's password named, never sent
	sed -i 's/^name = Alpha$/name = Beta/' "$T/a.conf"
	doctor 0
	echo "$output" | grep -qF "info  state     *test: also holds the password this router issued to Alpha (an earlier [mud] name?): never sent for Beta"
	# a credential written an hour from now: the clock went back
	python3 -c 'import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE creds SET updated = ?", (int(time.time()) + 3600,))
db.commit()' "$T/a.state/i3gw.db"
	doctor 1
	echo "$output" | grep -qE '^warn +clock +the state directory was written 3[0-9]{3} s later than this machine.s time now: the clock went back$'
}
