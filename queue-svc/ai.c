/*
 * queue-svc and confab-ai (contract in proto.h and ai-bridge/intake.c).
 *
 * A conversation whose customer named a chat config starts in state
 * "ai": each customer message in it (and in an active one with a chat
 * config, for the agent-wise AI mode) becomes a CM_MSG_AI_JOB once it
 * is stored.  confab-ai accepts it, or says that no assistant answers
 * (no such config, no assistant, the AI mode is manual): the
 * conversation then goes to the queue at once, as it does when
 * confab-ai cannot be reached, so that nobody waits for an answer that
 * will not come.  In an active conversation a refusal (the AI mode does
 * not let the assistant answer for its agent) quiets it for
 * AI_QUIET_MS (60 s, lua_lib.c), so that a human-held conversation does
 * not cost a round trip to confab-ai per message.  The job names the
 * message's seq, so a resend (the customer's retry with the same
 * clientMsgId) is one job.
 *
 * A person taking an "ai" conversation over, or closing it, sends the
 * cancel: confab-ai stops writing.  A cancel that is lost only means
 * the answer being written still arrives; it is stored (the members saw
 * it streamed) without handing anything over.
 *
 * The answer comes back as CM_MSG_AI_RESULT (qs_ai_result), resent by
 * confab-ai until queue-svc answers; it is stored once per jobId.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qs.h"
#include "svc_call.h"
#include "util.h"

/* A customer's ack waits for the job's hand-over: keep it short. */
#define QS_AI_TIMEOUT_MS	1500
#define QS_AI_SUMMARY_TIMEOUT_MS 1000
#define QS_AI_REASON_MAX	512
#define QS_AI_NAME_MAX		128

/*
 * Sends body to confab-ai as CM_MSG_AI_JOB.  Returns its answer (caller
 * frees), or NULL if it did not answer or refused the frame (logged).
 */
static __thread struct cm_svc_peer qs_ai_peer;	/* one link per thread */

static cJSON *
qs_ai_call(struct cm_svc_ctx *ctx, const char *org, const cJSON *body)
{
	struct cm_svc_peer			*peer = &qs_ai_peer;
	char					*json, *reply = NULL;
	cJSON					*answer = NULL;
	int					 st, timeout;

	timeout = ctx->cfg->nng_timeout_ms < QS_AI_TIMEOUT_MS ?
	    ctx->cfg->nng_timeout_ms : QS_AI_TIMEOUT_MS;
	peer->url = ctx->cfg->ai_address;
	if ((json = cJSON_PrintUnformatted(body)) == NULL)
		return (NULL);
	if (cm_svc_call(peer, CM_MSG_AI_JOB, org, json, strlen(json),
	    timeout, &st, &reply) == 0) {
		if (st == CM_ST_OK)
			answer = cm_json_parse(reply, strlen(reply));
		else
			cm_log_warn("msg=\"confab-ai refused a frame\" org=%s "
			    "status=%d reply=\"%.200s\"", org, st, reply);
	}
	free(reply);
	free(json);
	return (answer);
}

/*
 * The assistant will not answer chat: an "ai" conversation goes to a
 * person; an active one is not asked again for a while (see ai_job).
 */
static void
qs_ai_declined(struct cm_svc_ctx *ctx, const char *org, const char *chat,
    const char *why)
{
	const char	*args[2] = { chat, "" };
	redisReply	*r;

	r = qs_run(ctx, org, &qs_script_ai_queue, 2, args);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		cm_log_warn("msg=\"ai refusal not recorded\" org=%s chat=%s "
		    "err=\"%.200s\"", org, chat, r != NULL ? r->str :
		    "no link");
	else
		cm_log_info("msg=\"assistant declined\" org=%s chat=%s "
		    "then=%s why=\"%.200s\"", org, chat, r->str, why);
	freeReplyObject(r);
}

static void
qs_ai_job(struct cm_svc_ctx *ctx, const char *org, const cJSON *ai)
{
	const cJSON	*job = cJSON_GetObjectItemCaseSensitive(ai, "job");
	const char	*chat = cm_json_str(job, "chatId");
	const char	*status = cm_json_str(ai, "status"), *why;
	cJSON		*answer;

	if (chat == NULL || status == NULL)
		return;
	answer = qs_ai_call(ctx, org, job);
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer,
	    "accepted"))) {
		cm_log_debug("msg=\"ai job sent\" org=%s chat=%s job=%s", org,
		    chat, cm_json_str(answer, "jobId"));
	} else {
		why = cm_json_str(answer, "reason");
		qs_ai_declined(ctx, org, chat, answer == NULL ?
		    "confab-ai did not take the job" : why != NULL ? why :
		    "confab-ai declined");
	}
	cJSON_Delete(answer);
}

static void
qs_ai_cancel(struct cm_svc_ctx *ctx, const char *org, const cJSON *ai)
{
	const char	*chat = cm_json_str(ai, "chatId");
	cJSON		*body, *answer;

	if (chat == NULL)
		return;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "op", "cancel");
	cJSON_AddStringToObject(body, "chatId", chat);
	cJSON_AddStringToObject(body, "reason", cm_json_str(ai, "cancel"));
	if ((answer = qs_ai_call(ctx, org, body)) == NULL)
		cm_log_warn("msg=\"ai cancel not delivered\" org=%s chat=%s",
		    org, chat);
	cJSON_Delete(answer);
	cJSON_Delete(body);
}

void
qs_ai_follow(struct cm_svc_ctx *ctx, const char *org, struct qs_result *res)
{
	cJSON	*ai;

	if (res->body == NULL || (ai = cJSON_DetachItemFromObjectCaseSensitive(
	    res->body, "_ai")) == NULL)
		return;
	if (cm_json_str(ai, "cancel") != NULL)
		qs_ai_cancel(ctx, org, ai);
	else
		qs_ai_job(ctx, org, ai);
	cJSON_Delete(ai);
}

char *
qs_ai_summary(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    const char *chat)
{
	struct cm_buf	 b = { 0 };
	char		*reply = NULL, *out = NULL;
	const char	*s;
	cJSON		*r;
	int		 st;

	qs_ai_peer.url = ctx->cfg->ai_address;
	cm_buf_puts(&b, "{\"method\":\"GET\",\"path\":");
	cm_buf_printf(&b, "\"/chat/ai/summaries/%s\"", chat); /* an id */
	cm_buf_puts(&b, ",\"query\":\"\",\"user\":");
	cm_principal_json(&b, u);
	cm_buf_puts(&b, ",\"body\":null}");
	if (cm_svc_call(&qs_ai_peer, CM_MSG_REST, u->org, b.data, b.len,
	    QS_AI_SUMMARY_TIMEOUT_MS, &st, &reply) == 0 && st == CM_ST_OK &&
	    (r = cm_json_parse(reply, strlen(reply))) != NULL) {
		s = cm_json_str(cJSON_GetObjectItemCaseSensitive(r, "body"),
		    "summary");
		if (s != NULL)
			out = cm_strdup(s);
		cJSON_Delete(r);
	}
	free(reply);
	cm_buf_free(&b);
	return (out);
}

/* ------------------------------------------------------------------ */

/* Appends one stored message {text, streamId} unless text is empty. */
static const char *
qs_ai_bubble(cJSON *list, const cJSON *text, const cJSON *stream)
{
	struct cm_buf	 joined = { 0 };
	cJSON		*b, *last;

	if (!cJSON_IsString(text) || qs_utf8_chars(text->valuestring) < 0)
		return ("an answer's text must be UTF-8");
	if (stream != NULL && !cJSON_IsNull(stream) &&
	    (!cJSON_IsString(stream) || !qs_valid_id(stream->valuestring)))
		return ("streamId is not an id");
	if (text->valuestring[0] == '\0')
		return (NULL);
	if (cJSON_GetArraySize(list) == QS_AI_BUBBLES_MAX) {
		/* Past the last message kept: appended to it. */
		last = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list,
		    QS_AI_BUBBLES_MAX - 1), "text");
		cm_buf_puts(&joined, last->valuestring);
		cm_buf_puts(&joined, "\n\n");
		cm_buf_puts(&joined, text->valuestring);
		cJSON_SetValuestring(last, joined.data);
		cm_buf_free(&joined);
		return (NULL);
	}
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "text", text->valuestring);
	if (cJSON_IsString(stream))
		cJSON_AddStringToObject(b, "streamId", stream->valuestring);
	cJSON_AddItemToArray(list, b);
	return (NULL);
}

/*
 * The messages an answer is stored as: each bubble of a multi-bubble
 * answer, else its text; none when it is empty.  NULL, or why not.
 */
static const char *
qs_ai_bubbles(const cJSON *body, cJSON *list)
{
	const cJSON	*many = cJSON_GetObjectItemCaseSensitive(body, "messages");
	const cJSON	*stream = cJSON_GetObjectItemCaseSensitive(body,
			    "streamId"), *v;
	const char	*why;

	if (many != NULL && !cJSON_IsNull(many) && !cJSON_IsArray(many))
		return ("messages must be an array");
	if (cJSON_GetArraySize(many) == 0)
		return (qs_ai_bubble(list, cJSON_GetObjectItemCaseSensitive(
		    body, "text"), stream));
	cJSON_ArrayForEach(v, many)
		if ((why = qs_ai_bubble(list, cJSON_GetObjectItemCaseSensitive(
		    v, "text"), cJSON_GetObjectItemCaseSensitive(v,
		    "streamId"))) != NULL)
			return (why);
	return (NULL);
}

/* A string member that must be UTF-8 when present; def when absent. */
static const char *
qs_ai_str(const cJSON *obj, const char *name, const char *def, size_t max,
    const char **out)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return (NULL);
	if (!cJSON_IsString(v) || strlen(v->valuestring) > max ||
	    qs_utf8_chars(v->valuestring) < 0)
		return ("reason and assistant.name must be short UTF-8 strings");
	*out = v->valuestring;
	return (NULL);
}

int
qs_ai_result(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const char		*chat = cm_json_str(body, "chatId");
	const char		*job = cm_json_str(body, "jobId");
	const char		*why, *reason, *name, *args[6];
	cJSON			*list = cJSON_CreateArray();
	char			*bubbles = NULL;
	struct qs_result	 res;
	redisReply		*r;
	int			 st = CM_ST_OK;

	if (f->org[0] == '\0')
		why = "no org";
	else if (chat == NULL || !qs_valid_chat(chat))
		why = "chatId must be a conversation id";
	else if (job == NULL || !qs_valid_id(job))
		why = "jobId must be an id";
	else if ((why = qs_ai_bubbles(body, list)) == NULL &&
	    (why = qs_ai_str(body, "reason", "", QS_AI_REASON_MAX,
	    &reason)) == NULL)
		why = qs_ai_str(cJSON_GetObjectItemCaseSensitive(body,
		    "assistant"), "name", "Assistant", QS_AI_NAME_MAX, &name);
	if (why != NULL) {
		cJSON_Delete(list);
		*reply = cm_svc_error("BAD_REQUEST", why);
		return (CM_ST_ERROR);
	}
	bubbles = cJSON_PrintUnformatted(list);
	cJSON_Delete(list);
	args[0] = chat;
	args[1] = job;
	args[2] = bubbles;
	args[3] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body,
	    "handoff")) ? "1" : "0";
	args[4] = reason;
	args[5] = name;
	r = qs_run(ctx, f->org, &qs_script_ai_result, 6, args);
	free(bubbles);
	if (qs_result(r, "ai-result", &res) == 0)
		*reply = res.body;
	else if (strcmp(res.code, "SERVICE_UNAVAILABLE") == 0) {
		*reply = cm_svc_error("UNAVAILABLE", res.message);
		st = CM_ST_UNAVAILABLE;
	} else {
		*reply = cm_svc_error(res.code, res.message);
		st = CM_ST_ERROR;
	}
	freeReplyObject(r);
	if (st == CM_ST_OK)
		cm_log_info("msg=\"ai answer stored\" org=%s chat=%s job=%s",
		    f->org, chat, job);
	return (st);
}
