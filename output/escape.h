/*
 * escape.h - escaping log text for every output, in one place.
 *
 * Log text is attacker-controlled: it may hold control characters,
 * terminal escape sequences, invalid UTF-8, NUL bytes, markup and
 * spreadsheet formulas. Every renderer writes log-derived text only
 * through these functions.
 */
#ifndef TL_ESCAPE_H
#define TL_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/out.h"

/* A character that is valid UTF-8 but that no output passes through as
 * it is, because it controls a terminal or reorders or breaks what a
 * reader sees: the C1 controls U+0080..U+009F, the marks U+200E/F, the
 * line and paragraph separators and embeddings U+2028..U+202E and the
 * isolates U+2066..U+2069. Returns its length (2 or 3) and code point, or
 * 0 for anything else. */
size_t tl_utf8_invisible(const unsigned char *u, size_t n, unsigned *cp);

/* JSON string body (no quotes): ", \, control characters (C0, DEL) and
 * the tl_utf8_invisible() characters escaped (\n, \u00XX, \u202e, ...),
 * invalid UTF-8 replaced by U+FFFD. Other valid UTF-8 passes through. */
void tl_esc_json(struct tl_out *o, const char *s, size_t n);
/* Quoted JSON string. */
void tl_esc_json_str(struct tl_out *o, const char *s, size_t n);
/* Raw JSON text that is already valid JSON except perhaps for invalid
 * UTF-8 inside strings: copy it minified (whitespace between tokens
 * dropped), replacing invalid sequences by U+FFFD. */
void tl_esc_json_raw(struct tl_out *o, const char *s, size_t n);

/* Terminal text: control characters (C0, DEL), the tl_utf8_invisible()
 * characters and invalid UTF-8 shown visibly as \xNN, \n, \t, \e ...;
 * never passed through;
 * backslash doubled so that the escapes are unambiguous. */
void tl_esc_term(struct tl_out *o, const char *s, size_t n);

/* HTML text and attribute values: & < > " ' escaped, control characters
 * and invalid UTF-8 shown as visible escapes. */
void tl_esc_html(struct tl_out *o, const char *s, size_t n);

/* One CSV field per RFC 4180, always quoted; a field starting with
 * = + - @ TAB or CR is prefixed with ' against formula injection. */
void tl_esc_csv(struct tl_out *o, const char *s, size_t n);

#endif
