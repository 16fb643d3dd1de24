#!/usr/bin/env bash
# cmake --install puts kg, libkg (shared and static), kg.h, kg.pc, the man
# page and the completion in place; a tiny program built against the
# installed library through pkg-config extracts a fact from one sentence.
source "$(dirname "$0")/../tools/lib.sh"
: "${KG_BUILD_DIR:?}"
# Install from a plain build: a library built with AddressSanitizer is
# not what users install, and cannot be loaded by a program built without.
B=$KG_BUILD_DIR/install-build
cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DKG_TESTS=OFF >/dev/null
cmake --build "$B" -j"$(nproc)" >/dev/null
cmake --install "$B" --prefix "$TMP/prefix" >/dev/null
P=$TMP/prefix
for f in bin/kg include/kg.h share/man/man1/kg.1 \
  share/bash-completion/completions/kg; do
  [ -e "$P/$f" ] || fail "not installed: $f"
done
ls "$P"/lib*/libkg.so* >/dev/null 2>&1 || fail "no shared libkg"
ls "$P"/lib*/libkg.a >/dev/null 2>&1 || fail "no static libkg"
pc=$(dirname "$(ls "$P"/lib*/pkgconfig/kg.pc)")
cat >"$TMP/one.c" <<'C'
#include <kg.h>
#include <stdio.h>
#include <string.h>
static void found(void *ctx, const KgFoundFact *f) {
  (void)ctx;
  printf("%s %s %s %s\n", f->subject, f->predicate, f->object,
         f->qualifier ? f->qualifier : "-");
}
int main(int argc, char **argv) {
  KgRules *rules;
  KgError err;
  if (argc < 3 || kg_rules_load(argv[1], NULL, NULL, &rules, &err)) {
    fprintf(stderr, "%s: %s\n", err.file, err.message);
    return 1;
  }
  int rc = kg_extract(rules, argv[2], strlen(argv[2]), found, NULL, &err);
  kg_rules_free(rules);
  return rc;
}
C
export PKG_CONFIG_PATH=$pc
cc "$TMP/one.c" -o "$TMP/one" $(pkg-config --cflags --libs kg) ||
  fail "cannot build against the installed kg"
LD_LIBRARY_PATH=$(dirname "$(ls "$P"/lib*/libkg.so | head -1)") \
  "$TMP/one" "$ROOT/rules" "Meta released Llama 2 as open weights." >"$TMP/out" ||
  fail "the program failed"
cat "$TMP/out"
assert_contains "$TMP/out" "Meta releases Llama 2"
MANWIDTH=80 man --warnings -E UTF-8 -l "$P/share/man/man1/kg.1" 2>"$TMP/manerr" >/dev/null
[ ! -s "$TMP/manerr" ] || { cat "$TMP/manerr"; fail "man page warnings"; }
bash -c "source '$P/share/bash-completion/completions/kg'; COMP_WORDS=(kg bu); COMP_CWORD=1; _kg; echo \${COMPREPLY[*]}" | grep -qx build ||
  fail "completion"
echo "install: ok"
