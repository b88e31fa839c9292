/*
 * Agent status (seed 000): available, busy or away, independent of
 * being online.  It lives in chat-status:{ORG}:EMAIL, which outlives the
 * presence record, so an agent who goes offline busy comes back busy.
 *
 *	socket	set-status {status, skills?}		-> ack
 *	REST	POST /chat/agents/{email}/status {status, skills?}
 *
 * An agent may change only its own status, an admin anyone's in its
 * org; customers have no status.  Every change of an online agent is
 * announced with presence-change (scripts_misc.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

static const char *const pres_statuses[] = { "available", "busy", "away" };

static int
pres_status_valid(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(pres_statuses) / sizeof(pres_statuses[0]); i++)
		if (strcmp(s, pres_statuses[i]) == 0)
			return (1);
	return (0);
}

cJSON *
pres_op_set_status(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *status, *email;
	struct pres_args	 a = { 0 };
	char			*skills, by[CM_EMAIL_MAX + 16];
	redisReply		*r;
	cJSON			*res = NULL;
	int			 self;

	if (!pres_is_staff(c->user))
		return (pres_fail(e, 403, "FORBIDDEN",
		    "only agents and admins have a status"));
	if (pres_arg_str(c->args, "status", 16, 1, &status, e) == -1 ||
	    pres_arg_str(c->args, "email", CM_EMAIL_MAX, 0, &email, e) == -1)
		return (NULL);
	if (!pres_status_valid(status))
		return (pres_fail(e, 400, "BAD_REQUEST",
		    "status must be available, busy or away"));
	if (email == NULL)
		email = c->user->email;
	self = strcmp(email, c->user->email) == 0;
	if (!self && c->user->role != CM_ROLE_ADMIN)
		return (pres_fail(e, 403, "FORBIDDEN",
		    "an agent may change only its own status"));
	skills = pres_skills_json(cJSON_GetObjectItemCaseSensitive(c->args,
	    "skills"));
	snprintf(by, sizeof(by), "%s:%s", cm_role_name(c->user->role),
	    c->user->email);

	pres_args_take(&a, pres_key_status(cfg, org, email));
	pres_args_take(&a, pres_key_presence(cfg, org, "agent", email));
	pres_args_take(&a, pres_key_identity(cfg, org, "agent", email));
	pres_args_take(&a, pres_key_presence(cfg, org, "admin", email));
	pres_args_take(&a, pres_key_identity(cfg, org, "admin", email));
	pres_args_add(&a, status);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_add(&a, by);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_chans(&a, cfg, org);
	pres_args_add(&a, skills != NULL ? skills : "");
	pres_args_add(&a, email);
	pres_args_add(&a, self ? "1" : "0");
	pres_args_add(&a, c->user->name);

	r = pres_args_run(ctx, &pres_script_status, &a, 5);
	if (!pres_redis_ok(r, "set-status") || r->type != REDIS_REPLY_ARRAY ||
	    r->elements < 1)
		pres_fail_redis(e, r, "set-status");
	else if (strcmp(r->element[0]->str, "nosuch") == 0)
		pres_fail(e, 404, "NOT_FOUND", "no agent %s in this org",
		    email);
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "email", email);
		cJSON_AddStringToObject(res, "status", status);
		cJSON_AddStringToObject(res, "previous", r->element[0]->str);
		cJSON_AddBoolToObject(res, "online",
		    r->element[1]->integer == 1);
		pres_tell_queue_status(ctx, org, self &&
		    c->user->role == CM_ROLE_ADMIN ? "admin" : "agent", email,
		    status);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	free(skills);
	return (res);
}
