/*
 * test_mlit.c - the multi-literal prefilter: fixed cases (folding, bytes
 * >= 0x80, NUL, duplicates, shared ids, early stop, the empty literal),
 * the shipped key phrases on realistic lines, and a randomized
 * differential test against a naive search over many literal sets that
 * exercise every engine path (length-1 bytes, short and long Wu-Manber
 * groups, 2- and 4-byte q-grams, 1-, 2- and 4-chain scans).
 *
 * TL_MLIT_BENCH=1 adds a throughput report (never a timed assertion).
 * TL_MLIT_SEED=n changes the random seed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../rules/mlit.h"
#include "../../util/util.h"

/* ---- helpers ------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

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

static struct tl_mlit *build_strs(const char *const *lits, size_t n)
{
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    for (size_t i = 0; i < n; i++)
        tl_mlit_add(b, lits[i], strlen(lits[i]), (uint32_t)i);
    return tl_mlit_build(b);
}

/* Collected ids of one tl_mlit_each() call. */
struct ids {
    uint32_t v[8192];
    size_t n;
    size_t stop_after; /* return false after this many calls; 0: never */
};

static bool collect(void *ctx, uint32_t id)
{
    struct ids *s = ctx;
    ck_assert_uint_lt(s->n, TL_ARRAY_LEN(s->v));
    s->v[s->n++] = id;
    return s->stop_after == 0 || s->n < s->stop_after;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void each_sorted(const struct tl_mlit *m, const char *t, size_t n,
                        struct ids *out)
{
    out->n = 0;
    out->stop_after = 0;
    tl_mlit_each(m, t, n, collect, out);
    qsort(out->v, out->n, sizeof out->v[0], cmp_u32);
}

/* "a,b,c" of the sorted ids reported for text s. */
static char idbuf[4096];
static const char *E(const struct tl_mlit *m, const char *s, size_t n)
{
    static struct ids r;
    each_sorted(m, s, n, &r);
    size_t p = 0;
    idbuf[0] = '\0';
    for (size_t i = 0; i < r.n && p < sizeof idbuf - 16; i++)
        p += (size_t)snprintf(idbuf + p, sizeof idbuf - p, "%s%u",
                              i ? "," : "", r.v[i]);
    return idbuf;
}

#define ES(m, s) E((m), (s), sizeof(s) - 1)
#define ANY(m, s) tl_mlit_any((m), (s), sizeof(s) - 1)

/* ---- fixed cases -------------------------------------------------- */

START_TEST(test_empty)
{
    struct tl_mlit *m = tl_mlit_build(NULL);
    ck_assert_ptr_nonnull(m);
    ck_assert_uint_eq(tl_mlit_count(m), 0);
    ck_assert_uint_eq(tl_mlit_min_len(m), 0);
    ck_assert(!ANY(m, "anything"));
    ck_assert_str_eq(ES(m, "anything"), "");
    tl_mlit_free(m);

    m = tl_mlit_build(tl_mlit_builder_new());
    ck_assert(!tl_mlit_any(m, "", 0));
    ck_assert(!tl_mlit_any(m, NULL, 0));
    tl_mlit_free(m);

    /* NULL is the empty set everywhere. */
    ck_assert(!tl_mlit_any(NULL, "x", 1));
    tl_mlit_each(NULL, "x", 1, collect, NULL);
    ck_assert_uint_eq(tl_mlit_count(NULL), 0);
    ck_assert_uint_eq(tl_mlit_min_len(NULL), 0);
    tl_mlit_free(NULL);
    tl_mlit_builder_free(NULL);

    /* A builder may be dropped unbuilt. */
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    tl_mlit_add(b, "abc", 3, 1);
    tl_mlit_builder_free(b);
}
END_TEST

START_TEST(test_basic_folding)
{
    static const char *const lits[] = {"TemporalValidity", "AMFI: ",
                                       "ticket not available"};
    struct tl_mlit *m = build_strs(lits, 3);
    ck_assert_uint_eq(tl_mlit_count(m), 3);
    ck_assert_uint_eq(tl_mlit_min_len(m), 6);
    ck_assert(ANY(m, "cert[0]: TemporalValidity =(path)[]> 0"));
    ck_assert(ANY(m, "TEMPORALVALIDITY"));
    ck_assert(ANY(m, "temporalvalidity"));
    ck_assert(!ANY(m, "temporalvaliditx"));
    ck_assert(!ANY(m, "TemporalValidit"));
    ck_assert(ANY(m, "amfi: x"));
    ck_assert(!ANY(m, "AMFI:x"));
    ck_assert(!ANY(m, "AMFI:"));
    ck_assert_str_eq(ES(m, "AMFI: ticket NOT available; temporalValidity"),
                     "0,1,2");
    ck_assert_str_eq(ES(m, "Ticket not available"), "2");
    ck_assert_str_eq(ES(m, "nothing here at all, not even close"), "");
    tl_mlit_free(m);
}
END_TEST

/* OR-ing 0x20 is only the filter: the verdict is tl_fold's. */
START_TEST(test_fold_is_ascii_only)
{
    static const char *const lits[] = {
        "[abc]",          /* 0: '[' | 0x20 == '{' */
        "@home",          /* 1: '@' | 0x20 == '`' */
        "\xc3\xa9t\xc3\xa9", /* 2: UTF-8 "ete" with accents */
        "x\x01y",         /* 3: 0x01 | 0x20 == '!' */
        "_under_",        /* 4: '_' | 0x20 == DEL */
    };
    struct tl_mlit *m = build_strs(lits, 5);
    ck_assert_str_eq(ES(m, "{abc}"), "");
    ck_assert_str_eq(ES(m, "[ABC]"), "0");
    ck_assert_str_eq(ES(m, "`home"), "");
    ck_assert_str_eq(ES(m, "@HOME"), "1");
    ck_assert_str_eq(ES(m, "\xc3\x89T\xc3\x89"), "");   /* E-acute upper */
    ck_assert_str_eq(ES(m, "\xc3\xa9T\xc3\xa9"), "2");
    ck_assert_str_eq(ES(m, "x!y X!Y"), "");
    ck_assert_str_eq(ES(m, "X\x01Y"), "3");
    ck_assert_str_eq(ES(m, "\x7funder\x7f"), "");
    ck_assert_str_eq(ES(m, "_UNDER_"), "4");
    tl_mlit_free(m);
}
END_TEST

START_TEST(test_nul_bytes)
{
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    tl_mlit_add(b, "a\0b", 3, 1);
    tl_mlit_add(b, "\0\0", 2, 2);
    tl_mlit_add(b, "needle", 6, 3);
    struct tl_mlit *m = tl_mlit_build(b);
    ck_assert_str_eq(E(m, "xxA\0Byy", 7), "1");
    ck_assert_str_eq(E(m, "xxA\0\0B", 6), "2");
    ck_assert_str_eq(E(m, "\0\0\0NEEDLE\0", 10), "2,3");
    ck_assert_str_eq(E(m, "ab\0 needl\0e", 11), "");
    tl_mlit_free(m);
}
END_TEST

START_TEST(test_duplicates_and_shared_ids)
{
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    tl_mlit_add(b, "CODE SIGNING:", 13, 10);
    tl_mlit_add(b, "code signing:", 13, 11); /* same literal, other id */
    tl_mlit_add(b, "Code Signing:", 13, 10); /* same literal, same id */
    tl_mlit_add(b, "Xprotect", 8, 12);
    tl_mlit_add(b, "XProtectRemediator", 18, 12); /* id shared */
    tl_mlit_add(b, "notarization", 12, 12);
    struct tl_mlit *m = tl_mlit_build(b);
    ck_assert_uint_eq(tl_mlit_count(m), 6);
    ck_assert_uint_eq(tl_mlit_min_len(m), 8);
    ck_assert_str_eq(ES(m, "kernel: CODE SIGNING: process 1"), "10,11");
    /* all three id-12 literals present: still one report */
    ck_assert_str_eq(ES(m, "XProtectRemediator notarization xprotect"),
                     "12");
    ck_assert_str_eq(ES(m, "xprotect code signing: CODE SIGNING:"),
                     "10,11,12");
    tl_mlit_free(m);
}
END_TEST

START_TEST(test_early_stop)
{
    static const char *const lits[] = {"alpha", "beta", "gamma", "delta",
                                       "x", "yz"};
    struct tl_mlit *m = build_strs(lits, 6);
    static const char text[] = "delta gamma beta alpha x yz";
    for (size_t stop = 1; stop <= 7; stop++) {
        struct ids r = {.n = 0, .stop_after = stop};
        tl_mlit_each(m, text, sizeof text - 1, collect, &r);
        ck_assert_uint_eq(r.n, stop < 6 ? stop : 6);
        qsort(r.v, r.n, sizeof r.v[0], cmp_u32);
        for (size_t i = 1; i < r.n; i++)
            ck_assert_uint_lt(r.v[i - 1], r.v[i]);
    }
    tl_mlit_free(m);
}
END_TEST

START_TEST(test_empty_literal)
{
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    tl_mlit_add(b, "", 0, 5);
    tl_mlit_add(b, "abc", 3, 6);
    struct tl_mlit *m = tl_mlit_build(b);
    ck_assert_uint_eq(tl_mlit_min_len(m), 0);
    ck_assert(tl_mlit_any(m, "", 0));
    ck_assert_str_eq(E(m, "", 0), "5");
    ck_assert_str_eq(ES(m, "xABCx"), "5,6");
    tl_mlit_free(m);
}
END_TEST

START_TEST(test_edges)
{
    static const char *const lits[] = {"q", "zz", "abc", "abcdefgh",
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    struct tl_mlit *m = build_strs(lits, 5);
    ck_assert_str_eq(ES(m, "Q"), "0");
    ck_assert_str_eq(ES(m, "Z"), "");
    ck_assert_str_eq(ES(m, "zZ"), "1");
    ck_assert_str_eq(ES(m, "aBc"), "2");
    ck_assert_str_eq(ES(m, "abcdefg"), "2");
    ck_assert_str_eq(ES(m, "abcdefgh"), "2,3");
    ck_assert_str_eq(ES(m, "ABCDEFGHIJKLMNOPQRSTUVWXY"), "0,2,3");
    ck_assert_str_eq(ES(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), "0,2,3,4");
    ck_assert_str_eq(ES(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZz"), "0,1,2,3,4");
    /* at the very end of a long text, and at its start */
    char big[3000];
    memset(big, '.', sizeof big);
    memcpy(big + sizeof big - 8, "ABCDEFGH", 8);
    ck_assert_str_eq(E(m, big, sizeof big), "2,3");
    memset(big, '.', sizeof big);
    memcpy(big, "abcdefgh", 8);
    ck_assert_str_eq(E(m, big, sizeof big), "2,3");
    /* across every quarter boundary of the 4-chain scan */
    for (size_t at = 0; at + 26 <= 400; at++) {
        memset(big, '-', 400);
        memcpy(big + at, lits[4], 26);
        ck_assert_str_eq(E(m, big, 400), "0,2,3,4");
    }
    tl_mlit_free(m);
}
END_TEST

/* Short literals (2 to 7 bytes, a few) beside long ones: with the vector
 * extension they are searched 16 start positions at a time, with a
 * zero-padded copy of the text's last bytes. At every start position,
 * in texts of every length up to 60: found exactly where they are, and
 * never where only their bytes OR 0x20 are ('[' is not '{'). */
START_TEST(test_short_literals)
{
    static const char *const lits[] = {"cert[", "notari", "%@", "a\0b",
                                       "GK evaluateScanResult"};
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    for (size_t i = 0; i < TL_ARRAY_LEN(lits); i++)
        tl_mlit_add(b, lits[i], i == 3 ? 3 : strlen(lits[i]), (uint32_t)i);
    struct tl_mlit *m = tl_mlit_build(b);
    char t[64];
    for (size_t n = 0; n <= 60; n++) {
        for (size_t at = 0; at + 6 <= n; at++) {
            memset(t, 'x', n);
            memcpy(t + at, "NoTaRi", 6);
            ck_assert_str_eq(E(m, t, n), "1");
            memcpy(t + at, "CERT{ ", 6);
            ck_assert_str_eq(E(m, t, n), "");
            memcpy(t + at, "Cert[ ", 6);
            ck_assert_str_eq(E(m, t, n), "0");
            memcpy(t + at, "A\0b%@", 6);
            ck_assert_str_eq(E(m, t, n), "2,3");
            memcpy(t + at, "A\0B%\x60", 6);
            ck_assert_str_eq(E(m, t, n), "3");
            memcpy(t + at, "notar", 5); /* cut short at the end */
            ck_assert_str_eq(E(m, t, at + 5), "");
        }
        memset(t, 0, n); /* NUL text: the padding is NUL too */
        ck_assert_str_eq(E(m, t, n), "");
    }
    tl_mlit_free(m);
}
END_TEST

/* ---- the shipped key phrases -------------------------------------- */

static const char *const phrases[] = {
    "TemporalValidity", "Trust evaluate failure", "GK evaluateScanResult",
    "Allowing evaluation due to migration", "ticket not available",
    "cloudkit record fetch", "CKTicketStore", "SUOSUErrorDomain",
    "ASP: Security policy", "CODE SIGNING:", "mac_vnode_check_signature",
    "AppleMobileFileIntegrityError", "Xprotect", "SecStaticCode",
    "notarization", "AnchorTrusted", "revocation check", "OCSP responder",
    "certificate has expired", "kSecTrustResult", "ProvisioningProfile",
    "is adhoc signed", "com.apple.quarantine", "XProtectRemediator",
    "kTCCService", "Unsigned code", "invalid signature", "errSecCSUnsigned",
    "Gatekeeper", "assessment denied", "launch constraint",
    "Library Validation", "hardened runtime", "get-task-allow", "taskgated",
    "Library not loaded", "SecAssessment", "stapled ticket",
    "CSSMERR_TP_CERT_EXPIRED", "disallowed by policy", "AMFI: ",
};

START_TEST(test_phrases)
{
    struct tl_mlit *m = build_strs(phrases, TL_ARRAY_LEN(phrases));
    ck_assert_str_eq(
        ES(m, "2024-10-06 00:31:20.432184+0900 0x13983    Default     0x0"
              "                  5224   0    syspolicyd: [com.apple.syspolicy"
              ".exec:default] GK evaluateScanResult: 2, PST: (path: c97bd5e74"
              "b98ed79), (team: (null)), (id: (null)), (bundle_id: (null))"),
        "2");
    ck_assert_str_eq(
        ES(m, "2024-10-06 00:31:21.000001+0900 0x1a2      Default     0x0"
              "                  0      0    kernel: AMFI: '/private/tmp/a."
              "out' is adhoc signed."),
        "21,40");
    ck_assert(!ANY(m, "2024-10-06 00:31:21.000001+0900 0x1a2      Default"
                      "     0x0                  312    0    runningboardd: "
                      "[com.apple.runningboard:process] [app<application.com"
                      ".apple.Safari.1234.5678(501)>:4321] Now flagged as "
                      "pending exit for reason: workspace client connection "
                      "invalidated"));
    ck_assert(!ANY(m, "trustd: [com.apple.securityd:policy] cert[1]: "
                      "IssuerCommonName =(path)[]> 0 com.apple.quarantin."));
    ck_assert(ANY(m, "trustd: [com.apple.securityd:policy] cert[1]: "
                     "IssuerCommonName =(path)[]> 0 com.apple.quarantine"));
    tl_mlit_free(m);
}
END_TEST

/* ---- randomized differential test --------------------------------- */

struct lit {
    char *p;
    size_t n;
    uint32_t id;
};

/* Does l occur in t (tl_fold equality)? */
static bool naive_has(const struct lit *l, const unsigned char *t, size_t n)
{
    if (l->n > n)
        return false;
    for (size_t i = 0; i + l->n <= n; i++) {
        size_t j = 0;
        while (j < l->n &&
               tl_fold[t[i + j]] == tl_fold[(unsigned char)l->p[j]])
            j++;
        if (j == l->n)
            return true;
    }
    return false;
}

/* tl_mlit_scan_all against the naive search: the set of (start, end) of
 * every occurrence of every distinct (folded) literal. */
struct occ {
    size_t *v; /* start << 32 | end */
    size_t n, cap;
};

static bool occ_add(void *ctx, size_t start, size_t end)
{
    struct occ *o = ctx;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 64;
        o->v = tl_xrealloc(o->v, o->cap * sizeof *o->v);
    }
    o->v[o->n++] = start << 32 | end;
    return true;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void check_scan_all(const struct tl_mlit *m, const struct lit *L,
                           size_t nlit, const unsigned char *t, size_t n)
{
    bool short_lit = false;
    for (size_t i = 0; i < nlit; i++)
        short_lit |= L[i].n <= 1;
    struct occ got = {0}, want = {0};
    bool ok = tl_mlit_scan_all(m, (const char *)t, n, occ_add, &got);
    ck_assert_int_eq(ok, !short_lit);
    if (!ok) {
        ck_assert_uint_eq(got.n, 0);
        return;
    }
    for (size_t i = 0; i < nlit; i++) {
        for (size_t at = 0; at + L[i].n <= n; at++) {
            size_t j = 0;
            while (j < L[i].n &&
                   tl_fold[t[at + j]] == tl_fold[(unsigned char)L[i].p[j]])
                j++;
            if (j == L[i].n)
                occ_add(&want, at, at + L[i].n);
        }
    }
    if (want.n)
        qsort(want.v, want.n, sizeof *want.v, cmp_size);
    size_t u = 0; /* literals equal after folding report once */
    for (size_t i = 0; i < want.n; i++)
        if (u == 0 || want.v[u - 1] != want.v[i])
            want.v[u++] = want.v[i];
    want.n = u;
    if (got.n)
        qsort(got.v, got.n, sizeof *got.v, cmp_size);
    ck_assert_uint_eq(got.n, want.n);
    if (got.n)
        ck_assert(memcmp(got.v, want.v, got.n * sizeof *got.v) == 0);
    free(got.v);
    free(want.v);
}

static const char *const alphabets[] = {
    "abAB",
    "abcABC \x80\xff",
    "ab\0AB[{@`",
    "etaoin shrdlu ETAOIN",
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :._-/[]()",
};
static const size_t alphabet_len[] = {4, 8, 9, 20, 72};

static char rand_byte(unsigned a)
{
    if (a == TL_ARRAY_LEN(alphabets))
        return (char)rn(256);
    return alphabets[a][rn((unsigned)alphabet_len[a])];
}

static size_t rand_len(unsigned shape)
{
    switch (shape) {
    case 0: /* short ones */
        return 1 + rn(4);
    case 1: /* the shipped mix */
        return 5 + rn(30);
    case 2: /* long only: 4-byte q-grams once there are many */
        return 8 + rn(20);
    case 3: /* a few long ones */
        return rn(8) ? 2 + rn(12) : 30 + rn(270);
    case 4: /* long windows: 4-byte q-grams even for small sets */
        return 10 + rn(30);
    default: /* anything */
        return 1 + rn(40);
    }
}

/* Flip the case of ASCII letters at random. */
static void case_flip(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (rn(2) && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            p[i] = (char)(c ^ 0x20);
    }
}

static void differential_round(size_t nlit, unsigned shape, unsigned alpha,
                               size_t max_text, unsigned texts)
{
    struct lit *L = tl_xcalloc(nlit, sizeof *L);
    struct tl_mlit_builder *b = tl_mlit_builder_new();
    uint32_t idspace = (uint32_t)(nlit + 1 + rn((unsigned)nlit * 2 + 1));
    for (size_t i = 0; i < nlit; i++) {
        if (i > 0 && rn(8) == 0) {
            /* a duplicate of an earlier literal, maybe in other case */
            const struct lit *o = &L[rn((unsigned)i)];
            L[i].n = o->n;
            L[i].p = tl_xmalloc(o->n + 1);
            memcpy(L[i].p, o->p, o->n);
            case_flip(L[i].p, L[i].n);
        } else if (i > 0 && rn(8) == 0) {
            /* overlapping: a piece of an earlier literal plus more */
            const struct lit *o = &L[rn((unsigned)i)];
            size_t from = rn((unsigned)o->n), extra = rn(6);
            L[i].n = o->n - from + extra;
            L[i].p = tl_xmalloc(L[i].n + 1);
            memcpy(L[i].p, o->p + from, o->n - from);
            for (size_t j = o->n - from; j < L[i].n; j++)
                L[i].p[j] = rand_byte(alpha);
            if (L[i].n == 0) {
                L[i].p[0] = rand_byte(alpha);
                L[i].n = 1;
            }
        } else {
            L[i].n = rand_len(shape);
            L[i].p = tl_xmalloc(L[i].n + 1);
            for (size_t j = 0; j < L[i].n; j++)
                L[i].p[j] = rand_byte(alpha);
        }
        /* ids: mostly unique, sometimes shared */
        L[i].id = rn(4) ? (uint32_t)i * 7 + 3 : rn(idspace);
        tl_mlit_add(b, L[i].p, L[i].n, L[i].id);
    }
    struct tl_mlit *m = tl_mlit_build(b);
    ck_assert_uint_eq(tl_mlit_count(m), nlit);

    unsigned char *t = tl_xmalloc(max_text + 1);
    static struct ids got;
    uint32_t *want = tl_xmalloc(nlit * sizeof *want);
    for (unsigned r = 0; r < texts; r++) {
        size_t n = rn(4) ? rn((unsigned)(max_text < 600 ? max_text : 600) + 1)
                         : rn((unsigned)max_text + 1);
        for (size_t i = 0; i < n; i++)
            t[i] = (unsigned char)rand_byte(rn(3) ? alpha : 4);
        /* plant some literals, case-flipped, possibly cut at the end */
        unsigned plant = n ? rn(4) : 0;
        for (unsigned k = 0; k < plant; k++) {
            const struct lit *l = &L[rn((unsigned)nlit)];
            size_t at = rn((unsigned)n);
            size_t len = l->n < n - at ? l->n : n - at;
            memcpy(t + at, l->p, len);
            case_flip((char *)t + at, len);
        }
        size_t nw = 0;
        for (size_t i = 0; i < nlit; i++)
            if (naive_has(&L[i], t, n))
                want[nw++] = L[i].id;
        qsort(want, nw, sizeof *want, cmp_u32);
        size_t u = 0;
        for (size_t i = 0; i < nw; i++)
            if (u == 0 || want[u - 1] != want[i])
                want[u++] = want[i];
        nw = u;

        each_sorted(m, (const char *)t, n, &got);
        if (got.n != nw || memcmp(got.v, want, nw * sizeof *want) != 0) {
            fprintf(stderr, "mismatch: %zu literals, text %zu bytes, "
                            "got %zu ids, want %zu\n",
                    nlit, n, got.n, nw);
            ck_abort_msg("tl_mlit_each differs from the naive search");
        }
        ck_assert(tl_mlit_any(m, (const char *)t, n) == (nw > 0));
        check_scan_all(m, L, nlit, t, n);
        if (nw > 1) {
            struct ids part = {.n = 0, .stop_after = 1 + rn((unsigned)nw)};
            tl_mlit_each(m, (const char *)t, n, collect, &part);
            ck_assert_uint_eq(part.n, part.stop_after);
        }
    }
    free(want);
    free(t);
    tl_mlit_free(m);
    for (size_t i = 0; i < nlit; i++)
        free(L[i].p);
    free(L);
}

START_TEST(test_differential_small)
{
    for (unsigned round = 0; round < 1500; round++) {
        unsigned alpha = rn(TL_ARRAY_LEN(alphabets) + 1);
        differential_round(1 + rn(rn(4) ? 12 : 60), rn(6), alpha, 1500, 20);
    }
}
END_TEST

START_TEST(test_differential_large_sets)
{
    /* Many literals: big q-gram tables, 4-byte q-grams, and more than
     * 4096 distinct ids (the heap seen-set). */
    static const size_t sizes[] = {150, 400, 1200, 5000};
    for (unsigned round = 0; round < 12; round++) {
        size_t nlit = sizes[round % TL_ARRAY_LEN(sizes)];
        unsigned alpha = 3 + rn(3);
        differential_round(nlit, round % 3 == 0 ? 1 : 2, alpha, 3000, 25);
    }
}
END_TEST

START_TEST(test_differential_big_text)
{
    /* 1 MiB records, all paths. */
    for (unsigned round = 0; round < 6; round++)
        differential_round(1 + rn(40), round, 4, 1u << 20, 2);
}
END_TEST

/* ---- throughput (TL_MLIT_BENCH=1) --------------------------------- */

static const char *const apps[] = {
    "Safari", "Mail", "finder", "dock", "Notes", "Music", "Photos",
    "Terminal", "dt.Xcode", "TextEdit", "Preview", "iCal", "AddressBook",
    "systempreferences", "Spotlight", "controlcenter", "weather", "news"};
static const char *const procs[] = {
    "kernel", "runningboardd", "mDNSResponder", "WindowServer", "locationd",
    "bluetoothd", "trustd", "symptomsd", "powerd", "UserEventAgent",
    "sharingd", "nsurlsessiond", "cloudd", "distnoted", "CommCenter",
    "apsd", "coreduetd", "Finder", "launchservicesd", "cfprefsd"};

static void hexs(char *b, int n)
{
    for (int i = 0; i < n; i++)
        b[i] = "0123456789abcdef"[rn(16)];
    b[n] = '\0';
}

/* One ordinary background message, in the shape `log show` prints. */
static void background(char *o, size_t cap, const char **proc)
{
    char h1[20], h2[12];
    const char *a = apps[rn(TL_ARRAY_LEN(apps))];
    unsigned k = rn(20);
    hexs(h1, 16);
    hexs(h2, 8);
    *proc = procs[k];
    switch (k) {
    case 0:
        snprintf(o, cap,
                 "(AppleACPIPlatform) AppleACPICPU: ProcessorId=%u "
                 "LocalApicId=%u Enabled",
                 rn(16), rn(32));
        break;
    case 1:
        snprintf(o, cap,
                 "[com.apple.runningboard:process] "
                 "[app<application.com.apple.%s.%u.%u(501)>:%u] Now flagged as "
                 "pending exit for reason: workspace client connection "
                 "invalidated",
                 a, rn(99999), rn(99999), rn(99999));
        break;
    case 2:
        snprintf(o, cap,
                 "[com.apple.mDNSResponder:Default] [R%u] getaddrinfo start -- "
                 "flags: 0x%x, ifindex: 0, protocols: 0, hostname: <mask.hash: "
                 "'%s=='>, options: 0x0, client pid: %u (%s)",
                 rn(90000), rn(0xffff), h1, rn(99999), a);
        break;
    case 3:
        snprintf(o, cap,
                 "(SkyLight) [com.apple.SkyLight:default] <private>: "
                 "Connection %u is now active, windows %u, display 0x%s",
                 rn(1 << 20), rn(40), h2);
        break;
    case 4:
        snprintf(o, cap,
                 "[com.apple.locationd.Core:Client] {\"msg\":\"client "
                 "connection\", \"event\":\"activity\", "
                 "\"client\":\"com.apple.%s\", \"pid\":%u}",
                 a, rn(99999));
        break;
    case 5:
        snprintf(o, cap,
                 "[com.apple.bluetooth:Server.LE.Scan] Scan params changed: "
                 "window %u ms, interval %u ms, rssi -%u, type passive",
                 rn(300), rn(3000), rn(100));
        break;
    case 6:
        snprintf(o, cap,
                 "[com.apple.securityd:policy] cert[%u]: IssuerCommonName "
                 "=(path)[]> 0",
                 rn(4));
        break;
    case 7:
        snprintf(o, cap,
                 "[com.apple.symptomsd:flow] Data Usage for %s on flow %u - "
                 "WiFi in/out: %u/%u, WiFi delta_in/delta_out: %u/%u, Cell "
                 "in/out: 0/0, Cell delta_in/delta_out: 0/0, RNF: 0, "
                 "subscriber tag: 0, total duration: %u.%03u",
                 a, rn(99999), rn(1u << 30), rn(1u << 24), rn(5000), rn(5000),
                 rn(3600), rn(1000));
        break;
    case 8:
        snprintf(o, cap,
                 "[com.apple.powerd:sleepWake] Process %s.%u TimerFired "
                 "Assertion id %u released after %us",
                 a, rn(99999), rn(1 << 30), rn(300));
        break;
    case 9:
        snprintf(o, cap,
                 "(com.apple.cts) [com.apple.backgroundtaskmanagement:cts] "
                 "com.apple.%s.refresh: scheduling activity with interval %u, "
                 "grace period %u",
                 a, rn(86400), rn(3600));
        break;
    case 10:
        snprintf(o, cap,
                 "[com.apple.sharing:AirDrop] Bonjour browse started for "
                 "interface awdl0, peers %u",
                 rn(10));
        break;
    case 11:
        snprintf(o, cap,
                 "[com.apple.network:connection] [C%u %s.apple.com:443 tcp, "
                 "url hash: %s, tls, definite, attribution: developer, "
                 "context: com.apple.CFNetwork.NSURLSession.{%s-%s}] start",
                 rn(9999), a, h2, h1, h2);
        break;
    case 12:
        snprintf(o, cap,
                 "[com.apple.cloudkit:op] Operation %s finished with result "
                 "success, duration %u.%03u s, container iCloud.com.apple.%s",
                 h1, rn(9), rn(1000), a);
        break;
    case 13:
        snprintf(o, cap,
                 "[com.apple.distnoted:diagnostic] register name: "
                 "com.apple.%s.changed object: %u token: %x pid: %u",
                 a, rn(500), rn(0xffff), rn(99999));
        break;
    case 14:
        snprintf(o, cap,
                 "[com.apple.telephony:ul.bb] #I Signal strength: bars=%u "
                 "rssi=-%u rscp=-%u",
                 rn(5), rn(120), rn(120));
        break;
    case 15:
        snprintf(o, cap,
                 "[com.apple.apsd:connection] <APSCourier: 0x%s> Received "
                 "message for enabled topic 'com.apple.%s' onInterface: "
                 "NonCellular with payload size %u",
                 h1, a, rn(4096));
        break;
    case 16:
        snprintf(o, cap,
                 "[com.apple.coreduet:knowledge] Registered for changes to "
                 "stream /app/inFocus with predicate bundleID == com.apple.%s",
                 a);
        break;
    case 17:
        snprintf(o, cap,
                 "(AppKit) [com.apple.AppKit:Window] order window: %u op: 1 "
                 "relative: 0 related: 0",
                 rn(9999));
        break;
    case 18:
        snprintf(o, cap,
                 "[com.apple.launchservices:record] Updating record for bundle "
                 "com.apple.%s at path /Applications/%s.app, version %u.%u",
                 a, a, rn(20), rn(10));
        break;
    default:
        snprintf(o, cap,
                 "(CoreFoundation) [com.apple.defaults:User Defaults] found no "
                 "value for key %sEnabled in CFPrefsSearchListSource<0x%s> "
                 "(Domain: com.apple.%s, Container: (null))",
                 a, h1, a);
        break;
    }
}

struct corpus {
    char *buf;
    size_t *off, *len;
    size_t nrec, bytes;
};

/* Lines of background text, none containing a literal of m. */
static void make_corpus(struct corpus *c, size_t target,
                        const struct tl_mlit *m)
{
    static const char *const types[] = {"Default", "Info", "Debug", "Error"};
    size_t cap = target + 2048, nrec_cap = target / 100;
    c->buf = tl_xmalloc(cap);
    c->off = tl_xmalloc(nrec_cap * sizeof *c->off);
    c->len = tl_xmalloc(nrec_cap * sizeof *c->len);
    c->nrec = c->bytes = 0;
    while (c->bytes < target && c->nrec < nrec_cap) {
        char msg[1024];
        const char *proc;
        background(msg, sizeof msg, &proc);
        char *p = c->buf + c->bytes;
        int k = snprintf(p, cap - c->bytes,
                         "2024-10-%02u %02u:%02u:%02u.%06u+0900 0x%-8x %-11s "
                         "0x%-16x %-6u %-4u %s: %s",
                         1 + rn(28), rn(24), rn(60), rn(60), rn(1000000),
                         rn(0xfffff), types[rn(8) ? 0 : 1 + rn(3)],
                         rn(4) ? 0 : rn(0xfffff), rn(99999), rn(2) ? 0 : 14,
                         proc, msg);
        if (k <= 0 || (size_t)k >= cap - c->bytes)
            break;
        if (m && tl_mlit_any(m, p, (size_t)k))
            continue;
        c->off[c->nrec] = c->bytes;
        c->len[c->nrec++] = (size_t)k;
        c->bytes += (size_t)k;
    }
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void bench_set(const char *name, const char *const *lits, size_t n)
{
    struct tl_mlit *m = build_strs(lits, n);
    struct corpus c;
    make_corpus(&c, 2u << 20, m);
    double best = 1e30;
    size_t hits = 0;
    for (int rep = 0; rep < 40; rep++) {
        double t0 = cpu_seconds();
        hits = 0;
        for (size_t r = 0; r < c.nrec; r++)
            hits += tl_mlit_any(m, c.buf + c.off[r], c.len[r]);
        double t = cpu_seconds() - t0;
        if (t < best)
            best = t;
    }
    ck_assert_uint_eq(hits, 0);
    printf("mlit bench: %-34s %5zu literals, min len %2zu: %5.2f GB/s "
           "(%zu no-hit lines, avg %zu bytes)\n",
           name, n, tl_mlit_min_len(m), (double)c.bytes / best / 1e9,
           c.nrec, c.bytes / c.nrec);
    free(c.buf);
    free(c.off);
    free(c.len);
    tl_mlit_free(m);
}

static const char *const words[] = {
    "trust", "policy", "signing", "evaluate", "ticket", "record",
    "certificate", "anchor", "validity", "scan", "result", "denied",
    "allowed", "process", "binary", "launch", "daemon", "agent", "kernel",
    "vnode", "integrity", "profile", "notary", "bundle", "team",
    "identifier", "hash", "entitlement", "sandbox", "extension",
    "quarantine", "malware", "remediation", "update", "install", "package",
    "receipt", "keychain", "token", "session"};

/* 1,000 generated phrases: three words, word_word_NNNN, or random. */
static char **gen_phrases(size_t n, int kind)
{
    char **o = tl_xcalloc(n, sizeof *o);
    for (size_t k = 0; k < n; k++) {
        char b[128];
        if (kind == 0) {
            snprintf(b, sizeof b, "%s %s %s", words[rn(40)], words[rn(40)],
                     words[rn(40)]);
        } else if (kind == 1) {
            snprintf(b, sizeof b, "%s_%s_%04zu", words[rn(40)],
                     words[rn(40)], k);
        } else {
            static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJK"
                                     "LMNOPQRSTUVWXYZ0123456789 :_.";
            size_t len = 8 + rn(16);
            for (size_t i = 0; i < len; i++)
                b[i] = al[rn(sizeof al - 1)];
            b[len] = '\0';
        }
        o[k] = tl_xstrdup(b);
    }
    return o;
}

static void free_phrases(char **p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(p[i]);
    free(p);
}

START_TEST(test_bench)
{
    const char *env = getenv("TL_MLIT_BENCH");
    if (!env || strcmp(env, "1") != 0)
        return;
    size_t np = TL_ARRAY_LEN(phrases);
    bench_set("40 shipped phrases (min 8)", phrases, np - 1);
    bench_set("41 shipped phrases + \"AMFI: \"", phrases, np);
    static const char *const with_short[] = {
        "TemporalValidity", "Trust evaluate failure", "GK evaluateScanResult",
        "SUOSUErrorDomain", "CODE SIGNING:", "Xprotect", "notarization",
        "SecStaticCode", "AMFI: ", "TCC", "%@"};
    bench_set("11 with \"TCC\", \"%@\" (len 2-3)", with_short,
              TL_ARRAY_LEN(with_short));
    static const char *const one_byte[] = {"TemporalValidity", "\x7f"};
    bench_set("1 phrase + a 1-byte literal", one_byte, 2);
    static const char *const bytes6[] = {"\x7f", "\x01", "\x02", "\x03",
                                         "\x04", "\x05"};
    bench_set("6 1-byte literals (byte table)", bytes6, 6);
    static const char *const tcc[] = {"TCC"};
    bench_set("\"TCC\" alone", tcc, 1);
    static const char *const gen_names[] = {"1000 generated: three words",
                                            "1000 generated: word_word_NNNN",
                                            "1000 generated: random 8-23"};
    for (int kind = 0; kind < 3; kind++) {
        char **g = gen_phrases(1000, kind);
        bench_set(gen_names[kind], (const char *const *)g, 1000);
        free_phrases(g, 1000);
    }
    for (int kind = 0; kind < 3; kind++) {
        char **g = gen_phrases(40, kind);
        char name[64];
        snprintf(name, sizeof name, "40 generated, kind %d", kind);
        bench_set(name, (const char *const *)g, 40);
        free_phrases(g, 40);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mlit");
    TCase *tc = tcase_create("mlit");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_basic_folding);
    tcase_add_test(tc, test_fold_is_ascii_only);
    tcase_add_test(tc, test_nul_bytes);
    tcase_add_test(tc, test_duplicates_and_shared_ids);
    tcase_add_test(tc, test_early_stop);
    tcase_add_test(tc, test_empty_literal);
    tcase_add_test(tc, test_edges);
    tcase_add_test(tc, test_short_literals);
    tcase_add_test(tc, test_phrases);
    tcase_add_test(tc, test_differential_small);
    tcase_add_test(tc, test_differential_large_sets);
    tcase_add_test(tc, test_differential_big_text);
    tcase_add_test(tc, test_bench);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *seed = getenv("TL_MLIT_SEED");
    if (seed && *seed)
        rng_state = strtoull(seed, NULL, 10) * 0x9e3779b97f4a7c15ull | 1;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
