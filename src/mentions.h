/*
 * mentions.h — the entity mentions of one document, as the rules see them:
 * gazetteer matches, then open-class entity rules where no gazetteer match
 * is, then reference words resolved to a preceding mention.  Internal to
 * the rule engine (matcher.c).
 */
#ifndef KG_MENTIONS_H
#define KG_MENTIONS_H

#include "rule.h"
#include "segmenter.h"

/** One mention; key and label point into the gazetteer or into the
 * KgMentions that owns minted names. */
typedef struct {
  size_t begin, end; /* bytes in the normalised text */
  size_t sentence;
  int type;
  const char *key, *label;
  int minted, reference;
  long entity; /* gazetteer id, -1 for open-class entities */
} KgMention;

typedef KG_VEC(KgMention) KgMentionVec;

/** The mentions of a document in text order, with per-sentence ranges. */
typedef struct {
  KgMentionVec items;
  KgStrVec owned;    /* minted keys and labels */
  size_t *first;     /* n_sentences + 1: first mention of each sentence */
  uint32_t *present; /* n_sentences: bit set of the types present */
  size_t n_sentences;
  /* the prefilter pieces (rule.h: KgLitIndex) each sentence holds: ids
   * lits[lit_first[i], lit_first[i + 1]) for sentence i */
  size_t *lit_first;
  KG_VEC(uint32_t) lits;
} KgMentions;

/** Find the mentions of doc.  On success *out must be freed with
 * kg_mentions_free (also on failure: it is safe to call). */
KgStatus kg_mentions_find(const KgRuleSet *rs, const KgNormText *doc,
                          const KgSpanVec *sentences, KgMentions *out);
void kg_mentions_free(KgMentions *m);

#endif
