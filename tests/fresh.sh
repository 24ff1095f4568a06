#!/bin/sh
# fresh.sh: the README's first two commands on a truly fresh Debian 12.
#
# Builds a minimal bookworm root with debootstrap (--variant=minbase, plus
# git and ca-certificates, as a newcomer needs to clone) from this machine's
# own apt sources, clones the checkout into it with its git, and runs the
# two commands of the README's first sh block exactly as written there, as
# root, with a clean environment.  Reports each command's exit status and
# time, the packages they installed and the final "N passed, N failed"
# line; unmounts all it mounted and removes the root (unless -k).  Takes
# minutes: not part of make check.  Needs root.  Logs are copied to
# build/fresh/ at the end.
#
# Usage: tests/fresh.sh [-k] [REPO]    REPO defaults to this checkout; its
#        committed HEAD is what gets cloned.
set -u
LC_ALL=C; export LC_ALL
TOP=$(cd "$(dirname "$0")/.." && pwd)
KEEP=0
[ "${1:-}" = -k ] && { KEEP=1; shift; }
REPO=${1:-$TOP}
LOGS=$TOP/build/fresh
SUITE=bookworm

die() { echo "fresh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null 2>&1 || sh "$TOP/tests/deps.sh" fresh ||
    die "no debootstrap"
[ -f "$TOP/README.md" ] || die "no README.md in $TOP"
[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
    echo "fresh: note: $REPO has uncommitted changes; HEAD is what is tested"

# The README's first sh block: its two commands, comments dropped.
CMDS=$(awk '/^```sh$/ { inb = 1; next } inb && /^```/ { exit } inb' \
    "$TOP/README.md" | sed -e 's/[[:space:]]\{1,\}#.*$//' -e '/^[[:space:]]*$/d')
[ "$(echo "$CMDS" | wc -l)" = 2 ] ||
    die "README's first sh block should hold two commands, holds: $CMDS"

# This machine's mirror for the suite, from deb822 .sources or one-line
# .list files (the enabled ones only: the names apt itself reads).
MIRROR=$(for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && cat "$f"; echo; done |
    awk -v s="$SUITE" '
	/^deb[ \t]/ { sub(/\[[^]]*\]/, ""); if ($3 == s) { print $2; exit } }
	/^URIs:/ { uri = $2 }
	/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s && uri != "") { print uri; exit } }
	/^$/ { uri = "" }')
[ -n "$MIRROR" ] || die "no $SUITE source in /etc/apt"

W=$(mktemp -d /var/tmp/i3-fresh.XXXXXX) || exit 1
R=$W/root
OUT=$LOGS
LOGS=$W/logs		# under the tree a make clean would take them away
mkdir -p "$LOGS" || exit 1

# Undo everything: processes still running in the root (a demo left
# behind), then every mount under it, deepest first, then the files.
cleanup() {
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill "${p#/proc/}" 2>/dev/null
	done
	sleep 0.5
	for m in $(awk -v r="$R" 'index($2, r "/") == 1 { print length($2), $2 }' \
	    /proc/self/mounts | sort -rn | cut -d' ' -f2); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	mkdir -p "$OUT" && cp "$LOGS"/* "$OUT"/ && echo "fresh: logs in $OUT/"
	if awk -v r="$R" 'index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
		echo "fresh: still mounted under $R; not removing it" >&2
	elif [ "$KEEP" = 1 ]; then
		echo "fresh: root kept in $R"
	else
		rm -rf --one-file-system "$W"
	fi
	echo "fresh: mounts under $R: $(awk -v r="$R" 'index($2, r "/") == 1' /proc/self/mounts | wc -l)"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

now() { date +%s; }

# 1. The minimal system.
echo "fresh: debootstrap --variant=minbase --include=git,ca-certificates $SUITE from $MIRROR"
t0=$(now)
debootstrap --variant=minbase --include=git,ca-certificates "$SUITE" "$R" \
    "$MIRROR" >"$LOGS/debootstrap.log" 2>&1 ||
    { tail -5 "$LOGS/debootstrap.log"; die "debootstrap failed (log: $LOGS/debootstrap.log)"; }
echo "fresh: minimal root in $(($(now) - t0)) s: $(chroot "$R" dpkg-query -W | wc -l) packages"

# This machine's apt sources and acquire settings, as an installer would
# have written them; the /etc/hosts every installed system has.
rm -f "$R/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && cp "$f" "$R$f"
done
for f in /etc/apt/apt.conf.d/*; do
	grep -q '^Acquire::' "$f" 2>/dev/null && cp "$f" "$R$f"
done
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"

mount -t proc proc "$R/proc" && mount -t sysfs sysfs "$R/sys" &&
    mount --bind /dev "$R/dev" && mount --bind /dev/pts "$R/dev/pts" ||
    die "mount failed"

# 2. The clone, by the root's own git, of the checkout's HEAD (a bundle:
# a worktree's .git points outside the root).
git -C "$REPO" bundle create "$R/root/i3.bundle" HEAD >"$LOGS/clone.log" 2>&1 ||
    { cat "$LOGS/clone.log"; die "git bundle failed in $REPO"; }
in_root() {
	env -i HOME=/root TERM=dumb \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    chroot "$R" /bin/sh -c "$1"
}
in_root 'git -c advice.detachedHead=false clone -q /root/i3.bundle /root/i3 &&
    rm /root/i3.bundle' >>"$LOGS/clone.log" 2>&1 ||
    { cat "$LOGS/clone.log"; die "git clone failed"; }
echo "fresh: cloned $(in_root 'git -C /root/i3 log -1 --format="%h %s"')"
in_root 'dpkg-query -W -f="\${Package}\n"' | sort >"$W/before"

# 3. The README's two commands, one after the other, each in a new shell.
n=0
echo "$CMDS" >"$W/cmds"
while IFS= read -r cmd; do
	n=$((n + 1))
	echo "fresh: \$ $cmd"
	t0=$(now)
	in_root "cd /root/i3 && $cmd" >"$LOGS/cmd$n.log" 2>&1 </dev/null
	rc=$?
	t=$(($(now) - t0))
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$LOGS/cmd$n.log" | tail -1)
	echo "fresh: exit $rc in ${t} s${line:+; last test line: $line}"
	if [ "$rc" != 0 ]; then
		fails=$((fails + 1))
		grep -E '^failed:|^not ok|: not found|command not found' "$LOGS/cmd$n.log" | head -20
		tail -15 "$LOGS/cmd$n.log"
	fi
	echo "$n $rc $t $line" >>"$W/results"
done <"$W/cmds"

in_root 'dpkg-query -W -f="\${Package}\n"' | sort >"$W/after"
new=$(comm -13 "$W/before" "$W/after")
echo "fresh: packages installed by the commands: $(echo "$new" | grep -c .)"
echo "$new" >"$LOGS/packages.txt"
echo "$new" | tr '\n' ' ' | fold -s -w 76 | sed 's/^/    /'
echo

fails=$(awk '$2 != 0' "$W/results" | wc -l)
last=$(tail -1 "$W/results" | cut -d' ' -f4-)
case "$last" in
*" 0 failed"*) ;;
*) fails=$((fails + 1)) ;;
esac
if [ "$fails" = 0 ]; then
	echo "fresh: ok: both README commands succeeded on a minimal $SUITE; $last"
else
	echo "fresh: FAILED"
fi
[ "$fails" = 0 ]
