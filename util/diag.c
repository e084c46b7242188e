/*
 * diag.c - see diag.h.
 */
#include "diag.h"

#include <stdio.h>

static int worst = -1;
static int quiet;
static uint64_t counts[TL_DIAG_FATAL + 1];
static const char *prog = "trustline";

const char *tl_diag_level_name(enum tl_diag_level l)
{
    switch (l) {
    case TL_DIAG_NOTE:
        return "note";
    case TL_DIAG_WARNING:
        return "warning";
    case TL_DIAG_ERROR:
        return "error";
    case TL_DIAG_FATAL:
        return "fatal";
    }
    return "error";
}

void tl_diagv(enum tl_diag_level l, const char *file, uint64_t line,
              unsigned col, const char *fmt, va_list ap)
{
    if ((int)l > worst)
        worst = (int)l;
    counts[l]++;
    if (quiet)
        return;
    fprintf(stderr, "%s: ", prog);
    if (file) {
        fprintf(stderr, "%s:", file);
        if (line) {
            fprintf(stderr, "%llu:", (unsigned long long)line);
            if (col)
                fprintf(stderr, "%u:", col);
        }
        fputc(' ', stderr);
    }
    fprintf(stderr, "%s: ", tl_diag_level_name(l));
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void tl_diag(enum tl_diag_level l, const char *file, uint64_t line,
             unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tl_diagv(l, file, line, col, fmt, ap);
    va_end(ap);
}

int tl_diag_worst(void)
{
    return worst;
}

void tl_diag_set_quiet(int q)
{
    quiet = q;
}

uint64_t tl_diag_count(enum tl_diag_level l)
{
    return counts[l];
}

void tl_diag_reset(void)
{
    worst = -1;
    for (size_t i = 0; i < TL_ARRAY_LEN(counts); i++)
        counts[i] = 0;
}

void tl_diag_set_prog(const char *p)
{
    prog = p;
}
