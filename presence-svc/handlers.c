/*
 * The socket lifecycle: a Socket.IO socket connects to or disconnects
 * from some gateway worker, and the identity behind it (org, role,
 * email) comes online with its first socket and goes offline with its
 * last.  Each change is one Lua script (scripts.c), so concurrent
 * sockets of one identity on different gateways cannot race.
 *
 * Request bodies (common/proto.h):
 *	SOCKET_OPEN	{"sid","user":{..},"ipAddress","userAgent",
 *			 "currentUrl","connectedAt":ms,"gateway","worker",
 *			 "context":{"url","skills":[..],"location"}}
 *	SOCKET_CLOSE	{"sid","user":{..},"reason"}
 * Both answer {} with status OK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels.h"
#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_LOCATION_LEN	512

/* The socket a request is about; strings borrowed from the body. */
struct pres_sock {
	struct cm_principal	 user;
	const char		*sid;
	const char		*role;		/* static */
};

static int	 pres_sock_init(struct pres_sock *, const struct cm_frame *,
		    const cJSON *, const char **);
static const char *pres_body_str(const cJSON *, const char *);
static void	 pres_body_num(const cJSON *, const char *, long long,
		    char *, size_t);
static int	 pres_bad(cJSON **, const char *);
static char	*pres_context_location(const cJSON *);
static void	 pres_args_row(struct pres_args *, const struct pres_sock *,
		    const cJSON *, const char *, const char *, const char *);

/* Reads sid and user from body.  Returns 0, or -1 with *why set. */
static int
pres_sock_init(struct pres_sock *s, const struct cm_frame *f,
    const cJSON *body, const char **why)
{
	memset(s, 0, sizeof(*s));
	s->sid = cm_json_str(body, "sid");
	if (s->sid == NULL || !pres_id_valid(s->sid, PRES_SID_MAX)) {
		*why = "sid is missing, too long or not an id";
		return (-1);
	}
	if (cm_svc_principal(cJSON_GetObjectItemCaseSensitive(body, "user"),
	    f->org, &s->user, why) == -1)
		return (-1);
	s->role = cm_role_name(s->user.role);
	return (0);
}

/* An optional string member of the body; "" when absent. */
static const char *
pres_body_str(const cJSON *body, const char *key)
{
	const char	*s = cm_json_str(body, key);

	return (s != NULL ? s : "");
}

/* An optional integer member of the body, written into buf. */
static void
pres_body_num(const cJSON *body, const char *key, long long def, char *buf,
    size_t size)
{
	const cJSON	*n = cJSON_GetObjectItemCaseSensitive(body, key);

	if (cJSON_IsNumber(n) && n->valuedouble >= 0 &&
	    n->valuedouble < 1e15)
		def = (long long)n->valuedouble;
	snprintf(buf, size, "%lld", def);
}

static int
pres_bad(cJSON **reply, const char *why)
{
	cm_log_warn("msg=\"bad request\" err=\"%s\"", why);
	*reply = cm_svc_error("BAD_FRAME", why);
	return (CM_ST_BAD_FRAME);
}

/* The auth context's location (a string, or an object as JSON text). */
static char *
pres_context_location(const cJSON *ctx)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(ctx, "location");
	char		*s = NULL;

	if (cJSON_IsString(v))
		s = cm_strdup(v->valuestring);
	else if (cJSON_IsObject(v))
		s = cJSON_PrintUnformatted(v);
	if (s != NULL && strlen(s) > PRES_LOCATION_LEN) {
		free(s);
		s = NULL;
	}
	return (s);
}

/* The socket row, as field, value pairs (strings borrowed). */
static void
pres_args_row(struct pres_args *a, const struct pres_sock *s,
    const cJSON *body, const char *conn, const char *gw, const char *slot)
{
	const char *const row[] = {
		"email",	s->user.email,
		"role",		s->role,
		"org",		s->user.org,
		"name",		s->user.name,
		"ipAddress",	pres_body_str(body, "ipAddress"),
		"userAgent",	pres_body_str(body, "userAgent"),
		"currentUrl",	pres_body_str(body, "currentUrl"),
		"connectedAt",	conn,
		"gateway",	gw,
		"worker",	slot,
	};
	size_t		 i;

	for (i = 0; i < sizeof(row) / sizeof(row[0]); i++)
		pres_args_add(a, row[i]);
}

int
pres_socket_open(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	struct pres_sock	 s;
	struct pres_args	 a = { 0 };
	const cJSON		*context;
	const char		*why, *gw;
	char			 conn_s[24], slot_s[24], ich[CM_CHANNEL_MAX];
	char			*skills, *loc;
	redisReply		*r;
	int64_t			 now = cm_now_ms();
	int			 st;

	if (pres_sock_init(&s, f, body, &why) == -1)
		return (pres_bad(reply, why));
	gw = pres_body_str(body, "gateway");
	if (strlen(gw) > PRES_GW_MAX || strchr(gw, ' ') != NULL)
		return (pres_bad(reply, "gateway is too long or has spaces"));
	pres_body_num(body, "connectedAt", now, conn_s, sizeof(conn_s));
	pres_body_num(body, "worker", 0, slot_s, sizeof(slot_s));
	context = cJSON_GetObjectItemCaseSensitive(body, "context");
	skills = pres_skills_json(cJSON_GetObjectItemCaseSensitive(context,
	    "skills"));
	loc = pres_context_location(context);
	cm_chan_identity(ich, sizeof(ich), cfg->key_prefix, f->org, s.role,
	    s.user.email);
	pres_sweep_start(ctx);
	pres_worker_note_org(ctx, gw, slot_s, f->org);

	pres_args_sock(&a, cfg, f->org, s.sid, s.role, s.user.email);
	pres_args_take(&a, pres_key_online(cfg, f->org, s.role));
	pres_args_take(&a, pres_key_live(cfg, f->org));
	pres_args_take(&a, pres_key_worker(cfg, f->org, gw, slot_s));
	pres_args_take(&a, pres_key_closed(cfg, f->org));
	pres_args_take(&a, pres_key_watch(cfg, f->org, s.user.email));
	pres_args_add(&a, s.sid);
	pres_args_add(&a, s.role);
	pres_args_add(&a, s.user.email);
	pres_args_add(&a, s.user.name);
	pres_args_fmt(&a, "%lld", (long long)now);
	pres_args_fmt(&a, "%d", PRES_SOCKET_TTL_S);
	pres_args_fmt(&a, "%d", PRES_SAFETY_TTL_S);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_chans(&a, cfg, f->org);
	pres_args_add(&a, ich);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_fast_ms);
	pres_args_fmt(&a, "%d", cfg->presence_heartbeat_slow_ms);
	pres_args_add(&a, skills != NULL ? skills : "");
	pres_args_add(&a, loc != NULL ? loc : "");
	pres_args_add(&a, pres_body_str(body, "currentUrl"));
	pres_args_row(&a, &s, body, conn_s, gw, slot_s);

	r = pres_args_run(ctx, &pres_script_open, &a, 9);
	if ((st = pres_redis_status(r, "socket-open", reply)) == CM_ST_OK)
		cm_log_debug("msg=\"socket open\" org=%s sid=%s first=%lld",
		    f->org, s.sid, r->type == REDIS_REPLY_INTEGER ?
		    r->integer : -2);
	freeReplyObject(r);
	pres_args_free(&a);
	free(skills);
	free(loc);
	return (st);
}

int
pres_socket_close(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	struct pres_sock	 s;
	struct pres_args	 a = { 0 };
	const char		*why, *gw = "", *slot = "";
	char			*row;
	redisReply		*where, *r;
	int			 st;

	if (pres_sock_init(&s, f, body, &why) == -1)
		return (pres_bad(reply, why));
	/* Which worker's set holds the socket, from its row. */
	row = pres_key_socket(cfg, f->org, s.sid);
	where = cm_redis_command(ctx, "HMGET %s gateway worker", row);
	free(row);
	if (where != NULL && where->type == REDIS_REPLY_ARRAY &&
	    where->elements == 2 &&
	    where->element[0]->type == REDIS_REPLY_STRING &&
	    where->element[1]->type == REDIS_REPLY_STRING) {
		gw = where->element[0]->str;
		slot = where->element[1]->str;
	}

	pres_args_sock(&a, cfg, f->org, s.sid, s.role, s.user.email);
	pres_args_take(&a, pres_key_online(cfg, f->org, s.role));
	pres_args_take(&a, pres_key_live(cfg, f->org));
	pres_args_take(&a, pres_key_worker(cfg, f->org, gw, slot));
	pres_args_take(&a, pres_key_closed(cfg, f->org));
	pres_args_add(&a, s.sid);
	pres_args_add(&a, s.role);
	pres_args_add(&a, s.user.email);
	pres_args_add(&a, s.user.name);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_chans(&a, cfg, f->org);
	pres_args_fmt(&a, "%d", PRES_CLOSED_TTL_MS);

	r = pres_args_run(ctx, &pres_script_close, &a, 8);
	if ((st = pres_redis_status(r, "socket-close", reply)) == CM_ST_OK)
		cm_log_debug("msg=\"socket close\" org=%s sid=%s last=%lld",
		    f->org, s.sid, r->type == REDIS_REPLY_INTEGER ?
		    r->integer : -1);
	freeReplyObject(r);
	freeReplyObject(where);
	pres_args_free(&a);
	return (st);
}
