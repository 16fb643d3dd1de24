#!/usr/bin/env bash
# Fuzz smoke test: builds the libFuzzer targets of fuzz/ with clang into
# $KG_BUILD_DIR/fuzz and runs each for a short while (FUZZ_SECONDS, 30 by
# default) on a copy of its seed corpus.  Any crash, leak, timeout or
# out-of-memory fails the test; the offending input is printed (as a path)
# so it can go to fuzz/crashes/<target>/.  The saved crash inputs of
# fuzz/crashes/ are replayed first: a fixed bug must stay fixed.
source "$(dirname "$0")/../tools/lib.sh" || exit 1
: "${TMP:?}"
cd "$ROOT"
command -v clang >/dev/null || skip "clang not installed"
SECONDS_EACH=${FUZZ_SECONDS:-30}
B=${KG_BUILD_DIR:-$TMP/build}/fuzz
# The fuzzers carry their own ASan; the CI's options (abort_on_error,
# suppressions) still apply through the environment.
cmake -S fuzz -B "$B" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  >"$TMP/cmake.log" 2>&1 || { cat "$TMP/cmake.log"; fail "cmake fuzz"; }
cmake --build "$B" -j2 >"$TMP/build.log" 2>&1 ||
  { tail -n 40 "$TMP/build.log"; fail "building the fuzzers"; }

failed=0
passed=0
for t in fuzz_ingest fuzz_normalize fuzz_rules fuzz_gazetteer fuzz_graph; do
  [ -x "$B/$t" ] || fail "$t was not built"
  if [ -d "fuzz/crashes/$t" ] && ls fuzz/crashes/$t/* >/dev/null 2>&1; then
    if ! "$B/$t" -rss_limit_mb=2048 -timeout=10 fuzz/crashes/$t/* \
      >"$TMP/$t.replay.log" 2>&1; then
      echo "FAIL $t: a saved crash input still fails"
      grep -E 'ERROR|runtime error|Running:' "$TMP/$t.replay.log" | tail -n 6
      failed=$((failed + 1))
      continue
    fi
  fi
  mkdir -p "$TMP/$t.corpus" "$TMP/$t.art"
  cp fuzz/corpus/$t/* "$TMP/$t.corpus/"
  if "$B/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 \
    -max_len=65536 -artifact_prefix="$TMP/$t.art/" "$TMP/$t.corpus" \
    >"$TMP/$t.log" 2>&1; then
    runs=$(grep -oE '^#[0-9]+' "$TMP/$t.log" | tail -n 1)
    echo "ok $t: ${runs#\#} runs in ${SECONDS_EACH} s"
    passed=$((passed + 1))
  else
    echo "FAIL $t:"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$TMP/$t.log" |
      head -n 8
    failed=$((failed + 1))
  fi
done
echo "fuzz_smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || fail "fuzzers found trouble"
