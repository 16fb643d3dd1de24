/* Unit tests for util.c: buffers, UTF-8, SHA-256, atomic writes. */
#include "util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

Test(util, sha256_known_vectors) {
  char hex[65];
  kg_sha256_hex("", 0, hex);
  cr_assert_str_eq(
      hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  kg_sha256_hex("abc", 3, hex);
  cr_assert_str_eq(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *long_msg =
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  kg_sha256_hex(long_msg, strlen(long_msg), hex);
  cr_assert_str_eq(
      hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(util, utf8_roundtrip_and_invalid) {
  const uint32_t cps[] = {0x41, 0xE9, 0x5F00, 0x20000, 0x10FFFF};
  for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
    char buf[4];
    size_t n = kg_utf8_encode(cps[i], buf);
    uint32_t cp;
    cr_assert_eq(kg_utf8_decode(buf, n, &cp), n);
    cr_assert_eq(cp, cps[i]);
  }
  uint32_t cp;
  cr_assert_eq(kg_utf8_decode("\xC0\xAF", 2, &cp), 1); /* overlong */
  cr_assert_eq(cp, 0xFFFD);
  cr_assert_eq(kg_utf8_decode("\xED\xA0\x80", 3, &cp), 1); /* surrogate */
  size_t bad = 0;
  cr_assert(!kg_utf8_valid("ab\xFF", 3, &bad));
  cr_assert_eq(bad, 2);
  cr_assert_eq(kg_utf8_count("开源ab", strlen("开源ab")), 4);
}

Test(util, buffer_printf_grows) {
  KgBuf b = {0};
  for (int i = 0; i < 1000; i++)
    cr_assert(kg_buf_printf(&b, "%d,", i));
  cr_assert(strncmp(b.data, "0,1,2,", 6) == 0);
  size_t len;
  char *s = kg_buf_take(&b, &len);
  cr_assert_eq(len, strlen(s));
  kg_free(s);
}

Test(util, alloc_failure_is_reported) {
  kg_alloc_fail_after(0);
  cr_assert_null(kg_strdup("x"));
  kg_alloc_fail_after(-1);
  char *s = kg_strdup("x");
  cr_assert_str_eq(s, "x");
  kg_free(s);
}

Test(util, atomic_write_replaces_whole_file) {
  char dir[] = "/tmp/kg_util_XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char path[256];
  snprintf(path, sizeof path, "%s/out.txt", dir);
  KgError err;
  cr_assert_eq(kg_write_file_atomic(path, "one", 3, &err), KG_SUCCESS);
  cr_assert_eq(kg_write_file_atomic(path, "second", 6, &err), KG_SUCCESS);
  char *data;
  size_t len;
  cr_assert_eq(kg_read_file(path, 100, &data, &len, &err), KG_SUCCESS);
  cr_assert_str_eq(data, "second");
  kg_free(data);
  cr_assert_eq(kg_read_file(path, 2, &data, &len, &err), KG_ERR_LIMIT);
  /* a folder that does not exist: error, no crash */
  cr_assert_eq(kg_write_file_atomic("/nonexistent/x", "a", 1, &err), KG_ERR_IO);
  remove(path);
  rmdir(dir);
}

/* Writing in pieces loses and repeats nothing: lengths around the piece
 * size, read back byte for byte; a full device is an error. */
Test(util, write_all_writes_every_byte_in_pieces) {
  const size_t p = KG_WRITE_PIECE;
  const size_t lens[] = {0, 1, p - 1, p, p + 1, 3 * p + 17};
  char *data = kg_malloc(3 * p + 17), *back = kg_malloc(3 * p + 17);
  cr_assert(data && back);
  for (size_t i = 0; i < 3 * p + 17; i++)
    data[i] = (char)(i * 7 + i / 251);
  for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
    FILE *f = tmpfile();
    cr_assert_not_null(f);
    cr_assert(kg_write_all(f, data, lens[k]));
    cr_assert_eq(ftell(f), (long)lens[k]);
    rewind(f);
    cr_assert_eq(fread(back, 1, lens[k] + 1, f), lens[k]);
    cr_assert_arr_eq(back, data, lens[k], "length %zu", lens[k]);
    fclose(f);
  }
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    setvbuf(full, NULL, _IONBF, 0);
    cr_expect_not(kg_write_all(full, data, p + 1));
    fclose(full);
  }
  kg_free(data);
  kg_free(back);
}
