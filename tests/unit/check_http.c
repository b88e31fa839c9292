/*
 * Tests for the HTTP request reader (gateway/http.c over http_parser):
 * the headers confab keeps, the limits, and the query helpers.
 */
#include <string.h>

#include <check.h>

#include "http.h"
#include "suites.h"

static ssize_t
feed(struct gw_http_req *r, const char *s)
{
	return (gw_http_feed(r, s, strlen(s)));
}

START_TEST(test_http_reads_websocket_upgrade_headers)
{
	struct gw_http_req *r = gw_http_req_new();
	const char *req = "GET /socket.io/?EIO=4&transport=websocket "
	    "HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: "
	    "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	    "User-Agent: test/1\r\n\r\n";

	ck_assert_int_eq(feed(r, req), (ssize_t)strlen(req));
	ck_assert(r->complete);
	ck_assert(r->parser.upgrade);
	ck_assert_str_eq(r->upgrade, "websocket");
	ck_assert_str_eq(r->ws_key, "dGhlIHNhbXBsZSBub25jZQ==");
	ck_assert_str_eq(r->ws_version, "13");
	ck_assert_str_eq(r->user_agent, "test/1");
	ck_assert_str_eq(r->url.data, "/socket.io/?EIO=4&transport=websocket");
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_reads_headers_split_across_reads)
{
	struct gw_http_req *r = gw_http_req_new();

	ck_assert_int_gt(feed(r, "POST /chat/x HTTP/1.1\r\nAuthori"), 0);
	ck_assert_int_gt(feed(r, "zation: Bearer abc\r\nOrg"), 0);
	ck_assert_int_gt(feed(r, "id: demo\r\nContent-Length: 2\r\n\r\n{"), 0);
	ck_assert(!r->complete);
	ck_assert_int_eq(feed(r, "}"), 1);
	ck_assert(r->complete);
	ck_assert_str_eq(r->authorization, "Bearer abc");
	ck_assert_str_eq(r->orgid, "demo");
	ck_assert_str_eq(r->body.data, "{}");
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_rejects_garbage)
{
	struct gw_http_req *r = gw_http_req_new();

	ck_assert_int_eq(feed(r, "GARBAGE\r\n\r\n"), -1);
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_refuses_head_over_limit)
{
	struct gw_http_req *r = gw_http_req_new();
	char big[300];

	r->max_head = 100;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_gt(feed(r, "GET / HTTP/1.1\r\nX-Big: "), 0);
	ck_assert_int_eq(feed(r, big), -1);
	ck_assert_int_eq(r->too_large, 431);
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_refuses_declared_body_over_limit)
{
	struct gw_http_req *r = gw_http_req_new();

	r->max_body = 10;
	ck_assert_int_eq(feed(r, "POST /chat/x HTTP/1.1\r\n"
	    "Content-Length: 11\r\n\r\n"), -1);
	ck_assert_int_eq(r->too_large, 413);
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_pauses_between_pipelined_requests)
{
	struct gw_http_req *r = gw_http_req_new();
	const char *two = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
	ssize_t n = feed(r, two);

	ck_assert_int_eq(n, 19);
	ck_assert_str_eq(r->url.data, "/a");
	gw_http_req_reset(r);
	ck_assert_int_eq(feed(r, two + n), 19);
	ck_assert_str_eq(r->url.data, "/b");
	gw_http_req_free(r);
}
END_TEST

START_TEST(test_http_query_and_path_helpers)
{
	char v[16];

	ck_assert_int_eq(gw_http_query_param("/s/?EIO=4&transport=websocket",
	    "transport", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "websocket");
	ck_assert_int_eq(gw_http_query_param("/s/?EIO=4", "sid", v,
	    sizeof(v)), -1);
	ck_assert_int_eq(gw_http_query_param("/s/?xEIO=3&EIO=4", "EIO", v,
	    sizeof(v)), 0);
	ck_assert_str_eq(v, "4");
	ck_assert_int_eq(gw_http_query_param("/s/?a=0123456789abcdefXYZ", "a",
	    v, sizeof(v)), -1);
	ck_assert_int_eq(gw_http_path("/chat/x?y=1", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "/chat/x");
}
END_TEST

Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_http_reads_websocket_upgrade_headers);
	tcase_add_test(tc, test_http_reads_headers_split_across_reads);
	tcase_add_test(tc, test_http_rejects_garbage);
	tcase_add_test(tc, test_http_refuses_head_over_limit);
	tcase_add_test(tc, test_http_refuses_declared_body_over_limit);
	tcase_add_test(tc, test_http_pauses_between_pipelined_requests);
	tcase_add_test(tc, test_http_query_and_path_helpers);
	suite_add_tcase(s, tc);
	return (s);
}
