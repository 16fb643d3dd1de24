/*
 * rdf_writer.h — the fact store as RDF: entities with labels and types,
 * every fact as a plain triple plus a reified rdf:Statement (IRI from a
 * hash of s, p, o, qualifier) carrying the qualifier and the evidence,
 * and document nodes.  Serialised through rdf_io (raptor2).
 */
#ifndef KG_RDF_WRITER_H
#define KG_RDF_WRITER_H

#include "fact_store.h"
#include "kg.h"
#include "util.h"

#include <stdio.h>

/** Append s to b, percent-encoding (%XX, per UTF-8 byte) everything but
 * the unreserved ASCII set A-Z a-z 0-9 - . _ ~; false when out of memory.
 * The result is plain ASCII and never contains '/' or '#', so a key comes
 * back whole by percent-decoding the IRI's last segment. */
bool kg_iri_append_escaped(KgBuf *b, const char *s);

/**
 * Serialise fs (already sorted) as syntax ("turtle", "ntriples", "nquads",
 * "rdfxml") with entity IRIs <base>entity/KEY.  *data: caller frees.
 */
KgStatus kg_rdf_write(const KgFactStore *fs, const char *base,
                      const char *syntax, char **data, size_t *len,
                      KgError *err);

/** The same, streamed to f: nothing of the output is kept in memory (but
 * raptor's Turtle serializer buffers its own statements). */
KgStatus kg_rdf_write_file(const KgFactStore *fs, const char *base,
                           const char *syntax, FILE *f, KgError *err);

#endif
