/*
 * event_json.c - see event_json.h.
 */
#include "event_json.h"

#include "escape.h"

size_t tl_event_json_fields(struct tl_out *o, const struct tl_event *ev)
{
    size_t n = 0;
    char tb[48];
    if (ev->has_time) {
        size_t tn = tl_event_format_time(ev, tb);
        tl_out_write(o, ",\"timestamp\":\"", 14);
        tl_out_write(o, tb, tn);
        tl_out_putc(o, '"');
        n++;
    }
    for (int f = TL_F_TIMESTAMP + 1; f < TL_F__COUNT; f++) {
        if (!tl_event_has(ev, f))
            continue;
        n++;
        tl_out_write(o, ",\"", 2);
        tl_out_puts(o, tl_field_name(f));
        tl_out_write(o, "\":", 2);
        if (tl_field_is_int(f))
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
