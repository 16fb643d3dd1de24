/*
 * rdf_syntax.h — N-Triples, N-Quads and Turtle written straight into a
 * buffer, for the outputs that are large.
 *
 * raptor2 2.0.15 writes these a byte at a time and its Turtle serializer
 * keeps every statement until the end (about 100k triples/s); kg's graph is
 * several triples per input byte, so the text syntaxes are written here and
 * raptor keeps RDF/XML and all parsing.  The writer is a plain value with no
 * I/O: each worker thread formats its own part of the graph into its own
 * buffer and the parts are concatenated in order, which is valid in all
 * three syntaxes because every part ends its last statement.
 *
 * IRIs are a namespace plus a local part.  Keys are percent-encoded (see
 * kg_iri_append_escaped) so every IRI is ASCII; in Turtle a namespace with
 * a prefix gives a prefixed name when the local part is a valid PN_LOCAL.
 */
#ifndef KG_RDF_SYNTAX_H
#define KG_RDF_SYNTAX_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum { KG_SYN_NTRIPLES, KG_SYN_NQUADS, KG_SYN_TURTLE } KgSyntax;

/** The namespaces kg writes: the first ones live under the base IRI. */
typedef enum {
  KG_NS_ENTITY,   /* <base>entity/ */
  KG_NS_FACT,     /* <base>fact/ */
  KG_NS_EVIDENCE, /* <base>evidence/ */
  KG_NS_DOC,      /* <base>doc/ */
  KG_NS_GRAPH,    /* <base>graph/ (N-Quads graph names) */
  KG_NS_KG,       /* the ontology */
  KG_NS_RDF,
  KG_NS_RDFS,
  KG_NS_XSD,
  KG_NS_SKOS,
  KG_NS_PROV,
  KG_NS_NIF,
  KG_NS_COUNT
} KgNs;

/** The namespace IRIs for one base, shared read-only by writers. */
typedef struct {
  char *iri[KG_NS_COUNT];
  size_t len[KG_NS_COUNT];
} KgNsTable;

/** Fill t for base (default when NULL or empty; a '/' is added unless it
 * ends with '/' or '#'); false when out of memory. */
bool kg_ns_table_init(KgNsTable *t, const char *base);
void kg_ns_table_free(KgNsTable *t);
/** The Turtle prefix of ns, or NULL when it has none. */
const char *kg_ns_prefix(KgNs ns);

/** Append s to b, percent-encoding (%XX, per UTF-8 byte) everything but
 * the unreserved ASCII set A-Z a-z 0-9 - . _ ~; false when out of memory.
 * The result is plain ASCII and never contains '/' or '#', so a key comes
 * back whole by percent-decoding the IRI's last segment. */
bool kg_iri_append_escaped(KgBuf *b, const char *s);

/** An IRI: ns + local, the local part percent-encoded when escape. */
typedef struct {
  KgNs ns;
  const char *local;
  bool escape;
} KgIri;

/** A literal: a datatype (has_dt) or a language tag (lang) or neither. */
typedef struct {
  const char *text;
  size_t len;
  const char *lang;
  bool has_dt;
  KgIri dt;
} KgLiteral;

/** One writer per thread and part; zero the struct before init. */
typedef struct {
  KgBuf *out;
  KgSyntax syntax;
  const KgNsTable *ns;
  KgBuf subject, predicate; /* Turtle: the open subject and predicate */
  KgBuf term;               /* scratch */
} KgSynWriter;

void kg_syn_init(KgSynWriter *w, KgSyntax syntax, const KgNsTable *ns,
                 KgBuf *out);
/** Turtle: the @prefix lines; nothing in the other syntaxes. */
void kg_syn_header(KgSynWriter *w);
/** Statements; graph is used by N-Quads only (NULL: default graph). */
void kg_syn_iri(KgSynWriter *w, const KgIri *s, const KgIri *p, const KgIri *o,
                const KgIri *graph);
void kg_syn_literal(KgSynWriter *w, const KgIri *s, const KgIri *p,
                    const KgLiteral *o, const KgIri *graph);
/** End the last statement (Turtle) and release the writer's scratch; the
 * output buffer stays the caller's.  False when any append failed. */
bool kg_syn_finish(KgSynWriter *w);

#endif
