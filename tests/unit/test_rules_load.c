/*
 * test_rules_load.c - the rule loader: every lint message, with its
 * line and column; limits; multi-document files and directories.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../rules/rules.h"

static char out[16384];

static void render(const struct tl_ruleset *rs)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < tl_ruleset_msg_count(rs); i++) {
        const struct tl_rules_msg *m = tl_ruleset_msg(rs, i);
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%u:%u: %s: %s",
                                len ? "\n" : "", m->line, m->col,
                                m->level == TL_RULES_ERROR ? "error"
                                                           : "warning",
                                m->text);
        if (len >= sizeof out)
            break;
    }
}

/* Lint one text; returns the messages as "line:col: level: text" lines.
 * *n_rules gets the number of rules that loaded. */
static const char *lint_n(const char *text, size_t *n_rules)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "t.yml", text, strlen(text));
    tl_ruleset_finalize(rs);
    render(rs);
    if (n_rules)
        *n_rules = tl_ruleset_count(rs);
    tl_ruleset_free(rs);
    return out;
}

static const char *lint(const char *text)
{
    return lint_n(text, NULL);
}

#define HEAD                                                              \
    "title: T\n"                                                          \
    "id: 11111111-2222-3333-4444-555555555555\n"                          \
    "logsource: {product: macos, service: unifiedlog}\n"                  \
    "level: low\n"

/* A rule whose detection is given; the detection starts on line 5. */
#define RULE(det) HEAD "detection:\n" det

START_TEST(test_clean)
{
    size_t n;
    ck_assert_str_eq(lint_n(RULE("  sel:\n    process: syspolicyd\n"
                                 "  condition: sel\n"),
                            &n),
                     "");
    ck_assert_uint_eq(n, 1);
}
END_TEST

START_TEST(test_yaml_syntax)
{
    ck_assert_str_eq(lint("title: [a, b\nid: x\n"),
                     "2:3: error: YAML syntax error: did not find expected "
                     "',' or ']' while parsing a flow sequence (line 1)");
    ck_assert_str_eq(lint("title: a\n  bad: indent\n"),
                     "2:6: error: YAML syntax error: mapping values are not "
                     "allowed in this context");
    ck_assert_str_eq(lint("title: \"unterminated\n"),
                     "2:1: error: YAML syntax error: found unexpected end of "
                     "stream while scanning a quoted scalar (line 1)");
    ck_assert_str_eq(lint("title: a\tb\n\x80\n"),
                     "2:1: error: YAML error: invalid leading UTF-8 octet "
                     "(byte 0x80)");
}
END_TEST

START_TEST(test_top_keys)
{
    ck_assert_str_eq(
        lint(RULE("  sel:\n    process: x\n  condition: sel\n"
                  "descripton: typo\nfoo: bar\n")),
        "9:1: error: unknown key 'descripton' (did you mean 'description'?)\n"
        "10:1: error: unknown key 'foo'");
    ck_assert_str_eq(
        lint("id: 11111111-2222-3333-4444-555555555555\nlevel: low\n"),
        "1:1: error: missing required key 'title'\n"
        "1:1: error: missing required key 'logsource' (product: macos, "
        "service: unifiedlog)\n"
        "1:1: error: missing required key 'detection'");
    ck_assert_str_eq(lint("title: [a]\n" "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: low\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "1:8: error: 'title' must be a string, found a list");
    ck_assert_str_eq(lint("title:\n" "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: low\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "1:7: error: 'title' must not be empty");
    ck_assert_str_eq(lint("- a\n- b\n"),
                     "1:1: error: a rule must be a YAML map of keys (title, "
                     "detection, ...), found a list");
    ck_assert_str_eq(lint("title: T\ntitle: U\n"
                          "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: low\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "2:1: error: duplicate key 'title' (first at line 1)");
}
END_TEST

START_TEST(test_metadata)
{
    ck_assert_str_eq(lint("title: T\nid: 1234\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: low\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "2:5: error: invalid UUID '1234' for 'id' (expected "
                     "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    ck_assert_str_eq(lint(HEAD "status: stabel\ndate: 2024/01/02\n"
                               "modified: yesterday\n"
                               "tags: [attack.t1553, Bad Tag]\n"
                               "detection: {s: {process: x}, condition: s}\n"),
                     "5:9: error: invalid status 'stabel' (did you mean "
                     "'stable'?)\n"
                     "6:7: warning: 'date' uses YYYY/MM/DD: write "
                     "YYYY-MM-DD\n"
                     "7:11: error: invalid modified 'yesterday' (expected "
                     "YYYY-MM-DD)\n"
                     "8:22: warning: tag 'Bad Tag' should hold only "
                     "lower-case letters, digits, '_', '-' and '.'");
    ck_assert_str_eq(lint("title: T\n"
                          "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: hgh\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "4:8: error: invalid level 'hgh' (did you mean "
                     "'high'?)");
    ck_assert_str_eq(lint("title: T\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "1:1: warning: no 'level' given: medium assumed\n"
                     "1:1: warning: no 'id': give the rule a UUID so that "
                     "its matches can be traced");
    ck_assert_str_eq(lint("title: T\n"
                          "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: windows, service: security, "
                          "categry: x}\n"
                          "level: low\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "3:22: error: logsource: product 'windows' is not "
                     "'macos' (trustline reads the macOS unified log)\n"
                     "3:40: error: logsource: service 'security' is not "
                     "'unifiedlog'\n"
                     "3:50: error: logsource: unknown key 'categry' (did "
                     "you mean 'category'?)");
    ck_assert_str_eq(lint(HEAD "references: https://x\n"
                               "related: [{id: 1, type: derived}]\n"
                               "detection: {s: {process: x}, condition: s}\n"),
                     "5:13: error: 'references' must be a list of strings, "
                     "found a string\n"
                     "6:16: error: related: 'id' must be a UUID");
}
END_TEST

START_TEST(test_fields_and_modifiers)
{
    ck_assert_str_eq(
        lint(RULE("  sel:\n"
                  "    eventMesage: x\n"
                  "    Process: y\n"
                  "    frobnicate: z\n"
                  "  condition: sel\n")),
        "7:5: error: unknown field 'eventMesage' (did you mean "
        "'eventMessage'?)\n"
        "8:5: error: unknown field 'Process' (did you mean 'process'?)\n"
        "9:5: error: unknown field 'frobnicate' (see rules/README.md for the "
        "field names; other JSON keys: 'extra.KEY')");
    /* aliases and extra keys are fine */
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    composedMessage: x\n"
                               "    processIdentifier: 1\n"
                               "    logType: error\n"
                               "    extra.somethingNew: y\n"
                               "    backtrace|exists: true\n"
                               "  condition: sel\n")),
                     "");
    ck_assert_str_eq(
        lint(RULE("  sel:\n"
                  "    process|contain: a\n"
                  "    sender|base64: b\n"
                  "    category|windash: c\n"
                  "    subsystem|cidr: d\n"
                  "    eventMessage|expand: e\n"
                  "    formatString|fieldref: f\n"
                  "    processID|neq: 1\n"
                  "  condition: sel\n")),
        "7:13: error: unknown modifier 'contain' (did you mean 'contains'?)\n"
        "8:12: error: unsupported Sigma modifier 'base64'\n"
        "9:14: error: unsupported Sigma modifier 'windash'\n"
        "10:15: error: unsupported Sigma modifier 'cidr'\n"
        "11:18: error: unsupported Sigma modifier 'expand'\n"
        "12:18: error: unsupported Sigma modifier 'fieldref'\n"
        "13:15: error: unsupported Sigma modifier 'neq'");
    ck_assert_str_eq(
        lint(RULE("  sel:\n"
                  "    process|i: a\n"
                  "    sender|contains|re: b\n"
                  "    category|contains|contains: c\n"
                  "    subsystem|: d\n"
                  "    processID|gt|cased: 3\n"
                  "  condition: sel\n")),
        "7:13: error: modifier 'i' is only valid after 're'\n"
        "8:21: error: modifiers 'contains' and 're' cannot be combined\n"
        "9:23: error: modifier 'contains' given twice\n"
        "10:15: error: empty modifier (a stray '|')\n"
        "11:18: error: 'cased' cannot be combined with 'gt'");
    ck_assert_str_eq(
        lint(RULE("  sel:\n"
                  "    process|exists: yes\n"
                  "    sender|gt: many\n"
                  "    category|contains: null\n"
                  "    subsystem: {a: b}\n"
                  "    eventMessage: []\n"
                  "    formatString: [[a]]\n"
                  "    processID|exists|all: [true]\n"
                  "    '|gt': 5\n"
                  "  condition: sel\n")),
        "7:21: error: 'exists' needs true or false, found 'yes'\n"
        "8:16: error: 'gt' needs a number, found 'many'\n"
        "9:24: error: null (field absent) cannot be combined with "
        "'contains'\n"
        "10:16: error: the value of 'subsystem' must be a value or a list of "
        "values, found a map\n"
        "11:19: error: empty list of values for 'eventMessage'\n"
        "12:20: error: the values of 'formatString' must be strings, "
        "numbers, booleans or null, found a list\n"
        "13:5: error: 'exists' cannot be combined with 'all'\n"
        "14:5: error: 'gt' needs a field name before it");
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    process|all: a\n"
                               "    sender|cased|re: b\n"
                               "  condition: sel\n")),
                     "7:5: warning: 'all' with a single value has no effect\n"
                     "8:5: warning: 'cased' has no effect with 're' (regular "
                     "expressions are case-sensitive; use 're|i')");
}
END_TEST

START_TEST(test_regex_positions)
{
    /* the column points into the pattern, through quotes and escapes */
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    eventMessage|re: ab(c\n"
                               "  condition: sel\n")),
                     "7:26: error: invalid regular expression: missing "
                     "closing parenthesis (at offset 4 of the pattern)");
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    eventMessage|re: 'it''s(x'\n"
                               "  condition: sel\n")),
                     "7:30: error: invalid regular expression: missing "
                     "closing parenthesis (at offset 6 of the pattern)");
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    eventMessage|re: \"\\\\d+[\"\n"
                               "  condition: sel\n")),
                     "7:28: error: invalid regular expression: missing "
                     "terminating ] for character class (at offset 4 of the "
                     "pattern)");
    ck_assert_str_eq(lint(RULE("  sel:\n"
                               "    eventMessage|re: 'x{2,1}'\n"
                               "  condition: sel\n")),
                     "7:28: error: invalid regular expression: numbers out "
                     "of order in {} quantifier (at offset 5 of the "
                     "pattern)");
}
END_TEST

START_TEST(test_conditions)
{
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  condition: sel and (other\n")),
                     "8:22: error: condition: unbalanced parentheses: this "
                     "'(' is never closed");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  condition: 'sel and nope or sel_*'\n")),
                     "8:31: error: condition: the pattern 'sel_*' needs '1 "
                     "of' or 'all of' before it");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  unused:\n    process: y\n"
                               "  condition: sel and not nope\n")),
                     "8:3: warning: selection 'unused' is not used by the "
                     "condition\n"
                     "10:26: error: condition: undefined selection 'nope'");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  unused:\n    process: y\n"
                               "  condition: sel\n")),
                     "8:3: warning: selection 'unused' is not used by the "
                     "condition");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  condition: sel | count() > 5\n"
                               "  timeframe: 5m\n")),
                     "8:18: error: condition: aggregation expressions ('| "
                     "count() ...') are not supported: use a correlation "
                     "rule\n"
                     "9:3: error: 'timeframe' is not supported (Sigma 1 "
                     "aggregation): use a correlation rule with 'timespan'");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  condition: sel near sel\n")),
                     "8:18: error: condition: 'near' is not supported (Sigma "
                     "1 aggregation): use a correlation rule");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n")),
                     "6:3: error: 'detection' has no 'condition'");
    ck_assert_str_eq(lint(RULE("  condition: sel\n")),
                     "6:3: error: 'detection' has no selections");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n"
                               "  condition: [sel, 1 of nothing*]\n")),
                     "8:20: error: condition: the pattern 'nothing*' matches "
                     "no selection");
    ck_assert_str_eq(lint(RULE("  and:\n    process: x\n"
                               "  sel x:\n    process: x\n"
                               "  'process|contains': x\n"
                               "  sel:\n"
                               "  condition: sel\n")),
                     "6:3: error: selection name 'and' is a condition "
                     "keyword or a number\n"
                     "8:3: error: selection name 'sel x' may only hold "
                     "letters, digits, '_', '.' and '-'\n"
                     "10:3: error: 'process|contains' looks like a field, but "
                     "it is directly under 'detection': put it in a "
                     "selection\n"
                     "11:3: error: selection 'sel' is empty");
}
END_TEST

START_TEST(test_selection_shapes)
{
    ck_assert_str_eq(lint(RULE("  sel:\n    - a\n    - {process: x}\n"
                               "  condition: sel\n")),
                     "7:5: error: selection 'sel' mixes maps and plain "
                     "values: use two selections");
    ck_assert_str_eq(lint(RULE("  sel: {}\n  condition: sel\n")),
                     "6:8: error: empty map in a selection");
    ck_assert_str_eq(lint(RULE("  sel:\n    - [a]\n  condition: sel\n")),
                     "7:7: error: a list inside a selection list is not "
                     "allowed");
    /* keywords: a list, a single value, '|all' */
    ck_assert_str_eq(lint(RULE("  kw:\n    - a\n    - b\n"
                               "  one: c\n"
                               "  both:\n    '|all': [d, e]\n"
                               "  condition: kw or one or both\n")),
                     "");
}
END_TEST

START_TEST(test_yaml_safety)
{
    ck_assert_str_eq(lint(RULE("  sel: &a\n    process: x\n"
                               "  other: *a\n"
                               "  condition: sel or other\n")),
                     "6:8: error: YAML anchor '&a' is not allowed (anchors "
                     "and aliases are rejected)\n"
                     "8:10: error: YAML alias '*a' is not allowed (anchors "
                     "and aliases are rejected)");
    /* a billion laughs never expands: rejected at the first anchor */
    const char *laughs =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    const char *m = lint(laughs);
    ck_assert_ptr_nonnull(strstr(m, "1:4: error: YAML anchor '&a' is not "
                                    "allowed"));
    ck_assert_ptr_nonnull(strstr(m, "9:8: error: YAML alias '*h' is not "
                                    "allowed"));
    /* tags */
    ck_assert_str_eq(lint(RULE("  sel:\n    process: !!binary eA==\n"
                               "    sender: !!str 123\n"
                               "  condition: sel\n")),
                     "7:14: error: YAML tag 'tag:yaml.org,2002:binary' is "
                     "not supported");
}
END_TEST

START_TEST(test_limits)
{
    /* nesting deeper than the cap */
    char *deep = malloc(4096);
    size_t n = 0;
    n += (size_t)sprintf(deep + n, "title: ");
    for (unsigned i = 0; i < TL_RULES_MAX_DEPTH + 5; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    /* the root map is the first level */
    ck_assert_str_eq(lint(deep), "1:39: error: YAML nested deeper than 32 "
                                 "levels");
    free(deep);
    /* a scalar longer than the cap */
    size_t big = TL_RULES_MAX_SCALAR + 10;
    char *s = malloc(big + 512);
    const char *head = HEAD "detection: {s: {process: x}, condition: s}\n"
                            "description: ";
    size_t hl = strlen(head);
    memcpy(s, head, hl);
    memset(s + hl, 'x', big);
    strcpy(s + hl + big, "\n");
    ck_assert_str_eq(lint(s), "6:14: error: scalar longer than 65536 bytes");
    free(s);
    /* too many nodes in one document */
    size_t cnt = TL_RULES_MAX_NODES + 10;
    char *w = malloc(cnt * 2 + 64);
    n = (size_t)sprintf(w, "title: [");
    for (size_t i = 0; i < cnt; i++) {
        w[n++] = '1';
        w[n++] = ',';
    }
    strcpy(w + n, "1]\n");
    const char *m = lint(w);
    ck_assert_ptr_nonnull(strstr(m, "error: document has more than 100000 "
                                    "YAML nodes"));
    free(w);
}
END_TEST

START_TEST(test_extract_summary)
{
    ck_assert_str_eq(
        lint(RULE("  sel:\n    process: x\n  condition: sel\n"
                  "extract:\n"
                  "  eventMessage: 'no groups here'\n"
                  "  eventMesage: '(?<a>x)'\n"
                  "  sender|q: '(?<b>x)'\n"
                  "  process: ['(?<team_id>\\w+)', '(?<pid>\\d+']\n"
                  "  subsystem: '(?<process>x)'\n"
                  "summary: 'Team {team_id} {proces} {} {path_hash'\n")),
        "10:17: error: extract: the pattern has no named group such as "
        "(?<team_id>...)\n"
        "11:3: error: unknown field 'eventMesage' (did you mean "
        "'eventMessage'?)\n"
        "12:10: error: extract: unknown modifier 'q' (only i, m and s)\n"
        "13:43: error: invalid regular expression: missing closing "
        "parenthesis (at offset 10 of the pattern)\n"
        "14:14: warning: extract: the group name 'process' hides the event "
        "field of that name in summaries\n"
        "15:26: error: unknown summary placeholder 'proces' (did you mean "
        "'process'?)\n"
        "15:35: error: summary: empty placeholder '{}'\n"
        "15:38: error: summary: unclosed '{' (write '{{' for a literal "
        "brace)");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n  condition: sel\n"
                               "summary: 'a }} {{b}} {x}} c'\n")),
                     "9:22: error: unknown summary placeholder 'x' (see "
                     "rules/README.md for the field names; other JSON keys: "
                     "'extra.KEY')\n"
                     "9:25: error: summary: unmatched '}' (write '}}' for a "
                     "literal brace)");
}
END_TEST

START_TEST(test_tests_key)
{
    ck_assert_str_eq(
        lint(RULE("  sel:\n    process: x\n  condition: sel\n"
                  "extract: {eventMessage: '(?<team_id>\\w+)'}\n"
                  "tests:\n"
                  "  match:\n"
                  "    - line: a\n"
                  "      fields: {team_id: X, nosuch: Y, process: Z}\n"
                  "      summary: s\n"
                  "    - lines: b\n"
                  "    - [c]\n"
                  "  nomatch:\n"
                  "    - {line: d, fields: {}}\n"
                  "  nomach: []\n")),
        "13:28: error: unknown test field 'nosuch' (see rules/README.md for "
        "the field names; other JSON keys: 'extra.KEY')\n"
        "14:16: error: tests: 'summary' given but the rule has no "
        "'summary'\n"
        "15:7: error: tests: unknown key 'lines' (did you mean 'line'?)\n"
        "15:7: error: tests: a match item needs 'line'\n"
        "16:7: error: tests: a match item must be a log line or a map with "
        "'line', found a list\n"
        "18:17: error: tests: 'fields' is only allowed in 'match' items\n"
        "19:3: error: tests: unknown key 'nomach' (did you mean "
        "'nomatch'?)");
}
END_TEST

/* A plain rule for the correlations below to list (6 lines and a
 * document separator: correlation text starts at line 8). */
#define ONE_BASE_RULE                                                      \
    "title: base\n"                                                       \
    "id: 11111111-2222-3333-4444-555555555555\n"                          \
    "name: base_rule\n"                                                   \
    "logsource: {product: macos, service: unifiedlog}\n"                  \
    "level: low\n"                                                        \
    "detection: {s: {process: x}, condition: s}\n"                        \
    "---\n"

START_TEST(test_correlation)
{
    const char *base = ONE_BASE_RULE;
    char buf[4096];
    snprintf(buf, sizeof buf,
             "%stitle: corr\n"
             "id: 21111111-2222-3333-4444-555555555555\n"
             "correlation:\n"
             "  type: temporal_ordred\n"
             "  rules: [base_rule, nosuch]\n"
             "  group-by: [processID]\n"
             "  timespan: 5x\n"
             "  condition: {gte: -1, field: f, over: 3}\n"
             "  extra: 1\n",
             base);
    ck_assert_str_eq(lint(buf),
                     "11:9: error: correlation: unknown type "
                     "'temporal_ordred' (did you mean 'temporal_ordered'?)\n"
                     "12:22: error: correlation: no rule has the id or name "
                     "'nosuch'\n"
                     "14:13: error: correlation: invalid timespan '5x' (a "
                     "number and s, m, h or d, e.g. 5m)\n"
                     "15:20: error: correlation: 'gte' needs a non-negative "
                     "integer\n"
                     "15:24: error: correlation: 'field' is only valid for "
                     "value_count\n"
                     "15:34: error: correlation: unknown condition 'over' "
                     "(gt, gte, lt, lte, eq)\n"
                     "16:3: error: correlation: unknown key 'extra'");
}
END_TEST

/* Spans the timeline cannot add up safely are refused at load. */
START_TEST(test_span_limits)
{
    const char *base = ONE_BASE_RULE;
    char buf[4096];
    snprintf(buf, sizeof buf,
             "%stitle: corr\n"
             "id: 21111111-2222-3333-4444-555555555555\n"
             "correlation:\n"
             "  type: event_count\n"
             "  rules: [base_rule]\n"
             "  group-by: [processID]\n"
             "  timespan: 367d\n"
             "  condition: {gte: 2}\n",
             base);
    ck_assert_str_eq(lint(buf),
                     "14:13: error: correlation: timespan '367d' is longer "
                     "than 366d, the longest a correlation may span");
    snprintf(buf, sizeof buf,
             "%stitle: corr\n"
             "id: 21111111-2222-3333-4444-555555555555\n"
             "correlation:\n"
             "  type: event_count\n"
             "  rules: [base_rule]\n"
             "  group-by: [processID]\n"
             "  timespan: 366d\n"
             "  condition: {gte: 2}\n"
             "episode:\n"
             "  link: [threadID]\n"
             "  link-window: 100000000000d\n",
             base);
    ck_assert_str_eq(lint(buf),
                     "18:16: error: episode: invalid link-window (a number "
                     "and s, m, h or d, e.g. 5s, at most 366d)");
}
END_TEST

START_TEST(test_correlation_model)
{
    const char *text =
        "title: a\nid: 11111111-2222-3333-4444-555555555555\nname: ra\n"
        "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
        "detection: {s: {process: x}, condition: s}\n"
        "extract: {eventMessage: '(?<team_id>\\w+) (?<path_hash>\\w+)'}\n"
        "---\n"
        "title: b\nid: 31111111-2222-3333-4444-555555555555\nname: rb\n"
        "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
        "detection: {s: {process: y}, condition: s}\n"
        "extract: {eventMessage: '(?<signing_id>\\w+) (?<path_hash>\\w+)'}\n"
        "---\n"
        "title: many\nid: 41111111-2222-3333-4444-555555555555\n"
        "level: high\n"
        "correlation:\n"
        "  type: value_count\n"
        "  rules: [ra, 31111111-2222-3333-4444-555555555555]\n"
        "  group-by: [team_id]\n"
        "  timespan: 90m\n"
        "  condition: {field: path_hash, gt: 3, lte: 10}\n"
        "  aliases:\n"
        "    key: {ra: team_id, rb: signing_id}\n"
        "  generate: true\n";
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "c.yml", text, strlen(text));
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 0);
    ck_assert_uint_eq(tl_ruleset_count(rs), 3);
    const struct tl_rule *r = tl_ruleset_rule(rs, 2);
    const struct tl_correlation *c = tl_rule_correlation(r);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_null(tl_rule_correlation(tl_ruleset_rule(rs, 0)));
    ck_assert_int_eq(tl_rule_info(r)->kind, TL_RULE_CORRELATION);
    ck_assert_int_eq(c->type, TL_CORR_VALUE_COUNT);
    ck_assert_uint_eq(c->n_rules, 2);
    ck_assert_ptr_eq(c->rules[0], tl_ruleset_rule(rs, 0));
    ck_assert_ptr_eq(c->rules[1], tl_ruleset_rule(rs, 1));
    ck_assert_str_eq(c->rule_refs[1], "31111111-2222-3333-4444-555555555555");
    ck_assert_uint_eq(c->group_by.n, 1);
    ck_assert_str_eq(c->group_by.v[0], "team_id");
    ck_assert_uint_eq(c->timespan_ms, 90u * 60 * 1000);
    ck_assert_str_eq(c->timespan, "90m");
    ck_assert_str_eq(c->field, "path_hash");
    ck_assert_uint_eq(c->n_conds, 2);
    ck_assert_int_eq(c->conds[0].op, TL_CORR_GT);
    ck_assert_uint_eq(c->conds[0].value, 3);
    ck_assert_int_eq(c->conds[1].op, TL_CORR_LTE);
    ck_assert_uint_eq(c->conds[1].value, 10);
    ck_assert_uint_eq(c->n_aliases, 2);
    ck_assert_str_eq(c->aliases[1].alias, "key");
    ck_assert_ptr_eq(c->aliases[1].rule, tl_ruleset_rule(rs, 1));
    ck_assert_str_eq(c->aliases[1].field, "signing_id");
    ck_assert(c->generate);
    ck_assert_str_eq(tl_rule_corr_type_name(c->type), "value_count");
    tl_ruleset_free(rs);

    ck_assert_str_eq(lint("title: x\nid: 41111111-2222-3333-4444-555555555555\n"
                          "correlation: {type: event_count, rules: []}\n"),
                     "3:14: error: correlation: missing 'timespan' (e.g. "
                     "5m)\n"
                     "3:14: error: correlation: missing 'condition' (e.g. "
                     "gte: 10)\n"
                     "3:41: error: correlation: 'rules' is empty");
    ck_assert_str_eq(lint("title: x\nid: 41111111-2222-3333-4444-555555555555\n"
                          "correlation: {type: value_count, rules: [x], "
                          "timespan: 1d, condition: {gt: 1}}\n"
                          "detection: {}\n"),
                     "3:14: error: a rule has either 'detection' or "
                     "'correlation', not both");
}
END_TEST

/* Two detection rules for the correlation field-name tests: ra extracts
 * team_id and path_hash, rb signing_id. The correlation's own keys start
 * on line 21. */
#define CORR_BASE                                                         \
    "title: a\nid: 11111111-2222-3333-4444-555555555555\nname: ra\n"      \
    "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"      \
    "detection: {s: {process: x}, condition: s}\n"                        \
    "extract: {eventMessage: '(?<team_id>\\w+) (?<path_hash>\\w+)'}\n"    \
    "---\n"                                                               \
    "title: b\nid: 31111111-2222-3333-4444-555555555555\nname: rb\n"      \
    "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"      \
    "detection: {s: {process: y}, condition: s}\n"                        \
    "extract: {eventMessage: '(?<signing_id>\\w+)'}\n"                    \
    "---\n"                                                               \
    "title: c\nid: 41111111-2222-3333-4444-555555555555\nlevel: high\n"   \
    "correlation:\n"

#define HINT_TL                                                           \
    "(see rules/README.md for the field names; other JSON keys: extract " \
    "them in the rules with a named group)"

START_TEST(test_correlation_field_names)
{
    /* group-by, condition.field and the fields of aliases name fields the
     * events of the rules carry; an alias name stands for its fields */
    ck_assert_str_eq(
        lint(CORR_BASE
             "  type: value_count\n"
             "  rules: [ra, rb]\n"
             "  group-by: [team_idd, key, processIdentifier, extra.foo]\n"
             "  timespan: 1m\n"
             "  condition: {field: path_hsh, gte: 2}\n"
             "  aliases:\n"
             "    key: {ra: team_id, rb: team_id}\n"),
        "23:14: error: correlation: group-by: unknown field 'team_idd' (did "
        "you mean 'team_id'?)\n"
        "23:48: error: correlation: group-by: unknown field 'extra.foo' "
        HINT_TL "\n"
        "25:22: error: correlation: condition: unknown field 'path_hsh' "
        "(did you mean 'path_hash'?)\n"
        "27:28: error: correlation: alias 'key' (rule 'rb'): unknown field "
        "'team_id' " HINT_TL);
    /* the same names, right: extracted by either rule, event fields and
     * their aliases, known JSON keys */
    size_t n;
    ck_assert_str_eq(
        lint_n(CORR_BASE
               "  type: value_count\n"
               "  rules: [ra, rb]\n"
               "  group-by: [key, signing_id, processIdentifier, backtrace]\n"
               "  timespan: 1m\n"
               "  condition: {field: path_hash, gte: 2}\n"
               "  aliases:\n"
               "    key: {ra: team_id, rb: signing_id}\n",
               &n),
        "");
    ck_assert_uint_eq(n, 3);
    /* not checked while a rule referred to is missing or broken: it may
     * be the one that extracts the name */
    ck_assert_str_eq(
        lint(CORR_BASE
             "  type: temporal\n"
             "  rules: [ra, nosuch]\n"
             "  group-by: [anything]\n"
             "  timespan: 1m\n"),
        "22:15: error: correlation: no rule has the id or name 'nosuch'");
    /* an alias for a rule not in 'rules' is reported as such only */
    ck_assert_str_eq(
        lint(CORR_BASE
             "  type: event_count\n"
             "  rules: [ra]\n"
             "  group-by: [key]\n"
             "  timespan: 1m\n"
             "  condition: {gte: 2}\n"
             "  aliases:\n"
             "    key: {ra: team_id, rb: nosuch}\n"),
        "21:3: error: correlation: alias 'key' names rule 'rb', which is "
        "not in 'rules'");
    ck_assert_str_eq(
        lint("title: x\nname: rx\nid: 51111111-2222-3333-4444-555555555555\n"
             "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
             "detection: {s: {process: x}, condition: s}\n"
             "extract: {eventMessage: '(?<team_id>\\w+'}\n"
             "---\n"
             "title: c\nid: 41111111-2222-3333-4444-555555555555\n"
             "correlation: {type: temporal, rules: [rx], timespan: 1m,\n"
             "  group-by: [team_id]}\n"),
        "7:40: error: invalid regular expression: missing closing "
        "parenthesis (at offset 14 of the pattern)\n"
        "11:38: warning: correlation: a temporal correlation of a single "
        "rule is always true when the rule matches\n"
        "11:39: error: correlation: the rule 'rx' has errors");
}
END_TEST

START_TEST(test_episode_field_names)
{
    /* keys and link sets name fields; template placeholders are placed
     * at their '{' (through quotes and escapes), or at a block scalar */
    ck_assert_str_eq(
        lint(CORR_BASE
             "  type: event_count\n"
             "  rules: [ra, rb]\n"
             "  group-by: [path_hash]\n"
             "  timespan: 1m\n"
             "  condition: {gte: 2}\n"
             "episode:\n"
             "  title: 'Story of {signing_ic} and {team_id}'\n"
             "  keys: [path_hash, procesID]\n"
             "  link:\n"
             "    - [processID, threadId]\n"
             "    - cdhash\n"
             "  verdicts:\n"
             "    - text: \"\\u00e9 {bad}\"\n"
             "    - text: |\n"
             "        multi {nope}\n"
             "    - text: 'it''s {path_hash} {signing_id} {pid} {source}'\n"),
        "27:20: error: episode: title: unknown placeholder 'signing_ic' (did "
        "you mean 'signing_id'?)\n"
        "28:21: error: episode: keys: unknown field 'procesID' (did you mean "
        "'processID'?)\n"
        "30:19: error: episode: link: unknown field 'threadId' (did you mean "
        "'threadID'?)\n"
        "31:7: error: episode: link: unknown field 'cdhash' " HINT_TL "\n"
        "33:21: error: episode: verdict text: unknown placeholder 'bad' "
        HINT_TL "\n"
        "34:13: error: episode: verdict text: unknown placeholder 'nope' "
        "(did you mean 'type'?)\n"
        "36:45: error: episode: verdict text: unknown placeholder 'pid' "
        HINT_TL);
}
END_TEST

START_TEST(test_string_lists)
{
    /* one helper reads the lists of both the rule and the episode */
    ck_assert_str_eq(lint(HEAD "tags: [a, [b], c]\n"
                               "falsepositives: ~\n"
                               "detection: {s: {process: x}, condition: s}\n"),
                     "5:11: error: 'tags' must be a list of strings, found "
                     "a list in it");
    ck_assert_str_eq(
        lint(CORR_BASE
             "  type: event_count\n"
             "  rules: [ra, rb]\n"
             "  group-by: path_hash\n"
             "  timespan: 1m\n"
             "  condition: {gte: 2}\n"
             "episode:\n"
             "  keys: ''\n"
             "  link: [[processID, 1, ''], {a: b}]\n"
             "  before: ~\n"),
        "27:9: error: episode: 'keys' must be a name or a list of names, "
        "found an empty string\n"
        "28:22: error: episode: 'link' entry: each entry must be a name, "
        "found a number\n"
        "28:25: error: episode: 'link' entry: each entry must be a name, "
        "found an empty string\n"
        "28:30: error: episode: 'link' entry must be a list of names, found "
        "a map\n"
        "29:11: error: episode: 'before' must be a name or a list of names, "
        "found null");
}
END_TEST

START_TEST(test_duplicates_across_files)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    const char *a = "title: A\nid: 11111111-2222-3333-4444-555555555555\n"
                    "name: same\n"
                    "logsource: {product: macos, service: unifiedlog}\n"
                    "level: low\ndetection: {s: {process: x}, condition: s}\n";
    const char *b = "level: low\ntitle: B\n"
                    "name: same\n"
                    "id: 11111111-2222-3333-4444-555555555555\n"
                    "logsource: {product: macos, service: unifiedlog}\n"
                    "detection: {s: {process: x}, condition: s}\n";
    tl_ruleset_load_string(rs, "a.yml", a, strlen(a));
    tl_ruleset_load_string(rs, "b.yml", b, strlen(b));
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 2);
    ck_assert_uint_eq(tl_ruleset_count(rs), 1);
    char buf[1024];
    size_t len = 0;
    for (size_t i = 0; i < tl_ruleset_msg_count(rs); i++) {
        const struct tl_rules_msg *m = tl_ruleset_msg(rs, i);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s:%u:%u: %s\n",
                                m->file, m->line, m->col, m->text);
    }
    ck_assert_str_eq(buf, "b.yml:3:7: duplicate name 'same' (first defined "
                          "at a.yml:3)\n"
                          "b.yml:4:5: duplicate id "
                          "'11111111-2222-3333-4444-555555555555' (first "
                          "defined at a.yml:2)\n");
    /* the printer adds the prefix and the level */
    FILE *f = tmpfile();
    tl_ruleset_print_messages(rs, f, "trustline: ");
    rewind(f);
    char line[512];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_str_eq(line, "trustline: b.yml:3:7: error: duplicate name "
                           "'same' (first defined at a.yml:3)\n");
    fclose(f);
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_multi_document)
{
    size_t n;
    const char *m = lint_n(
        "title: one\nid: 11111111-2222-3333-4444-555555555555\n"
        "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
        "detection: {s: {process: x}, condition: s}\n"
        "---\n"
        "title: two\nid: 11111111-2222-3333-4444-55555555555\n"
        "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
        "detection: {s: {process: x}, condition: s}\n"
        "---\n"
        "---\n"
        "title: three\nid: 31111111-2222-3333-4444-555555555555\n"
        "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
        "detection: {s: {process: x}, condition: s}\n"
        "...\n",
        &n);
    ck_assert_str_eq(m, "8:5: error: invalid UUID "
                        "'11111111-2222-3333-4444-55555555555' for 'id' "
                        "(expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    ck_assert_uint_eq(n, 2);
    /* a syntax error keeps the documents before it */
    m = lint_n("title: one\nid: 11111111-2222-3333-4444-555555555555\n"
               "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
               "detection: {s: {process: x}, condition: s}\n"
               "---\n"
               "title: [\n",
               &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_nonnull(strstr(m, "8:1: error: YAML syntax error"));
}
END_TEST

START_TEST(test_directory)
{
    char dir[] = "/tmp/tl_rules_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char p[256];
    const char *rule = "title: %s\nlogsource: {product: macos, service: "
                       "unifiedlog}\nlevel: low\n"
                       "detection: {s: {process: x}, condition: s}\n";
    const char *files[] = {"b.yml", "a.yaml", "c.txt", ".hidden.yml"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        FILE *f = fopen(p, "w");
        ck_assert_ptr_nonnull(f);
        fprintf(f, rule, files[i]);
        fclose(f);
    }
    struct tl_ruleset *rs = tl_ruleset_new();
    ck_assert_uint_eq(tl_ruleset_load_path(rs, dir), 0);
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 0);
    ck_assert_uint_eq(tl_ruleset_count(rs), 2);
    ck_assert_str_eq(tl_rule_info(tl_ruleset_rule(rs, 0))->title, "a.yaml");
    ck_assert_str_eq(tl_rule_info(tl_ruleset_rule(rs, 1))->title, "b.yml");
    snprintf(p, sizeof p, "%s/a.yaml", dir);
    ck_assert_str_eq(tl_rule_info(tl_ruleset_rule(rs, 0))->file, p);
    /* each rule warns that it has no id */
    ck_assert_uint_eq(tl_ruleset_warnings(rs), 2);
    tl_ruleset_free(rs);

    rs = tl_ruleset_new();
    snprintf(p, sizeof p, "%s/nope.yml", dir);
    ck_assert_uint_eq(tl_ruleset_load_path(rs, p), 1);
    const struct tl_rules_msg *m = tl_ruleset_msg(rs, 0);
    ck_assert_str_eq(m->text, "cannot open: No such file or directory");
    ck_assert_str_eq(m->file, p);
    tl_ruleset_free(rs);

    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rs = tl_ruleset_new();
    tl_ruleset_load_path(rs, dir);
    ck_assert_str_eq(tl_ruleset_msg(rs, 0)->text,
                     "no rule files (*.yml, *.yaml) in this directory");
    ck_assert_uint_eq(tl_ruleset_warnings(rs), 1);
    tl_ruleset_free(rs);
    rmdir(dir);
}
END_TEST

START_TEST(test_info)
{
    const char *text =
        "title: Info\n"
        "id: 11111111-2222-3333-4444-555555555555\n"
        "name: info_rule\n"
        "status: test\n"
        "description: desc\n"
        "references: [r1, r2]\n"
        "author: [me, you]\n"
        "date: 2025-01-02\n"
        "modified: 2025-02-03\n"
        "tags: [a.b, c]\n"
        "license: MIT\n"
        "logsource: {product: macos, service: unifiedlog, category: gk}\n"
        "detection: {s: {process: x}, condition: s}\n"
        "falsepositives: Unknown\n"
        "fields: [process, team_id]\n"
        "extract: {eventMessage: '(?<team_id>x)'}\n"
        "summary: '{team_id}'\n"
        "level: critical\n";
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "i.yml", text, strlen(text));
    ck_assert_uint_eq(tl_ruleset_finalize(rs), 0);
    ck_assert_uint_eq(tl_ruleset_warnings(rs), 0);
    const struct tl_rule *r = tl_ruleset_rule(rs, 0);
    const struct tl_rule_info *in = tl_rule_info(r);
    ck_assert_str_eq(in->title, "Info");
    ck_assert_str_eq(in->name, "info_rule");
    ck_assert_str_eq(in->status, "test");
    ck_assert_str_eq(in->description, "desc");
    ck_assert_str_eq(in->author, "me, you");
    ck_assert_str_eq(in->date, "2025-01-02");
    ck_assert_str_eq(in->modified, "2025-02-03");
    ck_assert_str_eq(in->license, "MIT");
    ck_assert_str_eq(in->category, "gk");
    ck_assert_uint_eq(in->references.n, 2);
    ck_assert_str_eq(in->references.v[1], "r2");
    ck_assert_uint_eq(in->tags.n, 2);
    ck_assert_uint_eq(in->falsepositives.n, 1);
    ck_assert_str_eq(in->falsepositives.v[0], "Unknown");
    ck_assert_uint_eq(in->fields.n, 2);
    ck_assert_int_eq(in->level, TL_LEVEL_CRITICAL);
    ck_assert(in->level_given);
    ck_assert_uint_eq(in->line, 1);
    ck_assert_str_eq(in->file, "i.yml");
    ck_assert_str_eq(tl_rule_label(r), "11111111-2222-3333-4444-555555555555");
    ck_assert_str_eq(tl_rule_summary_template(r), "{team_id}");
    ck_assert_uint_eq(tl_rule_extract_names(r).n, 1);
    ck_assert_ptr_eq(tl_ruleset_find(rs, "info_rule"), r);
    ck_assert_ptr_null(tl_ruleset_find(rs, "nope"));
    tl_ruleset_free(rs);

    ck_assert_str_eq(tl_rule_level_name(TL_LEVEL_INFORMATIONAL),
                     "informational");
    ck_assert_int_eq(tl_rule_level_parse("info"), TL_LEVEL_INFORMATIONAL);
    ck_assert_int_eq(tl_rule_level_parse("high"), TL_LEVEL_HIGH);
    ck_assert_int_eq(tl_rule_level_parse("High"), TL_LEVEL__COUNT);
    ck_assert_str_eq(tl_rule_level_name(TL_LEVEL__COUNT), "?");
}
END_TEST

START_TEST(test_default_paths)
{
    setenv("TRUSTLINE_RULES", "/a:/b::/c", 1);
    char **p = tl_rules_default_paths(NULL);
    ck_assert_str_eq(p[0], "/a");
    ck_assert_str_eq(p[1], "/b");
    ck_assert_str_eq(p[2], "/c");
    ck_assert_ptr_null(p[3]);
    tl_rules_free_paths(p);
    unsetenv("TRUSTLINE_RULES");
    p = tl_rules_default_paths(NULL);
    ck_assert_ptr_nonnull(p[0]);
    ck_assert_ptr_null(p[1]);
    /* next to the test binary there is no rules/macos: the data dir */
    size_t n = strlen(p[0]);
    ck_assert(n > 16 && strcmp(p[0] + n - 16, "/trustline/rules") == 0);
    tl_rules_free_paths(p);
}
END_TEST


START_TEST(test_more_messages)
{
    char title[300];
    memset(title, 'x', 260);
    title[260] = '\0';
    char buf[2048];
    snprintf(buf, sizeof buf,
             "title: %s\nid: 11111111-2222-3333-4444-555555555555\n"
             "logsource: {product: macos, service: unifiedlog}\nlevel: low\n"
             "detection: {s: {process: x}, condition: s}\n",
             title);
    ck_assert_str_eq(lint(buf), "1:8: warning: 'title' is longer than 256 "
                                "characters");
    ck_assert_str_eq(lint("title: T\nid: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {service: unifiedlog}\nlevel: low\n"
                          "related: [{id: 11111111-2222-3333-4444-555555555555,"
                          " type: cousin}]\n"
                          "detection: {s: {process: x}, condition: s}\n"),
                     "3:12: error: logsource: missing 'product: macos'\n"
                     "5:60: error: related: 'type' must be derived, "
                     "obsolete, merged, renamed or similar");
    ck_assert_str_eq(lint(RULE("  sel:\n    process|exists: [true]\n"
                               "  kw: [a, null]\n"
                               "  condition: sel or kw\n")),
                     "7:21: error: 'exists' takes one value, true or false\n"
                     "8:11: error: a keyword cannot be null");
    ck_assert_str_eq(lint(RULE("  sel:\n    process: x\n  condition: sel\n"
                               "extract: {eventMessage: [''], sender: null}\n"
                               "episode: {}\n")),
                     "9:26: error: extract: the pattern for 'eventMessage' "
                     "must be a non-empty string, found a string\n"
                     "9:39: error: extract: the pattern for 'sender' must be "
                     "a non-empty string, found null\n"
                     "10:10: error: 'episode' is only valid in a correlation "
                     "rule");
    const char *base =
        "title: base\nid: 11111111-2222-3333-4444-555555555555\n"
        "name: base\nlogsource: {product: macos, service: unifiedlog}\n"
        "level: low\ndetection: {s: {process: x}, condition: s}\n";
    snprintf(buf, sizeof buf,
             "%s---\ntitle: c1\nid: 21111111-2222-3333-4444-555555555555\n"
             "name: c1\n"
             "correlation: {timespan: 1m}\n"
             "extract: {eventMessage: '(?<a>x)'}\n"
             "---\ntitle: c2\nid: 31111111-2222-3333-4444-555555555555\n"
             "name: c2\n"
             "correlation: {type: temporal, rules: [base], timespan: 1m,\n"
             "  generate: maybe, aliases: {k: {other: f}, j: [x]}}\n"
             "---\ntitle: c3\nid: 41111111-2222-3333-4444-555555555555\n"
             "correlation: {type: value_count, rules: "
             "[41111111-2222-3333-4444-555555555555, base], timespan: "
             "1d, condition: {gt: 1}}\n",
             base);
    ck_assert_str_eq(lint(buf),
                     "11:14: error: correlation: missing 'type' "
                     "(event_count, value_count, temporal or "
                     "temporal_ordered)\n"
                     "11:14: error: correlation: missing 'rules'\n"
                     "12:10: error: 'extract' is not supported in a "
                     "correlation rule\n"
                     "17:14: error: correlation: alias 'k' names rule "
                     "'other', which is not in 'rules'\n"
                     "17:38: warning: correlation: a temporal correlation of "
                     "a single rule is always true when the rule matches\n"
                     "18:13: error: correlation: 'generate' must be true or "
                     "false\n"
                     "18:48: error: correlation: alias 'j' must map rule "
                     "names to field names\n"
                     "22:42: error: correlation: a rule cannot refer to "
                     "itself\n"
                     "22:112: error: correlation: value_count needs 'field' "
                     "in its condition");
    /* a correlation over a rule with errors is dropped with it */
    ck_assert_str_eq(lint("title: bad\nname: bad\n"
                          "id: 11111111-2222-3333-4444-555555555555\n"
                          "logsource: {product: macos, service: unifiedlog}\n"
                          "level: low\n"
                          "detection: {s: {process|nope: x}, condition: s}\n"
                          "---\ntitle: c\n"
                          "id: 21111111-2222-3333-4444-555555555555\n"
                          "correlation: {type: temporal, rules: [bad, bad], "
                          "timespan: 1m}\n"),
                     "6:25: error: unknown modifier 'nope'\n"
                     "10:39: error: correlation: the rule 'bad' has errors");
    /* loading after finalize is refused */
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_finalize(rs);
    ck_assert_uint_eq(tl_ruleset_load_string(rs, "late.yml", "a: b", 4), 1);
    ck_assert_str_eq(tl_ruleset_msg(rs, 0)->text,
                     "rules loaded after the ruleset was finalized");
    tl_ruleset_free(rs);
}
END_TEST

START_TEST(test_file_too_big)
{
    char path[] = "/tmp/tl_big_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    char *block = calloc(1, 1 << 20);
    memset(block, '#', 1 << 20);
    for (int i = 0; i < 9; i++)
        ck_assert_int_eq(write(fd, block, 1 << 20), 1 << 20);
    close(fd);
    free(block);
    struct tl_ruleset *rs = tl_ruleset_new();
    ck_assert_uint_eq(tl_ruleset_load_path(rs, path), 1);
    ck_assert_str_eq(tl_ruleset_msg(rs, 0)->text,
                     "file larger than 8388608 bytes");
    tl_ruleset_free(rs);
    unlink(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rules_load");
    TCase *tc = tcase_create("load");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_clean);
    tcase_add_test(tc, test_yaml_syntax);
    tcase_add_test(tc, test_top_keys);
    tcase_add_test(tc, test_metadata);
    tcase_add_test(tc, test_fields_and_modifiers);
    tcase_add_test(tc, test_regex_positions);
    tcase_add_test(tc, test_conditions);
    tcase_add_test(tc, test_selection_shapes);
    tcase_add_test(tc, test_yaml_safety);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_extract_summary);
    tcase_add_test(tc, test_tests_key);
    tcase_add_test(tc, test_correlation);
    tcase_add_test(tc, test_correlation_model);
    tcase_add_test(tc, test_span_limits);
    tcase_add_test(tc, test_correlation_field_names);
    tcase_add_test(tc, test_episode_field_names);
    tcase_add_test(tc, test_string_lists);
    tcase_add_test(tc, test_duplicates_across_files);
    tcase_add_test(tc, test_multi_document);
    tcase_add_test(tc, test_directory);
    tcase_add_test(tc, test_info);
    tcase_add_test(tc, test_default_paths);
    tcase_add_test(tc, test_more_messages);
    tcase_add_test(tc, test_file_too_big);
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
