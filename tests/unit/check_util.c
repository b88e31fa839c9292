/*
 * Tests for common/util.c: random ids, the JSON depth limit, JSON
 * string escaping and the growing buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "suites.h"
#include "util.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

START_TEST(test_random_id_has_length_and_base64url_alphabet)
{
	char	 id[201];

	memset(id, 'x', sizeof(id));
	ck_assert_int_eq(cm_random_id(id, 200), 0);
	ck_assert_uint_eq(strlen(id), 200);
	ck_assert_uint_eq(strspn(id, alphabet), 200);
}
END_TEST

START_TEST(test_random_ids_differ)
{
	char	 a[21], b[21];

	ck_assert_int_eq(cm_random_id(a, 20), 0);
	ck_assert_int_eq(cm_random_id(b, 20), 0);
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(test_random_id_uses_the_whole_alphabet)
{
	char	 id[4097];
	size_t	 i;

	/* 4096 draws miss one of 64 symbols with odds below 1e-25. */
	ck_assert_int_eq(cm_random_id(id, 4096), 0);
	for (i = 0; i < 64; i++)
		ck_assert_msg(strchr(id, alphabet[i]) != NULL,
		    "symbol %c never drawn", alphabet[i]);
}
END_TEST

START_TEST(test_random_id_of_zero_length_is_empty)
{
	char	 id[1] = { 'x' };

	ck_assert_int_eq(cm_random_id(id, 0), 0);
	ck_assert_str_eq(id, "");
}
END_TEST

START_TEST(test_strlcpy_truncates_and_terminates)
{
	char	 dst[4];

	ck_assert_uint_eq(cm_strlcpy(dst, "abcdef", sizeof(dst)), 6);
	ck_assert_str_eq(dst, "abc");
	ck_assert_uint_eq(cm_strlcpy(dst, "ab", sizeof(dst)), 2);
	ck_assert_str_eq(dst, "ab");
}
END_TEST

/* Builds n '[' then n ']' in a malloc'd, unterminated buffer. */
static char *
nested(size_t n)
{
	char	*s = malloc(2 * n);

	memset(s, '[', n);
	memset(s + n, ']', n);
	return (s);
}

START_TEST(test_json_parse_accepts_max_depth)
{
	char	*s = nested(CM_JSON_MAX_DEPTH);
	cJSON	*j;

	j = cm_json_parse(s, 2 * CM_JSON_MAX_DEPTH);
	ck_assert_ptr_nonnull(j);
	cJSON_Delete(j);
	free(s);
}
END_TEST

START_TEST(test_json_parse_refuses_too_deep)
{
	char	*s = nested(CM_JSON_MAX_DEPTH + 1);

	ck_assert_ptr_null(cm_json_parse(s, 2 * (CM_JSON_MAX_DEPTH + 1)));
	free(s);
}
END_TEST

START_TEST(test_json_parse_refuses_deep_unclosed_input_quickly)
{
	size_t	 n = 1000000;
	char	*s = malloc(n);

	memset(s, '{', n);
	ck_assert_ptr_null(cm_json_parse(s, n));
	free(s);
}
END_TEST

START_TEST(test_json_depth_ignores_brackets_in_strings)
{
	const char	*text = "{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[\\\"[[[[\",\"b\":[1]}";
	cJSON		*j;

	j = cm_json_parse(text, strlen(text));
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "b")), 1);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_json_parse_needs_no_terminator)
{
	char	*s = malloc(7);
	cJSON	*j;

	memcpy(s, "{\"a\":1}", 7);		/* no NUL after it */
	j = cm_json_parse(s, 7);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(cJSON_GetObjectItem(j, "a")->valueint, 1);
	cJSON_Delete(j);
	free(s);
}
END_TEST

START_TEST(test_json_parse_refuses_garbage)
{
	ck_assert_ptr_null(cm_json_parse("", 0));
	ck_assert_ptr_null(cm_json_parse("{", 1));
	ck_assert_ptr_null(cm_json_parse("nope", 4));
	ck_assert_ptr_null(cm_json_parse("{} x", 4));
	ck_assert_ptr_null(cm_json_parse("{}{}", 4));
}
END_TEST

START_TEST(test_json_parse_allows_trailing_blanks)
{
	cJSON	*j = cm_json_parse("[1] \r\n", 6);

	ck_assert_ptr_nonnull(j);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_json_str_returns_only_strings)
{
	const char	*t = "{\"s\":\"v\",\"n\":1}";
	cJSON		*j = cm_json_parse(t, strlen(t));

	ck_assert_str_eq(cm_json_str(j, "s"), "v");
	ck_assert_ptr_null(cm_json_str(j, "n"));
	ck_assert_ptr_null(cm_json_str(j, "missing"));
	ck_assert_ptr_null(cm_json_str(NULL, "s"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_json_error_shape)
{
	cJSON	*j = cm_json_error("BAD_REQUEST", "text is required");
	char	*s = cJSON_PrintUnformatted(j);

	ck_assert_str_eq(s, "{\"ok\":false,\"error\":{\"code\":"
	    "\"BAD_REQUEST\",\"message\":\"text is required\"}}");
	free(s);
	cJSON_Delete(j);
}
END_TEST

/* Returns cm_buf_json_str(s) as a malloc'd string. */
static char *
json_str(const char *s)
{
	struct cm_buf	 b = { 0 };

	cm_buf_json_str(&b, s);
	return (b.data);
}

START_TEST(test_buf_json_str_escapes_quotes_and_backslash)
{
	char	*s = json_str("say \"hi\" \\o/");

	ck_assert_str_eq(s, "\"say \\\"hi\\\" \\\\o/\"");
	free(s);
}
END_TEST

START_TEST(test_buf_json_str_escapes_control_chars)
{
	char	*s = json_str("\b\f\n\r\t\x01\x1f end");

	ck_assert_str_eq(s, "\"\\b\\f\\n\\r\\t\\u0001\\u001f end\"");
	free(s);
}
END_TEST

START_TEST(test_buf_json_str_passes_utf8_through)
{
	char	*s = json_str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");

	ck_assert_str_eq(s, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	free(s);
}
END_TEST

START_TEST(test_buf_json_str_output_parses_back)
{
	const char	*in = "a\"b\\c\nd\x02\x7f\xc3\xa9";
	char		*s = json_str(in);
	cJSON		*j = cm_json_parse(s, strlen(s));

	ck_assert(cJSON_IsString(j));
	ck_assert_str_eq(j->valuestring, in);
	cJSON_Delete(j);
	free(s);
}
END_TEST

START_TEST(test_buf_grows_and_stays_terminated)
{
	struct cm_buf	 b = { 0 };
	int		 i;

	for (i = 0; i < 1000; i++)
		cm_buf_printf(&b, "%d,", i % 10);
	ck_assert_uint_eq(b.len, 2000);
	ck_assert_uint_eq(strlen(b.data), 2000);
	ck_assert(strncmp(b.data, "0,1,2,", 6) == 0);
	cm_buf_puts(&b, "end");
	ck_assert_str_eq(b.data + 2000, "end");
	cm_buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_clocks_move_forward)
{
	int64_t	 wall = cm_now_ms(), mono = cm_mono_ms();

	ck_assert(wall > INT64_C(1600000000000));	/* after 2020 */
	ck_assert(cm_mono_ms() >= mono);
}
END_TEST

Suite *
util_suite(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc;

	tc = tcase_create("ids");
	tcase_add_test(tc, test_random_id_has_length_and_base64url_alphabet);
	tcase_add_test(tc, test_random_ids_differ);
	tcase_add_test(tc, test_random_id_uses_the_whole_alphabet);
	tcase_add_test(tc, test_random_id_of_zero_length_is_empty);
	tcase_add_test(tc, test_strlcpy_truncates_and_terminates);
	tcase_add_test(tc, test_clocks_move_forward);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_json_parse_accepts_max_depth);
	tcase_add_test(tc, test_json_parse_refuses_too_deep);
	tcase_add_test(tc, test_json_parse_refuses_deep_unclosed_input_quickly);
	tcase_add_test(tc, test_json_depth_ignores_brackets_in_strings);
	tcase_add_test(tc, test_json_parse_needs_no_terminator);
	tcase_add_test(tc, test_json_parse_refuses_garbage);
	tcase_add_test(tc, test_json_parse_allows_trailing_blanks);
	tcase_add_test(tc, test_json_str_returns_only_strings);
	tcase_add_test(tc, test_json_error_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("buf");
	tcase_add_test(tc, test_buf_json_str_escapes_quotes_and_backslash);
	tcase_add_test(tc, test_buf_json_str_escapes_control_chars);
	tcase_add_test(tc, test_buf_json_str_passes_utf8_through);
	tcase_add_test(tc, test_buf_json_str_output_parses_back);
	tcase_add_test(tc, test_buf_grows_and_stays_terminated);
	suite_add_tcase(s, tc);
	return (s);
}
