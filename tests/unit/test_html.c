/*
 * test_html.c - unit tests for output/html.c (the HTML report).
 *
 * Rules, hits and episodes are built in memory, rendered into a
 * temporary file through a tl_out on its descriptor, and the page is
 * checked as text: document structure (every tag known, properly nested
 * and closed), hostile log text never raw, no external resources, the
 * level colours and the filter controls, counts of rows and timeline
 * marks, min_level, live mode, the caps and the empty report.
 *
 * TL_HTML_OUT=FILE ./build/tests/test_html   also writes the realistic
 * fixture report (with hostile text in it) to FILE, for the browser check
 * (tests/html/check.sh); with TL_HTML_LIVE=1 as live mode renders it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../output/escape.h"
#include "../../output/render.h"
#include "../../util/out.h"
#include "../../util/util.h"

/* ---- building blocks ----------------------------------------------------- */

#define MAX_HITS 64

struct fx {
    struct tl_hit hits[MAX_HITS];
    struct tl_field_value fields[MAX_HITS][2];
    size_t n_hits;
};

static int64_t t_us(int h, int m, int s, int us)
{
    int64_t days = tl_days_from_civil(2024, 5, 14);
    return ((days * 86400 + h * 3600 + m * 60 + s) * 1000000LL) + us;
}

static struct tl_rule_info rule(const char *name, const char *title,
                                enum tl_level l, enum tl_rule_kind kind)
{
    struct tl_rule_info in;
    memset(&in, 0, sizeof(in));
    in.kind = kind;
    in.name = name;
    in.title = title;
    in.level = l;
    in.level_given = true;
    return in;
}

/* A hit (standalone unless ep); strings are borrowed, msg may hold NUL. */
static struct tl_hit *hit_n(struct fx *f, const struct tl_rule_info *in,
                            int64_t t, const char *proc, uint64_t pid,
                            const char *msg, size_t msg_n, uint64_t ep)
{
    if (f->n_hits >= MAX_HITS)
        abort(); /* not a check: also used outside tests (TL_HTML_OUT) */
    struct tl_hit *h = &f->hits[f->n_hits];
    memset(h, 0, sizeof(*h));
    h->info = in;
    h->seq = f->n_hits + 1;
    h->episode = ep;
    h->ev.input = "system.log";
    h->ev.line = 100 + f->n_hits;
    h->ev.style = TL_STYLE_DEFAULT;
    h->ev.has_time = true;
    h->ev.tz_known = true;
    h->ev.tz_offset_min = 120;
    h->ev.time_digits = 6;
    h->ev.time_us = t;
    if (proc) {
        tl_event_set_str(&h->ev, TL_F_PROCESS, proc, strlen(proc));
        tl_event_set_num(&h->ev, TL_F_PROCESS_ID, pid);
    }
    tl_event_set_str(&h->ev, TL_F_EVENT_MESSAGE, msg, msg_n);
    f->n_hits++;
    return h;
}

static struct tl_hit *hit(struct fx *f, const struct tl_rule_info *in,
                          int64_t t, const char *proc, uint64_t pid,
                          const char *msg, uint64_t ep)
{
    return hit_n(f, in, t, proc, pid, msg, strlen(msg), ep);
}

static void add_field(struct fx *f, struct tl_hit *h, const char *name,
                      const char *v, size_t n)
{
    size_t i = (size_t)(h - f->hits);
    f->fields[i][h->n_fields].name = name;
    f->fields[i][h->n_fields].value = tl_str_make(v, n);
    h->fields = f->fields[i];
    h->n_fields++;
}

static struct tl_episode episode(uint64_t id, const struct tl_rule_info *in,
                                 enum tl_level l, struct tl_hit **hits,
                                 size_t n, const char *title,
                                 const char *verdict)
{
    struct tl_episode ep;
    memset(&ep, 0, sizeof(ep));
    ep.id = id;
    ep.info = in;
    ep.level = l;
    ep.hits = hits;
    ep.n_hits = n;
    ep.start_us = n ? hits[0]->ev.time_us : 0;
    ep.end_us = n ? hits[n - 1]->ev.time_us : 0;
    ep.tz_known = true;
    ep.tz_offset_min = 120;
    ep.title = title;
    ep.verdict = verdict;
    ep.closed_by = "timespan";
    for (size_t i = 0; i < n; i++)
        hits[i]->episode = id;
    return ep;
}

/* ---- rendering into memory ----------------------------------------------- */

struct page {
    char *p;
    size_t n;
};

struct renderer {
    struct tl_out out;
    void *st;
    char path[64];
    int fd;
};

static void r_open(struct renderer *r, const struct tl_render_opts *opts)
{
    strcpy(r->path, "/tmp/test_html.XXXXXX");
    r->fd = mkstemp(r->path);
    ck_assert_int_ge(r->fd, 0);
    tl_out_init(&r->out, r->fd, 4096);
    r->st = tl_render_html.open(&r->out, opts);
    ck_assert_ptr_nonnull(r->st);
}

static struct page r_close(struct renderer *r)
{
    struct page pg;
    tl_render_html.close(r->st);
    ck_assert(tl_out_flush(&r->out));
    tl_out_free(&r->out);
    off_t end = lseek(r->fd, 0, SEEK_END);
    ck_assert_int_gt(end, 0);
    pg.n = (size_t)end;
    pg.p = tl_xmalloc(pg.n + 1);
    ck_assert_int_eq(pread(r->fd, pg.p, pg.n, 0), (ssize_t)pg.n);
    pg.p[pg.n] = '\0';
    close(r->fd);
    unlink(r->path);
    return pg;
}

static void opts_init(struct tl_render_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->min_level = TL_LEVEL_INFORMATIONAL;
}

/* ---- page checks --------------------------------------------------------- */

/* ck_assert_msg records every passing check (a write to the parent);
 * in loops over every byte of a page only failures may do that. */
#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            ck_abort_msg(__VA_ARGS__);                                       \
    } while (0)

static size_t count(const struct page *pg, const char *needle)
{
    size_t c = 0, k = strlen(needle);
    for (size_t i = 0; i + k <= pg->n; i++)
        if (memcmp(pg->p + i, needle, k) == 0)
            c++;
    return c;
}

static bool has(const struct page *pg, const char *needle)
{
    return count(pg, needle) > 0;
}

static const char *const known_tags[] = {
    "html", "head", "meta", "title", "style", "body", "div", "section",
    "header", "footer", "h1", "h2", "h3", "p", "table", "thead", "tbody",
    "tr", "th", "td", "span", "a", "i", "b", "br", "svg", "g", "rect",
    "circle", "line", "text", "form", "label", "select", "option", "input",
    "button", "script",
};
static const char *const void_tags[] = {"meta", "br", "input"};
static const char *const known_attrs[] = {
    "lang", "charset", "http-equiv", "content", "name", "class", "id",
    "title", "href", "viewbox", "role", "aria-label", "x", "y", "width",
    "height", "rx", "cx", "cy", "r", "x1", "y1", "x2", "y2", "text-anchor",
    "colspan", "for", "value", "type", "placeholder", "hidden",
    "autocomplete",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Every tag is one we write, properly nested and closed; script and
 * style contents are skipped; exactly one <svg> and one <script>. */
static void check_structure(const struct page *pg)
{
    const char *s = pg->p;
    size_t n = pg->n, i = 0;
    char stack[128][16];
    int sp = 0, svgs = 0, scripts = 0, styles = 0;
    CHECK(strncmp(s, "<!DOCTYPE html>\n", 16) == 0, "no doctype");
    CHECK(n > 8 && strcmp(s + n - 8, "</html>\n") == 0,
                  "does not end with </html>");
    while (i < n) {
        if (s[i] != '<') {
            i++;
            continue;
        }
        if (strncmp(s + i, "<!DOCTYPE", 9) == 0) {
            ck_assert_int_eq((int)i, 0);
            i += 9;
            continue;
        }
        bool closing = s[i + 1] == '/';
        size_t j = i + 1 + closing, k = 0;
        char name[16];
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') ||
                         (s[j] >= '0' && s[j] <= '9'))) {
            CHECK(k < sizeof(name) - 1, "tag name too long at %zu",
                          i);
            name[k++] = s[j++];
        }
        name[k] = '\0';
        CHECK(k > 0, "raw '<' at offset %zu: %.40s", i, s + i);
        CHECK(in_list(name, known_tags, TL_ARRAY_LEN(known_tags)),
                      "unknown tag <%s> at %zu", name, i);
        /* attributes: known names (or data-*), values double-quoted
         * without a raw '<' or '"' in them */
        while (j < n && s[j] != '>') {
            if (s[j] == ' ' || s[j] == '\n' || s[j] == '/') {
                j++;
                continue;
            }
            char an[32];
            size_t ak = 0;
            while (j < n && s[j] != '=' && s[j] != ' ' && s[j] != '>' &&
                   s[j] != '/') {
                CHECK(ak < sizeof(an) - 1, "long attribute at %zu",
                              j);
                an[ak++] = (char)(s[j] >= 'A' && s[j] <= 'Z' ? s[j] + 32
                                                             : s[j]);
                j++;
            }
            an[ak] = '\0';
            CHECK((ak > 5 && memcmp(an, "data-", 5) == 0) ||
                              in_list(an, known_attrs,
                                      TL_ARRAY_LEN(known_attrs)),
                          "attribute %s in <%s> at %zu", an, name, j);
            if (j < n && s[j] == '=') {
                CHECK(s[j + 1] == '"', "unquoted value at %zu", j);
                j += 2;
                while (j < n && s[j] != '"') {
                    CHECK(s[j] != '<', "'<' in a value at %zu", j);
                    j++;
                }
                CHECK(j < n, "unterminated value");
                j++;
            }
        }
        CHECK(j < n, "unterminated tag at %zu", i);
        bool self = s[j - 1] == '/';
        if (closing) {
            CHECK(sp > 0 && strcmp(stack[sp - 1], name) == 0,
                          "</%s> at %zu closes <%s>", name, i,
                          sp ? stack[sp - 1] : "(nothing)");
            sp--;
        } else if (!self && !in_list(name, void_tags,
                                     TL_ARRAY_LEN(void_tags))) {
            CHECK(sp < 128, "nesting too deep");
            strcpy(stack[sp++], name);
            svgs += strcmp(name, "svg") == 0;
            if (strcmp(name, "script") == 0 || strcmp(name, "style") == 0) {
                char end[24];
                snprintf(end, sizeof(end), "</%s>", name);
                const char *e = strstr(s + j, end);
                CHECK(e, "<%s> not closed", name);
                scripts += name[1] == 'c';
                styles += name[1] == 't';
                i = (size_t)(e - s);
                continue;
            }
        }
        i = j + 1;
    }
    CHECK(sp == 0, "%d unclosed, innermost <%s>", sp,
                  sp ? stack[sp - 1] : "");
    ck_assert_int_eq(svgs, 1);
    ck_assert_int_eq(scripts, 1);
    ck_assert_int_eq(styles, 1);
}

/* Valid UTF-8 throughout; no control bytes but LF and TAB. */
static void check_bytes(const struct page *pg)
{
    const unsigned char *u = (const unsigned char *)pg->p;
    for (size_t i = 0; i < pg->n;) {
        unsigned c = u[i];
        if (c >= 0x80) {
            size_t k = tl_utf8_seq(u + i, pg->n - i);
            CHECK(k > 0, "invalid UTF-8 at %zu", i);
            /* U+2028/2029 and the bidi controls never raw */
            if (k == 3 && c == 0xe2 && u[i + 1] == 0x80)
                CHECK(!(u[i + 2] >= 0xa8 && u[i + 2] <= 0xae) &&
                                  u[i + 2] != 0x8e && u[i + 2] != 0x8f,
                              "raw U+20%02X at %zu", u[i + 2] - 0x80, i);
            CHECK(!(k == 2 && c == 0xc2 && u[i + 1] < 0xa0),
                  "raw C1 control at %zu", i);
            if (k == 3 && c == 0xe2 && u[i + 1] == 0x81)
                CHECK(!(u[i + 2] >= 0xa6 && u[i + 2] <= 0xa9),
                              "raw bidi isolate at %zu", i);
            i += k;
            continue;
        }
        CHECK(c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f),
                      "control byte 0x%02x at %zu", c, i);
        i++;
    }
}

/* Nothing that loads anything: no external URL in an attribute or in the
 * style sheet; every link is a fragment; a CSP that forbids loading. */
static void check_no_external(const struct page *pg, bool no_urls)
{
    static const char *const bad[] = {
        "src=\"", "<link", "<img", "<iframe", "<object", "<embed",
        "xlink:href", "<base", "href=\"http", "href=\"//", "action=\"",
        "http-equiv=\"refresh",
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(bad); i++)
        CHECK(!has(pg, bad[i]), "found %s", bad[i]);
    const char *st = strstr(pg->p, "<style>"), *se = strstr(pg->p, "</style>");
    ck_assert(st && se && st < se);
    for (const char *p = st; p < se; p++)
        CHECK(strncmp(p, "url(", 4) != 0 &&
                          strncmp(p, "@import", 7) != 0 &&
                          strncmp(p, "//", 2) != 0,
                      "external reference in the style sheet");
    if (no_urls) {
        ck_assert(!has(pg, "http://"));
        ck_assert(!has(pg, "https://"));
    }
    for (const char *p = strstr(pg->p, "href=\""); p;
         p = strstr(p + 1, "href=\""))
        CHECK(p[6] == '#', "href not a fragment: %.40s", p);
    ck_assert(has(pg, "<meta http-equiv=\"Content-Security-Policy\" "
                      "content=\"default-src 'none'; style-src 'sha256-"));
}

static void check_page(const struct page *pg, bool no_urls)
{
    check_structure(pg);
    check_bytes(pg);
    check_no_external(pg, no_urls);
    /* filter controls */
    ck_assert(has(pg, "<form class=\"card filters o3\" id=\"flt\" hidden"));
    ck_assert(has(pg, "<select id=\"f-level\">"));
    ck_assert(has(pg, "<select id=\"f-rule\">"));
    ck_assert(has(pg, "<select id=\"f-ep\">"));
    ck_assert(has(pg, "<input type=\"search\" id=\"f-q\""));
    ck_assert(has(pg, "addEventListener('change'"));
    /* level colours */
    ck_assert(has(pg, "--info:#8a94a6"));
    ck_assert(has(pg, "--low:#1f8ecd"));
    ck_assert(has(pg, "--medium:#e0a100"));
    ck_assert(has(pg, "--high:#d93a2b"));
    ck_assert(has(pg, "--critical:#7a0f16"));
    for (int l = 0; l < TL_LEVEL__COUNT; l++) {
        char b[32];
        snprintf(b, sizeof(b), "#tl .f%d{fill:var(--", l);
        ck_assert_msg(has(pg, b), "no fill for level %d", l);
    }
}

/* ---- the realistic fixture ----------------------------------------------- */

static const char hostile_msg[] =
    "<script>alert(1)</script> \"onmouseover=alert(2) x=' "
    "</script><script>alert(3)</script> <img src=\"https://evil.example/"
    "a.png\"> sep\xe2\x80\xa8line para\xe2\x80\xa9 rlo\xe2\x80\xae"
    "gpj.exe iso\xe2\x81\xa6x\xe2\x81\xa9 esc\x1b[31mred\x1b[0m "
    "bad\xff\xfe utf8 \xc3 cut nul\0after del\x7f c1\xc2\x9b end";

struct world {
    struct fx f;
    struct tl_rule_info r_gk, r_bsi, r_trust, r_scan, r_mig, r_ticket, r_xp,
        r_amfi, r_bsi_ev, r_hostile;
    struct tl_hit *e1[6], *e2[3], *e3[4], *e4[3];
    struct tl_episode eps[4];
    struct tl_hit *solo[8];
    size_t n_solo;
    struct tl_episode_key keys1[3];
    struct tl_stats in;
    struct tl_timeline_stats ts;
    struct tl_rule_count counts[10];
    const char *inputs[2];
    struct tl_summary sum;
};

static void world_init(struct world *w)
{
    memset(w, 0, sizeof(*w));
    struct fx *f = &w->f;
    w->r_gk = rule("gatekeeper_assessment", "Gatekeeper assessment of one app",
                   TL_LEVEL_HIGH, TL_RULE_CORRELATION);
    w->r_bsi = rule("bsi_rollback", "Background Security Improvement "
                    "rolled back", TL_LEVEL_CRITICAL, TL_RULE_CORRELATION);
    w->r_trust = rule("trust_eval_failure", "Certificate trust evaluation "
                      "failed", TL_LEVEL_MEDIUM, TL_RULE_DETECTION);
    w->r_scan = rule("gk_evaluate_scan_result", "Gatekeeper scan result",
                     TL_LEVEL_LOW, TL_RULE_DETECTION);
    w->r_mig = rule("gk_migration_allow", "Allowed due to the migration "
                    "exception", TL_LEVEL_HIGH, TL_RULE_DETECTION);
    w->r_ticket = rule("ticket_not_found", "No notarization ticket found",
                       TL_LEVEL_MEDIUM, TL_RULE_DETECTION);
    w->r_xp = rule("xprotect_scan", "XProtect scan", TL_LEVEL_INFORMATIONAL,
                   TL_RULE_DETECTION);
    w->r_amfi = rule("amfi_denied", "AMFI denied code signature",
                     TL_LEVEL_HIGH, TL_RULE_DETECTION);
    w->r_bsi_ev = rule("bsi_event", "BSI install or rollback event",
                       TL_LEVEL_CRITICAL, TL_RULE_DETECTION);
    w->r_hostile = rule("hostile<b>\"rule'", "title <script>x</script>",
                        TL_LEVEL_LOW, TL_RULE_DETECTION);
    w->r_hostile.id = "\"><script>alert('id')</script>";

    /* standalone: in time order with the episodes around them */
    w->solo[w->n_solo++] = hit(f, &w->r_xp, t_us(7, 0, 2, 0), "XProtect", 311,
                               "XProtect scan finished: no threats", 0);
    /* episode 1: Gatekeeper, migration exception */
    w->e1[0] = hit(f, &w->r_trust, t_us(7, 2, 10, 120000), "syspolicyd", 412,
                   "Trust evaluate failure: [leaf TemporalValidity]", 0);
    w->e1[1] = hit(f, &w->r_trust, t_us(7, 2, 10, 121500), "syspolicyd", 412,
                   "Trust evaluate failure: [int TemporalValidity]", 0);
    w->e1[2] = hit(f, &w->r_scan, t_us(7, 2, 10, 350000), "syspolicyd", 412,
                   "GK evaluateScanResult: 0, PST: (path: 4d6f1a2b), (team: "
                   "QED4VVPZWA), (id: com.example.Mail), (bundle_id: "
                   "com.example.Mail)", 0);
    add_field(f, w->e1[2], "path_hash", "4d6f1a2b", 8);
    add_field(f, w->e1[2], "team_id", "QED4VVPZWA", 10);
    w->e1[3] = hit(f, &w->r_mig, t_us(7, 2, 10, 360000), "syspolicyd", 412,
                   "Allowing evaluation due to migration: "
                   "/Applications/Mail Helper.app", 0);
    w->e1[4] = hit(f, &w->r_ticket, t_us(7, 2, 11, 0), "syspolicyd", 412,
                   "ticket not available: 2/2/8bd3f", 0);
    w->e1[5] = hit(f, &w->r_xp, t_us(7, 2, 14, 500000), "XprotectService",
                   520, "XProtect scan of /Applications/Mail Helper.app: "
                   "clean", 0);
    w->eps[0] = episode(1, &w->r_gk, TL_LEVEL_HIGH, w->e1, 6,
                        "Gatekeeper assessment of Mail Helper.app "
                        "(team QED4VVPZWA)",
                        "App Store app with an expired signing certificate "
                        "allowed because of the migration exception; no "
                        "notarization ticket found");
    w->keys1[0].name = "path_hash";
    w->keys1[0].value = TL_STR_LIT("4d6f1a2b");
    w->keys1[1].name = "team_id";
    w->keys1[1].value = TL_STR_LIT("QED4VVPZWA");
    w->keys1[2].name = "process";
    w->keys1[2].value = TL_STR_LIT("syspolicyd[412]");
    w->eps[0].keys = w->keys1;
    w->eps[0].n_keys = 3;

    w->solo[w->n_solo++] = hit(f, &w->r_amfi, t_us(7, 9, 40, 0), "amfid",
                               150, "AMFI: code signature validation failed "
                               "for /private/tmp/x/Installer", 0);
    /* episode 2: hostile text everywhere */
    w->e2[0] = hit(f, &w->r_hostile, t_us(7, 15, 0, 0), "evil<proc>\"x",
                   666, hostile_msg, 0);
    w->e2[0]->ev.str[TL_F_EVENT_MESSAGE].n = sizeof(hostile_msg) - 1;
    add_field(f, w->e2[0], "team_id", "<b>bold</b>\"'&", 14);
    w->e2[1] = hit(f, &w->r_scan, t_us(7, 15, 1, 0), "syspolicyd", 412,
                   "GK evaluateScanResult: 3 </script>", 0);
    w->e2[2] = hit(f, &w->r_ticket, t_us(7, 15, 2, 0), "syspolicyd", 412,
                   "ticket not available \xe2\x80\xa8 x", 0);
    w->eps[1] = episode(2, &w->r_gk, TL_LEVEL_MEDIUM, w->e2, 3,
                        "Assessment of <script>alert('t')</script>.app",
                        "verdict \"onmouseover=alert(1) \xe2\x80\xae "
                        "\x1b[2J");
    /* standalone hostile event */
    w->solo[w->n_solo++] = hit_n(f, &w->r_hostile, t_us(7, 20, 0, 0),
                                 "proc\x1b]0;title\x07", 7, hostile_msg,
                                 sizeof(hostile_msg) - 1, 0);
    /* episode 3: a quieter assessment */
    w->e3[0] = hit(f, &w->r_trust, t_us(7, 31, 5, 0), "syspolicyd", 412,
                   "Trust evaluate failure: [leaf CertificatePolicy]", 0);
    w->e3[1] = hit(f, &w->r_scan, t_us(7, 31, 5, 200000), "syspolicyd", 412,
                   "GK evaluateScanResult: 2, PST: (path: 9a9b), (team: "
                   "(null))", 0);
    w->e3[2] = hit(f, &w->r_ticket, t_us(7, 31, 6, 0), "syspolicyd", 412,
                   "ticket not available: 2/2/77aa1", 0);
    w->e3[3] = hit(f, &w->r_xp, t_us(7, 31, 9, 0), "XprotectService", 520,
                   "XProtect scan of /Users/amy/Downloads/Tool.app: clean",
                   0);
    w->eps[2] = episode(3, &w->r_gk, TL_LEVEL_LOW, w->e3, 4,
                        "Gatekeeper assessment of Tool.app (unsigned)",
                        "Unsigned app from Downloads blocked by Gatekeeper; "
                        "user did not override");
    w->solo[w->n_solo++] = hit(f, &w->r_xp, t_us(7, 40, 0, 0), "XProtect",
                               311, "XProtect remediator run finished", 0);
    /* episode 4: BSI rollback */
    w->e4[0] = hit(f, &w->r_bsi_ev, t_us(7, 48, 0, 0), "softwareupdated", 90,
                   "BSI install started: 24E248a", 0);
    w->e4[1] = hit(f, &w->r_bsi_ev, t_us(7, 49, 30, 0), "softwareupdated", 90,
                   "BSI install failed, rolling back", 0);
    w->e4[2] = hit(f, &w->r_bsi_ev, t_us(7, 51, 2, 0), "softwareupdated", 90,
                   "BSI rollback complete: 24E248", 0);
    w->eps[3] = episode(4, &w->r_bsi, TL_LEVEL_CRITICAL, w->e4, 3,
                        "Background Security Improvement 24E248a rolled "
                        "back", "BSI install failed and was rolled back; "
                        "the Mac runs without the security fix");
    w->eps[3].closed_by = "end of input";
    w->solo[w->n_solo++] = hit(f, &w->r_amfi, t_us(7, 58, 0, 0), "amfid", 150,
                               "AMFI: denying launch of unsigned code", 0);

    w->in.lines = 48210;
    w->in.bytes = 9123456;
    w->in.events = 47000;
    w->in.cls[TL_LC_MALFORMED] = 2;
    w->ts.hits = f->n_hits;
    w->ts.episodes = 4;
    w->ts.hits_in_episodes = 16;
    w->ts.per_level[TL_LEVEL_HIGH] = 4;
    w->ts.episodes_per_level[TL_LEVEL_HIGH] = 1;
    w->ts.any_time = true;
    w->ts.first_us = t_us(7, 0, 2, 0);
    w->ts.last_us = t_us(7, 58, 0, 0);
    const struct tl_rule_info *cr[] = {&w->r_bsi_ev, &w->r_amfi, &w->r_mig,
                                       &w->r_trust, &w->r_ticket,
                                       &w->r_scan, &w->r_hostile, &w->r_xp};
    for (size_t i = 0; i < TL_ARRAY_LEN(cr); i++) {
        w->counts[i].info = cr[i];
        w->counts[i].hits = i + 1;
    }
    w->inputs[0] = "busy-hour.log";
    w->inputs[1] = "<b>evil</b>.log";
    w->sum.input = &w->in;
    w->sum.tl = &w->ts;
    w->sum.n_rules = TL_ARRAY_LEN(cr);
    w->sum.rules = w->counts;
    w->sum.n_inputs = 2;
    w->sum.inputs = w->inputs;
    w->sum.n_rules_loaded = 42;
}

/* Batch order: items by start time. */
static struct page render_world(struct world *w,
                                const struct tl_render_opts *opts)
{
    struct renderer r;
    r_open(&r, opts);
    const struct tl_render_ops *ops = &tl_render_html;
    ops->hit(r.st, w->solo[0]);
    ops->episode(r.st, &w->eps[0]);
    ops->hit(r.st, w->solo[1]);
    ops->episode(r.st, &w->eps[1]);
    ops->hit(r.st, w->solo[2]);
    ops->episode(r.st, &w->eps[2]);
    ops->hit(r.st, w->solo[3]);
    ops->episode(r.st, &w->eps[3]);
    ops->hit(r.st, w->solo[4]);
    ops->summary(r.st, &w->sum);
    return r_close(&r);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(test_structure_and_counts)
{
    static struct world w;
    struct tl_render_opts o;
    world_init(&w);
    opts_init(&o);
    o.title = "Incident 4711: <Mail Helper> & \"friends\"";
    struct page pg = render_world(&w, &o);
    check_page(&pg, false);

    ck_assert(has(&pg, "<title>Incident 4711: &lt;Mail Helper&gt; &amp; "
                       "&quot;friends&quot;</title>"));
    ck_assert_uint_eq(count(&pg, "<tbody class=\"ep "), 4);
    ck_assert_uint_eq(count(&pg, "<tbody class=\"hit\""), 5);
    ck_assert_uint_eq(count(&pg, "<tr class=\"ev"), 5 + 16);
    ck_assert_uint_eq(count(&pg, "<tr class=\"ep-head\">"), 4);
    ck_assert_uint_eq(count(&pg, "<rect class=\"bar "), 4);
    ck_assert_uint_eq(count(&pg, "<circle class=\"dot "), 5);
    ck_assert(has(&pg, "data-bars=\"4\" data-dots=\"5\""));
    ck_assert(has(&pg, "<rect class=\"bar f4\""));  /* the BSI episode */
    ck_assert(has(&pg, "<rect class=\"bar f3\""));
    ck_assert(has(&pg, "<circle class=\"dot f0\""));
    /* episode rows: title, verdict, keys */
    ck_assert(has(&pg, "Episode 1: Gatekeeper assessment of Mail Helper.app"));
    ck_assert(has(&pg, "allowed because of the migration exception"));
    ck_assert(has(&pg, "<span class=\"kv\"><i>team_id=</i>QED4VVPZWA</span>"));
    ck_assert(has(&pg, "closed by end of input"));
    /* the table rows carry their filter data */
    ck_assert(has(&pg, "id=\"ep-4\" data-lv=\"4\" data-ep=\"4\" data-n=\"3\""));
    ck_assert(has(&pg, "<tbody class=\"hit\" id=\"h-1\" data-lv=\"0\""));
    /* times: local time of the log, date above */
    ck_assert(has(&pg, "<span class=\"d\">2024-05-14</span>09:02:10.120000"));
    ck_assert(has(&pg, "times in UTC+02:00"));
    ck_assert(has(&pg, "2024-05-14 09:00:02 \xe2\x80\x93 09:58:00"));
    /* process column */
    ck_assert(has(&pg, ">syspolicyd[412]</td>"));
    /* summary */
    ck_assert(has(&pg, "<section class=\"card o5\" id=\"summary\">"));
    ck_assert(has(&pg, "<td>Lines</td><td class=\"num\">48,210</td>"));
    ck_assert(has(&pg, "&lt;b&gt;evil&lt;/b&gt;.log"));
    ck_assert(has(&pg, "<td>Rules loaded</td><td class=\"num\">42</td>"));
    /* the timeline: lanes by rule, severest first, an axis */
    const char *lane_bsi = strstr(pg.p, ">bsi_rollback</text>");
    const char *lane_gk = strstr(pg.p, ">gatekeeper_assessment</text>");
    ck_assert(lane_bsi && lane_gk && lane_bsi < lane_gk);
    ck_assert(has(&pg, "EPISODES"));
    ck_assert(has(&pg, "EVENTS NOT IN AN EPISODE"));
    ck_assert(has(&pg, "text-anchor=\"middle\">09:10</text>"));
    /* the order of sections: the table first in the file, shown after */
    const char *tbl = strstr(pg.p, "id=\"events\"");
    const char *tl = strstr(pg.p, "id=\"timeline\"");
    ck_assert(tbl && tl && tbl < tl);
    ck_assert(has(&pg, ".o1{order:1}"));
    free(pg.p);
}
END_TEST

START_TEST(test_hostile_text)
{
    static struct world w;
    struct tl_render_opts o;
    world_init(&w);
    opts_init(&o);
    o.title = "</title><script>alert('title')</script>";
    struct page pg = render_world(&w, &o);
    check_page(&pg, false);

    ck_assert(!has(&pg, "<script>alert"));
    ck_assert(!has(&pg, "alert(1)</script>"));
    ck_assert(!has(&pg, "\"onmouseover"));
    ck_assert(!has(&pg, "'onmouseover"));
    ck_assert(!has(&pg, "<img"));
    ck_assert(!has(&pg, "<b>bold"));
    ck_assert(!has(&pg, "<b>evil"));
    ck_assert(!has(&pg, "<proc>"));
    ck_assert_uint_eq(count(&pg, "<script"), 1);
    ck_assert_uint_eq(count(&pg, "</script>"), 1);
    /* shown, escaped */
    ck_assert(has(&pg, "&lt;script&gt;alert(1)&lt;/script&gt; "
                       "&quot;onmouseover=alert(2) x=&#39; "));
    ck_assert(has(&pg, "&lt;img src=&quot;https://evil.example/a.png&quot;"
                       "&gt;"));
    ck_assert(has(&pg, "sep\\u2028line para\\u2029 rlo\\u202egpj.exe "
                       "iso\\u2066x\\u2069 esc\\x1b[31mred\\x1b[0m"));
    ck_assert(has(&pg, "bad\\xff\\xfe utf8 \\xc3 cut nul\\x00after "
                       "del\\x7f c1\\u009b end"));
    ck_assert(has(&pg, "evil&lt;proc&gt;&quot;x[666]"));
    ck_assert(has(&pg, "proc\\x1b]0;title\\x07[7]"));
    ck_assert(has(&pg, "<i>team_id=</i>&lt;b&gt;bold&lt;/b&gt;"
                       "&quot;&#39;&amp;</span>"));
    ck_assert(has(&pg, "Episode 2: Assessment of &lt;script&gt;"
                       "alert(&#39;t&#39;)&lt;/script&gt;.app"));
    ck_assert(has(&pg, "verdict &quot;onmouseover=alert(1) \\u202e "
                       "\\x1b[2J"));
    ck_assert(has(&pg, "hostile&lt;b&gt;&quot;rule&#39;"));
    ck_assert(has(&pg, "&quot;&gt;&lt;script&gt;alert(&#39;id&#39;)"));
    ck_assert(has(&pg, "<h1>&lt;/title&gt;&lt;script&gt;"));
    /* the SVG tooltips are escaped too */
    const char *svg = strstr(pg.p, "<svg");
    ck_assert(svg && strstr(svg, "Assessment of &lt;script&gt;"));
    free(pg.p);
}
END_TEST

START_TEST(test_no_urls_at_all)
{
    static struct world w;
    struct tl_render_opts o;
    world_init(&w);
    opts_init(&o);
    /* the same page without the hostile URL */
    struct tl_hit *hs[] = {w.e2[0], w.solo[2]};
    for (size_t i = 0; i < 2; i++)
        tl_event_set_str(&hs[i]->ev, TL_F_EVENT_MESSAGE, "plain", 5);
    struct page pg = render_world(&w, &o);
    check_page(&pg, true);
    free(pg.p);
}
END_TEST

START_TEST(test_min_level)
{
    static struct world w;
    struct tl_render_opts o;
    world_init(&w);
    opts_init(&o);
    o.min_level = TL_LEVEL_HIGH;
    struct page pg = render_world(&w, &o);
    check_page(&pg, false);
    /* episodes 1 (high) and 4 (critical); the two AMFI events */
    ck_assert_uint_eq(count(&pg, "<tbody class=\"ep "), 2);
    ck_assert(has(&pg, "id=\"ep-1\""));
    ck_assert(has(&pg, "id=\"ep-4\""));
    ck_assert(!has(&pg, "id=\"ep-2\""));
    ck_assert(!has(&pg, "id=\"ep-3\""));
    ck_assert_uint_eq(count(&pg, "<tbody class=\"hit\""), 2);
    ck_assert(!has(&pg, "XProtect remediator run finished"));
    ck_assert_uint_eq(count(&pg, "<rect class=\"bar "), 2);
    ck_assert_uint_eq(count(&pg, "<circle class=\"dot "), 2);
    ck_assert(has(&pg, "Showing level high and above; 5 lower-level events "
                       "and episodes left out."));
    free(pg.p);
}
END_TEST

START_TEST(test_live)
{
    static struct world w;
    struct tl_render_opts o;
    world_init(&w);
    opts_init(&o);
    o.live = true;
    struct renderer r;
    r_open(&r, &o);
    /* every hit at once, episode 0; episodes on close */
    for (size_t i = 0; i < w.f.n_hits; i++) {
        struct tl_hit cp = w.f.hits[i];
        cp.episode = 0;
        tl_render_html.hit(r.st, &cp);
    }
    for (size_t i = 0; i < 4; i++)
        tl_render_html.episode(r.st, &w.eps[i]);
    tl_render_html.summary(r.st, &w.sum);
    struct page pg = r_close(&r);
    check_page(&pg, false);
    ck_assert_uint_eq(count(&pg, "<tbody class=\"hit\""), w.f.n_hits);
    ck_assert_uint_eq(count(&pg, "<tbody class=\"ep "), 4);
    /* episode rows repeat their events, marked; not counted twice */
    ck_assert_uint_eq(count(&pg, "<tr class=\"ev in again\""), 16);
    ck_assert(has(&pg, "data-ep=\"1\" data-n=\"0\""));
    ck_assert(has(&pg, "its events are also listed above"));
    /* the claimed events became bars, the rest stay dots */
    ck_assert_uint_eq(count(&pg, "<rect class=\"bar "), 4);
    ck_assert_uint_eq(count(&pg, "<circle class=\"dot "), 5);
    ck_assert(has(&pg, "Live mode"));
    free(pg.p);
}
END_TEST

START_TEST(test_caps)
{
    struct tl_rule_info c = rule("burst", "Burst", TL_LEVEL_MEDIUM,
                                 TL_RULE_CORRELATION);
    struct tl_rule_info d = rule("ev", "Event", TL_LEVEL_LOW,
                                 TL_RULE_DETECTION);
    static struct fx f;
    memset(&f, 0, sizeof(f));
    char big[20000];
    memset(big, 'A', sizeof(big));
    memcpy(big + 3999, "\xc3\xa9", 2); /* a cut inside é moves back */
    struct tl_hit *h = hit_n(&f, &d, t_us(8, 0, 0, 0), "p", 1, big,
                             sizeof(big), 0);
    struct tl_render_opts o;
    opts_init(&o);
    struct renderer r;
    r_open(&r, &o);
    const unsigned n = 6000;
    for (unsigned i = 0; i < n; i++) {
        h->seq = i + 1;
        h->ev.time_us = t_us(8, 0, 0, 0) + (int64_t)i * 1000000;
        struct tl_hit *one = h;
        struct tl_episode ep = episode(i + 1, &c, TL_LEVEL_MEDIUM, &one, 1,
                                       "burst", NULL);
        tl_render_html.episode(r.st, &ep);
        h->episode = 0;
        h->seq = 100000 + i;
        tl_render_html.hit(r.st, h);
    }
    struct page pg = r_close(&r);  /* no summary: close finishes */
    check_structure(&pg);
    check_bytes(&pg);
    ck_assert_uint_eq(count(&pg, "<rect class=\"bar "), 5000);
    /* 5,000 events, one a second: dots close together merged */
    size_t dots = count(&pg, "<circle class=\"dot ");
    ck_assert_uint_gt(dots, 100);
    ck_assert_uint_lt(dots, 1000);
    char attr[64];
    snprintf(attr, sizeof(attr), "data-bars=\"5000\" data-dots=\"%zu\"", dots);
    ck_assert(has(&pg, attr));
    ck_assert(has(&pg, "more events close by)</title>"));
    ck_assert_uint_eq(count(&pg, "<tbody class=\"ep "), n);
    ck_assert_uint_eq(count(&pg, "<tbody class=\"hit\""), n);
    ck_assert(has(&pg, "The timeline shows the first 5,000 episodes and "
                       "5,000 standalone events; 1,000 more episodes and "
                       "1,000 more events are listed in the table only."));
    /* a long message is cut on a character boundary and marked */
    ck_assert(has(&pg, "AAAA\xe2\x80\xa6</div>"));
    ck_assert(!has(&pg, "\xc3\xa9"));
    ck_assert(!has(&pg, "id=\"summary\""));
    free(pg.p);
}
END_TEST

START_TEST(test_empty)
{
    struct tl_render_opts o;
    opts_init(&o);
    struct renderer r;
    r_open(&r, &o);
    struct tl_stats in;
    struct tl_timeline_stats ts;
    struct tl_summary s;
    memset(&in, 0, sizeof(in));
    memset(&ts, 0, sizeof(ts));
    memset(&s, 0, sizeof(s));
    s.input = &in;
    s.tl = &ts;
    tl_render_html.summary(r.st, &s);
    struct page pg = r_close(&r);
    check_page(&pg, true);
    ck_assert(has(&pg, "No matched events."));
    ck_assert(has(&pg, "No timed events to show."));
    ck_assert(has(&pg, "<title>trustline report</title>"));
    free(pg.p);
}
END_TEST

START_TEST(test_close_only)
{
    struct tl_render_opts o;
    opts_init(&o);
    struct renderer r;
    r_open(&r, &o);
    struct page pg = r_close(&r);
    check_structure(&pg);
    ck_assert(has(&pg, "No matched events."));
    free(pg.p);
}
END_TEST

/* The fixture for the browser check, when TL_HTML_OUT names a file
 * (TL_HTML_LIVE=1: rendered the way live mode feeds a renderer). */
static int write_fixture(const char *path, bool live)
{
    static struct world w;
    world_init(&w);
    struct tl_render_opts o;
    opts_init(&o);
    o.live = live;
    o.title = "Gatekeeper activity on MacBook-Pro-7 <test fixture>";
    FILE *fp = fopen(path, "w");
    if (!fp) {
        perror(path);
        return 1;
    }
    struct tl_out out;
    tl_out_init(&out, fileno(fp), 65536);
    const struct tl_render_ops *ops = &tl_render_html;
    void *st = ops->open(&out, &o);
    if (live) {
        for (size_t i = 0; i < w.f.n_hits; i++) {
            struct tl_hit cp = w.f.hits[i];
            cp.episode = 0;
            ops->hit(st, &cp);
        }
        for (size_t i = 0; i < 4; i++)
            ops->episode(st, &w.eps[i]);
    } else {
        ops->hit(st, w.solo[0]);
        ops->episode(st, &w.eps[0]);
        ops->hit(st, w.solo[1]);
        ops->episode(st, &w.eps[1]);
        ops->hit(st, w.solo[2]);
        ops->episode(st, &w.eps[2]);
        ops->hit(st, w.solo[3]);
        ops->episode(st, &w.eps[3]);
        ops->hit(st, w.solo[4]);
    }
    ops->summary(st, &w.sum);
    ops->close(st);
    bool ok = tl_out_flush(&out);
    tl_out_free(&out);
    if (fclose(fp) != 0 || !ok) {
        perror(path);
        return 1;
    }
    return 0;
}

static Suite *html_suite(void)
{
    Suite *s = suite_create("html");
    TCase *tc = tcase_create("page");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_structure_and_counts);
    tcase_add_test(tc, test_hostile_text);
    tcase_add_test(tc, test_no_urls_at_all);
    tcase_add_test(tc, test_min_level);
    tcase_add_test(tc, test_live);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_close_only);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *fx = getenv("TL_HTML_OUT");
    const char *live = getenv("TL_HTML_LIVE");
    if (fx && *fx &&
        write_fixture(fx, live && strcmp(live, "1") == 0) != 0)
        return EXIT_FAILURE;
    SRunner *sr = srunner_create(html_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
