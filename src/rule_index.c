/*
 * rule_index.c — what the matcher needs of a loaded rule set beyond the
 * rules themselves: the literal prefilter over all rules and refs at once
 * (rule.h: KgLitIndex), the ovector sizes, and the JIT copies of patterns
 * made on first use.
 *
 * The index maps each distinct required piece to the rule groups and refs
 * it satisfies, as compressed rows (CSR): pairs are gathered while the
 * pieces go into the automaton, then counted and placed by piece id.
 */
#include "rule.h"

#include <string.h>

typedef struct {
  uint32_t lit, value;
} Pair;

typedef KG_VEC(Pair) PairVec;

pcre2_code *kg_jit_code(const pcre2_code *code, KgJitSlot *slot) {
  pcre2_code *c = atomic_load_explicit(slot, memory_order_acquire);
  if (c)
    return c;
  c = pcre2_code_copy(code);
  if (!c)
    return NULL;
  pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* interpreter if no JIT */
  pcre2_code *prev = NULL;
  if (atomic_compare_exchange_strong_explicit(
          slot, &prev, c, memory_order_acq_rel, memory_order_acquire))
    return c;
  pcre2_code_free(c); /* another thread was first */
  return prev;
}

/* Add every piece of v to the automaton, pairing its id with value. */
static bool add_pieces(KgLitScan *scan, const KgStrVec *v, uint32_t value,
                       PairVec *out) {
  for (size_t i = 0; i < v->len; i++) {
    Pair x = {0, value};
    if (!kg_litscan_add(scan, v->items[i], strlen(v->items[i]), &x.lit) ||
        !kg_vec_push(out, x))
      return false;
  }
  return true;
}

/* Rows of pairs by piece id: first[n + 1] and values. */
static bool to_csr(const PairVec *pairs, uint32_t n, uint32_t **first,
                   uint32_t **values) {
  *first = kg_calloc((size_t)n + 1, sizeof **first);
  *values = kg_malloc((pairs->len + 1) * sizeof **values);
  if (!*first || !*values)
    return false;
  for (size_t i = 0; i < pairs->len; i++)
    (*first)[pairs->items[i].lit + 1]++;
  for (uint32_t i = 0; i < n; i++)
    (*first)[i + 1] += (*first)[i];
  for (size_t i = 0; i < pairs->len; i++) { /* stable: pairs keep order */
    const Pair *p = &pairs->items[i];
    uint32_t at = (*first)[p->lit]++;
    (*values)[at] = p->value;
  }
  for (uint32_t i = n; i > 0; i--) /* undo the shift of the fill */
    (*first)[i] = (*first)[i - 1];
  (*first)[0] = 0;
  return true;
}

/* The pieces of the rules (by group) and refs into the automaton. */
static bool gather(KgRuleSet *rs, PairVec *rules, PairVec *refs) {
  KgLitIndex *x = &rs->index;
  for (size_t i = 0; i < rs->rules.len; i++)
    x->n_groups += (uint32_t)rs->rules.items[i].must.len;
  x->group_rule = kg_malloc(((size_t)x->n_groups + 1) * sizeof *x->group_rule);
  x->free_rules = kg_calloc(rs->rules.len / 64 + 1, sizeof *x->free_rules);
  x->ref_free = kg_calloc(rs->refs.len + 1, sizeof *x->ref_free);
  if (!x->group_rule || !x->free_rules || !x->ref_free)
    return false;
  uint32_t g = 0;
  for (size_t i = 0; i < rs->rules.len; i++) {
    const KgRule *r = &rs->rules.items[i];
    if (r->must.len == 0)
      x->free_rules[i / 64] |= (uint64_t)1 << (i % 64);
    for (size_t k = 0; k < r->must.len; k++, g++) {
      x->group_rule[g] = (uint32_t)i;
      if (!add_pieces(x->scan, &r->must.items[k], g, rules))
        return false;
    }
  }
  for (size_t i = 0; i < rs->refs.len; i++) {
    x->ref_free[i] = rs->refs.items[i].must.len == 0;
    if (!add_pieces(x->scan, &rs->refs.items[i].must, (uint32_t)i, refs))
      return false;
  }
  return true;
}

static uint32_t pairs_of(const pcre2_code *code) {
  uint32_t n = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
  return n + 1;
}

static void count_pairs(KgRuleSet *rs) {
  rs->max_pairs = rs->max_aux_pairs = 1;
  for (size_t i = 0; i < rs->rules.len; i++) {
    uint32_t n = pairs_of(rs->rules.items[i].code);
    rs->max_pairs = n > rs->max_pairs ? n : rs->max_pairs;
  }
  for (size_t i = 0; i < rs->entities.len; i++) {
    uint32_t n = pairs_of(rs->entities.items[i].code);
    rs->max_aux_pairs = n > rs->max_aux_pairs ? n : rs->max_aux_pairs;
  }
}

/* The rules' type prefilters and must counts in flat arrays. */
static bool gather_needs(const KgRuleSet *rs, KgLitIndex *x) {
  size_t n = rs->rules.len, total = 0;
  for (size_t i = 0; i < n; i++)
    total += rs->rules.items[i].need.len;
  x->need_first = kg_calloc(n + 1, sizeof *x->need_first);
  x->need_mask = kg_calloc(total ? total : 1, sizeof *x->need_mask);
  x->n_must = kg_calloc(n + 1, sizeof *x->n_must);
  if (!x->need_first || !x->need_mask || !x->n_must)
    return false;
  for (size_t i = 0, k = 0; i < n; i++) {
    const KgRule *r = &rs->rules.items[i];
    x->n_must[i] = (uint32_t)r->must.len;
    x->need_first[i] = (uint32_t)k;
    for (size_t j = 0; j < r->need.len; j++)
      x->need_mask[k++] = r->need.items[j];
  }
  x->need_first[n] = (uint32_t)total;
  return true;
}

bool kg_rule_index_build(KgRuleSet *rs) {
  KgLitIndex *x = &rs->index;
  PairVec rules = {0}, refs = {0};
  count_pairs(rs);
  bool ok = (x->scan = kg_litscan_new()) != NULL && gather(rs, &rules, &refs) &&
            kg_litscan_compile(x->scan) && gather_needs(rs, x);
  uint32_t n = kg_litscan_count(x->scan);
  ok = ok && to_csr(&rules, n, &x->rule_first, &x->rule_group) &&
       to_csr(&refs, n, &x->ref_first, &x->ref_index);
  kg_vec_free(&rules);
  kg_vec_free(&refs);
  return ok;
}

void kg_rule_index_free(KgRuleSet *rs) {
  KgLitIndex *x = &rs->index;
  kg_litscan_free(x->scan);
  kg_free(x->rule_first);
  kg_free(x->rule_group);
  kg_free(x->group_rule);
  kg_free(x->free_rules);
  kg_free(x->ref_first);
  kg_free(x->ref_index);
  kg_free(x->ref_free);
  kg_free(x->need_first);
  kg_free(x->need_mask);
  kg_free(x->n_must);
  memset(x, 0, sizeof *x);
}
