/* Unit tests for dot_writer.c: styling by type, predicate and stance, the
 * filters, escaping of hostile text, and DOT, SVG and PNG outputs checked
 * with the real tools (dot -Tcanon, xmllint). */
#include "dot_writer.h"
#include "util.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void add_ev(KgFactStore *fs, const char *s, const char *p, const char *o,
                   const char *q, const char *doc, size_t sentence,
                   const char *text) {
  KgEvidence ev = {doc, sentence, 0, 5, 0, 40, text, "en", "test-rule"};
  cr_assert_eq(kg_fact_store_add_fact(fs, s, p, o, q, &ev), KG_SUCCESS);
}

/* The small world every test draws.  Sentences are made up for the test. */
static KgFactStore *make_store(void) {
  KgFactStore *fs = kg_fact_store_new();
  cr_assert_not_null(fs);
  kg_fact_store_add_entity(fs, "Baidu", "Baidu", "Organization", "百度");
  kg_fact_store_add_entity(fs, "RobinLi", "Robin Li", "Person", "李彦宏");
  kg_fact_store_add_entity(fs, "ErnieBot", "ERNIE Bot", "Model", "文心一言");
  kg_fact_store_add_entity(fs, "OpenSource", "open-source", "Stance", "开源");
  kg_fact_store_add_entity(fs, "ClosedSource", "closed-source", "Stance",
                           "闭源");
  kg_fact_store_add_entity(fs, "Meta", "Meta", "Organization", NULL);
  kg_fact_store_add_entity(fs, "Llama2", "Llama 2", "Model", NULL);
  kg_fact_store_add_entity(fs, "Lonely", "Lonely Tool", "Product", NULL);
  add_ev(fs, "Baidu", "releases", "ErnieBot", "closed-source", "news/b.txt", 0,
         "Baidu put out ERNIE Bot as a closed service.");
  for (size_t i = 1; i <= 3; i++)
    add_ev(fs, "RobinLi", "advocates", "ClosedSource", NULL, "news/li.txt", i,
           "Robin Li argued that closed models will pull ahead.");
  add_ev(fs, "Meta", "advocates", "OpenSource", NULL, "news/m.txt", 0,
         "Meta keeps betting on open weights.");
  add_ev(fs, "Meta", "releases", "Llama2", "open-weights", "news/m.txt", 1,
         "Meta shared Llama 2 with researchers.");
  add_ev(fs, "RobinLi", "founderOf", "Baidu", NULL, "news/b.txt", 2,
         "Robin Li started Baidu in 2000.");
  add_ev(fs, "RobinLi", "worksFor", "Baidu", "CEO", "news/b.txt", 3,
         "Robin Li runs Baidu as its chief executive.");
  kg_fact_store_sort(fs);
  return fs;
}

static char *render(const KgFactStore *fs, const KgDotOptions *o,
                    const char *format, size_t *len) {
  char *data = NULL;
  size_t n = 0;
  KgError err = {0};
  KgStatus st = kg_dot_render(fs, o, format, &data, &n, &err);
  cr_assert_eq(st, KG_SUCCESS, "render %s: %s", format, err.message);
  cr_assert_not_null(data);
  cr_assert_gt(n, 0);
  if (len)
    *len = n;
  return data;
}

/* The DOT statement (agwrite ends each with "];\n") holding both needles;
 * NULL when none.  Caller frees. */
static char *stmt_with(const char *dot, const char *a, const char *b) {
  const char *start = dot;
  for (const char *end; (end = strstr(start, "];\n")); start = end + 3) {
    char *stmt = kg_strndup(start, (size_t)(end - start) + 2);
    for (char *w; (w = strstr(stmt, "\\\n"));) /* agwrite's line breaks */
      memmove(w, w + 2, strlen(w + 2) + 1);
    if (strstr(stmt, a) && (!b || strstr(stmt, b)))
      return stmt;
    kg_free(stmt);
  }
  return NULL;
}

static void assert_stmt_has(const char *dot, const char *a, const char *b,
                            const char *want) {
  char *stmt = stmt_with(dot, a, b);
  cr_assert_not_null(stmt, "no statement with %s %s", a, b ? b : "");
  cr_assert_not_null(strstr(stmt, want), "%s lacks %s", stmt, want);
  kg_free(stmt);
}

static double penwidth(const char *dot, const char *from, const char *to) {
  char *stmt = stmt_with(dot, from, to);
  cr_assert_not_null(stmt);
  const char *p = strstr(stmt, "penwidth=");
  cr_assert_not_null(p, "%s", stmt);
  double w = atof(p + strlen("penwidth="));
  kg_free(stmt);
  return w;
}

/* Write data to a new temporary file with suffix; returns its path. */
static char *temp_file(const char *data, size_t len, const char *suffix) {
  char *path = kg_strfmt("/tmp/kg_test_dot_XXXXXX%s", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, data, len), (ssize_t)len);
  close(fd);
  return path;
}

/* Run cmd with %s replaced by a file holding data; returns exit status. */
static int run_on(const char *cmd, const char *data, size_t len,
                  const char *suffix) {
  char *path = temp_file(data, len, suffix);
  char *line = kg_strfmt(cmd, path);
  int rc = system(line);
  unlink(path);
  kg_free(line);
  kg_free(path);
  return rc;
}

Test(dot, nodes_styled_by_type) {
  KgFactStore *fs = make_store();
  char *dot = render(fs, NULL, "dot", NULL);
  assert_stmt_has(dot, "\te_Baidu_", "class=Organization", "shape=box");
  assert_stmt_has(dot, "\te_Baidu_", "class=Organization",
                  "label=\"Baidu\\n百度\"");
  assert_stmt_has(dot, "\te_ErnieBot_", "class=Model", "shape=hexagon");
  assert_stmt_has(dot, "\te_RobinLi_", "class=Person", "tooltip=\"Robin Li");
  assert_stmt_has(dot, "\te_OpenSource_", "class=Stance", "shape=octagon");
  assert_stmt_has(dot, "\te_OpenSource_", "class=Stance", "#1b8a2f");
  assert_stmt_has(dot, "\te_ClosedSource_", "class=Stance", "#c62828");
  assert_stmt_has(dot, "\te_Baidu_", "class=Organization", "id=e_Baidu_");
  cr_assert_not_null(strstr(dot, "fontname=\"Noto Sans CJK SC\""));
  cr_assert_null(strstr(dot, "Lonely"), "isolated entities are dropped");
  kg_free(dot);
  kg_fact_store_free(fs);
}

Test(dot, edges_show_qualifier_stance_and_support) {
  KgFactStore *fs = make_store();
  char *dot = render(fs, NULL, "dot", NULL);
  assert_stmt_has(dot, "class=releases", "e_ErnieBot_",
                  "label=\"releases · closed-source\"");
  assert_stmt_has(dot, "class=worksFor", NULL, "label=\"worksFor · CEO\"");
  assert_stmt_has(dot, "\te_RobinLi_", "-> e_ClosedSource_",
                  "color=\"#c62828\"");
  assert_stmt_has(dot, "\te_Meta_", "-> e_OpenSource_", "color=\"#1b8a2f\"");
  assert_stmt_has(dot, "class=advocates", "e_ClosedSource_", "id=f_advocates_");
  double w3 = penwidth(dot, "\te_RobinLi_", "-> e_ClosedSource_");
  double w1 = penwidth(dot, "\te_Meta_", "-> e_OpenSource_");
  cr_assert_float_eq(w1, 1.0, 0.01);
  cr_assert_float_eq(w3, 2.58, 0.01);
  assert_stmt_has(dot, "\te_RobinLi_", "-> e_ClosedSource_",
                  "news/li.txt#2: Robin Li argued");
  kg_free(dot);
  kg_fact_store_free(fs);
}

Test(dot, legend_lists_types_and_advocates_colours) {
  KgFactStore *fs = make_store();
  char *dot = render(fs, NULL, "dot", NULL);
  cr_assert_not_null(strstr(dot, "subgraph cluster_legend {"));
  assert_stmt_has(dot, "\tlegend_Organization", NULL, "shape=box");
  assert_stmt_has(dot, "\tlegend_Model", NULL, "shape=hexagon");
  assert_stmt_has(dot, "\tlegend_Stance_open", NULL, "#1b8a2f");
  assert_stmt_has(dot, "legend_advocates -> legend_Stance_closed", NULL,
                  "color=\"#c62828\"");
  cr_assert_null(strstr(dot, "legend_Event"), "no Event drawn, none shown");
  kg_free(dot);
  kg_fact_store_free(fs);
}

Test(dot, same_store_same_bytes_and_dot_accepts_it) {
  KgFactStore *fs = make_store();
  size_t n1, n2;
  char *a = render(fs, NULL, "dot", &n1), *b = render(fs, NULL, "dot", &n2);
  cr_assert_eq(n1, n2);
  cr_assert_eq(memcmp(a, b, n1), 0);
  cr_assert_eq(run_on("dot -Tcanon %s > /dev/null", a, n1, ".dot"), 0);
  kg_free(a);
  kg_free(b);
  kg_fact_store_free(fs);
}

Test(dot, svg_has_tooltips_classes_and_is_xml) {
  KgFactStore *fs = make_store();
  size_t n;
  char *svg = render(fs, NULL, "svg", &n);
  cr_assert_not_null(strstr(svg, "<svg"));
  const char *tip = strstr(svg, "xlink:title=\"Robin Li advocates");
  cr_assert_not_null(tip);
  cr_assert_not_null(strstr(tip, "Robin Li argued that closed models"));
  cr_assert_not_null(strstr(svg, "class=\"node Organization\""));
  cr_assert_not_null(strstr(svg, "class=\"edge advocates\""));
  cr_assert_not_null(strstr(svg, "百度"));
  cr_assert_eq(run_on("xmllint --noout %s", svg, n, ".svg"), 0);
  kg_free(svg);
  kg_fact_store_free(fs);
}

Test(dot, png_has_signature) {
  KgFactStore *fs = make_store();
  size_t n;
  char *png = render(fs, NULL, "png", &n);
  cr_assert_gt(n, 8);
  cr_assert_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
  kg_free(png);
  kg_fact_store_free(fs);
}

/* Quotes, trailing backslashes, markup, entity references and control
 * characters in every string that reaches Graphviz. */
Test(dot, hostile_text_stays_valid) {
  KgFactStore *fs = kg_fact_store_new();
  const char *bad = "He said \"hi\" <b>&amp;</b> &#1; \x01\x02\x1f tab\tx\\";
  kg_fact_store_add_entity(fs, "bad key/\"q\"\\", bad, "Organization",
                           "别名\\");
  kg_fact_store_add_entity(fs, "other\\", "ends with \\", "Person", NULL);
  add_ev(fs, "other\\", "worksFor", "bad key/\"q\"\\", "role\\\"\n",
         "dir\\doc\".txt", 0, "line one\nline \x0b two & <three> \\");
  kg_fact_store_sort(fs);
  size_t n;
  char *dot = render(fs, NULL, "dot", &n);
  cr_assert_eq(run_on("dot -Tcanon %s > /dev/null", dot, n, ".dot"), 0);
  cr_assert_null(memchr(dot, '\x01', n));
  cr_assert_null(memchr(dot, '\x0b', n));
  cr_assert_not_null(strstr(dot, "&amp;#1;"), "entities are not expanded");
  cr_assert_not_null(strstr(dot, "label=\"ends with \\\\\""),
                     "a trailing backslash is doubled");
  kg_free(dot);
  char *svg = render(fs, NULL, "svg", &n);
  cr_assert_eq(run_on("xmllint --noout %s", svg, n, ".svg"), 0);
  cr_assert_null(memchr(svg, '\x01', n));
  cr_assert_null(strstr(svg, "&#1;"));
  kg_free(svg);
  kg_fact_store_free(fs);
}

Test(dot, focus_keeps_the_neighbourhood) {
  KgFactStore *fs = make_store();
  KgDotOptions o = {.focus = "ERNIE Bot", .depth = 1};
  char *dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "\te_ErnieBot_"));
  cr_assert_not_null(strstr(dot, "\te_Baidu_"));
  cr_assert_null(strstr(dot, "e_RobinLi_"));
  cr_assert_null(strstr(dot, "e_Meta_"));
  kg_free(dot);
  o.focus = "文心一言"; /* by alias */
  o.depth = 2;
  dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "\te_RobinLi_"));
  cr_assert_not_null(strstr(dot, "class=founderOf"));
  cr_assert_null(strstr(dot, "e_ClosedSource_"), "three hops away");
  cr_assert_null(strstr(dot, "e_Meta_"));
  kg_free(dot);
  o.focus = "lonely tool"; /* the focus stays even alone */
  dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "\te_Lonely_"));
  kg_free(dot);
  KgError err = {0};
  char *data = NULL;
  o.focus = "Nobody";
  cr_assert_eq(kg_dot_render(fs, &o, "dot", &data, NULL, &err), KG_ERR_BAD_ARG);
  cr_assert_null(data);
  cr_assert_not_null(strstr(err.message, "Nobody"));
  kg_fact_store_free(fs);
}

Test(dot, predicate_type_and_support_filters) {
  KgFactStore *fs = make_store();
  KgDotOptions o = {.predicates = "advocates"};
  char *dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "class=advocates"));
  cr_assert_null(strstr(dot, "class=releases"));
  cr_assert_null(strstr(dot, "e_Baidu_"), "isolated after filtering");
  kg_free(dot);
  KgDotOptions t = {.types = "Person, Stance"};
  dot = render(fs, &t, "dot", NULL);
  cr_assert_not_null(strstr(dot, "\te_RobinLi_"));
  cr_assert_not_null(strstr(dot, "\te_ClosedSource_"));
  cr_assert_null(strstr(dot, "e_Meta_"));
  cr_assert_null(strstr(dot, "e_Baidu_"));
  kg_free(dot);
  KgDotOptions m = {.min_support = 2};
  dot = render(fs, &m, "dot", NULL);
  cr_assert_not_null(strstr(dot, "e_RobinLi_"));
  cr_assert_null(strstr(dot, "class=releases"));
  cr_assert_null(strstr(dot, "class=worksFor"));
  kg_free(dot);
  kg_fact_store_free(fs);
}

Test(dot, long_evidence_is_cut) {
  KgFactStore *fs = make_store();
  char longtext[401];
  memset(longtext, 'x', 400);
  longtext[400] = '\0';
  for (size_t i = 0; i < 7; i++)
    add_ev(fs, "RobinLi", "criticizes", "Meta", NULL, "news/c.txt", i,
           longtext);
  kg_fact_store_sort(fs);
  char *dot = render(fs, NULL, "dot", NULL);
  char *stmt = stmt_with(dot, "class=criticizes", NULL);
  cr_assert_not_null(stmt);
  cr_assert_not_null(strstr(stmt, "… and 2 more"));
  cr_assert_not_null(strstr(stmt, "news/c.txt#4: "));
  cr_assert_null(strstr(stmt, "news/c.txt#5: "));
  cr_assert_not_null(strstr(stmt, "x…"));
  kg_free(stmt);
  kg_free(dot);
  kg_fact_store_free(fs);
}

Test(dot, layouts_and_errors) {
  KgFactStore *fs = make_store();
  KgDotOptions o = {0};
  char *dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "rankdir=LR"));
  cr_assert_not_null(strstr(dot, "layout=dot"));
  kg_free(dot);
  o.layout = "sfdp";
  dot = render(fs, &o, "dot", NULL);
  cr_assert_not_null(strstr(dot, "overlap=prism"));
  cr_assert_null(strstr(dot, "rankdir"));
  kg_free(dot);
  char *svg = render(fs, &o, "svg", NULL);
  cr_assert_not_null(strstr(svg, "</svg>"));
  kg_free(svg);
  KgError err = {0};
  char *data = NULL;
  cr_assert_eq(kg_dot_render(fs, NULL, "gif", &data, NULL, &err),
               KG_ERR_BAD_ARG);
  o.layout = "nosuch";
  cr_assert_eq(kg_dot_render(fs, &o, "svg", &data, NULL, &err), KG_ERR_BAD_ARG);
  cr_assert_not_null(strstr(err.message, "nosuch"), "%s", err.message);
  cr_assert_null(data);
  kg_fact_store_free(fs);
}

Test(dot, empty_store_draws_a_note) {
  KgFactStore *fs = kg_fact_store_new();
  size_t n;
  char *dot = render(fs, NULL, "dot", NULL);
  cr_assert_not_null(strstr(dot, "no facts to draw"));
  cr_assert_null(strstr(dot, "cluster_legend"));
  kg_free(dot);
  char *svg = render(fs, NULL, "svg", &n);
  cr_assert_eq(run_on("xmllint --noout %s", svg, n, ".svg"), 0);
  kg_free(svg);
  kg_fact_store_free(fs);
}

typedef struct {
  const KgFactStore *fs;
  const char *format;
  char *data;
  size_t len;
  KgStatus st;
} Job;

static void *render_job(void *arg) {
  Job *j = arg;
  KgError err = {0};
  j->st = kg_dot_render(j->fs, NULL, j->format, &j->data, &j->len, &err);
  return NULL;
}

/* Graphviz is not reentrant: calls from several threads must serialise. */
Test(dot, threads_share_a_const_store) {
  KgFactStore *fs = make_store();
  size_t n;
  char *want = render(fs, NULL, "dot", &n);
  Job jobs[6];
  pthread_t th[6];
  for (int i = 0; i < 6; i++) {
    jobs[i] = (Job){fs, i % 2 ? "svg" : "dot", NULL, 0, KG_FAILURE};
    cr_assert_eq(pthread_create(&th[i], NULL, render_job, &jobs[i]), 0);
  }
  for (int i = 0; i < 6; i++) {
    pthread_join(th[i], NULL);
    cr_assert_eq(jobs[i].st, KG_SUCCESS);
    if (i % 2 == 0) {
      cr_assert_eq(jobs[i].len, n);
      cr_assert_eq(memcmp(jobs[i].data, want, n), 0);
    } else {
      cr_assert_not_null(strstr(jobs[i].data, "</svg>"));
    }
    kg_free(jobs[i].data);
  }
  kg_free(want);
  kg_fact_store_free(fs);
}

/* Every allocation failure gives KG_ERR_NOMEM and leaks nothing. */
Test(dot, allocation_failures_are_reported) {
  KgFactStore *fs = make_store();
  KgStatus st = KG_ERR_NOMEM;
  long n;
  for (n = 0; st == KG_ERR_NOMEM && n < 10000; n++) {
    KgError err = {0};
    char *data = NULL;
    kg_alloc_fail_after(n);
    st = kg_dot_render(fs, NULL, "dot", &data, NULL, &err);
    kg_alloc_fail_after(-1);
    if (st == KG_ERR_NOMEM)
      cr_assert_null(data);
    kg_free(data);
  }
  cr_assert_eq(st, KG_SUCCESS, "stopped after %ld: %d", n, st);
  cr_assert_gt(n, 5);
  kg_fact_store_free(fs);
}
