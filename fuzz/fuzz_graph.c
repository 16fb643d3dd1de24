/*
 * fuzz_graph.c — libFuzzer target for the graph reader behind `kg diff`
 * and `kg render`: the input is a graph (the first byte picks Turtle,
 * N-Triples or N-Quads by the file's extension) diffed against a fixed
 * small graph (fuzz/data/small.ttl) in both directions, with every report
 * rendered.  A graph diffed against itself must come out empty.
 */
#include "graph_diff.h"
#include "util.h"

#include "fuzz_common.h"

static const char *const names[] = {"in.ttl", "in.nt", "in.nq"};

static void reports(const KgGraphDiff *d) {
  char *out = NULL;
  size_t len = 0;
  if (kg_graph_diff_text(d, true, &out, &len) == KG_SUCCESS && !out)
    abort();
  kg_free(out);
  out = NULL;
  if (kg_graph_diff_stat_text(d, &out, &len) == KG_SUCCESS && !out)
    abort();
  kg_free(out);
  out = NULL;
  if (kg_graph_diff_patch(d, &out, &len) == KG_SUCCESS && !out)
    abort();
  kg_free(out);
  kg_graph_diff_stats(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  const char *path = fuzz_write(names[data[0] % 3], data + 1, size - 1);
  KgGraphDiff *d = NULL;
  KgError err = {0};
  KgStatus st = kg_graph_diff_files(KG_FUZZ_DATA "/small.ttl", path, &d, &err);
  if (st != KG_SUCCESS) {
    if (!err.message[0])
      abort();
    kg_graph_diff_free(d);
    return 0;
  }
  reports(d);
  kg_graph_diff_free(d);
  d = NULL;
  if (kg_graph_diff_files(path, path, &d, &err) != KG_SUCCESS)
    abort(); /* it parsed a moment ago */
  if (!kg_graph_diff_empty(d))
    abort();
  reports(d);
  kg_graph_diff_free(d);
  return 0;
}
