/*
 * The worker threads.  Each is a consumer of the job stream's group,
 * named HOST-PID-N, with its own Redis link and its own NNG socket to
 * queue-svc, and loops:
 *
 *  - every ai_job_claim_ms / 2, claims (XAUTOCLAIM) the entries that
 *    another consumer has held idle for ai_job_claim_ms: that consumer
 *    died, and its jobs are ours now;
 *  - keeps the entries it holds fresh (XCLAIM JUSTID on its own, so
 *    their idle time restarts) every ai_job_claim_ms / 3, and drops any
 *    another consumer took meanwhile;
 *  - takes a step with the held job that is due first (job.c): a job
 *    waits out its debounce or a busy conversation while held, in this
 *    thread's memory and in the group's pending list, never blocking
 *    the thread;
 *  - otherwise reads a new entry (XREADGROUP, blocking at most until
 *    the next held job is due, and at most 1 s).
 *
 * An entry leaves the pending list only by XACK, after its answer was
 * handed to queue-svc, so a worker that dies at any point leaves its
 * jobs to be claimed by another, or by itself after a restart.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define WORKER_BLOCK_MAX_MS	1000
#define WORKER_CLAIM_COUNT	"16"
#define WORKER_AGAIN_MS		500
#define WORKER_BACKOFF_MAX_MS	5000

static void	*worker_main(void *);
static int	 worker_redis(struct aib_worker *);
static void	 worker_take(struct aib_worker *, const redisReply *);
static void	 worker_read(struct aib_worker *, int);
static void	 worker_claim(struct aib_worker *);
static int	 worker_run_due(struct aib_worker *);

static char *
worker_stream(const struct cm_cfg *cfg)
{
	struct cm_buf	 b = { 0 };

	cm_buf_printf(&b, "%s%s", cfg->key_prefix, AIB_KEY_JOBS);
	return (b.data);
}

int
aib_workers_start(struct aib *aib)
{
	struct aib_worker	*w;
	char			 host[48];
	int			 i, rv;

	if (gethostname(host, sizeof(host)) == -1)
		cm_strlcpy(host, "ai", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(aib->host, sizeof(aib->host), "%s-%d", host, (int)getpid());
	aib->workers = cm_calloc((size_t)aib->cfg->ai_workers,
	    sizeof(*aib->workers));
	for (i = 0; i < aib->cfg->ai_workers; i++) {
		w = &aib->workers[i];
		w->aib = aib;
		w->ctx.cfg = aib->cfg;
		w->ctx.app = aib;
		w->ctx.thread = -1 - i;
		w->queue.url = aib->cfg->queue_address;
		snprintf(w->consumer, sizeof(w->consumer), "%s-%d", aib->host,
		    i);
		if ((rv = pthread_create(&w->tid, NULL, worker_main, w)) != 0)
			return (cm_fail("msg=\"worker not started\" err=\"%s\"",
			    strerror(rv)));
		w->running = 1;
		aib->nworkers++;
	}
	return (0);
}

void
aib_workers_stop(struct aib *aib)
{
	struct aib_worker	*w;
	int			 i, k;

	atomic_store(&aib->stop, 1);
	for (i = 0; i < aib->nworkers; i++) {
		w = &aib->workers[i];
		if (w->running)
			pthread_join(w->tid, NULL);
		for (k = 0; k < w->nheld; k++)
			aib_job_free(w->held[k].job);
		if (w->ctx.redis != NULL)
			redisFree(w->ctx.redis);
		cm_svc_peer_close(&w->queue);
	}
	free(aib->workers);
	aib->workers = NULL;
	aib->nworkers = 0;
}

static void *
worker_main(void *arg)
{
	struct aib_worker	*w = arg;
	struct timespec		 nap = { 0, 100 * 1000000 };
	int64_t			 now, next;
	int			 i, block;

	while (!atomic_load(&w->aib->stop)) {
		if (worker_redis(w) == -1) {
			nanosleep(&nap, NULL);
			continue;
		}
		if (cm_mono_ms() >= w->next_claim) {
			worker_claim(w);
			w->next_claim = cm_mono_ms() +
			    w->aib->cfg->ai_job_claim_ms / 2;
		}
		aib_worker_beat(w, 0);
		if (worker_run_due(w))
			continue;
		if (w->nheld == AIB_HELD_MAX) {
			nanosleep(&nap, NULL);
			continue;
		}
		now = cm_now_ms();
		block = WORKER_BLOCK_MAX_MS;
		for (i = 0; i < w->nheld; i++) {
			next = w->held[i].not_before - now;
			if (next < block)
				block = next < 1 ? 1 : (int)next;
		}
		worker_read(w, block);
	}
	return (NULL);
}

/*
 * Connects (with a backoff) and makes sure the group exists.  Returns
 * 0 with a link, -1 without one.
 */
static int
worker_redis(struct aib_worker *w)
{
	redisReply	*r;
	char		*stream;
	int64_t		 now = cm_mono_ms();

	if (w->ctx.redis != NULL)
		return (0);
	if (now < w->retry_at)
		return (-1);
	if ((w->ctx.redis = cm_redis_connect(w->ctx.cfg)) == NULL) {
		w->backoff_ms = w->backoff_ms == 0 ? 100 :
		    w->backoff_ms * 2 > WORKER_BACKOFF_MAX_MS ?
		    WORKER_BACKOFF_MAX_MS : w->backoff_ms * 2;
		w->retry_at = now + w->backoff_ms;
		return (-1);
	}
	w->backoff_ms = 0;
	stream = worker_stream(w->ctx.cfg);
	r = cm_redis_command(&w->ctx, "XGROUP CREATE %s %s 0 MKSTREAM",
	    stream, AIB_GROUP);
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0)
		cm_log_warn("msg=\"job group not created\" err=\"%s\"", r->str);
	freeReplyObject(r);
	free(stream);
	return (w->ctx.redis != NULL ? 0 : -1);
}

/* Holds a job until not_before, unless the worker holds that entry. */
static void
worker_hold(struct aib_worker *w, struct aib_job *job, int64_t not_before)
{
	int	 i;

	for (i = 0; i < w->nheld; i++)
		if (strcmp(w->held[i].job->entry, job->entry) == 0) {
			aib_job_free(job);
			return;
		}
	if (w->nheld == AIB_HELD_MAX) {
		/* Not ours to keep: another consumer claims it later. */
		aib_job_free(job);
		return;
	}
	w->held[w->nheld].job = job;
	w->held[w->nheld].not_before = not_before;
	w->nheld++;
}

/* Takes one stream entry [id, [field, value, ...]] of a reply. */
static void
worker_take(struct aib_worker *w, const redisReply *e)
{
	const redisReply	*f;
	const char		*org = NULL, *json = NULL;
	size_t			 i, jlen = 0;
	struct aib_job		*job;
	struct aib_job		 bad;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
	    e->element[0]->type != REDIS_REPLY_STRING)
		return;
	f = e->element[1];
	for (i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements;
	    i += 2) {
		if (f->element[i]->type != REDIS_REPLY_STRING ||
		    f->element[i + 1]->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(f->element[i]->str, "org") == 0)
			org = f->element[i + 1]->str;
		else if (strcmp(f->element[i]->str, "job") == 0) {
			json = f->element[i + 1]->str;
			jlen = f->element[i + 1]->len;
		}
	}
	if (org == NULL || json == NULL ||
	    (job = aib_job_parse(org, e->element[0]->str, json, jlen)) ==
	    NULL) {
		/* Nothing can answer it: take it off the pending list. */
		memset(&bad, 0, sizeof(bad));
		cm_strlcpy(bad.entry, e->element[0]->str, sizeof(bad.entry));
		aib_job_ack(w, &bad);
		return;
	}
	worker_hold(w, job, job->due);
}

static void
worker_read(struct aib_worker *w, int block)
{
	redisReply	*r, *entries;
	char		*stream = worker_stream(w->ctx.cfg);
	size_t		 i;

	r = cm_redis_command(&w->ctx, "XREADGROUP GROUP %s %s COUNT 1 "
	    "BLOCK %d STREAMS %s >", AIB_GROUP, w->consumer, block, stream);
	free(stream);
	if (r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"job read failed\" err=\"%s\"", r->str);
		/* NOGROUP: the stream went away; make it anew. */
		if (strncmp(r->str, "NOGROUP", 7) == 0 &&
		    w->ctx.redis != NULL) {
			redisFree(w->ctx.redis);
			w->ctx.redis = NULL;
		}
	} else if (r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY &&
	    r->element[0]->elements == 2) {
		entries = r->element[0]->element[1];
		for (i = 0; entries->type == REDIS_REPLY_ARRAY &&
		    i < entries->elements; i++)
			worker_take(w, entries->element[i]);
	}
	freeReplyObject(r);
}

/* Claims entries idle for ai_job_claim_ms: their consumer is gone. */
static void
worker_claim(struct aib_worker *w)
{
	char		*stream = worker_stream(w->ctx.cfg), cursor[AIB_ENTRY_MAX];
	redisReply	*r, *list;
	size_t		 i;
	int		 round, before;

	cm_strlcpy(cursor, "0-0", sizeof(cursor));
	for (round = 0; round < 4 && w->nheld < AIB_HELD_MAX; round++) {
		r = cm_redis_command(&w->ctx, "XAUTOCLAIM %s %s %s %d %s "
		    "COUNT " WORKER_CLAIM_COUNT, stream, AIB_GROUP, w->consumer,
		    w->aib->cfg->ai_job_claim_ms, cursor);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements < 2 || r->element[0]->type != REDIS_REPLY_STRING) {
			if (r != NULL && r->type == REDIS_REPLY_ERROR)
				cm_log_warn("msg=\"job claim failed\" "
				    "err=\"%s\"", r->str);
			freeReplyObject(r);
			break;
		}
		list = r->element[1];
		before = w->nheld;
		for (i = 0; list->type == REDIS_REPLY_ARRAY &&
		    i < list->elements; i++) {
			/* A deleted entry comes back as nil: ack it. */
			if (list->element[i]->type == REDIS_REPLY_ARRAY &&
			    list->element[i]->elements == 2 &&
			    list->element[i]->element[1]->type ==
			    REDIS_REPLY_NIL) {
				struct aib_job gone;

				memset(&gone, 0, sizeof(gone));
				cm_strlcpy(gone.entry, list->element[i]->
				    element[0]->str, sizeof(gone.entry));
				aib_job_ack(w, &gone);
				continue;
			}
			worker_take(w, list->element[i]);
		}
		if (w->nheld > before) {
			CM_ADD(&w->aib->stats.claimed,
			    (uint64_t)(w->nheld - before));
			cm_log_notice("msg=\"jobs claimed\" consumer=%s n=%d",
			    w->consumer, w->nheld - before);
		}
		cm_strlcpy(cursor, r->element[0]->str, sizeof(cursor));
		freeReplyObject(r);
		if (strcmp(cursor, "0-0") == 0)
			break;
	}
	free(stream);
}

/* Steps the held job due first, if any is due; returns 1 if it did. */
static int
worker_run_due(struct aib_worker *w)
{
	struct aib_job	*job;
	int64_t		 now = cm_now_ms(), nb = 0;
	int		 i, best = -1;

	for (i = 0; i < w->nheld; i++)
		if (w->held[i].not_before <= now && (best == -1 ||
		    w->held[i].not_before < w->held[best].not_before))
			best = i;
	if (best == -1)
		return (0);
	job = w->held[best].job;
	w->held[best] = w->held[--w->nheld];
	w->current = job;
	w->lost = 0;
	switch (aib_job_step(w, job, &nb)) {
	case AIB_JOB_DONE:
		aib_job_free(job);
		break;
	case AIB_JOB_LATER:
		worker_hold(w, job, nb);
		break;
	case AIB_JOB_AGAIN:
		worker_hold(w, job, cm_now_ms() + WORKER_AGAIN_MS);
		break;
	}
	w->current = NULL;
	return (1);
}

/* 1 if id is among the ids of an XPENDING reply. */
static int
worker_owns(const redisReply *r, const char *id)
{
	size_t	 i;

	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_ARRAY &&
		    r->element[i]->elements > 0 &&
		    strcmp(r->element[i]->element[0]->str, id) == 0)
			return (1);
	return (0);
}

void
aib_worker_beat(struct aib_worker *w, int force)
{
	const char	*argv[AIB_HELD_MAX + 8];
	char		*stream;
	redisReply	*r, *c;
	int		 argc = 0, i;

	if (!force && cm_mono_ms() < w->next_beat)
		return;
	w->next_beat = cm_mono_ms() + w->aib->cfg->ai_job_claim_ms / 3;
	if (w->nheld == 0 && w->current == NULL)
		return;
	stream = worker_stream(w->ctx.cfg);
	r = cm_redis_command(&w->ctx, "XPENDING %s %s - + %d %s", stream,
	    AIB_GROUP, 4 * AIB_HELD_MAX, w->consumer);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		free(stream);
		return;
	}
	argv[argc++] = "XCLAIM";
	argv[argc++] = stream;
	argv[argc++] = AIB_GROUP;
	argv[argc++] = w->consumer;
	argv[argc++] = "0";
	for (i = 0; i < w->nheld; ) {
		if (!worker_owns(r, w->held[i].job->entry)) {
			/* Another consumer claimed it: it is theirs. */
			cm_log_notice("msg=\"job taken over\" entry=%s",
			    w->held[i].job->entry);
			aib_job_free(w->held[i].job);
			w->held[i] = w->held[--w->nheld];
			continue;
		}
		argv[argc++] = w->held[i++].job->entry;
	}
	if (w->current != NULL) {
		if (worker_owns(r, w->current->entry))
			argv[argc++] = w->current->entry;
		else
			w->lost = 1;
	}
	argv[argc++] = "JUSTID";
	if (argc > 6) {
		c = cm_redis_argv(&w->ctx, argc, argv, NULL);
		freeReplyObject(c);
	}
	freeReplyObject(r);
	free(stream);
}
