#!/usr/bin/env bash
# The command line: help, version, exit statuses, one-line usage errors.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"

"$KG" --help >"$TMP/help" || fail "--help exit"
for c in build check explain render; do assert_contains "$TMP/help" "$c"; done
"$KG" --version | grep -qE '^kg [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version"
"$KG" build --help >"$TMP/bhelp" || fail "build --help exit"
assert_contains "$TMP/bhelp" "--rules DIR"
assert_contains "$TMP/bhelp" "Examples:"

set +e
"$KG" frobnicate 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown command exit $rc"
assert_contains "$TMP/err" "unknown command 'frobnicate'"
"$KG" build --no-such-flag 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "unknown option exit $rc"
assert_contains "$TMP/err" "'--no-such-flag'"
assert_contains "$TMP/err" "Try 'kg build --help'"
"$KG" build -f ttl,jpeg 2>"$TMP/err"; rc=$?
[ $rc -eq 2 ] || fail "bad format exit $rc"
assert_contains "$TMP/err" "unknown format 'jpeg'"
"$KG" build -o "$TMP/x" /no/such/input 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] || fail "missing input exit $rc"
assert_contains "$TMP/err" "/no/such/input"
set -e
# Progress: on a terminal (script gives the build a pseudo-terminal) one
# line rewritten in place; piped, none.  -v: one line per document.
if command -v script >/dev/null; then
  script -qec "'$KG' build -o '$TMP/tty' corpus" /dev/null >"$TMP/tty.log" 2>&1 ||
    fail "build under a terminal"
  grep -qE $'\r(\033\\[K)?kg: [0-9]+/[0-9]+ documents, [0-9.]+ MB/s' "$TMP/tty.log" ||
    fail "no progress line on a terminal"
fi
"$KG" build -o "$TMP/piped" corpus 2>"$TMP/piped.log" >/dev/null
grep -q 'MB/s' "$TMP/piped.log" && fail "progress written to a pipe"
grep -q $'\r' "$TMP/piped.log" && fail "carriage return written to a pipe"
"$KG" build -v -q -o "$TMP/verbose" corpus 2>"$TMP/verbose.log"
n_docs=$(find corpus -type f | wc -l)
[ "$(grep -c ' facts, [0-9]* warnings$' "$TMP/verbose.log")" -eq "$n_docs" ] ||
  fail "-v does not give one line per document"

# --json: valid JSON on stdout whose counts match the Turtle.
"$KG" build -q --json -f ttl,nt -o "$TMP/json" corpus >"$TMP/summary.json"
python3 - "$TMP/summary.json" "$TMP/json/graph.nt" <<'PY' || fail "--json"
import json, sys
s = json.load(open(sys.argv[1]))
nt = open(sys.argv[2], encoding="utf-8").read().splitlines()
stmts = sum(1 for l in nt if l.endswith("<http://www.w3.org/1999/02/22-rdf-syntax-ns#Statement> ."))
assert s["facts"]["total"] == stmts, (s["facts"]["total"], stmts)
assert sum(s["facts"]["by_predicate"].values()) == stmts
assert s["documents"]["read"] >= 5 and s["documents"]["skipped"] == 0
print("json: %d facts" % stmts)
PY
# The bundled rules are clean: no error, no warning.
"$KG" check 2>"$TMP/check" || { cat "$TMP/check"; fail "kg check rules"; }
grep -qE '^kg check: rules: [0-9]+ rules, [0-9]+ entities, 0 warnings$' "$TMP/check" ||
  { cat "$TMP/check"; fail "kg check is not clean"; }
echo "cli: ok"
