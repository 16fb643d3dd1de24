/*
 * dot_writer.h — the fact store as a Graphviz graph built with cgraph,
 * styled by type, predicate and stance, laid out and rendered with gvc.
 */
#ifndef KG_DOT_WRITER_H
#define KG_DOT_WRITER_H

#include "fact_store.h"
#include "kg.h"

/** Past this many nodes the automatic layout switches from dot to sfdp. */
#define KG_DOT_MAX_NODES 150

typedef struct {
  const char *layout;     /* "dot", "sfdp", ...; NULL: automatic */
  const char *focus;      /* entity key, label or alias (ASCII case
                             ignored); NULL: whole graph */
  unsigned depth;         /* with focus: hops kept (default 1) */
  const char *predicates; /* comma list to keep; NULL: all */
  const char *types;      /* comma list of entity types to keep; NULL: all */
  unsigned min_support;   /* drop facts with fewer evidence sentences */
  /* A diff picture: the store drawn is the union of these two; what only
   * new has is green, what only old has red and dashed, the rest grey. */
  const KgFactStore *diff_old, *diff_new;
} KgDotOptions;

/** Sentences shown in an edge's tooltip: the graph of a build keeps no
 * more evidence per fact than this. */
#define KG_DOT_MAX_EVIDENCE 5

/** The drawing options of a view (defaults filled in). */
void kg_dot_options_from_view(const KgViewOptions *v, KgDotOptions *d);

/**
 * Render fs as format "dot" (the DOT source, not laid out), "svg" or
 * "png".  opts may be NULL (everything, automatic layout).  Only facts
 * whose two entities are in fs are drawn; entities without a drawn fact
 * are left out, except the focus.  A focus that matches no entity gives
 * KG_ERR_BAD_ARG.  Safe to call from several threads (Graphviz work is
 * serialised inside).  *data: caller frees with kg_free.
 */
KgStatus kg_dot_render(const KgFactStore *fs, const KgDotOptions *opts,
                       const char *format, char **data, size_t *len,
                       KgError *err);

#endif
