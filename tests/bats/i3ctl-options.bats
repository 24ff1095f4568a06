#!/usr/bin/env bats
# i3ctl-options.bats: the options of every i3ctl command and subcommand, as
# its table and its help have them, against i3ctl(1), both ways
# (tests/helpers/optcheck.py --table).

bats_require_minimum_version 1.5.0

load helpers

optcheck() {
	python3 "$I3_TOP/tests/helpers/optcheck.py" --table "$I3_TOP/bin/i3ctl" "$1"
}

@test "i3ctl(1) documents each command's options under it, and no others" {
	run optcheck "$I3_TOP/docs/i3ctl.1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "optcheck --table reports an option missing, one too many, a stray flag" {
	local m=$BATS_TEST_TMPDIR/i3ctl.1
	sed -e '/^\.It Fl e Ar event , Fl \\-event Ar event$/d' \
	    -e 's/^\.It Fl u , Fl \\-up$/.It Fl u , Fl \\-upp/' \
	    -e 's/^\.It Ic channel leave Ar channel$/&\n.Fl x/' \
	    "$I3_TOP/docs/i3ctl.1" > "$m"
	run -1 optcheck "$m"
	echo "$output"
	[ "$output" = "channel leave: -x in $m is neither its option nor a global one
listen: -e, --event has no .It Fl e ... , Fl \\-event under it in $m
mudlist: -u, --up has no .It Fl u ... , Fl \\-up under it in $m
mudlist: -u, --upp described under it in $m is not an option
mudlist: --upp in $m is neither its option nor a global one" ]
}
