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
