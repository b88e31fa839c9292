/*
 * presence-svc's Lua scripts.  Each runs atomically in Redis, so a
 * socket's row, its identity set and the presence record never
 * disagree, however many gateways open and close sockets at once.
 * KEYS and ARGV are listed above each script; the C side that fills
 * them is in handlers.c.
 */
#include "pres.h"

/*
 * A socket connected.
 * KEYS: socket row, identity set, presence record.
 * ARGV: sid, role, email, name, now (ms), socket TTL, safety TTL,
 *       org channel, presence-change message for "online",
 *       then the socket row as field, value pairs.
 * Returns 1 if the identity came online (and was announced), else 0.
 */
struct cm_script pres_script_open = { .src = "\n"
"local row, ident, pres = KEYS[1], KEYS[2], KEYS[3]\n"
"local sid, role, email, name, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]\n"
"local socket_ttl, safety_ttl = ARGV[6], ARGV[7]\n"
"\n"
"redis.call('HSET', row, unpack(ARGV, 10))\n"
"redis.call('EXPIRE', row, socket_ttl)\n"
"\n"
"local added = redis.call('SADD', ident, sid)\n"
"local first = added == 1 and redis.call('SCARD', ident) == 1\n"
"redis.call('EXPIRE', ident, safety_ttl)\n"
"\n"
"-- Customers are online or not; an agent keeps the status it had.\n"
"local status = 'online'\n"
"if role ~= 'customer' then\n"
"	status = redis.call('HGET', pres, 'status') or 'available'\n"
"end\n"
"redis.call('HSET', pres, 'name', name, 'role', role, 'email', email,\n"
"    'status', status, 'lastActivity', now)\n"
"if first then\n"
"	redis.call('HSET', pres, 'onlineSince', now)\n"
"else\n"
"	redis.call('HSETNX', pres, 'onlineSince', now)\n"
"end\n"
"redis.call('EXPIRE', pres, safety_ttl)\n"
"\n"
"if first then\n"
"	redis.call('PUBLISH', ARGV[8], ARGV[9])\n"
"	return 1\n"
"end\n"
"return 0\n"
};

/*
 * A socket disconnected.
 * KEYS: socket row, identity set, presence record.
 * ARGV: sid, org channel, presence-change message for "offline".
 * Returns 1 if the identity went offline (and was announced), else 0.
 * A second close of the same socket changes nothing and says nothing.
 */
struct cm_script pres_script_close = { .src = "\n"
"local row, ident, pres = KEYS[1], KEYS[2], KEYS[3]\n"
"\n"
"redis.call('DEL', row)\n"
"local removed = redis.call('SREM', ident, ARGV[1])\n"
"if redis.call('SCARD', ident) > 0 then\n"
"	return 0\n"
"end\n"
"redis.call('DEL', ident, pres)\n"
"if removed == 1 then\n"
"	redis.call('PUBLISH', ARGV[2], ARGV[3])\n"
"	return 1\n"
"end\n"
"return 0\n"
};
