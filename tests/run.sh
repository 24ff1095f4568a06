#!/bin/sh
# run.sh: run every test program and the bats suites; sum their
# "N passed, N failed" lines into one closing line of the same form.
# Usage: tests/run.sh UNIT_BINARY...
set -u
LC_ALL=C; export LC_ALL
I3_TOP=$(pwd); export I3_TOP
B=${B:-build}
mkdir -p "$B/test-logs"
total_p=0; total_f=0; total_s=0; bad=""

# Every test runs with only the commands of the packages the project
# installs on PATH, as on a fresh Debian 12 (tests/pkgpath.sh).
case "$B" in /*) pp="$B/pkgpath" ;; *) pp="$I3_TOP/$B/pkgpath" ;; esac
sh tests/pkgpath.sh "$pp"
case $? in
0) PATH=$pp; export PATH ;;
2) ;;
*) bad=" pkgpath"; total_f=1 ;;
esac

count() {	# log file -> sets p f from its last summary line
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=$(echo "$line" | sed -E 's/^([A-Za-z-]+: )?([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	[ -n "$line" ] || { p=0; f=1; }
}

# The suite must leave the tree as it found it (build output is ignored).
tree_before=$(git status --porcelain 2>/dev/null)

for t in "$@"; do
	n=$(basename "$t")
	log="$B/test-logs/$n.log"
	"$t" >"$log" 2>&1
	rc=$?
	count "$log"
	[ $rc -ne 0 ] && [ "$f" = 0 ] && f=1
	printf '%-24s %s passed, %s failed\n' "$n" "$p" "$f"
	[ "$f" != 0 ] && { bad="$bad $n"; grep -E '^(not ok|FAIL)' "$log" | head -20; }
	total_p=$((total_p + p)); total_f=$((total_f + f))
done

if ls tests/bats/*.bats >/dev/null 2>&1; then
	for s in tests/bats/*.bats; do
		n=$(basename "$s" .bats)
		log="$B/test-logs/bats-$n.log"
		bats --tap "$s" >"$log" 2>&1
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		sk=$(grep -c '^ok .* # skip' "$log")
		p=$((p - sk))
		if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "$sk" = 0 ]; then f=1; fi
		if [ "$sk" != 0 ]; then
			printf '%-24s %s passed, %s failed, %s skipped\n' \
			    "bats/$n" "$p" "$f" "$sk"
			grep '^ok .* # skip' "$log" | sed 's/^/    /'
		else
			printf '%-24s %s passed, %s failed\n' "bats/$n" "$p" "$f"
		fi
		total_s=$((total_s + sk))
		if [ "$f" != 0 ]; then
			bad="$bad bats/$n"
			grep -A12 '^not ok ' "$log" | head -60
		fi
		total_p=$((total_p + p)); total_f=$((total_f + f))
	done
fi

tree_after=$(git status --porcelain 2>/dev/null)
if [ "$tree_before" = "$tree_after" ]; then
	printf '%-24s 1 passed, 0 failed\n' tree-clean
	total_p=$((total_p + 1))
else
	printf '%-24s 0 passed, 1 failed\n' tree-clean
	echo "the suite changed the tree (git status --porcelain):"
	echo "$tree_before" > "$B/test-logs/tree.before"
	echo "$tree_after" > "$B/test-logs/tree.after"
	diff "$B/test-logs/tree.before" "$B/test-logs/tree.after" |
	    sed 's/^/    /'
	bad="$bad tree-clean"
	total_f=$((total_f + 1))
fi

[ -n "$bad" ] && echo "failed:$bad (logs in $B/test-logs/)"
if [ "$total_s" != 0 ]; then
	echo "$total_p passed, $total_f failed, $total_s skipped"
else
	echo "$total_p passed, $total_f failed"
fi
[ "$total_f" = 0 ]
