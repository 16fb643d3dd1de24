#!/usr/bin/env bash
# kg diff on two versions of a small corpus (one document added, one
# sentence edited, one document removed): the text diff and the RDF Patch
# are pinned, and the patch applied to OLD gives NEW.  Plus: A against A,
# graphs equal up to blank-node renaming and order, a syntax error.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
D=tests/diff
mkdir -p "$TMP/rules"
cp "$D"/rules/* rules/ontology.ttl "$TMP/rules/"
"$KG" build -q -r "$TMP/rules" -o "$TMP/v1" "$D/v1" || fail "build v1"
"$KG" build -q -r "$TMP/rules" -o "$TMP/v2" "$D/v2" || fail "build v2"
old=$TMP/v1/graph.ttl new=$TMP/v2/graph.ttl

set +e
NO_COLOR=1 "$KG" diff "$old" "$new" >"$TMP/text"; rc=$?
set -e
[ $rc -eq 1 ] || fail "diff of different graphs exits $rc, want 1"
diff -u "$D/expected.txt" "$TMP/text" || fail "text diff differs from $D/expected.txt"

"$KG" diff -f patch -o "$TMP/patch" "$old" "$new" && fail "patch exit 0"
diff -u "$D/expected.patch" "$TMP/patch" || fail "patch differs from $D/expected.patch"
rapper -q -i turtle -o ntriples "$old" >"$TMP/old.nt"
rapper -q -i turtle -o ntriples "$new" >"$TMP/new.nt"
python3 tests/tools/apply_patch.py "$TMP/old.nt" "$TMP/patch" "$TMP/new.nt" ||
  fail "patch applied to OLD is not NEW"

# Colour only when asked or on a terminal, never with NO_COLOR.
set +e
"$KG" diff --color=always "$old" "$new" >"$TMP/c1"
"$KG" diff "$old" "$new" >"$TMP/c2"
"$KG" diff --stat "$old" "$new" >"$TMP/stat"
set -e
grep -q $'\033\\[32m' "$TMP/c1" || fail "no colour with --color=always"
grep -q $'\033' "$TMP/c2" && fail "colour when piped"
grep -qx 'facts: +2 -2' "$TMP/stat" || fail "--stat"

# The picture: one SVG, added green, removed red and dashed, rest grey.
set +e
"$KG" diff -f svg -o "$TMP/diff.svg" "$old" "$new"; rc=$?
set -e
[ $rc -eq 1 ] || fail "svg diff exits $rc"
xmllint --noout "$TMP/diff.svg" || fail "xmllint rejects the diff SVG"
assert_contains "$TMP/diff.svg" 'class="edge founderOf added"'
assert_contains "$TMP/diff.svg" 'class="edge advocates removed"'
assert_contains "$TMP/diff.svg" 'class="node Model unchanged"'
grep -q 'stroke="#1a7f37"' "$TMP/diff.svg" || fail "no green in the diff SVG"
grep -q 'stroke="#cf222e"' "$TMP/diff.svg" || fail "no red in the diff SVG"
grep -q 'stroke-dasharray' "$TMP/diff.svg" || fail "removed edges not dashed"

# A against A: exit 0, nothing printed.
"$KG" diff "$old" "$old" >"$TMP/same" || fail "A vs A exit"
[ ! -s "$TMP/same" ] || fail "A vs A printed something"

# Equal up to blank-node renaming and triple order, across syntaxes.
cat >"$TMP/b1.ttl" <<'TTL'
@prefix ex: <http://example.org/x#> .
ex:a ex:knows [ ex:name "Li" ; ex:age 3 ] , [ ex:name "Wu" ] .
TTL
cat >"$TMP/b2.nt" <<'NT'
_:q9 <http://example.org/x#name> "Wu" .
_:zz <http://example.org/x#age> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://example.org/x#a> <http://example.org/x#knows> _:q9 .
_:zz <http://example.org/x#name> "Li" .
<http://example.org/x#a> <http://example.org/x#knows> _:zz .
NT
"$KG" diff "$TMP/b1.ttl" "$TMP/b2.nt" || fail "graphs equal up to blank nodes differ"
sed 's/"Wu"/"Wang"/' "$TMP/b2.nt" >"$TMP/b3.nt"
set +e
"$KG" diff "$TMP/b1.ttl" "$TMP/b3.nt" >"$TMP/other"; rc=$?
set -e
[ $rc -eq 1 ] || fail "changed blank-node graph exits $rc"
assert_contains "$TMP/other" '"Wang"'

# A syntax error: exit 2 with file:line:col.
printf '@prefix ex: <http://example.org/x#> .\nex:a ex:b ex:c .\nex:d ex:e "open .\n' >"$TMP/bad.ttl"
set +e
"$KG" diff "$old" "$TMP/bad.ttl" 2>"$TMP/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "syntax error exits $rc, want 2"
grep -qE 'bad\.ttl:[0-9]+:[0-9]+: error' "$TMP/err" || { cat "$TMP/err"; fail "no file:line:col"; }
echo "diff: ok"
