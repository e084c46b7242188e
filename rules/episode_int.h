/*
 * episode_int.h - internal to rules/: the loader's side of the episode
 * extension (parse at load, resolve rule references at finalize).
 */
#ifndef TL_EPISODE_INT_H
#define TL_EPISODE_INT_H

#include "episode.h"
#include "ynode.h"

/* The longest timespan or link-window a rule may give: 366 days. The
 * timeline adds spans in microseconds (a window's deadline, its link
 * window, each level of a correlation chain), which must stay far from
 * the int64_t limit whatever the rules say. */
#define TL_MAX_SPAN_MS ((uint64_t)366 * 86400000)

struct tl_episode_def;

/* Report a problem at line:col of the rule file. */
typedef void (*tl_episode_err_fn)(void *ctx, unsigned line, unsigned col,
                                  const char *msg);

/* The line and column of byte off of scalar y's value. */
typedef void (*tl_episode_pos_fn)(void *ctx, const struct tl_ynode *y,
                                  size_t off, unsigned *line, unsigned *col);

/* Parse the value of a rule's `episode` key. Returns the definition (also
 * when some parts had errors; *n_errors says how many were reported).
 * pos (may be NULL: placeholders are then placed at their scalar) places
 * template placeholders. */
struct tl_episode_def *tl_episode_parse(const struct tl_ynode *y,
                                        tl_episode_err_fn err,
                                        tl_episode_pos_fn pos, void *ctx,
                                        unsigned *n_errors);

/* A field name the episode uses, for the loader's field-name check. */
struct tl_episode_name {
    const char *where;   /* "keys", "link", "title", "verdict text" */
    bool placeholder;    /* from a template */
    char *name;
    unsigned line, col;  /* of the entry, or of a placeholder's '{' */
};

/* Every field name of the episode's keys, link sets and templates, in
 * the order they were read; borrowed from d (NULL: none). */
const struct tl_episode_name *tl_episode_names(const struct tl_episode_def *d,
                                               size_t *n);

/* Resolve the `if`/`unless` rule references of self's episode against
 * rs; each must be one of the correlation's rules. Returns the number of
 * errors reported. */
unsigned tl_episode_resolve(struct tl_episode_def *d,
                            const struct tl_ruleset *rs,
                            const struct tl_rule *self,
                            tl_episode_err_fn err, void *ctx);

const struct tl_episode_spec *tl_episode_spec_of(const struct tl_episode_def *d);
void tl_episode_free(struct tl_episode_def *d);

#endif
