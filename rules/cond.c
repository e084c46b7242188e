/*
 * cond.c - the condition expression; see cond.h.
 */
#include "cond.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"
#include "rules.h"

enum tok_kind {
    T_END = 0,
    T_LPAREN,
    T_RPAREN,
    T_WORD,     /* identifier, pattern or number */
    T_AND,
    T_OR,
    T_NOT,
    T_OF,
    T_THEM,
    T_ALL
};

struct tok {
    enum tok_kind kind;
    unsigned pos, len;
    const char *p;
};

struct cparser {
    const char *s;
    size_t n;
    size_t i;
    struct tok t;       /* current token */
    unsigned depth;
    bool failed;
    struct tl_cond_error *err;
};

static void fail(struct cparser *P, unsigned pos, const char *fmt, ...)
    TL_PRINTF(3, 4);

static void fail(struct cparser *P, unsigned pos, const char *fmt, ...)
{
    if (P->failed)
        return;
    P->failed = true;
    if (!P->err)
        return;
    P->err->pos = pos;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(P->err->msg, sizeof P->err->msg, fmt, ap);
    va_end(ap);
}

static bool word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-' ||
           c == '*';
}

static bool word_is(const struct tok *t, const char *kw)
{
    size_t n = strlen(kw);
    if (t->len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tl_fold[(unsigned char)t->p[i]] != (unsigned char)kw[i])
            return false;
    return true;
}

/* Show a token in a message: at most 40 bytes. */
static int tok_show_len(const struct tok *t)
{
    return t->len > 40 ? 40 : (int)t->len;
}

static void next(struct cparser *P)
{
    if (P->failed) {
        P->t.kind = T_END;
        return;
    }
    while (P->i < P->n && (P->s[P->i] == ' ' || P->s[P->i] == '\t' ||
                           P->s[P->i] == '\n' || P->s[P->i] == '\r'))
        P->i++;
    struct tok *t = &P->t;
    t->pos = (unsigned)P->i;
    t->p = P->s + P->i;
    t->len = 0;
    if (P->i >= P->n) {
        t->kind = T_END;
        return;
    }
    unsigned char c = (unsigned char)P->s[P->i];
    if (c == '(' || c == ')') {
        t->kind = c == '(' ? T_LPAREN : T_RPAREN;
        t->len = 1;
        P->i++;
        return;
    }
    if (c == '|') {
        fail(P, t->pos,
             "aggregation expressions ('| count() ...') are not "
             "supported: use a correlation rule");
        t->kind = T_END;
        return;
    }
    if (!word_char(c)) {
        if (c >= 0x20 && c < 0x7f)
            fail(P, t->pos, "unexpected character '%c' in condition", c);
        else
            fail(P, t->pos, "unexpected byte 0x%02x in condition", c);
        t->kind = T_END;
        return;
    }
    size_t j = P->i;
    while (j < P->n && word_char((unsigned char)P->s[j]))
        j++;
    t->len = (unsigned)(j - P->i);
    P->i = j;
    t->kind = T_WORD;
    if (word_is(t, "and"))
        t->kind = T_AND;
    else if (word_is(t, "or"))
        t->kind = T_OR;
    else if (word_is(t, "not"))
        t->kind = T_NOT;
    else if (word_is(t, "of"))
        t->kind = T_OF;
    else if (word_is(t, "them"))
        t->kind = T_THEM;
    else if (word_is(t, "all"))
        t->kind = T_ALL;
    else if (word_is(t, "near"))
        fail(P, t->pos, "'near' is not supported (Sigma 1 aggregation): "
                        "use a correlation rule");
}

static struct tl_cond *node_new(enum tl_cond_op op, unsigned pos)
{
    struct tl_cond *c = tl_xcalloc(1, sizeof *c);
    c->op = op;
    c->pos = pos;
    return c;
}

static void add_kid(struct tl_cond *c, struct tl_cond *k)
{
    c->kids = tl_xrealloc(c->kids, (c->n_kids + 1) * sizeof *c->kids);
    c->kids[c->n_kids++] = k;
}

static void set_end(struct tl_cond *c, unsigned end)
{
    c->len = end > c->pos ? end - c->pos : 0;
}

static unsigned tok_end(const struct tok *t)
{
    return t->pos + t->len;
}

static bool is_number(const struct tok *t)
{
    if (t->kind != T_WORD || t->len == 0 || t->len > 9)
        return false;
    for (unsigned i = 0; i < t->len; i++)
        if (t->p[i] < '0' || t->p[i] > '9')
            return false;
    return true;
}

static bool has_star(const struct tok *t)
{
    return memchr(t->p, '*', t->len) != NULL;
}

static struct tl_cond *parse_or(struct cparser *P);

static const char *tok_desc(const struct tok *t)
{
    switch (t->kind) {
    case T_END:
        return "end of condition";
    case T_LPAREN:
        return "'('";
    case T_RPAREN:
        return "')'";
    case T_AND:
        return "'and'";
    case T_OR:
        return "'or'";
    case T_NOT:
        return "'not'";
    case T_OF:
        return "'of'";
    case T_THEM:
        return "'them'";
    case T_ALL:
        return "'all'";
    case T_WORD:
        return "a name";
    }
    return "?";
}

static struct tl_cond *parse_primary(struct cparser *P)
{
    struct tok t = P->t;
    if (t.kind == T_LPAREN) {
        if (++P->depth > TL_RULES_MAX_COND_DEPTH) {
            fail(P, t.pos, "condition nested deeper than %u levels",
                 TL_RULES_MAX_COND_DEPTH);
            return NULL;
        }
        next(P);
        if (P->t.kind == T_RPAREN) {
            fail(P, P->t.pos, "empty parentheses");
            return NULL;
        }
        struct tl_cond *c = parse_or(P);
        if (!c)
            return NULL;
        if (P->t.kind != T_RPAREN) {
            if (P->t.kind == T_END)
                fail(P, t.pos, "unbalanced parentheses: this '(' is never "
                               "closed");
            else
                fail(P, P->t.pos, "expected ')' or an operator, found %s",
                     tok_desc(&P->t));
            tl_cond_free(c);
            return NULL;
        }
        P->depth--;
        next(P);
        return c;
    }
    if (t.kind == T_ALL || is_number(&t)) {
        unsigned quant = 0;
        if (t.kind == T_WORD) {
            quant = (unsigned)strtoul(t.p, NULL, 10);
            if (quant == 0) {
                fail(P, t.pos, "'0 of' is never true: use '1 of' or "
                               "'all of'");
                return NULL;
            }
        }
        next(P);
        if (P->t.kind != T_OF) {
            fail(P, P->t.kind == T_END ? t.pos : P->t.pos,
                 "expected 'of' after '%.*s'", tok_show_len(&t), t.p);
            return NULL;
        }
        next(P);
        struct tok tg = P->t;
        struct tl_cond *c = node_new(TL_COND_OF, t.pos);
        c->quant = quant;
        if (tg.kind == T_THEM) {
            c->name = NULL;
        } else if (tg.kind == T_WORD) {
            c->name = tl_xstrndup(tg.p, tg.len);
        } else {
            fail(P, tg.pos, "expected 'them' or a selection pattern after "
                            "'of', found %s", tok_desc(&tg));
            tl_cond_free(c);
            return NULL;
        }
        set_end(c, tok_end(&tg));
        next(P);
        return c;
    }
    if (t.kind == T_WORD) {
        if (has_star(&t)) {
            fail(P, t.pos, "the pattern '%.*s' needs '1 of' or 'all of' "
                           "before it", tok_show_len(&t), t.p);
            return NULL;
        }
        struct tl_cond *c = node_new(TL_COND_ID, t.pos);
        c->name = tl_xstrndup(t.p, t.len);
        set_end(c, tok_end(&t));
        next(P);
        return c;
    }
    if (t.kind == T_THEM) {
        fail(P, t.pos, "'them' needs '1 of' or 'all of' before it");
        return NULL;
    }
    if (t.kind == T_OF) {
        fail(P, t.pos, "'of' needs a number or 'all' before it");
        return NULL;
    }
    if (t.kind == T_END)
        fail(P, t.pos, "condition ends where a selection name, '(', 'not' "
                       "or 'N of' is expected");
    else if (t.kind == T_RPAREN)
        fail(P, t.pos, "unexpected ')'");
    else
        fail(P, t.pos, "unexpected %s where a selection name, '(', 'not' "
                       "or 'N of' is expected", tok_desc(&t));
    return NULL;
}

static struct tl_cond *parse_unary(struct cparser *P)
{
    if (P->t.kind != T_NOT)
        return parse_primary(P);
    unsigned pos = P->t.pos;
    if (++P->depth > TL_RULES_MAX_COND_DEPTH) {
        fail(P, pos, "condition nested deeper than %u levels",
             TL_RULES_MAX_COND_DEPTH);
        return NULL;
    }
    next(P);
    struct tl_cond *k = parse_unary(P);
    P->depth--;
    if (!k)
        return NULL;
    struct tl_cond *c = node_new(TL_COND_NOT, pos);
    add_kid(c, k);
    set_end(c, k->pos + k->len);
    return c;
}

static struct tl_cond *parse_list(struct cparser *P, enum tok_kind sep,
                                  enum tl_cond_op op,
                                  struct tl_cond *(*sub)(struct cparser *))
{
    struct tl_cond *first = sub(P);
    if (!first)
        return NULL;
    if (P->t.kind != sep)
        return first;
    struct tl_cond *c = node_new(op, first->pos);
    add_kid(c, first);
    while (P->t.kind == sep) {
        next(P);
        struct tl_cond *k = sub(P);
        if (!k) {
            tl_cond_free(c);
            return NULL;
        }
        add_kid(c, k);
        set_end(c, k->pos + k->len);
    }
    return c;
}

static struct tl_cond *parse_and(struct cparser *P)
{
    return parse_list(P, T_AND, TL_COND_AND, parse_unary);
}

static struct tl_cond *parse_or(struct cparser *P)
{
    return parse_list(P, T_OR, TL_COND_OR, parse_and);
}

struct tl_cond *tl_cond_parse(const char *s, size_t n,
                              struct tl_cond_error *err)
{
    struct cparser P = {.s = s, .n = n, .err = err};
    if (err) {
        err->pos = 0;
        err->msg[0] = '\0';
    }
    if (n > TL_RULES_MAX_COND) {
        fail(&P, 0, "condition longer than %u bytes", TL_RULES_MAX_COND);
        return NULL;
    }
    next(&P);
    if (P.t.kind == T_END && !P.failed) {
        fail(&P, 0, "empty condition");
        return NULL;
    }
    struct tl_cond *c = parse_or(&P);
    if (c && !P.failed && P.t.kind != T_END) {
        if (P.t.kind == T_RPAREN)
            fail(&P, P.t.pos, "unexpected ')'");
        else
            fail(&P, P.t.pos, "expected 'and', 'or' or the end, found %s"
                              " '%.*s'",
                 tok_desc(&P.t), tok_show_len(&P.t), P.t.p);
    }
    if (P.failed) {
        tl_cond_free(c);
        return NULL;
    }
    return c;
}

void tl_cond_free(struct tl_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_kids; i++)
        tl_cond_free(c->kids[i]);
    free(c->kids);
    free(c->sels);
    free(c->name);
    free(c);
}

/* Glob with '*' only, case-sensitive (selection names are). */
bool tl_cond_pattern_match(const char *pat, const char *name)
{
    const char *star = NULL, *back = NULL;
    while (*name) {
        if (*pat == '*') {
            star = pat++;
            back = name;
        } else if (*pat && *pat == *name) {
            pat++;
            name++;
        } else if (star) {
            pat = star + 1;
            name = ++back;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

struct resolve_ctx {
    const char *const *names;
    size_t n_names;
    bool *used;
    void (*err)(void *ctx, unsigned pos, const char *msg);
    void *ctx;
    unsigned problems;
};

static void rerr(struct resolve_ctx *R, unsigned pos, const char *fmt, ...)
    TL_PRINTF(3, 4);

static void rerr(struct resolve_ctx *R, unsigned pos, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    R->problems++;
    if (R->err)
        R->err(R->ctx, pos, msg);
}

static void resolve(struct resolve_ctx *R, struct tl_cond *c)
{
    if (c->op == TL_COND_ID) {
        for (size_t i = 0; i < R->n_names; i++) {
            if (strcmp(R->names[i], c->name) == 0) {
                c->sel = i;
                if (R->used)
                    R->used[i] = true;
                return;
            }
        }
        rerr(R, c->pos, "undefined selection '%s'", c->name);
        c->sel = (size_t)-1;
        return;
    }
    if (c->op == TL_COND_OF) {
        free(c->sels);
        c->sels = tl_xcalloc(R->n_names + 1, sizeof *c->sels);
        c->n_sels = 0;
        for (size_t i = 0; i < R->n_names; i++) {
            bool hit = c->name ? tl_cond_pattern_match(c->name, R->names[i])
                               : R->names[i][0] != '_';
            if (!hit)
                continue;
            c->sels[c->n_sels++] = i;
            if (R->used)
                R->used[i] = true;
        }
        if (c->n_sels == 0) {
            if (c->name)
                rerr(R, c->pos, "the pattern '%s' matches no selection",
                     c->name);
            else
                rerr(R, c->pos, "'them' matches no selection");
        } else if (c->quant > c->n_sels) {
            rerr(R, c->pos, "'%u of' can never be true: only %zu "
                            "selection%s match%s",
                 c->quant, c->n_sels, c->n_sels == 1 ? "" : "s",
                 c->n_sels == 1 ? "es" : "");
        }
        return;
    }
    for (size_t i = 0; i < c->n_kids; i++)
        resolve(R, c->kids[i]);
}

unsigned tl_cond_resolve(struct tl_cond *c, const char *const *names,
                         size_t n_names, bool *used,
                         void (*err)(void *ctx, unsigned pos,
                                     const char *msg),
                         void *ctx)
{
    struct resolve_ctx R = {names, n_names, used, err, ctx, 0};
    resolve(&R, c);
    return R.problems;
}

bool tl_cond_eval(const struct tl_cond *c, bool (*sel)(void *ctx, size_t i),
                  void *ctx)
{
    switch (c->op) {
    case TL_COND_ID:
        return c->sel != (size_t)-1 && sel(ctx, c->sel);
    case TL_COND_NOT:
        return !tl_cond_eval(c->kids[0], sel, ctx);
    case TL_COND_AND:
        for (size_t i = 0; i < c->n_kids; i++)
            if (!tl_cond_eval(c->kids[i], sel, ctx))
                return false;
        return true;
    case TL_COND_OR:
        for (size_t i = 0; i < c->n_kids; i++)
            if (tl_cond_eval(c->kids[i], sel, ctx))
                return true;
        return false;
    case TL_COND_OF: {
        size_t need = c->quant ? c->quant : c->n_sels;
        size_t got = 0;
        if (c->n_sels == 0)
            return false;
        for (size_t i = 0; i < c->n_sels; i++) {
            if (sel(ctx, c->sels[i])) {
                if (++got >= need)
                    return true;
            } else if (c->quant == 0) {
                return false;
            }
        }
        return got >= need;
    }
    }
    return false;
}

struct fmt {
    char *buf;
    size_t cap, len;
};

static void fput(struct fmt *F, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (F->len + 1 < F->cap)
            F->buf[F->len] = s[i];
        F->len++;
    }
    if (F->cap)
        F->buf[F->len < F->cap ? F->len : F->cap - 1] = '\0';
}

static void format(struct fmt *F, const struct tl_cond *c)
{
    char tmp[32];
    switch (c->op) {
    case TL_COND_ID:
        fput(F, c->name);
        return;
    case TL_COND_OF:
        if (c->quant)
            snprintf(tmp, sizeof tmp, "(%u-of ", c->quant);
        else
            snprintf(tmp, sizeof tmp, "(all-of ");
        fput(F, tmp);
        fput(F, c->name ? c->name : "them");
        fput(F, ")");
        return;
    case TL_COND_NOT:
        fput(F, "(not ");
        break;
    case TL_COND_AND:
        fput(F, "(and ");
        break;
    case TL_COND_OR:
        fput(F, "(or ");
        break;
    }
    for (size_t i = 0; i < c->n_kids; i++) {
        if (i)
            fput(F, " ");
        format(F, c->kids[i]);
    }
    fput(F, ")");
}

size_t tl_cond_format(const struct tl_cond *c, char *buf, size_t bufsz)
{
    struct fmt F = {buf, bufsz, 0};
    if (bufsz)
        buf[0] = '\0';
    format(&F, c);
    return F.len;
}
