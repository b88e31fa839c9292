/*
 * GET /chat/conversations/{chatId}/context (seed 003's session context
 * export): one snapshot of a conversation for a hand-off or a model's
 * input, as the caller may see it: the conversation (state, customer,
 * agent, members, rating and feedback, tags for staff), every message
 * (up to QS_TRANSCRIPT_MAX), the staff notes and training labels, the
 * preferences (chat
 * config, preferred agent) and the assistant's conversation summary
 * from confab-ai (null when it has none or does not answer within 1 s:
 * the snapshot does not wait for it).
 */
#include <stdlib.h>
#include <string.h>

#include "qs.h"
#include "util.h"

/* Runs op for the conversation; its body, or NULL with rep set. */
static cJSON *
qs_context_op(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    const char *op, const char *sub, struct cm_rest_reply *rep)
{
	struct qs_result	 res;
	cJSON			*data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "chatId", req->params[0]);
	if (sub != NULL)
		cJSON_AddStringToObject(data, "op", sub);
	if (qs_op_run(ctx, &req->user, op, data, NULL, &res) == -1) {
		cm_rest_error(rep, res.http, res.code, res.message);
		res.body = NULL;
	}
	cJSON_Delete(data);
	return (res.body);
}

/* Moves member name of from into to (as name). */
static void
qs_context_move(cJSON *to, const char *name, cJSON *from)
{
	cJSON	*v = cJSON_DetachItemFromObjectCaseSensitive(from, name);

	cJSON_AddItemToObject(to, name, v != NULL ? v : cJSON_CreateNull());
}

void
qs_rest_context(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON	*view, *msgs = NULL, *notes = NULL, *labels = NULL, *out;
	cJSON	*chat, *prefs;
	char	*summary;

	if ((view = qs_context_op(ctx, req, "view-chat", NULL, rep)) == NULL ||
	    (msgs = qs_context_op(ctx, req, "transcript", NULL, rep)) == NULL ||
	    (req->user.role != CM_ROLE_CUSTOMER && ((notes = qs_context_op(ctx,
	    req, "notes", "get", rep)) == NULL ||
	    (labels = qs_context_op(ctx, req, "labels", NULL, rep)) == NULL)))
		goto out;
	out = cJSON_CreateObject();
	chat = cJSON_DetachItemFromObjectCaseSensitive(view, "chat");
	prefs = cJSON_CreateObject();
	qs_context_move(prefs, "configId", chat);
	qs_context_move(prefs, "preferredAgent", chat);
	cJSON_AddItemToObject(out, "chat", chat);
	qs_context_move(out, "messages", msgs);
	if (notes != NULL)
		qs_context_move(out, "notes", notes);
	if (labels != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(labels, "chatId");
		cJSON_AddItemToObject(out, "labels", labels);
		labels = NULL;
	}
	cJSON_AddItemToObject(out, "preferences", prefs);
	summary = req->user.role != CM_ROLE_CUSTOMER ?
	    qs_ai_summary(ctx, &req->user, req->params[0]) : NULL;
	if (summary != NULL)
		cJSON_AddStringToObject(out, "summary", summary);
	else
		cJSON_AddNullToObject(out, "summary");
	free(summary);
	cm_rest_ok(rep, 200, out);
out:
	cJSON_Delete(view);
	cJSON_Delete(msgs);
	cJSON_Delete(notes);
	cJSON_Delete(labels);
}
