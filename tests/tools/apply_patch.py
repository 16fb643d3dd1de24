#!/usr/bin/env python3
"""Apply an RDF Patch (TX/TC, A and D rows of N-Triples/N-Quads terms) to
a graph given as N-Triples and compare the result with another graph.

usage: apply_patch.py OLD.nt PATCH NEW.nt
Exits 0 when OLD + PATCH == NEW (as sets of statements), 1 otherwise and
prints the difference.  A test helper: the triple store stand-in that
proves a patch from `kg diff -f patch` brings OLD to NEW.  Lines are
compared after \\uXXXX escapes are decoded, since N-Triples writers differ
in which characters they escape."""
import re
import sys

ESC = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def canon(line):
    line = ESC.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), line)
    return re.sub(r"\s+\.$", " .", line.strip())


def lines(path):
    return {canon(l) for l in open(path, encoding="utf-8")
            if l.strip() and not l.startswith("#")}


graph = lines(sys.argv[1])
in_tx = False
for row in open(sys.argv[2], encoding="utf-8"):
    row = row.rstrip("\n")
    if row in ("TX .", "TX"):
        in_tx = True
    elif row in ("TC .", "TC"):
        in_tx = False
    elif row[:2] in ("A ", "D ") and in_tx:
        (graph.add if row[0] == "A" else graph.discard)(canon(row[2:]))
    elif row:
        sys.exit("bad patch row: %r" % row)
if in_tx:
    sys.exit("patch has no TC")
want = lines(sys.argv[3])
for l in sorted(graph - want):
    print("extra:", l)
for l in sorted(want - graph):
    print("missing:", l)
sys.exit(0 if graph == want else 1)
