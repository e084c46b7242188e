/*
 * test_filter.c - scan's --since/--until times and --rule/--tag
 * selection (cli/filter.c): every accepted spelling against the
 * timestamp parser's reading of the same instant, the rejected ones
 * (leaving the filter alone), wall-clock against zoned comparison, and
 * rule selection by id, name and tag.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/filter.h"

/* The time of a canonical timestamp, as the log parser reads it. */
static int64_t ts(const char *s)
{
    struct tl_event ev;
    size_t used;
    memset(&ev, 0, sizeof(ev));
    ck_assert_msg(tl_parse_timestamp(s, strlen(s), &ev, &used) &&
                      used == strlen(s),
                  "reference timestamp '%s'", s);
    return ev.time_us;
}

static void accepts(const char *arg, bool zoned, int64_t us)
{
    struct tl_tfilter f = {false, false, 0};
    ck_assert_msg(tl_tfilter_parse(arg, 1000000000, &f), "'%s' refused", arg);
    ck_assert_msg(f.set, "'%s': not set", arg);
    ck_assert_msg(f.zoned == zoned, "'%s': zoned %d", arg, f.zoned);
    ck_assert_msg(f.us == us, "'%s': %lld, not %lld", arg, (long long)f.us,
                  (long long)us);
}

START_TEST(test_absolute)
{
    accepts("2024-10-06", false, ts("2024-10-06 00:00:00.000000"));
    accepts("2024-10-06 09:30", false, ts("2024-10-06 09:30:00.000000"));
    accepts("2024-10-06 09:30:15", false, ts("2024-10-06 09:30:15.000000"));
    accepts("2024-10-06T09:30:15.25", false, ts("2024-10-06 09:30:15.250000"));
    accepts("2024-10-06t09:30", false, ts("2024-10-06 09:30:00.000000"));
    accepts("2024-10-06T09:30:00Z", true, ts("2024-10-06 09:30:00.0+0000"));
    accepts("2024-10-06 09:30z", true, ts("2024-10-06 09:30:00.0+0000"));
    accepts("2024-10-06 09:30:00.123456+02:00", true,
            ts("2024-10-06 09:30:00.123456+0200"));
    accepts("2024-10-06 09:30-0700", true, ts("2024-10-06 09:30:00.0-0700"));
    /* the zone moves the instant: 09:30+02:00 is 07:30Z */
    accepts("2024-10-06 09:30+02:00", true, ts("2024-10-06 07:30:00.0+0000"));
}
END_TEST

START_TEST(test_relative)
{
    accepts("0s", true, 1000000000LL * 1000000);
    accepts("90s", true, (1000000000LL - 90) * 1000000);
    accepts("15m", true, (1000000000LL - 900) * 1000000);
    accepts("2h", true, (1000000000LL - 7200) * 1000000);
    accepts("3d", true, (1000000000LL - 3 * 86400) * 1000000);
    accepts("106751991d", true, (1000000000LL - 106751991LL * 86400) * 1000000);
}
END_TEST

START_TEST(test_refused)
{
    static const char *const bad[] = {
        "",
        "h",
        "2h ago",
        "-2h",
        "2w",
        "yesterday",
        "2024",
        "2024-10-0",
        "2024-10-06 9:30",
        "2024-10-06 09",
        "2024-10-06  09:30",
        "2024-10-06 09:30:00+1",
        "2024-10-06 09:30:00+01:0",
        "2024-10-06 09:30:00Zx",
        "2024-10-06 09:30:00 +0100",
        "2024-10-06X09:30",
        "2024-10-06 09:30:00.",
        "99999999999999999999s",
        "9223372036854775807d",
        "106751992d", /* more seconds than int64_t microseconds hold */
        "2024-10-06 09:30:00.0000000000000000000000000000000000000000000001",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct tl_tfilter f = {false, true, 42};
        ck_assert_msg(!tl_tfilter_parse(bad[i], 1000000000, &f),
                      "'%s' accepted", bad[i]);
        ck_assert_msg(!f.set && f.zoned && f.us == 42,
                      "'%s': filter changed", bad[i]);
    }
}
END_TEST

START_TEST(test_compare)
{
    /* An event at 09:30 local time, +0200 (07:30Z). */
    struct tl_event ev;
    size_t used;
    memset(&ev, 0, sizeof(ev));
    const char *e = "2024-10-06 09:30:00.000000+0200";
    ck_assert(tl_parse_timestamp(e, strlen(e), &ev, &used));
    struct tl_tfilter wall = {false, false, 0}, inst = {false, false, 0};
    /* a wall-clock filter compares with the event's local time */
    ck_assert(tl_tfilter_parse("2024-10-06 09:30", 0, &wall));
    ck_assert_int_eq(tl_tfilter_cmp(&ev, &wall), 0);
    ck_assert(tl_tfilter_parse("2024-10-06 09:29:59.999999", 0, &wall));
    ck_assert_int_gt(tl_tfilter_cmp(&ev, &wall), 0);
    ck_assert(tl_tfilter_parse("2024-10-06 09:30:00.000001", 0, &wall));
    ck_assert_int_lt(tl_tfilter_cmp(&ev, &wall), 0);
    /* an instant compares in UTC */
    ck_assert(tl_tfilter_parse("2024-10-06T07:30:00Z", 0, &inst));
    ck_assert_int_eq(tl_tfilter_cmp(&ev, &inst), 0);
    ck_assert(tl_tfilter_parse("2024-10-06T09:30:00Z", 0, &inst));
    ck_assert_int_lt(tl_tfilter_cmp(&ev, &inst), 0);
    /* an event without a zone (compact style) is taken as written */
    struct tl_event nz;
    memset(&nz, 0, sizeof(nz));
    const char *c = "2024-10-06 09:30:00.000";
    ck_assert(tl_parse_timestamp(c, strlen(c), &nz, &used));
    ck_assert(!nz.tz_known);
    ck_assert(tl_tfilter_parse("2024-10-06 09:30", 0, &wall));
    ck_assert_int_eq(tl_tfilter_cmp(&nz, &wall), 0);
}
END_TEST

START_TEST(test_rule_selection)
{
    const char *tags_a[] = {"macos.gatekeeper", "attack.t1553"};
    struct tl_rule_info a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.id = "11111111-2222-4333-8444-555555555555";
    a.name = "gk_allow";
    a.title = "A";
    a.tags.v = tags_a;
    a.tags.n = 2;
    b.title = "B"; /* no id, no name, no tags */

    struct tl_rule_select none = {NULL, 0, NULL, 0};
    ck_assert(tl_rule_selected(&none, &a) && tl_rule_selected(&none, &b));

    const char *by_id[] = {"11111111-2222-4333-8444-555555555555"};
    const char *by_name[] = {"other", "gk_allow"};
    const char *by_title[] = {"B"};
    struct tl_rule_select s = {by_id, 1, NULL, 0};
    ck_assert(tl_rule_selected(&s, &a) && !tl_rule_selected(&s, &b));
    s.rules = by_name;
    s.n_rules = 2;
    ck_assert(tl_rule_selected(&s, &a) && !tl_rule_selected(&s, &b));
    s.rules = by_title; /* titles do not select */
    s.n_rules = 1;
    ck_assert(!tl_rule_selected(&s, &a) && !tl_rule_selected(&s, &b));

    const char *tag_hit[] = {"x", "attack.t1553"};
    const char *tag_miss[] = {"macos"}; /* whole tags only */
    struct tl_rule_select t = {NULL, 0, tag_hit, 2};
    ck_assert(tl_rule_selected(&t, &a) && !tl_rule_selected(&t, &b));
    t.tags = tag_miss;
    t.n_tags = 1;
    ck_assert(!tl_rule_selected(&t, &a));
    /* both given: both must hold */
    struct tl_rule_select both = {by_name, 2, tag_miss, 1};
    ck_assert(!tl_rule_selected(&both, &a));
    both.tags = tag_hit;
    both.n_tags = 2;
    ck_assert(tl_rule_selected(&both, &a));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("filter");
    TCase *tc = tcase_create("filter");
    tcase_add_test(tc, test_absolute);
    tcase_add_test(tc, test_relative);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_rule_selection);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
