/*
 * Tests for the gateway's WebSocket codec (gateway/wsframe.c): the
 * handshake accept key, UTF-8 validation, and RFC 6455 frames.
 */
#include <stdlib.h>
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

/* Builds a masked client frame into out; returns its length. */
static size_t
client_frame(uint8_t *out, int b0, const char *payload, size_t len)
{
	static const uint8_t key[4] = { 0x37, 0xfa, 0x21, 0x3d };
	size_t h = 0, i;

	out[h++] = (uint8_t)b0;
	if (len < 126)
		out[h++] = 0x80 | (uint8_t)len;
	else if (len <= 0xffff) {
		out[h++] = 0x80 | 126;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[h++] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(out + h, key, 4);
	h += 4;
	for (i = 0; i < len; i++)
		out[h + i] = (uint8_t)payload[i] ^ key[i & 3];
	return (h + len);
}

START_TEST(test_ws_decode_masked_text_in_place)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	uint8_t f[64];
	size_t n = client_frame(f, 0x81, "Hello", 5), need;

	/* RFC 6455 5.7: a masked "Hello". */
	ck_assert_int_eq(n, 11);
	ck_assert_int_eq(f[2], 0x37);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), 11);
	ck_assert_int_eq(m.opcode, GW_WS_OP_TEXT);
	ck_assert_int_eq(m.len, 5);
	ck_assert(memcmp(m.data, "Hello", 5) == 0);
	ck_assert_ptr_null(m.owned);
}
END_TEST

START_TEST(test_ws_decode_waits_for_whole_frame)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	uint8_t f[400];
	char text[300];
	size_t n, need, i;

	memset(text, 'x', sizeof(text));
	n = client_frame(f, 0x81, text, sizeof(text));
	ck_assert_int_eq(gw_ws_decode(&rx, f, 1, 1000, &need, &m), 0);
	ck_assert_int_eq(need, 2);
	ck_assert_int_eq(gw_ws_decode(&rx, f, 3, 1000, &need, &m), 0);
	ck_assert_int_eq(need, 8);		/* 2 + 2 (length) + 4 */
	for (i = 8; i < n; i += 37) {
		ck_assert_int_eq(gw_ws_decode(&rx, f, i, 1000, &need, &m), 0);
		ck_assert_int_eq(need, n);
	}
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 1000, &need, &m), n);
	ck_assert_int_eq(m.len, sizeof(text));
	ck_assert(memcmp(m.data, text, sizeof(text)) == 0);
}
END_TEST

START_TEST(test_ws_decode_reassembles_fragments_with_control_between)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	uint8_t f[64];
	size_t n, need;

	n = client_frame(f, 0x01, "Hel", 3);		/* TEXT, not final */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, 0);
	n = client_frame(f, 0x89, "p", 1);		/* PING between */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, GW_WS_OP_PING);
	n = client_frame(f, 0x00, "l", 1);		/* CONT */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, 0);
	n = client_frame(f, 0x80, "o", 1);		/* CONT, final */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, GW_WS_OP_TEXT);
	ck_assert_int_eq(m.len, 5);
	ck_assert(memcmp(m.data, "Hello", 5) == 0);
	ck_assert_ptr_nonnull(m.owned);
	free(m.owned);
	ck_assert_ptr_null(rx.frag);
	ck_assert_int_eq(rx.frag_op, 0);
}
END_TEST

START_TEST(test_ws_decode_protocol_errors)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	uint8_t f[300];
	char big[200];
	size_t n, need;

	memset(big, 'a', sizeof(big));
	/* Unmasked client frame. */
	f[0] = 0x81; f[1] = 0x01; f[2] = 'a';
	ck_assert_int_eq(gw_ws_decode(&rx, f, 3, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	/* RSV1 without an extension. */
	n = client_frame(f, 0xc1, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	/* Reserved opcodes. */
	n = client_frame(f, 0x83, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	n = client_frame(f, 0x8b, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	/* A continuation with nothing to continue. */
	n = client_frame(f, 0x80, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	/* A fragmented ping; a ping over 125 bytes. */
	n = client_frame(f, 0x09, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	n = client_frame(f, 0x89, big, 126);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 1000, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	/* A new message inside a fragmented one. */
	n = client_frame(f, 0x01, "a", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	n = client_frame(f, 0x81, "b", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	gw_ws_rx_clear(&rx);
	/* A close frame with a 1-byte body, a reserved code. */
	n = client_frame(f, 0x88, "\x03", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	n = client_frame(f, 0x88, "\x03\xed", 2);	/* 1005 */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_ws_decode_limits_and_utf8)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	uint8_t f[300];
	char big[200];
	size_t n, need;

	memset(big, 'a', sizeof(big));
	/* Over max_payload: refused from the header alone. */
	n = client_frame(f, 0x81, big, 150);
	ck_assert_int_eq(gw_ws_decode(&rx, f, 8, 100, &need, &m),
	    -GW_WS_MESSAGE_TOO_BIG);
	/* Reassembled over max_payload. */
	n = client_frame(f, 0x01, big, 60);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	n = client_frame(f, 0x80, big, 60);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_MESSAGE_TOO_BIG);
	gw_ws_rx_clear(&rx);
	/* Invalid UTF-8: whole, reassembled, in a close reason. */
	n = client_frame(f, 0x81, "a\xc3", 2);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_INVALID_PAYLOAD);
	n = client_frame(f, 0x01, "\xc3", 1);	/* split é: fine */
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	n = client_frame(f, 0x80, "\xa9", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.len, 2);
	free(m.owned);
	n = client_frame(f, 0x88, "\x03\xe8\xff", 3);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m),
	    -GW_WS_INVALID_PAYLOAD);
	/* A valid close: its code comes back. */
	n = client_frame(f, 0x88, "\x03\xe8" "bye", 5);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, GW_WS_OP_CLOSE);
	ck_assert_int_eq(m.close_code, 1000);
	/* Binary is not checked for UTF-8. */
	n = client_frame(f, 0x82, "\xff", 1);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, 100, &need, &m), n);
	ck_assert_int_eq(m.opcode, GW_WS_OP_BINARY);
}
END_TEST

START_TEST(test_ws_decode_16_and_64_bit_lengths)
{
	struct gw_ws_rx rx = { 0 };
	struct gw_ws_msg m;
	size_t n, need, len = 70000;
	uint8_t *f = malloc(len + 14);
	char *text = malloc(len);

	memset(text, 'z', len);
	n = client_frame(f, 0x82, text, len);
	ck_assert_int_eq(n, len + 14);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, len, &need, &m), n);
	ck_assert_int_eq(m.len, len);
	ck_assert(memcmp(m.data, text, len) == 0);
	ck_assert_int_eq(gw_ws_decode(&rx, f, n, len - 1, &need, &m),
	    -GW_WS_MESSAGE_TOO_BIG);
	/* A 16-bit length that would fit in 7 bits is not minimal. */
	f[0] = 0x81; f[1] = 0x80 | 126; f[2] = 0; f[3] = 5;
	ck_assert_int_eq(gw_ws_decode(&rx, f, 13, 100, &need, &m),
	    -GW_WS_PROTOCOL_ERROR);
	free(f);
	free(text);
}
END_TEST

START_TEST(test_ws_head_encodes_lengths)
{
	uint8_t h[GW_WS_HEAD_MAX];

	ck_assert_int_eq(gw_ws_head(h, GW_WS_OP_TEXT, 5), 2);
	ck_assert_int_eq(h[0], 0x81);
	ck_assert_int_eq(h[1], 5);
	ck_assert_int_eq(gw_ws_head(h, GW_WS_OP_TEXT, 126), 4);
	ck_assert_int_eq(h[1], 126);
	ck_assert_int_eq(h[2], 0);
	ck_assert_int_eq(h[3], 126);
	ck_assert_int_eq(gw_ws_head(h, GW_WS_OP_CLOSE, 65536), 10);
	ck_assert_int_eq(h[0], 0x88);
	ck_assert_int_eq(h[1], 127);
	ck_assert_int_eq(h[7], 1);
	ck_assert_int_eq(h[9], 0);
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
	tcase_add_test(tc, test_ws_decode_masked_text_in_place);
	tcase_add_test(tc, test_ws_decode_waits_for_whole_frame);
	tcase_add_test(tc, test_ws_decode_reassembles_fragments_with_control_between);
	tcase_add_test(tc, test_ws_decode_protocol_errors);
	tcase_add_test(tc, test_ws_decode_limits_and_utf8);
	tcase_add_test(tc, test_ws_decode_16_and_64_bit_lengths);
	tcase_add_test(tc, test_ws_head_encodes_lengths);
	suite_add_tcase(s, tc);
	return (s);
}
