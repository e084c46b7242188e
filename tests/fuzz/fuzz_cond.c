/*
 * fuzz_cond.c - libFuzzer target for the condition parser.
 *
 * The input is a condition string. A parse either fails with an error
 * offset inside the input and a message, or gives a tree whose canonical
 * form parses again to the same form; resolving it against a fixed set of
 * selection names and evaluating it under every assignment of those
 * selections must not crash, and `not` must flip the value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/cond.h"
#include "../../rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c)) {                                                          \
            fprintf(stderr, "fuzz_cond: %s:%d: check failed: %s\n",          \
                    __FILE__, __LINE__, #c);                                 \
            abort();                                                         \
        }                                                                    \
    } while (0)

static const char *const names[] = {"sel", "sel_a", "sel_b", "filter",
                                    "_x",  "a",     "b"};
#define N_NAMES (sizeof names / sizeof names[0])

static unsigned mask;

static bool getv(void *ctx, size_t i)
{
    (void)ctx;
    CHECK(i < N_NAMES);
    return (mask >> i) & 1u;
}

static void on_err(void *ctx, unsigned pos, const char *msg)
{
    size_t n = *(size_t *)ctx;
    CHECK(pos <= n);
    CHECK(msg && *msg);
}

/* Turn an S-expression back into condition syntax. */
static size_t unformat(const char *s, char *out, size_t cap)
{
    /* "(and a b)" -> "(a and b)"; "(not x)" -> "(not x)";
     * "(1-of p)" -> "(1 of p)"; "(all-of p)" -> "(all of p)" */
    size_t o = 0;
    const char *ops[32];
    int depth = 0;
    int pending[32] = {0};
    for (size_t i = 0; s[i] && o + 16 < cap; i++) {
        if (s[i] == '(') {
            const char *sp = strchr(s + i, ' ');
            size_t kl = sp ? (size_t)(sp - (s + i + 1)) : 0;
            if (depth >= 31)
                return 0;
            depth++;
            out[o++] = '(';
            if (kl == 3 && strncmp(s + i + 1, "not", 3) == 0) {
                memcpy(out + o, "not ", 4);
                o += 4;
                ops[depth] = NULL;
            } else if (kl >= 4 && strncmp(s + i + 1 + kl - 3, "-of", 3) == 0) {
                memcpy(out + o, s + i + 1, kl - 3);
                o += kl - 3;
                memcpy(out + o, " of ", 4);
                o += 4;
                ops[depth] = NULL;
            } else {
                ops[depth] = strncmp(s + i + 1, "and", 3) == 0 ? " and "
                                                               : " or ";
            }
            pending[depth] = 0;
            i += kl + 1;  /* skip the operator and the space */
        } else if (s[i] == ')') {
            out[o++] = ')';
            depth--;
        } else if (s[i] == ' ') {
            if (depth > 0 && ops[depth]) {
                size_t l = strlen(ops[depth]);
                memcpy(out + o, ops[depth], l);
                o += l;
            } else {
                out[o++] = ' ';
            }
        } else {
            out[o++] = s[i];
        }
        (void)pending;
    }
    out[o] = '\0';
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct tl_cond_error e;
    struct tl_cond *c = tl_cond_parse(s, size, &e);
    if (!c) {
        CHECK(e.pos <= size);
        CHECK(e.msg[0] != '\0');
        free(s);
        return 0;
    }
    static char f1[1 << 16], f2[1 << 16], back[1 << 17];
    size_t n1 = tl_cond_format(c, f1, sizeof f1);
    if (n1 < sizeof f1 && unformat(f1, back, sizeof back)) {
        struct tl_cond_error e2;
        struct tl_cond *c2 = tl_cond_parse(back, strlen(back), &e2);
        if (c2) {
            tl_cond_format(c2, f2, sizeof f2);
            CHECK(strcmp(f1, f2) == 0);
            tl_cond_free(c2);
        }
    }
    size_t n = size;
    unsigned problems = tl_cond_resolve(c, names, N_NAMES, NULL, on_err, &n);
    if (problems == 0) {
        for (mask = 0; mask < (1u << N_NAMES); mask += 7) {
            bool v = tl_cond_eval(c, getv, NULL);
            struct tl_cond neg = {.op = TL_COND_NOT, .kids = &c, .n_kids = 1};
            CHECK(tl_cond_eval(&neg, getv, NULL) == !v);
        }
    }
    tl_cond_free(c);
    free(s);
    return 0;
}
