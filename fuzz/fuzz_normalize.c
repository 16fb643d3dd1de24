/*
 * fuzz_normalize.c — libFuzzer target for the normaliser and segmenter on
 * arbitrary bytes.  Invariants checked: the output is valid UTF-8; the
 * begin/end maps are monotone, begin <= end, and never past the original
 * length in code points; every sentence span lies inside the text, is
 * non-empty and follows the previous one; the key form agrees with the
 * mapped form.
 */
#include "normalizer.h"
#include "segmenter.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static KgNormalizer *norm;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  if (kg_normalizer_new(&norm, NULL) != KG_SUCCESS)
    abort();
  return 0;
}

static void check_map(const KgNormText *t, uint32_t orig) {
  if (t->begin[t->len] != orig || t->end[t->len] != orig)
    abort();
  for (size_t i = 0; i <= t->len; i++) {
    if (t->begin[i] > t->end[i] || t->end[i] > orig)
      abort();
    if (i && (t->begin[i] < t->begin[i - 1] || t->end[i] < t->end[i - 1]))
      abort();
  }
}

static void check_spans(const KgNormText *t) {
  KgSpanVec spans = {0};
  if (kg_segment(t->text, t->len, &spans) != KG_SUCCESS) {
    kg_vec_free(&spans);
    return;
  }
  size_t prev = 0;
  for (size_t i = 0; i < spans.len; i++) {
    KgSpan s = spans.items[i];
    if (s.begin >= s.end || s.end > t->len || s.begin < prev)
      abort();
    uint32_t b, e;
    kg_norm_span(t, s.begin, s.end, &b, &e);
    if (b > e || e > t->end[t->len])
      abort();
    prev = s.end;
  }
  kg_vec_free(&spans);
}

/* Code points as the normaliser reads them: each invalid byte is one
 * U+FFFD (kg_utf8_decode), which kg_utf8_count does not follow. */
static uint32_t count_cp(const char *s, size_t n) {
  uint32_t count = 0, cp;
  for (size_t i = 0; i < n; count++)
    i += kg_utf8_decode(s + i, n - i, &cp);
  return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  KgNormText t;
  memset(&t, 0, sizeof t);
  if (kg_normalize(norm, in, size, &t) != KG_SUCCESS)
    abort(); /* only allocation failure may fail, and none is injected */
  size_t bad;
  if (t.text[t.len] != '\0' || !kg_utf8_valid(t.text, t.len, &bad))
    abort();
  check_map(&t, count_cp(in, size));
  check_spans(&t);
  char *key = kg_normalize_key(norm, in, size);
  if (!key || memcmp(key, t.text, t.len + 1) != 0)
    abort(); /* the key form is the same transform without the map */
  kg_free(key);
  kg_normalizer_lang(norm, in, size);
  kg_norm_text_free(&t);
  /* The segmenter must also cope with raw, unnormalised bytes. */
  KgSpanVec raw = {0};
  if (kg_segment(in, size, &raw) == KG_SUCCESS)
    for (size_t i = 0; i < raw.len; i++)
      if (raw.items[i].begin > raw.items[i].end || raw.items[i].end > size)
        abort();
  kg_vec_free(&raw);
  return 0;
}
