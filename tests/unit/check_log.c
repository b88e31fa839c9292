/*
 * Tests for the log line format (common/log.c): priority prefix,
 * timestamp outside journald only, svc= and worker= fields, the level
 * threshold and the 4 KiB cut.  Each test sends stderr to a temporary
 * file and reads back what was written.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "log.h"
#include "suites.h"

/* Each test starts from the defaults, even with CK_FORK=no. */
static void
log_setup(void)
{
	cm_log_threshold = CM_LOG_NOTICE;
	cm_log_set_worker(-1);
}

/*
 * Runs one log call with stderr sent to a temporary file and returns
 * what was written (caller frees).  journal: pretend journald owns fd 2.
 */
static char *
logged_run(int journal, void (*fn)(void))
{
	FILE		*fp = tmpfile();
	struct stat	 st;
	char		 env[64], *text;
	int		 saved = dup(STDERR_FILENO);
	long		 n;

	dup2(fileno(fp), STDERR_FILENO);
	fstat(STDERR_FILENO, &st);
	snprintf(env, sizeof(env), "%llu:%llu",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	if (journal)
		setenv("JOURNAL_STREAM", env, 1);
	else
		unsetenv("JOURNAL_STREAM");
	cm_log_init("test");
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = ftell(fp);
	text = calloc(1, (size_t)n + 1);
	rewind(fp);
	ck_assert_uint_eq(fread(text, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	unsetenv("JOURNAL_STREAM");
	return (text);
}

static void
log_notice(void)
{
	cm_log_notice("msg=\"hello\" n=%d", 7);
}

static void
log_debug(void)
{
	cm_log_debug("msg=\"hidden\"");
}

static void
log_worker(void)
{
	cm_log_set_worker(3);
	cm_log_warn("msg=\"w\"");
	cm_log_set_worker(-1);
	cm_log_warn("msg=\"none\"");
}

static void
log_fail(void)
{
	ck_assert_int_eq(cm_fail("msg=\"f\""), -1);
}

static void
log_long(void)
{
	char	*big = malloc(10000);

	memset(big, 'x', 9999);
	big[9999] = '\0';
	cm_log_err("msg=\"%s\"", big);
	free(big);
}

START_TEST(test_log_line_has_priority_timestamp_and_service)
{
	char	*out = logged_run(0, log_notice);
	int	 y, mo, d, h, mi, sec, ms;

	ck_assert_msg(sscanf(out, "<5>ts=%4d-%2d-%2dT%2d:%2d:%2d.%3dZ ",
	    &y, &mo, &d, &h, &mi, &sec, &ms) == 7, "bad line: %s", out);
	ck_assert_ptr_nonnull(strstr(out, "Z svc=test msg=\"hello\" n=7\n"));
	ck_assert_uint_eq(strlen(out), strlen("<5>ts=2024-01-01T00:00:00.000Z "
	    "svc=test msg=\"hello\" n=7\n"));
	free(out);
}
END_TEST

START_TEST(test_log_line_under_journald_has_no_timestamp)
{
	char	*out = logged_run(1, log_notice);

	ck_assert_str_eq(out, "<5>svc=test msg=\"hello\" n=7\n");
	free(out);
}
END_TEST

START_TEST(test_log_drops_lines_above_threshold)
{
	char	*out = logged_run(1, log_debug);

	ck_assert_str_eq(out, "");
	free(out);
	cm_log_threshold = CM_LOG_DEBUG;
	out = logged_run(1, log_debug);
	ck_assert_str_eq(out, "<7>svc=test msg=\"hidden\"\n");
	free(out);
}
END_TEST

START_TEST(test_log_shows_worker_slot_once_set)
{
	char	*out = logged_run(1, log_worker);

	ck_assert_str_eq(out, "<4>svc=test worker=3 msg=\"w\"\n"
	    "<4>svc=test msg=\"none\"\n");
	free(out);
}
END_TEST

START_TEST(test_log_fail_logs_at_err_and_returns_minus_one)
{
	char	*out = logged_run(1, log_fail);

	ck_assert_str_eq(out, "<3>svc=test msg=\"f\"\n");
	free(out);
}
END_TEST

START_TEST(test_log_cuts_long_lines_at_4k)
{
	char	*out = logged_run(0, log_long);

	ck_assert_uint_eq(strlen(out), 4096);
	ck_assert_int_eq(out[4095], '\n');
	ck_assert_ptr_eq(strchr(out, '\n'), out + 4095);	/* one line */
	free(out);
}
END_TEST

START_TEST(test_log_level_names)
{
	ck_assert_int_eq(cm_log_level_parse("err"), CM_LOG_ERR);
	ck_assert_int_eq(cm_log_level_parse("warning"), CM_LOG_WARNING);
	ck_assert_int_eq(cm_log_level_parse("notice"), CM_LOG_NOTICE);
	ck_assert_int_eq(cm_log_level_parse("info"), CM_LOG_INFO);
	ck_assert_int_eq(cm_log_level_parse("debug"), CM_LOG_DEBUG);
	ck_assert_int_eq(cm_log_level_parse("verbose"), -1);
}
END_TEST

Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("format");

	tcase_add_checked_fixture(tc, log_setup, NULL);
	tcase_add_test(tc, test_log_line_has_priority_timestamp_and_service);
	tcase_add_test(tc, test_log_line_under_journald_has_no_timestamp);
	tcase_add_test(tc, test_log_drops_lines_above_threshold);
	tcase_add_test(tc, test_log_shows_worker_slot_once_set);
	tcase_add_test(tc, test_log_fail_logs_at_err_and_returns_minus_one);
	tcase_add_test(tc, test_log_cuts_long_lines_at_4k);
	tcase_add_test(tc, test_log_level_names);
	suite_add_tcase(s, tc);
	return (s);
}
