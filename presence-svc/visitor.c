/*
 * Visitor presence as an agent sees it (seed 004) and the activity
 * events around it:
 *
 *	page-view {url, title?, referrer?}	visitor: a web-visit row
 *	visitor-state {state}			visitor: "cleared" (it
 *		cleared its chat), "left" (it left the page flow), or
 *		"online" (back in it)
 *	heartbeat {}				anyone: still active; the
 *		ack says at which interval to beat next
 *	watch-chat {chatId, customer, watching, takeover?}
 *		agent: starts or stops watching (or taking over) a
 *		customer's conversation
 *
 * The demand-driven heartbeat: while anybody watches or has taken over
 * one of its conversations, a visitor's widget should beat every
 * presence_heartbeat_fast_ms, otherwise every presence_heartbeat_slow_ms.
 * The customer's sockets get heartbeat-config {intervalMs} when they
 * connect and whenever the interval changes.  A watch lasts
 * presence_watch_ttl_s (default CM_WATCH_TTL_S, as queue-svc's live
 * copy of the conversation) unless renewed by sending watch-chat again.
 * Each watch schedules its customer in chat-watch-due, so that the
 * sweeper (sweep.c) finds a watch that ran out within a second and
 * pushes the slower interval if no other watch is left.
 * queue-svc, which knows takeovers (issue 4), sends the same event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_URL_MAX	2048
#define PRES_TITLE_MAX	512
#define PRES_CHAT_MAX	128

cJSON *
pres_op_page_view(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *url, *title, *ref;
	struct pres_args	 a = { 0 };
	int64_t			 now = cm_now_ms();
	cJSON			*row, *res = NULL;
	redisReply		*r;

	if (c->user->role != CM_ROLE_CUSTOMER)
		return (pres_fail(e, 403, "FORBIDDEN",
		    "page views are reported by visitors"));
	if (pres_arg_str(c->args, "url", PRES_URL_MAX, 1, &url, e) == -1 ||
	    pres_arg_str(c->args, "title", PRES_TITLE_MAX, 0, &title,
	    e) == -1 ||
	    pres_arg_str(c->args, "referrer", PRES_URL_MAX, 0, &ref, e) == -1)
		return (NULL);
	row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "url", url);
	cJSON_AddStringToObject(row, "title", title != NULL ? title : "");
	cJSON_AddStringToObject(row, "referrer", ref != NULL ? ref : "");
	cJSON_AddNumberToObject(row, "ts", (double)now);
	if (c->sid != NULL)
		cJSON_AddStringToObject(row, "sid", c->sid);

	pres_args_take(&a, pres_key_visits(cfg, org, c->user->email));
	pres_args_take(&a, pres_key_visitor(cfg, org, c->user->email));
	pres_args_take(&a, pres_key_socket(cfg, org, c->sid != NULL ?
	    c->sid : "-"));
	pres_args_take(&a, pres_key_presence(cfg, org, "customer",
	    c->user->email));
	pres_args_take(&a, cJSON_PrintUnformatted(row));
	pres_args_fmt(&a, "%d", PRES_VISITS_MAX);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_fmt(&a, "%lld", (long long)now);
	pres_args_add(&a, url);
	pres_args_achan(&a, cfg, org);
	pres_args_add(&a, c->user->email);
	pres_args_add(&a, c->user->name);
	pres_args_add(&a, title != NULL ? title : "");
	r = pres_args_run(ctx, &pres_script_page_view, &a, 4);
	if (!pres_redis_ok(r, "page-view") || r->type != REDIS_REPLY_INTEGER)
		pres_fail_redis(e, r, "page-view");
	else {
		res = cJSON_CreateObject();
		cJSON_AddNumberToObject(res, "visits", (double)r->integer);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	cJSON_Delete(row);
	return (res);
}

cJSON *
pres_op_visitor_state(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *state;
	struct pres_args	 a = { 0 };
	redisReply		*r;
	cJSON			*res = NULL;

	if (c->user->role != CM_ROLE_CUSTOMER)
		return (pres_fail(e, 403, "FORBIDDEN",
		    "only visitors have a visitor state"));
	if (pres_arg_str(c->args, "state", 16, 1, &state, e) == -1)
		return (NULL);
	if (strcmp(state, "cleared") != 0 && strcmp(state, "left") != 0 &&
	    strcmp(state, "online") != 0)
		return (pres_fail(e, 400, "BAD_REQUEST",
		    "state must be cleared, left or online"));
	pres_args_take(&a, pres_key_visitor(cfg, org, c->user->email));
	pres_args_take(&a, pres_key_identity(cfg, org, "customer",
	    c->user->email));
	pres_args_add(&a, state);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_achan(&a, cfg, org);
	pres_args_add(&a, c->user->email);
	pres_args_add(&a, c->user->name);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	r = pres_args_run(ctx, &pres_script_visitor_state, &a, 2);
	if (!pres_redis_ok(r, "visitor-state") ||
	    r->type != REDIS_REPLY_STRING)
		pres_fail_redis(e, r, "visitor-state");
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "state", r->str);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	return (res);
}

cJSON *
pres_op_heartbeat(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org;
	const char		*role = cm_role_name(c->user->role);
	struct pres_args	 a = { 0 };
	redisReply		*r;
	cJSON			*res = NULL;

	pres_args_take(&a, pres_key_presence(cfg, org, role, c->user->email));
	pres_args_take(&a, pres_key_aux(cfg, org, role, c->user->email));
	pres_args_take(&a, pres_key_watch(cfg, org, c->user->email));
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_fast_ms);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_slow_ms);
	pres_args_add(&a, role);
	r = pres_args_run(ctx, &pres_script_heartbeat, &a, 3);
	if (!pres_redis_ok(r, "heartbeat") || r->type != REDIS_REPLY_INTEGER)
		pres_fail_redis(e, r, "heartbeat");
	else {
		res = cJSON_CreateObject();
		cJSON_AddNumberToObject(res, "intervalMs", (double)r->integer);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	return (res);
}

/*
 * Schedules the sweeper's look at customer cust of org at until (ms),
 * unless an earlier look is pending.  Best effort: without it, a watch
 * that runs out slows the widget down at its next heartbeat ack.
 */
static void
pres_watch_schedule(struct cm_svc_ctx *ctx, const char *org,
    const char *cust, long long until, int64_t now)
{
	struct pres_args	 a = { 0 };
	redisReply		*r;

	pres_args_take(&a, pres_key_watch_due(ctx->cfg));
	pres_args_fmt(&a, "%s %s", org, cust);
	pres_args_fmt(&a, "%lld", until);
	pres_args_fmt(&a, "%lld", (long long)now);
	r = pres_args_run(ctx, &pres_script_due_set, &a, 1);
	pres_redis_ok(r, "watch-schedule");
	freeReplyObject(r);
	pres_args_free(&a);
}

int
pres_watch_expire(struct cm_svc_ctx *ctx, const char *member,
    const char *scheduled, int64_t now)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*sp = strchr(member, ' '), *cust;
	struct pres_args	 a = { 0 }, d = { 0 };
	char			 org[CM_ORG_MAX + 1], ich[CM_CHANNEL_MAX];
	redisReply		*r, *r2 = NULL;
	int			 rv = 0;

	if (sp == NULL || (size_t)(sp - member) > CM_ORG_MAX)
		org[0] = '\0';
	else {
		memcpy(org, member, (size_t)(sp - member));
		org[sp - member] = '\0';
	}
	cust = sp != NULL ? sp + 1 : "";
	pres_args_take(&d, pres_key_watch_due(cfg));
	pres_args_add(&d, member);
	if (!cm_org_valid(org) || cust[0] == '\0' ||
	    strlen(cust) > CM_EMAIL_MAX || cm_chan_identity(ich, sizeof(ich),
	    cfg->key_prefix, org, "customer", cust) == -1) {
		/* Not one of ours: unschedule it. */
		pres_args_add(&d, scheduled);
		r2 = pres_args_run(ctx, &pres_script_due_clear, &d, 1);
		rv = pres_redis_ok(r2, "watch-unschedule") ? 0 : -1;
		goto out;
	}
	pres_args_take(&a, pres_key_watch(cfg, org, cust));
	pres_args_fmt(&a, "%lld", (long long)now);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_slow_ms);
	pres_args_add(&a, ich);
	r = pres_args_run(ctx, &pres_script_watch_expire, &a, 1);
	if (!pres_redis_ok(r, "watch-expire") || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 3 || r->element[1]->type != REDIS_REPLY_STRING)
		rv = -1;
	else {
		if (r->element[2]->integer == 1)
			cm_log_info("msg=\"watch ran out, heartbeat slowed\" "
			    "org=%s watches=%lld interval_ms=%d", org,
			    r->element[0]->integer,
			    cfg->presence_heartbeat_slow_ms);
		if (r->element[1]->str[0] != '\0') {
			/* Another watch lives on: look again when it ends. */
			pres_args_add(&d, r->element[1]->str);
			pres_args_fmt(&d, "%lld", (long long)now);
			r2 = pres_args_run(ctx, &pres_script_due_set, &d, 1);
		} else {
			pres_args_add(&d, scheduled);
			r2 = pres_args_run(ctx, &pres_script_due_clear, &d, 1);
		}
		if (!pres_redis_ok(r2, "watch-reschedule"))
			rv = -1;
	}
	freeReplyObject(r);
	pres_args_free(&a);
out:
	freeReplyObject(r2);
	pres_args_free(&d);
	return (rv);
}

cJSON *
pres_op_watch_chat(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *chat, *cust;
	struct pres_args	 a = { 0 };
	char			 ich[CM_CHANNEL_MAX];
	int64_t			 now = cm_now_ms();
	long long		 until;
	redisReply		*r;
	cJSON			*res = NULL;
	int			 watching, takeover, ttl = cfg->presence_watch_ttl_s;

	if (!pres_is_staff(c->user))
		return (pres_fail(e, 403, "FORBIDDEN",
		    "only agents and admins watch conversations"));
	if (pres_arg_str(c->args, "chatId", PRES_CHAT_MAX, 1, &chat, e) == -1 ||
	    pres_arg_str(c->args, "customer", CM_EMAIL_MAX, 1, &cust,
	    e) == -1 ||
	    pres_arg_bool(c->args, "watching", 1, &watching, e) == -1 ||
	    pres_arg_bool(c->args, "takeover", 0, &takeover, e) == -1)
		return (NULL);
	if (!pres_id_valid(chat, PRES_CHAT_MAX))
		return (pres_fail(e, 400, "BAD_REQUEST",
		    "chatId must be an id"));
	cm_chan_identity(ich, sizeof(ich), cfg->key_prefix, org, "customer",
	    cust);
	until = watching ? (long long)now + ttl * 1000LL : 0;
	pres_args_take(&a, pres_key_watch(cfg, org, cust));
	pres_args_fmt(&a, "%s:%s:%s", takeover ? "takeover" : "watch",
	    c->user->email, chat);
	pres_args_fmt(&a, "%lld", until);
	pres_args_fmt(&a, "%lld", (long long)now);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_fast_ms);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_slow_ms);
	pres_args_add(&a, ich);
	pres_args_fmt(&a, "%d", ttl + PRES_WATCH_KEEP_S);
	r = pres_args_run(ctx, &pres_script_watch, &a, 1);
	if (!pres_redis_ok(r, "watch-chat") || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2)
		pres_fail_redis(e, r, "watch-chat");
	else {
		if (watching)
			pres_watch_schedule(ctx, org, cust, until, now);
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "chatId", chat);
		cJSON_AddStringToObject(res, "customer", cust);
		cJSON_AddBoolToObject(res, "watching", watching);
		cJSON_AddBoolToObject(res, "takeover", takeover);
		cJSON_AddNumberToObject(res, "intervalMs",
		    (double)r->element[0]->integer);
		cJSON_AddNumberToObject(res, "watchers",
		    (double)r->element[1]->integer);
		cJSON_AddNumberToObject(res, "expiresInMs", watching ?
		    ttl * 1000.0 : 0);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	return (res);
}
