/*
 * fact_store.h — the graph: entities, documents and facts, each fact
 * deduplicated by (subject, predicate, object, qualifier) and keeping the
 * evidence that supports it: all of it, or (kg_fact_store_limit_evidence)
 * the first few pieces and a count.
 *
 * All strings are copied in (interned); views returned point into the
 * store and live as long as it.  kg_fact_store_sort puts everything in one
 * canonical order, so output never depends on the order facts were added
 * (threads, file system order).
 */
#ifndef KG_FACT_STORE_H
#define KG_FACT_STORE_H

#include "kg.h"

#include <stddef.h>
#include <stdint.h>

typedef struct KgFactStore KgFactStore;

typedef struct {
  const char *key;            /* stable local name of the entity IRI */
  const char *label;          /* canonical label */
  const char *type;           /* ontology type local name, or NULL */
  const char *const *aliases; /* distinct, sorted; surface forms seen */
  size_t n_aliases;
} KgEntityView;

typedef struct {
  const char *key;    /* document path relative to the input root */
  const char *sha256; /* hex digest of the raw bytes */
  const char *lang;   /* "zh", "zh-Hant", "en" */
  const char *format; /* "text", "html", "xml" */
  size_t sentences;
  size_t bytes;
} KgDocView;

typedef struct {
  const char *doc; /* document key */
  size_t sentence; /* 0-based sentence index in the document */
  uint32_t begin;  /* original code-point span of the matched text */
  uint32_t end;
  uint32_t sent_begin; /* original code-point span of the sentence */
  uint32_t sent_end;
  const char *text; /* the sentence as in the original */
  const char *lang; /* language tag of the sentence */
  const char *rule; /* id of the rule that fired */
} KgEvidence;

typedef struct {
  const char *subject;        /* entity key */
  const char *predicate;      /* ontology predicate local name */
  const char *object;         /* entity key */
  const char *qualifier;      /* NULL when none */
  const KgEvidence *evidence; /* sorted; all of it, or the first few */
  size_t n_evidence;          /* pieces of evidence in the array */
  size_t support;             /* pieces of evidence seen (>= n_evidence) */
} KgFactView;

KgFactStore *kg_fact_store_new(void);
void kg_fact_store_free(KgFactStore *fs);

/** Keep at most limit pieces of evidence per fact, the first in sort
 * order; the others are only counted in KgFactView.support.  Set it on an
 * empty store.  A store that merges one store per document uses it to keep
 * memory proportional to the facts, not to the corpus: duplicates are
 * found among the kept evidence only, which is exact when each merged
 * store holds the evidence of other documents. */
void kg_fact_store_limit_evidence(KgFactStore *fs, size_t limit);
/** Add or update an entity.  label and type are set if not yet known;
 * alias (may be NULL) is added to its aliases. */
KgStatus kg_fact_store_add_entity(KgFactStore *fs, const char *key,
                                  const char *label, const char *type,
                                  const char *alias);
KgStatus kg_fact_store_add_document(KgFactStore *fs, const KgDocView *doc);
/** Add a fact with one piece of evidence (ev may be NULL).  The same
 * evidence (doc, sentence, rule) added twice is kept once. */
KgStatus kg_fact_store_add_fact(KgFactStore *fs, const char *s, const char *p,
                                const char *o, const char *q,
                                const KgEvidence *ev);
/** Add everything in src to dst. */
KgStatus kg_fact_store_merge(KgFactStore *dst, const KgFactStore *src);

/** Sort entities by key, documents by key, facts by (s, p, o, q) and each
 * fact's evidence by (doc, sentence, begin, rule). */
void kg_fact_store_sort(KgFactStore *fs);

size_t kg_fact_store_n_entities(const KgFactStore *fs);
size_t kg_fact_store_n_documents(const KgFactStore *fs);
size_t kg_fact_store_n_facts(const KgFactStore *fs);
/** Views; valid until the next add or sort. */
KgEntityView kg_fact_store_entity(const KgFactStore *fs, size_t i);
KgDocView kg_fact_store_document(const KgFactStore *fs, size_t i);
KgFactView kg_fact_store_fact(const KgFactStore *fs, size_t i);
/** Index of the fact (s, p, o, q), or -1 (q may be NULL). */
long kg_fact_store_find_fact(const KgFactStore *fs, const char *s,
                             const char *p, const char *o, const char *q);
/** Index of the document with key, or -1. */
long kg_fact_store_find_document(const KgFactStore *fs, const char *key);
/** Index of the entity with key, or -1. */
long kg_fact_store_find_entity(const KgFactStore *fs, const char *key);

#endif
