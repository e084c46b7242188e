/*
 * fuzz_match.c - rules and log text together, through the whole scan
 * pipeline as cli/scan.c drives it: the rules, the streaming parser with
 * the prefilter's `want` hook, matching and extraction, the --rule/--tag
 * and --since/--until filters, the timeline (correlation, episodes,
 * caps, ordering) and every renderer (text, ndjson, csv, html) at once,
 * each writing into a memory buffer that is then discarded.
 *
 * Input (6 header bytes, then text):
 *   byte 0  rules: (b & 3) == 3 the rule file is in the input (below);
 *           otherwise the shipped rules of rules/macos, loaded once
 *   byte 1  bits 0-2 the style (0, 6, 7: auto), bit 3 live mode,
 *           bits 4-6 --min-level (5..7: none), bit 7 colour (text)
 *   byte 2  bits 0-5 the piece size of the split run (1..64), bits 6-7
 *           --max-line (1M, 64, 256, 1024)
 *   byte 3  timeline caps: bits 0-1 max_open (10000, 1, 2, 8), bits 2-3
 *           max_episode_hits (1000, 1, 2, 5), bits 4-5 max_pending
 *           (10000, 1, 2, 16), bits 6-7 --reorder (10 s, 0, 1 s, 1 d)
 *   byte 4  filters: bits 0-1 --since, bits 2-3 --until (none or one of
 *           three fixed times), bits 4-5 --rule / --tag / both, bits
 *           6-7 which rule they name
 *   byte 5  0: one input; else two inputs, split at b * len / 256
 *   text    custom rules: the rule file, a line "----8<----", the log
 *           text; otherwise all log text
 *
 * Checks, for every input:
 *   - the line classes sum to the line count; bytes is the input size;
 *     with the prefilter off, every record is parsed;
 *   - the same matches (rule, input, line, fields, summary: hashed), the
 *     same timeline statistics and byte for byte the same output in all
 *     four formats with the prefilter on and off (when no regex limit
 *     was hit: the summary counts those), and fed whole or in pieces;
 *   - the prefilter never turns down a record a rule matches:
 *     tl_ruleset_want() and the rule's cover admit every matched event;
 *   - the timeline hands out every hit exactly once (standalone or in
 *     an episode), episodes are well formed (hits in time order, ids,
 *     keys, title), and in batch mode items come in time order except
 *     the late ones it counts;
 *   - the outputs are well formed: ndjson is one valid JSON object per
 *     line in valid UTF-8; csv is RFC 4180 with 16 quoted fields a row
 *     and no field a spreadsheet would read as a formula; text has no
 *     control characters (escape sequences only the colours, when on);
 *     html has only the renderer's own tags, no event-handler
 *     attributes, one script, and no raw control characters;
 *   - live mode with idle flushes between pieces still accounts for
 *     every line and every hit.
 * PCRE2 match/depth limits 10000/1000. The shipped rules are read from
 * $TL_FUZZ_RULES, else rules/macos under the current directory (run from
 * the top of the tree, as `make check` does).
 *
 * The findings so far are fixed; each has its input in the corpus
 * (regress-*) and is described in tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../cli/filter.h"
#include "../../output/escape.h"
#include "../../output/render.h"
#include "../../parser/parser.h"
#include "../../rules/episode.h"
#include "../../rules/rules.h"
#include "../../rules/timeline.h"
#include "../../util/diag.h"
#include "../../util/out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_match: %s:%d: check failed: %s\n",         \
                    __FILE__, __LINE__, #c);                                 \
            abort();                                                         \
        }                                                                    \
    } while (0)

/* The checks below scan every byte of every output; keeping them out of
 * the coverage instrumentation makes the target several times faster
 * and keeps their loops out of the coverage counts. */
#if defined(__clang__)
#define NOCOV __attribute__((no_sanitize("coverage")))
#else
#define NOCOV
#endif

#define HDR 6
#define SEP "----8<----"
#define N_FMT 4
#define OUT_CAP ((size_t)4 << 20)

/* --- configuration from the header ------------------------------------- */

struct cfg {
    struct tl_ruleset *rs;
    bool custom;
    enum tl_style style;
    bool live, color;
    enum tl_level min_level;
    size_t piece, max_line;
    struct tl_timeline_opts to;
    struct tl_tfilter since, until;
    struct tl_rule_select sel;  /* --rule, --tag: at most one each */
    const char *only_rule;   /* id or name, or NULL */
    const char *only_tag;
    const char *in[2];       /* the inputs' text */
    size_t in_n[2];
    size_t n_inputs;
    size_t name_width;
};

/* --- what one run of the pipeline produced ------------------------------ */

struct result {
    struct tl_stats st;
    struct tl_timeline_stats ts;
    uint64_t match_hash, n_matches, n_selected, filtered, n_events;
    uint64_t n_json_events;  /* events in the json (array) style */
    uint64_t limit_hits;
    uint64_t sink_hits, sink_eps, sink_ep_hits, out_of_order;
    bool disordered;         /* a hit older than one before it */
    int64_t in_max;
};

struct run {
    const struct cfg *c;
    bool prefilter;
    struct tl_timeline *tl;
    void *rst[N_FMT];
    uint64_t *rule_hits;
    size_t n_rules;
    struct result *r;
    int64_t max_t;           /* latest time handed to the sink */
    bool any_t;
};

static struct tl_ruleset *shipped;
static struct tl_out outs[N_FMT];
static char *ref[N_FMT];
static size_t ref_n[N_FMT];
static bool ref_ok[N_FMT];

/* A fixed wall-clock or zoned time, read as `scan --since/--until`
 * reads it. */
static struct tl_tfilter fixed_time(unsigned k)
{
    static const char *const t[] = {
        "2026-03-18 14:10",                  /* local wall clock */
        "2025-02-07T09:12:44.123456+01:00",  /* an instant */
        "2026-03-18 13:30:00.5Z",
    };
    struct tl_tfilter f = {false, false, 0};
    if (k == 0 || k > 3)
        return f;
    CHECK(tl_tfilter_parse(t[k - 1], 0, &f));
    return f;
}

/* --- hashing ----------------------------------------------------------- */

NOCOV static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ u[i]) * 1099511628211ull;
    return h;
}

static uint64_t mix_u64(uint64_t h, uint64_t v)
{
    return mix(h, &v, sizeof(v));
}

/* --- the pipeline (cli/scan.c) ----------------------------------------- */

static void on_match(void *ctx, const struct tl_match *m)
{
    struct run *u = ctx;
    const struct tl_event *ev = m->ev;
    CHECK(m->rule && m->info && ev);
    CHECK(m->info->kind == TL_RULE_DETECTION);
    /* The prefilter must let this record through (asked as if it were
     * on: when off, tl_ruleset_want() says yes to everything), and the
     * rule's cover must admit it. */
    if (!u->prefilter)
        tl_ruleset_set_prefilter(u->c->rs, true);
    CHECK(tl_ruleset_want(u->c->rs, ev->style, ev->raw.p, ev->raw.n));
    if (!u->prefilter)
        tl_ruleset_set_prefilter(u->c->rs, false);
    CHECK(tl_rule_cover_admits(m->rule, ev->style, ev->raw.p, ev->raw.n));
    uint64_t h = u->r->match_hash;
    h = mix_u64(h, m->info->index);
    h = mix(h, ev->input, strlen(ev->input) + 1);
    h = mix_u64(h, ev->line);
    for (size_t i = 0; i < m->n_fields; i++) {
        CHECK(m->fields[i].name != NULL);
        CHECK(m->fields[i].value.p != NULL || m->fields[i].value.n == 0);
        h = mix(h, m->fields[i].name, strlen(m->fields[i].name) + 1);
        h = mix(h, m->fields[i].value.p, m->fields[i].value.n);
        h = mix_u64(h, m->fields[i].value.n);
    }
    if (m->summary.p)
        h = mix(h, m->summary.p, m->summary.n);
    h = mix_u64(h, m->summary.n);
    u->r->match_hash = h;
    u->r->n_matches++;
    if (!tl_rule_selected(&u->c->sel, m->info)) {
        u->r->filtered++;
        return;
    }
    u->r->n_selected++;
    /* as the timeline sees it: no time takes the latest */
    int64_t t = ev->has_time            ? ev->time_us
                : u->r->n_selected > 1 ? u->r->in_max
                                       : 0;
    if (u->r->n_selected > 1 && t < u->r->in_max)
        u->r->disordered = true;
    if (u->r->n_selected == 1 || t > u->r->in_max)
        u->r->in_max = t;
    if (m->info->index < u->n_rules)
        u->rule_hits[m->info->index]++;
    tl_timeline_add(u->tl, m);
}

static bool on_want(void *ctx, enum tl_style style, const char *raw,
                    size_t n)
{
    struct run *u = ctx;
    return tl_ruleset_want(u->c->rs, style, raw, n);
}

static void on_event(void *ctx, const struct tl_event *ev)
{
    struct run *u = ctx;
    u->r->n_events++;
    u->r->n_json_events += ev->style == TL_STYLE_JSON;
    CHECK(ev->input != NULL);
    if (ev->has_time) {
        if (u->c->since.set && tl_tfilter_cmp(ev, &u->c->since) < 0)
            return;
        if (u->c->until.set && tl_tfilter_cmp(ev, &u->c->until) >= 0)
            return;
    }
    tl_ruleset_match(u->c->rs, ev, on_match, u);
}

/* Time order of what the sink receives (batch mode). */
static void note_time(struct run *u, int64_t t)
{
    if (u->any_t && t < u->max_t) {
        u->r->out_of_order++;
        return;
    }
    u->max_t = t;
    u->any_t = true;
}

static void sink_hit(void *ctx, const struct tl_hit *h)
{
    struct run *u = ctx;
    CHECK(h->rule && h->info && h->seq > 0);
    CHECK(h->info->level < TL_LEVEL__COUNT);
    CHECK(h->episode == 0);
    u->r->sink_hits++;
    note_time(u, h->ev.time_us);
    for (int f = 0; f < N_FMT; f++)
        tl_renderers[f]->hit(u->rst[f], h);
}

static void sink_episode(void *ctx, const struct tl_episode *ep)
{
    struct run *u = ctx;
    CHECK(ep->id > 0 && ep->rule && ep->info);
    CHECK(ep->info->kind == TL_RULE_CORRELATION);
    CHECK(ep->level < TL_LEVEL__COUNT);
    CHECK(ep->n_hits > 0 && ep->hits != NULL);
    CHECK(ep->title != NULL && ep->closed_by != NULL);
    CHECK(ep->start_us == ep->hits[0]->ev.time_us);
    CHECK(ep->end_us == ep->hits[ep->n_hits - 1]->ev.time_us);
    CHECK(ep->n_hits <= (u->c->to.max_episode_hits ? u->c->to.max_episode_hits
                                                    : 1));
    for (size_t i = 0; i < ep->n_hits; i++) {
        const struct tl_hit *h = ep->hits[i];
        CHECK(h->episode == ep->id);
        CHECK(h->info->kind == TL_RULE_DETECTION);
        if (i)
            CHECK(ep->hits[i - 1]->ev.time_us < h->ev.time_us ||
                  (ep->hits[i - 1]->ev.time_us == h->ev.time_us &&
                   ep->hits[i - 1]->seq < h->seq));
    }
    for (size_t i = 0; i < ep->n_keys; i++)
        CHECK(ep->keys[i].name && ep->keys[i].value.p &&
              ep->keys[i].value.p[ep->keys[i].value.n] == '\0');
    u->r->sink_eps++;
    u->r->sink_ep_hits += ep->n_hits;
    note_time(u, ep->start_us);
    for (int f = 0; f < N_FMT; f++)
        tl_renderers[f]->episode(u->rst[f], ep);
}

/* One scan: prefilter on or off; each input fed whole (piece 0) or in
 * pieces; with idle flushes after some pieces (live mode). The outputs
 * are left in outs[] (before the renderers' close). */
static void run_scan(const struct cfg *c, bool prefilter, size_t piece,
                     bool idle, struct result *r)
{
    static const char *const names[2] = {"in1.log", "in2.log"};
    struct run u;
    struct tl_rules_counters c0, c1;
    memset(r, 0, sizeof(*r));
    r->match_hash = 14695981039346656037ull;
    memset(&u, 0, sizeof(u));
    u.c = c;
    u.prefilter = prefilter;
    u.r = r;
    u.n_rules = tl_ruleset_count(c->rs);
    u.rule_hits = tl_xcalloc(u.n_rules ? u.n_rules : 1, sizeof(uint64_t));
    tl_ruleset_set_prefilter(c->rs, prefilter);
    tl_ruleset_counters(c->rs, &c0);

    struct tl_render_opts ro;
    memset(&ro, 0, sizeof(ro));
    ro.color = c->color;
    ro.live = c->live;
    ro.min_level = c->min_level;
    ro.title = NULL;
    ro.name_width = c->name_width;
    for (int f = 0; f < N_FMT; f++) {
        outs[f].len = 0;
        outs[f].err = 0;
        outs[f].line_buffered = false;
        u.rst[f] = tl_renderers[f]->open(&outs[f], &ro);
    }
    struct tl_timeline_opts to = c->to;
    to.live = c->live;
    struct tl_timeline_sink sink = {&u, sink_hit, sink_episode};
    u.tl = tl_timeline_new(c->rs, &to, &sink);

    struct tl_parser_opts po;
    tl_parser_opts_init(&po);
    po.style = c->style;
    po.quiet = true;
    po.max_line = c->max_line;
    struct tl_parser_cb cb = {&u, on_event, prefilter ? on_want : NULL};
    struct tl_stats total;
    memset(&total, 0, sizeof(total));
    size_t n_read = 0;
    for (size_t i = 0; i < c->n_inputs; i++) {
        struct tl_parser *p = tl_parser_new(&po, names[i], &cb);
        size_t n = c->in_n[i], k = piece ? piece : (n ? n : 1), np = 0;
        for (size_t off = 0; off < n; off += k, np++) {
            size_t m = n - off < k ? n - off : k;
            /* a copy of exactly the piece, so ASan sees any over-read */
            char *buf = tl_xmalloc(m);
            memcpy(buf, c->in[i] + off, m);
            tl_parser_feed(p, buf, m);
            free(buf);
            if (idle && (np % 3) == 1) {
                tl_parser_idle(p);
                tl_timeline_idle(u.tl);
            }
        }
        tl_parser_finish(p);
        tl_stats_add(&total, tl_parser_stats(p));
        tl_parser_free(p);
        n_read++;
        tl_timeline_input_end(u.tl);
    }
    tl_timeline_finish(u.tl);

    struct tl_rule_count *counts;
    size_t nc = tl_rule_counts(c->rs, u.rule_hits, u.n_rules, &counts);
    tl_ruleset_counters(c->rs, &c1);
    r->limit_hits = c1.limit_hits - c0.limit_hits;
    r->st = total;
    r->ts = *tl_timeline_stats(u.tl);
    struct tl_summary sum = {
        .input = &total,
        .tl = tl_timeline_stats(u.tl),
        .n_rules = nc,
        .rules = counts,
        .filtered = r->filtered,
        .limit_hits = r->limit_hits,
        .n_inputs = n_read,
        .inputs = names,
        .n_rules_loaded = u.n_rules,
    };
    for (int f = 0; f < N_FMT; f++)
        tl_renderers[f]->summary(u.rst[f], &sum);
    /* outs[] now hold the whole output (unless one overflowed: err). The
     * html renderer flushes at close: save the lengths first. */
    size_t keep[N_FMT];
    int kerr[N_FMT];
    for (int f = 0; f < N_FMT; f++) {
        keep[f] = outs[f].len;
        kerr[f] = outs[f].err;
    }
    for (int f = 0; f < N_FMT; f++) {
        /* close may flush: point the writer at nothing to discard */
        outs[f].len = 0;
        tl_renderers[f]->close(u.rst[f]);
    }
    for (int f = 0; f < N_FMT; f++) {
        outs[f].len = keep[f];
        outs[f].err = kerr[f];
    }
    free(counts);
    tl_timeline_free(u.tl);
    free(u.rule_hits);
}

/* --- output checks ----------------------------------------------------- */

NOCOV static bool utf8_ok(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = tl_utf8_seq(u + i, n - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

/* Bytes no output may carry raw: C0 controls other than \n (and \t
 * where allowed), DEL, C1 controls, bidi overrides and isolates. */
NOCOV static bool controls_ok(const char *s, size_t n, bool tab, bool esc)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned c = u[i];
        if (c == '\n' || (tab && c == '\t'))
            continue;
        if (c == 0x1b && esc) {
            /* only the renderer's colours: ESC [ digits/; m */
            size_t j = i + 1;
            if (j >= n || u[j] != '[')
                return false;
            for (j++; j < n && ((u[j] >= '0' && u[j] <= '9') || u[j] == ';');
                 j++)
                ;
            if (j >= n || u[j] != 'm')
                return false;
            i = j;
            continue;
        }
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c == 0xc2 && i + 1 < n && u[i + 1] >= 0x80 && u[i + 1] < 0xa0)
            return false;
        if (c == 0xe2 && i + 2 < n && u[i + 1] == 0x80 && u[i + 2] >= 0xaa &&
            u[i + 2] <= 0xae)
            return false;
        if (c == 0xe2 && i + 2 < n && u[i + 1] == 0x81 && u[i + 2] >= 0xa6 &&
            u[i + 2] <= 0xa9)
            return false;
    }
    return true;
}

/* A strict JSON (RFC 8259) value at s[*i]; no whitespace is expected in
 * the renderer's compact output but JSON whitespace other than a line
 * break is allowed. */
static bool js_value(const char *s, size_t n, size_t *i, int depth);

NOCOV static void js_ws(const char *s, size_t n, size_t *i)
{
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t' || s[*i] == '\r'))
        (*i)++;
}

NOCOV static bool js_string(const char *s, size_t n, size_t *i)
{
    const unsigned char *u = (const unsigned char *)s;
    if (*i >= n || u[*i] != '"')
        return false;
    for (size_t j = *i + 1; j < n;) {
        unsigned c = u[j];
        if (c == '"') {
            *i = j + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (j + 1 >= n)
                return false;
            char e = s[j + 1];
            if (e == 'u') {
                if (j + 5 >= n)
                    return false;
                for (size_t k = j + 2; k < j + 6; k++)
                    if (!strchr("0123456789abcdefABCDEF", s[k]) || !s[k])
                        return false;
                j += 6;
            } else if (e && strchr("\"\\/bfnrt", e)) {
                j += 2;
            } else {
                return false;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t k = tl_utf8_seq(u + j, n - j);
            if (!k)
                return false;
            j += k;
            continue;
        }
        j++;
    }
    return false;
}

NOCOV static bool js_digits(const char *s, size_t n, size_t *i)
{
    size_t j = *i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    if (j == *i)
        return false;
    *i = j;
    return true;
}

NOCOV static bool js_number(const char *s, size_t n, size_t *i)
{
    if (*i < n && s[*i] == '-')
        (*i)++;
    if (*i < n && s[*i] == '0')
        (*i)++;
    else if (!js_digits(s, n, i))
        return false;
    if (*i < n && s[*i] == '.') {
        (*i)++;
        if (!js_digits(s, n, i))
            return false;
    }
    if (*i < n && (s[*i] == 'e' || s[*i] == 'E')) {
        (*i)++;
        if (*i < n && (s[*i] == '+' || s[*i] == '-'))
            (*i)++;
        if (!js_digits(s, n, i))
            return false;
    }
    return true;
}

NOCOV static bool js_lit(const char *s, size_t n, size_t *i, const char *w)
{
    size_t l = strlen(w);
    if (n - *i < l || memcmp(s + *i, w, l) != 0)
        return false;
    *i += l;
    return true;
}

NOCOV static bool js_value(const char *s, size_t n, size_t *i, int depth)
{
    if (depth > 512)
        return false;
    js_ws(s, n, i);
    if (*i >= n)
        return false;
    char c = s[*i];
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        (*i)++;
        js_ws(s, n, i);
        if (*i < n && s[*i] == close) {
            (*i)++;
            return true;
        }
        for (;;) {
            if (c == '{') {
                js_ws(s, n, i);
                if (!js_string(s, n, i))
                    return false;
                js_ws(s, n, i);
                if (*i >= n || s[*i] != ':')
                    return false;
                (*i)++;
            }
            if (!js_value(s, n, i, depth + 1))
                return false;
            js_ws(s, n, i);
            if (*i < n && s[*i] == ',') {
                (*i)++;
                continue;
            }
            if (*i < n && s[*i] == close) {
                (*i)++;
                return true;
            }
            return false;
        }
    }
    if (c == '"')
        return js_string(s, n, i);
    if (c == 't')
        return js_lit(s, n, i, "true");
    if (c == 'f')
        return js_lit(s, n, i, "false");
    if (c == 'n')
        return js_lit(s, n, i, "null");
    return js_number(s, n, i);
}

static void fail_output(const char *fmt, const char *s, size_t n, size_t at)
{
    size_t a = at > 120 ? at - 120 : 0, b = n - at > 120 ? at + 120 : n;
    fprintf(stderr, "fuzz_match: %s output malformed at byte %zu: ", fmt, at);
    fwrite(s + a, 1, b - a, stderr);
    fprintf(stderr, "\n");
    abort();
}

NOCOV static void check_ndjson(const char *s, size_t n)
{
    CHECK(utf8_ok(s, n));
    CHECK(n > 0 && s[n - 1] == '\n');
    size_t start = 0, last = 0;
    while (start < n) {
        const char *nl = memchr(s + start, '\n', n - start);
        CHECK(nl != NULL);
        size_t end = (size_t)(nl - s), i = start;
        if (!(end - start > 10 && memcmp(s + start, "{\"record\":\"", 11) == 0))
            fail_output("ndjson", s, n, start);
        if (!js_value(s, end, &i, 0) || i != end)
            fail_output("ndjson", s, n, i);
        last = start;
        start = end + 1;
    }
    CHECK(memcmp(s + last, "{\"record\":\"summary\"", 19) == 0);
}

NOCOV static void check_csv(const char *s, size_t n)
{
    static const char header[] =
        "message,datetime,timestamp_desc,timestamp,record,level,rule,"
        "rule_id,episode,process,pid,subsystem,category,fields,input,line"
        "\r\n";
    CHECK(utf8_ok(s, n));
    CHECK(n >= sizeof(header) - 1 &&
          memcmp(s, header, sizeof(header) - 1) == 0);
    size_t i = sizeof(header) - 1;
    while (i < n) {
        for (int field = 0; field < 16; field++) {
            if (i >= n || s[i] != '"')
                fail_output("csv", s, n, i);
            i++;
            size_t first = i;
            for (;;) {
                if (i >= n)
                    fail_output("csv", s, n, i);
                unsigned char c = (unsigned char)s[i];
                if (c == '"') {
                    if (i + 1 < n && s[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
                    fail_output("csv", s, n, i);
                /* formula injection: = + - @ TAB CR never lead a field */
                if (i == first && strchr("=+-@\t\r", (char)c))
                    fail_output("csv", s, n, i);
                i++;
            }
            i++; /* closing quote */
            const char *want = field == 15 ? "\r\n" : ",";
            size_t wl = strlen(want);
            if (n - i < wl || memcmp(s + i, want, wl) != 0)
                fail_output("csv", s, n, i);
            i += wl;
        }
    }
}

NOCOV static void check_text(const char *s, size_t n, bool color)
{
    CHECK(utf8_ok(s, n));
    size_t i;
    if (!controls_ok(s, n, false, color)) {
        for (i = 0; i < n && controls_ok(s + i, 1, false, false); i++)
            ;
        fail_output("text", s, n, i);
    }
}

/* Tags and attributes the html renderer writes. */
static const char *const html_tags[] = {
    "a", "b", "body", "br", "button", "circle", "div", "footer", "form",
    "g", "h1", "h2", "h3", "head", "header", "html", "i", "input", "label",
    "line", "meta", "option", "p", "rect", "script", "section", "select",
    "span", "style", "svg", "table", "tbody", "td", "text", "th", "thead",
    "title", "tr",
};

NOCOV static bool html_tag_known(const char *s, size_t n)
{
    for (size_t i = 0; i < TL_ARRAY_LEN(html_tags); i++)
        if (strlen(html_tags[i]) == n && memcmp(html_tags[i], s, n) == 0)
            return true;
    return false;
}

NOCOV static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* Occurrences of w (lower case) in s, ASCII case-insensitively. */
NOCOV static size_t count_ci(const char *s, size_t n, const char *w)
{
    size_t l = strlen(w), k = 0;
    unsigned char c0 = (unsigned char)w[0];
    for (const char *p = s; n - (size_t)(p - s) >= l;) {
        const char *a = memchr(p, c0, n - (size_t)(p - s) - l + 1);
        const char *b = c0 >= 'a' && c0 <= 'z'
                            ? memchr(p, c0 - 32, n - (size_t)(p - s) - l + 1)
                            : NULL;
        const char *q = a && (!b || a < b) ? a : b;
        if (!q)
            break;
        size_t j = 1;
        while (j < l && tl_fold[(unsigned char)q[j]] == (unsigned char)w[j])
            j++;
        k += j == l;
        p = q + 1;
    }
    return k;
}

NOCOV static void check_html(const char *s, size_t n)
{
    CHECK(utf8_ok(s, n));
    CHECK(controls_ok(s, n, true, false));
    CHECK(count_ci(s, n, "<script") == 1 && count_ci(s, n, "</script") == 1);
    CHECK(count_ci(s, n, "<style") == 1 && count_ci(s, n, "</style") == 1);
    CHECK(count_ci(s, n, "javascript:") == 0);
    size_t i = 0;
    while (i < n) {
        if (s[i] == '&') {
            size_t j = i + 1;
            if (j < n && s[j] == '#')
                j++;
            size_t k = j;
            while (k < n && is_alnum(s[k]))
                k++;
            if (k == j || k >= n || s[k] != ';')
                fail_output("html", s, n, i);
            i = k + 1;
            continue;
        }
        if (s[i] == '>')
            fail_output("html", s, n, i);
        if (s[i] != '<') {
            i++;
            continue;
        }
        if (n - i >= 15 && memcmp(s + i, "<!DOCTYPE html>", 15) == 0) {
            i += 15;
            continue;
        }
        size_t j = i + 1;
        bool closing = j < n && s[j] == '/';
        j += closing;
        size_t t0 = j;
        while (j < n && is_alnum(s[j]))
            j++;
        if (!html_tag_known(s + t0, j - t0))
            fail_output("html", s, n, i);
        bool raw = !closing && ((j - t0 == 6 && !memcmp(s + t0, "script", 6)) ||
                                (j - t0 == 5 && !memcmp(s + t0, "style", 5)));
        /* attributes: name or name="value" */
        for (;;) {
            while (j < n && (s[j] == ' ' || s[j] == '\n'))
                j++;
            if (j >= n)
                fail_output("html", s, n, i);
            if (s[j] == '>')
                break;
            if (s[j] == '/' && j + 1 < n && s[j + 1] == '>') {
                j++;
                break;
            }
            size_t a0 = j;
            while (j < n && (is_alnum(s[j]) || s[j] == '-' || s[j] == ':'))
                j++;
            if (j == a0 || closing ||
                (j - a0 >= 2 && tl_fold[(unsigned char)s[a0]] == 'o' &&
                 tl_fold[(unsigned char)s[a0 + 1]] == 'n'))
                fail_output("html", s, n, a0);
            if (j < n && s[j] == '=') {
                j++;
                if (j >= n || s[j] != '"')
                    fail_output("html", s, n, j);
                const char *q = memchr(s + j + 1, '"', n - j - 1);
                if (!q || memchr(s + j + 1, '<', (size_t)(q - s) - j - 1))
                    fail_output("html", s, n, j);
                /* data-* attributes hold numbers and ids only, but
                 * data-name a rule's name (any text, escaped: read by
                 * the script with getAttribute) */
                bool dname = j - a0 == 10 && memcmp(s + a0, "data-name=", 10) == 0;
                if (dname)
                    for (const char *p = s + j + 1; p < q; p++) {
                        if ((unsigned char)*p < 0x20 || *p == '>' ||
                            *p == '\'')
                            fail_output("html", s, n, (size_t)(p - s));
                        if (*p == '&') {
                            const char *e = p + 1 + (p[1] == '#');
                            const char *e0 = e;
                            while (e < q && is_alnum(*e))
                                e++;
                            if (e == e0 || e >= q || *e != ';')
                                fail_output("html", s, n, (size_t)(p - s));
                        }
                    }
                else if (j - a0 > 5 && memcmp(s + a0, "data-", 5) == 0)
                    for (const char *p = s + j + 1; p < q; p++)
                        if (!*p || !(is_alnum(*p) || strchr(" ,.-_", *p)))
                            fail_output("html", s, n, (size_t)(p - s));
                j = (size_t)(q - s) + 1;
            }
        }
        i = j + 1;
        if (raw) {
            /* the static style or script: skip to its end tag */
            const char *end = s[t0 + 1] == 'c' ? "</script>" : "</style>";
            size_t el = strlen(end);
            const char *k = s + i;
            while ((k = memchr(k, '<', n - (size_t)(k - s))) != NULL &&
                   (n - (size_t)(k - s) < el || memcmp(k, end, el) != 0))
                k++;
            if (!k)
                fail_output("html", s, n, i);
            i = (size_t)(k - s);
        }
    }
}

static void check_outputs(const struct cfg *c)
{
    for (int f = 0; f < N_FMT; f++) {
        if (outs[f].err)
            continue; /* overflowed the buffer: not kept whole */
        const char *s = outs[f].buf;
        size_t n = outs[f].len;
        const char *name = tl_renderers[f]->name;
        if (strcmp(name, "ndjson") == 0)
            check_ndjson(s, n);
        else if (strcmp(name, "csv") == 0)
            check_csv(s, n);
        else if (strcmp(name, "text") == 0)
            check_text(s, n, c->color);
        else if (strcmp(name, "html") == 0)
            check_html(s, n);
    }
}

NOCOV static void save_outputs(void)
{
    for (int f = 0; f < N_FMT; f++) {
        ref_ok[f] = outs[f].err == 0;
        ref_n[f] = outs[f].len;
        if (ref_ok[f])
            memcpy(ref[f], outs[f].buf, outs[f].len);
    }
}

NOCOV static void same_outputs(const char *what)
{
    for (int f = 0; f < N_FMT; f++) {
        if (!ref_ok[f] || outs[f].err)
            continue;
        const char *a = ref[f], *b = outs[f].buf;
        size_t na = ref_n[f], nb = outs[f].len, i = 0;
        if (na == nb && memcmp(a, b, na) == 0)
            continue;
        while (i < na && i < nb && a[i] == b[i])
            i++;
        size_t s0 = i > 200 ? i - 200 : 0;
        fprintf(stderr, "fuzz_match: %s: %s output differs at byte %zu\n"
                "--- first:\n%.*s\n--- second:\n%.*s\n", what,
                tl_renderers[f]->name, i,
                (int)((na - s0) > 400 ? 400 : na - s0), a + s0,
                (int)((nb - s0) > 400 ? 400 : nb - s0), b + s0);
        abort();
    }
}

/* --- comparing runs ----------------------------------------------------- */

static void check_accounting(const struct result *r, const struct cfg *c,
                             size_t size, bool live)
{
    uint64_t sum = 0;
    for (int k = 0; k < TL_LC__COUNT; k++)
        sum += r->st.cls[k];
    CHECK(sum == r->st.lines);
    CHECK(r->st.bytes == size);
    /* One record per event line, plus the JSON elements that begin on
     * a line an earlier one began on ({}{}). */
    CHECK(r->st.events ==
          r->st.cls[TL_LC_EVENT] + r->st.events_shared_line);
    CHECK(r->st.events_parsed == r->n_events);
    CHECK(r->n_matches == r->n_selected + r->filtered);
    CHECK(r->ts.hits == r->n_selected);
    CHECK(r->ts.episodes == r->sink_eps);
    CHECK(r->ts.hits_in_episodes == r->sink_ep_hits);
    /* Hits of rules a correlation lists with generate: false that join
     * no episode are not handed out; they are counted as suppressed. */
    /* Live: written on arrival, or (generate: false) held and written
     * only with the episode they join. */
    if (live)
        CHECK(r->sink_hits + r->sink_ep_hits + r->ts.suppressed >=
              r->ts.hits);
    else
        CHECK(r->sink_hits + r->sink_ep_hits + r->ts.suppressed ==
              r->ts.hits);
    uint64_t lv = 0, elv = 0;
    for (int l = 0; l < TL_LEVEL__COUNT; l++) {
        lv += r->ts.per_level[l];
        elv += r->ts.episodes_per_level[l];
    }
    CHECK(lv == r->ts.hits && elv == r->ts.episodes);
    /* Batch mode: items come in time order; those that cannot are the
     * late hits, counted. (A second input that goes back in time
     * starts a new order.) */
    if (!live && c->n_inputs == 1) {
        /* (Finding 2, tests/fuzz/README.md: episodes whose start moved
         * back after drain() had handed out later items.) */
        CHECK(r->out_of_order == r->ts.late_hits);
        if (!r->disordered)
            CHECK(r->out_of_order == 0);
    }
}

static void same_ts(const struct tl_timeline_stats *a,
                    const struct tl_timeline_stats *b)
{
    CHECK(a->hits == b->hits);
    CHECK(a->hits_in_episodes == b->hits_in_episodes);
    CHECK(a->episodes == b->episodes);
    CHECK(a->late_hits == b->late_hits);
    CHECK(a->evicted_open == b->evicted_open);
    CHECK(a->evicted_pending == b->evicted_pending);
    CHECK(a->episode_hits_dropped == b->episode_hits_dropped);
    CHECK(a->not_fired == b->not_fired);
    CHECK(memcmp(a->per_level, b->per_level, sizeof(a->per_level)) == 0);
    CHECK(memcmp(a->episodes_per_level, b->episodes_per_level,
                 sizeof(a->episodes_per_level)) == 0);
    CHECK(a->any_time == b->any_time);
    if (a->any_time)
        CHECK(a->first_us == b->first_us && a->last_us == b->last_us);
}

static void same_matches(const struct result *a, const struct result *b)
{
    CHECK(a->match_hash == b->match_hash);
    CHECK(a->n_matches == b->n_matches && a->filtered == b->filtered);
    CHECK(a->sink_hits == b->sink_hits && a->sink_eps == b->sink_eps);
    CHECK(a->sink_ep_hits == b->sink_ep_hits);
    same_ts(&a->ts, &b->ts);
}

/* --- set-up -------------------------------------------------------------- */

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void limits(struct tl_ruleset *rs)
{
    struct tl_rules_limits lim;
    tl_rules_limits_init(&lim);
    lim.match_limit = 10000;
    lim.depth_limit = 1000;
    tl_ruleset_set_limits(rs, &lim);
}


/* The output buffers (fd -1: a buffer that fills up is flushed into
 * nothing, err is set and that output is not compared) and the shipped
 * rules: $TL_FUZZ_RULES, else rules/macos from the current directory,
 * else next to this source file when __FILE__ is absolute. */
static void init(void)
{
    tl_diag_set_quiet(1);
    /* every renderer of the table, once each */
    for (int f = 0; f < N_FMT; f++)
        CHECK(tl_renderers[f] != NULL);
    CHECK(tl_renderers[N_FMT] == NULL);
    for (int f = 0; f < N_FMT; f++) {
        tl_out_init(&outs[f], -1, OUT_CAP);
        ref[f] = tl_xmalloc(OUT_CAP);
    }
    char path[4096];
    const char *env = getenv("TL_FUZZ_RULES");
    if (env && *env) {
        snprintf(path, sizeof(path), "%s", env);
    } else if (is_dir("rules/macos")) {
        snprintf(path, sizeof(path), "rules/macos");
    } else {
        const char *me = __FILE__, *tail = strstr(me, "tests/fuzz/");
        snprintf(path, sizeof(path), "%.*srules/macos",
                 tail ? (int)(tail - me) : 0, me);
    }
    shipped = tl_ruleset_new();
    limits(shipped);
    tl_ruleset_load_path(shipped, path);
    if (tl_ruleset_finalize(shipped) != 0 || tl_ruleset_count(shipped) == 0) {
        fprintf(stderr, "fuzz_match: cannot load the shipped rules from %s "
                "(run from the source tree or set TL_FUZZ_RULES)\n", path);
        tl_ruleset_print_messages(shipped, stderr, "fuzz_match: ");
        abort();
    }
}

static const char *find_sep(const char *s, size_t n, size_t *after)
{
    static const char sep[] = SEP "\n";
    size_t l = sizeof(sep) - 1;
    for (size_t i = 0; i + l <= n; i++) {
        if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, sep, l) == 0) {
            *after = i + l;
            return s + i;
        }
        const char *nl = memchr(s + i, '\n', n - i);
        if (!nl)
            break;
        i = (size_t)(nl - s);
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!shipped)
        init();
    if (size < HDR || size > ((size_t)1 << 20))
        return 0;
    const uint8_t *h = data;
    struct cfg c;
    memset(&c, 0, sizeof(c));
    char *text = tl_xmalloc(size - HDR + 1);
    memcpy(text, data + HDR, size - HDR);
    size_t tn = size - HDR;
    const char *log = text;
    size_t log_n = tn;
    char *rtext = NULL;

    c.custom = (h[0] & 3) == 3;
    if (c.custom) {
        size_t after;
        const char *sep = find_sep(text, tn, &after);
        if (!sep) {
            free(text);
            return 0;
        }
        /* the rule text in a buffer of its own size (ASan) */
        size_t rn = (size_t)(sep - text);
        rtext = tl_xmalloc(rn ? rn : 1);
        memcpy(rtext, text, rn);
        c.rs = tl_ruleset_new();
        limits(c.rs);
        tl_ruleset_load_string(c.rs, "fuzz.yml", rtext, rn);
        bool skip = tl_ruleset_finalize(c.rs) != 0 ||
                    tl_ruleset_count(c.rs) == 0;
        if (skip) {
            /* rule errors: scan stops with exit 2 */
            tl_ruleset_free(c.rs);
            free(rtext);
            free(text);
            return 0;
        }
        log = text + after;
        log_n = tn - after;
    } else {
        c.rs = shipped;
    }

    static const enum tl_style styles[8] = {
        TL_STYLE_AUTO,   TL_STYLE_DEFAULT, TL_STYLE_COMPACT, TL_STYLE_SYSLOG,
        TL_STYLE_JSON,   TL_STYLE_NDJSON,  TL_STYLE_AUTO,    TL_STYLE_AUTO};
    c.style = styles[h[1] & 7];
    c.live = (h[1] >> 3) & 1;
    unsigned ml = (h[1] >> 4) & 7;
    c.min_level = ml < TL_LEVEL__COUNT ? (enum tl_level)ml
                                       : TL_LEVEL_INFORMATIONAL;
    c.color = (h[1] >> 7) & 1;
    c.piece = (size_t)(h[2] & 63) + 1;
    static const size_t max_line[4] = {TL_DEFAULT_MAX_LINE, 64, 256, 1024};
    c.max_line = max_line[h[2] >> 6];
    tl_timeline_opts_init(&c.to);
    static const size_t max_open[4] = {10000, 1, 2, 8};
    static const size_t max_ep[4] = {1000, 1, 2, 5};
    static const size_t max_pend[4] = {10000, 1, 2, 16};
    static const int64_t reorder[4] = {10000000, 0, 1000000, 86400000000};
    c.to.max_open = max_open[h[3] & 3];
    c.to.max_episode_hits = max_ep[(h[3] >> 2) & 3];
    c.to.max_pending = max_pend[(h[3] >> 4) & 3];
    c.to.reorder_us = reorder[h[3] >> 6];
    /* Live runs once kept the default cap of 1000 hits an episode: a
     * keyed hit that found its episode full was freed by window_add()
     * and then read by pull_pending() (fixed in rules/timeline.c; corpus
     * input regress-live-episode-cap-uaf). */
    c.since = fixed_time(h[4] & 3);
    c.until = fixed_time((h[4] >> 2) & 3);
    size_t nr = tl_ruleset_count(c.rs);
    unsigned fmode = (h[4] >> 4) & 3;
    if (fmode && nr) {
        const struct tl_rule_info *in =
            tl_rule_info(tl_ruleset_rule(c.rs, (size_t)(h[4] >> 6) * nr / 4));
        if (fmode & 1)
            c.only_rule = in->id ? in->id : in->name ? in->name : in->title;
        if (fmode & 2)
            c.only_tag = in->tags.n ? in->tags.v[0] : "no-such-tag";
    }
    c.sel.rules = &c.only_rule;
    c.sel.n_rules = c.only_rule != NULL;
    c.sel.tags = &c.only_tag;
    c.sel.n_tags = c.only_tag != NULL;
    if (h[5] && log_n > 1) {
        size_t cut = (size_t)h[5] * log_n / 256;
        c.in[0] = log;
        c.in_n[0] = cut;
        c.in[1] = log + cut;
        c.in_n[1] = log_n - cut;
        c.n_inputs = 2;
    } else {
        c.in[0] = log;
        c.in_n[0] = log_n;
        c.n_inputs = 1;
    }
    for (size_t i = 0; i < nr; i++) {
        const struct tl_rule_info *in = tl_rule_info(tl_ruleset_rule(c.rs, i));
        const char *l = in->name ? in->name : in->title;
        if (in->kind == TL_RULE_DETECTION && strlen(l) > c.name_width)
            c.name_width = strlen(l);
    }

    /* 1: prefilter on, each input whole (what scan does on a file). */
    struct result r1, r2, r3;
    run_scan(&c, true, 0, false, &r1);
    check_accounting(&r1, &c, log_n, c.live);
    check_outputs(&c);
    save_outputs();

    /* 2: --no-prefilter: the same matches, counts and output. */
    run_scan(&c, false, 0, false, &r2);
    check_accounting(&r2, &c, log_n, c.live);
    CHECK(r2.st.events_parsed == r2.st.events);
    /* parser.h: a line is classified once, by the first record that
     * begins on it; the JSON elements after it on that line are counted
     * apart (regress-json-two-records-one-line). */
    CHECK(r2.st.events ==
          r2.st.cls[TL_LC_EVENT] + r2.st.events_shared_line);
    if (r2.n_json_events == 0)
        CHECK(r2.st.events_shared_line == 0);
    CHECK(r1.st.events_parsed <= r2.st.events_parsed);
    same_matches(&r1, &r2);
    {
        struct tl_stats a = r1.st, b = r2.st;
        a.events_parsed = b.events_parsed = 0;
        CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    }
    if (r1.limit_hits == 0 && r2.limit_hits == 0)
        same_outputs("prefilter on/off");

    /* 3: fed in pieces: everything the same. */
    run_scan(&c, true, c.piece, false, &r3);
    check_accounting(&r3, &c, log_n, c.live);
    same_matches(&r1, &r3);
    CHECK(memcmp(&r1.st, &r3.st, sizeof(r1.st)) == 0);
    CHECK(r1.limit_hits == r3.limit_hits);
    same_outputs("whole/pieces");

    /* 4: live, in pieces with idle flushes: records may be cut
     * differently (by design); every line and hit is still accounted. */
    if (c.live) {
        struct result r4;
        run_scan(&c, true, c.piece, true, &r4);
        check_accounting(&r4, &c, log_n, true);
        CHECK(r4.st.lines == r1.st.lines);
        check_outputs(&c);
    }

    if (c.custom)
        tl_ruleset_free(c.rs);
    free(rtext);
    free(text);
    return 0;
}
