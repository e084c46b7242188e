/*
 * prefilter.c - required-literal covers of rules, and the multi-literal
 * search that decides, from a record's raw text alone, whether any rule
 * can match it.
 *
 * The cover of a rule is a set of literals of which every event the rule
 * matches has at least one in its raw record. It is built over the
 * condition tree: a selection item gives the literals of its values (OR
 * of values: their union; `all`: the best value), a map of items the best
 * item, a list of maps the union, `and` the best child, `or` the union,
 * `not` nothing. Only fields whose value appears verbatim in the raw text
 * give literals (eventMessage, process, sender, subsystem, category, the
 * image paths, formatString); anything else (numbers, messageType,
 * exists, null, extra keys) gives none, and a rule without a cover is
 * always evaluated.
 *
 * The JSON styles escape "/" as "\/" (and '"', '\\', control characters,
 * maybe non-ASCII): there each literal is cut to its longest fragment
 * free of those, and covers are computed a second time on the cut
 * literals, so that `and` can pick the child that survives cutting best.
 */
#include <stdlib.h>
#include <string.h>

#include "mlit.h"
#include "relit.h"
#include "rule_int.h"

#define MAX_COVER_LITS 64u
#define MAX_RELIT 8u

bool tl_rules_field_verbatim(enum tl_field f)
{
    switch (f) {
    case TL_F_EVENT_MESSAGE:
    case TL_F_PROCESS:
    case TL_F_SENDER:
    case TL_F_SUBSYSTEM:
    case TL_F_CATEGORY:
    case TL_F_PROCESS_IMAGE_PATH:
    case TL_F_SENDER_IMAGE_PATH:
    case TL_F_FORMAT_STRING:
        return true;
    default:
        return false;
    }
}

/* ---- literal sets ---------------------------------------------------------- */

struct lset {
    bool bounded;
    char **v;      /* each NUL-terminated (literals never contain NUL
                      here: they come from YAML text) */
    size_t *len;
    size_t n;
    /* Some literal comes from a field that repeats on every line of a
     * process or subsystem (process, sender, subsystem, category, image
     * paths): less selective than message text of the same length. */
    bool common;
};

static struct lset none(void)
{
    struct lset s = {false, NULL, NULL, 0, false};
    return s;
}

static struct lset empty_bounded(void)
{
    struct lset s = {true, NULL, NULL, 0, false};
    return s;
}

static void lset_free(struct lset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    free(s->len);
    *s = none();
}

static bool lset_has(const struct lset *s, const char *p, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] == n && memcmp(s->v[i], p, n) == 0)
            return true;
    return false;
}

/* Add one literal (case-folded, since the search is case-insensitive). A
 * set grown past MAX_COVER_LITS stops being useful: unbounded. */
static void lset_add(struct lset *s, const char *p, size_t n)
{
    if (!s->bounded)
        return;
    if (n == 0) {
        lset_free(s);
        return;
    }
    char *f = tl_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        f[i] = (char)tl_fold[(unsigned char)p[i]];
    f[n] = '\0';
    if (lset_has(s, f, n)) {
        free(f);
        return;
    }
    if (s->n >= MAX_COVER_LITS) {
        free(f);
        lset_free(s);
        return;
    }
    /* at most MAX_COVER_LITS: growing one by one is fine */
    s->v = tl_xrealloc(s->v, (s->n + 1) * sizeof *s->v);
    s->len = tl_xrealloc(s->len, (s->n + 1) * sizeof *s->len);
    s->v[s->n] = f;
    s->len[s->n] = n;
    s->n++;
}

/* a := a OR b (b is consumed) */
static void lset_union(struct lset *a, struct lset *b)
{
    if (!a->bounded || !b->bounded) {
        lset_free(a);
        lset_free(b);
        return;
    }
    for (size_t i = 0; i < b->n && a->bounded; i++)
        lset_add(a, b->v[i], b->len[i]);
    a->common |= b->common;
    lset_free(b);
}

/* How selective a set is: the shortest literal decides; a literal from a
 * field shared by every line of a process or subsystem counts half. */
static long score(const struct lset *s)
{
    if (!s->bounded || s->n == 0)
        return -1;
    size_t m = (size_t)-1;
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] < m)
            m = s->len[i];
    if (s->common)
        m = (m + 1) / 2;
    /* longer minimum first, then fewer literals */
    return (long)(m > 64 ? 64 : m) * 1024 - (long)s->n;
}

/* a := the better of a and b (b is consumed) */
static void lset_best(struct lset *a, struct lset *b)
{
    if (score(b) > score(a)) {
        lset_free(a);
        *a = *b;
        *b = none();
    } else {
        lset_free(b);
    }
}

/* ---- JSON-safe fragments ------------------------------------------------------- */

static bool json_safe(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '/' && c != '"' && c != '\\';
}

/* The longest run of p[0..n) free of bytes JSON may escape. */
static void json_fragment(const char *p, size_t n, size_t *off, size_t *len)
{
    size_t bo = 0, bl = 0, i = 0;
    while (i < n) {
        while (i < n && !json_safe((unsigned char)p[i]))
            i++;
        size_t s = i;
        while (i < n && json_safe((unsigned char)p[i]))
            i++;
        if (i - s > bl) {
            bl = i - s;
            bo = s;
        }
    }
    *off = bo;
    *len = bl;
}

/* The set holding one literal (cut for JSON if asked). */
static struct lset one(const char *p, size_t n, bool json)
{
    struct lset s = empty_bounded();
    if (json) {
        size_t o, l;
        json_fragment(p, n, &o, &l);
        p += o;
        n = l;
    }
    lset_add(&s, p, n);
    return s;
}

/* ---- covers of rule parts -------------------------------------------------------- */

static struct lset value_cover(const struct tl_value *v, bool json)
{
    switch (v->kind) {
    case TL_V_STR:
        switch (v->mode) {
        case TL_SM_EQ:
        case TL_SM_PREFIX:
        case TL_SM_SUFFIX:
        case TL_SM_CONTAINS:
            return one(v->lit, v->n, json);
        case TL_SM_GLOB: {
            /* the longest literal run between wildcards */
            size_t bo = 0, bl = 0, i = 0;
            while (i < v->gn) {
                while (i < v->gn && v->gkind[i] != TL_G_LIT)
                    i++;
                size_t s = i;
                while (i < v->gn && v->gkind[i] == TL_G_LIT)
                    i++;
                size_t o = s, l = i - s;
                if (json)
                    json_fragment(v->gpat + s, i - s, &o, &l), o += s;
                if (l > bl) {
                    bl = l;
                    bo = o;
                }
            }
            if (bl == 0)
                return none();
            struct lset s = empty_bounded();
            lset_add(&s, v->gpat + bo, bl);
            return s;
        }
        case TL_SM_ANY:
            return none();
        }
        return none();
    case TL_V_RE: {
        char *out[MAX_RELIT];
        size_t k = tl_relit_required(v->re.pattern, v->re.n,
                                     v->re.flags | PCRE2_UTF,
                                     out, MAX_RELIT);
        struct lset best = none();
        for (size_t i = 0; i < k; i++) {
            struct lset s = one(out[i], strlen(out[i]), json);
            lset_best(&best, &s);
            free(out[i]);
        }
        return best;
    }
    case TL_V_NUM:
    case TL_V_NULL:
    case TL_V_EXISTS:
        return none();
    }
    return none();
}

static void mark_common(struct lset *s, enum tl_field f)
{
    switch (f) {
    case TL_F_PROCESS:
    case TL_F_SENDER:
    case TL_F_SUBSYSTEM:
    case TL_F_CATEGORY:
    case TL_F_PROCESS_IMAGE_PATH:
    case TL_F_SENDER_IMAGE_PATH:
        s->common = true;
        break;
    default:
        break;
    }
}

static struct lset item_cover(const struct tl_item *it, bool json)
{
    if (it->field.src != TL_FS_EVENT || !tl_rules_field_verbatim(it->field.f))
        return none();
    if (it->n_vals == 0)
        return none();
    if (it->all) {
        struct lset best = none();
        for (size_t i = 0; i < it->n_vals; i++) {
            struct lset s = value_cover(&it->vals[i], json);
            lset_best(&best, &s);
        }
        mark_common(&best, it->field.f);
        return best;
    }
    struct lset acc = empty_bounded();
    for (size_t i = 0; i < it->n_vals && acc.bounded; i++) {
        struct lset s = value_cover(&it->vals[i], json);
        lset_union(&acc, &s);
    }
    mark_common(&acc, it->field.f);
    return acc;
}

static struct lset group_cover(const struct tl_group *g, bool json)
{
    struct lset best = none();
    for (size_t i = 0; i < g->n_items; i++) {
        struct lset s = item_cover(&g->items[i], json);
        lset_best(&best, &s);
    }
    return best;
}

static struct lset sel_cover(const struct tl_rule *r, size_t sel, bool json)
{
    if (sel >= r->n_sels)
        return none();
    const struct tl_selection *s = &r->sels[sel];
    if (s->n_groups == 0)
        return none();
    struct lset acc = empty_bounded();
    for (size_t i = 0; i < s->n_groups && acc.bounded; i++) {
        struct lset g = group_cover(&s->groups[i], json);
        lset_union(&acc, &g);
    }
    return acc;
}

static struct lset cond_cover(const struct tl_rule *r, const struct tl_cond *c,
                              bool json)
{
    switch (c->op) {
    case TL_COND_ID:
        return sel_cover(r, c->sel, json);
    case TL_COND_NOT:
        return none();
    case TL_COND_AND: {
        struct lset best = none();
        for (size_t i = 0; i < c->n_kids; i++) {
            struct lset s = cond_cover(r, c->kids[i], json);
            lset_best(&best, &s);
        }
        return best;
    }
    case TL_COND_OR: {
        struct lset acc = empty_bounded();
        for (size_t i = 0; i < c->n_kids && acc.bounded; i++) {
            struct lset s = cond_cover(r, c->kids[i], json);
            lset_union(&acc, &s);
        }
        return acc;
    }
    case TL_COND_OF:
        if (c->n_sels == 0)
            return none();
        if (c->quant == 0) {  /* all of: every one must hold */
            struct lset best = none();
            for (size_t i = 0; i < c->n_sels; i++) {
                struct lset s = sel_cover(r, c->sels[i], json);
                lset_best(&best, &s);
            }
            return best;
        } else {              /* N of: at least one holds */
            struct lset acc = empty_bounded();
            for (size_t i = 0; i < c->n_sels && acc.bounded; i++) {
                struct lset s = sel_cover(r, c->sels[i], json);
                lset_union(&acc, &s);
            }
            return acc;
        }
    }
    return none();
}

static struct lset rule_cover(const struct tl_rule *r, bool json)
{
    if (r->info.kind != TL_RULE_DETECTION || r->n_conds == 0)
        return none();
    struct lset acc = empty_bounded();
    for (size_t i = 0; i < r->n_conds && acc.bounded; i++) {
        struct lset s = cond_cover(r, r->conds[i], json);
        lset_union(&acc, &s);
    }
    if (acc.bounded && acc.n == 0)
        lset_free(&acc);
    return acc;
}

/* Move a set into a NULL-terminated list. */
static char **to_list(struct lset *s, size_t *n)
{
    *n = s->n;
    char **l = tl_xcalloc(s->n + 1, sizeof *l);
    for (size_t i = 0; i < s->n; i++)
        l[i] = s->v[i];
    free(s->v);
    free(s->len);
    *s = none();
    return l;
}

static void free_list(char **l)
{
    if (!l)
        return;
    for (char **p = l; *p; p++)
        free(*p);
    free(l);
}

void tl_rules_cover_free(struct tl_rule *r)
{
    free_list(r->cover_lits);
    free_list(r->cover_json);
    r->cover_lits = r->cover_json = NULL;
    memset(&r->cover, 0, sizeof r->cover);
}

static void compute_cover(struct tl_rule *r)
{
    tl_rules_cover_free(r);
    struct lset t = rule_cover(r, false);
    struct lset j = rule_cover(r, true);
    r->cover.bounded = t.bounded;
    r->cover.json_bounded = j.bounded;
    size_t n;
    r->cover_lits = to_list(&t, &n);
    r->cover.lits.v = (const char *const *)r->cover_lits;
    r->cover.lits.n = n;
    r->cover_json = to_list(&j, &n);
    r->cover.json_lits.v = (const char *const *)r->cover_json;
    r->cover.json_lits.n = n;
}

const struct tl_rule_cover *tl_rule_cover(const struct tl_rule *r)
{
    return &r->cover;
}

/* ---- the ruleset's search ---------------------------------------------------------- */

/*
 * rs->unbounded lists the detection rules that must always be evaluated
 * for text styles (bit 1) and JSON styles (bit 2), kept in one array of
 * (index << 2 | bits).
 */

void tl_rules_prefilter_free(struct tl_ruleset *rs)
{
    tl_mlit_free(rs->pf_text);
    tl_mlit_free(rs->pf_json);
    rs->pf_text = rs->pf_json = NULL;
    free(rs->unbounded);
    rs->unbounded = NULL;
    rs->n_unbounded = 0;
    rs->unbounded_bits = 0;
    free(rs->cand);
    rs->cand = NULL;
    rs->pf_ready = false;
}

void tl_rules_prefilter_build(struct tl_ruleset *rs)
{
    tl_rules_prefilter_free(rs);
    struct tl_mlit_builder *bt = tl_mlit_builder_new();
    struct tl_mlit_builder *bj = tl_mlit_builder_new();
    rs->unbounded = tl_xcalloc(rs->n_rules + 1, sizeof *rs->unbounded);
    rs->n_detection = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        struct tl_rule *r = rs->rules[i];
        if (r->info.kind != TL_RULE_DETECTION)
            continue;
        rs->n_detection++;
        compute_cover(r);
        size_t bits = 0;
        if (r->cover.bounded) {
            for (size_t k = 0; k < r->cover.lits.n; k++)
                tl_mlit_add(bt, r->cover_lits[k], strlen(r->cover_lits[k]),
                            (uint32_t)i);
        } else {
            bits |= 1;
        }
        if (r->cover.json_bounded) {
            for (size_t k = 0; k < r->cover.json_lits.n; k++)
                tl_mlit_add(bj, r->cover_json[k], strlen(r->cover_json[k]),
                            (uint32_t)i);
        } else {
            bits |= 2;
        }
        if (bits)
            rs->unbounded[rs->n_unbounded++] = (i << 2) | bits;
        rs->unbounded_bits |= (unsigned)bits;
    }
    rs->pf_text = tl_mlit_build(bt);
    rs->pf_json = tl_mlit_build(bj);
    rs->cand = tl_xcalloc(rs->n_rules + 1, 1);
    rs->pf_ready = true;
}

size_t tl_ruleset_unbounded(const struct tl_ruleset *rs)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n_unbounded; i++)
        if (rs->unbounded[i] & 3)
            n++;
    return n;
}

static bool is_json(enum tl_style s)
{
    return s == TL_STYLE_JSON || s == TL_STYLE_NDJSON;
}

static bool any_always(const struct tl_ruleset *rs, enum tl_style style)
{
    unsigned bit = style == TL_STYLE_AUTO ? 3 : is_json(style) ? 2 : 1;
    return (rs->unbounded_bits & bit) != 0;
}

/* ---- the search over whole chunks ---------------------------------------- */

/* Occurrences listed per chunk: at most one per 16 bytes (plus a few),
 * beyond that the chunk is searched record by record. */
#define PF_HITS_MIN 64u
#define PF_HITS_PER 16u

struct pf_hit {
    uint32_t start, end;
};

struct tl_pf_chunk {
    const char *buf;
    size_t n;
    int set;            /* 0: no list (overflow, unsupported); 1 text; 2 json */
    struct pf_hit *hit;
    size_t nhit, cap;
};

struct tl_pf_chunk *tl_pf_chunk_new(void)
{
    return tl_xcalloc(1, sizeof(struct tl_pf_chunk));
}

void tl_pf_chunk_free(struct tl_pf_chunk *c)
{
    if (!c)
        return;
    free(c->hit);
    free(c);
}

static bool pf_collect(void *ctx, size_t start, size_t end)
{
    struct tl_pf_chunk *c = ctx;
    if (c->nhit == c->cap)
        return false; /* overflow: give up on this chunk */
    c->hit[c->nhit].start = (uint32_t)start;
    c->hit[c->nhit].end = (uint32_t)end;
    c->nhit++;
    return true;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct pf_hit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

void tl_ruleset_pf_scan(const struct tl_ruleset *rs, enum tl_style style,
                        const char *buf, size_t n, struct tl_pf_chunk *c)
{
    c->buf = buf;
    c->n = n;
    c->set = 0;
    c->nhit = 0;
    if (!rs->pf_ready || !rs->prefilter || n > UINT32_MAX)
        return;
    if (style == TL_STYLE_AUTO) {
        size_t i = 0;
        while (i < n && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
            i++;
        style = i < n && (buf[i] == '{' || buf[i] == '[') ? TL_STYLE_NDJSON
                                                          : TL_STYLE_DEFAULT;
    }
    bool json = is_json(style);
    size_t cap = PF_HITS_MIN + n / PF_HITS_PER;
    if (c->cap < cap) {
        free(c->hit);
        c->hit = tl_xmalloc(cap * sizeof *c->hit);
        c->cap = cap;
    }
    const struct tl_mlit *m = json ? rs->pf_json : rs->pf_text;
    if (!tl_mlit_scan_all(m, buf, n, pf_collect, c) || c->nhit == c->cap)
        return;
    qsort(c->hit, c->nhit, sizeof *c->hit, cmp_hit);
    c->set = json ? 2 : 1;
}

long tl_pf_chunk_listed(const struct tl_pf_chunk *c)
{
    return c->set ? (long)c->nhit : -1;
}

void tl_ruleset_pf_use(struct tl_ruleset *rs, const struct tl_pf_chunk *c)
{
    rs->pf_chunk = c;
    rs->pf_cursor = 0;
}

/* The chunk's answer for raw[0..n): 1 a literal occurs, 0 none, -1 the
 * chunk cannot say. */
static int pf_chunk_answer(struct tl_ruleset *rs, enum tl_style style,
                           const char *raw, size_t n)
{
    const struct tl_pf_chunk *c = rs->pf_chunk;
    if (!c || !c->set || c->set != (is_json(style) ? 2 : 1) ||
        style == TL_STYLE_AUTO)
        return -1;
    /* Not inside the chunk: a copy, so another buffer. (Compared as
     * integers: pointers into different objects are not ordered.) */
    uintptr_t b = (uintptr_t)c->buf, r = (uintptr_t)raw;
    if (r < b || r - b > c->n || n > c->n - (r - b))
        return -1;
    uint32_t a = (uint32_t)(r - b), e = (uint32_t)(a + n);
    /* The first hit starting at or after a: records come in order, so
     * from the cursor on, else by bisection. */
    size_t lo = rs->pf_cursor;
    if (lo > c->nhit || (lo > 0 && c->hit[lo - 1].start >= a)) {
        size_t hi = c->nhit;
        lo = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (c->hit[mid].start < a)
                lo = mid + 1;
            else
                hi = mid;
        }
    } else {
        while (lo < c->nhit && c->hit[lo].start < a)
            lo++;
    }
    rs->pf_cursor = lo;
    for (size_t i = lo; i < c->nhit && c->hit[i].start < e; i++)
        if (c->hit[i].end <= e)
            return 1;
    return 0;
}

bool tl_ruleset_want(const struct tl_ruleset *crs, enum tl_style style,
                     const char *raw, size_t n)
{
    struct tl_ruleset *rs = (struct tl_ruleset *)(uintptr_t)crs;
    rs->counters.want_calls++;
    if (!rs->pf_ready || !rs->prefilter || any_always(rs, style))
        return true;
    bool hit;
    int ca = pf_chunk_answer(rs, style, raw, n);
    if (ca >= 0)
        hit = ca == 1;
    else if (style == TL_STYLE_AUTO)
        hit = tl_mlit_any(rs->pf_text, raw, n) ||
              tl_mlit_any(rs->pf_json, raw, n);
    else
        hit = tl_mlit_any(is_json(style) ? rs->pf_json : rs->pf_text, raw,
                          n);
    if (!hit)
        rs->counters.want_false++;
    return hit;
}

bool tl_ruleset_want_cb(void *ctx, enum tl_style style, const char *raw,
                        size_t n)
{
    return tl_ruleset_want(ctx, style, raw, n);
}

static bool mark(void *ctx, uint32_t id)
{
    struct tl_ruleset *rs = ctx;
    if (id < rs->n_rules)
        rs->cand[id] = 1;
    return true;
}

void tl_rules_prefilter_candidates(struct tl_ruleset *rs,
                                   const struct tl_event *ev)
{
    enum tl_style st = ev->style;
    size_t bit = st == TL_STYLE_AUTO ? 3 : is_json(st) ? 2 : 1;
    for (size_t i = 0; i < rs->n_unbounded; i++)
        if (rs->unbounded[i] & bit)
            rs->cand[rs->unbounded[i] >> 2] = 1;
    if (st == TL_STYLE_AUTO || !is_json(st))
        tl_mlit_each(rs->pf_text, ev->raw.p, ev->raw.n, mark, rs);
    if (st == TL_STYLE_AUTO || is_json(st))
        tl_mlit_each(rs->pf_json, ev->raw.p, ev->raw.n, mark, rs);
}

static bool find_ci(const char *h, size_t hn, const char *nd, size_t nn)
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

bool tl_rule_cover_admits(const struct tl_rule *r, enum tl_style style,
                          const char *raw, size_t n)
{
    const struct tl_rule_cover *c = &r->cover;
    bool text = style == TL_STYLE_AUTO || !is_json(style);
    bool json = style == TL_STYLE_AUTO || is_json(style);
    if ((text && !c->bounded) || (json && !c->json_bounded))
        return true;
    if (text)
        for (size_t i = 0; i < c->lits.n; i++)
            if (find_ci(raw, n, c->lits.v[i], strlen(c->lits.v[i])))
                return true;
    if (json)
        for (size_t i = 0; i < c->json_lits.n; i++)
            if (find_ci(raw, n, c->json_lits.v[i],
                        strlen(c->json_lits.v[i])))
                return true;
    return false;
}
