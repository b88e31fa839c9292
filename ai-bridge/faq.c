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
FAQ_FN(faq_reorder);
FAQ_FN(faq_import);

const struct cm_rest_route aib_faq_routes[] = {
	{ "GET",	"/chat/faq",		faq_list },
	{ "POST",	"/chat/faq",		faq_create },
	{ "GET",	"/chat/faq/categories",	faq_categories },
	{ "GET",	"/chat/faq/search",	faq_search },
	{ "POST",	"/chat/faq/reorder",	faq_reorder },
	{ "POST",	"/chat/faq/import",	faq_import },
	{ "GET",	"/chat/faq/{}",		faq_get },
	{ "PUT",	"/chat/faq/{}",		faq_update },
	{ "PATCH",	"/chat/faq/{}",		faq_update },
	{ "DELETE",	"/chat/faq/{}",		faq_delete },
	{ NULL,		NULL,			NULL }
};

/* The paths above that a {} would otherwise take for an entry id. */
static int
faq_reserved(const char *id)
{
	return (strcmp(id, "categories") == 0 || strcmp(id, "search") == 0 ||
	    strcmp(id, "reorder") == 0 || strcmp(id, "import") == 0);
}

/* Every entry, or 503 in rep; customers get the enabled ones only. */
static cJSON *
faq_load(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
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
static cJSON *
faq_find(cJSON *all, const char *id)
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
	if ((all = faq_load(ctx, req, rep)) == NULL)
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

	if ((all = faq_load(ctx, req, rep)) == NULL)
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
	    &limit) == -1 || (all = faq_load(ctx, req, rep)) == NULL)
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

	if ((all = faq_load(ctx, req, rep)) == NULL)
		return;
	if ((e = faq_find(all, req->params[0])) == NULL)
		cm_rest_error(rep, 404, "NOT_FOUND", "no such FAQ entry");
	else
		cm_rest_ok(rep, 200, cJSON_DetachItemViaPointer(all, e));
	cJSON_Delete(all);
}

/* Stores entries (an array); answers status with body, or an error. */
static void
faq_store(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
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
	    (all = faq_load(ctx, req, rep)) == NULL)
		return;
	if (cJSON_GetArraySize(all) >= AIB_FAQ_MAX)
		cm_rest_error(rep, 409, "LIMIT", "the FAQ is full");
	else if ((e = aib_faq_build(req->body, NULL, &why)) == NULL)
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
	else if (faq_reserved(cm_json_str(e, "id")) ||
	    faq_find(all, cm_json_str(e, "id")) != NULL) {
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
		faq_store(ctx, req, rep, one, 201, e);
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
	    (all = faq_load(ctx, req, rep)) == NULL)
		return;
	if ((old = faq_find(all, req->params[0])) == NULL)
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
		faq_store(ctx, req, rep, one, 200, e);
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

static void
faq_reorder(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const cJSON	*ids = cJSON_GetObjectItemCaseSensitive(req->body, "ids");
	const cJSON	*id;
	cJSON		*all, *e, *moved, *out;
	int		 n = 0, rest;

	if (!aib_need_admin(&req->user, rep))
		return;
	if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) > AIB_FAQ_MAX) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "ids must be an array "
		    "of entry ids");
		return;
	}
	if ((all = faq_load(ctx, req, rep)) == NULL)
		return;
	/* The named entries first, in that order; the rest keep theirs. */
	moved = cJSON_CreateArray();
	cJSON_ArrayForEach(id, ids) {
		if (!cJSON_IsString(id) ||
		    (e = faq_find(all, id->valuestring)) == NULL) {
			cm_rest_error(rep, 400, "BAD_REQUEST", "ids names an "
			    "entry that does not exist");
			goto out;
		}
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e,
		    "order"), n++);
		cJSON_AddItemToArray(moved, cJSON_DetachItemViaPointer(all, e));
	}
	rest = n;
	while ((e = all->child) != NULL) {
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e,
		    "order"), rest++);
		cJSON_AddItemToArray(moved, cJSON_DetachItemViaPointer(all, e));
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "entries", cJSON_Duplicate(moved, 1));
	faq_store(ctx, req, rep, moved, 200, out);
out:
	cJSON_Delete(moved);
	cJSON_Delete(all);
}

static void
faq_import(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const cJSON	*in = cJSON_GetObjectItemCaseSensitive(req->body,
			    "entries"), *b;
	int		 replace = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    req->body, "replace")), order, i = 0;
	const char	*why, *id;
	char		*key, msg[160];
	redisReply	*r;
	cJSON		*all, *built, *e, *old, *out;

	if (!aib_need_admin(&req->user, rep))
		return;
	if (!cJSON_IsArray(in) || cJSON_GetArraySize(in) == 0 ||
	    cJSON_GetArraySize(in) > AIB_FAQ_MAX) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "entries must be an "
		    "array of 1 to 2000 entries");
		return;
	}
	if ((all = faq_load(ctx, req, rep)) == NULL)
		return;
	if (replace)
		while (all->child != NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(all, all->child));
	order = cJSON_GetArraySize(all);
	/* All or nothing: every entry is checked before one is stored. */
	built = cJSON_CreateArray();
	cJSON_ArrayForEach(b, in) {
		id = cm_json_str(b, "id");
		old = id != NULL ? faq_find(all, id) : NULL;
		if ((e = aib_faq_build(b, old, &why)) == NULL ||
		    faq_reserved(cm_json_str(e, "id"))) {
			snprintf(msg, sizeof(msg), "entry %d: %s", i,
			    e == NULL ? why : "that id is reserved");
			cm_rest_error(rep, 400, "BAD_REQUEST", msg);
			cJSON_Delete(e);
			goto out;
		}
		if (old == NULL && cJSON_GetObjectItemCaseSensitive(b,
		    "order") == NULL)
			cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e,
			    "order"), order++);
		cJSON_AddItemToArray(built, e);
		i++;
	}
	if (order > AIB_FAQ_MAX) {
		cm_rest_error(rep, 409, "LIMIT", "the FAQ would be too large");
		goto out;
	}
	if (replace) {
		key = aib_key(ctx->cfg, AIB_FAM_FAQ, req->user.org, NULL, NULL);
		r = cm_redis_command(ctx, "DEL %s", key);
		free(key);
		if (r == NULL) {
			aib_rest_down(rep);
			goto out;
		}
		freeReplyObject(r);
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "imported", i);
	faq_store(ctx, req, rep, built, 200, out);
out:
	cJSON_Delete(built);
	cJSON_Delete(all);
}
