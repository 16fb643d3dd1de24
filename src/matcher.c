/*
 * matcher.c — every rule over every sentence of one document.
 *
 * For each sentence the matcher builds its "image": the normalised text
 * with each mention replaced by one private-use code point that encodes
 * its type (rule.h); image offsets go back to normalised ones through the
 * mention positions.  A rule runs only when the sentence holds one
 * alternative of each required literal as plain text and a mention for
 * each of its required slots (both filters only skip rules that cannot
 * match).  The literals of all rules were found in one pass of the rule
 * set's automaton while finding mentions (rule.h: KgLitIndex), so picking
 * the candidate rules costs per piece found, not per rule: what keeps
 * 1,000 rules cheap.  The image is built only for a sentence with a
 * candidate rule, and each rule pattern is JIT-compiled the first time it
 * runs.
 * `implied P` adds, for each gazetteer mention, the P relations the
 * gazetteer declares for its entity as candidates of a pseudo-rule.
 * All matches are found, overlapping ones too (the next
 * search starts one character after the last match began); guards look at
 * the normalised text; emits give candidates, one per enumeration member
 * pair.  Candidates with the same predicate, subject and object in one
 * sentence are one fact: highest priority, then longest match, then first
 * rule.  Tags are gathered over the whole document and fill the empty
 * qualifiers of `qualify` predicates at the end, then facts go out in
 * sentence order.
 *
 * The rule set is shared read-only by threads; everything mutable (match
 * data, match context with the PCRE2 limits, JIT stack, the image) lives
 * in a Doc on the caller's stack.
 */
#include "matcher.h"

#include "mentions.h"
#include "rule.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  size_t img;     /* image offset of the mention character */
  size_t mention; /* index into the document's mentions */
} ImgMention;

typedef struct {
  KgMentionRef subject, object;
  int predicate;
  const char *qualifier;
  const KgRule *rule;
  size_t begin, end; /* normalised bytes of the match */
  size_t seq;        /* creation order */
} Cand;

typedef struct {
  Cand c;
  size_t sentence;
} Fact;

typedef KG_VEC(KgMentionRef) RefVec;

typedef struct {
  const char *key;
  const char *qualifier;
} Tag;

typedef struct {
  const KgRuleSet *rs;
  const KgNormText *doc;
  const KgSpanVec *sents;
  KgMentions ms;
  struct Scratch *scratch; /* where the next three come from */
  pcre2_match_context *mctx;
  pcre2_match_data *md, *gmd;
  KgBuf img;
  KG_VEC(ImgMention) imgm;
  /* candidate rules of the sentence: a bit set, and per group / rule the
   * sentence (+ 1) that last counted it */
  uint64_t *cand;
  uint32_t *group_seen, *rule_seen, *rule_groups;
  RefVec subj, obj;   /* emit scratch */
  const KgRule *rule; /* the rule being matched (callouts) */
  size_t sentence;
  KG_VEC(Cand) cands;
  KG_VEC(Fact) facts;
  KG_VEC(Tag) tags;
  KgStrVec strings; /* qualifier texts cut from the document */
  size_t seq;
  /* explain: what the current rule did */
  size_t n_matches, n_blocked;
  int blocking_guard;
} Doc;

/* ------------------------------------------------------------ image */

/* The image of sentence si and its mention positions.  A mention
 * character is 4 bytes (planes 15 and 16). */
static bool build_image(Doc *d, size_t si) {
  const KgSpan *s = &d->sents->items[si];
  size_t n = d->ms.first[si + 1] - d->ms.first[si];
  d->img.len = 0;
  d->imgm.len = 0;
  if (!kg_vec_reserve(&d->imgm, n))
    return false;
  size_t pos = s->begin;
  for (size_t k = d->ms.first[si]; k < d->ms.first[si + 1]; k++) {
    const KgMention *m = &d->ms.items.items[k];
    if (!kg_buf_append(&d->img, d->doc->text + pos, m->begin - pos))
      return false;
    uint32_t cp = KG_MENTION_BASE + (uint32_t)m->type * KG_MENTION_SPAN +
                  (uint32_t)((k - d->ms.first[si]) % KG_MENTION_SPAN);
    d->imgm.items[d->imgm.len++] = (ImgMention){d->img.len, k};
    if (!kg_buf_put_utf8(&d->img, cp))
      return false;
    pos = m->end;
  }
  if (!kg_buf_append(&d->img, d->doc->text + pos, s->end - pos))
    return false;
  return kg_buf_append(&d->img, "", 0);
}

/* How many mention characters start at or before image offset off. */
static size_t mentions_upto(const Doc *d, size_t off) {
  size_t lo = 0, hi = d->imgm.len;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (d->imgm.items[mid].img <= off)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The normalised offset of image offset off: a mention character stands
 * for its mention's start, other bytes are copies of the text. */
static size_t img_norm(const Doc *d, size_t off) {
  const KgSpan *s = &d->sents->items[d->sentence];
  if (off >= d->img.len)
    return s->end;
  size_t k = mentions_upto(d, off);
  if (k == 0)
    return s->begin + off;
  const ImgMention *im = &d->imgm.items[k - 1];
  const KgMention *m = &d->ms.items.items[im->mention];
  return off < im->img + 4 ? m->begin : m->end + (off - im->img - 4);
}

/* The mention whose character starts at image offset off, or NULL. */
static const KgMention *mention_at(const Doc *d, size_t off) {
  size_t k = mentions_upto(d, off);
  if (k && d->imgm.items[k - 1].img == off)
    return &d->ms.items.items[d->imgm.items[k - 1].mention];
  return NULL;
}

/* A literal may stand on a mention whose surface is that literal.  The
 * callout follows the mention character (4 bytes) it checks. */
static int on_callout(pcre2_callout_block *cb, void *data) {
  const Doc *d = data;
  if (!cb->callout_string || cb->callout_string[0] != 'L' || !d->rule)
    return 0;
  size_t n = 0;
  for (PCRE2_SPTR c = cb->callout_string + 1; *c >= '0' && *c <= '9'; c++)
    n = n * 10 + (size_t)(*c - '0');
  const KgMention *m = cb->current_position >= 4
                           ? mention_at(d, cb->current_position - 4)
                           : NULL;
  if (!m || n >= d->rule->lits.len)
    return 1;
  const KgLiteral *lit = &d->rule->lits.items[n];
  const char *surface = d->doc->text + m->begin;
  size_t len = m->end - m->begin;
  for (size_t i = 0; i < lit->len; i++)
    if (strnlen(lit->items[i], len + 1) == len &&
        memcmp(lit->items[i], surface, len) == 0)
      return 0;
  return 1;
}

/* ------------------------------------------------------------ guards */

/* Move back / forward n code points from byte off, within [lo, hi]. */
static size_t back_chars(const char *t, size_t off, size_t lo, unsigned n) {
  while (n && off > lo) {
    off--;
    while (off > lo && ((unsigned char)t[off] & 0xC0) == 0x80)
      off--;
    n--;
  }
  return off;
}

static size_t fwd_chars(const char *t, size_t off, size_t hi, unsigned n) {
  while (n && off < hi) {
    off++;
    while (off < hi && ((unsigned char)t[off] & 0xC0) == 0x80)
      off++;
    n--;
  }
  return off;
}

/* Normalised span of slot s in the current match; false when unset. */
static bool slot_span(const Doc *d, const KgRule *r, const PCRE2_SIZE *ov,
                      int s, size_t *b, size_t *e) {
  int g = s >= 0 ? r->slots.items[s].group : -1;
  if (g < 0 || ov[2 * g] == PCRE2_UNSET)
    return false;
  *b = img_norm(d, ov[2 * g]);
  *e = img_norm(d, ov[2 * g + 1]);
  return true;
}

/* The normalised text a guard looks at. */
static void guard_range(const Doc *d, const KgRule *r, const KgGuard *g,
                        const PCRE2_SIZE *ov, size_t *lo, size_t *hi) {
  const KgSpan *s = &d->sents->items[d->sentence];
  size_t ab = s->begin, ae = s->end, bb, be;
  *lo = s->begin;
  *hi = s->end;
  if (g->scope == KG_SCOPE_SENTENCE ||
      !slot_span(d, r, ov, g->slot_a, &ab, &ae))
    return;
  if (g->scope == KG_SCOPE_BEFORE) {
    *hi = ab;
    *lo = back_chars(d->doc->text, ab, s->begin, g->width);
  } else if (g->scope == KG_SCOPE_AFTER) {
    *lo = ae;
    *hi = fwd_chars(d->doc->text, ae, s->end, g->width);
  } else if (slot_span(d, r, ov, g->slot_b, &bb, &be)) {
    *lo = ae <= bb ? ae : be;
    *hi = ae <= bb ? bb : ab;
    if (*hi < *lo)
      *hi = *lo;
  }
}

/* Index of the first guard that blocks the match, -1 for none, -2 when
 * out of memory. */
static int blocking_guard(Doc *d, const KgRule *r, const PCRE2_SIZE *ov) {
  for (size_t i = 0; i < r->guards.len; i++) {
    const KgGuard *g = &r->guards.items[i];
    const pcre2_code *code = kg_jit_code(g->code, g->jit);
    if (!code)
      return -2;
    size_t lo, hi;
    guard_range(d, r, g, ov, &lo, &hi);
    int rc = pcre2_match(code, (PCRE2_SPTR)(d->doc->text + lo), hi - lo, 0,
                         PCRE2_NO_UTF_CHECK, d->gmd, d->mctx);
    if ((rc >= 0) == g->negated)
      return (int)i;
  }
  return -1;
}

/* ------------------------------------------------------------- emits */

static KgMentionRef mention_ref(const Doc *d, const KgMention *m) {
  KgMentionRef r = {m->key,      m->label, kg_rule_type_name(d->rs, m->type),
                    m->begin,    m->end,   m->minted,
                    m->reference};
  return r;
}

/* The entities an emit argument stands for: a constant, the mention of a
 * slot, or every member of an enumeration slot. */
static bool arg_refs(const Doc *d, const KgRule *r, const PCRE2_SIZE *ov,
                     const KgArg *a, RefVec *out) {
  out->len = 0;
  if (a->kind == KG_ARG_ENTITY) {
    const KgEntityDef *e = kg_gazetteer_entity(d->rs->gaz, (uint32_t)a->index);
    size_t at = img_norm(d, ov[0]);
    KgMentionRef x = {e->key,
                      e->label ? e->label : e->key,
                      kg_rule_type_name(d->rs, e->type),
                      at,
                      at,
                      0,
                      0};
    return kg_vec_push(out, x);
  }
  int g = r->slots.items[a->index].group;
  if (g < 0 || ov[2 * g] == PCRE2_UNSET)
    return true;
  /* the mention characters that start inside the group, in order */
  size_t k = ov[2 * g] ? mentions_upto(d, ov[2 * g] - 1) : 0;
  for (; k < d->imgm.len && d->imgm.items[k].img < ov[2 * g + 1]; k++) {
    const KgMention *m = &d->ms.items.items[d->imgm.items[k].mention];
    if (!kg_vec_push(out, mention_ref(d, m)))
      return false;
  }
  return true;
}

/* The qualifier of an emit: *q = NULL for none; false (with *skip) when a
 * vocabulary does not know the text. */
static bool qualifier(Doc *d, const KgRule *r, const PCRE2_SIZE *ov,
                      const KgEmit *e, const char **q, bool *skip) {
  *q = NULL;
  *skip = false;
  if (e->qual == KG_QUAL_CONST)
    *q = e->constant;
  size_t b, en;
  if (e->qual < KG_QUAL_SLOT || !slot_span(d, r, ov, e->slot, &b, &en))
    return true;
  const char *text = d->doc->text + b;
  size_t len = en - b;
  if (e->qual == KG_QUAL_VOCAB) {
    const KgVocab *v = &d->rs->vocabs.items[e->vocab];
    for (size_t i = 0; i < v->keys.len; i++)
      if (strlen(v->keys.items[i]) == len &&
          memcmp(v->keys.items[i], text, len) == 0) {
        *q = v->values.items[i];
        return true;
      }
    *skip = true;
    return true;
  }
  char *copy = kg_strndup(text, len);
  if (!copy || !kg_vec_push(&d->strings, copy)) {
    kg_free(copy);
    return false;
  }
  *q = copy;
  return true;
}

static bool add_tags(Doc *d, const RefVec *subj, const char *q) {
  for (size_t i = 0; q && i < subj->len; i++) {
    Tag t = {subj->items[i].key, q};
    if (!kg_vec_push(&d->tags, t))
      return false;
  }
  return true;
}

static bool emit_one(Doc *d, const KgRule *r, const PCRE2_SIZE *ov,
                     const KgEmit *e, RefVec *subj, RefVec *obj) {
  const char *q;
  bool skip;
  if (!qualifier(d, r, ov, e, &q, &skip))
    return false;
  if (skip || !arg_refs(d, r, ov, &e->subject, subj))
    return skip;
  if (e->tag)
    return add_tags(d, subj, q);
  if (!arg_refs(d, r, ov, &e->object, obj))
    return false;
  for (size_t i = 0; i < subj->len; i++)
    for (size_t k = 0; k < obj->len; k++) {
      if (strcmp(subj->items[i].key, obj->items[k].key) == 0)
        continue;
      Cand c = {subj->items[i],     obj->items[k],      e->predicate, q, r,
                img_norm(d, ov[0]), img_norm(d, ov[1]), d->seq++};
      if (!kg_vec_push(&d->cands, c))
        return false;
    }
  return true;
}

static bool on_match(Doc *d, const KgRule *r, const PCRE2_SIZE *ov) {
  d->n_matches++;
  int g = blocking_guard(d, r, ov);
  if (g == -2)
    return false;
  if (g >= 0) {
    if (d->n_blocked++ == 0)
      d->blocking_guard = g;
    return true;
  }
  bool ok = true;
  for (size_t i = 0; ok && i < r->emits.len; i++)
    ok = emit_one(d, r, ov, &r->emits.items[i], &d->subj, &d->obj);
  return ok;
}

/* ------------------------------------------------------------ rules */

/* Does the sentence have a mention of a type each of rule i's type
 * masks wants? */
static bool prefilter(const KgLitIndex *x, size_t i, uint32_t present) {
  for (uint32_t k = x->need_first[i]; k < x->need_first[i + 1]; k++)
    if (!(x->need_mask[k] & present))
      return false;
  return true;
}

/* The rules whose required literals sentence si holds (each group has a
 * piece there), as the bit set d->cand: rules without required literals
 * plus those the pieces found complete. */
static void literal_filter(Doc *d, size_t si) {
  const KgRuleSet *rs = d->rs;
  const KgLitIndex *x = &rs->index;
  size_t words = rs->rules.len / 64 + 1;
  if (rs->no_literal_filter) {
    memset(d->cand, 0xff, words * sizeof *d->cand);
    return;
  }
  memcpy(d->cand, x->free_rules, words * sizeof *d->cand);
  uint32_t stamp = (uint32_t)si + 1;
  for (size_t i = d->ms.lit_first[si]; i < d->ms.lit_first[si + 1]; i++) {
    uint32_t id = d->ms.lits.items[i];
    for (uint32_t k = x->rule_first[id]; k < x->rule_first[id + 1]; k++) {
      uint32_t g = x->rule_group[k], r = x->group_rule[g];
      if (d->group_seen[g] == stamp)
        continue;
      d->group_seen[g] = stamp;
      if (d->rule_seen[r] != stamp) {
        d->rule_seen[r] = stamp;
        d->rule_groups[r] = 0;
      }
      if (++d->rule_groups[r] == x->n_must[r])
        d->cand[r / 64] |= (uint64_t)1 << (r % 64);
    }
  }
}

typedef struct {
  KgMessageFunc on_msg;
  void *msg_ctx;
  const char *doc_name;
  KgMatchStats *stats;
} Report;

/* Every match of r in the current image.  A PCRE2 limit abandons the rule
 * on this sentence with a warning. */
static KgStatus match_rule(Doc *d, const KgRule *r, const Report *rep) {
  size_t start = 0, len = d->img.len;
  const pcre2_code *code = kg_jit_code(r->code, r->jit);
  if (!code)
    return KG_ERR_NOMEM;
  d->rule = r;
  d->n_matches = d->n_blocked = 0;
  while (start <= len) {
    int rc = pcre2_match(code, (PCRE2_SPTR)d->img.data, len, start,
                         PCRE2_NO_UTF_CHECK, d->md, d->mctx);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
      if (rep && rep->stats)
        rep->stats->abandoned++;
      if (rep)
        kg_warn(rep->on_msg, rep->msg_ctx, rep->doc_name, 0, 0,
                "rule '%s' abandoned on sentence %zu: PCRE2 limit reached",
                r->id, d->sentence + 1);
      break;
    }
    if (rc == PCRE2_ERROR_NOMEMORY)
      return KG_ERR_NOMEM;
    if (rc < 0)
      break;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
    if (!on_match(d, r, ov))
      return KG_ERR_NOMEM;
    start = ov[0] + 1;
    while (start < len && ((unsigned char)d->img.data[start] & 0xC0) == 0x80)
      start++;
  }
  d->rule = NULL;
  return KG_SUCCESS;
}

/* Candidates of one (predicate, subject, object) next to each other, the
 * winner first. */
static int cmp_contest(const void *x, const void *y) {
  const Cand *a = x, *b = y;
  int c = a->predicate - b->predicate;
  if (!c)
    c = strcmp(a->subject.key, b->subject.key);
  if (!c)
    c = strcmp(a->object.key, b->object.key);
  if (!c)
    c = b->rule->priority - a->rule->priority;
  if (!c) {
    size_t la = a->end - a->begin, lb = b->end - b->begin;
    c = la > lb ? -1 : la < lb;
  }
  if (!c)
    c = a->rule->index < b->rule->index ? -1 : a->rule->index > b->rule->index;
  if (!c)
    c = a->seq < b->seq ? -1 : a->seq > b->seq;
  return c;
}

static int cmp_output(const void *x, const void *y) {
  const Fact *a = x, *b = y;
  if (a->sentence != b->sentence)
    return a->sentence < b->sentence ? -1 : 1;
  if (a->c.begin != b->c.begin)
    return a->c.begin < b->c.begin ? -1 : 1;
  if (a->c.rule->index != b->c.rule->index)
    return a->c.rule->index < b->c.rule->index ? -1 : 1;
  return a->c.seq < b->c.seq ? -1 : a->c.seq > b->c.seq;
}

static bool same_contest(const Cand *a, const Cand *b) {
  return a->predicate == b->predicate &&
         strcmp(a->subject.key, b->subject.key) == 0 &&
         strcmp(a->object.key, b->object.key) == 0;
}

/* The winners among the sentence's candidates become facts. */
static bool settle_sentence(Doc *d) {
  if (d->cands.len == 0)
    return true;
  qsort(d->cands.items, d->cands.len, sizeof *d->cands.items, cmp_contest);
  size_t from = d->facts.len;
  for (size_t i = 0; i < d->cands.len; i++) {
    if (i && same_contest(&d->cands.items[i - 1], &d->cands.items[i]))
      continue;
    Fact f = {d->cands.items[i], d->sentence};
    if (!kg_vec_push(&d->facts, f))
      return false;
  }
  qsort(d->facts.items + from, d->facts.len - from, sizeof *d->facts.items,
        cmp_output);
  d->cands.len = 0;
  return true;
}

/* The fact of relation x, stated by the name of mention m. */
static bool implied_one(Doc *d, const KgRule *r, const KgMention *m,
                        const KgEntityRelation *x) {
  const KgEntityDef *o = kg_gazetteer_entity(d->rs->gaz, x->object);
  /* The object is not written in the text (it is inside the name), so it
   * gets an empty span, like a constant: the name is no alias of it. */
  KgMentionRef obj = {o->key,
                      o->label ? o->label : o->key,
                      kg_rule_type_name(d->rs, o->type),
                      m->begin,
                      m->begin,
                      0,
                      0};
  Cand c = {mention_ref(d, m), obj,    x->predicate, NULL, r,
            m->begin,          m->end, d->seq++};
  return kg_vec_push(&d->cands, c);
}

/* `implied P`: every gazetteer mention (not a reference) of an entity
 * with a declared P relation states that relation. */
static bool implied_facts(Doc *d, size_t si) {
  for (size_t k = d->ms.first[si]; k < d->ms.first[si + 1]; k++) {
    const KgMention *m = &d->ms.items.items[k];
    size_t n = 0;
    const KgEntityRelation *x =
        m->entity >= 0 && !m->reference && d->rs->implied.len
            ? kg_gazetteer_relations(d->rs->gaz, (uint32_t)m->entity, &n)
            : NULL;
    for (size_t i = 0; i < n; i++)
      for (size_t j = 0; j < d->rs->implied.len; j++) {
        const KgRule *r = &d->rs->implied.items[j];
        if (r->emits.items[0].predicate == x[i].predicate &&
            !implied_one(d, r, m, &x[i]))
          return false;
      }
  }
  return true;
}

/* Every candidate rule, in rule order, over the image (built for the
 * first one). */
static KgStatus match_candidates(Doc *d, size_t si, const Report *rep) {
  size_t n = d->rs->rules.len;
  uint32_t present = d->ms.present[si];
  bool image = false;
  literal_filter(d, si);
  for (size_t w = 0; w * 64 < n; w++)
    for (uint64_t bits = d->cand[w]; bits; bits &= bits - 1) {
      size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
      if (i >= n)
        break;
      if (!prefilter(&d->rs->index, i, present))
        continue;
      const KgRule *r = &d->rs->rules.items[i];
      if (!image && !(image = build_image(d, si)))
        return KG_ERR_NOMEM;
      KgStatus st = match_rule(d, r, rep);
      if (st)
        return st;
    }
  return KG_SUCCESS;
}

static KgStatus match_sentence(Doc *d, size_t si, const Report *rep) {
  d->sentence = si;
  KgStatus st = match_candidates(d, si, rep);
  if (st)
    return st;
  if (!implied_facts(d, si))
    return KG_ERR_NOMEM;
  return settle_sentence(d) ? KG_SUCCESS : KG_ERR_NOMEM;
}

/* ---------------------------------------------------------- document */

/* PCRE2 match state a document hands on to the next.  Made afresh for
 * each document, the JIT stack alone was an mmap and a munmap, and each
 * munmap stopped every other core to flush its TLB. */
typedef struct Scratch {
  pcre2_match_context *mctx;
  pcre2_jit_stack *jit;
  pcre2_match_data *md, *gmd;
} Scratch;

static void scratch_free(Scratch *sc) {
  if (!sc)
    return;
  pcre2_match_context_free(sc->mctx);
  pcre2_jit_stack_free(sc->jit);
  pcre2_match_data_free(sc->md);
  pcre2_match_data_free(sc->gmd);
  kg_free(sc);
}

/* The spare slots are the one part of a rule set that matching changes;
 * each slot is taken and given back atomically, so the set stays safe to
 * share between threads. */
static _Atomic(void *) *spare_slots(const KgRuleSet *rs) {
  return ((KgRuleSet *)rs)->spare;
}

static Scratch *scratch_take(const KgRuleSet *rs) {
  _Atomic(void *) *slot = spare_slots(rs);
  for (size_t i = 0; i < KG_SPARE_SCRATCH; i++) {
    Scratch *sc = atomic_exchange(&slot[i], NULL);
    if (sc)
      return sc;
  }
  Scratch *sc = kg_calloc(1, sizeof *sc);
  if (!sc)
    return NULL;
  sc->mctx = pcre2_match_context_create(NULL);
  sc->jit = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
  sc->md = pcre2_match_data_create(rs->max_pairs, NULL);
  sc->gmd = pcre2_match_data_create(1, NULL);
  if (sc->mctx && sc->md && sc->gmd) /* no JIT stack: the interpreter */
    return sc;
  scratch_free(sc);
  return NULL;
}

static void scratch_give(const KgRuleSet *rs, Scratch *sc) {
  _Atomic(void *) *slot = spare_slots(rs);
  for (size_t i = 0; sc && i < KG_SPARE_SCRATCH; i++) {
    void *empty = NULL;
    if (atomic_compare_exchange_strong(&slot[i], &empty, sc))
      return;
  }
  scratch_free(sc);
}

void kg_match_spare_free(KgRuleSet *rs) {
  for (size_t i = 0; i < KG_SPARE_SCRATCH; i++)
    scratch_free(atomic_exchange(&rs->spare[i], NULL));
}

static KgStatus doc_init(Doc *d, const KgRuleSet *rs, const KgNormText *doc,
                         const KgSpanVec *sents) {
  memset(d, 0, sizeof *d);
  d->rs = rs;
  d->doc = doc;
  d->sents = sents;
  d->scratch = scratch_take(rs);
  size_t n = rs->rules.len + 1;
  d->cand = kg_calloc(n / 64 + 1, sizeof *d->cand);
  d->group_seen = kg_calloc(rs->index.n_groups + 1, sizeof *d->group_seen);
  d->rule_seen = kg_calloc(n, sizeof *d->rule_seen);
  d->rule_groups = kg_calloc(n, sizeof *d->rule_groups);
  if (!d->scratch || !d->cand || !d->group_seen || !d->rule_seen ||
      !d->rule_groups)
    return KG_ERR_NOMEM;
  d->mctx = d->scratch->mctx;
  d->md = d->scratch->md;
  d->gmd = d->scratch->gmd;
  pcre2_set_match_limit(d->mctx, KG_MATCH_LIMIT);
  pcre2_set_depth_limit(d->mctx, KG_DEPTH_LIMIT);
  pcre2_set_heap_limit(d->mctx, KG_HEAP_LIMIT_KIB);
  pcre2_set_callout(d->mctx, on_callout, d);
  pcre2_jit_stack_assign(d->mctx, NULL, d->scratch->jit);
  return kg_mentions_find(rs, doc, sents, &d->ms);
}

static void doc_free(Doc *d) {
  kg_mentions_free(&d->ms);
  scratch_give(d->rs, d->scratch);
  kg_buf_free(&d->img);
  kg_vec_free(&d->imgm);
  kg_free(d->cand);
  kg_free(d->group_seen);
  kg_free(d->rule_seen);
  kg_free(d->rule_groups);
  kg_vec_free(&d->subj);
  kg_vec_free(&d->obj);
  kg_vec_free(&d->cands);
  kg_vec_free(&d->facts);
  kg_vec_free(&d->tags);
  kg_strvec_free(&d->strings);
}

static const char *tag_of(const Doc *d, const char *key) {
  for (size_t i = 0; i < d->tags.len; i++)
    if (strcmp(d->tags.items[i].key, key) == 0)
      return d->tags.items[i].qualifier;
  return NULL;
}

/* `qualify P from object|subject`: empty qualifiers take the tag. */
static void apply_tags(Doc *d) {
  for (size_t i = 0; i < d->facts.len; i++) {
    Cand *c = &d->facts.items[i].c;
    for (size_t k = 0; !c->qualifier && k < d->rs->qualifies.len; k++) {
      const KgQualify *q = &d->rs->qualifies.items[k];
      if (q->predicate == c->predicate)
        c->qualifier =
            tag_of(d, q->from_subject ? c->subject.key : c->object.key);
    }
  }
}

static KgStatus deliver(const Doc *d, KgFactFunc on_fact, void *ctx) {
  for (size_t i = 0; i < d->facts.len; i++) {
    const Fact *f = &d->facts.items[i];
    const KgVocabTerm *p =
        kg_ontology_predicate_at(d->rs->onto, (size_t)f->c.predicate);
    KgMatchFact mf = {f->sentence,    f->c.begin,   f->c.end,
                      f->c.subject,   f->c.object,  p ? p->name : "?",
                      f->c.qualifier, f->c.rule->id};
    KgStatus st = on_fact(ctx, &mf);
    if (st)
      return st;
  }
  return KG_SUCCESS;
}

KgStatus kg_match_document(const KgRuleSet *rs, const KgNormText *doc,
                           const KgSpanVec *sentences, const char *doc_name,
                           KgFactFunc on_fact, void *fact_ctx,
                           KgMessageFunc on_msg, void *msg_ctx,
                           KgMatchStats *stats) {
  Doc d;
  Report rep = {on_msg, msg_ctx, doc_name, stats};
  KgStatus st = doc_init(&d, rs, doc, sentences);
  if (stats)
    stats->mentions += d.ms.items.len;
  for (size_t i = 0; !st && i < sentences->len; i++)
    st = match_sentence(&d, i, &rep);
  if (!st) {
    apply_tags(&d);
    st = deliver(&d, on_fact, fact_ctx);
  }
  doc_free(&d);
  return st;
}

/* ------------------------------------------------------------ explain */

/* Longest prefix of r's elements that matches somewhere in the image. */
static size_t matching_prefix(Doc *d, const KgRule *r) {
  for (size_t k = r->frags.len - 1; k > 0; k--) {
    KgBuf b = {0};
    for (size_t i = 0; i < k; i++) {
      if (i)
        kg_buf_puts(&b, "\\s*");
      kg_buf_puts(&b, r->frags.items[i]);
    }
    int code;
    PCRE2_SIZE at;
    pcre2_code *c = b.failed
                        ? NULL
                        : pcre2_compile((PCRE2_SPTR)b.data, b.len,
                                        KG_PCRE2_OPTIONS, &code, &at, NULL);
    kg_buf_free(&b);
    if (!c)
      continue;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(c, NULL);
    int rc = md ? pcre2_match(c, (PCRE2_SPTR)d->img.data, d->img.len, 0,
                              PCRE2_NO_UTF_CHECK, md, d->mctx)
                : -1;
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    if (rc >= 0)
      return k;
  }
  return 0;
}

static void explain_mentions(const Doc *d, size_t si, KgBuf *out) {
  for (size_t k = d->ms.first[si]; k < d->ms.first[si + 1]; k++) {
    const KgMention *m = &d->ms.items.items[k];
    kg_buf_printf(out, "  mention \"%.*s\" %s %s%s\n", (int)(m->end - m->begin),
                  d->doc->text + m->begin, kg_rule_type_name(d->rs, m->type),
                  m->key,
                  m->reference ? " (reference)"
                  : m->minted  ? " (open-class)"
                               : "");
  }
}

static void explain_facts(const Doc *d, size_t from, size_t to, KgBuf *out) {
  for (size_t i = from; i < to; i++) {
    const Cand *c = &d->cands.items[i];
    const KgVocabTerm *p =
        kg_ontology_predicate_at(d->rs->onto, (size_t)c->predicate);
    kg_buf_printf(out, "    emits %s(%s, %s%s%s)\n", p ? p->name : "?",
                  c->subject.key, c->object.key, c->qualifier ? ", " : "",
                  c->qualifier ? c->qualifier : "");
  }
}

/* An element as written, on one line (a long alternation spans lines in
 * the rule file) and cut after max code points. */
static void put_oneline(KgBuf *out, const char *s, size_t max) {
  size_t n = 0;
  bool space = false;
  for (; *s && n < max; s++) {
    if (*s == '\n' || *s == ' ' || *s == '\t') {
      space = true;
      continue;
    }
    if (space)
      kg_buf_putc(out, ' '), n++;
    space = false;
    kg_buf_putc(out, *s);
    n += ((unsigned char)*s & 0xC0) != 0x80;
  }
  if (*s)
    kg_buf_puts(out, "…");
}

static KgStatus explain_rule(Doc *d, const KgRule *r, KgBuf *out) {
  size_t from = d->cands.len, tags = d->tags.len;
  KgStatus st = match_rule(d, r, NULL);
  if (st)
    return st;
  kg_buf_printf(out, "  rule %s: ", r->id);
  if (d->n_matches > d->n_blocked) {
    kg_buf_printf(out, "matched\n");
    explain_facts(d, from, d->cands.len, out);
    for (size_t i = tags; i < d->tags.len; i++)
      kg_buf_printf(out, "    tags %s with %s\n", d->tags.items[i].key,
                    d->tags.items[i].qualifier);
  } else if (d->n_blocked) {
    kg_buf_printf(out, "matched but blocked by guard '%s'\n",
                  r->guards.items[d->blocking_guard].text);
  } else {
    d->rule = r;
    size_t k = matching_prefix(d, r);
    d->rule = NULL;
    kg_buf_printf(out, "no match: %zu of %zu elements matched, stopped at '", k,
                  r->frags.len);
    put_oneline(out, r->descs.items[k], 60);
    kg_buf_puts(out, "'\n");
  }
  return KG_SUCCESS;
}

static KgStatus explain_sentence(Doc *d, size_t si, KgBuf *out) {
  const KgSpan *s = &d->sents->items[si];
  d->sentence = si;
  if (!build_image(d, si))
    return KG_ERR_NOMEM;
  kg_buf_printf(out, "sentence %zu: %.*s\n", si + 1, (int)(s->end - s->begin),
                d->doc->text + s->begin);
  explain_mentions(d, si, out);
  size_t shown = 0;
  for (size_t i = 0; i < d->rs->rules.len; i++) {
    if (!prefilter(&d->rs->index, i, d->ms.present[si]))
      continue;
    const KgRule *r = &d->rs->rules.items[i];
    shown++;
    KgStatus st = explain_rule(d, r, out);
    if (st)
      return st;
  }
  size_t from = d->cands.len;
  if (!implied_facts(d, si))
    return KG_ERR_NOMEM;
  for (size_t i = from; i < d->cands.len; i++) {
    kg_buf_printf(out, "  %s: stated by the name \"%.*s\"\n",
                  d->cands.items[i].rule->id,
                  (int)(d->cands.items[i].end - d->cands.items[i].begin),
                  d->doc->text + d->cands.items[i].begin);
    explain_facts(d, i, i + 1, out);
  }
  if (!shown && from == d->cands.len)
    kg_buf_puts(out, "  no rule has the mentions it needs here\n");
  d->cands.len = 0;
  return KG_SUCCESS;
}

KgStatus kg_explain(const KgRuleSet *rs, const KgNormText *doc,
                    const KgSpanVec *sentences, char **report) {
  Doc d;
  KgBuf out = {0};
  *report = NULL;
  KgStatus st = doc_init(&d, rs, doc, sentences);
  for (size_t i = 0; !st && i < sentences->len; i++)
    st = explain_sentence(&d, i, &out);
  doc_free(&d);
  if (!st && out.failed)
    st = KG_ERR_NOMEM;
  if (st) {
    kg_buf_free(&out);
    return st;
  }
  *report = kg_buf_take(&out, NULL);
  return *report ? KG_SUCCESS : KG_ERR_NOMEM;
}
