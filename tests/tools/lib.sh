# Shared helpers for the end-to-end tests (sourced, not run).
set -euo pipefail
: "${KG:?KG must point at the kg binary}"
ROOT=${KG_SOURCE_DIR:-$(pwd)}
SHARED=${KG_SHARED:-$ROOT/../shared}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# assert_contains FILE STRING
assert_contains() { grep -qF -- "$2" "$1" || fail "$1 does not contain: $2"; }
assert_not_contains() { ! grep -qF -- "$2" "$1" || fail "$1 contains: $2"; }
