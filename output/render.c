/*
 * render.c - the renderer table and helpers shared by renderers.
 */
#include "render.h"

#include <stdlib.h>
#include <string.h>

const struct tl_render_ops *const tl_renderers[] = {
    &tl_render_text, &tl_render_ndjson, &tl_render_csv, &tl_render_html,
    NULL,
};

const struct tl_render_ops *tl_render_find(const char *name)
{
    for (size_t i = 0; tl_renderers[i]; i++)
        if (strcmp(tl_renderers[i]->name, name) == 0)
            return tl_renderers[i];
    return NULL;
}

int tl_render_severity(enum tl_level l)
{
    /* The scale Elastic's detection rules use for risk. */
    static const int sev[TL_LEVEL__COUNT] = {1, 21, 47, 73, 99};
    return (unsigned)l < TL_LEVEL__COUNT ? sev[l] : 0;
}

struct tl_str tl_render_hit_text(const struct tl_hit *h)
{
    if (h->summary.p && h->summary.n)
        return h->summary;
    if (tl_event_has(&h->ev, TL_F_EVENT_MESSAGE)) {
        struct tl_str m = h->ev.str[TL_F_EVENT_MESSAGE];
        const char *nl = memchr(m.p, '\n', m.n);
        if (nl)
            m.n = (size_t)(nl - m.p);
        return m;
    }
    return tl_str_make(h->info->title, strlen(h->info->title));
}

size_t tl_render_iso(int64_t us, bool tz_known, char *out)
{
    struct tl_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.has_time = true;
    ev.tz_known = tz_known;
    ev.time_us = us;
    return tl_event_format_iso(&ev, out);
}

static int cmp_counts(const void *a, const void *b)
{
    const struct tl_rule_count *x = a, *y = b;
    if (x->info->level != y->info->level)
        return x->info->level > y->info->level ? -1 : 1;
    if (x->hits != y->hits)
        return x->hits > y->hits ? -1 : 1;
    return x->info->index < y->info->index ? -1 : 1;
}

size_t tl_rule_counts(const struct tl_ruleset *rs, const uint64_t *hits,
                      size_t n, struct tl_rule_count **out)
{
    struct tl_rule_count *c = tl_xcalloc(n ? n : 1, sizeof(*c));
    size_t nc = 0;
    for (size_t i = 0; i < n; i++)
        if (hits[i]) {
            c[nc].info = tl_rule_info(tl_ruleset_rule(rs, i));
            c[nc].hits = hits[i];
            nc++;
        }
    qsort(c, nc, sizeof(*c), cmp_counts);
    *out = c;
    return nc;
}
