/*
 * source.h — where documents come from: the inputs of a build expanded to
 * a sorted list of files, and each file read and decoded to UTF-8 text.
 *
 * The decoded text is "the original" that every offset refers to: for
 * plain text it is the file itself (BOM dropped, legacy encodings
 * converted); for HTML and XML it is the extracted text, with block
 * boundaries as blank lines.  Text inside HTML comments is replaced by
 * spaces (newlines kept) so it never reaches the rules while offsets stay
 * true.
 */
#ifndef KG_SOURCE_H
#define KG_SOURCE_H

#include "kg.h"
#include "util.h"

#include <stddef.h>

typedef struct {
  char *path; /* to open; "-" for standard input */
  char *key;  /* relative to the input root, '/'-separated: the doc id */
} KgInput;

typedef KG_VEC(KgInput) KgInputVec;

/**
 * Expand inputs (files, directories read recursively, "-" for stdin,
 * "@LIST" for a file of paths, one a line) into out, each directory's
 * files in byte order of their names.  A missing input is an error.
 * Hidden files and directories (".name") are skipped.  Keys: for a
 * directory the path below it, for a file its base name, "stdin" for "-";
 * a key already taken is replaced by the file's path (with a warning).
 * On failure out is left empty.
 */
KgStatus kg_source_list(const char *const *inputs, size_t n, KgInputVec *out,
                        KgMessageFunc on_msg, void *ctx, KgError *err);
void kg_input_vec_free(KgInputVec *v);

typedef struct {
  char *text;           /* decoded UTF-8 (the original), NUL-terminated */
  size_t len;           /* bytes of text */
  size_t bytes;         /* size of the raw file */
  char sha256[65];      /* of the raw bytes */
  const char *format;   /* "text", "html" or "xml" (static string) */
  const char *encoding; /* charset read as (static string), e.g. "UTF-8" */
} KgDocText;

/**
 * Read and decode one input.  Files over max_size give KG_ERR_LIMIT,
 * binary files KG_ERR_UNSUPPORTED, undecodable ones KG_ERR_ENCODING, each
 * with a message naming the file: the caller warns and goes on.  Lesser
 * trouble (an invalid byte replaced by U+FFFD, a declared charset that
 * contradicts the bytes) goes to on_msg with the byte offset.
 */
KgStatus kg_source_load(const KgInput *in, size_t max_size, KgDocText *out,
                        KgMessageFunc on_msg, void *ctx, KgError *err);
/** The same from bytes already in memory (for tests and fuzzing). */
KgStatus kg_source_decode(const char *name, const char *data, size_t len,
                          KgDocText *out, KgMessageFunc on_msg, void *ctx,
                          KgError *err);
void kg_doc_text_free(KgDocText *d);

/** kg_read_file for a regular file, in one read of the size stat gives
 * (no growing buffer); anything else falls back to kg_read_file. */
KgStatus kg_source_read_file(const char *path, size_t max, char **data,
                             size_t *len, KgError *err);

#endif
