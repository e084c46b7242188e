/*
 * predicate.c - `trustline predicate`: an Apple `log` predicate admitting
 * every event the loaded rules could match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../rules/rules.h"
#include "cli.h"
#include "commands.h"
#include "opt.h"


static const char usage[] =
    "Usage: trustline predicate [-r RULES]... [--per-rule]\n"
    "\n"
    "Print an Apple `log` predicate that admits every event any loaded\n"
    "detection rule could match, built from the subsystem, category,\n"
    "process, sender, image-path and message literals the rules require,\n"
    "for example:\n"
    "\n"
    "  log stream --predicate \"$(trustline predicate)\" --style ndjson |\n"
    "      trustline\n"
    "\n"
    "The predicate never excludes an event a rule could match. When some\n"
    "rule cannot be bounded that way (it relies only on 'not', numbers,\n"
    "exists or null), nothing is printed, a note on stderr names the rule,\n"
    "and the exit status is 1: run `log` without --predicate then.\n"
    "\n"
    "Options:\n"
    "  -r, --rules PATH   a rule file or directory (repeatable); default:\n"
    "                     $TRUSTLINE_RULES, else rules/macos next to the\n"
    "                     executable, else the installed rule set\n"
    "  --per-rule         print each rule's own predicate instead, one\n"
    "                     line each: ID<TAB>PREDICATE (or \"-\")\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 printed; 1 no predicate can bound the rules; 2 usage\n"
    "error or rules with errors.\n";

int tl_cli_predicate(int argc, char **argv)
{
    enum { O_HELP = 1, O_RULES, O_PER_RULE };
    static const struct tl_opt opts[] = {
        {"help", 'h', false, O_HELP},
        {"rules", 'r', true, O_RULES},
        {"per-rule", 0, false, O_PER_RULE},
        {NULL, 0, false, 0},
    };
    struct tl_optstate st;
    char **rpaths = tl_xcalloc((size_t)argc + 1, sizeof *rpaths);
    size_t nr = 0;
    bool per_rule = false;
    struct tl_ruleset *rs = NULL;
    int id, rc = TL_EXIT_OK;
    tl_opt_init(&st, "trustline predicate");
    while ((id = tl_opt_next(&st, argc, argv, opts)) != TL_OPT_END) {
        switch (id) {
        case O_HELP:
            fputs(usage, stdout);
            goto done;
        case O_RULES:
            rpaths[nr++] = (char *)(uintptr_t)st.arg;
            break;
        case O_PER_RULE:
            per_rule = true;
            break;
        case TL_OPT_OPERAND:
            fprintf(stderr, "trustline predicate: unexpected argument '%s' "
                            "(rules are given with -r)\n", st.arg);
            rc = TL_EXIT_USAGE;
            goto done;
        default:
            rc = TL_EXIT_USAGE;
            goto done;
        }
    }
    char **defaults = nr ? NULL : tl_rules_default_paths(tl_cli_argv0);
    char **use = nr ? rpaths : defaults;
    rs = tl_ruleset_new();
    for (size_t i = 0; use[i]; i++)
        tl_ruleset_load_path(rs, use[i]);
    tl_rules_free_paths(defaults);
    if (tl_ruleset_finalize(rs)) {
        tl_ruleset_print_messages(rs, stderr, "trustline: ");
        rc = TL_EXIT_USAGE;
        goto done;
    }
    if (per_rule) {
        for (size_t i = 0; i < tl_ruleset_count(rs); i++) {
            const struct tl_rule *r = tl_ruleset_rule(rs, i);
            if (tl_rule_info(r)->kind != TL_RULE_DETECTION)
                continue;
            char *p = tl_rule_predicate(r);
            printf("%s\t%s\n", tl_rule_label(r), p ? p : "-");
            free(p);
        }
        goto done;
    }
    char *why = NULL;
    char *pred = tl_rules_predicate(rs, &why);
    if (!pred) {
        fprintf(stderr, "trustline: predicate: %s; no predicate printed\n",
                why ? why : "no predicate");
        rc = TL_EXIT_FOUND;
    } else {
        printf("%s\n", pred);
    }
    free(pred);
    free(why);
done:
    fflush(stdout);
    tl_ruleset_free(rs);
    free(rpaths);
    return rc;
}
