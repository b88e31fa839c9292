/*
 * Engine.IO v4 over a WebSocket: the open packet, the server-driven
 * heartbeat (we ping every pingInterval; no pong within pingTimeout
 * closes), and message packets, which carry Socket.IO.
 */
#include <stdio.h>
#include <string.h>

#include "gw.h"
#include "log.h"
#include "stats.h"

static void
eio_send(struct gw_conn *c, const char *packet)
{
	CM_ADD(&c->w->st->eio_out, 1);
	gw_ws_send_text(c, packet, strlen(packet));
}

/* The heartbeat and the CONNECT deadline, on the connection's timer. */
void
gw_eio_on_timer(struct gw_conn *c)
{
	const struct cm_cfg *cfg = c->w->cfg;

	if (c->ws_close_sent) {
		gw_conn_close(c);	/* the peer did not answer our close */
		return;
	}
	if ((c->sock == NULL || !c->sock->connected) &&
	    cm_mono_ms() - c->opened_ms >= cfg->connect_timeout_ms) {
		cm_log_info("msg=\"no socket.io connect in time\" ip=%s",
		    c->ip);
		gw_ws_close(c, GW_WS_POLICY_VIOLATION, "connect timeout");
		return;
	}
	if (c->awaiting_pong) {
		cm_log_info("msg=\"ping timeout\" ip=%s sid=%s", c->ip,
		    c->sock != NULL ? c->sock->sid : "-");
		gw_sio_close(c, "ping timeout");
		gw_ws_close(c, GW_WS_GOING_AWAY, "ping timeout");
		return;
	}
	eio_send(c, "2");
	c->awaiting_pong = 1;
	gw_conn_arm(c, cfg->ping_timeout_ms);
}

void
gw_eio_open(struct gw_conn *c)
{
	const struct cm_cfg *cfg = c->w->cfg;
	char id[24], open[256];

	/* The session id (not kept: only the client needs it). */
	cm_random_id(id, 20);
	snprintf(open, sizeof(open), "0{\"sid\":\"%s.%d\",\"upgrades\":[],"
	    "\"pingInterval\":%d,\"pingTimeout\":%d,\"maxPayload\":%d}",
	    id, c->w->slot, cfg->ping_interval_ms, cfg->ping_timeout_ms,
	    cfg->max_payload);
	eio_send(c, open);
	gw_conn_arm(c, cfg->ping_interval_ms < cfg->connect_timeout_ms ?
	    cfg->ping_interval_ms : cfg->connect_timeout_ms);
}

void
gw_eio_on_text(struct gw_conn *c, const char *p, size_t len)
{
	char pong[64];

	CM_ADD(&c->w->st->eio_in, 1);
	if (len == 0) {
		gw_ws_close(c, GW_WS_PROTOCOL_ERROR, "empty packet");
		return;
	}
	switch (p[0]) {
	case '4':			/* message: Socket.IO */
		gw_sio_on_packet(c, p + 1, len - 1);
		break;
	case '3':			/* pong */
		if (c->awaiting_pong) {
			c->awaiting_pong = 0;
			gw_conn_arm(c, c->w->cfg->ping_interval_ms);
		}
		break;
	case '2':			/* ping (probe): answer in kind */
		snprintf(pong, sizeof(pong), "3%.*s",
		    (int)(len - 1 < 32 ? len - 1 : 32), p + 1);
		eio_send(c, pong);
		break;
	case '1':			/* close */
		gw_sio_close(c, "client namespace disconnect");
		gw_ws_close(c, GW_WS_NORMAL_CLOSURE, "");
		break;
	case '5':			/* upgrade, noop: nothing to do */
	case '6':
		break;
	default:
		cm_log_info("msg=\"bad engine.io packet\" ip=%s type=0x%02x",
		    c->ip, (unsigned char)p[0]);
		gw_ws_close(c, GW_WS_PROTOCOL_ERROR,
		    "bad Engine.IO packet");
		break;
	}
}

void
gw_eio_on_binary(struct gw_conn *c, const uint8_t *p, size_t len)
{
	/* Attachments of a refused binary packet are dropped here. */
	if (c->skip_binary > 0) {
		c->skip_binary--;
		return;
	}
	cm_log_info("msg=\"unexpected binary message\" ip=%s len=%zu",
	    c->ip, len);
}

void
gw_eio_send_messagev(struct gw_conn *c, const struct iovec *iov, int n)
{
	struct iovec v[GW_WS_IOV_MAX];
	int i;

	if (n > GW_WS_IOV_MAX - 1)
		return;
	CM_ADD(&c->w->st->eio_out, 1);
	CM_ADD(&c->w->st->sio_out, 1);
	v[0].iov_base = (void *)(uintptr_t)"4";
	v[0].iov_len = 1;
	for (i = 0; i < n; i++)
		v[i + 1] = iov[i];
	gw_ws_send_textv(c, v, n + 1);
}

void
gw_eio_send_message(struct gw_conn *c, const char *packet, size_t len)
{
	struct iovec v = { (void *)(uintptr_t)packet, len };

	gw_eio_send_messagev(c, &v, 1);
}
