/*
 * out.h - a buffered writer on a file descriptor.
 *
 * Errors are sticky: after the first failed write(2) nothing more is
 * written and tl_out_error() returns the errno. EPIPE (the reader went
 * away, e.g. `| head`) is reported as such so the caller can stop
 * quietly; SIGPIPE must be ignored by the program.
 */
#ifndef TL_OUT_H
#define TL_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

struct tl_out {
    int fd;
    char *buf;
    size_t len;
    size_t cap;
    int err;            /* errno of the first failure, 0 if none */
    bool line_buffered; /* flush at the end of every record */
};

/* Open a writer on fd (borrowed; not closed by tl_out_free). */
void tl_out_init(struct tl_out *o, int fd, size_t cap);
void tl_out_free(struct tl_out *o);
/* Flush; returns false on error (see o->err). */
bool tl_out_flush(struct tl_out *o);

void tl_out_write_slow(struct tl_out *o, const void *p, size_t n);

static inline void tl_out_write(struct tl_out *o, const void *p, size_t n)
{
    if (TL_LIKELY(n <= o->cap - o->len)) {
        memcpy(o->buf + o->len, p, n);
        o->len += n;
    } else {
        tl_out_write_slow(o, p, n);
    }
}

static inline void tl_out_putc(struct tl_out *o, char c)
{
    if (TL_UNLIKELY(o->len == o->cap))
        tl_out_flush(o);
    o->buf[o->len++] = c;
}

/* Make room for n more bytes at o->buf + o->len, flushing first if
 * needed; the caller writes there and adds what it wrote to o->len.
 * False (nothing done) when n is more than the whole buffer. */
static inline bool tl_out_room(struct tl_out *o, size_t n)
{
    if (TL_LIKELY(n <= o->cap - o->len))
        return true;
    if (n > o->cap)
        return false;
    tl_out_flush(o);
    return true;
}

void tl_out_puts(struct tl_out *o, const char *s);
void tl_out_u64(struct tl_out *o, uint64_t v);
void tl_out_i64(struct tl_out *o, int64_t v);
void tl_out_printf(struct tl_out *o, const char *fmt, ...) TL_PRINTF(2, 3);
/* End of a record: flush if line-buffered. */
void tl_out_eor(struct tl_out *o);

#endif
