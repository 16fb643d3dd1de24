#!/usr/bin/env bash
# kg build on the bundled corpus: outputs accepted by their reference
# parsers, identical to the committed out/, identical across runs and
# thread counts, and every evidence span cuts the stating text.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"

"$KG" build -o "$TMP/a" corpus 2>"$TMP/log" || { cat "$TMP/log"; fail "build"; }
grep -E '^kg: [0-9]+ documents' "$TMP/log" || fail "no summary line"
for f in graph.ttl graph.dot graph.svg ontology.ttl; do
  [ -s "$TMP/a/$f" ] || fail "missing $f"
done
rapper -q -c -i turtle "$TMP/a/graph.ttl" || fail "rapper rejects graph.ttl"
serdi -i turtle "$TMP/a/graph.ttl" >/dev/null || fail "serdi rejects graph.ttl"
dot -Tcanon "$TMP/a/graph.dot" >/dev/null || fail "dot rejects graph.dot"
xmllint --noout "$TMP/a/graph.svg" || fail "xmllint rejects graph.svg"
ls "$TMP/a" | grep -q tmp && fail "temporary file left in output"

# Content: the corpus states these; the graph must hold them.
rapper -q -i turtle -o ntriples "$TMP/a/graph.ttl" >"$TMP/a.nt"
assert_contains "$TMP/a.nt" "ontology#releases>"
assert_contains "$TMP/a.nt" "ontology#advocates>"
assert_contains "$TMP/a.nt" '"open-weights"'
n_facts=$(grep -c '22-rdf-syntax-ns#type> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement>' "$TMP/a.nt")
[ "$n_facts" -ge 10 ] || fail "only $n_facts facts"
python3 tests/tools/evidence.py "$TMP/a.nt" corpus || fail "evidence spans"

# Determinism: a second run, and one thread against two.
"$KG" build -q -j1 -o "$TMP/b" corpus
"$KG" build -q -j2 -o "$TMP/c" corpus
"$KG" build -q -j7 -o "$TMP/d" corpus
for f in graph.ttl graph.dot; do
  cmp "$TMP/a/$f" "$TMP/b/$f" || fail "$f differs between runs"
  cmp "$TMP/b/$f" "$TMP/c/$f" || fail "$f differs between -j1 and -j2"
  cmp "$TMP/b/$f" "$TMP/d/$f" || fail "$f differs between -j1 and -j7"
  cmp "$TMP/a/$f" "out/$f" ||
    fail "out/$f is stale: rebuild with 'build/kg build' and commit out/"
done
# More documents than a build keeps in flight (4 per thread), so their
# result slots are reused: every copy's evidence comes out, the same
# bytes whatever the thread count.
for k in $(seq 1 12); do
  mkdir -p "$TMP/many/c$k"
  cp -r corpus/. "$TMP/many/c$k/"
done
"$KG" build -q -j1 -f nt -o "$TMP/m1" "$TMP/many"
"$KG" build -q -j3 -f nt -o "$TMP/m3" "$TMP/many"
cmp "$TMP/m1/graph.nt" "$TMP/m3/graph.nt" || fail "12 copies: -j1 and -j3 differ"
one=$(grep -c 'nif-core#anchorOf>' "$TMP/a.nt")
many=$(grep -c 'nif-core#anchorOf>' "$TMP/m3/graph.nt")
[ "$many" -eq $((12 * one)) ] ||
  fail "12 copies of the corpus gave $many pieces of evidence, not 12 x $one"
# The picture: an evidence sentence in a tooltip; --focus keeps only the
# neighbourhood (Baidu's founder is in it, OpenAI is not).
sentence=$(python3 - "$TMP/a.nt" <<'PY'
import re, sys
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.search(r'nif-core#anchorOf> "((?:[^"\\]|\\.)*)"', line)
    if m and "\\" not in m.group(1):
        print(m.group(1)[:40])
        break
PY
)
[ -n "$sentence" ] || fail "no evidence sentence found"
python3 -c 'import sys,html; t=open(sys.argv[1],encoding="utf-8").read(); sys.exit(0 if sys.argv[2] in html.unescape(t) else 1)' \
  "$TMP/a/graph.svg" "$sentence" || fail "SVG tooltips lack the evidence sentence: $sentence"
"$KG" render out/graph.ttl --focus Baidu --depth 1 -f svg -o "$TMP/baidu.svg"
xmllint --noout "$TMP/baidu.svg" || fail "focus SVG rejected"
grep -q 'id="e_Baidu' "$TMP/baidu.svg" || fail "focus lacks Baidu"
grep -q 'id="e_RobinLi' "$TMP/baidu.svg" || fail "focus lacks Baidu's founder"
grep -q 'id="e_OpenAI' "$TMP/baidu.svg" && fail "focus drew OpenAI, two hops away"
echo "build_corpus: $n_facts facts, outputs valid and reproducible"
