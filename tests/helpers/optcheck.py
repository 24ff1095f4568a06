#!/usr/bin/env python3
"""optcheck.py: a program's options against its man page, both ways.

  optcheck.py PROGRAM MANPAGE
  optcheck.py --flat PROGRAM MANPAGE

--flat: a program without commands: "PROGRAM --help" lines
"  -x, --long ..." or "      --long ..." against every ".It Fl x" /
".It Fl Fl long" / ".It Fl x ... , Fl Fl long" of the man page, both ways.

PROGRAM lists its commands with "PROGRAM help" (lines "  NAME  summary")
and each command's options with "PROGRAM CMD --help" (lines
"  -x, --long ..."). The man page (mdoc) gives each command's flags in its
SYNOPSIS (".Nm / .Cm CMD / .Op Fl ...") and describes each option with
".It Fl x , Fl \\-long". Prints one line per disagreement; exit 1 if any.
"""
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
    rc, out, err = run(prog, cmd, "--help")
    if rc != 0 or not out or err:
        bad.append(f"{cmd} --help: exit {rc}, {len(out)} bytes on stdout, "
                   f"{len(err)} on stderr (want 0, some, none)")
    rc2, out2, _ = run(prog, "help", cmd)
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


def main():
    if sys.argv[1] == "--flat":
        flat(sys.argv[2], sys.argv[3])
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
