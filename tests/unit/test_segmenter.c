/* Unit tests for segmenter.c: stops, quotes, abbreviations, newlines. */
#include "segmenter.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* Segment text and check the sentences are exactly want[0..n). */
static void expect_sentences(const char *text, const char *const *want,
                             size_t n) {
  KgSpanVec v = {0};
  cr_assert_eq(kg_segment(text, strlen(text), &v), KG_SUCCESS);
  for (size_t i = 0; i < v.len && i < n; i++) {
    KgSpan s = v.items[i];
    cr_assert_leq(s.begin, s.end);
    char got[512];
    snprintf(got, sizeof got, "%.*s", (int)(s.end - s.begin), text + s.begin);
    cr_expect_str_eq(got, want[i], "sentence %zu of \"%s\"", i, text);
  }
  cr_expect_eq(v.len, n, "sentence count of \"%s\"", text);
  kg_vec_free(&v);
}

#define EXPECT(text, ...)                                                      \
  do {                                                                         \
    const char *const want_[] = {__VA_ARGS__};                                 \
    expect_sentences((text), want_, sizeof want_ / sizeof *want_);             \
  } while (0)

Test(segmenter, chinese_stops) {
  EXPECT("腾讯发布了混元模型。阿里也开源了通义千问!你怎么看?",
         "腾讯发布了混元模型。", "阿里也开源了通义千问!", "你怎么看?");
  EXPECT("第一句；第二句！第三句？", "第一句；", "第二句！", "第三句？");
  EXPECT("真的吗?!不会吧。。好吧......", "真的吗?!", "不会吧。。",
         "好吧......");
}

Test(segmenter, mixed_chinese_and_english) {
  EXPECT("百度发布了ERNIE 4.0模型。The model is open. 它很强大",
         "百度发布了ERNIE 4.0模型。", "The model is open.", "它很强大");
}

Test(segmenter, closing_quotes_stay) {
  EXPECT("他说:“我们会开源。”随后离开了。", "他说:“我们会开源。”",
         "随后离开了。");
  EXPECT("「好的。」『再见!』", "「好的。」", "『再见!』");
  EXPECT("She said \"we ship today.\" Then she left.",
         "She said \"we ship today.\"", "Then she left.");
  EXPECT("(see the appendix.) Next one.", "(see the appendix.)", "Next one.");
}

Test(segmenter, abbreviations_and_numbers) {
  EXPECT("Mr. Li met Dr. Wang at Acme Inc. yesterday. They agreed.",
         "Mr. Li met Dr. Wang at Acme Inc. yesterday.", "They agreed.");
  EXPECT("Big firms, e.g. Baidu, i.e. one firm in the U.S. market.",
         "Big firms, e.g. Baidu, i.e. one firm in the U.S. market.");
  EXPECT("Version 3.5 is out. Price is 2.99 now.", "Version 3.5 is out.",
         "Price is 2.99 now.");
  EXPECT("It ranked No. 1 in the list. Say no. Then go.",
         "It ranked No. 1 in the list.", "Say no.", "Then go.");
  EXPECT("George W. Bush spoke.", "George W. Bush spoke.");
  EXPECT("See www.example.com for more", "See www.example.com for more");
  EXPECT("Read https://example.com/a?id=3&x=1 today! Ok",
         "Read https://example.com/a?id=3&x=1 today!", "Ok");
}

Test(segmenter, newlines_and_soft_wraps) {
  EXPECT("The model was trained on\npublic data and released\nin May.",
         "The model was trained on\npublic data and released\nin May.");
  EXPECT("Headline here\n\nBody text follows.", "Headline here",
         "Body text follows.");
  EXPECT("新闻标题\n正文从这里开始。", "新闻标题", "正文从这里开始。");
  EXPECT("Title line\n  \n  Body", "Title line", "Body");
  EXPECT("模型很多,\n各有所长。", "模型很多,\n各有所长。");
  EXPECT("第一行结束\nSecond line", "第一行结束", "Second line");
}

Test(segmenter, whitespace_trimmed_and_empty_dropped) {
  EXPECT("  \n Hello world.   \n\n  ", "Hello world.");
  KgSpanVec v = {0};
  cr_assert_eq(kg_segment("   \n\n ", 6, &v), KG_SUCCESS);
  cr_expect_eq(v.len, 0);
  cr_assert_eq(kg_segment("", 0, &v), KG_SUCCESS);
  cr_expect_eq(v.len, 0);
  kg_vec_free(&v);
}

Test(segmenter, long_sentence_not_split) {
  char text[6001];
  memset(text, 'a', 6000);
  for (size_t i = 7; i < 6000; i += 8)
    text[i] = ' ';
  text[6000] = '\0';
  KgSpanVec v = {0};
  cr_assert_eq(kg_segment(text, 6000, &v), KG_SUCCESS);
  cr_assert_eq(v.len, 1);
  cr_expect_eq(v.items[0].begin, 0);
  cr_expect_eq(v.items[0].end, 5999); /* the trailing space trimmed */
  kg_vec_free(&v);
}

Test(segmenter, appends_to_vector) {
  KgSpanVec v = {0};
  cr_assert_eq(kg_segment("One. Two.", 9, &v), KG_SUCCESS);
  cr_assert_eq(kg_segment("Three.", 6, &v), KG_SUCCESS);
  cr_assert_eq(v.len, 3);
  cr_expect_eq(v.items[2].begin, 0);
  cr_expect_eq(v.items[2].end, 6);
  kg_vec_free(&v);
}

Test(segmenter, invalid_utf8_does_not_break) {
  const char text[] = "bad \xFF\xE3\x80 byte\xE3. next";
  EXPECT(text, "bad \xFF\xE3\x80 byte\xE3.", "next");
}

Test(segmenter, out_of_memory_is_reported) {
  KgSpanVec v = {0};
  kg_alloc_fail_after(0);
  KgStatus s = kg_segment("One. Two.", 9, &v);
  kg_alloc_fail_after(-1);
  cr_expect_eq(s, KG_ERR_NOMEM);
  kg_vec_free(&v);
}
