#!/bin/sh
# deb.sh: the Debian packages, built, checked and used as a user would.
#
# Clones the checkout's HEAD into a temporary directory, builds the binary
# packages with dpkg-buildpackage -us -uc -b, runs lintian on them (any
# error or warning fails), installs them on this machine with apt-get,
# runs the installed i3gw -n on the example configuration, i3ctl --version,
# checks the programs use the installed libi3.so.0 and the gateway's user
# exists, compiles and runs the README's libi3 example against libi3-dev
# through pkg-config, then purges the packages again (the i3gw system user
# stays, as Debian leaves system users).  Root; about a minute; not part of make
# check (it installs system packages): run by `make debcheck`.
# Usage: tests/deb.sh [REPO]
set -u
LC_ALL=C; export LC_ALL
TOP=$(cd "$(dirname "$0")/.." && pwd)
REPO=${1:-$TOP}
PKGS="libi3-0 libi3-dev intermud3-gateway intermud3-tools"
pass=0; fail=0

die() { echo "deb: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (installs the packages)"
sh "$TOP/tests/deps.sh" deb || die "cannot install the packaging tools"
for p in $PKGS; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' &&
	    die "$p is already installed here: not touching it"
done

W=$(mktemp -d /var/tmp/i3-deb.XXXXXX) || exit 1
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS \
		    >"$W/purge.log" 2>&1 || cat "$W/purge.log"
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {	# ok NAME COMMAND...: one check
	name=$1; shift
	if out=$("$@" 2>&1); then
		pass=$((pass + 1)); echo "ok $name"
	else
		fail=$((fail + 1)); echo "not ok $name"; echo "$out" | sed 's/^/    /' | tail -20
	fi
}

git clone -q "$REPO" "$W/src" || die "git clone $REPO failed"
build() {
	cd "$W/src" && dpkg-buildpackage -us -uc -b >"$W/build.log" 2>&1 ||
	    { tail -30 "$W/build.log"; return 1; }
}
ok "dpkg-buildpackage -us -uc -b" build
if [ "$fail" != 0 ]; then
	echo "$pass passed, $fail failed"
	exit 1
fi
# The packages, and their debug symbols beside them (checked, not installed).
debs=$(ls "$W"/*.deb 2>/dev/null | grep -v -- -dbgsym_)
names=$(echo "$debs" | sed 's,.*/,,; s,_.*,,' | sort | tr '\n' ' ')
ok "packages: $names" test "$names" = "$(echo $PKGS | tr ' ' '\n' | sort | tr '\n' ' ')"
# shellcheck disable=SC2046
ok "lintian: no error, no warning" lintian --fail-on error,warning $(ls "$W"/*.deb)

# shellcheck disable=SC2086
if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $debs >"$W/install.log" 2>&1; then
	installed=1; pass=$((pass + 1)); echo "ok apt-get install the packages"
else
	fail=$((fail + 1)); echo "not ok apt-get install"; tail -20 "$W/install.log"
fi

ex=/usr/share/doc/intermud3-gateway/examples/i3gw.conf.example
ok "i3gw -n on the example configuration" /usr/bin/i3gw -n -f "$ex"
ok "i3ctl --version" sh -c '/usr/bin/i3ctl --version | grep -q "^i3ctl "'
ok "i3codec encodes" sh -c "echo '[\"who-req\",5,\"A\",\"a\",\"B\",0]' |
    /usr/bin/i3codec encode | grep -qx '({\"who-req\",5,\"A\",\"a\",\"B\",0,})'"
ok "i3router --help, and its man page" sh -c \
    '/usr/bin/i3router --help | grep -q "^usage: i3router" &&
    test -f /usr/share/man/man1/i3router.1.gz'
for p in i3gw i3ctl i3codec i3router; do
	ok "$p uses the installed libi3.so.0" sh -c \
	    "ldd /usr/bin/$p | grep -q 'libi3.so.0 => /.*/libi3.so.0'"
done
ok "the i3gw system user exists (sysusers.d)" getent passwd i3gw
ok "units in the systemd unit directory" test -f /lib/systemd/system/i3gw.service \
    -a -f /lib/systemd/system/i3gw.socket
ok "systemd-analyze verify on the installed units" sh -c \
    '[ -z "$(systemd-analyze verify --man=no /lib/systemd/system/i3gw.service \
    /lib/systemd/system/i3gw.socket 2>&1)" ]'
ok "no compiled Python installed" sh -c \
    "! dpkg -L $PKGS | grep -E '\\.pyc\$|__pycache__'"
# Every library i3ctl dlopens is a dependency of its package.
dl() {
	for so in $(grep -ohE '"lib[a-z0-9]+\.so\.[0-9]+"' "$W/src/i3ctl/"*.c | tr -d '"' | sort -u); do
		f=$(ls /usr/lib/*/"$so" 2>/dev/null | head -1)
		[ -n "$f" ] || { echo "$so not found"; return 1; }
		pkg=$(dpkg -S "$f" | cut -d: -f1)
		dpkg-query -W -f='${Depends}\n' intermud3-tools | tr ',' '\n' |
		    grep -qE "^ *$pkg( |\$)" || { echo "$so ($pkg) not in Depends"; return 1; }
	done
}
ok "i3ctl's dlopened libraries are declared" dl

# The README's libi3 example, built as its first comment says.
awk '/^```c$/ { inb = 1; next } inb && /^```/ { exit } inb' "$W/src/README.md" >"$W/frames.c"
ok "the README's libi3 example builds with pkg-config libi3 (libi3-dev) and runs" sh -c \
    "cc -Wall -Wextra -Werror -o '$W/frames' '$W/frames.c' \$(pkg-config --cflags --libs libi3) &&
    [ \"\$(echo '[\"who-req\",5,\"A\",\"a\",\"B\",0]' | /usr/bin/i3codec encode --frame |
    '$W/frames')\" = '[\"who-req\",5,\"A\",\"a\",\"B\",0]' ] &&
    ldd '$W/frames' | grep -q 'libi3.so.0 => /'"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
