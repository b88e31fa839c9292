/*
 * Who works on which job.  Every entry a worker reads stays in the
 * group's pending list, under its consumer name, until acknowledged;
 * its idle time says how long ago its consumer last touched it.
 *
 *  - Every ai_job_claim_ms / 2 a worker claims (XAUTOCLAIM) the entries
 *    idle for ai_job_claim_ms: their consumer died (SIGKILL, a crash, a
 *    lost host), and its jobs are this worker's now.
 *  - Every ai_job_claim_ms / 3 a worker refreshes the entries it holds
 *    (XCLAIM JUSTID to itself restarts their idle time), so that a job
 *    waiting out its debounce or a long answer is never claimed, and
 *    drops any another consumer took meanwhile (it was too slow).
 *  - Every 10 minutes the first worker deletes consumers that hold
 *    nothing and were idle for an hour: the names of processes gone.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "log.h"

#define CLAIM_COUNT		"16"
#define CLAIM_SWEEP_MS		600000
#define CLAIM_CONSUMER_IDLE_MS	3600000LL

void
aib_worker_claim(struct aib_worker *w)
{
	char		*stream = aib_jobs_key(w->ctx.cfg), cursor[AIB_ENTRY_MAX];
	redisReply	*r, *list;
	size_t		 i;
	int		 round, before;

	cm_strlcpy(cursor, "0-0", sizeof(cursor));
	for (round = 0; round < 4 && w->nheld < AIB_HELD_MAX; round++) {
		r = cm_redis_command(&w->ctx, "XAUTOCLAIM %s %s %s %d %s "
		    "COUNT " CLAIM_COUNT, stream, AIB_GROUP, w->consumer,
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
			aib_worker_take(w, list->element[i]);
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
	stream = aib_jobs_key(w->ctx.cfg);
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

/* Deletes consumers that hold nothing and have been idle for an hour. */
void
aib_worker_sweep(struct aib_worker *w)
{
	char		*stream = aib_jobs_key(w->ctx.cfg);
	redisReply	*r, *c, *d;
	const char	*name;
	long long	 pending, idle;
	size_t		 i, k;

	r = cm_redis_command(&w->ctx, "XINFO CONSUMERS %s %s", stream,
	    AIB_GROUP);
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i < r->elements; i++) {
		c = r->element[i];
		name = NULL;
		pending = idle = -1;
		for (k = 0; c->type == REDIS_REPLY_ARRAY && k + 1 < c->elements;
		    k += 2) {
			if (c->element[k]->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(c->element[k]->str, "name") == 0 &&
			    c->element[k + 1]->type == REDIS_REPLY_STRING)
				name = c->element[k + 1]->str;
			else if (strcmp(c->element[k]->str, "pending") == 0)
				pending = c->element[k + 1]->integer;
			else if (strcmp(c->element[k]->str, "idle") == 0)
				idle = c->element[k + 1]->integer;
		}
		if (name == NULL || pending != 0 ||
		    idle < CLAIM_CONSUMER_IDLE_MS ||
		    strncmp(name, w->aib->host, strlen(w->aib->host)) == 0)
			continue;
		d = cm_redis_command(&w->ctx, "XGROUP DELCONSUMER %s %s %s",
		    stream, AIB_GROUP, name);
		freeReplyObject(d);
		cm_log_info("msg=\"consumer deleted\" consumer=%s", name);
	}
	freeReplyObject(r);
	free(stream);
}
