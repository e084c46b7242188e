/*
 * event.c - the event struct: field table, timestamps, derived fields.
 */
#include "event.h"

#include <string.h>

static const char *const style_names[TL_STYLE__COUNT] = {
    [TL_STYLE_AUTO] = "auto",       [TL_STYLE_DEFAULT] = "default",
    [TL_STYLE_COMPACT] = "compact", [TL_STYLE_SYSLOG] = "syslog",
    [TL_STYLE_JSON] = "json",       [TL_STYLE_NDJSON] = "ndjson",
};

const char *tl_style_name(enum tl_style s)
{
    return (unsigned)s < TL_STYLE__COUNT ? style_names[s] : "?";
}

enum tl_style tl_style_from_name(const char *name)
{
    for (int i = 0; i < TL_STYLE__COUNT; i++)
        if (strcmp(name, style_names[i]) == 0)
            return (enum tl_style)i;
    return TL_STYLE__COUNT;
}

struct field_info {
    const char *name;
    bool is_int;
};

static const struct field_info fields[TL_F__COUNT] = {
    [TL_F_TIMESTAMP] = {"timestamp", false},
    [TL_F_THREAD_ID] = {"threadID", true},
    [TL_F_MESSAGE_TYPE] = {"messageType", false},
    [TL_F_EVENT_TYPE] = {"eventType", false},
    [TL_F_ACTIVITY_ID] = {"activityIdentifier", true},
    [TL_F_PROCESS_ID] = {"processID", true},
    [TL_F_TTL] = {"TTL", true},
    [TL_F_PROCESS] = {"process", false},
    [TL_F_PROCESS_IMAGE_PATH] = {"processImagePath", false},
    [TL_F_SENDER] = {"sender", false},
    [TL_F_SENDER_IMAGE_PATH] = {"senderImagePath", false},
    [TL_F_SUBSYSTEM] = {"subsystem", false},
    [TL_F_CATEGORY] = {"category", false},
    [TL_F_EVENT_MESSAGE] = {"eventMessage", false},
    [TL_F_TRACE_ID] = {"traceID", true},
    [TL_F_MACH_TIMESTAMP] = {"machTimestamp", true},
    [TL_F_FORMAT_STRING] = {"formatString", false},
    [TL_F_PROCESS_IMAGE_UUID] = {"processImageUUID", false},
    [TL_F_SENDER_IMAGE_UUID] = {"senderImageUUID", false},
    [TL_F_SENDER_PC] = {"senderProgramCounter", true},
    [TL_F_PARENT_ACTIVITY_ID] = {"parentActivityIdentifier", true},
    [TL_F_USER_ID] = {"userID", true},
    [TL_F_BOOT_UUID] = {"bootUUID", false},
    [TL_F_TIMEZONE_NAME] = {"timezoneName", false},
    [TL_F_SIGNPOST_ID] = {"signpostID", true},
    [TL_F_SIGNPOST_NAME] = {"signpostName", false},
    [TL_F_SIGNPOST_TYPE] = {"signpostType", false},
    [TL_F_SIGNPOST_SCOPE] = {"signpostScope", false},
};

/* `log --predicate` spellings and older JSON keys. */
static const struct {
    const char *alias;
    enum tl_field field;
} aliases[] = {
    {"composedMessage", TL_F_EVENT_MESSAGE},
    {"processIdentifier", TL_F_PROCESS_ID},
    {"threadIdentifier", TL_F_THREAD_ID},
    {"traceIdentifier", TL_F_TRACE_ID},
    {"logType", TL_F_MESSAGE_TYPE},
    {"type", TL_F_EVENT_TYPE},
    {"timeToLive", TL_F_TTL},
    {"activityID", TL_F_ACTIVITY_ID},
    {"parentActivityID", TL_F_PARENT_ACTIVITY_ID},
    {"signpostIdentifier", TL_F_SIGNPOST_ID},
    {"senderImageOffset", TL_F_SENDER_PC},
    {"date", TL_F_TIMESTAMP},
};

const char *tl_field_name(enum tl_field f)
{
    return (unsigned)f < TL_F__COUNT ? fields[f].name : "?";
}

bool tl_field_is_int(enum tl_field f)
{
    return (unsigned)f < TL_F__COUNT && fields[f].is_int;
}

enum tl_field tl_field_lookup(const char *name, size_t n)
{
    for (int i = 0; i < TL_F__COUNT; i++)
        if (strlen(fields[i].name) == n && memcmp(fields[i].name, name, n) == 0)
            return (enum tl_field)i;
    for (size_t i = 0; i < TL_ARRAY_LEN(aliases); i++)
        if (strlen(aliases[i].alias) == n &&
            memcmp(aliases[i].alias, name, n) == 0)
            return aliases[i].field;
    return TL_F__COUNT;
}

void tl_event_reset(struct tl_event *ev)
{
    ev->has_time = false;
    ev->tz_known = false;
    ev->tz_offset_min = 0;
    ev->time_digits = 0;
    ev->time_us = 0;
    /* Only the present fields were written; clearing the mask is enough
     * because readers check it first. */
    ev->present = 0;
    ev->n_extra = 0;
    ev->extra = NULL;
    ev->extra_dropped = 0;
    ev->raw = TL_STR_NULL;
    ev->truncated = false;
}

void tl_event_finish(struct tl_event *ev)
{
    if (!tl_event_has(ev, TL_F_PROCESS) &&
        tl_event_has(ev, TL_F_PROCESS_IMAGE_PATH)) {
        struct tl_str b = tl_str_basename(ev->str[TL_F_PROCESS_IMAGE_PATH]);
        if (b.n)
            tl_event_set_str(ev, TL_F_PROCESS, b.p, b.n);
    }
    if (!tl_event_has(ev, TL_F_SENDER) &&
        tl_event_has(ev, TL_F_SENDER_IMAGE_PATH)) {
        struct tl_str b = tl_str_basename(ev->str[TL_F_SENDER_IMAGE_PATH]);
        if (b.n)
            tl_event_set_str(ev, TL_F_SENDER, b.p, b.n);
    }
}

static inline unsigned dig(char c)
{
    return (unsigned)(unsigned char)c - '0';
}

static bool digits(const char *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = dig(p[i]);
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* tl_days_from_civil() for the "YYYY-MM-DD" at p, remembering the last
 * date (per thread): a log has few distinct days. */
static int64_t days_cached(const char *p, unsigned y, unsigned mo, unsigned d)
{
    static _Thread_local char last[10];
    static _Thread_local int64_t last_days;
    static _Thread_local bool have;
    if (have && memcmp(last, p, 10) == 0)
        return last_days;
    memcpy(last, p, 10);
    last_days = tl_days_from_civil(y, mo, d);
    have = true;
    return last_days;
}

/*
 * The 31-byte timestamp shape, eight bytes at a time: in every word,
 * digit lanes must be 0x30-0x39 and literal lanes equal their character.
 * The masks are built for the machine's byte order, lane k being byte k
 * of the text; no addition carries out of a lane (digit lanes are
 * 0x30-0x3f when 6 is added, other lanes get 0).
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define B8(a, b, c, d, e, f, g, h)                                        \
    ((uint64_t)(a) | (uint64_t)(b) << 8 | (uint64_t)(c) << 16 |            \
     (uint64_t)(d) << 24 | (uint64_t)(e) << 32 | (uint64_t)(f) << 40 |     \
     (uint64_t)(g) << 48 | (uint64_t)(h) << 56)
#define TS_SWAR 1
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define B8(a, b, c, d, e, f, g, h)                                        \
    ((uint64_t)(h) | (uint64_t)(g) << 8 | (uint64_t)(f) << 16 |            \
     (uint64_t)(e) << 24 | (uint64_t)(d) << 32 | (uint64_t)(c) << 40 |     \
     (uint64_t)(b) << 48 | (uint64_t)(a) << 56)
#define TS_SWAR 1
#endif

#ifdef TS_SWAR
#define DM 0xf0 /* (v & m1) of a digit lane ... */
#define DE 0x30 /* ... must be this */
static inline uint64_t load8(const char *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
    return v;
}

static inline bool ts_word_ok(uint64_t v, uint64_t m1, uint64_t e1,
                              uint64_t add)
{
    /* m2: the digit lanes' high nibbles = add * 0x28 (6 * 0x28 = 0xf0) */
    uint64_t m2 = add * 0x28;
    return (v & m1) == e1 && ((v + add) & m2) == (e1 & m2);
}
#endif

bool tl_ts31_shape(const char *p)
{
#ifdef TS_SWAR
    /* words at 0, 8, 16 and 23 */
    return ts_word_ok(load8(p), B8(DM, DM, DM, DM, 0xff, DM, DM, 0xff),
                      B8(DE, DE, DE, DE, '-', DE, DE, '-'),
                      B8(6, 6, 6, 6, 0, 6, 6, 0)) &&
           ts_word_ok(load8(p + 8), B8(DM, DM, 0xff, DM, DM, 0xff, DM, DM),
                      B8(DE, DE, ' ', DE, DE, ':', DE, DE),
                      B8(6, 6, 0, 6, 6, 0, 6, 6)) &&
           ts_word_ok(load8(p + 16), B8(0xff, DM, DM, 0xff, DM, DM, DM, DM),
                      B8(':', DE, DE, '.', DE, DE, DE, DE),
                      B8(0, 6, 6, 0, 6, 6, 6, 6)) &&
           ts_word_ok(load8(p + 23), B8(DM, DM, DM, 0, DM, DM, DM, DM),
                      B8(DE, DE, DE, 0, DE, DE, DE, DE),
                      B8(6, 6, 6, 0, 6, 6, 6, 6)) &&
           (p[26] == '+' || p[26] == '-');
#else
    static const char tpl[] = "DDDD-DD-DD DD:DD:DD.DDDDDD?DDDD";
    for (int i = 0; i < 31; i++) {
        if (tpl[i] == 'D' ? dig(p[i]) > 9
            : tpl[i] == '?' ? p[i] != '+' && p[i] != '-'
                            : p[i] != tpl[i])
            return false;
    }
    return true;
#endif
}

#define D1(i) ((unsigned)(unsigned char)p[i] - '0')
#define D2(i) (D1(i) * 10 + D1((i) + 1))

/* The common full form, "YYYY-MM-DD HH:MM:SS.ffffff+HHMM" (31 bytes, not
 * followed by a digit), with fixed positions: no loops. Same result as
 * the general parser; false when p is not exactly that shape (the caller
 * then takes the general way). */
static bool parse_ts31(const char *p, size_t n, struct tl_event *ev,
                       size_t *used)
{
    if (n < 31 || (n > 31 && dig(p[31]) <= 9))
        return false;
    if (!tl_ts31_shape(p))
        return false;
    unsigned y = D2(0) * 100 + D2(2), mo = D2(5), d = D2(8), h = D2(11),
             mi = D2(14), s = D2(17), oh = D2(27), om = D2(29);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 60 || oh > 23 || om > 59)
        return false;
    unsigned us = (D2(20) * 100 + D2(22)) * 100 + D2(24);
    int off = (int)(oh * 60 + om);
    if (p[26] == '-')
        off = -off;
    ev->tz_known = true;
    ev->tz_offset_min = (int16_t)off;
    ev->has_time = true;
    ev->time_digits = 6;
    ev->time_us = (days_cached(p, y, mo, d) * 86400 + (int64_t)h * 3600 +
                   (int64_t)mi * 60 + s) *
                      1000000 +
                  us - (int64_t)off * 60 * 1000000;
    *used = 31;
    return true;
}

bool tl_parse_timestamp(const char *p, size_t n, struct tl_event *ev,
                        size_t *used)
{
    return parse_ts31(p, n, ev, used) ||
           tl_parse_timestamp_general(p, n, ev, used);
}

bool tl_parse_timestamp_general(const char *p, size_t n, struct tl_event *ev,
                                size_t *used)
{
    unsigned y, mo, d, h, mi, s, frac = 0;
    if (n < 21)
        return false;
    if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' ||
        p[16] != ':' || p[19] != '.')
        return false;
    if (!digits(p, 4, &y) || !digits(p + 5, 2, &mo) || !digits(p + 8, 2, &d) ||
        !digits(p + 11, 2, &h) || !digits(p + 14, 2, &mi) ||
        !digits(p + 17, 2, &s))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return false;
    size_t i = 20, nd = 0;
    while (i < n && nd < 9 && dig(p[i]) <= 9) {
        frac = frac * 10 + dig(p[i]);
        i++;
        nd++;
    }
    if (nd == 0 || (i < n && dig(p[i]) <= 9))
        return false;
    unsigned us = frac;
    for (size_t k = nd; k < 6; k++)
        us *= 10;
    for (size_t k = 6; k < nd; k++)
        us /= 10;
    int64_t t = (days_cached(p, y, mo, d) * 86400 +
                 (int64_t)h * 3600 + (int64_t)mi * 60 + s) *
                    1000000 +
                us;
    ev->tz_known = false;
    ev->tz_offset_min = 0;
    if (i + 5 <= n && (p[i] == '+' || p[i] == '-')) {
        unsigned oh, om;
        if (digits(p + i + 1, 2, &oh) && digits(p + i + 3, 2, &om) &&
            oh <= 23 && om <= 59 && (i + 5 == n || dig(p[i + 5]) > 9)) {
            int off = (int)(oh * 60 + om);
            if (p[i] == '-')
                off = -off;
            ev->tz_known = true;
            ev->tz_offset_min = (int16_t)off;
            t -= (int64_t)off * 60 * 1000000;
            i += 5;
        }
    }
    ev->has_time = true;
    ev->time_digits = (uint8_t)(nd > 6 ? 6 : nd);
    ev->time_us = t;
    *used = i;
    return true;
}

static char *put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* "YYYY-MM-DD?HH:MM:SS" for a µs instant; returns end. Consecutive
 * events mostly fall in the same second: the last one is kept (per
 * thread). */
static _Thread_local struct {
    int64_t secs;
    char sep;
    bool ok;
    char s[19];
} dt_cache;

static char *put_datetime(char *o, int64_t t_us, char sep, unsigned *us_out)
{
    int64_t secs = t_us / 1000000;
    int64_t us = t_us % 1000000;
    if (us < 0) {
        us += 1000000;
        secs--;
    }
    if (dt_cache.ok && dt_cache.secs == secs && dt_cache.sep == sep) {
        memcpy(o, dt_cache.s, 19);
        *us_out = (unsigned)us;
        return o + 19;
    }
    char *start = o;
    int64_t days = secs / 86400;
    int64_t sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    tl_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999;
    o = put2(o, (unsigned)(y / 100));
    o = put2(o, (unsigned)(y % 100));
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = sep;
    o = put2(o, (unsigned)(sod / 3600));
    *o++ = ':';
    o = put2(o, (unsigned)(sod / 60 % 60));
    *o++ = ':';
    o = put2(o, (unsigned)(sod % 60));
    *us_out = (unsigned)us;
    memcpy(dt_cache.s, start, 19);
    dt_cache.secs = secs;
    dt_cache.sep = sep;
    dt_cache.ok = true;
    return o;
}

static char *put_frac(char *o, unsigned us, unsigned ndig)
{
    char tmp[6];
    put2(tmp, us / 10000);
    put2(tmp + 2, us / 100 % 100);
    put2(tmp + 4, us % 100);
    *o++ = '.';
    if (ndig > 6)
        ndig = 6;
    memcpy(o, tmp, ndig);
    return o + ndig;
}

size_t tl_event_format_time(const struct tl_event *ev, char *out)
{
    char *o = out;
    unsigned us;
    if (!ev->has_time) {
        out[0] = '\0';
        return 0;
    }
    int64_t local = ev->time_us;
    if (ev->tz_known)
        local += (int64_t)ev->tz_offset_min * 60 * 1000000;
    o = put_datetime(o, local, ' ', &us);
    o = put_frac(o, us, ev->time_digits == 3 ? 3 : 6);
    if (ev->tz_known) {
        int off = ev->tz_offset_min;
        *o++ = off < 0 ? '-' : '+';
        if (off < 0)
            off = -off;
        o = put2(o, (unsigned)(off / 60));
        o = put2(o, (unsigned)(off % 60));
    }
    *o = '\0';
    return (size_t)(o - out);
}

size_t tl_event_format_iso(const struct tl_event *ev, char *out)
{
    char *o = out;
    unsigned us;
    if (!ev->has_time) {
        out[0] = '\0';
        return 0;
    }
    o = put_datetime(o, ev->time_us, 'T', &us);
    o = put_frac(o, us, 6);
    if (ev->tz_known)
        *o++ = 'Z';
    *o = '\0';
    return (size_t)(o - out);
}
