/*
 * The Lua of the socket lifecycle: open, close, refresh, and the drop
 * of sockets whose gateway worker died.  Each runs atomically in Redis,
 * so a socket's row, its identity set, the presence record and the
 * indexes never disagree, however many gateways open and close sockets
 * at once.  KEYS and ARGV are listed above each script; the shared
 * functions (sock_on, sock_off, ...) are in lua.h.
 */
#include "lua.h"
#include "pres.h"

/*
 * A socket connected.
 * KEYS: row, ident, pres, aux, online, socks, worker, closed, watch.
 * ARGV: sid, role, email, name, now, socket TTL, safety TTL, aux TTL,
 *       org channel, agents channel, identity channel, fast beat ms,
 *       slow beat ms, skills (JSON or ""), location, currentUrl, then
 *       the socket row as field, value pairs.
 * Returns 1 if the identity came online, 0 if not, -1 if the socket
 * had already closed (its close overtook its open).
 */
struct cm_script pres_script_open = { .src = PRES_LUA_LIB
"local k = { row = KEYS[1], ident = KEYS[2], pres = KEYS[3],\n"
"    aux = KEYS[4], online = KEYS[5], socks = KEYS[6], worker = KEYS[7] }\n"
"local a = { sid = ARGV[1], role = ARGV[2], email = ARGV[3],\n"
"    name = ARGV[4], now = ARGV[5], safety = ARGV[7], auxttl = ARGV[8],\n"
"    chan = ARGV[9], achan = ARGV[10] }\n"
"if redis.call('ZSCORE', KEYS[8], a.sid) then\n"
"	return -1\n"
"end\n"
"redis.call('HSET', k.row, unpack(ARGV, 17))\n"
"redis.call('EXPIRE', k.row, ARGV[6])\n"
"if a.role ~= 'customer' and ARGV[14] ~= '' then\n"
"	redis.call('HSET', k.aux, 'skills', ARGV[14])\n"
"end\n"
"local first = sock_on(k, a)\n"
"if ARGV[15] ~= '' then\n"
"	redis.call('HSET', k.pres, 'location', ARGV[15])\n"
"end\n"
"if a.role == 'customer' then\n"
"	redis.call('HSET', k.pres, 'currentUrl', ARGV[16])\n"
"	redis.call('HSET', k.aux, 'currentUrl', ARGV[16])\n"
"	local ms = beat_interval(KEYS[9], a.now, ARGV[12], ARGV[13])\n"
"	redis.call('PUBLISH', ARGV[11], 'heartbeat-config ' ..\n"
"	    cjson.encode({ intervalMs = ms }))\n"
"end\n"
"if first then return 1 end\n"
"return 0\n"
};

/*
 * A socket disconnected.
 * KEYS: row, ident, pres, aux, online, socks, worker, closed.
 * ARGV: sid, role, email, name, now, aux TTL, org channel, agents
 *       channel, how long closed sockets are remembered (ms).
 * Returns 1 if the identity went offline, else 0.  The socket is
 * remembered as closed, so that neither a late open nor a refresh
 * already on its way brings it back.
 */
struct cm_script pres_script_close = { .src = PRES_LUA_LIB
"local k = { row = KEYS[1], ident = KEYS[2], pres = KEYS[3],\n"
"    aux = KEYS[4], online = KEYS[5], socks = KEYS[6], worker = KEYS[7] }\n"
"local a = { sid = ARGV[1], role = ARGV[2], email = ARGV[3],\n"
"    name = ARGV[4], now = ARGV[5], auxttl = ARGV[6], chan = ARGV[7],\n"
"    achan = ARGV[8] }\n"
"redis.call('ZADD', KEYS[8], a.now, a.sid)\n"
"redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', tonumber(a.now) -\n"
"    tonumber(ARGV[9]))\n"
"redis.call('PEXPIRE', KEYS[8], ARGV[9])\n"
"if sock_off(k, a) then return 1 end\n"
"return 0\n"
};

/*
 * A gateway worker lists the sockets it holds in one org.
 * KEYS: socks, worker, closed, online:customer, online:agent,
 *       online:admin, then row, ident, pres, aux for each socket.
 * ARGV: now, socket TTL, safety TTL, aux TTL, org channel, agents
 *       channel, gateway, worker slot, org, then sid, role, email,
 *       name for each socket.
 * A live socket gets its TTLs back.  One whose row is gone, and that
 * did not close, is recorded again: its worker was taken for dead, or
 * its open was lost while presence-svc was down.
 * Returns { refreshed, restored, closed, the 0-based positions of the
 * restored sockets in the list }.
 */
struct cm_script pres_script_refresh = { .src = PRES_LUA_LIB
"local online = { customer = KEYS[4], agent = KEYS[5], admin = KEYS[6] }\n"
"local now = ARGV[1]\n"
"local n = (#ARGV - 9) / 4\n"
"local refreshed, restored, closed, back = 0, 0, 0, {}\n"
"for i = 0, n - 1 do\n"
"	local kb, ab = 7 + 4 * i, 10 + 4 * i\n"
"	local k = { row = KEYS[kb], ident = KEYS[kb + 1],\n"
"	    pres = KEYS[kb + 2], aux = KEYS[kb + 3],\n"
"	    online = online[ARGV[ab + 1]], socks = KEYS[1],\n"
"	    worker = KEYS[2] }\n"
"	local a = { sid = ARGV[ab], role = ARGV[ab + 1],\n"
"	    email = ARGV[ab + 2], name = ARGV[ab + 3], now = now,\n"
"	    safety = ARGV[3], auxttl = ARGV[4], chan = ARGV[5],\n"
"	    achan = ARGV[6] }\n"
"	if redis.call('EXISTS', k.row) == 1 and\n"
"	    redis.call('SISMEMBER', k.ident, a.sid) == 1 then\n"
"		redis.call('EXPIRE', k.row, ARGV[2])\n"
"		redis.call('EXPIRE', k.ident, ARGV[3])\n"
"		redis.call('EXPIRE', k.pres, ARGV[3])\n"
"		redis.call('EXPIRE', k.aux, ARGV[4])\n"
"		redis.call('ZADD', k.worker, now,\n"
"		    a.sid .. ' ' .. a.role .. ' ' .. a.email)\n"
"		redis.call('SADD', k.socks, a.sid)\n"
"		refreshed = refreshed + 1\n"
"	elseif redis.call('ZSCORE', KEYS[3], a.sid) then\n"
"		closed = closed + 1\n"
"	else\n"
"		if redis.call('EXISTS', k.row) == 0 then\n"
"			redis.call('HSET', k.row, 'email', a.email,\n"
"			    'role', a.role, 'org', ARGV[9], 'name', a.name,\n"
"			    'gateway', ARGV[7], 'worker', ARGV[8],\n"
"			    'connectedAt', now, 'restored', '1')\n"
"		end\n"
"		redis.call('EXPIRE', k.row, ARGV[2])\n"
"		sock_on(k, a)\n"
"		restored = restored + 1\n"
"		back[#back + 1] = i\n"
"	end\n"
"end\n"
"for _, key in ipairs({ KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6] }) do\n"
"	redis.call('EXPIRE', key, ARGV[3])\n"
"end\n"
"return { refreshed, restored, closed, back }\n"
};

/*
 * Drops sockets of one gateway worker in one org: its process died, or
 * was replaced, or no longer lists them.
 * KEYS: socks, worker, online:customer, online:agent, online:admin,
 *       then row, ident, pres, aux for each socket.
 * ARGV: now, connectedAt cutoff, last-seen cutoff, aux TTL, org channel,
 *       agents channel, then sid, role, email for each socket.
 * A socket is dropped only if it is still the worker's, was last seen
 * at or before the last-seen cutoff, and connected before the
 * connectedAt cutoff (or has no row): a replaced worker's successor
 * keeps the sockets it opened itself.
 * Returns { sockets dropped, identities gone offline, dropped }, where
 * dropped lists { sid, role, email, name } (name from the socket row,
 * else the presence record, else "") for each socket this call took
 * out of its identity, for the caller to tell queue-svc of.  Not in it:
 * a socket another sweeper or a close removed first, and a worker-set
 * member whose socket had already closed (its close raced its open and
 * missed the worker set): queue-svc had that close from the gateway.
 */
struct cm_script pres_script_drop = { .src = PRES_LUA_LIB
"local online = { customer = KEYS[3], agent = KEYS[4], admin = KEYS[5] }\n"
"local n = (#ARGV - 6) / 3\n"
"local dropped, offline, gone = 0, 0, {}\n"
"for i = 0, n - 1 do\n"
"	local kb, ab = 6 + 4 * i, 7 + 3 * i\n"
"	local k = { row = KEYS[kb], ident = KEYS[kb + 1],\n"
"	    pres = KEYS[kb + 2], aux = KEYS[kb + 3],\n"
"	    online = online[ARGV[ab + 1]], socks = KEYS[1],\n"
"	    worker = KEYS[2] }\n"
"	local a = { sid = ARGV[ab], role = ARGV[ab + 1],\n"
"	    email = ARGV[ab + 2], now = ARGV[1], auxttl = ARGV[4],\n"
"	    chan = ARGV[5], achan = ARGV[6] }\n"
"	local seen = redis.call('ZSCORE', k.worker,\n"
"	    a.sid .. ' ' .. a.role .. ' ' .. a.email)\n"
"	if seen and tonumber(seen) <= tonumber(ARGV[3]) then\n"
"		local conn = redis.call('HGET', k.row, 'connectedAt')\n"
"		if not conn or tonumber(conn) < tonumber(ARGV[2]) then\n"
"			local live = redis.call('SISMEMBER', k.ident, a.sid)\n"
"			a.name = redis.call('HGET', k.row, 'name') or\n"
"			    redis.call('HGET', k.pres, 'name') or ''\n"
"			dropped = dropped + 1\n"
"			if sock_off(k, a) then offline = offline + 1 end\n"
"			if live == 1 then\n"
"				gone[#gone + 1] = { a.sid, a.role, a.email,\n"
"				    a.name }\n"
"			end\n"
"		end\n"
"	end\n"
"end\n"
"return { dropped, offline, gone }\n"
};
