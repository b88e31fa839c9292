/*
 * Handing a finished answer to queue-svc: CM_MSG_AI_RESULT
 *
 *	{"chatId","jobId","streamId","text","handoff","reason","error",
 *	 "asked","agent","assistant":{"name"}}
 *
 * queue-svc stores it as one message from role "ai" and, on hand-off,
 * queues the conversation for a human; it is idempotent on jobId, so
 * the result is sent again until queue-svc answers at all: a timeout or
 * UNAVAILABLE is retried (backoff 200 ms doubling to 5 s) for as long
 * as the service runs.  Any other answer ends it, and its outcome is
 * kept in the job's ai-result hash (status: ok, unknown-type, or the
 * error code) for operators and tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define RESULT_BACKOFF_MIN_MS	200
#define RESULT_BACKOFF_MAX_MS	5000
#define RESULT_TIMEOUT_MIN_MS	200

/* Records an attempt's outcome in the job's ai-result hash. */
static void
result_note(struct aib_worker *w, const struct aib_job *job,
    const char *status, int delivered)
{
	char		*key = aib_key(w->ctx.cfg, AIB_FAM_RESULT, job->org,
			    job->id, NULL);
	redisReply	*r;

	r = cm_redis_command(&w->ctx, "HSET %s status %s delivered %d", key,
	    status, delivered);
	freeReplyObject(r);
	r = cm_redis_command(&w->ctx, "HINCRBY %s attempts 1", key);
	freeReplyObject(r);
	free(key);
}

/* Sleeps ms unless the service stops; -1 if it does. */
static int
result_wait(struct aib_worker *w, int ms)
{
	struct timespec	 ts = { 0, 50 * 1000000 };
	int64_t		 until = cm_mono_ms() + ms;

	while (cm_mono_ms() < until) {
		if (atomic_load(&w->aib->stop))
			return (-1);
		aib_worker_beat(w, 0);
		nanosleep(&ts, NULL);
	}
	return (0);
}

int
aib_result_deliver(struct aib_worker *w, const struct aib_job *job,
    const char *json)
{
	const char	*code;
	char		*reply = NULL, status[96];
	cJSON		*body;
	int		 st, rv, timeout, backoff = RESULT_BACKOFF_MIN_MS;

	/*
	 * A wait must stay well inside ai_job_claim_ms, or another worker
	 * takes the job over while this one waits (harmless, since queue-svc
	 * is idempotent on jobId, but it doubles the work).
	 */
	timeout = w->ctx.cfg->nng_timeout_ms;
	if (timeout > w->ctx.cfg->ai_job_claim_ms / 3)
		timeout = w->ctx.cfg->ai_job_claim_ms / 3;
	if (timeout < RESULT_TIMEOUT_MIN_MS)
		timeout = RESULT_TIMEOUT_MIN_MS;
	for (;;) {
		if (atomic_load(&w->aib->stop))
			return (-1);
		rv = cm_svc_call(&w->queue, CM_MSG_AI_RESULT, job->org, json,
		    strlen(json), timeout, &st, &reply);
		if (rv == 0 && st == CM_ST_OK) {
			result_note(w, job, "ok", 1);
			CM_ADD(&w->aib->stats.results_sent, 1);
			cm_log_info("msg=\"ai result delivered\" org=%s job=%s",
			    job->org, job->id);
			free(reply);
			return (0);
		}
		if (rv == 0 && st != CM_ST_UNAVAILABLE) {
			body = cm_json_parse(reply, strlen(reply));
			code = cm_json_str(cJSON_GetObjectItemCaseSensitive(
			    body, "error"), "code");
			snprintf(status, sizeof(status), "%s",
			    st == CM_ST_UNKNOWN_TYPE ? "unknown-type" :
			    code != NULL ? code : "error");
			cm_log_warn("msg=\"ai result refused\" org=%s job=%s "
			    "status=%s", job->org, job->id, status);
			result_note(w, job, status, 0);
			cJSON_Delete(body);
			free(reply);
			return (0);
		}
		free(reply);
		reply = NULL;
		CM_ADD(&w->aib->stats.result_failures, 1);
		result_note(w, job, "no answer", 0);
		if (result_wait(w, backoff) == -1)
			return (-1);
		if ((backoff *= 2) > RESULT_BACKOFF_MAX_MS)
			backoff = RESULT_BACKOFF_MAX_MS;
	}
}
