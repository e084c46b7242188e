/*
 * match.c - evaluating compiled rules against events: values,
 * selections, conditions, PCRE2 with limits, `extract` and `summary`.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/diag.h"
#include "rule_int.h"

/* ---- numbers ------------------------------------------------------------ */

bool tl_rules_parse_num(const char *s, size_t n, struct tl_num *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > 64)
        return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n)
        return false;
    /* hex integer */
    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        uint64_t v;
        if (!tl_parse_hex64(s + i + 2, n - i - 2, &v))
            return false;
        out->is_int = true;
        out->neg = neg && v != 0;
        out->mag = v;
        out->d = neg ? -(double)v : (double)v;
        return true;
    }
    bool digits_only = true;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            digits_only = false;
    if (digits_only) {
        uint64_t v;
        if (tl_parse_u64(s + i, n - i, &v)) {
            out->is_int = true;
            out->neg = neg && v != 0;
            out->mag = v;
            out->d = neg ? -(double)v : (double)v;
            return true;
        }
    }
    /* a decimal float: digits [. digits] [e[+-]digits] */
    char buf[72];
    size_t k = i, dig = 0;
    while (k < n && s[k] >= '0' && s[k] <= '9')
        k++, dig++;
    if (k < n && s[k] == '.') {
        k++;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++, dig++;
    }
    if (dig == 0)
        return false;
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t ed = 0;
        while (k < n && s[k] >= '0' && s[k] <= '9')
            k++, ed++;
        if (ed == 0)
            return false;
    }
    if (k != n)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    out->is_int = false;
    out->d = strtod(buf, NULL);
    out->neg = out->d < 0;
    return !isnan(out->d);
}

int tl_rules_num_cmp(const struct tl_num *a, const struct tl_num *b)
{
    if (a->is_int && b->is_int) {
        if (a->neg != b->neg)
            return a->neg ? -1 : 1;
        if (a->mag == b->mag)
            return 0;
        bool less = a->mag < b->mag;
        if (a->neg)
            less = !less;
        return less ? -1 : 1;
    }
    if (a->d < b->d)
        return -1;
    if (a->d > b->d)
        return 1;
    return 0;
}

/* ---- regex runtime -------------------------------------------------------- */

void tl_rules_regex_free(struct tl_regex *re)
{
    if (re->code)
        pcre2_code_free(re->code);
    free(re->pattern);
    memset(re, 0, sizeof *re);
}

static void apply_limits(struct tl_ruleset *rs)
{
    if (!rs->mctx)
        return;
    pcre2_set_match_limit(rs->mctx, rs->limits.match_limit);
    pcre2_set_depth_limit(rs->mctx, rs->limits.depth_limit);
    pcre2_set_heap_limit(rs->mctx, rs->limits.heap_limit_kib);
}

void tl_ruleset_set_limits(struct tl_ruleset *rs,
                           const struct tl_rules_limits *l)
{
    rs->limits = *l;
    apply_limits(rs);
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

void tl_rules_match_setup(struct tl_ruleset *rs)
{
    uint32_t caps = 0;
    size_t max_sels = 1, max_names = 1;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct tl_rule *r = rs->rules[i];
        if (r->n_sels > max_sels)
            max_sels = r->n_sels;
        if (r->n_ex_names > max_names)
            max_names = r->n_ex_names;
        for (size_t e = 0; e < r->n_ex; e++)
            caps = max_u32(caps, r->ex[e].re.captures);
        for (size_t s = 0; s < r->n_sels; s++)
            for (size_t g = 0; g < r->sels[s].n_groups; g++)
                for (size_t k = 0; k < r->sels[s].groups[g].n_items; k++) {
                    const struct tl_item *it = &r->sels[s].groups[g].items[k];
                    for (size_t v = 0; v < it->n_vals; v++)
                        if (it->vals[v].kind == TL_V_RE)
                            caps = max_u32(caps, it->vals[v].re.captures);
                }
    }
    if (!rs->mctx) {
        rs->mctx = pcre2_match_context_create(NULL);
        if (!rs->mctx) {
            fprintf(stderr, "trustline: out of memory (PCRE2)\n");
            abort();
        }
        rs->jit_stack = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
        if (rs->jit_stack)
            pcre2_jit_stack_assign(rs->mctx, NULL, rs->jit_stack);
    }
    apply_limits(rs);
    if (rs->md)
        pcre2_match_data_free(rs->md);
    rs->md_pairs = caps + 1;
    rs->md = pcre2_match_data_create(rs->md_pairs, NULL);
    if (!rs->md) {
        fprintf(stderr, "trustline: out of memory (PCRE2)\n");
        abort();
    }
    free(rs->selmemo);
    rs->selmemo = tl_xmalloc(max_sels);
    rs->selmemo_cap = max_sels;
    free(rs->fv);
    free(rs->fv_off);
    rs->fv = tl_xcalloc(max_names, sizeof *rs->fv);
    rs->fv_off = tl_xcalloc(max_names, sizeof *rs->fv_off);
    rs->fv_cap = max_names;
}

static const char *limit_name(int rc)
{
    switch (rc) {
    case PCRE2_ERROR_MATCHLIMIT:
        return "match";
    case PCRE2_ERROR_DEPTHLIMIT:
        return "depth";
    case PCRE2_ERROR_HEAPLIMIT:
        return "heap";
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return "JIT stack";
    default:
        return NULL;
    }
}

/* Run a regex; 1 match, 0 no match (including limits and errors). */
static int run_re(struct tl_ruleset *rs, const struct tl_rule *r,
                  const struct tl_regex *re, const char *s, size_t n,
                  const struct tl_event *ev)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)(s ? s : ""), n, 0, 0,
                         rs->md, rs->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH || rc == PCRE2_ERROR_PARTIAL)
        return 0;
    struct tl_rule *mr = (struct tl_rule *)(uintptr_t)r;
    const char *lim = limit_name(rc);
    if (lim) {
        rs->counters.limit_hits++;
        mr->limit_hits++;
        if (!mr->limit_reported) {
            mr->limit_reported = true;
            tl_diag(TL_DIAG_WARNING, ev ? ev->input : NULL,
                    ev ? ev->line : 0, 0,
                    "rule %s: a regular expression hit the PCRE2 %s limit; "
                    "treated as no match (reported once per rule)",
                    tl_rule_label(r), lim);
        }
        return 0;
    }
    rs->counters.regex_errors++;
    if (!mr->limit_reported) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof msg);
        mr->limit_reported = true;
        tl_diag(TL_DIAG_WARNING, ev ? ev->input : NULL, ev ? ev->line : 0, 0,
                "rule %s: regular expression failed: %s; treated as no "
                "match (reported once per rule)",
                tl_rule_label(r), (const char *)msg);
    }
    return 0;
}

/* ---- field values ---------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(const char *p, size_t n, unsigned *out)
{
    if (n < 4)
        return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return false;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return true;
}

static void put_utf8(struct tl_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    tl_buf_append(b, u, n);
}

/* Decode a JSON string literal (with its quotes) into b. */
static void json_unescape(struct tl_buf *b, const char *p, size_t n)
{
    tl_buf_clear(b);
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p++;
        n -= 2;
    }
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c != '\\' || i + 1 >= n) {
            tl_buf_putc(b, c);
            continue;
        }
        char e = p[++i];
        switch (e) {
        case 'n':
            tl_buf_putc(b, '\n');
            break;
        case 't':
            tl_buf_putc(b, '\t');
            break;
        case 'r':
            tl_buf_putc(b, '\r');
            break;
        case 'b':
            tl_buf_putc(b, '\b');
            break;
        case 'f':
            tl_buf_putc(b, '\f');
            break;
        case 'u': {
            unsigned cp;
            if (!hex4(p + i + 1, n - i - 1, &cp)) {
                tl_buf_putc(b, 'u');
                break;
            }
            i += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n + 0 &&
                p[i + 1] == '\\' && p[i + 2] == 'u') {
                unsigned lo;
                if (hex4(p + i + 3, n - i - 3, &lo) && lo >= 0xdc00 &&
                    lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 6;
                }
            }
            put_utf8(b, cp);
            break;
        }
        default:
            tl_buf_putc(b, e);
            break;
        }
    }
}

bool tl_rules_get_field(struct tl_ruleset *rs, const struct tl_fref *ref,
                        const struct tl_event *ev, struct tl_fval *out)
{
    out->is_int = false;
    out->num = 0;
    out->p = NULL;
    out->n = 0;
    if (ref->src == TL_FS_EVENT) {
        enum tl_field f = ref->f;
        if (!tl_event_has(ev, f)) {
            if (f == TL_F_TIMESTAMP && ev->has_time) {
                char tbuf[48];
                size_t n = tl_event_format_time(ev, tbuf);
                if (n >= sizeof out->nbuf)
                    n = sizeof out->nbuf - 1;
                memcpy(out->nbuf, tbuf, n);
                out->nbuf[n] = '\0';
                out->p = out->nbuf;
                out->n = n;
                return true;
            }
            return false;
        }
        if (tl_field_is_int(f)) {
            out->is_int = true;
            out->num = ev->num[f];
            int n = snprintf(out->nbuf, sizeof out->nbuf, "%" PRIu64,
                             ev->num[f]);
            out->p = out->nbuf;
            out->n = (size_t)n;
        } else {
            out->p = ev->str[f].p;
            out->n = ev->str[f].n;
            if (!out->p)
                out->p = "";
        }
        return true;
    }
    if (ref->src == TL_FS_EXTRA) {
        size_t kl = strlen(ref->key);
        for (size_t i = 0; i < ev->n_extra; i++) {
            const struct tl_extra *x = &ev->extra[i];
            if (x->key.n != kl || memcmp(x->key.p, ref->key, kl) != 0)
                continue;
            const char *p = x->raw.p;
            size_t n = x->raw.n;
            if (n == 4 && memcmp(p, "null", 4) == 0)
                return false;
            if (n >= 2 && p[0] == '"') {
                json_unescape(&rs->extbuf, p, n);
                out->p = rs->extbuf.p ? rs->extbuf.p : "";
                out->n = rs->extbuf.len;
            } else {
                out->p = p ? p : "";
                out->n = n;
            }
            return true;
        }
        return false;
    }
    return false;
}

bool tl_rules_event_value(const struct tl_event *ev, enum tl_field f,
                          char *buf, size_t bufsz, struct tl_str *out)
{
    if ((unsigned)f >= TL_F__COUNT)
        return false;
    if (!tl_event_has(ev, f)) {
        if (f == TL_F_TIMESTAMP && ev->has_time && bufsz >= 40) {
            out->n = tl_event_format_time(ev, buf);
            out->p = buf;
            return true;
        }
        return false;
    }
    if (tl_field_is_int(f)) {
        char tmp[24];
        size_t n = tl_u64_dec(tmp, ev->num[f]);
        if (bufsz == 0)
            return false;
        if (n >= bufsz)
            n = bufsz - 1;
        memcpy(buf, tmp, n);
        buf[n] = '\0';
        out->p = buf;
        out->n = n;
        return true;
    }
    out->p = ev->str[f].p ? ev->str[f].p : "";
    out->n = ev->str[f].n;
    return true;
}

/* ---- string matching -------------------------------------------------------- */

static bool eq_fold(const char *s, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tl_fold[(unsigned char)s[i]] != (unsigned char)lit[i])
            return false;
    return true;
}

/* ASCII-case-insensitive search of the folded needle nd. The first byte
 * is found with memchr (both cases for a letter), the rest compared. */
static bool find_fold(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0)
        return true;
    if (nn > hn)
        return false;
    unsigned char lo = (unsigned char)nd[0];
    unsigned char up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - 32) : lo;
    const char *p = h, *end = h + (hn - nn) + 1;  /* last start + 1 */
    /* the next occurrence of each case at or after p: NULL = not looked
     * for yet, end = there is none */
    const char *ql = NULL, *qu = up != lo ? NULL : end;
    while (p < end) {
        if (ql != end && (!ql || ql < p)) {
            const char *q = memchr(p, lo, (size_t)(end - p));
            ql = q ? q : end;
        }
        if (qu != end && (!qu || qu < p)) {
            const char *q = memchr(p, up, (size_t)(end - p));
            qu = q ? q : end;
        }
        const char *q = ql < qu ? ql : qu;
        if (q >= end)
            return false;
        if (eq_fold(q + 1, nd + 1, nn - 1))
            return true;
        p = q + 1;
    }
    return false;
}

static bool find_cased(const char *h, size_t hn, const char *nd, size_t nn)
{
    if (nn == 0)
        return true;
    if (nn > hn)
        return false;
    const char *p = h, *end = h + (hn - nn) + 1;
    while (p < end) {
        const char *q = memchr(p, nd[0], (size_t)(end - p));
        if (!q)
            return false;
        if (memcmp(q, nd, nn) == 0)
            return true;
        p = q + 1;
    }
    return false;
}

static size_t u8len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t l = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4 : 1;
    if (l > n)
        l = n;
    for (size_t i = 1; i < l; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            return i;
    return l;
}

static bool glob(const char *pat, const unsigned char *kind, size_t m,
                 const char *s, size_t n, bool cased)
{
    size_t p = 0, i = 0;
    size_t star = (size_t)-1, back = 0;
    while (i < n) {
        if (p < m && kind[p] == TL_G_ONE) {
            i += u8len(s + i, n - i);
            p++;
        } else if (p < m && kind[p] == TL_G_LIT &&
                   (cased ? s[i] == pat[p]
                          : tl_fold[(unsigned char)s[i]] ==
                                (unsigned char)pat[p])) {
            i++;
            p++;
        } else if (p < m && kind[p] == TL_G_STAR) {
            star = p++;
            back = i;
        } else if (star != (size_t)-1) {
            p = star + 1;
            back += u8len(s + back, n - back);
            i = back;
        } else {
            return false;
        }
    }
    while (p < m && kind[p] == TL_G_STAR)
        p++;
    return p == m;
}

static bool str_match(const struct tl_value *v, const char *s, size_t n)
{
    switch (v->mode) {
    case TL_SM_ANY:
        return true;
    case TL_SM_EQ:
        return n == v->n && (v->cased ? memcmp(s, v->lit, n) == 0
                                      : eq_fold(s, v->lit, n));
    case TL_SM_PREFIX:
        return n >= v->n && (v->cased ? memcmp(s, v->lit, v->n) == 0
                                      : eq_fold(s, v->lit, v->n));
    case TL_SM_SUFFIX:
        return n >= v->n &&
               (v->cased ? memcmp(s + n - v->n, v->lit, v->n) == 0
                         : eq_fold(s + n - v->n, v->lit, v->n));
    case TL_SM_CONTAINS:
        return v->cased ? find_cased(s, n, v->lit, v->n)
                        : find_fold(s, n, v->lit, v->n);
    case TL_SM_GLOB:
        return glob(v->gpat, v->gkind, v->gn, s, n, v->cased);
    }
    return false;
}

bool tl_rules_value_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_value *v, bool present,
                          const struct tl_fval *fv, const struct tl_event *ev)
{
    switch (v->kind) {
    case TL_V_NULL:
        return !present;
    case TL_V_EXISTS:
        return present == v->exists;
    case TL_V_NUM: {
        if (!present)
            return false;
        struct tl_num a;
        if (fv->is_int) {
            memset(&a, 0, sizeof a);
            a.is_int = true;
            a.mag = fv->num;
            a.d = (double)fv->num;
        } else if (!tl_rules_parse_num(fv->p, fv->n, &a)) {
            return false;
        }
        int c = tl_rules_num_cmp(&a, &v->num);
        switch (v->ncmp) {
        case TL_NC_GT:
            return c > 0;
        case TL_NC_GTE:
            return c >= 0;
        case TL_NC_LT:
            return c < 0;
        case TL_NC_LTE:
            return c <= 0;
        }
        return false;
    }
    case TL_V_STR:
        if (!present)
            return false;
        if (fv->is_int && v->is_num)
            return !v->num.neg && v->num.mag == fv->num;
        return str_match(v, fv->p, fv->n);
    case TL_V_RE:
        if (!present)
            return false;
        return run_re(rs, r, &v->re, fv->p, fv->n, ev) == 1;
    }
    return false;
}

bool tl_rules_item_match(struct tl_ruleset *rs, const struct tl_rule *r,
                         const struct tl_item *it, const struct tl_event *ev)
{
    struct tl_fval fv;
    bool present = tl_rules_get_field(rs, &it->field, ev, &fv);
    if (it->all) {
        for (size_t i = 0; i < it->n_vals; i++)
            if (!tl_rules_value_match(rs, r, &it->vals[i], present, &fv, ev))
                return false;
        return it->n_vals > 0;
    }
    for (size_t i = 0; i < it->n_vals; i++)
        if (tl_rules_value_match(rs, r, &it->vals[i], present, &fv, ev))
            return true;
    return false;
}

bool tl_rules_group_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_group *g, const struct tl_event *ev)
{
    for (size_t i = 0; i < g->n_items; i++)
        if (!tl_rules_item_match(rs, r, &g->items[i], ev))
            return false;
    return g->n_items > 0;
}

bool tl_rules_sel_match(struct tl_ruleset *rs, const struct tl_rule *r,
                        size_t sel, const struct tl_event *ev)
{
    const struct tl_selection *s = &r->sels[sel];
    for (size_t g = 0; g < s->n_groups; g++)
        if (tl_rules_group_match(rs, r, &s->groups[g], ev))
            return true;
    return false;
}

struct evalctx {
    struct tl_ruleset *rs;
    const struct tl_rule *r;
    const struct tl_event *ev;
};

static bool sel_cb(void *ctx, size_t i)
{
    struct evalctx *E = ctx;
    signed char *memo = E->rs->selmemo;
    if (i >= E->r->n_sels)
        return false;
    if (memo[i] < 0)
        memo[i] = tl_rules_sel_match(E->rs, E->r, i, E->ev) ? 1 : 0;
    return memo[i] == 1;
}

bool tl_rules_rule_eval(struct tl_ruleset *rs, const struct tl_rule *r,
                        const struct tl_event *ev)
{
    if (r->info.kind != TL_RULE_DETECTION || r->n_conds == 0)
        return false;
    if (!rs->selmemo || rs->selmemo_cap < r->n_sels)
        tl_rules_match_setup(rs);
    memset(rs->selmemo, -1, r->n_sels);
    struct evalctx E = {rs, r, ev};
    for (size_t i = 0; i < r->n_conds; i++)
        if (tl_cond_eval(r->conds[i], sel_cb, &E))
            return true;
    return false;
}

bool tl_rules_cond_eval_one(struct tl_ruleset *rs, const struct tl_rule *r,
                            size_t ci, const struct tl_event *ev)
{
    if (ci >= r->n_conds)
        return false;
    if (!rs->selmemo || rs->selmemo_cap < r->n_sels)
        tl_rules_match_setup(rs);
    memset(rs->selmemo, -1, r->n_sels);
    struct evalctx E = {rs, r, ev};
    return tl_cond_eval(r->conds[ci], sel_cb, &E);
}

/* ---- extract and summary ------------------------------------------------------ */

static const struct tl_field_value *find_extracted(const struct tl_match *m,
                                                   const char *name)
{
    for (size_t i = 0; i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return &m->fields[i];
    return NULL;
}

void tl_rules_build_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_event *ev, struct tl_match *m)
{
    memset(m, 0, sizeof *m);
    m->rule = r;
    m->info = &r->info;
    m->ev = ev;
    if (!rs->md || rs->fv_cap < r->n_ex_names)
        tl_rules_match_setup(rs);
    tl_buf_clear(&rs->valbuf);
    size_t nf = 0;
    for (size_t e = 0; e < r->n_ex; e++) {
        const struct tl_extract *x = &r->ex[e];
        struct tl_fval fv;
        if (!tl_rules_get_field(rs, &x->field, ev, &fv))
            continue;
        int rc = run_re(rs, r, &x->re, fv.p, fv.n, ev);
        if (rc != 1)
            continue;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rs->md);
        uint32_t ovn = pcre2_get_ovector_count(rs->md);
        for (size_t c = 0; c < x->n_caps; c++) {
            uint32_t g = x->caps[c].group;
            if (g >= ovn || ov[2 * g] == PCRE2_UNSET)
                continue;
            const char *name = r->ex_names[x->caps[c].name];
            bool dup = false;
            for (size_t k = 0; k < nf; k++)
                if (rs->fv[k].name == name)
                    dup = true;
            if (dup || nf >= rs->fv_cap)
                continue;
            size_t a = ov[2 * g], b = ov[2 * g + 1];
            if (b < a)
                b = a;
            rs->fv_off[nf] = rs->valbuf.len;
            tl_buf_append(&rs->valbuf, fv.p + a, b - a);
            rs->fv[nf].name = name;
            rs->fv[nf].value.n = rs->valbuf.len - rs->fv_off[nf];
            nf++;
        }
    }
    for (size_t k = 0; k < nf; k++)
        rs->fv[k].value.p = rs->valbuf.p ? rs->valbuf.p + rs->fv_off[k] : "";
    m->fields = rs->fv;
    m->n_fields = nf;
    if (!r->segs)
        return;
    tl_buf_clear(&rs->sumbuf);
    for (size_t i = 0; i < r->n_segs; i++) {
        const struct tl_tseg *sg = &r->segs[i];
        if (!sg->is_field) {
            tl_buf_append(&rs->sumbuf, sg->text, sg->n);
            continue;
        }
        if (sg->ref.src == TL_FS_EXTRACTED) {
            const struct tl_field_value *f =
                find_extracted(m, r->ex_names[sg->ref.index]);
            if (f)
                tl_buf_append(&rs->sumbuf, f->value.p, f->value.n);
            else
                tl_buf_putc(&rs->sumbuf, '-');
            continue;
        }
        struct tl_fval fv;
        if (tl_rules_get_field(rs, &sg->ref, ev, &fv))
            tl_buf_append(&rs->sumbuf, fv.p, fv.n);
        else
            tl_buf_putc(&rs->sumbuf, '-');
    }
    m->summary.p = rs->sumbuf.p ? rs->sumbuf.p : "";
    m->summary.n = rs->sumbuf.len;
}

/* ---- entry points --------------------------------------------------------------- */

void tl_ruleset_set_prefilter(struct tl_ruleset *rs, bool on)
{
    rs->prefilter = on;
}

bool tl_ruleset_match_rule(struct tl_ruleset *rs, const struct tl_rule *r,
                           const struct tl_event *ev,
                           void (*cb)(void *ctx, const struct tl_match *m),
                           void *ctx)
{
    rs->counters.evaluated++;
    if (!tl_rules_rule_eval(rs, r, ev))
        return false;
    rs->counters.matches++;
    if (cb) {
        struct tl_match m;
        tl_rules_build_match(rs, r, ev, &m);
        cb(ctx, &m);
    }
    return true;
}

size_t tl_ruleset_match(struct tl_ruleset *rs, const struct tl_event *ev,
                        void (*cb)(void *ctx, const struct tl_match *m),
                        void *ctx)
{
    rs->counters.events++;
    size_t hits = 0;
    bool pf = rs->prefilter && rs->pf_ready && ev->raw.p != NULL;
    if (pf)
        tl_rules_prefilter_candidates(rs, ev);
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct tl_rule *r = rs->rules[i];
        if (r->info.kind != TL_RULE_DETECTION)
            continue;
        if (pf) {
            if (!rs->cand[i])
                continue;
            rs->cand[i] = 0;
        }
        if (tl_ruleset_match_rule(rs, r, ev, cb, ctx))
            hits++;
    }
    return hits;
}

void tl_ruleset_counters(const struct tl_ruleset *rs,
                         struct tl_rules_counters *out)
{
    *out = rs->counters;
}

uint64_t tl_rule_limit_hits(const struct tl_rule *r)
{
    return r->limit_hits;
}
