#!/usr/bin/env python3
"""Run the README tour and check every output.

usage: tour.py README.md WORKDIR

Reads the section "## A five-minute tour" of README.md.  In each ```console
block, a line starting with "$ " is a command; the lines after it, up to
the next command, are its expected output (standard output and standard
error together).  Commands run in order with bash in WORKDIR (a scratch
copy of the tree); each output must match exactly.  Exits 1 on the first
difference, showing it.
"""
import difflib
import re
import subprocess
import sys


def steps(readme):
    text = open(readme, encoding="utf-8").read()
    m = re.search(r"^## A five-minute tour\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not m:
        sys.exit("README has no tour section")
    for block in re.findall(r"```console\n(.*?)```", m.group(1), re.S):
        cmd, out = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if cmd is not None:
                    yield cmd, out
                cmd, out = line[2:], []
            else:
                out.append(line)
        if cmd is not None:
            yield cmd, out


def main():
    readme, work = sys.argv[1], sys.argv[2]
    n = 0
    for cmd, want in steps(readme):
        r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=300)
        got = r.stdout.decode("utf-8", "replace").splitlines()
        # a pipe through grep may end in 1 when grep drops every line
        if r.returncode not in (0, 1) or got != want:
            print("tour step failed (exit %d): %s" % (r.returncode, cmd))
            sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(
                want, got, "README", "actual", lineterm=""))
            return 1
        n += 1
    print("tour: %d commands, all outputs as in the README" % n)
    return 0 if n else 1


sys.exit(main())
