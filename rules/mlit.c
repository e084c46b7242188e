/*
 * mlit.c - multi-literal prefilter search: Wu-Manber over folded q-grams
 * with "rarest window" selection and four interleaved scan chains, and
 * up to eight short literals apart, 16 start positions at a time.
 * The design and its measurements are in mlit.h.
 */
#include "mlit.h"

#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

/* Longest window. Shifts are stored in uint8_t, so this must stay < 256;
 * past 16 the gain is small and the tables fill up faster. */
#define WMAX 16
/* Window-end positions per chain below which fewer chains are used. */
#define CHAIN_MIN 24
/* Distinct ids that tl_mlit_each() tracks on the stack (bits). */
#define SEEN_STACK_BITS 4096
/* Short literals: up to SHORT_MAX literals of 2..SHORT_LEN-1 bytes are
 * searched 16 positions at a time with the vector extension of gcc and
 * clang (SSE2 on x86-64, NEON on arm64), outside the Wu-Manber groups,
 * whose window they would shorten. Other compilers (and TL_NO_VEC16,
 * which the tests use to cover that path) keep them in the groups. */
#define SHORT_MAX 8
#define SHORT_LEN 8
/* Probe bytes per short literal (PROBE() in scan_short_k() is written
 * for three). */
#define NPROBE 3
#if (defined(__GNUC__) || defined(__clang__)) && !defined(TL_NO_VEC16)
#define HAVE_VEC 1
typedef unsigned char v16 __attribute__((vector_size(16)));
#else
#define HAVE_VEC 0
#endif

/* The scan loops are written once and specialised per q-gram kind by
 * inlining them into scan_q2() / scan_q4() with a constant kind; the
 * rare-path verify() stays out of line to keep the loops small. */
#if defined(__GNUC__) || defined(__clang__)
#define HOT_INLINE inline __attribute__((always_inline))
#define COLD_CALL __attribute__((noinline))
#else
#define HOT_INLINE inline
#define COLD_CALL
#endif

#define FOLD16 0x2020u
#define FOLD32 0x20202020u
#define FOLD64 0x2020202020202020ull

enum qkind { Q2, Q4 };

/* A builder entry: a folded copy of one added literal. */
struct blit {
    unsigned char *f;
    size_t n;
    uint32_t id;
};

struct tl_mlit_builder {
    struct blit *v;
    size_t len, cap;
};

/* A distinct folded literal and the dense ids it reports. */
struct ulit {
    const unsigned char *f; /* folded bytes, in tl_mlit.arena */
    size_t n;
    uint32_t id0, nid; /* range in tl_mlit.lid */
};

/* A literal of a Wu-Manber group, with the offset of its window. */
struct wlit {
    uint32_t lit, off;
};

/* A window key: the folded last min(W, 8) bytes of a window. */
struct fpe {
    uint64_t key;
    uint32_t first, cnt; /* range in grp.wl; cnt == 0: empty slot */
};

struct grp {
    enum qkind kind;
    unsigned W;       /* window length, 2..WMAX */
    unsigned hshift;  /* Q4: 32 - table bits */
    size_t minlen;    /* shortest literal of the group */
    uint8_t *shift;   /* Q2: 65536 entries; Q4: 1 << (32 - hshift) */
    uint64_t fmask;   /* keeps the last min(W, 8) bytes of a 64-bit load */
    struct fpe *fp;   /* open addressing, fpmask + 1 slots */
    size_t fpmask;
    unsigned fpshift; /* 64 - log2(slots) */
    struct wlit *wl;  /* grouped by key */
    /* W >= 4: bit h4(last 4 bytes of a window) is set for every window,
     * an inline test before verify() (which most candidates fail) */
    uint64_t *bits4;
};

/* The short literals: NPROBE probe bytes each (offset in the literal,
 * folded value, and 0x20 to OR into the text byte when the value is a
 * letter), compared at 16 consecutive start positions per step. */
struct sgrp {
    size_t k;
    uint32_t lit[SHORT_MAX]; /* ulit indices */
    size_t minlen;
    size_t reach;            /* bytes a step reads: 16 + largest offset */
    unsigned char off[SHORT_MAX][NPROBE], val[SHORT_MAX][NPROBE],
        orm[SHORT_MAX][NPROBE];
    /* val and orm, each byte repeated 16 times (loaded, not built, per
     * search: most searches are of one record, a few hundred bytes) */
    unsigned char valv[SHORT_MAX][NPROBE][16], ormv[SHORT_MAX][NPROBE][16];
};

struct tl_mlit {
    size_t count, min_len;
    struct ulit *u;
    size_t nu;
    uint32_t *lid;  /* dense id indices, per ulit range */
    uint32_t *ids;  /* dense index -> caller id */
    size_t nids;
    unsigned char *arena;
    long empty;     /* ulit index of the empty literal, or -1 */
    int32_t *bytes; /* [256]: ulit index of a length-1 literal, or -1 */
    uint32_t one[4]; /* up to 4 length-1 literals, found with memchr */
    int none;        /* how many of one[] are used; -1: use bytes[] */
    struct grp g[2];
    int ng;
    struct sgrp s; /* s.k == 0: none */
};

/* ---- builder ------------------------------------------------------ */

struct tl_mlit_builder *tl_mlit_builder_new(void)
{
    return tl_xcalloc(1, sizeof(struct tl_mlit_builder));
}

void tl_mlit_add(struct tl_mlit_builder *b, const char *lit, size_t n,
                 uint32_t id)
{
    tl_xgrow((void **)&b->v, &b->cap, b->len + 1, sizeof *b->v);
    struct blit *e = &b->v[b->len++];
    e->f = tl_xmalloc(n);
    for (size_t i = 0; i < n; i++)
        e->f[i] = tl_fold[(unsigned char)lit[i]];
    e->n = n;
    e->id = id;
}

void tl_mlit_builder_free(struct tl_mlit_builder *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->len; i++)
        free(b->v[i].f);
    free(b->v);
    free(b);
}

/* ---- helpers ------------------------------------------------------ */

static uint64_t mask_last(unsigned k)
{
    unsigned char b[8];
    for (unsigned i = 0; i < 8; i++)
        b[i] = i >= 8 - k ? 0xff : 0;
    uint64_t m;
    memcpy(&m, b, 8);
    return m;
}

static inline size_t q4_index(const unsigned char *end, unsigned hshift)
{
    uint32_t v;
    memcpy(&v, end - 3, 4);
    return (uint32_t)((v | FOLD32) * 0x9E3779B1u) >> hshift;
}

#define BITS4_LOG 16
static inline size_t h4_index(const unsigned char *end)
{
    uint32_t v;
    memcpy(&v, end - 3, 4);
    return (uint32_t)((v | FOLD32) * 0x9E3779B1u) >> (32 - BITS4_LOG);
}

static inline bool bits4_maybe(const struct grp *g, const unsigned char *end)
{
    if (!g->bits4)
        return true;
    size_t h = h4_index(end);
    return (g->bits4[h >> 6] >> (h & 63)) & 1;
}

static inline size_t q2_index(const unsigned char *end)
{
    uint16_t v;
    memcpy(&v, end - 1, 2);
    return (uint16_t)(v | FOLD16);
}

static inline size_t fp_slot(uint64_t key, unsigned fpshift)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> fpshift);
}

/*
 * How rare a folded byte is in log text, in rough bits (higher is rarer).
 * A heuristic for choosing each literal's window, not a measurement of
 * any one corpus: space; frequent letters and 0; other frequent letters,
 * 1, 2 and the separators . :; ... ; rare letters and rare punctuation.
 */
static unsigned rarity(unsigned char c)
{
    static const char *const tiers[] = {
        " ", "etaoinsr0", "lcdpmuh12.:", "fgbywv3456789/-,x",
        "k_()[]=<>'\"", "jqz{}#@;+*",
    };
    if (c == 0)
        return 14;
    for (unsigned t = 0; t < TL_ARRAY_LEN(tiers); t++)
        if (strchr(tiers[t], c))
            return 3 + t;
    return c >= 0x80 || c < 0x20 ? 14 : 10;
}

/*
 * Estimated cost per text byte of a group of k literals with window W,
 * in thousandths of one table step: a fixed part, the steps (at best one
 * per W - 1 bytes) and the candidates, whose share of the steps grows
 * with k (about k/600 of the steps of 2-byte tables on log text) and which
 * cost about ten steps each.
 */
static unsigned group_cost(size_t W, size_t k)
{
    if (W > WMAX)
        W = WMAX;
    size_t steps = 1000 / (W - 1);
    size_t cand = k < 600 ? k : 600;
    return (unsigned)(50 + steps + steps * cand * 10 / 600);
}

static int cmp_blit(const void *a, const void *b)
{
    const struct blit *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n ? memcmp(x->f, y->f, n) : 0;
    if (c)
        return c;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

struct keyed {
    uint64_t key;
    struct wlit wl;
};

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->wl.lit < y->wl.lit ? -1 : x->wl.lit > y->wl.lit;
}

/* The offset of the rarest W-byte window of f[0..n). */
static size_t best_window(const unsigned char *f, size_t n, size_t W)
{
    unsigned sum = 0, best;
    size_t off = 0;
    for (size_t i = 0; i < W; i++)
        sum += rarity(f[i]);
    best = sum;
    for (size_t o = 1; o + W <= n; o++) {
        sum += rarity(f[o + W - 1]);
        sum -= rarity(f[o - 1]);
        if (sum > best) {
            best = sum;
            off = o;
        }
    }
    return off;
}

/* Build group g over the ulits listed in idx[0..k), all of length >= 2. */
static void build_group(struct grp *g, const struct tl_mlit *m,
                        const uint32_t *idx, size_t k)
{
    size_t minlen = SIZE_MAX;
    for (size_t i = 0; i < k; i++)
        if (m->u[idx[i]].n < minlen)
            minlen = m->u[idx[i]].n;
    g->minlen = minlen;
    g->W = (unsigned)(minlen < WMAX ? minlen : WMAX);
    unsigned W = g->W;
    g->kind = W >= 10 || (W >= 8 && k >= 32) ? Q4 : Q2;
    g->fmask = mask_last(W < 8 ? W : 8);

    size_t tsize;
    unsigned maxshift;
    if (g->kind == Q2) {
        tsize = 65536;
        maxshift = W - 1;
        g->hshift = 0;
    } else {
        size_t grams = k * (W - 3) * 16;
        unsigned bits = 12;
        while (bits < 17 && ((size_t)1 << bits) < grams)
            bits++;
        tsize = (size_t)1 << bits;
        g->hshift = 32 - bits;
        maxshift = W - 3;
    }
    g->shift = tl_xmalloc(tsize);
    memset(g->shift, (int)maxshift, tsize);

    struct keyed *kv = tl_xmalloc(k * sizeof *kv);
    for (size_t i = 0; i < k; i++) {
        const struct ulit *u = &m->u[idx[i]];
        size_t off = best_window(u->f, u->n, W);
        const unsigned char *w = u->f + off;
        /* Every q-gram that ends inside the window, at window position j,
         * allows a shift of at most W - 1 - j. Q-grams that would start
         * before the window are not entered: the default shift,
         * W - q + 1, already stops short of them. */
        for (unsigned j = g->kind == Q2 ? 1 : 3; j < W; j++) {
            unsigned char tmp[4] = {0, 0, 0, 0};
            for (unsigned q = 0; q < 4 && q <= j; q++)
                tmp[3 - q] = w[j - q];
            size_t h = g->kind == Q2 ? q2_index(tmp + 3)
                                     : q4_index(tmp + 3, g->hshift);
            unsigned s = W - 1 - j;
            if (s < g->shift[h])
                g->shift[h] = (uint8_t)s;
        }
        if (W >= 4) {
            if (!g->bits4)
                g->bits4 = tl_xcalloc(((size_t)1 << BITS4_LOG) / 64,
                                      sizeof *g->bits4);
            size_t h = h4_index(w + W - 1);
            g->bits4[h >> 6] |= (uint64_t)1 << (h & 63);
        }
        unsigned char tail[8] = {0};
        unsigned tl = W < 8 ? W : 8;
        memcpy(tail + 8 - tl, w + W - tl, tl);
        uint64_t v;
        memcpy(&v, tail, 8);
        kv[i].key = (v | FOLD64) & g->fmask;
        kv[i].wl.lit = idx[i];
        kv[i].wl.off = (uint32_t)off;
    }
    qsort(kv, k, sizeof *kv, cmp_keyed);

    unsigned bits = 4;
    while (((size_t)1 << bits) < 2 * k)
        bits++;
    g->fpmask = ((size_t)1 << bits) - 1;
    g->fpshift = 64 - bits;
    g->fp = tl_xcalloc(g->fpmask + 1, sizeof *g->fp);
    g->wl = tl_xmalloc(k * sizeof *g->wl);
    for (size_t a = 0, b; a < k; a = b) {
        for (b = a; b < k && kv[b].key == kv[a].key; b++)
            g->wl[b] = kv[b].wl;
        size_t h = fp_slot(kv[a].key, g->fpshift);
        while (g->fp[h].cnt)
            h = (h + 1) & g->fpmask;
        g->fp[h].key = kv[a].key;
        g->fp[h].first = (uint32_t)a;
        g->fp[h].cnt = (uint32_t)(b - a);
    }
    free(kv);
}

struct by_len {
    size_t n;
    uint32_t lit;
};

static int cmp_by_len(const void *a, const void *b)
{
    const struct by_len *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->lit < y->lit ? -1 : x->lit > y->lit;
}

/* Sort ulit indices by literal length. */
static void sort_by_len(uint32_t *idx, size_t k, const struct tl_mlit *m)
{
    struct by_len *v = tl_xmalloc(k * sizeof *v);
    for (size_t i = 0; i < k; i++) {
        v[i].n = m->u[idx[i]].n;
        v[i].lit = idx[i];
    }
    qsort(v, k, sizeof *v, cmp_by_len);
    for (size_t i = 0; i < k; i++)
        idx[i] = v[i].lit;
    free(v);
}

/* The short group over the ulits idx[0..k), k <= SHORT_MAX, each of
 * 2..SHORT_LEN-1 bytes. Each literal is probed at NPROBE bytes: its
 * rarest, then each time the rarest of the others, ties going to the
 * byte farthest from those chosen (bytes apart are less often found
 * together by chance). A 2-byte literal probes one of its bytes twice. */
static void build_short(struct sgrp *s, const struct tl_mlit *m,
                        const uint32_t *idx, size_t k)
{
    s->k = k;
    s->minlen = SIZE_MAX;
    size_t maxoff = 0;
    for (size_t j = 0; j < k; j++) {
        const struct ulit *u = &m->u[idx[j]];
        s->lit[j] = idx[j];
        if (u->n < s->minlen)
            s->minlen = u->n;
        size_t pr[NPROBE];
        for (int q = 0; q < NPROBE; q++) {
            size_t best = SIZE_MAX, bestd = 0;
            for (size_t i = 0; i < u->n; i++) {
                size_t d = SIZE_MAX; /* distance to the nearest probe */
                for (int r = 0; r < q; r++) {
                    size_t e = i > pr[r] ? i - pr[r] : pr[r] - i;
                    if (e < d)
                        d = e;
                }
                if (d == 0)
                    continue;
                if (best == SIZE_MAX || rarity(u->f[i]) > rarity(u->f[best]) ||
                    (rarity(u->f[i]) == rarity(u->f[best]) && d > bestd)) {
                    best = i;
                    bestd = d;
                }
            }
            pr[q] = best == SIZE_MAX ? pr[0] : best;
        }
        for (int q = 0; q < NPROBE; q++) {
            unsigned char c = u->f[pr[q]];
            s->off[j][q] = (unsigned char)pr[q];
            s->val[j][q] = c;
            s->orm[j][q] = c >= 'a' && c <= 'z' ? 0x20 : 0;
            memset(s->valv[j][q], s->val[j][q], 16);
            memset(s->ormv[j][q], s->orm[j][q], 16);
            if (pr[q] > maxoff)
                maxoff = pr[q];
        }
    }
    s->reach = 16 + maxoff;
}

struct tl_mlit *tl_mlit_build(struct tl_mlit_builder *b)
{
    struct tl_mlit *m = tl_xcalloc(1, sizeof *m);
    m->empty = -1;
    if (!b || b->len == 0) {
        tl_mlit_builder_free(b);
        return m;
    }
    size_t nb = b->len;
    m->count = nb;
    qsort(b->v, nb, sizeof *b->v, cmp_blit);

    /* Dense ids: the sorted distinct caller ids. */
    uint32_t *all = tl_xmalloc(nb * sizeof *all);
    for (size_t i = 0; i < nb; i++)
        all[i] = b->v[i].id;
    qsort(all, nb, sizeof *all, cmp_u32);
    size_t nids = 0;
    for (size_t i = 0; i < nb; i++)
        if (nids == 0 || all[nids - 1] != all[i])
            all[nids++] = all[i];
    m->ids = all;
    m->nids = nids;

    /* Distinct literals; their bytes go to one arena. */
    size_t bytes = 0;
    m->min_len = SIZE_MAX;
    for (size_t i = 0; i < nb; i++) {
        bytes += b->v[i].n;
        if (b->v[i].n < m->min_len)
            m->min_len = b->v[i].n;
    }
    m->arena = tl_xmalloc(bytes);
    m->u = tl_xmalloc(nb * sizeof *m->u);
    m->lid = tl_xmalloc(nb * sizeof *m->lid);
    size_t ap = 0, nl = 0;
    for (size_t a = 0, e; a < nb; a = e) {
        for (e = a + 1; e < nb && b->v[e].n == b->v[a].n &&
                        (b->v[a].n == 0 ||
                         memcmp(b->v[e].f, b->v[a].f, b->v[a].n) == 0);
             e++)
            ;
        struct ulit *u = &m->u[m->nu++];
        if (b->v[a].n)
            memcpy(m->arena + ap, b->v[a].f, b->v[a].n);
        u->f = m->arena + ap;
        u->n = b->v[a].n;
        ap += u->n;
        u->id0 = (uint32_t)nl;
        /* Entries of a run are sorted by id: skip repeats. */
        for (size_t j = a; j < e; j++) {
            if (j > a && b->v[j].id == b->v[j - 1].id)
                continue;
            const uint32_t *d = bsearch(&b->v[j].id, m->ids, nids,
                                        sizeof *m->ids, cmp_u32);
            m->lid[nl++] = (uint32_t)(d - m->ids);
        }
        u->nid = (uint32_t)(nl - u->id0);
    }
    tl_mlit_builder_free(b);

    /* Empty and length-1 literals are special; the rest are sorted by
     * length and split into one or two Wu-Manber groups. */
    uint32_t *idx0 = tl_xmalloc(m->nu * sizeof *idx0), *idx = idx0;
    size_t k = 0;
    for (size_t i = 0; i < m->nu; i++) {
        if (m->u[i].n == 0) {
            m->empty = (long)i;
        } else if (m->u[i].n == 1) {
            if (!m->bytes) {
                m->bytes = tl_xmalloc(256 * sizeof *m->bytes);
                for (int c = 0; c < 256; c++)
                    m->bytes[c] = -1;
            }
            for (int c = 0; c < 256; c++)
                if (tl_fold[c] == m->u[i].f[0])
                    m->bytes[c] = (int32_t)i;
        } else {
            idx[k++] = (uint32_t)i;
        }
    }
    if (m->bytes) {
        for (size_t i = 0; i < m->nu && m->none >= 0; i++) {
            if (m->u[i].n != 1)
                continue;
            if (m->none == (int)TL_ARRAY_LEN(m->one))
                m->none = -1;
            else
                m->one[m->none++] = (uint32_t)i;
        }
    }
    if (k) {
        sort_by_len(idx, k, m);
        size_t ns = 0;
        while (ns < k && m->u[idx[ns]].n < SHORT_LEN)
            ns++;
        if (HAVE_VEC && ns > 0 && ns <= SHORT_MAX) {
            build_short(&m->s, m, idx, ns);
            idx += ns;
            k -= ns;
        }
    }
    if (k) {
        size_t best_split = 0;
        unsigned best = group_cost(m->u[idx[0]].n, k);
        for (size_t s = 1; s < k; s++) {
            size_t n2 = m->u[idx[s]].n;
            if (n2 == m->u[idx[s - 1]].n)
                continue;
            if (m->u[idx[s - 1]].n >= WMAX)
                break;
            unsigned c = group_cost(m->u[idx[0]].n, s) +
                         group_cost(n2, k - s);
            if (c < best) {
                best = c;
                best_split = s;
            }
        }
        if (best_split) {
            build_group(&m->g[0], m, idx, best_split);
            build_group(&m->g[1], m, idx + best_split, k - best_split);
            m->ng = 2;
        } else {
            build_group(&m->g[0], m, idx, k);
            m->ng = 1;
        }
    }
    free(idx0);
    return m;
}

void tl_mlit_free(struct tl_mlit *m)
{
    if (!m)
        return;
    for (int i = 0; i < m->ng; i++) {
        free(m->g[i].shift);
        free(m->g[i].fp);
        free(m->g[i].wl);
        free(m->g[i].bits4);
    }
    free(m->bytes);
    free(m->arena);
    free(m->u);
    free(m->lid);
    free(m->ids);
    free(m);
}

size_t tl_mlit_count(const struct tl_mlit *m)
{
    return m ? m->count : 0;
}

size_t tl_mlit_min_len(const struct tl_mlit *m)
{
    return m && m->count ? m->min_len : 0;
}

/* ---- search ------------------------------------------------------- */

struct scan {
    const struct tl_mlit *m;
    const unsigned char *t;
    size_t n;
    bool (*cb)(void *ctx, uint32_t id); /* NULL: tl_mlit_any */
    /* tl_mlit_scan_all: every occurrence (then cb is NULL) */
    bool (*pos)(void *ctx, size_t start, size_t end);
    void *ctx;
    uint64_t *seen; /* dense ids already reported */
};

/* Literal k occurs. Returns true when the search should stop. */
static bool report(struct scan *sc, uint32_t k)
{
    if (!sc->cb)
        return true;
    const struct ulit *u = &sc->m->u[k];
    for (uint32_t j = 0; j < u->nid; j++) {
        uint32_t d = sc->m->lid[u->id0 + j];
        uint64_t bit = (uint64_t)1 << (d & 63);
        if (sc->seen[d >> 6] & bit)
            continue;
        sc->seen[d >> 6] |= bit;
        if (!sc->cb(sc->ctx, sc->m->ids[d]))
            return true;
    }
    return false;
}

static bool fold_eq(const unsigned char *t, const unsigned char *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tl_fold[t[i]] != f[i])
            return false;
    return true;
}

/* Literal k compared at text position st: when it is there, list the
 * occurrence (tl_mlit_scan_all) or report its ids. Returns true to stop
 * the search. */
static bool lit_at(struct scan *sc, uint32_t k, size_t st)
{
    const struct ulit *u = &sc->m->u[k];
    if (u->n > sc->n - st || !fold_eq(sc->t + st, u->f, u->n))
        return false;
    if (sc->pos)
        return !sc->pos(sc->ctx, st, st + u->n);
    return report(sc, k);
}

/* A window of group g may end at text position i: look its key up and
 * compare the literals that have it. Returns true to stop the search. */
static COLD_CALL bool verify(struct scan *sc, const struct grp *g, size_t i)
{
    const unsigned char *t = sc->t;
    uint64_t v;
    if (i >= 7) {
        memcpy(&v, t + i - 7, 8);
    } else {
        unsigned char tmp[8] = {0};
        memcpy(tmp + 7 - i, t, i + 1);
        memcpy(&v, tmp, 8);
    }
    v = (v | FOLD64) & g->fmask;
    const struct fpe *e;
    for (size_t h = fp_slot(v, g->fpshift);; h = (h + 1) & g->fpmask) {
        e = &g->fp[h];
        if (e->cnt == 0)
            return false;
        if (e->key == v)
            break;
    }
    size_t ws = i + 1 - g->W; /* window start */
    for (uint32_t j = 0; j < e->cnt; j++) {
        const struct wlit *w = &g->wl[e->first + j];
        if (w->off > ws)
            continue;
        if (lit_at(sc, w->lit, ws - w->off))
            return true;
    }
    return false;
}

static HOT_INLINE unsigned shift_at(const struct grp *g, const unsigned char *p,
                                enum qkind kind)
{
    if (kind == Q2)
        return g->shift[q2_index(p)];
    return g->shift[q4_index(p, g->hshift)];
}

/* One chain over window ends [i, e). Returns true to stop. */
static HOT_INLINE bool chain1(struct scan *sc, const struct grp *g, size_t i,
                          size_t e, enum qkind kind)
{
    const unsigned char *t = sc->t;
    while (i < e) {
        unsigned s = shift_at(g, t + i, kind);
        if (TL_UNLIKELY(s == 0)) {
            if (bits4_maybe(g, t + i) && verify(sc, g, i))
                return true;
            s = 1;
        }
        i += s;
    }
    return false;
}

#define STEP(i)                                                               \
    do {                                                                      \
        unsigned s_ = shift_at(g, t + (i), kind);                             \
        if (TL_UNLIKELY(s_ == 0)) {                                           \
            if (bits4_maybe(g, t + (i)) && verify(sc, g, (i)))                \
                return true;                                                  \
            s_ = 1;                                                           \
        }                                                                     \
        (i) += s_;                                                            \
    } while (0)

/* Two chains in lock step, then whichever is left. */
static HOT_INLINE bool chain2(struct scan *sc, const struct grp *g, size_t i0,
                          size_t e0, size_t i1, size_t e1, enum qkind kind)
{
    const unsigned char *t = sc->t;
    while (i0 < e0 && i1 < e1) {
        STEP(i0);
        STEP(i1);
    }
    return chain1(sc, g, i0, e0, kind) || chain1(sc, g, i1, e1, kind);
}

/* Scan all window ends of group g with 1, 2 or 4 chains. The chains'
 * latencies (load, table lookup, add) overlap; each chain covers its own
 * range of window ends, so none can skip another's match. */
static HOT_INLINE bool scan_group(struct scan *sc, const struct grp *g,
                              enum qkind kind)
{
    size_t n = sc->n;
    if (n < g->minlen)
        return false;
    size_t a = g->W - 1, span = n - a;
    if (span < 2 * CHAIN_MIN)
        return chain1(sc, g, a, n, kind);
    if (span < 4 * CHAIN_MIN)
        return chain2(sc, g, a, a + span / 2, a + span / 2, n, kind);
    const unsigned char *t = sc->t;
    size_t q = span / 4;
    size_t e0 = a + q, e1 = e0 + q, e2 = e1 + q;
    size_t i0 = a, i1 = e0, i2 = e1, i3 = e2;
    while (i0 < e0 && i1 < e1 && i2 < e2 && i3 < n) {
        STEP(i0);
        STEP(i1);
        STEP(i2);
        STEP(i3);
    }
    return chain2(sc, g, i0, e0, i1, e1, kind) ||
           chain2(sc, g, i2, e2, i3, n, kind);
}

#undef STEP

static bool scan_q2(struct scan *sc, const struct grp *g)
{
    return scan_group(sc, g, Q2);
}

static bool scan_q4(struct scan *sc, const struct grp *g)
{
    return scan_group(sc, g, Q4);
}

/* Length-1 literals: one occurrence is enough, so a few of them are
 * found with memchr (once per case); more with a byte table. */
static bool scan_bytes(struct scan *sc)
{
    const struct tl_mlit *m = sc->m;
    if (sc->n == 0)
        return false;
    if (m->none >= 0) {
        for (int j = 0; j < m->none; j++) {
            unsigned char c = m->u[m->one[j]].f[0];
            bool hit = memchr(sc->t, c, sc->n) != NULL;
            if (!hit && c >= 'a' && c <= 'z')
                hit = memchr(sc->t, c - 'a' + 'A', sc->n) != NULL;
            if (hit && report(sc, m->one[j]))
                return true;
        }
        return false;
    }
    const int32_t *tab = m->bytes;
    for (size_t i = 0; i < sc->n; i++) {
        int32_t k = tab[sc->t[i]];
        if (TL_UNLIKELY(k >= 0) && report(sc, (uint32_t)k))
            return true;
    }
    return false;
}

#if HAVE_VEC
/* A short literal of the group that starts at text position st. */
static bool short_at(struct scan *sc, const struct sgrp *s, size_t st)
{
    for (size_t j = 0; j < s->k; j++)
        if (lit_at(sc, s->lit[j], st))
            return true;
    return false;
}

static inline v16 vload(const unsigned char *p)
{
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The positions of a step whose probe bytes all fit some literal. */
static COLD_CALL bool short_verify(struct scan *sc, const struct sgrp *s,
                                   size_t i, v16 cand, size_t cnt)
{
    unsigned char c[16];
    memcpy(c, &cand, sizeof c);
    for (size_t b = 0; b < cnt; b++)
        if (c[b] && short_at(sc, s, i + b))
            return true;
    return false;
}

/* Short literals: each step tests the start positions i..i+15 at once;
 * a position is a candidate when the probe bytes of some literal are all
 * there (case folded), and candidates are compared in full. The last
 * steps, which would read past the text, read a zero-padded copy of its
 * end instead (a candidate is still compared with the text itself, so
 * the padding cannot match). K is the number of literals, a constant
 * where the loop is specialised (1..4: the probes stay in registers),
 * else 0 (s->k). */
static HOT_INLINE bool scan_short_k(struct scan *sc, const struct sgrp *s,
                                    size_t K)
{
    size_t k = K ? K : s->k;
    size_t n = sc->n;
    if (n < s->minlen)
        return false;
    size_t starts = n - s->minlen + 1; /* start positions to test */
    v16 val[SHORT_MAX][NPROBE], orm[SHORT_MAX][NPROBE];
    size_t off[SHORT_MAX][NPROBE];
    for (size_t j = 0; j < k; j++)
        for (int q = 0; q < NPROBE; q++) {
            val[j][q] = vload(s->valv[j][q]);
            orm[j][q] = vload(s->ormv[j][q]);
            off[j][q] = s->off[j][q];
        }
#define PROBE(p, j)                                                           \
    (v16)(((vload((p) + off[j][0]) | orm[j][0]) == val[j][0]) &               \
          ((vload((p) + off[j][1]) | orm[j][1]) == val[j][1]) &               \
          ((vload((p) + off[j][2]) | orm[j][2]) == val[j][2]))
#define STEP_AT(p, i)                                                         \
    do {                                                                      \
        v16 cand = PROBE(p, 0);                                               \
        if (K == 0) {                                                         \
            for (size_t j = 1; j < k; j++)                                    \
                cand |= PROBE(p, j);                                          \
        } else {                                                              \
            if (K >= 2)                                                       \
                cand |= PROBE(p, 1);                                          \
            if (K >= 3)                                                       \
                cand |= PROBE(p, 2);                                          \
            if (K >= 4)                                                       \
                cand |= PROBE(p, 3);                                          \
        }                                                                     \
        uint64_t w_[2];                                                       \
        memcpy(w_, &cand, sizeof w_);                                         \
        if (TL_UNLIKELY(w_[0] | w_[1]) &&                                     \
            short_verify(sc, s, (i), cand,                                    \
                         starts - (i) < 16 ? starts - (i) : 16))              \
            return true;                                                      \
    } while (0)
    const unsigned char *t = sc->t;
    size_t i = 0, end = n >= s->reach ? n - s->reach + 1 : 0;
    if (end > starts)
        end = starts;
    for (; i < end; i += 16)
        STEP_AT(t + i, i);
    if (i < starts) {
        /* n - i < s->reach <= 16 + SHORT_LEN - 1 bytes are left. */
        unsigned char pad[32 + 16 + SHORT_LEN];
        memset(pad, 0, sizeof pad);
        memcpy(pad, t + i, n - i);
        for (size_t p = 0; i < starts; i += 16, p += 16)
            STEP_AT(pad + p, i);
    }
#undef STEP_AT
#undef PROBE
    return false;
}

static bool scan_short(struct scan *sc)
{
    const struct sgrp *s = &sc->m->s;
    switch (s->k) {
    case 1:
        return scan_short_k(sc, s, 1);
    case 2:
        return scan_short_k(sc, s, 2);
    case 3:
        return scan_short_k(sc, s, 3);
    case 4:
        return scan_short_k(sc, s, 4);
    default:
        return scan_short_k(sc, s, 0);
    }
}
#else
static bool scan_short(struct scan *sc)
{
    (void)sc;
    return false; /* no short group is built without vectors */
}
#endif

/* Run every part of the search; true if it was stopped. */
static bool run(struct scan *sc)
{
    const struct tl_mlit *m = sc->m;
    if (m->empty >= 0 && report(sc, (uint32_t)m->empty))
        return true;
    if (m->bytes && scan_bytes(sc))
        return true;
    if (m->s.k && scan_short(sc))
        return true;
    for (int i = 0; i < m->ng; i++) {
        const struct grp *g = &m->g[i];
        if (g->kind == Q2 ? scan_q2(sc, g) : scan_q4(sc, g))
            return true;
    }
    return false;
}

bool tl_mlit_any(const struct tl_mlit *m, const char *text, size_t n)
{
    if (!m || m->count == 0)
        return false;
    struct scan sc = {m, (const unsigned char *)text, n, NULL, NULL, NULL,
                      NULL};
    return run(&sc);
}

void tl_mlit_each(const struct tl_mlit *m, const char *text, size_t n,
                  bool (*cb)(void *ctx, uint32_t id), void *ctx)
{
    if (!m || m->count == 0)
        return;
    uint64_t stack[SEEN_STACK_BITS / 64];
    size_t words = (m->nids + 63) / 64;
    uint64_t *seen = stack;
    if (words > TL_ARRAY_LEN(stack))
        seen = tl_xcalloc(words, sizeof *seen);
    else
        memset(seen, 0, words * sizeof *seen);
    struct scan sc = {m, (const unsigned char *)text, n, cb, NULL, ctx, seen};
    run(&sc);
    if (seen != stack)
        free(seen);
}

bool tl_mlit_scan_all(const struct tl_mlit *m, const char *text, size_t n,
                      bool (*cb)(void *ctx, size_t start, size_t end),
                      void *ctx)
{
    if (!m || m->count == 0)
        return true;
    if (m->empty >= 0 || m->bytes)
        return false;
    struct scan sc = {m, (const unsigned char *)text, n, NULL, cb, ctx, NULL};
    run(&sc);
    return true;
}
