/*
 * The conversation summary (seed 003): after every summaryAfterTurns
 * turns (default 6; 0 turns it off) an openai assistant is asked, in a
 * separate non-streamed call, to summarize the conversation so far.
 * The summary is stored with the answer (ai-summary) and put into the
 * system prompt of later calls, which then need only the last turns.
 * It runs after the answer's end event, so the customer never waits
 * for it; a failure only means no new summary.
 *
 *	GET /chat/ai/summaries/{chatId}		staff: {"chatId","summary"}
 *
 * (null before any), which queue-svc's context export includes.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"

static void	summary_get(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);

const struct cm_rest_route aib_summary_routes[] = {
	{ "GET",	"/chat/ai/summaries/{}",	summary_get },
	{ NULL,		NULL,				NULL }
};

#define SUMMARY_EVERY_DEFAULT	6
#define SUMMARY_BUDGET_MS	10000
#define SUMMARY_MAX		4000

static const char summary_instruction[] =
"Summarize this conversation between a customer and a support assistant "
"in at most five sentences.  Keep what the assistant will need later: "
"the customer's name, order or account details, the problem, what was "
"tried and what was promised.  Answer with the summary only.";

void
aib_summarize(struct aib_gen *g)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(g->assistant,
			    "summaryAfterTurns"), *t;
	struct cm_buf	 text = { 0 };
	cJSON		*msgs, *m;
	char		*out;
	int		 every = SUMMARY_EVERY_DEFAULT, turns;

	if (cJSON_IsNumber(v))
		every = v->valueint;
	/* The turns stored so far, plus this question and answer. */
	turns = cJSON_GetArraySize(g->turns) + 2;
	if (cm_json_str(g->assistant, "backend") == NULL ||
	    strcmp(cm_json_str(g->assistant, "backend"), "openai") != 0 ||
	    every <= 0 || g->job->asked || g->text.len == 0 ||
	    turns % every != 0)
		return;
	if (g->summary != NULL)
		cm_buf_printf(&text, "Summary so far: %s\n\n", g->summary);
	cm_buf_puts(&text, "Conversation:\n");
	cJSON_ArrayForEach(t, g->turns)
		cm_buf_printf(&text, "%s: %s\n", strcmp(cm_json_str(t,
		    "role"), "user") == 0 ? "customer" : "assistant",
		    cm_json_str(t, "content"));
	cm_buf_printf(&text, "customer: %s\nassistant: %s\n", g->question,
	    g->text.data);
	msgs = cJSON_CreateArray();
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", summary_instruction);
	cJSON_AddItemToArray(msgs, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", text.data);
	cJSON_AddItemToArray(msgs, m);
	if ((out = aib_model_complete(g, msgs, SUMMARY_BUDGET_MS)) != NULL &&
	    out[0] != '\0' && aib_valid_text(out, SUMMARY_MAX)) {
		free(g->new_summary);
		g->new_summary = out;
	} else
		free(out);
	cJSON_Delete(msgs);
	cm_buf_free(&text);
}

static void
summary_get(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*chat = req->params[0];
	char		*key;
	redisReply	*r;
	cJSON		*out;

	if (!aib_need_staff(&req->user, rep))
		return;
	if (!aib_valid_id(chat)) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "chatId is not an id");
		return;
	}
	key = aib_key(ctx->cfg, AIB_FAM_SUMMARY, req->user.org, chat, NULL);
	r = cm_redis_command(ctx, "GET %s", key);
	free(key);
	if (r == NULL || (r->type != REDIS_REPLY_STRING &&
	    r->type != REDIS_REPLY_NIL)) {
		freeReplyObject(r);
		aib_rest_down(rep);
		return;
	}
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "chatId", chat);
	if (r->type == REDIS_REPLY_STRING)
		cJSON_AddStringToObject(out, "summary", r->str);
	else
		cJSON_AddNullToObject(out, "summary");
	freeReplyObject(r);
	cm_rest_ok(rep, 200, out);
}
