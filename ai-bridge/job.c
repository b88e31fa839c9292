/*
 * One reply job, from the stream entry to its acknowledgement.  A step
 * (aib_job_step) looks at the job's state in Redis and either finishes
 * it, or says when to look again:
 *
 *  1. Not before its debounce is over (receivedAt + ai_debounce_ms).
 *  2. A result stored already (a run that died after storing it): hand
 *     it to queue-svc again and acknowledge.  No second answer.
 *  3. A newer customer message in the conversation (ai-last): that
 *     job answers both; acknowledge this one ("superseded").
 *  4. A human took over since it came (ai-cancel): acknowledge.
 *  5. Take the conversation's lock, or look again in 250 ms: one
 *     answer at a time per conversation.
 *  6. Run: generate and stream the answer, store the result once, hand
 *     it to queue-svc, acknowledge, unlock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define JOB_BUSY_RETRY_MS	250
#define JOB_LOCK_SLACK_MS	10000

struct aib_job *
aib_job_parse(const char *org, const char *entry, const char *json,
    size_t len)
{
	struct aib_job	*job;
	const cJSON	*v;
	cJSON		*b;

	if (!cm_org_valid(org) || (b = cm_json_parse(json, len)) == NULL ||
	    !cJSON_IsObject(b)) {
		cm_log_warn("msg=\"bad job entry\" entry=%s", entry);
		return (NULL);
	}
	job = cm_calloc(1, sizeof(*job));
	job->body = b;
	cm_strlcpy(job->entry, entry, sizeof(job->entry));
	cm_strlcpy(job->org, org, sizeof(job->org));
	aib_copy_str(b, "jobId", job->id, sizeof(job->id));
	aib_copy_str(b, "chatId", job->chat, sizeof(job->chat));
	aib_copy_str(b, "configId", job->config, sizeof(job->config));
	aib_copy_str(b, "agent", job->agent, sizeof(job->agent));
	job->asked = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "asked"));
	job->text = cm_json_str(b, "text");
	job->members = cJSON_GetObjectItemCaseSensitive(b, "members");
	v = cJSON_GetObjectItemCaseSensitive(b, "receivedAt");
	job->received = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	job->due = job->received + (job->asked ? 0 :
	    aib_app.cfg->ai_debounce_ms);
	if (job->id[0] == '\0' || !aib_valid_id(job->chat) ||
	    job->text == NULL || !cJSON_IsArray(job->members)) {
		cm_log_warn("msg=\"bad job entry\" entry=%s", entry);
		aib_job_free(job);
		return (NULL);
	}
	return (job);
}

void
aib_job_free(struct aib_job *job)
{
	if (job == NULL)
		return;
	cJSON_Delete(job->body);
	free(job);
}

int
aib_job_ack(struct aib_worker *w, const struct aib_job *job)
{
	char		*stream = aib_jobs_key(w->ctx.cfg);
	redisReply	*r;
	int		 rv;

	r = cm_redis_command(&w->ctx, "XACK %s %s %s", stream, AIB_GROUP,
	    job->entry);
	rv = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
	freeReplyObject(r);
	free(stream);
	return (rv);
}

/* 1 if stream entry id a is newer than b. */
static int
job_newer(const char *a, const char *b)
{
	unsigned long long	 am, as, bm, bs;

	if (sscanf(a, "%llu-%llu", &am, &as) != 2 ||
	    sscanf(b, "%llu-%llu", &bm, &bs) != 2)
		return (0);
	return (am > bm || (am == bm && as > bs));
}

/* The lock token: CONSUMER|JOBID. */
static void
job_token(const struct aib_worker *w, const struct aib_job *job, char *out,
    size_t size)
{
	snprintf(out, size, "%s|%s", w->consumer, job->id);
}

int
aib_job_lock(struct aib_worker *w, const struct aib_job *job, int take)
{
	char		 token[AIB_CONSUMER_MAX + AIB_JOB_ID_MAX + 2], ttl[16];
	char		*key = aib_key(w->ctx.cfg, AIB_FAM_LOCK, job->org,
			    job->chat, NULL);
	const char	*args[4] = { key, token, job->id, ttl };
	redisReply	*r;
	int		 rv = -1;

	job_token(w, job, token, sizeof(token));
	snprintf(ttl, sizeof(ttl), "%d", w->ctx.cfg->ai_timeout_ms +
	    JOB_LOCK_SLACK_MS);
	if (take)
		r = cm_redis_script(&w->ctx, &aib_script_lock, 1, 3, args, NULL);
	else
		r = cm_redis_script(&w->ctx, &aib_script_unlock, 1, 1, args,
		    NULL);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		rv = r->integer > 0;
	freeReplyObject(r);
	free(key);
	return (rv);
}

/* Acknowledges and, if we hold it, unlocks; then counts the outcome. */
static enum aib_step
job_done(struct aib_worker *w, const struct aib_job *job, int locked,
    enum aib_outcome out, const char *detail)
{
	if (aib_job_ack(w, job) == -1)
		return (AIB_JOB_AGAIN);
	if (locked)
		aib_job_lock(w, job, 0);
	aib_outcome(job, out, detail);
	return (AIB_JOB_DONE);
}

enum aib_step
aib_job_step(struct aib_worker *w, struct aib_job *job, int64_t *not_before)
{
	struct cm_redis_cmd	 cmds[3];
	redisReply		*out[3];
	char			*res, *last, *cancel;
	enum aib_step		 step;
	int			 i, rv;

	if (job->due > cm_now_ms()) {
		*not_before = job->due;
		return (AIB_JOB_LATER);
	}
	res = aib_key(w->ctx.cfg, AIB_FAM_RESULT, job->org, job->id, NULL);
	last = aib_key(w->ctx.cfg, AIB_FAM_LAST, job->org, job->chat, NULL);
	cancel = aib_key(w->ctx.cfg, AIB_FAM_CANCEL, job->org, job->chat,
	    NULL);
	cmds[0] = (struct cm_redis_cmd){ 4, { "HMGET", res, "json",
	    "delivered" } };
	cmds[1] = (struct cm_redis_cmd){ 2, { "GET", last } };
	cmds[2] = (struct cm_redis_cmd){ 2, { "GET", cancel } };
	rv = cm_redis_pipeline(&w->ctx, 3, cmds, out);
	free(res);
	free(last);
	free(cancel);
	if (rv == -1)
		return (AIB_JOB_AGAIN);

	step = AIB_JOB_AGAIN;
	if (out[0]->type == REDIS_REPLY_ARRAY && out[0]->elements == 2 &&
	    out[0]->element[0]->type == REDIS_REPLY_STRING) {
		/* Answered before: only the hand-over may be missing. */
		if ((out[0]->element[1]->type != REDIS_REPLY_STRING ||
		    strcmp(out[0]->element[1]->str, "1") != 0) &&
		    aib_result_deliver(w, job, out[0]->element[0]->str) == -1)
			goto out;
		if (aib_job_ack(w, job) == 0) {
			cm_log_info("msg=\"ai job\" stage=redelivered org=%s "
			    "job=%s", job->org, job->id);
			step = AIB_JOB_DONE;
		}
		goto out;
	}
	if (!job->asked && out[1]->type == REDIS_REPLY_STRING &&
	    job_newer(out[1]->str, job->entry)) {
		step = job_done(w, job, 0, AIB_OUT_SUPERSEDED, out[1]->str);
		goto out;
	}
	if (out[2]->type == REDIS_REPLY_STRING &&
	    strtoll(out[2]->str, NULL, 10) >= job->received) {
		step = job_done(w, job, 0, AIB_OUT_CANCELLED, "before start");
		goto out;
	}
	switch (aib_job_lock(w, job, 1)) {
	case 1:
		step = aib_job_run(w, job);
		break;
	case 0:
		*not_before = cm_now_ms() + JOB_BUSY_RETRY_MS;
		step = AIB_JOB_LATER;
		break;
	default:
		break;
	}
out:
	for (i = 0; i < 3; i++)
		freeReplyObject(out[i]);
	return (step);
}

/* ------------------------------------------------------------------ */

/*
 * Fills g->question with the customer messages this job answers: the
 * pending ones up to its entry (the debounce merged them), joined by
 * newlines; their records go to consumed, for the finish script.
 */
static int
job_question(struct aib_gen *g, cJSON *consumed)
{
	const struct aib_job	*job = g->job;
	struct cm_buf		 q = { 0 };
	const char		*entry, *text;
	char			*key;
	redisReply		*r;
	cJSON			*p;
	size_t			 i;

	key = aib_key(g->w->ctx.cfg, AIB_FAM_PENDING, job->org, job->chat,
	    NULL);
	r = cm_redis_command(&g->w->ctx, "LRANGE %s 0 -1", key);
	free(key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return (-1);
	}
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    (p = cm_json_parse(r->element[i]->str,
		    r->element[i]->len)) == NULL)
			continue;
		entry = cm_json_str(p, "entry");
		text = cm_json_str(p, "text");
		if (entry != NULL && text != NULL &&
		    !job_newer(entry, job->entry)) {
			if (q.len > 0)
				cm_buf_puts(&q, "\n");
			cm_buf_puts(&q, text);
			cJSON_AddItemToArray(consumed,
			    cJSON_CreateString(r->element[i]->str));
		}
		cJSON_Delete(p);
	}
	freeReplyObject(r);
	/* Nothing pending (cancelled and resumed, or trimmed): its own. */
	g->question = q.len > 0 ? q.data : cm_strdup(job->text);
	if (q.len == 0)
		cm_buf_free(&q);
	return (0);
}

/*
 * The turns and summary a model sees.  An agent's job brings the
 * conversation's last messages; a customer's job uses ai-turns.
 */
static int
job_context(struct aib_gen *g)
{
	const struct aib_job	*job = g->job;
	const cJSON		*h, *m;
	const char		*role, *text;
	char			*key;
	redisReply		*r;
	cJSON			*t;
	size_t			 i;

	g->turns = cJSON_CreateArray();
	if (job->asked) {
		h = cJSON_GetObjectItemCaseSensitive(job->body, "history");
		cJSON_ArrayForEach(m, h) {
			role = cm_json_str(m, "role");
			text = cm_json_str(m, "text");
			if (role == NULL || text == NULL)
				continue;
			t = cJSON_CreateObject();
			cJSON_AddStringToObject(t, "role", strcmp(role,
			    "customer") == 0 ? "user" : "assistant");
			cJSON_AddStringToObject(t, "content", text);
			cJSON_AddItemToArray(g->turns, t);
		}
		return (0);
	}
	key = aib_key(g->w->ctx.cfg, AIB_FAM_TURNS, job->org, job->chat, NULL);
	r = cm_redis_command(&g->w->ctx, "LRANGE %s 0 -1", key);
	free(key);
	if (r == NULL)
		return (-1);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING &&
		    (t = cm_json_parse(r->element[i]->str,
		    r->element[i]->len)) != NULL)
			cJSON_AddItemToArray(g->turns, t);
	freeReplyObject(r);
	key = aib_key(g->w->ctx.cfg, AIB_FAM_SUMMARY, job->org, job->chat,
	    NULL);
	r = cm_redis_command(&g->w->ctx, "GET %s", key);
	free(key);
	if (r != NULL && r->type == REDIS_REPLY_STRING && r->len > 0)
		g->summary = cm_strdup(r->str);
	freeReplyObject(r);
	return (0);
}

int
aib_job_prepare(struct aib_gen *g, cJSON *consumed)
{
	const cJSON	*t;
	const char	*last = "";

	if (job_context(g) == -1)
		return (-1);
	if (!g->job->asked)
		return (job_question(g, consumed));
	/* An agent's prompt, else the customer's last message. */
	cJSON_ArrayForEach(t, g->turns)
		if (strcmp(cm_json_str(t, "role"), "user") == 0)
			last = cm_json_str(t, "content");
	g->question = cm_strdup(g->job->text[0] != '\0' ? g->job->text : last);
	return (0);
}
