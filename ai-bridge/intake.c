/*
 * Jobs coming in.  CM_MSG_AI_JOB from queue-svc is either a reply job,
 *
 *	{"chatId","configId","customer":{"email","name"},"members":[..],
 *	 "messageId","seq","text","agent":"ROLE:EMAIL"|null}
 *
 * answered {"accepted":true,"jobId"} once the job is in the job stream
 * (durable), or {"accepted":false,"reason"} when no assistant answers
 * it (no chat config with an assistant, or the AI mode says no), so
 * that queue-svc queues the conversation for a human at once; or a
 * cancel, {"op":"cancel","chatId","reason"}, sent when a human takes the
 * conversation over, which stops the answer being written and drops
 * the jobs received so far.  Both are idempotent: a resent job (same
 * chatId and seq or messageId) is accepted again and answered once.
 *
 * send-ai-message is the agent's event: {chatId, prompt?, configId?}
 * asks the assistant to write into a conversation the agent may read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"
#include "util.h"


int
aib_job_enqueue(struct cm_svc_ctx *ctx, const char *org, cJSON *job,
    char *entry, size_t size)
{
	const char	*args[6];
	char		*json, *keys[3], *stream, ttl[16];
	const char	*chat = cm_json_str(job, "chatId");
	const char	*id = cm_json_str(job, "jobId");
	cJSON		*pend = NULL;
	char		*ptext = NULL;
	redisReply	*r;
	int		 rv = -1, i;

	json = cJSON_PrintUnformatted(job);
	stream = aib_jobs_key(ctx->cfg);
	r = cm_redis_command(ctx, "XADD %s MAXLEN ~ %s * org %s job %s",
	    stream, AIB_JOBS_MAXLEN, org, json);
	free(stream);
	free(json);
	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		cm_log_warn("msg=\"job not written\" org=%s err=\"%s\"", org,
		    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str :
		    "no link");
		freeReplyObject(r);
		return (-1);
	}
	cm_strlcpy(entry, r->str, size);
	freeReplyObject(r);

	/* An agent's job answers on its own: no debounce, no pending. */
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(job, "asked"))) {
		pend = cJSON_CreateObject();
		cJSON_AddStringToObject(pend, "entry", entry);
		cJSON_AddStringToObject(pend, "text", cm_json_str(job, "text"));
		ptext = cJSON_PrintUnformatted(pend);
	}
	keys[0] = aib_key(ctx->cfg, AIB_FAM_JOB, org, id, NULL);
	keys[1] = aib_key(ctx->cfg, AIB_FAM_LAST, org, chat, NULL);
	keys[2] = aib_key(ctx->cfg, AIB_FAM_PENDING, org, chat, NULL);
	snprintf(ttl, sizeof(ttl), "%d", AIB_DAY_S);
	for (i = 0; i < 3; i++)
		args[i] = keys[i];
	args[3] = entry;
	args[4] = ttl;
	args[5] = ptext != NULL ? ptext : "";
	r = cm_redis_script(ctx, &aib_script_intake, 3, 3, args, NULL);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		rv = 0;
	else
		cm_log_warn("msg=\"job intake failed\" org=%s", org);
	freeReplyObject(r);
	for (i = 0; i < 3; i++)
		free(keys[i]);
	free(ptext);
	cJSON_Delete(pend);
	return (rv);
}

/* The reply of a job that no assistant answers. */
static int
intake_refuse(cJSON **reply, const char *reason)
{
	*reply = cJSON_CreateObject();
	cJSON_AddFalseToObject(*reply, "accepted");
	cJSON_AddStringToObject(*reply, "reason", reason);
	return (CM_ST_OK);
}

static int
intake_bad(cJSON **reply, const char *why)
{
	*reply = cm_svc_error("BAD_REQUEST", why);
	return (CM_ST_ERROR);
}

/* Checks a members array; NULL if fine, else why not. */
static const char *
intake_members(const cJSON *m)
{
	const cJSON	*v;
	int		 n = 0;

	if (!cJSON_IsArray(m))
		return ("members must be an array");
	cJSON_ArrayForEach(v, m)
		if (++n > AIB_MEMBERS_MAX || !cJSON_IsString(v) ||
		    !aib_valid_member(v->valuestring))
			return ("members must be at most 32 \"ROLE:EMAIL\"");
	return (n == 0 ? "members is empty" : NULL);
}

/*
 * The config a job uses: its own configId, else the one the customer's
 * socket named lately.  Fills id ("" if none).
 */
static void
intake_config_id(struct cm_svc_ctx *ctx, const char *org, const cJSON *b,
    const char *email, char *id, size_t size)
{
	const char	*c = cm_json_str(b, "configId");
	char		*key;
	redisReply	*r;

	id[0] = '\0';
	if (c != NULL && aib_valid_id(c)) {
		cm_strlcpy(id, c, size);
		return;
	}
	if (email == NULL)
		return;
	key = aib_key(ctx->cfg, AIB_FAM_VISITOR, org, email, NULL);
	r = cm_redis_command(ctx, "GET %s", key);
	if (r != NULL && r->type == REDIS_REPLY_STRING && aib_valid_id(r->str))
		cm_strlcpy(id, r->str, size);
	freeReplyObject(r);
	free(key);
}

/*
 * Whether an assistant answers a job for config id: 1 yes, 0 no (why
 * set), -1 Redis failed.
 */
static int
intake_answers(struct cm_svc_ctx *ctx, const char *org, const char *id,
    const char *agent, int asked, const char **why)
{
	cJSON	*c = NULL, *ch = NULL;
	int	 rv;

	if (id[0] == '\0') {
		*why = "no chat config";
		return (0);
	}
	if ((rv = aib_config_load(ctx, org, id, &c)) == -1)
		return (-1);
	if (rv == 1 || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(c,
	    "assistant"))) {
		*why = rv == 1 ? "no such chat config" :
		    "the chat config has no assistant";
		cJSON_Delete(c);
		return (0);
	}
	rv = aib_settings_resolve(ctx, org, agent, asked,
	    cJSON_GetObjectItemCaseSensitive(c, "assistant"), &ch, why);
	cJSON_Delete(ch);
	cJSON_Delete(c);
	return (rv);
}

static int
intake_cancel(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const char	*chat = cm_json_str(body, "chatId"), *args[4];
	char		*keys[2], now[24], ttl[16];
	redisReply	*r;
	int		 ok;

	if (!aib_valid_id(chat))
		return (intake_bad(reply, "chatId is required"));
	keys[0] = aib_key(ctx->cfg, AIB_FAM_CANCEL, f->org, chat, NULL);
	keys[1] = aib_key(ctx->cfg, AIB_FAM_PENDING, f->org, chat, NULL);
	snprintf(now, sizeof(now), "%lld", (long long)cm_now_ms());
	snprintf(ttl, sizeof(ttl), "%d", AIB_DAY_S);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = now;
	args[3] = ttl;
	r = cm_redis_script(ctx, &aib_script_cancel, 2, 2, args, NULL);
	ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
	freeReplyObject(r);
	free(keys[0]);
	free(keys[1]);
	if (!ok) {
		*reply = cm_svc_error("UNAVAILABLE", "Redis is unavailable");
		return (CM_ST_UNAVAILABLE);
	}
	cm_log_info("msg=\"ai cancelled\" org=%s chat=%s reason=\"%.64s\"",
	    f->org, chat, cm_json_str(body, "reason") ?
	    cm_json_str(body, "reason") : "");
	*reply = cJSON_CreateObject();
	return (CM_ST_OK);
}

int
aib_job_frame(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const cJSON	*cust = cJSON_GetObjectItemCaseSensitive(body, "customer");
	const cJSON	*seq = cJSON_GetObjectItemCaseSensitive(body, "seq");
	const char	*chat, *text, *agent, *why, *mid, *email;
	char		 config[AIB_ID_MAX + 1], id[AIB_JOB_ID_MAX + 1];
	char		 entry[AIB_ENTRY_MAX], rnd[13];
	cJSON		*job;
	int		 rv;

	if (cm_json_str(body, "op") != NULL &&
	    strcmp(cm_json_str(body, "op"), "cancel") == 0)
		return (intake_cancel(ctx, f, body, reply));
	chat = cm_json_str(body, "chatId");
	text = cm_json_str(body, "text");
	agent = cm_json_str(body, "agent");
	mid = cm_json_str(body, "messageId");
	email = cm_json_str(cust, "email");
	if (!aib_valid_id(chat))
		return (intake_bad(reply, "chatId is required"));
	if (text == NULL || !aib_valid_text(text, AIB_TEXT_MAX))
		return (intake_bad(reply, "text must be UTF-8 of at most "
		    "64 KiB"));
	if ((why = intake_members(cJSON_GetObjectItemCaseSensitive(body,
	    "members"))) != NULL)
		return (intake_bad(reply, why));
	if (agent != NULL && !aib_valid_member(agent))
		return (intake_bad(reply, "agent must be \"ROLE:EMAIL\""));
	if (seq != NULL && (!cJSON_IsNumber(seq) || seq->valuedouble < 0))
		return (intake_bad(reply, "seq must be a number"));
	if (mid != NULL && (strlen(mid) > 32 || !aib_valid_id(mid)))
		return (intake_bad(reply, "messageId is not an id"));

	intake_config_id(ctx, f->org, body, email, config, sizeof(config));
	if ((rv = intake_answers(ctx, f->org, config, agent, 0, &why)) == -1) {
		*reply = cm_svc_error("UNAVAILABLE", "Redis is unavailable");
		return (CM_ST_UNAVAILABLE);
	}
	if (rv == 0)
		return (intake_refuse(reply, why));

	/* The same message makes the same job id: a resend is one job. */
	if (cJSON_IsNumber(seq))
		snprintf(id, sizeof(id), "%s-%.0f", chat, seq->valuedouble);
	else if (mid != NULL)
		snprintf(id, sizeof(id), "%s-m%s", chat, mid);
	else {
		cm_random_id(rnd, 12);
		snprintf(id, sizeof(id), "%s-r%s", chat, rnd);
	}
	job = cJSON_Duplicate(body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(job, "configId");
	cJSON_AddStringToObject(job, "configId", config);
	cJSON_AddStringToObject(job, "jobId", id);
	cJSON_AddFalseToObject(job, "asked");
	cJSON_AddNumberToObject(job, "receivedAt", (double)cm_now_ms());
	rv = aib_job_enqueue(ctx, f->org, job, entry, sizeof(entry));
	cJSON_Delete(job);
	if (rv == -1) {
		*reply = cm_svc_error("UNAVAILABLE", "Redis is unavailable");
		return (CM_ST_UNAVAILABLE);
	}
	CM_ADD(&aib_app.stats.received, 1);
	cm_log_info("msg=\"ai job\" stage=received org=%s chat=%s job=%s "
	    "entry=%s", f->org, chat, id, entry);
	*reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(*reply, "accepted");
	cJSON_AddStringToObject(*reply, "jobId", id);
	return (CM_ST_OK);
}
