/*
 * Tests for what the gateway adds to wslay: the handshake accept key
 * and UTF-8 validation of text messages (gateway/ws.c).
 */
#include <string.h>

#include <check.h>

#include "gw.h"
#include "suites.h"

START_TEST(test_ws_accept_key_matches_rfc6455_example)
{
	char out[32];

	/* RFC 6455 section 1.3. */
	ck_assert_int_eq(gw_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}
END_TEST

START_TEST(test_ws_accept_key_refuses_oversized_key)
{
	char key[200], out[32];

	memset(key, 'a', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	ck_assert_int_eq(gw_ws_accept_key(key, out, sizeof(out)), -1);
}
END_TEST

#define VALID(s)	gw_utf8_valid((const uint8_t *)(s), sizeof(s) - 1)

START_TEST(test_utf8_accepts_ascii_and_multibyte)
{
	ck_assert(VALID(""));
	ck_assert(VALID("hello"));
	ck_assert(VALID("h\xc3\xa9llo"));		/* é */
	ck_assert(VALID("\xe2\x82\xac"));		/* € */
	ck_assert(VALID("\xf0\x9f\x98\x80"));		/* 😀 */
	ck_assert(VALID("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
}
END_TEST

START_TEST(test_utf8_rejects_overlong_surrogate_and_truncated)
{
	ck_assert(!VALID("\xc0\xaf"));			/* overlong '/' */
	ck_assert(!VALID("\xe0\x80\xaf"));		/* overlong */
	ck_assert(!VALID("\xed\xa0\x80"));		/* U+D800 */
	ck_assert(!VALID("\xf4\x90\x80\x80"));		/* > U+10FFFF */
	ck_assert(!VALID("\xe2\x82"));			/* truncated */
	ck_assert(!VALID("\x80"));			/* lone continuation */
	ck_assert(!VALID("\xff"));
	ck_assert(!VALID("a\xc3"));			/* cut at the end */
}
END_TEST

Suite *
ws_suite(void)
{
	Suite *s = suite_create("ws");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_ws_accept_key_matches_rfc6455_example);
	tcase_add_test(tc, test_ws_accept_key_refuses_oversized_key);
	tcase_add_test(tc, test_utf8_accepts_ascii_and_multibyte);
	tcase_add_test(tc, test_utf8_rejects_overlong_surrogate_and_truncated);
	suite_add_tcase(s, tc);
	return (s);
}
