/*
 * One room as an operation sees it (room.h): its keys, the caller as a
 * member, who may read it, and the sweeper's schedule of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "presence_keys.h"
#include "room.h"
#include "util.h"

int
pres_room_init(struct pres_room *rm, struct cm_svc_ctx *ctx,
    const struct pres_call *c, struct pres_err *e)
{
	const char	*id;
	char		 mkey[CM_EMAIL_MAX + 16];

	memset(rm, 0, sizeof(*rm));
	if (pres_arg_str(c->args, "roomId", PRES_ROOM_MAX, 1, &id, e) == -1)
		return (-1);
	if (!pres_id_valid(id, PRES_ROOM_MAX)) {
		pres_fail(e, 400, "BAD_REQUEST", "roomId must be 1 to %d "
		    "characters of A-Z a-z 0-9 . _ -", PRES_ROOM_MAX);
		return (-1);
	}
	snprintf(mkey, sizeof(mkey), "%s:%s", cm_role_name(c->user->role),
	    c->user->email);
	if (pres_room_setup(rm, ctx->cfg, c->user->org, id, mkey) == -1) {
		pres_fail(e, 500, "INTERNAL", "channel name too long");
		return (-1);
	}
	return (0);
}

int
pres_room_setup(struct pres_room *rm, const struct cm_cfg *cfg,
    const char *org, const char *id, const char *mkey)
{
	memset(rm, 0, sizeof(*rm));
	rm->org = org;
	rm->id = id;
	cm_strlcpy(rm->mkey, mkey, sizeof(rm->mkey));
	snprintf(rm->due, sizeof(rm->due), "%s %s", org, id);
	rm->room = pres_key_room(cfg, org, id);
	rm->members = pres_key_room_members(cfg, org, id);
	rm->member = pres_key_room_member(cfg, org, id, rm->mkey);
	rm->log = pres_key_room_log(cfg, org, id);
	rm->duekey = pres_key_room_due(cfg);
	return (pres_chan_ident_prefix(rm->chanpre, sizeof(rm->chanpre), cfg,
	    org));
}

void
pres_room_free(struct pres_room *rm)
{
	free(rm->room);
	free(rm->members);
	free(rm->member);
	free(rm->log);
	free(rm->duekey);
}

void
pres_room_schedule(struct cm_svc_ctx *ctx, const struct pres_room *rm,
    long long deadline)
{
	const char	*args[4];
	char		 dl[24], now[24];
	redisReply	*r;

	snprintf(dl, sizeof(dl), "%lld", deadline);
	snprintf(now, sizeof(now), "%lld", (long long)cm_now_ms());
	args[0] = rm->duekey;
	args[1] = rm->due;
	args[2] = dl;
	args[3] = now;
	r = cm_redis_script(ctx, &pres_script_due_set, 1, 3, args, NULL);
	pres_redis_ok(r, "room-schedule");
	freeReplyObject(r);
}

int
pres_room_may_read(struct cm_svc_ctx *ctx, const struct pres_call *c,
    const struct pres_room *rm, struct pres_err *e)
{
	redisReply	*r;
	int		 ok;

	if (pres_is_staff(c->user))
		return (1);
	r = cm_redis_command(ctx, "ZSCORE %s %s", rm->members, rm->mkey);
	if (!pres_redis_ok(r, "room-member")) {
		pres_fail_redis(e, r, "room-member");
		ok = 0;
	} else if (!(ok = r->type == REDIS_REPLY_STRING &&
	    strtoll(r->str, NULL, 10) > cm_now_ms()))
		pres_fail(e, 404, "NOT_FOUND", "no room %s", rm->id);
	freeReplyObject(r);
	return (ok);
}
