/*
 * The sweeper: one thread of presence-svc's own, beside the skeleton's
 * request threads, with its own Redis connection.  Every tick (a
 * quarter of presence_worker_timeout_ms, at most 1 s) it
 *
 *  - drops the sockets of every gateway worker whose last heartbeat is
 *    older than presence_worker_timeout_ms (a worker or a whole gateway
 *    died and was not replaced), then forgets the worker;
 *  - removes the room members whose presence ran out (chat-room-due);
 *  - forgets the watch-chat watches that ran out (chat-watch-due), and
 *    pushes heartbeat-config with the slow interval to each customer
 *    left with none (visitor.c);
 *
 * and every PRES_REAP_MS it drops sockets that their worker, though
 * alive, has not listed for the 120 s of a socket row (their close was
 * lost while presence-svc was down for longer than nng_timeout_ms).
 *
 * The sockets of a dead worker are passed on to queue-svc as closes
 * (worker.c); unlisted ones are not: their worker is alive and sent
 * queue-svc their close itself, and a second one, minutes later, would
 * move the time queue-svc replays missed messages from.
 *
 * Everything it reads is in Redis, so a restarted presence-svc goes on
 * where the last one stopped.  It declares no worker dead until it has
 * had Redis for a whole timeout itself: beats that could not be stored
 * while presence-svc or Redis was down are not taken for silence.
 * Several presence-svc processes may sweep at once; every step is an
 * idempotent script.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_REAP_MS		30000
#define PRES_ROOMS_PER_TICK	100
#define PRES_WATCHES_PER_TICK	100

struct pres_sweeper {
	struct cm_svc_ctx	 ctx;		/* thread -1: the sweeper */
	struct cm_cfg		 cfg;		/* see pres_sweep_start */
	int64_t			 ready;		/* Redis usable since; 0: not */
	int64_t			 next_reap;
};

static void	*pres_sweep_main(void *);
static int	 pres_sweep_workers(struct pres_sweeper *, int64_t);
static int	 pres_sweep_stale(struct pres_sweeper *, int64_t);
static int	 pres_sweep_rooms(struct pres_sweeper *, int64_t);
static int	 pres_sweep_watches(struct pres_sweeper *, int64_t);

void
pres_sweep_start(struct cm_svc_ctx *ctx)
{
	struct pres_app		*app = ctx->app;
	struct pres_sweeper	*sw;
	pthread_t		 tid;
	int			 rv;

	pthread_mutex_lock(&app->lock);
	if (!app->started) {
		/*
		 * The skeleton frees its config on the way out while
		 * this thread may still run, so the sweeper keeps its own
		 * copies of the strings it reads (Redis address and
		 * password, key prefix, queue-svc's address); it reads no
		 * other string.
		 */
		sw = cm_calloc(1, sizeof(*sw));
		sw->cfg = *ctx->cfg;
		sw->cfg.redis_address = cm_strdup(ctx->cfg->redis_address);
		sw->cfg.redis_password = cm_strdup(ctx->cfg->redis_password);
		sw->cfg.key_prefix = cm_strdup(ctx->cfg->key_prefix);
		sw->cfg.queue_address = cm_strdup(ctx->cfg->queue_address);
		sw->ctx.cfg = &sw->cfg;
		sw->ctx.app = app;
		sw->ctx.thread = -1;
		/* Signals stay blocked: the thread inherits our mask. */
		if ((rv = pthread_create(&tid, NULL, pres_sweep_main,
		    sw)) != 0) {
			cm_log_warn("msg=\"sweeper not started\" err=\"%s\"",
			    strerror(rv));
			free(sw->cfg.redis_address);
			free(sw->cfg.redis_password);
			free(sw->cfg.key_prefix);
			free(sw->cfg.queue_address);
			free(sw);
		} else {
			pthread_detach(tid);
			app->started = 1;
			cm_log_info("msg=\"sweeper started\" "
			    "worker_timeout_ms=%d",
			    ctx->cfg->presence_worker_timeout_ms);
		}
	}
	pthread_mutex_unlock(&app->lock);
}

/* Runs until the process exits; the state it leaves is Redis's. */
static void *
pres_sweep_main(void *arg)
{
	struct pres_sweeper	*sw = arg;
	struct timespec		 ts;
	int64_t			 now;
	long			 tick;

	tick = sw->ctx.cfg->presence_worker_timeout_ms / 4;
	if (tick > 1000)
		tick = 1000;
	if (tick < 50)
		tick = 50;
	ts.tv_sec = tick / 1000;
	ts.tv_nsec = (tick % 1000) * 1000000L;
	for (;;) {
		nanosleep(&ts, NULL);
		if (sw->ctx.redis == NULL &&
		    (sw->ctx.redis = cm_redis_connect(sw->ctx.cfg)) == NULL) {
			sw->ready = 0;
			continue;
		}
		now = cm_now_ms();
		if (sw->ready == 0)
			sw->ready = now;
		if (pres_sweep_workers(sw, now) == -1 ||
		    pres_sweep_rooms(sw, now) == -1 ||
		    pres_sweep_watches(sw, now) == -1 ||
		    pres_sweep_stale(sw, now) == -1)
			sw->ready = 0;		/* Redis failed us */
	}
	return (NULL);
}

/* Drops the sockets of workers that stopped beating. */
static int
pres_sweep_workers(struct pres_sweeper *sw, int64_t now)
{
	struct cm_svc_ctx	*ctx = &sw->ctx;
	int64_t			 timeout = ctx->cfg->presence_worker_timeout_ms;
	long long		 cutoff = (long long)(now - timeout);
	redisReply		*dead;
	struct pres_drop	 d;
	char			*key;
	size_t			 i;
	int			 rv = 0, forgot;

	if (now - sw->ready < timeout)
		return (0);
	key = pres_key_gw_beats(ctx->cfg);
	dead = cm_redis_command(ctx, "ZRANGEBYSCORE %s -inf %lld WITHSCORES",
	    key, cutoff);
	free(key);
	if (!pres_redis_ok(dead, "sweep-beats") ||
	    dead->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i + 1 < dead->elements; i += 2) {
		const char	*wid = dead->element[i]->str;

		memset(&d, 0, sizeof(d));
		d.reason = "gateway worker silent";
		d.since = strtoll(dead->element[i + 1]->str, NULL, 10); /* last beat */
		if (pres_worker_drop(ctx, wid, INT64_MAX, INT64_MAX,
		    &d) == -1) {
			pres_worker_tell(ctx, wid, &d);
			rv = -1;
			break;
		}
		forgot = pres_worker_forget(ctx, wid, cutoff);
		cm_log(d.sockets > 0 ? CM_LOG_NOTICE : CM_LOG_INFO, "msg=\"worker silent, sockets dropped\" "
		    "worker=%s silent_ms>%lld sockets_dropped=%d offline=%d "
		    "forgotten=%d", wid, (long long)timeout, d.sockets,
		    d.offline, forgot);
		pres_worker_tell(ctx, wid, &d);
	}
	freeReplyObject(dead);
	return (rv);
}

/* Every PRES_REAP_MS: sockets that their live worker no longer lists. */
static int
pres_sweep_stale(struct pres_sweeper *sw, int64_t now)
{
	struct cm_svc_ctx	*ctx = &sw->ctx;
	long long		 seen = (long long)now -
				    PRES_SOCKET_TTL_S * 1000LL;
	redisReply		*wids;
	struct pres_drop	 d = { .reason = NULL };	/* see above */
	char			*key;
	size_t			 i;
	int			 rv = 0;

	/*
	 * Live sockets are listed every 30 s: give every worker the
	 * chance to list its sockets to this process first, in case it
	 * (or Redis) was down for longer than a row lives.
	 */
	if (now < sw->next_reap || now - sw->ready < PRES_REAP_MS + 5000)
		return (0);
	sw->next_reap = now + PRES_REAP_MS;
	key = pres_key_gw_workers(ctx->cfg);
	wids = cm_redis_command(ctx, "HKEYS %s", key);
	free(key);
	if (!pres_redis_ok(wids, "sweep-workers") ||
	    wids->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i < wids->elements; i++)
		rv = pres_worker_drop(ctx, wids->element[i]->str, INT64_MAX,
		    seen, &d);
	if (d.sockets > 0)
		cm_log_notice("msg=\"unlisted sockets dropped\" sockets=%d "
		    "offline=%d", d.sockets, d.offline);
	freeReplyObject(wids);
	return (rv);
}

/* Room members whose presence ran out (seed 002: presenceTtlSeconds). */
static int
pres_sweep_rooms(struct pres_sweeper *sw, int64_t now)
{
	struct cm_svc_ctx	*ctx = &sw->ctx;
	redisReply		*due;
	char			*key;
	size_t			 i;
	int			 rv = 0;

	key = pres_key_room_due(ctx->cfg);
	due = cm_redis_command(ctx, "ZRANGEBYSCORE %s -inf %lld WITHSCORES "
	    "LIMIT 0 %d", key, (long long)now, PRES_ROOMS_PER_TICK);
	free(key);
	if (!pres_redis_ok(due, "sweep-rooms") ||
	    due->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i + 1 < due->elements; i += 2)
		rv = pres_room_prune(ctx, due->element[i]->str,
		    due->element[i + 1]->str);
	freeReplyObject(due);
	return (rv);
}

/* Customers whose watch may have run out (chat-watch-due). */
static int
pres_sweep_watches(struct pres_sweeper *sw, int64_t now)
{
	struct cm_svc_ctx	*ctx = &sw->ctx;
	redisReply		*due;
	char			*key;
	size_t			 i;
	int			 rv = 0;

	key = pres_key_watch_due(ctx->cfg);
	due = cm_redis_command(ctx, "ZRANGEBYSCORE %s -inf %lld WITHSCORES "
	    "LIMIT 0 %d", key, (long long)now, PRES_WATCHES_PER_TICK);
	free(key);
	if (!pres_redis_ok(due, "sweep-watches") ||
	    due->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i + 1 < due->elements; i += 2)
		rv = pres_watch_expire(ctx, due->element[i]->str,
		    due->element[i + 1]->str, now);
	freeReplyObject(due);
	return (rv);
}
