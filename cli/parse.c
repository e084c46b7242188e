/*
 * parse.c - `trustline parse`: one NDJSON object per event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../output/escape.h"
#include "../output/event_json.h"
#include "../util/diag.h"
#include "../util/out.h"
#include "cli.h"
#include "commands.h"
#include "opt.h"

static const char usage[] =
    "Usage: trustline parse [OPTIONS] [FILE|-]...\n"
    "\n"
    "Parse the output of `log show` / `log stream` (any --style) and write\n"
    "one JSON object per event (NDJSON) with the field names of\n"
    "`log show --style json`: timestamp, threadID, messageType, eventType,\n"
    "activityIdentifier, processID, TTL, process, processImagePath, sender,\n"
    "senderImagePath, subsystem, category, eventMessage (and, from the JSON\n"
    "styles, every other key), plus input, line and style. Fields a style\n"
    "does not carry are left out. With no FILE, or FILE -, read stdin.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE  write to FILE instead of stdout\n"
    "  --stats            print input statistics to stderr at the end\n"
    "  --raw              add the record's raw text as \"raw\"\n"
    "  -h, --help         this text\n"
    "\n" TL_INPUT_HELP
    "\n"
    "Exit status: 0 done (malformed lines are reported, counted and\n"
    "skipped); 2 usage error; 3 an input could not be read; 4 the output\n"
    "could not be written.\n";

struct parse_ctx {
    struct tl_out out;
    bool raw;
};

static void on_event(void *vctx, const struct tl_event *ev)
{
    struct parse_ctx *c = vctx;
    struct tl_out *o = &c->out;
    tl_out_write(o, "{\"input\":", 9);
    tl_esc_json_str(o, ev->input, strlen(ev->input));
    tl_out_write(o, ",\"line\":", 8);
    tl_out_u64(o, ev->line);
    tl_out_write(o, ",\"style\":\"", 10);
    tl_out_puts(o, tl_style_name(ev->style));
    tl_out_putc(o, '"');
    if (ev->truncated)
        tl_out_write(o, ",\"truncated\":true", 17);
    tl_event_json_fields(o, ev);
    if (c->raw) {
        tl_out_write(o, ",\"raw\":", 7);
        tl_esc_json_str(o, ev->raw.p, ev->raw.n);
    }
    tl_out_putc(o, '}');
    tl_out_putc(o, '\n');
    tl_out_eor(o);
}

int tl_cli_parse(int argc, char **argv)
{
    enum { O_OUT = 1, O_STATS, O_RAW, O_HELP };
    static const struct tl_opt opts[] = {
        {"output", 'o', true, O_OUT},
        {"stats", 0, false, O_STATS},
        {"raw", 0, false, O_RAW},
        {"help", 'h', false, O_HELP},
        TL_INPUT_OPTS,
        {NULL, 0, false, 0},
    };
    struct tl_input_opts io;
    struct tl_optstate st;
    const char *outpath = NULL;
    bool stats = false;
    struct parse_ctx ctx = {.raw = false};
    const char **files = tl_xcalloc((size_t)argc + 1, sizeof(*files));
    size_t nfiles = 0;
    int id, rc = TL_EXIT_OK;

    tl_input_opts_init(&io);
    tl_opt_init(&st, "trustline parse");
    while ((id = tl_opt_next(&st, argc, argv, opts)) != TL_OPT_END) {
        switch (id) {
        case TL_OPT_OPERAND:
            files[nfiles++] = st.arg;
            break;
        case O_OUT:
            outpath = st.arg;
            break;
        case O_STATS:
            stats = true;
            break;
        case O_RAW:
            ctx.raw = true;
            break;
        case O_HELP:
            fputs(usage, stdout);
            free(files);
            return TL_EXIT_OK;
        case TL_OPT_ERROR:
            free(files);
            return TL_EXIT_USAGE;
        default:
            if (tl_input_opt(&io, id, st.arg, st.prog) != 1) {
                free(files);
                return TL_EXIT_USAGE;
            }
            break;
        }
    }
    if (nfiles == 0)
        files[nfiles++] = "-";

    int fd = STDOUT_FILENO;
    if (outpath) {
        fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            tl_diag(TL_DIAG_ERROR, outpath, 0, 0, "cannot write: %s",
                    strerror(errno));
            free(files);
            return TL_EXIT_OUTPUT;
        }
    }
    tl_out_init(&ctx.out, fd, 256 * 1024);
    /* Live input (a pipe, a terminal) wants each event written as soon
     * as it is read; files are written in large blocks. */
    ctx.out.line_buffered = isatty(fd) || tl_inputs_live(files, nfiles);

    struct tl_parser_cb cb = {.ctx = &ctx, .event = on_event, .want = NULL};
    struct tl_stats total;
    memset(&total, 0, sizeof(total));
    for (size_t i = 0; i < nfiles && !tl_cli_interrupted; i++) {
        if (tl_input_run(files[i], &io, &cb, &total) != 0)
            rc = TL_EXIT_INPUT;
        if (ctx.out.err)
            break;
    }
    tl_out_flush(&ctx.out);
    if (ctx.out.err && ctx.out.err != EPIPE) {
        tl_diag(TL_DIAG_ERROR, outpath ? outpath : "<stdout>", 0, 0,
                "write error: %s", strerror(ctx.out.err));
        rc = TL_EXIT_OUTPUT;
    }
    if (stats)
        tl_stats_print(stderr, &total);
    tl_out_free(&ctx.out);
    if (outpath && close(fd) != 0 && rc == TL_EXIT_OK) {
        tl_diag(TL_DIAG_ERROR, outpath, 0, 0, "write error: %s",
                strerror(errno));
        rc = TL_EXIT_OUTPUT;
    }
    free(files);
    return rc;
}
