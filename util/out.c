/*
 * out.c - see out.h.
 */
#include "out.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tl_out_init(struct tl_out *o, int fd, size_t cap)
{
    o->fd = fd;
    o->cap = cap < 256 ? 256 : cap;
    o->buf = tl_xmalloc(o->cap);
    o->len = 0;
    o->err = 0;
    o->line_buffered = false;
}

void tl_out_free(struct tl_out *o)
{
    free(o->buf);
    o->buf = NULL;
    o->len = o->cap = 0;
}

bool tl_out_flush(struct tl_out *o)
{
    size_t off = 0;
    if (o->err) {
        o->len = 0;
        return false;
    }
    while (off < o->len) {
        ssize_t w = write(o->fd, o->buf + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->err = errno;
            break;
        }
        off += (size_t)w;
    }
    o->len = 0;
    return o->err == 0;
}

void tl_out_write_slow(struct tl_out *o, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        if (o->len == o->cap)
            tl_out_flush(o);
        size_t k = o->cap - o->len;
        if (k > n)
            k = n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
    }
}

void tl_out_puts(struct tl_out *o, const char *s)
{
    tl_out_write(o, s, strlen(s));
}

static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

void tl_out_u64(struct tl_out *o, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * v, 2);
    } else {
        tmp[--i] = (char)('0' + v);
    }
    tl_out_write(o, tmp + i, sizeof(tmp) - i);
}

void tl_out_i64(struct tl_out *o, int64_t v)
{
    if (v < 0) {
        tl_out_putc(o, '-');
        tl_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        tl_out_u64(o, (uint64_t)v);
    }
}

void tl_out_printf(struct tl_out *o, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        tl_out_write(o, tmp, (size_t)n);
        return;
    }
    char *big = tl_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tl_out_write(o, big, (size_t)n);
    free(big);
}

void tl_out_eor(struct tl_out *o)
{
    if (o->line_buffered)
        tl_out_flush(o);
}
