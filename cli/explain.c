/*
 * explain.c - `trustline explain`: the parsed fields of each event, then
 * for each rule why it matched or not.
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
    "Usage: trustline explain [-r RULES]... [--rule ID]... [--matches]\n"
    "                         [--style STYLE]\n"
    "                         (--line 'LOG LINE' | [FILE|-]...)\n"
    "\n"
    "For each event: its parsed fields, then for each rule whether it\n"
    "matched and why: every selection item true or false, each selection,\n"
    "the condition's value, and for a match the extracted fields and the\n"
    "summary. With no FILE, or FILE -, read stdin.\n"
    "\n"
    "Options:\n"
    "  -r, --rules PATH   a rule file or directory (repeatable); default:\n"
    "                     $TRUSTLINE_RULES, else rules/macos next to the\n"
    "                     executable, else the installed rule set\n"
    "  --rule ID          explain only the rule with this id or name\n"
    "                     (repeatable)\n"
    "  --matches          explain only the rules that match\n"
    "  -l, --line TEXT    explain this log line instead of reading input;\n"
    "                     it is read like input, in the --style given\n"
    "                     (default: detected), with --max-line\n"
    "  -h, --help         this text\n"
    "\n" TL_INPUT_HELP
    "\n"
    "Exit status: 0 done; 2 usage error or rules with errors; 3 an input\n"
    "could not be read.\n";

struct xctx {
    struct tl_ruleset *rs;
    const struct tl_rule **only;
    size_t n_only;
    bool matches_only;
    size_t events;
};

static void on_event(void *vctx, const struct tl_event *ev)
{
    struct xctx *x = vctx;
    if (x->events++)
        fputc('\n', stdout);
    tl_rules_print_event(ev, stdout);
    for (size_t i = 0; i < tl_ruleset_count(x->rs); i++) {
        const struct tl_rule *r = tl_ruleset_rule(x->rs, i);
        if (x->n_only) {
            bool want = false;
            for (size_t k = 0; k < x->n_only; k++)
                if (x->only[k] == r)
                    want = true;
            if (!want)
                continue;
        }
        if (x->matches_only) {
            if (tl_rule_info(r)->kind != TL_RULE_DETECTION ||
                !tl_ruleset_match_rule(x->rs, r, ev, NULL, NULL))
                continue;
        }
        tl_rule_explain(x->rs, r, ev, stdout);
    }
    fflush(stdout);
}

/* Parse `line` (a final newline is added if missing) with the input
 * options, as a file would be read; returns the number of events. */
static size_t explain_line(const char *line, const struct tl_input_opts *io,
                           struct xctx *x)
{
    struct tl_parser_cb cb = {.ctx = x, .event = on_event, .want = NULL};
    struct tl_parser *p = tl_parser_new(&io->parser, "<line>", &cb);
    size_t before = x->events, n = strlen(line);
    tl_parser_feed(p, line, n);
    if (n == 0 || line[n - 1] != '\n')
        tl_parser_feed(p, "\n", 1);
    tl_parser_finish(p);
    tl_parser_free(p);
    return x->events - before;
}

int tl_cli_explain(int argc, char **argv)
{
    enum { O_HELP = 1, O_RULES, O_RULE, O_LINE, O_MATCHES };
    static const struct tl_opt opts[] = {
        {"help", 'h', false, O_HELP},
        {"rules", 'r', true, O_RULES},
        {"rule", 0, true, O_RULE},
        {"line", 'l', true, O_LINE},
        {"matches", 0, false, O_MATCHES},
        TL_INPUT_OPTS,
        {NULL, 0, false, 0},
    };
    struct tl_optstate st;
    struct tl_input_opts io;
    char **rpaths = tl_xcalloc((size_t)argc + 1, sizeof *rpaths);
    const char **ids = tl_xcalloc((size_t)argc + 1, sizeof *ids);
    const char **files = tl_xcalloc((size_t)argc + 1, sizeof *files);
    size_t nr = 0, ni = 0, nf = 0;
    const char *line = NULL;
    struct xctx x;
    memset(&x, 0, sizeof x);
    int id, rc = TL_EXIT_OK;
    tl_input_opts_init(&io);
    tl_opt_init(&st, "trustline explain");
    while ((id = tl_opt_next(&st, argc, argv, opts)) != TL_OPT_END) {
        switch (id) {
        case TL_OPT_OPERAND:
            files[nf++] = st.arg;
            break;
        case O_HELP:
            fputs(usage, stdout);
            goto done;
        case O_RULES:
            rpaths[nr++] = (char *)(uintptr_t)st.arg;
            break;
        case O_RULE:
            ids[ni++] = st.arg;
            break;
        case O_LINE:
            line = st.arg;
            break;
        case O_MATCHES:
            x.matches_only = true;
            break;
        case TL_OPT_ERROR:
            rc = TL_EXIT_USAGE;
            goto done;
        default:
            if (tl_input_opt(&io, id, st.arg, st.prog) != 1) {
                rc = TL_EXIT_USAGE;
                goto done;
            }
            break;
        }
    }
    if (line && nf) {
        fprintf(stderr, "trustline explain: give --line or files, not "
                        "both\n");
        rc = TL_EXIT_USAGE;
        goto done;
    }
    char **defaults = nr ? NULL : tl_rules_default_paths(tl_cli_argv0);
    char **use = nr ? rpaths : defaults;
    x.rs = tl_ruleset_new();
    for (size_t i = 0; use[i]; i++)
        tl_ruleset_load_path(x.rs, use[i]);
    tl_rules_free_paths(defaults);
    if (tl_ruleset_finalize(x.rs)) {
        tl_ruleset_print_messages(x.rs, stderr, "trustline: ");
        rc = TL_EXIT_USAGE;
        goto done;
    }
    x.only = tl_xcalloc(ni + 1, sizeof *x.only);
    for (size_t i = 0; i < ni; i++) {
        const struct tl_rule *r = tl_ruleset_find(x.rs, ids[i]);
        if (!r) {
            fprintf(stderr, "trustline explain: --rule: no rule has the id "
                            "or name '%s'\n", ids[i]);
            rc = TL_EXIT_USAGE;
            goto done;
        }
        x.only[x.n_only++] = r;
    }
    if (line) {
        if (explain_line(line, &io, &x) == 0) {
            fprintf(stderr, "trustline explain: the line did not parse as "
                            "a log event\n");
            rc = TL_EXIT_USAGE;
        }
        goto done;
    }
    if (nf == 0)
        files[nf++] = "-";
    struct tl_parser_cb cb = {.ctx = &x, .event = on_event, .want = NULL};
    for (size_t i = 0; i < nf && !tl_cli_interrupted; i++)
        if (tl_input_run(files[i], &io, &cb, NULL) != 0)
            rc = TL_EXIT_INPUT;
done:
    tl_ruleset_free(x.rs);
    free(x.only);
    free(rpaths);
    free(ids);
    free(files);
    return rc;
}
