/*
 * filter.c - what `trustline scan` selects before the timeline: the
 * --since/--until times and the --rule/--tag selection. Shared with the
 * fuzz_match target, which drives the scan pipeline without scan.c.
 */
#include "filter.h"

#include <string.h>

#include "../parser/event.h"
#include "../util/util.h"

bool tl_tfilter_parse(const char *s, int64_t now_s, struct tl_tfilter *f)
{
    size_t n = strlen(s);
    uint64_t v;
    /* relative: N[smhd] before now */
    if (n >= 2 && strchr("smhd", s[n - 1]) && tl_parse_u64(s, n - 1, &v)) {
        static const struct {
            char c;
            int64_t mul;
        } u[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
        int64_t mul = 1;
        for (size_t i = 0; i < 4; i++)
            if (u[i].c == s[n - 1])
                mul = u[i].mul;
        if (v > (uint64_t)INT64_MAX / 1000000 / (uint64_t)mul)
            return false;
        f->set = true;
        f->zoned = true;
        f->us = now_s * 1000000 - (int64_t)v * mul * 1000000;
        return true;
    }
    /* absolute: normalise to "YYYY-MM-DD HH:MM:SS.ffffff" + zone */
    char b[64];
    if (n < 10 || n >= sizeof(b))
        return false;
    memcpy(b, s, n + 1);
    if (n > 10 && (b[10] == 'T' || b[10] == 't'))
        b[10] = ' ';
    char norm[64];
    size_t k = 0;
    memcpy(norm, b, 10);
    k = 10;
    size_t i = 10;
    static const char tail[] = " 00:00:00";
    if (i >= n) {
        memcpy(norm + k, tail, 9);
        k += 9;
    } else {
        if (b[i] != ' ' || n < 16)
            return false;
        memcpy(norm + k, b + i, 6); /* " HH:MM" */
        k += 6;
        i += 6;
        if (i < n && b[i] == ':') {
            memcpy(norm + k, b + i, 3);
            k += 3;
            i += 3;
        } else {
            memcpy(norm + k, ":00", 3);
            k += 3;
        }
    }
    norm[k++] = '.';
    if (i < n && b[i] == '.') {
        i++;
        while (i < n && b[i] >= '0' && b[i] <= '9' && k < 40)
            norm[k++] = b[i++];
    } else {
        norm[k++] = '0';
    }
    /* zone: Z, +HH:MM, +HHMM */
    bool zoned = false;
    if (i < n && (b[i] == 'Z' || b[i] == 'z') && i + 1 == n) {
        memcpy(norm + k, "+0000", 5);
        k += 5;
        zoned = true;
        i++;
    } else if (i < n && (b[i] == '+' || b[i] == '-')) {
        norm[k++] = b[i];
        if (n - i == 6 && b[i + 3] == ':') {
            memcpy(norm + k, b + i + 1, 2);
            memcpy(norm + k + 2, b + i + 4, 2);
        } else if (n - i == 5) {
            memcpy(norm + k, b + i + 1, 4);
        } else {
            return false;
        }
        k += 4;
        i = n;
        zoned = true;
    }
    if (i != n)
        return false;
    norm[k] = '\0';
    struct tl_event ev;
    size_t used;
    memset(&ev, 0, sizeof(ev));
    if (!tl_parse_timestamp(norm, k, &ev, &used) || used != k)
        return false;
    f->set = true;
    f->zoned = zoned;
    f->us = ev.time_us;
    return true;
}

int tl_tfilter_cmp(const struct tl_event *ev, const struct tl_tfilter *f)
{
    int64_t t = ev->time_us;
    if (!f->zoned && ev->tz_known)
        t += (int64_t)ev->tz_offset_min * 60 * 1000000;
    return t < f->us ? -1 : t > f->us;
}

bool tl_rule_selected(const struct tl_rule_select *s,
                      const struct tl_rule_info *in)
{
    if (s->n_rules) {
        bool ok = false;
        for (size_t i = 0; i < s->n_rules && !ok; i++)
            ok = (in->id && strcmp(in->id, s->rules[i]) == 0) ||
                 (in->name && strcmp(in->name, s->rules[i]) == 0);
        if (!ok)
            return false;
    }
    if (s->n_tags) {
        bool ok = false;
        for (size_t i = 0; i < s->n_tags && !ok; i++)
            for (size_t j = 0; j < in->tags.n && !ok; j++)
                ok = strcmp(in->tags.v[j], s->tags[i]) == 0;
        if (!ok)
            return false;
    }
    return true;
}
