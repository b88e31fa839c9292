/*
 * activeChats in an agent's presence: how many conversations the agent
 * has now.  Assignments are queue-svc's data, so presence-svc asks it
 * (GET /chat/queue/agents, as the caller) rather than read its keys.
 * When queue-svc does not answer, activeChats is null: unknown.
 *
 * The other things presence-svc tells queue-svc go out here too, on
 * the same link: an agent's status, the sockets of a dead gateway
 * worker (worker.c), and those a refresh brings back (refresh.c).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pres.h"
#include "svc_call.h"
#include "util.h"

#define PRES_LOAD_TIMEOUT_MS	1000

/* One link per thread (request threads, the sweeper); NNG redials it. */
static __thread struct cm_svc_peer pres_queue_peer;

/* The agents array of queue-svc's answer, or NULL; *doc to free. */
static const cJSON *
pres_queue_agents(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    cJSON **doc)
{
	struct cm_buf b = { 0 };
	char *reply = NULL;
	int status;
	const cJSON *code, *body;

	*doc = NULL;
	pres_queue_peer.url = ctx->cfg->queue_address;
	cm_buf_puts(&b, "{\"method\":\"GET\",\"path\":\"/chat/queue/agents\","
	    "\"query\":\"\",\"body\":null,\"user\":");
	cm_principal_json(&b, u);
	cm_buf_puts(&b, "}");
	if (cm_svc_call(&pres_queue_peer, CM_MSG_REST, u->org, b.data, b.len,
	    PRES_LOAD_TIMEOUT_MS, &status, &reply) == 0 && status == CM_ST_OK)
		*doc = cm_json_parse(reply, strlen(reply));
	free(reply);
	cm_buf_free(&b);
	code = cJSON_GetObjectItemCaseSensitive(*doc, "status");
	body = cJSON_GetObjectItemCaseSensitive(*doc, "body");
	if (!cJSON_IsNumber(code) || code->valueint != 200)
		return (NULL);
	return (cJSON_GetObjectItemCaseSensitive(body, "agents"));
}

static void
pres_set_load(cJSON *agent, const cJSON *queue_agents)
{
	const char *email = cm_json_str(agent, "email");
	const cJSON *a, *load;

	cJSON_DeleteItemFromObjectCaseSensitive(agent, "activeChats");
	if (queue_agents == NULL || email == NULL) {
		cJSON_AddNullToObject(agent, "activeChats");
		return;
	}
	cJSON_ArrayForEach(a, queue_agents) {
		load = cJSON_GetObjectItemCaseSensitive(a, "load");
		if (cJSON_IsNumber(load) && cm_json_str(a, "email") != NULL &&
		    strcmp(cm_json_str(a, "email"), email) == 0) {
			cJSON_AddNumberToObject(agent, "activeChats",
			    load->valuedouble);
			return;
		}
	}
	cJSON_AddNumberToObject(agent, "activeChats", 0);
}

void
pres_add_active_chats(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    cJSON *agents)
{
	cJSON *doc, *a;
	const cJSON *q = pres_queue_agents(ctx, u, &doc);

	if (cJSON_IsArray(agents))
		cJSON_ArrayForEach(a, agents)
			pres_set_load(a, q);
	else if (cJSON_IsObject(agents))
		pres_set_load(agents, q);
	cJSON_Delete(doc);
}

/*
 * Tells queue-svc an agent's new status, so that routing (auto-assign,
 * the ETA's count of available agents) skips busy and away agents.  A
 * lost notice is logged; presence keeps the status either way.
 */
void
pres_tell_queue_status(struct cm_svc_ctx *ctx, const char *org,
    const char *role, const char *email, const char *status)
{
	struct cm_principal agent;
	struct cm_buf b = { 0 };
	char *reply = NULL;
	int st;

	memset(&agent, 0, sizeof(agent));
	cm_strlcpy(agent.org, org, sizeof(agent.org));
	cm_strlcpy(agent.email, email, sizeof(agent.email));
	cm_role_parse(role, &agent.role);
	pres_queue_peer.url = ctx->cfg->queue_address;
	cm_buf_puts(&b, "{\"event\":\"agent-status\",\"sid\":\"presence\","
	    "\"user\":");
	cm_principal_json(&b, &agent);
	cm_buf_puts(&b, ",\"data\":{\"status\":");
	cm_buf_json_str(&b, status);
	cm_buf_puts(&b, "}}");
	if (cm_svc_call(&pres_queue_peer, CM_MSG_EVENT, org, b.data, b.len,
	    PRES_LOAD_TIMEOUT_MS, &st, &reply) == -1 || st != CM_ST_OK ||
	    strstr(reply, "\"ok\":true") == NULL)
		cm_log_warn("msg=\"queue-svc not told of a status\" org=%s "
		    "status=%s", org, status);
	free(reply);
	cm_buf_free(&b);
}

/*
 * Sends queue-svc a socket frame of type: {"sid","user"} and then what
 * rest adds (it starts with a comma, or is "").  Returns 0 if queue-svc
 * took it, -1 (logged) if not.
 */
static int
pres_tell_queue_socket(struct cm_svc_ctx *ctx, int type, const char *org,
    const char *sid, const struct cm_principal *u, const char *rest,
    int timeout_ms)
{
	struct cm_buf b = { 0 };
	char *reply = NULL;
	int st, rv = 0;

	pres_queue_peer.url = ctx->cfg->queue_address;
	cm_buf_puts(&b, "{\"sid\":");
	cm_buf_json_str(&b, sid);
	cm_buf_puts(&b, ",\"user\":");
	cm_principal_json(&b, u);
	cm_buf_puts(&b, rest);
	cm_buf_puts(&b, "}");
	if (cm_svc_call(&pres_queue_peer, type, org, b.data, b.len,
	    timeout_ms, &st, &reply) == -1)
		rv = -1;		/* logged */
	else if (st != CM_ST_OK) {
		cm_log_warn("msg=\"queue-svc refused a socket %s\" "
		    "org=%s sid=%s status=%d", type == CM_MSG_SOCKET_OPEN ?
		    "open" : "close", org, sid, st);
		rv = -1;
	}
	free(reply);
	cm_buf_free(&b);
	return (rv);
}

/*
 * The body is the gateway's own for a close (gateway/session.c,
 * gw_sio_close): queue-svc cannot tell the two apart, and need not.
 */
int
pres_tell_queue_close(struct cm_svc_ctx *ctx, const char *org,
    const char *sid, const struct cm_principal *u, const char *reason,
    int64_t since, int timeout_ms)
{
	struct cm_buf rest = { 0 };
	int rv;

	cm_buf_puts(&rest, ",\"reason\":");
	cm_buf_json_str(&rest, reason);
	if (since > 0)
		cm_buf_printf(&rest, ",\"since\":%lld", (long long)since);
	rv = pres_tell_queue_socket(ctx, CM_MSG_SOCKET_CLOSE, org, sid, u,
	    rest.data, timeout_ms);
	cm_buf_free(&rest);
	return (rv);
}

/*
 * The body is the gateway's own for an open (gateway/session.c,
 * sio_finish_connect) less what a refresh does not know: the address,
 * user agent, URL, connect time and auth context.
 */
int
pres_tell_queue_open(struct cm_svc_ctx *ctx, const char *org,
    const char *sid, const struct cm_principal *u, const char *gw,
    const char *slot, int timeout_ms)
{
	struct cm_buf rest = { 0 };
	int rv;

	cm_buf_puts(&rest, ",\"gateway\":");
	cm_buf_json_str(&rest, gw);
	cm_buf_printf(&rest, ",\"worker\":%s,\"restored\":true", slot);
	rv = pres_tell_queue_socket(ctx, CM_MSG_SOCKET_OPEN, org, sid, u,
	    rest.data, timeout_ms);
	cm_buf_free(&rest);
	return (rv);
}
