/*
 * Tests for ai-bridge's Server-Sent Events parser (ai-bridge/sse.c),
 * compiled in here whole: the unit runner links only libconfab.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "../../ai-bridge/sse.c"
#include "suites.h"

/* What the callback saw: events as "EVENT|DATA" lines. */
struct seen {
	struct cm_buf	 out;
	int		 n;
	int		 stop_at;	/* return -1 on this event (1-based) */
};

static int
seen_fn(void *arg, const char *event, const char *data, size_t len)
{
	struct seen	*s = arg;

	ck_assert_uint_eq(strlen(data), len);
	cm_buf_printf(&s->out, "%s|%s\n", event, data);
	return (++s->n == s->stop_at ? -1 : 0);
}

/* Feeds text in pieces of step bytes; returns what was seen. */
static char *
feed_steps(const char *text, size_t step, size_t max, int *rv)
{
	struct aib_sse	 p;
	struct seen	 s = { { NULL, 0, 0 }, 0, 0 };
	size_t		 i, n = strlen(text), k;
	char		*out;

	aib_sse_init(&p, max, seen_fn, &s);
	*rv = 0;
	for (i = 0; i < n && *rv == 0; i += k) {
		k = n - i < step ? n - i : step;
		*rv = aib_sse_feed(&p, text + i, k);
	}
	aib_sse_free(&p);
	out = strdup(s.out.data != NULL ? s.out.data : "");
	cm_buf_free(&s.out);
	return (out);
}

START_TEST(test_sse_openai_stream_in_any_split)
{
	const char *text =
	    "data: {\"a\":1}\n\n"
	    ": keep-alive comment\n\n"
	    "data: {\"b\":2}\r\n\r\n"
	    "data: [DONE]\r\r";
	const char *want = "message|{\"a\":1}\nmessage|{\"b\":2}\n"
	    "message|[DONE]\n";
	size_t step;
	int rv;
	char *got;

	/* Every split point, CRLF straddling two reads included. */
	for (step = 1; step <= strlen(text); step++) {
		got = feed_steps(text, step, 4096, &rv);
		ck_assert_int_eq(rv, 0);
		ck_assert_msg(strcmp(got, want) == 0, "step %zu: %s", step,
		    got);
		free(got);
	}
}
END_TEST

START_TEST(test_sse_fields_per_the_standard)
{
	int rv;
	char *got;

	/* Multi-line data joined by LF; event names; no space after ':'. */
	got = feed_steps("event: delta\ndata:one\ndata:  two\n\n", 3, 4096,
	    &rv);
	ck_assert_str_eq(got, "delta|one\n two\n");
	free(got);
	/* id, retry and unknown fields are ignored; a field with no colon. */
	got = feed_steps("id: 7\nretry: 10\nfoo: bar\ndata\n\n", 5, 4096, &rv);
	ck_assert_str_eq(got, "message|\n");
	free(got);
	/* An event without data is not dispatched; the name resets. */
	got = feed_steps("event: ping\n\ndata: x\n\n", 2, 4096, &rv);
	ck_assert_str_eq(got, "message|x\n");
	free(got);
	/* A BOM opens the stream, even split. */
	got = feed_steps("\xef\xbb\xbf" "data: b\n\n", 1, 4096, &rv);
	ck_assert_str_eq(got, "message|b\n");
	free(got);
	/* An event cut off by the end of the stream is not dispatched. */
	got = feed_steps("data: a\n\ndata: partial\n", 4, 4096, &rv);
	ck_assert_str_eq(got, "message|a\n");
	free(got);
}
END_TEST

START_TEST(test_sse_bounds_and_stop)
{
	struct aib_sse p;
	struct seen s = { { NULL, 0, 0 }, 0, 2 };
	char big[300];
	int rv;
	char *got;

	/* A line longer than max fails, whole or in pieces. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "data: ", 6);
	got = feed_steps(big, 7, 100, &rv);
	ck_assert_int_eq(rv, -1);
	free(got);
	/* So does an event whose lines fit but whose data does not. */
	got = feed_steps("data: 0123456789\ndata: 0123456789\n"
	    "data: 0123456789\n\n", 40, 24, &rv);
	ck_assert_int_eq(rv, -1);
	free(got);
	/* The callback stops the parser; it stays stopped. */
	aib_sse_init(&p, 4096, seen_fn, &s);
	ck_assert_int_eq(aib_sse_feed(&p, "data: 1\n\n", 9), 0);
	ck_assert_int_eq(aib_sse_feed(&p, "data: 2\n\ndata: 3\n\n", 18), -1);
	ck_assert_int_eq(aib_sse_feed(&p, "data: 4\n\n", 9), -1);
	ck_assert_int_eq(s.n, 2);
	aib_sse_free(&p);
	cm_buf_free(&s.out);
}
END_TEST

Suite *
ai_sse_suite(void)
{
	Suite *s = suite_create("ai_sse");
	TCase *tc = tcase_create("sse");

	tcase_add_test(tc, test_sse_openai_stream_in_any_split);
	tcase_add_test(tc, test_sse_fields_per_the_standard);
	tcase_add_test(tc, test_sse_bounds_and_stop);
	suite_add_tcase(s, tc);
	return (s);
}
