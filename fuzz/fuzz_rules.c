/*
 * fuzz_rules.c — libFuzzer target for the rule parser (rule_parser.c): the
 * input becomes fuzz.rules in a private folder beside a fixed small
 * ontology and gazetteer (fuzz/data), and is loaded with
 * kg_ruleset_load_file.  A failure must come with a message; a success
 * must give a rule set that lints without trouble.
 */
#include "gazetteer.h"
#include "normalizer.h"
#include "ontology.h"
#include "rule_parser.h"

#include "fuzz_common.h"

static KgNormalizer *norm;
static KgOntology *onto;
static KgGazetteer *gaz;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  KgError err = {0};
  if (kg_normalizer_new(&norm, &err) ||
      kg_ontology_load(KG_FUZZ_DATA "/ontology.ttl", &onto, &err) ||
      kg_gazetteer_new(norm, &gaz) ||
      kg_gazetteer_load(gaz, onto, KG_FUZZ_DATA "/entities.ttl", ignore, NULL,
                        &err) ||
      kg_gazetteer_compile(gaz)) {
    fprintf(stderr, "fuzz_rules setup: %s\n", err.message);
    abort();
  }
  /* A neighbour the input may include. */
  static const char common[] = "set neg = not | never | 并未\n";
  fuzz_write("common.rules", (const uint8_t *)common, sizeof common - 1);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write("fuzz.rules", data, size);
  KgRuleSet *rs = NULL;
  KgError err = {0};
  KgStatus st =
      kg_ruleset_load_file(path, onto, gaz, norm, ignore, NULL, &rs, &err);
  if (st == KG_SUCCESS) {
    if (!rs)
      abort();
    kg_ruleset_size(rs);
    kg_ruleset_lint(rs, ignore, NULL);
  } else if (!err.message[0]) {
    abort(); /* an error must say what went wrong */
  }
  kg_ruleset_free(rs);
  return 0;
}
