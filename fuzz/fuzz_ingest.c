/*
 * fuzz_ingest.c — libFuzzer target for document decoding (source.c,
 * encoding.c, markup.c): the first byte picks the file name (.txt, .html,
 * .xml or no extension, so the format is sniffed), the rest is the file.
 * Whatever comes in, a success must give NUL-terminated valid UTF-8.
 */
#include "source.h"
#include "util.h"

#include "fuzz_common.h"

#include <stdint.h>
#include <stdlib.h>

static const char *const names[] = {"doc.txt", "doc.html", "doc.xml", "doc"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *name = names[data[0] % 4];
  KgDocText doc;
  KgError err = {0};
  KgStatus st = kg_source_decode(name, (const char *)data + 1, size - 1, &doc,
                                 ignore, NULL, &err);
  if (st == KG_SUCCESS) {
    size_t bad;
    if (!doc.text || doc.text[doc.len] != '\0')
      abort();
    if (!kg_utf8_valid(doc.text, doc.len, &bad))
      abort();
    if (doc.bytes != size - 1 || !doc.format || !doc.encoding)
      abort();
  } else if (!err.message[0]) {
    abort(); /* an error must say what went wrong */
  }
  kg_doc_text_free(&doc);
  return 0;
}
