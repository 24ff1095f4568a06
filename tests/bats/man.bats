#!/usr/bin/env bats
# man.bats: every man page is clean mdoc (mandoc -Tlint) and renders
# without a warning through groff, as man(1) does (a line it cannot
# break, an unknown macro...).

bats_require_minimum_version 1.5.0

pages() {
	ls "$I3_TOP"/docs/*.[1358]
}

@test "man pages: mandoc -Tlint finds nothing" {
	local m out=""
	for m in $(pages); do
		out="$out$(mandoc -Tlint -Wwarning "$m" 2>&1)"
	done
	[ "$out" = "" ]
}

@test "man pages: groff renders them without a warning" {
	local m out=""
	for m in $(pages); do
		out="$out$(groff -mdoc -ww -z -Tutf8 "$m" 2>&1)"
	done
	[ "$out" = "" ]
	[ "$(pages | wc -l)" -ge 6 ]
}
