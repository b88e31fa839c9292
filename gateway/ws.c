/*
 * RFC 6455 WebSocket on a connection, through wslay's event API, which
 * does framing, fragment reassembly, masking checks, ping/pong, the
 * close handshake and the message size limit (1009 above max_payload).
 * What wslay leaves to us: the opening handshake's accept key and the
 * UTF-8 validation of text messages (1007).
 */
#include <string.h>

#include <event2/buffer.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "gw.h"
#include "log.h"
#include "stats.h"

#define GW_WS_CLOSE_WAIT_S	5
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
 * nothing above U+10FFFF), as RFC 6455 section 8.1 requires.
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
			i++;
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

static ssize_t
ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
    void *arg)
{
	struct gw_conn *c = arg;
	int n;

	n = evbuffer_remove(bufferevent_get_input(c->bev), buf, len);
	if (n <= 0) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return (-1);
	}
	return (n);
}

static ssize_t
ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len,
    int flags, void *arg)
{
	struct gw_conn *c = arg;

	gw_conn_write(c, data, len);
	return ((ssize_t)len);
}

static void
ws_msg_cb(wslay_event_context_ptr ctx,
    const struct wslay_event_on_msg_recv_arg *m, void *arg)
{
	struct gw_conn *c = arg;

	if (c->closed)
		return;
	CM_ADD(&c->w->st->bytes_in, m->msg_length);
	switch (m->opcode) {
	case WSLAY_TEXT_FRAME:
		if (!gw_utf8_valid(m->msg, m->msg_length)) {
			gw_ws_close(c, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA,
			    "invalid UTF-8");
			return;
		}
		gw_eio_on_text(c, (const char *)m->msg, m->msg_length);
		break;
	case WSLAY_BINARY_FRAME:
		gw_eio_on_binary(c, m->msg, m->msg_length);
		break;
	default:
		break;		/* ping, pong and close: wslay answers */
	}
}

int
gw_ws_start(struct gw_conn *c)
{
	static const struct wslay_event_callbacks cbs = {
		.recv_callback = ws_recv_cb,
		.send_callback = ws_send_cb,
		.on_msg_recv_callback = ws_msg_cb,
	};

	if (wslay_event_context_server_init(&c->ws, &cbs, c) != 0)
		return (-1);
	wslay_event_config_set_max_recv_msg_length(c->ws,
	    (uint64_t)c->w->cfg->max_payload);
	return (0);
}

/* Sends what wslay has queued; closes the connection when it is done. */
static void
ws_flush(struct gw_conn *c)
{
	if (c->ws == NULL || c->closed)
		return;
	if (wslay_event_send(c->ws) != 0) {
		gw_conn_close(c);
		return;
	}
	if (!wslay_event_want_read(c->ws) && !wslay_event_want_write(c->ws))
		gw_conn_close(c);
}

void
gw_ws_on_read(struct gw_conn *c)
{
	int rv;

	gw_conn_ref(c);
	rv = wslay_event_recv(c->ws);
	if (rv != 0 && !c->closed) {
		cm_log_info("msg=\"websocket read failed\" ip=%s rv=%d",
		    c->ip, rv);
		gw_conn_close(c);
	}
	ws_flush(c);
	gw_conn_unref(c);
}

void
gw_ws_send_text(struct gw_conn *c, const char *data, size_t len)
{
	struct wslay_event_msg msg = {
		.opcode = WSLAY_TEXT_FRAME,
		.msg = (const uint8_t *)data,
		.msg_length = len,
	};

	if (c->ws == NULL || c->closed)
		return;
	if (wslay_event_queue_msg(c->ws, &msg) != 0)
		return;		/* closing: wslay refuses new messages */
	CM_ADD(&c->w->st->bytes_out, len);
	ws_flush(c);
}

void
gw_ws_close(struct gw_conn *c, uint16_t code, const char *reason)
{
	if (c->ws == NULL || c->closed)
		return;
	wslay_event_queue_close(c->ws, code, (const uint8_t *)reason,
	    strlen(reason));
	ws_flush(c);
	/* A peer that never answers our close is dropped after a while. */
	if (!c->closed && c->timer != NULL) {
		struct timeval tv = { GW_WS_CLOSE_WAIT_S, 0 };

		evtimer_add(c->timer, &tv);
	}
}
