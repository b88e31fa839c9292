/*
 * A client connection: a bufferevent that starts as HTTP/1.1 and may
 * become a WebSocket.  Connections are reference counted so that a
 * service reply arriving after the client left finds a closed, still
 * valid object; the memory goes when the last reference does.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include "gw.h"
#include "http.h"
#include "stats.h"
#include "log.h"

/* A peer that reads slower than this much pending output is dropped. */
#define GW_MAX_OUTPUT	(8 * 1024 * 1024)
/* A closing connection gets this long to take its last bytes. */
#define GW_FLUSH_TIMEOUT_S	5

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct gw_conn *c = arg;

	if (c->closed)
		return;
	switch (c->state) {
	case GW_CONN_HTTP:
		gw_http_on_read(c);
		break;
	case GW_CONN_WS:
		gw_ws_on_read(c);
		break;
	default:
		break;
	}
}

/* Output drained: a closing connection can go now. */
static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct gw_conn *c = arg;

	if (c->state == GW_CONN_CLOSING)
		gw_conn_close(c);
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_conn *c = arg;

	if (what == BEV_EVENT_CONNECTED)
		return;		/* the TLS handshake is done */
	if (what & BEV_EVENT_TIMEOUT)
		cm_log_info("msg=\"flush timeout\" ip=%s", c->ip);
	/* EOF, error or timeout: nothing more can be read or written. */
	gw_conn_abort(c);
}

/*
 * The connection's one timer: the deadline for a whole request while
 * reading HTTP (http_header_timeout_ms, against slowloris; an idle
 * keep-alive connection is closed quietly), Engine.IO's heartbeat once
 * it is a WebSocket.
 */
static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_conn *c = arg;

	if (c->closed)
		return;
	if (c->state == GW_CONN_HTTP && c->req->fed == 0) {
		gw_conn_abort(c);	/* idle keep-alive: nothing to answer */
	} else if (c->state == GW_CONN_HTTP) {
		cm_log_info("msg=\"request timeout\" ip=%s", c->ip);
		gw_http_respond_error(c, 408, "TIMEOUT",
		    "the request did not arrive in time");
	} else if (c->state == GW_CONN_WS)
		gw_eio_on_timer(c);
}

void
gw_conn_arm(struct gw_conn *c, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

struct gw_conn *
gw_conn_new(struct gw_worker *w, int fd, const char *ip)
{
	struct gw_conn *c = cm_calloc(1, sizeof(*c));

	c->w = w;
	c->refs = 1;
	c->state = GW_CONN_HTTP;
	c->opened_ms = cm_mono_ms();
	cm_strlcpy(c->ip, ip, sizeof(c->ip));
	if (w->ssl_ctx != NULL) {
		SSL *ssl = SSL_new(w->ssl_ctx);

		c->bev = ssl == NULL ? NULL : bufferevent_openssl_socket_new(
		    w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		    BEV_OPT_CLOSE_ON_FREE);
	} else
		c->bev = bufferevent_socket_new(w->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		free(c);
		return (NULL);
	}
	c->req = gw_http_req_new();
	c->req->max_head = (size_t)w->cfg->http_max_header_bytes;
	c->req->max_body = (size_t)w->cfg->http_max_body_bytes;
	c->timer = evtimer_new(w->base, conn_timer_cb, c);
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	/* The whole request head must arrive in time (slowloris). */
	gw_conn_arm(c, w->cfg->http_header_timeout_ms);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&w->conns, c, entry);
	w->nconns++;
	CM_ADD(&w->st->connections, 1);
	return (c);
}

void
gw_conn_ref(struct gw_conn *c)
{
	c->refs++;
}

void
gw_conn_unref(struct gw_conn *c)
{
	if (--c->refs > 0)
		return;
	free(c);
}

void
gw_conn_write(struct gw_conn *c, const void *data, size_t len)
{
	struct evbuffer *out;

	if (c->closed || c->bev == NULL)
		return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) + len > GW_MAX_OUTPUT) {
		cm_log_warn("msg=\"slow client dropped\" ip=%s pending=%zu",
		    c->ip, evbuffer_get_length(out));
		gw_conn_abort(c);
		return;
	}
	evbuffer_add(out, data, len);
}

/* Releases everything but the struct itself, dropping unsent output. */
void
gw_conn_abort(struct gw_conn *c)
{
	struct gw_worker *w = c->w;

	if (c->closed)
		return;
	c->closed = 1;
	gw_sio_close(c, "transport close");
	if (c->timer != NULL) {
		event_free(c->timer);
		c->timer = NULL;
	}
	if (c->ws != NULL) {
		wslay_event_context_free(c->ws);
		c->ws = NULL;
	}
	gw_http_req_free(c->req);
	c->req = NULL;
	bufferevent_free(c->bev);
	c->bev = NULL;
	TAILQ_REMOVE(&w->conns, c, entry);
	w->nconns--;
	gw_ip_release(w->ips, c->ip);
	CM_ADD(&w->st->connections, -1);
	gw_conn_unref(c);
}

void
gw_conn_close(struct gw_conn *c)
{
	if (c->closed)
		return;
	if (c->bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		/* Flush first; conn_writecb comes back here when done. */
		struct timeval flush_tv = { GW_FLUSH_TIMEOUT_S, 0 };

		c->state = GW_CONN_CLOSING;
		bufferevent_disable(c->bev, EV_READ);
		bufferevent_set_timeouts(c->bev, NULL, &flush_tv);
		evtimer_del(c->timer);
		return;
	}
	gw_conn_abort(c);
}
