/* Unit tests for litscan.c (the multi-literal automaton behind the rule
 * prefilter): ids, overlapping and nested strings, multi-byte text, the
 * seen/stamp protocol, and agreement with a plain substring search on
 * many generated strings and texts. */
#include "litscan.h"
#include "util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The strings found in text, as "id,id,..." sorted by id. */
static char *found(const KgLitScan *ls, const char *text, uint32_t *seen,
                   uint32_t stamp) {
  uint32_t n = kg_litscan_count(ls), out[64];
  cr_assert_leq(n, 64);
  size_t k = kg_litscan_find(ls, text, strlen(text), seen, stamp, out);
  bool has[64] = {0};
  for (size_t i = 0; i < k; i++) {
    cr_assert_not(has[out[i]], "id %u reported twice", out[i]);
    has[out[i]] = true;
  }
  KgBuf b = {0};
  for (uint32_t i = 0; i < n; i++)
    if (has[i])
      kg_buf_printf(&b, "%s%u", b.len ? "," : "", i);
  kg_buf_putc(&b, '\0');
  return kg_buf_take(&b, NULL);
}

static KgLitScan *scan_of(const char *const *words, size_t n, uint32_t *ids) {
  KgLitScan *ls = kg_litscan_new();
  cr_assert_not_null(ls);
  for (size_t i = 0; i < n; i++)
    cr_assert(kg_litscan_add(ls, words[i], strlen(words[i]), &ids[i]));
  cr_assert(kg_litscan_compile(ls));
  return ls;
}

Test(litscan, ids_and_overlaps) {
  static const char *const words[] = {"he", "she",  "his",    "hers",
                                      "he", "发布", "发布了", "布"};
  uint32_t ids[8], seen[8] = {0};
  KgLitScan *ls = scan_of(words, 8, ids);
  cr_expect_eq(kg_litscan_count(ls), 7);
  cr_expect_eq(ids[0], ids[4], "the same string, the same id");
  cr_expect_eq(ids[1], 1);
  char *s = found(ls, "ushers", seen, 1); /* she, he, hers */
  cr_expect_str_eq(s, "0,1,3");
  kg_free(s);
  s = found(ls, "公司发布了模型", seen, 2); /* 发布, 发布了, 布 */
  cr_expect_str_eq(s, "4,5,6");
  kg_free(s);
  /* same stamp: what was reported is not reported again */
  s = found(ls, "发布 his", seen, 2);
  cr_expect_str_eq(s, "2");
  kg_free(s);
  s = found(ls, "nothing at all", seen, 3);
  cr_expect_str_eq(s, "");
  kg_free(s);
  kg_litscan_free(ls);
}

Test(litscan, empty_automaton_finds_nothing) {
  KgLitScan *ls = kg_litscan_new();
  cr_assert(kg_litscan_compile(ls));
  uint32_t seen[1] = {0}, out[1];
  cr_expect_eq(kg_litscan_find(ls, "abc", 3, seen, 1, out), 0);
  kg_litscan_free(ls);
}

/* A deterministic generator (no global state). */
static uint32_t next(uint32_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 17;
  *x ^= *x << 5;
  return *x;
}

/* Random text over a small alphabet (two ASCII letters and two Chinese
 * characters sharing their first UTF-8 bytes), so strings often overlap;
 * with k = 6, also 収 (sharing two bytes with those) and 中, which the
 * strings never hold. */
static void random_text(uint32_t *x, char *buf, size_t chars, unsigned k) {
  static const char *const alpha[] = {"a", "b", "发", "叒", "収", "中"};
  buf[0] = '\0';
  for (size_t i = 0; i < chars; i++)
    strcat(buf, alpha[next(x) % k]);
}

Test(litscan, agrees_with_substring_search) {
  uint32_t x = 12345;
  for (int round = 0; round < 200; round++) {
    char words[40][32];
    const char *ptrs[40];
    uint32_t ids[40], seen[40] = {0}, out[40];
    size_t n = 1 + next(&x) % 40;
    for (size_t i = 0; i < n; i++) {
      random_text(&x, words[i], 1 + next(&x) % 4, 4);
      ptrs[i] = words[i];
    }
    KgLitScan *ls = scan_of(ptrs, n, ids);
    char text[200];
    random_text(&x, text, 1 + next(&x) % 60, 6);
    size_t k = kg_litscan_find(ls, text, strlen(text), seen, 1, out);
    bool has[40] = {0};
    for (size_t i = 0; i < k; i++)
      has[out[i]] = true;
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(has[ids[i]], strstr(text, words[i]) != NULL,
                   "round %d: '%s' in '%s'", round, words[i], text);
    kg_litscan_free(ls);
  }
}

/* Two texts scanned at once report what two single scans report, in the
 * same order, whichever text is longer; b may be NULL. */
Test(litscan, pair_scan_agrees_with_single_scans) {
  uint32_t x = 4321;
  for (int round = 0; round < 200; round++) {
    char words[40][32], text[2][200];
    const char *ptrs[40];
    uint32_t ids[40], seen[4][40] = {{0}}, out[4][40];
    size_t n = 1 + next(&x) % 40;
    for (size_t i = 0; i < n; i++) {
      random_text(&x, words[i], 1 + next(&x) % 4, 4);
      ptrs[i] = words[i];
    }
    KgLitScan *ls = scan_of(ptrs, n, ids);
    for (int t = 0; t < 2; t++) /* one text is sometimes empty */
      random_text(&x, text[t], next(&x) % 60, 6);
    size_t one[2];
    for (int t = 0; t < 2; t++)
      one[t] =
          kg_litscan_find(ls, text[t], strlen(text[t]), seen[t], 1, out[t]);
    KgLitJob a = {text[0], strlen(text[0]), seen[2], 1, out[2], 0};
    KgLitJob b = {text[1], strlen(text[1]), seen[3], 1, out[3], 0};
    kg_litscan_find2(ls, &a, round % 7 ? &b : NULL);
    cr_assert_eq(a.n, one[0], "round %d", round);
    cr_assert_arr_eq(out[2], out[0], a.n * sizeof *out[0], "round %d", round);
    if (round % 7 == 0) {
      cr_assert_eq(b.n, 0);
    } else {
      cr_assert_eq(b.n, one[1], "round %d", round);
      cr_assert_arr_eq(out[3], out[1], b.n * sizeof *out[1], "round %d", round);
    }
    kg_litscan_free(ls);
  }
}

/* A string need not be whole UTF-8 characters (a lone lead byte): it is
 * found wherever a search finds it. */
Test(litscan, partial_characters_still_found) {
  static const char *const words[] = {"\xE5", "发布", "中"};
  uint32_t ids[3], seen[3] = {0};
  KgLitScan *ls = scan_of(words, 3, ids);
  char *s = found(ls, "中文发布", seen, 1);
  cr_expect_str_eq(s, "0,1,2");
  kg_free(s);
  s = found(ls, "収", seen, 2); /* E5 8F 8E */
  cr_expect_str_eq(s, "0");
  kg_free(s);
  kg_litscan_free(ls);
}

/* More states than 16 bits hold: the automaton keeps 32-bit states, and
 * finds the same as a search. */
Test(litscan, wide_automaton_agrees_with_substring_search) {
  enum { N = 10000, L = 10 }; /* about 80,000 states */
  static char words[N][L + 1];
  uint32_t x = 777, ids[N];
  KgLitScan *ls = kg_litscan_new();
  for (size_t i = 0; i < N; i++) {
    for (size_t k = 0; k < L; k++)
      words[i][k] = (char)('a' + next(&x) % 26);
    cr_assert(kg_litscan_add(ls, words[i], L, &ids[i]));
  }
  cr_assert(kg_litscan_compile(ls));
  char text[4 * L + 1] = {0};
  memcpy(text, "xx", 2);
  memcpy(text + 2, words[17], L);
  memcpy(text + 2 + L, words[4242], L);
  uint32_t n = kg_litscan_count(ls);
  uint32_t *seen = kg_calloc(n, sizeof *seen), *out = kg_calloc(n, 4);
  size_t k = kg_litscan_find(ls, text, strlen(text), seen, 1, out);
  size_t want = 0;
  for (size_t i = 0; i < N; i++) {
    bool in = strstr(text, words[i]) != NULL;
    cr_assert_eq(seen[ids[i]] == 1, in, "'%s'", words[i]);
    want += in;
  }
  cr_expect_eq(k, want);
  cr_expect_geq(k, 2);
  /* and as one of a pair, beside a shorter text */
  uint32_t *seen2 = kg_calloc(2 * n, sizeof *seen2), *out2 = kg_calloc(n, 4);
  KgLitJob a = {words[99], L, seen2, 1, out2, 0};
  KgLitJob b = {text, strlen(text), seen2 + n, 1, out2 + n / 2, 0};
  kg_litscan_find2(ls, &a, &b);
  cr_expect_eq(a.n, 1);
  cr_expect_eq(out2[0], ids[99]);
  cr_expect_eq(b.n, k);
  cr_expect_arr_eq(out2 + n / 2, out, k * sizeof *out);
  kg_free(seen2);
  kg_free(out2);
  kg_free(seen);
  kg_free(out);
  kg_litscan_free(ls);
}
