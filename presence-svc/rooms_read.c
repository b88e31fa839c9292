/*
 * Room reads, and the sweeper's pass over a room (see rooms.c):
 *
 *	room-members {roomId, limit?}	GET /chat/rooms/{roomId}/members?limit=
 *	-				GET /chat/rooms/{roomId}
 *	-				GET /chat/rooms/{roomId}/history?limit=
 *
 * Staff read any room of their org; a visitor only a room it is a
 * member of (to anyone else a room is simply not found).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "presence_keys.h"
#include "room.h"
#include "util.h"

#define PRES_TYPING_CLEAR_MS	30000	/* as member_view in the Lua */
#define PRES_LIST_MAX		1000

/* Runs the prune script: expired members go, and are announced. */
static redisReply *
pres_room_prune_run(struct cm_svc_ctx *ctx, const struct pres_room *rm)
{
	const char	*args[7];
	char		 now[24], max[16];

	snprintf(now, sizeof(now), "%lld", (long long)cm_now_ms());
	snprintf(max, sizeof(max), "%d", PRES_ROOM_LOG_MAX);
	args[0] = rm->room;
	args[1] = rm->members;
	args[2] = rm->log;
	args[3] = rm->id;
	args[4] = now;
	args[5] = rm->chanpre;
	args[6] = max;
	return (cm_redis_script(ctx, &pres_script_room_prune, 3, 4, args,
	    NULL));
}

int
pres_room_prune(struct cm_svc_ctx *ctx, const char *member,
    const char *scheduled)
{
	struct pres_room	 rm;
	const char		*sp = strchr(member, ' '), *args[3];
	char			 org[CM_ORG_MAX + 1];
	redisReply		*r, *r2 = NULL;
	int			 rv = 0;

	memset(&rm, 0, sizeof(rm));
	if (sp == NULL || (size_t)(sp - member) > CM_ORG_MAX)
		return (0);
	memcpy(org, member, (size_t)(sp - member));
	org[sp - member] = '\0';
	if (!cm_org_valid(org) || !pres_id_valid(sp + 1, PRES_ROOM_MAX) ||
	    pres_room_setup(&rm, ctx->cfg, org, sp + 1, "") == -1) {
		pres_room_free(&rm);
		return (0);
	}
	r = pres_room_prune_run(ctx, &rm);
	if (!pres_redis_ok(r, "room-prune") || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2)
		rv = -1;
	else {
		if (r->element[0]->integer > 0)
			cm_log_info("msg=\"room presence expired\" org=%s "
			    "room=%s members=%lld", org, rm.id,
			    r->element[0]->integer);
		args[0] = rm.duekey;
		args[1] = member;
		if (r->element[1]->str[0] != '\0')
			r2 = cm_redis_command(ctx, "ZADD %s %s %s", rm.duekey,
			    r->element[1]->str, member);
		else {
			args[2] = scheduled;
			r2 = cm_redis_script(ctx, &pres_script_due_clear, 1, 2,
			    args, NULL);
		}
		if (!pres_redis_ok(r2, "room-reschedule"))
			rv = -1;
	}
	freeReplyObject(r);
	freeReplyObject(r2);
	pres_room_free(&rm);
	return (rv);
}

/* A member as reads show it, from its hash; its lifetime from score. */
static cJSON *
pres_member_view(const redisReply *h, const char *score, long long now)
{
	cJSON		*v = cJSON_CreateObject(), *p;
	const char	*t, *at;

	pres_json_str(v, "role", pres_hget(h, "role"));
	pres_json_str(v, "email", pres_hget(h, "email"));
	pres_json_str(v, "name", pres_hget(h, "name"));
	pres_json_raw(v, "metadata", pres_hget(h, "metadata"));
	p = cJSON_AddObjectToObject(v, "presence");
	pres_json_str(p, "status", pres_hget(h, "status"));
	t = pres_hget(h, "typing");
	at = pres_hget(h, "typingAt");
	cJSON_AddBoolToObject(p, "typing", t != NULL && strcmp(t, "1") == 0 &&
	    now - (at != NULL ? strtoll(at, NULL, 10) : 0) <
	    PRES_TYPING_CLEAR_MS);
	pres_json_num(v, "joinedAt", pres_hget(h, "joinedAt"));
	pres_json_num(v, "updatedAt", pres_hget(h, "updatedAt"));
	pres_json_num(v, "expiresAt", score);
	return (v);
}

cJSON *
pres_op_room_members(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct cm_redis_cmd	 q[3], *cmds = NULL;
	redisReply		*r[3] = { NULL, NULL, NULL }, **h = NULL;
	char			 from[24], lim[24], **keys = NULL;
	long long		 now = (long long)cm_now_ms();
	cJSON			*res = NULL, *list;
	size_t			 i, n = 0;
	long			 limit;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    pres_arg_int(c->args, "limit", 25, 1, PRES_LIST_MAX, &limit,
	    e) == -1 || !pres_room_may_read(ctx, c, &rm, e))
		goto out;
	freeReplyObject(pres_room_prune_run(ctx, &rm));
	snprintf(from, sizeof(from), "(%lld", now);
	snprintf(lim, sizeof(lim), "%ld", limit);
	q[0] = (struct cm_redis_cmd){ 2, { "EXISTS", rm.room } };
	q[1] = (struct cm_redis_cmd){ 8, { "ZRANGEBYSCORE", rm.members, from,
	    "+inf", "WITHSCORES", "LIMIT", "0", lim } };
	q[2] = (struct cm_redis_cmd){ 4, { "ZCOUNT", rm.members, from,
	    "+inf" } };
	if (cm_redis_pipeline(ctx, 3, q, r) == -1) {
		pres_fail_redis(e, NULL, "room-members");
		goto out;
	}
	if (r[0]->integer == 0 && r[2]->integer == 0) {
		pres_fail(e, 404, "NOT_FOUND", "no room %s", rm.id);
		goto out;
	}
	n = r[1]->elements / 2;
	keys = cm_calloc(n + 1, sizeof(*keys));
	cmds = cm_calloc(n + 1, sizeof(*cmds));
	for (i = 0; i < n; i++) {
		keys[i] = pres_key_room_member(ctx->cfg, rm.org, rm.id,
		    r[1]->element[2 * i]->str);
		cmds[i] = (struct cm_redis_cmd){ 2, { "HGETALL", keys[i] } };
	}
	if ((h = pres_pipeline(ctx, (int)n, cmds)) == NULL) {
		pres_fail_redis(e, NULL, "room-members");
		goto out;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "roomId", rm.id);
	list = cJSON_AddArrayToObject(res, "members");
	for (i = 0; i < n; i++)
		if (h[i]->type == REDIS_REPLY_ARRAY && h[i]->elements > 0)
			cJSON_AddItemToArray(list, pres_member_view(h[i],
			    r[1]->element[2 * i + 1]->str, now));
	cJSON_AddNumberToObject(res, "count", cJSON_GetArraySize(list));
	cJSON_AddNumberToObject(res, "total", (double)r[2]->integer);
out:
	pres_replies_free(h, (int)n);
	for (i = 0; keys != NULL && i < n; i++)
		free(keys[i]);
	free(keys);
	free(cmds);
	for (i = 0; i < 3; i++)
		freeReplyObject(r[i]);
	pres_room_free(&rm);
	return (res);
}

cJSON *
pres_op_room_get(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	static const char *const fields[] = { "ticketId", "priority",
	    "assignedAgentId", "status" };
	struct pres_room	 rm;
	struct cm_redis_cmd	 q[2];
	redisReply		*r[2] = { NULL, NULL };
	char			 from[24];
	cJSON			*res = NULL, *meta;
	size_t			 i;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    !pres_room_may_read(ctx, c, &rm, e))
		goto out;
	snprintf(from, sizeof(from), "(%lld", (long long)cm_now_ms());
	q[0] = (struct cm_redis_cmd){ 2, { "HGETALL", rm.room } };
	q[1] = (struct cm_redis_cmd){ 4, { "ZCOUNT", rm.members, from,
	    "+inf" } };
	if (cm_redis_pipeline(ctx, 2, q, r) == -1)
		pres_fail_redis(e, NULL, "room-get");
	else if (r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements == 0)
		pres_fail(e, 404, "NOT_FOUND", "no room %s", rm.id);
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "roomId", rm.id);
		meta = cJSON_AddObjectToObject(res, "metadata");
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			pres_json_raw(meta, fields[i], pres_hget(r[0],
			    fields[i]));
		pres_json_num(res, "createdAt", pres_hget(r[0], "createdAt"));
		pres_json_str(res, "createdBy", pres_hget(r[0], "createdBy"));
		pres_json_num(res, "updatedAt", pres_hget(r[0], "updatedAt"));
		cJSON_AddNumberToObject(res, "members",
		    (double)r[1]->integer);
	}
	freeReplyObject(r[0]);
	freeReplyObject(r[1]);
out:
	pres_room_free(&rm);
	return (res);
}

cJSON *
pres_op_room_history(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	redisReply		*r = NULL, *ent, *f;
	cJSON			*res = NULL, *list, *v;
	size_t			 i, j;
	long			 limit;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    pres_arg_int(c->args, "limit", 100, 1, PRES_LIST_MAX, &limit,
	    e) == -1)
		goto out;
	if (!pres_is_staff(c->user)) {
		pres_fail(e, 403, "FORBIDDEN", "only agents and admins read "
		    "room history");
		goto out;
	}
	r = cm_redis_command(ctx, "XREVRANGE %s + - COUNT %ld", rm.log,
	    limit);
	if (!pres_redis_ok(r, "room-history") ||
	    r->type != REDIS_REPLY_ARRAY) {
		pres_fail_redis(e, r, "room-history");
		goto out;
	}
	if (r->elements == 0) {
		pres_fail(e, 404, "NOT_FOUND", "no history of room %s", rm.id);
		goto out;
	}
	res = cJSON_CreateObject();
	cJSON_AddStringToObject(res, "roomId", rm.id);
	list = cJSON_AddArrayToObject(res, "history");
	for (i = 0; i < r->elements; i++) {
		ent = r->element[i];
		if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2)
			continue;
		f = ent->element[1];
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "id", ent->element[0]->str);
		for (j = 0; j + 1 < f->elements; j += 2) {
			const char	*k = f->element[j]->str;
			const char	*val = f->element[j + 1]->str;

			if (strcmp(k, "at") == 0)
				pres_json_num(v, k, val);
			else if (strcmp(k, "metadata") == 0 ||
			    strcmp(k, "members") == 0)
				pres_json_raw(v, k, val);
			else
				pres_json_str(v, k, val);
		}
		cJSON_AddItemToArray(list, v);
	}
out:
	freeReplyObject(r);
	pres_room_free(&rm);
	return (res);
}
