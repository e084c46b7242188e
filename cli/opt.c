/*
 * opt.c - see opt.h.
 */
#include "opt.h"

#include <stdio.h>
#include <string.h>

#include "../util/util.h"

void tl_opt_init(struct tl_optstate *st, const char *prog)
{
    st->idx = 1;
    st->done = false;
    st->arg = NULL;
    st->prog = prog;
}

static int shortopt_pos; /* position inside a "-abc" cluster */

int tl_opt_next(struct tl_optstate *st, int argc, char **argv,
                const struct tl_opt *opts)
{
    st->arg = NULL;
    if (st->idx >= argc)
        return TL_OPT_END;
    const char *a = argv[st->idx];
    if (st->done || a[0] != '-' || a[1] == '\0') {
        st->idx++;
        st->arg = a;
        return TL_OPT_OPERAND;
    }
    if (strcmp(a, "--") == 0) {
        st->done = true;
        st->idx++;
        return tl_opt_next(st, argc, argv, opts);
    }
    if (a[1] == '-') {
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nl = eq ? (size_t)(eq - name) : strlen(name);
        for (const struct tl_opt *o = opts; o->id; o++) {
            if (!o->lng || strlen(o->lng) != nl || memcmp(o->lng, name, nl))
                continue;
            st->idx++;
            if (o->has_arg) {
                if (eq)
                    st->arg = eq + 1;
                else if (st->idx < argc)
                    st->arg = argv[st->idx++];
                else {
                    fprintf(stderr, "%s: option --%s needs a value\n",
                            st->prog, o->lng);
                    return TL_OPT_ERROR;
                }
            } else if (eq) {
                fprintf(stderr, "%s: option --%s takes no value\n", st->prog,
                        o->lng);
                return TL_OPT_ERROR;
            }
            return o->id;
        }
        fprintf(stderr, "%s: unknown option --%.*s (see --help)\n", st->prog,
                (int)nl, name);
        return TL_OPT_ERROR;
    }
    int pos = shortopt_pos ? shortopt_pos : 1;
    char c = a[pos];
    for (const struct tl_opt *o = opts; o->id; o++) {
        if (o->shrt != c)
            continue;
        if (o->has_arg) {
            shortopt_pos = 0;
            st->idx++;
            if (a[pos + 1])
                st->arg = a + pos + 1;
            else if (st->idx < argc)
                st->arg = argv[st->idx++];
            else {
                fprintf(stderr, "%s: option -%c needs a value\n", st->prog, c);
                return TL_OPT_ERROR;
            }
        } else if (a[pos + 1]) {
            shortopt_pos = pos + 1;
        } else {
            shortopt_pos = 0;
            st->idx++;
        }
        return o->id;
    }
    shortopt_pos = 0;
    fprintf(stderr, "%s: unknown option -%c (see --help)\n", st->prog, c);
    return TL_OPT_ERROR;
}

bool tl_opt_uint(const char *prog, const char *name, const char *v,
                 unsigned long long max, unsigned long long *out)
{
    return tl_opt_urange(prog, name, v, 0, max, out);
}

bool tl_opt_urange(const char *prog, const char *name, const char *v,
                   unsigned long long min, unsigned long long max,
                   unsigned long long *out)
{
    uint64_t x;
    if (!tl_parse_u64(v, strlen(v), &x) || x < min || x > max) {
        fprintf(stderr, "%s: --%s: expected a whole number from %llu to "
                "%llu, got '%s'\n", prog, name, min, max, v);
        return false;
    }
    *out = x;
    return true;
}

bool tl_opt_size(const char *prog, const char *name, const char *v,
                 unsigned long long max, unsigned long long *out)
{
    size_t n = strlen(v);
    unsigned shift = 0;
    uint64_t x;
    if (n > 0) {
        char s = v[n - 1];
        if (s == 'K' || s == 'k')
            shift = 10;
        else if (s == 'M' || s == 'm')
            shift = 20;
        else if (s == 'G' || s == 'g')
            shift = 30;
        if (shift)
            n--;
    }
    if (!tl_parse_u64(v, n, &x) || x > (max >> shift)) {
        fprintf(stderr, "%s: --%s: expected a size such as 65536, 64K or 1M "
                "(at most %llu bytes), got '%s'\n", prog, name, max, v);
        return false;
    }
    *out = x << shift;
    return true;
}
