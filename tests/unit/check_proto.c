/*
 * Tests for the NNG frame codec (common/proto.c): a round trip, the
 * byte layout on the wire, and every way a frame is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "proto.h"
#include "suites.h"

/* A valid frame with org "acme" and body "{}", as raw bytes. */
static const unsigned char good_frame[] = {
	'C', 'F', CM_PROTO_VERSION, CM_MSG_EVENT,
	0x01, 0x02,			/* status 0x0102 */
	4, 0,				/* org length, reserved */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* corr */
	'a', 'c', 'm', 'e',
	'{', '}',
};

static void
frame_init(struct cm_frame *f, const char *org, const char *body)
{
	memset(f, 0, sizeof(*f));
	f->type = CM_MSG_EVENT;
	f->status = CM_ST_OK;
	f->corr = 42;
	strcpy(f->org, org);
	f->body = body;
	f->body_len = strlen(body);
}

START_TEST(test_frame_round_trips)
{
	struct cm_frame	 in, out;
	unsigned char	 buf[256];
	size_t		 n;

	frame_init(&in, "demo-org_1", "{\"event\":\"chat-message\"}");
	in.status = CM_ST_UNAVAILABLE;
	in.corr = UINT64_C(0xfedcba9876543210);
	n = cm_frame_encode(&in, buf);
	ck_assert_uint_eq(n, cm_frame_size(&in));
	ck_assert_uint_eq(n, CM_FRAME_HDR_LEN + 10 + in.body_len);
	ck_assert_int_eq(cm_frame_decode(buf, n, &out), 0);
	ck_assert_uint_eq(out.type, CM_MSG_EVENT);
	ck_assert_uint_eq(out.status, CM_ST_UNAVAILABLE);
	ck_assert(out.corr == UINT64_C(0xfedcba9876543210));
	ck_assert_str_eq(out.org, "demo-org_1");
	ck_assert_uint_eq(out.body_len, in.body_len);
	ck_assert(memcmp(out.body, in.body, in.body_len) == 0);
	ck_assert_ptr_eq(out.body, buf + CM_FRAME_HDR_LEN + 10);
}
END_TEST

START_TEST(test_frame_writes_big_endian_header)
{
	struct cm_frame	 f;
	unsigned char	 buf[64];
	size_t		 n;

	frame_init(&f, "acme", "{}");
	f.status = 0x0102;
	f.corr = UINT64_C(0x0102030405060708);
	n = cm_frame_encode(&f, buf);
	ck_assert_uint_eq(n, sizeof(good_frame));
	ck_assert(memcmp(buf, good_frame, sizeof(good_frame)) == 0);
}
END_TEST

START_TEST(test_frame_reads_big_endian_header)
{
	struct cm_frame	 f;

	ck_assert_int_eq(cm_frame_decode(good_frame, sizeof(good_frame), &f),
	    0);
	ck_assert_uint_eq(f.type, CM_MSG_EVENT);
	ck_assert_uint_eq(f.status, 0x0102);
	ck_assert(f.corr == UINT64_C(0x0102030405060708));
	ck_assert_str_eq(f.org, "acme");
	ck_assert_uint_eq(f.body_len, 2);
}
END_TEST

START_TEST(test_frame_allows_empty_org_and_body)
{
	struct cm_frame	 in, out;
	unsigned char	 buf[CM_FRAME_HDR_LEN];

	frame_init(&in, "", "");
	ck_assert_uint_eq(cm_frame_encode(&in, buf), CM_FRAME_HDR_LEN);
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &out), 0);
	ck_assert_str_eq(out.org, "");
	ck_assert_uint_eq(out.body_len, 0);
}
END_TEST

START_TEST(test_frame_allows_org_of_max_length)
{
	struct cm_frame	 in, out;
	unsigned char	 buf[CM_FRAME_HDR_LEN + CM_ORG_MAX + 2];
	size_t		 n;

	frame_init(&in, "", "{}");
	memset(in.org, 'o', CM_ORG_MAX);
	in.org[CM_ORG_MAX] = '\0';
	n = cm_frame_encode(&in, buf);
	ck_assert_uint_eq(n, sizeof(buf));
	ck_assert_int_eq(cm_frame_decode(buf, n, &out), 0);
	ck_assert_uint_eq(strlen(out.org), CM_ORG_MAX);
}
END_TEST

START_TEST(test_frame_rejects_short_buffer)
{
	struct cm_frame	 f;
	size_t		 n;

	for (n = 0; n < CM_FRAME_HDR_LEN; n++)
		ck_assert_int_eq(cm_frame_decode(good_frame, n, &f), -1);
}
END_TEST

START_TEST(test_frame_rejects_bad_magic)
{
	struct cm_frame	 f;
	unsigned char	 buf[sizeof(good_frame)];

	memcpy(buf, good_frame, sizeof(buf));
	buf[0] = 'X';
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
	memcpy(buf, good_frame, sizeof(buf));
	buf[1] = 'c';
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
}
END_TEST

START_TEST(test_frame_rejects_bad_version)
{
	struct cm_frame	 f;
	unsigned char	 buf[sizeof(good_frame)];

	memcpy(buf, good_frame, sizeof(buf));
	buf[2] = CM_PROTO_VERSION + 1;
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
	buf[2] = 0;
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
}
END_TEST

START_TEST(test_frame_rejects_org_too_long)
{
	struct cm_frame	 f;
	unsigned char	 buf[CM_FRAME_HDR_LEN + CM_ORG_MAX + 1];

	memcpy(buf, good_frame, CM_FRAME_HDR_LEN);
	memset(buf + CM_FRAME_HDR_LEN, 'o', CM_ORG_MAX + 1);
	buf[6] = CM_ORG_MAX + 1;
	ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
}
END_TEST

START_TEST(test_frame_encode_refuses_org_too_long)
{
	struct cm_frame	 f;
	unsigned char	*buf;

	frame_init(&f, "", "{}");
	memset(f.org, 'o', CM_ORG_MAX + 1);	/* fills it: no NUL */
	buf = malloc(cm_frame_size(&f));
	ck_assert_uint_eq(cm_frame_encode(&f, buf), 0);
	free(buf);
}
END_TEST

START_TEST(test_frame_rejects_org_with_control_chars)
{
	static const char	 bad[] = { ' ', '\t', '\n', 0x7f, 0x00, 0x80 };
	struct cm_frame		 f;
	unsigned char		 buf[sizeof(good_frame)];
	size_t			 i;

	for (i = 0; i < sizeof(bad); i++) {
		memcpy(buf, good_frame, sizeof(buf));
		buf[CM_FRAME_HDR_LEN + 1] = (unsigned char)bad[i];
		ck_assert_int_eq(cm_frame_decode(buf, sizeof(buf), &f), -1);
	}
}
END_TEST

START_TEST(test_frame_encode_refuses_org_with_control_chars)
{
	struct cm_frame	 f;
	unsigned char	 buf[64];

	frame_init(&f, "ac me", "{}");
	ck_assert_uint_eq(cm_frame_encode(&f, buf), 0);
	frame_init(&f, "ac\x01me", "{}");
	ck_assert_uint_eq(cm_frame_encode(&f, buf), 0);
}
END_TEST

START_TEST(test_frame_rejects_org_longer_than_buffer)
{
	struct cm_frame	 f;

	/* The header claims 4 org bytes; only 0..3 of them are there. */
	ck_assert_int_eq(cm_frame_decode(good_frame, CM_FRAME_HDR_LEN, &f),
	    -1);
	ck_assert_int_eq(cm_frame_decode(good_frame, CM_FRAME_HDR_LEN + 3,
	    &f), -1);
	/* All four: a frame with an empty body. */
	ck_assert_int_eq(cm_frame_decode(good_frame, CM_FRAME_HDR_LEN + 4,
	    &f), 0);
	ck_assert_uint_eq(f.body_len, 0);
}
END_TEST

START_TEST(test_frame_body_is_the_rest_of_the_buffer)
{
	struct cm_frame	 f;

	ck_assert_int_eq(cm_frame_decode(good_frame, sizeof(good_frame) - 1,
	    &f), 0);
	ck_assert_uint_eq(f.body_len, 1);
	ck_assert_int_eq(f.body[0], '{');
}
END_TEST

START_TEST(test_msg_type_names_cover_every_type)
{
	int	 t;

	ck_assert_str_eq(cm_msg_type_name(CM_MSG_PING), "ping");
	ck_assert_str_eq(cm_msg_type_name(CM_MSG_REST), "rest");
	for (t = CM_MSG_PING; t < CM_MSG_TYPE_MAX; t++)
		ck_assert_str_ne(cm_msg_type_name(t), "unknown");
	ck_assert_str_eq(cm_msg_type_name(0), "unknown");
	ck_assert_str_eq(cm_msg_type_name(CM_MSG_TYPE_MAX), "unknown");
	ck_assert_str_eq(cm_msg_type_name(-1), "unknown");
}
END_TEST

START_TEST(test_org_ids_are_key_safe)
{
	char long_org[CM_ORG_MAX + 2];

	ck_assert(cm_org_valid("demo"));
	ck_assert(cm_org_valid("acme-eu_1.prod"));
	ck_assert(!cm_org_valid(""));
	ck_assert(!cm_org_valid("a{b}"));
	ck_assert(!cm_org_valid("a:b"));
	ck_assert(!cm_org_valid("a b"));
	memset(long_org, 'a', sizeof(long_org) - 1);
	long_org[sizeof(long_org) - 1] = '\0';
	ck_assert(!cm_org_valid(long_org));
	long_org[CM_ORG_MAX] = '\0';
	ck_assert(cm_org_valid(long_org));
}
END_TEST

Suite *
proto_suite(void)
{
	Suite	*s = suite_create("proto");
	TCase	*tc = tcase_create("frame");

	tcase_add_test(tc, test_frame_round_trips);
	tcase_add_test(tc, test_frame_writes_big_endian_header);
	tcase_add_test(tc, test_frame_reads_big_endian_header);
	tcase_add_test(tc, test_frame_allows_empty_org_and_body);
	tcase_add_test(tc, test_frame_allows_org_of_max_length);
	tcase_add_test(tc, test_frame_rejects_short_buffer);
	tcase_add_test(tc, test_frame_rejects_bad_magic);
	tcase_add_test(tc, test_frame_rejects_bad_version);
	tcase_add_test(tc, test_frame_rejects_org_too_long);
	tcase_add_test(tc, test_frame_encode_refuses_org_too_long);
	tcase_add_test(tc, test_frame_rejects_org_with_control_chars);
	tcase_add_test(tc, test_frame_encode_refuses_org_with_control_chars);
	tcase_add_test(tc, test_frame_rejects_org_longer_than_buffer);
	tcase_add_test(tc, test_frame_body_is_the_rest_of_the_buffer);
	tcase_add_test(tc, test_msg_type_names_cover_every_type);
	tcase_add_test(tc, test_org_ids_are_key_safe);
	suite_add_tcase(s, tc);
	return (s);
}
