#!/bin/sh
# run.sh: run every benchmark program (build/bench/*) and print its figures.
# Figures are printed beside their targets and a reference; nothing here
# fails on time.
set -u
B=${B:-build}
I3_TOP=$(pwd); export I3_TOP
echo "i3 benchmarks on $(uname -m), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
for b in "$B"/bench/*; do
	[ -x "$b" ] || continue
	echo
	echo "== $(basename "$b")"
	"$b" || echo "($(basename "$b") exited $?)"
done
# The delivery fault matrix, long: 2,000 tells a row (the short one, 300
# a row, is in make check: tests/bats/gw-delivery.bats).
if [ -x "$B/tests/faults" ]; then
	echo
	echo "== faults"
	"$B/tests/faults" -n 2000 || echo "(faults exited $?)"
fi
