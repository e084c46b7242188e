/*
 * parser.c - the streaming core: split bytes into lines, classify each
 * line, assemble records, detect and re-detect the style, and hand
 * records to the style parsers (text.c, json.c).
 *
 * Lines are slices into the caller's buffer whenever possible. Only an
 * unfinished line (carried to the next feed) and an open record that
 * outlives the caller's buffer are copied, each into a buffer capped at
 * max_line. See parser.h for the contract.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/diag.h"
#include "json.h"
#include "text.h"

enum rec_kind { REC_NONE = 0, REC_TEXT, REC_JSON };

struct tl_parser {
    struct tl_parser_opts o;
    const char *input;
    struct tl_parser_cb cb;
    struct tl_stats st;

    enum tl_style style;        /* current style, AUTO until known */
    enum tl_ttl_layout ttl;     /* default style: TTL column? */
    bool seen_record;           /* any record in this input yet */

    /* The unfinished line. */
    struct tl_buf carry;
    bool carry_trunc;           /* the line in carry was cut */
    const char *scr_buf;        /* tl_parser_feed_screened(): the buffer */
    const uint64_t *scr;        /* ... and its screen */

    /* The open record: a slice (rec_p/rec_n) into the caller's buffer,
     * or, once copied, the content of rec (rec_p == rec.p). */
    enum rec_kind rec_kind;
    const char *rec_p;
    size_t rec_n;
    bool rec_owned;
    uint64_t rec_line;
    bool rec_trunc;
    struct tl_buf rec;

    /* A held line of dashes: trailer or message text (section 4.6). */
    bool dash_held;
    size_t dash_len;
    uint64_t dash_line;
    int trailer_lines_left;     /* summary lines still expected */

    /* JSON (pretty) framing. */
    int jdepth;                 /* nesting depth outside/inside records */
    int jbase;                  /* depth of the array (0 or 1) */
    bool jstr, jesc;
    bool jbroken;               /* the open record is known to be bad */
    bool rec_first_pending;     /* its first line is not counted yet */
    struct tl_text_start rec_start; /* fixed fields of the open record */
    struct tl_text_start cur_start; /* ... of the line being handled */

    bool idle_flushed;          /* last record was flushed on idle */
    struct tl_buf scratch;      /* JSON unescaping */
    struct tl_event ev;
    struct tl_extra extra[TL_EVENT_MAX_EXTRA]; /* ev.extra */

    unsigned ndiag;
    uint64_t suppressed;
    uint64_t lineno;
    bool finished;
};

static const char *const class_names[TL_LC__COUNT] = {
    "event", "continuation", "preamble", "header", "trailer", "blank",
    "malformed",
};

const char *tl_line_class_name(enum tl_line_class c)
{
    return (unsigned)c < TL_LC__COUNT ? class_names[c] : "?";
}

void tl_stats_add(struct tl_stats *d, const struct tl_stats *s)
{
    d->lines += s->lines;
    d->bytes += s->bytes;
    for (int i = 0; i < TL_LC__COUNT; i++)
        d->cls[i] += s->cls[i];
    d->events += s->events;
    d->events_parsed += s->events_parsed;
    d->events_shared_line += s->events_shared_line;
    d->truncated_lines += s->truncated_lines;
    d->truncated_records += s->truncated_records;
    d->crlf_lines += s->crlf_lines;
    d->nul_lines += s->nul_lines;
    d->invalid_utf8_lines += s->invalid_utf8_lines;
    d->style_switches += s->style_switches;
    d->idle_flushes += s->idle_flushes;
    if (s->has_summary) {
        d->has_summary = true;
        d->summary_default += s->summary_default;
        d->summary_info += s->summary_info;
        d->summary_debug += s->summary_debug;
        d->summary_error += s->summary_error;
        d->summary_fault += s->summary_fault;
        d->summary_create += s->summary_create;
        d->summary_transition += s->summary_transition;
        d->summary_actions += s->summary_actions;
    }
    if (s->has_finished) {
        d->has_finished = true;
        d->finished_count += s->finished_count;
    }
}

void tl_parser_opts_init(struct tl_parser_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->style = TL_STYLE_AUTO;
    o->max_line = TL_DEFAULT_MAX_LINE;
    o->max_diag = TL_DEFAULT_MAX_DIAG;
}

struct tl_parser *tl_parser_new(const struct tl_parser_opts *opts,
                                const char *input,
                                const struct tl_parser_cb *cb)
{
    struct tl_parser *p = tl_xcalloc(1, sizeof(*p));
    p->o = *opts;
    if (p->o.max_line < 64)
        p->o.max_line = 64;
    p->input = input;
    p->cb = *cb;
    p->style = opts->style;
    tl_buf_init(&p->carry, p->o.max_line);
    tl_buf_init(&p->rec, p->o.max_line);
    tl_buf_init(&p->scratch, p->o.max_line + 1);
    p->ev.input = input;
    return p;
}

void tl_parser_free(struct tl_parser *p)
{
    if (!p)
        return;
    tl_buf_free(&p->carry);
    tl_buf_free(&p->rec);
    tl_buf_free(&p->scratch);
    free(p);
}

const struct tl_stats *tl_parser_stats(const struct tl_parser *p)
{
    return &p->st;
}

enum tl_style tl_parser_style(const struct tl_parser *p)
{
    return p->style;
}

bool tl_parser_pending(const struct tl_parser *p)
{
    return p->rec_kind == REC_TEXT || p->dash_held;
}

/* --- diagnostics --------------------------------------------------------- */

static void diag(struct tl_parser *p, enum tl_diag_level l, uint64_t line,
                 unsigned col, const char *fmt, ...) TL_PRINTF(5, 6);

static void diag(struct tl_parser *p, enum tl_diag_level l, uint64_t line,
                 unsigned col, const char *fmt, ...)
{
    if (p->o.quiet)
        return;
    if (p->o.max_diag && p->ndiag >= p->o.max_diag) {
        p->suppressed++;
        return;
    }
    p->ndiag++;
    va_list ap;
    va_start(ap, fmt);
    tl_diagv(l, p->input, line, col, fmt, ap);
    va_end(ap);
}

/* --- records ------------------------------------------------------------- */

/* Make the open record independent of the caller's buffer. */
static void rec_own(struct tl_parser *p)
{
    if (p->rec_kind == REC_NONE || p->rec_owned)
        return;
    tl_buf_clear(&p->rec);
    tl_buf_append(&p->rec, p->rec_p, p->rec_n);
    p->rec_p = p->rec.p;
    p->rec_owned = true;
}

static void rec_begin(struct tl_parser *p, enum rec_kind k, const char *s,
                      size_t n, bool line_volatile, bool line_trunc)
{
    p->rec_kind = k;
    p->rec_line = p->lineno;
    p->rec_p = s;
    p->rec_n = n;
    p->rec_owned = false;
    p->rec_trunc = line_trunc;
    p->jbroken = false;
    if (line_volatile)
        rec_own(p);
}

static void rec_append(struct tl_parser *p, const char *s, size_t n)
{
    rec_own(p);
    bool was = p->rec.truncated;
    if (!tl_buf_putc(&p->rec, '\n') || !tl_buf_append(&p->rec, s, n)) {
        if (!was) {
            p->st.truncated_records++;
            diag(p, TL_DIAG_WARNING, p->rec_line, 0,
                 "record longer than --max-line (%zu bytes); the rest of "
                 "its text is dropped (its lines are still counted)",
                 p->o.max_line);
        }
    }
    p->rec_p = p->rec.p;
    p->rec_n = p->rec.len;
}

static void emit(struct tl_parser *p, struct tl_event *ev)
{
    p->st.events_parsed++;
    tl_event_finish(ev);
    p->cb.event(p->cb.ctx, ev);
}

static void prep_event(struct tl_parser *p, enum tl_style s, const char *r,
                       size_t n)
{
    struct tl_event *ev = &p->ev;
    tl_event_reset(ev);
    ev->extra = p->extra;
    ev->input = p->input;
    ev->line = p->rec_line;
    ev->style = s;
    ev->raw = tl_str_make(r, n);
    ev->truncated = p->rec_trunc || (p->rec_owned && p->rec.truncated);
}

/* Close the open text record: prefilter, parse, emit. */
static void text_flush(struct tl_parser *p)
{
    if (p->rec_kind != REC_TEXT)
        return;
    const char *r = p->rec_p;
    size_t n = p->rec_n;
    p->rec_kind = REC_NONE;
    p->st.events++;
    if (p->cb.want && !p->cb.want(p->cb.ctx, p->style, r, n))
        return;
    prep_event(p, p->style, r, n);
    tl_text_parse(p->style, p->ttl, r, n, &p->rec_start, &p->ev);
    emit(p, &p->ev);
}

/* Parse one JSON object (ndjson line or pretty element). Returns the
 * class its first line gets. A record the prefilter turns down is still
 * parsed (the JSON parser runs at GB/s) so that it is validated exactly
 * as without the prefilter: only the rules are skipped, and the
 * accounting is the same either way. */
static enum tl_line_class json_record(struct tl_parser *p, enum tl_style s,
                                      const char *r, size_t n,
                                      bool may_skip)
{
    bool wanted = !may_skip || !p->cb.want || p->cb.want(p->cb.ctx, s, r, n);
    struct tl_json_error err;
    uint64_t count = 0;
    prep_event(p, s, r, n);
    switch (tl_json_parse_event(r, n, &p->ev, &p->scratch, &count, &err)) {
    case TL_JSON_EVENT:
        p->st.events++;
        if (wanted)
            emit(p, &p->ev);
        return TL_LC_EVENT;
    case TL_JSON_FINISHED:
        p->st.has_finished = true;
        p->st.finished_count = count;
        return TL_LC_TRAILER;
    case TL_JSON_ERROR:
    default:
        break;
    }
    /* The offset is within the record; for ndjson that is the column. */
    diag(p, TL_DIAG_WARNING, p->rec_line,
         s == TL_STYLE_NDJSON ? (unsigned)err.offset + 1 : 0,
         "malformed JSON record: %s", err.detail[0] ? err.detail : err.msg);
    return TL_LC_MALFORMED;
}

static void json_flush(struct tl_parser *p, bool at_eof)
{
    if (p->rec_kind != REC_JSON)
        return;
    enum tl_line_class c;
    p->rec_kind = REC_NONE;
    if (at_eof) {
        diag(p, TL_DIAG_WARNING, p->rec_line, 0,
             "JSON record not closed at end of input (truncated?)");
        c = TL_LC_MALFORMED;
    } else {
        c = json_record(p, TL_STYLE_JSON, p->rec_p, p->rec_n, !p->jbroken);
    }
    /* The record's first line was left unclassified until now, unless
     * an earlier record began on it. */
    if (p->rec_first_pending)
        p->st.cls[c]++;
    else if (c == TL_LC_EVENT)
        p->st.events_shared_line++;
    p->rec_first_pending = false;
    p->jstr = p->jesc = false;
}

/* --- the trailer of `log show` (section 4.6) ------------------------------- */

static bool is_dash_line(const char *s, size_t n)
{
    if (n < 20)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '-')
            return false;
    return true;
}

/* Sum digits of "Name: 1,234" fields into the summary. */
static void parse_summary(struct tl_parser *p, const char *s, size_t n)
{
    static const struct {
        const char *key;
        size_t off;
    } keys[] = {
        {"Default:", offsetof(struct tl_stats, summary_default)},
        {"Info:", offsetof(struct tl_stats, summary_info)},
        {"Debug:", offsetof(struct tl_stats, summary_debug)},
        {"Error:", offsetof(struct tl_stats, summary_error)},
        {"Fault:", offsetof(struct tl_stats, summary_fault)},
        {"Create:", offsetof(struct tl_stats, summary_create)},
        {"Transition:", offsetof(struct tl_stats, summary_transition)},
        {"Actions:", offsetof(struct tl_stats, summary_actions)},
    };
    p->st.has_summary = true;
    for (size_t k = 0; k < TL_ARRAY_LEN(keys); k++) {
        size_t kl = strlen(keys[k].key);
        for (size_t i = 0; i + kl <= n; i++) {
            if (memcmp(s + i, keys[k].key, kl) != 0)
                continue;
            uint64_t v = 0;
            size_t j = i + kl;
            while (j < n && s[j] == ' ')
                j++;
            for (; j < n; j++) {
                if (s[j] >= '0' && s[j] <= '9')
                    v = v * 10 + (uint64_t)(s[j] - '0');
                else if (s[j] != ',' && s[j] != '.')
                    break;
            }
            *(uint64_t *)((char *)&p->st + keys[k].off) = v;
            break;
        }
    }
}

/* --- line classification --------------------------------------------------- */

static void count(struct tl_parser *p, enum tl_line_class c)
{
    p->st.cls[c]++;
}

/* Does a line look like an ndjson record? */
static bool looks_ndjson(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i + 1 < n && s[i] == '{' && s[i + 1] == '"';
}

/*
 * Guess the style a line is in, from a header or a record start. Returns
 * AUTO if the line says nothing. Ordered by cost.
 */
static enum tl_style sniff(struct tl_parser *p, const char *s, size_t n,
                           bool *is_header)
{
    enum tl_ttl_layout ttl = TL_TTL_UNKNOWN;
    enum tl_style st;
    *is_header = false;
    if (n == 0)
        return TL_STYLE_AUTO;
    if (s[0] == 'T') {
        st = tl_text_header(s, n, &ttl);
        if (st != TL_STYLE_AUTO) {
            *is_header = true;
            if (st == TL_STYLE_DEFAULT)
                p->ttl = ttl;
            return st;
        }
    }
    if (looks_ndjson(s, n)) {
        /* A key right after the brace on the first line: ndjson (even
         * when the line is broken). The pretty json style puts "[{" or
         * "{" alone on its first line and each key on its own line. */
        return TL_STYLE_NDJSON;
    }
    if (s[0] == '[' || (n == 1 && s[0] == '{'))
        return TL_STYLE_JSON;
    if (s[0] >= '0' && s[0] <= '9') {
        if (tl_text_is_start(TL_STYLE_DEFAULT, s, n, NULL))
            return TL_STYLE_DEFAULT;
        if (tl_text_is_start(TL_STYLE_SYSLOG, s, n, NULL))
            return TL_STYLE_SYSLOG;
        if (tl_text_is_start(TL_STYLE_COMPACT, s, n, NULL))
            return TL_STYLE_COMPACT;
    }
    return TL_STYLE_AUTO;
}

static void close_all(struct tl_parser *p, bool at_eof);

static void switch_style(struct tl_parser *p, enum tl_style to)
{
    if (p->style == to)
        return;
    close_all(p, false);
    if (p->style != TL_STYLE_AUTO && p->seen_record) {
        p->st.style_switches++;
        diag(p, TL_DIAG_NOTE, p->lineno, 0,
             "input changes from %s style to %s style here",
             tl_style_name(p->style), tl_style_name(to));
    }
    p->style = to;
    p->jdepth = p->jbase = 0;
    p->jstr = p->jesc = false;
}

/* Resolve a held dash line as message text (or malformed). Its text is
 * all dashes, so only its length was kept. */
static void release_dash(struct tl_parser *p)
{
    static const char dashes[] = "----------------------------------------"
                                 "----------------------------------------";
    if (!p->dash_held)
        return;
    p->dash_held = false;
    if (p->rec_kind == REC_TEXT) {
        size_t left = p->dash_len;
        size_t k = left < sizeof(dashes) - 1 ? left : sizeof(dashes) - 1;
        rec_append(p, dashes, k);
        for (left -= k; left > 0; left -= k) {
            k = left < sizeof(dashes) - 1 ? left : sizeof(dashes) - 1;
            tl_buf_append(&p->rec, dashes, k);
        }
        p->rec_p = p->rec.p;
        p->rec_n = p->rec.len;
        count(p, TL_LC_CONTINUATION);
    } else {
        count(p, TL_LC_MALFORMED);
        diag(p, TL_DIAG_WARNING, p->dash_line, 0,
             "line of dashes outside a record and not followed by the "
             "log show summary");
    }
}

static void close_all(struct tl_parser *p, bool at_eof)
{
    release_dash(p);
    if (p->rec_kind == REC_TEXT)
        text_flush(p);
    else if (p->rec_kind == REC_JSON)
        json_flush(p, at_eof);
    p->trailer_lines_left = 0;
}

/* A line in one of the text styles. */
static void text_line(struct tl_parser *p, const char *s, size_t n,
                      bool vol, bool trunc, bool start)
{
    if (p->dash_held) {
        if (n >= 18 && memcmp(s, "Log      - Default:", 18) == 0) {
            p->dash_held = false;
            text_flush(p);
            count(p, TL_LC_TRAILER); /* the dash line */
            count(p, TL_LC_TRAILER);
            parse_summary(p, s, n);
            p->trailer_lines_left = 1;
            return;
        }
        release_dash(p);
    }
    if (p->trailer_lines_left > 0) {
        p->trailer_lines_left = 0;
        if (n >= 17 && memcmp(s, "Activity - Create:", 18 > n ? n : 18) == 0) {
            count(p, TL_LC_TRAILER);
            parse_summary(p, s, n);
            return;
        }
    }
    if (start) {
        text_flush(p);
        p->seen_record = true;
        p->idle_flushed = false;
        rec_begin(p, REC_TEXT, s, n, vol, trunc);
        p->rec_start = p->cur_start;
        count(p, TL_LC_EVENT);
        return;
    }
    if (is_dash_line(s, n)) {
        p->dash_held = true;
        p->dash_len = n;
        p->dash_line = p->lineno;
        return;
    }
    if (p->rec_kind == REC_TEXT && !tl_text_is_preamble(s, n)) {
        rec_append(p, s, n);
        count(p, TL_LC_CONTINUATION);
        return;
    }
    if (tl_text_is_preamble(s, n) ||
        (n >= 5 && memcmp(s, "log: ", 5) == 0)) {
        text_flush(p);
        count(p, TL_LC_PREAMBLE);
        return;
    }
    if (n == 0) {
        count(p, TL_LC_BLANK);
        return;
    }
    count(p, TL_LC_MALFORMED);
    if (p->idle_flushed)
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "continuation line arrived after its record was flushed on "
             "idle (see --idle-flush); counted as malformed");
    else
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "not a %s-style log line and no record is open",
             tl_style_name(p->style));
}

static void ndjson_line(struct tl_parser *p, const char *s, size_t n,
                        bool trunc)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n) {
        count(p, TL_LC_BLANK);
        return;
    }
    if (s[i] != '{') {
        if (!p->seen_record &&
            (tl_text_is_preamble(s, n) || (n >= 5 && !memcmp(s, "log: ", 5)))) {
            count(p, TL_LC_PREAMBLE);
            return;
        }
        count(p, TL_LC_MALFORMED);
        diag(p, TL_DIAG_WARNING, p->lineno, (unsigned)i + 1,
             "not a JSON object (ndjson expects one object per line)");
        return;
    }
    p->seen_record = true;
    p->rec_line = p->lineno;
    p->rec_trunc = trunc;
    p->rec_owned = false;
    enum tl_line_class c = json_record(p, TL_STYLE_NDJSON, s, n, true);
    if (trunc && c == TL_LC_MALFORMED)
        diag(p, TL_DIAG_NOTE, p->lineno, 0,
             "(the line was cut at --max-line, which broke the JSON)");
    count(p, c);
}

/*
 * A line of the pretty `json` style. A byte scanner tracks nesting,
 * strings and escapes; an element starts at '{' on the array's depth and
 * ends when its '}' returns there. The line on which a record starts is
 * its EVENT line (classified when the record closes, by how it parsed);
 * other lines of a record are CONTINUATION; framing-only lines ("[", "]")
 * are HEADER and TRAILER. Apple puts element framing at column 0
 * ("[{", "},{", "}]"), nested content is indented: a column-0 brace
 * resynchronises after broken content.
 */
static void json_line(struct tl_parser *p, const char *s, size_t n, bool vol,
                      bool trunc)
{
    bool claimed = false;   /* a record started on this line */
    bool part = p->rec_kind == REC_JSON; /* line belongs to a record */
    bool junk = false;      /* text outside any record */
    bool close_bracket = false;
    size_t seg = 0;         /* start of the open record's text here */

    if (p->rec_kind == REC_JSON && n > 0) {
        if (s[0] == '}' && p->jdepth != p->jbase + 1) {
            p->jdepth = p->jbase + 1;
            p->jstr = p->jesc = false;
            p->jbroken = true;
        } else if (s[0] == '{' || s[0] == '[') {
            p->jbroken = true;
            json_flush(p, false);
            p->jdepth = s[0] == '[' ? 0 : p->jbase;
            part = false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool in_rec = p->rec_kind == REC_JSON;
        if (p->jstr) {
            if (p->jesc)
                p->jesc = false;
            else if (c == '\\')
                p->jesc = true;
            else if (c == '"')
                p->jstr = false;
            continue;
        }
        switch (c) {
        case '"':
            if (in_rec)
                p->jstr = true;
            else
                junk = true;
            break;
        case '[':
            if (!in_rec && p->jdepth == 0) {
                p->jdepth = p->jbase = 1;
                break;
            }
            if (!in_rec)
                junk = true;
            else if (p->jdepth < 100000)
                p->jdepth++;
            break;
        case '{':
            if (!in_rec && p->jdepth == p->jbase) {
                p->rec_kind = REC_JSON;
                p->rec_line = p->lineno;
                p->rec_p = s + i;
                p->rec_n = 0;
                p->rec_owned = false;
                p->rec_trunc = trunc;
                p->jbroken = false;
                p->rec_first_pending = !claimed;
                p->seen_record = true;
                claimed = true;
                seg = i;
            } else if (!in_rec) {
                junk = true;
            }
            if (p->jdepth < 100000)
                p->jdepth++;
            break;
        case '}':
            if (p->jdepth > 0)
                p->jdepth--;
            if (!in_rec) {
                junk = true;
            } else if (p->jdepth == p->jbase) {
                if (p->rec_owned || p->rec_p != s + seg)
                    rec_append(p, s + seg, i + 1 - seg);
                else
                    p->rec_n = i + 1 - seg;
                json_flush(p, false);
                part = true;
            }
            break;
        case ']':
            if (in_rec) {
                if (p->jdepth > 0)
                    p->jdepth--;
            } else if (p->jdepth == 1 && p->jbase == 1) {
                p->jdepth = p->jbase = 0;
                close_bracket = true;
            } else {
                junk = true;
            }
            break;
        case ',':
        case ' ':
        case '\t':
            break;
        default:
            if (!in_rec)
                junk = true;
            break;
        }
        if (p->rec_kind != REC_JSON)
            seg = i + 1;
    }
    if (p->jstr) {
        /* JSON strings never span lines: the record is broken. */
        p->jstr = p->jesc = false;
        p->jbroken = true;
    }
    if (p->rec_kind == REC_JSON) {
        part = true;
        if (!p->rec_owned && p->rec_p == s + seg) {
            p->rec_n = n - seg;
            if (vol)
                rec_own(p);
        } else {
            rec_append(p, s + seg, n - seg);
        }
    }
    if (claimed)
        return; /* counted when its first record closes */
    if (part) {
        count(p, TL_LC_CONTINUATION);
        if (junk)
            diag(p, TL_DIAG_WARNING, p->lineno, 0,
                 "unexpected text between JSON records");
        return;
    }
    if (junk) {
        if (!p->seen_record &&
            (tl_text_is_preamble(s, n) || (n >= 5 && !memcmp(s, "log: ", 5)))) {
            count(p, TL_LC_PREAMBLE);
            return;
        }
        count(p, TL_LC_MALFORMED);
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "unexpected text between JSON records");
        return;
    }
    struct tl_str t = tl_str_rtrim(tl_str_make(s, n));
    if (t.n == 0)
        count(p, TL_LC_BLANK);
    else
        count(p, close_bracket ? TL_LC_TRAILER : TL_LC_HEADER);
}

/* One complete line (without its LF, CR stripped). */
static void handle_line(struct tl_parser *p, const char *s, size_t n,
                        bool vol, bool trunc)
{
    bool is_header;
    enum tl_style st;
    /* Whether s starts a record, worked out at most once per line. */
    enum tl_style start_style = TL_STYLE_AUTO;
    bool start = false;

    /* Style detection: always until known; afterwards only on lines the
     * current style cannot explain (cheap checks first). */
    if (p->style == TL_STYLE_AUTO) {
        st = sniff(p, s, n, &is_header);
        if (st != TL_STYLE_AUTO) {
            switch_style(p, st);
            if (is_header) {
                count(p, TL_LC_HEADER);
                return;
            }
        } else {
            enum tl_line_class c;
            if (n == 0)
                c = TL_LC_BLANK;
            else if (tl_text_is_preamble(s, n) ||
                     (n >= 5 && memcmp(s, "log: ", 5) == 0))
                c = TL_LC_PREAMBLE;
            else {
                c = TL_LC_MALFORMED;
                diag(p, TL_DIAG_WARNING, p->lineno, 0,
                     "not a log line (no header or record seen yet)");
            }
            count(p, c);
            return;
        }
    } else if (n > 0 && (s[0] == 'T' || s[0] == '{' || s[0] == '[' ||
                         (s[0] >= '0' && s[0] <= '9'))) {
        enum tl_ttl_layout ttl = TL_TTL_UNKNOWN;
        enum tl_style h = s[0] == 'T' ? tl_text_header(s, n, &ttl)
                                      : TL_STYLE_AUTO;
        if (h != TL_STYLE_AUTO && p->rec_kind != REC_JSON &&
            (h == p->style || !p->o.style)) {
            /* A repeated header (cat a.log b.log) or a new style. */
            if (h == p->style)
                close_all(p, false);
            else
                switch_style(p, h);
            if (h == TL_STYLE_DEFAULT)
                p->ttl = ttl;
            count(p, TL_LC_HEADER);
            return;
        }
        if (!p->o.style && p->rec_kind != REC_JSON && !p->dash_held) {
            bool other = false;
            switch (p->style) {
            case TL_STYLE_DEFAULT:
            case TL_STYLE_COMPACT:
            case TL_STYLE_SYSLOG:
                if (s[0] >= '0' && s[0] <= '9') {
                    start_style = p->style;
                    start = tl_text_is_start(p->style, s, n, &p->cur_start);
                    other = !start;
                } else {
                    other = s[0] == '{' && looks_ndjson(s, n);
                }
                break;
            case TL_STYLE_NDJSON:
                other = s[0] >= '0' && s[0] <= '9';
                break;
            case TL_STYLE_JSON:
                other = (s[0] >= '0' && s[0] <= '9') ||
                        (s[0] == '{' && looks_ndjson(s, n) &&
                         p->jdepth == 0);
                break;
            default:
                break;
            }
            if (other) {
                st = sniff(p, s, n, &is_header);
                if (st != TL_STYLE_AUTO && st != p->style)
                    switch_style(p, st);
            }
        }
    }

    switch (p->style) {
    case TL_STYLE_DEFAULT:
    case TL_STYLE_COMPACT:
    case TL_STYLE_SYSLOG:
        if (start_style != p->style)
            start = n > 0 && s[0] >= '0' && s[0] <= '9' &&
                    tl_text_is_start(p->style, s, n, &p->cur_start);
        text_line(p, s, n, vol, trunc, start);
        break;
    case TL_STYLE_NDJSON:
        ndjson_line(p, s, n, trunc);
        break;
    case TL_STYLE_JSON:
        json_line(p, s, n, vol, trunc);
        break;
    default:
        count(p, TL_LC_MALFORMED);
        break;
    }
}

/* Per-line byte checks: NUL, invalid UTF-8, CR. Word-at-a-time fast
 * path for ASCII. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = s[i] < 0x80 ? 1 : tl_utf8_seq(s + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

static void check_bytes(struct tl_parser *p, const char *s, size_t n)
{
    const uint64_t hi = 0x8080808080808080ull, lo = 0x0101010101010101ull;
    uint64_t acc_hi = 0, acc_zero = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        acc_hi |= v;
        acc_zero |= (v - lo) & ~v & hi;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        acc_hi |= c;
        if (c == 0)
            acc_zero |= hi;
    }
    if (TL_LIKELY(!((acc_hi & hi) | acc_zero)))
        return;
    if (acc_zero && memchr(s, '\0', n)) {
        p->st.nul_lines++;
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "NUL byte in line (kept; shown escaped in output)");
    }
    if ((acc_hi & hi) && !utf8_valid((const unsigned char *)s, n)) {
        p->st.invalid_utf8_lines++;
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "invalid UTF-8 in line (kept; shown escaped in output)");
    }
}

/* Whether the screen marks a block of s[0..n) (inside scr_buf) dirty.
 * p->scr is set, n > 0. */
static bool screened_dirty(const struct tl_parser *p, const char *s,
                           size_t n)
{
    size_t a = (size_t)(s - p->scr_buf) >> 6;
    size_t b = (size_t)(s + n - 1 - p->scr_buf) >> 6;
    for (size_t w = a >> 6; w <= b >> 6; w++) {
        uint64_t v = p->scr[w];
        if (w == a >> 6)
            v &= ~(uint64_t)0 << (a & 63);
        if (w == b >> 6 && (b & 63) != 63)
            v &= ((uint64_t)1 << ((b & 63) + 1)) - 1;
        if (v)
            return true;
    }
    return false;
}

void tl_parser_screen(const char *buf, size_t n, uint64_t *dirty)
{
    const uint64_t hi = 0x8080808080808080ull;
    memset(dirty, 0, TL_SCREEN_WORDS(n) * sizeof *dirty);
    /* Bytes >= 0x80: OR the words of each block. */
    size_t blk = 0, i = 0;
    for (; i + 64 <= n; i += 64, blk++) {
        uint64_t w[8];
        memcpy(w, buf + i, 64);
        if ((w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) & hi)
            dirty[blk >> 6] |= (uint64_t)1 << (blk & 63);
    }
    for (size_t k = i; k < n; k++)
        if ((unsigned char)buf[k] >= 0x80) {
            dirty[blk >> 6] |= (uint64_t)1 << (blk & 63);
            break;
        }
    /* NUL bytes are rare: memchr finds them. */
    for (const char *z = memchr(buf, '\0', n); z;
         z = memchr(z + 1, '\0', n - (size_t)(z + 1 - buf))) {
        size_t b = (size_t)(z - buf) >> 6;
        dirty[b >> 6] |= (uint64_t)1 << (b & 63);
        if (z + 1 == buf + n)
            break;
    }
}

static void line_in(struct tl_parser *p, const char *s, size_t n, bool vol,
                    bool trunc)
{
    p->lineno++;
    p->st.lines++;
    if (n > 0 && s[n - 1] == '\r') {
        n--;
        p->st.crlf_lines++;
    }
    if (trunc) {
        p->st.truncated_lines++;
        diag(p, TL_DIAG_WARNING, p->lineno, 0,
             "line longer than --max-line (%zu bytes); truncated",
             p->o.max_line);
    }
    if (!p->scr || vol || (n > 0 && screened_dirty(p, s, n)))
        check_bytes(p, s, n);
    handle_line(p, s, n, vol, trunc);
}

void tl_parser_feed(struct tl_parser *p, const char *buf, size_t n)
{
    const char *s = buf, *end = buf + n;
    if (p->finished || n == 0)
        return;
    p->st.bytes += n;

    /* Finish the carried line first. */
    if (p->carry.len > 0 || p->carry_trunc) {
        const char *nl = memchr(s, '\n', n);
        size_t k = nl ? (size_t)(nl - s) : n;
        if (!tl_buf_append(&p->carry, s, k))
            p->carry_trunc = true;
        if (!nl)
            return;
        line_in(p, p->carry.p, p->carry.len, true, p->carry_trunc);
        tl_buf_clear(&p->carry);
        p->carry_trunc = false;
        s = nl + 1;
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl)
            break;
        size_t k = (size_t)(nl - s);
        if (TL_UNLIKELY(k > p->o.max_line))
            line_in(p, s, p->o.max_line, false, true);
        else
            line_in(p, s, k, false, false);
        s = nl + 1;
    }
    if (s < end) {
        if (!tl_buf_append(&p->carry, s, (size_t)(end - s)))
            p->carry_trunc = true;
        /* An empty carry with a cut is impossible: max_line >= 64. */
    }
    /* The caller's buffer goes away: the open record must not point
     * into it. */
    if (p->rec_kind != REC_NONE)
        rec_own(p);
}

void tl_parser_feed_screened(struct tl_parser *p, const char *buf, size_t n,
                             const uint64_t *dirty)
{
    p->scr_buf = buf;
    p->scr = dirty;
    tl_parser_feed(p, buf, n);
    p->scr = NULL;
    p->scr_buf = NULL;
}

bool tl_parser_idle(struct tl_parser *p)
{
    if (p->finished || p->rec_kind != REC_TEXT)
        return false;
    if (p->carry.len > 0)
        return false; /* in the middle of a line: wait for its end */
    release_dash(p);
    text_flush(p);
    p->st.idle_flushes++;
    p->idle_flushed = true;
    return true;
}

void tl_parser_finish(struct tl_parser *p)
{
    if (p->finished)
        return;
    if (p->carry.len > 0 || p->carry_trunc) {
        line_in(p, p->carry.p, p->carry.len, true, p->carry_trunc);
        tl_buf_clear(&p->carry);
        p->carry_trunc = false;
    }
    close_all(p, true);
    p->finished = true;
    if (p->suppressed)
        tl_diag(TL_DIAG_NOTE, p->input, 0, 0,
                "%llu further diagnostics for this input not shown "
                "(--max-diag %u); see --stats",
                (unsigned long long)p->suppressed, p->o.max_diag);
}
