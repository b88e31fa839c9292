/*
 * One request through the service skeleton, from frame bytes to reply
 * bytes: decode, dispatch, encode (cm_svc_handle in svc.h).  Nothing
 * here knows about NNG or threads, so the envelope is checked in one
 * place and handlers see only parsed, validated input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "svc.h"
#include "util.h"

static const char	*req_decode(const void *, size_t, struct cm_frame *,
			    cJSON **);
static int		 req_dispatch(const struct cm_svc_def *,
			    struct cm_svc_ctx *, const struct cm_frame *,
			    const cJSON *, cJSON **);
static int		 req_ping(const struct cm_svc_def *,
			    struct cm_svc_ctx *, cJSON **);
static int		 req_event(const struct cm_svc_def *,
			    struct cm_svc_ctx *, const struct cm_frame *,
			    const cJSON *, cJSON **);
static void		*req_encode(const struct cm_frame *, int,
			    const cJSON *, size_t *);

void *
cm_svc_handle(const struct cm_svc_def *def, struct cm_svc_ctx *ctx,
    const void *buf, size_t len, size_t *outlen)
{
	struct cm_frame	 f;
	cJSON		*body = NULL, *reply = NULL;
	const char	*why;
	void		*out;
	int		 st;

	if ((why = req_decode(buf, len, &f, &body)) != NULL) {
		cm_log_warn("msg=\"bad frame\" type=%d len=%zu err=\"%s\"",
		    f.type, len, why);
		reply = cm_svc_error("BAD_FRAME", why);
		st = CM_ST_BAD_FRAME;
	} else
		st = req_dispatch(def, ctx, &f, body, &reply);
	out = req_encode(&f, st, reply, outlen);
	cJSON_Delete(body);
	cJSON_Delete(reply);
	return (out);
}

/*
 * Decodes the frame and parses its body (NULL when empty; else always
 * an object).  Returns NULL, or why the frame is refused; even then f
 * holds what could be salvaged (type, corr) for the reply.
 */
static const char *
req_decode(const void *buf, size_t len, struct cm_frame *f, cJSON **body)
{
	const unsigned char	*p = buf;
	size_t			 i;

	*body = NULL;
	if (cm_frame_decode(buf, len, f) == -1) {
		memset(f, 0, sizeof(*f));
		f->type = len > 3 ? p[3] : 0;
		for (i = 8; i < CM_FRAME_HDR_LEN && len >= CM_FRAME_HDR_LEN;
		    i++)
			f->corr = f->corr << 8 | p[i];
		return ("undecodable frame");
	}
	/* The org becomes a key's {hash tag}; an empty one names none. */
	if (f->org[0] != '\0' && !cm_org_valid(f->org))
		return ("org is not a valid org id");
	if (f->body_len == 0)
		return (NULL);
	if ((*body = cm_json_parse(f->body, f->body_len)) == NULL)
		return ("body is not JSON");
	if (!cJSON_IsObject(*body))
		return ("body is not a JSON object");
	return (NULL);
}

static int
req_dispatch(const struct cm_svc_def *def, struct cm_svc_ctx *ctx,
    const struct cm_frame *f, const cJSON *body, cJSON **reply)
{
	const struct cm_frame_route	*r;

	if (f->type == CM_MSG_PING)
		return (req_ping(def, ctx, reply));
	if (f->type == CM_MSG_EVENT)
		return (req_event(def, ctx, f, body, reply));
	if (f->type == CM_MSG_REST && def->rest != NULL) {
		*reply = cm_rest_dispatch(def->rest, ctx, f->org, body);
		return (CM_ST_OK);
	}
	for (r = def->frames; r != NULL && r->fn != NULL; r++)
		if (r->type == f->type)
			return (r->fn(ctx, f, body, reply));
	/* The gateway tells every service of every socket; most ignore it. */
	cm_log_debug("msg=\"no handler\" type=%s", cm_msg_type_name(f->type));
	*reply = cm_svc_error("UNKNOWN_TYPE", "no handler for this type");
	return (CM_ST_UNKNOWN_TYPE);
}

static int
req_ping(const struct cm_svc_def *def, struct cm_svc_ctx *ctx,
    cJSON **reply)
{
	redisReply	*r;
	int		 up;

	r = cm_redis_command(ctx, "PING");
	up = r != NULL && r->type == REDIS_REPLY_STATUS;
	freeReplyObject(r);
	*reply = cJSON_CreateObject();
	cJSON_AddStringToObject(*reply, "service", def->name);
	cJSON_AddStringToObject(*reply, "redis", up ? "ok" : "down");
	return (up ? CM_ST_OK : CM_ST_UNAVAILABLE);
}

/*
 * CM_MSG_EVENT: {"event","sid","user":{..},"context"?,"data"}.  The reply body is
 * the ack for the client, so every outcome a client may see, an unknown
 * event included, has status OK; only a request the gateway should
 * never have built is a BAD_FRAME.
 */
static int
req_event(const struct cm_svc_def *def, struct cm_svc_ctx *ctx,
    const struct cm_frame *f, const cJSON *body, cJSON **reply)
{
	const struct cm_event_route	*r;
	struct cm_event_req		 req;
	const char			*why;
	char				 msg[128];

	memset(&req, 0, sizeof(req));
	req.event = cm_json_str(body, "event");
	req.sid = cm_json_str(body, "sid");
	if (req.event == NULL || req.sid == NULL) {
		*reply = cm_svc_error("BAD_FRAME", "event and sid required");
		return (CM_ST_BAD_FRAME);
	}
	if (cm_svc_principal(cJSON_GetObjectItemCaseSensitive(body, "user"),
	    f->org, &req.user, &why) == -1) {
		*reply = cm_svc_error("BAD_FRAME", why);
		return (CM_ST_BAD_FRAME);
	}
	req.data = cJSON_GetObjectItemCaseSensitive(body, "data");
	if (cJSON_IsNull(req.data))
		req.data = NULL;
	req.context = cJSON_GetObjectItemCaseSensitive(body, "context");
	if (!cJSON_IsObject(req.context))
		req.context = NULL;

	for (r = def->events; r != NULL && r->event != NULL; r++)
		if (strcmp(r->event, req.event) == 0)
			break;
	if (r == NULL || r->event == NULL) {
		snprintf(msg, sizeof(msg), "unknown event \"%.64s\"",
		    req.event);
		*reply = cm_json_error("UNKNOWN_EVENT", msg);
		return (CM_ST_OK);
	}
	if ((*reply = r->fn(ctx, &req)) == NULL)
		*reply = cm_json_error("INTERNAL", "the handler gave no ack");
	return (CM_ST_OK);
}

/*
 * Encodes the reply: f's type, corr and org, the status, and the body
 * (or "{}").  Returns a malloc'd frame and its length in *outlen.
 */
static void *
req_encode(const struct cm_frame *f, int status, const cJSON *body,
    size_t *outlen)
{
	struct cm_frame	 rf;
	char		*text;
	void		*out;

	text = body != NULL ? cJSON_PrintUnformatted(body) : NULL;
	memset(&rf, 0, sizeof(rf));
	rf.type = f->type;
	rf.status = (uint16_t)status;
	rf.corr = f->corr;
	memcpy(rf.org, f->org, sizeof(rf.org));
	rf.body = text != NULL ? text : "{}";
	rf.body_len = strlen(rf.body);
	out = cm_malloc(cm_frame_size(&rf));
	if ((*outlen = cm_frame_encode(&rf, out)) == 0) {
		cm_log_warn("msg=\"reply not encodable\" type=%d", f->type);
		free(out);
		out = NULL;
	}
	free(text);
	return (out);
}

cJSON *
cm_svc_error(const char *code, const char *message)
{
	cJSON	*root, *err;

	root = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	return (root);
}

int
cm_svc_principal(const cJSON *user, const char *org, struct cm_principal *p,
    const char **why)
{
	const char	*uorg, *role, *email, *name;

	memset(p, 0, sizeof(*p));
	uorg = cm_json_str(user, "org");
	role = cm_json_str(user, "role");
	email = cm_json_str(user, "email");
	name = cm_json_str(user, "name");
	if (uorg == NULL || strcmp(uorg, org) != 0)
		*why = "user.org differs from the frame's org";
	else if (role == NULL || cm_role_parse(role, &p->role) == -1)
		*why = "user.role is not a role";
	else if (email == NULL || email[0] == '\0' ||
	    strlen(email) > CM_EMAIL_MAX)
		*why = "user.email is missing or too long";
	else if (name != NULL && strlen(name) > CM_NAME_MAX)
		*why = "user.name is too long";
	else {
		cm_strlcpy(p->org, uorg, sizeof(p->org));
		cm_strlcpy(p->email, email, sizeof(p->email));
		cm_strlcpy(p->name, name != NULL ? name : "", sizeof(p->name));
		return (0);
	}
	return (-1);
}
