#!/usr/bin/env bash
# Failing writes through the command line: a full disk (/dev/full, a tiny
# tmpfs), an output folder that cannot be made, a device node as output.
# Each must give a clear message naming the path and a failure exit code,
# never a crash, never a silent success, never a stray temporary file.
source "$(dirname "$0")/../tools/lib.sh" || exit 1
: "${TMP:?}"
cd "$ROOT"
RULES=tests/bad_input/rules
DOCS=tests/bad_input/faults/docs
OLD=fuzz/data/small.ttl
NEW=tests/bad_input/ttl_syntax/old.ttl
passed=0
failed=0
check() { # check NAME CONDITION-DESCRIPTION: counts the last test's result
  if [ "$2" = ok ]; then
    passed=$((passed + 1))
    echo "ok $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    sed -n '1,5p' "$TMP/err" | sed 's/^/    | /'
  fi
}
# expect NAME WANT_RC TEXT CMD...: CMD exits WANT_RC and stderr holds TEXT.
expect() {
  local name=$1 want=$2 text=$3 rc=0
  shift 3
  "$@" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ge 128 ]; then
    check "$name" "killed by signal $((rc - 128))"
  elif [ "$rc" != "$want" ]; then
    check "$name" "exit $rc, expected $want"
  elif [ -n "$text" ] && ! grep -qF -- "$text" "$TMP/err"; then
    check "$name" "stderr lacks '$text'"
  else
    check "$name" ok
  fi
}

# 1. kg diff -o onto a full device.
expect diff_output_full 2 "/dev/full" "$KG" diff -o /dev/full "$OLD" "$NEW"

# 2. kg diff's report to a full standard output: trouble, not "different".
expect diff_stdout_full 2 "No space left" \
  sh -c '"$0" diff "$1" "$2" >/dev/full' "$KG" "$OLD" "$NEW"

# 3. kg build --json to a full standard output: the JSON is lost, say so.
expect build_stdout_full 1 "No space left" \
  sh -c '"$0" build -q --json -r "$1" -o "$2" "$3" >/dev/full' \
  "$KG" "$RULES" "$TMP/json-out" "$DOCS"

# 4. An output folder below a regular file cannot be made, even by root.
: >"$TMP/plain"
expect build_out_not_dir 1 "$TMP/plain" \
  "$KG" build -q -r "$RULES" -o "$TMP/plain/out" "$DOCS"

# 5. A symlink to /dev/full in place of graph.ttl: the atomic rename
# replaces the link, and /dev/full stays a device.
mkdir -p "$TMP/linked"
ln -s /dev/full "$TMP/linked/graph.ttl"
# writing goes through the link, as a shell redirection would: to the
# device, which is full
expect build_over_symlink 1 "No space left on device" "$KG" build -q -r "$RULES" -o "$TMP/linked" "$DOCS"
[ -c /dev/full ] || fail "/dev/full is no longer a device"

# 6. A device node (a private copy of /dev/full) as the render output: the
# write must fail; replacing the node with a regular file is a bug.
if mknod "$TMP/full.svg" c 1 7 2>/dev/null; then
  expect render_to_device 1 "full.svg" \
    "$KG" render -o "$TMP/full.svg" "$OLD"
  if [ -c "$TMP/full.svg" ]; then
    check render_keeps_device ok
  else
    check render_keeps_device "the device node was replaced by a file"
  fi
else
  echo "skip render_to_device: mknod not permitted"
fi

# 7. A disk that fills up during a build (a 12 kB tmpfs): the error names
# the file, no temporary file is left, the exit code is 1.
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=12k tmpfs "$TMP/small" 2>/dev/null; then
  expect build_disk_full 1 "No space left" \
    "$KG" build -q -r "$RULES" -o "$TMP/small/out" "$DOCS"
  if ls -A "$TMP/small/out" 2>/dev/null | grep tmp >/dev/null; then
    check disk_full_no_tmp "temporary file left: $(ls "$TMP/small/out")"
  else
    check disk_full_no_tmp ok
  fi
  umount "$TMP/small"
else
  echo "skip build_disk_full: cannot mount a tmpfs"
fi

echo "faults: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || fail "write failures mishandled"
