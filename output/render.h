/*
 * render.h - the renderers of a timeline, behind one table.
 *
 * A renderer receives hits (matched events not in an episode), episodes
 * (with their hits) and one closing summary, in time order, and writes
 * them to a tl_out. It never sees parser internals. Every log-derived
 * string goes through output/escape.h.
 *
 * Adding a format is one file and one row in tl_renderers[].
 */
#ifndef TL_RENDER_H
#define TL_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parser/parser.h"
#include "../rules/rules.h"
#include "../rules/timeline.h"
#include "../util/out.h"

struct tl_rule_count {
    const struct tl_rule_info *info;
    uint64_t hits;
};

/* The summary's list from per-rule hit counts (hits[i] for rule i of rs,
 * n rules): the rules with hits, most severe first, then most hits, then
 * load order. Returns the count; *out is allocated (free it). */
size_t tl_rule_counts(const struct tl_ruleset *rs, const uint64_t *hits,
                      size_t n, struct tl_rule_count **out);

/* The closing summary. */
struct tl_summary {
    const struct tl_stats *input;         /* all inputs together */
    const struct tl_timeline_stats *tl;
    size_t n_rules;                       /* rules with hits, most
                                             severe first */
    const struct tl_rule_count *rules;
    uint64_t filtered;                    /* hits left out by filters */
    uint64_t limit_hits;                  /* regex limits reached */
    size_t n_inputs;
    const char *const *inputs;
    size_t n_rules_loaded;
};

struct tl_render_opts {
    bool color;             /* ANSI colours (text) */
    bool live;              /* hits arrive at once, episodes on close */
    enum tl_level min_level;/* episodes/hits below are not shown */
    const char *title;      /* report title (html) */
    size_t name_width;      /* text: width of the rule column */
};

struct tl_render_ops {
    const char *name;
    const char *desc;
    void *(*open)(struct tl_out *o, const struct tl_render_opts *opts);
    void (*hit)(void *st, const struct tl_hit *h);
    void (*episode)(void *st, const struct tl_episode *ep);
    void (*summary)(void *st, const struct tl_summary *s);
    void (*close)(void *st);   /* frees st */
};

extern const struct tl_render_ops tl_render_text;
extern const struct tl_render_ops tl_render_ndjson;
extern const struct tl_render_ops tl_render_csv;
extern const struct tl_render_ops tl_render_html;

/* NULL-terminated table of every renderer. */
extern const struct tl_render_ops *const tl_renderers[];
const struct tl_render_ops *tl_render_find(const char *name);

/* Shared helpers for renderers. */
/* "informational" -> numeric ECS-style severity (21, 47, 73, 99...). */
int tl_render_severity(enum tl_level l);
/* The one-line text of a hit: its summary, else its eventMessage's first
 * line. */
struct tl_str tl_render_hit_text(const struct tl_hit *h);
/* ISO 8601 UTC with microseconds ("...Z"), or local without zone when
 * the offset is unknown. out >= 40 bytes. */
size_t tl_render_iso(int64_t us, bool tz_known, char *out);

#endif
