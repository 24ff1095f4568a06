#!/bin/sh
# deps.sh: install the Debian packages the project needs, when missing.
# Runs apt-get as root, through sudo otherwise, and says so when neither works.
# It is the README's first command on a fresh machine, so it needs only sh,
# dpkg and apt (no make yet: build-essential brings it).
# Usage: tests/deps.sh          install what is missing
#        tests/deps.sh --list   print the package names (tests/pkgpath.sh)
#        tests/deps.sh fresh    also debootstrap, for tests/fresh.sh
#        tests/deps.sh deb      also what building the Debian packages needs
set -u
PKGS="build-essential pkg-config clang libclang-rt-14-dev bats \
libjansson-dev libjq-dev libonig-dev libssl-dev libcurl4-openssl-dev \
libsqlite3-dev libinih-dev libmicrohttpd-dev libedit-dev libwslay-dev \
mandoc groff-base openssl python3 curl jq valgrind procps systemd \
python3-websockets nodejs node-ws chromium chromium-driver python3-selenium \
zsh fish python3-aiohttp"
case "${1:-}" in
--list) echo "$PKGS"; exit 0 ;;
fresh) PKGS="$PKGS debootstrap" ;;
deb) PKGS="$PKGS debhelper lintian fakeroot" ;;
esac

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	case "$s" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing:$missing (no apt-get here; install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" = 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
	echo "deps: not root, using sudo to install:$missing" >&2
else
	echo "deps: missing:$missing; not root and no sudo: install them as root" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2 || {
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
}
