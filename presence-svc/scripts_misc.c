/*
 * The Lua of everything around a socket: gateway worker heartbeats,
 * agent status, page views, visitor state, the widget heartbeat and its
 * watchers, and the room and watch expiry schedules.  KEYS and ARGV
 * are listed above each script; shared functions are in lua.h.
 */
#include "lua.h"
#include "pres.h"

/*
 * A gateway worker's heartbeat.
 * KEYS: chat-gw workers, chat-gw beats.
 * ARGV: GW:SLOT, pid, startedAt, now.
 * Returns { "same" }, { "new" }, { "replaced", "OLDPID OLDSTARTEDAT" },
 * or { "older" } for a process older than the one registered (one of
 * an old generation that is still draining), which changes nothing.
 */
struct cm_script pres_script_beat = { .src = "\n"
"local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
"local val = ARGV[2] .. ' ' .. ARGV[3]\n"
"if cur == val then\n"
"	redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])\n"
"	return { 'same' }\n"
"end\n"
"if cur then\n"
"	local started = string.match(cur, ' (%d+)$')\n"
"	if started and tonumber(started) > tonumber(ARGV[3]) then\n"
"		return { 'older' }\n"
"	end\n"
"end\n"
"redis.call('HSET', KEYS[1], ARGV[1], val)\n"
"redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])\n"
"if cur then return { 'replaced', cur } end\n"
"return { 'new' }\n"
};

/*
 * Forgets a dead worker, unless it beat again meanwhile.
 * KEYS: chat-gw workers, chat-gw beats, chat-gw orgs of the worker.
 * ARGV: GW:SLOT, last-beat cutoff.
 * Returns 1 if forgotten, else 0.
 */
struct cm_script pres_script_forget = { .src = "\n"
"local s = redis.call('ZSCORE', KEYS[2], ARGV[1])\n"
"if s and tonumber(s) > tonumber(ARGV[2]) then return 0 end\n"
"redis.call('ZREM', KEYS[2], ARGV[1])\n"
"redis.call('HDEL', KEYS[1], ARGV[1])\n"
"redis.call('DEL', KEYS[3])\n"
"return 1\n"
};

/*
 * An agent's status changes.
 * KEYS: chat-status, presence and identity of the agent role, presence
 *       and identity of the admin role.
 * ARGV: status, now, who changed it, aux TTL, org channel, agents
 *       channel (unused), skills (JSON or ""), email, "1" if the agent
 *       itself asks, its name.
 * Returns { "nosuch" } when someone else names an agent never seen,
 * else { previous status, 1 if online else 0 }.  presence-change goes
 * out only if the agent is online and the status changed.
 */
struct cm_script pres_script_status = { .src = PRES_LUA_LIB
"local self = ARGV[9] == '1'\n"
"if not self and redis.call('EXISTS', KEYS[1]) == 0 and\n"
"    redis.call('SCARD', KEYS[3]) == 0 and\n"
"    redis.call('SCARD', KEYS[5]) == 0 then\n"
"	return { 'nosuch' }\n"
"end\n"
"local prev = redis.call('HGET', KEYS[1], 'status') or 'available'\n"
"redis.call('HSET', KEYS[1], 'status', ARGV[1], 'statusAt', ARGV[2],\n"
"    'statusBy', ARGV[3])\n"
"if self then\n"
"	redis.call('HSET', KEYS[1], 'lastActivity', ARGV[2])\n"
"	redis.call('HSETNX', KEYS[1], 'name', ARGV[10])\n"
"end\n"
"if ARGV[7] ~= '' then\n"
"	redis.call('HSET', KEYS[1], 'skills', ARGV[7])\n"
"end\n"
"redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
"local name = redis.call('HGET', KEYS[1], 'name') or ''\n"
"local online = 0\n"
"for _, r in ipairs({ { 'agent', KEYS[2], KEYS[3] },\n"
"    { 'admin', KEYS[4], KEYS[5] } }) do\n"
"	if redis.call('SCARD', r[3]) > 0 then\n"
"		redis.call('HSET', r[2], 'status', ARGV[1])\n"
"		if self then\n"
"			redis.call('HSET', r[2], 'lastActivity', ARGV[2])\n"
"		end\n"
"		if ARGV[7] ~= '' then\n"
"			redis.call('HSET', r[2], 'skills', ARGV[7])\n"
"		end\n"
"		if prev ~= ARGV[1] then\n"
"			announce(ARGV[5], ARGV[8], name, r[1], ARGV[1],\n"
"			    ARGV[2])\n"
"		end\n"
"		online = 1\n"
"	end\n"
"end\n"
"return { prev, online }\n"
};

/*
 * A visitor viewed a page.
 * KEYS: chat-visits, chat-visitor, the socket row, the presence record.
 * ARGV: the web-visit row (JSON), the cap, TTL, now, url, agents
 *       channel, email, name, title.
 * Returns the number of stored visits.
 */
struct cm_script pres_script_page_view = { .src = "\n"
"redis.call('LPUSH', KEYS[1], ARGV[1])\n"
"redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)\n"
"redis.call('EXPIRE', KEYS[1], ARGV[3])\n"
"local st = redis.call('HGET', KEYS[2], 'state')\n"
"redis.call('HSET', KEYS[2], 'currentUrl', ARGV[5], 'lastActivity',\n"
"    ARGV[4], 'name', ARGV[8])\n"
"if st == 'left' then\n"
"	redis.call('HSET', KEYS[2], 'state', 'online', 'stateAt', ARGV[4])\n"
"end\n"
"redis.call('EXPIRE', KEYS[2], ARGV[3])\n"
"if redis.call('EXISTS', KEYS[3]) == 1 then\n"
"	redis.call('HSET', KEYS[3], 'currentUrl', ARGV[5])\n"
"end\n"
"if redis.call('EXISTS', KEYS[4]) == 1 then\n"
"	redis.call('HSET', KEYS[4], 'currentUrl', ARGV[5], 'lastActivity',\n"
"	    ARGV[4])\n"
"end\n"
"redis.call('PUBLISH', ARGV[6], 'visitor-page ' .. cjson.encode({\n"
"    email = ARGV[7], name = ARGV[8], url = ARGV[5], title = ARGV[9],\n"
"    timestamp = tonumber(ARGV[4]) }))\n"
"return redis.call('LLEN', KEYS[1])\n"
};

/*
 * A visitor cleared its chat or left the page flow.
 * KEYS: chat-visitor, the customer's identity set.
 * ARGV: state, now, agents channel, email, name, aux TTL.
 * Returns the state as an agent sees it.
 */
struct cm_script pres_script_visitor_state = { .src = PRES_LUA_LIB
"redis.call('HSET', KEYS[1], 'state', ARGV[1], 'stateAt', ARGV[2],\n"
"    'name', ARGV[5])\n"
"redis.call('EXPIRE', KEYS[1], ARGV[6])\n"
"local online = redis.call('SCARD', KEYS[2]) > 0\n"
"visitor_event(ARGV[3], KEYS[1], ARGV[4], ARGV[5], online, ARGV[2])\n"
"return visitor_state(ARGV[1], online)\n"
};

/*
 * A client's heartbeat: its identity was active now.
 * KEYS: the presence record, chat-status or chat-visitor, chat-watch.
 * ARGV: now, fast ms, slow ms, role.
 * Returns the interval the client should beat at.
 */
struct cm_script pres_script_heartbeat = { .src = PRES_LUA_LIB
"for _, key in ipairs({ KEYS[1], KEYS[2] }) do\n"
"	if redis.call('EXISTS', key) == 1 then\n"
"		redis.call('HSET', key, 'lastActivity', ARGV[1])\n"
"	end\n"
"end\n"
"if ARGV[4] == 'customer' then\n"
"	return (beat_interval(KEYS[3], ARGV[1], ARGV[2], ARGV[3]))\n"
"end\n"
"return tonumber(ARGV[3])\n"
};

/*
 * Someone starts or stops watching (or taking over) a customer's chat.
 * KEYS: chat-watch of the customer.
 * ARGV: KIND:AGENT:CHATID, until (ms; "0" to stop), now, fast ms,
 *       slow ms, the customer's identity channel, how long the key is
 *       kept (s): the watch's TTL and PRES_WATCH_KEEP_S.
 * heartbeat-config goes to the customer when the interval changes.
 * Returns { interval ms, live watches }.
 */
struct cm_script pres_script_watch = { .src = PRES_LUA_LIB
"local before = beat_interval(KEYS[1], ARGV[3], ARGV[4], ARGV[5])\n"
"if ARGV[2] == '0' then\n"
"	redis.call('HDEL', KEYS[1], ARGV[1])\n"
"else\n"
"	redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
"	if redis.call('TTL', KEYS[1]) < tonumber(ARGV[7]) then\n"
"		redis.call('EXPIRE', KEYS[1], ARGV[7])\n"
"	end\n"
"end\n"
"local after, live = beat_interval(KEYS[1], ARGV[3], ARGV[4], ARGV[5])\n"
"if after ~= before then\n"
"	redis.call('PUBLISH', ARGV[6], 'heartbeat-config ' ..\n"
"	    cjson.encode({ intervalMs = after }))\n"
"end\n"
"return { after, live }\n"
};

/*
 * The sweeper's pass over a customer whose watch may have run out (its
 * chat-watch-due time passed): forgets the watches that ran out, and if
 * one did and none is left, tells the customer's sockets the slow
 * interval.  A watch stopped by watch-chat is gone from the hash and
 * was told then; a watch that ran out is still in it.
 * KEYS: chat-watch of the customer.
 * ARGV: now, slow ms, the customer's identity channel.
 * Returns { watches forgotten, when the next live one runs out (ms) or
 * "" if none is left, 1 if heartbeat-config went out else 0 }.
 */
struct cm_script pres_script_watch_expire = { .src = "\n"
"local now = tonumber(ARGV[1])\n"
"local w = redis.call('HGETALL', KEYS[1])\n"
"local ran, nxt = 0, nil\n"
"for i = 1, #w, 2 do\n"
"	local u = tonumber(w[i + 1]) or 0\n"
"	if u > now then\n"
"		if nxt == nil or u < nxt then nxt = u end\n"
"	else\n"
"		redis.call('HDEL', KEYS[1], w[i])\n"
"		ran = ran + 1\n"
"	end\n"
"end\n"
"if nxt then return { ran, string.format('%d', nxt), 0 } end\n"
"if ran == 0 then return { 0, '', 0 } end\n"
"redis.call('PUBLISH', ARGV[3], 'heartbeat-config ' ..\n"
"    cjson.encode({ intervalMs = tonumber(ARGV[2]) }))\n"
"return { ran, '', 1 }\n"
};

/*
 * Schedules a room's next member expiry (or a customer's next watch
 * expiry, in chat-watch-due) at deadline, unless an earlier one is
 * pending.  A pending time already past is being handled by the
 * sweeper, which must then see that the schedule changed.
 * KEYS: chat-room-due (chat-watch-due).  ARGV: "ORG ROOM" ("ORG
 * EMAIL"), deadline, now.
 */
struct cm_script pres_script_due_set = { .src = "\n"
"local s = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
"if not s or tonumber(s) > tonumber(ARGV[2]) or\n"
"    tonumber(s) <= tonumber(ARGV[3]) then\n"
"	redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])\n"
"end\n"
"return 0\n"
};

/*
 * Unschedules a room (a customer) if its schedule is still the one the
 * sweeper read.
 * KEYS: chat-room-due (chat-watch-due).  ARGV: "ORG ROOM" ("ORG
 * EMAIL"), the time read.
 */
struct cm_script pres_script_due_clear = { .src = "\n"
"local s = redis.call('ZSCORE', KEYS[1], ARGV[1])\n"
"if s and tonumber(s) == tonumber(ARGV[2]) then\n"
"	redis.call('ZREM', KEYS[1], ARGV[1])\n"
"	return 1\n"
"end\n"
"return 0\n"
};
