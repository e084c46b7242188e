/*
 * ndjson.c - one JSON object per line: each matched event, each episode
 * and a closing summary, told apart by "record".
 *
 * Importable as is into Timesketch (message, datetime, timestamp in
 * microseconds, timestamp_desc) and carrying Elastic Common Schema names
 * (@timestamp, event.kind, event.severity, rule.id, rule.name,
 * process.pid, process.name, message) for Elastic/OpenSearch. The event's
 * own fields sit under "macos" with the `log show --style json` names, so
 * that they never collide with ECS objects such as `process`; extracted
 * fields and episode keys are top-level by name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "event_json.h"
#include "render.h"

struct nd {
    struct tl_out *o;
    struct tl_render_opts opts;
};

/* Our own top-level names, and the ECS roots that would clash with a
 * plain string of the same name. */
static const char *const reserved[] = {
    "record", "message", "datetime", "timestamp", "timestamp_desc",
    "episode", "macos", "title", "verdict", "level", "events", "rules",
    "rule_counts", "summary", "closed_by", "hits", "episodes", "first",
    "last", "levels", "stats", "agent", "client", "cloud", "container",
    "destination", "dns", "ecs", "error", "event", "file", "group",
    "host", "http", "input", "log", "network", "observer", "organization",
    "os", "package", "process", "related", "rule", "server", "service",
    "source", "tags", "threat", "url", "user", "user_agent",
};

static void key(struct tl_out *o, const char *k)
{
    tl_out_write(o, ",\"", 2);
    tl_esc_json(o, k, strlen(k));
    tl_out_write(o, "\":", 2);
}

/* An extracted field (of an event record: `extracted`) or an episode
 * key: top-level unless the name is ours or looks like an ECS path. */
static void user_key(struct tl_out *o, const char *k, bool extracted)
{
    bool ev_field = strcmp(k, "process") == 0 ||
                    strcmp(k, "processID") == 0 || strcmp(k, "threadID") == 0;
    /* Event fields used as episode keys go by their ECS names; an event
     * record has process.pid and process.name already, from the event,
     * so a group of that name is x_NAME there. */
    if (ev_field && !extracted) {
        key(o, k[7] == 'I' ? "process.pid"
               : k[0] == 't' ? "process.thread.id" : "process.name");
        return;
    }
    bool clash = ev_field || strchr(k, '.') || k[0] == '@';
    for (size_t i = 0; i < TL_ARRAY_LEN(reserved) && !clash; i++)
        clash = strcmp(k, reserved[i]) == 0;
    tl_out_write(o, ",\"", 2);
    if (clash)
        tl_out_write(o, "x_", 2);
    tl_esc_json(o, k, strlen(k));
    tl_out_write(o, "\":", 2);
}

/* ECS event.duration: nanoseconds, a long. Episode times come from
 * parsed timestamps (years 0 to 9999), so their difference fits in
 * int64_t, but not always in nanoseconds: beyond 292 years (hostile
 * timestamps) the value saturates rather than overflow. */
static int64_t duration_ns(int64_t start_us, int64_t end_us)
{
    int64_t d = end_us - start_us;
    if (d > INT64_MAX / 1000)
        return INT64_MAX;
    if (d < INT64_MIN / 1000)
        return INT64_MIN;
    return d * 1000;
}

static void str_val(struct tl_out *o, const char *s)
{
    if (s)
        tl_esc_json_str(o, s, strlen(s));
    else
        tl_out_write(o, "null", 4);
}

static void times(struct tl_out *o, int64_t us, bool tz_known,
                  const char *desc)
{
    char iso[48];
    tl_render_iso(us, tz_known, iso);
    tl_out_write(o, ",\"datetime\":\"", 13);
    tl_out_puts(o, iso);
    tl_out_write(o, "\",\"timestamp\":", 14);
    tl_out_i64(o, us);
    tl_out_write(o, ",\"timestamp_desc\":\"", 19);
    tl_out_puts(o, desc);
    tl_out_write(o, "\",\"@timestamp\":\"", 16);
    tl_out_puts(o, iso);
    tl_out_putc(o, '"');
}

static void rule_fields(struct tl_out *o, const struct tl_rule_info *in)
{
    key(o, "rule.id");
    str_val(o, in->id);
    key(o, "rule.name");
    str_val(o, in->name ? in->name : in->title);
    key(o, "rule.title");
    str_val(o, in->title);
    key(o, "rule.level");
    str_val(o, tl_rule_level_name(in->level));
    if (in->tags.n) {
        key(o, "rule.tags");
        tl_out_putc(o, '[');
        for (size_t i = 0; i < in->tags.n; i++) {
            if (i)
                tl_out_putc(o, ',');
            str_val(o, in->tags.v[i]);
        }
        tl_out_putc(o, ']');
    }
}

static void write_hit(struct nd *n, const struct tl_hit *h)
{
    struct tl_out *o = n->o;
    const struct tl_event *ev = &h->ev;
    tl_out_puts(o, "{\"record\":\"event\"");
    key(o, "message");
    struct tl_str m = tl_render_hit_text(h);
    tl_esc_json_str(o, m.p, m.n);
    times(o, ev->time_us, ev->tz_known, "Event Recorded");
    key(o, "event.kind");
    str_val(o, "alert");
    key(o, "event.severity");
    tl_out_u64(o, (uint64_t)tl_render_severity(h->info->level));
    key(o, "event.module");
    str_val(o, "trustline");
    rule_fields(o, h->info);
    if (tl_event_has(ev, TL_F_PROCESS_ID)) {
        key(o, "process.pid");
        tl_out_u64(o, ev->num[TL_F_PROCESS_ID]);
    }
    if (tl_event_has(ev, TL_F_PROCESS)) {
        key(o, "process.name");
        tl_esc_json_str(o, ev->str[TL_F_PROCESS].p, ev->str[TL_F_PROCESS].n);
    }
    key(o, "level");
    str_val(o, tl_rule_level_name(h->info->level));
    key(o, "episode");
    if (h->episode)
        tl_out_u64(o, h->episode);
    else
        tl_out_write(o, "null", 4);
    key(o, "log.file.path");
    str_val(o, ev->input);
    key(o, "log.file.line");
    tl_out_u64(o, ev->line);
    if (h->summary.p) {
        key(o, "summary");
        tl_esc_json_str(o, h->summary.p, h->summary.n);
    }
    for (size_t i = 0; i < h->n_fields; i++) {
        user_key(o, h->fields[i].name, true);
        tl_esc_json_str(o, h->fields[i].value.p, h->fields[i].value.n);
    }
    tl_out_write(o, ",\"macos\":{\"style\":\"", 19);
    tl_out_puts(o, tl_style_name(ev->style));
    tl_out_putc(o, '"');
    tl_event_json_fields(o, ev);
    tl_out_write(o, "}}\n", 3);
}

static void *nd_open(struct tl_out *o, const struct tl_render_opts *opts)
{
    struct nd *n = tl_xcalloc(1, sizeof(*n));
    n->o = o;
    n->opts = *opts;
    return n;
}

static void nd_hit(void *st, const struct tl_hit *h)
{
    struct nd *n = st;
    if (h->info->level < n->opts.min_level)
        return;
    write_hit(n, h);
    tl_out_eor(n->o);
}

static void nd_episode(void *st, const struct tl_episode *ep)
{
    struct nd *n = st;
    struct tl_out *o = n->o;
    if (ep->level < n->opts.min_level)
        return;
    tl_out_puts(o, "{\"record\":\"episode\"");
    key(o, "episode");
    tl_out_u64(o, ep->id);
    key(o, "message");
    str_val(o, ep->verdict ? ep->verdict : ep->title);
    times(o, ep->start_us, ep->tz_known, "Episode Start");
    char iso[48];
    tl_render_iso(ep->end_us, ep->tz_known, iso);
    key(o, "event.start");
    tl_render_iso(ep->start_us, ep->tz_known, iso);
    str_val(o, iso);
    key(o, "event.end");
    tl_render_iso(ep->end_us, ep->tz_known, iso);
    str_val(o, iso);
    key(o, "event.duration");
    tl_out_i64(o, duration_ns(ep->start_us, ep->end_us));
    key(o, "event.kind");
    str_val(o, "alert");
    key(o, "event.severity");
    tl_out_u64(o, (uint64_t)tl_render_severity(ep->level));
    key(o, "event.module");
    str_val(o, "trustline");
    rule_fields(o, ep->info);
    key(o, "level");
    str_val(o, tl_rule_level_name(ep->level));
    key(o, "title");
    str_val(o, ep->title);
    key(o, "verdict");
    str_val(o, ep->verdict);
    key(o, "events");
    tl_out_u64(o, ep->n_hits + ep->hits_dropped);
    key(o, "closed_by");
    str_val(o, ep->closed_by);
    key(o, "rules");
    tl_out_putc(o, '[');
    size_t shown = 0;
    for (size_t i = 0; i < ep->n_hits; i++) {
        const struct tl_rule_info *in = ep->hits[i]->info;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ep->hits[j]->info == in;
        if (seen)
            continue;
        if (shown++)
            tl_out_putc(o, ',');
        str_val(o, in->name ? in->name : in->title);
    }
    tl_out_putc(o, ']');
    for (size_t i = 0; i < ep->n_keys; i++) {
        user_key(o, ep->keys[i].name, false);
        tl_esc_json_str(o, ep->keys[i].value.p, ep->keys[i].value.n);
    }
    tl_out_write(o, "}\n", 2);
    if (!n->opts.live)
        for (size_t i = 0; i < ep->n_hits; i++)
            write_hit(n, ep->hits[i]);
    tl_out_eor(o);
}

static void nd_summary(void *st, const struct tl_summary *s)
{
    struct nd *n = st;
    struct tl_out *o = n->o;
    const struct tl_timeline_stats *ts = s->tl;
    tl_out_puts(o, "{\"record\":\"summary\"");
    key(o, "message");
    tl_out_printf(o, "\"trustline: %llu matched events, %llu episodes\"",
                  (unsigned long long)ts->hits,
                  (unsigned long long)ts->episodes);
    /* A run that matched nothing has no event time: its summary is
     * stamped with the epoch (deterministic output; the same input
     * always gives the same bytes). */
    times(o, ts->any_time ? ts->last_us : 0, true, "Summary");
    key(o, "event.kind");
    str_val(o, "metric");
    key(o, "hits");
    tl_out_u64(o, ts->hits);
    key(o, "episodes");
    tl_out_u64(o, ts->episodes);
    if (ts->any_time) {
        char iso[48];
        key(o, "first");
        tl_render_iso(ts->first_us, true, iso);
        str_val(o, iso);
        key(o, "last");
        tl_render_iso(ts->last_us, true, iso);
        str_val(o, iso);
    }
    key(o, "levels");
    tl_out_putc(o, '{');
    for (int l = 0; l < TL_LEVEL__COUNT; l++) {
        if (l)
            tl_out_putc(o, ',');
        str_val(o, tl_rule_level_name((enum tl_level)l));
        tl_out_putc(o, ':');
        tl_out_u64(o, ts->per_level[l]);
    }
    tl_out_putc(o, '}');
    key(o, "rule_counts");
    tl_out_putc(o, '[');
    for (size_t i = 0; i < s->n_rules; i++) {
        const struct tl_rule_info *in = s->rules[i].info;
        if (i)
            tl_out_putc(o, ',');
        tl_out_puts(o, "{\"rule\":");
        str_val(o, in->name ? in->name : in->title);
        tl_out_puts(o, ",\"id\":");
        str_val(o, in->id);
        tl_out_puts(o, ",\"level\":");
        str_val(o, tl_rule_level_name(in->level));
        tl_out_puts(o, ",\"hits\":");
        tl_out_u64(o, s->rules[i].hits);
        tl_out_putc(o, '}');
    }
    tl_out_putc(o, ']');
    const struct tl_stats *in = s->input;
    tl_out_puts(o, ",\"stats\":{\"bytes\":");
    tl_out_u64(o, in->bytes);
    tl_out_puts(o, ",\"lines\":");
    tl_out_u64(o, in->lines);
    for (int c = 0; c < TL_LC__COUNT; c++) {
        tl_out_puts(o, ",\"");
        tl_out_puts(o, tl_line_class_name((enum tl_line_class)c));
        tl_out_puts(o, "\":");
        tl_out_u64(o, in->cls[c]);
    }
    tl_out_puts(o, ",\"records\":");
    tl_out_u64(o, in->events);
    tl_out_puts(o, ",\"truncated_lines\":");
    tl_out_u64(o, in->truncated_lines);
    tl_out_puts(o, ",\"filtered\":");
    tl_out_u64(o, s->filtered);
    tl_out_puts(o, ",\"late\":");
    tl_out_u64(o, ts->late_hits);
    tl_out_puts(o, ",\"regex_limit_hits\":");
    tl_out_u64(o, s->limit_hits);
    tl_out_puts(o, "}}\n");
    tl_out_eor(o);
}

static void nd_close(void *st)
{
    free(st);
}

const struct tl_render_ops tl_render_ndjson = {
    "ndjson", "one JSON object per event, episode and summary "
              "(Timesketch and ECS names)",
    nd_open, nd_hit, nd_episode, nd_summary, nd_close,
};
