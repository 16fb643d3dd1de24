/*
 * mentions.c — the mentions of one document, sentence by sentence.
 *
 * The gazetteer runs once over the whole normalised document (its matches
 * are leftmost-longest and never overlap); matches that cross a sentence
 * boundary are dropped.  Then, in each sentence, open-class entity rules
 * add mentions where no mention is yet (gazetteer first, then rules in
 * definition order), and reference words (`ref`) add mentions where no
 * mention is, each resolved to the nearest preceding non-reference mention
 * of its type at most 3 sentences and 400 code points back.  A reference
 * that finds no antecedent is no mention.  The result is sorted by offset
 * and never overlaps, which is what the sentence image needs.
 *
 * Each sentence is also run once through the rule set's literal automaton
 * (rule.h: KgLitIndex): the pieces found tell which refs can match there
 * (the others are not run) and, kept in KgMentions, which rules can.
 */
#include "mentions.h"

#include <stdlib.h>
#include <string.h>

#define REF_SENTENCES 3
#define REF_CHARS 400

typedef KgMentionVec MentionVec;

/* Does [b, e) overlap a mention of v[from..]? */
static bool overlaps(const MentionVec *v, size_t from, size_t b, size_t e) {
  for (size_t i = from; i < v->len; i++)
    if (v->items[i].begin < e && b < v->items[i].end)
      return true;
  return false;
}

static int cmp_begin(const void *x, const void *y) {
  const KgMention *a = x, *b = y;
  return a->begin < b->begin ? -1 : a->begin > b->begin;
}

/* Every match of code in text[b, e): calls add(ctx, begin, end) with the
 * span of `group` (0: whole match). */
typedef bool (*SpanFunc)(void *ctx, size_t b, size_t e);

static bool each_match(const pcre2_code *code, int group, const char *text,
                       size_t b, size_t e, pcre2_match_context *mctx,
                       pcre2_match_data *md, SpanFunc add, void *ctx) {
  size_t start = 0, len = e - b;
  bool ok = true;
  while (ok && start <= len &&
         pcre2_match(code, (PCRE2_SPTR)(text + b), len, start,
                     PCRE2_NO_UTF_CHECK, md, mctx) >= 0) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    size_t mb = ov[2 * group], me = ov[2 * group + 1];
    if (mb != PCRE2_UNSET && me > mb)
      ok = add(ctx, b + mb, b + me);
    start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    while (start < len && ((unsigned char)text[b + start] & 0xC0) == 0x80)
      start++;
  }
  return ok;
}

typedef struct {
  const KgRuleSet *rs;
  const KgNormText *doc;
  KgMentions *out;
  size_t sentence, first; /* current sentence; its first mention */
  int type;
  MentionVec refs;
  pcre2_match_context *mctx;
  pcre2_match_data *md; /* room for any ref or entity rule */
  uint32_t *seen;       /* per piece, twice (even and odd sentences): sentence
                           + 1 when found there */
  uint32_t *ref_on;     /* per ref: sentence + 1 when a piece is there */
} Finder;

/* A minted key: the normalised surface, white space as '_'. */
static bool add_minted(void *ctx, size_t b, size_t e) {
  Finder *f = ctx;
  MentionVec *v = &f->out->items;
  if (overlaps(v, f->first, b, e))
    return true;
  char *label = kg_strndup(f->doc->text + b, e - b);
  char *key = kg_strndup(f->doc->text + b, e - b);
  if (!label || !key || !kg_vec_push(&f->out->owned, label)) {
    kg_free(label);
    kg_free(key);
    return false;
  }
  if (!kg_vec_push(&f->out->owned, key)) {
    kg_free(key);
    return false;
  }
  for (char *k = key; *k; k++)
    if (*k == ' ' || *k == '\t' || *k == '\n' || *k == '\r')
      *k = '_';
  KgMention m = {b, e, f->sentence, f->type, key, label, 1, 0, -1};
  return kg_vec_push(v, m);
}

/* The antecedent of a reference at [b, e): the nearest preceding
 * non-reference mention of f->type within the window, or NULL. */
static const KgMention *antecedent(const Finder *f, size_t b) {
  const MentionVec *v = &f->out->items;
  for (size_t i = v->len; i-- > 0;) {
    const KgMention *m = &v->items[i];
    if (m->begin >= b || m->reference)
      continue;
    if (m->sentence + REF_SENTENCES < f->sentence || b - m->end > 4 * REF_CHARS)
      return NULL;
    if (kg_utf8_count(f->doc->text + m->end, b - m->end) > REF_CHARS)
      return NULL;
    if (m->type == f->type)
      return m;
  }
  return NULL;
}

static bool add_ref(void *ctx, size_t b, size_t e) {
  Finder *f = ctx;
  const MentionVec *v = &f->out->items;
  if (overlaps(v, f->first, b, e) || overlaps(&f->refs, 0, b, e))
    return true;
  const KgMention *a = antecedent(f, b);
  if (!a)
    return true;
  KgMention m = *a;
  m.begin = b;
  m.end = e;
  m.sentence = f->sentence;
  m.reference = 1;
  return kg_vec_push(&f->refs, m);
}

/* Sort v[from..] by offset (qsort may not be given a NULL array).  Most
 * sentences gain no mention from entity rules or references, and their
 * gazetteer mentions come in order: no qsort call then. */
static void sort_from(MentionVec *v, size_t from) {
  size_t i = from + 1;
  while (i < v->len && v->items[i - 1].begin < v->items[i].begin)
    i++;
  if (i < v->len)
    qsort(v->items + from, v->len - from, sizeof *v->items, cmp_begin);
}

/* A job for kg_litscan_find2: sentence i, its pieces written at out
 * (room for every piece).  Sentences alternate between the two halves
 * of f->seen, so the two of a pair never share one. */
static KgLitJob literal_job(const Finder *f, const KgSpanVec *sentences,
                            size_t i, uint32_t *out) {
  const KgSpan *s = &sentences->items[i];
  size_t n = kg_litscan_count(f->rs->index.scan) + 1;
  return (KgLitJob){f->doc->text + s->begin,
                    s->end - s->begin,
                    f->seen + (i & 1) * n,
                    (uint32_t)i + 1,
                    out,
                    0};
}

/* The prefilter pieces of every sentence into out->lits, sentence after
 * sentence (lit_first), scanning two sentences at a time. */
static bool scan_literals(Finder *f, const KgSpanVec *sentences) {
  KgMentions *out = f->out;
  size_t n = kg_litscan_count(f->rs->index.scan);
  if (n == 0)
    return true; /* lit_first is all 0 already */
  for (size_t i = 0; i < sentences->len; i += 2) {
    size_t from = out->lits.len;
    if (!kg_vec_reserve(&out->lits, from + 2 * n))
      return false;
    uint32_t *at = out->lits.items + from;
    bool pair = i + 1 < sentences->len;
    KgLitJob a = literal_job(f, sentences, i, at);
    KgLitJob b =
        pair ? literal_job(f, sentences, i + 1, at + n) : (KgLitJob){0};
    kg_litscan_find2(f->rs->index.scan, &a, &b);
    out->lit_first[i] = from;
    out->lits.len += a.n;
    if (pair) { /* b's pieces right after a's */
      memmove(at + a.n, at + n, b.n * sizeof *at);
      out->lit_first[i + 1] = out->lits.len;
      out->lits.len += b.n;
    }
  }
  out->lit_first[sentences->len] = out->lits.len;
  return true;
}

/* Mark the refs that the pieces of the current sentence let run. */
static void enable_refs(Finder *f) {
  const KgLitIndex *x = &f->rs->index;
  const KgMentions *out = f->out;
  uint32_t stamp = (uint32_t)f->sentence + 1;
  for (size_t i = out->lit_first[f->sentence];
       i < out->lit_first[f->sentence + 1]; i++) {
    uint32_t id = out->lits.items[i];
    for (uint32_t k = x->ref_first[id]; k < x->ref_first[id + 1]; k++)
      f->ref_on[x->ref_index[k]] = stamp;
  }
}

/* Can ref i match in the current sentence? */
static bool ref_may_match(const Finder *f, size_t i) {
  return f->rs->no_literal_filter || f->rs->index.ref_free[i] ||
         f->ref_on[i] == (uint32_t)f->sentence + 1;
}

/* Open-class entities, then references, of sentence s. */
static bool sentence_rules(Finder *f, const KgSpan *s) {
  const KgRuleSet *rs = f->rs;
  MentionVec *v = &f->out->items;
  for (size_t i = 0; i < rs->entities.len; i++) {
    const KgEntityRule *er = &rs->entities.items[i];
    f->type = er->type;
    if (!each_match(er->code, er->name_group, f->doc->text, s->begin, s->end,
                    f->mctx, f->md, add_minted, f))
      return false;
  }
  sort_from(v, f->first);
  f->refs.len = 0;
  for (size_t i = 0; i < rs->refs.len; i++) {
    f->type = rs->refs.items[i].type;
    if (ref_may_match(f, i) &&
        !each_match(rs->refs.items[i].code, 0, f->doc->text, s->begin, s->end,
                    f->mctx, f->md, add_ref, f))
      return false;
  }
  for (size_t i = 0; i < f->refs.len; i++)
    if (!kg_vec_push(v, f->refs.items[i]))
      return false;
  sort_from(v, f->first);
  return true;
}

static bool gazetteer_mentions(Finder *f, const KgGazMatchVec *gm, size_t *g,
                               const KgSpan *s) {
  MentionVec *v = &f->out->items;
  for (; *g < gm->len && gm->items[*g].begin < s->end; (*g)++) {
    const KgGazMatch *m = &gm->items[*g];
    if (m->begin < s->begin || m->end > s->end)
      continue;
    const KgEntityDef *d = kg_gazetteer_entity(f->rs->gaz, m->entity);
    KgMention x = {m->begin, m->end, f->sentence,
                   d->type,  d->key, d->label ? d->label : d->key,
                   0,        0,      (long)m->entity};
    if (!kg_vec_push(v, x))
      return false;
  }
  return true;
}

static bool find_all(Finder *f, const KgSpanVec *sentences,
                     const KgGazMatchVec *gm) {
  KgMentions *out = f->out;
  size_t g = 0;
  if (!scan_literals(f, sentences))
    return false;
  for (size_t i = 0; i < sentences->len; i++) {
    const KgSpan *s = &sentences->items[i];
    f->sentence = i;
    f->first = out->items.len;
    out->first[i] = f->first;
    enable_refs(f);
    if (!gazetteer_mentions(f, gm, &g, s) || !sentence_rules(f, s))
      return false;
    for (size_t k = f->first; k < out->items.len; k++)
      out->present[i] |= 1u << out->items.items[k].type;
  }
  out->first[sentences->len] = out->items.len;
  return true;
}

/* The per-document scratch of f; false when out of memory. */
static bool finder_init(Finder *f) {
  const KgRuleSet *rs = f->rs;
  f->mctx = pcre2_match_context_create(NULL);
  f->md = pcre2_match_data_create(rs->max_aux_pairs, NULL);
  f->seen =
      kg_calloc(2 * (kg_litscan_count(rs->index.scan) + 1), sizeof *f->seen);
  f->ref_on = kg_calloc(rs->refs.len + 1, sizeof *f->ref_on);
  if (!f->mctx || !f->md || !f->seen || !f->ref_on)
    return false;
  pcre2_set_match_limit(f->mctx, KG_MATCH_LIMIT);
  pcre2_set_depth_limit(f->mctx, KG_DEPTH_LIMIT);
  pcre2_set_heap_limit(f->mctx, KG_HEAP_LIMIT_KIB);
  return true;
}

static void finder_free(Finder *f) {
  pcre2_match_context_free(f->mctx);
  pcre2_match_data_free(f->md);
  kg_free(f->seen);
  kg_free(f->ref_on);
  kg_vec_free(&f->refs);
}

KgStatus kg_mentions_find(const KgRuleSet *rs, const KgNormText *doc,
                          const KgSpanVec *sentences, KgMentions *out) {
  memset(out, 0, sizeof *out);
  out->n_sentences = sentences->len;
  out->first = kg_calloc(sentences->len + 1, sizeof *out->first);
  out->present = kg_calloc(sentences->len + 1, sizeof *out->present);
  out->lit_first = kg_calloc(sentences->len + 1, sizeof *out->lit_first);
  KgGazMatchVec gm = {0};
  Finder f = {.rs = rs, .doc = doc, .out = out};
  KgStatus st = KG_ERR_NOMEM;
  if (out->first && out->present && out->lit_first && finder_init(&f)) {
    st = rs->gaz ? kg_gazetteer_match(rs->gaz, doc->text, doc->len, &gm)
                 : KG_SUCCESS;
    if (!st && !find_all(&f, sentences, &gm))
      st = KG_ERR_NOMEM;
  }
  finder_free(&f);
  kg_vec_free(&gm);
  return st;
}

void kg_mentions_free(KgMentions *m) {
  if (!m)
    return;
  kg_vec_free(&m->items);
  kg_strvec_free(&m->owned);
  kg_free(m->first);
  kg_free(m->present);
  kg_free(m->lit_first);
  kg_vec_free(&m->lits);
  memset(m, 0, sizeof *m);
}
