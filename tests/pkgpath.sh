#!/bin/sh
# pkgpath.sh: fill DIR with links to the commands that a fresh Debian 12
# has once the project's own packages are in: debootstrap's minbase (every
# "Priority: required" package, and apt), git and ca-certificates for the
# clone, the packages tests/deps.sh installs, and all that these depend on.
# tests/run.sh runs every test with PATH=DIR, so a test or script calling a
# command from a package the project does not install (pgrep without
# procps, ss without iproute2) fails here as it would on a fresh machine,
# not only there.  git is in the base for the clone, but deliberately not in
# DIR: a tarball user has none, so tests must not need it.
# Usage: tests/pkgpath.sh DIR     prints "N commands from M packages"
#        tests/pkgpath.sh -w CMD  which package of the set provides CMD
set -u
LC_ALL=C; export LC_ALL
TOP=$(cd "$(dirname "$0")/.." && pwd)
INFO=/var/lib/dpkg/info

command -v dpkg-query >/dev/null 2>&1 || {
	echo "pkgpath: no dpkg here: PATH left as it is" >&2
	exit 2
}

# The package set: roots, then every installed Pre-Depends/Depends, the
# first installed alternative of each (a virtual name through Provides).
roots="apt ca-certificates $(sh "$TOP/tests/deps.sh" --list)"
set_pkgs=$(dpkg-query -W -f='${db:Status-Abbrev}\t${Package}\t${Priority}\t${Provides}\t${Pre-Depends}, ${Depends}\n' |
    awk -F'\t' -v roots="$roots" '
	function strip(s) {
		sub(/^[ ]+/, "", s); sub(/[ (].*$/, "", s); sub(/:.*$/, "", s)
		return s
	}
	$1 ~ /^ii/ {
		inst[$2] = 1; deps[$2] = $5
		if ($3 == "required") want[$2] = 1
		n = split($4, pv, ",")
		for (i = 1; i <= n; i++) { v = strip(pv[i]); if (v != "" && !(v in prov)) prov[v] = $2 }
	}
	END {
		n = split(roots, r, " ")
		for (i = 1; i <= n; i++) {
			if (!(r[i] in inst)) { print "MISSING " r[i]; continue }
			want[r[i]] = 1
		}
		for (p in want) queue[++q] = p
		while (q > 0) {
			p = queue[q--]
			nd = split(deps[p], d, ",")
			for (i = 1; i <= nd; i++) {
				na = split(d[i], alt, "|"); pick = ""
				for (j = 1; j <= na && pick == ""; j++) {
					a = strip(alt[j])
					if (a in inst) pick = a
					else if (a in prov) pick = prov[a]
				}
				if (pick != "" && !(pick in want)) { want[pick] = 1; queue[++q] = pick }
			}
		}
		for (p in want) print p
	}')
missing=$(echo "$set_pkgs" | sed -n 's/^MISSING //p' | tr '\n' ' ')
[ -z "$missing" ] || {
	echo "pkgpath: not installed here: $missing(run make deps)" >&2
	exit 1
}
lists=$(for p in $set_pkgs; do
	for f in "$INFO/$p.list" "$INFO/$p":*.list; do
		[ -f "$f" ] && echo "$f"
	done
done)

# Every file of the set in a bin directory, /bin and /sbin folded into /usr.
# shellcheck disable=SC2086
files=$(cat $lists | grep -E '^(/usr)?/s?bin/[^/]+$' |
    sed -E 's,^/(s?bin)/,/usr/\1/,' | sort -u)

if [ "${1:-}" = -w ]; then
	# shellcheck disable=SC2086
	grep -lE "^(/usr)?/s?bin/$2\$" $lists 2>/dev/null |
	    sed -e 's,.*/,,' -e 's,\.list$,,' -e 's,:.*,,'
	exit 0
fi

dir=${1:?usage: pkgpath.sh DIR}
rm -rf "$dir" && mkdir -p "$dir" || exit 1
# A command is in when its file, or the file it finally resolves to (cc ->
# /etc/alternatives/cc -> gcc-12), belongs to the set.
ls -d /usr/bin/* /usr/sbin/* >"$dir/.all"
realpath -m -- $(cat "$dir/.all") | sed -E 's,^/(s?bin)/,/usr/\1/,' |
    paste -d ' ' "$dir/.all" - | awk -v files="$files" '
	BEGIN { n = split(files, f, "\n"); for (i = 1; i <= n; i++) in_set[f[i]] = 1 }
	($1 in in_set) || ($2 in in_set) { print $1 }' |
    xargs -r ln -s -t "$dir" 2>/dev/null	# /usr/bin wins over /usr/sbin
rm -f "$dir/.all"
n=$(find "$dir" -type l | wc -l)
echo "pkgpath: $n commands from $(echo "$set_pkgs" | wc -l) packages"
