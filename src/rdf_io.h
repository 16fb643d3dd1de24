/*
 * rdf_io.h — the only door to raptor2.  Parsing any RDF syntax into a
 * stream of triples, and serializing a stream of triples to memory.
 *
 * Terms are plain strings: IRIs are passed through as they are, so callers
 * must give well-formed IRIs (see kg_iri_append_escaped in rdf_writer.h):
 * raptor 2.0.15 writes \u escapes inside IRIs that no parser accepts.
 */
#ifndef KG_RDF_IO_H
#define KG_RDF_IO_H

#include "kg.h"

#include <stddef.h>
#include <stdio.h>

typedef enum { KG_TERM_IRI, KG_TERM_BLANK, KG_TERM_LITERAL } KgTermKind;

typedef struct {
  KgTermKind kind;
  const char *value;    /* IRI, blank node label, or lexical form (UTF-8) */
  const char *lang;     /* literal language tag or NULL; parsed tags come in
                           canonical case (zh-Hant, en-US) in every syntax */
  const char *datatype; /* literal datatype IRI or NULL */
} KgTerm;

typedef struct {
  KgTerm s, p, o;
  const KgTerm *g; /* named graph (N-Quads), NULL for the default graph */
} KgTriple;

/** Receives each parsed triple; a non-success status stops the parse. */
typedef KgStatus (*KgTripleFunc)(void *ctx, const KgTriple *t);

/**
 * Parse the file at path.  syntax is "turtle", "ntriples", "nquads",
 * "rdfxml", or NULL to choose by extension (.ttl .nt .nq .rdf .owl .xml).
 * Syntax errors give KG_ERR_SYNTAX with file, line and column in err.
 */
KgStatus kg_rdf_parse_file(const char *path, const char *syntax,
                           KgTripleFunc on_triple, void *ctx, KgError *err);

/** Parse from memory; name is used in error messages and as base IRI. */
KgStatus kg_rdf_parse_bytes(const char *data, size_t len, const char *name,
                            const char *syntax, KgTripleFunc on_triple,
                            void *ctx, KgError *err);

typedef struct KgRdfWriter KgRdfWriter;

/** A serializer writing to memory (syntax as above; the writer owns its
 * own raptor world, so writers in different threads do not meet). */
KgStatus kg_rdf_writer_new(const char *syntax, KgRdfWriter **out, KgError *err);
/** A serializer writing straight to f (the caller closes f after
 * kg_rdf_writer_finish, which then returns no data). */
KgStatus kg_rdf_writer_new_file(const char *syntax, FILE *f, KgRdfWriter **out,
                                KgError *err);
/** Declare a namespace prefix (before the first triple). */
KgStatus kg_rdf_writer_prefix(KgRdfWriter *w, const char *prefix,
                              const char *iri);
KgStatus kg_rdf_writer_add(KgRdfWriter *w, const KgTriple *t);
/** Finish; *data (caller frees with kg_free) holds the document. */
KgStatus kg_rdf_writer_finish(KgRdfWriter *w, char **data, size_t *len,
                              KgError *err);
void kg_rdf_writer_free(KgRdfWriter *w);

#endif
