/*
 * event.h - one event struct for every `log` output style.
 *
 * An event borrows all of its strings: they point into the parser's
 * record buffer (or into the caller's chunk) and are valid only during
 * the event callback. Copy what you keep.
 *
 * Field names follow `log show --style json`; see tl_field_name().
 */
#ifndef TL_EVENT_H
#define TL_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

enum tl_style {
    TL_STYLE_AUTO = 0,
    TL_STYLE_DEFAULT,
    TL_STYLE_COMPACT,
    TL_STYLE_SYSLOG,
    TL_STYLE_JSON,
    TL_STYLE_NDJSON,
    TL_STYLE__COUNT
};

const char *tl_style_name(enum tl_style s);
/* Returns TL_STYLE__COUNT if the name is unknown. */
enum tl_style tl_style_from_name(const char *name);

/*
 * The event fields. The order is the output order of `trustline parse`.
 * String fields and integer fields are kept separately; tl_field_is_int()
 * says which.
 */
enum tl_field {
    TL_F_TIMESTAMP = 0,         /* derived from time_us/tz; string form */
    TL_F_THREAD_ID,             /* int */
    TL_F_MESSAGE_TYPE,          /* Default Info Debug Error Fault */
    TL_F_EVENT_TYPE,            /* logEvent activityCreateEvent ... */
    TL_F_ACTIVITY_ID,           /* int: activityIdentifier */
    TL_F_PROCESS_ID,            /* int: processID */
    TL_F_TTL,                   /* int: TTL (days), default style only */
    TL_F_PROCESS,
    TL_F_PROCESS_IMAGE_PATH,
    TL_F_SENDER,
    TL_F_SENDER_IMAGE_PATH,
    TL_F_SUBSYSTEM,
    TL_F_CATEGORY,
    TL_F_EVENT_MESSAGE,
    /* Extra keys carried only by the JSON styles, in a fixed set. */
    TL_F_TRACE_ID,              /* int: traceID */
    TL_F_MACH_TIMESTAMP,        /* int */
    TL_F_FORMAT_STRING,
    TL_F_PROCESS_IMAGE_UUID,
    TL_F_SENDER_IMAGE_UUID,
    TL_F_SENDER_PC,             /* int: senderProgramCounter */
    TL_F_PARENT_ACTIVITY_ID,    /* int: parentActivityIdentifier */
    TL_F_USER_ID,               /* int: userID */
    TL_F_BOOT_UUID,
    TL_F_TIMEZONE_NAME,
    TL_F_SIGNPOST_ID,           /* int: signpostID */
    TL_F_SIGNPOST_NAME,
    TL_F_SIGNPOST_TYPE,
    TL_F_SIGNPOST_SCOPE,
    TL_F__COUNT
};

/* The `log show --style json` key of a field ("eventMessage", ...). */
const char *tl_field_name(enum tl_field f);
bool tl_field_is_int(enum tl_field f);
/* Look up a field by JSON key or `log --predicate` alias
 * (composedMessage, processIdentifier, threadIdentifier, logType, type,
 * timeToLive, ...). Returns TL_F__COUNT if unknown. Case-sensitive. */
enum tl_field tl_field_lookup(const char *name, size_t n);

/* A JSON key we do not model: kept verbatim (raw JSON value text). */
struct tl_extra {
    struct tl_str key;   /* unescaped key */
    struct tl_str raw;   /* the raw JSON value, e.g. `{"frames":[...]}` */
};

#define TL_EVENT_MAX_EXTRA 32

struct tl_event {
    const char *input;  /* input name as given ("-" for stdin) */
    uint64_t line;      /* 1-based line number of the record's first line */
    enum tl_style style;

    /* Time: UTC microseconds since the epoch when tz_known; otherwise the
     * local wall-clock time expressed as if it were UTC (compact style). */
    bool has_time;
    bool tz_known;
    int16_t tz_offset_min;  /* +0900 -> 540 */
    uint8_t time_digits;    /* fraction digits in the source: 6 or 3 */
    int64_t time_us;

    uint64_t present;  /* bit (1 << tl_field) set when the field is present */
    uint64_t num[TL_F__COUNT];       /* integer fields */
    struct tl_str str[TL_F__COUNT];  /* string fields */

    /* Unknown JSON keys: n_extra entries at extra, storage that the
     * event borrows like its strings. The JSON parser fills the
     * TL_EVENT_MAX_EXTRA entries its caller points extra at after
     * tl_event_reset(), which sets it to NULL (then they are only
     * counted in extra_dropped). Kept out of the event so that a copy
     * (each hit of the timeline) costs only what it uses. */
    size_t n_extra;
    struct tl_extra *extra;
    size_t extra_dropped;  /* unknown keys beyond TL_EVENT_MAX_EXTRA */

    /* The raw record text as read (continuation lines joined by '\n'). */
    struct tl_str raw;
    /* Non-zero when the record text was cut at --max-line. */
    bool truncated;
};

static inline bool tl_event_has(const struct tl_event *ev, enum tl_field f)
{
    return (ev->present >> f) & 1u;
}

static inline void tl_event_set_str(struct tl_event *ev, enum tl_field f,
                                    const char *p, size_t n)
{
    ev->str[f].p = p;
    ev->str[f].n = n;
    ev->present |= (uint64_t)1 << f;
}

static inline void tl_event_set_num(struct tl_event *ev, enum tl_field f,
                                    uint64_t v)
{
    ev->num[f] = v;
    ev->present |= (uint64_t)1 << f;
}

/* Reset every field (keeps input/line untouched). */
void tl_event_reset(struct tl_event *ev);

/* After a style parser filled the fields: derive process/sender from the
 * image paths where only paths were given, and messageType/eventType
 * spellings. */
void tl_event_finish(struct tl_event *ev);

/* Format the timestamp the way `log` prints it:
 * "YYYY-MM-DD HH:MM:SS.uuuuuu+HHMM" (local time with offset), or for an
 * unknown offset "YYYY-MM-DD HH:MM:SS.mmm" / ".uuuuuu" without one.
 * Writes a NUL-terminated string into out (at least 40 bytes); returns
 * its length. */
size_t tl_event_format_time(const struct tl_event *ev, char *out);
/* ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS.uuuuuuZ"; when !tz_known the local
 * time without "Z". out >= 40 bytes. */
size_t tl_event_format_iso(const struct tl_event *ev, char *out);

/* Parse "YYYY-MM-DD HH:MM:SS" + "." + 1..9 digits + optional "[+-]HHMM"
 * from the start of p. On success fills ev time fields, sets *used to
 * the bytes consumed and returns true. */
bool tl_parse_timestamp(const char *p, size_t n, struct tl_event *ev,
                        size_t *used);
/* Whether p[0..31) has the shape "DDDD-DD-DD DD:DD:DD.DDDDDD+DDDD" (or
 * '-' before the offset); p must have 31 readable bytes. */
bool tl_ts31_shape(const char *p);

/* The same without the fixed-position fast path for the common 31-byte
 * form (tests compare the two). */
bool tl_parse_timestamp_general(const char *p, size_t n, struct tl_event *ev,
                                size_t *used);

#endif
