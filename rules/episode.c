/*
 * episode.c - parsing and resolving the `episode` extension of
 * correlation rules (see episode.h and rules/README.md).
 */
#include "episode_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tl_episode_def {
    struct tl_episode_spec spec;
    char *title;
    char **keys;
    struct tl_strlist *links;
    char **before_refs;
    const struct tl_rule **before_rules;
    struct tl_ypos *before_pos;
    char ***link_fields;
    struct tl_episode_verdict *verdicts;
    /* per verdict: owned arrays */
    char ***if_refs, ***unless_refs;
    const struct tl_rule ***if_rules, ***unless_rules;
    struct tl_ypos **if_pos, **unless_pos;
    char **texts;
    /* every field name used (keys, link sets, template placeholders) */
    struct tl_episode_name *names;
    size_t n_names, cap_names;
};

static const char *const episode_keys[] = {
    "title", "keys", "link", "link-window", "before", "verdicts",
};
static const char *const verdict_keys[] = {"if", "unless", "level", "text"};

struct ectx {
    tl_episode_err_fn err;
    tl_episode_pos_fn pos;
    void *ctx;
    unsigned errors;
};

static void perr(struct ectx *e, const struct tl_ynode *at, const char *fmt,
                 ...) TL_PRINTF(3, 4);

static void perr(struct ectx *e, const struct tl_ynode *at, const char *fmt,
                 ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    e->errors++;
    e->err(e->ctx, at ? at->line : 0, at ? at->col : 0, msg);
}

static bool is_str(const struct tl_ynode *y)
{
    return y && y->type == TL_Y_SCALAR && y->kind == TL_YS_STR;
}

static void ystrlist_err(void *ctx, const struct tl_ynode *at,
                         const char *msg)
{
    perr(ctx, at, "%s", msg);
}

/* A name or a list of names -> owned array (tl_rules_ystrlist). */
static char **str_list(struct ectx *e, const struct tl_ynode *y,
                       const char *what, size_t *n, struct tl_ypos **pos)
{
    char w[64];
    snprintf(w, sizeof(w), "episode: %s", what);
    return tl_rules_ystrlist(y, w, TL_YSL_SCALAR | TL_YSL_NAMES,
                             ystrlist_err, e, n, pos);
}

static void add_name(struct tl_episode_def *d, const char *where,
                     bool placeholder, const char *name, size_t n,
                     unsigned line, unsigned col)
{
    tl_xgrow((void **)&d->names, &d->cap_names, d->n_names + 1,
             sizeof(*d->names));
    struct tl_episode_name *nm = &d->names[d->n_names++];
    nm->where = where;
    nm->placeholder = placeholder;
    nm->name = tl_xstrndup(name, n);
    nm->line = line;
    nm->col = col;
}

/* Record a list's names with their positions (pos may be NULL). */
static void add_names(struct tl_episode_def *d, const char *where,
                      char **v, size_t n, const struct tl_ypos *pos)
{
    for (size_t i = 0; i < n; i++)
        add_name(d, where, false, v[i], strlen(v[i]),
                 pos ? pos[i].line : 0, pos ? pos[i].col : 0);
}

static bool parse_span(const char *s, uint64_t *ms)
{
    size_t n = strlen(s);
    uint64_t v;
    if (n < 2 || !tl_parse_u64(s, n - 1, &v))
        return false;
    uint64_t mul;
    switch (s[n - 1]) {
    case 's': mul = 1000; break;
    case 'm': mul = 60000; break;
    case 'h': mul = 3600000; break;
    case 'd': mul = 86400000; break;
    default: return false;
    }
    if (v > UINT64_MAX / mul || v * mul > TL_MAX_SPAN_MS)
        return false;
    *ms = v * mul;
    return true;
}

/* Check "{name}" placeholders: balanced and non-empty. */
static void check_template(struct ectx *e, const struct tl_ynode *y)
{
    const char *s = y->s;
    for (const char *o = strchr(s, '{'); o; o = strchr(o + 1, '{')) {
        const char *c = strchr(o, '}');
        if (!c) {
            perr(e, y, "episode: unclosed '{' in template \"%s\"", s);
            return;
        }
        if (c == o + 1)
            perr(e, y, "episode: empty placeholder '{}' in \"%s\"", s);
    }
}

/* Record the "{name}" placeholders of a template, read as the timeline
 * renders them (a '{', the name, the next '}'), each at the position of
 * its '{'. */
static void template_names(struct ectx *e, struct tl_episode_def *d,
                           const char *where, const struct tl_ynode *y)
{
    const char *s = y->s;
    for (const char *p = s;;) {
        const char *o = strchr(p, '{');
        const char *c = o ? strchr(o, '}') : NULL;
        if (!o || !c)
            return;
        if (c > o + 1) {
            unsigned line = y->line, col = y->col;
            if (e->pos)
                e->pos(e->ctx, y, (size_t)(o - s), &line, &col);
            add_name(d, where, true, o + 1, (size_t)(c - o - 1), line,
                     col);
        }
        p = c + 1;
    }
}

static void unknown_key(struct ectx *e, const struct tl_ynode *k,
                        const char *where, const char *const *known,
                        size_t n_known)
{
    char list[256] = "";
    for (size_t i = 0; i < n_known; i++) {
        strncat(list, known[i], sizeof(list) - strlen(list) - 3);
        if (i + 1 < n_known)
            strncat(list, ", ", sizeof(list) - strlen(list) - 1);
    }
    perr(e, k, "%s: unknown key '%s' (known: %s)", where, k->s, list);
}

struct tl_episode_def *tl_episode_parse(const struct tl_ynode *y,
                                        tl_episode_err_fn err,
                                        tl_episode_pos_fn pos, void *ctx,
                                        unsigned *n_errors)
{
    struct ectx e = {err, pos, ctx, 0};
    struct tl_episode_def *d = NULL;
    if (y->type != TL_Y_MAP) {
        perr(&e, y, "'episode' must be a map (title, keys, link, "
             "link-window, verdicts), found %s", tl_rules_ynode_desc(y));
        goto out;
    }
    d = tl_xcalloc(1, sizeof(*d));
    d->spec.link_window_ms = 5000;
    for (size_t i = 0; i + 1 < y->n_kids; i += 2) {
        const struct tl_ynode *k = y->kids[i], *v = y->kids[i + 1];
        bool known = false;
        if (k->type != TL_Y_SCALAR)
            continue;  /* reported by the YAML layer */
        for (size_t j = 0; j < TL_ARRAY_LEN(episode_keys); j++)
            known |= strcmp(k->s, episode_keys[j]) == 0;
        if (!known)
            unknown_key(&e, k, "episode", episode_keys,
                        TL_ARRAY_LEN(episode_keys));
        (void)v;
    }
    const struct tl_ynode *t = tl_rules_ymap_get(y, "title");
    if (t) {
        if (!is_str(t))
            perr(&e, t, "episode: 'title' must be a string");
        else {
            check_template(&e, t);
            template_names(&e, d, "title", t);
            d->title = tl_xstrdup(t->s);
            d->spec.title = d->title;
        }
    }
    size_t n;
    struct tl_ypos *npos;
    d->keys = str_list(&e, tl_rules_ymap_get(y, "keys"), "'keys'", &n,
                       &npos);
    d->spec.keys.v = (const char *const *)d->keys;
    d->spec.keys.n = n;
    add_names(d, "keys", d->keys, n, npos);
    free(npos);

    const struct tl_ynode *lk = tl_rules_ymap_get(y, "link");
    if (lk) {
        if (lk->type != TL_Y_SEQ) {
            perr(&e, lk, "episode: 'link' must be a list of field lists, "
                 "e.g. [[processID, threadID], [cdhash]]");
        } else {
            d->links = tl_xcalloc(lk->n_kids ? lk->n_kids : 1,
                                  sizeof(*d->links));
            d->link_fields = tl_xcalloc(lk->n_kids ? lk->n_kids : 1,
                                        sizeof(*d->link_fields));
            for (size_t i = 0; i < lk->n_kids; i++) {
                size_t nf;
                char **f = str_list(&e, lk->kids[i], "'link' entry", &nf,
                                    &npos);
                add_names(d, "link", f, nf, npos);
                free(npos);
                if (nf == 0) {
                    free(f);
                    continue;
                }
                d->link_fields[d->spec.n_links] = f;
                d->links[d->spec.n_links].v = (const char *const *)f;
                d->links[d->spec.n_links].n = nf;
                d->spec.n_links++;
            }
            d->spec.links = d->links;
        }
    }
    size_t nb;
    d->before_refs = str_list(&e, tl_rules_ymap_get(y, "before"), "'before'",
                              &nb, &d->before_pos);
    d->before_rules = tl_xcalloc(nb ? nb : 1, sizeof(*d->before_rules));
    d->spec.n_before = nb;
    d->spec.before_refs = (const char *const *)d->before_refs;
    d->spec.before_rules = d->before_rules;
    if (nb && !lk)
        perr(&e, tl_rules_ymap_get(y, "before"),
             "episode: 'before' without 'link' (key-less events are tied "
             "to a story only through link fields)");
    const struct tl_ynode *lw = tl_rules_ymap_get(y, "link-window");
    if (lw && (!lw->s || lw->type != TL_Y_SCALAR ||
               !parse_span(lw->s, &d->spec.link_window_ms)))
        perr(&e, lw, "episode: invalid link-window (a number and s, m, h or "
             "d, e.g. 5s, at most 366d)");
    if (lw && !lk)
        perr(&e, lw, "episode: 'link-window' without 'link'");

    const struct tl_ynode *vs = tl_rules_ymap_get(y, "verdicts");
    if (vs) {
        if (vs->type != TL_Y_SEQ) {
            perr(&e, vs, "episode: 'verdicts' must be a list of {if, unless, "
                 "level, text}");
        } else {
            size_t nv = vs->n_kids ? vs->n_kids : 1;
            d->verdicts = tl_xcalloc(nv, sizeof(*d->verdicts));
            d->if_refs = tl_xcalloc(nv, sizeof(*d->if_refs));
            d->unless_refs = tl_xcalloc(nv, sizeof(*d->unless_refs));
            d->if_rules = tl_xcalloc(nv, sizeof(*d->if_rules));
            d->unless_rules = tl_xcalloc(nv, sizeof(*d->unless_rules));
            d->if_pos = tl_xcalloc(nv, sizeof(*d->if_pos));
            d->unless_pos = tl_xcalloc(nv, sizeof(*d->unless_pos));
            d->texts = tl_xcalloc(nv, sizeof(*d->texts));
            for (size_t i = 0; i < vs->n_kids; i++) {
                const struct tl_ynode *v = vs->kids[i];
                size_t vi = d->spec.n_verdicts;
                struct tl_episode_verdict *vd = &d->verdicts[vi];
                if (v->type != TL_Y_MAP) {
                    perr(&e, v, "episode: each verdict must be a map with "
                         "'text' (and if, unless, level)");
                    continue;
                }
                for (size_t j = 0; j + 1 < v->n_kids; j += 2) {
                    bool known = false;
                    if (v->kids[j]->type != TL_Y_SCALAR)
                        continue;  /* reported by the YAML layer */
                    for (size_t q = 0; q < TL_ARRAY_LEN(verdict_keys); q++)
                        known |= strcmp(v->kids[j]->s, verdict_keys[q]) == 0;
                    if (!known)
                        unknown_key(&e, v->kids[j], "episode verdict",
                                    verdict_keys,
                                    TL_ARRAY_LEN(verdict_keys));
                }
                const struct tl_ynode *tx = tl_rules_ymap_get(v, "text");
                if (!is_str(tx)) {
                    perr(&e, tx ? tx : v, "episode: a verdict needs 'text' "
                         "(a template such as \"App {team_id} allowed\")");
                    continue;
                }
                check_template(&e, tx);
                template_names(&e, d, "verdict text", tx);
                d->texts[vi] = tl_xstrdup(tx->s);
                vd->text = d->texts[vi];
                size_t ni, nu;
                d->if_refs[vi] = str_list(&e, tl_rules_ymap_get(v, "if"),
                                          "'if'", &ni, &d->if_pos[vi]);
                d->unless_refs[vi] =
                    str_list(&e, tl_rules_ymap_get(v, "unless"), "'unless'",
                             &nu, &d->unless_pos[vi]);
                vd->n_if = ni;
                vd->if_refs = (const char *const *)d->if_refs[vi];
                vd->n_unless = nu;
                vd->unless_refs = (const char *const *)d->unless_refs[vi];
                d->if_rules[vi] = tl_xcalloc(ni ? ni : 1, sizeof(void *));
                d->unless_rules[vi] = tl_xcalloc(nu ? nu : 1, sizeof(void *));
                vd->if_rules = d->if_rules[vi];
                vd->unless_rules = d->unless_rules[vi];
                const struct tl_ynode *lv = tl_rules_ymap_get(v, "level");
                if (lv) {
                    enum tl_level l =
                        is_str(lv) ? tl_rule_level_parse(lv->s) : TL_LEVEL__COUNT;
                    if (l == TL_LEVEL__COUNT)
                        perr(&e, lv, "episode: verdict level must be "
                             "informational, low, medium, high or critical");
                    else {
                        vd->level = l;
                        vd->level_given = true;
                    }
                }
                d->spec.n_verdicts++;
            }
            d->spec.verdicts = d->verdicts;
        }
    }
out:
    *n_errors = e.errors;
    return d;
}

unsigned tl_episode_resolve(struct tl_episode_def *d,
                            const struct tl_ruleset *rs,
                            const struct tl_rule *self,
                            tl_episode_err_fn err, void *ctx)
{
    unsigned errors = 0;
    const struct tl_correlation *co = tl_rule_correlation(self);
    if (!d)
        return 0;
    for (size_t i = 0; i < d->spec.n_before; i++) {
        const struct tl_rule *r = tl_ruleset_find(rs, d->before_refs[i]);
        bool in_corr = false;
        for (size_t j = 0; co && r && j < co->n_rules; j++)
            in_corr |= co->rules[j] == r;
        char msg[512];
        if (!r)
            snprintf(msg, sizeof(msg), "episode: before: no rule has the id "
                     "or name '%s'", d->before_refs[i]);
        else if (!in_corr)
            snprintf(msg, sizeof(msg), "episode: before: rule '%s' is not "
                     "one of the correlation's rules", d->before_refs[i]);
        else {
            d->before_rules[i] = r;
            continue;
        }
        errors++;
        err(ctx, d->before_pos ? d->before_pos[i].line : 0,
            d->before_pos ? d->before_pos[i].col : 0, msg);
    }
    for (size_t v = 0; v < d->spec.n_verdicts; v++) {
        for (int pass = 0; pass < 2; pass++) {
            size_t n = pass ? d->verdicts[v].n_unless : d->verdicts[v].n_if;
            char **refs = pass ? d->unless_refs[v] : d->if_refs[v];
            const struct tl_rule **out =
                pass ? d->unless_rules[v] : d->if_rules[v];
            struct tl_ypos *pos = pass ? d->unless_pos[v] : d->if_pos[v];
            for (size_t i = 0; i < n; i++) {
                const struct tl_rule *r = tl_ruleset_find(rs, refs[i]);
                bool in_corr = false;
                for (size_t j = 0; co && r && j < co->n_rules; j++)
                    in_corr |= co->rules[j] == r;
                char msg[512];
                if (!r) {
                    snprintf(msg, sizeof(msg), "episode: verdict %s: no rule "
                             "has the id or name '%s'",
                             pass ? "unless" : "if", refs[i]);
                } else if (!in_corr) {
                    snprintf(msg, sizeof(msg), "episode: verdict %s: rule "
                             "'%s' is not one of the correlation's rules, so "
                             "it can never be in the episode",
                             pass ? "unless" : "if", refs[i]);
                } else {
                    out[i] = r;
                    continue;
                }
                errors++;
                err(ctx, pos ? pos[i].line : 0, pos ? pos[i].col : 0, msg);
            }
        }
    }
    return errors;
}

const struct tl_episode_spec *tl_episode_spec_of(const struct tl_episode_def *d)
{
    return d ? &d->spec : NULL;
}

const struct tl_episode_name *tl_episode_names(const struct tl_episode_def *d,
                                               size_t *n)
{
    *n = d ? d->n_names : 0;
    return d ? d->names : NULL;
}

void tl_episode_free(struct tl_episode_def *d)
{
    if (!d)
        return;
    free(d->title);
    tl_rules_ystrlist_free(d->keys);
    for (size_t i = 0; i < d->spec.n_links; i++)
        tl_rules_ystrlist_free(d->link_fields[i]);
    tl_rules_ystrlist_free(d->before_refs);
    free(d->before_rules);
    free(d->before_pos);
    free(d->link_fields);
    free(d->links);
    for (size_t v = 0; v < d->spec.n_verdicts; v++) {
        tl_rules_ystrlist_free(d->if_refs[v]);
        tl_rules_ystrlist_free(d->unless_refs[v]);
        free(d->if_rules[v]);
        free(d->unless_rules[v]);
        free(d->if_pos[v]);
        free(d->unless_pos[v]);
        free(d->texts[v]);
    }
    free(d->verdicts);
    free(d->if_refs);
    free(d->unless_refs);
    free(d->if_rules);
    free(d->unless_rules);
    free(d->if_pos);
    free(d->unless_pos);
    free(d->texts);
    for (size_t i = 0; i < d->n_names; i++)
        free(d->names[i].name);
    free(d->names);
    free(d);
}
