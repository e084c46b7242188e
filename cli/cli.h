/*
 * cli.h - what the subcommands share: exit codes, input driving,
 * common options. Each subcommand lives in cli/<name>.c and is reached
 * from main.c through one table.
 */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "../parser/parser.h"

/* Exit codes (documented in --help, README and trustline(1)). */
enum tl_exit {
    TL_EXIT_OK = 0,       /* done */
    TL_EXIT_FOUND = 1,    /* --fail-level reached; rules lint: warnings */
    TL_EXIT_USAGE = 2,    /* bad options, bad rules, lint errors */
    TL_EXIT_INPUT = 3,    /* an input could not be read (--strict) */
    TL_EXIT_OUTPUT = 4    /* output could not be written */
};

struct tl_input_opts {
    struct tl_parser_opts parser;
    unsigned idle_flush_ms;   /* live input: flush an open record after */
    /* Live input: called after every idle_flush_ms of silence (after the
     * parser's own idle flush), e.g. to close episodes. May be NULL. */
    void (*idle_cb)(void *ctx);
    void *idle_ctx;
    /* Regular files are read ahead by a second thread unless threads is
     * 1; that thread also screens each chunk's bytes for the parser and,
     * when prep is set, runs prep on it with a per-slot object (made by
     * prep_new, freed by prep_free) and the style the parser was in.
     * Before the chunk is parsed, use(prep_ctx, slot) runs in this
     * thread, and use(prep_ctx, NULL) after. May all be NULL. */
    unsigned threads;
    void *(*prep_new)(void *ctx);
    void (*prep_free)(void *ctx, void *slot);
    void (*prep)(void *ctx, void *slot, enum tl_style style, const char *buf,
                 size_t n);
    void (*use)(void *ctx, void *slot);
    void *prep_ctx;
};

/* argv[0] of the program (to find the shipped rules next to it). */
extern const char *tl_cli_argv0;

#define TL_DEFAULT_IDLE_FLUSH_MS 500u

void tl_input_opts_init(struct tl_input_opts *o);

/*
 * Read one input ("-" is stdin) to its end through a new parser, calling
 * cb for each event. Regular files are read in large chunks; pipes and
 * terminals are polled so that an open record is flushed after
 * idle_flush_ms of silence. The input's statistics are added to *total
 * (may be NULL). Returns 0, or -1 if the input could not be opened or
 * read (a diagnostic naming it has been printed).
 */
int tl_input_run(const char *path, const struct tl_input_opts *o,
                 const struct tl_parser_cb *cb, struct tl_stats *total);

/* The input options every reading subcommand takes. Put
 * TL_INPUT_OPTS into the subcommand's tl_opt table and pass unknown ids
 * to tl_input_opt(). */
enum {
    TL_IOPT_STYLE = 1000,
    TL_IOPT_MAX_LINE,
    TL_IOPT_IDLE,
    TL_IOPT_MAX_DIAG,
    TL_IOPT_THREADS
};
#define TL_INPUT_OPTS                                                     \
    {"style", 0, true, TL_IOPT_STYLE},                                     \
        {"max-line", 0, true, TL_IOPT_MAX_LINE},                           \
        {"idle-flush", 0, true, TL_IOPT_IDLE},                             \
        {"max-diag", 0, true, TL_IOPT_MAX_DIAG},                           \
        {"threads", 0, true, TL_IOPT_THREADS}
#define TL_INPUT_HELP                                                     \
    "Input options:\n"                                                    \
    "  --style STYLE     default, compact, syslog, json, ndjson or auto\n"  \
    "                    (auto: detected per input from its header or\n"    \
    "                    first record, and again where the style changes)\n"\
    "  --max-line SIZE   cap on one line and on one record (default 1M);\n" \
    "                    longer ones are truncated, counted and reported\n" \
    "  --idle-flush MS   on a pipe, hand out a record left open after MS\n" \
    "                    milliseconds of silence (default 500; 0: never)\n" \
    "  --max-diag N      diagnostics per input before they are only\n"      \
    "                    counted (default 100; 0: no limit)\n"             \
    "  --threads N       1: one thread; 2 (default): a regular file is\n"  \
    "                    read, screened and searched for the rules'\n"     \
    "                    literals ahead, in a second thread (same output)\n"

/* Returns 1 if id was an input option (applied), 0 if not, -1 on a bad
 * value (message printed). */
int tl_input_opt(struct tl_input_opts *o, int id, const char *arg,
                 const char *prog);

/* True if any of the inputs ("-" = stdin) is a pipe, FIFO, socket or
 * terminal rather than a regular file. */
bool tl_inputs_live(const char *const *paths, size_t n);

/* Print the statistics block of --stats to f. */
void tl_stats_print(FILE *f, const struct tl_stats *st);

/* Stop reading soon (set by the SIGINT handler). */
extern volatile int tl_cli_interrupted;

#endif
