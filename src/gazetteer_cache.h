/*
 * gazetteer_cache.h — a persistent cache of loaded and compiled
 * gazetteers, so that a rule edit does not pay again for parsing and
 * compiling tens of thousands of names.
 *
 * A snapshot (kg_gazetteer_save) is kept as DIR/gazetteer-<key>.kgc, the
 * key being the SHA-256 of everything the gazetteer depends on: the
 * snapshot format, the running code (its GNU build-id), the ICU version,
 * the ontology's bytes, and the entities file's path and bytes.  Without
 * a build-id nothing is cached.  Files are written whole and renamed into
 * place; at most KG_GAZ_CACHE_KEEP stay in DIR.  The cache never changes
 * a result: any failure of it (no directory, full disk, a corrupt file)
 * means a normal load.
 */
#ifndef KG_GAZETTEER_CACHE_H
#define KG_GAZETTEER_CACHE_H

#include "gazetteer.h"
#include "ontology.h"

#include <stdbool.h>

/** Snapshots kept in a cache directory; the oldest go first. */
#define KG_GAZ_CACHE_KEEP 8

/**
 * Load and compile the gazetteer in the entities file at path, as
 * kg_gazetteer_load and kg_gazetteer_compile do, through the cache in
 * cache_dir (NULL or "": none).  On a hit, the messages the load sent
 * are replayed to on_msg in their order, then a note names the file.
 * On success *out is a new compiled gazetteer.
 */
KgStatus kg_gazetteer_load_cached(const char *cache_dir,
                                  const KgNormalizer *norm,
                                  const KgOntology *onto, const char *path,
                                  KgMessageFunc on_msg, void *ctx,
                                  KgGazetteer **out, KgError *err);

/** The GNU build-id of the code that holds this function (at most
 * 64 bytes into id, *len set); false when it has none. */
bool kg_code_build_id(uint8_t id[64], size_t *len);

/** The cache key of an entities file (path as given, data its bytes)
 * under onto, as 64 hex digits; false without a build-id or memory. */
bool kg_gazetteer_cache_key(const KgOntology *onto, const char *path,
                            const char *data, size_t len, char hex[65]);

#endif
