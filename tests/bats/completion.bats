#!/usr/bin/env bats
# completion.bats: completions/ driven in the real interactive bash through
# a pty: the test router, i3gw on a Unix socket, i3ctl on PATH.

bats_require_minimum_version 1.5.0

load helpers
load gw-helpers
load ctl-helpers

teardown() {
	gwsock_stop_all
	router_stop_all
}

# complete_in SHELL LINE: type LINE and a Tab in an interactive SHELL that
# loaded the committed completion script, then go to the start of the line
# and make it `printf '<%s>\n' LINE...`: print each word of the completed
# line as <word>, one a line.
complete_in() {
	local sh=$1 line=$2 t=$BATS_TEST_TMPDIR
	cat > "$t/drive-shell.py" <<'PY'
import os, pty, select, sys, time
sh, init, line = sys.argv[1:4]
argv = {"bash": ["bash", "--norc", "--noprofile", "-i"]}[sh]
pid, fd = pty.fork()
if pid == 0:
	os.execvp(argv[0], argv)
out = b""
def pump(until, secs):
	global out
	end = time.time() + secs
	while time.time() < end:
		r, _, _ = select.select([fd], [], [], 0.1)
		if r:
			try:
				out += os.read(fd, 4096)
			except OSError:
				return
		if until is not None and until in out:
			return
os.write(fd, init.encode() + b"\r")
pump(b"READY", 10)
out = b""
os.write(fd, line.encode() + b"\t")
pump(None, 2)
os.write(fd, b"\x01printf '<%s>\\n' \r")
pump(b"DONE", 3)
os.write(fd, b"echo DO''NE\r")
pump(b"DONE\r", 5)
os.write(fd, b"exit\r")
pump(None, 1)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
PY
	local init
	case $sh in
	bash) init="PS1='\$ '; source '$I3_TOP/completions/i3ctl.bash'; echo RE''ADY" ;;
	esac
	PATH="$I3_TOP/bin:$PATH" HOME="$t" TERM=dumb \
	    python3 "$t/drive-shell.py" "$sh" "$init" "$line" |
	    tee "$t/pty.out" | grep -E "^<.*>\$"
}

gw_ockham() {
	gwsock_start Ockham
	for i in $(seq 1 40); do
		"$I3CTL" mudlist -r | grep -qx Ockham && return 0
		sleep 0.1
	done
	echo "Ockham never in its own mudlist" >&2
	return 1
}

@test "bash: tell user@MUD completes the MUD after the @" {
	gw_ockham
	run -0 complete_in bash "i3ctl tell bob@Ock"
	echo "$output"; cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[[ $output == *"<bob@Ockham>"* ]]
}

@test "bash: mudinfo completes MUD names (the control case)" {
	gw_ockham
	run -0 complete_in bash "i3ctl mudinfo Ock"
	echo "$output"; cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[[ $output == *"<Ockham>"* ]]
}

@test "bash: mudlist --driver offers no MUD names" {
	gw_ockham
	run -0 complete_in bash "i3ctl mudlist --driver Ock"
	echo "$output"; cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[[ $output == *"<Ock>"* ]]
}

@test "bash: listen -e completes event names from i3gw's event table" {
	gw_ockham
	run -0 complete_in bash "i3ctl listen -e tell_rec"
	echo "$output"; cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[[ $output == *"<tell_received>"* ]]
}

@test "bash: --key-file completes file names" {
	gw_ockham
	: > "$BATS_TEST_TMPDIR/secret-key.pem"
	run -0 complete_in bash "i3ctl --key-file $BATS_TEST_TMPDIR/secret-k"
	echo "$output"; cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[[ $output == *"<$BATS_TEST_TMPDIR/secret-key.pem>"* ]]
}
