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
echo "cli: ok"
