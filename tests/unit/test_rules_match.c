/*
 * test_rules_match.c - the matcher: each modifier, wildcards and escapes,
 * selections, null/exists, numbers, keywords, extra JSON keys, regex
 * limits, extract and summary, the match callback.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/rules.h"
#include "../../util/diag.h"

/* A default-style line from its parts (sender/subsystem may be NULL),
 * in one of 8 rotating buffers. */
static char linebufs[8][4096];
static unsigned linebuf_i;

static const char *DL(const char *proc, const char *sender, const char *sub,
                      const char *msg)
{
    char body[3072];
    size_t n = (size_t)snprintf(body, sizeof body, "%s: ", proc);
    if (sender)
        n += (size_t)snprintf(body + n, sizeof body - n, "(%s) ", sender);
    if (sub)
        n += (size_t)snprintf(body + n, sizeof body - n, "[%s] ", sub);
    snprintf(body + n, sizeof body - n, "%s", msg);
    char *linebuf = linebufs[linebuf_i++ % 8];
    snprintf(linebuf, sizeof linebufs[0],
             "2025-02-07 09:12:44.123456+0100 0x2b1c3    Error       0x0      "
             "            412    0    %s",
             body);
    return linebuf;
}

#define GK DL("syspolicyd", NULL, "com.apple.syspolicy.exec:default", \
              "Allowing evaluation due to migration: PST: (path: "   \
              "9f86d081884c7d65), (team: 6S5XH2M3N8)")

struct result {
    size_t n;
    char ids[8][64];
    char fields[1024];
    char summary[1024];
};

static void on_match(void *ctx, const struct tl_match *m)
{
    struct result *r = ctx;
    if (r->n < 8)
        snprintf(r->ids[r->n], sizeof r->ids[0], "%s", m->info->title);
    r->n++;
    size_t len = strlen(r->fields);
    for (size_t i = 0; i < m->n_fields; i++)
        len += (size_t)snprintf(r->fields + len, sizeof r->fields - len,
                                "%s%s=%.*s", len ? " " : "", m->fields[i].name,
                                (int)m->fields[i].value.n,
                                m->fields[i].value.p);
    if (m->summary.p)
        snprintf(r->summary, sizeof r->summary, "%.*s", (int)m->summary.n,
                 m->summary.p);
}

struct evctx {
    struct tl_ruleset *rs;
    struct result *res;
};

static void on_event(void *ctx, const struct tl_event *ev)
{
    struct evctx *e = ctx;
    tl_ruleset_match(e->rs, ev, on_match, e->res);
}

static struct tl_ruleset *load(const char *yaml)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "m.yml", yaml, strlen(yaml));
    if (tl_ruleset_finalize(rs)) {
        tl_ruleset_print_messages(rs, stderr, "test: ");
        ck_abort_msg("rule did not load");
    }
    return rs;
}

static void run(struct tl_ruleset *rs, const char *line, struct result *res)
{
    memset(res, 0, sizeof *res);
    struct evctx e = {rs, res};
    size_t n = tl_rules_parse_line(line, strlen(line), "t", on_event, &e);
    ck_assert_msg(n == 1, "line gave %zu events: %s", n, line);
}

#define RULE_HEAD                                                         \
    "title: R\nlevel: low\nid: 11111111-2222-3333-4444-555555555555\n"    \
    "logsource: {product: macos, service: unifiedlog}\n"

/* Does a rule with this detection match the line? */
static bool M(const char *detection, const char *line)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, RULE_HEAD "detection:\n%s", detection);
    struct tl_ruleset *rs = load(yaml);
    struct result res;
    run(rs, line, &res);
    /* the prefilter must never change the answer */
    struct result res2;
    tl_ruleset_set_prefilter(rs, false);
    run(rs, line, &res2);
    ck_assert_uint_eq(res.n, res2.n);
    tl_ruleset_free(rs);
    return res.n == 1;
}

#define SEL(x) "  sel:\n    " x "\n  condition: sel\n"

START_TEST(test_equality)
{
    ck_assert(M(SEL("process: syspolicyd"), GK));
    ck_assert(M(SEL("process: SysPolicyD"), GK));     /* case-insensitive */
    ck_assert(!M(SEL("process: syspolicy"), GK));     /* whole value */
    ck_assert(!M(SEL("process|cased: SysPolicyD"), GK));
    ck_assert(M(SEL("process|cased: syspolicyd"), GK));
    ck_assert(M(SEL("subsystem: com.apple.syspolicy.exec"), GK));
    ck_assert(M(SEL("category: DEFAULT"), GK));
    ck_assert(M(SEL("messageType: error"), GK));
    ck_assert(M(SEL("logType: Error"), GK));          /* alias */
    ck_assert(M(SEL("eventType: logEvent"), GK));
    ck_assert(!M(SEL("sender: syspolicyd"), GK));     /* absent in text */
    ck_assert(M(SEL("process: ''"),
                DL("", NULL, NULL, "x")) == false);   /* no such line */
}
END_TEST

START_TEST(test_wildcards)
{
    ck_assert(M(SEL("process: sys*d"), GK));
    ck_assert(M(SEL("process: sys?olicyd"), GK));
    ck_assert(!M(SEL("process: sys?d"), GK));
    ck_assert(M(SEL("process: '*'"), GK));
    ck_assert(M(SEL("process: '*POLICY*'"), GK));
    ck_assert(M(SEL("eventMessage: 'Allowing*team: 6S5XH2M3N8)'"), GK));
    ck_assert(M(SEL("eventMessage: 'allowing*(path: \?\?\?\?\?\?\?\?\?\?\?\?\?\?\?\?)*'"),
                GK));
    /* escapes: \* \? \\ are literal; other backslashes stay */
    const char *star = DL("p", NULL, NULL, "a*b?c\\d C:\\Windows");
    ck_assert(M(SEL("eventMessage: 'a\\*b\\?c\\\\d C:\\Windows'"), star));
    ck_assert(!M(SEL("eventMessage: 'a\\*b\\?c\\\\d C:\\Windows'"),
                 DL("p", NULL, NULL, "axb?c\\d C:\\Windows")));
    ck_assert(M(SEL("eventMessage|contains: 'C:\\Windows'"), star));
    /* ? is one UTF-8 character */
    const char *cafe = DL("p", NULL, NULL, "caf\xc3\xa9");
    ck_assert(M(SEL("eventMessage: 'caf?'"), cafe));
    ck_assert(!M(SEL("eventMessage: 'caf?\?'"), cafe));
    /* ASCII-only case folding */
    ck_assert(!M(SEL("eventMessage: 'CAF\xc3\x89'"), cafe));
    ck_assert(M(SEL("eventMessage: 'CAF\xc3\xa9'"), cafe));
}
END_TEST

START_TEST(test_string_modifiers)
{
    ck_assert(M(SEL("eventMessage|contains: 'DUE TO MIGRATION'"), GK));
    ck_assert(!M(SEL("eventMessage|contains|cased: 'DUE TO MIGRATION'"), GK));
    ck_assert(M(SEL("eventMessage|startswith: 'allowing evaluation'"), GK));
    ck_assert(!M(SEL("eventMessage|startswith: 'evaluation'"), GK));
    ck_assert(M(SEL("eventMessage|endswith: '6s5xh2m3n8)'"), GK));
    ck_assert(!M(SEL("eventMessage|endswith: '6S5XH2M3N8'"), GK));
    ck_assert(M(SEL("eventMessage|contains: 'due*path'"), GK));
    ck_assert(M(SEL("eventMessage|startswith: 'Allow?ng'"), GK));
    ck_assert(M(SEL("eventMessage|endswith: '*N8)'"), GK));
    /* lists are OR; all makes them AND */
    ck_assert(M(SEL("eventMessage|contains: [nope, migration]"), GK));
    ck_assert(!M(SEL("eventMessage|contains|all: [nope, migration]"), GK));
    ck_assert(M(SEL("eventMessage|contains|all: [team, migration]"), GK));
    ck_assert(M(SEL("process: [kernel, syspolicyd]"), GK));
}
END_TEST

START_TEST(test_regex)
{
    ck_assert(M(SEL("eventMessage|re: 'path: [0-9a-f]{16}'"), GK));
    ck_assert(!M(SEL("eventMessage|re: 'PATH: [0-9a-f]{16}'"), GK));
    ck_assert(M(SEL("eventMessage|re|i: 'PATH: [0-9a-f]{16}'"), GK));
    ck_assert(!M(SEL("eventMessage|re: '^PST'"), GK));
    const char *multi = "2025-02-07 09:12:44.123456+0100 0x2b1c3    Error   "
                        "    0x0                  412    0    kernel: "
                        "first line\nsecond line";
    ck_assert(!M(SEL("eventMessage|re: '^second'"), multi));
    ck_assert(M(SEL("eventMessage|re|m: '^second'"), multi));
    ck_assert(!M(SEL("eventMessage|re: 'line.second'"), multi));
    ck_assert(M(SEL("eventMessage|re|s: 'line.second'"), multi));
    ck_assert(M(SEL("eventMessage|re|i|s: 'LINE.SECOND'"), multi));
    /* a regex on an integer field sees its decimal form */
    ck_assert(M(SEL("processID|re: '^41[0-9]$'"), GK));
    /* invalid UTF-8 in the subject is not an error */
    ck_assert(M(SEL("eventMessage|re: 'a.c'"),
                DL("p", NULL, NULL, "x\xff" "abc")));
}
END_TEST

START_TEST(test_exists_null)
{
    ck_assert(M(SEL("subsystem|exists: true"), GK));
    ck_assert(!M(SEL("subsystem|exists: false"), GK));
    ck_assert(M(SEL("sender|exists: false"), GK));
    ck_assert(M(SEL("sender: null"), GK));
    ck_assert(!M(SEL("process: null"), GK));
    ck_assert(M(SEL("sender: [null, Security]"), GK));
    ck_assert(M(SEL("sender: [null, Security]"),
                DL("p", "Security", NULL, "m")));
    ck_assert(!M(SEL("sender: [null, Security]"),
                 DL("p", "Other", NULL, "m")));
    /* an empty string is a value, not absence */
    const char *nd = "{\"eventMessage\":\"m\",\"subsystem\":\"\","
                     "\"processImagePath\":\"\\/usr\\/libexec\\/x\"}";
    ck_assert(M(SEL("subsystem: ''"), nd));
    ck_assert(!M(SEL("subsystem: null"), nd));
    ck_assert(M(SEL("subsystem|exists: true"), nd));
}
END_TEST

START_TEST(test_numbers)
{
    ck_assert(M(SEL("processID: 412"), GK));
    ck_assert(M(SEL("processID: '412'"), GK));
    ck_assert(M(SEL("processID: 0x19c"), GK));
    ck_assert(!M(SEL("processID: 41"), GK));
    ck_assert(M(SEL("processID: '4*'"), GK));
    ck_assert(M(SEL("processID: [1, 2, 412]"), GK));
    ck_assert(M(SEL("processIdentifier|gt: 400"), GK));
    ck_assert(!M(SEL("processID|gt: 412"), GK));
    ck_assert(M(SEL("processID|gte: 412"), GK));
    ck_assert(M(SEL("processID|lt: 412.5"), GK));
    ck_assert(!M(SEL("processID|lt: 412"), GK));
    ck_assert(M(SEL("processID|lte: 412"), GK));
    ck_assert(M(SEL("processID|gt: -1"), GK));
    ck_assert(M(SEL("threadID: 0x2b1c3"), GK));  /* hex as in the text */
    ck_assert(M(SEL("threadID: 176579"), GK));
    ck_assert(M(SEL("TTL: 0"), GK));
    /* numeric strings in string fields */
    const char *num = DL("p", NULL, NULL, "42");
    ck_assert(M(SEL("eventMessage|gt: 41"), num));
    ck_assert(M(SEL("eventMessage|lte: 42.0"), num));
    ck_assert(!M(SEL("eventMessage|gt: 41"), GK));  /* not a number */
    ck_assert(M(SEL("eventMessage: 42"), num));
    /* all of a list of bounds: a range */
    ck_assert(M("  a:\n    processID|gt: 400\n  b:\n    processID|lt: 500\n"
                "  condition: a and b\n",
                GK));
    /* 64-bit values compare exactly */
    const char *big = "{\"eventMessage\":\"m\",\"signpostID\":"
                      "14608112960288129006}";
    ck_assert(M(SEL("signpostID: 14608112960288129006"), big));
    ck_assert(!M(SEL("signpostID: 14608112960288129007"), big));
    ck_assert(M(SEL("signpostID|gt: 14608112960288129005"), big));
}
END_TEST

START_TEST(test_selections)
{
    /* map = AND */
    ck_assert(M("  sel:\n    process: syspolicyd\n"
                "    eventMessage|contains: migration\n"
                "  condition: sel\n",
                GK));
    ck_assert(!M("  sel:\n    process: syspolicyd\n"
                 "    eventMessage|contains: nope\n"
                 "  condition: sel\n",
                 GK));
    /* list of maps = OR */
    ck_assert(M("  sel:\n    - process: kernel\n"
                "    - eventMessage|contains: migration\n"
                "  condition: sel\n",
                GK));
    /* condition forms */
    ck_assert(M("  sel_a:\n    process: syspolicyd\n"
                "  sel_b:\n    process: kernel\n"
                "  filter:\n    category: nope\n"
                "  condition: 1 of sel_* and not filter\n",
                GK));
    ck_assert(!M("  sel_a:\n    process: syspolicyd\n"
                 "  sel_b:\n    process: kernel\n"
                 "  condition: all of sel_*\n",
                 GK));
    ck_assert(M("  sel_a:\n    process: syspolicyd\n"
                "  sel_b:\n    category: default\n"
                "  condition: all of them\n",
                GK));
    ck_assert(M("  a:\n    process: nope\n"
                "  b:\n    process: syspolicyd\n"
                "  condition: [a, b]\n",
                GK));
    /* keywords search eventMessage */
    ck_assert(M("  kw:\n    - nope\n    - MIGRATION\n  condition: kw\n", GK));
    ck_assert(M("  kw: 'due to'\n  condition: kw\n", GK));
    ck_assert(!M("  kw:\n    '|all': [migration, nope]\n  condition: kw\n",
                 GK));
    ck_assert(M("  kw:\n    '|all': [migration, team]\n  condition: kw\n",
                GK));
    ck_assert(!M("  kw:\n    - syspolicyd\n  condition: kw\n", GK));
    ck_assert(M("  kw:\n    '|re': 'due\\sto'\n  condition: kw\n", GK));
}
END_TEST

START_TEST(test_json_and_extra)
{
    const char *nd =
        "{\"timestamp\":\"2025-02-07 09:12:44.123456+0100\","
        "\"eventMessage\":\"a \\\"quoted\\\" \\/path\\n2nd\","
        "\"processImagePath\":\"\\/usr\\/libexec\\/syspolicyd\","
        "\"senderImagePath\":\"\\/System\\/Library\\/Security\","
        "\"processID\":412,\"customKey\":\"x\\/y\",\"nullKey\":null,"
        "\"source\":{\"line\":24},\"numKey\":17}";
    ck_assert(M(SEL("eventMessage|contains: 'a \"quoted\" /path'"), nd));
    ck_assert(M(SEL("eventMessage|endswith: \"/path\\n2nd\""), nd));
    ck_assert(M(SEL("process: syspolicyd"), nd));
    ck_assert(M(SEL("sender: Security"), nd));
    ck_assert(M(SEL("processImagePath|startswith: /usr/libexec/"), nd));
    ck_assert(M(SEL("extra.customKey: x/y"), nd));
    ck_assert(M(SEL("extra.nullKey: null"), nd));
    ck_assert(M(SEL("extra.missing|exists: false"), nd));
    ck_assert(M(SEL("extra.numKey|gte: 17"), nd));
    ck_assert(M(SEL("source|contains: '\"line\":24'"), nd));
    ck_assert(M(SEL("timestamp|startswith: '2025-02-07 09:12'"), nd));
    /* the text styles have a timestamp too */
    ck_assert(M(SEL("timestamp|startswith: '2025-02-07 09:12:44'"), GK));
    ck_assert(M(SEL("date|endswith: '+0100'"), GK));
}
END_TEST

START_TEST(test_limits)
{
    const char *yaml = RULE_HEAD
        "detection:\n"
        "  sel:\n    eventMessage|re: '^(a|aa)+$'\n"
        "  condition: sel\n";
    struct tl_ruleset *rs = load(yaml);
    struct tl_rules_limits l;
    tl_rules_limits_init(&l);
    ck_assert_uint_eq(l.match_limit, TL_RULES_DEFAULT_MATCH_LIMIT);
    ck_assert_uint_eq(l.depth_limit, TL_RULES_DEFAULT_DEPTH_LIMIT);
    l.match_limit = 1000;
    tl_ruleset_set_limits(rs, &l);
    char msg[256];
    memset(msg, 'a', 60);
    strcpy(msg + 60, "b");
    tl_diag_set_quiet(1);
    uint64_t before = tl_diag_count(TL_DIAG_WARNING);
    struct result res;
    char line[512];
    snprintf(line, sizeof line, "%s", DL("p", NULL, NULL, msg));
    run(rs, line, &res);
    ck_assert_uint_eq(res.n, 0);
    run(rs, line, &res);
    ck_assert_uint_eq(res.n, 0);
    /* reported once for the rule, counted each time */
    ck_assert_uint_eq(tl_diag_count(TL_DIAG_WARNING) - before, 1);
    struct tl_rules_counters c;
    tl_ruleset_counters(rs, &c);
    ck_assert_uint_eq(c.limit_hits, 2);
    ck_assert_uint_eq(tl_rule_limit_hits(tl_ruleset_rule(rs, 0)), 2);
    /* matching goes on: a short subject still matches */
    run(rs, DL("p", NULL, NULL, "aaaa"), &res);
    ck_assert_uint_eq(res.n, 1);
    tl_diag_set_quiet(0);
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_extract_summary)
{
    const char *yaml =
        RULE_HEAD
        "detection:\n  sel:\n    process: syspolicyd\n  condition: sel\n"
        "extract:\n"
        "  eventMessage:\n"
        "    - 'path: (?<path_hash>[0-9a-f]{16})'\n"
        "    - 'team: (?<team_id>[A-Z0-9]{10})'\n"
        "    - '(?<team_id>[A-Z]+)'\n"
        "    - 'cdhash (?<cdhash>[0-9a-f]{40})'\n"
        "  process|i: '(?<proc_upper>SYSPOLICYD)'\n"
        "summary: 'Allowed {team_id} app {path_hash} ({cdhash}) by {process}"
        " pid {processID} {{literal}}'\n";
    struct tl_ruleset *rs = load(yaml);
    struct result res;
    run(rs, GK, &res);
    ck_assert_uint_eq(res.n, 1);
    ck_assert_str_eq(res.fields, "path_hash=9f86d081884c7d65 "
                                 "team_id=6S5XH2M3N8 proc_upper=syspolicyd");
    ck_assert_str_eq(res.summary, "Allowed 6S5XH2M3N8 app 9f86d081884c7d65 "
                                  "(-) by syspolicyd pid 412 {literal}");
    struct tl_strlist names = tl_rule_extract_names(tl_ruleset_rule(rs, 0));
    ck_assert_uint_eq(names.n, 4);
    ck_assert_str_eq(names.v[3], "proc_upper");
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_callback_and_order)
{
    const char *yaml =
        "title: first\nname: first\nid: 11111111-2222-3333-4444-555555555551\n"
        "level: high\n"
        "logsource: {product: macos, service: unifiedlog}\n"
        "detection: {s: {process: syspolicyd}, condition: s}\n"
        "---\n"
        "title: never\nid: 11111111-2222-3333-4444-555555555552\nlevel: low\n"
        "logsource: {product: macos, service: unifiedlog}\n"
        "detection: {s: {process: kernel}, condition: s}\n"
        "---\n"
        "title: third\nname: third\nid: 11111111-2222-3333-4444-555555555553\n"
        "level: low\n"
        "logsource: {product: macos, service: unifiedlog}\n"
        "detection: {s: {process|exists: true}, condition: s}\n"
        "---\n"
        "title: corr\nid: 11111111-2222-3333-4444-555555555554\n"
        "correlation: {type: temporal, rules: [first, third], timespan: 1m}\n";
    struct tl_ruleset *rs = load(yaml);
    ck_assert_uint_eq(tl_ruleset_count(rs), 4);
    struct result res;
    run(rs, GK, &res);
    ck_assert_uint_eq(res.n, 2);
    ck_assert_str_eq(res.ids[0], "first");
    ck_assert_str_eq(res.ids[1], "third");
    struct tl_rules_counters c;
    tl_ruleset_counters(rs, &c);
    ck_assert_uint_eq(c.events, 1);
    ck_assert_uint_eq(c.matches, 2);
    /* the prefilter skipped "never": only 2 evaluations */
    ck_assert_uint_eq(c.evaluated, 2);
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_event_value)
{
    struct tl_event ev;
    memset(&ev, 0, sizeof ev);
    char buf[64];
    struct tl_str v;
    ck_assert(!tl_rules_event_value(&ev, TL_F_PROCESS, buf, sizeof buf, &v));
    tl_event_set_num(&ev, TL_F_PROCESS_ID, 99);
    ck_assert(tl_rules_event_value(&ev, TL_F_PROCESS_ID, buf, sizeof buf, &v));
    ck_assert_uint_eq(v.n, 2);
    ck_assert(memcmp(v.p, "99", 2) == 0);
    tl_event_set_str(&ev, TL_F_SENDER, "Security", 8);
    ck_assert(tl_rules_event_value(&ev, TL_F_SENDER, buf, sizeof buf, &v));
    ck_assert_uint_eq(v.n, 8);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules_match");
    TCase *tc = tcase_create("match");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_equality);
    tcase_add_test(tc, test_wildcards);
    tcase_add_test(tc, test_string_modifiers);
    tcase_add_test(tc, test_regex);
    tcase_add_test(tc, test_exists_null);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_selections);
    tcase_add_test(tc, test_json_and_extra);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_extract_summary);
    tcase_add_test(tc, test_callback_and_order);
    tcase_add_test(tc, test_event_value);
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
