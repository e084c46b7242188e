/*
 * escape.c - see escape.h.
 */
#include "escape.h"

#include <stdint.h>
#include <string.h>

static const char hexd[] = "0123456789abcdef";


size_t tl_utf8_invisible(const unsigned char *u, size_t n, unsigned *cp)
{
    if (n >= 2 && u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0) {
        *cp = u[1];
        return 2;
    }
    if (n < 3 || u[0] != 0xe2 || (u[1] & 0xc0) != 0x80 ||
        (u[2] & 0xc0) != 0x80)
        return 0;
    unsigned c = 0x2000u | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    if (c == 0x200e || c == 0x200f || (c >= 0x2028 && c <= 0x202e) ||
        (c >= 0x2066 && c <= 0x2069)) {
        *cp = c;
        return 3;
    }
    return 0;
}

/* "\\uXXXX" for cp (< 0x10000) into d[0..6). */
static void u4(char *d, unsigned cp)
{
    d[0] = '\\';
    d[1] = 'u';
    d[2] = hexd[cp >> 12 & 15];
    d[3] = hexd[cp >> 8 & 15];
    d[4] = hexd[cp >> 4 & 15];
    d[5] = hexd[cp & 15];
}

static void put_u4(struct tl_out *o, unsigned cp)
{
    char e[6];
    u4(e, cp);
    tl_out_write(o, e, 6);
}

/* Bytes a JSON string body must not copy as they are. */
static const unsigned char json_special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static const char fffd[] = "\xef\xbf\xbd";

/* Does the 8-byte word hold a byte we treat specially in JSON: < 0x20,
 * '"', '\\', DEL or >= 0x80? (SWAR: no byte-by-byte loop on plain
 * text.) */
static inline bool word_special(uint64_t x)
{
    const uint64_t lo = 0x0101010101010101ull, hi = 0x8080808080808080ull;
    uint64_t q = x ^ (lo * '"'), b = x ^ (lo * '\\'), d = x ^ (lo * 0x7f);
    uint64_t lt20 = (x - lo * 0x20) & ~x;
    uint64_t zq = (q - lo) & ~q, zb = (b - lo) & ~b, zd = (d - lo) & ~d;
    return ((lt20 | zq | zb | zd) & hi) != 0 || (x & hi) != 0;
}

/* The same test for 16 bytes at once, with the vector extension of gcc
 * and clang (SSE2 on x86-64, NEON on arm64; elsewhere the compiler
 * splits it). Other compilers use the word test only. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(TL_NO_VEC16)
#define TL_VEC16 1
/* Signed lanes: bytes >= 0x80 are negative, so one compare (< 0x20)
 * catches them with the C0 controls (pcmpgtb on SSE2, cmgt on NEON). */
typedef signed char tl_v16 __attribute__((vector_size(16)));
#define V16(c) {c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c}
static inline bool block_special(const unsigned char *p)
{
    static const tl_v16 sp = V16(0x20), q = V16('"'), bs = V16('\\'),
                        del = V16(0x7f);
    tl_v16 v;
    memcpy(&v, p, 16);
    tl_v16 m = (tl_v16)((v < sp) | (v == q) | (v == bs) | (v == del));
    uint64_t a, b;
    memcpy(&a, &m, 8);
    memcpy(&b, (const unsigned char *)&m + 8, 8);
    return (a | b) != 0;
}
#endif

/* One special byte (or UTF-8 sequence) at u[i] of u[0..n), written to
 * d; returns the bytes consumed, *w the bytes written (at most 6 per
 * byte consumed). */
static size_t json_special_at(const unsigned char *u, size_t i, size_t n,
                              char *d, size_t *w)
{
    unsigned c = u[i];
    if (c >= 0x80) {
        size_t k = tl_utf8_seq(u + i, n - i);
        unsigned cp;
        if (k && tl_utf8_invisible(u + i, k, &cp)) {
            u4(d, cp);
            *w = 6;
            return k;
        }
        if (k) {
            memcpy(d, u + i, k);
            *w = k;
            return k;
        }
        memcpy(d, fffd, 3);
        *w = 3;
        return 1;
    }
    d[0] = '\\';
    *w = 2;
    switch (c) {
    case '"': d[1] = '"'; break;
    case '\\': d[1] = '\\'; break;
    case '\n': d[1] = 'n'; break;
    case '\t': d[1] = 't'; break;
    case '\r': d[1] = 'r'; break;
    case '\b': d[1] = 'b'; break;
    case '\f': d[1] = 'f'; break;
    default:
        u4(d, c);
        *w = 6;
        break;
    }
    return 1;
}

void tl_esc_json(struct tl_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    /* Straight into the output buffer when the worst case (6 bytes out
     * per byte in, plus a block's overrun) fits: copy 16 bytes at a
     * time, step back only at special bytes. */
    if (n <= (SIZE_MAX - 16) / 6 && tl_out_room(o, 6 * n + 16)) {
        char *d = o->buf + o->len;
        while (i < n) {
#ifdef TL_VEC16
            if (i + 16 <= n) {
                memcpy(d, u + i, 16);
                if (!block_special(u + i)) {
                    i += 16;
                    d += 16;
                    continue;
                }
            } else if (n >= 16 && !block_special(u + n - 16)) {
                /* the tail, checked as the last 16 bytes */
                memcpy(d, u + i, n - i);
                d += n - i;
                break;
            }
#else
            if (i + 8 <= n) {
                uint64_t x;
                memcpy(&x, u + i, 8);
                if (!word_special(x)) {
                    memcpy(d, &x, 8);
                    i += 8;
                    d += 8;
                    continue;
                }
            }
#endif
            if (i == 0 && n >= 8 && n < 16) {
                uint64_t x, y;
                memcpy(&x, u, 8);
                memcpy(&y, u + n - 8, 8);
                if (!word_special(x) && !word_special(y)) {
                    memcpy(d, u, n);
                    d += n;
                    break;
                }
            }
            unsigned c = u[i];
            if (TL_LIKELY(!json_special[c])) {
                *d++ = (char)c;
                i++;
                continue;
            }
            size_t w;
            i += json_special_at(u, i, n, d, &w);
            d += w;
        }
        o->len = (size_t)(d - o->buf);
        return;
    }
    while (i < n) {
#ifdef TL_VEC16
        while (i + 16 <= n && !block_special(u + i))
            i += 16;
        if (i == n)
            break;
#endif
        if (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, u + i, 8);
            if (!word_special(x)) {
                i += 8;
                continue;
            }
        }
        unsigned c = u[i];
        if (TL_LIKELY(!json_special[c])) {
            i++;
            continue;
        }
        if (i > run)
            tl_out_write(o, s + run, i - run);
        char e[8]; /* at most 6 bytes out, or a 4-byte sequence */
        size_t w;
        i += json_special_at(u, i, n, e, &w);
        tl_out_write(o, e, w);
        run = i;
    }
    if (n > run)
        tl_out_write(o, s + run, n - run);
}

void tl_esc_json_str(struct tl_out *o, const char *s, size_t n)
{
    tl_out_putc(o, '"');
    tl_esc_json(o, s, n);
    tl_out_putc(o, '"');
}

void tl_esc_json_raw(struct tl_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    bool in_str = false, esc = false;
    while (i < n) {
        unsigned c = u[i];
        if (c < 0x80) {
            if (in_str) {
                if (esc)
                    esc = false;
                else if (c == '\\')
                    esc = true;
                else if (c == '"')
                    in_str = false;
            } else if (c == '"') {
                in_str = true;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                /* Pretty-printed input: drop whitespace between tokens
                 * so that NDJSON stays one line. */
                tl_out_write(o, s + run, i - run);
                run = ++i;
                continue;
            }
            i++;
            continue;
        }
        size_t k = tl_utf8_seq(u + i, n - i);
        if (k) {
            i += k;
            continue;
        }
        tl_out_write(o, s + run, i - run);
        tl_out_write(o, fffd, 3);
        i++;
        run = i;
    }
    tl_out_write(o, s + run, n - run);
}

static void visible_byte(struct tl_out *o, unsigned c)
{
    char e[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
    switch (c) {
    case '\n': tl_out_write(o, "\\n", 2); return;
    case '\t': tl_out_write(o, "\\t", 2); return;
    case '\r': tl_out_write(o, "\\r", 2); return;
    case 0x1b: tl_out_write(o, "\\e", 2); return;
    default: tl_out_write(o, e, 4); return;
    }
}

void tl_esc_term(struct tl_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            i++;
            continue;
        }
        if (i > run)
            tl_out_write(o, s + run, i - run);
        if (c == '\\') {
            tl_out_write(o, "\\\\", 2);
            i++;
        } else if (c >= 0x80) {
            size_t k = tl_utf8_seq(u + i, n - i);
            unsigned cp;
            bool ctl = k && tl_utf8_invisible(u + i, k, &cp);
            if (k && !ctl) {
                tl_out_write(o, s + i, k);
                i += k;
            } else if (k) {
                for (size_t j = 0; j < k; j++)
                    visible_byte(o, u[i + j]);
                i += k;
            } else {
                visible_byte(o, c);
                i++;
            }
        } else {
            visible_byte(o, c);
            i++;
        }
        run = i;
    }
    if (n > run)
        tl_out_write(o, s + run, n - run);
}

void tl_esc_html(struct tl_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' &&
            c != '"' && c != '\'') {
            i++;
            continue;
        }
        if (i > run)
            tl_out_write(o, s + run, i - run);
        switch (c) {
        case '&': tl_out_write(o, "&amp;", 5); i++; break;
        case '<': tl_out_write(o, "&lt;", 4); i++; break;
        case '>': tl_out_write(o, "&gt;", 4); i++; break;
        case '"': tl_out_write(o, "&quot;", 6); i++; break;
        case '\'': tl_out_write(o, "&#39;", 5); i++; break;
        case '\n': tl_out_putc(o, '\n'); i++; break;
        case '\t': tl_out_putc(o, '\t'); i++; break;
        default:
            if (c >= 0x80) {
                size_t k = tl_utf8_seq(u + i, n - i);
                if (k) {
                    tl_out_write(o, s + i, k);
                    i += k;
                    break;
                }
            }
            tl_out_printf(o, "\\x%02x", c);
            i++;
            break;
        }
        run = i;
    }
    if (n > run)
        tl_out_write(o, s + run, n - run);
}

void tl_esc_csv(struct tl_out *o, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    tl_out_putc(o, '"');
    if (n > 0 && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
                  s[0] == '\t' || s[0] == '\r'))
        tl_out_putc(o, '\'');
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned c = u[i];
        if (c != '"' && c >= 0x20 && c < 0x80 && c != 0x7f) {
            i++;
            continue;
        }
        if (i > run)
            tl_out_write(o, s + run, i - run);
        if (c == '"') {
            tl_out_write(o, "\"\"", 2);
            i++;
        } else if (c == '\n' || c == '\t') {
            tl_out_putc(o, (char)c);
            i++;
        } else if (c >= 0x80) {
            size_t k = tl_utf8_seq(u + i, n - i);
            unsigned cp;
            if (k && tl_utf8_invisible(u + i, k, &cp)) {
                put_u4(o, cp);
                i += k;
            } else if (k) {
                tl_out_write(o, s + i, k);
                i += k;
            } else {
                tl_out_write(o, fffd, 3);
                i++;
            }
        } else {
            tl_out_printf(o, "\\x%02x", c);
            i++;
        }
        run = i;
    }
    if (n > run)
        tl_out_write(o, s + run, n - run);
    tl_out_putc(o, '"');
}
