/* Unit tests for matcher.c and mentions.c: PCRE2 limits on a pathological
 * rule, sharing one rule set between threads, the fields of a fact, the
 * explain report, the lint warnings, the literal prefilter (the bundled
 * rules give the same facts with and without it; the rule index behind
 * it; refs skipped where their words are missing), implied facts, and
 * patterns JIT-compiled on first use only. */
#include "gazetteer.h"
#include "matcher.h"
#include "normalizer.h"
#include "ontology.h"
#include "rule.h"
#include "rule_parser.h"
#include "segmenter.h"
#include "util.h"

#include "rule_world.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

TestSuite(matcher, .init = rule_world_setup, .fini = rule_world_teardown);

static KgRuleSet *rules_from(const char *text, const KgGazetteer *g) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/kg_test_matcher_%d.rules", (int)getpid());
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f);
  fputs(text, f);
  fclose(f);
  KgRuleSet *rs = NULL;
  KgError err;
  cr_assert_eq(kg_ruleset_load_file(path, onto, g, norm, NULL, NULL, &rs, &err),
               KG_SUCCESS, "%s:%u:%u: %s", err.file, err.line, err.col,
               err.message);
  remove(path);
  return rs;
}

typedef struct {
  KgBuf facts;
  KgBuf warnings;
  size_t n;
} Sink;

static KgStatus on_fact(void *ctx, const KgMatchFact *f) {
  Sink *s = ctx;
  s->n++;
  kg_buf_printf(&s->facts, "%s %s %s %s|", f->subject.key, f->predicate,
                f->object.key, f->qualifier ? f->qualifier : "-");
  return KG_SUCCESS;
}

static void on_msg(void *ctx, const KgError *e) {
  Sink *s = ctx;
  kg_buf_printf(&s->warnings, "%s: %s\n", e->file, e->message);
}

static void match_text(const KgRuleSet *rs, const char *text, Sink *s,
                       KgMatchStats *ms) {
  KgNormText nt = {0};
  KgSpanVec sents = {0};
  cr_assert_eq(kg_normalize(norm, text, strlen(text), &nt), KG_SUCCESS);
  cr_assert_eq(kg_segment(nt.text, nt.len, &sents), KG_SUCCESS);
  cr_assert_eq(
      kg_match_document(rs, &nt, &sents, "doc-1", on_fact, s, on_msg, s, ms),
      KG_SUCCESS);
  kg_vec_free(&sents);
  kg_norm_text_free(&nt);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(matcher, pathological_rule_is_abandoned_quickly) {
  KgRuleSet *rs = rules_from(
      "rule bad.nested =\n  {o:Organization} /(a+)+b/ {m:Model}\n"
      "  emit releases(o, m)\n"
      "rule bad.plain =\n  /(?:a|aa)+\\d/\n  emit releases(Baidu, Qwen)\n"
      "rule good =\n  {o:Organization} 发布 {m:Model}\n"
      "  emit releases(o, m)\n",
      gaz);
  size_t n = 200000;
  KgBuf text = {0};
  kg_buf_puts(&text, "百度发布文心一言。百度 ");
  for (size_t i = 0; i < n; i++)
    kg_buf_putc(&text, 'a');
  kg_buf_puts(&text, " 文心一言。");
  cr_assert_not(text.failed);
  Sink s = {0};
  KgMatchStats ms = {0};
  double t0 = now();
  match_text(rs, text.data, &s, &ms);
  double dt = now() - t0;
  cr_expect_lt(dt, 2.0, "took %.2f s", dt);
  cr_expect_geq(ms.abandoned, 1);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  cr_expect(strstr(s.warnings.data,
                   "doc-1: rule 'bad.plain' abandoned on sentence 2: PCRE2 "
                   "limit reached"),
            "%s", s.warnings.data);
  kg_buf_free(&text);
  kg_buf_free(&s.facts);
  kg_buf_free(&s.warnings);
  kg_ruleset_free(rs);
}

typedef struct {
  const KgRuleSet *rs;
  char *result;
} Job;

static const char THREAD_TEXT[] =
    "阿里巴巴发布了通义千问、ChatGLM和Mixtral。Meta released Llama 2. "
    "百度发布文心一言。";

static void *thread_main(void *arg) {
  Job *j = arg;
  KgBuf all = {0};
  for (int k = 0; k < 20; k++) {
    Sink s = {0};
    KgNormText nt = {0};
    KgSpanVec sents = {0};
    kg_normalize(norm, THREAD_TEXT, strlen(THREAD_TEXT), &nt);
    kg_segment(nt.text, nt.len, &sents);
    kg_match_document(j->rs, &nt, &sents, "t", on_fact, &s, NULL, NULL, NULL);
    kg_buf_puts(&all, s.facts.data ? s.facts.data : "");
    kg_buf_free(&s.facts);
    kg_vec_free(&sents);
    kg_norm_text_free(&nt);
  }
  j->result = kg_buf_take(&all, NULL);
  return NULL;
}

Test(matcher, rule_set_is_shared_by_threads) {
  KgRuleSet *rs =
      rules_from("rule r =\n  {o:Organization} (发布|released) 了? {m:Model+}\n"
                 "  emit releases(o, m)\n",
                 gaz);
  Job jobs[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (Job){rs, NULL};
    pthread_create(&th[i], NULL, thread_main, &jobs[i]);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(th[i], NULL);
  cr_assert(strstr(jobs[0].result, "Alibaba releases Mixtral -|Meta "
                                   "releases Llama_2 -|Baidu releases "
                                   "ERNIE_Bot -|"));
  for (int i = 1; i < 4; i++)
    cr_expect_str_eq(jobs[i].result, jobs[0].result);
  for (int i = 0; i < 4; i++)
    kg_free(jobs[i].result);
  kg_ruleset_free(rs);
}

static KgStatus keep_first(void *ctx, const KgMatchFact *f) {
  KgMatchFact *out = ctx;
  if (!out->rule) {
    *out = *f;
    out->subject.key = strdup(f->subject.key);
    out->object.key = strdup(f->object.key);
    out->subject.label = strdup(f->subject.label);
  }
  return KG_SUCCESS;
}

Test(matcher, fact_fields_and_references) {
  KgRuleSet *rs = rules_from(
      "ref Organization = 该公司\n"
      "entity m Model = /(?<name>nova-\\d+)/\n"
      "rule r =\n  {o:Organization} 发布 {m:Model}\n  emit releases(o, m)\n",
      gaz);
  const char *text = "百度很忙。该公司发布Nova-7。";
  KgNormText nt = {0};
  KgSpanVec sents = {0};
  kg_normalize(norm, text, strlen(text), &nt);
  kg_segment(nt.text, nt.len, &sents);
  KgMatchFact f = {0};
  KgMatchStats ms = {0};
  cr_assert_eq(
      kg_match_document(rs, &nt, &sents, "d", keep_first, &f, NULL, NULL, &ms),
      KG_SUCCESS);
  cr_expect_eq(ms.mentions, 3);
  cr_assert_not_null(f.rule);
  cr_expect_str_eq(f.rule, "r");
  cr_expect_eq(f.sentence, 1);
  cr_expect_str_eq(f.subject.key, "Baidu");
  cr_expect_eq(f.subject.reference, 1);
  cr_expect_str_eq(f.subject.type, "Organization");
  cr_expect_str_eq(f.object.key, "nova-7");
  cr_expect_eq(f.object.minted, 1);
  cr_expect_str_eq(f.predicate, "releases");
  /* the match spans 该公司发布nova-7 */
  cr_expect_eq(f.begin, sents.items[1].begin);
  cr_expect_eq(f.end, sents.items[1].end - strlen("。"));
  cr_expect_eq(f.subject.begin, sents.items[1].begin);
  cr_expect_eq(f.subject.end, sents.items[1].begin + strlen("该公司"));
  free((char *)f.subject.key);
  free((char *)f.object.key);
  free((char *)f.subject.label);
  kg_vec_free(&sents);
  kg_norm_text_free(&nt);
  kg_ruleset_free(rs);
}

Test(matcher, explain_says_why) {
  KgRuleSet *rs = rules_from(
      "rule ok =\n  {o:Organization} 发布 {m:Model}\n  emit releases(o, m)\n"
      "rule guarded =\n  {o:Organization} <0-4> {m:Model}\n  unless 发布\n"
      "  emit releases(o, m)\n"
      "rule almost =\n  {o:Organization} 发布 了 {m:Model}\n"
      "  emit releases(o, m)\n"
      "rule person =\n  {p:Person} 支持 {s:Stance}\n"
      "  emit advocates(p, s)\n",
      gaz);
  const char *text = "百度发布文心一言。";
  KgNormText nt = {0};
  KgSpanVec sents = {0};
  kg_normalize(norm, text, strlen(text), &nt);
  kg_segment(nt.text, nt.len, &sents);
  char *report = NULL;
  cr_assert_eq(kg_explain(rs, &nt, &sents, &report), KG_SUCCESS);
  cr_expect_str_eq(report, "sentence 1: 百度发布文心一言。\n"
                           "  mention \"百度\" Organization Baidu\n"
                           "  mention \"文心一言\" Model ERNIE_Bot\n"
                           "  rule ok: matched\n"
                           "    emits releases(Baidu, ERNIE_Bot)\n"
                           "  rule guarded: matched but blocked by guard "
                           "'unless 发布'\n"
                           "  rule almost: no match: 2 of 4 elements matched, "
                           "stopped at '了'\n");
  kg_free(report);
  kg_vec_free(&sents);
  kg_norm_text_free(&nt);
  kg_ruleset_free(rs);
}

Test(matcher, lint_warnings) {
  KgGazetteer *small = NULL;
  uint32_t id;
  cr_assert_eq(kg_gazetteer_new(norm, &small), KG_SUCCESS);
  int org = kg_ontology_type(onto, "Organization");
  int model = kg_ontology_type(onto, "Model");
  kg_gazetteer_add_entity(small, "Baidu", "Baidu", org, &id);
  kg_gazetteer_add_alias(small, id, "百度");
  kg_gazetteer_add_entity(small, "Qwen", "Qwen", model, &id);
  kg_gazetteer_compile(small);
  KgRuleSet *rs = rules_from(
      "rule a =\n  {p:Person} 加入 {o:Organization}\n  emit worksFor(p, o)\n"
      "rule b =\n  {p:Person} 加入 {o:Organization}\n  emit founderOf(p, o)\n",
      small);
  Sink s = {0};
  size_t n = kg_ruleset_lint(rs, on_msg, &s);
  cr_expect_eq(n, 4, "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data,
                   "rule 'a' can never match: no gazetteer entity and no "
                   "entity rule gives a mention of type Person for slot 'p'"),
            "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data, "rule 'b' has the same pattern as rule "
                                    "'a'"));
  cr_expect(strstr(s.warnings.data,
                   ": gazetteer entities of type Model are used by no rule"));
  kg_buf_free(&s.warnings);
  kg_ruleset_free(rs);
  kg_gazetteer_free(small);
}

Test(matcher, many_rules_cost_little_more) {
  /* 1,000 rules that need a Person (absent) next to 10 that run. */
  KgBuf few = {0}, many = {0};
  for (int i = 0; i < 1010; i++) {
    KgBuf *b = i < 10 ? &few : &many;
    const char *need = i < 10 ? "{o:Organization} 发布" : "{p:Person} 加入";
    kg_buf_printf(&many, "rule r%d =\n  %s {m:Model}\n  emit %s\n", i, need,
                  i < 10 ? "releases(o, m)" : "worksFor(p, Baidu)");
    if (b == &few)
      kg_buf_printf(&few, "rule r%d =\n  %s {m:Model}\n  emit %s\n", i, need,
                    "releases(o, m)");
  }
  KgRuleSet *a = rules_from(few.data, gaz), *b = rules_from(many.data, gaz);
  KgBuf text = {0};
  for (int i = 0; i < 300; i++)
    kg_buf_puts(&text, "百度昨天发布文心一言，阿里巴巴发布通义千问。");
  double t[2];
  for (int k = 0; k < 2; k++) {
    Sink s = {0};
    double t0 = now();
    match_text(k ? b : a, text.data, &s, NULL);
    t[k] = now() - t0;
    cr_expect_eq(s.n, 300, "%zu facts", s.n);
    kg_buf_free(&s.facts);
  }
  cr_expect_lt(t[1], 2 * t[0] + 0.05, "10 rules %.3f s, 1010 rules %.3f s",
               t[0], t[1]);
  kg_buf_free(&few);
  kg_buf_free(&many);
  kg_buf_free(&text);
  kg_ruleset_free(a);
  kg_ruleset_free(b);
}

/* ------------------------------------------------ literal prefilter */

static char *facts_with(const KgRuleSet *rs, const KgNormText *nt,
                        const KgSpanVec *sents) {
  Sink s = {0};
  cr_assert_eq(
      kg_match_document(rs, nt, sents, "doc", on_fact, &s, NULL, NULL, NULL),
      KG_SUCCESS);
  return s.facts.data ? kg_buf_take(&s.facts, NULL) : kg_strdup("");
}

/* Facts of every text file under dir, with and without the literal
 * filter; returns how many facts there were. */
static size_t compare_filter(KgRuleSet *rs, const char *dir) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "%s", dir);
  size_t n = 0;
  for (struct dirent *de; (de = readdir(d)) != NULL;) {
    size_t len = strlen(de->d_name);
    if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
      continue;
    char path[512], *text;
    KgError err;
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    cr_assert_eq(kg_read_file(path, 1 << 22, &text, &len, &err), KG_SUCCESS);
    KgNormText nt = {0};
    KgSpanVec sents = {0};
    cr_assert_eq(kg_normalize(norm, text, len, &nt), KG_SUCCESS);
    cr_assert_eq(kg_segment(nt.text, nt.len, &sents), KG_SUCCESS);
    rs->no_literal_filter = false;
    char *with = facts_with(rs, &nt, &sents);
    rs->no_literal_filter = true;
    char *without = facts_with(rs, &nt, &sents);
    cr_expect_str_eq(with, without, "%s", path);
    for (const char *p = with; (p = strchr(p, '|')) != NULL; p++)
      n++;
    kg_free(with);
    kg_free(without);
    kg_free(text);
    kg_vec_free(&sents);
    kg_norm_text_free(&nt);
  }
  closedir(d);
  return n;
}

Test(matcher, literal_filter_changes_no_fact) {
  KgOntology *o = NULL;
  KgGazetteer *g = NULL;
  KgRuleSet *rs = NULL;
  KgError err;
  cr_assert_eq(kg_ontology_load("rules/ontology.ttl", &o, &err), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_new(norm, &g), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_load(g, o, "rules/entities.ttl", NULL, NULL, &err),
               KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_eq(kg_ruleset_load("rules", o, g, norm, NULL, NULL, &rs, &err),
               KG_SUCCESS, "%s:%u: %s", err.file, err.line, err.message);
  size_t filtered = 0;
  for (size_t i = 0; i < rs->rules.len; i++)
    filtered += rs->rules.items[i].must.len > 0;
  cr_expect_gt(filtered, rs->rules.len / 2, "%zu of %zu rules", filtered,
               rs->rules.len);
  size_t n =
      compare_filter(rs, "corpus/en") + compare_filter(rs, "corpus/zh-hans") +
      compare_filter(rs, "corpus/zh-hant") + compare_filter(rs, "tests/unseen");
  cr_expect_gt(n, 20, "only %zu facts", n);
  kg_ruleset_free(rs);
  kg_gazetteer_free(g);
  kg_ontology_free(o);
}

Test(matcher, literal_filter_strings) {
  KgRuleSet *rs = rules_from(
      "set verbs = 发布 | open  sourced\n"
      "rule r =\n  {o:Organization} (推出|@verbs) 了? <0-3> \"big  new\" "
      "[k: /x+/] {m:Model}\n  emit releases(o, m)\n",
      gaz);
  const KgRule *r = &rs->rules.items[0];
  cr_assert_eq(r->must.len, 3);
  /* alternatives longest first; the longest piece without white space */
  cr_expect_str_eq(r->must.items[0].items[0], "sourced");
  cr_expect_str_eq(r->must.items[0].items[1], "推出");
  cr_expect_str_eq(r->must.items[0].items[2], "发布");
  /* one alternative: each word is a group */
  cr_expect_str_eq(r->must.items[1].items[0], "big");
  cr_expect_str_eq(r->must.items[2].items[0], "new");
  Sink s = {0};
  match_text(rs, "百度open\nsourced了 big\tnew xx文心一言。", &s, NULL);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  kg_buf_free(&s.facts);
  kg_ruleset_free(rs);
}

/* ------------------------------------------------------ implied facts */

Test(matcher, implied_facts_of_a_name) {
  KgRuleSet *rs = rules_from("implied partOf\n"
                             "rule r =\n  {o:Organization} 发布 {m:Model}\n"
                             "  emit releases(o, m)\n",
                             gaz);
  const char *text = "阿里云和阿里云都很忙。他说腾讯云发布了新东西。";
  KgNormText nt = {0};
  KgSpanVec sents = {0};
  kg_normalize(norm, text, strlen(text), &nt);
  kg_segment(nt.text, nt.len, &sents);
  KgMatchFact f = {0};
  cr_assert_eq(
      kg_match_document(rs, &nt, &sents, "d", keep_first, &f, NULL, NULL, NULL),
      KG_SUCCESS);
  cr_expect_str_eq(f.rule, "implied.partOf");
  cr_expect_str_eq(f.predicate, "partOf");
  cr_expect_str_eq(f.subject.key, "AlibabaCloud");
  cr_expect_str_eq(f.object.key, "Alibaba");
  cr_expect_str_eq(f.object.type, "Organization");
  cr_expect_eq(f.sentence, 0);
  cr_expect_eq(f.begin, 0);
  cr_expect_eq(f.end, strlen("阿里云"));
  cr_expect_eq(f.subject.begin, 0);
  cr_expect_null(f.qualifier);
  free((char *)f.subject.key);
  free((char *)f.object.key);
  free((char *)f.subject.label);
  /* one fact per sentence; 腾讯云 states its own */
  Sink s = {0};
  match_text(rs, text, &s, NULL);
  cr_expect_str_eq(s.facts.data, "AlibabaCloud partOf Alibaba -|"
                                 "TencentCloud partOf Tencent -|");
  kg_buf_free(&s.facts);
  char *report = NULL;
  cr_assert_eq(kg_explain(rs, &nt, &sents, &report), KG_SUCCESS);
  cr_expect(strstr(report, "  implied.partOf: stated by the name \"阿里云\"\n"
                           "    emits partOf(AlibabaCloud, Alibaba)\n"),
            "%s", report);
  kg_free(report);
  kg_vec_free(&sents);
  kg_norm_text_free(&nt);
  kg_ruleset_free(rs);
}

Test(matcher, no_implied_facts_without_the_statement) {
  KgRuleSet *rs = rules_from("rule r =\n  {o:Organization} 发布 {m:Model}\n"
                             "  emit releases(o, m)\n",
                             gaz);
  Sink s = {0};
  match_text(rs, "阿里云很忙。", &s, NULL);
  cr_expect_eq(s.n, 0, "%s", s.facts.data);
  kg_buf_free(&s.facts);
  kg_ruleset_free(rs);
}

Test(matcher, lint_domain_and_range) {
  KgRuleSet *rs =
      rules_from("implied hosts\n"
                 "rule a =\n  {p:Person|Organization} 支持 {s:Stance}\n"
                 "  emit advocates(p, s)\n"
                 "rule b =\n  {m:Model} 加入 {o:Organization}\n"
                 "  emit worksFor(m, Baidu)\n  emit releases(o, Qianfan)\n",
                 gaz);
  Sink s = {0};
  size_t n = kg_ruleset_lint(rs, on_msg, &s);
  cr_expect_eq(n, 5, "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data,
                   ": gazetteer entities of type Product are used by no "
                   "rule\n"),
            "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data,
                   ": rule 'a': the subject of advocates, slot 'p', may be "
                   "Organization: outside its rdfs:domain (Person)\n"),
            "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data,
                   ": rule 'b': the subject of worksFor, slot 'm', may be "
                   "Model: outside its rdfs:domain (Person)\n"),
            "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data,
                   ": rule 'b': the object of releases, entity Qianfan, may "
                   "be Product: outside its rdfs:range (Model)\n"),
            "%s", s.warnings.data);
  cr_expect(strstr(s.warnings.data, ": 'implied.hosts' gives nothing: the "
                                    "gazetteer declares no such relation\n"),
            "%s", s.warnings.data);
  kg_buf_free(&s.warnings);
  kg_ruleset_free(rs);
}

/* ---------------------------------------------- lazy JIT, rule index */

static bool jitted(const KgJitSlot *slot) {
  return atomic_load((KgJitSlot *)slot) != NULL;
}

Test(matcher, patterns_are_jit_compiled_on_first_use) {
  KgRuleSet *rs =
      rules_from("set negation = 并未 | not\n"
                 "rule a =\n  {o:Organization} 发布 {m:Model}\n"
                 "  unless @negation\n  emit releases(o, m)\n"
                 "rule b =\n  {a:Organization} 收购 {b:Organization}\n"
                 "  emit acquires(a, b)\n",
                 gaz);
  const KgRule *a = &rs->rules.items[0], *b = &rs->rules.items[1];
  cr_expect_not(jitted(a->jit));
  cr_expect_not(jitted(b->jit));
  cr_expect_not(jitted(a->guards.items[0].jit));
  Sink s = {0};
  match_text(rs, "百度发布文心一言。", &s, NULL);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  cr_expect(jitted(a->jit), "rule a ran");
  cr_expect(jitted(a->guards.items[0].jit), "its guard ran");
  cr_expect_not(jitted(b->jit), "no sentence holds 收购: rule b never ran");
  /* the JIT copy gives the same facts again */
  kg_buf_free(&s.facts);
  s = (Sink){0};
  match_text(rs, "百度并未发布文心一言。百度发布文心一言。", &s, NULL);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  /* mention classes are compiled without case folding (a caseless class
   * over a whole plane is slow to compile, and these code points have no
   * case) */
  cr_expect(strstr(a->source, "(?-i)[\\x{"), "%s", a->source);
  kg_buf_free(&s.facts);
  kg_ruleset_free(rs);
}

Test(matcher, rule_index_groups_and_free_rules) {
  KgRuleSet *rs =
      rules_from("rule a =\n  {o:Organization} (发布|推出) <0-4> 了 {m:Model}\n"
                 "  emit releases(o, m)\n"
                 "rule b =\n  {o:Organization} <0-4> {m:Model}\n"
                 "  emit releases(o, m)\n"
                 "rule c =\n  {o:Organization} 推出? <0-4> {m:Model} 开源\n"
                 "  emit releases(o, m)\n",
                 gaz);
  const KgLitIndex *x = &rs->index;
  /* a: (发布|推出) and 了; c: 开源 (推出 is optional) */
  cr_expect_eq(x->n_groups, 3);
  cr_expect_eq(kg_litscan_count(x->scan), 4);
  cr_expect_eq(x->group_rule[0], 0);
  cr_expect_eq(x->group_rule[1], 0);
  cr_expect_eq(x->group_rule[2], 2);
  cr_expect_eq(x->free_rules[0], 2, "only rule b needs no literal");
  /* both groups of a are needed: 发布 alone lets only b run */
  Sink s = {0};
  match_text(rs, "百度发布文心一言。", &s, NULL);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  cr_expect_not(jitted(rs->rules.items[0].jit), "no 了: rule a never ran");
  cr_expect_not(jitted(rs->rules.items[2].jit), "no 开源: rule c never ran");
  kg_buf_free(&s.facts);
  kg_ruleset_free(rs);
}

Test(matcher, literal_filter_needs_each_long_word) {
  KgRuleSet *rs =
      rules_from("rule a =\n  {o:Organization} \"again released version 6 of\" "
                 "{m:Model}\n  emit releases(o, m)\n"
                 "rule b =\n  {o:Organization} \"a 6 b\" {m:Model}\n"
                 "  emit releases(o, m)\n",
                 gaz);
  const KgRule *a = &rs->rules.items[0], *b = &rs->rules.items[1];
  /* the three longest words, longest first; one-byte words only alone */
  cr_assert_eq(a->must.len, 3);
  cr_expect_str_eq(a->must.items[0].items[0], "released");
  cr_expect_str_eq(a->must.items[1].items[0], "version");
  cr_expect_str_eq(a->must.items[2].items[0], "again");
  cr_assert_eq(b->must.len, 1);
  cr_expect_str_eq(b->must.items[0].items[0], "a");
  Sink s = {0};
  match_text(rs, "Baidu released version 7 of ERNIE Bot.", &s, NULL);
  cr_expect_null(s.facts.data);
  cr_expect_not(jitted(a->jit), "no 'again': rule a never ran");
  match_text(rs, "Baidu again released version 6 of ERNIE Bot.", &s, NULL);
  cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|");
  kg_buf_free(&s.facts);
  kg_ruleset_free(rs);
}

Test(matcher, refs_run_only_where_their_words_are) {
  KgRuleSet *rs = rules_from(
      "ref Organization = 该公司 | the  company\n"
      "ref Model = 它\n"
      "rule a =\n  {o:Organization} 发布 {m:Model}\n  emit releases(o, m)\n",
      gaz);
  cr_expect_eq(rs->refs.items[0].must.len, 2);
  /* the words longest first, each as its longest piece */
  cr_expect_str_eq(rs->refs.items[0].must.items[0], "company");
  cr_expect_str_eq(rs->refs.items[0].must.items[1], "该公司");
  const char *text = "百度很忙。该公司发布文心一言。the Company is big.";
  for (int pass = 0; pass < 2; pass++) {
    rs->no_literal_filter = pass == 1;
    Sink s = {0};
    match_text(rs, text, &s, NULL);
    cr_expect_str_eq(s.facts.data, "Baidu releases ERNIE_Bot -|", "pass %d",
                     pass);
    kg_buf_free(&s.facts);
  }
  kg_ruleset_free(rs);
}
