/*
 * fuzz_gazetteer.c — libFuzzer target for the gazetteer loader: the input
 * is an entities.ttl read against a fixed ontology (fuzz/data).  When it
 * loads, the automaton is compiled and run over a fixed text and the
 * matches are checked: inside the text, ordered, non-overlapping, and each
 * naming an entity that exists.
 */
#include "gazetteer.h"
#include "normalizer.h"
#include "ontology.h"

#include "fuzz_common.h"

static KgNormalizer *norm;
static KgOntology *onto;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  KgError err = {0};
  if (kg_normalizer_new(&norm, &err) ||
      kg_ontology_load(KG_FUZZ_DATA "/ontology.ttl", &onto, &err)) {
    fprintf(stderr, "fuzz_gazetteer setup: %s\n", err.message);
    abort();
  }
  return 0;
}

static void check_matches(const KgGazetteer *g) {
  static const char text[] = "acme labs 发布了 owl-7, zed moreau 说开源。"
                             "艾克美 and Owl 7 and Metadata meta";
  KgGazMatchVec m = {0};
  if (kg_gazetteer_match(g, text, sizeof text - 1, &m) != KG_SUCCESS)
    abort();
  size_t prev = 0;
  for (size_t i = 0; i < m.len; i++) {
    KgGazMatch x = m.items[i];
    if (x.begin >= x.end || x.end > sizeof text - 1 || x.begin < prev)
      abort();
    if (x.entity >= kg_gazetteer_size(g) || !kg_gazetteer_entity(g, x.entity))
      abort();
    prev = x.end;
  }
  kg_vec_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write("entities.ttl", data, size);
  KgGazetteer *g = NULL;
  KgError err = {0};
  if (kg_gazetteer_new(norm, &g) != KG_SUCCESS)
    abort();
  KgStatus st = kg_gazetteer_load(g, onto, path, ignore, NULL, &err);
  if (st == KG_SUCCESS) {
    if (kg_gazetteer_compile(g) != KG_SUCCESS)
      abort();
    check_matches(g);
    for (size_t i = 0; i < kg_gazetteer_size(g); i++) {
      const KgEntityDef *e = kg_gazetteer_entity(g, (uint32_t)i);
      if (!e || !e->key || kg_gazetteer_find(g, e->key) != (long)i)
        abort();
    }
  } else if (!err.message[0]) {
    abort();
  }
  kg_gazetteer_free(g);
  return 0;
}
