/*
 * source.c — the inputs of a build as a list of files, and each file as
 * UTF-8 text.
 *
 * Listing is deterministic: inputs keep their order, each directory is
 * read in byte order of its entry names, hidden entries (".name") are
 * skipped, and a directory reached twice through symbolic links is
 * walked once.  Keys (document ids) are paths below the input given;
 * when two inputs yield the same key the later one is keyed by its path.
 *
 * Loading checks the size with stat before reading, hashes the raw
 * bytes, picks the format (extension first, then the first bytes),
 * decodes (encoding.c) and, for HTML and XML, extracts the text
 * (markup.c).  Plain text keeps every offset: an HTML-style comment
 * (<!-- ... -->) has each code point turned into a space, newlines kept,
 * so the rules never see it and code-point positions stay true.
 */
#include "source.h"

#include "encoding.h"
#include "markup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Guard against runaway directory trees (and symlink loops we miss). */
#define MAX_DIR_DEPTH 128

typedef struct {
  dev_t dev;
  ino_t ino;
} DirId;

typedef struct {
  KgInputVec *out;
  KgMessageFunc on_msg;
  void *ctx;
  KgError *err;
  KG_VEC(DirId) open_dirs; /* directories being walked (loop check) */
} Lister;

static KgStatus nomem(KgError *err, const char *file) {
  return kg_error_set(err, KG_ERR_NOMEM, file, 0, 0, "out of memory");
}

/* dir + "/" + name, without doubling a trailing slash.  Caller frees. */
static char *join_path(const char *dir, const char *name) {
  size_t n = strlen(dir);
  bool slash = n > 0 && dir[n - 1] == '/';
  return kg_strfmt("%s%s%s", dir, slash || n == 0 ? "" : "/", name);
}

static const char *base_name(const char *path) {
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  const char *slash = NULL;
  for (size_t i = 0; i + 1 < n; i++)
    if (path[i] == '/')
      slash = path + i;
  return slash ? slash + 1 : path;
}

static KgStatus add_input(Lister *l, const char *path, const char *key) {
  KgInput in = {kg_strdup(path), kg_strdup(key)};
  if (in.path && in.key && kg_vec_push(l->out, in))
    return KG_SUCCESS;
  kg_free(in.path);
  kg_free(in.key);
  return nomem(l->err, path);
}

void kg_input_vec_free(KgInputVec *v) {
  if (!v)
    return;
  for (size_t i = 0; i < v->len; i++) {
    kg_free(v->items[i].path);
    kg_free(v->items[i].key);
  }
  kg_vec_free(v);
}

/* ------------------------------------------------------------ directories */

typedef KG_VEC(char *) NameVec;

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(NameVec *v) {
  for (size_t i = 0; i < v->len; i++)
    kg_free(v->items[i]);
  kg_vec_free(v);
}

/* The visible entries of dir, sorted by bytes. */
static KgStatus read_names(Lister *l, const char *dir, NameVec *names) {
  DIR *d = opendir(dir);
  if (!d)
    return kg_error_set(l->err, KG_ERR_IO, dir, 0, 0,
                        "cannot read directory: %s", strerror(errno));
  KgStatus rc = KG_SUCCESS;
  struct dirent *e;
  while (rc == KG_SUCCESS && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue; /* hidden, "." and ".." */
    char *copy = kg_strdup(e->d_name);
    if (!copy || !kg_vec_push(names, copy)) {
      kg_free(copy);
      rc = nomem(l->err, dir);
    }
  }
  closedir(d);
  if (rc == KG_SUCCESS && names->len > 1)
    qsort(names->items, names->len, sizeof *names->items, cmp_names);
  return rc;
}

static KgStatus list_dir(Lister *l, const char *dir, const char *prefix);

/* One directory entry: recurse into directories, add regular files. */
static KgStatus list_entry(Lister *l, const char *path, const char *key) {
  struct stat sb;
  if (stat(path, &sb) != 0) {
    kg_warn(l->on_msg, l->ctx, path, 0, 0, "cannot read: %s; skipped",
            strerror(errno));
    return KG_SUCCESS;
  }
  if (S_ISDIR(sb.st_mode))
    return list_dir(l, path, key);
  if (S_ISREG(sb.st_mode))
    return add_input(l, path, key);
  kg_warn(l->on_msg, l->ctx, path, 0, 0, "not a regular file; skipped");
  return KG_SUCCESS;
}

/* Was this directory already entered on the way down (a symlink loop)? */
static bool dir_open(Lister *l, const struct stat *sb) {
  for (size_t i = 0; i < l->open_dirs.len; i++)
    if (l->open_dirs.items[i].dev == sb->st_dev &&
        l->open_dirs.items[i].ino == sb->st_ino)
      return true;
  return false;
}

static KgStatus list_dir(Lister *l, const char *dir, const char *prefix) {
  struct stat sb;
  if (stat(dir, &sb) != 0)
    return kg_error_set(l->err, KG_ERR_IO, dir, 0, 0, "cannot read: %s",
                        strerror(errno));
  if (dir_open(l, &sb) || l->open_dirs.len >= MAX_DIR_DEPTH) {
    kg_warn(l->on_msg, l->ctx, dir, 0, 0,
            "directory loop or nesting too deep; skipped");
    return KG_SUCCESS;
  }
  DirId id = {sb.st_dev, sb.st_ino};
  if (!kg_vec_push(&l->open_dirs, id))
    return nomem(l->err, dir);
  NameVec names = {0};
  KgStatus rc = read_names(l, dir, &names);
  for (size_t i = 0; rc == KG_SUCCESS && i < names.len; i++) {
    char *path = join_path(dir, names.items[i]);
    char *key = *prefix ? kg_strfmt("%s/%s", prefix, names.items[i])
                        : kg_strdup(names.items[i]);
    rc = path && key ? list_entry(l, path, key) : nomem(l->err, dir);
    kg_free(path);
    kg_free(key);
  }
  free_names(&names);
  l->open_dirs.len--;
  return rc;
}

/* -------------------------------------------------------------- inputs */

/* A file or directory named by the user (or a list file). */
static KgStatus list_path(Lister *l, const char *path, const char *list,
                          unsigned line) {
  struct stat sb;
  if (stat(path, &sb) != 0 && list)
    return kg_error_set(l->err, KG_ERR_IO, list, line, 0, "cannot read %s: %s",
                        path, strerror(errno));
  if (stat(path, &sb) != 0)
    return kg_error_set(l->err, KG_ERR_IO, path, 0, 0, "cannot read: %s",
                        strerror(errno));
  if (S_ISDIR(sb.st_mode))
    return list_dir(l, path, "");
  return add_input(l, path, base_name(path));
}

/* The folder list paths are relative to ("" for the current one). */
static char *list_folder(const char *list) {
  const char *slash = strrchr(list, '/');
  if (!slash)
    return kg_strdup("");
  return kg_strndup(list, slash == list ? 1 : (size_t)(slash - list));
}

static KgStatus list_line(Lister *l, const char *list, const char *folder,
                          char *line, unsigned lineno) {
  size_t n = strlen(line);
  while (n > 0 &&
         (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
    line[--n] = '\0';
  while (*line == ' ' || *line == '\t')
    line++;
  if (!*line || *line == '#')
    return KG_SUCCESS;
  char *path =
      line[0] == '/' || !*folder ? kg_strdup(line) : join_path(folder, line);
  if (!path)
    return nomem(l->err, list);
  KgStatus rc = list_path(l, path, list, lineno);
  kg_free(path);
  return rc;
}

static KgStatus list_file(Lister *l, const char *list) {
  char *data;
  size_t len;
  KgStatus rc =
      kg_read_file(list, KG_DEFAULT_MAX_FILE_SIZE, &data, &len, l->err);
  if (rc != KG_SUCCESS)
    return rc;
  char *folder = list_folder(list);
  if (!folder)
    rc = nomem(l->err, list);
  char *line = data;
  for (unsigned no = 1; rc == KG_SUCCESS && line < data + len; no++) {
    char *nl = memchr(line, '\n', (size_t)(data + len - line));
    if (nl)
      *nl = '\0';
    rc = list_line(l, list, folder, line, no);
    line = nl ? nl + 1 : data + len;
  }
  kg_free(folder);
  kg_free(data);
  return rc;
}

/* ---------------------------------------------------------- duplicate keys */

typedef struct {
  const KgInput *in;
  size_t index;
} KeyRef;

static int cmp_keys(const void *a, const void *b) {
  const KeyRef *x = a, *y = b;
  int c = strcmp(x->in->key, y->in->key);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Re-key or drop entry i, a later one with the key of entry `first`. */
static bool settle_duplicate(Lister *l, size_t first, size_t i, bool *drop) {
  KgInput *a = &l->out->items[first], *b = &l->out->items[i];
  if (strcmp(a->path, b->path) == 0) {
    kg_warn(l->on_msg, l->ctx, b->path, 0, 0, "listed twice; skipped");
    *drop = true;
    return true;
  }
  kg_warn(l->on_msg, l->ctx, b->path, 0, 0,
          "key \"%s\" is taken by %s; keyed by its path instead", b->key,
          a->path);
  char *key = kg_strdup(b->path + (strncmp(b->path, "./", 2) ? 0 : 2));
  if (!key)
    return false;
  kg_free(b->key);
  b->key = key;
  return true;
}

static KgStatus settle_keys(Lister *l) {
  KgInputVec *v = l->out;
  KeyRef *refs = kg_reallocarray(NULL, v->len ? v->len : 1, sizeof *refs);
  bool *drop = kg_calloc(v->len ? v->len : 1, sizeof *drop);
  bool ok = refs && drop;
  for (size_t i = 0; ok && i < v->len; i++)
    refs[i] = (KeyRef){&v->items[i], i};
  if (ok)
    qsort(refs, v->len, sizeof *refs, cmp_keys);
  /* runs of one key; keys are compared before any of the run changes */
  for (size_t first = 0, end; ok && first < v->len; first = end) {
    for (end = first + 1; end < v->len; end++)
      if (strcmp(refs[end].in->key, refs[first].in->key) != 0)
        break;
    for (size_t i = first + 1; ok && i < end; i++)
      ok = settle_duplicate(l, refs[first].index, refs[i].index,
                            &drop[refs[i].index]);
  }
  size_t w = 0;
  for (size_t i = 0; ok && i < v->len; i++) {
    if (drop[i]) {
      kg_free(v->items[i].path);
      kg_free(v->items[i].key);
    } else {
      v->items[w++] = v->items[i];
    }
  }
  if (ok)
    v->len = w;
  kg_free(refs);
  kg_free(drop);
  return ok ? KG_SUCCESS : nomem(l->err, NULL);
}

KgStatus kg_source_list(const char *const *inputs, size_t n, KgInputVec *out,
                        KgMessageFunc on_msg, void *ctx, KgError *err) {
  kg_markup_init(); /* here, before any worker thread parses */
  Lister l = {.out = out, .on_msg = on_msg, .ctx = ctx, .err = err};
  KgStatus rc = KG_SUCCESS;
  for (size_t i = 0; rc == KG_SUCCESS && i < n; i++) {
    const char *in = inputs[i];
    if (strcmp(in, "-") == 0)
      rc = add_input(&l, "-", "stdin");
    else if (in[0] == '@')
      rc = list_file(&l, in + 1);
    else
      rc = list_path(&l, in, NULL, 0);
  }
  kg_vec_free(&l.open_dirs);
  if (rc == KG_SUCCESS)
    rc = settle_keys(&l);
  if (rc != KG_SUCCESS)
    kg_input_vec_free(out);
  return rc;
}

/* ----------------------------------------------------------------- format */

typedef enum { FMT_UNKNOWN, FMT_TEXT, FMT_HTML, FMT_XML } Format;

static const char *const format_names[] = {"text", "text", "html", "xml"};

/* By extension.  To add one: add a line. */
static const struct {
  const char *ext;
  Format format;
} format_exts[] = {
    {".txt", FMT_TEXT},      {".text", FMT_TEXT}, {".md", FMT_TEXT},
    {".markdown", FMT_TEXT}, {".html", FMT_HTML}, {".htm", FMT_HTML},
    {".xhtml", FMT_HTML},    {".xml", FMT_XML},
};

static Format format_by_name(const char *name) {
  const char *dot = strrchr(base_name(name), '.');
  size_t n = sizeof format_exts / sizeof *format_exts;
  for (size_t i = 0; dot && i < n; i++)
    if (strcasecmp(dot, format_exts[i].ext) == 0)
      return format_exts[i].format;
  return FMT_UNKNOWN;
}

static bool starts_ci(const char *s, const char *end, const char *prefix) {
  size_t k = strlen(prefix);
  return (size_t)(end - s) >= k && strncasecmp(s, prefix, k) == 0;
}

static const char *skip_space(const char *s, const char *end) {
  while (s < end && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
    s++;
  return s;
}

/* By the first bytes (ASCII-compatible): HTML, XML or unknown. */
static Format format_by_content(const char *s, size_t len) {
  const char *end = s + len;
  if (starts_ci(s, end, "\xEF\xBB\xBF"))
    s += 3;
  s = skip_space(s, end);
  bool xml = starts_ci(s, end, "<?xml");
  if (xml) {
    while (s + 1 < end && !(s[0] == '?' && s[1] == '>'))
      s++;
    s = skip_space(s + 2 < end ? s + 2 : end, end);
  }
  if (starts_ci(s, end, "<!doctype html") || starts_ci(s, end, "<html"))
    return FMT_HTML;
  return xml ? FMT_XML : FMT_UNKNOWN;
}

/* ---------------------------------------------------------------- reading */

static KgStatus read_stream(FILE *f, const char *name, size_t max, char **data,
                            size_t *len, KgError *err) {
  KgBuf b = {0};
  char chunk[65536];
  size_t n;
  KgStatus rc = KG_SUCCESS;
  while (rc == KG_SUCCESS && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + n > max)
      rc = kg_error_set(err, KG_ERR_LIMIT, name, 0, 0,
                        "input larger than %zu bytes; skipped", max);
    else if (!kg_buf_append(&b, chunk, n))
      rc = nomem(err, name);
  }
  if (rc == KG_SUCCESS && ferror(f))
    rc = kg_error_set(err, KG_ERR_IO, name, 0, 0, "read error");
  if (rc == KG_SUCCESS && !(*data = kg_buf_take(&b, len)))
    rc = nomem(err, name);
  kg_buf_free(&b);
  return rc;
}

/* size bytes of f into a new NUL-terminated block; NULL when the read
 * fails or finds another size (the file changed: read it as a stream). */
static char *read_exact(FILE *f, size_t size) {
  char *buf = kg_malloc(size + 1);
  if (buf && fread(buf, 1, size, f) == size && getc(f) == EOF) {
    buf[size] = '\0';
    return buf;
  }
  kg_free(buf);
  return NULL;
}

KgStatus kg_source_read_file(const char *path, size_t max, char **data,
                             size_t *len, KgError *err) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  struct stat sb;
  if (!f || fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    if (f)
      fclose(f);
    return kg_read_file(path, max, data, len, err); /* it says why */
  }
  size_t size = (size_t)sb.st_size;
  char *buf = size <= max ? read_exact(f, size) : NULL;
  fclose(f);
  if (!buf) /* too large, out of memory, or changed: the slow way tells */
    return kg_read_file(path, max, data, len, err);
  *data = buf;
  *len = size;
  return KG_SUCCESS;
}

static KgStatus read_input(const KgInput *in, size_t max, char **data,
                           size_t *len, KgError *err) {
  *data = NULL;
  *len = 0;
  if (strcmp(in->path, "-") == 0)
    return read_stream(stdin, "stdin", max, data, len, err);
  struct stat sb;
  if (stat(in->path, &sb) != 0)
    return kg_error_set(err, KG_ERR_IO, in->path, 0, 0, "cannot read: %s",
                        strerror(errno));
  if (!S_ISREG(sb.st_mode))
    return kg_error_set(err, KG_ERR_UNSUPPORTED, in->path, 0, 0,
                        "not a regular file");
  if ((uintmax_t)sb.st_size > (uintmax_t)max)
    return kg_error_set(err, KG_ERR_LIMIT, in->path, 0, 0,
                        "file is %jd bytes, over the limit of %zu; skipped",
                        (intmax_t)sb.st_size, max);
  return kg_source_read_file(in->path, max, data, len, err);
}

KgStatus kg_source_load(const KgInput *in, size_t max_size, KgDocText *out,
                        KgMessageFunc on_msg, void *ctx, KgError *err) {
  memset(out, 0, sizeof *out);
  if (max_size == 0)
    max_size = KG_DEFAULT_MAX_FILE_SIZE;
  char *data;
  size_t len;
  KgStatus rc = read_input(in, max_size, &data, &len, err);
  if (rc != KG_SUCCESS)
    return rc;
  const char *name = strcmp(in->path, "-") == 0 ? "stdin" : in->path;
  rc = kg_source_decode(name, data, len, out, on_msg, ctx, err);
  kg_free(data);
  return rc;
}

/* ------------------------------------------------------------- decoding */

static const char *find_str(const char *s, const char *end, const char *pat) {
  size_t k = strlen(pat);
  for (; (size_t)(end - s) >= k; s++)
    if (memcmp(s, pat, k) == 0)
      return s;
  return NULL;
}

/* Where the next "<!--" starts in s[from..n), or n. */
static size_t next_comment(const char *s, size_t from, size_t n) {
  while (from + 4 <= n) {
    const char *lt = memchr(s + from, '<', n - from - 3);
    if (!lt)
      break;
    from = (size_t)(lt - s);
    if (memcmp(lt, "<!--", 4) == 0)
      return from;
    from++;
  }
  return n;
}

static unsigned count_lines(const char *s, size_t n) {
  unsigned line = 1;
  for (const char *p = s; (p = memchr(p, '\n', (size_t)(s + n - p))) != NULL;
       p++)
    line++;
  return line;
}

/* Turn every code point of each <!-- ... --> into one space, keeping
 * line breaks; an unterminated comment runs to the end of the text.
 * Text without comments (the usual case) is not touched. */
static void blank_comments(const char *name, char *s, size_t *len,
                           KgMessageFunc on_msg, void *ctx) {
  size_t r = 0, w = 0, n = *len;
  for (;;) {
    size_t at = next_comment(s, r, n);
    if (w != r)
      memmove(s + w, s + r, at - r);
    w += at - r;
    if ((r = at) >= n)
      break;
    const char *close = find_str(s + r + 4, s + n, "-->");
    size_t stop = close ? (size_t)(close - s) + 3 : n;
    if (!close) /* newlines are kept, so s[0..w) has the original's lines */
      kg_warn(on_msg, ctx, name, count_lines(s, w), 0,
              "unterminated <!-- comment hides the rest of the file");
    for (; r < stop; r++) {
      if (s[r] == '\n' || s[r] == '\r')
        s[w++] = s[r];
      else if (((unsigned char)s[r] & 0xC0) != 0x80)
        s[w++] = ' ';
    }
  }
  s[w] = '\0';
  *len = w;
}

static KgStatus extract(const char *name, Format f, KgDecoded *d,
                        KgDocText *out, KgMessageFunc on_msg, void *ctx,
                        KgError *err) {
  if (f == FMT_TEXT) {
    blank_comments(name, d->text, &d->len, on_msg, ctx);
    out->text = d->text, out->len = d->len;
    d->text = NULL;
    return KG_SUCCESS;
  }
  KgBuf b = {0};
  KgStatus rc =
      f == FMT_HTML
          ? kg_markup_html(name, d->text, d->len, &b, on_msg, ctx, err)
          : kg_markup_xml(name, d->text, d->len, &b, on_msg, ctx, err);
  if (rc == KG_SUCCESS && !(out->text = kg_buf_take(&b, &out->len)))
    rc = nomem(err, name);
  kg_buf_free(&b);
  return rc;
}

KgStatus kg_source_decode(const char *name, const char *data, size_t len,
                          KgDocText *out, KgMessageFunc on_msg, void *ctx,
                          KgError *err) {
  memset(out, 0, sizeof *out);
  kg_markup_init();
  out->bytes = len;
  kg_sha256_hex(data, len, out->sha256);
  Format f = format_by_name(name);
  if (f == FMT_UNKNOWN)
    f = format_by_content(data, len);
  char declared[64] = "";
  if (f == FMT_HTML || f == FMT_XML)
    kg_enc_declared(data, len, declared, sizeof declared);
  KgDecoded d;
  KgStatus rc = kg_enc_decode(name, data, len, declared, &d, on_msg, ctx, err);
  if (rc != KG_SUCCESS)
    return rc;
  if (f == FMT_UNKNOWN) /* UTF-16 markup shows only once decoded */
    f = format_by_content(d.text, d.len);
  if (f == FMT_UNKNOWN)
    f = FMT_TEXT;
  rc = extract(name, f, &d, out, on_msg, ctx, err);
  kg_free(d.text);
  out->format = format_names[f];
  out->encoding = d.encoding;
  if (rc != KG_SUCCESS)
    kg_doc_text_free(out);
  return rc;
}

void kg_doc_text_free(KgDocText *d) {
  if (!d)
    return;
  kg_free(d->text);
  d->text = NULL;
  d->len = 0;
}
