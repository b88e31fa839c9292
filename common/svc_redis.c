/*
 * The Redis side of the service skeleton: one blocking hiredis
 * connection per request thread, commands that survive one broken link,
 * Lua scripts by SHA1, pipelines and key names.  See svc.h.
 *
 * The reconnect backoff lives in the skeleton (svc.c), which owns the
 * thread; here a broken link is dropped and, inside one command, tried
 * again once, so a Redis restart costs no request at all.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "log.h"
#include "svc.h"
#include "util.h"

#define REDIS_CONNECT_TIMEOUT_S	1
#define REDIS_COMMAND_TIMEOUT_S	2

static int		 redis_auth(redisContext *, const char *);
static int		 redis_relink(struct cm_svc_ctx *, int);
static void		 redis_script_sha(struct cm_script *, char *);

/* Guards the lazily filled sha of every struct cm_script. */
static pthread_mutex_t	 redis_sha_lock = PTHREAD_MUTEX_INITIALIZER;

redisContext *
cm_redis_connect(const struct cm_cfg *cfg)
{
	struct timeval	 ctv = { REDIS_CONNECT_TIMEOUT_S, 0 };
	struct timeval	 rtv = { REDIS_COMMAND_TIMEOUT_S, 0 };
	const char	*addr = cfg->redis_address;
	redisContext	*c;
	char		 host[256];
	int		 port;

	if (addr[0] == '/' || addr[0] == '.')
		c = redisConnectUnixWithTimeout(addr, ctv);
	else if (cm_split_hostport(addr, host, sizeof(host), &port) == 0)
		c = redisConnectWithTimeout(host, port, ctv);
	else {
		cm_log_warn("msg=\"bad redis_address\" address=\"%s\"", addr);
		return (NULL);
	}
	if (c == NULL) {
		cm_log_warn("msg=\"redis connect failed\" address=\"%s\" "
		    "err=\"out of memory\"", addr);
		return (NULL);
	}
	if (c->err) {
		cm_log_warn("msg=\"redis connect failed\" address=\"%s\" "
		    "err=\"%s\"", addr, c->errstr);
		redisFree(c);
		return (NULL);
	}
	if (redisSetTimeout(c, rtv) != REDIS_OK ||
	    (c->connection_type == REDIS_CONN_TCP &&
	    redisEnableKeepAlive(c) != REDIS_OK)) {
		cm_log_warn("msg=\"redis socket options failed\" "
		    "address=\"%s\" err=\"%s\"", addr, c->errstr);
		redisFree(c);
		return (NULL);
	}
	if (cfg->redis_password != NULL && cfg->redis_password[0] != '\0' &&
	    redis_auth(c, cfg->redis_password) == -1) {
		redisFree(c);
		return (NULL);
	}
	return (c);
}

int
cm_redis_link(struct cm_svc_ctx *ctx, struct cm_redis_retry *r, int max_ms)
{
	int64_t	 now;

	if (ctx->redis != NULL)
		return (0);
	if ((now = cm_mono_ms()) < r->at)
		return (-1);
	if ((ctx->redis = cm_redis_connect(ctx->cfg)) != NULL) {
		r->backoff_ms = 0;
		return (0);
	}
	r->backoff_ms = r->backoff_ms == 0 ? 100 : r->backoff_ms * 2;
	if (r->backoff_ms > max_ms)
		r->backoff_ms = max_ms;
	r->at = now + r->backoff_ms;
	return (-1);
}

/* Returns 0, or -1 after logging why (never the password). */
static int
redis_auth(redisContext *c, const char *password)
{
	redisReply	*r;
	int		 rv = 0;

	r = redisCommand(c, "AUTH %s", password);
	if (r == NULL) {
		cm_log_warn("msg=\"redis auth failed\" err=\"%s\"", c->errstr);
		return (-1);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		cm_log_warn("msg=\"redis auth refused\" err=\"%s\"", r->str);
		rv = -1;
	}
	freeReplyObject(r);
	return (rv);
}

/*
 * Called when a command got no reply: the link is broken and hiredis
 * will not use it again.  Drops it and, if again is set, connects anew.
 * Returns 0 if there is a fresh link to retry on, else -1 and
 * ctx->redis is NULL until the skeleton reconnects.
 */
static int
redis_relink(struct cm_svc_ctx *ctx, int again)
{
	cm_log_warn("msg=\"redis link broken\" thread=%d err=\"%s\"",
	    ctx->thread, ctx->redis->errstr);
	if (ctx->stats != NULL)
		CM_ADD(&ctx->stats->redis_errors, 1);
	redisFree(ctx->redis);
	ctx->redis = NULL;
	if (!again)
		return (-1);
	if ((ctx->redis = cm_redis_connect(ctx->cfg)) == NULL)
		return (-1);
	cm_log_notice("msg=\"redis reconnected\" thread=%d", ctx->thread);
	if (ctx->stats != NULL)
		CM_ADD(&ctx->stats->redis_reconnects, 1);
	return (0);
}

redisReply *
cm_redis_command(struct cm_svc_ctx *ctx, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;
	int		 attempt;

	for (attempt = 0; attempt < 2 && ctx->redis != NULL; attempt++) {
		va_start(ap, fmt);
		r = redisvCommand(ctx->redis, fmt, ap);
		va_end(ap);
		if (r != NULL)
			return (r);
		if (redis_relink(ctx, attempt == 0) == -1)
			break;
	}
	return (NULL);
}

redisReply *
cm_redis_argv(struct cm_svc_ctx *ctx, int argc, const char **argv,
    const size_t *argvlen)
{
	redisReply	*r;
	int		 attempt;

	for (attempt = 0; attempt < 2 && ctx->redis != NULL; attempt++) {
		r = redisCommandArgv(ctx->redis, argc, argv, argvlen);
		if (r != NULL)
			return (r);
		if (redis_relink(ctx, attempt == 0) == -1)
			break;
	}
	return (NULL);
}

/*
 * Copies the script's SHA1 (40 hex digits and a NUL) into out,
 * computing it on first use.  Redis names a script by the SHA1 of its
 * source, so no SCRIPT LOAD round trip is needed.
 */
static void
redis_script_sha(struct cm_script *s, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[SHA_DIGEST_LENGTH];
	int			 i;

	pthread_mutex_lock(&redis_sha_lock);
	if (s->sha[0] == '\0') {
		SHA1((const unsigned char *)s->src, strlen(s->src), md);
		for (i = 0; i < SHA_DIGEST_LENGTH; i++) {
			s->sha[2 * i] = hex[md[i] >> 4];
			s->sha[2 * i + 1] = hex[md[i] & 0xf];
		}
		s->sha[40] = '\0';
	}
	memcpy(out, s->sha, sizeof(s->sha));
	pthread_mutex_unlock(&redis_sha_lock);
}

redisReply *
cm_redis_script(struct cm_svc_ctx *ctx, struct cm_script *s, int nkeys,
    int nargs, const char **args, const size_t *lens)
{
	const char	**argv;
	size_t		 *argvlen;
	redisReply	 *r;
	char		  sha[41], nk[16];
	int		  i, argc = 3 + nkeys + nargs;

	if (ctx->redis == NULL)
		return (NULL);
	redis_script_sha(s, sha);
	snprintf(nk, sizeof(nk), "%d", nkeys);
	argv = cm_calloc((size_t)argc, sizeof(*argv));
	argvlen = cm_calloc((size_t)argc, sizeof(*argvlen));
	argv[0] = "EVALSHA";
	argv[1] = sha;
	argv[2] = nk;
	for (i = 0; i < nkeys + nargs; i++) {
		argv[3 + i] = args[i];
		argvlen[3 + i] = lens != NULL ? lens[i] : strlen(args[i]);
	}
	for (i = 0; i < 3; i++)
		argvlen[i] = strlen(argv[i]);

	r = cm_redis_argv(ctx, argc, argv, argvlen);
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "NOSCRIPT", 8) == 0) {
		/* Redis restarted or flushed its script cache. */
		freeReplyObject(r);
		argv[0] = "EVAL";
		argv[1] = s->src;
		argvlen[0] = strlen(argv[0]);
		argvlen[1] = strlen(argv[1]);
		r = cm_redis_argv(ctx, argc, argv, argvlen);
	}
	free(argv);
	free(argvlen);
	return (r);
}

/*
 * All commands are appended to hiredis' output buffer first and the
 * replies read afterwards, so n commands cost one round trip.  If the
 * link breaks halfway, the replies already read are dropped too: the
 * caller sees all or nothing.
 */
int
cm_redis_pipeline(struct cm_svc_ctx *ctx, int n,
    const struct cm_redis_cmd *cmds, redisReply **out)
{
	void	*r;
	int	 i;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	if (ctx->redis == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		const char	*argv[CM_REDIS_CMD_ARGS];

		/* hiredis 0.14 takes argv without the second const. */
		memcpy(argv, cmds[i].argv, sizeof(argv));
		if (redisAppendCommandArgv(ctx->redis, cmds[i].argc, argv,
		    NULL) != REDIS_OK)
			goto broken;
	}
	for (i = 0; i < n; i++) {
		if (redisGetReply(ctx->redis, &r) != REDIS_OK)
			goto broken;
		out[i] = r;
	}
	return (0);
broken:
	for (i = 0; i < n; i++) {
		freeReplyObject(out[i]);
		out[i] = NULL;
	}
	redis_relink(ctx, 0);
	return (-1);
}

char *
cm_key(const struct cm_cfg *cfg, const char *family, const char *org,
    const char *rest1, const char *rest2, const char *rest3)
{
	struct cm_buf	 b = { 0 };
	const char	*rest[3] = { rest1, rest2, rest3 };
	int		 i;

	cm_buf_printf(&b, "%s%s:{%s}", cfg->key_prefix != NULL ?
	    cfg->key_prefix : "", family, org);
	for (i = 0; i < 3; i++)
		if (rest[i] != NULL) {
			cm_buf_puts(&b, ":");
			cm_buf_puts(&b, rest[i]);
		}
	return (b.data);	/* the caller owns the buffer now */
}
