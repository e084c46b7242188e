/*
 * load.c - rule files -> compiled rules, with every problem kept as a
 * message at its YAML position (`rules lint` prints them).
 *
 * A document is first read into a bounded node tree (ynode.c), then its
 * keys are checked and compiled in a fixed order, so that `summary` can
 * see the names `extract` produces whatever the key order in the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "episode_int.h"
#include "rule_int.h"
#include "ynode.h"

/* ---- messages ----------------------------------------------------------- */

void tl_rules_msg(struct tl_ruleset *rs, size_t file_index, unsigned line,
                  unsigned col, enum tl_rules_msg_level lvl,
                  const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tl_xgrow((void **)&rs->msgs, &rs->cap_msgs, rs->n_msgs + 1,
             sizeof *rs->msgs);
    struct tl_rules_msg_int *m = &rs->msgs[rs->n_msgs];
    m->m.file = file_index < rs->n_files ? rs->files[file_index] : NULL;
    m->m.line = line;
    m->m.col = col;
    m->m.level = lvl;
    m->m.text = tl_xstrdup(buf);
    m->file_index = file_index;
    m->seq = rs->n_msgs;
    rs->n_msgs++;
    rs->msgs_sorted = false;
    if (lvl == TL_RULES_ERROR)
        rs->errors++;
    else
        rs->warnings++;
}

static int msg_cmp(const void *a, const void *b)
{
    const struct tl_rules_msg_int *x = a, *y = b;
    if (x->file_index != y->file_index)
        return x->file_index < y->file_index ? -1 : 1;
    if (x->m.line != y->m.line)
        return x->m.line < y->m.line ? -1 : 1;
    if (x->m.col != y->m.col)
        return x->m.col < y->m.col ? -1 : 1;
    return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void sort_msgs(const struct tl_ruleset *crs)
{
    struct tl_ruleset *rs = (struct tl_ruleset *)(uintptr_t)crs;
    if (rs->msgs_sorted || rs->n_msgs == 0)
        return;
    qsort(rs->msgs, rs->n_msgs, sizeof *rs->msgs, msg_cmp);
    rs->msgs_sorted = true;
}

size_t tl_ruleset_msg_count(const struct tl_ruleset *rs)
{
    return rs->n_msgs;
}

const struct tl_rules_msg *tl_ruleset_msg(const struct tl_ruleset *rs,
                                          size_t i)
{
    sort_msgs(rs);
    return i < rs->n_msgs ? &rs->msgs[i].m : NULL;
}

unsigned tl_ruleset_errors(const struct tl_ruleset *rs)
{
    return rs->errors;
}

unsigned tl_ruleset_warnings(const struct tl_ruleset *rs)
{
    return rs->warnings;
}

void tl_ruleset_print_messages(const struct tl_ruleset *rs, FILE *f,
                               const char *prefix)
{
    sort_msgs(rs);
    for (size_t i = 0; i < rs->n_msgs; i++) {
        const struct tl_rules_msg *m = &rs->msgs[i].m;
        if (prefix)
            fputs(prefix, f);
        if (m->file) {
            fputs(m->file, f);
            fputc(':', f);
            if (m->line) {
                fprintf(f, "%u:", m->line);
                if (m->col)
                    fprintf(f, "%u:", m->col);
            }
            fputc(' ', f);
        }
        fprintf(f, "%s: %s\n",
                m->level == TL_RULES_ERROR ? "error" : "warning", m->text);
    }
}

/* ---- levels ------------------------------------------------------------- */

static const char *const level_names[TL_LEVEL__COUNT] = {
    "informational", "low", "medium", "high", "critical"};

const char *tl_rule_level_name(enum tl_level l)
{
    return (unsigned)l < TL_LEVEL__COUNT ? level_names[l] : "?";
}

enum tl_level tl_rule_level_parse(const char *s)
{
    for (int i = 0; i < TL_LEVEL__COUNT; i++)
        if (strcmp(s, level_names[i]) == 0)
            return (enum tl_level)i;
    if (strcmp(s, "info") == 0)
        return TL_LEVEL_INFORMATIONAL;
    return TL_LEVEL__COUNT;
}

static const char *const corr_type_names[TL_CORR__COUNT] = {
    "event_count", "value_count", "temporal", "temporal_ordered"};

const char *tl_rule_corr_type_name(enum tl_corr_type t)
{
    return (unsigned)t < TL_CORR__COUNT ? corr_type_names[t] : "?";
}

/* ---- suggestions -------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64)
        return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            unsigned char ca = tl_fold[(unsigned char)a[i - 1]];
            unsigned char cb = tl_fold[(unsigned char)b[j - 1]];
            size_t sub = prev[j - 1] + (ca != cb);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        memcpy(prev, cur, (nb + 1) * sizeof *prev);
    }
    return prev[nb];
}

const char *tl_rules_suggest(const char *word, const char *const *cands,
                             size_t n)
{
    size_t wl = strlen(word);
    size_t limit = wl / 3 > 2 ? wl / 3 : 2;
    if (wl <= 2)
        limit = 1;
    const char *best = NULL;
    size_t bd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    /* A case-only difference is always worth a suggestion. */
    return best && bd <= limit && bd < wl ? best : NULL;
}

/* Known JSON keys that are not event fields: kept in ev->extra[]. */
static const char *const known_extras[] = {
    "source", "backtrace", "creatorActivityID", "processUniqueID",
};

/* Predicate aliases accepted by tl_field_lookup (for suggestions). */
static const char *const alias_names[] = {
    "composedMessage", "processIdentifier", "threadIdentifier",
    "traceIdentifier", "logType", "type", "timeToLive",
    "signpostIdentifier", "parentActivityID", "activityID",
    "senderImageOffset", "date",
};

size_t tl_rules_field_names(const char **out, size_t max)
{
    size_t n = 0;
    for (int f = 0; f < TL_F__COUNT && n < max; f++)
        out[n++] = tl_field_name((enum tl_field)f);
    for (size_t i = 0; i < TL_ARRAY_LEN(alias_names) && n < max; i++)
        if (tl_field_lookup(alias_names[i], strlen(alias_names[i])) !=
            TL_F__COUNT)
            out[n++] = alias_names[i];
    for (size_t i = 0; i < TL_ARRAY_LEN(known_extras) && n < max; i++)
        out[n++] = known_extras[i];
    return n;
}

/* ---- load context -------------------------------------------------------- */

struct lctx {
    struct tl_ruleset *rs;
    size_t fi;
    const char *text;
    size_t n;
    size_t *line_start;     /* byte offset of each line (0-based index) */
    size_t n_lines;
    struct tl_rule *r;      /* rule being built, or NULL */
    bool cap_reported;
};

static void lmsg(struct lctx *L, unsigned line, unsigned col,
                 enum tl_rules_msg_level lvl, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    tl_rules_msg(L->rs, L->fi, line, col, lvl, "%s", buf);
    if (lvl == TL_RULES_ERROR && L->r)
        L->r->error = true;
}

static void err_at(struct lctx *L, unsigned line, unsigned col,
                   const char *fmt, ...) TL_PRINTF(4, 5);
static void err_at(struct lctx *L, unsigned line, unsigned col,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lmsg(L, line, col, TL_RULES_ERROR, fmt, ap);
    va_end(ap);
}

static void err(struct lctx *L, const struct tl_ynode *y, const char *fmt,
                ...) TL_PRINTF(3, 4);
static void err(struct lctx *L, const struct tl_ynode *y, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    lmsg(L, y ? y->line : 0, y ? y->col : 0, TL_RULES_ERROR, fmt, ap);
    va_end(ap);
}

static void warn(struct lctx *L, const struct tl_ynode *y, const char *fmt,
                 ...) TL_PRINTF(3, 4);
static void warn(struct lctx *L, const struct tl_ynode *y, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    lmsg(L, y ? y->line : 0, y ? y->col : 0, TL_RULES_WARNING, fmt, ap);
    va_end(ap);
}

static void index_lines(struct lctx *L)
{
    size_t cap = 0;
    L->n_lines = 0;
    tl_xgrow((void **)&L->line_start, &cap, 1, sizeof *L->line_start);
    L->line_start[L->n_lines++] = 0;
    for (size_t i = 0; i < L->n; i++) {
        if (L->text[i] == '\n') {
            tl_xgrow((void **)&L->line_start, &cap, L->n_lines + 1,
                     sizeof *L->line_start);
            L->line_start[L->n_lines++] = i + 1;
        }
    }
}

static size_t utf8_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 1;
}

/*
 * The line and column of byte `off` of a scalar's value, found by walking
 * the source text from the scalar's start (quotes and escapes included).
 * Multi-line and block scalars map to their start.
 */
static void value_pos(const struct lctx *L, const struct tl_ynode *y,
                      size_t off, unsigned *line, unsigned *col)
{
    *line = y->line;
    *col = y->col;
    if (y->type != TL_Y_SCALAR || y->quote == TL_YQ_BLOCK ||
        (y->end_line && y->end_line != y->line) || y->line == 0 ||
        y->line > L->n_lines)
        return;
    size_t p = L->line_start[y->line - 1];
    size_t end = y->line < L->n_lines ? L->line_start[y->line] : L->n;
    unsigned c = 1;
    while (c < y->col && p < end) {
        p += utf8_len((unsigned char)L->text[p]);
        c++;
    }
    if (y->quote != TL_YQ_PLAIN && p < end) {
        p++;
        c++;
    }
    size_t v = 0;  /* bytes of value consumed */
    while (v < off && p < end) {
        unsigned char ch = (unsigned char)L->text[p];
        size_t adv = utf8_len(ch), vadv = adv;
        if (y->quote == TL_YQ_SINGLE && ch == '\'' && p + 1 < end &&
            L->text[p + 1] == '\'') {
            adv = 2;
            vadv = 1;
            c++;
        } else if (y->quote == TL_YQ_DOUBLE && ch == '\\' && p + 1 < end) {
            char e = L->text[p + 1];
            adv = 2;
            vadv = 1;
            if (e == 'x') {
                adv = 4;
            } else if (e == 'u' || e == 'U') {
                unsigned long cp = 0;
                size_t nd = e == 'u' ? 4 : 8;
                for (size_t k = 0; k < nd && p + 2 + k < end; k++) {
                    char h = L->text[p + 2 + k];
                    cp = cp * 16 + (unsigned long)(h <= '9' ? h - '0'
                                                  : (h | 0x20) - 'a' + 10);
                }
                adv = 2 + nd;
                vadv = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            } else if (e == 'N' || e == '_') {
                vadv = 2;
            } else if (e == 'L' || e == 'P') {
                vadv = 3;
            }
            c += (unsigned)adv - 1;
        }
        p += adv;
        v += vadv;
        c++;
    }
    *col = c;
}

/* ---- field references ----------------------------------------------------- */

static bool resolve_field(const char *name, size_t n, struct tl_fref *out)
{
    memset(out, 0, sizeof *out);
    if (n > 6 && memcmp(name, "extra.", 6) == 0) {
        out->src = TL_FS_EXTRA;
        out->key = tl_xstrndup(name + 6, n - 6);
        return true;
    }
    enum tl_field f = tl_field_lookup(name, n);
    if (f != TL_F__COUNT) {
        out->src = TL_FS_EVENT;
        out->f = f;
        return true;
    }
    for (size_t i = 0; i < TL_ARRAY_LEN(known_extras); i++) {
        if (strlen(known_extras[i]) == n &&
            memcmp(known_extras[i], name, n) == 0) {
            out->src = TL_FS_EXTRA;
            out->key = tl_xstrndup(name, n);
            return true;
        }
    }
    return false;
}

/* The field name (or one of more[]) closest to name, or NULL. */
static const char *suggest_field(const char *name, const char *const *more,
                                 size_t n_more)
{
    const char *fields[128];
    size_t nf = tl_rules_field_names(fields, TL_ARRAY_LEN(fields));
    const char **cands = tl_xcalloc(nf + n_more + 1, sizeof *cands);
    memcpy(cands, fields, nf * sizeof *cands);
    for (size_t i = 0; i < n_more; i++)
        cands[nf + i] = more[i];
    const char *s = tl_rules_suggest(name, cands, nf + n_more);
    free(cands);
    return s;
}

#define HINT_FIELDS "see rules/README.md for the field names; other JSON " \
                    "keys: 'extra.KEY'"

/* The text of an unknown-name error into buf: "PREFIXunknown WHAT 'NAME'
 * (did you mean 'X'?)" when a field name or one of more[] is close, else
 * with "(HINT)". */
static void unknown_name_text(char *buf, size_t size, const char *prefix,
                              const char *what, const char *name,
                              const char *const *more, size_t n_more,
                              const char *hint)
{
    const char *s = suggest_field(name, more, n_more);
    if (s)
        snprintf(buf, size, "%sunknown %s '%s' (did you mean '%s'?)", prefix,
                 what, name, s);
    else
        snprintf(buf, size, "%sunknown %s '%s' (%s)", prefix, what, name,
                 hint);
}

static void unknown_field(struct lctx *L, unsigned line, unsigned col,
                          const char *what, const char *name,
                          const char *const *more, size_t n_more)
{
    char buf[1024];
    unknown_name_text(buf, sizeof buf, "", what, name, more, n_more,
                      HINT_FIELDS);
    err_at(L, line, col, "%s", buf);
}

/* ---- scalar helpers -------------------------------------------------------- */

static bool is_scalar(const struct tl_ynode *y)
{
    return y && y->type == TL_Y_SCALAR;
}

static bool is_null(const struct tl_ynode *y)
{
    return !y || (y->type == TL_Y_SCALAR && y->kind == TL_YS_NULL);
}

/* A string-valued key: any non-null scalar. Returns a copy or NULL. */
static char *get_string(struct lctx *L, const struct tl_ynode *v,
                        const char *key, bool required_nonempty)
{
    if (!v)
        return NULL;
    if (!is_scalar(v)) {
        err(L, v, "'%s' must be a string, found %s", key,
            tl_rules_ynode_desc(v));
        return NULL;
    }
    if (v->kind == TL_YS_NULL || v->n == 0) {
        if (required_nonempty)
            err(L, v, "'%s' must not be empty", key);
        return NULL;
    }
    return tl_xstrndup(v->s, v->n);
}

static void ystrlist_err(void *ctx, const struct tl_ynode *at,
                         const char *msg)
{
    err(ctx, at, "%s", msg);
}

/* A list of strings (tl_rules_ystrlist). Returns a NULL-terminated array
 * (maybe empty), or NULL. */
static char **get_strlist(struct lctx *L, const struct tl_ynode *v,
                          const char *key, size_t *n_out, bool allow_scalar)
{
    char what[64];
    *n_out = 0;
    if (!v)
        return NULL;
    snprintf(what, sizeof what, "'%s'", key);
    return tl_rules_ystrlist(v, what, allow_scalar ? TL_YSL_SCALAR : 0,
                             ystrlist_err, L, n_out, NULL);
}

static void free_strlist(char **a)
{
    tl_rules_ystrlist_free(a);
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static bool valid_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++)
            if (!is_hex(*s++))
                return false;
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

static int date_shape(const char *s)
{
    /* 1: YYYY-MM-DD, 2: YYYY/MM/DD, 0: neither */
    if (strlen(s) != 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    if (s[4] == '-' && s[7] == '-')
        goto range;
    if (s[4] == '/' && s[7] == '/')
        return (s[5] - '0') * 10 + (s[6] - '0') <= 12 ? 2 : 0;
    return 0;
range:;
    int mo = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 ? 1 : 0;
}

/* ---- rule lifetime ---------------------------------------------------------- */

static void fref_free(struct tl_fref *f)
{
    free(f->key);
    f->key = NULL;
}

static void value_free(struct tl_value *v)
{
    free(v->text);
    free(v->lit);
    free(v->olit);
    free(v->gpat);
    free(v->ogpat);
    free(v->gkind);
    tl_rules_regex_free(&v->re);
}

void tl_rules_rule_free(struct tl_rule *r)
{
    if (!r)
        return;
    free(r->s_id);
    free(r->s_name);
    free(r->s_title);
    free(r->s_status);
    free(r->s_description);
    free(r->s_author);
    free(r->s_date);
    free(r->s_modified);
    free(r->s_license);
    free(r->s_product);
    free(r->s_service);
    free(r->s_category);
    free_strlist(r->l_tags);
    free_strlist(r->l_refs);
    free_strlist(r->l_fp);
    free_strlist(r->l_fields);
    for (size_t i = 0; i < r->n_sels; i++) {
        struct tl_selection *s = &r->sels[i];
        for (size_t g = 0; g < s->n_groups; g++) {
            struct tl_group *gr = &s->groups[g];
            for (size_t k = 0; k < gr->n_items; k++) {
                struct tl_item *it = &gr->items[k];
                fref_free(&it->field);
                free(it->key_text);
                for (size_t v = 0; v < it->n_vals; v++)
                    value_free(&it->vals[v]);
                free(it->vals);
            }
            free(gr->items);
        }
        free(s->groups);
        free(s->name);
    }
    free(r->sels);
    for (size_t i = 0; i < r->n_conds; i++) {
        tl_cond_free(r->conds[i]);
        free(r->cond_texts[i]);
    }
    free(r->conds);
    free(r->cond_texts);
    for (size_t i = 0; i < r->n_ex; i++) {
        fref_free(&r->ex[i].field);
        free(r->ex[i].field_text);
        tl_rules_regex_free(&r->ex[i].re);
        free(r->ex[i].caps);
    }
    free(r->ex);
    for (size_t i = 0; i < r->n_ex_names; i++)
        free(r->ex_names[i]);
    free(r->ex_names);
    free(r->summary);
    for (size_t i = 0; i < r->n_segs; i++) {
        free(r->segs[i].text);
        fref_free(&r->segs[i].ref);
    }
    free(r->segs);
    for (size_t i = 0; i < r->n_tests; i++) {
        struct tl_test *t = &r->tests[i];
        free(t->line);
        for (size_t k = 0; k < t->n_fields; k++) {
            free(t->fields[k].name);
            free(t->fields[k].value);
        }
        free(t->fields);
        free(t->summary);
    }
    free(r->tests);
    free_strlist(r->corr_refs);
    free(r->corr_rules);
    free_strlist(r->corr_group_by);
    free(r->corr_timespan);
    free(r->corr_field);
    for (size_t i = 0; i < r->corr.n_aliases; i++) {
        free((char *)(uintptr_t)r->corr_aliases[i].alias);
        free((char *)(uintptr_t)r->corr_aliases[i].rule_ref);
        free((char *)(uintptr_t)r->corr_aliases[i].field);
    }
    free(r->corr_aliases);
    free(r->corr_ref_lines);
    free(r->corr_ref_cols);
    free(r->corr_group_by_pos);
    free(r->corr_alias_pos);
    tl_episode_free(r->episode);
    tl_rules_cover_free(r);
    free(r);
}

/* ---- regexes ---------------------------------------------------------------- */

static bool compile_regex(struct lctx *L, struct tl_regex *re,
                          const struct tl_ynode *y, uint32_t flags)
{
    int ec = 0;
    PCRE2_SIZE eo = 0;
    memset(re, 0, sizeof *re);
    re->flags = flags;
    re->pattern = tl_xstrndup(y->s, y->n);
    re->n = y->n;
    re->code = pcre2_compile((PCRE2_SPTR)y->s, y->n,
                             flags | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec,
                             &eo, NULL);
    if (!re->code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", ec);
        unsigned line, col;
        value_pos(L, y, eo, &line, &col);
        err_at(L, line, col,
               "invalid regular expression: %s (at offset %zu of the "
               "pattern)", (const char *)msg, (size_t)eo);
        return false;
    }
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &re->captures);
    return true;
}

/* ---- values ------------------------------------------------------------------- */

enum {
    M_CONTAINS = 1u << 0,
    M_STARTSWITH = 1u << 1,
    M_ENDSWITH = 1u << 2,
    M_RE = 1u << 3,
    M_I = 1u << 4,
    M_M = 1u << 5,
    M_S = 1u << 6,
    M_ALL = 1u << 7,
    M_EXISTS = 1u << 8,
    M_CASED = 1u << 9,
    M_GT = 1u << 10,
    M_GTE = 1u << 11,
    M_LT = 1u << 12,
    M_LTE = 1u << 13
};

static const struct {
    const char *name;
    unsigned bit;
} modifiers[] = {
    {"contains", M_CONTAINS}, {"startswith", M_STARTSWITH},
    {"endswith", M_ENDSWITH}, {"re", M_RE},
    {"i", M_I},               {"m", M_M},
    {"s", M_S},               {"all", M_ALL},
    {"exists", M_EXISTS},     {"cased", M_CASED},
    {"gt", M_GT},             {"gte", M_GTE},
    {"lt", M_LT},             {"lte", M_LTE},
};

/* Sigma modifiers we know but do not implement: rejected by name. */
static const char *const unsupported_mods[] = {
    "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide",
    "windash", "cidr", "expand", "fieldref", "neq", "minute", "hour",
    "day", "week", "month", "year",
};

static const char *mod_name(unsigned bit)
{
    for (size_t i = 0; i < TL_ARRAY_LEN(modifiers); i++)
        if (modifiers[i].bit == bit)
            return modifiers[i].name;
    return "?";
}

#define M_MATCHERS (M_CONTAINS | M_STARTSWITH | M_ENDSWITH | M_RE | \
                    M_EXISTS | M_GT | M_GTE | M_LT | M_LTE)
#define M_NUMERIC (M_GT | M_GTE | M_LT | M_LTE)

/* Unescape a Sigma string value into glob tokens: "\*" "\?" "\\" are
 * literal, other backslashes are kept. */
static void glob_tokens(const char *s, size_t n, char **pat,
                        unsigned char **kind, size_t *len)
{
    char *p = tl_xmalloc(n + 3);
    unsigned char *k = tl_xmalloc(n + 3);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n &&
            (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\')) {
            p[m] = s[++i];
            k[m++] = TL_G_LIT;
        } else if (c == '*') {
            p[m] = c;
            k[m++] = TL_G_STAR;
        } else if (c == '?') {
            p[m] = c;
            k[m++] = TL_G_ONE;
        } else {
            p[m] = c;
            k[m++] = TL_G_LIT;
        }
    }
    *pat = p;
    *kind = k;
    *len = m;
}

static void compile_string(struct tl_value *v, const char *s, size_t n,
                           unsigned mods, bool cased)
{
    char *p;
    unsigned char *k;
    size_t m;
    glob_tokens(s, n, &p, &k, &m);
    /* room for the stars the modifiers add */
    if (mods & (M_CONTAINS | M_ENDSWITH)) {
        memmove(p + 1, p, m);
        memmove(k + 1, k, m);
        p[0] = '*';
        k[0] = TL_G_STAR;
        m++;
    }
    if (mods & (M_CONTAINS | M_STARTSWITH)) {
        p[m] = '*';
        k[m++] = TL_G_STAR;
    }
    /* collapse runs of stars */
    size_t w = 0;
    for (size_t i = 0; i < m; i++) {
        if (k[i] == TL_G_STAR && w > 0 && k[w - 1] == TL_G_STAR)
            continue;
        p[w] = p[i];
        k[w++] = k[i];
    }
    m = w;
    v->cased = cased;
    char *orig = tl_xstrndup(p, m);
    if (!cased)
        for (size_t i = 0; i < m; i++)
            if (k[i] == TL_G_LIT)
                p[i] = (char)tl_fold[(unsigned char)p[i]];
    /* classify: literal body between optional leading/trailing stars */
    size_t a = 0, b = m;
    bool lead = m > 0 && k[0] == TL_G_STAR;
    bool trail = m > (size_t)lead && k[m - 1] == TL_G_STAR;
    if (lead)
        a = 1;
    if (trail)
        b = m - 1;
    bool plain = true;
    for (size_t i = a; i < b; i++)
        if (k[i] != TL_G_LIT)
            plain = false;
    if (m == 1 && k[0] == TL_G_STAR) {
        v->mode = TL_SM_ANY;
    } else if (plain) {
        v->lit = tl_xstrndup(p + a, b - a);
        v->olit = tl_xstrndup(orig + a, b - a);
        v->n = b - a;
        v->mode = lead && trail ? TL_SM_CONTAINS
                  : lead        ? TL_SM_SUFFIX
                  : trail       ? TL_SM_PREFIX
                                : TL_SM_EQ;
    } else {
        v->mode = TL_SM_GLOB;
        v->gpat = tl_xstrndup(p, m);
        v->ogpat = tl_xstrndup(orig, m);
        v->gkind = tl_xmalloc(m ? m : 1);
        memcpy(v->gkind, k, m);
        v->gn = m;
    }
    free(orig);
    free(p);
    free(k);
}

static bool compile_value(struct lctx *L, struct tl_item *it, unsigned mods,
                          struct tl_value *v, const struct tl_ynode *y)
{
    v->text = tl_xstrndup(y->s, y->n);
    v->line = y->line;
    v->col = y->col;
    if (mods & M_EXISTS) {
        if (y->kind != TL_YS_BOOL) {
            err(L, y, "'exists' needs true or false, found '%s'", y->s);
            return false;
        }
        v->kind = TL_V_EXISTS;
        v->exists = y->bval;
        return true;
    }
    if (mods & M_NUMERIC) {
        if (y->kind == TL_YS_NULL || y->kind == TL_YS_BOOL ||
            !tl_rules_parse_num(y->s, y->n, &v->num)) {
            err(L, y, "'%s' needs a number, found '%s'",
                mod_name(mods & M_NUMERIC), y->s);
            return false;
        }
        v->kind = TL_V_NUM;
        v->ncmp = (mods & M_GT)    ? TL_NC_GT
                  : (mods & M_GTE) ? TL_NC_GTE
                  : (mods & M_LT)  ? TL_NC_LT
                                   : TL_NC_LTE;
        return true;
    }
    if (y->kind == TL_YS_NULL) {
        unsigned bad = mods & (M_CONTAINS | M_STARTSWITH | M_ENDSWITH |
                               M_RE | M_CASED);
        if (bad) {
            err(L, y, "null (field absent) cannot be combined with '%s'",
                mod_name(bad & (0u - bad)));
            return false;
        }
        if (it->keyword) {
            err(L, y, "a keyword cannot be null");
            return false;
        }
        v->kind = TL_V_NULL;
        return true;
    }
    if (mods & M_RE) {
        uint32_t fl = 0;
        if (mods & M_I)
            fl |= PCRE2_CASELESS;
        if (mods & M_M)
            fl |= PCRE2_MULTILINE;
        if (mods & M_S)
            fl |= PCRE2_DOTALL;
        v->kind = TL_V_RE;
        return compile_regex(L, &v->re, y, fl);
    }
    v->kind = TL_V_STR;
    unsigned m = mods;
    if (it->keyword && !(m & (M_STARTSWITH | M_ENDSWITH)))
        m |= M_CONTAINS;
    compile_string(v, y->s, y->n, m, (mods & M_CASED) != 0);
    if (v->mode == TL_SM_EQ && y->kind != TL_YS_FLOAT &&
        tl_rules_parse_num(y->s, y->n, &v->num) && v->num.is_int)
        v->is_num = true;
    return true;
}

/* ---- selections ---------------------------------------------------------- */

static bool parse_item(struct lctx *L, struct tl_item *it,
                       const struct tl_ynode *key, const struct tl_ynode *val)
{
    memset(it, 0, sizeof *it);
    it->key_text = tl_xstrndup(key->s, key->n);
    it->line = key->line;
    it->col = key->col;
    const char *ks = key->s;
    const char *bar = memchr(ks, '|', key->n);
    size_t fn = bar ? (size_t)(bar - ks) : key->n;
    bool ok = true;
    if (fn == 0) {
        it->keyword = true;
        it->field.src = TL_FS_EVENT;
        it->field.f = TL_F_EVENT_MESSAGE;
    } else if (!resolve_field(ks, fn, &it->field)) {
        char *name = tl_xstrndup(ks, fn);
        unknown_field(L, key->line, key->col, "field", name, NULL, 0);
        free(name);
        ok = false;
    }
    unsigned mods = 0;
    size_t pos = fn;
    while (bar && pos < key->n) {
        size_t start = pos + 1;
        const char *nb = memchr(ks + start, '|', key->n - start);
        size_t end = nb ? (size_t)(nb - ks) : key->n;
        char *m = tl_xstrndup(ks + start, end - start);
        unsigned line, col;
        value_pos(L, key, start, &line, &col);
        unsigned bit = 0;
        for (size_t i = 0; i < TL_ARRAY_LEN(modifiers); i++)
            if (strcmp(m, modifiers[i].name) == 0)
                bit = modifiers[i].bit;
        bool unsup = false;
        for (size_t i = 0; i < TL_ARRAY_LEN(unsupported_mods); i++)
            if (strcmp(m, unsupported_mods[i]) == 0)
                unsup = true;
        if (unsup) {
            err_at(L, line, col, "unsupported Sigma modifier '%s'", m);
            ok = false;
        } else if (!bit) {
            const char *cands[TL_ARRAY_LEN(modifiers)];
            for (size_t i = 0; i < TL_ARRAY_LEN(modifiers); i++)
                cands[i] = modifiers[i].name;
            const char *s = *m ? tl_rules_suggest(m, cands,
                                                  TL_ARRAY_LEN(cands))
                               : NULL;
            if (!*m)
                err_at(L, line, col, "empty modifier (a stray '|')");
            else if (s)
                err_at(L, line, col, "unknown modifier '%s' (did you mean "
                                     "'%s'?)", m, s);
            else
                err_at(L, line, col, "unknown modifier '%s'", m);
            ok = false;
        } else if (mods & bit) {
            err_at(L, line, col, "modifier '%s' given twice", m);
            ok = false;
        } else if ((bit & (M_I | M_M | M_S)) && !(mods & M_RE)) {
            err_at(L, line, col, "modifier '%s' is only valid after 're'",
                   m);
            ok = false;
        } else if ((bit & M_MATCHERS) && (mods & M_MATCHERS)) {
            err_at(L, line, col, "modifiers '%s' and '%s' cannot be "
                                 "combined",
                   mod_name(mods & M_MATCHERS), m);
            ok = false;
        } else {
            if (bit == M_CASED && (mods & M_RE))
                warn(L, key, "'cased' has no effect with 're' (regular "
                             "expressions are case-sensitive; use 're|i')");
            if (bit == M_RE && (mods & M_CASED))
                warn(L, key, "'cased' has no effect with 're' (regular "
                             "expressions are case-sensitive; use 're|i')");
            if ((bit & (M_EXISTS | M_NUMERIC)) && (mods & M_CASED)) {
                err_at(L, line, col, "'%s' cannot be combined with 'cased'",
                       m);
                ok = false;
            }
            if (bit == M_CASED && (mods & (M_EXISTS | M_NUMERIC))) {
                err_at(L, line, col, "'cased' cannot be combined with '%s'",
                       mod_name(mods & (M_EXISTS | M_NUMERIC)));
                ok = false;
            }
            mods |= bit;
        }
        free(m);
        pos = end;
    }
    if (!ok)
        return false;
    if (it->keyword && (mods & (M_EXISTS | M_NUMERIC))) {
        err(L, key, "'%s' needs a field name before it",
            mod_name(mods & (M_EXISTS | M_NUMERIC)));
        return false;
    }
    if ((mods & M_EXISTS) && (mods & M_ALL)) {
        err(L, key, "'exists' cannot be combined with 'all'");
        return false;
    }
    it->all = (mods & M_ALL) != 0;
    /* values */
    const struct tl_ynode *const *vals = NULL;
    size_t nv = 0;
    const struct tl_ynode *single = val;
    if (val->type == TL_Y_SEQ) {
        vals = (const struct tl_ynode *const *)val->kids;
        nv = val->n_kids;
        if (nv == 0) {
            err(L, val, "empty list of values for '%s'", it->key_text);
            return false;
        }
        if (mods & M_EXISTS) {
            err(L, val, "'exists' takes one value, true or false");
            return false;
        }
    } else if (val->type == TL_Y_MAP) {
        err(L, val, "the value of '%s' must be a value or a list of "
                    "values, found a map", it->key_text);
        return false;
    } else {
        vals = &single;
        nv = 1;
        if (it->all)
            warn(L, key, "'all' with a single value has no effect");
    }
    it->vals = tl_xcalloc(nv, sizeof *it->vals);
    for (size_t i = 0; i < nv; i++) {
        const struct tl_ynode *y = vals[i];
        if (y->type != TL_Y_SCALAR) {
            err(L, y, "the values of '%s' must be strings, numbers, "
                      "booleans or null, found %s", it->key_text,
                tl_rules_ynode_desc(y));
            ok = false;
            continue;
        }
        if (!compile_value(L, it, mods, &it->vals[it->n_vals], y)) {
            value_free(&it->vals[it->n_vals]);
            memset(&it->vals[it->n_vals], 0, sizeof it->vals[0]);
            ok = false;
            continue;
        }
        it->n_vals++;
    }
    return ok;
}

static void item_free(struct tl_item *it)
{
    fref_free(&it->field);
    free(it->key_text);
    for (size_t v = 0; v < it->n_vals; v++)
        value_free(&it->vals[v]);
    free(it->vals);
    memset(it, 0, sizeof *it);
}

static void parse_group(struct lctx *L, struct tl_group *g,
                        const struct tl_ynode *map)
{
    g->line = map->line;
    g->col = map->col;
    if (map->n_kids == 0) {
        err(L, map, "empty map in a selection");
        return;
    }
    g->items = tl_xcalloc(map->n_kids / 2, sizeof *g->items);
    for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
        const struct tl_ynode *k = map->kids[i];
        if (!is_scalar(k))
            continue;  /* reported by the YAML layer */
        if (parse_item(L, &g->items[g->n_items], k, map->kids[i + 1]))
            g->n_items++;
        else
            item_free(&g->items[g->n_items]);
    }
}

static const char *const cond_keywords[] = {"and", "or", "not", "of",
                                            "them", "all", "near", "1"};

static bool valid_sel_name(struct lctx *L, const struct tl_ynode *k)
{
    if (k->n == 0) {
        err(L, k, "empty selection name");
        return false;
    }
    for (size_t i = 0; i < k->n; i++) {
        unsigned char c = (unsigned char)k->s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        if (!ok) {
            if (c == '|')
                err(L, k, "'%s' looks like a field, but it is directly "
                          "under 'detection': put it in a selection",
                    k->s);
            else
                err(L, k, "selection name '%s' may only hold letters, "
                          "digits, '_', '.' and '-'", k->s);
            return false;
        }
    }
    bool digits = true;
    for (size_t i = 0; i < k->n; i++)
        if (k->s[i] < '0' || k->s[i] > '9')
            digits = false;
    for (size_t i = 0; i < TL_ARRAY_LEN(cond_keywords); i++) {
        if (strlen(cond_keywords[i]) != k->n)
            continue;
        bool eq = true;
        for (size_t j = 0; j < k->n; j++)
            if (tl_fold[(unsigned char)k->s[j]] !=
                (unsigned char)cond_keywords[i][j])
                eq = false;
        if (eq)
            digits = true;
    }
    if (digits) {
        err(L, k, "selection name '%s' is a condition keyword or a number",
            k->s);
        return false;
    }
    return true;
}

static void parse_selection(struct lctx *L, struct tl_selection *s,
                            const struct tl_ynode *k, const struct tl_ynode *v)
{
    s->name = tl_xstrndup(k->s, k->n);
    s->line = k->line;
    s->col = k->col;
    if (v->type == TL_Y_MAP) {
        s->groups = tl_xcalloc(1, sizeof *s->groups);
        parse_group(L, &s->groups[0], v);
        s->n_groups = 1;
        return;
    }
    if (is_null(v)) {
        if (!v->placeholder)  /* the alias was reported */
            err(L, k, "selection '%s' is empty", s->name);
        return;
    }
    if (v->type == TL_Y_SCALAR) {
        /* a single keyword */
        s->groups = tl_xcalloc(1, sizeof *s->groups);
        struct tl_group *g = &s->groups[0];
        g->line = v->line;
        g->col = v->col;
        g->items = tl_xcalloc(1, sizeof *g->items);
        struct tl_item *it = &g->items[0];
        it->keyword = true;
        it->field.f = TL_F_EVENT_MESSAGE;
        it->key_text = tl_xstrdup("(keyword)");
        it->line = v->line;
        it->col = v->col;
        it->vals = tl_xcalloc(1, sizeof *it->vals);
        if (compile_value(L, it, 0, &it->vals[0], v))
            it->n_vals = 1;
        g->n_items = 1;
        s->n_groups = 1;
        return;
    }
    /* a list */
    if (v->n_kids == 0) {
        err(L, k, "selection '%s' is empty", s->name);
        return;
    }
    size_t maps = 0, scalars = 0;
    for (size_t i = 0; i < v->n_kids; i++) {
        if (v->kids[i]->type == TL_Y_MAP)
            maps++;
        else if (v->kids[i]->type == TL_Y_SCALAR)
            scalars++;
        else
            err(L, v->kids[i], "a list inside a selection list is not "
                               "allowed");
    }
    if (maps && scalars) {
        err(L, v, "selection '%s' mixes maps and plain values: use two "
                  "selections", s->name);
        return;
    }
    if (maps) {
        s->groups = tl_xcalloc(maps, sizeof *s->groups);
        for (size_t i = 0; i < v->n_kids; i++)
            if (v->kids[i]->type == TL_Y_MAP)
                parse_group(L, &s->groups[s->n_groups++], v->kids[i]);
        return;
    }
    if (scalars) {
        s->groups = tl_xcalloc(1, sizeof *s->groups);
        struct tl_group *g = &s->groups[0];
        g->line = v->line;
        g->col = v->col;
        g->items = tl_xcalloc(1, sizeof *g->items);
        struct tl_item *it = &g->items[0];
        it->keyword = true;
        it->field.f = TL_F_EVENT_MESSAGE;
        it->key_text = tl_xstrdup("(keywords)");
        it->line = v->line;
        it->col = v->col;
        it->vals = tl_xcalloc(scalars, sizeof *it->vals);
        for (size_t i = 0; i < v->n_kids; i++) {
            if (v->kids[i]->type != TL_Y_SCALAR)
                continue;
            if (compile_value(L, it, 0, &it->vals[it->n_vals], v->kids[i]))
                it->n_vals++;
            else
                value_free(&it->vals[it->n_vals]),
                    memset(&it->vals[it->n_vals], 0, sizeof it->vals[0]);
        }
        g->n_items = 1;
        s->n_groups = 1;
    }
}

struct cond_err_ctx {
    struct lctx *L;
    const struct tl_ynode *y;
};

static void cond_err_cb(void *ctx, unsigned pos, const char *msg)
{
    struct cond_err_ctx *C = ctx;
    unsigned line, col;
    value_pos(C->L, C->y, pos, &line, &col);
    err_at(C->L, line, col, "condition: %s", msg);
}

static void parse_condition(struct lctx *L, struct tl_rule *r,
                            const struct tl_ynode *cy)
{
    const struct tl_ynode *const *list;
    size_t n;
    const struct tl_ynode *single = cy;
    if (cy->type == TL_Y_SEQ) {
        list = (const struct tl_ynode *const *)cy->kids;
        n = cy->n_kids;
        if (n == 0) {
            err(L, cy, "'condition' is an empty list");
            return;
        }
    } else {
        list = &single;
        n = 1;
    }
    r->conds = tl_xcalloc(n, sizeof *r->conds);
    r->cond_texts = tl_xcalloc(n, sizeof *r->cond_texts);
    const char **names = tl_xcalloc(r->n_sels + 1, sizeof *names);
    for (size_t i = 0; i < r->n_sels; i++)
        names[i] = r->sels[i].name;
    bool *used = tl_xcalloc(r->n_sels + 1, sizeof *used);
    bool all_ok = true;
    for (size_t i = 0; i < n; i++) {
        const struct tl_ynode *y = list[i];
        if (!is_scalar(y) || y->kind == TL_YS_NULL) {
            err(L, y, "'condition' must be a string (or a list of "
                      "strings), found %s", tl_rules_ynode_desc(y));
            all_ok = false;
            continue;
        }
        struct tl_cond_error ce;
        struct tl_cond *c = tl_cond_parse(y->s, y->n, &ce);
        if (!c) {
            unsigned line, col;
            value_pos(L, y, ce.pos, &line, &col);
            err_at(L, line, col, "condition: %s", ce.msg);
            all_ok = false;
            continue;
        }
        struct cond_err_ctx C = {L, y};
        tl_cond_resolve(c, names, r->n_sels, used, cond_err_cb, &C);
        r->conds[r->n_conds] = c;
        r->cond_texts[r->n_conds] = tl_xstrndup(y->s, y->n);
        r->n_conds++;
    }
    /* unused selections: only when every condition could be read */
    if (all_ok) {
        for (size_t i = 0; i < r->n_sels; i++) {
            if (!used[i]) {
                struct tl_ynode fake = {.line = r->sels[i].line,
                                        .col = r->sels[i].col};
                warn(L, &fake, "selection '%s' is not used by the condition",
                     r->sels[i].name);
            }
        }
    }
    free(used);
    free(names);
}

static void parse_detection(struct lctx *L, struct tl_rule *r,
                            const struct tl_ynode *det)
{
    if (det->type != TL_Y_MAP) {
        err(L, det, "'detection' must be a map of selections and a "
                    "'condition', found %s", tl_rules_ynode_desc(det));
        return;
    }
    const struct tl_ynode *cond = NULL;
    size_t nk = det->n_kids / 2;
    r->sels = tl_xcalloc(nk ? nk : 1, sizeof *r->sels);
    for (size_t i = 0; i + 1 < det->n_kids; i += 2) {
        const struct tl_ynode *k = det->kids[i], *v = det->kids[i + 1];
        if (!is_scalar(k))
            continue;
        if (strcmp(k->s, "condition") == 0) {
            cond = v;
            continue;
        }
        if (strcmp(k->s, "timeframe") == 0) {
            err(L, k, "'timeframe' is not supported (Sigma 1 aggregation): "
                      "use a correlation rule with 'timespan'");
            continue;
        }
        if (!valid_sel_name(L, k))
            continue;
        parse_selection(L, &r->sels[r->n_sels], k, v);
        r->n_sels++;
    }
    if (!cond) {
        err(L, det, "'detection' has no 'condition'");
        return;
    }
    if (r->n_sels == 0) {
        err(L, det, "'detection' has no selections");
        return;
    }
    parse_condition(L, r, cond);
}

/* ---- extract / summary ---------------------------------------------------- */

static size_t ex_name_index(struct tl_rule *r, const char *name, bool add)
{
    for (size_t i = 0; i < r->n_ex_names; i++)
        if (strcmp(r->ex_names[i], name) == 0)
            return i;
    if (!add)
        return (size_t)-1;
    tl_xgrow((void **)&r->ex_names, &r->cap_ex_names, r->n_ex_names + 1,
             sizeof *r->ex_names);
    r->ex_names[r->n_ex_names] = tl_xstrdup(name);
    return r->n_ex_names++;
}

static int cmp_name_entry(const void *a, const void *b)
{
    PCRE2_SPTR x = *(const PCRE2_SPTR *)a, y = *(const PCRE2_SPTR *)b;
    unsigned gx = ((unsigned)x[0] << 8) | x[1];
    unsigned gy = ((unsigned)y[0] << 8) | y[1];
    return gx < gy ? -1 : (gx > gy);
}

static void parse_extract(struct lctx *L, struct tl_rule *r,
                          const struct tl_ynode *ex)
{
    if (ex->type != TL_Y_MAP) {
        err(L, ex, "'extract' must be a map of field -> regular "
                   "expression(s), found %s", tl_rules_ynode_desc(ex));
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i + 1 < ex->n_kids; i += 2) {
        const struct tl_ynode *v = ex->kids[i + 1];
        total += v->type == TL_Y_SEQ ? v->n_kids : 1;
    }
    r->ex = tl_xcalloc(total ? total : 1, sizeof *r->ex);
    for (size_t i = 0; i + 1 < ex->n_kids; i += 2) {
        const struct tl_ynode *k = ex->kids[i], *v = ex->kids[i + 1];
        if (!is_scalar(k))
            continue;
        const char *bar = memchr(k->s, '|', k->n);
        size_t fn = bar ? (size_t)(bar - k->s) : k->n;
        struct tl_fref ref;
        if (!resolve_field(k->s, fn, &ref)) {
            char *name = tl_xstrndup(k->s, fn);
            unknown_field(L, k->line, k->col, "field", name, NULL, 0);
            free(name);
            continue;
        }
        uint32_t flags = 0;
        bool ok = true;
        size_t pos = fn;
        while (bar && pos < k->n) {
            size_t start = pos + 1;
            const char *nb = memchr(k->s + start, '|', k->n - start);
            size_t end = nb ? (size_t)(nb - k->s) : k->n;
            size_t ml = end - start;
            unsigned line, col;
            value_pos(L, k, start, &line, &col);
            if (ml == 1 && k->s[start] == 'i')
                flags |= PCRE2_CASELESS;
            else if (ml == 1 && k->s[start] == 'm')
                flags |= PCRE2_MULTILINE;
            else if (ml == 1 && k->s[start] == 's')
                flags |= PCRE2_DOTALL;
            else {
                err_at(L, line, col, "extract: unknown modifier '%.*s' "
                                     "(only i, m and s)",
                       (int)ml, k->s + start);
                ok = false;
            }
            pos = end;
        }
        if (!ok) {
            fref_free(&ref);
            continue;
        }
        const struct tl_ynode *const *pats;
        size_t np;
        const struct tl_ynode *single = v;
        if (v->type == TL_Y_SEQ) {
            pats = (const struct tl_ynode *const *)v->kids;
            np = v->n_kids;
        } else {
            pats = &single;
            np = 1;
        }
        for (size_t p = 0; p < np; p++) {
            const struct tl_ynode *y = pats[p];
            if (!is_scalar(y) || y->kind == TL_YS_NULL || y->n == 0) {
                err(L, y, "extract: the pattern for '%s' must be a "
                          "non-empty string, found %s", k->s,
                    tl_rules_ynode_desc(y));
                continue;
            }
            struct tl_extract *e = &r->ex[r->n_ex];
            memset(e, 0, sizeof *e);
            if (!compile_regex(L, &e->re, y, flags)) {
                tl_rules_regex_free(&e->re);
                continue;
            }
            uint32_t count = 0, esize = 0;
            PCRE2_SPTR table = NULL;
            pcre2_pattern_info(e->re.code, PCRE2_INFO_NAMECOUNT, &count);
            pcre2_pattern_info(e->re.code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
            pcre2_pattern_info(e->re.code, PCRE2_INFO_NAMETABLE, &table);
            if (count == 0) {
                err(L, y, "extract: the pattern has no named group such "
                          "as (?<team_id>...)");
                tl_rules_regex_free(&e->re);
                continue;
            }
            e->caps = tl_xcalloc(count, sizeof *e->caps);
            /* the name table is sorted by name: take the groups in the
             * order they appear in the pattern instead */
            PCRE2_SPTR *ents = tl_xcalloc(count, sizeof *ents);
            for (uint32_t c = 0; c < count; c++)
                ents[c] = table + (size_t)c * esize;
            qsort(ents, count, sizeof *ents, cmp_name_entry);
            for (uint32_t c = 0; c < count; c++) {
                PCRE2_SPTR ent = ents[c];
                uint32_t grp = ((uint32_t)ent[0] << 8) | ent[1];
                const char *nm = (const char *)ent + 2;
                if (tl_field_lookup(nm, strlen(nm)) != TL_F__COUNT)
                    warn(L, y, "extract: the group name '%s' hides the "
                               "event field of that name in summaries",
                         nm);
                e->caps[e->n_caps].name = ex_name_index(r, nm, true);
                e->caps[e->n_caps].group = grp;
                e->n_caps++;
            }
            free(ents);
            e->field = ref;
            ref.key = ref.key ? tl_xstrdup(ref.key) : NULL;
            e->field_text = tl_xstrndup(k->s, fn);
            r->n_ex++;
        }
        fref_free(&ref);
    }
}

static bool resolve_name(struct tl_rule *r, const char *name,
                         struct tl_fref *out)
{
    size_t i = ex_name_index(r, name, false);
    if (i != (size_t)-1) {
        memset(out, 0, sizeof *out);
        out->src = TL_FS_EXTRACTED;
        out->index = i;
        return true;
    }
    return resolve_field(name, strlen(name), out);
}

static void add_seg(struct tl_rule *r, bool field, const char *s, size_t n,
                    const struct tl_fref *ref)
{
    if (!field && n == 0)
        return;
    tl_xgrow((void **)&r->segs, &r->cap_segs, r->n_segs + 1, sizeof *r->segs);
    struct tl_tseg *g = &r->segs[r->n_segs++];
    memset(g, 0, sizeof *g);
    g->is_field = field;
    g->text = tl_xstrndup(s, n);
    g->n = n;
    if (ref)
        g->ref = *ref;
}

static void parse_summary(struct lctx *L, struct tl_rule *r,
                          const struct tl_ynode *y)
{
    if (!is_scalar(y) || y->kind == TL_YS_NULL) {
        err(L, y, "'summary' must be a string, found %s",
            tl_rules_ynode_desc(y));
        return;
    }
    r->summary = tl_xstrndup(y->s, y->n);
    const char *s = y->s;
    size_t n = y->n;
    char *lit = tl_xmalloc(n + 1);
    size_t ln = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '{' && i + 1 < n && s[i + 1] == '{') {
            lit[ln++] = '{';
            i++;
            continue;
        }
        if (s[i] == '}' && i + 1 < n && s[i + 1] == '}') {
            lit[ln++] = '}';
            i++;
            continue;
        }
        if (s[i] == '}') {
            unsigned line, col;
            value_pos(L, y, i, &line, &col);
            err_at(L, line, col, "summary: unmatched '}' (write '}}' for a "
                                 "literal brace)");
            continue;
        }
        if (s[i] != '{') {
            lit[ln++] = s[i];
            continue;
        }
        const char *close = memchr(s + i, '}', n - i);
        unsigned line, col;
        value_pos(L, y, i, &line, &col);
        if (!close) {
            err_at(L, line, col, "summary: unclosed '{' (write '{{' for a "
                                 "literal brace)");
            break;
        }
        size_t nl = (size_t)(close - (s + i + 1));
        char *name = tl_xstrndup(s + i + 1, nl);
        struct tl_fref ref;
        if (nl == 0) {
            err_at(L, line, col, "summary: empty placeholder '{}'");
        } else if (!resolve_name(r, name, &ref)) {
            const char *const *more =
                (const char *const *)r->ex_names;
            unknown_field(L, line, col, "summary placeholder", name, more,
                          r->n_ex_names);
        } else {
            add_seg(r, false, lit, ln, NULL);
            ln = 0;
            add_seg(r, true, name, nl, &ref);
        }
        free(name);
        i += nl + 1;
    }
    add_seg(r, false, lit, ln, NULL);
    free(lit);
}

/* ---- tests -------------------------------------------------------------------- */

static void parse_test_item(struct lctx *L, struct tl_rule *r,
                            const struct tl_ynode *y, bool expect)
{
    const char *list = expect ? "match" : "nomatch";
    struct tl_test t;
    memset(&t, 0, sizeof t);
    t.expect_match = expect;
    t.yline = y->line;
    t.ycol = y->col;
    const struct tl_ynode *line = NULL;
    if (is_scalar(y)) {
        line = y;
    } else if (y->type == TL_Y_MAP) {
        static const char *const keys[] = {"line", "fields", "summary"};
        for (size_t i = 0; i + 1 < y->n_kids; i += 2) {
            const struct tl_ynode *k = y->kids[i];
            if (!is_scalar(k))
                continue;
            size_t nk = expect ? 3 : 1;
            bool known = false;
            for (size_t j = 0; j < nk; j++)
                if (strcmp(k->s, keys[j]) == 0)
                    known = true;
            if (!known) {
                const char *s = tl_rules_suggest(k->s, keys, nk);
                if (!expect && (strcmp(k->s, "fields") == 0 ||
                                strcmp(k->s, "summary") == 0))
                    err(L, k, "tests: '%s' is only allowed in 'match' "
                              "items", k->s);
                else if (s)
                    err(L, k, "tests: unknown key '%s' (did you mean "
                              "'%s'?)", k->s, s);
                else
                    err(L, k, "tests: unknown key '%s' (expected 'line'%s)",
                        k->s, expect ? ", 'fields' or 'summary'" : "");
            }
        }
        line = tl_rules_ymap_get(y, "line");
        if (!line) {
            err(L, y, "tests: a %s item needs 'line'", list);
            return;
        }
    } else {
        err(L, y, "tests: a %s item must be a log line or a map with "
                  "'line', found %s", list, tl_rules_ynode_desc(y));
        return;
    }
    if (!is_scalar(line) || line->kind == TL_YS_NULL || line->n == 0) {
        err(L, line, "tests: 'line' must be a non-empty string, found %s",
            tl_rules_ynode_desc(line));
        return;
    }
    t.line = tl_xstrndup(line->s, line->n);
    t.n = line->n;
    if (y->type == TL_Y_MAP) {
        const struct tl_ynode *f = tl_rules_ymap_get(y, "fields");
        if (f && f->type != TL_Y_MAP) {
            err(L, f, "tests: 'fields' must be a map of name -> value, "
                      "found %s", tl_rules_ynode_desc(f));
        } else if (f) {
            t.fields = tl_xcalloc(f->n_kids / 2 + 1, sizeof *t.fields);
            for (size_t i = 0; i + 1 < f->n_kids; i += 2) {
                const struct tl_ynode *k = f->kids[i], *v = f->kids[i + 1];
                if (!is_scalar(k))
                    continue;
                struct tl_fref ref;
                if (!resolve_name(r, k->s, &ref)) {
                    unknown_field(L, k->line, k->col, "test field", k->s,
                                  (const char *const *)r->ex_names,
                                  r->n_ex_names);
                    continue;
                }
                fref_free(&ref);
                if (!is_scalar(v)) {
                    err(L, v, "tests: the expected value of '%s' must be "
                              "a string or null, found %s", k->s,
                        tl_rules_ynode_desc(v));
                    continue;
                }
                struct tl_test_field *tf = &t.fields[t.n_fields++];
                tf->name = tl_xstrndup(k->s, k->n);
                tf->value = v->kind == TL_YS_NULL ? NULL
                                                  : tl_xstrndup(v->s, v->n);
            }
        }
        const struct tl_ynode *s = tl_rules_ymap_get(y, "summary");
        if (s && (!is_scalar(s) || s->kind == TL_YS_NULL)) {
            err(L, s, "tests: 'summary' must be a string");
        } else if (s) {
            if (!r->summary)
                err(L, s, "tests: 'summary' given but the rule has no "
                          "'summary'");
            t.summary = tl_xstrndup(s->s, s->n);
        }
    }
    tl_xgrow((void **)&r->tests, &r->cap_tests, r->n_tests + 1,
             sizeof *r->tests);
    r->tests[r->n_tests++] = t;
}

static void parse_tests(struct lctx *L, struct tl_rule *r,
                        const struct tl_ynode *y)
{
    if (y->type != TL_Y_MAP) {
        err(L, y, "'tests' must be a map with 'match' and/or 'nomatch', "
                  "found %s", tl_rules_ynode_desc(y));
        return;
    }
    static const char *const keys[] = {"match", "nomatch"};
    for (size_t i = 0; i + 1 < y->n_kids; i += 2) {
        const struct tl_ynode *k = y->kids[i], *v = y->kids[i + 1];
        if (!is_scalar(k))
            continue;
        bool expect;
        if (strcmp(k->s, "match") == 0) {
            expect = true;
        } else if (strcmp(k->s, "nomatch") == 0) {
            expect = false;
        } else {
            const char *s = tl_rules_suggest(k->s, keys, 2);
            if (s)
                err(L, k, "tests: unknown key '%s' (did you mean '%s'?)",
                    k->s, s);
            else
                err(L, k, "tests: unknown key '%s' (expected 'match' or "
                          "'nomatch')", k->s);
            continue;
        }
        if (is_null(v))
            continue;
        if (v->type != TL_Y_SEQ) {
            err(L, v, "tests: '%s' must be a list, found %s", k->s,
                tl_rules_ynode_desc(v));
            continue;
        }
        for (size_t j = 0; j < v->n_kids; j++)
            parse_test_item(L, r, v->kids[j], expect);
    }
}

/* ---- correlation ---------------------------------------------------------------- */

static bool parse_u64(const struct tl_ynode *y, uint64_t *out)
{
    return is_scalar(y) && y->kind == TL_YS_INT && y->s[0] != '-' &&
           y->s[0] != '+' && tl_parse_u64(y->s, y->n, out);
}

/* has_episode: the rule also has an `episode` map, which makes
 * `generate` default to true (see the end of this function). */
static void parse_correlation(struct lctx *L, struct tl_rule *r,
                              const struct tl_ynode *c, bool has_episode)
{
    static const char *const keys[] = {"type",      "rules",     "group-by",
                                       "timespan",  "condition", "aliases",
                                       "generate"};
    r->corr_line = c->line;
    r->corr_col = c->col;
    if (c->type != TL_Y_MAP) {
        err(L, c, "'correlation' must be a map, found %s",
            tl_rules_ynode_desc(c));
        return;
    }
    for (size_t i = 0; i + 1 < c->n_kids; i += 2) {
        const struct tl_ynode *k = c->kids[i];
        if (!is_scalar(k))
            continue;
        bool known = false;
        for (size_t j = 0; j < TL_ARRAY_LEN(keys); j++)
            if (strcmp(k->s, keys[j]) == 0)
                known = true;
        if (!known) {
            const char *s = tl_rules_suggest(k->s, keys, TL_ARRAY_LEN(keys));
            if (s)
                err(L, k, "correlation: unknown key '%s' (did you mean "
                          "'%s'?)", k->s, s);
            else
                err(L, k, "correlation: unknown key '%s'", k->s);
        }
    }
    struct tl_correlation *co = &r->corr;
    const struct tl_ynode *t = tl_rules_ymap_get(c, "type");
    co->type = TL_CORR__COUNT;
    if (!t) {
        err(L, c, "correlation: missing 'type' (event_count, value_count, "
                  "temporal or temporal_ordered)");
    } else if (!is_scalar(t)) {
        err(L, t, "correlation: 'type' must be a string");
    } else {
        for (int i = 0; i < TL_CORR__COUNT; i++)
            if (strcmp(t->s, corr_type_names[i]) == 0)
                co->type = (enum tl_corr_type)i;
        if (co->type == TL_CORR__COUNT) {
            const char *s = tl_rules_suggest(t->s, corr_type_names,
                                             TL_CORR__COUNT);
            err(L, t, "correlation: unknown type '%s'%s%s%s", t->s,
                s ? " (did you mean '" : " (expected event_count, "
                                         "value_count, temporal or "
                                         "temporal_ordered",
                s ? s : "", s ? "'?)" : ")");
        }
    }
    const struct tl_ynode *rl = tl_rules_ymap_get(c, "rules");
    if (!rl) {
        err(L, c, "correlation: missing 'rules'");
    } else {
        size_t n;
        r->corr_refs = get_strlist(L, rl, "rules", &n, true);
        co->n_rules = n;
        co->rule_refs = (const char *const *)r->corr_refs;
        r->corr_rules = tl_xcalloc(n + 1, sizeof *r->corr_rules);
        co->rules = r->corr_rules;
        r->corr_ref_lines = tl_xcalloc(n + 1, sizeof *r->corr_ref_lines);
        r->corr_ref_cols = tl_xcalloc(n + 1, sizeof *r->corr_ref_cols);
        for (size_t i = 0; i < n; i++) {
            const struct tl_ynode *y = rl->type == TL_Y_SEQ && i < rl->n_kids
                                           ? rl->kids[i]
                                           : rl;
            r->corr_ref_lines[i] = y->line;
            r->corr_ref_cols[i] = y->col;
        }
        if (n == 0 && r->corr_refs)
            err(L, rl, "correlation: 'rules' is empty");
        else if (n == 1 && (co->type == TL_CORR_TEMPORAL ||
                            co->type == TL_CORR_TEMPORAL_ORDERED))
            warn(L, rl, "correlation: a temporal correlation of a single "
                        "rule is always true when the rule matches");
    }
    const struct tl_ynode *gb = tl_rules_ymap_get(c, "group-by");
    if (gb) {
        size_t n;
        r->corr_group_by = tl_rules_ystrlist(gb, "'group-by'", TL_YSL_SCALAR,
                                             ystrlist_err, L, &n,
                                             &r->corr_group_by_pos);
        co->group_by.v = (const char *const *)r->corr_group_by;
        co->group_by.n = n;
    }
    const struct tl_ynode *ts = tl_rules_ymap_get(c, "timespan");
    if (!ts) {
        err(L, c, "correlation: missing 'timespan' (e.g. 5m)");
    } else {
        bool ok = is_scalar(ts) && ts->n >= 2 && ts->n < 16;
        uint64_t v = 0, mul = 0;
        if (ok) {
            char u = ts->s[ts->n - 1];
            mul = u == 's' ? 1000 : u == 'm' ? 60000 : u == 'h' ? 3600000
                  : u == 'd' ? 86400000 : 0;
            ok = mul && tl_parse_u64(ts->s, ts->n - 1, &v) && v > 0 &&
                 v <= UINT64_MAX / mul;
        }
        if (!ok) {
            err(L, ts, "correlation: invalid timespan '%s' (a number and "
                       "s, m, h or d, e.g. 5m)",
                is_scalar(ts) ? ts->s : tl_rules_ynode_desc(ts));
        } else if (v * mul > TL_MAX_SPAN_MS) {
            err(L, ts, "correlation: timespan '%s' is longer than 366d, "
                       "the longest a correlation may span",
                ts->s);
        } else {
            co->timespan_ms = v * mul;
            r->corr_timespan = tl_xstrndup(ts->s, ts->n);
            co->timespan = r->corr_timespan;
        }
    }
    const struct tl_ynode *cd = tl_rules_ymap_get(c, "condition");
    bool needs_cond = co->type == TL_CORR_EVENT_COUNT ||
                      co->type == TL_CORR_VALUE_COUNT;
    if (!cd) {
        if (needs_cond)
            err(L, c, "correlation: missing 'condition' (e.g. gte: 10)");
    } else if (cd->type != TL_Y_MAP) {
        err(L, cd, "correlation: 'condition' must be a map such as "
                   "{gte: 10}, found %s", tl_rules_ynode_desc(cd));
    } else {
        static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq"};
        const char *cands[] = {"gt", "gte", "lt", "lte", "eq", "field"};
        for (size_t i = 0; i + 1 < cd->n_kids; i += 2) {
            const struct tl_ynode *k = cd->kids[i], *v = cd->kids[i + 1];
            if (!is_scalar(k))
                continue;
            if (strcmp(k->s, "field") == 0) {
                if (co->type != TL_CORR_VALUE_COUNT)
                    err(L, k, "correlation: 'field' is only valid for "
                              "value_count");
                else if (!is_scalar(v) || v->kind == TL_YS_NULL)
                    err(L, v, "correlation: 'field' must be a field name");
                else {
                    r->corr_field = tl_xstrndup(v->s, v->n);
                    co->field = r->corr_field;
                    r->corr_field_pos = (struct tl_ypos){v->line, v->col};
                }
                continue;
            }
            int op = -1;
            for (int j = 0; j < 5; j++)
                if (strcmp(k->s, ops[j]) == 0)
                    op = j;
            if (op < 0) {
                const char *s = tl_rules_suggest(k->s, cands, 6);
                if (s)
                    err(L, k, "correlation: unknown condition '%s' (did "
                              "you mean '%s'?)", k->s, s);
                else
                    err(L, k, "correlation: unknown condition '%s' "
                              "(gt, gte, lt, lte, eq)", k->s);
                continue;
            }
            uint64_t val;
            if (!parse_u64(v, &val)) {
                err(L, v, "correlation: '%s' needs a non-negative integer",
                    k->s);
                continue;
            }
            if (co->n_conds < 5) {
                r->corr_conds[co->n_conds].op = (enum tl_corr_op)op;
                r->corr_conds[co->n_conds].value = val;
                co->n_conds++;
            }
        }
        co->conds = r->corr_conds;
        if (co->n_conds == 0 && needs_cond)
            err(L, cd, "correlation: 'condition' has no gt/gte/lt/lte/eq");
        if (co->type == TL_CORR_VALUE_COUNT && !co->field)
            err(L, cd, "correlation: value_count needs 'field' in its "
                       "condition");
        /* Sigma: for temporal and temporal_ordered the condition counts
         * the listed rules that matched (in order): 1 to n_rules. */
        bool temporal = co->type == TL_CORR_TEMPORAL ||
                        co->type == TL_CORR_TEMPORAL_ORDERED;
        bool can = !temporal || co->n_conds == 0 || co->n_rules == 0;
        for (uint64_t v = 1; v <= co->n_rules && !can; v++) {
            bool all = true;
            for (size_t i = 0; i < co->n_conds && all; i++) {
                uint64_t x = co->conds[i].value;
                switch (co->conds[i].op) {
                case TL_CORR_GT: all = v > x; break;
                case TL_CORR_GTE: all = v >= x; break;
                case TL_CORR_LT: all = v < x; break;
                case TL_CORR_LTE: all = v <= x; break;
                case TL_CORR_EQ: default: all = v == x; break;
                }
            }
            can = all;
        }
        if (!can)
            err(L, cd, "correlation: the condition can never hold: a %s "
                       "correlation counts 1 to %zu of its listed rules",
                corr_type_names[co->type], co->n_rules);
    }
    const struct tl_ynode *al = tl_rules_ymap_get(c, "aliases");
    if (al && al->type != TL_Y_MAP) {
        err(L, al, "correlation: 'aliases' must be a map alias -> {rule: "
                   "field}");
    } else if (al) {
        for (size_t i = 0; i + 1 < al->n_kids; i += 2) {
            const struct tl_ynode *k = al->kids[i], *v = al->kids[i + 1];
            if (!is_scalar(k))
                continue;
            if (v->type != TL_Y_MAP) {
                err(L, v, "correlation: alias '%s' must map rule names to "
                          "field names", k->s);
                continue;
            }
            for (size_t j = 0; j + 1 < v->n_kids; j += 2) {
                const struct tl_ynode *rk = v->kids[j], *fv = v->kids[j + 1];
                if (!is_scalar(rk) || !is_scalar(fv) ||
                    fv->kind == TL_YS_NULL) {
                    err(L, fv, "correlation: alias '%s' must map rule names "
                               "to field names", k->s);
                    continue;
                }
                tl_xgrow((void **)&r->corr_aliases, &r->cap_aliases,
                         co->n_aliases + 1, sizeof *r->corr_aliases);
                struct tl_corr_alias *a = &r->corr_aliases[co->n_aliases++];
                a->alias = tl_xstrndup(k->s, k->n);
                a->rule_ref = tl_xstrndup(rk->s, rk->n);
                a->field = tl_xstrndup(fv->s, fv->n);
                a->rule = NULL;
                r->corr_alias_pos = tl_xrealloc(
                    r->corr_alias_pos,
                    co->n_aliases * sizeof *r->corr_alias_pos);
                r->corr_alias_pos[co->n_aliases - 1] =
                    (struct tl_ypos){fv->line, fv->col};
            }
        }
        co->aliases = r->corr_aliases;
    }
    /* Sigma: without `generate: true` the rules a correlation lists make
     * no results of their own. A trustline episode (a story whose
     * unlinked events stay on the timeline) defaults to true. */
    co->generate = has_episode;
    const struct tl_ynode *ge = tl_rules_ymap_get(c, "generate");
    if (ge) {
        if (!is_scalar(ge) || ge->kind != TL_YS_BOOL)
            err(L, ge, "correlation: 'generate' must be true or false");
        else
            co->generate = ge->bval;
    }
}

/* ---- one document ------------------------------------------------------------- */

static const char *const top_keys[] = {
    "title",   "id",        "name",         "status",      "description",
    "references", "author", "date",         "modified",    "tags",
    "logsource", "detection", "falsepositives", "level",   "fields",
    "related", "license",   "taxonomy",     "scope",       "correlation",
    "extract", "summary",   "tests",        "episode",
};

static const char *const statuses[] = {"stable", "test", "experimental",
                                       "deprecated", "unsupported"};

static void check_related(struct lctx *L, const struct tl_ynode *y)
{
    static const char *const types[] = {"derived", "obsolete", "merged",
                                        "renamed", "similar"};
    if (y->type != TL_Y_SEQ) {
        err(L, y, "'related' must be a list of {id, type}");
        return;
    }
    for (size_t i = 0; i < y->n_kids; i++) {
        const struct tl_ynode *m = y->kids[i];
        if (m->type != TL_Y_MAP) {
            err(L, m, "'related' must be a list of {id, type}");
            continue;
        }
        const struct tl_ynode *id = tl_rules_ymap_get(m, "id");
        const struct tl_ynode *ty = tl_rules_ymap_get(m, "type");
        if (!id || !is_scalar(id) || !valid_uuid(id->s))
            err(L, id ? id : m, "related: 'id' must be a UUID");
        bool ok = false;
        if (ty && is_scalar(ty))
            for (size_t j = 0; j < TL_ARRAY_LEN(types); j++)
                if (strcmp(ty->s, types[j]) == 0)
                    ok = true;
        if (!ok)
            err(L, ty ? ty : m, "related: 'type' must be derived, obsolete, "
                                "merged, renamed or similar");
    }
}

static void check_logsource(struct lctx *L, struct tl_rule *r,
                            const struct tl_ynode *y)
{
    static const char *const keys[] = {"product", "service", "category",
                                       "definition"};
    if (y->type != TL_Y_MAP) {
        err(L, y, "'logsource' must be a map such as {product: macos, "
                  "service: unifiedlog}");
        return;
    }
    for (size_t i = 0; i + 1 < y->n_kids; i += 2) {
        const struct tl_ynode *k = y->kids[i];
        if (!is_scalar(k))
            continue;
        bool known = false;
        for (size_t j = 0; j < TL_ARRAY_LEN(keys); j++)
            if (strcmp(k->s, keys[j]) == 0)
                known = true;
        if (!known) {
            const char *s = tl_rules_suggest(k->s, keys, TL_ARRAY_LEN(keys));
            if (s)
                err(L, k, "logsource: unknown key '%s' (did you mean "
                          "'%s'?)", k->s, s);
            else
                err(L, k, "logsource: unknown key '%s'", k->s);
        }
    }
    const struct tl_ynode *p = tl_rules_ymap_get(y, "product");
    const struct tl_ynode *s = tl_rules_ymap_get(y, "service");
    r->s_product = get_string(L, p, "product", true);
    r->s_service = get_string(L, s, "service", true);
    r->s_category = get_string(L, tl_rules_ymap_get(y, "category"),
                               "category", false);
    if (!p)
        err(L, y, "logsource: missing 'product: macos'");
    else if (r->s_product && strcmp(r->s_product, "macos") != 0)
        err(L, p, "logsource: product '%s' is not 'macos' (trustline reads "
                  "the macOS unified log)", r->s_product);
    if (!s)
        err(L, y, "logsource: missing 'service: unifiedlog'");
    else if (r->s_service && strcmp(r->s_service, "unifiedlog") != 0)
        err(L, s, "logsource: service '%s' is not 'unifiedlog'",
            r->s_service);
}

static void check_fields_key(struct lctx *L, struct tl_rule *r,
                             const struct tl_ynode *y)
{
    size_t n;
    r->l_fields = get_strlist(L, y, "fields", &n, false);
    for (size_t i = 0; i < n && y->type == TL_Y_SEQ; i++) {
        struct tl_fref ref;
        if (resolve_name(r, r->l_fields[i], &ref)) {
            fref_free(&ref);
            continue;
        }
        const struct tl_ynode *k = y->kids[i < y->n_kids ? i : 0];
        const char *s = suggest_field(r->l_fields[i],
                                      (const char *const *)r->ex_names,
                                      r->n_ex_names);
        if (s)
            warn(L, k, "fields: unknown field '%s' (did you mean '%s'?)",
                 r->l_fields[i], s);
        else
            warn(L, k, "fields: unknown field '%s'", r->l_fields[i]);
    }
}

static void episode_err(void *ctx, unsigned line, unsigned col,
                        const char *msg)
{
    err_at(ctx, line, col, "%s", msg);
}

static void episode_pos(void *ctx, const struct tl_ynode *y, size_t off,
                        unsigned *line, unsigned *col)
{
    value_pos(ctx, y, off, line, col);
}

static void build_rule(struct lctx *L, struct tl_rule *r,
                       const struct tl_ynode *root)
{
    /* unknown keys first */
    for (size_t i = 0; i + 1 < root->n_kids; i += 2) {
        const struct tl_ynode *k = root->kids[i];
        if (!is_scalar(k))
            continue;
        bool known = false;
        for (size_t j = 0; j < TL_ARRAY_LEN(top_keys); j++)
            if (strcmp(k->s, top_keys[j]) == 0)
                known = true;
        if (known)
            continue;
        const char *s = tl_rules_suggest(k->s, top_keys,
                                         TL_ARRAY_LEN(top_keys));
        if (s)
            err(L, k, "unknown key '%s' (did you mean '%s'?)", k->s, s);
        else
            err(L, k, "unknown key '%s'", k->s);
    }
#define GET(k) tl_rules_ymap_get(root, k)
    const struct tl_ynode *y;
    struct tl_ynode fake_root = {.line = root->line, .col = root->col};

    y = GET("title");
    r->s_title = get_string(L, y, "title", true);
    if (!y)
        err(L, &fake_root, "missing required key 'title'");
    else if (r->s_title && strlen(r->s_title) > 256)
        warn(L, y, "'title' is longer than 256 characters");

    y = GET("id");
    r->s_id = get_string(L, y, "id", true);
    if (y && r->s_id && !valid_uuid(r->s_id)) {
        err(L, y, "invalid UUID '%s' for 'id' (expected "
                  "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", r->s_id);
    }
    if (y) {
        r->id_line = y->line;
        r->id_col = y->col;
    }

    y = GET("name");
    r->s_name = get_string(L, y, "name", true);
    if (y) {
        r->name_line = y->line;
        r->name_col = y->col;
    }

    y = GET("status");
    r->s_status = get_string(L, y, "status", true);
    if (r->s_status) {
        bool ok = false;
        for (size_t i = 0; i < TL_ARRAY_LEN(statuses); i++)
            if (strcmp(r->s_status, statuses[i]) == 0)
                ok = true;
        if (!ok) {
            const char *s = tl_rules_suggest(r->s_status, statuses,
                                             TL_ARRAY_LEN(statuses));
            if (s)
                err(L, y, "invalid status '%s' (did you mean '%s'?)",
                    r->s_status, s);
            else
                err(L, y, "invalid status '%s' (expected stable, test, "
                          "experimental, deprecated or unsupported)",
                    r->s_status);
        }
    }

    r->s_description = get_string(L, GET("description"), "description",
                                  false);
    y = GET("author");
    if (y && y->type == TL_Y_SEQ) {
        /* some rules list authors: join them */
        size_t n;
        char **a = get_strlist(L, y, "author", &n, false);
        size_t len = 1;
        for (size_t i = 0; i < n; i++)
            len += strlen(a[i]) + 2;
        r->s_author = tl_xcalloc(len, 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(r->s_author, ", ");
            strcat(r->s_author, a[i]);
        }
        free_strlist(a);
    } else {
        r->s_author = get_string(L, y, "author", false);
    }
    r->s_license = get_string(L, GET("license"), "license", false);
    {
        char *tax = get_string(L, GET("taxonomy"), "taxonomy", false);
        free(tax);
    }
    const char *dkeys[] = {"date", "modified"};
    char **dst[] = {&r->s_date, &r->s_modified};
    for (int i = 0; i < 2; i++) {
        y = GET(dkeys[i]);
        *dst[i] = get_string(L, y, dkeys[i], false);
        if (!*dst[i])
            continue;
        int sh = date_shape(*dst[i]);
        if (sh == 2)
            warn(L, y, "'%s' uses YYYY/MM/DD: write YYYY-MM-DD", dkeys[i]);
        else if (sh == 0)
            err(L, y, "invalid %s '%s' (expected YYYY-MM-DD)", dkeys[i],
                *dst[i]);
    }

    size_t n;
    y = GET("tags");
    r->l_tags = get_strlist(L, y, "tags", &n, false);
    r->info.tags.n = n;
    for (size_t i = 0; i < n; i++) {
        const char *t = r->l_tags[i];
        bool ok = *t != '\0';
        for (const char *p = t; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                  *p == '_' || *p == '-' || *p == '.'))
                ok = false;
        if (!ok)
            warn(L, y->type == TL_Y_SEQ && i < y->n_kids ? y->kids[i] : y,
                 "tag '%s' should hold only lower-case letters, digits, "
                 "'_', '-' and '.'", t);
    }
    r->l_refs = get_strlist(L, GET("references"), "references", &n, false);
    r->info.references.n = n;
    r->l_fp = get_strlist(L, GET("falsepositives"), "falsepositives", &n,
                          true);
    r->info.falsepositives.n = n;
    {
        size_t ns;
        char **sc = get_strlist(L, GET("scope"), "scope", &ns, false);
        free_strlist(sc);
    }
    y = GET("related");
    if (y)
        check_related(L, y);

    y = GET("level");
    r->info.level = TL_LEVEL_MEDIUM;
    if (y) {
        char *lv = get_string(L, y, "level", true);
        if (lv) {
            enum tl_level l = tl_rule_level_parse(lv);
            if (l == TL_LEVEL__COUNT) {
                const char *s = tl_rules_suggest(lv, level_names,
                                                 TL_LEVEL__COUNT);
                if (s)
                    err(L, y, "invalid level '%s' (did you mean '%s'?)", lv,
                        s);
                else
                    err(L, y, "invalid level '%s' (expected informational, "
                              "low, medium, high or critical)", lv);
            } else {
                r->info.level = l;
                r->info.level_given = true;
            }
            free(lv);
        }
    }

    const struct tl_ynode *det = GET("detection");
    const struct tl_ynode *corr = GET("correlation");
    const struct tl_ynode *ls = GET("logsource");
    if (det && corr) {
        err(L, corr, "a rule has either 'detection' or 'correlation', not "
                     "both");
    } else if (corr) {
        r->info.kind = TL_RULE_CORRELATION;
        parse_correlation(L, r, corr, GET("episode") != NULL);
        if (ls)
            check_logsource(L, r, ls);
        const char *const ext[] = {"extract", "summary", "tests"};
        for (size_t i = 0; i < 3; i++)
            if (GET(ext[i]))
                err(L, GET(ext[i]), "'%s' is not supported in a "
                                    "correlation rule", ext[i]);
        y = GET("episode");
        if (y) {
            unsigned ne = 0;
            r->episode = tl_episode_parse(y, episode_err, episode_pos, L, &ne);
            if (ne)
                r->error = true;
        }
    } else {
        r->info.kind = TL_RULE_DETECTION;
        if (!ls)
            err(L, &fake_root, "missing required key 'logsource' "
                               "(product: macos, service: unifiedlog)");
        else
            check_logsource(L, r, ls);
        if (!det)
            err(L, &fake_root, "missing required key 'detection'");
        else
            parse_detection(L, r, det);
        y = GET("extract");
        if (y)
            parse_extract(L, r, y);
        y = GET("summary");
        if (y)
            parse_summary(L, r, y);
        y = GET("tests");
        if (y)
            parse_tests(L, r, y);
        if (!GET("level"))
            warn(L, &fake_root, "no 'level' given: medium assumed");
        if (GET("episode"))
            err(L, GET("episode"), "'episode' is only valid in a "
                                   "correlation rule");
    }
    y = GET("fields");
    if (y)
        check_fields_key(L, r, y);
    if (!GET("id") && r->s_title)
        warn(L, &fake_root, "no 'id': give the rule a UUID so that its "
                            "matches can be traced");
#undef GET
}

static void fill_info(struct lctx *L, struct tl_rule *r, unsigned line,
                      unsigned col)
{
    struct tl_rule_info *in = &r->info;
    in->id = r->s_id;
    in->name = r->s_name;
    in->title = r->s_title ? r->s_title : "";
    in->status = r->s_status;
    in->description = r->s_description;
    in->author = r->s_author;
    in->date = r->s_date;
    in->modified = r->s_modified;
    in->license = r->s_license;
    in->product = r->s_product;
    in->service = r->s_service;
    in->category = r->s_category;
    in->tags.v = (const char *const *)r->l_tags;
    in->references.v = (const char *const *)r->l_refs;
    in->falsepositives.v = (const char *const *)r->l_fp;
    in->fields.v = (const char *const *)r->l_fields;
    if (r->l_fields) {
        size_t n = 0;
        while (r->l_fields[n])
            n++;
        in->fields.n = n;
    }
    in->file = L->rs->files[L->fi];
    in->line = line;
    in->col = col;
}

static void on_doc(void *ctx, struct tl_ynode *root, bool tainted,
                   unsigned line, unsigned col)
{
    struct lctx *L = ctx;
    struct tl_ruleset *rs = L->rs;
    if (!root || (root->type == TL_Y_SCALAR && root->kind == TL_YS_NULL)) {
        tl_rules_ynode_free(root);
        return;
    }
    if (rs->n_loaded >= TL_RULES_MAX_RULES) {
        if (!L->cap_reported)
            err_at(L, root->line, root->col, "more than %u rules: the rest "
                   "is ignored", TL_RULES_MAX_RULES);
        L->cap_reported = true;
        tl_rules_ynode_free(root);
        return;
    }
    rs->n_loaded++;
    struct tl_rule *r = tl_xcalloc(1, sizeof *r);
    r->error = tainted;
    L->r = r;
    if (root->type != TL_Y_MAP) {
        err(L, root, "a rule must be a YAML map of keys (title, detection, "
                     "...), found %s", tl_rules_ynode_desc(root));
    } else {
        line = root->line;
        col = root->col;
        build_rule(L, r, root);
    }
    fill_info(L, r, line, col);
    L->r = NULL;
    tl_rules_ynode_free(root);
    /* Rules with errors stay until tl_ruleset_finalize() has cross-checked
     * them (duplicates, references), then they are dropped. */
    tl_xgrow((void **)&rs->rules, &rs->cap_rules, rs->n_rules + 1,
             sizeof *rs->rules);
    r->info.index = rs->n_rules;
    rs->rules[rs->n_rules++] = r;
}

static void on_yaml_err(void *ctx, unsigned line, unsigned col,
                        const char *msg)
{
    struct lctx *L = ctx;
    /* not tied to a rule yet: the document is marked tainted */
    struct tl_rule *keep = L->r;
    L->r = NULL;
    err_at(L, line, col, "%s", msg);
    L->r = keep;
}

static size_t add_file(struct tl_ruleset *rs, const char *name)
{
    tl_xgrow((void **)&rs->files, &rs->cap_files, rs->n_files + 1,
             sizeof *rs->files);
    rs->files[rs->n_files] = tl_xstrdup(name);
    return rs->n_files++;
}

static unsigned load_text(struct tl_ruleset *rs, size_t fi, const char *text,
                          size_t n)
{
    unsigned before = rs->errors;
    struct lctx L;
    memset(&L, 0, sizeof L);
    L.rs = rs;
    L.fi = fi;
    L.text = text;
    L.n = n;
    index_lines(&L);
    struct tl_yload_cb cb = {&L, on_doc, on_yaml_err};
    tl_rules_yaml_load(text, n, &cb);
    free(L.line_start);
    return rs->errors - before;
}

unsigned tl_ruleset_load_string(struct tl_ruleset *rs, const char *name,
                                const char *text, size_t n)
{
    size_t fi = add_file(rs, name ? name : "<string>");
    if (rs->finalized) {
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR,
                     "rules loaded after the ruleset was finalized");
        return 1;
    }
    return load_text(rs, fi, text, n);
}

static unsigned load_file(struct tl_ruleset *rs, const char *path)
{
    size_t fi = add_file(rs, path);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR, "cannot open: %s",
                     strerror(errno));
        return 1;
    }
    size_t cap = 65536, len = 0;
    char *buf = tl_xmalloc(cap);
    for (;;) {
        if (len == cap) {
            if (cap > TL_RULES_MAX_FILE_SIZE)
                break;
            cap *= 2;
            buf = tl_xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR, "cannot read: %s",
                         strerror(errno));
            close(fd);
            free(buf);
            return 1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (len > TL_RULES_MAX_FILE_SIZE) {
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR,
                     "file larger than %zu bytes", TL_RULES_MAX_FILE_SIZE);
        free(buf);
        return 1;
    }
    unsigned e = load_text(rs, fi, buf, len);
    free(buf);
    return e;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n > m && strcmp(s + n - m, suf) == 0;
}

unsigned tl_ruleset_load_path(struct tl_ruleset *rs, const char *path)
{
    struct stat st;
    if (rs->finalized) {
        size_t fi = add_file(rs, path);
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR,
                     "rules loaded after the ruleset was finalized");
        return 1;
    }
    if (stat(path, &st) != 0) {
        size_t fi = add_file(rs, path);
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR, "cannot open: %s",
                     strerror(errno));
        return 1;
    }
    if (!S_ISDIR(st.st_mode))
        return load_file(rs, path);
    DIR *d = opendir(path);
    if (!d) {
        size_t fi = add_file(rs, path);
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_ERROR, "cannot open: %s",
                     strerror(errno));
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (!has_suffix(de->d_name, ".yml") &&
            !has_suffix(de->d_name, ".yaml"))
            continue;
        size_t pl = strlen(path);
        bool slash = pl > 0 && path[pl - 1] == '/';
        size_t len = pl + strlen(de->d_name) + 2;
        char *full = tl_xmalloc(len);
        snprintf(full, len, "%s%s%s", path, slash ? "" : "/", de->d_name);
        struct stat fs;
        if (stat(full, &fs) != 0 || !S_ISREG(fs.st_mode)) {
            free(full);
            continue;
        }
        tl_xgrow((void **)&names, &cap, n + 1, sizeof *names);
        names[n++] = full;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    unsigned e = 0;
    if (n == 0) {
        size_t fi = add_file(rs, path);
        tl_rules_msg(rs, fi, 0, 0, TL_RULES_WARNING,
                     "no rule files (*.yml, *.yaml) in this directory");
    }
    for (size_t i = 0; i < n; i++) {
        e += load_file(rs, names[i]);
        free(names[i]);
    }
    free(names);
    return e;
}

/* ---- ruleset -------------------------------------------------------------------- */

void tl_rules_limits_init(struct tl_rules_limits *l)
{
    l->match_limit = TL_RULES_DEFAULT_MATCH_LIMIT;
    l->depth_limit = TL_RULES_DEFAULT_DEPTH_LIMIT;
    l->heap_limit_kib = TL_RULES_DEFAULT_HEAP_LIMIT_KIB;
}

struct tl_ruleset *tl_ruleset_new(void)
{
    struct tl_ruleset *rs = tl_xcalloc(1, sizeof *rs);
    tl_rules_limits_init(&rs->limits);
    rs->prefilter = true;
    tl_buf_init(&rs->valbuf, 1u << 20);
    tl_buf_init(&rs->sumbuf, 4096);
    tl_buf_init(&rs->extbuf, 1u << 20);
    return rs;
}

void tl_ruleset_free(struct tl_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n_rules; i++)
        tl_rules_rule_free(rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->n_msgs; i++)
        free((char *)(uintptr_t)rs->msgs[i].m.text);
    free(rs->msgs);
    for (size_t i = 0; i < rs->n_files; i++)
        free(rs->files[i]);
    free(rs->files);
    tl_rules_prefilter_free(rs);
    if (rs->md)
        pcre2_match_data_free(rs->md);
    if (rs->mctx)
        pcre2_match_context_free(rs->mctx);
    if (rs->jit_stack)
        pcre2_jit_stack_free(rs->jit_stack);
    free(rs->selmemo);
    tl_buf_free(&rs->valbuf);
    tl_buf_free(&rs->sumbuf);
    tl_buf_free(&rs->extbuf);
    free(rs->fv);
    free(rs->fv_off);
    free(rs);
}

size_t tl_ruleset_count(const struct tl_ruleset *rs)
{
    return rs->n_rules;
}

const struct tl_rule *tl_ruleset_rule(const struct tl_ruleset *rs, size_t i)
{
    return i < rs->n_rules ? rs->rules[i] : NULL;
}

const struct tl_rule *tl_ruleset_find(const struct tl_ruleset *rs,
                                      const char *key)
{
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct tl_rule *r = rs->rules[i];
        if ((r->s_id && strcmp(r->s_id, key) == 0) ||
            (r->s_name && strcmp(r->s_name, key) == 0))
            return r;
    }
    return NULL;
}

const struct tl_rule_info *tl_rule_info(const struct tl_rule *r)
{
    return &r->info;
}

const char *tl_rule_label(const struct tl_rule *r)
{
    if (r->s_id)
        return r->s_id;
    if (r->s_name)
        return r->s_name;
    return r->info.title;
}

struct tl_strlist tl_rule_extract_names(const struct tl_rule *r)
{
    struct tl_strlist l = {(const char *const *)r->ex_names, r->n_ex_names};
    return l;
}

const char *tl_rule_summary_template(const struct tl_rule *r)
{
    return r->summary;
}

const struct tl_episode_spec *tl_rule_episode(const struct tl_rule *r)
{
    return r->info.kind == TL_RULE_CORRELATION
               ? tl_episode_spec_of(r->episode)
               : NULL;
}

const struct tl_correlation *tl_rule_correlation(const struct tl_rule *r)
{
    return r->info.kind == TL_RULE_CORRELATION ? &r->corr : NULL;
}

/* Index of rules by a key (id or name), sorted, to find duplicates. */
struct keyref {
    const char *key;
    size_t rule;
};

static int keyref_cmp(const void *a, const void *b)
{
    const struct keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return x->rule < y->rule ? -1 : (x->rule > y->rule);
}

static void check_dups(struct tl_ruleset *rs, bool ids)
{
    struct keyref *k = tl_xcalloc(rs->n_rules + 1, sizeof *k);
    size_t n = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const char *key = ids ? rs->rules[i]->s_id : rs->rules[i]->s_name;
        if (key)
            k[n++] = (struct keyref){key, i};
    }
    qsort(k, n, sizeof *k, keyref_cmp);
    for (size_t i = 1; i < n; i++) {
        if (strcmp(k[i].key, k[i - 1].key) != 0)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(k[first - 1].key, k[i].key) == 0)
            first--;
        struct tl_rule *r = rs->rules[k[i].rule];
        const struct tl_rule *f = rs->rules[k[first].rule];
        size_t fi = 0;
        for (size_t j = 0; j < rs->n_files; j++)
            if (rs->files[j] == r->info.file)
                fi = j;
        tl_rules_msg(rs, fi, ids ? (unsigned)r->id_line
                                 : (unsigned)r->name_line,
                     ids ? (unsigned)r->id_col : (unsigned)r->name_col,
                     TL_RULES_ERROR,
                     "duplicate %s '%s' (first defined at %s:%u)",
                     ids ? "id" : "name", k[i].key, f->info.file,
                     ids ? (unsigned)f->id_line : (unsigned)f->name_line);
        r->error = true;
    }
    free(k);
}

static size_t file_index(const struct tl_ruleset *rs, const char *file)
{
    for (size_t j = 0; j < rs->n_files; j++)
        if (rs->files[j] == file)
            return j;
    return 0;
}

static void resolve_correlations(struct tl_ruleset *rs)
{
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct tl_rule *r = rs->rules[i];
        if (r->info.kind != TL_RULE_CORRELATION)
            continue;
        size_t fi = file_index(rs, r->info.file);
        for (size_t k = 0; k < r->corr.n_rules; k++) {
            const struct tl_rule *t = tl_ruleset_find(rs, r->corr_refs[k]);
            if (!t) {
                tl_rules_msg(rs, fi, r->corr_ref_lines[k],
                             r->corr_ref_cols[k], TL_RULES_ERROR,
                             "correlation: no rule has the id or name '%s'",
                             r->corr_refs[k]);
                r->error = true;
            } else if (t == r) {
                tl_rules_msg(rs, fi, r->corr_ref_lines[k],
                             r->corr_ref_cols[k], TL_RULES_ERROR,
                             "correlation: a rule cannot refer to itself");
                r->error = true;
            }
            r->corr_rules[k] = t;
        }
        for (size_t k = 0; k < r->corr.n_aliases; k++) {
            struct tl_corr_alias *a = &r->corr_aliases[k];
            a->rule = tl_ruleset_find(rs, a->rule_ref);
            bool listed = false;
            for (size_t j = 0; j < r->corr.n_rules; j++)
                if (a->rule && r->corr_rules[j] == a->rule)
                    listed = true;
            if (!listed) {
                tl_rules_msg(rs, fi, r->corr_line, r->corr_col,
                             TL_RULES_ERROR,
                             "correlation: alias '%s' names rule '%s', "
                             "which is not in 'rules'",
                             a->alias, a->rule_ref);
                r->error = true;
            }
        }
    }
}

/* Correlations over correlations must not form a loop (a -> b -> a
 * could never fire, and the timeline needs a bounded chain). Each loop
 * is reported once, at the reference in `rules` that closes it, with
 * the chain. Iterative depth-first search over the references. */
static void check_correlation_loops(struct tl_ruleset *rs)
{
    size_t n = rs->n_rules;
    unsigned char *state = tl_xcalloc(n ? n : 1, 1); /* 1 active, 2 done */
    size_t *stack = tl_xmalloc((n ? n : 1) * sizeof(*stack));
    size_t *next = tl_xcalloc(n ? n : 1, sizeof(*next)); /* next ref */
    for (size_t root = 0; root < n; root++) {
        if (state[root] || rs->rules[root]->info.kind != TL_RULE_CORRELATION)
            continue;
        size_t sp = 0;
        stack[sp++] = root;
        state[root] = 1;
        while (sp > 0) {
            struct tl_rule *r = rs->rules[stack[sp - 1]];
            size_t ri = stack[sp - 1];
            if (next[ri] >= r->corr.n_rules) {
                state[ri] = 2;
                sp--;
                continue;
            }
            size_t k = next[ri]++;
            const struct tl_rule *t = r->corr_rules[k];
            if (!t || t == r || t->info.kind != TL_RULE_CORRELATION)
                continue;
            size_t ti = t->info.index;
            if (ti >= n || state[ti] == 2)
                continue;
            if (state[ti] == 0) {
                state[ti] = 1;
                stack[sp++] = ti;
                continue;
            }
            /* t is on the stack: stack[j] == ti ... r closes the loop */
            struct tl_buf chain;
            tl_buf_init(&chain, 4096);
            size_t j = sp;
            while (j > 0 && stack[j - 1] != ti)
                j--;
            for (size_t x = j - 1; x < sp; x++) {
                const struct tl_rule *q = rs->rules[stack[x]];
                const char *nm = q->info.name ? q->info.name
                                              : tl_rule_label(q);
                tl_buf_append(&chain, nm, strlen(nm));
                tl_buf_append(&chain, " -> ", 4);
            }
            const char *nm = t->info.name ? t->info.name : tl_rule_label(t);
            tl_buf_append(&chain, nm, strlen(nm));
            tl_rules_msg(rs, file_index(rs, r->info.file),
                         r->corr_ref_lines[k], r->corr_ref_cols[k],
                         TL_RULES_ERROR,
                         "correlation: '%s' leads back to this rule (%s): "
                         "correlations over correlations cannot form a "
                         "loop; remove one of these references",
                         r->corr_refs[k], chain.p);
            tl_buf_free(&chain);
            r->error = true;
        }
    }
    free(next);
    free(stack);
    free(state);
}

struct fin_err {
    struct tl_ruleset *rs;
    size_t fi;
};

static void fin_err_cb(void *ctx, unsigned line, unsigned col,
                       const char *msg)
{
    struct fin_err *F = ctx;
    tl_rules_msg(F->rs, F->fi, line, col, TL_RULES_ERROR, "%s", msg);
}

/* Drop the rules with errors. A correlation referring to a dropped rule
 * is dropped too (with a message), until nothing changes. */
static void drop_errored(struct tl_ruleset *rs)
{
    bool again = true;
    while (again) {
        again = false;
        for (size_t i = 0; i < rs->n_rules; i++) {
            struct tl_rule *r = rs->rules[i];
            if (r->error || r->info.kind != TL_RULE_CORRELATION)
                continue;
            for (size_t k = 0; k < r->corr.n_rules; k++) {
                const struct tl_rule *t = r->corr_rules[k];
                if (t && t->error) {
                    tl_rules_msg(rs, file_index(rs, r->info.file),
                                 r->corr_ref_lines[k], r->corr_ref_cols[k],
                                 TL_RULES_ERROR,
                                 "correlation: the rule '%s' has errors",
                                 r->corr_refs[k]);
                    r->error = true;
                    again = true;
                    break;
                }
            }
        }
    }
    size_t w = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct tl_rule *r = rs->rules[i];
        if (r->error) {
            tl_rules_rule_free(r);
            continue;
        }
        r->info.index = w;
        rs->rules[w++] = r;
    }
    rs->n_rules = w;
}

/* ---- field names of correlations and episodes -------------------------- */

/*
 * The timeline looks the field names of a correlation (group-by,
 * condition.field, aliases) and of its episode (keys, link sets, template
 * placeholders) up in the events of the correlation's rules
 * (tl_hit_value): a name one of those rules extracts, an event field or
 * alias, or a JSON key kept as is. Checked at finalize, once every rule
 * the correlation refers to is known and free of errors.
 */

#define HINT_TIMELINE "see rules/README.md for the field names; other JSON " \
                      "keys: extract them in the rules with a named group"

static bool timeline_name(const char *name, const char *const *ex,
                          size_t n_ex)
{
    for (size_t i = 0; i < n_ex; i++)
        if (strcmp(ex[i], name) == 0)
            return true;
    if (tl_field_lookup(name, strlen(name)) != TL_F__COUNT)
        return true;
    for (size_t i = 0; i < TL_ARRAY_LEN(known_extras); i++)
        if (strcmp(known_extras[i], name) == 0)
            return true;
    return false;
}

/* Report name at `at` unless the events of rules extracting ex[] have
 * it. */
static void check_name(struct tl_ruleset *rs, struct tl_rule *r,
                       struct tl_ypos at, const char *prefix,
                       const char *what, const char *name,
                       const char *const *ex, size_t n_ex)
{
    if (timeline_name(name, ex, n_ex))
        return;
    char buf[1024];
    unknown_name_text(buf, sizeof buf, prefix, what, name, ex, n_ex,
                      HINT_TIMELINE);
    tl_rules_msg(rs, file_index(rs, r->info.file), at.line, at.col,
                 TL_RULES_ERROR, "%s", buf);
    r->error = true;
}

static void check_corr_names(struct tl_ruleset *rs, struct tl_rule *r)
{
    const struct tl_correlation *co = &r->corr;
    /* Only when every rule referred to is there and sound: a missing or
     * broken one may be the one that extracts a name (its own error is
     * reported). The correlation itself may have other errors. */
    if (co->n_rules == 0)
        return;
    for (size_t k = 0; k < co->n_rules; k++)
        if (!r->corr_rules[k] || r->corr_rules[k]->error)
            return;
    /* the names any of the correlation's rules extracts */
    const char **ex = NULL;
    size_t n_ex = 0, cap = 0;
    for (size_t k = 0; k < co->n_rules; k++) {
        const struct tl_rule *t = r->corr_rules[k];
        for (size_t i = 0; i < t->n_ex_names; i++) {
            bool seen = false;
            for (size_t j = 0; j < n_ex && !seen; j++)
                seen = strcmp(ex[j], t->ex_names[i]) == 0;
            if (seen)
                continue;
            tl_xgrow((void **)&ex, &cap, n_ex + 1, sizeof *ex);
            ex[n_ex++] = t->ex_names[i];
        }
    }
    for (size_t g = 0; g < co->group_by.n; g++) {
        /* an alias name stands for the fields its entries name */
        bool alias = false;
        for (size_t a = 0; a < co->n_aliases && !alias; a++)
            alias = strcmp(co->aliases[a].alias, co->group_by.v[g]) == 0;
        if (!alias)
            check_name(rs, r, r->corr_group_by_pos[g], "correlation: "
                       "group-by: ", "field", co->group_by.v[g], ex, n_ex);
    }
    if (co->field)
        check_name(rs, r, r->corr_field_pos, "correlation: condition: ",
                   "field", co->field, ex, n_ex);
    for (size_t a = 0; a < co->n_aliases; a++) {
        const struct tl_corr_alias *al = &co->aliases[a];
        bool listed = false;
        for (size_t k = 0; k < co->n_rules && !listed; k++)
            listed = r->corr_rules[k] == al->rule;
        if (!al->rule || !listed)
            continue;  /* reported by resolve_correlations() */
        char prefix[256];
        snprintf(prefix, sizeof prefix, "correlation: alias '%s' (rule "
                 "'%s'): ", al->alias, al->rule_ref);
        check_name(rs, r, r->corr_alias_pos[a], prefix, "field", al->field,
                   (const char *const *)al->rule->ex_names,
                   al->rule->n_ex_names);
    }
    size_t nn;
    const struct tl_episode_name *nm = tl_episode_names(r->episode, &nn);
    for (size_t i = 0; i < nn; i++) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "episode: %s: ", nm[i].where);
        check_name(rs, r, (struct tl_ypos){nm[i].line, nm[i].col}, prefix,
                   nm[i].placeholder ? "placeholder" : "field", nm[i].name,
                   ex, n_ex);
    }
    free(ex);
}

unsigned tl_ruleset_finalize(struct tl_ruleset *rs)
{
    if (rs->finalized)
        return rs->errors;
    rs->finalized = true;
    check_dups(rs, true);
    check_dups(rs, false);
    resolve_correlations(rs);
    check_correlation_loops(rs);
    /* Keep the rules with errors out of matching, but only after the
     * cross-checks above have seen all of them. */
    for (size_t i = 0; i < rs->n_rules; i++)
        if (rs->rules[i]->info.kind == TL_RULE_CORRELATION)
            check_corr_names(rs, rs->rules[i]);
    drop_errored(rs);
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct tl_rule *r = rs->rules[i];
        if (!r->episode)
            continue;
        struct fin_err F = {rs, file_index(rs, r->info.file)};
        if (tl_episode_resolve(r->episode, rs, r, fin_err_cb, &F))
            r->error = true;
    }
    drop_errored(rs);
    tl_rules_match_setup(rs);
    tl_rules_prefilter_build(rs);
    sort_msgs(rs);
    return rs->errors;
}
