/*
 * filter.h - the --since/--until time filters and the --rule/--tag
 * selection of `trustline scan`.
 */
#ifndef TL_FILTER_H
#define TL_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parser/event.h"
#include "../rules/rules.h"

struct tl_tfilter {
    bool set;
    bool zoned;   /* an instant (compare UTC) or a wall-clock time */
    int64_t us;
};

/* Read a --since/--until argument: N followed by s, m, h or d (that long
 * before now_s, seconds since the epoch), or an absolute time: a date
 * (YYYY-MM-DD), then optionally ' ' or 'T' and HH:MM[:SS[.fraction]],
 * then optionally Z, +HH:MM or +HHMM (an instant; without a zone, a wall
 * clock time, compared with each event's local time). False if s is none
 * of these (f is then unchanged). */
bool tl_tfilter_parse(const char *s, int64_t now_s, struct tl_tfilter *f);

/* The event's time against the filter's: <0 before, 0 equal, >0 after.
 * A wall-clock filter compares with the event's local time when the
 * event has a zone. */
int tl_tfilter_cmp(const struct tl_event *ev, const struct tl_tfilter *f);

/* --rule (id or name) and --tag: a rule is selected when it is one of
 * the rules (if any are given) and has one of the tags (if any). */
struct tl_rule_select {
    const char **rules;
    size_t n_rules;
    const char **tags;
    size_t n_tags;
};

bool tl_rule_selected(const struct tl_rule_select *s,
                      const struct tl_rule_info *in);

#endif
