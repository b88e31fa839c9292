/*
 * The REST API under /chat/...: authenticates the request (Bearer JWT,
 * and the orgid header must match the token's org), forwards it over
 * NNG to the service that owns the path, and writes the answer back.
 * The gateway holds no REST logic of its own.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>

#include "gw.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "svcclient.h"

/* Which service owns each path prefix. */
static const struct {
	const char	*prefix;
	enum gw_svc_id	 svc;
} rest_routes[] = {
	{ "/chat/agents",	 GW_SVC_PRESENCE },
	{ "/chat/customers",	 GW_SVC_PRESENCE },
	{ "/chat/presence",	 GW_SVC_PRESENCE },
	{ "/chat/sessions",	 GW_SVC_PRESENCE },
	{ "/chat/rooms",	 GW_SVC_PRESENCE },
	{ "/chat/conversations", GW_SVC_QUEUE },
	{ "/chat/queue",	 GW_SVC_QUEUE },
	{ "/chat/search",	 GW_SVC_QUEUE },
	{ "/chat/labels",	 GW_SVC_QUEUE },
	{ "/chat/canned",	 GW_SVC_QUEUE },
	{ "/chat/business-hours", GW_SVC_QUEUE },
	{ "/chat/ice-servers",	 GW_SVC_QUEUE },
	{ "/chat/teams",	 GW_SVC_QUEUE },
	{ "/chat/webhooks",	 GW_SVC_QUEUE },
	{ "/chat/config",	 GW_SVC_AI },
	{ "/chat/faq",		 GW_SVC_AI },
	{ "/chat/ai",		 GW_SVC_AI },
};

static int
rest_route(const char *path, enum gw_svc_id *svc)
{
	size_t i, n;

	for (i = 0; i < sizeof(rest_routes) / sizeof(rest_routes[0]); i++) {
		n = strlen(rest_routes[i].prefix);
		if (strncmp(path, rest_routes[i].prefix, n) == 0 &&
		    (path[n] == '\0' || path[n] == '/')) {
			*svc = rest_routes[i].svc;
			return (0);
		}
	}
	return (-1);
}

/* Back to reading requests once the answer is written. */
static void
rest_finish_type(struct gw_conn *c, int status, const char *type,
    const char *body)
{
	int keep = http_should_keep_alive(&c->req->parser);

	gw_http_respond_type(c, status, type, body, !keep);
	if (c->closed || c->state == GW_CONN_CLOSING)
		return;
	c->state = GW_CONN_HTTP;
	gw_http_req_reset(c->req);
	gw_conn_arm(c, c->w->cfg->http_header_timeout_ms);
	gw_conn_set_reading(c, 1);
}

static void
rest_finish(struct gw_conn *c, int status, const char *json)
{
	rest_finish_type(c, status, "application/json", json);
}

static void
rest_fail(struct gw_conn *c, int status, const char *code, const char *msg)
{
	cJSON *err = cm_json_error(code, msg);
	char *s;

	/* The REST error shape has no "ok": {"error":{code,message}}. */
	cJSON_DeleteItemFromObjectCaseSensitive(err, "ok");
	s = cJSON_PrintUnformatted(err);
	rest_finish(c, status, s);
	free(s);
	cJSON_Delete(err);
}

static void
rest_reply_cb(int status, const char *body, size_t len, void *arg)
{
	struct gw_conn *c = arg;
	cJSON *reply = NULL, *code, *out;
	const char *type;
	char *s;

	if (c->closed)
		goto out;
	if (status == CM_ST_UNKNOWN_TYPE) {
		rest_fail(c, 404, "NOT_FOUND", "no such endpoint");
		goto out;
	}
	if (status == GW_SVC_TIMEOUT || status == GW_SVC_FAILED ||
	    status == CM_ST_UNAVAILABLE) {
		rest_fail(c, 503, "SERVICE_UNAVAILABLE",
		    "the owning service did not answer; retry shortly");
		goto out;
	}
	reply = cm_json_parse(body, len);
	code = cJSON_GetObjectItemCaseSensitive(reply, "status");
	out = cJSON_GetObjectItemCaseSensitive(reply, "body");
	type = cm_json_str(reply, "contentType");
	if (status != CM_ST_OK || !cJSON_IsNumber(code) || out == NULL) {
		rest_fail(c, 502, "INTERNAL", "bad answer from the service");
		goto out;
	}
	if (type != NULL && cJSON_IsString(out)) {
		/* A raw body (text, CSV) rather than JSON. */
		rest_finish_type(c, code->valueint, type, out->valuestring);
		goto out;
	}
	s = cJSON_PrintUnformatted(out);
	rest_finish(c, code->valueint, s);
	free(s);
out:
	/* Requests that came while this one was out: their turn now. */
	if (!c->closed && c->state == GW_CONN_HTTP &&
	    gw_conn_input(c) != NULL)
		gw_http_on_read(c);
	cJSON_Delete(reply);
	gw_conn_unref(c);
}

void
gw_rest_handle(struct gw_conn *c, struct gw_http_req *r)
{
	struct cm_principal p;
	struct cm_buf b = { 0 };
	const char *why, *token, *query;
	enum gw_svc_id svc;
	char path[1024], *user;
	cJSON *body = NULL;

	/* While this request is out, later ones wait in the input buffer. */
	c->state = GW_CONN_WAIT;
	gw_conn_set_reading(c, 0);
	gw_http_path(r->url.data, path, sizeof(path));
	if (rest_route(path, &svc) == -1) {
		rest_fail(c, 404, "NOT_FOUND", "no such endpoint");
		return;
	}
	token = r->authorization;
	if (token == NULL || strncasecmp(token, "Bearer ", 7) != 0) {
		rest_fail(c, 401, "UNAUTHORIZED", "missing bearer token");
		return;
	}
	if (cm_jwt_verify(c->w->jwt, token + 7, time(NULL), &p, &why) == -1) {
		rest_fail(c, 401, "UNAUTHORIZED", why);
		return;
	}
	if (r->orgid != NULL && strcmp(r->orgid, p.org) != 0) {
		rest_fail(c, 403, "FORBIDDEN", "orgid does not match the token");
		return;
	}
	if (r->body.len > 0 &&
	    (body = cm_json_parse(r->body.data, r->body.len)) == NULL) {
		rest_fail(c, 400, "BAD_REQUEST", "the body is not valid JSON");
		return;
	}
	query = strchr(r->url.data, '?');
	cm_buf_puts(&b, "{\"method\":");
	cm_buf_json_str(&b, http_method_str(r->parser.method));
	cm_buf_puts(&b, ",\"path\":");
	cm_buf_json_str(&b, path);
	cm_buf_puts(&b, ",\"query\":");
	cm_buf_json_str(&b, query ? query + 1 : "");
	user = gw_user_json(&p);
	cm_buf_printf(&b, ",\"user\":%s,\"body\":", user);
	free(user);
	if (body != NULL) {
		char *s = cJSON_PrintUnformatted(body);

		cm_buf_puts(&b, s);
		free(s);
	} else
		cm_buf_puts(&b, "null");
	cm_buf_puts(&b, "}");
	cJSON_Delete(body);

	gw_conn_ref(c);
	if (gw_svc_request(c->w->svc[svc], CM_MSG_REST, p.org, b.data, b.len,
	    rest_reply_cb, c) == -1) {
		rest_fail(c, 503, "SERVICE_UNAVAILABLE",
		    "the owning service did not answer; retry shortly");
		gw_conn_unref(c);
	}
	cm_buf_free(&b);
}
