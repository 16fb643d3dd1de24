/*
 * rule_lint.c — `kg check` warnings about a loaded rule set: slots no
 * mention can ever fill, rules whose pattern repeats an earlier one (the
 * later can only add what the earlier already gives), emits whose slot
 * types fall outside the predicate's rdfs:domain / rdfs:range (the types
 * outside are named), `implied P` with no P relation in the gazetteer, and
 * gazetteer types that no rule looks at.  Warnings only; the rule set
 * stays usable.
 */
#include "rule.h"

#include <stdio.h>
#include <string.h>

/* Types some mention can have: gazetteer entities and entity rules.
 * References only repeat an existing mention, so they add nothing. */
static uint32_t producible_types(const KgRuleSet *rs, uint32_t *gaz_types) {
  uint32_t t = 0;
  *gaz_types = 0;
  size_t n = rs->gaz ? kg_gazetteer_size(rs->gaz) : 0;
  for (size_t i = 0; i < n; i++) {
    const KgEntityDef *e = kg_gazetteer_entity(rs->gaz, (uint32_t)i);
    if (e && e->type >= 0 && e->type < (int)KG_MAX_TYPES)
      *gaz_types |= 1u << e->type;
  }
  t = *gaz_types;
  for (size_t i = 0; i < rs->entities.len; i++)
    t |= 1u << rs->entities.items[i].type;
  return t;
}

static size_t lint_slots(const KgRuleSet *rs, const KgRule *r, uint32_t made,
                         KgMessageFunc on_msg, void *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < r->slots.len; i++) {
    const KgSlot *s = &r->slots.items[i];
    if (s->kind != KG_SLOT_ENTITY || s->optional || (s->types & made))
      continue;
    int t = 0;
    while (t < (int)KG_MAX_TYPES && !(s->types & (1u << t)))
      t++;
    kg_warn(on_msg, ctx, r->file, r->line, 0,
            "rule '%s' can never match: no gazetteer entity and no entity "
            "rule gives a mention of type %s for slot '%s'",
            r->id, kg_rule_type_name(rs, t), s->name ? s->name : "?");
    n++;
  }
  return n;
}

/* hash: a hash of each rule's source (NULL when out of memory), so that
 * only rules with equal hashes compare their sources. */
static size_t lint_shadowed(const KgRuleSet *rs, size_t k, const uint64_t *hash,
                            KgMessageFunc on_msg, void *ctx) {
  const KgRule *r = &rs->rules.items[k];
  for (size_t i = 0; i < k; i++) {
    const KgRule *e = &rs->rules.items[i];
    if ((!hash || hash[i] == hash[k]) && strcmp(e->source, r->source) == 0 &&
        e->guards.len == 0) {
      kg_warn(on_msg, ctx, r->file, r->line, 0,
              "rule '%s' has the same pattern as rule '%s' (%s:%u)", r->id,
              e->id, e->file, e->line);
      return 1;
    }
  }
  return 0;
}

/* "A|B" for a bit set of types (into buf). */
static const char *type_list(const KgRuleSet *rs, uint32_t types, char *buf,
                             size_t size) {
  size_t w = 0;
  buf[0] = '\0';
  for (int t = 0; t < (int)KG_MAX_TYPES && w < size; t++)
    if (types & (1u << t))
      w += (size_t)snprintf(buf + w, size - w, "%s%s", w ? "|" : "",
                            kg_rule_type_name(rs, t));
  return buf;
}

/* The types an emit argument may have. */
static uint32_t arg_types(const KgRuleSet *rs, const KgRule *r,
                          const KgArg *a) {
  if (a->kind == KG_ARG_SLOT)
    return r->slots.items[a->index].types;
  const KgEntityDef *e = kg_gazetteer_entity(rs->gaz, (uint32_t)a->index);
  return e && e->type >= 0 && e->type < (int)KG_MAX_TYPES ? 1u << e->type : 0;
}

/* One end of an emit against the predicate's domain or range. */
static size_t lint_end(const KgRuleSet *rs, const KgRule *r, const KgArg *a,
                       const KgVocabTerm *p, bool subject, KgMessageFunc on_msg,
                       void *ctx) {
  uint32_t allowed = subject ? p->domain : p->range;
  uint32_t outside = allowed ? arg_types(rs, r, a) & ~allowed : 0;
  if (!outside)
    return 0;
  char name[160], got[256], want[256];
  if (a->kind == KG_ARG_SLOT)
    snprintf(name, sizeof name, "slot '%s'", r->slots.items[a->index].name);
  else
    snprintf(name, sizeof name, "entity %s",
             kg_gazetteer_entity(rs->gaz, (uint32_t)a->index)->key);
  kg_warn(on_msg, ctx, r->file, r->line, 0,
          "rule '%s': the %s of %s, %s, may be %s: outside its %s (%s)", r->id,
          subject ? "subject" : "object", p->name, name,
          type_list(rs, outside, got, sizeof got),
          subject ? "rdfs:domain" : "rdfs:range",
          type_list(rs, allowed, want, sizeof want));
  return 1;
}

/* Emits whose slot types do not fit the predicate's domain and range. */
static size_t lint_emits(const KgRuleSet *rs, const KgRule *r,
                         KgMessageFunc on_msg, void *ctx) {
  size_t n = 0;
  for (size_t i = 0; i < r->emits.len; i++) {
    const KgEmit *e = &r->emits.items[i];
    const KgVocabTerm *p =
        e->tag ? NULL
               : kg_ontology_predicate_at(rs->onto, (size_t)e->predicate);
    if (!p)
      continue;
    n += lint_end(rs, r, &e->subject, p, true, on_msg, ctx);
    n += lint_end(rs, r, &e->object, p, false, on_msg, ctx);
  }
  return n;
}

/* `implied P` with no P relation in the gazetteer gives nothing. */
static size_t lint_implied(const KgRuleSet *rs, KgMessageFunc on_msg,
                           void *ctx) {
  size_t n = 0, n_ent = rs->gaz ? kg_gazetteer_size(rs->gaz) : 0;
  for (size_t i = 0; i < rs->implied.len; i++) {
    const KgRule *r = &rs->implied.items[i];
    size_t found = 0;
    for (uint32_t k = 0; !found && k < n_ent; k++) {
      size_t m = 0;
      const KgEntityRelation *x = kg_gazetteer_relations(rs->gaz, k, &m);
      for (size_t j = 0; j < m; j++)
        found += x[j].predicate == r->emits.items[0].predicate;
    }
    if (!found) {
      kg_warn(on_msg, ctx, r->file, r->line, 0,
              "'%s' gives nothing: the gazetteer declares no such relation",
              r->id);
      n++;
    }
  }
  return n;
}

/* The types some predicate accepts as subject or object (a domain or range
 * of 0 means any type). */
static uint32_t predicate_types(const KgOntology *onto) {
  uint32_t types = 0;
  for (size_t i = 0; i < kg_ontology_n_predicates(onto); i++) {
    const KgVocabTerm *p = kg_ontology_predicate_at(onto, i);
    if (!p->domain || !p->range)
      return ~0u;
    types |= p->domain | p->range;
  }
  return types;
}

size_t kg_ruleset_lint(const KgRuleSet *rs, KgMessageFunc on_msg, void *ctx) {
  if (!rs)
    return 0;
  uint32_t gaz_types, made = producible_types(rs, &gaz_types), used = 0;
  size_t n = 0;
  uint64_t *hash = kg_malloc((rs->rules.len + 1) * sizeof *hash);
  for (size_t i = 0; hash && i < rs->rules.len; i++)
    hash[i] =
        kg_hash64(rs->rules.items[i].source, strlen(rs->rules.items[i].source));
  for (size_t i = 0; i < rs->rules.len; i++) {
    const KgRule *r = &rs->rules.items[i];
    n += lint_slots(rs, r, made, on_msg, ctx);
    n += lint_shadowed(rs, i, hash, on_msg, ctx);
    n += lint_emits(rs, r, on_msg, ctx);
    for (size_t k = 0; k < r->slots.len; k++)
      used |= r->slots.items[k].types;
  }
  kg_free(hash);
  /* A type no predicate takes (an Event, when no predicate has Event in
   * its domain or range) is there for the gazetteer's sake: no rule could
   * use it, so its absence from the rules is no mistake. */
  uint32_t usable = predicate_types(rs->onto);
  for (int t = 0; t < (int)KG_MAX_TYPES; t++)
    if ((gaz_types & usable & (1u << t)) && !(used & (1u << t))) {
      kg_warn(on_msg, ctx, NULL, 0, 0,
              "gazetteer entities of type %s are used by no rule",
              kg_rule_type_name(rs, t));
      n++;
    }
  return n + lint_implied(rs, on_msg, ctx);
}
