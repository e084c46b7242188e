/*
 * episode_int.h - internal to rules/: the loader's side of the episode
 * extension (parse at load, resolve rule references at finalize).
 */
#ifndef TL_EPISODE_INT_H
#define TL_EPISODE_INT_H

#include "episode.h"
#include "ynode.h"

struct tl_episode_def;

/* Report a problem at line:col of the rule file. */
typedef void (*tl_episode_err_fn)(void *ctx, unsigned line, unsigned col,
                                  const char *msg);

/* Parse the value of a rule's `episode` key. Returns the definition (also
 * when some parts had errors; *n_errors says how many were reported). */
struct tl_episode_def *tl_episode_parse(const struct tl_ynode *y,
                                        tl_episode_err_fn err, void *ctx,
                                        unsigned *n_errors);

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
