/*
 * parser.h - streaming parser: bytes -> lines -> records -> events.
 *
 * The parser does no I/O (jq's design): the caller feeds it byte ranges
 * of any size, split anywhere, and it calls back once per event. The
 * result is identical however the input is split.
 *
 * Memory is bounded: the unfinished line and the open record are held in
 * buffers capped by opts.max_line; everything else is a slice into the
 * caller's buffer, valid only during the callback.
 */
#ifndef TL_PARSER_H
#define TL_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Every input line is counted in exactly one of these classes. */
enum tl_line_class {
    TL_LC_EVENT = 0,     /* the first line of a record */
    TL_LC_CONTINUATION,  /* a further line of a record */
    TL_LC_PREAMBLE,      /* Filtering..., Skipping..., log: ... */
    TL_LC_HEADER,        /* the column header */
    TL_LC_TRAILER,       /* log show summary, ndjson finished record */
    TL_LC_BLANK,         /* empty line outside any record */
    TL_LC_MALFORMED,     /* anything else; always with a diagnostic */
    TL_LC__COUNT
};

const char *tl_line_class_name(enum tl_line_class c);

struct tl_stats {
    uint64_t lines;                 /* physical lines (a final line without
                                       LF counts too) */
    uint64_t bytes;
    uint64_t cls[TL_LC__COUNT];     /* sums to `lines` */
    uint64_t events;                /* records handed out: one per event
                                       line, plus events_shared_line */
    uint64_t events_parsed;         /* of those, fully parsed */
    uint64_t events_shared_line;    /* of those, JSON elements that began
                                       on a line where an earlier record
                                       began (`{..}{..}`): the line is
                                       classified once, by its first
                                       record, so events == cls[EVENT] +
                                       events_shared_line */
    uint64_t truncated_lines;       /* lines cut at max_line */
    uint64_t truncated_records;     /* records cut at max_line */
    uint64_t crlf_lines;            /* lines that ended in CR LF */
    uint64_t nul_lines;             /* lines containing NUL bytes */
    uint64_t invalid_utf8_lines;    /* lines with invalid UTF-8 */
    uint64_t style_switches;        /* style changes inside one input */
    uint64_t idle_flushes;          /* records flushed by the idle timer */
    /* The `log show` trailer summary, when seen (else has_summary=0). */
    bool has_summary;
    uint64_t summary_default, summary_info, summary_debug, summary_error,
        summary_fault, summary_create, summary_transition, summary_actions;
    /* The ndjson {"count":N,"finished":1} record, when seen. */
    bool has_finished;
    uint64_t finished_count;
};

/* Add src into dst (for totals over several inputs). */
void tl_stats_add(struct tl_stats *dst, const struct tl_stats *src);

struct tl_parser;

struct tl_parser_cb {
    void *ctx;
    /* Called with each event. Required. */
    void (*event)(void *ctx, const struct tl_event *ev);
    /* Optional prefilter: called with the raw record text (and the style
     * it is in) before the record is parsed; return false to skip the
     * full parse. The record is still counted as an event. */
    bool (*want)(void *ctx, enum tl_style style, const char *raw,
                 size_t n);
};

struct tl_parser_opts {
    enum tl_style style;     /* TL_STYLE_AUTO: detect (and re-detect) */
    size_t max_line;         /* cap on one line and on one record */
    unsigned max_diag;       /* diagnostics per input before summarising;
                                0 = unlimited */
    bool quiet;              /* no diagnostics at all (tests, fuzzing) */
};

#define TL_DEFAULT_MAX_LINE ((size_t)1 << 20)
#define TL_DEFAULT_MAX_DIAG 100u

void tl_parser_opts_init(struct tl_parser_opts *o);

/* `input` is borrowed and must outlive the parser. */
struct tl_parser *tl_parser_new(const struct tl_parser_opts *opts,
                                const char *input,
                                const struct tl_parser_cb *cb);
void tl_parser_free(struct tl_parser *p);

/* Feed bytes; may call back any number of times. */
void tl_parser_feed(struct tl_parser *p, const char *buf, size_t n);

/* The per-line byte checks (NUL, invalid UTF-8) done ahead for a whole
 * chunk, in any thread: bit i of dirty[] (i / 64, i % 64) is set when
 * bytes [64i, 64i + 64) of buf hold a NUL or a byte >= 0x80. dirty has
 * TL_SCREEN_WORDS(n) words. */
#define TL_SCREEN_WORDS(n) (((n) + 4095) / 4096)
void tl_parser_screen(const char *buf, size_t n, uint64_t *dirty);
/* tl_parser_feed() for a buffer screened by tl_parser_screen(): lines
 * that lie in clean blocks skip the per-line byte checks. Same results. */
void tl_parser_feed_screened(struct tl_parser *p, const char *buf, size_t n,
                             const uint64_t *dirty);
/* The input went quiet: hand out the open record, if any. Returns true
 * if a record was flushed. */
bool tl_parser_idle(struct tl_parser *p);
/* End of input: the unfinished last line and the open record are handed
 * out. The parser must not be fed afterwards. */
void tl_parser_finish(struct tl_parser *p);
/* True while a record is open (the idle timer is worth arming). */
bool tl_parser_pending(const struct tl_parser *p);

const struct tl_stats *tl_parser_stats(const struct tl_parser *p);
/* The style in effect now (TL_STYLE_AUTO until detected). */
enum tl_style tl_parser_style(const struct tl_parser *p);

#endif
