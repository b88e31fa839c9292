/* The Engine.IO v4 handshake over a WebSocket upgrade (RFC 6455 4.2). */
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "gw.h"
#include "handshake.h"
#include "http.h"
#include "log.h"

/* Engine.IO's error codes for a refused handshake. */
enum {
	EIO_ERR_TRANSPORT_UNKNOWN = 0,
	EIO_ERR_SESSION_UNKNOWN = 1,
	EIO_ERR_BAD_REQUEST = 3,
	EIO_ERR_UNSUPPORTED_VERSION = 5,
};

static void
eio_refuse(struct gw_conn *c, int code, const char *message)
{
	struct cm_buf b = { 0 };

	cm_buf_printf(&b, "{\"code\":%d,\"message\":", code);
	cm_buf_json_str(&b, message);
	cm_buf_puts(&b, "}");
	gw_http_respond(c, 400, b.data, 1);
	cm_buf_free(&b);
}

void
gw_handshake(struct gw_conn *c)
{
	struct gw_http_req *r = c->req;
	char val[64], accept[32];
	struct cm_buf b = { 0 };

	if (gw_http_query_param(r->url.data, "EIO", val, sizeof(val)) == -1 ||
	    strcmp(val, "4") != 0) {
		eio_refuse(c, EIO_ERR_UNSUPPORTED_VERSION,
		    "Unsupported protocol version: EIO=4 is required");
		return;
	}
	if (gw_http_query_param(r->url.data, "transport", val,
	    sizeof(val)) == -1 || strcmp(val, "websocket") != 0) {
		eio_refuse(c, EIO_ERR_TRANSPORT_UNKNOWN, "Transport unknown: "
		    "confab serves the websocket transport only "
		    "(transports: [\"websocket\"])");
		return;
	}
	if (gw_http_query_param(r->url.data, "sid", val, sizeof(val)) == 0) {
		eio_refuse(c, EIO_ERR_SESSION_UNKNOWN, "Session ID unknown");
		return;
	}
	if (r->parser.method != HTTP_GET || !r->parser.upgrade ||
	    r->upgrade == NULL || strcasecmp(r->upgrade, "websocket") != 0 ||
	    r->ws_key == NULL || strlen(r->ws_key) != 24) {
		eio_refuse(c, EIO_ERR_BAD_REQUEST,
		    "Bad request: a WebSocket upgrade is expected");
		return;
	}
	if (r->ws_version == NULL || strcmp(r->ws_version, "13") != 0) {
		static const char resp[] = "HTTP/1.1 426 Upgrade Required\r\n"
		    "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n";

		gw_conn_write(c, resp, sizeof(resp) - 1);
		gw_conn_close(c);
		return;
	}
	if (gw_ws_accept_key(r->ws_key, accept, sizeof(accept)) == -1 ||
	    gw_ws_start(c) == -1) {
		gw_http_respond_error(c, 500, "INTERNAL", "handshake failed");
		return;
	}
	cm_buf_printf(&b, "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	gw_conn_write(c, b.data, b.len);
	cm_buf_free(&b);

	/*
	 * From here on the connection speaks WebSocket.  Of the HTTP
	 * request only the User-Agent is kept, for the socket's open
	 * notice.
	 */
	c->user_agent = r->user_agent;
	r->user_agent = NULL;
	gw_http_req_free(r);
	c->req = NULL;
	c->state = GW_CONN_WS;
	gw_eio_open(c);
	if (gw_conn_input(c) != NULL)
		gw_ws_on_read(c);
}
