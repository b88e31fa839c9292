/*
 * The FAQ's bulk operations (see faq.c for the routes):
 *
 *	POST /chat/faq/reorder	{"ids":[..]}: the named entries first, in
 *				that order; the others after them, in theirs
 *	POST /chat/faq/import	{"entries":[..],"replace":bool}: all checked
 *				before any is stored; an entry with the id of
 *				one that exists updates it
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

void
aib_faq_reorder(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
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
	if ((all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	/* The named entries first, in that order; the rest keep theirs. */
	moved = cJSON_CreateArray();
	cJSON_ArrayForEach(id, ids) {
		if (!cJSON_IsString(id) ||
		    (e = aib_faq_find(all, id->valuestring)) == NULL) {
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
	aib_faq_store(ctx, req, rep, moved, 200, out);
out:
	cJSON_Delete(moved);
	cJSON_Delete(all);
}

void
aib_faq_import(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
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
	if ((all = aib_faq_load(ctx, req, rep)) == NULL)
		return;
	if (replace)
		while (all->child != NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(all, all->child));
	order = cJSON_GetArraySize(all);
	/* All or nothing: every entry is checked before one is stored. */
	built = cJSON_CreateArray();
	cJSON_ArrayForEach(b, in) {
		id = cm_json_str(b, "id");
		old = id != NULL ? aib_faq_find(all, id) : NULL;
		if ((e = aib_faq_build(b, old, &why)) == NULL ||
		    aib_faq_reserved(cm_json_str(e, "id"))) {
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
	aib_faq_store(ctx, req, rep, built, 200, out);
out:
	cJSON_Delete(built);
	cJSON_Delete(all);
}
