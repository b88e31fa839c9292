/*
 * queue-svc's Redis key families: the only place their names are
 * spelled.  Every key carries its org as a {hash tag}, so the keys of
 * one conversation share a Redis Cluster slot and one Lua script may
 * touch them all.
 *
 *	chat-open:{ORG}:customer:EMAIL	string: the customer's open chatId
 *	chat-conv:{ORG}:CHATID		hash: chatId, status, customerEmail,
 *					customerName, createdAt, seq (last
 *					sequence number), lastMessageAt
 *	chat-members:{ORG}:CHATID	set of "ROLE:EMAIL", the identities
 *					that receive the conversation
 *	chat-idem:{ORG}:CHATID		hash: clientMsgId -> message JSON
 *	chat-history:{ORG}:CHATID	stream: one entry per message (seq,
 *					ts, role, email, name, text,
 *					clientMsgId, kind)
 *
 * No TTLs yet: the conversation lifecycle (close, resume window,
 * retention) is issue 4's.  Each builder returns a malloc'd key; the
 * caller frees it.
 */
#ifndef QUEUE_KEYS_H
#define QUEUE_KEYS_H

#include "svc.h"

static inline char *
qs_key_open(const struct cm_cfg *cfg, const char *org, const char *role,
    const char *email)
{
	return (cm_key(cfg, "chat-open", org, role, email, NULL));
}

static inline char *
qs_key_conv(const struct cm_cfg *cfg, const char *org, const char *chat)
{
	return (cm_key(cfg, "chat-conv", org, chat, NULL, NULL));
}

static inline char *
qs_key_members(const struct cm_cfg *cfg, const char *org, const char *chat)
{
	return (cm_key(cfg, "chat-members", org, chat, NULL, NULL));
}

static inline char *
qs_key_idem(const struct cm_cfg *cfg, const char *org, const char *chat)
{
	return (cm_key(cfg, "chat-idem", org, chat, NULL, NULL));
}

static inline char *
qs_key_history(const struct cm_cfg *cfg, const char *org, const char *chat)
{
	return (cm_key(cfg, "chat-history", org, chat, NULL, NULL));
}

#endif
