/*
 * The org's AI settings and per-agent overrides (seed 003's two-layer
 * AI mode), and the character profile a job's answer is written in.
 *
 *	GET /chat/ai/settings			staff
 *	PUT /chat/ai/settings			admin: {"mode","allowPerAgentMode",
 *						"character"}
 *	GET /chat/ai/agents/{email}		staff
 *	PUT /chat/ai/agents/{email}		admin, or the agent itself:
 *						{"modeOverride","aiEnabled",
 *						"character"}
 *
 * The mode decides whether the assistant answers by itself:
 *
 *	manual		never (agents may still ask it: send-ai-message)
 *	ai		every conversation no human holds
 *	agent-wise	those, and the conversations of agents whose
 *			aiEnabled is true (it answers in their place)
 *
 * With allowPerAgentMode, an agent's modeOverride replaces the org's
 * mode for that agent's conversations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

static void	settings_get(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	settings_put(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	agent_get(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);
static void	agent_put(struct cm_svc_ctx *, const struct cm_rest_req *,
		    struct cm_rest_reply *);

const struct cm_rest_route aib_settings_routes[] = {
	{ "GET",	"/chat/ai/settings",	settings_get },
	{ "PUT",	"/chat/ai/settings",	settings_put },
	{ "GET",	"/chat/ai/agents/{}",	agent_get },
	{ "PUT",	"/chat/ai/agents/{}",	agent_put },
	{ NULL,		NULL,			NULL }
};

/* The profile fields a character may set (all strings but rules). */
static const char *const settings_char_fields[] = {
	"name", "tone", "personality", "responseStyle", "formality",
	"emojiUsage", "expertise", "bio", "rules",
};

int
aib_mode_parse(const char *s, enum aib_mode *mode)
{
	if (s == NULL)
		return (-1);
	if (strcmp(s, "manual") == 0)
		*mode = AIB_MODE_MANUAL;
	else if (strcmp(s, "ai") == 0)
		*mode = AIB_MODE_AI;
	else if (strcmp(s, "agent-wise") == 0)
		*mode = AIB_MODE_AGENT_WISE;
	else
		return (-1);
	return (0);
}

int
aib_mode_answers(enum aib_mode mode, int per_agent, const cJSON *agent)
{
	enum aib_mode	 m = mode;

	if (agent == NULL)
		return (mode != AIB_MODE_MANUAL);
	if (per_agent)
		aib_mode_parse(cm_json_str(agent, "modeOverride"), &m);
	/* A human holds it: only an agent-wise agent lets the AI answer. */
	return (m == AIB_MODE_AGENT_WISE && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(agent, "aiEnabled")));
}

/* NULL if c is an acceptable character (or null), else why not. */
static const char *
settings_check_character(const cJSON *c)
{
	const cJSON	*v;
	size_t		 i;

	if (c == NULL || cJSON_IsNull(c))
		return (NULL);
	if (!cJSON_IsObject(c))
		return ("character must be an object");
	cJSON_ArrayForEach(v, c) {
		for (i = 0; i < sizeof(settings_char_fields) /
		    sizeof(settings_char_fields[0]); i++)
			if (strcmp(v->string, settings_char_fields[i]) == 0)
				break;
		if (i == sizeof(settings_char_fields) /
		    sizeof(settings_char_fields[0]))
			return ("character has an unknown field");
		if (cJSON_IsNull(v))
			continue;
		if (strcmp(v->string, "rules") == 0 && cJSON_IsArray(v)) {
			const cJSON *r;

			cJSON_ArrayForEach(r, v)
				if (!cJSON_IsString(r) ||
				    !aib_valid_text(r->valuestring, 1000))
					return ("character.rules must hold "
					    "strings");
			continue;
		}
		if (!cJSON_IsString(v) || !aib_valid_text(v->valuestring, 2000))
			return ("character fields must be strings of at most "
			    "2000 bytes");
	}
	return (NULL);
}

/* Copies the character fields of from over into. */
static void
settings_overlay(cJSON *into, const cJSON *from)
{
	const cJSON	*v;
	size_t		 i;

	if (!cJSON_IsObject(from))
		return;
	for (i = 0; i < sizeof(settings_char_fields) /
	    sizeof(settings_char_fields[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(from,
		    settings_char_fields[i]);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(into,
		    settings_char_fields[i]);
		cJSON_AddItemToObject(into, settings_char_fields[i],
		    cJSON_Duplicate(v, 1));
	}
}

/* Loads the org's settings (defaults if none); -1 if Redis failed. */
static int
settings_load(struct cm_svc_ctx *ctx, const char *org, cJSON **out)
{
	char	*key = aib_key(ctx->cfg, AIB_FAM_SETTINGS, org, NULL, NULL);
	int	 rv = aib_get_json(ctx, key, out);

	free(key);
	if (rv == -1)
		return (-1);
	if (rv == 1)
		*out = cJSON_CreateObject();
	if (cm_json_str(*out, "mode") == NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(*out, "mode");
		cJSON_AddStringToObject(*out, "mode", "ai");
	}
	if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(*out,
	    "allowPerAgentMode")))
		cJSON_AddFalseToObject(*out, "allowPerAgentMode");
	return (0);
}

/* Loads an agent's record ({} if none); -1 if Redis failed. */
static int
settings_agent_load(struct cm_svc_ctx *ctx, const char *org,
    const char *email, cJSON **out)
{
	char	*key = aib_key(ctx->cfg, AIB_FAM_AGENT, org, email, NULL);
	int	 rv = aib_get_json(ctx, key, out);

	free(key);
	if (rv == 1)
		*out = cJSON_CreateObject();
	return (rv == -1 ? -1 : 0);
}

int
aib_settings_resolve(struct cm_svc_ctx *ctx, const char *org,
    const char *agent, int asked, const cJSON *assistant, cJSON **character,
    const char **why)
{
	cJSON		*s = NULL, *a = NULL;
	const char	*email = agent != NULL ? strchr(agent, ':') : NULL;
	enum aib_mode	 mode = AIB_MODE_AI;
	int		 rv = -1, per_agent;

	*character = NULL;
	if (settings_load(ctx, org, &s) == -1)
		goto out;
	if (email != NULL && settings_agent_load(ctx, org, email + 1,
	    &a) == -1)
		goto out;
	aib_mode_parse(cm_json_str(s, "mode"), &mode);
	per_agent = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s,
	    "allowPerAgentMode"));
	/* An agent asking (send-ai-message) is an answer by definition. */
	if (!asked && !aib_mode_answers(mode, per_agent, a)) {
		*why = a == NULL ? "the AI mode is manual" :
		    "the agent holding the conversation has no AI";
		rv = 0;
		goto out;
	}
	*character = cJSON_CreateObject();
	settings_overlay(*character, assistant);
	settings_overlay(*character, cJSON_GetObjectItemCaseSensitive(s,
	    "character"));
	settings_overlay(*character, cJSON_GetObjectItemCaseSensitive(a,
	    "character"));
	if (cm_json_str(*character, "name") == NULL)
		cJSON_AddStringToObject(*character, "name", "Assistant");
	rv = 1;
out:
	cJSON_Delete(s);
	cJSON_Delete(a);
	return (rv);
}

static void
settings_get(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	cJSON	*s;

	if (!aib_need_staff(&req->user, rep))
		return;
	if (settings_load(ctx, req->user.org, &s) == -1)
		aib_rest_down(rep);
	else
		cm_rest_ok(rep, 200, s);
}

static void
settings_put(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const cJSON	*b = req->body, *per;
	const char	*why = NULL;
	enum aib_mode	 mode;
	cJSON		*s;
	char		*key;

	if (!aib_need_admin(&req->user, rep))
		return;
	per = cJSON_GetObjectItemCaseSensitive(b, "allowPerAgentMode");
	if (!cJSON_IsObject(b))
		why = "the body must be a JSON object";
	else if (aib_mode_parse(cm_json_str(b, "mode"), &mode) == -1)
		why = "mode must be \"manual\", \"ai\" or \"agent-wise\"";
	else if (per != NULL && !cJSON_IsBool(per))
		why = "allowPerAgentMode must be a boolean";
	else
		why = settings_check_character(
		    cJSON_GetObjectItemCaseSensitive(b, "character"));
	if (why != NULL) {
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
		return;
	}
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "mode", cm_json_str(b, "mode"));
	cJSON_AddBoolToObject(s, "allowPerAgentMode", cJSON_IsTrue(per));
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(b, "character")))
		cJSON_AddItemToObject(s, "character", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(b, "character"), 1));
	key = aib_key(ctx->cfg, AIB_FAM_SETTINGS, req->user.org, NULL, NULL);
	if (aib_set_json(ctx, key, s, 0) == -1) {
		cJSON_Delete(s);
		aib_rest_down(rep);
	} else
		cm_rest_ok(rep, 200, s);
	free(key);
}

/* The email of the path; 400 unless it is plausible. */
static const char *
agent_email(const struct cm_rest_req *req, struct cm_rest_reply *rep)
{
	char	 m[AIB_MEMBER_MAX + 1];

	snprintf(m, sizeof(m), "agent:%s", req->params[0]);
	if (req->nparams < 1 || !aib_valid_member(m)) {
		cm_rest_error(rep, 400, "BAD_REQUEST", "not an email");
		return (NULL);
	}
	return (req->params[0]);
}

static void
agent_get(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const char	*email;
	cJSON		*a;

	if (!aib_need_staff(&req->user, rep) ||
	    (email = agent_email(req, rep)) == NULL)
		return;
	if (settings_agent_load(ctx, req->user.org, email, &a) == -1)
		aib_rest_down(rep);
	else
		cm_rest_ok(rep, 200, a);
}

static void
agent_put(struct cm_svc_ctx *ctx, const struct cm_rest_req *req,
    struct cm_rest_reply *rep)
{
	const cJSON	*b = req->body, *en, *mo;
	const char	*email, *why = NULL;
	enum aib_mode	 mode;
	cJSON		*a;
	char		*key;

	if ((email = agent_email(req, rep)) == NULL)
		return;
	if (req->user.role != CM_ROLE_ADMIN && !(aib_is_staff(&req->user) &&
	    strcmp(req->user.email, email) == 0)) {
		cm_rest_error(rep, 403, "FORBIDDEN", "only an admin or the "
		    "agent may change an agent's AI settings");
		return;
	}
	en = cJSON_GetObjectItemCaseSensitive(b, "aiEnabled");
	mo = cJSON_GetObjectItemCaseSensitive(b, "modeOverride");
	if (!cJSON_IsObject(b))
		why = "the body must be a JSON object";
	else if (en != NULL && !cJSON_IsBool(en) && !cJSON_IsNull(en))
		why = "aiEnabled must be a boolean";
	else if (mo != NULL && !cJSON_IsNull(mo) &&
	    aib_mode_parse(cm_json_str(b, "modeOverride"), &mode) == -1)
		why = "modeOverride must be null, \"manual\", \"ai\" or "
		    "\"agent-wise\"";
	else
		why = settings_check_character(
		    cJSON_GetObjectItemCaseSensitive(b, "character"));
	if (why != NULL) {
		cm_rest_error(rep, 400, "BAD_REQUEST", why);
		return;
	}
	a = cJSON_CreateObject();
	if (cm_json_str(b, "modeOverride") != NULL)
		cJSON_AddStringToObject(a, "modeOverride",
		    cm_json_str(b, "modeOverride"));
	if (cJSON_IsBool(en))
		cJSON_AddBoolToObject(a, "aiEnabled", cJSON_IsTrue(en));
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(b, "character")))
		cJSON_AddItemToObject(a, "character", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(b, "character"), 1));
	key = aib_key(ctx->cfg, AIB_FAM_AGENT, req->user.org, email, NULL);
	if (aib_set_json(ctx, key, a, 0) == -1) {
		cJSON_Delete(a);
		aib_rest_down(rep);
	} else
		cm_rest_ok(rep, 200, a);
	free(key);
}
