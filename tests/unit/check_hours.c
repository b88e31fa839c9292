/*
 * Tests for queue-svc's business hours (queue-svc/hours.c), compiled in
 * here whole with the input checks they use: the schedule in a time
 * zone with daylight saving, holidays, the whole day, and what is
 * refused.
 */
#include <string.h>
#include <time.h>

#include <check.h>

#include "../../queue-svc/text.c"
#include "../../queue-svc/args.c"
#include "../../queue-svc/hours.c"
#include "suites.h"

/* UTC seconds of a date and time. */
static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi };

	return (timegm(&tm));
}

static cJSON *
hours(const char *json)
{
	cJSON *h = cJSON_Parse(json);

	ck_assert_ptr_nonnull(h);
	return (h);
}

START_TEST(test_hours_zone_and_dst)
{
	/* Berlin is UTC+1 in January and UTC+2 in July. */
	cJSON *h = hours("{\"timezone\":\"Europe/Berlin\",\"days\":{"
	    "\"mon\":[\"09:00-17:00\"],\"sat\":[\"10:00-12:00\",\"13:00-14:00\"]}}");

	ck_assert_ptr_null(qs_hours_check(h));
	/* Monday 2026-01-05: 08:30 UTC is 09:30 in Berlin. */
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 5, 8, 30)), 1);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 5, 7, 59)), 0);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 5, 16, 0)), 0);
	/* Monday 2026-07-06: 07:30 UTC is 09:30 in Berlin (summer). */
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 7, 6, 7, 30)), 1);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 7, 6, 15, 0)), 0);
	/* Saturday: two ranges with a gap; Sunday: not named, closed. */
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 10, 9, 30)), 1);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 10, 11, 30)), 0);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 10, 12, 30)), 1);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 1, 11, 10, 0)), 0);
	/* The process's own zone is left as it was. */
	ck_assert_ptr_null(getenv("TZ"));
	cJSON_Delete(h);
}
END_TEST

START_TEST(test_hours_whole_day_and_holidays)
{
	cJSON *h = hours("{\"timezone\":\"America/New_York\",\"days\":{"
	    "\"thu\":[\"00:00-24:00\"]},\"holidays\":[\"2026-11-26\"]}");

	/* Thursday 2026-11-19 23:59 in New York is Friday 04:59 UTC. */
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 11, 20, 4, 59)), 1);
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 11, 20, 5, 0)), 0);
	/* Thanksgiving, a Thursday, is a holiday. */
	ck_assert_int_eq(qs_hours_eval(h, utc(2026, 11, 26, 15, 0)), 0);
	cJSON_Delete(h);
}
END_TEST

START_TEST(test_hours_refused)
{
	static const char *const bad[] = {
		"[]",
		"{\"days\":{}}",
		"{\"timezone\":\"Mars/Olympus\",\"days\":{}}",
		"{\"timezone\":\"../../etc/passwd\",\"days\":{}}",
		"{\"timezone\":\"UTC\",\"days\":{\"funday\":[]}}",
		"{\"timezone\":\"UTC\",\"days\":{\"mon\":[\"17:00-09:00\"]}}",
		"{\"timezone\":\"UTC\",\"days\":{\"mon\":[\"9:00-17:00\"]}}",
		"{\"timezone\":\"UTC\",\"days\":{\"mon\":[\"09:00-24:30\"]}}",
		"{\"timezone\":\"UTC\",\"days\":{},\"holidays\":[\"2026-13-01\"]}",
		"{\"timezone\":\"UTC\",\"days\":{},\"outsideHours\":\"maybe\"}",
		"{\"timezone\":\"UTC\",\"days\":{},\"message\":7}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cJSON *h = hours(bad[i]);

		ck_assert_msg(qs_hours_check(h) != NULL, "accepted %s", bad[i]);
		ck_assert_int_eq(qs_hours_eval(h, 0), -1);
		cJSON_Delete(h);
	}
}
END_TEST

Suite *
hours_suite(void)
{
	Suite *s = suite_create("hours");
	TCase *tc = tcase_create("hours");

	tcase_add_test(tc, test_hours_zone_and_dst);
	tcase_add_test(tc, test_hours_whole_day_and_holidays);
	tcase_add_test(tc, test_hours_refused);
	suite_add_tcase(s, tc);
	return (s);
}
