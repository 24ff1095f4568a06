#!/usr/bin/env python3
# batscheck.py: check bats files for tests that cannot fail, or that pass
# for more than one outcome.  Usage: batscheck.py FILE...
#
# A .bats file must say `bats_require_minimum_version 1.5.0`.  In any file
# (.bats or a helper .bash), outside comments and here-documents:
#   - no `skip`: a missing tool, feature or socket is a failure;
#   - no statement `! CMD` (bash's errexit ignores a negated command, so it
#     never fails a test; `run -1 CMD` says which status), unless it goes
#     on with `||` (`! CMD || { ...; false; }` fails as it should) or is
#     the last of its function (its status is the function's);
#   - no statement `[ A ] && [ B ]` or `gw_wait ... && CMD` (a failing
#     first part fails nothing, as above);
#   - no probe_bg, gwc_bg, gw_start or gwd_start at the end of a pipe
#     (a subshell: the pid it keeps for stop_all and *_wait is lost);
#   - every `run` names the one exit status it expects: `run -N` (or
#     `run -"$var"`), possibly after --separate-stderr/--keep-empty-lines;
#     a bare `run` only when the lines after the command are lines that
#     print $output/$stderr or a log (echo, printf, cat) and then
#     `[ "$status" -eq N ]`.  `run !` (any status but 0) is not enough.
# Each problem is printed as FILE:LINE: what; exit 1 if there is any.

import re
import sys

HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
ASSIGN = r"(?:[A-Za-z_][A-Za-z_0-9]*=(?:\"[^\"]*\"|'[^']*'|\S+)\s+)*"
RUN = re.compile(r"^\s*" + ASSIGN + r"run(\s+(.*))?$")
SKIP = re.compile(r"(^|[;&|{]|\bthen|\bdo|\belse)\s*skip(\s|;|$)")
NEGATED = re.compile(r"^\s*!\s")
TESTS = re.compile(r"^\s*\[\[? .*\]\]? && \[")
WAITAND = re.compile(r"^\s*(gw_wait|wait_for_line|wait_until|gwd_ready)\b.*&&")
PIPEBG = re.compile(r"\|\s*(probe_bg|gwc_bg|gw_start|gwd_start)\b")
DIAG = re.compile(r"^\s*(echo|printf|cat)\b")
STATUS = re.compile(r'^\s*\[ "\$status" -eq [0-9]+ \]')
FLAG = re.compile(r"--(separate-stderr|keep-empty-lines)$")
PINNED = re.compile(r"-([0-9]+|\"?\$)")


def logical(lines, i):
    """The index of the last line of the command starting at line i."""
    j = i
    while j < len(lines) and lines[j].rstrip().endswith("\\"):
        j += 1
    return j


def heredoc_end(lines, i):
    """Past the body of a here-document opened on line i, if any."""
    line = lines[i].replace("<<<", "")
    m = HEREDOC.search(line)
    if m is None:
        return i
    j = i + 1
    while j < len(lines) and lines[j].strip() != m.group(2):
        j += 1
    return j


def check(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if path.endswith(".bats") and not any(
        l.strip() == "bats_require_minimum_version 1.5.0" for l in lines):
        problems.append((1, "no bats_require_minimum_version 1.5.0"))
    i = 0
    while i < len(lines):
        line = lines[i]
        code = line.split(" #", 1)[0] if not line.lstrip().startswith(
            "#") else ""
        end = logical(lines, i)
        whole = " ".join(l.rstrip("\\") for l in lines[i:end + 1])
        if SKIP.search(code):
            problems.append((i + 1, "skip: a missing thing must fail"))
        last = end + 1 < len(lines) and lines[end + 1].strip() == "}"
        if NEGATED.match(code) and "||" not in whole and not last:
            problems.append((i + 1, "`! CMD` never fails a test: "
                "run -N CMD"))
        if TESTS.match(code) and "||" not in whole and not last:
            problems.append((i + 1, "two tests joined by && pass when "
                "the first is false: one a line"))
        if WAITAND.match(code) and "||" not in whole and not last:
            problems.append((i + 1, "a wait before && fails nothing: "
                "one statement a line"))
        if PIPEBG.search(code):
            problems.append((i + 1, "a helper that starts a process, at "
                "the end of a pipe, runs in a subshell: its pid is lost "
                "(give stdin by redirection)"))
        m = RUN.match(code)
        if m is not None:
            words = (m.group(2) or "").split()
            while words and FLAG.match(words[0]):
                words.pop(0)
            if words and words[0] == "!":
                problems.append((i + 1, "`run !` takes any failure: "
                    "run -N"))
            elif not (words and PINNED.match(words[0])):
                j = heredoc_end(lines, end) + 1
                while j < len(lines) and DIAG.match(lines[j]):
                    j += 1
                if j >= len(lines) or not STATUS.match(lines[j]):
                    problems.append((i + 1, "bare run with no "
                        "[ \"$status\" -eq N ] after it: "
                        "run -N"))
        i = heredoc_end(lines, end) + 1
    return problems


def main():
    bad = 0
    for path in sys.argv[1:]:
        for n, what in check(path):
            print("%s:%d: %s" % (path, n, what))
            bad = 1
    return bad


sys.exit(main())
