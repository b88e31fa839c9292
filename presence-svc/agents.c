/*
 * REST reads about staff and the org (seed 000), all scoped to the
 * caller's org, so another org's agent is simply not found:
 *
 *	GET /chat/agents/online?status=&skill=	online agents and admins
 *	GET /chat/agents/{email}/presence	one agent, online or not
 *	GET /chat/presence/stats		counts for the header
 *	GET /chat/sessions?limit=		every live socket (admins)
 *
 * An agent in several tabs is one entry with "sockets": N.
 */
#include <stdlib.h>
#include <string.h>

#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_SESSIONS_MAX	10000

static const char *const pres_staff_roles[] = { "agent", "admin" };

static int	 pres_staff_only(const struct pres_call *, struct pres_err *);
static cJSON	*pres_staff_view(const char *, const char *,
		    const redisReply *, const redisReply *, long long);
static redisReply **pres_online_staff(struct cm_svc_ctx *, const char *,
		    const char ***, const char ***, int *);

static int
pres_staff_only(const struct pres_call *c, struct pres_err *e)
{
	if (pres_is_staff(c->user))
		return (0);
	pres_fail(e, 403, "FORBIDDEN", "only agents and admins may read "
	    "presence");
	return (-1);
}

/*
 * One agent as REST shows it, from its presence record (pres, NULL or
 * empty when offline) and its chat-status hash (aux, may be NULL).
 */
static cJSON *
pres_staff_view(const char *email, const char *role, const redisReply *pres,
    const redisReply *aux, long long sockets)
{
	cJSON		*v = cJSON_CreateObject(), *loc;
	const char	*s, *name, *skills, *status;

	name = pres_hget(pres, "name");
	if (name == NULL)
		name = pres_hget(aux, "name");
	status = pres_hget(pres, "status");
	if (status == NULL)
		status = pres_hget(aux, "status");
	skills = pres_hget(pres, "skills");
	if (skills == NULL)
		skills = pres_hget(aux, "skills");
	cJSON_AddStringToObject(v, "email", email);
	cJSON_AddStringToObject(v, "name", name != NULL ? name : "");
	cJSON_AddStringToObject(v, "role", role);
	cJSON_AddBoolToObject(v, "online", sockets > 0);
	cJSON_AddStringToObject(v, "status", status != NULL ? status :
	    "available");
	pres_json_raw(v, "skills", skills != NULL ? skills : "[]");
	cJSON_AddNumberToObject(v, "sockets", (double)sockets);
	pres_json_num(v, "onlineSince", pres_hget(pres, "onlineSince"));
	s = pres_hget(pres, "lastActivity");
	pres_json_num(v, "lastActivity", s != NULL ? s :
	    pres_hget(aux, "lastActivity"));
	pres_json_num(v, "lastSeen", pres_hget(aux, "lastSeen"));
	pres_json_num(v, "statusAt", pres_hget(aux, "statusAt"));
	pres_json_str(v, "statusBy", pres_hget(aux, "statusBy"));
	if ((s = pres_hget(pres, "location")) != NULL) {
		if ((loc = cm_json_parse(s, strlen(s))) == NULL)
			loc = cJSON_CreateString(s);
		cJSON_AddItemToObject(v, "location", loc);
	}
	return (v);
}

/*
 * The online staff of org: for each, HGETALL of its presence record and
 * SCARD of its identity, two replies per entry (free with
 * pres_replies_free(r, 2 * *n)), or NULL if Redis failed.  Fills the
 * parallel arrays *emails (malloc'd strings; free with
 * pres_strings_free) and *roles (static strings; free the array).
 */
static redisReply **
pres_online_staff(struct cm_svc_ctx *ctx, const char *org,
    const char ***emails, const char ***roles, int *n)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	struct cm_redis_cmd	 q[2], *cmds;
	redisReply		*sets[2], **out;
	char			*k[2], **keys;
	size_t			 i, j;
	int			 m = 0;

	*n = 0;
	*emails = NULL;
	*roles = NULL;
	for (i = 0; i < 2; i++) {
		k[i] = pres_key_online(cfg, org, pres_staff_roles[i]);
		q[i] = (struct cm_redis_cmd){ 2, { "SMEMBERS", k[i] } };
	}
	i = cm_redis_pipeline(ctx, 2, q, sets) == -1;
	free(k[0]);
	free(k[1]);
	if (i)
		return (NULL);
	for (i = 0; i < 2; i++)
		m += sets[i]->type == REDIS_REPLY_ARRAY ?
		    (int)sets[i]->elements : 0;
	*emails = cm_calloc((size_t)m + 1, sizeof(**emails));
	*roles = cm_calloc((size_t)m + 1, sizeof(**roles));
	keys = cm_calloc(2 * (size_t)m + 1, sizeof(*keys));
	cmds = cm_calloc(2 * (size_t)m + 1, sizeof(*cmds));
	for (i = 0; i < 2; i++)
		for (j = 0; sets[i]->type == REDIS_REPLY_ARRAY &&
		    j < sets[i]->elements; j++) {
			/* Borrowed until the caller frees the replies. */
			(*emails)[*n] = cm_strdup(sets[i]->element[j]->str);
			(*roles)[*n] = pres_staff_roles[i];
			keys[2 * *n] = pres_key_presence(cfg, org,
			    pres_staff_roles[i], (*emails)[*n]);
			keys[2 * *n + 1] = pres_key_identity(cfg, org,
			    pres_staff_roles[i], (*emails)[*n]);
			cmds[2 * *n] = (struct cm_redis_cmd){ 2,
			    { "HGETALL", keys[2 * *n] } };
			cmds[2 * *n + 1] = (struct cm_redis_cmd){ 2,
			    { "SCARD", keys[2 * *n + 1] } };
			(*n)++;
		}
	out = pres_pipeline(ctx, 2 * *n, cmds);
	for (i = 0; i < 2 * (size_t)*n; i++)
		free(keys[i]);
	free(keys);
	free(cmds);
	freeReplyObject(sets[0]);
	freeReplyObject(sets[1]);
	return (out);
}

static void
pres_strings_free(const char **v, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free((char *)v[i]);
	free(v);
}

cJSON *
pres_op_agents_online(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const char	*status, *skill, **emails, **roles;
	redisReply	**r;
	cJSON		*res, *list, *v, *sk;
	int		 n, i, match;

	if (pres_staff_only(c, e) == -1 ||
	    pres_arg_str(c->args, "status", 16, 0, &status, e) == -1 ||
	    pres_arg_str(c->args, "skill", PRES_SKILL_LEN, 0, &skill,
	    e) == -1)
		return (NULL);
	if (status != NULL && status[0] == '\0')
		status = NULL;
	if (skill != NULL && skill[0] == '\0')
		skill = NULL;
	if (status != NULL && strcmp(status, "available") != 0 &&
	    strcmp(status, "busy") != 0 && strcmp(status, "away") != 0)
		return (pres_fail(e, 400, "BAD_REQUEST",
		    "status must be available, busy or away"));
	if ((r = pres_online_staff(ctx, c->user->org, &emails, &roles,
	    &n)) == NULL) {
		pres_strings_free(emails, n);
		free(roles);
		return (pres_fail_redis(e, NULL, "agents-online"));
	}
	res = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(res, "agents");
	for (i = 0; i < n; i++) {
		if (r[2 * i + 1]->type != REDIS_REPLY_INTEGER ||
		    r[2 * i + 1]->integer == 0)
			continue;	/* went offline meanwhile */
		v = pres_staff_view(emails[i], roles[i], r[2 * i], NULL,
		    r[2 * i + 1]->integer);
		match = status == NULL || strcmp(status,
		    cJSON_GetObjectItem(v, "status")->valuestring) == 0;
		if (match && skill != NULL) {
			match = 0;
			cJSON_ArrayForEach(sk, cJSON_GetObjectItem(v,
			    "skills"))
				if (cJSON_IsString(sk) &&
				    strcmp(sk->valuestring, skill) == 0)
					match = 1;
		}
		if (match)
			cJSON_AddItemToArray(list, v);
		else
			cJSON_Delete(v);
	}
	cJSON_AddNumberToObject(res, "count", cJSON_GetArraySize(list));
	pres_add_active_chats(ctx, c->user, list);
	pres_replies_free(r, 2 * n);
	pres_strings_free(emails, n);
	free(roles);
	return (res);
}

cJSON *
pres_op_agent_presence(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*email, *org = c->user->org, *role;
	struct cm_redis_cmd	 q[5];
	redisReply		*r[5];
	char			*k[5];
	cJSON			*res = NULL;
	int			 i, on;

	if (pres_staff_only(c, e) == -1 ||
	    pres_arg_str(c->args, "email", CM_EMAIL_MAX, 1, &email, e) == -1)
		return (NULL);
	k[0] = pres_key_status(cfg, org, email);
	for (i = 0; i < 2; i++) {
		k[1 + 2 * i] = pres_key_presence(cfg, org,
		    pres_staff_roles[i], email);
		k[2 + 2 * i] = pres_key_identity(cfg, org,
		    pres_staff_roles[i], email);
	}
	for (i = 0; i < 5; i++)
		q[i] = (struct cm_redis_cmd){ 2, { i % 2 == 0 && i > 0 ?
		    "SCARD" : "HGETALL", k[i] } };
	if (cm_redis_pipeline(ctx, 5, q, r) == -1)
		pres_fail_redis(e, NULL, "agent-presence");
	else {
		/* The role it is online as, admin before agent. */
		on = r[4]->integer > 0 ? 3 : 1;
		role = on == 3 ? "admin" : "agent";
		if (r[0]->elements == 0 && r[2]->integer == 0 &&
		    r[4]->integer == 0)
			pres_fail(e, 404, "NOT_FOUND", "no agent %s in this "
			    "org", email);
		else {
			res = pres_staff_view(email, role, r[on], r[0],
			    r[on + 1]->integer);
			pres_add_active_chats(ctx, c->user, res);
		}
		for (i = 0; i < 5; i++)
			freeReplyObject(r[i]);
	}
	for (i = 0; i < 5; i++)
		free(k[i]);
	return (res);
}

cJSON *
pres_op_stats(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		**emails, **roles, *st;
	struct cm_redis_cmd	 q[2];
	redisReply		**r, *cnt[2] = { NULL, NULL };
	char			*k[2];
	cJSON			*res, *agents, *cust;
	int			 n, i, online = 0, avail = 0, busy = 0, away = 0;

	if (pres_staff_only(c, e) == -1)
		return (NULL);
	r = pres_online_staff(ctx, c->user->org, &emails, &roles, &n);
	k[0] = pres_key_online(cfg, c->user->org, "customer");
	k[1] = pres_key_live(cfg, c->user->org);
	q[0] = (struct cm_redis_cmd){ 2, { "SCARD", k[0] } };
	q[1] = (struct cm_redis_cmd){ 2, { "SCARD", k[1] } };
	if (r == NULL || cm_redis_pipeline(ctx, 2, q, cnt) == -1) {
		res = pres_fail_redis(e, NULL, "stats");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (r[2 * i + 1]->integer == 0)
			continue;
		online++;
		if ((st = pres_hget(r[2 * i], "status")) == NULL)
			st = "available";
		avail += strcmp(st, "available") == 0;
		busy += strcmp(st, "busy") == 0;
		away += strcmp(st, "away") == 0;
	}
	res = cJSON_CreateObject();
	agents = cJSON_AddObjectToObject(res, "agents");
	cJSON_AddNumberToObject(agents, "online", online);
	cJSON_AddNumberToObject(agents, "available", avail);
	cJSON_AddNumberToObject(agents, "busy", busy);
	cJSON_AddNumberToObject(agents, "away", away);
	cust = cJSON_AddObjectToObject(res, "customers");
	cJSON_AddNumberToObject(cust, "online", (double)cnt[0]->integer);
	cJSON_AddNumberToObject(res, "sockets", (double)cnt[1]->integer);
	cJSON_AddNumberToObject(res, "timestamp", (double)cm_now_ms());
out:
	freeReplyObject(cnt[0]);
	freeReplyObject(cnt[1]);
	free(k[0]);
	free(k[1]);
	pres_replies_free(r, 2 * n);
	pres_strings_free(emails, n);
	free(roles);
	return (res);
}

static const char *const pres_row_fields[] = {
	"email", "role", "name", "ipAddress", "userAgent", "currentUrl",
	"gateway",
};

cJSON *
pres_op_sessions(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	struct cm_redis_cmd	*cmds;
	redisReply		*sids, **rows;
	cJSON			*res, *list, *v;
	char			*key, **keys;
	size_t			 i, j, n;
	long			 limit;

	if (c->user->role != CM_ROLE_ADMIN)
		return (pres_fail(e, 403, "FORBIDDEN",
		    "only admins may list sessions"));
	if (pres_arg_int(c->args, "limit", 1000, 1, PRES_SESSIONS_MAX,
	    &limit, e) == -1)
		return (NULL);
	key = pres_key_live(cfg, c->user->org);
	sids = cm_redis_command(ctx, "SMEMBERS %s", key);
	free(key);
	if (!pres_redis_ok(sids, "sessions") ||
	    sids->type != REDIS_REPLY_ARRAY) {
		pres_fail_redis(e, sids, "sessions");
		freeReplyObject(sids);
		return (NULL);
	}
	n = sids->elements < (size_t)limit ? sids->elements : (size_t)limit;
	keys = cm_calloc(n + 1, sizeof(*keys));
	cmds = cm_calloc(n + 1, sizeof(*cmds));
	for (i = 0; i < n; i++) {
		keys[i] = pres_key_socket(cfg, c->user->org,
		    sids->element[i]->str);
		cmds[i] = (struct cm_redis_cmd){ 2, { "HGETALL", keys[i] } };
	}
	res = NULL;
	if ((rows = pres_pipeline(ctx, (int)n, cmds)) == NULL)
		pres_fail_redis(e, NULL, "sessions");
	else {
		res = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(res, "sessions");
		for (i = 0; i < n; i++) {
			if (rows[i]->type != REDIS_REPLY_ARRAY ||
			    rows[i]->elements == 0)
				continue;	/* closed meanwhile */
			v = cJSON_CreateObject();
			cJSON_AddStringToObject(v, "sid",
			    sids->element[i]->str);
			for (j = 0; j < sizeof(pres_row_fields) /
			    sizeof(pres_row_fields[0]); j++)
				pres_json_str(v, pres_row_fields[j],
				    pres_hget(rows[i], pres_row_fields[j]));
			pres_json_num(v, "connectedAt",
			    pres_hget(rows[i], "connectedAt"));
			pres_json_num(v, "worker",
			    pres_hget(rows[i], "worker"));
			cJSON_AddItemToArray(list, v);
		}
		cJSON_AddNumberToObject(res, "count",
		    cJSON_GetArraySize(list));
		cJSON_AddNumberToObject(res, "total", (double)sids->elements);
	}
	pres_replies_free(rows, (int)n);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(cmds);
	freeReplyObject(sids);
	return (res);
}
