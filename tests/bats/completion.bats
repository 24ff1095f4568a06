#!/usr/bin/env bats
# completion.bats: completions/ driven in the real interactive bash, zsh and
# fish through a pty: the test router, i3gw on a Unix socket, i3ctl on PATH.
# Each shell loads the committed script as installed: bash sources it, zsh
# finds _i3ctl in $fpath (compinit), fish i3ctl.fish in
# $fish_complete_path.

bats_require_minimum_version 1.5.0

load helpers
load ctl-helpers

teardown() {
	gwsock_stop_all
	router_stop_all
}

# complete_in SHELL LINE: type LINE and a Tab in an interactive SHELL that
# loaded the committed completion script, then go to the start of the line
# and make it `printf '<%s>\n' LINE...`: print each word of the completed
# line as <word>, one a line.  The keys after the Tab wait in the pty until
# the shell has completed.
complete_in() {
	local sh=$1 line=$2 t=$BATS_TEST_TMPDIR
	command -v "$sh" > /dev/null ||
	    { echo "no $sh on PATH (tests/deps.sh installs it)" >&2; return 1; }
	cat > "$t/drive-shell.py" <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time
sh, init, line = sys.argv[1:4]
argv = {"bash": ["bash", "--norc", "--noprofile", "-i"],
	"zsh": ["zsh", "-f", "-i"],
	"fish": ["fish", "--no-config", "-i"]}[sh]
pid, fd = pty.fork()
if pid == 0:
	os.execvp(argv[0], argv)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
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
pump(b"READY", 20)
out = b""
os.write(fd, line.encode() + b"\t")
pump(None, 0.5)
os.write(fd, b"\x01printf '<%s>\\n' \r")
os.write(fd, b"echo DO''NE\r")
pump(b"DONE\r", 20)
os.write(fd, b"exit\r")
pump(None, 0.5)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
PY
	local init
	case $sh in
	bash) init="PS1='\$ '; source '$I3_TOP/completions/i3ctl.bash'" ;;
	zsh) init="PS1='\$ '; bindkey -e; fpath=('$I3_TOP/completions' \$fpath); autoload -U compinit; compinit -u -D" ;;
	fish) init="function fish_prompt; echo '\$ '; end; set -p fish_complete_path '$I3_TOP/completions'" ;;
	esac
	PATH="$I3_TOP/bin:$PATH" HOME="$t" TERM=dumb \
	    python3 "$t/drive-shell.py" "$sh" "$init; echo RE''ADY" "$line" |
	    tee "$t/pty.out" | grep -E "^<.*>\$"
}

# completes SHELL LINE WORD...: after LINE and a Tab in SHELL, the line's
# words are exactly WORD...
completes() {
	local sh=$1 line=$2
	shift 2
	run complete_in "$sh" "$line"
	echo "$output"
	cat "$BATS_TEST_TMPDIR/pty.out" >&2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '<%s>\n' "$@")" ]
}

# await_mud NAME: wait (4 s) until NAME is in the gateway's mudlist.
await_mud() {
	local i
	for i in $(seq 1 40); do
		"$I3CTL" mudlist -r | grep -qx "$1" && return 0
		sleep 0.1
	done
	echo "$1 never in the mudlist" >&2
	return 1
}

gw_ockham() {
	gwsock_start Ockham && await_mud Ockham
}

@test "the committed scripts parse in their shells" {
	run -0 bash -n "$I3_TOP/completions/i3ctl.bash"
	run -0 zsh -n "$I3_TOP/completions/_i3ctl"
	run -0 fish -n "$I3_TOP/completions/i3ctl.fish"
}

# A gateway whose mudlist holds "Dead Souls" too (a MUD that started up
# on the router and left).
gw_deadsouls() {
	router_start
	startup_pkt "Dead Souls" | probe --expect 1 > /dev/null
	gw_ockham && await_mud "Dead Souls"
}

# The cases, each run in each shell.
tell_mud() {
	gw_ockham
	completes "$1" "i3ctl tell bob@Ock" i3ctl tell bob@Ockham
}

mudinfo_mud() {
	gw_ockham
	completes "$1" "i3ctl mudinfo Ock" i3ctl mudinfo Ockham
}

mud_with_space() {
	gw_deadsouls
	completes "$1" "i3ctl who Dea" i3ctl who "Dead Souls"
}

driver_nothing() {
	gw_ockham
	completes "$1" "i3ctl mudlist --driver Ock" i3ctl mudlist --driver Ock
}

listen_event() {
	gw_ockham
	completes "$1" "i3ctl listen -e tell_rec" i3ctl listen -e tell_received
}

listen_channel() {
	gw_ockham
	completes "$1" "i3ctl listen -c imud_g" i3ctl listen -c imud_gossip
}

ignore_channel() {
	gw_ockham
	completes "$1" "i3ctl ignore list --channel imud_g" \
	    i3ctl ignore list --channel imud_gossip
}

subcommand_option() {
	completes "$1" "i3ctl chan history --fol" i3ctl chan history --follow
}

keyfile_file() {
	gw_ockham
	: > "$BATS_TEST_TMPDIR/secret-key.pem"
	completes "$1" "i3ctl --key-file $BATS_TEST_TMPDIR/secret-k" \
	    i3ctl --key-file "$BATS_TEST_TMPDIR/secret-key.pem"
}

@test "bash: tell user@MUD completes the MUD after the @" { tell_mud bash; }
@test "bash: mudinfo completes MUD names (the control case)" { mudinfo_mud bash; }
@test "bash: a MUD name with a space completes as one word" { mud_with_space bash; }
@test "bash: mudlist --driver offers no MUD names" { driver_nothing bash; }
@test "bash: listen -e completes event names from i3gw's event table" { listen_event bash; }
@test "bash: listen -c completes channel names" { listen_channel bash; }
@test "bash: ignore list --channel completes channel names" { ignore_channel bash; }
@test "bash: a subcommand's options after an alias (chan history --fol)" { subcommand_option bash; }
@test "bash: --key-file completes file names" { keyfile_file bash; }

@test "zsh: tell user@MUD completes the MUD after the @" { tell_mud zsh; }
@test "zsh: mudinfo completes MUD names (the control case)" { mudinfo_mud zsh; }
@test "zsh: a MUD name with a space completes as one word" { mud_with_space zsh; }
@test "zsh: mudlist --driver offers no MUD names" { driver_nothing zsh; }
@test "zsh: listen -e completes event names from i3gw's event table" { listen_event zsh; }
@test "zsh: listen -c completes channel names" { listen_channel zsh; }
@test "zsh: ignore list --channel completes channel names" { ignore_channel zsh; }
@test "zsh: a subcommand's options after an alias (chan history --fol)" { subcommand_option zsh; }
@test "zsh: --key-file completes file names" { keyfile_file zsh; }

@test "fish: tell user@MUD completes the MUD after the @" { tell_mud fish; }
@test "fish: mudinfo completes MUD names (the control case)" { mudinfo_mud fish; }
@test "fish: a MUD name with a space completes as one word" { mud_with_space fish; }
@test "fish: mudlist --driver offers no MUD names" { driver_nothing fish; }
@test "fish: listen -e completes event names from i3gw's event table" { listen_event fish; }
@test "fish: listen -c completes channel names" { listen_channel fish; }
@test "fish: ignore list --channel completes channel names" { ignore_channel fish; }
@test "fish: a subcommand's options after an alias (chan history --fol)" { subcommand_option fish; }
@test "fish: --key-file completes file names" { keyfile_file fish; }

@test "installed as debian/rules installs them, zsh and fish look where the scripts are" {
	local t=$BATS_TEST_TMPDIR d=$BATS_TEST_TMPDIR/root mk f
	printf 'include debian/rules\nprint-mk:\n\t@echo $(MK)\n' > "$t/mk.mk"
	mk=$(make -s --no-print-directory -C "$I3_TOP" -f "$t/mk.mk" print-mk)
	[[ $mk == *PREFIX=/usr* ]]
	# shellcheck disable=SC2086
	make -s --no-print-directory -C "$I3_TOP" SANITIZE="${I3_SANITIZE:-}" \
	    install DESTDIR="$d" $mk LDCONFIG=true SYSUSERS=true > "$t/log" 2>&1
	f=$(cd "$d" && find . -name _i3ctl | sed 's/^\.//')
	run -0 zsh -fc 'print -l -- $fpath'
	[[ $'\n'$output$'\n' == *$'\n'"${f%/_i3ctl}"$'\n'* ]]
	f=$(cd "$d" && find . -name i3ctl.fish | sed 's/^\.//')
	HOME=$t run -0 env -u XDG_DATA_DIRS fish -c 'string join \n -- $fish_complete_path'
	[[ $'\n'$output$'\n' == *$'\n'"${f%/i3ctl.fish}"$'\n'* ]]
	# bash-completion's completionsdir
	[ -f "$d/usr/share/bash-completion/completions/i3ctl" ]
}
