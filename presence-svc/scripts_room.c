/*
 * The Lua of room presence (seed 002).  A room is a hash of metadata,
 * a sorted set of members scored by the time their presence runs out,
 * one hash per member (with the same lifetime), and a stream of what
 * happened (the room's history).  Every change first removes the
 * members whose presence ran out and announces them, so nobody sees a
 * member that expired; the sweeper (sweep.c) does the same on time.
 *
 * Common ARGV of these scripts: the room id, now (ms), the prefix of
 * identity channels (a member "ROLE:EMAIL" is reached on prefix ..
 * member) and the history's length cap.
 */
#include "pres.h"

#define ROOM_LUA_LIB "\n"						\
"local function room_publish(members, chanpre, event, payload, extra)\n" \
"	local msg = event .. ' ' .. cjson.encode(payload)\n"		\
"	for _, m in ipairs(redis.call('ZRANGE', members, 0, -1)) do\n"	\
"		redis.call('PUBLISH', chanpre .. m, msg)\n"		\
"	end\n"								\
"	if extra then redis.call('PUBLISH', chanpre .. extra, msg) end\n" \
"end\n"									\
"\n"									\
"local function room_log(log, max, ...)\n"				\
"	redis.call('XADD', log, 'MAXLEN', '~', max, '*', ...)\n"	\
"end\n"									\
"\n"									\
"-- Removes the members whose presence ran out, and tells every\n"	\
"-- member (the expired ones too) before they go.\n"		\
"local function room_prune(members, log, room, now, chanpre, max)\n"	\
"	local gone = redis.call('ZRANGEBYSCORE', members, '-inf', now)\n" \
"	if #gone == 0 then return 0 end\n"				\
"	for _, m in ipairs(gone) do\n"					\
"		local role, email = string.match(m, '^([^:]+):(.*)$')\n" \
"		room_publish(members, chanpre, 'room-member', {\n"	\
"		    roomId = room, action = 'expired',\n"		\
"		    member = { role = role, email = email },\n"		\
"		    timestamp = tonumber(now) })\n"			\
"		room_log(log, max, 'type', 'expired', 'member', m,\n"	\
"		    'at', now)\n"					\
"	end\n"								\
"	redis.call('ZREMRANGEBYSCORE', members, '-inf', now)\n"		\
"	return #gone\n"							\
"end\n"									\
"\n"									\
"-- A member as events show it; typing clears itself after 30 s.\n"	\
"local function member_view(h, now)\n"					\
"	local t = {}\n"							\
"	for i = 1, #h, 2 do t[h[i]] = h[i + 1] end\n"			\
"	local typing = t.typing == '1' and\n"				\
"	    tonumber(now) - (tonumber(t.typingAt) or 0) < 30000\n"	\
"	return { role = t.role, email = t.email, name = t.name,\n"	\
"	    metadata = t.metadata and cjson.decode(t.metadata) or nil,\n" \
"	    presence = { status = t.status, typing = typing },\n"	\
"	    joinedAt = tonumber(t.joinedAt),\n"				\
"	    updatedAt = tonumber(t.updatedAt) }\n"			\
"end\n"									\
"\n"									\
"local function room_meta(room)\n"					\
"	local h = redis.call('HGETALL', room)\n"			\
"	local m = {}\n"							\
"	for i = 1, #h, 2 do\n"						\
"		local f = h[i]\n"					\
"		if f == 'ticketId' or f == 'priority' or\n"		\
"		    f == 'assignedAgentId' or f == 'status' then\n"	\
"			m[f] = cjson.decode(h[i + 1])\n"		\
"		end\n"							\
"	end\n"								\
"	return m\n"							\
"end\n"

/*
 * Joins a room (or updates the member's metadata and presence).
 * KEYS: room, members, member, log.
 * ARGV: room id, "ROLE:EMAIL", role, email, name, metadata (JSON),
 *       status, typing ("1"/"0"), now, presence TTL (ms), idle TTL (s),
 *       channel prefix, history cap, member cap, "1" if the caller may
 *       create the room.
 * Returns { "join"|"update", member view (JSON), deadline, members },
 * or { "nosuch" } or { "full" }.
 */
struct cm_script pres_script_room_join = { .src = ROOM_LUA_LIB
"local now = tonumber(ARGV[9])\n"
"room_prune(KEYS[2], KEYS[4], ARGV[1], ARGV[9], ARGV[12], ARGV[13])\n"
"if redis.call('EXISTS', KEYS[1]) == 0 then\n"
"	if ARGV[15] ~= '1' then return { 'nosuch' } end\n"
"	redis.call('HSET', KEYS[1], 'createdAt', ARGV[9], 'createdBy',\n"
"	    ARGV[2])\n"
"	room_log(KEYS[4], ARGV[13], 'type', 'created', 'member', ARGV[2],\n"
"	    'at', ARGV[9])\n"
"end\n"
"local again = redis.call('ZSCORE', KEYS[2], ARGV[2])\n"
"if not again and\n"
"    redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[14]) then\n"
"	return { 'full' }\n"
"end\n"
"local deadline = now + tonumber(ARGV[10])\n"
"if not again then redis.call('DEL', KEYS[3]) end\n"
"redis.call('ZADD', KEYS[2], deadline, ARGV[2])\n"
"redis.call('HSET', KEYS[3], 'role', ARGV[3], 'email', ARGV[4],\n"
"    'name', ARGV[5], 'metadata', ARGV[6], 'status', ARGV[7],\n"
"    'typing', ARGV[8], 'updatedAt', ARGV[9])\n"
"redis.call('HSETNX', KEYS[3], 'joinedAt', ARGV[9])\n"
"if ARGV[8] == '1' then\n"
"	redis.call('HSET', KEYS[3], 'typingAt', ARGV[9])\n"
"end\n"
"redis.call('PEXPIRE', KEYS[3], ARGV[10])\n"
"redis.call('HSET', KEYS[1], 'updatedAt', ARGV[9])\n"
"for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[4] }) do\n"
"	redis.call('EXPIRE', key, ARGV[11])\n"
"end\n"
"local view = member_view(redis.call('HGETALL', KEYS[3]), now)\n"
"local action = 'update'\n"
"if not again then\n"
"	action = 'join'\n"
"	room_log(KEYS[4], ARGV[13], 'type', 'join', 'member', ARGV[2],\n"
"	    'at', ARGV[9])\n"
"end\n"
"room_publish(KEYS[2], ARGV[12], 'room-member', { roomId = ARGV[1],\n"
"    action = action, member = view, timestamp = now })\n"
"return { action, cjson.encode(view), deadline,\n"
"    redis.call('ZCARD', KEYS[2]) }\n"
};

/*
 * Updates a member's presence and gives it a new lifetime.
 * KEYS: room, members, member, log.
 * ARGV: room id, "ROLE:EMAIL", status ("" keeps it), typing ("1", "0",
 *       or "" to keep it), now, presence TTL (ms), idle TTL (s),
 *       channel prefix, history cap.
 * Returns { "presence", member view (JSON), deadline } or
 * { "notmember" }.
 */
struct cm_script pres_script_room_presence = { .src = ROOM_LUA_LIB
"local now = tonumber(ARGV[5])\n"
"room_prune(KEYS[2], KEYS[4], ARGV[1], ARGV[5], ARGV[8], ARGV[9])\n"
"if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then\n"
"	return { 'notmember' }\n"
"end\n"
"local deadline = now + tonumber(ARGV[6])\n"
"redis.call('ZADD', KEYS[2], deadline, ARGV[2])\n"
"if ARGV[3] ~= '' then\n"
"	redis.call('HSET', KEYS[3], 'status', ARGV[3])\n"
"end\n"
"if ARGV[4] ~= '' then\n"
"	redis.call('HSET', KEYS[3], 'typing', ARGV[4], 'typingAt', ARGV[5])\n"
"end\n"
"redis.call('HSET', KEYS[3], 'updatedAt', ARGV[5])\n"
"redis.call('PEXPIRE', KEYS[3], ARGV[6])\n"
"for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[4] }) do\n"
"	redis.call('EXPIRE', key, ARGV[7])\n"
"end\n"
"local view = member_view(redis.call('HGETALL', KEYS[3]), now)\n"
"room_publish(KEYS[2], ARGV[8], 'room-member', { roomId = ARGV[1],\n"
"    action = 'presence', member = view, timestamp = now })\n"
"return { 'presence', cjson.encode(view), deadline }\n"
};

/*
 * Leaves a room.
 * KEYS: room, members, member, log.
 * ARGV: room id, "ROLE:EMAIL", now, channel prefix, history cap.
 * Returns "left" or "notmember".
 */
struct cm_script pres_script_room_leave = { .src = ROOM_LUA_LIB
"room_prune(KEYS[2], KEYS[4], ARGV[1], ARGV[3], ARGV[4], ARGV[5])\n"
"if redis.call('ZREM', KEYS[2], ARGV[2]) == 0 then\n"
"	return 'notmember'\n"
"end\n"
"redis.call('DEL', KEYS[3])\n"
"room_log(KEYS[4], ARGV[5], 'type', 'leave', 'member', ARGV[2], 'at',\n"
"    ARGV[3])\n"
"local role, email = string.match(ARGV[2], '^([^:]+):(.*)$')\n"
"room_publish(KEYS[2], ARGV[4], 'room-member', { roomId = ARGV[1],\n"
"    action = 'leave', member = { role = role, email = email },\n"
"    timestamp = tonumber(ARGV[3]) }, ARGV[2])\n"
"return 'left'\n"
};

/*
 * Sets room metadata, creating the room if needed.
 * KEYS: room, members, log.
 * ARGV: room id, now, idle TTL (s), channel prefix, history cap, who
 *       ("ROLE:EMAIL"), then field, JSON value pairs ("null" deletes).
 * Returns the metadata (JSON).
 */
struct cm_script pres_script_room_metadata = { .src = ROOM_LUA_LIB
"room_prune(KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[4], ARGV[5])\n"
"if redis.call('EXISTS', KEYS[1]) == 0 then\n"
"	redis.call('HSET', KEYS[1], 'createdAt', ARGV[2], 'createdBy',\n"
"	    ARGV[6])\n"
"	room_log(KEYS[3], ARGV[5], 'type', 'created', 'member', ARGV[6],\n"
"	    'at', ARGV[2])\n"
"end\n"
"for i = 7, #ARGV, 2 do\n"
"	if ARGV[i + 1] == 'null' then\n"
"		redis.call('HDEL', KEYS[1], ARGV[i])\n"
"	else\n"
"		redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])\n"
"	end\n"
"end\n"
"redis.call('HSET', KEYS[1], 'updatedAt', ARGV[2])\n"
"for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[3] }) do\n"
"	redis.call('EXPIRE', key, ARGV[3])\n"
"end\n"
"local meta = cjson.encode(room_meta(KEYS[1]))\n"
"room_log(KEYS[3], ARGV[5], 'type', 'metadata', 'member', ARGV[6],\n"
"    'at', ARGV[2], 'metadata', meta)\n"
"room_publish(KEYS[2], ARGV[4], 'room-update', { roomId = ARGV[1],\n"
"    metadata = cjson.decode(meta), timestamp = tonumber(ARGV[2]) })\n"
"return meta\n"
};

/*
 * Destroys a room, keeping its history (without TTL) or deleting it.
 * KEYS: room, members, log.
 * ARGV: room id, now, channel prefix, "1" to delete the history, "1"
 *       to leave the final snapshot (metadata and members) out of it,
 *       history cap, who ("ROLE:EMAIL").
 * Returns 1, or 0 if there was no such room.
 */
struct cm_script pres_script_room_destroy = { .src = ROOM_LUA_LIB
"if redis.call('EXISTS', KEYS[1]) == 0 and\n"
"    redis.call('ZCARD', KEYS[2]) == 0 then\n"
"	return 0\n"
"end\n"
"room_publish(KEYS[2], ARGV[3], 'room-destroyed', { roomId = ARGV[1],\n"
"    historyKept = ARGV[4] ~= '1', timestamp = tonumber(ARGV[2]) })\n"
"if ARGV[4] == '1' then\n"
"	redis.call('DEL', KEYS[3])\n"
"else\n"
"	local entry = { 'type', 'destroyed', 'member', ARGV[7], 'at',\n"
"	    ARGV[2] }\n"
"	if ARGV[5] ~= '1' then\n"
"		local members = redis.call('ZRANGE', KEYS[2], 0, -1)\n"
"		local list = '[]'\n"
"		if #members > 0 then list = cjson.encode(members) end\n"
"		for _, v in ipairs({ 'metadata',\n"
"		    cjson.encode(room_meta(KEYS[1])), 'members', list }) do\n"
"			entry[#entry + 1] = v\n"
"		end\n"
"	end\n"
"	room_log(KEYS[3], ARGV[6], unpack(entry))\n"
"	redis.call('PERSIST', KEYS[3])\n"
"end\n"
"redis.call('DEL', KEYS[1], KEYS[2])\n"
"return 1\n"
};

/*
 * The sweeper's pass over one room: removes and announces the members
 * whose presence ran out.
 * KEYS: room, members, log.
 * ARGV: room id, now, channel prefix, history cap.
 * Returns { members removed, next deadline or "" }.
 */
struct cm_script pres_script_room_prune = { .src = ROOM_LUA_LIB
"local n = room_prune(KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3],\n"
"    ARGV[4])\n"
"local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')\n"
"return { n, first[2] or '' }\n"
};
