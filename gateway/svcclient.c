/*
 * The request client for one service (see svcclient.h), in the
 * worker's libevent loop: for ipc:// and numeric tcp:// addresses the
 * gateway speaks NNG's wire protocol itself, REQ (0x30) to the
 * service's REP (0x31), on one non-blocking socket.  No thread, no
 * lock and no eventfd stand between a reply and its callback: the
 * reply is read, matched by request id and handed over in the same
 * turn of the loop.  The frames are the ones the NNG library would
 * write, so the services (NNG REP sockets) see no difference:
 *
 *	connect: each side sends 00 'S' 'P' 00, its protocol (16 bits,
 *	big-endian), 00 00
 *	message: ipc: 01, then the length (64 bits, big-endian); tcp:
 *	the length alone; then the REQ header (the request id, 32 bits,
 *	high bit set, which REP echoes) and the body (a cm frame)
 *
 * What NNG's REQ socket did is done here too: a request is resent
 * every nng_resend_ms until answered and at once on a new connection
 * (a service restarted mid-request answers it: handlers are
 * idempotent), fails after nng_timeout_ms, and a lost connection is
 * redialled with a backoff of 50 ms doubling to 1 s.  Other addresses
 * (a host name, tls+tcp://, ...) go through the NNG library
 * (svcclient_nng.c).
 */
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "log.h"
#include "prom.h"
#include "proto.h"
#include "svcclient.h"
#include "svcclient_nng.h"
#include "util.h"

#define SP_REQ0		0x30
#define SP_REP0		0x31
#define SVC_HASH	1024		/* request id buckets */
#define SVC_TICK_MS	50		/* timeouts and resends */
#define SVC_BACKOFF_MIN	50
#define SVC_BACKOFF_MAX	1000
#define SVC_REPLY_MAX	(64u << 20)

enum svc_state { SVC_DOWN, SVC_CONNECTING, SVC_HANDSHAKE, SVC_UP };

struct svc_req {
	TAILQ_ENTRY(svc_req)	 entry;		/* by first send */
	struct svc_req		*hnext;		/* id bucket */
	uint32_t		 id;		/* high bit set */
	gw_svc_cb		 cb;
	void			*arg;
	int64_t			 sent_us;	/* for the latency histogram */
	int64_t			 deadline_ms;
	int64_t			 resend_ms;	/* next resend, cm_mono_ms */
	size_t			 len;		/* of wire */
	uint8_t			 wire[];	/* SP framing + id + cm frame */
};
TAILQ_HEAD(svc_req_list, svc_req);

struct gw_svc {
	char			*name;
	struct gw_nsvc		*nng;		/* non-NULL: the library's */
	struct event_base	*base;
	int			 is_ipc;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	int			 timeout_ms;
	int			 resend_ms;
	int			 fd;
	enum svc_state		 state;
	int			 backoff_ms;
	struct event		*io;
	struct event		*retry_ev;
	struct event		*tick_ev;
	struct evbuffer		*in;
	struct evbuffer		*out;
	uint8_t			 hs[8];		/* the peer's SP header */
	size_t			 hs_got;
	uint32_t		 next_id;
	unsigned		 inflight;
	int64_t			 last_rx_ms;	/* the service's last bytes */
	struct svc_req_list	 reqs;
	struct svc_req		*hash[SVC_HASH];
	uint64_t		 next_corr;
	struct cm_prom_hist	*latency;	/* shared stats, may be NULL */
	uint64_t		*errors;
};

static void	svc_connect(struct gw_svc *);
static void	svc_io_cb(evutil_socket_t, short, void *);

static int64_t
svc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* ipc://PATH or tcp://IP:PORT (IPv6 in brackets); -1 for others. */
static int
svc_parse_url(struct gw_svc *s, const char *url)
{
	memset(&s->addr, 0, sizeof(s->addr));
	if (strncmp(url, "ipc://", 6) == 0) {
		struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;
		const char *path = url + 6;

		if (*path == '\0' || strlen(path) >= sizeof(un->sun_path))
			return (-1);
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, path);
		s->addrlen = sizeof(*un);
		s->is_ipc = 1;
		return (0);
	}
	if (strncmp(url, "tcp://", 6) == 0) {
		struct addrinfo hints = { .ai_flags = AI_NUMERICHOST |
		    AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *ai;
		char host[64], *colon;
		const char *h = url + 6;

		if (cm_strlcpy(host, h[0] == '[' ? h + 1 : h, sizeof(host)) >=
		    sizeof(host) || (colon = strrchr(host, ':')) == NULL)
			return (-1);
		*colon = '\0';
		if (h[0] == '[') {
			if (colon == host || colon[-1] != ']')
				return (-1);
			colon[-1] = '\0';
		}
		if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
			return (-1);	/* a name: the library resolves it */
		memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
		s->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
		return (0);
	}
	return (-1);
}

static void
svc_hash_add(struct gw_svc *s, struct svc_req *r)
{
	struct svc_req **b = &s->hash[r->id % SVC_HASH];

	r->hnext = *b;
	*b = r;
}

static int
svc_hash_has(const struct gw_svc *s, uint32_t id)
{
	const struct svc_req *r;

	for (r = s->hash[id % SVC_HASH]; r != NULL; r = r->hnext)
		if (r->id == id)
			return (1);
	return (0);
}

static struct svc_req *
svc_hash_take(struct gw_svc *s, uint32_t id)
{
	struct svc_req **p;

	for (p = &s->hash[id % SVC_HASH]; *p != NULL; p = &(*p)->hnext)
		if ((*p)->id == id) {
			struct svc_req *r = *p;

			*p = r->hnext;
			return (r);
		}
	return (NULL);
}

/* Watches the socket for what it needs now. */
static void
svc_update_io(struct gw_svc *s)
{
	short want = EV_READ;

	if (s->fd == -1)
		return;
	if (s->state == SVC_CONNECTING || evbuffer_get_length(s->out) > 0)
		want |= EV_WRITE;
	if (event_pending(s->io, EV_READ | EV_WRITE, NULL) &&
	    (event_get_events(s->io) & (EV_READ | EV_WRITE)) == want)
		return;
	event_del(s->io);
	event_assign(s->io, s->base, s->fd, want | EV_PERSIST, svc_io_cb, s);
	event_add(s->io, NULL);
}

/* Writes bytes: at once if nothing waits, else after what does. */
static int
svc_write(struct gw_svc *s, const void *p, size_t len)
{
	ssize_t n = 0;

	if (evbuffer_get_length(s->out) == 0) {
		do
			n = send(s->fd, p, len, MSG_NOSIGNAL);
		while (n == -1 && errno == EINTR);
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return (-1);
		if (n == -1)
			n = 0;
		if ((size_t)n == len)
			return (0);
	}
	evbuffer_add(s->out, (const char *)p + n, len - (size_t)n);
	svc_update_io(s);
	return (0);
}

static void	svc_drop(struct gw_svc *, const char *why);

/* Sends (or resends) a request if the link is up. */
static void
svc_send_req(struct gw_svc *s, struct svc_req *r)
{
	r->resend_ms = s->resend_ms > 0 ? cm_mono_ms() + s->resend_ms :
	    INT64_MAX;
	if (s->state == SVC_UP && svc_write(s, r->wire, r->len) == -1)
		svc_drop(s, strerror(errno));
}

/* Ends a request: its callback, then its memory. */
static void
svc_finish(struct gw_svc *s, struct svc_req *r, int status,
    const char *body, size_t len)
{
	TAILQ_REMOVE(&s->reqs, r, entry);
	s->inflight--;
	if (s->latency != NULL)
		cm_prom_observe(s->latency, (uint64_t)(svc_now_us() -
		    r->sent_us));
	if (status < 0 && s->errors != NULL)
		CM_ADD(s->errors, 1);
	r->cb(status, body, len, r->arg);
	free(r);
	if (s->inflight == 0)
		event_del(s->tick_ev);
}

static void
svc_schedule_retry(struct gw_svc *s)
{
	struct timeval tv;

	tv.tv_sec = s->backoff_ms / 1000;
	tv.tv_usec = (s->backoff_ms % 1000) * 1000;
	evtimer_add(s->retry_ev, &tv);
	s->backoff_ms = s->backoff_ms * 2 > SVC_BACKOFF_MAX ?
	    SVC_BACKOFF_MAX : s->backoff_ms * 2;
}

/*
 * The link is gone: requests wait for the next one (or their deadline).
 * The input stays until the next connect: a callback running now may
 * still read its reply there.
 */
static void
svc_drop(struct gw_svc *s, const char *why)
{
	if (s->fd == -1)
		return;
	if (s->state == SVC_UP)
		cm_log_warn("msg=\"service link lost\" svc=%s err=\"%s\"",
		    s->name, why);
	event_del(s->io);
	close(s->fd);
	s->fd = -1;
	s->state = SVC_DOWN;
	evbuffer_drain(s->out, evbuffer_get_length(s->out));
	svc_schedule_retry(s);
}

/* Handles the replies whole in the input buffer. */
static void
svc_read_replies(struct gw_svc *s)
{
	size_t hlen = s->is_ipc ? 9 : 8;

	for (;;) {
		size_t avail = evbuffer_get_length(s->in);
		uint8_t head[9], *msg;
		uint64_t len = 0;
		struct svc_req *r;
		struct cm_frame f;
		uint32_t id;
		size_t i;

		if (avail < hlen)
			return;
		evbuffer_copyout(s->in, head, hlen);
		if (s->is_ipc && head[0] != 1) {
			svc_drop(s, "bad message type");
			return;
		}
		for (i = hlen - 8; i < hlen; i++)
			len = len << 8 | head[i];
		if (len < 4 || len > SVC_REPLY_MAX) {
			svc_drop(s, "bad message length");
			return;
		}
		if (avail < hlen + len)
			return;
		msg = evbuffer_pullup(s->in, (ssize_t)(hlen + len)) + hlen;
		id = (uint32_t)msg[0] << 24 | (uint32_t)msg[1] << 16 |
		    (uint32_t)msg[2] << 8 | msg[3];
		/* A late or repeated answer finds nobody: dropped. */
		if ((r = svc_hash_take(s, id)) != NULL) {
			if (cm_frame_decode(msg + 4, (size_t)len - 4, &f) ==
			    -1) {
				cm_log_warn("msg=\"bad reply frame\" svc=%s",
				    s->name);
				svc_finish(s, r, GW_SVC_FAILED, NULL, 0);
			} else
				svc_finish(s, r, f.status, f.body, f.body_len);
			if (s->fd == -1)
				return;	/* a callback's request failed it */
		}
		evbuffer_drain(s->in, hlen + (size_t)len);
	}
}

/* The peer's SP header came: the link is up, requests go out. */
static void
svc_link_up(struct gw_svc *s)
{
	struct svc_req *r;

	if (s->hs[0] != 0 || s->hs[1] != 'S' || s->hs[2] != 'P' ||
	    s->hs[3] != 0 || s->hs[4] != 0 || s->hs[5] != SP_REP0 ||
	    s->hs[6] != 0 || s->hs[7] != 0) {
		svc_drop(s, "peer is not an NNG rep0 socket");
		return;
	}
	s->state = SVC_UP;
	s->backoff_ms = SVC_BACKOFF_MIN;
	s->last_rx_ms = cm_mono_ms();
	cm_log_info("msg=\"service link up\" svc=%s inflight=%u", s->name,
	    s->inflight);
	TAILQ_FOREACH(r, &s->reqs, entry) {
		svc_send_req(s, r);
		if (s->fd == -1)
			return;
	}
}

static void
svc_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_svc *s = arg;

	if (s->state == SVC_CONNECTING && (what & EV_WRITE)) {
		static const uint8_t hs[8] = { 0, 'S', 'P', 0, 0, SP_REQ0 };
		int err = 0;
		socklen_t elen = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == -1 ||
		    err != 0) {
			svc_drop(s, strerror(err ? err : errno));
			return;
		}
		s->state = SVC_HANDSHAKE;
		s->hs_got = 0;
		if (svc_write(s, hs, sizeof(hs)) == -1) {
			svc_drop(s, strerror(errno));
			return;
		}
		svc_update_io(s);
	}
	if ((what & EV_WRITE) && evbuffer_get_length(s->out) > 0) {
		if (evbuffer_write(s->out, fd) == -1 && errno != EAGAIN &&
		    errno != EINTR) {
			svc_drop(s, strerror(errno));
			return;
		}
		svc_update_io(s);
	}
	if (what & EV_READ) {
		struct evbuffer_iovec v;
		ssize_t n = -1;

		if (evbuffer_reserve_space(s->in, 65536, &v, 1) == 1) {
			do
				n = read(fd, v.iov_base, v.iov_len);
			while (n == -1 && errno == EINTR);
			v.iov_len = n > 0 ? (size_t)n : 0;
			evbuffer_commit_space(s->in, &v, 1);
		}
		if (n > 0)
			s->last_rx_ms = cm_mono_ms();

		if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
			svc_drop(s, n == 0 ? "closed by the service" :
			    strerror(errno));
			return;
		}
		if (s->state == SVC_HANDSHAKE) {
			size_t k = sizeof(s->hs) - s->hs_got;

			s->hs_got += (size_t)evbuffer_remove(s->in,
			    s->hs + s->hs_got, k);
			if (s->hs_got < sizeof(s->hs))
				return;
			svc_link_up(s);
			if (s->fd == -1)
				return;
		}
		if (s->state == SVC_UP)
			svc_read_replies(s);
	}
}

static void
svc_connect(struct gw_svc *s)
{
	int one = 1;

	evbuffer_drain(s->in, evbuffer_get_length(s->in));
	s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->fd == -1) {
		cm_log_err("msg=\"service socket failed\" svc=%s err=\"%s\"",
		    s->name, strerror(errno));
		svc_schedule_retry(s);
		return;
	}
	if (!s->is_ipc)
		setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	s->state = SVC_CONNECTING;
	if (connect(s->fd, (struct sockaddr *)&s->addr, s->addrlen) == -1 &&
	    errno != EINPROGRESS) {
		svc_drop(s, strerror(errno));
		return;
	}
	svc_update_io(s);
}

static void
svc_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	svc_connect(arg);
}

/* Deadlines and resends, while requests are out. */
static void
svc_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_svc *s = arg;
	int64_t now = cm_mono_ms();
	struct svc_req *r, *next;

	for (r = TAILQ_FIRST(&s->reqs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->deadline_ms <= now) {
			cm_log_warn("msg=\"service request timed out\" svc=%s "
			    "pipes=%d", s->name, s->state == SVC_UP);
			svc_hash_take(s, r->id);
			svc_finish(s, r, GW_SVC_TIMEOUT, NULL, 0);
			continue;
		}
		/* Oldest first: the later ones are due later. */
		if (s->resend_ms == 0 || r->sent_us / 1000 + s->resend_ms >
		    now)
			break;
		/*
		 * A service that answers others is working through its
		 * queue: a copy of the request would only lengthen it (the
		 * NNG library resends anyway, which under a backlog doubles
		 * it).  One silent for nng_resend_ms may have lost it.
		 */
		if (r->resend_ms <= now && s->state == SVC_UP &&
		    now - s->last_rx_ms >= s->resend_ms) {
			svc_send_req(s, r);
			if (s->fd == -1)
				break;
		}
	}
}

struct gw_svc *
gw_svc_new(struct event_base *base, const char *name, const char *url,
    const struct cm_cfg *cfg)
{
	struct gw_svc *s = cm_calloc(1, sizeof(*s));

	s->name = cm_strdup(name);
	if (svc_parse_url(s, url) == -1) {
		if ((s->nng = gw_nsvc_new(base, name, url, cfg)) == NULL) {
			gw_svc_free(s);
			return (NULL);
		}
		return (s);
	}
	s->base = base;
	s->fd = -1;
	s->timeout_ms = cfg->nng_timeout_ms;
	s->resend_ms = cfg->nng_resend_ms;
	s->backoff_ms = SVC_BACKOFF_MIN;
	TAILQ_INIT(&s->reqs);
	if (getrandom(&s->next_id, sizeof(s->next_id), 0) == -1)
		s->next_id = (uint32_t)getpid();
	s->in = evbuffer_new();
	s->out = evbuffer_new();
	s->io = event_new(base, -1, 0, svc_io_cb, s);
	s->retry_ev = evtimer_new(base, svc_retry_cb, s);
	s->tick_ev = event_new(base, -1, EV_PERSIST, svc_tick_cb, s);
	svc_connect(s);
	return (s);
}

void
gw_svc_free(struct gw_svc *s)
{
	struct svc_req *r;

	if (s == NULL)
		return;
	gw_nsvc_free(s->nng);
	while ((r = TAILQ_FIRST(&s->reqs)) != NULL) {
		TAILQ_REMOVE(&s->reqs, r, entry);
		free(r);
	}
	if (s->fd != -1)
		close(s->fd);
	if (s->io != NULL)
		event_free(s->io);
	if (s->retry_ev != NULL)
		event_free(s->retry_ev);
	if (s->tick_ev != NULL)
		event_free(s->tick_ev);
	if (s->in != NULL)
		evbuffer_free(s->in);
	if (s->out != NULL)
		evbuffer_free(s->out);
	free(s->name);
	free(s);
}

int
gw_svc_request(struct gw_svc *s, int type, const char *org,
    const char *body, size_t len, gw_svc_cb cb, void *arg)
{
	struct cm_frame f = { .type = (uint8_t)type, .corr = ++s->next_corr,
	    .body = body, .body_len = len };
	size_t hlen = s->nng != NULL ? 0 : s->is_ipc ? 9 : 8, flen, i;
	struct svc_req *r;
	uint64_t mlen;

	if (s->nng != NULL)
		return (gw_nsvc_request(s->nng, type, org, body, len, cb, arg));
	cm_strlcpy(f.org, org, sizeof(f.org));
	flen = cm_frame_size(&f);
	r = cm_malloc(sizeof(*r) + hlen + 4 + flen);
	if (cm_frame_encode(&f, r->wire + hlen + 4) == 0) {
		free(r);
		return (-1);
	}
	/* An id still out is never reused (after 2^31 requests). */
	do
		r->id = (++s->next_id) | 0x80000000u;
	while (s->inflight > 0 && svc_hash_has(s, r->id));
	mlen = 4 + flen;
	if (s->is_ipc)
		r->wire[0] = 1;
	for (i = 0; i < 8; i++)
		r->wire[hlen - 8 + i] = (uint8_t)(mlen >> (56 - 8 * i));
	r->wire[hlen] = (uint8_t)(r->id >> 24);
	r->wire[hlen + 1] = (uint8_t)(r->id >> 16);
	r->wire[hlen + 2] = (uint8_t)(r->id >> 8);
	r->wire[hlen + 3] = (uint8_t)r->id;
	r->len = hlen + 4 + flen;
	r->cb = cb;
	r->arg = arg;
	r->sent_us = svc_now_us();
	r->deadline_ms = r->sent_us / 1000 + s->timeout_ms;
	TAILQ_INSERT_TAIL(&s->reqs, r, entry);
	svc_hash_add(s, r);
	if (s->inflight++ == 0) {
		struct timeval tv = { 0, SVC_TICK_MS * 1000 };

		event_add(s->tick_ev, &tv);
	}
	svc_send_req(s, r);
	return (0);
}

unsigned
gw_svc_inflight(const struct gw_svc *s)
{
	return (s->nng != NULL ? gw_nsvc_inflight(s->nng) : s->inflight);
}

int
gw_svc_pipes(const struct gw_svc *s)
{
	if (s->nng != NULL)
		return (gw_nsvc_pipes(s->nng));
	return (s->state == SVC_UP ? 1 : 0);
}

void
gw_svc_set_stats(struct gw_svc *s, struct cm_prom_hist *latency,
    uint64_t *errors)
{
	if (s->nng != NULL)
		gw_nsvc_set_stats(s->nng, latency, errors);
	s->latency = latency;
	s->errors = errors;
}

const char *
gw_svc_name(const struct gw_svc *s)
{
	return (s->name);
}

struct svc_notice {
	struct gw_svc	*svc;
	const char	*what;		/* static */
};

static void
svc_notify_cb(int status, const char *body, size_t len, void *arg)
{
	struct svc_notice *n = arg;

	if (status != CM_ST_OK && status != CM_ST_UNKNOWN_TYPE)
		cm_log_warn("msg=\"service notice failed\" svc=%s what=\"%s\" "
		    "status=%d", n->svc->name, n->what, status);
	free(n);
}

void
gw_svc_notify(struct gw_svc *s, int type, const char *org, const char *body,
    size_t len, const char *what)
{
	struct svc_notice *n = cm_malloc(sizeof(*n));

	n->svc = s;
	n->what = what;
	if (gw_svc_request(s, type, org, body, len, svc_notify_cb, n) == -1) {
		cm_log_warn("msg=\"service notice not sent\" svc=%s "
		    "what=\"%s\"", s->name, what);
		free(n);
	}
}
