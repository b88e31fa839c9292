/*
 * presence-svc's Redis key families: the only place their names are
 * spelled.  Every key of an org carries the org as a {hash tag}, so one
 * Lua script touches one Redis Cluster slot.  The few keys that are not
 * about one org (the gateway worker registry, the room and watch expiry
 * schedules) carry the tag {#}, which no org id can spell.
 *
 * Seed 000 (sockets and identities):
 *	chat-socket:{ORG}:SID		hash: one live socket (email, role,
 *					org, name, ipAddress, userAgent,
 *					currentUrl, connectedAt, gateway,
 *					worker); TTL 120 s, refreshed
 *	chat-identity:{ORG}:ROLE:EMAIL	set of SIDs; non-empty = online;
 *					safety TTL 1 h, refreshed
 *	chat-presence:{ORG}:ROLE:EMAIL	hash: name, role, email, status,
 *					skills, location, currentUrl,
 *					onlineSince, lastActivity; safety
 *					TTL 1 h; gone with the last socket
 * Indexes and liveness:
 *	chat-online:{ORG}:ROLE		set of the online EMAILs of a role
 *	chat-live:{ORG}			set of the org's live SIDs
 *	chat-closed:{ORG}		zset SID -> closedAt: sockets closed
 *					in the last 120 s (never revived)
 *	chat-worker:{ORG}:GW:SLOT	zset "SID ROLE EMAIL" -> last seen
 *					(ms): the sockets a gateway worker
 *					holds; safety TTL 1 h
 *	chat-gw:{#}:workers		hash GW:SLOT -> "PID STARTEDAT"
 *	chat-gw:{#}:beats		zset GW:SLOT -> last heartbeat (ms)
 *	chat-gw:{#}:orgs:GW:SLOT	set of orgs with sockets on a worker
 * Beyond one connection:
 *	chat-status:{ORG}:EMAIL		hash: status, statusAt, statusBy,
 *					skills, name, role, lastActivity,
 *					lastSeen; TTL 30 days, refreshed
 *	chat-visitor:{ORG}:EMAIL	hash: name, state, stateAt, lastSeen,
 *					lastActivity, currentUrl; TTL 30 days
 *	chat-visits:{ORG}:EMAIL		list of web-visit rows (JSON), newest
 *					first, at most 200; TTL 30 days
 *	chat-watch:{ORG}:EMAIL		hash KIND:AGENT:CHATID -> until (ms):
 *					who watches a customer; a run-out
 *					entry stays until the sweeper takes
 *					it; TTL presence_watch_ttl_s +
 *					PRES_WATCH_KEEP_S
 *	chat-watch-due:{#}		zset "ORG EMAIL" -> when a watch of
 *					the customer may run out next
 * Rooms (seed 002):
 *	chat-room:{ORG}:ROOM		hash: ticketId, priority,
 *					assignedAgentId, status, createdAt,
 *					createdBy, updatedAt; idle TTL 30 d
 *	chat-room-members:{ORG}:ROOM	zset ROLE:EMAIL -> presence deadline
 *	chat-room-member:{ORG}:ROOM:ROLE:EMAIL  hash: role, email, name,
 *					metadata, status, typing, typingAt,
 *					joinedAt, updatedAt; TTL
 *					presence_room_ttl_s
 *	chat-room-log:{ORG}:ROOM	stream: the room's history; kept
 *					without TTL when destroyed keeping it
 *	chat-room-due:{#}		zset "ORG ROOM" -> next member expiry
 *
 * Each builder returns a malloc'd key; the caller frees it.
 */
#ifndef PRESENCE_KEYS_H
#define PRESENCE_KEYS_H

#include "svc.h"

#define PRES_SOCKET_TTL_S	120
#define PRES_SAFETY_TTL_S	3600
#define PRES_CLOSED_TTL_MS	120000
#define PRES_AUX_TTL_S		(30 * 86400)	/* chat-status, -visitor, -visits */
#define PRES_VISITS_MAX		200
#define PRES_WATCH_KEEP_S	300	/* chat-watch outlives its last watch */
#define PRES_ROOM_IDLE_TTL_S	(30 * 86400)
#define PRES_ROOM_LOG_MAX	1000
#define PRES_GLOBAL_TAG		"#"

static inline char *
pres_key_socket(const struct cm_cfg *cfg, const char *org, const char *sid)
{
	return (cm_key(cfg, "chat-socket", org, sid, NULL, NULL));
}

static inline char *
pres_key_identity(const struct cm_cfg *cfg, const char *org,
    const char *role, const char *email)
{
	return (cm_key(cfg, "chat-identity", org, role, email, NULL));
}

static inline char *
pres_key_presence(const struct cm_cfg *cfg, const char *org,
    const char *role, const char *email)
{
	return (cm_key(cfg, "chat-presence", org, role, email, NULL));
}

static inline char *
pres_key_online(const struct cm_cfg *cfg, const char *org, const char *role)
{
	return (cm_key(cfg, "chat-online", org, role, NULL, NULL));
}

static inline char *
pres_key_live(const struct cm_cfg *cfg, const char *org)
{
	return (cm_key(cfg, "chat-live", org, NULL, NULL, NULL));
}

static inline char *
pres_key_closed(const struct cm_cfg *cfg, const char *org)
{
	return (cm_key(cfg, "chat-closed", org, NULL, NULL, NULL));
}

static inline char *
pres_key_worker(const struct cm_cfg *cfg, const char *org, const char *gw,
    const char *slot)
{
	return (cm_key(cfg, "chat-worker", org, gw, slot, NULL));
}

static inline char *
pres_key_gw_workers(const struct cm_cfg *cfg)
{
	return (cm_key(cfg, "chat-gw", PRES_GLOBAL_TAG, "workers", NULL,
	    NULL));
}

static inline char *
pres_key_gw_beats(const struct cm_cfg *cfg)
{
	return (cm_key(cfg, "chat-gw", PRES_GLOBAL_TAG, "beats", NULL, NULL));
}

/* wid is "GW:SLOT". */
static inline char *
pres_key_gw_orgs(const struct cm_cfg *cfg, const char *wid)
{
	return (cm_key(cfg, "chat-gw", PRES_GLOBAL_TAG, "orgs", wid, NULL));
}

static inline char *
pres_key_status(const struct cm_cfg *cfg, const char *org, const char *email)
{
	return (cm_key(cfg, "chat-status", org, email, NULL, NULL));
}

static inline char *
pres_key_visitor(const struct cm_cfg *cfg, const char *org,
    const char *email)
{
	return (cm_key(cfg, "chat-visitor", org, email, NULL, NULL));
}

/* The identity's long-lived hash: chat-visitor or chat-status. */
static inline char *
pres_key_aux(const struct cm_cfg *cfg, const char *org, const char *role,
    const char *email)
{
	if (role[0] == 'c')		/* "customer" */
		return (pres_key_visitor(cfg, org, email));
	return (pres_key_status(cfg, org, email));
}

static inline char *
pres_key_visits(const struct cm_cfg *cfg, const char *org, const char *email)
{
	return (cm_key(cfg, "chat-visits", org, email, NULL, NULL));
}

static inline char *
pres_key_watch(const struct cm_cfg *cfg, const char *org, const char *email)
{
	return (cm_key(cfg, "chat-watch", org, email, NULL, NULL));
}

static inline char *
pres_key_watch_due(const struct cm_cfg *cfg)
{
	return (cm_key(cfg, "chat-watch-due", PRES_GLOBAL_TAG, NULL, NULL,
	    NULL));
}

static inline char *
pres_key_room(const struct cm_cfg *cfg, const char *org, const char *room)
{
	return (cm_key(cfg, "chat-room", org, room, NULL, NULL));
}

static inline char *
pres_key_room_members(const struct cm_cfg *cfg, const char *org,
    const char *room)
{
	return (cm_key(cfg, "chat-room-members", org, room, NULL, NULL));
}

/* mkey is "ROLE:EMAIL". */
static inline char *
pres_key_room_member(const struct cm_cfg *cfg, const char *org,
    const char *room, const char *mkey)
{
	return (cm_key(cfg, "chat-room-member", org, room, mkey, NULL));
}

static inline char *
pres_key_room_log(const struct cm_cfg *cfg, const char *org,
    const char *room)
{
	return (cm_key(cfg, "chat-room-log", org, room, NULL, NULL));
}

static inline char *
pres_key_room_due(const struct cm_cfg *cfg)
{
	return (cm_key(cfg, "chat-room-due", PRES_GLOBAL_TAG, NULL, NULL,
	    NULL));
}

#endif
