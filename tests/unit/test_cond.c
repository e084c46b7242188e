/*
 * test_cond.c - the condition parser: grammar, precedence, errors with
 * their byte offsets, name resolution and evaluation.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/cond.h"
#include "../../rules/rules.h"

static char fmtbuf[1024];

/* Parse and format, or "ERR@pos: msg". */
static const char *P(const char *s)
{
    struct tl_cond_error e;
    struct tl_cond *c = tl_cond_parse(s, strlen(s), &e);
    if (!c) {
        snprintf(fmtbuf, sizeof fmtbuf, "ERR@%u: %s", e.pos, e.msg);
        return fmtbuf;
    }
    tl_cond_format(c, fmtbuf, sizeof fmtbuf);
    tl_cond_free(c);
    return fmtbuf;
}

START_TEST(test_grammar)
{
    ck_assert_str_eq(P("sel"), "sel");
    ck_assert_str_eq(P("a and b"), "(and a b)");
    ck_assert_str_eq(P("a or b"), "(or a b)");
    ck_assert_str_eq(P("a and b and c"), "(and a b c)");
    ck_assert_str_eq(P("a or b and c"), "(or a (and b c))");
    ck_assert_str_eq(P("a and b or c"), "(or (and a b) c)");
    ck_assert_str_eq(P("not a and b"), "(and (not a) b)");
    ck_assert_str_eq(P("not (a and b)"), "(not (and a b))");
    ck_assert_str_eq(P("not not a"), "(not (not a))");
    ck_assert_str_eq(P("(a or b) and c"), "(and (or a b) c)");
    ck_assert_str_eq(P("((a))"), "a");
    ck_assert_str_eq(P("1 of sel_*"), "(1-of sel_*)");
    ck_assert_str_eq(P("all of sel_*"), "(all-of sel_*)");
    ck_assert_str_eq(P("1 of them"), "(1-of them)");
    ck_assert_str_eq(P("all of them"), "(all-of them)");
    ck_assert_str_eq(P("2 of x*"), "(2-of x*)");
    ck_assert_str_eq(P("1 of sel* and not 1 of filter*"),
                     "(and (1-of sel*) (not (1-of filter*)))");
    /* keywords are case-insensitive; names keep their case */
    ck_assert_str_eq(P("Sel AND NOT Filter"), "(and Sel (not Filter))");
    ck_assert_str_eq(P("ALL OF Them"), "(all-of them)");
    /* whitespace of all kinds */
    ck_assert_str_eq(P("  a\tand\nb  "), "(and a b)");
    /* names with dots and dashes */
    ck_assert_str_eq(P("sel.one or sel-two"), "(or sel.one sel-two)");
}
END_TEST

START_TEST(test_errors)
{
    ck_assert_str_eq(P(""), "ERR@0: empty condition");
    ck_assert_str_eq(P("   "), "ERR@0: empty condition");
    ck_assert_str_eq(P("a and"),
                     "ERR@5: condition ends where a selection name, '(', "
                     "'not' or 'N of' is expected");
    ck_assert_str_eq(P("a b"),
                     "ERR@2: expected 'and', 'or' or the end, found a name "
                     "'b'");
    ck_assert_str_eq(P("(a or b"),
                     "ERR@0: unbalanced parentheses: this '(' is never "
                     "closed");
    ck_assert_str_eq(P("a)"), "ERR@1: unexpected ')'");
    ck_assert_str_eq(P("()"), "ERR@1: empty parentheses");
    ck_assert_str_eq(P("sel_*"),
                     "ERR@0: the pattern 'sel_*' needs '1 of' or 'all of' "
                     "before it");
    ck_assert_str_eq(P("a and them"),
                     "ERR@6: 'them' needs '1 of' or 'all of' before it");
    ck_assert_str_eq(P("of a"),
                     "ERR@0: 'of' needs a number or 'all' before it");
    ck_assert_str_eq(P("1 sel"), "ERR@2: expected 'of' after '1'");
    ck_assert_str_eq(P("all"), "ERR@0: expected 'of' after 'all'");
    ck_assert_str_eq(P("0 of them"),
                     "ERR@0: '0 of' is never true: use '1 of' or 'all of'");
    ck_assert_str_eq(P("1 of (a)"),
                     "ERR@5: expected 'them' or a selection pattern after "
                     "'of', found '('");
    ck_assert_str_eq(P("sel | count() > 5"),
                     "ERR@4: aggregation expressions ('| count() ...') are "
                     "not supported: use a correlation rule");
    ck_assert_str_eq(P("a near b"),
                     "ERR@2: 'near' is not supported (Sigma 1 aggregation): "
                     "use a correlation rule");
    ck_assert_str_eq(P("a & b"), "ERR@2: unexpected character '&' in "
                                 "condition");
    ck_assert_str_eq(P("a \x01"), "ERR@2: unexpected byte 0x01 in condition");
    ck_assert_str_eq(P("not"), "ERR@3: condition ends where a selection "
                               "name, '(', 'not' or 'N of' is expected");
}
END_TEST

START_TEST(test_depth_and_length)
{
    char buf[TL_RULES_MAX_COND + 16];
    /* nesting up to the cap is fine */
    size_t n = 0;
    for (unsigned i = 0; i < TL_RULES_MAX_COND_DEPTH; i++)
        buf[n++] = '(';
    buf[n++] = 'a';
    for (unsigned i = 0; i < TL_RULES_MAX_COND_DEPTH; i++)
        buf[n++] = ')';
    buf[n] = '\0';
    ck_assert_str_eq(P(buf), "a");
    /* one more level is refused, at the offending '(' */
    n = 0;
    for (unsigned i = 0; i <= TL_RULES_MAX_COND_DEPTH; i++)
        buf[n++] = '(';
    buf[n++] = 'a';
    buf[n] = '\0';
    ck_assert_str_eq(P(buf), "ERR@64: condition nested deeper than 64 "
                             "levels");
    /* a chain of "not" counts too */
    n = 0;
    for (unsigned i = 0; i <= TL_RULES_MAX_COND_DEPTH; i++) {
        memcpy(buf + n, "not ", 4);
        n += 4;
    }
    buf[n++] = 'a';
    buf[n] = '\0';
    ck_assert_str_eq(P(buf), "ERR@256: condition nested deeper than 64 "
                             "levels");
    /* too long */
    memset(buf, 'a', TL_RULES_MAX_COND + 1);
    buf[TL_RULES_MAX_COND + 1] = '\0';
    ck_assert_str_eq(P(buf), "ERR@0: condition longer than 4096 bytes");
}
END_TEST

struct errs {
    char text[1024];
};

static void collect(void *ctx, unsigned pos, const char *msg)
{
    struct errs *e = ctx;
    size_t l = strlen(e->text);
    snprintf(e->text + l, sizeof e->text - l, "[%u %s]", pos, msg);
}

static const char *const names[] = {"sel_a", "sel_b", "filter", "_aux"};

START_TEST(test_resolve)
{
    struct tl_cond_error ce;
    struct errs e = {""};
    bool used[4] = {false};
    const char *s = "sel_a and not missing and 1 of nothing_* or all of "
                    "them";
    struct tl_cond *c = tl_cond_parse(s, strlen(s), &ce);
    ck_assert_ptr_nonnull(c);
    unsigned n = tl_cond_resolve(c, names, 4, used, collect, &e);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(e.text, "[14 undefined selection 'missing']"
                             "[26 the pattern 'nothing_*' matches no "
                             "selection]");
    /* them covers everything except names starting with '_' */
    ck_assert(used[0] && used[1] && used[2]);
    ck_assert(!used[3]);
    tl_cond_free(c);

    e.text[0] = '\0';
    s = "3 of sel_*";
    c = tl_cond_parse(s, strlen(s), &ce);
    ck_assert_uint_eq(tl_cond_resolve(c, names, 4, NULL, collect, &e), 1);
    ck_assert_str_eq(e.text, "[0 '3 of' can never be true: only 2 "
                             "selections match]");
    tl_cond_free(c);

    /* a pattern may name underscored selections explicitly */
    e.text[0] = '\0';
    memset(used, 0, sizeof used);
    s = "1 of _*";
    c = tl_cond_parse(s, strlen(s), &ce);
    ck_assert_uint_eq(tl_cond_resolve(c, names, 4, used, collect, &e), 0);
    ck_assert(used[3] && !used[0]);
    tl_cond_free(c);
}
END_TEST

static bool vals[4];

static bool getv(void *ctx, size_t i)
{
    (void)ctx;
    return vals[i];
}

static bool E(const char *s, bool a, bool b, bool f, bool x)
{
    struct tl_cond_error ce;
    struct tl_cond *c = tl_cond_parse(s, strlen(s), &ce);
    ck_assert_msg(c != NULL, "%s: %s", s, ce.msg);
    ck_assert_uint_eq(tl_cond_resolve(c, names, 4, NULL, NULL, NULL), 0);
    vals[0] = a;
    vals[1] = b;
    vals[2] = f;
    vals[3] = x;
    bool v = tl_cond_eval(c, getv, NULL);
    tl_cond_free(c);
    return v;
}

START_TEST(test_eval)
{
    ck_assert(E("sel_a and not filter", true, false, false, false));
    ck_assert(!E("sel_a and not filter", true, false, true, false));
    ck_assert(E("sel_a or sel_b and filter", true, false, false, false));
    ck_assert(!E("(sel_a or sel_b) and filter", true, false, false, false));
    ck_assert(E("1 of sel_*", false, true, false, false));
    ck_assert(!E("1 of sel_*", false, false, true, true));
    ck_assert(E("all of sel_*", true, true, false, false));
    ck_assert(!E("all of sel_*", true, false, false, false));
    ck_assert(E("2 of sel_*", true, true, false, false));
    ck_assert(!E("2 of sel_*", true, false, true, false));
    /* them: _aux does not count */
    ck_assert(E("all of them", true, true, true, false));
    ck_assert(!E("1 of them", false, false, false, true));
    ck_assert(E("1 of _*", false, false, false, true));
    ck_assert(E("not not sel_a", true, false, false, false));
}
END_TEST

START_TEST(test_pattern)
{
    ck_assert(tl_cond_pattern_match("sel_*", "sel_a"));
    ck_assert(tl_cond_pattern_match("sel_*", "sel_"));
    ck_assert(!tl_cond_pattern_match("sel_*", "sel"));
    ck_assert(tl_cond_pattern_match("*", "anything"));
    ck_assert(tl_cond_pattern_match("*_x*y", "a_xbby"));
    ck_assert(!tl_cond_pattern_match("*_x*y", "a_xbbz"));
    ck_assert(tl_cond_pattern_match("a**b", "ab"));
    /* case-sensitive like YAML keys */
    ck_assert(!tl_cond_pattern_match("Sel*", "sel1"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cond");
    TCase *tc = tcase_create("cond");
    tcase_add_test(tc, test_grammar);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_depth_and_length);
    tcase_add_test(tc, test_resolve);
    tcase_add_test(tc, test_eval);
    tcase_add_test(tc, test_pattern);
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
