/*
 * CM_MSG_SOCKET_REFRESH: every 30 s a gateway worker lists the sockets
 * it still holds,
 *
 *	{"gateway","worker","sockets":[{"sid","user":{..}}, ...]}
 *
 * Each live socket's row gets its 120 s back, its identity set and
 * presence record their safety hour, and the worker's membership set
 * (chat-worker) the time it was last seen, which the sweeper reads to
 * drop sockets that no worker lists any more.  A listed socket whose
 * row is gone and that did not close is recorded again: its worker had
 * been taken for dead, or its open was lost while presence-svc was
 * down.  queue-svc is sent a SOCKET_OPEN for each socket so restored:
 * a worker taken for dead had its sockets passed on to queue-svc as
 * closes (worker.c), and one that was only stalled (SIGSTOP, a long
 * pause) would otherwise leave its agents offline for routing until
 * they reconnect.  Bounded as those closes are (pres.h); for a socket
 * queue-svc never lost, the open changes nothing.
 *
 * The frame's org may be empty: a worker holds sockets of many orgs,
 * and each entry names its own.  If the frame names an org, every entry
 * must be of that org.  Entries are grouped by org (one Cluster slot
 * per script) and go in scripts of at most PRES_REFRESH_BATCH sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_REFRESH_BATCH	128

/* One listed socket; strings borrowed from the body or the principal. */
struct pres_entry {
	struct cm_principal	 user;
	const char		*sid;
	int			 restored;	/* by this refresh */
};

struct pres_tally {
	long long	 refreshed, restored, closed;
	int		 invalid;
};

static int	 pres_entry_cmp(const void *, const void *);
static int	 pres_entry_read(struct pres_entry *, const struct cm_frame *,
		    const cJSON *);
static int	 pres_refresh_run(struct cm_svc_ctx *, const char *,
		    const char *, struct pres_entry *, int,
		    struct pres_tally *);
static void	 pres_refresh_tell(struct cm_svc_ctx *, const char *,
		    const char *, const struct pres_entry *, int);

int
pres_socket_refresh(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct pres_tally	 t = { 0, 0, 0, 0 };
	struct pres_entry	*e;
	const cJSON		*socks, *it;
	const char		*gw;
	char			 slot[24];
	int			 n = 0, i, j, st = CM_ST_OK;

	socks = cJSON_GetObjectItemCaseSensitive(body, "sockets");
	gw = cm_json_str(body, "gateway");
	it = cJSON_GetObjectItemCaseSensitive(body, "worker");
	if (!cJSON_IsArray(socks) || gw == NULL || !cJSON_IsNumber(it) ||
	    strlen(gw) > PRES_GW_MAX || strchr(gw, ' ') != NULL) {
		*reply = cm_svc_error("BAD_FRAME", "refresh needs \"sockets\", "
		    "\"gateway\" and \"worker\"");
		return (CM_ST_BAD_FRAME);
	}
	snprintf(slot, sizeof(slot), "%d", it->valueint);
	pres_sweep_start(ctx);
	e = cm_calloc((size_t)cJSON_GetArraySize(socks) + 1, sizeof(*e));
	cJSON_ArrayForEach(it, socks) {
		if (pres_entry_read(&e[n], f, it) == 0)
			n++;
		else
			t.invalid++;
	}
	qsort(e, (size_t)n, sizeof(*e), pres_entry_cmp);
	for (i = 0; i < n && st == CM_ST_OK; i = j) {
		for (j = i + 1; j < n && j - i < PRES_REFRESH_BATCH &&
		    strcmp(e[j].user.org, e[i].user.org) == 0; j++)
			;
		if (i == 0 || strcmp(e[i - 1].user.org, e[i].user.org) != 0)
			pres_worker_note_org(ctx, gw, slot, e[i].user.org);
		st = pres_refresh_run(ctx, gw, slot, &e[i], j - i, &t);
	}
	if (t.restored > 0)
		pres_refresh_tell(ctx, gw, slot, e, n);
	free(e);
	if (st != CM_ST_OK) {
		*reply = cm_svc_error("SERVICE_UNAVAILABLE",
		    "presence store unreachable");
		return (st);
	}
	*reply = cJSON_CreateObject();
	cJSON_AddNumberToObject(*reply, "refreshed", (double)t.refreshed);
	cJSON_AddNumberToObject(*reply, "restored", (double)t.restored);
	cJSON_AddNumberToObject(*reply, "missing", (double)t.closed);
	cJSON_AddNumberToObject(*reply, "invalid", t.invalid);
	if (t.restored > 0 || t.closed > 0 || t.invalid > 0)
		cm_log_info("msg=\"refresh\" gateway=%s worker=%s "
		    "refreshed=%lld restored=%lld missing=%lld invalid=%d",
		    gw, slot, t.refreshed, t.restored, t.closed, t.invalid);
	return (CM_ST_OK);
}

static int
pres_entry_cmp(const void *a, const void *b)
{
	const struct pres_entry	*x = a, *y = b;

	return (strcmp(x->user.org, y->user.org));
}

/* Reads one {"sid","user"} entry; -1 if it is malformed. */
static int
pres_entry_read(struct pres_entry *e, const struct cm_frame *f,
    const cJSON *entry)
{
	const cJSON	*user;
	const char	*org, *why;

	e->sid = cm_json_str(entry, "sid");
	user = cJSON_GetObjectItemCaseSensitive(entry, "user");
	org = f->org[0] != '\0' ? f->org : cm_json_str(user, "org");
	if (e->sid == NULL || !pres_id_valid(e->sid, PRES_SID_MAX) ||
	    org == NULL || !cm_org_valid(org) ||
	    cm_svc_principal(user, org, &e->user, &why) == -1)
		return (-1);
	return (0);
}

/* Refreshes n sockets of one org in one script; adds to *t. */
static int
pres_refresh_run(struct cm_svc_ctx *ctx, const char *gw, const char *slot,
    struct pres_entry *e, int n, struct pres_tally *t)
{
	const redisReply	*back;
	size_t			 k;
	const struct cm_cfg	*cfg = ctx->cfg;
	const char		*org = e[0].user.org, *role;
	struct pres_args	 a = { 0 };
	redisReply		*r;
	int			 i, st = CM_ST_OK;

	pres_args_take(&a, pres_key_live(cfg, org));
	pres_args_take(&a, pres_key_worker(cfg, org, gw, slot));
	pres_args_take(&a, pres_key_closed(cfg, org));
	pres_args_take(&a, pres_key_online(cfg, org, "customer"));
	pres_args_take(&a, pres_key_online(cfg, org, "agent"));
	pres_args_take(&a, pres_key_online(cfg, org, "admin"));
	for (i = 0; i < n; i++)
		pres_args_sock(&a, cfg, org, e[i].sid,
		    cm_role_name(e[i].user.role), e[i].user.email);
	pres_args_fmt(&a, "%lld", (long long)cm_now_ms());
	pres_args_fmt(&a, "%d", PRES_SOCKET_TTL_S);
	pres_args_fmt(&a, "%d", PRES_SAFETY_TTL_S);
	pres_args_fmt(&a, "%d", PRES_AUX_TTL_S);
	pres_args_chans(&a, cfg, org);
	pres_args_add(&a, gw);
	pres_args_add(&a, slot);
	pres_args_add(&a, org);
	for (i = 0; i < n; i++) {
		role = cm_role_name(e[i].user.role);
		pres_args_add(&a, e[i].sid);
		pres_args_add(&a, role);
		pres_args_add(&a, e[i].user.email);
		pres_args_add(&a, e[i].user.name);
	}
	r = pres_args_run(ctx, &pres_script_refresh, &a, 6 + 4 * n);
	if (r == NULL)
		st = CM_ST_UNAVAILABLE;
	else if (r->type != REDIS_REPLY_ARRAY || r->elements != 4 ||
	    r->element[3]->type != REDIS_REPLY_ARRAY) {
		pres_redis_ok(r, "refresh");
		st = CM_ST_ERROR;
	} else {
		t->refreshed += r->element[0]->integer;
		t->restored += r->element[1]->integer;
		t->closed += r->element[2]->integer;
		back = r->element[3];
		for (k = 0; k < back->elements; k++)
			if (back->element[k]->type == REDIS_REPLY_INTEGER &&
			    back->element[k]->integer >= 0 &&
			    back->element[k]->integer < n)
				e[back->element[k]->integer].restored = 1;
	}
	freeReplyObject(r);
	pres_args_free(&a);
	return (st);
}

/* Sends queue-svc the SOCKET_OPEN of every restored socket, bounded. */
static void
pres_refresh_tell(struct cm_svc_ctx *ctx, const char *gw, const char *slot,
    const struct pres_entry *e, int n)
{
	int64_t		 until = cm_mono_ms() + PRES_TELL_BUDGET_MS, left;
	int		 i, told = 0, untold = 0;

	for (i = 0; i < n; i++) {
		if (!e[i].restored)
			continue;
		if (untold > 0 || (left = until - cm_mono_ms()) <= 0 ||
		    pres_tell_queue_open(ctx, e[i].user.org, e[i].sid,
		    &e[i].user, gw, slot, left < PRES_TELL_TIMEOUT_MS ?
		    (int)left : PRES_TELL_TIMEOUT_MS) == -1)
			untold++;	/* queue-svc is down or slow */
		else
			told++;
	}
	if (untold > 0)
		cm_log_warn("msg=\"queue-svc not told of restored sockets, "
		    "they stay offline for routing until they reconnect\" "
		    "gateway=%s worker=%s told=%d untold=%d", gw, slot, told,
		    untold);
	else
		cm_log_info("msg=\"queue-svc told of restored sockets\" "
		    "gateway=%s worker=%s told=%d", gw, slot, told);
}
