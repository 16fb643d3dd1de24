/*
 * rule_parser.h — reading *.rules files (docs/rules.md) into a compiled
 * rule set: named sets, vocabularies, references, open-class entity rules
 * and extraction rules, each extraction rule compiled to one PCRE2 pattern.
 */
#ifndef KG_RULE_PARSER_H
#define KG_RULE_PARSER_H

#include "gazetteer.h"
#include "kg.h"
#include "normalizer.h"
#include "ontology.h"

#include <stddef.h>

typedef struct KgRuleSet KgRuleSet;

/**
 * Load every *.rules file of dir (byte order of names) with its includes.
 * The gazetteer, ontology and normaliser must outlive the rule set.  Every
 * error and warning goes to on_msg (file:line:col, context line for the
 * caret); err receives the first error.  Fails when any error was found.
 */
KgStatus kg_ruleset_load(const char *dir, const KgOntology *onto,
                         const KgGazetteer *gaz, const KgNormalizer *norm,
                         KgMessageFunc on_msg, void *ctx, KgRuleSet **out,
                         KgError *err);
/** The same for one file (tests, fuzzing). */
KgStatus kg_ruleset_load_file(const char *path, const KgOntology *onto,
                              const KgGazetteer *gaz, const KgNormalizer *norm,
                              KgMessageFunc on_msg, void *ctx, KgRuleSet **out,
                              KgError *err);
void kg_ruleset_free(KgRuleSet *rs);

/** Number of extraction rules. */
size_t kg_ruleset_size(const KgRuleSet *rs);

/** Warnings for `kg check`: rules that can never match, shadowed rules,
 * gazetteer entities of types no rule uses.  Returns the count. */
size_t kg_ruleset_lint(const KgRuleSet *rs, KgMessageFunc on_msg, void *ctx);

#endif
