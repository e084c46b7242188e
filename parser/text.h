/*
 * text.h - the three text styles (default, compact, syslog): recognising
 * header and record-start lines, and parsing a record into an event.
 * Internal to parser/.
 */
#ifndef TL_PARSER_TEXT_H
#define TL_PARSER_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"

/* Layout of the default style: does the TTL column exist? */
enum tl_ttl_layout { TL_TTL_UNKNOWN = 0, TL_TTL_YES, TL_TTL_NO };

/* Header line of a text style (compared after right-trimming), or
 * TL_STYLE_AUTO if the line is no header. Sets *ttl for default. */
enum tl_style tl_text_header(const char *p, size_t n, enum tl_ttl_layout *ttl);

/* Where the fixed fields of a record's first line are, found by
 * tl_text_is_start() and reused by tl_text_parse(). Byte offsets into the
 * line. */
struct tl_text_start {
    size_t a[8];
};

/* Does the line start a record in this style? (The start-of-record
 * shapes of log-formats.md section 7.) Fills *st (may be NULL). */
bool tl_text_is_start(enum tl_style s, const char *p, size_t n,
                      struct tl_text_start *st);

/* Parse a whole record (first line plus continuation lines joined with
 * '\n') into ev. st is what tl_text_is_start() gave for its first line.
 * String fields point into p. */
void tl_text_parse(enum tl_style s, enum tl_ttl_layout ttl, const char *p,
                   size_t n, const struct tl_text_start *st,
                   struct tl_event *ev);

/* Preamble lines: "Filtering the log data using ", "Skipping ...". */
bool tl_text_is_preamble(const char *p, size_t n);

#endif
