/*
 * Helpers shared by ai-bridge's files: input checks, role checks for
 * REST handlers, JSON values in Redis, and publishing events to the
 * sockets of a conversation's members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aib.h"
#include "aib_keys.h"
#include "channels.h"
#include "log.h"

int
aib_valid_id(const char *s)
{
	size_t	 n;

	if (s == NULL || (n = strlen(s)) == 0 || n > AIB_ID_MAX)
		return (0);
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' ||
		    *s == '-'))
			return (0);
	return (1);
}

int
aib_valid_member(const char *s)
{
	const char	*colon, *email;
	enum cm_role	 role;
	char		 r[16];
	size_t		 n;

	if (s == NULL || (colon = strchr(s, ':')) == NULL ||
	    (n = (size_t)(colon - s)) >= sizeof(r))
		return (0);
	memcpy(r, s, n);
	r[n] = '\0';
	email = colon + 1;
	if (cm_role_parse(r, &role) == -1 || email[0] == '\0' ||
	    strlen(email) > CM_EMAIL_MAX)
		return (0);
	/* It becomes part of a channel name: no blanks or controls. */
	for (; *email != '\0'; email++)
		if ((unsigned char)*email <= ' ')
			return (0);
	return (1);
}

int
aib_valid_text(const char *s, size_t max)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n, len;
	unsigned int		 cp;

	if (s == NULL || (len = strlen(s)) > max)
		return (0);
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x80) {
			n = 1;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0)
			n = 2, cp = p[i] & 0x1f;
		else if ((p[i] & 0xf0) == 0xe0)
			n = 3, cp = p[i] & 0x0f;
		else if ((p[i] & 0xf8) == 0xf0)
			n = 4, cp = p[i] & 0x07;
		else
			return (0);
		if (i + n > len)
			return (0);
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
	}
	return (1);
}

int
aib_is_staff(const struct cm_principal *p)
{
	return (p->role == CM_ROLE_AGENT || p->role == CM_ROLE_ADMIN);
}

int
aib_need_admin(const struct cm_principal *p, struct cm_rest_reply *rep)
{
	if (p->role == CM_ROLE_ADMIN)
		return (1);
	cm_rest_error(rep, 403, "FORBIDDEN", "only an admin may do this");
	return (0);
}

int
aib_need_staff(const struct cm_principal *p, struct cm_rest_reply *rep)
{
	if (aib_is_staff(p))
		return (1);
	cm_rest_error(rep, 403, "FORBIDDEN", "only agents and admins may "
	    "do this");
	return (0);
}

void
aib_rest_down(struct cm_rest_reply *rep)
{
	cm_rest_error(rep, 503, "SERVICE_UNAVAILABLE",
	    "storage is unavailable; retry shortly");
}

char *
aib_key(const struct cm_cfg *cfg, const char *family, const char *org,
    const char *a, const char *b)
{
	return (cm_key(cfg, family, org, a, b, NULL));
}

void
aib_copy_str(const cJSON *o, const char *name, char *out, size_t size)
{
	const char	*s = cm_json_str(o, name);

	cm_strlcpy(out, s != NULL ? s : "", size);
}

int
aib_get_json(struct cm_svc_ctx *ctx, const char *key, cJSON **out)
{
	redisReply	*r;
	int		 rv;

	*out = NULL;
	if ((r = cm_redis_command(ctx, "GET %s", key)) == NULL)
		return (-1);
	if (r->type == REDIS_REPLY_NIL)
		rv = 1;
	else if (r->type != REDIS_REPLY_STRING ||
	    (*out = cm_json_parse(r->str, r->len)) == NULL) {
		cm_log_warn("msg=\"bad stored value\" key=\"%s\"", key);
		rv = -1;
	} else
		rv = 0;
	freeReplyObject(r);
	return (rv);
}

int
aib_set_json(struct cm_svc_ctx *ctx, const char *key, const cJSON *v,
    long ttl_s)
{
	redisReply	*r;
	char		*s = cJSON_PrintUnformatted(v);
	int		 rv;

	if (ttl_s > 0)
		r = cm_redis_command(ctx, "SET %s %s EX %ld", key, s, ttl_s);
	else
		r = cm_redis_command(ctx, "SET %s %s", key, s);
	rv = r != NULL && r->type == REDIS_REPLY_STATUS ? 0 : -1;
	freeReplyObject(r);
	free(s);
	return (rv);
}

/* Appends one PUBLISH to cmds; the strings must outlive the pipeline. */
static void
aib_pub_cmd(struct cm_redis_cmd *c, const char *chan, const char *msg)
{
	c->argc = 3;
	c->argv[0] = "PUBLISH";
	c->argv[1] = chan;
	c->argv[2] = msg;
}

int
aib_publish(struct cm_svc_ctx *ctx, const char *org, const cJSON *members,
    const char *event, const cJSON *data)
{
	struct cm_redis_cmd	 cmds[AIB_MEMBERS_MAX + 1];
	redisReply		*out[AIB_MEMBERS_MAX + 1];
	char			 chans[AIB_MEMBERS_MAX + 1][CM_CHANNEL_MAX];
	char			 role[16], *json, *msg;
	const cJSON		*m;
	const char		*s, *colon;
	int			 n = 0, i, rv, agents;

	agents = ctx->cfg->ai_stream_to_agents;
	json = cJSON_PrintUnformatted(data);
	msg = cm_malloc(strlen(event) + strlen(json) + 2);
	sprintf(msg, "%s %s", event, json);
	cJSON_ArrayForEach(m, members) {
		if (n == AIB_MEMBERS_MAX)
			break;
		if (!cJSON_IsString(m) || !aib_valid_member(s = m->valuestring))
			continue;
		colon = strchr(s, ':');
		snprintf(role, sizeof(role), "%.*s", (int)(colon - s), s);
		if (agents && strcmp(role, "customer") != 0)
			continue;	/* reached through the agents channel */
		if (cm_chan_identity(chans[n], CM_CHANNEL_MAX,
		    ctx->cfg->key_prefix, org, role, colon + 1) < 0)
			continue;
		aib_pub_cmd(&cmds[n], chans[n], msg);
		n++;
	}
	if (agents && cm_chan_agents(chans[n], CM_CHANNEL_MAX,
	    ctx->cfg->key_prefix, org) >= 0) {
		aib_pub_cmd(&cmds[n], chans[n], msg);
		n++;
	}
	rv = n == 0 ? 0 : cm_redis_pipeline(ctx, n, cmds, out);
	if (rv == 0)
		for (i = 0; i < n; i++)
			freeReplyObject(out[i]);
	else
		cm_log_warn("msg=\"publish failed\" org=%s event=%s", org,
		    event);
	free(msg);
	free(json);
	return (rv);
}

int
aib_publish_identity(struct cm_svc_ctx *ctx, const char *org,
    const char *role, const char *email, const char *event,
    const cJSON *data)
{
	char		 chan[CM_CHANNEL_MAX], *json;
	struct cm_buf	 msg = { 0 };
	redisReply	*r;
	int		 rv;

	if (cm_chan_identity(chan, sizeof(chan), ctx->cfg->key_prefix, org,
	    role, email) < 0)
		return (-1);
	json = cJSON_PrintUnformatted(data);
	cm_buf_printf(&msg, "%s %s", event, json);
	/* One argument: hiredis splits a format only at its own %s. */
	r = cm_redis_command(ctx, "PUBLISH %s %b", chan, msg.data, msg.len);
	rv = r != NULL && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
	freeReplyObject(r);
	cm_buf_free(&msg);
	free(json);
	return (rv);
}
