/* Unit tests for gazetteer snapshots and their cache: a restored
 * gazetteer answers and matches exactly as the saved one; truncated,
 * damaged, foreign and forged files are refused (under ASan: without a
 * stray read); the cache replays the load's messages in order, keys on
 * every input, and falls back to a normal load when it cannot help. */
#include "gazetteer.h"
#include "gazetteer_cache.h"
#include "normalizer.h"
#include "ontology.h"
#include "util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIXTURES "tests/fixtures/gazetteer/"
#define HEADER_BYTES 120 /* magic, version, layout, 11 counts, checksum */

static KgNormalizer *norm;
static KgOntology *onto;

static void setup(void) {
  cr_assert_eq(kg_normalizer_new(&norm, NULL), KG_SUCCESS);
  cr_assert_eq(kg_ontology_load(FIXTURES "ontology.ttl", &onto, NULL),
               KG_SUCCESS);
}

static void teardown(void) {
  kg_ontology_free(onto);
  kg_normalizer_free(norm);
}

TestSuite(gazcache, .init = setup, .fini = teardown);

/* Entities in my own words: Chinese, English and mixed aliases, a
 * variant-bearing name, a relation, and three things to warn about. */
static const char *entities_ttl =
    "@prefix e: <http://example.org/kg/entity/> .\n"
    "@prefix kgo: <http://example.org/kg/ontology#> .\n"
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    "e:Lumen a kgo:Organization ; rdfs:label \"Lumen Labs\" ;\n"
    "  skos:altLabel \"流明实验室\", \"流明\", \"Lumen\" ;\n"
    "  kgo:releases e:Quill .\n"
    "e:Quill a kgo:Model ; rdfs:label \"Quill-7B\" ;\n"
    "  skos:altLabel \"羽笔7B\", \"Quill 7B Turbo\", \"QUILL\" .\n"
    "e:Harbor a kgo:Organization ; rdfs:label \"港湾科技\" ;\n"
    "  skos:altLabel \"Harbor Tech\", \"港湾AI\", \"流明\" .\n"
    "e:Mei_Lan a kgo:Person ; rdfs:label \"梅兰\" ;\n"
    "  skos:altLabel \"Mei Lan\", \"梅蘭\" .\n"
    "e:Nowhere a kgo:Planet ; rdfs:label \"Nowhere Inc\" .\n"
    "e:Mei_Lan kgo:releases e:Quill .\n";

/* Write text to a new temporary file; returns its path (caller frees). */
static char *temp_file(const char *text, const char *suffix) {
  char *path = kg_strfmt("/tmp/kg_test_gazcache_XXXXXX%s", suffix);
  int fd = mkstemps(path, (int)strlen(suffix));
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  return path;
}

static void on_msg(void *ctx, const KgError *e) {
  static const char *const sev[] = {"error", "warning", "note"};
  kg_buf_printf(ctx, "%s|%s|%s\n", sev[e->severity], e->file, e->message);
}

static KgGazetteer *load(const char *path, KgBuf *msgs) {
  KgGazetteer *g = NULL;
  cr_assert_eq(kg_gazetteer_new(norm, &g), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_load(g, onto, path, on_msg, msgs, NULL),
               KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  return g;
}

/* A snapshot of g (with messages) in a new unlinked temporary file. */
static int snapshot(const KgGazetteer *g, const KgError *msgs, size_t n) {
  char path[] = "/tmp/kg_test_gazcache_snap_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  cr_assert_eq(kg_gazetteer_save(g, msgs, n, fd, NULL), KG_SUCCESS);
  return fd;
}

static KgStatus restore(int fd, KgGazetteer **out) {
  KgError *msgs = NULL;
  size_t n = 0;
  KgStatus st = kg_gazetteer_restore(norm, onto, fd, out, &msgs, &n, NULL);
  kg_free(msgs);
  if (st != KG_SUCCESS)
    cr_assert_null(*out);
  return st;
}

/* Everything a gazetteer answers, and its matches in text, as lines. */
static void describe(const KgGazetteer *g, const char *text, KgBuf *out) {
  for (size_t i = 0; i < kg_gazetteer_size(g); i++) {
    const KgEntityDef *e = kg_gazetteer_entity(g, (uint32_t)i);
    size_t n;
    const KgEntityRelation *r = kg_gazetteer_relations(g, (uint32_t)i, &n);
    kg_buf_printf(out, "%zu %s [%s] %d find %ld rel", i, e->key, e->label,
                  e->type, kg_gazetteer_find(g, e->key));
    for (size_t k = 0; k < n; k++)
      kg_buf_printf(out, " %d:%u", r[k].predicate, r[k].object);
    kg_buf_putc(out, '\n');
  }
  kg_buf_printf(out, "relations %zu, find(Absent) %ld\n",
                kg_gazetteer_n_relations(g), kg_gazetteer_find(g, "Absent"));
  char *t = kg_normalize_key(norm, text, strlen(text));
  KgGazMatchVec v = {0};
  cr_assert_eq(kg_gazetteer_match(g, t, strlen(t), &v), KG_SUCCESS);
  for (size_t i = 0; i < v.len; i++)
    kg_buf_printf(out, "match %zu-%zu %s\n", v.items[i].begin, v.items[i].end,
                  kg_gazetteer_entity(g, v.items[i].entity)->key);
  kg_vec_free(&v);
  kg_free(t);
}

/* The end of a round-trip test: the snapshot file, the entities file
 * and both gazetteers. */
static void round_trip_free(int fd, char *path, KgGazetteer *g, KgGazetteer *r,
                            KgBuf *msgs) {
  close(fd);
  unlink(path);
  kg_free(path);
  kg_gazetteer_free(g);
  kg_gazetteer_free(r);
  kg_buf_free(msgs);
}

static const char *probe =
    "流明实验室发布了羽笔7B；Lumen Labs says Quill 7B Turbo beats QUILL. "
    "港湾AI与Harbor Tech的梅蘭 (Mei Lan) 评价 quill-7b 和 Quill7BTurbo，"
    "Lumenous 不算，LumenLabs 也不算，流明 is Lumen's short name.";

Test(gazcache, round_trip_is_identical) {
  char *path = temp_file(entities_ttl, ".ttl");
  KgBuf msgs = {0}, a = {0}, b = {0};
  KgGazetteer *g = load(path, &msgs), *r = NULL;
  int fd = snapshot(g, NULL, 0);
  cr_assert_eq(restore(fd, &r), KG_SUCCESS);
  describe(g, probe, &a);
  describe(r, probe, &b);
  cr_assert_str_eq(a.data, b.data);
  /* the content is what the text says, not just the same twice */
  cr_assert(strstr(b.data, "[Lumen Labs]") && strstr(b.data, "rel 0:"), "%s",
            b.data);
  cr_assert(strstr(b.data, "Quill\n") && strstr(b.data, "Mei_Lan\n"), "%s",
            b.data);
  cr_assert(strstr(b.data, "find(Absent) -1"), "%s", b.data);
  /* adding after a restore works as it does on the original */
  long q = kg_gazetteer_find(r, "Quill");
  cr_assert_geq(q, 0);
  cr_assert_eq(kg_gazetteer_add_alias(g, (uint32_t)q, "墨笔"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_add_alias(r, (uint32_t)q, "墨笔"), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_compile(g), KG_SUCCESS);
  cr_assert_eq(kg_gazetteer_compile(r), KG_SUCCESS);
  a.len = b.len = 0;
  describe(g, "墨笔和流明", &a);
  describe(r, "墨笔和流明", &b);
  cr_assert_str_eq(a.data, b.data);
  cr_assert(strstr(b.data, "match 0-6 Quill"), "%s", b.data);
  round_trip_free(fd, path, g, r, &msgs);
  kg_buf_free(&a);
  kg_buf_free(&b);
}

/* A larger gazetteer (deep automaton, char edges, dense rows) on a long
 * mixed text: the same matches. */
Test(gazcache, round_trip_large) {
  KgBuf ttl = {0}, text = {0}, a = {0}, b = {0};
  kg_buf_puts(&ttl, "@prefix e: <http://example.org/kg/entity/> .\n"
                    "@prefix kgo: <http://example.org/kg/ontology#> .\n"
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
                    ".\n");
  static const char *const zh[] = {"云", "星", "海", "光", "山", "河", "智"};
  for (int i = 0; i < 600; i++) {
    kg_buf_printf(&ttl, "e:E%d a kgo:Organization ; rdfs:label \"%s%s%s%d\", ",
                  i, zh[i % 7], zh[(i / 7) % 7], zh[(i / 49) % 7], i % 13);
    kg_buf_printf(&ttl, "\"Org %d-%c\" .\n", i, 'a' + i % 26);
    kg_buf_printf(&text, "%s%s%s%d 与 Org %d %c，", zh[i % 7], zh[(i / 7) % 7],
                  zh[(i / 49) % 7], i % 13, (i * 7) % 600, 'a' + i % 26);
  }
  char *path = temp_file(ttl.data, ".ttl");
  KgBuf msgs = {0};
  KgGazetteer *g = load(path, &msgs), *r = NULL;
  int fd = snapshot(g, NULL, 0);
  cr_assert_eq(restore(fd, &r), KG_SUCCESS);
  describe(g, text.data, &a);
  describe(r, text.data, &b);
  cr_assert_str_eq(a.data, b.data);
  cr_assert(strstr(b.data, "match "), "no match at all");
  round_trip_free(fd, path, g, r, &msgs);
  kg_buf_free(&ttl);
  kg_buf_free(&text);
  kg_buf_free(&a);
  kg_buf_free(&b);
}

/* The compiled test gazetteer's snapshot, as bytes. */
static char *snapshot_bytes(size_t *len) {
  char *path = temp_file(entities_ttl, ".ttl");
  KgBuf msgs = {0};
  KgGazetteer *g = load(path, &msgs);
  int fd = snapshot(g, NULL, 0);
  struct stat sb;
  cr_assert_eq(fstat(fd, &sb), 0);
  *len = (size_t)sb.st_size;
  char *data = kg_malloc(*len);
  cr_assert_eq(pread(fd, data, *len, 0), (ssize_t)*len);
  close(fd);
  unlink(path);
  kg_free(path);
  kg_gazetteer_free(g);
  kg_buf_free(&msgs);
  return data;
}

/* Restore from data[0..len) (in a file); reseal: fix the checksum first. */
static KgStatus restore_bytes(const char *data, size_t len, bool reseal) {
  char path[] = "/tmp/kg_test_gazcache_bad_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  unlink(path);
  cr_assert_eq(write(fd, data, len), (ssize_t)len);
  if (reseal)
    kg_gazetteer_snapshot_reseal(fd);
  KgGazetteer *g = NULL;
  KgStatus st = restore(fd, &g);
  if (st == KG_SUCCESS) { /* the bound checks let it through: it must
                             still be safe to use */
    KgBuf out = {0};
    describe(g, probe, &out);
    kg_buf_free(&out);
    kg_gazetteer_free(g);
  }
  close(fd);
  return st;
}

Test(gazcache, truncated_files_fail) {
  size_t len;
  char *data = snapshot_bytes(&len);
  cr_assert_eq(restore_bytes(data, len, false), KG_SUCCESS);
  size_t cuts[] = {0, 7, HEADER_BYTES - 1, HEADER_BYTES, len / 2, len - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
    cr_expect_neq(restore_bytes(data, cuts[i], false), KG_SUCCESS, "cut %zu",
                  cuts[i]);
  kg_free(data);
}

Test(gazcache, damaged_header_and_data_fail) {
  size_t len;
  char *data = snapshot_bytes(&len);
  /* magic, version, layout, each count, the checksum; then the data */
  for (size_t at = 0; at < HEADER_BYTES; at += 8) {
    data[at + 1] ^= 0x10;
    cr_expect_neq(restore_bytes(data, len, false), KG_SUCCESS, "at %zu", at);
    data[at + 1] ^= 0x10;
  }
  uint64_t version = KG_GAZ_SNAPSHOT_VERSION + 1;
  memcpy(data + 8, &version, sizeof version);
  cr_expect_eq(restore_bytes(data, len, false), KG_ERR_SYNTAX);
  version = KG_GAZ_SNAPSHOT_VERSION;
  memcpy(data + 8, &version, sizeof version);
  for (size_t at = HEADER_BYTES; at < len; at += len / 97) {
    data[at] ^= 0x01;
    cr_expect_neq(restore_bytes(data, len, false), KG_SUCCESS, "at %zu", at);
    data[at] ^= 0x01;
  }
  cr_assert_eq(restore_bytes(data, len, false), KG_SUCCESS);
  kg_free(data);
}

/* Forged files (the checksum made right again): every byte of the
 * gazetteer's tables, changed in turn, must be refused or be harmless;
 * ASan watches the restore and a scan of the probe text. */
Test(gazcache, forged_files_are_safe) {
  size_t len;
  char *data = snapshot_bytes(&len);
  size_t refused = 0, tried = 0;
  for (size_t at = HEADER_BYTES; at < len; at += 1 + at % 5, tried++) {
    char keep = data[at];
    data[at] = (char)(at % 3 == 0 ? 0xFF : keep ^ 0x41);
    refused += restore_bytes(data, len, true) != KG_SUCCESS;
    data[at] = keep;
  }
  cr_assert_gt(refused, tried / 20, "%zu of %zu refused", refused, tried);
  kg_free(data);
}

Test(gazcache, messages_are_kept) {
  char *path = temp_file(entities_ttl, ".ttl");
  KgBuf msgs = {0};
  KgGazetteer *g = load(path, &msgs);
  cr_assert(strstr(msgs.data, "Planet") && strstr(msgs.data, "流明"), "%s",
            msgs.data);
  KgError e[2] = {{0}, {0}};
  kg_error_set(&e[0], KG_FAILURE, path, 0, 0, "first");
  e[0].severity = KG_MSG_WARNING;
  kg_error_set(&e[1], KG_FAILURE, path, 3, 4, "second");
  int fd = snapshot(g, e, 2);
  KgGazetteer *r = NULL;
  KgError *back = NULL;
  size_t n = 0;
  cr_assert_eq(kg_gazetteer_restore(norm, onto, fd, &r, &back, &n, NULL),
               KG_SUCCESS);
  cr_assert_eq(n, 2);
  cr_assert_str_eq(back[0].message, "first");
  cr_assert_eq(back[0].severity, KG_MSG_WARNING);
  cr_assert_str_eq(back[1].message, "second");
  cr_assert_eq(back[1].line, 3);
  cr_assert_str_eq(back[1].file, path);
  kg_free(back);
  round_trip_free(fd, path, g, r, &msgs);
}

/* The snapshot files in dir: count, and the name of one. */
static size_t snapshots_in(const char *dir, char *name, size_t size) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (strstr(e->d_name, ".kgc")) {
      n++;
      snprintf(name, size, "%s/%s", dir, e->d_name);
    }
  closedir(d);
  return n;
}

static void load_cached(const char *dir, const char *path, KgBuf *msgs,
                        KgBuf *desc) {
  KgGazetteer *g = NULL;
  cr_assert_eq(
      kg_gazetteer_load_cached(dir, norm, onto, path, on_msg, msgs, &g, NULL),
      KG_SUCCESS);
  describe(g, probe, desc);
  kg_gazetteer_free(g);
}

Test(gazcache, cache_replays_messages_in_order) {
  char dir[] = "/tmp/kg_test_gazcache_dir_XXXXXX", file[512];
  cr_assert_not_null(mkdtemp(dir));
  char *path = temp_file(entities_ttl, ".ttl");
  KgBuf m1 = {0}, m2 = {0}, d1 = {0}, d2 = {0};
  load_cached(dir, path, &m1, &d1);
  cr_assert_eq(snapshots_in(dir, file, sizeof file), 1);
  load_cached(dir, path, &m2, &d2);
  cr_assert_str_eq(d1.data, d2.data);
  cr_assert(strstr(m1.data, "Planet") && strstr(m1.data, "流明"), "%s",
            m1.data);
  cr_assert_null(strstr(m1.data, "from cache"), "%s", m1.data);
  /* the same messages, then a note naming the file */
  cr_assert_eq(strncmp(m1.data, m2.data, m1.len), 0, "%s\n--\n%s", m1.data,
               m2.data);
  char *note = kg_strfmt("note||gazetteer from cache %s\n", file);
  cr_assert_str_eq(m2.data + m1.len, note);
  kg_free(note);
  /* a damaged snapshot: a normal load, the same answers and messages, and
   * the file written anew */
  int fd = open(file, O_WRONLY);
  cr_assert_eq(pwrite(fd, "XX", 2, 200), 2);
  close(fd);
  m2.len = d2.len = 0;
  load_cached(dir, path, &m2, &d2);
  cr_assert_str_eq(m1.data, m2.data);
  cr_assert_str_eq(d1.data, d2.data);
  m2.len = 0;
  load_cached(dir, path, &m2, &d2);
  cr_assert(strstr(m2.data, "from cache"), "%s", m2.data);
  unlink(file);
  rmdir(dir);
  unlink(path);
  kg_free(path);
  kg_buf_free(&m1);
  kg_buf_free(&m2);
  kg_buf_free(&d1);
  kg_buf_free(&d2);
}

Test(gazcache, no_directory_means_no_cache) {
  char *path = temp_file(entities_ttl, ".ttl");
  KgBuf m1 = {0}, m2 = {0}, d1 = {0}, d2 = {0};
  load_cached(NULL, path, &m1, &d1);
  load_cached("/nonexistent/kg-cache", path, &m2, &d2);
  cr_assert_str_eq(m1.data, m2.data);
  cr_assert_str_eq(d1.data, d2.data);
  unlink(path);
  kg_free(path);
  kg_buf_free(&m1);
  kg_buf_free(&m2);
  kg_buf_free(&d1);
  kg_buf_free(&d2);
}

Test(gazcache, key_covers_inputs) {
  uint8_t id[64];
  size_t n = 0;
  cr_assert(kg_code_build_id(id, &n), "no build-id: is --build-id off?");
  cr_assert_geq(n, 8);
  char a[65], b[65], c[65], d[65];
  cr_assert(kg_gazetteer_cache_key(onto, "x/entities.ttl", "abc", 3, a));
  cr_assert(kg_gazetteer_cache_key(onto, "x/entities.ttl", "abc", 3, b));
  cr_assert_str_eq(a, b);
  cr_assert(kg_gazetteer_cache_key(onto, "y/entities.ttl", "abc", 3, c));
  cr_assert(kg_gazetteer_cache_key(onto, "x/entities.ttl", "abd", 3, d));
  cr_assert_str_neq(a, c);
  cr_assert_str_neq(a, d);
  KgOntology *other = NULL;
  cr_assert_eq(kg_ontology_load("rules/ontology.ttl", &other, NULL),
               KG_SUCCESS);
  cr_assert(kg_gazetteer_cache_key(other, "x/entities.ttl", "abc", 3, c));
  cr_assert_str_neq(a, c);
  kg_ontology_free(other);
}

Test(gazcache, cache_keeps_eight) {
  char dir[] = "/tmp/kg_test_gazcache_keep_XXXXXX", file[512];
  cr_assert_not_null(mkdtemp(dir));
  char *paths[10];
  for (int i = 0; i < 10; i++) {
    char *ttl = kg_strfmt("%s# version %d\n", entities_ttl, i);
    paths[i] = temp_file(ttl, ".ttl");
    kg_free(ttl);
    KgBuf m = {0}, d = {0};
    load_cached(dir, paths[i], &m, &d);
    kg_buf_free(&m);
    kg_buf_free(&d);
  }
  cr_assert_eq(snapshots_in(dir, file, sizeof file), KG_GAZ_CACHE_KEEP);
  /* the newest is kept */
  KgBuf m = {0}, d = {0};
  load_cached(dir, paths[9], &m, &d);
  cr_assert(strstr(m.data, "from cache"), "%s", m.data);
  DIR *dd = opendir(dir);
  for (struct dirent *e; (e = readdir(dd)) != NULL;)
    if (e->d_name[0] != '.') {
      char *f = kg_strfmt("%s/%s", dir, e->d_name);
      unlink(f);
      kg_free(f);
    }
  closedir(dd);
  rmdir(dir);
  for (int i = 0; i < 10; i++) {
    unlink(paths[i]);
    kg_free(paths[i]);
  }
  kg_buf_free(&m);
  kg_buf_free(&d);
}
