/*
 * Tests for the assembly of streamed tool calls (ai-bridge/toolcall.c),
 * compiled in here whole.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "../../ai-bridge/toolcall.c"
#include "suites.h"

/* Applies the tool_calls array of one delta given as JSON text. */
static int
delta(struct aib_tools *t, const char *json)
{
	cJSON	*a = cJSON_Parse(json);
	int	 rv;

	ck_assert_ptr_nonnull(a);
	rv = aib_tools_delta(t, a);
	cJSON_Delete(a);
	return (rv);
}

START_TEST(test_tools_arguments_split_across_chunks)
{
	struct aib_tools t;
	cJSON *args;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"id\":\"call_1\","
	    "\"type\":\"function\",\"function\":{\"name\":"
	    "\"transfer_chat_to_agent\",\"arguments\":\"\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"function\":"
	    "{\"arguments\":\"{\\\"rea\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"function\":"
	    "{\"arguments\":\"son\\\": \\\"bil\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"function\":"
	    "{\"arguments\":\"ling\\\"}\"}}]"), 0);
	ck_assert_int_eq(t.n, 1);
	ck_assert_str_eq(t.calls[0].id, "call_1");
	ck_assert_str_eq(t.calls[0].name, "transfer_chat_to_agent");
	ck_assert_str_eq(t.calls[0].args.data, "{\"reason\": \"billing\"}");
	args = aib_tools_args(&t, 0);
	ck_assert_ptr_nonnull(args);
	ck_assert_str_eq(cm_json_str(args, "reason"), "billing");
	cJSON_Delete(args);
	aib_tools_free(&t);
}
END_TEST

START_TEST(test_tools_parallel_calls_interleaved)
{
	struct aib_tools t;
	cJSON *a;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"id\":\"a\",\"function\":"
	    "{\"name\":\"search_faq\",\"arguments\":\"{\\\"q\"}},"
	    "{\"index\":1,\"id\":\"b\",\"function\":{\"name\":"
	    "\"search_faq\",\"arguments\":\"{\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"index\":1,\"function\":"
	    "{\"arguments\":\"}\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"function\":"
	    "{\"arguments\":\"uery\\\":\\\"x\\\"}\"}}]"), 0);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.calls[0].args.data, "{\"query\":\"x\"}");
	ck_assert_str_eq(t.calls[1].args.data, "{}");
	/* Empty arguments count as {}; broken ones as nothing. */
	aib_tools_reset(&t);
	ck_assert_int_eq(delta(&t, "[{\"index\":3,\"id\":\"c\",\"function\":"
	    "{\"name\":\"f\"}}]"), 0);
	a = aib_tools_args(&t, 0);
	ck_assert(cJSON_IsObject(a));
	cJSON_Delete(a);
	ck_assert_int_eq(delta(&t, "[{\"index\":3,\"function\":"
	    "{\"arguments\":\"[1,\"}}]"), 0);
	ck_assert_ptr_null(aib_tools_args(&t, 0));
	aib_tools_free(&t);
}
END_TEST

START_TEST(test_tools_without_index_follow_the_id)
{
	struct aib_tools t;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(delta(&t, "[{\"id\":\"x\",\"function\":{\"name\":"
	    "\"f\",\"arguments\":\"{\\\"a\\\":\"}}]"), 0);
	ck_assert_int_eq(delta(&t, "[{\"function\":{\"arguments\":\"1}\"}}]"),
	    0);
	ck_assert_int_eq(delta(&t, "[{\"id\":\"y\",\"function\":{\"name\":"
	    "\"g\",\"arguments\":\"{}\"}}]"), 0);
	ck_assert_int_eq(t.n, 2);
	ck_assert_str_eq(t.calls[0].args.data, "{\"a\":1}");
	ck_assert_str_eq(t.calls[1].name, "g");
	aib_tools_free(&t);
}
END_TEST

START_TEST(test_tools_refuse_bad_deltas_and_limits)
{
	struct aib_tools t;
	char buf[64];
	int i;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(delta(&t, "{\"index\":0}"), -1);
	ck_assert_int_eq(delta(&t, "[1]"), -1);
	ck_assert_int_eq(delta(&t, "[{\"index\":-1}]"), -1);
	ck_assert_int_eq(delta(&t, "[{\"index\":0.5}]"), -1);
	ck_assert_int_eq(delta(&t, "[{\"index\":0,\"function\":"
	    "{\"arguments\":7}}]"), -1);
	aib_tools_reset(&t);
	for (i = 0; i < AIB_TOOLS_MAX; i++) {
		snprintf(buf, sizeof(buf), "[{\"index\":%d}]", i);
		ck_assert_int_eq(delta(&t, buf), 0);
	}
	ck_assert_int_eq(delta(&t, "[{\"index\":99}]"), -1);
	aib_tools_free(&t);
}
END_TEST

Suite *
ai_tools_suite(void)
{
	Suite *s = suite_create("ai_tools");
	TCase *tc = tcase_create("assemble");

	tcase_add_test(tc, test_tools_arguments_split_across_chunks);
	tcase_add_test(tc, test_tools_parallel_calls_interleaved);
	tcase_add_test(tc, test_tools_without_index_follow_the_id);
	tcase_add_test(tc, test_tools_refuse_bad_deltas_and_limits);
	suite_add_tcase(s, tc);
	return (s);
}
