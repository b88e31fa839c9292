/*
 * libFuzzer target: the gateway's WebSocket frame decoder
 * (gateway/wsframe.c), fed a stream of client bytes the way ws.c feeds
 * it: the header first, then the whole frame once it is there.  Every
 * message it hands over must lie inside the input or its own buffer,
 * and a text message must be valid UTF-8.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsframe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct gw_ws_rx rx = { 0 };
	uint8_t *buf;
	size_t off = 0, max = 4096;

	if (len > 0) {
		max = 16u << (data[0] & 15);	/* 16 B .. 512 KiB */
		data++;
		len--;
	}
	buf = malloc(len ? len : 1);
	memcpy(buf, data, len);
	while (off < len) {
		struct gw_ws_msg m;
		uint8_t head[GW_WS_HEAD_MAX];
		size_t avail = len - off, need, h;
		ssize_t n;

		h = avail < sizeof(head) ? avail : sizeof(head);
		memcpy(head, buf + off, h);
		n = gw_ws_decode(&rx, head, h, max, &need, &m);
		if (n == 0 && need > sizeof(head) && avail >= need)
			n = gw_ws_decode(&rx, buf + off, need, max, &need, &m);
		if (n <= 0)
			break;
		if ((size_t)n > avail)
			__builtin_trap();
		if (m.opcode != 0 && m.len > max)
			__builtin_trap();
		if (m.opcode == GW_WS_OP_TEXT && !gw_utf8_valid(m.data, m.len))
			__builtin_trap();
		if (m.len > 0)
			(void)((volatile uint8_t *)m.data)[m.len - 1];
		free(m.owned);
		off += (size_t)n;
	}
	gw_ws_rx_clear(&rx);
	free(buf);
	return (0);
}
