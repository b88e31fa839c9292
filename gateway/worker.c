/*
 * A gateway worker: one process, one libevent loop.  Everything with
 * threads or sockets (libevent, NNG, hiredis) is created here, after
 * the fork, never in the master.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/listener.h>

#include "fanout.h"
#include "gw.h"
#include "log.h"
#include "map.h"
#include "stats.h"
#include "tls.h"
#include "svcclient.h"

#define REFRESH_MS	30000	/* presence rows live 120 s */
#define DRAIN_POLL_MS	100

static void
peer_ip(const struct sockaddr *sa, char *out, size_t len)
{
	const void *addr = sa->sa_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)sa)->sin_addr;

	if (inet_ntop(sa->sa_family, addr, out, (socklen_t)len) == NULL)
		cm_strlcpy(out, "?", len);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int socklen, void *arg)
{
	struct gw_worker *w = arg;
	char ip[48];
	int one = 1;

	if (w->draining) {
		close(fd);
		return;
	}
	peer_ip(sa, ip, sizeof(ip));
	if (gw_ip_acquire(w->ips, ip, w->cfg->max_connections_per_ip) == -1) {
		CM_ADD(&w->st->connections_refused, 1);
		cm_log_info("msg=\"connection refused\" ip=%s "
		    "why=max_connections_per_ip", ip);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (gw_conn_new(w, fd, ip) == NULL) {
		gw_ip_release(w->ips, ip);
		close(fd);
	} else
		CM_ADD(&w->st->connections_total, 1);
}

static void
accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	evconnlistener_enable(arg);
}

/* Out of fds (EMFILE): stop accepting for a second instead of spinning. */
static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct gw_worker *w = arg;
	struct timeval tv = { 1, 0 };

	cm_log_warn("msg=\"accept failed\" err=\"%s\" connections=%u",
	    strerror(errno), w->nconns);
	evconnlistener_disable(l);
	event_base_once(w->base, -1, EV_TIMEOUT, accept_resume_cb, l, &tv);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	gw_sio_refresh_presence(arg);
}

/* Proves to the master (and so to systemd's watchdog) that the loop runs. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_worker *w = arg;
	unsigned inflight;
	int i;

	if (w->draining)
		return;		/* the slot is the next generation's now */
	__atomic_store_n(&w->st->heartbeat_ms, cm_mono_ms(), __ATOMIC_RELAXED);
	__atomic_store_n(&w->st->redis_up, gw_fanout_ready(w->fanout),
	    __ATOMIC_RELAXED);
	__atomic_store_n(&w->st->channels, gw_fanout_count(w->fanout),
	    __ATOMIC_RELAXED);
	/*
	 * After a wave of connections (a reconnect storm, a deploy), the
	 * heap holds free memory between the connections that stayed, and
	 * what the wave's notices to the services took while they queued:
	 * give its pages back (malloc_trim(3) releases whole free pages
	 * anywhere in the heap), once the wave is over.
	 */
	for (i = 0, inflight = 0; i < GW_SVC_COUNT; i++)
		inflight += gw_svc_inflight(w->svc[i]);
	if (w->nconns != w->trim_nconns || inflight > 64) {
		w->trim_nconns = w->nconns;
		w->trim_due = 1;
	} else if (w->trim_due) {
		w->trim_due = 0;
		malloc_trim(0);
	}
}

/* Tells presence-svc this worker lives (see CM_MSG_WORKER_HEARTBEAT). */
static void
heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_worker *w = arg;
	struct cm_buf b = { 0 };

	cm_buf_puts(&b, "{\"gateway\":");
	cm_buf_json_str(&b, w->gateway_id);
	cm_buf_printf(&b, ",\"worker\":%d,\"pid\":%d,\"startedAt\":%lld}",
	    w->slot, (int)getpid(), (long long)w->started_at);
	gw_svc_notify(w->svc[GW_SVC_PRESENCE], CM_MSG_WORKER_HEARTBEAT, "",
	    b.data, b.len, "worker heartbeat");
	cm_buf_free(&b);
}

static int
drained(const struct gw_worker *w)
{
	int i;

	if (w->nconns > 0)
		return (0);
	for (i = 0; i < GW_SVC_COUNT; i++)
		if (gw_svc_inflight(w->svc[i]) > 0)
			return (0);
	return (1);
}

static void
drain_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_worker *w = arg;
	struct timeval tv = { 0, DRAIN_POLL_MS * 1000 };

	if (drained(w) || cm_mono_ms() >= w->drain_deadline) {
		if (!drained(w))
			cm_log_warn("msg=\"drain deadline passed\" "
			    "connections=%u", w->nconns);
		event_base_loopbreak(w->base);
		return;
	}
	evtimer_add(w->drain_ev, &tv);
}

/*
 * Graceful stop: no new connections; every WebSocket gets a close frame
 * (1001, going away), which socket.io-client answers by reconnecting,
 * to another worker or the next generation; then wait for in-flight
 * service requests (presence updates) until the grace period ends.
 */
static void
worker_drain(struct gw_worker *w)
{
	struct gw_conn *c, *next;

	if (w->draining)
		return;
	w->draining = 1;
	w->drain_deadline = cm_mono_ms() + w->cfg->shutdown_grace_ms;
	/* Only the sockets' close notices are still to be sent. */
	event_del(w->heartbeat_ev);
	event_del(w->refresh_ev);
	cm_log_notice("msg=\"draining\" connections=%u", w->nconns);
	evconnlistener_disable(w->listener);
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state == GW_CONN_WS) {
			gw_sio_close(c, "server shutting down");
			gw_ws_close(c, GW_WS_GOING_AWAY,
			    "server shutting down");
		} else if (c->state == GW_CONN_HTTP)
			gw_conn_close(c);
	}
	w->drain_ev = evtimer_new(w->base, drain_poll_cb, w);
	drain_poll_cb(-1, 0, w);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw_worker *w = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
	case SIGQUIT:
		worker_drain(w);
		break;
	case SIGUSR1:
		/* Toggle debug logging, to look at a live problem. */
		cm_log_threshold = cm_log_threshold == CM_LOG_DEBUG ?
		    cm_log_level_parse(w->cfg->log_level) : CM_LOG_DEBUG;
		cm_log_notice("msg=\"log level toggled\" level=%d",
		    cm_log_threshold);
		break;
	}
}

static int
worker_setup(struct gw_worker *w, int listen_fd)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGUSR1 };
	const char *urls[GW_SVC_COUNT] = { w->cfg->presence_address,
	    w->cfg->queue_address, w->cfg->ai_address };
	const char *names[GW_SVC_COUNT] = { "presence", "queue", "ai" };
	struct timeval tv = { REFRESH_MS / 1000, 0 };
	size_t i;

	if ((w->base = event_base_new()) == NULL)
		return (cm_fail("msg=\"event_base_new failed\""));
	int tls_off;

	if ((w->jwt = cm_jwt_verifier_new(w->cfg)) == NULL)
		return (-1);
	w->ips = cm_map_new();
	if ((w->ssl_ctx = gw_tls_ctx(w->cfg, &tls_off)) == NULL && !tls_off)
		return (-1);
	for (i = 0; i < GW_SVC_COUNT; i++) {
		if ((w->svc[i] = gw_svc_new(w->base, names[i], urls[i],
		    w->cfg)) == NULL)
			return (-1);
		gw_svc_set_stats(w->svc[i], &w->st->nng_latency[i],
		    &w->st->nng_errors[i]);
	}
	w->fanout = gw_fanout_new(w, gw_sio_member_ready);
	w->listener = evconnlistener_new(w->base, accept_cb, w,
	    LEV_OPT_CLOSE_ON_EXEC, -1, listen_fd);
	if (w->listener == NULL)
		return (cm_fail("msg=\"listener failed\""));
	evconnlistener_set_error_cb(w->listener, accept_error_cb);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		w->sig_ev[i] = evsignal_new(w->base, sigs[i], signal_cb, w);
		evsignal_add(w->sig_ev[i], NULL);
	}
	w->refresh_ev = event_new(w->base, -1, EV_PERSIST, refresh_cb, w);
	event_add(w->refresh_ev, &tv);
	tv.tv_sec = w->cfg->worker_heartbeat_ms / 1000;
	tv.tv_usec = (w->cfg->worker_heartbeat_ms % 1000) * 1000;
	w->heartbeat_ev = event_new(w->base, -1, EV_PERSIST, heartbeat_cb, w);
	event_add(w->heartbeat_ev, &tv);
	heartbeat_cb(-1, 0, w);
	tv.tv_sec = 1;
	tv.tv_usec = 0;
	w->tick_ev = event_new(w->base, -1, EV_PERSIST, tick_cb, w);
	event_add(w->tick_ev, &tv);
	tick_cb(-1, 0, w);
	return (0);
}

static void
worker_teardown(struct gw_worker *w)
{
	struct gw_conn *c;
	size_t i;

	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		gw_conn_abort(c);
	for (i = 0; i < sizeof(w->sig_ev) / sizeof(w->sig_ev[0]); i++)
		if (w->sig_ev[i] != NULL)
			event_free(w->sig_ev[i]);
	if (w->refresh_ev != NULL)
		event_free(w->refresh_ev);
	if (w->heartbeat_ev != NULL)
		event_free(w->heartbeat_ev);
	if (w->tick_ev != NULL)
		event_free(w->tick_ev);
	if (w->drain_ev != NULL)
		event_free(w->drain_ev);
	if (w->listener != NULL)
		evconnlistener_free(w->listener);
	gw_fanout_free(w->fanout);
	for (i = 0; i < GW_SVC_COUNT; i++)
		gw_svc_free(w->svc[i]);
	cm_jwt_verifier_free(w->jwt);
	SSL_CTX_free(w->ssl_ctx);
	cm_map_free(w->ips);
	if (w->base != NULL)
		event_base_free(w->base);
}

int
gw_worker_run(struct cm_cfg *cfg, int slot, int listen_fd,
    struct gw_stats *stats)
{
	struct gw_worker w;
	int rv = 0;

	memset(&w, 0, sizeof(w));
	w.cfg = cfg;
	w.slot = slot;
	w.stats = stats;
	w.st = &stats->slot[slot];
	w.started_at = cm_now_ms();
	TAILQ_INIT(&w.conns);
	cm_log_set_worker(slot);
	if (cfg->gateway_id[0] != '\0')
		cm_strlcpy(w.gateway_id, cfg->gateway_id,
		    sizeof(w.gateway_id));
	else if (gethostname(w.gateway_id, sizeof(w.gateway_id) - 1) == -1)
		cm_strlcpy(w.gateway_id, "gateway", sizeof(w.gateway_id));
	if (worker_setup(&w, listen_fd) == -1)
		rv = 1;
	else {
		cm_log_notice("msg=\"worker ready\" pid=%d", (int)getpid());
		event_base_dispatch(w.base);
	}
	worker_teardown(&w);
	return (rv);
}
