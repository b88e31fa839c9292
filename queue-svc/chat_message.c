/*
 * The "chat-message" event: a customer writes { text, clientMsgId }.
 *
 * Step one (script "open") finds the customer's open conversation or
 * opens one.  Step two (script "append") stores the message once in the
 * conversation's history stream, keyed by clientMsgId, and publishes it
 * to the identity channel of every member, so every tab of the customer
 * (and, with issue 4, the agent) receives it.  The ack carries the
 * stored id and sequence number.
 *
 * The two steps are separate scripts because step two must name the
 * conversation's keys, which step one decides.  A crash between them
 * leaves at most an empty conversation; the client's retry with the
 * same clientMsgId finds it and stores the message there, and a retry
 * after step two returns the stored message unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "log.h"
#include "qs.h"
#include "queue_keys.h"
#include "util.h"

/* A message as the client sent it; the strings are borrowed. */
struct qs_msg {
	const char	*text;
	const char	*client_msg_id;
};

static int	 qs_msg_parse(const struct cm_cfg *, const cJSON *,
		    struct qs_msg *, char *, size_t);
static cJSON	*qs_store_error(const redisReply *, const char *);
static int	 qs_chan_head(const struct cm_cfg *, const char *, char *,
		    size_t);
static int	 qs_conv_open(struct cm_svc_ctx *, const struct cm_principal *,
		    char *, cJSON **);
static int	 qs_append(struct cm_svc_ctx *, const struct cm_principal *,
		    const char *, const struct qs_msg *, cJSON **);
static cJSON	*qs_ack(const char *, size_t);

cJSON *
qs_chat_message(struct cm_svc_ctx *ctx, const struct cm_event_req *req)
{
	struct qs_msg	 m;
	char		 why[128], chat[QS_CHAT_ID_MAX + 1];
	cJSON		*ack = NULL;

	/*
	 * Issue 4 replaces this: an agent (or admin) sends
	 * { chatId, text, clientMsgId } to a conversation it is assigned
	 * to, which needs the assignment that queue-svc's lifecycle brings.
	 */
	if (req->user.role != CM_ROLE_CUSTOMER)
		return (cm_json_error("FORBIDDEN", "agents send to assigned "
		    "conversations; routing comes with queue-svc's "
		    "lifecycle"));
	if (qs_msg_parse(ctx->cfg, req->data, &m, why, sizeof(why)) == -1)
		return (cm_json_error("BAD_REQUEST", why));
	if (qs_conv_open(ctx, &req->user, chat, &ack) == -1)
		return (ack);
	qs_append(ctx, &req->user, chat, &m, &ack);
	return (ack);
}

/*
 * Checks the event data.  Returns 0, or -1 with a message for the
 * client in why.
 */
static int
qs_msg_parse(const struct cm_cfg *cfg, const cJSON *data, struct qs_msg *m,
    char *why, size_t size)
{
	const char	*bad = NULL;
	long		 n;

	m->text = cm_json_str(data, "text");
	m->client_msg_id = cm_json_str(data, "clientMsgId");
	if (!cJSON_IsObject(data))
		bad = "chat-message takes an object { text, clientMsgId }";
	else if (m->text == NULL)
		bad = "text must be a string";
	else if (m->text[0] == '\0')
		bad = "text is empty";
	else if (strlen(m->text) > (size_t)cfg->max_message_length) {
		snprintf(why, size, "text is longer than %d bytes",
		    cfg->max_message_length);
		return (-1);
	} else if (qs_utf8_chars(m->text) == -1)
		bad = "text is not valid UTF-8";
	else if (m->client_msg_id == NULL || m->client_msg_id[0] == '\0')
		bad = "clientMsgId is required (a non-empty string)";
	else if ((n = qs_utf8_chars(m->client_msg_id)) == -1 ||
	    n > QS_CLIENT_MSG_ID_MAX)
		bad = "clientMsgId must be valid UTF-8 of at most 128 "
		    "characters";
	if (bad == NULL)
		return (0);
	cm_strlcpy(why, bad, size);
	return (-1);
}

/*
 * The ack for a failed store: Redis down (the client may retry with the
 * same clientMsgId) or something unexpected (logged).
 */
static cJSON *
qs_store_error(const redisReply *r, const char *op)
{
	if (r == NULL)
		return (cm_json_error("SERVICE_UNAVAILABLE",
		    "message store unreachable; retry with the same "
		    "clientMsgId"));
	cm_log_warn("msg=\"redis error\" op=%s type=%d err=\"%s\"", op,
	    r->type, r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
	return (cm_json_error("INTERNAL", "message store error"));
}

/*
 * Writes the identity channel of org up to ROLE:EMAIL into out, so that
 * the scripts build a member's channel as head .. "ROLE:EMAIL".  It is
 * derived from cm_chan_identity() with an empty role and email, whose
 * result then ends in "::", so channels.h stays the only spelling.
 */
static int
qs_chan_head(const struct cm_cfg *cfg, const char *org, char *out,
    size_t size)
{
	int	 n;

	n = cm_chan_identity(out, size, cfg->key_prefix, org, "", "");
	if (n < 2 || out[n - 1] != ':' || out[n - 2] != ':')
		return (-1);
	out[n - 1] = '\0';
	return (0);
}

/*
 * Step one: fills chat with the id of u's open conversation, opening
 * one if needed.  Returns 0, or -1 with an error ack in *err.
 */
static int
qs_conv_open(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    char *chat, cJSON **err)
{
	const char	*role = cm_role_name(u->role), *args[8];
	char		*keys[3], cand[QS_CHAT_ID_LEN + 1], now[24];
	char		 member[CM_EMAIL_MAX + 16];
	redisReply	*r, *id;
	int		 rv = -1;

	if (cm_random_id(cand, QS_CHAT_ID_LEN) == -1) {
		*err = cm_json_error("INTERNAL", "no random chat id");
		return (-1);
	}
	snprintf(now, sizeof(now), "%lld", (long long)cm_now_ms());
	snprintf(member, sizeof(member), "%s:%s", role, u->email);
	args[0] = keys[0] = qs_key_open(ctx->cfg, u->org, role, u->email);
	args[1] = keys[1] = qs_key_conv(ctx->cfg, u->org, cand);
	args[2] = keys[2] = qs_key_members(ctx->cfg, u->org, cand);
	args[3] = cand;
	args[4] = u->email;
	args[5] = u->name;
	args[6] = now;
	args[7] = member;

	r = cm_redis_script(ctx, &qs_script_open, 3, 5, args, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (id = r->element[0])->type != REDIS_REPLY_STRING ||
	    id->len == 0 || id->len > QS_CHAT_ID_MAX)
		*err = qs_store_error(r, "open");
	else {
		memcpy(chat, id->str, id->len);
		chat[id->len] = '\0';
		if (r->element[1]->integer == 1)
			cm_log_info("msg=\"conversation opened\" org=%s "
			    "chat=%s", u->org, chat);
		rv = 0;
	}
	freeReplyObject(r);
	free(keys[0]);
	free(keys[1]);
	free(keys[2]);
	return (rv);
}

/*
 * Step two: stores m in conversation chat once and publishes it.
 * Sets *ack to the client's ack, success or error; returns 0 or -1.
 */
static int
qs_append(struct cm_svc_ctx *ctx, const struct cm_principal *u,
    const char *chat, const struct qs_msg *m, cJSON **ack)
{
	const char	*role = cm_role_name(u->role), *args[13];
	char		*keys[4], ts[24], head[CM_CHANNEL_MAX];
	redisReply	*r, *json;
	int		 i;

	if (qs_chan_head(ctx->cfg, u->org, head, sizeof(head)) == -1) {
		*ack = cm_json_error("INTERNAL", "no channel for this org");
		return (-1);
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)cm_now_ms());
	args[0] = keys[0] = qs_key_conv(ctx->cfg, u->org, chat);
	args[1] = keys[1] = qs_key_idem(ctx->cfg, u->org, chat);
	args[2] = keys[2] = qs_key_history(ctx->cfg, u->org, chat);
	args[3] = keys[3] = qs_key_members(ctx->cfg, u->org, chat);
	args[4] = chat;
	args[5] = m->client_msg_id;
	args[6] = ts;
	args[7] = role;
	args[8] = u->email;
	args[9] = u->name;
	args[10] = m->text;
	args[11] = "user";		/* kind: issue 4 adds "system" */
	args[12] = head;

	r = cm_redis_script(ctx, &qs_script_append, 4, 9, args, NULL);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (json = r->element[0])->type != REDIS_REPLY_STRING)
		*ack = qs_store_error(r, "append");
	else if ((*ack = qs_ack(json->str, json->len)) == NULL)
		*ack = qs_store_error(r, "append");
	else if (r->element[1]->integer == 0)
		cm_log_info("msg=\"duplicate message\" org=%s chat=%s",
		    u->org, chat);
	freeReplyObject(r);
	for (i = 0; i < 4; i++)
		free(keys[i]);
	return (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(*ack, "ok")) ?
	    0 : -1);
}

/*
 * {"ok":true,"message":{"id","chatId","seq","ts"}} from the stored
 * message JSON, or NULL if that does not parse.  Caller frees.
 */
static cJSON *
qs_ack(const char *json, size_t len)
{
	static const char *const fields[] = { "id", "chatId", "seq", "ts" };
	cJSON		*stored, *ack, *msg, *item;
	size_t		 i;

	if ((stored = cm_json_parse(json, len)) == NULL)
		return (NULL);
	ack = cJSON_CreateObject();
	cJSON_AddTrueToObject(ack, "ok");
	msg = cJSON_AddObjectToObject(ack, "message");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		item = cJSON_DetachItemFromObjectCaseSensitive(stored,
		    fields[i]);
		if (item == NULL) {
			cJSON_Delete(ack);
			ack = NULL;
			break;
		}
		cJSON_AddItemToObject(msg, fields[i], item);
	}
	cJSON_Delete(stored);
	return (ack);
}
