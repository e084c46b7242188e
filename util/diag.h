/*
 * diag.h - diagnostics through one function.
 *
 * Format: "trustline: FILE:LINE:COL: LEVEL: message" on stderr, with the
 * parts that are unknown left out (LINE 0 and COL 0 mean unknown).
 * The worst level seen is kept so that main() can turn it into an exit
 * code (mandoc's design).
 */
#ifndef TL_DIAG_H
#define TL_DIAG_H

#include <stdarg.h>
#include <stdint.h>

#include "util.h"

enum tl_diag_level {
    TL_DIAG_NOTE = 0,
    TL_DIAG_WARNING,
    TL_DIAG_ERROR,
    TL_DIAG_FATAL
};

const char *tl_diag_level_name(enum tl_diag_level l);

/* Print a diagnostic. file may be NULL. */
void tl_diag(enum tl_diag_level l, const char *file, uint64_t line,
             unsigned col, const char *fmt, ...) TL_PRINTF(5, 6);
void tl_diagv(enum tl_diag_level l, const char *file, uint64_t line,
              unsigned col, const char *fmt, va_list ap);

/* Worst level printed so far (-1 if none). */
int tl_diag_worst(void);
/* Silence every diagnostic (tests, fuzzing); counts still kept. */
void tl_diag_set_quiet(int quiet);
/* Number of diagnostics at each level so far. */
uint64_t tl_diag_count(enum tl_diag_level l);
void tl_diag_reset(void);
/* The program name used as the prefix (default "trustline"). */
void tl_diag_set_prog(const char *prog);

#endif
