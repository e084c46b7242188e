/*
 * testrun.c - running a rule's own `tests` (`trustline rules test`).
 *
 * Each test line is parsed on its own by a fresh parser that detects the
 * style, so that tests may be written in any `log` style. A line must
 * give exactly one event. Besides the expectations written in the rule,
 * every matching line must get through the prefilter and the `log`
 * predicate: a failure there is a bug in trustline, reported as such.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/parser.h"
#include "rule_int.h"

struct line_ctx {
    void (*cb)(void *ctx, const struct tl_event *ev);
    void *ctx;
    size_t n;
};

static void line_event(void *vctx, const struct tl_event *ev)
{
    struct line_ctx *c = vctx;
    c->n++;
    c->cb(c->ctx, ev);
}

size_t tl_rules_parse_line(const char *text, size_t n, const char *input,
                           void (*cb)(void *ctx, const struct tl_event *ev),
                           void *ctx)
{
    struct tl_parser_opts o;
    tl_parser_opts_init(&o);
    o.quiet = true;
    struct line_ctx c = {cb, ctx, 0};
    struct tl_parser_cb pcb = {&c, line_event, NULL};
    struct tl_parser *p = tl_parser_new(&o, input ? input : "<test>", &pcb);
    tl_parser_feed(p, text, n);
    if (n == 0 || text[n - 1] != '\n')
        tl_parser_feed(p, "\n", 1);
    tl_parser_finish(p);
    tl_parser_free(p);
    return c.n;
}

struct tctx {
    struct tl_ruleset *rs;
    const struct tl_rule *r;
    const struct tl_test *t;
    char *pred;                 /* the rule's predicate, or NULL */
    struct tl_buf *why;         /* failure lines */
    size_t events;
};

static void why(struct tctx *T, const char *fmt, ...) TL_PRINTF(2, 3);

static void why(struct tctx *T, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    tl_buf_append(T->why, buf, (size_t)n < sizeof buf ? (size_t)n
                                                      : sizeof buf - 1);
}

/* Quote a value for a failure message. */
static void quote(struct tl_buf *b, const char *s, size_t n)
{
    tl_buf_putc(b, '\'');
    for (size_t i = 0; i < n && i < 300; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            tl_buf_append(b, "\\n", 2);
        } else if (c < 0x20 || c == 0x7f) {
            char h[8];
            snprintf(h, sizeof h, "\\x%02x", c);
            tl_buf_append(b, h, 4);
        } else {
            tl_buf_putc(b, (char)c);
        }
    }
    if (n > 300)
        tl_buf_append(b, "...", 3);
    tl_buf_putc(b, '\'');
}

struct mctx {
    struct tctx *T;
    bool called;
};

static void check_fields(void *vctx, const struct tl_match *m)
{
    struct mctx *M = vctx;
    struct tctx *T = M->T;
    const struct tl_test *t = T->t;
    M->called = true;
    for (size_t i = 0; i < t->n_fields; i++) {
        const struct tl_test_field *tf = &t->fields[i];
        const char *got = NULL;
        size_t gn = 0;
        bool have = false;
        bool extracted_name = false;
        for (size_t k = 0; k < T->r->n_ex_names; k++)
            if (strcmp(T->r->ex_names[k], tf->name) == 0)
                extracted_name = true;
        char nbuf[64];
        if (extracted_name) {
            for (size_t k = 0; k < m->n_fields; k++) {
                if (strcmp(m->fields[k].name, tf->name) == 0) {
                    got = m->fields[k].value.p;
                    gn = m->fields[k].value.n;
                    have = true;
                }
            }
        } else {
            enum tl_field f = tl_field_lookup(tf->name, strlen(tf->name));
            struct tl_str v;
            if (f != TL_F__COUNT &&
                tl_rules_event_value(m->ev, f, nbuf, sizeof nbuf, &v)) {
                got = v.p;
                gn = v.n;
                have = true;
            }
        }
        if (!tf->value) {
            if (have) {
                why(T, "      field %s: expected absent, got ", tf->name);
                quote(T->why, got, gn);
                tl_buf_putc(T->why, '\n');
            }
            continue;
        }
        if (!have) {
            why(T, "      field %s: expected '%s', got nothing\n", tf->name,
                tf->value);
        } else if (gn != strlen(tf->value) ||
                   memcmp(got, tf->value, gn) != 0) {
            why(T, "      field %s: expected '%s', got ", tf->name,
                tf->value);
            quote(T->why, got, gn);
            tl_buf_putc(T->why, '\n');
        }
    }
    if (t->summary) {
        if (!m->summary.p) {
            why(T, "      summary: expected '%s', got nothing\n", t->summary);
        } else if (m->summary.n != strlen(t->summary) ||
                   memcmp(m->summary.p, t->summary, m->summary.n) != 0) {
            why(T, "      summary: expected '%s', got ", t->summary);
            quote(T->why, m->summary.p, m->summary.n);
            tl_buf_putc(T->why, '\n');
        }
    }
}

static void test_event(void *vctx, const struct tl_event *ev)
{
    struct tctx *T = vctx;
    if (++T->events > 1)
        return;
    struct mctx M = {T, false};
    bool m = tl_ruleset_match_rule(T->rs, T->r, ev, check_fields, &M);
    if (m != T->t->expect_match)
        why(T, "      %s\n", m ? "matched, but it should not"
                               : "did not match");
    if (m && !tl_rule_cover_admits(T->r, ev->style, ev->raw.p, ev->raw.n))
        why(T, "      the prefilter would skip this line (a trustline "
               "bug: please report it)\n");
    if (m && T->pred && tl_rules_predicate_eval(T->pred, ev) != 1)
        why(T, "      the log predicate would exclude this line (a "
               "trustline bug: please report it)\n");
}

unsigned tl_rule_run_tests(struct tl_ruleset *rs, const struct tl_rule *r,
                           FILE *out, unsigned *n_tests)
{
    unsigned failed = 0;
    size_t nm = 0, nn = 0;
    struct tl_buf buf;
    tl_buf_init(&buf, (size_t)1 << 20);
    char *pred = tl_rule_predicate(r);
    if (n_tests)
        *n_tests = (unsigned)r->n_tests;
    for (size_t i = 0; i < r->n_tests; i++) {
        const struct tl_test *t = &r->tests[i];
        size_t idx = t->expect_match ? ++nm : ++nn;
        size_t mark = buf.len;
        struct tctx T = {rs, r, t, pred, &buf, 0};
        char head[512];
        snprintf(head, sizeof head, "    %s[%zu] (%s:%u):\n",
                 t->expect_match ? "match" : "nomatch", idx, r->info.file,
                 t->yline);
        tl_buf_append(&buf, head, strlen(head));
        size_t body = buf.len;
        tl_rules_parse_line(t->line, t->n, r->info.file, test_event, &T);
        if (T.events == 0)
            why(&T, "      the line did not parse as a log event\n");
        else if (T.events > 1)
            why(&T, "      the line holds %zu events; give one per test\n",
                T.events);
        if (buf.len == body) {
            buf.len = mark;  /* passed: drop the header */
            if (buf.p)
                buf.p[buf.len] = '\0';
            continue;
        }
        failed++;
        tl_buf_append(&buf, "      line: ", 12);
        quote(&buf, t->line, t->n);
        tl_buf_putc(&buf, '\n');
    }
    if (out && buf.len)
        fwrite(buf.p, 1, buf.len, out);
    tl_buf_free(&buf);
    free(pred);
    return failed;
}
