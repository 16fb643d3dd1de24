/*
 * encoding.c — charset choice and conversion to UTF-8.
 *
 * The bytes decide before any label does: a BOM first, then the NUL
 * pattern of BOM-less UTF-16, then valid UTF-8 (legacy multi-byte text is
 * almost never valid UTF-8 by accident, so this test is strong).  Only
 * then do we trust a declared charset, and only while the bytes agree
 * with it; otherwise ICU's detector (ucsdet) names the charset.
 *
 * "Mostly UTF-8" (at least four valid multi-byte sequences per invalid
 * byte) counts as UTF-8 with damage: a file that is UTF-8 with one bad
 * byte must keep its text, not be read as Latin-1.  GBK or Big5 text
 * forms a valid UTF-8 pair only now and then, far below that share.
 *
 * Invalid bytes become U+FFFD.  We count them and warn once with the
 * offset of the first, so nothing is dropped or cut silently.  UTF-8 is
 * checked by hand (it is the common case); every other charset goes
 * through an ICU converter whose error callback does the counting.
 *
 * Charset names handed out are static strings: from our alias table, or
 * ICU's alias data (which lives as long as the process).
 */
#include "encoding.h"

#include <string.h>

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>

/* Labels seen in the wild, mapped to the converter we read them with.
 * The GB family is read as GB18030, its superset.  To add one: add a
 * line (ICU's alias matching ignores case, '-' and '_'). */
static const struct {
  const char *label;
  const char *charset;
} charset_aliases[] = {
    {"utf-8", "UTF-8"},           {"utf8", "UTF-8"},
    {"gb2312", "GB18030"},        {"gbk", "GB18030"},
    {"x-gbk", "GB18030"},         {"cp936", "GB18030"},
    {"windows-936", "GB18030"},   {"euc-cn", "GB18030"},
    {"gb18030", "GB18030"},       {"big5", "Big5"},
    {"x-x-big5", "Big5"},         {"cp950", "Big5"},
    {"big5-hkscs", "Big5-HKSCS"}, {"shift_jis", "Shift_JIS"},
    {"euc-jp", "EUC-JP"},         {"euc-kr", "EUC-KR"},
    {"iso-8859-1", "ISO-8859-1"}, {"windows-1252", "windows-1252"},
    {"us-ascii", "US-ASCII"},     {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
};

/* Counts invalid input while converting.  start is the first byte given
 * to the converter; base is its offset in the raw file. */
typedef struct {
  const char *start;
  size_t base;
  size_t bad;
  size_t first_bad;
  bool valid_utf8; /* the bytes are known to be valid UTF-8 already */
} ConvStats;

static void note_bad(ConvStats *st, size_t at) {
  if (st->bad++ == 0)
    st->first_bad = st->base + at;
}

/* The static name of the charset a label names, or NULL if unknown. */
static const char *charset_name(const char *label) {
  size_t n = sizeof charset_aliases / sizeof *charset_aliases;
  for (size_t i = 0; i < n; i++)
    if (ucnv_compareNames(label, charset_aliases[i].label) == 0)
      return charset_aliases[i].charset;
  UErrorCode ec = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(label, &ec);
  if (U_FAILURE(ec))
    return NULL;
  const char *icu = ucnv_getName(cv, &ec);
  const char *name = NULL;
  if (U_SUCCESS(ec)) {
    name = ucnv_getStandardName(icu, "IANA", &ec);
    if (!name || U_FAILURE(ec)) {
      ec = U_ZERO_ERROR;
      name = ucnv_getStandardName(icu, "MIME", &ec);
    }
  }
  ucnv_close(cv);
  return U_SUCCESS(ec) ? name : NULL;
}

/* ---------------------------------------------------------------- sniffing */

const char *kg_enc_bom(const char *data, size_t len, size_t *bom_len) {
  const unsigned char *p = (const unsigned char *)data;
  *bom_len = 0;
  if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
    return *bom_len = 3, "UTF-8";
  if (len >= 4 && p[0] == 0xFF && p[1] == 0xFE && !p[2] && !p[3])
    return *bom_len = 4, "UTF-32LE";
  if (len >= 4 && !p[0] && !p[1] && p[2] == 0xFE && p[3] == 0xFF)
    return *bom_len = 4, "UTF-32BE";
  if (len >= 2 && p[0] == 0xFF && p[1] == 0xFE)
    return *bom_len = 2, "UTF-16LE";
  if (len >= 2 && p[0] == 0xFE && p[1] == 0xFF)
    return *bom_len = 2, "UTF-16BE";
  return NULL;
}

const char *kg_enc_sniff_utf16(const char *data, size_t len) {
  size_t n = len < 4096 ? len : 4096;
  n &= ~(size_t)1;
  if (n < 16)
    return NULL; /* too little to tell from binary */
  size_t zero_even = 0, zero_odd = 0, pairs = n / 2;
  for (size_t i = 0; i < n; i += 2) {
    zero_even += data[i] == 0;
    zero_odd += data[i + 1] == 0;
  }
  /* ASCII in UTF-16LE puts the zero byte second; in BE, first */
  if (zero_odd * 10 >= pairs * 3 && zero_even * 20 < pairs)
    return "UTF-16LE";
  if (zero_even * 10 >= pairs * 3 && zero_odd * 20 < pairs)
    return "UTF-16BE";
  return NULL;
}

/* What one pass over the bytes tells: NUL bytes, control characters that
 * do not belong in text, and the UTF-8 sequences that are valid
 * (multi-byte ones) or not. */
typedef struct {
  bool nul;
  size_t ctrl, multi, bad;
} ByteStats;

/* Tab, LF, VT, FF, CR, SUB (old EOF mark) and ESC (ISO-2022) are at home
 * in text; other C0 controls and DEL are not. */
static bool is_stray_ctrl(unsigned char c) {
  return (c < 0x20 && !(c >= 0x09 && c <= 0x0D) && c != 0x1A && c != 0x1B) ||
         c == 0x7F;
}

/* Are all eight bytes of w printable ASCII (0x20-0x7E)? */
static bool plain_ascii8(uint64_t w) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t del = w ^ (0x7F * ones);
  return !(w & high) && !((w - 0x20 * ones) & ~w & high) &&
         !((del - ones) & ~del & high);
}

/* A three-byte sequence of U+1000-U+CFFF or U+E000-U+FFFF (the bulk of
 * Chinese text) at s, which needs no range check on its second byte. */
static bool easy3(const unsigned char *s, size_t n) {
  return n >= 3 && s[0] >= 0xE1 && s[0] <= 0xEF && s[0] != 0xED &&
         (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80;
}

/* Fill st from s[0..n); with stop_at_nul, return at the first NUL. */
static void byte_stats(const char *s, size_t n, bool stop_at_nul,
                       ByteStats *st) {
  const unsigned char *u = (const unsigned char *)s;
  memset(st, 0, sizeof *st);
  for (size_t i = 0; i < n;) {
    uint64_t w;
    if (i + 8 <= n && (memcpy(&w, u + i, 8), plain_ascii8(w))) {
      i += 8;
    } else if (u[i] < 0x80) {
      if (u[i] == 0 && (st->nul = true) && stop_at_nul)
        return;
      st->ctrl += is_stray_ctrl(u[i++]);
    } else if (easy3(u + i, n - i)) {
      st->multi++, i += 3;
    } else {
      uint32_t cp;
      size_t k = kg_utf8_decode(s + i, n - i, &cp);
      ++*(k == 1 ? &st->bad : &st->multi);
      i += k;
    }
  }
}

static bool stats_binary(const ByteStats *st, size_t len) {
  return st->nul || st->ctrl * 10 > len;
}

bool kg_enc_looks_binary(const char *data, size_t len) {
  ByteStats st;
  byte_stats(data, len, true, &st);
  return stats_binary(&st, len);
}

/* Offset of needle in hay[0..n) ignoring ASCII case, or n. */
static size_t find_ci(const char *hay, size_t n, const char *needle) {
  size_t k = strlen(needle);
  for (size_t i = 0; i + k <= n; i++) {
    size_t j = 0;
    while (j < k && (hay[i + j] | 0x20) == (needle[j] | 0x20))
      j++;
    if (j == k)
      return i;
  }
  return n;
}

static bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
}

/* Read `= "label"` (quotes optional) at p into out. */
static bool read_label(const char *p, const char *end, char *out,
                       size_t outsz) {
  while (p < end && is_space(*p))
    p++;
  if (p >= end || *p != '=')
    return false;
  p++;
  while (p < end && (is_space(*p) || *p == '"' || *p == '\''))
    p++;
  size_t n = 0;
  while (p < end && is_label_char(*p) && n + 1 < outsz)
    out[n++] = *p++;
  out[n] = '\0';
  return n > 0;
}

static bool xml_decl_charset(const char *d, size_t n, char *out, size_t outsz) {
  if (n < 5 || memcmp(d, "<?xml", 5) != 0)
    return false;
  size_t end = find_ci(d, n, "?>");
  size_t at = find_ci(d, end, "encoding");
  return at < end && read_label(d + at + 8, d + end, out, outsz);
}

bool kg_enc_declared(const char *data, size_t len, char *out, size_t outsz) {
  size_t n = len < 4096 ? len : 4096;
  out[0] = '\0';
  if (n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    data += 3, n -= 3;
  if (xml_decl_charset(data, n, out, outsz))
    return true;
  size_t at = 0;
  while ((at += find_ci(data + at, n - at, "<meta")) < n) {
    const char *tag = data + at;
    const char *close = memchr(tag, '>', n - at);
    size_t tag_len = close ? (size_t)(close - tag) : n - at;
    size_t cs = find_ci(tag, tag_len, "charset");
    if (cs < tag_len && read_label(tag + cs + 7, tag + tag_len, out, outsz))
      return true;
    at += 5;
  }
  out[0] = '\0';
  return false;
}

/* -------------------------------------------------------------- conversion */

/* Copy UTF-8, each invalid byte replaced by U+FFFD.  Valid text (nearly
 * always) is copied as it is: decoding and encoding it again gives the
 * same bytes. */
static void utf8_copy(const char *s, size_t n, KgBuf *out, ConvStats *st) {
  size_t i = 0, first_bad = 0;
  if (st->valid_utf8 || kg_utf8_valid(s, n, &first_bad)) {
    kg_buf_append(out, s, n);
    return;
  }
  kg_buf_append(out, s, first_bad);
  i = first_bad;
  while (i < n) {
    size_t run = i;
    while (run < n && (unsigned char)s[run] < 0x80)
      run++;
    kg_buf_append(out, s + i, run - i);
    if ((i = run) >= n)
      break;
    uint32_t cp;
    size_t k = kg_utf8_decode(s + i, n - i, &cp);
    if (k == 1)
      note_bad(st, i);
    kg_buf_put_utf8(out, cp);
    i += k;
  }
}

/* ICU calls this on bytes it cannot map: count them, write U+FFFD. */
static void on_bad_bytes(const void *context, UConverterToUnicodeArgs *args,
                         const char *units, int32_t n,
                         UConverterCallbackReason reason, UErrorCode *ec) {
  (void)units;
  if (reason > UCNV_IRREGULAR)
    return; /* reset, close, clone: nothing to convert */
  ConvStats *st = (ConvStats *)context;
  note_bad(st, (size_t)(args->source - st->start) - (size_t)n);
  static const UChar fffd = 0xFFFD;
  *ec = U_ZERO_ERROR;
  ucnv_cbToUWriteUChars(args, &fffd, 1, 0, ec);
}

/* Append UTF-16 units as UTF-8; *hi carries a high surrogate across
 * chunks. */
static void put_utf16(KgBuf *out, const UChar *u, size_t n, uint32_t *hi) {
  for (size_t i = 0; i < n; i++) {
    uint32_t c = u[i];
    if (*hi && c >= 0xDC00 && c <= 0xDFFF) {
      kg_buf_put_utf8(out, 0x10000 + ((*hi - 0xD800) << 10) + (c - 0xDC00));
      *hi = 0;
      continue;
    }
    if (*hi)
      kg_buf_put_utf8(out, 0xFFFD);
    *hi = 0;
    if (c >= 0xD800 && c <= 0xDBFF)
      *hi = c;
    else
      kg_buf_put_utf8(out, c); /* a lone low surrogate encodes as FFFD */
  }
}

static KgStatus icu_convert(const char *name, const char *charset,
                            const char *s, size_t n, KgBuf *out, ConvStats *st,
                            KgError *err) {
  UErrorCode ec = U_ZERO_ERROR;
  UConverter *cv = ucnv_open(charset, &ec);
  if (U_SUCCESS(ec))
    ucnv_setToUCallBack(cv, on_bad_bytes, st, NULL, NULL, &ec);
  if (U_FAILURE(ec)) {
    ucnv_close(cv);
    return kg_error_set(err, KG_ERR_ENCODING, name, 0, 0,
                        "cannot read charset %s: %s", charset, u_errorName(ec));
  }
  UChar chunk[4096];
  const char *src = s;
  uint32_t hi = 0;
  do {
    UChar *t = chunk;
    ec = U_ZERO_ERROR;
    ucnv_toUnicode(cv, &t, chunk + 4096, &src, s + n, NULL, 1, &ec);
    put_utf16(out, chunk, (size_t)(t - chunk), &hi);
  } while (ec == U_BUFFER_OVERFLOW_ERROR && !out->failed);
  if (hi)
    kg_buf_put_utf8(out, 0xFFFD);
  ucnv_close(cv);
  if (U_FAILURE(ec) && !out->failed)
    return kg_error_set(err, KG_ERR_ENCODING, name, 0, 0,
                        "cannot convert from %s: %s", charset, u_errorName(ec));
  return KG_SUCCESS;
}

static KgStatus convert(const char *name, const char *charset, const char *s,
                        size_t n, KgBuf *out, ConvStats *st, KgError *err) {
  KgStatus rc = KG_SUCCESS;
  if (strcmp(charset, "UTF-8") == 0)
    utf8_copy(s, n, out, st);
  else
    rc = icu_convert(name, charset, s, n, out, st, err);
  if (rc == KG_SUCCESS && out->failed)
    rc = kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "out of memory");
  return rc;
}

/* Invalid bytes when reading s as charset; SIZE_MAX when it cannot. */
static size_t count_bad(const char *charset, const char *s, size_t n) {
  KgBuf scratch = {0};
  ConvStats st = {.start = s};
  KgStatus rc = convert("", charset, s, n, &scratch, &st, NULL);
  kg_buf_free(&scratch);
  return rc == KG_SUCCESS ? st.bad : SIZE_MAX;
}

/* ICU's best guess among the charsets we can name, ignoring the Unicode
 * ones (already ruled out by then), or NULL. */
static const char *detect(const char *s, size_t n) {
  UErrorCode ec = U_ZERO_ERROR;
  UCharsetDetector *det = ucsdet_open(&ec);
  int32_t len = n > (1u << 20) ? (int32_t)(1u << 20) : (int32_t)n;
  ucsdet_enableInputFilter(det, 1); /* skip markup tags */
  ucsdet_setText(det, s, len, &ec);
  int32_t count = 0;
  const UCharsetMatch **m = ucsdet_detectAll(det, &count, &ec);
  const char *found = NULL;
  for (int32_t i = 0; U_SUCCESS(ec) && i < count && !found; i++) {
    const char *nm = ucsdet_getName(m[i], &ec);
    if (U_SUCCESS(ec) && strncmp(nm, "UTF-", 4) != 0)
      found = charset_name(nm);
  }
  ucsdet_close(det);
  return found;
}

/* Pick the charset of bytes without BOM or UTF-16 pattern. */
static void warn_guess(const char *name, const char *s, size_t n,
                       const char *found, KgMessageFunc on_msg, void *ctx) {
  size_t first = 0;
  kg_utf8_valid(s, n, &first);
  kg_warn(on_msg, ctx, name, 0, 0,
          "not UTF-8 (first invalid byte at offset %zu) and no charset "
          "declared: read as %s, a guess",
          first, found);
}

static const char *choose(const char *name, const char *s, size_t n,
                          const ByteStats *bs, const char *declared,
                          KgMessageFunc on_msg, void *ctx) {
  size_t multi = bs->multi, bad = bs->bad;
  const char *decl = declared && *declared ? charset_name(declared) : NULL;
  if (declared && *declared && !decl)
    kg_warn(on_msg, ctx, name, 0, 0, "unknown charset \"%s\" declared; ignored",
            declared);
  if (decl &&
      (strncmp(decl, "UTF-16", 6) == 0 || strncmp(decl, "UTF-32", 6) == 0))
    decl = NULL; /* no BOM and no NULs: the label is wrong, not the bytes */
  bool decl_utf8 = decl && strcmp(decl, "UTF-8") == 0;
  if (bad == 0 || (multi > 0 && multi >= 4 * bad)) {
    if (decl && !decl_utf8 && multi > 0)
      kg_warn(on_msg, ctx, name, 0, 0, "declared %s but bytes are UTF-8",
              declared);
    return "UTF-8";
  }
  const char *found = detect(s, n);
  if (decl && !decl_utf8) {
    if (found && strcmp(found, decl) != 0 && count_bad(decl, s, n) > 0 &&
        count_bad(found, s, n) == 0) {
      kg_warn(on_msg, ctx, name, 0, 0, "declared %s but bytes are %s", declared,
              found);
      return found;
    }
    return decl;
  }
  if (!found)
    return "UTF-8";
  if (decl_utf8)
    kg_warn(on_msg, ctx, name, 0, 0, "declared %s but bytes are %s", declared,
            found);
  else if (!strncmp(found, "ISO-8859", 8) || !strncmp(found, "windows-125", 11))
    /* A single-byte guess from a few stray bytes is weak evidence: say
     * where the text stopped being UTF-8 so the user can judge. */
    warn_guess(name, s, n, found, on_msg, ctx);
  return found;
}

static void warn_invalid(const char *name, const char *data,
                         const char *charset, const ConvStats *st,
                         KgMessageFunc on_msg, void *ctx) {
  unsigned line = 0;
  if (strncmp(charset, "UTF-16", 6) != 0 && strncmp(charset, "UTF-32", 6)) {
    line = 1;
    for (size_t i = 0; i < st->first_bad; i++)
      line += data[i] == '\n';
  }
  kg_warn(on_msg, ctx, name, line, 0,
          "%zu invalid byte sequence%s for %s replaced by U+FFFD, the first "
          "at byte offset %zu",
          st->bad, st->bad == 1 ? "" : "s", charset, st->first_bad);
}

KgStatus kg_enc_decode(const char *name, const char *data, size_t len,
                       const char *declared, KgDecoded *out,
                       KgMessageFunc on_msg, void *ctx, KgError *err) {
  memset(out, 0, sizeof *out);
  size_t bom = 0;
  const char *charset = kg_enc_bom(data, len, &bom);
  bool guessed = !charset && (charset = kg_enc_sniff_utf16(data, len));
  ByteStats bs = {0};
  bool scanned = !charset;
  if (scanned)
    byte_stats(data, len, true, &bs);
  if (!charset && stats_binary(&bs, len))
    return kg_error_set(err, KG_ERR_UNSUPPORTED, name, 0, 0, "binary file");
  if (!charset)
    charset = choose(name, data, len, &bs, declared, on_msg, ctx);
  /* when scanned, byte_stats saw these very bytes (there is no BOM) */
  ConvStats st = {
      .start = data + bom, .base = bom, .valid_utf8 = scanned && bs.bad == 0};
  KgBuf b = {0};
  KgStatus rc = convert(name, charset, data + bom, len - bom, &b, &st, err);
  if (rc == KG_SUCCESS && guessed && kg_enc_looks_binary(b.data, b.len))
    rc = kg_error_set(err, KG_ERR_UNSUPPORTED, name, 0, 0, "binary file");
  if (rc != KG_SUCCESS) {
    kg_buf_free(&b);
    return rc;
  }
  if (st.bad)
    warn_invalid(name, data, charset, &st, on_msg, ctx);
  out->text = kg_buf_take(&b, &out->len);
  if (!out->text)
    return kg_error_set(err, KG_ERR_NOMEM, name, 0, 0, "out of memory");
  out->encoding = charset;
  return KG_SUCCESS;
}
