/*
 * test_json.c - unit tests for parser/json.c (the json/ndjson record
 * parser).
 *
 * Every input is copied into a malloc'd buffer of exactly its length, so
 * the sanitizers catch any read past the end.
 *
 * TL_JSON_BENCH=1 ./build/tests/test_json   also prints the throughput on
 * generated ndjson lines (no timed assertion).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../parser/event.h"
#include "../../parser/json.h"
#include "../../util/util.h"

/* ---- helpers ----------------------------------------------------------- */

struct run {
    char *text; /* exact-size copy of the input */
    size_t n;
    struct tl_event ev;
    struct tl_extra extra[TL_EVENT_MAX_EXTRA];
    struct tl_buf scratch;
    uint64_t fc;
    struct tl_json_error err;
    enum tl_json_status st;
};

static void run_n(struct run *r, const char *s, size_t n)
{
    memset(r, 0, sizeof(*r));
    r->text = tl_xmalloc(n);
    if (n)
        memcpy(r->text, s, n);
    r->n = n;
    tl_buf_init(&r->scratch, 1 << 20);
    r->ev.input = "test";
    r->ev.line = 1;
    r->ev.style = TL_STYLE_NDJSON;
    tl_event_reset(&r->ev);
    r->ev.extra = r->extra;
    r->fc = 12345;
    r->st = tl_json_parse_event(r->text, n, &r->ev, &r->scratch, &r->fc,
                                &r->err);
}

static void run_s(struct run *r, const char *s)
{
    run_n(r, s, strlen(s));
}

static void run_done(struct run *r)
{
    free(r->text);
    tl_buf_free(&r->scratch);
}

static const char *status_name(enum tl_json_status st)
{
    return st == TL_JSON_EVENT      ? "EVENT"
           : st == TL_JSON_FINISHED ? "FINISHED"
                                    : "ERROR";
}

#define ck_event(r)                                                          \
    ck_assert_msg((r)->st == TL_JSON_EVENT, "status %s (%s at %zu)",         \
                  status_name((r)->st),                                      \
                  (r)->st == TL_JSON_ERROR ? (r)->err.detail : "",           \
                  (r)->st == TL_JSON_ERROR ? (r)->err.offset : 0)

static bool slice_eq(struct tl_str s, const char *want, size_t wn)
{
    return s.n == wn && (wn == 0 || memcmp(s.p, want, wn) == 0);
}

#define ck_field_str(ev, f, want)                                            \
    do {                                                                     \
        ck_assert_msg(tl_event_has((ev), (f)), "%s missing",                 \
                      tl_field_name(f));                                     \
        ck_assert_msg(slice_eq((ev)->str[f], (want), sizeof(want) - 1),      \
                      "%s = \"%.*s\", want \"%s\"", tl_field_name(f),        \
                      (int)(ev)->str[f].n, (ev)->str[f].p, (want));          \
    } while (0)

#define ck_field_num(ev, f, want)                                            \
    do {                                                                     \
        ck_assert_msg(tl_event_has((ev), (f)), "%s missing",                 \
                      tl_field_name(f));                                     \
        ck_assert_msg((ev)->num[f] == (uint64_t)(want), "%s = %llu",         \
                      tl_field_name(f), (unsigned long long)(ev)->num[f]);   \
    } while (0)

static int popcount(uint64_t x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

static bool in_range(const char *p, size_t n, const char *lo, size_t len)
{
    return p >= lo && p + n <= lo + len;
}

static const struct tl_extra *find_extra(const struct tl_event *ev,
                                         const char *key)
{
    for (size_t i = 0; i < ev->n_extra; i++)
        if (tl_str_eq(ev->extra[i].key, key))
            return &ev->extra[i];
    return NULL;
}

/* JSON text with the whitespace outside strings removed. Caller frees. */
static char *minify(struct tl_str s)
{
    char *o = tl_xmalloc(s.n + 1);
    size_t k = 0;
    bool in = false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (in) {
            o[k++] = c;
            if (c == '\\' && i + 1 < s.n)
                o[k++] = s.p[++i];
            else if (c == '"')
                in = false;
        } else if (c == '"') {
            in = true;
            o[k++] = c;
        } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            o[k++] = c;
        }
    }
    o[k] = '\0';
    return o;
}

/* Field-by-field equality; extras as a set, raw values minified. */
static void ck_same_event(const struct tl_event *a, const struct tl_event *b)
{
    ck_assert_uint_eq(a->present, b->present);
    for (int f = 0; f < TL_F__COUNT; f++) {
        if (!tl_event_has(a, (enum tl_field)f))
            continue;
        if (tl_field_is_int((enum tl_field)f))
            ck_assert_msg(a->num[f] == b->num[f], "%s differs",
                          tl_field_name((enum tl_field)f));
        else
            ck_assert_msg(slice_eq(a->str[f], b->str[f].p, b->str[f].n),
                          "%s differs", tl_field_name((enum tl_field)f));
    }
    ck_assert(a->has_time == b->has_time);
    ck_assert(a->tz_known == b->tz_known);
    ck_assert_int_eq(a->tz_offset_min, b->tz_offset_min);
    ck_assert_int_eq(a->time_digits, b->time_digits);
    ck_assert(a->time_us == b->time_us);
    ck_assert_uint_eq(a->n_extra, b->n_extra);
    ck_assert_uint_eq(a->extra_dropped, b->extra_dropped);
    for (size_t i = 0; i < a->n_extra; i++) {
        const struct tl_extra *x = &a->extra[i], *y = NULL;
        for (size_t k = 0; k < b->n_extra; k++)
            if (slice_eq(b->extra[k].key, x->key.p, x->key.n))
                y = &b->extra[k];
        ck_assert_msg(y != NULL, "extra %.*s missing", (int)x->key.n,
                      x->key.p);
        char *mx = minify(x->raw), *my = minify(y->raw);
        ck_assert_str_eq(mx, my);
        free(mx);
        free(my);
    }
}

/* ---- the examples of log-formats.md ------------------------------------- */

/* §10, VERBATIM line of the CONSTRUCTED example (without its newline). */
static const char mdns_line[] =
    "{\"traceID\":3105639345815556,\"eventMessage\":\"[Q20195] Sent 37-byte "
    "query\",\"eventType\":\"logEvent\",\"source\":null,\"subsystem\":\"com."
    "apple.mdns\",\"category\":\"resolver\",\"threadID\":100942,"
    "\"processImagePath\":\"\\/usr\\/sbin\\/mDNSResponder\",\"timestamp\":"
    "\"2021-02-05 11:43:22.859569-0800\",\"machTimestamp\":10854631418804,"
    "\"messageType\":\"Default\"}";

/* The same record, pretty-printed the way `log show --style json` does. */
static const char mdns_pretty[] =
    "{\n"
    "  \"traceID\" : 3105639345815556,\n"
    "  \"eventMessage\" : \"[Q20195] Sent 37-byte query\",\n"
    "  \"eventType\" : \"logEvent\",\n"
    "  \"source\" : null,\n"
    "  \"subsystem\" : \"com.apple.mdns\",\n"
    "  \"category\" : \"resolver\",\n"
    "  \"threadID\" : 100942,\n"
    "  \"processImagePath\" : \"\\/usr\\/sbin\\/mDNSResponder\",\n"
    "  \"timestamp\" : \"2021-02-05 11:43:22.859569-0800\",\n"
    "  \"machTimestamp\" : 10854631418804,\n"
    "  \"messageType\" : \"Default\"\n"
    "}";

/* §9, the VERBATIM [S15] excerpt (its leading '[' is array framing, which
 * the record reader strips), completed into one valid element: the lines
 * after `"line" : 24,` are ours. */
static const char s15_pretty[] =
    "{\n"
    "  \"traceID\" : 78134079258628,\n"
    "  \"messageType\" : \"Default\",\n"
    "  \"eventType\" : \"logEvent\",\n"
    "  \"source\" : {\n"
    "    \"symbol\" : \"$S16os_log_inlinable6LoggerV0B11SecondLevelyySSFZ\",\n"
    "    \"line\" : 24,\n"
    "    \"image\" : \"os_log_inlinable\",\n"
    "    \"file\" : \"Logger.swift\"\n"
    "  },\n"
    "  \"backtrace\" : {\n"
    "    \"frames\" : [\n"
    "      {\n"
    "        \"imageOffset\" : 5396,\n"
    "        \"imageUUID\" : \"4F5D0E6E-3B0E-3C1E-9C7B-2D35F8A1C0AA\"\n"
    "      }\n"
    "    ]\n"
    "  },\n"
    "  \"signpostID\" : 0,\n"
    "  \"timestamp\" : \"2019-10-15 13:57:31.053209-0400\",\n"
    "  \"timezoneName\" : \"\"\n"
    "}";

static const char s15_source[] =
    "{\n"
    "    \"symbol\" : \"$S16os_log_inlinable6LoggerV0B11SecondLevelyySSFZ\",\n"
    "    \"line\" : 24,\n"
    "    \"image\" : \"os_log_inlinable\",\n"
    "    \"file\" : \"Logger.swift\"\n"
    "  }";

START_TEST(test_mdns_line)
{
    struct run r;
    run_s(&r, mdns_line);
    ck_event(&r);
    struct tl_event *ev = &r.ev;
    ck_field_num(ev, TL_F_TRACE_ID, 3105639345815556u);
    ck_field_str(ev, TL_F_EVENT_MESSAGE, "[Q20195] Sent 37-byte query");
    ck_field_str(ev, TL_F_EVENT_TYPE, "logEvent");
    ck_field_str(ev, TL_F_SUBSYSTEM, "com.apple.mdns");
    ck_field_str(ev, TL_F_CATEGORY, "resolver");
    ck_field_num(ev, TL_F_THREAD_ID, 100942);
    ck_field_str(ev, TL_F_PROCESS_IMAGE_PATH, "/usr/sbin/mDNSResponder");
    ck_field_num(ev, TL_F_MACH_TIMESTAMP, 10854631418804u);
    ck_field_str(ev, TL_F_MESSAGE_TYPE, "Default");
    ck_field_str(ev, TL_F_TIMESTAMP, "2021-02-05 11:43:22.859569-0800");
    ck_assert(ev->has_time);
    ck_assert(ev->tz_known);
    ck_assert_int_eq(ev->tz_offset_min, -480);
    ck_assert_int_eq(ev->time_digits, 6);
    ck_assert(ev->time_us == INT64_C(1612554202859569));
    /* Nothing else: 10 fields present, one extra. */
    ck_assert_int_eq(popcount(ev->present), 10);
    ck_assert_uint_eq(ev->n_extra, 1);
    ck_assert(tl_str_eq(ev->extra[0].key, "source"));
    ck_assert(tl_str_eq(ev->extra[0].raw, "null"));
    ck_assert_uint_eq(ev->extra_dropped, 0);
    /* Zero copy: plain strings point into the text, the unescaped path
     * into the scratch buffer. */
    ck_assert(in_range(ev->str[TL_F_EVENT_MESSAGE].p,
                       ev->str[TL_F_EVENT_MESSAGE].n, r.text, r.n));
    ck_assert(in_range(ev->str[TL_F_PROCESS_IMAGE_PATH].p,
                       ev->str[TL_F_PROCESS_IMAGE_PATH].n, r.scratch.p,
                       r.scratch.len));
    ck_assert(in_range(ev->extra[0].raw.p, 4, r.text, r.n));
    ck_assert_uint_ge(r.scratch.cap, r.n + 1);
    /* Untouched by the parser. */
    ck_assert_str_eq(ev->input, "test");
    ck_assert(ev->style == TL_STYLE_NDJSON);
    run_done(&r);
}
END_TEST

START_TEST(test_pretty_equals_compact)
{
    struct run a, b;
    run_s(&a, mdns_line);
    run_s(&b, mdns_pretty);
    ck_event(&a);
    ck_event(&b);
    ck_same_event(&a.ev, &b.ev);
    run_done(&a);
    run_done(&b);

    /* And the S15 element against its own minified form. */
    run_s(&a, s15_pretty);
    char *m = minify(tl_str_make(s15_pretty, strlen(s15_pretty)));
    run_s(&b, m);
    ck_event(&a);
    ck_event(&b);
    ck_same_event(&a.ev, &b.ev);
    free(m);
    run_done(&a);
    run_done(&b);
}
END_TEST

START_TEST(test_s15_pretty)
{
    struct run r;
    run_s(&r, s15_pretty);
    ck_event(&r);
    struct tl_event *ev = &r.ev;
    ck_field_num(ev, TL_F_TRACE_ID, 78134079258628u);
    ck_field_str(ev, TL_F_MESSAGE_TYPE, "Default");
    ck_field_str(ev, TL_F_EVENT_TYPE, "logEvent");
    ck_field_num(ev, TL_F_SIGNPOST_ID, 0);
    ck_field_str(ev, TL_F_TIMEZONE_NAME, "");
    ck_assert(ev->time_us == INT64_C(1571162251053209));
    ck_assert_int_eq(ev->tz_offset_min, -240);
    ck_assert_uint_eq(ev->n_extra, 2);
    const struct tl_extra *src = find_extra(ev, "source");
    ck_assert_ptr_nonnull(src);
    /* The raw value exactly as in the input, indentation and all. */
    ck_assert(slice_eq(src->raw, s15_source, strlen(s15_source)));
    const struct tl_extra *bt = find_extra(ev, "backtrace");
    ck_assert_ptr_nonnull(bt);
    ck_assert_uint_eq(bt->raw.p[0], '{');
    ck_assert_uint_eq(bt->raw.p[bt->raw.n - 1], '}');
    /* Surrounding whitespace (the reader may hand it over) is fine. */
    char *padded = tl_xmalloc(strlen(s15_pretty) + 8);
    sprintf(padded, "\n  %s \r\n", s15_pretty);
    struct run r2;
    run_s(&r2, padded);
    ck_event(&r2);
    ck_same_event(&r.ev, &r2.ev);
    run_done(&r2);
    free(padded);
    run_done(&r);
}
END_TEST

/* ---- the finished trailer ---------------------------------------------- */

static const struct {
    const char *in;
    enum tl_json_status st;
    uint64_t count;
} finished_cases[] = {
    {"{\"count\":1,\"finished\":1}", TL_JSON_FINISHED, 1},
    {"{\"count\":540659,\"finished\":1}", TL_JSON_FINISHED, 540659},
    {"{\"finished\":1,\"count\":7}", TL_JSON_FINISHED, 7},
    {"{ \"count\" : 3 , \"finished\" : true }\n", TL_JSON_FINISHED, 3},
    {"{\"finished\":1}", TL_JSON_FINISHED, 0},
    {"{\"count\":\"x\",\"finished\":1}", TL_JSON_FINISHED, 0},
    {"{\"count\":-1,\"finished\":1}", TL_JSON_FINISHED, 0},
    {"{\"count\":18446744073709551615,\"finished\":1}", TL_JSON_FINISHED,
     UINT64_MAX},
    {"{\"count\":18446744073709551616,\"finished\":1}", TL_JSON_FINISHED, 0},
    {"{\"count\":2e4,\"finished\":1}", TL_JSON_FINISHED, 0},
    {"{\"finished\":0}", TL_JSON_FINISHED, 0},
    {"{\"count\":1}", TL_JSON_EVENT, 0},
    {"{\"count\":1,\"finished\":1", TL_JSON_ERROR, 0},
    {"{\"count\":1,\"finished\":1}}", TL_JSON_ERROR, 0},
    {"{\"count\":1,\"finished\":}", TL_JSON_ERROR, 0},
};

START_TEST(test_finished)
{
    struct run r;
    run_s(&r, finished_cases[_i].in);
    ck_assert_msg(r.st == finished_cases[_i].st, "%s: status %s",
                  finished_cases[_i].in, status_name(r.st));
    if (r.st == TL_JSON_FINISHED)
        ck_assert_msg(r.fc == finished_cases[_i].count, "%s: count %llu",
                      finished_cases[_i].in, (unsigned long long)r.fc);
    else
        ck_assert(r.fc == 12345); /* left alone */
    /* finished_count may be NULL. */
    struct tl_event ev;
    struct tl_json_error err;
    tl_event_reset(&ev);
    ck_assert(tl_json_parse_event(r.text, r.n, &ev, &r.scratch, NULL,
                                  &err) == r.st);
    run_done(&r);
}
END_TEST

/* ---- strings and escapes ----------------------------------------------- */

static const struct {
    const char *in;    /* the JSON string body, between the quotes */
    const char *want;  /* decoded bytes */
    size_t want_n;     /* 0: strlen(want) */
} escape_cases[] = {
    {"plain text", "plain text", 0},
    {"", "", 0},
    {"\\\"", "\"", 0},
    {"\\\\", "\\", 0},
    {"\\/", "/", 0},
    {"\\b", "\b", 0},
    {"\\f", "\f", 0},
    {"\\n", "\n", 0},
    {"\\r", "\r", 0},
    {"\\t", "\t", 0},
    {"\\/usr\\/libexec\\/trustd", "/usr/libexec/trustd", 0},
    {"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti", "a\"b\\c/d\be\ff\ng\rh\ti", 0},
    {"\\u0041", "A", 0},
    {"\\u007f", "\x7f", 0},
    {"\\u0080", "\xc2\x80", 0},
    {"\\u00e9t\\u00C9", "\xc3\xa9t\xc3\x89", 0},
    {"\\u07ff", "\xdf\xbf", 0},
    {"\\u0800", "\xe0\xa0\x80", 0},
    {"\\u20ac", "\xe2\x82\xac", 0},
    {"\\uffff", "\xef\xbf\xbf", 0},
    {"\\u0000", "\0", 1},
    {"a\\u0000b", "a\0b", 3},
    {"\\u001f", "\x1f", 0},
    /* surrogate pairs */
    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80", 0},
    {"\\uD83D\\uDE00", "\xf0\x9f\x98\x80", 0},
    {"\\ud800\\udc00", "\xf0\x90\x80\x80", 0},
    {"\\udbff\\udfff", "\xf4\x8f\xbf\xbf", 0},
    {"x\\ud83d\\ude00y", "x\xf0\x9f\x98\x80y", 0},
    /* lone surrogates become U+FFFD */
    {"\\ud83d", "\xef\xbf\xbd", 0},
    {"\\ude00", "\xef\xbf\xbd", 0},
    {"\\ud83dx", "\xef\xbf\xbdx", 0},
    {"\\ud83d\\u0041", "\xef\xbf\xbd" "A", 0},
    {"\\ud83d\\ud83d\\ude00", "\xef\xbf\xbd\xf0\x9f\x98\x80", 0},
    {"\\ude00\\ud83d", "\xef\xbf\xbd\xef\xbf\xbd", 0},
    {"\\ud83d\\n", "\xef\xbf\xbd\n", 0},
    /* bytes >= 0x80 pass through, valid UTF-8 or not */
    {"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93", 0},
    {"\xff\xfe\x80", "\xff\xfe\x80", 0},
    {"\x7f", "\x7f", 0},
    {"\xc3\xa9\\n\xff", "\xc3\xa9\n\xff", 0},
    /* a long plain run (the word-at-a-time scan) then an escape */
    {"0123456789abcdef0123456789abcdef\\n0123456789abcdef",
     "0123456789abcdef0123456789abcdef\n0123456789abcdef", 0},
};

/* The plain-run scan inside strings (16 and 8 bytes at a time): a stop
 * byte at every offset of strings of every length up to 70. */
START_TEST(test_string_scan_every_offset)
{
    static const unsigned char probes[] = {'"', '\\', 0x00, 0x01, 0x1f,
                                           0x20, 0x7f, 0x80, 0xc3, 0xff};
    for (size_t pi = 0; pi < sizeof probes; pi++) {
        unsigned char c = probes[pi];
        for (size_t len = 1; len <= 70; len++) {
            for (size_t k = 0; k < len; k++) {
                char body[80];
                for (size_t i = 0; i < len; i++)
                    body[i] = (char)('a' + i % 26);
                body[k] = (char)c;
                if (c == '\\' && k + 1 < len)
                    body[k + 1] = 'n';
                char in[128];
                memcpy(in, "{\"eventMessage\":\"", 17);
                memcpy(in + 17, body, len);
                memcpy(in + 17 + len, "\"}", 2);
                size_t n = 17 + len + 2;
                struct run r;
                run_n(&r, in, n);
                struct tl_str m = r.ev.str[TL_F_EVENT_MESSAGE];
                if (c == '"') {
                    /* the string ends at k; what follows is junk */
                    ck_assert_int_eq(r.st, TL_JSON_ERROR);
                    ck_assert_uint_eq(r.err.offset, 17 + k + 1);
                } else if (c < 0x20) {
                    ck_assert_int_eq(r.st, TL_JSON_ERROR);
                    ck_assert_uint_eq(r.err.offset, 17 + k);
                    ck_assert_str_eq(r.err.msg, "control character in a string");
                } else if (c == '\\') {
                    if (k + 1 < len) {
                        ck_assert_int_eq(r.st, TL_JSON_EVENT);
                        ck_assert_uint_eq(m.n, len - 1);
                        ck_assert_int_eq(m.p[k], '\n');
                    } else {
                        /* backslash then the closing quote: "\"}" ends
                         * in an unterminated string */
                        ck_assert_int_eq(r.st, TL_JSON_ERROR);
                    }
                } else {
                    ck_assert_int_eq(r.st, TL_JSON_EVENT);
                    ck_assert_uint_eq(m.n, len);
                    ck_assert(memcmp(m.p, body, len) == 0);
                }
                run_done(&r);
            }
        }
    }
}
END_TEST

START_TEST(test_escapes)
{
    const char *body = escape_cases[_i].in;
    const char *want = escape_cases[_i].want;
    size_t wn = escape_cases[_i].want_n ? escape_cases[_i].want_n
                                         : strlen(want);
    char buf[256];
    /* As a known field, an unknown key and a key. */
    snprintf(buf, sizeof(buf),
             "{\"eventMessage\":\"%s\",\"x\":\"%s\",\"%s\":1}", body, body,
             body);
    struct run r;
    run_s(&r, buf);
    ck_event(&r);
    struct tl_str s = r.ev.str[TL_F_EVENT_MESSAGE];
    ck_assert_msg(slice_eq(s, want, wn), "case %d: got %zu bytes", _i, s.n);
    bool escaped = strchr(body, '\\') != NULL;
    if (escaped)
        ck_assert(in_range(s.p, s.n, r.scratch.p, r.scratch.len));
    else
        ck_assert(s.p == r.text + strlen("{\"eventMessage\":\""));
    /* The unknown key keeps its raw value text. */
    const struct tl_extra *x = find_extra(&r.ev, "x");
    ck_assert_ptr_nonnull(x);
    ck_assert(x->raw.n == strlen(body) + 2 && x->raw.p[0] == '"' &&
              memcmp(x->raw.p + 1, body, strlen(body)) == 0);
    /* The third key is unescaped (unless it unescapes to "x" or to a
     * field name, which none of these do). */
    ck_assert_uint_eq(r.ev.n_extra, 2);
    ck_assert(slice_eq(r.ev.extra[1].key, want, wn));
    ck_assert(tl_str_eq(r.ev.extra[1].raw, "1"));
    run_done(&r);
}
END_TEST

START_TEST(test_escaped_key_maps)
{
    struct run r;
    run_s(&r, "{\"event\\u004dessage\":\"hi\",\"process\\u0049D\":5,"
              "\"a\\/b\":true}");
    ck_event(&r);
    ck_field_str(&r.ev, TL_F_EVENT_MESSAGE, "hi");
    ck_field_num(&r.ev, TL_F_PROCESS_ID, 5);
    ck_assert_uint_eq(r.ev.n_extra, 1);
    ck_assert(tl_str_eq(r.ev.extra[0].key, "a/b"));
    ck_assert(tl_str_eq(r.ev.extra[0].raw, "true"));
    run_done(&r);
}
END_TEST

/* ---- numbers ------------------------------------------------------------- */

static const struct {
    const char *in;
    enum tl_field f;
    uint64_t want;
} uint_ok_cases[] = {
    {"{\"processID\":0}", TL_F_PROCESS_ID, 0},
    {"{\"processID\":7}", TL_F_PROCESS_ID, 7},
    {"{\"userID\":2863311530}", TL_F_USER_ID, 2863311530u},
    {"{\"signpostID\":14608112960288129006}", TL_F_SIGNPOST_ID,
     UINT64_C(14608112960288129006)},
    {"{\"signpostID\":18446744073709551615}", TL_F_SIGNPOST_ID, UINT64_MAX},
    {"{\"activityIdentifier\":18446744073709551614}", TL_F_ACTIVITY_ID,
     UINT64_MAX - 1},
    {"{\"traceID\":9223372036854775808}", TL_F_TRACE_ID,
     UINT64_C(9223372036854775808)},
    {"{\"machTimestamp\":1844674407370955161}", TL_F_MACH_TIMESTAMP,
     UINT64_C(1844674407370955161)},
    {"{\"threadID\" : 100942 }", TL_F_THREAD_ID, 100942},
};

START_TEST(test_uint_ok)
{
    struct run r;
    run_s(&r, uint_ok_cases[_i].in);
    ck_event(&r);
    ck_field_num(&r.ev, uint_ok_cases[_i].f, uint_ok_cases[_i].want);
    run_done(&r);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

static const struct {
    const char *in;
    size_t n;          /* 0: strlen(in) */
    size_t offset;
    const char *detail;
} error_cases[] = {
    {"", 0, 0, "unexpected end of input"},
    {"   \n", 0, 4, "unexpected end of input"},
    {"[]", 0, 0, "expected '{'"},
    {"[{\"a\":1}]", 0, 0, "expected '{'"},
    {"\"a\"", 0, 0, "expected '{'"},
    {"{", 0, 1, "unexpected end of input"},
    {"{\"a\":1,}", 0, 7, "expected a string key"},
    {"{,}", 0, 1, "expected a string key"},
    {"{a:1}", 0, 1, "expected a string key"},
    {"{'a':1}", 0, 1, "expected a string key"},
    {"{\"a\" 1}", 0, 5, "expected ':' after a key"},
    {"{\"a\"=1}", 0, 4, "expected ':' after a key"},
    {"{\"a\":1,\"b\"}", 0, 10, "expected ':' after a key"},
    {"{\"a\":}", 0, 5, "expected a value"},
    {"{\"a\":1 \"b\":2}", 0, 7, "expected ',' or '}'"},
    {"{\"a\":1;\"b\":2}", 0, 6, "expected ',' or '}'"},
    {"{\"a\":1,,\"b\":2}", 0, 7, "expected a string key"},
    {"{\"a\":1}x", 0, 7, "junk after the object"},
    {"{\"a\":1} {}", 0, 8, "junk after the object"},
    {"{\"a\":1}\n{\"b\":2}", 0, 8, "junk after the object"},
    {"{\"a\":1}]", 0, 7, "junk after the object"},
    {"{\"a\":1}\0", 8, 7, "junk after the object"},
    {"{\"a\":1}\v", 0, 7, "junk after the object"},
    {"{\"a\":1\f}", 0, 6, "expected ',' or '}'"},
    {"\xef\xbb\xbf{}", 0, 0, "expected '{'"},
    {"{\"a\":tru}", 0, 5, "invalid literal"},
    {"{\"a\":True}", 0, 5, "expected a value"},
    {"{\"a\":nul", 0, 8, "unexpected end of input"},
    {"{\"a\":nulL}", 0, 5, "invalid literal"},
    {"{\"a\":nullx}", 0, 9, "expected ',' or '}'"},
    {"{\"a\":-}", 0, 6, "invalid number"},
    {"{\"a\":-", 0, 6, "unexpected end of input"},
    {"{\"a\":01}", 0, 6, "expected ',' or '}'"},
    {"{\"a\":1.}", 0, 7, "invalid number"},
    {"{\"a\":1.e5}", 0, 7, "invalid number"},
    {"{\"a\":1e}", 0, 7, "invalid number"},
    {"{\"a\":1e+}", 0, 8, "invalid number"},
    {"{\"a\":.5}", 0, 5, "expected a value"},
    {"{\"a\":+1}", 0, 5, "expected a value"},
    {"{\"a\":0x10}", 0, 6, "expected ',' or '}'"},
    {"{\"a\":NaN}", 0, 5, "expected a value"},
    {"{\"a\":\"x\ty\"}", 0, 7, "control character in a string"},
    {"{\"a\":\"x\ny\"}", 0, 7, "control character in a string"},
    {"{\"a\":\"\0\"}", 9, 6, "control character in a string"},
    {"{\"a\x01\":1}", 0, 3, "control character in a string"},
    {"{\"a\":\"\\x\"}", 0, 6, "invalid escape"},
    {"{\"a\":\"\\U0041\"}", 0, 6, "invalid escape"},
    {"{\"a\":\"\\'\"}", 0, 6, "invalid escape"},
    {"{\"a\":\"\\u12G4\"}", 0, 6, "invalid \\u escape"},
    {"{\"a\":\"\\u12\"}", 0, 6, "invalid \\u escape"},
    {"{\"a\":\"\\ud83d\\uZZZZ\"}", 0, 12, "invalid \\u escape"},
    {"{\"a\":\"\\u12", 0, 6, "unterminated string"},
    {"{\"a\":\"\\", 0, 6, "unterminated string"},
    {"{\"a\":\"abc", 0, 9, "unterminated string"},
    {"{\"a\":[1,2,]}", 0, 10, "expected a value"},
    {"{\"a\":[1 2]}", 0, 8, "expected ',' or ']'"},
    {"{\"a\":[1}", 0, 7, "expected ',' or ']'"},
    {"{\"a\":{\"b\":1,}}", 0, 12, "expected a string key"},
    {"{\"a\":{\"b\" 1}}", 0, 10, "expected ':' after a key"},
    {"{\"a\":{1:2}}", 0, 6, "expected a string key"},
    {"{\"a\":{\"b\":1]}", 0, 11, "expected ',' or '}'"},
    {"{\"a\":[}", 0, 6, "expected a value"},
    {"{\"a\":{\"b\":[{\"c\":[1,{}]}]", 0, 24, "unexpected end of input"},
    /* typed keys */
    {"{\"processID\":-1}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":-0}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":1.5}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":1.0}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":1e3}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":1E3}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":\"12\"}", 0, 13,
     "processID: expected an unsigned integer"},
    {"{\"processID\":true}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":[1]}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":{}}", 0, 13, "processID: expected an unsigned integer"},
    {"{\"processID\":1.}", 0, 15, "invalid number"},
    {"{\"threadID\":18446744073709551616}", 0, 12,
     "threadID: number exceeds 2^64-1"},
    {"{\"threadID\":18446744073709551620}", 0, 12,
     "threadID: number exceeds 2^64-1"},
    {"{\"threadID\":99999999999999999999999999}", 0, 12,
     "threadID: number exceeds 2^64-1"},
    {"{\"threadID\":184467440737095516150}", 0, 12,
     "threadID: number exceeds 2^64-1"},
    {"{\"processIdentifier\":-5}", 0, 21,
     "processIdentifier: expected an unsigned integer"},
    {"{\"eventMessage\":5}", 0, 16, "eventMessage: expected a string"},
    {"{\"eventMessage\":[\"a\"]}", 0, 16, "eventMessage: expected a string"},
    {"{\"subsystem\":false}", 0, 13, "subsystem: expected a string"},
    {"{\"timestamp\":5}", 0, 13, "timestamp: expected a string"},
    {"{\"timestamp\":\"2021-02-05 11:43:22.859569-08\"}", 0, 13,
     "timestamp: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    {"{\"timestamp\":\"2021-02-05 11:43:22.859569-0800 \"}", 0, 13,
     "timestamp: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    {"{\"timestamp\":\"2021-02-05 11:43:22\"}", 0, 13,
     "timestamp: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    {"{\"timestamp\":\"yesterday\"}", 0, 13,
     "timestamp: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    {"{\"timestamp\":\"\"}", 0, 13,
     "timestamp: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    {"{\"date\":\"2021-13-05 11:43:22.859569-0800\"}", 0, 8,
     "date: not YYYY-MM-DD HH:MM:SS.ffffff+HHMM"},
    /* the value of a typed key is checked before the rest */
    {"{\"processID\":5,\"eventMessage\":\"ok\",\"userID\":-1,\"x\":\"\\q\"}",
     0, 44, "userID: expected an unsigned integer"},
};

START_TEST(test_errors)
{
    const char *in = error_cases[_i].in;
    size_t n = error_cases[_i].n ? error_cases[_i].n : strlen(in);
    struct run r;
    run_n(&r, in, n);
    ck_assert_msg(r.st == TL_JSON_ERROR, "case %d (%s): status %s", _i, in,
                  status_name(r.st));
    ck_assert_msg(strcmp(r.err.detail, error_cases[_i].detail) == 0,
                  "case %d (%s): detail \"%s\", want \"%s\"", _i, in,
                  r.err.detail, error_cases[_i].detail);
    ck_assert_msg(r.err.offset == error_cases[_i].offset,
                  "case %d (%s): offset %zu, want %zu", _i, in, r.err.offset,
                  error_cases[_i].offset);
    ck_assert_ptr_nonnull(r.err.msg);
    /* msg is the detail without the key. */
    size_t dl = strlen(r.err.detail), ml = strlen(r.err.msg);
    ck_assert(dl >= ml && strcmp(r.err.detail + dl - ml, r.err.msg) == 0);
    ck_assert(r.fc == 12345);
    run_done(&r);
}
END_TEST

/* ---- strict prefixes ----------------------------------------------------- */

static const char *const prefix_inputs[] = {
    mdns_line,
    mdns_pretty,
    s15_pretty,
    "{\"count\":1,\"finished\":1}",
    "{\"a\":[true,false,null,-1.5e+3,{\"b\":\"\\ud83d\\ude00\\n\"}],"
    "\"processID\":18446744073709551615,\"c\":{}}",
};

START_TEST(test_prefixes)
{
    const char *in = prefix_inputs[_i];
    size_t n = strlen(in);
    struct run r;
    run_n(&r, in, n);
    ck_assert(r.st != TL_JSON_ERROR);
    run_done(&r);
    for (size_t k = 0; k < n; k++) {
        run_n(&r, in, k);
        ck_assert_msg(r.st == TL_JSON_ERROR, "prefix %zu accepted", k);
        ck_assert_uint_le(r.err.offset, k);
        ck_assert(r.err.detail[0] != '\0');
        run_done(&r);
    }
}
END_TEST

/* ---- the object -------------------------------------------------------- */

START_TEST(test_empty_and_whitespace)
{
    static const char *const ok[] = {
        "{}", "{ }", " \t\r\n{\n}\n", "{\"a\" \n:\t1\r\n,\n\"b\":2 }",
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(ok); i++) {
        struct run r;
        run_s(&r, ok[i]);
        ck_event(&r);
        ck_assert(r.ev.present == 0);
        ck_assert(!r.ev.has_time);
        run_done(&r);
    }
}
END_TEST

/* The mdns line's members, to reorder. */
static const char *const mdns_members[] = {
    "\"traceID\":3105639345815556",
    "\"eventMessage\":\"[Q20195] Sent 37-byte query\"",
    "\"eventType\":\"logEvent\"",
    "\"source\":null",
    "\"subsystem\":\"com.apple.mdns\"",
    "\"category\":\"resolver\"",
    "\"threadID\":100942",
    "\"processImagePath\":\"\\/usr\\/sbin\\/mDNSResponder\"",
    "\"timestamp\":\"2021-02-05 11:43:22.859569-0800\"",
    "\"machTimestamp\":10854631418804",
    "\"messageType\":\"Default\"",
    "\"backtrace\":{\"frames\":[{\"imageOffset\":1,\"imageUUID\":\"A\"}]}",
};

static char *join_members(const unsigned *order, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += strlen(mdns_members[order[i]]) + 1;
    char *s = tl_xmalloc(len);
    size_t k = 0;
    s[k++] = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[k++] = ',';
        size_t m = strlen(mdns_members[order[i]]);
        memcpy(s + k, mdns_members[order[i]], m);
        k += m;
    }
    s[k++] = '}';
    s[k] = '\0';
    return s;
}

START_TEST(test_key_order)
{
    enum { N = TL_ARRAY_LEN(mdns_members) };
    unsigned order[N];
    for (unsigned i = 0; i < N; i++)
        order[i] = i;
    char *base_s = join_members(order, N);
    struct run base;
    run_s(&base, base_s);
    ck_event(&base);
    uint32_t seed = 12345;
    for (int round = 0; round < 50; round++) {
        /* Fisher-Yates with a fixed LCG; round 0 is the reverse. */
        for (unsigned i = 0; i < N; i++)
            order[i] = round == 0 ? N - 1 - i : i;
        for (unsigned i = N - 1; round && i > 0; i--) {
            seed = seed * 1103515245u + 12345u;
            unsigned k = (seed >> 16) % (i + 1);
            unsigned t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
        char *s = join_members(order, N);
        struct run r;
        run_s(&r, s);
        ck_event(&r);
        ck_same_event(&base.ev, &r.ev);
        run_done(&r);
        free(s);
    }
    run_done(&base);
    free(base_s);
}
END_TEST

START_TEST(test_duplicates_and_null)
{
    struct run r;
    run_s(&r, "{\"processID\":1,\"eventMessage\":\"a\",\"x\":1,"
              "\"processID\":2,\"eventMessage\":\"b\\n\",\"x\":[2],"
              "\"y\":3,\"x\":{\"z\":4}}");
    ck_event(&r);
    ck_field_num(&r.ev, TL_F_PROCESS_ID, 2);
    ck_field_str(&r.ev, TL_F_EVENT_MESSAGE, "b\n");
    ck_assert_uint_eq(r.ev.n_extra, 2);
    ck_assert(tl_str_eq(find_extra(&r.ev, "x")->raw, "{\"z\":4}"));
    ck_assert(tl_str_eq(find_extra(&r.ev, "y")->raw, "3"));
    run_done(&r);

    /* null means absent, also after a value; a value after null counts. */
    run_s(&r, "{\"processID\":1,\"processID\":null,\"eventMessage\":null,"
              "\"subsystem\":null,\"subsystem\":\"s\",\"timestamp\":"
              "\"2021-02-05 11:43:22.859569-0800\",\"timestamp\":null,"
              "\"userID\":null,\"source\":null}");
    ck_event(&r);
    ck_assert(!tl_event_has(&r.ev, TL_F_PROCESS_ID));
    ck_assert(!tl_event_has(&r.ev, TL_F_EVENT_MESSAGE));
    ck_assert(!tl_event_has(&r.ev, TL_F_USER_ID));
    ck_assert(!tl_event_has(&r.ev, TL_F_TIMESTAMP));
    ck_assert(!r.ev.has_time);
    ck_assert(!r.ev.tz_known);
    ck_field_str(&r.ev, TL_F_SUBSYSTEM, "s");
    ck_assert_int_eq(popcount(r.ev.present), 1);
    ck_assert_uint_eq(r.ev.n_extra, 1);
    ck_assert(tl_str_eq(r.ev.extra[0].raw, "null"));
    run_done(&r);

    /* The last timestamp wins, including its offset. */
    run_s(&r, "{\"timestamp\":\"2021-02-05 11:43:22.859569-0800\","
              "\"timestamp\":\"2024-10-06 00:31:18.068529+0900\"}");
    ck_event(&r);
    ck_assert(r.ev.time_us == INT64_C(1728142278068529));
    ck_assert_int_eq(r.ev.tz_offset_min, 540);
    ck_field_str(&r.ev, TL_F_TIMESTAMP, "2024-10-06 00:31:18.068529+0900");
    run_done(&r);
}
END_TEST

static const struct {
    const char *ts;
    bool tz_known;
    int offset;
    int digits;
} ts_cases[] = {
    {"2024-10-06 00:31:18.068529+0900", true, 540, 6},
    {"2024-10-06 00:31:18.068529+0530", true, 330, 6},
    {"2019-10-15 13:57:31.053209-0400", true, -240, 6},
    {"2026-10-06 10:41:02.207", false, 0, 3},
    {"2021-02-05 11:43:22.859569", false, 0, 6},
};

START_TEST(test_timestamps)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "{\"timestamp\":\"%s\"}", ts_cases[_i].ts);
    struct run r;
    run_s(&r, buf);
    ck_event(&r);
    ck_assert(r.ev.has_time);
    ck_assert(r.ev.tz_known == ts_cases[_i].tz_known);
    ck_assert_int_eq(r.ev.tz_offset_min, ts_cases[_i].offset);
    ck_assert_int_eq(r.ev.time_digits, ts_cases[_i].digits);
    /* Round trip through the event's own formatter. */
    char out[48];
    tl_event_format_time(&r.ev, out);
    ck_assert_str_eq(out, ts_cases[_i].ts);
    run_done(&r);
    /* With an escape inside, the decoded string is what gets parsed. */
    snprintf(buf, sizeof(buf), "{\"timestamp\":\"\\u0032%s\"}",
             ts_cases[_i].ts + 1);
    run_s(&r, buf);
    ck_event(&r);
    tl_event_format_time(&r.ev, out);
    ck_assert_str_eq(out, ts_cases[_i].ts);
    run_done(&r);
}
END_TEST

/* Every field by its own name: integer fields take numbers only, string
 * fields strings only (checks the parser's int table against event.c). */
START_TEST(test_every_field)
{
    enum tl_field f = (enum tl_field)_i;
    const char *name = tl_field_name(f);
    char buf[160];
    struct run r;
    bool is_int = tl_field_is_int(f);
    const char *good = is_int ? "42"
                       : f == TL_F_TIMESTAMP
                           ? "\"2021-02-05 11:43:22.859569-0800\""
                           : "\"v\"";
    const char *bad = is_int ? "\"42\"" : "42";

    snprintf(buf, sizeof(buf), "{\"%s\":%s}", name, good);
    run_s(&r, buf);
    ck_event(&r);
    ck_assert(r.ev.present == ((uint64_t)1 << f));
    ck_assert_uint_eq(r.ev.n_extra, 0);
    if (is_int)
        ck_assert(r.ev.num[f] == 42);
    else if (f != TL_F_TIMESTAMP)
        ck_assert(tl_str_eq(r.ev.str[f], "v"));
    run_done(&r);

    snprintf(buf, sizeof(buf), "{\"%s\":%s}", name, bad);
    run_s(&r, buf);
    ck_assert(r.st == TL_JSON_ERROR);
    char want[96];
    snprintf(want, sizeof(want), "%s: %s", name,
             is_int ? "expected an unsigned integer" : "expected a string");
    ck_assert_str_eq(r.err.detail, want);
    run_done(&r);
}
END_TEST

/* The fast key table agrees with tl_field_lookup(). */
static const char *const lookup_names[] = {
    "composedMessage", "processIdentifier", "threadIdentifier",
    "traceIdentifier", "logType", "type", "timeToLive", "activityID",
    "parentActivityID", "signpostIdentifier", "senderImageOffset", "date",
    "source", "backtrace", "count", "finished", "creatorActivityID",
    "processUniqueID", "", "x", "eventmessage", "EventMessage",
    "eventMessag", "eventMessagex", "eventMessage\n", "processIDs", "TTl",
    "ttl", "frames", "imageUUID",
};

START_TEST(test_key_lookup)
{
    for (int f = 0; f < TL_F__COUNT; f++) {
        const char *name = tl_field_name((enum tl_field)f);
        ck_assert_int_eq(tl_json_key_field(name, strlen(name)), f);
    }
    for (size_t i = 0; i < TL_ARRAY_LEN(lookup_names); i++) {
        const char *s = lookup_names[i];
        ck_assert_msg(tl_json_key_field(s, strlen(s)) ==
                          tl_field_lookup(s, strlen(s)),
                      "%s", s);
    }
    /* Aliases reach the parser too. */
    struct run r;
    run_s(&r, "{\"composedMessage\":\"m\",\"processIdentifier\":9,"
              "\"type\":\"logEvent\",\"date\":"
              "\"2021-02-05 11:43:22.859569-0800\"}");
    ck_event(&r);
    ck_field_str(&r.ev, TL_F_EVENT_MESSAGE, "m");
    ck_field_num(&r.ev, TL_F_PROCESS_ID, 9);
    ck_field_str(&r.ev, TL_F_EVENT_TYPE, "logEvent");
    ck_assert(r.ev.time_us == INT64_C(1612554202859569));
    ck_assert_uint_eq(r.ev.n_extra, 0);
    run_done(&r);
}
END_TEST

START_TEST(test_nested_extras)
{
    static const struct {
        const char *val;
    } vals[] = {
        {"{\"frames\":[{\"imageOffset\":1,\"imageUUID\":\"AB-CD\"},"
         "{\"imageOffset\":18446744073709551616,\"imageUUID\":\"\"}]}"},
        {"[]"}, {"{}"}, {"[[],{},[{}]]"}, {"\"s\\\"}\""}, {"-0.5e-3"},
        {"1e400"}, {"0"}, {"-0"}, {"123456789012345678901234567890"},
        {"true"}, {"false"}, {"null"}, {"[ 1 , [ 2 , { \"a\" : [ ] } ] ]"},
        {"{\"}\":\"]\",\"\\\\\":[\"[\"]}"},
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(vals); i++) {
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "{\"processID\":1,\"k\":%s,\"threadID\":2}", vals[i].val);
        struct run r;
        run_s(&r, buf);
        ck_event(&r);
        ck_assert_uint_eq(r.ev.n_extra, 1);
        ck_assert_msg(tl_str_eq(r.ev.extra[0].raw, vals[i].val), "%s",
                      vals[i].val);
        ck_assert(in_range(r.ev.extra[0].raw.p, r.ev.extra[0].raw.n, r.text,
                           r.n));
        ck_field_num(&r.ev, TL_F_PROCESS_ID, 1);
        ck_field_num(&r.ev, TL_F_THREAD_ID, 2);
        run_done(&r);
    }
}
END_TEST

/* {"x": + (levels-1) openers + closers + } : `levels` levels in all. */
static char *nest(unsigned levels, bool objects, bool close)
{
    size_t cap = 16 + (size_t)levels * 8;
    char *s = tl_xmalloc(cap);
    size_t k = 0;
    k += (size_t)sprintf(s, "{\"x\":");
    for (unsigned i = 1; i < levels; i++) {
        if (objects)
            k += (size_t)sprintf(s + k, "{\"x\":");
        else
            s[k++] = '[';
    }
    s[k++] = '0';
    if (close) {
        for (unsigned i = 1; i < levels; i++)
            s[k++] = objects ? '}' : ']';
        s[k++] = '}';
    }
    s[k] = '\0';
    return s;
}

START_TEST(test_depth)
{
    for (int objects = 0; objects < 2; objects++) {
        char *s = nest(64, objects, true);
        struct run r;
        run_s(&r, s);
        ck_event(&r);
        run_done(&r);
        free(s);

        s = nest(65, objects, true);
        run_s(&r, s);
        ck_assert(r.st == TL_JSON_ERROR);
        ck_assert_str_eq(r.err.detail, "nesting deeper than 64 levels");
        /* at the 65th opener */
        ck_assert_uint_eq(r.err.offset,
                          objects ? 5 + 63 * 5 : 5 + 63);
        run_done(&r);

        /* Far too deep, unclosed: still an orderly error. */
        free(s);
        s = nest(100000, objects, false);
        run_s(&r, s);
        ck_assert(r.st == TL_JSON_ERROR);
        ck_assert_str_eq(r.err.detail, "nesting deeper than 64 levels");
        run_done(&r);
        free(s);
    }
    /* Depth is per path, not cumulative: many siblings at level 64. */
    char *deep = nest(64, false, true);
    size_t dn = strlen(deep);
    /* [[...[0]...],[[...[0]...]]] sibling: reuse the inner array text. */
    const char *inner = deep + 5;  /* after {"x": */
    size_t in_n = dn - 6;          /* without the final } */
    char *s = tl_xmalloc(16 + 4 * in_n);
    size_t k = (size_t)sprintf(s, "{\"x\":[");
    for (int i = 0; i < 3; i++) {
        if (i)
            s[k++] = ',';
        /* drop one level so the array wrapper keeps it at 64 */
        memcpy(s + k, inner + 1, in_n - 2);
        k += in_n - 2;
    }
    s[k++] = ']';
    s[k++] = '}';
    s[k] = '\0';
    struct run r;
    run_s(&r, s);
    ck_event(&r);
    run_done(&r);
    free(s);
    free(deep);
}
END_TEST

START_TEST(test_extra_overflow)
{
    char buf[2048];
    size_t k = 0;
    buf[k++] = '{';
    for (int i = 0; i < 40; i++)
        k += (size_t)sprintf(buf + k, "\"k%d\":%d,", i, i);
    k += (size_t)sprintf(buf + k, "\"k3\":\"again\",\"k39\":1,"
                                  "\"processID\":77}");
    struct run r;
    run_s(&r, buf);
    ck_event(&r);
    ck_assert_uint_eq(r.ev.n_extra, TL_EVENT_MAX_EXTRA);
    /* 8 keys beyond the 32 kept, and k39 once more. */
    ck_assert_uint_eq(r.ev.extra_dropped, 9);
    for (int i = 0; i < TL_EVENT_MAX_EXTRA; i++) {
        char key[16], val[16];
        sprintf(key, "k%d", i);
        sprintf(val, i == 3 ? "\"again\"" : "%d", i);
        ck_assert(tl_str_eq(r.ev.extra[i].key, key));
        ck_assert(tl_str_eq(r.ev.extra[i].raw, val));
    }
    ck_field_num(&r.ev, TL_F_PROCESS_ID, 77);
    run_done(&r);
}
END_TEST

START_TEST(test_slice_of_bigger_buffer)
{
    /* The text is a slice: the bytes after it must not be looked at. */
    static const char buf[] = "{\"processID\":12}345\"junk";
    size_t n = strlen("{\"processID\":12");
    struct run r;
    run_n(&r, buf, n);
    ck_assert(r.st == TL_JSON_ERROR);
    ck_assert_str_eq(r.err.detail, "unexpected end of input");
    run_done(&r);
    run_n(&r, buf, n + 1);
    ck_event(&r);
    ck_field_num(&r.ev, TL_F_PROCESS_ID, 12);
    run_done(&r);
    /* A number running to the very end of the slice. */
    run_n(&r, "{\"processID\":123", 14);
    ck_assert(r.st == TL_JSON_ERROR);
    ck_assert_str_eq(r.err.detail, "unexpected end of input");
    ck_assert_uint_eq(r.err.offset, 14);
    run_done(&r);
}
END_TEST

START_TEST(test_scratch_reuse)
{
    struct tl_buf scratch;
    struct tl_event ev;
    struct tl_json_error err;
    tl_buf_init(&scratch, 8); /* smaller than the records: raised */
    static const char *const recs[] = {
        "{\"eventMessage\":\"a\\nb\"}",
        ("{\"eventMessage\":\"\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/"
         "\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\\/\"}"),
        "{\"eventMessage\":\"\\n\"}",
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(recs); i++) {
        size_t n = strlen(recs[i]);
        char *t = tl_xmalloc(n);
        memcpy(t, recs[i], n);
        tl_event_reset(&ev);
        ck_assert(tl_json_parse_event(t, n, &ev, &scratch, NULL, &err) ==
                  TL_JSON_EVENT);
        ck_assert_uint_ge(scratch.cap, n + 1);
        ck_assert_uint_ge(scratch.max, n);
        struct tl_str s = ev.str[TL_F_EVENT_MESSAGE];
        ck_assert(s.p == scratch.p); /* cleared for each record */
        ck_assert_uint_eq(scratch.len, s.n);
        ck_assert(scratch.p[scratch.len] == '\0');
        free(t);
    }
    tl_buf_free(&scratch);
}
END_TEST

/* ---- throughput (TL_JSON_BENCH=1) --------------------------------------- */

static void bench(void)
{
    const size_t target = (size_t)256 << 20;
    char *buf = tl_xmalloc(target + 4096);
    size_t len = 0, lines = 0;
    while (len < target) {
        unsigned i = (unsigned)lines;
        len += (size_t)snprintf(
            buf + len, 4096,
            "{\"traceID\":%llu,\"eventMessage\":\"[R%u] Sent %u-byte query "
            "#%u to <private> over UDP via en0\\/IPv4 for <mask.hash: "
            "'Xy%uQ=='> (A)\",\"eventType\":\"logEvent\",\"source\":null,"
            "\"formatString\":\"[R%%u] Sent %%u-byte query #%%u to "
            "%%{private}#@ over %%{public}s via %%{public}s\\/IPv%%{public}d"
            " for %%{private, mask.hash}@ (%%{mdns:rrtype}d)\","
            "\"activityIdentifier\":%u,\"subsystem\":\"com.apple."
            "mDNSResponder\",\"category\":\"Default\",\"threadID\":%u,"
            "\"senderImageUUID\":\"6E0D8A5E-2C3B-3F5A-9D0C-4A1B2C3D4E5F\","
            "\"backtrace\":{\"frames\":[{\"imageOffset\":%u,\"imageUUID\":"
            "\"6E0D8A5E-2C3B-3F5A-9D0C-4A1B2C3D4E5F\"}]},\"bootUUID\":\"\","
            "\"processImagePath\":\"\\/usr\\/sbin\\/mDNSResponder\","
            "\"timestamp\":\"2021-02-05 11:43:%02u.%06u-0800\","
            "\"senderImagePath\":\"\\/usr\\/sbin\\/mDNSResponder\","
            "\"machTimestamp\":%llu,\"messageType\":\"%s\","
            "\"processImageUUID\":\"6E0D8A5E-2C3B-3F5A-9D0C-4A1B2C3D4E5F\","
            "\"processID\":391,\"senderProgramCounter\":%u,"
            "\"parentActivityIdentifier\":0,\"timezoneName\":\"\","
            "\"userID\":65,\"signpostID\":0}\n",
            3105639345815556ull + i, i % 100000, 20 + i % 90, i % 1000, i,
            i * 7u, 100000u + i % 5000, 187132u + i % 100, i % 60,
            (i * 7919u) % 1000000, 10854631418804ull + i * 1000ull,
            i % 10 ? "Default" : "Error", 187132u + i % 100);
        lines++;
    }
    struct tl_buf scratch;
    struct tl_event ev;
    struct tl_json_error err;
    tl_buf_init(&scratch, 1 << 20);
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        struct timespec t0, t1;
        size_t events = 0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        const char *p = buf, *end = buf + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            tl_event_reset(&ev);
            if (tl_json_parse_event(p, (size_t)(nl - p), &ev, &scratch, NULL,
                                    &err) == TL_JSON_EVENT)
                events++;
            p = nl + 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double s = (double)(t1.tv_sec - t0.tv_sec) +
                   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        double mbs = (double)len / 1e6 / s;
        if (mbs > best)
            best = mbs;
        if (events != lines) {
            fprintf(stderr, "bench: %zu of %zu lines failed\n",
                    lines - events, lines);
            break;
        }
    }
    printf("json bench: %zu lines, %.1f MB, avg %zu bytes/line: "
           "best %.0f MB/s (%.0f ns/line)\n",
           lines, (double)len / 1e6, len / lines, best,
           (double)len / best / 1e6 * 1e9 / (double)lines * 1.0);
    tl_buf_free(&scratch);
    free(buf);
}

/* ---- main -------------------------------------------------------------- */

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("examples");
    tcase_add_test(tc, test_mdns_line);
    tcase_add_test(tc, test_s15_pretty);
    tcase_add_test(tc, test_pretty_equals_compact);
    tcase_add_loop_test(tc, test_finished, 0,
                        (int)TL_ARRAY_LEN(finished_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_loop_test(tc, test_escapes, 0, (int)TL_ARRAY_LEN(escape_cases));
    tcase_add_test(tc, test_escaped_key_maps);
    tcase_add_test(tc, test_string_scan_every_offset);
    tcase_add_loop_test(tc, test_uint_ok, 0, (int)TL_ARRAY_LEN(uint_ok_cases));
    tcase_add_loop_test(tc, test_timestamps, 0, (int)TL_ARRAY_LEN(ts_cases));
    tcase_add_loop_test(tc, test_every_field, 0, TL_F__COUNT);
    tcase_add_test(tc, test_key_lookup);
    tcase_add_test(tc, test_nested_extras);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_errors, 0, (int)TL_ARRAY_LEN(error_cases));
    tcase_add_loop_test(tc, test_prefixes, 0,
                        (int)TL_ARRAY_LEN(prefix_inputs));
    tcase_add_test(tc, test_depth);
    suite_add_tcase(s, tc);

    tc = tcase_create("object");
    tcase_add_test(tc, test_empty_and_whitespace);
    tcase_add_test(tc, test_key_order);
    tcase_add_test(tc, test_duplicates_and_null);
    tcase_add_test(tc, test_extra_overflow);
    tcase_add_test(tc, test_slice_of_bigger_buffer);
    tcase_add_test(tc, test_scratch_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *b = getenv("TL_JSON_BENCH");
    if (b && strcmp(b, "1") == 0)
        bench();
    SRunner *sr = srunner_create(json_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
