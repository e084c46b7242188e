/*
 * timeline.h - from rule matches to a timeline: owned copies of matched
 * events ("hits"), correlation into episodes, time ordering with a
 * bounded reorder window.
 *
 * The timeline takes matches as the rule engine reports them (borrowed,
 * valid during the callback), copies what it keeps, runs the correlation
 * rules of the ruleset over them in event time, and hands finished items
 * to a sink in time order:
 *
 *   - a hit that joins no episode, as soon as nothing still open could
 *     precede it: no open window starts before it, no waiting key-less
 *     hit is older, and it is outside the reorder window (batch); or at
 *     once (live);
 *   - an episode (one story: one Gatekeeper assessment of one app, one
 *     BSI rollback, ...) when it closes: its timespan (and link window)
 *     has passed in event time, the input ended, or an idle flush. A
 *     fired correlation that another correlation lists is offered to that
 *     one first: its events end up in the outer episode if that fires.
 *
 * A hit of a rule that a correlation with `generate: false` lists is
 * shown only inside an episode (Sigma: the referenced rules make no
 * results of their own); otherwise it is counted in `suppressed`.
 *
 * State is bounded: open episodes (max_open), hits waiting for a key
 * (max_pending), hits per episode (max_episode_hits), and the reorder
 * window. What a cap pushes out is reported and counted, never lost.
 */
#ifndef TL_TIMELINE_H
#define TL_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parser/event.h"
#include "rules.h"

/* An owned copy of a matched event with its rule and extracted fields. */
struct tl_hit {
    const struct tl_rule *rule;        /* borrowed from the ruleset */
    const struct tl_rule_info *info;
    struct tl_event ev;                /* strings point into blob */
    size_t n_fields;
    struct tl_field_value *fields;     /* names borrowed from the ruleset,
                                          values point into blob */
    struct tl_str summary;             /* into blob; p == NULL if none */
    uint64_t seq;                      /* arrival order, from 1 */
    uint64_t episode;                  /* episode id, 0 if none */
    char *blob;
    unsigned pend_refs;                /* internal: pending lists holding it */
    size_t pend_heap_i;                /* internal: its place in the heap of
                                          pending hits (while pend_refs) */
    /* internal: the episode of a fired correlation that other
     * correlations list (a correlation over a correlation), offered to
     * them as one hit of its rule; such a hit never reaches a sink. */
    struct tl_episode *sub;
};

/* The value of a field of a hit: an extracted field, or an event field
 * by JSON name or alias (rendered into buf for integers). */
bool tl_hit_value(const struct tl_hit *h, const char *name, char *buf,
                  size_t bufsz, struct tl_str *out);

struct tl_episode_key {
    const char *name;   /* borrowed (rule) */
    struct tl_str value;/* owned by the episode */
};

struct tl_episode {
    uint64_t id;                       /* from 1, in order of closing */
    const struct tl_rule *rule;        /* the correlation rule */
    const struct tl_rule_info *info;
    enum tl_level level;               /* verdict's level, else the
                                          highest level of its hits */
    int64_t start_us, end_us;          /* event time of first/last hit */
    bool tz_known;
    int16_t tz_offset_min;             /* of its first hit */
    size_t n_hits;
    struct tl_hit **hits;              /* time order */
    uint64_t hits_dropped;             /* beyond max_episode_hits */
    size_t n_keys;
    struct tl_episode_key *keys;       /* the key fields, first value seen */
    const char *title;                 /* rendered; owned */
    const char *verdict;               /* rendered; owned */
    const char *closed_by;             /* "timespan", "end of input",
                                          "idle", "cap" */
};

/* What the sink receives. Items are borrowed during the call. */
struct tl_timeline_sink {
    void *ctx;
    /* A hit that is in no episode (in live mode: every hit, at once,
     * with hit->episode == 0 even if an episode will claim it later). */
    void (*hit)(void *ctx, const struct tl_hit *h);
    /* A closed episode with its hits. */
    void (*episode)(void *ctx, const struct tl_episode *ep);
};

struct tl_timeline_opts {
    bool live;                 /* write hits at once; episodes on close */
    size_t max_open;           /* open episodes (default 10000) */
    size_t max_pending;        /* hits waiting for a key (default 10000) */
    size_t max_episode_hits;   /* hits kept per episode (default 1000) */
    int64_t reorder_us;        /* out-of-order tolerance (default 10 s) */
};

void tl_timeline_opts_init(struct tl_timeline_opts *o);

struct tl_timeline_stats {
    uint64_t hits;
    uint64_t hits_in_episodes;
    uint64_t episodes;
    uint64_t late_hits;        /* older than the reorder window allowed */
    uint64_t evicted_open;     /* episodes closed early by max_open */
    uint64_t evicted_pending;  /* key-less hits released by max_pending */
    uint64_t episode_hits_dropped;
    uint64_t not_fired;        /* windows closed without their condition */
    uint64_t suppressed;       /* matched events not shown: in no episode,
                                  and a correlation that lists their rule
                                  has generate: false */
    uint64_t per_level[TL_LEVEL__COUNT];       /* hits per level */
    uint64_t episodes_per_level[TL_LEVEL__COUNT];
    int64_t first_us, last_us; /* time span of the hits */
    bool any_time;
};

struct tl_timeline;

/* rs is borrowed and must outlive the timeline. */
struct tl_timeline *tl_timeline_new(const struct tl_ruleset *rs,
                                    const struct tl_timeline_opts *o,
                                    const struct tl_timeline_sink *sink);
void tl_timeline_free(struct tl_timeline *t);

/* A match from tl_ruleset_match (copied). */
void tl_timeline_add(struct tl_timeline *t, const struct tl_match *m);
/* The input went quiet (live): close what is waiting. */
void tl_timeline_idle(struct tl_timeline *t);
/* An input ended: nothing is lost; the next input may go back in time. */
void tl_timeline_input_end(struct tl_timeline *t);
/* Close and hand out everything. */
void tl_timeline_finish(struct tl_timeline *t);

const struct tl_timeline_stats *tl_timeline_stats(const struct tl_timeline *t);

#endif
