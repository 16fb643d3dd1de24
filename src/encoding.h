/*
 * encoding.h — which charset a document's bytes are in, and their
 * conversion to UTF-8 (ICU ucnv and ucsdet behind this one interface).
 */
#ifndef KG_ENCODING_H
#define KG_ENCODING_H

#include "kg.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>

/** Bytes decoded to UTF-8. */
typedef struct {
  char *text;           /* NUL-terminated UTF-8; caller frees with kg_free */
  size_t len;           /* bytes of text */
  const char *encoding; /* charset used (static string) */
} KgDecoded;

/** The charset a byte order mark announces ("UTF-8", "UTF-16LE", ...), or
 * NULL; *bom_len receives the size of the mark (0 when none). */
const char *kg_enc_bom(const char *data, size_t len, size_t *bom_len);

/** "UTF-16LE" or "UTF-16BE" when BOM-less bytes show the NUL pattern of
 * mostly-ASCII UTF-16, else NULL. */
const char *kg_enc_sniff_utf16(const char *data, size_t len);

/** Do the bytes (in an ASCII-compatible charset) look binary: a NUL byte
 * or more than 10% control characters? */
bool kg_enc_looks_binary(const char *data, size_t len);

/** Copy into out the charset declared in the first bytes of an HTML page
 * (<meta charset>, http-equiv content) or an XML declaration.  Returns
 * false (out empty) when there is none. */
bool kg_enc_declared(const char *data, size_t len, char *out, size_t outsz);

/**
 * Decode raw bytes to UTF-8.  The charset comes from, in order: a BOM,
 * the NUL pattern of UTF-16, valid UTF-8, the declared charset (may be
 * NULL), ICU's detector.  A declaration the bytes contradict is warned
 * about and overruled.  Invalid bytes become U+FFFD with one warning
 * (byte offset of the first, count).  Binary bytes give
 * KG_ERR_UNSUPPORTED; name is used in messages only.
 */
KgStatus kg_enc_decode(const char *name, const char *data, size_t len,
                       const char *declared, KgDecoded *out,
                       KgMessageFunc on_msg, void *ctx, KgError *err);

#endif
