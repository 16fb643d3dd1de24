#!/usr/bin/env bash
# The C sources are clang-formatted (.clang-format at the root).
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
command -v clang-format >/dev/null || skip "clang-format not installed"
clang-format --dry-run -Werror src/*.c src/*.h tests/unit/*.c fuzz/*.c ||
  fail "run: clang-format -i src/*.[ch] tests/unit/*.c fuzz/*.c"
