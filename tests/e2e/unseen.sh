#!/usr/bin/env bash
# Precision and recall of the bundled rules on documents nobody tuned them
# on (tests/unseen, see its README): the bars are deliberately below the
# seed bars; the figures are what the note reports.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
"$KG" build -q -f nt -o "$TMP/out" tests/unseen/*.txt || fail "build"
python3 tests/tools/score_unseen.py "$TMP/out/graph.nt" tests/unseen 0.6 0.5 ||
  fail "below the bars (precision 0.6, recall 0.5)"
