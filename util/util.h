/*
 * util.h - leaf helpers: allocation wrappers, string slices, growable
 * buffers with a hard cap, and small parsing helpers.
 *
 * Ownership: functions returning `char *` return memory the caller owns
 * and frees with free(). Slices (`struct tl_str`) never own memory.
 */
#ifndef TL_UTIL_H
#define TL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define TL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TL_LIKELY(x) __builtin_expect(!!(x), 1)
#define TL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TL_PRINTF(a, b)
#define TL_LIKELY(x) (x)
#define TL_UNLIKELY(x) (x)
#endif

#define TL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: abort with a message on out-of-memory; never return NULL. */
void *tl_xmalloc(size_t n);
void *tl_xcalloc(size_t nmemb, size_t size);
void *tl_xrealloc(void *p, size_t n);
char *tl_xstrdup(const char *s);
char *tl_xstrndup(const char *s, size_t n);
/* Grow *pp (an array of *capp elements of size `size`) to hold `need`. */
void tl_xgrow(void **pp, size_t *capp, size_t need, size_t size);

/* A borrowed byte slice; not NUL-terminated. */
struct tl_str {
    const char *p;
    size_t n;
};

#define TL_STR_NULL ((struct tl_str){NULL, 0})
#define TL_STR_LIT(s) ((struct tl_str){(s), sizeof(s) - 1})

static inline struct tl_str tl_str_make(const char *p, size_t n)
{
    struct tl_str s = {p, n};
    return s;
}

bool tl_str_eq(struct tl_str a, const char *lit);
bool tl_str_eq_ci(struct tl_str a, const char *lit);
bool tl_str_starts(struct tl_str a, const char *lit);
/* Basename: the part after the last '/', or the whole slice. */
struct tl_str tl_str_basename(struct tl_str path);
/* Right-trim spaces, tabs and CR. */
struct tl_str tl_str_rtrim(struct tl_str s);

/* ASCII case folding table (bytes >= 0x80 map to themselves). */
extern const unsigned char tl_fold[256];

/*
 * A growable byte buffer with a hard cap. Appends past `max` are cut and
 * set `truncated`; the buffer keeps its memory across tl_buf_clear().
 * The content is always followed by a NUL byte (not counted in len).
 */
struct tl_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
    bool truncated;
};

void tl_buf_init(struct tl_buf *b, size_t max);
void tl_buf_free(struct tl_buf *b);
static inline void tl_buf_clear(struct tl_buf *b)
{
    b->len = 0;
    b->truncated = false;
    if (b->p)
        b->p[0] = '\0';
}
/* Append; returns false (and sets truncated) if the cap cut the data. */
bool tl_buf_append(struct tl_buf *b, const void *p, size_t n);
bool tl_buf_putc(struct tl_buf *b, char c);

/* Length of the valid UTF-8 sequence at s (1-4; 1 for ASCII), or 0 if
 * the bytes there are no valid sequence (overlong, surrogate, past
 * U+10FFFF, cut off at n). n > 0. */
size_t tl_utf8_seq(const unsigned char *s, size_t n);

/* Write v in decimal to buf (at least 21 bytes; NUL-terminated);
 * returns the number of digits. */
size_t tl_u64_dec(char *buf, uint64_t v);

/* Parse unsigned decimal / hex digits; return false on empty, junk or
 * overflow past UINT64_MAX. */
bool tl_parse_u64(const char *p, size_t n, uint64_t *out);
bool tl_parse_hex64(const char *p, size_t n, uint64_t *out);

/* Days since 1970-01-01 for a proleptic Gregorian date (no libc tz). */
int64_t tl_days_from_civil(int64_t y, unsigned m, unsigned d);
void tl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* Monotonic milliseconds, for idle timers. */
uint64_t tl_now_ms(void);

#endif
