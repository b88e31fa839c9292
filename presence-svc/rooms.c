/*
 * Room presence (seed 002): a support room has members with metadata
 * and presence {status, typing}, assignment metadata, and a history.
 * A member's presence runs out after presence_room_ttl_s unless it is
 * refreshed (by room-presence or by joining again).
 *
 *	socket			REST
 *	room-join		POST /chat/rooms/{roomId}/join
 *	room-presence		POST /chat/rooms/{roomId}/presence
 *	room-leave		POST /chat/rooms/{roomId}/leave
 *	room-metadata		POST /chat/rooms/{roomId}/metadata
 *	room-destroy		POST /chat/rooms/{roomId}/destroy
 *	(rooms_read.c)		room-members, GET /chat/rooms/{roomId}[/...]
 *
 * Members receive room-member {roomId, action, member, timestamp}
 * (action join, update, presence, leave, expired), room-update
 * {roomId, metadata} and room-destroyed {roomId, historyKept}.  Staff
 * create rooms; visitors join rooms that exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "presence_keys.h"
#include "room.h"
#include "util.h"

#define PRES_META_MAX		1024	/* a member's metadata, as JSON */
#define PRES_META_VALUE_MAX	256
#define PRES_STATUS_MAX		32

static const char *const pres_room_fields[] = {
	"ticketId", "priority", "assignedAgentId", "status",
};

/* The script's room keys and common arguments. */
static void
pres_room_args(struct pres_args *a, const struct pres_room *rm, int member)
{
	pres_args_add(a, rm->room);
	pres_args_add(a, rm->members);
	if (member)
		pres_args_add(a, rm->member);
	pres_args_add(a, rm->log);
}

/* A script's { action, view JSON, deadline, ... } as the result. */
static cJSON *
pres_room_result(struct cm_svc_ctx *ctx, const struct pres_room *rm,
    const redisReply *r)
{
	cJSON	*res = cJSON_CreateObject();

	pres_room_schedule(ctx, rm, r->element[2]->integer);
	cJSON_AddStringToObject(res, "roomId", rm->id);
	cJSON_AddStringToObject(res, "action", r->element[0]->str);
	pres_json_raw(res, "member", r->element[1]->str);
	cJSON_AddNumberToObject(res, "expiresAt",
	    (double)r->element[2]->integer);
	if (r->elements > 3)
		cJSON_AddNumberToObject(res, "members",
		    (double)r->element[3]->integer);
	return (res);
}

/* Reads presence {status?, typing?} into strings; "" when absent. */
static int
pres_room_presence_args(const cJSON *args, const char **status,
    const char **typing, struct pres_err *e)
{
	const cJSON	*p = cJSON_GetObjectItemCaseSensitive(args, "presence");
	int		 t;

	*status = *typing = "";
	if (p == NULL || cJSON_IsNull(p))
		return (0);
	if (!cJSON_IsObject(p)) {
		pres_fail(e, 400, "BAD_REQUEST", "presence must be an object");
		return (-1);
	}
	if (pres_arg_str(p, "status", PRES_STATUS_MAX, 0, status, e) == -1)
		return (-1);
	if (*status == NULL)
		*status = "";
	if (cJSON_GetObjectItemCaseSensitive(p, "typing") != NULL) {
		if (pres_arg_bool(p, "typing", 0, &t, e) == -1)
			return (-1);
		*typing = t ? "1" : "0";
	}
	return (0);
}

cJSON *
pres_op_room_join(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct pres_args	 a = { 0 };
	const cJSON		*meta;
	const char		*status, *typing;
	char			*mj = NULL;
	redisReply		*r = NULL;
	cJSON			*res = NULL;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    pres_room_presence_args(c->args, &status, &typing, e) == -1)
		goto out;
	meta = cJSON_GetObjectItemCaseSensitive(c->args, "metadata");
	if (meta != NULL && !cJSON_IsNull(meta) && !cJSON_IsObject(meta)) {
		pres_fail(e, 400, "BAD_REQUEST", "metadata must be an object");
		goto out;
	}
	mj = cJSON_IsObject(meta) ? cJSON_PrintUnformatted(meta) :
	    cm_strdup("{}");
	if (strlen(mj) > PRES_META_MAX) {
		pres_fail(e, 400, "BAD_REQUEST", "metadata is over %d bytes",
		    PRES_META_MAX);
		goto out;
	}
	pres_room_args(&a, &rm, 1);
	pres_args_add(&a, rm.id);
	pres_args_add(&a, rm.mkey);
	pres_args_add(&a, cm_role_name(c->user->role));
	pres_args_add(&a, c->user->email);
	pres_args_add(&a, c->user->name);
	pres_args_add(&a, mj);
	pres_args_add(&a, status[0] != '\0' ? status : "online");
	pres_args_add(&a, typing[0] == '1' ? "1" : "0");
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%lld", ctx->cfg->presence_room_ttl_s * 1000LL);
	pres_args_fmt(&a, "%d", PRES_ROOM_IDLE_TTL_S);
	pres_args_add(&a, rm.chanpre);
	pres_args_fmt(&a, "%d", PRES_ROOM_LOG_MAX);
	pres_args_fmt(&a, "%d", PRES_ROOM_MEMBERS_MAX);
	pres_args_add(&a, pres_is_staff(c->user) ? "1" : "0");
	r = pres_args_run(ctx, &pres_script_room_join, &a, 4);
	if (!pres_redis_ok(r, "room-join") || r->type != REDIS_REPLY_ARRAY)
		pres_fail_redis(e, r, "room-join");
	else if (r->elements == 1 && strcmp(r->element[0]->str,
	    "nosuch") == 0)
		pres_fail(e, 404, "NOT_FOUND", "no room %s; staff create "
		    "rooms", rm.id);
	else if (r->elements == 1)
		pres_fail(e, 409, "ROOM_FULL", "room %s has %d members",
		    rm.id, PRES_ROOM_MEMBERS_MAX);
	else
		res = pres_room_result(ctx, &rm, r);
out:
	freeReplyObject(r);
	pres_args_free(&a);
	pres_room_free(&rm);
	free(mj);
	return (res);
}

cJSON *
pres_op_room_presence(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct pres_args	 a = { 0 };
	const char		*status, *typing;
	redisReply		*r = NULL;
	cJSON			*res = NULL;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    pres_room_presence_args(c->args, &status, &typing, e) == -1)
		goto out;
	pres_room_args(&a, &rm, 1);
	pres_args_add(&a, rm.id);
	pres_args_add(&a, rm.mkey);
	pres_args_add(&a, status);
	pres_args_add(&a, typing);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%lld", ctx->cfg->presence_room_ttl_s * 1000LL);
	pres_args_fmt(&a, "%d", PRES_ROOM_IDLE_TTL_S);
	pres_args_add(&a, rm.chanpre);
	pres_args_fmt(&a, "%d", PRES_ROOM_LOG_MAX);
	r = pres_args_run(ctx, &pres_script_room_presence, &a, 4);
	if (!pres_redis_ok(r, "room-presence") ||
	    r->type != REDIS_REPLY_ARRAY)
		pres_fail_redis(e, r, "room-presence");
	else if (r->elements == 1)
		pres_fail(e, 404, "NOT_MEMBER", "not a member of room %s "
		    "(or its presence ran out): join again", rm.id);
	else
		res = pres_room_result(ctx, &rm, r);
out:
	freeReplyObject(r);
	pres_args_free(&a);
	pres_room_free(&rm);
	return (res);
}

cJSON *
pres_op_room_leave(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct pres_args	 a = { 0 };
	redisReply		*r = NULL;
	cJSON			*res = NULL;

	if (pres_room_init(&rm, ctx, c, e) == -1)
		goto out;
	pres_room_args(&a, &rm, 1);
	pres_args_add(&a, rm.id);
	pres_args_add(&a, rm.mkey);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_add(&a, rm.chanpre);
	pres_args_fmt(&a, "%d", PRES_ROOM_LOG_MAX);
	r = pres_args_run(ctx, &pres_script_room_leave, &a, 4);
	if (!pres_redis_ok(r, "room-leave") || r->type != REDIS_REPLY_STRING)
		pres_fail_redis(e, r, "room-leave");
	else if (strcmp(r->str, "left") != 0)
		pres_fail(e, 404, "NOT_MEMBER", "not a member of room %s",
		    rm.id);
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "roomId", rm.id);
		cJSON_AddTrueToObject(res, "left");
	}
out:
	freeReplyObject(r);
	pres_args_free(&a);
	pres_room_free(&rm);
	return (res);
}

/* Adds the metadata's field, value pairs; -1 if one is not allowed. */
static int
pres_room_meta_args(struct pres_args *a, const cJSON *meta,
    struct pres_err *e)
{
	const cJSON	*it;
	size_t		 i;

	cJSON_ArrayForEach(it, meta) {
		for (i = 0; i < sizeof(pres_room_fields) /
		    sizeof(pres_room_fields[0]); i++)
			if (strcmp(it->string, pres_room_fields[i]) == 0)
				break;
		if (i == sizeof(pres_room_fields) /
		    sizeof(pres_room_fields[0])) {
			pres_fail(e, 400, "BAD_REQUEST", "metadata takes "
			    "ticketId, priority, assignedAgentId and status");
			return (-1);
		}
		if (!cJSON_IsNull(it) && !cJSON_IsNumber(it) &&
		    !(cJSON_IsString(it) &&
		    strlen(it->valuestring) <= PRES_META_VALUE_MAX)) {
			pres_fail(e, 400, "BAD_REQUEST", "metadata %s must "
			    "be a string, a number or null", it->string);
			return (-1);
		}
		pres_args_add(a, it->string);
		pres_args_take(a, cJSON_PrintUnformatted(it));
	}
	return (0);
}

cJSON *
pres_op_room_metadata(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct pres_args	 a = { 0 };
	const cJSON		*meta;
	redisReply		*r = NULL;
	cJSON			*res = NULL;

	if (pres_room_init(&rm, ctx, c, e) == -1)
		goto out;
	if (!pres_is_staff(c->user)) {
		pres_fail(e, 403, "FORBIDDEN", "only agents and admins set "
		    "room metadata");
		goto out;
	}
	meta = cJSON_GetObjectItemCaseSensitive(c->args, "metadata");
	if (!cJSON_IsObject(meta)) {
		pres_fail(e, 400, "BAD_REQUEST", "metadata must be an object");
		goto out;
	}
	pres_room_args(&a, &rm, 0);
	pres_args_add(&a, rm.id);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%d", PRES_ROOM_IDLE_TTL_S);
	pres_args_add(&a, rm.chanpre);
	pres_args_fmt(&a, "%d", PRES_ROOM_LOG_MAX);
	pres_args_add(&a, rm.mkey);
	if (pres_room_meta_args(&a, meta, e) == -1)
		goto out;
	r = pres_args_run(ctx, &pres_script_room_metadata, &a, 3);
	if (!pres_redis_ok(r, "room-metadata") ||
	    r->type != REDIS_REPLY_STRING)
		pres_fail_redis(e, r, "room-metadata");
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "roomId", rm.id);
		pres_json_raw(res, "metadata", r->str);
	}
out:
	freeReplyObject(r);
	pres_args_free(&a);
	pres_room_free(&rm);
	return (res);
}

cJSON *
pres_op_room_destroy(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	struct pres_room	 rm;
	struct pres_args	 a = { 0 };
	redisReply		*r = NULL;
	cJSON			*res = NULL;
	int			 delhist, delsnap;

	if (pres_room_init(&rm, ctx, c, e) == -1 ||
	    pres_arg_bool(c->args, "deleteHistory", 0, &delhist, e) == -1 ||
	    pres_arg_bool(c->args, "deleteSnapshots", 0, &delsnap, e) == -1)
		goto out;
	if (!pres_is_staff(c->user)) {
		pres_fail(e, 403, "FORBIDDEN", "only agents and admins "
		    "destroy rooms");
		goto out;
	}
	pres_room_args(&a, &rm, 0);
	pres_args_add(&a, rm.id);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_add(&a, rm.chanpre);
	pres_args_add(&a, delhist ? "1" : "0");
	pres_args_add(&a, delsnap ? "1" : "0");
	pres_args_fmt(&a, "%d", PRES_ROOM_LOG_MAX);
	pres_args_add(&a, rm.mkey);
	r = pres_args_run(ctx, &pres_script_room_destroy, &a, 3);
	if (!pres_redis_ok(r, "room-destroy") ||
	    r->type != REDIS_REPLY_INTEGER)
		pres_fail_redis(e, r, "room-destroy");
	else if (r->integer == 0)
		pres_fail(e, 404, "NOT_FOUND", "no room %s", rm.id);
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "roomId", rm.id);
		cJSON_AddTrueToObject(res, "destroyed");
		cJSON_AddBoolToObject(res, "historyKept", !delhist);
		cm_log_info("msg=\"room destroyed\" org=%s room=%s "
		    "history_kept=%d", rm.org, rm.id, !delhist);
	}
out:
	freeReplyObject(r);
	pres_args_free(&a);
	pres_room_free(&rm);
	return (res);
}
