/*
 * rule_lint.c — `kg check` warnings about a loaded rule set: slots no
 * mention can ever fill, rules whose pattern repeats an earlier one (the
 * later can only add what the earlier already gives), and gazetteer types
 * that no rule looks at.  Warnings only; the rule set stays usable.
 */
#include "rule.h"

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

static size_t lint_shadowed(const KgRuleSet *rs, size_t k, KgMessageFunc on_msg,
                            void *ctx) {
  const KgRule *r = &rs->rules.items[k];
  for (size_t i = 0; i < k; i++) {
    const KgRule *e = &rs->rules.items[i];
    if (strcmp(e->source, r->source) == 0 && e->guards.len == 0) {
      kg_warn(on_msg, ctx, r->file, r->line, 0,
              "rule '%s' has the same pattern as rule '%s' (%s:%u)", r->id,
              e->id, e->file, e->line);
      return 1;
    }
  }
  return 0;
}

size_t kg_ruleset_lint(const KgRuleSet *rs, KgMessageFunc on_msg, void *ctx) {
  if (!rs)
    return 0;
  uint32_t gaz_types, made = producible_types(rs, &gaz_types), used = 0;
  size_t n = 0;
  for (size_t i = 0; i < rs->rules.len; i++) {
    const KgRule *r = &rs->rules.items[i];
    n += lint_slots(rs, r, made, on_msg, ctx);
    n += lint_shadowed(rs, i, on_msg, ctx);
    for (size_t k = 0; k < r->slots.len; k++)
      used |= r->slots.items[k].types;
  }
  for (int t = 0; t < (int)KG_MAX_TYPES; t++)
    if ((gaz_types & (1u << t)) && !(used & (1u << t))) {
      kg_warn(on_msg, ctx, NULL, 0, 0,
              "gazetteer entities of type %s are used by no rule",
              kg_rule_type_name(rs, t));
      n++;
    }
  return n;
}
