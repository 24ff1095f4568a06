#!/usr/bin/env bats
# man.bats: every man page is clean mdoc (mandoc -Tlint) and renders
# without a warning through groff, as man(1) does (a line it cannot
# break, an unknown macro...).

bats_require_minimum_version 1.5.0

# The tree, when bats runs this file alone (run.sh sets it).
: "${I3_TOP:=${BATS_TEST_DIRNAME}/../..}"

# each_page CMD...: CMD's output (stdout and stderr) for every man page;
# fails when there are fewer than 6, so that no page found is no pass.
each_page() {
	local m n=0
	for m in "$I3_TOP"/docs/*.[1358]; do
		[ -e "$m" ] || continue
		n=$((n + 1))
		"$@" "$m" 2>&1
	done
	[ "$n" -ge 6 ] || { echo "only $n man pages under $I3_TOP/docs"; return 1; }
}

@test "man pages: mandoc -Tlint finds nothing" {
	run -0 each_page mandoc -Tlint -Wwarning
	[ "$output" = "" ]
}

@test "man pages: groff renders them without a warning" {
	run -0 each_page groff -mdoc -ww -z -Tutf8
	[ "$output" = "" ]
}
