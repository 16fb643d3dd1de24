#!/usr/bin/env bash
# Hostile input: every case under tests/bad_input/<case>/ (its expected.txt
# says what to run and what must come out) is run with a time limit.  A
# build case gets the good document (tests/bad_input/good.txt) beside its
# bad ones, and must still give the good fact.  Every case must: not crash
# (no signal, no sanitizer report), finish within 60 s, print what
# expected.txt asks for, and leave no temporary file in the output folder.
#
# expected.txt keys (one a line, '#' comments):
#   cmd: build | diff OLD NEW | check    (default build)
#   rules: base | base+case | case       (rule folder; default base)
#   exit: N                              (expected exit status)
#   stderr: TEXT        stderr holds TEXT (case-insensitive)
#   stderr-re: REGEX    stderr matches the extended regex
#   absent: TEXT        neither graph.ttl nor stderr holds TEXT
#   documents: N / skipped: N            the summary line's counts
#   no-output           no graph.ttl was written
# A case folder may hold gen.sh, run as `bash gen.sh DOCS` to make big
# inputs at test time.
source "$(dirname "$0")/../tools/lib.sh" || exit 1
: "${TMP:?}"
cd "$ROOT"
CASES=$ROOT/tests/bad_input
GOOD_FACT='<http://example.org/kg/entity/Acme> <http://example.org/kg/ontology#releases> <http://example.org/kg/entity/Owl7>'
passed=0
failed=0
failures=""

# check_case NAME DIR: runs one case; prints why and returns 1 on failure.
check_case() {
  local name=$1 dir=$2 w=$TMP/$1
  mkdir -p "$w/docs" "$w/rules"
  local cmd=build rules=base want_exit=0
  local -a want_err=() want_re=() absent=()
  local want_docs="" want_skipped="" no_output=0 key val
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '#'* | '') continue ;; esac
    key=${line%%:*}
    val=${line#*:}
    val=${val# }
    case "$key" in
    cmd) cmd=$val ;;
    rules) rules=$val ;;
    exit) want_exit=$val ;;
    stderr) want_err+=("$val") ;;
    stderr-re) want_re+=("$val") ;;
    absent) absent+=("$val") ;;
    documents) want_docs=$val ;;
    skipped) want_skipped=$val ;;
    no-output) no_output=1 ;;
    *) echo "bad key '$key' in $dir/expected.txt"; return 1 ;;
    esac
  done <"$dir/expected.txt"

  [ "$rules" = case ] || cp "$CASES"/rules/* "$w/rules/"
  [ "$rules" = base ] || cp "$dir"/rules/* "$w/rules/"
  [ ! -d "$dir/docs" ] || cp -r "$dir"/docs/. "$w/docs/"
  [ ! -f "$dir/gen.sh" ] || bash "$dir/gen.sh" "$w/docs"
  cp "$CASES/good.txt" "$w/docs/good.txt"

  local rc=0 start end
  start=$(date +%s)
  case "$cmd" in
  build)
    timeout 60 "$KG" build -r "$w/rules" -o "$w/out" "$w/docs" \
      >"$w/stdout" 2>"$w/stderr" || rc=$?
    ;;
  check)
    timeout 60 "$KG" check -r "$w/rules" >"$w/stdout" 2>"$w/stderr" || rc=$?
    ;;
  diff\ *)
    local -a files=()
    for f in ${cmd#diff }; do files+=("$dir/$f"); done
    timeout 60 "$KG" diff "${files[@]}" >"$w/stdout" 2>"$w/stderr" || rc=$?
    ;;
  *) echo "unknown cmd '$cmd'"; return 1 ;;
  esac
  end=$(date +%s)
  echo "  $name: exit $rc in $((end - start)) s"

  local why=""
  [ "$rc" -ne 124 ] || why+=" timed out (60 s);"
  [ "$rc" -lt 128 ] || why+=" killed by signal $((rc - 128));"
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$w/stderr"; then
    why+=" sanitizer report;"
  fi
  [ "$rc" = "$want_exit" ] || why+=" exit $rc, expected $want_exit;"
  for s in "${want_err[@]}"; do
    grep -qiF -- "$s" "$w/stderr" || why+=" stderr lacks '$s';"
  done
  for r in "${want_re[@]}"; do
    grep -qE -- "$r" "$w/stderr" || why+=" stderr does not match /$r/;"
  done
  for s in "${absent[@]}"; do
    if grep -qF -- "$s" "$w/stderr" ||
      { [ -f "$w/out/graph.ttl" ] && grep -qF -- "$s" "$w/out/graph.ttl"; }; then
      why+=" output holds '$s';"
    fi
  done
  if [ -d "$w/out" ] && ls -A "$w/out" | grep tmp >/dev/null; then
    why+=" temporary file left: $(ls "$w/out" | grep tmp | head -n 1);"
  fi
  if [ "$no_output" = 1 ] && [ -e "$w/out/graph.ttl" ]; then
    why+=" graph.ttl written despite the error;"
  fi
  local summary
  summary=$(grep -E '^kg: [0-9]+ documents \([0-9]+ skipped\)' "$w/stderr" || true)
  if [ -n "$want_docs" ] &&
    ! [[ "$summary" =~ ^kg:\ $want_docs\ documents ]]; then
    why+=" summary '$summary' is not $want_docs documents;"
  fi
  if [ -n "$want_skipped" ] &&
    ! [[ "$summary" =~ \($want_skipped\ skipped\) ]]; then
    why+=" summary '$summary' is not $want_skipped skipped;"
  fi
  if [ "$cmd" = build ] && [ "$want_exit" = 0 ]; then
    if [ ! -s "$w/out/graph.ttl" ]; then
      why+=" no graph.ttl;"
    elif ! rapper -q -i turtle -o ntriples "$w/out/graph.ttl" >"$w/graph.nt"; then
      why+=" rapper rejects graph.ttl;"
    elif ! grep -qF -- "$GOOD_FACT" "$w/graph.nt"; then
      why+=" the good document's fact is missing;"
    fi
  fi
  if [ -n "$why" ]; then
    echo "  FAIL $name:$why"
    sed -n '1,12p' "$w/stderr" | cut -c1-200 | sed 's/^/    | /'
    return 1
  fi
  rm -rf "$w/docs" # the big generated inputs
}

only=${1:-}
for dir in "$CASES"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  [ -f "$dir/expected.txt" ] || continue
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  if check_case "$name" "$dir"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=" $name"
  fi
done
echo "bad_input: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || fail "bad input cases failed:$failures"
