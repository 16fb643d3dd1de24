/* Unit tests for gazetteer.c: aliases, variants, leftmost-longest matching,
 * boundaries, loading from Turtle, and a differential check against a naive
 * matcher. */
#include "gazetteer.h"
#include "normalizer.h"
#include "ontology.h"
#include "util.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXTURES "tests/fixtures/gazetteer/"

static KgNormalizer *norm;

static void setup(void) {
  cr_assert_eq(kg_normalizer_new(&norm, NULL), KG_SUCCESS);
}

static void teardown(void) {
  kg_normalizer_free(norm);
}

TestSuite(gazetteer, .init = setup, .fini = teardown);

static KgGazetteer *gaz_new(void) {
  KgGazetteer *g = NULL;
  cr_assert_eq(kg_gazetteer_new(norm, &g), KG_SUCCESS);
  return g;
}

/* Add an entity with the given aliases (NULL-terminated). */
static uint32_t entity(KgGazetteer *g, const char *key, const char *alias,
                       ...) {
  uint32_t id;
  cr_assert_eq(kg_gazetteer_add_entity(g, key, NULL, 0, &id), KG_SUCCESS);
  va_list ap;
  va_start(ap, alias);
  for (const char *a = alias; a; a = va_arg(ap, const char *))
    cr_assert_eq(kg_gazetteer_add_alias(g, id, a), KG_SUCCESS, "%s", a);
  va_end(ap);
  return id;
}

/* Match the normal form of text; the matches are rendered as
 * "key@begin-end" joined by spaces into buf. */
static const char *run(const KgGazetteer *g, const char *text, char *buf,
                       size_t size) {
  char *t = kg_normalize_key(norm, text, strlen(text));
  cr_assert_not_null(t);
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, t, strlen(t), &v), KG_SUCCESS);
  size_t w = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < v.len && w < size; i++)
    w += (size_t)snprintf(buf + w, size - w, "%s%s@%zu-%zu", i ? " " : "",
                          kg_gazetteer_entity(g, v.items[i].entity)->key,
                          v.items[i].begin, v.items[i].end);
  kg_vec_free(&v);
  kg_free(t);
  return buf;
}

#define RUN(g, text) run((g), (text), buf, sizeof buf)

Test(gazetteer, longest_match_wins) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Baidu", "百度", NULL);
  entity(g, "BaiduAICloud", "百度智能云", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "百度智能云上线和百度说"),
                   "BaiduAICloud@0-15 Baidu@24-30");
  kg_gazetteer_free(g);
}

Test(gazetteer, leftmost_beats_longer_overlap) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "AliCloud", "阿里云", NULL);
  entity(g, "CloudPlatform", "云计算平台", NULL);
  entity(g, "Platform", "平台", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  /* 阿里云 starts first; 云计算平台 overlaps it; 平台 is free again */
  cr_assert_str_eq(RUN(g, "阿里云计算平台"), "AliCloud@0-9 Platform@15-21");
  cr_assert_str_eq(RUN(g, "用云计算平台"), "CloudPlatform@3-18");
  kg_gazetteer_free(g);
}

Test(gazetteer, overlapping_english_candidates) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Alibaba", "Alibaba", NULL);
  entity(g, "AlibabaCloud", "Alibaba Cloud", NULL);
  entity(g, "CloudIntel", "Cloud Intelligence", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "Alibaba Cloud Intelligence"), "AlibabaCloud@0-13");
  cr_assert_str_eq(RUN(g, "Alibaba, Cloud Intelligence"),
                   "Alibaba@0-7 CloudIntel@9-27");
  kg_gazetteer_free(g);
}

Test(gazetteer, word_boundaries) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Meta", "Meta", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "Metadata"), "");
  cr_assert_str_eq(RUN(g, "xMeta"), "");
  cr_assert_str_eq(RUN(g, "Meta2"), "");
  cr_assert_str_eq(RUN(g, "Meta的"), "Meta@0-4");
  cr_assert_str_eq(RUN(g, "是Meta"), "Meta@3-7");
  cr_assert_str_eq(RUN(g, "(Meta)"), "Meta@1-5");
  cr_assert_str_eq(RUN(g, "Metadata and Meta."), "Meta@13-17");
  kg_gazetteer_free(g);
}

Test(gazetteer, chinese_alias_needs_no_boundary) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Qwen", "通义千问", NULL);
  entity(g, "Q7", "Qwen-7B", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "a通义千问b"), "Qwen@1-13");
  cr_assert_str_eq(RUN(g, "Qwen-7B模型和qwen7b"), "Q7@0-7 Q7@16-22");
  cr_assert_str_eq(RUN(g, "Qwen-7Bx"), "");
  kg_gazetteer_free(g);
}

Test(gazetteer, case_insensitive_and_variants) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Llama2", "LLaMA 2", NULL);
  entity(g, "MistralAI", "Mistral AI", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "llama 2, Llama-2, LLAMA2"),
                   "Llama2@0-7 Llama2@9-16 Llama2@18-24");
  cr_assert_str_eq(RUN(g, "MISTRALAI / mistral-ai / Mistral  AI"),
                   "MistralAI@0-9 MistralAI@12-22");
  cr_assert_str_eq(RUN(g, "Mistral Ai"), "MistralAI@0-10");
  kg_gazetteer_free(g);
}

Test(gazetteer, variants_of_mixed_separators) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "GPT4T", "GPT-4 Turbo", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "GPT-4 Turbo|gpt 4 turbo|gpt-4-turbo|gpt4turbo"),
                   "GPT4T@0-11 GPT4T@12-23 GPT4T@24-35 GPT4T@36-45");
  kg_gazetteer_free(g);
}

Test(gazetteer, traditional_text_matches_simplified_alias) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "BaiduAICloud", "百度智能云", NULL);
  entity(g, "ErnieBot", "文心一言", NULL);
  entity(g, "Qianfan", "文心千帆", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "百度智能雲"), "BaiduAICloud@0-15");
  cr_assert_str_eq(RUN(g, "文心一言與文心千帆"), "ErnieBot@0-12 Qianfan@15-27");
  kg_gazetteer_free(g);
}

Test(gazetteer, fullwidth_text_matches_ascii_alias) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "Meta", "Meta", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "（Ｍｅｔａ）"), "Meta@1-5");
  kg_gazetteer_free(g);
}

Test(gazetteer, utf8_boundaries) {
  KgGazetteer *g = gaz_new();
  entity(g, "Bai", "百", NULL);
  entity(g, "AB", "ab", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  KgGazMatchVec v = {0};
  /* a stray continuation byte after the alias: not a character end */
  const char *t1 = "\xe7\x99\xbe\xba ab\x80";
  cr_assert_eq(kg_gazetteer_match(g, t1, strlen(t1), &v), KG_SUCCESS);
  cr_assert_eq(v.len, 0);
  /* truncated character at the end of the text */
  const char *t2 = "ab \xe7\x99";
  cr_assert_eq(kg_gazetteer_match(g, t2, strlen(t2), &v), KG_SUCCESS);
  cr_assert_eq(v.len, 1);
  cr_assert_eq(v.items[0].begin, 0);
  cr_assert_eq(v.items[0].end, 2);
  kg_vec_free(&v);
  kg_gazetteer_free(g);
}

Test(gazetteer, empty_text_and_appending) {
  KgGazetteer *g = gaz_new();
  uint32_t meta = entity(g, "Meta", "Meta", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, "", 0, &v), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_match(g, NULL, 0, &v), KG_SUCCESS);
  cr_assert_eq(v.len, 0);
  cr_assert_eq(kg_gazetteer_match(g, "meta meta", 9, &v), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_match(g, "meta", 4, &v), KG_SUCCESS);
  cr_assert_eq(v.len, 3); /* earlier matches stay in front */
  cr_assert_eq(v.items[1].begin, 5);
  cr_assert_eq(v.items[2].begin, 0);
  cr_assert_eq(v.items[2].entity, meta);
  kg_vec_free(&v);
  kg_gazetteer_free(g);
}

Test(gazetteer, compile_required_and_bad_args) {
  KgGazetteer *g = gaz_new();
  uint32_t id = entity(g, "Meta", "Meta", NULL);
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, "meta", 4, &v), KG_ERR_BAD_ARG);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_alias(g, id, "Facebook"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_match(g, "meta", 4, &v), KG_ERR_BAD_ARG);
  cr_assert_eq(kg_gazetteer_add_alias(g, id + 1, "x"), KG_ERR_BAD_ARG);
  cr_assert_eq(kg_gazetteer_add_entity(g, "", NULL, 0, &id), KG_ERR_BAD_ARG);
  cr_assert_eq(kg_gazetteer_new(NULL, &g), KG_ERR_BAD_ARG);
  kg_gazetteer_free(NULL);
  kg_gazetteer_free(g);
}

Test(gazetteer, entities_and_find) {
  KgGazetteer *g = gaz_new();
  uint32_t a, b, c;
  cr_assert_eq(kg_gazetteer_add_entity(g, "Baidu", "百度", 2, &a), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_entity(g, "Meta", NULL, 1, &b), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_entity(g, "Baidu", "x", 3, &c), KG_SUCCESS);
  cr_assert_eq(a, c);
  cr_assert_eq(kg_gazetteer_size(g), 2);
  cr_assert_str_eq(kg_gazetteer_entity(g, a)->label, "百度");
  cr_assert_eq(kg_gazetteer_entity(g, a)->type, 2);
  cr_assert_str_eq(kg_gazetteer_entity(g, b)->label, "Meta");
  cr_assert_null(kg_gazetteer_entity(g, 7));
  cr_assert_eq(kg_gazetteer_find(g, "Meta"), (long)b);
  cr_assert_eq(kg_gazetteer_find(g, "meta"), -1);
  kg_gazetteer_free(g);
}

Test(gazetteer, duplicate_and_trivial_aliases) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  uint32_t first = entity(g, "First", "Apex", NULL);
  uint32_t second;
  kg_gazetteer_add_entity(g, "Second", NULL, 0, &second);
  cr_assert_eq(kg_gazetteer_add_alias(g, second, "APEX"), KG_FAILURE);
  cr_assert_eq(kg_gazetteer_add_alias(g, first, "apex"), KG_SUCCESS);
  /* one ASCII character or nothing: skipped, no error */
  cr_assert_eq(kg_gazetteer_add_alias(g, second, "X"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_alias(g, second, "  "), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_alias(g, second, ""), KG_SUCCESS);
  /* a single Chinese character is a fine alias */
  cr_assert_eq(kg_gazetteer_add_alias(g, second, "鹅"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "apex X x 鹅"), "First@0-4 Second@9-12");
  kg_gazetteer_free(g);
}

Test(gazetteer, explicit_alias_beats_generated_variant) {
  char buf[512];
  KgGazetteer *g = gaz_new();
  entity(g, "OpenSource", "open-source", NULL);
  entity(g, "OpenSourceCo", "OpenSource", NULL); /* takes "opensource" */
  uint32_t third;
  kg_gazetteer_add_entity(g, "Third", NULL, 0, &third);
  /* a generated variant yields to an explicit alias, never the reverse */
  cr_assert_eq(kg_gazetteer_add_alias(g, third, "open source"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_alias(g, third, "Open-Source"), KG_FAILURE);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "open-source; open source; opensource"),
                   "OpenSource@0-11 Third@13-24 OpenSourceCo@26-36");
  kg_gazetteer_free(g);
}

/* ------------------------------------------------------ differential */

/* The greedy selection done the slow way: every alias at every start. */
static size_t naive(char **keys, uint32_t *ents, size_t n, const char *t,
                    size_t len, KgGazMatch *out) {
  size_t w = 0, last_end = 0;
  for (size_t b = 0; b < len; b++) {
    if (b < last_end || ((unsigned char)t[b] & 0xC0) == 0x80)
      continue;
    size_t best = 0;
    uint32_t ent = 0;
    for (size_t k = 0; k < n; k++) {
      size_t kl = strlen(keys[k]);
      if (kl > best && kl <= len - b && memcmp(t + b, keys[k], kl) == 0)
        best = kl, ent = ents[k];
    }
    if (best) {
      out[w++] = (KgGazMatch){b, b + best, ent};
      last_end = b + best;
    }
  }
  return w;
}

/* A random string of n characters: CJK sharing lead bytes (so nodes get
 * many edges), two-byte Greek and, in text only, punctuation. */
static void random_chars(char *out, int n, int alphabet) {
  size_t w = 0;
  for (int j = 0; j < n; j++) {
    int r = rand() % alphabet;
    uint32_t cp = 0x3002; /* 。 */
    if (r < 40)
      cp = 0x4E00 + (uint32_t)r * 37;
    else if (r < 44)
      cp = 0x3B1 + (uint32_t)(r - 40); /* α..δ */
    w += kg_utf8_encode(cp, out + w);
  }
  out[w] = '\0';
}

Test(gazetteer, agrees_with_naive_matcher) {
  srand(7);
  for (int round = 0; round < 30; round++) {
    KgGazetteer *g = gaz_new();
    static char *keys[300];
    static uint32_t ents[300];
    size_t n = 0;
    for (int k = 0; k < 300; k++) {
      char key[64], name[16];
      random_chars(key, round % 2 ? 1 + rand() % 4 : 2 + rand() % 2, 44);
      snprintf(name, sizeof name, "e%d", k);
      uint32_t id;
      kg_gazetteer_add_entity(g, name, NULL, 0, &id);
      /* success: a new key (a taken one gives KG_FAILURE) */
      if (kg_gazetteer_add_alias(g, id, key) == KG_SUCCESS) {
        keys[n] = kg_normalize_key(norm, key, strlen(key));
        ents[n++] = id;
      }
    }
    cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
    static char raw[8192];
    random_chars(raw, 2000, 46);
    char *text = kg_normalize_key(norm, raw, strlen(raw));
    size_t len = strlen(text);
    static KgGazMatch want[4096];
    size_t nw = naive(keys, ents, n, text, len, want);
    KgGazMatchVec got = {0};
    cr_assert_eq(kg_gazetteer_match(g, text, len, &got), KG_SUCCESS);
    cr_assert_gt(nw, 10);
    cr_assert_eq(got.len, nw, "round %d", round);
    for (size_t i = 0; i < nw; i++) {
      cr_assert_eq(got.items[i].begin, want[i].begin, "round %d", round);
      cr_assert_eq(got.items[i].end, want[i].end);
      cr_assert_eq(got.items[i].entity, want[i].entity);
    }
    kg_vec_free(&got);
    for (size_t i = 0; i < n; i++)
      kg_free(keys[i]);
    kg_free(text);
    kg_gazetteer_free(g);
  }
}

/* A character of a mixed alphabet: ASCII punctuation, Greek and Cyrillic
 * (two bytes), Han and Hangul (three bytes, several lead bytes). */
static size_t mixed_char(char *out) {
  static const char punct[] = "!#$%&()*+,./:;<=>?@[]^_{|}~";
  int r = rand() % 100;
  if (r < 20) {
    out[0] = punct[rand() % (int)(sizeof punct - 1)];
    return 1;
  }
  uint32_t cp = r < 35   ? 0x3B1 + (uint32_t)(rand() % 24)
                : r < 50 ? 0x430 + (uint32_t)(rand() % 32)
                : r < 85 ? 0x4E00 + (uint32_t)(rand() % 64) * 331
                         : 0xAC00 + (uint32_t)(rand() % 32) * 313;
  return kg_utf8_encode(cp, out);
}

/* Thousands of keys of 2 to 12 characters: a wide, deep trie whose tails
 * are long chains, checked against the naive matcher on text built from
 * pieces of the keys.  The text is long, so the matcher scans it as two
 * overlapping halves at once: a key across the middle must be found once. */
Test(gazetteer, large_mixed_trie_agrees_with_naive_matcher) {
  srand(11);
  enum { N = 3000 };
  KgGazetteer *g = gaz_new();
  static char *keys[N];
  static uint32_t ents[N];
  size_t n = 0;
  for (int k = 0; k < N; k++) {
    char key[64], name[16];
    size_t w = 0;
    for (int j = 2 + rand() % 11; j > 0; j--)
      w += mixed_char(key + w);
    key[w] = '\0';
    snprintf(name, sizeof name, "m%d", k);
    uint32_t id;
    kg_gazetteer_add_entity(g, name, NULL, 0, &id);
    if (kg_gazetteer_add_alias(g, id, key) == KG_SUCCESS) {
      keys[n] = kg_normalize_key(norm, key, strlen(key));
      ents[n++] = id;
    }
  }
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  static char raw[32768];
  size_t w = 0;
  while (w < sizeof raw - 128) {
    if (rand() % 3) { /* a prefix of a key, often a whole one */
      const char *k = keys[rand() % n];
      size_t kl = strlen(k), cut = rand() % 2 ? kl : (size_t)rand() % kl;
      while (cut < kl && ((unsigned char)k[cut] & 0xC0) == 0x80)
        cut++;
      memcpy(raw + w, k, cut);
      w += cut;
    } else {
      w += mixed_char(raw + w);
    }
  }
  raw[w] = '\0';
  char *text = kg_normalize_key(norm, raw, w);
  size_t len = strlen(text);
  static KgGazMatch want[16384];
  size_t nw = naive(keys, ents, n, text, len, want);
  KgGazMatchVec got = {0};
  cr_assert_eq(kg_gazetteer_match(g, text, len, &got), KG_SUCCESS);
  cr_assert_gt(nw, 500);
  cr_assert_eq(got.len, nw);
  for (size_t i = 0; i < nw; i++) {
    cr_assert_eq(got.items[i].begin, want[i].begin, "match %zu", i);
    cr_assert_eq(got.items[i].end, want[i].end, "match %zu", i);
    cr_assert_eq(got.items[i].entity, want[i].entity, "match %zu", i);
  }
  kg_vec_free(&got);
  for (size_t i = 0; i < n; i++)
    kg_free(keys[i]);
  kg_free(text);
  kg_gazetteer_free(g);
}

Test(gazetteer, many_entities) {
  KgGazetteer *g = gaz_new();
  char key[32], alias[32];
  for (int i = 0; i < 5000; i++) {
    uint32_t id;
    snprintf(key, sizeof key, "E%d", i);
    snprintf(alias, sizeof alias, "Model-%d X", i);
    cr_assert_eq(kg_gazetteer_add_entity(g, key, NULL, 0, &id), KG_SUCCESS);
    cr_assert_eq(kg_gazetteer_add_alias(g, id, alias), KG_SUCCESS);
  }
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_find(g, "E4321"), 4321);
  const char *t = "model 4321 x, model-17-x; model12x";
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, t, strlen(t), &v), KG_SUCCESS);
  cr_assert_eq(v.len, 3);
  cr_assert_eq(v.items[0].entity, 4321);
  cr_assert_eq(v.items[1].entity, 17);
  cr_assert_eq(v.items[2].entity, 12);
  kg_vec_free(&v);
  kg_gazetteer_free(g);
}

/* -------------------------------------------------------- threads */

typedef struct {
  const KgGazetteer *g;
  const char *text;
  size_t n;
} Job;

static void *match_job(void *arg) {
  Job *j = arg;
  for (int r = 0; r < 50; r++) {
    KgGazMatchVec v = {0};
    if (kg_gazetteer_match(j->g, j->text, strlen(j->text), &v) != KG_SUCCESS)
      return NULL;
    j->n = r == 0 || j->n == v.len ? v.len : (size_t)-1;
    kg_vec_free(&v);
  }
  return NULL;
}

Test(gazetteer, threads_share_a_gazetteer) {
  KgGazetteer *g = gaz_new();
  entity(g, "Baidu", "百度", NULL);
  entity(g, "Meta", "Meta", NULL);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  pthread_t th[4];
  Job jobs[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (Job){g, "百度和meta，meta与百度。metadata", 0};
    pthread_create(&th[i], NULL, match_job, &jobs[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(jobs[i].n, 4);
  }
  kg_gazetteer_free(g);
}

/* -------------------------------------------------- fault injection */

static KgStatus build_and_match(size_t *n_matches) {
  KgGazetteer *g = NULL;
  KgStatus st = kg_gazetteer_new(norm, &g);
  uint32_t id = 0;
  if (st == KG_SUCCESS)
    st = kg_gazetteer_add_entity(g, "Llama2", "Llama 2", 0, &id);
  if (st == KG_SUCCESS)
    st = kg_gazetteer_add_alias(g, id, "LLaMA 2");
  if (st == KG_SUCCESS)
    st = kg_gazetteer_add_alias(g, id, "羊驼2");
  if (st == KG_SUCCESS)
    st = kg_gazetteer_compile(g);
  KgGazMatchVec v = {0};
  if (st == KG_SUCCESS)
    st = kg_gazetteer_match(g, "llama-2 与 羊驼2", 19, &v);
  *n_matches = v.len;
  kg_vec_free(&v);
  kg_gazetteer_free(g);
  return st;
}

Test(gazetteer, survives_allocation_failures) {
  size_t n = 0;
  for (long k = 0; k < 200; k++) {
    kg_alloc_fail_after(k);
    KgStatus st = build_and_match(&n);
    kg_alloc_fail_after(-1);
    if (st == KG_SUCCESS) {
      cr_assert_eq(n, 2);
      return;
    }
    cr_assert(st == KG_ERR_NOMEM || st == KG_FAILURE, "k=%ld st=%d", k, st);
  }
  cr_assert_fail("never succeeded");
}

/* ------------------------------------------------------------ load */

typedef struct {
  int n;
  char last[2100];
} Msgs;

static void on_msg(void *ctx, const KgError *e) {
  Msgs *m = ctx;
  m->n++;
  snprintf(m->last, sizeof m->last, "%s: %s", e->file, e->message);
}

Test(gazetteer, load_fixture) {
  char buf[512];
  KgOntology *onto = NULL;
  KgError err = {0};
  cr_assert_eq(kg_ontology_load(FIXTURES "ontology.ttl", &onto, &err),
               KG_SUCCESS, "%s", err.message);
  KgGazetteer *g = gaz_new();
  Msgs msgs = {0};
  cr_assert_eq(
      kg_gazetteer_load(g, onto, FIXTURES "entities.ttl", on_msg, &msgs, &err),
      KG_SUCCESS, "%s", err.message);
  cr_assert_eq(msgs.n, 1, "%s", msgs.last);
  cr_assert(strstr(msgs.last, "entities.ttl"), "%s", msgs.last);
  cr_assert(strstr(msgs.last, "Woodstock") && strstr(msgs.last, "Party"), "%s",
            msgs.last);
  /* sorted by key: ids do not depend on the order of the file */
  cr_assert_eq(kg_gazetteer_size(g), 4);
  cr_assert_eq(kg_gazetteer_find(g, "Baidu"), 0);
  cr_assert_eq(kg_gazetteer_find(g, "Llama 2"), 1);
  cr_assert_eq(kg_gazetteer_find(g, "Meta"), 2);
  cr_assert_eq(kg_gazetteer_find(g, "Robin_Li"), 3);
  cr_assert_eq(kg_gazetteer_find(g, "Woodstock"), -1);
  const KgEntityDef *baidu = kg_gazetteer_entity(g, 0);
  cr_assert_str_eq(baidu->label, "Baidu");
  cr_assert_eq(baidu->type, kg_ontology_type(onto, "Organization"));
  cr_assert_str_eq(kg_gazetteer_entity(g, 3)->label, "Robin_Li");
  cr_assert_eq(kg_gazetteer_entity(g, 3)->type,
               kg_ontology_type(onto, "Person"));
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_str_eq(RUN(g, "百度与Meta的Llama2和李彦宏说"),
                   "Baidu@0-6 Meta@9-13 Llama 2@16-22 Robin_Li@25-34");
  kg_gazetteer_free(g);
  kg_ontology_free(onto);
}

Test(gazetteer, load_reports_syntax_errors) {
  KgOntology *onto = NULL;
  KgError err = {0};
  cr_assert_eq(kg_ontology_load(FIXTURES "ontology.ttl", &onto, &err),
               KG_SUCCESS);
  KgGazetteer *g = gaz_new();
  cr_assert_eq(
      kg_gazetteer_load(g, onto, FIXTURES "broken.ttl", NULL, NULL, &err),
      KG_ERR_SYNTAX);
  cr_assert(strstr(err.file, "broken.ttl"), "%s", err.file);
  cr_assert_gt(err.line, 0);
  cr_assert_eq(
      kg_gazetteer_load(g, onto, FIXTURES "missing.ttl", NULL, NULL, &err),
      KG_ERR_IO);
  kg_gazetteer_free(g);
  kg_ontology_free(onto);
}

/* ---------------------------------------------------------- relations */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

typedef struct {
  KgBuf text;
  size_t n;
} MsgLog;

static void log_msg(void *ctx, const KgError *e) {
  MsgLog *m = ctx;
  m->n++;
  kg_buf_printf(&m->text, "%s\n", e->message);
}

Test(gazetteer, load_relations) {
  char dir[] = "/tmp/kg_test_gaz_rel_XXXXXX"; /* runs may overlap */
  cr_assert_not_null(mkdtemp(dir));
  char *onto_path = kg_strfmt("%s/ontology.ttl", dir),
       *ent_path = kg_strfmt("%s/entities.ttl", dir);
  write_file(onto_path,
             "@prefix kgo: <http://example.org/kg/ontology#> .\n"
             "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
             "kgo:Organization a owl:Class .\nkgo:Product a owl:Class .\n"
             "kgo:Person a owl:Class .\n"
             "kgo:partOf a owl:ObjectProperty ; rdfs:domain [ a owl:Class ;"
             " owl:unionOf ( kgo:Organization kgo:Product ) ] ;"
             " rdfs:range kgo:Organization .\n"
             "kgo:rivals a owl:ObjectProperty ; rdfs:domain owl:Thing ;"
             " rdfs:range owl:Thing .\n");
  write_file(ent_path,
             "@prefix e: <http://example.org/kg/entity/> .\n"
             "@prefix kgo: <http://example.org/kg/ontology#> .\n"
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
             "e:Tencent_Cloud kgo:partOf e:Tencent ; kgo:rivals e:Ali_Cloud ;\n"
             "  a kgo:Product ; rdfs:label \"腾讯云\" .\n"
             "e:Ali_Cloud a kgo:Product ; rdfs:label \"阿里云\" ;\n"
             "  kgo:partOf e:Alibaba, e:Alibaba, e:Nowhere ;\n"
             "  kgo:unknownPredicate e:Alibaba .\n"
             "e:Tencent a kgo:Organization ; rdfs:label \"腾讯\" .\n"
             "e:Alibaba a kgo:Organization ; rdfs:label \"阿里巴巴\" .\n"
             "e:Pony_Ma a kgo:Person ; rdfs:label \"马化腾\" ;"
             " kgo:partOf e:Tencent .\n");
  KgOntology *onto = NULL;
  KgError err = {0};
  cr_assert_eq(kg_ontology_load(onto_path, &onto, &err), KG_SUCCESS, "%s",
               err.message);
  KgGazetteer *g = gaz_new();
  MsgLog log = {0};
  cr_assert_eq(kg_gazetteer_load(g, onto, ent_path, log_msg, &log, &err),
               KG_SUCCESS, "%s", err.message);
  cr_expect_eq(log.n, 2, "%s", log.text.data);
  cr_expect(strstr(log.text.data, "relation Ali_Cloud partOf Nowhere: the "
                                  "object is no entity; skipped\n"),
            "%s", log.text.data);
  cr_expect(strstr(log.text.data,
                   "relation Pony_Ma partOf Tencent: the subject is outside "
                   "the predicate's domain; skipped\n"),
            "%s", log.text.data);
  /* ids by key: Ali_Cloud 0, Alibaba 1, Pony_Ma 2, Tencent 3,
   * Tencent_Cloud 4; the repeated triple is kept once */
  cr_expect_eq(kg_gazetteer_n_relations(g), 3);
  int part = kg_ontology_predicate(onto, "partOf"),
      rivals = kg_ontology_predicate(onto, "rivals");
  size_t n;
  const KgEntityRelation *r = kg_gazetteer_relations(g, 0, &n);
  cr_assert_eq(n, 1);
  cr_expect(r[0].predicate == part && r[0].object == 1);
  r = kg_gazetteer_relations(g, 4, &n);
  cr_assert_eq(n, 2);
  cr_expect(r[0].predicate == part && r[0].object == 3);
  cr_expect(r[1].predicate == rivals && r[1].object == 0);
  cr_expect_null(kg_gazetteer_relations(g, 1, &n));
  cr_expect_eq(n, 0);
  cr_expect_eq(kg_gazetteer_add_relation(g, 2, part, 3), KG_SUCCESS);
  cr_expect_eq(kg_gazetteer_add_relation(g, 2, part, 3), KG_SUCCESS);
  cr_expect_eq(kg_gazetteer_n_relations(g), 4);
  cr_expect_eq(kg_gazetteer_add_relation(g, 9, part, 3), KG_ERR_BAD_ARG);
  cr_expect_eq(kg_gazetteer_add_relation(g, 2, -1, 3), KG_ERR_BAD_ARG);
  kg_buf_free(&log.text);
  kg_gazetteer_free(g);
  kg_ontology_free(onto);
  remove(onto_path);
  remove(ent_path);
  rmdir(dir);
  kg_free(onto_path);
  kg_free(ent_path);
}
