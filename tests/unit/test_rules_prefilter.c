/*
 * test_rules_prefilter.c - required-literal covers, tl_ruleset_want(),
 * and the differential tests: over a generated corpus in every style and
 * a generated rule set, matching with and without the prefilter must
 * give identical results, a record the prefilter refuses must match no
 * rule, and every match must be admitted by the rule's `log` predicate
 * and by the combined predicate.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/rules.h"

#define HEAD                                                              \
    "title: R\nlevel: low\n"                                              \
    "logsource: {product: macos, service: unifiedlog}\n"

static struct tl_ruleset *load(const char *yaml)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "p.yml", yaml, strlen(yaml));
    if (tl_ruleset_finalize(rs)) {
        tl_ruleset_print_messages(rs, stderr, "test: ");
        ck_abort_msg("rules did not load");
    }
    return rs;
}

static char cbuf[2048];

/* The cover of a one-rule detection as "text: [a] [b] | json: [c]" with
 * "*" for an unbounded side. */
static const char *C(const char *detection)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, HEAD "detection:\n%s", detection);
    struct tl_ruleset *rs = load(yaml);
    const struct tl_rule_cover *c = tl_rule_cover(tl_ruleset_rule(rs, 0));
    size_t n = (size_t)snprintf(cbuf, sizeof cbuf, "text:");
    if (!c->bounded)
        n += (size_t)snprintf(cbuf + n, sizeof cbuf - n, " *");
    for (size_t i = 0; i < c->lits.n; i++)
        n += (size_t)snprintf(cbuf + n, sizeof cbuf - n, " [%s]",
                              c->lits.v[i]);
    n += (size_t)snprintf(cbuf + n, sizeof cbuf - n, " | json:");
    if (!c->json_bounded)
        n += (size_t)snprintf(cbuf + n, sizeof cbuf - n, " *");
    for (size_t i = 0; i < c->json_lits.n; i++)
        n += (size_t)snprintf(cbuf + n, sizeof cbuf - n, " [%s]",
                              c->json_lits.v[i]);
    tl_ruleset_free(rs);
    return cbuf;
}

#define SEL(x) "  sel:\n    " x "\n  condition: sel\n"

START_TEST(test_cover_items)
{
    ck_assert_str_eq(C(SEL("process: syspolicyd")),
                     "text: [syspolicyd] | json: [syspolicyd]");
    ck_assert_str_eq(C(SEL("process: SysPolicyD")),
                     "text: [syspolicyd] | json: [syspolicyd]");
    ck_assert_str_eq(C(SEL("eventMessage|contains: 'due to migration'")),
                     "text: [due to migration] | json: [due to migration]");
    ck_assert_str_eq(C(SEL("eventMessage|startswith: 'GK '")),
                     "text: [gk ] | json: [gk ]");
    ck_assert_str_eq(C(SEL("subsystem|endswith: .exec")),
                     "text: [.exec] | json: [.exec]");
    ck_assert_str_eq(C(SEL("process: [kernel, amfid]")),
                     "text: [kernel] [amfid] | json: [kernel] [amfid]");
    ck_assert_str_eq(C(SEL("eventMessage|contains|all: [ab, cdef]")),
                     "text: [cdef] | json: [cdef]");
    ck_assert_str_eq(C(SEL("eventMessage: 'Allowing*due to*'")),
                     "text: [allowing] | json: [allowing]");
    ck_assert_str_eq(C(SEL("eventMessage: 'a?b*longest part*x'")),
                     "text: [longest part] | json: [longest part]");
    /* JSON escapes '/', '"', '\\': the longest safe fragment */
    ck_assert_str_eq(C(SEL("processImagePath: /usr/libexec/syspolicyd")),
                     "text: [/usr/libexec/syspolicyd] | json: [syspolicyd]");
    ck_assert_str_eq(C(SEL("eventMessage|contains: 'say \"hello world\"'")),
                     "text: [say \"hello world\"] | json: [hello world]");
    ck_assert_str_eq(C(SEL("eventMessage|contains: 'caf\xc3\xa9 au lait'")),
                     "text: [caf\xc3\xa9 au lait] | json: [ au lait]");
    ck_assert_str_eq(C(SEL("eventMessage|contains: '/'")),
                     "text: [/] | json: *");
    /* fields whose text is not verbatim in the record give nothing */
    ck_assert_str_eq(C(SEL("messageType: Error")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("eventType: logEvent")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("processID: 412")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("processID|gt: 4")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("extra.foo: bar")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("sender|exists: true")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("sender: null")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("sender: '*'")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("sender: ''")), "text: * | json: *");
    ck_assert_str_eq(C(SEL("sender: [x, null]")), "text: * | json: *");
    /* keywords search the message */
    ck_assert_str_eq(C("  kw: [alpha, beta]\n  condition: kw\n"),
                     "text: [alpha] [beta] | json: [alpha] [beta]");
}
END_TEST

START_TEST(test_cover_tree)
{
    /* AND: the most selective item (longest shortest literal) */
    ck_assert_str_eq(C("  sel:\n    process: kernel\n"
                       "    eventMessage|contains: 'execute completely'\n"
                       "  condition: sel\n"),
                     "text: [execute completely] | json: [execute "
                     "completely]");
    /* AND with an unbounded item: the bounded one */
    ck_assert_str_eq(C("  sel:\n    processID: 1\n    sender: Security\n"
                       "  condition: sel\n"),
                     "text: [security] | json: [security]");
    /* JSON chooses on its own: the path item is poor in JSON */
    ck_assert_str_eq(C("  sel:\n    processImagePath: /usr/sbin/abc\n"
                       "    category: certificate\n"
                       "  condition: sel\n"),
                     "text: [/usr/sbin/abc] | json: [certificate]");
    /* list of maps: union */
    ck_assert_str_eq(C("  sel:\n    - process: kernel\n    - sender: amfi\n"
                       "  condition: sel\n"),
                     "text: [kernel] [amfi] | json: [kernel] [amfi]");
    ck_assert_str_eq(C("  sel:\n    - process: kernel\n    - processID: 1\n"
                       "  condition: sel\n"),
                     "text: * | json: *");
    /* conditions */
    ck_assert_str_eq(C("  a:\n    process: kernel\n  b:\n    process: amfid\n"
                       "  condition: a or b\n"),
                     "text: [kernel] [amfid] | json: [kernel] [amfid]");
    ck_assert_str_eq(C("  a:\n    process: kernel\n  b:\n    sender: amfi\n"
                       "  condition: a and not b\n"),
                     "text: [kernel] | json: [kernel]");
    ck_assert_str_eq(C("  a:\n    process: kernel\n"
                       "  condition: not a\n"),
                     "text: * | json: *");
    ck_assert_str_eq(C("  s1:\n    process: kernel\n  s2:\n    sender: amfi\n"
                       "  condition: 1 of s*\n"),
                     "text: [kernel] [amfi] | json: [kernel] [amfi]");
    ck_assert_str_eq(C("  s1:\n    process: kernel\n  s2:\n    sender: amfid\n"
                       "  condition: all of s*\n"),
                     "text: [kernel] | json: [kernel]");
    ck_assert_str_eq(C("  a:\n    process: kernel\n  b:\n    sender: amfi\n"
                       "  condition: [a, b]\n"),
                     "text: [kernel] [amfi] | json: [kernel] [amfi]");
}
END_TEST

START_TEST(test_want)
{
    const char *yaml =
        HEAD "id: 11111111-2222-3333-4444-555555555551\n"
             "detection: {s: {eventMessage|contains: 'due to migration'}, "
             "condition: s}\n"
             "---\n" HEAD "id: 11111111-2222-3333-4444-555555555552\n"
             "detection: {s: {processImagePath: /usr/libexec/amfid}, "
             "condition: s}\n";
    struct tl_ruleset *rs = load(yaml);
    ck_assert_uint_eq(tl_ruleset_unbounded(rs), 0);
    const char *t1 = "... syspolicyd: Allowing evaluation DUE TO migration";
    const char *t2 = "... syspolicyd: GK scan complete";
    ck_assert(tl_ruleset_want(rs, TL_STYLE_DEFAULT, t1, strlen(t1)));
    ck_assert(!tl_ruleset_want(rs, TL_STYLE_DEFAULT, t2, strlen(t2)));
    ck_assert(!tl_ruleset_want(rs, TL_STYLE_COMPACT, t2, strlen(t2)));
    /* JSON: the escaped path is found by its safe fragment */
    const char *j = "{\"processImagePath\":\"\\/usr\\/libexec\\/amfid\"}";
    ck_assert(tl_ruleset_want(rs, TL_STYLE_NDJSON, j, strlen(j)));
    ck_assert(!tl_ruleset_want(rs, TL_STYLE_DEFAULT, j, strlen(j)));
    ck_assert(tl_ruleset_want(rs, TL_STYLE_AUTO, j, strlen(j)));
    ck_assert(tl_ruleset_want_cb(rs, TL_STYLE_JSON, j, strlen(j)));
    struct tl_rules_counters c;
    tl_ruleset_counters(rs, &c);
    ck_assert_uint_eq(c.want_calls, 7);
    ck_assert_uint_eq(c.want_false, 3);
    /* off: always yes */
    tl_ruleset_set_prefilter(rs, false);
    ck_assert(tl_ruleset_want(rs, TL_STYLE_DEFAULT, t2, strlen(t2)));
    tl_ruleset_free(rs);

    /* one unbounded rule makes every record wanted */
    yaml = HEAD "detection: {s: {process: kernel}, condition: s}\n"
                "---\n" HEAD
                "detection: {s: {processID|lt: 10}, condition: s}\n";
    rs = load(yaml);
    ck_assert_uint_eq(tl_ruleset_unbounded(rs), 1);
    ck_assert(tl_ruleset_want(rs, TL_STYLE_DEFAULT, t2, strlen(t2)));
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_predicate_text)
{
    const char *yaml =
        HEAD "id: 11111111-2222-3333-4444-555555555551\n"
             "detection:\n"
             "  sel:\n"
             "    process: syspolicyd\n"
             "    eventMessage|startswith: 'Allowing \"x\" \\ y'\n"
             "  other:\n"
             "    - subsystem: com.apple.syspolicy\n"
             "    - subsystem: com.apple.syspolicy.exec\n"
             "  condition: sel or other\n"
             "---\n" HEAD "id: 11111111-2222-3333-4444-555555555552\n"
             "detection: {s: {sender|cased: AppleMobileFileIntegrity}, "
             "condition: s}\n";
    struct tl_ruleset *rs = load(yaml);
    char *p = tl_rule_predicate(tl_ruleset_rule(rs, 0));
    ck_assert_str_eq(p, "(process CONTAINS[c] \"syspolicyd\" AND eventMessage "
                        "CONTAINS[c] \"Allowing \\\"x\\\" \\\\ y\") OR "
                        "subsystem CONTAINS[c] \"com.apple.syspolicy\"");
    free(p);
    char *why = NULL;
    p = tl_rules_predicate(rs, &why);
    ck_assert_ptr_null(why);
    ck_assert_str_eq(p, "(process CONTAINS[c] \"syspolicyd\" AND eventMessage "
                        "CONTAINS[c] \"Allowing \\\"x\\\" \\\\ y\") OR "
                        "subsystem CONTAINS[c] \"com.apple.syspolicy\" OR "
                        "sender CONTAINS[c] \"AppleMobileFileIntegrity\"");
    free(p);
    tl_ruleset_free(rs);

    yaml = HEAD "id: 11111111-2222-3333-4444-555555555551\n"
                "detection: {s: {process: kernel}, condition: s}\n"
                "---\n" HEAD "id: 11111111-2222-3333-4444-555555555552\n"
                "detection: {s: {process: kernel}, condition: not s}\n";
    rs = load(yaml);
    p = tl_rules_predicate(rs, &why);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(why, "rule 11111111-2222-3333-4444-555555555552 (p.yml:7) "
                          "cannot be bounded by subsystem, process, sender or "
                          "message literals (it relies on 'not', numbers, "
                          "exists, null or other fields)");
    free(why);
    tl_ruleset_free(rs);

    /* the evaluator refuses what we never generate */
    struct tl_event ev;
    memset(&ev, 0, sizeof ev);
    tl_event_set_str(&ev, TL_F_PROCESS, "SysPolicyD", 10);
    ck_assert_int_eq(tl_rules_predicate_eval("process CONTAINS[c] \"policy\"",
                                             &ev), 1);
    ck_assert_int_eq(tl_rules_predicate_eval("process CONTAINS[c] \"x\" OR "
                                             "(sender CONTAINS[c] \"y\")",
                                             &ev), 0);
    ck_assert_int_eq(tl_rules_predicate_eval("process == \"x\"", &ev), -1);
    ck_assert_int_eq(tl_rules_predicate_eval("process CONTAINS[c] \"x",
                                             &ev), -1);
    ck_assert_int_eq(tl_rules_predicate_eval("(process CONTAINS[c] \"x\"",
                                             &ev), -1);
    ck_assert_int_eq(tl_rules_predicate_eval("nosuch CONTAINS[c] \"x\"",
                                             &ev), -1);
}
END_TEST

/* ---- the differential test ------------------------------------------------ */

static unsigned long rng = 12345;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng >> 33) % n);
}

static const char *const procs[] = {"syspolicyd", "kernel", "amfid",
                                    "trustd", "XprotectService",
                                    "SecurityImprovementsExtension"};
static const char *const senders[] = {NULL, "Security", "AppleMobileFileIntegrity",
                                      "libxpc.dylib", "AppleSystemPolicy"};
static const char *const subs[] = {NULL, "com.apple.syspolicy.exec:default",
                                   "com.apple.securityd:trust",
                                   "com.apple.syspolicy:ticket",
                                   "com.apple.xprotect:"};
static const char *const words[] = {
    "Allowing evaluation due to migration:", "PST: (path: 9f86d081884c7d65),",
    "(team: 6S5XH2M3N8)", "GK evaluateScanResult: 0,", "ticket not available:",
    "2/2/0123456789abcdef0123456789abcdef01234567", "cert[0]:",
    "TemporalValidity =(leaf)[]> 0", "Trust evaluate failure:",
    "[leaf TemporalValidity]", "AMFI:", "'/Users/me/tool' is adhoc signed.",
    "Attempt to execute completely unsigned code", "Error Domain=SUOSUErrorDomain",
    "Code=103", "\"Unable to remove\"", "<private>", "caf\xc3\xa9",
    "C:\\path\\x", "/usr/libexec/syspolicyd", "MIGRATION", "Prompt shown (1, 2)",
};

static const char *const field_names[] = {
    "process", "sender", "subsystem", "category", "eventMessage",
    "processImagePath", "composedMessage", "eventMessage", "eventMessage"};

static const char *const mods[] = {
    "", "|contains", "|startswith", "|endswith", "|contains|all", "|cased",
    "|contains|cased", "|re", "|re|i", "|exists", "|gt"};

/* A YAML single-quoted scalar. */
static void yq(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    out[n++] = '\'';
    for (; *s && n + 3 < cap; s++) {
        if (*s == '\'')
            out[n++] = '\'';
        out[n++] = *s;
    }
    out[n++] = '\'';
    out[n] = '\0';
}

/* A piece of a word: the rule literal. */
static void piece(char *out, size_t cap, bool regex)
{
    const char *w = words[rnd(TL_ARRAY_LEN(words))];
    size_t n = strlen(w);
    size_t a = rnd((unsigned)n / 2 + 1), b = n - rnd((unsigned)n / 3 + 1);
    if (b <= a)
        b = n;
    /* keep UTF-8 sequences whole */
    while (a > 0 && ((unsigned char)w[a] & 0xc0) == 0x80)
        a--;
    while (b < n && ((unsigned char)w[b] & 0xc0) == 0x80)
        b++;
    char tmp[256];
    size_t m = 0;
    for (size_t i = a; i < b && m + 3 < sizeof tmp; i++) {
        char c = w[i];
        if (regex && strchr("\\^$.|?*+()[]{}", c))
            tmp[m++] = '\\';
        else if (!regex && (c == '*' || c == '?'))
            tmp[m++] = '\\';
        tmp[m++] = c;
    }
    tmp[m] = '\0';
    if (!regex && rnd(5) == 0 && m > 2 &&
        !((unsigned char)tmp[m / 2] & 0x80) && tmp[m / 2 - 1] != '\\' &&
        !((unsigned char)tmp[m / 2 + 1] & 0x80)) {
        /* a wildcard in the middle */
        tmp[m / 2] = rnd(2) ? '*' : '?';
    }
    if (regex && rnd(3) == 0 && m + 4 < sizeof tmp)
        strcat(tmp, ".*x?");
    yq(out, cap, tmp);
}

static void gen_item(char *out, size_t cap)
{
    const char *f = field_names[rnd(TL_ARRAY_LEN(field_names))];
    const char *m = mods[rnd(TL_ARRAY_LEN(mods))];
    char v[1024];
    if (strcmp(m, "|exists") == 0) {
        snprintf(out, cap, "%s|exists: %s", f, rnd(2) ? "true" : "false");
        return;
    }
    if (strcmp(m, "|gt") == 0) {
        snprintf(out, cap, "processID|gt: %u", rnd(600));
        return;
    }
    if (rnd(8) == 0) {
        snprintf(out, cap, "%s: null", f);
        return;
    }
    bool re = strstr(m, "|re") != NULL;
    if (!re && strcmp(f, "process") == 0 && rnd(2)) {
        yq(v, sizeof v, procs[rnd(TL_ARRAY_LEN(procs))]);
    } else if (rnd(3) == 0) {
        char a[256], b[256];
        piece(a, sizeof a, re);
        piece(b, sizeof b, re);
        snprintf(v, sizeof v, "[%s, %s]", a, b);
    } else {
        piece(v, sizeof v, re);
    }
    snprintf(out, cap, "%s%s: %s", f, m, v);
}

static const char *const conds[] = {
    "sel", "sel and not filter", "1 of sel*", "all of sel*", "sel or filter",
    "sel2 and sel", "not filter and sel2", "1 of them"};

static char *gen_rules(unsigned n)
{
    size_t cap = (size_t)n * 2048 + 1024, len = 0;
    char *y = malloc(cap);
    y[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        len += (size_t)snprintf(y + len, cap - len,
                                "%stitle: gen %u\nid: %08x-0000-4000-8000-"
                                "000000000000\nlevel: low\n"
                                "logsource: {product: macos, service: "
                                "unifiedlog}\ndetection:\n",
                                i ? "---\n" : "", i, i);
        const char *sels[] = {"sel", "sel2", "filter"};
        for (int s = 0; s < 3; s++) {
            len += (size_t)snprintf(y + len, cap - len, "  %s:\n", sels[s]);
            unsigned groups = rnd(4) == 0 ? 2 : 1;
            for (unsigned g = 0; g < groups; g++) {
                unsigned items = 1 + rnd(3);
                char keys[3][128];
                for (unsigned k = 0; k < items; k++) {
                    char item[1200];
                    bool dup;
                    do {
                        gen_item(item, sizeof item);
                        size_t kl = (size_t)(strchr(item, ':') - item);
                        snprintf(keys[k], sizeof keys[k], "%.*s", (int)kl,
                                 item);
                        dup = false;
                        for (unsigned j = 0; j < k; j++)
                            if (strcmp(keys[j], keys[k]) == 0)
                                dup = true;
                    } while (dup);
                    const char *lead = groups > 1 ? (k == 0 ? "    - " : "      ")
                                                  : "    ";
                    len += (size_t)snprintf(y + len, cap - len, "%s%s\n",
                                            lead, item);
                }
            }
        }
        len += (size_t)snprintf(y + len, cap - len, "  condition: %s\n",
                                conds[rnd(TL_ARRAY_LEN(conds))]);
        if (rnd(3) == 0)
            len += (size_t)snprintf(y + len, cap - len,
                                    "extract: {eventMessage: "
                                    "'(?<w>[A-Za-z]+)'}\nsummary: '{w} "
                                    "{process}'\n");
    }
    return y;
}

/* JSON string escaping as `log` does it ('/' too). */
static size_t jesc(char *out, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == '/' || *s == '"' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s;
    }
    return n;
}

static void gen_line(char *out, size_t cap)
{
    const char *proc = procs[rnd(TL_ARRAY_LEN(procs))];
    const char *snd = senders[rnd(TL_ARRAY_LEN(senders))];
    const char *sub = subs[rnd(TL_ARRAY_LEN(subs))];
    char msg[1024] = "";
    unsigned nw = 1 + rnd(4);
    for (unsigned i = 0; i < nw; i++) {
        if (i)
            strcat(msg, " ");
        const char *w = words[rnd(TL_ARRAY_LEN(words))];
        if (rnd(4) == 0) {
            /* change the case of a copy */
            char t[256];
            size_t k = 0;
            for (; w[k] && k < 255; k++)
                t[k] = (char)(rnd(2) ? (w[k] >= 'a' && w[k] <= 'z'
                                            ? w[k] - 32 : w[k])
                                     : w[k]);
            t[k] = '\0';
            strcat(msg, t);
        } else {
            strcat(msg, w);
        }
    }
    unsigned style = rnd(4);
    char body[1536];
    size_t b = 0;
    if (style < 3) {
        if (snd)
            b += (size_t)snprintf(body + b, sizeof body - b, "(%s) ", snd);
        if (sub)
            b += (size_t)snprintf(body + b, sizeof body - b, "[%s] ", sub);
        snprintf(body + b, sizeof body - b, "%s", msg);
    }
    unsigned pid = rnd(600);
    switch (style) {
    case 0:
        snprintf(out, cap,
                 "2025-02-07 09:12:44.123456+0100 0x2b1c3    Default     0x0 "
                 "                 %-6u 0    %s: %s",
                 pid, proc, body);
        break;
    case 1:
        snprintf(out, cap, "2025-02-07 09:12:44.123 Df %s[%u:2b1c3] %s", proc,
                 pid, body);
        break;
    case 2:
        snprintf(out, cap, "2025-02-07 09:12:44.123456+0100  localhost %s[%u]: "
                           "%s",
                 proc, pid, body);
        break;
    default: {
        size_t n = 0;
        n += (size_t)snprintf(out + n, cap - n, "{\"processID\":%u,"
                                                "\"processImagePath\":\"",
                              pid);
        char path[256];
        snprintf(path, sizeof path, "/usr/libexec/%s", proc);
        n += jesc(out + n, path);
        if (snd) {
            n += (size_t)snprintf(out + n, cap - n, "\",\"senderImagePath\":"
                                                    "\"");
            snprintf(path, sizeof path, "/System/Library/%s", snd);
            n += jesc(out + n, path);
        }
        if (sub) {
            char s2[128];
            snprintf(s2, sizeof s2, "%s", sub);
            char *colon = strchr(s2, ':');
            *colon = '\0';
            n += (size_t)snprintf(out + n, cap - n,
                                  "\",\"subsystem\":\"%s\",\"category\":\"%s",
                                  s2, colon + 1);
        }
        n += (size_t)snprintf(out + n, cap - n, "\",\"eventMessage\":\"");
        n += jesc(out + n, msg);
        snprintf(out + n, cap - n, "\",\"messageType\":\"Default\"}");
    }
    }
}

struct record {
    char text[8192];
    size_t len;
    size_t n;
};

static void rec_match(void *ctx, const struct tl_match *m)
{
    struct record *r = ctx;
    r->n++;
    r->len += (size_t)snprintf(r->text + r->len, sizeof r->text - r->len,
                               "%zu:", m->info->index);
    for (size_t i = 0; i < m->n_fields && r->len < sizeof r->text; i++)
        r->len += (size_t)snprintf(r->text + r->len, sizeof r->text - r->len,
                                   "%s=%.*s,", m->fields[i].name,
                                   (int)m->fields[i].value.n,
                                   m->fields[i].value.p);
    if (m->summary.p && r->len < sizeof r->text)
        r->len += (size_t)snprintf(r->text + r->len, sizeof r->text - r->len,
                                   "[%.*s]", (int)m->summary.n, m->summary.p);
    if (r->len >= sizeof r->text)
        r->len = sizeof r->text - 1;
}

struct diff {
    struct tl_ruleset *rs;
    char *pred;           /* the combined predicate, or NULL */
    char **rule_pred;
    size_t events, matches, refused, json_events;
    const char *line;
};

struct pcheck {
    struct diff *d;
    const struct tl_event *ev;
};

static void check_pred(void *ctx, const struct tl_match *m)
{
    struct pcheck *p = ctx;
    const char *rp = p->d->rule_pred[m->info->index];
    if (rp)
        ck_assert_msg(tl_rules_predicate_eval(rp, p->ev) == 1,
                      "rule %zu's predicate excludes a match: %s\n%s",
                      m->info->index, rp, p->d->line);
    if (p->d->pred)
        ck_assert_msg(tl_rules_predicate_eval(p->d->pred, p->ev) == 1,
                      "the predicate excludes a match: %s", p->d->line);
    ck_assert_msg(tl_rule_cover_admits(m->rule, p->ev->style, p->ev->raw.p,
                                       p->ev->raw.n),
                  "the cover of rule %zu refuses a match: %s",
                  m->info->index, p->d->line);
}

static void diff_event(void *ctx, const struct tl_event *ev)
{
    struct diff *d = ctx;
    static struct record a, b;
    d->events++;
    if (ev->style == TL_STYLE_NDJSON)
        d->json_events++;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    tl_ruleset_set_prefilter(d->rs, true);
    bool want = tl_ruleset_want(d->rs, ev->style, ev->raw.p, ev->raw.n);
    tl_ruleset_match(d->rs, ev, rec_match, &a);
    tl_ruleset_set_prefilter(d->rs, false);
    struct pcheck pc = {d, ev};
    tl_ruleset_match(d->rs, ev, check_pred, &pc);
    tl_ruleset_match(d->rs, ev, rec_match, &b);
    ck_assert_msg(a.len == b.len && memcmp(a.text, b.text, a.len) == 0,
                  "prefilter changed the result for: %s\nwith: %s\nwithout: "
                  "%s", d->line, a.text, b.text);
    if (!want) {
        d->refused++;
        ck_assert_msg(b.n == 0, "want() refused a matching record: %s",
                      d->line);
    }
    d->matches += b.n;
}

static void differential(struct tl_ruleset *rs, unsigned n_lines,
                         struct diff *d)
{
    memset(d, 0, sizeof *d);
    d->rs = rs;
    char *why = NULL;
    d->pred = tl_rules_predicate(rs, &why);
    free(why);
    d->rule_pred = calloc(tl_ruleset_count(rs) + 1, sizeof *d->rule_pred);
    for (size_t i = 0; i < tl_ruleset_count(rs); i++) {
        d->rule_pred[i] = tl_rule_predicate(tl_ruleset_rule(rs, i));
        if (d->rule_pred[i]) {
            struct tl_event ev;
            memset(&ev, 0, sizeof ev);
            ck_assert_int_ne(tl_rules_predicate_eval(d->rule_pred[i], &ev),
                             -1);
        }
    }
    char line[4096];
    for (unsigned i = 0; i < n_lines; i++) {
        gen_line(line, sizeof line);
        d->line = line;
        size_t n = tl_rules_parse_line(line, strlen(line), "gen", diff_event,
                                       d);
        ck_assert_msg(n == 1, "generated line gave %zu events: %s", n, line);
    }
    for (size_t i = 0; i < tl_ruleset_count(rs); i++)
        free(d->rule_pred[i]);
    free(d->rule_pred);
    free(d->pred);
}

START_TEST(test_differential_generated)
{
    rng = 20250207;
    char *yaml = gen_rules(300);
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "gen.yml", yaml, strlen(yaml));
    if (tl_ruleset_finalize(rs)) {
        tl_ruleset_print_messages(rs, stderr, "gen: ");
        ck_abort_msg("generated rules did not load");
    }
    ck_assert_uint_eq(tl_ruleset_count(rs), 300);
    struct diff d;
    differential(rs, 3000, &d);
    /* the corpus is meaningful: matches, refusals and JSON all occur */
    ck_assert_uint_eq(d.events, 3000);
    ck_assert_uint_gt(d.matches, 500);
    ck_assert_uint_gt(d.json_events, 500);
    free(yaml);
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_differential_bounded)
{
    /* only bounded rules, so that want() says no often */
    rng = 777;
    char *yaml = malloc(1 << 20);
    size_t len = 0;
    for (unsigned i = 0; i < 15; i++) {
        char item[1200];
        for (;;) {
            gen_item(item, sizeof item);
            if (strstr(item, "exists") || strstr(item, "null") ||
                strstr(item, "|gt") || strstr(item, "|re") ||
                strchr(item, '[') || strchr(item, '*') || strchr(item, '?'))
                continue;
            /* a selective literal: at least 6 bytes between the quotes */
            const char *q = strchr(item, '\'');
            if (q && strlen(q) >= 8)
                break;
        }
        len += (size_t)snprintf(yaml + len, (1 << 20) - len,
                                "%s" HEAD "id: %08x-0000-4000-8000-"
                                "000000000000\ndetection:\n  sel:\n    %s\n"
                                "  condition: sel\n",
                                i ? "---\n" : "", i, item);
    }
    struct tl_ruleset *rs = load(yaml);
    ck_assert_uint_eq(tl_ruleset_unbounded(rs), 0);
    struct diff d;
    differential(rs, 2000, &d);
    ck_assert_uint_gt(d.refused, 100);
    ck_assert_uint_gt(d.matches, 100);
    free(yaml);
    tl_ruleset_free(rs);
}
END_TEST

/* ---- the search over whole chunks (tl_ruleset_pf_scan) ---------------- */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *b = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            b = realloc(b, cap);
        }
        size_t k = fread(b + len, 1, cap - len, f);
        if (k == 0)
            break;
        len += k;
    }
    fclose(f);
    *n = len;
    return b;
}

/* Cut text into chunks of varying size; in each, every line (and, as a
 * copy, every line crossing into the next chunk) must get the same
 * answer from the chunk's list as from searching the line itself.
 * Returns how many lines were answered from a list. */
static size_t chunk_differential(struct tl_ruleset *rs, enum tl_style style,
                                 const char *text, size_t n)
{
    struct tl_pf_chunk *c = tl_pf_chunk_new();
    size_t listed = 0, off = 0, k = 0;
    static const size_t sizes[] = {4096, 777, 65536, 100, 12345};
    while (off < n) {
        size_t len = sizes[k++ % TL_ARRAY_LEN(sizes)];
        if (len > n - off)
            len = n - off;
        char *buf = malloc(len); /* its own object, as in cli/input.c */
        memcpy(buf, text + off, len);
        tl_ruleset_pf_scan(rs, style, buf, len, c);
        bool has_list = tl_pf_chunk_listed(c) >= 0;
        for (size_t a = 0; a < len;) {
            const char *nl = memchr(buf + a, '\n', len - a);
            size_t e = nl ? (size_t)(nl - buf) : len;
            tl_ruleset_pf_use(rs, NULL);
            bool want = tl_ruleset_want(rs, style, buf + a, e - a);
            tl_ruleset_pf_use(rs, c);
            bool got = tl_ruleset_want(rs, style, buf + a, e - a);
            ck_assert_msg(got == want, "chunk answer differs for: %.*s",
                          (int)(e - a), buf + a);
            /* part of a line, and a copy: searched as before */
            if (e - a > 10) {
                got = tl_ruleset_want(rs, style, buf + a + 5, e - a - 10);
                tl_ruleset_pf_use(rs, NULL);
                want = tl_ruleset_want(rs, style, buf + a + 5, e - a - 10);
                ck_assert_int_eq(got, want);
                char *copy = malloc(e - a);
                memcpy(copy, buf + a, e - a);
                tl_ruleset_pf_use(rs, c);
                got = tl_ruleset_want(rs, style, copy, e - a);
                tl_ruleset_pf_use(rs, NULL);
                want = tl_ruleset_want(rs, style, copy, e - a);
                ck_assert_int_eq(got, want);
                free(copy);
            }
            listed += has_list;
            a = e + 1;
        }
        tl_ruleset_pf_use(rs, NULL);
        free(buf);
        off += len;
    }
    tl_pf_chunk_free(c);
    return listed;
}

START_TEST(test_chunk_scan_samples)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_path(rs, "rules/macos");
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 0);
    static const struct {
        const char *path;
        enum tl_style style;
    } in[] = {
        {"samples/busy-hour.log", TL_STYLE_DEFAULT},
        {"samples/busy-hour.compact.log", TL_STYLE_COMPACT},
        {"samples/busy-hour.syslog.log", TL_STYLE_SYSLOG},
        {"samples/busy-hour.ndjson", TL_STYLE_NDJSON},
        {"samples/expired-cert-migration.json", TL_STYLE_JSON},
        {"samples/busy-hour.log", TL_STYLE_AUTO},
    };
    for (size_t i = 0; i < TL_ARRAY_LEN(in); i++) {
        size_t n;
        char *text = slurp(in[i].path, &n);
        size_t listed = chunk_differential(rs, in[i].style, text, n);
        if (in[i].style != TL_STYLE_AUTO)
            ck_assert_msg(listed > 100, "%s: %zu lines from a list",
                          in[i].path, listed);
        free(text);
    }
    struct tl_rules_counters cn;
    tl_ruleset_counters(rs, &cn);
    ck_assert_uint_gt(cn.want_false, 1000);
    ck_assert_uint_lt(cn.want_false, cn.want_calls);
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_chunk_scan_overflow)
{
    /* "ab" at every other byte: more occurrences than a chunk lists, so
     * the chunk has no list and records are searched one by one */
    const char *yaml =
        HEAD "detection: {s: {eventMessage|contains: 'ab'}, condition: s}\n";
    struct tl_ruleset *rs = load(yaml);
    enum { N = 20000 };
    char *text = malloc(N);
    for (size_t i = 0; i < N; i++)
        text[i] = i % 101 == 100 ? '\n' : "ab"[i % 2];
    struct tl_pf_chunk *c = tl_pf_chunk_new();
    tl_ruleset_pf_scan(rs, TL_STYLE_DEFAULT, text, N, c);
    ck_assert_int_eq(tl_pf_chunk_listed(c), -1);
    tl_pf_chunk_free(c);
    chunk_differential(rs, TL_STYLE_DEFAULT, text, N);
    tl_ruleset_free(rs);
    /* a one-byte literal: never listed */
    rs = load(HEAD "detection: {s: {eventMessage|contains: 'q'}, "
                   "condition: s}\n");
    c = tl_pf_chunk_new();
    tl_ruleset_pf_scan(rs, TL_STYLE_DEFAULT, "a q b\n", 6, c);
    ck_assert_int_eq(tl_pf_chunk_listed(c), -1);
    tl_pf_chunk_free(c);
    tl_ruleset_free(rs);
    free(text);
}
END_TEST

START_TEST(test_golden_rules_tests)
{
    /* every test of the example rules passes, through the prefilter and
     * the predicate checks of tl_rule_run_tests() */
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_path(rs, "tests/golden/rules/good");
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 0);
    ck_assert_uint_gt(tl_ruleset_count(rs), 3);
    char *why = NULL;
    char *pred = tl_rules_predicate(rs, &why);
    ck_assert_ptr_nonnull(pred);
    for (size_t i = 0; i < tl_ruleset_count(rs); i++) {
        const struct tl_rule *r = tl_ruleset_rule(rs, i);
        if (tl_rule_info(r)->kind != TL_RULE_DETECTION)
            continue;
        unsigned n = 0;
        ck_assert_uint_eq(tl_rule_run_tests(rs, r, stderr, &n), 0);
        ck_assert_uint_gt(n, 0);
    }
    free(pred);
    tl_ruleset_free(rs);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules_prefilter");
    TCase *tc = tcase_create("prefilter");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_cover_items);
    tcase_add_test(tc, test_cover_tree);
    tcase_add_test(tc, test_want);
    tcase_add_test(tc, test_predicate_text);
    tcase_add_test(tc, test_differential_generated);
    tcase_add_test(tc, test_differential_bounded);
    tcase_add_test(tc, test_golden_rules_tests);
    tcase_add_test(tc, test_chunk_scan_samples);
    tcase_add_test(tc, test_chunk_scan_overflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
