#!/usr/bin/env python3
"""Check every piece of evidence in a kg graph against the original files.

usage: evidence.py GRAPH.nt INPUT_ROOT

For each evidence node: the document named by prov:wasDerivedFrom is read
from INPUT_ROOT (its kg:sourcePath); the code points [kg:sentenceBegin,
kg:sentenceEnd) must be exactly the sentence text (nif:anchorOf), and the
code points [nif:beginIndex, nif:endIndex) — the text that states the
fact — must lie inside the sentence and contain a surface form (label or
alias) of the subject or of the object (one end may be a constant of the
rule, such as a stance; a pronoun may stand for the other).  Prints a summary; exits 1 on the
first mismatch.
"""
import collections
import re
import sys
import unicodedata

KG = "http://example.org/kg/ontology#"
NIF = "http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#"
PROV = "http://www.w3.org/ns/prov#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"

TERM = re.compile(r'<([^>]*)>|"((?:[^"\\]|\\.)*)"(?:@[\w-]+|\^\^<[^>]*>)?')


def unescape(s):
    return re.sub(r'\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)',
                  lambda m: chr(int(m.group(1) or m.group(2), 16))
                  if (m.group(1) or m.group(2))
                  else {"n": "\n", "t": "\t", "r": "\r"}.get(m.group(3), m.group(3)),
                  s)


def parse(path):
    g = collections.defaultdict(lambda: collections.defaultdict(list))
    for line in open(path, encoding="utf-8"):
        terms = []
        for m in TERM.finditer(line):
            terms.append(m.group(1) if m.group(1) is not None
                         else unescape(m.group(2)))
            if len(terms) == 3:
                break
        if len(terms) == 3:
            g[terms[0]][terms[1]].append(terms[2])
    return g


# Words that stand for an entity named earlier (rules/*.rules `ref`).
REFERENCES = ["他", "她", "它", "其", "该公司", "這家公司", "这家公司", "該公司",
              "he", "she", "it", "the company"]


def fold(s):
    return unicodedata.normalize("NFKC", s).casefold()


def main():
    graph, root = parse(sys.argv[1]), sys.argv[2]
    checked = 0
    for node, props in graph.items():
        if RDF + "Statement" not in props.get(RDF + "type", []):
            continue
        s, o = props[RDF + "subject"][0], props[RDF + "object"][0]
        for ev in props.get(KG + "evidence", []):
            e = graph[ev]
            doc = graph[e[PROV + "wasDerivedFrom"][0]]
            path = root + "/" + doc[KG + "sourcePath"][0]
            text = open(path, encoding="utf-8-sig").read()
            b, en = int(e[NIF + "beginIndex"][0]), int(e[NIF + "endIndex"][0])
            sb, se = int(e[KG + "sentenceBegin"][0]), int(e[KG + "sentenceEnd"][0])
            sentence = e[NIF + "anchorOf"][0]
            if text[sb:se] != sentence:
                print("MISMATCH %s sentence [%d,%d) %r != %r"
                      % (path, sb, se, text[sb:se], sentence))
                return 1
            if not (sb <= b < en <= se):
                print("MISMATCH %s span [%d,%d) outside sentence [%d,%d)"
                      % (path, b, en, sb, se))
                return 1
            cut = fold(text[b:en])
            forms = [f for end in (s, o)
                     for f in graph[end][RDFS + "label"] + graph[end][SKOS + "altLabel"]]
            if not any(fold(f) in cut for f in forms + REFERENCES):
                print("MISMATCH %s [%d,%d) %r names neither end %r"
                      % (path, b, en, text[b:en], forms))
                return 1
            checked += 1
    print("evidence checked: %d" % checked)
    return 0 if checked else 1


sys.exit(main())
