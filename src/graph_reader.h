/*
 * graph_reader.h — reading a graph kg wrote (Turtle, N-Triples, N-Quads)
 * back into a fact store, for `kg render` and `kg diff`.
 */
#ifndef KG_GRAPH_READER_H
#define KG_GRAPH_READER_H

#include "fact_store.h"
#include "kg.h"

/** Add the entities, documents and facts (with qualifiers and evidence)
 * of the graph at path to fs.  Parse errors carry file:line:col. */
KgStatus kg_graph_read(const char *path, KgFactStore *fs, KgError *err);

#endif
