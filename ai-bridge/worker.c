/*
 * The worker threads.  Each is a consumer of the job stream's group,
 * named HOST-PID-N, with its own Redis link and its own NNG socket to
 * queue-svc, and loops:
 *
 *  - claims the jobs of consumers that died, and keeps its own fresh
 *    (claim.c);
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
#define WORKER_AGAIN_MS		500
#define WORKER_BACKOFF_MAX_MS	5000

static void	*worker_main(void *);
static int	 worker_redis(struct aib_worker *);
static void	 worker_read(struct aib_worker *, int);
static int	 worker_run_due(struct aib_worker *);

char *
aib_jobs_key(const struct cm_cfg *cfg)
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
			aib_worker_claim(w);
			w->next_claim = cm_mono_ms() +
			    w->aib->cfg->ai_job_claim_ms / 2;
		}
		if (w == &w->aib->workers[0] && cm_mono_ms() >= w->next_sweep) {
			if (w->next_sweep != 0)
				aib_worker_sweep(w);
			w->next_sweep = cm_mono_ms() + 600000;
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

	if (w->ctx.redis != NULL)
		return (0);
	if (cm_redis_link(&w->ctx, &w->retry, WORKER_BACKOFF_MAX_MS) == -1)
		return (-1);
	stream = aib_jobs_key(w->ctx.cfg);
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

void
aib_worker_take(struct aib_worker *w, const redisReply *e)
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
	char		*stream = aib_jobs_key(w->ctx.cfg);
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
			aib_worker_take(w, entries->element[i]);
	}
	freeReplyObject(r);
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
