/*
 * CM_MSG_SOCKET_REFRESH: every 30 s a gateway worker lists the sockets
 * it still holds,
 *
 *	{"gateway","worker","sockets":[{"sid","user":{..}}, ...]}
 *
 * Each socket row gets its 120 s back, and the identity set and the
 * presence record behind it their safety hour, so that only the sockets
 * of a dead worker expire.  The frame's org may be empty: a worker
 * holds sockets of many orgs, and each entry names its own.  If the
 * frame names an org, every entry must be of that org.
 *
 * Sockets go in batches of PRES_REFRESH_BATCH, three EXPIREs each, in
 * one pipelined round trip per batch.  A listed socket whose row is
 * gone is counted as missing; issue 3's ghost handling decides what to
 * do about it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_REFRESH_BATCH	128

/* One batch of commands and the keys they name (owned). */
struct pres_batch {
	int			 n;		/* sockets in the batch */
	char			*keys[3 * PRES_REFRESH_BATCH];
	struct cm_redis_cmd	 cmds[3 * PRES_REFRESH_BATCH];
	redisReply		*out[3 * PRES_REFRESH_BATCH];
	char			 ttl[16], safety[16];
	int			 refreshed, missing, invalid;
};

static int	 pres_batch_add(struct pres_batch *, const struct cm_cfg *,
		    const struct cm_frame *, const cJSON *);
static int	 pres_batch_run(struct cm_svc_ctx *, struct pres_batch *);

int
pres_socket_refresh(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct pres_batch	*b;
	const cJSON		*socks, *it;
	int			 st = CM_ST_OK;

	socks = cJSON_GetObjectItemCaseSensitive(body, "sockets");
	if (!cJSON_IsArray(socks)) {
		*reply = cm_svc_error("BAD_FRAME", "refresh needs \"sockets\"");
		return (CM_ST_BAD_FRAME);
	}
	b = cm_calloc(1, sizeof(*b));		/* ~20 KB */
	snprintf(b->ttl, sizeof(b->ttl), "%d", PRES_SOCKET_TTL_S);
	snprintf(b->safety, sizeof(b->safety), "%d", PRES_SAFETY_TTL_S);
	cJSON_ArrayForEach(it, socks) {
		if (pres_batch_add(b, ctx->cfg, f, it) == -1)
			b->invalid++;
		if (b->n == PRES_REFRESH_BATCH &&
		    (st = pres_batch_run(ctx, b)) != CM_ST_OK)
			break;
	}
	if (st == CM_ST_OK && b->n > 0)
		st = pres_batch_run(ctx, b);
	if (st == CM_ST_OK) {
		*reply = cJSON_CreateObject();
		cJSON_AddNumberToObject(*reply, "refreshed", b->refreshed);
		cJSON_AddNumberToObject(*reply, "missing", b->missing);
		cJSON_AddNumberToObject(*reply, "invalid", b->invalid);
		if (b->missing > 0 || b->invalid > 0)
			cm_log_info("msg=\"refresh\" refreshed=%d missing=%d "
			    "invalid=%d", b->refreshed, b->missing,
			    b->invalid);
	} else
		*reply = cm_svc_error("SERVICE_UNAVAILABLE",
		    "presence store unreachable");
	free(b);
	return (st);
}

/*
 * Adds the three EXPIREs of one {"sid","user"} entry to the batch.
 * Returns -1, adding nothing, if the entry is malformed.
 */
static int
pres_batch_add(struct pres_batch *b, const struct cm_cfg *cfg,
    const struct cm_frame *f, const cJSON *entry)
{
	struct cm_principal	 u;
	const cJSON		*user;
	const char		*sid, *org, *role, *why;
	char			**k = &b->keys[3 * b->n];
	struct cm_redis_cmd	*c = &b->cmds[3 * b->n];

	sid = cm_json_str(entry, "sid");
	user = cJSON_GetObjectItemCaseSensitive(entry, "user");
	org = f->org[0] != '\0' ? f->org : cm_json_str(user, "org");
	if (sid == NULL || sid[0] == '\0' || strlen(sid) > PRES_SID_MAX ||
	    org == NULL || !cm_org_valid(org) ||
	    cm_svc_principal(user, org, &u, &why) == -1)
		return (-1);
	role = cm_role_name(u.role);
	k[0] = pres_key_socket(cfg, org, sid);
	k[1] = pres_key_identity(cfg, org, role, u.email);
	k[2] = pres_key_presence(cfg, org, role, u.email);
	c[0] = (struct cm_redis_cmd){ 3, { "EXPIRE", k[0], b->ttl } };
	c[1] = (struct cm_redis_cmd){ 3, { "EXPIRE", k[1], b->safety } };
	c[2] = (struct cm_redis_cmd){ 3, { "EXPIRE", k[2], b->safety } };
	b->n++;
	return (0);
}

/* Sends the batch, counts the outcome, and empties the batch. */
static int
pres_batch_run(struct cm_svc_ctx *ctx, struct pres_batch *b)
{
	redisReply	*row;
	int		 i, st = CM_ST_OK;

	if (cm_redis_pipeline(ctx, 3 * b->n, b->cmds, b->out) == -1)
		st = CM_ST_UNAVAILABLE;
	for (i = 0; i < b->n && st == CM_ST_OK; i++) {
		row = b->out[3 * i];
		if (row->type == REDIS_REPLY_INTEGER && row->integer == 1)
			b->refreshed++;
		else
			b->missing++;
	}
	for (i = 0; i < 3 * b->n; i++) {
		free(b->keys[i]);
		freeReplyObject(b->out[i]);
		b->keys[i] = NULL;
		b->out[i] = NULL;
	}
	b->n = 0;
	return (st);
}
