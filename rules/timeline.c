/*
 * timeline.c - hits, correlation windows, episodes and the ordered
 * output. See timeline.h for the contract and rules/README.md for the
 * semantics of each correlation type.
 *
 * Time is event time. The watermark is the latest event time seen minus
 * the reorder tolerance; a window closes when the watermark passes its
 * start + timespan. In batch mode, finished items wait in a heap ordered
 * by start time until nothing still open could precede them.
 */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "../util/diag.h"
#include "episode.h"

/* --- hits ----------------------------------------------------------------- */

static size_t ev_bytes(const struct tl_event *ev)
{
    size_t n = ev->raw.n + 1;
    for (int f = 0; f < TL_F__COUNT; f++)
        if (tl_event_has(ev, f) && !tl_field_is_int(f))
            n += ev->str[f].n + 1;
    for (size_t i = 0; i < ev->n_extra; i++)
        n += ev->extra[i].key.n + ev->extra[i].raw.n + 2;
    if (ev->input)
        n += strlen(ev->input) + 1;
    return n;
}

static struct tl_str put(char **cur, struct tl_str s)
{
    struct tl_str r = {*cur, s.n};
    if (s.n)
        memcpy(*cur, s.p, s.n);
    (*cur)[s.n] = '\0';
    *cur += s.n + 1;
    return r;
}

static struct tl_hit *hit_clone(const struct tl_match *m, uint64_t seq,
                                bool keep_raw)
{
    const struct tl_event *ev = m->ev;
    size_t n = ev_bytes(ev) + m->summary.n + 1;
    for (size_t i = 0; i < m->n_fields; i++)
        n += m->fields[i].value.n + 1;
    struct tl_hit *h = tl_xcalloc(1, sizeof(*h));
    h->rule = m->rule;
    h->info = m->info;
    h->seq = seq;
    h->blob = tl_xmalloc(n);
    char *cur = h->blob;
    h->ev = *ev;
    for (int f = 0; f < TL_F__COUNT; f++)
        if (tl_event_has(ev, f) && !tl_field_is_int(f))
            h->ev.str[f] = put(&cur, ev->str[f]);
    for (size_t i = 0; i < ev->n_extra; i++) {
        h->ev.extra[i].key = put(&cur, ev->extra[i].key);
        h->ev.extra[i].raw = put(&cur, ev->extra[i].raw);
    }
    h->ev.raw = keep_raw ? put(&cur, ev->raw) : TL_STR_NULL;
    if (ev->input)
        h->ev.input = put(&cur, tl_str_make(ev->input, strlen(ev->input))).p;
    if (m->summary.p)
        h->summary = put(&cur, m->summary);
    if (m->n_fields) {
        h->n_fields = m->n_fields;
        h->fields = tl_xcalloc(m->n_fields, sizeof(*h->fields));
        for (size_t i = 0; i < m->n_fields; i++) {
            h->fields[i].name = m->fields[i].name;
            h->fields[i].value = put(&cur, m->fields[i].value);
        }
    }
    return h;
}

static void hit_free(struct tl_hit *h)
{
    if (!h)
        return;
    free(h->fields);
    free(h->blob);
    free(h);
}

bool tl_hit_value(const struct tl_hit *h, const char *name, char *buf,
                  size_t bufsz, struct tl_str *out)
{
    for (size_t i = 0; i < h->n_fields; i++)
        if (strcmp(h->fields[i].name, name) == 0) {
            *out = h->fields[i].value;
            return true;
        }
    enum tl_field f = tl_field_lookup(name, strlen(name));
    if (f != TL_F__COUNT)
        return tl_rules_event_value(&h->ev, f, buf, bufsz, out);
    for (size_t i = 0; i < h->ev.n_extra; i++) {
        const struct tl_extra *x = &h->ev.extra[i];
        if (x->key.n == strlen(name) && memcmp(x->key.p, name, x->key.n) == 0) {
            struct tl_str r = x->raw;
            if (r.n >= 2 && r.p[0] == '"') {
                r.p++;
                r.n -= 2;
            }
            *out = r;
            return true;
        }
    }
    return false;
}

/* --- templates -------------------------------------------------------------- */

/* The first value of `name` among the hits, or false. */
static bool hits_value(struct tl_hit *const *hits, size_t n, const char *name,
                       char *buf, size_t bufsz, struct tl_str *out)
{
    for (size_t i = 0; i < n; i++)
        if (tl_hit_value(hits[i], name, buf, bufsz, out) && out->n > 0)
            return true;
    return false;
}

/* Render "{field}" placeholders; a field no hit has becomes "-", as in
 * the rules' summaries. */
static char *render(const char *tpl, struct tl_hit *const *hits, size_t n)
{
    struct tl_buf b;
    tl_buf_init(&b, 4096);
    for (const char *p = tpl; *p;) {
        const char *o = strchr(p, '{');
        const char *c = o ? strchr(o, '}') : NULL;
        if (!o || !c) {
            tl_buf_append(&b, p, strlen(p));
            break;
        }
        tl_buf_append(&b, p, (size_t)(o - p));
        char name[128];
        size_t nl = (size_t)(c - o - 1);
        if (nl == 0 || nl >= sizeof(name)) {
            tl_buf_append(&b, o, (size_t)(c - o + 1));
        } else {
            memcpy(name, o + 1, nl);
            name[nl] = '\0';
            char nb[32];
            struct tl_str v;
            if (hits_value(hits, n, name, nb, sizeof(nb), &v))
                tl_buf_append(&b, v.p, v.n);
            else
                tl_buf_putc(&b, '-');
        }
        p = c + 1;
    }
    char *r = b.p ? b.p : tl_xstrdup("");
    return r;
}

/* --- correlation windows ----------------------------------------------------- */

struct window {
    size_t ci;                 /* index into t->corrs */
    char *key;                 /* group-by values joined by \x1f */
    int64_t start_us, last_us, deadline_us;
    struct tl_hit **hits;
    size_t n, cap;
    uint64_t dropped;
    bool open;
    struct window *hnext;      /* hash chain */
    struct window *prev, *next;/* per-correlation list, most recent first */
    size_t heap_i;
};

struct corr {
    const struct tl_rule *rule;
    const struct tl_rule_info *info;
    const struct tl_correlation *co;
    const struct tl_episode_spec *spec;
    int64_t span_us, link_us;
    struct window *recent;     /* open windows, most recently used first */
    struct tl_hit **pending;   /* key-less hits, arrival order (ring) */
    size_t pend_head, pend_n, pend_cap;
};

/* A finished item waiting for its turn (batch mode). */
struct item {
    int64_t t;
    uint64_t seq;
    struct tl_hit *hit;         /* or */
    struct tl_episode *ep;
};

#define NBUCKETS 4096u

struct tl_timeline {
    const struct tl_ruleset *rs;
    struct tl_timeline_opts o;
    struct tl_timeline_sink sink;
    struct tl_timeline_stats st;

    struct corr *corrs;
    size_t n_corrs;
    /* rule index -> list of correlation indexes that reference it */
    size_t **by_rule;
    size_t *n_by_rule;
    size_t n_rules;

    struct window *buckets[NBUCKETS];
    struct window **heap;      /* open windows by deadline */
    size_t heap_n, heap_cap;
    size_t n_open, n_pending;

    struct item *out;          /* min-heap by (t, seq) */
    size_t out_n, out_cap;

    int64_t max_us;            /* latest event time seen */
    bool any_time;
    int64_t emitted_us;        /* latest item time handed out */
    bool emitted_any;
    bool input_boundary;
    uint64_t seq;
    uint64_t next_episode;
    uint64_t last_wall_ms;
    int64_t max_span_us;       /* longest timespan + link window */
};

void tl_timeline_opts_init(struct tl_timeline_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_open = 10000;
    o->max_pending = 10000;
    o->max_episode_hits = 1000;
    o->reorder_us = 10 * 1000000LL;
}

static uint32_t hash_key(size_t ci, const char *k)
{
    uint32_t h = 2166136261u ^ (uint32_t)ci;
    for (; *k; k++)
        h = (h ^ (unsigned char)*k) * 16777619u;
    return h;
}

/* --- window heap (by deadline) ---------------------------------------------- */

static bool wless(const struct window *a, const struct window *b)
{
    return a->deadline_us < b->deadline_us;
}

static void wswap(struct tl_timeline *t, size_t i, size_t j)
{
    struct window *w = t->heap[i];
    t->heap[i] = t->heap[j];
    t->heap[j] = w;
    t->heap[i]->heap_i = i;
    t->heap[j]->heap_i = j;
}

static void wup(struct tl_timeline *t, size_t i)
{
    while (i > 0 && wless(t->heap[i], t->heap[(i - 1) / 2])) {
        wswap(t, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void wdown(struct tl_timeline *t, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->heap_n && wless(t->heap[l], t->heap[m]))
            m = l;
        if (r < t->heap_n && wless(t->heap[r], t->heap[m]))
            m = r;
        if (m == i)
            return;
        wswap(t, i, m);
        i = m;
    }
}

static void wpush(struct tl_timeline *t, struct window *w)
{
    tl_xgrow((void **)&t->heap, &t->heap_cap, t->heap_n + 1, sizeof(*t->heap));
    w->heap_i = t->heap_n;
    t->heap[t->heap_n++] = w;
    wup(t, w->heap_i);
}

static void wremove(struct tl_timeline *t, struct window *w)
{
    size_t i = w->heap_i;
    t->heap_n--;
    if (i != t->heap_n) {
        t->heap[i] = t->heap[t->heap_n];
        t->heap[i]->heap_i = i;
        wdown(t, i);
        wup(t, i);
    }
}

/* --- output heap (batch) ------------------------------------------------------ */

static bool iless(const struct item *a, const struct item *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void opush(struct tl_timeline *t, struct item it)
{
    tl_xgrow((void **)&t->out, &t->out_cap, t->out_n + 1, sizeof(*t->out));
    size_t i = t->out_n++;
    t->out[i] = it;
    while (i > 0 && iless(&t->out[i], &t->out[(i - 1) / 2])) {
        struct item x = t->out[i];
        t->out[i] = t->out[(i - 1) / 2];
        t->out[(i - 1) / 2] = x;
        i = (i - 1) / 2;
    }
}

static struct item opop(struct tl_timeline *t)
{
    struct item top = t->out[0];
    t->out[0] = t->out[--t->out_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < t->out_n && iless(&t->out[l], &t->out[m]))
            m = l;
        if (r < t->out_n && iless(&t->out[r], &t->out[m]))
            m = r;
        if (m == i)
            break;
        struct item x = t->out[i];
        t->out[i] = t->out[m];
        t->out[m] = x;
        i = m;
    }
    return top;
}

/* free() for owned memory held through a const pointer. */
static void free_const(const void *p)
{
    void *q;
    memcpy(&q, &p, sizeof(q));
    free(q);
}

static void episode_free(struct tl_episode *ep)
{
    if (!ep)
        return;
    for (size_t i = 0; i < ep->n_hits; i++)
        hit_free(ep->hits[i]);
    free(ep->hits);
    for (size_t i = 0; i < ep->n_keys; i++)
        free_const(ep->keys[i].value.p);
    free(ep->keys);
    free_const(ep->title);
    free_const(ep->verdict);
    free(ep);
}

static void deliver(struct tl_timeline *t, struct item it)
{
    if (it.hit) {
        if (!t->o.live)
            t->sink.hit(t->sink.ctx, it.hit);
        hit_free(it.hit);
    } else {
        t->sink.episode(t->sink.ctx, it.ep);
        episode_free(it.ep);
    }
    if (!t->emitted_any || it.t > t->emitted_us)
        t->emitted_us = it.t;
    t->emitted_any = true;
}

/* Hand out the items that nothing still open can precede. */
static void drain(struct tl_timeline *t, bool all)
{
    int64_t horizon = INT64_MAX;
    if (!all) {
        horizon = t->max_us - t->o.reorder_us;
        /* No open window starts before its deadline minus the longest
         * timespan and link window (linked hits may precede the first
         * keyed one): a cheap, safe bound. */
        if (t->heap_n > 0 &&
            t->heap[0]->deadline_us - t->max_span_us < horizon)
            horizon = t->heap[0]->deadline_us - t->max_span_us;
        for (size_t c = 0; c < t->n_corrs; c++) {
            struct corr *k = &t->corrs[c];
            if (k->pend_n) {
                struct tl_hit *h = k->pending[k->pend_head];
                if (h->ev.time_us < horizon)
                    horizon = h->ev.time_us;
            }
        }
    }
    while (t->out_n > 0 && (all || t->out[0].t < horizon))
        deliver(t, opop(t));
}

static void emit_item(struct tl_timeline *t, struct item it)
{
    if (t->o.live && it.hit) {
        hit_free(it.hit);
        return;
    }
    it.seq = ++t->seq;
    opush(t, it);
}

static void release_hit(struct tl_timeline *t, struct tl_hit *h)
{
    struct item it = {h->ev.time_us, 0, h, NULL};
    emit_item(t, it);
}

/* --- closing a window ----------------------------------------------------------- */

static bool cond_holds(const struct tl_correlation *co, uint64_t v)
{
    for (size_t i = 0; i < co->n_conds; i++) {
        uint64_t x = co->conds[i].value;
        bool ok;
        switch (co->conds[i].op) {
        case TL_CORR_GT: ok = v > x; break;
        case TL_CORR_GTE: ok = v >= x; break;
        case TL_CORR_LT: ok = v < x; break;
        case TL_CORR_LTE: ok = v <= x; break;
        case TL_CORR_EQ: default: ok = v == x; break;
        }
        if (!ok)
            return false;
    }
    return true;
}

static bool has_rule(const struct window *w, const struct tl_rule *r)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->hits[i]->rule == r)
            return true;
    return false;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct tl_hit *x = *(struct tl_hit *const *)a;
    const struct tl_hit *y = *(struct tl_hit *const *)b;
    if (x->ev.time_us != y->ev.time_us)
        return x->ev.time_us < y->ev.time_us ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool fired(const struct corr *k, struct window *w)
{
    const struct tl_correlation *co = k->co;
    switch (co->type) {
    case TL_CORR_EVENT_COUNT:
        return cond_holds(co, w->n + w->dropped);
    case TL_CORR_VALUE_COUNT: {
        uint64_t distinct = 0;
        for (size_t i = 0; i < w->n; i++) {
            char b1[32], b2[32];
            struct tl_str v, u;
            if (!co->field ||
                !tl_hit_value(w->hits[i], co->field, b1, sizeof(b1), &v))
                continue;
            bool seen = false;
            for (size_t j = 0; j < i && !seen; j++)
                seen = tl_hit_value(w->hits[j], co->field, b2, sizeof(b2),
                                    &u) &&
                       u.n == v.n && memcmp(u.p, v.p, v.n) == 0;
            distinct += !seen;
        }
        return cond_holds(co, distinct);
    }
    case TL_CORR_TEMPORAL: {
        uint64_t present = 0;
        for (size_t r = 0; r < co->n_rules; r++)
            present += co->rules[r] && has_rule(w, co->rules[r]);
        if (co->n_conds)
            return cond_holds(co, present);
        return present == co->n_rules;
    }
    case TL_CORR_TEMPORAL_ORDERED: {
        size_t want = 0;
        for (size_t i = 0; i < w->n && want < co->n_rules; i++)
            if (w->hits[i]->rule == co->rules[want])
                want++;
        return want == co->n_rules;
    }
    default:
        return false;
    }
}

static const struct tl_episode_verdict *pick_verdict(const struct corr *k,
                                                     const struct window *w)
{
    if (!k->spec)
        return NULL;
    for (size_t v = 0; v < k->spec->n_verdicts; v++) {
        const struct tl_episode_verdict *vd = &k->spec->verdicts[v];
        bool ok = true;
        for (size_t i = 0; i < vd->n_if && ok; i++)
            ok = vd->if_rules[i] && has_rule(w, vd->if_rules[i]);
        for (size_t i = 0; i < vd->n_unless && ok; i++)
            ok = !(vd->unless_rules[i] && has_rule(w, vd->unless_rules[i]));
        if (ok)
            return vd;
    }
    return NULL;
}

static void unlink_window(struct tl_timeline *t, struct window *w)
{
    struct corr *k = &t->corrs[w->ci];
    if (w->prev)
        w->prev->next = w->next;
    else
        k->recent = w->next;
    if (w->next)
        w->next->prev = w->prev;
    uint32_t b = hash_key(w->ci, w->key) % NBUCKETS;
    for (struct window **pp = &t->buckets[b]; *pp; pp = &(*pp)->hnext)
        if (*pp == w) {
            *pp = w->hnext;
            break;
        }
    wremove(t, w);
    t->n_open--;
}

static void close_window(struct tl_timeline *t, struct window *w,
                         const char *why)
{
    struct corr *k = &t->corrs[w->ci];
    unlink_window(t, w);
    qsort(w->hits, w->n, sizeof(*w->hits), hit_cmp);
    if (!fired(k, w)) {
        t->st.not_fired++;
        for (size_t i = 0; i < w->n; i++)
            release_hit(t, w->hits[i]);
    } else {
        struct tl_episode *ep = tl_xcalloc(1, sizeof(*ep));
        ep->id = ++t->next_episode;
        ep->rule = k->rule;
        ep->info = k->info;
        ep->hits = w->hits;
        ep->n_hits = w->n;
        ep->hits_dropped = w->dropped;
        ep->start_us = w->hits[0]->ev.time_us;
        ep->end_us = w->hits[w->n - 1]->ev.time_us;
        ep->tz_known = w->hits[0]->ev.tz_known;
        ep->tz_offset_min = w->hits[0]->ev.tz_offset_min;
        ep->closed_by = why;
        enum tl_level lv = TL_LEVEL_INFORMATIONAL;
        for (size_t i = 0; i < w->n; i++) {
            w->hits[i]->episode = ep->id;
            if (w->hits[i]->info->level > lv)
                lv = w->hits[i]->info->level;
        }
        const struct tl_episode_verdict *vd = pick_verdict(k, w);
        ep->level = vd && vd->level_given ? vd->level : lv;
        ep->verdict = vd ? render(vd->text, ep->hits, ep->n_hits) : NULL;
        ep->title = render(k->spec && k->spec->title ? k->spec->title
                                                     : k->info->title,
                           ep->hits, ep->n_hits);
        /* Key fields: the spec's, else the group-by fields. */
        struct tl_strlist keys =
            k->spec && k->spec->keys.n ? k->spec->keys : k->co->group_by;
        ep->keys = tl_xcalloc(keys.n ? keys.n : 1, sizeof(*ep->keys));
        for (size_t i = 0; i < keys.n; i++) {
            char nb[32];
            struct tl_str v;
            if (!hits_value(ep->hits, ep->n_hits, keys.v[i], nb, sizeof(nb),
                            &v))
                continue;
            ep->keys[ep->n_keys].name = keys.v[i];
            ep->keys[ep->n_keys].value.p = tl_xstrndup(v.p, v.n);
            ep->keys[ep->n_keys].value.n = v.n;
            ep->n_keys++;
        }
        t->st.episodes++;
        t->st.episodes_per_level[ep->level]++;
        t->st.hits_in_episodes += w->n;
        w->hits = NULL;
        struct item it = {ep->start_us, 0, NULL, ep};
        it.seq = ++t->seq;
        if (t->o.live)
            deliver(t, it);
        else
            opush(t, it);
    }
    free(w->hits);
    free(w->key);
    free(w);
}

static void pending_drop(struct tl_timeline *t, struct tl_hit *h);
static void unpend(struct tl_timeline *t, struct tl_hit *h);

/* Close windows whose timespan has passed the watermark (`why` says
 * what moved it); expire pending hits whose link window has passed. */
static void advance(struct tl_timeline *t, int64_t watermark, const char *why)
{
    while (t->heap_n > 0 && t->heap[0]->deadline_us < watermark)
        close_window(t, t->heap[0],
                     t->heap[0]->deadline_us < t->max_us - t->o.reorder_us
                         ? "timespan"
                         : why);
    for (size_t c = 0; c < t->n_corrs; c++) {
        struct corr *k = &t->corrs[c];
        while (k->pend_n > 0) {
            struct tl_hit *h = k->pending[k->pend_head];
            if (h->ev.time_us + k->link_us >= watermark)
                break;
            k->pend_head = (k->pend_head + 1) % k->pend_cap;
            k->pend_n--;
            pending_drop(t, h);
        }
    }
}

/* --- adding hits -------------------------------------------------------------- */

static void window_add(struct tl_timeline *t, struct window *w,
                       struct tl_hit *h)
{
    if (h->pend_refs > 0)
        unpend(t, h);
    if (w->n >= t->o.max_episode_hits) {
        w->dropped++;
        t->st.episode_hits_dropped++;
        release_hit(t, h);
        return;
    }
    tl_xgrow((void **)&w->hits, &w->cap, w->n + 1, sizeof(*w->hits));
    w->hits[w->n++] = h;
    if (h->ev.time_us > w->last_us)
        w->last_us = h->ev.time_us;
    if (h->ev.time_us < w->start_us)
        w->start_us = h->ev.time_us;
    /* most recently used first */
    struct corr *k = &t->corrs[w->ci];
    if (k->recent != w) {
        if (w->prev)
            w->prev->next = w->next;
        if (w->next)
            w->next->prev = w->prev;
        w->prev = NULL;
        w->next = k->recent;
        if (k->recent)
            k->recent->prev = w;
        k->recent = w;
    }
}

/* Is r one of the rules whose key-less hits precede their story? */
static bool comes_before(const struct corr *k, const struct tl_rule *r)
{
    for (size_t i = 0; k->spec && i < k->spec->n_before; i++)
        if (k->spec->before_rules[i] == r)
            return true;
    return false;
}

/* Do a and b agree on every field of one of the link sets? */
static bool linked(const struct corr *k, const struct tl_hit *a,
                   const struct tl_hit *b)
{
    for (size_t l = 0; l < k->spec->n_links; l++) {
        const struct tl_strlist *set = &k->spec->links[l];
        bool all = set->n > 0;
        for (size_t f = 0; f < set->n && all; f++) {
            char b1[32], b2[32];
            struct tl_str x, y;
            all = tl_hit_value(a, set->v[f], b1, sizeof(b1), &x) &&
                  tl_hit_value(b, set->v[f], b2, sizeof(b2), &y) &&
                  x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
        }
        if (all)
            return true;
    }
    return false;
}

static int64_t absdiff(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* Pull into w the pending hits linked to h, and transitively those
 * linked to the hits pulled. */
static void pull_pending(struct tl_timeline *t, struct corr *k,
                         struct window *w, struct tl_hit *h)
{
    if (!k->spec || k->spec->n_links == 0 || k->pend_n == 0)
        return;
    size_t n = k->pend_n, nsrc = 1;
    struct tl_hit **tmp = tl_xmalloc(n * sizeof(*tmp));
    struct tl_hit **src = tl_xmalloc((n + 1) * sizeof(*src));
    bool *taken = tl_xcalloc(n, sizeof(*taken));
    for (size_t i = 0; i < n; i++)
        tmp[i] = k->pending[(k->pend_head + i) % k->pend_cap];
    src[0] = h;
    for (size_t si = 0; si < nsrc; si++) {
        const struct tl_hit *from = src[si];
        for (size_t i = 0; i < n; i++) {
            struct tl_hit *p = tmp[i];
            if (taken[i] ||
                absdiff(p->ev.time_us, from->ev.time_us) > k->link_us ||
                p->ev.time_us > w->deadline_us ||
                !linked(k, p, from))
                continue;
            taken[i] = true;
            src[nsrc++] = p;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (!taken[i])
            k->pending[(k->pend_head + kept++) % k->pend_cap] = tmp[i];
    k->pend_n = kept;
    for (size_t i = 0; i < n; i++)
        if (taken[i]) {
            t->n_pending--;
            tmp[i]->pend_refs--;
            window_add(t, w, tmp[i]);
        }
    free(taken);
    free(src);
    free(tmp);
}

/* Take h out of every pending list (it joined a window). */
static void unpend(struct tl_timeline *t, struct tl_hit *h)
{
    for (size_t c = 0; c < t->n_corrs && h->pend_refs > 0; c++) {
        struct corr *k = &t->corrs[c];
        size_t kept = 0;
        for (size_t i = 0; i < k->pend_n; i++) {
            struct tl_hit *p = k->pending[(k->pend_head + i) % k->pend_cap];
            if (p == h) {
                h->pend_refs--;
                t->n_pending--;
                continue;
            }
            k->pending[(k->pend_head + kept++) % k->pend_cap] = p;
        }
        k->pend_n = kept;
    }
}

/* One pending list lets go of h: released when no list holds it. */
static void pending_drop(struct tl_timeline *t, struct tl_hit *h)
{
    t->n_pending--;
    if (--h->pend_refs == 0)
        release_hit(t, h);
}

enum take { TAKE_NO = 0, TAKE_PENDING, TAKE_WINDOW };

/* Try to place h in correlation k: into a window (claimed), into k's
 * pending list (it may still be claimed by another correlation), or
 * not at all. */
static enum take corr_take(struct tl_timeline *t, size_t ci, struct tl_hit *h)
{
    struct corr *k = &t->corrs[ci];
    const struct tl_strlist *gb = &k->co->group_by;
    struct tl_buf key;
    bool keyed = true;
    tl_buf_init(&key, 1 << 16);
    for (size_t g = 0; g < gb->n && keyed; g++) {
        char nb[32];
        struct tl_str v;
        const char *name = gb->v[g];
        /* correlation aliases: the field this rule calls it */
        for (size_t a = 0; a < k->co->n_aliases; a++)
            if (strcmp(k->co->aliases[a].alias, name) == 0 &&
                k->co->aliases[a].rule == h->rule)
                name = k->co->aliases[a].field;
        keyed = tl_hit_value(h, name, nb, sizeof(nb), &v) && v.n > 0;
        if (keyed) {
            tl_buf_append(&key, v.p, v.n);
            tl_buf_putc(&key, '\x1f');
        }
    }
    if (!keyed) {
        tl_buf_free(&key);
        if (!k->spec || k->spec->n_links == 0)
            return TAKE_NO;
        /* An open story with a linked hit, the most recently used first;
         * not for the rules that come before their story. */
        if (!comes_before(k, h->rule))
            for (struct window *w = k->recent; w; w = w->next) {
                if (w->last_us + k->link_us < h->ev.time_us)
                    break;
                if (h->ev.time_us > w->deadline_us)
                    continue;
                for (size_t i = w->n; i-- > 0;)
                    if (linked(k, w->hits[i], h)) {
                        window_add(t, w, h);
                        return TAKE_WINDOW;
                    }
            }
        /* Wait for the keyed hit of the next story to link to. */
        if (t->n_pending >= t->o.max_pending) {
            /* let go of the oldest pending entry of any correlation */
            for (size_t c = 0; c < t->n_corrs; c++) {
                struct corr *o = &t->corrs[c];
                if (!o->pend_n)
                    continue;
                struct tl_hit *old = o->pending[o->pend_head];
                o->pend_head = (o->pend_head + 1) % o->pend_cap;
                o->pend_n--;
                t->st.evicted_pending++;
                pending_drop(t, old);
                break;
            }
        }
        if (k->pend_n == k->pend_cap) {
            size_t ncap = k->pend_cap ? k->pend_cap * 2 : 16;
            struct tl_hit **np = tl_xmalloc(ncap * sizeof(*np));
            for (size_t i = 0; i < k->pend_n; i++)
                np[i] = k->pending[(k->pend_head + i) % k->pend_cap];
            free(k->pending);
            k->pending = np;
            k->pend_cap = ncap;
            k->pend_head = 0;
        }
        k->pending[(k->pend_head + k->pend_n) % k->pend_cap] = h;
        k->pend_n++;
        t->n_pending++;
        h->pend_refs++;
        return TAKE_PENDING;
    }
    const char *ks = key.p ? key.p : "";
    uint32_t b = hash_key(ci, ks) % NBUCKETS;
    struct window *w;
    for (w = t->buckets[b]; w; w = w->hnext)
        if (w->ci == ci && strcmp(w->key, ks) == 0)
            break;
    if (w && h->ev.time_us > w->deadline_us) {
        close_window(t, w, "timespan");
        w = NULL;
    }
    if (!w) {
        if (t->n_open >= t->o.max_open && t->heap_n > 0) {
            t->st.evicted_open++;
            close_window(t, t->heap[0], "cap");
        }
        w = tl_xcalloc(1, sizeof(*w));
        w->ci = ci;
        w->key = tl_xstrdup(ks);
        w->start_us = w->last_us = h->ev.time_us;
        w->deadline_us = h->ev.time_us + k->span_us;
        w->open = true;
        w->hnext = t->buckets[b];
        t->buckets[b] = w;
        w->next = k->recent;
        if (k->recent)
            k->recent->prev = w;
        k->recent = w;
        wpush(t, w);
        t->n_open++;
    }
    tl_buf_free(&key);
    window_add(t, w, h);
    pull_pending(t, k, w, h);
    return TAKE_WINDOW;
}

struct tl_timeline *tl_timeline_new(const struct tl_ruleset *rs,
                                    const struct tl_timeline_opts *o,
                                    const struct tl_timeline_sink *sink)
{
    struct tl_timeline *t = tl_xcalloc(1, sizeof(*t));
    t->rs = rs;
    t->o = *o;
    if (t->o.max_episode_hits == 0)
        t->o.max_episode_hits = 1;
    t->sink = *sink;
    t->n_rules = tl_ruleset_count(rs);
    t->by_rule = tl_xcalloc(t->n_rules ? t->n_rules : 1, sizeof(*t->by_rule));
    t->n_by_rule = tl_xcalloc(t->n_rules ? t->n_rules : 1,
                              sizeof(*t->n_by_rule));
    for (size_t i = 0; i < t->n_rules; i++) {
        const struct tl_rule *r = tl_ruleset_rule(rs, i);
        const struct tl_correlation *co = tl_rule_correlation(r);
        if (!co)
            continue;
        t->corrs = tl_xrealloc(t->corrs, (t->n_corrs + 1) * sizeof(*t->corrs));
        struct corr *k = &t->corrs[t->n_corrs];
        memset(k, 0, sizeof(*k));
        k->rule = r;
        k->info = tl_rule_info(r);
        k->co = co;
        k->spec = tl_rule_episode(r);
        k->span_us = (int64_t)co->timespan_ms * 1000;
        k->link_us = k->spec ? (int64_t)k->spec->link_window_ms * 1000 : 0;
        if (k->span_us + k->link_us > t->max_span_us)
            t->max_span_us = k->span_us + k->link_us;
        t->n_corrs++;
    }
    for (size_t c = 0; c < t->n_corrs; c++) {
        const struct tl_correlation *co = t->corrs[c].co;
        for (size_t r = 0; r < co->n_rules; r++) {
            if (!co->rules[r])
                continue;
            size_t ri = tl_rule_info(co->rules[r])->index;
            if (ri >= t->n_rules)
                continue;
            /* each correlation once per rule */
            bool dup = false;
            for (size_t j = 0; j < t->n_by_rule[ri]; j++)
                dup |= t->by_rule[ri][j] == c;
            if (dup)
                continue;
            t->by_rule[ri] = tl_xrealloc(t->by_rule[ri],
                                         (t->n_by_rule[ri] + 1) * sizeof(size_t));
            t->by_rule[ri][t->n_by_rule[ri]++] = c;
        }
    }
    t->last_wall_ms = tl_now_ms();
    return t;
}

void tl_timeline_add(struct tl_timeline *t, const struct tl_match *m)
{
    struct tl_hit *h = hit_clone(m, 0, false);
    h->seq = ++t->seq;
    /* Events without a time (possible in JSON) take the latest seen. */
    if (!h->ev.has_time)
        h->ev.time_us = t->any_time ? t->max_us : 0;
    int64_t tu = h->ev.time_us;

    /* A new input that goes back in time: the timelines so far are
     * complete; close them rather than call everything late. */
    if (t->input_boundary && t->any_time &&
        tu < t->max_us - t->o.reorder_us) {
        advance(t, INT64_MAX, "end of input");
        drain(t, true);
        t->any_time = false;
        t->emitted_any = false;
    }
    t->input_boundary = false;

    t->st.hits++;
    t->st.per_level[h->info->level]++;
    if (!t->st.any_time || tu < t->st.first_us)
        t->st.first_us = tu;
    if (!t->st.any_time || tu > t->st.last_us)
        t->st.last_us = tu;
    t->st.any_time = true;
    if (!t->any_time || tu > t->max_us)
        t->max_us = tu;
    t->any_time = true;
    t->last_wall_ms = tl_now_ms();

    if (t->o.live)
        t->sink.hit(t->sink.ctx, h);
    else if (t->emitted_any && tu < t->emitted_us) {
        /* Too late to be put in order: shown, counted, not lost. */
        t->st.late_hits++;
        if (t->st.late_hits == 1)
            tl_diag(TL_DIAG_WARNING, h->ev.input, h->ev.line, 0,
                    "event is older than the reorder window allows "
                    "(--reorder); shown out of order (further ones are "
                    "only counted)");
        t->sink.hit(t->sink.ctx, h);
        hit_free(h);
        return;
    }

    /* Correlations in load order: the first that puts h in a window
     * claims it; a key-less h may wait in several pending lists. */
    enum take taken = TAKE_NO;
    size_t ri = h->info->index;
    if (ri < t->n_rules)
        for (size_t j = 0; j < t->n_by_rule[ri] && taken != TAKE_WINDOW; j++) {
            enum take r = corr_take(t, t->by_rule[ri][j], h);
            if (r > taken)
                taken = r;
        }
    if (taken == TAKE_NO)
        release_hit(t, h);
    advance(t, t->max_us - t->o.reorder_us, "timespan");
    if (!t->o.live)
        drain(t, false);
}

void tl_timeline_idle(struct tl_timeline *t)
{
    /* Live input went quiet: let wall-clock time stand in for the event
     * time that did not come. */
    if (!t->any_time)
        return;
    uint64_t now = tl_now_ms();
    int64_t quiet_us = (int64_t)(now - t->last_wall_ms) * 1000;
    advance(t, t->max_us + quiet_us, "idle");
    drain(t, false);
}

void tl_timeline_input_end(struct tl_timeline *t)
{
    t->input_boundary = true;
}

void tl_timeline_finish(struct tl_timeline *t)
{
    advance(t, INT64_MAX, "end of input");
    drain(t, true);
}

const struct tl_timeline_stats *tl_timeline_stats(const struct tl_timeline *t)
{
    return &t->st;
}

void tl_timeline_free(struct tl_timeline *t)
{
    if (!t)
        return;
    /* Anything still held (finish not called) is freed silently. */
    while (t->heap_n > 0) {
        struct window *w = t->heap[0];
        unlink_window(t, w);
        for (size_t i = 0; i < w->n; i++)
            hit_free(w->hits[i]);
        free(w->hits);
        free(w->key);
        free(w);
    }
    for (size_t c = 0; c < t->n_corrs; c++) {
        struct corr *k = &t->corrs[c];
        for (size_t i = 0; i < k->pend_n; i++) {
            struct tl_hit *h = k->pending[(k->pend_head + i) % k->pend_cap];
            if (--h->pend_refs == 0)
                hit_free(h);
        }
        free(k->pending);
    }
    while (t->out_n > 0) {
        struct item it = opop(t);
        hit_free(it.hit);
        episode_free(it.ep);
    }
    for (size_t i = 0; i < t->n_rules; i++)
        free(t->by_rule[i]);
    free(t->by_rule);
    free(t->n_by_rule);
    free(t->corrs);
    free(t->heap);
    free(t->out);
    free(t);
}
