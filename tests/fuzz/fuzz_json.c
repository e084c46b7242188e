/*
 * fuzz_json.c - libFuzzer target for tl_json_parse_event().
 *
 * The input is one record. It is copied into a buffer of exactly its size
 * so ASan catches any read past the end. On success the event must be
 * well formed (every slice inside the input or the scratch buffer, raw
 * extras valid JSON values) and must survive a round trip: re-encoding
 * the event as JSON and parsing that gives the same fields. On error the
 * error must be well formed. Parsing twice gives the same answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../parser/event.h"
#include "../../parser/json.h"
#include "../../util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_json: %s:%d: check failed: %s\n",          \
                    __FILE__, __LINE__, #c);                                 \
            abort();                                                         \
        }                                                                    \
    } while (0)

static bool inside(const char *p, size_t n, const char *lo, size_t len)
{
    return p && p >= lo && n <= len && (size_t)(p - lo) <= len - n;
}

static bool slice_ok(struct tl_str s, const char *text, size_t size,
                     const struct tl_buf *scratch)
{
    return inside(s.p, s.n, text, size) ||
           inside(s.p, s.n, scratch->p, scratch->len);
}

static bool same(struct tl_str a, struct tl_str b)
{
    return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static void put_json_string(struct tl_buf *o, struct tl_str s)
{
    tl_buf_putc(o, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            tl_buf_putc(o, '\\');
            tl_buf_putc(o, (char)c);
        } else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            tl_buf_append(o, esc, 6);
        } else {
            tl_buf_putc(o, (char)c);
        }
    }
    tl_buf_putc(o, '"');
}

/* The event as one compact JSON object (dropped extras are lost). */
static void encode(const struct tl_event *ev, struct tl_buf *o)
{
    bool first = true;
    tl_buf_putc(o, '{');
    for (int f = 0; f < TL_F__COUNT; f++) {
        if (!tl_event_has(ev, (enum tl_field)f))
            continue;
        if (!first)
            tl_buf_putc(o, ',');
        first = false;
        const char *name = tl_field_name((enum tl_field)f);
        put_json_string(o, tl_str_make(name, strlen(name)));
        tl_buf_putc(o, ':');
        if (tl_field_is_int((enum tl_field)f)) {
            char num[24];
            int k = snprintf(num, sizeof(num), "%llu",
                             (unsigned long long)ev->num[f]);
            tl_buf_append(o, num, (size_t)k);
        } else {
            put_json_string(o, ev->str[f]);
        }
    }
    for (size_t i = 0; i < ev->n_extra; i++) {
        if (!first)
            tl_buf_putc(o, ',');
        first = false;
        put_json_string(o, ev->extra[i].key);
        tl_buf_putc(o, ':');
        tl_buf_append(o, ev->extra[i].raw.p, ev->extra[i].raw.n);
    }
    tl_buf_putc(o, '}');
}

static void check_event(const struct tl_event *ev, const char *text,
                        size_t size, const struct tl_buf *scratch)
{
    CHECK(scratch->len <= size);
    CHECK(scratch->cap >= size + 1);
    CHECK(scratch->p[scratch->len] == '\0');
    CHECK((ev->present >> TL_F__COUNT) == 0);
    for (int f = 0; f < TL_F__COUNT; f++)
        if (tl_event_has(ev, (enum tl_field)f) &&
            !tl_field_is_int((enum tl_field)f))
            CHECK(slice_ok(ev->str[f], text, size, scratch));
    CHECK(tl_event_has(ev, TL_F_TIMESTAMP) == ev->has_time);
    CHECK(ev->n_extra <= TL_EVENT_MAX_EXTRA);
    for (size_t i = 0; i < ev->n_extra; i++) {
        const struct tl_extra *x = &ev->extra[i];
        CHECK(slice_ok(x->key, text, size, scratch));
        CHECK(inside(x->raw.p, x->raw.n, text, size));
        CHECK(x->raw.n > 0);
        CHECK(tl_json_key_field(x->key.p, x->key.n) == TL_F__COUNT);
        for (size_t k = 0; k < i; k++)
            CHECK(!same(x->key, ev->extra[k].key));
    }
}

static void check_error(const struct tl_json_error *err, size_t size)
{
    CHECK(err->offset <= size);
    CHECK(err->msg != NULL);
    CHECK(memchr(err->detail, '\0', sizeof(err->detail)) != NULL);
    size_t dl = strlen(err->detail), ml = strlen(err->msg);
    CHECK(dl > 0 && dl >= ml);
    CHECK(strcmp(err->detail + dl - ml, err->msg) == 0);
}

/* Re-encode and re-parse: the same fields must come back. */
static void round_trip(const struct tl_event *ev)
{
    struct tl_buf enc, scratch;
    struct tl_event ev2;
    static struct tl_extra xs2[TL_EVENT_MAX_EXTRA];
    struct tl_json_error err;
    tl_buf_init(&enc, (size_t)64 << 20);
    tl_buf_init(&scratch, 0);
    encode(ev, &enc);
    CHECK(!enc.truncated);
    char *t = malloc(enc.len ? enc.len : 1);
    CHECK(t != NULL);
    memcpy(t, enc.p, enc.len);
    memset(&ev2, 0, sizeof(ev2));
    tl_event_reset(&ev2);
    ev2.extra = xs2;
    enum tl_json_status st =
        tl_json_parse_event(t, enc.len, &ev2, &scratch, NULL, &err);
    if (st == TL_JSON_ERROR)
        fprintf(stderr, "round trip: %s at %zu in %.*s\n", err.detail,
                err.offset, (int)enc.len, enc.p);
    CHECK(st == TL_JSON_EVENT);
    CHECK(ev2.present == ev->present);
    for (int f = 0; f < TL_F__COUNT; f++) {
        if (!tl_event_has(ev, (enum tl_field)f))
            continue;
        if (tl_field_is_int((enum tl_field)f))
            CHECK(ev2.num[f] == ev->num[f]);
        else
            CHECK(same(ev2.str[f], ev->str[f]));
    }
    CHECK(ev2.has_time == ev->has_time);
    CHECK(ev2.time_us == ev->time_us);
    CHECK(ev2.tz_known == ev->tz_known);
    CHECK(ev2.tz_offset_min == ev->tz_offset_min);
    CHECK(ev2.time_digits == ev->time_digits);
    CHECK(ev2.n_extra == ev->n_extra);
    CHECK(ev2.extra_dropped == 0);
    for (size_t i = 0; i < ev->n_extra; i++) {
        CHECK(same(ev2.extra[i].key, ev->extra[i].key));
        CHECK(same(ev2.extra[i].raw, ev->extra[i].raw));
    }
    free(t);
    tl_buf_free(&enc);
    tl_buf_free(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ((size_t)1 << 20))
        return 0;
    char *text = malloc(size ? size : 1);
    CHECK(text != NULL);
    if (size)
        memcpy(text, data, size);

    struct tl_event ev, ev2;
    static struct tl_extra xs[TL_EVENT_MAX_EXTRA], xs2[TL_EVENT_MAX_EXTRA];
    struct tl_buf scratch;
    struct tl_json_error err, err2;
    uint64_t count = 0, count2 = 0;

    memset(&ev, 0, sizeof(ev));
    tl_event_reset(&ev);
    ev.extra = xs;
    tl_buf_init(&scratch, 16); /* below most inputs: the parser raises it */
    enum tl_json_status st =
        tl_json_parse_event(text, size, &ev, &scratch, &count, &err);
    if (st == TL_JSON_ERROR) {
        check_error(&err, size);
    } else {
        CHECK(st == TL_JSON_EVENT || st == TL_JSON_FINISHED);
        check_event(&ev, text, size, &scratch);
        if (st == TL_JSON_EVENT)
            round_trip(&ev);
    }

    /* Same answer the second time, with a scratch buffer that has
     * already been used. */
    memset(&ev2, 0, sizeof(ev2));
    tl_event_reset(&ev2);
    ev2.extra = xs2;
    enum tl_json_status st2 =
        tl_json_parse_event(text, size, &ev2, &scratch, &count2, &err2);
    CHECK(st2 == st);
    if (st == TL_JSON_ERROR) {
        CHECK(err2.offset == err.offset);
        CHECK(strcmp(err2.detail, err.detail) == 0);
    } else {
        CHECK(ev2.present == ev.present);
        CHECK(ev2.n_extra == ev.n_extra);
        CHECK(ev2.extra_dropped == ev.extra_dropped);
        if (st == TL_JSON_FINISHED)
            CHECK(count2 == count);
    }

    tl_buf_free(&scratch);
    free(text);
    return 0;
}
