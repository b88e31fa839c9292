/*
 * queue-svc's REST routes (rest.h): every route is an op (ops.c) whose
 * data object is the request body with the path's {} segments and the
 * listed query parameters added as strings.  Errors carry the op's code
 * and its HTTP status (call.c).  Endpoints and their errors are listed
 * in README.md and confab-protocol(7).
 */
#include <string.h>

#include "log.h"
#include "qs.h"
#include "util.h"

struct qs_rest_map {
	const char	*op;
	int		 status;	/* on success */
	const char	*params[2];	/* names of the path's {} segments */
	const char	*query[8];	/* query parameters taken */
	const char	*fixed[2];	/* a name and a value always set */
};

static void	 qs_rest_op(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *, const struct qs_rest_map *);

/* One route: a map and the cm_rest_fn that applies it. */
#define QS_REST(fn, ...)						\
static const struct qs_rest_map fn##_map = { __VA_ARGS__ };		\
static void								\
fn(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,		\
    struct cm_rest_reply *rep)						\
{									\
	qs_rest_op(ctx, req, rep, &fn##_map);				\
}

#define P1(a)		.params = { a, NULL }
#define P2(a, b)	.params = { a, b }
#define FIX(v)		.fixed = { "op", v }

QS_REST(qs_rest_list, .op = "list-chats", .status = 200, .query = {
    "status", "agent", "customer", "from", "to", "limit", "before",
    "hidden" })
QS_REST(qs_rest_view, .op = "view-chat", .status = 200, P1("chatId"))
QS_REST(qs_rest_update, .op = "update-chat", .status = 200, P1("chatId"))
QS_REST(qs_rest_close, .op = "close-chat", .status = 200, P1("chatId"))
QS_REST(qs_rest_transfer, .op = "transfer-chat", .status = 200,
    P1("chatId"))
QS_REST(qs_rest_takeover, .op = "takeover-chat", .status = 200,
    P1("chatId"))
QS_REST(qs_rest_messages, .op = "messages", .status = 200, P1("chatId"),
    .query = { "before", "limit" })
QS_REST(qs_rest_post, .op = "chat-message", .status = 201, P1("chatId"))
QS_REST(qs_rest_edit, .op = "edit-message", .status = 200,
    P2("chatId", "seq"))
QS_REST(qs_rest_delete, .op = "delete-message", .status = 200,
    P2("chatId", "seq"))
QS_REST(qs_rest_tags, .op = "tags", .status = 200, P1("chatId"), FIX("get"))
QS_REST(qs_rest_tag_add, .op = "tags", .status = 200, P1("chatId"),
    FIX("add"))
QS_REST(qs_rest_tag_del, .op = "tags", .status = 200, P2("chatId", "tag"),
    FIX("del"))
QS_REST(qs_rest_notes, .op = "notes", .status = 200, P1("chatId"),
    FIX("get"))
QS_REST(qs_rest_note_add, .op = "notes", .status = 201, P1("chatId"),
    FIX("add"))
QS_REST(qs_rest_note_del, .op = "notes", .status = 200,
    P2("chatId", "noteId"), FIX("del"))
QS_REST(qs_rest_rate, .op = "rate-chat", .status = 200, P1("chatId"))
QS_REST(qs_rest_canned_list, .op = "canned", .status = 200, FIX("list"),
    .query = { "category", "q" })
QS_REST(qs_rest_canned_add, .op = "canned", .status = 201, FIX("add"))
QS_REST(qs_rest_canned_get, .op = "canned", .status = 200, P1("id"),
    FIX("get"))
QS_REST(qs_rest_canned_put, .op = "canned", .status = 200, P1("id"),
    FIX("put"))
QS_REST(qs_rest_canned_del, .op = "canned", .status = 200, P1("id"),
    FIX("del"))
QS_REST(qs_rest_teams, .op = "teams", .status = 200, FIX("list"))
QS_REST(qs_rest_team_put, .op = "teams", .status = 200, P1("id"), FIX("put"))
QS_REST(qs_rest_team_del, .op = "teams", .status = 200, P1("id"), FIX("del"))
QS_REST(qs_rest_hooks, .op = "webhooks", .status = 200, FIX("list"))
QS_REST(qs_rest_hook_add, .op = "webhooks", .status = 201, FIX("add"))
QS_REST(qs_rest_hook_del, .op = "webhooks", .status = 200, P1("id"),
    FIX("del"))
QS_REST(qs_rest_hook_log, .op = "webhooks", .status = 200, P1("id"),
    FIX("log"))
QS_REST(qs_rest_labels, .op = "labels", .status = 200, P1("chatId"))
QS_REST(qs_rest_labeled, .op = "labels", .status = 200, .query = { "limit" })
QS_REST(qs_rest_label, .op = "label-chat", .status = 200, P1("chatId"))
QS_REST(qs_rest_search, .op = "search", .status = 200,
    .query = { "q", "limit" })
QS_REST(qs_rest_queue, .op = "queue", .status = 200,
    .fixed = { "what", "list" })
QS_REST(qs_rest_stats, .op = "queue", .status = 200,
    .fixed = { "what", "stats" })
QS_REST(qs_rest_agents, .op = "queue", .status = 200,
    .fixed = { "what", "agents" })
QS_REST(qs_rest_agent, .op = "agent", .status = 200, P1("email"))
QS_REST(qs_rest_settings, .op = "queue", .status = 200,
    .fixed = { "what", "settings" })
QS_REST(qs_rest_set_settings, .op = "settings", .status = 200)

#define CONV	"/chat/conversations/{}"

const struct cm_rest_route qs_rest_routes[] = {
	{ "GET",	"/chat/conversations",		qs_rest_list },
	{ "GET",	CONV,				qs_rest_view },
	{ "PATCH",	CONV,				qs_rest_update },
	{ "POST",	CONV "/close",			qs_rest_close },
	{ "POST",	CONV "/transfer",		qs_rest_transfer },
	{ "POST",	CONV "/takeover",		qs_rest_takeover },
	{ "GET",	CONV "/messages",		qs_rest_messages },
	{ "POST",	CONV "/messages",		qs_rest_post },
	{ "PATCH",	CONV "/messages/{}",		qs_rest_edit },
	{ "DELETE",	CONV "/messages/{}",		qs_rest_delete },
	{ "GET",	CONV "/transcript",		qs_rest_transcript },
	{ "GET",	CONV "/context",		qs_rest_context },
	{ "GET",	CONV "/labels",			qs_rest_labels },
	{ "PUT",	CONV "/labels",			qs_rest_label },
	{ "GET",	CONV "/tags",			qs_rest_tags },
	{ "POST",	CONV "/tags",			qs_rest_tag_add },
	{ "DELETE",	CONV "/tags/{}",		qs_rest_tag_del },
	{ "GET",	CONV "/notes",			qs_rest_notes },
	{ "POST",	CONV "/notes",			qs_rest_note_add },
	{ "DELETE",	CONV "/notes/{}",		qs_rest_note_del },
	{ "POST",	CONV "/rating",			qs_rest_rate },
	{ "GET",	"/chat/search",			qs_rest_search },
	{ "GET",	"/chat/labels",			qs_rest_labeled },
	{ "GET",	"/chat/business-hours",		qs_rest_hours },
	{ "GET",	"/chat/ice-servers",		qs_rest_ice },
	{ "GET",	"/chat/teams",			qs_rest_teams },
	{ "GET",	"/chat/teams/tree",		qs_rest_team_tree },
	{ "PUT",	"/chat/teams/{}",		qs_rest_team_put },
	{ "DELETE",	"/chat/teams/{}",		qs_rest_team_del },
	{ "GET",	"/chat/canned",			qs_rest_canned_list },
	{ "POST",	"/chat/canned",			qs_rest_canned_add },
	{ "GET",	"/chat/canned/{}",		qs_rest_canned_get },
	{ "PUT",	"/chat/canned/{}",		qs_rest_canned_put },
	{ "DELETE",	"/chat/canned/{}",		qs_rest_canned_del },
	{ "GET",	"/chat/webhooks",		qs_rest_hooks },
	{ "POST",	"/chat/webhooks",		qs_rest_hook_add },
	{ "DELETE",	"/chat/webhooks/{}",		qs_rest_hook_del },
	{ "GET",	"/chat/webhooks/{}/deliveries",	qs_rest_hook_log },
	{ "GET",	"/chat/queue",			qs_rest_queue },
	{ "GET",	"/chat/queue/stats",		qs_rest_stats },
	{ "GET",	"/chat/queue/agents",		qs_rest_agents },
	{ "PUT",	"/chat/queue/agents/{}",	qs_rest_agent },
	{ "GET",	"/chat/queue/settings",		qs_rest_settings },
	{ "PUT",	"/chat/queue/settings",		qs_rest_set_settings },
	{ NULL,		NULL,				NULL }
};

/* Sets name to the string value in data, replacing what the body had. */
static void
qs_rest_set(cJSON *data, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(data, name);
	cJSON_AddStringToObject(data, name, value);
}

static void
qs_rest_op(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep, const struct qs_rest_map *m)
{
	struct qs_result	 res;
	cJSON			*data;
	char			 value[CM_REST_PARAM_MAX * 2];
	int			 i;

	if (req->body != NULL && !cJSON_IsObject(req->body)) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "the body must be a "
		    "JSON object");
		return;
	}
	data = req->body != NULL ? cJSON_Duplicate(req->body, 1) :
	    cJSON_CreateObject();
	for (i = 0; i < 2 && m->params[i] != NULL; i++)
		if (i < req->nparams)
			qs_rest_set(data, m->params[i], req->params[i]);
	for (i = 0; i < 8 && m->query[i] != NULL; i++)
		if (cm_rest_query(req, m->query[i], value,
		    sizeof(value)) == 0)
			qs_rest_set(data, m->query[i], value);
	if (m->fixed[0] != NULL)
		qs_rest_set(data, m->fixed[0], m->fixed[1]);
	if (qs_op_run(ctx, &req->user, m->op, data, NULL, &res) == 0)
		cm_rest_ok(rep, m->status, res.body);
	else
		cm_rest_error(rep, res.http, res.code, res.message);
	cJSON_Delete(data);
}
