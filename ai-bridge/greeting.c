/*
 * SOCKET_OPEN: a customer whose socket names a chat config
 * (auth.context.configId) gets the assistant's greeting, once per
 * identity for ai_greeting_ttl_s however many tabs it opens, as the
 * event
 *
 *	ai-greeting {"configId","text","assistant":{"name"}}
 *
 * on its identity channel.  The gateway sends SOCKET_OPEN only after
 * the socket's channels are subscribed, so the first tab receives it.
 * The configId is also remembered for a day (ai-visitor), so that an
 * agent's send-ai-message finds the customer's assistant.
 */
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "log.h"

int
aib_socket_open(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct cm_principal	 p;
	const char		*why, *id, *greeting, *name;
	char			*key;
	cJSON			*c = NULL, *ev, *as;
	redisReply		*r;
	int			 fresh = 1;

	*reply = cJSON_CreateObject();
	if (cm_svc_principal(cJSON_GetObjectItemCaseSensitive(body, "user"),
	    f->org, &p, &why) == -1 || p.role != CM_ROLE_CUSTOMER)
		return (CM_ST_OK);
	id = cm_json_str(cJSON_GetObjectItemCaseSensitive(body, "context"),
	    "configId");
	if (id == NULL || !aib_valid_id(id))
		return (CM_ST_OK);

	key = aib_key(ctx->cfg, AIB_FAM_VISITOR, f->org, p.email, NULL);
	r = cm_redis_command(ctx, "SET %s %s EX %d", key, id, AIB_DAY_S);
	freeReplyObject(r);
	free(key);
	if (aib_config_load(ctx, f->org, id, &c) != 0 ||
	    (greeting = cm_json_str(c, "greeting")) == NULL ||
	    greeting[0] == '\0')
		goto out;

	if (ctx->cfg->ai_greeting_ttl_s > 0) {
		key = aib_key(ctx->cfg, AIB_FAM_GREETED, f->org, p.email, NULL);
		r = cm_redis_command(ctx, "SET %s %s NX EX %d", key, id,
		    ctx->cfg->ai_greeting_ttl_s);
		fresh = r != NULL && r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
		free(key);
	}
	if (!fresh)
		goto out;
	as = cJSON_GetObjectItemCaseSensitive(c, "assistant");
	name = cm_json_str(as, "name");
	ev = cJSON_CreateObject();
	cJSON_AddStringToObject(ev, "configId", id);
	cJSON_AddStringToObject(ev, "text", greeting);
	if (cJSON_IsObject(as))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "assistant"),
		    "name", name != NULL ? name : "Assistant");
	else
		cJSON_AddNullToObject(ev, "assistant");
	if (aib_publish_identity(ctx, f->org, "customer", p.email,
	    "ai-greeting", ev) == 0) {
		CM_ADD(&aib_app.stats.greetings, 1);
		cm_log_info("msg=\"greeted\" org=%s config=%s", f->org, id);
	}
	cJSON_Delete(ev);
out:
	cJSON_Delete(c);
	return (CM_ST_OK);
}
