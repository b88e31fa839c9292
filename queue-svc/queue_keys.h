/*
 * queue-svc's Redis key families: the only place their names are
 * spelled.  The C builders below and the Lua key function (scripts.c,
 * lua_lib.c) both take the family from these macros.  Every key carries
 * its org as a {hash tag}, so all the keys of one org share a Redis
 * Cluster slot and a Lua script may touch any of them.
 *
 * Conversations:
 *	chat-open:{ORG}:customer:EMAIL	string: the customer's open chatId
 *	chat-conv:{ORG}:CHATID		hash: the conversation (fields in
 *					confab(7), "Redis keys")
 *	chat-members:{ORG}:CHATID	set of "ROLE:EMAIL" who receive it now
 *	chat-access:{ORG}:CHATID	set of "ROLE:EMAIL" who ever were
 *					members (may read it)
 *	chat-idem:{ORG}:CHATID		hash: "ROLE:EMAIL|clientMsgId" ->
 *					the stored message's JSON
 *	chat-history:{ORG}:CHATID	stream, entry id "SEQ-0": seq, ts,
 *					role, email, name, text,
 *					clientMsgId, kind (user | system)
 *	chat-edits:{ORG}:CHATID		hash: seq -> JSON of an edit/delete
 *	chat-tags:{ORG}:CHATID		set of tags
 *	chat-labels:{ORG}:CHATID	hash: "chat" or a seq -> training
 *					label JSON {label, by, at}
 *	chat-labeled:{ORG}		zset: chats with labels -> last label
 *					time
 *	chat-notes:{ORG}:CHATID		hash: note id -> note JSON
 *	chat-typing:{ORG}:CHATID	hash: "ROLE:EMAIL" -> "sentAt until"
 *	chat-watchers:{ORG}:CHATID	zset: "ROLE:EMAIL" watching it live ->
 *					until (ms); TTL presence_watch_ttl_s
 *	chat-index:{ORG}		zset: chatId -> createdAt, every chat
 *	chat-index:{ORG}:ROLE:EMAIL	zset: the chats one identity was in
 *
 * Queues and agents:
 *	chat-queue:{ORG}:SKILL		zset: chatId -> (9 - priority) * 1e13
 *					+ queuedAt ms; lowest served first
 *	chat-queues:{ORG}		set of skills that have had a queue
 *	chat-active:{ORG}		set of chats assigned to an agent
 *	chat-ai:{ORG}			set of chats handled by the assistant
 *	chat-agents:{ORG}		zset: online "ROLE:EMAIL" -> load
 *					(chats assigned now)
 *	chat-skill:{ORG}:SKILL		set of online agents with the skill
 *	chat-agent:{ORG}:ROLE:EMAIL	hash: name, skills (comma list),
 *					maxChats
 *	chat-load:{ORG}:ROLE:EMAIL	set of the chats assigned to an agent
 *	chat-handle:{ORG}		list: handle times (s) of the last 50
 *					resolved chats, newest first
 *	chat-resolved:{ORG}:YYYYMMDD	counter of chats closed that UTC day
 *	chat-canned:{ORG}		hash: id -> a canned response's JSON
 *	chat-teams:{ORG}		hash: team id -> {id, name, parent,
 *					lead, members}
 *	chat-org:{ORG}			hash: per-org settings (autoAssign;
 *					hooks: how many webhooks it has)
 *	chat-dirty:{ORG}		string: set when the stats changed
 *
 * Sockets and timers:
 *	chat-sockets:{ORG}:ROLE:EMAIL	set of the identity's socket ids
 *	chat-conn:{ORG}			zset: "ROLE:EMAIL" with sockets ->
 *					0, or since when its channel has had
 *					no subscriber (ms)
 *	chat-away:{ORG}:ROLE:EMAIL	string: ms since when the identity
 *					has had no socket; TTL the resume
 *					window (24 h if unlimited)
 *	chat-preferred:{ORG}:customer:EMAIL string: "agent:EMAIL" the
 *					customer chose; TTL as chat-away
 *	chat-visitor:{ORG}:customer:EMAIL string: the chat config the
 *					customer's socket named
 *					(auth.context.configId); TTL as
 *					chat-away
 *	chat-timers:{ORG}		zset: "i:CHATID" (inactivity) and
 *					"t:CHATID|ROLE:EMAIL" (typing) -> due
 *	chat-orgs			set of the orgs with queue-svc state,
 *					for the timer thread (no org tag)
 *
 * Webhooks (hooks.c, lua_hooks.c):
 *	chat-webhooks:{ORG}		hash: webhook id -> {id, url, events,
 *					secret, createdAt}
 *	chat-hooks:{ORG}		stream of events: org, kind, json, ts
 *					(MAXLEN ~ 10000; group "hooks")
 *	chat-hook-due:{ORG}		zset: a delivery's JSON {d, w, e, a,
 *					t, j} -> when it is due (ms); leased
 *					60 s ahead while being sent
 *	chat-hook-log:{ORG}:ID		list: the webhook's last 50 attempts
 *	chat-hook-orgs			set of the orgs with webhooks, for the
 *					dispatcher (no org tag)
 *
 * No TTLs but chat-away, chat-visitor, chat-preferred, chat-watchers and
 * chat-resolved (48 h): conversations are kept
 * for good until retention exists.
 *
 * Each builder returns a malloc'd key; the caller frees it.
 */
#ifndef QUEUE_KEYS_H
#define QUEUE_KEYS_H

#include "svc.h"
#include "util.h"

#define QS_FAM_OPEN	"chat-open"
#define QS_FAM_CONV	"chat-conv"
#define QS_FAM_MEMBERS	"chat-members"
#define QS_FAM_ACCESS	"chat-access"
#define QS_FAM_IDEM	"chat-idem"
#define QS_FAM_HISTORY	"chat-history"
#define QS_FAM_EDITS	"chat-edits"
#define QS_FAM_TAGS	"chat-tags"
#define QS_FAM_NOTES	"chat-notes"
#define QS_FAM_TYPING	"chat-typing"
#define QS_FAM_INDEX	"chat-index"
#define QS_FAM_QUEUE	"chat-queue"
#define QS_FAM_QUEUES	"chat-queues"
#define QS_FAM_ACTIVE	"chat-active"
#define QS_FAM_AI	"chat-ai"
#define QS_FAM_AGENTS	"chat-agents"
#define QS_FAM_SKILL	"chat-skill"
#define QS_FAM_AGENT	"chat-agent"
#define QS_FAM_LOAD	"chat-load"
#define QS_FAM_HANDLE	"chat-handle"
#define QS_FAM_RESOLVED	"chat-resolved"
#define QS_FAM_ORG	"chat-org"
#define QS_FAM_DIRTY	"chat-dirty"
#define QS_FAM_SOCKETS	"chat-sockets"
#define QS_FAM_CONN	"chat-conn"
#define QS_FAM_AWAY	"chat-away"
#define QS_FAM_VISITOR	"chat-visitor"
#define QS_FAM_WATCHERS	"chat-watchers"
#define QS_FAM_PREFERRED "chat-preferred"
#define QS_FAM_LABELS	"chat-labels"
#define QS_FAM_LABELED	"chat-labeled"
#define QS_FAM_CANNED	"chat-canned"
#define QS_FAM_TEAMS	"chat-teams"
#define QS_FAM_TIMERS	"chat-timers"
#define QS_FAM_WEBHOOKS	"chat-webhooks"
#define QS_FAM_HOOKS	"chat-hooks"
#define QS_FAM_HOOK_DUE	"chat-hook-due"
#define QS_FAM_HOOK_LOG	"chat-hook-log"
#define QS_KEY_ORGS	"chat-orgs"
#define QS_KEY_HOOK_ORGS "chat-hook-orgs"

/* The queue of conversations that need no particular skill. */
#define QS_SKILL_DEFAULT	"default"

/* A key of family fam for org, with up to two more parts. */
static inline char *
qs_key(const struct cm_cfg *cfg, const char *fam, const char *org,
    const char *a, const char *b)
{
	return (cm_key(cfg, fam, org, a, b, NULL));
}

/* The per-conversation families. */
static inline char *
qs_key_chat(const struct cm_cfg *cfg, const char *fam, const char *org,
    const char *chat)
{
	return (cm_key(cfg, fam, org, chat, NULL, NULL));
}

/* The keys without an org: the set of orgs, of orgs with webhooks. */
static inline char *
qs_key_orgs(const struct cm_cfg *cfg)
{
	struct cm_buf	 b = { 0 };

	cm_buf_printf(&b, "%s%s", cfg->key_prefix, QS_KEY_ORGS);
	return (b.data);
}

static inline char *
qs_key_hook_orgs(const struct cm_cfg *cfg)
{
	struct cm_buf	 b = { 0 };

	cm_buf_printf(&b, "%s%s", cfg->key_prefix, QS_KEY_HOOK_ORGS);
	return (b.data);
}

#endif
