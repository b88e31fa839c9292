/*
 * The REP side of NNG's REQ/REP wire protocol, spoken by the service
 * skeleton itself for ipc:// and numeric tcp:// addresses (the gateway
 * speaks the REQ side itself: gateway/svcclient.c).  NNG's REP socket
 * cost a request about ten context switches between its poller, its
 * task queue and the request thread; here the thread that reads a
 * request handles it and writes the reply, with no hand-off.
 *
 *	connect: each side sends 00 'S' 'P' 00, its protocol (16 bits,
 *	big-endian: REQ0 0x30, REP0 0x31), 00 00
 *	message: ipc: 01, then the length (64 bits, big-endian); tcp:
 *	the length alone; then the REQ backtrace (4-byte words, the last
 *	one, the request id, with its high bit set), which the reply
 *	echoes, and the body (a cm frame)
 *
 * Every connection and the listener sit in one epoll set with
 * EPOLLONESHOT, which the request threads all wait on: a thread that
 * gets a connection reads exactly one message (or what there is of
 * it) and re-arms the connection before handling it, so the next
 * request of the same peer (the gateway pipelines them on one link)
 * goes to the next free thread, as with NNG's contexts.  Replies are
 * written whole under the connection's lock.  A connection is freed
 * when the reader that found it dead and every thread still answering
 * it have let go of it (a reference count).
 *
 * Bad bytes from a peer drop that connection (logged); NNG clients
 * (the library's REQ socket: cm_svc_call, the readiness probe, the
 * tests) see the same bytes as from NNG's REP socket.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "svc_listen.h"
#include "svc_rep.h"
#include "util.h"

#define SP_REQ0		0x30
#define SP_REP0		0x31
#define REP_BACKLOG	128
#define REP_ACCEPT_PAUSE_MS 100	/* after EMFILE and the like */

enum rep_phase { REP_HS, REP_HDR, REP_BODY };

struct rep_conn {
	struct cm_svc_rep	*rep;
	int			 fd;
	atomic_int		 refs;	/* the set's, and each request's */
	/* Read state: only the thread holding the oneshot event. */
	enum rep_phase		 phase;
	uint8_t			 head[9];
	size_t			 got;
	uint64_t		 len;
	uint8_t			*msg;
	/* Write state. */
	pthread_mutex_t		 wmu;
	int			 broken;
	struct rep_conn		*prev, *next;	/* rep->conns, under rep->mu */
};

struct cm_svc_rep {
	char			*url;
	char			*ipc_path;	/* to unlink; or NULL */
	int			 ipc;
	int			 epfd;
	int			 lfd;		/* -1 once closed */
	pthread_mutex_t		 lmu;		/* lfd */
	pthread_mutex_t		 mu;		/* conns, nconns */
	struct rep_conn		*conns;
	int			 nconns;
	int			 maxconns;
	int64_t			 refused_log_ms;	/* under mu */
	int64_t			 accept_log_ms;	/* under lmu */
};

/* ------------------------------------------------------------------ */
/* The framing: pure functions (tests/fuzz/fuzz_sp.c). */

int
cm_sp_handshake(const uint8_t h[8], int proto)
{
	return (h[0] == 0 && h[1] == 'S' && h[2] == 'P' && h[3] == 0 &&
	    h[4] == (uint8_t)(proto >> 8) && h[5] == (uint8_t)proto &&
	    h[6] == 0 && h[7] == 0 ? 0 : -1);
}

int
cm_sp_msg_len(const uint8_t *h, int ipc, uint64_t max, uint64_t *len)
{
	size_t i, off = ipc ? 1 : 0;

	*len = 0;
	if (ipc && h[0] != 1)
		return (-1);
	for (i = 0; i < 8; i++)
		*len = *len << 8 | h[off + i];
	return (*len < 4 || *len > max ? -1 : 0);
}

size_t
cm_sp_backtrace(const uint8_t *msg, size_t len)
{
	size_t off;

	for (off = 0; off + 4 <= len && off < 4 * CM_SP_MAX_HOPS; off += 4)
		if (msg[off] & 0x80)
			return (off + 4);
	return (0);
}

/* ------------------------------------------------------------------ */

static void
conn_unref(struct rep_conn *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	close(c->fd);
	pthread_mutex_destroy(&c->wmu);
	free(c->msg);
	free(c);
}

/*
 * Takes c out of the set (the caller holds its oneshot event, so no
 * other thread reads it) and lets go of the set's reference.
 */
static void
conn_kill(struct rep_conn *c, int level, const char *why)
{
	struct cm_svc_rep *r = c->rep;

	cm_log(level, "msg=\"service peer dropped\" address=\"%s\" "
	    "err=\"%s\"", r->url, why);
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	shutdown(c->fd, SHUT_RDWR);	/* writers still in fail at once */
	pthread_mutex_lock(&r->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	r->nconns--;
	pthread_mutex_unlock(&r->mu);
	conn_unref(c);
}

static int
rep_arm(struct cm_svc_rep *r, int op, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT,
	    .data.ptr = ptr };

	return (epoll_ctl(r->epfd, op, fd, &ev));
}

static void
rep_accept(struct cm_svc_rep *r)
{
	static const uint8_t hs[8] = { 0, 'S', 'P', 0, 0, SP_REP0, 0, 0 };
	struct rep_conn *c;
	int fd, one = 1, pause = 0;
	int64_t now;

	pthread_mutex_lock(&r->lmu);
	while (r->lfd != -1) {
		fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			/*
			 * Out of descriptors or memory: the peer stays in the
			 * backlog, and the listener, still readable, would
			 * come straight back; wait a little first.
			 */
			now = cm_mono_ms();
			if (now - r->accept_log_ms >= 1000) {
				r->accept_log_ms = now;
				cm_log_warn("msg=\"accept failed\" address=\"%s\" "
				    "err=\"%s\"", r->url, strerror(errno));
			}
			pause = 1;
			break;
		}
		pthread_mutex_lock(&r->mu);
		if (r->nconns >= r->maxconns) {
			now = cm_mono_ms();
			if (now - r->refused_log_ms >= 1000) {
				r->refused_log_ms = now;
				cm_log_warn("msg=\"connection refused: too many "
				    "peers\" address=\"%s\" max=%d", r->url,
				    r->maxconns);
			}
			pthread_mutex_unlock(&r->mu);
			close(fd);
			continue;
		}
		pthread_mutex_unlock(&r->mu);
		if (!r->ipc)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		/* 8 bytes into a fresh socket's empty buffer. */
		if (send(fd, hs, sizeof(hs), MSG_NOSIGNAL) != sizeof(hs)) {
			close(fd);
			continue;
		}
		c = cm_calloc(1, sizeof(*c));
		c->rep = r;
		c->fd = fd;
		atomic_init(&c->refs, 1);
		c->phase = REP_HS;
		pthread_mutex_init(&c->wmu, NULL);
		pthread_mutex_lock(&r->mu);
		c->next = r->conns;
		if (r->conns != NULL)
			r->conns->prev = c;
		r->conns = c;
		r->nconns++;
		pthread_mutex_unlock(&r->mu);
		if (rep_arm(r, EPOLL_CTL_ADD, fd, c) == -1) {
			cm_log_warn("msg=\"epoll_ctl failed\" err=\"%s\"",
			    strerror(errno));
			conn_kill(c, CM_LOG_WARNING, "epoll_ctl failed");
		}
	}
	pthread_mutex_unlock(&r->lmu);
	if (pause)
		nanosleep(&(struct timespec){ 0, REP_ACCEPT_PAUSE_MS * 1000000L },
		    NULL);
	pthread_mutex_lock(&r->lmu);
	if (r->lfd != -1)
		rep_arm(r, EPOLL_CTL_MOD, r->lfd, NULL);
	pthread_mutex_unlock(&r->lmu);
}

/*
 * Reads from c (the caller holds its oneshot event) until one message
 * is whole, never past it.  Returns 1 with the message in req, 0 if
 * more bytes must come, -1 if c was dropped.
 */
static int
conn_read(struct rep_conn *c, struct cm_svc_rep_req *req)
{
	struct cm_svc_rep *r = c->rep;
	size_t hlen = r->ipc ? 9 : 8, need;
	uint8_t *dst;
	ssize_t n;

	for (;;) {
		switch (c->phase) {
		case REP_HS:
			need = 8;
			dst = c->head;
			break;
		case REP_HDR:
			need = hlen;
			dst = c->head;
			break;
		default:
			need = (size_t)c->len;
			dst = c->msg;
			break;
		}
		do
			n = read(c->fd, dst + c->got, need - c->got);
		while (n == -1 && errno == EINTR);
		if (n == 0) {
			/* A peer hanging up between messages is no news. */
			conn_kill(c, c->phase == REP_HDR && c->got == 0 ?
			    CM_LOG_DEBUG : CM_LOG_INFO, "closed by the peer");
			return (-1);
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return (0);
			conn_kill(c, CM_LOG_INFO, strerror(errno));
			return (-1);
		}
		if ((c->got += (size_t)n) < need)
			continue;
		c->got = 0;
		switch (c->phase) {
		case REP_HS:
			if (cm_sp_handshake(c->head, SP_REQ0) == -1) {
				conn_kill(c, CM_LOG_WARNING,
				    "peer is not an NNG req0 socket");
				return (-1);
			}
			c->phase = REP_HDR;
			break;
		case REP_HDR:
			if (cm_sp_msg_len(c->head, r->ipc, CM_SP_MSG_MAX,
			    &c->len) == -1) {
				conn_kill(c, CM_LOG_WARNING, r->ipc &&
				    c->head[0] != 1 ? "bad message type" :
				    "bad message length");
				return (-1);
			}
			c->msg = cm_malloc((size_t)c->len);
			c->phase = REP_BODY;
			break;
		default:
			req->conn = c;
			req->msg = c->msg;
			req->len = (size_t)c->len;
			c->msg = NULL;
			c->phase = REP_HDR;
			if ((req->btlen = cm_sp_backtrace(req->msg,
			    req->len)) == 0) {
				free(req->msg);
				req->msg = NULL;
				conn_kill(c, CM_LOG_WARNING,
				    "request without a request id");
				return (-1);
			}
			return (1);
		}
	}
}

int
cm_svc_rep_next(struct cm_svc_rep *r, int timeout_ms,
    struct cm_svc_rep_req *req)
{
	struct epoll_event ev;
	struct rep_conn *c;
	int n;

	memset(req, 0, sizeof(*req));
	if ((n = epoll_wait(r->epfd, &ev, 1, timeout_ms)) <= 0) {
		if (n == -1 && errno != EINTR)
			cm_log_warn("msg=\"epoll_wait failed\" err=\"%s\"",
			    strerror(errno));
		return (0);
	}
	if ((c = ev.data.ptr) == NULL) {
		rep_accept(r);
		return (0);
	}
	switch (conn_read(c, req)) {
	case 1:
		/* Ours until released; then the next one may be read. */
		atomic_fetch_add(&c->refs, 1);
		if (rep_arm(r, EPOLL_CTL_MOD, c->fd, c) == -1)
			conn_kill(c, CM_LOG_WARNING, strerror(errno));
		return (1);
	case 0:
		if (rep_arm(r, EPOLL_CTL_MOD, c->fd, c) == -1)
			conn_kill(c, CM_LOG_WARNING, strerror(errno));
		return (0);
	default:
		return (0);
	}
}

int
cm_svc_rep_reply(struct cm_svc_rep_req *req, const void *body, size_t len,
    int timeout_ms)
{
	struct rep_conn *c = req->conn;
	uint8_t head[9];
	struct iovec iov[3], *v = iov;
	size_t hlen = c->rep->ipc ? 9 : 8, i;
	uint64_t mlen = req->btlen + len;
	int64_t deadline = cm_mono_ms() + timeout_ms, left;
	const char *why = NULL;
	struct pollfd pfd;
	int nv = 3;
	ssize_t n;

	head[0] = 1;
	for (i = 0; i < 8; i++)
		head[hlen - 8 + i] = (uint8_t)(mlen >> (56 - 8 * i));
	iov[0].iov_base = head;
	iov[0].iov_len = hlen;
	iov[1].iov_base = req->msg;
	iov[1].iov_len = req->btlen;
	iov[2].iov_base = (void *)body;
	iov[2].iov_len = len;

	pthread_mutex_lock(&c->wmu);
	while (!c->broken && nv > 0) {
		n = writev(c->fd, v, nv);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				why = strerror(errno);
				break;
			}
			if ((left = deadline - cm_mono_ms()) <= 0) {
				why = "peer does not read its replies";
				break;
			}
			pfd.fd = c->fd;
			pfd.events = POLLOUT;
			poll(&pfd, 1, (int)left);
			continue;
		}
		while (nv > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			nv--;
		}
		if (nv > 0) {
			v->iov_base = (uint8_t *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	if (why != NULL) {
		/* Half a reply on the wire: the link is unusable. */
		c->broken = 1;
		shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->wmu);
	if (why != NULL)
		cm_log_warn("msg=\"reply not sent\" address=\"%s\" err=\"%s\"",
		    c->rep->url, why);
	return (why == NULL && nv == 0 ? 0 : -1);
}

void
cm_svc_rep_release(struct cm_svc_rep_req *req)
{
	free(req->msg);
	req->msg = NULL;
	if (req->conn != NULL)
		conn_unref(req->conn);
	req->conn = NULL;
}

/* ------------------------------------------------------------------ */

/*
 * Binds an ipc:// path; a socket file nobody listens on any more (a
 * killed instance) is replaced, a live one is not.
 */
static int
rep_bind_ipc(struct cm_svc_rep *r, const char *path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd, probe, rv;

	if (strlen(path) >= sizeof(un.sun_path) || path[0] == '\0')
		return (cm_fail("msg=\"ipc path too long\" address=\"%s\"",
		    r->url));
	strcpy(un.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", r->url, strerror(errno)));
	if ((rv = bind(fd, (struct sockaddr *)&un, sizeof(un))) == -1 &&
	    errno == EADDRINUSE) {
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&un,
		    sizeof(un)) == -1 && errno == ECONNREFUSED) {
			unlink(path);
			rv = bind(fd, (struct sockaddr *)&un, sizeof(un));
		} else
			errno = EADDRINUSE;
		if (probe != -1)
			close(probe);
	}
	if (rv == -1 || listen(fd, REP_BACKLOG) == -1) {
		rv = errno;
		close(fd);
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", r->url, strerror(rv)));
	}
	r->ipc_path = cm_strdup(path);
	r->lfd = fd;
	return (0);
}

/*
 * tcp://HOST:PORT with a numeric host, [IPv6], or a wildcard (empty,
 * "*").  Returns 1 if bound, 0 if not an address of ours, -1 on error.
 */
static int
rep_bind_tcp(struct cm_svc_rep *r, const char *hp)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST |
	    AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM }, *ai;
	char host[64], *colon;
	const char *h;
	int fd, one = 1, rv;

	if (cm_strlcpy(host, hp[0] == '[' ? hp + 1 : hp, sizeof(host)) >=
	    sizeof(host) || (colon = strrchr(host, ':')) == NULL)
		return (0);
	*colon = '\0';
	if (hp[0] == '[') {
		if (colon == host || colon[-1] != ']')
			return (0);
		colon[-1] = '\0';
	}
	h = host[0] == '\0' || strcmp(host, "*") == 0 ? "0.0.0.0" : host;
	if (getaddrinfo(h, colon + 1, &hints, &ai) != 0)
		return (0);	/* a name: the library resolves it */
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		freeaddrinfo(ai);
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", r->url, strerror(errno)));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, REP_BACKLOG) == -1) {
		rv = errno;
		close(fd);
		freeaddrinfo(ai);
		return (cm_fail("msg=\"cannot listen\" address=\"%s\" "
		    "err=\"%s\"", r->url, strerror(rv)));
	}
	freeaddrinfo(ai);
	r->lfd = fd;
	return (1);
}

int
cm_svc_rep_open(const char *url, int maxconns, struct cm_svc_rep **out)
{
	struct cm_svc_rep *r;
	int rv;

	*out = NULL;
	if (url == NULL || (strncmp(url, "ipc://", 6) != 0 &&
	    strncmp(url, "tcp://", 6) != 0))
		return (0);
	r = cm_calloc(1, sizeof(*r));
	r->url = cm_strdup(url);
	r->lfd = -1;
	r->epfd = -1;
	r->maxconns = maxconns;
	pthread_mutex_init(&r->lmu, NULL);
	pthread_mutex_init(&r->mu, NULL);
	if (strncmp(url, "ipc://", 6) == 0) {
		r->ipc = 1;
		rv = cm_svc_listen_mkdir(url) == -1 ||
		    rep_bind_ipc(r, url + 6) == -1 ? -1 : 1;
	} else
		rv = rep_bind_tcp(r, url + 6);
	if (rv == 1 && ((r->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    rep_arm(r, EPOLL_CTL_ADD, r->lfd, NULL) == -1)) {
		cm_log_err("msg=\"epoll failed\" err=\"%s\"", strerror(errno));
		rv = -1;
	}
	if (rv != 1) {
		cm_svc_rep_close_listener(r);
		cm_svc_rep_free(r);
		return (rv);
	}
	*out = r;
	return (1);
}

void
cm_svc_rep_close_listener(struct cm_svc_rep *r)
{
	pthread_mutex_lock(&r->lmu);
	if (r->lfd != -1) {
		if (r->epfd != -1)
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->lfd, NULL);
		close(r->lfd);
		r->lfd = -1;
		if (r->ipc_path != NULL)
			unlink(r->ipc_path);
	}
	pthread_mutex_unlock(&r->lmu);
}

void
cm_svc_rep_free(struct cm_svc_rep *r)
{
	struct rep_conn *c;

	if (r == NULL)
		return;
	cm_svc_rep_close_listener(r);
	while ((c = r->conns) != NULL) {
		r->conns = c->next;
		c->prev = NULL;
		if (r->conns != NULL)
			r->conns->prev = NULL;
		r->nconns--;
		conn_unref(c);
	}
	if (r->epfd != -1)
		close(r->epfd);
	pthread_mutex_destroy(&r->lmu);
	pthread_mutex_destroy(&r->mu);
	free(r->ipc_path);
	free(r->url);
	free(r);
}
