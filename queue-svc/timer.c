/*
 * The timer thread of queue-svc.  Deadlines live in Redis (one sorted
 * set per org, chat-timers), never in this process, so a restarted or
 * second queue-svc fires them just the same; every firing is a script
 * that checks the state again, so two instances firing one deadline do
 * no harm.  Every QS_TICK_MS, for each org in chat-orgs:
 *
 *  - fires the due deadlines: inactivity warnings and closes, typing
 *    that clears itself (script "timer");
 *  - if the org's counters changed (chat-dirty), publishes stats-update
 *    to its agents, so at most one per tick however busy the org is;
 *  - every QS_SWEEP_MS, looks for ghost sockets: identities whose
 *    identity channel no gateway worker subscribes any more (PUBSUB
 *    NUMSUB), which happens when a worker dies without SOCKET_CLOSE.
 *    One that stays so for 20 s is taken as gone (script "sweep").
 *
 * The thread has its own Redis connection; the skeleton starts and
 * stops it (the init and fini hooks of svc.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channels.h"
#include "log.h"
#include "qs.h"
#include "queue_keys.h"
#include "util.h"

#define QS_TICK_MS		250
#define QS_SWEEP_EVERY_MS	5000
#define QS_FORGET_EVERY_MS	3600000
#define QS_DUE_BATCH		100
#define QS_NUMSUB_BATCH		100
#define QS_SWEEP_MAX		100000	/* identities looked at per sweep */
#define QS_BACKOFF_MAX_MS	5000

struct qs_timer {
	const struct cm_cfg	*cfg;
	struct cm_svc_ctx	 ctx;
	pthread_t		 tid;
	atomic_int		 stop;
	int			 running;
	int64_t			 next_sweep;
	int64_t			 next_forget;
	struct cm_redis_retry	 retry;
};

/* The one timer thread of the process, owned by this file. */
static struct qs_timer	 qs_timer;

static void	*qs_timer_main(void *);
static int	 qs_timer_redis(struct qs_timer *);
static void	 qs_timer_org(struct qs_timer *, const char *, int);
static void	 qs_timer_sweep(struct qs_timer *, const char *);
static void	 qs_timer_numsub(struct qs_timer *, const char *,
		    redisReply **, size_t, const char *);

/*
 * The skeleton's init hook (svc.h): starts the thread once the config
 * is loaded, with every signal blocked.  Returns 0, or -1 (logged).
 */
int
qs_timer_init(const struct cm_cfg *cfg, void *app)
{
	struct qs_timer	*t = &qs_timer;
	int		 rv;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->ctx.cfg = cfg;
	t->ctx.thread = -1;
	if ((rv = pthread_create(&t->tid, NULL, qs_timer_main, t)) != 0)
		return (cm_fail("msg=\"timer thread not started\" err=\"%s\"",
		    strerror(rv)));
	t->running = 1;
	return (0);
}

/* The fini hook: stops the thread after the request threads. */
void
qs_timer_fini(void *app)
{
	struct qs_timer	*t = &qs_timer;

	if (!t->running)
		return;
	atomic_store(&t->stop, 1);
	pthread_join(t->tid, NULL);
	if (t->ctx.redis != NULL)
		redisFree(t->ctx.redis);
	t->running = 0;
}

static void *
qs_timer_main(void *arg)
{
	struct qs_timer		*t = arg;
	struct timespec		 tick = { 0, QS_TICK_MS * 1000000L };
	redisReply		*orgs;
	char			*key;
	int64_t			 now;
	size_t			 i;
	int			 sweep;

	key = qs_key_orgs(t->cfg);
	while (!atomic_load(&t->stop)) {
		nanosleep(&tick, NULL);
		if (qs_timer_redis(t) == -1)
			continue;
		now = cm_mono_ms();
		if ((sweep = now >= t->next_sweep))
			t->next_sweep = now + QS_SWEEP_EVERY_MS;
		if (now >= t->next_forget) {
			t->next_forget = now + QS_FORGET_EVERY_MS;
			qs_orgs_forget();
		}
		orgs = cm_redis_command(&t->ctx, "SMEMBERS %s", key);
		if (orgs != NULL && orgs->type == REDIS_REPLY_ARRAY)
			for (i = 0; i < orgs->elements; i++)
				if (orgs->element[i]->type ==
				    REDIS_REPLY_STRING &&
				    cm_org_valid(orgs->element[i]->str))
					qs_timer_org(t, orgs->element[i]->str,
					    sweep);
		freeReplyObject(orgs);
	}
	free(key);
	return (NULL);
}

/* Returns 0 with a Redis link, or -1 while it is down (with backoff). */
static int
qs_timer_redis(struct qs_timer *t)
{
	return (cm_redis_link(&t->ctx, &t->retry, QS_BACKOFF_MAX_MS));
}

static void
qs_timer_org(struct qs_timer *t, const char *org, int sweep)
{
	redisReply	*r, *x;
	char		*key, now[24];
	const char	*arg = "1", *m;
	size_t		 i;

	key = qs_key(t->cfg, QS_FAM_TIMERS, org, NULL, NULL);
	snprintf(now, sizeof(now), "%lld", (long long)cm_now_ms());
	r = cm_redis_command(&t->ctx, "ZRANGEBYSCORE %s -inf %s LIMIT 0 %d",
	    key, now, QS_DUE_BATCH);
	free(key);
	/* Fired in order; the script itself checks what is due. */
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING)
				continue;
			m = r->element[i]->str;
			x = qs_run(&t->ctx, org, &qs_script_timer, 1, &m);
			if (x != NULL && x->type == REDIS_REPLY_ERROR)
				cm_log_warn("msg=\"timer script failed\" "
				    "org=%s err=\"%.300s\"", org, x->str);
			else if (x != NULL && x->type == REDIS_REPLY_STRING &&
			    strcmp(x->str, "closed") == 0)
				cm_log_info("msg=\"conversation closed for "
				    "inactivity\" org=%s timer=%s", org, m);
			freeReplyObject(x);
		}
	freeReplyObject(r);

	key = qs_key(t->cfg, QS_FAM_DIRTY, org, NULL, NULL);
	r = cm_redis_command(&t->ctx, "GETDEL %s", key);
	free(key);
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		freeReplyObject(qs_run(&t->ctx, org, &qs_script_stats, 1,
		    &arg));
	freeReplyObject(r);
	if (sweep)
		qs_timer_sweep(t, org);
}

/*
 * Looks at the identities with sockets (chat-conn) of org: those whose
 * channel has no subscriber go to the sweep script, as do those that
 * had none before and have one again.
 */
static void
qs_timer_sweep(struct qs_timer *t, const char *org)
{
	redisReply	*r;
	char		*key, head[CM_CHANNEL_MAX];
	size_t		 i, n;

	if (qs_chan_head(t->cfg, org, head, sizeof(head)) == -1)
		return;
	key = qs_key(t->cfg, QS_FAM_CONN, org, NULL, NULL);
	r = cm_redis_command(&t->ctx, "ZRANGE %s 0 %d WITHSCORES", key,
	    QS_SWEEP_MAX - 1);
	free(key);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		for (i = 0; i + 1 < r->elements; i += 2 * n) {
			n = (r->elements - i) / 2;
			if (n > QS_NUMSUB_BATCH)
				n = QS_NUMSUB_BATCH;
			qs_timer_numsub(t, org, r->element + i, n, head);
		}
	freeReplyObject(r);
}

/*
 * One PUBSUB NUMSUB for n (member, score) pairs at pairs[], then the
 * sweep script for each member whose state may change.
 */
static void
qs_timer_numsub(struct qs_timer *t, const char *org, redisReply **pairs,
    size_t n, const char *head)
{
	const char	**argv, *args[2];
	struct cm_buf	  names = { 0 };
	size_t		  i, *offs;
	redisReply	 *r, *x;
	long long	  subs;
	char		  num[24];

	argv = cm_calloc(2 + n, sizeof(*argv));
	offs = cm_calloc(n, sizeof(*offs));
	for (i = 0; i < n; i++) {
		offs[i] = names.len;
		cm_buf_printf(&names, "%s%s", head, pairs[2 * i]->str);
		cm_buf_append(&names, "", 1);
	}
	argv[0] = "PUBSUB";
	argv[1] = "NUMSUB";
	for (i = 0; i < n; i++)
		argv[2 + i] = names.data + offs[i];
	r = cm_redis_argv(&t->ctx, (int)(2 + n), argv, NULL);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 * n)
		for (i = 0; i < n; i++) {
			subs = r->element[2 * i + 1]->integer;
			/* Present and known present: nothing to do. */
			if (subs > 0 && strcmp(pairs[2 * i + 1]->str, "0") == 0)
				continue;
			snprintf(num, sizeof(num), "%lld", subs);
			args[0] = pairs[2 * i]->str;
			args[1] = num;
			x = qs_run(&t->ctx, org, &qs_script_sweep, 2, args);
			if (x != NULL && x->type == REDIS_REPLY_STRING &&
			    strcmp(x->str, "gone") == 0)
				cm_log_info("msg=\"ghost sockets dropped\" "
				    "org=%s", org);
			freeReplyObject(x);
		}
	freeReplyObject(r);
	cm_buf_free(&names);
	free(offs);
	free(argv);
}
