/*
 * predicate.c - an Apple `log --predicate` that admits every event the
 * loaded rules could match, and a tiny evaluator of the predicates we
 * generate (for tests: the predicate must never exclude a matchable
 * event).
 *
 * The predicate is built over the condition tree like the prefilter
 * cover, but keeps conjunctions: a selection item on a string field
 * (eventMessage, process, sender, subsystem, category, the image paths,
 * formatString) becomes `field CONTAINS[c] "literal"` for a literal every
 * matching value contains; a map of items the AND of the items that give
 * one; a list of maps, `or`, `1 of` the OR; `not`, numbers, exists and
 * null give nothing, and a rule that gives nothing at all makes the whole
 * predicate impossible (NULL).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relit.h"
#include "rule_int.h"

enum pk { PK_NONE = 0, PK_LIT, PK_AND, PK_OR };

struct pn {
    enum pk k;
    enum tl_field f;
    char *lit;
    size_t n;
    struct pn **kids;
    size_t nk, cap;
};

static struct pn *pn_new(enum pk k)
{
    struct pn *p = tl_xcalloc(1, sizeof *p);
    p->k = k;
    return p;
}

static void pn_free(struct pn *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nk; i++)
        pn_free(p->kids[i]);
    free(p->kids);
    free(p->lit);
    free(p);
}

static void pn_add(struct pn *p, struct pn *k)
{
    /* flatten nested nodes of the same kind */
    if (k->k == p->k) {
        for (size_t i = 0; i < k->nk; i++)
            pn_add(p, k->kids[i]);
        k->nk = 0;
        pn_free(k);
        return;
    }
    tl_xgrow((void **)&p->kids, &p->cap, p->nk + 1, sizeof *p->kids);
    p->kids[p->nk++] = k;
}

static bool ci_contains(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn > hn)
        return false;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && tl_fold[(unsigned char)h[i + k]] ==
                             tl_fold[(unsigned char)nd[k]])
            k++;
        if (k == nn)
            return true;
    }
    return false;
}

/* Drop OR leaves implied by others: (f, "ab") is redundant next to
 * (f, "a"), which admits more. */
static void simplify_or(struct pn *p)
{
    for (size_t i = 0; i < p->nk; i++) {
        struct pn *a = p->kids[i];
        if (!a || a->k != PK_LIT)
            continue;
        for (size_t j = 0; j < p->nk; j++) {
            struct pn *b = p->kids[j];
            if (i == j || !b || b->k != PK_LIT || b->f != a->f)
                continue;
            /* b admits everything a does if b's literal is inside a's */
            bool b_in_a = ci_contains(a->lit, a->n, b->lit, b->n);
            if (b_in_a && (a->n != b->n || j < i)) {
                pn_free(a);
                p->kids[i] = NULL;
                break;
            }
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < p->nk; i++)
        if (p->kids[i])
            p->kids[w++] = p->kids[i];
    p->nk = w;
}

/* Collapse single-child nodes. */
static struct pn *finish(struct pn *p)
{
    if ((p->k == PK_AND || p->k == PK_OR) && p->nk == 1) {
        struct pn *k = p->kids[0];
        p->nk = 0;
        pn_free(p);
        return k;
    }
    if ((p->k == PK_AND || p->k == PK_OR) && p->nk == 0) {
        pn_free(p);
        return pn_new(PK_NONE);
    }
    return p;
}

static bool pred_safe(unsigned char c)
{
    return c >= 0x20 && c != 0x7f;
}

static struct pn *lit_node(enum tl_field f, const char *s, size_t n)
{
    /* cut to the longest run without control characters */
    size_t bo = 0, bl = 0, i = 0;
    while (i < n) {
        while (i < n && !pred_safe((unsigned char)s[i]))
            i++;
        size_t st = i;
        while (i < n && pred_safe((unsigned char)s[i]))
            i++;
        if (i - st > bl) {
            bl = i - st;
            bo = st;
        }
    }
    if (bl == 0)
        return pn_new(PK_NONE);
    struct pn *p = pn_new(PK_LIT);
    p->f = f;
    p->lit = tl_xstrndup(s + bo, bl);
    p->n = bl;
    return p;
}

static struct pn *value_pred(enum tl_field f, const struct tl_value *v)
{
    switch (v->kind) {
    case TL_V_STR:
        switch (v->mode) {
        case TL_SM_EQ:
        case TL_SM_PREFIX:
        case TL_SM_SUFFIX:
        case TL_SM_CONTAINS:
            return lit_node(f, v->olit, v->n);
        case TL_SM_GLOB: {
            struct pn *a = pn_new(PK_AND);
            size_t i = 0;
            while (i < v->gn) {
                while (i < v->gn && v->gkind[i] != TL_G_LIT)
                    i++;
                size_t s = i;
                while (i < v->gn && v->gkind[i] == TL_G_LIT)
                    i++;
                if (i > s) {
                    struct pn *l = lit_node(f, v->ogpat + s, i - s);
                    if (l->k == PK_NONE)
                        pn_free(l);
                    else
                        pn_add(a, l);
                }
            }
            return finish(a);
        }
        case TL_SM_ANY:
            return pn_new(PK_NONE);
        }
        return pn_new(PK_NONE);
    case TL_V_RE: {
        char *out[8];
        size_t k = tl_relit_required(v->re.pattern, v->re.n,
                                     v->re.flags | PCRE2_UTF,
                                     out, 8);
        struct pn *a = pn_new(PK_AND);
        for (size_t i = 0; i < k; i++) {
            struct pn *l = lit_node(f, out[i], strlen(out[i]));
            if (l->k == PK_NONE)
                pn_free(l);
            else
                pn_add(a, l);
            free(out[i]);
        }
        return finish(a);
    }
    case TL_V_NUM:
    case TL_V_NULL:
    case TL_V_EXISTS:
        return pn_new(PK_NONE);
    }
    return pn_new(PK_NONE);
}

/* AND of the bounded children; NONE if none is. */
static void and_add(struct pn *a, struct pn *k)
{
    if (k->k == PK_NONE)
        pn_free(k);
    else
        pn_add(a, k);
}

/* OR: any unbounded child makes the OR unbounded. */
static bool or_add(struct pn *o, struct pn *k)
{
    if (k->k == PK_NONE) {
        pn_free(k);
        return false;
    }
    pn_add(o, k);
    return true;
}

static struct pn *or_finish(struct pn *o, bool ok)
{
    if (!ok || o->nk == 0) {
        pn_free(o);
        return pn_new(PK_NONE);
    }
    simplify_or(o);
    return finish(o);
}

static struct pn *item_pred(const struct tl_item *it)
{
    if (it->field.src != TL_FS_EVENT || !tl_rules_field_verbatim(it->field.f))
        return pn_new(PK_NONE);
    if (it->all) {
        struct pn *a = pn_new(PK_AND);
        for (size_t i = 0; i < it->n_vals; i++)
            and_add(a, value_pred(it->field.f, &it->vals[i]));
        return finish(a);
    }
    struct pn *o = pn_new(PK_OR);
    bool ok = it->n_vals > 0;
    for (size_t i = 0; i < it->n_vals && ok; i++)
        ok = or_add(o, value_pred(it->field.f, &it->vals[i]));
    return or_finish(o, ok);
}

static struct pn *sel_pred(const struct tl_rule *r, size_t s)
{
    if (s >= r->n_sels)
        return pn_new(PK_NONE);
    const struct tl_selection *sel = &r->sels[s];
    struct pn *o = pn_new(PK_OR);
    bool ok = sel->n_groups > 0;
    for (size_t g = 0; g < sel->n_groups && ok; g++) {
        struct pn *a = pn_new(PK_AND);
        for (size_t i = 0; i < sel->groups[g].n_items; i++)
            and_add(a, item_pred(&sel->groups[g].items[i]));
        ok = or_add(o, finish(a));
    }
    return or_finish(o, ok);
}

static struct pn *cond_pred(const struct tl_rule *r, const struct tl_cond *c)
{
    switch (c->op) {
    case TL_COND_ID:
        return sel_pred(r, c->sel);
    case TL_COND_NOT:
        return pn_new(PK_NONE);
    case TL_COND_AND: {
        struct pn *a = pn_new(PK_AND);
        for (size_t i = 0; i < c->n_kids; i++)
            and_add(a, cond_pred(r, c->kids[i]));
        return finish(a);
    }
    case TL_COND_OR: {
        struct pn *o = pn_new(PK_OR);
        bool ok = true;
        for (size_t i = 0; i < c->n_kids && ok; i++)
            ok = or_add(o, cond_pred(r, c->kids[i]));
        return or_finish(o, ok);
    }
    case TL_COND_OF:
        if (c->n_sels == 0)
            return pn_new(PK_NONE);
        if (c->quant == 0) {
            struct pn *a = pn_new(PK_AND);
            for (size_t i = 0; i < c->n_sels; i++)
                and_add(a, sel_pred(r, c->sels[i]));
            return finish(a);
        } else {
            struct pn *o = pn_new(PK_OR);
            bool ok = true;
            for (size_t i = 0; i < c->n_sels && ok; i++)
                ok = or_add(o, sel_pred(r, c->sels[i]));
            return or_finish(o, ok);
        }
    }
    return pn_new(PK_NONE);
}

static struct pn *rule_pred(const struct tl_rule *r)
{
    if (r->info.kind != TL_RULE_DETECTION || r->n_conds == 0)
        return pn_new(PK_NONE);
    struct pn *o = pn_new(PK_OR);
    bool ok = true;
    for (size_t i = 0; i < r->n_conds && ok; i++)
        ok = or_add(o, cond_pred(r, r->conds[i]));
    return or_finish(o, ok);
}

/* ---- rendering ------------------------------------------------------------ */

static const char *pred_key(enum tl_field f)
{
    return tl_field_name(f);
}

static void render(struct tl_buf *b, const struct pn *p, bool nested)
{
    switch (p->k) {
    case PK_NONE:
        tl_buf_append(b, "TRUEPREDICATE", 13);
        return;
    case PK_LIT: {
        const char *k = pred_key(p->f);
        tl_buf_append(b, k, strlen(k));
        tl_buf_append(b, " CONTAINS[c] \"", 14);
        for (size_t i = 0; i < p->n; i++) {
            if (p->lit[i] == '"' || p->lit[i] == '\\')
                tl_buf_putc(b, '\\');
            tl_buf_putc(b, p->lit[i]);
        }
        tl_buf_putc(b, '"');
        return;
    }
    case PK_AND:
    case PK_OR: {
        bool paren = nested;
        if (paren)
            tl_buf_putc(b, '(');
        for (size_t i = 0; i < p->nk; i++) {
            if (i)
                tl_buf_append(b, p->k == PK_AND ? " AND " : " OR ",
                              p->k == PK_AND ? 5 : 4);
            render(b, p->kids[i], p->kids[i]->k != PK_LIT);
        }
        if (paren)
            tl_buf_putc(b, ')');
        return;
    }
    }
}

static char *render_top(const struct pn *p)
{
    struct tl_buf b;
    tl_buf_init(&b, (size_t)64 << 20);
    render(&b, p, false);
    char *s = tl_xstrndup(b.p ? b.p : "", b.len);
    tl_buf_free(&b);
    return s;
}

char *tl_rule_predicate(const struct tl_rule *r)
{
    struct pn *p = rule_pred(r);
    char *s = p->k == PK_NONE ? NULL : render_top(p);
    pn_free(p);
    return s;
}

char *tl_rules_predicate(const struct tl_ruleset *rs, char **why)
{
    if (why)
        *why = NULL;
    struct pn *o = pn_new(PK_OR);
    size_t n_det = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct tl_rule *r = rs->rules[i];
        if (r->info.kind != TL_RULE_DETECTION)
            continue;
        n_det++;
        struct pn *p = rule_pred(r);
        if (p->k == PK_NONE) {
            pn_free(p);
            pn_free(o);
            if (why) {
                char buf[1024];
                snprintf(buf, sizeof buf,
                         "rule %s (%s:%u) cannot be bounded by subsystem, "
                         "process, sender or message literals (it relies "
                         "on 'not', numbers, exists, null or other fields)",
                         tl_rule_label(r), r->info.file, r->info.line);
                *why = tl_xstrdup(buf);
            }
            return NULL;
        }
        pn_add(o, p);
    }
    if (n_det == 0) {
        pn_free(o);
        if (why)
            *why = tl_xstrdup("no detection rules are loaded");
        return NULL;
    }
    simplify_or(o);
    o = finish(o);
    char *s = render_top(o);
    pn_free(o);
    return s;
}

/* ---- the evaluator ------------------------------------------------------------ */

struct pe {
    const char *s;
    size_t i, n;
    const struct tl_event *ev;
    bool bad;
    unsigned depth;
};

static void skip_ws(struct pe *P)
{
    while (P->i < P->n && (P->s[P->i] == ' ' || P->s[P->i] == '\t' ||
                           P->s[P->i] == '\n'))
        P->i++;
}

static bool word(struct pe *P, const char *w)
{
    skip_ws(P);
    size_t n = strlen(w);
    if (P->i + n > P->n || memcmp(P->s + P->i, w, n) != 0)
        return false;
    /* a keyword must end at a non-identifier character */
    if (P->i + n < P->n) {
        char c = P->s[P->i + n];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '_')
            return false;
    }
    P->i += n;
    return true;
}

static bool pe_or(struct pe *P);

static bool pe_primary(struct pe *P)
{
    skip_ws(P);
    if (P->bad || P->i >= P->n) {
        P->bad = true;
        return false;
    }
    if (P->s[P->i] == '(') {
        if (++P->depth > 200) {
            P->bad = true;
            return false;
        }
        P->i++;
        bool v = pe_or(P);
        skip_ws(P);
        if (P->i >= P->n || P->s[P->i] != ')')
            P->bad = true;
        else
            P->i++;
        P->depth--;
        return v;
    }
    if (word(P, "TRUEPREDICATE"))
        return true;
    size_t ks = P->i;
    while (P->i < P->n && ((P->s[P->i] >= 'a' && P->s[P->i] <= 'z') ||
                           (P->s[P->i] >= 'A' && P->s[P->i] <= 'Z')))
        P->i++;
    size_t kn = P->i - ks;
    enum tl_field f = tl_field_lookup(P->s + ks, kn);
    if (kn == 0 || f == TL_F__COUNT || !word(P, "CONTAINS[c]")) {
        P->bad = true;
        return false;
    }
    skip_ws(P);
    if (P->i >= P->n || P->s[P->i] != '"') {
        P->bad = true;
        return false;
    }
    P->i++;
    struct tl_buf lit;
    tl_buf_init(&lit, P->n + 1);
    while (P->i < P->n && P->s[P->i] != '"') {
        if (P->s[P->i] == '\\' && P->i + 1 < P->n)
            P->i++;
        tl_buf_putc(&lit, P->s[P->i++]);
    }
    if (P->i >= P->n) {
        P->bad = true;
        tl_buf_free(&lit);
        return false;
    }
    P->i++;
    bool v = false;
    if (tl_event_has(P->ev, f) && !tl_field_is_int(f))
        v = ci_contains(P->ev->str[f].p ? P->ev->str[f].p : "",
                        P->ev->str[f].n, lit.p ? lit.p : "", lit.len);
    tl_buf_free(&lit);
    return v;
}

static bool pe_and(struct pe *P)
{
    bool v = pe_primary(P);
    while (!P->bad && word(P, "AND")) {
        bool w = pe_primary(P);
        v = v && w;
    }
    return v;
}

static bool pe_or(struct pe *P)
{
    bool v = pe_and(P);
    while (!P->bad && word(P, "OR")) {
        bool w = pe_and(P);
        v = v || w;
    }
    return v;
}

int tl_rules_predicate_eval(const char *pred, const struct tl_event *ev)
{
    struct pe P = {pred, 0, strlen(pred), ev, false, 0};
    bool v = pe_or(&P);
    skip_ws(&P);
    if (P.bad || P.i != P.n)
        return -1;
    return v ? 1 : 0;
}
