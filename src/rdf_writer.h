/*
 * rdf_writer.h — the fact store as RDF: entities with labels and types,
 * every fact as a plain triple plus a reified rdf:Statement (IRI from a
 * hash of s, p, o, qualifier) carrying the qualifier, document nodes, and
 * an evidence node per supporting sentence.
 *
 * A graph is written in three parts, in this order:
 *
 *   header     Turtle prefixes
 *   documents  each document node with the evidence read from it, and the
 *              links from the statements to that evidence; a build writes
 *              this part document by document as they are extracted
 *   graph      entities and statements, from the merged store; items
 *              0..kg_rdf_graph_items() can be written in ranges, in
 *              parallel, and concatenated in order
 *
 * Turtle, N-Triples and N-Quads are formatted by rdf_syntax into buffers;
 * RDF/XML goes through rdf_io (raptor2) as one stream.
 */
#ifndef KG_RDF_WRITER_H
#define KG_RDF_WRITER_H
#include "fact_store.h"
#include "kg.h"
#include "rdf_syntax.h"
#include "util.h"
#include <stdio.h>

/** The text syntax named syntax ("turtle", "ntriples", "nquads"); false
 * for the others. */
bool kg_rdf_text_syntax(const char *syntax, KgSyntax *out);

/** Text parts, appended to out; false when out of memory. */
bool kg_rdf_text_header(KgSyntax syn, const KgNsTable *ns, KgBuf *out);
bool kg_rdf_text_documents(const KgFactStore *fs, KgSyntax syn,
                           const KgNsTable *ns, KgBuf *out);
/** Graph items [from, to): entities first, then facts (fs sorted). */
bool kg_rdf_text_graph(const KgFactStore *fs, size_t from, size_t to,
                       KgSyntax syn, const KgNsTable *ns, KgBuf *out);
size_t kg_rdf_graph_items(const KgFactStore *fs);

/** Any syntax, part by part, through raptor (the only way to RDF/XML). */
typedef struct KgRdfStream KgRdfStream;
/** f may be NULL: the output is then kept for kg_rdf_stream_finish. */
KgStatus kg_rdf_stream_new(const char *syntax, const KgNsTable *ns, FILE *f,
                           KgRdfStream **out, KgError *err);
KgStatus kg_rdf_stream_documents(KgRdfStream *s, const KgFactStore *fs,
                                 KgError *err);
KgStatus kg_rdf_stream_graph(KgRdfStream *s, const KgFactStore *fs,
                             KgError *err);
/** Finish and free s; *data (caller frees) gets the output when the
 * stream was made without a file. */
KgStatus kg_rdf_stream_finish(KgRdfStream *s, char **data, size_t *len,
                              KgError *err);
void kg_rdf_stream_free(KgRdfStream *s);

/**
 * Serialise all of fs (sorted) as syntax ("turtle", "ntriples", "nquads",
 * "rdfxml") with entity IRIs <base>entity/KEY.  *data: caller frees.
 */
KgStatus kg_rdf_write(const KgFactStore *fs, const char *base,
                      const char *syntax, char **data, size_t *len,
                      KgError *err);
#endif
