/* RFC 6455 frames, server side (see wsframe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util.h"
#include "wsframe.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Sec-WebSocket-Accept = base64(SHA1(key + GUID)). */
int
gw_ws_accept_key(const char *key, char *out, size_t outlen)
{
	unsigned char digest[SHA_DIGEST_LENGTH];
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	if (n < 0 || (size_t)n >= sizeof(buf) || outlen < 29)
		return (-1);
	SHA1((const unsigned char *)buf, (size_t)n, digest);
	EVP_EncodeBlock((unsigned char *)out, digest, sizeof(digest));
	return (0);
}

/*
 * Returns 1 if s is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF), as RFC 6455 section 8.1 requires.  ASCII,
 * most of a chat's text, goes eight bytes at a time.
 */
int
gw_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			uint64_t w;

			i++;
			while (len - i >= 8) {
				memcpy(&w, s + i, 8);
				if (w & 0x8080808080808080ULL)
					break;
				i += 8;
			}
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1; cp = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2; cp = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else
			return (0);
		if (len - i <= n)
			return (0);
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

int
gw_ws_close_code_valid(unsigned code)
{
	/* 1004-1006 and 1015 are reserved: never sent in a frame. */
	return ((code >= 1000 && code <= 1003) ||
	    (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
}

size_t
gw_ws_head(uint8_t *out, int opcode, size_t len)
{
	out[0] = 0x80 | (uint8_t)opcode;
	if (len < 126) {
		out[1] = (uint8_t)len;
		return (2);
	}
	if (len <= 0xffff) {
		out[1] = 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		return (4);
	}
	out[1] = 127;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	return (10);
}

/* XORs p with the 4-byte mask, eight bytes at a time where it can. */
static void
ws_unmask(uint8_t *p, size_t len, const uint8_t key[4])
{
	uint64_t k8, w;
	uint32_t k4;
	size_t i = 0;

	memcpy(&k4, key, 4);
	k8 = ((uint64_t)k4 << 32) | k4;
	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, 8);
		w ^= k8;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] ^= key[i & 3];
}

void
gw_ws_rx_clear(struct gw_ws_rx *rx)
{
	free(rx->frag);
	memset(rx, 0, sizeof(*rx));
}

/* Appends a fragment to the reassembly buffer. */
static void
ws_frag_add(struct gw_ws_rx *rx, const uint8_t *p, size_t len)
{
	if ((size_t)rx->frag_len + len > rx->frag_cap) {
		size_t cap = rx->frag_cap ? rx->frag_cap : 256;
		uint8_t *np;

		while (cap < (size_t)rx->frag_len + len)
			cap *= 2;
		if ((np = realloc(rx->frag, cap)) == NULL)
			abort();	/* as cm_malloc: no limping on OOM */
		rx->frag = np;
		rx->frag_cap = (uint32_t)cap;
	}
	if (len > 0)
		memcpy(rx->frag + rx->frag_len, p, len);
	rx->frag_len += (uint32_t)len;
}

ssize_t
gw_ws_decode(struct gw_ws_rx *rx, uint8_t *buf, size_t len,
    size_t max_payload, size_t *need, struct gw_ws_msg *msg)
{
	uint64_t plen;
	size_t hlen = 2, i;
	int fin, op;
	uint8_t *p;

	memset(msg, 0, sizeof(*msg));
	*need = 2;
	if (len < 2)
		return (0);
	fin = buf[0] & 0x80;
	op = buf[0] & 0x0f;
	if (buf[0] & 0x70)
		return (-GW_WS_PROTOCOL_ERROR);	/* RSV: no extensions */
	if (!(buf[1] & 0x80))
		return (-GW_WS_PROTOCOL_ERROR);	/* clients must mask */
	switch (op) {
	case GW_WS_OP_CONT:
		if (rx->frag_op == 0)
			return (-GW_WS_PROTOCOL_ERROR);
		break;
	case GW_WS_OP_TEXT:
	case GW_WS_OP_BINARY:
		if (rx->frag_op != 0)
			return (-GW_WS_PROTOCOL_ERROR);
		break;
	case GW_WS_OP_CLOSE:
	case GW_WS_OP_PING:
	case GW_WS_OP_PONG:
		if (!fin || (buf[1] & 0x7f) > 125)
			return (-GW_WS_PROTOCOL_ERROR);
		break;
	default:
		return (-GW_WS_PROTOCOL_ERROR);
	}
	plen = buf[1] & 0x7f;
	if (plen == 126)
		hlen += 2;
	else if (plen == 127)
		hlen += 8;
	hlen += 4;
	*need = hlen;
	if (len < hlen)
		return (0);
	if (plen == 126) {
		plen = (uint64_t)buf[2] << 8 | buf[3];
		if (plen < 126)
			return (-GW_WS_PROTOCOL_ERROR);	/* not minimal */
	} else if (plen == 127) {
		plen = 0;
		for (i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		if (plen >> 63)
			return (-GW_WS_PROTOCOL_ERROR);
		if (plen <= 0xffff)
			return (-GW_WS_PROTOCOL_ERROR);	/* not minimal */
	}
	/* The limit holds for a message whole or reassembled. */
	if (plen > max_payload || (op == GW_WS_OP_CONT &&
	    plen + rx->frag_len > max_payload))
		return (-GW_WS_MESSAGE_TOO_BIG);
	*need = hlen + (size_t)plen;
	if (len < *need)
		return (0);

	p = buf + hlen;
	ws_unmask(p, (size_t)plen, buf + hlen - 4);
	if (op >= GW_WS_OP_CLOSE) {
		msg->opcode = op;
		msg->data = p;
		msg->len = (size_t)plen;
		if (op == GW_WS_OP_CLOSE && plen > 0) {
			if (plen == 1)
				return (-GW_WS_PROTOCOL_ERROR);
			msg->close_code = (uint16_t)(p[0] << 8 | p[1]);
			if (!gw_ws_close_code_valid(msg->close_code))
				return (-GW_WS_PROTOCOL_ERROR);
			if (!gw_utf8_valid(p + 2, (size_t)plen - 2))
				return (-GW_WS_INVALID_PAYLOAD);
		}
		return ((ssize_t)*need);
	}
	if (op != GW_WS_OP_CONT && fin) {
		/* A whole message in one frame: no copy. */
		msg->opcode = op;
		msg->data = p;
		msg->len = (size_t)plen;
	} else {
		if (op != GW_WS_OP_CONT)
			rx->frag_op = (uint8_t)op;
		ws_frag_add(rx, p, (size_t)plen);
		if (!fin)
			return ((ssize_t)*need);
		msg->opcode = rx->frag_op;
		msg->data = msg->owned = rx->frag;
		msg->len = rx->frag_len;
		if (msg->data == NULL)		/* fragments all empty */
			msg->data = p;
		rx->frag = NULL;
		rx->frag_len = rx->frag_cap = 0;
		rx->frag_op = 0;
	}
	if (msg->opcode == GW_WS_OP_TEXT && !gw_utf8_valid(msg->data,
	    msg->len)) {
		free(msg->owned);
		msg->owned = NULL;
		return (-GW_WS_INVALID_PAYLOAD);
	}
	return ((ssize_t)*need);
}
