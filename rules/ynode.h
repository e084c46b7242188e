/*
 * ynode.h - a small, bounded YAML node tree built from libyaml events
 * (internal to rules/).
 *
 * Aliases and anchors are rejected (no expansion ever happens, so the
 * "billion laughs" cannot), nesting is capped at TL_RULES_MAX_DEPTH,
 * scalars at TL_RULES_MAX_SCALAR bytes and documents at
 * TL_RULES_MAX_NODES nodes. Plain scalars are resolved with the YAML 1.2
 * core schema (null, true/false, integers, floats); quoted scalars and
 * scalars tagged !!str stay strings.
 */
#ifndef TL_RULES_YNODE_H
#define TL_RULES_YNODE_H

#include <stdbool.h>
#include <stddef.h>

enum tl_ynode_type { TL_Y_SCALAR = 0, TL_Y_MAP, TL_Y_SEQ };

enum tl_yscalar {
    TL_YS_STR = 0,  /* quoted, !!str, or a plain scalar of no other kind */
    TL_YS_NULL,     /* plain "", "~", "null" */
    TL_YS_BOOL,     /* plain true/false */
    TL_YS_INT,      /* plain [-+]?[0-9]+ or 0x... 0o... */
    TL_YS_FLOAT     /* plain float, .inf, .nan */
};

enum tl_yquote { TL_YQ_PLAIN = 0, TL_YQ_SINGLE, TL_YQ_DOUBLE, TL_YQ_BLOCK };

struct tl_ynode {
    enum tl_ynode_type type;
    unsigned line, col;        /* 1-based start */
    unsigned end_line, end_col;
    /* scalars */
    char *s;                   /* NUL-terminated (may contain NULs) */
    size_t n;
    enum tl_yscalar kind;
    enum tl_yquote quote;
    bool bval;
    bool placeholder;          /* stands for a rejected alias */
    /* map: kids[2i] key (a scalar), kids[2i+1] value; seq: kids[i] */
    struct tl_ynode **kids;
    size_t n_kids;
    size_t cap_kids;
};

struct tl_yload_cb {
    void *ctx;
    /* One complete document. root may be NULL for an empty document;
     * tainted when an error was reported inside it. The callee owns
     * root (free with tl_rules_ynode_free). line/col: document start. */
    void (*doc)(void *ctx, struct tl_ynode *root, bool tainted,
                unsigned line, unsigned col);
    /* A problem at line:col (1-based; 0 = unknown). */
    void (*err)(void *ctx, unsigned line, unsigned col, const char *msg);
};

/* Parse text[0..n) (borrowed). Returns false if parsing stopped early on
 * an error (the documents before it were delivered). */
bool tl_rules_yaml_load(const char *text, size_t n,
                        const struct tl_yload_cb *cb);

void tl_rules_ynode_free(struct tl_ynode *y);

/* Map lookup by key; NULL if absent. */
struct tl_ynode *tl_rules_ymap_get(const struct tl_ynode *map,
                                   const char *key);

/* "a string", "a list", "a map", "null", "a number", "a boolean". */
const char *tl_rules_ynode_desc(const struct tl_ynode *y);

/* ---- lists of strings --------------------------------------------------- */

/* A 1-based position in the rule file. */
struct tl_ypos {
    unsigned line, col;
};

/* How tl_rules_ystrlist() reads a value. */
enum {
    TL_YSL_SCALAR = 1u << 0, /* one scalar stands for a list of one */
    TL_YSL_NAMES = 1u << 1   /* entries are names: non-empty strings, not
                                numbers, booleans or null (a null value
                                is then an error, not an empty list) */
};

/* Report a problem at node `at` (never NULL). */
typedef void (*tl_ystrlist_err_fn)(void *ctx, const struct tl_ynode *at,
                                   const char *msg);

/*
 * A list of strings (or, with TL_YSL_SCALAR, one scalar) -> a malloc'd,
 * NULL-terminated array of malloc'd copies; *n gets the count. y NULL
 * (and, without TL_YSL_NAMES, a null value) gives NULL and *n = 0
 * silently. A value of the wrong shape gives NULL and one message; an
 * entry of the wrong kind is reported and skipped (a list always gives a
 * non-NULL array, maybe empty). `what` names the key in messages, quoted
 * as it should appear: "'tags'", "episode: 'keys'". pos (may be NULL)
 * gets a malloc'd array with the position of each string kept, or NULL
 * with the array. Free the array with tl_rules_ystrlist_free() and pos
 * with free().
 */
char **tl_rules_ystrlist(const struct tl_ynode *y, const char *what,
                         unsigned flags, tl_ystrlist_err_fn err, void *ctx,
                         size_t *n, struct tl_ypos **pos);

/* Free an array from tl_rules_ystrlist(); NULL is a no-op. */
void tl_rules_ystrlist_free(char **v);

#endif
