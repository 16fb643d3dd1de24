/* Unit tests for the gazetteer's own Turtle reader: a file in the plain
 * subset it reads must give the very gazetteer that raptor's parse gives
 * (the same file with one construct outside the subset added, which sends
 * it to raptor), and files outside the subset must still load or fail as
 * raptor says. */
#include "gazetteer.h"
#include "normalizer.h"
#include "ontology.h"
#include "util.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#define ONTOLOGY "tests/fixtures/gazetteer/ontology.ttl"

static KgNormalizer *norm;
static KgOntology *onto;

static void setup(void) {
  cr_assert_eq(kg_normalizer_new(&norm, NULL), KG_SUCCESS);
  KgError err = {0};
  cr_assert_eq(kg_ontology_load(ONTOLOGY, &onto, &err), KG_SUCCESS, "%s",
               err.message);
}

static void teardown(void) {
  kg_ontology_free(onto);
  kg_normalizer_free(norm);
}

TestSuite(turtle, .init = setup, .fini = teardown);

static void on_msg(void *ctx, const KgError *e) {
  kg_buf_printf(ctx, "%s\n", e->message);
}

/* Load text as an entities file; describe the gazetteer (entities,
 * labels, relations and the matches in a probe text) into out.  Returns
 * the load status. */
static KgStatus describe(const char *text, KgBuf *out) {
  /* a file of its own: Criterion runs the tests in parallel */
  char path[] = "/tmp/kg_test_turtle_XXXXXX.ttl";
  int fd = mkstemps(path, 4);
  cr_assert_geq(fd, 0);
  FILE *f = fdopen(fd, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  KgGazetteer *g = NULL;
  cr_assert_eq(kg_gazetteer_new(norm, &g), KG_SUCCESS);
  KgError err = {0};
  KgStatus st = kg_gazetteer_load(g, onto, path, on_msg, out, &err);
  unlink(path);
  if (st != KG_SUCCESS) {
    kg_buf_printf(out, "error %d line %u: %s\n", st, err.line, err.message);
    kg_gazetteer_free(g);
    return st;
  }
  for (size_t i = 0; i < kg_gazetteer_size(g); i++) {
    const KgEntityDef *e = kg_gazetteer_entity(g, (uint32_t)i);
    size_t n;
    const KgEntityRelation *r = kg_gazetteer_relations(g, (uint32_t)i, &n);
    kg_buf_printf(out, "%zu %s [%s] type %d, %zu relations", i, e->key,
                  e->label, e->type, n);
    for (size_t k = 0; k < n; k++)
      kg_buf_printf(out, " %d:%u", r[k].predicate, r[k].object);
    kg_buf_putc(out, '\n');
  }
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  const char *probe = "百度和Meta Platforms的llama-2, \"q\" 与 tab\there";
  char *t = kg_normalize_key(norm, probe, strlen(probe));
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, t, strlen(t), &v), KG_SUCCESS);
  for (size_t i = 0; i < v.len; i++)
    kg_buf_printf(out, "match %zu-%zu %u\n", v.items[i].begin, v.items[i].end,
                  v.items[i].entity);
  kg_vec_free(&v);
  kg_free(t);
  kg_gazetteer_free(g);
  return KG_SUCCESS;
}

/* The subset: prefixes, comments, ';' and ',' lists (one ending in ';'),
 * full IRIs, escapes, language tags and datatypes, a split subject. */
static const char *plain =
    "# entities\n"
    "@prefix e: <http://example.org/kg/entity/> .\n"
    "@prefix kgo: <http://example.org/kg/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
    "e:Baidu a kgo:Organization ; rdfs:label \"Baidu\"@en, \"\\u767E\\u5EA6\""
    "@zh ;\n  skos:altLabel \"Baidu \\\"Inc\\\"\"^^xsd:string ; .\n"
    "e:Meta a kgo:Organization;rdfs:label \"Meta\" # trailing comment\n"
    "  ; skos:altLabel \"Meta Platforms\",\"Tab\\there\" .\n"
    "<http://example.org/kg/entity/Llama_2> a kgo:Model ;\n"
    "  rdfs:label \"Llama 2\" ; skos:altLabel \"LLaMA-2\", \"\\U0001F999 2\" "
    ".\n"
    "e:Meta kgo:releases e:Llama_2 .\n"
    "e:Baidu kgo:releases <http://example.org/kg/entity/Llama_2> .\n"
    "e:Quote a kgo:Person ; skos:altLabel \"\\\"q\\\"\", '单' .\n";

Test(turtle, outside_the_subset_anywhere_gives_the_same) {
  /* '单' (single quotes) is outside the subset, near the end: the reader
   * gives up after several triples and raptor starts over; a blank node
   * added at the end changes nothing either */
  KgBuf fast = {0}, slow = {0};
  char *forced = kg_strfmt("%s_:x rdfs:label \"blank\" .\n", plain);
  cr_assert_eq(describe(plain, &fast), KG_SUCCESS, "%s", fast.data);
  cr_assert_eq(describe(forced, &slow), KG_SUCCESS, "%s", slow.data);
  cr_expect_str_eq(fast.data, slow.data);
  cr_expect(strstr(fast.data, "Baidu [Baidu] type"), "%s", fast.data);
  cr_expect(strstr(fast.data, "Quote"), "%s", fast.data);
  cr_expect(strstr(fast.data, "match 0-6 0"), "%s", fast.data); /* 百度 */
  kg_free(forced);
  kg_buf_free(&fast);
  kg_buf_free(&slow);
}

Test(turtle, single_quotes_send_the_file_to_raptor) {
  /* '单' above is outside the subset too: the whole file still loads */
  KgBuf out = {0};
  cr_assert_eq(describe(plain, &out), KG_SUCCESS, "%s", out.data);
  cr_expect(strstr(out.data, "Meta [Meta]"), "%s", out.data);
  kg_buf_free(&out);
}

Test(turtle, subset_gives_what_raptor_gives) {
  /* the same content with nothing outside the subset, read by the fast
   * reader, against that file plus a blank node (which goes to raptor;
   * it types nothing, so both describe the same entities) */
  const char *cut = strstr(plain, "e:Quote");
  KgBuf fast = {0}, slow = {0};
  char *only = kg_strndup(plain, (size_t)(cut - plain));
  char *forced = kg_strfmt("%s[] rdfs:label \"anonymous\" .\n", only);
  cr_assert_eq(describe(only, &fast), KG_SUCCESS, "%s", fast.data);
  cr_assert_eq(describe(forced, &slow), KG_SUCCESS, "%s", slow.data);
  cr_expect_str_eq(fast.data, slow.data);
  cr_expect(strstr(fast.data, "relations 0:1"), "%s", fast.data);
  kg_free(only);
  kg_free(forced);
  kg_buf_free(&fast);
  kg_buf_free(&slow);
}

Test(turtle, errors_are_raptors) {
  static const char *const broken[] = {
      "@prefix e: <http://example.org/kg/entity/> .\ne:A a .\n",
      "@prefix e: <http://example.org/kg/entity/> .\n"
      "e:A <http://www.w3.org/2000/01/rdf-schema#label> \"x\"\n",
      "nope:A a nope:B .\n",
      "@prefix e: <http://example.org/kg/entity/> .\n"
      "e:A <http://www.w3.org/2000/01/rdf-schema#label> \"open\n",
  };
  for (size_t i = 0; i < sizeof broken / sizeof *broken; i++) {
    KgBuf out = {0};
    cr_expect_eq(describe(broken[i], &out), KG_ERR_SYNTAX, "%zu: %s", i,
                 out.data);
    cr_expect(strstr(out.data, "line "), "%s", out.data);
    kg_buf_free(&out);
  }
}
