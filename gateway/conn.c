/*
 * A client connection: a socket that starts as HTTP/1.1 and may become
 * a WebSocket.  One event per connection watches the socket: EV_READ
 * while reading, EV_WRITE too only while output waits for the kernel.
 * Writes go out at once (write-through); the input and output buffers
 * are allocated only while they hold bytes, so an idle WebSocket keeps
 * none.  Bytes are read into the worker's shared buffer and move into
 * the connection's own only if a partial request or frame is left over.
 *
 * Connections are reference counted so that a service reply arriving
 * after the client left finds a closed, still valid object; the memory
 * goes when the last reference does.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "gw.h"
#include "http.h"
#include "stats.h"
#include "log.h"

/* A peer that reads slower than this much pending output is dropped. */
#define GW_MAX_OUTPUT	(8 * 1024 * 1024)
/* A closing connection gets this long to take its last bytes. */
#define GW_FLUSH_TIMEOUT_MS	5000
/* Bytes read from one connection per turn of the loop, at most. */
#define GW_READ_MAX	(256 * 1024)
#define GW_READ_CHUNK	16384

/* The worker's input buffer while a connection's bytes are handled. */
static struct evbuffer *conn_rbuf;

static void	conn_io_cb(evutil_socket_t, short, void *);

static int
conn_fd(const struct gw_conn *c)
{
	return (event_get_fd(&c->io));
}

/* Watches the socket for what the connection needs now. */
static void
conn_update_io(struct gw_conn *c)
{
	short want = 0;

	if (c->closed)
		return;
	if (c->reading)
		want |= EV_READ;
	if (c->out != NULL || c->io_failed)
		want |= EV_WRITE;
	if (event_pending(&c->io, EV_READ | EV_WRITE, NULL) ?
	    (event_get_events(&c->io) & (EV_READ | EV_WRITE)) == want :
	    want == 0)
		return;
	event_del(&c->io);
	event_assign(&c->io, c->w->base, conn_fd(c), want | EV_PERSIST,
	    conn_io_cb, c);
	if (want != 0)
		event_add(&c->io, NULL);
}

/* Closes on the next turn of the loop (never under a caller's feet). */
static void
conn_fail_later(struct gw_conn *c)
{
	if (c->io_failed)
		return;
	c->io_failed = 1;
	if (c->out != NULL) {
		evbuffer_free(c->out);
		c->out = NULL;
	}
	conn_update_io(c);
	event_active(&c->io, EV_WRITE, 0);
}

/* OpenSSL's verdict on an I/O call: 0 to wait, -1 for an error. */
static int
conn_ssl_wait(struct gw_conn *c, int rv, int *want_write)
{
	switch (SSL_get_error(c->ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		return (0);
	case SSL_ERROR_WANT_WRITE:
		*want_write = 1;
		return (0);
	default:
		ERR_clear_error();
		return (-1);
	}
}

/*
 * Writes what it can of the parts; returns the bytes written, or -1
 * for a dead connection.  *blocked is set when the kernel took less.
 */
static ssize_t
conn_send(struct gw_conn *c, const struct iovec *iov, int n, int *blocked)
{
	ssize_t sent = 0, rv;
	int i, ww = 0;

	if (c->ssl == NULL) {
		struct msghdr mh = { .msg_iov = (struct iovec *)iov,
		    .msg_iovlen = (size_t)n };

		do
			rv = sendmsg(conn_fd(c), &mh, MSG_NOSIGNAL);
		while (rv == -1 && errno == EINTR);
		if (rv >= 0)
			return (rv);
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*blocked = 1;
			return (0);
		}
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		rv = SSL_write(c->ssl, iov[i].iov_base, (int)iov[i].iov_len);
		if (rv <= 0) {
			if (conn_ssl_wait(c, (int)rv, &ww) == -1)
				return (-1);
			*blocked = 1;
			return (sent);
		}
		sent += rv;
		if ((size_t)rv < iov[i].iov_len) {
			*blocked = 1;
			return (sent);
		}
	}
	return (sent);
}

/* Writes pending output; the buffer goes once it is empty. */
static void
conn_flush(struct gw_conn *c)
{
	while (c->out != NULL && !c->io_failed) {
		struct evbuffer_iovec v[16];
		int n = evbuffer_peek(c->out, -1, NULL, v, 16), blocked = 0;
		ssize_t rv;

		if (n > 16)
			n = 16;
		rv = conn_send(c, (struct iovec *)v, n, &blocked);
		if (rv < 0) {
			conn_fail_later(c);
			return;
		}
		evbuffer_drain(c->out, (size_t)rv);
		if (evbuffer_get_length(c->out) == 0) {
			evbuffer_free(c->out);
			c->out = NULL;
		}
		if (blocked)
			break;
	}
	conn_update_io(c);
	if (c->out == NULL && c->state == GW_CONN_CLOSING)
		gw_conn_close(c);
}

void
gw_conn_writev(struct gw_conn *c, const struct iovec *iov, int n)
{
	size_t total = 0, off;
	ssize_t rv = 0;
	int i, blocked = 0;

	if (c->closed || c->io_failed)
		return;
	for (i = 0; i < n; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return;
	if (c->out == NULL) {
		/* Nothing queued: straight to the kernel. */
		rv = conn_send(c, iov, n, &blocked);
		if (rv < 0) {
			conn_fail_later(c);
			return;
		}
		if ((size_t)rv == total)
			return;
		c->out = evbuffer_new();
	} else if (evbuffer_get_length(c->out) + total > GW_MAX_OUTPUT) {
		cm_log_warn("msg=\"slow client dropped\" ip=%s pending=%zu",
		    c->ip, evbuffer_get_length(c->out));
		conn_fail_later(c);
		return;
	}
	/* Queue what the kernel did not take. */
	for (i = 0, off = (size_t)rv; i < n; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		evbuffer_add(c->out, (const char *)iov[i].iov_base + off,
		    iov[i].iov_len - off);
		off = 0;
	}
	conn_update_io(c);
}

void
gw_conn_write(struct gw_conn *c, const void *data, size_t len)
{
	struct iovec v = { (void *)(uintptr_t)data, len };

	gw_conn_writev(c, &v, 1);
}

struct evbuffer *
gw_conn_input(struct gw_conn *c)
{
	if (c->in == NULL || evbuffer_get_length(c->in) == 0)
		return (NULL);
	return (c->in);
}

void
gw_conn_set_reading(struct gw_conn *c, int on)
{
	c->reading = on != 0;
	conn_update_io(c);
}

/* Hands the bytes read to the state's reader. */
static void
conn_dispatch(struct gw_conn *c)
{
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

/*
 * Reads what the socket has (into the connection's buffer if it keeps
 * a partial request, else the worker's), then hands it over.  Returns
 * -1 when the peer is gone.
 */
static int
conn_read(struct gw_conn *c)
{
	struct evbuffer *buf;
	size_t total = 0;
	int eof = 0, ww = 0;

	if (conn_rbuf == NULL)
		conn_rbuf = evbuffer_new();
	buf = c->in != NULL ? c->in : conn_rbuf;
	while (total < GW_READ_MAX) {
		struct evbuffer_iovec v;
		ssize_t n;

		if (evbuffer_reserve_space(buf, GW_READ_CHUNK, &v, 1) < 1)
			return (-1);
		if (c->ssl != NULL) {
			n = SSL_read(c->ssl, v.iov_base, (int)v.iov_len);
			if (n <= 0) {
				if (SSL_get_error(c->ssl, (int)n) ==
				    SSL_ERROR_ZERO_RETURN)
					eof = 1;
				else if (conn_ssl_wait(c, (int)n, &ww) == -1)
					eof = 1;
				n = 0;
			}
		} else {
			do
				n = read(conn_fd(c), v.iov_base, v.iov_len);
			while (n == -1 && errno == EINTR);
			if (n == 0)
				eof = 1;
			else if (n < 0) {
				if (errno != EAGAIN && errno != EWOULDBLOCK)
					eof = 1;
				n = 0;
			}
		}
		v.iov_len = (size_t)n;
		evbuffer_commit_space(buf, &v, 1);
		total += (size_t)n;
		/* Plain TCP: a short read drained the socket. */
		if (n == 0 || (c->ssl == NULL && (size_t)n < GW_READ_CHUNK))
			break;
	}
	if (ww && c->out == NULL)
		c->out = evbuffer_new();	/* the handshake wants out */
	if (total > 0) {
		if (buf == conn_rbuf)
			c->in = conn_rbuf;	/* lent while handled */
		conn_dispatch(c);
		if (buf == conn_rbuf) {
			/* A partial request or frame: it keeps its bytes. */
			if (!c->closed && evbuffer_get_length(conn_rbuf) > 0) {
				c->in = evbuffer_new();
				evbuffer_add_buffer(c->in, conn_rbuf);
			} else if (c->in == conn_rbuf)
				c->in = NULL;
			evbuffer_drain(conn_rbuf,
			    evbuffer_get_length(conn_rbuf));
		} else if (!c->closed && c->in != NULL &&
		    evbuffer_get_length(c->in) == 0) {
			evbuffer_free(c->in);
			c->in = NULL;
		}
	}
	if (total >= GW_READ_MAX && !c->closed)
		event_active(&c->io, EV_READ, 0);	/* more, next turn */
	return (eof ? -1 : 0);
}

static void
conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_conn *c = arg;

	gw_conn_ref(c);
	if (c->io_failed) {
		gw_conn_abort(c);
		goto out;
	}
	if ((what & EV_WRITE) || (c->ssl != NULL && c->out != NULL))
		conn_flush(c);
	/* TLS: a read may have waited for the socket to take a write. */
	if (!c->closed && ((what & EV_READ) || (c->ssl != NULL &&
	    c->reading)) && conn_read(c) == -1) {
		/* EOF or error: nothing more can be read or written. */
		gw_conn_abort(c);
	}
out:
	gw_conn_unref(c);
}

/*
 * The connection's one timer: the deadline for a whole request while
 * reading HTTP (http_header_timeout_ms, against slowloris; an idle
 * keep-alive connection is closed quietly), Engine.IO's heartbeat once
 * it is a WebSocket, the flush deadline while closing.
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
	else if (c->state == GW_CONN_CLOSING) {
		cm_log_info("msg=\"flush timeout\" ip=%s", c->ip);
		gw_conn_abort(c);
	}
}

/*
 * Connection timers, without an event (128 bytes) per connection: one
 * queue per duration (a worker uses a handful: the header timeout, the
 * ping interval and timeout, the close and flush waits).  With one
 * duration, deadlines come in the order the timers were armed, so a
 * queue is a list appended at the tail, and one libevent timer per
 * queue waits for its head.
 */
struct gw_tq {
	int			 ms;
	struct event		 ev;
	TAILQ_HEAD(, gw_conn)	 list;
};

#define GW_TQ_MAX	16
static struct gw_tq	*conn_tqs[GW_TQ_MAX];

static void
tq_arm(struct gw_tq *q, int64_t now)
{
	struct gw_conn *head = TAILQ_FIRST(&q->list);
	int64_t ms;
	struct timeval tv;

	if (head == NULL) {
		evtimer_del(&q->ev);
		return;
	}
	ms = head->deadline > now ? head->deadline - now : 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(&q->ev, &tv);
}

static void
tq_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_tq *q = arg;
	struct gw_conn *c;
	int64_t now = cm_mono_ms();

	while ((c = TAILQ_FIRST(&q->list)) != NULL && c->deadline <= now) {
		TAILQ_REMOVE(&q->list, c, tq_entry);
		c->tq = NULL;
		conn_timer_cb(-1, EV_TIMEOUT, c);
	}
	tq_arm(q, now);
}

static struct gw_tq *
tq_get(struct event_base *base, int ms)
{
	int i;

	for (i = 0; i < GW_TQ_MAX && conn_tqs[i] != NULL; i++)
		if (conn_tqs[i]->ms == ms)
			return (conn_tqs[i]);
	if (i == GW_TQ_MAX)
		return (NULL);
	conn_tqs[i] = cm_calloc(1, sizeof(*conn_tqs[i]));
	conn_tqs[i]->ms = ms;
	TAILQ_INIT(&conn_tqs[i]->list);
	evtimer_assign(&conn_tqs[i]->ev, base, tq_cb, conn_tqs[i]);
	return (conn_tqs[i]);
}

void
gw_conn_disarm(struct gw_conn *c)
{
	struct gw_tq *q = c->tq;

	if (q == NULL)
		return;
	TAILQ_REMOVE(&q->list, c, tq_entry);
	c->tq = NULL;
	/* Its event stays for the next head: a spurious wake-up is cheap. */
}

void
gw_conn_arm(struct gw_conn *c, int ms)
{
	struct gw_tq *q;
	int64_t now = cm_mono_ms();

	if (c->closed)
		return;
	gw_conn_disarm(c);
	if (ms < 0)
		ms = 0;
	/* More distinct durations than queues: round up to a known one. */
	if ((q = tq_get(c->w->base, ms)) == NULL) {
		int i, best = -1;

		for (i = 0; i < GW_TQ_MAX; i++)
			if (conn_tqs[i]->ms >= ms && (best == -1 ||
			    conn_tqs[i]->ms < conn_tqs[best]->ms))
				best = i;
		q = conn_tqs[best == -1 ? GW_TQ_MAX - 1 : best];
	}
	c->tq = q;
	c->deadline = now + q->ms;
	TAILQ_INSERT_TAIL(&q->list, c, tq_entry);
	if (TAILQ_FIRST(&q->list) == c)
		tq_arm(q, now);
}

struct gw_conn *
gw_conn_new(struct gw_worker *w, int fd, const char *ip)
{
	struct gw_conn *c = cm_calloc(1, sizeof(*c));

	if (w->ssl_ctx != NULL) {
		if ((c->ssl = SSL_new(w->ssl_ctx)) == NULL ||
		    SSL_set_fd(c->ssl, fd) != 1) {
			SSL_free(c->ssl);
			free(c);
			return (NULL);
		}
		/* Idle connections keep no record buffers. */
		SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS |
		    SSL_MODE_ENABLE_PARTIAL_WRITE |
		    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
		SSL_set_accept_state(c->ssl);
	}
	c->w = w;
	c->refs = 1;
	c->state = GW_CONN_HTTP;
	c->opened_ms = cm_mono_ms();
	cm_strlcpy(c->ip, ip, sizeof(c->ip));
	c->req = gw_http_req_new();
	c->req->max_head = (size_t)w->cfg->http_max_header_bytes;
	c->req->max_body = (size_t)w->cfg->http_max_body_bytes;
	event_assign(&c->io, w->base, fd, 0, conn_io_cb, c);
	/* The whole request head must arrive in time (slowloris). */
	gw_conn_arm(c, w->cfg->http_header_timeout_ms);
	gw_conn_set_reading(c, 1);
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

/* Releases everything but the struct itself, dropping unsent output. */
void
gw_conn_abort(struct gw_conn *c)
{
	struct gw_worker *w = c->w;

	if (c->closed)
		return;
	gw_conn_disarm(c);
	c->closed = 1;
	gw_sio_close(c, "transport close");
	event_del(&c->io);
	gw_ws_rx_clear(&c->ws);
	gw_http_req_free(c->req);
	c->req = NULL;
	free(c->user_agent);
	c->user_agent = NULL;
	if (c->in != NULL && c->in != conn_rbuf)
		evbuffer_free(c->in);
	c->in = NULL;
	if (c->out != NULL)
		evbuffer_free(c->out);
	c->out = NULL;
	if (c->ssl != NULL) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	close(conn_fd(c));
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
	if (c->out != NULL && !c->io_failed) {
		/* Flush first; conn_flush comes back here when done. */
		if (c->state != GW_CONN_CLOSING) {
			c->state = GW_CONN_CLOSING;
			c->reading = 0;
			conn_update_io(c);
			gw_conn_arm(c, GW_FLUSH_TIMEOUT_MS);
		}
		return;
	}
	if (c->ssl != NULL && !c->io_failed)
		SSL_shutdown(c->ssl);	/* close_notify, best effort */
	gw_conn_abort(c);
}
