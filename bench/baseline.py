#!/usr/bin/env python3
"""The Python baseline of kg's benchmark: the same extraction with `re`.

    bench/baseline.py -r RULES_DIR -o OUT.nt [--matcher trie|alternation]
                      [--limit-bytes N] INPUT...

This is what a user might write instead of kg: load the aliases from
entities.ttl (a regex parse of kg's one-line Turtle), find mentions with
one big regex of all aliases (escaped, longest first), split text into
sentences on 。！？!? and on '.' before white space, turn each rule of
bench.rules into a Python regex over the sentence in which each mention
is one private-use character (the design kg uses), apply every rule to
every sentence with two or more mentions, and write N-Triples: the facts,
the types and labels of their entities, and one reified statement per
supporting sentence (rule, document, sentence text), as kg does.

--matcher alternation compiles the aliases as written, a|b|c|...; Python's
`re` then tries every alternative at every position (about 0.02 MB/s on
this corpus).  --matcher trie (the default) compiles the same alternation
factored by common prefixes, which matches the same strings (the longest
alias at the leftmost position) a hundred times faster.

Differences from kg (comparable work, not the same graph):
  * text is lower-cased only: no NFKC, no traditional->simplified, no
    pinyin removal, no encoding detection or HTML/XML markup handling;
  * only kg's generated alias variants are missing (an alias "A B" is not
    also matched as "A-B" or "AB"), no Latin word-boundary check on
    mentions, no open-class entities (`entity`), no references (`ref`),
    no `tag` / `qualify`, no `include`;
  * the sentence splitter is naive (no quotes, abbreviations, line rules);
  * the subset of the rule language that bench/gen.py writes is
    supported: slots, literals, (a|b), @set, <n-m> gaps, [x: a|b] and
    [x: /regex/] slots, `?`, `unless`/`with` guards (sentence or between),
    emit with a constant, a literal slot or vocab(slot) qualifier, and
    `priority` between candidates for the same fact in one sentence.
"""

import argparse
import os
import re
import sys
import time
import urllib.parse

ONTO = "http://example.org/kg/ontology#"
ENT = "http://example.org/kg/entity/"
DOC = "http://example.org/kg/document/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
MENTION = 0xF0000  # mention of type i is chr(MENTION + i)

# ------------------------------------------------------------- gazetteer

STMT = re.compile(r'^e:(\S+)\s+a\s+kg:(\w+)\s*;(.*)\.\s*$', re.M)
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
LABEL = re.compile(r'rdfs:label\s+"((?:[^"\\]|\\.)*)"')


def load_entities(path):
    """{alias (lower case): (key, type)}, {key: label}, [types]."""
    text = open(path, encoding="utf-8").read()
    aliases, labels, types = {}, {}, []
    for key, typ, rest in STMT.findall(text):
        if typ not in types:
            types.append(typ)
        m = LABEL.search(rest)
        labels[key] = m.group(1) if m else key
        for a in STRING.findall(rest):
            aliases.setdefault(a.lower(), (key, typ))
    return aliases, labels, types


def trie_pattern(words):
    """One regex equal to the longest-first alternation of words."""
    root = {}
    for w in words:
        node = root
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node):
        kids = sorted(k for k in node if k)
        if not kids:
            return ""
        alts = [re.escape(k) + emit(node[k]) for k in kids]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    return emit(root)


def mention_regex(aliases, matcher):
    words = sorted(aliases, key=len, reverse=True)
    if matcher == "alternation":
        return re.compile("|".join(re.escape(w) for w in words))
    return re.compile(trie_pattern(words))


# ----------------------------------------------------------------- rules

TOKEN = re.compile(r'''
    (?P<ws>\s+)
  | \{(?P<slot>[^}]*)\}
  | <(?P<lo>\d+)-(?P<hi>\d+)>
  | \[(?P<lit>[^\]]*)\]
  | /(?P<re>(?:[^/\\]|\\.)*)/
  | "(?P<q>[^"]*)"
  | \((?P<alt>[^)]*)\)
  | @(?P<set>[\w.-]+)
  | (?P<opt>\?)
  | (?P<word>[^\s{}<>\[\]/"()@?]+)
''', re.X)


def words_of(spec, sets):
    """Alternatives of `a | "b c" | @set` (lower case)."""
    out = []
    for part in spec.split("|"):
        part = part.strip()
        if part.startswith("@"):
            out += sets[part[1:]]
        elif part:
            out.append(part.strip('"').lower())
    return out


def literal_re(alts):
    return "(?:" + "|".join(re.escape(a) for a in sorted(alts, key=len, reverse=True)) + ")"


def bounded_re(alts):
    """Guard words: Latin words only match as whole words."""
    parts = []
    for a in sorted(alts, key=len, reverse=True):
        p = re.escape(a)
        if a[:1].isascii() and a[:1].isalnum():
            p = r"(?<![a-z0-9])" + p
        if a[-1:].isascii() and a[-1:].isalnum():
            p += r"(?![a-z0-9])"
        parts.append(p)
    return re.compile("|".join(parts))


class Rule:
    pass


def compile_pattern(text, sets, types):
    """Python regex for a pattern; returns (regex, {slot: kind})."""
    parts, slots = [], {}
    for m in TOKEN.finditer(text):
        k = m.lastgroup
        if k == "ws":
            continue
        if k == "opt":
            parts[-1] = "(?:%s)?" % parts[-1]
            continue
        if k == "slot":
            spec = m.group("slot")
            name, _, tspec = spec.rpartition(":")
            enum = tspec.endswith("+")
            cls = "[" + "".join(chr(MENTION + types.index(t)) for t in
                                tspec.rstrip("+").split("|") if t in types) + "]"
            if enum:
                sep = r"\s*(?:,\s*and|、|,|，|和|与|及|/|and)\s*"
                cls = "%s(?:%s%s)*" % (cls, sep, cls)
            if name:
                slots[name] = "entity"
                cls = "(?P<%s>%s)" % (name, cls)
            parts.append(cls)
        elif k in ("lo", "hi"):
            parts.append(".{%s,%s}?" % (m.group("lo"), m.group("hi")))
        elif k == "lit":
            name, _, spec = m.group("lit").partition(":")
            spec = spec.strip()
            body = spec[1:-1] if spec.startswith("/") else literal_re(words_of(spec, sets))
            slots[name.strip()] = "literal"
            parts.append("(?P<%s>%s)" % (name.strip(), body))
        elif k == "re":
            parts.append("(?:%s)" % m.group("re"))
        elif k == "q":
            parts.append(re.escape(m.group("q").lower()))
        elif k == "alt":
            parts.append(literal_re(words_of(m.group("alt"), sets)))
        elif k == "set":
            parts.append(literal_re(sets[m.group("set")]))
        else:
            parts.append(re.escape(m.group("word").lower()))
    return re.compile(r"\s*".join(parts)), slots


EMIT = re.compile(r'emit\s+(\w+)\(\s*([\w.-]+)\s*,\s*([\w.-]+)\s*(?:,\s*(.+?))?\s*\)\s*$')
GUARD = re.compile(r'(with|unless)\s+(.+?)(?:\s+between\s+(\w+)\s+(\w+))?\s*$')
HEAD = re.compile(r'rule\s+(\S+)(?:\s+priority\s+(-?\d+))?\s*=\s*(.*)$')


def statements(path):
    """(first line, continuation lines) per statement, comments removed."""
    out = []
    for line in open(path, encoding="utf-8"):
        line = re.sub(r'\s+#.*$|^#.*$', "", line.rstrip("\n"))
        if not line.strip():
            continue
        if line[0].isspace() and out:
            out[-1][1].append(line.strip())
        else:
            out.append((line.strip(), []))
    return out


def load_rules(rules_dir, types):
    sets, vocabs, rules = {}, {}, []
    files = sorted(f for f in os.listdir(rules_dir) if f.endswith(".rules"))
    for fname in files:
        for head, more in statements(os.path.join(rules_dir, fname)):
            word = head.split()[0]
            if word == "set":
                name, _, spec = head[4:].partition("=")
                sets[name.strip()] = words_of(spec, sets)
            elif word == "vocab":
                table = vocabs.setdefault(head.split()[1], {})
                for line in more:
                    spec, _, value = line.rpartition("->")
                    for w in words_of(spec, sets):
                        table[w] = value.strip()
            elif word == "rule":
                rules.append(make_rule(head, more, sets, types))
            # ref, entity, include, qualify: not supported (see above)
    return rules, vocabs


def make_rule(head, more, sets, types):
    m = HEAD.match(head)
    r = Rule()
    r.id, r.priority = m.group(1), int(m.group(2) or 0)
    pattern, r.guards, r.emits = [m.group(3)], [], []
    for line in more:
        if line.startswith("emit "):
            r.emits.append(EMIT.match(line).groups())
        elif line.startswith(("with ", "unless ")):
            g = GUARD.match(line)
            r.guards.append((g.group(1), bounded_re(words_of(g.group(2), sets)),
                             g.group(3), g.group(4)))
        else:
            pattern.append(line)
    r.regex, r.slots = compile_pattern(" ".join(pattern), sets, types)
    return r


# ------------------------------------------------------------ extraction

SPLIT = re.compile(r"[。！？!?\n]+|\.(?=\s|$)")


class Extractor:
    def __init__(self, rules_dir, matcher):
        ents = os.path.join(rules_dir, "entities.ttl")
        self.aliases, self.labels, self.types = load_entities(ents)
        self.mentions = mention_regex(self.aliases, matcher)
        self.rules, self.vocabs = load_rules(rules_dir, self.types)
        self.facts = {}  # (s, p, o, q) -> [(doc, rule, sentence)]
        self.etype = {}

    def sentence(self, doc, sent):
        found = list(self.mentions.finditer(sent))
        if len(found) < 2:
            return
        enc, ments, pos, at = [], {}, 0, 0
        for m in found:
            enc.append(sent[pos:m.start()])
            at += m.start() - pos
            key, typ = self.aliases[m.group()]
            ments[at] = key
            at += 1
            enc.append(chr(MENTION + self.types.index(typ)))
            self.etype[key] = typ
            pos = m.end()
        enc.append(sent[pos:])
        text = "".join(enc)
        cands = {}
        for order, rule in enumerate(self.rules):
            for m in rule.regex.finditer(text):
                if self.blocked(rule, m, text):
                    continue
                for fact in self.emits(rule, m, ments):
                    best = cands.get(fact[:3])
                    rank = (rule.priority, m.end() - m.start(), -order)
                    if best is None or rank > best[0]:
                        cands[fact[:3]] = (rank, fact[3], rule.id)
        for (s, p, o), (_, q, rid) in cands.items():
            self.facts.setdefault((s, p, o, q), []).append((doc, rid, sent))

    def blocked(self, rule, m, text):
        for kind, words, x, y in rule.guards:
            span = text
            if x:
                (sx, ex), (sy, ey) = m.span(x), m.span(y)
                span = text[ex:sy] if sx < sy else text[ey:sx]
            hit = words.search(span) is not None
            if hit == (kind == "unless"):
                return True
        return False

    def members(self, m, name, ments):
        a = m.start(name)
        return [ments[a + i] for i, c in enumerate(m.group(name)) if ord(c) >= MENTION]

    def emits(self, rule, m, ments):
        for pred, subj, obj, qual in rule.emits:
            q = None
            if qual:
                if qual.startswith('"'):
                    q = qual.strip('"')
                elif "(" in qual:
                    vocab, slot = qual.rstrip(")").split("(")
                    q = self.vocabs.get(vocab, {}).get(m.group(slot.strip()))
                    if q is None:
                        continue
                else:
                    q = m.group(qual)
            ss = self.members(m, subj, ments) if subj in rule.slots else [subj]
            os_ = self.members(m, obj, ments) if obj in rule.slots else [obj]
            for s in ss:
                for o in os_:
                    if s != o:
                        yield (s, pred, o, q)

    def document(self, doc, text):
        for sent in SPLIT.split(text.lower()):
            if sent.strip():
                self.sentence(doc, sent.strip())


def nt_string(s):
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s.replace("\n", "\\n").replace("\r", "\\r") + '"'


def write_nt(ex, path):
    out, n = [], 0
    iri = lambda k: "<%s%s>" % (ENT, urllib.parse.quote(k))
    used = set()
    for (s, p, o, q), evidence in sorted(ex.facts.items(), key=lambda kv: str(kv[0])):
        used.update((s, o))
        S, P, O = iri(s), "<%s%s>" % (ONTO, p), iri(o)
        out.append("%s %s %s .\n" % (S, P, O))
        for doc, rid, sent in evidence:
            n += 1
            b = "_:e%d" % n
            out.append("%s <%stype> <%sStatement> .\n" % (b, RDF, RDF))
            out.append("%s <%ssubject> %s .\n%s <%spredicate> %s .\n%s <%sobject> %s .\n"
                       % (b, RDF, S, b, RDF, P, b, RDF, O))
            if q:
                out.append("%s <%squalifier> %s .\n" % (b, ONTO, nt_string(q)))
            out.append("%s <%srule> %s .\n" % (b, ONTO, nt_string(rid)))
            out.append("%s <%sdocument> <%s%s> .\n" % (b, ONTO, DOC, urllib.parse.quote(doc)))
            out.append("%s <%ssentence> %s .\n" % (b, ONTO, nt_string(sent)))
    for k in sorted(used):
        if k in ex.labels:
            out.append("%s <%stype> <%s%s> .\n" % (iri(k), RDF, ONTO, ex.etype.get(k, "Stance")))
            out.append("%s <%slabel> %s .\n" % (iri(k), RDFS, nt_string(ex.labels[k])))
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(out)


def inputs(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    yield os.path.join(root, f)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser(description="Python re baseline of kg build")
    ap.add_argument("-r", "--rules", required=True)
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--matcher", choices=("trie", "alternation"), default="trie")
    ap.add_argument("--limit-bytes", type=int, default=0,
                    help="stop after the file that reaches N bytes")
    ap.add_argument("inputs", nargs="+")
    a = ap.parse_args()
    t0 = time.time()
    ex = Extractor(a.rules, a.matcher)
    t1 = time.time()
    nbytes = ndocs = 0
    for path in inputs(a.inputs):
        with open(path, "rb") as f:
            raw = f.read()
        nbytes += len(raw)
        ndocs += 1
        ex.document(os.path.relpath(path, os.path.commonpath(a.inputs)),
                    raw.decode("utf-8", "replace"))
        if a.limit_bytes and nbytes >= a.limit_bytes:
            break
    write_nt(ex, a.out)
    t2 = time.time()
    print("baseline: %d rules, %d aliases, %d documents, %d bytes, %d facts; "
          "load %.2f s, extract+write %.2f s" % (len(ex.rules), len(ex.aliases), ndocs,
                                                 nbytes, len(ex.facts), t1 - t0, t2 - t1),
          file=sys.stderr)
    print(nbytes)


if __name__ == "__main__":
    main()
