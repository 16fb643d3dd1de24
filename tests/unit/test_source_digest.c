/* Unit tests for the SHA-256 and UTF-8 helpers of util.c that the source
 * stage leans on: digests at every padding boundary (the block function
 * has a portable and an x86 SHA-extension version; run under valgrind the
 * portable one is used), and the decoder against a slow reference. */
#include "util.h"

#include <criterion/criterion.h>
#include <string.h>

/* Reference digests of the first n bytes of pattern_bytes(), computed
 * with an independent implementation (Python's hashlib). */
static const struct {
  size_t n;
  const char *hex;
} digests[] = {
    {0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {1, "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879"},
    {3, "17aef23a39d753e713c203c152454d29fa8e39a98e83a69b39a5094dba9ae951"},
    {55, "16ed9c4697ca11d5f6fb25ea7900252dd4cb97215d7f6d0b2bb3e2a86ac0ec72"},
    {56, "939ada93b2fe1e9c596d767bb408567c83e253667f0b25e5be8e16f35f2cbac9"},
    {57, "ab84281f3b181e6cfc7cf870c7f3e7912be6fd1ac49c7dd6b21f6c25bb9a5eaa"},
    {63, "6073f83b09ae82016cdbe24c18996c48f0eaa08ca675d0f6b90b807fc29e0149"},
    {64, "b337ba9b0c69c391364e985fdcb23a889887e59800832c92fbfa22b8a3c40304"},
    {65, "9d6a3fb113b586b4ab97bc11c993a27bd9b7bbcb756e0646083dc47a679600e6"},
    {119, "9773fbac8194c3d789af101b49b6a26073076895ef6e0f658432849dd477a43f"},
    {120, "070a538f085dd94821d4dc197c5c8b791051891d4fa2a1bf25d3c275236676f7"},
    {127, "5072b7a9a4cda7f6d80f1eff09b8b9653201dba22319daf32c6c05339d57f483"},
    {128, "485a94e53eba9717a5d8b7b4489cad92a752f1c5722e7dfd29dd164b7c438d11"},
    {129, "72b63785704123441e7405a2620b859d1f107604ef5882e2674e82cc40d173a6"},
    {1000, "533b698850849b7908b20a22658f639c0b2a476f1791f85f50188287c31a9aba"},
    {4999, "d21617fba14496a371a9adb208db539dc1ddba009ee0964dffe63ec13666f169"},
};

static const unsigned char *pattern_bytes(void) {
  static unsigned char buf[5000];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (unsigned char)(i * 131 + 7);
  return buf;
}

Test(digest, sha256_at_every_padding_boundary) {
  const unsigned char *buf = pattern_bytes();
  for (size_t k = 0; k < sizeof digests / sizeof *digests; k++) {
    char hex[65];
    kg_sha256_hex(buf, digests[k].n, hex);
    cr_expect_str_eq(hex, digests[k].hex, "length %zu", digests[k].n);
  }
}

Test(digest, sha256_known_answer_and_raw_digest) {
  uint8_t d[32];
  kg_sha256("abc", 3, d);
  cr_expect_eq(d[0], 0xba);
  cr_expect_eq(d[1], 0x78);
  cr_expect_eq(d[31], 0xad);
  char hex[65];
  kg_sha256_hex("abc", 3, hex);
  cr_expect_str_eq(
      hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(digest, sha256_input_alignment_does_not_matter) {
  /* the block loads are unaligned: hash the same bytes at every offset */
  static unsigned char buf[300];
  char want[65], got[65];
  memcpy(buf, pattern_bytes(), 200);
  kg_sha256_hex(buf, 200, want);
  for (size_t off = 1; off < 64; off++) {
    memmove(buf + off, pattern_bytes(), 200);
    kg_sha256_hex(buf + off, 200, got);
    cr_expect_str_eq(got, want, "offset %zu", off);
  }
}

/* The decoder as the definition reads: lead byte, continuation bytes,
 * then the range checks on the value. */
static size_t slow_decode(const unsigned char *s, size_t n, uint32_t *cp) {
  *cp = 0xFFFD;
  if (n == 0)
    return 0;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
  if (len == 0 || s[0] > 0xF4 || n < len)
    return 1;
  uint32_t v = s[0] & (0x7F >> len);
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 1;
    v = v << 6 | (s[i] & 0x3F);
  }
  static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
  if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 1;
  *cp = v;
  return len;
}

Test(digest, utf8_decode_agrees_with_the_definition) {
  static const unsigned char tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                        0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  unsigned char b[4];
  size_t mismatches = 0;
  for (unsigned a = 0x80; a < 0x100; a++)
    for (unsigned x = 0; x < 0x100; x++)
      for (size_t y = 0; y < sizeof tails; y++)
        for (size_t z = 0; z < sizeof tails; z++)
          for (size_t n = 1; n <= 4; n++) {
            b[0] = (unsigned char)a, b[1] = (unsigned char)x;
            b[2] = tails[y], b[3] = tails[z];
            uint32_t c1, c2;
            size_t k1 = slow_decode(b, n, &c1);
            size_t k2 = kg_utf8_decode((const char *)b, n, &c2);
            mismatches += k1 != k2 || c1 != c2;
          }
  cr_expect_eq(mismatches, 0);
}

Test(digest, utf8_valid_finds_the_first_bad_byte_past_ascii_runs) {
  char text[64];
  size_t bad = 99;
  memset(text, 'a', sizeof text);
  memcpy(text + 20, "\xE4\xB8\xAD", 3); /* 中 */
  cr_expect(kg_utf8_valid(text, sizeof text, &bad));
  text[37] = (char)0xE4; /* a lead byte followed by ASCII */
  cr_expect_not(kg_utf8_valid(text, sizeof text, &bad));
  cr_expect_eq(bad, 37);
  cr_expect_not(kg_utf8_valid("abcdefgh\xC0\x80", 10, &bad));
  cr_expect_eq(bad, 8);
}
