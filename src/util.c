/*
 * util.c — allocation with fault injection, errors, buffers, UTF-8, SHA-256
 * and atomic file writes.
 *
 * The allocation counter is a process-wide atomic so that the fault
 * injection test can walk "fail at the 1st, 2nd, ... Nth allocation"
 * through a whole build.  It costs one relaxed atomic add per allocation.
 *
 * SHA-256 follows FIPS 180-4 directly; it is small enough that a
 * dependency (OpenSSL) would cost more than it saves.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------- allocation */

static atomic_long alloc_count;
static atomic_long alloc_limit = -1;

long kg_alloc_fail_after(long n) {
  long made = atomic_exchange(&alloc_count, 0);
  atomic_store(&alloc_limit, n);
  return made;
}

static bool alloc_allowed(void) {
  long limit = atomic_load_explicit(&alloc_limit, memory_order_relaxed);
  long n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
  return limit < 0 || n < limit;
}

void *kg_malloc(size_t size) {
  return alloc_allowed() ? malloc(size ? size : 1) : NULL;
}

void *kg_calloc(size_t n, size_t size) {
  return alloc_allowed() ? calloc(n ? n : 1, size ? size : 1) : NULL;
}

void *kg_realloc(void *ptr, size_t size) {
  return alloc_allowed() ? realloc(ptr, size ? size : 1) : NULL;
}

void *kg_reallocarray(void *ptr, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    return NULL;
  return kg_realloc(ptr, n * size);
}

void kg_free(void *ptr) {
  free(ptr);
}

char *kg_strndup(const char *s, size_t n) {
  char *copy = kg_malloc(n + 1);
  if (copy) {
    memcpy(copy, s, n);
    copy[n] = '\0';
  }
  return copy;
}

char *kg_strdup(const char *s) {
  return s ? kg_strndup(s, strlen(s)) : NULL;
}

char *kg_strfmt(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *s = kg_malloc((size_t)n + 1);
  if (!s)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}

bool kg_grow(void **ptr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return true;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return false;
    ncap *= 2;
  }
  void *p = kg_reallocarray(*ptr, ncap, elem);
  if (!p)
    return false;
  *ptr = p;
  *cap = ncap;
  return true;
}

/* ---------------------------------------------------------------- status */

const char *kg_strstatus(KgStatus status) {
  static const char *const names[] = {
#define KG_X_NAME(name, text) text,
      KG_STATUS_LIST(KG_X_NAME)
#undef KG_X_NAME
  };
  size_t i = (size_t)status;
  return i < sizeof names / sizeof *names ? names[i] : "unknown status";
}

/* ---------------------------------------------------------------- errors */

KgStatus kg_error_vset(KgError *err, KgStatus status, const char *file,
                       unsigned line, unsigned col, const char *fmt,
                       va_list ap) {
  if (!err)
    return status;
  err->status = status;
  err->severity = KG_MSG_ERROR;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  err->line = line;
  err->col = col;
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  err->context[0] = '\0';
  return status;
}

KgStatus kg_error_set(KgError *err, KgStatus status, const char *file,
                      unsigned line, unsigned col, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kg_error_vset(err, status, file, line, col, fmt, ap);
  va_end(ap);
  return status;
}

void kg_error_context(KgError *err, const char *text, size_t len, size_t at) {
  if (!err || !text)
    return;
  if (at > len)
    at = len;
  size_t b = at, e = at;
  while (b > 0 && text[b - 1] != '\n')
    b--;
  while (e < len && text[e] != '\n' && text[e] != '\r')
    e++;
  size_t n = e - b;
  if (n >= sizeof err->context)
    n = sizeof err->context - 1;
  /* never cut a UTF-8 sequence in half */
  while (n > 0 && ((unsigned char)text[b + n] & 0xC0) == 0x80 && b + n < e)
    n--;
  memcpy(err->context, text + b, n);
  err->context[n] = '\0';
}

void kg_warn(KgMessageFunc on_msg, void *ctx, const char *file, unsigned line,
             unsigned col, const char *fmt, ...) {
  if (!on_msg)
    return;
  KgError msg;
  va_list ap;
  va_start(ap, fmt);
  kg_error_vset(&msg, KG_FAILURE, file, line, col, fmt, ap);
  va_end(ap);
  msg.severity = KG_MSG_WARNING;
  on_msg(ctx, &msg);
}

/* ---------------------------------------------------------------- buffer */

bool kg_buf_append(KgBuf *b, const void *data, size_t n) {
  if (b->len + n < b->cap && !b->failed) { /* the common case: room left */
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
  }
  if (b->failed)
    return false;
  if (b->len + n + 1 < b->len ||
      !kg_grow((void **)&b->data, &b->cap, b->len + n + 1, 1)) {
    b->failed = true;
    return false;
  }
  if (n)
    memcpy(b->data + b->len, data, n);
  b->len += n;
  b->data[b->len] = '\0';
  return true;
}

bool kg_buf_puts(KgBuf *b, const char *s) {
  return kg_buf_append(b, s, strlen(s));
}

bool kg_buf_putc(KgBuf *b, char c) {
  return kg_buf_append(b, &c, 1);
}

bool kg_buf_printf(KgBuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return b->failed = true, false;
  if ((size_t)n < sizeof small)
    return kg_buf_append(b, small, (size_t)n);
  char *big = kg_malloc((size_t)n + 1);
  if (!big)
    return b->failed = true, false;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = kg_buf_append(b, big, (size_t)n);
  kg_free(big);
  return ok;
}

bool kg_buf_put_utf8(KgBuf *b, uint32_t cp) {
  char tmp[4];
  return kg_buf_append(b, tmp, kg_utf8_encode(cp, tmp));
}

char *kg_buf_take(KgBuf *b, size_t *len) {
  char *d = b->data;
  if (!d && !b->failed)
    d = kg_strdup("");
  if (len)
    *len = d ? b->len : 0;
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
  return d;
}

void kg_buf_free(KgBuf *b) {
  kg_free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->failed = false;
}

/* ------------------------------------------------------------------ UTF-8 */

static bool is_cont_byte(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

/* Straight-line cases by lead byte; the bounds on the second byte rule
 * out overlong forms, surrogates and code points past U+10FFFF. */
size_t kg_utf8_decode(const char *str, size_t n, uint32_t *cp) {
  const unsigned char *s = (const unsigned char *)str;
  *cp = 0xFFFD;
  if (n == 0)
    return 0;
  unsigned c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c < 0xC2 || c > 0xF4)
    return 1;
  if (c < 0xE0) {
    if (n < 2 || !is_cont_byte(s[1]))
      return 1;
    *cp = (c & 0x1Fu) << 6 | (s[1] & 0x3Fu);
    return 2;
  }
  unsigned lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
  unsigned hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
  size_t len = c < 0xF0 ? 3 : 4;
  if (n < len || s[1] < lo || s[1] > hi || !is_cont_byte(s[2]) ||
      (len == 4 && !is_cont_byte(s[3])))
    return 1;
  if (len == 3) {
    *cp = (c & 0x0Fu) << 12 | (s[1] & 0x3Fu) << 6 | (s[2] & 0x3Fu);
    return 3;
  }
  *cp = (c & 0x07u) << 18 | (s[1] & 0x3Fu) << 12 | (s[2] & 0x3Fu) << 6 |
        (s[3] & 0x3Fu);
  return 4;
}

size_t kg_utf8_len(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

size_t kg_utf8_encode(uint32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = 0xFFFD;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

bool kg_utf8_valid(const char *s, size_t n, size_t *bad) {
  size_t i = 0;
  while (i < n) {
    uint64_t w;
    if (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ULL))) {
      i += 8; /* eight ASCII bytes at once */
      continue;
    }
    if ((unsigned char)s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t k = kg_utf8_decode(s + i, n - i, &cp);
    if (cp == 0xFFFD && k == 1) {
      if (bad)
        *bad = i;
      return false;
    }
    i += k;
  }
  return true;
}

size_t kg_utf8_count(const char *s, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    count += ((unsigned char)s[i] & 0xC0) != 0x80;
  return count;
}

/* ---------------------------------------------------------------- hashing */

uint64_t kg_hash64(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static uint32_t load_be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

/* One round with the eight working variables named by position, so that
 * unrolled rounds rename instead of moving: d and h are the ones written. */
#define SHA_ROUND(a, b, c, d, e, f, g, h, i)                                   \
  do {                                                                         \
    uint32_t t1_ = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +                 \
                   (g ^ (e & (f ^ g))) + sha_k[i] + w[i];                      \
    d += t1_;                                                                  \
    h = t1_ + (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +                          \
        ((a & b) | (c & (a | b)));                                             \
  } while (0)

/* The portable compression function, eight rounds per loop turn. */
static void sha256_blocks(uint32_t h[8], const unsigned char *p, size_t n) {
  for (; n > 0; n--, p += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
      w[i] = load_be32(p + 4 * i);
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5],
             g = h[6], k = h[7];
    for (int i = 0; i < 64; i += 8) {
      SHA_ROUND(a, b, c, d, e, f, g, k, i);
      SHA_ROUND(k, a, b, c, d, e, f, g, i + 1);
      SHA_ROUND(g, k, a, b, c, d, e, f, i + 2);
      SHA_ROUND(f, g, k, a, b, c, d, e, i + 3);
      SHA_ROUND(e, f, g, k, a, b, c, d, i + 4);
      SHA_ROUND(d, e, f, g, k, a, b, c, i + 5);
      SHA_ROUND(c, d, e, f, g, k, a, b, i + 6);
      SHA_ROUND(b, c, d, e, f, g, k, a, i + 7);
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += k;
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KG_SHA_NI 1
#include <immintrin.h>

/* The same with the x86 SHA extensions, which keep the state as the
 * register pairs ABEF and CDGH and do two rounds per instruction. */
__attribute__((target("sha,sse4.1,ssse3"))) static void
sha256_blocks_ni(uint32_t h[8], const unsigned char *p, size_t n) {
  const __m128i bswap =
      _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
  __m128i s1 =
      _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);
  __m128i s0 = _mm_alignr_epi8(t, s1, 8);
  s1 = _mm_blend_epi16(s1, t, 0xF0);
  for (; n > 0; n--, p += 64) {
    __m128i m[16], a0 = s0, c0 = s1;
    for (int i = 0; i < 4; i++)
      m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p + i), bswap);
    for (int i = 4; i < 16; i++) {
      __m128i x = _mm_sha256msg1_epu32(m[i - 4], m[i - 3]);
      x = _mm_add_epi32(x, _mm_alignr_epi8(m[i - 1], m[i - 2], 4));
      m[i] = _mm_sha256msg2_epu32(x, m[i - 1]);
    }
    for (int i = 0; i < 16; i++) {
      __m128i wk = _mm_add_epi32(
          m[i], _mm_loadu_si128((const __m128i *)(sha_k + 4 * i)));
      s1 = _mm_sha256rnds2_epu32(s1, s0, wk);
      s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(wk, 0x0E));
    }
    s0 = _mm_add_epi32(s0, a0);
    s1 = _mm_add_epi32(s1, c0);
  }
  t = _mm_shuffle_epi32(s0, 0x1B);
  s1 = _mm_shuffle_epi32(s1, 0xB1);
  _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, s1, 0xF0));
  _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(s1, t, 8));
}
#endif

/* The n whole blocks at p, through the SHA extensions when the CPU has
 * them (libgcc reads the CPU model once, at start-up). */
static void sha256_compress(uint32_t h[8], const unsigned char *p, size_t n) {
#ifdef KG_SHA_NI
  if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1")) {
    sha256_blocks_ni(h, p, n);
    return;
  }
#endif
  sha256_blocks(h, p, n);
}

void kg_sha256(const void *data, size_t len, uint8_t digest[32]) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const unsigned char *p = data;
  size_t full = len / 64 * 64;
  if (full)
    sha256_compress(h, p, full / 64);
  unsigned char tail[128] = {0};
  size_t rest = len - full;
  if (rest)
    memcpy(tail, p + full, rest);
  tail[rest] = 0x80;
  size_t tlen = rest < 56 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++)
    tail[tlen - 1 - i] = (unsigned char)(bits >> (8 * i));
  sha256_compress(h, tail, tlen / 64);
  for (int i = 0; i < 8; i++) {
    digest[4 * i] = (uint8_t)(h[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(h[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(h[i] >> 8);
    digest[4 * i + 3] = (uint8_t)h[i];
  }
}

void kg_sha256_hex(const void *data, size_t len, char hex[65]) {
  static const char digits[] = "0123456789abcdef";
  uint8_t d[32];
  kg_sha256(data, len, d);
  for (int i = 0; i < 32; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[64] = '\0';
}

/* ------------------------------------------------------------- files */

KgStatus kg_read_file(const char *path, size_t max, char **data, size_t *len,
                      KgError *err) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f)
    return kg_error_set(err, KG_ERR_IO, path, 0, 0, "cannot open: %s",
                        strerror(errno));
  KgBuf b = {0};
  char chunk[65536];
  size_t n;
  KgStatus st = KG_SUCCESS;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > max) {
      st = kg_error_set(err, KG_ERR_LIMIT, path, 0, 0,
                        "file larger than %zu bytes", max);
      break;
    }
    if (!kg_buf_append(&b, chunk, n)) {
      st = kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
      break;
    }
  }
  if (st == KG_SUCCESS && ferror(f))
    st = kg_error_set(err, KG_ERR_IO, path, 0, 0, "read error: %s",
                      strerror(errno));
  fclose(f);
  if (st != KG_SUCCESS) {
    kg_buf_free(&b);
    return st;
  }
  *data = kg_buf_take(&b, len);
  return *data ? KG_SUCCESS
               : kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
}

/* A device, fifo or socket at path is written in place: renaming over it
 * would replace /dev/null with a file. */
static bool is_special(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static KgStatus io_error(KgError *err, const char *path, const char *what,
                         int e) {
  return kg_error_set(err, KG_ERR_IO, path, 0, 0, "%s: %s", what, strerror(e));
}

KgStatus kg_atomic_open(const char *path, KgAtomicFile *af, KgError *err) {
  memset(af, 0, sizeof *af);
  af->path = path;
  if (is_special(path)) {
    af->f = fopen(path, "wb");
    return af->f ? KG_SUCCESS : io_error(err, path, "cannot write", errno);
  }
  /* A symbolic link keeps pointing where it did: replace its target.  No
   * fsync: the rename is what keeps a killed run from leaving half a
   * file, and waiting for the disk would double the time of a build. */
  char *target = realpath(path, NULL);
  af->dest = kg_strdup(target ? target : path);
  free(target);
  af->tmp = af->dest ? kg_strfmt("%s.tmp.XXXXXX", af->dest) : NULL;
  if (!af->tmp) {
    kg_atomic_abort(af);
    return kg_error_set(err, KG_ERR_NOMEM, path, 0, 0, "out of memory");
  }
  int fd = mkstemp(af->tmp);
  if (fd >= 0 && !(af->f = fdopen(fd, "wb")))
    close(fd);
  if (!af->f) {
    KgStatus st = io_error(err, path, "cannot create temporary file", errno);
    if (fd >= 0)
      unlink(af->tmp);
    kg_free(af->tmp);
    af->tmp = NULL;
    kg_atomic_abort(af);
    return st;
  }
  return KG_SUCCESS;
}

KgStatus kg_atomic_commit(KgAtomicFile *af, KgError *err) {
  int e = 0;
  if (ferror(af->f))
    e = errno ? errno : EIO;
  if (fclose(af->f) != 0 && !e)
    e = errno;
  af->f = NULL;
  /* mkstemp makes 0600; outputs are ordinary files */
  if (!e && af->tmp && chmod(af->tmp, 0644) != 0)
    e = errno;
  if (!e && af->tmp && rename(af->tmp, af->dest) != 0)
    e = errno;
  if (e) {
    KgStatus st = io_error(err, af->path, "cannot write", e);
    kg_atomic_abort(af);
    return st;
  }
  kg_free(af->tmp);
  kg_free(af->dest);
  af->tmp = af->dest = NULL;
  return KG_SUCCESS;
}

void kg_atomic_abort(KgAtomicFile *af) {
  if (af->f)
    fclose(af->f);
  if (af->tmp)
    unlink(af->tmp);
  kg_free(af->tmp);
  kg_free(af->dest);
  af->f = NULL;
  af->tmp = af->dest = NULL;
}

bool kg_write_all(FILE *f, const void *data, size_t len) {
  const char *p = data;
  for (size_t n; len > 0; p += n, len -= n) {
    n = len < KG_WRITE_PIECE ? len : KG_WRITE_PIECE;
    if (fwrite(p, 1, n, f) != n)
      return false;
  }
  return true;
}

KgStatus kg_write_file_atomic(const char *path, const void *data, size_t len,
                              KgError *err) {
  KgAtomicFile af;
  KgStatus st = kg_atomic_open(path, &af, err);
  if (st)
    return st;
  if (!kg_write_all(af.f, data, len)) {
    st = io_error(err, path, "cannot write", errno ? errno : EIO);
    kg_atomic_abort(&af);
    return st;
  }
  return kg_atomic_commit(&af, err);
}
