/*
 * Running a queue-svc script: the common ARGV header (scripts.c), the
 * org's registration for the timer thread, and the script's answer as
 * a result with an error vocabulary shared by acks and REST.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channels.h"
#include "log.h"
#include "qs.h"
#include "queue_keys.h"
#include "util.h"

/* Absent for 20 s (two sweeps at least) makes a socket a ghost. */
#define QS_GHOST_MS	20000
#define QS_SWEEP_MS	5000
#define QS_ORGS_CACHED	256

/* The error codes scripts raise, and their HTTP statuses. */
static const struct {
	const char	*code;
	int		 http;
} qs_errors[] = {
	{ "BAD_REQUEST",	400 },
	{ "FORBIDDEN",		403 },
	{ "NOT_FOUND",		404 },
	{ "CHAT_CLOSED",	409 },
	{ "BAD_STATE",		409 },
	{ "AT_CAPACITY",	409 },
	{ "AGENT_UNAVAILABLE",	409 },
	{ "OUTSIDE_HOURS",	409 },
	{ "SERVICE_UNAVAILABLE", 503 },
	{ "INTERNAL",		500 },
};

/*
 * The orgs this process has put into chat-orgs, so that only the first
 * script of an org costs the SADD.  Forgotten hourly by the timer, in
 * case Redis lost the set.
 */
static pthread_mutex_t	 qs_orgs_lock = PTHREAD_MUTEX_INITIALIZER;
static char		 qs_orgs[QS_ORGS_CACHED][CM_ORG_MAX + 1];
static int		 qs_norgs;

static void	 qs_org_note(struct cm_svc_ctx *, const char *);
static void	 qs_cfg_json(const struct cm_cfg *, char *, size_t);

void
qs_orgs_forget(void)
{
	pthread_mutex_lock(&qs_orgs_lock);
	qs_norgs = 0;
	pthread_mutex_unlock(&qs_orgs_lock);
}

static void
qs_org_note(struct cm_svc_ctx *ctx, const char *org)
{
	redisReply	*r;
	char		*key;
	int		 i, known = 0;

	pthread_mutex_lock(&qs_orgs_lock);
	for (i = 0; i < qs_norgs && !known; i++)
		known = strcmp(qs_orgs[i], org) == 0;
	pthread_mutex_unlock(&qs_orgs_lock);
	if (known)
		return;
	key = qs_key_orgs(ctx->cfg);
	r = cm_redis_command(ctx, "SADD %s %s", key, org);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
		pthread_mutex_lock(&qs_orgs_lock);
		if (qs_norgs < QS_ORGS_CACHED)
			cm_strlcpy(qs_orgs[qs_norgs++], org, CM_ORG_MAX + 1);
		pthread_mutex_unlock(&qs_orgs_lock);
	}
	freeReplyObject(r);
	free(key);
}

/* The config the scripts read, as JSON (durations in ms). */
static void
qs_cfg_json(const struct cm_cfg *cfg, char *out, size_t size)
{
	long long	 away = cfg->conversation_resume_window_s;

	if (away <= 0)
		away = 86400;
	snprintf(out, size, "{\"window\":%lld,\"warn\":%lld,\"close\":%lld,"
	    "\"avg\":%d,\"auto\":%d,\"max\":%d,\"typing\":%lld,"
	    "\"throttle\":%d,\"ghost\":%d,\"sweep\":%d,\"awayttl\":%lld,"
	    "\"watch\":%d,\"visible\":%lld}",
	    cfg->conversation_resume_window_s * 1000LL,
	    cfg->inactivity_warning_s * 1000LL,
	    cfg->inactivity_close_s * 1000LL, cfg->avg_handle_time_default_s,
	    cfg->auto_assign, cfg->agent_max_chats,
	    cfg->typing_timeout_s * 1000LL, cfg->typing_throttle_ms,
	    QS_GHOST_MS, QS_SWEEP_MS, away, cfg->presence_watch_ttl_s * 1000,
	    cfg->conversation_visibility_s * 1000LL);
}

int
qs_chan_head(const struct cm_cfg *cfg, const char *org, char *out,
    size_t size)
{
	int	 n;

	/* channels.h stays the only spelling: its name for "" and "". */
	n = cm_chan_identity(out, size, cfg->key_prefix, org, "", "");
	if (n < 2 || out[n - 1] != ':' || out[n - 2] != ':')
		return (-1);
	out[n - 1] = '\0';
	return (0);
}

redisReply *
qs_run(struct cm_svc_ctx *ctx, const char *org, struct cm_script *s,
    int nargs, const char **args)
{
	const char	*argv[1 + QS_HDR_ARGS + QS_ARGS_MAX];
	char		 now[24], day[16], head[CM_CHANNEL_MAX];
	char		 agents[CM_CHANNEL_MAX], cfg[512], *key;
	redisReply	*r;
	struct tm	 tm;
	time_t		 t;
	int64_t		 ms = cm_now_ms();
	int		 i;

	if (nargs > QS_ARGS_MAX ||
	    qs_chan_head(ctx->cfg, org, head, sizeof(head)) == -1 ||
	    cm_chan_agents(agents, sizeof(agents), ctx->cfg->key_prefix,
	    org) == -1) {
		cm_log_warn("msg=\"script not run\" org=%s why=\"bad "
		    "arguments or channel\"", org);
		return (NULL);
	}
	qs_org_note(ctx, org);
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(now, sizeof(now), "%lld", (long long)ms);
	qs_cfg_json(ctx->cfg, cfg, sizeof(cfg));

	argv[0] = key = qs_key(ctx->cfg, QS_FAM_ORG, org, NULL, NULL);
	argv[1] = ctx->cfg->key_prefix;
	argv[2] = org;
	argv[3] = now;
	argv[4] = head;
	argv[5] = agents;
	argv[6] = cfg;
	argv[7] = day;
	for (i = 0; i < nargs; i++)
		argv[1 + QS_HDR_ARGS + i] = args[i];
	r = cm_redis_script(ctx, s, 1, QS_HDR_ARGS + nargs, argv, NULL);
	free(key);
	return (r);
}

/* The HTTP status of a known error code, else 0. */
static int
qs_code_http(const char *code)
{
	size_t	 i;

	for (i = 0; i < sizeof(qs_errors) / sizeof(qs_errors[0]); i++)
		if (strcmp(qs_errors[i].code, code) == 0)
			return (qs_errors[i].http);
	return (0);
}

void
qs_result_error(struct qs_result *res, const char *code,
    const char *message)
{
	size_t	 i;

	cJSON_Delete(res->body);
	res->body = NULL;
	res->code = "INTERNAL";
	res->http = 500;
	for (i = 0; i < sizeof(qs_errors) / sizeof(qs_errors[0]); i++)
		if (strcmp(qs_errors[i].code, code) == 0) {
			res->code = qs_errors[i].code;
			res->http = qs_errors[i].http;
		}
	cm_strlcpy(res->message, message, sizeof(res->message));
}

int
qs_result(const redisReply *r, const char *what, struct qs_result *res)
{
	char	 code[32];
	size_t	 n;

	memset(res, 0, sizeof(*res));
	if (r == NULL) {
		qs_result_error(res, "SERVICE_UNAVAILABLE", "the queue store "
		    "is unreachable; retry (with the same clientMsgId)");
		return (-1);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* A script's own refusal is "CODE message". */
		n = strcspn(r->str, " ");
		if (n < sizeof(code) && r->str[n] == ' ') {
			memcpy(code, r->str, n);
			code[n] = '\0';
			if (qs_code_http(code) != 0) {
				qs_result_error(res, code, r->str + n + 1);
				return (-1);
			}
		}
		cm_log_warn("msg=\"script failed\" op=%s err=\"%.300s\"",
		    what, r->str);
		qs_result_error(res, "INTERNAL", "the queue store failed");
		return (-1);
	}
	if (r->type == REDIS_REPLY_STRING &&
	    (res->body = cm_json_parse(r->str, r->len)) != NULL &&
	    cJSON_IsObject(res->body))
		return (0);
	cm_log_warn("msg=\"script answered badly\" op=%s type=%d", what,
	    r->type);
	qs_result_error(res, "INTERNAL", "the queue store answered badly");
	return (-1);
}
