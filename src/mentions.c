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
                       SpanFunc add, void *ctx) {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
  if (!md)
    return false;
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
  pcre2_match_data_free(md);
  return ok;
}

typedef struct {
  const KgRuleSet *rs;
  const KgNormText *doc;
  KgMentions *out;
  size_t sentence, first; /* current sentence; its first mention */
  int type;
  MentionVec refs;
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

/* Sort v[from..] by offset (qsort may not be given a NULL array). */
static void sort_from(MentionVec *v, size_t from) {
  if (v->len > from + 1)
    qsort(v->items + from, v->len - from, sizeof *v->items, cmp_begin);
}

/* Open-class entities, then references, of sentence s. */
static bool sentence_rules(Finder *f, const KgSpan *s,
                           pcre2_match_context *mctx) {
  const KgRuleSet *rs = f->rs;
  MentionVec *v = &f->out->items;
  for (size_t i = 0; i < rs->entities.len; i++) {
    const KgEntityRule *er = &rs->entities.items[i];
    f->type = er->type;
    if (!each_match(er->code, er->name_group, f->doc->text, s->begin, s->end,
                    mctx, add_minted, f))
      return false;
  }
  sort_from(v, f->first);
  f->refs.len = 0;
  for (size_t i = 0; i < rs->refs.len; i++) {
    f->type = rs->refs.items[i].type;
    if (!each_match(rs->refs.items[i].code, 0, f->doc->text, s->begin, s->end,
                    mctx, add_ref, f))
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
                     const KgGazMatchVec *gm, pcre2_match_context *mctx) {
  KgMentions *out = f->out;
  size_t g = 0;
  for (size_t i = 0; i < sentences->len; i++) {
    const KgSpan *s = &sentences->items[i];
    f->sentence = i;
    f->first = out->items.len;
    out->first[i] = f->first;
    if (!gazetteer_mentions(f, gm, &g, s) || !sentence_rules(f, s, mctx))
      return false;
    for (size_t k = f->first; k < out->items.len; k++)
      out->present[i] |= 1u << out->items.items[k].type;
  }
  out->first[sentences->len] = out->items.len;
  return true;
}

KgStatus kg_mentions_find(const KgRuleSet *rs, const KgNormText *doc,
                          const KgSpanVec *sentences, KgMentions *out) {
  memset(out, 0, sizeof *out);
  out->n_sentences = sentences->len;
  out->first = kg_calloc(sentences->len + 1, sizeof *out->first);
  out->present = kg_calloc(sentences->len + 1, sizeof *out->present);
  KgGazMatchVec gm = {0};
  Finder f = {rs, doc, out, 0, 0, 0, {0}};
  pcre2_match_context *mctx = pcre2_match_context_create(NULL);
  KgStatus st = KG_ERR_NOMEM;
  if (out->first && out->present && mctx) {
    pcre2_set_match_limit(mctx, KG_MATCH_LIMIT);
    pcre2_set_depth_limit(mctx, KG_DEPTH_LIMIT);
    pcre2_set_heap_limit(mctx, KG_HEAP_LIMIT_KIB);
    st = rs->gaz ? kg_gazetteer_match(rs->gaz, doc->text, doc->len, &gm)
                 : KG_SUCCESS;
    if (!st && !find_all(&f, sentences, &gm, mctx))
      st = KG_ERR_NOMEM;
  }
  pcre2_match_context_free(mctx);
  kg_vec_free(&gm);
  kg_vec_free(&f.refs);
  return st;
}

void kg_mentions_free(KgMentions *m) {
  if (!m)
    return;
  kg_vec_free(&m->items);
  kg_strvec_free(&m->owned);
  kg_free(m->first);
  kg_free(m->present);
  memset(m, 0, sizeof *m);
}
