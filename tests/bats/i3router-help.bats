#!/usr/bin/env bats
# i3router-help.bats: the router as an installed tool: --help on stdout with
# exit 0, a usage error on stderr with exit 2, and every option of its
# option table described in --help and in i3router(1), and nothing more.

setup() {
	bats_require_minimum_version 1.5.0
	I3_TOP=${I3_TOP:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
	R="$I3_TOP/bin/i3router"
	MAN="$I3_TOP/docs/i3router.1"
}

# The long options of the program's own getopt_long table.
table() {
	sed -n '/struct option longopts\[\]/,/{ NULL, 0, NULL, 0 }/p' \
	    "$I3_TOP/i3router/i3router.c" | sed -n 's/.*{ "\([a-z-]*\)",.*/\1/p' | sort
}

@test "i3router --help: stdout, exit 0; a bad option: stderr, exit 2" {
	run -0 --separate-stderr "$R" --help
	[ -z "$stderr" ]
	[[ "${lines[0]}" == "usage: i3router "* ]]
	[[ "$output" == *"never for the"*"public network"* ]]
	run -0 --separate-stderr "$R" -h
	run -2 --separate-stderr "$R" --no-such-option
	[ -z "$output" ]
	[[ "$stderr" == *"usage: i3router"* ]]
}

@test "i3router: the option table, --help and the man page name the same options" {
	opts=$(table)
	[ "$(echo "$opts" | wc -l)" -ge 16 ]
	help=$("$R" --help | grep -oE -- '--[a-z][a-z-]+' | sed 's/^--//' | sort -u)
	man=$(grep -oE '^\.It Fl .*' "$MAN" | grep -oE '(Fl \\-|Fl [a-z] Ar [^ ]+ , Fl \\-|, Fl \\-)[a-z-]+' |
	    grep -oE '[a-z][a-z-]+$' | sort -u)
	diff <(echo "$opts") <(echo "$help")
	diff <(echo "$opts") <(echo "$man")
	# Short options too: each in the table's getopt string is in both.
	short=$(grep -o 'getopt_long(argc, argv, "[^"]*"' "$I3_TOP/i3router/i3router.c" |
	    sed 's/.*"\(.*\)"/\1/' | tr -d ':' | fold -w1 | sort)
	for c in $short; do
		"$R" --help | grep -q -- "-$c, --" || { echo "-$c not in --help"; false; }
		grep -q "^\.It Fl $c\b" "$MAN" || { echo "-$c not in the man page"; false; }
	done
}

@test "i3router(1) is clean mdoc" {
	run -0 mandoc -Tlint -Wwarning "$MAN"
	[ -z "$output" ]
}
