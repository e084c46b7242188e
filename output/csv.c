/*
 * csv.c - RFC 4180 CSV, Timesketch columns first (message, datetime,
 * timestamp_desc, timestamp), one row per matched event and per episode.
 * Every field is quoted; fields that a spreadsheet would take for a
 * formula (= + - @ TAB CR first) are prefixed with ' (see escape.c).
 * Rows end with CRLF as RFC 4180 says.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

struct csv {
    struct tl_out *o;
    struct tl_render_opts opts;
};

static const char header[] =
    "message,datetime,timestamp_desc,timestamp,record,level,rule,rule_id,"
    "episode,process,pid,subsystem,category,fields,input,line\r\n";

static void f(struct tl_out *o, const char *s, size_t n, bool last)
{
    tl_esc_csv(o, s, n);
    tl_out_write(o, last ? "\r\n" : ",", last ? 2 : 1);
}

static void fs(struct tl_out *o, const char *s)
{
    f(o, s ? s : "", s ? strlen(s) : 0, false);
}

static void fu(struct tl_out *o, uint64_t v, bool have)
{
    char b[24];
    int n = have ? snprintf(b, sizeof(b), "%llu", (unsigned long long)v) : 0;
    f(o, b, (size_t)n, false);
}

static void fstr(struct tl_out *o, const struct tl_event *ev, enum tl_field fl)
{
    if (tl_event_has(ev, fl))
        f(o, ev->str[fl].p, ev->str[fl].n, false);
    else
        f(o, "", 0, false);
}

static void *csv_open(struct tl_out *o, const struct tl_render_opts *opts)
{
    struct csv *c = tl_xcalloc(1, sizeof(*c));
    c->o = o;
    c->opts = *opts;
    tl_out_write(o, header, sizeof(header) - 1);
    return c;
}

static void times(struct tl_out *o, int64_t us, bool tz, const char *desc)
{
    char iso[48];
    size_t n = tl_render_iso(us, tz, iso);
    f(o, iso, n, false);
    fs(o, desc);
    fu(o, (uint64_t)(us < 0 ? 0 : us), true);
}

static void row(struct csv *c, const struct tl_hit *h)
{
    struct tl_out *o = c->o;
    const struct tl_event *ev = &h->ev;
    struct tl_str m = tl_render_hit_text(h);
    f(o, m.p, m.n, false);
    times(o, ev->time_us, ev->tz_known, "Event Recorded");
    fs(o, "event");
    fs(o, tl_rule_level_name(h->info->level));
    fs(o, h->info->name ? h->info->name : h->info->title);
    fs(o, h->info->id);
    fu(o, h->episode, h->episode != 0);
    fstr(o, ev, TL_F_PROCESS);
    fu(o, ev->num[TL_F_PROCESS_ID], tl_event_has(ev, TL_F_PROCESS_ID));
    fstr(o, ev, TL_F_SUBSYSTEM);
    fstr(o, ev, TL_F_CATEGORY);
    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < h->n_fields; i++) {
        if (i)
            tl_buf_append(&b, "; ", 2);
        tl_buf_append(&b, h->fields[i].name, strlen(h->fields[i].name));
        tl_buf_putc(&b, '=');
        tl_buf_append(&b, h->fields[i].value.p, h->fields[i].value.n);
    }
    f(o, b.p ? b.p : "", b.len, false);
    tl_buf_free(&b);
    fs(o, ev->input);
    char ln[24];
    int n = snprintf(ln, sizeof(ln), "%llu", (unsigned long long)ev->line);
    f(o, ln, (size_t)n, true);
}

static void csv_hit(void *st, const struct tl_hit *h)
{
    struct csv *c = st;
    if (h->info->level < c->opts.min_level)
        return;
    row(c, h);
    tl_out_eor(c->o);
}

static void csv_episode(void *st, const struct tl_episode *ep)
{
    struct csv *c = st;
    struct tl_out *o = c->o;
    if (ep->level < c->opts.min_level)
        return;
    const char *msg = ep->verdict ? ep->verdict : ep->title;
    f(o, msg, strlen(msg), false);
    times(o, ep->start_us, ep->tz_known, "Episode Start");
    fs(o, "episode");
    fs(o, tl_rule_level_name(ep->level));
    fs(o, ep->info->name ? ep->info->name : ep->info->title);
    fs(o, ep->info->id);
    fu(o, ep->id, true);
    fs(o, "");
    fs(o, "");
    fs(o, "");
    fs(o, "");
    struct tl_buf b;
    tl_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < ep->n_keys; i++) {
        if (i)
            tl_buf_append(&b, "; ", 2);
        tl_buf_append(&b, ep->keys[i].name, strlen(ep->keys[i].name));
        tl_buf_putc(&b, '=');
        tl_buf_append(&b, ep->keys[i].value.p, ep->keys[i].value.n);
    }
    f(o, b.p ? b.p : "", b.len, false);
    tl_buf_free(&b);
    fs(o, "");
    f(o, "", 0, true);
    if (!c->opts.live)
        for (size_t i = 0; i < ep->n_hits; i++)
            row(c, ep->hits[i]);
    tl_out_eor(o);
}

static void csv_summary(void *st, const struct tl_summary *s)
{
    (void)st;
    (void)s; /* CSV is one table: the summary goes to stderr (--stats) */
}

static void csv_close(void *st)
{
    free(st);
}

const struct tl_render_ops tl_render_csv = {
    "csv", "RFC 4180 CSV, Timesketch columns first, formula-safe",
    csv_open, csv_hit, csv_episode, csv_summary, csv_close,
};
