/*
 * event_json.c - see event_json.h.
 */
#include "event_json.h"

#include <stdio.h>

#include "escape.h"

/* ",\"name\":" for every field, built once. */
static struct {
    char s[40];
    size_t n;
} prefix[TL_F__COUNT];

static bool is_int[TL_F__COUNT];

static void init_prefixes(void)
{
    for (int f = 0; f < TL_F__COUNT; f++) {
        is_int[f] = tl_field_is_int((enum tl_field)f);
        int k = snprintf(prefix[f].s, sizeof(prefix[f].s), ",\"%s\":",
                         tl_field_name((enum tl_field)f));
        prefix[f].n = k > 0 ? (size_t)k : 0;
    }
}

size_t tl_event_json_fields(struct tl_out *o, const struct tl_event *ev)
{
    if (!prefix[0].n)
        init_prefixes();
    size_t n = 0;
    char tb[48];
    if (ev->has_time) {
        size_t tn = tl_event_format_time(ev, tb);
        tl_out_write(o, ",\"timestamp\":\"", 14);
        tl_out_write(o, tb, tn);
        tl_out_putc(o, '"');
        n++;
    }
    /* The present fields, in field order: lowest set bit first. */
    uint64_t left = ev->present & ~(((uint64_t)2 << TL_F_TIMESTAMP) - 1);
    int f = 0;
    while (left) {
#if defined(__GNUC__) || defined(__clang__)
        f = __builtin_ctzll(left);
#else
        while (!((left >> f) & 1))
            f++;
#endif
        left &= left - 1;
        n++;
        tl_out_write(o, prefix[f].s, prefix[f].n);
        if (is_int[f])
            tl_out_u64(o, ev->num[f]);
        else
            tl_esc_json_str(o, ev->str[f].p, ev->str[f].n);
    }
    for (size_t i = 0; i < ev->n_extra; i++) {
        n++;
        tl_out_putc(o, ',');
        tl_esc_json_str(o, ev->extra[i].key.p, ev->extra[i].key.n);
        tl_out_putc(o, ':');
        tl_esc_json_raw(o, ev->extra[i].raw.p, ev->extra[i].raw.n);
    }
    return n;
}
