/*
 * test_timeline.c - correlation into episodes: each correlation type,
 * the boundaries of timespan, linking of key-less events, verdicts,
 * caps, ordering, late events, live mode.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rules/timeline.h"
#include "../../util/diag.h"

#define DET(nm, prefix, extra)                                              \
    "title: Rule " nm "\n"                                                  \
    "name: " nm "\n"                                                        \
    "status: test\n"                                                        \
    "level: low\n"                                                          \
    "logsource: {product: macos, service: unifiedlog}\n"                    \
    "detection:\n"                                                          \
    "  sel:\n"                                                              \
    "    eventMessage|startswith: '" prefix "'\n"                           \
    "  condition: sel\n" extra "---\n"

#define EXTRACT_KEY(prefix)                                                 \
    "extract:\n"                                                            \
    "  eventMessage: '^" prefix "(?<key>\\S+)'\n"

static const char *base_rules =
    DET("a", "A ", EXTRACT_KEY("A ")) DET("b", "B ", EXTRACT_KEY("B "))
    DET("t", "T ", "") DET("u", "U ", "");

struct sinkbuf {
    char out[8192];
};

static void s_hit(void *ctx, const struct tl_hit *h)
{
    struct sinkbuf *s = ctx;
    char b[256];
    snprintf(b, sizeof(b), "H %s %.*s", h->info->name,
             (int)h->ev.str[TL_F_EVENT_MESSAGE].n,
             h->ev.str[TL_F_EVENT_MESSAGE].p);
    strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
    for (size_t i = 0; i < h->ev.n_extra; i++) {
        snprintf(b, sizeof(b), " %.*s=%.*s", (int)h->ev.extra[i].key.n,
                 h->ev.extra[i].key.p, (int)h->ev.extra[i].raw.n,
                 h->ev.extra[i].raw.p);
        strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
    }
    strncat(s->out, "|", sizeof(s->out) - strlen(s->out) - 1);
}

static void s_ep(void *ctx, const struct tl_episode *ep)
{
    struct sinkbuf *s = ctx;
    char b[512];
    snprintf(b, sizeof(b), "E%llu(%s) %s [%s]{",
             (unsigned long long)ep->id, tl_rule_level_name(ep->level),
             ep->title, ep->verdict ? ep->verdict : "-");
    strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
    for (size_t i = 0; i < ep->n_hits; i++) {
        const struct tl_event *ev = &ep->hits[i]->ev;
        snprintf(b, sizeof(b), "%s%.*s", i ? "," : "",
                 (int)ev->str[TL_F_EVENT_MESSAGE].n,
                 ev->str[TL_F_EVENT_MESSAGE].p);
        strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
        for (size_t k = 0; k < ev->n_extra; k++) {
            snprintf(b, sizeof(b), " %.*s=%.*s", (int)ev->extra[k].key.n,
                     ev->extra[k].key.p, (int)ev->extra[k].raw.n,
                     ev->extra[k].raw.p);
            strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
        }
    }
    strncat(s->out, "}|", sizeof(s->out) - strlen(s->out) - 1);
}

struct fixture {
    struct tl_ruleset *rs;
    struct tl_timeline *tl;
    struct sinkbuf sink;
};

static void setup(struct fixture *f, const char *corr, bool live,
                  size_t max_open, int64_t reorder_us)
{
    char *text = malloc(strlen(base_rules) + strlen(corr) + 1);
    strcpy(text, base_rules);
    strcat(text, corr);
    memset(f, 0, sizeof(*f));
    f->rs = tl_ruleset_new();
    tl_ruleset_load_string(f->rs, "test.yml", text, strlen(text));
    unsigned errs = tl_ruleset_finalize(f->rs);
    if (errs)
        tl_ruleset_print_messages(f->rs, stderr, "test: ");
    ck_assert_uint_eq(errs, 0);
    free(text);
    struct tl_timeline_opts o;
    tl_timeline_opts_init(&o);
    o.live = live;
    if (max_open)
        o.max_open = max_open;
    o.reorder_us = reorder_us;
    struct tl_timeline_sink sk = {&f->sink, s_hit, s_ep};
    f->tl = tl_timeline_new(f->rs, &o, &sk);
}

static void add_match(void *ctx, const struct tl_match *m)
{
    tl_timeline_add(ctx, m);
}

/* ev: an ndjson-style event at t seconds (+us) with message msg (and
 * its raw text); nothing else set. */
static void ev_base(struct tl_event *ev, double t, const char *msg)
{
    static uint64_t line;
    memset(ev, 0, sizeof(*ev));
    ev->input = "t";
    ev->line = ++line;
    ev->style = TL_STYLE_NDJSON;
    ev->has_time = true;
    ev->tz_known = true;
    ev->time_digits = 6;
    ev->time_us = 1700000000LL * 1000000 + (int64_t)(t * 1e6 + 0.5);
    tl_event_set_str(ev, TL_F_EVENT_MESSAGE, msg, strlen(msg));
    ev->raw = tl_str_make(msg, strlen(msg));
}

/* An event at t seconds (+us), pid/tid, message. */
static void ev_at(struct fixture *f, double t, uint64_t pid, uint64_t tid,
                  const char *msg)
{
    struct tl_event ev;
    ev_base(&ev, t, msg);
    tl_event_set_num(&ev, TL_F_PROCESS_ID, pid);
    tl_event_set_num(&ev, TL_F_THREAD_ID, tid);
    tl_ruleset_match(f->rs, &ev, add_match, f->tl);
}

/* ev_at() with extra JSON keys, given as "key=raw" strings, in storage
 * that is overwritten once the event has been matched (as the parser
 * reuses its own for the next record). */
static void ev_extra_at(struct fixture *f, double t, const char *msg,
                        const char *const *kv, size_t n)
{
    struct tl_extra xs[TL_EVENT_MAX_EXTRA];
    char text[512];
    size_t used = 0;
    struct tl_event ev;
    ev_base(&ev, t, msg);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(kv[i]), eq = strcspn(kv[i], "=");
        ck_assert_uint_lt(used + len, sizeof(text));
        memcpy(text + used, kv[i], len);
        xs[i].key = tl_str_make(text + used, eq);
        xs[i].raw = tl_str_make(text + used + eq + 1, len - eq - 1);
        used += len;
    }
    ev.extra = xs;
    ev.n_extra = n;
    tl_ruleset_match(f->rs, &ev, add_match, f->tl);
    memset(text, '#', sizeof(text));
    memset(xs, 0xa5, sizeof(xs));
}

static const char *finish(struct fixture *f)
{
    tl_timeline_finish(f->tl);
    return f->sink.out;
}

static void teardown(struct fixture *f)
{
    tl_timeline_free(f->tl);
    tl_ruleset_free(f->rs);
}

/* generate: true, so that the hits of windows that do not fire are shown
 * (test_generate_* check the default, false). */
#define CORR(type, rules, extra)                                            \
    "title: Correlation {key}\n"                                            \
    "name: c\n"                                                             \
    "status: test\n"                                                        \
    "correlation:\n"                                                        \
    "  type: " type "\n"                                                    \
    "  rules: " rules "\n"                                                  \
    "  group-by: [key]\n"                                                   \
    "  generate: true\n"                                                    \
    "  timespan: 10s\n" extra

START_TEST(test_event_count)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 2}\n"), false,
          0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k2");
    ev_at(&f, 5, 1, 1, "B k1");
    ev_at(&f, 30, 1, 1, "A k3");
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{A k1,B k1}|H a A k2|"
                     "H a A k3|");
    teardown(&f);
}
END_TEST

START_TEST(test_hit_keeps_extra_keys)
{
    /* A hit waits in the timeline (its window is open) while the event's
     * storage is reused: it keeps its own copy of the extra keys. */
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 2}\n"), false,
          0, 0);
    static const char *const kv1[] = {"source={\"image\":\"x\"}",
                                      "traceID=42"};
    static const char *const kv2[] = {"note=\"n\""};
    ev_extra_at(&f, 0, "A k1", kv1, 2);
    ev_extra_at(&f, 1, "A k2", kv2, 1);
    ev_extra_at(&f, 2, "B k1", NULL, 0);
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{A k1 source={\"image\":"
                     "\"x\"} traceID=42,B k1}|H a A k2 note=\"n\"|");
    teardown(&f);
}
END_TEST

START_TEST(test_timespan_boundary)
{
    /* The window is [start, start + timespan]: an event exactly at the
     * end joins, one microsecond later opens a new window. */
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 2}\n"), false,
          0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 10, 1, 1, "B k1");
    ev_at(&f, 100, 1, 1, "A k2");
    ev_at(&f, 110.000001, 1, 1, "B k2");
    ck_assert_str_eq(finish(&f), "E1(low) Correlation k1 [-]{A k1,B k1}|"
                                 "H a A k2|H b B k2|");
    teardown(&f);
}
END_TEST

START_TEST(test_temporal)
{
    struct fixture f;
    setup(&f, CORR("temporal", "[a, b]", ""), false, 0, 0);
    ev_at(&f, 0, 1, 1, "B k1");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "A k2");
    ev_at(&f, 3, 1, 1, "A k2");
    ck_assert_str_eq(finish(&f), "E1(low) Correlation k1 [-]{B k1,A k1}|"
                                 "H a A k2|H a A k2|");
    teardown(&f);
}
END_TEST

START_TEST(test_temporal_ordered)
{
    struct fixture f;
    setup(&f, CORR("temporal_ordered", "[a, b]", ""), false, 0, 0);
    ev_at(&f, 0, 1, 1, "B k1");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "A k2");
    ev_at(&f, 3, 1, 1, "B k2");
    ck_assert_str_eq(finish(&f), "H b B k1|H a A k1|"
                                 "E1(low) Correlation k2 [-]{A k2,B k2}|");
    teardown(&f);
}
END_TEST

START_TEST(test_value_count)
{
    struct fixture f;
    /* group by process id, count distinct keys */
    setup(&f,
          "title: Many keys\nname: c\nstatus: test\ncorrelation:\n"
          "  type: value_count\n  rules: [a]\n  group-by: [processID]\n"
          "  timespan: 1m\n  condition: {field: key, gte: 3}\n"
          "  generate: true\n",
          false, 0, 0);
    ev_at(&f, 0, 7, 1, "A x");
    ev_at(&f, 1, 7, 1, "A x");
    ev_at(&f, 2, 7, 1, "A y");
    ev_at(&f, 3, 8, 1, "A q");
    ev_at(&f, 4, 7, 1, "A z");
    ck_assert_str_eq(finish(&f), "E1(low) Many keys [-]{A x,A x,A y,A z}|"
                                 "H a A q|");
    teardown(&f);
}
END_TEST

#define EPISODE                                                             \
    "  condition: {gte: 1}\n"                                               \
    "episode:\n"                                                            \
    "  title: 'Story of {key}'\n"                                           \
    "  keys: [key, processID]\n"                                            \
    "  link: [[processID, threadID]]\n"                                     \
    "  link-window: 2s\n"                                                   \
    "  verdicts:\n"                                                         \
    "    - if: [a, t]\n"                                                    \
    "      unless: [b]\n"                                                   \
    "      level: high\n"                                                   \
    "      text: 'linked {key} in {processID}'\n"                           \
    "    - text: 'plain {key} {subsystem}'\n"

START_TEST(test_link_and_verdict)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b, t]", EPISODE), false, 0, 0);
    ev_at(&f, 0, 5, 7, "T before");     /* pending: no key yet */
    ev_at(&f, 0.5, 5, 8, "T other thread");
    ev_at(&f, 1, 5, 7, "A k1");         /* pulls "T before" in */
    ev_at(&f, 1.5, 5, 7, "T after");    /* joins by link */
    ev_at(&f, 4, 5, 7, "T too late");   /* past the link window */
    ev_at(&f, 20, 9, 9, "A k2");
    ev_at(&f, 21, 9, 9, "B k2");
    ck_assert_str_eq(
        finish(&f),
        "E1(high) Story of k1 [linked k1 in 5]{T before,A k1,T after}|"
        "H t T other thread|H t T too late|"
        "E2(low) Story of k2 [plain k2 -]{A k2,B k2}|");
    teardown(&f);
}
END_TEST

START_TEST(test_link_before)
{
    /* T lines come before their story (`before`), U lines after it: on
     * one thread, a T between two stories goes to the next one, a U to
     * the open one. */
    struct fixture f;
    setup(&f,
          CORR("event_count", "[a, t, u]",
               "  condition: {gte: 1}\n"
               "episode:\n"
               "  link: [[processID, threadID]]\n"
               "  link-window: 5s\n"
               "  before: [t]\n"),
          false, 0, 0);
    ev_at(&f, 0, 5, 7, "A k1");
    ev_at(&f, 0.5, 5, 7, "U after k1");
    ev_at(&f, 1, 5, 7, "T for k2");
    ev_at(&f, 2, 5, 7, "A k2");
    ev_at(&f, 2.5, 5, 7, "U after k2");
    ev_at(&f, 3, 6, 7, "U other process");
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{A k1,U after k1}|"
                     "E2(low) Correlation k2 [-]{T for k2,A k2,U after k2}|"
                     "H u U other process|");
    teardown(&f);
}
END_TEST

START_TEST(test_link_after_deadline)
{
    /* A story that starts near the end of its key's window: its keyed
     * lines join that window, its key-less last line comes after the
     * deadline. The window takes linked hits for a link window after its
     * deadline, so the line is not handed to another story open on the
     * same thread. */
    struct fixture f;
    setup(&f,
          CORR("event_count", "[a, u]",
               "  condition: {gte: 1}\n"
               "episode:\n"
               "  link: [[processID, threadID]]\n"
               "  link-window: 5s\n"),
          false, 0, 0);
    ev_at(&f, 0, 5, 1, "A k1");         /* k1's window: deadline 10 */
    ev_at(&f, 6, 5, 7, "A k2");         /* another story on thread 7 */
    ev_at(&f, 9.5, 5, 7, "A k1");       /* k1 again, now on thread 7 */
    ev_at(&f, 11, 5, 7, "U end of k1"); /* after k1's deadline */
    ev_at(&f, 17, 5, 7, "U too late");  /* k1 closed at 15, k2's hit is
                                           11 s old */
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{A k1,A k1,U end of k1}|"
                     "E2(low) Correlation k2 [-]{A k2}|H u U too late|");
    teardown(&f);
}
END_TEST

START_TEST(test_link_window_per_hit)
{
    /* Only a linked hit at most link-window away counts: k1 was used
     * last, but its hit on thread 9 is 9.5 s old; k2's is 3.5 s old. */
    struct fixture f;
    setup(&f,
          CORR("event_count", "[a, u]",
               "  condition: {gte: 1}\n"
               "episode:\n"
               "  link: [[processID, threadID]]\n"
               "  link-window: 5s\n"),
          false, 0, 0);
    ev_at(&f, 0, 5, 9, "A k1");
    ev_at(&f, 6, 5, 9, "A k2");
    ev_at(&f, 8, 5, 3, "A k1");
    ev_at(&f, 9.5, 5, 9, "U x");
    ck_assert_str_eq(finish(&f), "E1(low) Correlation k1 [-]{A k1,A k1}|"
                                 "E2(low) Correlation k2 [-]{A k2,U x}|");
    teardown(&f);
}
END_TEST

START_TEST(test_link_transitive)
{
    /* P2 is linked to P1 only, P1 to the keyed hit: both are pulled. */
    struct fixture f;
    setup(&f,
          CORR("event_count", "[a, t]",
               "  condition: {gte: 1}\n"
               "episode:\n"
               "  link: [[processID], [threadID]]\n"
               "  link-window: 5s\n"),
          false, 0, 0);
    ev_at(&f, 0, 5, 8, "T p1");
    ev_at(&f, 0.5, 6, 8, "T p2");
    ev_at(&f, 0.7, 9, 9, "T unrelated");
    ev_at(&f, 1, 5, 7, "A k1");
    ck_assert_str_eq(finish(&f), "E1(low) Correlation k1 [-]{T p1,T p2,A k1}|"
                                 "H t T unrelated|");
    teardown(&f);
}
END_TEST

START_TEST(test_pending_in_two_correlations)
{
    /* A key-less hit waits in both correlations that list it; the one
     * whose keyed hit comes claims it. */
    struct fixture f;
    setup(&f,
          "title: First {key}\nname: c1\nstatus: test\ncorrelation:\n"
          "  type: event_count\n  rules: [a, t]\n  group-by: [key]\n"
          "  timespan: 10s\n  condition: {gte: 1}\n"
          "episode:\n  link: [[processID, threadID]]\n"
          "---\n"
          "title: Second {key}\nname: c2\nstatus: test\ncorrelation:\n"
          "  type: event_count\n  rules: [b, t]\n  group-by: [key]\n"
          "  timespan: 10s\n  condition: {gte: 1}\n"
          "episode:\n  link: [[processID, threadID]]\n",
          false, 0, 0);
    ev_at(&f, 0, 5, 7, "T shared");
    ev_at(&f, 1, 5, 7, "B k9");
    ev_at(&f, 2, 5, 8, "T alone");
    ck_assert_str_eq(finish(&f), "E1(low) Second k9 [-]{T shared,B k9}|"
                                 "H t T alone|");
    teardown(&f);
}
END_TEST

START_TEST(test_max_open_cap)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 1}\n"), false,
          2, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k2");
    ev_at(&f, 2, 1, 1, "A k3");  /* closes k1 early */
    ev_at(&f, 3, 1, 1, "B k1");  /* a new window for k1 */
    const char *out = finish(&f);
    ck_assert_str_eq(out, "E1(low) Correlation k1 [-]{A k1}|"
                          "E2(low) Correlation k2 [-]{A k2}|"
                          "E3(low) Correlation k3 [-]{A k3}|"
                          "E4(low) Correlation k1 [-]{B k1}|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->evicted_open, 2);
    teardown(&f);
}
END_TEST

START_TEST(test_order_and_late)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a]", "  condition: {gte: 1}\n"), false,
          0, 2 * 1000000);
    ev_at(&f, 5, 1, 1, "B early");
    ev_at(&f, 6, 1, 1, "A k1");
    ev_at(&f, 4, 1, 1, "B within reorder"); /* 2 s tolerance: in order */
    ev_at(&f, 40, 1, 1, "B later");
    ev_at(&f, 1, 1, 1, "B way too late");   /* shown, counted */
    ck_assert_str_eq(finish(&f),
                     "H b B within reorder|H b B early|"
                     "E1(low) Correlation k1 [-]{A k1}|H b B way too late|"
                     "H b B later|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->late_hits, 1);
    teardown(&f);
}
END_TEST

/* Nothing is handed out while an open window starts before it: a keyed
 * hit older than its window's first one (inside the reorder tolerance)
 * moves the start back, and U, newer than that start, waits. */
START_TEST(test_order_keyed_hit_moves_start)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a]", "  condition: {gte: 2}\n"), false,
          0, 5 * 1000000);
    ev_at(&f, 6, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k1");   /* inside the 5 s tolerance */
    ev_at(&f, 3, 1, 1, "U x");
    ev_at(&f, 8.5, 1, 1, "B y");  /* the watermark passes U */
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{A k1,A k1}|H u U x|"
                     "H b B y|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->late_hits, 0);
    teardown(&f);
}
END_TEST

/* A chain of linked pending hits, each within the link window of the
 * next, is pulled into the story of a keyed hit: the episode starts
 * with the oldest, more than a link window before the keyed hit, and
 * comes before U. */
START_TEST(test_order_pulled_chain)
{
    struct fixture f;
    setup(&f,
          CORR("event_count", "[a, t]",
               "  condition: {gte: 1}\n"
               "episode:\n"
               "  link: [[processID, threadID]]\n"
               "  link-window: 2s\n"),
          false, 0, 5 * 1000000);
    ev_at(&f, 0, 5, 7, "T 0");
    ev_at(&f, 0.5, 6, 6, "U x");
    ev_at(&f, 1.5, 5, 7, "T 1.5");
    ev_at(&f, 3, 5, 7, "T 3");
    ev_at(&f, 5.6, 6, 6, "B y");
    ev_at(&f, 4.5, 5, 7, "A k1"); /* pulls T 3, T 1.5 and T 0 */
    ev_at(&f, 40, 6, 6, "B z");
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{T 0,T 1.5,T 3,A k1}|"
                     "H u U x|H b B y|H b B z|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->late_hits, 0);
    teardown(&f);
}
END_TEST

START_TEST(test_live)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 2}\n"), true,
          0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ck_assert_str_eq(f.sink.out, "H a A k1|");  /* at once */
    ev_at(&f, 1, 1, 1, "B k1");
    ev_at(&f, 30, 1, 1, "A k2");               /* closes k1 */
    ck_assert_str_eq(f.sink.out, "H a A k1|H b B k1|H a A k2|"
                                 "E1(low) Correlation k1 [-]{A k1,B k1}|");
    finish(&f);
    teardown(&f);
}
END_TEST

START_TEST(test_input_goes_back_in_time)
{
    struct fixture f;
    setup(&f, CORR("event_count", "[a, b]", "  condition: {gte: 2}\n"), false,
          0, 0);
    ev_at(&f, 100, 1, 1, "A k1");
    ev_at(&f, 101, 1, 1, "B k1");
    tl_timeline_input_end(f.tl);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "B k1");
    ck_assert_str_eq(finish(&f), "E1(low) Correlation k1 [-]{A k1,B k1}|"
                                 "E2(low) Correlation k1 [-]{A k1,B k1}|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->late_hits, 0);
    teardown(&f);
}
END_TEST

START_TEST(test_temporal_ordered_condition)
{
    /* Sigma: the condition of a temporal_ordered correlation counts the
     * listed rules that have events in the listed order. */
    struct fixture f;
    setup(&f,
          DET("d", "D ", EXTRACT_KEY("D "))
          CORR("temporal_ordered", "[a, b, d]", "  condition: {gte: 2}\n"),
          false, 0, 0);
    ev_at(&f, 0, 1, 1, "B k1"); /* b, a, d: a then d (or b then d) */
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "D k1");
    ev_at(&f, 3, 1, 1, "D k2"); /* d, b, a: one in order */
    ev_at(&f, 4, 1, 1, "B k2");
    ev_at(&f, 5, 1, 1, "A k2");
    ev_at(&f, 6, 1, 1, "A k3"); /* a, b */
    ev_at(&f, 7, 1, 1, "B k3");
    ck_assert_str_eq(finish(&f),
                     "E1(low) Correlation k1 [-]{B k1,A k1,D k1}|"
                     "H d D k2|H b B k2|H a A k2|"
                     "E2(low) Correlation k3 [-]{A k3,B k3}|");
    teardown(&f);
}
END_TEST

START_TEST(test_temporal_ordered_all)
{
    /* Without a condition every listed rule, in order. */
    struct fixture f;
    setup(&f,
          DET("d", "D ", EXTRACT_KEY("D "))
          CORR("temporal_ordered", "[a, b, d]", ""),
          false, 0, 0);
    ev_at(&f, 0, 1, 1, "B k1");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "D k1");
    ev_at(&f, 3, 1, 1, "A k2");
    ev_at(&f, 4, 1, 1, "A k2");
    ev_at(&f, 5, 1, 1, "B k2");
    ev_at(&f, 6, 1, 1, "D k2");
    ck_assert_str_eq(finish(&f),
                     "H b B k1|H a A k1|H d D k1|"
                     "E1(low) Correlation k2 [-]{A k2,A k2,B k2,D k2}|");
    teardown(&f);
}
END_TEST

/* A plain Sigma correlation: `generate` not given. */
#define PLAIN(name, rules, extra)                                           \
    "title: Plain {key}\n"                                                  \
    "name: " name "\n"                                                      \
    "status: test\n"                                                        \
    "correlation:\n"                                                        \
    "  type: event_count\n"                                                 \
    "  rules: " rules "\n"                                                  \
    "  group-by: [key]\n"                                                   \
    "  timespan: 10s\n"                                                     \
    "  condition: {gte: 2}\n" extra

START_TEST(test_generate_default)
{
    /* Sigma's default, generate: false: the listed rules make no results
     * of their own; their hits are shown only inside an episode. A rule
     * no correlation lists is not affected. */
    struct fixture f;
    setup(&f, PLAIN("p", "[a]", ""), false, 0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "A k2");  /* its window does not fire */
    ev_at(&f, 3, 1, 1, "B k2");  /* b: listed by no correlation */
    ck_assert_str_eq(finish(&f), "E1(low) Plain k1 [-]{A k1,A k1}|"
                                 "H b B k2|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->suppressed, 1);
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->hits, 4);
    teardown(&f);
}
END_TEST

START_TEST(test_generate_any_false)
{
    /* a is listed by two correlations; one of them keeps its results to
     * itself (generate: false), so a's hits are shown only in episodes
     * (as pySigma: any such reference turns the rule's output off). b is
     * listed only by one with generate: true. */
    struct fixture f;
    setup(&f,
          PLAIN("p1", "[a, b]", "  generate: true\n")
          "---\n"
          PLAIN("p2", "[a]", "  generate: false\n"),
          false, 0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "B k2");
    ck_assert_str_eq(finish(&f), "H b B k2|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->suppressed, 1);
    teardown(&f);
}
END_TEST

START_TEST(test_generate_live)
{
    /* Live mode writes a hit at once only if it may be shown alone. */
    struct fixture f;
    setup(&f, PLAIN("p", "[a]", ""), true, 0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 0.5, 1, 1, "B x");
    ck_assert_str_eq(f.sink.out, "H b B x|");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 2, 1, 1, "A k2");
    ev_at(&f, 30, 1, 1, "B y");
    ck_assert_str_eq(f.sink.out, "H b B x|H b B y|"
                                 "E1(low) Plain k1 [-]{A k1,A k1}|");
    finish(&f);
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->suppressed, 1);
    teardown(&f);
}
END_TEST

/* Sigma's chained example: many a's of one key, then a b of that key. */
#define CHAIN_SPAN(gen_many, gen_seq, seq_span)                             \
    "title: Many {key}\n"                                                   \
    "name: many\n"                                                          \
    "status: test\n"                                                        \
    "correlation:\n"                                                        \
    "  type: event_count\n"                                                 \
    "  rules: [a]\n"                                                        \
    "  group-by: [key]\n"                                                   \
    "  timespan: 10s\n"                                                     \
    "  condition: {gte: 2}\n" gen_many                                      \
    "---\n"                                                                 \
    "title: Seq {key}\n"                                                    \
    "name: seq\n"                                                           \
    "status: test\n"                                                        \
    "correlation:\n"                                                        \
    "  type: temporal_ordered\n"                                            \
    "  rules: [many, b]\n"                                                  \
    "  group-by: [key]\n"                                                   \
    "  timespan: " seq_span "\n" gen_seq
#define CHAIN(gen_many, gen_seq) CHAIN_SPAN(gen_many, gen_seq, "30s")

START_TEST(test_chain)
{
    /* A correlation over a correlation: `many` fires at its second a;
     * `seq` needs that before a b of the same key. Its episode holds the
     * events of the `many` episode it took. */
    struct fixture f;
    setup(&f, CHAIN("  generate: true\n", "  generate: true\n"), false, 0,
          0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k1");  /* many k1 fires here */
    ev_at(&f, 5, 1, 1, "B k1");
    ev_at(&f, 2, 1, 1, "B k2");  /* b before many fired: no seq */
    ev_at(&f, 3, 1, 1, "A k2");
    ev_at(&f, 4, 1, 1, "A k2");
    ev_at(&f, 20, 1, 1, "A k3"); /* many does not fire */
    ck_assert_str_eq(finish(&f),
                     "E2(low) Seq k1 [-]{A k1,A k1,B k1}|"
                     "H b B k2|E1(low) Many k2 [-]{A k2,A k2}|H a A k3|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->episodes, 2);
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->hits_in_episodes, 5);
    teardown(&f);
}
END_TEST

START_TEST(test_chain_order)
{
    /* The outer window takes many's episode, which starts (0) before
     * many fired (1): U, at 0.5, must wait for the outer episode. */
    struct fixture f;
    setup(&f, CHAIN("  generate: true\n", "  generate: true\n"), false, 0,
          0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 0.5, 1, 1, "U x");
    ev_at(&f, 1, 1, 1, "A k1");  /* many k1 fires here */
    ev_at(&f, 5, 1, 1, "B k1");
    ev_at(&f, 12, 1, 1, "B k9"); /* many's window closes at 10 */
    ck_assert_str_eq(finish(&f), "E1(low) Seq k1 [-]{A k1,A k1,B k1}|"
                                 "H u U x|H b B k9|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->late_hits, 0);
    teardown(&f);
}
END_TEST

START_TEST(test_chain_generate_default)
{
    /* Without generate: true, what the outer correlation does not take
     * is not shown: neither many's episode for k2 nor the b of k2. */
    struct fixture f;
    setup(&f, CHAIN("", ""), false, 0, 0);
    ev_at(&f, 0, 1, 1, "A k1");
    ev_at(&f, 1, 1, 1, "A k1");
    ev_at(&f, 5, 1, 1, "B k1");
    ev_at(&f, 6, 1, 1, "B k2");
    ev_at(&f, 7, 1, 1, "A k2");
    ev_at(&f, 8, 1, 1, "A k2");
    ck_assert_str_eq(finish(&f), "E1(low) Seq k1 [-]{A k1,A k1,B k1}|");
    ck_assert_uint_eq(tl_timeline_stats(f.tl)->suppressed, 3);
    teardown(&f);
}
END_TEST

START_TEST(test_chain_late_result)
{
    /* The inner result arrives when the inner window closes (10 s after
     * its first a), long after the outer window of 2 s that it belongs
     * to ended: the outer window waits for the inner correlation's
     * timespan (with no reorder tolerance, in live mode too). */
    for (int live = 0; live <= 1; live++) {
        struct fixture f;
        setup(&f, CHAIN_SPAN("", "", "2s"), live, 0, 0);
        ev_at(&f, 0, 1, 1, "A k1");
        ev_at(&f, 1, 1, 1, "A k1"); /* many fires; its window closes at 10 */
        ev_at(&f, 2, 1, 1, "B k1"); /* seq's window: 2 s, then waits 10 s */
        ev_at(&f, 30, 1, 1, "B k9");
        ck_assert_str_eq(f.sink.out, "E1(low) Seq k1 [-]{A k1,A k1,B k1}|");
        finish(&f);
        ck_assert_str_eq(f.sink.out, "E1(low) Seq k1 [-]{A k1,A k1,B k1}|");
        teardown(&f);
    }
}
END_TEST

START_TEST(test_chain_loop_rejected)
{
    /* Correlations over correlations cannot form a loop. */
    const char *text = DET("a", "A ", EXTRACT_KEY("A "))
        "title: X\nname: x\ncorrelation:\n  type: temporal\n"
        "  rules: [a, y]\n  group-by: [key]\n  timespan: 1m\n---\n"
        "title: Y\nname: y\ncorrelation:\n  type: temporal\n"
        "  rules: [x, a]\n  group-by: [key]\n  timespan: 1m\n";
    struct tl_ruleset *rs = tl_ruleset_new();
    tl_ruleset_load_string(rs, "loop.yml", text, strlen(text));
    ck_assert_uint_gt(tl_ruleset_finalize(rs), 0);
    bool found = false;
    for (size_t i = 0; i < tl_ruleset_msg_count(rs); i++) {
        const struct tl_rules_msg *m = tl_ruleset_msg(rs, i);
        if (strstr(m->text, "cannot form a loop")) {
            ck_assert_uint_eq(m->line, 25);
            ck_assert_uint_eq(m->col, 11);
            ck_assert_str_eq(m->text,
                             "correlation: 'x' leads back to this rule "
                             "(x -> y -> x): correlations over correlations "
                             "cannot form a loop; remove one of these "
                             "references");
            found = true;
        }
    }
    ck_assert(found);
    ck_assert_uint_eq(tl_ruleset_count(rs), 1); /* only a is left */
    tl_ruleset_free(rs);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("timeline");
    TCase *tc = tcase_create("correlation");
    tcase_add_test(tc, test_event_count);
    tcase_add_test(tc, test_timespan_boundary);
    tcase_add_test(tc, test_hit_keeps_extra_keys);
    tcase_add_test(tc, test_temporal);
    tcase_add_test(tc, test_temporal_ordered);
    tcase_add_test(tc, test_temporal_ordered_condition);
    tcase_add_test(tc, test_temporal_ordered_all);
    tcase_add_test(tc, test_value_count);
    tcase_add_test(tc, test_link_and_verdict);
    tcase_add_test(tc, test_link_before);
    tcase_add_test(tc, test_link_after_deadline);
    tcase_add_test(tc, test_link_window_per_hit);
    tcase_add_test(tc, test_link_transitive);
    tcase_add_test(tc, test_pending_in_two_correlations);
    tcase_add_test(tc, test_max_open_cap);
    tcase_add_test(tc, test_order_and_late);
    tcase_add_test(tc, test_order_keyed_hit_moves_start);
    tcase_add_test(tc, test_order_pulled_chain);
    tcase_add_test(tc, test_live);
    tcase_add_test(tc, test_input_goes_back_in_time);
    tcase_add_test(tc, test_generate_default);
    tcase_add_test(tc, test_generate_any_false);
    tcase_add_test(tc, test_generate_live);
    tcase_add_test(tc, test_chain);
    tcase_add_test(tc, test_chain_order);
    tcase_add_test(tc, test_chain_generate_default);
    tcase_add_test(tc, test_chain_late_result);
    tcase_add_test(tc, test_chain_loop_rejected);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    tl_diag_set_quiet(1);
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
