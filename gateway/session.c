/*
 * Socket.IO v5 in namespace /chat: CONNECT with JWT auth, events
 * forwarded to the service that owns them, acks, DISCONNECT.  The role
 * and org come from the verified token only; the client's orgId must
 * match the token's.
 */
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "fanout.h"
#include "gw.h"
#include "http.h"
#include "log.h"
#include "proto.h"
#include "sio.h"
#include "stats.h"
#include "svcclient.h"

#define GW_EVENT_CONTEXT_MAX	2048	/* bytes of auth.context per event */
#define GW_NSP	"/chat"

/* Which service owns each client event. */
static const struct {
	const char	*event;
	enum gw_svc_id	 svc;
} event_routes[] = {
	{ "chat-message",	GW_SVC_QUEUE },
	{ "pick-next",		GW_SVC_QUEUE },
	{ "transfer-chat",	GW_SVC_QUEUE },
	{ "takeover-chat",	GW_SVC_QUEUE },
	{ "resume-ai",		GW_SVC_QUEUE },
	{ "close-chat",		GW_SVC_QUEUE },
	{ "typing",		GW_SVC_QUEUE },	/* it knows the members */
	{ "edit-message",	GW_SVC_QUEUE },
	{ "delete-message",	GW_SVC_QUEUE },
	{ "rate-chat",		GW_SVC_QUEUE },
	{ "tag-chat",		GW_SVC_QUEUE },
	{ "support-persons",	GW_SVC_QUEUE },
	{ "set-preferred-agent", GW_SVC_QUEUE },
	{ "label-chat",		GW_SVC_QUEUE },
	{ "webrtc-signal",	GW_SVC_QUEUE },
	{ "escalate-chat",	GW_SVC_QUEUE },
	{ "send-ai-message",	GW_SVC_AI },
	{ "set-status",		GW_SVC_PRESENCE },
	{ "page-view",		GW_SVC_PRESENCE },
	{ "visitor-state",	GW_SVC_PRESENCE },
	{ "heartbeat",		GW_SVC_PRESENCE },
	{ "watch-chat",		GW_SVC_QUEUE },	/* which hands it to presence */
	{ "room-join",		GW_SVC_PRESENCE },
	{ "room-leave",		GW_SVC_PRESENCE },
	{ "room-presence",	GW_SVC_PRESENCE },
	{ "room-metadata",	GW_SVC_PRESENCE },
	{ "room-members",	GW_SVC_PRESENCE },
	{ "room-destroy",	GW_SVC_PRESENCE },
};

/* A request in flight on behalf of a socket. */
struct sio_call {
	struct gw_conn	*conn;		/* holds a reference */
	struct gw_sock	*sock;		/* the socket that asked */
	int64_t		 ack_id;	/* -1: the client wants no ack */
	enum gw_svc_id	 svc;
};

static void
sio_send(struct gw_conn *c, const struct cm_buf *b)
{
	gw_eio_send_message(c, b->data, b->len);
}

/* Sends 43/chat,ID[json]. */
static void
sio_ack(struct gw_conn *c, int64_t ack_id, const char *json, size_t len)
{
	char head[40];
	struct iovec v[3];
	int n = snprintf(head, sizeof(head), "3" GW_NSP ",%lld[",
	    (long long)ack_id);

	v[0].iov_base = head;
	v[0].iov_len = (size_t)n;
	v[1].iov_base = (void *)(uintptr_t)json;
	v[1].iov_len = len;
	v[2].iov_base = (void *)(uintptr_t)"]";
	v[2].iov_len = 1;
	gw_eio_send_messagev(c, v, 3);
}

static void
sio_ack_error(struct gw_conn *c, int64_t ack_id, const char *code,
    const char *message)
{
	cJSON *err = cm_json_error(code, message);
	char *s = cJSON_PrintUnformatted(err);

	sio_ack(c, ack_id, s, strlen(s));
	free(s);
	cJSON_Delete(err);
}

/* Answers a bad packet: an error ack if one was asked for, else an event. */
static void
sio_protocol_error(struct gw_conn *c, int64_t ack_id, const char *code,
    const char *message)
{
	struct cm_buf b = { 0 };

	cm_log_info("msg=\"socket.io error\" ip=%s code=%s", c->ip, code);
	if (c->sock == NULL || !c->sock->connected) {
		gw_ws_close(c, GW_WS_POLICY_VIOLATION, message);
		return;
	}
	if (ack_id >= 0) {
		sio_ack_error(c, ack_id, code, message);
		return;
	}
	cm_buf_puts(&b, "2" GW_NSP ",[\"protocol-error\",{\"code\":");
	cm_buf_json_str(&b, code);
	cm_buf_puts(&b, ",\"message\":");
	cm_buf_json_str(&b, message);
	cm_buf_puts(&b, "}]");
	sio_send(c, &b);
	cm_buf_free(&b);
}

/* Sends 44<nsp>,{"message":..,"data":{"code":..,"message":..}}. */
static void
sio_connect_error(struct gw_conn *c, const char *nsp, size_t nsp_len,
    const char *code, const char *prefix, const char *why)
{
	struct cm_buf b = { 0 }, msg = { 0 };

	cm_buf_printf(&msg, "%s%s", prefix, why);
	cm_buf_printf(&b, "4%.*s,{\"message\":", (int)nsp_len, nsp);
	cm_buf_json_str(&b, msg.data);
	cm_buf_puts(&b, ",\"data\":{\"code\":");
	cm_buf_json_str(&b, code);
	cm_buf_puts(&b, ",\"message\":");
	cm_buf_json_str(&b, why);
	cm_buf_puts(&b, "}}");
	sio_send(c, &b);
	cm_buf_free(&b);
	cm_buf_free(&msg);
}

/*
 * Tells every service that a socket opened or closed: presence-svc
 * records it, and the others may act on it (a service without a
 * handler says so, which is fine).
 */
static void
sio_notify_all(struct gw_conn *c, int type, const struct cm_buf *b,
    const char *what)
{
	int i;

	for (i = 0; i < GW_SVC_COUNT; i++)
		gw_svc_notify(c->w->svc[i], type, c->sock->org, b->data,
		    b->len, what);
}

static void
sio_finish_connect(struct gw_conn *c)
{
	struct gw_sock *s = c->sock;
	struct gw_worker *w = c->w;
	struct cm_buf b = { 0 };

	s->connected = 1;
	s->connected_at = cm_now_ms();
	w->nsockets++;
	CM_ADD(&w->st->sockets[s->role], 1);
	CM_ADD(&w->st->sockets_total[s->role], 1);
	cm_buf_printf(&b, "0" GW_NSP ",{\"sid\":\"%s\"}", s->sid);
	sio_send(c, &b);

	b.len = 0;
	cm_buf_printf(&b, "{\"sid\":\"%s\",\"user\":%s,\"ipAddress\":",
	    s->sid, s->user_json);
	cm_buf_json_str(&b, c->ip);
	cm_buf_puts(&b, ",\"userAgent\":");
	cm_buf_json_str(&b, c->user_agent != NULL ? c->user_agent : "");
	cm_buf_puts(&b, ",\"currentUrl\":");
	cm_buf_json_str(&b, s->current_url != NULL ? s->current_url : "");
	cm_buf_printf(&b, ",\"connectedAt\":%lld,\"gateway\":",
	    (long long)s->connected_at);
	cm_buf_json_str(&b, w->gateway_id);
	cm_buf_printf(&b, ",\"worker\":%d,\"context\":%s}", w->slot,
	    s->context_json);
	sio_notify_all(c, CM_MSG_SOCKET_OPEN, &b, "socket open");
	cm_buf_free(&b);
	cm_log_info("msg=\"socket connected\" sid=%s org=%s role=%s ip=%s",
	    s->sid, s->org, cm_role_name(s->role), c->ip);
	/* Recorded by presence-svc now: an idle socket keeps neither. */
	free(s->current_url);
	s->current_url = NULL;
	free(c->user_agent);
	c->user_agent = NULL;
}

void
gw_sio_member_ready(struct gw_member *m)
{
	struct gw_conn *c = m->conn;

	if (c->closed || c->sock == NULL || c->sock->connected)
		return;
	if (--c->sock->pending_subs == 0)
		sio_finish_connect(c);
}

char *
gw_user_json(const struct cm_principal *p)
{
	struct cm_buf b = { 0 };

	cm_principal_json(&b, p);
	return (b.data);
}

char gw_sock_no_context[] = "{}";

/* A socket for principal p: one allocation with its strings. */
static struct gw_sock *
sio_sock_new(const struct cm_principal *p)
{
	struct cm_buf user = { 0 };
	size_t olen = strlen(p->org) + 1;
	struct gw_sock *s;

	cm_principal_json(&user, p);
	s = cm_calloc(1, sizeof(*s) + olen + user.len + 1);
	memcpy(s->strings, p->org, olen);
	memcpy(s->strings + olen, user.data, user.len + 1);
	s->org = s->strings;
	s->user_json = s->strings + olen;
	s->role = (uint8_t)p->role;
	cm_random_id(s->sid, 20);
	cm_buf_free(&user);
	return (s);
}

static void
sio_sock_free(struct gw_conn *c)
{
	struct gw_sock *s = c->sock;
	int i;

	for (i = 0; i < GW_SOCK_CHANNELS; i++)
		gw_fanout_leave(c->w->fanout, &s->members[i]);
	if (s->context_json != gw_sock_no_context)
		free(s->context_json);
	free(s->current_url);
	free(s);
	c->sock = NULL;
}

/* Joins the socket's channels; returns how many are still pending. */
static int
sio_join_channels(struct gw_conn *c, const struct cm_principal *p)
{
	struct gw_sock *s = c->sock;
	const struct cm_cfg *cfg = c->w->cfg;
	char ch[GW_SOCK_CHANNELS][CM_CHANNEL_MAX];
	int n = 0, i, pending = 0;

	if (cm_chan_identity(ch[n++], CM_CHANNEL_MAX, cfg->key_prefix,
	    s->org, cm_role_name(p->role), p->email) < 0 ||
	    cm_chan_org(ch[n++], CM_CHANNEL_MAX, cfg->key_prefix,
	    s->org) < 0)
		return (-1);
	if (p->role != CM_ROLE_CUSTOMER &&
	    cm_chan_agents(ch[n++], CM_CHANNEL_MAX, cfg->key_prefix,
	    s->org) < 0)
		return (-1);
	for (i = 0; i < n; i++) {
		int rv;

		s->members[i].conn = c;
		if ((rv = gw_fanout_join(c->w->fanout, ch[i],
		    &s->members[i])) == 0)
			pending++;
	}
	return (pending);
}

static void
sio_on_connect(struct gw_conn *c, const struct gw_sio_packet *pk)
{
	struct cm_principal p;
	const char *why = NULL, *token, *org;
	cJSON *auth = NULL, *ctx;
	int pending;

	if (!gw_sio_nsp_is(pk, GW_NSP)) {
		CM_ADD(&c->w->st->connect_errors[GW_CE_NAMESPACE], 1);
		sio_connect_error(c, pk->nsp, pk->nsp_len, "INVALID_NAMESPACE",
		    "", "Invalid namespace");
		return;
	}
	if (c->sock != NULL)
		return;		/* a repeated CONNECT changes nothing */
	if (pk->data_len > 0)
		auth = cm_json_parse(pk->data, pk->data_len);
	token = cm_json_str(auth, "token");
	org = cm_json_str(auth, "orgId");
	if (token == NULL)
		why = "missing token";
	else if (cm_jwt_verify(c->w->jwt, token, time(NULL), &p, &why) == 0 &&
	    org != NULL && strcmp(org, p.org) != 0)
		why = "orgId does not match the token";
	if (why != NULL) {
		cm_log_info("msg=\"connect refused\" ip=%s why=\"%s\"", c->ip,
		    why);
		CM_ADD(&c->w->st->connect_errors[GW_CE_AUTH], 1);
		sio_connect_error(c, GW_NSP, strlen(GW_NSP), "UNAUTHORIZED",
		    "unauthorized: ", why);
		cJSON_Delete(auth);
		return;
	}
	c->sock = sio_sock_new(&p);
	ctx = cJSON_GetObjectItemCaseSensitive(auth, "context");
	c->sock->context_json = cJSON_IsObject(ctx) && ctx->child != NULL ?
	    cJSON_PrintUnformatted(ctx) : gw_sock_no_context;
	if (cm_json_str(ctx, "url") != NULL)
		c->sock->current_url = cm_strdup(cm_json_str(ctx, "url"));
	cJSON_Delete(auth);

	if ((pending = sio_join_channels(c, &p)) == -1) {
		/* Only a key_prefix too long for channel names gets here. */
		CM_ADD(&c->w->st->connect_errors[GW_CE_UNAVAILABLE], 1);
		sio_sock_free(c);
		sio_connect_error(c, GW_NSP, strlen(GW_NSP), "INTERNAL", "",
		    "channel name too long (key_prefix)");
		return;
	}
	c->sock->pending_subs = pending;
	if (pending == 0)
		sio_finish_connect(c);
}

static void
sio_call_done(int status, const char *body, size_t len, void *arg)
{
	struct sio_call *call = arg;
	struct gw_conn *c = call->conn;
	const char *svc = gw_svc_name(c->w->svc[call->svc]);
	char msg[128];

	/* The socket may have gone (or been replaced) meanwhile. */
	if (c->closed || c->sock != call->sock || call->ack_id < 0)
		goto out;
	if (status == CM_ST_OK && len > 0) {
		sio_ack(c, call->ack_id, body, len);
	} else if (status == GW_SVC_TIMEOUT || status == GW_SVC_FAILED ||
	    status == CM_ST_UNAVAILABLE) {
		snprintf(msg, sizeof(msg), "the %s service did not answer; "
		    "retry with the same clientMsgId", svc);
		sio_ack_error(c, call->ack_id, "SERVICE_UNAVAILABLE", msg);
	} else {
		cm_log_warn("msg=\"service error\" svc=%s status=%d", svc,
		    status);
		snprintf(msg, sizeof(msg), "the %s service failed", svc);
		sio_ack_error(c, call->ack_id, "INTERNAL", msg);
	}
out:
	gw_conn_unref(c);
	free(call);
}

static int
sio_route(const char *event, enum gw_svc_id *svc)
{
	size_t i;

	for (i = 0; i < sizeof(event_routes) / sizeof(event_routes[0]); i++)
		if (strcmp(event_routes[i].event, event) == 0) {
			*svc = event_routes[i].svc;
			return (0);
		}
	return (-1);
}

static void
sio_on_event(struct gw_conn *c, const struct gw_sio_packet *pk)
{
	struct gw_sock *s = c->sock;
	struct sio_call *call;
	struct cm_buf b = { 0 };
	enum gw_svc_id svc;
	cJSON *args, *name, *arg;
	char *data;

	args = cm_json_parse(pk->data, pk->data_len);
	name = cJSON_GetArrayItem(args, 0);
	if (!cJSON_IsArray(args) || !cJSON_IsString(name)) {
		sio_protocol_error(c, pk->ack_id, "BAD_REQUEST", "an event is "
		    "a JSON array: [name, argument]");
		goto out;
	}
	if (gw_bucket_take(&s->event_rate,
	    c->w->cfg->rate_limit_events_per_minute, cm_mono_ms()) == -1 ||
	    (strcmp(name->valuestring, "chat-message") == 0 &&
	    gw_bucket_take(&s->chat_rate,
	    c->w->cfg->rate_limit_chat_per_minute, cm_mono_ms()) == -1)) {
		CM_ADD(&c->w->st->rate_limited, 1);
		sio_protocol_error(c, pk->ack_id, "RATE_LIMIT_EXCEEDED",
		    "too many events; slow down");
		goto out;
	}
	if (sio_route(name->valuestring, &svc) == -1) {
		sio_protocol_error(c, pk->ack_id, "UNKNOWN_EVENT",
		    "no such event");
		goto out;
	}
	arg = cJSON_GetArrayItem(args, 1);
	data = arg != NULL ? cJSON_PrintUnformatted(arg) : NULL;
	cm_buf_puts(&b, "{\"event\":");
	cm_buf_json_str(&b, name->valuestring);
	cm_buf_printf(&b, ",\"sid\":\"%s\",\"user\":%s,", s->sid, s->user_json);
	/*
	 * The socket's context rides along so a service needs no earlier
	 * SOCKET_OPEN (proto.h); a large one only with the SOCKET_OPEN, so
	 * that a client cannot make every event it sends that much larger.
	 */
	if (strcmp(s->context_json, "{}") != 0 &&
	    strlen(s->context_json) <= GW_EVENT_CONTEXT_MAX)
		cm_buf_printf(&b, "\"context\":%s,", s->context_json);
	cm_buf_printf(&b, "\"data\":%s}", data != NULL ? data : "null");
	free(data);

	call = cm_calloc(1, sizeof(*call));
	call->conn = c;
	call->sock = s;
	call->ack_id = pk->ack_id;
	call->svc = svc;
	gw_conn_ref(c);
	if (gw_svc_request(c->w->svc[svc], CM_MSG_EVENT, s->org, b.data,
	    b.len, sio_call_done, call) == -1)
		sio_call_done(GW_SVC_FAILED, NULL, 0, call);
out:
	cm_buf_free(&b);
	cJSON_Delete(args);
}

void
gw_sio_on_packet(struct gw_conn *c, const char *p, size_t len)
{
	struct gw_sio_packet pk;

	CM_ADD(&c->w->st->sio_in, 1);
	if (gw_sio_parse(p, len, &pk) == -1) {
		sio_protocol_error(c, pk.ack_id, "BAD_PACKET",
		    "malformed Socket.IO packet");
		return;
	}
	if (pk.type == GW_SIO_CONNECT) {
		sio_on_connect(c, &pk);
		return;
	}
	if (pk.type == GW_SIO_BINARY_EVENT || pk.type == GW_SIO_BINARY_ACK)
		c->skip_binary += pk.attachments;
	if (c->sock == NULL || !c->sock->connected ||
	    !gw_sio_nsp_is(&pk, GW_NSP)) {
		cm_log_info("msg=\"packet for no socket\" ip=%s type=%d",
		    c->ip, pk.type);
		return;
	}
	switch (pk.type) {
	case GW_SIO_EVENT:
		sio_on_event(c, &pk);
		break;
	case GW_SIO_DISCONNECT:
		gw_sio_close(c, "client namespace disconnect");
		break;
	case GW_SIO_BINARY_EVENT:
		sio_protocol_error(c, pk.ack_id, "BAD_REQUEST",
		    "binary payloads are not supported");
		break;
	case GW_SIO_ACK:
	case GW_SIO_BINARY_ACK:
		break;		/* the server asks no acks (yet) */
	default:
		sio_protocol_error(c, pk.ack_id, "BAD_PACKET",
		    "unexpected packet type");
		break;
	}
}

void
gw_sio_close(struct gw_conn *c, const char *reason)
{
	struct gw_sock *s = c->sock;
	struct cm_buf b = { 0 };

	if (s == NULL)
		return;
	if (s->connected) {
		c->w->nsockets--;
		CM_ADD(&c->w->st->sockets[s->role], -1);
		cm_buf_printf(&b, "{\"sid\":\"%s\",\"user\":%s,\"reason\":",
		    s->sid, s->user_json);
		cm_buf_json_str(&b, reason);
		cm_buf_puts(&b, "}");
		sio_notify_all(c, CM_MSG_SOCKET_CLOSE, &b, "socket close");
		cm_buf_free(&b);
		cm_log_info("msg=\"socket disconnected\" sid=%s reason=\"%s\"",
		    s->sid, reason);
	}
	sio_sock_free(c);
}

/*
 * Tells presence-svc which sockets this worker still holds, so their
 * rows' 120 s TTL never runs out while they live.
 */
void
gw_sio_refresh_presence(struct gw_worker *w)
{
	struct gw_conn *c;
	struct cm_buf b = { 0 };
	const char *sep = "";

	if (w->nsockets == 0)
		return;
	cm_buf_puts(&b, "{\"gateway\":");
	cm_buf_json_str(&b, w->gateway_id);
	cm_buf_printf(&b, ",\"worker\":%d,\"sockets\":[", w->slot);
	TAILQ_FOREACH(c, &w->conns, entry) {
		if (c->sock == NULL || !c->sock->connected)
			continue;
		cm_buf_printf(&b, "%s{\"sid\":\"%s\",\"user\":%s}", sep,
		    c->sock->sid, c->sock->user_json);
		sep = ",";
	}
	cm_buf_puts(&b, "]}");
	gw_svc_notify(w->svc[GW_SVC_PRESENCE], CM_MSG_SOCKET_REFRESH, "",
	    b.data, b.len, "socket refresh");
	cm_buf_free(&b);
}
