/*
 * relit.c - required literals of a PCRE2 pattern: a recursive-descent
 * reader of the pattern syntax that summarises every piece as either an
 * exact string or (prefix, suffix, inner required literals). What is
 * covered, and what is not, is listed in relit.h.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "relit.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util/util.h"

#define MAX_DEPTH 200
/* Longest literal built by repeating one ({n} of a literal). */
#define MAX_REPEAT 256
#define INF_REPEAT UINT32_MAX

/* An owned byte string (never holds NUL; p may be NULL when n == 0). */
struct lstr {
    char *p;
    size_t n;
};

struct lset {
    struct lstr *v;
    size_t n, cap;
};

/*
 * What every match of a piece of pattern looks like:
 *   exact:  it is exactly pre (ASCII case aside);
 *   else:   it starts with pre, ends with suf, and contains each of req.
 * pre and suf may be empty ("nothing known").
 */
struct info {
    bool exact;
    struct lstr pre, suf;
    struct lset req;
};

struct parser {
    const unsigned char *p;
    size_t n, i;
    bool utf;   /* PCRE2_UTF or (*UTF) */
    bool quote; /* inside \Q...\E */
    bool fail;  /* give up: no literal for the whole pattern */
    int depth;
};

/* ---- strings and infos -------------------------------------------- */

static void lstr_append(struct lstr *s, const char *p, size_t n)
{
    if (n == 0)
        return;
    s->p = tl_xrealloc(s->p, s->n + n + 1);
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
}

static struct lstr lstr_copy(const char *p, size_t n)
{
    struct lstr s = {NULL, 0};
    lstr_append(&s, p, n);
    return s;
}

static void lset_add(struct lset *set, struct lstr s)
{
    if (s.n == 0) {
        free(s.p);
        return;
    }
    tl_xgrow((void **)&set->v, &set->cap, set->n + 1, sizeof *set->v);
    set->v[set->n++] = s;
}

static void lset_free(struct lset *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->v[i].p);
    free(set->v);
    set->v = NULL;
    set->n = set->cap = 0;
}

static void info_free(struct info *x)
{
    free(x->pre.p);
    free(x->suf.p);
    lset_free(&x->req);
    memset(x, 0, sizeof *x);
}

static struct info info_exact(const char *p, size_t n)
{
    struct info x;
    memset(&x, 0, sizeof x);
    x.exact = true;
    x.pre = lstr_copy(p, n);
    return x;
}

/* Some string we know nothing about (possibly empty). */
static struct info info_unknown(void)
{
    struct info x;
    memset(&x, 0, sizeof x);
    return x;
}

/* The matches of a followed by those of b. Consumes both. */
static struct info concat(struct info a, struct info b)
{
    if (a.exact && b.exact) {
        lstr_append(&a.pre, b.pre.p, b.pre.n);
        info_free(&b);
        return a;
    }
    if (a.exact) {
        /* a.pre + b.pre starts every match */
        lstr_append(&a.pre, b.pre.p, b.pre.n);
        free(b.pre.p);
        b.pre = a.pre;
        return b;
    }
    if (b.exact) {
        lstr_append(&a.suf, b.pre.p, b.pre.n);
        free(b.pre.p);
        return a;
    }
    /* a's suffix meets b's prefix in the middle */
    struct lstr mid = a.suf;
    lstr_append(&mid, b.pre.p, b.pre.n);
    lset_add(&a.req, mid);
    for (size_t i = 0; i < b.req.n; i++)
        lset_add(&a.req, b.req.v[i]);
    b.req.n = 0;
    a.suf = b.suf;
    b.suf.p = NULL;
    info_free(&b);
    return a;
}

/* x{min,max}; max INF_REPEAT for no limit. Consumes x. */
static struct info repeat(struct info x, uint32_t min, uint32_t max)
{
    if (max == 0) {
        info_free(&x);
        return info_exact(NULL, 0);
    }
    if (x.exact && x.pre.n == 0)
        return x;
    if (min == 0) {
        info_free(&x);
        return info_unknown();
    }
    if (!x.exact) /* still starts with pre, ends with suf, holds req */
        return x;
    size_t r = MAX_REPEAT / x.pre.n;
    if (r < 1)
        r = 1;
    if (r > min)
        r = min;
    struct info y = info_exact(NULL, 0);
    for (size_t k = 0; k < r; k++)
        lstr_append(&y.pre, x.pre.p, x.pre.n);
    info_free(&x);
    if (min == max && r == min)
        return y;
    /* x^k with k >= min: starts and ends with x^r */
    y.exact = false;
    y.suf = lstr_copy(y.pre.p, y.pre.n);
    return y;
}

static bool fold_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (tl_fold[(unsigned char)a[i]] != tl_fold[(unsigned char)b[i]])
            return false;
    return true;
}

/* Alternatives v[0..k): only a common prefix and suffix survive.
 * Consumes the infos (not the array). */
static struct info alternation(struct info *v, size_t k)
{
    bool same = true;
    for (size_t i = 0; i < k; i++)
        if (!v[i].exact || v[i].pre.n != v[0].pre.n ||
            !fold_eq(v[i].pre.p, v[0].pre.p, v[0].pre.n))
            same = false;
    if (same) {
        for (size_t i = 1; i < k; i++)
            info_free(&v[i]);
        return v[0];
    }
    /* heads: exact string or prefix; tails: exact string or suffix */
    size_t cp = v[0].pre.n, cs;
    const struct lstr *t0 = v[0].exact ? &v[0].pre : &v[0].suf;
    cs = t0->n;
    for (size_t i = 1; i < k; i++) {
        const struct lstr *h = &v[i].pre;
        const struct lstr *t = v[i].exact ? &v[i].pre : &v[i].suf;
        size_t j = 0;
        while (j < cp && j < h->n &&
               tl_fold[(unsigned char)h->p[j]] ==
                   tl_fold[(unsigned char)v[0].pre.p[j]])
            j++;
        cp = j;
        j = 0;
        while (j < cs && j < t->n &&
               tl_fold[(unsigned char)t->p[t->n - 1 - j]] ==
                   tl_fold[(unsigned char)t0->p[t0->n - 1 - j]])
            j++;
        cs = j;
    }
    struct info r = info_unknown();
    r.pre = lstr_copy(v[0].pre.p, cp);
    if (cs)
        r.suf = lstr_copy(t0->p + t0->n - cs, cs);
    for (size_t i = 0; i < k; i++)
        info_free(&v[i]);
    return r;
}

/* ---- lexical helpers ---------------------------------------------- */

static int peek(const struct parser *P, size_t k)
{
    return P->i + k < P->n ? P->p[P->i + k] : -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool is_alnum(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Move past the next `close` byte; fail if there is none. */
static void skip_past(struct parser *P, int close)
{
    while (P->i < P->n && P->p[P->i] != close)
        P->i++;
    if (P->i >= P->n)
        P->fail = true;
    else
        P->i++;
}

/* One character at P->i: a byte, or with UTF a whole UTF-8 sequence.
 * Sets *len; advances. */
static const unsigned char *take_char(struct parser *P, size_t *len)
{
    const unsigned char *s = P->p + P->i;
    size_t k = 1;
    if (P->utf && s[0] >= 0xc0) {
        size_t want = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
        while (k < want && P->i + k < P->n && (s[k] & 0xc0) == 0x80)
            k++;
    }
    P->i += k;
    *len = k;
    return s;
}

/* A literal character, if it is one for case-insensitive search: NUL
 * never is; in caseless parts neither are bytes >= 0x80 nor, with UTF,
 * k and s (PCRE2 folds U+212A to k and U+017F to s). */
static struct info lit(const struct parser *P, bool caseless,
                       const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char f = tl_fold[s[i]];
        if (s[i] == 0 || (caseless && s[i] >= 0x80) ||
            (caseless && P->utf && (f == 'k' || f == 's')))
            return info_unknown();
    }
    return info_exact((const char *)s, n);
}

/* Skip what PCRE2 skips between an item and its quantifier: comments
 * (?#...), \E, and \Q (which starts quoting). */
static void skip_invisible(struct parser *P)
{
    while (!P->fail && P->i < P->n) {
        if (peek(P, 0) == '\\' && peek(P, 1) == 'E') {
            P->i += 2;
            P->quote = false;
        } else if (P->quote) {
            return;
        } else if (peek(P, 0) == '\\' && peek(P, 1) == 'Q') {
            P->i += 2;
            P->quote = true;
        } else if (peek(P, 0) == '(' && peek(P, 1) == '?' &&
                   peek(P, 2) == '#') {
            skip_past(P, ')');
        } else {
            return;
        }
    }
}

/* Digits and commas with optional spaces inside {...}: a quantifier in
 * PCRE2 >= 10.43 at least. Sets *end to the index past '}'. */
static bool loose_braces(const struct parser *P, size_t *end)
{
    size_t j = P->i + 1;
    bool digit = false;
    for (; j < P->n && P->p[j] != '}'; j++) {
        int c = P->p[j];
        if (is_digit(c))
            digit = true;
        else if (c != ',' && c != ' ' && c != '\t')
            return false;
    }
    if (j >= P->n || !digit)
        return false;
    *end = j + 1;
    return true;
}

/* A quantifier at P->i? Reads and skips it. */
static bool quantifier(struct parser *P, uint32_t *min, uint32_t *max)
{
    skip_invisible(P);
    if (P->fail || P->quote || P->i >= P->n)
        return false;
    switch (P->p[P->i]) {
    case '*':
        *min = 0;
        *max = INF_REPEAT;
        P->i++;
        return true;
    case '+':
        *min = 1;
        *max = INF_REPEAT;
        P->i++;
        return true;
    case '?':
        *min = 0;
        *max = 1;
        P->i++;
        return true;
    case '{':
        break;
    default:
        return false;
    }
    /* strict {n} {n,} {n,m}: a quantifier in every PCRE2 */
    size_t j = P->i + 1;
    uint32_t a = 0, b;
    bool da = false;
    while (j < P->n && is_digit(P->p[j])) {
        if (a < 100000)
            a = a * 10 + (uint32_t)(P->p[j] - '0');
        da = true;
        j++;
    }
    if (da && j < P->n && P->p[j] == '}') {
        *min = *max = a;
        P->i = j + 1;
        return true;
    }
    if (da && j < P->n && P->p[j] == ',') {
        j++;
        b = 0;
        bool db = false;
        while (j < P->n && is_digit(P->p[j])) {
            if (b < 100000)
                b = b * 10 + (uint32_t)(P->p[j] - '0');
            db = true;
            j++;
        }
        if (j < P->n && P->p[j] == '}') {
            *min = a;
            *max = db ? b : INF_REPEAT;
            if (*max < *min)
                *max = *min;
            P->i = j + 1;
            return true;
        }
    }
    /* {,m}, { n }: a quantifier only in newer PCRE2, literal text in
     * older: "optional" is right either way (we claim nothing). */
    size_t end;
    if (loose_braces(P, &end)) {
        *min = 0;
        *max = INF_REPEAT;
        P->i = end;
        return true;
    }
    return false;
}

/* ---- the grammar -------------------------------------------------- */

static struct info alternatives(struct parser *P, bool *caseless);
static struct info group(struct parser *P, bool *caseless);

/* \x.. at P->i (past "\x"): the value, or -1 if not one byte 1..0x7f. */
static int hex_escape(struct parser *P)
{
    uint32_t v = 0;
    if (peek(P, 0) == '{') {
        size_t j = P->i + 1;
        bool any = false, bad = false;
        for (; j < P->n && P->p[j] != '}'; j++) {
            int h = hex_val(P->p[j]);
            if (h < 0)
                bad = true;
            else if (v < 0x1000000)
                v = v * 16 + (uint32_t)h;
            any = true;
        }
        P->i = j;
        skip_past(P, '}');
        return bad || !any || v == 0 || v >= 0x80 ? -1 : (int)v;
    }
    for (int k = 0; k < 2 && hex_val(peek(P, 0)) >= 0; k++) {
        v = v * 16 + (uint32_t)hex_val(peek(P, 0));
        P->i++;
    }
    return v == 0 || v >= 0x80 ? -1 : (int)v;
}

static int simple_escape(int d)
{
    switch (d) {
    case 'a':
        return 0x07;
    case 'e':
        return 0x1b;
    case 'f':
        return 0x0c;
    case 'n':
        return 0x0a;
    case 'r':
        return 0x0d;
    case 't':
        return 0x09;
    default:
        return -1;
    }
}

/* A backslash item outside a class (P->i at the backslash). */
static struct info escape(struct parser *P, bool caseless)
{
    int d = peek(P, 1);
    if (d < 0) {
        P->fail = true;
        return info_unknown();
    }
    P->i += 2;
    int v = simple_escape(d);
    if (v >= 0) {
        unsigned char c = (unsigned char)v;
        return lit(P, caseless, &c, 1);
    }
    switch (d) {
    case 'x': {
        int h = hex_escape(P);
        unsigned char c = (unsigned char)h;
        return h < 0 ? info_unknown() : lit(P, caseless, &c, 1);
    }
    case 'o':
        if (peek(P, 0) != '{')
            P->fail = true;
        else
            skip_past(P, '}');
        return info_unknown();
    case 'c':
        if (P->i >= P->n)
            P->fail = true;
        else
            P->i++;
        return info_unknown();
    case 'N':
    case 'p':
    case 'P':
        if (peek(P, 0) == '{')
            skip_past(P, '}');
        else if (d != 'N' && P->i < P->n)
            P->i++;
        return info_unknown();
    case 'b':
    case 'B':
    case 'A':
    case 'Z':
    case 'z':
    case 'G':
    case 'K':
        return info_exact(NULL, 0);
    case 'g':
        /* backreference or subroutine call */
        if (peek(P, 0) == '{')
            skip_past(P, '}');
        else if (peek(P, 0) == '<')
            skip_past(P, '>');
        else if (peek(P, 0) == '\'') {
            P->i++;
            skip_past(P, '\'');
        } else {
            if (peek(P, 0) == '+' || peek(P, 0) == '-')
                P->i++;
            if (!is_digit(peek(P, 0)))
                P->fail = true;
            while (is_digit(peek(P, 0)))
                P->i++;
        }
        return info_unknown();
    case 'k':
        if (peek(P, 0) == '<')
            skip_past(P, '>');
        else if (peek(P, 0) == '{')
            skip_past(P, '}');
        else if (peek(P, 0) == '\'') {
            P->i++;
            skip_past(P, '\'');
        } else
            P->fail = true;
        return info_unknown();
    default:
        break;
    }
    if (is_digit(d)) {
        /* backreference or octal: all the digits, unknown */
        while (is_digit(peek(P, 0)))
            P->i++;
        return info_unknown();
    }
    if (is_alnum(d)) /* \d \w \s \h \v \R \X \C ..., or an error */
        return info_unknown();
    if (d >= 0x80) {
        P->i--;
        size_t len;
        const unsigned char *s = take_char(P, &len);
        return lit(P, caseless, s, len);
    }
    unsigned char c = (unsigned char)d;
    return lit(P, caseless, &c, 1);
}

/* One member of a class: *val is its byte, or -1 for "several or
 * unknown characters". */
static void class_member(struct parser *P, int *val)
{
    int c = peek(P, 0);
    if (c != '\\') {
        size_t len;
        take_char(P, &len);
        *val = len == 1 ? c : -1;
        return;
    }
    int d = peek(P, 1);
    if (d < 0 || d == 'Q' || d == 'E') {
        P->fail = true;
        return;
    }
    P->i += 2;
    *val = d == 'b' ? 0x08 : simple_escape(d);
    if (*val >= 0)
        return;
    if (d == 'x') {
        *val = hex_escape(P);
        return;
    }
    if (d == 'o' || d == 'p' || d == 'P' || d == 'N') {
        if (peek(P, 0) == '{')
            skip_past(P, '}');
        else if (d == 'p' || d == 'P')
            P->i++;
        return;
    }
    if (d == 'c') {
        P->i++;
        return;
    }
    if (is_digit(d)) {
        while (is_digit(peek(P, 0)))
            P->i++;
        return;
    }
    if (is_alnum(d))
        return;
    if (d >= 0x80) {
        P->i--;
        size_t len;
        take_char(P, &len);
        *val = len == 1 ? d : -1;
        return;
    }
    *val = d;
}

/* [...] at P->i: one byte or one letter in both cases is that literal;
 * anything else is an unknown character. */
static struct info char_class(struct parser *P, bool caseless)
{
    P->i++;
    bool neg = false, many = false, first = true;
    int val0 = -1;
    if (peek(P, 0) == '^') {
        neg = true;
        P->i++;
    }
    for (;;) {
        int c = peek(P, 0);
        if (c < 0) {
            P->fail = true;
            return info_unknown();
        }
        if (c == ']' && !first) {
            P->i++;
            break;
        }
        first = false;
        int d = peek(P, 1);
        if (c == '[' && (d == ':' || d == '.' || d == '=')) {
            /* POSIX [:name:] */
            size_t j = P->i + 2;
            while (j + 1 < P->n && !(P->p[j] == d && P->p[j + 1] == ']'))
                j++;
            if (j + 1 >= P->n) {
                P->fail = true;
                return info_unknown();
            }
            P->i = j + 2;
            many = true;
            continue;
        }
        int v = -1;
        class_member(P, &v);
        if (P->fail)
            return info_unknown();
        if (peek(P, 0) == '-' && peek(P, 1) >= 0 && peek(P, 1) != ']') {
            P->i++;
            if (peek(P, 0) == '[' && peek(P, 1) == ':') {
                P->fail = true;
                return info_unknown();
            }
            int v2 = -1;
            class_member(P, &v2);
            if (P->fail)
                return info_unknown();
            many = true;
            continue;
        }
        if (v < 0)
            many = true;
        else if (val0 < 0)
            val0 = v;
        else if (tl_fold[v] != tl_fold[val0])
            many = true;
    }
    if (neg || many || val0 < 0)
        return info_unknown();
    unsigned char b = (unsigned char)val0;
    return lit(P, caseless, &b, 1);
}

/* The body of a group up to and past its ')'. */
static struct info group_body(struct parser *P, bool caseless)
{
    bool cl = caseless;
    struct info r = alternatives(P, &cl);
    if (!P->fail && peek(P, 0) == ')')
        P->i++;
    else
        P->fail = true;
    return r;
}

/* (?C...) callout at P->i; skips it. */
static void skip_callout(struct parser *P)
{
    P->i += 3;
    int c = peek(P, 0);
    if (is_digit(c)) {
        while (is_digit(peek(P, 0)))
            P->i++;
    } else if (c > 0 && strchr("`'\"^%#${", c)) {
        int close = c == '{' ? '}' : c;
        P->i++;
        for (;;) {
            if (P->i >= P->n) {
                P->fail = true;
                return;
            }
            if (P->p[P->i] == close) {
                if (peek(P, 1) == close) {
                    P->i += 2;
                    continue;
                }
                P->i++;
                break;
            }
            P->i++;
        }
    }
    if (peek(P, 0) != ')')
        P->fail = true;
    else
        P->i++;
}

/* (?flags) or (?flags:...) at P->i. */
static struct info options(struct parser *P, bool *caseless)
{
    bool on = true, cl = *caseless;
    P->i += 2;
    if (peek(P, 0) == '^') {
        cl = false;
        P->i++;
    }
    for (;;) {
        int c = peek(P, 0);
        P->i++;
        switch (c) {
        case 'i':
            cl = on;
            break;
        case 'm':
        case 'n':
        case 's':
        case 'U':
        case 'J':
            break;
        case 'x':
            if (on) /* extended syntax: not read here */
                P->fail = true;
            break;
        case '-':
            if (!on)
                P->fail = true;
            on = false;
            break;
        case ')':
            *caseless = cl; /* for the rest of the enclosing group */
            return info_exact(NULL, 0);
        case ':':
            return group_body(P, cl);
        default:
            P->fail = true;
            break;
        }
        if (P->fail)
            return info_unknown();
    }
}

/* A group of any kind at P->i (at its '('). */
static struct info group_inner(struct parser *P, bool *caseless)
{
    int k = peek(P, 1);
    if (k == '*' || k < 0) { /* verbs, alpha assertions */
        P->fail = true;
        return info_unknown();
    }
    if (k != '?') {
        P->i++;
        return group_body(P, *caseless);
    }
    int k2 = peek(P, 2), k3 = peek(P, 3);
    struct info r;
    switch (k2) {
    case ':':
    case '|':
    case '>':
        P->i += 3;
        return group_body(P, *caseless);
    case '=':
    case '!':
    case '*': /* lookahead: zero-width, content not used */
        P->i += 3;
        r = group_body(P, *caseless);
        info_free(&r);
        return info_exact(NULL, 0);
    case '<':
        if (k3 == '=' || k3 == '!' || k3 == '*') {
            P->i += 4;
            r = group_body(P, *caseless);
            info_free(&r);
            return info_exact(NULL, 0);
        }
        P->i += 3;
        skip_past(P, '>');
        return group_body(P, *caseless);
    case '\'':
        P->i += 3;
        skip_past(P, '\'');
        return group_body(P, *caseless);
    case 'P':
        P->i += 4;
        if (k3 == '<') {
            skip_past(P, '>');
            return group_body(P, *caseless);
        }
        if (k3 != '=' && k3 != '>')
            P->fail = true;
        else
            skip_past(P, ')'); /* backreference, subroutine call */
        return info_unknown();
    case '&':
    case 'R':
    case '+':
        P->i += 3;
        skip_past(P, ')');
        return info_unknown();
    case 'C':
        skip_callout(P);
        return info_unknown();
    case '(':
        /* conditional group: its condition, then yes|no parts */
        P->i += 2;
        if (peek(P, 1) == '?' || peek(P, 1) == '*') {
            r = group(P, caseless);
            info_free(&r);
        } else {
            skip_past(P, ')');
        }
        if (!P->fail) {
            r = group_body(P, *caseless);
            info_free(&r);
        }
        return info_unknown();
    default:
        break;
    }
    if (is_digit(k2) || (k2 == '-' && is_digit(k3))) {
        P->i += 3; /* (?1) (?-1): subroutine call */
        skip_past(P, ')');
        return info_unknown();
    }
    return options(P, caseless);
}

static struct info group(struct parser *P, bool *caseless)
{
    if (++P->depth > MAX_DEPTH) {
        P->fail = true;
        return info_unknown();
    }
    struct info r = group_inner(P, caseless);
    P->depth--;
    return r;
}

/* One item (without its quantifier). */
static struct info atom(struct parser *P, bool *caseless)
{
    size_t len;
    const unsigned char *s;
    if (P->quote) {
        s = take_char(P, &len);
        return lit(P, *caseless, s, len);
    }
    switch (P->p[P->i]) {
    case '\\':
        return escape(P, *caseless);
    case '[':
        return char_class(P, *caseless);
    case '(':
        return group(P, caseless);
    case '.':
        P->i++;
        return info_unknown();
    case '^':
    case '$':
        P->i++;
        return info_exact(NULL, 0);
    case '*':
    case '+':
    case '?':
        P->fail = true; /* nothing to repeat */
        return info_unknown();
    default:
        break;
    }
    s = take_char(P, &len);
    return lit(P, *caseless, s, len);
}

/* Items up to '|', ')' or the end. */
static struct info sequence(struct parser *P, bool *caseless)
{
    struct info acc = info_exact(NULL, 0);
    for (;;) {
        skip_invisible(P);
        if (P->fail || P->i >= P->n)
            break;
        int c = P->p[P->i];
        if (!P->quote && (c == '|' || c == ')'))
            break;
        struct info a = atom(P, caseless);
        uint32_t min, max;
        while (!P->fail && quantifier(P, &min, &max)) {
            a = repeat(a, min, max);
            if (peek(P, 0) == '+' || peek(P, 0) == '?') /* possessive, lazy */
                P->i++;
        }
        acc = concat(acc, a);
    }
    return acc;
}

static struct info alternatives(struct parser *P, bool *caseless)
{
    struct info *v = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        tl_xgrow((void **)&v, &cap, n + 1, sizeof *v);
        v[n++] = sequence(P, caseless);
        if (P->fail || peek(P, 0) != '|')
            break;
        P->i++;
    }
    struct info r = n == 1 ? v[0] : alternation(v, n);
    free(v);
    return r;
}

/* Option verbs at the start: (*UTF), (*UCP), (*CRLF), (*LIMIT_..=n)... */
static bool start_verbs(struct parser *P)
{
    static const char *const ok[] = {
        "UCP", "CR", "LF", "CRLF", "ANYCRLF", "ANY", "NUL", "BSR_ANYCRLF",
        "BSR_UNICODE", "NO_AUTO_POSSESS", "NO_DOTSTAR_ANCHOR", "NO_JIT",
        "NO_START_OPT", "NOTEMPTY", "NOTEMPTY_ATSTART"};
    static const char *const limits[] = {"LIMIT_HEAP=", "LIMIT_MATCH=",
                                         "LIMIT_DEPTH=", "LIMIT_RECURSION="};
    while (peek(P, 0) == '(' && peek(P, 1) == '*') {
        size_t a = P->i + 2, j = a;
        while (j < P->n && P->p[j] != ')')
            j++;
        if (j >= P->n)
            return false;
        struct tl_str name = tl_str_make((const char *)P->p + a, j - a);
        bool known = tl_str_eq(name, "UTF");
        if (known)
            P->utf = true;
        for (size_t k = 0; !known && k < TL_ARRAY_LEN(ok); k++)
            known = tl_str_eq(name, ok[k]);
        for (size_t k = 0; !known && k < TL_ARRAY_LEN(limits); k++)
            known = tl_str_starts(name, limits[k]);
        if (!known)
            return false;
        P->i = j + 1;
    }
    return true;
}

/* ---- the result --------------------------------------------------- */

static bool fold_contains(const struct lstr *hay, const struct lstr *needle)
{
    if (needle->n > hay->n)
        return false;
    for (size_t i = 0; i + needle->n <= hay->n; i++)
        if (fold_eq(hay->p + i, needle->p, needle->n))
            return true;
    return false;
}

/* The literals of r, longest first (ties in pattern order), without
 * redundant ones. Consumes r. */
static size_t emit(struct info *r, char **out, size_t max_out)
{
    struct lset all = {NULL, 0, 0};
    if (r->exact) {
        lset_add(&all, r->pre);
    } else {
        /* in pattern order: prefix, inner literals, suffix */
        lset_add(&all, r->pre);
        for (size_t i = 0; i < r->req.n; i++)
            lset_add(&all, r->req.v[i]);
        r->req.n = 0;
        lset_add(&all, r->suf);
    }
    r->pre.p = r->suf.p = NULL;
    info_free(r);
    /* stable sort by length, longest first */
    for (size_t i = 1; i < all.n; i++) {
        struct lstr x = all.v[i];
        size_t j = i;
        while (j > 0 && all.v[j - 1].n < x.n) {
            all.v[j] = all.v[j - 1];
            j--;
        }
        all.v[j] = x;
    }
    /* drop literals inside longer (or equal, earlier) ones */
    size_t k = 0;
    for (size_t i = 0; i < all.n; i++) {
        bool redundant = false;
        for (size_t j = 0; j < k && !redundant; j++)
            redundant = fold_contains(&all.v[j], &all.v[i]);
        if (redundant) {
            free(all.v[i].p);
            continue;
        }
        all.v[k++] = all.v[i];
    }
    all.n = k;
    if (k > max_out)
        k = max_out;
    for (size_t i = 0; i < k; i++) {
        out[i] = all.v[i].p;
        all.v[i].p = NULL;
    }
    lset_free(&all);
    return k;
}

size_t tl_relit_required(const char *pattern, size_t n, uint32_t flags,
                         char **out, size_t max_out)
{
    if (max_out == 0 || !pattern)
        return 0;
    if (flags & (PCRE2_EXTENDED | PCRE2_EXTENDED_MORE | PCRE2_ALT_BSUX |
                 PCRE2_ALLOW_EMPTY_CLASS))
        return 0;
    struct parser P = {(const unsigned char *)pattern, n, 0,
                       (flags & PCRE2_UTF) != 0, false, false, 0};
    bool caseless = (flags & PCRE2_CASELESS) != 0;
    struct info r;
    if (flags & PCRE2_LITERAL) {
        r = info_exact(NULL, 0);
        while (P.i < P.n) {
            size_t len;
            const unsigned char *s = take_char(&P, &len);
            r = concat(r, lit(&P, caseless, s, len));
        }
    } else {
        if (!start_verbs(&P))
            return 0;
        r = alternatives(&P, &caseless);
        if (P.i < P.n) /* an unmatched ')' */
            P.fail = true;
    }
    if (P.fail) {
        info_free(&r);
        return 0;
    }
    return emit(&r, out, max_out);
}
