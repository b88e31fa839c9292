/*
 * Ops: every client event and REST action of queue-svc is one row of
 * qs_ops[] below, naming who may do it, the parser that checks its data
 * and turns it into script arguments, and the script.  qs_op_run() does
 * the rest the same way for all of them: role check, parse, run, result.
 * So a socket event and its REST twin (chat-message and POST .../
 * messages) cannot drift apart.
 *
 * Every script receives, after the common header, the caller as
 * "ROLE:EMAIL", name and role, then what the parser pushed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ops.h"
#include "queue_keys.h"
#include "util.h"

struct qs_op {
	const char		*name;
	unsigned		 roles;
	struct cm_script	*script;
	qs_parse_fn		 parse;
};

static const struct qs_op qs_ops[] = {
	/* client events (and their REST twins) */
	{ "chat-message",	QS_R_ALL,	&qs_script_send, qs_parse_message },
	{ "pick-next",		QS_R_STAFF,	&qs_script_pick, qs_parse_pick },
	{ "takeover-chat",	QS_R_STAFF,	&qs_script_takeover, qs_parse_chat },
	{ "transfer-chat",	QS_R_STAFF,	&qs_script_transfer, qs_parse_transfer },
	{ "resume-ai",		QS_R_STAFF,	&qs_script_resume, qs_parse_chat },
	{ "close-chat",		QS_R_ALL,	&qs_script_close, qs_parse_close },
	{ "typing",		QS_R_ALL,	&qs_script_typing, qs_parse_typing },
	{ "edit-message",	QS_R_ALL,	&qs_script_edit, qs_parse_edit },
	{ "delete-message",	QS_R_ALL,	&qs_script_edit, qs_parse_delete },
	{ "rate-chat",		QS_R_CUSTOMER,	&qs_script_rate, qs_parse_rate },
	{ "watch-chat",		QS_R_STAFF,	&qs_script_watch, qs_parse_watch },
	{ "tag-chat",		QS_R_STAFF,	&qs_script_tags, qs_parse_tags },
	{ "support-persons",	QS_R_ALL,	&qs_script_persons, qs_parse_none },
	{ "set-preferred-agent", QS_R_CUSTOMER,	&qs_script_prefer, qs_parse_prefer },
	{ "label-chat",		QS_R_STAFF,	&qs_script_label, qs_parse_label },
	{ "webrtc-signal",	QS_R_ALL,	&qs_script_signal, qs_parse_signal },
	/* REST only */
	{ "update-chat",	QS_R_STAFF,	&qs_script_update, qs_parse_update },
	{ "tags",		QS_R_STAFF,	&qs_script_tags, qs_parse_tags },
	{ "labels",		QS_R_STAFF,	&qs_script_label, qs_parse_labels },
	{ "notes",		QS_R_STAFF,	&qs_script_tags, qs_parse_notes },
	{ "view-chat",		QS_R_ALL,	&qs_script_view, qs_parse_chat },
	{ "list-chats",		QS_R_ALL,	&qs_script_list, qs_parse_list },
	{ "messages",		QS_R_ALL,	&qs_script_messages, qs_parse_messages },
	{ "transcript",		QS_R_ALL,	&qs_script_messages, qs_parse_transcript },
	{ "search",		QS_R_ALL,	&qs_script_search, qs_parse_search },
	{ "queue",		QS_R_STAFF,	&qs_script_queue, qs_parse_queue },
	{ "canned",		QS_R_STAFF,	&qs_script_canned, qs_parse_canned },
	{ "teams",		QS_R_STAFF,	&qs_script_teams, qs_parse_teams },
	{ "webhooks",		QS_R_STAFF,	&qs_script_hooks, qs_parse_hooks },
	{ "settings",		QS_R_ADMIN,	&qs_script_queue, qs_parse_settings },
	{ "agent",		QS_R_ADMIN,	&qs_script_queue, qs_parse_agent },
	/* from presence-svc, on the agent's behalf */
	{ "agent-status",	QS_R_STAFF,	&qs_script_queue, qs_parse_status },
};

/*
 * Strict durability (redis_wait_replicas > 0): a message is acked only
 * once that many replicas have every write this connection made, the
 * message's included.  Otherwise the client gets SERVICE_UNAVAILABLE
 * and retries with the same clientMsgId: the retry stores nothing new
 * and waits again.
 */
static int
qs_replicated(struct cm_svc_ctx *ctx, struct qs_result *res)
{
	int want = ctx->cfg->redis_wait_replicas;
	redisReply *r;
	long long got;

	if (want <= 0)
		return (0);
	r = cm_redis_command(ctx, "WAIT %d %d", want,
	    ctx->cfg->redis_wait_timeout_ms);
	got = r != NULL && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	freeReplyObject(r);
	if (got >= want)
		return (0);
	qs_result_error(res, "SERVICE_UNAVAILABLE", "stored, but not yet on "
	    "enough replicas; retry with the same clientMsgId");
	return (-1);
}

int
qs_op_run(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    const char *name, const cJSON *data, const cJSON *context,
    struct qs_result *res)
{
	const struct qs_op	*op = NULL;
	struct qs_args		 a;
	const char		*why, *argv[3 + QS_ARGS_MAX];
	char			 member[CM_EMAIL_MAX + 16];
	redisReply		*r;
	size_t			 i;
	int			 rv;

	memset(res, 0, sizeof(*res));
	for (i = 0; i < sizeof(qs_ops) / sizeof(qs_ops[0]); i++)
		if (strcmp(qs_ops[i].name, name) == 0)
			op = &qs_ops[i];
	if (op == NULL) {
		qs_result_error(res, "INTERNAL", "no such operation");
		return (-1);
	}
	if ((op->roles & (1u << u->role)) == 0) {
		qs_result_error(res, "FORBIDDEN", u->role == CM_ROLE_CUSTOMER ?
		    "customers may not do this" : "your role may not do this");
		return (-1);
	}
	if (data != NULL && !cJSON_IsObject(data)) {
		qs_result_error(res, "BAD_REQUEST", "the argument must be an "
		    "object");
		return (-1);
	}
	memset(&a, 0, sizeof(a));
	a.cfg = ctx->cfg;
	a.context = context;
	a.open = -1;
	if (u->role == CM_ROLE_CUSTOMER && strcmp(op->name, "chat-message") == 0)
		a.open = qs_hours_open(ctx, u->org);
	if ((why = op->parse(u, data, &a)) != NULL) {
		free(a.json);
		free(a.json2);
		qs_result_error(res, "BAD_REQUEST", why);
		return (-1);
	}
	snprintf(member, sizeof(member), "%s:%s", cm_role_name(u->role),
	    u->email);
	argv[0] = member;
	argv[1] = u->name;
	argv[2] = cm_role_name(u->role);
	for (i = 0; i < (size_t)a.n; i++)
		argv[3 + i] = a.v[i];
	r = qs_run(ctx, u->org, op->script, 3 + a.n, argv);
	free(a.json);
	free(a.json2);
	rv = qs_result(r, op->name, res);
	freeReplyObject(r);
	if (rv == 0 && strcmp(op->name, "settings") == 0)
		qs_hours_forget();
	if (rv == 0 && strcmp(op->name, "webhooks") == 0)
		qs_hooks_follow(ctx, u->org, res);
	if (rv == 0) {
		qs_metrics_op(op->name, res->body);
		qs_presence_activity(ctx, u, op->name);
	}
	if (rv == 0 && strcmp(op->name, "chat-message") == 0 &&
	    qs_replicated(ctx, res) == -1)
		return (-1);
	/* The assistant hears of a message only once it is durable. */
	if (rv == 0)
		qs_ai_follow(ctx, u->org, res);
	return (rv);
}

/* The ack: {"ok":true, ...the op's body} or the error. */
cJSON *
qs_op_event(struct cm_svc_ctx *ctx, const struct cm_event_req *req)
{
	struct qs_result	 res;
	cJSON			*ack, *item;

	if (qs_op_run(ctx, &req->user, req->event, req->data, req->context,
	    &res) == -1)
		return (cm_json_error(res.code, res.message));
	ack = cJSON_CreateObject();
	cJSON_AddTrueToObject(ack, "ok");
	while ((item = res.body->child) != NULL) {
		cJSON_DetachItemViaPointer(res.body, item);
		cJSON_AddItemToObject(ack, item->string, item);
	}
	cJSON_Delete(res.body);
	return (ack);
}
