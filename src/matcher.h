/*
 * matcher.h — running a rule set over one document: mentions (gazetteer,
 * open-class entity rules, references), then every extraction rule over
 * every sentence, guards, enumerations, overlap policy, document-scoped
 * qualifier tags; facts come out through a callback in a deterministic
 * order (sentence, then match position, then rule order).
 */
#ifndef KG_MATCHER_H
#define KG_MATCHER_H

#include "kg.h"
#include "normalizer.h"
#include "rule_parser.h"
#include "segmenter.h"

#include <stddef.h>

/** One end of a fact: the mention it came from. */
typedef struct {
  const char *key;   /* entity key (gazetteer key or minted) */
  const char *label; /* canonical label (surface form for minted ones) */
  const char *type;  /* ontology type name */
  size_t begin, end; /* bytes of the mention in the normalised text; for a
                        reference, the reference word itself */
  int minted;        /* 1 for open-class entities */
  int reference;     /* 1 when resolved from a reference word */
} KgMentionRef;

/** A fact as the matcher found it. */
typedef struct {
  size_t sentence;   /* index into the sentence spans */
  size_t begin, end; /* bytes of the whole match in the normalised text */
  KgMentionRef subject, object;
  const char *predicate;
  const char *qualifier; /* NULL when none */
  const char *rule;      /* rule id */
} KgMatchFact;

typedef KgStatus (*KgFactFunc)(void *ctx, const KgMatchFact *f);

typedef struct {
  size_t mentions;  /* all mentions found in the document */
  size_t abandoned; /* (rule, sentence) pairs abandoned at a PCRE2 limit */
} KgMatchStats;

/**
 * Match the document.  doc_name is used in warnings.  Facts are sent to
 * on_fact after the whole document is read (qualifier tags are document
 * scoped), strings in them live until on_fact returns.
 */
KgStatus kg_match_document(const KgRuleSet *rs, const KgNormText *doc,
                           const KgSpanVec *sentences, const char *doc_name,
                           KgFactFunc on_fact, void *fact_ctx,
                           KgMessageFunc on_msg, void *msg_ctx,
                           KgMatchStats *stats);

/**
 * `kg explain`: a readable report, per sentence, of the normalised text,
 * the mentions with their types, each rule that matched or almost matched
 * (which slot or guard stopped it), and the facts it would emit.
 * *report is a new string (caller frees with kg_free).
 */
KgStatus kg_explain(const KgRuleSet *rs, const KgNormText *doc,
                    const KgSpanVec *sentences, char **report);

#endif
