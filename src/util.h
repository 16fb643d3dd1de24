/*
 * util.h — the small toolbox every stage shares: allocation (with a fault
 * injection hook for tests), error filling, a growable byte buffer, UTF-8
 * decoding and SHA-256.  Nothing here knows about documents or rules.
 */
#ifndef KG_UTIL_H
#define KG_UTIL_H

#include "kg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------- allocation */

/* All library allocations go through these, so a test can make the Nth one
 * fail (kg_alloc_fail_after) and check that every path returns an error. */
void *kg_malloc(size_t size);
void *kg_calloc(size_t n, size_t size);
void *kg_realloc(void *ptr, size_t size);
/** kg_realloc of n * size with overflow check. */
void *kg_reallocarray(void *ptr, size_t n, size_t size);
void kg_free(void *ptr);
/** Copy of s (NULL on allocation failure).  Caller frees with kg_free. */
char *kg_strdup(const char *s);
/** Copy of the n bytes at s, NUL-terminated.  Caller frees. */
char *kg_strndup(const char *s, size_t n);
/** printf into a new string.  Caller frees.  NULL on failure. */
char *kg_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Test hook: the next n allocations succeed, the one after fails (and all
 * after it, until reset).  n < 0 disables injection.  Returns the count of
 * allocations made since the last call. */
long kg_alloc_fail_after(long n);

/* Grow *ptr (an array of elem-sized items with capacity *cap) to hold at
 * least need items.  Returns false on allocation failure (ptr unchanged). */
bool kg_grow(void **ptr, size_t *cap, size_t need, size_t elem);

/* A typed growable array: `KG_VEC(int) v = {0};` then kg_vec_push. */
#define KG_VEC(T)                                                              \
  struct {                                                                     \
    T *items;                                                                  \
    size_t len, cap;                                                           \
  }
#define kg_vec_reserve(v, n)                                                   \
  kg_grow((void **)&(v)->items, &(v)->cap, (n), sizeof(*(v)->items))
#define kg_vec_push(v, x)                                                      \
  (kg_vec_reserve((v), (v)->len + 1) ? ((v)->items[(v)->len++] = (x), true)    \
                                     : false)
#define kg_vec_free(v)                                                         \
  (kg_free((v)->items), (v)->items = NULL, (v)->len = (v)->cap = 0)

/* ---------------------------------------------------------------- errors */

/** Fill err (when not NULL) and return status.  file may be NULL. */
KgStatus kg_error_set(KgError *err, KgStatus status, const char *file,
                      unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
KgStatus kg_error_vset(KgError *err, KgStatus status, const char *file,
                       unsigned line, unsigned col, const char *fmt,
                       va_list ap);
/** Set err->context to the line of text that contains offset `at`. */
void kg_error_context(KgError *err, const char *text, size_t len, size_t at);
/** Send a warning through on_msg (if any).  Never fails. */
void kg_warn(KgMessageFunc on_msg, void *ctx, const char *file, unsigned line,
             unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* ---------------------------------------------------------------- buffer */

/** A growable NUL-terminated byte buffer.  Zero-initialise to use. */
typedef struct {
  char *data;
  size_t len, cap;
  bool failed; /* an append ran out of memory; later appends are no-ops */
} KgBuf;

bool kg_buf_append(KgBuf *b, const void *data, size_t n);
bool kg_buf_puts(KgBuf *b, const char *s);
bool kg_buf_putc(KgBuf *b, char c);
bool kg_buf_printf(KgBuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Append code point cp as UTF-8. */
bool kg_buf_put_utf8(KgBuf *b, uint32_t cp);
/** Take the data (caller frees); the buffer is reset. */
char *kg_buf_take(KgBuf *b, size_t *len);
void kg_buf_free(KgBuf *b);

/* ------------------------------------------------------------------ UTF-8 */

/** Decode one code point at s[0..n).  Returns its length in bytes (1..4);
 * invalid or truncated sequences give *cp = 0xFFFD and length 1. */
size_t kg_utf8_decode(const char *s, size_t n, uint32_t *cp);
/** Bytes needed to encode cp. */
size_t kg_utf8_len(uint32_t cp);
/** Encode cp into out (at least 4 bytes).  Returns the length. */
size_t kg_utf8_encode(uint32_t cp, char *out);
/** Is s[0..n) valid UTF-8?  On false, *bad is the first bad byte offset. */
bool kg_utf8_valid(const char *s, size_t n, size_t *bad);
/** Number of code points in s[0..n). */
size_t kg_utf8_count(const char *s, size_t n);

/* ---------------------------------------------------------------- hashing */

/** SHA-256 of data; hex must hold 65 bytes (64 hex digits and NUL). */
void kg_sha256_hex(const void *data, size_t len, char hex[65]);
void kg_sha256(const void *data, size_t len, uint8_t digest[32]);
/** 64-bit FNV-1a, for hash tables. */
uint64_t kg_hash64(const void *data, size_t len);

/* ------------------------------------------------------------- files */

/** Read a whole file (at most max bytes; larger gives KG_ERR_LIMIT).
 * *data is NUL-terminated; caller frees with kg_free. */
KgStatus kg_read_file(const char *path, size_t max, char **data, size_t *len,
                      KgError *err);

/**
 * A file being written atomically: open gives a FILE on a temporary file
 * beside path (or on path itself when it is a device or a fifo, which
 * cannot be replaced); commit closes it and renames it over path; abort
 * (also after a failed commit: a no-op then) closes and removes it.  A
 * failed or killed run thus leaves the previous file intact.
 */
typedef struct {
  FILE *f;
  char *tmp;  /* temporary path, NULL when writing in place */
  char *dest; /* the path renamed over (a symbolic link's target) */
  const char *path;
} KgAtomicFile;

/**
 * Output files are written in pieces of at most this many bytes.  On the
 * VM kg is measured on (Linux 6.18, ext4), writing 600 MB into a new file
 * took 0.15-0.20 s in writes of 64-256 KiB, 0.73-0.79 s in writes of 1 MiB
 * and 1.9-2.2 s in writes of 2 MiB.  The likely cause: a large write gets
 * large page-cache folios, whole free 2 MiB blocks, which that VM's
 * balloon hands back to the host, which must back them again.  Smaller
 * pieces cost nothing measurable where this does not happen.
 */
#define KG_WRITE_PIECE ((size_t)256 * 1024)

/** All len bytes of data to f, KG_WRITE_PIECE at a time; false on error
 * (errno set). */
bool kg_write_all(FILE *f, const void *data, size_t len);

KgStatus kg_atomic_open(const char *path, KgAtomicFile *af, KgError *err);
KgStatus kg_atomic_commit(KgAtomicFile *af, KgError *err);
void kg_atomic_abort(KgAtomicFile *af);

/**
 * Write a file atomically: data goes to PATH.tmp.XXXXXX in the same folder,
 * is flushed, and is renamed over path only when everything succeeded, so
 * a failed or killed run leaves the previous file intact.
 */
KgStatus kg_write_file_atomic(const char *path, const void *data, size_t len,
                              KgError *err);

#endif /* KG_UTIL_H */
