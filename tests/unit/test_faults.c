/*
 * Fault injection: whole operations run again and again with the Nth
 * library allocation failing (kg_alloc_fail_after), for every N up to a
 * bound and then with a stride, until a run no longer reaches the failure.
 * Each run must return an error status with a message (or succeed when the
 * failure was not reached), never crash, and leak nothing (ASan/LSan in
 * CI), and a failed build must leave no temporary file behind.  Failing
 * output: a build into a folder that cannot be made gives KG_ERR_IO naming
 * the path.
 */
#include "graph_diff.h"
#include "kg.h"
#include "util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAULT_RULES "tests/bad_input/rules"
#define FAULT_DOCS "tests/bad_input/faults/docs"
#ifndef FAULT_FORMATS /* -D to narrow a run while hunting one bug */
#define FAULT_FORMATS (KG_FORMAT_TTL | KG_FORMAT_DOT | KG_FORMAT_SVG)
#endif

/* Every N is tried up to this many, then about STRIDED more spread out. */
enum { EVERY = 300, STRIDED = 200 };

static void ignore(void *ctx, const KgError *msg) {
  (void)ctx;
  (void)msg;
}

/* One run of the operation under test; returns its status and fills err. */
typedef KgStatus (*Operation)(void *ctx, KgError *err);

/* Does folder dir hold a name with "tmp" in it? */
static bool has_tmp(const char *dir) {
  DIR *d = opendir(dir);
  bool found = false;
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL)
    found |= strstr(e->d_name, "tmp") != NULL;
  if (d)
    closedir(d);
  return found;
}

/* Allocation numbers whose failure came back without a message: kept to
 * report them all at the end rather than stop at the first. */
typedef struct {
  long at[16];
  size_t n;
} Silent;

/* Run op with the allocation after n failing.  Returns true when the
 * failure was reached (the run made more than n allocations). */
static bool run_failing_at(Operation op, void *ctx, long n, Silent *silent) {
  KgError err = {0};
  kg_alloc_fail_after(n);
  KgStatus st = op(ctx, &err);
  long made = kg_alloc_fail_after(-1);
  bool hit = made > n;
  if (hit)
    cr_assert_neq(st, KG_SUCCESS, "allocation %ld failed but the run succeeded",
                  n + 1);
  else
    cr_assert_eq(st, KG_SUCCESS, "run without failure gave %s: %s",
                 kg_strstatus(st), err.message);
  if (st != KG_SUCCESS && !err.message[0] &&
      silent->n < sizeof silent->at / sizeof *silent->at)
    silent->at[silent->n++] = n + 1;
  return hit;
}

/* The sweep: every n below EVERY, then a stride over the rest of the
 * allocations a clean run makes.  Returns the number of runs. */
static long sweep(Operation op, void *ctx) {
  KgError err = {0};
  kg_alloc_fail_after(-1);
  cr_assert_eq(op(ctx, &err), KG_SUCCESS, "clean run: %s", err.message);
  long total = kg_alloc_fail_after(-1);
  cr_assert_gt(total, 0, "the operation allocates nothing");
  long stride = total > EVERY ? (total - EVERY) / STRIDED + 1 : 1;
  long runs = 0, n = 0;
  Silent silent = {.n = 0};
  while (run_failing_at(op, ctx, n, &silent)) {
    n += n < EVERY ? 1 : stride;
    runs++;
  }
  cr_assert_geq(n, total, "run %ld succeeded before the clean count %ld", n,
                total);
  char list[256] = "";
  for (size_t i = 0; i < silent.n; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), " %ld",
             silent.at[i]);
  cr_expect_eq(silent.n, 0,
               "%zu+ failures returned no message; failing allocation:%s",
               silent.n, list);
  return runs;
}

/* ------------------------------------------------------------- builds */

typedef struct {
  char out[64];
} BuildCtx;

static KgStatus op_build(void *ctx, KgError *err) {
  BuildCtx *b = ctx;
  const char *inputs[] = {FAULT_DOCS};
  KgBuildOptions o = {0};
  o.rules_dir = FAULT_RULES;
  o.out_dir = b->out;
  o.inputs = inputs;
  o.n_inputs = 1;
  o.formats = FAULT_FORMATS;
  o.threads = 1; /* one order of allocations, so N means the same thing */
  o.on_msg = ignore;
  KgBuildStats stats;
  KgStatus st = kg_build(&o, &stats, err);
  cr_assert_not(has_tmp(b->out), "temporary file left in %s", b->out);
  return st;
}

Test(faults, build_every_allocation, .timeout = 1200) {
  BuildCtx b;
  snprintf(b.out, sizeof b.out, "/tmp/kg-faults.XXXXXX");
  cr_assert_not_null(mkdtemp(b.out));
  long runs = sweep(op_build, &b);
  cr_log_info("kg_build: %ld runs with a failing allocation", runs);
  /* The last run succeeded: the graph is there and holds the fact. */
  char path[128], *ttl = NULL;
  size_t len;
  snprintf(path, sizeof path, "%s/graph.ttl", b.out);
  cr_assert_eq(kg_read_file(path, 1 << 24, &ttl, &len, NULL), KG_SUCCESS);
  cr_assert(strstr(ttl, "releases"), "graph.ttl lacks the fact");
  kg_free(ttl);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", b.out);
  cr_assert_eq(system(cmd), 0);
}

/* ---------------------------------------------------- rules and diffs */

static KgStatus op_rules(void *ctx, KgError *err) {
  (void)ctx;
  KgRules *r = NULL;
  KgStatus st = kg_rules_load(FAULT_RULES, ignore, NULL, &r, err);
  if (st == KG_SUCCESS)
    cr_assert_gt(kg_rules_count(r), 0);
  else
    cr_assert_null(r, "a failed load still returned a rule set");
  kg_rules_free(r);
  return st;
}

Test(faults, rules_load_every_allocation, .timeout = 600) {
  sweep(op_rules, NULL);
}

static KgStatus op_diff(void *ctx, KgError *err) {
  (void)ctx;
  KgGraphDiff *d = NULL;
  KgStatus st = kg_graph_diff_files(
      "fuzz/data/small.ttl", "tests/bad_input/ttl_syntax/old.ttl", &d, err);
  char *text = NULL;
  size_t len;
  if (st == KG_SUCCESS && (st = kg_graph_diff_text(d, false, &text, &len)))
    kg_error_set(err, st, NULL, 0, 0, "diff text: %s", kg_strstatus(st));
  kg_free(text);
  text = NULL;
  if (st == KG_SUCCESS && (st = kg_graph_diff_patch(d, &text, &len)))
    kg_error_set(err, st, NULL, 0, 0, "diff patch: %s", kg_strstatus(st));
  kg_free(text);
  kg_graph_diff_free(d);
  return st;
}

Test(faults, graph_diff_every_allocation, .timeout = 600) {
  sweep(op_diff, NULL);
}

/* --------------------------------------------------------- bad output */

/* An output folder whose parent is a regular file cannot be made, even by
 * root: the build fails with KG_ERR_IO and names the path. */
Test(faults, output_folder_cannot_be_made) {
  char dir[64], out[128];
  snprintf(dir, sizeof dir, "/tmp/kg-faults.XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  snprintf(out, sizeof out, "%s/file/out", dir);
  char file[96];
  snprintf(file, sizeof file, "%s/file", dir);
  FILE *f = fopen(file, "w");
  cr_assert_not_null(f);
  fclose(f);
  const char *inputs[] = {FAULT_DOCS};
  KgBuildOptions o = {0};
  o.rules_dir = FAULT_RULES;
  o.out_dir = out;
  o.inputs = inputs;
  o.n_inputs = 1;
  o.on_msg = ignore;
  KgBuildStats stats;
  KgError err = {0};
  cr_assert_eq(kg_build(&o, &stats, &err), KG_ERR_IO, "%s", err.message);
  cr_assert(strstr(err.file, dir) || strstr(err.message, dir),
            "error does not name the path: %s: %s", err.file, err.message);
  unlink(file);
  rmdir(dir);
}

/* Without root, a read-only output folder is refused the same way. */
Test(faults, output_folder_read_only) {
  if (geteuid() == 0)
    cr_skip_test("root writes into read-only folders");
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/kg-faults.XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
  chmod(dir, 0555);
  const char *inputs[] = {FAULT_DOCS};
  KgBuildOptions o = {0};
  o.rules_dir = FAULT_RULES;
  o.out_dir = dir;
  o.inputs = inputs;
  o.n_inputs = 1;
  o.on_msg = ignore;
  KgBuildStats stats;
  KgError err = {0};
  KgStatus st = kg_build(&o, &stats, &err);
  chmod(dir, 0755);
  cr_assert_eq(st, KG_ERR_IO, "%s", err.message);
  cr_assert(strstr(err.file, dir) || strstr(err.message, dir), "%s: %s",
            err.file, err.message);
  cr_assert_not(has_tmp(dir));
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_assert_eq(system(cmd), 0);
}
