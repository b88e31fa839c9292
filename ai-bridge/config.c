/*
 * Chat configs: what a widget names with context.configId.  A config is
 * {greeting, assistant:{backend, ...}}; PUT /chat/config/{configId}
 * (admins) replaces it, GET shows it with secrets masked, DELETE drops
 * it, GET /chat/config lists the org's configs (staff).
 *
 * Known fields are checked; fields we do not know are kept as they
 * come (a widget may store its own settings here), within a size bound.
 * A PUT whose apiKey is "(set)" (a GET sent back) keeps the stored key.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

#define CONFIG_MAX_BYTES	(64 * 1024)
#define CONFIG_SECRET_SHOWN	"(set)"

static void	config_rest_list(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	config_rest_get(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	config_rest_put(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	config_rest_delete(struct cm_svc_ctx *,
		    const struct cm_rest_req *, struct cm_rest_reply *);

const struct cm_rest_route aib_config_routes[] = {
	{ "GET",	"/chat/config",		config_rest_list },
	{ "GET",	"/chat/config/{}",	config_rest_get },
	{ "PUT",	"/chat/config/{}",	config_rest_put },
	{ "DELETE",	"/chat/config/{}",	config_rest_delete },
	{ NULL,		NULL,			NULL }
};

/* A string field of the assistant: its name and longest value. */
static const struct {
	const char	*name;
	size_t		 max;
} config_strings[] = {
	{ "name",		128 },
	{ "tone",		1000 },
	{ "personality",	1000 },
	{ "responseStyle",	1000 },
	{ "formality",		200 },
	{ "emojiUsage",		200 },
	{ "expertise",		1000 },
	{ "bio",		2000 },
	{ "model",		200 },
	{ "baseUrl",		512 },
	{ "apiKey",		4096 },
	{ "apiKeyFile",		255 },
	{ "systemPrompt",	8000 },
	{ "handoffMessage",	1000 },
	{ "fallbackMessage",	1000 },
};

/* A number field: its name and range. */
static const struct {
	const char	*name;
	double		 lo, hi;
	int		 integer;
} config_numbers[] = {
	{ "temperature",	0, 2, 0 },
	{ "maxTokens",		1, 131072, 1 },
	{ "timeoutMs",		1000, 600000, 1 },
	{ "minScore",		0, 1000, 0 },
	{ "chunkDelayMs",	0, 2000, 1 },
	{ "historyTurns",	0, 50, 1 },
	{ "summaryAfterTurns",	0, 200, 1 },
	{ "bubbleDelayMs",	0, 10000, 1 },
};

static const char *const config_bools[] = { "multiBubble", "typing",
    "tools" };

/* Checks an array of at most max strings of at most len bytes each. */
static int
config_str_array(const cJSON *a, int max, size_t len)
{
	const cJSON	*v;
	int		 n = 0;

	if (!cJSON_IsArray(a))
		return (0);
	cJSON_ArrayForEach(v, a)
		if (++n > max || !cJSON_IsString(v) ||
		    !aib_valid_text(v->valuestring, len))
			return (0);
	return (1);
}

/* 1 if name is a file name of ai_key_dir: no path, no leading dot. */
static int
config_key_file(const char *name)
{
	size_t	 i;

	if (name[0] == '\0' || name[0] == '.')
		return (0);
	for (i = 0; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ||
		    name[i] == '_' || name[i] == '-'))
			return (0);
	return (1);
}

/* Checks the assistant object in place; NULL if fine, else why not. */
static const char *
config_check_assistant(cJSON *a, const cJSON *old)
{
	const cJSON	*v, *oldkey;
	const char	*backend, *url;
	size_t		 i;

	if (!cJSON_IsObject(a))
		return ("assistant must be an object or null");
	backend = cm_json_str(a, "backend");
	if (cJSON_GetObjectItemCaseSensitive(a, "backend") == NULL)
		cJSON_AddStringToObject(a, "backend", backend = "faq");
	else if (backend == NULL || (strcmp(backend, "faq") != 0 &&
	    strcmp(backend, "openai") != 0))
		return ("assistant.backend must be \"faq\" or \"openai\"");
	for (i = 0; i < sizeof(config_strings) / sizeof(config_strings[0]);
	    i++) {
		v = cJSON_GetObjectItemCaseSensitive(a, config_strings[i].name);
		if (v != NULL && !cJSON_IsNull(v) && (!cJSON_IsString(v) ||
		    !aib_valid_text(v->valuestring, config_strings[i].max)))
			return ("an assistant text field is not a string of "
			    "acceptable length");
	}
	for (i = 0; i < sizeof(config_numbers) / sizeof(config_numbers[0]);
	    i++) {
		v = cJSON_GetObjectItemCaseSensitive(a, config_numbers[i].name);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsNumber(v) || v->valuedouble < config_numbers[i].lo ||
		    v->valuedouble > config_numbers[i].hi ||
		    (config_numbers[i].integer &&
		    v->valuedouble != floor(v->valuedouble)))
			return ("an assistant number is out of range "
			    "(confab-ai(8) lists the ranges)");
	}
	for (i = 0; i < sizeof(config_bools) / sizeof(config_bools[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(a, config_bools[i]);
		if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsBool(v))
			return ("an assistant flag is not a boolean");
	}
	v = cJSON_GetObjectItemCaseSensitive(a, "rules");
	if (v != NULL && !cJSON_IsNull(v) && !(cJSON_IsString(v) &&
	    aib_valid_text(v->valuestring, 8000)) &&
	    !config_str_array(v, 50, 1000))
		return ("assistant.rules must be a string or an array of at "
		    "most 50 strings");
	v = cJSON_GetObjectItemCaseSensitive(a, "faqCategories");
	if (v != NULL && !cJSON_IsNull(v) && !config_str_array(v, 50, 64))
		return ("assistant.faqCategories must be an array of "
		    "category names");
	if (cm_json_str(a, "apiKeyFile") != NULL &&
	    !config_key_file(cm_json_str(a, "apiKeyFile")))
		return ("assistant.apiKeyFile must be a file name in "
		    "ai_key_dir, without a path");
	if ((url = cm_json_str(a, "baseUrl")) != NULL &&
	    strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return ("assistant.baseUrl must start with http:// or https://");
	if (strcmp(backend, "openai") == 0 && (url == NULL ||
	    cm_json_str(a, "model") == NULL))
		return ("the openai backend needs baseUrl and model");
	/* "(set)" is what GET shows: keep the key we have. */
	if ((v = cJSON_GetObjectItemCaseSensitive(a, "apiKey")) != NULL &&
	    cJSON_IsString(v) && strcmp(v->valuestring,
	    CONFIG_SECRET_SHOWN) == 0) {
		oldkey = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(old, "assistant"), "apiKey");
		if (cJSON_IsString(oldkey))
			cJSON_ReplaceItemInObjectCaseSensitive(a, "apiKey",
			    cJSON_CreateString(oldkey->valuestring));
		else
			cJSON_DeleteItemFromObjectCaseSensitive(a, "apiKey");
	}
	return (NULL);
}

cJSON *
aib_config_build(const cJSON *body, const cJSON *old, const char **why)
{
	cJSON		*c, *a, *g;
	char		*text;
	size_t		 len;

	*why = NULL;
	if (!cJSON_IsObject(body)) {
		*why = "the body must be a JSON object";
		return (NULL);
	}
	c = cJSON_Duplicate(body, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "configId");
	g = cJSON_GetObjectItemCaseSensitive(c, "greeting");
	if (g != NULL && !cJSON_IsNull(g) && (!cJSON_IsString(g) ||
	    !aib_valid_text(g->valuestring, 2000)))
		*why = "greeting must be a string of at most 2000 bytes";
	a = cJSON_GetObjectItemCaseSensitive(c, "assistant");
	if (*why == NULL && a != NULL && !cJSON_IsNull(a))
		*why = config_check_assistant(a, old);
	if (*why == NULL) {
		text = cJSON_PrintUnformatted(c);
		len = strlen(text);
		free(text);
		if (len > CONFIG_MAX_BYTES)
			*why = "the config is larger than 64 KiB";
	}
	if (*why != NULL) {
		cJSON_Delete(c);
		return (NULL);
	}
	return (c);
}

cJSON *
aib_config_public(const char *id, const cJSON *stored)
{
	cJSON	*c = cJSON_Duplicate(stored, 1), *a;

	a = cJSON_GetObjectItemCaseSensitive(c, "assistant");
	if (cJSON_IsObject(a) &&
	    cJSON_GetObjectItemCaseSensitive(a, "apiKey") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(a, "apiKey",
		    cJSON_CreateString(CONFIG_SECRET_SHOWN));
	cJSON_DeleteItemFromObjectCaseSensitive(c, "configId");
	cJSON_AddStringToObject(c, "configId", id);
	return (c);
}

int
aib_config_load(struct cm_svc_ctx *ctx, const char *org, const char *id,
    cJSON **out)
{
	char	*key = aib_key(ctx->cfg, AIB_FAM_CONFIG, org, id, NULL);
	int	 rv;

	rv = aib_get_json(ctx, key, out);
	free(key);
	return (rv);
}

int
aib_config_store(struct cm_svc_ctx *ctx, const char *org, const char *id,
    const cJSON *stored)
{
	char		*key = aib_key(ctx->cfg, AIB_FAM_CONFIG, org, id, NULL);
	char		*set = aib_key(ctx->cfg, AIB_FAM_CONFIGS, org, NULL, NULL);
	redisReply	*r;
	int		 rv;

	rv = aib_set_json(ctx, key, stored, 0);
	if (rv == 0) {
		r = cm_redis_command(ctx, "SADD %s %s", set, id);
		rv = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
		freeReplyObject(r);
	}
	free(key);
	free(set);
	return (rv);
}

/* The {} of the path, checked; fills rep with 400 if it is no id. */
static const char *
config_id(const struct cm_rest_req *req, struct cm_rest_reply *rep)
{
	if (req->nparams < 1 || !aib_valid_id(req->params[0])) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "configId must be 1 to "
		    "64 characters of [A-Za-z0-9._-]");
		return (NULL);
	}
	return (req->params[0]);
}

static void
config_rest_list(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	char		*set;
	redisReply	*r;
	cJSON		*out, *list, *c;
	size_t		 i;

	if (!aib_need_staff(&req->user, rep))
		return;
	set = aib_key(ctx->cfg, AIB_FAM_CONFIGS, req->user.org, NULL, NULL);
	r = cm_redis_command(ctx, "SMEMBERS %s", set);
	free(set);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(r);
		aib_rest_down(rep);
		return;
	}
	out = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(out, "configs");
	for (i = 0; i < r->elements; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING ||
		    aib_config_load(ctx, req->user.org, r->element[i]->str,
		    &c) != 0)
			continue;
		cJSON_AddItemToArray(list, aib_config_public(
		    r->element[i]->str, c));
		cJSON_Delete(c);
	}
	freeReplyObject(r);
	cm_rest_ok(rep, 200, out);
}

static void
config_rest_get(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*id;
	cJSON		*c;

	if ((id = config_id(req, rep)) == NULL)
		return;
	switch (aib_config_load(ctx, req->user.org, id, &c)) {
	case 0:
		cm_rest_ok(rep, 200, aib_config_public(id, c));
		cJSON_Delete(c);
		break;
	case 1:
		cm_rest_error(rep, 404, "NOT_FOUND", "no such chat config");
		break;
	default:
		aib_rest_down(rep);
	}
}

static void
config_rest_put(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*id, *why;
	cJSON		*old = NULL, *c;
	int		 had;

	if (!aib_need_admin(&req->user, rep) ||
	    (id = config_id(req, rep)) == NULL)
		return;
	if ((had = aib_config_load(ctx, req->user.org, id, &old)) == -1) {
		aib_rest_down(rep);
		return;
	}
	if ((c = aib_config_build(req->body, old, &why)) == NULL)
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
	else if (aib_config_store(ctx, req->user.org, id, c) == -1)
		aib_rest_down(rep);
	else {
		cm_log_info("msg=\"chat config stored\" org=%s config=%s by=%s",
		    req->user.org, id, req->user.email);
		cm_rest_ok(rep, had == 1 ? 201 : 200, aib_config_public(id, c));
	}
	cJSON_Delete(c);
	cJSON_Delete(old);
}

static void
config_rest_delete(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*id;
	char		*key, *set;
	redisReply	*r;
	long long	 n = -1;

	if (!aib_need_admin(&req->user, rep) ||
	    (id = config_id(req, rep)) == NULL)
		return;
	key = aib_key(ctx->cfg, AIB_FAM_CONFIG, req->user.org, id, NULL);
	set = aib_key(ctx->cfg, AIB_FAM_CONFIGS, req->user.org, NULL, NULL);
	if ((r = cm_redis_command(ctx, "DEL %s", key)) != NULL &&
	    r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	freeReplyObject(r);
	if (n >= 0) {
		r = cm_redis_command(ctx, "SREM %s %s", set, id);
		freeReplyObject(r);
	}
	free(key);
	free(set);
	if (n < 0)
		aib_rest_down(rep);
	else if (n == 0)
		cm_rest_error(rep, 404, "NOT_FOUND", "no such chat config");
	else
		cm_rest_ok(rep, 200, cJSON_CreateObject());
}
