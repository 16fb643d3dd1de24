/* Unit tests for fact_store.c: dedup, evidence, merge, canonical order. */
#include "fact_store.h"
#include "util.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static KgEvidence ev(const char *doc, size_t sentence, const char *rule) {
  KgEvidence e = {doc,  sentence, 3, 9, 0, 20, "百度发布了文心一言。",
                  "zh", rule};
  return e;
}

Test(fact_store, dedups_facts_and_evidence) {
  KgFactStore *fs = kg_fact_store_new();
  KgEvidence a = ev("a.txt", 1, "r1"), b = ev("b.txt", 0, "r1");
  cr_assert_eq(
      kg_fact_store_add_fact(fs, "Baidu", "releases", "ErnieBot", NULL, &a),
      KG_SUCCESS);
  cr_assert_eq(
      kg_fact_store_add_fact(fs, "Baidu", "releases", "ErnieBot", NULL, &a),
      KG_SUCCESS);
  cr_assert_eq(
      kg_fact_store_add_fact(fs, "Baidu", "releases", "ErnieBot", NULL, &b),
      KG_SUCCESS);
  cr_assert_eq(kg_fact_store_add_fact(fs, "Baidu", "releases", "ErnieBot",
                                      "closed-source", &a),
               KG_SUCCESS);
  cr_assert_eq(kg_fact_store_n_facts(fs), 2);
  kg_fact_store_sort(fs);
  KgFactView f = kg_fact_store_fact(fs, 0);
  cr_assert_null(f.qualifier); /* NULL sorts before any qualifier */
  cr_assert_eq(f.n_evidence, 2);
  cr_assert_str_eq(f.evidence[0].doc, "a.txt");
  cr_assert_str_eq(kg_fact_store_fact(fs, 1).qualifier, "closed-source");
  kg_fact_store_free(fs);
}

Test(fact_store, entities_keep_first_label_and_all_aliases) {
  KgFactStore *fs = kg_fact_store_new();
  kg_fact_store_add_entity(fs, "Baidu", "Baidu", "Organization", "百度");
  kg_fact_store_add_entity(fs, "Baidu", "Other", NULL, "Baidu");
  kg_fact_store_add_entity(fs, "Baidu", NULL, NULL, "百度");
  kg_fact_store_add_entity(fs, "Alibaba", "Alibaba", "Organization", NULL);
  kg_fact_store_sort(fs);
  cr_assert_eq(kg_fact_store_n_entities(fs), 2);
  KgEntityView e = kg_fact_store_entity(fs, 1);
  cr_assert_str_eq(e.key, "Baidu");
  cr_assert_str_eq(e.label, "Baidu");
  cr_assert_str_eq(e.type, "Organization");
  cr_assert_eq(e.n_aliases, 2);
  cr_assert_str_eq(e.aliases[0], "Baidu");
  cr_assert_str_eq(e.aliases[1], "百度");
  cr_assert_eq(kg_fact_store_find_entity(fs, "Alibaba"), 0);
  cr_assert_eq(kg_fact_store_find_entity(fs, "Nope"), -1);
  kg_fact_store_free(fs);
}

/* Entities added to one store per document and merged into a graph end
 * as they would if added to the graph directly: the first label and type
 * known, every alias once.  The adds come from a small pool, so the graph
 * often holds an entity, its label or an alias before a merge brings it,
 * and sometimes lacks the label or type the merge supplies. */
Test(fact_store, merged_entities_equal_direct_adds) {
  static const char *const keys[] = {"Baidu", "Meta", "Qwen"};
  static const char *const labels[] = {NULL, "L1", "L2"};
  static const char *const types[] = {NULL, "Organization", "Model"};
  static const char *const aliases[] = {NULL, "a", "b", "百度", "c"};
  uint32_t x = 2024;
  for (int round = 0; round < 50; round++) {
    KgFactStore *direct = kg_fact_store_new(), *graph = kg_fact_store_new();
    for (int doc = 0; doc < 6; doc++) {
      KgFactStore *one = kg_fact_store_new();
      for (int k = 0; k < 4; k++) {
        x = x * 1103515245 + 12345;
        const char *key = keys[(x >> 8) % 3];
        const char *l = labels[(x >> 12) % 3], *t = types[(x >> 16) % 3];
        const char *a = aliases[(x >> 20) % 5];
        cr_assert_eq(kg_fact_store_add_entity(direct, key, l, t, a), 0);
        cr_assert_eq(kg_fact_store_add_entity(one, key, l, t, a), 0);
      }
      cr_assert_eq(kg_fact_store_merge(graph, one), KG_SUCCESS);
      kg_fact_store_free(one);
    }
    kg_fact_store_sort(direct);
    kg_fact_store_sort(graph);
    size_t n = kg_fact_store_n_entities(direct);
    cr_assert_eq(kg_fact_store_n_entities(graph), n);
    for (size_t i = 0; i < n; i++) {
      KgEntityView d = kg_fact_store_entity(direct, i);
      KgEntityView g = kg_fact_store_entity(graph, i);
      cr_assert_str_eq(g.key, d.key);
      cr_assert_eq(!g.label, !d.label, "round %d: %s", round, d.key);
      cr_assert(!d.label || !strcmp(g.label, d.label), "round %d", round);
      cr_assert_eq(!g.type, !d.type, "round %d: %s", round, d.key);
      cr_assert(!d.type || !strcmp(g.type, d.type), "round %d", round);
      cr_assert_eq(g.n_aliases, d.n_aliases, "round %d: %s", round, d.key);
      for (size_t a = 0; a < d.n_aliases; a++)
        cr_assert_str_eq(g.aliases[a], d.aliases[a]);
    }
    kg_fact_store_free(direct);
    kg_fact_store_free(graph);
  }
}

Test(fact_store, order_does_not_depend_on_insertion) {
  KgFactStore *x = kg_fact_store_new(), *y = kg_fact_store_new();
  const char *objs[] = {"C", "A", "B", "E", "D"};
  KgEvidence e = ev("d.txt", 0, "r");
  for (int i = 0; i < 5; i++)
    kg_fact_store_add_fact(x, "S", "p", objs[i], NULL, &e);
  for (int i = 4; i >= 0; i--)
    kg_fact_store_add_fact(y, "S", "p", objs[i], NULL, &e);
  KgFactStore *m = kg_fact_store_new();
  cr_assert_eq(kg_fact_store_merge(m, y), KG_SUCCESS);
  kg_fact_store_sort(x);
  kg_fact_store_sort(m);
  for (size_t i = 0; i < 5; i++)
    cr_assert_str_eq(kg_fact_store_fact(x, i).object,
                     kg_fact_store_fact(m, i).object);
  cr_assert_str_eq(kg_fact_store_fact(x, 0).object, "A");
  kg_fact_store_free(x);
  kg_fact_store_free(y);
  kg_fact_store_free(m);
}

Test(fact_store, many_facts_survive_rehash) {
  KgFactStore *fs = kg_fact_store_new();
  char o[32];
  for (int i = 0; i < 5000; i++) {
    snprintf(o, sizeof o, "M%05d", i);
    cr_assert_eq(kg_fact_store_add_fact(fs, "S", "releases", o, NULL, NULL),
                 KG_SUCCESS);
  }
  for (int i = 0; i < 5000; i += 7) {
    snprintf(o, sizeof o, "M%05d", i);
    kg_fact_store_add_fact(fs, "S", "releases", o, NULL, NULL);
  }
  cr_assert_eq(kg_fact_store_n_facts(fs), 5000);
  kg_fact_store_free(fs);
}

Test(fact_store, free_null_is_noop) {
  kg_fact_store_free(NULL);
}

/* Every allocation in turn fails: each call reports KG_ERR_NOMEM (never
 * success with lost data, never a crash), and the last run, with more
 * allocations allowed than it needs, succeeds with the fact stored. */
Test(fact_store, allocation_failures_return_errors) {
  bool succeeded = false;
  for (long n = 0; n < 40; n++) {
    kg_alloc_fail_after(n);
    KgFactStore *fs = kg_fact_store_new();
    KgEvidence e = ev("a", 0, "r");
    KgStatus a = KG_ERR_NOMEM, f = KG_ERR_NOMEM;
    if (fs) {
      a = kg_fact_store_add_entity(fs, "K", "L", "T", "A");
      f = kg_fact_store_add_fact(fs, "K", "p", "K2", "q", &e);
    }
    kg_alloc_fail_after(-1);
    cr_assert(a == KG_SUCCESS || a == KG_ERR_NOMEM);
    cr_assert(f == KG_SUCCESS || f == KG_ERR_NOMEM);
    if (a == KG_SUCCESS && f == KG_SUCCESS) {
      cr_assert_eq(kg_fact_store_n_facts(fs), 1);
      cr_assert_eq(kg_fact_store_fact(fs, 0).n_evidence, 1);
      succeeded = true;
    }
    kg_fact_store_free(fs);
  }
  cr_assert(succeeded, "40 allocations were not enough for one fact");
}

/* A limited store keeps the first evidence in sort order whatever the
 * order it came in, and counts the rest: what a build's graph does when it
 * merges one store per document. */
Test(fact_store, limited_evidence_keeps_the_first_and_counts_all) {
  const char *docs[] = {"c.txt", "a.txt", "e.txt", "b.txt", "d.txt"};
  KgFactStore *all = kg_fact_store_new(), *two = kg_fact_store_new(),
              *none = kg_fact_store_new();
  kg_fact_store_limit_evidence(two, 2);
  kg_fact_store_limit_evidence(none, 0);
  for (size_t i = 0; i < 5; i++) {
    KgFactStore *one = kg_fact_store_new();
    KgEvidence e = ev(docs[i], i, "r");
    cr_assert_eq(kg_fact_store_add_fact(one, "A", "p", "B", NULL, &e),
                 KG_SUCCESS);
    cr_assert_eq(kg_fact_store_merge(all, one), KG_SUCCESS);
    cr_assert_eq(kg_fact_store_merge(two, one), KG_SUCCESS);
    cr_assert_eq(kg_fact_store_merge(none, one), KG_SUCCESS);
    kg_fact_store_free(one);
  }
  kg_fact_store_sort(all);
  kg_fact_store_sort(two);
  KgFactView fa = kg_fact_store_fact(all, 0), f2 = kg_fact_store_fact(two, 0),
             f0 = kg_fact_store_fact(none, 0);
  cr_assert_eq(fa.n_evidence, 5);
  cr_assert_eq(fa.support, 5);
  cr_assert_eq(f2.n_evidence, 2);
  cr_assert_eq(f2.support, 5);
  cr_assert_str_eq(f2.evidence[0].doc, "a.txt");
  cr_assert_str_eq(f2.evidence[1].doc, "b.txt");
  cr_assert_str_eq(f2.evidence[1].text, "百度发布了文心一言。");
  cr_assert_eq(f0.n_evidence, 0);
  cr_assert_eq(f0.support, 5);
  /* the same evidence again is no new support */
  KgEvidence again = ev("a.txt", 1, "r");
  kg_fact_store_add_fact(two, "A", "p", "B", NULL, &again);
  cr_assert_eq(kg_fact_store_fact(two, 0).support, 5);
  /* a limited store merged on keeps counting what it did not keep */
  KgFactStore *on = kg_fact_store_new();
  kg_fact_store_limit_evidence(on, 1);
  cr_assert_eq(kg_fact_store_merge(on, two), KG_SUCCESS);
  cr_assert_eq(kg_fact_store_fact(on, 0).support, 5);
  cr_assert_eq(kg_fact_store_fact(on, 0).n_evidence, 1);
  kg_fact_store_free(on);
  kg_fact_store_free(all);
  kg_fact_store_free(two);
  kg_fact_store_free(none);
}

Test(fact_store, find_document) {
  KgFactStore *fs = kg_fact_store_new();
  cr_assert_eq(kg_fact_store_find_document(fs, "a.txt"), -1);
  KgDocView a = {"a.txt", "00", "en", "text", 1, 10};
  KgDocView b = {"b.txt", "11", "zh", "text", 2, 20};
  kg_fact_store_add_document(fs, &a);
  kg_fact_store_add_document(fs, &b);
  cr_assert_eq(kg_fact_store_find_document(fs, "b.txt"), 1);
  cr_assert_eq(kg_fact_store_find_document(fs, "c.txt"), -1);
  kg_fact_store_free(fs);
}

static int cmp_view(const KgFactView *a, const KgFactView *b) {
  int c = strcmp(a->subject, b->subject);
  if (!c)
    c = strcmp(a->predicate, b->predicate);
  if (!c)
    c = strcmp(a->object, b->object);
  if (!c && a->qualifier != b->qualifier)
    c = !a->qualifier   ? -1
        : !b->qualifier ? 1
                        : strcmp(a->qualifier, b->qualifier);
  return c;
}

/* Large stores sort through ranked keys (fact_store.c): the order must be
 * the text order all the same, qualifier-less facts first. */
Test(fact_store, large_store_sorts_in_text_order) {
  KgFactStore *fs = kg_fact_store_new();
  KgEvidence a = ev("a.txt", 1, "r1");
  const char *preds[] = {"releases", "acquires", "worksFor"};
  const char *quals[] = {NULL, "open-weights", "closed-source"};
  unsigned x = 12345;
  for (int i = 0; i < 9000; i++) {
    char s[32], o[32];
    x = x * 1103515245u + 12345u; /* a fixed shuffle */
    snprintf(s, sizeof s, "E%u", x % 997);
    snprintf(o, sizeof o, "%s%u", x & 1 ? "模型" : "Model", (x >> 8) % 991);
    cr_assert_eq(kg_fact_store_add_fact(fs, s, preds[(x >> 4) % 3], o,
                                        quals[(x >> 6) % 3], &a),
                 KG_SUCCESS);
  }
  size_t n = kg_fact_store_n_facts(fs);
  cr_assert_gt(n, 4096); /* past the size where ranked sorting starts */
  kg_fact_store_sort(fs);
  for (size_t i = 1; i < n; i++) {
    KgFactView p = kg_fact_store_fact(fs, i - 1), f = kg_fact_store_fact(fs, i);
    cr_assert_lt(cmp_view(&p, &f), 0, "facts %zu and %zu out of order", i - 1,
                 i);
  }
  kg_fact_store_free(fs);
}

static void expect_sorted(KgFactStore *fs, size_t want) {
  size_t n = kg_fact_store_n_facts(fs);
  cr_assert_eq(n, want);
  for (size_t i = 1; i < n; i++) {
    KgFactView p = kg_fact_store_fact(fs, i - 1), f = kg_fact_store_fact(fs, i);
    cr_assert_lt(cmp_view(&p, &f), 0, "facts %zu and %zu out of order", i - 1,
                 i);
  }
}

/* Input already in order, in reverse order, and in runs: the patterns
 * that make a naive quicksort quadratic or a permutation go astray.
 * Objects share their first 20 bytes (ranked by their prefix first, then
 * by text), and entities are sorted with the facts. */
Test(fact_store, large_store_sorts_ordered_and_reversed_input) {
  enum { N = 6000 };
  KgEvidence a = ev("a.txt", 1, "r1");
  for (int pattern = 0; pattern < 3; pattern++) {
    KgFactStore *fs = kg_fact_store_new();
    for (int i = 0; i < N; i++) {
      int k = pattern == 0   ? i
              : pattern == 1 ? N - 1 - i
                             : (i % 7) * 1000 + i / 7;
      char s[32], o[48];
      snprintf(s, sizeof s, "S%05d", k / 10);
      snprintf(o, sizeof o, "Object-with-a-long-prefix-%d", k);
      cr_assert_eq(kg_fact_store_add_fact(fs, s, "releases", o, NULL, &a),
                   KG_SUCCESS);
      cr_assert_eq(kg_fact_store_add_entity(fs, o, NULL, "Model", NULL),
                   KG_SUCCESS);
    }
    kg_fact_store_sort(fs);
    expect_sorted(fs, N);
    KgFactView f = kg_fact_store_fact(fs, 0);
    cr_expect_str_eq(f.subject, "S00000");
    cr_expect_str_eq(f.object, "Object-with-a-long-prefix-0");
    cr_expect_eq(f.n_evidence, 1);
    cr_assert_eq(kg_fact_store_n_entities(fs), N);
    for (size_t i = 0; i < N; i++) {
      KgEntityView e = kg_fact_store_entity(fs, i);
      if (i > 0)
        cr_assert_lt(strcmp(kg_fact_store_entity(fs, i - 1).key, e.key), 0,
                     "entities %zu and %zu out of order", i - 1, i);
      cr_assert_eq(kg_fact_store_find_entity(fs, e.key), (long)i);
    }
    kg_fact_store_free(fs);
  }
}
