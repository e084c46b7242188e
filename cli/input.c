/*
 * input.c - drive the parser from a file or stdin: chunked read(2), and
 * for pipes and terminals poll(2) with the idle flush.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/diag.h"
#include "opt.h"

volatile int tl_cli_interrupted;
const char *tl_cli_argv0;

#define CHUNK ((size_t)256 * 1024)

void tl_input_opts_init(struct tl_input_opts *o)
{
    tl_parser_opts_init(&o->parser);
    o->idle_flush_ms = TL_DEFAULT_IDLE_FLUSH_MS;
    o->idle_cb = NULL;
    o->idle_ctx = NULL;
    o->threads = 2;
    o->prep_new = NULL;
    o->prep_free = NULL;
    o->prep = NULL;
    o->use = NULL;
    o->prep_ctx = NULL;
}

int tl_input_opt(struct tl_input_opts *o, int id, const char *arg,
                 const char *prog)
{
    unsigned long long v;
    switch (id) {
    case TL_IOPT_STYLE: {
        enum tl_style s = tl_style_from_name(arg);
        if (s == TL_STYLE__COUNT) {
            fprintf(stderr, "%s: --style: unknown style '%s' (use default, "
                    "compact, syslog, json, ndjson or auto)\n", prog, arg);
            return -1;
        }
        o->parser.style = s;
        return 1;
    }
    case TL_IOPT_MAX_LINE:
        if (!tl_opt_size(prog, "max-line", arg, (unsigned long long)1 << 30,
                         &v))
            return -1;
        if (v < 64) {
            fprintf(stderr, "%s: --max-line: at least 64 bytes\n", prog);
            return -1;
        }
        o->parser.max_line = (size_t)v;
        return 1;
    case TL_IOPT_IDLE:
        if (!tl_opt_uint(prog, "idle-flush", arg, 3600000, &v))
            return -1;
        o->idle_flush_ms = (unsigned)v;
        return 1;
    case TL_IOPT_MAX_DIAG:
        if (!tl_opt_uint(prog, "max-diag", arg, 1000000000, &v))
            return -1;
        o->parser.max_diag = (unsigned)v;
        return 1;
    case TL_IOPT_THREADS:
        if (!tl_opt_urange(prog, "threads", arg, 1, 2, &v))
            return -1;
        o->threads = (unsigned)v;
        return 1;
    default:
        return 0;
    }
}

/*
 * Read-ahead for regular files. The reader thread fills a ring of NSLOT
 * chunks: read(2), the parser's byte screen, and the caller's prep (the
 * rules' literal search); this thread parses them in order. Each slot is
 * FREE (the reader may fill it) or FULL (this thread may parse it); the
 * two threads hand slots over under one mutex. A read error or the end
 * of the file is passed on in the slot (n <= 0) and ends the reader.
 */
#define NSLOT 4

struct slot {
    char *buf;
    ssize_t n;        /* bytes; 0 end of file; -1 read error (err) */
    int err;
    bool full;
    uint64_t *screen; /* TL_SCREEN_WORDS(CHUNK) */
    void *prep;       /* o->prep_new() */
};

struct ahead {
    int fd;
    const struct tl_input_opts *o;
    struct slot slot[NSLOT];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;              /* this thread wants the reader to end */
    enum tl_style style;    /* the parser's style after the last chunk */
};

static void *reader_main(void *arg)
{
    struct ahead *a = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the parser */
    for (size_t k = 0;; k = (k + 1) % NSLOT) {
        struct slot *sl = &a->slot[k];
        pthread_mutex_lock(&a->mu);
        while (sl->full && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        bool stop = a->stop;
        enum tl_style style = a->style;
        pthread_mutex_unlock(&a->mu);
        if (stop)
            return NULL;
        ssize_t n;
        do
            n = read(a->fd, sl->buf, CHUNK);
        while (n < 0 && errno == EINTR);
        sl->err = n < 0 ? errno : 0;
        if (n > 0) {
            tl_parser_screen(sl->buf, (size_t)n, sl->screen);
            if (a->o->prep)
                a->o->prep(a->o->prep_ctx, sl->prep, style, sl->buf,
                           (size_t)n);
        }
        pthread_mutex_lock(&a->mu);
        sl->n = n;
        sl->full = true;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (n <= 0)
            return NULL;
    }
}

/* Parse a regular file with read-ahead. Returns 0, -1 on a read error
 * (reported), or 1 if the thread could not be started (nothing read). */
static int run_ahead(int fd, const char *name, const struct tl_input_opts *o,
                     struct tl_parser *p)
{
    struct ahead *a = tl_xcalloc(1, sizeof *a);
    a->fd = fd;
    a->o = o;
    a->style = o->parser.style;
    for (size_t k = 0; k < NSLOT; k++) {
        a->slot[k].buf = tl_xmalloc(CHUNK);
        a->slot[k].screen =
            tl_xmalloc(TL_SCREEN_WORDS(CHUNK) * sizeof(uint64_t));
        if (o->prep_new)
            a->slot[k].prep = o->prep_new(o->prep_ctx);
    }
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    pthread_t th;
    int rc = 0;
    if (pthread_create(&th, NULL, reader_main, a) != 0) {
        rc = 1;
        goto out;
    }
    for (size_t k = 0;; k = (k + 1) % NSLOT) {
        struct slot *sl = &a->slot[k];
        pthread_mutex_lock(&a->mu);
        while (!sl->full)
            pthread_cond_wait(&a->cv, &a->mu);
        pthread_mutex_unlock(&a->mu);
        if (sl->n < 0) {
            tl_diag(TL_DIAG_ERROR, name, 0, 0, "read error: %s",
                    strerror(sl->err));
            rc = -1;
            break;
        }
        if (sl->n == 0)
            break;
        if (o->use)
            o->use(o->prep_ctx, sl->prep);
        tl_parser_feed_screened(p, sl->buf, (size_t)sl->n, sl->screen);
        if (o->use)
            o->use(o->prep_ctx, NULL);
        pthread_mutex_lock(&a->mu);
        sl->full = false;
        a->style = tl_parser_style(p);
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (tl_cli_interrupted)
            break;
    }
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(th, NULL);
out:
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    for (size_t k = 0; k < NSLOT; k++) {
        free(a->slot[k].buf);
        free(a->slot[k].screen);
        if (o->prep_free)
            o->prep_free(o->prep_ctx, a->slot[k].prep);
    }
    free(a);
    return rc;
}

int tl_input_run(const char *path, const struct tl_input_opts *o,
                 const struct tl_parser_cb *cb, struct tl_stats *total)
{
    bool is_stdin = strcmp(path, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    int rc = 0;
    if (fd < 0) {
        tl_diag(TL_DIAG_ERROR, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    bool live = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
    if (!is_stdin && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        tl_diag(TL_DIAG_ERROR, path, 0, 0,
                "is a directory (give log files, or - for stdin)");
        close(fd);
        return -1;
    }
    struct tl_parser *p = tl_parser_new(&o->parser, is_stdin ? "-" : path, cb);
    char *buf = NULL;
    if (!live && o->threads >= 2) {
        int r = run_ahead(fd, is_stdin ? "-" : path, o, p);
        if (r <= 0) {
            rc = r;
            goto done;
        }
    }
    buf = tl_xmalloc(CHUNK);
    for (;;) {
        if (tl_cli_interrupted)
            break;
        if (live && o->idle_flush_ms && (tl_parser_pending(p) || o->idle_cb)) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            int r = poll(&pfd, 1, (int)o->idle_flush_ms);
            if (r == 0) {
                tl_parser_idle(p);
                if (o->idle_cb)
                    o->idle_cb(o->idle_ctx);
                continue;
            }
            if (r < 0 && errno == EINTR)
                continue;
        }
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            tl_diag(TL_DIAG_ERROR, is_stdin ? "-" : path, 0, 0,
                    "read error: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        tl_parser_feed(p, buf, (size_t)n);
    }
done:
    tl_parser_finish(p);
    if (total)
        tl_stats_add(total, tl_parser_stats(p));
    tl_parser_free(p);
    free(buf);
    if (!is_stdin)
        close(fd);
    return rc;
}

bool tl_inputs_live(const char *const *paths, size_t n)
{
    struct stat st;
    for (size_t i = 0; i < n; i++) {
        int r = strcmp(paths[i], "-") == 0 ? fstat(STDIN_FILENO, &st)
                                           : stat(paths[i], &st);
        if (r == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
            return true;
    }
    return false;
}

static void row(FILE *f, const char *name, uint64_t v, uint64_t of)
{
    if (of)
        fprintf(f, "  %-20s %12llu  %5.1f%%\n", name, (unsigned long long)v,
                100.0 * (double)v / (double)of);
    else
        fprintf(f, "  %-20s %12llu\n", name, (unsigned long long)v);
}

void tl_stats_print(FILE *f, const struct tl_stats *st)
{
    uint64_t sum = 0;
    fprintf(f, "trustline: input statistics\n");
    row(f, "bytes", st->bytes, 0);
    row(f, "lines", st->lines, 0);
    for (int c = 0; c < TL_LC__COUNT; c++) {
        char name[40];
        snprintf(name, sizeof(name), "  %s", tl_line_class_name(c));
        row(f, name, st->cls[c], st->lines);
        sum += st->cls[c];
    }
    if (sum != st->lines)
        fprintf(f, "  (internal error: line classes sum to %llu)\n",
                (unsigned long long)sum);
    row(f, "records", st->events, 0);
    row(f, "  parsed in full", st->events_parsed, 0);
    row(f, "  on a shared line", st->events_shared_line, 0);
    row(f, "truncated lines", st->truncated_lines, 0);
    row(f, "truncated records", st->truncated_records, 0);
    row(f, "CRLF lines", st->crlf_lines, 0);
    row(f, "lines with NUL", st->nul_lines, 0);
    row(f, "invalid UTF-8 lines", st->invalid_utf8_lines, 0);
    row(f, "style changes", st->style_switches, 0);
    row(f, "idle flushes", st->idle_flushes, 0);
    if (st->has_summary)
        fprintf(f,
                "  log show summary: Default %llu, Info %llu, Debug %llu, "
                "Error %llu, Fault %llu; Activity Create %llu, Transition "
                "%llu, Actions %llu\n",
                (unsigned long long)st->summary_default,
                (unsigned long long)st->summary_info,
                (unsigned long long)st->summary_debug,
                (unsigned long long)st->summary_error,
                (unsigned long long)st->summary_fault,
                (unsigned long long)st->summary_create,
                (unsigned long long)st->summary_transition,
                (unsigned long long)st->summary_actions);
    if (st->has_finished)
        fprintf(f, "  ndjson finished record: count %llu\n",
                (unsigned long long)st->finished_count);
}
