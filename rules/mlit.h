/*
 * mlit.h - multi-literal prefilter: which of a set of literals occur in a
 * text? One search over a record's raw bytes, before anything is parsed.
 *
 * Matching is ASCII-case-insensitive (tl_fold: 'A'-'Z' equal 'a'-'z';
 * every other byte, including bytes >= 0x80 and NUL, compares exactly).
 * Each literal carries a caller-given uint32 id. Literals that are equal
 * after folding are all kept and all reported; several literals may share
 * one id. The result is exact: no false positives, no false negatives.
 *
 * Usage:
 *     struct tl_mlit_builder *b = tl_mlit_builder_new();
 *     tl_mlit_add(b, "GK evaluateScanResult", 21, 7);
 *     ...
 *     struct tl_mlit *m = tl_mlit_build(b);      (b is gone now)
 *     if (tl_mlit_any(m, line, len)) ...
 *     tl_mlit_free(m);
 *
 * A built matcher is immutable: any number of threads may search with it
 * at once. A search allocates nothing unless the set has more than 4096
 * distinct ids (tl_mlit_each only).
 *
 * ALGORITHM. Measured on the 2-core dev box (AMD EPYC, ~3.5 GHz), gcc
 * -O2, thread CPU time, best of 40 runs over ~2 MiB of generated `log
 * show` default-style lines (~227 bytes each, none holding a literal),
 * tl_mlit_any once per line.
 *
 *   Wu-Manber. Every literal is represented by one window of W bytes,
 *   W = min(shortest literal of its group, 16). The window is not the
 *   literal's prefix but its "rarest" W-byte stretch, scored with a
 *   built-in byte-rarity table for log text (space, frequent letters and
 *   digits are cheap; q/z/j, rare punctuation, control and high bytes are
 *   dear). A shift table indexed by the q-gram that ends at the current
 *   text position says how far the window end may jump:
 *     q = 2: the 16-bit load | 0x2020 indexes a direct 64 KiB table;
 *     q = 4: the 32-bit load | 0x20202020, multiplied and shifted, indexes
 *            a table of 2^12..2^17 bytes (sized to the number of 4-grams).
 *   OR-ing 0x20 folds A-Z onto a-z (it also pairs a few punctuation and
 *   control bytes, which only makes the table more conservative). A zero
 *   shift is a candidate: the 8 bytes ending there (the window's tail,
 *   folded the same way) are looked up in an open-addressing table of
 *   window keys, and only a key hit gets a full tl_fold compare of each
 *   literal with that key. Four chains scan four quarters of the text in
 *   one loop, so that one chain's load-lookup-add latency overlaps the
 *   others' (records under ~100 bytes use one or two chains).
 *
 *   Alternatives measured (the 40 key phrases of the shipped rules,
 *   shortest 8 bytes, so W = 8):
 *     naive search, one literal at a time                   0.05 GB/s
 *     WM q=2, prefix windows, 1 chain                       1.6 GB/s
 *     WM q=3 (hashed), prefix windows, 1 chain              1.2 GB/s
 *     WM q=2 / q=3, prefix windows, 4 chains             2.85 / 2.9 GB/s
 *     same, candidates queued branch-free, verified in
 *       batches (the queue stores cost more than the
 *       mispredicted branches they avoid)                 1.4-1.8 GB/s
 *     WM q=2 / q=3 / q=4, rarest windows, 4 chains   4.0 / 3.5 / 3.3 GB/s
 *     (upper bound: q=2 scan alone, no candidate checks      6.9 GB/s)
 *   Prefix windows lose because "com.apple.quarantine" begins with
 *   "com.appl", which is in nearly every line. For 1000 generated literals
 *   the 2-byte table fills up: random 8-23-byte strings run at 0.5 GB/s
 *   with q=2 and 2.9 GB/s with q=4; three-word phrases (W = 15) at 3.0 and
 *   5.9 GB/s. The same happens sooner on the bench corpus (`make bench`,
 *   whose messages are more like English): subsets of the shipped rules'
 *   literals of at least 8 bytes (W = 8), searched in 256 KiB chunks,
 *   q=2 against q=4 in GB/s: 10 literals 4.5 / 3.7, 20: 3.5 / 3.5,
 *   30: 3.0 / 3.4, 45: 2.4 / 3.1, 61: 1.9 / 3.1 (on the test's own lines
 *   above, 40 phrases of W = 8 still favour q=2, 4.0 / 3.3).
 *   tl_mlit_build() therefore uses q=4 when W >= 10, or W >= 8 and the
 *   group has >= 32 literals; q=2 otherwise.
 *
 *   This engine through this API (tests/unit/test_mlit.c, TL_MLIT_BENCH=1,
 *   ranges over several runs; the second column is the build with the
 *   short-literal search and q=4 from 32 literals, a quiet machine):
 *     40 shipped phrases, shortest 8          3.8-4.0 GB/s    3.4 (q=4)
 *     the same plus "AMFI: " (W = 6)          3.0-3.1         2.7 (short)
 *     40 generated: three words / word_word_NNNN /
 *       random 8-23 bytes            8.4-8.5 / 7.5-9.3 / 4.9-5.2
 *                                    8.0 / 8.5 / 3.4
 *     1000 generated, the same three kinds
 *                                    5.0-5.8 / 5.2-6.3 / 2.7-3.0
 *                                    5.5 / 6.0 / 2.6
 *   These are one call per line of about 227 bytes. On the bench corpus
 *   the same per-line search with the shipped rules' 63 literals runs at
 *   1.6 GB/s before and 1.8 after; in 256 KiB chunks (the read-ahead
 *   thread's way) at 1.6 and 2.4.
 *   The worst 1000-literal case (random strings, W = 8) is up to 1.9x
 *   slower than 40 of the same kind and 1.4x slower than the shipped 40.
 *   Splitting such a set into a short-window and a long-window group was
 *   measured too: two passes cost more (1.8-2.2 GB/s).
 *
 *   Short literals. The window can be no longer than the shortest literal
 *   and a jump is at most W - 1 bytes, so short literals slow everything
 *   down: the shipped rules' "cert[" (5 bytes) and "notari" held the
 *   window of all 63 literals at 5 bytes, 1.5 GB/s on the bench corpus.
 *   So up to 8 literals of 2 to 7 bytes are searched apart, 16 start
 *   positions at a time (the vector extension of gcc and clang: SSE2 on
 *   x86-64, NEON on arm64): each has three probe bytes (its rarest, then
 *   the rarest far from those), compared case-folded (OR 0x20 where the
 *   literal has a letter) at their offsets, ANDed per literal and ORed
 *   over the literals; a nonzero step is compared in full. The last
 *   steps read a zero-padded copy of the text's end. With 1 to 4 short
 *   literals the loop is specialised, so the probes stay in registers.
 *   On the bench corpus, in 256 KiB chunks: "cert[" alone 16 GB/s, with
 *   "notari" 10; the shipped 63 (the two short ones apart, the 61 others
 *   one q=4 group of W = 8) 2.4 GB/s against 1.6, and `trustline scan`
 *   of the default style 348 -> 265 ms for 300 MB. Two probe bytes
 *   instead of three: 8.1 GB/s for the two (the byte pairs of "notari"
 *   are common; measured with other work on the machine).
 *   Without vectors (other compilers; TL_NO_VEC16) they stay in the
 *   Wu-Manber groups as below.
 *   Otherwise the literals are split by length into at most two
 *   Wu-Manber groups when a cost model says two passes are cheaper than
 *   one (per byte: a fixed part, 1/(W-1) steps, and candidates growing
 *   with the group's size); each group is then one more pass. Length-1
 *   literals are found with memchr (up to four of them) or a byte table.
 *   Costs: a 2- or 3-byte literal makes a group that visits nearly every
 *   byte: "TCC" alone ~2.0 GB/s (7.9 as a short literal); 9 phrases plus
 *   "TCC" and "%@" (a 2-byte group, then a 6-byte group) ~1.05 GB/s (2.35
 *   with the two as short literals). One 1-byte literal beside a
 *   phrase: ~7 GB/s (memchr). Six 1-byte literals (byte table): ~2.3 GB/s.
 */
#ifndef TL_MLIT_H
#define TL_MLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_mlit;
struct tl_mlit_builder;

/* A new, empty builder; owned by the caller until tl_mlit_build(). */
struct tl_mlit_builder *tl_mlit_builder_new(void);

/* Add the n bytes at lit (copied; may contain NUL) with the given id.
 * n == 0 adds the empty literal, which occurs in every text. */
void tl_mlit_add(struct tl_mlit_builder *b, const char *lit, size_t n,
                 uint32_t id);

/* Build the matcher; consumes and frees b. b == NULL builds an empty set.
 * Never returns NULL; the caller owns the result (tl_mlit_free). */
struct tl_mlit *tl_mlit_build(struct tl_mlit_builder *b);

/* Free a builder that will not be built. NULL is a no-op. */
void tl_mlit_builder_free(struct tl_mlit_builder *b);

/* Free a matcher. NULL is a no-op. */
void tl_mlit_free(struct tl_mlit *m);

/* True if any literal occurs in text[0..n). m == NULL is the empty set.
 * text is borrowed; it needs no terminator. */
bool tl_mlit_any(const struct tl_mlit *m, const char *text, size_t n);

/* Call cb(ctx, id) once for every id that has a literal occurring in
 * text[0..n), in no particular order; stop as soon as cb returns false. */
void tl_mlit_each(const struct tl_mlit *m, const char *text, size_t n,
                  bool (*cb)(void *ctx, uint32_t id), void *ctx);

/* Call cb(ctx, start, end) for every occurrence [start, end) of every
 * distinct literal in text[0..n) (literals equal after folding count
 * once), in no particular order; stop as soon as cb returns false.
 * Returns false, without searching, when the set holds an empty or a
 * one-byte literal (their occurrences are too many to list). */
bool tl_mlit_scan_all(const struct tl_mlit *m, const char *text, size_t n,
                      bool (*cb)(void *ctx, size_t start, size_t end),
                      void *ctx);

/* The number of literals added (duplicates included). */
size_t tl_mlit_count(const struct tl_mlit *m);

/* The length of the shortest literal; 0 for an empty set. A text shorter
 * than this cannot match. */
size_t tl_mlit_min_len(const struct tl_mlit *m);

#endif
