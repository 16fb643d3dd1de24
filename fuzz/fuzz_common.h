/*
 * fuzz_common.h — helpers the libFuzzer targets share: a private temporary
 * folder made once per process, writing the input into a file there, and
 * the path of the fixed data files in fuzz/data (KG_FUZZ_DATA, set by
 * fuzz/CMakeLists.txt).  Harness code, not library code: it may abort.
 */
#ifndef KG_FUZZ_COMMON_H
#define KG_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KG_FUZZ_DATA
#define KG_FUZZ_DATA "fuzz/data"
#endif

#include "kg.h"

/** A message callback that drops every message: the targets check
 * statuses, not wording. */
__attribute__((unused)) static void ignore(void *ctx, const KgError *msg) {
  (void)ctx;
  (void)msg;
}

/** A folder of this process, removed at exit. */
static char fuzz_dir[64];

static void fuzz_dir_remove(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
  if (fuzz_dir[0] && system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", fuzz_dir);
}

static const char *fuzz_tmpdir(void) {
  if (!fuzz_dir[0]) {
    snprintf(fuzz_dir, sizeof fuzz_dir, "/tmp/kg-fuzz.XXXXXX");
    if (!mkdtemp(fuzz_dir))
      abort();
    atexit(fuzz_dir_remove);
  }
  return fuzz_dir;
}

/** Write data to NAME in the folder; returns the path (static buffer). */
static const char *fuzz_write(const char *name, const uint8_t *data,
                              size_t size) {
  static char path[256];
  snprintf(path, sizeof path, "%s/%s", fuzz_tmpdir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
    abort();
  return path;
}

/** Copy fuzz/data/NAME into the folder. */
static void fuzz_copy_data(const char *name) {
  char src[512];
  snprintf(src, sizeof src, "%s/%s", KG_FUZZ_DATA, name);
  FILE *f = fopen(src, "rb");
  if (!f)
    abort();
  static uint8_t buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  fuzz_write(name, buf, n);
}

#endif
