/*
 * send-ai-message: an agent (or admin) asks the assistant to write into
 * a conversation, seed 003's agent-initiated AI message.
 *
 *	send-ai-message {chatId, prompt?, configId?}
 *	-> {ok:true, jobId} | {ok:false, error:{code, message}}
 *
 * The conversation belongs to queue-svc, so ai-bridge asks it, as the
 * agent, for the conversation (its members, its customer) and its last
 * messages: queue-svc's own access rules decide whether the agent may.
 * The answer streams to every member like any other and is stored by
 * queue-svc as an AI message.  The prompt, if any, is the agent's
 * instruction; without one the assistant answers the last customer
 * message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"
#include "util.h"

#define AGENT_HISTORY_QUERY	"limit=20"	/* messages a job brings along */

/*
 * GET path from queue-svc as p.  Returns the reply body (caller frees)
 * with *status the HTTP status, or NULL if queue-svc did not answer.
 */
static cJSON *
agent_get(struct cm_svc_ctx *ctx, const struct cm_principal *p,
    const char *path, const char *query, int *status)
{
	struct cm_svc_peer	*peer = &aib_app.peers[ctx->thread];
	struct cm_buf		 b = { 0 };
	char			*text = NULL;
	cJSON			*r, *body = NULL;
	int			 st, timeout;

	cm_buf_puts(&b, "{\"method\":\"GET\",\"path\":");
	cm_buf_json_str(&b, path);
	cm_buf_puts(&b, ",\"query\":");
	cm_buf_json_str(&b, query);
	cm_buf_puts(&b, ",\"user\":");
	cm_principal_json(&b, p);
	cm_buf_puts(&b, ",\"body\":null}");
	/* Two calls must fit in the time the gateway waits for us. */
	timeout = ctx->cfg->nng_timeout_ms / 3 > 100 ?
	    ctx->cfg->nng_timeout_ms / 3 : 100;
	if (cm_svc_call(peer, CM_MSG_REST, p->org, b.data, b.len, timeout,
	    &st, &text) == 0 && st == CM_ST_OK &&
	    (r = cm_json_parse(text, strlen(text))) != NULL) {
		*status = cJSON_GetObjectItemCaseSensitive(r, "status") ?
		    cJSON_GetObjectItemCaseSensitive(r, "status")->valueint : 0;
		body = cJSON_DetachItemFromObjectCaseSensitive(r, "body");
		cJSON_Delete(r);
	}
	free(text);
	cm_buf_free(&b);
	return (body);
}

/* The ack error for an HTTP status queue-svc gave. */
static cJSON *
agent_error(int status, const cJSON *body)
{
	const char	*msg = cm_json_str(cJSON_GetObjectItemCaseSensitive(
			    body, "error"), "message");

	if (status == 404)
		return (cm_json_error("NOT_FOUND", "no such conversation"));
	if (status == 403)
		return (cm_json_error("FORBIDDEN", msg ? msg :
		    "not your conversation"));
	return (cm_json_error("INTERNAL", msg ? msg :
	    "queue-svc refused the request"));
}

/* Members "ROLE:EMAIL" of a view-chat answer's chat. */
static cJSON *
agent_members(const cJSON *chat)
{
	const cJSON	*m;
	cJSON		*out = cJSON_CreateArray();
	char		 s[AIB_MEMBER_MAX + 1];

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(chat,
	    "members")) {
		snprintf(s, sizeof(s), "%s:%s", cm_json_str(m, "role") ?
		    cm_json_str(m, "role") : "", cm_json_str(m, "email") ?
		    cm_json_str(m, "email") : "");
		if (aib_valid_member(s) && cJSON_GetArraySize(out) <
		    AIB_MEMBERS_MAX)
			cJSON_AddItemToArray(out, cJSON_CreateString(s));
	}
	return (out);
}

/* The last messages as [{"role","text"}], oldest first. */
static cJSON *
agent_history(const cJSON *page)
{
	const cJSON	*m, *from;
	const char	*role, *text;
	cJSON		*out = cJSON_CreateArray(), *h;

	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(page,
	    "messages")) {
		from = cJSON_GetObjectItemCaseSensitive(m, "from");
		role = cm_json_str(from, "role") ? cm_json_str(from, "role") :
		    cm_json_str(m, "role");
		text = cm_json_str(m, "text");
		if (role == NULL || text == NULL || text[0] == '\0')
			continue;
		h = cJSON_CreateObject();
		cJSON_AddStringToObject(h, "role", role);
		cJSON_AddStringToObject(h, "text", text);
		cJSON_AddItemToArray(out, h);
	}
	return (out);
}

cJSON *
aib_send_ai_message(struct cm_svc_ctx *ctx, const struct cm_event_req *req)
{
	const struct cm_principal *p = &req->user;
	const char	*chat = cm_json_str(req->data, "chatId");
	const char	*prompt = cm_json_str(req->data, "prompt");
	const char	*cfgid = cm_json_str(req->data, "configId"), *email;
	char		 path[160], id[AIB_JOB_ID_MAX + 1], rnd[13];
	char		 entry[AIB_ENTRY_MAX], member[AIB_MEMBER_MAX + 1], *key;
	cJSON		*view = NULL, *page = NULL, *job, *ack;
	const cJSON	*c;
	redisReply	*r;
	int		 status = 0;

	if (!aib_is_staff(p))
		return (cm_json_error("FORBIDDEN", "only agents and admins "
		    "may ask the assistant"));
	if (!aib_valid_id(chat))
		return (cm_json_error("BAD_REQUEST", "chatId is required"));
	if (prompt != NULL && !aib_valid_text(prompt, 4000))
		return (cm_json_error("BAD_REQUEST", "prompt must be a string "
		    "of at most 4000 bytes"));
	if (cfgid != NULL && !aib_valid_id(cfgid))
		return (cm_json_error("BAD_REQUEST", "configId is not an id"));
	snprintf(path, sizeof(path), "/chat/conversations/%s", chat);
	if ((view = agent_get(ctx, p, path, "", &status)) == NULL)
		return (cm_json_error("SERVICE_UNAVAILABLE", "queue-svc did "
		    "not answer; retry"));
	if (status != 200 || (c = cJSON_GetObjectItemCaseSensitive(view,
	    "chat")) == NULL) {
		ack = agent_error(status, view);
		goto out;
	}
	if (cm_json_str(c, "status") != NULL &&
	    strcmp(cm_json_str(c, "status"), "closed") == 0) {
		ack = cm_json_error("CHAT_CLOSED", "the conversation is closed");
		goto out;
	}
	email = cm_json_str(cJSON_GetObjectItemCaseSensitive(c, "customer"),
	    "email");
	snprintf(path, sizeof(path), "/chat/conversations/%s/messages", chat);
	page = agent_get(ctx, p, path, AGENT_HISTORY_QUERY, &status);

	snprintf(member, sizeof(member), "%s:%s", cm_role_name(p->role),
	    p->email);
	cm_random_id(rnd, 12);
	snprintf(id, sizeof(id), "%s-a%s", chat, rnd);
	job = cJSON_CreateObject();
	cJSON_AddStringToObject(job, "chatId", chat);
	cJSON_AddStringToObject(job, "jobId", id);
	cJSON_AddStringToObject(job, "configId", "");
	if (cfgid == NULL && email != NULL) {
		/* The assistant of the customer's widget, if we know it. */
		key = aib_key(ctx->cfg, AIB_FAM_VISITOR, p->org, email, NULL);
		r = cm_redis_command(ctx, "GET %s", key);
		if (r != NULL && r->type == REDIS_REPLY_STRING &&
		    aib_valid_id(r->str))
			cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(
			    job, "configId"), r->str);
		freeReplyObject(r);
		free(key);
	} else if (cfgid != NULL)
		cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(job,
		    "configId"), cfgid);
	cJSON_AddItemToObject(job, "customer", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(c, "customer"), 1));
	cJSON_AddItemToObject(job, "members", agent_members(c));
	cJSON_AddStringToObject(job, "text", prompt != NULL ? prompt : "");
	cJSON_AddStringToObject(job, "agent", member);
	cJSON_AddTrueToObject(job, "asked");
	cJSON_AddItemToObject(job, "history", page != NULL && status == 200 ?
	    agent_history(page) : cJSON_CreateArray());
	cJSON_AddNumberToObject(job, "receivedAt", (double)cm_now_ms());
	if (cm_json_str(job, "configId")[0] == '\0')
		ack = cm_json_error("NO_ASSISTANT", "no chat config is known "
		    "for this conversation; pass configId");
	else if (aib_job_enqueue(ctx, p->org, job, entry, sizeof(entry)) == -1)
		ack = cm_json_error("SERVICE_UNAVAILABLE", "Redis is "
		    "unavailable; retry");
	else {
		CM_ADD(&aib_app.stats.received, 1);
		cm_log_info("msg=\"ai job\" stage=received org=%s chat=%s "
		    "job=%s entry=%s asked_by=%s", p->org, chat, id, entry,
		    p->email);
		ack = cJSON_CreateObject();
		cJSON_AddTrueToObject(ack, "ok");
		cJSON_AddStringToObject(ack, "jobId", id);
	}
	cJSON_Delete(job);
out:
	cJSON_Delete(view);
	cJSON_Delete(page);
	return (ack);
}
