/* Unit tests for the source stage: listing, charsets, HTML/XML text. */
#include "source.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FX "tests/fixtures/ingest/"

/* Warnings captured from the library. */
typedef struct {
  int count;
  char all[8192];
} Msgs;

static void collect(void *ctx, const KgError *m) {
  Msgs *w = ctx;
  size_t n = strlen(w->all);
  snprintf(w->all + n, sizeof w->all - n, "%s:%u: %s\n", m->file, m->line,
           m->message);
  w->count++;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  cr_assert_not_null(f, "cannot open %s", path);
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  char *s = malloc(n + 1);
  memcpy(s, buf, n);
  s[n] = '\0';
  if (len)
    *len = n;
  return s;
}

static KgStatus load(const char *path, KgDocText *d, Msgs *w, KgError *err) {
  KgInput in = {(char *)path, (char *)"k"};
  return kg_source_load(&in, 0, d, collect, w, err);
}

static KgStatus decode(const char *name, const char *s, size_t len,
                       KgDocText *d, Msgs *w, KgError *err) {
  return kg_source_decode(name, s, len, d, collect, w, err);
}

/* ------------------------------------------------------------------ HTML */

Test(source, html_article_without_boilerplate) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "news.html", &d, &w, &err), KG_SUCCESS, "%s",
               err.message);
  cr_assert_str_eq(d.format, "html");
  cr_assert_str_eq(d.encoding, "UTF-8");
  cr_assert_str_eq(d.text, "Open and closed models\n\n"
                           "百度发布了文心一言。\n\n"
                           "Meta released Llama 2 with open weights.\n\n"
                           "Mistral AI followed with its own model.\n\n"
                           "Anthropic keeps Claude closed & charges for "
                           "access.");
  cr_assert_eq(d.len, strlen(d.text));
  const char *gone[] = {"editor@example.com",
                        "Google",
                        "Buy cheap",
                        "Share this",
                        "Tencent",
                        "Copyright",
                        "Headline",
                        "Microsoft",
                        "Amazon",
                        "Apple",
                        "Home"};
  for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
    cr_assert_null(strstr(d.text, gone[i]), "%s leaked", gone[i]);
  cr_assert_eq(w.count, 0, "%s", w.all);
  kg_doc_text_free(&d);
}

Test(source, html_body_fallback_and_class_tokens) {
  const char *page = "<html><body><nav>menu</nav>"
                     "<div class='header-area'>Kept one.</div>"
                     "<div class=\"thread-head read-more\">Kept two.</div>"
                     "<div class='ad-slot'>Dropped ad.</div>"
                     "<div id='ADS'>Dropped ads.</div>"
                     "<p class='Advertisement'>Dropped advert.</p>"
                     "<ul class='related_links'><li>Dropped related.</li></ul>"
                     "<table><tr><td>cell a</td><td>cell b</td></tr></table>"
                     "<pre>line one\n  line two</pre>"
                     "</body></html>";
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("page.htm", page, strlen(page), &d, &w, &err),
               KG_SUCCESS);
  cr_assert_str_eq(d.text, "Kept one.\n\nKept two.\n\ncell a cell b\n\n"
                           "line one\n  line two");
  kg_doc_text_free(&d);
}

Test(source, html_main_when_no_article) {
  const char *page = "<!DOCTYPE html><body><div>Outside.</div>"
                     "<main><p>Inside&nbsp;main.</p></main></body>";
  KgDocText d;
  Msgs w = {0};
  KgError err;
  /* no extension: the doctype makes it HTML */
  cr_assert_eq(decode("stdin", page, strlen(page), &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.format, "html");
  cr_assert_str_eq(d.text, "Inside main.");
  kg_doc_text_free(&d);
}

Test(source, html_meta_charset_gbk) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "gbk_meta.html", &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.encoding, "GB18030");
  cr_assert_str_eq(d.text, "腾讯发布了混元大模型。\n\n华为推出了盘古模型。");
  cr_assert_eq(w.count, 0, "%s", w.all);
  kg_doc_text_free(&d);
}

Test(source, html_declared_gbk_but_utf8) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "mislabeled.html", &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.encoding, "UTF-8");
  cr_assert_str_eq(d.text, "字节跳动推出了豆包模型。");
  cr_assert_eq(w.count, 1);
  cr_assert(strstr(w.all, "declared gbk but bytes are UTF-8"), "%s", w.all);
  kg_doc_text_free(&d);
}

Test(source, html_declared_utf8_but_gbk) {
  size_t n;
  char *gbk = slurp(FX "gbk.txt", &n);
  char page[1024];
  int k = snprintf(page, sizeof page,
                   "<html><head><meta charset=\"utf-8\"></head><body><p>%s"
                   "</p></body></html>",
                   gbk);
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("x.html", page, (size_t)k, &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.encoding, "GB18030");
  cr_assert(strstr(d.text, "百度发布了文心一言大模型"), "%s", d.text);
  cr_assert(strstr(w.all, "declared utf-8 but bytes are GB18030"), "%s", w.all);
  kg_doc_text_free(&d);
  free(gbk);
}

Test(source, html_deep_nesting_is_reported) {
  const int depth = 100000;
  char *s = malloc((size_t)depth * 11 + 100);
  size_t k = (size_t)sprintf(s, "<html><body><p>Start.</p>");
  for (int i = 0; i < depth; i++)
    k += (size_t)sprintf(s + k, "<div>");
  k += (size_t)sprintf(s + k, "deep");
  for (int i = 0; i < depth; i++)
    k += (size_t)sprintf(s + k, "</div>");
  k += (size_t)sprintf(s + k, "</body></html>");
  KgDocText d;
  Msgs w = {0};
  KgError err;
  time_t t0 = time(NULL);
  cr_assert_eq(decode("deep.html", s, k, &d, &w, &err), KG_SUCCESS);
  cr_assert_lt(time(NULL) - t0, 5);
  cr_assert_str_eq(d.text, "Start.");
  cr_assert(strstr(w.all, "stopped early"), "%s", w.all);
  kg_doc_text_free(&d);
  free(s);
}

/* ------------------------------------------------------------------- XML */

Test(source, xml_text_by_element) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "news.xml", &d, &w, &err), KG_SUCCESS, "%s",
               err.message);
  cr_assert_str_eq(d.format, "xml");
  cr_assert_str_eq(d.text,
                   "Open weights\n\n"
                   "Meta released Llama 2 with open weights. It is free for "
                   "research.\n\n"
                   "Closed model\n\n"
                   "OpenAI keeps GPT-4 closed & sells API access. Prices "
                   "<vary>.");
  kg_doc_text_free(&d);
}

Test(source, xml_internal_entity_expanded) {
  const char *doc = "<?xml version='1.0'?><!DOCTYPE a [<!ENTITY co "
                    "'Mistral AI'>]><a><b>&co; released a model.</b></a>";
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("e.xml", doc, strlen(doc), &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.text, "Mistral AI released a model.");
  kg_doc_text_free(&d);
}

Test(source, xml_xxe_not_loaded) {
  KgDocText d = {0};
  Msgs w = {0};
  KgError err;
  KgStatus rc = load(FX "xxe.xml", &d, &w, &err);
  cr_assert_eq(rc, KG_SUCCESS, "%s", err.message);
  cr_assert_null(strstr(d.text, "root:"));
  cr_assert_str_eq(d.text, "Leaked data follows: end.");
  cr_assert(strstr(w.all, "&secret;"), "%s", w.all);
  kg_doc_text_free(&d);
}

Test(source, xml_billion_laughs_refused_quickly) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  clock_t t0 = clock();
  KgStatus rc = load(FX "billion_laughs.xml", &d, &w, &err);
  cr_assert_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 2.0);
  cr_assert_eq(rc, KG_ERR_LIMIT, "%s", kg_strstatus(rc));
  cr_assert(strstr(err.message, "entity"), "%s", err.message);
  cr_assert_str_eq(err.file, FX "billion_laughs.xml");
  cr_assert_eq(err.line, 14, "%u:%u %s", err.line, err.col, err.message);
  cr_assert_null(d.text);
}

Test(source, xml_deep_nesting_refused) {
  const int depth = 100000;
  char *s = malloc((size_t)depth * 7 + 100);
  size_t k = 0;
  for (int i = 0; i < depth; i++)
    k += (size_t)sprintf(s + k, "<a>");
  for (int i = 0; i < depth; i++)
    k += (size_t)sprintf(s + k, "</a>");
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("deep.xml", s, k, &d, &w, &err), KG_ERR_LIMIT);
  cr_assert(strstr(err.message, "depth"), "%s", err.message);
  cr_assert_eq(err.line, 1);
  cr_assert_gt(err.col, 0);
  free(s);
}

Test(source, xml_malformed_has_position) {
  const char *doc = "<a>\n<b>text</a>\n";
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("bad.xml", doc, strlen(doc), &d, &w, &err),
               KG_ERR_SYNTAX);
  cr_assert_str_eq(err.file, "bad.xml");
  cr_assert_eq(err.line, 2);
  cr_assert_gt(err.col, 0);
  cr_assert(strstr(err.message, "malformed XML"), "%s", err.message);
  cr_assert_str_eq(err.context, "<b>text</a>");
}

/* ------------------------------------------------------------- charsets */

static void check_converted(const char *raw, const char *utf8,
                            const char *charset) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  char *want = slurp(utf8, NULL);
  cr_assert_eq(load(raw, &d, &w, &err), KG_SUCCESS, "%s", err.message);
  cr_assert_str_eq(d.encoding, charset);
  cr_assert_str_eq(d.format, "text");
  cr_assert_str_eq(d.text, want);
  cr_assert_eq(w.count, 0, "%s", w.all);
  kg_doc_text_free(&d);
  free(want);
}

Test(source, gbk_detected) {
  check_converted(FX "gbk.txt", FX "gbk.utf8.txt", "GB18030");
}

Test(source, big5_detected) {
  check_converted(FX "big5.txt", FX "big5.utf8.txt", "Big5");
}

Test(source, utf16le_bom_and_hash) {
  check_converted(FX "utf16le.txt", FX "utf16le.utf8.txt", "UTF-16LE");
  KgDocText d;
  KgError err;
  cr_assert_eq(load(FX "utf16le.txt", &d, NULL, &err), KG_SUCCESS);
  cr_assert_eq(d.bytes, 120);
  cr_assert_str_eq(
      d.sha256,
      "60da5a0054cea36e7916f612523c3cc98b84f27a01a668e9a62c7dc288333e15");
  kg_doc_text_free(&d);
}

Test(source, utf16_without_bom_and_utf8_bom) {
  size_t n;
  char *raw = slurp(FX "utf16le.txt", &n);
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("nobom", raw + 2, n - 2, &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.encoding, "UTF-16LE");
  cr_assert(strncmp(d.text, "Meta released Llama 2", 21) == 0);
  kg_doc_text_free(&d);
  free(raw);
  const char *bom = "\xEF\xBB\xBFOpen text.";
  cr_assert_eq(decode("b.txt", bom, strlen(bom), &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.text, "Open text.");
  cr_assert_eq(d.bytes, strlen(bom));
  kg_doc_text_free(&d);
}

Test(source, invalid_utf8_replaced_with_one_warning) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "invalid_utf8.txt", &d, &w, &err), KG_SUCCESS);
  cr_assert_str_eq(d.encoding, "UTF-8");
  cr_assert_str_eq(d.text, "OpenAI trained GPT-4 as a closed model.\n"
                           "月之暗面发布了Kimi\uFFFD\uFFFD智能助手。\n");
  cr_assert_eq(w.count, 1, "%s", w.all);
  cr_assert(strstr(w.all, ":2: 2 invalid byte sequences"), "%s", w.all);
  cr_assert(strstr(w.all, "byte offset 65"), "%s", w.all);
  kg_doc_text_free(&d);
}

Test(source, binary_and_limits) {
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(decode("a.txt", "abc\0def", 7, &d, &w, &err),
               KG_ERR_UNSUPPORTED);
  cr_assert_str_eq(err.message, "binary file");
  cr_assert_eq(decode("b.dat", "\x01\x02\x03\x04text", 8, &d, &w, &err),
               KG_ERR_UNSUPPORTED);
  KgInput in = {FX "gbk.txt", "gbk.txt"};
  cr_assert_eq(kg_source_load(&in, 10, &d, NULL, NULL, &err), KG_ERR_LIMIT);
  cr_assert(strstr(err.message, "over the limit of 10"), "%s", err.message);
  KgInput gone = {FX "missing.txt", "missing.txt"};
  cr_assert_eq(kg_source_load(&gone, 0, &d, NULL, NULL, &err), KG_ERR_IO);
}

Test(source, empty_and_blank_files) {
  KgDocText d;
  KgError err;
  cr_assert_eq(decode("e.txt", "", 0, &d, NULL, &err), KG_SUCCESS);
  cr_assert_eq(d.len, 0);
  cr_assert_str_eq(d.text, "");
  cr_assert_str_eq(d.format, "text");
  kg_doc_text_free(&d);
  cr_assert_eq(decode("e.html", " \n", 2, &d, NULL, &err), KG_SUCCESS);
  cr_assert_eq(d.len, 0);
  kg_doc_text_free(&d);
  cr_assert_eq(decode("s.txt", "  \n", 3, &d, NULL, &err), KG_SUCCESS);
  cr_assert_str_eq(d.text, "  \n");
  kg_doc_text_free(&d);
}

/* ---------------------------------------------------------- plain text */

Test(source, text_comments_blanked_offsets_kept) {
  size_t n;
  char *raw = slurp(FX "comment.txt", &n);
  KgDocText d;
  Msgs w = {0};
  KgError err;
  cr_assert_eq(load(FX "comment.txt", &d, &w, &err), KG_SUCCESS);
  cr_assert_eq(kg_utf8_count(d.text, d.len), kg_utf8_count(raw, n));
  cr_assert_null(strstr(d.text, "example.com"));
  cr_assert_null(strstr(d.text, "Apple"));
  cr_assert_null(strstr(d.text, "备注"));
  const char *keep = "Google released Gemma as an open model.";
  const char *at = strstr(raw, keep);
  const char *got = strstr(d.text, keep);
  cr_assert_not_null(got);
  cr_assert_eq(kg_utf8_count(raw, (size_t)(at - raw)),
               kg_utf8_count(d.text, (size_t)(got - d.text)));
  /* line breaks survive */
  size_t lines_raw = 0, lines_text = 0;
  for (size_t i = 0; i < n; i++)
    lines_raw += raw[i] == '\n';
  for (size_t i = 0; i < d.len; i++)
    lines_text += d.text[i] == '\n';
  cr_assert_eq(lines_text, lines_raw);
  cr_assert(strstr(w.all, ":6: unterminated"), "%s", w.all);
  kg_doc_text_free(&d);
  free(raw);
}

/* -------------------------------------------------------------- listing */

static char tree[64];

static void touch(const char *rel, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", tree, rel);
  FILE *f = fopen(path, "w");
  cr_assert_not_null(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

static void make_tree(void) {
  strcpy(tree, "/tmp/kg_source_XXXXXX");
  cr_assert_not_null(mkdtemp(tree));
  const char *dirs[] = {"corpus", "corpus/a", "corpus/.hidden", "lists"};
  for (size_t i = 0; i < 4; i++) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tree, dirs[i]);
    cr_assert_eq(mkdir(path, 0755), 0);
  }
  touch("corpus/b.txt", "b");
  touch("corpus/B.txt", "B");
  touch("corpus/a/z.txt", "z");
  touch("corpus/a/c.txt", "c");
  touch("corpus/.hidden/x.txt", "x");
  touch("corpus/.dot.txt", "x");
  touch("single.md", "s");
  touch("lists/list", "# inputs\n\n../single.md\r\n  ../corpus/a  \n");
}

static void remove_tree(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
  cr_assert_eq(system(cmd), 0);
}

Test(source, list_keys_and_order, .init = make_tree, .fini = remove_tree) {
  char dir[128], file[128];
  snprintf(dir, sizeof dir, "%s/corpus/", tree);
  snprintf(file, sizeof file, "%s/single.md", tree);
  const char *inputs[] = {dir, file, "-"};
  KgInputVec v = {0};
  KgError err;
  cr_assert_eq(kg_source_list(inputs, 3, &v, NULL, NULL, &err), KG_SUCCESS,
               "%s", err.message);
  const char *keys[] = {"B.txt", "a/c.txt",   "a/z.txt",
                        "b.txt", "single.md", "stdin"};
  cr_assert_eq(v.len, 6);
  for (size_t i = 0; i < 6; i++)
    cr_assert_str_eq(v.items[i].key, keys[i]);
  char want[256];
  snprintf(want, sizeof want, "%s/corpus/a/c.txt", tree);
  cr_assert_str_eq(v.items[1].path, want);
  cr_assert_str_eq(v.items[5].path, "-");
  kg_input_vec_free(&v);
  kg_input_vec_free(NULL);
}

Test(source, list_file_relative_paths, .init = make_tree, .fini = remove_tree) {
  char list[128];
  snprintf(list, sizeof list, "@%s/lists/list", tree);
  const char *inputs[] = {list};
  KgInputVec v = {0};
  KgError err;
  cr_assert_eq(kg_source_list(inputs, 1, &v, NULL, NULL, &err), KG_SUCCESS,
               "%s", err.message);
  cr_assert_eq(v.len, 3);
  cr_assert_str_eq(v.items[0].key, "single.md");
  cr_assert_str_eq(v.items[1].key, "c.txt");
  cr_assert_str_eq(v.items[2].key, "z.txt");
  char want[256];
  snprintf(want, sizeof want, "%s/lists/../single.md", tree);
  cr_assert_str_eq(v.items[0].path, want);
  kg_input_vec_free(&v);
}

Test(source, list_missing_and_duplicates, .init = make_tree,
     .fini = remove_tree) {
  char missing[128], file[128], other[128];
  snprintf(missing, sizeof missing, "%s/nope.txt", tree);
  snprintf(file, sizeof file, "%s/corpus/b.txt", tree);
  snprintf(other, sizeof other, "%s/corpus/a/c.txt", tree);
  KgInputVec v = {0};
  KgError err;
  const char *bad[] = {file, missing};
  cr_assert_eq(kg_source_list(bad, 2, &v, NULL, NULL, &err), KG_ERR_IO);
  cr_assert_str_eq(err.file, missing);
  cr_assert_eq(v.len, 0);
  /* same file twice: dropped; same base name: keyed by path */
  touch("corpus/a/b.txt", "b2");
  char same_name[128];
  snprintf(same_name, sizeof same_name, "%s/corpus/a/b.txt", tree);
  const char *dup[] = {file, file, same_name};
  Msgs w = {0};
  cr_assert_eq(kg_source_list(dup, 3, &v, collect, &w, &err), KG_SUCCESS);
  cr_assert_eq(v.len, 2);
  cr_assert_str_eq(v.items[0].key, "b.txt");
  cr_assert_str_eq(v.items[1].key, same_name);
  cr_assert_eq(w.count, 2, "%s", w.all);
  (void)other;
  kg_input_vec_free(&v);
}

/* ------------------------------------------------------ fault injection */

Test(source, allocation_failures_are_reported) {
  size_t n;
  char *page = slurp(FX "news.html", &n);
  for (long i = 0;; i++) {
    KgDocText d;
    KgError err;
    kg_alloc_fail_after(i);
    KgStatus rc = decode("news.html", page, n, &d, NULL, &err);
    kg_alloc_fail_after(-1);
    if (rc == KG_SUCCESS) {
      cr_assert(strstr(d.text, "文心一言"));
      kg_doc_text_free(&d);
      break;
    }
    cr_assert_eq(rc, KG_ERR_NOMEM, "at %ld: %s", i, err.message);
    cr_assert_null(d.text);
  }
  free(page);
  kg_doc_text_free(NULL);
}
