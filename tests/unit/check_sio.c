/* Tests for the Socket.IO packet parser (gateway/sio.c). */
#include <string.h>

#include <check.h>

#include "sio.h"
#include "suites.h"

static int
parse(const char *s, struct gw_sio_packet *p)
{
	return (gw_sio_parse(s, strlen(s), p));
}

START_TEST(test_sio_parses_event_with_namespace_and_ack)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("2/chat,12[\"a\",{}]", &p), 0);
	ck_assert_int_eq(p.type, GW_SIO_EVENT);
	ck_assert(gw_sio_nsp_is(&p, "/chat"));
	ck_assert_int_eq(p.ack_id, 12);
	ck_assert_int_eq(p.data_len, 8);
	ck_assert(memcmp(p.data, "[\"a\",{}]", 8) == 0);
}
END_TEST

START_TEST(test_sio_defaults_to_root_namespace_and_no_ack)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("2[\"a\"]", &p), 0);
	ck_assert(gw_sio_nsp_is(&p, "/"));
	ck_assert_int_eq(p.ack_id, -1);
	ck_assert_int_eq(p.data_len, 5);
}
END_TEST

START_TEST(test_sio_parses_connect_with_auth)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("0/chat,{\"token\":\"x\"}", &p), 0);
	ck_assert_int_eq(p.type, GW_SIO_CONNECT);
	ck_assert(gw_sio_nsp_is(&p, "/chat"));
	ck_assert_int_eq(p.ack_id, -1);
	ck_assert_int_eq(p.data[0], '{');
}
END_TEST

START_TEST(test_sio_parses_bare_disconnect)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("1/chat,", &p), 0);
	ck_assert_int_eq(p.type, GW_SIO_DISCONNECT);
	ck_assert(gw_sio_nsp_is(&p, "/chat"));
	ck_assert_int_eq(p.data_len, 0);
	ck_assert_int_eq(parse("1/chat", &p), 0);
	ck_assert(gw_sio_nsp_is(&p, "/chat"));
}
END_TEST

START_TEST(test_sio_parses_binary_attachment_count)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("52-/chat,3[\"up\",{\"_placeholder\":true}]",
	    &p), 0);
	ck_assert_int_eq(p.type, GW_SIO_BINARY_EVENT);
	ck_assert_int_eq(p.attachments, 2);
	ck_assert_int_eq(p.ack_id, 3);
}
END_TEST

START_TEST(test_sio_rejects_bad_type)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("", &p), -1);
	ck_assert_int_eq(parse("7[]", &p), -1);
	ck_assert_int_eq(parse("x", &p), -1);
}
END_TEST

START_TEST(test_sio_rejects_binary_without_dash_or_too_many)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("5[\"a\"]", &p), -1);
	ck_assert_int_eq(parse("52[\"a\"]", &p), -1);
	ck_assert_int_eq(parse("599-[\"a\"]", &p), -1);
}
END_TEST

START_TEST(test_sio_rejects_huge_ack_id_and_keeps_none)
{
	struct gw_sio_packet p;

	ck_assert_int_eq(parse("2/chat,1234567890123[]", &p), -1);
	ck_assert_int_eq(p.ack_id, -1);
}
END_TEST

START_TEST(test_sio_rejects_overlong_namespace)
{
	struct gw_sio_packet p;
	char buf[GW_SIO_NSP_MAX + 16];

	buf[0] = '2';
	memset(buf + 1, 'a', sizeof(buf) - 2);
	buf[1] = '/';
	buf[sizeof(buf) - 1] = '\0';
	ck_assert_int_eq(parse(buf, &p), -1);
}
END_TEST

START_TEST(test_sio_keeps_ack_id_when_data_is_not_json)
{
	struct gw_sio_packet p;

	/* The parser leaves JSON to the caller, which answers on the ack. */
	ck_assert_int_eq(parse("2/chat,7not-json", &p), 0);
	ck_assert_int_eq(p.ack_id, 7);
	ck_assert_int_eq(p.data_len, 8);
}
END_TEST

Suite *
sio_suite(void)
{
	Suite *s = suite_create("sio");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_sio_parses_event_with_namespace_and_ack);
	tcase_add_test(tc, test_sio_defaults_to_root_namespace_and_no_ack);
	tcase_add_test(tc, test_sio_parses_connect_with_auth);
	tcase_add_test(tc, test_sio_parses_bare_disconnect);
	tcase_add_test(tc, test_sio_parses_binary_attachment_count);
	tcase_add_test(tc, test_sio_rejects_bad_type);
	tcase_add_test(tc, test_sio_rejects_binary_without_dash_or_too_many);
	tcase_add_test(tc, test_sio_rejects_huge_ack_id_and_keeps_none);
	tcase_add_test(tc, test_sio_rejects_overlong_namespace);
	tcase_add_test(tc, test_sio_keeps_ack_id_when_data_is_not_json);
	suite_add_tcase(s, tc);
	return (s);
}
