#!/usr/bin/env bash
# kg build on the seed corpus (../shared/seeds): at least 60 facts, the
# Turtle accepted by rapper and serdi, and the gold scorer above the bars
# (precision >= 0.95, recall >= 0.90, qualifiers >= 0.95).
source "$(dirname "$0")/../tools/lib.sh"
[ -d "$SHARED/seeds" ] || skip "no $SHARED/seeds"
"$KG" build -q -o "$TMP/seeds" "$SHARED/seeds" || fail "build on seeds"
rapper -q -c -i turtle "$TMP/seeds/graph.ttl" || fail "rapper"
serdi -i turtle "$TMP/seeds/graph.ttl" >/dev/null || fail "serdi"
n=$(rapper -q -i turtle -o ntriples "$TMP/seeds/graph.ttl" |
  grep -c '#type> <http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement>')
echo "seeds: $n facts"
[ "$n" -ge 60 ] || fail "only $n facts on the seeds (want >= 60)"
"$SHARED/gold/score" "$TMP/seeds/graph.ttl" >"$TMP/score.txt" || fail "score"
last=$(tail -n 1 "$TMP/score.txt")
echo "$last"
# The bars of the bundled rules: precision 0.95, recall 0.90, qualifiers 0.95.
python3 - "$last" <<'PY' || fail "below the bars: $last"
import re, sys
v = dict(re.findall(r"(\w+)=([0-9.]+)", sys.argv[1]))
ok = (float(v["precision"]) >= 0.95 and float(v["recall"]) >= 0.90
      and float(v["qualifiers"]) >= 0.95)
sys.exit(0 if ok else 1)
PY
