/*
 * scan.c - `trustline [scan]`: load rules, read logs, match, correlate
 * into episodes, render the timeline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../output/render.h"
#include "../rules/rules.h"
#include "../rules/timeline.h"
#include "../util/diag.h"
#include "../util/out.h"
#include "cli.h"
#include "commands.h"
#include "filter.h"
#include "opt.h"

static const char usage[] =
    "Usage: trustline [scan] [OPTIONS] [FILE|-]...\n"
    "\n"
    "Read the output of `log show` / `log stream` (any --style), match the\n"
    "rules, group matched events into episodes and print the timeline.\n"
    "With no FILE, or FILE -, read stdin. On a pipe each matched event is\n"
    "written as soon as it is read and each episode when it closes.\n"
    "\n"
    "Rules:\n"
    "  -r, --rules PATH   a rule file or directory (repeatable); default:\n"
    "                     $TRUSTLINE_RULES (colon-separated), else the\n"
    "                     shipped rules (rules/macos next to the binary, or\n"
    "                     PREFIX/share/trustline/rules)\n"
    "  --rule ID|NAME     only this rule (repeatable)\n"
    "  --tag TAG          only rules with this tag (repeatable)\n"
    "  --no-prefilter     evaluate every record in full (same results,\n"
    "                     slower; for checking the prefilter)\n"
    "  --match-limit N    PCRE2 match limit per regex match (default 1000000)\n"
    "  --depth-limit N    PCRE2 depth limit (default 10000)\n"
    "\n"
    "Output:\n"
    "  -f, --format FMT   text (default), ndjson, csv or html\n"
    "  -o, --output FILE  write to FILE instead of stdout (replacing it)\n"
    "  --append           with -o: append to FILE instead (for long-running\n"
    "                     jobs that restart)\n"
    "  --min-level LEVEL  show only events and episodes at or above LEVEL\n"
    "                     (informational, low, medium, high, critical)\n"
    "  --since TIME       only events at or after TIME\n"
    "  --until TIME       only events before TIME\n"
    "                     TIME: 2024-10-06, '2024-10-06 09:30[:00[.000000]]'\n"
    "                     (local time as the log prints it), an ISO 8601\n"
    "                     time with Z or +HH:MM (an instant), or relative\n"
    "                     to now: 30s, 15m, 2h, 7d\n"
    "  --color WHEN       auto (default: on a terminal unless NO_COLOR is\n"
    "                     set), always, never\n"
    "  --title TEXT       report title (html)\n"
    "  --stats            input statistics to stderr at the end\n"
    "  --fail-level LEVEL exit 1 when an event or episode at or above LEVEL\n"
    "                     was found\n"
    "  --strict           exit 3 when an input cannot be read\n"
    "\n"
    "Timeline:\n"
    "  --live, --batch    force live (events at once, episodes on close) or\n"
    "                     batch (one ordered timeline) mode; default: live\n"
    "                     when an input is a pipe or terminal\n"
    "  --max-open N       open episodes kept at once (default 10000); the\n"
    "                     oldest is closed early beyond it, and counted\n"
    "  --reorder SECS     tolerance for out-of-order events (default 10)\n"
    "\n" TL_INPUT_HELP
    "\n"
    "Exit status: 0 done; 1 --fail-level reached; 2 usage or rule errors;\n"
    "3 an input could not be read (--strict); 4 the output could not be\n"
    "written.\n"
    "\n"
    "Examples:\n"
    "  trustline samples/busy-hour.log\n"
    "  log show --info --last 1d --style ndjson | trustline -f html -o day.html\n"
    "  log stream --level info --style ndjson \\\n"
    "      --predicate \"$(trustline predicate)\" | trustline\n"
    "(Some of the events the shipped rules look for are logged at the Info\n"
    "level: give `log stream` --level info and `log show` --info.)\n";

struct scan {
    struct tl_ruleset *rs;
    struct tl_timeline *tl;
    const struct tl_render_ops *ops;
    void *rst;
    struct tl_out out;
    struct tl_render_opts ropts;
    struct tl_tfilter since, until;
    struct tl_rule_select sel;
    uint64_t *rule_hits;      /* per rule index */
    size_t n_rules;
    uint64_t filtered;
    enum tl_level fail_level;
    bool fail_set;
    bool failed;
};

/* --- the pipeline ----------------------------------------------------------- */

static void on_match(void *ctx, const struct tl_match *m)
{
    struct scan *s = ctx;
    if (!tl_rule_selected(&s->sel, m->info)) {
        s->filtered++;
        return;
    }
    if (m->info->index < s->n_rules)
        s->rule_hits[m->info->index]++;
    if (s->fail_set && m->info->level >= s->fail_level)
        s->failed = true;
    tl_timeline_add(s->tl, m);
}

static bool scan_want(void *ctx, enum tl_style style, const char *raw,
                      size_t n)
{
    struct scan *s = ctx;
    return tl_ruleset_want(s->rs, style, raw, n);
}

/* The prefilter's search over whole chunks, in the read-ahead thread
 * (cli/input.c); the ruleset is not changed while inputs are read. */
static void *pf_new(void *ctx)
{
    (void)ctx;
    return tl_pf_chunk_new();
}

static void pf_free(void *ctx, void *slot)
{
    (void)ctx;
    tl_pf_chunk_free(slot);
}

static void pf_prep(void *ctx, void *slot, enum tl_style style,
                    const char *buf, size_t n)
{
    const struct scan *s = ctx;
    tl_ruleset_pf_scan(s->rs, style, buf, n, slot);
}

static void pf_use(void *ctx, void *slot)
{
    struct scan *s = ctx;
    tl_ruleset_pf_use(s->rs, slot);
}

static void on_event(void *ctx, const struct tl_event *ev)
{
    struct scan *s = ctx;
    if (ev->has_time) {
        if (s->since.set && tl_tfilter_cmp(ev, &s->since) < 0)
            return;
        if (s->until.set && tl_tfilter_cmp(ev, &s->until) >= 0)
            return;
    }
    tl_ruleset_match(s->rs, ev, on_match, s);
}

static void sink_hit(void *ctx, const struct tl_hit *h)
{
    struct scan *s = ctx;
    s->ops->hit(s->rst, h);
}

static void sink_episode(void *ctx, const struct tl_episode *ep)
{
    struct scan *s = ctx;
    if (s->fail_set && ep->level >= s->fail_level)
        s->failed = true;
    s->ops->episode(s->rst, ep);
}

static void on_idle(void *ctx)
{
    struct scan *s = ctx;
    tl_timeline_idle(s->tl);
    tl_out_flush(&s->out);
}

static bool parse_level(const char *opt, const char *v, enum tl_level *out)
{
    enum tl_level l = tl_rule_level_parse(v);
    if (l == TL_LEVEL__COUNT) {
        fprintf(stderr, "trustline scan: --%s: unknown level '%s' (use "
                "informational, low, medium, high or critical)\n", opt, v);
        return false;
    }
    *out = l;
    return true;
}

int tl_cli_scan(int argc, char **argv)
{
    enum {
        O_RULES = 1, O_FORMAT, O_OUT, O_MINLEVEL, O_SINCE, O_UNTIL, O_RULE,
        O_TAG, O_NOPRE, O_STATS, O_FAIL, O_STRICT, O_LIVE, O_BATCH,
        O_MAXOPEN, O_REORDER, O_COLOR, O_TITLE, O_MLIMIT, O_DLIMIT, O_HELP,
        OPT_APPEND
    };
    static const struct tl_opt opts[] = {
        {"rules", 'r', true, O_RULES},
        {"format", 'f', true, O_FORMAT},
        {"output", 'o', true, O_OUT},
        {"min-level", 0, true, O_MINLEVEL},
        {"since", 0, true, O_SINCE},
        {"until", 0, true, O_UNTIL},
        {"rule", 0, true, O_RULE},
        {"tag", 0, true, O_TAG},
        {"no-prefilter", 0, false, O_NOPRE},
        {"stats", 0, false, O_STATS},
        {"fail-level", 0, true, O_FAIL},
        {"strict", 0, false, O_STRICT},
        {"live", 0, false, O_LIVE},
        {"batch", 0, false, O_BATCH},
        {"max-open", 0, true, O_MAXOPEN},
        {"reorder", 0, true, O_REORDER},
        {"color", 0, true, O_COLOR},
        {"title", 0, true, O_TITLE},
        {"match-limit", 0, true, O_MLIMIT},
        {"depth-limit", 0, true, O_DLIMIT},
        {"help", 'h', false, O_HELP},
        {"append", 0, false, OPT_APPEND},
        TL_INPUT_OPTS,
        {NULL, 0, false, 0},
    };
    struct scan s;
    struct tl_input_opts io;
    struct tl_timeline_opts to;
    struct tl_rules_limits lim;
    struct tl_optstate st;
    const char **rule_paths = tl_xcalloc((size_t)argc + 1, sizeof(char *));
    const char **files = tl_xcalloc((size_t)argc + 1, sizeof(char *));
    size_t n_rule_paths = 0, nfiles = 0;
    const char *outpath = NULL, *format = "text", *color = "auto";
    bool stats = false, prefilter = true, strict = false, append = false;
    int live = -1, id, rc = TL_EXIT_OK;
    unsigned long long v;

    memset(&s, 0, sizeof(s));
    s.sel.rules = tl_xcalloc((size_t)argc + 1, sizeof(char *));
    s.sel.tags = tl_xcalloc((size_t)argc + 1, sizeof(char *));
    tl_input_opts_init(&io);
    tl_timeline_opts_init(&to);
    tl_rules_limits_init(&lim);
    s.ropts.min_level = TL_LEVEL_INFORMATIONAL;
    tl_opt_init(&st, "trustline scan");
    while ((id = tl_opt_next(&st, argc, argv, opts)) != TL_OPT_END) {
        switch (id) {
        case TL_OPT_OPERAND:
            files[nfiles++] = st.arg;
            break;
        case O_RULES:
            rule_paths[n_rule_paths++] = st.arg;
            break;
        case O_FORMAT:
            format = st.arg;
            break;
        case O_OUT:
            outpath = st.arg;
            break;
        case O_MINLEVEL:
            if (!parse_level("min-level", st.arg, &s.ropts.min_level))
                rc = TL_EXIT_USAGE;
            break;
        case O_FAIL:
            if (!parse_level("fail-level", st.arg, &s.fail_level))
                rc = TL_EXIT_USAGE;
            s.fail_set = true;
            break;
        case O_SINCE:
        case O_UNTIL:
            if (!tl_tfilter_parse(st.arg, (int64_t)time(NULL),
                                  id == O_SINCE ? &s.since : &s.until)) {
                fprintf(stderr, "trustline scan: --%s: cannot read the time "
                        "'%s' (use e.g. 2024-10-06, '2024-10-06 09:30', "
                        "2024-10-06T09:30:00Z or 2h)\n",
                        id == O_SINCE ? "since" : "until", st.arg);
                rc = TL_EXIT_USAGE;
            }
            break;
        case O_RULE:
            s.sel.rules[s.sel.n_rules++] = st.arg;
            break;
        case O_TAG:
            s.sel.tags[s.sel.n_tags++] = st.arg;
            break;
        case O_NOPRE:
            prefilter = false;
            break;
        case O_STATS:
            stats = true;
            break;
        case O_STRICT:
            strict = true;
            break;
        case OPT_APPEND:
            append = true;
            break;
        case O_LIVE:
            live = 1;
            break;
        case O_BATCH:
            live = 0;
            break;
        case O_MAXOPEN:
            if (!tl_opt_urange(st.prog, "max-open", st.arg, 1, 10000000,
                               &v))
                rc = TL_EXIT_USAGE;
            else
                to.max_open = (size_t)v;
            break;
        case O_REORDER:
            if (!tl_opt_uint(st.prog, "reorder", st.arg, 86400, &v))
                rc = TL_EXIT_USAGE;
            else
                to.reorder_us = (int64_t)v * 1000000;
            break;
        case O_COLOR:
            color = st.arg;
            if (strcmp(color, "auto") && strcmp(color, "always") &&
                strcmp(color, "never")) {
                fprintf(stderr, "trustline scan: --color: use auto, always "
                        "or never\n");
                rc = TL_EXIT_USAGE;
            }
            break;
        case O_TITLE:
            s.ropts.title = st.arg;
            break;
        case O_MLIMIT:
            if (!tl_opt_urange(st.prog, "match-limit", st.arg, 1,
                               4000000000u, &v))
                rc = TL_EXIT_USAGE;
            else
                lim.match_limit = (uint32_t)v;
            break;
        case O_DLIMIT:
            if (!tl_opt_urange(st.prog, "depth-limit", st.arg, 1,
                               4000000000u, &v))
                rc = TL_EXIT_USAGE;
            else
                lim.depth_limit = (uint32_t)v;
            break;
        case O_HELP:
            fputs(usage, stdout);
            rc = -1;
            break;
        case TL_OPT_ERROR:
            rc = TL_EXIT_USAGE;
            break;
        default:
            if (tl_input_opt(&io, id, st.arg, st.prog) != 1)
                rc = TL_EXIT_USAGE;
            break;
        }
        if (rc != TL_EXIT_OK)
            break;
    }
    s.ops = tl_render_find(format);
    if (rc == TL_EXIT_OK && !s.ops) {
        fprintf(stderr, "trustline scan: --format: unknown format '%s' (use "
                "text, ndjson, csv or html)\n", format);
        rc = TL_EXIT_USAGE;
    }
    if (rc != TL_EXIT_OK) {
        free(rule_paths);
        free(files);
        free(s.sel.rules);
        free(s.sel.tags);
        return rc < 0 ? TL_EXIT_OK : rc;
    }
    if (nfiles == 0)
        files[nfiles++] = "-";

    /* Rules. */
    s.rs = tl_ruleset_new();
    tl_ruleset_set_limits(s.rs, &lim);
    char **defaults = NULL;
    if (n_rule_paths == 0) {
        defaults = tl_rules_default_paths(tl_cli_argv0);
        for (size_t i = 0; defaults && defaults[i]; i++)
            tl_ruleset_load_path(s.rs, defaults[i]);
        if (!defaults || !defaults[0]) {
            fprintf(stderr, "trustline scan: no rules found: give -r PATH, "
                    "set TRUSTLINE_RULES, or install the shipped rules\n");
            rc = TL_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < n_rule_paths; i++)
        tl_ruleset_load_path(s.rs, rule_paths[i]);
    if (rc == TL_EXIT_OK && tl_ruleset_finalize(s.rs) > 0) {
        tl_ruleset_print_messages(s.rs, stderr, "trustline: ");
        fprintf(stderr, "trustline scan: the rules have errors; fix them "
                "(trustline rules lint) and run again\n");
        rc = TL_EXIT_USAGE;
    } else if (rc == TL_EXIT_OK && tl_ruleset_warnings(s.rs) > 0) {
        tl_ruleset_print_messages(s.rs, stderr, "trustline: ");
    }
    if (rc == TL_EXIT_OK && tl_ruleset_count(s.rs) == 0) {
        fprintf(stderr, "trustline scan: no rules loaded\n");
        rc = TL_EXIT_USAGE;
    }
    tl_rules_free_paths(defaults);
    if (rc != TL_EXIT_OK) {
        tl_ruleset_free(s.rs);
        free(rule_paths);
        free(files);
        free(s.sel.rules);
        free(s.sel.tags);
        return rc;
    }
    tl_ruleset_set_prefilter(s.rs, prefilter);
    s.n_rules = tl_ruleset_count(s.rs);
    s.rule_hits = tl_xcalloc(s.n_rules, sizeof(*s.rule_hits));
    for (size_t i = 0; i < s.n_rules; i++) {
        const struct tl_rule_info *in = tl_rule_info(tl_ruleset_rule(s.rs, i));
        const char *l = in->name ? in->name : in->title;
        if (in->kind == TL_RULE_DETECTION && strlen(l) > s.ropts.name_width)
            s.ropts.name_width = strlen(l);
    }

    /* Output. */
    int fd = STDOUT_FILENO;
    if (outpath) {
        fd = open(outpath,
                  O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
        if (fd < 0) {
            tl_diag(TL_DIAG_ERROR, outpath, 0, 0, "cannot write: %s",
                    strerror(errno));
            tl_ruleset_free(s.rs);
            free(s.rule_hits);
            free(rule_paths);
            free(files);
            free(s.sel.rules);
            free(s.sel.tags);
            return TL_EXIT_OUTPUT;
        }
    }
    bool is_live = live >= 0 ? live == 1
                             : tl_inputs_live((const char *const *)files, nfiles);
    s.ropts.live = is_live;
    to.live = is_live;
    if (strcmp(color, "always") == 0)
        s.ropts.color = true;
    else if (strcmp(color, "auto") == 0)
        s.ropts.color = isatty(fd) && !getenv("NO_COLOR") &&
                        strcmp(format, "text") == 0;
    tl_out_init(&s.out, fd, 256 * 1024);
    s.out.line_buffered = is_live;
    s.rst = s.ops->open(&s.out, &s.ropts);
    struct tl_timeline_sink sink = {&s, sink_hit, sink_episode};
    s.tl = tl_timeline_new(s.rs, &to, &sink);

    struct tl_parser_cb cb = {&s, on_event, prefilter ? scan_want : NULL};
    io.idle_cb = is_live ? on_idle : NULL;
    io.idle_ctx = &s;
    if (prefilter) {
        io.prep_new = pf_new;
        io.prep_free = pf_free;
        io.prep = pf_prep;
        io.use = pf_use;
        io.prep_ctx = &s;
    }
    struct tl_stats total;
    memset(&total, 0, sizeof(total));
    size_t n_read = 0;
    for (size_t i = 0; i < nfiles && !tl_cli_interrupted; i++) {
        if (tl_input_run(files[i], &io, &cb, &total) != 0) {
            if (strict)
                rc = TL_EXIT_INPUT;
        } else {
            n_read++;
        }
        tl_timeline_input_end(s.tl);
        if (s.out.err)
            break;
    }
    tl_timeline_finish(s.tl);

    /* The closing summary. */
    struct tl_rule_count *counts;
    size_t nc = tl_rule_counts(s.rs, s.rule_hits, s.n_rules, &counts);
    struct tl_rules_counters rcnt;
    tl_ruleset_counters(s.rs, &rcnt);
    struct tl_summary sum = {
        .input = &total,
        .tl = tl_timeline_stats(s.tl),
        .n_rules = nc,
        .rules = counts,
        .filtered = s.filtered,
        .limit_hits = rcnt.limit_hits,
        .n_inputs = n_read,
        .inputs = files,
        .n_rules_loaded = s.n_rules,
    };
    s.ops->summary(s.rst, &sum);
    s.ops->close(s.rst);
    tl_out_flush(&s.out);
    if (s.out.err && s.out.err != EPIPE) {
        tl_diag(TL_DIAG_ERROR, outpath ? outpath : "<stdout>", 0, 0,
                "write error: %s", strerror(s.out.err));
        rc = TL_EXIT_OUTPUT;
    }
    if (outpath && close(fd) != 0 && rc == TL_EXIT_OK) {
        tl_diag(TL_DIAG_ERROR, outpath, 0, 0, "write error: %s",
                strerror(errno));
        rc = TL_EXIT_OUTPUT;
    }
    if (stats) {
        tl_stats_print(stderr, &total);
        fprintf(stderr, "  prefilter: %llu of %llu records skipped before "
                "parsing\n",
                (unsigned long long)rcnt.want_false,
                (unsigned long long)rcnt.want_calls);
    }
    if (rc == TL_EXIT_OK && s.failed)
        rc = TL_EXIT_FOUND;

    tl_timeline_free(s.tl);
    tl_out_free(&s.out);
    free(counts);
    tl_ruleset_free(s.rs);
    free(s.rule_hits);
    free(rule_paths);
    free(files);
    free(s.sel.rules);
    free(s.sel.tags);
    return rc;
}
