/*
 * The gateway master, nginx style.  It parses the config, binds the
 * listening socket, forks the workers and then only waits for signals
 * with sigtimedwait(2): no handlers, no libevent, no NNG, no hiredis,
 * so nothing with threads or shared state crosses a fork.
 *
 *	SIGCHLD		reap; respawn a dead worker (backoff 100 ms .. 5 s)
 *	SIGHUP		reload: reread the config; if valid, start a new
 *			generation of workers, then tell the old one to drain
 *	SIGTERM, SIGINT	stop: workers drain within shutdown_grace_ms
 *	SIGQUIT		same as SIGTERM
 *	SIGUSR1		passed to the workers (toggle debug logging)
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netdb.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "gw.h"
#include "jwt.h"
#include "log.h"
#include "master.h"
#include "stats.h"
#include "tls.h"

#define GW_MAX_WORKERS		64
#define BACKOFF_MIN_MS		100
#define BACKOFF_MAX_MS		5000
#define STABLE_MS		2000	/* a worker that lived this long */
#define TICK_MS			250

struct gw_slot {
	pid_t	 pid;		/* 0: not running */
	int64_t	 started;
	int64_t	 respawn_at;	/* 0: none scheduled */
	int	 backoff_ms;
};

struct gw_master {
	struct cm_cfg	*cfg;
	const char	*path;
	int		 fd;
	int		 nworkers;
	struct gw_slot	 slots[GW_MAX_WORKERS];
	pid_t		 old[GW_MAX_WORKERS * 4];	/* draining */
	sigset_t	 sigs;
	int		 stopping;
	struct gw_stats	*stats;		/* shared with the workers */
	uint64_t	 watchdog_usec;	/* 0: no systemd watchdog */
	int64_t		 watchdog_last;
	int		 watchdog_starved; /* logged once per outage */
};

static int
master_bind(const char *listen_addr)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *res = NULL;
	char host[256], port_s[16];
	int fd = -1, port, one = 1, rv;

	if (cm_split_hostport(listen_addr, host, sizeof(host), &port) == -1)
		return (cm_fail("msg=\"bad gateway_listen\" value=\"%s\"",
		    listen_addr));
	snprintf(port_s, sizeof(port_s), "%d", port);
	if ((rv = getaddrinfo(host[0] ? host : NULL, port_s, &hints,
	    &res)) != 0)
		return (cm_fail("msg=\"cannot resolve listen address\" "
		    "value=\"%s\" err=\"%s\"", listen_addr, gai_strerror(rv)));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, 4096) == -1) {
		cm_log_err("msg=\"cannot listen\" address=%s err=\"%s\"",
		    listen_addr, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (fd);
}

static void
master_spawn(struct gw_master *m, int slot)
{
	struct gw_slot *s = &m->slots[slot];
	pid_t pid;

	if ((pid = fork()) == -1) {
		cm_log_err("msg=\"fork failed\" err=\"%s\"", strerror(errno));
		s->respawn_at = cm_mono_ms() + BACKOFF_MAX_MS;
		return;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* A worker must not outlive its master. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(0);
		_exit(gw_worker_run(m->cfg, slot, m->fd, m->stats));
	}
	s->pid = pid;
	__atomic_store_n(&m->stats->slot[slot].pid, pid, __ATOMIC_RELAXED);
	__atomic_store_n(&m->stats->slot[slot].heartbeat_ms, cm_mono_ms(),
	    __ATOMIC_RELAXED);
	s->started = cm_mono_ms();
	s->respawn_at = 0;
	cm_log_notice("msg=\"worker started\" slot=%d pid=%d", slot, (int)pid);
}

static void
master_signal_all(struct gw_master *m, int sig)
{
	size_t i;

	for (i = 0; i < GW_MAX_WORKERS; i++)
		if (m->slots[i].pid > 0)
			kill(m->slots[i].pid, sig);
	for (i = 0; i < sizeof(m->old) / sizeof(m->old[0]); i++)
		if (m->old[i] > 0)
			kill(m->old[i], sig);
}

/* A dead worker's gauges would otherwise count its sockets forever. */
static void
master_clear_gauges(struct gw_slot_stats *st)
{
	int r;

	__atomic_store_n(&st->connections, 0, __ATOMIC_RELAXED);
	for (r = 0; r < GW_STATS_ROLES; r++)
		__atomic_store_n(&st->sockets[r], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->channels, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->redis_up, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->pid, 0, __ATOMIC_RELAXED);
}

/*
 * systemd's watchdog is fed only while every worker's loop has ticked
 * recently and has its Redis link: a wedged worker, or one cut off
 * from Redis, stops the feeding and systemd restarts the gateway.
 */
static void
master_watchdog(struct gw_master *m)
{
	int64_t now = cm_mono_ms(), stale = (int64_t)m->watchdog_usec / 2000;
	int i;

	if (m->watchdog_usec == 0 || now - m->watchdog_last < stale)
		return;
	for (i = 0; i < m->nworkers; i++) {
		const struct gw_slot_stats *st = &m->stats->slot[i];

		if (m->slots[i].pid <= 0 || !CM_LOAD(&st->redis_up) ||
		    now - CM_LOAD(&st->heartbeat_ms) > stale) {
			if (!m->watchdog_starved)
				cm_log_warn("msg=\"watchdog not fed\" slot=%d "
				    "running=%d redis_up=%d", i,
				    m->slots[i].pid > 0,
				    (int)CM_LOAD(&st->redis_up));
			m->watchdog_starved = 1;
			return;
		}
	}
	if (m->watchdog_starved)
		cm_log_notice("msg=\"watchdog fed again\"");
	m->watchdog_starved = 0;
	sd_notify(0, "WATCHDOG=1");
	m->watchdog_last = now;
}

/* Reaps every dead child; schedules respawns for current workers. */
static void
master_reap(struct gw_master *m)
{
	pid_t pid;
	int status, i;
	size_t k;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (k = 0; k < sizeof(m->old) / sizeof(m->old[0]); k++)
			if (m->old[k] == pid)
				m->old[k] = 0;
		for (i = 0; i < m->nworkers; i++) {
			struct gw_slot *s = &m->slots[i];
			int64_t lived;

			if (s->pid != pid)
				continue;
			s->pid = 0;
			master_clear_gauges(&m->stats->slot[i]);
			if (m->stopping)
				break;
			CM_ADD(&m->stats->worker_restarts, 1);
			lived = cm_mono_ms() - s->started;
			s->backoff_ms = lived >= STABLE_MS ? BACKOFF_MIN_MS :
			    (s->backoff_ms * 2 > BACKOFF_MAX_MS ?
			    BACKOFF_MAX_MS : s->backoff_ms * 2);
			s->respawn_at = cm_mono_ms() + s->backoff_ms;
			if (WIFSIGNALED(status))
				cm_log_warn("msg=\"worker died\" slot=%d pid=%d"
				    " signal=%d respawn_ms=%d", i, (int)pid,
				    WTERMSIG(status), s->backoff_ms);
			else
				cm_log_warn("msg=\"worker exited\" slot=%d "
				    "pid=%d status=%d respawn_ms=%d", i,
				    (int)pid, WEXITSTATUS(status),
				    s->backoff_ms);
		}
	}
}

static int
master_worker_count(const struct cm_cfg *cfg)
{
	long n = cfg->gateway_workers > 0 ? cfg->gateway_workers :
	    sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return (n > GW_MAX_WORKERS ? GW_MAX_WORKERS : (int)n);
}

int
gw_master_check_cfg(const struct cm_cfg *cfg)
{
	struct cm_jwt_verifier *v = cm_jwt_verifier_new(cfg);
	SSL_CTX *tls;
	int off;

	if (v == NULL)
		return (-1);
	cm_jwt_verifier_free(v);
	if ((tls = gw_tls_ctx(cfg, &off)) == NULL && !off)
		return (-1);
	SSL_CTX_free(tls);
	return (0);
}

static void
master_reload(struct gw_master *m)
{
	struct cm_cfg *next = cm_calloc(1, sizeof(*next));
	size_t i, k = 0;

	sd_notify(0, "RELOADING=1");
	if (cm_cfg_load(next, m->path) == -1 || gw_master_check_cfg(next) == -1) {
		cm_log_err("msg=\"reload refused: invalid config; the running "
		    "one stays in force\" path=%s", m->path);
		cm_cfg_free(next);
		free(next);
		cm_log_threshold = cm_log_level_parse(m->cfg->log_level);
		sd_notify(0, "READY=1");
		return;
	}
	if (strcmp(next->gateway_listen, m->cfg->gateway_listen) != 0)
		cm_log_warn("msg=\"gateway_listen changes need a restart\" "
		    "kept=%s", m->cfg->gateway_listen);
	/* The old generation drains once the new one is running. */
	for (i = 0; i < GW_MAX_WORKERS; i++) {
		if (m->slots[i].pid <= 0)
			continue;
		while (k < sizeof(m->old) / sizeof(m->old[0]) && m->old[k] > 0)
			k++;
		if (k < sizeof(m->old) / sizeof(m->old[0]))
			m->old[k] = m->slots[i].pid;
		m->slots[i].pid = 0;
	}
	cm_cfg_free(m->cfg);
	free(m->cfg);
	m->cfg = next;
	m->nworkers = master_worker_count(next);
	for (i = 0; i < (size_t)m->nworkers; i++) {
		m->slots[i].backoff_ms = BACKOFF_MIN_MS;
		master_spawn(m, (int)i);
	}
	for (k = 0; k < sizeof(m->old) / sizeof(m->old[0]); k++)
		if (m->old[k] > 0)
			kill(m->old[k], SIGQUIT);
	cm_log_notice("msg=\"reloaded\" workers=%d", m->nworkers);
	sd_notify(0, "READY=1");
}

static int
master_children(const struct gw_master *m)
{
	size_t i;
	int n = 0;

	for (i = 0; i < GW_MAX_WORKERS; i++)
		n += m->slots[i].pid > 0;
	for (i = 0; i < sizeof(m->old) / sizeof(m->old[0]); i++)
		n += m->old[i] > 0;
	return (n);
}

/* Graceful stop: workers drain; after the grace period, SIGKILL. */
static void
master_stop(struct gw_master *m)
{
	int64_t deadline = cm_mono_ms() + m->cfg->shutdown_grace_ms + 1000;
	struct timespec ts = { 0, TICK_MS * 1000000L };
	siginfo_t si;

	sd_notify(0, "STOPPING=1");
	m->stopping = 1;
	cm_log_notice("msg=\"stopping\" workers=%d", master_children(m));
	master_signal_all(m, SIGTERM);
	while (master_children(m) > 0 && cm_mono_ms() < deadline) {
		sigtimedwait(&m->sigs, &si, &ts);
		master_reap(m);
	}
	if (master_children(m) > 0) {
		cm_log_warn("msg=\"workers killed after grace period\"");
		master_signal_all(m, SIGKILL);
		while (master_children(m) > 0 && waitpid(-1, NULL, 0) > 0)
			master_reap(m);
	}
}

int
gw_master_run(struct cm_cfg *cfg, const char *path)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT,
	    SIGQUIT, SIGUSR1 };
	struct gw_master *m = cm_calloc(1, sizeof(*m));
	struct timespec ts = { 0, TICK_MS * 1000000L };
	siginfo_t si;
	size_t i;
	int sig;

	m->cfg = cfg;
	m->path = path;
	if (gw_master_check_cfg(cfg) == -1)
		return (78);
	if ((m->stats = gw_stats_map()) == NULL)
		return (71);
	m->stats->master_pid = getpid();
	if (sd_watchdog_enabled(0, &m->watchdog_usec) <= 0)
		m->watchdog_usec = 0;
	if ((m->fd = master_bind(cfg->gateway_listen)) == -1)
		return (69);
	sigemptyset(&m->sigs);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&m->sigs, sigs[i]);
	sigprocmask(SIG_BLOCK, &m->sigs, NULL);

	m->nworkers = master_worker_count(cfg);
	for (i = 0; i < (size_t)m->nworkers; i++) {
		m->slots[i].backoff_ms = BACKOFF_MIN_MS;
		master_spawn(m, (int)i);
	}
	cm_log_notice("msg=\"listening\" address=%s workers=%d",
	    cfg->gateway_listen, m->nworkers);
	sd_notifyf(0, "READY=1\nSTATUS=listening on %s, %d workers",
	    cfg->gateway_listen, m->nworkers);

	while (!m->stopping) {
		sig = sigtimedwait(&m->sigs, &si, &ts);
		switch (sig) {
		case SIGCHLD:
			master_reap(m);
			break;
		case SIGHUP:
			master_reload(m);
			break;
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			master_stop(m);
			break;
		case SIGUSR1:
			master_signal_all(m, SIGUSR1);
			break;
		default:
			master_reap(m);		/* a SIGCHLD may coalesce */
			break;
		}
		for (i = 0; i < (size_t)m->nworkers && !m->stopping; i++)
			if (m->slots[i].pid == 0 && m->slots[i].respawn_at &&
			    cm_mono_ms() >= m->slots[i].respawn_at)
				master_spawn(m, (int)i);
		if (!m->stopping)
			master_watchdog(m);
	}
	close(m->fd);
	cm_log_notice("msg=\"stopped\"");
	cm_cfg_free(m->cfg);		/* the master owns it (see main.c) */
	free(m->cfg);
	free(m);
	return (0);
}
