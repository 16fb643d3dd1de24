#!/usr/bin/env bash
# Every command of the README tour, run in a scratch copy of the tree, with
# the output the README shows.
source "$(dirname "$0")/../tools/lib.sh"
cd "$ROOT"
W=$TMP/tree
mkdir -p "$W/build"
cp -r rules corpus out tools "$W/"
ln -s "$KG" "$W/build/kg"
python3 tests/tools/tour.py README.md "$W" || fail "the README tour differs"
[ -s "$W/baidu.png" ] || fail "the tour's PNG is missing"
head -c 8 "$W/baidu.png" | od -An -c | grep -q 'P   N   G' || fail "baidu.png is no PNG"
