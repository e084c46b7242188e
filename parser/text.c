/*
 * text.c - default, compact and syslog styles (log-formats.md 3-7).
 *
 * Only fixed byte checks and short scans here: this runs on every record
 * of a multi-GB input.
 */
#include "text.h"

#include <stdint.h>
#include <string.h>

/* Byte classes: 1 digit, 2 hex digit, 4 ASCII letter. */
static const unsigned char cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0,
    0, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0,
    0, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
#define ISDIG(c) ((unsigned)(unsigned char)(c) - '0' <= 9u)
#define ISHEX(c) (cls[(unsigned char)(c)] & 2)
#define ISALPHA(c) (cls[(unsigned char)(c)] & 4)

/* "YYYY-MM-DD HH:MM:SS." : 20 bytes. */
static inline bool date_shape(const char *p)
{
    return ISDIG(p[0]) && ISDIG(p[1]) && ISDIG(p[2]) && ISDIG(p[3]) &&
           p[4] == '-' && ISDIG(p[5]) && ISDIG(p[6]) && p[7] == '-' &&
           ISDIG(p[8]) && ISDIG(p[9]) && p[10] == ' ' && ISDIG(p[11]) &&
           ISDIG(p[12]) && p[13] == ':' && ISDIG(p[14]) && ISDIG(p[15]) &&
           p[16] == ':' && ISDIG(p[17]) && ISDIG(p[18]) && p[19] == '.';
}

/*
 * Full default/syslog timestamp: 31 bytes, "YYYY-MM-DD HH:MM:SS.ffffff"
 * then '+' or '-' and a 4-digit offset. Checked eight bytes at a time: in
 * every word, digit lanes must be 0x30-0x39 and literal lanes equal
 * their character. The masks are made from byte strings, so the check
 * does not depend on the byte order: lane k of a mask is byte k of its
 * string, as lane k of the loaded text is byte k of the text, and no
 * addition carries out of a lane (digit lanes are 0x30-0x3f when 6 is
 * added, other lanes get 0).
 */
/* Full default/syslog timestamp: 31 bytes, µs and offset. */
static inline bool ts31_shape(const char *p, size_t n)
{
    return n >= 31 && tl_ts31_shape(p);
}

static inline uint64_t bytes8(const char *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
    return v;
}

static bool has_prefix(const char *p, size_t n, const char *lit, size_t ln)
{
    return n >= ln && memcmp(p, lit, ln) == 0;
}
#define HAS_PREFIX(p, n, lit) has_prefix((p), (n), (lit), sizeof(lit) - 1)

bool tl_text_is_preamble(const char *p, size_t n)
{
    if (HAS_PREFIX(p, n, "Filtering the log data using "))
        return true;
    /* "Skipping info and debug messages, pass --info and/or --debug to
     * include." and "Skipping debug messages, pass --debug to include." */
    if (HAS_PREFIX(p, n, "Skipping ") && n >= 20 &&
        memcmp(p + n - 11, "to include.", 11) == 0)
        return true;
    return false;
}

enum tl_style tl_text_header(const char *p, size_t n, enum tl_ttl_layout *ttl)
{
    struct tl_str s = tl_str_rtrim(tl_str_make(p, n));
    if (!HAS_PREFIX(s.p, s.n, "Timestamp "))
        return TL_STYLE_AUTO;
    if (tl_str_eq(s, "Timestamp                       Thread     Type        "
                     "Activity             PID    TTL")) {
        *ttl = TL_TTL_YES;
        return TL_STYLE_DEFAULT;
    }
    if (tl_str_eq(s, "Timestamp                       Thread     Type        "
                     "Activity             PID")) {
        *ttl = TL_TTL_NO;
        return TL_STYLE_DEFAULT;
    }
    if (tl_str_eq(s, "Timestamp               Ty Process[PID:TID]"))
        return TL_STYLE_COMPACT;
    if (tl_str_eq(s, "Timestamp                       (process)[PID]"))
        return TL_STYLE_SYSLOG;
    return TL_STYLE_AUTO;
}

/* Skip a run of [0-9a-f]; return the index after it. */
static size_t skip_hex(const char *p, size_t i, size_t n)
{
    while (i < n && ISHEX(p[i]))
        i++;
    return i;
}

static size_t skip_dig(const char *p, size_t i, size_t n)
{
    while (i < n && ISDIG(p[i]))
        i++;
    return i;
}

/* The first index at or after i that holds no space (n if none). Runs
 * of spaces pad the default style's columns: eight bytes at a time where
 * the first differing byte can be found with a count of trailing zeros
 * (little-endian gcc/clang). */
static size_t skip_sp(const char *p, size_t i, size_t n)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                        \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= n) {
        uint64_t v = bytes8(p + i) ^ 0x2020202020202020ull;
        if (v)
            return i + ((unsigned)__builtin_ctzll(v) >> 3);
        i += 8;
    }
#endif
    while (i < n && p[i] == ' ')
        i++;
    return i;
}

/* Default style fixed columns. Fills the token positions on success. */
struct dflt_cols {
    size_t thr, thr_end, type, type_end, act, act_end, pid, pid_end;
};

static bool default_cols(const char *p, size_t n, struct dflt_cols *c)
{
    size_t i;
    if (!ts31_shape(p, n) || n < 34 || p[31] != ' ' || p[32] != '0' ||
        p[33] != 'x')
        return false;
    c->thr = 32;
    i = skip_hex(p, 34, n);
    if (i == 34 || i >= n || p[i] != ' ')
        return false;
    c->thr_end = i;
    i = skip_sp(p, i, n);
    c->type = i;
    while (i < n && ISALPHA(p[i]))
        i++;
    if (i == c->type || i >= n || p[i] != ' ')
        return false;
    c->type_end = i;
    i = skip_sp(p, i, n);
    if (i + 2 >= n || p[i] != '0' || p[i + 1] != 'x')
        return false;
    c->act = i;
    i = skip_hex(p, i + 2, n);
    if (i == c->act + 2 || i >= n || p[i] != ' ')
        return false;
    c->act_end = i;
    i = skip_sp(p, i, n);
    c->pid = i;
    i = skip_dig(p, i, n);
    if (i == c->pid || i >= n || p[i] != ' ')
        return false;
    c->pid_end = i;
    return true;
}

/* Compact: the timestamp and type code; returns the index of the
 * process name, or 0 if the line is no compact record start. */
static size_t compact_head(const char *p, size_t n, size_t *type_at,
                           size_t *ts_len)
{
    size_t i;
    if (n < 28 || !date_shape(p) || !ISDIG(p[20]) || !ISDIG(p[21]) ||
        !ISDIG(p[22]))
        return 0;
    i = 23;
    if (i < n && (p[i] == '+' || p[i] == '-')) {
        if (n < 33 || !ISDIG(p[24]) || !ISDIG(p[25]) || !ISDIG(p[26]) ||
            !ISDIG(p[27]))
            return 0;
        i = 28;
    }
    *ts_len = i;
    if (i + 4 > n || p[i] != ' ' || !ISALPHA(p[i + 1]) ||
        !(ISALPHA(p[i + 2]) || p[i + 2] == ' ') || p[i + 3] != ' ')
        return 0;
    *type_at = i + 1;
    i += 4;
    if (i >= n || p[i] == ' ')
        return 0;
    return i;
}

/* Find "[PID:TID] " or "[PID] " (compact) or "[PID]: " (syslog) at or
 * after i within the first line. Returns the '[' index or n. */
static size_t find_pid_bracket(const char *p, size_t i, size_t n,
                               bool syslog, size_t *close)
{
    while (i < n) {
        const char *b = memchr(p + i, '[', n - i);
        if (!b)
            return n;
        size_t j = (size_t)(b - p), k = skip_dig(p, j + 1, n);
        if (k > j + 1 && k < n) {
            if (!syslog && p[k] == ':') {
                size_t h = skip_hex(p, k + 1, n);
                if (h > k + 1 && h + 1 < n && p[h] == ']' && p[h + 1] == ' ') {
                    *close = h;
                    return j;
                }
            } else if (p[k] == ']') {
                if (!syslog && k + 1 < n && p[k + 1] == ' ') {
                    *close = k;
                    return j;
                }
                if (syslog && k + 2 < n && p[k + 1] == ':' && p[k + 2] == ' ') {
                    *close = k;
                    return j;
                }
            }
        }
        i = j + 1;
    }
    return n;
}

static size_t line_end(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    return nl ? (size_t)(nl - p) : n;
}

bool tl_text_is_start(enum tl_style s, const char *p, size_t n,
                      struct tl_text_start *st)
{
    struct tl_text_start tmp;
    if (!st)
        st = &tmp;
    switch (s) {
    case TL_STYLE_DEFAULT: {
        struct dflt_cols c;
        if (!default_cols(p, n, &c))
            return false;
        st->a[0] = c.thr;
        st->a[1] = c.thr_end;
        st->a[2] = c.type;
        st->a[3] = c.type_end;
        st->a[4] = c.act;
        st->a[5] = c.act_end;
        st->a[6] = c.pid;
        st->a[7] = c.pid_end;
        return true;
    }
    case TL_STYLE_COMPACT: {
        size_t t, l, cl;
        size_t i = compact_head(p, n, &t, &l);
        if (!i)
            return false;
        size_t b = find_pid_bracket(p, i, n, false, &cl);
        if (b >= n)
            return false;
        st->a[0] = i;   /* process */
        st->a[1] = t;   /* type code */
        st->a[2] = l;   /* timestamp length */
        st->a[3] = b;   /* '[' of [PID:TID] */
        st->a[4] = cl;  /* its ']' */
        return true;
    }
    case TL_STYLE_SYSLOG: {
        size_t cl;
        if (!ts31_shape(p, n) || n < 36 || p[31] != ' ' || p[32] != ' ' ||
            p[33] == ' ')
            return false;
        const char *sp = memchr(p + 33, ' ', n - 33);
        if (!sp)
            return false;
        size_t i = (size_t)(sp - p) + 1;
        size_t b = find_pid_bracket(p, i, n, true, &cl);
        if (b >= n)
            return false;
        st->a[0] = i;   /* process */
        st->a[1] = b;   /* '[' of [PID]: */
        st->a[2] = cl;  /* its ']' */
        return true;
    }
    default:
        return false;
    }
}

/* Static spellings, so events never point at freed text. */
#define S(lit) lit, sizeof(lit) - 1
static const struct {
    const char *col;     /* Type column / compact code */
    size_t coln;
    const char *msgtype; /* messageType or NULL */
    size_t msgn;
    const char *evtype;  /* eventType */
    size_t evn;
} types[] = {
    {S("Default"), S("Default"), S("logEvent")},
    {S("Info"), S("Info"), S("logEvent")},
    {S("Debug"), S("Debug"), S("logEvent")},
    {S("Error"), S("Error"), S("logEvent")},
    {S("Fault"), S("Fault"), S("logEvent")},
    {S("Activity"), NULL, 0, S("activityCreateEvent")},
    {S("Timesync"), NULL, 0, S("timesyncEvent")},
    {S("Signpost"), NULL, 0, S("signpostEvent")},
    {S("Loss"), NULL, 0, S("lossEvent")},
    {S("State"), NULL, 0, S("stateEvent")},
    {S("Trace"), NULL, 0, S("traceEvent")},
    {S("UserAction"), NULL, 0, S("userActionEvent")},
    {S("Transition"), NULL, 0, S("activityTransitionEvent")},
    /* compact codes */
    {S("Df"), S("Default"), S("logEvent")},
    {S("I"), S("Info"), S("logEvent")},
    {S("Db"), S("Debug"), S("logEvent")},
    {S("E"), S("Error"), S("logEvent")},
    {S("F"), S("Fault"), S("logEvent")},
    {S("A"), NULL, 0, S("activityCreateEvent")},
};
#undef S

static void set_type(struct tl_event *ev, const char *p, size_t n)
{
    for (size_t i = 0; i < TL_ARRAY_LEN(types); i++) {
        if (types[i].coln == n && memcmp(types[i].col, p, n) == 0) {
            if (types[i].msgtype)
                tl_event_set_str(ev, TL_F_MESSAGE_TYPE, types[i].msgtype,
                                 types[i].msgn);
            tl_event_set_str(ev, TL_F_EVENT_TYPE, types[i].evtype,
                             types[i].evn);
            return;
        }
    }
}

/*
 * The body grammar of section 3, from p[i] to the end of the record
 * (n). The first line ends at `eol`. want_process: default style, where
 * "PROCESS: " leads the body.
 */
static void parse_body(const char *p, size_t i, size_t eol, size_t n,
                       struct tl_event *ev, bool want_process,
                       bool want_subsystem)
{
    /* Signpost prefix "[spid 0x..., scope, kind] ". */
    if (eol - i > 6 && memcmp(p + i, "[spid ", 6) == 0) {
        const char *e = memchr(p + i, ']', eol - i);
        if (e && (size_t)(e - p) + 1 < eol && e[1] == ' ')
            i = (size_t)(e - p) + 2;
    }
    if (want_process) {
        /* PROCESS runs to the first ": " on the first line. */
        size_t j = i;
        for (;;) {
            const char *c = j + 1 < eol ? memchr(p + j, ':', eol - 1 - j)
                                        : NULL;
            if (!c) {
                j = eol;
                break;
            }
            j = (size_t)(c - p);
            if (p[j + 1] == ' ')
                break;
            j++;
        }
        if (j + 1 < eol && j > i) {
            tl_event_set_str(ev, TL_F_PROCESS, p + i, j - i);
            i = j + 2;
        }
    }
    /* "(SENDER) ": parenthesis depth to the matching ')' + space. */
    if (i < eol && p[i] == '(') {
        int depth = 0;
        for (size_t j = i; j < eol; j++) {
            if (p[j] == '(')
                depth++;
            else if (p[j] == ')' && --depth == 0) {
                if (j + 1 < eol && p[j + 1] == ' ' && j > i + 1) {
                    tl_event_set_str(ev, TL_F_SENDER, p + i + 1, j - i - 1);
                    i = j + 2;
                }
                break;
            }
        }
    }
    /* "[SUBSYSTEM:CATEGORY] ": bracket depth; split at the first ':' at
     * depth 1 (section 3 rule 3). */
    if (want_subsystem && i < eol && p[i] == '[') {
        int depth = 0;
        size_t colon = 0;
        for (size_t j = i; j < eol; j++) {
            if (p[j] == '[')
                depth++;
            else if (p[j] == ']') {
                if (--depth == 0) {
                    bool end_ok = j + 1 == eol || p[j + 1] == ' ';
                    if (colon && end_ok) {
                        tl_event_set_str(ev, TL_F_SUBSYSTEM, p + i + 1,
                                         colon - i - 1);
                        tl_event_set_str(ev, TL_F_CATEGORY, p + colon + 1,
                                         j - colon - 1);
                        i = j + 1 < eol ? j + 2 : j + 1;
                    }
                    break;
                }
            } else if (p[j] == ':' && depth == 1 && !colon)
                colon = j;
        }
    }
    tl_event_set_str(ev, TL_F_EVENT_MESSAGE, p + i, i <= n ? n - i : 0);
}

static uint64_t num_dec(const char *p, size_t a, size_t b)
{
    uint64_t v = 0;
    if (!tl_parse_u64(p + a, b - a, &v))
        v = UINT64_MAX; /* overflowing digits: saturate, never wrap */
    return v;
}

static uint64_t num_hex(const char *p, size_t a, size_t b)
{
    uint64_t v = 0;
    if (!tl_parse_hex64(p + a, b - a, &v))
        v = UINT64_MAX;
    return v;
}

static void parse_default(enum tl_ttl_layout ttl, const char *p, size_t n,
                          const struct tl_text_start *st, struct tl_event *ev)
{
    struct dflt_cols c = {st->a[0], st->a[1], st->a[2], st->a[3],
                          st->a[4], st->a[5], st->a[6], st->a[7]};
    size_t used, eol = line_end(p + c.pid_end, n - c.pid_end) + c.pid_end;
    tl_parse_timestamp(p, 31, ev, &used);
    tl_event_set_num(ev, TL_F_THREAD_ID, num_hex(p, c.thr + 2, c.thr_end));
    set_type(ev, p + c.type, c.type_end - c.type);
    tl_event_set_num(ev, TL_F_ACTIVITY_ID, num_hex(p, c.act + 2, c.act_end));
    tl_event_set_num(ev, TL_F_PROCESS_ID, num_dec(p, c.pid, c.pid_end));

    /* TTL: a digits token after the PID that ends before col 88 with
     * only spaces up to col 88 (or one space when it overflows). */
    size_t body;
    size_t t = skip_sp(p, c.pid_end, eol), te = skip_dig(p, t, eol);
    bool has_ttl = false;
    if (ttl != TL_TTL_NO && te > t && te < eol && p[te] == ' ') {
        if (ttl == TL_TTL_YES)
            has_ttl = true;
        else /* unknown layout: guess per record: a short number that
              * fills its 4-wide column */
            has_ttl = te - t <= 4 && skip_sp(p, te, eol) >= t + 5;
    }
    /* The body starts after the TTL (or PID) column's width: col 88
     * (83) in the usual layout, later when a wide thread id shifted the
     * columns; one byte after a token that overflows its width. */
    if (has_ttl) {
        tl_event_set_num(ev, TL_F_TTL, num_dec(p, t, te));
        body = te - t <= 4 && skip_sp(p, te, eol) >= t + 5 ? t + 5 : te + 1;
    } else {
        size_t ps = c.pid, pe = c.pid_end;
        body = pe - ps <= 6 && skip_sp(p, pe, eol) >= ps + 7 ? ps + 7 : pe + 1;
    }
    if (body > eol)
        body = eol;
    struct tl_str type = tl_str_make(p + c.type, c.type_end - c.type);
    if (tl_str_eq(type, "Timesync")) {
        tl_event_set_str(ev, TL_F_EVENT_MESSAGE, p + body, n - body);
        return;
    }
    parse_body(p, body, eol, n, ev, true, !tl_str_eq(type, "Activity"));
}

static void parse_compact(const char *p, size_t n,
                          const struct tl_text_start *st, struct tl_event *ev)
{
    size_t i = st->a[0], type_at = st->a[1], ts_len = st->a[2];
    size_t b = st->a[3], cl = st->a[4], used;
    size_t eol = line_end(p + cl, n - cl) + cl;
    tl_parse_timestamp(p, ts_len, ev, &used);
    size_t tn = p[type_at + 1] == ' ' ? 1 : 2;
    set_type(ev, p + type_at, tn);
    if (b > i)
        tl_event_set_str(ev, TL_F_PROCESS, p + i, b - i);
    size_t k = skip_dig(p, b + 1, eol);
    tl_event_set_num(ev, TL_F_PROCESS_ID, num_dec(p, b + 1, k));
    if (p[k] == ':')
        tl_event_set_num(ev, TL_F_THREAD_ID, num_hex(p, k + 1, cl));
    size_t body = cl + 2 <= eol ? cl + 2 : eol;
    parse_body(p, body, eol, n, ev, false,
               !tl_event_has(ev, TL_F_EVENT_TYPE) ||
                   ev->str[TL_F_EVENT_TYPE].p[0] == 'l');
}

static void parse_syslog(const char *p, size_t n,
                         const struct tl_text_start *st, struct tl_event *ev)
{
    size_t i = st->a[0], b = st->a[1], cl = st->a[2], used;
    size_t eol = line_end(p + cl, n - cl) + cl;
    tl_parse_timestamp(p, 31, ev, &used);
    if (b > i)
        tl_event_set_str(ev, TL_F_PROCESS, p + i, b - i);
    tl_event_set_num(ev, TL_F_PROCESS_ID, num_dec(p, b + 1, cl));
    size_t body = cl + 3 <= eol ? cl + 3 : eol;

    /* Activity create: "[(SENDER) ]Created Activity ID: 0x..,
     * Description: NAME" */
    size_t j = body;
    if (j < eol && p[j] == '(') {
        const char *e = memchr(p + j, ')', eol - j);
        if (e && (size_t)(e - p) + 1 < eol && e[1] == ' ')
            j = (size_t)(e - p) + 2;
    }
    static const char act[] = "Created Activity ID: 0x";
    if (HAS_PREFIX(p + j, eol - j, act)) {
        size_t h = skip_hex(p, j + sizeof(act) - 1, eol);
        static const char desc[] = ", Description: ";
        if (h > j + sizeof(act) - 1 && HAS_PREFIX(p + h, eol - h, desc)) {
            tl_event_set_str(ev, TL_F_EVENT_TYPE, "activityCreateEvent", 19);
            tl_event_set_num(ev, TL_F_ACTIVITY_ID,
                             num_hex(p, j + sizeof(act) - 1, h));
            if (j > body)
                tl_event_set_str(ev, TL_F_SENDER, p + body + 1, j - body - 3);
            size_t m = h + sizeof(desc) - 1;
            tl_event_set_str(ev, TL_F_EVENT_MESSAGE, p + m, n - m);
            return;
        }
    }
    parse_body(p, body, eol, n, ev, false, true);
}

void tl_text_parse(enum tl_style s, enum tl_ttl_layout ttl, const char *p,
                   size_t n, const struct tl_text_start *st,
                   struct tl_event *ev)
{
    switch (s) {
    case TL_STYLE_DEFAULT:
        parse_default(ttl, p, n, st, ev);
        break;
    case TL_STYLE_COMPACT:
        parse_compact(p, n, st, ev);
        break;
    case TL_STYLE_SYSLOG:
        parse_syslog(p, n, st, ev);
        break;
    default:
        break;
    }
}
