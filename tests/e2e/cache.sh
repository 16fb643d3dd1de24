#!/usr/bin/env bash
# The gazetteer cache: a build writes one snapshot, the next uses it (its
# -v note says so) with byte-identical output and the same warnings; a
# changed entities.ttl gets a new key, a corrupted snapshot is ignored,
# --no-cache writes nothing, and check and explain use it too.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"

export KG_CACHE_DIR="$TMP/cache"
unset XDG_CACHE_HOME
# A rule set whose gazetteer warns: an alias taken twice, an unknown type.
cp -r rules "$TMP/rules"
cat >>"$TMP/rules/entities.ttl" <<'TTL'

<http://example.org/kg/entity/Echo_Twin> a <http://example.org/kg/ontology#Organization> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Echo Twin" ;
  <http://www.w3.org/2004/02/skos/core#altLabel> "百度" .
<http://example.org/kg/entity/Mystery> a <http://example.org/kg/ontology#Spaceship> ;
  <http://www.w3.org/2000/01/rdf-schema#label> "Mystery Craft" .
TTL
snapshots() { find "$KG_CACHE_DIR" -name 'gazetteer-*.kgc' | sort; }

"$KG" build -q -f ttl,nt -r "$TMP/rules" -o "$TMP/a" corpus 2>"$TMP/a.err"
[ -d "$KG_CACHE_DIR" ] || fail "cache directory not created"
[ "$(stat -c %a "$KG_CACHE_DIR")" = 700 ] || fail "cache directory not 0700"
[ "$(snapshots | wc -l)" -eq 1 ] || fail "first build wrote no snapshot"
assert_contains "$TMP/a.err" "already names Baidu"
assert_contains "$TMP/a.err" "unknown type Spaceship"
snap=$(snapshots)
mtime=$(stat -c %Y.%y "$snap")

"$KG" build -q -f ttl,nt -r "$TMP/rules" -o "$TMP/b" corpus 2>"$TMP/b.err"
cmp "$TMP/a.err" "$TMP/b.err" || fail "warnings differ on a cache hit"
for f in graph.ttl graph.nt; do
  cmp "$TMP/a/$f" "$TMP/b/$f" || fail "$f differs on a cache hit"
done
"$KG" build -q -v -f ttl -r "$TMP/rules" -o "$TMP/c" corpus 2>"$TMP/c.err"
assert_contains "$TMP/c.err" "note: gazetteer from cache $snap"
[ "$(stat -c %Y.%y "$snap")" = "$mtime" ] || fail "a hit rewrote the snapshot"
[ "$(snapshots | wc -l)" -eq 1 ] || fail "a hit wrote another snapshot"
# The warnings come before the note, in the order of a normal load.
grep -n 'already names\|unknown type\|from cache' "$TMP/c.err" | cut -d: -f1 |
  sort -nc || fail "warnings out of order"
cmp "$TMP/a/graph.ttl" "$TMP/c/graph.ttl" || fail "graph.ttl differs (-v)"

# The bundled rules, cold then warm, give the committed graph.
"$KG" build -q -f ttl -o "$TMP/d" corpus
"$KG" build -q -v -f ttl -o "$TMP/e" corpus 2>"$TMP/e.err"
assert_contains "$TMP/e.err" "gazetteer from cache"
cmp "$TMP/e/graph.ttl" out/graph.ttl || fail "warm graph.ttl differs from out/"
cmp "$TMP/d/graph.ttl" out/graph.ttl || fail "cold graph.ttl differs from out/"

# check and explain read the same cache.
"$KG" check -r "$TMP/rules" 2>"$TMP/check.err"
assert_contains "$TMP/check.err" "already names Baidu"
"$KG" explain -r "$TMP/rules" '百度发布了文心一言。' >"$TMP/explain.out" 2>/dev/null
assert_contains "$TMP/explain.out" "Baidu"
[ "$(snapshots | wc -l)" -eq 2 ] || fail "check/explain added a snapshot"

# An edit of entities.ttl: a new key, and the new name is found.
echo '<http://example.org/kg/entity/Zephyr_Labs> a <http://example.org/kg/ontology#Organization> ; <http://www.w3.org/2000/01/rdf-schema#label> "Zephyr Labs" .' \
  >>"$TMP/rules/entities.ttl"
"$KG" build -q -v -f ttl -r "$TMP/rules" -o "$TMP/f" corpus 2>"$TMP/f.err"
assert_not_contains "$TMP/f.err" "from cache"
[ "$(snapshots | wc -l)" -eq 3 ] || fail "an edited entities.ttl kept its key"
"$KG" explain -r "$TMP/rules" 'Zephyr Labs released a model.' >"$TMP/z.out" 2>/dev/null
assert_contains "$TMP/z.out" "Zephyr_Labs"

# A corrupted snapshot: ignored (same output and warnings), then replaced.
new=$(ls -t "$KG_CACHE_DIR"/gazetteer-*.kgc | head -1)
size=$(stat -c %s "$new")
printf 'garbage' | dd of="$new" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
"$KG" build -q -v -f ttl -r "$TMP/rules" -o "$TMP/g" corpus 2>"$TMP/g.err"
assert_not_contains "$TMP/g.err" "from cache"
cmp "$TMP/f/graph.ttl" "$TMP/g/graph.ttl" || fail "corrupt snapshot changed output"
diff <(grep -v '^kg: note' "$TMP/f.err") <(grep -v '^kg: note' "$TMP/g.err") ||
  fail "corrupt snapshot changed the messages"
truncate -s 100 "$new"
"$KG" build -q -f ttl -r "$TMP/rules" -o "$TMP/h" corpus 2>/dev/null
cmp "$TMP/f/graph.ttl" "$TMP/h/graph.ttl" || fail "truncated snapshot changed output"
"$KG" build -q -v -f ttl -r "$TMP/rules" -o "$TMP/i" corpus 2>"$TMP/i.err"
assert_contains "$TMP/i.err" "gazetteer from cache"

# --no-cache: nothing read, nothing written.
export KG_CACHE_DIR="$TMP/cache2"
"$KG" build --no-cache -q -v -f ttl -o "$TMP/j" corpus 2>"$TMP/j.err"
"$KG" check --no-cache 2>/dev/null
"$KG" explain --no-cache 'OpenAI' >/dev/null
[ ! -e "$KG_CACHE_DIR" ] || [ -z "$(ls -A "$KG_CACHE_DIR")" ] ||
  fail "--no-cache wrote into the cache"
cmp "$TMP/j/graph.ttl" out/graph.ttl || fail "--no-cache graph.ttl differs"

# XDG_CACHE_HOME, then HOME, when KG_CACHE_DIR is unset.
unset KG_CACHE_DIR
XDG_CACHE_HOME="$TMP/xdg" "$KG" check 2>/dev/null
ls "$TMP/xdg/kg"/gazetteer-*.kgc >/dev/null || fail "XDG_CACHE_HOME not used"
env -u XDG_CACHE_HOME HOME="$TMP/home" "$KG" check 2>/dev/null
ls "$TMP/home/.cache/kg"/gazetteer-*.kgc >/dev/null || fail "HOME not used"
# An unwritable cache is no error.
KG_CACHE_DIR=/proc/kg-cache "$KG" build -q -f ttl -o "$TMP/k" corpus ||
  fail "an unusable cache directory failed the build"
cmp "$TMP/k/graph.ttl" out/graph.ttl || fail "graph.ttl differs without cache"
echo "cache: ok"
