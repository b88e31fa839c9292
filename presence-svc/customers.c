/*
 * REST reads about visitors (seeds 000 and 004), for staff of the org:
 *
 *	GET /chat/customers/online?limit=100	the live visitors panel
 *	GET /chat/customers/{email}/journey?limit=50
 *		the visitor's presence as an agent sees it (online, or
 *		offline with last seen, chat cleared, left the page flow)
 *		joined with its most recent page views (web-visit rows)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_CUSTOMERS_MAX	1000

/* As visitor_state in lua.h. */
static const char *
pres_visitor_state(const char *state, int online)
{
	if (online)
		return (state != NULL && strcmp(state, "cleared") == 0 ?
		    "cleared" : "online");
	if (state != NULL && (strcmp(state, "left") == 0 ||
	    strcmp(state, "cleared") == 0))
		return (state);
	return ("offline");
}

/*
 * A visitor as an agent sees it, from its presence record (pres; empty
 * when offline) and its chat-visitor hash (aux).
 */
static cJSON *
pres_visitor_view(const char *email, const redisReply *pres,
    const redisReply *aux, long long sockets)
{
	cJSON		*v = cJSON_CreateObject();
	const char	*name, *url, *act;

	name = pres_hget(pres, "name");
	if (name == NULL)
		name = pres_hget(aux, "name");
	url = pres_hget(pres, "currentUrl");
	if (url == NULL)
		url = pres_hget(aux, "currentUrl");
	act = pres_hget(pres, "lastActivity");
	if (act == NULL)
		act = pres_hget(aux, "lastActivity");
	cJSON_AddStringToObject(v, "email", email);
	cJSON_AddStringToObject(v, "name", name != NULL ? name : "");
	cJSON_AddBoolToObject(v, "online", sockets > 0);
	cJSON_AddStringToObject(v, "state", pres_visitor_state(pres_hget(aux,
	    "state"), sockets > 0));
	cJSON_AddNumberToObject(v, "sockets", (double)sockets);
	pres_json_num(v, "onlineSince", pres_hget(pres, "onlineSince"));
	pres_json_num(v, "lastActivity", act);
	pres_json_num(v, "lastSeen", pres_hget(aux, "lastSeen"));
	pres_json_num(v, "stateAt", pres_hget(aux, "stateAt"));
	pres_json_str(v, "currentUrl", url);
	return (v);
}

cJSON *
pres_op_customers_online(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *email;
	struct cm_redis_cmd	*cmds;
	redisReply		*set, **r = NULL;
	cJSON			*res = NULL, *list;
	char			*key, **keys;
	size_t			 i, n;
	long			 limit;

	if (!pres_is_staff(c->user))
		return (pres_fail(e, 403, "FORBIDDEN", "only agents and "
		    "admins may read presence"));
	if (pres_arg_int(c->args, "limit", 100, 1, PRES_CUSTOMERS_MAX, &limit,
	    e) == -1)
		return (NULL);
	key = pres_key_online(cfg, org, "customer");
	set = cm_redis_command(ctx, "SMEMBERS %s", key);
	free(key);
	if (!pres_redis_ok(set, "customers-online") ||
	    set->type != REDIS_REPLY_ARRAY) {
		pres_fail_redis(e, set, "customers-online");
		freeReplyObject(set);
		return (NULL);
	}
	n = set->elements < (size_t)limit ? set->elements : (size_t)limit;
	keys = cm_calloc(3 * n + 1, sizeof(*keys));
	cmds = cm_calloc(3 * n + 1, sizeof(*cmds));
	for (i = 0; i < n; i++) {
		email = set->element[i]->str;
		keys[3 * i] = pres_key_presence(cfg, org, "customer", email);
		keys[3 * i + 1] = pres_key_identity(cfg, org, "customer",
		    email);
		keys[3 * i + 2] = pres_key_visitor(cfg, org, email);
		cmds[3 * i] = (struct cm_redis_cmd){ 2, { "HGETALL",
		    keys[3 * i] } };
		cmds[3 * i + 1] = (struct cm_redis_cmd){ 2, { "SCARD",
		    keys[3 * i + 1] } };
		cmds[3 * i + 2] = (struct cm_redis_cmd){ 2, { "HGETALL",
		    keys[3 * i + 2] } };
	}
	if ((r = pres_pipeline(ctx, 3 * (int)n, cmds)) == NULL)
		pres_fail_redis(e, NULL, "customers-online");
	else {
		res = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(res, "customers");
		for (i = 0; i < n; i++)
			if (r[3 * i + 1]->type == REDIS_REPLY_INTEGER &&
			    r[3 * i + 1]->integer > 0)
				cJSON_AddItemToArray(list, pres_visitor_view(
				    set->element[i]->str, r[3 * i],
				    r[3 * i + 2], r[3 * i + 1]->integer));
		cJSON_AddNumberToObject(res, "count",
		    cJSON_GetArraySize(list));
		cJSON_AddNumberToObject(res, "total", (double)set->elements);
	}
	pres_replies_free(r, 3 * (int)n);
	for (i = 0; i < 3 * n; i++)
		free(keys[i]);
	free(keys);
	free(cmds);
	freeReplyObject(set);
	return (res);
}

cJSON *
pres_op_journey(struct cm_svc_ctx *ctx, const struct pres_call *c,
    struct pres_err *e)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = c->user->org, *email;
	struct cm_redis_cmd	 q[5];
	redisReply		*r[5];
	char			*k[5], stop[24];
	cJSON			*res = NULL, *visits, *v;
	size_t			 i;
	long			 limit;
	long long		 now = (long long)cm_now_ms();
	int			 watchers;

	if (!pres_is_staff(c->user))
		return (pres_fail(e, 403, "FORBIDDEN", "only agents and "
		    "admins may read journeys"));
	if (pres_arg_str(c->args, "email", CM_EMAIL_MAX, 1, &email, e) == -1 ||
	    pres_arg_int(c->args, "limit", 50, 1, PRES_VISITS_MAX, &limit,
	    e) == -1)
		return (NULL);
	snprintf(stop, sizeof(stop), "%ld", limit - 1);
	k[0] = pres_key_visitor(cfg, org, email);
	k[1] = pres_key_presence(cfg, org, "customer", email);
	k[2] = pres_key_identity(cfg, org, "customer", email);
	k[3] = pres_key_visits(cfg, org, email);
	k[4] = pres_key_watch(cfg, org, email);
	q[0] = (struct cm_redis_cmd){ 2, { "HGETALL", k[0] } };
	q[1] = (struct cm_redis_cmd){ 2, { "HGETALL", k[1] } };
	q[2] = (struct cm_redis_cmd){ 2, { "SCARD", k[2] } };
	q[3] = (struct cm_redis_cmd){ 4, { "LRANGE", k[3], "0", stop } };
	q[4] = (struct cm_redis_cmd){ 2, { "HVALS", k[4] } };
	if (cm_redis_pipeline(ctx, 5, q, r) == -1)
		pres_fail_redis(e, NULL, "journey");
	else if (r[0]->elements == 0 && r[2]->integer == 0 &&
	    r[3]->elements == 0)
		pres_fail(e, 404, "NOT_FOUND", "no visitor %s in this org",
		    email);
	else {
		res = cJSON_CreateObject();
		cJSON_AddStringToObject(res, "email", email);
		cJSON_AddItemToObject(res, "presence", pres_visitor_view(email,
		    r[1], r[0], r[2]->integer));
		for (i = 0, watchers = 0; i < r[4]->elements; i++)
			watchers += strtoll(r[4]->element[i]->str, NULL,
			    10) > now;
		cJSON_AddNumberToObject(cJSON_GetObjectItem(res, "presence"),
		    "watchers", watchers);
		visits = cJSON_AddArrayToObject(res, "visits");
		for (i = 0; i < r[3]->elements; i++) {
			const char *row = r[3]->element[i]->str;

			if ((v = cm_json_parse(row, strlen(row))) != NULL)
				cJSON_AddItemToArray(visits, v);
		}
	}
	for (i = 0; i < 5; i++) {
		freeReplyObject(r[i]);
		free(k[i]);
	}
	return (res);
}
