/*
 * event_json.h - an event's fields as JSON members.
 */
#ifndef TL_EVENT_JSON_H
#define TL_EVENT_JSON_H

#include "../parser/event.h"
#include "../util/out.h"

/* Write `,"timestamp":"...","threadID":N,...` (the fields present, in
 * tl_field order, then the JSON-only extra keys): each member preceded
 * by a comma, no braces. Returns the number of members written. */
size_t tl_event_json_fields(struct tl_out *o, const struct tl_event *ev);

#endif
