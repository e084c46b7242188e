/*
 * rule_int.h - the compiled rule model, shared by the rules/ sources only.
 *
 * Ownership: a struct tl_ruleset owns its rules; a rule owns everything
 * hanging off it (strings, compiled regexes, the condition trees).
 */
#ifndef TL_RULES_RULE_INT_H
#define TL_RULES_RULE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../util/util.h"
#include "cond.h"
#include "rules.h"
#include "ynode.h"

/* ---- field references ---------------------------------------------------- */

enum tl_fsrc {
    TL_FS_EVENT = 0,  /* an event field (f) */
    TL_FS_EXTRA,      /* a JSON key kept in ev->extra[] (key) */
    TL_FS_EXTRACTED   /* summary only: an extracted field (index) */
};

struct tl_fref {
    enum tl_fsrc src;
    enum tl_field f;
    char *key;        /* TL_FS_EXTRA: the JSON key */
    size_t index;     /* TL_FS_EXTRACTED: index into rule->ex_names */
};

/* A number from a rule or a field: exact for integers, double otherwise. */
struct tl_num {
    bool is_int;
    bool neg;
    uint64_t mag;
    double d;
};

bool tl_rules_parse_num(const char *s, size_t n, struct tl_num *out);
int tl_rules_num_cmp(const struct tl_num *a, const struct tl_num *b);

/* ---- values and selections ----------------------------------------------- */

struct tl_regex {
    pcre2_code *code;
    char *pattern;
    size_t n;
    uint32_t flags;       /* PCRE2_CASELESS / MULTILINE / DOTALL as given */
    uint32_t captures;
};

enum tl_vkind {
    TL_V_STR = 0,   /* equality / wildcard / contains / startswith / ... */
    TL_V_RE,
    TL_V_NUM,       /* gt gte lt lte */
    TL_V_NULL,      /* the field is absent */
    TL_V_EXISTS     /* exists: true|false */
};

enum tl_smode {
    TL_SM_EQ = 0,
    TL_SM_PREFIX,
    TL_SM_SUFFIX,
    TL_SM_CONTAINS,
    TL_SM_GLOB,
    TL_SM_ANY       /* a lone "*": any present value */
};

enum tl_ncmp { TL_NC_GT = 0, TL_NC_GTE, TL_NC_LT, TL_NC_LTE };

/* Glob token kinds (parallel to the pattern bytes). */
#define TL_G_LIT 0
#define TL_G_STAR 1
#define TL_G_ONE 2

struct tl_value {
    enum tl_vkind kind;
    char *text;             /* as written, for messages and explain */
    unsigned line, col;
    /* TL_V_STR */
    enum tl_smode mode;
    bool cased;
    char *lit;              /* EQ/PREFIX/SUFFIX/CONTAINS: unescaped,
                               folded unless cased */
    char *olit;             /* the same, in its original case */
    size_t n;
    char *gpat;             /* GLOB: pattern bytes (folded unless cased) */
    char *ogpat;            /* the same, in its original case */
    unsigned char *gkind;   /* GLOB: TL_G_* per byte */
    size_t gn;
    bool is_num;            /* the value is an integer: int fields compare
                               numerically */
    /* TL_V_STR (is_num) and TL_V_NUM */
    struct tl_num num;
    enum tl_ncmp ncmp;
    /* TL_V_RE */
    struct tl_regex re;
    /* TL_V_EXISTS */
    bool exists;
};

struct tl_item {
    struct tl_fref field;
    bool keyword;           /* a keyword search (no field): eventMessage */
    char *key_text;         /* "eventMessage|contains" as written */
    bool all;
    struct tl_value *vals;
    size_t n_vals;
    unsigned line, col;
};

struct tl_group {           /* AND of items (one YAML map) */
    struct tl_item *items;
    size_t n_items;
    unsigned line, col;
};

struct tl_selection {       /* OR of groups */
    char *name;
    struct tl_group *groups;
    size_t n_groups;
    unsigned line, col;
};

/* ---- extensions ------------------------------------------------------------ */

struct tl_capname {
    size_t name;            /* index into rule->ex_names */
    uint32_t group;
};

struct tl_extract {
    struct tl_fref field;
    char *field_text;
    struct tl_regex re;
    struct tl_capname *caps;
    size_t n_caps;
};

struct tl_tseg {
    bool is_field;
    char *text;             /* literal text, or the placeholder name */
    size_t n;
    struct tl_fref ref;
};

struct tl_test_field {
    char *name;
    char *value;            /* NULL: must be absent */
};

struct tl_test {
    bool expect_match;
    char *line;             /* the raw log line(s) */
    size_t n;
    unsigned yline, ycol;
    struct tl_test_field *fields;
    size_t n_fields;
    char *summary;          /* expected summary, or NULL */
};

/* ---- the rule --------------------------------------------------------------- */

struct tl_episode_def;  /* rules/episode.c: the `episode` extension */

struct tl_rule {
    struct tl_rule_info info;
    /* owned strings behind info */
    char *s_id, *s_name, *s_title, *s_status, *s_description, *s_author,
        *s_date, *s_modified, *s_license, *s_product, *s_service,
        *s_category;
    char **l_tags, **l_refs, **l_fp, **l_fields;

    struct tl_selection *sels;
    size_t n_sels;
    struct tl_cond **conds;   /* a list of conditions is OR'ed */
    char **cond_texts;
    size_t n_conds;

    struct tl_extract *ex;
    size_t n_ex;
    char **ex_names;
    size_t n_ex_names, cap_ex_names;

    char *summary;
    struct tl_tseg *segs;
    size_t n_segs, cap_segs;

    struct tl_test *tests;
    size_t n_tests, cap_tests;

    /* correlation */
    struct tl_correlation corr;
    char **corr_refs;
    const struct tl_rule **corr_rules;
    char **corr_group_by;
    char *corr_timespan;
    struct tl_corr_cond corr_conds[5];
    char *corr_field;
    struct tl_corr_alias *corr_aliases;
    size_t cap_aliases;
    unsigned corr_line, corr_col;
    unsigned *corr_ref_lines, *corr_ref_cols;
    /* positions of the field names checked at finalize */
    struct tl_ypos *corr_group_by_pos;  /* per group-by entry */
    struct tl_ypos corr_field_pos;      /* condition.field */
    struct tl_ypos *corr_alias_pos;     /* per alias: its field */
    struct tl_episode_def *episode;

    /* prefilter cover (rules/prefilter.c) */
    struct tl_rule_cover cover;
    char **cover_lits, **cover_json;

    /* runtime */
    bool limit_reported;
    uint64_t limit_hits;
    bool error;                 /* an error was reported in this rule */
    size_t id_line, id_col, name_line, name_col;
};

/* ---- the ruleset ---------------------------------------------------------------- */

struct tl_rules_msg_int {
    struct tl_rules_msg m;
    size_t file_index;
    size_t seq;
};

struct tl_mlit;

struct tl_ruleset {
    char **files;
    size_t n_files, cap_files;
    struct tl_rule **rules;
    size_t n_rules, cap_rules;
    size_t n_loaded;            /* rules seen, valid or not (for the cap) */

    struct tl_rules_msg_int *msgs;
    size_t n_msgs, cap_msgs;
    bool msgs_sorted;
    unsigned errors, warnings;

    struct tl_rules_limits limits;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jit_stack;
    pcre2_match_data *md;
    uint32_t md_pairs;
    bool finalized;

    /* prefilter */
    bool prefilter;
    struct tl_mlit *pf_text, *pf_json;
    size_t *unbounded;          /* detection rules without a cover */
    size_t n_unbounded;
    unsigned unbounded_bits;    /* OR of the bits of unbounded[] */
    size_t n_detection;
    unsigned char *cand;        /* per rule: candidate for this event */
    bool pf_ready;
    const struct tl_pf_chunk *pf_chunk; /* tl_ruleset_pf_use() */
    size_t pf_cursor;           /* its first hit at or after the last record */

    /* scratch for matching */
    signed char *selmemo;
    size_t selmemo_cap;
    struct tl_buf valbuf;       /* extracted values */
    struct tl_buf sumbuf;       /* rendered summary */
    struct tl_buf extbuf;       /* unescaped JSON extra value */
    struct tl_field_value *fv;
    size_t fv_cap;
    size_t *fv_off;

    struct tl_rules_counters counters;
};

/* rules/load.c */
void tl_rules_msg(struct tl_ruleset *rs, size_t file_index, unsigned line,
                  unsigned col, enum tl_rules_msg_level lvl,
                  const char *fmt, ...) TL_PRINTF(6, 7);
void tl_rules_rule_free(struct tl_rule *r);
const char *tl_rules_suggest(const char *word, const char *const *cands,
                             size_t n);
/* Every field name a rule may use (for suggestions). */
size_t tl_rules_field_names(const char **out, size_t max);

/* rules/match.c */
void tl_rules_regex_free(struct tl_regex *re);
/* Fetch a field's value for matching; false if absent. num/nbuf hold
 * integer renderings. */
struct tl_fval {
    bool is_int;
    uint64_t num;
    const char *p;
    size_t n;
    char nbuf[48];
};
bool tl_rules_get_field(struct tl_ruleset *rs, const struct tl_fref *ref,
                        const struct tl_event *ev, struct tl_fval *out);
bool tl_rules_value_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_value *v, bool present,
                          const struct tl_fval *fv,
                          const struct tl_event *ev);
bool tl_rules_item_match(struct tl_ruleset *rs, const struct tl_rule *r,
                         const struct tl_item *it, const struct tl_event *ev);
bool tl_rules_group_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_group *g,
                          const struct tl_event *ev);
bool tl_rules_sel_match(struct tl_ruleset *rs, const struct tl_rule *r,
                        size_t sel, const struct tl_event *ev);
bool tl_rules_rule_eval(struct tl_ruleset *rs, const struct tl_rule *r,
                        const struct tl_event *ev);
/* One condition of a list of conditions. */
bool tl_rules_cond_eval_one(struct tl_ruleset *rs, const struct tl_rule *r,
                            size_t ci, const struct tl_event *ev);
/* Run extract and render the summary; fills m. */
void tl_rules_build_match(struct tl_ruleset *rs, const struct tl_rule *r,
                          const struct tl_event *ev, struct tl_match *m);
void tl_rules_match_setup(struct tl_ruleset *rs);

/* rules/prefilter.c */
void tl_rules_prefilter_build(struct tl_ruleset *rs);
void tl_rules_prefilter_free(struct tl_ruleset *rs);
void tl_rules_cover_free(struct tl_rule *r);
/* Mark candidate rules for ev (rs->cand); returns false if none. */
void tl_rules_prefilter_candidates(struct tl_ruleset *rs,
                                   const struct tl_event *ev);

/* Is this field's value verbatim in the raw record text? */
bool tl_rules_field_verbatim(enum tl_field f);

#endif
