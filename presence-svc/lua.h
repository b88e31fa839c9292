/*
 * Lua functions shared by presence-svc's scripts: the script sources
 * in scripts*.c begin with PRES_LUA_LIB.  A socket coming and going
 * touches the same keys however it happens (open, refresh, close, a
 * dead worker), so these are written once.
 *
 * Key tables (k): row, ident, pres, aux (chat-status or chat-visitor),
 * online (chat-online of the role), socks (chat-live), worker
 * (chat-worker).  Argument tables (a): sid, role, email, name, now,
 * safety, auxttl, chan (the org's channel), achan (the agents').
 */
#ifndef PRES_LUA_H
#define PRES_LUA_H

#define PRES_LUA_LIB "\n"						\
"-- A visitor's coming and going is for the org's agents only: other\n" \
"-- visitors must not learn who else is on the site, and an org with N\n" \
"-- visitors would otherwise send N*N frames.  Agents are announced to\n" \
"-- everyone (a widget may show who can answer).\n"		\
"local function who_hears(a)\n"					\
"	if a.role == 'customer' then return a.achan end\n"		\
"	return a.chan\n"						\
"end\n"								\
"\n"									\
"local function announce(chan, email, name, role, status, now)\n"	\
"	redis.call('PUBLISH', chan, 'presence-change ' .. cjson.encode({\n" \
"	    email = email, name = name, role = role, status = status,\n" \
"	    timestamp = tonumber(now) }))\n"				\
"end\n"									\
"\n"									\
"-- A visitor as an agent sees it: online, offline, left or cleared.\n" \
"local function visitor_state(state, online)\n"			\
"	if online then\n"						\
"		if state == 'cleared' then return 'cleared' end\n"	\
"		return 'online'\n"					\
"	end\n"								\
"	if state == 'left' or state == 'cleared' then return state end\n" \
"	return 'offline'\n"						\
"end\n"									\
"\n"									\
"local function visitor_event(achan, aux, email, name, online, now)\n" \
"	local v = redis.call('HMGET', aux, 'state', 'lastSeen',\n"	\
"	    'currentUrl')\n"						\
"	redis.call('PUBLISH', achan, 'visitor-presence ' .. cjson.encode({\n" \
"	    email = email, name = name, online = online,\n"		\
"	    state = visitor_state(v[1], online),\n"			\
"	    lastSeen = tonumber(v[2]), currentUrl = v[3] or nil,\n"	\
"	    timestamp = tonumber(now) }))\n"				\
"end\n"									\
"\n"									\
"-- The widget's heartbeat interval: fast while anyone watches; and\n" \
"-- how many watch.  A watch that ran out stays for the sweeper, which\n" \
"-- tells the widget that it did.\n"					\
"local function beat_interval(watch, now, fast, slow)\n"		\
"	local w = redis.call('HGETALL', watch)\n"			\
"	local live = 0\n"						\
"	for i = 1, #w, 2 do\n"						\
"		if (tonumber(w[i + 1]) or 0) > tonumber(now) then\n"	\
"			live = live + 1\n"				\
"		end\n"							\
"	end\n"								\
"	if live > 0 then return tonumber(fast), live end\n"		\
"	return tonumber(slow), 0\n"					\
"end\n"									\
"\n"									\
"-- Adds a socket to its identity; true if the identity came online.\n" \
"local function sock_on(k, a)\n"					\
"	local added = redis.call('SADD', k.ident, a.sid)\n"		\
"	local first = added == 1 and redis.call('SCARD', k.ident) == 1\n" \
"	redis.call('EXPIRE', k.ident, a.safety)\n"			\
"	redis.call('SADD', k.socks, a.sid)\n"				\
"	redis.call('EXPIRE', k.socks, a.safety)\n"			\
"	redis.call('ZADD', k.worker, a.now,\n"				\
"	    a.sid .. ' ' .. a.role .. ' ' .. a.email)\n"		\
"	redis.call('EXPIRE', k.worker, a.safety)\n"			\
"	redis.call('SADD', k.online, a.email)\n"			\
"	redis.call('EXPIRE', k.online, a.safety)\n"			\
"	local status = 'online'\n"					\
"	if a.role == 'customer' then\n"					\
"		redis.call('HSET', k.aux, 'name', a.name,\n"		\
"		    'lastActivity', a.now)\n"				\
"		if first then\n"					\
"			redis.call('HSET', k.aux, 'state', 'online',\n"	\
"			    'stateAt', a.now)\n"			\
"		end\n"							\
"	else\n"								\
"		if redis.call('HSETNX', k.aux, 'status', 'available')\n" \
"		    == 1 then\n"					\
"			redis.call('HSET', k.aux, 'statusAt', a.now)\n"	\
"		end\n"							\
"		status = redis.call('HGET', k.aux, 'status')\n"		\
"		redis.call('HSET', k.aux, 'name', a.name, 'role', a.role,\n" \
"		    'lastActivity', a.now)\n"				\
"		local skills = redis.call('HGET', k.aux, 'skills')\n"	\
"		if skills then\n"					\
"			redis.call('HSET', k.pres, 'skills', skills)\n"	\
"		end\n"							\
"	end\n"								\
"	redis.call('EXPIRE', k.aux, a.auxttl)\n"			\
"	redis.call('HSET', k.pres, 'name', a.name, 'role', a.role,\n"	\
"	    'email', a.email, 'status', status, 'lastActivity', a.now)\n" \
"	if first then\n"						\
"		redis.call('HSET', k.pres, 'onlineSince', a.now)\n"	\
"	else\n"								\
"		redis.call('HSETNX', k.pres, 'onlineSince', a.now)\n"	\
"	end\n"								\
"	redis.call('EXPIRE', k.pres, a.safety)\n"			\
"	if first then\n"						\
"		announce(who_hears(a), a.email, a.name, a.role, 'online',\n" \
"		    a.now)\n"						\
"		if a.role == 'customer' then\n"				\
"			visitor_event(a.achan, k.aux, a.email, a.name,\n" \
"			    true, a.now)\n"				\
"		else\n"							\
"			announce(a.chan, a.email, a.name, a.role, status,\n" \
"			    a.now)\n"					\
"		end\n"							\
"	end\n"								\
"	return first\n"							\
"end\n"									\
"\n"									\
"-- Removes a socket; true if its identity went offline.  A socket\n"	\
"-- removed twice changes nothing the second time.\n"			\
"local function sock_off(k, a)\n"					\
"	redis.call('DEL', k.row)\n"					\
"	redis.call('SREM', k.socks, a.sid)\n"				\
"	redis.call('ZREM', k.worker,\n"					\
"	    a.sid .. ' ' .. a.role .. ' ' .. a.email)\n"		\
"	local removed = redis.call('SREM', k.ident, a.sid)\n"		\
"	if redis.call('SCARD', k.ident) > 0 then return false end\n"	\
"	local name = redis.call('HGET', k.pres, 'name') or a.name or ''\n" \
"	redis.call('DEL', k.ident, k.pres)\n"				\
"	redis.call('SREM', k.online, a.email)\n"			\
"	if removed == 0 then return false end\n"			\
"	if a.role == 'customer' then\n"					\
"		local st = redis.call('HGET', k.aux, 'state')\n"	\
"		if st ~= 'left' and st ~= 'cleared' then\n"		\
"			st = 'offline'\n"				\
"		end\n"							\
"		redis.call('HSET', k.aux, 'state', st, 'stateAt', a.now,\n" \
"		    'lastSeen', a.now)\n"				\
"	else\n"								\
"		redis.call('HSET', k.aux, 'lastSeen', a.now)\n"		\
"	end\n"								\
"	redis.call('EXPIRE', k.aux, a.auxttl)\n"			\
"	announce(who_hears(a), a.email, name, a.role, 'offline', a.now)\n" \
"	if a.role == 'customer' then\n"					\
"		visitor_event(a.achan, k.aux, a.email, name, false, a.now)\n" \
"	end\n"								\
"	return true\n"							\
"end\n"

#endif
