/*
 * opt.h - a small portable option parser (getopt_long is not POSIX).
 *
 * Accepts "--name", "--name=value", "--name value", "-x", "-x value",
 * "-xvalue"; options and operands may be mixed; "--" ends options; "-"
 * alone is an operand (stdin).
 */
#ifndef TL_OPT_H
#define TL_OPT_H

#include <stdbool.h>

struct tl_opt {
    const char *lng;  /* long name without "--", or NULL */
    char shrt;        /* short letter, or 0 */
    bool has_arg;
    int id;           /* returned for this option; must be > 0 */
};

struct tl_optstate {
    int idx;          /* next argv index; start at 1 */
    bool done;        /* "--" seen */
    const char *arg;  /* the option's value, or the operand */
    const char *prog; /* for messages, e.g. "trustline parse" */
};

#define TL_OPT_END 0       /* no more arguments */
#define TL_OPT_OPERAND -1  /* st->arg is an operand */
#define TL_OPT_ERROR -2    /* a message was printed */

void tl_opt_init(struct tl_optstate *st, const char *prog);
int tl_opt_next(struct tl_optstate *st, int argc, char **argv,
                const struct tl_opt *opts);

/* Parse a non-negative integer option value; prints an error naming the
 * option and returns false when it is not one or exceeds max. */
bool tl_opt_uint(const char *prog, const char *name, const char *v,
                 unsigned long long max, unsigned long long *out);
/* The same with a lower bound too. */
bool tl_opt_urange(const char *prog, const char *name, const char *v,
                   unsigned long long min, unsigned long long max,
                   unsigned long long *out);
/* Sizes: digits with an optional K, M or G suffix (binary). */
bool tl_opt_size(const char *prog, const char *name, const char *v,
                 unsigned long long max, unsigned long long *out);

#endif
