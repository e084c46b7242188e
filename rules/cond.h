/*
 * cond.h - the Sigma `condition` expression: parser, name resolution,
 * evaluation.
 *
 * Grammar (keywords are case-insensitive):
 *
 *     expr    := and ( "or" and )*
 *     and     := unary ( "and" unary )*
 *     unary   := "not" unary | primary
 *     primary := "(" expr ")" | quant "of" target | IDENT
 *     quant   := "all" | NUMBER            (N of: at least N)
 *     target  := "them" | PATTERN          (IDENT with "*" wildcards)
 *
 * IDENT is [A-Za-z0-9_.-]+ and is not a keyword. Aggregations
 * ("| count() > 5") and "near" are Sigma 1 features we reject by name.
 * Nesting is capped at TL_RULES_MAX_COND_DEPTH.
 */
#ifndef TL_COND_H
#define TL_COND_H

#include <stdbool.h>
#include <stddef.h>

enum tl_cond_op {
    TL_COND_ID = 0,   /* a selection */
    TL_COND_NOT,      /* kids[0] */
    TL_COND_AND,      /* kids[0..n_kids) */
    TL_COND_OR,
    TL_COND_OF        /* quant of (pattern | them) */
};

struct tl_cond {
    enum tl_cond_op op;
    unsigned pos, len;      /* byte span in the condition text */
    char *name;             /* ID: the name; OF: the pattern, NULL = them */
    unsigned quant;         /* OF: N, or 0 for "all" */
    size_t sel;             /* ID: resolved selection index */
    size_t *sels;           /* OF: resolved selection indices */
    size_t n_sels;
    struct tl_cond **kids;
    size_t n_kids;
};

struct tl_cond_error {
    unsigned pos;           /* byte offset in the condition text */
    char msg[192];
};

/* Parse s[0..n). Returns a tree the caller frees with tl_cond_free(), or
 * NULL with *err filled. */
struct tl_cond *tl_cond_parse(const char *s, size_t n,
                              struct tl_cond_error *err);
void tl_cond_free(struct tl_cond *c);

/*
 * Resolve names against the selection names (names[i] is selection i).
 * Every problem is reported through err(ctx, pos, msg): an undefined
 * selection, a pattern matching nothing. used[i] (n_names entries, may
 * be NULL) is set for every selection the condition refers to. "them"
 * covers every selection whose name does not start with "_". Returns
 * the number of problems.
 */
unsigned tl_cond_resolve(struct tl_cond *c, const char *const *names,
                         size_t n_names, bool *used,
                         void (*err)(void *ctx, unsigned pos,
                                     const char *msg),
                         void *ctx);

/* Evaluate; sel(ctx, i) gives selection i's value (called lazily, maybe
 * more than once per selection). */
bool tl_cond_eval(const struct tl_cond *c, bool (*sel)(void *ctx, size_t i),
                  void *ctx);

/* A canonical S-expression of the tree, e.g. "(and a (not (1-of sel_*)))",
 * into buf (NUL-terminated, cut at bufsz). Returns the full length. */
size_t tl_cond_format(const struct tl_cond *c, char *buf, size_t bufsz);

/* True if the Sigma pattern (with "*" wildcards) matches name. */
bool tl_cond_pattern_match(const char *pat, const char *name);

#endif
