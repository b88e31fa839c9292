/* Tests for REST path matching and query parsing (common/rest.c). */
#include <string.h>

#include <check.h>

#include "rest.h"
#include "suites.h"

START_TEST(test_rest_matches_literal_and_param_segments)
{
	char p[CM_REST_MAX_PARAMS][CM_REST_PARAM_MAX];
	int n;

	ck_assert(cm_rest_match("/chat/sessions", "/chat/sessions", p, &n));
	ck_assert_int_eq(n, 0);
	ck_assert(cm_rest_match("/chat/sessions", "/chat/sessions/", p, &n));
	ck_assert(cm_rest_match("/chat/agents/{}/status",
	    "/chat/agents/a%40b.com/status", p, &n));
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(p[0], "a@b.com");
	ck_assert(cm_rest_match("/chat/rooms/{}/members/{}",
	    "/chat/rooms/r1/members/x+y", p, &n));
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(p[1], "x+y");	/* '+' is literal in a path */
}
END_TEST

START_TEST(test_rest_refuses_near_misses)
{
	char p[CM_REST_MAX_PARAMS][CM_REST_PARAM_MAX];
	int n;

	ck_assert(!cm_rest_match("/chat/agents/{}/status",
	    "/chat/agents//status", p, &n));
	ck_assert(!cm_rest_match("/chat/agents/{}/status",
	    "/chat/agents/a/b/status", p, &n));
	ck_assert(!cm_rest_match("/chat/agents/{}", "/chat/agents", p, &n));
	ck_assert(!cm_rest_match("/chat/agents", "/chat/agentsx", p, &n));
	ck_assert(!cm_rest_match("/chat/agents/{}", "/chat/agents/%zz", p, &n));
	ck_assert(!cm_rest_match("/chat/agents/{}", "/chat/agents/%4", p, &n));
	ck_assert(!cm_rest_match("/chat/agents/{}", "/chat/agents/%00", p, &n));
}
END_TEST

START_TEST(test_rest_query_decodes_and_bounds)
{
	struct cm_rest_req req;
	struct cm_rest_reply rep = { 0, NULL, NULL };
	char v[16];
	long n;

	memset(&req, 0, sizeof(req));
	req.query = "status=available&skill=bil%20ling&q=a+b&flag&limit=5";
	ck_assert_int_eq(cm_rest_query(&req, "skill", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "bil ling");
	ck_assert_int_eq(cm_rest_query(&req, "q", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "a b");
	ck_assert_int_eq(cm_rest_query(&req, "flag", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(cm_rest_query(&req, "stat", v, sizeof(v)), -1);
	ck_assert_int_eq(cm_rest_query_int(&req, &rep, "limit", 50, 1, 100,
	    &n), 0);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(cm_rest_query_int(&req, &rep, "absent", 50, 1, 100,
	    &n), 0);
	ck_assert_int_eq(n, 50);
	ck_assert_int_eq(cm_rest_query_int(&req, &rep, "skill", 50, 1, 100,
	    &n), -1);
	ck_assert_int_eq(rep.status, 400);
	cJSON_Delete(rep.body);
}
END_TEST

Suite *
rest_suite(void)
{
	Suite *s = suite_create("rest");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_rest_matches_literal_and_param_segments);
	tcase_add_test(tc, test_rest_refuses_near_misses);
	tcase_add_test(tc, test_rest_query_decodes_and_bounds);
	suite_add_tcase(s, tc);
	return (s);
}
