/*
 * test_escape.c - output/escape.c against byte-by-byte references.
 *
 * tl_esc_json skips plain text 16 and 8 bytes at a time; these tests put
 * every kind of special byte at every offset of strings of every length
 * up to 80, in buffers of exactly their size (ASan sees any over-read in
 * the sanitizer run), and compare with a one-byte-at-a-time reference.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../output/escape.h"

/* A writer whose buffer is read back directly (never flushed). */
static struct tl_out out;

static void out_reset(void)
{
    out.len = 0;
}

static char *out_str(void)
{
    char *s = malloc(out.len + 1);
    memcpy(s, out.buf, out.len);
    s[out.len] = '\0';
    return s;
}

static void ref_putc(struct tl_buf *b, char c)
{
    tl_buf_putc(b, c);
}

static void ref_puts(struct tl_buf *b, const char *s)
{
    tl_buf_append(b, s, strlen(s));
}

/* The JSON escaping as specified in escape.h, one byte at a time. */
static char *ref_json(const unsigned char *u, size_t n)
{
    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < n;) {
        unsigned c = u[i];
        char e[16];
        if (c == '"') {
            ref_puts(&b, "\\\"");
        } else if (c == '\\') {
            ref_puts(&b, "\\\\");
        } else if (c == '\n') {
            ref_puts(&b, "\\n");
        } else if (c == '\t') {
            ref_puts(&b, "\\t");
        } else if (c == '\r') {
            ref_puts(&b, "\\r");
        } else if (c == '\b') {
            ref_puts(&b, "\\b");
        } else if (c == '\f') {
            ref_puts(&b, "\\f");
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(e, sizeof e, "\\u%04x", c);
            ref_puts(&b, e);
        } else if (c < 0x80) {
            ref_putc(&b, (char)c);
        } else {
            size_t k = tl_utf8_seq(u + i, n - i);
            unsigned cp = 0;
            if (!k) {
                ref_puts(&b, "\xef\xbf\xbd");
                k = 1;
            } else if (k == 2 && c == 0xc2 && u[i + 1] < 0xa0) {
                snprintf(e, sizeof e, "\\u%04x", u[i + 1]);
                ref_puts(&b, e);
            } else if (k == 3 && c == 0xe2 &&
                       ((cp = 0x2000u | (u[i + 1] & 0x3fu) << 6 |
                              (u[i + 2] & 0x3fu)) == 0x200e ||
                        cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
                        (cp >= 0x2066 && cp <= 0x2069))) {
                snprintf(e, sizeof e, "\\u%04x", cp);
                ref_puts(&b, e);
            } else {
                tl_buf_append(&b, (const char *)u + i, k);
            }
            i += k;
            continue;
        }
        i++;
    }
    tl_buf_putc(&b, '\0');
    return b.p;
}

static const char *const specials[] = {
    "\"", "\\", "\n", "\t", "\r", "\b", "\f", "\x01", "\x1f", "\x7f", "\0",
    "\xc3\xa9",          /* é: passes */
    "\xc2\x9b",          /* C1 CSI */
    "\xe2\x80\xae",      /* RLO */
    "\xe2\x81\xa6",      /* LRI */
    "\xe2\x80\xa8",      /* line separator */
    "\xe2\x80\x8f",      /* RLM */
    "\xe2\x82\xac",      /* euro sign: passes */
    "\xf0\x9f\x98\x80",  /* emoji: passes */
    "\xff",              /* invalid */
    "\xe2\x80",          /* cut sequence */
    "\xed\xa0\x80",      /* surrogate: invalid */
};

START_TEST(test_json_every_offset)
{
    for (size_t sp = 0; sp < sizeof specials / sizeof *specials; sp++) {
        size_t sl = sp == 10 ? 1 : strlen(specials[sp]);
        for (size_t len = sl; len <= 80; len++) {
            for (size_t at = 0; at + sl <= len; at++) {
                unsigned char *s = malloc(len); /* exact size */
                for (size_t i = 0; i < len; i++)
                    s[i] = (unsigned char)('a' + i % 26);
                memcpy(s + at, specials[sp], sl);
                out_reset();
                tl_esc_json(&out, (const char *)s, len);
                char *got = out_str();
                char *want = ref_json(s, len);
                ck_assert_msg(strcmp(got, want) == 0,
                              "special %zu at %zu of %zu: got %s want %s", sp,
                              at, len, got, want);
                free(got);
                free(want);
                free(s);
            }
        }
    }
}
END_TEST

START_TEST(test_json_random)
{
    unsigned long long x = 88172645463325252ull;
    for (int round = 0; round < 20000; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = x % 200;
        unsigned char *s = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* mostly plain text, sometimes anything */
            s[i] = (unsigned char)(x % 8 ? 'a' + x % 26 : x >> 8);
        }
        out_reset();
        tl_esc_json(&out, (const char *)s, len);
        char *got = out_str();
        char *want = ref_json(s, len);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
        free(s);
    }
}
END_TEST

/* Strings too long for the output buffer's worst case go the other way
 * (through tl_out_write in runs): same bytes. */
START_TEST(test_json_long_through_small_buffer)
{
    unsigned long long x = 424242;
    for (int round = 0; round < 300; round++) {
        size_t len = 40 + round * 7;
        unsigned char *s = malloc(len);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s[i] = (unsigned char)(x % 8 ? 'a' + x % 26 : x >> 8);
        }
        FILE *f = tmpfile();
        ck_assert_ptr_nonnull(f);
        struct tl_out small;
        tl_out_init(&small, fileno(f), 256);
        tl_esc_json(&small, (const char *)s, len);
        ck_assert(tl_out_flush(&small));
        tl_out_free(&small);
        long sz = ftell(f) >= 0 ? (fseek(f, 0, SEEK_END), ftell(f)) : -1;
        ck_assert_int_ge(sz, (long)len);
        char *got = malloc((size_t)sz + 1);
        rewind(f);
        ck_assert_uint_eq(fread(got, 1, (size_t)sz, f), (size_t)sz);
        got[sz] = '\0';
        fclose(f);
        char *want = ref_json(s, len);
        ck_assert_str_eq(got, want);
        free(got);
        free(want);
        free(s);
    }
}
END_TEST

START_TEST(test_invisible_everywhere)
{
    /* the characters that reorder or hide text never pass through */
    const char *rlo = "a\xe2\x80\xae" "b\xc2\x9b" "c";
    out_reset();
    tl_esc_json(&out, rlo, strlen(rlo));
    char *j = out_str();
    ck_assert_str_eq(j, "a\\u202eb\\u009bc");
    free(j);
    out_reset();
    tl_esc_term(&out, rlo, strlen(rlo));
    char *t = out_str();
    ck_assert_str_eq(t, "a\\xe2\\x80\\xaeb\\xc2\\x9bc");
    free(t);
    out_reset();
    tl_esc_csv(&out, rlo, strlen(rlo));
    char *c = out_str();
    ck_assert_str_eq(c, "\"a\\u202eb\\u009bc\"");
    free(c);
    unsigned cp;
    ck_assert_uint_eq(tl_utf8_invisible((const unsigned char *)"\xe2\x81\xa9",
                                        3, &cp), 3);
    ck_assert_uint_eq(cp, 0x2069);
    ck_assert_uint_eq(tl_utf8_invisible((const unsigned char *)"\xe2\x81\xaa",
                                        3, &cp), 0);
    ck_assert_uint_eq(tl_utf8_invisible((const unsigned char *)"\xc2\xa0",
                                        2, &cp), 0);
}
END_TEST

int main(void)
{
    tl_out_init(&out, -1, (size_t)1 << 20);
    Suite *s = suite_create("escape");
    TCase *tc = tcase_create("escape");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_json_every_offset);
    tcase_add_test(tc, test_json_random);
    tcase_add_test(tc, test_json_long_through_small_buffer);
    tcase_add_test(tc, test_invisible_everywhere);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    out.len = 0;
    tl_out_free(&out);
    return failed ? 1 : 0;
}
