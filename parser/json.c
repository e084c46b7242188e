/*
 * json.c - strict, zero-copy JSON object parser for the json and ndjson
 * styles of `log show`.
 *
 * One pass over the bytes, no recursion, no allocation (the caller's
 * scratch buffer is sized once per record). Strings without escapes are
 * returned as slices of the input; strings with escapes are unescaped
 * into the scratch buffer, which never needs more than n bytes because
 * an escape sequence is never shorter than what it decodes to.
 *
 * The hot paths are the string scan (eight bytes at a time for the
 * three bytes that end a plain run: '"', '\\' and controls) and the key
 * lookup (switch on the length, then constant-length memcmp).
 */
#include "json.h"

#include <string.h>

/* Key classes returned by key_class(): a field, or one of these. */
enum {
    K_EXTRA = TL_F__COUNT, /* known not to be a field: goes to extra[] */
    K_COUNT,               /* "count" of the finished trailer (extra) */
    K_FINISHED,            /* "finished" of the trailer (extra) */
    K_LOOKUP               /* not in the fast table: ask tl_field_lookup() */
};

#define BIT(f) ((uint64_t)1 << (f))

/* The integer fields; tests check this against tl_field_is_int(). */
static const uint64_t int_fields =
    BIT(TL_F_THREAD_ID) | BIT(TL_F_ACTIVITY_ID) | BIT(TL_F_PROCESS_ID) |
    BIT(TL_F_TTL) | BIT(TL_F_TRACE_ID) | BIT(TL_F_MACH_TIMESTAMP) |
    BIT(TL_F_SENDER_PC) | BIT(TL_F_PARENT_ACTIVITY_ID) | BIT(TL_F_USER_ID) |
    BIT(TL_F_SIGNPOST_ID);

/*
 * The keys `log` writes, by length. Only canonical names (tl_field_name)
 * and keys that are not fields appear here; aliases fall through to
 * tl_field_lookup(), so the mapping is tl_field_lookup()'s by
 * construction. The unit test checks every name below against it.
 */
static unsigned key_class(const char *p, size_t n)
{
#define KEY(lit, k)                                                          \
    do {                                                                     \
        if (memcmp(p, lit, sizeof(lit) - 1) == 0)                            \
            return (k);                                                      \
    } while (0)
    switch (n) {
    case 3:
        KEY("TTL", TL_F_TTL);
        break;
    case 5:
        KEY("count", K_COUNT);
        break;
    case 6:
        KEY("source", K_EXTRA);
        KEY("userID", TL_F_USER_ID);
        KEY("sender", TL_F_SENDER);
        break;
    case 7:
        KEY("traceID", TL_F_TRACE_ID);
        KEY("process", TL_F_PROCESS);
        break;
    case 8:
        KEY("threadID", TL_F_THREAD_ID);
        KEY("category", TL_F_CATEGORY);
        KEY("bootUUID", TL_F_BOOT_UUID);
        KEY("finished", K_FINISHED);
        break;
    case 9:
        KEY("timestamp", TL_F_TIMESTAMP);
        KEY("eventType", TL_F_EVENT_TYPE);
        KEY("processID", TL_F_PROCESS_ID);
        KEY("subsystem", TL_F_SUBSYSTEM);
        KEY("backtrace", K_EXTRA);
        break;
    case 10:
        KEY("signpostID", TL_F_SIGNPOST_ID);
        break;
    case 11:
        KEY("messageType", TL_F_MESSAGE_TYPE);
        break;
    case 12:
        KEY("eventMessage", TL_F_EVENT_MESSAGE);
        KEY("formatString", TL_F_FORMAT_STRING);
        KEY("timezoneName", TL_F_TIMEZONE_NAME);
        KEY("signpostName", TL_F_SIGNPOST_NAME);
        KEY("signpostType", TL_F_SIGNPOST_TYPE);
        break;
    case 13:
        KEY("machTimestamp", TL_F_MACH_TIMESTAMP);
        KEY("signpostScope", TL_F_SIGNPOST_SCOPE);
        break;
    case 15:
        KEY("senderImagePath", TL_F_SENDER_IMAGE_PATH);
        KEY("senderImageUUID", TL_F_SENDER_IMAGE_UUID);
        KEY("processUniqueID", K_EXTRA);
        break;
    case 16:
        KEY("processImagePath", TL_F_PROCESS_IMAGE_PATH);
        KEY("processImageUUID", TL_F_PROCESS_IMAGE_UUID);
        break;
    case 17:
        KEY("creatorActivityID", K_EXTRA);
        break;
    case 18:
        KEY("activityIdentifier", TL_F_ACTIVITY_ID);
        break;
    case 20:
        KEY("senderProgramCounter", TL_F_SENDER_PC);
        break;
    case 24:
        KEY("parentActivityIdentifier", TL_F_PARENT_ACTIVITY_ID);
        break;
    default:
        break;
    }
#undef KEY
    return K_LOOKUP;
}

enum tl_field tl_json_key_field(const char *key, size_t n)
{
    unsigned k = key_class(key, n);
    if (k < TL_F__COUNT)
        return (enum tl_field)k;
    if (k == K_LOOKUP)
        return tl_field_lookup(key, n);
    return TL_F__COUNT;
}

/* ---- errors ------------------------------------------------------------ */

static const char E_EOF[] = "unexpected end of input";
static const char E_OPEN[] = "expected '{'";
static const char E_KEY[] = "expected a string key";
static const char E_COLON[] = "expected ':' after a key";
static const char E_OBJ_NEXT[] = "expected ',' or '}'";
static const char E_ARR_NEXT[] = "expected ',' or ']'";
static const char E_VALUE[] = "expected a value";
static const char E_NUMBER[] = "invalid number";
static const char E_LITERAL[] = "invalid literal";
static const char E_UNTERMINATED[] = "unterminated string";
static const char E_CONTROL[] = "control character in a string";
static const char E_ESCAPE[] = "invalid escape";
static const char E_UESCAPE[] = "invalid \\u escape";
static const char E_JUNK[] = "junk after the object";
static const char E_DEPTH[] = "nesting deeper than 64 levels";
_Static_assert(TL_JSON_MAX_DEPTH == 64,
               "E_DEPTH and the 64-bit container stack of skip_value()");
static const char E_STRING[] = "expected a string";
static const char E_UNSIGNED[] = "expected an unsigned integer";
static const char E_RANGE[] = "number exceeds 2^64-1";
static const char E_TIME[] = "not YYYY-MM-DD HH:MM:SS.ffffff+HHMM";

/* Parser state for one record. */
struct jp {
    const char *text;  /* start of the record, for offsets */
    const char *end;   /* one past the last byte */
    char *out;         /* next free byte of the scratch buffer */
    struct tl_json_error *err;
};

#define KEY_SHOW 40 /* key bytes quoted in a message */

/* Fill the error; key (may be NULL) names the key the error is about.
 * Always returns NULL, so callers can `return fail(...)`. */
static const char *fail_key(struct jp *j, const char *at, const char *msg,
                            const char *key, size_t keyn)
{
    struct tl_json_error *e = j->err;
    size_t o = 0;
    const size_t cap = sizeof(e->detail) - 1;

    e->offset = (size_t)(at - j->text);
    e->msg = msg;
    if (key) {
        for (size_t i = 0; i < keyn && i < KEY_SHOW; i++) {
            unsigned char c = (unsigned char)key[i];
            e->detail[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
        }
        if (keyn > KEY_SHOW)
            for (int i = 0; i < 3; i++)
                e->detail[o++] = '.';
        e->detail[o++] = ':';
        e->detail[o++] = ' ';
    }
    for (size_t i = 0; msg[i] && o < cap; i++)
        e->detail[o++] = msg[i];
    e->detail[o] = '\0';
    return NULL;
}

static const char *fail(struct jp *j, const char *at, const char *msg)
{
    return fail_key(j, at, msg, NULL, 0);
}

/* ---- lexing ------------------------------------------------------------ */

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static inline const char *skip_ws(const char *p, const char *e)
{
    while (p < e && is_ws(*p))
        p++;
    return p;
}

static inline bool is_digit(char c)
{
    return (unsigned)(unsigned char)c - '0' <= 9;
}

/* Bytes that end a plain run inside a string: '"', '\\', 0x00-0x1f. */
static const unsigned char str_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1,
};

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Advance over string bytes that need no attention; returns the first
 * '"', '\\' or control byte, or e. Eight bytes at a time: a word is
 * skipped only when none of its bytes is one of those (exact test, any
 * byte order); otherwise the bytes are looked at one by one. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(TL_NO_VEC16)
/* Sixteen bytes at a time with the vector extension of gcc and clang
 * (SSE2, NEON): lanes are -1 where a byte stops the run; the first such
 * lane is found from the two halves' trailing zeros. Bytes < 0x20 as
 * unsigned are those below -96 once 0x80 is flipped (signed compare). */
#define JSON_VEC16 1
typedef signed char json_v16 __attribute__((vector_size(16)));
#endif

static inline const char *scan_plain(const char *p, const char *e)
{
#ifdef JSON_VEC16
    static const json_v16 vq = {'"', '"', '"', '"', '"', '"', '"', '"',
                                '"', '"', '"', '"', '"', '"', '"', '"'};
    static const json_v16 vb = {'\\', '\\', '\\', '\\', '\\', '\\',
                                '\\', '\\', '\\', '\\', '\\', '\\',
                                '\\', '\\', '\\', '\\'};
    static const json_v16 vf = {-128, -128, -128, -128, -128, -128,
                                -128, -128, -128, -128, -128, -128,
                                -128, -128, -128, -128};
    static const json_v16 vl = {-96, -96, -96, -96, -96, -96, -96, -96,
                                -96, -96, -96, -96, -96, -96, -96, -96};
    while ((size_t)(e - p) >= 16) {
        json_v16 v;
        memcpy(&v, p, 16);
        json_v16 m = (json_v16)((v == vq) | (v == vb) | ((v ^ vf) < vl));
        uint64_t lo, hi;
        memcpy(&lo, &m, 8);
        memcpy(&hi, (const char *)&m + 8, 8);
        if (lo)
            return p + (__builtin_ctzll(lo) >> 3);
        if (hi)
            return p + 8 + (__builtin_ctzll(hi) >> 3);
        p += 16;
    }
#endif
    while ((size_t)(e - p) >= 8) {
        uint64_t w, q, b, t;
        memcpy(&w, p, 8);
        q = w ^ (ONES * '"');
        b = w ^ (ONES * '\\');
        t = ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w);
        if (t & HIGHS)
            break;
        p += 8;
    }
    while (p < e && !str_stop[(unsigned char)*p])
        p++;
    return p;
}

static inline int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at p (the caller checked they exist); -1 if invalid. */
static long hex4(const char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexval(p[i]);
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static char *put_utf8(char *d, unsigned long cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xc0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xe0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    } else {
        *d++ = (char)(0xf0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3f));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3f));
        *d++ = (char)(0x80 | (cp & 0x3f));
    }
    return d;
}

/*
 * The slow path of parse_string(): start is the first content byte, p
 * the first backslash. With unescape, the decoded text is written at
 * j->out and *out points to it; without, *out is the raw content.
 */
static const char *parse_escaped(struct jp *j, const char *start,
                                 const char *p, struct tl_str *out,
                                 bool unescape)
{
    const char *e = j->end;
    char *d = j->out;

    if (unescape) {
        memcpy(d, start, (size_t)(p - start));
        d += p - start;
    }
    for (;;) {
        const char *q;
        if (p == e)
            return fail(j, p, E_UNTERMINATED);
        if (*p == '"')
            break;
        if (*p != '\\')
            return fail(j, p, E_CONTROL);
        if (e - p < 2)
            return fail(j, p, E_UNTERMINATED);
        char c;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
            c = p[1];
            break;
        case 'b':
            c = '\b';
            break;
        case 'f':
            c = '\f';
            break;
        case 'n':
            c = '\n';
            break;
        case 'r':
            c = '\r';
            break;
        case 't':
            c = '\t';
            break;
        case 'u': {
            if (e - p < 6) {
                /* Cut short: only the digits that are there can be bad. */
                for (const char *h = p + 2; h < e; h++)
                    if (hexval(*h) < 0)
                        return fail(j, p, E_UESCAPE);
                return fail(j, p, E_UNTERMINATED);
            }
            long cp = hex4(p + 2);
            if (cp < 0)
                return fail(j, p, E_UESCAPE);
            p += 6;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                long lo = -1;
                if (e - p >= 6 && p[0] == '\\' && p[1] == 'u')
                    lo = hex4(p + 2);
                if (lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                } else {
                    cp = 0xfffd; /* lone high surrogate */
                }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                cp = 0xfffd; /* lone low surrogate */
            }
            if (unescape)
                d = put_utf8(d, (unsigned long)cp);
            goto plain;
        }
        default:
            return fail(j, p, E_ESCAPE);
        }
        if (unescape)
            *d++ = c;
        p += 2;
    plain:
        q = scan_plain(p, e);
        if (unescape) {
            memcpy(d, p, (size_t)(q - p));
            d += q - p;
        }
        p = q;
    }
    if (unescape) {
        *out = tl_str_make(j->out, (size_t)(d - j->out));
        j->out = d;
    } else {
        *out = tl_str_make(start, (size_t)(p - start));
    }
    return p + 1;
}

/*
 * A string; p is just after the opening quote. Returns the byte after
 * the closing quote and the content in *out (unescaped into the scratch
 * buffer only when there are escapes and unescape is set), or NULL.
 */
static inline const char *parse_string(struct jp *j, const char *p,
                                       struct tl_str *out, bool unescape)
{
    const char *start = p;
    p = scan_plain(p, j->end);
    if (TL_LIKELY(p < j->end && *p == '"')) {
        *out = tl_str_make(start, (size_t)(p - start));
        return p + 1;
    }
    if (p == j->end)
        return fail(j, p, E_UNTERMINATED);
    if (*p != '\\')
        return fail(j, p, E_CONTROL);
    return parse_escaped(j, start, p, out, unescape);
}

/* A JSON number at p (p < end). *plain is set when it is an unsigned
 * integer without fraction or exponent. Returns its end or NULL. */
static const char *scan_number(struct jp *j, const char *p, bool *plain)
{
    const char *e = j->end;
    *plain = true;
    if (*p == '-') {
        *plain = false;
        p++;
        if (p == e)
            return fail(j, p, E_EOF);
    }
    if (*p == '0') {
        p++;
    } else if (is_digit(*p)) {
        while (p < e && is_digit(*p))
            p++;
    } else {
        return fail(j, p, E_NUMBER);
    }
    if (p < e && *p == '.') {
        *plain = false;
        p++;
        if (p == e)
            return fail(j, p, E_EOF);
        if (!is_digit(*p))
            return fail(j, p, E_NUMBER);
        while (p < e && is_digit(*p))
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *plain = false;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p == e)
            return fail(j, p, E_EOF);
        if (!is_digit(*p))
            return fail(j, p, E_NUMBER);
        while (p < e && is_digit(*p))
            p++;
    }
    return p;
}

/* The value of an integer key at p (p < end): an unsigned integer that
 * fits in 64 bits. Returns the end and the value in *v, or NULL. */
static const char *parse_uint(struct jp *j, const char *p, uint64_t *v,
                              struct tl_str key)
{
    const char *e = j->end, *q = p;
    uint64_t x = 0;
    bool ovf = false;

    while (q < e && is_digit(*q)) {
        unsigned dgt = (unsigned)(*q - '0');
        if (x > UINT64_MAX / 10 ||
            (x == UINT64_MAX / 10 && dgt > UINT64_MAX % 10))
            ovf = true;
        x = x * 10 + dgt;
        q++;
    }
    if (TL_LIKELY(q > p && q < e && !(*q == '.' || *q == 'e' || *q == 'E') &&
                  (*p != '0' || q - p == 1) && !ovf)) {
        *v = x;
        return q;
    }
    /* The slow and failing paths: a value of another type, then syntax
     * errors, then sign/fraction/exponent, then range. */
    if (*p != '-' && !is_digit(*p))
        return fail_key(j, p, E_UNSIGNED, key.p, key.n);
    bool plain;
    q = scan_number(j, p, &plain);
    if (!q)
        return NULL;
    if (!plain)
        return fail_key(j, p, E_UNSIGNED, key.p, key.n);
    if (ovf)
        return fail_key(j, p, E_RANGE, key.p, key.n);
    /* A leading zero ("0123"): the number is "0" and the caller finds
     * the digits after it out of place. */
    *v = 0;
    return q;
}

/* true, false or null at p (p < end). */
static const char *skip_literal(struct jp *j, const char *p)
{
    const char *lit = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
    size_t n = strlen(lit);
    if ((size_t)(j->end - p) < n) {
        if (memcmp(p, lit, (size_t)(j->end - p)) == 0)
            return fail(j, j->end, E_EOF);
        return fail(j, p, E_LITERAL);
    }
    if (memcmp(p, lit, n) != 0)
        return fail(j, p, E_LITERAL);
    return p + n;
}

/* `"key" ws : ws` inside a skipped object; p is at the key's quote. */
static const char *skip_member_key(struct jp *j, const char *p)
{
    struct tl_str k;
    if (p == j->end)
        return fail(j, p, E_EOF);
    if (*p != '"')
        return fail(j, p, E_KEY);
    p = parse_string(j, p + 1, &k, false);
    if (!p)
        return NULL;
    p = skip_ws(p, j->end);
    if (p == j->end)
        return fail(j, p, E_EOF);
    if (*p != ':')
        return fail(j, p, E_COLON);
    return skip_ws(p + 1, j->end);
}

/*
 * Validate and skip any JSON value at p (whitespace already skipped),
 * iteratively. The value is a member of the record object (level 1), so
 * its containers are levels 2 and deeper. `depth` counts the containers
 * open inside the value; bit d of `arrays` says whether the d-th of them
 * (level d + 2) is an array. The depth cap keeps d below 64.
 */
static const char *skip_value(struct jp *j, const char *p)
{
    const char *e = j->end;
    uint64_t arrays = 0;
    unsigned depth = 0;
    struct tl_str s;
    bool plain;

    for (;;) {
        if (p == e)
            return fail(j, p, E_EOF);
        switch (*p) {
        case '{':
        case '[': {
            bool arr = *p == '[';
            if (depth + 2 > TL_JSON_MAX_DEPTH)
                return fail(j, p, E_DEPTH);
            arrays = (arrays & ~BIT(depth)) | (arr ? BIT(depth) : 0);
            depth++;
            p = skip_ws(p + 1, e);
            if (p < e && *p == (arr ? ']' : '}')) {
                p++;
                depth--;
                break;
            }
            if (!arr) {
                p = skip_member_key(j, p);
                if (!p)
                    return NULL;
            }
            continue;
        }
        case '"':
            p = parse_string(j, p + 1, &s, false);
            break;
        case 't':
        case 'f':
        case 'n':
            p = skip_literal(j, p);
            break;
        default:
            if (*p == '-' || is_digit(*p))
                p = scan_number(j, p, &plain);
            else
                p = fail(j, p, E_VALUE);
            break;
        }
        if (!p)
            return NULL;
        /* After a value: close containers, or go on to the next one. */
        for (;;) {
            if (depth == 0)
                return p;
            bool arr = (arrays >> (depth - 1)) & 1;
            p = skip_ws(p, e);
            if (p == e)
                return fail(j, p, E_EOF);
            if (*p == ',') {
                p = skip_ws(p + 1, e);
                if (!arr) {
                    p = skip_member_key(j, p);
                    if (!p)
                        return NULL;
                }
                break;
            }
            if (*p != (arr ? ']' : '}'))
                return fail(j, p, arr ? E_ARR_NEXT : E_OBJ_NEXT);
            p++;
            depth--;
        }
    }
}

/* The value of known field f at p (p < end). */
static const char *parse_field(struct jp *j, const char *p,
                               struct tl_event *ev, enum tl_field f,
                               struct tl_str key)
{
    if (*p == 'n') {
        p = skip_literal(j, p);
        if (!p)
            return NULL;
        ev->present &= ~BIT(f);
        if (f == TL_F_TIMESTAMP) {
            ev->has_time = false;
            ev->tz_known = false;
            ev->tz_offset_min = 0;
            ev->time_digits = 0;
            ev->time_us = 0;
        }
        return p;
    }
    if ((int_fields >> f) & 1) {
        uint64_t v = 0;
        p = parse_uint(j, p, &v, key);
        if (p)
            tl_event_set_num(ev, f, v);
        return p;
    }
    if (*p != '"')
        return fail_key(j, p, E_STRING, key.p, key.n);
    const char *v = p;
    struct tl_str s;
    p = parse_string(j, p + 1, &s, true);
    if (!p)
        return NULL;
    if (f == TL_F_TIMESTAMP) {
        size_t used = 0;
        if (!tl_parse_timestamp(s.p, s.n, ev, &used) || used != s.n) {
            ev->has_time = false;
            return fail_key(j, v, E_TIME, key.p, key.n);
        }
    }
    tl_event_set_str(ev, f, s.p, s.n);
    return p;
}

/* An unknown key: the last of equal keys wins. */
static void add_extra(struct tl_event *ev, struct tl_str key,
                      struct tl_str raw)
{
    for (size_t i = 0; i < ev->n_extra; i++) {
        struct tl_extra *x = &ev->extra[i];
        if (x->key.n == key.n && memcmp(x->key.p, key.p, key.n) == 0) {
            x->raw = raw;
            return;
        }
    }
    if (ev->extra && ev->n_extra < TL_EVENT_MAX_EXTRA) {
        ev->extra[ev->n_extra].key = key;
        ev->extra[ev->n_extra].raw = raw;
        ev->n_extra++;
    } else {
        ev->extra_dropped++;
    }
}

/* Make room for n unescaped bytes (plus a NUL) without reallocating
 * during the parse. */
static void reserve_scratch(struct tl_buf *b, size_t n)
{
    if (b->max < n)
        b->max = n;
    if (b->cap < n + 1) {
        size_t lim = b->max == SIZE_MAX ? SIZE_MAX : b->max + 1;
        size_t cap = b->cap * 2; /* amortised growth, within the cap */
        if (cap > lim)
            cap = lim;
        if (cap < n + 1)
            cap = n + 1;
        b->p = tl_xrealloc(b->p, cap);
        b->cap = cap;
    }
    tl_buf_clear(b);
}

enum tl_json_status tl_json_parse_event(const char *text, size_t n,
                                        struct tl_event *ev,
                                        struct tl_buf *scratch,
                                        uint64_t *finished_count,
                                        struct tl_json_error *err)
{
    struct jp j;
    const char *p, *e = text + n;
    bool finished = false;
    struct tl_str count = TL_STR_NULL;

    reserve_scratch(scratch, n);
    j.text = text;
    j.end = e;
    j.out = scratch->p;
    j.err = err;

    p = skip_ws(text, e);
    if (p == e) {
        fail(&j, p, E_EOF);
        return TL_JSON_ERROR;
    }
    if (*p != '{') {
        fail(&j, p, E_OPEN);
        return TL_JSON_ERROR;
    }
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        struct tl_str key;
        unsigned k;

        if (p == e) {
            fail(&j, p, E_EOF);
            return TL_JSON_ERROR;
        }
        if (*p != '"') {
            fail(&j, p, E_KEY);
            return TL_JSON_ERROR;
        }
        p = parse_string(&j, p + 1, &key, true);
        if (!p)
            return TL_JSON_ERROR;
        if (TL_UNLIKELY(p == e || *p != ':')) {
            p = skip_ws(p, e);
            if (p == e || *p != ':') {
                fail(&j, p, p == e ? E_EOF : E_COLON);
                return TL_JSON_ERROR;
            }
        }
        p = skip_ws(p + 1, e);
        if (p == e) {
            fail(&j, p, E_EOF);
            return TL_JSON_ERROR;
        }
        k = key_class(key.p, key.n);
        if (k == K_LOOKUP)
            k = (unsigned)tl_field_lookup(key.p, key.n);
        if (k < TL_F__COUNT) {
            p = parse_field(&j, p, ev, (enum tl_field)k, key);
        } else {
            const char *v = p;
            p = skip_value(&j, p);
            if (p) {
                struct tl_str raw = tl_str_make(v, (size_t)(p - v));
                if (k == K_FINISHED)
                    finished = true;
                else if (k == K_COUNT)
                    count = raw;
                add_extra(ev, key, raw);
            }
        }
        if (!p)
            return TL_JSON_ERROR;
        if (TL_UNLIKELY(p == e || (*p != ',' && *p != '}')))
            p = skip_ws(p, e);
        if (p == e) {
            fail(&j, p, E_EOF);
            return TL_JSON_ERROR;
        }
        if (*p == ',') {
            p = skip_ws(p + 1, e);
            continue;
        }
        if (*p != '}') {
            fail(&j, p, E_OBJ_NEXT);
            return TL_JSON_ERROR;
        }
        p++;
        break;
    }
done:
    p = skip_ws(p, e);
    if (p != e) {
        fail(&j, p, E_JUNK);
        return TL_JSON_ERROR;
    }
    scratch->len = (size_t)(j.out - scratch->p);
    scratch->p[scratch->len] = '\0';
    if (finished) {
        uint64_t c = 0;
        if (finished_count) {
            if (!count.p || !tl_parse_u64(count.p, count.n, &c))
                c = 0;
            *finished_count = c;
        }
        return TL_JSON_FINISHED;
    }
    return TL_JSON_EVENT;
}
