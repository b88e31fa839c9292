/*
 * The socket lifecycle: a Socket.IO socket connects to or disconnects
 * from some gateway worker, and the identity behind it (org, role,
 * email) comes online with its first socket and goes offline with its
 * last.  Each change is one Lua script (scripts.c), so concurrent
 * sockets of one identity on different gateways cannot race.
 *
 * Request bodies (common/proto.h):
 *	SOCKET_OPEN	{"sid","user":{..},"ipAddress","userAgent",
 *			 "currentUrl","connectedAt":ms,"gateway","worker"}
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

/* The socket a request is about and the keys of its identity. */
struct pres_sock {
	struct cm_principal	 user;
	const char		*sid;		/* borrowed from the body */
	const char		*role;		/* static */
	char			*row;		/* keys: owned */
	char			*ident;
	char			*pres;
	char			 chan[CM_CHANNEL_MAX];	/* the org's channel */
};

static int	 pres_sock_init(struct pres_sock *, const struct cm_cfg *,
		    const struct cm_frame *, const cJSON *, const char **);
static void	 pres_sock_free(struct pres_sock *);
static char	*pres_change(const struct cm_principal *, const char *,
		    int64_t);
static const char *pres_body_str(const cJSON *, const char *);
static void	 pres_body_num(const cJSON *, const char *, long long,
		    char *, size_t);
static int	 pres_bad(cJSON **, const char *);
static redisReply *pres_open_script(struct cm_svc_ctx *,
		    const struct pres_sock *, const cJSON *, const char *,
		    int64_t);

/*
 * Reads sid and user from body and builds the keys.  Returns 0, or -1
 * with *why set; pres_sock_free() is safe either way.
 */
static int
pres_sock_init(struct pres_sock *s, const struct cm_cfg *cfg,
    const struct cm_frame *f, const cJSON *body, const char **why)
{
	memset(s, 0, sizeof(*s));
	s->sid = cm_json_str(body, "sid");
	if (s->sid == NULL || s->sid[0] == '\0' ||
	    strlen(s->sid) > PRES_SID_MAX) {
		*why = "sid is missing or too long";
		return (-1);
	}
	if (cm_svc_principal(cJSON_GetObjectItemCaseSensitive(body, "user"),
	    f->org, &s->user, why) == -1)
		return (-1);
	if (cm_chan_org(s->chan, sizeof(s->chan), cfg->key_prefix,
	    f->org) == -1) {
		*why = "org too long for a channel name";
		return (-1);
	}
	s->role = cm_role_name(s->user.role);
	s->row = pres_key_socket(cfg, f->org, s->sid);
	s->ident = pres_key_identity(cfg, f->org, s->role, s->user.email);
	s->pres = pres_key_presence(cfg, f->org, s->role, s->user.email);
	return (0);
}

static void
pres_sock_free(struct pres_sock *s)
{
	free(s->row);
	free(s->ident);
	free(s->pres);
}

/*
 * The pub/sub message announcing a change (channels.h):
 * presence-change {"email","name","role","status","timestamp"}.
 * Returns a malloc'd string; caller frees.
 */
static char *
pres_change(const struct cm_principal *u, const char *status, int64_t now)
{
	struct cm_buf	 b = { 0 };

	cm_buf_puts(&b, "presence-change {\"email\":");
	cm_buf_json_str(&b, u->email);
	cm_buf_puts(&b, ",\"name\":");
	cm_buf_json_str(&b, u->name);
	cm_buf_puts(&b, ",\"role\":");
	cm_buf_json_str(&b, cm_role_name(u->role));
	cm_buf_puts(&b, ",\"status\":");
	cm_buf_json_str(&b, status);
	cm_buf_printf(&b, ",\"timestamp\":%lld}", (long long)now);
	return (b.data);
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

int
pres_redis_status(const redisReply *r, const char *op, cJSON **reply)
{
	if (r == NULL) {
		*reply = cm_svc_error("SERVICE_UNAVAILABLE",
		    "presence store unreachable");
		return (CM_ST_UNAVAILABLE);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"redis error\" op=%s err=\"%s\"", op, r->str);
		*reply = cm_svc_error("INTERNAL", "presence store error");
		return (CM_ST_ERROR);
	}
	return (CM_ST_OK);
}

/*
 * Runs the socket-open script (see scripts.c for KEYS and ARGV).  The
 * number buffers are filled after the argument list points at them.
 */
static redisReply *
pres_open_script(struct cm_svc_ctx *ctx, const struct pres_sock *s,
    const cJSON *body, const char *online, int64_t now)
{
	char		 now_s[24], ttl_s[16], safety_s[16];
	char		 conn_s[24], worker_s[24];
	const char	*args[] = {
		s->row, s->ident, s->pres,
		s->sid, s->role, s->user.email, s->user.name, now_s,
		ttl_s, safety_s, s->chan, online,
		/* the socket row */
		"email",	s->user.email,
		"role",		s->role,
		"org",		s->user.org,
		"name",		s->user.name,
		"ipAddress",	pres_body_str(body, "ipAddress"),
		"userAgent",	pres_body_str(body, "userAgent"),
		"currentUrl",	pres_body_str(body, "currentUrl"),
		"connectedAt",	conn_s,
		"gateway",	pres_body_str(body, "gateway"),
		"worker",	worker_s,
	};
	int		 nargs = (int)(sizeof(args) / sizeof(args[0]));

	snprintf(now_s, sizeof(now_s), "%lld", (long long)now);
	snprintf(ttl_s, sizeof(ttl_s), "%d", PRES_SOCKET_TTL_S);
	snprintf(safety_s, sizeof(safety_s), "%d", PRES_SAFETY_TTL_S);
	pres_body_num(body, "connectedAt", now, conn_s, sizeof(conn_s));
	pres_body_num(body, "worker", 0, worker_s, sizeof(worker_s));
	return (cm_redis_script(ctx, &pres_script_open, 3, nargs - 3, args,
	    NULL));
}

int
pres_socket_open(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct pres_sock	 s;
	const char		*why;
	char			*online;
	redisReply		*r;
	int64_t			 now = cm_now_ms();
	int			 st;

	if (pres_sock_init(&s, ctx->cfg, f, body, &why) == -1) {
		pres_sock_free(&s);
		return (pres_bad(reply, why));
	}
	online = pres_change(&s.user, "online", now);
	r = pres_open_script(ctx, &s, body, online, now);
	if ((st = pres_redis_status(r, "socket-open", reply)) == CM_ST_OK)
		cm_log_debug("msg=\"socket open\" org=%s sid=%s first=%lld",
		    f->org, s.sid, r->type == REDIS_REPLY_INTEGER ?
		    r->integer : -1);
	freeReplyObject(r);
	free(online);
	pres_sock_free(&s);
	return (st);
}

int
pres_socket_close(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct pres_sock	 s;
	const char		*args[6], *why;
	char			*offline;
	redisReply		*r;
	int			 st;

	if (pres_sock_init(&s, ctx->cfg, f, body, &why) == -1) {
		pres_sock_free(&s);
		return (pres_bad(reply, why));
	}
	offline = pres_change(&s.user, "offline", cm_now_ms());
	args[0] = s.row;
	args[1] = s.ident;
	args[2] = s.pres;
	args[3] = s.sid;
	args[4] = s.chan;
	args[5] = offline;

	r = cm_redis_script(ctx, &pres_script_close, 3, 3, args, NULL);
	if ((st = pres_redis_status(r, "socket-close", reply)) == CM_ST_OK)
		cm_log_debug("msg=\"socket close\" org=%s sid=%s last=%lld",
		    f->org, s.sid, r->type == REDIS_REPLY_INTEGER ?
		    r->integer : -1);
	freeReplyObject(r);
	free(offline);
	pres_sock_free(&s);
	return (st);
}
