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
 *
 * A dead worker's sockets never sent SOCKET_CLOSE to queue-svc either,
 * whose offline delivery (chat-away, the replay on the identity's next
 * socket) waits for it.  So each socket the drop script removed is
 * passed on to queue-svc as the close the gateway would have sent,
 * once the scripts have run and the drop is logged: presence's own
 * state comes first.  A close queue-svc does not take is logged and not
 * sent again: its own ghost sweep (queue-svc/timer.c, 20 s) remains the
 * backstop.  The calls are bounded, PRES_TELL_TIMEOUT_MS each and
 * PRES_TELL_BUDGET_MS for one worker (pres.h), so that a slow or dead
 * queue-svc cannot hold up presence.  A worker taken for dead that was
 * only stalled lists its sockets again at its next refresh, which
 * sends queue-svc their SOCKET_OPEN again (refresh.c).
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
		    struct pres_drop *);
static int	 pres_drop_batch(struct cm_svc_ctx *, const char *,
		    const char *, redisReply **, int, long long, long long,
		    struct pres_drop *);
static void	 pres_drop_keep(const char *, const redisReply *,
		    struct pres_drop *);

int
pres_worker_heartbeat(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	const cJSON	*slot, *pid, *started;
	const char	*gw, *args[6];
	char		*wid = NULL, pid_s[24], started_s[24], now_s[24];
	char		*keys[2];
	redisReply	*r;
	struct pres_drop d = { .reason = "gateway worker replaced" };
	int		 st, rv;

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
		/*
		 * Sockets the new process opened itself stay.  The old one
		 * died before the new one started, and had beaten within
		 * presence_worker_timeout_ms of it.
		 */
		d.since = (int64_t)started->valuedouble -
		    ctx->cfg->presence_worker_timeout_ms;
		rv = pres_worker_drop(ctx, wid, (long long)started->valuedouble,
		    INT64_MAX, &d);
		if (rv == 0)
			cm_log_notice("msg=\"worker replaced\" worker=%s "
			    "old=\"%s\" pid=%s sockets_dropped=%d offline=%d",
			    wid, r->element[1]->str, pid_s, d.sockets,
			    d.offline);
		pres_worker_tell(ctx, wid, &d);
		if (rv == -1) {
			st = pres_redis_status(NULL, "heartbeat", reply);
			goto out;
		}
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
    long long conn_cutoff, long long seen_cutoff, struct pres_drop *d)
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
			    d);
	freeReplyObject(orgs);
	free(gw);
	return (rv);
}

/* Drops the worker's sockets in one org, PRES_DROP_BATCH at a time. */
static int
pres_drop_org(struct cm_svc_ctx *ctx, const char *gw, const char *slot,
    const char *org, long long conn_cutoff, long long seen_cutoff,
    struct pres_drop *d)
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
		    conn_cutoff, seen_cutoff, d);
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
    struct pres_drop *d)
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
	    r->type != REDIS_REPLY_ARRAY || r->elements != 3))
		rv = -1;
	else if (k > 0) {
		d->sockets += (int)r->element[0]->integer;
		d->offline += (int)r->element[1]->integer;
		pres_drop_keep(org, r->element[2], d);
	}
	freeReplyObject(r);
	pres_args_free(&a);
	for (i = 0; i < k; i++)
		free(part[3 * i]);
	free(part);
	return (rv);
}

/* An entry { sid, role, email, name } of the drop script's list. */
static int
pres_drop_entry_ok(const redisReply *e)
{
	size_t	 i;

	if (e->type != REDIS_REPLY_ARRAY || e->elements != 4)
		return (0);
	for (i = 0; i < 4; i++)
		if (e->element[i]->type != REDIS_REPLY_STRING)
			return (0);
	return (1);
}

/* Keeps the list of dropped sockets a drop script returned. */
static void
pres_drop_keep(const char *org, const redisReply *list, struct pres_drop *d)
{
	struct pres_gone	*g;
	const redisReply	*e;
	size_t			 i;

	if (d->reason == NULL || list->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < list->elements; i++) {
		e = list->element[i];
		if (!pres_drop_entry_ok(e))
			continue;
		if (d->ngone == d->capgone) {
			d->capgone = d->capgone ? 2 * d->capgone :
			    PRES_DROP_BATCH;
			d->gone = reallocarray(d->gone, d->capgone,
			    sizeof(*d->gone));
			if (d->gone == NULL)
				abort();	/* as cm_malloc: no limping */
		}
		g = &d->gone[d->ngone];
		memset(g, 0, sizeof(*g));
		if (cm_role_parse(e->element[1]->str, &g->user.role) == -1)
			continue;
		cm_strlcpy(g->sid, e->element[0]->str, sizeof(g->sid));
		cm_strlcpy(g->user.org, org, sizeof(g->user.org));
		cm_strlcpy(g->user.email, e->element[2]->str,
		    sizeof(g->user.email));
		cm_strlcpy(g->user.name, e->element[3]->str,
		    sizeof(g->user.name));
		d->ngone++;
	}
}

void
pres_worker_tell(struct cm_svc_ctx *ctx, const char *wid,
    struct pres_drop *d)
{
	int64_t		 until = cm_mono_ms() + PRES_TELL_BUDGET_MS, left;
	size_t		 i, told = 0;

	for (i = 0; i < d->ngone; i++) {
		if ((left = until - cm_mono_ms()) <= 0)
			break;
		if (pres_tell_queue_close(ctx, d->gone[i].user.org,
		    d->gone[i].sid, &d->gone[i].user, d->reason, d->since,
		    left < PRES_TELL_TIMEOUT_MS ? (int)left :
		    PRES_TELL_TIMEOUT_MS) == -1)
			break;		/* queue-svc is down or slow */
		told++;
	}
	if (told < d->ngone)
		cm_log_warn("msg=\"queue-svc not told of dropped sockets, "
		    "its ghost sweep will find them\" worker=%s told=%zu "
		    "untold=%zu", wid, told, d->ngone - told);
	else if (told > 0)
		cm_log_info("msg=\"queue-svc told of dropped sockets\" "
		    "worker=%s told=%zu", wid, told);
	free(d->gone);
	d->gone = NULL;
	d->ngone = d->capgone = 0;
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
