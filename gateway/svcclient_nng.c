/*
 * The NNG library's request client for one service, for the addresses
 * svcclient.c does not speak itself (see svcclient.h).  Threading:
 * svc_aio_cb runs on NNG's threads and only moves a finished request
 * onto the done list under the mutex and pokes the eventfd; everything
 * else, callbacks included, runs on the worker's libevent loop.
 */
#include <sys/eventfd.h>
#include <sys/queue.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "log.h"
#include "prom.h"
#include "proto.h"
#include "svcclient.h"
#include "svcclient_nng.h"
#include "util.h"

struct svc_req {
	TAILQ_ENTRY(svc_req)	 entry;
	TAILQ_ENTRY(svc_req)	 all_entry;	/* every request ever made */
	struct gw_nsvc		*svc;
	nng_ctx			 ctx;
	nng_aio			*aio;
	int			 sending;	/* 1: send stage, 0: recv */
	int			 rv;		/* NNG result */
	nng_msg			*reply;
	gw_svc_cb		 cb;
	void			*arg;
	int64_t			 sent_us;	/* for the latency histogram */
};
TAILQ_HEAD(svc_req_list, svc_req);

struct gw_nsvc {
	char			*name;
	nng_socket		 sock;
	int			 timeout_ms;
	uint64_t		 next_corr;
	unsigned		 inflight;
	struct cm_prom_hist	*latency;	/* shared stats, may be NULL */
	uint64_t		*errors;
	int			 efd;
	struct event		*ev;
	pthread_mutex_t		 lock;
	struct svc_req_list	 done;		/* under lock */
	struct svc_req_list	 idle;		/* loop only: reusable */
	TAILQ_HEAD(, svc_req)	 all;		/* loop only: for freeing */
};

static int64_t
svc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/* NNG thread: one stage of a request finished. */
static void
svc_aio_cb(void *arg)
{
	struct svc_req *r = arg;
	struct gw_nsvc *s = r->svc;
	uint64_t one = 1;
	int rv = nng_aio_result(r->aio), wake;

	if (r->sending && rv == 0) {
		r->sending = 0;
		nng_ctx_recv(r->ctx, r->aio);
		return;
	}
	if (r->sending)
		nng_msg_free(nng_aio_get_msg(r->aio)); /* not sent: ours */
	r->rv = rv;
	r->reply = rv == 0 ? nng_aio_get_msg(r->aio) : NULL;
	pthread_mutex_lock(&s->lock);
	/* The loop is woken once per batch: it takes the whole list. */
	wake = TAILQ_EMPTY(&s->done);
	TAILQ_INSERT_TAIL(&s->done, r, entry);
	pthread_mutex_unlock(&s->lock);
	if (wake && write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		cm_log_err("msg=\"eventfd write failed\" err=\"%s\"",
		    strerror(errno));
}

/* Loop: delivers finished requests to their callbacks. */
static void
svc_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_nsvc *s = arg;
	struct svc_req_list list = TAILQ_HEAD_INITIALIZER(list);
	struct svc_req *r;
	uint64_t n;

	if (read(s->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&s->lock);
	TAILQ_CONCAT(&list, &s->done, entry);
	pthread_mutex_unlock(&s->lock);

	while ((r = TAILQ_FIRST(&list)) != NULL) {
		struct cm_frame f;
		int status = GW_SVC_FAILED;
		const char *body = NULL;
		size_t len = 0;

		TAILQ_REMOVE(&list, r, entry);
		s->inflight--;
		if (s->latency != NULL)
			cm_prom_observe(s->latency,
			    (uint64_t)(svc_now_us() - r->sent_us));
		if (r->rv != 0 && s->errors != NULL)
			CM_ADD(s->errors, 1);
		if (r->rv == NNG_ETIMEDOUT) {
			status = GW_SVC_TIMEOUT;
			cm_log_warn("msg=\"service request timed out\" svc=%s "
			    "pipes=%d", s->name, gw_nsvc_pipes(s));
		}
		else if (r->rv != 0)
			cm_log_warn("msg=\"service request failed\" svc=%s "
			    "err=\"%s\"", s->name, nng_strerror(r->rv));
		else if (cm_frame_decode(nng_msg_body(r->reply),
		    nng_msg_len(r->reply), &f) == -1)
			cm_log_warn("msg=\"bad reply frame\" svc=%s", s->name);
		else {
			status = f.status;
			body = f.body;
			len = f.body_len;
		}
		r->cb(status, body, len, r->arg);
		if (r->reply != NULL)
			nng_msg_free(r->reply);
		r->reply = NULL;
		TAILQ_INSERT_HEAD(&s->idle, r, entry);
	}
}

struct gw_nsvc *
gw_nsvc_new(struct event_base *base, const char *name, const char *url,
    const struct cm_cfg *cfg)
{
	struct gw_nsvc *s = cm_calloc(1, sizeof(*s));
	int rv;

	s->name = cm_strdup(name);
	s->timeout_ms = cfg->nng_timeout_ms;
	s->efd = -1;
	TAILQ_INIT(&s->done);
	TAILQ_INIT(&s->idle);
	TAILQ_INIT(&s->all);
	pthread_mutex_init(&s->lock, NULL);
	if ((rv = nng_req0_open(&s->sock)) != 0 ||
	    (rv = nng_socket_set_ms(s->sock, NNG_OPT_REQ_RESENDTIME,
	    cfg->nng_resend_ms)) != 0 ||
	    (rv = nng_socket_set_ms(s->sock, NNG_OPT_RECONNMINT, 50)) != 0 ||
	    (rv = nng_socket_set_ms(s->sock, NNG_OPT_RECONNMAXT, 1000)) != 0 ||
	    /* Non-blocking dial: NNG keeps redialling until it connects. */
	    (rv = nng_dial(s->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		cm_log_err("msg=\"nng dial failed\" svc=%s url=%s err=\"%s\"",
		    name, url, nng_strerror(rv));
		goto fail;
	}
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		goto fail;
	s->ev = event_new(base, s->efd, EV_READ | EV_PERSIST, svc_done_cb, s);
	event_add(s->ev, NULL);
	return (s);
fail:
	gw_nsvc_free(s);
	return (NULL);
}

void
gw_nsvc_free(struct gw_nsvc *s)
{
	struct svc_req *r;

	if (s == NULL)
		return;
	/*
	 * Closing the socket completes every aio (NNG_ECLOSED); stopping
	 * them all waits for their callbacks, which must find neither the
	 * eventfd closed nor a neighbour on the done list freed.
	 */
	nng_close(s->sock);
	TAILQ_FOREACH(r, &s->all, all_entry)
		nng_aio_stop(r->aio);
	/* No callback can run now: the lists are ours to free. */
	while ((r = TAILQ_FIRST(&s->all)) != NULL) {
		TAILQ_REMOVE(&s->all, r, all_entry);
		nng_aio_free(r->aio);
		if (r->reply != NULL)
			nng_msg_free(r->reply);
		free(r);
	}
	if (s->ev != NULL)
		event_free(s->ev);
	if (s->efd != -1)
		close(s->efd);
	free(s->name);
	free(s);
}

static struct svc_req *
svc_req_get(struct gw_nsvc *s)
{
	struct svc_req *r = TAILQ_FIRST(&s->idle);

	if (r != NULL) {
		TAILQ_REMOVE(&s->idle, r, entry);
		return (r);
	}
	r = cm_calloc(1, sizeof(*r));
	r->svc = s;
	if (nng_ctx_open(&r->ctx, s->sock) != 0 ||
	    nng_aio_alloc(&r->aio, svc_aio_cb, r) != 0) {
		free(r);
		return (NULL);
	}
	TAILQ_INSERT_TAIL(&s->all, r, all_entry);
	return (r);
}

int
gw_nsvc_request(struct gw_nsvc *s, int type, const char *org,
    const char *body, size_t len, gw_svc_cb cb, void *arg)
{
	struct cm_frame f = { .type = (uint8_t)type, .corr = ++s->next_corr,
	    .body = body, .body_len = len };
	struct svc_req *r;
	nng_msg *msg;
	size_t n;

	cm_strlcpy(f.org, org, sizeof(f.org));
	if (nng_msg_alloc(&msg, cm_frame_size(&f)) != 0)
		return (-1);
	if ((n = cm_frame_encode(&f, nng_msg_body(msg))) == 0 ||
	    (r = svc_req_get(s)) == NULL) {
		nng_msg_free(msg);
		return (-1);
	}
	r->cb = cb;
	r->arg = arg;
	r->sending = 1;
	nng_aio_set_msg(r->aio, msg);
	nng_aio_set_timeout(r->aio, s->timeout_ms);
	s->inflight++;
	r->sent_us = svc_now_us();
	nng_ctx_send(r->ctx, r->aio);
	return (0);
}

unsigned
gw_nsvc_inflight(const struct gw_nsvc *s)
{
	return (s->inflight);
}

/*
 * NNG 1.5.2's nng_stat_find_socket() returns the first socket's stats
 * whatever socket it is asked for, so the socket is found by its "id".
 */
static nng_stat *
svc_stat_socket(nng_stat *all, int id)
{
	nng_stat *x, *sid;

	for (x = nng_stat_child(all); x != NULL; x = nng_stat_next(x))
		if (strcmp(nng_stat_name(x), "socket") == 0 &&
		    (sid = nng_stat_find(x, "id")) != NULL &&
		    (int)nng_stat_value(sid) == id)
			return (x);
	return (NULL);
}

int
gw_nsvc_pipes(const struct gw_nsvc *s)
{
	nng_stat *all, *sock, *pipes;
	int n = -1;

	if (nng_stats_get(&all) != 0)
		return (-1);
	if ((sock = svc_stat_socket(all, nng_socket_id(s->sock))) != NULL &&
	    (pipes = nng_stat_find(sock, "pipes")) != NULL)
		n = (int)nng_stat_value(pipes);
	nng_stats_free(all);
	return (n);
}

void
gw_nsvc_set_stats(struct gw_nsvc *s, struct cm_prom_hist *latency,
    uint64_t *errors)
{
	s->latency = latency;
	s->errors = errors;
}
