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
    snprintf(b, sizeof(b), "H %s %.*s|", h->info->name,
             (int)h->ev.str[TL_F_EVENT_MESSAGE].n,
             h->ev.str[TL_F_EVENT_MESSAGE].p);
    strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
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
        snprintf(b, sizeof(b), "%s%.*s", i ? "," : "",
                 (int)ep->hits[i]->ev.str[TL_F_EVENT_MESSAGE].n,
                 ep->hits[i]->ev.str[TL_F_EVENT_MESSAGE].p);
        strncat(s->out, b, sizeof(s->out) - strlen(s->out) - 1);
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

/* An event at t seconds (+us), pid/tid, message. */
static void ev_at(struct fixture *f, double t, uint64_t pid, uint64_t tid,
                  const char *msg)
{
    static uint64_t line;
    struct tl_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.input = "t";
    ev.line = ++line;
    ev.style = TL_STYLE_NDJSON;
    ev.has_time = true;
    ev.tz_known = true;
    ev.time_digits = 6;
    ev.time_us = 1700000000LL * 1000000 + (int64_t)(t * 1e6 + 0.5);
    tl_event_set_num(&ev, TL_F_PROCESS_ID, pid);
    tl_event_set_num(&ev, TL_F_THREAD_ID, tid);
    tl_event_set_str(&ev, TL_F_EVENT_MESSAGE, msg, strlen(msg));
    ev.raw = tl_str_make(msg, strlen(msg));
    tl_ruleset_match(f->rs, &ev, add_match, f->tl);
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

#define CORR(type, rules, extra)                                            \
    "title: Correlation {key}\n"                                            \
    "name: c\n"                                                             \
    "status: test\n"                                                        \
    "correlation:\n"                                                        \
    "  type: " type "\n"                                                    \
    "  rules: " rules "\n"                                                  \
    "  group-by: [key]\n"                                                   \
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
          "  timespan: 1m\n  condition: {field: key, gte: 3}\n",
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

static Suite *suite(void)
{
    Suite *s = suite_create("timeline");
    TCase *tc = tcase_create("correlation");
    tcase_add_test(tc, test_event_count);
    tcase_add_test(tc, test_timespan_boundary);
    tcase_add_test(tc, test_temporal);
    tcase_add_test(tc, test_temporal_ordered);
    tcase_add_test(tc, test_value_count);
    tcase_add_test(tc, test_link_and_verdict);
    tcase_add_test(tc, test_link_before);
    tcase_add_test(tc, test_link_transitive);
    tcase_add_test(tc, test_pending_in_two_correlations);
    tcase_add_test(tc, test_max_open_cap);
    tcase_add_test(tc, test_order_and_late);
    tcase_add_test(tc, test_live);
    tcase_add_test(tc, test_input_goes_back_in_time);
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
