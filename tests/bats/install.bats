#!/usr/bin/env bats
# install.bats: make install into a DESTDIR gives a usable library (header,
# static and shared libraries with a soname, pkg-config file), the programs
# and man pages; make uninstall takes it all away again.  Into the system
# (no DESTDIR) it runs ldconfig and sysusers; it installs no compiled Python.
# The installed programs use the installed libi3.so.0; the systemd units
# name the installed paths and pass systemd-analyze verify.

bats_require_minimum_version 1.5.0

setup() {
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	D="$BATS_TEST_TMPDIR/root"
	MK="make -s --no-print-directory -C $I3_TOP SANITIZE=${I3_SANITIZE:-}"
}

@test "install, build a program against the installed libi3, uninstall" {
	$MK install DESTDIR="$D" PREFIX=/usr >"$BATS_TEST_TMPDIR/install.log" 2>&1
	for f in usr/bin/i3codec usr/bin/i3gw usr/bin/i3router \
	    usr/share/man/man1/i3router.1 usr/include/i3.h usr/lib/libi3.a \
	    usr/lib/libi3.so usr/lib/libi3.so.0 usr/lib/pkgconfig/libi3.pc \
	    usr/share/man/man1/i3codec.1 usr/share/man/man3/libi3.3 \
	    usr/share/man/man8/i3gw.8 usr/share/man/man5/i3gw.conf.5 \
	    usr/share/i3gw/i3gw.conf.example; do
		[ -e "$D/$f" ] || { echo "missing $f"; false; }
	done
	readelf -d "$D/usr/lib/libi3.so.0" | grep -q 'SONAME.*libi3.so.0'
	# The programs use the installed library, not a copy of it.
	for p in i3codec i3gw i3ctl i3router; do
		readelf -d "$D/usr/bin/$p" | grep -q 'NEEDED.*\[libi3\.so\.0\]' ||
		    { echo "$p does not need libi3.so.0"; false; }
		! nm "$D/usr/bin/$p" | grep -q ' T i3_reader_new$' ||
		    { echo "$p holds libi3 itself"; false; }
	done
	run -0 env LD_LIBRARY_PATH="$D/usr/lib" "$D/usr/bin/i3ctl" --version
	[[ "$output" == "i3ctl "* ]]
	grep -qx 'prefix=/usr' "$D/usr/lib/pkgconfig/libi3.pc"
	grep -qx 'Requires: jansson' "$D/usr/lib/pkgconfig/libi3.pc"

	cat >"$BATS_TEST_TMPDIR/use.c" <<'C'
#include <i3.h>
#include <stdio.h>
#include <stdlib.h>
int
main(void)
{
	json_t	*v = json_pack("[si]", "who-req", 5);
	char	*s = i3_lpc_encode(v, 0, NULL, NULL);

	puts(s);
	free(s);
	json_decref(v);
	return (0);
}
C
	# A sanitizer build's libi3.so needs its runtime, loaded first.
	cc -std=c11 -Wall -Werror ${I3_SANITIZE:+-fsanitize=$I3_SANITIZE} \
	    -I"$D/usr/include" "$BATS_TEST_TMPDIR/use.c" \
	    -L"$D/usr/lib" -li3 -ljansson -o "$BATS_TEST_TMPDIR/use"
	run -0 env LD_LIBRARY_PATH="$D/usr/lib" "$BATS_TEST_TMPDIR/use"
	[ "$output" = '({"who-req",5,})' ]

	$MK uninstall DESTDIR="$D" PREFIX=/usr >/dev/null 2>&1
	left=$(find "$D" -type f -o -type l)
	[ -z "$left" ] || { echo "left behind: $left"; false; }
}

@test "install into the system runs ldconfig, into a DESTDIR does not; no .pyc installed" {
	P="$BATS_TEST_TMPDIR/sys"
	fake="$BATS_TEST_TMPDIR/ldconfig"
	printf '#!/bin/sh\necho "$@" >>"%s.ran"\n' "$fake" >"$fake"
	chmod +x "$fake"
	# A compiled example left in the tree by a run of the Python bot.
	python3 -c 'import py_compile, sys; py_compile.compile(sys.argv[1])' \
	    "$I3_TOP/share/examples/python/i3bot.py"
	ls "$I3_TOP"/share/examples/python/__pycache__/*.pyc

	$MK install PREFIX="$P" LDCONFIG="$fake" SYSUSERS="$fake" \
	    >"$BATS_TEST_TMPDIR/log" 2>&1
	# ldconfig, then systemd-sysusers on the gateway's user.
	[ "$(cat "$fake.ran")" = "$(printf '\n%s' "$P/lib/sysusers.d/i3gw.conf")" ]
	[ -e "$P/lib/libi3.so.0" ]
	[ -z "$(find "$P" -name '*.pyc' -o -name __pycache__)" ]
	$MK uninstall PREFIX="$P" >/dev/null 2>&1
	rm "$fake.ran"

	$MK install DESTDIR="$D" PREFIX=/usr LDCONFIG="$fake" SYSUSERS="$fake" \
	    >"$BATS_TEST_TMPDIR/log" 2>&1
	[ -e "$D/usr/lib/libi3.so.0" ]
	[ ! -e "$fake.ran" ]
}

@test "systemd units: installed paths follow PREFIX, the runtime directory pairs with the socket, systemd-analyze verify" {
	P="$BATS_TEST_TMPDIR/sys"
	$MK install PREFIX="$P" LDCONFIG=true SYSUSERS=true >"$BATS_TEST_TMPDIR/log" 2>&1
	U="$P/lib/systemd/system"
	grep -qx "ExecStart=$P/bin/i3gw -d -f /etc/i3gw.conf" "$U/i3gw.service"
	run -1 grep -q '@[A-Z]*@\|/usr/local' "$U/i3gw.service" "$U/i3gw.socket"
	# The socket lives in the service's RuntimeDirectory, which the service
	# keeps when it stops (else a restart finds the socket's file gone).
	sock=$(sed -n 's/^ListenStream=//p' "$U/i3gw.socket")
	rd=$(sed -n 's/^RuntimeDirectory=//p' "$U/i3gw.service")
	[ "$(dirname "$sock")" = "/run/$rd" ]
	grep -qx 'RuntimeDirectoryPreserve=yes' "$U/i3gw.service"
	# The user the service runs as is the one sysusers.d makes.
	user=$(sed -n 's/^User=//p' "$U/i3gw.service")
	grep -qE "^u $user " "$P/lib/sysusers.d/i3gw.conf"
	[ "$(sed -n 's/^SocketUser=//p' "$U/i3gw.socket")" = "$user" ]
	run systemd-analyze verify --man=no "$U/i3gw.service" "$U/i3gw.socket"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	$MK uninstall PREFIX="$P" >/dev/null 2>&1
	[ -z "$(find "$P" -type f)" ]
}

@test "debian/control: Build-Depends has every library deps.sh installs; i3ctl's dlopened ones are Depends" {
	ctl="$I3_TOP/debian/control"
	bd=" $(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$ctl" | sed 's/^Build-Depends://' |
	    tr ',\n' '  ' | tr -s ' ') "
	# The -dev packages of the build (clang's runtime is for make fuzz).
	for p in $(sh "$I3_TOP/tests/deps.sh" --list); do
		case "$p" in libclang-rt-*) continue ;; lib*-dev) ;; *) continue ;; esac
		[[ "$bd" == *" $p "* ]] || { echo "$p not in Build-Depends"; false; }
	done
	dep=" $(sed -n '/^Package: intermud3-tools$/,/^$/p' "$ctl" |
	    sed -n 's/^Depends://p' | tr ',' ' ' | tr -s ' ') "
	sonames=$(grep -ohE '"lib[a-z0-9]+\.so\.[0-9]+"' "$I3_TOP"/i3ctl/*.c | tr -d '"' | sort -u)
	[ "$(echo "$sonames" | wc -l)" -ge 3 ]
	for so in $sonames; do
		f=$(ls /usr/lib/*/"$so" | head -1)
		pkg=$(dpkg -S "$f" | cut -d: -f1)
		[[ "$dep" == *" $pkg "* ]] || { echo "$so ($pkg) not in intermud3-tools Depends"; false; }
	done
}
