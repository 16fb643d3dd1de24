/*
 * build.h — the pipeline as the CLI and the tests reach it beyond kg.h:
 * building into a fact store that the caller keeps (for `--diff-against`
 * and `--json` counts) and the rule set's ontology.
 */
#ifndef KG_BUILD_H
#define KG_BUILD_H

#include "fact_store.h"
#include "kg.h"
#include "ontology.h"

/** Read and extract every input of opts into graph (sorted on return),
 * without writing any output. */
KgStatus kg_build_graph(const KgBuildOptions *opts, const KgRules *rules,
                        KgFactStore *graph, KgBuildStats *stats, KgError *err);

/** The ontology a rule set was loaded with. */
const KgOntology *kg_rules_ontology(const KgRules *rules);

#endif
