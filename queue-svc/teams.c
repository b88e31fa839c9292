/*
 * Teams as a tree (GET /chat/teams/tree) and the escalation along it
 * (escalate-chat): the script (lua_teams.c) finds the lead above the
 * conversation's agent, and the conversation is transferred to that
 * lead as transfer-chat would, note and event included.
 */
#include <stdio.h>
#include <string.h>

#include "qs.h"
#include "util.h"

/* Moves the teams whose parent is id from all into children, nested. */
static void
qs_teams_nest(cJSON *all, const char *id, cJSON *children)
{
	cJSON		*t, *next;
	const char	*p;

	for (t = all->child; t != NULL; t = next) {
		next = t->next;
		p = cm_json_str(t, "parent");
		if ((id == NULL) != (p == NULL) ||
		    (id != NULL && strcmp(id, p) != 0))
			continue;
		cJSON_DetachItemViaPointer(all, t);
		cJSON_AddArrayToObject(t, "children");
		cJSON_AddItemToArray(children, t);
	}
	/* Level by level: every team is taken once (the script refuses cycles). */
	cJSON_ArrayForEach(t, children)
		qs_teams_nest(all, cm_json_str(t, "id"),
		    cJSON_GetObjectItemCaseSensitive(t, "children"));
}

void
qs_rest_team_tree(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	struct qs_result	 res;
	cJSON			*data = cJSON_CreateObject(), *all, *out;

	cJSON_AddStringToObject(data, "op", "list");
	if (qs_op_run(ctx, &req->user, "teams", data, NULL, &res) == -1) {
		cm_rest_error(rep, res.http, res.code, res.message);
		cJSON_Delete(data);
		return;
	}
	cJSON_Delete(data);
	all = cJSON_GetObjectItemCaseSensitive(res.body, "teams");
	out = cJSON_CreateObject();
	qs_teams_nest(all, NULL, cJSON_AddArrayToObject(out, "teams"));
	cJSON_Delete(res.body);
	cm_rest_ok(rep, 200, out);
}

cJSON *
qs_escalate_event(struct cm_svc_ctx *ctx, const struct cm_event_req *req)
{
	struct qs_result	 res;
	const char		*note = cm_json_str(req->data, "note");
	char			 text[QS_NOTE_MAX + 1], to[CM_EMAIL_MAX + 1];
	cJSON			*data, *ack;

	data = cJSON_IsObject(req->data) ? cJSON_Duplicate(req->data, 1) :
	    cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(data, "op");
	cJSON_AddStringToObject(data, "op", "escalate");
	if (qs_op_run(ctx, &req->user, "teams", data, NULL, &res) == -1) {
		cJSON_Delete(data);
		return (cm_json_error(res.code, res.message));
	}
	cm_strlcpy(to, cm_json_str(res.body, "toAgent"), sizeof(to));
	snprintf(text, sizeof(text), "Escalated to the lead of team %s%s%.3000s",
	    cm_json_str(res.body, "team"), note != NULL ? ": " : "",
	    note != NULL ? note : "");
	cJSON_Delete(res.body);
	cJSON_DeleteItemFromObjectCaseSensitive(data, "note");
	cJSON_AddStringToObject(data, "note", text);
	cJSON_AddStringToObject(data, "toAgent", to);
	if (qs_op_run(ctx, &req->user, "transfer-chat", data, NULL,
	    &res) == -1) {
		cJSON_Delete(data);
		return (cm_json_error(res.code, res.message));
	}
	cJSON_Delete(data);
	ack = cJSON_CreateObject();
	cJSON_AddTrueToObject(ack, "ok");
	cJSON_AddStringToObject(ack, "escalatedTo", to);
	cJSON_AddItemToObject(ack, "chat",
	    cJSON_DetachItemFromObjectCaseSensitive(res.body, "chat"));
	cJSON_Delete(res.body);
	return (ack);
}
