/*
 * json.h - a strict, zero-copy JSON object parser for one record of
 * `log show --style json` (one pretty-printed array element) or
 * `--style ndjson` (one compact object per line).
 *
 * The parser does no I/O and keeps no state between calls. It reads
 * exactly the n bytes it is given (the text need not be NUL-terminated)
 * and never recurses: nested values of unknown keys are skipped with an
 * explicit depth cap (TL_JSON_MAX_DEPTH).
 */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"
#include "event.h"

/* Maximum nesting of objects and arrays in one record, counting the
 * record's own object as level 1. */
#define TL_JSON_MAX_DEPTH 64

enum tl_json_status {
    TL_JSON_EVENT = 0,   /* an event; ev is filled */
    TL_JSON_FINISHED,    /* the ndjson trailer {"count":N,"finished":1} */
    TL_JSON_ERROR        /* a syntax or type error; err is filled */
};

struct tl_json_error {
    size_t offset;      /* byte offset into text where the error was found */
    const char *msg;    /* static text, e.g. "expected ':' after a key" */
    /* The complete message, NUL-terminated: msg itself, or prefixed with
     * the key it concerns ("processID: expected an unsigned integer").
     * Always set on TL_JSON_ERROR; print this one. */
    char detail[96];
};

/*
 * Parse one JSON object from text[0..n) into ev.
 *
 * text: borrowed; exactly one JSON object with optional surrounding
 *   whitespace (space, tab, CR, LF). Need not be NUL-terminated; no byte
 *   at or past text + n is ever read.
 * ev: the caller has called tl_event_reset() and set input/line/style
 *   (and raw, if wanted). The parser only adds fields: known keys (by
 *   tl_field_lookup() semantics) set str[]/num[] and the present bit,
 *   "timestamp" sets the time fields via tl_parse_timestamp() and also
 *   str[TL_F_TIMESTAMP] to the original string; unknown keys go to
 *   extra[] (unescaped key, raw value text: the caller points ev->extra
 *   at TL_EVENT_MAX_EXTRA entries after the reset; left NULL, they are
 *   only counted) or count in extra_dropped.
 *   A known key whose value is null is absent; for a repeated key the
 *   last one wins. tl_event_finish() is NOT called. On TL_JSON_ERROR the
 *   content of ev is unspecified (but every slice in it is still valid).
 * scratch: caller-owned, reused between records. It is cleared and its
 *   capacity grown to at least n + 1 up front (its max raised to n if
 *   lower), so it never reallocates during the parse. Strings without
 *   escapes point into text (zero copy); unescaped ones point into
 *   scratch->p. All slices in ev borrow from text or scratch and are
 *   valid until either is changed.
 * finished_count: may be NULL. On TL_JSON_FINISHED receives the "count"
 *   value (0 when missing or not an unsigned integer).
 * err: filled on TL_JSON_ERROR only; must not be NULL.
 */
enum tl_json_status tl_json_parse_event(const char *text, size_t n,
                                        struct tl_event *ev,
                                        struct tl_buf *scratch,
                                        uint64_t *finished_count,
                                        struct tl_json_error *err);

/*
 * Map a JSON key to a field exactly like tl_field_lookup(), but fast for
 * the keys `log` writes. Returns TL_F__COUNT for unknown keys. key is
 * borrowed, n bytes, not NUL-terminated.
 */
enum tl_field tl_json_key_field(const char *key, size_t n);

#endif
