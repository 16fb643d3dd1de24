/*
 * graph_diff.h — what changed between two graphs.
 *
 * Two layers.  The semantic layer reads both graphs as kg graphs (facts,
 * evidence, entities, labels, documents) and reports changes in those
 * terms.  The triple layer compares the graphs as sets of triples (quads),
 * blank nodes relabelled canonically so that graphs equal up to blank-node
 * renaming and order compare equal; it yields the RDF Patch and reports
 * the triples the semantic layer does not cover (graphs of other tools).
 */
#ifndef KG_GRAPH_DIFF_H
#define KG_GRAPH_DIFF_H

#include "fact_store.h"
#include "kg.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct KgGraphDiff KgGraphDiff;

/** Counts of a diff, for --stat and --json. */
typedef struct {
  size_t facts_added, facts_removed;
  size_t evidence_added, evidence_removed;
  size_t entities_added, entities_removed, labels_changed;
  size_t documents_added, documents_removed, documents_changed;
  size_t triples_added, triples_removed; /* all, as in the patch */
  size_t other_added, other_removed;     /* not covered by facts */
} KgDiffStats;

/** Compare the graphs in two files (syntax by extension).  Parse errors
 * come back with file:line:col.  *out: free with kg_graph_diff_free. */
KgStatus kg_graph_diff_files(const char *old_path, const char *new_path,
                             KgGraphDiff **out, KgError *err);
void kg_graph_diff_free(KgGraphDiff *d);

/** True when the graphs are equal (up to blank-node renaming). */
bool kg_graph_diff_empty(const KgGraphDiff *d);
KgDiffStats kg_graph_diff_stats(const KgGraphDiff *d);

/** The text report: one line a change, grouped and sorted; with color,
 * ANSI colours (+ green, - red, ~ yellow).  *out: caller frees. */
KgStatus kg_graph_diff_text(const KgGraphDiff *d, bool color, char **out,
                            size_t *len);
/** The counts only, one line a group.  *out: caller frees. */
KgStatus kg_graph_diff_stat_text(const KgGraphDiff *d, char **out, size_t *len);
/** RDF Patch (TX, D and A rows, TC) that turns OLD into NEW. */
KgStatus kg_graph_diff_patch(const KgGraphDiff *d, char **out, size_t *len);

/** One picture of both graphs ("dot", "svg" or "png"): added elements
 * green, removed red and dashed, unchanged grey.  *out: caller frees. */
KgStatus kg_graph_diff_picture(const KgGraphDiff *d, const char *format,
                               char **out, size_t *len, KgError *err);

/** The two graphs as kg fact stores. */
const KgFactStore *kg_graph_diff_old(const KgGraphDiff *d);
const KgFactStore *kg_graph_diff_new(const KgGraphDiff *d);

#endif
