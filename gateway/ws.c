/*
 * RFC 6455 WebSocket on a connection, with the frame codec of
 * wsframe.c: messages are decoded straight from the connection's input
 * buffer (a frame waits there until it is whole, then is unmasked in
 * place), answered pings, the close handshake (the peer's close is
 * echoed; ours waits GW_WS_CLOSE_WAIT_S for the answer) and failing
 * the connection with 1002, 1007 or 1009.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "gw.h"
#include "log.h"
#include "stats.h"

#define GW_WS_CLOSE_WAIT_S	5

/* Writes one final frame: its header, then the parts of its payload. */
static void
ws_send_frame(struct gw_conn *c, int opcode, const struct iovec *iov,
    int n)
{
	struct iovec v[GW_WS_IOV_MAX + 1];
	uint8_t head[GW_WS_HEAD_MAX];
	size_t len = 0;
	int i;

	if (n > GW_WS_IOV_MAX)
		return;
	for (i = 0; i < n; i++) {
		len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	v[0].iov_base = head;
	v[0].iov_len = gw_ws_head(head, opcode, len);
	gw_conn_writev(c, v, n + 1);
}

static void
ws_send_close(struct gw_conn *c, uint16_t code, const char *reason)
{
	uint8_t p[125];
	size_t rlen = strlen(reason);
	struct iovec v = { p, 0 };

	if (c->ws_close_sent)
		return;
	c->ws_close_sent = 1;
	if (code != 0) {
		if (rlen > sizeof(p) - 2)
			rlen = sizeof(p) - 2;	/* may cut a character: */
		while (rlen > 0 && !gw_utf8_valid((const uint8_t *)reason,
		    rlen))
			rlen--;			/* ... back to whole ones */
		p[0] = (uint8_t)(code >> 8);
		p[1] = (uint8_t)code;
		memcpy(p + 2, reason, rlen);
		v.iov_len = 2 + rlen;
	}
	ws_send_frame(c, GW_WS_OP_CLOSE, &v, 1);
}

int
gw_ws_start(struct gw_conn *c)
{
	memset(&c->ws, 0, sizeof(c->ws));
	c->ws_open = 1;
	return (0);
}

/* Fails the connection: a close frame with code, then the end. */
static void
ws_fail(struct gw_conn *c, uint16_t code, const char *why)
{
	cm_log_info("msg=\"websocket closed\" ip=%s code=%u why=\"%s\"",
	    c->ip, code, why);
	ws_send_close(c, code, why);
	gw_conn_close(c);
}

/* One whole message from the peer. */
static void
ws_deliver(struct gw_conn *c, const struct gw_ws_msg *m)
{
	struct iovec v;

	switch (m->opcode) {
	case GW_WS_OP_TEXT:
		CM_ADD(&c->w->st->bytes_in, m->len);
		if (!c->ws_close_sent)
			gw_eio_on_text(c, (const char *)m->data, m->len);
		break;
	case GW_WS_OP_BINARY:
		CM_ADD(&c->w->st->bytes_in, m->len);
		if (!c->ws_close_sent)
			gw_eio_on_binary(c, m->data, m->len);
		break;
	case GW_WS_OP_PING:
		if (!c->ws_close_sent) {
			v.iov_base = m->data;
			v.iov_len = m->len;
			ws_send_frame(c, GW_WS_OP_PONG, &v, 1);
		}
		break;
	case GW_WS_OP_CLOSE:
		/* Echo the peer's code (none for none), then hang up. */
		c->ws_close_rcvd = 1;
		ws_send_close(c, m->close_code, "");
		gw_conn_close(c);
		break;
	default:
		break;		/* a pong, or a fragment */
	}
}

void
gw_ws_on_read(struct gw_conn *c)
{
	struct evbuffer *in;

	gw_conn_ref(c);
	while (!c->closed && c->state == GW_CONN_WS && !c->ws_close_rcvd &&
	    (in = gw_conn_input(c)) != NULL) {
		size_t avail = evbuffer_get_length(in), need;
		uint8_t head[GW_WS_HEAD_MAX], *buf;
		struct gw_ws_msg m;
		ssize_t n;

		/* First the header alone, to learn the frame's size. */
		n = evbuffer_copyout(in, head, avail < sizeof(head) ?
		    avail : sizeof(head));
		if (n < 0)
			break;
		n = gw_ws_decode(&c->ws, head, (size_t)n,
		    (size_t)c->w->cfg->max_payload, &need, &m);
		if (n == 0 && need > sizeof(head) && avail >= need) {
			buf = evbuffer_pullup(in, (ssize_t)need);
			n = gw_ws_decode(&c->ws, buf, need,
			    (size_t)c->w->cfg->max_payload, &need, &m);
		}
		if (n < 0) {
			ws_fail(c, (uint16_t)-n, -n == GW_WS_MESSAGE_TOO_BIG ?
			    "message too big" : -n == GW_WS_INVALID_PAYLOAD ?
			    "invalid UTF-8" : "protocol error");
			break;
		}
		if (n == 0)
			break;		/* the rest of the frame is to come */
		ws_deliver(c, &m);
		free(m.owned);
		/* The message may have closed the connection. */
		if (c->closed)
			break;
		evbuffer_drain(in, (size_t)n);
	}
	gw_conn_unref(c);
}

void
gw_ws_send_textv(struct gw_conn *c, const struct iovec *iov, int n)
{
	size_t len = 0;
	int i;

	if (!c->ws_open || c->closed || c->ws_close_sent)
		return;
	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	CM_ADD(&c->w->st->bytes_out, len);
	ws_send_frame(c, GW_WS_OP_TEXT, iov, n);
}

void
gw_ws_send_text(struct gw_conn *c, const char *data, size_t len)
{
	struct iovec v = { (void *)(uintptr_t)data, len };

	gw_ws_send_textv(c, &v, 1);
}

void
gw_ws_close(struct gw_conn *c, uint16_t code, const char *reason)
{
	if (!c->ws_open || c->closed || c->ws_close_sent)
		return;
	ws_send_close(c, code, reason);
	/* A peer that never answers our close is dropped after a while. */
	if (!c->closed && c->state == GW_CONN_WS)
		gw_conn_arm(c, GW_WS_CLOSE_WAIT_S * 1000);
}
