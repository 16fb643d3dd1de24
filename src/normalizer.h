/*
 * normalizer.h — text as the rules see it: NFKC, traditional folded to
 * simplified, pinyin annotations after Han characters removed (個(gè) → 个),
 * case folded; with a map from every normalised byte back to the original.
 *
 * Offsets into the original are counted in Unicode code points, the unit
 * the RDF evidence (nif:beginIndex / nif:endIndex) uses.
 */
#ifndef KG_NORMALIZER_H
#define KG_NORMALIZER_H

#include "kg.h"
#include "util.h"

#include <stdbool.h>

#include <stddef.h>
#include <stdint.h>

typedef struct KgNormalizer KgNormalizer;

/** Normalised text with its map to the original. */
typedef struct {
  char *text;       /* normalised UTF-8, NUL-terminated */
  size_t len;       /* bytes */
  uint32_t *begin;  /* len + 1 entries: original code-point offset where the
                       source of the character holding byte i begins;
                       begin[len] is the original length */
  uint32_t *end;    /* len + 1 entries: where that source ends (exclusive);
                       end[len] is the original length */
  const char *lang; /* the original's language: kg_normalizer_lang of it */
} KgNormText;

/** A normaliser; immutable after creation and safe to share by threads. */
KgStatus kg_normalizer_new(KgNormalizer **out, KgError *err);
void kg_normalizer_free(KgNormalizer *n);

/** Normalise the UTF-8 text in[0..len) into *out (free with
 * kg_norm_text_free).  Invalid UTF-8 is read as U+FFFD. */
KgStatus kg_normalize(const KgNormalizer *n, const char *in, size_t len,
                      KgNormText *out);
void kg_norm_text_free(KgNormText *t);

/** The normal form of a key (an alias, a rule literal): the same transform
 * without the map.  Returns a new string (caller frees), NULL on OOM. */
char *kg_normalize_key(const KgNormalizer *n, const char *in, size_t len);

/** kg_normalize_key into a reused buffer: out's old content is replaced
 * by the normal form (NUL-terminated, out->len bytes).  False on OOM or a
 * bad argument. */
bool kg_normalize_key_buf(const KgNormalizer *n, const char *in, size_t len,
                          KgBuf *out);

/** Language tag of a piece of original text: "zh-Hant" when its Han
 * characters are mostly traditional, "zh" when Han, else "en". */
const char *kg_normalizer_lang(const KgNormalizer *n, const char *in,
                               size_t len);

/** Original span [*b, *e) in code points of the normalised bytes [nb, ne). */
void kg_norm_span(const KgNormText *t, size_t nb, size_t ne, uint32_t *b,
                  uint32_t *e);

#endif
