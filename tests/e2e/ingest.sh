#!/usr/bin/env bash
# Real-world documents: each fixture (HTML page with boilerplate, GBK, Big5,
# UTF-16LE, XML, invalid UTF-8) gives exactly its expected facts; XXE and
# billion laughs leak nothing and finish promptly; a build killed with
# SIGKILL leaves the previous graph.ttl intact.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
F=tests/fixtures/ingest
facts() { # the S p O of every plain fact triple in an N-Triples file
  grep -o '<http://example.org/kg/entity/[^>]*> <http://example.org/kg/ontology#[a-zA-Z]*> <http://example.org/kg/entity/[^>]*>' "$1" |
    sed 's|<http://example.org/kg/entity/||g; s|<http://example.org/kg/ontology#||; s|>||g' | sort
}
for f in $(grep -v '^#' "$F/expected.txt" | cut -f1 | sort -u); do
  "$KG" build -q -f nt -o "$TMP/$f" "$F/$f" 2>"$TMP/$f.log" || fail "build $f"
  facts "$TMP/$f/graph.nt" >"$TMP/$f.got"
  grep "^$f	" "$F/expected.txt" | cut -f2 | sort >"$TMP/$f.want"
  diff -u "$TMP/$f.want" "$TMP/$f.got" || fail "$f: facts differ from $F/expected.txt"
done
assert_contains "$TMP/invalid_utf8.txt.log" "byte offset 65"
for bad in Google Microsoft Apple Amazon Anthropic Tencent; do
  grep -q "entity/$bad>" "$TMP/news.html/graph.nt" && fail "news.html: a fact about $bad came from boilerplate"
done
grep -q 'editor@example.com' "$TMP/news.html/graph.nt" && fail "HTML comment text leaked"

# --strict: any warning fails the build and writes nothing.
set +e
"$KG" build -q --strict -o "$TMP/strict" "$F/invalid_utf8.txt" 2>"$TMP/strict.log"; rc=$?
set -e
[ $rc -eq 1 ] || fail "--strict with a warning exits $rc"
[ ! -e "$TMP/strict/graph.ttl" ] || fail "--strict wrote output"
"$KG" build -q --strict -o "$TMP/strict" "$F/news.xml" || fail "--strict without warnings"
# A warning while loading the rules counts too, from the gazetteer cache
# as when compiled: an alias that already names another entity.
cp -r rules "$TMP/warn_rules"
printf 'e:NotBaidu a kg:Organization ;\n  rdfs:label "Not Baidu" ;\n  skos:altLabel "百度" .\n' \
  >>"$TMP/warn_rules/entities.ttl"
for pass in compiled cached; do
  set +e
  KG_CACHE_DIR="$TMP/cache" "$KG" build -q --strict -r "$TMP/warn_rules" \
    -o "$TMP/strict_rules" "$F/news.xml" 2>"$TMP/strict_rules.log"; rc=$?
  set -e
  [ $rc -eq 1 ] || fail "--strict with a gazetteer warning ($pass) exits $rc"
  assert_contains "$TMP/strict_rules.log" 'already names Baidu'
  [ ! -e "$TMP/strict_rules/graph.ttl" ] || fail "--strict wrote output ($pass)"
done

# Hostile XML: nothing from /etc/passwd, done in seconds, a warning each.
timeout 30 "$KG" build -q -f ttl,nt -o "$TMP/hostile" "$F/xxe.xml" "$F/billion_laughs.xml" \
  2>"$TMP/hostile.log" || fail "hostile XML build failed or hung"
grep -q 'root:' "$TMP/hostile"/graph.* && fail "/etc/passwd leaked"
assert_contains "$TMP/hostile.log" "xxe.xml"
assert_contains "$TMP/hostile.log" "billion_laughs.xml"

# SIGKILL in the middle of a build: the previous output stays whole.
"$KG" build -q -o "$TMP/keep" corpus || fail "first build"
sha=$(sha256sum <"$TMP/keep/graph.ttl")
big=$TMP/big
mkdir -p "$big"
for i in $(seq 1 3000); do cp corpus/zh-hans/01_open_closed_debate.txt "$big/d$i.txt"; done
"$KG" build -q -j1 -o "$TMP/keep" "$big" &
pid=$!
# kill it once it is writing (its temporary output exists), not on a timer
for _ in $(seq 1 200); do
  ls "$TMP/keep" | grep -q 'graph\.ttl\.tmp\.' && break
  sleep 0.05
done
ls "$TMP/keep" | grep -q 'graph\.ttl\.tmp\.' ||
  fail "no temporary output seen while building"
kill -KILL $pid 2>/dev/null || fail "the build ended before it could be killed"
wait $pid 2>/dev/null || true
[ "$(sha256sum <"$TMP/keep/graph.ttl")" = "$sha" ] ||
  fail "graph.ttl changed by a killed build"
rapper -q -c -i turtle "$TMP/keep/graph.ttl" || fail "graph.ttl broken after SIGKILL"
echo "ingest: ok"
