/*
 * queue-svc's Lua scripts.  Each runs atomically in Redis and declares
 * every key it touches in KEYS; KEYS and ARGV are listed above each.
 * The C side that fills them is in chat_message.c.
 */
#include "qs.h"

/*
 * Gets or creates the customer's open conversation.  The candidate id
 * comes from C (cm_random_id); it is used only if there is no open
 * conversation, with SET NX semantics (the script is atomic).
 * KEYS: open pointer, conversation hash and members set of the
 *       candidate.
 * ARGV: candidate chatId, customer email, customer name, now (ms),
 *       the customer's member string "customer:EMAIL".
 * Returns {chatId, 1 if created else 0}.
 */
struct cm_script qs_script_open = { .src = "\n"
"local open, conv, members = KEYS[1], KEYS[2], KEYS[3]\n"
"local id, email, name, now, member = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
"\n"
"local current = redis.call('GET', open)\n"
"if current then\n"
"	return {current, 0}\n"
"end\n"
"redis.call('SET', open, id)\n"
"redis.call('HSET', conv, 'chatId', id, 'status', 'open',\n"
"    'customerEmail', email, 'customerName', name, 'createdAt', now)\n"
"redis.call('SADD', members, member)\n"
"return {id, 1}\n"
};

/*
 * Stores one message once and delivers it to every member.  A
 * clientMsgId seen before returns the stored message unchanged: no new
 * entry, no second delivery.
 * KEYS: conversation hash, idempotency hash, history stream, members.
 * ARGV: chatId, clientMsgId, ts (ms), role, email, name, text, kind,
 *       identity channel head (the channel name up to ROLE:EMAIL, so
 *       head .. member is the member's identity channel).
 * Returns {message JSON, 1 if stored now else 0}.
 */
struct cm_script qs_script_append = { .src = "\n"
"local conv, idem, history, members = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n"
"local chat_id, cmid, ts = ARGV[1], ARGV[2], ARGV[3]\n"
"local role, email, name, text, kind = ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]\n"
"local head = ARGV[9]\n"
"\n"
"local stored = redis.call('HGET', idem, cmid)\n"
"if stored then\n"
"	return {stored, 0}\n"
"end\n"
"\n"
"local seq = redis.call('HINCRBY', conv, 'seq', 1)\n"
"local id = redis.call('XADD', history, '*', 'seq', seq, 'ts', ts,\n"
"    'role', role, 'email', email, 'name', name, 'text', text,\n"
"    'clientMsgId', cmid, 'kind', kind)\n"
"local json = cjson.encode({ id = id, chatId = chat_id, seq = seq,\n"
"    ts = tonumber(ts), text = text,\n"
"    from = { role = role, email = email, name = name } })\n"
"redis.call('HSET', idem, cmid, json)\n"
"redis.call('HSET', conv, 'lastMessageAt', ts)\n"
"\n"
"local event = 'chat-message ' .. json\n"
"for _, member in ipairs(redis.call('SMEMBERS', members)) do\n"
"	redis.call('PUBLISH', head .. member, event)\n"
"end\n"
"return {json, 1}\n"
};
