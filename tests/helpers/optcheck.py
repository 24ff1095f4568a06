#!/usr/bin/env python3
"""optcheck.py: a program's options against its man page, both ways.

  optcheck.py PROGRAM MANPAGE
  optcheck.py --flat PROGRAM MANPAGE
  optcheck.py --table PROGRAM MANPAGE

--flat: a program without commands: "PROGRAM --help" lines
"  -x, --long ..." or "      --long ..." against every ".It Fl x" /
".It Fl Fl long" / ".It Fl x ... , Fl Fl long" of the man page, both ways.

--table: a program with a command table (i3ctl): every command and
subcommand of "PROGRAM list-commands --json", its options as the table
has them and as "PROGRAM help CMD [SUB]" lists them ("  -x, --long ..."),
against its item in the COMMANDS list of the man page (".It Ic CMD ..."
or ".It Xo Ic CMD SUB ..."): the flags of the item's head are the short
options, and each option is an ".It Fl x ... , Fl \\-long ..." of the
item's own list, both ways; any other flag the item mentions is the
command's or a global one (from "PROGRAM help").

PROGRAM lists its commands with "PROGRAM help" (lines "  NAME  summary")
and each command's options with "PROGRAM CMD --help" (lines
"  -x, --long ..."). The man page (mdoc) gives each command's flags in its
SYNOPSIS (".Nm / .Cm CMD / .Op Fl ...") and describes each option with
".It Fl x , Fl \\-long". Prints one line per disagreement; exit 1 if any.
"""
import json
import re
import subprocess
import sys


def run(*args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def commands(prog):
    rc, out, _ = run(prog, "help")
    if rc != 0:
        sys.exit(f"{prog} help: exit {rc}")
    cmds = []
    for line in out.splitlines()[1:]:
        m = re.match(r"^  ([a-z][a-z0-9-]*)\s", line)
        if m and m.group(1) != "help":
            cmds.append(m.group(1))
    return cmds


def help_opts(prog, cmd, bad):
    rc, out, err = run(prog, *cmd.split(), "--help")
    if rc != 0 or not out or err:
        bad.append(f"{cmd} --help: exit {rc}, {len(out)} bytes on stdout, "
                   f"{len(err)} on stderr (want 0, some, none)")
    rc2, out2, _ = run(prog, "help", *cmd.split())
    if rc2 != 0 or out2 != out:
        bad.append(f"help {cmd}: differs from {cmd} --help")
    opts = set()
    for line in out.splitlines():
        m = re.match(r"^\s+-(\w), --([a-z][a-z0-9-]*)", line)
        if m:
            opts.add((m.group(1), m.group(2)))
    return opts


def man_synopsis(text):
    """command -> set of short flags in its SYNOPSIS lines"""
    syn = text.split(".Sh SYNOPSIS", 1)[1].split("\n.Sh ", 1)[0]
    flags, cmd = {}, None
    for line in syn.splitlines():
        if line.startswith(".Nm"):
            cmd = None
        m = re.match(r"^\.Cm (\S+)", line)
        if m:
            cmd = m.group(1)
            flags.setdefault(cmd, set())
            continue
        if cmd is None:
            continue
        for fm in re.finditer(r"Fl (\S+)( Ar)?", line):
            tok = fm.group(1)
            if tok.startswith("\\-"):
                continue
            if fm.group(2) or len(tok) == 1:
                flags[cmd].add(tok[0])
            else:
                flags[cmd].update(tok)
    return flags


def man_described(text):
    return set(re.findall(r"^\.It Fl (\w) , Fl \\-([a-z][a-z0-9-]*)", text,
                          re.M))


def flat(prog, man):
    rc, out, err = run(prog, "--help")
    bad = []
    if rc != 0 or not out or err:
        bad.append(f"--help: exit {rc}, {len(err)} bytes on stderr "
                   "(want 0, none)")
    helped = set()
    for line in out.splitlines():
        m = re.match(r"^\s+(?:-(\w), )?--([a-z][a-z0-9-]*)", line)
        if m:
            helped.add((m.group(1) or "", m.group(2)))
    text = open(man).read()
    described = set()
    for line in text.splitlines():
        m = re.match(r"^\.It Fl (\w)\b(?: Ar \S+)?(?: , Fl Fl "
                     r"([a-z][a-z0-9-]*))?", line)
        if m and m.group(1) != "Fl":
            described.add((m.group(1), m.group(2) or ""))
            continue
        m = re.match(r"^\.It Fl Fl ([a-z][a-z0-9-]*)", line)
        if m:
            described.add(("", m.group(1)))
    for o in sorted(helped - described):
        bad.append(f"-{o[0]}, --{o[1]} of --help is not an .It of {man}")
    for o in sorted(described - helped):
        bad.append(f"-{o[0]}, --{o[1]} of {man} is not in --help")
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


FLAG = re.compile(r"\bFl (\\?-?[A-Za-z][A-Za-z0-9-]*)")
OPTITEM = re.compile(r"^\.It Fl (\w)\b.*?, Fl \\?-([a-z][a-z0-9-]*)")


def flag_words(line):
    """("short", c) or ("long", name) for each Fl of an mdoc line; "Fl Nl"
    is -N and -l."""
    out = []
    for tok in FLAG.findall(line):
        if tok.startswith("\\-") or tok.startswith("-"):
            out.append(("long", tok.lstrip("\\-")))
        else:
            out.extend(("short", c) for c in tok)
    return out


def man_items(text, names):
    """command -> {"head": lines of its .It head, "body": its other lines
    (nested option lists included, nested command items not)}, from the
    COMMANDS section; an .It names a command when its first words after
    Ic are a full name in names."""
    sec = text.split(".Sh COMMANDS", 1)[1].split("\n.Sh ", 1)[0]
    items, owners, inhead = {}, [None], None
    for line in sec.splitlines():
        if line.startswith(".Bl"):
            owners.append(None)
            continue
        if line.startswith(".El"):
            owners.pop()
            continue
        if line.startswith(".It"):
            owners[-1] = None
            m = re.match(r"^\.It (?:Xo )?Ic (\S+)(?: (\S+))?", line)
            if m:
                two = f"{m.group(1)} {m.group(2)}"
                name = two if two in names else m.group(1)
                if name in names:
                    owners[-1] = name
                    items[name] = {"head": [line], "body": []}
                    inhead = name if line.startswith(".It Xo") else None
                    continue
        owner = next((o for o in reversed(owners) if o is not None), None)
        if owner is None:
            continue
        if inhead == owner:
            items[owner]["head"].append(line)
            if line.startswith(".Xc"):
                inhead = None
            continue
        items[owner]["body"].append(line)
    return items


def table(prog, man):
    rc, out, _ = run(prog, "list-commands", "--json")
    if rc != 0:
        sys.exit(f"{prog} list-commands --json: exit {rc}")
    cmds = {}
    for e in json.loads(out):
        for c in e.get("subcommands") or [e]:
            cmds[c["command"]] = {(o["short"], o.get("long", ""))
                                  for o in c["options"]}
    rc, out, _ = run(prog, "help")
    glob = set()
    for line in out.split("\ncommands:", 1)[0].splitlines():
        m = re.match(r"^  (?:-(\w), )?--([a-z][a-z0-9-]*)", line)
        if m:
            glob.update({("short", m.group(1)), ("long", m.group(2))})
    glob.discard(("short", None))
    text = open(man).read()
    items = man_items(text, set(cmds))
    bad = []
    for cmd, opts in sorted(cmds.items()):
        helped = help_opts(prog, cmd, bad)
        if helped != opts:
            bad.append(f"{cmd}: help lists {sorted(helped)}, the table "
                       f"{sorted(opts)}")
        if cmd not in items:
            bad.append(f"{cmd}: no .It in the COMMANDS of {man}")
            continue
        head = {c for line in items[cmd]["head"]
                for k, c in flag_words(line) if k == "short"}
        shorts = {s for s, _ in opts}
        for s in sorted(shorts - head):
            bad.append(f"{cmd}: -{s} is not in its .It line in {man}")
        for s in sorted(head - shorts):
            bad.append(f"{cmd}: -{s} in its .It line in {man} is not "
                       "an option")
        described = {m.groups() for line in items[cmd]["body"]
                     for m in [OPTITEM.match(line)] if m}
        for s, l in sorted(opts - described):
            bad.append(f"{cmd}: -{s}, --{l} has no .It Fl {s} ... , "
                       f"Fl \\-{l} under it in {man}")
        for s, l in sorted(described - opts):
            bad.append(f"{cmd}: -{s}, --{l} described under it in {man} "
                       "is not an option")
        mine = {("short", s) for s, _ in opts} | {("long", l)
                                                   for _, l in opts}
        for line in items[cmd]["head"] + items[cmd]["body"]:
            for w in flag_words(line):
                if w not in mine and w not in glob:
                    dash = "-" if w[0] == "short" else "--"
                    bad.append(f"{cmd}: {dash}{w[1]} in {man} is neither "
                               "its option nor a global one")
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


def main():
    if sys.argv[1] == "--flat":
        flat(sys.argv[2], sys.argv[3])
    if sys.argv[1] == "--table":
        table(sys.argv[2], sys.argv[3])
    prog, man = sys.argv[1], sys.argv[2]
    text = open(man).read()
    syn, desc = man_synopsis(text), man_described(text)
    bad = []
    for cmd in commands(prog):
        opts = help_opts(prog, cmd, bad)
        shorts = {s for s, _ in opts} - {"h"}
        for s, l in sorted(opts):
            if (s, l) not in desc:
                bad.append(f"{cmd}: -{s}, --{l} is not described in {man}")
        if cmd not in syn:
            bad.append(f"{cmd}: not in the SYNOPSIS of {man}")
            continue
        for s in sorted(shorts - syn[cmd]):
            bad.append(f"{cmd}: -{s} is not in its SYNOPSIS in {man}")
        for s in sorted(syn[cmd] - shorts):
            bad.append(f"{cmd}: -{s} in the SYNOPSIS of {man} is not in "
                       f"{cmd} --help")
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
