/*
 * presence-svc's Redis key families (seed 000_01d20d557eff08e5): the
 * only place their names are spelled.  Every key carries its org as a
 * {hash tag}, so one Lua script touches one Redis Cluster slot.
 *
 *	chat-socket:{ORG}:SID		hash: one live socket (email, role,
 *					org, name, ipAddress, userAgent,
 *					currentUrl, connectedAt, gateway,
 *					worker); TTL 120 s, refreshed while
 *					the socket lives
 *	chat-identity:{ORG}:ROLE:EMAIL	set of SIDs; non-empty = online;
 *					safety TTL 1 h
 *	chat-presence:{ORG}:ROLE:EMAIL	hash: name, role, email, status,
 *					onlineSince, lastActivity; safety
 *					TTL 1 h, gone when the last socket
 *					closes
 *
 * Each builder returns a malloc'd key; the caller frees it.
 */
#ifndef PRESENCE_KEYS_H
#define PRESENCE_KEYS_H

#include "svc.h"

#define PRES_SOCKET_TTL_S	120
#define PRES_SAFETY_TTL_S	3600

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

#endif
