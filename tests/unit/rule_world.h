/*
 * rule_world.h — the small world the rule engine tests run in: the
 * normaliser, the ontology and the gazetteer of tests/rules/, made before
 * each test and freed after it.  Include it in one test file per suite and
 * declare `TestSuite(name, .init = rule_world_setup, .fini =
 * rule_world_teardown);`.
 */
#ifndef KG_TEST_RULE_WORLD_H
#define KG_TEST_RULE_WORLD_H

#include "gazetteer.h"
#include "normalizer.h"
#include "ontology.h"

#include <criterion/criterion.h>

#define RULES_DIR "tests/rules/"

static KgNormalizer *norm;
static KgOntology *onto;
static KgGazetteer *gaz;

static void rule_world_setup(void) {
  KgError err;
  cr_assert_eq(kg_normalizer_new(&norm, &err), KG_SUCCESS);
  cr_assert_eq(kg_ontology_load(RULES_DIR "ontology.ttl", &onto, &err),
               KG_SUCCESS, "%s", err.message);
  cr_assert_eq(kg_gazetteer_new(norm, &gaz), KG_SUCCESS);
  cr_assert_eq(
      kg_gazetteer_load(gaz, onto, RULES_DIR "entities.ttl", NULL, NULL, &err),
      KG_SUCCESS, "%s", err.message);
  cr_assert_eq(kg_gazetteer_compile(gaz), KG_SUCCESS);
}

static void rule_world_teardown(void) {
  kg_gazetteer_free(gaz);
  kg_ontology_free(onto);
  kg_normalizer_free(norm);
}

#endif
