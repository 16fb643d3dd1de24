/* Unit tests for normalizer.c: NFKC, traditional to simplified, pinyin
 * annotations, case folding, the map to the original, language tags. */
#include "normalizer.h"
#include "util.h"

#include <criterion/criterion.h>
#include <string.h>

static KgNormalizer *nz;

static void setup(void) {
  KgError err;
  cr_assert_eq(kg_normalizer_new(&nz, &err), KG_SUCCESS);
}

static void teardown(void) {
  kg_normalizer_free(nz);
  nz = NULL;
}

TestSuite(normalizer, .init = setup, .fini = teardown);

/* kg_normalize_key of a C string, compared and freed. */
static void expect_key(const char *in, const char *want) {
  char *got = kg_normalize_key(nz, in, strlen(in));
  cr_assert_not_null(got);
  cr_expect_str_eq(got, want, "normalising \"%s\"", in);
  kg_free(got);
}

/* The original span of the normalised substring `sub` of t. */
static void span_of(const KgNormText *t, const char *sub, uint32_t *b,
                    uint32_t *e) {
  const char *at = strstr(t->text, sub);
  cr_assert_not_null(at, "\"%s\" not in \"%s\"", sub, t->text);
  size_t nb = (size_t)(at - t->text);
  kg_norm_span(t, nb, nb + strlen(sub), b, e);
}

Test(normalizer, traditional_folds_to_simplified) {
  expect_key("開閉創發們雲騰訊", "开闭创发们云腾讯");
  expect_key("大模型的開源與閉源之爭", "大模型的开源与闭源之争");
  expect_key("这些公司已经开源", "这些公司已经开源");
}

Test(normalizer, nfkc_and_case_folding) {
  expect_key("ＡＢＣ１２３，ＧＰＴ！", "abc123,gpt!");
  expect_key("（注）发布：新模型？", "(注)发布:新模型?");
  expect_key("OpenAI Und GROẞ", "openai und groß");
  expect_key("\xEF\xAC\x81nal", "final");    /* U+FB01 ligature */
  expect_key("Cafe\xCC\x81", "caf\xC3\xA9"); /* e + combining acute */
  expect_key("", "");
}

Test(normalizer, white_space_and_invisibles) {
  expect_key("a\xE3\x80\x80"
             "b\tc\r\nd\xC2\xA0"
             "e",
             "a b c \nd e");
  expect_key("x\ry", "x\ny");
  expect_key("\xEF\xBB\xBFhi\xE2\x80\x8Bthere", "hithere");
  expect_key("nul\x01here", "nul here");
}

Test(normalizer, pinyin_annotations_removed) {
  expect_key("整個(gè)業(yè)界", "整个业界");
  expect_key("這(zhè)是實(shí)話", "这是实话");
  expect_key("個（gè）人", "个人");
  expect_key("這(zhe\xCC\x80)里", "这里"); /* decomposed tone mark */
  expect_key("绿(lǜ)色", "绿色");
}

Test(normalizer, real_parentheticals_kept) {
  expect_key("大语言模型(LLMs)", "大语言模型(llms)");
  expect_key("幻觉(Hallucination)问题", "幻觉(hallucination)问题");
  expect_key("模型(ge)", "模型(ge)");                     /* no tone mark */
  expect_key("模型(zhuàngzhuàng)", "模型(zhuàngzhuàng)"); /* too long */
  expect_key("abc(gè)", "abc(gè)");                       /* not after Han */
  expect_key("個 (gè)", "个 (gè)");                       /* not glued */
  expect_key("模型(gè", "模型(gè");                       /* never closed */
}

Test(normalizer, map_covers_pinyin_annotation) {
  const char *in = "百度創(chuàng)始人李彥宏";
  KgNormText t;
  cr_assert_eq(kg_normalize(nz, in, strlen(in), &t), KG_SUCCESS);
  cr_assert_str_eq(t.text, "百度创始人李彦宏");
  cr_assert_eq(t.len, strlen(t.text));
  uint32_t b, e;
  span_of(&t, "创始人", &b, &e);
  cr_expect_eq(b, 2);
  cr_expect_eq(e, 13); /* 創(chuàng)始人 */
  span_of(&t, "度", &b, &e);
  cr_expect_eq(b, 1);
  cr_expect_eq(e, 2);
  span_of(&t, "李彦宏", &b, &e);
  cr_expect_eq(b, 13);
  cr_expect_eq(e, 16);
  cr_expect_eq(t.begin[t.len], 16);
  cr_expect_eq(t.end[t.len], 16);
  kg_norm_text_free(&t);
}

Test(normalizer, map_of_expansions_and_compositions) {
  const char *in = "X\xEF\xAC\x81"
                   "e\xCC\x81"
                   "Ｚ";
  KgNormText t;
  cr_assert_eq(kg_normalize(nz, in, strlen(in), &t), KG_SUCCESS);
  cr_assert_str_eq(t.text, "xfi\xC3\xA9z");
  const uint32_t begin[] = {0, 1, 1, 2, 2, 4}, end[] = {1, 2, 2, 4, 4, 5};
  for (size_t i = 0; i < t.len; i++) {
    cr_expect_eq(t.begin[i], begin[i], "begin[%zu]", i);
    cr_expect_eq(t.end[i], end[i], "end[%zu]", i);
  }
  uint32_t b, e;
  kg_norm_span(&t, 2, 2, &b, &e); /* empty span */
  cr_expect(b == 1 && e == 1);
  kg_norm_span(&t, 0, 999, &b, &e); /* clamped */
  cr_expect(b == 0 && e == 5);
  kg_norm_text_free(&t);
}

Test(normalizer, invalid_utf8_is_replacement_char) {
  const char in[] = "a\xFF"
                    "b\xE5\xBC";
  KgNormText t;
  cr_assert_eq(kg_normalize(nz, in, sizeof in - 1, &t), KG_SUCCESS);
  cr_assert_str_eq(t.text, "a\xEF\xBF\xBD"
                           "b\xEF\xBF\xBD\xEF\xBF\xBD");
  cr_expect_eq(t.begin[4], 2); /* 'b' is the third original code point */
  cr_expect_eq(t.begin[t.len], 5);
  kg_norm_text_free(&t);
}

Test(normalizer, map_is_monotonic_on_mixed_text) {
  const char *in = "Tencent（騰訊）發佈了“混元”大模型 Ｖ2.0。\nIt's ＦＡＳＴ!";
  KgNormText t;
  cr_assert_eq(kg_normalize(nz, in, strlen(in), &t), KG_SUCCESS);
  cr_assert_str_eq(t.text,
                   "tencent(腾讯)发布了“混元”大模型 v2.0。\nit's fast!");
  for (size_t i = 0; i < t.len; i++) {
    cr_assert_lt(t.begin[i], t.end[i]);
    cr_assert_leq(t.begin[i], t.begin[i + 1]);
  }
  cr_expect_eq(t.begin[t.len], kg_utf8_count(in, strlen(in)));
  kg_norm_text_free(&t);
}

Test(normalizer, language_tags) {
  const char *simp = "百度创始人在内部讲话中谈到了开源模型。";
  const char *trad = "百度創始人在內部講話中談到了開源模型。";
  const char *en = "The company released an open model on Tuesday.";
  const char *en_name = "Tencent (騰訊) said on Tuesday that its new model "
                        "would be released to all developers next month.";
  const char *mixed = "OpenAI发布了GPT-4模型";
  cr_expect_str_eq(kg_normalizer_lang(nz, simp, strlen(simp)), "zh");
  cr_expect_str_eq(kg_normalizer_lang(nz, trad, strlen(trad)), "zh-Hant");
  cr_expect_str_eq(kg_normalizer_lang(nz, en, strlen(en)), "en");
  cr_expect_str_eq(kg_normalizer_lang(nz, en_name, strlen(en_name)), "en");
  cr_expect_str_eq(kg_normalizer_lang(nz, mixed, strlen(mixed)), "zh");
  cr_expect_str_eq(kg_normalizer_lang(nz, "", 0), "en");
}

/* kg_normalize counts letters as it goes: its tag must be the one a pass
 * over the same original gives, including the letters of a pinyin
 * annotation it drops, characters beyond the BMP and invalid bytes. */
Test(normalizer, normalised_text_knows_its_language) {
  static const struct {
    const char *text, *lang;
  } cases[] = {
      {"百度创始人在内部讲话中谈到了开源模型。", "zh"},
      {"百度創始人在內部講話中談到了開源模型。", "zh-Hant"},
      {"The company released an open model on Tuesday.", "en"},
      {"OpenAI发布了GPT-4模型", "zh"},
      {"开(kāi) abc", "en"}, /* 6 letters to 1 Han, 3 of them pinyin */
      {"开 abc", "zh"},
      {"\xF0\x9D\x90\x80\xF0\x9D\x90\x81\xF0\x9D\x90\x82\xF0\x9D\x90\x83"
       "\xF0\x9D\x90\x84 开",
       "en"}, /* mathematical capitals, beyond the BMP, are letters */
      {"\xF0\xA0\x80\x80\xF0\xA0\x80\x81 ab", "zh"}, /* Han beyond the BMP */
      {"開發\xFF\xFE模型\r\nab", "zh-Hant"},
      {"", "en"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *s = cases[i].text;
    KgNormText t = {0};
    cr_assert_eq(kg_normalize(nz, s, strlen(s), &t), KG_SUCCESS);
    cr_expect_str_eq(t.lang, cases[i].lang, "case %zu", i);
    cr_expect_str_eq(kg_normalizer_lang(nz, s, strlen(s)), cases[i].lang,
                     "case %zu", i);
    kg_norm_text_free(&t);
  }
}

Test(normalizer, out_of_memory_is_reported) {
  const char *in = "開源模型";
  for (long n = 0; n < 3; n++) {
    KgNormText t;
    kg_alloc_fail_after(n);
    KgStatus s = kg_normalize(nz, in, strlen(in), &t);
    kg_alloc_fail_after(-1);
    cr_expect_eq(s, KG_ERR_NOMEM, "failing allocation %ld", n);
    cr_expect_null(t.text);
  }
  kg_alloc_fail_after(0);
  cr_expect_null(kg_normalize_key(nz, in, strlen(in)));
  for (long n = 0; n < 2; n++) {
    KgNormalizer *other = NULL;
    KgError err;
    kg_alloc_fail_after(n);
    cr_expect_eq(kg_normalizer_new(&other, &err), KG_ERR_NOMEM);
    cr_expect_null(other);
  }
  kg_alloc_fail_after(-1);
}

Test(normalizer, free_null_is_noop) {
  kg_normalizer_free(NULL);
  kg_norm_text_free(NULL);
  KgNormText t = {0};
  kg_norm_text_free(&t);
  cr_expect_null(t.text);
}
