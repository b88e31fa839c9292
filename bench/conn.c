/*
 * One client connection, as a state machine driven by epoll: a
 * non-blocking TCP connect, the HTTP/1.1 upgrade to WebSocket (the
 * Sec-WebSocket-Accept is checked), RFC 6455 frames (ours masked with a
 * fresh key each, theirs unmasked; fragments reassembled; ping answered,
 * close echoed), Engine.IO v4 (open packet, the server's "2" answered
 * "3") and Socket.IO v5 in one namespace (CONNECT with the token,
 * events, acks).  Chat deliveries and acks go to load.c.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bench.h"
#include "util.h"

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HTTP_HEAD_MAX	8192

void
bn_buf_append(struct bn_buf *b, const void *p, size_t n)
{
	size_t	 cap;

	if (n == 0)
		return;
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		if ((b->data = realloc(b->data, cap)) == NULL)
			abort();
		b->cap = (uint32_t)cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += (uint32_t)n;
}

void
bn_buf_free(struct bn_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static void
conn_poll(struct bn_ctx *ctx, struct bn_conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.u32 = c->idx };

	if (epoll_ctl(ctx->ep, op, c->fd, &ev) == -1)
		bn_conn_close(ctx, c, "epoll_ctl failed");
}

/*
 * Closes c.  A socket that was ready counts as dropped, one still in
 * its handshake as failed; the first reason is kept for the report.
 */
void
bn_conn_close(struct bn_ctx *ctx, struct bn_conn *c, const char *why)
{
	if (c->state == BN_CLOSED || c->state == BN_IDLE)
		return;
	if (c->state == BN_READY) {
		ctx->ready--;
		ctx->dropped++;
	} else {
		ctx->inflight--;
		ctx->failed++;
	}
	if (ctx->first_error[0] == '\0')
		snprintf(ctx->first_error, sizeof(ctx->first_error),
		    "connection %u: %s", c->idx, why);
	if (c->fd >= 0) {
		epoll_ctl(ctx->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->state = BN_CLOSED;
	bn_buf_free(&c->in);
	bn_buf_free(&c->out);
	bn_buf_free(&c->frag);
	free(c->accept);
	c->accept = NULL;
}

/* Writes what the kernel takes now and keeps the rest for EPOLLOUT. */
static void
conn_write(struct bn_ctx *ctx, struct bn_conn *c, const void *p, size_t n)
{
	ssize_t	 w = 0;

	if (c->state == BN_CLOSED)
		return;
	if (c->out.len == 0 && c->state != BN_CONNECTING) {
		w = send(c->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			bn_conn_close(ctx, c, strerror(errno));
			return;
		}
		if (w < 0)
			w = 0;
		if ((size_t)w == n)
			return;
	}
	bn_buf_append(&c->out, (const char *)p + w, n - (size_t)w);
	if (!c->pollout) {
		c->pollout = 1;
		conn_poll(ctx, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
	}
}

static void
conn_flush(struct bn_ctx *ctx, struct bn_conn *c)
{
	ssize_t	 w;

	while (c->out.len > 0) {
		w = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			bn_conn_close(ctx, c, strerror(errno));
			return;
		}
		memmove(c->out.data, c->out.data + w, c->out.len - (size_t)w);
		c->out.len -= (uint32_t)w;
	}
	c->pollout = 0;
	conn_poll(ctx, c, EPOLLIN, EPOLL_CTL_MOD);
}

/* Sends one masked WebSocket frame (FIN set). */
static void
ws_send(struct bn_ctx *ctx, struct bn_conn *c, int opcode, const char *p,
    size_t n)
{
	uint8_t		 stack[2048], *f = stack, *mask;
	size_t		 h = 0, i;
	uint32_t	 key = (uint32_t)bn_rand(ctx);

	if (n + 14 > sizeof(stack) && (f = malloc(n + 14)) == NULL)
		abort();
	f[h++] = 0x80 | (uint8_t)opcode;
	if (n < 126)
		f[h++] = 0x80 | (uint8_t)n;
	else if (n < 65536) {
		f[h++] = 0x80 | 126;
		f[h++] = (uint8_t)(n >> 8);
		f[h++] = (uint8_t)n;
	} else {
		f[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			f[h++] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	}
	mask = f + h;
	memcpy(mask, &key, 4);
	h += 4;
	for (i = 0; i < n; i++)
		f[h + i] = (uint8_t)p[i] ^ mask[i & 3];
	conn_write(ctx, c, f, h + n);
	if (f != stack)
		free(f);
}

void
bn_conn_send_text(struct bn_ctx *ctx, struct bn_conn *c, const char *p,
    size_t n)
{
	ws_send(ctx, c, 0x1, p, n);
}

static void
conn_send_str(struct bn_ctx *ctx, struct bn_conn *c, const char *s)
{
	ws_send(ctx, c, 0x1, s, strlen(s));
}

/* Sends 40/nsp,{"token":..,"orgId":..[,"chats":[..]]}. */
static void
sio_connect(struct bn_ctx *ctx, struct bn_conn *c)
{
	struct cm_buf		 b = { 0 };

	cm_buf_printf(&b, "40%s,{\"token\":", ctx->o->nsp);
	cm_buf_json_str(&b, ctx->idents[c->ident].token);
	cm_buf_puts(&b, ",\"orgId\":");
	cm_buf_json_str(&b, ctx->idents[c->ident].org);
	if (c->is_agent) {
		/* The peer joins an agent to these conversations. */
		cm_buf_puts(&b, ",\"chats\":[");
		cm_buf_json_str(&b, ctx->idents[
		    ctx->conns[ctx->convs[c->conv].first].ident].email);
		cm_buf_puts(&b, "]");
	}
	cm_buf_puts(&b, "}");
	conn_send_str(ctx, c, b.data);
	cm_buf_free(&b);
	c->state = BN_SIO_WAIT;
}

/* Counts a packet the run does not use, and keeps the first for the report. */
static void
other_event(struct bn_ctx *ctx, const char *p, size_t n)
{
	if (ctx->other_events++ == 0)
		snprintf(ctx->other_sample, sizeof(ctx->other_sample), "%.*s",
		    (int)(n < 60 ? n : 60), p);
}

/* A Socket.IO packet (after the Engine.IO "4"). */
static void
sio_on_packet(struct bn_ctx *ctx, struct bn_conn *c, const char *p,
    size_t n)
{
	const char	*nsp = ctx->o->nsp;
	size_t		 nl = strlen(nsp), i;
	uint64_t	 id = 0;
	char		 type;

	if (n < nl + 2 || memcmp(p + 1, nsp, nl) != 0 || p[nl + 1] != ',') {
		other_event(ctx, p, n);
		return;
	}
	type = p[0];
	p += nl + 2;
	n -= nl + 2;
	switch (type) {
	case '0':
		if (c->state != BN_SIO_WAIT)
			break;
		c->state = BN_READY;
		ctx->inflight--;
		ctx->ready++;
		break;
	case '4':
		bn_conn_close(ctx, c, "connect_error from the server");
		break;
	case '1':
		bn_conn_close(ctx, c, "disconnected by the server");
		break;
	case '2':
		if (n > 16 && memcmp(p, "[\"chat-message\",", 16) == 0)
			bn_on_delivery(ctx, c, p + 16, n - 16);
		else
			other_event(ctx, p, n);
		break;
	case '3':
		for (i = 0; i < n && p[i] >= '0' && p[i] <= '9' && i < 19; i++)
			id = id * 10 + (uint64_t)(p[i] - '0');
		if (i == 0) {
			other_event(ctx, p, n);
			break;
		}
		bn_on_ack(ctx, c, id, p + i, n - i);
		break;
	default:
		other_event(ctx, p, n);
		break;
	}
}

/* A whole text message: Engine.IO. */
static void
eio_on_text(struct bn_ctx *ctx, struct bn_conn *c, const char *p, size_t n)
{
	if (n == 0)
		return;
	switch (p[0]) {
	case '0':
		if (c->state == BN_EIO_WAIT)
			sio_connect(ctx, c);
		break;
	case '2':
		ctx->pings++;
		conn_send_str(ctx, c, "3");
		break;
	case '4':
		sio_on_packet(ctx, c, p + 1, n - 1);
		break;
	case '1':
		bn_conn_close(ctx, c, "engine.io close");
		break;
	default:
		break;
	}
}

static void
ws_on_frame(struct bn_ctx *ctx, struct bn_conn *c, int fin, int op,
    const char *p, size_t n)
{
	char	 close_frame[2];

	switch (op) {
	case 0x0:		/* continuation */
		if (c->frag_op == 0) {
			bn_conn_close(ctx, c, "continuation without start");
			return;
		}
		if (c->frag.len + n > BN_MAX_MSG) {
			bn_conn_close(ctx, c, "fragmented message too big");
			return;
		}
		bn_buf_append(&c->frag, p, n);
		if (!fin)
			return;
		if (c->frag_op == 0x1)
			eio_on_text(ctx, c, c->frag.data, c->frag.len);
		c->frag_op = 0;
		if (c->state != BN_CLOSED)
			c->frag.len = 0;
		return;
	case 0x1:
	case 0x2:
		if (!fin) {
			c->frag_op = (uint8_t)op;
			c->frag.len = 0;
			bn_buf_append(&c->frag, p, n);
		} else if (op == 0x1)
			eio_on_text(ctx, c, p, n);
		return;
	case 0x8:		/* close: echo the code, then hang up */
		if (n >= 2) {
			memcpy(close_frame, p, 2);
			ws_send(ctx, c, 0x8, close_frame, 2);
		} else
			ws_send(ctx, c, 0x8, NULL, 0);
		bn_conn_close(ctx, c, "websocket close from the server");
		return;
	case 0x9:		/* ping */
		ws_send(ctx, c, 0xa, p, n);
		return;
	case 0xa:
		return;
	default:
		bn_conn_close(ctx, c, "unknown websocket opcode");
		return;
	}
}

/* Parses whole frames from p; returns the bytes consumed. */
static size_t
ws_parse(struct bn_ctx *ctx, struct bn_conn *c, const uint8_t *p,
    size_t len)
{
	size_t		 off = 0, h, i;
	uint64_t	 plen;

	while (c->state != BN_CLOSED && len - off >= 2) {
		if (p[off + 1] & 0x80) {
			bn_conn_close(ctx, c, "masked frame from the server");
			break;
		}
		plen = p[off + 1] & 0x7f;
		h = 2;
		if (plen == 126) {
			if (len - off < 4)
				break;
			plen = (uint64_t)p[off + 2] << 8 | p[off + 3];
			h = 4;
		} else if (plen == 127) {
			if (len - off < 10)
				break;
			for (plen = 0, i = 0; i < 8; i++)
				plen = plen << 8 | p[off + 2 + i];
			h = 10;
		}
		if (plen > BN_MAX_MSG) {
			bn_conn_close(ctx, c, "frame too big");
			break;
		}
		if (len - off - h < plen)
			break;
		ws_on_frame(ctx, c, p[off] & 0x80, p[off] & 0x0f,
		    (const char *)p + off + h, (size_t)plen);
		off += h + (size_t)plen;
	}
	return (off);
}

/* Checks the 101 response; returns the bytes of its head, 0 if partial. */
static size_t
http_parse(struct bn_ctx *ctx, struct bn_conn *c, const char *p, size_t len)
{
	const char	*end, *line, *next, *v;
	size_t		 al = strlen(c->accept);
	int		 ok = 0;

	if ((end = memmem(p, len, "\r\n\r\n", 4)) == NULL) {
		if (len > HTTP_HEAD_MAX)
			bn_conn_close(ctx, c, "HTTP response head too big");
		return (0);
	}
	if (len < 12 || memcmp(p, "HTTP/1.1 101", 12) != 0) {
		bn_conn_close(ctx, c, "upgrade refused (no HTTP 101)");
		return (0);
	}
	for (line = p; line < end; line = next + 2) {
		next = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
		if (next - line > 21 &&
		    strncasecmp(line, "Sec-WebSocket-Accept:", 21) == 0) {
			for (v = line + 21; *v == ' ' || *v == '\t'; v++)
				;
			ok = (size_t)(next - v) >= al &&
			    memcmp(v, c->accept, al) == 0;
		}
	}
	if (!ok) {
		bn_conn_close(ctx, c, "bad Sec-WebSocket-Accept");
		return (0);
	}
	free(c->accept);
	c->accept = NULL;
	c->state = BN_EIO_WAIT;
	return ((size_t)(end + 4 - p));
}

/* Handles n bytes just read (in ctx->rbuf). */
static void
conn_input(struct bn_ctx *ctx, struct bn_conn *c, const uint8_t *buf,
    size_t n)
{
	const uint8_t	*p = buf;
	size_t		 len = n, used = 0, k;

	if (c->in.len > 0) {
		bn_buf_append(&c->in, buf, n);
		p = (const uint8_t *)c->in.data;
		len = c->in.len;
	}
	if (c->state == BN_UPGRADING) {
		used = http_parse(ctx, c, (const char *)p, len);
		if (used == 0)
			goto keep;
	}
	if (c->state != BN_CLOSED)
		used += ws_parse(ctx, c, p + used, len - used);
keep:
	if (c->state == BN_CLOSED)
		return;
	k = len - used;
	if (p == (const uint8_t *)c->in.data) {
		memmove(c->in.data, c->in.data + used, k);
		c->in.len = (uint32_t)k;
	} else if (k > 0)
		bn_buf_append(&c->in, p + used, k);
	if (c->in.len == 0 && c->in.cap > BN_RBUF)
		bn_buf_free(&c->in);
}

static void
conn_read(struct bn_ctx *ctx, struct bn_conn *c)
{
	ssize_t	 n;

	for (;;) {
		n = recv(c->fd, ctx->rbuf, BN_RBUF, 0);
		if (n == 0) {
			bn_conn_close(ctx, c, "closed by the server");
			return;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				bn_conn_close(ctx, c, strerror(errno));
			return;
		}
		conn_input(ctx, c, ctx->rbuf, (size_t)n);
		if (c->state == BN_CLOSED || n < BN_RBUF)
			return;
	}
}

/* Sends the HTTP upgrade request once TCP is connected. */
static void
conn_upgrade(struct bn_ctx *ctx, struct bn_conn *c)
{
	const struct bn_opts	*o = ctx->o;
	unsigned char		 raw[16], digest[SHA_DIGEST_LENGTH];
	char			 key[32], cat[96], req[512];
	uint64_t		 r;
	int			 n, i;

	for (i = 0; i < 16; i += 8) {
		r = bn_rand(ctx);
		memcpy(raw + i, &r, 8);
	}
	EVP_EncodeBlock((unsigned char *)key, raw, 16);
	n = snprintf(cat, sizeof(cat), "%s%s", key, WS_GUID);
	SHA1((const unsigned char *)cat, (size_t)n, digest);
	c->accept = cm_malloc(32);
	EVP_EncodeBlock((unsigned char *)c->accept, digest, sizeof(digest));
	n = snprintf(req, sizeof(req), "GET %s?EIO=4&transport=websocket "
	    "HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
	    "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
	    "Sec-WebSocket-Version: 13\r\nUser-Agent: confab-bench\r\n\r\n",
	    o->path, o->host, o->port, key);
	c->state = BN_UPGRADING;
	conn_write(ctx, c, req, (size_t)n);
}

/* Starts a connection: socket, optional source address, connect. */
void
bn_conn_open(struct bn_ctx *ctx, struct bn_conn *c)
{
	struct sockaddr_in	 src;
	int			 one = 1, rv;

	c->state = BN_CONNECTING;
	ctx->inflight++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		bn_conn_close(ctx, c, strerror(errno));
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ctx->o->src_addrs > 1) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(0x7f000001u +
		    (uint32_t)(c->idx % (uint32_t)ctx->o->src_addrs));
		setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
		if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)) == -1) {
			bn_conn_close(ctx, c, strerror(errno));
			return;
		}
	}
	rv = connect(c->fd, (struct sockaddr *)&ctx->addr, sizeof(ctx->addr));
	if (rv == -1 && errno != EINPROGRESS) {
		bn_conn_close(ctx, c, strerror(errno));
		return;
	}
	c->pollout = 1;
	conn_poll(ctx, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_ADD);
}

void
bn_conn_on_event(struct bn_ctx *ctx, struct bn_conn *c, uint32_t events)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (c->state == BN_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			bn_conn_close(ctx, c, strerror(err));
			return;
		}
		c->pollout = 0;
		conn_poll(ctx, c, EPOLLIN, EPOLL_CTL_MOD);
		conn_upgrade(ctx, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(ctx, c);
	if (c->state != BN_CLOSED && (events & EPOLLOUT))
		conn_flush(ctx, c);
}
