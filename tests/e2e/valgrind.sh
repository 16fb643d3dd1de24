#!/usr/bin/env bash
# kg build of corpus/ under valgrind: no invalid read or write, no use of
# uninitialised memory, no definite leak.  Valgrind cannot run an ASan
# binary, so a plain Debug kg is built in $KG_BUILD_DIR/valgrind-build
# (the KG binary is used directly when it is not ASan-instrumented).
# tests/valgrind.supp hides one-time caches of system libraries only.
source "$(dirname "$0")/../tools/lib.sh" || exit 1
: "${TMP:?}"
cd "$ROOT"
command -v valgrind >/dev/null || skip "valgrind not installed"

bin=$KG
# (grep without -q: under pipefail an early exit would fail the pipeline)
if { nm -D "$KG"; nm "$KG"; } 2>/dev/null | grep __asan_init >/dev/null; then
  B=${KG_BUILD_DIR:-$TMP}/valgrind-build
  if cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Debug -DKG_SANITIZE=OFF \
    -DKG_TESTS=OFF >"$TMP/cmake.log" 2>&1 &&
    env -u ASAN_OPTIONS cmake --build "$B" -j2 --target kg \
      >"$TMP/build.log" 2>&1; then
    bin=$B/kg
  else
    tail -n 20 "$TMP/build.log" "$TMP/cmake.log" 2>/dev/null
    skip "KG is an ASan build and a plain build failed"
  fi
fi

# -j2: the worker threads are checked too.
status=0
env -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS \
  valgrind --leak-check=full --error-exitcode=1 \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --suppressions="$ROOT/tests/valgrind.supp" --num-callers=30 \
  --log-file="$TMP/vg.log" \
  "$bin" build -q -j2 -o "$TMP/out" corpus 2>"$TMP/stderr" || status=$?
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost' "$TMP/vg.log" || true
if [ "$status" -ne 0 ]; then
  grep -vE '^==[0-9]+== *$' "$TMP/vg.log" | sed -n '1,80p'
  cat "$TMP/stderr"
  fail "valgrind reports errors (exit $status)"
fi
grep -q 'ERROR SUMMARY: 0 errors' "$TMP/vg.log" || fail "valgrind errors"
# The run under valgrind made the same graph a normal run does.
[ -s "$TMP/out/graph.ttl" ] || fail "no graph.ttl"
assert_contains "$TMP/out/graph.ttl" "releases"
"$bin" build -q -j1 -o "$TMP/ref" corpus 2>/dev/null || fail "plain build"
cmp "$TMP/out/graph.ttl" "$TMP/ref/graph.ttl" ||
  fail "graph.ttl under valgrind differs from a plain run"
echo "valgrind: 0 errors, no definite leak"
