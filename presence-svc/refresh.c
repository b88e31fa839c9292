/*
 * CM_MSG_SOCKET_REFRESH: every 30 s a gateway worker lists the sockets
 * it still holds, {"gateway","worker","sids":["..."]}.  Each socket row
 * gets its 120 s back, and the identity set and presence record behind
 * it their safety hour, so only the sockets of a dead worker expire.
 *
 * A frame lists the sockets of one org, the org of its header: a row's
 * key contains its org, and the frame carries exactly one (the gateway
 * sends one frame per org).
 *
 * Sockets go in batches of PRES_REFRESH_BATCH, each two pipelined round
 * trips: first EXPIRE every row and read whom it belongs to, then
 * EXPIRE those identities' keys.  A listed socket whose row is gone is
 * counted as missing; issue 3's ghost handling decides what to do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pres.h"
#include "presence_keys.h"
#include "util.h"

#define PRES_REFRESH_BATCH	128

/* One batch and the keys it built (owned). */
struct pres_batch {
	const char		*sids[PRES_REFRESH_BATCH];	/* borrowed */
	int			 n;
	char			*keys[3 * PRES_REFRESH_BATCH];
	int			 nkeys;
	struct cm_redis_cmd	 cmds[2 * PRES_REFRESH_BATCH];
	redisReply		*out[2 * PRES_REFRESH_BATCH];
	int			 refreshed, missing;
};

static int	 pres_refresh_batch(struct cm_svc_ctx *, const char *,
		    struct pres_batch *);
static int	 pres_refresh_owners(struct cm_svc_ctx *, const char *,
		    struct pres_batch *);
static char	*pres_batch_key(struct pres_batch *, char *);
static void	 pres_batch_reset(struct pres_batch *);

int
pres_socket_refresh(struct cm_svc_ctx *ctx, const struct cm_frame *f,
    const cJSON *body, cJSON **reply)
{
	struct pres_batch	*b;
	const cJSON		*sids, *it;
	int			 st = CM_ST_OK;

	sids = cJSON_GetObjectItemCaseSensitive(body, "sids");
	if (!cJSON_IsArray(sids) || f->org[0] == '\0') {
		*reply = cm_svc_error("BAD_FRAME",
		    "refresh needs \"sids\" and the org in the frame header");
		return (CM_ST_BAD_FRAME);
	}
	b = cm_calloc(1, sizeof(*b));		/* ~25 KB */
	cJSON_ArrayForEach(it, sids) {
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
		    strlen(it->valuestring) > PRES_SID_MAX)
			continue;
		b->sids[b->n++] = it->valuestring;
		if (b->n == PRES_REFRESH_BATCH &&
		    (st = pres_refresh_batch(ctx, f->org, b)) != CM_ST_OK)
			break;
	}
	if (st == CM_ST_OK && b->n > 0)
		st = pres_refresh_batch(ctx, f->org, b);
	if (st == CM_ST_OK) {
		*reply = cJSON_CreateObject();
		cJSON_AddNumberToObject(*reply, "refreshed", b->refreshed);
		cJSON_AddNumberToObject(*reply, "missing", b->missing);
		if (b->missing > 0)
			cm_log_info("msg=\"refresh found missing sockets\" "
			    "org=%s missing=%d", f->org, b->missing);
	} else
		*reply = cm_svc_error("SERVICE_UNAVAILABLE",
		    "presence store unreachable");
	free(b);
	return (st);
}

/* Takes ownership of key and returns it. */
static char *
pres_batch_key(struct pres_batch *b, char *key)
{
	b->keys[b->nkeys++] = key;
	return (key);
}

/* Frees what one batch built and empties it for the next. */
static void
pres_batch_reset(struct pres_batch *b)
{
	int	 i;

	for (i = 0; i < b->nkeys; i++)
		free(b->keys[i]);
	for (i = 0; i < 2 * PRES_REFRESH_BATCH; i++) {
		freeReplyObject(b->out[i]);
		b->out[i] = NULL;
	}
	b->nkeys = 0;
	b->n = 0;
}

/* Round trip one: EXPIRE each row and HMGET its owner. */
static int
pres_refresh_batch(struct cm_svc_ctx *ctx, const char *org,
    struct pres_batch *b)
{
	char			 ttl[16];
	struct cm_redis_cmd	*c;
	char			*row;
	int			 i, st = CM_ST_OK;

	snprintf(ttl, sizeof(ttl), "%d", PRES_SOCKET_TTL_S);
	for (i = 0; i < b->n; i++) {
		row = pres_batch_key(b, pres_key_socket(ctx->cfg, org,
		    b->sids[i]));
		c = &b->cmds[2 * i];
		*c = (struct cm_redis_cmd){ 3, { "EXPIRE", row, ttl } };
		c = &b->cmds[2 * i + 1];
		*c = (struct cm_redis_cmd){ 4, { "HMGET", row, "role",
		    "email" } };
	}
	if (cm_redis_pipeline(ctx, 2 * b->n, b->cmds, b->out) == -1)
		st = CM_ST_UNAVAILABLE;
	else
		st = pres_refresh_owners(ctx, org, b);
	pres_batch_reset(b);
	return (st);
}

/* Round trip two: EXPIRE the identity and presence key of each owner. */
static int
pres_refresh_owners(struct cm_svc_ctx *ctx, const char *org,
    struct pres_batch *b)
{
	char			 ttl[16];
	struct cm_redis_cmd	 cmds[2 * PRES_REFRESH_BATCH];
	redisReply		*out[2 * PRES_REFRESH_BATCH], *own;
	const char		*role, *email;
	int			 i, n = 0;

	snprintf(ttl, sizeof(ttl), "%d", PRES_SAFETY_TTL_S);
	for (i = 0; i < b->n; i++) {
		own = b->out[2 * i + 1];
		if (b->out[2 * i]->type != REDIS_REPLY_INTEGER ||
		    b->out[2 * i]->integer != 1 ||
		    own->type != REDIS_REPLY_ARRAY || own->elements != 2 ||
		    own->element[0]->type != REDIS_REPLY_STRING ||
		    own->element[1]->type != REDIS_REPLY_STRING) {
			b->missing++;
			continue;
		}
		role = own->element[0]->str;
		email = own->element[1]->str;
		cmds[n++] = (struct cm_redis_cmd){ 3, { "EXPIRE",
		    pres_batch_key(b, pres_key_identity(ctx->cfg, org, role,
		    email)), ttl } };
		cmds[n++] = (struct cm_redis_cmd){ 3, { "EXPIRE",
		    pres_batch_key(b, pres_key_presence(ctx->cfg, org, role,
		    email)), ttl } };
		b->refreshed++;
	}
	if (n > 0 && cm_redis_pipeline(ctx, n, cmds, out) == -1)
		return (CM_ST_UNAVAILABLE);
	for (i = 0; i < n; i++)
		freeReplyObject(out[i]);
	return (CM_ST_OK);
}
