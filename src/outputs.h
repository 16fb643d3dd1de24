/*
 * outputs.h — the files of a build, written while documents come in.
 *
 * Every output goes to a temporary file in the output folder and is
 * renamed into place only when the whole build succeeded, so a failed or
 * refused build (--strict) leaves the previous outputs as they were.
 *
 * The RDF grows document by document: a worker thread formats the
 * document's part (kg_outputs_format_document) and the calling thread
 * appends it in input order (kg_outputs_add_document).  kg_outputs_finish
 * then writes the merged graph (entities and statements, formatted in
 * parallel), the pictures and the ontology, and commits everything.
 */
#ifndef KG_OUTPUTS_H
#define KG_OUTPUTS_H

#include "fact_store.h"
#include "kg.h"
#include "util.h"

/** Slots of a document's formatted parts: one per output format. */
#define KG_OUTPUT_SLOTS 7

typedef struct KgOutputs KgOutputs;

/** The formats o asks for (the default when none). */
unsigned kg_outputs_formats(const KgBuildOptions *o);

/** Create the folder and open every RDF output of o; o must outlive the
 * outputs. */
KgStatus kg_outputs_open(const KgBuildOptions *o, KgOutputs **out,
                         KgError *err);
/** Format a document's store (sorted) into parts[KG_OUTPUT_SLOTS]; any
 * thread.  False when out of memory. */
bool kg_outputs_format_document(const KgOutputs *out, const KgFactStore *doc,
                                KgBuf parts[KG_OUTPUT_SLOTS]);
/** Append a document to the RDF outputs: its formatted parts, and its
 * store for the syntaxes raptor writes.  Calling thread, input order. */
KgStatus kg_outputs_add_document(KgOutputs *out, const KgFactStore *doc,
                                 const KgBuf parts[KG_OUTPUT_SLOTS],
                                 KgError *err);
/** Write the graph (sorted) with `threads` threads, the pictures and the
 * ontology (onto, onto_len), and rename every output into place. */
KgStatus kg_outputs_finish(KgOutputs *out, const KgFactStore *graph,
                           unsigned threads, const char *onto, size_t onto_len,
                           KgError *err);
/** Free; outputs not finished are removed. */
void kg_outputs_free(KgOutputs *out);

#endif
