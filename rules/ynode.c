/*
 * ynode.c - libyaml events -> a bounded node tree; see ynode.h.
 *
 * An explicit state machine over yaml_parser_parse(): a stack of open
 * containers, one event at a time, yaml_event_delete() on every path.
 */
#include "ynode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../util/util.h"
#include "rules.h"

struct yload {
    const struct tl_yload_cb *cb;
    const char *text;
    size_t n;
    struct tl_ynode *stack[TL_RULES_MAX_DEPTH + 1];
    unsigned depth;
    struct tl_ynode *root;
    size_t nodes;
    bool tainted;
    unsigned doc_line, doc_col;
};

static void yerr(struct yload *L, unsigned line, unsigned col,
                 const char *fmt, ...) TL_PRINTF(4, 5);

static void yerr(struct yload *L, unsigned line, unsigned col,
                 const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    L->tainted = true;
    if (L->cb->err)
        L->cb->err(L->cb->ctx, line, col, msg);
}

void tl_rules_ynode_free(struct tl_ynode *y)
{
    if (!y)
        return;
    for (size_t i = 0; i < y->n_kids; i++)
        tl_rules_ynode_free(y->kids[i]);
    free(y->kids);
    free(y->s);
    free(y);
}

static void add_kid(struct tl_ynode *parent, struct tl_ynode *k)
{
    tl_xgrow((void **)&parent->kids, &parent->cap_kids, parent->n_kids + 1,
             sizeof *parent->kids);
    parent->kids[parent->n_kids++] = k;
}

/* Attach a finished or freshly opened node to the open container (or make
 * it the root). */
static void attach(struct yload *L, struct tl_ynode *y)
{
    if (L->depth == 0) {
        if (L->root)
            tl_rules_ynode_free(L->root);  /* cannot happen */
        L->root = y;
    } else {
        add_kid(L->stack[L->depth - 1], y);
    }
}

static bool all_in(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(set, s[i]))
            return false;
    return n > 0;
}

static bool is_str(const char *s, size_t n, const char *a)
{
    return strlen(a) == n && memcmp(s, a, n) == 0;
}

static bool is_float(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    if (is_str(s + i, n - i, ".inf") || is_str(s + i, n - i, ".Inf") ||
        is_str(s + i, n - i, ".INF"))
        return true;
    if (i == 0 && (is_str(s, n, ".nan") || is_str(s, n, ".NaN") ||
                   is_str(s, n, ".NAN")))
        return true;
    size_t dig = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, dig++;
    bool dot = false;
    if (i < n && s[i] == '.') {
        dot = true;
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, dig++;
    }
    if (dig == 0)
        return false;
    bool ex = false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ex = true;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t ed = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (ed == 0)
            return false;
    }
    return i == n && (dot || ex);
}

static void resolve_plain(struct tl_ynode *y)
{
    const char *s = y->s;
    size_t n = y->n;
    if (n == 0 || is_str(s, n, "~") || is_str(s, n, "null") ||
        is_str(s, n, "Null") || is_str(s, n, "NULL")) {
        y->kind = TL_YS_NULL;
    } else if (is_str(s, n, "true") || is_str(s, n, "True") ||
               is_str(s, n, "TRUE")) {
        y->kind = TL_YS_BOOL;
        y->bval = true;
    } else if (is_str(s, n, "false") || is_str(s, n, "False") ||
               is_str(s, n, "FALSE")) {
        y->kind = TL_YS_BOOL;
        y->bval = false;
    } else if ((n > 2 && s[0] == '0' && s[1] == 'x' &&
                all_in(s + 2, n - 2, "0123456789abcdefABCDEF")) ||
               (n > 2 && s[0] == '0' && s[1] == 'o' &&
                all_in(s + 2, n - 2, "01234567")) ||
               all_in(s, n, "0123456789") ||
               (n > 1 && (s[0] == '-' || s[0] == '+') &&
                all_in(s + 1, n - 1, "0123456789"))) {
        y->kind = TL_YS_INT;
    } else if (is_float(s, n)) {
        y->kind = TL_YS_FLOAT;
    } else {
        y->kind = TL_YS_STR;
    }
}

static struct tl_ynode *new_node(struct yload *L, enum tl_ynode_type t,
                                 const yaml_mark_t *m)
{
    struct tl_ynode *y = tl_xcalloc(1, sizeof *y);
    y->type = t;
    y->line = (unsigned)m->line + 1;
    y->col = (unsigned)m->column + 1;
    L->nodes++;
    return y;
}

static void check_anchor(struct yload *L, const yaml_char_t *anchor,
                         const yaml_mark_t *m)
{
    if (anchor)
        yerr(L, (unsigned)m->line + 1, (unsigned)m->column + 1,
             "YAML anchor '&%s' is not allowed (anchors and aliases are "
             "rejected)", (const char *)anchor);
}

static bool check_tag(struct yload *L, const yaml_char_t *tag,
                      const yaml_mark_t *m, const char *allowed)
{
    if (!tag)
        return false;
    const char *t = (const char *)tag;
    if (allowed && strcmp(t, allowed) == 0)
        return true;
    yerr(L, (unsigned)m->line + 1, (unsigned)m->column + 1,
         "YAML tag '%s' is not supported", t);
    return false;
}

static int cmp_keys(const void *a, const void *b)
{
    const struct tl_ynode *x = *(struct tl_ynode *const *)a;
    const struct tl_ynode *y = *(struct tl_ynode *const *)b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, n);
    if (c)
        return c;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    /* stable: earlier position first */
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->col < y->col ? -1 : (x->col > y->col);
}

static void check_dup_keys(struct yload *L, const struct tl_ynode *map)
{
    size_t nk = map->n_kids / 2;
    if (nk < 2)
        return;
    struct tl_ynode **keys = tl_xmalloc(nk * sizeof *keys);
    size_t m = 0;
    for (size_t i = 0; i < nk; i++)
        if (map->kids[2 * i]->type == TL_Y_SCALAR)
            keys[m++] = map->kids[2 * i];
    qsort(keys, m, sizeof *keys, cmp_keys);
    for (size_t i = 1; i < m; i++) {
        if (keys[i]->n == keys[i - 1]->n &&
            memcmp(keys[i]->s, keys[i - 1]->s, keys[i]->n) == 0)
            yerr(L, keys[i]->line, keys[i]->col,
                 "duplicate key '%.80s' (first at line %u)", keys[i]->s,
                 keys[i - 1]->line);
    }
    free(keys);
}

/* Count lines up to a byte offset (for reader errors without a mark). */
static void offset_pos(const struct yload *L, size_t off, unsigned *line,
                       unsigned *col)
{
    unsigned ln = 1, c = 1;
    for (size_t i = 0; i < off && i < L->n; i++) {
        if (L->text[i] == '\n') {
            ln++;
            c = 1;
        } else if (((unsigned char)L->text[i] & 0xc0) != 0x80) {
            c++;
        }
    }
    *line = ln;
    *col = c;
}

static void syntax_error(struct yload *L, const yaml_parser_t *p)
{
    unsigned line, col;
    if (p->error == YAML_READER_ERROR) {
        offset_pos(L, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            yerr(L, line, col, "YAML error: %s (byte 0x%02x)",
                 p->problem ? p->problem : "unreadable input",
                 (unsigned)p->problem_value & 0xffu);
        else
            yerr(L, line, col, "YAML error: %s",
                 p->problem ? p->problem : "unreadable input");
        return;
    }
    line = (unsigned)p->problem_mark.line + 1;
    col = (unsigned)p->problem_mark.column + 1;
    if (p->context)
        yerr(L, line, col, "YAML syntax error: %s %s (line %u)",
             p->problem ? p->problem : "invalid YAML", p->context,
             (unsigned)p->context_mark.line + 1);
    else
        yerr(L, line, col, "YAML syntax error: %s",
             p->problem ? p->problem : "invalid YAML");
}

static void reset_doc(struct yload *L)
{
    tl_rules_ynode_free(L->root);
    L->root = NULL;
    L->depth = 0;
    L->nodes = 0;
    L->tainted = false;
}

/* Handle one event. Returns false to stop (the event is deleted by the
 * caller either way). */
static bool on_event(struct yload *L, yaml_event_t *e)
{
    const yaml_mark_t *m = &e->start_mark;
    switch (e->type) {
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
        return true;
    case YAML_DOCUMENT_START_EVENT:
        reset_doc(L);
        L->doc_line = (unsigned)m->line + 1;
        L->doc_col = (unsigned)m->column + 1;
        return true;
    case YAML_DOCUMENT_END_EVENT: {
        struct tl_ynode *root = L->root;
        L->root = NULL;
        if (L->cb->doc)
            L->cb->doc(L->cb->ctx, root, L->tainted, L->doc_line,
                       L->doc_col);
        else
            tl_rules_ynode_free(root);
        reset_doc(L);
        return true;
    }
    case YAML_ALIAS_EVENT: {
        yerr(L, (unsigned)m->line + 1, (unsigned)m->column + 1,
             "YAML alias '*%s' is not allowed (anchors and aliases are "
             "rejected)", (const char *)e->data.alias.anchor);
        /* Keep the tree's shape with a null in its place. */
        struct tl_ynode *y = new_node(L, TL_Y_SCALAR, m);
        y->s = tl_xstrdup("");
        y->kind = TL_YS_NULL;
        y->placeholder = true;
        attach(L, y);
        return true;
    }
    case YAML_SCALAR_EVENT: {
        check_anchor(L, e->data.scalar.anchor, m);
        bool force_str = check_tag(L, e->data.scalar.tag, m,
                                   YAML_STR_TAG);
        struct tl_ynode *y = new_node(L, TL_Y_SCALAR, m);
        y->end_line = (unsigned)e->end_mark.line + 1;
        y->end_col = (unsigned)e->end_mark.column + 1;
        size_t n = e->data.scalar.length;
        if (n > TL_RULES_MAX_SCALAR) {
            yerr(L, y->line, y->col, "scalar longer than %u bytes",
                 TL_RULES_MAX_SCALAR);
            n = 0;
        }
        y->s = tl_xstrndup((const char *)e->data.scalar.value, n);
        y->n = n;
        switch (e->data.scalar.style) {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE:
            y->quote = TL_YQ_SINGLE;
            break;
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
            y->quote = TL_YQ_DOUBLE;
            break;
        case YAML_LITERAL_SCALAR_STYLE:
        case YAML_FOLDED_SCALAR_STYLE:
            y->quote = TL_YQ_BLOCK;
            break;
        default:
            y->quote = TL_YQ_PLAIN;
            break;
        }
        if (y->quote == TL_YQ_PLAIN && !force_str)
            resolve_plain(y);
        else
            y->kind = TL_YS_STR;
        attach(L, y);
        break;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        bool map = e->type == YAML_MAPPING_START_EVENT;
        check_anchor(L, map ? e->data.mapping_start.anchor
                            : e->data.sequence_start.anchor, m);
        check_tag(L, map ? e->data.mapping_start.tag
                         : e->data.sequence_start.tag, m,
                  map ? YAML_MAP_TAG : YAML_SEQ_TAG);
        if (L->depth >= TL_RULES_MAX_DEPTH) {
            yerr(L, (unsigned)m->line + 1, (unsigned)m->column + 1,
                 "YAML nested deeper than %u levels", TL_RULES_MAX_DEPTH);
            return false;
        }
        struct tl_ynode *y = new_node(L, map ? TL_Y_MAP : TL_Y_SEQ, m);
        attach(L, y);
        L->stack[L->depth++] = y;
        break;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        if (L->depth == 0)
            return true;  /* cannot happen */
        struct tl_ynode *y = L->stack[--L->depth];
        y->end_line = (unsigned)e->end_mark.line + 1;
        y->end_col = (unsigned)e->end_mark.column + 1;
        if (y->type == TL_Y_MAP) {
            for (size_t i = 0; i + 1 < y->n_kids; i += 2) {
                if (y->kids[i]->type != TL_Y_SCALAR)
                    yerr(L, y->kids[i]->line, y->kids[i]->col,
                         "mapping keys must be plain strings");
            }
            check_dup_keys(L, y);
        }
        break;
    }
    }
    /* Keys must be scalars; check on attach for maps is done at the end;
     * nodes count on every node event. */
    if (L->nodes > TL_RULES_MAX_NODES) {
        yerr(L, (unsigned)m->line + 1, (unsigned)m->column + 1,
             "document has more than %u YAML nodes", TL_RULES_MAX_NODES);
        return false;
    }
    return true;
}

bool tl_rules_yaml_load(const char *text, size_t n,
                        const struct tl_yload_cb *cb)
{
    struct yload L;
    memset(&L, 0, sizeof L);
    L.cb = cb;
    L.text = text;
    L.n = n;
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        fprintf(stderr, "trustline: out of memory (libyaml)\n");
        abort();
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    bool ok = true;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            syntax_error(&L, &p);
            ok = false;
            break;
        }
        bool done = e.type == YAML_STREAM_END_EVENT;
        bool go = on_event(&L, &e);
        yaml_event_delete(&e);
        if (!go) {
            ok = false;
            break;
        }
        if (done)
            break;
    }
    /* An unfinished document (after a syntax error or a cap) is dropped:
     * checking a cut-off rule would only add misleading messages. */
    reset_doc(&L);
    yaml_parser_delete(&p);
    return ok;
}

struct tl_ynode *tl_rules_ymap_get(const struct tl_ynode *map,
                                   const char *key)
{
    if (!map || map->type != TL_Y_MAP)
        return NULL;
    size_t kn = strlen(key);
    for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
        const struct tl_ynode *k = map->kids[i];
        if (k->type == TL_Y_SCALAR && k->n == kn && memcmp(k->s, key, kn) == 0)
            return map->kids[i + 1];
    }
    return NULL;
}

const char *tl_rules_ynode_desc(const struct tl_ynode *y)
{
    if (!y)
        return "nothing";
    switch (y->type) {
    case TL_Y_MAP:
        return "a map";
    case TL_Y_SEQ:
        return "a list";
    case TL_Y_SCALAR:
        break;
    }
    switch (y->kind) {
    case TL_YS_NULL:
        return "null";
    case TL_YS_BOOL:
        return "a boolean";
    case TL_YS_INT:
    case TL_YS_FLOAT:
        return "a number";
    case TL_YS_STR:
        break;
    }
    return "a string";
}

/* ---- lists of strings --------------------------------------------------- */

static bool ystr_ok(const struct tl_ynode *y, unsigned flags)
{
    if (!y || y->type != TL_Y_SCALAR || y->kind == TL_YS_NULL)
        return false;
    return !(flags & TL_YSL_NAMES) || (y->kind == TL_YS_STR && y->n > 0);
}

static const char *ystr_desc(const struct tl_ynode *y)
{
    if (y && y->type == TL_Y_SCALAR && y->kind == TL_YS_STR && y->n == 0)
        return "an empty string";
    return tl_rules_ynode_desc(y);
}

static void ystr_err(tl_ystrlist_err_fn err, void *ctx,
                     const struct tl_ynode *at, const char *fmt, ...)
    TL_PRINTF(4, 5);
static void ystr_err(tl_ystrlist_err_fn err, void *ctx,
                     const struct tl_ynode *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    err(ctx, at, msg);
}

char **tl_rules_ystrlist(const struct tl_ynode *y, const char *what,
                         unsigned flags, tl_ystrlist_err_fn err, void *ctx,
                         size_t *n, struct tl_ypos **pos)
{
    bool names = (flags & TL_YSL_NAMES) != 0;
    *n = 0;
    if (pos)
        *pos = NULL;
    if (!y || (!names && y->type == TL_Y_SCALAR && y->kind == TL_YS_NULL))
        return NULL;
    const struct tl_ynode *const *items;
    size_t count;
    if (y->type == TL_Y_SEQ) {
        items = (const struct tl_ynode *const *)y->kids;
        count = y->n_kids;
    } else if (y->type == TL_Y_SCALAR && (flags & TL_YSL_SCALAR)) {
        if (!ystr_ok(y, flags)) {
            ystr_err(err, ctx, y, "%s must be a name or a list of names, "
                     "found %s", what, ystr_desc(y));
            return NULL;
        }
        items = &y;
        count = 1;
    } else {
        ystr_err(err, ctx, y, "%s must be a list of %s, found %s", what,
                 names ? "names" : "strings", tl_rules_ynode_desc(y));
        return NULL;
    }
    char **v = tl_xcalloc(count + 1, sizeof *v);
    if (pos)
        *pos = tl_xcalloc(count + 1, sizeof **pos);
    for (size_t i = 0; i < count; i++) {
        const struct tl_ynode *k = items[i];
        if (!ystr_ok(k, flags)) {
            if (names)
                ystr_err(err, ctx, k, "%s: each entry must be a name, "
                         "found %s", what, ystr_desc(k));
            else
                ystr_err(err, ctx, k, "%s must be a list of strings, found "
                         "%s in it", what, tl_rules_ynode_desc(k));
            continue;
        }
        if (pos) {
            (*pos)[*n].line = k->line;
            (*pos)[*n].col = k->col;
        }
        v[(*n)++] = tl_xstrndup(k->s, k->n);
    }
    return v;
}

void tl_rules_ystrlist_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}
