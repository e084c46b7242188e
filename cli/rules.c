/*
 * rules.c - `trustline rules lint|test|list`: the rule author's tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules/rules.h"
#include "../util/diag.h"
#include "cli.h"
#include "commands.h"
#include "opt.h"


static const char usage[] =
    "Usage: trustline rules lint [PATH...]\n"
    "       trustline rules test [--require-tests] [PATH...]\n"
    "       trustline rules list [--literals] [PATH...]\n"
    "\n"
    "PATH is a rule file or a directory of *.yml / *.yaml files. Without\n"
    "one: $TRUSTLINE_RULES (colon-separated), else rules/macos next to the\n"
    "trustline executable, else the installed rule set.\n"
    "\n"
    "  lint   check every rule and print each problem as\n"
    "         FILE:LINE:COL: error|warning: MESSAGE on stdout.\n"
    "         Exit 0 clean, 1 warnings only, 2 errors.\n"
    "  test   run each rule's `tests` (match / nomatch log lines, with the\n"
    "         fields and summary they must give); print ok / FAIL per rule\n"
    "         with what differed, then \"N passed, N failed\".\n"
    "         --require-tests: a rule without tests fails.\n"
    "         Exit 0 all passed, 1 a test failed, 2 the rules have errors.\n"
    "  list   one line per rule: id, level, status, title, file:line.\n"
    "         --literals: instead, each detection rule's prefilter\n"
    "         literals, as RULE<TAB>LITERAL lines (one literal of them\n"
    "         must occur in a record, ASCII case-insensitively, for the\n"
    "         rule to be evaluated; RULE<TAB>* when any record may match).\n"
    "         Exit 0, or 2 when some rule has errors (they are printed on\n"
    "         stderr and the rule is left out).\n"
    "\n"
    "The rule format is described in rules/README.md.\n";

static char **paths_or_default(char **given, size_t n, const char *argv0,
                               bool *owned)
{
    if (n) {
        *owned = false;
        return given;
    }
    *owned = true;
    return tl_rules_default_paths(argv0);
}

static struct tl_ruleset *load(char **paths)
{
    struct tl_ruleset *rs = tl_ruleset_new();
    for (size_t i = 0; paths[i]; i++)
        tl_ruleset_load_path(rs, paths[i]);
    tl_ruleset_finalize(rs);
    return rs;
}

static int cmd_lint(struct tl_ruleset *rs)
{
    tl_ruleset_print_messages(rs, stdout, NULL);
    fflush(stdout);
    if (tl_ruleset_errors(rs))
        return TL_EXIT_USAGE;
    if (tl_ruleset_warnings(rs))
        return TL_EXIT_FOUND;
    return TL_EXIT_OK;
}

/* The text-style prefilter literals of every detection rule. Bytes
 * other than printable ASCII are written as \xHH so that one line stays
 * one literal. */
static void list_literals(struct tl_ruleset *rs)
{
    for (size_t i = 0; i < tl_ruleset_count(rs); i++) {
        const struct tl_rule *r = tl_ruleset_rule(rs, i);
        if (tl_rule_info(r)->kind != TL_RULE_DETECTION)
            continue;
        const struct tl_rule_cover *c = tl_rule_cover(r);
        if (!c->bounded) {
            printf("%s\t*\n", tl_rule_label(r));
            continue;
        }
        for (size_t k = 0; k < c->lits.n; k++) {
            printf("%s\t", tl_rule_label(r));
            for (const unsigned char *q =
                     (const unsigned char *)c->lits.v[k]; *q; q++) {
                if (*q >= 0x20 && *q < 0x7f && *q != '\\')
                    putchar(*q);
                else
                    printf("\\x%02x", *q);
            }
            putchar('\n');
        }
    }
}

static int cmd_list(struct tl_ruleset *rs, bool literals)
{
    if (literals)
        list_literals(rs);
    for (size_t i = 0; !literals && i < tl_ruleset_count(rs); i++) {
        const struct tl_rule *r = tl_ruleset_rule(rs, i);
        const struct tl_rule_info *in = tl_rule_info(r);
        const struct tl_correlation *c = tl_rule_correlation(r);
        printf("%-36s  %-13s  %-12s  %s", in->id ? in->id : "-",
               tl_rule_level_name(in->level),
               in->status ? in->status : "-", in->title);
        if (c)
            printf(" [correlation: %s]", tl_rule_corr_type_name(c->type));
        printf("  %s:%u\n", in->file, in->line);
    }
    fflush(stdout);
    if (tl_ruleset_errors(rs)) {
        tl_ruleset_print_messages(rs, stderr, "trustline: ");
        return TL_EXIT_USAGE;
    }
    return TL_EXIT_OK;
}

static int cmd_test(struct tl_ruleset *rs, bool require)
{
    if (tl_ruleset_errors(rs)) {
        tl_ruleset_print_messages(rs, stderr, "trustline: ");
        fprintf(stderr, "trustline: rules test: %u error%s in the rules; "
                "fix them first (trustline rules lint)\n",
                tl_ruleset_errors(rs), tl_ruleset_errors(rs) == 1 ? "" : "s");
        return TL_EXIT_USAGE;
    }
    unsigned passed = 0, failed = 0, untested = 0;
    for (size_t i = 0; i < tl_ruleset_count(rs); i++) {
        const struct tl_rule *r = tl_ruleset_rule(rs, i);
        const struct tl_rule_info *in = tl_rule_info(r);
        if (in->kind != TL_RULE_DETECTION)
            continue;
        unsigned n = 0;
        /* run first to learn the count; failures go to a temp buffer */
        char *detail = NULL;
        size_t dlen = 0;
        FILE *mem = open_memstream(&detail, &dlen);
        unsigned bad = tl_rule_run_tests(rs, r, mem ? mem : stdout, &n);
        if (mem)
            fclose(mem);
        if (n == 0) {
            untested++;
            if (require) {
                failed++;
                printf("FAIL  %s  %s (no tests)\n", tl_rule_label(r),
                       in->title);
            } else {
                printf("skip  %s  %s (no tests)\n", tl_rule_label(r),
                       in->title);
            }
        } else if (bad == 0) {
            passed++;
            printf("ok    %s  %s (%u test%s)\n", tl_rule_label(r), in->title,
                   n, n == 1 ? "" : "s");
        } else {
            failed++;
            printf("FAIL  %s  %s (%u of %u test%s failed)\n",
                   tl_rule_label(r), in->title, bad, n, n == 1 ? "" : "s");
            if (detail)
                fputs(detail, stdout);
        }
        free(detail);
    }
    if (untested && !require)
        printf("%u rule%s without tests\n", untested,
               untested == 1 ? "" : "s");
    printf("%u passed, %u failed\n", passed, failed);
    fflush(stdout);
    return failed ? TL_EXIT_FOUND : TL_EXIT_OK;
}

int tl_cli_rules(int argc, char **argv)
{
    enum { O_HELP = 1, O_REQUIRE, O_LITERALS };
    static const struct tl_opt opts[] = {
        {"help", 'h', false, O_HELP},
        {"require-tests", 0, false, O_REQUIRE},
        {"literals", 0, false, O_LITERALS},
        {NULL, 0, false, 0},
    };
    struct tl_optstate st;
    const char *sub = NULL;
    char **paths = tl_xcalloc((size_t)argc + 1, sizeof *paths);
    size_t n = 0;
    bool require = false, literals = false;
    int id;
    tl_opt_init(&st, "trustline rules");
    while ((id = tl_opt_next(&st, argc, argv, opts)) != TL_OPT_END) {
        switch (id) {
        case TL_OPT_OPERAND:
            if (!sub)
                sub = st.arg;
            else
                paths[n++] = (char *)(uintptr_t)st.arg;
            break;
        case O_HELP:
            fputs(usage, stdout);
            free(paths);
            return TL_EXIT_OK;
        case O_REQUIRE:
            require = true;
            break;
        case O_LITERALS:
            literals = true;
            break;
        default:
            free(paths);
            return TL_EXIT_USAGE;
        }
    }
    if (!sub || (strcmp(sub, "lint") != 0 && strcmp(sub, "test") != 0 &&
                 strcmp(sub, "list") != 0)) {
        if (sub)
            fprintf(stderr, "trustline rules: unknown command '%s'\n", sub);
        fputs(usage, stderr);
        free(paths);
        return TL_EXIT_USAGE;
    }
    if (require && strcmp(sub, "test") != 0) {
        fprintf(stderr, "trustline rules %s: --require-tests is an option "
                        "of 'rules test'\n", sub);
        free(paths);
        return TL_EXIT_USAGE;
    }
    if (literals && strcmp(sub, "list") != 0) {
        fprintf(stderr, "trustline rules %s: --literals is an option of "
                        "'rules list'\n", sub);
        free(paths);
        return TL_EXIT_USAGE;
    }
    bool owned;
    char **use = paths_or_default(paths, n, tl_cli_argv0, &owned);
    struct tl_ruleset *rs = load(use);
    int rc;
    if (strcmp(sub, "lint") == 0)
        rc = cmd_lint(rs);
    else if (strcmp(sub, "list") == 0)
        rc = cmd_list(rs, literals);
    else
        rc = cmd_test(rs, require);
    tl_ruleset_free(rs);
    if (owned)
        tl_rules_free_paths(use);
    free(paths);
    return rc;
}
