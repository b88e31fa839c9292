/*
 * Gateway workers and their sockets: no ghost users.
 *
 * Every gateway worker sends CM_MSG_WORKER_HEARTBEAT
 * {"gateway","worker","pid","startedAt"} at its start and then every
 * worker_heartbeat_ms.  The registry (chat-gw:{#}:workers) remembers
 * which process (pid and start time) is worker GW:SLOT, and
 * chat-gw:{#}:beats when it last beat.  Each socket is a member of its
 * worker's set in its org (chat-worker:{ORG}:GW:SLOT), and
 * chat-gw:{#}:orgs:GW:SLOT lists those orgs.
 *
 * A heartbeat from a new process for a known GW:SLOT means the old one
 * died and the master respawned it: the old process's sockets (those
 * that connected before the new one started) are dropped at once, and
 * each identity that goes offline is announced.  A worker that stops
 * beating is handled by the sweeper (sweep.c), with the same drop.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_DROP_BATCH		128
#define PRES_SLOT_MAX		1023

static int	 pres_drop_org(struct cm_svc_ctx *, const char *,
		    const char *, const char *, long long, long long,
		    int *, int *);
static int	 pres_drop_batch(struct cm_svc_ctx *, const char *,
		    const char *, redisReply **, int, long long, long long,
		    int *, int *);

int
pres_worker_heartbeat(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const cJSON	*slot, *pid, *started;
	const char	*gw, *args[6];
	char		*wid = NULL, pid_s[24], started_s[24], now_s[24];
	char		*keys[2];
	redisReply	*r;
	int		 st, socks = 0, offline = 0;

	gw = cm_json_str(body, "gateway");
	slot = cJSON_GetObjectItemCaseSensitive(body, "worker");
	pid = cJSON_GetObjectItemCaseSensitive(body, "pid");
	started = cJSON_GetObjectItemCaseSensitive(body, "startedAt");
	if (gw == NULL || gw[0] == '\0' || strlen(gw) > PRES_GW_MAX ||
	    strchr(gw, ' ') != NULL || !cJSON_IsNumber(slot) ||
	    slot->valueint < 0 || slot->valueint > PRES_SLOT_MAX ||
	    !cJSON_IsNumber(pid) || !(pid->valuedouble >= 1 &&
	    pid->valuedouble < 1e9) || !cJSON_IsNumber(started) ||
	    !(started->valuedouble >= 1 && started->valuedouble < 1e15)) {
		*reply = cm_svc_error("BAD_FRAME", "heartbeat needs gateway, "
		    "worker, pid and startedAt");
		return (CM_ST_BAD_FRAME);
	}
	pres_sweep_start(ctx);
	if (asprintf(&wid, "%s:%d", gw, slot->valueint) == -1)
		abort();
	snprintf(pid_s, sizeof(pid_s), "%lld", (long long)pid->valuedouble);
	snprintf(started_s, sizeof(started_s), "%lld",
	    (long long)started->valuedouble);
	snprintf(now_s, sizeof(now_s), "%lld", (long long)cm_now_ms());
	keys[0] = pres_key_gw_workers(ctx->cfg);
	keys[1] = pres_key_gw_beats(ctx->cfg);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = wid;
	args[3] = pid_s;
	args[4] = started_s;
	args[5] = now_s;
	r = cm_redis_script(ctx, &pres_script_beat, 2, 4, args, NULL);
	if ((st = pres_redis_status(r, "heartbeat", reply)) != CM_ST_OK)
		goto out;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) {
		*reply = cm_svc_error("INTERNAL", "presence store error");
		st = CM_ST_ERROR;
		goto out;
	}
	if (strcmp(r->element[0]->str, "new") == 0)
		cm_log_info("msg=\"worker registered\" worker=%s pid=%s",
		    wid, pid_s);
	else if (strcmp(r->element[0]->str, "replaced") == 0 &&
	    r->elements == 2) {
		/* Sockets the new process opened itself stay. */
		if (pres_worker_drop(ctx, wid, (long long)started->valuedouble,
		    INT64_MAX, &socks, &offline) == -1) {
			st = pres_redis_status(NULL, "heartbeat", reply);
			goto out;
		}
		cm_log_notice("msg=\"worker replaced\" worker=%s old=\"%s\" "
		    "pid=%s sockets_dropped=%d offline=%d", wid,
		    r->element[1]->str, pid_s, socks, offline);
	}
	*reply = cJSON_CreateObject();
out:
	freeReplyObject(r);
	free(keys[0]);
	free(keys[1]);
	free(wid);
	return (st);
}

void
pres_worker_note_org(struct cm_svc_ctx *ctx, const char *gw,
    const char *slot, const char *org)
{
	struct cm_redis_cmd	 c[2];
	redisReply		*out[2];
	char			*wid, *key, ttl[16];

	if (asprintf(&wid, "%s:%s", gw, slot) == -1)
		abort();
	key = pres_key_gw_orgs(ctx->cfg, wid);
	snprintf(ttl, sizeof(ttl), "%d", PRES_SAFETY_TTL_S);
	c[0] = (struct cm_redis_cmd){ 3, { "SADD", key, org } };
	c[1] = (struct cm_redis_cmd){ 3, { "EXPIRE", key, ttl } };
	if (cm_redis_pipeline(ctx, 2, c, out) == 0) {
		freeReplyObject(out[0]);
		freeReplyObject(out[1]);
	}
	free(key);
	free(wid);
}

int
pres_worker_drop(struct cm_svc_ctx *ctx, const char *wid,
    long long conn_cutoff, long long seen_cutoff, int *sockets,
    int *offline)
{
	const char	*colon = strrchr(wid, ':');
	char		*key, *gw;
	redisReply	*orgs;
	size_t		 i;
	int		 rv = 0;

	if (colon == NULL)
		return (0);
	gw = cm_strdup(wid);
	gw[colon - wid] = '\0';
	key = pres_key_gw_orgs(ctx->cfg, wid);
	orgs = cm_redis_command(ctx, "SMEMBERS %s", key);
	free(key);
	if (!pres_redis_ok(orgs, "worker-orgs") ||
	    orgs->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i < orgs->elements; i++)
		if (cm_org_valid(orgs->element[i]->str))
			rv = pres_drop_org(ctx, gw, colon + 1,
			    orgs->element[i]->str, conn_cutoff, seen_cutoff,
			    sockets, offline);
	freeReplyObject(orgs);
	free(gw);
	return (rv);
}

/* Drops the worker's sockets in one org, PRES_DROP_BATCH at a time. */
static int
pres_drop_org(struct cm_svc_ctx *ctx, const char *gw, const char *slot,
    const char *org, long long conn_cutoff, long long seen_cutoff,
    int *sockets, int *offline)
{
	char		*key;
	redisReply	*m;
	size_t		 i, n;
	int		 rv = 0;

	key = pres_key_worker(ctx->cfg, org, gw, slot);
	m = cm_redis_command(ctx, "ZRANGEBYSCORE %s -inf %lld", key,
	    seen_cutoff);
	if (!pres_redis_ok(m, "worker-sockets") ||
	    m->type != REDIS_REPLY_ARRAY)
		rv = -1;
	for (i = 0; rv == 0 && i < m->elements; i += n) {
		n = m->elements - i;
		if (n > PRES_DROP_BATCH)
			n = PRES_DROP_BATCH;
		rv = pres_drop_batch(ctx, org, key, &m->element[i], (int)n,
		    conn_cutoff, seen_cutoff, sockets, offline);
	}
	if (rv == 0 && m->elements > 0)
		cm_log_info("msg=\"worker sockets checked\" org=%s "
		    "gateway=%s worker=%s candidates=%zu", org, gw, slot,
		    m->elements);
	freeReplyObject(m);
	free(key);
	return (rv);
}

/*
 * Runs the drop script on n members "SID ROLE EMAIL" of one worker set.
 * The last-seen cutoff was applied by the caller's read; the script
 * checks it again against the current score, in case a refresh came.
 */
static int
pres_drop_batch(struct cm_svc_ctx *ctx, const char *org, const char *wkey,
    redisReply **mem, int n, long long conn_cutoff, long long seen_cutoff,
    int *sockets, int *offline)
{
	const struct cm_cfg	*cfg = ctx->cfg;
	struct pres_args	 a = { 0 };
	char			**part;
	redisReply		*r;
	int			 i, k = 0, rv = 0;

	part = cm_calloc((size_t)n * 3, sizeof(*part));
	for (i = 0; i < n; i++) {
		char	*s = cm_strdup(mem[i]->str), *sp1, *sp2;

		if ((sp1 = strchr(s, ' ')) == NULL ||
		    (sp2 = strchr(sp1 + 1, ' ')) == NULL) {
			free(s);	/* not ours: leave it alone */
			continue;
		}
		*sp1 = *sp2 = '\0';
		part[3 * k] = s;
		part[3 * k + 1] = sp1 + 1;
		part[3 * k + 2] = sp2 + 1;
		k++;
	}
	pres_args_take(&a, pres_key_live(cfg, org));
	pres_args_add(&a, wkey);
	pres_args_take(&a, pres_key_online(cfg, org, "customer"));
	pres_args_take(&a, pres_key_online(cfg, org, "agent"));
	pres_args_take(&a, pres_key_online(cfg, org, "admin"));
	for (i = 0; i < k; i++)
		pres_args_sock(&a, cfg, org, part[3 * i], part[3 * i + 1],
		    part[3 * i + 2]);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%lld", conn_cutoff);
	pres_args_fmt(&a, "%lld", seen_cutoff);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_chans(&a, cfg, org);
	for (i = 0; i < 3 * k; i++)
		pres_args_add(&a, part[i]);
	r = k > 0 ? pres_args_run(ctx, &pres_script_drop, &a, 5 + 4 * k) :
	    NULL;
	if (k > 0 && (!pres_redis_ok(r, "drop") ||
	    r->type != REDIS_REPLY_ARRAY || r->elements != 2))
		rv = -1;
	else if (k > 0) {
		*sockets += (int)r->element[0]->integer;
		*offline += (int)r->element[1]->integer;
	}
	freeReplyObject(r);
	pres_args_free(&a);
	for (i = 0; i < k; i++)
		free(part[3 * i]);
	free(part);
	return (rv);
}

int
pres_worker_forget(struct cm_svc_ctx *ctx, const char *wid,
    long long cutoff)
{
	const char	*args[5];
	char		*keys[3], cut[24];
	redisReply	*r;
	int		 rv;

	keys[0] = pres_key_gw_workers(ctx->cfg);
	keys[1] = pres_key_gw_beats(ctx->cfg);
	keys[2] = pres_key_gw_orgs(ctx->cfg, wid);
	snprintf(cut, sizeof(cut), "%lld", cutoff);
	args[0] = keys[0];
	args[1] = keys[1];
	args[2] = keys[2];
	args[3] = wid;
	args[4] = cut;
	r = cm_redis_script(ctx, &pres_script_forget, 3, 2, args, NULL);
	rv = pres_redis_ok(r, "forget") && r->type == REDIS_REPLY_INTEGER &&
	    r->integer == 1;
	freeReplyObject(r);
	free(keys[0]);
	free(keys[1]);
	free(keys[2]);
	return (rv);
}
