/*
 * fuzz_parser.c - the reader, style detection and every style.
 *
 * The first byte chooses the style (auto or forced), the second the
 * piece size the input is fed in and a small --max-line; the rest is the
 * log text. Checks the accounting invariants and that whole and split
 * feeding give the same events.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../parser/parser.h"

struct acc {
    uint64_t n;
    uint64_t hash;
};

static void on_event(void *ctx, const struct tl_event *ev)
{
    struct acc *a = ctx;
    a->n++;
    uint64_t h = a->hash ^ ev->line;
    for (int f = 0; f < TL_F__COUNT; f++) {
        if (!tl_event_has(ev, f))
            continue;
        h = h * 1099511628211ull + (uint64_t)f;
        if (tl_field_is_int(f)) {
            h ^= ev->num[f];
        } else {
            /* every byte of every slice must be readable */
            for (size_t i = 0; i < ev->str[f].n; i++)
                h = (h ^ (unsigned char)ev->str[f].p[i]) * 1099511628211ull;
        }
    }
    for (size_t i = 0; i < ev->raw.n; i++)
        h = (h ^ (unsigned char)ev->raw.p[i]) * 1099511628211ull;
    a->hash = h;
}

static struct acc run(const uint8_t *data, size_t size, enum tl_style style,
                      size_t piece, size_t max_line, bool idle,
                      struct tl_stats *st)
{
    struct acc a = {0, 14695981039346656037ull};
    struct tl_parser_opts o;
    tl_parser_opts_init(&o);
    o.style = style;
    o.quiet = true;
    o.max_line = max_line;
    struct tl_parser_cb cb = {&a, on_event, NULL};
    struct tl_parser *p = tl_parser_new(&o, "fuzz", &cb);
    for (size_t off = 0; off < size;) {
        size_t k = size - off < piece ? size - off : piece;
        char *buf = malloc(k);
        memcpy(buf, data + off, k);
        tl_parser_feed(p, buf, k);
        free(buf);
        off += k;
        if (idle && (off & 7) == 3)
            tl_parser_idle(p);
    }
    tl_parser_finish(p);
    *st = *tl_parser_stats(p);
    tl_parser_free(p);
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    enum tl_style style = (enum tl_style)(data[0] % TL_STYLE__COUNT);
    size_t piece = (size_t)(data[1] % 61) + 1;
    size_t max_line = 64 + (size_t)(data[1] >> 2) * 16;
    data += 2;
    size -= 2;
    struct tl_stats s1, s2, s3;
    struct acc whole =
        run(data, size, style, size ? size : 1, max_line, false, &s1);
    uint64_t sum = 0;
    for (int c = 0; c < TL_LC__COUNT; c++)
        sum += s1.cls[c];
    if (sum != s1.lines || s1.bytes != size || s1.events_parsed != whole.n)
        abort();
    /* One record per event line, plus the JSON elements that begin on a
     * line an earlier one began on (parser.h). */
    if (s1.events != s1.cls[TL_LC_EVENT] + s1.events_shared_line)
        abort();
    /* Split feeding gives the very same events and statistics. */
    struct acc split = run(data, size, style, piece, max_line, false, &s2);
    if (split.n != whole.n || split.hash != whole.hash ||
        memcmp(&s1, &s2, sizeof(s1)) != 0)
        abort();
    /* Idle flushes change how records are grouped (by design); every
     * line is still accounted for. */
    (void)run(data, size, style, piece, max_line, true, &s3);
    sum = 0;
    for (int c = 0; c < TL_LC__COUNT; c++)
        sum += s3.cls[c];
    if (sum != s3.lines || s3.lines != s1.lines ||
        s3.events != s3.cls[TL_LC_EVENT] + s3.events_shared_line)
        abort();
    return 0;
}
