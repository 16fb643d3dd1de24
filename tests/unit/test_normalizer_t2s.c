/* Unit tests for the traditional-to-simplified table of normalizer.c: it
 * is read from the rules of ICU's transliterator, and must agree, code
 * point for code point, with running that transliterator (the slow way it
 * replaced) on each Han character alone. */
#include "normalizer.h"
#include "util.h"

#include <criterion/criterion.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/utf16.h>
#include <unicode/utrans.h>

static KgNormalizer *norm;

static void setup(void) {
  cr_assert_eq(kg_normalizer_new(&norm, NULL), KG_SUCCESS);
}

static void teardown(void) {
  kg_normalizer_free(norm);
}

TestSuite(t2s, .init = setup, .fini = teardown);

#define FIRST 0x3400
#define LAST 0x9FFF
#define COUNT (LAST - FIRST + 1)

/* map[cp - FIRST]: what ICU's Traditional-Simplified makes of cp alone,
 * when it is one code point; cp itself otherwise. */
static void transliterate_each(uint32_t *map) {
  UErrorCode st = U_ZERO_ERROR;
  UParseError pe;
  UTransliterator *tr = utrans_openU(u"Traditional-Simplified", -1,
                                     UTRANS_FORWARD, NULL, 0, &pe, &st);
  cr_assert(U_SUCCESS(st), "%s", u_errorName(st));
  int32_t cap = 8 * COUNT, len = 0;
  UChar *buf = kg_malloc((size_t)cap * sizeof *buf);
  cr_assert_not_null(buf);
  for (uint32_t cp = FIRST; cp <= LAST; cp++) {
    buf[len++] = (UChar)cp;
    buf[len++] = '\n';
  }
  int32_t limit = len;
  utrans_transUChars(tr, buf, &len, cap, 0, &limit, &st);
  cr_assert(U_SUCCESS(st), "%s", u_errorName(st));
  uint32_t line = 0;
  for (int32_t i = 0, start = 0; i < len; i++) {
    if (buf[i] != '\n')
      continue;
    UChar32 c;
    int32_t j = start;
    U16_NEXT(buf, j, i, c);
    cr_assert_lt(line, COUNT);
    map[line] = j == i ? (uint32_t)c : FIRST + line;
    line++;
    start = i + 1;
  }
  cr_assert_eq(line, COUNT);
  kg_free(buf);
  utrans_close(tr);
}

Test(t2s, every_han_character_maps_as_the_transliterator_does) {
  static uint32_t map[COUNT];
  transliterate_each(map);
  size_t changed = 0, wrong = 0;
  for (uint32_t cp = FIRST; cp <= LAST; cp++) {
    char in[4], want[5], *got;
    size_t n = kg_utf8_encode(cp, in);
    want[kg_utf8_encode(map[cp - FIRST], want)] = '\0';
    got = kg_normalize_key(norm, in, n);
    cr_assert_not_null(got);
    changed += map[cp - FIRST] != cp;
    if (strcmp(got, want) != 0 && wrong++ < 5)
      cr_log_error("U+%04X: got %s, the transliterator gives %s", cp, got,
                   want);
    kg_free(got);
  }
  cr_expect_eq(wrong, 0);
  cr_expect_gt(changed, 2000); /* the table is not empty */
}

Test(t2s, known_pairs_and_untouched_characters) {
  static const char *const pairs[][2] = {
      {"國", "国"}, {"發", "发"}, {"龍", "龙"}, {"萬", "万"},
      {"中", "中"}, {"后", "后"}, {"和", "和"}, {"A", "a"},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
    char *got = kg_normalize_key(norm, pairs[i][0], strlen(pairs[i][0]));
    cr_expect_str_eq(got, pairs[i][1], "%s", pairs[i][0]);
    kg_free(got);
  }
  cr_expect_str_eq(kg_normalizer_lang(norm, "這個國際組織發佈了", 27),
                   "zh-Hant");
  cr_expect_str_eq(kg_normalizer_lang(norm, "这个国际组织发布了", 27), "zh");
}

Test(t2s, key_into_a_reused_buffer) {
  KgBuf b = {0};
  const char *in = "  Ｇｅｍｉｎｉ 國 ";
  cr_assert(kg_normalize_key_buf(norm, in, strlen(in), &b));
  cr_expect_str_eq(b.data, "  gemini 国 ");
  cr_expect_eq(b.len, strlen(b.data));
  cr_assert(kg_normalize_key_buf(norm, "x", 1, &b));
  cr_expect_str_eq(b.data, "x");
  cr_expect_eq(b.len, 1);
  cr_expect_not(kg_normalize_key_buf(NULL, "x", 1, &b));
  kg_buf_free(&b);
}
