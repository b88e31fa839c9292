/*
 * The skeleton every service runs on (presence, queue, ai): parse the
 * command line and config, listen on the service's address (NNG's
 * REQ/REP wire protocol: spoken by the skeleton itself for ipc:// and
 * numeric tcp://, svc_rep.c, else through an NNG rep0 socket), and
 * serve requests with a small pool of threads.  Each thread owns one
 * blocking hiredis connection; a service keeps no state between
 * requests, so it can be killed at any moment.
 *
 * The skeleton decodes every frame, answers malformed ones, and
 * dispatches by type; CM_MSG_EVENT is dispatched further by its
 * "event" member.  Handlers hold only business logic.
 *
 * Command line: NAME [-c config] [-t] [-h]
 *	-t	check the config and exit 0 (valid) or 78 (invalid)
 * Signals: SIGTERM/SIGINT stop gracefully (in-flight requests finish),
 * SIGHUP rereads the config (log level), SIGUSR1 is ignored.
 * systemd: READY=1 once listening, STOPPING=1 on stop (sd_notify).
 */
#ifndef CM_SVC_H
#define CM_SVC_H

#include <hiredis/hiredis.h>
#include <cjson/cJSON.h>

#include "cfg.h"
#include "jwt.h"
#include "prom.h"
#include "proto.h"
#include "rest.h"

/*
 * A service's counters, fed by every thread with relaxed atomics and
 * read by GET /metrics (svc_http.c).
 */
struct cm_svc_stats {
	uint64_t		requests[CM_MSG_TYPE_MAX];
	uint64_t		failures[CM_MSG_TYPE_MAX];	/* status != OK */
	struct cm_prom_hist	duration[CM_MSG_TYPE_MAX];
	uint64_t		redis_errors;
	uint64_t		redis_reconnects;
	int			probe_ok;	/* last self PING answered */
	int			redis_ok;	/* ... and said Redis is up */
	int64_t			probe_at;	/* cm_mono_ms of that PING */
};

/* Per request thread; borrowed by handlers for one call. */
struct cm_svc_ctx {
	const struct cm_cfg	*cfg;
	redisContext		*redis;	/* connected, or NULL if Redis is down */
	void			*app;	/* the service's own state (def->app) */
	int			 thread;
	struct cm_svc_stats	*stats;
};

/* A client event, as the gateway forwards it. */
struct cm_event_req {
	const char		*event;	/* borrowed */
	const char		*sid;	/* borrowed: the Socket.IO socket id */
	struct cm_principal	 user;	/* from the verified JWT */
	const cJSON		*data;	/* borrowed; NULL if no argument */
	const cJSON		*context; /* the socket's auth.context, or NULL */
};

/*
 * Handles one event; returns the ack value (caller frees), normally
 * {"ok":true,...} or cm_json_error(code, message).  Never NULL.
 */
typedef cJSON *(*cm_event_fn)(struct cm_svc_ctx *, const struct cm_event_req *);

struct cm_event_route {
	const char	*event;
	cm_event_fn	 fn;
};

/*
 * Handles one frame of a given type.  body is the parsed JSON body
 * (borrowed; NULL if empty).  Sets *reply (caller frees; may stay NULL
 * for an empty body) and returns an enum cm_status.
 */
typedef int (*cm_frame_fn)(struct cm_svc_ctx *, const struct cm_frame *,
    const cJSON *body, cJSON **reply);

struct cm_frame_route {
	int		 type;
	cm_frame_fn	 fn;
};

struct cm_svc_def {
	/* "presence", "queue", "ai": NAME_address is its NNG address. */
	const char			*name;
	const struct cm_frame_route	*frames; /* ends with {0, NULL} */
	const struct cm_event_route	*events; /* ends with {NULL, NULL} */
	const struct cm_rest_route	*rest;	 /* rest.h; ends with NULLs */
	/*
	 * Optional: appends the service's own metric families (Prometheus
	 * text, prom.h) to b at each scrape; runs on an NNG HTTP thread.
	 */
	void				(*metrics)(const struct cm_cfg *cfg,
					    void *app, struct cm_buf *b);
	/*
	 * Optional: called once the config is loaded (not for -t), before
	 * the listener opens, with every signal already blocked, so that
	 * threads it starts never take one.  cfg stays valid until fini.
	 * Returns 0, or -1 (logged) to stop with EX_CONFIG.
	 */
	int				(*init)(const struct cm_cfg *cfg,
					    void *app);
	/* Optional: undoes init after the request threads have stopped. */
	void				(*fini)(void *app);
	void				*app;
};

/*
 * Runs the service until SIGTERM; returns the process exit status:
 * 0, 64 (EX_USAGE), 78 (EX_CONFIG) or 69 (EX_UNAVAILABLE: cannot listen).
 */
int	cm_svc_main(const struct cm_svc_def *def, int argc, char **argv);

/*
 * Answers one request frame (len bytes at buf) as the service def does:
 * decode, dispatch to the skeleton's own PING and EVENT handling or to
 * def->frames, encode.  Returns the encoded reply frame in a malloc'd
 * buffer (caller frees) and its length in *outlen, or NULL if no reply
 * could be built.  The request threads call it; so can tests, without
 * NNG.  ctx->redis may be NULL (Redis down).
 */
void	*cm_svc_handle(const struct cm_svc_def *def, struct cm_svc_ctx *ctx,
	    const void *buf, size_t len, size_t *outlen);

/*
 * {"error":{"code":code,"message":message}}, the body of a frame reply
 * whose status is not CM_ST_OK.  Caller frees.
 */
cJSON	*cm_svc_error(const char *code, const char *message);

/*
 * Fills p from the "user" member of a request body (as the gateway
 * builds it from the verified JWT).  user.org must equal org, the org
 * of the frame header.  Returns 0, or -1 with *why set to a static
 * string fit for an error reply.
 */
int	cm_svc_principal(const cJSON *user, const char *org,
	    struct cm_principal *p, const char **why);

/*
 * Runs a command on the thread's connection, reconnecting once if the
 * link broke.  Returns the reply (caller frees with freeReplyObject) or
 * NULL if Redis is unreachable (logged).  An error reply is returned
 * as such; check reply->type.
 *
 * When the link breaks the command is sent again on the new link, so it
 * may run twice: every command a handler sends must be safe to repeat
 * (confab's scripts are idempotent by design).  While ctx->redis is NULL
 * these return NULL at once; the skeleton reconnects between requests
 * with a backoff of 100 ms doubling to 5 s.
 */
redisReply *cm_redis_command(struct cm_svc_ctx *ctx, const char *fmt, ...);
redisReply *cm_redis_argv(struct cm_svc_ctx *ctx, int argc,
	    const char **argv, const size_t *argvlen);

/*
 * A Lua script run with EVALSHA, falling back to EVAL on NOSCRIPT (after
 * a Redis restart).  Declare as: static struct cm_script s = { .src = SRC };
 * args holds nkeys key names followed by nargs arguments (ARGV); lens
 * gives their lengths, or is NULL when all are NUL-terminated strings.
 * The reply is as for cm_redis_command().
 */
struct cm_script {
	const char	*src;
	char		 sha[41];	/* filled lazily; thread safe */
};
redisReply *cm_redis_script(struct cm_svc_ctx *ctx, struct cm_script *s,
	    int nkeys, int nargs, const char **args, const size_t *lens);

/*
 * Pipelining: sends n commands in one round trip and stores their n
 * replies, in order, in out[] (caller frees each with freeReplyObject).
 * Returns 0, or -1 if Redis is unreachable or the link broke (logged;
 * out[] is then all NULL and nothing is sent again).
 */
#define CM_REDIS_CMD_ARGS	8
struct cm_redis_cmd {
	int		 argc;
	const char	*argv[CM_REDIS_CMD_ARGS];	/* NUL-terminated */
};
int	cm_redis_pipeline(struct cm_svc_ctx *ctx, int n,
	    const struct cm_redis_cmd *cmds, redisReply **out);

/*
 * Connects to cfg->redis_address ("host:port", or a unix socket path
 * starting with '/' or '.'), with a 1 s connect and a 2 s command
 * timeout, and AUTH when redis_password is set.  Returns the context
 * (caller frees with redisFree) or NULL (logged at warning).
 */
redisContext *cm_redis_connect(const struct cm_cfg *cfg);

/*
 * A background thread's Redis link (ctx->redis): when it has none and
 * the time has come, connects to ctx->cfg's Redis, else waits; the wait
 * after a failure is 100 ms, doubling to max_ms.  Returns 0 with a link,
 * -1 without one.  r starts zeroed.
 */
struct cm_redis_retry {
	int64_t		 at;		/* cm_mono_ms() of the next attempt */
	int		 backoff_ms;
};
int	cm_redis_link(struct cm_svc_ctx *ctx, struct cm_redis_retry *r,
	    int max_ms);

/*
 * Builds a key: prefix + family + ":{" + org + "}" + (":" + rest for
 * each rest part that is not NULL).  Returns a malloc'd string.
 */
char	*cm_key(const struct cm_cfg *cfg, const char *family, const char *org,
	    const char *rest1, const char *rest2, const char *rest3);

#endif
