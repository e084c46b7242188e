/*
 * rules.h - the rule engine: Sigma-shaped YAML rules matched against
 * events with PCRE2. The rule format is documented in rules/README.md.
 *
 * Life cycle:
 *
 *     struct tl_ruleset *rs = tl_ruleset_new();
 *     tl_ruleset_load_path(rs, "rules/macos");      // files or directories
 *     if (tl_ruleset_finalize(rs) > 0) { print messages; exit 2 }
 *     for each event: tl_ruleset_match(rs, ev, on_match, ctx);
 *     tl_ruleset_free(rs);
 *
 * Loading never prints: every problem becomes a message (file, line,
 * column, level, text) kept in the ruleset; `rules lint` prints them,
 * and so can any other command (tl_ruleset_print_messages). A rule with
 * an error is reported and left out of the ruleset.
 *
 * A ruleset is not thread-safe: matching uses scratch memory held in it.
 */
#ifndef TL_RULES_H
#define TL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../parser/event.h"

/* ---- limits (documented in rules/README.md) ----------------------------- */

#define TL_RULES_MAX_FILE_SIZE ((size_t)8 << 20)  /* one rule file */
#define TL_RULES_MAX_DEPTH 32u       /* YAML nesting */
#define TL_RULES_MAX_SCALAR 65536u   /* one YAML scalar, bytes */
#define TL_RULES_MAX_NODES 100000u   /* YAML nodes in one document */
#define TL_RULES_MAX_RULES 100000u   /* rules in one ruleset */
#define TL_RULES_MAX_COND 4096u      /* condition length, bytes */
#define TL_RULES_MAX_COND_DEPTH 64u  /* parentheses / not nesting */

/* PCRE2 limits per regex match (configurable: tl_ruleset_set_limits). */
#define TL_RULES_DEFAULT_MATCH_LIMIT 1000000u
#define TL_RULES_DEFAULT_DEPTH_LIMIT 10000u
#define TL_RULES_DEFAULT_HEAP_LIMIT_KIB 8192u

/* ---- levels ------------------------------------------------------------- */

enum tl_level {
    TL_LEVEL_INFORMATIONAL = 0,
    TL_LEVEL_LOW,
    TL_LEVEL_MEDIUM,
    TL_LEVEL_HIGH,
    TL_LEVEL_CRITICAL,
    TL_LEVEL__COUNT
};

/* "informational", "low", ...; "?" for an out-of-range value. */
const char *tl_rule_level_name(enum tl_level l);
/* Case-sensitive; also accepts "info". Returns TL_LEVEL__COUNT if
 * unknown. */
enum tl_level tl_rule_level_parse(const char *s);

/* ---- rules -------------------------------------------------------------- */

struct tl_ruleset;
struct tl_rule;

/* A borrowed list of NUL-terminated strings. */
struct tl_strlist {
    const char *const *v;
    size_t n;
};

enum tl_rule_kind {
    TL_RULE_DETECTION = 0,  /* has `detection`: matched per event */
    TL_RULE_CORRELATION     /* has `correlation`: over matches (later) */
};

/* The metadata of a rule. Every string is owned by the ruleset and lives
 * as long as it; absent optional keys are NULL (lists: n == 0). */
struct tl_rule_info {
    enum tl_rule_kind kind;
    const char *id;           /* UUID as written, or NULL */
    const char *name;         /* `name`, or NULL */
    const char *title;        /* always set */
    const char *status;       /* stable|test|experimental|deprecated|
                                 unsupported, or NULL */
    const char *description;
    const char *author;
    const char *date;
    const char *modified;
    const char *license;
    enum tl_level level;      /* TL_LEVEL_MEDIUM when not given */
    bool level_given;
    const char *product;      /* logsource */
    const char *service;
    const char *category;
    struct tl_strlist tags;
    struct tl_strlist references;
    struct tl_strlist falsepositives;
    struct tl_strlist fields;
    const char *file;         /* the file it came from */
    unsigned line;            /* 1-based line of the document's first key */
    unsigned col;
    size_t index;             /* position in the ruleset (load order) */
};

const struct tl_rule_info *tl_rule_info(const struct tl_rule *r);

/* The rule's identity for messages: the id, else the name, else the
 * title. */
const char *tl_rule_label(const struct tl_rule *r);

/* Names a rule's `extract` can produce, in order of first appearance. */
struct tl_strlist tl_rule_extract_names(const struct tl_rule *r);

/* The rule's summary template, or NULL. */
const char *tl_rule_summary_template(const struct tl_rule *r);

/* ---- correlation rules (parsed and validated; executed elsewhere) ------ */

enum tl_corr_type {
    TL_CORR_EVENT_COUNT = 0,
    TL_CORR_VALUE_COUNT,
    TL_CORR_TEMPORAL,
    TL_CORR_TEMPORAL_ORDERED,
    TL_CORR__COUNT
};

const char *tl_rule_corr_type_name(enum tl_corr_type t);

enum tl_corr_op { TL_CORR_GT = 0, TL_CORR_GTE, TL_CORR_LT, TL_CORR_LTE,
                  TL_CORR_EQ };

struct tl_corr_cond {
    enum tl_corr_op op;
    uint64_t value;
};

/* One `aliases` entry: in events of rule `rule`, alias means `field`. */
struct tl_corr_alias {
    const char *alias;
    const char *rule_ref;          /* as written */
    const struct tl_rule *rule;    /* resolved at finalize */
    const char *field;
};

struct tl_correlation {
    enum tl_corr_type type;
    size_t n_rules;
    const char *const *rule_refs;       /* names or ids, as written */
    const struct tl_rule *const *rules; /* resolved at finalize */
    struct tl_strlist group_by;
    uint64_t timespan_ms;
    const char *timespan;               /* as written: "5m" */
    size_t n_conds;                     /* 0..5, all must hold */
    const struct tl_corr_cond *conds;
    const char *field;                  /* value_count: the counted field */
    size_t n_aliases;
    const struct tl_corr_alias *aliases;
    bool generate;
};

/* NULL for a detection rule. */
const struct tl_correlation *tl_rule_correlation(const struct tl_rule *r);

/* ---- ruleset ------------------------------------------------------------ */

struct tl_rules_limits {
    uint32_t match_limit;      /* pcre2_set_match_limit */
    uint32_t depth_limit;      /* pcre2_set_depth_limit (interpreter) */
    uint32_t heap_limit_kib;   /* pcre2_set_heap_limit */
};

void tl_rules_limits_init(struct tl_rules_limits *l);

struct tl_ruleset *tl_ruleset_new(void);
void tl_ruleset_free(struct tl_ruleset *rs);

/* Load a file, or every *.yml / *.yaml in a directory (sorted by name,
 * not recursive). Problems become messages. Returns the number of errors
 * added. Must be called before tl_ruleset_finalize(). */
unsigned tl_ruleset_load_path(struct tl_ruleset *rs, const char *path);
/* Load YAML text (borrowed) as if it were the file `name`. */
unsigned tl_ruleset_load_string(struct tl_ruleset *rs, const char *name,
                                const char *text, size_t n);

/* Limits for regex matching; may be called at any time. */
void tl_ruleset_set_limits(struct tl_ruleset *rs,
                           const struct tl_rules_limits *l);

/* Cross-file checks (duplicate ids and names, correlation references),
 * then compile the prefilter. Returns the total number of errors in all
 * messages (0: the ruleset is usable). Call once. */
unsigned tl_ruleset_finalize(struct tl_ruleset *rs);

/* Rules that loaded without error (detection and correlation). */
size_t tl_ruleset_count(const struct tl_ruleset *rs);
const struct tl_rule *tl_ruleset_rule(const struct tl_ruleset *rs,
                                      size_t i);
/* Find a rule by id or name; NULL if none. */
const struct tl_rule *tl_ruleset_find(const struct tl_ruleset *rs,
                                      const char *id_or_name);

/* ---- messages ----------------------------------------------------------- */

enum tl_rules_msg_level { TL_RULES_WARNING = 1, TL_RULES_ERROR = 2 };

struct tl_rules_msg {
    const char *file;
    unsigned line, col;   /* 1-based; 0 = unknown */
    enum tl_rules_msg_level level;
    const char *text;
};

size_t tl_ruleset_msg_count(const struct tl_ruleset *rs);
/* Messages sorted by file (load order), line, column. */
const struct tl_rules_msg *tl_ruleset_msg(const struct tl_ruleset *rs,
                                          size_t i);
unsigned tl_ruleset_errors(const struct tl_ruleset *rs);
unsigned tl_ruleset_warnings(const struct tl_ruleset *rs);
/* Print every message as "[prefix]file:line:col: error|warning: text\n".
 * prefix may be NULL (lint prints none; other commands "trustline: "). */
void tl_ruleset_print_messages(const struct tl_ruleset *rs, FILE *f,
                               const char *prefix);

/* ---- matching ----------------------------------------------------------- */

/* A field produced by `extract`. */
struct tl_field_value {
    const char *name;
    struct tl_str value;
};

/* What the match callback sees; everything is valid only during the
 * callback. */
struct tl_match {
    const struct tl_rule *rule;
    const struct tl_rule_info *info;
    const struct tl_event *ev;
    size_t n_fields;
    const struct tl_field_value *fields;
    struct tl_str summary;     /* rendered; p == NULL without a template */
};

/* Enable or disable the prefilter (on by default): with it, only the
 * rules whose required literals occur in ev->raw are evaluated. Results
 * are identical either way. */
void tl_ruleset_set_prefilter(struct tl_ruleset *rs, bool on);

/* Evaluate the detection rules against ev; call cb once per matching rule
 * in load order. Returns the number of matching rules. */
size_t tl_ruleset_match(struct tl_ruleset *rs, const struct tl_event *ev,
                        void (*cb)(void *ctx, const struct tl_match *m),
                        void *ctx);

/* Evaluate one rule (detection) against ev. Returns true on a match and,
 * if cb is not NULL, calls it first. */
bool tl_ruleset_match_rule(struct tl_ruleset *rs, const struct tl_rule *r,
                           const struct tl_event *ev,
                           void (*cb)(void *ctx, const struct tl_match *m),
                           void *ctx);

/* The value of event field f as text, the way rules see it: integers in
 * decimal (rendered into buf), the timestamp of a text style formatted as
 * `log` prints it (buf >= 40 bytes), strings as slices of the event.
 * Returns false if the event does not carry the field. For renderers. */
bool tl_rules_event_value(const struct tl_event *ev, enum tl_field f,
                          char *buf, size_t bufsz, struct tl_str *out);

struct tl_rules_counters {
    uint64_t events;        /* tl_ruleset_match calls */
    uint64_t evaluated;     /* rule evaluations */
    uint64_t matches;       /* rule matches */
    uint64_t limit_hits;    /* regex matches stopped by a PCRE2 limit */
    uint64_t regex_errors;  /* other PCRE2 match errors (treated as no match) */
    uint64_t want_calls;    /* tl_ruleset_want calls */
    uint64_t want_false;    /* ... that said no rule can match */
};

void tl_ruleset_counters(const struct tl_ruleset *rs,
                         struct tl_rules_counters *out);

/* How many of r's regex matches were stopped by a PCRE2 limit. */
uint64_t tl_rule_limit_hits(const struct tl_rule *r);

/* ---- prefilter (rules/prefilter.c) -------------------------------------- */

/*
 * The required-literal cover of a rule: every event the rule matches has
 * at least one of these strings in its raw record (ASCII case-
 * insensitively). `bounded` is false when the rule has no such set (then
 * n == 0). json_* is the same for the JSON styles, where literals with
 * characters JSON may escape were cut to their longest safe fragment.
 */
struct tl_rule_cover {
    bool bounded;
    struct tl_strlist lits;
    bool json_bounded;
    struct tl_strlist json_lits;
};

/* Valid after finalize. */
const struct tl_rule_cover *tl_rule_cover(const struct tl_rule *r);

/* True if raw (in this style) holds a literal of r's cover, or r has no
 * cover: the prefilter would let this record through for r. */
bool tl_rule_cover_admits(const struct tl_rule *r, enum tl_style style,
                          const char *raw, size_t n);

/* The parser's `want` hook: false only when no detection rule can match a
 * record with this raw text in this style (TL_STYLE_AUTO: either). */
bool tl_ruleset_want(const struct tl_ruleset *rs, enum tl_style style,
                     const char *raw, size_t n);

/* Same shape as struct tl_parser_cb's want (ctx is the ruleset). */
bool tl_ruleset_want_cb(void *ctx, enum tl_style style, const char *raw,
                        size_t n);

/*
 * The prefilter over a whole input chunk, ahead of the parser (in another
 * thread): tl_ruleset_pf_scan() lists where the literals of one style's
 * set occur in the chunk; while the chunk is in use (tl_ruleset_pf_use),
 * tl_ruleset_want() answers for a record whose raw text lies inside the
 * chunk from that list instead of searching the record again. A record
 * outside the chunk (a copy: multi-line or carried over a chunk edge), in
 * the other style's set, or a chunk whose list overflowed its cap is
 * searched as before, so answers never change.
 */
struct tl_pf_chunk;
struct tl_pf_chunk *tl_pf_chunk_new(void);
void tl_pf_chunk_free(struct tl_pf_chunk *c);
/* Any thread; reads rs only (which must not change meanwhile). The
 * style picks the set: JSON styles the JSON set, text styles the text
 * set, TL_STYLE_AUTO the one the chunk's first byte suggests. buf must
 * stay unchanged and alive while c is in use. */
void tl_ruleset_pf_scan(const struct tl_ruleset *rs, enum tl_style style,
                        const char *buf, size_t n, struct tl_pf_chunk *c);
/* How many occurrences c lists, or -1 when it has no list (overflow,
 * a one-byte literal, the prefilter off). For tests. */
long tl_pf_chunk_listed(const struct tl_pf_chunk *c);
/* The thread that calls tl_ruleset_want: use c (NULL: none). */
void tl_ruleset_pf_use(struct tl_ruleset *rs, const struct tl_pf_chunk *c);

/* Number of detection rules without a cover (they defeat the prefilter). */
size_t tl_ruleset_unbounded(const struct tl_ruleset *rs);

/* ---- explain (rules/explain.c) ------------------------------------------ */

/* Write a human explanation of why r matched ev or not: each selection
 * item true/false, each selection, the condition, extracted fields and
 * the summary. Returns whether it matched. */
bool tl_rule_explain(struct tl_ruleset *rs, const struct tl_rule *r,
                     const struct tl_event *ev, FILE *out);

/* Print the event's fields, one "  name: value" line each. */
void tl_rules_print_event(const struct tl_event *ev, FILE *out);

/* ---- log predicate (rules/predicate.c) ---------------------------------- */

/*
 * An Apple `log --predicate` admitting every event any detection rule of
 * rs could match. Returns a malloc'd string (caller frees), or NULL when
 * some rule cannot be bounded (then *why, if given, is set to a malloc'd
 * note naming it) or there are no detection rules.
 */
char *tl_rules_predicate(const struct tl_ruleset *rs, char **why);

/* The predicate of one rule (malloc'd), or NULL if it cannot be bounded. */
char *tl_rule_predicate(const struct tl_rule *r);

/* Evaluate a predicate produced by tl_rules_predicate() against ev (the
 * subset of the predicate language we generate: OR, AND, parentheses,
 * KEY CONTAINS[c] "text"). Returns 1 admitted, 0 excluded, -1 when the
 * text is not in that subset. */
int tl_rules_predicate_eval(const char *pred, const struct tl_event *ev);

/* ---- rule tests (rules/testrun.c) --------------------------------------- */

/* Parse text (one log record in any style; a final newline is added if
 * missing) with a fresh, quiet, style-detecting parser; cb gets each
 * event. input names the events' input. Returns the number of events. */
size_t tl_rules_parse_line(const char *text, size_t n, const char *input,
                           void (*cb)(void *ctx, const struct tl_event *ev),
                           void *ctx);

/* Run r's `tests`: each `match` line must match (with the fields and the
 * summary it lists), each `nomatch` line must not, and every matching
 * line must pass the prefilter and the rule's log predicate. Writes one
 * block per failing test to out (may be NULL). Returns the number of
 * failing tests; *n_tests (may be NULL) gets the number of tests. */
unsigned tl_rule_run_tests(struct tl_ruleset *rs, const struct tl_rule *r,
                           FILE *out, unsigned *n_tests);

/* ---- default rule paths ------------------------------------------------- */

/*
 * Where rules are loaded from when no path is given:
 * $TRUSTLINE_RULES (colon-separated), else rules/macos next to the
 * executable (the development tree; also one directory up), else
 * TL_DATADIR "/trustline/rules". argv0 helps find the executable where
 * /proc/self/exe is missing (may be NULL). Returns a malloc'd
 * NULL-terminated array of malloc'd strings (tl_rules_free_paths).
 */
char **tl_rules_default_paths(const char *argv0);
void tl_rules_free_paths(char **paths);

#endif
