/*
 * normalizer.c — the text the rules see, with a map back to the original.
 *
 * One pass over the input, code point by code point:
 *
 *   1. A pinyin annotation glued to a Han character — "個(gè)", "實（shí）" —
 *      is skipped; its span joins that of the Han character, so a match on
 *      the character covers the annotation in the original.
 *   2. Code points gather into NFKC chunks: a chunk starts at each code
 *      point with a normalisation boundary before it.  A finished chunk is
 *      normalised as a whole, and every character it yields maps back to
 *      the chunk's whole original span.
 *   3. Every normalised code point goes through one table: traditional to
 *      simplified, simple case folding, white space to ' ' (newlines kept).
 *
 * ICU is slow per call, so kg_normalizer_new does the ICU work once for the
 * whole BMP: `single[cp]` is the final output of a chunk made of cp alone
 * (nearly every chunk), `fold[cp]` the table of step 3, and `info[cp]`
 * the boundary, Han, traditional-only and letter bits of an input code
 * point packed with single[cp] as ready UTF-8 bytes, so the common chunk
 * costs one table load and three stores.  The traditional-to-simplified
 * mapping comes from ICU's "Traditional-Simplified" transliterator, run
 * once over every Han code point of U+3400–U+9FFF and U+F900–U+FAFF; only
 * one-to-one mappings are kept.  Only chunks of several code points (a
 * letter and its combining marks) and code points beyond the BMP call ICU
 * while text is normalised.  The object is never written after creation.
 */
#include "normalizer.h"

#include "util.h"

#include <stdbool.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ures.h>
#include <unicode/udata.h>
#include <unicode/utrans.h>
#include <unicode/uchar.h>
#include <unicode/utf16.h>

/* info[cp]: the flags of an input code point in the top byte and, unless
 * I_SLOW, the UTF-8 of single[cp] (low byte first) in the other three. */
enum {
  I_LEN_SHIFT = 24,   /* bits 24-25: bytes of that UTF-8, 0 to 3 */
  I_SLOW = 1u << 26,  /* a one-code-point chunk needs flush_slow */
  I_BB = 1u << 27,    /* NFKC boundary before the code point */
  I_HAN = 1u << 28,   /* Han ideograph (pinyin may follow) */
  I_TRAD = 1u << 29,  /* traditional-only: the T→S table changes it */
  I_ALPHA = 1u << 30, /* alphabetic, not Han (for the language) */
};

#define BMP 0x10000
#define NONE 0xFFFFFFFFu /* single[cp]: the chunk needs the slow path */
#define DROP 0xFFFFFFFEu /* fold[cp]: the code point is removed */

struct KgNormalizer {
  const UNormalizer2 *nfkc; /* owned by ICU, never freed */
  uint32_t t2s[BMP];        /* traditional → simplified, identity if none */
  uint32_t fold[BMP];       /* step 3 for a normalised code point */
  uint32_t single[BMP];     /* output of a one-code-point chunk, or NONE */
  uint32_t info[BMP];       /* I_* flags and single[] as UTF-8 */
  bool ascii_plain;         /* printable ASCII only changes by A-Z → a-z */
};

/* ------------------------------------------------------------ tables */

static bool is_han(uint32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) ||
         cp == 0x3007;
}

/* The Han code points the T→S table is built over, in order. */
static uint32_t t2s_source(size_t i) {
  const size_t first = 0x9FFF - 0x3400 + 1;
  return i < first ? 0x3400 + (uint32_t)i : 0xF900 + (uint32_t)(i - first);
}
#define T2S_COUNT ((0x9FFF - 0x3400 + 1) + (0xFAFF - 0xF900 + 1))

/* Fill n->t2s: one transliterator call over "cp\n" for every source code
 * point, then read the result back line by line.  The slow way (tens of
 * milliseconds), kept for ICU data that t2s_from_rules cannot read. */
static KgStatus t2s_by_transliterator(KgNormalizer *n, KgError *err) {
  UErrorCode st = U_ZERO_ERROR;
  UParseError pe;
  UChar id[] = u"Traditional-Simplified";
  UTransliterator *tr = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &pe, &st);
  if (U_FAILURE(st))
    return kg_error_set(err, KG_ERR_INTERNAL, NULL, 0, 0,
                        "ICU Traditional-Simplified: %s", u_errorName(st));
  int32_t cap = 8 * T2S_COUNT, len = 0;
  UChar *buf = kg_malloc((size_t)cap * sizeof *buf);
  KgStatus ret = KG_SUCCESS;
  if (!buf) {
    ret = kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
    goto done;
  }
  for (size_t i = 0; i < T2S_COUNT; i++) {
    buf[len++] = (UChar)t2s_source(i); /* all in the BMP */
    buf[len++] = '\n';
  }
  int32_t limit = len;
  utrans_transUChars(tr, buf, &len, cap, 0, &limit, &st);
  if (U_FAILURE(st) || len > cap) {
    ret = kg_error_set(err, KG_ERR_INTERNAL, NULL, 0, 0,
                       "ICU transliteration failed: %s", u_errorName(st));
    goto done;
  }
  size_t line = 0;
  for (int32_t i = 0, start = 0; i < len; i++) {
    if (buf[i] != '\n')
      continue;
    UChar32 c;
    int32_t j = start;
    U16_NEXT(buf, j, i, c);
    uint32_t src = line < T2S_COUNT ? t2s_source(line) : 0;
    if (j == i && (uint32_t)c != src && src) /* one-to-one and changed */
      n->t2s[src] = (uint32_t)c;
    line++;
    start = i + 1;
  }
  if (line != T2S_COUNT)
    ret = kg_error_set(err, KG_ERR_INTERNAL, NULL, 0, 0,
                       "ICU transliteration changed the line count");
done:
  kg_free(buf);
  utrans_close(tr);
  return ret;
}

/* The code point of s[0..n) when it is exactly one, else -1. */
static int32_t only_cp(const UChar *s, int32_t n) {
  UChar32 c;
  int32_t j = 0;
  if (n <= 0)
    return -1;
  U16_NEXT(s, j, n, c);
  return j == n ? c : -1;
}

/* s[0..n) less outer white space. */
static void trim16(const UChar **s, int32_t *n) {
  while (*n > 0 && u_isUWhiteSpace((*s)[0]))
    ++*s, --*n;
  while (*n > 0 && u_isUWhiteSpace((*s)[*n - 1]))
    --*n;
}

static bool is_arrow(UChar c) {
  return c == 0x2194 || c == 0x2190 || c == 0x2192; /* ↔ ← → */
}

/* Read one rule "a <op> b" of the transliterator source into *src → *dst
 * (-1 when not one code point).  Variable definitions and rules that run
 * the other way only are skipped (*src = -1).  False for anything else
 * that is not plain text on both sides (sets, context, quotes, ...). */
static bool read_rule(const UChar *r, int32_t n, bool reverse, int32_t *src,
                      int32_t *dst) {
  *src = *dst = -1;
  int32_t op = -1;
  bool plain = true; /* ASCII other than space is rule syntax */
  for (int32_t i = 0; i < n; i++) {
    if (is_arrow(r[i]) && op >= 0)
      return false;
    if (is_arrow(r[i]))
      op = i;
    else if (r[i] < 0x80 && !u_isUWhiteSpace(r[i]))
      plain = false;
  }
  if (op < 0)
    return r[0] == '$';
  bool fwd = r[op] != 0x2190, back = r[op] != 0x2192;
  if (reverse ? !back : !fwd)
    return true;
  if (!plain)
    return false;
  const UChar *a = r, *b = r + op + 1;
  int32_t na = op, nb = n - op - 1;
  trim16(&a, &na);
  trim16(&b, &nb);
  *src = reverse ? only_cp(b, nb) : only_cp(a, na);
  *dst = reverse ? only_cp(a, na) : only_cp(b, nb);
  return true;
}

static bool is_t2s_source(int32_t cp) {
  return (cp >= 0x3400 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

/* Fill n->t2s from the rules of ICU's Hant-Hans transliterator, read from
 * the resource data: a transliterator applied to one character runs the
 * first rule whose source is that character alone, so the plain
 * one-character rules are the whole table.  A hundred times faster than
 * transliterating every code point.  False when the data holds anything
 * else; the caller then takes the slow way. */
static bool t2s_from_rules(KgNormalizer *n) {
  UErrorCode st = U_ZERO_ERROR;
  UResourceBundle *root = ures_openDirect(
      U_ICUDATA_NAME U_TREE_SEPARATOR_STRING "translit", "root", &st);
  UResourceBundle *ids =
      ures_getByKey(root, "RuleBasedTransliteratorIDs", NULL, &st);
  UResourceBundle *id = ures_getByKey(ids, "Hant-Hans", NULL, &st);
  UResourceBundle *file = ures_getByKey(id, "file", NULL, &st);
  int32_t len = 0, dlen = 0;
  const UChar *rules = ures_getStringByKey(file, "resource", &len, &st);
  const UChar *dir = ures_getStringByKey(file, "direction", &dlen, &st);
  bool ok = U_SUCCESS(st), reverse = ok && dlen > 0 && dir[0] == 'R';
  size_t mapped = 0;
  uint8_t *seen = ok ? kg_calloc(BMP, 1) : NULL;
  ok = ok && seen;
  for (int32_t i = 0, start = 0; ok && i <= len; i++) {
    if (i < len && rules[i] != ';')
      continue;
    const UChar *r = rules + start;
    int32_t rn = i - start, src, dst;
    start = i + 1;
    trim16(&r, &rn);
    if (rn == 0)
      continue;
    ok = read_rule(r, rn, reverse, &src, &dst);
    if (!ok || src < 0 || src >= BMP || seen[src])
      continue; /* an earlier rule for src wins */
    seen[src] = 1;
    if (dst >= 0 && dst != src && is_t2s_source(src))
      n->t2s[src] = (uint32_t)dst, mapped++;
  }
  kg_free(seen);
  ures_close(file);
  ures_close(id);
  ures_close(ids);
  ures_close(root);
  return ok && mapped > 1000;
}

static KgStatus build_t2s(KgNormalizer *n, KgError *err) {
  for (uint32_t cp = 0; cp < BMP; cp++)
    n->t2s[cp] = cp;
  if (t2s_from_rules(n))
    return KG_SUCCESS;
  for (uint32_t cp = 0; cp < BMP; cp++)
    n->t2s[cp] = cp;
  return t2s_by_transliterator(n, err);
}

/* Step 3 for one normalised code point. */
static uint32_t fold_one(const KgNormalizer *n, uint32_t cp) {
  if (cp == '\n' || cp == 0x0B || cp == 0x0C || cp == '\r' || cp == 0x85 ||
      cp == 0x2028 || cp == 0x2029)
    return '\n';
  if (cp == 0xFEFF || cp == 0x200B || cp == 0x00AD || cp == 0x2060)
    return DROP; /* invisible: BOM, zero-width space, soft hyphen, joiner */
  if (u_isUWhiteSpace((UChar32)cp) || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
    return ' '; /* controls too: a NUL must not end the C string */
  if (cp < BMP)
    cp = n->t2s[cp];
  return (uint32_t)u_foldCase((UChar32)cp, U_FOLD_CASE_DEFAULT);
}

/* NFKC of the single code point cp, if it is a single code point. */
static uint32_t nfkc_one(const KgNormalizer *n, uint32_t cp) {
  UChar in[2], out[32];
  int32_t len = 0;
  U16_APPEND_UNSAFE(in, len, cp);
  UErrorCode st = U_ZERO_ERROR;
  int32_t m = unorm2_normalize(n->nfkc, in, len, out, 32, &st);
  if (U_FAILURE(st) || m < 1)
    return NONE;
  UChar32 c;
  int32_t j = 0;
  U16_NEXT(out, j, m, c);
  return j == m ? (uint32_t)c : NONE;
}

/* single[cp] as UTF-8 packed into info[cp], or I_SLOW when it is not one
 * code point of the BMP (dropped code points pack as zero bytes). */
static uint32_t pack_single(uint32_t c) {
  if (c == DROP)
    return 0;
  if (c < 0x80)
    return c | 1u << I_LEN_SHIFT;
  if (c < 0x800)
    return (0xC0 | c >> 6) | (0x80 | (c & 0x3F)) << 8 | 2u << I_LEN_SHIFT;
  if (c >= BMP || (c >= 0xD800 && c <= 0xDFFF))
    return I_SLOW;
  return (0xE0 | c >> 12) | (0x80 | ((c >> 6) & 0x3F)) << 8 |
         (0x80 | (c & 0x3F)) << 16 | 3u << I_LEN_SHIFT;
}

/* The I_* flags of the input code point cp (single[] not yet packed). */
static uint32_t input_flags(const KgNormalizer *n, uint32_t cp) {
  uint32_t f = 0;
  if (unorm2_hasBoundaryBefore(n->nfkc, (UChar32)cp))
    f |= I_BB;
  if (is_han(cp))
    f |= I_HAN;
  else if (cp < 0x80 ? ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')
                     : u_isalpha((UChar32)cp))
    f |= I_ALPHA;
  if (n->t2s[cp] != cp)
    f |= I_TRAD;
  return f;
}

static void build_bmp_tables(KgNormalizer *n) {
  for (uint32_t cp = 0; cp < BMP; cp++)
    n->fold[cp] = fold_one(n, cp);
  for (uint32_t cp = 0; cp < BMP; cp++) {
    uint32_t c = (cp >= 0xD800 && cp <= 0xDFFF) ? NONE
                 : unorm2_isInert(n->nfkc, (UChar32)cp)
                     ? cp /* unchanged by NFKC: no need to ask */
                     : nfkc_one(n, cp);
    n->single[cp] = c == NONE ? NONE : c < BMP ? n->fold[c] : fold_one(n, c);
    n->info[cp] = input_flags(n, cp) |
                  (n->single[cp] == NONE ? I_SLOW : pack_single(n->single[cp]));
  }
  n->ascii_plain = true;
  for (uint32_t cp = 0; cp < 0x80; cp++) {
    bool upper = cp >= 'A' && cp <= 'Z';
    if (n->fold[cp] >= 0x80 ||
        (cp >= 0x20 && cp < 0x7F && n->fold[cp] != (upper ? cp | 0x20 : cp)))
      n->ascii_plain = false;
  }
}

KgStatus kg_normalizer_new(KgNormalizer **out, KgError *err) {
  *out = NULL;
  KgNormalizer *n = kg_malloc(sizeof *n);
  if (!n)
    return kg_error_set(err, KG_ERR_NOMEM, NULL, 0, 0, "out of memory");
  UErrorCode st = U_ZERO_ERROR;
  n->nfkc = unorm2_getNFKCInstance(&st);
  if (U_FAILURE(st)) {
    kg_free(n);
    return kg_error_set(err, KG_ERR_INTERNAL, NULL, 0, 0, "ICU NFKC: %s",
                        u_errorName(st));
  }
  KgStatus s = build_t2s(n, err);
  if (s != KG_SUCCESS) {
    kg_free(n);
    return s;
  }
  build_bmp_tables(n);
  *out = n;
  return KG_SUCCESS;
}

void kg_normalizer_free(KgNormalizer *n) {
  kg_free(n);
}

/* ------------------------------------------------------------ output */

/* The growing result; begin/end are NULL for a key (no map wanted). */
/* Letters seen, for the language (see kg_normalizer_lang). */
typedef struct {
  size_t han, trad, other;
} LangCount;

typedef struct {
  char *text;
  uint32_t *begin, *end;
  size_t len, cap;
  bool map;
  bool failed;
  LangCount lang; /* of the input, counted on the way */
} Out;

static bool out_reserve(Out *o, size_t extra) {
  if (o->len + extra + 1 <= o->cap)
    return true;
  size_t cap =
      o->cap * 2 > o->len + extra + 1 ? o->cap * 2 : o->len + extra + 1;
  char *t = kg_realloc(o->text, cap);
  if (t)
    o->text = t;
  if (t && o->map) {
    uint32_t *b = kg_reallocarray(o->begin, cap, sizeof *b);
    if (b)
      o->begin = b;
    uint32_t *e = b ? kg_reallocarray(o->end, cap, sizeof *e) : NULL;
    if (e)
      o->end = e;
    t = e ? t : NULL;
  }
  if (!t)
    return !(o->failed = true);
  o->cap = cap;
  return true;
}

/* Append the final code point cp whose source is original [ob, oe). */
static inline void emit(Out *o, uint32_t cp, uint32_t ob, uint32_t oe) {
  if (cp == DROP || o->failed || !out_reserve(o, 4))
    return;
  size_t at = o->len, k;
  if (cp < 0x80) {
    o->text[at] = (char)cp;
    k = 1;
  } else if (cp < 0x10000 && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
    o->text[at] = (char)(0xE0 | (cp >> 12));
    o->text[at + 1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o->text[at + 2] = (char)(0x80 | (cp & 0x3F));
    k = 3;
  } else {
    k = kg_utf8_encode(cp, o->text + at);
  }
  if (o->map)
    for (size_t i = at; i < at + k; i++)
      o->begin[i] = ob, o->end[i] = oe;
  o->len = at + k;
}

/* Append an info[] entry's packed UTF-8 (not I_SLOW), from original
 * [ob, oe).  Three bytes and map entries are always stored; only the
 * packed length of them counts. */
static inline void put_packed(Out *o, uint32_t e, uint32_t ob, uint32_t oe) {
  if (o->len + 4 > o->cap && !out_reserve(o, 4))
    return;
  char *t = o->text + o->len;
  t[0] = (char)e;
  t[1] = (char)(e >> 8);
  t[2] = (char)(e >> 16);
  if (o->map) {
    uint32_t *b = o->begin + o->len, *x = o->end + o->len;
    b[0] = b[1] = b[2] = ob;
    x[0] = x[1] = x[2] = oe;
  }
  o->len += (e >> I_LEN_SHIFT) & 3;
}

/* --------------------------------------------------------- NFKC chunks */

#define CHUNK_MAX 32   /* UTF-16 units; a longer chunk is cut (never in text) */
#define NFKC_GROWTH 18 /* the longest NFKC expansion of one code point */

/* The code points since the last NFKC boundary, with their source.  The
 * UTF-16 copy is only made once a second code point joins (rare). */
typedef struct {
  UChar u[CHUNK_MAX];
  int32_t n;    /* UTF-16 units in u (0 while ncp < 2) */
  int ncp;      /* code points */
  uint32_t cp0; /* the first code point */
  uint32_t e0;  /* its info */
  uint32_t ob, oe;
} Chunk;

static uint32_t final_cp(const KgNormalizer *n, uint32_t cp) {
  return cp < BMP ? n->fold[cp] : fold_one(n, cp);
}

/* info[cp], also beyond the BMP (always I_SLOW there). */
static inline uint32_t info_of(const KgNormalizer *n, uint32_t cp) {
  if (cp < BMP)
    return n->info[cp];
  return I_SLOW | (is_han(cp) ? I_HAN : 0) |
         (unorm2_hasBoundaryBefore(n->nfkc, (UChar32)cp) ? I_BB : 0);
}

/* Normalise a chunk of several code points (or one beyond the BMP). */
static void flush_slow(const KgNormalizer *n, Chunk *c, Out *o) {
  UChar buf[CHUNK_MAX * NFKC_GROWTH];
  UErrorCode st = U_ZERO_ERROR;
  if (c->ncp == 1 && c->cp0 < BMP && n->single[c->cp0] != NONE) {
    emit(o, n->single[c->cp0], c->ob, c->oe); /* beyond the BMP */
    return;
  }
  if (c->ncp == 1)
    U16_APPEND_UNSAFE(c->u, c->n, c->cp0);
  int32_t m =
      unorm2_normalize(n->nfkc, c->u, c->n, buf, CHUNK_MAX * NFKC_GROWTH, &st);
  const UChar *src = buf;
  if (U_FAILURE(st)) { /* cannot happen with this buffer: keep the input */
    src = c->u;
    m = c->n;
  }
  for (int32_t j = 0; j < m;) {
    UChar32 cp;
    U16_NEXT(src, j, m, cp);
    emit(o, final_cp(n, (uint32_t)cp), c->ob, c->oe);
  }
}

static inline void flush(const KgNormalizer *n, Chunk *c, Out *o) {
  if (c->ncp == 1 && !(c->e0 & I_SLOW))
    put_packed(o, c->e0, c->ob, c->oe);
  else if (c->ncp)
    flush_slow(n, c, o);
  c->n = c->ncp = 0;
}

/* Add cp (info e), from original [ob, oe), to the chunk, closing the
 * chunk first when cp starts a new one. */
static inline void add_cp(const KgNormalizer *n, Chunk *c, Out *o, uint32_t cp,
                          uint32_t e, uint32_t ob, uint32_t oe) {
  if (c->ncp && ((e & I_BB) || c->n + 2 > CHUNK_MAX))
    flush(n, c, o);
  if (c->ncp == 0) {
    c->cp0 = cp;
    c->e0 = e;
    c->ob = ob;
  } else {
    if (c->ncp == 1)
      U16_APPEND_UNSAFE(c->u, c->n, c->cp0);
    U16_APPEND_UNSAFE(c->u, c->n, cp);
  }
  c->ncp++;
  c->oe = oe;
}

/* ------------------------------------------------------------- pinyin */

static bool is_toned(uint32_t cp) {
  static const uint16_t toned[] = {
      0x0101, 0x00E1, 0x01CE, 0x00E0, 0x0113, 0x00E9, 0x011B,
      0x00E8, 0x012B, 0x00ED, 0x01D0, 0x00EC, 0x014D, 0x00F3,
      0x01D2, 0x00F2, 0x016B, 0x00FA, 0x01D4, 0x00F9, 0x01D6,
      0x01D8, 0x01DA, 0x01DC, 0x1E3F, 0x0144, 0x0148, 0x01F9};
  for (size_t i = 0; i < sizeof toned / sizeof *toned; i++)
    if (cp == toned[i])
      return true;
  return false;
}

/* Tone marks as combining characters, for decomposed input. */
static bool is_tone_mark(uint32_t cp) {
  return cp == 0x0300 || cp == 0x0301 || cp == 0x0304 || cp == 0x030C;
}

/*
 * If s[0..len) opens with a pinyin annotation — "(" or "（", 1 to 7 pinyin
 * letters of which one at least carries a tone, ")" or "）" — return its
 * length in bytes and put its code point count in *ncp; else return 0.
 */
static size_t pinyin_len(const char *s, size_t len, uint32_t *ncp) {
  uint32_t cp;
  size_t i = kg_utf8_decode(s, len, &cp);
  if (cp != '(' && cp != 0xFF08)
    return 0;
  unsigned letters = 0, count = 1;
  bool tone = false;
  while (i < len && letters <= 7 && count < 24) {
    uint32_t prev = cp;
    i += kg_utf8_decode(s + i, len - i, &cp);
    count++;
    if (cp == ')' || cp == 0xFF09) {
      *ncp = count;
      return letters >= 1 && tone ? i : 0;
    }
    if ((cp >= 'a' && cp <= 'z') || cp == 0xFC)
      letters++;
    else if (is_toned(cp))
      letters++, tone = true;
    else if (letters && (is_tone_mark(cp) || (cp == 0x0308 && prev == 'u')))
      tone = tone || cp != 0x0308;
    else
      return 0;
  }
  return 0;
}

/* -------------------------------------------------------------- driver */

/* Decode the character at u[i]: the three-byte sequences that make up
 * Chinese text inline, anything else through kg_utf8_decode. */
static inline size_t decode_at(const unsigned char *u, size_t i, size_t len,
                               uint32_t *cp) {
  unsigned char b = u[i];
  if (b >= 0xE1 && b <= 0xEF && b != 0xED && i + 2 < len &&
      (u[i + 1] & 0xC0) == 0x80 && (u[i + 2] & 0xC0) == 0x80) {
    *cp = (b & 0x0Fu) << 12 | (u[i + 1] & 0x3Fu) << 6 | (u[i + 2] & 0x3Fu);
    return 3;
  }
  return kg_utf8_decode((const char *)u + i, len - i, cp);
}

/* ------------------------------------------------------------ language */

/*
 * The language: Han characters are weighed against other letters (ASCII
 * and other alphabetic code points).  Text is "zh" when it has a Han
 * character and Han makes up at least 20% of its letters — a Chinese
 * sentence quoting English terms stays "zh", an English one naming a
 * Chinese company stays "en".  A "zh" text is "zh-Hant" when at least two
 * of its Han characters, and more than 10% of them, are traditional-only
 * (changed by the T→S table); simplified text almost never has those.
 * kg_normalize counts as it goes; kg_normalizer_lang makes a pass.
 */

/* The I_HAN, I_TRAD and I_ALPHA flags of any code point. */
static inline uint32_t lang_flags(const KgNormalizer *n, uint32_t cp) {
  return cp < BMP                 ? n->info[cp]
         : is_han(cp)             ? I_HAN
         : u_isalpha((UChar32)cp) ? I_ALPHA
                                  : 0;
}

static inline void lang_add(LangCount *c, uint32_t f) {
  c->han += (f & I_HAN) != 0;
  c->trad += (f & (I_HAN | I_TRAD)) == (I_HAN | I_TRAD);
  c->other += (f & I_ALPHA) != 0;
}

static const char *lang_of(const LangCount *c) {
  if (c->han == 0 || c->han * 4 < c->other)
    return "en";
  return c->trad >= 2 && c->trad * 10 > c->han ? "zh-Hant" : "zh";
}

/* Count the letters of u[0..len) into c. */
static void lang_count(const KgNormalizer *n, const unsigned char *u,
                       size_t len, LangCount *c) {
  for (size_t i = 0; i < len;) {
    if (u[i] < 0x80) {
      c->other += (uint8_t)((u[i++] | 0x20) - 'a') < 26;
      continue;
    }
    uint32_t cp;
    i += decode_at(u, i, len, &cp);
    lang_add(c, lang_flags(n, cp));
  }
}

/* Does "(" or "（" start at u[i], so that a pinyin annotation may? */
static inline bool paren_at(const unsigned char *u, size_t i, size_t len) {
  return i < len && (u[i] == '(' || (u[i] == 0xEF && i + 2 < len &&
                                     u[i + 1] == 0xBC && u[i + 2] == 0x88));
}

/* Where the ASCII bytes from u[i] on end. */
static size_t ascii_end(const unsigned char *u, size_t i, size_t len) {
  const uint64_t high = 0x8080808080808080ULL;
  for (uint64_t w; i + 8 <= len && (memcpy(&w, u + i, 8), !(w & high));)
    i += 8;
  while (i < len && u[i] < 0x80)
    i++;
  return i;
}

/* ASCII u[i..j) (followed by ASCII, or the end at len) into o; the first
 * is original code point ci.  Each byte maps to one byte. */
static void ascii_copy(const KgNormalizer *n, const unsigned char *u, size_t i,
                       size_t j, size_t len, Out *o, uint32_t ci) {
  if (!out_reserve(o, j - i))
    return;
  for (uint32_t c = ci; i < j; i++, c++) {
    o->lang.other += (uint8_t)((u[i] | 0x20) - 'a') < 26;
    uint32_t cp = u[i] == '\r' && i + 1 < len && u[i + 1] == '\n' ? ' ' : u[i];
    uint32_t f = n->fold[cp];
    if (f >= 0x80) { /* never for ASCII; kept general */
      emit(o, f, c, c + 1);
      continue;
    }
    o->text[o->len] = (char)f;
    if (o->map)
      o->begin[o->len] = c, o->end[o->len] = c + 1;
    o->len++;
  }
}

/* The ASCII characters from u[i] on that no mark can join (the next
 * character is ASCII too, or the end): each maps to one byte.  Returns
 * where the run stops. */
static size_t ascii_run(const KgNormalizer *n, const unsigned char *u, size_t i,
                        size_t len, Out *o, uint32_t ci) {
  size_t j = ascii_end(u, i, len);
  if (j < len)
    j--; /* a mark may join the last one */
  ascii_copy(n, u, i, j, len, o, ci);
  return j;
}

/* Normalise in[0..len) into o; *total gets the original code point count. */
static void run(const KgNormalizer *n, const char *in, size_t len, Out *o,
                uint32_t *total) {
  const unsigned char *u = (const unsigned char *)in;
  Chunk c = {.n = 0, .ncp = 0};
  uint32_t ci = 0;
  size_t i = 0;
  while (i < len && !o->failed) {
    if (u[i] < 0x80 && (i + 1 == len || u[i + 1] < 0x80)) {
      flush(n, &c, o); /* ASCII next: no mark can join these characters */
      size_t j = ascii_run(n, u, i, len, o, ci);
      ci += (uint32_t)(j - i);
      i = j;
      continue;
    }
    uint32_t cp, oe = ci + 1; /* a lone ASCII byte too: \r pairs no \n here */
    size_t k = decode_at(u, i, len, &cp);
    uint32_t e = info_of(n, cp);
    lang_add(&o->lang, cp < BMP ? e : lang_flags(n, cp));
    if ((e & I_HAN) && paren_at(u, i + k, len)) {
      uint32_t extra = 0;
      size_t pk = pinyin_len(in + i + k, len - i - k, &extra);
      if (pk) /* dropped from the text, still counted for the language */
        lang_count(n, u + i + k, pk, &o->lang), k += pk, oe += extra;
    }
    add_cp(n, &c, o, cp, e, ci, oe);
    i += k, ci = oe;
  }
  flush(n, &c, o);
  *total = ci;
}

KgStatus kg_normalize(const KgNormalizer *n, const char *in, size_t len,
                      KgNormText *out) {
  memset(out, 0, sizeof *out);
  if (!n || (!in && len))
    return KG_ERR_BAD_ARG;
  if (len >= UINT32_MAX)
    return KG_ERR_LIMIT; /* offsets are 32-bit code point counts */
  Out o = {.map = true};
  uint32_t total = 0;
  if (out_reserve(&o, len + 16))
    run(n, in, len, &o, &total);
  if (o.failed) {
    kg_free(o.text);
    kg_free(o.begin);
    kg_free(o.end);
    return KG_ERR_NOMEM;
  }
  o.text[o.len] = '\0';
  o.begin[o.len] = o.end[o.len] = total;
  *out = (KgNormText){o.text, o.len, o.begin, o.end, lang_of(&o.lang)};
  return KG_SUCCESS;
}

void kg_norm_text_free(KgNormText *t) {
  if (!t)
    return;
  kg_free(t->text);
  kg_free(t->begin);
  kg_free(t->end);
  memset(t, 0, sizeof *t);
}

char *kg_normalize_key(const KgNormalizer *n, const char *in, size_t len) {
  KgBuf b = {0};
  if (!kg_normalize_key_buf(n, in, len, &b)) {
    kg_buf_free(&b);
    return NULL;
  }
  return b.data;
}

bool kg_normalize_key_buf(const KgNormalizer *n, const char *in, size_t len,
                          KgBuf *out) {
  if (!n || !out || (!in && len) || len >= UINT32_MAX)
    return false;
  /* the buffer's block becomes the output's, so no copy is made */
  Out o = {.text = out->data, .cap = out->cap, .map = false};
  uint32_t total = 0;
  if (out_reserve(&o, len + 4))
    run(n, in, len, &o, &total);
  out->data = o.text;
  out->cap = o.cap;
  out->len = 0;
  if (o.failed)
    return false;
  o.text[o.len] = '\0';
  out->len = o.len;
  return true;
}

void kg_norm_span(const KgNormText *t, size_t nb, size_t ne, uint32_t *b,
                  uint32_t *e) {
  if (!t->begin) {
    *b = *e = 0;
    return;
  }
  nb = nb > t->len ? t->len : nb;
  ne = ne > t->len ? t->len : ne < nb ? nb : ne;
  *b = t->begin[nb];
  *e = ne > nb ? t->end[ne - 1] : *b;
}

const char *kg_normalizer_lang(const KgNormalizer *n, const char *in,
                               size_t len) {
  LangCount c = {0};
  lang_count(n, (const unsigned char *)in, len, &c);
  return lang_of(&c);
}
