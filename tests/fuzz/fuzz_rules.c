/*
 * fuzz_rules.c - libFuzzer target for the rule loader.
 *
 * The input is the text of a rule file. It is loaded and finalized; every
 * message must carry a sane position and level, the error count must
 * agree with the messages, and every rule that survives must be usable:
 * its cover, its `log` predicate (which our own evaluator must accept),
 * its tests run, and matching it against a few fixed events in several
 * styles, with and without the prefilter, gives the same answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/rules.h"
#include "../../util/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_rules: %s:%d: check failed: %s\n",         \
                    __FILE__, __LINE__, #c);                                 \
            abort();                                                         \
        }                                                                    \
    } while (0)

static const char *const lines[] = {
    "2025-02-07 09:12:44.123456+0100 0x2b1c3    Default     0x0                "
    "  412    0    syspolicyd: (Security) [com.apple.syspolicy.exec:default] "
    "Allowing evaluation due to migration: PST: (path: 9f86d081884c7d65), "
    "(team: 6S5XH2M3N8)",
    "2025-02-07 09:12:44.123 E  kernel[0:1bf69] (AppleMobileFileIntegrity) "
    "AMFI: hook..execve() killing tool (pid 42): Attempt to execute "
    "completely unsigned code",
    "2025-02-07 09:12:44.123456+0100  localhost amfid[77]: /x not valid: "
    "Error Domain=AppleMobileFileIntegrityError Code=-423",
    "{\"processImagePath\":\"\\/usr\\/libexec\\/syspolicyd\",\"processID\":412,"
    "\"subsystem\":\"com.apple.syspolicy\",\"category\":\"default\","
    "\"eventMessage\":\"ticket not available: 2\\/2\\/0123\","
    "\"messageType\":\"Info\",\"extraKey\":\"v\",\"source\":null}",
};

struct run {
    struct tl_ruleset *rs;
    size_t with, without;
    char **preds;
};

static void count(void *ctx, const struct tl_match *m)
{
    size_t *n = ctx;
    CHECK(m->rule != NULL && m->info != NULL && m->ev != NULL);
    for (size_t i = 0; i < m->n_fields; i++)
        CHECK(m->fields[i].name != NULL &&
              (m->fields[i].value.p != NULL || m->fields[i].value.n == 0));
    (*n)++;
}

static void pred_check(void *ctx, const struct tl_match *m)
{
    struct run *r = ctx;
    const char *p = r->preds[m->info->index];
    if (p)
        CHECK(tl_rules_predicate_eval(p, m->ev) == 1);
    CHECK(tl_rule_cover_admits(m->rule, m->ev->style, m->ev->raw.p,
                               m->ev->raw.n));
}

static void on_event(void *ctx, const struct tl_event *ev)
{
    struct run *r = ctx;
    bool want = tl_ruleset_want(r->rs, ev->style, ev->raw.p, ev->raw.n);
    size_t a = 0, b = 0;
    tl_ruleset_set_prefilter(r->rs, true);
    tl_ruleset_match(r->rs, ev, count, &a);
    tl_ruleset_set_prefilter(r->rs, false);
    tl_ruleset_match(r->rs, ev, count, &b);
    tl_ruleset_match(r->rs, ev, pred_check, r);
    CHECK(a == b);
    if (!want)
        CHECK(b == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tl_diag_set_quiet(1);
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    struct tl_ruleset *rs = tl_ruleset_new();
    struct tl_rules_limits lim;
    tl_rules_limits_init(&lim);
    lim.match_limit = 10000;
    lim.depth_limit = 1000;
    tl_ruleset_set_limits(rs, &lim);
    tl_ruleset_load_string(rs, "fuzz.yml", text, size);
    unsigned errors = tl_ruleset_finalize(rs);
    unsigned e = 0, w = 0;
    for (size_t i = 0; i < tl_ruleset_msg_count(rs); i++) {
        const struct tl_rules_msg *m = tl_ruleset_msg(rs, i);
        CHECK(m != NULL && m->text != NULL && m->text[0] != '\0');
        CHECK(m->level == TL_RULES_ERROR || m->level == TL_RULES_WARNING);
        if (m->level == TL_RULES_ERROR)
            e++;
        else
            w++;
    }
    CHECK(e == errors && w == tl_ruleset_warnings(rs));
    struct run r = {rs, 0, 0, NULL};
    size_t n = tl_ruleset_count(rs);
    r.preds = calloc(n + 1, sizeof *r.preds);
    for (size_t i = 0; i < n && r.preds; i++) {
        const struct tl_rule *rule = tl_ruleset_rule(rs, i);
        const struct tl_rule_info *in = tl_rule_info(rule);
        CHECK(in->index == i && in->title != NULL && in->file != NULL);
        const struct tl_rule_cover *c = tl_rule_cover(rule);
        CHECK(c->bounded || c->lits.n == 0);
        r.preds[i] = tl_rule_predicate(rule);
        if (r.preds[i]) {
            struct tl_event ev;
            memset(&ev, 0, sizeof ev);
            CHECK(tl_rules_predicate_eval(r.preds[i], &ev) >= 0);
        }
        if (in->kind == TL_RULE_DETECTION)
            (void)tl_rule_run_tests(rs, rule, NULL, NULL);
    }
    if (r.preds) {
        for (size_t i = 0; i < TL_ARRAY_LEN(lines); i++)
            tl_rules_parse_line(lines[i], strlen(lines[i]), "fuzz", on_event,
                                &r);
        char *why = NULL;
        char *all = tl_rules_predicate(rs, &why);
        CHECK(all != NULL || why != NULL);
        free(all);
        free(why);
        for (size_t i = 0; i < n; i++)
            free(r.preds[i]);
        free(r.preds);
    }
    tl_ruleset_free(rs);
    free(text);
    return 0;
}
