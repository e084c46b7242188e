/*
 * episode.h - the `episode` extension of correlation rules: how the
 * timeline turns a fired correlation into one story with key fields, a
 * title and a one-line verdict (see rules/README.md, "Episodes").
 *
 *   correlation: {type: temporal, rules: [...], group-by: [path_hash],
 *                 timespan: 30s}
 *   episode:
 *     title: "Gatekeeper assessment of {path_hash}"
 *     keys: [path_hash, team_id, cdhash, process]
 *     link: [[processID, threadID], [cdhash]]
 *     link-window: 5s
 *     before: [cert_temporal_validity_failed]  # these come before their
 *                                              # story's keyed event
 *     verdicts:
 *       - if: [gk_allow_migration]
 *         unless: [ticket_found]
 *         level: low
 *         text: "App {team_id} allowed by the migration exception"
 *       - text: "Gatekeeper assessed {path_hash}"
 */
#ifndef TL_EPISODE_H
#define TL_EPISODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

struct tl_episode_verdict {
    size_t n_if;                      /* rules that must all be present */
    const char *const *if_refs;       /* as written (names or ids) */
    const struct tl_rule *const *if_rules;      /* resolved at finalize */
    size_t n_unless;                  /* rules that must all be absent */
    const char *const *unless_refs;
    const struct tl_rule *const *unless_rules;
    const char *text;                 /* template: {field} placeholders */
    enum tl_level level;
    bool level_given;
};

struct tl_episode_spec {
    const char *title;                /* template, or NULL */
    struct tl_strlist keys;           /* fields shown as the key */
    size_t n_links;                   /* field sets that link key-less hits */
    const struct tl_strlist *links;
    uint64_t link_window_ms;          /* default 5000 */
    /* Rules whose key-less events precede the keyed event of their story
     * (e.g. Security's trust lines before Gatekeeper's PST line): they
     * wait for the next linked keyed event instead of joining a story
     * that is already open. Other key-less events join the most recent
     * open story they are linked to, or wait for the next. */
    size_t n_before;
    const char *const *before_refs;
    const struct tl_rule *const *before_rules;   /* resolved at finalize */
    size_t n_verdicts;
    const struct tl_episode_verdict *verdicts;
};

/* NULL when the rule has no `episode` (plain correlation: the episode is
 * titled with the rule's title and has no verdict template). */
const struct tl_episode_spec *tl_rule_episode(const struct tl_rule *r);

#endif
