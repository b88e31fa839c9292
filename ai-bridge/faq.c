/*
 * The FAQ under /chat/faq.  Anyone of the org may read and search it
 * (customers see enabled entries only); admins change it.
 *
 *	GET	/chat/faq		?category=&sort=order|question|
 *					createdAt|updatedAt&dir=asc|desc
 *	GET	/chat/faq/categories	names and entry counts
 *	GET	/chat/faq/search	?q=&limit=&category=: BM25 ranking
 *	GET	/chat/faq/{id}
 *	POST	/chat/faq		create (201)
 *	PUT	/chat/faq/{id}		update the fields given (PATCH too)
 *	DELETE	/chat/faq/{id}
 *	POST	/chat/faq/reorder	{"ids":[..]}: those first, in order
 *	POST	/chat/faq/import	{"entries":[..],"replace":bool}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define FAQ_SEARCH_MAX	20

#define FAQ_FN(name) static void name(struct cm_svc_ctx *, \
    const struct cm_rest_req *, struct cm_rest_reply *)
FAQ_FN(faq_list);
FAQ_FN(faq_categories);
FAQ_FN(faq_search);
FAQ_FN(faq_get);
FAQ_FN(faq_create);
FAQ_FN(faq_update);
FAQ_FN(faq_delete);

const struct cm_rest_route aib_faq_routes[] = {
	{ "GET",	"/chat/faq",		faq_list },
	{ "POST",	"/chat/faq",		faq_create },
	{ "GET",	"/chat/faq/categories",	faq_categories },
	{ "GET",	"/chat/faq/search",	faq_search },
	{ "POST",	"/chat/faq/reorder",	aib_faq_reorder },
	{ "POST",	"/chat/faq/import",	aib_faq_import },
	{ "GET",	"/chat/faq/{}",		faq_get },
	{ "PUT",	"/chat/faq/{}",		faq_update },
	{ "PATCH",	"/chat/faq/{}",		faq_update },
	{ "DELETE",	"/chat/faq/{}",		faq_delete },
	{ NULL,		NULL,			NULL }
};

/* The paths above that a {} would otherwise take for an entry id. */
int
aib_faq_reserved(const char *id)
{
	return (strcmp(id, "categories") == 0 || strcmp(id, "search") == 0 ||
	    strcmp(id, "reorder") == 0 || strcmp(id, "import") == 0);
}

/* Every entry, or 503 in rep; customers get the enabled ones only. */
cJSON *
aib_faq_load(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON	*all, *e, *next;

	if ((all = aib_faq_all(ctx, req->user.org)) == NULL) {
		aib_rest_down(rep);
		return (NULL);
	}
	if (aib_is_staff(&req->user))
		return (all);
	for (e = all->child; e != NULL; e = next) {
		next = e->next;
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(e,
		    "enabled")))
			cJSON_Delete(cJSON_DetachItemViaPointer(all, e));
	}
	return (all);
}

/* The entry of all with id, borrowed; NULL if none. */
cJSON *
aib_faq_find(cJSON *all, const char *id)
{
	cJSON	*e;

	cJSON_ArrayForEach(e, all)
		if (cm_json_str(e, "id") != NULL &&
		    strcmp(cm_json_str(e, "id"), id) == 0)
			return (e);
	return (NULL);
}

/* How a listing sorts: a member's name and a direction (1 or -1). */
struct faq_order {
	const char	*key;
	int		 dir;
};

static int
faq_sort_cmp(const void *a, const void *b, void *arg)
{
	const struct faq_order	*o = arg;
	const cJSON		*x = *(const cJSON *const *)a;
	const cJSON		*y = *(const cJSON *const *)b;
	const cJSON		*vx = cJSON_GetObjectItemCaseSensitive(x, o->key);
	const cJSON		*vy = cJSON_GetObjectItemCaseSensitive(y, o->key);
	int			 c = 0;

	if (cJSON_IsString(vx) && cJSON_IsString(vy))
		c = strcasecmp(vx->valuestring, vy->valuestring);
	else if (cJSON_IsNumber(vx) && cJSON_IsNumber(vy))
		c = vx->valuedouble < vy->valuedouble ? -1 :
		    vx->valuedouble > vy->valuedouble;
	return (c * o->dir);
}

/* Sorts the array all in place by key. */
static void
faq_sort(cJSON *all, const char *key, int dir)
{
	struct faq_order	 o = { key, dir };
	cJSON			**v, *e;
	int			 n = cJSON_GetArraySize(all), i = 0;

	if (n < 2)
		return;
	v = cm_calloc((size_t)n, sizeof(*v));
	while ((e = all->child) != NULL)
		v[i++] = cJSON_DetachItemViaPointer(all, e);
	qsort_r(v, (size_t)n, sizeof(*v), faq_sort_cmp, &o);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(all, v[i]);
	free(v);
}

static void
faq_list(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	char		 cat[128], sort[32], dir[8];
	cJSON		*all, *e, *next, *out;
	int		 d = 1;

	sort[0] = dir[0] = '\0';
	if (cm_rest_query(req, "sort", sort, sizeof(sort)) == 0 &&
	    strcmp(sort, "order") != 0 && strcmp(sort, "question") != 0 &&
	    strcmp(sort, "createdAt") != 0 && strcmp(sort, "updatedAt") != 0) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "sort must be order, "
		    "question, createdAt or updatedAt");
		return;
	}
	if (cm_rest_query(req, "dir", dir, sizeof(dir)) == 0) {
		if (strcmp(dir, "desc") == 0)
			d = -1;
		else if (strcmp(dir, "asc") != 0) {
			cm_rest_error(rep, 400, "BAD_REQUEST",
			    "dir must be asc or desc");
			return;
		}
	}
	if ((all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if (cm_rest_query(req, "category", cat, sizeof(cat)) == 0)
		for (e = all->child; e != NULL; e = next) {
			next = e->next;
			if (cm_json_str(e, "category") == NULL ||
			    strcmp(cm_json_str(e, "category"), cat) != 0)
				cJSON_Delete(cJSON_DetachItemViaPointer(all, e));
		}
	/* Stored order is "order" ascending; others sort here. */
	if ((sort[0] != '\0' && strcmp(sort, "order") != 0) || d == -1)
		faq_sort(all, sort[0] != '\0' ? sort : "order", d);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "entries", all);
	cm_rest_ok(rep, 200, out);
}

static void
faq_categories(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON		*all, *e, *out, *list, *c;
	const char	*name;

	if ((all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "categories");
	cJSON_ArrayForEach(e, all) {
		name = cm_json_str(e, "category") ? cm_json_str(e,
		    "category") : "";
		cJSON_ArrayForEach(c, list)
			if (strcmp(cm_json_str(c, "name"), name) == 0)
				break;
		if (c == NULL) {
			c = cJSON_CreateObject();
			cJSON_AddStringToObject(c, "name", name);
			cJSON_AddNumberToObject(c, "count", 0);
			cJSON_AddItemToArray(list, c);
		}
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(c,
		    "count"), cJSON_GetObjectItemCaseSensitive(c,
		    "count")->valuedouble + 1);
	}
	cJSON_Delete(all);
	cm_rest_ok(rep, 200, out);
}

static void
faq_search(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	char		 q[1024], cat[128];
	cJSON		*all, *cats = NULL, *out;
	long		 limit;

	if (cm_rest_query(req, "q", q, sizeof(q)) == -1 || q[0] == '\0') {
		cm_rest_error(rep, 400, "BAD_REQUEST", "q is required (at "
		    "most 1000 bytes)");
		return;
	}
	if (cm_rest_query_int(req, rep, "limit", 5, 1, FAQ_SEARCH_MAX,
	    &limit) == -1 || (all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if (cm_rest_query(req, "category", cat, sizeof(cat)) == 0) {
		cats = cJSON_CreateArray();
		cJSON_AddItemToArray(cats, cJSON_CreateString(cat));
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "results", aib_faq_search(all, q, cats,
	    (int)limit));
	cJSON_Delete(cats);
	cJSON_Delete(all);
	cm_rest_ok(rep, 200, out);
}

static void
faq_get(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON	*all, *e;

	if ((all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if ((e = aib_faq_find(all, req->params[0])) == NULL)
		cm_rest_error(rep, 404, "NOT_FOUND", "no such FAQ entry");
	else
		cm_rest_ok(rep, 200, cJSON_DetachItemViaPointer(all, e));
	cJSON_Delete(all);
}

/* Stores entries (an array); answers status with body, or an error. */
void
aib_faq_store(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep, const cJSON *entries, int status, cJSON *body)
{
	if (aib_faq_put(ctx, req->user.org, entries) == -1) {
		cJSON_Delete(body);
		aib_rest_down(rep);
		return;
	}
	cm_log_info("msg=\"faq changed\" org=%s entries=%d by=%s",
	    req->user.org, cJSON_GetArraySize(entries), req->user.email);
	cm_rest_ok(rep, status, body);
}

static void
faq_create(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*why;
	cJSON		*all, *e, *last, *one;

	if (!aib_need_admin(&req->user, rep) ||
	    (all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if (cJSON_GetArraySize(all) >= AIB_FAQ_MAX)
		cm_rest_error(rep, 409, "LIMIT", "the FAQ is full");
	else if ((e = aib_faq_build(req->body, NULL, &why)) == NULL)
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
	else if (aib_faq_reserved(cm_json_str(e, "id")) ||
	    aib_faq_find(all, cm_json_str(e, "id")) != NULL) {
		cm_rest_error(rep, 409, "CONFLICT", "that id is taken");
		cJSON_Delete(e);
	} else {
		/* Without an order, a new entry goes last. */
		last = cJSON_GetArrayItem(all, cJSON_GetArraySize(all) - 1);
		if (cJSON_GetObjectItemCaseSensitive(req->body, "order") ==
		    NULL && last != NULL)
			cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(
			    e, "order"), cJSON_GetObjectItemCaseSensitive(last,
			    "order")->valuedouble + 1);
		one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, e);
		aib_faq_store(ctx, req, rep, one, 201, e);
		cJSON_Delete(one);
	}
	cJSON_Delete(all);
}

static void
faq_update(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*why;
	cJSON		*all, *old, *e, *one;

	if (!aib_need_admin(&req->user, rep) ||
	    (all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if ((old = aib_faq_find(all, req->params[0])) == NULL)
		cm_rest_error(rep, 404, "NOT_FOUND", "no such FAQ entry");
	else if (cJSON_GetObjectItemCaseSensitive(req->body, "id") != NULL &&
	    (cm_json_str(req->body, "id") == NULL ||
	    strcmp(cm_json_str(req->body, "id"), req->params[0]) != 0))
		cm_rest_error(rep, 400, "BAD_REQUEST", "an entry's id does not "
		    "change");
	else if ((e = aib_faq_build(req->body, old, &why)) == NULL)
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
	else {
		one = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(one, e);
		aib_faq_store(ctx, req, rep, one, 200, e);
		cJSON_Delete(one);
	}
	cJSON_Delete(all);
}

static void
faq_delete(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	char		*key;
	redisReply	*r;

	if (!aib_need_admin(&req->user, rep))
		return;
	key = aib_key(ctx->cfg, AIB_FAM_FAQ, req->user.org, NULL, NULL);
	r = cm_redis_command(ctx, "HDEL %s %s", key, req->params[0]);
	free(key);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER)
		aib_rest_down(rep);
	else if (r->integer == 0)
		cm_rest_error(rep, 404, "NOT_FOUND", "no such FAQ entry");
	else
		cm_rest_ok(rep, 200, cJSON_CreateObject());
	freeReplyObject(r);
}
