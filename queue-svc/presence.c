/*
 * queue-svc asking presence-svc on a user's behalf, with the client
 * event presence-svc answers (CM_MSG_EVENT, as the gateway sends it):
 *
 *  - an agent's last activity (seed 003: connect, accept, send, resolve,
 *    transfer) is presence-svc's; queue-svc sends its heartbeat event
 *    for the agent, at most every QS_ACTIVITY_MS per agent and thread,
 *    so that an agent's messages cost it nothing much;
 *  - watch-chat comes to queue-svc, which decides whether the watcher
 *    gets the conversation live (see lua_watch), then hands the event on
 *    to presence-svc for the visitor's heartbeat, and answers with
 *    presence-svc's acknowledgement plus "live".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "qs.h"
#include "svc_call.h"
#include "util.h"

#define QS_ACTIVITY_MS		5000
#define QS_PRESENCE_TIMEOUT_MS	1000

/*
 * Sends presence-svc client event ev from u with data (may be NULL).
 * Returns its acknowledgement (caller frees), or NULL if it did not
 * answer.
 */
static cJSON *
qs_presence_event(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    const char *sid, const char *ev, const cJSON *data, int timeout_ms)
{
	static __thread struct cm_svc_peer	 peer;
	struct cm_buf				 b = { 0 };
	char					*reply = NULL, *d;
	cJSON					*ack = NULL;
	int					 st;

	peer.url = ctx->cfg->presence_address;
	cm_buf_puts(&b, "{\"event\":");
	cm_buf_json_str(&b, ev);
	cm_buf_puts(&b, ",\"sid\":");
	cm_buf_json_str(&b, sid);
	cm_buf_puts(&b, ",\"user\":");
	cm_principal_json(&b, u);
	cm_buf_puts(&b, ",\"data\":");
	d = data != NULL ? cJSON_PrintUnformatted(data) : NULL;
	cm_buf_puts(&b, d != NULL ? d : "{}");
	cm_buf_puts(&b, "}");
	if (cm_svc_call(&peer, CM_MSG_EVENT, u->org, b.data, b.len,
	    timeout_ms, &st, &reply) == 0 && st == CM_ST_OK)
		ack = cm_json_parse(reply, strlen(reply));
	free(reply);
	free(d);
	cm_buf_free(&b);
	return (ack);
}

void
qs_presence_activity(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    const char *op)
{
	static const char *const acts[] = { "chat-message", "pick-next",
	    "close-chat", "transfer-chat", "takeover-chat", "resume-ai" };
	static __thread char	 last[CM_EMAIL_MAX + CM_ORG_MAX + 2];
	static __thread int64_t	 last_ms;
	char			 who[sizeof(last)];
	cJSON			*ack;
	size_t			 i;

	if (u->role == CM_ROLE_CUSTOMER)
		return;
	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (strcmp(op, acts[i]) == 0)
			break;
	if (i == sizeof(acts) / sizeof(acts[0]))
		return;
	snprintf(who, sizeof(who), "%s/%s", u->org, u->email);
	if (strcmp(who, last) == 0 && cm_mono_ms() - last_ms < QS_ACTIVITY_MS)
		return;
	cm_strlcpy(last, who, sizeof(last));
	last_ms = cm_mono_ms();
	if ((ack = qs_presence_event(ctx, u, "queue", "heartbeat", NULL,
	    500)) == NULL)
		cm_log_info("msg=\"agent activity not recorded\" org=%s",
		    u->org);
	cJSON_Delete(ack);
}

cJSON *
qs_watch_event(struct cm_svc_ctx *ctx, const struct cm_event_req *req)
{
	struct qs_result	 res;
	const cJSON		*live;
	cJSON			*fwd, *ack;
	const char		*cust;

	if (qs_op_run(ctx, &req->user, req->event, req->data, req->context,
	    &res) == -1)
		return (cm_json_error(res.code, res.message));
	fwd = cJSON_IsObject(req->data) ? cJSON_Duplicate(req->data, 1) :
	    cJSON_CreateObject();
	cust = cm_json_str(res.body, "customer");
	if (cust != NULL && cJSON_GetObjectItemCaseSensitive(fwd,
	    "customer") == NULL)
		cJSON_AddStringToObject(fwd, "customer", cust);
	ack = qs_presence_event(ctx, &req->user, req->sid, req->event, fwd,
	    QS_PRESENCE_TIMEOUT_MS);
	cJSON_Delete(fwd);
	if (ack == NULL)
		ack = cm_json_error("SERVICE_UNAVAILABLE", "presence-svc did "
		    "not answer; retry");
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ack, "ok"))) {
		live = cJSON_GetObjectItemCaseSensitive(res.body, "live");
		cJSON_AddBoolToObject(ack, "live", cJSON_IsTrue(live));
	}
	cJSON_Delete(res.body);
	return (ack);
}
