/*
 * FAQ entries of an org: one hash, ai-faq:{ORG}, entry id -> JSON
 *
 *	{"id","question","answer","category","keywords":[..],"order",
 *	 "enabled","createdAt","updatedAt"}
 *
 * An org holds at most AIB_FAQ_MAX entries, so reading them all for a
 * listing or a ranking stays cheap; the ranking (bm25.c) weighs the
 * question and keywords twice as much as the answer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define FAQ_QUESTION_MAX	1000
#define FAQ_ANSWER_MAX		8000
#define FAQ_CATEGORY_MAX	64
#define FAQ_KEYWORDS_MAX	32
#define FAQ_KEYWORD_MAX		64
#define FAQ_ID_LEN		12

static double
faq_num(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsNumber(v) ? v->valuedouble : 0);
}

static int
faq_cmp(const void *a, const void *b)
{
	const cJSON	*x = *(const cJSON *const *)a;
	const cJSON	*y = *(const cJSON *const *)b;
	double		 d;

	if ((d = faq_num(x, "order") - faq_num(y, "order")) != 0)
		return (d < 0 ? -1 : 1);
	if ((d = faq_num(x, "createdAt") - faq_num(y, "createdAt")) != 0)
		return (d < 0 ? -1 : 1);
	return (strcmp(cm_json_str(x, "id") ? cm_json_str(x, "id") : "",
	    cm_json_str(y, "id") ? cm_json_str(y, "id") : ""));
}

cJSON *
aib_faq_all(struct cm_svc_ctx *ctx, const char *org)
{
	char		*key = aib_key(ctx->cfg, AIB_FAM_FAQ, org, NULL, NULL);
	redisReply	*r;
	cJSON		**v, *out;
	size_t		 i, n = 0;

	r = cm_redis_command(ctx, "HGETALL %s", key);
	free(key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		return (NULL);
	}
	v = cm_calloc(r->elements / 2 + 1, sizeof(*v));
	for (i = 1; i < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if ((v[n] = cm_json_parse(r->element[i]->str,
		    r->element[i]->len)) == NULL || !cJSON_IsObject(v[n])) {
			cJSON_Delete(v[n]);
			continue;
		}
		n++;
	}
	freeReplyObject(r);
	qsort(v, n, sizeof(*v), faq_cmp);
	out = cJSON_CreateArray();
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(out, v[i]);
	free(v);
	return (out);
}

/* Checks the fields body has; NULL if fine, else why not. */
static const char *
faq_check(const cJSON *body)
{
	const cJSON	*v, *k;
	int		 n = 0;

	v = cJSON_GetObjectItemCaseSensitive(body, "question");
	if (v != NULL && (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    !aib_valid_text(v->valuestring, FAQ_QUESTION_MAX)))
		return ("question must be a string of 1 to 1000 bytes");
	v = cJSON_GetObjectItemCaseSensitive(body, "answer");
	if (v != NULL && (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
	    !aib_valid_text(v->valuestring, FAQ_ANSWER_MAX)))
		return ("answer must be a string of 1 to 8000 bytes");
	v = cJSON_GetObjectItemCaseSensitive(body, "category");
	if (v != NULL && !cJSON_IsNull(v) && (!cJSON_IsString(v) ||
	    !aib_valid_text(v->valuestring, FAQ_CATEGORY_MAX)))
		return ("category must be a string of at most 64 bytes");
	v = cJSON_GetObjectItemCaseSensitive(body, "keywords");
	if (v != NULL && !cJSON_IsNull(v)) {
		if (!cJSON_IsArray(v))
			return ("keywords must be an array of strings");
		cJSON_ArrayForEach(k, v)
			if (++n > FAQ_KEYWORDS_MAX || !cJSON_IsString(k) ||
			    !aib_valid_text(k->valuestring, FAQ_KEYWORD_MAX))
				return ("keywords must be at most 32 strings "
				    "of at most 64 bytes");
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "order");
	if (v != NULL && (!cJSON_IsNumber(v) || fabs(v->valuedouble) > 1e9 ||
	    v->valuedouble != floor(v->valuedouble)))
		return ("order must be an integer");
	v = cJSON_GetObjectItemCaseSensitive(body, "enabled");
	if (v != NULL && !cJSON_IsBool(v))
		return ("enabled must be a boolean");
	v = cJSON_GetObjectItemCaseSensitive(body, "id");
	if (v != NULL && (!cJSON_IsString(v) || !aib_valid_id(v->valuestring)))
		return ("id must be 1 to 64 characters of [A-Za-z0-9._-]");
	return (NULL);
}

/* Sets o[name] to a copy of body[name] when body has it. */
static void
faq_take(cJSON *o, const cJSON *body, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(body, name);

	if (v == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddItemToObject(o, name, cJSON_IsNull(v) ? (strcmp(name,
	    "category") == 0 ? cJSON_CreateString("") : cJSON_CreateArray()) :
	    cJSON_Duplicate(v, 1));
}

cJSON *
aib_faq_build(const cJSON *body, const cJSON *old, const char **why)
{
	static const char *const fields[] = { "question", "answer",
	    "category", "keywords", "order", "enabled" };
	char		 id[FAQ_ID_LEN + 1];
	int64_t		 now = cm_now_ms();
	cJSON		*e;
	size_t		 i;

	if (!cJSON_IsObject(body)) {
		*why = "an entry must be a JSON object";
		return (NULL);
	}
	if ((*why = faq_check(body)) != NULL)
		return (NULL);
	if (old == NULL) {
		if (cm_json_str(body, "question") == NULL ||
		    cm_json_str(body, "answer") == NULL) {
			*why = "question and answer are required";
			return (NULL);
		}
		e = cJSON_CreateObject();
		if (cm_json_str(body, "id") != NULL)
			cm_strlcpy(id, cm_json_str(body, "id"), sizeof(id));
		else if (cm_random_id(id, FAQ_ID_LEN) == -1) {
			cJSON_Delete(e);
			*why = "no entropy for an id";
			return (NULL);
		}
		cJSON_AddStringToObject(e, "id", cm_json_str(body, "id") ?
		    cm_json_str(body, "id") : id);
		cJSON_AddStringToObject(e, "category", "");
		cJSON_AddArrayToObject(e, "keywords");
		cJSON_AddNumberToObject(e, "order", 0);
		cJSON_AddTrueToObject(e, "enabled");
		cJSON_AddNumberToObject(e, "createdAt", (double)now);
	} else {
		e = cJSON_Duplicate(old, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(e, "updatedAt");
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		faq_take(e, body, fields[i]);
	cJSON_AddNumberToObject(e, "updatedAt", (double)now);
	return (e);
}

int
aib_faq_put(struct cm_svc_ctx *ctx, const char *org, const cJSON *entries)
{
	const cJSON	*e;
	const char	**argv;
	char		**texts;
	redisReply	*r;
	int		 n, i = 0, argc, rv;

	if ((n = cJSON_GetArraySize(entries)) == 0)
		return (0);
	argc = 2 + 2 * n;
	argv = cm_calloc((size_t)argc, sizeof(*argv));
	texts = cm_calloc((size_t)n, sizeof(*texts));
	argv[0] = "HSET";
	argv[1] = aib_key(ctx->cfg, AIB_FAM_FAQ, org, NULL, NULL);
	cJSON_ArrayForEach(e, entries) {
		texts[i] = cJSON_PrintUnformatted(e);
		argv[2 + 2 * i] = cm_json_str(e, "id");
		argv[3 + 2 * i] = texts[i];
		i++;
	}
	r = cm_redis_argv(ctx, argc, argv, NULL);
	rv = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
	freeReplyObject(r);
	for (i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free((char *)argv[1]);
	free(argv);
	return (rv);
}

/* 1 if e's category is one of categories (an array), or there is none. */
static int
faq_in_categories(const cJSON *e, const cJSON *categories)
{
	const char	*c = cm_json_str(e, "category");
	const cJSON	*v;

	if (!cJSON_IsArray(categories) || cJSON_GetArraySize(categories) == 0)
		return (1);
	cJSON_ArrayForEach(v, categories)
		if (cJSON_IsString(v) && c != NULL &&
		    strcmp(v->valuestring, c) == 0)
			return (1);
	return (0);
}

cJSON *
aib_faq_search(const cJSON *all, const char *question,
    const cJSON *categories, int max)
{
	struct aib_doc	*docs;
	struct aib_rank	*ranks;
	const cJSON	**from, *e, *k;
	struct cm_buf	*kw;
	cJSON		*out = cJSON_CreateArray(), *hit;
	int		 n = 0, i, nr, size = cJSON_GetArraySize(all);

	if (size == 0 || max <= 0)
		return (out);
	docs = cm_calloc((size_t)size, sizeof(*docs));
	from = cm_calloc((size_t)size, sizeof(*from));
	kw = cm_calloc((size_t)size, sizeof(*kw));
	ranks = cm_calloc((size_t)size, sizeof(*ranks));
	cJSON_ArrayForEach(e, all) {
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(e,
		    "enabled")) || !faq_in_categories(e, categories))
			continue;
		cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(e,
		    "keywords"))
			if (cJSON_IsString(k)) {
				cm_buf_puts(&kw[n], k->valuestring);
				cm_buf_puts(&kw[n], " ");
			}
		docs[n].field[0] = cm_json_str(e, "question");
		docs[n].weight[0] = 2;
		docs[n].field[1] = kw[n].data;
		docs[n].weight[1] = 2;
		docs[n].field[2] = cm_json_str(e, "answer");
		docs[n].weight[2] = 1;
		from[n++] = e;
	}
	nr = aib_bm25_rank(question, docs, n, ranks, max);
	for (i = 0; i < nr; i++) {
		hit = cJSON_CreateObject();
		cJSON_AddItemToObject(hit, "entry",
		    cJSON_Duplicate(from[ranks[i].doc], 1));
		cJSON_AddNumberToObject(hit, "score",
		    round(ranks[i].score * 1000) / 1000);
		cJSON_AddItemToArray(out, hit);
	}
	for (i = 0; i < n; i++)
		cm_buf_free(&kw[i]);
	free(kw);
	free(docs);
	free(from);
	free(ranks);
	return (out);
}
