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
    /* The blob: the extra keys' array (malloc's alignment holds it),
     * then every string. */
    size_t xbytes = ev->n_extra * sizeof(struct tl_extra);
    size_t n = xbytes + ev_bytes(ev) + m->summary.n + 1;
    for (size_t i = 0; i < m->n_fields; i++)
        n += m->fields[i].value.n + 1;
    struct tl_hit *h = tl_xcalloc(1, sizeof(*h));
    h->rule = m->rule;
    h->info = m->info;
    h->seq = seq;
    h->blob = tl_xmalloc(n);
    char *cur = h->blob + xbytes;
    h->ev = *ev;
    h->ev.extra = ev->n_extra ? (struct tl_extra *)(void *)h->blob : NULL;
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

static void episode_free(struct tl_episode *ep);
static bool hits_value(struct tl_hit *const *hits, size_t n, const char *name,
                       char *buf, size_t bufsz, struct tl_str *out);

static void hit_free(struct tl_hit *h)
{
    if (!h)
        return;
    episode_free(h->sub);
    free(h->fields);
    free(h->blob);
    free(h);
}

/* A key of the JSON record that is no event field (a string's quotes
 * taken off). */
static bool extra_value(const struct tl_hit *h, const char *name,
                        struct tl_str *out)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < h->ev.n_extra; i++) {
        const struct tl_extra *x = &h->ev.extra[i];
        if (x->key.n == n && memcmp(x->key.p, name, n) == 0) {
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

bool tl_hit_value(const struct tl_hit *h, const char *name, char *buf,
                  size_t bufsz, struct tl_str *out)
{
    /* A fired correlation seen by one over it: the value its episode's
     * templates would show. */
    if (h->sub)
        return hits_value(h->sub->hits, h->sub->n_hits, name, buf, bufsz,
                          out);
    for (size_t i = 0; i < h->n_fields; i++)
        if (strcmp(h->fields[i].name, name) == 0) {
            *out = h->fields[i].value;
            return true;
        }
    enum tl_field f = tl_field_lookup(name, strlen(name));
    if (f != TL_F__COUNT)
        return tl_rules_event_value(&h->ev, f, buf, bufsz, out);
    return extra_value(h, name, out);
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
    int64_t start_us, last_us;
    int64_t deadline_us;       /* first hit + timespan: keyed hits until */
    int64_t close_us;          /* deadline + link window: linked hits until */
    struct tl_hit **hits;
    size_t n, cap;
    size_t weight;             /* events held, counting those inside the
                                  episodes of inner correlations */
    uint64_t dropped;
    unsigned depth;            /* its correlation's (heap tie-break) */
    bool open;
    struct window *hnext;      /* hash chain */
    struct window *prev, *next;/* per-correlation list, most recent first */
    size_t heap_i;
    size_t start_i;            /* its place in the heap of starts */
};

struct corr {
    const struct tl_rule *rule;
    const struct tl_rule_info *info;
    const struct tl_correlation *co;
    const struct tl_episode_spec *spec;
    int64_t span_us, link_us;
    /* Correlations over correlations: how long a window waits after its
     * link window for the results of the correlations it lists
     * (hold_us), and its height in the chain (depth: 0 when it lists no
     * correlation). `feeds`: another correlation lists it. */
    int64_t hold_us;
    unsigned depth;
    bool feeds;
    /* The event field each name of spec->links[l] is, or TL_F__COUNT
     * (looked up once: linked() runs for every key-less hit and every
     * hit it may link to). */
    enum tl_field **link_fid;
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

/* A min-heap of event times, each entry owned by a window or a hit that
 * keeps the entry's position in *ix (so it can be moved or removed). */
struct tent {
    int64_t t;
    size_t *ix;
};

struct theap {
    struct tent *v;
    size_t n, cap;
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
    /* rule index -> whether a hit of it that joins no episode is shown
     * (false when a correlation listing the rule has generate: false) */
    bool *alone;
    /* fired correlations waiting to be offered to the ones over them */
    struct tl_hit **offers;
    size_t off_n, off_cap;

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
    bool said_suppressed;
    /* What may still precede the items waiting for output: the start of
     * every open window, the time of every pending hit. */
    struct theap starts, pend_times;
};

void tl_timeline_opts_init(struct tl_timeline_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_open = 10000;
    o->max_pending = 10000;
    o->max_episode_hits = 1000;
    o->reorder_us = 10 * 1000000LL;
}

/* Times and spans in microseconds, kept far from overflow: a timespan
 * of more than a century counts as a century, sums saturate. */
#define SPAN_MAX_US (100LL * 366 * 86400 * 1000000)
#define SUM_MAX_US (INT64_MAX / 4)

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > SUM_MAX_US - b ? SUM_MAX_US : a + b;
}

static int64_t span_us(uint64_t ms)
{
    return ms > (uint64_t)(SPAN_MAX_US / 1000) ? SPAN_MAX_US
                                                : (int64_t)ms * 1000;
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
    /* at the same time, inner correlations first: their results must
     * reach the windows over them before those close */
    return a->close_us < b->close_us ||
           (a->close_us == b->close_us && a->depth < b->depth);
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

/* --- time heaps --------------------------------------------------------------- */

static void th_set(struct theap *h, size_t i, struct tent e)
{
    h->v[i] = e;
    *e.ix = i;
}

static void th_up(struct theap *h, size_t i)
{
    struct tent e = h->v[i];
    while (i > 0 && e.t < h->v[(i - 1) / 2].t) {
        th_set(h, i, h->v[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    th_set(h, i, e);
}

static void th_down(struct theap *h, size_t i)
{
    struct tent e = h->v[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = l;
        if (l >= h->n)
            break;
        if (r < h->n && h->v[r].t < h->v[l].t)
            m = r;
        if (!(h->v[m].t < e.t))
            break;
        th_set(h, i, h->v[m]);
        i = m;
    }
    th_set(h, i, e);
}

static void th_push(struct theap *h, int64_t t, size_t *ix)
{
    tl_xgrow((void **)&h->v, &h->cap, h->n + 1, sizeof(*h->v));
    h->v[h->n] = (struct tent){t, ix};
    *ix = h->n++;
    th_up(h, *ix);
}

static void th_remove(struct theap *h, size_t i)
{
    h->n--;
    if (i != h->n) {
        size_t *ix = h->v[h->n].ix;
        th_set(h, i, h->v[h->n]);
        th_down(h, i);
        th_up(h, *ix);
    }
}

/* The entry at i now has the earlier time t. */
static void th_earlier(struct theap *h, size_t i, int64_t t)
{
    h->v[i].t = t;
    th_up(h, i);
}

static int64_t th_min(const struct theap *h)
{
    return h->n ? h->v[0].t : INT64_MAX;
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

/* Hand out the items that nothing still open can precede: an item
 * waits while an open window starts before it or a pending hit is older
 * (either may still become part of an episode that starts there), and
 * while it is inside the reorder tolerance. Everything that arrives later
 * and is older than what was handed out is counted as late. */
static void drain(struct tl_timeline *t, bool all)
{
    int64_t horizon = INT64_MAX;
    if (!all) {
        horizon = t->max_us - t->o.reorder_us;
        if (th_min(&t->starts) < horizon)
            horizon = th_min(&t->starts);
        if (th_min(&t->pend_times) < horizon)
            horizon = th_min(&t->pend_times);
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

/* ep is finished: number it and hand it out (takes ep). */
static void emit_episode(struct tl_timeline *t, struct tl_episode *ep)
{
    ep->id = ++t->next_episode;
    for (size_t i = 0; i < ep->n_hits; i++)
        ep->hits[i]->episode = ep->id;
    t->st.episodes++;
    t->st.episodes_per_level[ep->level]++;
    t->st.hits_in_episodes += ep->n_hits;
    struct item it = {ep->start_us, 0, NULL, ep};
    it.seq = ++t->seq;
    if (t->o.live)
        deliver(t, it);
    else
        opush(t, it);
}

/* h is in no episode (takes h): shown on its own, unless a correlation
 * that lists its rule has generate: false. The episode of an inner
 * correlation that no correlation over it took is shown on its own under
 * the same rule. */
static void release_hit(struct tl_timeline *t, struct tl_hit *h)
{
    bool alone = h->info->index >= t->n_rules || t->alone[h->info->index];
    if (h->sub) {
        struct tl_episode *ep = h->sub;
        h->sub = NULL;
        hit_free(h);
        if (alone) {
            emit_episode(t, ep);
        } else {
            t->st.suppressed += ep->n_hits;
            episode_free(ep);
        }
        return;
    }
    if (!alone) {
        t->st.suppressed++;
        hit_free(h);
        return;
    }
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

/* Does the window's condition hold? It is evaluated on every prefix of
 * the window's hits in time order (w->hits sorted): the count of
 * event_count, the distinct values of value_count, for temporal the
 * listed rules that have a hit, for temporal_ordered the most listed
 * rules that have hits in the listed order (a longest common subsequence
 * of the rule list and the hits' rules). Without a condition the
 * temporal types need every listed rule. True when it holds on the whole
 * window; *fire is then the index of the hit from which on it holds on
 * every longer prefix: the hit at which the correlation fired, whose
 * time a correlation over this one sees. */
static bool evaluate(const struct corr *k, const struct window *w,
                     size_t *fire)
{
    const struct tl_correlation *co = k->co;
    size_t n = w->n, m = co->n_rules;
    bool *holds = tl_xcalloc(n ? n : 1, sizeof(*holds));
    bool *seen = tl_xcalloc(m ? m : 1, sizeof(*seen));
    size_t *lcs = tl_xcalloc(m + 1, sizeof(*lcs));
    uint64_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const struct tl_hit *h = w->hits[i];
        switch (co->type) {
        case TL_CORR_EVENT_COUNT:
            /* hits beyond the per-episode cap count at the end */
            count = i + 1 + (i + 1 == n ? w->dropped : 0);
            break;
        case TL_CORR_VALUE_COUNT: {
            char b1[32], b2[32];
            struct tl_str v, u;
            if (!co->field ||
                !tl_hit_value(h, co->field, b1, sizeof(b1), &v))
                break;
            bool dup = false;
            for (size_t j = 0; j < i && !dup; j++)
                dup = tl_hit_value(w->hits[j], co->field, b2, sizeof(b2),
                                   &u) &&
                      u.n == v.n && memcmp(u.p, v.p, v.n) == 0;
            count += !dup;
            break;
        }
        case TL_CORR_TEMPORAL:
            for (size_t r = 0; r < m; r++)
                if (!seen[r] && co->rules[r] && co->rules[r] == h->rule) {
                    seen[r] = true;
                    count++;
                }
            break;
        case TL_CORR_TEMPORAL_ORDERED: {
            size_t diag = 0;
            for (size_t j = 1; j <= m; j++) {
                size_t up = lcs[j];
                if (co->rules[j - 1] && co->rules[j - 1] == h->rule)
                    lcs[j] = diag + 1;
                else if (lcs[j - 1] > lcs[j])
                    lcs[j] = lcs[j - 1];
                diag = up;
            }
            count = lcs[m];
            break;
        }
        default:
            break;
        }
        bool temporal = co->type == TL_CORR_TEMPORAL ||
                        co->type == TL_CORR_TEMPORAL_ORDERED;
        holds[i] = temporal && co->n_conds == 0 ? count == m
                                                : cond_holds(co, count);
    }
    bool ok = n > 0 && holds[n - 1];
    size_t f = n ? n - 1 : 0;
    while (f > 0 && holds[f - 1])
        f--;
    *fire = f;
    free(lcs);
    free(seen);
    free(holds);
    return ok;
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
    th_remove(&t->starts, w->start_i);
    t->n_open--;
}

static void offer_push(struct tl_timeline *t, struct tl_hit *h)
{
    tl_xgrow((void **)&t->offers, &t->off_cap, t->off_n + 1,
             sizeof(*t->offers));
    t->offers[t->off_n++] = h;
}

static void close_window(struct tl_timeline *t, struct window *w,
                         const char *why)
{
    struct corr *k = &t->corrs[w->ci];
    unlink_window(t, w);
    qsort(w->hits, w->n, sizeof(*w->hits), hit_cmp);
    size_t fi = 0;
    if (!evaluate(k, w, &fi)) {
        t->st.not_fired++;
        for (size_t i = 0; i < w->n; i++)
            release_hit(t, w->hits[i]);
        free(w->hits);
        free(w->key);
        free(w);
        return;
    }
    const struct tl_episode_verdict *vd = pick_verdict(k, w);
    /* The event at which it fired, for the correlations over this one;
     * its strings stay valid: they point into a hit that moves into the
     * episode. */
    struct tl_event fire_ev = w->hits[fi]->ev;
    struct tl_episode *ep = tl_xcalloc(1, sizeof(*ep));
    ep->rule = k->rule;
    ep->info = k->info;
    ep->closed_by = why;
    ep->hits_dropped = w->dropped;
    ep->hits = tl_xmalloc((w->weight ? w->weight : 1) * sizeof(*ep->hits));
    /* The events of the inner correlations' episodes become this
     * episode's events; the level is the highest of its events' and of
     * those episodes' levels. */
    enum tl_level lv = TL_LEVEL_INFORMATIONAL;
    for (size_t i = 0; i < w->n; i++) {
        struct tl_hit *h = w->hits[i];
        struct tl_episode *sub = h->sub;
        if (!sub) {
            if (h->info->level > lv)
                lv = h->info->level;
            ep->hits[ep->n_hits++] = h;
            continue;
        }
        if (sub->level > lv)
            lv = sub->level;
        for (size_t j = 0; j < sub->n_hits; j++)
            ep->hits[ep->n_hits++] = sub->hits[j];
        ep->hits_dropped += sub->hits_dropped;
        sub->n_hits = 0;
        h->sub = NULL;
        episode_free(sub);
        hit_free(h);
    }
    free(w->hits);
    free(w->key);
    free(w);
    qsort(ep->hits, ep->n_hits, sizeof(*ep->hits), hit_cmp);
    ep->start_us = ep->hits[0]->ev.time_us;
    ep->end_us = ep->hits[ep->n_hits - 1]->ev.time_us;
    ep->tz_known = ep->hits[0]->ev.tz_known;
    ep->tz_offset_min = ep->hits[0]->ev.tz_offset_min;
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
        if (!hits_value(ep->hits, ep->n_hits, keys.v[i], nb, sizeof(nb), &v))
            continue;
        ep->keys[ep->n_keys].name = keys.v[i];
        ep->keys[ep->n_keys].value.p = tl_xstrndup(v.p, v.n);
        ep->keys[ep->n_keys].value.n = v.n;
        ep->n_keys++;
    }
    if (!k->feeds) {
        emit_episode(t, ep);
        return;
    }
    /* Another correlation lists this one: the episode is offered to it
     * as one hit of this rule, at the time it fired (after the window
     * closing now: see advance()). */
    struct tl_hit *d = tl_xcalloc(1, sizeof(*d));
    d->rule = k->rule;
    d->info = k->info;
    d->ev = fire_ev;
    d->seq = ++t->seq;
    d->sub = ep;
    offer_push(t, d);
}

static void pending_drop(struct tl_timeline *t, struct tl_hit *h);
static void unpend(struct tl_timeline *t, struct tl_hit *h);

static void place(struct tl_timeline *t, struct tl_hit *h);

/* Offer the episodes of the correlations that fired to the ones over
 * them. Placing one can close windows (the max_open cap) and so add
 * offers: the loop reads t->offers afresh. */
static void process_offers(struct tl_timeline *t)
{
    for (size_t i = 0; i < t->off_n; i++)
        place(t, t->offers[i]);
    t->off_n = 0;
}

/* Close windows whose closing time has passed the watermark (`why` says
 * what moved it); expire pending hits whose link window has passed. */
static void advance(struct tl_timeline *t, int64_t watermark, const char *why)
{
    /* A window that closes may fire a correlation that another one
     * lists; its result is placed before the next window closes, so it
     * reaches an outer window that closes at the same watermark. */
    for (;;) {
        if (t->off_n > 0) {
            process_offers(t);
            continue;
        }
        if (t->heap_n == 0 || t->heap[0]->close_us >= watermark)
            break;
        close_window(t, t->heap[0],
                     t->heap[0]->close_us < t->max_us - t->o.reorder_us
                         ? "timespan"
                         : why);
    }
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

/* h joins a pending list / leaves one (pend_unref: true when no list
 * holds it any more). */
static void pend_ref(struct tl_timeline *t, struct tl_hit *h)
{
    t->n_pending++;
    if (h->pend_refs++ == 0)
        th_push(&t->pend_times, h->ev.time_us, &h->pend_heap_i);
}

static bool pend_unref(struct tl_timeline *t, struct tl_hit *h)
{
    t->n_pending--;
    if (--h->pend_refs > 0)
        return false;
    th_remove(&t->pend_times, h->pend_heap_i);
    return true;
}

/* Returns false when the episode was full: h was dropped, and released
 * (maybe freed) if `release`; else the caller releases it. */
static bool window_add(struct tl_timeline *t, struct window *w,
                       struct tl_hit *h, bool release)
{
    if (h->pend_refs > 0)
        unpend(t, h);
    size_t hw = h->sub ? h->sub->n_hits : 1;
    if (w->n > 0 && w->weight + hw > t->o.max_episode_hits) {
        w->dropped++;
        t->st.episode_hits_dropped++;
        if (release)
            release_hit(t, h);
        return false;
    }
    tl_xgrow((void **)&w->hits, &w->cap, w->n + 1, sizeof(*w->hits));
    w->hits[w->n++] = h;
    w->weight += hw;
    if (h->ev.time_us > w->last_us)
        w->last_us = h->ev.time_us;
    /* The result of an inner correlation brings its episode's events,
     * which may start before it fired. */
    int64_t hs = h->ev.time_us;
    if (h->sub && h->sub->start_us < hs)
        hs = h->sub->start_us;
    if (hs < w->start_us) {
        w->start_us = hs;
        th_earlier(&t->starts, w->start_i, hs);
    }
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
    return true;
}

/* Is r one of the rules whose key-less hits precede their story? */
static bool comes_before(const struct corr *k, const struct tl_rule *r)
{
    for (size_t i = 0; k->spec && i < k->spec->n_before; i++)
        if (k->spec->before_rules[i] == r)
            return true;
    return false;
}

/* The value of link field `name` (event field fid, or TL_F__COUNT) in
 * h, as tl_hit_value() gives it, but an integer event field as the
 * number (*num; returns 1) rather than its decimal text (returns 2, in
 * *out); 0 if h has none. */
static int link_value(const struct tl_hit *h, const char *name,
                      enum tl_field fid, char *buf, size_t bufsz,
                      uint64_t *num, struct tl_str *out)
{
    if (h->sub)
        return tl_hit_value(h, name, buf, bufsz, out) ? 2 : 0;
    for (size_t i = 0; i < h->n_fields; i++)
        if (h->fields[i].name[0] == name[0] &&
            strcmp(h->fields[i].name, name) == 0) {
            *out = h->fields[i].value;
            return 2;
        }
    if (fid == TL_F__COUNT)
        return extra_value(h, name, out) ? 2 : 0;
    if (tl_field_is_int(fid)) {
        if (!tl_event_has(&h->ev, fid))
            return 0;
        *num = h->ev.num[fid];
        return 1;
    }
    return tl_rules_event_value(&h->ev, fid, buf, bufsz, out) ? 2 : 0;
}

/* Do a and b have the same value of a link field? Compared as
 * tl_hit_value() renders them: a number as its decimal digits. */
static bool same_link_value(const struct tl_hit *a, const struct tl_hit *b,
                            const char *name, enum tl_field fid)
{
    char b1[32], b2[32];
    uint64_t n1 = 0, n2 = 0;
    struct tl_str x = TL_STR_NULL, y = TL_STR_NULL;
    int ka = link_value(a, name, fid, b1, sizeof(b1), &n1, &x);
    if (!ka)
        return false;
    int kb = link_value(b, name, fid, b2, sizeof(b2), &n2, &y);
    if (!kb)
        return false;
    if (ka == 1 && kb == 1)
        return n1 == n2;
    if (ka == 1) {
        x.n = tl_u64_dec(b1, n1);
        x.p = b1;
    }
    if (kb == 1) {
        y.n = tl_u64_dec(b2, n2);
        y.p = b2;
    }
    return x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
}

/* Do a and b agree on every field of one of the link sets? */
static bool linked(const struct corr *k, const struct tl_hit *a,
                   const struct tl_hit *b)
{
    for (size_t l = 0; l < k->spec->n_links; l++) {
        const struct tl_strlist *set = &k->spec->links[l];
        bool all = set->n > 0;
        for (size_t f = 0; f < set->n && all; f++)
            all = same_link_value(a, b, set->v[f], k->link_fid[l][f]);
        if (all)
            return true;
    }
    return false;
}

static int64_t absdiff(int64_t a, int64_t b)
{
    return a > b ? a - b : b - a;
}

/* The open window of k that the key-less hit h joins: the most recently
 * used one that holds a hit linked to h at most a link window away from
 * h in event time, and whose end h passes by at most a link window (the
 * last lines of a story, such as Gatekeeper's termination of the process
 * it rejected, may come after its window stopped taking keyed hits).
 * Only the linked hit's own time counts: an old hit that shares a reused
 * thread id with h does not make h part of its story because the story
 * had a recent hit of another kind. NULL if there is none. */
static struct window *linked_window(const struct corr *k,
                                    const struct tl_hit *h)
{
    for (struct window *w = k->recent; w; w = w->next) {
        if (w->last_us + k->link_us < h->ev.time_us)
            break;
        if (h->ev.time_us > w->close_us)
            continue;
        for (size_t i = w->n; i-- > 0;)
            if (absdiff(w->hits[i]->ev.time_us, h->ev.time_us) <=
                    k->link_us &&
                linked(k, w->hits[i], h))
                return w;
    }
    return NULL;
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
            (void)pend_unref(t, tmp[i]);
            (void)window_add(t, w, tmp[i], true);
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
                (void)pend_unref(t, h);
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
    if (pend_unref(t, h))
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
        /* The open story it is linked to; not for the rules that come
         * before their story. */
        struct window *w = comes_before(k, h->rule) ? NULL
                                                    : linked_window(k, h);
        if (w) {
            (void)window_add(t, w, h, true);
            return TAKE_WINDOW;
        }
        /* The result of an inner correlation arrives when its window
         * closes, later than a link window after the time it fired: it
         * does not wait. */
        if (h->sub)
            return TAKE_NO;
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
        pend_ref(t, h);
        return TAKE_PENDING;
    }
    const char *ks = key.p ? key.p : "";
    uint32_t b = hash_key(ci, ks) % NBUCKETS;
    struct window *w;
    /* The window of this key that h falls in. One whose deadline h
     * passes takes no more keyed hits (a new window opens); it stays
     * open for linked hits until its close time. */
    for (w = t->buckets[b]; w; w = w->hnext)
        if (w->ci == ci && strcmp(w->key, ks) == 0 &&
            h->ev.time_us <= w->deadline_us)
            break;
    if (!w) {
        if (t->n_open >= t->o.max_open && t->heap_n > 0) {
            t->st.evicted_open++;
            close_window(t, t->heap[0], "cap");
        }
        w = tl_xcalloc(1, sizeof(*w));
        w->ci = ci;
        w->key = tl_xstrdup(ks);
        w->start_us = w->last_us = h->ev.time_us;
        w->deadline_us = sat_add(h->ev.time_us, k->span_us);
        w->close_us = sat_add(sat_add(w->deadline_us, k->link_us),
                              k->hold_us);
        w->depth = k->depth;
        w->open = true;
        w->hnext = t->buckets[b];
        t->buckets[b] = w;
        w->next = k->recent;
        if (k->recent)
            k->recent->prev = w;
        k->recent = w;
        wpush(t, w);
        th_push(&t->starts, w->start_us, &w->start_i);
        t->n_open++;
    }
    tl_buf_free(&key);
    /* A hit the full episode dropped is released only after the pending
     * hits it links have been pulled: releasing may free it (live mode,
     * suppressed rules), and pull_pending() reads it. */
    bool kept = window_add(t, w, h, false);
    pull_pending(t, k, w, h);
    if (!kept)
        release_hit(t, h);
    return TAKE_WINDOW;
}

/* Correlations over correlations (the loader rejects loops). An inner
 * correlation's result reaches a window over it when the inner window
 * closes: at most lag = timespan + 2 link windows + its own hold after
 * the time it fired. So a window waits `hold` = the longest lag of the
 * correlations it lists before it closes. Computed by relaxing over the
 * edges, at most once per correlation in the longest chain. (How early
 * an episode may start needs no bound: drain() follows the start of
 * every open window.) */
static void chain_setup(struct tl_timeline *t)
{
    size_t nc = t->n_corrs;
    size_t *corr_of = tl_xmalloc((t->n_rules ? t->n_rules : 1) *
                                 sizeof(*corr_of));
    int64_t *lag = tl_xcalloc(nc ? nc : 1, sizeof(*lag));
    for (size_t i = 0; i < t->n_rules; i++)
        corr_of[i] = SIZE_MAX;
    for (size_t c = 0; c < nc; c++) {
        struct corr *k = &t->corrs[c];
        size_t ri = k->info->index;
        if (ri < t->n_rules)
            corr_of[ri] = c;
        lag[c] = sat_add(k->span_us, 2 * k->link_us);
    }
    bool changed = true;
    for (size_t pass = 0; changed && pass <= nc; pass++) {
        changed = false;
        for (size_t c = 0; c < nc; c++) {
            struct corr *k = &t->corrs[c];
            for (size_t r = 0; r < k->co->n_rules; r++) {
                const struct tl_rule *x = k->co->rules[r];
                size_t ri = x ? tl_rule_info(x)->index : SIZE_MAX;
                size_t d = ri < t->n_rules ? corr_of[ri] : SIZE_MAX;
                if (d == SIZE_MAX || d == c)
                    continue;
                t->corrs[d].feeds = true;
                int64_t base = sat_add(k->span_us, 2 * k->link_us);
                if (lag[d] > k->hold_us) {
                    k->hold_us = lag[d];
                    lag[c] = sat_add(base, k->hold_us);
                    changed = true;
                }
                if (t->corrs[d].depth + 1 > k->depth && pass < nc) {
                    k->depth = t->corrs[d].depth + 1;
                    changed = true;
                }
            }
        }
    }
    free(lag);
    free(corr_of);
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
        k->span_us = span_us(co->timespan_ms);
        k->link_us = k->spec ? span_us(k->spec->link_window_ms) : 0;
        size_t nl = k->spec ? k->spec->n_links : 0;
        k->link_fid = tl_xcalloc(nl ? nl : 1, sizeof(*k->link_fid));
        for (size_t l = 0; l < nl; l++) {
            const struct tl_strlist *set = &k->spec->links[l];
            k->link_fid[l] = tl_xcalloc(set->n ? set->n : 1,
                                        sizeof(**k->link_fid));
            for (size_t f = 0; f < set->n; f++)
                k->link_fid[l][f] = tl_field_lookup(set->v[f],
                                                    strlen(set->v[f]));
        }
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
    /* generate: a rule's hits are shown on their own unless a
     * correlation that lists it says generate: false (as pySigma: any
     * one such reference turns its own results off). */
    t->alone = tl_xmalloc((t->n_rules ? t->n_rules : 1) * sizeof(*t->alone));
    for (size_t i = 0; i < t->n_rules; i++)
        t->alone[i] = true;
    for (size_t c = 0; c < t->n_corrs; c++) {
        const struct tl_correlation *co = t->corrs[c].co;
        for (size_t r = 0; r < co->n_rules; r++) {
            size_t ri = co->rules[r] ? tl_rule_info(co->rules[r])->index
                                     : SIZE_MAX;
            if (ri < t->n_rules && !co->generate)
                t->alone[ri] = false;
        }
    }
    chain_setup(t);
    t->last_wall_ms = tl_now_ms();
    return t;
}

/* Correlations in load order: the first that puts h in a window claims
 * it; a key-less h may wait in several pending lists (takes h). */
static void place(struct tl_timeline *t, struct tl_hit *h)
{
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

    if (t->o.live) {
        /* at once, unless only an episode may show it (generate) */
        if (h->info->index >= t->n_rules || t->alone[h->info->index])
            t->sink.hit(t->sink.ctx, h);
    } else if (t->emitted_any && tu < t->emitted_us) {
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

    place(t, h);
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
    if (t->st.suppressed && !t->said_suppressed) {
        t->said_suppressed = true;
        tl_diag(TL_DIAG_NOTE, NULL, 0, 0,
                "%llu matched event%s joined no episode and %s not shown: "
                "a correlation rule that lists %s rule has 'generate: "
                "false' (see trustline-rules(5), generate)",
                (unsigned long long)t->st.suppressed,
                t->st.suppressed == 1 ? "" : "s",
                t->st.suppressed == 1 ? "is" : "are",
                t->st.suppressed == 1 ? "its" : "their");
    }
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
        for (size_t l = 0; k->spec && l < k->spec->n_links; l++)
            free(k->link_fid[l]);
        free(k->link_fid);
    }
    while (t->out_n > 0) {
        struct item it = opop(t);
        hit_free(it.hit);
        episode_free(it.ep);
    }
    for (size_t i = 0; i < t->off_n; i++)
        hit_free(t->offers[i]);
    free(t->offers);
    free(t->alone);
    for (size_t i = 0; i < t->n_rules; i++)
        free(t->by_rule[i]);
    free(t->by_rule);
    free(t->n_by_rule);
    free(t->corrs);
    free(t->heap);
    free(t->starts.v);
    free(t->pend_times.v);
    free(t->out);
    free(t);
}
