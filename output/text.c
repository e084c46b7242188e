/*
 * text.c - the terminal timeline: episodes as blocks with their events
 * indented, standalone events as single lines, a closing summary.
 *
 * Columns are measured before printing: per episode block over its
 * events; for standalone lines from the loaded rules (opts.name_width).
 * Colour by level on a terminal unless NO_COLOR (decided by the caller).
 * Log text goes through tl_esc_term: control characters and escape
 * sequences are shown visibly, never passed to the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"

struct text {
    struct tl_out *o;
    struct tl_render_opts opts;
    size_t name_w, proc_w;
    bool header_done;
};

static const char *const level_color[TL_LEVEL__COUNT] = {
    "\033[2m",    /* informational: dim */
    "\033[36m",   /* low: cyan */
    "\033[33m",   /* medium: yellow */
    "\033[31m",   /* high: red */
    "\033[1;31m", /* critical: bold red */
};

static const char *const level_short[TL_LEVEL__COUNT] = {
    "info", "low", "medium", "high", "critical",
};

static void pad(struct tl_out *o, size_t n)
{
    static const char sp[] = "                                        ";
    while (n > 0) {
        size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;
        tl_out_write(o, sp, k);
        n -= k;
    }
}

static void level_col(struct text *t, enum tl_level l)
{
    const char *s = level_short[l];
    if (t->opts.color)
        tl_out_puts(t->o, level_color[l]);
    tl_out_puts(t->o, s);
    if (t->opts.color)
        tl_out_puts(t->o, "\033[0m");
    pad(t->o, 9 - strlen(s));
}

static struct tl_str rule_label(const struct tl_rule_info *in)
{
    const char *s = in->name ? in->name : in->title;
    return tl_str_make(s, strlen(s));
}

/* Display width of escaped text is what we pad by; rule names and
 * process names are short and mostly ASCII, so count bytes of the
 * escaped form by escaping into a counting buffer. */
static size_t esc_width(struct tl_str s)
{
    size_t w = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c < 0x20 || c == 0x7f)
            w += 2;
        else if ((c & 0xc0) != 0x80)
            w++;
    }
    return w;
}

static void col(struct tl_out *o, struct tl_str s, size_t width)
{
    if (s.n > width) {
        /* cut on a UTF-8 boundary, mark the cut */
        size_t k = width > 1 ? width - 1 : 0;
        while (k > 0 && ((unsigned char)s.p[k] & 0xc0) == 0x80)
            k--;
        tl_esc_term(o, s.p, k);
        tl_out_putc(o, '~');
        return;
    }
    tl_esc_term(o, s.p, s.n);
    size_t w = esc_width(s);
    if (w < width)
        pad(o, width - w);
}

static void proc_str(const struct tl_hit *h, char *buf, size_t n)
{
    const struct tl_event *ev = &h->ev;
    struct tl_str p = tl_event_has(ev, TL_F_PROCESS) ? ev->str[TL_F_PROCESS]
                                                     : TL_STR_LIT("?");
    if (tl_event_has(ev, TL_F_PROCESS_ID))
        snprintf(buf, n, "%.*s[%llu]", (int)(p.n > 200 ? 200 : p.n), p.p,
                 (unsigned long long)ev->num[TL_F_PROCESS_ID]);
    else
        snprintf(buf, n, "%.*s", (int)(p.n > 200 ? 200 : p.n), p.p);
}

static void time_str(const struct tl_event *ev, char *buf)
{
    if (!tl_event_format_time(ev, buf))
        strcpy(buf, "(no time)");
}

static void *text_open(struct tl_out *o, const struct tl_render_opts *opts)
{
    struct text *t = tl_xcalloc(1, sizeof(*t));
    t->o = o;
    t->opts = *opts;
    t->name_w = opts->name_width ? opts->name_width : 24;
    if (t->name_w > 32)
        t->name_w = 32;
    t->proc_w = 22;
    return t;
}

static void hit_line(struct text *t, const struct tl_hit *h, size_t indent,
                     size_t name_w, size_t proc_w)
{
    char ts[48], pb[256];
    struct tl_out *o = t->o;
    pad(o, indent);
    time_str(&h->ev, ts);
    tl_out_puts(o, ts);
    pad(o, strlen(ts) < 31 ? 31 - strlen(ts) + 2 : 2);
    level_col(t, h->info->level);
    col(o, rule_label(h->info), name_w);
    tl_out_write(o, "  ", 2);
    proc_str(h, pb, sizeof(pb));
    col(o, tl_str_make(pb, strlen(pb)), proc_w);
    tl_out_write(o, "  ", 2);
    struct tl_str m = tl_render_hit_text(h);
    tl_esc_term(o, m.p, m.n);
    tl_out_putc(o, '\n');
}

static void text_hit(void *st, const struct tl_hit *h)
{
    struct text *t = st;
    if (h->info->level < t->opts.min_level)
        return;
    hit_line(t, h, 0, t->name_w, t->proc_w);
    tl_out_eor(t->o);
}

static void text_episode(void *st, const struct tl_episode *ep)
{
    struct text *t = st;
    struct tl_out *o = t->o;
    char ts[48], te[48], pb[256];
    if (ep->level < t->opts.min_level)
        return;
    /* measure the block */
    size_t name_w = 4, proc_w = 4;
    for (size_t i = 0; i < ep->n_hits; i++) {
        size_t w = esc_width(rule_label(ep->hits[i]->info));
        if (w > name_w)
            name_w = w;
        proc_str(ep->hits[i], pb, sizeof(pb));
        w = esc_width(tl_str_make(pb, strlen(pb)));
        if (w > proc_w)
            proc_w = w;
    }
    if (name_w > 40)
        name_w = 40;
    if (proc_w > 32)
        proc_w = 32;

    struct tl_event tev;
    memset(&tev, 0, sizeof(tev));
    tev.has_time = true;
    tev.tz_known = ep->tz_known;
    tev.tz_offset_min = ep->tz_offset_min;
    tev.time_digits = 6;
    tev.time_us = ep->start_us;
    time_str(&tev, ts);
    tev.time_us = ep->end_us;
    time_str(&tev, te);

    tl_out_puts(o, ts);
    pad(o, strlen(ts) < 31 ? 31 - strlen(ts) + 2 : 2);
    level_col(t, ep->level);
    if (t->opts.color)
        tl_out_puts(o, "\033[1m");
    tl_out_printf(o, "== episode %llu: ", (unsigned long long)ep->id);
    tl_esc_term(o, ep->title, strlen(ep->title));
    if (t->opts.color)
        tl_out_puts(o, "\033[0m");
    double secs = (double)(ep->end_us - ep->start_us) / 1e6;
    tl_out_printf(o, "  (%zu event%s, %.3f s", ep->n_hits,
                  ep->n_hits == 1 ? "" : "s", secs);
    if (ep->hits_dropped)
        tl_out_printf(o, "; %llu more not kept",
                      (unsigned long long)ep->hits_dropped);
    tl_out_puts(o, ")\n");
    if (ep->verdict) {
        pad(o, 4);
        tl_out_puts(o, "verdict: ");
        tl_esc_term(o, ep->verdict, strlen(ep->verdict));
        tl_out_putc(o, '\n');
    }
    if (ep->n_keys) {
        pad(o, 4);
        tl_out_puts(o, "keys:");
        for (size_t i = 0; i < ep->n_keys; i++) {
            tl_out_putc(o, ' ');
            tl_esc_term(o, ep->keys[i].name, strlen(ep->keys[i].name));
            tl_out_putc(o, '=');
            tl_esc_term(o, ep->keys[i].value.p, ep->keys[i].value.n);
        }
        tl_out_putc(o, '\n');
    }
    if (!t->opts.live) {
        for (size_t i = 0; i < ep->n_hits; i++)
            hit_line(t, ep->hits[i], 4, name_w, proc_w);
    } else {
        pad(o, 4);
        tl_out_printf(o, "events: from %s to %s (shown above as they "
                      "arrived)\n", ts, te);
    }
    tl_out_eor(o);
}

static void text_summary(void *st, const struct tl_summary *s)
{
    struct text *t = st;
    struct tl_out *o = t->o;
    const struct tl_timeline_stats *ts = s->tl;
    tl_out_putc(o, '\n');
    tl_out_printf(o, "Summary: %llu matched event%s from %zu rule%s; "
                  "%llu episode%s",
                  (unsigned long long)ts->hits, ts->hits == 1 ? "" : "s",
                  s->n_rules, s->n_rules == 1 ? "" : "s",
                  (unsigned long long)ts->episodes,
                  ts->episodes == 1 ? "" : "s");
    if (ts->any_time) {
        char a[48], b[48];
        tl_render_iso(ts->first_us, true, a);
        tl_render_iso(ts->last_us, true, b);
        tl_out_printf(o, "; %s to %s", a, b);
    }
    tl_out_puts(o, "\n");
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct tl_rule_count *rc = &s->rules[i];
        tl_out_puts(o, "  ");
        level_col(t, rc->info->level);
        tl_out_printf(o, "%8llu  ", (unsigned long long)rc->hits);
        struct tl_str l = rule_label(rc->info);
        col(o, l, t->name_w);
        tl_out_puts(o, "  ");
        tl_esc_term(o, rc->info->title, strlen(rc->info->title));
        tl_out_putc(o, '\n');
    }
    if (ts->episodes) {
        tl_out_puts(o, "  episodes by level:");
        for (int l = TL_LEVEL__COUNT - 1; l >= 0; l--)
            if (ts->episodes_per_level[l])
                tl_out_printf(o, " %s %llu", level_short[l],
                              (unsigned long long)ts->episodes_per_level[l]);
        tl_out_putc(o, '\n');
    }
    const struct tl_stats *in = s->input;
    tl_out_printf(o, "  input: %zu source%s, %llu lines, %llu records, "
                  "%llu malformed, %llu truncated",
                  s->n_inputs, s->n_inputs == 1 ? "" : "s",
                  (unsigned long long)in->lines,
                  (unsigned long long)in->events,
                  (unsigned long long)in->cls[TL_LC_MALFORMED],
                  (unsigned long long)in->truncated_lines);
    tl_out_putc(o, '\n');
    if (s->filtered || ts->late_hits || ts->evicted_open ||
        ts->evicted_pending || s->limit_hits)
        tl_out_printf(o, "  notes: %llu left out by filters, %llu out of "
                      "order, %llu episodes closed early (cap), %llu "
                      "regex limit hits\n",
                      (unsigned long long)s->filtered,
                      (unsigned long long)ts->late_hits,
                      (unsigned long long)ts->evicted_open,
                      (unsigned long long)s->limit_hits);
    tl_out_eor(o);
}

static void text_close(void *st)
{
    free(st);
}

const struct tl_render_ops tl_render_text = {
    "text", "a readable terminal timeline (default)",
    text_open, text_hit, text_episode, text_summary, text_close,
};
