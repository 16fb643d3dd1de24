/* Data-driven tests of the rule language: every folder of
 * tests/rules/cases/ (input.txt + test.rules → expected.tsv of facts) and of
 * tests/rules/errors/ (a bad test.rules → expected.txt, the exact first
 * error as the CLI prints it), plus parser unit tests: every error reported,
 * warnings, includes, loading a folder. */
#include "gazetteer.h"
#include "matcher.h"
#include "normalizer.h"
#include "ontology.h"
#include "rule_parser.h"
#include "segmenter.h"
#include "util.h"

#include "rule_world.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

TestSuite(rules, .init = rule_world_setup, .fini = rule_world_teardown);

/* Sorted names of the sub-folders of dir. */
static size_t list_dirs(const char *dir, char names[][128], size_t max) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "cannot open %s", dir);
  size_t n = 0;
  for (struct dirent *de; (de = readdir(d)) && n < max;)
    if (de->d_name[0] != '.')
      snprintf(names[n++], 128, "%.127s", de->d_name);
  closedir(d);
  qsort(names, n, 128, (int (*)(const void *, const void *))strcmp);
  return n;
}

static char *slurp(const char *path) {
  char *data;
  size_t len;
  KgError err;
  cr_assert_eq(kg_read_file(path, 1 << 20, &data, &len, &err), KG_SUCCESS,
               "%s: %s", path, err.message);
  return data;
}

static KgStatus collect_fact(void *ctx, const KgMatchFact *f) {
  kg_buf_printf(ctx, "%s\t%s\t%s\t%s\n", f->subject.key, f->predicate,
                f->object.key, f->qualifier ? f->qualifier : "-");
  return KG_SUCCESS;
}

/* The facts of text under rs, one TSV line each, in delivery order. */
static char *facts_of(const KgRuleSet *rs, const char *text) {
  KgNormText nt = {0};
  KgSpanVec sents = {0};
  KgBuf out = {0};
  cr_assert_eq(kg_normalize(norm, text, strlen(text), &nt), KG_SUCCESS);
  cr_assert_eq(kg_segment(nt.text, nt.len, &sents), KG_SUCCESS);
  KgMatchStats ms = {0};
  cr_assert_eq(kg_match_document(rs, &nt, &sents, "input.txt", collect_fact,
                                 &out, NULL, NULL, &ms),
               KG_SUCCESS);
  kg_vec_free(&sents);
  kg_norm_text_free(&nt);
  return kg_buf_take(&out, NULL);
}

static void run_case(const char *name) {
  char dir[512], path[600];
  snprintf(dir, sizeof dir, RULES_DIR "cases/%s/", name);
  snprintf(path, sizeof path, "%stest.rules", dir);
  KgRuleSet *rs = NULL;
  KgError err = {0};
  KgStatus st =
      kg_ruleset_load_file(path, onto, gaz, norm, NULL, NULL, &rs, &err);
  cr_expect_eq(st, KG_SUCCESS, "case %s: %s:%u:%u: %s", name, err.file,
               err.line, err.col, err.message);
  if (st)
    return;
  snprintf(path, sizeof path, "%sinput.txt", dir);
  char *input = slurp(path);
  snprintf(path, sizeof path, "%sexpected.tsv", dir);
  char *expected = slurp(path);
  char *got = facts_of(rs, input);
  cr_expect_str_eq(got, expected, "case %s:\n--- got\n%s--- expected\n%s", name,
                   got, expected);
  kg_free(got);
  kg_free(expected);
  kg_free(input);
  kg_ruleset_free(rs);
}

Test(rules, cases) {
  static char names[256][128];
  size_t n = list_dirs(RULES_DIR "cases", names, 256);
  cr_assert_geq(n, 20, "only %zu case folders", n);
  for (size_t i = 0; i < n; i++)
    run_case(names[i]);
}

/* The error as `kg` prints it: position, message, source line, caret. */
static char *format_error(const KgError *e) {
  KgBuf b = {0};
  if (e->line == 0) {
    kg_buf_printf(&b, "%s: %s\n", e->file, e->message);
  } else {
    kg_buf_printf(&b, "%s:%u:%u: %s\n%s\n", e->file, e->line, e->col,
                  e->message, e->context);
    for (unsigned i = 1; i < e->col; i++)
      kg_buf_putc(&b, ' ');
    kg_buf_puts(&b, "^\n");
  }
  return kg_buf_take(&b, NULL);
}

static void run_error(const char *name) {
  char path[600];
  snprintf(path, sizeof path, RULES_DIR "errors/%s/test.rules", name);
  KgRuleSet *rs = NULL;
  KgError err = {0};
  KgStatus st =
      kg_ruleset_load_file(path, onto, gaz, norm, NULL, NULL, &rs, &err);
  cr_expect_neq(st, KG_SUCCESS, "error case %s loaded", name);
  kg_ruleset_free(rs);
  snprintf(path, sizeof path, RULES_DIR "errors/%s/expected.txt", name);
  char *expected = slurp(path);
  char *got = format_error(&err);
  cr_expect_str_eq(got, expected, "error case %s:\n--- got\n%s--- expected\n%s",
                   name, got, expected);
  kg_free(got);
  kg_free(expected);
}

Test(rules, errors) {
  static char names[256][128];
  size_t n = list_dirs(RULES_DIR "errors", names, 256);
  cr_assert_geq(n, 15, "only %zu error folders", n);
  for (size_t i = 0; i < n; i++)
    run_error(names[i]);
}

/* ------------------------------------------------------ parser units */

typedef struct {
  KgBuf text;
  size_t errors, warnings;
} Msgs;

static void on_msg(void *ctx, const KgError *e) {
  Msgs *m = ctx;
  if (e->severity == KG_MSG_ERROR)
    m->errors++;
  else
    m->warnings++;
  kg_buf_printf(&m->text, "%u:%u: %s\n", e->line, e->col, e->message);
}

/* The file load_text wrote last (messages name it); a unique name, as
 * other test runs may be loading theirs at the same time. */
static char rules_path[] = "/tmp/kg_test_rules_XXXXXX.rules";

static KgStatus load_text(const char *text, Msgs *m, KgRuleSet **rs) {
  strcpy(rules_path, "/tmp/kg_test_rules_XXXXXX.rules");
  int fd = mkstemps(rules_path, 6);
  cr_assert_geq(fd, 0);
  FILE *f = fdopen(fd, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  KgError err;
  KgStatus st =
      kg_ruleset_load_file(rules_path, onto, gaz, norm, on_msg, m, rs, &err);
  unlink(rules_path);
  return st;
}

Test(rules, every_error_is_reported) {
  Msgs m = {0};
  KgRuleSet *rs = NULL;
  KgStatus st = load_text("rule a =\n  {x:Nope} emit releases(x, x)\n"
                          "rule b = {o:Organization} 发布 {m:Model}\n"
                          "  emit releases(o, m)\n"
                          "rule b = {o:Organization} {m:Model}\n"
                          "  emit nope(o, m)\n"
                          "set s = a | b\n"
                          "rule c = (x|@missing) {m:Model}\n"
                          "  emit releases(q, m)\n",
                          &m, &rs);
  cr_assert_eq(st, KG_ERR_SYNTAX);
  cr_assert_null(rs);
  cr_expect_eq(m.errors, 3, "%s", m.text.data);
  char *want =
      kg_strfmt("2:6: unknown type 'Nope' (not a class of the ontology)\n"
                "5:6: duplicate rule id 'b' (first defined at %s:3)\n"
                "8:13: unknown set '@missing'\n",
                rules_path);
  cr_expect_str_eq(m.text.data, want);
  kg_free(want);
  kg_buf_free(&m.text);
}

Test(rules, good_file_loads) {
  Msgs m = {0};
  KgRuleSet *rs = NULL;
  KgStatus st = load_text(
      "# comment\nset neg = 没有 | not\nvocab lic\n  开源 | open -> open\n"
      "ref Organization = 该公司\n"
      "entity e.x Model = /(?<name>foo-\\d+)/\n"
      "rule r priority -2 =\n  {o:Organization} (发布|推出) <0-3>\n"
      "  [l: 开源|闭源]? {m:Model+}\n  unless @neg between o m\n"
      "  emit releases(o, m, lic(l))\n  emit tag(m, \"x\")\n"
      "qualify releases from object\n",
      &m, &rs);
  cr_assert_eq(st, KG_SUCCESS, "%s", m.text.data);
  cr_expect_eq(kg_ruleset_size(rs), 1);
  cr_expect_eq(m.errors + m.warnings, 0);
  kg_ruleset_free(rs);
  kg_buf_free(&m.text);
}

Test(rules, empty_file_warns_and_no_rules_fails) {
  Msgs m = {0};
  KgRuleSet *rs = NULL;
  cr_assert_eq(load_text("# nothing\n", &m, &rs), KG_ERR_SYNTAX);
  cr_expect_eq(m.warnings, 1);
  cr_expect_eq(m.errors, 1);
  cr_expect(strstr(m.text.data, "no rules (empty file)"), "%s", m.text.data);
  cr_expect(strstr(m.text.data, "the rule set has no rules"));
  kg_buf_free(&m.text);
}

Test(rules, load_folder_in_name_order) {
  KgRuleSet *rs = NULL;
  KgError err;
  cr_assert_eq(kg_ruleset_load(RULES_DIR "cases/include", onto, gaz, norm, NULL,
                               NULL, &rs, &err),
               KG_SUCCESS, "%s", err.message);
  /* common.rules (no rules) + test.rules with its include read once */
  cr_expect_eq(kg_ruleset_size(rs), 1);
  kg_ruleset_free(rs);
  kg_ruleset_free(NULL);
}

Test(rules, missing_folder) {
  KgRuleSet *rs = NULL;
  KgError err;
  cr_expect_eq(kg_ruleset_load("/nonexistent/kg", onto, gaz, norm, NULL, NULL,
                               &rs, &err),
               KG_ERR_IO);
  cr_expect_null(rs);
}

Test(rules, gap_errors) {
  Msgs m = {0};
  KgRuleSet *rs = NULL;
  KgStatus st = load_text("rule a =\n  {o:Organization} <<0-3> 发布\n"
                          "  emit releases(o, o)\n"
                          "rule b =\n  {o:Organization} <<5-1>> 发布\n"
                          "  emit releases(o, o)\n"
                          "rule c =\n  {o:Organization} <<0-70000>> 发布\n"
                          "  emit releases(o, o)\n"
                          "implied nope\n",
                          &m, &rs);
  cr_assert_eq(st, KG_ERR_SYNTAX);
  cr_expect_str_eq(m.text.data,
                   "2:20: unterminated gap: expected '>>'\n"
                   "5:20: bad gap '<<5-1>>': minimum 5 is greater than "
                   "maximum 1\n"
                   "8:20: bad gap '<<0-70000>>': at most 65535\n"
                   "10:9: unknown predicate 'nope' (not a property of the "
                   "ontology)\n");
  kg_buf_free(&m.text);
}

Test(rules, out_of_memory_everywhere) {
  const char *path = RULES_DIR "cases/vocab_qualifier/test.rules";
  for (long n = 0;; n++) {
    KgRuleSet *rs = NULL;
    KgError err;
    kg_alloc_fail_after(n);
    KgStatus st =
        kg_ruleset_load_file(path, onto, gaz, norm, NULL, NULL, &rs, &err);
    kg_alloc_fail_after(-1);
    kg_ruleset_free(rs);
    if (st == KG_SUCCESS)
      break;
    cr_assert_eq(st, KG_ERR_NOMEM, "at %ld: %s", n, err.message);
    cr_assert_lt(n, 100000);
  }
}

Test(rules, out_of_memory_in_new_constructs) {
  const char *paths[] = {RULES_DIR "cases/implied/test.rules",
                         RULES_DIR "cases/entity_gap/test.rules"};
  for (int k = 0; k < 2; k++)
    for (long n = 0;; n++) {
      KgRuleSet *rs = NULL;
      KgError err;
      kg_alloc_fail_after(n);
      KgStatus st = kg_ruleset_load_file(paths[k], onto, gaz, norm, NULL, NULL,
                                         &rs, &err);
      kg_alloc_fail_after(-1);
      kg_ruleset_free(rs);
      if (st == KG_SUCCESS)
        break;
      cr_assert_eq(st, KG_ERR_NOMEM, "%s at %ld: %s", paths[k], n, err.message);
      cr_assert_lt(n, 100000);
    }
}
