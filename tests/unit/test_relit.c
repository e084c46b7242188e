/*
 * test_relit.c - required literals of PCRE2 patterns: a table of patterns
 * (the shipped rules' kinds first) with their expected literal sets, and
 * a randomized property test: for generated patterns and subjects that
 * PCRE2 matches, every returned literal is a case-insensitive substring
 * of the subject.
 *
 * TL_RELIT_SEED=n changes the random seed.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/relit.h"
#include "../../util/util.h"

#define MAXLIT 16

/* ---- table -------------------------------------------------------- */

struct row {
    const char *pattern;
    uint32_t flags;
    const char *want[12]; /* in order; NULL-terminated */
};

#define CI PCRE2_CASELESS
#define UTF PCRE2_UTF

static const struct row rows[] = {
    /* the shipped rules' patterns */
    {"GK evaluateScanResult: (?<scan_result>\\d+), PST: \\(path: "
     "(?<path_hash>[0-9a-f]{16}|<private>)\\), \\(team: "
     "(?<team_id>[A-Z0-9]{10}|\\(null\\))\\)",
     0,
     {"GK evaluateScanResult: ", ", PST: (path: ", "), (team: "}},
    {"cert\\[(?<cert_index>\\d+)\\]: (?<check>TemporalValidity|"
     "AnchorTrusted) =",
     0,
     {"cert[", "]: ", " ="}},
    {"Error Domain=(?<error_domain>SUOSUErrorDomain) "
     "Code=(?<error_code>-?\\d+)",
     0,
     {"Error Domain=SUOSUErrorDomain Code="}},
    {"^AMFI: '(?<path>[^']+)' is adhoc signed\\.", 0,
     {"' is adhoc signed.", "AMFI: '"}},
    {"(?i)ticket not available: 2/2/(?<cdhash>[0-9a-f]{40})", 0,
     {"ticket not available: 2/2/"}},
    {"ticket not available: 2/2/(?<cdhash>[0-9a-f]{40})", CI,
     {"ticket not available: 2/2/"}},
    /* with UTF, caseless k and s may be U+212A / U+017F */
    {"(?i)ticket not available: 2/2/(?<cdhash>[0-9a-f]{40})", UTF,
     {"et not available: 2/2/", "tic"}},
    {"(*UTF)(?i)making tests", 0, {"ing te", "ma"}},
    {"(?:(?i)x|kk)s", UTF, {"s"}},
    {"(?i)ab(?-i)k", UTF, {"abk"}},
    {"(?i:k)ey", UTF, {"ey"}},
    {"kiss", CI, {"kiss"}},
    {"kiss", CI | UTF, {"i"}},
    {"kiss", UTF, {"kiss"}},

    /* plain runs, alternation */
    {"abc", 0, {"abc"}},
    {"", 0, {NULL}},
    {"a|b", 0, {NULL}},
    {"abc|abd", 0, {"ab"}},
    {"xabc|yabc", 0, {"abc"}},
    {"Error: foo|error: bar", 0, {"Error: "}},
    {"abc|ABC", 0, {"abc"}},
    {"foo(bar|baz)qux", 0, {"fooba", "qux"}},
    {"ab(?:c|)d", 0, {"ab", "d"}},
    {"(?|(a)x|(b)x)y", 0, {"xy"}},

    /* quantifiers */
    {"ab?c", 0, {"a", "c"}},
    {"ab*c", 0, {"a", "c"}},
    {"ab+c", 0, {"ab", "bc"}},
    {"ab{3}c", 0, {"abbbc"}},
    {"ab{2,}c", 0, {"abb", "bbc"}},
    {"ab{0,5}c", 0, {"a", "c"}},
    {"ab{2,4}?c", 0, {"abb", "bbc"}},
    {"ab{2}+c", 0, {"abbc"}},
    {"ab++c", 0, {"ab", "bc"}},
    {"a(?:bc)?d", 0, {"a", "d"}},
    {"a(?:bc)+d", 0, {"abc", "bcd"}},
    {"a(?:bc){2}d", 0, {"abcbcd"}},
    {"a(?:b.c)+d", 0, {"ab", "cd"}},
    {"x{,3}y", 0, {"y"}},  /* {0,3} in PCRE2 >= 10.43 */
    {"x{ 2}y", 0, {"y"}},  /* idem */
    {"x{a}y", 0, {"x{a}y"}},
    {"a{1000}", 0,
     {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}},
    {"ab(?#comment)?c", 0, {"a", "c"}},
    {"ab\\E?c", 0, {"a", "c"}},
    {"a\\Q\\E+b", 0, {"ab"}}, /* + repeats the a */

    /* escapes */
    {"a\\.b\\(c\\)\\[d\\]\\/e\\\\f\\-g\\ h\\{i\\}", 0,
     {"a.b(c)[d]/e\\f-g h{i}"}},
    {"\\ttab\\n", 0, {"\ttab\n"}},
    {"\\x41\\x{42}C\\x2e", 0, {"ABC."}},
    {"a\\x00b\\0c\\x{0}d", 0, {"a", "b", "c", "d"}},
    {"a\\x{263a}b", 0, {"a", "b"}},
    {"\\d+ apples", 0, {" apples"}},
    {"a\\sb\\wc\\Wd\\he\\Rf\\Ng\\Xh", 0,
     {"a", "b", "c", "d", "e", "f", "g", "h"}},
    {"a\\p{Lu}b\\pLc\\P{Nd}d", 0, {"a", "b", "c", "d"}},
    {"\\Qa.b*c\\E+d", 0, {"a.b*c", "cd"}},
    {"x\\Qab", 0, {"xab"}},
    {"a\\cAb", 0, {"a", "b"}},
    {"a\\o{101}b", 0, {"a", "b"}},

    /* zero-width items join runs */
    {"^foo$", 0, {"foo"}},
    {"\\bfoo\\b\\Bbar\\A\\z\\Z\\G", 0, {"foobar"}},
    {"foo(?=bar)", 0, {"foo"}},
    {"(?<=x)foo(?!y)bar(?<!z)", 0, {"foobar"}},
    {"a\\Kb", 0, {"ab"}},

    /* classes */
    {"a[.]b", 0, {"a.b"}},
    {"[Kk]ernel", 0, {"Kernel"}},
    {"[Kk]ernel", CI | UTF, {"ernel"}},
    {"[^a]bc", 0, {"bc"}},
    {"[abc]d", 0, {"d"}},
    {"[a-c]d", 0, {"d"}},
    {"[[:alpha:]]x", 0, {"x"}},
    {"[]]x", 0, {"]x"}},
    {"[\\]]x", 0, {"]x"}},
    {"[\\d]x", 0, {"x"}},
    {"[\\x41]x", 0, {"Ax"}},
    {"[a-]x", 0, {"x"}},
    {"[\\Q]\\E]x", 0, {NULL}},

    /* backreferences, calls, callouts, conditionals: unknown strings */
    {"(a)bc\\1de", 0, {"abc", "de"}},
    {"(?<n>ab)c\\k<n>d\\k{n}e\\g{1}f\\g-1g\\g<n>h", 0,
     {"abc", "d", "e", "f", "g", "h"}},
    {"(?P<n>ab)c(?P=n)d(?P>n)e", 0, {"abc", "d", "e"}},
    {"a(?1)b(?R)c(?&n)d(?+1)e(?-1)f(?'n'x)", 0,
     {"fx", "a", "b", "c", "d", "e"}},
    {"(?C1)abc", 0, {"abc"}},
    {"ab(?C'x''y')cd(?C{z})e", 0, {"ab", "cd", "e"}},
    {"ab(?(1)cd|ef)gh", 0, {"ab", "gh"}},
    {"ab(?(?=x)cd|ef)gh", 0, {"ab", "gh"}},
    {"ab(?(<n>)c)gh(?<n>z)", 0, {"ghz", "ab"}},

    /* high bytes: exact when case-sensitive, unknown when caseless */
    {"caf\xc3\xa9 ok", 0, {"caf\xc3\xa9 ok"}},
    {"caf\xc3\xa9 ok", CI, {"caf", " ok"}},
    {"caf\xc3\xa9?x", UTF, {"caf", "x"}},
    {"caf\xc3\xa9?x", 0, {"caf\xc3", "x"}},
    {"\\\xc3\xa9x", UTF, {"\xc3\xa9x"}},

    /* PCRE2_LITERAL */
    {"a.b*c(", PCRE2_LITERAL, {"a.b*c("}},
    {"kiss", PCRE2_LITERAL | CI | UTF, {"i"}},

    /* start-of-pattern option verbs */
    {"(*LIMIT_MATCH=100)(*CRLF)abc", 0, {"abc"}},
    {"(*UCP)abc", 0, {"abc"}},

    /* given up */
    {"abc", PCRE2_EXTENDED, {NULL}},
    {"abc", PCRE2_EXTENDED_MORE, {NULL}},
    {"(?x)abc", 0, {NULL}},
    {"ab(?x:cd)", 0, {NULL}},
    {"ab(?-x:cd)", 0, {"abcd"}},
    {"(*ACCEPT)abc", 0, {NULL}},
    {"abc(*COMMIT)def", 0, {NULL}},
    {"abc(*pla:x)def", 0, {NULL}},
    {"(*FOO)abc", 0, {NULL}},
    {"(abc", 0, {NULL}},
    {"abc)", 0, {NULL}},
    {"[abc", 0, {NULL}},
    {"abc\\", 0, {NULL}},
    {"a(?#unterminated", 0, {NULL}},
    {"(?zz)abc", 0, {NULL}},
    {"*abc", 0, {NULL}},
};

/* "lit1" "lit2" ... for messages */
static void show(char *buf, size_t cap, const char *const *v, size_t n)
{
    size_t p = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && p + 4 < cap; i++)
        p += (size_t)snprintf(buf + p, cap - p, "\"%s\" ", v[i]);
}

START_TEST(test_table)
{
    const struct row *r = &rows[_i];
    char *got[MAXLIT];
    size_t n = tl_relit_required(r->pattern, strlen(r->pattern), r->flags,
                                 got, MAXLIT);
    size_t nw = 0;
    while (r->want[nw])
        nw++;
    bool ok = n == nw;
    for (size_t i = 0; ok && i < n; i++)
        ok = strcmp(got[i], r->want[i]) == 0;
    if (!ok) {
        char a[1024], b[1024];
        show(a, sizeof a, (const char *const *)got, n);
        show(b, sizeof b, r->want, nw);
        ck_abort_msg("pattern /%s/ flags %#x: got %s, want %s", r->pattern,
                     r->flags, a, b);
    }
    for (size_t i = 0; i < n; i++)
        free(got[i]);
}
END_TEST

START_TEST(test_api_edges)
{
    char *out[4];
    /* max_out caps the list; the longest come first */
    size_t n = tl_relit_required("a.bb.ccc.dddd", 13, 0, out, 2);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(out[0], "dddd");
    ck_assert_str_eq(out[1], "ccc");
    free(out[0]);
    free(out[1]);
    ck_assert_uint_eq(tl_relit_required("abc", 3, 0, NULL, 0), 0);
    ck_assert_uint_eq(tl_relit_required(NULL, 0, 0, out, 4), 0);
    /* the length is honoured: no terminator needed, NUL is unknown */
    n = tl_relit_required("abc\0def", 7, 0, out, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(out[0], "abc");
    ck_assert_str_eq(out[1], "def");
    free(out[0]);
    free(out[1]);
    n = tl_relit_required("abcdef", 3, 0, out, 4);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(out[0], "abc");
    free(out[0]);
    /* nesting */
    char deep[700];
    size_t k = 0;
    for (int i = 0; i < 300; i++)
        deep[k++] = '(';
    deep[k++] = 'a';
    for (int i = 0; i < 300; i++)
        deep[k++] = ')';
    ck_assert_uint_eq(tl_relit_required(deep, k, 0, out, 4), 0);
    k = 0;
    for (int i = 0; i < 100; i++)
        deep[k++] = '(';
    memcpy(deep + k, "abc", 3);
    k += 3;
    for (int i = 0; i < 100; i++)
        deep[k++] = ')';
    ck_assert_uint_eq(tl_relit_required(deep, k, 0, out, 4), 1);
    ck_assert_str_eq(out[0], "abc");
    free(out[0]);
}
END_TEST

/* ---- randomized property test ------------------------------------- */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned rn(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* A generated pattern node; it prints itself and samples subjects. */
enum kind {
    N_LIT,     /* one byte c, printed raw or escaped */
    N_UTF8,    /* a 2-byte UTF-8 character */
    N_CLASS,   /* [set] or [^set] */
    N_DOT,
    N_SHORT,   /* \d \w \s */
    N_SEQ,
    N_ALT,
    N_GROUP,   /* one child, several group syntaxes */
    N_REPEAT,
    N_ANCHOR,  /* ^ $ \b \B */
    N_LOOK,    /* (?=x) (?!x) (?<=x) (?<!x) */
    N_BACKREF, /* \1 */
    N_QUOTE,   /* \Q...\E */
    N_COMMENT,
    N_OPTION,  /* (?i) (?-i) */
    N_ESC,     /* \t \n \x41 \x{42} */
};

struct node {
    enum kind kind;
    unsigned char c;          /* N_LIT, N_ESC: the byte */
    char set[8];              /* N_CLASS members */
    bool neg;                 /* N_CLASS */
    unsigned style;           /* printing variant */
    unsigned min, max;        /* N_REPEAT; max 99 = unbounded */
    struct node *kid[4];
    size_t nkid;
};

static const char lit_bytes[] = "abkKsSxyz019 -:/.()[]{}*+?|\\^$'=";

static struct node *gen(int depth, bool utf)
{
    struct node *n = tl_xcalloc(1, sizeof *n);
    unsigned r = rn(depth > 3 ? 10 : 24);
    if (r < 6) {
        n->kind = N_LIT;
        n->c = (unsigned char)lit_bytes[rn(sizeof lit_bytes - 1)];
        n->style = rn(3);
    } else if (r < 7) {
        n->kind = utf ? N_UTF8 : N_LIT;
        n->c = utf ? (unsigned char)(0xa0 + rn(32)) : (unsigned char)'q';
    } else if (r < 8) {
        n->kind = N_CLASS;
        size_t k = 1 + rn(3);
        for (size_t i = 0; i < k; i++)
            n->set[i] = "abkKsS.-x]"[rn(10)];
        n->neg = rn(5) == 0;
    } else if (r < 9) {
        n->kind = rn(2) ? N_DOT : N_SHORT;
        n->style = rn(3);
    } else if (r < 10) {
        n->kind = rn(3) ? N_ESC : N_ANCHOR;
        n->style = rn(4);
        n->c = "\t\nAB"[n->style];
    } else if (r < 14) {
        n->kind = N_SEQ;
        n->nkid = 1 + rn(4);
    } else if (r < 16) {
        n->kind = N_ALT;
        n->nkid = 2 + rn(2);
    } else if (r < 18) {
        n->kind = N_GROUP;
        n->nkid = 1;
        n->style = rn(7);
    } else if (r < 21) {
        n->kind = N_REPEAT;
        n->nkid = 1;
        n->style = rn(9);
        n->min = n->style == 5 ? rn(3) : 0;
        n->max = n->min + rn(3);
    } else {
        unsigned k = rn(5);
        n->kind = k == 0 ? N_LOOK : k == 1 ? N_BACKREF : k == 2 ? N_QUOTE
                  : k == 3 ? N_COMMENT : N_OPTION;
        n->style = rn(4);
        n->nkid = k == 0 ? 1 : 0;
        if (k == 2)
            for (size_t i = 0; i < 3; i++)
                n->set[i] = lit_bytes[rn(sizeof lit_bytes - 2)];
    }
    for (size_t i = 0; i < n->nkid; i++)
        n->kid[i] = gen(depth + 1, utf);
    return n;
}

static void node_free(struct node *n)
{
    for (size_t i = 0; i < n->nkid; i++)
        node_free(n->kid[i]);
    free(n);
}

static void put(struct tl_buf *b, const char *s)
{
    tl_buf_append(b, s, strlen(s));
}

static void print(const struct node *n, struct tl_buf *b)
{
    char tmp[32];
    switch (n->kind) {
    case N_LIT:
        if (strchr("\\^$.[|()?*+{", n->c) || n->style == 0) {
            if (!((n->c >= 'a' && n->c <= 'z') ||
                  (n->c >= 'A' && n->c <= 'Z') ||
                  (n->c >= '0' && n->c <= '9')))
                tl_buf_putc(b, '\\');
        }
        tl_buf_putc(b, (char)n->c);
        break;
    case N_UTF8:
        tl_buf_putc(b, (char)0xc3);
        tl_buf_putc(b, (char)n->c);
        break;
    case N_CLASS:
        put(b, n->neg ? "[^" : "[");
        for (const char *p = n->set; *p; p++) {
            if (*p == ']' || *p == '-')
                tl_buf_putc(b, '\\');
            tl_buf_putc(b, *p);
        }
        tl_buf_putc(b, ']');
        break;
    case N_DOT:
        tl_buf_putc(b, '.');
        break;
    case N_SHORT:
        put(b, (const char *[]){"\\d", "\\w", "\\s"}[n->style]);
        break;
    case N_ESC:
        put(b, (const char *[]){"\\t", "\\n", "\\x41", "\\x{42}"}[n->style]);
        break;
    case N_ANCHOR:
        put(b, (const char *[]){"^", "$", "\\b", "\\B"}[n->style]);
        break;
    case N_SEQ:
        for (size_t i = 0; i < n->nkid; i++)
            print(n->kid[i], b);
        break;
    case N_ALT:
        put(b, "(?:");
        for (size_t i = 0; i < n->nkid; i++) {
            if (i)
                tl_buf_putc(b, '|');
            print(n->kid[i], b);
        }
        tl_buf_putc(b, ')');
        break;
    case N_GROUP:
        put(b, (const char *[]){"(", "(?:", "(?<g>", "(?'h'", "(?P<j>",
                                "(?>", "(?i:"}[n->style]);
        print(n->kid[0], b);
        tl_buf_putc(b, ')');
        break;
    case N_REPEAT:
        put(b, "(?:");
        print(n->kid[0], b);
        tl_buf_putc(b, ')');
        switch (n->style) {
        case 0: put(b, "?"); break;
        case 1: put(b, "*"); break;
        case 2: put(b, "+"); break;
        case 3: put(b, "*?"); break;
        case 4: put(b, "++"); break;
        default:
            if (n->max > n->min && rn(2))
                snprintf(tmp, sizeof tmp, "{%u,%u}", n->min, n->max);
            else if (n->max > n->min)
                snprintf(tmp, sizeof tmp, "{%u,}", n->min);
            else
                snprintf(tmp, sizeof tmp, "{%u}", n->min);
            put(b, tmp);
            break;
        }
        break;
    case N_LOOK:
        put(b, (const char *[]){"(?=", "(?!", "(?<=", "(?<!"}[n->style]);
        if (n->style >= 2)
            tl_buf_putc(b, 'a'); /* lookbehind: fixed length */
        else
            print(n->kid[0], b);
        tl_buf_putc(b, ')');
        break;
    case N_BACKREF:
        put(b, (const char *[]){"\\1", "\\g{1}", "(?1)", "(?R)?"}
                   [n->style]);
        break;
    case N_QUOTE:
        put(b, "\\Q");
        put(b, n->set);
        put(b, "\\E");
        break;
    case N_COMMENT:
        put(b, "(?#c)");
        break;
    case N_OPTION:
        put(b, n->style & 1 ? "(?i)" : "(?-i)");
        break;
    }
}

/* Append a random string the node could match (PCRE2 has the last word). */
static void sample(const struct node *n, struct tl_buf *b, bool utf)
{
    switch (n->kind) {
    case N_LIT:
        tl_buf_putc(b, (char)n->c);
        break;
    case N_UTF8:
        tl_buf_putc(b, (char)0xc3);
        tl_buf_putc(b, (char)n->c);
        break;
    case N_CLASS:
        if (n->neg)
            tl_buf_putc(b, "qwQW#"[rn(5)]);
        else
            tl_buf_putc(b, n->set[rn((unsigned)strlen(n->set))]);
        break;
    case N_DOT:
        tl_buf_putc(b, "aZ9 -_"[rn(6)]);
        break;
    case N_SHORT:
        tl_buf_putc(b, n->style == 0 ? (char)('0' + rn(10))
                       : n->style == 1 ? "aZ_5"[rn(4)] : " \t"[rn(2)]);
        break;
    case N_ESC:
        tl_buf_putc(b, (char)n->c);
        break;
    case N_ANCHOR:
    case N_COMMENT:
    case N_OPTION:
    case N_LOOK:
        break;
    case N_SEQ:
        for (size_t i = 0; i < n->nkid; i++)
            sample(n->kid[i], b, utf);
        break;
    case N_ALT:
        sample(n->kid[rn((unsigned)n->nkid)], b, utf);
        break;
    case N_GROUP:
        sample(n->kid[0], b, utf);
        break;
    case N_REPEAT: {
        unsigned max = n->style <= 4 ? (n->style == 0 ? 1 : 3) : n->max;
        unsigned min = n->style == 2 || n->style == 4 ? 1 : n->min;
        unsigned k = min + rn(max - min + 1);
        for (unsigned i = 0; i < k; i++)
            sample(n->kid[0], b, utf);
        break;
    }
    case N_BACKREF:
        if (rn(2))
            put(b, "ab");
        break;
    case N_QUOTE:
        put(b, n->set);
        break;
    }
}

/* Flip ASCII letter case at random; with UTF (and caseless) also the case
 * of U+00E0..U+00FE, and sometimes write k and s as U+212A and U+017F. */
static void mangle(struct tl_buf *in, struct tl_buf *out, bool utf)
{
    tl_buf_clear(out);
    for (size_t i = 0; i < in->len; i++) {
        unsigned char c = (unsigned char)in->p[i];
        unsigned f = tl_fold[c];
        if (utf && f == 'k' && rn(3) == 0) {
            put(out, "\xe2\x84\xaa");
            continue;
        }
        if (utf && f == 's' && rn(3) == 0) {
            put(out, "\xc5\xbf");
            continue;
        }
        if (utf && c == 0xc3 && i + 1 < in->len) {
            /* U+00E0..U+00FE <-> U+00C0..U+00DE (not the division sign) */
            unsigned char d = (unsigned char)in->p[++i];
            if (d >= 0xa0 && d != 0xb7 && d != 0xbf && rn(2))
                d ^= 0x20;
            tl_buf_putc(out, (char)c);
            tl_buf_putc(out, (char)d);
            continue;
        }
        if (f >= 'a' && f <= 'z' && rn(2))
            c ^= 0x20;
        tl_buf_putc(out, (char)c);
    }
}

static bool fold_has(const char *hay, size_t hn, const char *needle)
{
    size_t nn = strlen(needle);
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && tl_fold[(unsigned char)hay[i + j]] ==
                             tl_fold[(unsigned char)needle[j]])
            j++;
        if (j == nn)
            return true;
    }
    return false;
}

START_TEST(test_property)
{
    pcre2_match_context *mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mctx, 200000);
    pcre2_set_depth_limit(mctx, 2000);
    struct tl_buf pat, raw, subj;
    tl_buf_init(&pat, 1 << 16);
    tl_buf_init(&raw, 1 << 16);
    tl_buf_init(&subj, 1 << 16);
    unsigned compiled = 0, matched = 0, checked = 0;
    for (unsigned round = 0; round < 20000; round++) {
        bool utf = rn(4) == 0;
        uint32_t flags = (rn(2) ? PCRE2_CASELESS : 0) |
                         (rn(4) == 0 ? PCRE2_MULTILINE : 0) |
                         (rn(4) == 0 ? PCRE2_DOTALL : 0) |
                         (utf ? PCRE2_UTF : 0);
        struct node *root = gen(0, utf);
        /* sometimes a top-level alternation */
        struct node *top = root;
        if (rn(6) == 0) {
            top = tl_xcalloc(1, sizeof *top);
            top->kind = N_SEQ;
            top->nkid = 1;
            top->kid[0] = root;
        }
        tl_buf_clear(&pat);
        print(top, &pat);
        if (rn(8) == 0) {
            struct node *other = gen(1, utf);
            tl_buf_putc(&pat, '|');
            print(other, &pat);
            node_free(other);
        }
        char *lits[MAXLIT];
        size_t nl = tl_relit_required(pat.p, pat.len, flags, lits, MAXLIT);
        for (size_t i = 0; i < nl; i++) {
            ck_assert_uint_gt(strlen(lits[i]), 0);
            for (size_t j = 0; j < nl; j++)
                if (i != j)
                    ck_assert(!fold_has(lits[i], strlen(lits[i]), lits[j]));
        }
        int err;
        PCRE2_SIZE eoff;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat.p, pat.len, flags,
                                       &err, &eoff, NULL);
        if (re) {
            compiled++;
            pcre2_match_data *md =
                pcre2_match_data_create_from_pattern(re, NULL);
            for (unsigned s = 0; s < 12; s++) {
                tl_buf_clear(&raw);
                if (rn(2))
                    put(&raw, (const char *[]){"x", "ab ", "--", "k"}[rn(4)]);
                sample(top, &raw, utf);
                if (rn(2))
                    put(&raw, (const char *[]){"y", " ab", "S"}[rn(3)]);
                mangle(&raw, &subj, utf && (flags & PCRE2_CASELESS));
                int rc = pcre2_match(re, (PCRE2_SPTR)subj.p, subj.len, 0, 0,
                                     md, mctx);
                if (rc < 0)
                    continue;
                matched++;
                for (size_t i = 0; i < nl; i++) {
                    checked++;
                    if (!fold_has(subj.p, subj.len, lits[i]))
                        ck_abort_msg("/%s/ flags %#x matches \"%s\" but "
                                     "literal \"%s\" is not in it",
                                     pat.p, flags, subj.p, lits[i]);
                }
            }
            pcre2_match_data_free(md);
            pcre2_code_free(re);
        }
        for (size_t i = 0; i < nl; i++)
            free(lits[i]);
        if (top != root) {
            top->nkid = 0;
            free(top);
        }
        node_free(root);
    }
    if (getenv("TL_RELIT_STATS"))
        printf("relit property: %u patterns compiled, %u subjects matched, "
               "%u literal checks\n", compiled, matched, checked);
    /* the test must have tested something */
    ck_assert_uint_gt(compiled, 10000);
    ck_assert_uint_gt(matched, 20000);
    ck_assert_uint_gt(checked, 20000);
    tl_buf_free(&pat);
    tl_buf_free(&raw);
    tl_buf_free(&subj);
    pcre2_match_context_free(mctx);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("relit");
    TCase *tc = tcase_create("relit");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_table, 0, (int)TL_ARRAY_LEN(rows));
    tcase_add_test(tc, test_api_edges);
    tcase_add_test(tc, test_property);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *seed = getenv("TL_RELIT_SEED");
    if (seed && *seed)
        rng_state = strtoull(seed, NULL, 10) * 0x9e3779b97f4a7c15ull | 1;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
