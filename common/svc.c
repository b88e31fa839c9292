/*
 * The service skeleton (svc.h): command line, config, the listener, a
 * pool of request threads and the signal loop.
 *
 * For ipc:// and numeric tcp:// addresses the skeleton speaks NNG's
 * REQ/REP wire protocol itself (svc_rep.c): the request threads wait
 * on the connections together, and the thread that reads a request
 * answers it, with no hand-off between threads.  Other addresses go
 * through an NNG rep0 socket, each thread with its own nng_ctx and
 * nng_aio.  Either way each thread owns one hiredis connection and
 * runs receive -> decode -> dispatch -> reply in a plain blocking
 * loop.  The main thread, once the pool runs, waits for
 * signals with sigtimedwait() and, between them, checks that the
 * listener still works (svc_listen.c).  Every signal is blocked in
 * every thread (NNG's own included, since the mask is set before NNG
 * starts them), so no code ever runs in signal context.
 */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "svc.h"
#include "proto.h"
#include "svc_http.h"
#include "svc_listen.h"
#include "svc_rep.h"
#include "util.h"

/*
 * An idle thread wakes this often to see whether the service is
 * stopping and whether its Redis link is due for a reconnect.
 */
#define SVC_IDLE_TICK_MS	250
#define SVC_SEND_TIMEOUT_MS	2000
#define SVC_WATCHDOG_S		2	/* listener check, see svc_listen.c */
#define SVC_BACKOFF_MIN_MS	100
#define SVC_BACKOFF_MAX_MS	5000
#define SVC_CONNS_PER_THREAD	8	/* own listener: peers at once */

struct svc;

/* One request thread. */
struct svc_thread {
	struct svc		*svc;
	struct cm_svc_ctx	 ctx;		/* lent to handlers */
	pthread_t		 tid;
	nng_ctx			 nctx;
	nng_aio			*aio;
	int64_t			 retry_at;	/* monotonic ms: next connect */
	int			 backoff_ms;	/* 0 while Redis is fine */
	int			 connects;	/* made by the skeleton */
};

struct svc {
	const struct cm_svc_def	*def;
	const char		*cfg_path;	/* NULL: the default */
	struct cm_cfg		 cfg;
	nng_socket		 sock;		/* unless rep */
	struct cm_svc_listen	*listen;	/* unless rep */
	struct cm_svc_rep	*rep;		/* our own REP listener */
	char			*self_url;	/* rep: what the probe dials */
	atomic_int		 stopping;
	struct svc_thread	*threads;
	int			 nthreads;	/* started */
	struct cm_svc_stats	 stats;
	struct cm_svc_http	*http;
	nng_socket		 probe;		/* req socket to ourselves */
	int			 probe_open;
	uint64_t		 watchdog_usec;	/* 0: no systemd watchdog */
};

static int	 svc_args(struct svc *, int, char **, int *);
static int	 svc_listen(struct svc *);
static int	 svc_start(struct svc *);
static void	 svc_signals(struct svc *, const sigset_t *);
static void	 svc_stop(struct svc *);
static void	*svc_thread_main(void *);
static void	*svc_thread_rep(void *);
static void	*svc_answer(struct svc_thread *, const void *, size_t,
		    size_t *);
static nng_msg	*svc_serve(struct svc_thread *, nng_msg *);
static void	 svc_redis_ensure(struct svc_thread *);
static int	 svc_http(struct svc *);
static const char *svc_address(const struct svc *);
static void	 svc_probe(struct svc *);

int
cm_svc_main(const struct cm_svc_def *def, int argc, char **argv)
{
	struct svc	 svc;
	sigset_t	 set;
	int		 check_only, status;

	memset(&svc, 0, sizeof(svc));
	svc.def = def;
	cm_log_init(def->name);
	if ((status = svc_args(&svc, argc, argv, &check_only)) != 0)
		return (status == -1 ? 0 : status);
	if (cm_cfg_load(&svc.cfg, svc.cfg_path) == -1)
		return (EX_CONFIG);		/* cm_cfg_load said why */
	if (check_only) {
		fprintf(stderr, "configuration ok\n");
		cm_cfg_free(&svc.cfg);
		return (0);
	}

	/* Before any thread exists, so that every thread inherits it. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (def->init != NULL && def->init(&svc.cfg, def->app) == -1) {
		cm_cfg_free(&svc.cfg);
		return (EX_CONFIG);
	}
	if (svc_listen(&svc) == -1) {
		if (def->fini != NULL)
			def->fini(def->app);
		cm_cfg_free(&svc.cfg);
		return (EX_UNAVAILABLE);
	}
	if (svc_start(&svc) == -1) {
		svc_stop(&svc);
		return (EX_OSERR);
	}
	if (svc_http(&svc) == -1) {
		svc_stop(&svc);
		return (EX_UNAVAILABLE);
	}
	if (sd_watchdog_enabled(0, &svc.watchdog_usec) <= 0)
		svc.watchdog_usec = 0;
	cm_log_notice("msg=listening address=\"%s\" threads=%d",
	    svc_address(&svc), svc.nthreads);
	svc_probe(&svc);
	sd_notify(0, "READY=1");
	svc_signals(&svc, &set);
	svc_stop(&svc);
	return (0);
}

/*
 * Parses NAME [-c config] [-t] [-h].  Returns 0 to go on, -1 after -h,
 * or EX_USAGE after printing the usage.
 */
static int
svc_args(struct svc *s, int argc, char **argv, int *check_only)
{
	int	 ch;

	*check_only = 0;
	while ((ch = getopt(argc, argv, "c:th")) != -1) {
		switch (ch) {
		case 'c':
			s->cfg_path = optarg;
			break;
		case 't':
			*check_only = 1;
			break;
		case 'h':
			fprintf(stdout, "usage: %s [-c config] [-t] [-h]\n",
			    argv[0]);
			return (-1);
		default:
			goto usage;
		}
	}
	if (optind == argc)
		return (0);
usage:
	fprintf(stderr, "usage: %s [-c config] [-t] [-h]\n", argv[0]);
	return (EX_USAGE);
}

/*
 * Listens on the service's address: with our own REP listener for
 * ipc:// and numeric tcp://, else with an NNG rep0 socket.
 */
static int
svc_listen(struct svc *s)
{
	int	 rv;

	if ((rv = cm_svc_rep_open(svc_address(s), s->cfg.service_threads *
	    SVC_CONNS_PER_THREAD, &s->rep)) == -1)
		return (-1);
	if (rv == 1) {
		s->self_url = cm_svc_self_url(svc_address(s));
		return (0);
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0)
		return (cm_fail("msg=\"nng_rep0_open failed\" err=\"%s\"",
		    nng_strerror(rv)));
	if ((s->listen = cm_svc_listen_open(s->sock,
	    svc_address(s))) == NULL) {
		nng_close(s->sock);
		return (-1);
	}
	return (0);
}

/* Starts cfg->service_threads request threads; -1 if one fails. */
static int
svc_start(struct svc *s)
{
	struct svc_thread	*t;
	int			 i, n = s->cfg.service_threads, rv;

	s->threads = cm_calloc((size_t)n, sizeof(*s->threads));
	for (i = 0; i < n; i++) {
		t = &s->threads[i];
		t->svc = s;
		t->ctx.cfg = &s->cfg;
		t->ctx.app = s->def->app;
		t->ctx.thread = i;
		t->ctx.stats = &s->stats;
		if (s->rep == NULL && ((rv = nng_ctx_open(&t->nctx,
		    s->sock)) != 0 ||
		    (rv = nng_aio_alloc(&t->aio, NULL, NULL)) != 0))
			return (cm_fail("msg=\"nng context failed\" err=\"%s\"",
			    nng_strerror(rv)));
		if ((rv = pthread_create(&t->tid, NULL, s->rep != NULL ?
		    svc_thread_rep : svc_thread_main, t)) != 0) {
			if (t->aio != NULL)
				nng_aio_free(t->aio);
			t->aio = NULL;
			return (cm_fail("msg=\"pthread_create failed\" "
			    "err=\"%s\"", strerror(rv)));
		}
		s->nthreads++;
	}
	return (0);
}

/*
 * Waits for signals until SIGTERM or SIGINT, and checks the listener
 * whenever none came for SVC_WATCHDOG_S seconds.
 */
static void
svc_signals(struct svc *s, const sigset_t *set)
{
	struct timespec	 tick = { SVC_WATCHDOG_S, 0 };
	struct cm_cfg	 cfg;
	int		 sig;

	for (;;) {
		if ((sig = sigtimedwait(set, NULL, &tick)) == -1) {
			if (errno == EAGAIN) {
				if (s->listen != NULL)
					cm_svc_listen_check(s->listen);
				svc_probe(s);
			}
			continue;
		}
		switch (sig) {
		case SIGTERM:
		case SIGINT:
			cm_log_notice("msg=stopping signal=%s",
			    sig == SIGTERM ? "TERM" : "INT");
			return;
		case SIGHUP:
			/*
			 * Only the log level takes effect without a
			 * restart: the threads hold pointers into s->cfg.
			 * cm_cfg_load() applies the new level itself.
			 */
			if (cm_cfg_load(&cfg, s->cfg_path) == -1) {
				cm_log_warn("msg=\"reload refused\"");
				break;
			}
			cm_log_notice("msg=reloaded log_level=%s",
			    cfg.log_level);
			cm_cfg_free(&cfg);
			break;
		default:
			break;			/* SIGUSR1: nothing to reopen */
		}
	}
}

/*
 * Lets every thread finish the request in hand (its reply still goes
 * out), joins them, then closes the socket.  Requests still queued in
 * NNG (or unread on our own connections) are lost with it; the
 * gateway's REQ side resends them to the next instance.
 */
static void
svc_stop(struct svc *s)
{
	struct svc_thread	*t;
	int			 i;

	sd_notify(0, "STOPPING=1");
	atomic_store(&s->stopping, 1);
	cm_svc_http_stop(s->http);
	if (s->probe_open)
		nng_close(s->probe);
	if (s->rep != NULL)
		cm_svc_rep_close_listener(s->rep);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i].tid, NULL);
	if (s->rep != NULL)
		cm_svc_rep_free(s->rep);
	else
		nng_close(s->sock);
	cm_svc_listen_free(s->listen);
	free(s->self_url);
	for (i = 0; i < s->nthreads; i++) {
		t = &s->threads[i];
		if (t->aio != NULL)
			nng_aio_free(t->aio);
		if (t->ctx.redis != NULL)
			redisFree(t->ctx.redis);
	}
	free(s->threads);
	if (s->def->fini != NULL)
		s->def->fini(s->def->app);
	cm_cfg_free(&s->cfg);
	cm_log_notice("msg=stopped");
}

/* ------------------------------------------------------------------ */

static void *
svc_thread_main(void *arg)
{
	struct svc_thread	*t = arg;
	nng_msg			*msg, *reply;
	int			 rv;

	svc_redis_ensure(t);
	while (!atomic_load(&t->svc->stopping)) {
		nng_aio_set_timeout(t->aio, SVC_IDLE_TICK_MS);
		nng_ctx_recv(t->nctx, t->aio);
		nng_aio_wait(t->aio);
		if ((rv = nng_aio_result(t->aio)) != 0) {
			if (rv == NNG_ECLOSED)
				break;
			if (rv != NNG_ETIMEDOUT)
				cm_log_warn("msg=\"receive failed\" err=\"%s\"",
				    nng_strerror(rv));
			svc_redis_ensure(t);
			continue;
		}
		msg = nng_aio_get_msg(t->aio);
		reply = svc_serve(t, msg);
		nng_msg_free(msg);
		if (reply == NULL)
			continue;
		nng_aio_set_timeout(t->aio, SVC_SEND_TIMEOUT_MS);
		nng_aio_set_msg(t->aio, reply);
		nng_ctx_send(t->nctx, t->aio);
		nng_aio_wait(t->aio);
		if ((rv = nng_aio_result(t->aio)) != 0) {
			/* On failure the message is still ours. */
			nng_msg_free(reply);
			cm_log_warn("msg=\"reply not sent\" err=\"%s\"",
			    nng_strerror(rv));
		}
	}
	return (NULL);
}

/* A request thread on our own listener (svc_rep.c). */
static void *
svc_thread_rep(void *arg)
{
	struct svc_thread	*t = arg;
	struct cm_svc_rep_req	 req;
	const uint8_t		*body;
	void			*out;
	size_t			 blen, len;

	svc_redis_ensure(t);
	while (!atomic_load(&t->svc->stopping)) {
		if (cm_svc_rep_next(t->svc->rep, SVC_IDLE_TICK_MS,
		    &req) == 0) {
			svc_redis_ensure(t);
			continue;
		}
		body = cm_svc_rep_body(&req, &blen);
		if ((out = svc_answer(t, body, blen, &len)) != NULL)
			cm_svc_rep_reply(&req, out, len, SVC_SEND_TIMEOUT_MS);
		free(out);
		cm_svc_rep_release(&req);
	}
	return (NULL);
}

static int64_t
svc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

/*
 * Answers one request and counts it; returns the reply frame (caller
 * frees) and its length in *lenp, or NULL.
 */
static void *
svc_answer(struct svc_thread *t, const void *buf, size_t blen, size_t *lenp)
{
	void	*out;
	size_t	 len;
	int	 type;
	int64_t	 t0 = svc_now_us();

	svc_redis_ensure(t);
	out = cm_svc_handle(t->svc->def, &t->ctx, buf, blen, &len);
	if (out == NULL)
		return (NULL);
	/* Count by the reply's header: type at byte 3, status at 4..5. */
	if (len >= CM_FRAME_HDR_LEN && (type = ((uint8_t *)out)[3]) > 0 &&
	    type < CM_MSG_TYPE_MAX) {
		struct cm_svc_stats *st = &t->svc->stats;

		CM_ADD(&st->requests[type], 1);
		/* No handler (UNKNOWN_TYPE) is a notice ignored, not a failure. */
		if (((uint8_t *)out)[4] != 0 || (((uint8_t *)out)[5] != 0 &&
		    ((uint8_t *)out)[5] != CM_ST_UNKNOWN_TYPE))
			CM_ADD(&st->failures[type], 1);
		cm_prom_observe(&st->duration[type],
		    (uint64_t)(svc_now_us() - t0));
	}
	*lenp = len;
	return (out);
}

/* Answers one request; returns the reply message, owned by the caller. */
static nng_msg *
svc_serve(struct svc_thread *t, nng_msg *msg)
{
	nng_msg	*reply = NULL;
	void	*out;
	size_t	 len;
	int	 rv;

	if ((out = svc_answer(t, nng_msg_body(msg), nng_msg_len(msg),
	    &len)) == NULL)
		return (NULL);
	if ((rv = nng_msg_alloc(&reply, 0)) != 0 ||
	    (rv = nng_msg_append(reply, out, len)) != 0) {
		cm_log_warn("msg=\"reply not built\" err=\"%s\"",
		    nng_strerror(rv));
		if (reply != NULL)
			nng_msg_free(reply);
		reply = NULL;
	}
	free(out);
	return (reply);
}

/*
 * Connects the thread's Redis link if it is down and a retry is due.
 * A request arriving in between finds ctx.redis NULL and fails fast.
 */
static void
svc_redis_ensure(struct svc_thread *t)
{
	int64_t	 now;
	int	 level;

	if (t->ctx.redis != NULL) {
		t->backoff_ms = 0;
		return;
	}
	if ((now = cm_mono_ms()) < t->retry_at)
		return;
	if ((t->ctx.redis = cm_redis_connect(t->ctx.cfg)) != NULL) {
		/* Quiet at start; a reconnect is worth a notice. */
		level = t->connects++ == 0 ? CM_LOG_INFO : CM_LOG_NOTICE;
		cm_log(level, "msg=\"redis connected\" thread=%d",
		    t->ctx.thread);
		if (level == CM_LOG_NOTICE)
			CM_ADD(&t->svc->stats.redis_reconnects, 1);
		t->backoff_ms = 0;
		return;
	}
	if (t->backoff_ms == 0)
		t->backoff_ms = SVC_BACKOFF_MIN_MS;
	else if ((t->backoff_ms *= 2) > SVC_BACKOFF_MAX_MS)
		t->backoff_ms = SVC_BACKOFF_MAX_MS;
	t->retry_at = now + t->backoff_ms;
}


/* Starts the HTTP endpoint of NAME_http_listen, if one is set. */
static int
svc_http(struct svc *s)
{
	char key[64];
	int off;

	snprintf(key, sizeof(key), "%s_http_listen", s->def->name);
	s->http = cm_svc_http_start(cm_cfg_str(&s->cfg, key), s->def,
	    &s->cfg, &s->stats, &off);
	return (s->http == NULL && !off ? -1 : 0);
}

/*
 * Sends ourselves a PING through the listener, as the gateway would:
 * an answer proves the request threads work, and its status says
 * whether they reach Redis.  That is readiness, and the only thing that
 * feeds systemd's watchdog.  Without an address to dial back (tls+tcp,
 * port 0) only Redis is probed, through the threads' own state.
 */
static void
svc_probe(struct svc *s)
{
	struct cm_frame f = { .type = CM_MSG_PING, .corr = 1, .body = "{}",
	    .body_len = 2 };
	const char *url = s->rep != NULL ? s->self_url :
	    cm_svc_listen_self_url(s->listen);
	unsigned char buf[64];
	nng_msg *reply = NULL;
	struct cm_frame r;
	int ok = 0, redis = 0, i;
	size_t n;

	if (url == NULL) {
		for (i = 0; i < s->nthreads; i++)
			redis |= s->threads[i].ctx.redis != NULL;
		ok = 1;
	} else {
		if (!s->probe_open && nng_req0_open(&s->probe) == 0) {
			s->probe_open = 1;
			nng_socket_set_ms(s->probe, NNG_OPT_RECVTIMEO, 1500);
			nng_socket_set_ms(s->probe, NNG_OPT_SENDTIMEO, 500);
			nng_dial(s->probe, url, NULL, NNG_FLAG_NONBLOCK);
		}
		n = cm_frame_encode(&f, buf);
		if (s->probe_open && n > 0 &&
		    nng_send(s->probe, buf, n, 0) == 0 &&
		    nng_recvmsg(s->probe, &reply, 0) == 0) {
			ok = cm_frame_decode(nng_msg_body(reply),
			    nng_msg_len(reply), &r) == 0;
			redis = ok && r.status == CM_ST_OK;
			nng_msg_free(reply);
		}
	}
	if (ok != CM_LOAD(&s->stats.probe_ok) ||
	    redis != CM_LOAD(&s->stats.redis_ok))
		cm_log_notice("msg=\"readiness changed\" threads=%s redis=%s",
		    ok ? "ok" : "not answering", redis ? "ok" : "down");
	__atomic_store_n(&s->stats.probe_ok, ok, __ATOMIC_RELAXED);
	__atomic_store_n(&s->stats.redis_ok, redis, __ATOMIC_RELAXED);
	__atomic_store_n(&s->stats.probe_at, cm_mono_ms(), __ATOMIC_RELAXED);
	if (s->watchdog_usec > 0 && ok && redis)
		sd_notify(0, "WATCHDOG=1");
}

/* The NNG address: config key NAME_address (one per service in cfg.c). */
static const char *
svc_address(const struct svc *s)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_address", s->def->name);
	return (cm_cfg_str(&s->cfg, key));
}
