#!/usr/bin/env python3
"""Precision and recall of a kg graph against expected-facts files.

usage: score_unseen.py GRAPH.nt EXPECTED_DIR [MIN_PRECISION MIN_RECALL]

EXPECTED_DIR holds NAME.tsv files (subject_label, predicate, object_label,
qualifier or -) for documents NAME.txt.  A fact of the graph belongs to
the document its evidence names (kg:sourcePath ending in NAME.txt).
Labels are compared after NFKC, case folding and dropping spaces, hyphens
and dots, against every rdfs:label and skos:altLabel of a node.
Prints per document and total figures; exits 1 below the bars.
"""
import collections
import glob
import os
import re
import sys
import unicodedata

KG = "http://example.org/kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LABELS = ("http://www.w3.org/2000/01/rdf-schema#label",
          "http://www.w3.org/2004/02/skos/core#altLabel")
PROV = "http://www.w3.org/ns/prov#wasDerivedFrom"
SYMMETRIC = {"partnersWith", "competesWith"}
TERM = re.compile(r'<([^>]*)>|"((?:[^"\\]|\\.)*)"(?:@[\w-]+|\^\^<[^>]*>)?')


def unescape(s):
    return re.sub(r'\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)',
                  lambda m: chr(int(m.group(1) or m.group(2), 16))
                  if (m.group(1) or m.group(2)) else m.group(3), s)


def norm(s):
    s = unicodedata.normalize("NFKC", s).casefold()
    return re.sub(r"[\s\-_.·]", "", s)


def parse(path):
    g = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(path, encoding="utf-8"):
        t = [m.group(1) if m.group(1) is not None else unescape(m.group(2))
             for m in TERM.finditer(line)][:3]
        if len(t) == 3:
            g[t[0]][t[1]].append(t[2])
    return g


def facts_by_doc(g):
    """{doc base name: {(s_iri, pred, o_iri): set(qualifiers)}}"""
    out = collections.defaultdict(dict)
    for node, props in g.items():
        if RDF + "Statement" not in props.get(RDF + "type", []):
            continue
        s, o = props[RDF + "subject"][0], props[RDF + "object"][0]
        p = props[RDF + "predicate"][0].rsplit("#", 1)[-1]
        q = set(props.get(KG + "qualifier", []))
        for doc in props.get(PROV, []):
            name = os.path.basename(g[doc][KG + "sourcePath"][0])
            out[name].setdefault((s, p, o), set()).update(q)
    return out


def names(g, node):
    return {norm(v) for prop in LABELS for v in g[node].get(prop, [])}


def score(g, found, expected):
    tp_found, quals_ok, quals_all, matched = 0, 0, 0, set()
    for (s, p, o), qs in found.items():
        hit = None
        for i, (es, ep, eo, eq) in enumerate(expected):
            if ep != p:
                continue
            ns, no = names(g, s), names(g, o)
            if (es in ns and eo in no) or (p in SYMMETRIC and es in no and eo in ns):
                hit = i
                break
        if hit is None:
            print("  false positive: %s %s %s %s" % (
                sorted(names(g, s))[:1], p, sorted(names(g, o))[:1], sorted(qs)))
            continue
        tp_found += 1
        matched.add(hit)
        if expected[hit][3] != "-":
            quals_all += 1
            quals_ok += expected[hit][3] in qs
    for i, row in enumerate(expected):
        if i not in matched:
            print("  missed: %s" % "\t".join(row))
    return tp_found, len(found), len(matched), len(expected), quals_ok, quals_all


def main():
    g = parse(sys.argv[1])
    by_doc = facts_by_doc(g)
    bars = [float(x) for x in sys.argv[3:5]] or [0.0, 0.0]
    totals = [0] * 6
    for tsv in sorted(glob.glob(os.path.join(sys.argv[2], "*.tsv"))):
        name = os.path.basename(tsv)[:-4] + ".txt"
        expected = []
        for line in open(tsv, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                s, p, o, q = line.rstrip("\n").split("\t")[:4]
                expected.append((norm(s), p, norm(o), q))
        print(name)
        r = score(g, by_doc.get(name, {}), expected)
        totals = [a + b for a, b in zip(totals, r)]
        print("  precision=%.3f recall=%.3f" % (r[0] / max(r[1], 1),
                                                r[2] / max(r[3], 1)))
    p = totals[0] / max(totals[1], 1)
    r = totals[2] / max(totals[3], 1)
    q = totals[4] / max(totals[5], 1)
    print("unseen: precision=%.3f recall=%.3f qualifiers=%.3f (%d found, %d expected)"
          % (p, r, q, totals[1], totals[3]))
    return 0 if p >= bars[0] and r >= bars[1] else 1


sys.exit(main())
