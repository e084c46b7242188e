/*
 * relit.h - required literals of a PCRE2 pattern, for the prefilter.
 *
 * tl_relit_required() reads a pattern (without compiling it) and returns
 * literal strings that EVERY subject the pattern matches contains, as an
 * ASCII-case-insensitive substring (tl_fold): an AND-set. The caller uses
 * the best one (longest, rarest) as the record's prefilter key; no
 * literal means "cannot be prefiltered".
 *
 * The analysis is conservative: every construct it does not fully
 * understand contributes "some unknown string" and cuts the literal runs
 * around it; a few constructs give up on the whole pattern.
 *
 * Understood:
 *   - literal bytes, escaped metacharacters (\. \( \[ \/ \\ \- \  ...),
 *     \a \e \f \n \r \t, \xHH and \x{H..} below 0x80, \Q...\E;
 *   - quantifiers: ? * {0,m} make their item optional; + {n,} {n,m} keep
 *     n copies of a literal item; {n} of a literal item is that literal
 *     n times; lazy and possessive forms alike; {,m} and forms with
 *     spaces (quantifiers only in PCRE2 >= 10.43) count as optional;
 *   - groups (...) (?:...) (?<n>...) (?'n'...) (?P<n>...) (?>...) (?|...)
 *     and (?flags:...): a group without | is a plain sequence and joins
 *     the runs around it; with | only the common prefix and suffix of its
 *     alternatives survive (the same at the top level);
 *   - zero-width items join the runs around them: ^ $ \b \B \A \z \Z \G
 *     \K, lookarounds (whose content is not used), comments (?#...);
 *   - a character class of one byte or one letter in both cases ([.] [Kk]);
 *     other classes, . \d \w \s \h \v \R \N \X \p{..} are "one unknown
 *     character";
 *   - backreferences, subroutine calls, recursion, callouts, conditional
 *     groups: "unknown string", cutting the runs;
 *   - (?i) (?-i) (?^) (?m) (?s) (?n) (?U) (?J) option settings;
 *   - (*UTF) (*UCP) (*CRLF) ... option verbs at the very start.
 *
 * Gives up (returns 0) on: PCRE2_EXTENDED / EXTENDED_MORE or (?x)
 * anywhere, PCRE2_ALT_BSUX, PCRE2_ALLOW_EMPTY_CLASS, backtracking verbs
 * (*ACCEPT) (*COMMIT) ... and alpha assertions (*pla:...), \Q inside a
 * class, unterminated groups or classes, nesting deeper than 200, and
 * other malformed input.
 *
 * Case: the result is for case-insensitive search, so (?i) needs no care,
 * except where PCRE2 caseless matching is wider than ASCII folding: in
 * caseless parts, bytes >= 0x80 are unknown, and with UTF also k/K and
 * s/S (PCRE2 folds U+212A KELVIN SIGN to k and U+017F LONG S to s). This
 * assumes no PCRE2_EXTRA_TURKISH_CASING (PCRE2 >= 10.45). A literal never
 * contains a NUL byte: \0, \x00 and raw NULs are unknown characters.
 */
#ifndef TL_RELIT_H
#define TL_RELIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write up to max_out required literals of pattern[0..n) to out[] and
 * return how many were written. Each out[i] is a malloc'd NUL-terminated
 * string the caller frees. The longest come first; none is empty, none
 * is a (case-insensitive) substring of another, no two are equal. flags
 * are the pcre2_compile() option bits (PCRE2_CASELESS, PCRE2_UTF,
 * PCRE2_EXTENDED, PCRE2_LITERAL, ...). The pattern is borrowed.
 */
size_t tl_relit_required(const char *pattern, size_t n, uint32_t flags,
                         char **out, size_t max_out);

#endif
