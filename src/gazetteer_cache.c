/*
 * gazetteer_cache.c — where gazetteer snapshots are kept, and when one
 * may stand in for parsing and compiling entities.ttl.
 *
 * The key covers every input the loaded gazetteer depends on, so a
 * snapshot is never stale, only unused: the code itself (its build-id:
 * any change to kg, the normaliser included, gives a new one), ICU (the
 * normaliser's tables), the ontology (type and predicate numbers), and
 * the entities file's path (it is in the messages) and bytes.  Reading the
 * file to hash it costs a fraction of parsing it.
 *
 * A miss loads as usual while recording the messages the load sends,
 * then writes the snapshot to a temporary file in the cache directory and
 * renames it into place: processes racing on one key each write whole
 * files, and a reader sees one of them or none.  Then the directory is
 * trimmed to the newest KG_GAZ_CACHE_KEEP snapshots.  A hit replays the
 * recorded messages, so what the user sees does not depend on the cache.
 * Every failure of the cache is silent and leads to the normal load.
 */
#define _GNU_SOURCE /* dl_iterate_phdr, mkostemp */
#include "gazetteer_cache.h"

#include "source.h"
#include "util.h"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unicode/uversion.h>
#include <unistd.h>

#define SNAPSHOT_PREFIX "gazetteer-"
#define SNAPSHOT_SUFFIX ".kgc"
#define TEMP_PREFIX ".tmp-gazetteer-"
#define STALE_TEMP_SECONDS 3600

/* ------------------------------------------------------------ build-id */

typedef struct {
  uintptr_t addr; /* inside the object sought */
  uint8_t *id;
  size_t len;
} IdSearch;

/* Find the GNU build-id note among the notes at p[0..n) (entries padded
 * to align bytes). */
static bool find_id_note(const char *p, size_t n, size_t align, IdSearch *s) {
  while (n >= sizeof(ElfW(Nhdr))) {
    ElfW(Nhdr) h;
    memcpy(&h, p, sizeof h);
    size_t name = ((size_t)h.n_namesz + align - 1) & ~(align - 1);
    size_t desc = ((size_t)h.n_descsz + align - 1) & ~(align - 1);
    size_t whole = sizeof h + name + desc;
    if (whole > n)
      return false;
    if (h.n_type == NT_GNU_BUILD_ID && h.n_namesz == 4 &&
        memcmp(p + sizeof h, "GNU", 4) == 0 && h.n_descsz > 0 &&
        h.n_descsz <= 64) {
      memcpy(s->id, p + sizeof h + name, h.n_descsz);
      s->len = h.n_descsz;
      return true;
    }
    p += whole;
    n -= whole;
  }
  return false;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *data) {
  IdSearch *s = data;
  bool mine = false;
  (void)size;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t b = info->dlpi_addr + ph->p_vaddr;
    mine |= ph->p_type == PT_LOAD && s->addr >= b && s->addr - b < ph->p_memsz;
  }
  if (!mine)
    return 0;
  for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    const char *notes = (const char *)(info->dlpi_addr + ph->p_vaddr);
    if (ph->p_type == PT_NOTE &&
        find_id_note(notes, ph->p_memsz, ph->p_align == 8 ? 8 : 4, s))
      break;
  }
  return 1; /* the object is found: stop */
}

bool kg_code_build_id(uint8_t id[64], size_t *len) {
  IdSearch s = {(uintptr_t)&kg_code_build_id, id, 0};
  dl_iterate_phdr(on_object, &s);
  *len = s.len;
  return s.len > 0;
}

/* ----------------------------------------------------------------- key */

/* Append a length-prefixed field, so that no two inputs hash alike. */
static void put_field(KgBuf *b, const void *data, size_t len) {
  uint64_t n = len;
  kg_buf_append(b, &n, sizeof n);
  if (len)
    kg_buf_append(b, data, len);
}

bool kg_gazetteer_cache_key(const KgOntology *onto, const char *path,
                            const char *data, size_t len, char hex[65]) {
  uint8_t id[64];
  size_t id_len, onto_len = 0;
  if (!kg_code_build_id(id, &id_len))
    return false;
  UVersionInfo icu;
  char icu_text[U_MAX_VERSION_STRING_LENGTH];
  u_getVersion(icu);
  u_versionToString(icu, icu_text);
  const char *onto_src = kg_ontology_source(onto, &onto_len);
  uint32_t version = KG_GAZ_SNAPSHOT_VERSION;
  KgBuf b = {0};
  put_field(&b, "kg gazetteer", 12);
  put_field(&b, &version, sizeof version);
  put_field(&b, id, id_len);
  put_field(&b, icu_text, strlen(icu_text));
  put_field(&b, onto_src, onto_src ? onto_len : 0);
  put_field(&b, path, strlen(path));
  put_field(&b, data, len);
  bool ok = !b.failed;
  if (ok)
    kg_sha256_hex(b.data, b.len, hex);
  kg_buf_free(&b);
  return ok;
}

/* DIR/gazetteer-<key>.kgc for the entities file at path, or NULL (no
 * build-id, an unreadable file: then no cache). */
static char *snapshot_path(const char *dir, const KgOntology *onto,
                           const char *path) {
  char *data = NULL, *file = NULL, hex[65];
  size_t len = 0;
  if (kg_source_read_file(path, SIZE_MAX, &data, &len, NULL) == KG_SUCCESS &&
      kg_gazetteer_cache_key(onto, path, data, len, hex))
    file = kg_strfmt("%s%s" SNAPSHOT_PREFIX "%s" SNAPSHOT_SUFFIX, dir,
                     dir[strlen(dir) - 1] == '/' ? "" : "/", hex);
  kg_free(data);
  return file;
}

/* ------------------------------------------------------------- trimming */

typedef struct {
  char *name;
  struct timespec mtime;
} Entry;

static int cmp_entry(const void *x, const void *y) {
  const Entry *a = x, *b = y;
  if (a->mtime.tv_sec != b->mtime.tv_sec)
    return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
  if (a->mtime.tv_nsec != b->mtime.tv_nsec)
    return a->mtime.tv_nsec < b->mtime.tv_nsec ? -1 : 1;
  return strcmp(a->name, b->name);
}

static bool is_snapshot(const char *name) {
  size_t n = strlen(name), np = strlen(SNAPSHOT_PREFIX);
  size_t ns = strlen(SNAPSHOT_SUFFIX);
  return n == np + 64 + ns && strncmp(name, SNAPSHOT_PREFIX, np) == 0 &&
         strcmp(name + n - ns, SNAPSHOT_SUFFIX) == 0;
}

/* Remove a temporary file a killed run left behind, then keep only the
 * newest KG_GAZ_CACHE_KEEP snapshots.  Races with another process doing
 * the same only make an unlink fail. */
static void trim(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return;
  KG_VEC(Entry) v = {0};
  time_t now = time(NULL);
  struct dirent *e;
  struct stat sb;
  while ((e = readdir(d)) != NULL) {
    bool temp = strncmp(e->d_name, TEMP_PREFIX, strlen(TEMP_PREFIX)) == 0;
    if ((!temp && !is_snapshot(e->d_name)) ||
        fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(sb.st_mode))
      continue;
    if (temp && now - sb.st_mtime > STALE_TEMP_SECONDS)
      unlinkat(dirfd(d), e->d_name, 0);
    Entry x = {temp ? NULL : kg_strdup(e->d_name), sb.st_mtim};
    if (!temp && (!x.name || !kg_vec_push(&v, x))) {
      kg_free(x.name);
      break;
    }
  }
  if (v.len > KG_GAZ_CACHE_KEEP) {
    qsort(v.items, v.len, sizeof *v.items, cmp_entry);
    for (size_t i = 0; i + KG_GAZ_CACHE_KEEP < v.len; i++)
      unlinkat(dirfd(d), v.items[i].name, 0);
  }
  for (size_t i = 0; i < v.len; i++)
    kg_free(v.items[i].name);
  kg_vec_free(&v);
  closedir(d);
}

/* ------------------------------------------------------------ load, save */

/* Passes messages on, and keeps a copy for the snapshot. */
typedef struct {
  KgMessageFunc on_msg;
  void *ctx;
  KG_VEC(KgError) msgs;
  bool failed;
} Recorder;

static void record(void *ctx, const KgError *msg) {
  Recorder *r = ctx;
  if (r->on_msg)
    r->on_msg(r->ctx, msg);
  if (!r->failed && !kg_vec_push(&r->msgs, *msg))
    r->failed = true;
}

static KgStatus load_plain(const KgNormalizer *norm, const KgOntology *onto,
                           const char *path, KgMessageFunc on_msg, void *ctx,
                           KgGazetteer **out, KgError *err) {
  KgGazetteer *g = NULL;
  KgStatus st = kg_gazetteer_new(norm, &g);
  if (st == KG_SUCCESS)
    st = kg_gazetteer_load(g, onto, path, on_msg, ctx, err);
  if (st == KG_SUCCESS)
    st = kg_gazetteer_compile(g);
  if (st != KG_SUCCESS) {
    kg_gazetteer_free(g);
    g = NULL;
  }
  *out = g;
  return st;
}

/* The snapshot in file, if there is a sound one; its messages replayed. */
static bool try_restore(const char *file, const KgNormalizer *norm,
                        const KgOntology *onto, KgMessageFunc on_msg, void *ctx,
                        KgGazetteer **out) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  KgError *msgs = NULL, note;
  size_t n = 0;
  KgStatus st = kg_gazetteer_restore(norm, onto, fd, out, &msgs, &n, NULL);
  close(fd);
  if (st != KG_SUCCESS)
    return false;
  for (size_t i = 0; on_msg && i < n; i++)
    on_msg(ctx, &msgs[i]);
  kg_free(msgs);
  if (on_msg) {
    kg_error_set(&note, KG_SUCCESS, NULL, 0, 0, "gazetteer from cache %s",
                 file);
    note.severity = KG_MSG_NOTE;
    on_msg(ctx, &note);
  }
  return true;
}

/* Write g's snapshot as file, through a temporary file in dir. */
static void store(const char *dir, const char *file, const KgGazetteer *g,
                  const Recorder *r) {
  char *tmp = kg_strfmt("%s/" TEMP_PREFIX "XXXXXX", dir);
  int fd = tmp ? mkostemp(tmp, O_CLOEXEC) : -1;
  if (fd < 0) {
    kg_free(tmp);
    return;
  }
  bool ok =
      kg_gazetteer_save(g, r->msgs.items, r->msgs.len, fd, NULL) == KG_SUCCESS;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp, file) != 0)
    unlink(tmp);
  else
    trim(dir);
  kg_free(tmp);
}

KgStatus kg_gazetteer_load_cached(const char *cache_dir,
                                  const KgNormalizer *norm,
                                  const KgOntology *onto, const char *path,
                                  KgMessageFunc on_msg, void *ctx,
                                  KgGazetteer **out, KgError *err) {
  if (!out || !norm || !onto || !path)
    return kg_error_set(err, KG_ERR_BAD_ARG, path, 0, 0,
                        "gazetteer: missing argument");
  *out = NULL;
  char *file =
      cache_dir && *cache_dir ? snapshot_path(cache_dir, onto, path) : NULL;
  if (file && try_restore(file, norm, onto, on_msg, ctx, out)) {
    kg_free(file);
    return KG_SUCCESS;
  }
  Recorder r = {on_msg, ctx, {0}, false};
  KgStatus st = file ? load_plain(norm, onto, path, record, &r, out, err)
                     : load_plain(norm, onto, path, on_msg, ctx, out, err);
  if (st == KG_SUCCESS && file && !r.failed)
    store(cache_dir, file, *out, &r);
  kg_vec_free(&r.msgs);
  kg_free(file);
  return st;
}
